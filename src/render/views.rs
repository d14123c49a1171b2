//! What templates see: plain data computed in Rust, one struct per page kind.
//!
//! Templates receive these (never the model or ad-hoc JSON maps), so the
//! theme's contract is written down here and checked by the compiler. Fields
//! ending in `_html` are already-safe HTML produced by [`crate::markdown`];
//! everything else is escaped by Tera.
//!
//! A page's bytes are a pure function of its view and the theme, so views
//! derive `Hash`: a rebuild renders only pages whose view hash changed.

use std::hash::Hash;

use serde::Serialize;

#[derive(Serialize, Clone, Debug, Hash)]
pub struct Link {
    pub href: String,
    pub title: String,
}

#[derive(Serialize, Debug, Hash)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub language: &'a str,
    pub authors: &'a [String],
    pub footer: Option<&'a str>,
    /// Whether the site has `print.html`.
    pub print: bool,
}

/// The sidebar: the parts, and around the current page a window of its
/// neighbours. Never the whole list of notes, so a page's size does not
/// grow with the briefing.
#[derive(Serialize, Debug, Hash)]
pub struct NavView {
    pub parts: Vec<NavPart>,
}

#[derive(Serialize, Debug, Hash)]
pub struct NavPart {
    pub title: String,
    pub href: String,
    pub count: usize,
    pub current: bool,
    /// Only for the current part: the notes around the current page.
    pub items: Vec<NavItem>,
    /// How many notes of the part the window leaves out.
    pub hidden: usize,
}

#[derive(Serialize, Debug, Hash)]
pub struct NavItem {
    pub title: String,
    pub href: String,
    pub current: bool,
}

/// Everything a page template gets: the shared layout plus its own view.
#[derive(Serialize, Debug, Hash)]
pub struct PageContext<'a, P: Serialize + Hash> {
    pub site: &'a SiteView<'a>,
    /// Relative path from this page to the site root ("" or "../").
    pub root: &'a str,
    pub title: String,
    pub nav: NavView,
    pub prev: Option<Link>,
    pub next: Option<Link>,
    pub page: P,
}

#[derive(Serialize, Debug, Hash)]
pub struct ClaimView {
    pub anchor: String,
    pub html: String,
    pub cites: Vec<CiteView>,
    /// How many independent stories support it (none when uncited).
    pub support: Option<SupportView>,
}

#[derive(Serialize, Debug, Hash)]
pub struct SupportView {
    /// "1 source", "2 sources, one story", "3 independent sources"…
    pub label: String,
    /// Everything rests on one story: shown as a warning.
    pub single: bool,
    /// Some sources contradict the claim.
    pub disputed: bool,
    /// The label unfolded: what counts, what was merged and why, what does
    /// not count (see `Renderer::explain`).
    pub why: Vec<String>,
}

#[derive(Serialize, Debug, Hash)]
pub struct CiteView {
    pub source_id: String,
    /// The source's label (see `SourceMeta::short_label`).
    pub source_title: String,
    /// "contradicts" or "context" (a class of the page); `None` for a
    /// supporting citation.
    pub stance: Option<&'static str>,
    /// The stance in the briefing's language.
    pub stance_label: Option<String>,
    pub href: String,
    pub quote: Option<String>,
    pub comment_html: Option<String>,
    /// E.g. "machine translation", shown beside the quote.
    pub caveat: Option<String>,
    /// For the quote-context tooltip: the source's words just before the
    /// quoted passage, from the start of its sentence (capped); `None` when
    /// there are none or the quote was not found (see `render/context.rs`).
    pub before: Option<String>,
    /// The same after the passage, to the end of its sentence.
    pub after: Option<String>,
    /// In the printed brief: the paragraph of the source the quote is in
    /// (from 1), as the appendix numbers them.
    pub paragraph: Option<usize>,
}

#[derive(Serialize, Debug, Hash)]
pub struct FrontView {
    /// The written summary, why it matters, what happens next: prose whose
    /// citations are note numbers, the notes in `notes`.
    pub summary: Vec<PrintClaim>,
    pub why_it_matters: Vec<PrintClaim>,
    pub next: Vec<PrintClaim>,
    pub notes: Vec<Endnote>,
    pub bottom_line: Vec<ClaimView>,
    pub key_facts: Vec<ClaimView>,
    pub parts: Vec<PartSummary>,
    pub updated: Option<String>,
}

