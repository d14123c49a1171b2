//! `briefing.json`: the whole briefing as data, for other tools — every
//! note, claim and citation, each source's metadata and SHA-256, and which
//! sources tell the same story. The format is described, field by field, by
//! the JSON Schema in `docs/briefing.schema.json`; [`SCHEMA_VERSION`] is its
//! version.
//!
//! A citation with a quote carries where the quote was found as W3C Web
//! Annotation selectors (a `TextQuoteSelector` and a `TextPositionSelector`
//! counting Unicode code points) plus the UTF-8 byte range, all over the
//! source's text file exactly as stored, so other tools can re-anchor it.
//!
//! ## Layout
//! One JSON value, written one record per line: the header fields, then each
//! note and each source on a line of its own. The file stays compact (no
//! indentation, which would add a fifth to it) and a line-based `diff` of two
//! exports shows which notes and sources changed.
//!
//! ## Cost
//! Each line (the front page, each note, each source) is a query of its own
//! in [`crate::db`], made from what it reads through [`Inputs`]: an edit
//! makes again the lines of what it changed, and the file is the header
//! and the lines put together.

use crate::routes::claim_anchor;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHasher;
use serde::Serialize;

use crate::corroborate::{Corroboration, Merge, Support};
use crate::date::{DateSpec, PartialDate};
use crate::files::{FileId, floor_char_boundary};
use crate::integrity::sha256_hex;
use crate::model::*;
use crate::render::Page;

/// Where the export goes in the site.
pub const PATH: &str = "briefing.json";

/// The version of the format (semantic versioning: a new minor version only
/// adds properties; consumers should ignore properties they do not know).
pub const SCHEMA_VERSION: &str = "1.3.0";

/// Characters of context on each side of a quote in its `TextQuoteSelector`.
pub const CONTEXT: usize = 32;

/// Bytes of text between two code-point checkpoints of a source.
const STRIDE: usize = 64;

/// What `briefing.json` is made from, read through the engine: what a page
/// is made from, and each source's code-point checkpoints.
pub trait Inputs: crate::render::Inputs {
    /// Code-point checkpoints of a source file's text.
    fn counts(&self, file: FileId) -> Arc<Counts>;
}

/// The header: the schema, the generator, the briefing, the groups.
pub fn header(x: &dyn Inputs) -> String {
    Exporter::new(x).header()
}

/// The front page's line, if there is a front page.
pub fn front_line(x: &dyn Inputs) -> Option<String> {
    x.front().map(|f| Exporter::new(x).front(&f))
}

/// Note `i`'s line.
pub fn note_line(x: &dyn Inputs, i: usize) -> String {
    Exporter::new(x).note(i)
}

/// Source `i`'s line.
pub fn source_line(x: &dyn Inputs, i: usize) -> String {
    Exporter::new(x).source(i)
}

/// The export as one page of the site: the header and the lines.
pub fn page(header: &str, front: Option<&str>, notes: &[Arc<str>], sources: &[Arc<str>]) -> Page {
    let size = header.len()
        + front.map_or(0, str::len)
        + notes
            .iter()
            .chain(sources)
            .map(|l| l.len() + 2)
            .sum::<usize>()
        + 64;
    let mut out = String::with_capacity(size);
    out.push_str(header);
    out.push_str(",\n\"front\":");
    out.push_str(front.unwrap_or("null"));
    for (name, lines) in [("notes", notes), ("sources", sources)] {
        write!(out, ",\n\"{name}\":[").expect("writing to a String");
        for (i, line) in lines.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str(line);
        }
        out.push_str(if lines.is_empty() { "]" } else { "\n]" });
    }
    out.push_str("\n}\n");
    Page {
        path: PATH.into(),
        key: hash_of(&out) | 1,
        bytes: Arc::new(out.into_bytes()),
        template: None,
        file: None,
    }
}

/// Makes lines from what it reads through its inputs (the parts read once).
struct Exporter<'a> {
    x: &'a dyn Inputs,
    sources: OnceLock<Arc<Vec<Source>>>,
    corroboration: OnceLock<Arc<Corroboration>>,
    outline: OnceLock<Arc<crate::render::Outline>>,
}

