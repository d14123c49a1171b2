//! The theme: Tera templates and static files, built in and overridable.
//!
//! The default theme is compiled into the binary (so `briefing` works from
//! anywhere); a briefing's own `templates/` folder replaces it file by file,
//! as in Zola. Static files live under `templates/static/` and are copied.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tera::Tera;

use super::template_graph::Refused;
use crate::diag::Diagnostic;
use crate::files::{FileId, Files};
use crate::load::{Fence, What};

/// The built-in templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("part.html", include_str!("../../templates/part.html")),
    ("note.html", include_str!("../../templates/note.html")),
    ("sources.html", include_str!("../../templates/sources.html")),
    ("source.html", include_str!("../../templates/source.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("search.html", include_str!("../../templates/search.html")),
    ("print.html", include_str!("../../templates/print.html")),
    (
        "print-section.html",
        include_str!("../../templates/print-section.html"),
    ),
    ("sitemap.xml", include_str!("../../templates/sitemap.xml")),
];

/// The built-in static files, by path under the site's `static/`.
const STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../templates/static/style.css"),
    ),
    (
        "favicon.svg",
        include_bytes!("../../templates/static/favicon.svg"),
    ),
    (
        "search.js",
        include_bytes!("../../templates/static/search.js"),
    ),
    (
        "context.js",
        include_bytes!("../../templates/static/context.js"),
    ),
    (
        "elasticlunr.min.js",
        include_bytes!("../../templates/static/elasticlunr.min.js"),
    ),
    (
        "elasticlunr.LICENSE.txt",
        include_bytes!("../../templates/static/elasticlunr.LICENSE.txt"),
    ),
];

pub const USER_TEMPLATES_DIR: &str = "templates";
/// Templates are page layouts of a few kilobytes.
const MAX_TEMPLATE_BYTES: u64 = 1_000_000;
/// Static files (styles, scripts, fonts, images) are held in memory while
/// the site is built; media larger than this belong elsewhere.
const MAX_STATIC_BYTES: u64 = 64_000_000;

pub struct Theme {
    pub tera: Tera,
    pub statics: Vec<(String, Vec<u8>)>,
    /// Hash of every template and static file: part of every page's key.
    pub fingerprint: u64,
    /// SHA-256 of every template and static file, with their names: what
    /// a site records it was built from (see [`crate::db::inputs_digest`]).
    pub digest: [u8; 32],
    /// The briefing's own tables of interface words (`templates/i18n/`),
    /// by language; the built-in ones are in [`crate::i18n`].
    pub words: BTreeMap<String, crate::i18n::Table>,
}

