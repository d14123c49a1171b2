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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;

mod actions;
mod navigate;
mod protocol;

use crate::cache::Cache;
use crate::load::{self, Changed, Shape};
use crate::pipeline::{self, Timings};

use protocol::{absolute, byte_of, path_of, to_lsp, uri_of, utf16_len};

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
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    };
    let init = connection
        .initialize(serde_json::to_value(capabilities)?)
        .context("the editor did not start the language server protocol")?;
    let root = root_of(&init).unwrap_or_else(|| dir.to_path_buf());
    let mut server = Server {
        root,
        cache: Cache::default(),
        published: BTreeMap::new(),
        loaded: None,
        problems: None,
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
    /// The problems last published for each file that has any: sent again
    /// only when they change, cleared when they are gone.
    published: BTreeMap<PathBuf, Vec<lsp::Diagnostic>>,
    /// The briefing as last loaded (for completion and navigation).
    loaded: Option<Arc<crate::load::Loaded>>,
    /// The files as last checked and their problems (for quick fixes).
    problems: Option<(crate::files::Files, Vec<crate::diag::Diagnostic>)>,
}

fn serve(connection: &Connection, server: &mut Server) -> Result<()> {
    while let Ok(message) = connection.receiver.recv() {
        let mut changed: Option<Changed> = None;
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
                Message::Notification(n) => {
                    changed = match (changed, server.notified(n)) {
                        (None, new) | (new, None) => new,
                        (Some(Changed::Files(mut a)), Some(Changed::Files(b))) => {
                            a.extend(b);
                            Some(Changed::Files(a))
                        }
                        _ => Some(Changed::Everything),
                    }
                }
                Message::Response(_) => {}
            }
            next = connection.receiver.try_recv().ok();
        }
        if let Some(changed) = changed {
            server.cache.changed = changed;
            server.recheck(connection)?;
        }
    }
    Ok(())
}

impl Server {
    /// Applies a notification; what it changed, if anything (the next
    /// scan reads again only the files named, or everything).
    fn notified(&mut self, n: Notification) -> Option<Changed> {
        let files = &mut self.cache.engine.db.files;
        let one = |path: PathBuf| Some(Changed::Files([path].into()));
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let p: lsp::DidOpenTextDocumentParams = serde_json::from_value(n.params).ok()?;
                let path = path_of(&p.text_document.uri)?;
                files.set_overlay(path.clone(), Some(p.text_document.text));
                one(path)
            }
            "textDocument/didChange" => {
                let p: lsp::DidChangeTextDocumentParams = serde_json::from_value(n.params).ok()?;
                let path = path_of(&p.text_document.uri)?;
                // Full synchronisation: each change is the whole text.
                let change = p.content_changes.into_iter().last()?;
                files.set_overlay(path.clone(), Some(change.text));
                one(path)
            }
            "textDocument/didClose" => {
                let p: lsp::DidCloseTextDocumentParams = serde_json::from_value(n.params).ok()?;
                let path = path_of(&p.text_document.uri)?;
                files.set_overlay(path.clone(), None);
                one(path)
            }
            "textDocument/didSave" => {
                let p: lsp::DidSaveTextDocumentParams = serde_json::from_value(n.params).ok()?;
                one(path_of(&p.text_document.uri)?)
            }
            // Files changed on disk (a source re-downloaded, a note saved
            // by another program, a file created or removed).
            "workspace/didChangeWatchedFiles" => {
                let p: lsp::DidChangeWatchedFilesParams = serde_json::from_value(n.params).ok()?;
                let mut paths = std::collections::BTreeSet::new();
                for change in p.changes {
                    match path_of(&change.uri) {
                        Some(path) if change.typ == lsp::FileChangeType::CHANGED => {
                            paths.insert(path);
                        }
                        _ => return Some(Changed::Everything),
                    }
                }
                Some(Changed::Files(paths))
            }
            _ => None,
        }
    }

    fn answer(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let params = request.params;
        match request.method.as_str() {
            "textDocument/completion" => respond(id, params, |p| self.complete(&p)),
            "textDocument/hover" => respond(id, params, |p: lsp::HoverParams| {
                let (b, target) = self.target(&p.text_document_position_params)?;
                Some(lsp::Hover {
                    contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                        kind: lsp::MarkupKind::Markdown,
                        value: navigate::hover(b, &target)?,
                    }),
                    range: None,
                })
            }),
            "textDocument/definition" => respond(id, params, |p: lsp::GotoDefinitionParams| {
                let (b, target) = self.target(&p.text_document_position_params)?;
                navigate::definition(b, &target).map(lsp::GotoDefinitionResponse::Scalar)
            }),
            "textDocument/references" => respond(id, params, |p: lsp::ReferenceParams| {
                let (b, target) = self.target(&p.text_document_position)?;
                let mut found = navigate::references(b, &target);
                if p.context.include_declaration
                    && let Some(at) = navigate::definition(b, &target)
                {
                    found.insert(0, at);
                }
                Some(found)
            }),
            "textDocument/codeAction" => respond(id, params, |p: lsp::CodeActionParams| {
                let (files, diags) = self.problems.as_ref()?;
                let path = path_of(&p.text_document.uri)?;
                Some(actions::for_range(files, diags, &path, p.range))
            }),
            method => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("briefing lsp does not answer `{method}`"),
            ),
        }
    }

    /// The briefing and what the cursor at `at` is on.
    fn target(
        &self,
        at: &lsp::TextDocumentPositionParams,
    ) -> Option<(&crate::model::Briefing, navigate::Target)> {
        let b = &self.loaded.as_ref()?.briefing;
        let text = self.text_of(&path_of(&at.text_document.uri)?)?;
        let lines: Vec<&str> = text.split('\n').collect();
        let line = lines.get(at.position.line as usize)?;
        let col = byte_of(line, at.position.character);
        let target = navigate::target_at(b, &lines, at.position.line as usize, col)?;
        Some((b, target))
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
        // Only what changed is sent: a keystroke in one note does not
        // resend the problems of a thousand others.
        let gone: Vec<PathBuf> = self
            .published
            .keys()
            .filter(|p| !by_file.contains_key(*p))
            .cloned()
            .collect();
        for path in gone {
            self.published.remove(&path);
            publish(connection, &path, Vec::new())?;
        }
        for (path, diagnostics) in by_file {
            if self.published.get(&path) == Some(&diagnostics) {
                continue;
            }
            publish(connection, &path, diagnostics.clone())?;
            self.published.insert(path, diagnostics);
        }
        self.loaded = Some(checked.loaded);
        self.problems = Some((checked.files, checked.diags));
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
            let Some(source) = navigate::item_value(&lines, position.line as usize, "source:")
            else {
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
        if let Some(items) = fields_and_values(&self.root, &path, &lines, position, body, indent) {
            return items;
        }
        let lists = ["related:", "actors:", "responders:", "responding_to:"];
        // A markdown link to a note, `[text](note:ID)`, being written.
        let link = before
            .rfind("(note:")
            .map(|i| i + "(note:".len())
            .filter(|&i| !before[i..].contains(')'));
        if link.is_some() || lists.iter().any(|k| body.starts_with(k)) {
            let from =
                link.unwrap_or_else(|| before.rfind(['[', ',', ' ', ':']).map_or(cut, |i| i + 1));
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

/// Field names where a field is being started (`ro` → `role: `), and the
/// values of an enumerated field after its key (`type: g` → `government`),
/// for the part of the file the line is in.
fn fields_and_values(
    root: &Path,
    path: &Path,
    lines: &[&str],
    position: lsp::Position,
    body: &str,
    column: usize,
) -> Option<Vec<lsp::CompletionItem>> {
    let shape = shape_at(root, path, lines, position.line as usize, column)?;
    let line = lines[position.line as usize];
    let item = |label: String, insert: String, from: usize, kind| lsp::CompletionItem {
        label,
        kind: Some(kind),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
            lsp::Range {
                start: lsp::Position::new(position.line, utf16_len(&line[..from])),
                end: position,
            },
            insert,
        ))),
        ..Default::default()
    };
    let is_word = |w: &str| w.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    if is_word(body) {
        let items = load::fields(shape)
            .into_iter()
            .filter(|f| f.starts_with(body))
            .map(|f| {
                item(
                    f.clone(),
                    format!("{f}: "),
                    column,
                    lsp::CompletionItemKind::FIELD,
                )
            })
            .collect();
        return Some(items);
    }
    let (key, typed) = body.split_once(':')?;
    let values = load::values(shape, key);
    if values.is_empty() {
        return None;
    }
    let from = column + key.len() + 1 + (typed.len() - typed.trim_start().len());
    let typed = typed.trim();
    Some(
        values
            .into_iter()
            .filter(|v| v.starts_with(typed))
            .map(|v| item(v.clone(), v, from, lsp::CompletionItemKind::ENUM_MEMBER))
            .collect(),
    )
}

