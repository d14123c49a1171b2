//! Source integrity: every source's text against the SHA-256 its metadata
//! records (`sha256:`). A text that changed after notes were written
//! against it is reported with the citations that rest on it, so the author
//! re-reads them (or records the new hash with `briefing sources --rehash`).

use rustc_hash::FxHashMap;

use crate::config::Level;
use crate::db::{self, Db};
use crate::diag::{Diagnostic, span_of};
use crate::engine::Cx;
use crate::files::FileId;
use crate::integrity::{FIELD, hash_problem};
use crate::model::{Briefing, CiteKey, Source};
use crate::yaml::{Seg, YamlPath};

use super::QuoteMatch;

/// How many affected citations a diagnostic lists before "and N more".
const LISTED: usize = 8;

pub fn check(
    cx: &Cx<'_, Db>,
    b: &Briefing,
    quotes: &FxHashMap<CiteKey, QuoteMatch>,
    diags: &mut Vec<Diagnostic>,
) {
    // Only texts with a well-formed recorded hash need hashing. A text that
    // is not valid UTF-8 is held decoded, not as its bytes; its encoding
    // error stands until it is fixed, and fixing it changes the bytes.
    let wanted: Vec<(&Source, &str)> = b
        .sources
        .iter()
        .filter(|s| b.files.get(s.file).invalid_utf8_at.is_none())
        .filter_map(|s| {
            let recorded = s.meta.as_ref()?.sha256.as_deref()?;
            hash_problem(recorded).is_none().then_some((s, recorded))
        })
        .collect();
    let files: Vec<FileId> = wanted.iter().map(|(s, _)| s.file).collect();
    let actual = cx.par_map(&files, |cx, file| cx.get::<db::TextSha256>(file));
    for source in &b.sources {
        let Some(meta) = &source.meta else { continue };
        if meta.sha256.is_none() {
            diags.push(
                Diagnostic::warning(
                    "missing-hash",
                    format!("source `{}` has no recorded SHA-256", source.id),
                )
                .at(meta.file, 0..0)
                .label(format!("no `{FIELD}:` in this file"))
                .help(format!(
                    "run `briefing sources --rehash {}` to record it; then a later change to the text is caught",
                    source.id
                )),
            );
        }
    }
    for ((source, recorded), actual) in wanted.into_iter().zip(actual) {
        let actual = actual.as_str();
        if actual != recorded {
            diags.push(changed(b, source, actual, quotes));
        }
    }
}

/// The diagnostic for a text that no longer matches its hash: where the
/// hash is, and which citations rest on the text.
fn changed(
    b: &Briefing,
    source: &Source,
    actual: &str,
    quotes: &FxHashMap<CiteKey, QuoteMatch>,
) -> Diagnostic {
    let meta = source.meta.as_ref().expect("only sources with metadata");
    let text_name = b.files.name(source.file);
    let message = format!(
        "source `{}` has changed since its SHA-256 was recorded",
        source.id
    );
    let d = match b.config.check.changed_sources {
        Level::Error => Diagnostic::error("source-changed", message),
        Level::Warn => Diagnostic::warning("source-changed", message),
    };
    let d = d
        .at(meta.file, span_of(&b.files, meta.file, &[Seg::Key(FIELD)]))
        .label(format!("recorded for {text_name}"))
        .note(format!("{text_name} now has SHA-256 {actual}"))
        .note(affected(b, &source.id, quotes));
    d.help(format!(
        "re-read the citations above against the new text; if the change is deliberate, run `briefing sources --rehash {}`",
        source.id
    ))
}

/// What the author should re-read: quotes still found first (nothing else
/// reports them), then citations without a quote, then quotes no longer
/// found (each also an error of its own).
fn affected(b: &Briefing, id: &str, quotes: &FxHashMap<CiteKey, QuoteMatch>) -> String {
    let mut sites: Vec<(u8, FileId, YamlPath, Option<&str>)> = Vec::new();
    for list in b.claim_lists() {
        for (ci, claim) in list.claims.iter().enumerate() {
            for (key, cite) in claim.keyed_cites(list.owner, list.field, ci) {
                if cite.source != id {
                    continue;
                }
                let rank = match &cite.quote {
                    Some(_) if quotes.contains_key(&key) => 0,
                    None => 1,
                    Some(_) => 2,
                };
                let leaf = if cite.quote.is_some() {
                    "quote"
                } else {
                    "source"
                };
                let path = list.cite_path(&key, leaf);
                sites.push((rank, list.file, path, cite.quote.as_deref()));
            }
        }
    }
    if sites.is_empty() {
        return "no claim cites it".into();
    }
    sites.sort_by(|a, b_| (a.0, b.files.name(a.1)).cmp(&(b_.0, b.files.name(b_.1))));
    let found = sites.iter().filter(|s| s.0 == 0).count();
    let lost = sites.iter().filter(|s| s.0 == 2).count();
    let bare = sites.len() - found - lost;
    let mut parts = Vec::new();
    for (n, what) in [
        (found, "still found"),
        (bare, "without a quote"),
        (lost, "no longer found"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let verb = if sites.len() == 1 { "rests" } else { "rest" };
    let mut out = format!(
        "{} {verb} on this text ({}):",
        plural(sites.len(), "citation"),
        parts.join(", ")
    );
    for (rank, file, path, quote) in sites.iter().take(LISTED) {
        let at = span_of(&b.files, *file, path).start;
        let (line, col) = b.files.line_col(*file, at);
        let what = match (rank, quote) {
            (0, Some(q)) => format!("“{}” (still found)", excerpt(q)),
            (_, Some(q)) => format!("“{}” (no longer found)", excerpt(q)),
            _ => "cited without a quote".to_owned(),
        };
        out.push_str(&format!("\n  {}:{line}:{col}: {what}", b.files.name(*file)));
    }
    if sites.len() > LISTED {
        out.push_str(&format!("\n  … and {} more", sites.len() - LISTED));
    }
    out
}

fn excerpt(quote: &str) -> String {
    let quote = quote.split_whitespace().collect::<Vec<_>>().join(" ");
    match quote.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &quote[..i]),
        None => quote,
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
