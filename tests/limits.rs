//! Limits: however large a file of the briefing or however long its lines,
//! `check` neither reads it whole nor prints it whole, and a reader that
//! stops reading (`| head -1`) is a normal end.
//!
//! Oversized files are sparse (`File::set_len`), so a gigabyte costs no
//! disk. Each diagnostic is held to what the README promises: under 10 KB,
//! naming the real file:line:col and showing the text around the problem.

mod support;

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Seek};
use std::process::{Command, Stdio};

use support::BriefingTest;

const GB: u64 = 1 << 30;
/// The most one diagnostic may print.
const MAX_DIAGNOSTIC: usize = 10 * 1024;

/// How a run of `briefing` ended, and the most memory it held.
struct Measured {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Peak resident memory in KiB, where the system tells it.
    peak_kib: Option<u64>,
}

/// Runs `briefing ARGS` in the briefing's folder, output to files (so
/// nothing blocks on a full pipe), and measures its peak resident memory
/// from the rusage `wait4` returns for that one child.
fn measured(t: &BriefingTest, args: &[&str]) -> Measured {
    let mut out = tempfile::tempfile().unwrap();
    let mut err = tempfile::tempfile().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(args)
        .current_dir(t.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .unwrap();
    let (code, peak_kib) = wait_measured(&mut child);
    let read = |f: &mut File| {
        let mut bytes = Vec::new();
        f.rewind().unwrap();
        f.read_to_end(&mut bytes).unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Measured {
        code,
        stdout: read(&mut out),
        stderr: read(&mut err),
        peak_kib,
    }
}

#[cfg(target_os = "linux")]
fn wait_measured(child: &mut std::process::Child) -> (Option<i32>, Option<u64>) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data, and `wait4` writes only into the two
    // locals it is given; the child is ours and not waited for elsewhere.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // Linux gives ru_maxrss in KiB.
    (code, Some(usage.ru_maxrss as u64))
}

#[cfg(not(target_os = "linux"))]
fn wait_measured(child: &mut std::process::Child) -> (Option<i32>, Option<u64>) {
    (child.wait().unwrap().code(), None)
}

impl Measured {
    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            cut(&self.stdout),
            cut(&self.stderr)
        );
        self
    }

    /// Each diagnostic printed for people, from its `error[…]` or
    /// `warning[…]` line to the next (the last one with the summary).
    fn diagnostics(&self) -> Vec<&str> {
        let text = self.stderr.as_str();
        let starts: Vec<usize> = (0..text.len())
            .filter(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
            .filter(|&i| text[i..].starts_with("error[") || text[i..].starts_with("warning["))
            .collect();
        starts
            .iter()
            .enumerate()
            .map(|(n, &s)| &text[s..starts.get(n + 1).copied().unwrap_or(text.len())])
            .collect()
    }

    /// The human diagnostic with this code; every one of them small.
    fn human(&self, code: &str) -> &str {
        let all = self.diagnostics();
        for d in &all {
            assert!(d.len() < MAX_DIAGNOSTIC, "{} bytes:\n{}", d.len(), cut(d));
        }
        let header = format!("[{code}]");
        all.into_iter()
            .find(|d| d.lines().next().unwrap().contains(&header))
            .unwrap_or_else(|| panic!("no {code}:\n{}", cut(&self.stderr)))
    }

    /// The JSON diagnostic with this code; every line small.
    fn json(&self, code: &str) -> serde_json::Value {
        let mut found = None;
        for line in self.stdout.lines() {
            assert!(
                line.len() < MAX_DIAGNOSTIC,
                "{} bytes: {}",
                line.len(),
                cut(line)
            );
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            if value["code"] == code && found.is_none() {
                found = Some(value);
            }
        }
        found.unwrap_or_else(|| panic!("no {code}:\n{}", cut(&self.stdout)))
    }

    /// Asserts that the run held far less memory than the file it refused.
    fn expect_small_memory(&self, file_bytes: u64) -> &Self {
        if let Some(kib) = self.peak_kib {
            assert!(
                kib * 1024 < file_bytes / 8,
                "peak memory {} MiB for a {} MiB file",
                kib / 1024,
                file_bytes >> 20
            );
        }
        self
    }
}

