//! `briefing add PATH-OR-URL…`: a document in, a source out.
//!
//! A web page becomes its main text ([`html`]), a PDF its text in reading
//! order ([`pdf`]), a text or markdown file stays as it is. Each becomes
//! `content/sources/ID.txt` (the text quotes are checked against) and
//! `ID.yaml` (its metadata: what the document says of itself, when it was
//! retrieved, the text's SHA-256), and a page or PDF is kept byte for byte
//! as `content/sources/originals/ID.EXT`, recorded with its own hash, so
//! that anyone can later audit the conversion. Nothing existing is ever
//! overwritten: a document already there (same bytes, same text or same
//! URL) is said to be there, and a new ID never takes an existing one's
//! place.

pub mod fetch;
pub mod html;
#[cfg(feature = "pdf")]
pub mod pdf;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::integrity::sha256_hex;
use crate::load::{SOURCES_DIR, is_valid_id};
use crate::pipeline::Status;
use crate::quote::yaml_string;

/// The folder of `content/sources/` that keeps the original documents.
pub const ORIGINALS_DIR: &str = "originals";

/// What a document gave: its text and what it says of itself.
#[derive(Debug)]
pub struct Extracted {
    pub text: String,
    pub title: Option<String>,
    pub site_name: Option<String>,
    pub author: Option<String>,
    /// `YYYY-MM-DD`.
    pub published: Option<String>,
    pub language: Option<String>,
    pub method: Method,
}

impl Extracted {
    /// A text that says nothing of itself but (perhaps) a title.
    pub fn bare(text: String, title: Option<String>, method: Method) -> Extracted {
        Extracted {
            text,
            title,
            site_name: None,
            author: None,
            published: None,
            language: None,
            method,
        }
    }
}

/// The first non-empty line of `text`, as `clean` leaves it, cut to 150
/// characters: the title of a document whose metadata names none.
pub fn first_line(text: &str, clean: impl Fn(&str) -> &str) -> Option<String> {
    text.lines()
        .map(|l| clean(l.trim()))
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(150).collect())
}

/// How the text was obtained.
#[derive(Debug, PartialEq)]
pub enum Method {
    /// A web page's main text.
    MainText,
    /// A web page's whole text: the main text could not be found.
    FullText {
        why: String,
    },
    Pdf {
        pages: usize,
    },
    /// A text or markdown file, as it is.
    AsIs,
}

/// What kind of document a file or response is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Html,
    Pdf,
    Text,
    Markdown,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Html => "html",
            Kind::Pdf => "pdf",
            Kind::Text => "txt",
            Kind::Markdown => "md",
        }
    }
}

pub struct Options {
    pub root: PathBuf,
    /// The ID of the one document added (default: a slug of its title).
    pub id: Option<String>,
    pub limits: fetch::Limits,
}

/// A document read, from a file or a URL.
struct Document {
    input: String,
    bytes: Vec<u8>,
    kind: Kind,
    url: Option<String>,
    /// The charset the server declared, if it was fetched.
    charset: Option<String>,
}

/// A source already in the briefing, as far as duplicates go.
struct Known {
    id: String,
    text_sha256: String,
    original_sha256: Option<String>,
    url: Option<String>,
}

/// `briefing add`: adds each input; says which were already there.
pub fn run(options: &Options, inputs: &[String]) -> Result<Status> {
    if options.id.is_some() && inputs.len() > 1 {
        bail!("`--id` names one source: add the documents one at a time to name each");
    }
    let root = &options.root;
    let (b, _) = crate::load::load(root)?;
    let sources = root.join(crate::load::CONTENT_DIR).join(SOURCES_DIR);
    let language = b.config.book.language.clone();
    let mut known: Vec<Known> = b
        .sources
        .iter()
        .map(|s| Known {
            id: s.id.clone(),
            text_sha256: sha256_hex(b.files.text(s.file).as_bytes()),
            original_sha256: s
                .meta
                .as_ref()
                .and_then(|m| Some(m.original.as_ref()?.sha256.clone())),
            url: s.meta.as_ref().and_then(|m| m.url.clone()),
        })
        .collect();
    let (mut added, mut there, mut failed) = (0, 0, 0);
    for input in inputs {
        match add_one(options, &sources, &language, &mut known, input) {
            Ok(true) => added += 1,
            Ok(false) => there += 1,
            Err(e) => {
                failed += 1;
                crate::diag::say(&format!("error: cannot add {input}: {e:#}"));
            }
        }
    }
    let mut summary = format!("add: {added} added");
    if there > 0 {
        summary.push_str(&format!(", {there} already there"));
    }
    if failed > 0 {
        bail!("{summary}, {failed} failed");
    }
    crate::diag::say(&summary);
    Ok(Status::Ok)
}

