//! The search index, `searchindex.js`: built with the site, searched in the
//! browser by `static/search.js`, offline and from `file://` (it is a script
//! that sets a global, loaded by a `<script>` element: no `fetch`).
//!
//! Documents are the notes (kind, title, summary, claims; an actor's other
//! names), each source (title, publisher, caveats) and each paragraph of a
//! source, numbered as on the source page (`sources/ID.html#p-N`).
//!
//! Words go through elasticlunr's English pipeline (tokenizer, trimmer,
//! stop words, Porter stemmer) from the `elasticlunr-rs` crate; the search
//! page runs queries through the same pipeline from elasticlunr.js. The
//! index itself is not elasticlunr's JSON: that is about three times the
//! size of the text it indexes, 18% of the shipped briefing's HTML and 24%
//! of a 10,000-note one's, over the 15% allowed. This compact format, read
//! by `search.js`, is 6% and 9% (README, "Search"):
//!
//! ```text
//! window.briefingSearchIndex = {
//!   "v": 1,
//!   "kinds": [[label, folder], …],   // 0–3 the note kinds, 4 a source
//!   "docs": [[kind, id, title, text] // a note or a source
//!           | [n, text], …],         // paragraph n of the source before it
//!   "terms": "t1 t2 …",              // sorted (as JavaScript compares strings)
//!   "postings": ["…", …]             // one per term: the documents holding it
//! };
//! ```
//!
//! A posting list is a run of numbers, each written in base 32 with the
//! least significant digit first: digits `W`–`_` say more digits follow,
//! `0`–`V` end the number. Per document holding the term: `2 × gap + x`
//! where `gap` is the number of documents skipped since the previous one;
//! `x = 0` means the term is once in the text and not in the title; `x = 1`
//! is followed by `2 × count in the text + (1 if in the title)`.
//!
//! Rebuilding after an edit tokenizes only the changed note or source: each
//! one's documents are remembered by a hash of its file versions.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use elasticlunr::{Language, Pipeline, lang::English};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};

use super::{Page, passages};
use crate::markdown;
use crate::model::{Body, Briefing, Kind};

/// Where the index goes, from the site root.
pub const INDEX_PATH: &str = "searchindex.js";

/// The kind number of a source in `kinds` (the note kinds come first).
const SOURCE_KIND: usize = 4;

/// What the index keeps between builds.
#[derive(Default)]
pub struct SearchCache {
    /// Term → number. Only grows (by the words of edited files).
    term_ids: FxHashMap<Box<str>, u32>,
    terms: Vec<Box<str>>,
    /// Every term's number, in [`js_order`] of the terms.
    sorted: Vec<u32>,
    /// The documents of each note and source, by a hash of its content.
    parts: FxHashMap<u64, Arc<Part>>,
    /// The last index, by the hash of its parts' keys.
    last: Option<(u64, Arc<Vec<u8>>)>,
}

/// The documents of one note or source.
struct Part {
    /// Its entries of `docs`, as JSON, each followed by a comma.
    json: String,
    /// Per document: (term, count in the text, in the title).
    docs: Vec<Vec<(u32, u32, bool)>>,
}

/// A document's terms: (term, count in the text, whether in the title).
type Terms = Vec<(String, u32, bool)>;

/// A document before indexing.
struct Doc {
    json: String,
    title: String,
    text: String,
}

/// One note or source to index.
#[derive(Clone, Copy)]
enum Unit {
    Note(usize),
    Source(usize),
}

/// Builds `searchindex.js`. `note_ver` and `source_ver` identify the
/// content of each note and source (see `Renderer`).
pub fn index(b: &Briefing, cache: &mut SearchCache) -> Page {
    let note_ver: Vec<u64> = b
        .notes
        .iter()
        .map(|n| hash_of(&(n.file, b.files.version(n.file))))
        .collect();
    let source_ver: Vec<u64> = b
        .sources
        .iter()
        .map(|s| {
            let meta = s.meta.as_ref().map(|m| (m.file, b.files.version(m.file)));
            hash_of(&(s.file, b.files.version(s.file), meta))
        })
        .collect();
    let units: Vec<(Unit, u64)> = (0..b.notes.len())
        .map(|i| {
            let n = &b.notes[i];
            (Unit::Note(i), hash_of(&(note_ver[i], n.kind(), &n.id)))
        })
        .chain((0..b.sources.len()).map(|i| {
            let key = hash_of(&(source_ver[i], &b.sources[i].id));
            (Unit::Source(i), key)
        }))
        .collect();
    let key = hash_of(&units.iter().map(|u| u.1).collect::<Vec<_>>()) ^ FORMAT_VERSION;
    if let Some((last, bytes)) = &cache.last
        && *last == key
    {
        return page(key, bytes.clone());
    }
    // Tokenize what is new, on every core; then number its terms.
    let fresh: Vec<(u64, Vec<Doc>, Vec<Terms>)> = units
        .par_iter()
        .filter(|(_, k)| !cache.parts.contains_key(k))
        .map(|&(unit, k)| {
            let docs = documents(b, unit);
            let terms = docs
                .iter()
                .map(|d| count_terms(&d.title, &d.text))
                .collect();
            (k, docs, terms)
        })
        .collect();
    for (k, docs, terms) in fresh {
        let mut json = String::new();
        for d in &docs {
            json.push_str(&d.json);
            json.push(',');
        }
        let docs = terms
            .into_iter()
            .map(|list| {
                list.into_iter()
                    .map(|(term, count, in_title)| (cache.term_id(term), count, in_title))
                    .collect()
            })
            .collect();
        cache.parts.insert(k, Arc::new(Part { json, docs }));
    }
    cache.sort_new_terms();
    let parts: Vec<Arc<Part>> = units.iter().map(|(_, k)| cache.parts[k].clone()).collect();
    cache.parts = units
        .iter()
        .zip(&parts)
        .map(|((_, k), p)| (*k, p.clone()))
        .collect();
    let bytes = Arc::new(assemble(&parts, &cache.terms, &cache.sorted));
    cache.last = Some((key, bytes.clone()));
    page(key, bytes)
}

