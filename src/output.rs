//! Publishing the rendered site: staged beside the build directory, then
//! swapped in whole.
//!
//! A build never writes into the live site. It fills a staging directory
//! next to it — new or changed files written, unchanged ones hard-linked
//! from the live site (so hosts and rsync still see only real changes),
//! files the author keeps there carried over — and then exchanges the two
//! directories with one atomic `renameat2(RENAME_EXCHANGE)`. Whatever goes
//! wrong before that (disk full, a read-only folder, Ctrl-C, kill -9), the
//! live site is byte-for-byte what it was; the debris is a staging
//! directory, which the next build removes. An advisory lock beside the
//! build directory serialises concurrent builds of one site.
//!
//! The manifest (which also marks a directory as ours) lists each file a
//! build wrote with a hash of its bytes, which is how the next build knows
//! what it may link instead of write, and what it may remove.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::hash::Hasher;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::render::Page;

/// Lists what the last build wrote; its presence marks the directory as ours.
pub const MANIFEST: &str = ".briefing-manifest";
/// First line of a manifest that records hashes.
const MANIFEST_HEADER: &str = "# briefing manifest 2: hash path";
/// The manifest line recording what the site was built from: a hash of
/// every input of the build (see [`crate::db::inputs_digest`]).
const INPUTS_MARK: &str = "# inputs ";
/// In the names of staging directories: `.NAME.briefing-stage-PID`.
const STAGE_MARK: &str = ".briefing-stage-";
/// The lock file beside the build directory: `.NAME.briefing-lock`.
const LOCK_MARK: &str = ".briefing-lock";

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

