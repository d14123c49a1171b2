//! `briefing watch`: rebuild on every save.
//!
//! File events are debounced (notify-debouncer-full), filtered to the inputs
//! of a build, and answered with the very pipeline `briefing build` runs,
//! keeping a [`Cache`] between rebuilds so only what changed is redone. The
//! rebuild does not trust the events for *what* changed — it re-stats every
//! input — so a missed, merged or reordered event (editors that save by
//! rename, `git checkout`, a watcher that overflows) still ends in the right
//! site. Events only say *when* to look.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer_opt};
use serde::Serialize;

use crate::cache::Cache;
use crate::load::{CONFIG_FILE, CONTENT_DIR};
use crate::pipeline::{self, Options, Status};
use crate::render::theme::USER_TEMPLATES_DIR;

#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub root: PathBuf,
    pub dest: Option<PathBuf>,
    pub opts: Options,
    /// Poll the file system instead of subscribing to its events.
    pub poll: bool,
    /// Quiet time after the last event before rebuilding.
    pub debounce: Duration,
}

/// What the last (re)build left behind, for the live-reload server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Bumped each time a rebuild changed the site on disk.
    pub generation: u64,
    /// The diagnostics, while the content has errors (the last good site is
    /// still on disk).
    pub problems: Option<String>,
}

/// Whether a change to `path` can change the site: `book.toml`, or a file
/// under `content/` or `templates/` that is not an editor's temporary or
/// backup file. Pure, so each save pattern is unit-tested.
pub fn relevant(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy());
    let Some(first) = parts.next() else {
        return false;
    };
    if first == CONFIG_FILE {
        return rel.components().count() == 1;
    }
    if first != CONTENT_DIR && first != USER_TEMPLATES_DIR {
        return false;
    }
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    !(name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.contains("___jb_"))
}

/// The watcher, native or polling; both debounced the same way.
enum Watcher {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, RecommendedCache>),
}

impl Watcher {
    fn new(poll: bool, debounce: Duration, tx: mpsc::Sender<DebounceEventResult>) -> Result<Self> {
        Ok(if poll {
            // notify's poller compares modification times in whole seconds,
            // so a save within the second of the previous scan would be
            // missed for good; comparing contents catches it.
            let config = notify::Config::default()
                .with_poll_interval(Duration::from_millis(300))
                .with_compare_contents(true);
            Watcher::Poll(debounced(debounce, tx, config)?)
        } else {
            Watcher::Native(debounced(debounce, tx, notify::Config::default())?)
        })
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Watcher::Native(d) => d.watch(path, mode),
            Watcher::Poll(d) => d.watch(path, mode),
        }
    }
}

/// A debounced watcher of type `W` that sends each batch of events to `tx`.
fn debounced<W: notify::Watcher>(
    debounce: Duration,
    tx: mpsc::Sender<DebounceEventResult>,
    config: notify::Config,
) -> Result<Debouncer<W, RecommendedCache>> {
    let tick = Some((debounce / 4).max(Duration::from_millis(1)));
    let handler = move |result: DebounceEventResult| {
        let _ = tx.send(result);
    };
    Ok(new_debouncer_opt(
        debounce,
        tick,
        handler,
        RecommendedCache::new(),
        config,
    )?)
}

