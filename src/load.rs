//! Reads a briefing folder into a [`Briefing`].
//!
//! This is the only stage that touches the content on disk. Problems in what
//! the author wrote become [`Diagnostic`]s and loading carries on, so one run
//! reports everything; only I/O failures (unreadable folders) are errors.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::config::{Config, SiteUrl};
use crate::date::DateSpec;
use crate::db::{self, Db};
use crate::diag::{Diagnostic, span_in};
use crate::engine::Cx;
use crate::files::{File, FileId, Files};
use crate::integrity;
use crate::markdown;
use crate::model::*;
use crate::yaml::{self, Seg, YamlPath};

pub const CONFIG_FILE: &str = "book.toml";
pub const CONTENT_DIR: &str = "content";
pub const SOURCES_DIR: &str = "sources";
pub const FRONT_FILE: &str = "front.yaml";
/// Real notes are a few kilobytes; a limit keeps a runaway file (or a
/// YAML bomb written out long-hand) from taking the machine's memory.
/// Limits are checked before a file is read (see [`crate::files::read_bounded`]).
pub const MAX_YAML_BYTES: u64 = 1_000_000;
/// Sources are articles and reports; larger files are surely not one.
pub const MAX_SOURCE_BYTES: u64 = 16_000_000;
/// `book.toml` holds a few settings.
pub const MAX_CONFIG_BYTES: u64 = 1_000_000;

/// The size limit of a file of the briefing, by what the file is:
/// `book.toml`, YAML (notes, source metadata, `front.yaml`) or a source
/// text; and what its `too-large` diagnostic says (see [`too_large`]).
fn limit_of(path: &Path) -> (u64, &'static str, &'static str) {
    if path.file_name().is_some_and(|n| n == CONFIG_FILE) {
        (
            MAX_CONFIG_BYTES,
            "book.toml",
            "book.toml holds a few settings (see the README's `book.toml` section)",
        )
    } else if is_yaml(path) {
        (
            MAX_YAML_BYTES,
            "a note or metadata file",
            "split it into several notes; long texts belong in content/sources/",
        )
    } else {
        (
            MAX_SOURCE_BYTES,
            "a source",
            "a source is one article or report: split the document, or keep the part the notes cite",
        )
    }
}

/// The `too-large` diagnostic for a file that was not read because it is
/// over its size limit (`None` if it was read). `allowed` names what may be
/// at most the limit ("a template"); `help` says what to do instead.
pub fn too_large(files: &Files, file: FileId, allowed: &str, help: &str) -> Option<Diagnostic> {
    let over = files.get(file).too_large?;
    let mb = |n: u64| n as f64 / 1e6;
    let size = match over.size {
        Some(size) => format!("{:.1} MB", mb(size)),
        None => format!("more than {} MB", mb(over.limit)),
    };
    Some(
        Diagnostic::error(
            "too-large",
            format!(
                "this file is {size}; {allowed} may be at most {} MB",
                mb(over.limit)
            ),
        )
        .at(file, 0..0)
        .label("not read")
        .help(help),
    )
}

/// What a scan of the briefing's folder found: which files play which part,
/// the file database as it was read (a snapshot), and the problems seen
/// while listing and reading (links leading outside, files too large,
/// folders where files belong…). Parsing comes after, in [`assemble`].
#[derive(Debug, PartialEq)]
pub struct Scan {
    pub root: PathBuf,
    pub files: Files,
    /// `book.toml`; `None` when it cannot be used (reported; defaults apply).
    pub config: Option<FileId>,
    /// The files of `content/sources/`, with whether each is metadata
    /// (YAML) rather than a text.
    pub sources: Vec<(FileId, bool)>,
    /// IDs of texts that are there but cannot be read (a folder named
    /// `x.txt`, a refused link): already reported, so their metadata is no
    /// orphan.
    pub unreadable: Vec<String>,
    pub notes: Vec<(FileId, Kind)>,
    pub front: Option<FileId>,
    pub diags: Vec<Diagnostic>,
}

/// What changed since the last scan, as the file events tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// Unknown (a first build, a watcher overflow, a folder created,
    /// removed, renamed or replaced): list everything again.
    Everything,
    /// Only the contents of these files (absolute paths, as the events
    /// give them).
    Files(std::collections::BTreeSet<PathBuf>),
}

/// [`scan`], or, when only the contents of files the last scan read have
/// changed, that scan again with just those files read anew: no folder is
/// listed and no other file looked at. Anything else — a path it did not
/// read (a new file, a template), `book.toml`, a file that is now something
/// else — and the whole folder is scanned as [`scan`] does.
pub fn rescan(
    root: &Path,
    files: &mut Files,
    last: Option<&Scan>,
    changed: &Changed,
) -> Result<Scan> {
    let (Some(last), Changed::Files(paths)) = (last, changed) else {
        return scan(root, files);
    };
    let content = root.join(CONTENT_DIR);
    let templates = root.join(crate::render::theme::USER_TEMPLATES_DIR);
    let read: rustc_hash::FxHashMap<&Path, FileId> = last
        .sources
        .iter()
        .map(|(id, _)| *id)
        .chain(last.notes.iter().map(|(id, _)| *id))
        .chain(last.front)
        .map(|id| (last.files.path(id), id))
        .collect();
    let mut again = Vec::new();
    for path in paths {
        if path.starts_with(&templates) {
            // The theme is loaded on its own, every time.
            continue;
        }
        let is_file = fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
        match read.get(path.as_path()) {
            Some(&id) if last.root == root && path.starts_with(&content) && is_file => {
                again.push(id)
            }
            _ => return scan(root, files),
        }
    }
    // The problems found in reading a file are found again when it is read.
    let diags = last
        .diags
        .iter()
        .filter(|d| {
            let reread = d.primary.as_ref().is_some_and(|l| again.contains(&l.file));
            !(reread && matches!(d.code, "too-large" | "encoding"))
        })
        .cloned()
        .collect();
    let mut loader = Loader {
        root: root.to_path_buf(),
        files,
        diags,
        fence: Fence::new(root),
    };
    let paths: Vec<PathBuf> = again
        .iter()
        .map(|&id| last.files.path(id).to_path_buf())
        .collect();
    loader.read_all(&paths)?;
    Ok(Scan {
        root: root.to_path_buf(),
        files: loader.files.clone(),
        config: last.config,
        sources: last.sources.clone(),
        unreadable: last.unreadable.clone(),
        notes: last.notes.clone(),
        front: last.front,
        diags: loader.diags,
    })
}

