//! Templates that would crash the renderer, refused before it runs.
//!
//! Tera 1 puts no bound on recursion, and a stack overflow cannot be caught:
//! it aborts the process (and, under `serve`, the server with it). A template
//! that includes itself, macros that call each other, a block whose
//! `super()` leads back to itself, imports or `extends` in a circle, or
//! simply nesting deeper than a thread's stack — each would do that. So the
//! theme is checked between parsing and rendering:
//!
//! 1. Before parsing, each template's text is scanned for how deeply its
//!    tags and expressions nest ([`MAX_TEXT_DEPTH`]), because parsing
//!    recurses too, and how deeply brackets nest in a tag
//!    ([`MAX_BRACKETS`]), on which the parser's time is exponential.
//! 2. `extends` and `import` must not form a circle (Tera's own check of
//!    `extends` recurses forever on a circle that does not pass through the
//!    template it starts from, and its macro loading on an import circle).
//! 3. The graph of what rendering can reach — includes, macro calls, blocks
//!    and `super()`, resolved the way Tera 1.20 resolves them (see
//!    `tera/src/renderer/processor.rs`) — must have no cycle, and its
//!    deepest path must fit in [`MAX_DEPTH`] levels.
//!
//! Every cycle is refused, also one that a condition would end: whether a
//! condition ever becomes false depends on the data, which cannot be known
//! here, and a recursion that stops at depth 10 for one briefing may not for
//! the next. So recursive macros, which Tera documents, are not allowed;
//! templates iterate with `{% for %}` instead.

use std::collections::{BTreeSet, HashMap};

use tera::ast::{Expr, ExprVal, Node};
use tera::{Template, Tera};

use crate::diag::Diagnostic;
use crate::files::{FileId, Files};

/// A template as the theme loads it: its name, its text and, when it is an
/// override from `templates/`, its file.
pub type Source = (String, String, Option<FileId>);

/// Why templates were not added.
pub enum Refused {
    /// Tera's own error (syntax, a missing parent or macro file).
    Tera(tera::Error),
    /// Templates that would recurse forever or nest too deeply.
    Found(Vec<Diagnostic>),
}

/// How many levels of nesting rendering may reach, counted along the
/// deepest path through includes, macro calls and blocks: one per nested
/// tag body or expression operator, [`MACRO_CALL`] per macro call. A level
/// costs up to about 6 KB of stack in a debug build and rendering runs on
/// 2 MB threads, so 128 levels (about 0.8 MB) leaves room for everything
/// else on the stack; the built-in theme needs under a quarter of it (17 levels).
pub const MAX_DEPTH: usize = 128;

/// The bound on the nesting estimated from a template's text before it is
/// parsed. The estimate counts every operator and bracket, so it is looser
/// than [`MAX_DEPTH`]; parsing a level costs less stack than rendering it.
pub const MAX_TEXT_DEPTH: usize = 2 * MAX_DEPTH;

/// Levels a macro call costs: it is about three times the stack of a
/// nested tag in a debug build (measured: 125 nested calls fill 2 MB).
const MACRO_CALL: usize = 3;

/// How deeply brackets may nest inside one tag. Tera's parser backtracks
/// through every alternative at each level of a call or array, so its time
/// grows about threefold per level of `f(a=f(a=…))` (nine levels: two
/// seconds) and sevenfold per `[f([f(…)])]`. Real templates nest two or
/// three.
const MAX_BRACKETS: usize = 6;

/// The longest chain of `extends` and `import` allowed: loading macros and
/// building the inheritance chain recurse once per link.
const MAX_CHAIN: usize = 32;

/// Parses `sources` into `tera` and refuses what would crash the renderer.
/// On success the templates are ready to render, as after
/// `Tera::add_raw_templates`.
pub fn add_templates(tera: &mut Tera, sources: &[Source], files: &Files) -> Result<(), Refused> {
    let too_deep: Vec<Diagnostic> = sources
        .iter()
        .filter_map(|s| nested_too_deeply(s, files))
        .collect();
    if !too_deep.is_empty() {
        return Err(Refused::Found(too_deep));
    }
    for (name, text, _) in sources {
        let template = Template::new(name, None, text).map_err(|e| {
            Refused::Tera(tera::Error::chain(format!("Failed to parse '{name}'"), e))
        })?;
        tera.templates.insert(name.clone(), template);
    }
    let found = Links::new(tera, sources).check(sources, files);
    if !found.is_empty() {
        return Err(Refused::Found(found));
    }
    tera.build_inheritance_chains().map_err(Refused::Tera)?;
    tera.check_macro_files().map_err(Refused::Tera)?;
    let found = Graph::new(tera, sources).check(sources, files);
    if found.is_empty() {
        Ok(())
    } else {
        Err(Refused::Found(found))
    }
}

// ------------------------------------------------------------ the text

/// A `{{ }}` or `{% %}` tag: where it starts and what is between the
/// delimiters (without whitespace control dashes).
struct Tag<'a> {
    offset: usize,
    statement: bool,
    inner: &'a str,
}

impl Tag<'_> {
    fn first_word(&self) -> &str {
        self.inner.split_whitespace().next().unwrap_or("")
    }
}

