//! Keystroke-to-diagnostics latency of `briefing lsp`.
//!
//! Run: `cargo bench --bench lsp_latency` (add `-- --quick` for a short
//! run). For the shipped briefing and synthetic briefings of 10,000 notes
//! of both shapes (`synth.rs`), it starts the release binary as a language
//! server, opens one note, and then sends edits of its unsaved text, as an
//! editor sends keystrokes: each alternately breaks a citation (its source
//! ID misspelt) and mends it. It measures the time from sending the edit
//! to receiving the note's diagnostics in the new state (the error shown,
//! or gone), and reports p50 and p95.

#[path = "synth.rs"]
mod synth;

#[path = "support/corpus.rs"]
mod corpus;

#[path = "support/watch.rs"]
mod watch;

#[path = "../tests/support/lsp_client.rs"]
mod client;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use client::{Client, uri};
use serde_json::json;
use synth::Shape;

fn measure(label: &str, root: &Path, note: &str, runs: usize) {
    let root = root.canonicalize().unwrap();
    let path = root.join(note);
    let text = fs::read_to_string(&path).unwrap();
    // The first cited source's ID, misspelt (block or flow style alike).
    let at = text
        .find("source: ")
        .unwrap_or_else(|| panic!("{note} cites no source"))
        + "source: ".len();
    let id_len = text[at..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(text.len() - at);
    let broken = format!("{}-misspelt{}", &text[..at + id_len], &text[at + id_len..]);
    let started = Instant::now();
    let mut c = Client::start(&root);
    // The first response comes after the first full check.
    c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&path)}, "position": {"line": 0, "character": 0}}),
    );
    let ready = started.elapsed().as_secs_f64() * 1e3;
    let uri = uri(&path);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 0, "text": text}}),
    );
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        let breaks = run % 2 == 0;
        let new = if breaks { &broken } else { &text };
        let sent = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": run + 1}, "contentChanges": [{"text": new}]}),
        );
        c.diagnostics(note, |d| {
            d.iter().any(|d| d["code"] == "unknown-source") == breaks
        });
        // The wait above also returns on a state already shown; the edit
        // that mends is only measured once the error has gone.
        times.push(sent.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{label:<44} first check {ready:>7.0} ms   keystroke → diagnostics: runs {:>3}  p50 {:>6.1} ms  p95 {:>6.1} ms  max {:>6.1} ms",
        times.len(),
        watch::percentile(&times, 0.5),
        watch::percentile(&times, 0.95),
        times[times.len() - 1]
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 10 } else { 60 };
    let scratch: PathBuf =
        std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    println!(
        "briefing lsp: {runs} edits of one open note each, alternately breaking and mending a citation"
    );
    let shipped = tempfile::tempdir_in(&scratch).unwrap();
    corpus::copy_shipped(shipped.path());
    measure(
        "shipped briefing",
        shipped.path(),
        "content/who/apt31.yaml",
        runs,
    );
    let notes = if quick { 1_000 } else { 10_000 };
    let shapes: &[Shape] = if quick {
        &[Shape::Standard]
    } else {
        &Shape::ALL
    };
    for &shape in shapes {
        let synthetic = tempfile::tempdir_in(&scratch).unwrap();
        let made = shape.generate(synthetic.path(), notes, 42);
        measure(
            &format!("{}, {notes} notes / {} sources", shape.name(), made.sources),
            synthetic.path(),
            &synth::note_path(1234 % notes),
            runs,
        );
    }
}
