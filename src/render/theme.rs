//! The theme: Tera templates and static files, built in and overridable.
//!
//! The default theme is compiled into the binary (so `briefing` works from
//! anywhere); a briefing's own `templates/` folder replaces it file by file,
//! as in Zola. Static files live under `templates/static/` and are copied.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use tera::Tera;

use super::template_graph::Refused;
use crate::diag::Diagnostic;
use crate::files::Files;

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

pub struct Theme {
    pub tera: Tera,
    pub statics: Vec<(String, Vec<u8>)>,
    /// Hash of every template and static file: part of every page's key.
    pub fingerprint: u64,
}

/// Loads the theme for the briefing at `root`. Template syntax errors are
/// diagnostics naming the template and its line; unreadable files are I/O
/// errors.
pub fn load(root: &Path, files: &mut Files) -> Result<Result<Theme, Vec<Diagnostic>>> {
    let mut templates: Vec<(String, String, Option<crate::files::FileId>)> = TEMPLATES
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned(), None))
        .collect();
    let mut statics: Vec<(String, Vec<u8>)> = STATIC
        .iter()
        .map(|(n, b)| ((*n).to_owned(), b.to_vec()))
        .collect();
    let dir = root.join(USER_TEMPLATES_DIR);
    if dir.is_dir() {
        for path in sorted_files(&dir)? {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = fs::read_to_string(&path)
                .with_context(|| format!("cannot read template {}", path.display()))?;
            let display = format!("{USER_TEMPLATES_DIR}/{name}");
            let id = files.add(path.clone(), display, text.clone());
            templates.retain(|(n, ..)| *n != name);
            templates.push((name, text, Some(id)));
        }
        let static_dir = dir.join("static");
        if static_dir.is_dir() {
            for path in sorted_files(&static_dir)? {
                let name = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                let bytes =
                    fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                statics.retain(|(n, _)| *n != name);
                statics.push((name, bytes));
            }
        }
    }
    statics.sort();
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_html);
    let raw: Vec<(&str, &str)> = templates
        .iter()
        .map(|(n, t, _)| (n.as_str(), t.as_str()))
        .collect();
    let fingerprint = {
        let mut h = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&raw, &mut h);
        std::hash::Hash::hash(&statics, &mut h);
        std::hash::Hasher::finish(&h)
    };
    // Parsed, then checked for recursion and depth, which would crash.
    match super::template_graph::add_templates(&mut tera, &templates, files) {
        Ok(()) => Ok(Ok(Theme {
            tera,
            statics,
            fingerprint,
        })),
        Err(Refused::Tera(e)) => Ok(Err(vec![template_diagnostic(&e, &templates, files)])),
        Err(Refused::Found(diagnostics)) => Ok(Err(diagnostics)),
    }
}

fn sorted_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if path.is_file() && !hidden {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
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
    templates: &[(String, String, Option<crate::files::FileId>)],
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
