//! Turns a checked briefing into pages. Each page is a query of the
//! engine ([`crate::db::PageAt`]) computed from the [`Site`].
//!
//! Rendering never fails on content (the checks ran first) but a template
//! can: such errors become diagnostics naming the template. The result is a
//! list of `(path, bytes)`; writing them is [`crate::output`]'s job.

mod context;
pub(crate) mod passages;
pub mod print;
pub mod search;
pub mod template_graph;
pub mod theme;
pub mod timeline;
pub mod views;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::check::Checked;
use crate::corroborate::{Merge, Support};
use crate::diag::Diagnostic;
use crate::i18n::Words;
use crate::markdown::{self, NoteLinks};
use crate::model::*;
use crate::routes;
use theme::Theme;
use views::*;

/// A file of the site: where it goes (relative, `/`-separated) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    pub bytes: Arc<Vec<u8>>,
    /// Identifies the bytes: equal keys, equal bytes (the hash of the view
    /// and theme the page was rendered from, or of a static file).
    pub key: u64,
    /// The template it was rendered with, if any (for messages).
    pub template: Option<&'static str>,
    /// The note, source or front-page file it shows, if any (for messages).
    pub file: Option<crate::files::FileId>,
}

/// How many neighbours of the current note the sidebar shows on each side.
const NAV_WINDOW: usize = 6;

/// A rendered page as a query's value: equal when its key is (equal keys,
/// equal bytes), so the bytes are never compared.
#[derive(Debug, Clone)]
pub struct Rendered(pub Result<Page, Box<Diagnostic>>);

impl PartialEq for Rendered {
    fn eq(&self, other: &Rendered) -> bool {
        match (&self.0, &other.0) {
            (Ok(a), Ok(b)) => a.path == b.path && a.key == b.key,
            (Err(a), Err(b)) => a == b,
            _ => false,
        }
    }
}

/// What every page reads of the site's settings: `book.toml`, the site
/// URL, the theme.
pub struct Globals {
    pub config: crate::config::Config,
    pub site_url: Option<crate::config::SiteUrl>,
    pub theme: Arc<Theme>,
    /// The interface words of `[book] language` (from the theme's tables).
    pub words: Arc<Words>,
    /// The theme's templates with `t()` reading `words`.
    pub tera: Arc<tera::Tera>,
}

impl Globals {
    pub fn new(
        config: crate::config::Config,
        site_url: Option<crate::config::SiteUrl>,
        theme: Arc<Theme>,
    ) -> Globals {
        let words = Arc::new(Words::new(&config.book.language, &theme.words));
        let mut tera = theme.tera.clone();
        tera.register_function("t", crate::i18n::tera_function(words.clone()));
        Globals {
            config,
            site_url,
            theme,
            words,
            tera: Arc::new(tera),
        }
    }
}

impl PartialEq for Globals {
    fn eq(&self, other: &Globals) -> bool {
        self.config == other.config
            && self.site_url == other.site_url
            && self.theme.fingerprint == other.theme.fingerprint
    }
}

/// A note as a page shows it in lists, links and the sidebar.
#[derive(Debug, PartialEq)]
struct NoteHead {
    id: String,
    kind: Kind,
    title: String,
}

/// The outline of the site: every note's and source's ID and title, the
/// reading order and every page's path. What a page shows of the notes
/// other than its own is mostly this, which changes only when a title, an
/// ID or the order does — not when a claim is edited.
#[derive(Debug, PartialEq)]
pub struct Outline {
    notes: Vec<NoteHead>,
    /// Per source: ID, title (for its page), label (everywhere else).
    sources: Vec<(String, String, String)>,
    note_index: FxHashMap<String, usize>,
    source_index: FxHashMap<String, usize>,
    /// Every page: the reading order, then the 404 and search pages.
    order: Vec<Entry>,
    /// How many of `order` are in the reading order (have prev/next).
    in_sequence: usize,
    /// Each page's path, as `order`.
    paths: Vec<String>,
    by_path: FxHashMap<String, usize>,
}

impl Outline {
    pub fn of(b: &Briefing) -> Outline {
        let notes: Vec<NoteHead> = b
            .notes
            .iter()
            .map(|n| NoteHead {
                id: n.id.clone(),
                kind: n.kind(),
                title: markdown::typographic(&n.title),
            })
            .collect();
        let sources: Vec<(String, String, String)> = b
            .sources
            .iter()
            .map(|s| match &s.meta {
                Some(m) => (
                    s.id.clone(),
                    markdown::typographic(&m.title),
                    markdown::typographic(&m.short_label()),
                ),
                None => (s.id.clone(), s.id.clone(), s.id.clone()),
            })
            .collect();
        let mut order = vec![Entry::Front];
        for kind in Kind::ALL {
            order.push(Entry::Part(kind));
            order.extend(b.notes_of(kind).map(|(i, _)| Entry::Note(i)));
        }
        order.push(Entry::Sources);
        order.extend((0..b.sources.len()).map(Entry::Source));
        let in_sequence = order.len();
        order.push(Entry::NotFound);
        order.push(Entry::Search);
        let mut outline = Outline {
            note_index: notes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.id.clone(), i))
                .collect(),
            source_index: sources
                .iter()
                .enumerate()
                .map(|(i, s)| (s.0.clone(), i))
                .collect(),
            notes,
            sources,
            order,
            in_sequence,
            paths: Vec::new(),
            by_path: FxHashMap::default(),
        };
        outline.paths = outline.order.iter().map(|e| outline.path(e)).collect();
        outline.by_path = outline
            .paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i))
            .collect();
        outline
    }

    /// The path of every page made from a template, in reading order.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// How many notes and sources the briefing has.
    pub fn counts(&self) -> (usize, usize) {
        (self.notes.len(), self.sources.len())
    }

    pub fn source_index(&self, id: &str) -> Option<usize> {
        self.source_index.get(id).copied()
    }

    fn path(&self, e: &Entry) -> String {
        match *e {
            Entry::Front => routes::FRONT.into(),
            Entry::Part(k) => routes::part(k),
            Entry::Note(i) => routes::note(self.notes[i].kind, &self.notes[i].id),
            Entry::Sources => routes::SOURCES_INDEX.into(),
            Entry::Source(i) => routes::source(&self.sources[i].0),
            Entry::NotFound => routes::NOT_FOUND.into(),
            Entry::Search => routes::SEARCH.into(),
        }
    }

    /// The notes of a part: a contiguous run of the notes, which are
    /// sorted by kind first.
    fn part_range(&self, kind: Kind) -> Range<usize> {
        let notes = &self.notes;
        notes.partition_point(|n| n.kind < kind)..notes.partition_point(|n| n.kind <= kind)
    }
}

