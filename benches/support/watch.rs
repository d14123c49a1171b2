//! `briefing watch` under a benchmark: start it, save one note again and
//! again, and time each save until the edit is on disk — in the note's own
//! page, and in the whole-briefing files (`print.html`, `briefing.json`,
//! `searchindex.js`), which carry every note and so change with every edit.
#![allow(dead_code)]

use anyhow::{Context, Result, bail, ensure};
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// The files of a build that hold every note.
pub const WHOLE_BRIEFING_FILES: [&str; 3] = ["print.html", "briefing.json", "searchindex.js"];

/// `briefing watch`, killed (with its process group) when dropped.
pub struct Watch {
    child: Child,
    lines: Receiver<String>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        kill_group(self.child.id());
        let _ = self.child.wait();
    }
}

impl Watch {
    pub fn start(briefing: &Path, root: &Path, timeout: Duration) -> Result<Watch> {
        let mut child = Command::new(briefing)
            .arg("watch")
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .context("start briefing watch")?;
        let stderr = child.stderr.take().context("watch stderr")?;
        let (tx, lines) = mpsc::channel();
        // Keep draining after the receiver is gone, so the pipe never fills.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let watch = Watch { child, lines };
        watch
            .wait_for_line("watch: watching", timeout)
            .context("briefing watch did not start")?;
        Ok(watch)
    }

    /// Waits for a stderr line starting with `prefix`; on failure, the error
    /// quotes what the watcher printed instead.
    pub fn wait_for_line(&self, prefix: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut seen = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return Ok(()),
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                }
                Err(_) => bail!(
                    "no line starting {prefix:?} within {} s; it printed:\n{}",
                    timeout.as_secs(),
                    tail(&seen, 3000)
                ),
            }
        }
    }

    pub fn drain(&self) {
        while self.lines.try_recv().is_ok() {}
    }
}

/// Kills a process group.
pub fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .status();
}

/// The last `max` bytes of `s` (at a character boundary).
pub fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// What tells that a file was replaced or rewritten: its inode, size and
/// modification time (`None`: not there).
type Stamp = Option<(u64, u64, i64, i64)>;

fn stamp(path: &Path) -> Stamp {
    let m = fs::metadata(path).ok()?;
    Some((m.ino(), m.size(), m.mtime(), m.mtime_nsec()))
}

fn holds(path: &Path, marker: &str) -> bool {
    fs::read(path).is_ok_and(|bytes| memchr::memmem::find(&bytes, marker.as_bytes()).is_some())
}

/// Latencies of the edits, in ms: save → the note's page on disk holds the
/// edit; save → all the whole-briefing files do.
pub struct EditTimes {
    pub page: Vec<f64>,
    pub whole: Vec<f64>,
}

/// `text` with `marker` put at the start of its first claim's text.
fn mark_first_claim(text: &str, marker: &str) -> Result<String> {
    for (from, to) in [
        ("- text: \"", format!("- text: \"{marker} ")),
        ("- text: ", format!("- text: {marker} ")),
    ] {
        if text.contains(from) {
            return Ok(text.replacen(from, &to, 1));
        }
    }
    bail!("the note has no `- text:` to edit")
}

/// Writes `edited` to `note`, then waits until each of `files` holds
/// `marker`; returns, for each, the time from the write to the moment it
/// was first seen to. Files are polled by their metadata (cheap, and all of
/// them in each round, so a big file being read does not delay noticing
/// another); a file whose metadata changed is read to see whether it holds
/// the edit yet.
fn time_edit(
    note: &Path,
    edited: &str,
    files: &[PathBuf],
    marker: &str,
    timeout: Duration,
) -> Result<Vec<f64>> {
    let mut last: Vec<Stamp> = files.iter().map(|f| stamp(f)).collect();
    let mut seen: Vec<Option<f64>> = vec![None; files.len()];
    let started = Instant::now();
    fs::write(note, edited).with_context(|| format!("write {}", note.display()))?;
    while seen.iter().any(Option::is_none) {
        let changed: Vec<(usize, f64)> = files
            .iter()
            .enumerate()
            .filter(|&(k, f)| seen[k].is_none() && stamp(f) != last[k])
            .map(|(k, _)| (k, started.elapsed().as_secs_f64() * 1e3))
            .collect();
        for (k, ms) in changed {
            last[k] = stamp(&files[k]);
            if holds(&files[k], marker) {
                seen[k] = Some(ms);
            }
        }
        if started.elapsed() > timeout {
            let missing: Vec<String> = files
                .iter()
                .zip(&seen)
                .filter(|(_, s)| s.is_none())
                .map(|(f, _)| f.display().to_string())
                .collect();
            bail!(
                "{} never showed the edit within {} s",
                missing.join(", "),
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    Ok(seen.into_iter().flatten().collect())
}

/// Starts `briefing watch` on `root` (building into `root/book`), then
/// `edits` times puts a new marker into the first claim of `note` (a path
/// relative to `root`) and times the save until `page` (relative to the
/// build directory) and the whole-briefing files hold it. Saves are
/// spaced as a person's would be: each after the previous rebuild ended
/// and a pause. The note is restored at the end.
pub fn measure_edits(
    briefing: &Path,
    root: &Path,
    note: &str,
    page: &str,
    edits: usize,
    timeout: Duration,
) -> Result<EditTimes> {
    let watch = Watch::start(briefing, root, timeout)?;
    let note = root.join(note);
    let book = root.join("book");
    let mut files = vec![book.join(page)];
    files.extend(WHOLE_BRIEFING_FILES.iter().map(|f| book.join(f)));
    let original = fs::read_to_string(&note).with_context(|| format!("read {}", note.display()))?;
    let mut times = EditTimes {
        page: Vec::with_capacity(edits),
        whole: Vec::with_capacity(edits),
    };
    for k in 0..edits {
        let marker = format!("Edited{k}x{}", std::process::id());
        let edited = mark_first_claim(&original, &marker)?;
        watch.drain();
        let seen = time_edit(&note, &edited, &files, &marker, timeout)
            .with_context(|| format!("watch edit {}", k + 1))?;
        ensure!(seen.len() == files.len(), "edit {} not seen", k + 1);
        times.page.push(seen[0]);
        times
            .whole
            .push(seen[1..].iter().copied().fold(0.0, f64::max));
        // Let the rebuild finish (its summary line comes after the files
        // are written). Bounded and not fatal: the line is only a hint.
        let _ = watch.wait_for_line("rebuild:", Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(100));
    }
    fs::write(&note, &original)?;
    // Let the watcher see the restored note before it is killed, so the
    // site on disk ends up matching the content.
    let _ = watch.wait_for_line("rebuild:", timeout);
    Ok(times)
}

pub fn percentile(xs: &[f64], p: f64) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() - 1) as f64 * p).round() as usize]
}
