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
//! | [`ThemeState`] (input) | – | the templates and static files |
//! | [`Settings`] (input) | – | the command line's `--site-url` |
//! | [`ConfigFile`], [`NoteFile`], [`MetaFile`], [`SourceFile`], [`FrontFile`] | file | that file's [`Text`] |
//! | [`LoadedBriefing`] | – | the scan and every file's parse |
//! | [`NormalizedText`] | source file | its [`Text`] |
//! | [`QuoteIn`] | source file, quote | the source's [`NormalizedText`] |
//! | [`TextSha256`] | file | its [`Text`] |
//! | [`InputsDigest`] | – | every input: the scan, each file's [`TextSha256`], the theme, the settings |
//! | [`SketchOf`] | source file | its [`Text`] (for corroboration) |
//! | [`CheckBasis`] | – | the sources' IDs and files, the check settings |
//! | [`ListCheck`] | a note's or the front page's list of claims | that note ([`NoteAt`]), the basis, its files' [`Text`], [`QuoteIn`] |
//! | [`CheckedBriefing`] | – | the briefing, the theme's static files, every [`ListCheck`] and the above |
//! | [`SiteOutline`] | – | the briefing: IDs, titles, order and paths of every page (not the claims) |
//! | [`SiteGlobals`] | – | the settings, the site URL, the theme |
//! | [`NoteAt`] | note's place | that note, as parsed |
//! | [`FrontPage`], [`SourceList`] | – | the front page; the sources and their metadata |
//! | [`SitePassages`] | – | where every quoted passage is (the check's quote positions) |
//! | [`CitedBy`] | – | every note's backlinks (the notes' references) |
//! | [`SourceGroups`] | – | which sources tell the same story (the check's corroboration) |
//! | [`ParagraphsOf`] | source file | its [`Text`] |
//! | [`PageAt`], [`Sitemap`], [`PrintSection`] | page path, print section | the parts above the page read; the old bytes are reused where the view is unchanged |
//! | [`PrintPageOf`] | the brief or its appendix | every [`PrintSection`] of it and the shell |
//! | [`SearchPart`] | note or source | that note's or source's files |
//! | [`SearchIndex`] | – | the list of notes and sources, every [`SearchPart`] |
//! | [`LinkScan`] | page path, site base path | the page (its links and ids, resolved) |
//! | [`CodePoints`] | source file | its [`Text`] |
//! | [`ExportLine`] | header, front page, note or source | the parts above it reads, [`CodePoints`] |
//! | [`ExportJson`] | – | every [`ExportLine`] |
//!
//! `briefing build` and `check` run this engine once, from empty; `watch`
//! and `serve` keep it between rebuilds. Since every value is a function of
//! the four inputs, a digest of the inputs ([`inputs_digest`]) stands for the
//! whole site: `build` records it in the manifest, and a later `build` that
//! finds the same digest there does not render again.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Result;

