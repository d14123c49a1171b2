//! Save-to-site-updated latency of `briefing watch` for a one-note edit.
//!
//! Run: `cargo bench --bench watch_latency` (add `-- --quick` for a short
//! run, as CI does). For the shipped briefing and a synthetic briefing of
//! 10,000 notes and 1,000 sources, it starts the release binary in watch
//! mode, then repeatedly rewrites one note's claim and measures the time
//! from the write to the moment the note's page on disk holds the new text.
//! It reports p50 and p95, and checks that the final site equals a fresh
//! build.

#[path = "synth.rs"]
mod synth;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn briefing() -> &'static str {
    env!("CARGO_BIN_EXE_briefing")
}

struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_watch(root: &Path) -> Watch {
    let mut child = Command::new(briefing())
        .arg("watch")
        .current_dir(root)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start briefing watch");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        if line.unwrap().starts_with("watch: watching") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Watch(child)
}

fn wait_until_contains(path: &Path, marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if fs::read_to_string(path).is_ok_and(|s| s.contains(marker)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} never showed {marker}",
            path.display()
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// Edits `note` (a file with a `- text: ` line) `runs` times; returns the
/// latencies in ms.
fn measure(root: &Path, note: &str, page: &str, runs: usize) -> Vec<f64> {
    let _watch = start_watch(root);
    let note_path = root.join(note);
    let page_path = root.join("book").join(page);
    let original = fs::read_to_string(&note_path).unwrap();
    let mut times = Vec::new();
    for k in 0..runs {
        let marker = format!("Edited{k}x{}", std::process::id());
        let edited = original.replacen("- text: ", &format!("- text: {marker} "), 1);
        let edited = edited.replacen("- text: \"", &format!("- text: \"{marker} "), 1);
        let started = Instant::now();
        fs::write(&note_path, &edited).unwrap();
        wait_until_contains(&page_path, &marker);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        // Let the watcher settle, as a person's saves are seconds apart.
        std::thread::sleep(Duration::from_millis(60));
    }
    times
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

fn report(label: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    println!(
        "{label:<40} runs {:>3}  p50 {:>7.1} ms  p95 {:>7.1} ms  min {:>6.1} ms  max {:>7.1} ms",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times[0],
        times[times.len() - 1]
    );
}

fn copy_shipped(to: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(repo.join("book.toml"), to.join("book.toml")).unwrap();
    let status = Command::new("cp")
        .arg("-r")
        .arg(repo.join("content"))
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 5 } else { 40 };
    let scratch: PathBuf =
        std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    println!("watch latency (save → page on disk updated), debounce 10 ms, {runs} edits each");

    let shipped = tempfile::tempdir_in(&scratch).unwrap();
    copy_shipped(shipped.path());
    let times = measure(
        shipped.path(),
        "content/who/apt31.yaml",
        "who/apt31.html",
        runs,
    );
    report("shipped briefing", times);
    assert_equals_fresh_build(shipped.path());

    let notes = if quick { 1_000 } else { 10_000 };
    let synthetic = tempfile::tempdir_in(&scratch).unwrap();
    synth::generate(synthetic.path(), notes, 42);
    let times = measure(
        synthetic.path(),
        &synth::note_path(1234 % notes),
        &synth::note_page(1234 % notes),
        runs,
    );
    report(
        &format!("synthetic, {notes} notes / {} sources", notes / 10),
        times,
    );
    assert_equals_fresh_build(synthetic.path());
}
