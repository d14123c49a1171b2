//! `briefing quote`: from words remembered roughly to citations that pass
//! the check. The passages of a source (or of every source) most like the
//! words, each printed as a YAML citation — the source's own words, with
//! `occurrence:` when they occur more than once — with its paragraph as
//! numbered on the source's page.

use std::io::Write;
use std::path::Path;

use anyhow::{Result, bail};

use crate::check::fuzzy::{self, Passage};
use crate::check::quote::{Normalized, is_ignorable, normalize};
use crate::model::Briefing;
use crate::pipeline::Status;

/// Passages scoring lower than this are not worth showing: fewer than about
/// a third of the (weighted) words were found.
const MIN_SCORE: f64 = 0.35;

/// What to search.
pub enum Scope<'a> {
    /// One source, by ID (or by the path of its text file).
    Source(&'a str),
    AllSources,
}

/// One passage found, ready to print.
#[derive(Debug)]
pub struct Found {
    pub source: String,
    /// The quote: the source's words, white space as one space.
    pub quote: String,
    /// Which occurrence of the quote this is, if it occurs more than once.
    pub occurrence: Option<usize>,
    /// Paragraph (from 1, as numbered on the source's page) and line.
    pub paragraph: usize,
    pub line: usize,
    pub passage: Passage,
}

/// `briefing quote`: prints the `max` passages most like `words`.
pub fn run(root: &Path, scope: Scope<'_>, words: &str, max: usize) -> Result<Status> {
    let (b, _) = crate::load::load(root)?;
    let found = find(&b, scope, words, max)?;
    let mut out = std::io::stdout().lock();
    if found.is_empty() {
        eprintln!(
            "quote: no passage resembles “{words}”; try other words, fewer of them, or --all-sources"
        );
        return Ok(Status::ContentErrors);
    }
    for (i, f) in found.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write!(out, "{}", citation(f))?;
    }
    Ok(Status::Ok)
}

/// The passages most like `words`, best first.
pub fn find(b: &Briefing, scope: Scope<'_>, words: &str, max: usize) -> Result<Vec<Found>> {
    let sources: Vec<&crate::model::Source> = match scope {
        Scope::AllSources => b.sources.iter().collect(),
        Scope::Source(name) => vec![source_named(b, name)?],
    };
    let mut found: Vec<Found> = Vec::new();
    for source in sources {
        let text = b.files.text(source.file);
        let normalized = normalize(text);
        for passage in fuzzy::search(&normalized, words, max, MIN_SCORE) {
            found.push(describe(&source.id, text, &normalized, passage));
        }
    }
    found.sort_by(|a, b| {
        b.passage
            .score
            .total_cmp(&a.passage.score)
            .then(a.source.cmp(&b.source))
            .then(a.passage.range.start.cmp(&b.passage.range.start))
    });
    found.truncate(max);
    Ok(found)
}

/// The source `name` names: an ID, or the path of a source's text file.
fn source_named<'b>(b: &'b Briefing, name: &str) -> Result<&'b crate::model::Source> {
    let id = match Path::new(name).extension() {
        Some(ext) if ext == "txt" || ext == "yaml" => Path::new(name)
            .file_stem()
            .map_or(name.to_owned(), |s| s.to_string_lossy().into_owned()),
        _ => name.to_owned(),
    };
    if let Some(s) = b.sources.iter().find(|s| s.id == id) {
        return Ok(s);
    }
    if b.sources.is_empty() {
        bail!(
            "no source has the ID `{id}`: this briefing has no sources yet (`briefing add FILE-OR-URL` adds one)"
        );
    }
    let hint = match crate::check::suggest(&id, b.sources.iter().map(|s| s.id.as_str())) {
        Some(best) => format!(" (did you mean `{best}`?)"),
        None => "; `briefing sources` lists them, `--all-sources` searches them all".to_owned(),
    };
    bail!("no source has the ID `{id}`{hint}")
}

fn describe(id: &str, text: &str, normalized: &Normalized, passage: Passage) -> Found {
    // A comma or colon after the last word only makes the quote longer.
    let raw = text[passage.range.clone()].trim_end_matches([',', ';', ':']);
    let quote = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let start = passage.range.start;
    let occurrences = normalized.occurrences(&quote, 0).count;
    let occurrence = (occurrences > 1).then(|| {
        (1..=occurrences)
            .find(|&n| normalized.nth(&quote, n).is_some_and(|r| r.start == start))
            .unwrap_or(1)
    });
    let paragraph = crate::routes::paragraphs(text)
        .iter()
        .position(|p| p.end > start)
        .map_or(1, |i| i + 1);
    let line = text[..start].matches('\n').count() + 1;
    Found {
        source: id.to_owned(),
        quote,
        occurrence,
        paragraph,
        line,
        passage,
    }
}

/// A passage as printed: a comment line saying where it is and how well it
/// matched, then the citation, ready to paste under a claim's `cite:`.
pub fn citation(f: &Found) -> String {
    let p = &f.passage;
    let mut s = format!(
        "# {}, ¶{} (line {}): {} of {} words found, {:.0}%\n- source: {}\n  quote: {}\n",
        f.source,
        f.paragraph,
        f.line,
        p.matched,
        p.typed,
        p.score * 100.0,
        f.source,
        yaml_string(&f.quote)
    );
    if let Some(n) = f.occurrence {
        s.push_str(&format!(
            "  occurrence: {n}   # these words occur more than once in the source\n"
        ));
    }
    s
}

/// `text` as a YAML double-quoted string. Invisible characters are escaped,
/// so what is pasted is what the source has.
pub fn yaml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c.is_control() || is_ignorable(c)) && (c as u32) <= 0xFFFF => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c if c.is_control() || is_ignorable(c) => {
                out.push_str(&format!("\\U{:08X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_strings_read_back_as_the_same_text() {
        for text in [
            "plain",
            "“curly” and \"straight\" quotes",
            "back\\slash",
            "zero\u{200B}width",
            "tag\u{E0041}s",
            "a: colon # and hash",
        ] {
            let yaml = format!("q: {}", yaml_string(text));
            let v: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
            assert_eq!(v["q"].as_str(), Some(text), "{yaml}");
        }
    }
}
