//! Writing the rendered site to the build directory, safely.
//!
//! Nothing is written until everything has rendered (the caller guarantees
//! that). Each file is written to a temporary name and renamed into place, so
//! a reader never sees half a page; files whose bytes are unchanged are not
//! touched; files from the previous build that are no longer produced are
//! removed last. The directory is never wiped: a manifest of what we wrote
//! (which also marks the directory as ours) says what may be removed.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::render::Page;

/// Lists what the last build wrote; its presence marks the directory as ours.
pub const MANIFEST: &str = ".briefing-manifest";

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// `dest` made absolute against `root`, with `.`/`..` resolved against the
/// existing part of the path (symlinks included).
pub fn resolve(root: &Path, dest: &Path) -> Result<PathBuf> {
    let joined = if dest.is_absolute() {
        dest.to_path_buf()
    } else {
        root.join(dest)
    };
    // Canonicalise the longest existing prefix, then append the rest.
    let mut existing = joined.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut out = existing
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", existing.display()))?;
    for part in rest.iter().rev() {
        out.push(part);
    }
    // Components like `..` after a non-existing directory.
    let mut clean = PathBuf::new();
    for c in out.components() {
        match c {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    Ok(clean)
}

/// Refuses a build directory that the build could damage: the briefing
/// itself, anything holding it, anything inside its content or templates,
/// the file system root or a home directory.
pub fn check_dest(root: &Path, dest: &Path) -> Result<()> {
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", root.display()))?;
    let why = if dest.parent().is_none() {
        Some("it is the file system root")
    } else if std::env::var_os("HOME").is_some_and(|h| Path::new(&h) == dest) {
        Some("it is a home directory")
    } else if root.starts_with(dest) {
        Some("it is or contains the briefing itself")
    } else if ["content", "templates"]
        .iter()
        .any(|d| dest.starts_with(root.join(d)))
    {
        Some("it is inside the briefing's content or templates")
    } else {
        None
    };
    match why {
        Some(why) => bail!(
            "refusing to use {} as the build directory: {why}, and building would overwrite or delete files there; choose another with --dest-dir or [build] build-dir",
            dest.display()
        ),
        None => Ok(()),
    }
}

/// What writing keeps between builds: the directory last written and the
/// key of each page as written there, so unchanged pages are not even read.
#[derive(Default)]
pub struct OutputCache {
    written: Option<(PathBuf, HashMap<String, u64>)>,
}

/// Writes `pages` into `dest` (see the module docs).
pub fn write(dest: &Path, pages: &[Page], cache: &mut OutputCache) -> Result<WriteStats> {
    fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let previous = read_manifest(dest);
    if cache.written.is_none() {
        remove_leftover_temporaries(dest, pages);
    }
    // Trust our memory of the directory only while our manifest is there:
    // if someone wiped the directory, compare with the disk again.
    let known = match &cache.written {
        Some((d, keys)) if d == dest && dest.join(MANIFEST).is_file() => Some(keys),
        _ => None,
    };
    let outcomes: Vec<Result<bool>> = pages
        .par_iter()
        .map(|page| {
            if known.and_then(|k| k.get(&page.path)) == Some(&page.key) {
                return Ok(false);
            }
            let path = dest.join(&page.path);
            if fs::read(&path).is_ok_and(|old| old == *page.bytes) {
                return Ok(false);
            }
            write_atomically(&path, &page.bytes).map(|()| true)
        })
        .collect();
    let mut stats = WriteStats::default();
    for outcome in outcomes {
        if outcome? {
            stats.written += 1;
        } else {
            stats.unchanged += 1;
        }
    }
    let current: BTreeSet<String> = pages.iter().map(|p| p.path.clone()).collect();
    for stale in previous.difference(&current) {
        if !is_safe_relative(stale) {
            continue;
        }
        let path = dest.join(stale);
        if fs::remove_file(&path).is_ok() {
            stats.removed += 1;
            remove_empty_parents(dest, &path);
        }
    }
    if previous != current {
        let manifest: String = current.iter().map(|p| format!("{p}\n")).collect();
        write_atomically(&dest.join(MANIFEST), manifest.as_bytes())?;
    }
    cache.written = Some((
        dest.to_path_buf(),
        pages.iter().map(|p| (p.path.clone(), p.key)).collect(),
    ));
    Ok(stats)
}

/// Removes temporary files a killed build left in the folders we write to
/// (named by [`write_atomically`]: `.NAME.tmpPID-N`).
fn remove_leftover_temporaries(dest: &Path, pages: &[Page]) {
    let dirs: BTreeSet<PathBuf> = pages
        .iter()
        .filter_map(|p| dest.join(&p.path).parent().map(Path::to_path_buf))
        .collect();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if is_our_temporary(&name.to_string_lossy()) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn is_our_temporary(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    let Some((_, suffix)) = rest.rsplit_once(".tmp") else {
        return false;
    };
    let mut parts = suffix.split('-');
    let digits =
        |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
}

/// Removes what a build wrote into `dest`, and `dest` itself if that leaves
/// it empty. A directory without our manifest is left alone.
pub fn clean(dest: &Path) -> Result<usize> {
    if !dest.exists() {
        return Ok(0);
    }
    if !dest.join(MANIFEST).is_file() {
        bail!(
            "{} was not made by `briefing build` (it has no {MANIFEST}); not removing anything",
            dest.display()
        );
    }
    let mut removed = 0;
    for rel in read_manifest(dest) {
        if !is_safe_relative(&rel) {
            continue;
        }
        let path = dest.join(&rel);
        if fs::remove_file(&path).is_ok() {
            removed += 1;
            remove_empty_parents(dest, &path);
        }
    }
    fs::remove_file(dest.join(MANIFEST))?;
    let _ = fs::remove_dir(dest);
    Ok(removed)
}

fn read_manifest(dest: &Path) -> BTreeSet<String> {
    fs::read_to_string(dest.join(MANIFEST))
        .map(|s| s.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// A manifest line we are willing to delete: relative, no `..`.
fn is_safe_relative(p: &str) -> bool {
    let path = Path::new(p);
    !p.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

fn remove_empty_parents(dest: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == dest || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .expect("pages live inside the build directory");
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    // Unique per process and write: pages are written in parallel.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp{}-{n}", std::process::id()));
    // No fsync: rename makes the swap atomic for readers and for a killed
    // process; durability across power loss would cost a disk flush per page.
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, text: &str) -> Page {
        Page {
            path: path.into(),
            bytes: std::sync::Arc::new(text.as_bytes().to_vec()),
            key: text.len() as u64,
            template: None,
            file: None,
        }
    }

    #[test]
    fn rewrites_only_changed_files_and_removes_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        let mut cache = OutputCache::default();
        let s = write(
            &dest,
            &[page("a.html", "1"), page("x/b.html", "2")],
            &mut cache,
        )
        .unwrap();
        assert_eq!(
            s,
            WriteStats {
                written: 2,
                unchanged: 0,
                removed: 0
            }
        );
        fs::write(dest.join("mine.txt"), "author's file").unwrap();
        let s = write(
            &dest,
            &[page("a.html", "1"), page("c.html", "3")],
            &mut cache,
        )
        .unwrap();
        assert_eq!(
            s,
            WriteStats {
                written: 1,
                unchanged: 1,
                removed: 1
            }
        );
        assert!(!dest.join("x").exists(), "emptied folders go too");
        assert!(
            dest.join("mine.txt").exists(),
            "files we did not write stay"
        );
        assert_eq!(clean(&dest).unwrap(), 2);
        assert!(dest.join("mine.txt").exists());
    }

    #[test]
    fn only_our_temporary_names_are_recognised() {
        assert!(is_our_temporary(".index.html.tmp123-4"));
        assert!(is_our_temporary(".a.b.html.tmp9-0"));
        assert!(!is_our_temporary("index.html"));
        assert!(!is_our_temporary(".notes.tmp"));
        assert!(!is_our_temporary(".x.tmp12"));
        assert!(!is_our_temporary("x.tmp1-2"));
    }

    #[test]
    fn clean_refuses_a_directory_we_did_not_make() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("precious"), "x").unwrap();
        assert!(clean(dir.path()).is_err());
        assert!(dir.path().join("precious").exists());
    }

    #[test]
    fn refuses_dangerous_destinations() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("b");
        fs::create_dir_all(root.join("content")).unwrap();
        let root = root.canonicalize().unwrap();
        for bad in [".", "..", "content", "content/x", "/"] {
            let dest = resolve(&root, Path::new(bad)).unwrap();
            assert!(check_dest(&root, &dest).is_err(), "{bad}");
        }
        for good in ["book", "../site", "out/deep"] {
            let dest = resolve(&root, Path::new(good)).unwrap();
            assert!(check_dest(&root, &dest).is_ok(), "{good}");
        }
    }
}
