//! `print.html`: the whole briefing on one page, to read straight through
//! or to print ("Print → Save as PDF"), as mdBook's print page.
//!
//! At 10,000 notes the page runs to tens of megabytes, so it is assembled
//! from sections — the summary, each part's heading, each note, each source
//! — rendered one by one with `print-section.html`, each known by a hash of
//! its view (what the template is given) and the theme: on a rebuild a
//! section whose view is unchanged is copied from the previous page rather
//! than rendered, so an edit re-renders the sections it changed.
//! Sections are rendered in parallel a chunk at a time and appended, so the
//! page is never held twice. The shell (`print.html`) says where the
//! sections go with `{{ page.body }}`.
//!
//! Inside the page every link is a fragment: a note is `#n-<id>`, its claims
//! `#n-<id>-c-2`; a source `#s-<id>`, its paragraphs and quoted passages
//! `#s-<id>-p-4` and `#s-<id>-q-3`. Citations become numbered notes under
//! their note, each linking to the passage in the sources section.

use std::hash::Hash;
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::views::*;
use super::{Entry, Linker, Page, Renderer, hash_of, note_meta};
use crate::diag::Diagnostic;
use crate::model::Kind;

/// Where the shell wants the sections: what `{{ page.body }}` prints.
const BODY_MARKER: &str = "<!--briefing:print-sections-->";

/// `print.html` and where each of its sections lies in it, by key (a hash
/// of the section's view and the theme), for the next build to reuse.
#[derive(Debug, Clone)]
pub struct PrintPage {
    pub page: Page,
    sections: FxHashMap<u64, Range<usize>>,
}

impl PartialEq for PrintPage {
    fn eq(&self, other: &PrintPage) -> bool {
        self.page.key == other.page.key
    }
}

/// How many sections are rendered in parallel before being appended.
const CHUNK: usize = 512;

/// The element ID of a note within `print.html`.
pub fn note_id(id: &str) -> String {
    format!("n-{id}")
}

/// A link to a source (or, with `fragment` like `#q-3`, a passage of it)
/// within `print.html`.
pub fn passage_href(source: &str, fragment: &str) -> String {
    match fragment.strip_prefix('#') {
        Some(f) => format!("#s-{source}-{f}"),
        None => format!("#s-{source}"),
    }
}

/// One section of the page, as `print-section.html` sees it (`kind` tells
/// which).
#[derive(Serialize, Hash)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Section {
    Front {
        bottom_line: Vec<PrintClaim>,
        key_facts: Vec<PrintClaim>,
        endnotes: Vec<Endnote>,
    },
    Part {
        id: &'static str,
        title: &'static str,
        blurb: &'static str,
    },
    Note {
        note: NoteView,
        meta: String,
        claims: Vec<PrintClaim>,
        disagreements: Vec<PrintDisagreement>,
        endnotes: Vec<Endnote>,
    },
    Source {
        source: SourceView,
    },
}

/// A disagreement whose sides' citations are numbered notes.
#[derive(Serialize, Hash)]
struct PrintDisagreement {
    point: String,
    sides: Vec<PrintClaim>,
}

/// A claim whose citations are numbered notes.
#[derive(Serialize, Hash)]
struct PrintClaim {
    anchor: String,
    html: String,
    /// The numbers of its endnotes.
    notes: Vec<usize>,
    uncited: bool,
    support: Option<SupportView>,
}

#[derive(Serialize, Hash)]
struct Endnote {
    n: usize,
    cite: CiteView,
}

#[derive(Serialize, Hash)]
struct PrintView {
    body: &'static str,
    /// The table of contents: the summary, the parts, the sources.
    parts: Vec<Link>,
}

/// What a section is made from.
#[derive(Clone, Copy)]
enum Part {
    Front,
    Heading(Option<Kind>),
    Note(usize),
    Source(usize),
}

