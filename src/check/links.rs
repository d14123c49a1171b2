//! Links written in markdown that point into the site (`[annex](annex.html)`,
//! `[the passage](sources/x.html#p-3)`), resolved against the pages and
//! anchors the site will have — before anything is rendered, at the place
//! the author wrote them. So `check` rejects every broken link `build`
//! would, and says where it is.
//!
//! Such links are relative to the site root wherever the text is shown (the
//! renderer prefixes them), or start with `/` and the site's path. A link
//! may point at a page, and into a note page at a claim or disagreement, or
//! into a source page at a paragraph or quoted passage: the anchors this
//! module knows. Other fragments cannot be checked before rendering, so
//! they are refused with a note saying which anchors can be linked.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::diag::{Diagnostic, span_of};
use crate::files::FileId;
use crate::markdown;
use crate::model::{Briefing, CiteKey, FRONT_LISTS, Kind};
use crate::routes;
use crate::yaml::{Seg, YamlPath};

use super::QuoteMatch;

/// A page that links may point at, and the anchors known on it (`None`:
/// the page exists, but its anchors are the theme's, unknown here).
type Pages = FxHashMap<String, Option<FxHashSet<String>>>;

/// Markdown written somewhere: its text, its file, where in the file, and
/// the page that shows it (for links that are only a `#fragment`).
struct Written<'a> {
    text: &'a str,
    file: FileId,
    path: YamlPath,
    page: String,
}

/// Every site link in every markdown field of the briefing, checked.
/// `statics` are the theme's static files (`style.css`, …).
pub fn markdown_links(
    b: &Briefing,
    quotes: &FxHashMap<CiteKey, QuoteMatch>,
    statics: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    let written = markdown_fields(b);
    let mut pages: Option<Pages> = None;
    for w in &written {
        for url in markdown::site_links(w.text) {
            let pages = pages.get_or_insert_with(|| site_pages(b, quotes, statics));
            if let Err((why, help)) = resolve(&url, &w.page, site_path(b), pages) {
                let span = within(b, w.file, &w.path, &url);
                diags.push(
                    Diagnostic::error("broken-link", format!("the link `{url}` {why}"))
                        .at(w.file, span)
                        .label("linked here")
                        .help(help),
                );
            }
        }
    }
}

/// The site's path (`/` or `/briefing/`), which root links start with.
fn site_path(b: &Briefing) -> &str {
    b.site_url.as_ref().map_or("/", |u| u.path.as_str())
}

/// Where `url` is written inside the field at `path`, or the field.
fn within(b: &Briefing, file: FileId, path: &YamlPath, url: &str) -> std::ops::Range<usize> {
    let field = span_of(&b.files, file, path);
    let text = b.files.text(file);
    match text[field.clone()].find(url) {
        Some(at) => field.start + at..field.start + at + url.len(),
        None => field,
    }
}

/// Checks one link: `Ok` if its page exists and its fragment (if any) is
/// an anchor known there; else what is wrong and how to fix it.
fn resolve(url: &str, current: &str, base: &str, pages: &Pages) -> Result<(), (String, String)> {
    let url = url.trim();
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let rest = rest.split_once('?').map_or(rest, |(p, _)| p);
    let page = if rest.is_empty() {
        current.to_owned()
    } else {
        let from_root = match rest.strip_prefix('/') {
            Some(abs) => match abs.strip_prefix(base.trim_start_matches('/')) {
                Some(inside) => inside,
                None => {
                    return Err((
                        format!("leaves the site, which lives under `{base}`"),
                        "write links between pages relative to the site root, e.g. `sources/ID.html`".into(),
                    ));
                }
            },
            None => rest,
        };
        normalise(from_root).ok_or_else(|| {
            (
                "climbs above the site root".to_owned(),
                "links in notes are relative to the site root: write `who/ID.html`, not `../who/ID.html`".to_owned(),
            )
        })?
    };
    let Some(anchors) = pages.get(&page) else {
        return Err((
            format!("points at `{page}`, which the site does not have"),
            "links in notes are relative to the site root: note pages are `who/ID.html`, `what/ID.html`, `responses/ID.html` or `questions/ID.html`, sources `sources/ID.html`; or use `[text](note:ID)`".into(),
        ));
    };
    let Some(fragment) = fragment.filter(|f| !f.is_empty()) else {
        return Ok(());
    };
    match anchors {
        Some(known) if known.contains(fragment) => Ok(()),
        Some(_) => Err((
            format!("points at `#{fragment}`, which `{page}` does not have"),
            "note pages have `#c-N` (claim N), `#side-N` and `#d-N` (disagreements); source pages `#p-N` (paragraph N) and `#q-N` (quoted passage N)".into(),
        )),
        None => Err((
            format!("points at `#{fragment}` on `{page}`, whose anchors are the theme's and cannot be checked"),
            "link to the page without a fragment, or to a note's claim or a source's paragraph".into(),
        )),
    }
}

/// `a/./b/../c.html` → `a/c.html`; a directory → its `index.html`; `None`
/// if the path climbs above the root.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    if path.is_empty() || path.ends_with('/') || parts.is_empty() {
        parts.push("index.html");
    }
    Some(parts.join("/"))
}

