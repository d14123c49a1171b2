//! Random override templates, loaded and rendered against the shipped
//! briefing the way a build does (theme loading with its recursion and
//! depth checks, then every page, in memory): no crash, no stack overflow,
//! no hang. The input is split at NUL bytes into `note.html`, `macros.html`,
//! `base.html` and `extra.html` (a partial of the author's own), each part
//! present only if it is not empty.
//!
//! Templates are trusted code: one may loop for as long as its author
//! likes, and `range(end=1000000000)` does. So inputs that call `range` are
//! skipped; everything else a template iterates over is the briefing's own
//! data, and must render within libFuzzer's `-timeout`.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use briefing::cache::Cache;
use briefing::check::{self, Checked};
use briefing::files::Files;
use briefing::load;
use briefing::model::Briefing;
use briefing::render::{self, RenderCache, theme};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = ["note.html", "macros.html", "base.html", "extra.html"];

struct Shipped {
    briefing: Briefing,
    checked: Checked,
    cache: Mutex<RenderCache>,
    /// A briefing folder of the fuzzer's own, whose `templates/` holds the
    /// input (the briefing itself is read from the repository).
    root: PathBuf,
}

fn shipped() -> &'static Shipped {
    static SHIPPED: OnceLock<Shipped> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut cache = Cache::default();
        let (briefing, diags) =
            load::load(&repo, &mut cache.load).expect("the shipped briefing loads");
        assert!(
            diags.iter().all(|d| !d.is_error()),
            "the shipped briefing has errors"
        );
        let checked = check::check(&briefing, &mut cache.check);
        let root = std::env::temp_dir().join(format!("briefing-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(root.join(theme::USER_TEMPLATES_DIR)).unwrap();
        Shipped {
            briefing,
            checked,
            cache: Mutex::new(RenderCache::default()),
            root,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if data.windows(6).any(|w| w == b"range(") {
        return;
    }
    let s = shipped();
    let dir = s.root.join(theme::USER_TEMPLATES_DIR);
    let mut parts = data.split(|&b| b == 0);
    for name in NAMES {
        let path = dir.join(name);
        match parts.next() {
            Some(part) if !part.is_empty() => std::fs::write(&path, part).unwrap(),
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let mut files = Files::default();
    // Not UTF-8 is an I/O error (exit 2), as it is for a build.
    let Ok(loaded) = theme::load(&s.root, &mut files) else {
        return;
    };
    match loaded {
        Ok(theme) => {
            // Kept between inputs, as watch mode keeps it between builds: what
            // does not depend on the templates (the search index, quote
            // contexts) is not computed again.
            let mut cache = s.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(diags) = render::render(&s.briefing, &s.checked, &theme, &mut cache) {
                assert!(diags.iter().any(|d| d.is_error()));
            }
        }
        Err(diags) => {
            assert!(diags.iter().any(|d| d.is_error()));
            let _ = briefing::diag::to_plain(&files, &diags);
        }
    }
});