/// Where the quoted passages are: per source, its distinct quoted ranges,
/// sorted, each with its citers; per quoted citation, its passage's id on
/// the source page (`q-3`), the source's index and the quote's range.
#[derive(Debug, PartialEq)]
pub struct Passages {
    quotes: Vec<BTreeMap<(usize, usize), Vec<CiteKey>>>,
    anchors: FxHashMap<CiteKey, (usize, usize, Range<usize>)>,
}

impl Passages {
    pub fn of(b: &Briefing, checked: &Checked) -> Passages {
        let mut quotes: Vec<BTreeMap<(usize, usize), Vec<CiteKey>>> =
            vec![BTreeMap::new(); b.sources.len()];
        for (key, m) in &checked.quotes {
            quotes[m.source]
                .entry((m.range.start, m.range.end))
                .or_default()
                .push(*key);
        }
        let mut anchors = FxHashMap::default();
        for (si, per_source) in quotes.iter_mut().enumerate() {
            for (n, (&(a, z), citers)) in per_source.iter_mut().enumerate() {
                citers.sort();
                for key in citers.iter() {
                    anchors.insert(*key, (n + 1, si, a..z));
                }
            }
        }
        Passages { quotes, anchors }
    }

    /// Where a quoted citation's passage is: its number on the source page
    /// (`#q-3`), the source's index and the quote's range in its text.
    pub fn of_citation(&self, key: &CiteKey) -> Option<(usize, usize, Range<usize>)> {
        self.anchors.get(key).cloned()
    }
}

/// For each note, the notes that refer to it (in any field or a `note:`
/// link), in reading order, each once, never itself — its backlinks.
pub fn cited_by(b: &Briefing) -> Vec<Vec<usize>> {
    let note_index: FxHashMap<&str, usize> = b
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut cited_by: Vec<Vec<usize>> = vec![Vec::new(); b.notes.len()];
    for (i, n) in b.notes.iter().enumerate() {
        for r in &n.refs {
            if let Some(&j) = note_index.get(r.target.as_str())
                && j != i
                && cited_by[j].last() != Some(&i)
            {
                cited_by[j].push(i);
            }
        }
    }
    cited_by
}

/// What a page is made from, each part read through the engine (see
/// [`crate::db`]), so that a page is made again only when a part it read
/// changed: an edit to one note's claims makes that note's page again, not
/// the pages that only show its title.
pub trait Inputs {
    fn globals(&self) -> Arc<Globals>;
    fn outline(&self) -> Arc<Outline>;
    /// Note `i` of the briefing (in reading order).
    fn note(&self, i: usize) -> Arc<Note>;
    fn front(&self) -> Option<Arc<Front>>;
    fn sources(&self) -> Arc<Vec<Source>>;
    fn passages(&self) -> Arc<Passages>;
    fn cited_by(&self) -> Arc<Vec<Vec<usize>>>;
    fn corroboration(&self) -> Arc<crate::corroborate::Corroboration>;
    /// The text of a source file.
    fn text(&self, file: crate::files::FileId) -> Arc<crate::files::File>;
    /// A source text's paragraphs, as its page numbers them.
    fn paragraphs(&self, file: crate::files::FileId) -> Arc<Vec<Range<usize>>>;
}

/// The page at `path` (one of [`Outline::paths`]), reusing `old`'s bytes if
/// it was rendered from the very same view.
pub fn page(inputs: &dyn Inputs, path: &str, old: Option<&Page>) -> Result<Page, Box<Diagnostic>> {
    let r = Renderer::new(inputs);
    let o = r.outline.clone();
    let i = o.by_path[path];
    let in_sequence = i < o.in_sequence;
    let prev = (in_sequence && i > 0).then(|| &o.order[i - 1]);
    let next = (in_sequence && i + 1 < o.in_sequence).then(|| &o.order[i + 1]);
    r.page(&o.order[i], prev, next, old)
}

/// `sitemap.xml`.
pub fn sitemap(inputs: &dyn Inputs, old: Option<&Page>) -> Result<Page, Box<Diagnostic>> {
    let r = Renderer::new(inputs);
    let o = r.outline.clone();
    r.sitemap(&o.order[..o.in_sequence], old)
}

/// The files that are not rendered: the theme's static files and
/// `.nojekyll`.
pub fn fixed_files(theme: &Theme) -> Vec<Page> {
    // Tells GitHub Pages to publish the folder as it is.
    let mut pages = vec![Page {
        path: ".nojekyll".into(),
        key: 0,
        bytes: Arc::new(Vec::new()),
        template: None,
        file: None,
    }];
    for (name, bytes) in &theme.statics {
        pages.push(Page {
            path: format!("static/{name}"),
            key: hash_of(&(theme.fingerprint, name)),
            bytes: Arc::new(bytes.clone()),
            template: None,
            file: None,
        });
    }
    pages
}

fn hash_of<T: Hash>(value: &T) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    value.hash(&mut h);
    h.finish()
}

/// One page of the site, in reading order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Entry {
    Front,
    Part(Kind),
    Note(usize),
    Sources,
    Source(usize),
    NotFound,
    /// `search.html`, outside the reading order like the 404 page.
    Search,
}

/// What rendering one page sees: its [`Inputs`], the parts every page
/// reads (settings, outline) read up front, the others when first needed.
struct Renderer<'a> {
    inputs: &'a dyn Inputs,
    globals: Arc<Globals>,
    outline: Arc<Outline>,
    sources: OnceLock<Arc<Vec<Source>>>,
    passages: OnceLock<Arc<Passages>>,
    cited_by: OnceLock<Arc<Vec<Vec<usize>>>>,
    corroboration: OnceLock<Arc<crate::corroborate::Corroboration>>,
}

