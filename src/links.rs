//! Link integrity: every internal `href`/`src`/`action` and `#fragment` in
//! every generated page must point at a generated file and an element in it.
//!
//! A citation that points at a missing passage is a broken citation, so this
//! runs on every build, after rendering and before anything is written. It
//! reads the generated HTML with a small tokenizer that only collects the
//! attributes it needs (it skips text, comments, and script and style
//! bodies); the pages are ours, so they are well-formed, and the tokenizer
//! also copes with the quoting styles a hand-written template might use.

use std::sync::Arc;

use rayon::prelude::*;
use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::diag::Diagnostic;
use crate::render::Page;

/// The links and ids of one page.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PageLinks {
    /// `href`, `src` and (form) `action` values, entity-decoded, in order.
    pub links: Vec<String>,
    /// `id` values, sorted.
    pub ids: Vec<String>,
}

/// Collects `href`, `src`, `action` and `id` attribute values from HTML.
pub fn scan(html: &str) -> PageLinks {
    let b = html.as_bytes();
    let mut out = PageLinks::default();
    let mut i = 0;
    while let Some(lt) = memchr::memchr(b'<', &b[i..]) {
        i += lt + 1;
        if b[i..].starts_with(b"!--") {
            i = find(b, i, b"-->").map_or(b.len(), |j| j + 3);
            continue;
        }
        if matches!(b.get(i), Some(b'!' | b'?' | b'/')) {
            i = memchr::memchr(b'>', &b[i..]).map_or(b.len(), |j| i + j + 1);
            continue;
        }
        let name_start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        if i == name_start {
            continue; // a lone `<` in text
        }
        let tag = html[name_start..i].to_ascii_lowercase();
        i = attributes(html, i, &mut out);
        if tag == "script" || tag == "style" {
            let close = format!("</{tag}");
            i = find_ignore_case(b, i, close.as_bytes()).unwrap_or(b.len());
        }
    }
    out.ids.sort_unstable();
    out
}

/// Reads attributes from `i` to the end of the tag; returns the position
/// after `>`.
fn attributes(html: &str, mut i: usize, out: &mut PageLinks) -> usize {
    let b = html.as_bytes();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return i;
        }
        if b[i] == b'>' {
            return i + 1;
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = &html[name_start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let (value, next) = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = memchr::memchr(q, &b[i + 1..]).map_or(b.len(), |j| i + 1 + j);
                (&html[i + 1..end], (end + 1).min(b.len()))
            }
            _ => {
                let start = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                (&html[start..i], i)
            }
        };
        i = next;
        if ["href", "src", "action"]
            .iter()
            .any(|a| name.eq_ignore_ascii_case(a))
        {
            out.links.push(decode(value));
        } else if name.eq_ignore_ascii_case("id") {
            out.ids.push(decode(value));
        }
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&hay[from..], needle).map(|j| from + j)
}

fn find_ignore_case(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    (from..hay.len().saturating_sub(needle.len() - 1))
        .find(|&j| hay[j..j + needle.len()].eq_ignore_ascii_case(needle))
}

/// Decodes the character references a URL or id may carry.
fn decode(value: &str) -> String {
    if !value.contains('&') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&s| s <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let ch = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "lt" => Some('<'),
            "gt" => Some('>'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where a link leads inside the site: the page's path and the fragment.
/// `None` for links that leave the site (other schemes, other hosts).
pub fn resolve<'a>(
    from_page: &str,
    link: &'a str,
    base_path: &str,
) -> Option<(String, Option<&'a str>)> {
    let (path, fragment) = match link.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (link, None),
    };
    let path = path.split(['?']).next().unwrap_or("");
    if link.starts_with("//") || has_scheme(path) {
        return None;
    }
    let mut parts: Vec<&str> = if path.is_empty() {
        return Some((from_page.to_owned(), fragment));
    } else if let Some(abs) = path.strip_prefix('/') {
        // Root-absolute links are only ours if they are under the site's path.
        let inside = abs.strip_prefix(base_path.trim_start_matches('/'))?;
        return Some((normalize(Vec::new(), inside), fragment));
    } else {
        from_page.split('/').collect()
    };
    parts.pop(); // the page's own file name
    Some((normalize(parts, path), fragment))
}

fn has_scheme(path: &str) -> bool {
    match path.find([':', '/']) {
        Some(i) => path.as_bytes()[i] == b':',
        None => false,
    }
}

fn normalize<'a>(mut parts: Vec<&'a str>, rel: &'a str) -> String {
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut joined = parts.join("/");
    if rel.ends_with('/') || rel.is_empty() {
        if !joined.is_empty() {
            joined.push('/');
        }
        joined.push_str("index.html");
    }
    joined
}

/// A page's links, resolved and reduced to hashes: what the check needs,
/// kept small because every page's are held at once (and between builds).
/// Depends only on the page's bytes, its path and the site's base path (a
/// query of its own, [`crate::db::LinkScan`]).
#[derive(Debug, Default, PartialEq)]
pub struct Resolved {
    /// Per internal link: hash of the target page's path, and of the
    /// fragment (0 for none).
    targets: Vec<(u64, u64)>,
    /// Hashes of the page's ids.
    ids: FxHashSet<u64>,
}

fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish() | 1 // never 0, which means "no fragment"
}