impl WriteStats {
    /// The stats of two publishes in a row: what either wrote or removed,
    /// and what the later one left unchanged.
    pub fn then(self, later: WriteStats) -> WriteStats {
        WriteStats {
            written: self.written + later.written,
            unchanged: later.unchanged,
            removed: self.removed + later.removed,
        }
    }
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

/// What publishing keeps between builds: the hash of each page's bytes by
/// its key, so a rebuild does not hash unchanged pages again; and in watch
/// mode the previous site, once swapped out, to be the next stage — so a
/// rebuild touches only the files that changed, not every file of the site.
#[derive(Default)]
pub struct OutputCache {
    hashes: HashMap<String, (u64, u64)>,
    keep_spare: bool,
    spare: Option<Spare>,
}

/// A swapped-out site kept as the next stage.
struct Spare {
    path: PathBuf,
    /// The build directory it was swapped out of.
    dest: PathBuf,
    /// What it holds (its manifest when it was live).
    holds: Manifest,
    /// What was published in its place: if the live manifest says anything
    /// else, another build has published since, and the spare is dropped.
    live: Manifest,
}

impl OutputCache {
    /// For `watch`: keeps the swapped-out site to stage the next rebuild in.
    pub fn keeping_spare() -> OutputCache {
        OutputCache {
            hashes: HashMap::new(),
            keep_spare: true,
            spare: None,
        }
    }
}

impl OutputCache {
    /// An empty cache that publishes the way this one does.
    pub fn fresh_like(&self) -> OutputCache {
        if self.keep_spare {
            OutputCache::keeping_spare()
        } else {
            OutputCache::default()
        }
    }
}

impl Drop for OutputCache {
    fn drop(&mut self) {
        if let Some(spare) = self.spare.take() {
            let _ = fs::remove_dir_all(spare.path);
        }
    }
}

/// Path → hash of the bytes a build published there.
type Manifest = BTreeMap<String, u64>;

/// Whether the live site in `dest` was built from exactly `inputs` (its
/// manifest says so) and every file it lists is still there: then a build
/// of the same inputs would publish the same bytes, and need not render.
/// Returns how many files the site has. Checked under the build lock, so
/// never against a site being published.
pub fn current(dest: &Path, inputs: &str) -> Result<Option<usize>> {
    if !dest.is_dir() {
        return Ok(None);
    }
    let (parent, name) = split(dest)?;
    let _lock = Lock::acquire(&parent, &name)?;
    if read_inputs(dest).as_deref() != Some(inputs) {
        return Ok(None);
    }
    let manifest = read_manifest(dest);
    let whole = manifest
        .par_iter()
        .all(|(p, _)| fs::symlink_metadata(dest.join(p)).is_ok_and(|m| m.is_file()));
    Ok(whole.then_some(manifest.len()))
}

/// Publishes `pages` as the site in `dest` (see the module docs), recording
/// `inputs` (what they were built from, if known) in the manifest.
pub fn write(
    dest: &Path,
    pages: &[Page],
    inputs: Option<&str>,
    cache: &mut OutputCache,
) -> Result<WriteStats> {
    let publisher = Publisher::begin(dest, cache)?;
    let hashes: Vec<u64> = pages.par_iter().map(|p| publisher.hash_of(p)).collect();
    if up_to_date(dest, pages, &hashes, &publisher.previous) {
        // Nothing to publish: staging and swapping would only cost two
        // directory entries per file (on some disks, most of a build).
        let records = pages
            .iter()
            .zip(&hashes)
            .map(|(p, &hash)| Record {
                path: p.path.clone(),
                key: p.key,
                hash,
                new: false,
            })
            .collect();
        return publisher.keep_live(records, inputs, cache);
    }
    pages
        .par_iter()
        .zip(&hashes)
        .try_for_each(|(page, &hash)| publisher.put_hashed(page, hash))?;
    publisher.finish(inputs, cache)
}

/// A site being published file by file: each page goes into the stage as
/// soon as it is made (so a build need not hold its pages in memory), and
/// [`Publisher::finish`] swaps the stage in. Holds the build lock; dropped
/// unfinished, it removes the stage and the live site is untouched.
pub struct Publisher {
    dest: PathBuf,
    _lock: Lock,
    /// The live site's manifest.
    previous: Manifest,
    stage: Stage,
    keep_spare: bool,
    /// Each page's hash by its key, from the last build (see [`OutputCache`]).
    known: HashMap<String, (u64, u64)>,
    put: std::sync::Mutex<Vec<Record>>,
    /// Folders made in the stage.
    dirs: std::sync::Mutex<BTreeSet<PathBuf>>,
}

/// A file put into the stage.
struct Record {
    path: String,
    key: u64,
    hash: u64,
    /// Whether the live site lacks these bytes at this path (so they were
    /// written, or are held by the stage from before).
    new: bool,
}

impl Publisher {
    /// Takes the build lock of `dest` and prepares a stage beside it (the
    /// kept spare, if it is still the site before last).
    pub fn begin(dest: &Path, cache: &mut OutputCache) -> Result<Publisher> {
        let (parent, name) = split(dest)?;
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let lock = Lock::acquire(&parent, &name)?;
        if dest.exists() && !dest.is_dir() {
            bail!("{} exists and is not a directory", dest.display());
        }
        let previous = read_manifest(dest);
        let spare = cache
            .spare
            .take()
            .filter(|s| s.dest == dest && s.live == previous && s.path.is_dir());
        remove_stale_stages(&parent, &name, spare.as_ref().map(|s| s.path.as_path()));
        let stage = match spare {
            Some(spare) => Stage::reuse(spare.path, spare.holds),
            None => Stage::create(&parent, &name)?,
        };
        Ok(Publisher {
            dest: dest.to_path_buf(),
            _lock: lock,
            previous,
            stage,
            keep_spare: cache.keep_spare,
            known: std::mem::take(&mut cache.hashes),
            put: Default::default(),
            dirs: Default::default(),
        })
    }

    /// The hash of a page's bytes (remembered by key from the last build).
    fn hash_of(&self, page: &Page) -> u64 {
        match self.known.get(&page.path) {
            Some(&(key, hash)) if key == page.key => hash,
            _ => hash_bytes(&page.bytes),
        }
    }

    /// Puts a page into the stage: kept if the stage already holds its
    /// bytes, linked from the live site when its manifest says its bytes
    /// are there, else written.
    pub fn put(&self, page: &Page) -> Result<()> {
        self.put_hashed(page, self.hash_of(page))
    }

    fn put_hashed(&self, page: &Page, hash: u64) -> Result<()> {
        if !is_safe_relative(&page.path) {
            bail!("refusing to write outside the site: {}", page.path);
        }
        let to = self.stage.path.join(&page.path);
        let unchanged = self.previous.get(&page.path) == Some(&hash);
        let held = self.stage.holds.get(&page.path);
        let new = if held == Some(&hash) {
            !unchanged
        } else {
            if held.is_some() {
                remove_if_there(&to)?;
            }
            self.make_parent(Path::new(&page.path))?;
            let linked = unchanged && fs::hard_link(self.dest.join(&page.path), &to).is_ok();
            if !linked {
                write_new(&to, &page.bytes)?;
            }
            !linked
        };
        lock(&self.put).push(Record {
            path: page.path.clone(),
            key: page.key,
            hash,
            new,
        });
        Ok(())
    }

