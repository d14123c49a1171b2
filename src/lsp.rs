//! `briefing lsp`: a language server for briefings, over stdio.
//!
//! It runs the checks of `briefing check` — the same engine, through
//! [`pipeline::checked`], kept between runs as `watch` keeps it — on the
//! texts the editor has open, unsaved edits included (an overlay in the
//! file database: [`crate::files::Files::set_overlay`]), and publishes the
//! problems of every file, so an edit to one note updates the diagnostics
//! of the notes that depend on it. It completes source IDs after `source:`,
//! note IDs in reference lists, and quotes: inside `quote:` the words typed
//! so far are searched in the cited source (the search of
//! `briefing quote`) and the exact passages offered. It never writes a
//! file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;

use crate::cache::Cache;
use crate::diag::{Diagnostic, Severity};
use crate::files::{FileId, Files};
use crate::pipeline::{self, Timings};

/// `briefing lsp`: serves until the editor shuts it down.
pub fn run(dir: &Path) -> Result<()> {
    let (connection, io_threads) = Connection::stdio();
    let capabilities = lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::FULL,
        )),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![
                ":".into(),
                " ".into(),
                "\"".into(),
                ",".into(),
                "[".into(),
            ]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let init = connection
        .initialize(serde_json::to_value(capabilities)?)
        .context("the editor did not start the language server protocol")?;
    let root = root_of(&init).unwrap_or_else(|| dir.to_path_buf());
    let mut server = Server {
        root,
        cache: Cache::default(),
        published: BTreeSet::new(),
        loaded: None,
    };
    server.recheck(&connection)?;
    serve(&connection, &mut server)?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}

struct Server {
    root: PathBuf,
    cache: Cache,
    /// The files with problems last published: cleared when they have none.
    published: BTreeSet<PathBuf>,
    /// The briefing as last loaded (for completion).
    loaded: Option<Arc<crate::load::Loaded>>,
}

fn serve(connection: &Connection, server: &mut Server) -> Result<()> {
    while let Ok(message) = connection.receiver.recv() {
        let mut changed = false;
        let mut next = Some(message);
        // Everything already waiting is handled before the checks run
        // again: a burst of keystrokes is one run.
        while let Some(message) = next.take() {
            match message {
                Message::Request(request) => {
                    if connection.handle_shutdown(&request)? {
                        return Ok(());
                    }
                    let response = server.answer(request);
                    connection.sender.send(Message::Response(response))?;
                }
                Message::Notification(n) => changed |= server.notified(n),
                Message::Response(_) => {}
            }
            next = connection.receiver.try_recv().ok();
        }
        if changed {
            server.recheck(connection)?;
        }
    }
    Ok(())
}

