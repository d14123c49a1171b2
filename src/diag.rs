//! Problems in the author's content, collected rather than thrown.
//!
//! Every stage adds [`Diagnostic`]s to a list; the command prints all of them
//! at the end, rustc-style or as JSON lines, so an author fixes a whole batch
//! per run instead of one error at a time.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files as cs_files;
use codespan_reporting::term::{self, termcolor};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::files::{FileId, Files, floor_char_boundary};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A place in a loaded file, with an optional remark shown beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub range: Range<usize>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
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

/// Sorts diagnostics — errors first, since they are what stops the build,
/// then by file and position so output is stable and reads top to bottom —
/// then prints them in the chosen format: for people on stderr,
/// as JSON lines on stdout. Everything goes through one buffer per run.
///
/// A write that fails is returned as is; [`reader_gone`] tells whether it
/// only means that nobody reads any more.
pub fn emit(files: &Files, diagnostics: &mut [Diagnostic], format: Format) -> io::Result<()> {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.primary
                .as_ref()
                .map(|l| (files.name(l.file).to_owned(), l.range.start))
        };
        b.severity.cmp(&a.severity).then(key(a).cmp(&key(b)))
    });
    match format {
        Format::Human => {
            let color = io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
            let mut out = io::BufWriter::with_capacity(1 << 16, io::stderr().lock());
            for d in diagnostics.iter() {
                out.write_all(&render(files, d, color))?;
            }
            out.flush()
        }
        Format::Json => {
            let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
            for d in diagnostics.iter() {
                out.write_all(&to_json(files, d))?;
            }
            out.flush()
        }
    }
}

/// Whether a failed write only means that the reader has gone, as when
/// `briefing check | head -1` has read its line: a normal end, after which
/// the command stops printing and exits with the content's status.
pub fn reader_gone(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// Prints one line for people on stderr. Unlike `eprintln!`, which panics
/// when stderr is closed, a line nobody can read is dropped.
pub fn say(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// The diagnostics as plain text, as `Format::Human` prints them but without
/// colour (for the browser overlay in `briefing serve`).
pub fn to_plain(files: &Files, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&String::from_utf8_lossy(&render(files, d, false)));
    }
    out
}

// ------------------------------------------------------------- bounds
//
// One diagnostic never prints more than a few kilobytes, however long the
// lines or texts it points at: a 60 MB one-line note, or a quote of a
// 500 KB YAML value in a message, used to be printed whole.

/// The longest piece of a line a snippet shows, in characters; a longer
/// line is cut to a window around the span, with `...` where it is cut
/// (as rustc does).
const WINDOW_CHARS: usize = 120;
/// How much of the line before the marked point a window shows.
const CONTEXT_CHARS: usize = 40;
/// Lines shown at the start and at the end of a span over many lines (as
/// codespan-reporting shows them); the lines between are left out.
const SPAN_HEAD_LINES: usize = 4;
const SPAN_TAIL_LINES: usize = 2;
/// Places besides the primary one shown per diagnostic.
const MAX_SECONDARY: usize = 3;
/// Caps on the free texts, in bytes: the message and the help, a label's
/// remark, one line of a note (some quote a whole line of the file, as
/// Tera's syntax errors do), one note, and all notes together.
const MAX_MESSAGE_BYTES: usize = 600;
const MAX_LABEL_BYTES: usize = 300;
const MAX_NOTE_LINE_BYTES: usize = 300;
const MAX_NOTE_BYTES: usize = 2000;
const MAX_NOTES_BYTES: usize = 3000;
/// The most one diagnostic prints. The caps above keep real ones far
/// below; this stops any that add up past it (many labels of wide
/// characters), cutting at a line.
pub const MAX_DIAGNOSTIC_BYTES: usize = 8 * 1024;

/// `text` for printing: at most `max` bytes (cut at a character, with `…`)
/// and control characters other than line breaks and tabs replaced, so that
/// nothing from the content can drive the terminal. Looks at no more of
/// `text` than it keeps.
fn clip(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    let cut = if text.len() > max {
        floor_char_boundary(text, max - '…'.len_utf8())
    } else {
        text.len()
    };
    out.extend(text[..cut].chars().map(|c| match c {
        '\n' | '\t' => c,
        c if c.is_control() => char::REPLACEMENT_CHARACTER,
        c => c,
    }));
    if cut < text.len() {
        out.push('…');
    }
    out
}