impl<'a> Renderer<'a> {
    fn new(inputs: &'a dyn Inputs) -> Renderer<'a> {
        Renderer {
            globals: inputs.globals(),
            outline: inputs.outline(),
            inputs,
            sources: OnceLock::new(),
            passages: OnceLock::new(),
            cited_by: OnceLock::new(),
            corroboration: OnceLock::new(),
        }
    }

    fn site(&self) -> SiteView<'_> {
        let c = &self.globals.config;
        SiteView {
            title: &c.book.title,
            description: c.book.description.as_deref(),
            language: &c.book.language,
            authors: &c.book.authors,
            footer: c.output.html.footer.as_deref(),
            print: c.output.html.print.enable,
        }
    }

    fn theme(&self) -> &Theme {
        &self.globals.theme
    }

    /// The interface words of the briefing's language.
    fn w(&self) -> &Words {
        &self.globals.words
    }

    fn note_at(&self, i: usize) -> Arc<Note> {
        self.inputs.note(i)
    }

    fn sources(&self) -> &[Source] {
        self.sources.get_or_init(|| self.inputs.sources())
    }

    fn passages(&self) -> &Passages {
        self.passages.get_or_init(|| self.inputs.passages())
    }

    fn cited_by(&self, i: usize) -> &[usize] {
        &self.cited_by.get_or_init(|| self.inputs.cited_by())[i]
    }

    fn corroboration(&self) -> &crate::corroborate::Corroboration {
        self.corroboration
            .get_or_init(|| self.inputs.corroboration())
    }

    fn note_index(&self, id: &str) -> Option<usize> {
        self.outline.note_index.get(id).copied()
    }

    fn source_index(&self, id: &str) -> Option<usize> {
        self.outline.source_index.get(id).copied()
    }

    fn path(&self, e: &Entry) -> String {
        self.outline.path(e)
    }

    fn part_range(&self, kind: Kind) -> Range<usize> {
        self.outline.part_range(kind)
    }

    fn title(&self, e: &Entry) -> String {
        match *e {
            Entry::Front => self.globals.config.book.title.clone(),
            Entry::Part(k) => self.w().part(k).into(),
            Entry::Note(i) => self.outline.notes[i].title.clone(),
            Entry::Sources => "Sources".into(),
            Entry::Source(i) => self.source_title(i),
            Entry::NotFound => "Page not found".into(),
            Entry::Search => "Search".into(),
        }
    }

    fn source_title(&self, i: usize) -> String {
        self.outline.sources[i].1.clone()
    }

    /// What readers call a source outside its own page (see
    /// [`crate::model::SourceMeta::short_label`]).
    fn source_label(&self, i: usize) -> String {
        self.outline.sources[i].2.clone()
    }

    fn link(&self, root: &str, e: &Entry) -> Link {
        Link {
            href: format!("{root}{}", self.path(e)),
            title: self.title(e),
        }
    }

    fn page(
        &self,
        e: &Entry,
        prev: Option<&Entry>,
        next: Option<&Entry>,
        old: Option<&Page>,
    ) -> Result<Page, Box<Diagnostic>> {
        let path = self.path(e);
        // Hosts serve 404.html for missing pages at any depth, so its links
        // start from the site's root path rather than from its own folder.
        let root = match e {
            Entry::NotFound => self
                .globals
                .site_url
                .as_ref()
                .map_or("/", |u| u.path.as_str()),
            _ if path.contains('/') => "../",
            _ => "",
        };
        let site = self.site();
        // A macro, not a closure: each page kind has its own view type.
        macro_rules! layout {
            ($page:expr) => {
                PageContext {
                    site: &site,
                    root,
                    title: self.title(e),
                    nav: self.nav(root, e),
                    prev: prev.map(|p| self.link(root, p)),
                    next: next.map(|n| self.link(root, n)),
                    page: $page,
                }
            };
        }
        let links = Linker {
            r: self,
            root,
            print: false,
        };
        let m = |template: &'static str| (old, template);
        let template = match *e {
            Entry::Front => "index.html",
            Entry::Part(_) => "part.html",
            Entry::Note(_) => "note.html",
            Entry::Sources => "sources.html",
            Entry::Source(_) => "source.html",
            Entry::NotFound => "404.html",
            Entry::Search => "search.html",
        };
        let file = match *e {
            Entry::Front => self.inputs.front().map(|f| f.file),
            Entry::Note(i) => Some(self.note_at(i).file),
            Entry::Source(i) => Some(self.sources()[i].file),
            _ => None,
        };
        let (key, bytes) = match *e {
            Entry::Front => self.memoised(m("index.html"), &layout!(self.front(&links))),
            Entry::Part(k) => self.memoised(m("part.html"), &layout!(self.part(k, &links))),
            Entry::Note(i) => self.memoised(m("note.html"), &layout!(self.note(i, &links))),
            Entry::Sources => self.memoised(m("sources.html"), &layout!(self.sources_index())),
            Entry::Source(i) => self.memoised(m("source.html"), &layout!(self.source(i, &links))),
            Entry::NotFound => self.memoised(m("404.html"), &layout!(())),
            Entry::Search => self.memoised(m("search.html"), &layout!(search_view())),
        }?;
        Ok(Page {
            path,
            bytes,
            key,
            template: Some(template),
            file,
        })
    }

    /// `sitemap.xml`: every page but the 404, as absolute URLs when the
    /// site-url is absolute (as the sitemap protocol wants), else as paths.
    fn sitemap(&self, pages: &[Entry], old: Option<&Page>) -> Result<Page, Box<Diagnostic>> {
        #[derive(Serialize, Hash)]
        struct Sitemap {
            urls: Vec<String>,
        }
        let urls = pages
            .iter()
            .map(|e| match &self.globals.site_url {
                Some(site) => site.url(&self.path(e)),
                None => self.path(e),
            })
            .collect();
        let path = "sitemap.xml".to_owned();
        let (key, bytes) = self.memoised((old, "sitemap.xml"), &Sitemap { urls })?;
        Ok(Page {
            path,
            bytes,
            key,
            template: Some("sitemap.xml"),
            file: None,
        })
    }

