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
//! one's documents are a query of their own ([`crate::db::SearchPart`]),
//! computed from that note's or source's files only.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use elasticlunr::{Language, Pipeline, lang::English};
use rustc_hash::{FxHashMap, FxHasher};

use super::{Page, passages};
use crate::i18n::Words;
use crate::markdown;
use crate::model::{Body, Kind, Note, SourceMeta};

/// Where the index goes, from the site root.
pub const INDEX_PATH: &str = "searchindex.js";

/// The kind number of a source in `kinds` (the note kinds come first).
const SOURCE_KIND: usize = 4;

/// Every word the index has seen, numbered: a dictionary, not a memo. It
/// only grows (by the words of edited files); no output depends on the
/// numbers, only on the words, as the index lists terms in [`js_order`].
#[derive(Default)]
pub struct Terms {
    ids: FxHashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
    /// Every word's number, in [`js_order`] of the words.
    sorted: Vec<u32>,
}

/// The documents of one note or source.
#[derive(Debug, PartialEq)]
pub struct Part {
    /// Its entries of `docs`, as JSON, each followed by a comma.
    json: String,
    /// Per document: (term, count in the text, in the title).
    docs: Vec<Vec<(u32, u32, bool)>>,
}

/// A document's terms: (term, count in the text, whether in the title).
type DocTerms = Vec<(String, u32, bool)>;

/// A document before indexing.
struct Doc {
    json: String,
    title: String,
    text: String,
}

/// The part of a note: its documents, their words numbered in `terms`.
pub fn note_part(n: &Note, terms: &Mutex<Terms>) -> Part {
    part(note_documents(n), terms)
}

/// The part of a source: its documents, their words numbered in `terms`.
pub fn source_part(id: &str, meta: Option<&SourceMeta>, text: &str, terms: &Mutex<Terms>) -> Part {
    part(source_documents(id, meta, text), terms)
}

fn part(docs: Vec<Doc>, terms: &Mutex<Terms>) -> Part {
    let counted: Vec<DocTerms> = docs
        .iter()
        .map(|d| count_terms(&d.title, &d.text))
        .collect();
    let mut json = String::new();
    for d in &docs {
        json.push_str(&d.json);
        json.push(',');
    }
    let mut terms = terms.lock().unwrap_or_else(PoisonError::into_inner);
    let docs = counted
        .into_iter()
        .map(|list| {
            list.into_iter()
                .map(|(term, count, in_title)| (terms.id(term), count, in_title))
                .collect()
        })
        .collect();
    Part { json, docs }
}

/// `searchindex.js` from the parts of every note and source, in order.
pub fn index(parts: &[Arc<Part>], terms: &Mutex<Terms>, words: &Words) -> Page {
    let mut terms = terms.lock().unwrap_or_else(PoisonError::into_inner);
    terms.sort_new();
    let bytes = assemble(parts, &terms.words, &terms.sorted, words);
    Page {
        path: INDEX_PATH.into(),
        key: hash_of(&bytes) | 1,
        bytes: Arc::new(bytes),
        template: None,
        file: None,
    }
}

impl Terms {
    /// Puts the terms numbered since the last call into `sorted`.
    fn sort_new(&mut self) {
        let known = self.sorted.len();
        if known == self.words.len() {
            return;
        }
        let words = &self.words;
        let mut fresh: Vec<u32> = (known as u32..words.len() as u32).collect();
        fresh.sort_unstable_by(|&a, &b| js_order(&words[a as usize], &words[b as usize]));
        let old = std::mem::take(&mut self.sorted);
        let mut merged = Vec::with_capacity(words.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < fresh.len() {
            if js_order(&words[old[i] as usize], &words[fresh[j] as usize]).is_lt() {
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

    fn id(&mut self, term: String) -> u32 {
        if let Some(&id) = self.ids.get(term.as_str()) {
            return id;
        }
        let id = self.words.len() as u32;
        let term: Box<str> = term.into();
        self.words.push(term.clone());
        self.ids.insert(term, id);
        id
    }
}

/// The document of a note.
fn note_documents(n: &Note) -> Vec<Doc> {
    {
        {
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
    }
}

/// The documents of a source: one for it, then one per paragraph.
fn source_documents(id: &str, meta: Option<&SourceMeta>, text: &str) -> Vec<Doc> {
    {
        {
            // Named by its label, as everywhere but its own page; the full
            // title is still searched.
            let title =
                markdown::collapse_spaces(&meta.map_or_else(|| id.to_owned(), |m| m.short_label()));
            let mut about: Vec<String> = Vec::new();
            if let Some(m) = meta {
                about.push(markdown::collapse_spaces(&m.title));
                about.extend(m.publisher.iter().map(|p| markdown::collapse_spaces(p)));
                about.extend(m.caveats.iter().map(|c| markdown::to_text(c)));
            }
            let about = about.join(" ");
            let mut docs = vec![Doc {
                json: json(&(SOURCE_KIND, id, &title, &about)),
                title,
                text: about,
            }];
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
fn count_terms(title: &str, text: &str) -> DocTerms {
    PIPELINE.with(|p| {
        let (english, pipeline) = &*p.borrow();
        let mut counts: FxHashMap<String, (u32, bool)> = FxHashMap::default();
        for term in pipeline.run(english.tokenize(text)) {
            counts.entry(term).or_default().0 += 1;
        }
        for term in pipeline.run(english.tokenize(title)) {
            counts.entry(term).or_default().1 = true;
        }
        let mut out: DocTerms = counts
            .into_iter()
            .map(|(t, (n, in_title))| (t, n, in_title))
            .collect();
        out.sort_unstable();
        out
    })
}

/// The whole file, from the parts in document order. `sorted` is every
/// known term, in the order the page searches them.
fn assemble(parts: &[Arc<Part>], terms: &[Box<str>], sorted: &[u32], words: &Words) -> Vec<u8> {
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
    let mut kinds: Vec<(&str, &str)> = Kind::ALL
        .iter()
        .map(|&k| (words.kind(k), k.dir()))
        .collect();
    kinds.push((words.get("kind_source"), "sources"));
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