/// The scan of `page`, resolved against the site's base path.
pub fn resolved(page: &Page, base_path: &str) -> Resolved {
    let scan = scan_page(page);
    let targets = scan
        .links
        .iter()
        .filter_map(|l| resolve(&page.path, l, base_path))
        .map(|(t, f)| {
            (
                hash_str(&t),
                f.filter(|f| !f.is_empty()).map_or(0, hash_str),
            )
        })
        .collect();
    let ids = scan.ids.iter().map(|id| hash_str(id)).collect();
    Resolved { targets, ids }
}

fn scan_page(page: &Page) -> PageLinks {
    if page.path.ends_with(".html") {
        scan(&String::from_utf8_lossy(&page.bytes))
    } else {
        PageLinks::default()
    }
}

/// Checks every internal link of the first `checked` HTML pages against all
/// `pages` (the rest are only link targets); `scans` are the pages'
/// [`resolved`] scans, in the same order. A page may come without its bytes
/// (a one-shot build writes and drops them): `bytes_of` gives them back, for
/// the messages about a page with a broken link.
pub fn check(
    pages: &[Page],
    checked: usize,
    base_path: &str,
    scans: &[Arc<Resolved>],
    bytes_of: &(dyn Fn(&Page) -> Page + Sync),
) -> Vec<Diagnostic> {
    let index: FxHashMap<u64, usize> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| (hash_str(&p.path), i))
        .collect();
    let is_broken = |&(target, fragment): &(u64, u64)| match index.get(&target) {
        None => true,
        Some(&t) => fragment != 0 && !scans[t].ids.contains(&fragment),
    };
    // Pages with a broken link are scanned again for the messages.
    let failing: Vec<usize> = (0..checked)
        .into_par_iter()
        .filter(|&i| scans[i].targets.iter().any(is_broken))
        .collect();
    let mut diags: Vec<Diagnostic> = failing
        .into_iter()
        .flat_map(|i| explain(&pages[i], pages, base_path, bytes_of))
        .collect();
    diags.sort_by(|a, b| a.message.cmp(&b.message));
    diags
}

/// The diagnostics for one page known to have a broken link.
fn explain(
    page: &Page,
    pages: &[Page],
    base_path: &str,
    bytes_of: &dyn Fn(&Page) -> Page,
) -> Vec<Diagnostic> {
    let by_path: FxHashMap<&str, &Page> = pages.iter().map(|p| (p.path.as_str(), p)).collect();
    let mut out = Vec::new();
    for link in scan_page(&bytes_of(page)).links {
        let Some((target, fragment)) = resolve(&page.path, &link, base_path) else {
            continue;
        };
        let why = match by_path.get(target.as_str()) {
            None => format!("there is no page `{target}`"),
            Some(t) => match fragment {
                Some(f)
                    if !f.is_empty() && !scan_page(&bytes_of(t)).ids.iter().any(|id| id == f) =>
                {
                    format!("`{target}` has no element with id `{f}`")
                }
                _ => continue,
            },
        };
        out.push(broken(page, &link, &why));
    }
    out
}

fn broken(page: &Page, link: &str, why: &str) -> Diagnostic {
    let d = Diagnostic::error(
        "broken-link",
        format!("broken link in `{}`: `{link}`", page.path),
    )
    .note(why.to_string());
    let d = match page.template {
        Some(t) => d.note(format!("the page is rendered with the template `{t}`")),
        None => d,
    };
    let d = match page.file {
        Some(file) => d.at(file, 0..0).label("the page is made from this file"),
        None => d,
    };
    d.help("fix the link in the note's markdown or in the template; links inside the site are relative to the page")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanning_finds_links_and_ids_in_any_quoting() {
        let html = r#"<!DOCTYPE html><a href="a.html#x">a</a> <img src='i.png' alt=x> <p id=top class="c">
            <!-- <a href="commented.html"> --> <script>var s = "<a href='no.html'>";</script>
            <A HREF="b.html?q=1&amp;r=2">B</A><span id="q-1"></span> 1 < 2
            <form action="search.html" method="get">"#;
        let s = scan(html);
        assert_eq!(
            s.links,
            ["a.html#x", "i.png", "b.html?q=1&r=2", "search.html"]
        );
        assert_eq!(s.ids, ["q-1", "top"]);
    }

    #[test]
    fn links_resolve_relative_to_the_page_and_the_site_path() {
        let r = |from, link| resolve(from, link, "/briefing/");
        assert_eq!(
            r("who/x.html", "../sources/s.html#q-1"),
            Some(("sources/s.html".into(), Some("q-1")))
        );
        assert_eq!(
            r("who/x.html", "#c-2"),
            Some(("who/x.html".into(), Some("c-2")))
        );
        assert_eq!(
            r("index.html", "who/"),
            Some(("who/index.html".into(), None))
        );
        assert_eq!(
            r("404.html", "/briefing/static/style.css"),
            Some(("static/style.css".into(), None))
        );
        assert_eq!(r("404.html", "/elsewhere/x.html"), None);
        assert_eq!(r("index.html", "https://example.org/"), None);
        assert_eq!(r("index.html", "mailto:a@b"), None);
        assert_eq!(r("index.html", "//cdn.example/x.js"), None);
    }
}