/// Loads the theme for the briefing at `root`. Template syntax errors are
/// diagnostics naming the template and its line, and so are templates that
/// are not UTF-8, links leading outside the briefing and things that are not
/// files; unlistable folders and unreadable files are I/O errors.
pub fn load(root: &Path, files: &mut Files) -> Result<Result<Theme, Vec<Diagnostic>>> {
    let mut templates: Vec<(String, String, Option<FileId>)> = TEMPLATES
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned(), None))
        .collect();
    let mut statics: Vec<(String, Vec<u8>)> = STATIC
        .iter()
        .map(|(n, b)| ((*n).to_owned(), b.to_vec()))
        .collect();
    let mut diags = Vec::new();
    let user = user_files(root, files, &mut diags)?;
    for (path, name) in user.templates {
        let display = format!("{USER_TEMPLATES_DIR}/{name}");
        let what = (
            "template",
            "a template is a page layout of a few kilobytes; is this the right file?",
        );
        let Some(id) = read_user_text(files, &path, display, what, &mut diags)? else {
            continue;
        };
        let text = files.text(id).to_owned();
        templates.retain(|(n, ..)| *n != name);
        templates.push((name, text, Some(id)));
    }
    let mut words = BTreeMap::new();
    for (path, name) in user.words {
        let display = format!("{USER_TEMPLATES_DIR}/i18n/{name}");
        let what = (
            "table of interface words",
            "a table of interface words is a few kilobytes; is this the right file?",
        );
        let Some(id) = read_user_text(files, &path, display, what, &mut diags)? else {
            continue;
        };
        match crate::i18n::parse(files.text(id)) {
            Ok(table) => {
                let language = name.trim_end_matches(".toml").to_owned();
                words.insert(language, table);
            }
            Err(e) => diags.push(
                Diagnostic::error("i18n", format!("this table of interface words is not valid: {e}"))
                    .at(id, 0..0)
                    .help("write one `key = \"text\"` per line, as in the built-in tables (see README, \"Languages\")"),
            ),
        }
    }
    for (path, name) in user.statics {
        let read = crate::files::read_bounded(&path, MAX_STATIC_BYTES)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let bytes = match read {
            crate::files::Bounded::Bytes(bytes) => bytes,
            crate::files::Bounded::TooLarge(over) => {
                let display = format!("{USER_TEMPLATES_DIR}/static/{name}");
                let id = files.add(path.clone(), display, String::new());
                let size = over.size.map_or_else(
                    || format!("more than {} MB", over.limit / 1_000_000),
                    |s| format!("{:.1} MB", s as f64 / 1e6),
                );
                diags.push(
                    Diagnostic::error(
                        "too-large",
                        format!(
                            "this file is {size}; a static file may be at most {} MB",
                            MAX_STATIC_BYTES / 1_000_000
                        ),
                    )
                    .at(id, 0..0)
                    .label("not read")
                    .help("publish large media elsewhere and link to it"),
                );
                continue;
            }
        };
        statics.retain(|(n, _)| *n != name);
        statics.push((name, bytes));
    }
    if !diags.is_empty() {
        return Ok(Err(diags));
    }
    statics.sort();
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_html);
    // Tera's built-in `get_env` would let a template publish the builder's
    // environment (a CI token, say) and make the site depend on more than
    // the briefing; a template that asks for it fails to render, saying why.
    tera.register_function("get_env", |_: &HashMap<String, tera::Value>| {
        Err(tera::Error::msg(
            "`get_env` is not available: a briefing's site is made from the briefing alone, never from the environment of the machine that builds it",
        ))
    });
    let raw: Vec<(&str, &str)> = templates
        .iter()
        .map(|(n, t, _)| (n.as_str(), t.as_str()))
        .collect();
    let fingerprint = {
        let mut h = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&raw, &mut h);
        std::hash::Hash::hash(&statics, &mut h);
        std::hash::Hash::hash(&words, &mut h);
        std::hash::Hasher::finish(&h)
    };
    let digest = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let named = raw.iter().map(|(n, t)| (*n, t.as_bytes()));
        for (name, bytes) in named.chain(statics.iter().map(|(n, b)| (n.as_str(), &b[..]))) {
            for part in [name.as_bytes(), bytes] {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part);
            }
        }
        for (language, table) in &words {
            for part in std::iter::once(language).chain(table.iter().flat_map(|(k, v)| [k, v])) {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part.as_bytes());
            }
        }
        h.finalize().into()
    };
    // Parsed, then checked for recursion and depth, which would crash.
    match super::template_graph::add_templates(&mut tera, &templates, files) {
        Ok(()) => Ok(Ok(Theme {
            tera,
            statics,
            fingerprint,
            digest,
            words,
        })),
        Err(Refused::Tera(e)) => Ok(Err(vec![template_diagnostic(&e, &templates, files)])),
        Err(Refused::Found(diagnostics)) => Ok(Err(diagnostics)),
    }
}

