//! Every text file the build read, kept so that any byte span can be shown
//! to the author as `file:line:col` with the offending line quoted.
//!
//! Diagnostics carry a [`FileId`] and a byte range instead of a formatted
//! location, so locating is done once, when (and only if) a diagnostic is
//! printed.
//!
//! Files are read with a size limit, checked from the file's metadata before
//! anything is read and enforced while reading (see [`read_bounded`]), so an
//! oversized file never has its text in memory.
//!
//! The database also remembers, per path, the size and modification time of
//! what it read. A rebuild in watch mode keeps the database, so a file whose
//! stamp has not changed is not read again and keeps its [`FileId`] and
//! [`File::version`]. The engine's inputs are the files at their versions
//! (see [`crate::db`]).

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use codespan_reporting::files::line_starts;

/// Index of a file in [`Files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(usize);

/// A file as loaded: where it lives, the name shown to authors and its text.
#[derive(Debug)]
pub struct File {
    /// Absolute or working-directory-relative path, used for I/O.
    pub path: PathBuf,
    /// Path relative to the briefing root, used in messages.
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// Bumped whenever the text changes: (id, version) identifies content.
    pub version: u64,
    /// Byte offset of the first invalid UTF-8 sequence, if the file had one
    /// (the text then holds a lossy decoding).
    pub invalid_utf8_at: Option<usize>,
    /// Set when the file was over its size limit: it was not read, and
    /// `text` is empty.
    pub too_large: Option<TooLarge>,
    stamp: Option<(SystemTime, u64)>,
}

/// A file that was not read because it is over its size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// Its size in bytes, when its metadata told it; `None` when only
    /// reading found it longer than `limit` (a file that grew after it was
    /// measured, or one whose metadata has no size, such as those of /proc).
    pub size: Option<u64>,
    pub limit: u64,
}

/// What [`read_bounded`] found.
#[derive(Debug)]
pub enum Bounded {
    /// The whole file, at most the limit long.
    Bytes(Vec<u8>),
    TooLarge(TooLarge),
}

/// Reads `path` if it is at most `limit` bytes long. The size is checked
/// from the open file's metadata first, and reading stops one byte past the
/// limit whatever the metadata said, so memory stays bounded even for a file
/// that grows while it is read or reports no size.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Bounded> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > limit {
        return Ok(Bounded::TooLarge(TooLarge {
            size: Some(size),
            limit,
        }));
    }
    // The metadata's size is only a hint for the allocation, never trusted
    // beyond the limit.
    let mut bytes = Vec::with_capacity(size.min(limit) as usize + 1);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Bounded::TooLarge(TooLarge { size: None, limit }));
    }
    Ok(Bounded::Bytes(bytes))
}

/// The file database. Ids are never reused, so a [`FileId`] stays valid.
///
/// Files are shared (`Arc`), so a copy of the database — the snapshot a
/// build works on while the next scan updates the original — costs a
/// pointer per file, not the texts.
#[derive(Debug, Default, Clone)]
pub struct Files {
    files: Vec<Arc<File>>,
    by_path: Arc<FxHashMap<PathBuf, FileId>>,
    /// Texts that stand in for files on disk: the unsaved documents an
    /// editor has open (`briefing lsp`). Reading such a path gives this
    /// text; closing the document reads the disk again.
    overlay: Arc<FxHashMap<PathBuf, String>>,
}

/// Two databases are equal when they hold the same files at the same
/// versions (a version names one content, see [`File::version`]).
impl PartialEq for Files {
    fn eq(&self, other: &Files) -> bool {
        self.files.len() == other.files.len()
            && self
                .files
                .iter()
                .zip(&other.files)
                .all(|(a, b)| a.version == b.version)
    }
}

impl Files {
    /// Sets (or, with `None`, removes) the text that stands in for `path`
    /// in every later read (see [`Files::read_all`]).
    pub fn set_overlay(&mut self, path: PathBuf, text: Option<String>) {
        let overlay = Arc::make_mut(&mut self.overlay);
        match text {
            Some(text) => overlay.insert(path, text),
            None => overlay.remove(&path),
        };
    }

    /// The text standing in for `path`, if there is one.
    pub fn overlay(&self, path: &Path) -> Option<&str> {
        self.overlay.get(path).map(String::as_str)
    }