#[derive(Serialize, Debug, Hash)]
pub struct PartSummary {
    pub title: String,
    pub href: String,
    pub count: usize,
    pub blurb: String,
}

#[derive(Serialize, Debug, Hash)]
pub struct PartView {
    pub kind: &'static str,
    pub blurb: String,
    pub items: Vec<NoteItem>,
    /// The same items in the part's sections (who by type, questions by
    /// status…), in order; one untitled section where a part has none.
    pub sections: Vec<ItemSection>,
    /// Only on the What index: its events drawn on a time axis.
    pub timeline: Option<super::timeline::TimelineView>,
    /// Only on the open-questions index: every disagreement of the briefing.
    pub disagreements: Vec<DisagreementItem>,
}

#[derive(Serialize, Debug, Hash)]
pub struct ItemSection {
    /// `None` when the part is one section.
    pub title: Option<String>,
    pub items: Vec<NoteItem>,
}

#[derive(Serialize, Debug, Hash)]
pub struct NoteItem {
    pub title: String,
    pub href: String,
    /// One line under the title: role, date, type or status.
    pub meta: String,
    pub date_iso: Option<String>,
    pub summary_html: Option<String>,
    pub claims: usize,
}

#[derive(Serialize, Debug, Hash)]
pub struct NoteView {
    pub kind: &'static str,
    pub kind_title: String,
    pub singular: String,
    pub id: String,
    pub title: String,
    pub summary_html: Option<String>,
    pub facts: Vec<Fact>,
    /// Every note it refers to or that refers to it, each once, by part.
    pub related: Vec<RefGroup>,
    /// What it refers to, by field (`actors`, `related`…).
    pub ref_groups: Vec<RefGroup>,
    /// Backlinks: the notes that refer to this one, by part.
    pub cited_by: Vec<RefGroup>,
    /// Its claims about what happened.
    pub claims: Vec<ClaimView>,
    /// Its claims about the sources themselves (`about: sources`).
    pub about_sources: Vec<ClaimView>,
    pub disagreements: Vec<DisagreementView>,
}

/// A point on which sources conflict, its sides side by side.
#[derive(Serialize, Debug, Hash)]
pub struct DisagreementView {
    /// `d-1`, the target of links from the open-questions index.
    pub anchor: String,
    pub point: String,
    pub sides: Vec<SideView>,
}

/// One side of a disagreement. When every citation of the side is already
/// a citation of the note's claims, the card names those claims instead of
/// repeating their quotes.
#[derive(Serialize, Debug, Hash)]
pub struct SideView {
    pub claim: ClaimView,
    pub same_as: Vec<ClaimRef>,
}

/// A claim of the same page: its anchor, its number in its list, and
/// whether that list comes after the disagreements ("About the sources").
#[derive(Serialize, Debug, Hash)]
pub struct ClaimRef {
    pub anchor: String,
    pub number: usize,
    pub below: bool,
}

/// A disagreement as listed on the open-questions index.
#[derive(Serialize, Debug, Hash)]
pub struct DisagreementItem {
    pub point: String,
    /// To the disagreement on its note's page.
    pub href: String,
    /// The note's title.
    pub note: String,
    /// Each side's text, as HTML.
    pub sides: Vec<String>,
}

#[derive(Serialize, Debug, Hash)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

#[derive(Serialize, Debug, Hash)]
pub struct RefGroup {
    pub label: String,
    pub links: Vec<Link>,
}

#[derive(Serialize, Debug, Hash)]
pub struct SourcesView {
    pub items: Vec<SourceItem>,
    /// Groups of two or more sources that tell the same story.
    pub groups: Vec<GroupView>,
    /// The overlap from which sources are grouped, e.g. "0.40".
    pub threshold: String,
    /// How many independent stories the sources make.
    pub stories: usize,
}

