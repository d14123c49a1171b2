//! The one place that knows which YAML library we use.
//!
//! Notes are deserialised with serde_yaml. It caps the *number* of alias
//! expansions, but not their size: a 1 MB note whose 200,000 aliases each
//! repeat a 300 KB string asks for 60 GB. [`expansion_over_limit`] measures
//! what aliases expand to before serde sees the text. serde_yaml is archived,
//! so nothing outside this module names it: swapping in a maintained fork
//! touches this file only.
//!
//! serde gives no positions for values that parsed fine but are wrong (an
//! unknown source ID, say), so [`locate`] finds a value's position by walking
//! the event stream of a second, span-aware parser. It runs only when a
//! diagnostic is actually reported, so the happy path parses once.

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug)]
pub struct YamlError {
    pub message: String,
    pub position: Option<Position>,
}

/// Deserialises one YAML document, a mapping of fields, into `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    // A byte-order mark is invisible in editors; it is not an error.
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if body.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---"
    }) {
        return Err(YamlError {
            message: "the file is empty: a note is a mapping of fields such as `title:`, `type:` and `claims:`".into(),
            position: Some(Position { line: 1, column: 1 }),
        });
    }
    if let Some(line) = second_document(body) {
        return Err(YamlError {
            message: "a second YAML document starts here; each file holds exactly one note (move it to a file of its own)".into(),
            position: Some(Position { line, column: 1 }),
        });
    }
    if let Some(position) = expansion_over_limit(body) {
        return Err(YamlError {
            message: format!(
                "aliases (`*name`) make this note expand to more than {} MB; reuse an anchor a few times at most, or write the values out",
                MAX_EXPANDED_BYTES >> 20
            ),
            position: Some(position),
        });
    }
    let shift = if body.len() == text.len() { 0 } else { 1 };
    serde_yaml::from_str(body).map_err(|e| {
        let position = e.location().map(|l| Position {
            line: l.line(),
            column: l.column() + if l.line() == 1 { shift } else { 0 },
        });
        YamlError {
            message: readable(&strip_location(&e.to_string())),
            position,
        }
    })
}

/// How large a note may grow once its aliases are expanded: four times the
/// largest note file, far beyond any honest use of anchors.
const MAX_EXPANDED_BYTES: u64 = 4 << 20;

/// Where an alias first takes the expanded document past
/// [`MAX_EXPANDED_BYTES`], if one does. Notes without both `&` and `*` have
/// no aliases, so the common case costs two byte scans.
fn expansion_over_limit(text: &str) -> Option<Position> {
    if !(text.contains('&') && text.contains('*')) {
        return None;
    }
    let mut meter = Expansion::default();
    // Syntax errors are serde's to report, with its own message.
    let _ = Parser::new_from_str(text).load(&mut meter, false);
    meter.over.map(|m| Position {
        line: m.line(),
        column: m.col() + 1,
    })
}

/// Counts the bytes a document expands to: scalars by length, aliases by the
/// size of what they name (which already includes aliases nested in it, so
/// exponential "billion laughs" growth is counted, saturating).
#[derive(Default)]
struct Expansion {
    /// Expanded size of each anchored node, by anchor ID.
    anchors: std::collections::HashMap<usize, u64>,
    /// Open collections: their anchor ID and the total when they began.
    open: Vec<(usize, u64)>,
    total: u64,
    over: Option<Marker>,
}

impl MarkedEventReceiver for Expansion {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, _, anchor, _) => {
                let size = value.len() as u64 + 1;
                self.total = self.total.saturating_add(size);
                if anchor > 0 {
                    self.anchors.insert(anchor, size);
                }
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).copied().unwrap_or(1);
                self.total = self.total.saturating_add(size);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.open.push((anchor, self.total));
                self.total = self.total.saturating_add(1);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = self.open.pop()
                    && anchor > 0
                {
                    self.anchors.insert(anchor, self.total - start);
                }
            }
            _ => {}
        }
        if self.total > MAX_EXPANDED_BYTES && self.over.is_none() {
            self.over = Some(mark);
        }
    }
}

/// The line (1-based) where a second document begins, if any: a `---`
/// marker after some content.
fn second_document(text: &str) -> Option<usize> {
    let mut content = false;
    for (i, line) in text.lines().enumerate() {
        let is_marker = line == "---" || line.starts_with("--- ");
        if is_marker && content {
            return Some(i + 1);
        }
        let t = line.trim();
        content |= !is_marker && !t.is_empty() && !t.starts_with('#');
    }
    None
}

/// serde names our internal structs ("expected struct RawWhoShape"); say
/// what the author has to write instead.
fn readable(message: &str) -> String {
    match message.find("expected struct ") {
        Some(i) => format!(
            "{}expected a mapping of fields (`title: …` on its own line, and so on)",
            &message[..i]
        ),
        None => message.to_owned(),
    }
}

/// serde_yaml appends " at line L column C"; we print positions ourselves.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_owned(),
        _ => message.to_owned(),
    }
}

/// One step of a path into a document: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A path from the document root, e.g. `claims[2].cite[0].source`.
pub type YamlPath = Vec<Seg>;

/// Position of the node at `path`, or of the deepest node on the way to it
/// when the path does not exist (a missing field points at its parent).
pub fn locate(text: &str, path: &[Seg]) -> Option<Position> {
    let mut finder = Finder {
        target: path,
        stack: Vec::new(),
        best: None,
    };
    // A syntax error past the node we want still leaves `best` usable.
    let _ = Parser::new_from_str(text).load(&mut finder, false);
    finder.best.map(|(_, m, _)| Position {
        line: m.line(),
        column: m.col() + 1,
    })
}