/// A note cut to [`MAX_NOTE_LINE_BYTES`] a line and [`MAX_NOTE_BYTES`] in
/// all, so that one long line does not crowd out the notes after it.
fn clip_lines(note: &str) -> String {
    let mut out = String::new();
    for line in note.split('\n') {
        if out.len() >= MAX_NOTE_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&clip(line, MAX_NOTE_LINE_BYTES));
    }
    clip(&out, MAX_NOTE_BYTES)
}

/// The notes to print, within [`MAX_NOTES_BYTES`]; notes past it are
/// counted in a last note.
fn bounded_notes(notes: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut used = 0;
    for (i, note) in notes.iter().enumerate() {
        let note = clip_lines(note);
        if used + note.len() > MAX_NOTES_BYTES {
            let left = notes.len() - i;
            out.push(format!(
                "… and {left} more note{} not shown",
                if left == 1 { "" } else { "s" }
            ));
            break;
        }
        used += note.len();
        out.push(note);
    }
    out
}

// ------------------------------------------------------------- people

/// One diagnostic as printed for people, coloured or not, at most
/// [`MAX_DIAGNOSTIC_BYTES`] long.
fn render(files: &Files, d: &Diagnostic, color: bool) -> Vec<u8> {
    let (snippets, diagnostic) = Snippets::of(files, d);
    let config = term::Config::default();
    let mut out = Vec::new();
    let done = if color {
        term::emit_to_write_style(
            &mut termcolor::Ansi::new(&mut out),
            &config,
            &snippets,
            &diagnostic,
        )
    } else {
        term::emit_to_write_style(
            &mut termcolor::NoColor::new(&mut out),
            &config,
            &snippets,
            &diagnostic,
        )
    };
    if done.is_err() {
        // The snippets are made to fit, so this is not expected; the
        // header alone still says what and where.
        out.clear();
        let place = d.primary.as_ref().map_or(String::new(), |l| {
            let (line, col) = files.line_col(l.file, l.range.start);
            let name = clip(files.name(l.file), MAX_MESSAGE_BYTES);
            format!("\n  --> {name}:{line}:{col}")
        });
        out.extend_from_slice(
            format!(
                "{}[{}]: {}{place}\n\n",
                severity_word(d.severity),
                d.code,
                clip(&d.message, MAX_MESSAGE_BYTES)
            )
            .as_bytes(),
        );
    }
    if out.len() > MAX_DIAGNOSTIC_BYTES {
        let room = MAX_DIAGNOSTIC_BYTES - 200;
        let cut = out[..room]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        out.truncate(cut);
        if color {
            out.extend_from_slice(b"\x1b[0m");
        }
        out.extend_from_slice(b"  = ... (the rest of this diagnostic is not shown)\n\n");
    }
    out
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// What codespan-reporting is given to print one diagnostic: for each file
/// it points into, a small stand-in holding only the lines shown, each cut
/// to a window around its marks, while line numbers and the `file:line:col`
/// header stay those of the real file.
struct Snippets {
    files: Vec<Snippet>,
}

struct Snippet {
    name: String,
    /// The lines shown, windowed, one per line.
    text: String,
    line_starts: Vec<usize>,
    /// The real 1-based line number of each line of `text`.
    numbers: Vec<usize>,
    /// Where each label starts in `text`, and its real line and column.
    starts: Vec<(usize, cs_files::Location)>,
}

impl Snippets {
    fn of(files: &Files, d: &Diagnostic) -> (Snippets, cs::Diagnostic<usize>) {
        let labels: Vec<(&Label, cs::LabelStyle)> = d
            .primary
            .iter()
            .map(|l| (l, cs::LabelStyle::Primary))
            .chain(
                d.secondary
                    .iter()
                    .take(MAX_SECONDARY)
                    .map(|l| (l, cs::LabelStyle::Secondary)),
            )
            .collect();
        // Labels grouped by file, in order of first mention, as
        // codespan-reporting groups them.
        let mut groups: Vec<(FileId, Vec<usize>)> = Vec::new();
        for (i, (label, _)) in labels.iter().enumerate() {
            match groups.iter_mut().find(|(f, _)| *f == label.file) {
                Some((_, members)) => members.push(i),
                None => groups.push((label.file, vec![i])),
            }
        }
        let mut snippets = Snippets { files: Vec::new() };
        let mut cs_labels = Vec::new();
        for (id, (file, members)) in groups.into_iter().enumerate() {
            let ranges: Vec<Range<usize>> =
                members.iter().map(|&i| labels[i].0.range.clone()).collect();
            let (snippet, shown) = Snippet::of(files, file, &ranges);
            snippets.files.push(snippet);
            for (&i, range) in members.iter().zip(shown) {
                let (label, style) = labels[i];
                cs_labels.push(
                    cs::Label::new(style, id, range)
                        .with_message(clip(&label.message, MAX_LABEL_BYTES)),
                );
            }
        }
        let mut notes = bounded_notes(&d.notes);
        if let Some(help) = &d.help {
            notes.push(format!("help: {}", clip(help, MAX_MESSAGE_BYTES)));
        }
        let severity = match d.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let diagnostic = cs::Diagnostic::new(severity)
            .with_code(d.code)
            .with_message(clip(&d.message, MAX_MESSAGE_BYTES))
            .with_labels(cs_labels)
            .with_notes(notes);
        (snippets, diagnostic)
    }
}

impl Snippet {
    /// The stand-in for `file` showing `ranges`, and where each range lies
    /// in it.
    fn of(files: &Files, file: FileId, ranges: &[Range<usize>]) -> (Snippet, Vec<Range<usize>>) {
        let text = files.text(file);
        let ranges: Vec<Range<usize>> = ranges
            .iter()
            .map(|r| {
                let start = floor_char_boundary(text, r.start);
                start..floor_char_boundary(text, r.end.max(start))
            })
            .collect();
        // Each line shown, with the offsets marked on it; the first mark
        // of a line (from the first label on it, the primary one first)
        // decides its window.
        let mut lines: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for r in &ranges {
            let first = files.line_index(file, r.start);
            let last = files.line_index(file, r.end);
            lines.entry(first).or_default().push(r.start);
            lines.entry(last).or_default().push(r.end);
            let whole = last - first < SPAN_HEAD_LINES + SPAN_TAIL_LINES;
            for line in first..=last {
                if whole || line < first + SPAN_HEAD_LINES || line + SPAN_TAIL_LINES > last {
                    lines.entry(line).or_default();
                }
            }
        }
        // A single line between two shown ones is shown too (codespan-
        // reporting would print it rather than a break).
        let shown: Vec<usize> = lines.keys().copied().collect();
        for pair in shown.windows(2) {
            if pair[1] - pair[0] == 2 {
                lines.entry(pair[0] + 1).or_default();
            }
        }
        let mut snippet = Snippet {
            // File names come from the content too (an invalid ID is
            // reported by its name).
            name: clip(files.name(file), MAX_MESSAGE_BYTES),
            text: String::new(),
            line_starts: Vec::new(),
            numbers: Vec::new(),
            starts: Vec::new(),
        };
        let mut at: FxHashMap<usize, usize> = FxHashMap::default();
        let mut previous: Option<usize> = None;
        for (&line, marks) in &lines {
            if previous.is_some_and(|p| line > p + 1) {
                // Two empty stand-in lines for the lines left out, so
                // that codespan-reporting prints a break there; they are
                // never shown themselves.
                for _ in 0..2 {
                    snippet.push_line("", line);
                }
            }
            previous = Some(line);
            let (line_start, line_text) = files.line_text(file, line);
            let relative: Vec<usize> = marks
                .iter()
                .map(|&m| m.saturating_sub(line_start).min(line_text.len()))
                .collect();
            let (shown, offsets) = window(line_text, &relative);
            let base = snippet.text.len();
            snippet.push_line(&shown, line + 1);
            for (&mark, offset) in marks.iter().zip(offsets) {
                at.entry(mark).or_insert(base + offset);
            }
        }
        let shown: Vec<Range<usize>> = ranges
            .iter()
            .map(|r| {
                let start = at[&r.start];
                start..at[&r.end].max(start)
            })
            .collect();
        for (r, s) in ranges.iter().zip(&shown) {
            let (line_number, column_number) = files.line_col(file, r.start);
            snippet.starts.push((
                s.start,
                cs_files::Location {
                    line_number,
                    column_number,
                },
            ));
        }
        (snippet, shown)
    }

    fn push_line(&mut self, line: &str, number: usize) {
        if !self.line_starts.is_empty() {
            self.text.push('\n');
        }
        self.line_starts.push(self.text.len());
        self.text.push_str(line);
        self.numbers.push(number);
    }
}

/// The part of `line` a snippet shows: the whole line if it has at most
/// [`WINDOW_CHARS`] characters, else that many from [`CONTEXT_CHARS`]
/// before its first mark (or its end, whichever comes first), with `...`
/// where it is cut and control characters replaced. Returns it and where
/// each of `marks` (byte offsets into `line`, at character boundaries)
/// falls in it: marks before the window fall on its start, marks after it
/// on its end, so that a span running out of the window runs to the `...`.
/// Costs a few windows' worth of work, however long the line.
fn window(line: &str, marks: &[usize]) -> (String, Vec<usize>) {
    const CUT: &str = "...";
    let back = |from: usize, n: usize| {
        line[..from]
            .char_indices()
            .rev()
            .take(n)
            .last()
            .map_or(from, |(i, _)| i)
    };
    let forward = |from: usize, n: usize| {
        line[from..]
            .char_indices()
            .nth(n)
            .map_or(line.len(), |(i, _)| from + i)
    };
    let anchor = marks.first().copied().unwrap_or(0).min(line.len());
    let mut start = back(anchor, CONTEXT_CHARS);
    let end = forward(start, WINDOW_CHARS);
    if end == line.len() {
        // Near the end of the line: show a whole window, not a sliver.
        start = back(end, WINDOW_CHARS);
    }
    let mut out = String::with_capacity(end - start + 2 * CUT.len());
    if start > 0 {
        out.push_str(CUT);
    }
    let mut order: Vec<usize> = (0..marks.len()).collect();
    order.sort_by_key(|&i| marks[i]);
    let mut offsets = vec![0; marks.len()];
    let mut next = order.iter().peekable();
    for (i, c) in line[start..end].char_indices() {
        while let Some(&&m) = next.peek() {
            if marks[m] > start + i {
                break;
            }
            // Before the window: its start, ahead of the `...`.
            offsets[m] = if marks[m] < start { 0 } else { out.len() };
            next.next();
        }
        out.push(if c.is_control() && c != '\t' {
            char::REPLACEMENT_CHARACTER
        } else {
            c
        });
    }
    let shown_end = out.len();
    if end < line.len() {
        out.push_str(CUT);
    }
    for &m in next {
        offsets[m] = if marks[m] <= end {
            shown_end
        } else {
            out.len()
        };
    }
    (out, offsets)
}

impl<'a> cs_files::Files<'a> for Snippets {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, cs_files::Error> {
        Ok(&self.get(id)?.name)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, cs_files::Error> {
        Ok(&self.get(id)?.text)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, cs_files::Error> {
        let file = self.get(id)?;
        Ok(file.line_starts.partition_point(|&s| s <= byte_index) - 1)
    }

    fn line_number(&'a self, id: usize, line_index: usize) -> Result<usize, cs_files::Error> {
        let file = self.get(id)?;
        Ok(file
            .numbers
            .get(line_index)
            .copied()
            .unwrap_or(line_index + 1))
    }

    /// The real line and column where a label starts (the only places
    /// codespan-reporting asks about), not those in the stand-in.
    fn location(
        &'a self,
        id: usize,
        byte_index: usize,
    ) -> Result<cs_files::Location, cs_files::Error> {
        let file = self.get(id)?;
        if let Some((_, location)) = file.starts.iter().find(|(at, _)| *at == byte_index) {
            return Ok(*location);
        }
        let line = self.line_index(id, byte_index)?;
        let range = self.line_range(id, line)?;
        Ok(cs_files::Location {
            line_number: self.line_number(id, line)?,
            column_number: cs_files::column_index(&file.text, range, byte_index) + 1,
        })
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, cs_files::Error> {
        let file = self.get(id)?;
        let start = *file
            .line_starts
            .get(line_index)
            .ok_or(cs_files::Error::LineTooLarge {
                given: line_index,
                max: file.line_starts.len() - 1,
            })?;
        let end = file
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

impl Snippets {
    fn get(&self, id: usize) -> Result<&Snippet, cs_files::Error> {
        self.files.get(id).ok_or(cs_files::Error::FileMissing)
    }
}

// ------------------------------------------------------------- machines

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: String,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    help: Option<String>,
    notes: Vec<String>,
}

/// One diagnostic as a JSON line, its texts bounded as for people and the
/// line at most [`MAX_DIAGNOSTIC_BYTES`] (escaping can double a text).
fn to_json(files: &Files, d: &Diagnostic) -> Vec<u8> {
    let start = d
        .primary
        .as_ref()
        .map(|l| files.line_col(l.file, l.range.start));
    let end = d
        .primary
        .as_ref()
        .map(|l| files.line_col(l.file, l.range.end));
    let mut json = JsonDiagnostic {
        severity: d.severity,
        code: d.code,
        message: clip(&d.message, MAX_MESSAGE_BYTES),
        file: d.primary.as_ref().map(|l| files.name(l.file)),
        line: start.map(|p| p.0),
        column: start.map(|p| p.1),
        end_line: end.map(|p| p.0),
        end_column: end.map(|p| p.1),
        help: d.help.as_deref().map(|h| clip(h, MAX_MESSAGE_BYTES)),
        notes: bounded_notes(&d.notes),
    };
    const CUT: &str = "… (notes cut: this diagnostic is too long)";
    loop {
        let mut line = serde_json::to_vec(&json).expect("plain data serialises");
        let cut_already = json.notes.last().is_some_and(|n| n == CUT);
        if line.len() + CUT.len() < MAX_DIAGNOSTIC_BYTES || json.notes.len() <= 1 {
            line.push(b'\n');
            return line;
        }
        // The last notes go first, and the last note says so.
        json.notes.pop();
        if cut_already {
            json.notes.pop();
        }
        json.notes.push(CUT.to_owned());
    }
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
    span_in(files.get(file), path)
}

/// [`span_of`] in one file.
pub fn span_in(file: &crate::files::File, path: &[crate::yaml::Seg]) -> Range<usize> {
    let Some(p) = crate::yaml::locate(&file.text, path) else {
        return 0..0;
    };
    let start = file.offset_of(p.line, p.column);
    let line = file.line_range(start);
    let text = &file.text;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A long line of distinct words, so that a window's place shows.
    fn long_line(words: usize) -> String {
        (0..words)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn chars(s: &str) -> usize {
        s.chars().count()
    }

    #[test]
    fn a_short_line_is_shown_whole() {
        let (shown, at) = window("title: A short line", &[7, 12]);
        assert_eq!(shown, "title: A short line");
        assert_eq!(at, [7, 12]);
    }

    #[test]
    fn a_mark_at_the_start_of_a_long_line_shows_its_beginning() {
        let line = long_line(10_000);
        let (shown, at) = window(&line, &[0, 2]);
        assert!(shown.starts_with("w0 w1 w2"), "{shown}");
        assert!(shown.ends_with("..."), "{shown}");
        assert_eq!(chars(&shown), WINDOW_CHARS + 3);
        assert_eq!(at, [0, 2]);
    }

    #[test]
    fn a_mark_in_the_middle_shows_the_text_around_it() {
        let line = long_line(10_000);
        let mark = line.find("w5000 ").unwrap();
        let (shown, at) = window(&line, &[mark, mark + 5]);
        assert!(
            shown.starts_with("...") && shown.ends_with("..."),
            "{shown}"
        );
        assert_eq!(chars(&shown), WINDOW_CHARS + 6);
        // The mark is where it was in the line, after the context kept
        // before it.
        assert_eq!(at[0], 3 + CONTEXT_CHARS);
        assert_eq!(&shown[at[0]..at[1]], "w5000");
    }

    #[test]
    fn a_mark_at_the_end_shows_a_whole_window_up_to_the_end() {
        let line = long_line(10_000);
        let (shown, at) = window(&line, &[line.len()]);
        assert!(
            shown.starts_with("...") && shown.ends_with("w9999"),
            "{shown}"
        );
        assert_eq!(chars(&shown), WINDOW_CHARS + 3);
        assert_eq!(at, [shown.len()]);
    }

    #[test]
    fn windows_cut_between_characters_of_several_bytes() {
        // 2-, 3- and 4-byte characters, so that no byte count lands on a
        // character boundary by luck.
        let line = "é中😀".repeat(20_000);
        for mark in [0, 9 * 1000, 9 * 10_000, line.len() - 9, line.len()] {
            let (shown, at) = window(&line, &[mark]);
            assert!(chars(&shown) <= WINDOW_CHARS + 6, "{} chars", chars(&shown));
            assert!(shown.is_char_boundary(at[0]), "mark {mark} at {}", at[0]);
            if mark < line.len() {
                assert!(shown[at[0]..].starts_with('é'), "mark {mark}: {shown}");
            }
        }
    }

    #[test]
    fn a_span_longer_than_the_window_runs_to_the_cut() {
        let line = long_line(10_000);
        let start = line.find("w100 ").unwrap();
        let end = line.find("w9000 ").unwrap();
        let (shown, at) = window(&line, &[start, end]);
        assert_eq!(&shown[at[0]..at[0] + 4], "w100");
        // The end is past the window: it falls after the closing `...`.
        assert_eq!(at[1], shown.len());
        assert!(shown.ends_with("..."));
    }

    #[test]
    fn control_characters_do_not_reach_the_terminal() {
        let (shown, _) = window("a\x1b[31mred\x07 b", &[0]);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        let clipped = clip("x\x1b]0;title\x07\nnext\tline", 100);
        assert_eq!(clipped, "x\u{FFFD}]0;title\u{FFFD}\nnext\tline");
        // Nor from a file's name, its message or its line.
        let mut files = Files::default();
        let name = "content/who/\x1b[2J.yaml";
        let id = files.add(name.into(), name.into(), "title: \x1b[31mred\n".into());
        let d = Diagnostic::error("invalid-id", "`\x1b[2J` is not a valid ID").at(id, 7..12);
        let out = to_plain(&files, &[d]);
        assert!(!out.contains('\x1b'), "{out:?}");
        assert!(out.contains("content/who/\u{FFFD}[2J.yaml:1:8"), "{out}");
    }

    #[test]
    fn long_texts_are_cut_at_a_character() {
        let text = "é".repeat(10_000);
        let clipped = clip(&text, MAX_MESSAGE_BYTES);
        assert!(clipped.len() <= MAX_MESSAGE_BYTES, "{}", clipped.len());
        assert!(clipped.ends_with('…'));
        assert_eq!(clip("short", MAX_MESSAGE_BYTES), "short");
    }

    fn one_file(text: &str) -> (Files, FileId) {
        let mut files = Files::default();
        let id = files.add("big.txt".into(), "content/big.txt".into(), text.into());
        (files, id)
    }

    #[test]
    fn a_diagnostic_on_a_long_line_names_the_real_place_and_stays_small() {
        let line = long_line(1_000_000);
        let (files, id) = one_file(&format!("first line\n{line}\nlast line\n"));
        let at = line.find("w777777 ").unwrap() + "first line\n".len();
        let d = Diagnostic::error("quote-not-found", "this quote is not in source `x`")
            .at(id, at..at + 7)
            .label("quoted here");
        let text = to_plain(&files, std::slice::from_ref(&d));
        assert!(text.len() < 1024, "{} bytes:\n{text}", text.len());
        let column = line[..at - 11].chars().count() + 1;
        assert!(
            text.contains(&format!("content/big.txt:2:{column}")),
            "{text}"
        );
        assert!(text.contains("2 │ ..."), "{text}");
        assert!(text.contains("w777777"), "{text}");
        let json = String::from_utf8(to_json(&files, &d)).unwrap();
        assert!(
            json.contains(&format!("\"line\":2,\"column\":{column}")),
            "{json}"
        );
    }

    #[test]
    fn a_span_over_many_long_lines_shows_its_ends_only() {
        let line = long_line(10_000);
        let text = format!("{line}\n").repeat(1000);
        let (files, id) = one_file(&text);
        let start = line.find("w50 ").unwrap();
        let end = 999 * (line.len() + 1) + line.find("w60 ").unwrap();
        let d = Diagnostic::warning("uncited-source", "x")
            .at(id, start..end)
            .label("this");
        let out = to_plain(&files, &[d]);
        assert!(out.len() < 4096, "{} bytes:\n{out}", out.len());
        assert!(out.contains("content/big.txt:1:"), "{out}");
        // The first lines, a break, the last two: real numbers throughout.
        for shown in ["1 │", "2 │", "4 │", "999 │", "1000 │"] {
            assert!(out.contains(shown), "{shown}:\n{out}");
        }
        assert!(!out.contains("\n500 │"), "{out}");
        assert!(out.contains('·'), "a break:\n{out}");
    }

    #[test]
    fn labels_on_one_long_line_share_its_window_when_close() {
        let line = long_line(100_000);
        let (files, id) = one_file(&line);
        let a = line.find("w500 ").unwrap();
        let b = line.find("w510 ").unwrap();
        let d = Diagnostic::error("x", "two places")
            .at(id, a..a + 4)
            .label("here")
            .with_secondary(id, b..b + 4, "and here".into());
        let out = to_plain(&files, &[d]);
        assert_eq!(out.matches("1 │").count(), 1, "one line shown:\n{out}");
        assert!(
            out.contains("^^^^") && out.contains("---- and here"),
            "{out}"
        );
    }

    #[test]
    fn free_texts_and_notes_are_bounded() {
        let (files, id) = one_file("x: 1\n");
        let huge = "y".repeat(1_000_000);
        let mut d = Diagnostic::error("invalid-date", format!("invalid date `{huge}`"))
            .at(id, 3..4)
            .label(huge.clone())
            .help(huge.clone());
        for _ in 0..100 {
            d = d.note(huge.clone());
        }
        let d = d.with_secondary(id, 0..1, huge.clone());
        let out = to_plain(&files, std::slice::from_ref(&d));
        assert!(out.len() <= MAX_DIAGNOSTIC_BYTES, "{} bytes", out.len());
        assert!(out.contains("more notes not shown"), "{out}");
        assert!(out.contains("= help: yyy"), "help is kept:\n{out}");
        let json = to_json(&files, &d);
        assert!(json.len() <= MAX_DIAGNOSTIC_BYTES, "{} bytes", json.len());
        // Quotes and backslashes double in JSON.
        let quotes = "\"\\".repeat(1_000_000);
        let mut d = Diagnostic::error("x", quotes.clone()).help(quotes.clone());
        for _ in 0..20 {
            d = d.note(quotes.clone());
        }
        let json = to_json(&files, &d);
        assert!(json.len() <= MAX_DIAGNOSTIC_BYTES, "{} bytes", json.len());
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert!(
            value["notes"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()
                .as_str()
                .unwrap()
                .contains("notes cut")
        );
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert!(value["message"].as_str().unwrap().ends_with('…'));
    }

    #[test]
    fn a_note_quoting_a_long_line_leaves_room_for_the_next_ones() {
        // As Tera reports a syntax error: the whole line, a caret under the
        // column, then what it expected.
        let long = "b".repeat(500_000);
        let notes = vec![
            "  |".to_owned(),
            format!("1 | {long}"),
            format!("  | {}^---", " ".repeat(250_000)),
            "  = expected an identifier".to_owned(),
        ];
        let shown = bounded_notes(&notes);
        assert_eq!(shown.len(), 4, "{shown:?}");
        assert_eq!(shown[3], "  = expected an identifier");
        assert!(shown[1].len() <= MAX_NOTE_LINE_BYTES);
    }

    #[test]
    fn a_refused_file_is_located_at_its_start() {
        let (files, id) = one_file("");
        let d = Diagnostic::error("too-large", "this file is 1073.7 MB").at(id, 0..0);
        let out = to_plain(&files, &[d]);
        assert!(out.contains("content/big.txt:1:1"), "{out}");
    }
}
