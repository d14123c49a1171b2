//! Memo tables that let a rebuild reuse the previous build's work.
//!
//! Incremental rebuilding is not a second pipeline: `briefing build` runs
//! the stages with an empty [`Cache`], `briefing watch` keeps one between
//! rebuilds. Every table is keyed by what its result depends on — a file's
//! content version, a source's content and a quote, a page's complete view —
//! so a stale entry can never be found, only a missing one. The watch tests
//! check that the site after any sequence of edits equals a fresh build.

use crate::output::OutputCache;

pub struct Cache {
    pub engine: crate::engine::Engine<crate::db::Db>,
    pub output: OutputCache,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            engine: crate::db::engine(),
            output: Default::default(),
        }
    }
}

impl Cache {
    /// For `watch`: also keeps the swapped-out site, so that publishing a
    /// rebuild costs the changed files only.
    pub fn watching() -> Cache {
        Cache {
            output: OutputCache::keeping_spare(),
            ..Cache::default()
        }
    }
}

impl Cache {
    /// Forgets every remembered result (after a build stopped half-way on
    /// an I/O error, nothing it left in the tables is trusted), keeping only
    /// how publishing works for this command.
    pub fn forget(&mut self) {
        let output = std::mem::take(&mut self.output).fresh_like();
        *self = Cache {
            output,
            ..Cache::default()
        };
    }
}
