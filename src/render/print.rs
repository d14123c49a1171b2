//! The printable briefing, in two pages ("Print → Save as PDF"):
//! `print.html`, the brief — the front page and the four parts, each
//! citation an endnote that names its source and leads to the passage —
//! and `print-sources.html`, the appendix: every source in full, the quoted
//! passages marked. A brief that carried every quote and every source ran
//! to 140 A4 pages: an archive, not a briefing.
//!
//! At 10,000 notes the page runs to tens of megabytes, so it is assembled
//! from sections — the summary, each part's heading, each note, each source
//! — each rendered with `print-section.html` by a query of its own
//! ([`crate::db::PrintSection`]), which reads only what its section shows:
//! an edit renders again the sections it changed, and the page is the
//! sections put together. The shell (`print.html`) says where the sections
//! go with `{{ page.body }}`.
//!
//! Links stay within the two pages: a note is `print.html#n-<id>`, its
//! claims `print.html#n-<id>-c-2`; a source `print-sources.html#s-<id>`, its
//! paragraphs and quoted passages `…#s-<id>-p-4` and `…#s-<id>-q-3`.
//! Citations become numbered endnotes under their note (one number for one
//! passage however often the note cites it), each linking to the passage
//! in the appendix.

use std::sync::Arc;

use serde::Serialize;

use super::views::*;
use super::{Entry, Inputs, Linker, Page, Renderer, hash_of, note_meta};
use crate::diag::Diagnostic;
use crate::model::Kind;
use crate::routes;

/// Where the shell wants the sections: what `{{ page.body }}` prints.
const BODY_MARKER: &str = "<!--briefing:print-sections-->";

/// One section of `print.html`, rendered, with a hash of its HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub html: Arc<str>,
    pub hash: u64,
}

/// The two printable pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Book {
    /// `print.html`: the front page and the four parts, with endnotes.
    Brief,
    /// `print-sources.html`: every source in full.
    Appendix,
}

impl Book {
    pub const ALL: [Book; 2] = [Book::Brief, Book::Appendix];

    pub fn path(self) -> &'static str {
        match self {
            Book::Brief => routes::PRINT,
            Book::Appendix => routes::PRINT_SOURCES,
        }
    }

    /// The printable page at `path`, if it is one.
    pub fn at(path: &str) -> Option<Book> {
        Book::ALL.into_iter().find(|b| b.path() == path)
    }
}

/// A link to a note within the brief.
pub fn note_href(id: &str) -> String {
    format!("{}#n-{id}", routes::PRINT)
}

/// A link to a source (or, with `fragment` like `#q-3`, a passage of it)
/// within the appendix.
pub fn passage_href(source: &str, fragment: &str) -> String {
    match fragment.strip_prefix('#') {
        Some(f) => format!("{}#s-{source}-{f}", routes::PRINT_SOURCES),
        None => format!("{}#s-{source}", routes::PRINT_SOURCES),
    }
}

/// One section of the page, as `print-section.html` sees it (`kind` tells
/// which).
#[derive(Serialize, Hash)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum SectionView {
    Front {
        summary: Vec<PrintClaim>,
        why_it_matters: Vec<PrintClaim>,
        next: Vec<PrintClaim>,
        bottom_line: Vec<PrintClaim>,
        key_facts: Vec<PrintClaim>,
        endnotes: Vec<Endnote>,
    },
    Part {
        id: &'static str,
        title: String,
        blurb: String,
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

#[derive(Serialize, Hash)]
struct PrintView {
    body: &'static str,
    /// Which page: `brief` or `appendix`.
    book: &'static str,
    /// The table of contents: the summary and the parts, or the sources.
    parts: Vec<Link>,
    /// The brief's list of sources: how its endnotes name each (its label
    /// up to any parenthesis), the label whole and the title, and where it
    /// is in the appendix.
    sources: Vec<SourceKey>,
}

#[derive(Serialize, Hash)]
struct SourceKey {
    label: String,
    title: String,
    href: String,
}

/// What a section is made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Front,
    Heading(Kind),
    Note(usize),
    Source(usize),
}

/// The sections of a printable page, in order.
pub fn parts(inputs: &dyn Inputs, book: Book) -> Vec<Part> {
    Renderer::new(inputs).print_order(book)
}

/// One section of `print.html`, rendered.
pub fn section(inputs: &dyn Inputs, part: Part) -> Result<Section, Box<Diagnostic>> {
    let r = Renderer::new(inputs);
    #[derive(Serialize)]
    struct Context<'s> {
        section: &'s SectionView,
    }
    let view = r.print_section(part);
    let html: Arc<str> = r
        .template("print-section.html", &Context { section: &view })?
        .into();
    Ok(Section {
        hash: hash_of(&html),
        html,
    })
}

/// A printable page: the `print.html` shell around `sections` (see
/// [`parts`]).
pub fn page(
    inputs: &dyn Inputs,
    book: Book,
    sections: &[Arc<Section>],
) -> Result<Page, Box<Diagnostic>> {
    Renderer::new(inputs).print_page(book, sections)
}