impl<'a> Exporter<'a> {
    fn new(x: &'a dyn Inputs) -> Self {
        Exporter {
            x,
            sources: OnceLock::new(),
            corroboration: OnceLock::new(),
            outline: OnceLock::new(),
        }
    }

    fn outline(&self) -> &crate::render::Outline {
        self.outline.get_or_init(|| self.x.outline())
    }

    fn sources(&self) -> &[Source] {
        self.sources.get_or_init(|| self.x.sources())
    }

    fn corroboration(&self) -> &Corroboration {
        self.corroboration.get_or_init(|| self.x.corroboration())
    }

    fn header(&self) -> String {
        #[derive(Serialize)]
        struct Generator {
            name: &'static str,
            version: &'static str,
        }
        #[derive(Serialize)]
        struct BriefingOut<'a> {
            title: &'a str,
            description: Option<&'a str>,
            language: &'a str,
            authors: &'a [String],
            updated: Option<&'a str>,
            site_url: Option<String>,
        }
        #[derive(Serialize)]
        struct Group<'a> {
            id: usize,
            sources: Vec<&'a str>,
        }
        #[derive(Serialize)]
        struct CorroborationOut<'a> {
            threshold: f64,
            groups: Vec<Group<'a>>,
        }
        let globals = self.x.globals();
        let (book, site_url) = (&globals.config.book, &globals.site_url);
        let c = self.corroboration();
        let fields = [
            ("schema_version", to_json(&SCHEMA_VERSION)),
            (
                "generator",
                to_json(&Generator {
                    name: env!("CARGO_PKG_NAME"),
                    version: env!("CARGO_PKG_VERSION"),
                }),
            ),
            (
                "briefing",
                to_json(&BriefingOut {
                    title: &book.title,
                    description: book.description.as_deref(),
                    language: &book.language,
                    authors: &book.authors,
                    updated: book.updated.as_deref(),
                    site_url: site_url.as_ref().map(|u| u.url("")),
                }),
            ),
            (
                "corroboration",
                to_json(&CorroborationOut {
                    threshold: c.threshold,
                    groups: c
                        .groups
                        .iter()
                        .enumerate()
                        .map(|(id, members)| Group {
                            id,
                            sources: members
                                .iter()
                                .map(|&s| self.sources()[s].id.as_str())
                                .collect(),
                        })
                        .collect(),
                }),
            ),
        ];
        let mut out = String::from("{");
        for (i, (name, value)) in fields.iter().enumerate() {
            let sep = if i == 0 { "\n" } else { ",\n" };
            write!(out, "{sep}\"{name}\":{value}").expect("writing to a String");
        }
        out
    }

    fn front(&self, f: &Front) -> String {
        #[derive(Serialize)]
        struct FrontOut<'a> {
            file: &'a str,
            href: &'static str,
            summary: Vec<ClaimOut<'a>>,
            why_it_matters: Vec<ClaimOut<'a>>,
            next: Vec<ClaimOut<'a>>,
            bottom_line: Vec<ClaimOut<'a>>,
            key_facts: Vec<ClaimOut<'a>>,
        }
        let page = "index.html";
        to_json(&FrontOut {
            file: &self.x.text(f.file).name,
            href: page,
            summary: self.claims(Owner::Front, "summary", page, &f.summary, 0),
            why_it_matters: self.claims(Owner::Front, "why_it_matters", page, &f.why_it_matters, 0),
            next: self.claims(Owner::Front, "next", page, &f.next, 0),
            bottom_line: self.claims(Owner::Front, "bottom_line", page, &f.bottom_line, 0),
            key_facts: self.claims(Owner::Front, "key_facts", page, &f.key_facts, 0),
        })
    }

    fn note(&self, i: usize) -> String {
        #[derive(Serialize)]
        struct NoteOut<'a> {
            id: &'a str,
            kind: &'static str,
            file: &'a str,
            href: String,
            title: &'a str,
            summary: Option<&'a str>,
            #[serde(flatten)]
            details: Details<'a>,
            references: Vec<RefOut<'a>>,
            claims: Vec<ClaimOut<'a>>,
            disagreements: Vec<DisagreementOut<'a>>,
        }
        #[derive(Serialize)]
        struct DisagreementOut<'a> {
            id: String,
            href: String,
            point: &'a str,
            sides: Vec<ClaimOut<'a>>,
        }
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Details<'a> {
            Who {
                #[serde(rename = "type")]
                actor_type: &'static str,
                role: Option<&'a str>,
                affiliation: Option<&'a str>,
                aliases: &'a [String],
            },
            What {
                date: DateOut,
                date_derived: bool,
            },
            Response {
                #[serde(rename = "type")]
                response_type: &'static str,
                date: Option<DateOut>,
            },
            Question {
                status: &'static str,
                about: About,
            },
        }
        #[derive(Serialize)]
        struct RefOut<'a> {
            field: &'static str,
            note: &'a str,
        }
        let n = self.x.note(i);
        let kind = n.kind();
        let page = format!("{}/{}.html", kind.dir(), n.id);
        let details = match &n.body {
            Body::Who {
                actor_type,
                role,
                affiliation,
                aliases,
            } => Details::Who {
                actor_type: actor_type.label(),
                role: role.as_deref(),
                affiliation: affiliation.as_deref(),
                aliases,
            },
            Body::What { date, derived } => Details::What {
                date: DateOut::of(date),
                date_derived: *derived,
            },
            Body::Response {
                response_type,
                date,
            } => Details::Response {
                response_type: response_type.label(),
                date: date.as_ref().map(DateOut::of),
            },
            Body::Question { status, about } => Details::Question {
                status: status.label(),
                about: *about,
            },
        };
        to_json(&NoteOut {
            id: &n.id,
            kind: kind_name(kind),
            file: &self.x.text(n.file).name,
            title: &n.title,
            summary: n.summary.as_deref(),
            details,
            references: n
                .refs
                .iter()
                .map(|r| RefOut {
                    field: r.field,
                    note: &r.target,
                })
                .collect(),
            claims: self.claims(Owner::Note(i), "claims", &page, &n.claims, 0),
            disagreements: n
                .disagreements
                .iter()
                .enumerate()
                .map(|(d, dis)| DisagreementOut {
                    id: format!("d-{}", d + 1),
                    href: format!("{page}#d-{}", d + 1),
                    point: &dis.point,
                    sides: self.claims(
                        Owner::Note(i),
                        "sides",
                        &page,
                        &n.sides[dis.sides.clone()],
                        dis.sides.start,
                    ),
                })
                .collect(),
            href: page,
        })
    }

    /// The claims of one list; `first` is the index in the list (`sides`)
    /// of the first of `claims`.
    fn claims<'n>(
        &self,
        owner: Owner,
        field: &'static str,
        page: &str,
        claims: &'n [Claim],
        first: usize,
    ) -> Vec<ClaimOut<'n>> {
        claims
            .iter()
            .enumerate()
            .map(|(ci, claim)| (ci + first, claim))
            .map(|(ci, claim)| {
                let anchor = claim_anchor(field, ci);
                let support = self
                    .corroboration()
                    .support_with(claim, |id| self.outline().source_index(id))
                    .map(|s| self.support(&s));
                ClaimOut {
                    id: anchor.clone(),
                    href: format!("{page}#{anchor}"),
                    text: &claim.text,
                    about: claim.about,
                    support,
                    citations: claim
                        .keyed_cites(owner, field, ci)
                        .map(|(key, cite)| self.citation(key, cite))
                        .collect(),
                }
            })
            .collect()
    }

    /// A claim's support as the site shows it, with what made sources one
    /// story.
    fn support(&self, s: &Support) -> SupportOut {
        let id = |i: usize| self.sources()[i].id.clone();
        let ids = |v: &[usize]| v.iter().map(|&i| id(i)).collect::<Vec<_>>();
        SupportOut {
            sources: s.sources(),
            independent: s.stories.len(),
            contradicting: ids(&s.contradicting),
            context: ids(&s.context),
            label: s.label(),
            stories: s
                .stories
                .iter()
                .map(|story| StoryOut {
                    sources: ids(&story.sources),
                    merges: story.merges.iter().map(|m| MergeOut::of(*m, &id)).collect(),
                })
                .collect(),
        }
    }

    fn citation<'n>(&self, key: CiteKey, cite: &'n Citation) -> CitationOut<'n> {
        let page = format!("sources/{}.html", cite.source);
        let found = self.x.passages().of_citation(&key).map(|(n, si, range)| {
            let source = self.sources()[si].file;
            let file = self.x.text(source);
            let text = file.text.as_str();
            let counts = self.x.counts(source);
            let (start, end) = (range.start, range.end);
            let before = &text[..start];
            let prefix_from = before
                .char_indices()
                .rev()
                .nth(CONTEXT - 1)
                .map_or(0, |(i, _)| i);
            let after = &text[end..];
            let suffix_to = end
                + after
                    .char_indices()
                    .nth(CONTEXT)
                    .map_or(after.len(), |(i, _)| i);
            let selector = vec![
                Selector::TextQuoteSelector {
                    exact: text[start..end].to_owned(),
                    prefix: text[prefix_from..start].to_owned(),
                    suffix: text[end..floor_char_boundary(text, suffix_to)].to_owned(),
                },
                Selector::TextPositionSelector {
                    start: counts.at(text, start),
                    end: counts.at(text, end),
                },
            ];
            let href = format!("{page}#q-{n}");
            (selector, ByteRange { start, end }, href)
        });
        let (selector, utf8, href) = match found {
            Some((s, r, href)) => (Some(s), Some(r), href),
            None => (None, None, page),
        };
        CitationOut {
            source: &cite.source,
            stance: cite.stance,
            quote: cite.quote.as_deref(),
            comment: cite.comment.as_deref(),
            href,
            selector,
            utf8,
        }
    }

    fn source(&self, i: usize) -> String {
        #[derive(Serialize)]
        struct SourceOut<'a> {
            id: &'a str,
            file: &'a str,
            href: String,
            title: &'a str,
            sha256: String,
            bytes: usize,
            characters: usize,
            corroboration_group: usize,
            metadata: Option<MetaOut<'a>>,
        }
        #[derive(Serialize)]
        struct MetaOut<'a> {
            file: &'a str,
            label: String,
            derived_from: &'a [String],
            publisher: Option<&'a str>,
            author: Option<&'a str>,
            url: Option<&'a str>,
            published: Option<DateOut>,
            retrieved: Option<DateOut>,
            original: Option<&'a crate::model::Original>,
            language: &'a str,
            original_language: Option<&'a str>,
            translation: Translation,
            caveats: &'a [String],
            sha256: Option<&'a str>,
        }
        let s = &self.sources()[i];
        let file = self.x.text(s.file);
        let text = file.text.as_str();
        let meta_file = s.meta.as_ref().map(|m| self.x.text(m.file));
        to_json(&SourceOut {
            id: &s.id,
            file: &file.name,
            href: format!("sources/{}.html", s.id),
            title: s.meta.as_ref().map_or(&s.id, |m| &m.title),
            sha256: sha256_hex(text.as_bytes()),
            bytes: text.len(),
            characters: self.x.counts(s.file).at(text, text.len()),
            corroboration_group: self.corroboration().group_of[i],
            metadata: s.meta.as_deref().map(|m| MetaOut {
                file: meta_file.as_ref().map_or("", |f| f.name.as_str()),
                label: m.short_label(),
                derived_from: &m.derived_from,
                publisher: m.publisher.as_deref(),
                author: m.author.as_deref(),
                url: m.url.as_deref(),
                published: m.published.as_ref().map(DateOut::of),
                retrieved: m.retrieved.as_ref().map(DateOut::of),
                original: m.original.as_ref(),
                language: &m.language,
                original_language: m.original_language.as_deref(),
                translation: m.translation,
                caveats: &m.caveats,
                sha256: m.sha256.as_deref(),
            }),
        })
    }
}