/// Every page of the site, with the anchors known on notes and sources.
fn site_pages(b: &Briefing, quotes: &FxHashMap<CiteKey, QuoteMatch>, statics: &[String]) -> Pages {
    let mut pages = Pages::default();
    let mut plain = |path: String| {
        pages.insert(path, None);
    };
    for path in [
        routes::FRONT,
        routes::SOURCES_INDEX,
        routes::NOT_FOUND,
        routes::SEARCH,
        routes::SITEMAP,
        routes::SEARCH_INDEX,
        routes::EXPORT,
    ] {
        plain(path.to_owned());
    }
    if b.config.output.html.print.enable {
        plain(routes::PRINT.to_owned());
        plain(routes::PRINT_SOURCES.to_owned());
    }
    for kind in Kind::ALL {
        plain(routes::part(kind));
    }
    for name in statics {
        plain(format!("{}/{name}", routes::STATIC_DIR));
    }
    // The front page's claims have anchors too.
    if let Some(front) = &b.front {
        let mut anchors = FxHashSet::default();
        for list in FRONT_LISTS.iter().filter_map(|f| front.claim_list(f)) {
            let field = list.field;
            anchors.extend((0..list.claims.len()).map(|ci| routes::claim_anchor(field, ci)));
        }
        pages.insert(routes::FRONT.to_owned(), Some(anchors));
    }
    for note in &b.notes {
        let mut anchors: FxHashSet<String> = (0..note.claims.len())
            .map(|ci| routes::claim_anchor("claims", ci))
            .collect();
        anchors.extend((0..note.sides.len()).map(|ci| routes::claim_anchor("sides", ci)));
        anchors.extend((0..note.disagreements.len()).map(routes::disagreement_anchor));
        pages.insert(routes::note(note.kind(), &note.id), Some(anchors));
    }
    // Passages are numbered per source in text order, one per distinct
    // quoted range, as the source page numbers them.
    let mut ranges: Vec<FxHashSet<(usize, usize)>> = vec![FxHashSet::default(); b.sources.len()];
    for m in quotes.values() {
        ranges[m.source].insert((m.range.start, m.range.end));
    }
    for (source, ranges) in b.sources.iter().zip(ranges) {
        let paragraphs = routes::paragraphs(b.files.text(source.file)).len();
        let mut anchors: FxHashSet<String> =
            (1..=paragraphs).map(routes::paragraph_anchor).collect();
        anchors.extend((1..=ranges.len()).map(routes::passage_anchor));
        pages.insert(routes::source(&source.id), Some(anchors));
    }
    pages
}

/// Every markdown field: claims (and disagreement sides) with their
/// citations' comments, note summaries, and source caveats.
fn markdown_fields(b: &Briefing) -> Vec<Written<'_>> {
    let mut out = Vec::new();
    for list in b.claim_lists() {
        let page = match list.owner {
            crate::model::Owner::Front => routes::FRONT.to_owned(),
            crate::model::Owner::Note(i) => routes::note(b.notes[i].kind(), &b.notes[i].id),
        };
        for (ci, claim) in list.claims.iter().enumerate() {
            let at = list.claim_path(ci);
            let mut text_path = at.clone();
            text_path.push(Seg::Key("text"));
            out.push(Written {
                text: &claim.text,
                file: list.file,
                path: text_path,
                page: page.clone(),
            });
            for (k, cite) in claim.cites.iter().enumerate() {
                if let Some(comment) = &cite.comment {
                    let mut path = at.clone();
                    path.extend([Seg::Key("cite"), Seg::Index(k), Seg::Key("comment")]);
                    out.push(Written {
                        text: comment,
                        file: list.file,
                        path,
                        page: page.clone(),
                    });
                }
            }
        }
    }
    for note in &b.notes {
        if let Some(summary) = &note.summary {
            out.push(Written {
                text: summary,
                file: note.file,
                path: vec![Seg::Key("summary")],
                page: routes::note(note.kind(), &note.id),
            });
        }
    }
    for source in &b.sources {
        let Some(meta) = &source.meta else { continue };
        for (i, caveat) in meta.caveats.iter().enumerate() {
            out.push(Written {
                text: caveat,
                file: meta.file,
                path: vec![Seg::Key("caveats"), Seg::Index(i)],
                page: routes::source(&source.id),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages() -> Pages {
        let mut p = Pages::default();
        p.insert("index.html".into(), None);
        p.insert("who/index.html".into(), None);
        p.insert(
            "who/x.html".into(),
            Some(["c-1".to_owned()].into_iter().collect()),
        );
        p
    }

    #[test]
    fn links_resolve_from_the_site_root_and_fragments_are_known_anchors() {
        let p = pages();
        let ok = |url: &str| resolve(url, "who/x.html", "/", &p).is_ok();
        assert!(ok("who/x.html"));
        assert!(ok("who/x.html#c-1"));
        assert!(
            ok("#c-1"),
            "a bare fragment is on the page showing the text"
        );
        assert!(ok("who/"));
        assert!(ok("./who/../who/x.html?x=1"));
        assert!(ok("/who/x.html"));
        assert!(!ok("who/x.html#c-9"));
        assert!(!ok("annex.html"));
        assert!(!ok("../who/x.html"), "climbs above the root");
        assert!(
            !ok("index.html#key-facts"),
            "theme anchors cannot be checked"
        );
        assert!(resolve("/briefing/who/x.html", "who/x.html", "/briefing/", &p).is_ok());
        assert!(resolve("/who/x.html", "who/x.html", "/briefing/", &p).is_err());
    }
}
