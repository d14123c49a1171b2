//! Where things are in the site: the path of every page and the anchors
//! the checks know about, in one place.
//!
//! The renderer builds its links from these, and `check` resolves the links
//! authors write in markdown against the same table, so a link that `build`
//! would find broken is reported by `check` too, at the markdown's place.

use std::ops::Range;

use crate::model::Kind;

pub const FRONT: &str = "index.html";
pub const SOURCES_INDEX: &str = "sources/index.html";
pub const NOT_FOUND: &str = "404.html";
pub const SEARCH: &str = "search.html";
pub const PRINT: &str = "print.html";
/// The sources appendix of the printable brief.
pub const PRINT_SOURCES: &str = "print-sources.html";
pub const SITEMAP: &str = "sitemap.xml";
pub const SEARCH_INDEX: &str = "searchindex.js";
pub const EXPORT: &str = "briefing.json";
pub const NO_JEKYLL: &str = ".nojekyll";
/// Theme files are copied under this folder.
pub const STATIC_DIR: &str = "static";

/// The index page of a part: `who/index.html`.
pub fn part(kind: Kind) -> String {
    format!("{}/index.html", kind.dir())
}

/// A note's page: `who/apt31.html`.
pub fn note(kind: Kind, id: &str) -> String {
    format!("{}/{id}.html", kind.dir())
}

/// A source's page: `sources/003_4529629cf3d177b6.html`.
pub fn source(id: &str) -> String {
    format!("sources/{id}.html")
}

/// The anchor of claim `ci` of a list of claims (`claims`, a note's
/// disagreement `sides`, or one of the front page's lists: `sum`, `why`,
/// `next`, `bl`, `kf`).
pub fn claim_anchor(field: &str, ci: usize) -> String {
    let prefix = match field {
        "summary" => "sum",
        "why_it_matters" => "why",
        "next" => "next",
        "bottom_line" => "bl",
        "key_facts" => "kf",
        "sides" => "side",
        _ => "c",
    };
    format!("{prefix}-{}", ci + 1)
}

/// The anchor of a note's disagreement `d`.
pub fn disagreement_anchor(d: usize) -> String {
    format!("d-{}", d + 1)
}

/// The anchor of paragraph `n` (from 1) of a source page.
pub fn paragraph_anchor(n: usize) -> String {
    format!("p-{n}")
}

/// The anchor of quoted passage `n` (from 1) of a source page.
pub fn passage_anchor(n: usize) -> String {
    format!("q-{n}")
}

/// Byte ranges of a text's paragraphs, without surrounding white space:
/// paragraph `n` of a source page ([`paragraph_anchor`]) is the `n`th.
///
/// If the text has blank lines, paragraphs are the blocks between them;
/// otherwise (many articles put one paragraph per line) each non-empty line
/// is a paragraph.
pub fn paragraphs(text: &str) -> Vec<Range<usize>> {
    // Lines end at \n, \r\n or a lone \r (old Mac files).
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let ends = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        if ends {
            lines.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < text.len() {
        lines.push(start..text.len());
    }
    let blank = |r: &Range<usize>| text[r.clone()].trim().is_empty();
    let has_blank_lines = lines.iter().any(blank);
    let mut out = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for line in lines {
        if blank(&line) {
            out.extend(current.take());
        } else if has_blank_lines {
            current = Some(current.map_or(line.clone(), |c| c.start..line.end));
        } else {
            out.push(line);
        }
    }
    out.extend(current);
    out.into_iter().map(|r| trim(text, r)).collect()
}

fn trim(text: &str, r: Range<usize>) -> Range<usize> {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    r.start + lead..r.end - trail
}