#[derive(Serialize)]
struct ClaimOut<'a> {
    id: String,
    href: String,
    text: &'a str,
    about: About,
    support: Option<SupportOut>,
    citations: Vec<CitationOut<'a>>,
}

#[derive(Serialize)]
struct SupportOut {
    sources: usize,
    independent: usize,
    contradicting: Vec<String>,
    context: Vec<String>,
    label: String,
    stories: Vec<StoryOut>,
}

#[derive(Serialize)]
struct StoryOut {
    sources: Vec<String>,
    merges: Vec<MergeOut>,
}

/// Why two sources are one story.
#[derive(Serialize)]
#[serde(tag = "reason", rename_all = "lowercase")]
enum MergeOut {
    /// `source`'s metadata says it is derived from `from`.
    Declared { source: String, from: String },
    /// The two texts overlap this much.
    Texts { a: String, b: String, overlap: f64 },
    /// The passages the claim quotes from them overlap this much.
    Quotes { a: String, b: String, overlap: f64 },
}

impl MergeOut {
    fn of(m: Merge, id: &dyn Fn(usize) -> String) -> MergeOut {
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        match m {
            Merge::Declared { source, from } => MergeOut::Declared {
                source: id(source),
                from: id(from),
            },
            Merge::Texts { a, b, overlap } => MergeOut::Texts {
                a: id(a),
                b: id(b),
                overlap: round(overlap),
            },
            Merge::Quotes { a, b, overlap } => MergeOut::Quotes {
                a: id(a),
                b: id(b),
                overlap: round(overlap),
            },
        }
    }
}

