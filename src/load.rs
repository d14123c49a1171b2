//! Reads a briefing folder into a [`Briefing`].
//!
//! This is the only stage that touches the content on disk. Problems in what
//! the author wrote become [`Diagnostic`]s and loading carries on, so one run
//! reports everything; only I/O failures (unreadable folders) are errors.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Deserialize;

use crate::config::{Config, SiteUrl};
use crate::date::DateSpec;
use crate::diag::{Diagnostic, span_of};
use crate::files::{FileId, Files};
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

/// What loading keeps between builds (see [`crate::cache`]): the file
/// database, and each file's parsed result keyed by its content version.
#[derive(Default)]
pub struct LoadCache {
    pub files: Files,
    units: HashMap<FileId, (u64, Arc<dyn Any + Send + Sync>)>,
}

/// Loads the briefing at `root`. `Err` only for I/O problems; everything
/// wrong with the content is in the returned diagnostics. The file database
/// moves from `cache` into the briefing; give it back with
/// [`LoadCache::keep`] to reuse it.
pub fn load(root: &Path, cache: &mut LoadCache) -> Result<(Briefing, Vec<Diagnostic>)> {
    let mut loader = Loader {
        root: root.to_path_buf(),
        files: std::mem::take(&mut cache.files),
        units: std::mem::take(&mut cache.units),
        seen: HashSet::new(),
        diags: Vec::new(),
        fence: Fence::new(root),
    };
    let config = loader.config()?;
    let (sources, mut notes, front) = loader.content(&root.join(CONTENT_DIR))?;
    notes.sort_unstable_by(|a, b| a.order_key().cmp(b.order_key()));
    // Forget the parses of files that are gone.
    let seen = std::mem::take(&mut loader.seen);
    loader.units.retain(|id, _| seen.contains(id));
    cache.units = std::mem::take(&mut loader.units);
    let site_url = loader.site_url(&config);
    let briefing = Briefing {
        root: loader.root,
        site_url,
        config,
        files: loader.files,
        sources,
        notes,
        front,
    };
    let mut diags = loader.diags;
    diags.extend(duplicate_ids(&briefing));
    Ok((briefing, diags))
}

/// Parses one note of `kind` from `text`, as `load` would parse the file
/// `content/<kind>/<id>.yaml`: the note if it is valid, the diagnostics, and
/// the file database they point into. Touches no file.
pub fn parse_note(kind: Kind, id: &str, text: &str) -> (Option<Note>, Vec<Diagnostic>, Files) {
    let mut files = Files::default();
    let name = format!("{CONTENT_DIR}/{}/{id}.yaml", kind.dir());
    let file = files.add(PathBuf::from(&name), name.clone(), text.to_owned());
    let mut unit = Unit {
        files: &files,
        current: file,
        diags: Vec::new(),
    };
    let note = unit
        .id_of(Path::new(&name), file)
        .and_then(|id| unit.note(file, id, kind));
    let diags = unit.diags;
    (note, diags, files)
}

impl LoadCache {
    /// Takes the file database back from a briefing that is done with.
    pub fn keep(&mut self, briefing: Briefing) {
        self.files = briefing.files;
    }
}

/// What `content/` holds: the sources, the notes and the front page.
type Content = (Vec<Source>, Vec<Arc<Note>>, Option<Arc<Front>>);

struct Loader {
    root: PathBuf,
    files: Files,
    units: HashMap<FileId, (u64, Arc<dyn Any + Send + Sync>)>,
    seen: HashSet<FileId>,
    diags: Vec<Diagnostic>,
    fence: Fence,
}

impl Loader {
    fn read(&mut self, path: &Path) -> Result<FileId> {
        let root = &self.root;
        let name = || {
            path.strip_prefix(root)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/")
        };
        let id = self
            .files
            .read(path, limit_of(path).0, name)
            .with_context(|| format!("cannot read {}", path.display()))?;
        self.note_read(id);
        Ok(id)
    }

    /// [`Loader::read`] for many files at once (in parallel).
    fn read_all(&mut self, paths: &[PathBuf]) -> Result<Vec<FileId>> {
        let root = self.root.clone();
        let name = |path: &Path| {
            path.strip_prefix(&root)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/")
        };
        let results = self.files.read_all(paths, |p| limit_of(p).0, name);
        let mut ids = Vec::with_capacity(paths.len());
        for (path, result) in paths.iter().zip(results) {
            let id = result.with_context(|| format!("cannot read {}", path.display()))?;
            self.note_read(id);
            ids.push(id);
        }
        Ok(ids)
    }