/// The tags of a template in order, skipping comments and `raw` sections.
/// Quotes inside a tag are skipped, as Tera's parser does, so a `%}` in a
/// string does not end it.
fn tags(text: &str) -> Vec<Tag<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_raw = false;
    while let Some(found) = memchr::memchr(b'{', &bytes[i..]) {
        let start = i + found;
        let Some(&kind) = bytes.get(start + 1) else {
            break;
        };
        let close: &[u8] = match kind {
            b'{' => b"}}",
            b'%' => b"%}",
            b'#' => b"#}",
            _ => {
                i = start + 1;
                continue;
            }
        };
        let Some(end) = tag_end(bytes, start + 2, close, kind != b'#') else {
            break;
        };
        i = end + 2;
        if kind == b'#' {
            continue;
        }
        let inner = text[start + 2..end].trim_matches(|c: char| c == '-' || c.is_whitespace());
        let tag = Tag {
            offset: start,
            statement: kind == b'%',
            inner,
        };
        if in_raw {
            in_raw = !(tag.statement && tag.first_word() == "endraw");
            continue;
        }
        if tag.statement && tag.first_word() == "raw" {
            in_raw = true;
            continue;
        }
        out.push(tag);
    }
    out
}

/// Where `close` is found from `from` on, outside quotes when `quotes`.
fn tag_end(bytes: &[u8], from: usize, close: &[u8], quotes: bool) -> Option<usize> {
    let mut j = from;
    while j + 1 < bytes.len() {
        let c = bytes[j];
        if quotes && matches!(c, b'"' | b'\'' | b'`') {
            j += 1 + memchr::memchr(c, &bytes[j + 1..])?;
        } else if bytes[j..].starts_with(close) {
            return Some(j);
        }
        j += 1;
    }
    None
}