/// Changes whenever the format or the documents' shape does.
const FORMAT_VERSION: u64 = 1;

fn page(key: u64, bytes: Arc<Vec<u8>>) -> Page {
    Page {
        path: INDEX_PATH.into(),
        bytes,
        key,
        template: None,
        file: None,
    }
}

impl SearchCache {
    /// Puts the terms numbered since the last call into `sorted`.
    fn sort_new_terms(&mut self) {
        let known = self.sorted.len();
        if known == self.terms.len() {
            return;
        }
        let terms = &self.terms;
        let mut fresh: Vec<u32> = (known as u32..terms.len() as u32).collect();
        fresh.sort_unstable_by(|&a, &b| js_order(&terms[a as usize], &terms[b as usize]));
        let old = std::mem::take(&mut self.sorted);
        let mut merged = Vec::with_capacity(terms.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < fresh.len() {
            if js_order(&terms[old[i] as usize], &terms[fresh[j] as usize]).is_lt() {
                merged.push(old[i]);
                i += 1;
            } else {
                merged.push(fresh[j]);
                j += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&fresh[j..]);
        self.sorted = merged;
    }

    fn term_id(&mut self, term: String) -> u32 {
        if let Some(&id) = self.term_ids.get(term.as_str()) {
            return id;
        }
        let id = self.terms.len() as u32;
        let term: Box<str> = term.into();
        self.terms.push(term.clone());
        self.term_ids.insert(term, id);
        id
    }
}

/// The documents of a note (one) or a source (one, then its paragraphs).
fn documents(b: &Briefing, unit: Unit) -> Vec<Doc> {
    match unit {
        Unit::Note(i) => {
            let n = &b.notes[i];
            let mut text = String::new();
            let mut add = |s: &str| {
                if !s.is_empty() {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(s);
                }
            };
            if let Body::Who { aliases, .. } = &n.body
                && !aliases.is_empty()
            {
                add(&format!("Also called {}.", aliases.join("; ")));
            }
            if let Some(s) = &n.summary {
                add(&markdown::to_text(s));
            }
            for c in &n.claims {
                add(&markdown::to_text(&c.text));
            }
            let title = markdown::collapse_spaces(&n.title);
            let kind = Kind::ALL.iter().position(|&k| k == n.kind()).unwrap_or(0);
            let json = json(&(kind, &n.id, &title, &text));
            vec![Doc { json, title, text }]
        }
        Unit::Source(i) => {
            let s = &b.sources[i];
            let meta = s.meta.as_deref();
            let title = markdown::collapse_spaces(meta.map_or(&s.id, |m| &m.title));
            let mut about: Vec<String> = Vec::new();
            if let Some(m) = meta {
                about.extend(m.publisher.iter().map(|p| markdown::collapse_spaces(p)));
                about.extend(m.caveats.iter().map(|c| markdown::to_text(c)));
            }
            let about = about.join(" ");
            let mut docs = vec![Doc {
                json: json(&(SOURCE_KIND, &s.id, &title, &about)),
                title,
                text: about,
            }];
            let text = b.files.text(s.file);
            for (n, range) in passages::paragraphs(text).into_iter().enumerate() {
                let para = markdown::collapse_spaces(&text[range]);
                docs.push(Doc {
                    json: json(&(n + 1, &para)),
                    title: String::new(),
                    text: para,
                });
            }
            docs
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("strings and numbers serialize")
}

thread_local! {
    /// elasticlunr's English pipeline (not `Send`: one per thread).
    static PIPELINE: RefCell<(English, Pipeline)> = RefCell::new({
        let english = English::new();
        let pipeline = english.make_pipeline();
        (english, pipeline)
    });
}

/// The terms of a document, sorted.
fn count_terms(title: &str, text: &str) -> Terms {
    PIPELINE.with(|p| {
        let (english, pipeline) = &*p.borrow();
        let mut counts: FxHashMap<String, (u32, bool)> = FxHashMap::default();
        for term in pipeline.run(english.tokenize(text)) {
            counts.entry(term).or_default().0 += 1;
        }
        for term in pipeline.run(english.tokenize(title)) {
            counts.entry(term).or_default().1 = true;
        }
        let mut out: Terms = counts
            .into_iter()
            .map(|(t, (n, in_title))| (t, n, in_title))
            .collect();
        out.sort_unstable();
        out
    })
}

/// The whole file, from the parts in document order. `sorted` is every
/// known term, in the order the page searches them.
fn assemble(parts: &[Arc<Part>], terms: &[Box<str>], sorted: &[u32]) -> Vec<u8> {
    // Per term, the documents holding it, in document order: counted, then
    // filled into one array (a vector per term costs more than the rest).
    let mut start = vec![0u32; terms.len() + 1];
    for part in parts {
        for d in &part.docs {
            for &(term, ..) in d {
                start[term as usize + 1] += 1;
            }
        }
    }
    for t in 0..terms.len() {
        start[t + 1] += start[t];
    }
    let mut fill = start.clone();
    let mut postings = vec![(0u32, 0u32, false); start[terms.len()] as usize];
    let mut doc = 0u32;
    for part in parts {
        for d in &part.docs {
            for &(term, count, in_title) in d {
                let at = &mut fill[term as usize];
                postings[*at as usize] = (doc, count, in_title);
                *at += 1;
            }
            doc += 1;
        }
    }
    let of = |t: u32| &postings[start[t as usize] as usize..start[t as usize + 1] as usize];
    let used: Vec<u32> = sorted
        .iter()
        .copied()
        .filter(|&t| !of(t).is_empty())
        .collect();
    let docs_len: usize = parts.iter().map(|p| p.json.len()).sum();
    let mut out = Vec::with_capacity(docs_len + postings.len() * 2 + 1024);
    out.extend_from_slice(b"window.briefingSearchIndex={\"v\":1,\"kinds\":");
    let mut kinds: Vec<(&str, &str)> = Kind::ALL.iter().map(|k| (k.singular(), k.dir())).collect();
    kinds.push(("Source", "sources"));
    out.extend_from_slice(json(&kinds).as_bytes());
    out.extend_from_slice(b",\"docs\":[");
    for p in parts {
        out.extend_from_slice(p.json.as_bytes());
    }
    if out.last() == Some(&b',') {
        out.pop();
    }
    out.extend_from_slice(b"],\"terms\":");
    let joined: Vec<&str> = used.iter().map(|&t| &*terms[t as usize]).collect();
    out.extend_from_slice(json(&joined.join(" ")).as_bytes());
    out.extend_from_slice(b",\"postings\":[");
    for (k, &t) in used.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        out.push(b'"');
        let mut next = 0;
        for &(doc, count, in_title) in of(t) {
            let gap = doc - next;
            next = doc + 1;
            if count == 1 && !in_title {
                push_number(&mut out, 2 * gap);
            } else {
                push_number(&mut out, 2 * gap + 1);
                push_number(&mut out, 2 * count + u32::from(in_title));
            }
        }
        out.push(b'"');
    }
    out.extend_from_slice(b"]};\n");
    out
}

/// Strings in the order JavaScript compares them (by UTF-16 code units),
/// so that the page can find terms by binary search.
fn js_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Digits that end a number, and digits that more digits follow.
const LAST: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";
const MORE: &[u8; 32] = b"WXYZabcdefghijklmnopqrstuvwxyz-_";

fn push_number(out: &mut Vec<u8>, mut n: u32) {
    while n >= 32 {
        out.push(MORE[(n % 32) as usize]);
        n /= 32;
    }
    out.push(LAST[n as usize]);
}

fn hash_of<T: Hash>(value: &T) -> u64 {
    let mut h = FxHasher::default();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let (mut n, mut scale) = (0u32, 1u32);
        for c in s.bytes() {
            if let Some(d) = MORE.iter().position(|&m| m == c) {
                n += d as u32 * scale;
                scale *= 32;
            } else {
                let d = LAST.iter().position(|&m| m == c).expect("a digit");
                out.push(n + d as u32 * scale);
                (n, scale) = (0, 1);
            }
        }
        out
    }

    #[test]
    fn numbers_round_trip_through_the_digits() {
        let mut s = Vec::new();
        let numbers = [0, 1, 31, 32, 33, 1023, 1024, 40_000, u32::MAX];
        for n in numbers {
            push_number(&mut s, n);
        }
        let s = String::from_utf8(s).unwrap();
        assert_eq!(decode(&s), numbers);
        assert!(!s.contains(['"', '\\', ' ', '<']));
    }

    #[test]
    fn terms_are_elasticlunr_english() {
        let terms: Vec<String> = count_terms(
            "The Electoral Commission",
            "Hackers were hacking; APT31-linked.",
        )
        .into_iter()
        .map(|t| t.0)
        .collect();
        // Stop words gone, words stemmed, split at hyphens, trimmed.
        assert_eq!(
            terms,
            ["apt31", "commiss", "elector", "hack", "hacker", "link"]
        );
    }
}