/// Lists and reads the briefing at `root` into `files` (only what changed
/// since `files` last read it). `Err` only for I/O problems.
pub fn scan(root: &Path, files: &mut Files) -> Result<Scan> {
    let mut loader = Loader {
        root: root.to_path_buf(),
        files,
        diags: Vec::new(),
        fence: Fence::new(root),
    };
    let config = loader.config()?;
    let (sources, unreadable, notes, front) = loader.content(&root.join(CONTENT_DIR))?;
    Ok(Scan {
        root: root.to_path_buf(),
        files: loader.files.clone(),
        config,
        sources,
        unreadable,
        notes,
        front,
        diags: loader.diags,
    })
}

/// A loaded briefing and the problems found in it.
#[derive(Debug, PartialEq)]
pub struct Loaded {
    pub briefing: Arc<Briefing>,
    pub diags: Vec<Diagnostic>,
}

/// The parse of one file: its value and its problems.
#[derive(Debug, PartialEq)]
pub struct Parsed<T> {
    pub value: T,
    pub diags: Vec<Diagnostic>,
}

/// Builds the briefing from a scan, each file parsed by its own query (see
/// [`crate::db`]), so that only the files that changed are parsed again.
pub fn assemble(cx: &Cx<'_, Db>, scan: &Scan, site_url_override: Option<SiteUrl>) -> Loaded {
    let mut diags = scan.diags.clone();
    let (config, site_url) = match scan.config {
        Some(file) => {
            let parsed = cx.get::<db::ConfigFile>(&file);
            diags.extend(parsed.diags.iter().cloned());
            parsed.value.clone()
        }
        None => (Config::default(), None),
    };
    let site_url = site_url_override.or(site_url);
    let sources = assemble_sources(cx, scan, &mut diags);
    let parsed = cx.par_map(&scan.notes, |cx, key| cx.get::<db::NoteFile>(key));
    let mut notes = Vec::with_capacity(parsed.len());
    let mut unusable_notes = Vec::new();
    for (p, (file, _)) in parsed.iter().zip(&scan.notes) {
        diags.extend(p.diags.iter().cloned());
        match &p.value {
            Some(note) => notes.push(note.clone()),
            None => {
                let stem = scan.files.get(*file).path.file_stem().unwrap_or_default();
                let stem = stem.to_string_lossy();
                if is_valid_id(&stem) {
                    unusable_notes.push(stem.into_owned());
                }
            }
        }
    }
    notes.sort_unstable_by(|a, b| a.order_key().cmp(b.order_key()));
    let front = scan.front.and_then(|file| {
        let p = cx.get::<db::FrontFile>(&file);
        diags.extend(p.diags.iter().cloned());
        p.value.clone()
    });
    let briefing = Briefing {
        root: scan.root.clone(),
        site_url,
        config,
        files: scan.files.clone(),
        sources,
        notes,
        front,
        unusable_notes,
    };
    diags.extend(duplicate_ids(&briefing));
    Loaded {
        briefing: Arc::new(briefing),
        diags,
    }
}

/// The sources: texts with their metadata, sorted by ID.
fn assemble_sources(cx: &Cx<'_, Db>, scan: &Scan, diags: &mut Vec<Diagnostic>) -> Vec<Source> {
    let files = &scan.files;
    let mut texts: Vec<Source> = Vec::new();
    let mut metas: Vec<(String, Arc<SourceMeta>)> = Vec::new();
    for &(file, is_meta) in &scan.sources {
        if is_meta {
            let p = cx.get::<db::MetaFile>(&file);
            diags.extend(p.diags.iter().cloned());
            if let Some((id, Some(meta))) = &p.value {
                metas.push((id.clone(), meta.clone()));
            }
            continue;
        }
        let p = cx.get::<db::SourceFile>(&file);
        diags.extend(p.diags.iter().cloned());
        if let Some(id) = &p.value {
            texts.push(Source {
                id: id.clone(),
                file,
                meta: None,
            });
        }
    }
    texts.sort_by(|a, b| a.id.cmp(&b.id));
    for pair in texts.windows(2) {
        if pair[0].id == pair[1].id {
            diags.push(
                Diagnostic::error(
                    "duplicate-id",
                    format!("two source files have the ID `{}`", pair[0].id),
                )
                .at(pair[1].file, 0..0)
                .note(format!("the other is {}", files.name(pair[0].file)))
                .help("a source's ID is its file stem; rename one of them"),
            );
        }
    }
    texts.dedup_by(|b, a| a.id == b.id);
    for (id, meta) in metas {
        match texts.binary_search_by(|s| s.id.cmp(&id)) {
            Ok(i) => texts[i].meta = Some(meta),
            Err(_) if scan.unreadable.contains(&id) => {}
            Err(_) => diags.push(
                Diagnostic::error(
                    "orphan-metadata",
                    format!("metadata for `{id}`, but there is no source text `{id}`"),
                )
                .at(meta.file, 0..0)
                .help(format!(
                    "put the text beside it (e.g. `{id}.txt`) or rename this file to match its text"
                )),
            ),
        }
    }
    for source in &texts {
        if source.meta.is_none() {
            diags.push(
                Diagnostic::warning(
                    "missing-metadata",
                    format!("source `{}` has no metadata", source.id),
                )
                .at(source.file, 0..0)
                .help(format!(
                    "add `{}.yaml` beside it with at least `title`, `language` and `translation`",
                    source.id
                )),
            );
        }
    }
    texts
}

/// Loads the briefing at `root` once, outside any engine (for the commands
/// that only need to know what a briefing holds, such as `sources`).
pub fn load(root: &Path) -> Result<(Arc<Briefing>, Vec<Diagnostic>)> {
    let mut engine = crate::db::engine();
    let loaded = crate::db::load(&mut engine, root, Default::default())?;
    Ok((loaded.briefing.clone(), loaded.diags.clone()))
}

/// Parses one note of `kind` from `text`, as `load` would parse the file
/// `content/<kind>/<id>.yaml`: the note if it is valid, the diagnostics, and
/// the file database they point into. Touches no file.
pub fn parse_note(kind: Kind, id: &str, text: &str) -> (Option<Note>, Vec<Diagnostic>, Files) {
    let mut files = Files::default();
    let name = format!("{CONTENT_DIR}/{}/{id}.yaml", kind.dir());
    let file = files.add(PathBuf::from(&name), name.clone(), text.to_owned());
    let mut unit = Unit {
        file: files.get(file),
        diags: Vec::new(),
    };
    let note = unit
        .id_of(Path::new(&name), file)
        .and_then(|id| unit.note(file, id, kind));
    let diags = unit.diags;
    (note, diags, files)
}

/// The parse of a note file (`content/<kind>/<id>.yaml`).
pub fn note_file(file: &File, id: FileId, kind: Kind) -> Parsed<Option<Arc<Note>>> {
    Unit::run(file, |u| {
        let note_id = u.id_of(&file.path, id)?;
        u.note(id, note_id, kind).map(Arc::new)
    })
}