/// Adds one document; `false` if it was already there.
fn add_one(
    options: &Options,
    sources: &Path,
    book_language: &str,
    known: &mut Vec<Known>,
    input: &str,
) -> Result<bool> {
    let doc = read(input, &options.limits)?;
    let extracted = extract(&doc)?;
    let original_sha256 = sha256_hex(&doc.bytes);
    let text_sha256 = sha256_hex(extracted.text.as_bytes());
    let same = known.iter().find_map(|k| {
        if k.original_sha256.as_deref() == Some(original_sha256.as_str()) {
            Some((k, "the same original document"))
        } else if k.text_sha256 == text_sha256 {
            Some((k, "the same text"))
        } else if doc.url.is_some() && k.url == doc.url {
            Some((k, "the same URL"))
        } else {
            None
        }
    });
    if let Some((k, what)) = same {
        crate::diag::say(&format!(
            "{input} is already there: source `{}` has {what}; nothing written",
            k.id
        ));
        return Ok(false);
    }
    let id = match &options.id {
        Some(id) if !is_valid_id(id) => {
            bail!("`{id}` is not a valid ID: use lowercase letters, digits, `-` and `_`")
        }
        Some(id) if taken(sources, known, id) => {
            bail!("a source `{id}` exists already: choose another `--id`")
        }
        Some(id) => id.clone(),
        None => free_id(
            sources,
            known,
            &slug(extracted.title.as_deref().unwrap_or(input)),
        ),
    };
    let keep_original = matches!(doc.kind, Kind::Html | Kind::Pdf);
    let original = keep_original.then(|| {
        (
            format!("{ORIGINALS_DIR}/{id}.{}", doc.kind.extension()),
            original_sha256.clone(),
        )
    });
    let meta = metadata(
        &doc,
        &extracted,
        &text_sha256,
        original.as_ref(),
        book_language,
    );
    let mut written = Written::default();
    let result = (|| -> Result<()> {
        if let Some((file, _)) = &original {
            written.create(&sources.join(file), &doc.bytes)?;
        }
        written.create(
            &sources.join(format!("{id}.txt")),
            extracted.text.as_bytes(),
        )?;
        written.create(&sources.join(format!("{id}.yaml")), meta.as_bytes())?;
        Ok(())
    })();
    if let Err(e) = result {
        written.undo();
        return Err(e);
    }
    report(
        &doc,
        &extracted,
        &id,
        original.as_ref().map(|(f, _)| f.as_str()),
    );
    known.push(Known {
        id,
        text_sha256,
        original_sha256: keep_original.then_some(original_sha256),
        url: doc.url.clone(),
    });
    Ok(true)
}

/// Reads a file or fetches a URL, and tells what kind of document it is.
fn read(input: &str, limits: &fetch::Limits) -> Result<Document> {
    if fetch::is_url(input) {
        if !input.to_ascii_lowercase().starts_with("https://") && !fetch::is_local(input) {
            crate::diag::say(&format!(
                "warning: {input} is fetched over plain HTTP, so what arrives may have been altered on the way; prefer its https:// address"
            ));
        }
        let fetched = fetch::fetch(input, limits)?;
        let kind = kind_of(
            &fetched.bytes,
            fetched.content_type.as_deref(),
            &fetched.url,
        )?;
        return Ok(Document {
            input: input.to_owned(),
            bytes: fetched.bytes,
            kind,
            url: Some(fetched.url),
            charset: fetched.charset,
        });
    }
    let path = Path::new(input);
    let meta = fs::metadata(path).with_context(|| format!("cannot read {input}"))?;
    if !meta.is_file() {
        bail!("{input} is not a file");
    }
    if meta.len() > limits.max_bytes {
        bail!(
            "{input} is larger than {} MB, the limit; raise `--max-size` if it really is the document",
            limits.max_bytes / 1_000_000
        );
    }
    let bytes = fs::read(path).with_context(|| format!("cannot read {input}"))?;
    let kind = kind_of(&bytes, None, input)?;
    Ok(Document {
        input: input.to_owned(),
        bytes,
        kind,
        url: None,
        charset: None,
    })
}