#[derive(Serialize)]
struct CitationOut<'a> {
    source: &'a str,
    stance: Stance,
    quote: Option<&'a str>,
    comment: Option<&'a str>,
    href: String,
    selector: Option<Vec<Selector>>,
    utf8: Option<ByteRange>,
}

/// W3C Web Annotation selectors over the source's text.
#[derive(Serialize)]
#[serde(tag = "type")]
enum Selector {
    TextQuoteSelector {
        exact: String,
        prefix: String,
        suffix: String,
    },
    TextPositionSelector {
        start: usize,
        end: usize,
    },
}

#[derive(Serialize)]
struct ByteRange {
    start: usize,
    end: usize,
}

/// A date as written (normalised: ISO 8601 at its precision, `/` between
/// the ends of a range) and the first and last day it covers.
#[derive(Serialize)]
struct DateOut {
    text: String,
    start: String,
    end: String,
}

impl DateOut {
    fn of(d: &DateSpec) -> DateOut {
        let iso = |p: PartialDate| match p {
            PartialDate::Year(y) => format!("{y:04}"),
            PartialDate::Month(y, m) => format!("{y:04}-{m:02}"),
            PartialDate::Day(d) => d.format("%Y-%m-%d").to_string(),
        };
        let last = d.end.unwrap_or(d.start);
        DateOut {
            text: match d.end {
                Some(end) => format!("{}/{}", iso(d.start), iso(end)),
                None => iso(d.start),
            },
            start: d.start.first_day().format("%Y-%m-%d").to_string(),
            end: last.last_day().format("%Y-%m-%d").to_string(),
        }
    }
}

