//! Save-to-site-updated latency of `briefing watch` for a one-note edit.
//!
//! Run: `cargo bench --bench watch_latency` (add `-- --quick` for a short
//! run). For the shipped briefing and synthetic briefings of 10,000 notes
//! and 1,000 sources of both shapes (`synth.rs`), it starts the release
//! binary in watch mode, then repeatedly rewrites one note's claim and
//! measures the time from the write to the moment the note's page on disk
//! holds the new text, and to the moment the whole-briefing files
//! (`print.html`, `briefing.json`, `searchindex.js`) all do. It reports p50
//! and p95 of both, and checks that the final site equals a fresh build.

#[path = "synth.rs"]
mod synth;

#[path = "support/corpus.rs"]
mod corpus;

#[path = "support/watch.rs"]
mod watch;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use synth::Shape;

fn briefing() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_briefing"))
}

fn assert_equals_fresh_build(root: &Path) {
    let fresh = tempfile::tempdir().unwrap();
    let out = Command::new(briefing())
        .args(["build", "-d", fresh.path().to_str().unwrap()])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success());
    let diff = Command::new("diff")
        .args(["-r", "-q"])
        .arg(root.join("book"))
        .arg(fresh.path())
        .output()
        .unwrap();
    assert!(
        diff.status.success(),
        "watched site differs from a fresh build:\n{}",
        String::from_utf8_lossy(&diff.stdout)
    );
}

fn report(label: &str, what: &str, times: &[f64]) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{label:<44} {what:<22} runs {:>3}  p50 {:>7.1} ms  p95 {:>7.1} ms  min {:>6.1} ms  max {:>7.1} ms",
        sorted.len(),
        watch::percentile(&sorted, 0.5),
        watch::percentile(&sorted, 0.95),
        sorted[0],
        sorted[sorted.len() - 1]
    );
}

fn measure(label: &str, root: &Path, note: &str, page: &str, runs: usize) {
    let times = watch::measure_edits(briefing(), root, note, page, runs, Duration::from_secs(120))
        .unwrap_or_else(|e| panic!("{label}: {e:#}"));
    report(label, "save → page", &times.page);
    report(label, "save → whole-briefing", &times.whole);
    assert_equals_fresh_build(root);
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 5 } else { 40 };
    let scratch: PathBuf =
        std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    println!(
        "watch latency, debounce 10 ms, {runs} edits each: save → the note's page on disk, \
         and save → all of {} on disk",
        watch::WHOLE_BRIEFING_FILES.join(", ")
    );

    let shipped = tempfile::tempdir_in(&scratch).unwrap();
    corpus::copy_shipped(shipped.path());
    measure(
        "shipped briefing",
        shipped.path(),
        "content/who/apt31.yaml",
        "who/apt31.html",
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
        let i = 1234 % notes;
        measure(
            &format!("{}, {notes} notes / {} sources", shape.name(), made.sources),
            synthetic.path(),
            &synth::note_path(i),
            &synth::note_page(i),
            runs,
        );
    }
}