use crate::check::Checked;
use crate::check::{self, SourceText, quote::Occurrences};
use crate::config::{Config, SiteUrl};
use crate::corroborate::Corroboration;
use crate::corroborate::{self, TextSketch};
use crate::diag::Diagnostic;
use crate::engine::{Cx, Engine, Input, InputTable, Query, Sweep, Sweeper, Table, query};
use crate::export;
use crate::files::{File, FileId, Files};
use crate::links;
use crate::load::{self, Loaded, Parsed, Scan};
use crate::model::Source;
use crate::model::{Front, Kind, Note, Owner, SourceMeta};
use crate::render::print;
use crate::render::search;
use crate::render::theme::{self, Theme};
use crate::render::{self, Page, Rendered};

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
    theme: InputTable<(), ThemeState>,
    config_file: Table<Db, ConfigFile>,
    note_file: Table<Db, NoteFile>,
    meta_file: Table<Db, MetaFile>,
    source_file: Table<Db, SourceFile>,
    front_file: Table<Db, FrontFile>,
    loaded: Table<Db, LoadedBriefing>,
    normalized: Table<Db, NormalizedText>,
    quote_in: Table<Db, QuoteIn>,
    sha256: Table<Db, TextSha256>,
    inputs_digest: Table<Db, InputsDigest>,
    sketch: Table<Db, SketchOf>,
    checked: Table<Db, CheckedBriefing>,
    check_basis: Table<Db, CheckBasis>,
    list_check: Table<Db, ListCheck>,
    outline: Table<Db, SiteOutline>,
    globals: Table<Db, SiteGlobals>,
    note_at: Table<Db, NoteAt>,
    front: Table<Db, FrontPage>,
    source_list: Table<Db, SourceList>,
    passages: Table<Db, SitePassages>,
    cited_by: Table<Db, CitedBy>,
    groups: Table<Db, SourceGroups>,
    paragraphs: Table<Db, ParagraphsOf>,
    pages: Table<Db, PageAt>,
    sitemap: Table<Db, Sitemap>,
    print: Table<Db, PrintPageOf>,
    print_section: Table<Db, PrintSection>,
    search_part: Table<Db, SearchPart>,
    search_index: Table<Db, SearchIndex>,
    code_points: Table<Db, CodePoints>,
    link_scan: Table<Db, LinkScan>,
    export: Table<Db, ExportJson>,
    export_line: Table<Db, ExportLine>,
    /// The search index's word numbers (see [`search::Terms`]).
    terms: Mutex<search::Terms>,
}

