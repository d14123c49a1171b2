//! `briefing watch`: rebuild on every save.
//!
//! File events are filtered to the inputs of a build, gathered into bursts
//! (see [`settle`]) and answered with the very pipeline `briefing build`
//! runs, keeping a [`Cache`] between rebuilds so only what changed is redone.
//! When the events of a burst only say that known files were written, the
//! rebuild reads just those files (see [`crate::load::rescan`]); anything
//! else — a file created, removed or renamed (editors that save by rename),
//! a folder replaced (`git checkout`), a watcher that overflowed or failed —
//! and it lists and re-stats every input, so a missed, merged or reordered
//! event still ends in the right site.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer_opt};
use serde::Serialize;

use crate::cache::Cache;
use crate::load::{CONFIG_FILE, CONTENT_DIR, Changed};
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
    /// Where the last good build published the site (`[build] build-dir`
    /// may change while watching).
    #[serde(skip)]
    pub dest: Option<PathBuf>,
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
    fn new(
        poll: bool,
        debounce: Duration,
        tx: mpsc::Sender<DebounceEventResult>,
        on_batch: impl Fn(&DebounceEventResult) + Send + 'static,
    ) -> Result<Self> {
        Ok(if poll {
            // notify's poller compares modification times in whole seconds,
            // so a save within the second of the previous scan would be
            // missed for good; comparing contents catches it.
            let config = notify::Config::default()
                .with_poll_interval(Duration::from_millis(300))
                .with_compare_contents(true);
            Watcher::Poll(debounced(debounce, tx, on_batch, config)?)
        } else {
            Watcher::Native(debounced(
                debounce,
                tx,
                on_batch,
                notify::Config::default(),
            )?)
        })
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Watcher::Native(d) => d.watch(path, mode),
            Watcher::Poll(d) => d.watch(path, mode),
        }
    }

    fn unwatch(&mut self, path: &Path) {
        let _ = match self {
            Watcher::Native(d) => d.unwatch(path),
            Watcher::Poll(d) => d.unwatch(path),
        };
    }
}

/// An input folder being watched, and which folder it was when the watch
/// began: a watch follows the folder, not its name, so `content/` moved
/// away and another put in its place (`mv`, `cp -r`, a `git checkout`) is
/// only seen by comparing identities.
struct Watched {
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

/// The device and inode of a folder, where the platform has them.
fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        fs::metadata(path).ok().map(|_| (0, 0))
    }
}