/// The parse of a source's metadata (`content/sources/<id>.yaml`): its ID
/// and, if valid, the metadata.
pub fn meta_file(file: &File, id: FileId) -> Parsed<Option<(String, Option<Arc<SourceMeta>>)>> {
    Unit::run(file, |u| {
        let source_id = u.id_of(&file.path, id)?;
        let meta = u.source_meta(id, &source_id).map(Arc::new);
        Some((source_id, meta))
    })
}

/// A source text's ID, if its name is a valid one and it is usable text.
pub fn source_file(file: &File, id: FileId) -> Parsed<Option<String>> {
    Unit::run(file, |u| {
        let source_id = u.id_of(&file.path, id)?;
        u.plain_text(id).then_some(source_id)
    })
}

/// The parse of `content/front.yaml`.
pub fn front_file(file: &File, id: FileId) -> Parsed<Option<Arc<Front>>> {
    Unit::run(file, |u| {
        let raw = u.parse::<RawFront>(id)?;
        let mut refs = Vec::new();
        let summary = claims(raw.summary, "summary", &mut refs);
        let why_it_matters = claims(raw.why_it_matters, "why_it_matters", &mut refs);
        let next = claims(raw.next, "next", &mut refs);
        let bottom_line = claims(raw.bottom_line, "bottom_line", &mut refs);
        let key_facts = claims(raw.key_facts, "key_facts", &mut refs);
        Some(Arc::new(Front {
            file: id,
            summary,
            why_it_matters,
            next,
            bottom_line,
            key_facts,
            refs,
        }))
    })
}

/// The parse of `book.toml`: the settings (the defaults where it is
/// invalid) and the site URL.
pub fn config_file(file: &File, id: FileId) -> Parsed<(Config, Option<SiteUrl>)> {
    let mut diags = Vec::new();
    if file.too_large.is_some() {
        // Reported when read; the defaults let the content be checked.
        return Parsed {
            value: (Config::default(), None),
            diags,
        };
    }
    let config = match Config::from_str(&file.text) {
        Ok(config) => {
            if let Some(updated) = &config.book.updated
                && let Err(why) = DateSpec::parse(updated)
            {
                let at = file.text.find("updated").unwrap_or(0);
                let end = file.line_range(at).end;
                diags.push(
                    Diagnostic::error(
                        "invalid-date",
                        format!("invalid `updated` date `{updated}`: {why}"),
                    )
                    .at(id, at..end)
                    .help("write a day such as `2024-03-27`"),
                );
            }
            config
        }
        Err(e) => {
            let range = e.range.unwrap_or(0..0);
            diags.push(
                Diagnostic::error("config", e.message)
                    .at(id, range)
                    .help("see the `book.toml` section of the README for the valid keys"),
            );
            Config::default()
        }
    };
    let site_url =
        config
            .output
            .html
            .site_url
            .as_deref()
            .and_then(|text| match SiteUrl::parse(text) {
                Ok(url) => Some(url),
                Err(why) => {
                    let at = file.text.find("site-url").unwrap_or(0);
                    let end = file.line_range(at).end;
                    diags.push(Diagnostic::error("config", why).at(id, at..end));
                    None
                }
            });
    Parsed {
        value: (config, site_url),
        diags,
    }
}

/// What `content/` holds: the sources (and the IDs of unreadable texts),
/// the notes and the front page.
type Content = (
    SourceFiles,
    Vec<String>,
    Vec<(FileId, Kind)>,
    Option<FileId>,
);

/// The files of `content/sources/`, each with whether it is metadata.
type SourceFiles = Vec<(FileId, bool)>;

struct Loader<'f> {
    root: PathBuf,
    files: &'f mut Files,
    diags: Vec<Diagnostic>,
    fence: Fence,
}