impl Sweep for Db {
    fn sweep(&mut self, s: &mut Sweeper) {
        s.table(&mut self.link_scan);
        s.table(&mut self.export);
        s.table(&mut self.export_line);
        s.table(&mut self.code_points);
        s.table(&mut self.search_index);
        s.table(&mut self.search_part);
        s.table(&mut self.pages);
        s.table(&mut self.sitemap);
        s.table(&mut self.print);
        s.table(&mut self.print_section);
        s.table(&mut self.outline);
        s.table(&mut self.globals);
        s.table(&mut self.note_at);
        s.table(&mut self.front);
        s.table(&mut self.source_list);
        s.table(&mut self.passages);
        s.table(&mut self.cited_by);
        s.table(&mut self.groups);
        s.table(&mut self.paragraphs);
        s.table(&mut self.checked);
        s.table(&mut self.list_check);
        s.table(&mut self.check_basis);
        s.table(&mut self.loaded);
        s.table(&mut self.quote_in);
        s.table(&mut self.normalized);
        s.table(&mut self.sha256);
        s.table(&mut self.inputs_digest);
        s.table(&mut self.sketch);
        s.table(&mut self.config_file);
        s.table(&mut self.note_file);
        s.table(&mut self.meta_file);
        s.table(&mut self.source_file);
        s.table(&mut self.front_file);
        s.inputs(&mut self.text);
        s.inputs(&mut self.scan);
        s.inputs(&mut self.settings);
        s.inputs(&mut self.theme);
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

/// The theme (templates and static files) as loaded, or why it cannot be
/// used. Equal when its fingerprint (a hash of every template and static
/// file) is, or when it fails with the same problems.
#[derive(Clone)]
pub struct ThemeState(pub Result<Arc<Theme>, Vec<Diagnostic>>);

impl PartialEq for ThemeState {
    fn eq(&self, other: &ThemeState) -> bool {
        match (&self.0, &other.0) {
            (Ok(a), Ok(b)) => a.fingerprint == b.fingerprint,
            (Err(a), Err(b)) => a == b,
            _ => false,
        }
    }
}

impl Input<Db> for ThemeState {
    type Key = ();
    type Value = ThemeState;
    fn table(db: &Db) -> &InputTable<(), ThemeState> {
        &db.theme
    }
}

/// The text of `file`, read through `cx` (so recorded).
fn text(cx: &Cx<'_, Db>, file: FileId) -> Arc<FileText> {
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

// ---- checking ---------------------------------------------------------------

query!(Db; NormalizedText: FileId => SourceText, normalized, |cx, file| {
    check::normalized(&text(cx, *file).0)
});

query!(Db; QuoteIn: (FileId, String) => Occurrences, quote_in, |cx, key| {
    cx.get::<NormalizedText>(&key.0).normalized.occurrences(&key.1, check::LISTED)
});

query!(Db; TextSha256: FileId => String, sha256, |cx, file| {
    crate::integrity::sha256_hex(text(cx, *file).0.text.as_bytes())
});

query!(Db; InputsDigest: () => Option<String>, inputs_digest, |cx, _k| {
    use sha2::{Digest, Sha256};
    let scan = cx.input::<ScanInput>(&()).expect("set by the scan");
    let settings = cx.input::<Settings>(&()).expect("set by the scan");
    let theme = cx.input::<ThemeState>(&()).expect("set by the scan");
    let theme = theme.0.as_ref().ok()?;
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(format!("{:?}", settings.site_url).as_bytes());
    let name = |id: FileId| scan.files.get(id).name.as_str();
    let layout = (
        scan.config.map(name),
        scan.sources.iter().map(|&(id, meta)| (name(id), meta)).collect::<Vec<_>>(),
        &scan.unreadable,
        scan.notes.iter().map(|&(id, kind)| (name(id), kind)).collect::<Vec<_>>(),
        scan.front.map(name),
    );
    field(format!("{layout:?}").as_bytes());
    let read = scan.config.iter().chain(scan.front.iter());
    let read = read.chain(scan.sources.iter().map(|(id, _)| id));
    for &id in read.chain(scan.notes.iter().map(|(id, _)| id)) {
        let file = text(cx, id);
        field(file.0.name.as_bytes());
        field(format!("{:?}", (file.0.invalid_utf8_at, file.0.too_large)).as_bytes());
        field(cx.get::<TextSha256>(&id).as_bytes());
    }
    field(&theme.digest);
    Some(format!("{:x}", h.finalize()))
});

query!(Db; SketchOf: FileId => TextSketch, sketch, |cx, file| {
    corroborate::sketch(&text(cx, *file).0)
});

query!(Db; CheckBasis: () => check::Basis, check_basis, |cx, _k| {
    check::Basis::of(&cx.get::<LoadedBriefing>(&()).briefing)
});

query!(Db; ListCheck: (Owner, &'static str) => check::ListResult, list_check, |cx, key| {
    let basis = cx.get::<CheckBasis>(&());
    match key.0 {
        Owner::Note(i) => {
            let note = cx.get::<NoteAt>(&i).0.clone();
            let list = note.claim_list(i, key.1).expect("a list of the note");
            check::check_one_list(cx, &basis, &list)
        }
        Owner::Front => {
            let front = cx.get::<FrontPage>(&()).0.clone().expect("a list of the front page");
            let list = front.claim_list(key.1).expect("a list of the front page");
            check::check_one_list(cx, &basis, &list)
        }
    }
});

query!(Db; CheckedBriefing: () => Checked, checked, |cx, _k| {
    let loaded = cx.get::<LoadedBriefing>(&());
    let theme = cx.input::<ThemeState>(&()).expect("the theme is set before checking");
    let statics: Vec<String> = match &theme.0 {
        Ok(theme) => theme.statics.iter().map(|(name, _)| name.clone()).collect(),
        Err(_) => Vec::new(),
    };
    check::check(cx, &loaded.briefing, &statics)
});

// ---- rendering --------------------------------------------------------------

query!(Db; SiteOutline: () => render::Outline, outline, |cx, _k| {
    render::Outline::of(&cx.get::<LoadedBriefing>(&()).briefing)
});

query!(Db; SiteGlobals: () => render::Globals, globals, |cx, _k| {
    let loaded = cx.get::<LoadedBriefing>(&());
    let theme = cx.input::<ThemeState>(&()).expect("the theme is set before rendering");
    render::Globals::new(
        loaded.briefing.config.clone(),
        loaded.briefing.site_url.clone(),
        theme.0.clone().expect("pages are rendered only with a working theme"),
    )
});

/// A shared value, equal only to itself: a parse that was not redone is
/// the very same value, so comparing addresses is exact and free.
#[derive(Debug)]
pub struct Same<T>(pub T);

impl<T> PartialEq for Same<Arc<T>> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> PartialEq for Same<Option<Arc<T>>> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

query!(Db; NoteAt: usize => Same<Arc<Note>>, note_at, |cx, i| {
    Same(cx.get::<LoadedBriefing>(&()).briefing.notes[*i].clone())
});

query!(Db; FrontPage: () => Same<Option<Arc<Front>>>, front, |cx, _k| {
    Same(cx.get::<LoadedBriefing>(&()).briefing.front.clone())
});

query!(Db; SourceList: () => Vec<Source>, source_list, |cx, _k| {
    cx.get::<LoadedBriefing>(&()).briefing.sources.clone()
});

query!(Db; SitePassages: () => render::Passages, passages, |cx, _k| {
    let loaded = cx.get::<LoadedBriefing>(&());
    render::Passages::of(&loaded.briefing, &cx.get::<CheckedBriefing>(&()))
});

query!(Db; CitedBy: () => Vec<Vec<usize>>, cited_by, |cx, _k| {
    render::cited_by(&cx.get::<LoadedBriefing>(&()).briefing)
});

query!(Db; SourceGroups: () => Corroboration, groups, |cx, _k| {
    cx.get::<CheckedBriefing>(&()).corroboration.clone()
});

query!(Db; ParagraphsOf: FileId => Vec<std::ops::Range<usize>>, paragraphs, |cx, file| {
    render::passages::paragraphs(&text(cx, *file).0.text)
});

/// What a page reads, through the engine.
struct Reads<'c, 'e>(&'c Cx<'e, Db>);

impl render::Inputs for Reads<'_, '_> {
    fn globals(&self) -> Arc<render::Globals> {
        self.0.get::<SiteGlobals>(&())
    }
    fn outline(&self) -> Arc<render::Outline> {
        self.0.get::<SiteOutline>(&())
    }
    fn note(&self, i: usize) -> Arc<Note> {
        self.0.get::<NoteAt>(&i).0.clone()
    }
    fn front(&self) -> Option<Arc<Front>> {
        self.0.get::<FrontPage>(&()).0.clone()
    }
    fn sources(&self) -> Arc<Vec<Source>> {
        self.0.get::<SourceList>(&())
    }
    fn passages(&self) -> Arc<render::Passages> {
        self.0.get::<SitePassages>(&())
    }
    fn cited_by(&self) -> Arc<Vec<Vec<usize>>> {
        self.0.get::<CitedBy>(&())
    }
    fn corroboration(&self) -> Arc<Corroboration> {
        self.0.get::<SourceGroups>(&())
    }
    fn text(&self, file: FileId) -> Arc<File> {
        text(self.0, file).0.clone()
    }
    fn paragraphs(&self, file: FileId) -> Arc<Vec<std::ops::Range<usize>>> {
        self.0.get::<ParagraphsOf>(&file)
    }
}

/// The page at a path of [`Site::paths`]. Recomputed whenever the site is
/// (any change), but its bytes are rendered again only if its view — what
/// the template is given — changed: the old bytes are reused otherwise.
pub struct PageAt;

impl Query<Db> for PageAt {
    type Key = String;
    type Value = Rendered;
    fn table(db: &Db) -> &Table<Db, Self> {
        &db.pages
    }
    fn compute(cx: &Cx<'_, Db>, path: &String) -> Rendered {
        Self::compute_from(cx, path, None)
    }
    fn compute_from(cx: &Cx<'_, Db>, path: &String, old: Option<&Rendered>) -> Rendered {
        Rendered(render::page(
            &Reads(cx),
            path,
            old.and_then(|o| o.0.as_ref().ok()),
        ))
    }
}

/// `sitemap.xml`, as [`PageAt`].
pub struct Sitemap;

impl Query<Db> for Sitemap {
    type Key = ();
    type Value = Rendered;
    fn table(db: &Db) -> &Table<Db, Self> {
        &db.sitemap
    }
    fn compute(cx: &Cx<'_, Db>, key: &()) -> Rendered {
        Self::compute_from(cx, key, None)
    }
    fn compute_from(cx: &Cx<'_, Db>, _: &(), old: Option<&Rendered>) -> Rendered {
        Rendered(render::sitemap(
            &Reads(cx),
            old.and_then(|o| o.0.as_ref().ok()),
        ))
    }
}

/// One section of `print.html`, or the template's error.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionResult(pub Result<print::Section, Box<Diagnostic>>);

query!(Db; PrintSection: print::Part => SectionResult, print_section, |cx, part| {
    SectionResult(print::section(&Reads(cx), *part))
});

query!(Db; PrintPageOf: print::Book => Rendered, print, |cx, book| {
    let parts = print::parts(&Reads(cx), *book);
    let sections = cx.par_map(&parts, |cx, part| cx.get::<PrintSection>(part));
    let mut made = Vec::with_capacity(sections.len());
    for s in sections.iter() {
        match &s.0 {
            Ok(section) => made.push(Arc::new(section.clone())),
            Err(d) => return Rendered(Err(d.clone())),
        }
    }
    Rendered(print::page(&Reads(cx), *book, &made))
});

/// A note or a source, as the search index sees it: by its files.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SearchUnit {
    Note(FileId, Kind),
    /// A source's text, and its metadata if it has any.
    Source(FileId, Option<FileId>),
}

query!(Db; SearchPart: SearchUnit => search::Part, search_part, |cx, unit| {
    let terms = &cx.db().terms;
    match *unit {
        SearchUnit::Note(file, kind) => {
            let parsed = cx.get::<NoteFile>(&(file, kind));
            let note = parsed.value.as_ref().expect("only notes that parsed are indexed");
            search::note_part(note, terms)
        }
        SearchUnit::Source(file, meta) => {
            let id = cx.get::<SourceFile>(&file);
            let id = id.value.as_deref().expect("only sources that parsed are indexed");
            let meta = meta.map(|m| cx.get::<MetaFile>(&m));
            let meta = meta.as_ref().and_then(|m| m.value.as_ref()).and_then(|(_, m)| m.clone());
            search::source_part(id, meta.as_deref(), &text(cx, file).0.text, terms)
        }
    }
});

query!(Db; SearchIndex: () => Rendered, search_index, |cx, _k| {
    let loaded = cx.get::<LoadedBriefing>(&());
    let b = &loaded.briefing;
    let units: Vec<SearchUnit> = b
        .notes
        .iter()
        .map(|n| SearchUnit::Note(n.file, n.kind()))
        .chain(b.sources.iter().map(|s| SearchUnit::Source(s.file, s.meta.as_ref().map(|m| m.file))))
        .collect();
    let parts = cx.par_map(&units, |cx, unit| cx.get::<SearchPart>(unit));
    let words = cx.get::<SiteGlobals>(&()).words.clone();
    Rendered(Ok(search::index(&parts, &cx.db().terms, &words)))
});

// ---- links ------------------------------------------------------------------

query!(Db; LinkScan: (String, String) => links::Resolved, link_scan, |cx, key| {
    let (path, base) = key;
    let page = match print::Book::at(path) {
        Some(book) => cx.get::<PrintPageOf>(&book).0.as_ref().ok().cloned(),
        None => cx.get::<PageAt>(path).0.as_ref().ok().cloned(),
    };
    page.map(|p| links::resolved(&p, base)).unwrap_or_default()
});

/// Every internal link and `#fragment` of the HTML pages among `pages`,
/// against `pages` and `targets` (files published before, whose links were
/// checked then, with their scans): a diagnostic per broken one.
pub fn check_links(
    cx: &Cx<'_, Db>,
    pages: &[Page],
    targets: &[(Page, Arc<links::Resolved>)],
    base: &str,
) -> Vec<Diagnostic> {
    let mut scans = page_scans(cx, pages, base);
    let mut all = pages.to_vec();
    for (page, scan) in targets {
        all.push(page.clone());
        scans.push(scan.clone());
    }
    links::check(&all, pages.len(), base, &scans, &Page::clone)
}

/// The [`links::resolved`] scan of each of `pages`. Rendered pages are
/// scanned by query (so a rebuild scans only the pages that changed);
/// static files (an HTML file among them, say) are few and scanned as they
/// are.
pub fn page_scans(cx: &Cx<'_, Db>, pages: &[Page], base: &str) -> Vec<Arc<links::Resolved>> {
    let keys: Vec<(usize, Option<(String, String)>)> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let rendered = p.template.is_some_and(|t| t.ends_with(".html"));
            (i, rendered.then(|| (p.path.clone(), base.to_owned())))
        })
        .collect();
    cx.par_map(&keys, |cx, (i, key)| match key {
        Some(key) => cx.get::<LinkScan>(key),
        None => Arc::new(links::resolved(&pages[*i], base)),
    })
}