    /// Makes the stage's folder for a file at `rel`, once.
    fn make_parent(&self, rel: &Path) -> Result<()> {
        let Some(dir) = rel.parent().filter(|d| !d.as_os_str().is_empty()) else {
            return Ok(());
        };
        if lock(&self.dirs).contains(dir) {
            return Ok(());
        }
        let path = self.stage.path.join(dir);
        fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
        lock(&self.dirs).insert(dir.to_path_buf());
        Ok(())
    }

    /// Completes the stage — removes what it holds that was not put,
    /// carries over what the author keeps in the live site, writes the
    /// manifest — and swaps it in.
    pub fn finish(self, inputs: Option<&str>, cache: &mut OutputCache) -> Result<WriteStats> {
        let records = self.put.into_inner().unwrap_or_else(|e| e.into_inner());
        let (dest, previous, stage) = (&self.dest, &self.previous, &self.stage);
        let mut stats = WriteStats::default();
        for r in &records {
            if r.new {
                stats.written += 1;
            } else {
                stats.unchanged += 1;
            }
        }
        let produced: BTreeSet<&str> = records.iter().map(|r| r.path.as_str()).collect();
        stats.removed = previous
            .keys()
            .filter(|p| !produced.contains(p.as_str()) && dest.join(p).is_file())
            .count();
        for gone in stage
            .holds
            .keys()
            .filter(|p| !produced.contains(p.as_str()))
        {
            if is_safe_relative(gone) {
                let path = stage.path.join(gone);
                remove_if_there(&path)?;
                remove_empty_parents(&stage.path, &path);
            }
        }
        let ours =
            |rel: &str| rel == MANIFEST || previous.contains_key(rel) || produced.contains(rel);
        if dest.is_dir() {
            carry_over(dest, &stage.path, Path::new(""), &ours)?;
        }
        if !stage.holds.is_empty() {
            // The author's files that were carried into this stage before
            // and are gone from the live site since.
            prune(dest, &stage.path, Path::new(""), &|rel: &str| {
                rel == MANIFEST || produced.contains(rel)
            })?;
        }
        let path = stage.path.join(MANIFEST);
        remove_if_there(&path)?;
        write_new(&path, manifest_text(&records, inputs).as_bytes())?;
        let published: Manifest = records.iter().map(|r| (r.path.clone(), r.hash)).collect();
        let old = self.stage.publish(&self.dest, self.keep_spare)?;
        cache.spare = old.map(|path| Spare {
            path,
            dest: self.dest.clone(),
            holds: self.previous,
            live: published,
        });
        cache.hashes = known(records);
        Ok(stats)
    }