/// Which part of a briefing's file line `at` (its key at `column`) is in:
/// the file's own fields at the left margin, else those of the list the
/// nearest key above and to the left opens (`cite:`, `claims:`…).
fn shape_at(root: &Path, path: &Path, lines: &[&str], at: usize, column: usize) -> Option<Shape> {
    let rel = path.strip_prefix(root.join(load::CONTENT_DIR)).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let top = if rel == Path::new(load::FRONT_FILE) {
        Shape::Front
    } else if first == load::SOURCES_DIR {
        Shape::SourceMeta
    } else {
        Shape::Note(*crate::model::Kind::ALL.iter().find(|k| k.dir() == first)?)
    };
    if column == 0 {
        return Some(top);
    }
    for line in lines[..at].iter().rev() {
        let body = line
            .trim_start()
            .strip_prefix("- ")
            .unwrap_or(line.trim_start());
        let col = line.len() - body.len();
        let opens = body.strip_suffix(':').filter(|k| !k.contains(' '));
        match opens {
            Some(key)
                if col < column || (col == column && lines[at].trim_start().starts_with("- ")) =>
            {
                return Some(match key {
                    "cite" => Shape::Citation,
                    "disagreements" => Shape::Disagreement,
                    "original" => Shape::Original,
                    _ => Shape::Claim,
                });
            }
            _ if col < column && !body.is_empty() && !line.trim_start().starts_with("- ") => {
                return Some(top);
            }
            _ => {}
        }
    }
    Some(top)
}

/// Sends the problems of the file at `path` (none: it has no more).
fn publish(connection: &Connection, path: &Path, diagnostics: Vec<lsp::Diagnostic>) -> Result<()> {
    let Some(uri) = uri_of(path) else {
        return Ok(());
    };
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
    Ok(())
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

/// The response to a request whose parameters are `P`: `answer`'s result
/// (`null` when it has none), or an error saying the parameters could not
/// be read.
fn respond<P: serde::de::DeserializeOwned, R: serde::Serialize>(
    id: lsp_server::RequestId,
    params: serde_json::Value,
    answer: impl FnOnce(P) -> R,
) -> Response {
    match serde_json::from_value::<P>(params) {
        Ok(p) => Response::new_ok(id, answer(p)),
        Err(e) => Response::new_err(
            id,
            ErrorCode::InvalidParams as i32,
            format!("invalid parameters: {e}"),
        ),
    }
}