// ---- exporting --------------------------------------------------------------

query!(Db; CodePoints: FileId => export::Counts, code_points, |cx, file| {
    export::Counts::of(&text(cx, *file).0.text)
});

/// What an export line reads, through the engine.
impl export::Inputs for Reads<'_, '_> {
    fn counts(&self, file: FileId) -> Arc<export::Counts> {
        self.0.get::<CodePoints>(&file)
    }
}

/// A line of `briefing.json`: the front page, a note or a source.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExportUnit {
    Header,
    Front,
    Note(usize),
    Source(usize),
}

query!(Db; ExportLine: ExportUnit => Option<Arc<str>>, export_line, |cx, unit| {
    let x = Reads(cx);
    match *unit {
        ExportUnit::Header => Some(export::header(&x).into()),
        ExportUnit::Front => export::front_line(&x).map(Into::into),
        ExportUnit::Note(i) => Some(export::note_line(&x, i).into()),
        ExportUnit::Source(i) => Some(export::source_line(&x, i).into()),
    }
});

query!(Db; ExportJson: () => Rendered, export, |cx, _k| {
    let (notes, sources) = cx.get::<SiteOutline>(&()).counts();
    let header = cx.get::<ExportLine>(&ExportUnit::Header);
    let front = cx.get::<ExportLine>(&ExportUnit::Front);
    let line = |cx: &Cx<'_, Db>, unit: &ExportUnit| {
        cx.get::<ExportLine>(unit).as_ref().clone().expect("notes and sources have lines")
    };
    let notes: Vec<ExportUnit> = (0..notes).map(ExportUnit::Note).collect();
    let sources: Vec<ExportUnit> = (0..sources).map(ExportUnit::Source).collect();
    let notes = cx.par_map(&notes, line);
    let sources = cx.par_map(&sources, line);
    let header = header.as_deref().expect("the header is always made");
    Rendered(Ok(export::page(header, front.as_deref(), &notes, &sources)))
});

