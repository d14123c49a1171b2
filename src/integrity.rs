//! Source integrity: each source's metadata records the SHA-256 of its text
//! (`sha256:`), so a text that changes after notes were written against it
//! is noticed (the rule is in [`crate::check::hashes`]).
//!
//! This module hashes, and runs `briefing sources`: a list of the sources
//! and their state, and with `--rehash` the one command that writes into
//! `content/` — only the `sha256:` line of metadata files, and only when
//! asked.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::load;
use crate::model::{Briefing, Source};
use crate::pipeline::Status;
use crate::yaml;

/// The metadata field.
pub const FIELD: &str = "sha256";

/// The SHA-256 of `bytes`, as 64 lowercase hexadecimal digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// Why `value` is not a SHA-256 as `sha256:` holds it, if it is not one.
pub fn hash_problem(value: &str) -> Option<String> {
    let chars = value.chars().count();
    if chars != 64 {
        return Some(format!(
            "`{FIELD}` has {chars} characters; a SHA-256 is 64 hexadecimal digits"
        ));
    }
    if let Some(c) = value.chars().find(|c| !matches!(c, '0'..='9' | 'a'..='f')) {
        return Some(if c.is_ascii_hexdigit() {
            format!(
                "`{FIELD}` is written in upper case; write its 64 hexadecimal digits in lower case"
            )
        } else {
            format!("`{FIELD}` contains `{c}`, which is not a hexadecimal digit (0-9, a-f)")
        });
    }
    None
}

/// `text` (a metadata file) with its `sha256:` value set to `hex`: the value
/// replaced where the line exists (its key, spacing and any comment kept),
/// else a line appended with the file's own line ending. Every other byte
/// is kept.
pub fn set_hash(text: &str, hex: &str) -> String {
    // A hash of digits and at most one `e` would read as a YAML number.
    let value = if hex.bytes().all(|b| b.is_ascii_digit() || b == b'e') {
        format!("\"{hex}\"")
    } else {
        hex.to_owned()
    };
    if let Some(range) = hash_value_range(text) {
        let mut out = String::with_capacity(text.len() + 2);
        out.push_str(&text[..range.start]);
        // `sha256:value` is not a key and value; keep one space after `:`.
        if text[..range.start].ends_with(':') {
            out.push(' ');
        }
        out.push_str(&value);
        out.push_str(&text[range.end..]);
        return out;
    }
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = text.to_owned();
    if !out.is_empty() && !out.ends_with('\n') && !out.ends_with('\r') {
        out.push_str(eol);
    }
    let _ = write!(out, "{FIELD}: {value}{eol}");
    out
}

/// The byte range of the value on the top-level `sha256:` line (empty, just
/// after the colon, when the value is missing).
fn hash_value_range(text: &str) -> Option<std::ops::Range<usize>> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let at = start;
        start += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let (skip, body) = match body.strip_prefix('\u{FEFF}') {
            Some(rest) if at == 0 => ('\u{FEFF}'.len_utf8(), rest),
            _ => (0, body),
        };
        let Some(rest) = body.strip_prefix(FIELD) else {
            continue;
        };
        let after_key = rest.trim_start_matches([' ', '\t']);
        let Some(after_colon) = after_key.strip_prefix(':') else {
            continue;
        };
        let colon_end = at + skip + FIELD.len() + (rest.len() - after_key.len()) + 1;
        let value = after_colon.trim_start_matches([' ', '\t']);
        let value_start = colon_end + (after_colon.len() - value.len());
        let len = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].find(q).map_or(value.len(), |i| i + 2),
            _ => value
                .find(" #")
                .or_else(|| value.find("\t#"))
                .unwrap_or(value.len()),
        };
        let len = value[..len].trim_end().len();
        return Some(value_start..value_start + len);
    }
    None
}

/// What a source's recorded hash says about its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// The text hashes to the recorded value.
    Matches,
    /// The text has changed since the value was recorded.
    Changed,
    /// No `sha256:`.
    Missing,
    /// `sha256:` is not 64 lowercase hexadecimal digits.
    Invalid,
    /// No metadata file, or one that does not parse.
    NoMetadata,
}

impl State {
    fn label(self) -> &'static str {
        match self {
            State::Matches => "ok",
            State::Changed => "changed",
            State::Missing => "no hash",
            State::Invalid => "bad hash",
            State::NoMetadata => "no metadata",
        }
    }
}

/// One source as `briefing sources` sees it.
struct Entry<'a> {
    source: &'a Source,
    /// The metadata file, if there is one on disk.
    meta_path: Option<PathBuf>,
    /// The text's hash, from the bytes on disk.
    actual: String,
    state: State,
}