/// Builds, then rebuilds on every relevant change until `stop` is set.
/// `on_outcome` hears about every build that finished.
pub fn run(
    options: &WatchOptions,
    stop: &Arc<AtomicBool>,
    mut on_outcome: impl FnMut(&Outcome),
) -> Result<()> {
    let root = options
        .root
        .canonicalize()
        .with_context(|| format!("cannot find {}", options.root.display()))?;
    let (tx, rx) = mpsc::channel();
    let mut watcher = Watcher::new(options.poll, options.debounce, tx)?;
    // The root only non-recursively (for book.toml): it holds the build
    // directory, whose writes must not trigger builds.
    watcher
        .watch(&root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    // Watch before the first build, so that no save after it starts is missed.
    let mut watched: Vec<PathBuf> = Vec::new();
    watch_inputs(&mut watcher, &root, &mut watched);
    let mut cache = Cache::watching();
    let mut outcome = Outcome::default();
    rebuild(options, &root, &mut cache, &mut outcome, "build");
    on_outcome(&outcome);
    eprintln!(
        "watch: watching {} for changes (Ctrl-C to stop)",
        root.display()
    );
    while !stop.load(Ordering::SeqCst) {
        watch_inputs(&mut watcher, &root, &mut watched);
        let first = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        // Everything already queued belongs to the same burst.
        let batch: Vec<DebounceEventResult> = std::iter::once(first).chain(rx.try_iter()).collect();
        if !batch.iter().any(|r| matters(&root, r, &mut watched)) {
            continue;
        }
        rebuild(options, &root, &mut cache, &mut outcome, "rebuild");
        on_outcome(&outcome);
    }
    eprintln!("watch: stopped");
    Ok(())
}

/// Watches `content/` and `templates/` (recursively) if they exist and are
/// not watched yet: they may appear, or be deleted and recreated, at any time.
fn watch_inputs(watcher: &mut Watcher, root: &Path, watched: &mut Vec<PathBuf>) {
    for dir in [CONTENT_DIR, USER_TEMPLATES_DIR] {
        let path = root.join(dir);
        if path.is_dir()
            && !watched.contains(&path)
            && watcher.watch(&path, RecursiveMode::Recursive).is_ok()
        {
            watched.push(path);
        }
    }
}

/// Whether a debounced batch calls for a rebuild. Errors and rescans always
/// do (something may have been missed); removed watched folders are
/// forgotten so they are watched again when they come back.
fn matters(root: &Path, result: &DebounceEventResult, watched: &mut Vec<PathBuf>) -> bool {
    match result {
        Err(errors) => {
            for e in errors {
                eprintln!("watch: {e} (rebuilding to be safe)");
            }
            true
        }
        Ok(events) => {
            let mut any = false;
            for event in events {
                if event.need_rescan() {
                    any = true;
                }
                // Reading the inputs (as every build does) is not a change.
                if event.kind.is_access() {
                    continue;
                }
                for path in &event.paths {
                    if event.kind.is_remove() {
                        watched.retain(|w| w != path);
                    }
                    any |= relevant(root, path);
                }
            }
            any
        }
    }
}

fn rebuild(
    options: &WatchOptions,
    root: &Path,
    cache: &mut Cache,
    outcome: &mut Outcome,
    verb: &str,
) {
    let started = Instant::now();
    match pipeline::build_with(root, options.dest.as_deref(), &options.opts, cache) {
        Ok(report) if report.status == Status::Ok => {
            let changed = report.stats.written + report.stats.removed > 0;
            if changed || outcome.problems.is_some() || outcome.generation == 0 {
                outcome.generation += 1;
            }
            outcome.problems = None;
            eprintln!(
                "{verb}: {} pages, {} written, {} removed in {:.1} ms",
                report.pages,
                report.stats.written,
                report.stats.removed,
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        Ok(report) => {
            outcome.problems = report.problems;
            eprintln!("{verb}: failed; the last good site is still being served");
        }
        Err(e) => {
            outcome.problems = Some(format!("error: {e:#}"));
            eprintln!("{verb}: error: {e:#}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_relevant_and_editor_debris_and_output_are_not() {
        let root = Path::new("/b");
        for yes in [
            "/b/book.toml",
            "/b/content/who/x.yaml",
            "/b/content/sources/a.txt",
            "/b/templates/note.html",
            "/b/templates/static/style.css",
            "/b/content/who",
        ] {
            assert!(relevant(root, Path::new(yes)), "{yes}");
        }
        for no in [
            "/b/book/index.html",
            "/b/target/debug/x",
            "/b/README.md",
            "/b/content/who/.x.yaml.swp",
            "/b/content/who/x.yaml~",
            "/b/content/who/x.yaml___jb_tmp___",
            "/b/content/who/.#x.yaml",
            "/elsewhere/content/x.yaml",
            "/b/sub/book.toml",
        ] {
            assert!(!relevant(root, Path::new(no)), "{no}");
        }
    }
}