/// The kind of a document, from its content type, its name and its first
/// bytes.
fn kind_of(bytes: &[u8], content_type: Option<&str>, name: &str) -> Result<Kind> {
    let path = name.split(['?', '#']).next().unwrap_or(name);
    let ext = Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if bytes.starts_with(b"%PDF-") || content_type == Some("application/pdf") {
        return Ok(Kind::Pdf);
    }
    let html_type = matches!(content_type, Some("text/html" | "application/xhtml+xml"));
    let looks_html =
        head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<html");
    if html_type || matches!(ext.as_str(), "html" | "htm" | "xhtml") || looks_html {
        return Ok(Kind::Html);
    }
    if matches!(ext.as_str(), "md" | "markdown") || content_type == Some("text/markdown") {
        return Ok(Kind::Markdown);
    }
    let texty = matches!(ext.as_str(), "txt" | "text" | "")
        || content_type.is_some_and(|t| t.starts_with("text/"));
    if texty && !bytes.contains(&0) {
        return Ok(Kind::Text);
    }
    bail!(
        "not a web page, PDF, text or markdown file{}: save it as PDF or plain text first",
        content_type.map_or(String::new(), |t| format!(" (the server says `{t}`)"))
    )
}

fn extract(doc: &Document) -> Result<Extracted> {
    match doc.kind {
        Kind::Html => {
            let html = html::decode(&doc.bytes, doc.charset.as_deref());
            Ok(html::extract(&html, doc.url.as_deref()))
        }
        #[cfg(feature = "pdf")]
        Kind::Pdf => pdf::extract(&doc.bytes),
        #[cfg(not(feature = "pdf"))]
        Kind::Pdf => bail!("this `briefing` was built without PDF support (the `pdf` feature)"),
        Kind::Text | Kind::Markdown => {
            let text = String::from_utf8(doc.bytes.clone()).map_err(|e| {
                anyhow::anyhow!(
                    "not UTF-8 text (byte {} is not UTF-8): save it as UTF-8 first",
                    e.utf8_error().valid_up_to()
                )
            })?;
            if text.trim().is_empty() {
                bail!("the file is empty");
            }
            let title = first_line(&text, |l| l.trim_start_matches('#').trim());
            Ok(Extracted::bare(text, title, Method::AsIs))
        }
    }
}