    /// Renders `ctx` with the template, unless the page's previous version
    /// `old` was rendered from this very view with this very theme.
    fn memoised<T: Serialize + Hash>(
        &self,
        (old, template): (Option<&Page>, &str),
        ctx: &T,
    ) -> Result<(u64, Arc<Vec<u8>>), Box<Diagnostic>> {
        let key = hash_of(&(self.theme().fingerprint, template, ctx));
        if let Some(hit) = old
            && hit.key == key
        {
            return Ok((key, hit.bytes.clone()));
        }
        let html = self.template(template, ctx)?;
        Ok((key, Arc::new(html.into_bytes())))
    }

    fn template<T: Serialize>(&self, name: &str, ctx: &T) -> Result<String, Box<Diagnostic>> {
        let context = tera::Context::from_serialize(ctx).map_err(|e| {
            Box::new(Diagnostic::error(
                "template",
                format!("cannot pass page data to `{name}`: {e}"),
            ))
        })?;
        self.globals.tera.render(name, &context).map_err(|e| {
            Box::new(
                Diagnostic::error("template", format!("template `{name}` failed to render"))
                    .note(theme::error_chain(&e))
                    .help("fix the template in templates/, or delete it to use the built-in one"),
            )
        })
    }

    fn nav(&self, root: &str, current: &Entry) -> NavView {
        let current_kind = match *current {
            Entry::Part(k) => Some(k),
            Entry::Note(i) => Some(self.outline.notes[i].kind),
            _ => None,
        };
        let mut parts = Vec::new();
        for kind in Kind::ALL {
            let notes = self.part_range(kind);
            let is_current = current_kind == Some(kind);
            let (items, hidden) = if is_current {
                self.window(root, notes.clone(), current)
            } else {
                (Vec::new(), 0)
            };
            parts.push(NavPart {
                title: self.w().part(kind).into(),
                href: format!("{root}{}/index.html", kind.dir()),
                count: notes.len(),
                current: is_current,
                items,
                hidden,
            });
        }
        let sources_current = matches!(current, Entry::Sources | Entry::Source(_));
        let (items, hidden) = if sources_current {
            let all: Vec<usize> = (0..self.outline.sources.len()).collect();
            let at = match *current {
                Entry::Source(i) => Some(i),
                _ => None,
            };
            let (lo, hi) = window_bounds(all.len(), at);
            let items = all[lo..hi]
                .iter()
                .map(|&i| NavItem {
                    title: self.source_title(i),
                    href: format!("{root}sources/{}.html", self.outline.sources[i].0),
                    current: at == Some(i),
                })
                .collect();
            (items, all.len() - (hi - lo))
        } else {
            (Vec::new(), 0)
        };
        parts.push(NavPart {
            title: "Sources".into(),
            href: format!("{root}sources/index.html"),
            count: self.outline.sources.len(),
            current: sources_current,
            items,
            hidden,
        });
        NavView { parts }
    }

    fn window(&self, root: &str, notes: Range<usize>, current: &Entry) -> (Vec<NavItem>, usize) {
        let at = match *current {
            Entry::Note(i) if notes.contains(&i) => Some(i - notes.start),
            _ => None,
        };
        let (lo, hi) = window_bounds(notes.len(), at);
        let items = (notes.start + lo..notes.start + hi)
            .map(|i| NavItem {
                title: self.outline.notes[i].title.clone(),
                href: format!("{root}{}", self.path(&Entry::Note(i))),
                current: matches!(*current, Entry::Note(c) if c == i),
            })
            .collect();
        (items, notes.len() - (hi - lo))
    }

    fn claims(
        &self,
        owner: Owner,
        field: &'static str,
        claims: &[Claim],
        links: &Linker,
    ) -> Vec<ClaimView> {
        self.claims_from(owner, field, claims, 0, links)
    }

    /// Views of `claims`, the first being claim `first` of its list.
    fn claims_from(
        &self,
        owner: Owner,
        field: &'static str,
        claims: &[Claim],
        first: usize,
        links: &Linker,
    ) -> Vec<ClaimView> {
        claims
            .iter()
            .enumerate()
            .map(|(ci, claim)| (ci + first, claim))
            .map(|(ci, claim)| ClaimView {
                anchor: claim_anchor(field, ci),
                html: markdown::to_inline_html(&claim.text, links),
                support: self.support(claim),
                cites: claim
                    .keyed_cites(owner, field, ci)
                    .map(|(key, cite)| self.cite(key, cite, links))
                    .collect(),
            })
            .collect()
    }

    /// How many independent stories back a claim's citations, and why.
    fn support(&self, claim: &Claim) -> Option<SupportView> {
        let s = self
            .corroboration()
            .support_with(claim, |id| self.source_index(id))?;
        Some(SupportView {
            label: s.label_in(self.w()),
            single: s.single(),
            disputed: s.disputed(),
            why: self.explain(&s),
        })
    }