enum Frame {
    Map { key: Option<String> },
    Seq { index: usize },
}

struct Finder<'a> {
    target: &'a [Seg],
    stack: Vec<Frame>,
    /// Depth matched, where, and whether that was a key (a value at the same
    /// depth is a better answer than its key).
    best: Option<(usize, Marker, bool)>,
}

impl Finder<'_> {
    /// Whether the node reached through the first `n` frames lies on the
    /// target's path.
    fn on_path(&self, n: usize) -> bool {
        n <= self.target.len()
            && self.stack[..n]
                .iter()
                .zip(self.target)
                .all(|(frame, want)| match (frame, want) {
                    (Frame::Map { key: Some(k) }, Seg::Key(w)) => k == w,
                    (Frame::Seq { index }, Seg::Index(w)) => index == w,
                    _ => false,
                })
    }

    fn record(&mut self, depth: usize, mark: Marker, is_key: bool) {
        if !self.on_path(depth) {
            return;
        }
        let better = match self.best {
            None => true,
            Some((d, _, was_key)) => depth > d || (depth == d && was_key && !is_key),
        };
        if better {
            self.best = Some((depth, mark, is_key));
        }
    }

    /// A node has been consumed: advance the enclosing collection.
    fn advance(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key }) => *key = None,
            Some(Frame::Seq { index }) => *index += 1,
            None => {}
        }
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None }))
    }
}

impl MarkedEventReceiver for Finder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let depth = self.stack.len();
        match ev {
            Event::Scalar(value, ..) if self.expecting_key() => {
                // The parser marks a block mapping at its first colon, so a
                // mapping is located by its first key instead.
                self.record(depth - 1, mark, false);
                if let Some(Frame::Map { key }) = self.stack.last_mut() {
                    *key = Some(value);
                }
                self.record(depth, mark, true);
            }
            Event::Scalar(..) | Event::Alias(..) => {
                self.record(depth, mark, false);
                self.advance();
            }
            Event::MappingStart(..) => self.stack.push(Frame::Map { key: None }),
            Event::SequenceStart(..) => {
                self.record(depth, mark, false);
                self.stack.push(Frame::Seq { index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.advance();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "title: “T”\nclaims:\n  - text: a\n    cite:\n      - source: s1\n      - source: s2\n        quote: q\n";

    #[test]
    fn locates_nested_values() {
        let p = locate(
            DOC,
            &[
                Seg::Key("claims"),
                Seg::Index(0),
                Seg::Key("cite"),
                Seg::Index(1),
                Seg::Key("source"),
            ],
        );
        assert_eq!(
            p,
            Some(Position {
                line: 6,
                column: 17
            })
        );
    }

    #[test]
    fn missing_field_points_at_its_parent() {
        let p = locate(DOC, &[Seg::Key("claims"), Seg::Index(0), Seg::Key("date")]);
        assert_eq!(p, Some(Position { line: 3, column: 5 }));
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Note {
        title: String,
    }

    #[test]
    fn empty_files_lists_and_extra_documents_get_plain_messages() {
        let e = parse::<Note>("# nothing\n\n").unwrap_err();
        assert!(e.message.starts_with("the file is empty"), "{}", e.message);
        let e = parse::<Note>("- a\n- b\n").unwrap_err();
        assert!(
            e.message.contains("expected a mapping of fields"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("struct"), "{}", e.message);
        let e = parse::<Note>("title: a\n---\ntitle: b\n").unwrap_err();
        assert!(e.message.contains("second YAML document"), "{}", e.message);
        assert_eq!(e.position, Some(Position { line: 2, column: 1 }));
        assert!(
            parse::<Note>("---\ntitle: a\n").is_ok(),
            "a leading marker is fine"
        );
    }

    #[test]
    fn aliases_that_expand_past_the_limit_are_refused_where_they_cross_it() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Related {
            title: String,
            related: Vec<String>,
        }
        let wide = format!(
            "title: &a {}\nrelated: [{}]\n",
            "x".repeat(100_000),
            vec!["*a"; 100].join(", ")
        );
        let e = parse::<Related>(&wide).unwrap_err();
        assert!(
            e.message.contains("expand to more than 4 MB"),
            "{}",
            e.message
        );
        assert_eq!(e.position.map(|p| p.line), Some(2));
        // Nested lists of lists of aliases: exponential growth is counted.
        let mut deep = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..40 {
            deep += &format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 10].join(",")
            );
        }
        assert!(expansion_over_limit(&deep).is_some());
        // A few honest reuses are fine.
        let ok = "title: &t Ministry\nrelated: [*t, *t]\n";
        assert_eq!(
            parse::<Related>(ok).unwrap().related,
            ["Ministry", "Ministry"]
        );
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let n = parse::<Note>("\u{FEFF}title: a\n").unwrap();
        assert_eq!(n.title, "a");
    }

    #[test]
    fn parse_errors_carry_positions_and_no_location_suffix() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            title: String,
        }
        let e = parse::<T>("title: x\ntitel: y\n").unwrap_err();
        assert!(e.message.contains("unknown field `titel`"), "{}", e.message);
        assert!(!e.message.contains(" at line "), "{}", e.message);
        assert_eq!(e.position, Some(Position { line: 2, column: 1 }));
    }
}