impl Server {
    /// Applies a notification; whether the checks must run again.
    fn notified(&mut self, n: Notification) -> bool {
        let files = &mut self.cache.engine.db.files;
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params)
                else {
                    return false;
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return false;
                };
                files.set_overlay(path, Some(p.text_document.text));
                true
            }
            "textDocument/didChange" => {
                let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                else {
                    return false;
                };
                let (Some(path), Some(change)) = (
                    path_of(&p.text_document.uri),
                    p.content_changes.into_iter().last(),
                ) else {
                    return false;
                };
                // Full synchronisation: each change is the whole text.
                files.set_overlay(path, Some(change.text));
                true
            }
            "textDocument/didClose" => {
                let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                else {
                    return false;
                };
                if let Some(path) = path_of(&p.text_document.uri) {
                    files.set_overlay(path, None);
                }
                true
            }
            // A file changed on disk (a source re-downloaded, a note
            // saved by another program): the scan sees it.
            "textDocument/didSave" | "workspace/didChangeWatchedFiles" => true,
            _ => false,
        }
    }

    fn answer(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match request.method.as_str() {
            "textDocument/completion" => {
                match serde_json::from_value::<lsp::CompletionParams>(request.params) {
                    Ok(p) => Response::new_ok(id, self.complete(&p)),
                    Err(e) => Response::new_err(
                        id,
                        ErrorCode::InvalidParams as i32,
                        format!("invalid completion request: {e}"),
                    ),
                }
            }
            method => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("briefing lsp does not answer `{method}`"),
            ),
        }
    }

    /// Runs the checks and publishes every file's problems.
    fn recheck(&mut self, connection: &Connection) -> Result<()> {
        let settings = crate::db::Settings { site_url: None };
        let checked =
            match pipeline::checked(&self.root, settings, &mut self.cache, &mut Timings::start()) {
                Ok(c) => c,
                Err(e) => {
                    // No book.toml, an unreadable folder: said once, in the
                    // editor, and tried again at the next change.
                    let message = lsp::ShowMessageParams {
                        typ: lsp::MessageType::ERROR,
                        message: format!("briefing: {e:#}"),
                    };
                    connection
                        .sender
                        .send(Message::Notification(Notification::new(
                            "window/showMessage".into(),
                            message,
                        )))?;
                    return Ok(());
                }
            };
        let mut by_file: BTreeMap<PathBuf, Vec<lsp::Diagnostic>> = BTreeMap::new();
        for d in &checked.diags {
            if let Some(label) = &d.primary {
                let path = absolute(&checked.files, label.file);
                by_file
                    .entry(path)
                    .or_default()
                    .push(to_lsp(&checked.files, d));
            }
        }
        let gone: Vec<PathBuf> = self
            .published
            .iter()
            .filter(|p| !by_file.contains_key(*p))
            .cloned()
            .collect();
        for path in gone {
            by_file.insert(path, Vec::new());
        }
        self.published.clear();
        for (path, diagnostics) in by_file {
            let Some(uri) = uri_of(&path) else { continue };
            if !diagnostics.is_empty() {
                self.published.insert(path);
            }
            let params = lsp::PublishDiagnosticsParams {
                uri,
                diagnostics,
                version: None,
            };
            connection
                .sender
                .send(Message::Notification(Notification::new(
                    "textDocument/publishDiagnostics".into(),
                    params,
                )))?;
        }
        self.loaded = Some(checked.loaded);
        Ok(())
    }

    fn complete(&self, p: &lsp::CompletionParams) -> Vec<lsp::CompletionItem> {
        let position = p.text_document_position.position;
        let Some(path) = path_of(&p.text_document_position.text_document.uri) else {
            return Vec::new();
        };
        let (Some(loaded), Some(text)) = (&self.loaded, self.text_of(&path)) else {
            return Vec::new();
        };
        let b = &loaded.briefing;
        let lines: Vec<&str> = text.split('\n').collect();
        let Some(line) = lines.get(position.line as usize) else {
            return Vec::new();
        };
        let cut = byte_of(line, position.character);
        let before = &line[..cut];
        let body = before.trim_start();
        let body = body.strip_prefix("- ").unwrap_or(body).trim_start();
        let indent = cut - body.len();
        let range = |from: usize| lsp::Range {
            start: lsp::Position::new(position.line, utf16_len(&line[..from])),
            end: position,
        };
        if let Some(typed) = body.strip_prefix("source:") {
            let from = indent + "source:".len() + (typed.len() - typed.trim_start().len());
            let typed = typed.trim();
            return b
                .sources
                .iter()
                .filter(|s| s.id.contains(typed))
                .map(|s| lsp::CompletionItem {
                    label: s.id.clone(),
                    kind: Some(lsp::CompletionItemKind::REFERENCE),
                    detail: s
                        .meta
                        .as_ref()
                        .map(|m| format!("{} — {}", m.short_label(), m.title)),
                    text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
                        range(from),
                        s.id.clone(),
                    ))),
                    ..Default::default()
                })
                .collect();
        }
        if let Some(typed) = body.strip_prefix("quote:") {
            let from = indent + "quote:".len() + (typed.len() - typed.trim_start().len());
            let words = typed.trim().trim_start_matches(['"', '\'']);
            let Some(source) = cited_source(&lines, position.line as usize) else {
                return Vec::new();
            };
            if words.split_whitespace().count() == 0 {
                return Vec::new();
            }
            let scope = crate::quote::Scope::Source(&source);
            let Ok(found) = crate::quote::find(b, scope, words, 5) else {
                return Vec::new();
            };
            // The whole rest of the line is replaced, closing quote and all.
            let whole = lsp::Range {
                start: range(from).start,
                end: lsp::Position::new(position.line, utf16_len(line)),
            };
            return found
                .into_iter()
                .enumerate()
                .map(|(rank, f)| {
                    let value = crate::quote::yaml_string(&f.quote);
                    lsp::CompletionItem {
                        label: f.quote.clone(),
                        kind: Some(lsp::CompletionItemKind::TEXT),
                        detail: Some(format!(
                            "¶{} of {}: {} of {} words found",
                            f.paragraph, f.source, f.passage.matched, f.passage.typed
                        )),
                        filter_text: Some(line[from..].to_owned()),
                        sort_text: Some(format!("{rank:02}")),
                        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
                            whole, value,
                        ))),
                        ..Default::default()
                    }
                })
                .collect();
        }
        let lists = ["related:", "actors:", "responders:", "responding_to:"];
        if lists.iter().any(|k| body.starts_with(k)) {
            let from = before.rfind(['[', ',', ' ', ':']).map_or(cut, |i| i + 1);
            let typed = &before[from..];
            return b
                .notes
                .iter()
                .filter(|n| n.id.contains(typed))
                .map(|n| lsp::CompletionItem {
                    label: n.id.clone(),
                    kind: Some(lsp::CompletionItemKind::REFERENCE),
                    detail: Some(n.title.clone()),
                    text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
                        range(from),
                        n.id.clone(),
                    ))),
                    ..Default::default()
                })
                .collect();
        }
        Vec::new()
    }

    /// A document's text as the checks see it: open (unsaved) or on disk.
    fn text_of(&self, path: &Path) -> Option<String> {
        let files = &self.cache.engine.db.files;
        files
            .overlay(path)
            .map(str::to_owned)
            .or_else(|| std::fs::read_to_string(path).ok())
    }
}