impl Loader<'_> {
    /// The name shown to authors for a file of the briefing.
    fn name_of(root: &Path, path: &Path) -> String {
        path.strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }

    fn read(&mut self, path: &Path) -> Result<FileId> {
        Ok(self.read_all(&[path.to_path_buf()])?[0])
    }

    /// Reads many files at once (in parallel), each within its limit.
    fn read_all(&mut self, paths: &[PathBuf]) -> Result<Vec<FileId>> {
        let root = self.root.clone();
        let results = self
            .files
            .read_all(paths, |p| limit_of(p).0, |p| Self::name_of(&root, p));
        let mut ids = Vec::with_capacity(paths.len());
        for (path, result) in paths.iter().zip(results) {
            let id = result.with_context(|| format!("cannot read {}", path.display()))?;
            self.note_read(id);
            ids.push(id);
        }
        Ok(ids)
    }

    /// Reports a file too large to read or badly encoded.
    fn note_read(&mut self, id: FileId) {
        let (_, allowed, help) = limit_of(self.files.path(id));
        self.diags.extend(too_large(self.files, id, allowed, help));
        if let Some(offset) = self.files.get(id).invalid_utf8_at {
            self.diags.push(
                Diagnostic::error("encoding", "this file is not valid UTF-8")
                    .at(id, offset..offset + 1)
                    .label("invalid byte here")
                    .help("save the file as UTF-8"),
            );
        }
    }

    /// `book.toml`, read; `None` if something else is in its place
    /// (reported; the defaults let the rest of the briefing be checked).
    fn config(&mut self) -> Result<Option<FileId>> {
        let path = self.root.join(CONFIG_FILE);
        match self.what(&path) {
            Some(What::File) | None => {}
            Some(What::Refused) => return Ok(None),
            Some(what) => {
                self.not_a_file(&path, what, "the configuration");
                return Ok(None);
            }
        }
        if !path.is_file() {
            anyhow::bail!(
                "no {CONFIG_FILE} in {}: is this a briefing? (`briefing init` creates one)",
                self.root.display()
            );
        }
        Ok(Some(self.read(&path)?))
    }

    /// Entries of a folder (itself already fenced), sorted by name, with
    /// what each is; see [`Fence::list`].
    fn entries(&mut self, dir: &Path) -> Result<Vec<(PathBuf, What)>> {
        self.fence.list(dir, self.files, &mut self.diags)
    }

    /// What `path` is, through the [`Fence`]: `None` if nothing is there.
    fn what(&mut self, path: &Path) -> Option<What> {
        self.fence.what(path, self.files, &mut self.diags)
    }

    /// Reports that `path` is a folder or a special file where a file
    /// (`expected`) belongs.
    fn not_a_file(&mut self, path: &Path, what: What, expected: &str) {
        let d = self.fence.not_a_file(path, what, expected, self.files);
        self.diags.push(d);
    }

    /// Reports a file that a content folder does not hold and is therefore
    /// neither read nor published: a PDF among the sources, a key copied
    /// there by mistake. It is named so that nobody expects it on the site.
    fn ignored_file(&mut self, path: &Path, message: String, help: String) {
        let file = self.fence.place(path, self.files);
        self.diags.push(
            Diagnostic::warning("ignored-file", message)
                .at(file, 0..0)
                .label("not read")
                .help(help),
        );
    }

    /// The sources, notes and front page under `content/`. Nothing behind a
    /// refused link is listed or read.
    fn content(&mut self, content: &Path) -> Result<Content> {
        match self.what(content) {
            Some(What::Dir) => {}
            Some(What::Refused) => return Ok((Vec::new(), Vec::new(), Vec::new(), None)),
            _ => anyhow::bail!(
                "no `{CONTENT_DIR}/` folder in {}: a briefing keeps its sources and notes there (run `briefing init` to create one)",
                self.root.display()
            ),
        }
        // Listing `content/` itself fences every entry in it, so a link
        // leading outside is reported wherever it is, even if unused.
        let entries = self.entries(content)?;
        let find = |name: &str| {
            entries
                .iter()
                .find(|(p, _)| p.file_name().is_some_and(|n| n == name))
                .cloned()
        };
        let (sources, unreadable) = match find(SOURCES_DIR) {
            Some((dir, What::Dir)) => self.sources(&dir)?,
            _ => (Vec::new(), Vec::new()),
        };
        let mut kinds = Vec::new();
        for kind in Kind::ALL {
            if let Some((dir, What::Dir)) = find(kind.dir()) {
                kinds.push((dir, kind));
            }
        }
        let notes = self.notes(&kinds)?;
        let front = match find(FRONT_FILE) {
            Some((path, What::File)) => Some(self.read(&path)?),
            Some((path, what @ (What::Dir | What::Special(_)))) => {
                self.not_a_file(&path, what, "the front page");
                None
            }
            _ => None,
        };
        Ok((sources, unreadable, notes, front))
    }

    /// The files of `content/sources/` (with whether each is metadata) and
    /// the IDs of texts that cannot be read.
    fn sources(&mut self, dir: &Path) -> Result<(SourceFiles, Vec<String>)> {
        let mut unreadable = Vec::new();
        let mut paths = Vec::new();
        for (path, what) in self.entries(dir)? {
            let is_text = has_extension(&path, &["txt"]);
            let named_like = is_text || is_yaml(&path);
            match what {
                What::File if named_like => paths.push(path),
                What::File => {
                    let name = self.fence.name(&path);
                    self.ignored_file(
                        &path,
                        format!("`{name}` is not a source: only `.txt` files are sources; it is not read or published"),
                        format!("save the document as plain text in a `.txt` file, or move this file out of `{CONTENT_DIR}/{SOURCES_DIR}/`"),
                    );
                }
                // Other folders (`originals/`, say) are the author's business.
                What::Dir if !named_like => {}
                What::Dir | What::Special(_) => {
                    let expected = if is_text {
                        "a source"
                    } else {
                        "source metadata"
                    };
                    self.not_a_file(&path, what, expected);
                    if is_text {
                        unreadable.push(stem(&path));
                    }
                }
                What::Refused if is_text => unreadable.push(stem(&path)),
                What::Refused => {}
            }
        }
        let files = self.read_all(&paths)?;
        let sources = paths
            .iter()
            .zip(files)
            .map(|(path, file)| (file, is_yaml(path)))
            .collect();
        Ok((sources, unreadable))
    }

    /// Every note file in the given kind folders, read.
    fn notes(&mut self, kinds: &[(PathBuf, Kind)]) -> Result<Vec<(FileId, Kind)>> {
        let mut found: Vec<(PathBuf, Kind)> = Vec::new();
        for (dir, kind) in kinds {
            for (path, what) in self.entries(dir)? {
                let named_like = is_yaml(&path);
                match what {
                    What::File if named_like => found.push((path, *kind)),
                    What::File => {
                        let name = self.fence.name(&path);
                        let folder = format!("{CONTENT_DIR}/{}/", kind.dir());
                        self.ignored_file(
                            &path,
                            format!("`{name}` is not a note: only `.yaml` files are notes; it is not read"),
                            format!("if it is a note, rename it to `{}.yaml`; otherwise move it out of `{folder}`", stem(&path)),
                        );
                    }
                    What::Dir if !named_like => {}
                    What::Dir | What::Special(_) => {
                        self.not_a_file(&path, what, "a note");
                    }
                    What::Refused => {}
                }
            }
        }
        let paths: Vec<PathBuf> = found.iter().map(|(p, _)| p.clone()).collect();
        let files = self.read_all(&paths)?;
        Ok(files
            .into_iter()
            .zip(found)
            .map(|(file, (_, kind))| (file, kind))
            .collect())
    }
}

/// What one file's parse sees: the file (read-only) and its own
/// diagnostics. Units are pure functions of their file, so they can be
/// memoised and computed in parallel.
struct Unit<'a> {
    file: &'a File,
    diags: Vec<Diagnostic>,
}