fn entries(b: &Briefing) -> Result<Vec<Entry<'_>>> {
    b.sources
        .iter()
        .map(|source| {
            let path = b.files.path(source.file);
            let bytes =
                fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let actual = sha256_hex(&bytes);
            let meta_path = match &source.meta {
                Some(meta) => Some(b.files.path(meta.file).to_path_buf()),
                None => ["yaml", "yml"]
                    .iter()
                    .map(|ext| path.with_extension(ext))
                    .find(|p| p.is_file()),
            };
            let state = match source.meta.as_ref().map(|m| m.sha256.as_deref()) {
                None => State::NoMetadata,
                Some(None) => State::Missing,
                Some(Some(recorded)) if hash_problem(recorded).is_some() => State::Invalid,
                Some(Some(recorded)) if recorded == actual => State::Matches,
                Some(Some(_)) => State::Changed,
            };
            Ok(Entry {
                source,
                meta_path,
                actual,
                state,
            })
        })
        .collect()
}

fn load(root: &Path) -> Result<std::sync::Arc<Briefing>> {
    Ok(load::load(root)?.0)
}

/// `briefing sources`: each source's ID, the state of its hash and title.
pub fn list(root: &Path) -> Result<Status> {
    let b = load(root)?;
    let entries = entries(&b)?;
    let width = entries.iter().map(|e| e.source.id.len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for e in &entries {
        let title = e.source.meta.as_ref().map_or("", |m| m.title.as_str());
        let state = match e.state {
            State::NoMetadata if e.meta_path.is_some() => "bad metadata",
            state => state.label(),
        };
        writeln!(out, "{:width$}  {state:12}  {title}", e.source.id)?;
    }
    let stale = entries
        .iter()
        .filter(|e| matches!(e.state, State::Changed | State::Missing | State::Invalid))
        .count();
    if stale > 0 {
        eprintln!(
            "sources: {stale} of {} without an up-to-date hash; `briefing sources --rehash` records them",
            entries.len()
        );
    }
    let altered = originals(root, &b);
    for problem in &altered {
        eprintln!("error: {problem}");
    }
    Ok(if altered.is_empty() {
        Status::Ok
    } else {
        Status::ContentErrors
    })
}

/// The kept originals (`original:`) that are gone or no longer have the
/// bytes they were added with: the audit trail of a conversion is broken.
fn originals(root: &Path, b: &Briefing) -> Vec<String> {
    let dir = root
        .join(crate::load::CONTENT_DIR)
        .join(crate::load::SOURCES_DIR);
    b.sources
        .iter()
        .filter_map(|s| Some((s, s.meta.as_ref()?.original.as_ref()?)))
        .filter_map(|(s, o)| match fs::read(dir.join(&o.file)) {
            Err(e) => Some(format!(
                "the original of source `{}`, {}, cannot be read ({e}): restore it from a backup, or remove `original:` from its metadata",
                s.id, o.file
            )),
            Ok(bytes) if sha256_hex(&bytes) != o.sha256 => Some(format!(
                "the original of source `{}`, {}, has changed since it was added (its SHA-256 is not the recorded one): restore it, or if the text was re-extracted from a new download, add that as a new source",
                s.id, o.file
            )),
            Ok(_) => None,
        })
        .collect()
}

/// `briefing sources --rehash [ID...]`: records the hash of each named
/// source's text in its metadata, or, with no IDs, of every source whose
/// hash is missing, malformed or out of date. Only the `sha256:` line of
/// each metadata file changes; nothing is written when a named source does
/// not exist or has no metadata.
pub fn rehash(root: &Path, ids: &[String]) -> Result<Status> {
    let b = load(root)?;
    let entries = entries(&b)?;
    let chosen: Vec<&Entry> = if ids.is_empty() {
        entries
            .iter()
            .filter(|e| e.state != State::Matches)
            .collect()
    } else {
        let mut chosen = Vec::new();
        for id in ids {
            let Some(e) = entries.iter().find(|e| &e.source.id == id) else {
                let known: Vec<&str> = entries.iter().map(|e| e.source.id.as_str()).collect();
                let hint = if Path::new(id).is_dir() {
                    format!(
                        "; to name the briefing's folder, put it before the option: `briefing sources {id} --rehash`"
                    )
                } else {
                    match crate::check::suggest(id, known.into_iter()) {
                        Some(best) => format!(" (did you mean `{best}`?)"),
                        None => String::new(),
                    }
                };
                bail!("no source has the ID `{id}`{hint}");
            };
            if e.meta_path.is_none() {
                bail!(
                    "source `{id}` has no metadata file: write `{id}.yaml` beside its text (with `title`, `language` and `translation`) first"
                );
            }
            if !chosen.iter().any(|c: &&Entry| c.source.id == e.source.id) {
                chosen.push(e);
            }
        }
        chosen
    };
    let mut recorded = 0;
    let mut failed = 0;
    for e in chosen {
        let id = &e.source.id;
        let Some(path) = &e.meta_path else {
            eprintln!("sources: skipped `{id}`: it has no metadata file");
            continue;
        };
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        if e.state == State::NoMetadata {
            eprintln!(
                "sources: cannot record the hash of `{id}`: {name} has errors (`briefing check` shows them); fix them first"
            );
            failed += 1;
            continue;
        }
        if e.state == State::Matches {
            eprintln!("sources: `{id}` is unchanged (sha256 {})", short(&e.actual));
            continue;
        }
        write_hash(root, path, &e.actual).with_context(|| format!("cannot update {name}"))?;
        let why = match e.state {
            State::Changed => "the text had changed",
            State::Invalid => "the old value was malformed",
            _ => "it had none",
        };
        eprintln!(
            "sources: recorded sha256 {} for `{id}` in {name} ({why})",
            short(&e.actual)
        );
        recorded += 1;
    }
    match (recorded, failed) {
        (0, 0) if ids.is_empty() => eprintln!("sources: every source's hash is up to date"),
        (n, 0) if n > 1 => eprintln!("sources: {n} hashes recorded"),
        _ => {}
    }
    Ok(if failed == 0 {
        Status::Ok
    } else {
        Status::ContentErrors
    })
}

fn short(hex: &str) -> String {
    format!("{}…", &hex[..12])
}

/// Just the field rehashing must get right; everything else is the loader's.
#[derive(Deserialize)]
struct HashOnly {
    #[serde(default)]
    sha256: Option<String>,
}

/// Sets the `sha256:` value of the metadata file at `path`, through a
/// temporary file renamed into place, after checking that the new text
/// still parses and holds exactly `hex`.
fn write_hash(root: &Path, path: &Path, hex: &str) -> Result<()> {
    let text = fs::read_to_string(path)?;
    let new = set_hash(&text, hex);
    match yaml::parse::<HashOnly>(&new) {
        Ok(HashOnly { sha256: Some(h) }) if h == hex => {}
        _ => bail!(
            "the file's layout is not one this command can edit safely; add `{FIELD}: {hex}` to it by hand"
        ),
    }
    // Write through a link to the file it names, as an editor would, but
    // never outside the briefing.
    let target = fs::canonicalize(path)?;
    let inside = fs::canonicalize(root).is_ok_and(|r| target.starts_with(r));
    if !inside {
        bail!("it is a link to a file outside the briefing");
    }
    let dir = target.parent().context("a file has a folder")?;
    let file_name = target.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{file_name}.rehash{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(new.as_bytes())?;
        f.set_permissions(fs::metadata(&target)?.permissions())?;
        // The author's file, not a generated one: make it durable before it
        // replaces the old one.
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    Ok(result?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn hashes_are_lowercase_hex_of_the_exact_bytes() {
        assert_eq!(sha256_hex(b"test"), H);
        assert_ne!(sha256_hex(b"test\r\n"), sha256_hex(b"test\n"));
        assert_ne!(sha256_hex("\u{FEFF}test".as_bytes()), H);
        assert!(hash_problem(H).is_none());
        assert!(
            hash_problem(&H.to_uppercase())
                .unwrap()
                .contains("lower case")
        );
        assert!(hash_problem(&H[1..]).unwrap().contains("63 characters"));
        assert!(hash_problem(&H.replace('9', "g")).unwrap().contains("`g`"));
    }

    #[test]
    fn setting_the_hash_changes_that_value_only() {
        let old = "0".repeat(63) + "1";
        // Replaced in place: key, spacing, quotes and comment kept.
        let text = format!("# c\r\ntitle: T\r\nsha256:   {old}   # checked\r\nlanguage: en\r\n");
        assert_eq!(
            set_hash(&text, H),
            format!("# c\r\ntitle: T\r\nsha256:   {H}   # checked\r\nlanguage: en\r\n")
        );
        let quoted = format!("title: T\nsha256: \"{old}\"\n");
        assert_eq!(set_hash(&quoted, H), format!("title: T\nsha256: {H}\n"));
        assert_eq!(set_hash("sha256:\n", H), format!("sha256: {H}\n"));
        assert_eq!(set_hash("sha256: x", H), format!("sha256: {H}"));
        // A nested or longer key is not the field.
        let nested = "caveats:\n  - x\nsha256x: 1\n";
        assert_eq!(set_hash(nested, H), format!("{nested}sha256: {H}\n"));
        // Appended with the file's own line ending, after a last line
        // without one.
        assert_eq!(
            set_hash("title: T\r\nlanguage: en", H),
            format!("title: T\r\nlanguage: en\r\nsha256: {H}\r\n")
        );
        assert_eq!(
            set_hash("\u{FEFF}sha256: 1\n", H),
            format!("\u{FEFF}sha256: {H}\n")
        );
        // A hash that YAML would read as a number is quoted.
        let digits = "1".repeat(64);
        assert_eq!(set_hash("", &digits), format!("sha256: \"{digits}\"\n"));
    }
}