/// Every page of the site but the whole-briefing files (see
/// [`whole_files`]), or the template errors (each once).
pub fn pages(cx: &Cx<'_, Db>) -> Result<Vec<Page>, Vec<Diagnostic>> {
    let outline = cx.get::<SiteOutline>(&());
    let rendered = cx.par_map(outline.paths(), |cx, path| cx.get::<PageAt>(path));
    let mut pages = Vec::with_capacity(rendered.len() + 16);
    let mut errors: Vec<Diagnostic> = Vec::new();
    for r in rendered.iter().chain([&cx.get::<Sitemap>(&())]) {
        match &r.0 {
            Ok(page) => pages.push(page.clone()),
            Err(d) => errors.push((**d).clone()),
        }
    }
    if !errors.is_empty() {
        // One broken template fails every page that uses it: say it once.
        errors.dedup_by(|a, b| a.message == b.message);
        return Err(errors);
    }
    pages.extend(render::fixed_files(&cx.get::<SiteGlobals>(&()).theme));
    Ok(pages)
}

/// The files made from the whole briefing — `print.html` (if enabled),
/// `briefing.json` and the search index — in parallel, or the print
/// template's error. Watch publishes them after the pages an edit changed.
pub fn whole_files(engine: &Engine<Db>) -> Result<Vec<Page>, Vec<Diagnostic>> {
    let globals = engine.cx().get::<SiteGlobals>(&());
    let print = globals.config.output.html.print.enable;
    let (print, (export, search)) = rayon::join(
        || {
            let books = if print { &print::Book::ALL[..] } else { &[] };
            books
                .iter()
                .map(|book| engine.cx().get::<PrintPageOf>(book))
                .collect::<Vec<_>>()
        },
        || {
            rayon::join(
                || engine.cx().get::<ExportJson>(&()),
                || engine.cx().get::<SearchIndex>(&()),
            )
        },
    );
    let mut pages = Vec::with_capacity(4);
    for made in print {
        match &made.0 {
            Ok(p) => pages.push(p.clone()),
            Err(d) => return Err(vec![(**d).clone()]),
        }
    }
    for made in [export, search] {
        pages.push(made.0.clone().expect("made without a template"));
    }
    Ok(pages)
}

