//! What is under the cursor, and where it leads: hover, go to definition,
//! find references. A citation's quote leads to its exact passage in the
//! source's text, a source ID to the text, a note ID to the note.

use std::ops::Range;

use lsp_types as lsp;
use rustc_hash::FxHashMap;

use crate::check::quote::{Normalized, normalize};
use crate::diag::span_in;
use crate::model::{Briefing, Source};
use crate::yaml::Seg;

use super::protocol::{absolute, range_of, uri_of};

/// What the cursor is on.
#[derive(Debug, PartialEq)]
pub enum Target {
    Source(String),
    /// A citation's quote, with its source and which occurrence it means.
    Quote {
        source: String,
        quote: String,
        occurrence: usize,
    },
    Note(String),
}

/// The target at byte `col` of line `at` of a note's text.
pub fn target_at(b: &Briefing, lines: &[&str], at: usize, col: usize) -> Option<Target> {
    let line = lines.get(at)?;
    let body = item_body(line);
    if let Some(value) = body.strip_prefix("source:") {
        let id = unquote(value)?;
        return b.source_index(&id).map(|_| Target::Source(id));
    }
    if let Some(value) = body.strip_prefix("quote:") {
        let quote = unquote(value)?;
        let source = item_value(lines, at, "source:")?;
        let occurrence = item_value(lines, at, "occurrence:")
            .and_then(|o| o.parse().ok())
            .unwrap_or(1);
        return Some(Target::Quote {
            source,
            quote,
            occurrence,
        });
    }
    let word = word_at(line, col)?;
    b.notes
        .iter()
        .any(|n| n.id == word)
        .then(|| Target::Note(word.to_owned()))
}

/// A line without its indentation and list dash.
fn item_body(line: &str) -> &str {
    let t = line.trim_start();
    t.strip_prefix("- ").unwrap_or(t).trim_start()
}

/// A YAML scalar as written after a key (plain, single- or double-quoted).
fn unquote(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    serde_yaml::from_str::<String>(value).ok()
}

/// The value of `key` in the list item line `at` belongs to (the lines
/// from the item's `- ` to the next item).
pub fn item_value(lines: &[&str], at: usize, key: &str) -> Option<String> {
    let starts_item = |l: &str| l.trim_start().starts_with("- ");
    let value = |l: &str| item_body(l).strip_prefix(key).and_then(unquote);
    for i in (0..=at).rev() {
        if let Some(v) = value(lines[i]) {
            return Some(v);
        }
        if starts_item(lines[i]) {
            break;
        }
    }
    lines[at + 1..]
        .iter()
        .take_while(|l| !starts_item(l))
        .find_map(|l| value(l))
}

/// The ID-like word (`a-z`, digits, `-`, `_`) around byte `col`.
fn word_at(line: &str, col: usize) -> Option<&str> {
    let is_id = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    let col = col.min(line.len());
    let start = line[..col]
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_id(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = line[col..]
        .find(|c| !is_id(c))
        .map_or(line.len(), |i| col + i);
    (start < end).then(|| &line[start..end])
}

fn source<'b>(b: &'b Briefing, id: &str) -> Option<&'b Source> {
    b.sources.get(b.source_index(id)?)
}

/// Where a quote is in its source's text (original bytes).
fn passage(b: &Briefing, id: &str, quote: &str, occurrence: usize) -> Option<Range<usize>> {
    normalize(b.files.text(source(b, id)?.file)).nth(quote, occurrence)
}

fn location(
    b: &Briefing,
    file: crate::files::FileId,
    range: &Range<usize>,
) -> Option<lsp::Location> {
    Some(lsp::Location::new(
        uri_of(&absolute(&b.files, file))?,
        range_of(&b.files, file, range),
    ))
}

pub fn definition(b: &Briefing, target: &Target) -> Option<lsp::Location> {
    match target {
        Target::Source(id) => location(b, source(b, id)?.file, &(0..0)),
        Target::Quote {
            source: id,
            quote,
            occurrence,
        } => location(b, source(b, id)?.file, &passage(b, id, quote, *occurrence)?),
        Target::Note(id) => {
            let note = b.notes.iter().find(|n| &n.id == id)?;
            location(b, note.file, &(0..0))
        }
    }
}

