//! Every derived value of a briefing, what it is computed from, and so what
//! invalidates it — in one place.
//!
//! A build is a set of queries on the [`crate::engine`]: each value below
//! is a pure function of what it reads through its context, and the engine
//! records those reads. A rebuild sets the inputs that changed (the texts of
//! the files the scan found changed, the scan itself) and asks for the
//! results again: a value is recomputed only if something it read changed,
//! and a recomputed value equal to the old one stops the invalidation there.
//! No table here has a hand-written key: the key of every value is *what it
//! is about* (a file, a source and a quote, a page), never a list of what
//! it depends on.
//!
//! | value | key | computed from (its reads) |
//! |---|---|---|
//! | [`Text`] (input) | file | the file's bytes, as the last scan read them |
//! | [`ScanInput`] (input) | – | the folder listing, the file database snapshot, scan problems |
//! | [`ConfigFile`], [`NoteFile`], [`MetaFile`], [`SourceFile`], [`FrontFile`] | file | that file's [`Text`] |
//! | [`LoadedBriefing`] | – | the scan and every file's parse |
//!
//! `briefing build` and `check` run this engine once, from empty; `watch`
//! and `serve` keep it between rebuilds.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;

use crate::config::{Config, SiteUrl};
use crate::engine::{Engine, Input, InputTable, Sweep, Sweeper, Table, query};
use crate::files::{File, FileId};
use crate::load::{self, Loaded, Parsed, Scan};
use crate::model::{Front, Kind, Note, SourceMeta};

/// A file as read: equal when its version is (a version names one content).
#[derive(Debug, Clone)]
pub struct FileText(pub Arc<File>);

impl PartialEq for FileText {
    fn eq(&self, other: &FileText) -> bool {
        self.0.version == other.0.version
    }
}

/// The database: the inputs and the memos of every query.
#[derive(Default)]
pub struct Db {
    /// The file database the scans read into; the build reads a snapshot
    /// of it (in [`ScanInput`]), never this.
    pub files: crate::files::Files,
    text: InputTable<FileId, FileText>,
    scan: InputTable<(), Scan>,
    settings: InputTable<(), Settings>,
    config_file: Table<Db, ConfigFile>,
    note_file: Table<Db, NoteFile>,
    meta_file: Table<Db, MetaFile>,
    source_file: Table<Db, SourceFile>,
    front_file: Table<Db, FrontFile>,
    loaded: Table<Db, LoadedBriefing>,
}

impl Sweep for Db {
    fn sweep(&mut self, s: &mut Sweeper) {
        s.table(&mut self.loaded);
        s.table(&mut self.config_file);
        s.table(&mut self.note_file);
        s.table(&mut self.meta_file);
        s.table(&mut self.source_file);
        s.table(&mut self.front_file);
        s.inputs(&mut self.text);
        s.inputs(&mut self.scan);
        s.inputs(&mut self.settings);
    }
}

/// The text of one file of the briefing.
pub struct Text;

impl Input<Db> for Text {
    type Key = FileId;
    type Value = FileText;
    fn table(db: &Db) -> &InputTable<FileId, FileText> {
        &db.text
    }
}

/// What the last scan found (see [`Scan`]).
pub struct ScanInput;

impl Input<Db> for ScanInput {
    type Key = ();
    type Value = Scan;
    fn table(db: &Db) -> &InputTable<(), Scan> {
        &db.scan
    }
}

/// What the command line says over `book.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// `--site-url`.
    pub site_url: Option<SiteUrl>,
}

impl Input<Db> for Settings {
    type Key = ();
    type Value = Settings;
    fn table(db: &Db) -> &InputTable<(), Settings> {
        &db.settings
    }
}

/// The text of `file`, read through `cx` (so recorded).
fn text(cx: &crate::engine::Cx<'_, Db>, file: FileId) -> Arc<FileText> {
    cx.input::<Text>(&file)
        .expect("every file of a scan is set as an input before it is read")
}

// ---- loading ----------------------------------------------------------------

query!(Db; ConfigFile: FileId => Parsed<(Config, Option<SiteUrl>)>, config_file, |cx, file| {
    load::config_file(&text(cx, *file).0, *file)
});

query!(Db; NoteFile: (FileId, Kind) => Parsed<Option<Arc<Note>>>, note_file, |cx, key| {
    load::note_file(&text(cx, key.0).0, key.0, key.1)
});

query!(Db; MetaFile: FileId => Parsed<Option<(String, Option<Arc<SourceMeta>>)>>, meta_file, |cx, file| {
    load::meta_file(&text(cx, *file).0, *file)
});

query!(Db; SourceFile: FileId => Parsed<Option<String>>, source_file, |cx, file| {
    load::source_file(&text(cx, *file).0, *file)
});

query!(Db; FrontFile: FileId => Parsed<Option<Arc<Front>>>, front_file, |cx, file| {
    load::front_file(&text(cx, *file).0, *file)
});

query!(Db; LoadedBriefing: () => Loaded, loaded, |cx, _k| {
    let scan = cx.input::<ScanInput>(&()).expect("the scan is set before the briefing is read");
    let settings = cx.input::<Settings>(&()).map(|s| (*s).clone()).unwrap_or_default();
    load::assemble(cx, &scan, settings.site_url)
});

// ---- driving ----------------------------------------------------------------

/// An empty engine.
pub fn engine() -> Engine<Db> {
    Engine::new(Db::default())
}

/// Scans the briefing at `root` (reading only files that changed since the
/// engine's last scan), sets what changed as inputs, and returns the loaded
/// briefing. `Err` only for I/O problems.
pub fn load(engine: &mut Engine<Db>, root: &Path, settings: Settings) -> Result<Arc<Loaded>> {
    engine.set::<Settings>((), Some(settings));
    let scan = load::scan(root, &mut engine.db.files)?;
    for (id, file) in scan.files.iter() {
        engine.set::<Text>(id, Some(FileText(file.clone())));
    }
    engine.set::<ScanInput>((), Some(scan));
    Ok(engine.cx().get::<LoadedBriefing>(&()))
}
