//! The briefing as loaded and validated: what every later stage works on.
//!
//! These types are built by [`crate::load`] from the raw YAML shapes and are
//! never mutated afterwards; checks read them, rendering reads them.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{Config, SiteUrl};
use crate::date::DateSpec;
use crate::files::{FileId, Files};
use crate::yaml::{Seg, YamlPath};

/// The four parts of every briefing, in reading order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Who,
    What,
    Response,
    Question,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Who, Kind::What, Kind::Response, Kind::Question];

    /// Folder under `content/` and under the site root.
    pub fn dir(self) -> &'static str {
        match self {
            Kind::Who => "who",
            Kind::What => "what",
            Kind::Response => "responses",
            Kind::Question => "questions",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Briefing {
    pub root: PathBuf,
    pub config: Config,
    /// `[output.html] site-url` (or `--site-url`), parsed.
    pub site_url: Option<SiteUrl>,
    pub files: Files,
    /// Sorted by ID.
    pub sources: Vec<Source>,
    /// Sorted by kind, then by the kind's order (see [`Note::order_key`]).
    /// Shared, because a rebuild reuses the notes whose files did not change.
    pub notes: Vec<Arc<Note>>,
    pub front: Option<Arc<Front>>,
    /// The IDs of note files that have errors and so are not in `notes`:
    /// references to them are not reported again (the file's own errors
    /// say what to fix), and orphans are not judged while any exist.
    pub unusable_notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub id: String,
    pub file: FileId,
    pub meta: Option<Arc<SourceMeta>>,
}

/// The document a source's text was extracted from (`original:`): a file
/// under `content/sources/originals/`, kept so that anyone can audit the
/// conversion, and the SHA-256 of its bytes.
#[derive(Debug, PartialEq, Eq, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Original {
    /// Relative to `content/sources/`, e.g. `originals/report.pdf`.
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, PartialEq)]
pub struct SourceMeta {
    pub file: FileId,
    pub title: String,
    /// A short name for readers, as written (see [`SourceMeta::short_label`]).
    pub label: Option<String>,
    /// The sources this one copies, relays, translates or excerpts: one
    /// story with them, whatever their texts look like.
    pub derived_from: Vec<String>,
    /// How the text is laid out, as written; `None`: told from the text
    /// (see [`Layout::of`]).
    pub layout: Option<Layout>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub published: Option<DateSpec>,
    /// When the document was fetched or added (`briefing add` records it).
    pub retrieved: Option<DateSpec>,
    /// The document the text was extracted from, as kept beside it.
    pub original: Option<Original>,
    pub language: String,
    pub original_language: Option<String>,
    pub translation: Translation,
    pub caveats: Vec<String>,
    /// The SHA-256 of the text as recorded (`sha256:`), as written; a
    /// malformed value has been reported by loading.
    pub sha256: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Translation {
    None,
    Human,
    Machine,
    Unknown,
}

/// How a source's text is laid out (`layout:` in its metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Running text: line breaks within a paragraph are just wrapping.
    Prose,
    /// Laid out with spaces and line breaks (an advisory's header block, a
    /// table, a listing): shown as it is.
    Preformatted,
}

impl Layout {
    /// The layout `text` clearly has: preformatted when at least five of
    /// its lines are non-empty and two in five of those are indented or
    /// align columns with runs of spaces; prose otherwise.
    pub fn of(text: &str) -> Layout {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let laid_out = lines
            .iter()
            .filter(|l| l.starts_with([' ', '\t']) || l.trim().contains("  ") || l.contains('\t'))
            .count();
        if lines.len() >= 5 && laid_out * 5 >= lines.len() * 2 {
            Layout::Preformatted
        } else {
            Layout::Prose
        }
    }
}