/// The start of a long text, for failure messages that do not flood either.
fn cut(text: &str) -> &str {
    let mut end = text.len().min(4000);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A sparse file of `len` bytes (replacing any file there).
fn sparse(t: &BriefingTest, rel: &str, len: u64) {
    let path = t.path().join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    File::create(&path).unwrap().set_len(len).unwrap();
}

/// `n` distinct words, so that what a window shows tells where it is.
fn words(prefix: &str, n: usize) -> String {
    let mut out = String::with_capacity(n * (prefix.len() + 8));
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        write!(out, "{prefix}{i:07}").unwrap();
    }
    out
}

/// The 1-based column of byte `offset` in one-line ASCII text.
fn column(line: &str, offset: usize) -> usize {
    line[..offset].chars().count() + 1
}

// ------------------------------------------------------------ oversized

#[test]
fn a_gigabyte_file_of_any_kind_is_refused_before_it_is_read() {
    let note = "a note or metadata file may be at most 1 MB";
    for (rel, limit) in [
        ("content/who/huge.yaml", note),
        ("content/sources/report-a.yaml", note),
        ("content/front.yaml", note),
        ("book.toml", "book.toml may be at most 1 MB"),
        ("content/sources/huge.txt", "a source may be at most 16 MB"),
        ("templates/note.html", "a template may be at most 1 MB"),
        (
            "templates/static/huge.css",
            "a static file may be at most 64 MB",
        ),
    ] {
        let t = BriefingTest::new("basic");
        sparse(&t, rel, GB);
        let run = measured(&t, &["check"]);
        run.expect_code(1).expect_small_memory(GB);
        let d = run.human("too-large");
        assert!(
            d.contains(&format!("this file is 1073.7 MB; {limit}")),
            "{rel}:\n{d}"
        );
        assert!(d.contains(&format!("┌─ {rel}:1:1")), "{rel}:\n{d}");
        assert!(
            run.stderr.len() < 4 * MAX_DIAGNOSTIC,
            "{rel}:\n{}",
            run.stderr
        );

        let run = measured(&t, &["check", "--format", "json"]);
        run.expect_code(1).expect_small_memory(GB);
        let d = run.json("too-large");
        assert_eq!(d["file"], rel);
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(1), Some(1))
        );
        assert!(d["message"].as_str().unwrap().ends_with(limit), "{d}");
    }
}