/// A one-shot build's site, made and dropped page by page: each page is
/// given to `sink` (which puts it into the stage) as soon as it is made,
/// scanned for links, and dropped — the engine keeps no page, no print
/// section, no export line, so memory holds what is being made rather than
/// the whole site. The same queries as [`pages`] and [`whole_files`], read
/// with [`Cx::once`]. Returns each page without its bytes and with its scan,
/// or the template errors (each once); `Err` when `sink` fails.
#[allow(clippy::type_complexity)]
pub fn stream_site(
    engine: &Engine<Db>,
    base: &str,
    sink: &(dyn Fn(&Page) -> Result<()> + Sync),
) -> Result<Result<Vec<(Page, Arc<links::Resolved>)>, Vec<Diagnostic>>> {
    let failed: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let errors: Mutex<Vec<Diagnostic>> = Mutex::new(Vec::new());
    let take = |made: &Rendered| -> Option<(Page, Arc<links::Resolved>)> {
        let page = match &made.0 {
            Ok(page) => page,
            Err(d) => {
                lock(&errors).push((**d).clone());
                return None;
            }
        };
        if let Err(e) = sink(page) {
            lock(&failed).get_or_insert(e);
            return None;
        }
        let scan = Arc::new(links::resolved(page, base));
        let stub = Page {
            bytes: Arc::default(),
            ..page.clone()
        };
        Some((stub, scan))
    };
    let (pages, whole) = rayon::join(
        || {
            use rayon::prelude::*;
            let cx = engine.cx();
            let outline = cx.get::<SiteOutline>(&());
            // Each page with a context of its own, dropped with the page:
            // nobody needs to know what it read.
            let mut made: Vec<_> = outline
                .paths()
                .par_iter()
                .map(|path| take(&engine.cx().once::<PageAt>(path)))
                .collect();
            made.push(take(&cx.once::<Sitemap>(&())));
            let theme = &cx.get::<SiteGlobals>(&()).theme;
            made.extend(
                render::fixed_files(theme)
                    .into_iter()
                    .map(|p| take(&Rendered(Ok(p)))),
            );
            made
        },
        || {
            // One at a time, each with its pieces dropped once it is out.
            let cx = engine.cx();
            let mut made = Vec::with_capacity(3);
            if cx.get::<SiteGlobals>(&()).config.output.html.print.enable {
                for book in print::Book::ALL {
                    made.push(take(&cx.once::<PrintPageOf>(&book)));
                    engine.discard::<PrintSection>();
                }
            }
            made.push(take(&cx.once::<ExportJson>(&())));
            engine.discard::<ExportLine>();
            made.push(take(&cx.once::<SearchIndex>(&())));
            engine.discard::<SearchPart>();
            made
        },
    );
    if let Some(e) = lock(&failed).take() {
        return Err(e);
    }
    let mut errors = std::mem::take(&mut *lock(&errors));
    if !errors.is_empty() {
        // One broken template fails every page that uses it: say it once.
        errors.sort_by(|a, b| a.message.cmp(&b.message));
        errors.dedup_by(|a, b| a.message == b.message);
        return Ok(Err(errors));
    }
    Ok(Ok(pages.into_iter().chain(whole).flatten().collect()))
}