/// A debounced watcher of type `W` that sends each batch of events to `tx`,
/// after showing it to `on_batch` (on the watcher's thread).
///
/// notify-debouncer-full holds each path's events until that path has been
/// quiet for its timeout, each path on its own clock, so one burst across
/// many files reaches us as several batches, spread over more than one of
/// its ticks. It only merges an event with its immediate companions here
/// (a rename's two halves, a create and its first write); the quiet window
/// that makes a burst one rebuild is [`settle`]'s, over all paths at once.
/// So it gets half the debounce: a save waits for both before its rebuild.
fn debounced<W: notify::Watcher>(
    debounce: Duration,
    tx: mpsc::Sender<DebounceEventResult>,
    on_batch: impl Fn(&DebounceEventResult) + Send + 'static,
    config: notify::Config,
) -> Result<Debouncer<W, RecommendedCache>> {
    let debounce = debounce / 2;
    let tick = Some((debounce / 4).max(Duration::from_millis(1)));
    let handler = move |result: DebounceEventResult| {
        on_batch(&result);
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
    // Raised as soon as a relevant batch arrives, while a rebuild runs: its
    // whole-briefing step then gives way to the newer edit.
    let newer_edit = Arc::new(AtomicBool::new(false));
    let raise = {
        let (root, flag) = (root.clone(), newer_edit.clone());
        move |result: &DebounceEventResult| {
            if announces_change(&root, result) {
                flag.store(true, Ordering::SeqCst);
            }
        }
    };
    let mut watcher = Watcher::new(options.poll, options.debounce, tx, raise)?;
    // The root only non-recursively (for book.toml): it holds the build
    // directory, whose writes must not trigger builds.
    watcher
        .watch(&root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    // Watch before the first build, so that no save after it starts is missed.
    let mut watched: Vec<Watched> = Vec::new();
    watch_inputs(&mut watcher, &root, &mut watched);
    let mut cache = Cache::watching();
    cache.newer_edit = Some(newer_edit.clone());
    let mut outcome = Outcome::default();
    rebuild(options, &root, &mut cache, &mut outcome, "build");
    on_outcome(&outcome);
    eprintln!(
        "watch: watching {} for changes (Ctrl-C to stop)",
        root.display()
    );
    let window = Window::for_debounce(options.debounce);
    while !stop.load(Ordering::SeqCst) {
        let mut changed = Changed::Files(Default::default());
        // A replaced input folder calls for a rebuild by itself: its files
        // changed without an event this watch could see.
        let replaced = watch_inputs(&mut watcher, &root, &mut watched);
        if replaced {
            changed = Changed::Everything;
        } else {
            let first = match rx.recv_timeout(STOP_CHECK) {
                Ok(result) => result,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            if !matters(&root, &first, &mut watched, &mut changed) {
                continue;
            }
        }
        let settled = settle(&rx, window, stop, |result| {
            let relevant = matters(&root, result, &mut watched, &mut changed);
            // A removed input folder that is back is watched again before
            // the rebuild reads it, so no save into it after that is missed.
            let replaced = watch_inputs(&mut watcher, &root, &mut watched);
            if replaced {
                changed = Changed::Everything;
            }
            relevant || replaced
        });
        if settled == Settled::Stopped {
            break;
        }
        cache.changed = changed;
        // What arrived so far is this rebuild's; only later edits supersede.
        newer_edit.store(false, Ordering::SeqCst);
        rebuild(options, &root, &mut cache, &mut outcome, "rebuild");
        on_outcome(&outcome);
        if settled == Settled::Disconnected {
            break;
        }
    }
    eprintln!("watch: stopped");
    Ok(())
}

/// How often a wait looks at the stop flag, so Ctrl-C is answered promptly.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// The waits that turn a burst of events into one rebuild.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// How long the inputs must be left alone before the rebuild.
    quiet: Duration,
    /// The longest a burst may postpone its rebuild: a process that writes
    /// without pause (a log file under `content/`, a generator in a loop)
    /// must not keep the site stale for ever.
    longest: Duration,
}

impl Window {
    fn for_debounce(debounce: Duration) -> Window {
        Window {
            quiet: debounce,
            longest: (debounce * 4).max(Duration::from_secs(2)),
        }
    }
}

/// How a burst ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    /// Nothing relevant for `quiet`: the burst is over.
    Quiet,
    /// Still going after `longest`: rebuild anyway, then keep listening.
    TooLong,
    /// Stop was asked for.
    Stopped,
    /// The watcher is gone: nothing more will come.
    Disconnected,
}

/// Called once a relevant batch has arrived: takes in everything that
/// follows until no relevant batch has come for `window.quiet` and none is
/// waiting (so a burst spread over any number of batches is one rebuild),
/// or until `window.longest` has passed since it began. `matters` hears
/// every batch and says whether it is relevant; irrelevant ones (the build
/// reading its inputs, editor debris) do not extend the burst.
fn settle<T>(
    rx: &mpsc::Receiver<T>,
    window: Window,
    stop: &AtomicBool,
    mut matters: impl FnMut(&T) -> bool,
) -> Settled {
    let began = Instant::now();
    let give_up = began + window.longest;
    let mut quiet_from = began;
    loop {
        if stop.load(Ordering::SeqCst) {
            return Settled::Stopped;
        }
        let now = Instant::now();
        if now >= give_up {
            return Settled::TooLong;
        }
        let left = (quiet_from + window.quiet).saturating_duration_since(now);
        let next = if left.is_zero() {
            // Quiet for long enough, unless a batch is already waiting: that
            // one belongs to the burst, however late this thread got to it.
            match rx.try_recv() {
                Ok(batch) => Ok(batch),
                Err(mpsc::TryRecvError::Empty) => return Settled::Quiet,
                Err(mpsc::TryRecvError::Disconnected) => Err(mpsc::RecvTimeoutError::Disconnected),
            }
        } else {
            rx.recv_timeout(left.min(give_up - now).min(STOP_CHECK))
        };
        match next {
            Ok(batch) => {
                if matters(&batch) {
                    quiet_from = Instant::now();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return Settled::Disconnected,
        }
    }
}

/// Watches `content/` and `templates/` (recursively) if they exist and are
/// not watched yet: they may appear, be deleted and recreated, or be
/// replaced by another folder at any time. Returns whether one of them was
/// replaced or appeared since the last look (then the files changed with no
/// event this watch could have seen, and a rebuild is due).
fn watch_inputs(watcher: &mut Watcher, root: &Path, watched: &mut Vec<Watched>) -> bool {
    let mut changed = false;
    for dir in [CONTENT_DIR, USER_TEMPLATES_DIR] {
        let path = root.join(dir);
        let now = if path.is_dir() { identity(&path) } else { None };
        if let Some(i) = watched.iter().position(|w| w.path == path) {
            if watched[i].identity == now {
                continue;
            }
            // Gone or replaced: drop the watch on the old folder.
            watcher.unwatch(&path);
            watched.remove(i);
            changed = true;
        }
        if now.is_some() && watcher.watch(&path, RecursiveMode::Recursive).is_ok() {
            watched.push(Watched {
                path,
                identity: now,
            });
            changed = true;
        }
    }
    changed
}

/// Whether a batch may change the site (the watcher's own view, before
/// [`matters`] sorts it out): an error, a rescan, or a relevant path that
/// was not merely read.
fn announces_change(root: &Path, result: &DebounceEventResult) -> bool {
    match result {
        Err(_) => true,
        Ok(events) => events.iter().any(|e| {
            e.need_rescan() || !e.kind.is_access() && e.paths.iter().any(|p| relevant(root, p))
        }),
    }
}

/// Whether a debounced batch calls for a rebuild, noting in `changed` what
/// it says changed. Errors and rescans always do (something may have been
/// missed: everything is looked at again); removed watched folders are
/// forgotten so they are watched again when they come back.
fn matters(
    root: &Path,
    result: &DebounceEventResult,
    watched: &mut Vec<Watched>,
    changed: &mut Changed,
) -> bool {
    use notify::EventKind;
    use notify::event::{CreateKind, ModifyKind};
    match result {
        Err(errors) => {
            for e in errors {
                eprintln!("watch: {e} (rebuilding to be safe)");
            }
            *changed = Changed::Everything;
            true
        }
        Ok(events) => {
            let mut any = false;
            for event in events {
                if event.need_rescan() {
                    any = true;
                    *changed = Changed::Everything;
                }
                // Reading the inputs (as every build does) is not a change.
                if event.kind.is_access() {
                    continue;
                }
                // Only a file written in place leaves the folders as they
                // were; a file created, removed or renamed may not.
                let written = matches!(
                    event.kind,
                    EventKind::Modify(
                        ModifyKind::Data(_) | ModifyKind::Metadata(_) | ModifyKind::Any
                    ) | EventKind::Create(CreateKind::File)
                );
                for path in &event.paths {
                    if event.kind.is_remove() {
                        watched.retain(|w| w.path != *path);
                    }
                    if !relevant(root, path) {
                        continue;
                    }
                    any = true;
                    match changed {
                        Changed::Files(paths) if written => {
                            paths.insert(path.clone());
                        }
                        _ => *changed = Changed::Everything,
                    }
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
            outcome.dest = Some(report.dest.clone());
            eprintln!(
                "{}",
                pipeline::summary_line(verb, &report, started.elapsed())
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

    /// A window that no busy machine can close by accident: these tests end
    /// on what the burst does, never on the clock.
    const NEVER_QUIET: Window = Window {
        quiet: Duration::from_secs(3600),
        longest: Duration::from_secs(3600),
    };

    /// Runs `settle` on its own thread, so that a `settle` that never
    /// returns fails the test instead of hanging it.
    fn settle_on_a_thread(
        rx: mpsc::Receiver<bool>,
        window: Window,
        stop: Arc<AtomicBool>,
    ) -> mpsc::Receiver<(Settled, usize)> {
        let (done, result) = mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = 0;
            let settled = settle(&rx, window, &stop, |&relevant| {
                seen += 1;
                relevant
            });
            let _ = done.send((settled, seen));
        });
        result
    }

    const PATIENCE: Duration = Duration::from_secs(60);

    #[test]
    fn a_burst_spread_over_many_batches_is_taken_in_whole_before_the_rebuild() {
        // A rendezvous channel: each send returns only once `settle` has
        // taken the batch, so every batch after the first one reaches it
        // while it is still waiting for the burst to end, however slowly
        // this thread runs.
        let (tx, rx) = mpsc::sync_channel(0);
        let result = settle_on_a_thread(rx, NEVER_QUIET, Arc::new(AtomicBool::new(false)));
        for i in 0..20 {
            tx.send(i % 3 != 0)
                .unwrap_or_else(|_| panic!("the burst ended before batch {i}"));
        }
        drop(tx);
        let (settled, seen) = result.recv_timeout(PATIENCE).expect("settle returned");
        assert_eq!((settled, seen), (Settled::Disconnected, 20));
    }

    #[test]
    fn a_burst_is_over_once_it_has_been_quiet_and_leaves_nothing_queued() {
        let (tx, rx) = mpsc::channel();
        for relevant in [true, false, true, true] {
            tx.send(relevant).unwrap();
        }
        let window = Window {
            quiet: Duration::from_millis(1),
            longest: Duration::from_secs(3600),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let (settled, seen) = settle_on_a_thread(rx, window, stop)
            .recv_timeout(PATIENCE)
            .expect("settle returned");
        assert_eq!(settled, Settled::Quiet);
        assert_eq!(seen, 4, "everything queued belongs to the burst");
        drop(tx);
    }

    #[test]
    fn a_writer_that_never_stops_does_not_postpone_the_rebuild_for_ever() {
        let (tx, rx) = mpsc::sync_channel(0);
        let window = Window {
            quiet: Duration::from_secs(3600),
            longest: Duration::from_millis(100),
        };
        let result = settle_on_a_thread(rx, window, Arc::new(AtomicBool::new(false)));
        // Relevant batches without pause, until `settle` stops taking them.
        std::thread::spawn(move || while tx.send(true).is_ok() {});
        let (settled, seen) = result.recv_timeout(PATIENCE).expect("settle returned");
        assert_eq!(settled, Settled::TooLong);
        assert!(seen > 0);
    }

    #[test]
    fn stopping_ends_a_burst_without_waiting_for_it() {
        let (tx, rx) = mpsc::sync_channel(0);
        let stop = Arc::new(AtomicBool::new(false));
        let result = settle_on_a_thread(rx, NEVER_QUIET, stop.clone());
        tx.send(true).unwrap();
        stop.store(true, Ordering::SeqCst);
        let (settled, _) = result.recv_timeout(PATIENCE).expect("settle returned");
        assert_eq!(settled, Settled::Stopped);
        drop(tx);
    }
}