impl<'a> Unit<'a> {
    fn run<T>(file: &'a File, f: impl FnOnce(&mut Unit<'a>) -> T) -> Parsed<T> {
        let mut unit = Unit {
            file,
            diags: Vec::new(),
        };
        let value = f(&mut unit);
        Parsed {
            value,
            diags: unit.diags,
        }
    }

    /// Whether a source is usable text: read (not over its size limit,
    /// which was reported when it was read) and without NUL bytes (which
    /// mean a binary or damaged file). Reports why not.
    fn plain_text(&mut self, file: FileId) -> bool {
        if self.file.too_large.is_some() {
            return false;
        }
        let Some(at) = self.file.text.find('\0') else {
            return true;
        };
        self.diags.push(
            Diagnostic::error(
                "not-text",
                "this source contains a NUL byte, so it is not plain text",
            )
            .at(file, at..at)
            .help("sources are plain UTF-8 text; convert the document to text first"),
        );
        false
    }

    /// The file stem as an ID, or a diagnostic if it is not a valid one.
    fn id_of(&mut self, path: &Path, file: FileId) -> Option<String> {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        if is_valid_id(&stem) {
            return Some(stem.into_owned());
        }
        let suggestion = suggest_id(&stem);
        self.diags.push(
            Diagnostic::error("invalid-id", format!("`{stem}` is not a valid ID"))
                .at(file, 0..0)
                .label("the file name is the ID")
                .help(format!(
                    "IDs use lowercase letters, digits, `-` and `_`; rename the file to `{suggestion}`"
                )),
        );
        None
    }

    fn source_meta(&mut self, file: FileId, id: &str) -> Option<SourceMeta> {
        let raw: RawSourceMeta = self.parse(file)?;
        let published = raw
            .published
            .as_ref()
            .and_then(|d| self.date(file, d, vec![Seg::Key("published")]));
        let retrieved = raw
            .retrieved
            .as_ref()
            .and_then(|d| self.date(file, d, vec![Seg::Key("retrieved")]));
        let original = raw.original.filter(|o| self.original_ok(file, o));
        if let Some(why) = raw.sha256.as_deref().and_then(integrity::hash_problem) {
            self.diags.push(
                Diagnostic::error("invalid-hash", why)
                    .at(file, span_in(self.file, &[Seg::Key(integrity::FIELD)]))
                    .help(format!(
                        "run `briefing sources --rehash {id}` to record the SHA-256 of the source's text"
                    )),
            );
        }
        Some(SourceMeta {
            file,
            title: raw.title,
            label: raw.label,
            derived_from: raw.derived_from,
            layout: raw.layout,
            publisher: raw.publisher,
            author: raw.author,
            url: raw.url,
            published,
            retrieved,
            original,
            language: raw.language,
            original_language: raw.original_language,
            translation: raw.translation,
            caveats: raw.caveats,
            sha256: raw.sha256,
        })
    }

    /// Whether `original:` names a file under `originals/` (nothing outside
    /// the briefing) and records a well-formed hash; reports it if not.
    fn original_ok(&mut self, file: FileId, o: &crate::model::Original) -> bool {
        let path = Path::new(&o.file);
        let inside = path.starts_with(crate::add::ORIGINALS_DIR)
            && path.components().count() == 2
            && path
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        let problem = if !inside {
            Some((
                vec![Seg::Key("original"), Seg::Key("file")],
                format!("`{}` is not a file in `originals/`", o.file),
                format!(
                    "name the kept document as `{}/NAME`, relative to `content/sources/`",
                    crate::add::ORIGINALS_DIR
                ),
            ))
        } else {
            integrity::hash_problem(&o.sha256).map(|why| {
                (
                    vec![Seg::Key("original"), Seg::Key("sha256")],
                    why,
                    "record the SHA-256 of the kept document's bytes (`sha256sum` prints it)"
                        .to_owned(),
                )
            })
        };
        let Some((at, message, help)) = problem else {
            return true;
        };
        self.diags.push(
            Diagnostic::error("invalid-original", message)
                .at(file, span_in(self.file, &at))
                .help(help),
        );
        false
    }

    fn parse<T: for<'de> Deserialize<'de>>(&mut self, file: FileId) -> Option<T> {
        if self.file.too_large.is_some() {
            // Not read, and already reported when it was read.
            return None;
        }
        let text = &self.file.text;
        if let Some(at) = text.find('\0') {
            self.diags.push(
                Diagnostic::error(
                    "not-text",
                    "this file contains a NUL byte, so it is not plain text",
                )
                .at(file, at..at)
                .help("remove the character; notes are plain UTF-8 text"),
            );
            return None;
        }
        match yaml::parse(text) {
            Ok(value) => Some(value),
            Err(e) => {
                let start = e
                    .position
                    .map_or(0, |p| self.file.offset_of(p.line, p.column));
                let range = start..self.file.line_range(start).end.max(start);
                let help = yaml_help(&e.message);
                let mut d = Diagnostic::error("yaml", e.message).at(file, range);
                if let Some(help) = help {
                    d = d.help(help);
                }
                self.diags.push(d);
                None
            }
        }
    }

    fn date(&mut self, file: FileId, text: &str, path: YamlPath) -> Option<DateSpec> {
        match DateSpec::parse(text) {
            Ok(date) => Some(date),
            Err(why) => {
                self.diags.push(
                    Diagnostic::error("invalid-date", format!("invalid date `{text}`: {why}"))
                        .at(file, span_in(self.file, &path))
                        .help("write a day `2024-03-25`, a month `2024-03`, a year `2024`, or a range `2021/2022`"),
                );
                None
            }
        }
    }

    fn note(&mut self, file: FileId, id: String, kind: Kind) -> Option<Note> {
        let mut refs = Vec::new();
        let (common, body) = match kind {
            Kind::Who => {
                let mut raw: RawWhoShape = self.parse(file)?;
                (
                    Common::from(&mut raw),
                    Body::Who {
                        actor_type: raw.actor_type,
                        role: raw.role,
                        affiliation: raw.affiliation,
                        aliases: raw.aliases,
                    },
                )
            }
            Kind::What => {
                let mut raw: RawWhatShape = self.parse(file)?;
                push_refs(&mut refs, "actors", &raw.actors);
                let date = self.date(file, &raw.date, vec![Seg::Key("date")])?;
                (
                    Common::from(&mut raw),
                    Body::What {
                        date,
                        derived: raw.date_derived,
                    },
                )
            }
            Kind::Response => {
                let mut raw: RawResponseShape = self.parse(file)?;
                push_refs(&mut refs, "responders", &raw.responders);
                push_refs(&mut refs, "responding_to", &raw.responding_to);
                let date = match &raw.date {
                    Some(d) => Some(self.date(file, d, vec![Seg::Key("date")])?),
                    None => None,
                };
                (
                    Common::from(&mut raw),
                    Body::Response {
                        response_type: raw.response_type,
                        date,
                    },
                )
            }
            Kind::Question => {
                let mut raw: RawQuestionShape = self.parse(file)?;
                (
                    Common::from(&mut raw),
                    Body::Question {
                        status: raw.status,
                        about: raw.about,
                    },
                )
            }
        };
        push_refs(&mut refs, "related", &common.related);
        if let Some(summary) = &common.summary {
            push_markdown_refs(&mut refs, summary, vec![Seg::Key("summary")]);
        }
        let claims = claims(common.claims, "claims", &mut refs);
        let (disagreements, sides) = self.disagreements(file, common.disagreements, &mut refs);
        if claims.is_empty() {
            self.diags.push(
                Diagnostic::error("no-claims", format!("note `{id}` has no claims"))
                    .at(file, span_in(self.file, &[Seg::Key("claims")]))
                    .help("every note states at least one cited claim; add one under `claims:`"),
            );
        }
        let date = match &body {
            Body::What { date, .. } => Some(*date),
            Body::Response { date, .. } => *date,
            _ => None,
        };
        let (common_title_lower, id_for_order) = (common.title.to_lowercase(), id.clone());
        let mut note = Note {
            id,
            file,
            title: common.title,
            summary: common.summary,
            claims,
            disagreements,
            sides,
            body,
            refs,
            order: (kind, 0, date, common_title_lower, id_for_order),
        };
        note.order.1 = note.section();
        Some(note)
    }

    /// The note's disagreements, their sides flattened into one list. A
    /// disagreement needs two sides at least.
    fn disagreements(
        &mut self,
        file: FileId,
        raw: Vec<RawDisagreement>,
        refs: &mut Vec<Ref>,
    ) -> (Vec<Disagreement>, Vec<Claim>) {
        let mut sides = Vec::new();
        let mut out = Vec::new();
        for (d, raw) in raw.into_iter().enumerate() {
            if raw.sides.len() < 2 {
                self.diags.push(
                    Diagnostic::error(
                        "one-sided",
                        format!("the disagreement `{}` has {} side(s)", raw.point, raw.sides.len()),
                    )
                    .at(file, span_in(self.file, &[Seg::Key("disagreements"), Seg::Index(d), Seg::Key("sides")]))
                    .help("a disagreement sets two or more sources' versions side by side; a single version is a claim"),
                );
            }
            let start = sides.len();
            for (s, side) in raw.sides.into_iter().enumerate() {
                let path = vec![
                    Seg::Key("disagreements"),
                    Seg::Index(d),
                    Seg::Key("sides"),
                    Seg::Index(s),
                    Seg::Key("text"),
                ];
                push_markdown_refs(refs, &side.text, path);
                sides.push(claim(side));
            }
            out.push(Disagreement {
                point: raw.point,
                sides: start..sides.len(),
            });
        }
        (out, sides)
    }
}