    /// A support label unfolded, in plain words: a line per story (which
    /// sources count, and what made several of them one story), then the
    /// sources that contradict the claim or only give context.
    fn explain(&self, s: &Support) -> Vec<String> {
        let w = self.w();
        let name = |i: usize| format!("“{}”", self.source_label(i));
        let names = |v: &[usize]| v.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ");
        let percent = |overlap: f64| format!("{:.0}", overlap * 100.0);
        let mut out = Vec::new();
        if s.about_sources {
            out.push(w.get("why_about_sources").to_owned());
        }
        let many = s.stories.len() > 1;
        for (n, story) in s.stories.iter().enumerate() {
            let sources = names(&story.sources);
            let mut line = if many {
                w.fill(
                    "why_story_n",
                    &[("n", &(n + 1).to_string()), ("sources", &sources)],
                )
            } else {
                w.fill("why_one_story", &[("sources", &sources)])
            };
            for m in &story.merges {
                line.push(' ');
                line.push_str(&match *m {
                    Merge::Declared { source, from } => w.fill(
                        "why_declared",
                        &[("source", &name(source)), ("from", &name(from))],
                    ),
                    Merge::Texts { a, b, overlap } => w.fill(
                        "why_texts",
                        &[
                            ("a", &name(a)),
                            ("b", &name(b)),
                            ("percent", &percent(overlap)),
                        ],
                    ),
                    Merge::Quotes { a, b, overlap } => w.fill(
                        "why_quotes",
                        &[
                            ("a", &name(a)),
                            ("b", &name(b)),
                            ("percent", &percent(overlap)),
                        ],
                    ),
                });
            }
            if !s.about_sources {
                out.push(line);
            }
        }
        if !s.contradicting.is_empty() {
            out.push(w.fill("why_contradicted", &[("sources", &names(&s.contradicting))]));
        }
        if !s.context.is_empty() {
            out.push(w.fill("why_context", &[("sources", &names(&s.context))]));
        }
        out
    }

    fn cite(&self, key: CiteKey, cite: &Citation, links: &Linker) -> CiteView {
        let found = self.passages().anchors.get(&key);
        let (si, fragment) = match found {
            Some((n, si, _)) => (Some(*si), format!("#{}", routes::passage_anchor(*n))),
            None => (self.source_index(&cite.source), String::new()),
        };
        // The quote's context, for the page's tooltip; the printed brief
        // names the paragraph instead.
        let (before, after) = match found {
            Some((_, si, range)) if !links.print => self.context(*si, range.clone()),
            _ => (None, None),
        };
        let paragraph = match found {
            Some((_, si, range)) if links.print => {
                let file = self.sources()[*si].file;
                let paragraphs = self.inputs.paragraphs(file);
                Some(paragraphs.partition_point(|p| p.end <= range.start) + 1)
            }
            _ => None,
        };
        CiteView {
            source_id: cite.source.clone(),
            source_title: si.map_or_else(|| cite.source.clone(), |i| self.source_label(i)),
            stance: match cite.stance {
                Stance::Supports => None,
                other => Some(other.label()),
            },
            stance_label: match cite.stance {
                Stance::Supports => None,
                other => Some(self.w().value("stance", other.label())),
            },
            href: links.passage(&cite.source, &fragment),
            // As written: HTML folds its line breaks and runs of spaces.
            quote: cite.quote.clone(),
            comment_html: cite
                .comment
                .as_ref()
                .map(|c| markdown::to_inline_html(c, links)),
            caveat: si
                .and_then(|i| self.sources()[i].meta.as_ref())
                .and_then(|m| match m.translation {
                    Translation::Machine => Some(self.w().get("machine_translation").to_owned()),
                    _ => None,
                }),
            before,
            after,
            paragraph,
        }
    }

    /// The source's words before and after the quote at `range` of source
    /// `si` (see [`context`]).
    fn context(&self, si: usize, range: Range<usize>) -> (Option<String>, Option<String>) {
        let file = self.sources()[si].file;
        let text = &self.inputs.text(file).text;
        let paragraphs = &self.inputs.paragraphs(file);
        context::around(text, paragraphs, range)
    }