#[test]
fn a_source_exactly_at_the_limit_is_read_and_one_byte_more_is_not() {
    let t = BriefingTest::new("basic");
    let limit = 16_000_000;
    let mut text = words("s", limit / 9 + 1);
    text.truncate(limit);
    fs::write(t.path().join("content/sources/big.txt"), &text).unwrap();
    let run = measured(&t, &["check"]);
    // Read: it is a source nobody cites.
    run.expect_code(0);
    let d = run.human("uncited-source");
    assert!(d.contains("┌─ content/sources/big.txt:1:1"), "{d}");
    // The start of its one line, cut.
    assert!(d.contains("1 │ s0000000 s0000001"), "{d}");
    assert!(d.lines().nth(3).unwrap().ends_with("..."), "{d}");
    let run = measured(&t, &["check", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(
        run.json("uncited-source")["file"],
        "content/sources/big.txt"
    );

    text.push('x');
    fs::write(t.path().join("content/sources/big.txt"), &text).unwrap();
    let run = measured(&t, &["check"]);
    run.expect_code(1);
    assert!(
        run.human("too-large")
            .contains("this file is 16.0 MB; a source may be at most 16 MB")
    );
}

// ------------------------------------------------------------ long lines

#[test]
fn a_misquote_of_a_one_line_source_of_5_mb_shows_the_passage_in_a_window() {
    let source = words("s", 560_000);
    let source = &source[..5_000_000];
    let quoted: Vec<String> = (300_000..300_012).map(|i| format!("s{i:07}")).collect();
    let mut misquote = quoted.clone();
    misquote[6] = "zzzz".into();
    let t = BriefingTest::new("basic")
        .file("content/sources/big.txt", source)
        .file(
            "content/sources/big.yaml",
            "title: Big\nlanguage: en\ntranslation: none\n",
        )
        .file(
            "content/what/big-event.yaml",
            &format!(
                "title: Big\ndate: \"2024-03-25\"\nclaims:\n  - text: A claim.\n    cite:\n      - source: big\n        quote: \"{}\"\n",
                misquote.join(" ")
            ),
        );
    let run = measured(&t, &["check"]);
    run.expect_code(1);
    let d = run.human("quote-not-found");
    assert!(d.contains("┌─ content/what/big-event.yaml:7:16"), "{d}");
    let col = column(source, source.find(&quoted[0]).unwrap());
    assert!(
        d.contains(&format!("┌─ content/sources/big.txt:1:{col}")),
        "{d}"
    );
    // The window: the words before the passage, the passage, a cut.
    assert!(
        d.contains("1 │ ...") && d.contains("s0299999 s0300000 s0300001"),
        "{d}"
    );
    assert!(d.contains("closest passage"), "{d}");

    let run = measured(&t, &["check", "--format", "json"]);
    run.expect_code(1);
    let d = run.json("quote-not-found");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(7), Some(16))
    );
    let says = d["notes"].as_array().unwrap().iter();
    assert!(
        says.filter_map(|n| n.as_str())
            .any(|n| n.contains(&quoted.join(" "))),
        "{d}"
    );
}

#[test]
fn long_lines_in_notes_are_shown_around_the_problem() {
    // A 500 KB quoted value with a bad escape in the middle; a 500 KB flow
    // list with an unknown ID in the middle; a date of 500 KB.
    let half = words("w", 28_000);
    let long_title = format!("title: \"{half} \\q {half}\"\ntype: person\nclaims: []\n");
    let ids = vec!["ministry"; 30_000].join(", ");
    let flow = format!(
        "title: Flow\ntype: person\nrelated: [{ids}, nosuch, {ids}]\nclaims:\n  - text: x\n    cite: [{{source: report-a}}]\n"
    );
    let date = format!(
        "title: D\ndate: \"{}\"\nclaims:\n  - text: x\n    cite: [{{source: report-a}}]\n",
        "9".repeat(500_000)
    );
    let t = BriefingTest::new("basic")
        .file("content/who/long.yaml", &long_title)
        .file("content/who/flow.yaml", &flow)
        .file("content/what/date.yaml", &date);
    let run = measured(&t, &["check"]);
    run.expect_code(1);

    let d = run.human("yaml");
    let line = long_title.lines().next().unwrap();
    let col = column(line, line.find("\\q").unwrap());
    assert!(
        d.contains(&format!("┌─ content/who/long.yaml:1:{col}")),
        "{d}"
    );
    assert!(d.contains("w0027999 \\q w0000000"), "{d}");

    let d = run.human("unknown-note");
    let line = flow.lines().nth(2).unwrap();
    let col = column(line, line.find("nosuch").unwrap());
    assert!(
        d.contains(&format!("┌─ content/who/flow.yaml:3:{col}")),
        "{d}"
    );
    assert!(d.contains("ministry, nosuch, ministry"), "{d}");

    let d = run.human("invalid-date");
    assert!(d.contains("┌─ content/what/date.yaml:2:7"), "{d}");
    assert!(d.contains("invalid date `9999"), "{d}");

    let run = measured(&t, &["check", "--format", "json"]);
    run.expect_code(1);
    for code in ["yaml", "unknown-note", "invalid-date"] {
        run.json(code);
    }
    assert_eq!(run.json("unknown-note")["line"], 3);
}