/// `YYYY-MM-DD` from a date or date-time as pages write them
/// (`2024-03-25`, `2024-03-25T09:30:00+00:00`).
pub fn date_of(text: &str) -> Option<String> {
    let day = text.trim().get(..10)?;
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// A readable ID from a title: lowercase ASCII words joined by `-`, at most
/// five words and 40 characters (an ID is typed in every citation).
pub fn slug(title: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::canonical_combining_class;
    // Accents go (`é` is `e` and a combining mark); any other letter or
    // mark outside ASCII separates words, as punctuation does.
    let ascii: String = title
        .nfd()
        .filter(|&c| canonical_combining_class(c) == 0)
        .map(|c| {
            if c.is_ascii() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    let mut out = String::new();
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
    {
        if out.len() + word.len() + 1 > 40 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        "source".to_owned()
    } else {
        out
    }
}

fn taken(sources: &Path, known: &[Known], id: &str) -> bool {
    known.iter().any(|k| k.id == id)
        || ["txt", "yaml", "yml"]
            .iter()
            .any(|ext| sources.join(format!("{id}.{ext}")).exists())
        || ["html", "pdf"].iter().any(|ext| {
            sources
                .join(ORIGINALS_DIR)
                .join(format!("{id}.{ext}"))
                .exists()
        })
}

/// `base`, or `base-2`, `base-3`… : the first not taken.
fn free_id(sources: &Path, known: &[Known], base: &str) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                base.to_owned()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|id| !taken(sources, known, id))
        .expect("some suffix is free")
}

/// The metadata file: what is known, and what the author should fill in
/// or check, as comments.
fn metadata(
    doc: &Document,
    x: &Extracted,
    text_sha256: &str,
    original: Option<&(String, String)>,
    book_language: &str,
) -> String {
    let mut y = String::new();
    let title_from = match doc.kind {
        Kind::Html => "the page has none",
        _ => "the first line of the text; check it",
    };
    match &x.title {
        Some(t) => {
            y.push_str(&format!("title: {}\n", yaml_string(t)));
            if doc.kind != Kind::Html {
                y.push_str(&format!("# (title: {title_from})\n"));
            }
        }
        None => y.push_str(&format!(
            "title: {}   # {title_from}: write one\n",
            yaml_string(&doc.input)
        )),
    }
    let mut field = |name: &str, value: Option<&str>, missing: &str| match value {
        Some(v) => y.push_str(&format!("{name}: {}\n", yaml_string(v))),
        None => y.push_str(&format!("# {name}: {missing}\n")),
    };
    field(
        "publisher",
        x.site_name.as_deref(),
        "who published it, if known",
    );
    field("author", x.author.as_deref(), "who wrote it, if known");
    field(
        "url",
        doc.url.as_deref(),
        "where it can be found, if anywhere",
    );
    field("published", x.published.as_deref(), "YYYY-MM-DD, if known");
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    y.push_str(&format!("retrieved: \"{today}\"\n"));
    match &x.language {
        Some(l) => y.push_str(&format!("language: {}\n", yaml_string(l))),
        None => y.push_str(&format!(
            "language: {}   # from book.toml: the document does not say\n",
            yaml_string(book_language)
        )),
    }
    y.push_str("translation: none   # none, human, machine or unknown: say what this text is\n");
    y.push_str(&format!("sha256: {text_sha256}\n"));
    if let Some((file, sha256)) = original {
        y.push_str(&format!(
            "original:\n  file: {}\n  sha256: {sha256}\n",
            yaml_string(file)
        ));
    }
    if let Method::FullText { why } = &x.method {
        y.push_str(&format!(
            "# NOTE: {why}, so the text is the whole page, menus and all:\n# delete from the .txt what is not the document, then run `briefing sources --rehash`.\n"
        ));
    }
    y
}

/// What `add` says of a document it added.
fn report(doc: &Document, x: &Extracted, id: &str, original: Option<&str>) {
    let words = x.text.split_whitespace().count();
    let how = match &x.method {
        Method::MainText => "the page's main text".to_owned(),
        Method::FullText { .. } => "the page's whole text".to_owned(),
        Method::Pdf { pages } => format!(
            "the text of {pages} PDF page{}",
            if *pages == 1 { "" } else { "s" }
        ),
        Method::AsIs => "the text as it is".to_owned(),
    };
    let title = x.title.as_deref().unwrap_or("untitled");
    let mut lines = vec![format!("added `{id}`: “{title}”, {how} ({words} words)")];
    lines.push(format!(
        "  content/{SOURCES_DIR}/{id}.txt: the text quotes are checked against"
    ));
    lines.push(format!(
        "  content/{SOURCES_DIR}/{id}.yaml: its metadata; check `language` and `translation`"
    ));
    if let Some(file) = original {
        lines.push(format!(
            "  content/{SOURCES_DIR}/{file}: the {} as {}",
            match doc.kind {
                Kind::Pdf => "PDF",
                _ => "page",
            },
            if doc.url.is_some() {
                "fetched"
            } else {
                "added"
            }
        ));
    }
    if let Method::FullText { why } = &x.method {
        lines.push(format!(
            "warning: {why}, so the whole page's text was kept (the full-text fallback): delete from {id}.txt what is not the document, then run `briefing sources --rehash {id}`"
        ));
    }
    let mut err = std::io::stderr().lock();
    for line in lines {
        let _ = writeln!(err, "{line}");
    }
}

/// Files written by one `add`, removed again if a later one fails.
#[derive(Default)]
struct Written(Vec<PathBuf>);

impl Written {
    /// Writes a new file: never replaces one. Written beside its place and
    /// then linked there, so a file is either whole or absent.
    fn create(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        let dir = path.parent().expect("a file in a folder");
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let name = path.file_name().expect("a file name").to_string_lossy();
        let tmp = dir.join(format!(".{name}.{}.part", std::process::id()));
        let written = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
            .and_then(|()| fs::hard_link(&tmp, path));
        let _ = fs::remove_file(&tmp);
        written.with_context(|| format!("cannot create {}", path.display()))?;
        self.0.push(path.to_path_buf());
        Ok(())
    }

    fn undo(self) {
        for path in self.0 {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_valid_ids() {
        assert_eq!(
            slug("UK sanctions Chinese hackers over Electoral Commission attack"),
            "uk-sanctions-chinese-hackers-over"
        );
        assert_eq!(
            slug("Élections : l’ANSSI alerte"),
            "elections-l-anssi-alerte"
        );
        assert_eq!(slug("???"), "source");
        assert!(is_valid_id(&slug(
            "A very long headline with many words that goes on and on and on"
        )));
        assert!(slug(&"word ".repeat(40)).len() <= 40);
    }

    #[test]
    fn dates_are_taken_from_date_times() {
        assert_eq!(
            date_of("2024-03-25T09:30:00+00:00").as_deref(),
            Some("2024-03-25")
        );
        assert_eq!(date_of("2024-03-25").as_deref(), Some("2024-03-25"));
        assert_eq!(date_of("March 25, 2024"), None);
        assert_eq!(date_of("2024-13-45"), None);
    }
}