/// Code points before every [`STRIDE`]th byte of a text (at 0, STRIDE,
/// 2·STRIDE… up to its length), so the code-point
/// offset of any byte offset costs at most one stride's scan.
#[derive(Debug, PartialEq)]
pub struct Counts(Vec<u32>);

impl Counts {
    pub fn of(text: &str) -> Counts {
        let mut at = Vec::with_capacity(text.len() / STRIDE + 1);
        let mut n = 0;
        at.push(n);
        for chunk in text.as_bytes().chunks_exact(STRIDE) {
            // Sources are at most 16 MB (`load::MAX_SOURCE_BYTES`).
            n += code_points(chunk) as u32;
            at.push(n);
        }
        Counts(at)
    }

    /// The code-point offset of byte offset `i` (a char boundary) of `text`.
    fn at(&self, text: &str, i: usize) -> usize {
        let k = i / STRIDE;
        self.0[k] as usize + code_points(&text.as_bytes()[k * STRIDE..i])
    }
}

/// Code points in UTF-8 bytes: every byte but continuation bytes starts one.
fn code_points(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Who => "who",
        Kind::What => "what",
        Kind::Response => "response",
        Kind::Question => "question",
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("export values serialise")
}

fn hash_of<T: Hash>(value: &T) -> u64 {
    let mut h = FxHasher::default();
    value.hash(&mut h);
    h.finish()
}