impl Renderer<'_> {
    fn print_page(&self, book: Book, sections: &[Arc<Section>]) -> Result<Page, Box<Diagnostic>> {
        let site = self.site();
        let shell = PageContext {
            site: &site,
            root: "",
            title: match book {
                Book::Brief => "The brief, to print".into(),
                Book::Appendix => "The sources in full, to print".into(),
            },
            // Like the 404 page, it belongs to no part.
            nav: self.nav("", &Entry::NotFound),
            prev: None,
            next: None,
            page: PrintView {
                body: BODY_MARKER,
                book: match book {
                    Book::Brief => "brief",
                    Book::Appendix => "appendix",
                },
                parts: self.print_toc(book),
                sources: match book {
                    Book::Brief => self
                        .outline
                        .sources
                        .iter()
                        .map(|(id, title, label)| SourceKey {
                            label: label.clone(),
                            title: title.clone(),
                            href: passage_href(id, ""),
                        })
                        .collect(),
                    Book::Appendix => Vec::new(),
                },
            },
        };
        let shell_key = hash_of(&(self.theme().fingerprint, book.path(), &shell));
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
        let size = shell.len() + sections.iter().map(|s| s.html.len()).sum::<usize>();
        let mut bytes = Vec::with_capacity(size);
        bytes.extend_from_slice(&shell.as_bytes()[..at]);
        for section in sections {
            bytes.extend_from_slice(section.html.as_bytes());
        }
        bytes.extend_from_slice(&shell.as_bytes()[at + BODY_MARKER.len()..]);
        let hashes: Vec<u64> = sections.iter().map(|s| s.hash).collect();
        Ok(Page {
            path: book.path().into(),
            key: hash_of(&(shell_key, hashes)),
            bytes: Arc::new(bytes),
            template: Some("print.html"),
            file: None,
        })
    }

    fn print_order(&self, book: Book) -> Vec<Part> {
        match book {
            Book::Brief => {
                let mut order = vec![Part::Front];
                for kind in Kind::ALL {
                    order.push(Part::Heading(kind));
                    order.extend(self.part_range(kind).map(Part::Note));
                }
                order
            }
            Book::Appendix => (0..self.outline.sources.len()).map(Part::Source).collect(),
        }
    }

    fn print_toc(&self, book: Book) -> Vec<Link> {
        match book {
            Book::Brief => std::iter::once(Link {
                href: "#summary".into(),
                title: "Summary".into(),
            })
            .chain(Kind::ALL.iter().map(|k| Link {
                href: format!("#part-{}", k.dir()),
                title: self.w().part(*k).into(),
            }))
            .chain(std::iter::once(Link {
                href: "#sources".into(),
                title: "The sources".into(),
            }))
            .collect(),
            Book::Appendix => self
                .outline
                .sources
                .iter()
                .map(|(id, _, label)| Link {
                    href: format!("#s-{id}"),
                    title: label.clone(),
                })
                .collect(),
        }
    }

    /// The view of one section.
    fn print_section(&self, part: Part) -> SectionView {
        let links = Linker {
            r: self,
            root: "",
            print: true,
        };
        match part {
            Part::Front => {
                let front = self.front(&links);
                // The summary's notes come first; the lists' follow on.
                let mut endnotes = front.notes;
                let bottom_line = number(front.bottom_line, &mut endnotes);
                let key_facts = number(front.key_facts, &mut endnotes);
                SectionView::Front {
                    summary: front.summary,
                    why_it_matters: front.why_it_matters,
                    next: front.next,
                    bottom_line,
                    key_facts,
                    endnotes,
                }
            }
            Part::Heading(kind) => SectionView::Part {
                id: kind.dir(),
                title: self.w().part(kind).to_owned(),
                blurb: self.w().blurb(Some(kind)).to_owned(),
            },
            Part::Note(i) => {
                let mut note = self.note(i, &links);
                let mut endnotes = Vec::new();
                let claims = number(
                    // The claims about the sources after the others, as on
                    // the note's page.
                    std::mem::take(&mut note.claims)
                        .into_iter()
                        .chain(std::mem::take(&mut note.about_sources))
                        .collect(),
                    &mut endnotes,
                );
                let disagreements = std::mem::take(&mut note.disagreements)
                    .into_iter()
                    .map(|d| PrintDisagreement {
                        point: d.point,
                        sides: number(
                            d.sides.into_iter().map(|s| s.claim).collect(),
                            &mut endnotes,
                        ),
                    })
                    .collect();
                SectionView::Note {
                    note,
                    meta: note_meta(self.w(), &self.note_at(i)),
                    claims,
                    disagreements,
                    endnotes,
                }
            }
            Part::Source(i) => SectionView::Source {
                source: self.source(i, &links),
            },
        }
    }
}