    fn front(&self, links: &Linker) -> FrontView {
        let front = self.inputs.front();
        let list = |field: &'static str| match &front {
            Some(f) => {
                let list = f.claim_list(field).expect("a front-page list");
                self.claims(Owner::Front, field, list.claims, links)
            }
            None => Vec::new(),
        };
        let mut notes = Vec::new();
        let summary = number(list("summary"), &mut notes);
        let why_it_matters = number(list("why_it_matters"), &mut notes);
        let next = number(list("next"), &mut notes);
        let (bottom_line, key_facts) = (list("bottom_line"), list("key_facts"));
        let mut parts: Vec<PartSummary> = Kind::ALL
            .iter()
            .map(|&k| PartSummary {
                title: self.w().part(k).into(),
                href: format!("{}/index.html", k.dir()),
                count: self.part_range(k).len(),
                blurb: self.w().blurb(Some(k)).into(),
            })
            .collect();
        parts.push(PartSummary {
            title: "Sources".into(),
            href: "sources/index.html".into(),
            count: self.outline.sources.len(),
            blurb: self.w().blurb(None).into(),
        });
        FrontView {
            summary,
            why_it_matters,
            next,
            notes,
            bottom_line,
            key_facts,
            parts,
            updated: self
                .globals
                .config
                .book
                .updated
                .as_deref()
                .and_then(|d| crate::date::DateSpec::parse(d).ok())
                .map(|d| self.w().date(&d)),
        }
    }

    fn part(&self, kind: Kind, links: &Linker) -> PartView {
        let item = |n: &Note| NoteItem {
            title: markdown::typographic(&n.title),
            href: format!("{}.html", n.id),
            meta: note_meta(self.w(), n),
            date_iso: n.date().map(|d| d.iso_start()),
            summary_html: n
                .summary
                .as_ref()
                .map(|s| markdown::to_inline_html(s, links)),
            claims: n.claims.len(),
        };
        let notes: Vec<Arc<Note>> = self.part_range(kind).map(|i| self.note_at(i)).collect();
        let items: Vec<NoteItem> = notes.iter().map(|n| item(n)).collect();
        let mut sections: Vec<ItemSection> = Vec::new();
        let mut last = None;
        for n in &notes {
            let section = n.section();
            if last != Some(section) {
                sections.push(ItemSection {
                    title: Some(self.w().section(kind, section)),
                    items: Vec::new(),
                });
                last = Some(section);
            }
            sections
                .last_mut()
                .expect("just pushed")
                .items
                .push(item(n));
        }
        if sections.len() == 1 {
            sections[0].title = None;
        }
        // The What index opens with a timeline of its events.
        let timeline = match kind {
            Kind::What => {
                let notes: Vec<Arc<Note>> =
                    self.part_range(kind).map(|i| self.note_at(i)).collect();
                let titles: Vec<String> = notes
                    .iter()
                    .map(|n| markdown::typographic(&n.title))
                    .collect();
                let events: Vec<timeline::Event> = notes
                    .iter()
                    .zip(&titles)
                    .filter_map(|(n, title)| {
                        Some(timeline::Event {
                            title,
                            href: format!("{}.html", n.id),
                            date: *n.date()?,
                            derived: matches!(n.body, Body::What { derived: true, .. }),
                        })
                    })
                    .collect();
                timeline::timeline(&events, self.w())
            }
            _ => None,
        };
        PartView {
            kind: kind.dir(),
            blurb: self.w().blurb(Some(kind)).into(),
            items,
            sections,
            timeline,
            disagreements: match kind {
                Kind::Question => self.all_disagreements(links),
                _ => Vec::new(),
            },
        }
    }

    /// A note's disagreements, each side a claim with its citations.
    fn disagreements(&self, i: usize, links: &Linker) -> Vec<DisagreementView> {
        let n = &*self.note_at(i);
        n.disagreements
            .iter()
            .enumerate()
            .map(|(d, dis)| {
                let sides = &n.sides[dis.sides.clone()];
                let views =
                    self.claims_from(Owner::Note(i), "sides", sides, dis.sides.start, links);
                DisagreementView {
                    anchor: routes::disagreement_anchor(d),
                    point: markdown::typographic(&dis.point),
                    sides: sides
                        .iter()
                        .zip(views)
                        .map(|(side, claim)| SideView {
                            claim,
                            same_as: same_evidence(&n.claims, side),
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// Every disagreement of the briefing, for the open-questions index.
    fn all_disagreements(&self, links: &Linker) -> Vec<DisagreementItem> {
        self.with_disagreements()
            .flat_map(|i| {
                let n = self.note_at(i);
                let note = links.note(i);
                n.disagreements
                    .iter()
                    .enumerate()
                    .map(|(d, dis)| DisagreementItem {
                        point: markdown::typographic(&dis.point),
                        href: format!("../{}#d-{}", self.path(&Entry::Note(i)), d + 1),
                        note: markdown::typographic(&note.title),
                        sides: n.sides[dis.sides.clone()]
                            .iter()
                            .map(|s| markdown::to_inline_html(&s.text, links))
                            .collect(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The notes that record disagreements, in reading order.
    fn with_disagreements(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.outline.notes.len()).filter(|&i| !self.note_at(i).disagreements.is_empty())
    }

    fn note(&self, i: usize, links: &Linker) -> NoteView {
        let n = &*self.note_at(i);
        let mut facts = Vec::new();
        let w = self.w();
        let mut fact = |key: &str, value: String| {
            facts.push(Fact {
                label: w.get(key).to_owned(),
                value,
            })
        };
        match &n.body {
            Body::Who {
                actor_type,
                role,
                affiliation,
                aliases,
            } => {
                fact("fact_type", w.value("type", actor_type.label()));
                if let Some(r) = role {
                    fact("fact_role", r.clone());
                }
                if let Some(a) = affiliation {
                    fact("fact_affiliation", a.clone());
                }
                if !aliases.is_empty() {
                    fact("fact_also_called", aliases.join("; "));
                }
            }
            Body::What { date, derived } => fact(
                "fact_date",
                if *derived {
                    w.fill("date_derived", &[("date", &w.date(date))])
                } else {
                    w.date(date)
                },
            ),
            Body::Response {
                response_type,
                date,
            } => {
                fact("fact_type", w.value("type", response_type.label()));
                if let Some(d) = date {
                    fact("fact_date", w.date(d));
                }
            }
            Body::Question { status, .. } => fact("fact_status", w.value("status", status.label())),
        }
        let groups: &[(&'static str, &'static str)] = &[
            ("actors", "refs_actors"),
            ("responders", "refs_responders"),
            ("responding_to", "refs_responding_to"),
            ("related", "refs_related"),
        ];
        let ref_groups = groups
            .iter()
            .filter_map(|&(field, label)| {
                let links: Vec<Link> = n
                    .refs_in(field)
                    .filter_map(|r| self.note_index(&r.target))
                    .map(|j| links.note(j))
                    .collect();
                (!links.is_empty()).then(|| RefGroup {
                    label: self.w().get(label).to_owned(),
                    links,
                })
            })
            .collect();
        // Claims about the sources (how a date is derived, what none of them
        // says) follow what the sources say, under a heading of their own.
        let (claims, about_sources): (Vec<_>, Vec<_>) = self
            .claims(Owner::Note(i), "claims", &n.claims, links)
            .into_iter()
            .zip(&n.claims)
            .partition(|(_, c)| c.about == About::Events);
        NoteView {
            kind: n.kind().dir(),
            kind_title: self.w().part(n.kind()).to_owned(),
            singular: self.w().kind(n.kind()).to_owned(),
            id: n.id.clone(),
            title: markdown::typographic(&n.title),
            summary_html: n.summary.as_ref().map(|s| markdown::to_html(s, links)),
            facts,
            related: self.related_groups(i, n, links),
            ref_groups,
            cited_by: self.backlink_groups(i, links),
            disagreements: self.disagreements(i, links),
            claims: claims.into_iter().map(|(view, _)| view).collect(),
            about_sources: about_sources.into_iter().map(|(view, _)| view).collect(),
        }
    }

    /// Every note that note `i` refers to or that refers to it, each once,
    /// grouped by part, in reading order.
    fn related_groups(&self, i: usize, n: &Note, links: &Linker) -> Vec<RefGroup> {
        let mut others: Vec<usize> = n
            .refs
            .iter()
            .filter_map(|r| self.note_index(&r.target))
            .chain(self.cited_by(i).iter().copied())
            .filter(|&j| j != i)
            .collect();
        others.sort_unstable();
        others.dedup();
        self.by_part(&others, links)
    }

    /// The notes referring to note `i`, grouped by part.
    fn backlink_groups(&self, i: usize, links: &Linker) -> Vec<RefGroup> {
        self.by_part(self.cited_by(i), links)
    }

    /// Links to `notes`, grouped by part, each group in the given order.
    fn by_part(&self, notes: &[usize], links: &Linker) -> Vec<RefGroup> {
        Kind::ALL
            .iter()
            .filter_map(|&kind| {
                let links: Vec<Link> = notes
                    .iter()
                    .filter(|&&j| self.outline.notes[j].kind == kind)
                    .map(|&j| links.note(j))
                    .collect();
                (!links.is_empty()).then_some(RefGroup {
                    label: self.w().part(kind).to_owned(),
                    links,
                })
            })
            .collect()
    }

    fn sources_index(&self) -> SourcesView {
        let items = self
            .sources()
            .iter()
            .enumerate()
            .map(|(i, s)| SourceItem {
                id: s.id.clone(),
                title: self.source_title(i),
                label: self.source_label(i),
                href: format!("{}.html", s.id),
                facts: source_facts(self.w(), s),
                citations: self.passages().quotes[i].values().map(Vec::len).sum(),
                closest: self
                    .corroboration()
                    .closest(i)
                    .map(|(j, p)| (self.source_link(j), format!("{:.2}", p.overlap))),
                grouped: self.corroboration().groups[self.corroboration().group_of[i]].len() > 1,
            })
            .collect();
        let c = self.corroboration();
        let groups = c
            .groups
            .iter()
            .filter(|g| g.len() > 1)
            .map(|g| GroupView {
                sources: g.iter().map(|&s| self.source_link(s)).collect(),
                pairs: c
                    .pairs
                    .iter()
                    .filter(|p| p.overlap >= c.threshold && g.contains(&p.a))
                    .map(|p| PairView {
                        a: self.source_label(p.a),
                        b: self.source_label(p.b),
                        overlap: format!("{:.2}", p.overlap),
                        jaccard: format!("{:.2}", p.jaccard),
                    })
                    .collect(),
                declared: c
                    .links
                    .iter()
                    .filter_map(|m| match *m {
                        Merge::Declared { source, from } if g.contains(&source) => Some(format!(
                            "“{}” is declared to be derived from “{}”",
                            self.source_label(source),
                            self.source_label(from)
                        )),
                        _ => None,
                    })
                    .collect(),
            })
            .collect();
        SourcesView {
            items,
            groups,
            threshold: format!("{:.2}", c.threshold),
            stories: c.groups.len(),
        }
    }

    /// A link from the sources index to a source's page, titled by its label.
    fn source_link(&self, i: usize) -> Link {
        let id = &self.outline.sources[i].0;
        Link {
            href: format!("{id}.html"),
            title: self.source_label(i),
        }
    }

    fn source(&self, i: usize, links: &Linker) -> SourceView {
        let s = &self.sources()[i];
        let file = self.inputs.text(s.file);
        let text = &file.text;
        let quotes = &self.passages().quotes[i];
        let ranges: Vec<Range<usize>> = quotes.keys().map(|&(a, z)| a..z).collect();
        let citers: Vec<&Vec<CiteKey>> = quotes.values().collect();
        let paragraphs = passages::paragraphs(text)
            .into_iter()
            .enumerate()
            .map(|(pn, para)| {
                let segments: Vec<_> = passages::segments(para, &ranges);
                // The claims quoting this paragraph, each once, gathered in
                // one place rather than after every passage.
                let mut cited: Vec<CitedClaim> = segments
                    .iter()
                    .flat_map(|seg| seg.ends.iter())
                    .flat_map(|&q| citers[q].iter())
                    .map(|key| self.cited_claim(key, links))
                    .collect();
                cited.dedup_by(|a, b| a.href == b.href);
                let mut seen = std::collections::HashSet::new();
                cited.retain(|c| seen.insert(c.href.clone()));
                ParagraphView {
                    n: pn + 1,
                    segments: segments
                        .into_iter()
                        .map(|seg| SegmentView {
                            text: text[seg.range.clone()].to_owned(),
                            marked: seg.covered,
                            anchors: seg.starts.iter().map(|q| format!("q-{}", q + 1)).collect(),
                            backrefs: seg
                                .ends
                                .iter()
                                .flat_map(|&q| citers[q].iter())
                                .map(|key| links.claim(key))
                                .collect(),
                        })
                        .collect(),
                    cited,
                }
            })
            .collect();
        let mut citing: Vec<Link> = citers
            .iter()
            .flat_map(|keys| keys.iter())
            .map(|key| links.claim(key))
            .collect();
        citing.sort_by(|a, b| a.href.cmp(&b.href));
        citing.dedup_by(|a, b| a.href == b.href);
        // "Cited by": each citing note once, with the claims of it that cite.
        let mut cited_by: Vec<CitingNote> = Vec::new();
        let mut keys: Vec<&CiteKey> = citers.iter().flat_map(|keys| keys.iter()).collect();
        keys.sort();
        for key in keys {
            let claim = self.cited_claim(key, links);
            match cited_by.iter_mut().find(|n| n.title == claim.note) {
                Some(n) if n.claims.iter().any(|c| c.href == claim.href) => {}
                Some(n) => n.claims.push(claim),
                None => cited_by.push(CitingNote {
                    title: claim.note.clone(),
                    claims: vec![claim],
                }),
            }
        }
        let meta = s.meta.as_ref();
        SourceView {
            id: s.id.clone(),
            title: self.source_title(i),
            url: meta
                .and_then(|m| m.url.clone())
                .filter(|u| markdown::is_safe_url(u)),
            facts: source_facts(self.w(), s),
            caveats_html: meta
                .map(|m| {
                    m.caveats
                        .iter()
                        .map(|c| markdown::to_inline_html(c, links))
                        .collect()
                })
                .unwrap_or_default(),
            paragraphs,
            quotes: ranges.len(),
            preformatted: meta
                .and_then(|m| m.layout)
                .unwrap_or_else(|| Layout::of(text))
                == Layout::Preformatted,
            citing,
            cited_by,
        }
    }

    /// A claim citing a source, for the source's page: where it is, its
    /// note, and its words (plain, shortened).
    fn cited_claim(&self, key: &CiteKey, links: &Linker) -> CitedClaim {
        let link = links.claim(key);
        let text = match key.owner {
            Owner::Note(i) => {
                let note = self.note_at(i);
                note.claim_list(i, key.field)
                    .and_then(|l| l.claims.get(key.claim))
                    .map(|c| markdown::to_text(&c.text))
            }
            Owner::Front => self.inputs.front().and_then(|f| {
                f.claim_list(key.field)
                    .and_then(|l| l.claims.get(key.claim))
                    .map(|c| markdown::to_text(&c.text))
            }),
        }
        .unwrap_or_default();
        CitedClaim {
            href: link.href,
            note: link.title,
            claim: shorten_words(&text, 140),
        }
    }
}

/// Makes the links of one page: relative paths between pages, or, for the
/// single-page `print.html`, fragments within it (see [`print`]).
struct Linker<'r, 'a> {
    r: &'r Renderer<'a>,
    /// From the page to the site root ("" or "../").
    root: &'r str,
    print: bool,
}

impl Linker<'_, '_> {
    /// A link to note `i`, titled.
    fn note(&self, i: usize) -> Link {
        let title = self.r.outline.notes[i].title.clone();
        match self.print {
            true => Link {
                href: print::note_href(&self.r.outline.notes[i].id),
                title,
            },
            false => Link {
                href: format!("{}{}", self.root, self.r.path(&Entry::Note(i))),
                title,
            },
        }
    }

    /// A link to a source, at `fragment` (`#q-3`) or its top (`""`).
    fn passage(&self, source: &str, fragment: &str) -> String {
        match self.print {
            true => print::passage_href(source, fragment),
            false => format!("{}sources/{source}.html{fragment}", self.root),
        }
    }

    /// A link to the claim a citation belongs to, titled by its note.
    fn claim(&self, key: &CiteKey) -> Link {
        let anchor = claim_anchor(key.field, key.claim);
        match key.owner {
            Owner::Note(i) => {
                let note = self.note(i);
                Link {
                    href: match self.print {
                        true => format!("{}-{anchor}", note.href),
                        false => format!("{}#{anchor}", note.href),
                    },
                    title: note.title,
                }
            }
            Owner::Front => Link {
                href: match self.print {
                    true => format!("{}#{anchor}", routes::PRINT),
                    false => format!("{}index.html#{anchor}", self.root),
                },
                title: "Front page".into(),
            },
        }
    }
}

impl NoteLinks for Linker<'_, '_> {
    fn href(&self, id: &str) -> Option<String> {
        let i = self.r.note_index(id)?;
        Some(self.note(i).href)
    }

    fn site_root(&self) -> &str {
        self.root
    }
}

use crate::routes::claim_anchor;

fn window_bounds(len: usize, at: Option<usize>) -> (usize, usize) {
    let center = at.unwrap_or(0);
    let lo = center.saturating_sub(NAV_WINDOW);
    let hi = (center + NAV_WINDOW + 1).min(len);
    (lo, hi)
}

fn note_meta(w: &Words, n: &Note) -> String {
    match &n.body {
        Body::Who {
            role,
            affiliation,
            actor_type,
            ..
        } => {
            let parts: Vec<&str> = [role.as_deref(), affiliation.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            if parts.is_empty() {
                w.value("type", actor_type.label())
            } else {
                parts.join(" · ")
            }
        }
        Body::What { date, .. } => w.date(date),
        Body::Response {
            response_type,
            date,
        } => match date {
            Some(d) => format!("{} · {}", w.value("type", response_type.label()), w.date(d)),
            None => w.value("type", response_type.label()),
        },
        Body::Question { status, .. } => w.value("status", status.label()),
    }
}

fn source_facts(w: &Words, s: &Source) -> Vec<Fact> {
    let fact = |key: &str, value: String| Fact {
        label: w.get(key).to_owned(),
        value,
    };
    let Some(m) = &s.meta else {
        return vec![fact("fact_metadata", w.get("none_recorded").to_owned())];
    };
    let mut facts = Vec::new();
    if let Some(p) = &m.publisher {
        facts.push(fact("fact_publisher", p.clone()));
    }
    if let Some(a) = &m.author {
        facts.push(fact("fact_author", a.clone()));
    }
    if let Some(d) = &m.published {
        facts.push(fact("fact_published", w.date(d)));
    }
    if let Some(d) = &m.retrieved {
        facts.push(fact("fact_retrieved", w.date(d)));
    }
    facts.push(fact("fact_language", m.language.clone()));
    let text = w.get(match m.translation {
        Translation::None => "text_none",
        Translation::Human => "text_human",
        Translation::Machine => "text_machine",
        Translation::Unknown => "text_unknown",
    });
    let text = match &m.original_language {
        Some(orig) if m.translation != Translation::None => {
            w.fill("text_from", &[("text", text), ("language", orig)])
        }
        _ => text.to_owned(),
    };
    facts.push(fact("fact_text", text));
    facts
}

fn search_view() -> SearchView {
    SearchView {
        index: search::INDEX_PATH,
    }
}

/// `text` cut at a word boundary to at most `max` characters, with `…`.
fn shorten_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |at| &cut[..at]);
    format!("{}…", cut.trim_end_matches([' ', ',', ';', ':']))
}

/// The claims among `claims` whose citations include every citation of
/// `side` (the same source, quote and place), or none when some citation
/// of the side is its own: then the side shows its evidence itself.
fn same_evidence(claims: &[Claim], side: &Claim) -> Vec<ClaimRef> {
    fn key(c: &Citation) -> (&str, Option<&str>, Option<i64>) {
        (&c.source, c.quote.as_deref(), c.occurrence)
    }
    let mut found: Vec<usize> = Vec::new();
    for cite in &side.cites {
        let Some(k) = claims
            .iter()
            .position(|claim| claim.cites.iter().any(|c| key(c) == key(cite)))
        else {
            return Vec::new();
        };
        found.push(k);
    }
    found.sort_unstable();
    found.dedup();
    found
        .into_iter()
        .map(|k| {
            let about = claims[k].about;
            ClaimRef {
                anchor: routes::claim_anchor("claims", k),
                number: claims[..k].iter().filter(|c| c.about == about).count() + 1,
                below: about == About::Sources,
            }
        })
        .collect()
}
