//! Problems in the author's content, collected rather than thrown.
//!
//! Every stage adds [`Diagnostic`]s to a list; the command prints all of them
//! at the end, rustc-style or as JSON lines, so an author fixes a whole batch
//! per run instead of one error at a time.

use std::io::{self, IsTerminal, Write};
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

use crate::files::{FileId, Files};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A place in a loaded file, with an optional remark shown beside it.
#[derive(Clone, Debug)]
pub struct Label {
    pub file: FileId,
    pub range: Range<usize>,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable, kebab-case identifier of the rule (see docs/format.md).
    pub code: &'static str,
    pub message: String,
    /// Where the problem is. `None` only for problems that have no place,
    /// such as a missing directory.
    pub primary: Option<Label>,
    /// Other places worth showing, such as the closest passage of a source.
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn at(mut self, file: FileId, range: Range<usize>) -> Self {
        self.primary = Some(Label {
            file,
            range,
            message: String::new(),
        });
        self
    }

    pub fn label(mut self, message: impl Into<String>) -> Self {
        if let Some(primary) = &mut self.primary {
            primary.message = message.into();
        }
        self
    }

    pub fn with_secondary(mut self, file: FileId, range: Range<usize>, message: String) -> Self {
        self.secondary.push(Label {
            file,
            range,
            message,
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style, with the offending line quoted (on stderr).
    #[default]
    Human,
    /// One JSON object per line (on stdout), for editors and CI.
    Json,
}

/// Counts of what was reported, for the summary line and the exit code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
}

impl Tally {
    pub fn of(diagnostics: &[Diagnostic]) -> Tally {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        Tally {
            errors,
            warnings: diagnostics.len() - errors,
        }
    }
}

/// Sorts diagnostics by file and position so output is stable and reads top
/// to bottom, then prints them in the chosen format.
pub fn emit(files: &Files, diagnostics: &mut [Diagnostic], format: Format) -> io::Result<()> {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.primary
                .as_ref()
                .map(|l| (files.name(l.file).to_owned(), l.range.start))
        };
        key(a).cmp(&key(b)).then(b.severity.cmp(&a.severity))
    });
    match format {
        Format::Human => emit_human(files, diagnostics),
        Format::Json => emit_json(files, diagnostics),
    }
}

fn emit_human(files: &Files, diagnostics: &[Diagnostic]) -> io::Result<()> {
    let choice = if io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        termcolor::ColorChoice::Auto
    } else {
        termcolor::ColorChoice::Never
    };
    let mut stderr = termcolor::StandardStream::stderr(choice);
    let config = term::Config::default();
    for d in diagnostics {
        term::emit_to_write_style(&mut stderr, &config, files, &to_codespan(d))
            .map_err(io::Error::other)?;
    }
    Ok(())
}

/// The diagnostics as plain text, as `Format::Human` prints them but without
/// colour (for the browser overlay in `briefing serve`).
pub fn to_plain(files: &Files, diagnostics: &[Diagnostic]) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for d in diagnostics {
        let _ = term::emit_to_string(&mut out, &config, files, &to_codespan(d));
    }
    out
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<FileId> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(cs::Label::primary(p.file, p.range.clone()).with_message(&p.message));
    }
    for s in &d.secondary {
        labels.push(cs::Label::secondary(s.file, s.range.clone()).with_message(&s.message));
    }
    let mut notes = d.notes.clone();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    help: Option<&'a str>,
    notes: &'a [String],
}

fn emit_json(files: &Files, diagnostics: &[Diagnostic]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for d in diagnostics {
        let start = d
            .primary
            .as_ref()
            .map(|l| files.line_col(l.file, l.range.start));
        let end = d
            .primary
            .as_ref()
            .map(|l| files.line_col(l.file, l.range.end));
        let json = JsonDiagnostic {
            severity: d.severity,
            code: d.code,
            message: &d.message,
            file: d.primary.as_ref().map(|l| files.name(l.file)),
            line: start.map(|p| p.0),
            column: start.map(|p| p.1),
            end_line: end.map(|p| p.0),
            end_column: end.map(|p| p.1),
            help: d.help.as_deref(),
            notes: &d.notes,
        };
        serde_json::to_writer(&mut out, &json)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The closing line, e.g. `check: 2 errors, 1 warning`.
pub fn summary(verb: &str, tally: Tally) -> String {
    fn plural(n: usize, word: &str) -> String {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    }
    format!(
        "{verb}: {}, {}",
        plural(tally.errors, "error"),
        plural(tally.warnings, "warning")
    )
}

/// Promotes warnings to errors (`--deny-warnings`).
pub fn deny_warnings(diagnostics: &mut [Diagnostic]) {
    for d in diagnostics {
        if d.severity == Severity::Warning {
            d.severity = Severity::Error;
            d.notes
                .push("warnings are denied (--deny-warnings or [check] deny-warnings)".into());
        }
    }
}

/// The byte range of the YAML node at `path` in `file`: the scalar itself
/// where it can tell (a quoted string, an item of a `[flow, list]`), else
/// the rest of the line. Falls back to the start of the file.
pub fn span_of(files: &Files, file: FileId, path: &[crate::yaml::Seg]) -> Range<usize> {
    let Some(p) = crate::yaml::locate(files.text(file), path) else {
        return 0..0;
    };
    let start = files.offset_of(file, p.line, p.column);
    let line = files.line_range(file, start);
    let text = files.text(file);
    let rest = &text[start..line.end.max(start)];
    let before = &text[line.start..start];
    let in_flow = before.matches(['[', '{']).count() > before.matches([']', '}']).count();
    let len = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => rest[1..].find(q).map_or(rest.len(), |i| i + 2),
        _ if in_flow => rest.find([',', ']', '}']).unwrap_or(rest.len()),
        _ => rest.len(),
    };
    start..start + rest[..len].trim_end().len()
}