    /// Adds a file that does not come from disk (or replaces its text).
    pub fn add(&mut self, path: PathBuf, name: String, text: String) -> FileId {
        self.put(path, name, text, None, None, None)
    }

    /// Reads `path` (at most `limit` bytes, see [`read_bounded`]) unless its
    /// size and modification time are what they were at the last read, in
    /// which case the stored text is reused. `name` (the path shown to
    /// authors) is only made when the file is read. A file over the limit
    /// gets an entry with empty text and [`File::too_large`] set.
    pub fn read(
        &mut self,
        path: &Path,
        limit: u64,
        name: impl FnOnce() -> String,
    ) -> io::Result<FileId> {
        let mut name = Some(name);
        let make = |_: &Path| name.take().map(|f| f()).unwrap_or_default();
        self.read_all(&[path.to_path_buf()], |_| limit, make)
            .pop()
            .expect("one path, one result")
    }

    /// [`Files::read`] for many files, each with its own limit: stats (and
    /// reads what changed) in parallel, then records the results in order.
    pub fn read_all(
        &mut self,
        paths: &[PathBuf],
        limit: impl Fn(&Path) -> u64 + Sync,
        mut name: impl FnMut(&Path) -> String,
    ) -> Vec<io::Result<FileId>> {
        enum Seen {
            Same(FileId),
            Changed(Bounded, Option<(SystemTime, u64)>),
        }
        let seen: Vec<io::Result<Seen>> = paths
            .par_iter()
            .map(|path| {
                if let Some(text) = self.overlay.get(path.as_path()) {
                    // The same text: the same file (and version).
                    if let Some(&id) = self.by_path.get(path.as_path())
                        && self.files[id.0].stamp.is_none()
                        && self.files[id.0].text == *text
                    {
                        return Ok(Seen::Same(id));
                    }
                    return Ok(Seen::Changed(
                        Bounded::Bytes(text.clone().into_bytes()),
                        None,
                    ));
                }
                let meta = std::fs::metadata(path)?;
                let stamp = meta.modified().ok().map(|t| (t, meta.len()));
                if let Some(&id) = self.by_path.get(path.as_path())
                    && stamp.is_some()
                    && self.files[id.0].stamp == stamp
                {
                    return Ok(Seen::Same(id));
                }
                Ok(Seen::Changed(read_bounded(path, limit(path))?, stamp))
            })
            .collect();
        paths
            .iter()
            .zip(seen)
            .map(|(path, seen)| match seen? {
                Seen::Same(id) => Ok(id),
                Seen::Changed(Bounded::Bytes(bytes), stamp) => {
                    let (text, invalid) = decode(bytes);
                    Ok(self.put(path.clone(), name(path), text, invalid, None, stamp))
                }
                Seen::Changed(Bounded::TooLarge(over), stamp) => Ok(self.put(
                    path.clone(),
                    name(path),
                    String::new(),
                    None,
                    Some(over),
                    stamp,
                )),
            })
            .collect()
    }

    fn put(
        &mut self,
        path: PathBuf,
        name: String,
        text: String,
        invalid_utf8_at: Option<usize>,
        too_large: Option<TooLarge>,
        stamp: Option<(SystemTime, u64)>,
    ) -> FileId {
        // Versions are unique in the process, not per database: two
        // databases never hand out the same (id, version) pair for
        // different texts.
        static NEXT_VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let version = NEXT_VERSION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let line_starts = line_starts(&text).collect();
        let file = File {
            path: path.clone(),
            name,
            text,
            line_starts,
            version,
            invalid_utf8_at,
            too_large,
            stamp,
        };
        match self.by_path.get(&path) {
            Some(&id) => {
                self.files[id.0] = Arc::new(file);
                id
            }
            None => {
                self.files.push(Arc::new(file));
                let id = FileId(self.files.len() - 1);
                Arc::make_mut(&mut self.by_path).insert(path, id);
                id
            }
        }
    }

    pub fn version(&self, id: FileId) -> u64 {
        self.files[id.0].version
    }

    pub fn get(&self, id: FileId) -> &File {
        &self.files[id.0]
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.files[id.0].text
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.files[id.0].name
    }

    pub fn path(&self, id: FileId) -> &Path {
        &self.files[id.0].path
    }