#[derive(Serialize, Debug, Hash)]
pub struct GroupView {
    pub sources: Vec<Link>,
    /// Each linked pair within the group: "a ↔ b", overlap, Jaccard.
    pub pairs: Vec<PairView>,
    /// Each declared relation within the group, in plain words.
    pub declared: Vec<String>,
}

#[derive(Serialize, Debug, Hash)]
pub struct PairView {
    /// The two sources' labels.
    pub a: String,
    pub b: String,
    pub overlap: String,
    pub jaccard: String,
}

#[derive(Serialize, Debug, Hash)]
pub struct SourceItem {
    pub id: String,
    pub title: String,
    /// What readers call it (see `SourceMeta::short_label`).
    pub label: String,
    pub href: String,
    pub facts: Vec<Fact>,
    pub citations: usize,
    /// The most similar other source and its overlap, e.g. ("003", "0.61").
    pub closest: Option<(Link, String)>,
    /// Whether it shares its story with another source.
    pub grouped: bool,
}

#[derive(Serialize, Debug, Hash)]
pub struct SourceView {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub facts: Vec<Fact>,
    pub caveats_html: Vec<String>,
    pub paragraphs: Vec<ParagraphView>,
    pub quotes: usize,
    /// Its text is laid out with spaces and line breaks: shown as it is.
    pub preformatted: bool,
    /// Each claim citing it, by link (titled by its note).
    pub citing: Vec<Link>,
    /// Each note citing it once, with the words of its citing claims.
    pub cited_by: Vec<CitingNote>,
}

/// A note citing a source, and which of its claims do.
#[derive(Serialize, Debug, Hash)]
pub struct CitingNote {
    pub title: String,
    pub claims: Vec<CitedClaim>,
}

/// A claim citing a source: its link, its note's title, its words.
#[derive(Serialize, Debug, Hash, Clone)]
pub struct CitedClaim {
    pub href: String,
    pub note: String,
    pub claim: String,
}

#[derive(Serialize, Debug, Hash)]
pub struct ParagraphView {
    pub n: usize,
    pub segments: Vec<SegmentView>,
    /// The claims quoting it, each once.
    pub cited: Vec<CitedClaim>,
}

/// A run of a paragraph's text with the same highlighting.
#[derive(Serialize, Debug, Hash)]
pub struct SegmentView {
    pub text: String,
    pub marked: bool,
    /// Ids of the quotes that start here (`q-3`), targets of citation links.
    pub anchors: Vec<String>,
    /// Links back to the claims whose quote ends here.
    pub backrefs: Vec<Link>,
}

/// `search.html`: the form and the results are made in the browser by
/// `static/search.js`, from the index.
#[derive(Serialize, Debug, Hash)]
pub struct SearchView {
    /// The search index, from the site root (`searchindex.js`).
    pub index: &'static str,
}

/// A claim whose citations are numbered notes (`print.html`, and the
/// front page's written summary).
#[derive(Serialize, Debug, Hash)]
pub struct PrintClaim {
    pub anchor: String,
    pub html: String,
    /// The numbers of its endnotes.
    pub notes: Vec<usize>,
    pub uncited: bool,
    pub support: Option<SupportView>,
}

#[derive(Serialize, Debug, Hash)]
pub struct Endnote {
    pub n: usize,
    pub cite: CiteView,
}

/// Turns claims' citations into endnotes numbered on from `endnotes`; a
/// citation of a passage already among them (the same link, stance and
/// comment) gets that passage's number again.
pub fn number(claims: Vec<ClaimView>, endnotes: &mut Vec<Endnote>) -> Vec<PrintClaim> {
    claims
        .into_iter()
        .map(|c| {
            let uncited = c.cites.is_empty();
            let mut notes: Vec<usize> = c
                .cites
                .into_iter()
                .map(|cite| {
                    let same = endnotes.iter().find(|e| {
                        e.cite.href == cite.href
                            && e.cite.stance == cite.stance
                            && e.cite.comment_html == cite.comment_html
                    });
                    if let Some(e) = same {
                        return e.n;
                    }
                    let n = endnotes.len() + 1;
                    endnotes.push(Endnote { n, cite });
                    n
                })
                .collect();
            notes.dedup();
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
