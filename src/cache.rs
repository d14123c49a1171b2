//! What a command keeps between builds: the engine, which holds every
//! derived value and what each was computed from (see [`crate::db`]), and
//! the publisher's state.
//!
//! Incremental rebuilding is not a second pipeline: `briefing build` runs
//! the queries on an empty engine, `briefing watch` keeps one between
//! rebuilds. The watch tests check that the site and diagnostics after any
//! sequence of edits — failing steps included — equal a fresh build's.

use crate::output::OutputCache;

pub struct Cache {
    pub engine: crate::engine::Engine<crate::db::Db>,
    pub output: OutputCache,
    /// In watch, the whole-briefing files last published (`print.html`,
    /// `briefing.json`, the search index): a rebuild publishes its pages
    /// with these first, then its own.
    /// Each with its links, resolved (they are link targets for the pages).
    pub last_whole: Option<Vec<(crate::render::Page, std::sync::Arc<crate::links::Resolved>)>>,
    /// What the file events say changed since the last build; the next
    /// build takes it (and leaves `Everything`).
    pub changed: crate::load::Changed,
    /// In watch, set (by the watcher) when an edit arrived after this
    /// rebuild began: the rebuild's whole-briefing step gives way to it.
    pub newer_edit: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// In watch, the problems the last rebuild reported (a hash of each as
    /// printed): the next prints only those that are new, and counts the
    /// rest and those gone in one line.
    pub shown: Option<rustc_hash::FxHashSet<u64>>,
    defer_whole: bool,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            engine: crate::db::engine(),
            output: Default::default(),
            last_whole: None,
            changed: crate::load::Changed::Everything,
            newer_edit: None,
            shown: None,
            defer_whole: false,
        }
    }
}

impl Cache {
    /// For `watch`: also keeps the swapped-out site, so that publishing a
    /// rebuild costs the changed files only.
    pub fn watching() -> Cache {
        Cache {
            output: OutputCache::keeping_spare(),
            shown: Some(Default::default()),
            defer_whole: true,
            ..Cache::default()
        }
    }

    /// Whether whole-briefing files are published after the pages.
    pub fn defers_whole(&self) -> bool {
        self.defer_whole
    }

    /// Whether a newer edit is waiting (see [`Cache::newer_edit`]).
    pub fn superseded(&self) -> bool {
        self.newer_edit
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst))
    }
}

impl Cache {
    /// After a build that stopped half-way on an I/O error: the publisher
    /// forgets what it knew of the build directory, which the failure may
    /// have left in any state. The engine keeps everything: its values
    /// depend on nothing but its inputs, and the next build sets those
    /// again from what is on disk.
    pub fn after_failure(&mut self) {
        self.output = std::mem::take(&mut self.output).fresh_like();
        self.last_whole = None;
    }
}