    /// Every file with its ID.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Arc<File>)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        self.get(id).line_col(offset)
    }

    /// Byte offset of a 1-based line and (character) column; clamped to the text.
    pub fn offset_of(&self, id: FileId, line: usize, col: usize) -> usize {
        self.get(id).offset_of(line, col)
    }

    /// The byte range of the line that holds `offset`, without its line break.
    pub fn line_range(&self, id: FileId, offset: usize) -> Range<usize> {
        self.get(id).line_range(offset)
    }

    /// 0-based index of the line (as split at `\n`) that holds `offset`.
    pub fn line_index(&self, id: FileId, offset: usize) -> usize {
        self.get(id).line_index(offset)
    }

    /// The byte offset where line `index` (0-based) starts, and its text
    /// without the line break (`\n` or `\r\n`).
    pub fn line_text(&self, id: FileId, index: usize) -> (usize, &str) {
        self.get(id).line_text(index)
    }
}

impl File {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let col = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count();
        (line + 1, col + 1)
    }

    /// Byte offset of a 1-based line and (character) column; clamped to the text.
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(self.text.len(), |(i, _)| start + i)
    }

    /// The byte range of the line that holds `offset`, without its line break.
    pub fn line_range(&self, offset: usize) -> Range<usize> {
        // From the line index, not by searching backwards: on a one-line
        // file of many megabytes that search is what took the time.
        let start = self.line_starts[self.line_index(offset)];
        let end = self.text[start..]
            .find(['\n', '\r'])
            .map_or(self.text.len(), |i| start + i);
        start..end
    }

    /// 0-based index of the line (as split at `\n`) that holds `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// The byte offset where line `index` (0-based) starts, and its text
    /// without the line break (`\n` or `\r\n`).
    pub fn line_text(&self, index: usize) -> (usize, &str) {
        let start = self.line_starts[index.min(self.line_starts.len() - 1)];
        let end = self
            .line_starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.text.len());
        let line = &self.text[start..end];
        let line = line.strip_suffix('\n').unwrap_or(line);
        (start, line.strip_suffix('\r').unwrap_or(line))
    }
}

/// The text of a file, and the offset of its first invalid UTF-8 byte if any
/// (the text then holds a lossy decoding).
fn decode(bytes: Vec<u8>) -> (String, Option<usize>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let offset = String::from_utf8_lossy(&e.as_bytes()[..valid]).len();
            (
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
                Some(offset),
            )
        }
    }
}

/// The largest char boundary at or below `i` (stable replacement for the
/// unstable `str::floor_char_boundary`).
pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let mut files = Files::default();
        let id = files.add("a".into(), "a".into(), "ab\n“é” x\n".into());
        assert_eq!(files.line_col(id, 0), (1, 1));
        assert_eq!(files.line_col(id, 3), (2, 1));
        let x = files.text(id).find('x').unwrap();
        assert_eq!(files.line_col(id, x), (2, 5));
        assert_eq!(files.offset_of(id, 2, 5), x);
    }

    /// What `read_bounded` refused, if anything.
    fn refused(path: &Path, limit: u64) -> Option<TooLarge> {
        match read_bounded(path, limit).unwrap() {
            Bounded::Bytes(_) => None,
            Bounded::TooLarge(over) => Some(over),
        }
    }

    #[test]
    fn files_over_their_limit_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "0123456789").unwrap();
        assert!(
            matches!(read_bounded(&path, 10).unwrap(), Bounded::Bytes(b) if b == b"0123456789")
        );
        let size = Some(10);
        assert_eq!(refused(&path, 9), Some(TooLarge { size, limit: 9 }));
        // Sparse: a gigabyte that costs no disk, refused from its metadata.
        let huge = dir.path().join("huge.txt");
        let file = std::fs::File::create(&huge).unwrap();
        file.set_len(1 << 30).unwrap();
        let (size, limit) = (Some(1 << 30), 1_000_000);
        assert_eq!(refused(&huge, limit), Some(TooLarge { size, limit }));
        let mut files = Files::default();
        let id = files.read(&huge, limit, || "huge.txt".into()).unwrap();
        assert_eq!(files.text(id), "");
        assert_eq!(files.get(id).too_large, Some(TooLarge { size, limit }));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_longer_than_its_metadata_says_is_still_cut_at_the_limit() {
        // /proc files report a size of 0 and have more to read.
        let path = Path::new("/proc/self/status");
        assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
        let limit = 10;
        assert_eq!(refused(path, limit), Some(TooLarge { size: None, limit }));
    }
}