    /// Leaves the live site as it is (it already is `records`), but for the
    /// record of the inputs, which may be new (an edit that changed no
    /// output): it is replaced in one rename.
    fn keep_live(
        self,
        records: Vec<Record>,
        inputs: Option<&str>,
        cache: &mut OutputCache,
    ) -> Result<WriteStats> {
        if read_inputs(&self.dest).as_deref() != inputs {
            let temp = self.dest.join(format!("{MANIFEST}.{}", std::process::id()));
            remove_if_there(&temp)?;
            write_new(&temp, manifest_text(&records, inputs).as_bytes())?;
            let path = self.dest.join(MANIFEST);
            fs::rename(&temp, &path)
                .with_context(|| format!("cannot update {}", path.display()))?;
        }
        let unchanged = records.len();
        if !self.stage.holds.is_empty() {
            // A spare stays the spare.
            let holds = self.stage.holds.clone();
            cache.spare = Some(Spare {
                path: self.stage.keep(),
                dest: self.dest.clone(),
                holds,
                live: self.previous,
            });
        }
        cache.hashes = known(records);
        Ok(WriteStats {
            unchanged,
            ..WriteStats::default()
        })
    }
}

/// What the next build may know of each page's hash.
fn known(records: Vec<Record>) -> HashMap<String, (u64, u64)> {
    records
        .into_iter()
        .map(|r| (r.path, (r.key, r.hash)))
        .collect()
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether the live site already is exactly `pages`: its manifest lists
/// the same files with the same hashes, and each of them is there.
fn up_to_date(dest: &Path, pages: &[Page], hashes: &[u64], previous: &Manifest) -> bool {
    previous.len() == pages.len()
        && pages
            .iter()
            .zip(hashes)
            .all(|(p, h)| previous.get(&p.path) == Some(h))
        && pages
            .par_iter()
            .all(|p| fs::symlink_metadata(dest.join(&p.path)).is_ok_and(|m| m.is_file()))
}

/// The build directory's parent and name: the staging directory and the
/// lock live beside it, on the same file system.
fn split(dest: &Path) -> Result<(PathBuf, String)> {
    match (dest.parent(), dest.file_name()) {
        (Some(parent), Some(name)) => Ok((parent.to_path_buf(), name.to_string_lossy().into())),
        _ => bail!("{} cannot be a build directory", dest.display()),
    }
}

/// An exclusive advisory lock on `.NAME.briefing-lock` beside the build
/// directory, held while a build publishes; released when dropped (or when
/// the process dies, which is why it is a lock and not a marker file).
struct Lock(#[allow(dead_code)] fs::File);

impl Lock {
    fn acquire(parent: &Path, name: &str) -> Result<Lock> {
        let path = parent.join(format!(".{name}{LOCK_MARK}"));
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot create the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                eprintln!(
                    "waiting for another build of {} to finish…",
                    parent.join(name).display()
                );
                file.lock()
                    .with_context(|| format!("cannot lock {}", path.display()))?;
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        Ok(Lock(file))
    }
}

/// Removes staging directories that an interrupted build of this site left
/// behind, but `keep` (our own spare). Called under the lock, so none of
/// them is in use.
fn remove_stale_stages(parent: &Path, name: &str, keep: Option<&Path>) {
    let prefix = format!(".{name}{STAGE_MARK}");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let is_ours = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if is_ours
            && keep != Some(entry.path().as_path())
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// A staging directory being filled. Dropped without [`Stage::publish`],
/// it is removed, and the live site was never touched.
struct Stage {
    path: PathBuf,
    /// What the stage already holds (a spare: the site before last).
    holds: Manifest,
    published: bool,
}

impl Stage {
    fn create(parent: &Path, name: &str) -> Result<Stage> {
        let path = parent.join(format!(".{name}{STAGE_MARK}{}", std::process::id()));
        fs::create_dir(&path)
            .with_context(|| format!("cannot create the staging directory {}", path.display()))?;
        Ok(Stage {
            path,
            holds: Manifest::new(),
            published: false,
        })
    }

    fn reuse(path: PathBuf, holds: Manifest) -> Stage {
        Stage {
            path,
            holds,
            published: false,
        }
    }

    /// Leaves the stage where it is (to be the next stage); its path.
    fn keep(mut self) -> PathBuf {
        self.published = true;
        std::mem::take(&mut self.path)
    }

    /// Makes the stage the live site in one atomic step. The previous site
    /// (now at the stage's path) is removed, or returned to be kept as the
    /// next stage.
    fn publish(mut self, dest: &Path, keep_old: bool) -> Result<Option<PathBuf>> {
        let swapped = if dest.exists() {
            exchange(&self.path, dest)
                .with_context(|| format!("cannot publish the new site into {}", dest.display()))?;
            true
        } else {
            fs::rename(&self.path, dest)
                .with_context(|| format!("cannot publish the new site as {}", dest.display()))?;
            false
        };
        self.published = true;
        if !swapped {
            return Ok(None);
        }
        if keep_old {
            return Ok(Some(self.path.clone()));
        }
        // The previous site: every file worth keeping has a link in the
        // new one, so this only drops names.
        if let Err(e) = fs::remove_dir_all(&self.path) {
            eprintln!(
                "warning: the site is published, but the previous one could not be removed from {}: {e}",
                self.path.display()
            );
        }
        Ok(None)
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Exchanges two directories atomically (Linux: `renameat2` with
/// `RENAME_EXCHANGE`). Where that is not available, `dest` is moved aside
/// and `stage` renamed into its place: two renames, between which the site
/// is briefly missing (never mixed).
fn exchange(stage: &Path, dest: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, stage, CWD, dest, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // File systems without RENAME_EXCHANGE say EINVAL.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    let aside = stage.with_extension("old");
    fs::rename(dest, &aside)?;
    if let Err(e) = fs::rename(stage, dest) {
        let _ = fs::rename(&aside, dest);
        return Err(e);
    }
    fs::rename(&aside, stage)
}

/// Recreates in `stage` every entry of `live` (below `rel`) that a build did
/// not make — files the author keeps in the build directory, such as a
/// `CNAME` or a `.git` folder — as hard links, folders and symbolic links,
/// so that publishing never loses them.
fn carry_over(live: &Path, stage: &Path, rel: &Path, ours: &dyn Fn(&str) -> bool) -> Result<()> {
    let dir = live.join(rel);
    let entries = fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let rel = rel.join(entry.file_name());
        let key = rel.to_string_lossy().replace('\\', "/");
        let name = entry.file_name();
        if is_our_temporary(&name.to_string_lossy()) {
            continue;
        }
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", entry.path().display()))?;
        let to = stage.join(&rel);
        if kind.is_dir() {
            let created = !to.is_dir();
            if created {
                fs::create_dir(&to).with_context(|| format!("cannot create {}", to.display()))?;
            }
            let was_empty = fs::read_dir(entry.path()).is_ok_and(|mut d| d.next().is_none());
            carry_over(live, stage, &rel, ours)?;
            // A folder that only held pages no longer produced goes with them.
            if created && !was_empty {
                let _ = fs::remove_dir(&to);
            }
        } else if ours(&key) || same_file(&entry.path(), &to) {
            continue;
        } else if kind.is_symlink() {
            let target = fs::read_link(entry.path())
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            remove_if_there(&to)?;
            symlink(&target, &to).with_context(|| format!("cannot create {}", to.display()))?;
        } else {
            remove_if_there(&to)?;
            fs::hard_link(entry.path(), &to)
                .or_else(|_| fs::copy(entry.path(), &to).map(drop))
                .with_context(|| format!("cannot keep {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Removes from a reused `stage` (below `rel`) the files that are neither
/// produced by this build nor in the live site any more: the author's
/// files carried over before and deleted since.
fn prune(live: &Path, stage: &Path, rel: &Path, produced: &dyn Fn(&str) -> bool) -> Result<()> {
    let dir = stage.join(rel);
    let entries = fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let rel = rel.join(entry.file_name());
        let key = rel.to_string_lossy().replace('\\', "/");
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            prune(live, stage, &rel, produced)?;
            if fs::symlink_metadata(live.join(&rel)).is_err() {
                let _ = fs::remove_dir(entry.path());
            }
        } else if !produced(&key) && fs::symlink_metadata(live.join(&rel)).is_err() {
            remove_if_there(&entry.path())?;
        }
    }
    Ok(())
}

/// Whether two paths name one file (the same inode), without following
/// symbolic links.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::symlink_metadata(a), fs::symlink_metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

fn remove_if_there(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    fs::copy(target, link).map(drop)
}

/// Temporary files of the per-file writer that came before staging
/// (`.NAME.tmpPID-N`): never carried over, so they disappear.
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
    let (parent, name) = split(dest)?;
    let _lock = Lock::acquire(&parent, &name)?;
    remove_stale_stages(&parent, &name, None);
    let mut removed = 0;
    for rel in read_manifest(dest).keys() {
        if !is_safe_relative(rel) {
            continue;
        }
        let path = dest.join(rel);
        if fs::remove_file(&path).is_ok() {
            removed += 1;
            remove_empty_parents(dest, &path);
        }
    }
    fs::remove_file(dest.join(MANIFEST))?;
    let _ = fs::remove_dir(dest);
    Ok(removed)
}

/// The manifest of a site of `records`, built from `inputs`: in the order
/// of paths, whatever order they were made in.
fn manifest_text(records: &[Record], inputs: Option<&str>) -> String {
    let mut text = String::from(MANIFEST_HEADER);
    text.push('\n');
    if let Some(inputs) = inputs {
        text.push_str(&format!("{INPUTS_MARK}{inputs}\n"));
    }
    let mut sorted: Vec<&Record> = records.iter().collect();
    sorted.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    for r in sorted {
        text.push_str(&format!("{:016x} {}\n", r.hash, r.path));
    }
    text
}

/// What the live site's manifest says it was built from.
fn read_inputs(dest: &Path) -> Option<String> {
    let text = fs::read_to_string(dest.join(MANIFEST)).ok()?;
    let mut lines = text.lines();
    if lines.next() != Some(MANIFEST_HEADER) {
        return None;
    }
    lines.next()?.strip_prefix(INPUTS_MARK).map(str::to_owned)
}

/// The manifest of `dest`: each path with its hash (0 in a manifest of the
/// older format, which lists paths only, so nothing is linked from it).
fn read_manifest(dest: &Path) -> Manifest {
    let Ok(text) = fs::read_to_string(dest.join(MANIFEST)) else {
        return Manifest::new();
    };
    let hashed = text.starts_with(MANIFEST_HEADER);
    text.lines()
        .skip(usize::from(hashed))
        .filter(|line| !(hashed && line.starts_with('#')))
        .filter_map(|line| {
            if !hashed {
                return Some((line.to_owned(), 0));
            }
            let (hash, path) = line.split_once(' ')?;
            Some((path.to_owned(), u64::from_str_radix(hash, 16).ok()?))
        })
        .collect()
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

/// A 64-bit hash of a file's bytes, recorded in the manifest. Never 0,
/// which stands for "unknown".
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    h.write_usize(bytes.len());
    h.finish().max(1)
}

/// Writes a file that does not exist yet (in the stage, nobody reads it
/// before the exchange, so no temporary name is needed).
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let result = (|| -> io::Result<()> {
        let mut f = fs::File::create_new(path)?;
        f.write_all(bytes)
    })();
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
            None,
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
            None,
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

    /// The files of `dir` (without our manifest), as text.
    fn files(dir: &Path) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.file_name().unwrap() != MANIFEST {
                    let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                    out.insert(rel, fs::read_to_string(&p).unwrap());
                }
            }
        }
        out
    }

    #[test]
    fn a_kept_spare_site_is_restaged_with_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        let mut cache = OutputCache::keeping_spare();
        let generations: [&[(&str, &str)]; 5] = [
            &[("a.html", "1"), ("x/b.html", "2"), ("c.html", "3")],
            &[("a.html", "1"), ("x/b.html", "2b"), ("c.html", "3")],
            &[("a.html", "1"), ("x/b.html", "2b"), ("d.html", "4")],
            &[("a.html", "1c"), ("d.html", "4")],
            &[("a.html", "1c"), ("x/b.html", "2"), ("d.html", "4")],
        ];
        let mut stats = Vec::new();
        for (g, pages) in generations.iter().enumerate() {
            if g == 2 {
                fs::write(dest.join("CNAME"), "mine").unwrap();
            }
            if g == 4 {
                fs::remove_file(dest.join("CNAME")).unwrap();
            }
            let pages: Vec<Page> = pages.iter().map(|(p, t)| page(p, t)).collect();
            stats.push(write(&dest, &pages, None, &mut cache).unwrap());
            let mut expected: BTreeMap<String, String> = pages
                .iter()
                .map(|p| (p.path.clone(), String::from_utf8(p.bytes.to_vec()).unwrap()))
                .collect();
            if (2..4).contains(&g) {
                expected.insert("CNAME".into(), "mine".into());
            }
            assert_eq!(files(&dest), expected, "generation {g}");
        }
        assert_eq!(stats[1].written, 1, "only the changed page: {:?}", stats[1]);
        assert_eq!((stats[2].written, stats[2].removed), (1, 1));
        assert_eq!((stats[3].written, stats[3].removed), (1, 1));
        let spare = cache.spare.as_ref().map(|s| s.path.clone()).unwrap();
        assert!(spare.is_dir(), "the spare is kept while watching");
        drop(cache);
        assert!(!spare.exists(), "and removed when watching ends");
    }

    #[test]
    fn an_up_to_date_site_is_left_alone_and_a_deleted_page_is_restored() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        let pages = [page("a.html", "1"), page("x/b.html", "2")];
        write(&dest, &pages, None, &mut OutputCache::default()).unwrap();
        let s = write(&dest, &pages, None, &mut OutputCache::default()).unwrap();
        assert_eq!((s.written, s.unchanged, s.removed), (0, 2, 0));
        fs::remove_file(dest.join("x/b.html")).unwrap();
        let s = write(&dest, &pages, None, &mut OutputCache::default()).unwrap();
        assert_eq!(s.written, 1, "{s:?}");
        assert_eq!(fs::read_to_string(dest.join("x/b.html")).unwrap(), "2");
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