/// An upper bound on how many levels the expression in a tag adds (every
/// bracket and every operator may open one), and how deeply its brackets
/// nest.
fn expression_shape(inner: &str) -> (usize, usize) {
    let bytes = inner.as_bytes();
    let mut weight = 0;
    let (mut brackets, mut deepest) = (0usize, 0);
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'"' | b'\'' | b'`' => {
                i += memchr::memchr(c, &bytes[i + 1..]).map_or(bytes.len(), |n| n + 1);
            }
            b'(' | b'[' => {
                weight += 1;
                brackets += 1;
                deepest = deepest.max(brackets);
            }
            b')' | b']' => brackets = brackets.saturating_sub(1),
            b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'=' | b'!' => {
                weight += 1;
                while bytes
                    .get(i + 1)
                    .is_some_and(|n| matches!(n, b'=' | b'*' | b'/'))
                {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while bytes
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_alphanumeric() || *n == b'_')
                {
                    i += 1;
                }
                if matches!(&inner[start..=i], "and" | "or" | "not" | "in" | "is") {
                    weight += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    (weight, deepest)
}

/// The first tag of a template whose estimated nesting exceeds
/// [`MAX_TEXT_DEPTH`], as a diagnostic.
fn nested_too_deeply((name, text, file): &Source, files: &Files) -> Option<Diagnostic> {
    let mut depth: usize = 0;
    for tag in tags(text) {
        let word = tag.first_word();
        if tag.statement && word.starts_with("end") {
            depth = depth.saturating_sub(1);
            continue;
        }
        let (weight, brackets) = expression_shape(tag.inner);
        if brackets > MAX_BRACKETS {
            let d = Diagnostic::error(
                "template",
                format!(
                    "template `{name}` nests brackets {brackets} deep in this tag, more than the {MAX_BRACKETS} allowed"
                ),
            )
            .help("compute the inner parts first, each with its own `{% set %}`")
            .note("Tera's parser takes about three times longer for each level of nested calls or arrays");
            return Some(locate(d, *file, tag.offset, files, name));
        }
        let here = depth + 1 + weight;
        if here > MAX_TEXT_DEPTH {
            let d = Diagnostic::error(
                "template",
                format!(
                    "template `{name}` nests too deeply: about {here} levels at this tag, more than the {MAX_TEXT_DEPTH} allowed"
                ),
            )
            .help("nest fewer `{% if %}`, `{% for %}`, `{% block %}` and `{% filter %}` tags, and split long expressions with `{% set %}`")
            .note("Tera renders nesting by recursion, which could overflow the stack and crash");
            return Some(locate(d, *file, tag.offset, files, name));
        }
        if tag.statement && matches!(word, "if" | "for" | "block" | "macro" | "filter") {
            depth += 1;
        }
    }
    None
}

/// Places `d` at `offset` of an override's file, or names the built-in
/// template.
fn locate(
    d: Diagnostic,
    file: Option<FileId>,
    offset: usize,
    files: &Files,
    name: &str,
) -> Diagnostic {
    match file {
        Some(file) => {
            let end = files.line_range(file, offset).end.max(offset);
            d.at(file, offset..end)
        }
        None => d.note(format!("in the built-in template `{name}`")),
    }
}

/// Where in its template's text a reference is, found again by searching
/// the tags (Tera's syntax tree has no positions).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Find {
    Extends(String),
    Import(String),
    Include(String),
    Call(String, String),
    Block(String),
    /// `super()` inside the named block.
    Super(String),
}

fn quoted(inner: &str, name: &str) -> bool {
    ['"', '\'', '`']
        .iter()
        .any(|q| inner.contains(&format!("{q}{name}{q}")))
}

fn find(text: &str, what: &Find) -> usize {
    let tags = tags(text);
    let hit = |pred: &dyn Fn(&Tag) -> bool| tags.iter().find(|t| pred(t)).map(|t| t.offset);
    let found = match what {
        Find::Extends(to) => {
            hit(&|t| t.statement && t.first_word() == "extends" && quoted(t.inner, to))
        }
        Find::Import(to) => {
            hit(&|t| t.statement && t.first_word() == "import" && quoted(t.inner, to))
        }
        Find::Include(to) => {
            hit(&|t| t.statement && t.first_word() == "include" && quoted(t.inner, to))
        }
        Find::Call(ns, name) => {
            let call = format!("{ns}::{name}");
            hit(&|t| {
                t.inner.match_indices(&call).any(|(at, _)| {
                    t.inner[at + call.len()..].trim_start().starts_with('(')
                        && !t.inner[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            })
        }
        Find::Block(name) => hit(&|t| is_block_tag(t, name)),
        Find::Super(block) => tags
            .iter()
            .skip_while(|t| !is_block_tag(t, block))
            .find(|t| !t.statement && t.inner.starts_with("super"))
            .map(|t| t.offset),
    };
    found.unwrap_or(0)
}

fn is_block_tag(t: &Tag, name: &str) -> bool {
    let mut words = t.inner.split_whitespace();
    t.statement && words.next() == Some("block") && words.next() == Some(name)
}

// ------------------------------------------------------ extends, import

/// The `extends` and `import` links between templates, by index into the
/// sources.
struct Links {
    /// For each template: (linked template, what the link is).
    out: Vec<Vec<(usize, Find)>>,
    names: Vec<String>,
}

impl Links {
    fn new(tera: &Tera, sources: &[Source]) -> Self {
        let index: HashMap<&str, usize> = sources
            .iter()
            .enumerate()
            .map(|(i, (n, ..))| (n.as_str(), i))
            .collect();
        let out = sources
            .iter()
            .map(|(name, ..)| {
                let t = &tera.templates[name];
                let parent = t.parent.iter().map(|p| (p, Find::Extends(p.clone())));
                let imports = t
                    .imported_macro_files
                    .iter()
                    .map(|(f, _)| (f, Find::Import(f.clone())));
                parent
                    .chain(imports)
                    .filter_map(|(to, what)| Some((*index.get(to.as_str())?, what)))
                    .collect()
            })
            .collect();
        Links {
            out,
            names: sources.iter().map(|(n, ..)| n.clone()).collect(),
        }
    }

    /// A diagnostic for each circle of `extends`/`import`, and for a chain
    /// longer than [`MAX_CHAIN`].
    fn check(&self, sources: &[Source], files: &Files) -> Vec<Diagnostic> {
        let edges: Vec<Vec<(usize, usize)>> = self
            .out
            .iter()
            .map(|links| {
                links
                    .iter()
                    .enumerate()
                    .map(|(k, (to, _))| (*to, k))
                    .collect()
            })
            .collect();
        let search = Search::run(&edges, 0..self.out.len());
        let mut found = Vec::new();
        for cycle in &search.cycles {
            let steps: Vec<Step> = cycle
                .iter()
                .map(|&(from, k)| {
                    let (to, what) = &self.out[from][k];
                    let verb = match what {
                        Find::Extends(_) => "extends",
                        _ => "imports",
                    };
                    Step {
                        from: format!("`{}`", self.names[from]),
                        verb: verb.to_owned(),
                        to: format!("`{}`", self.names[*to]),
                        template: from,
                        what: what.clone(),
                    }
                })
                .collect();
            found.push(cycle_diagnostic(
                &steps,
                sources,
                files,
                "make one of these templates stop extending or importing the other",
            ));
        }
        if found.is_empty() {
            let longest = search.longest(&edges, |_| 0, |_, _| 1);
            if let Some((start, length)) =
                longest.iter().copied().enumerate().max_by_key(|&(_, l)| l)
                && length > MAX_CHAIN
            {
                let (name, text, file) = &sources[start];
                let d = Diagnostic::error(
                    "template",
                    format!(
                        "template `{name}` starts a chain of {length} `extends` and `import` tags, more than the {MAX_CHAIN} allowed"
                    ),
                )
                .help("let templates extend and import fewer levels of others");
                let at = self.out[start]
                    .first()
                    .map_or(0, |(_, what)| find(text, what));
                found.push(locate(d, *file, at, files, name));
            }
        }
        found
    }
}

// ------------------------------------------------------------ the graph

/// Which template's inheritance chain resolves blocks while a body renders:
/// the page being rendered, or an included template (which renders its own
/// blocks). Macro bodies contain no blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Ctx {
    Page(usize),
    Include(usize),
    Macro,
}

/// A piece of a template that rendering enters as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Body {
    /// The template's top level.
    Root(usize),
    /// A block as defined in a template.
    Block(usize, String),
    /// A macro as defined in a template.
    Macro(usize, String),
}

type Key = (Ctx, Body);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Include,
    Call,
    Block,
    Super,
}

struct Edge {
    to: usize,
    kind: Kind,
    /// The template whose text holds the reference, and how to find it.
    template: usize,
    what: Find,
    /// How deeply the reference is nested in its body.
    depth: usize,
}

/// What rendering a body reaches, in the order of the text.
#[derive(Default)]
struct Walked {
    edges: Vec<Edge>,
    /// What may push onto Tera's stack of blocks, in text order.
    pushes: Vec<Push>,
    has_block: bool,
    depth: usize,
}

enum Push {
    /// A nested block.
    Block,
    /// An include or macro call (by edge index), which pushes if what it
    /// renders has a block.
    Edge(usize),
    /// A `super()`, which may pop one entry too many.
    Super(Find),
}

struct Graph<'t> {
    tera: &'t Tera,
    names: Vec<String>,
    index: HashMap<String, usize>,
    /// For each macro namespace, the templates it can name in some
    /// template's macro lookup.
    namespaces: HashMap<String, BTreeSet<usize>>,
    /// Templates that another one extends.
    parents: BTreeSet<usize>,
    keys: Vec<Key>,
    ids: HashMap<Key, usize>,
    walked: Vec<Walked>,
}