impl SourceMeta {
    /// What readers call the source in lists of evidence, support details
    /// and search results: its `label`; else its publisher, with the kind
    /// of translation; else its title, shortened (the full title and the
    /// caveats are on the source's page).
    pub fn short_label(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        let name = match &self.publisher {
            Some(p) => p.clone(),
            None => shorten(&self.title, 60),
        };
        match self.translation {
            Translation::Machine => format!("{name} (machine translation)"),
            Translation::Human => format!("{name} (translation)"),
            _ => name,
        }
    }
}

/// `text` cut at a word boundary to at most `max` characters, with `…`.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(at) if at > max / 2 => &cut[..at],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ';', ':']))
}

impl Translation {
    pub fn describe(self) -> &'static str {
        match self {
            Translation::None => "original text",
            Translation::Human => "human translation",
            Translation::Machine => "machine translation",
            Translation::Unknown => "may be a translation",
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct Note {
    pub id: String,
    pub file: FileId,
    pub title: String,
    pub summary: Option<String>,
    pub claims: Vec<Claim>,
    /// Points on which the sources conflict, each side a claim with its own
    /// citations.
    pub disagreements: Vec<Disagreement>,
    /// Every side of every disagreement, in order: checked as one list of
    /// claims (field `sides`), each [`Disagreement`] owning a range of it.
    pub sides: Vec<Claim>,
    pub body: Body,
    /// Every reference to another note, with where it was written.
    pub refs: Vec<Ref>,
    /// See [`Note::order_key`].
    pub order: OrderKey,
}

/// A point on which the sources conflict (`disagreements:` in a note).
#[derive(Debug, PartialEq)]
pub struct Disagreement {
    /// What is disputed: "Who was summoned".
    pub point: String,
    /// Its sides, as a range of [`Note::sides`].
    pub sides: std::ops::Range<usize>,
}

/// Kind, section within the part (see [`Note::section`]), date (events and
/// responses), lowercase title, ID.
pub type OrderKey = (Kind, u8, Option<DateSpec>, String, String);

impl Note {
    pub fn kind(&self) -> Kind {
        match self.body {
            Body::Who { .. } => Kind::Who,
            Body::What { .. } => Kind::What,
            Body::Response { .. } => Kind::Response,
            Body::Question { .. } => Kind::Question,
        }
    }

    pub fn date(&self) -> Option<&DateSpec> {
        match &self.body {
            Body::What { date, .. } => Some(date),
            Body::Response { date, .. } => date.as_ref(),
            _ => None,
        }
    }

    /// Order within a part: by section (see [`Note::section`]), then the
    /// timeline and the responses by date, the rest by title; ties by ID.
    /// Computed once, when the note is parsed.
    pub fn order_key(&self) -> &OrderKey {
        &self.order
    }

    /// The section of its part a note is listed in, in reading order: who
    /// by type (governments first), responses dated before undated,
    /// questions by status with those about the sources last.
    pub fn section(&self) -> u8 {
        match &self.body {
            Body::Who { actor_type, .. } => match actor_type {
                ActorType::Government => 0,
                ActorType::Organisation => 1,
                ActorType::Group => 2,
                ActorType::Company => 3,
                ActorType::Person => 4,
                ActorType::Media => 5,
            },
            Body::What { .. } => 0,
            Body::Response { date, .. } => u8::from(date.is_none()),
            Body::Question {
                about: About::Sources,
                ..
            } => 3,
            Body::Question { status, .. } => match status {
                QuestionStatus::Disputed => 0,
                QuestionStatus::Inconsistent => 1,
                QuestionStatus::Unknown => 2,
            },
        }
    }

    /// The references in one field (`actors`, `related`…), in order.
    pub fn refs_in(&self, field: &'static str) -> impl Iterator<Item = &Ref> {
        self.refs.iter().filter(move |r| r.field == field)
    }
}

#[derive(Debug, PartialEq)]
pub enum Body {
    Who {
        actor_type: ActorType,
        role: Option<String>,
        affiliation: Option<String>,
        aliases: Vec<String>,
    },
    What {
        date: DateSpec,
        /// The author worked the date out (`date_derived: true`); no
        /// source states it. The timeline draws it as such.
        derived: bool,
    },
    Response {
        response_type: ResponseType,
        date: Option<DateSpec>,
    },
    Question {
        status: QuestionStatus,
        /// `sources` for a question about the sources themselves (a
        /// garble, a title, a translation), kept apart from the questions
        /// about what happened.
        about: About,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorType {
    Person,
    Organisation,
    Government,
    Group,
    Company,
    Media,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseType {
    Statement,
    Sanction,
    Indictment,
    Summons,
    Denial,
    Criticism,
    Support,
    Measure,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionStatus {
    Unknown,
    Disputed,
    Inconsistent,
}

macro_rules! labels {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            pub fn label(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
        }
    };
}

labels!(ActorType { Person => "person", Organisation => "organisation", Government => "government", Group => "group", Company => "company", Media => "media" });
labels!(ResponseType { Statement => "statement", Sanction => "sanction", Indictment => "indictment", Summons => "summons", Denial => "denial", Criticism => "criticism", Support => "support", Measure => "measure", Other => "other" });
labels!(QuestionStatus { Unknown => "unknown", Disputed => "disputed", Inconsistent => "inconsistent" });

/// A reference from a note (or the front page) to a note.
#[derive(Debug, PartialEq)]
pub struct Ref {
    pub target: String,
    /// The field it was written in: `actors`, `related`, … or `markdown`.
    pub field: &'static str,
    /// Where it was written, for diagnostics.
    pub path: YamlPath,
}

#[derive(Debug, PartialEq)]
pub struct Claim {
    pub text: String,
    pub cites: Vec<Citation>,
    /// What the claim is about: what happened (its supporting citations
    /// are counted), or the sources themselves (nothing is counted).
    pub about: About,
}

/// What a claim states something about (`about:` on a claim).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum About {
    /// The world: what happened, who did what. Its support is counted.
    #[default]
    Events,
    /// The sources: that they disagree, that none of them says something.
    /// Its citations are the evidence of that, and count for nothing.
    Sources,
}

/// What a citation does for its claim (`stance:` on a citation).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// The source says what the claim says: it counts as support.
    #[default]
    Supports,
    /// The source says otherwise: the claim is shown as disputed.
    Contradicts,
    /// The source gives context only (a dateline, a background fact): shown,
    /// never counted.
    Context,
}

impl Stance {
    pub fn label(self) -> &'static str {
        match self {
            Stance::Supports => "supports",
            Stance::Contradicts => "contradicts",
            Stance::Context => "context",
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct Citation {
    pub source: String,
    pub stance: Stance,
    pub quote: Option<String>,
    /// Which place of the source the quote means (from 1), when it occurs
    /// more than once. As written: `check` says what is wrong with 0 or -1.
    pub occurrence: Option<i64>,
    pub comment: Option<String>,
}

#[derive(Debug, PartialEq)]
pub struct Front {
    pub file: FileId,
    /// The written summary the front page opens with: a few sentences, each
    /// a claim with its citations (shown as note numbers).
    pub summary: Vec<Claim>,
    pub why_it_matters: Vec<Claim>,
    /// What happens next.
    pub next: Vec<Claim>,
    pub bottom_line: Vec<Claim>,
    pub key_facts: Vec<Claim>,
    pub refs: Vec<Ref>,
}

/// The front page's lists of claims, in order.
pub const FRONT_LISTS: [&str; 5] = [
    "summary",
    "why_it_matters",
    "next",
    "bottom_line",
    "key_facts",
];

impl Front {
    /// The list of claims in `field` (one of [`FRONT_LISTS`]).
    pub fn claim_list(&self, field: &str) -> Option<ClaimList<'_>> {
        let (field, claims) = match field {
            "summary" => ("summary", &self.summary),
            "why_it_matters" => ("why_it_matters", &self.why_it_matters),
            "next" => ("next", &self.next),
            "bottom_line" => ("bottom_line", &self.bottom_line),
            "key_facts" => ("key_facts", &self.key_facts),
            _ => return None,
        };
        Some(ClaimList {
            owner: Owner::Front,
            file: self.file,
            field,
            claims,
            disagreements: &[],
        })
    }
}

impl Note {
    /// The list of claims in `field` (`claims` or `sides`) of this note,
    /// which is note `i` of the briefing.
    pub fn claim_list(&self, i: usize, field: &str) -> Option<ClaimList<'_>> {
        let (field, claims, disagreements): (_, &[Claim], &[Disagreement]) = match field {
            "claims" => ("claims", &self.claims, &[]),
            "sides" => ("sides", &self.sides, &self.disagreements),
            _ => return None,
        };
        Some(ClaimList {
            owner: Owner::Note(i),
            file: self.file,
            field,
            claims,
            disagreements,
        })
    }
}

/// Who holds a list of claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// Index into [`Briefing::notes`].
    Note(usize),
    Front,
}

/// A list of claims in one field of one file.
pub struct ClaimList<'a> {
    pub owner: Owner,
    pub file: FileId,
    pub field: &'static str,
    pub claims: &'a [Claim],
    /// For the `sides` list: the disagreements that own its claims.
    pub disagreements: &'a [Disagreement],
}

impl ClaimList<'_> {
    /// Where claim `ci` of the list is written in its file: `claims[2]`,
    /// or `disagreements[0].sides[1]` for a side.
    pub fn claim_path(&self, ci: usize) -> YamlPath {
        match self
            .disagreements
            .iter()
            .position(|d| d.sides.contains(&ci))
        {
            Some(d) => vec![
                Seg::Key("disagreements"),
                Seg::Index(d),
                Seg::Key("sides"),
                Seg::Index(ci - self.disagreements[d].sides.start),
            ],
            None => vec![Seg::Key(self.field), Seg::Index(ci)],
        }
    }