fn claims(raw: Vec<RawClaim>, field: &'static str, refs: &mut Vec<Ref>) -> Vec<Claim> {
    raw.into_iter()
        .enumerate()
        .map(|(i, c)| {
            push_markdown_refs(
                refs,
                &c.text,
                vec![Seg::Key(field), Seg::Index(i), Seg::Key("text")],
            );
            claim(c)
        })
        .collect()
}

fn claim(c: RawClaim) -> Claim {
    Claim {
        text: c.text,
        about: c.about,
        cites: c
            .cite
            .into_iter()
            .map(|c| Citation {
                source: c.source,
                stance: c.stance,
                quote: c.quote,
                occurrence: c.occurrence,
                comment: c.comment,
            })
            .collect(),
    }
}

fn push_refs(refs: &mut Vec<Ref>, field: &'static str, ids: &[String]) {
    refs.extend(ids.iter().enumerate().map(|(i, id)| Ref {
        target: id.clone(),
        field,
        path: vec![Seg::Key(field), Seg::Index(i)],
    }));
}

fn push_markdown_refs(refs: &mut Vec<Ref>, text: &str, path: YamlPath) {
    refs.extend(markdown::note_links(text).into_iter().map(|target| Ref {
        target,
        field: "markdown",
        path: path.clone(),
    }));
}

/// What an entry of a briefing's folder is, once links are followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum What {
    File,
    Dir,
    /// A FIFO, socket or device, described for the author ("a named pipe
    /// (FIFO)"). Never opened: opening a FIFO blocks until someone writes.
    Special(&'static str),
    /// A link that leads outside the briefing, nowhere, or round in a loop.
    /// It has been reported; nothing behind it is read.
    Refused,
}

/// The one containment rule for every input path: a path is used only if
/// its real path (links resolved) is inside the briefing's real root, so a
/// briefing — one cloned from somewhere, say — cannot publish other files
/// of the machine. `book.toml`, `content/`, each folder in it, each file,
/// `templates/`, `templates/static/` and every file in them go through
/// [`Fence::what`]; links that stay inside are followed.
pub(crate) struct Fence {
    root: PathBuf,
    real_root: PathBuf,
}

impl Fence {
    pub(crate) fn new(root: &Path) -> Fence {
        // A root that cannot be resolved does not exist; reading `book.toml`
        // reports that, as an I/O error.
        let real_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        Fence {
            root: root.to_path_buf(),
            real_root,
        }
    }