/// Checks the links of a site streamed by [`stream_site`]: its pages come
/// without their bytes, which are made again for the messages about a page
/// with a broken link (there are few).
pub fn check_streamed_links(
    engine: &Engine<Db>,
    site: &[(Page, Arc<links::Resolved>)],
    base: &str,
) -> Vec<Diagnostic> {
    let (pages, scans): (Vec<Page>, Vec<Arc<links::Resolved>>) = site.iter().cloned().unzip();
    let again = |page: &Page| -> Page {
        // Only HTML pages have links and ids (see `links::resolved`).
        if !page.bytes.is_empty() || page.template.is_none() || !page.path.ends_with(".html") {
            return page.clone();
        }
        let cx = engine.cx();
        let made = match print::Book::at(&page.path) {
            Some(book) => cx.once::<PrintPageOf>(&book),
            None => cx.once::<PageAt>(&page.path),
        };
        made.0.unwrap_or_else(|_| page.clone())
    };
    links::check(&pages, pages.len(), base, &scans, &again)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---- driving ----------------------------------------------------------------

/// An empty engine.
pub fn engine() -> Engine<Db> {
    Engine::new(Db::default())
}

/// Scans the briefing at `root` and its templates (reading only files that
/// changed since the engine's last scan; listing no folder when `changed`
/// says only known files changed, see [`load::rescan`]) and sets what
/// changed as inputs.
/// Returns the file database as read, which every diagnostic points into.
/// `Err` only for I/O problems.
pub fn scan(
    engine: &mut Engine<Db>,
    root: &Path,
    settings: Settings,
    changed: &load::Changed,
) -> Result<Files> {
    engine.set::<Settings>((), Some(settings));
    let last = engine.cx().input::<ScanInput>(&());
    let scan = load::rescan(root, &mut engine.db.files, last.as_deref(), changed)?;
    for (id, file) in scan.files.iter() {
        engine.set::<Text>(id, Some(FileText(file.clone())));
    }
    engine.set::<ScanInput>((), Some(scan));
    let theme = theme::load(root, &mut engine.db.files)?;
    engine.set::<ThemeState>((), Some(ThemeState(theme.map(Arc::new))));
    Ok(engine.db.files.clone())
}

/// A SHA-256 of every input of the engine (see [`InputsDigest`]) and of the
/// program itself (a new version may render differently). Two builds with
/// the same digest publish the same site. `None` when the program cannot
/// be identified or the theme is unusable.
pub fn inputs_digest(engine: &Engine<Db>) -> Option<String> {
    use sha2::{Digest, Sha256};
    let program = std::env::current_exe().ok()?.metadata().ok()?;
    let inputs = engine.cx().get::<InputsDigest>(&());
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION"));
    h.update(format!(
        "{:?}",
        (program.len(), program.modified().ok(), identity(&program))
    ));
    h.update(inputs.as_deref()?);
    Some(format!("{:x}", h.finalize()))
}

/// Which file the program is, where the platform tells.
#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// [`scan`], then the loaded briefing.
pub fn load(engine: &mut Engine<Db>, root: &Path, settings: Settings) -> Result<Arc<Loaded>> {
    scan(engine, root, settings, &load::Changed::Everything)?;
    Ok(engine.cx().get::<LoadedBriefing>(&()))
}
