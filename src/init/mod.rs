//! `briefing init`: a new briefing with one example of each kind of file,
//! cross-referenced so that it builds with no errors and no warnings.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

const FILES: &[(&str, &str)] = &[
    ("content/front.yaml", include_str!("front.yaml")),
    (
        "content/sources/example-report.txt",
        include_str!("example-report.txt"),
    ),
    (
        "content/sources/example-report.yaml",
        include_str!("example-report.yaml"),
    ),
    ("content/who/example-agency.yaml", include_str!("who.yaml")),
    (
        "content/what/example-breach.yaml",
        include_str!("what.yaml"),
    ),
    (
        "content/responses/example-statement.yaml",
        include_str!("response.yaml"),
    ),
    (
        "content/questions/example-question.yaml",
        include_str!("question.yaml"),
    ),
];

/// Creates the briefing in `dir` (made if missing). Refuses to touch a folder
/// that already holds a briefing, so nothing an author wrote is overwritten.
pub fn init(dir: &Path, title: Option<&str>) -> Result<()> {
    if dir.join("book.toml").exists() {
        bail!(
            "{} already has a book.toml; not overwriting an existing briefing",
            dir.display()
        );
    }
    for (path, _) in FILES {
        if dir.join(path).exists() {
            bail!(
                "{} already exists; not overwriting it",
                dir.join(path).display()
            );
        }
    }
    let title = title.unwrap_or("A new briefing");
    let config = format!(
        "[book]\ntitle = {}\nauthors = []\nlanguage = \"en\"\ndescription = \"What happened, who was involved, how others responded, and what is still open.\"\n\n[build]\nbuild-dir = \"book\"\n\n[check]\n# Set to \"warn\" while drafting to allow claims without citations.\nuncited-claims = \"error\"\ndeny-warnings = false\n",
        toml_string(title)
    );
    write_new(&dir.join("book.toml"), &config)?;
    for (path, text) in FILES {
        write_new(&dir.join(path), text)?;
    }
    eprintln!(
        "init: created a briefing in {}; run `briefing build {}` and open book/index.html",
        dir.display(),
        dir.display()
    );
    Ok(())
}

fn write_new(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .with_context(|| format!("cannot create {}", path.display()))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}