/// Markdown for a hover: a citation's passage in its paragraph, with the
/// source's label and caveats; a source's; a note's title and summary.
pub fn hover(b: &Briefing, target: &Target) -> Option<String> {
    let about = |s: &Source| match &s.meta {
        Some(m) => {
            let mut out = format!("**{}** — {}", m.short_label(), m.title);
            for caveat in &m.caveats {
                out.push_str(&format!("\n\n⚠ {caveat}"));
            }
            out
        }
        None => format!("**{}** (no metadata)", s.id),
    };
    match target {
        Target::Source(id) => Some(about(source(b, id)?)),
        Target::Quote {
            source: id,
            quote,
            occurrence,
        } => {
            let s = source(b, id)?;
            let text = b.files.text(s.file);
            let Some(range) = passage(b, id, quote, *occurrence) else {
                return Some(format!(
                    "{}\n\n*This quote is not in the source.*",
                    about(s)
                ));
            };
            let paragraphs = crate::routes::paragraphs(text);
            let (n, para) = paragraphs
                .iter()
                .enumerate()
                .find(|(_, p)| p.start <= range.start && range.start < p.end.max(p.start + 1))?;
            let end = range.end.min(para.end);
            let shown = format!(
                "{}**{}**{}",
                &text[para.start..range.start],
                &text[range.start..end],
                &text[end..para.end]
            );
            Some(format!(
                "> {}\n\n¶{} · {}",
                shown.replace('\n', " "),
                n + 1,
                about(s)
            ))
        }
        Target::Note(id) => {
            let note = b.notes.iter().find(|n| &n.id == id)?;
            let mut out = format!("**{}** (`{}`)", note.title, note.id);
            if let Some(summary) = &note.summary {
                out.push_str(&format!("\n\n{summary}"));
            }
            Some(out)
        }
    }
}

/// Every place that refers to the target: the citations of a source, the
/// citations whose quote overlaps a passage, the references to a note.
pub fn references(b: &Briefing, target: &Target) -> Vec<lsp::Location> {
    let mut out = Vec::new();
    match target {
        Target::Source(_) | Target::Quote { .. } => {
            let (id, wanted) = match target {
                Target::Source(id) => (id.as_str(), None),
                Target::Quote {
                    source: id,
                    quote,
                    occurrence,
                } => (id.as_str(), passage(b, id, quote, *occurrence)),
                Target::Note(_) => unreachable!(),
            };
            let mut texts: FxHashMap<&str, Normalized> = FxHashMap::default();
            for list in b.claim_lists() {
                for (ci, claim) in list.claims.iter().enumerate() {
                    for (j, cite) in claim.cites.iter().enumerate() {
                        if cite.source != id {
                            continue;
                        }
                        if let (Target::Quote { .. }, Some(wanted)) = (target, &wanted) {
                            let Some(q) = &cite.quote else { continue };
                            let Some(s) = source(b, id) else { continue };
                            let n = texts
                                .entry(id)
                                .or_insert_with(|| normalize(b.files.text(s.file)));
                            let at = cite
                                .occurrence
                                .and_then(|o| usize::try_from(o).ok())
                                .unwrap_or(1);
                            let overlaps = n
                                .nth(q, at)
                                .is_some_and(|r| r.start < wanted.end && wanted.start < r.end);
                            if !overlaps {
                                continue;
                            }
                        }
                        let mut path = list.claim_path(ci);
                        path.extend([Seg::Key("cite"), Seg::Index(j), Seg::Key("source")]);
                        let span = span_in(b.files.get(list.file), &path);
                        out.extend(location(b, list.file, &span));
                    }
                }
            }
        }
        Target::Note(id) => {
            let mut sites: Vec<(crate::files::FileId, &crate::model::Ref)> = Vec::new();
            if let Some(front) = &b.front {
                sites.extend(front.refs.iter().map(|r| (front.file, r)));
            }
            for note in &b.notes {
                sites.extend(note.refs.iter().map(|r| (note.file, r)));
            }
            for (file, r) in sites.into_iter().filter(|(_, r)| &r.target == id) {
                let span = span_in(b.files.get(file), &r.path);
                out.extend(location(b, file, &span));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_item_values_are_found_around_the_cursor() {
        assert_eq!(word_at("related: [breach, other]", 12), Some("breach"));
        assert_eq!(word_at("related: [breach, other]", 19), Some("other"));
        assert_eq!(word_at("related: [", 10), None);
        assert_eq!(
            word_at("see “breach”", 10),
            Some("breach"),
            "after a multi-byte mark"
        );
        let lines = [
            "      - source: report-a",
            "        quote: 'x y'",
            "        occurrence: 2",
        ];
        assert_eq!(
            item_value(&lines, 1, "source:").as_deref(),
            Some("report-a")
        );
        assert_eq!(item_value(&lines, 1, "occurrence:").as_deref(), Some("2"));
        assert_eq!(unquote(" \"a \\\"b\\\"\"").as_deref(), Some("a \"b\""));
    }
}