impl Renderer<'_> {
    /// Renders `print.html`, reusing the sections of `old` made from the
    /// same views.
    pub(super) fn print_page(&self, old: Option<&PrintPage>) -> Result<PrintPage, Box<Diagnostic>> {
        let empty = FxHashMap::default();
        let (old_bytes, old_sections): (&[u8], _) = match old {
            Some(o) => (&o.page.bytes, &o.sections),
            None => (&[], &empty),
        };
        let site = self.site();
        let shell = PageContext {
            site: &site,
            root: "",
            title: "The whole briefing".into(),
            // Like the 404 page, it belongs to no part.
            nav: self.nav("", &Entry::NotFound),
            prev: None,
            next: None,
            page: PrintView {
                body: BODY_MARKER,
                parts: self.print_toc(),
            },
        };
        let shell_key = hash_of(&(self.theme().fingerprint, "print.html", &shell));
        let shell = self.template("print.html", &shell)?;
        let Some(at) = shell.find(BODY_MARKER) else {
            return Err(Box::new(
                Diagnostic::error(
                    "template",
                    "template `print.html` has no place for the briefing",
                )
                .help("put `{{ page.body | safe }}` where the notes and sources should go"),
            ));
        };
        let mut bytes = Vec::with_capacity(old_bytes.len().max(shell.len()));
        bytes.extend_from_slice(&shell.as_bytes()[..at]);
        let mut sections = FxHashMap::default();
        let mut keys = Vec::new();
        for chunk in self.print_order().chunks(CHUNK) {
            // Each worker renders through inputs of its own, whose reads
            // count as the print page's.
            let fresh: Vec<(u64, Option<String>)> = self
                .inputs
                .par_each(chunk.len(), &|inputs, i| {
                    let r = Renderer::new(inputs);
                    let section = r.print_section(chunk[i]);
                    let key = hash_of(&(r.theme().fingerprint, &section));
                    match old_sections.contains_key(&key) {
                        true => Ok((key, None)),
                        false => r.render_section(&section).map(|html| (key, Some(html))),
                    }
                })
                .into_iter()
                .collect::<Result<_, _>>()?;
            for (key, html) in fresh {
                let start = bytes.len();
                match html {
                    Some(html) => bytes.extend_from_slice(html.as_bytes()),
                    None => bytes.extend_from_slice(&old_bytes[old_sections[&key].clone()]),
                }
                sections.insert(key, start..bytes.len());
                keys.push(key);
            }
        }
        bytes.extend_from_slice(&shell.as_bytes()[at + BODY_MARKER.len()..]);
        Ok(PrintPage {
            page: Page {
                path: "print.html".into(),
                key: hash_of(&(shell_key, keys)),
                bytes: Arc::new(bytes),
                template: Some("print.html"),
                file: None,
            },
            sections,
        })
    }

    fn print_order(&self) -> Vec<Part> {
        let mut order = vec![Part::Front];
        for kind in Kind::ALL {
            order.push(Part::Heading(Some(kind)));
            order.extend(self.part_range(kind).map(Part::Note));
        }
        order.push(Part::Heading(None));
        order.extend((0..self.outline.sources.len()).map(Part::Source));
        order
    }

    fn print_toc(&self) -> Vec<Link> {
        let mut toc = vec![Link {
            href: "#summary".into(),
            title: "Summary".into(),
        }];
        toc.extend(Kind::ALL.iter().map(|k| Link {
            href: format!("#part-{}", k.dir()),
            title: k.title().into(),
        }));
        toc.push(Link {
            href: "#part-sources".into(),
            title: "Sources".into(),
        });
        toc
    }

    /// The view of one section.
    fn print_section(&self, part: Part) -> Section {
        let links = Linker {
            r: self,
            root: "",
            print: true,
        };
        match part {
            Part::Front => {
                let front = self.front(&links);
                let mut endnotes = Vec::new();
                let bottom_line = number(front.bottom_line, &mut endnotes);
                let key_facts = number(front.key_facts, &mut endnotes);
                Section::Front {
                    bottom_line,
                    key_facts,
                    endnotes,
                }
            }
            Part::Heading(kind) => Section::Part {
                id: kind.map_or("sources", Kind::dir),
                title: kind.map_or("Sources", Kind::title),
                blurb: super::blurb(kind),
            },
            Part::Note(i) => {
                let mut note = self.note(i, &links);
                let mut endnotes = Vec::new();
                let claims = number(std::mem::take(&mut note.claims), &mut endnotes);
                let disagreements = std::mem::take(&mut note.disagreements)
                    .into_iter()
                    .map(|d| PrintDisagreement {
                        point: d.point,
                        sides: number(d.sides, &mut endnotes),
                    })
                    .collect();
                Section::Note {
                    note,
                    meta: note_meta(&self.note_at(i)),
                    claims,
                    disagreements,
                    endnotes,
                }
            }
            Part::Source(i) => Section::Source {
                source: self.source(i, &links),
            },
        }
    }

    fn render_section(&self, section: &Section) -> Result<String, Box<Diagnostic>> {
        #[derive(Serialize)]
        struct Context<'s> {
            section: &'s Section,
        }
        self.template("print-section.html", &Context { section })
    }
}

/// Turns claims' citations into endnotes numbered on from `endnotes`.
fn number(claims: Vec<ClaimView>, endnotes: &mut Vec<Endnote>) -> Vec<PrintClaim> {
    claims
        .into_iter()
        .map(|c| {
            let uncited = c.cites.is_empty();
            let notes = c
                .cites
                .into_iter()
                .map(|cite| {
                    let n = endnotes.len() + 1;
                    endnotes.push(Endnote { n, cite });
                    n
                })
                .collect();
            PrintClaim {
                anchor: c.anchor,
                html: c.html,
                notes,
                uncited,
                support: c.support,
            }
        })
        .collect()
}