#[test]
fn a_long_line_of_book_toml_is_shown_around_an_unknown_key() {
    let description = words("d", 60_000);
    let toml = format!("book = {{ title = \"T\", description = \"{description}\", nosuch = 1 }}\n");
    let t = BriefingTest::new("basic").file("book.toml", &toml);
    let run = measured(&t, &["check"]);
    run.expect_code(1);
    let d = run.human("config");
    assert!(d.contains("unknown field `nosuch`"), "{d}");
    let col = column(&toml, toml.find("nosuch").unwrap());
    assert!(d.contains(&format!("┌─ book.toml:1:{col}")), "{d}");
    assert!(d.contains("d0059999\", nosuch = 1 }"), "{d}");

    let run = measured(&t, &["check", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(run.json("config")["column"].as_u64(), Some(col as u64));
}

#[test]
fn a_long_line_template_is_shown_around_its_syntax_error() {
    let half = words("b", 28_000);
    let template = format!("<p>{half} {{{{ oops( }}}} {half}</p>\n");
    let t = BriefingTest::new("basic").file("templates/note.html", &template);
    let run = measured(&t, &["check"]);
    run.expect_code(1);
    let d = run.human("template");
    // Tera points at what it found instead of the identifier it expected.
    let col = column(&template, template.find("( }}").unwrap() + 2);
    assert!(
        d.contains(&format!("┌─ templates/note.html:1:{col}")),
        "{d}"
    );
    assert!(d.contains("b0027999 {{ oops( }} b0000000"), "{d}");
    // What Tera expected, after its own copy of the line, is still shown.
    assert!(d.contains("expected"), "{d}");

    let run = measured(&t, &["check", "--format", "json"]);
    run.expect_code(1);
    run.json("template");
}

// ------------------------------------------------------------ closed pipes

/// A briefing with a thousand errors: more output than a pipe holds.
fn many_errors() -> BriefingTest {
    let t = BriefingTest::new("basic");
    for i in 0..1000 {
        let path = t.path().join(format!("content/who/n{i}.yaml"));
        fs::write(
            path,
            "title: N\ntype: person\nclaims:\n  - text: x\n    cite: [{source: nosuch}]\n",
        )
        .unwrap();
    }
    t
}

/// Runs `briefing ARGS`, reads the first line of its stdout or stderr, then
/// closes that pipe; returns the exit code and the other stream.
fn first_line_then_close(
    t: &BriefingTest,
    args: &[&str],
    from_stderr: bool,
) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_briefing"));
    cmd.args(args)
        .current_dir(t.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let (read, other): (Box<dyn Read>, Box<dyn Read>) = if from_stderr {
        (
            Box::new(child.stderr.take().unwrap()),
            Box::new(child.stdout.take().unwrap()),
        )
    } else {
        (
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        )
    };
    let mut first = String::new();
    BufReader::new(read).read_line(&mut first).unwrap();
    // Dropping the reader closed the pipe; what the other stream says
    // comes to an end with the process.
    let mut rest = String::new();
    BufReader::new(other).read_to_string(&mut rest).unwrap();
    (child.wait().unwrap().code(), first, rest)
}

#[test]
fn json_into_a_pipe_closed_after_the_first_line_exits_with_the_content_status() {
    let t = many_errors();
    let (code, first, stderr) = first_line_then_close(&t, &["check", "--format", "json"], false);
    assert!(first.starts_with('{'), "{first}");
    assert_eq!(code, Some(1), "stderr: {}", cut(&stderr));
    assert!(stderr.is_empty(), "{}", cut(&stderr));
}

#[test]
fn human_output_into_a_closed_stderr_exits_with_the_content_status() {
    let t = many_errors();
    let (code, first, stdout) = first_line_then_close(&t, &["check"], true);
    assert!(
        first.starts_with("warning[") || first.starts_with("error["),
        "{first}"
    );
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty(), "{}", cut(&stdout));
    // The same for `build`, which has more to say after the diagnostics.
    let (code, _, _) = first_line_then_close(&t, &["build"], true);
    assert_eq!(code, Some(1));
    assert!(!t.path().join("book").exists(), "nothing written");
}