/// The `source:` of the citation the line `at` belongs to: the nearest
/// `source:` line of the same list item, above or below.
fn cited_source(lines: &[&str], at: usize) -> Option<String> {
    let value = |l: &str| {
        let t = l.trim_start();
        let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
        t.strip_prefix("source:")
            .map(|v| v.trim().trim_matches(['"', '\'']).to_owned())
    };
    let starts_item = |l: &str| l.trim_start().starts_with("- ");
    for i in (0..=at).rev() {
        if let Some(v) = value(lines[i]) {
            return Some(v);
        }
        if starts_item(lines[i]) {
            break;
        }
    }
    for l in &lines[at + 1..] {
        if starts_item(l) {
            break;
        }
        if let Some(v) = value(l) {
            return Some(v);
        }
    }
    None
}

/// The folder the editor opened, from `initialize`.
fn root_of(init: &serde_json::Value) -> Option<PathBuf> {
    let params: lsp::InitializeParams = serde_json::from_value(init.clone()).ok()?;
    #[allow(deprecated)]
    let uri = params
        .workspace_folders
        .and_then(|f| f.into_iter().next().map(|f| f.uri))
        .or(params.root_uri)?;
    path_of(&uri)
}

fn absolute(files: &Files, id: FileId) -> PathBuf {
    let path = files.path(id);
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A problem as the editor shows it: at its primary place, with the
/// secondary places as related information, and the notes and help after
/// the message, as `briefing check` prints them.
fn to_lsp(files: &Files, d: &Diagnostic) -> lsp::Diagnostic {
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
fn range_of(files: &Files, id: FileId, range: &std::ops::Range<usize>) -> lsp::Range {
    let text = files.text(id);
    let at = |offset: usize| {
        let offset = offset.min(text.len());
        let line = files.line_index(id, offset);
        let start = files.line_range(id, offset).start;
        lsp::Position::new(line as u32, utf16_len(&text[start..offset]))
    };
    lsp::Range::new(at(range.start), at(range.end))
}

fn utf16_len(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

/// The byte offset in `line` of UTF-16 column `character` (clamped).
fn byte_of(line: &str, character: u32) -> usize {
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
fn path_of(uri: &lsp::Uri) -> Option<PathBuf> {
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
fn uri_of(path: &Path) -> Option<lsp::Uri> {
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

    #[test]
    fn a_quote_line_finds_its_citations_source() {
        let lines = [
            "    cite:",
            "      - source: report-a",
            "        quote: \"hostile",
            "      - quote: other",
            "        source: report-b",
        ];
        assert_eq!(cited_source(&lines, 2).as_deref(), Some("report-a"));
        assert_eq!(cited_source(&lines, 3).as_deref(), Some("report-b"));
    }
}