    /// Records that `id` belongs to this build, and reports a file too large
    /// to read or badly encoded.
    fn note_read(&mut self, id: FileId) {
        self.seen.insert(id);
        let (_, allowed, help) = limit_of(self.files.path(id));
        self.diags.extend(too_large(&self.files, id, allowed, help));
        if let Some(offset) = self.files.get(id).invalid_utf8_at {
            self.diags.push(
                Diagnostic::error("encoding", "this file is not valid UTF-8")
                    .at(id, offset..offset + 1)
                    .label("invalid byte here")
                    .help("save the file as UTF-8"),
            );
        }
    }

    /// Runs `compute` for `file` unless its content is unchanged since the
    /// last build, in which case the stored result and diagnostics are
    /// replayed. `compute` must depend on nothing but the file.
    fn unit<T: Clone + Send + Sync + 'static>(
        &mut self,
        file: FileId,
        compute: impl Fn(&mut Unit) -> T + Sync,
    ) -> T {
        self.units_of(&[file], compute)
            .pop()
            .expect("one file, one result")
    }

    /// [`Loader::unit`] for many files at once: the stale ones are computed
    /// in parallel. Results come back in the order of `files`.
    fn units_of<T: Clone + Send + Sync + 'static>(
        &mut self,
        files: &[FileId],
        compute: impl Fn(&mut Unit) -> T + Sync,
    ) -> Vec<T> {
        let memo = |file: &FileId| -> Option<(T, Vec<Diagnostic>)> {
            let (v, any) = self.units.get(file)?;
            if *v != self.files.version(*file) {
                return None;
            }
            any.downcast_ref::<(T, Vec<Diagnostic>)>().cloned()
        };
        let fresh: Vec<(T, Vec<Diagnostic>, bool)> = files
            .par_iter()
            .map(|file| match memo(file) {
                Some((value, diags)) => (value, diags, false),
                None => {
                    let mut unit = Unit {
                        files: &self.files,
                        current: *file,
                        diags: Vec::new(),
                    };
                    let value = compute(&mut unit);
                    (value, unit.diags, true)
                }
            })
            .collect();
        let mut out = Vec::with_capacity(files.len());
        for (file, (value, diags, computed)) in files.iter().zip(fresh) {
            self.diags.extend(diags.iter().cloned());
            if computed {
                let version = self.files.version(*file);
                self.units
                    .insert(*file, (version, Arc::new((value.clone(), diags))));
            }
            out.push(value);
        }
        out
    }

    fn site_url(&mut self, config: &Config) -> Option<SiteUrl> {
        let text = config.output.html.site_url.as_deref()?;
        match SiteUrl::parse(text) {
            Ok(url) => Some(url),
            Err(why) => {
                let file = self
                    .files
                    .read(&self.root.join(CONFIG_FILE), MAX_CONFIG_BYTES, || {
                        CONFIG_FILE.to_owned()
                    })
                    .ok()?;
                let at = self.files.text(file).find("site-url").unwrap_or(0);
                let end = self.files.line_range(file, at).end;
                self.diags
                    .push(Diagnostic::error("config", why).at(file, at..end));
                None
            }
        }
    }

    fn config(&mut self) -> Result<Config> {
        let path = self.root.join(CONFIG_FILE);
        match self.what(&path) {
            Some(What::File) | None => {}
            // Reported; the defaults let the rest of the briefing be checked.
            Some(What::Refused) => return Ok(Config::default()),
            Some(what) => {
                self.not_a_file(&path, what, "the configuration");
                return Ok(Config::default());
            }
        }
        if !path.is_file() {
            anyhow::bail!(
                "no {CONFIG_FILE} in {}: is this a briefing? (`briefing init` creates one)",
                self.root.display()
            );
        }
        let file = self.read(&path)?;
        if self.files.get(file).too_large.is_some() {
            // Reported when read; the defaults let the content be checked.
            return Ok(Config::default());
        }
        match Config::from_str(self.files.text(file)) {
            Ok(config) => {
                if let Some(updated) = &config.book.updated
                    && let Err(why) = DateSpec::parse(updated)
                {
                    let text = self.files.text(file);
                    let at = text.find("updated").unwrap_or(0);
                    let end = self.files.line_range(file, at).end;
                    self.diags.push(
                        Diagnostic::error(
                            "invalid-date",
                            format!("invalid `updated` date `{updated}`: {why}"),
                        )
                        .at(file, at..end)
                        .help("write a day such as `2024-03-27`"),
                    );
                }
                Ok(config)
            }
            Err(e) => {
                let range = e.range.unwrap_or(0..0);
                self.diags.push(
                    Diagnostic::error("config", e.message)
                        .at(file, range)
                        .help("see the `book.toml` section of the README for the valid keys"),
                );
                Ok(Config::default())
            }
        }
    }

    /// Entries of a folder (itself already fenced), sorted by name, with
    /// what each is; see [`Fence::list`].
    fn entries(&mut self, dir: &Path) -> Result<Vec<(PathBuf, What)>> {
        self.fence.list(dir, &mut self.files, &mut self.diags)
    }

    /// Whether a source is usable text: read (not over its size limit,
    /// which was reported when it was read) and without NUL bytes (which
    /// mean a binary or damaged file). Reports why not.
    fn plain_text(&mut self, file: FileId) -> bool {
        if self.files.get(file).too_large.is_some() {
            return false;
        }
        let Some(at) = self.files.text(file).find('\0') else {
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

    /// What `path` is, through the [`Fence`]: `None` if nothing is there.
    fn what(&mut self, path: &Path) -> Option<What> {
        self.fence.what(path, &mut self.files, &mut self.diags)
    }

    /// Reports that `path` is a folder or a special file where a file
    /// (`expected`) belongs.
    fn not_a_file(&mut self, path: &Path, what: What, expected: &str) {
        let d = self.fence.not_a_file(path, what, expected, &mut self.files);
        self.diags.push(d);
    }

    /// Reports a file that a content folder does not hold and is therefore
    /// neither read nor published: a PDF among the sources, a key copied
    /// there by mistake. It is named so that nobody expects it on the site.
    fn ignored_file(&mut self, path: &Path, message: String, help: String) {
        let file = self.fence.place(path, &mut self.files);
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
            Some(What::Refused) => return Ok((Vec::new(), Vec::new(), None)),
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
        let sources = match find(SOURCES_DIR) {
            Some((dir, What::Dir)) => self.sources(&dir)?,
            _ => Vec::new(),
        };
        let mut kinds = Vec::new();
        for kind in Kind::ALL {
            if let Some((dir, What::Dir)) = find(kind.dir()) {
                kinds.push((dir, kind));
            }
        }
        let notes = self.notes(&kinds)?;
        let front = match find(FRONT_FILE) {
            Some((path, What::File)) => self.front(&path)?,
            Some((path, what @ (What::Dir | What::Special(_)))) => {
                self.not_a_file(&path, what, "the front page");
                None
            }
            _ => None,
        };
        Ok((sources, notes, front))
    }

    fn sources(&mut self, dir: &Path) -> Result<Vec<Source>> {
        let mut texts: Vec<Source> = Vec::new();
        let mut metas: Vec<(String, Arc<SourceMeta>)> = Vec::new();
        // Texts that are there but unreadable (a folder named `x.txt`, a
        // refused link): already reported, so their metadata is no orphan.
        let mut unreadable: HashSet<String> = HashSet::new();
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
                        unreadable.insert(stem(&path));
                    }
                }
                What::Refused if is_text => {
                    unreadable.insert(stem(&path));
                }
                What::Refused => {}
            }
        }
        let files = self.read_all(&paths)?;
        for (path, file) in paths.into_iter().zip(files) {
            if is_yaml(&path) {
                let unit = self.unit(file, |u| {
                    let id = u.id_of(&path, file)?;
                    let meta = u.source_meta(file, &id).map(Arc::new);
                    Some((id, meta))
                });
                if let Some((id, Some(meta))) = unit {
                    metas.push((id, meta));
                }
                continue;
            }
            let Some(id) = self.unit(file, |u| u.id_of(&path, file)) else {
                continue;
            };
            if !self.plain_text(file) {
                continue;
            }
            {
                texts.push(Source {
                    id,
                    file,
                    meta: None,
                });
            }
        }
        texts.sort_by(|a, b| a.id.cmp(&b.id));
        for pair in texts.windows(2) {
            if pair[0].id == pair[1].id {
                self.diags.push(
                    Diagnostic::error(
                        "duplicate-id",
                        format!("two source files have the ID `{}`", pair[0].id),
                    )
                    .at(pair[1].file, 0..0)
                    .note(format!("the other is {}", self.files.name(pair[0].file)))
                    .help("a source's ID is its file stem; rename one of them"),
                );
            }
        }
        texts.dedup_by(|b, a| a.id == b.id);
        for (id, meta) in metas {
            match texts.binary_search_by(|s| s.id.cmp(&id)) {
                Ok(i) => texts[i].meta = Some(meta),
                Err(_) if unreadable.contains(&id) => {}
                Err(_) => self.diags.push(
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
                self.diags.push(
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
        Ok(texts)
    }

    /// Every note in the given kind folders, parsed in parallel where not
    /// memoised.
    fn notes(&mut self, kinds: &[(PathBuf, Kind)]) -> Result<Vec<Arc<Note>>> {
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
        let mut files = Vec::with_capacity(found.len());
        let mut kinds: HashMap<FileId, (PathBuf, Kind)> = HashMap::with_capacity(found.len());
        for (file, (path, kind)) in self.read_all(&paths)?.into_iter().zip(found) {
            files.push(file);
            kinds.insert(file, (path, kind));
        }
        let notes = self.units_of(&files, |u| {
            let file = u.current;
            let (path, kind) = &kinds[&file];
            let id = u.id_of(path, file)?;
            u.note(file, id, *kind).map(Arc::new)
        });
        Ok(notes.into_iter().flatten().collect())
    }

    fn front(&mut self, path: &Path) -> Result<Option<Arc<Front>>> {
        let file = self.read(path)?;
        Ok(self.unit(file, |u| {
            let raw = u.parse::<RawFront>(file)?;
            let mut refs = Vec::new();
            let bottom_line = claims(raw.bottom_line, "bottom_line", &mut refs);
            let key_facts = claims(raw.key_facts, "key_facts", &mut refs);
            Some(Arc::new(Front {
                file,
                bottom_line,
                key_facts,
                refs,
            }))
        }))
    }
}

/// What one file's parse sees: the file database (read-only) and its own
/// diagnostics. Units are pure functions of their file, so they can be
/// memoised by content version and computed in parallel.
struct Unit<'a> {
    files: &'a Files,
    /// The file being parsed.
    current: FileId,
    diags: Vec<Diagnostic>,
}

impl Unit<'_> {
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
        if let Some(why) = raw.sha256.as_deref().and_then(integrity::hash_problem) {
            self.diags.push(
                Diagnostic::error("invalid-hash", why)
                    .at(file, span_of(self.files, file, &[Seg::Key(integrity::FIELD)]))
                    .help(format!(
                        "run `briefing sources --rehash {id}` to record the SHA-256 of the source's text"
                    )),
            );
        }
        Some(SourceMeta {
            file,
            title: raw.title,
            publisher: raw.publisher,
            url: raw.url,
            published,
            language: raw.language,
            original_language: raw.original_language,
            translation: raw.translation,
            caveats: raw.caveats,
            sha256: raw.sha256,
        })
    }

    fn parse<T: for<'de> Deserialize<'de>>(&mut self, file: FileId) -> Option<T> {
        if self.files.get(file).too_large.is_some() {
            // Not read, and already reported when it was read.
            return None;
        }
        let text = self.files.text(file);
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
                    .map_or(0, |p| self.files.offset_of(file, p.line, p.column));
                let range = start..self.files.line_range(file, start).end.max(start);
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
                        .at(file, span_of(self.files, file, &path))
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
                (Common::from(&mut raw), Body::What { date })
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
                    Body::Question { status: raw.status },
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
                    .at(file, span_of(self.files, file, &[Seg::Key("claims")]))
                    .help("every note states at least one cited claim; add one under `claims:`"),
            );
        }
        let date = match &body {
            Body::What { date } => Some(*date),
            Body::Response { date, .. } => *date,
            _ => None,
        };
        let order = (kind, date, common.title.to_lowercase(), id.clone());
        Some(Note {
            id,
            file,
            title: common.title,
            summary: common.summary,
            claims,
            disagreements,
            sides,
            body,
            refs,
            order,
        })
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
                    .at(file, span_of(self.files, file, &[Seg::Key("disagreements"), Seg::Index(d), Seg::Key("sides")]))
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
        cites: c
            .cite
            .into_iter()
            .map(|c| Citation {
                source: c.source,
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

fn yaml_help(message: &str) -> Option<String> {
    if message.contains("unknown field") {
        Some("fix the field name; the valid fields are listed above (see docs/format.md)".into())
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
        Some("use one of the values listed above".into())
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
    cite: Vec<RawCitation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCitation {
    source: String,
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
});

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFront {
    bottom_line: Vec<RawClaim>,
    #[serde(default)]
    key_facts: Vec<RawClaim>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSourceMeta {
    title: String,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default, deserialize_with = "optional_date_text")]
    published: Option<String>,
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
