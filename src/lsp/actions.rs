//! Quick fixes for the problems the checks report: a misquote replaced by
//! the passage it meant, a misspelt ID by the one suggested, an undeclared
//! near-copy declared. Each is an edit the editor applies; the server never
//! writes a file.

use std::collections::HashMap;

use lsp_types as lsp;

use crate::diag::Diagnostic;
use crate::files::Files;

use super::protocol::{absolute, range_of, to_lsp, uri_of};

/// The fixes for the problems of `file` (a path) that touch `range`.
pub fn for_range(
    files: &Files,
    diags: &[Diagnostic],
    path: &std::path::Path,
    range: lsp::Range,
) -> Vec<lsp::CodeAction> {
    diags
        .iter()
        .filter(|d| {
            d.primary.as_ref().is_some_and(|l| {
                absolute(files, l.file) == path && {
                    let r = range_of(files, l.file, &l.range);
                    r.start <= range.end && range.start <= r.end
                }
            })
        })
        .filter_map(|d| fix(files, d))
        .collect()
}

fn fix(files: &Files, d: &Diagnostic) -> Option<lsp::CodeAction> {
    let label = d.primary.as_ref()?;
    let here = |new_text: String| {
        let uri = uri_of(&absolute(files, label.file))?;
        Some((
            uri,
            vec![lsp::TextEdit::new(
                range_of(files, label.file, &label.range),
                new_text,
            )],
        ))
    };
    let (title, (uri, edits)) = match d.code {
        "quote-not-found" => {
            let closest = d.secondary.first()?;
            let passage = &files.text(closest.file)[closest.range.clone()];
            let passage = passage.split_whitespace().collect::<Vec<_>>().join(" ");
            (
                "Replace the quote with the closest passage of the source".to_owned(),
                here(crate::quote::yaml_string(&passage))?,
            )
        }
        "undeclared-relation" => {
            let help = d.help.as_deref()?;
            let of = between(help, "add `derived_from: [", "]`")?;
            let file = label.file;
            let text = files.text(file);
            let uri = uri_of(&absolute(files, file))?;
            (
                format!("Declare that this source derives from `{of}`"),
                (uri, vec![derived_from_edit(files, file, text, of)]),
            )
        }
        _ => {
            let suggestion = between(d.help.as_deref()?, "did you mean `", "`")?;
            (
                format!("Change to `{suggestion}`"),
                here(suggestion.to_owned())?,
            )
        }
    };
    Some(lsp::CodeAction {
        title,
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![to_lsp(files, d)]),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(HashMap::from([(uri, edits)])),
            ..Default::default()
        }),
        is_preferred: Some(true),
        ..Default::default()
    })
}

/// The text between the first `open` and the next `close` in `s`.
fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

/// Adds `of` to a metadata file's `derived_from:`: into its flow list if
/// it has one (`derived_from: [a]` → `[a, of]`), else as a new line after
/// the first.
fn derived_from_edit(
    files: &Files,
    file: crate::files::FileId,
    text: &str,
    of: &str,
) -> lsp::TextEdit {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("derived_from:")
            && let Some(close) = rest.rfind(']')
        {
            let at = offset + "derived_from:".len() + close;
            let empty = rest[..close].trim().ends_with('[');
            let insert = if empty {
                of.to_owned()
            } else {
                format!(", {of}")
            };
            return lsp::TextEdit::new(range_of(files, file, &(at..at)), insert);
        }
        offset += line.len();
    }
    let after_first = text.find('\n').map_or(text.len(), |i| i + 1);
    let prefix = if text[..after_first].ends_with('\n') {
        ""
    } else {
        "\n"
    };
    lsp::TextEdit::new(
        range_of(files, file, &(after_first..after_first)),
        format!("{prefix}derived_from: [{of}]\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_read_from_the_help() {
        assert_eq!(
            between("did you mean `report-a`?", "did you mean `", "`"),
            Some("report-a")
        );
        assert_eq!(
            between(
                "if `x` copies…, add `derived_from: [y]` to content/sources/x.yaml",
                "add `derived_from: [",
                "]`"
            ),
            Some("y")
        );
        assert_eq!(between("no suggestion", "did you mean `", "`"), None);
    }
}