    /// Where a citation's `leaf` (`source`, `quote`) is written.
    pub fn cite_path(&self, key: &CiteKey, leaf: &'static str) -> YamlPath {
        let mut path = self.claim_path(key.claim);
        path.extend([Seg::Key("cite"), Seg::Index(key.cite), Seg::Key(leaf)]);
        path
    }
}

/// Identifies one citation across the whole briefing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CiteKey {
    pub owner: Owner,
    pub field: &'static str,
    pub claim: usize,
    pub cite: usize,
}

impl Claim {
    /// Each citation with its key, for the claim at index `claim` of
    /// `owner`'s list `field`.
    pub fn keyed_cites(
        &self,
        owner: Owner,
        field: &'static str,
        claim: usize,
    ) -> impl Iterator<Item = (CiteKey, &Citation)> {
        self.cites.iter().enumerate().map(move |(cite, c)| {
            let key = CiteKey {
                owner,
                field,
                claim,
                cite,
            };
            (key, c)
        })
    }
}

impl CiteKey {
    pub fn path(&self, leaf: &'static str) -> YamlPath {
        vec![
            Seg::Key(self.field),
            Seg::Index(self.claim),
            Seg::Key("cite"),
            Seg::Index(self.cite),
            Seg::Key(leaf),
        ]
    }
}

impl Briefing {
    /// Every list of claims, front page first, in a stable order.
    pub fn claim_lists(&self) -> Vec<ClaimList<'_>> {
        let mut lists = Vec::new();
        if let Some(front) = &self.front {
            lists.extend(FRONT_LISTS.iter().filter_map(|f| front.claim_list(f)));
        }
        for (i, note) in self.notes.iter().enumerate() {
            lists.extend(note.claim_list(i, "claims"));
            if !note.sides.is_empty() {
                lists.extend(note.claim_list(i, "sides"));
            }
        }
        lists
    }

    pub fn source_index(&self, id: &str) -> Option<usize> {
        self.sources
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
    }

    pub fn notes_of(&self, kind: Kind) -> impl Iterator<Item = (usize, &Note)> {
        self.notes
            .iter()
            .enumerate()
            .map(|(i, n)| (i, &**n))
            .filter(move |(_, n)| n.kind() == kind)
    }
}