/// Reads one of the briefing's text files under `templates/` (a template,
/// a table of words): its file, or `None` with a diagnostic when it is too
/// large (`what`: what it is, as in "this template", and the help). A file that is not UTF-8 is
/// reported too, and still returned (its text, decoded lossily, may still
/// show further problems).
fn read_user_text(
    files: &mut Files,
    path: &Path,
    display: String,
    what: (&str, &str),
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<FileId>> {
    let id = files
        .read(path, MAX_TEMPLATE_BYTES, || display)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if let Some(d) = crate::load::too_large(files, id, &format!("a {}", what.0), what.1) {
        diags.push(d);
        return Ok(None);
    }
    if let Some(offset) = files.get(id).invalid_utf8_at {
        diags.push(
            Diagnostic::error("encoding", format!("this {} is not valid UTF-8", what.0))
                .at(id, offset..offset + 1)
                .label("invalid byte here")
                .help("save the file as UTF-8"),
        );
    }
    Ok(Some(id))
}

/// The briefing's own templates and static files: (path, name) pairs.
#[derive(Default)]
struct UserFiles {
    templates: Vec<(PathBuf, String)>,
    statics: Vec<(PathBuf, String)>,
    /// `templates/i18n/<language>.toml`.
    words: Vec<(PathBuf, String)>,
}

/// Lists `templates/` and `templates/static/` through the same fence as the
/// content: templates are the author's code, but a link leading outside the
/// briefing would still copy a file of the machine into the site, so it is
/// refused and reported. Sub-folders other than `static/` are not read.
fn user_files(root: &Path, files: &mut Files, diags: &mut Vec<Diagnostic>) -> Result<UserFiles> {
    let fence = Fence::new(root);
    let mut out = UserFiles::default();
    let dir = root.join(USER_TEMPLATES_DIR);
    if fence.what(&dir, files, diags) != Some(What::Dir) {
        return Ok(out);
    }
    let mut static_dir = None;
    let mut words_dir = None;
    for (path, what) in fence.list(&dir, files, diags)? {
        let name = file_name(&path);
        match what {
            What::File => out.templates.push((path, name)),
            What::Dir if name == "static" => static_dir = Some(path),
            What::Dir if name == "i18n" => words_dir = Some(path),
            What::Dir | What::Refused => {}
            What::Special(_) => diags.push(fence.not_a_file(&path, what, "a template", files)),
        }
    }
    if let Some(words_dir) = words_dir {
        for (path, what) in fence.list(&words_dir, files, diags)? {
            let name = file_name(&path);
            match what {
                What::File if name.ends_with(".toml") => out.words.push((path, name)),
                What::File | What::Dir | What::Refused => {}
                What::Special(_) => {
                    diags.push(fence.not_a_file(&path, what, "a table of interface words", files))
                }
            }
        }
    }
    let Some(static_dir) = static_dir else {
        return Ok(out);
    };
    for (path, what) in fence.list(&static_dir, files, diags)? {
        let name = file_name(&path);
        match what {
            What::File => out.statics.push((path, name)),
            What::Dir | What::Refused => {}
            What::Special(_) => diags.push(fence.not_a_file(&path, what, "a static file", files)),
        }
    }
    Ok(out)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// The whole chain of a Tera error, which is where the useful part (the
/// template name, line and what was expected) usually is.
pub fn error_chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

fn template_diagnostic(
    e: &tera::Error,
    templates: &[(String, String, Option<FileId>)],
    files: &Files,
) -> Diagnostic {
    let message = error_chain(e);
    // Tera names the failing template in quotes and, for syntax errors,
    // gives ` --> line:col`.
    let culprit = templates
        .iter()
        .find(|(n, ..)| message.contains(&format!("'{n}'")));
    let position = message.split("--> ").nth(1).and_then(|rest| {
        let mut nums = rest
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty());
        Some((
            nums.next()?.parse::<usize>().ok()?,
            nums.next()?.parse::<usize>().ok()?,
        ))
    });
    let mut d = Diagnostic::error(
        "template",
        format!("template error: {}", first_line(&message)),
    )
    .help("fix the template (Tera syntax), or delete the override to use the built-in one");
    for line in message.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        d = d.note(line.trim_end().to_owned());
    }
    match culprit {
        Some((_, _, Some(file))) => {
            let offset = position.map_or(0, |(l, c)| files.offset_of(*file, l, c));
            d.at(*file, offset..offset)
        }
        Some((name, ..)) => d.note(format!("in the built-in template `{name}`")),
        None => d,
    }
}

/// HTML escaping for text and quoted attribute values. Tera's default also
/// escapes `/`, which is not needed in either context and makes every URL
/// in the site three times longer.
fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