impl<'t> Graph<'t> {
    fn new(tera: &'t Tera, sources: &[Source]) -> Self {
        let names: Vec<String> = sources.iter().map(|(n, ..)| n.clone()).collect();
        let index: HashMap<String, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let mut g = Graph {
            tera,
            names,
            index,
            namespaces: HashMap::new(),
            parents: BTreeSet::new(),
            keys: Vec::new(),
            ids: HashMap::new(),
            walked: Vec::new(),
        };
        let mut maps = HashMap::new();
        for i in 0..g.names.len() {
            for (ns, m) in g.macro_map(i, &mut maps) {
                g.namespaces.entry(ns).or_default().insert(m);
            }
            for p in &g.template(i).parents {
                if let Some(&p) = g.index.get(p) {
                    g.parents.insert(p);
                }
            }
        }
        g
    }

    fn template(&self, i: usize) -> &'t Template {
        &self.tera.templates[&self.names[i]]
    }

    /// The namespaces Tera's macro lookup knows when `i` is the template
    /// it looks in (`MacroCollection::add_macros_from_template`): its own
    /// macros as `self`, its imports and theirs, and its parents'.
    /// Imports and extends form no circle here, and chains are short.
    fn macro_map(
        &self,
        i: usize,
        maps: &mut HashMap<usize, HashMap<String, usize>>,
    ) -> HashMap<String, usize> {
        if let Some(m) = maps.get(&i) {
            return m.clone();
        }
        let t = self.template(i);
        let mut map = HashMap::new();
        if !t.macros.is_empty() {
            map.insert("self".to_owned(), i);
        }
        for (file, ns) in &t.imported_macro_files {
            let Some(&f) = self.index.get(file) else {
                continue;
            };
            map.insert(ns.clone(), f);
            for (ns, m) in self.macro_map(f, maps) {
                map.entry(ns).or_insert(m);
            }
        }
        for p in &t.parents {
            let Some(&p) = self.index.get(p) else {
                continue;
            };
            for (ns, m) in self.macro_map(p, maps) {
                map.entry(ns).or_insert(m);
            }
        }
        maps.insert(i, map.clone());
        map
    }

    /// The templates a page renders blocks from, nearest first.
    fn chain(&self, ctx: Ctx) -> Vec<usize> {
        match ctx {
            Ctx::Page(t) => std::iter::once(t)
                .chain(
                    self.template(t)
                        .parents
                        .iter()
                        .filter_map(|p| self.index.get(p).copied()),
                )
                .collect(),
            Ctx::Include(t) => vec![t],
            Ctx::Macro => Vec::new(),
        }
    }

    fn defines_block(&self, t: usize, block: &str) -> bool {
        self.template(t).blocks.contains_key(block)
    }

    fn id(&mut self, key: Key) -> usize {
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.keys.len();
        self.keys.push(key.clone());
        self.ids.insert(key, id);
        self.walked.push(Walked::default());
        id
    }

    /// Walks every body reachable from every template rendered as a page.
    fn build(&mut self) -> Vec<usize> {
        let roots: Vec<usize> = (0..self.names.len())
            .map(|t| {
                let root = self
                    .template(t)
                    .parents
                    .last()
                    .and_then(|p| self.index.get(p).copied())
                    .unwrap_or(t);
                self.id((Ctx::Page(t), Body::Root(root)))
            })
            .collect();
        let mut next = 0;
        while next < self.keys.len() {
            let walked = self.walk_key(next);
            self.walked[next] = walked;
            next += 1;
        }
        roots
    }

    fn walk_key(&mut self, id: usize) -> Walked {
        let (ctx, body) = self.keys[id].clone();
        let mut w = Walked::default();
        let tera = self.tera;
        match body {
            Body::Root(t) => {
                let template = &tera.templates[&self.names[t]];
                self.walk_nodes(ctx, t, None, &template.ast, 1, &mut w);
            }
            Body::Block(t, ref name) => {
                if let Some(block) = tera.templates[&self.names[t]].blocks.get(name) {
                    self.walk_nodes(ctx, t, Some(name), &block.body, 1, &mut w);
                }
            }
            Body::Macro(t, ref name) => {
                if let Some(def) = tera.templates[&self.names[t]].macros.get(name) {
                    for default in def.args.values().flatten() {
                        self.walk_expr(ctx, t, default, 1, &mut w);
                    }
                    self.walk_nodes(ctx, t, None, &def.body, 1, &mut w);
                }
            }
        }
        w
    }

    fn edge(
        &mut self,
        w: &mut Walked,
        to: Key,
        kind: Kind,
        template: usize,
        what: Find,
        depth: usize,
    ) -> usize {
        let to = self.id(to);
        w.edges.push(Edge {
            to,
            kind,
            template,
            what,
            depth,
        });
        w.edges.len() - 1
    }

    /// Walks `nodes`, which are in template `t`'s text (inside `block`,
    /// if any), at nesting `depth`. The recursion is bounded: the text
    /// was checked against [`MAX_TEXT_DEPTH`] before parsing.
    fn walk_nodes(
        &mut self,
        ctx: Ctx,
        t: usize,
        block: Option<&String>,
        nodes: &'t [Node],
        depth: usize,
        w: &mut Walked,
    ) {
        w.depth = w.depth.max(depth);
        for node in nodes {
            match node {
                Node::VariableBlock(_, e) => self.walk_expr(ctx, t, e, depth, w),
                Node::Set(_, set) => self.walk_expr(ctx, t, &set.value, depth, w),
                Node::FilterSection(_, section, _) => {
                    for arg in section.filter.args.values() {
                        self.walk_expr(ctx, t, arg, depth + 1, w);
                    }
                    self.walk_nodes(ctx, t, block, &section.body, depth + 1, w);
                }
                Node::If(branches, _) => {
                    for (_, condition, body) in &branches.conditions {
                        self.walk_expr(ctx, t, condition, depth + 1, w);
                        self.walk_nodes(ctx, t, block, body, depth + 1, w);
                    }
                    if let Some((_, body)) = &branches.otherwise {
                        self.walk_nodes(ctx, t, block, body, depth + 1, w);
                    }
                }
                Node::Forloop(_, forloop, _) => {
                    self.walk_expr(ctx, t, &forloop.container, depth + 1, w);
                    self.walk_nodes(ctx, t, block, &forloop.body, depth + 1, w);
                    if let Some(body) = &forloop.empty_body {
                        self.walk_nodes(ctx, t, block, body, depth + 1, w);
                    }
                }
                Node::Include(_, names, _) => {
                    // Tera renders the first of the names that exists; one
                    // that extends another fails at once, rendering nothing.
                    let first = names.iter().find_map(|n| self.index.get(n).copied());
                    if let Some(i) = first
                        && self.template(i).parent.is_none()
                    {
                        let what = Find::Include(self.names[i].clone());
                        let e = self.edge(
                            w,
                            (Ctx::Include(i), Body::Root(i)),
                            Kind::Include,
                            t,
                            what,
                            depth,
                        );
                        w.pushes.push(Push::Edge(e));
                    }
                }
                Node::Block(_, b, _) => {
                    // The nearest definition in the chain renders; failing
                    // that, the block's own body.
                    let chain = self.chain(ctx);
                    let owner = chain
                        .into_iter()
                        .find(|&z| self.defines_block(z, &b.name))
                        .unwrap_or(t);
                    let what = Find::Block(b.name.clone());
                    self.edge(
                        w,
                        (ctx, Body::Block(owner, b.name.clone())),
                        Kind::Block,
                        t,
                        what,
                        depth,
                    );
                    w.has_block = true;
                    w.pushes.push(Push::Block);
                }
                Node::Super => {
                    if let Some(name) = block {
                        for z in self.super_targets(ctx, t, name) {
                            let what = Find::Super(name.clone());
                            self.edge(
                                w,
                                (ctx, Body::Block(z, name.clone())),
                                Kind::Super,
                                t,
                                what,
                                depth,
                            );
                        }
                        w.pushes.push(Push::Super(Find::Super(name.clone())));
                    }
                }
                Node::MacroDefinition(..)
                | Node::Text(_)
                | Node::Raw(..)
                | Node::Comment(..)
                | Node::Extends(..)
                | Node::ImportMacro(..)
                | Node::Break(_)
                | Node::Continue(_) => {}
            }
        }
    }

    /// The definitions a `super()` in template `t`'s `block` can render:
    /// the nearest ancestor's on a page; in an included template, whose
    /// `super()` climbs the page's chain, any parent template's.
    fn super_targets(&self, ctx: Ctx, t: usize, block: &str) -> Vec<usize> {
        match ctx {
            Ctx::Page(_) => {
                let chain = self.chain(ctx);
                let at = chain
                    .iter()
                    .position(|&z| z == t)
                    .map_or(chain.len(), |p| p + 1);
                chain[at..]
                    .iter()
                    .copied()
                    .find(|&z| self.defines_block(z, block))
                    .into_iter()
                    .collect()
            }
            Ctx::Include(_) => self
                .parents
                .iter()
                .copied()
                .filter(|&z| self.defines_block(z, block))
                .collect(),
            Ctx::Macro => Vec::new(),
        }
    }

    fn walk_expr(&mut self, ctx: Ctx, t: usize, e: &'t Expr, depth: usize, w: &mut Walked) {
        w.depth = w.depth.max(depth);
        for filter in &e.filters {
            for arg in filter.args.values() {
                self.walk_expr(ctx, t, arg, depth + 1, w);
            }
        }
        self.walk_val(ctx, t, &e.val, depth, w);
    }

    fn walk_val(&mut self, ctx: Ctx, t: usize, v: &'t ExprVal, depth: usize, w: &mut Walked) {
        w.depth = w.depth.max(depth);
        match v {
            ExprVal::MacroCall(call) => {
                for arg in call.args.values() {
                    self.walk_expr(ctx, t, arg, depth + 1, w);
                }
                let targets: Vec<usize> = self
                    .namespaces
                    .get(&call.namespace)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|&m| self.template(m).macros.contains_key(&call.name))
                    .collect();
                for m in targets {
                    let what = Find::Call(call.namespace.clone(), call.name.clone());
                    let e = self.edge(
                        w,
                        (Ctx::Macro, Body::Macro(m, call.name.clone())),
                        Kind::Call,
                        t,
                        what,
                        depth,
                    );
                    w.pushes.push(Push::Edge(e));
                }
            }
            ExprVal::FunctionCall(call) => {
                for arg in call.args.values() {
                    self.walk_expr(ctx, t, arg, depth + 1, w);
                }
            }
            ExprVal::Math(m) => {
                self.walk_expr(ctx, t, &m.lhs, depth + 1, w);
                self.walk_expr(ctx, t, &m.rhs, depth + 1, w);
            }
            ExprVal::Logic(l) => {
                self.walk_expr(ctx, t, &l.lhs, depth + 1, w);
                self.walk_expr(ctx, t, &l.rhs, depth + 1, w);
            }
            ExprVal::In(i) => {
                self.walk_expr(ctx, t, &i.lhs, depth + 1, w);
                self.walk_expr(ctx, t, &i.rhs, depth + 1, w);
            }
            ExprVal::Test(test) => {
                for arg in &test.args {
                    self.walk_expr(ctx, t, arg, depth + 1, w);
                }
            }
            ExprVal::Array(items) => {
                for item in items {
                    self.walk_expr(ctx, t, item, depth + 1, w);
                }
            }
            ExprVal::StringConcat(concat) => {
                for value in &concat.values {
                    self.walk_val(ctx, t, value, depth + 1, w);
                }
            }
            ExprVal::String(_)
            | ExprVal::Int(_)
            | ExprVal::Float(_)
            | ExprVal::Bool(_)
            | ExprVal::Ident(_) => {}
        }
    }

    fn describe(&self, id: usize) -> String {
        match &self.keys[id] {
            // A page renders its root layout, but is known by its own name.
            (Ctx::Page(t), Body::Root(_)) | (_, Body::Root(t)) => format!("`{}`", self.names[*t]),
            (_, Body::Block(t, b)) => format!("block `{b}` of `{}`", self.names[*t]),
            (_, Body::Macro(t, m)) => format!("macro `{m}` of `{}`", self.names[*t]),
        }
    }

    fn step(&self, from: usize, e: &Edge) -> Step {
        let verb = match e.kind {
            Kind::Include => "includes",
            Kind::Call => "calls",
            Kind::Block => "renders",
            Kind::Super => "calls `super()`, which renders",
        };
        Step {
            from: self.describe(from),
            verb: verb.to_owned(),
            to: self.describe(e.to),
            template: e.template,
            what: e.what.clone(),
        }
    }

    fn check(mut self, sources: &[Source], files: &Files) -> Vec<Diagnostic> {
        let roots = self.build();
        let edges: Vec<Vec<(usize, usize)>> = self
            .walked
            .iter()
            .map(|w| w.edges.iter().enumerate().map(|(k, e)| (e.to, k)).collect())
            .collect();
        let search = Search::run(&edges, roots.iter().copied());
        let mut found = Vec::new();
        let mut seen = BTreeSet::new();
        for cycle in &search.cycles {
            let steps: Vec<Step> = cycle
                .iter()
                .map(|&(from, k)| self.step(from, &self.walked[from].edges[k]))
                .collect();
            // The same cycle is met once per page that reaches it.
            let sites: BTreeSet<(usize, Find)> =
                steps.iter().map(|s| (s.template, s.what.clone())).collect();
            if seen.insert(sites) {
                found.push(cycle_diagnostic(
                    &steps,
                    sources,
                    files,
                    "break the cycle: include or call something else here, or move the shared part into a template or macro of its own",
                ));
            }
        }
        found.extend(self.stale_supers(sources, files));
        if !found.is_empty() {
            return found;
        }
        self.too_deep(&edges, &search, &roots, sources, files)
            .into_iter()
            .collect()
    }

    /// Tera finds the block a `super()` belongs to on a stack that nested
    /// blocks push onto and never pop, and that a `super()` reaching the
    /// top pops once too often. So a `super()` after a nested block, an
    /// include or macro that renders one, or another `super()` in the same
    /// block renders some other block's parent — which can lead anywhere,
    /// including back to itself. Such a `super()` is refused.
    fn stale_supers(&self, sources: &[Source], files: &Files) -> Vec<Diagnostic> {
        // Which bodies render a block, directly or through what they reach.
        let mut renders_block: Vec<bool> = self.walked.iter().map(|w| w.has_block).collect();
        loop {
            let mut changed = false;
            for (id, w) in self.walked.iter().enumerate() {
                if !renders_block[id] && w.edges.iter().any(|e| renders_block[e.to]) {
                    renders_block[id] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let mut found = Vec::new();
        let mut seen = BTreeSet::new();
        for (id, w) in self.walked.iter().enumerate() {
            let Body::Block(t, _) = &self.keys[id].1 else {
                continue;
            };
            let mut pushed = false;
            for push in &w.pushes {
                match push {
                    Push::Block => pushed = true,
                    Push::Edge(e) => pushed |= renders_block[w.edges[*e].to],
                    Push::Super(what) => {
                        if pushed && seen.insert((*t, what.clone())) {
                            let (name, text, file) = &sources[*t];
                            let Find::Super(block) = what else { continue };
                            let d = Diagnostic::error(
                                "template",
                                format!("`super()` in block `{block}` of `{name}` comes after something that renders a block"),
                            )
                            .help("call `super()` once, before any nested block, include or macro call in the block; or move the rest into a block of its own")
                            .note("Tera then takes `super()` for another block's, which renders the wrong parent block and can recurse forever");
                            found.push(locate(d, *file, find(text, what), files, name));
                        }
                        pushed = true;
                    }
                }
            }
        }
        found
    }

    /// How many levels following edge `k` of body `from` adds.
    fn cost(&self, from: usize, k: usize) -> usize {
        let e = &self.walked[from].edges[k];
        e.depth
            + match e.kind {
                Kind::Call => MACRO_CALL,
                Kind::Include | Kind::Block | Kind::Super => 1,
            }
    }

    /// Each body's deepest path, and the page whose path is deepest.
    fn deepest(
        &self,
        edges: &[Vec<(usize, usize)>],
        search: &Search,
        roots: &[usize],
        cost: impl Fn(usize, usize) -> usize,
    ) -> Option<(Vec<usize>, usize, usize)> {
        let longest = search.longest(edges, |id| self.walked[id].depth, cost);
        // Looking for a block climbs the page's chain one level at a time.
        let (start, depth) = roots
            .iter()
            .map(|&r| {
                let extra = match self.keys[r].0 {
                    Ctx::Page(t) => self.template(t).parents.len(),
                    _ => 0,
                };
                (r, longest[r] + extra)
            })
            .max_by_key(|&(_, d)| d)?;
        Some((longest, start, depth))
    }

    /// The deepest path from any page, if it is deeper than [`MAX_DEPTH`].
    fn too_deep(
        &self,
        edges: &[Vec<(usize, usize)>],
        search: &Search,
        roots: &[usize],
        sources: &[Source],
        files: &Files,
    ) -> Option<Diagnostic> {
        let cost = |from: usize, k: usize| self.cost(from, k);
        let (longest, start, depth) = self.deepest(edges, search, roots, cost)?;
        if depth <= MAX_DEPTH {
            return None;
        }
        // Follow the deepest edges to name the path.
        let mut path = vec![self.describe(start)];
        let mut at = start;
        let mut blame: Option<(usize, Find)> = None;
        while longest[at] > self.walked[at].depth
            && let Some((k, _)) = edges[at]
                .iter()
                .enumerate()
                .map(|(k, &(to, _))| (k, cost(at, k) + longest[to]))
                .max_by_key(|&(_, d)| d)
        {
            let e = &self.walked[at].edges[k];
            if sources[e.template].2.is_some() && blame.is_none() {
                blame = Some((e.template, e.what.clone()));
            }
            path.push(self.describe(e.to));
            at = e.to;
        }
        // A long path is named by its ends, not printed whole.
        if path.len() > 6 {
            let left_out = path.len() - 5;
            path.splice(3..path.len() - 2, [format!("… {left_out} more …")]);
        }
        let (t, offset) = match blame {
            Some((t, what)) => (t, find(&sources[t].1, &what)),
            None => match &self.keys[at].1 {
                Body::Root(t) | Body::Block(t, _) | Body::Macro(t, _) => (*t, 0),
            },
        };
        let d = Diagnostic::error(
            "template",
            format!(
                "templates nest too deeply: rendering {} reaches about {depth} levels, more than the {MAX_DEPTH} allowed",
                path.join(" → ")
            ),
        )
        .help("nest fewer tags, includes and macro calls inside each other, and split long expressions with `{% set %}`")
        .note("Tera renders nesting by recursion, which could overflow the stack and crash");
        Some(locate(d, sources[t].2, offset, files, &sources[t].0))
    }
}

/// One link of a cycle, for the message.
struct Step {
    from: String,
    verb: String,
    to: String,
    /// The template whose text holds the link, and how to find it.
    template: usize,
    what: Find,
}

/// "`a.html` includes `b.html`, which includes `a.html`", at the first link
/// that is in an override (the one the author can change), or naming the
/// built-in templates.
fn cycle_diagnostic(steps: &[Step], sources: &[Source], files: &Files, help: &str) -> Diagnostic {
    let first = steps
        .iter()
        .position(|s| sources[s.template].2.is_some())
        .unwrap_or(0);
    let steps: Vec<&Step> = steps[first..].iter().chain(&steps[..first]).collect();
    let mut message = format!("recursive templates: {} {} ", steps[0].from, steps[0].verb);
    if steps.len() == 1 && steps[0].from == steps[0].to {
        message.push_str("itself");
    } else {
        message.push_str(&steps[0].to);
        for s in &steps[1..] {
            message.push_str(&format!(", which {} {}", s.verb, s.to));
        }
    }
    let d = Diagnostic::error("template", message)
        .help(help.to_owned())
        .note("Tera does not limit recursion: rendering this would never end, and would crash");
    let (name, text, file) = &sources[steps[0].template];
    locate(d, *file, find(text, &steps[0].what), files, name)
}

// ------------------------------------------------------------- search

/// A depth-first search over a graph given as edge lists (`(to, label)`),
/// without recursion: the cycles it meets (each as `(from, edge index)`
/// steps) and, when there are none, the order in which nodes finished.
struct Search {
    cycles: Vec<Vec<(usize, usize)>>,
    finished: Vec<usize>,
}

impl Search {
    fn run(edges: &[Vec<(usize, usize)>], roots: impl IntoIterator<Item = usize>) -> Self {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut mark = vec![Mark::New; edges.len()];
        let mut cycles = Vec::new();
        let mut finished = Vec::new();
        for root in roots {
            if mark[root] != Mark::New {
                continue;
            }
            // (node, next edge to follow); the path is the stack itself.
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            mark[root] = Mark::Open;
            while let Some(top) = stack.len().checked_sub(1) {
                let (node, k) = stack[top];
                if let Some(&(to, _)) = edges[node].get(k) {
                    stack[top].1 += 1;
                    match mark[to] {
                        Mark::New => {
                            mark[to] = Mark::Open;
                            stack.push((to, 0));
                        }
                        Mark::Open => {
                            let from = stack.iter().position(|&(n, _)| n == to).unwrap_or(0);
                            let mut cycle: Vec<(usize, usize)> = stack[from..stack.len() - 1]
                                .iter()
                                .map(|&(n, e)| (n, e - 1))
                                .collect();
                            cycle.push((node, k));
                            cycles.push(cycle);
                        }
                        Mark::Done => {}
                    }
                } else {
                    mark[node] = Mark::Done;
                    finished.push(node);
                    stack.pop();
                }
            }
        }
        Search { cycles, finished }
    }

    /// For each node, the heaviest path from it (acyclic graphs only):
    /// `weight(node)` ends a path, `cost(from, edge)` is a step's.
    fn longest(
        &self,
        edges: &[Vec<(usize, usize)>],
        weight: impl Fn(usize) -> usize,
        cost: impl Fn(usize, usize) -> usize,
    ) -> Vec<usize> {
        let mut longest = vec![0; edges.len()];
        // Children finish before their parents.
        for &node in &self.finished {
            longest[node] = edges[node]
                .iter()
                .enumerate()
                .map(|(k, &(to, _))| cost(node, k) + longest[to])
                .fold(weight(node), usize::max);
        }
        longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in templates, as the theme loads them.
    fn built_in() -> Vec<Source> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut sources: Vec<Source> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap(), None)
            })
            .collect();
        sources.sort();
        sources
    }

    #[test]
    fn the_built_in_theme_passes_with_room_to_spare() {
        let sources = built_in();
        let mut tera = Tera::default();
        assert!(add_templates(&mut tera, &sources, &Files::default()).is_ok());
        let mut g = Graph::new(&tera, &sources);
        let roots = g.build();
        let edges: Vec<Vec<(usize, usize)>> = g
            .walked
            .iter()
            .map(|w| w.edges.iter().enumerate().map(|(k, e)| (e.to, k)).collect())
            .collect();
        let search = Search::run(&edges, roots.iter().copied());
        assert!(search.cycles.is_empty());
        let (_, _, depth) = g
            .deepest(&edges, &search, &roots, |f, k| g.cost(f, k))
            .unwrap();
        // As MAX_DEPTH's comment says.
        assert!(
            depth <= MAX_DEPTH / 4,
            "the built-in theme needs {depth} levels"
        );
    }

    #[test]
    fn tags_skip_comments_raw_sections_and_quoted_delimiters() {
        let text =
            "a {# {{ no }} #} {{ x }} {% raw %}{{ no }}{% endraw %} {% set s = \"%}\" %} {{- y -}}";
        let inner: Vec<&str> = tags(text).iter().map(|t| t.inner).collect();
        assert_eq!(inner, ["x", "set s = \"%}\"", "y"]);
    }

    #[test]
    fn expression_shape_counts_brackets_and_operators_outside_strings() {
        assert_eq!(expression_shape("x"), (0, 0));
        assert_eq!(expression_shape("a == 1 or not b"), (3, 0));
        assert_eq!(expression_shape("f(a=[1, 2]) ~ \"((-+\""), (3, 2));
        assert_eq!(expression_shape("island and orange"), (1, 0));
        assert_eq!(expression_shape("(a) + (b) + (c)"), (5, 1));
    }
}