    /// The path as the author sees it: relative to the briefing, through
    /// any links.
    pub(crate) fn name(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// What `path` is, or `None` if nothing is there. A link is followed only
    /// if it ends inside the briefing; otherwise it is reported (at the link)
    /// and is [`What::Refused`]. Nothing is opened.
    pub(crate) fn what(
        &self,
        path: &Path,
        files: &mut Files,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<What> {
        let meta = fs::symlink_metadata(path).ok()?;
        self.what_with(path, meta.file_type(), files, diags)
    }

    /// [`Fence::what`] for a path whose own type (not followed) is known,
    /// as it is for the entries of a folder listing.
    fn what_with(
        &self,
        path: &Path,
        own: fs::FileType,
        files: &mut Files,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<What> {
        if !own.is_symlink() {
            return Some(kind_of(own));
        }
        match path.canonicalize() {
            // Gone between the two calls: as if it had never been there.
            Ok(real) if real.starts_with(&self.real_root) => {
                fs::metadata(&real).ok().map(|m| kind_of(m.file_type()))
            }
            Ok(real) => {
                diags.push(self.outside(path, &real, files));
                Some(What::Refused)
            }
            Err(e) => {
                diags.push(self.dead_end(path, &e, files));
                Some(What::Refused)
            }
        }
    }

    /// The entries of the folder `dir` (itself already fenced), sorted by
    /// name, with what each is. Hidden files and the backups editors leave
    /// behind are left out unseen.
    pub(crate) fn list(
        &self,
        dir: &Path,
        files: &mut Files,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<Vec<(PathBuf, What)>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let name = entry.file_name();
            if is_editor_leftover(&name.to_string_lossy()) {
                continue;
            }
            let path = entry.path();
            // The entry's own type comes with the listing: only links (and
            // file systems that do not say) cost a stat.
            let own = match entry.file_type() {
                Ok(t) => t,
                Err(_) => match fs::symlink_metadata(&path) {
                    Ok(meta) => meta.file_type(),
                    Err(_) => continue,
                },
            };
            out.push((path, own));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out
            .into_iter()
            .filter_map(|(path, own)| {
                let what = self.what_with(&path, own, files, diags)?;
                Some((path, what))
            })
            .collect())
    }

    /// A file-database entry for `path` with no text, so that a diagnostic
    /// can point at a file that is never read.
    pub(crate) fn place(&self, path: &Path, files: &mut Files) -> FileId {
        files.add(path.to_path_buf(), self.name(path), String::new())
    }

    fn outside(&self, link: &Path, real: &Path, files: &mut Files) -> Diagnostic {
        let name = self.name(link);
        // The target as the link spells it (what `ls -l` shows), and where
        // that really is when it differs.
        let written = fs::read_link(link).unwrap_or_else(|_| real.to_path_buf());
        let (message, help) = if real.is_dir() {
            (
                format!(
                    "`{name}` is a link to the folder `{}`, outside the briefing; nothing in it is read",
                    written.display()
                ),
                "move or copy the folder into the briefing instead of linking to it",
            )
        } else {
            (
                format!(
                    "`{name}` is a link to `{}`, outside the briefing; it is not read",
                    written.display()
                ),
                "copy the file into the briefing instead of linking to it",
            )
        };
        let mut d = Diagnostic::error("link-outside", message)
            .at(self.place(link, files), 0..0)
            .label("link leading outside the briefing")
            .help(help);
        if written != real {
            d = d.note(format!("the link resolves to `{}`", real.display()));
        }
        d
    }

    /// The diagnostic for a link that cannot be followed: its target (or a
    /// link on the way) does not exist, or the links go round in a loop.
    fn dead_end(&self, link: &Path, error: &std::io::Error, files: &mut Files) -> Diagnostic {
        let name = self.name(link);
        let file = self.place(link, files);
        let written = fs::read_link(link).unwrap_or_default();
        // Follow the chain by hand: std cannot yet tell a loop (ELOOP) from
        // other errors on stable Rust.
        let mut seen = HashSet::new();
        let mut at = link.to_path_buf();
        let mut chain = vec![name.clone()];
        let looped = loop {
            if !seen.insert(at.clone()) || seen.len() > 40 {
                break true;
            }
            match fs::read_link(&at) {
                Ok(next) => {
                    chain.push(next.display().to_string());
                    at = at.parent().map_or_else(|| next.clone(), |p| p.join(&next));
                }
                Err(_) => break false,
            }
        };
        if looped {
            return Diagnostic::error(
                "link-loop",
                format!("`{name}` is a link that leads back to itself; it is not read"),
            )
            .at(file, 0..0)
            .label("link in a loop")
            .note(format!("the links go {}", chain.join(" → ")))
            .help("point the link at a file inside the briefing, or remove it");
        }
        let direct = link.parent().map(|p| p.join(&written)) == Some(at.clone());
        let why = if fs::symlink_metadata(&at).is_ok() {
            // A folder on the way is itself a broken link, say.
            format!("which cannot be followed ({error})")
        } else if direct {
            "which does not exist".to_owned()
        } else {
            format!("which leads to `{}`, which does not exist", self.name(&at))
        };
        Diagnostic::error(
            "dangling-link",
            format!(
                "`{name}` is a link to `{}`, {why}; it is not read",
                written.display()
            ),
        )
        .at(file, 0..0)
        .label("link leading nowhere")
        .help("point the link at a file inside the briefing, or remove it")
    }

    /// The diagnostic for something that is in the place of a file but is
    /// not one (a folder named `x.txt`, a FIFO).
    pub(crate) fn not_a_file(
        &self,
        path: &Path,
        what: What,
        expected: &str,
        files: &mut Files,
    ) -> Diagnostic {
        let name = self.name(path);
        let (is, help) = match what {
            What::Dir => (
                "a folder",
                format!(
                    "{expected} is a file, not a folder: rename this folder, or move it elsewhere"
                ),
            ),
            What::Special(is) => (
                is,
                format!("{expected} is a regular file: replace this with one, or remove it"),
            ),
            What::File | What::Refused => (
                "not a regular file",
                format!("{expected} is a regular file"),
            ),
        };
        Diagnostic::error(
            "not-a-file",
            format!("`{name}` is {is}, not a file; it is not read"),
        )
        .at(self.place(path, files), 0..0)
        .label("not a file")
        .help(help)
    }
}

fn kind_of(t: fs::FileType) -> What {
    if t.is_file() {
        return What::File;
    }
    if t.is_dir() {
        return What::Dir;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return What::Special("a named pipe (FIFO)");
        }
        if t.is_socket() {
            return What::Special("a socket");
        }
        if t.is_block_device() || t.is_char_device() {
            return What::Special("a device");
        }
    }
    What::Special("neither a regular file nor a folder")
}

/// Hidden files (`.x.swp`, `.#x.yaml`) and the backups and autosaves editors
/// leave behind (`x.yaml~`, `#x.yaml#`): never the author's content.
fn is_editor_leftover(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

fn duplicate_ids(b: &Briefing) -> Vec<Diagnostic> {
    let mut seen: std::collections::HashMap<&str, FileId> = Default::default();
    let mut diags = Vec::new();
    for note in &b.notes {
        if let Some(first) = seen.insert(&note.id, note.file) {
            diags.push(
                Diagnostic::error(
                    "duplicate-id",
                    format!("two notes have the ID `{}`", note.id),
                )
                .at(note.file, 0..0)
                .note(format!("the other is {}", b.files.name(first)))
                .help("note IDs are file stems and are unique across all four kinds; rename one"),
            );
        }
    }
    diags
}

fn is_yaml(path: &Path) -> bool {
    has_extension(path, &["yaml", "yml"])
}

/// Whether the file name ends in one of `extensions` (exactly: `X.TXT` is
/// not a source, and is reported as a file the build does not read).
fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.contains(&e))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A valid ID close to an invalid one, for the help text.
fn suggest_id(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() { "note".into() } else { out }
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (or "unknown
/// variant …"): the listed name most like `x`, if one is close enough.
fn closest_expected(message: &str) -> Option<String> {
    let ticked =
        |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_owned).collect() };
    let (head, tail) = message.split_once("expected")?;
    let wanted = ticked(head).into_iter().next()?;
    let known = ticked(tail);
    crate::check::suggest(&wanted, known.iter().map(String::as_str)).map(str::to_owned)
}

fn yaml_help(message: &str) -> Option<String> {
    if message.contains("unknown field") {
        Some(match closest_expected(message) {
            Some(best) => format!(
                "did you mean `{best}`? (the valid fields are listed above; see docs/format.md)"
            ),
            None => {
                "fix the field name; the valid fields are listed above (see docs/format.md)".into()
            }
        })
    } else if message.contains("missing field") {
        Some("add the field; docs/format.md lists what each kind of file needs".into())
    } else if message.contains("invalid type") {
        Some(
            "check the value's shape: a list needs `- ` items, text containing `: ` needs quotes"
                .into(),
        )
    } else if message.contains("cannot start any token") {
        Some("YAML indents with spaces, never tabs; and a value starting with `@`, `` ` `` or `%` needs quotes".into())
    } else if message.contains("unknown variant") {
        Some(match closest_expected(message) {
            Some(best) => format!("did you mean `{best}`? (or another of the values listed above)"),
            None => "use one of the values listed above".into(),
        })
    } else {
        None
    }
}

// The shapes of the YAML files, exactly as written. `deny_unknown_fields`
// makes a misspelt field an error instead of silently lost content.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    text: String,
    #[serde(default)]
    about: About,
    #[serde(default)]
    cite: Vec<RawCitation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCitation {
    source: String,
    #[serde(default)]
    stance: Stance,
    #[serde(default)]
    quote: Option<String>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    occurrence: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisagreement {
    point: String,
    sides: Vec<RawClaim>,
}

/// Fields every note has. Kept as a separate struct for the conversion code;
/// each kind repeats them because serde's `flatten` cannot be combined with
/// `deny_unknown_fields`.
struct Common {
    title: String,
    summary: Option<String>,
    claims: Vec<RawClaim>,
    related: Vec<String>,
    disagreements: Vec<RawDisagreement>,
}

macro_rules! note_shape {
    ($name:ident { $($(#[$m:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            title: String,
            #[serde(default)]
            summary: Option<String>,
            claims: Vec<RawClaim>,
            #[serde(default)]
            related: Vec<String>,
            #[serde(default)]
            disagreements: Vec<RawDisagreement>,
            $($(#[$m])* $field: $ty),*
        }

        impl From<&mut $name> for Common {
            fn from(raw: &mut $name) -> Common {
                Common {
                    title: std::mem::take(&mut raw.title),
                    summary: raw.summary.take(),
                    claims: std::mem::take(&mut raw.claims),
                    related: std::mem::take(&mut raw.related),
                    disagreements: std::mem::take(&mut raw.disagreements),
                }
            }
        }
    };
}

note_shape!(RawWhoShape {
    #[serde(rename = "type")]
    actor_type: ActorType,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    affiliation: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
});

note_shape!(RawWhatShape {
    #[serde(deserialize_with = "date_text")]
    date: String,
    #[serde(default)]
    date_derived: bool,
    #[serde(default)]
    actors: Vec<String>,
});

note_shape!(RawResponseShape {
    responders: Vec<String>,
    #[serde(rename = "type")]
    response_type: ResponseType,
    #[serde(default, deserialize_with = "optional_date_text")]
    date: Option<String>,
    #[serde(default)]
    responding_to: Vec<String>,
});

note_shape!(RawQuestionShape {
    status: QuestionStatus,
    #[serde(default)]
    about: About,
});

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFront {
    #[serde(default)]
    summary: Vec<RawClaim>,
    #[serde(default)]
    why_it_matters: Vec<RawClaim>,
    #[serde(default)]
    next: Vec<RawClaim>,
    bottom_line: Vec<RawClaim>,
    #[serde(default)]
    key_facts: Vec<RawClaim>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSourceMeta {
    title: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    derived_from: Vec<String>,
    #[serde(default)]
    layout: Option<Layout>,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default, deserialize_with = "optional_date_text")]
    published: Option<String>,
    #[serde(default, deserialize_with = "optional_date_text")]
    retrieved: Option<String>,
    #[serde(default)]
    original: Option<crate::model::Original>,
    language: String,
    #[serde(default)]
    original_language: Option<String>,
    translation: Translation,
    #[serde(default)]
    caveats: Vec<String>,
    #[serde(default)]
    sha256: Option<String>,
}

/// A date as text. An unquoted year (`date: 2024`) is a YAML integer; accept
/// it rather than make authors quote it.
#[derive(Deserialize)]
#[serde(untagged)]
enum DateText {
    Text(String),
    Year(i64),
}

fn date_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match DateText::deserialize(d)? {
        DateText::Text(s) => s,
        DateText::Year(y) => y.to_string(),
    })
}

fn optional_date_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    date_text(d).map(Some)
}

/// The parts of a briefing's YAML files whose fields [`fields`] and
/// [`values`] list (for the language server's completion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Note(Kind),
    Claim,
    Citation,
    Disagreement,
    Front,
    SourceMeta,
    Original,
}

/// The names serde lists after "expected" when `probe` does not parse as
/// `T`: the fields of a struct for an unknown field, the values of an
/// enumeration for an unknown variant. The parsers' own lists, so they
/// cannot drift from what loading accepts.
fn expected_by<T: serde::de::DeserializeOwned>(probe: &str) -> Vec<String> {
    let Err(e) = crate::yaml::parse::<T>(probe) else {
        return Vec::new();
    };
    let Some((_, tail)) = e.message.split_once("expected") else {
        return Vec::new();
    };
    tail.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The fields a part may have.
pub fn fields(shape: Shape) -> Vec<String> {
    const PROBE: &str = "__unknown_field__: 0";
    match shape {
        Shape::Note(Kind::Who) => expected_by::<RawWhoShape>(PROBE),
        Shape::Note(Kind::What) => expected_by::<RawWhatShape>(PROBE),
        Shape::Note(Kind::Response) => expected_by::<RawResponseShape>(PROBE),
        Shape::Note(Kind::Question) => expected_by::<RawQuestionShape>(PROBE),
        Shape::Claim => expected_by::<RawClaim>(PROBE),
        Shape::Citation => expected_by::<RawCitation>(PROBE),
        Shape::Disagreement => expected_by::<RawDisagreement>(PROBE),
        Shape::Front => expected_by::<RawFront>(PROBE),
        Shape::SourceMeta => expected_by::<RawSourceMeta>(PROBE),
        Shape::Original => expected_by::<crate::model::Original>(PROBE),
    }
}

/// The values field `key` of a part may take, if it is an enumeration.
pub fn values(shape: Shape, key: &str) -> Vec<String> {
    let probe = format!("{key}: __unknown_value__");
    match (shape, key) {
        (Shape::Note(Kind::Who), "type") => expected_by::<RawWhoShape>(&probe),
        (Shape::Note(Kind::Response), "type") => expected_by::<RawResponseShape>(&probe),
        (Shape::Note(Kind::Question), "status" | "about") => {
            expected_by::<RawQuestionShape>(&probe)
        }
        (Shape::Claim, "about") => expected_by::<RawClaim>(&probe),
        (Shape::Citation, "stance") => expected_by::<RawCitation>(&probe),
        (Shape::SourceMeta, "translation" | "layout") => expected_by::<RawSourceMeta>(&probe),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;

    #[test]
    fn fields_and_values_are_the_parsers_own() {
        let who = fields(Shape::Note(Kind::Who));
        for f in [
            "title", "summary", "claims", "related", "type", "role", "aliases",
        ] {
            assert!(who.iter().any(|w| w == f), "{f} missing from {who:?}");
        }
        assert!(fields(Shape::Citation).contains(&"occurrence".to_owned()));
        assert_eq!(fields(Shape::Original), ["file", "sha256"]);
        assert_eq!(
            values(Shape::Citation, "stance"),
            ["supports", "contradicts", "context"]
        );
        assert!(values(Shape::SourceMeta, "translation").contains(&"machine".to_owned()));
        assert!(values(Shape::Note(Kind::What), "date").is_empty());
    }
}
