//! Between the briefing's world (files, byte ranges, diagnostics) and the
//! protocol's (URIs, lines and UTF-16 columns).

use std::path::{Path, PathBuf};

use lsp_types as lsp;

use crate::diag::{Diagnostic, Severity};
use crate::files::{FileId, Files};

pub fn absolute(files: &Files, id: FileId) -> PathBuf {
    let path = files.path(id);
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A problem as the editor shows it: at its primary place, with the
/// secondary places as related information, and the notes and help after
/// the message, as `briefing check` prints them.
pub fn to_lsp(files: &Files, d: &Diagnostic) -> lsp::Diagnostic {
    let label = d.primary.as_ref().expect("only located problems");
    let mut message = d.message.clone();
    for note in &d.notes {
        message.push_str(&format!("\n= {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\n= help: {help}"));
    }
    let related = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(
                    uri_of(&absolute(files, l.file))?,
                    range_of(files, l.file, &l.range),
                ),
                message: l.message.clone(),
            })
        })
        .collect::<Vec<_>>();
    lsp::Diagnostic {
        range: range_of(files, label.file, &label.range),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_owned())),
        source: Some("briefing".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// A byte range of a file as LSP positions (lines from 0, UTF-16 columns).
pub fn range_of(files: &Files, id: FileId, range: &std::ops::Range<usize>) -> lsp::Range {
    let text = files.text(id);
    let at = |offset: usize| {
        let offset = offset.min(text.len());
        let line = files.line_index(id, offset);
        let start = files.line_range(id, offset).start;
        lsp::Position::new(line as u32, utf16_len(&text[start..offset]))
    };
    lsp::Range::new(at(range.start), at(range.end))
}

pub fn utf16_len(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

/// The byte offset in `line` of UTF-16 column `character` (clamped).
pub fn byte_of(line: &str, character: u32) -> usize {
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= character as usize {
            return i;
        }
        units += c.len_utf16();
    }
    line.len()
}

/// The path of a `file:` URI.
pub fn path_of(uri: &lsp::Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = rest
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    let path = PathBuf::from(String::from_utf8(out).ok()?);
    path.is_absolute().then_some(path)
}

/// The `file:` URI of an absolute path.
pub fn uri_of(path: &Path) -> Option<lsp::Uri> {
    let mut s = String::from("file://");
    for b in path.to_str()?.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_uris_round_trip() {
        for p in ["/tmp/a b/ü.yaml", "/x/content/who/n.yaml", "/%25/[x]"] {
            let uri = uri_of(Path::new(p)).unwrap();
            assert_eq!(
                path_of(&uri).as_deref(),
                Some(Path::new(p)),
                "{}",
                uri.as_str()
            );
        }
    }

    #[test]
    fn columns_count_utf16_units() {
        assert_eq!(byte_of("a“b", 2), "a“".len());
        assert_eq!(byte_of("😀x", 2), "😀".len());
        assert_eq!(byte_of("ab", 9), 2);
        assert_eq!(utf16_len("😀"), 2);
    }
}
