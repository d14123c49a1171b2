//! A web page's main text and metadata.
//!
//! The article is found by `dom_smoothie`, a port of readability.js (the
//! reader view of Firefox): it drops navigation, cookie banners, comments
//! and related-article boxes. Its metadata comes from `<meta>` tags, Open
//! Graph and JSON-LD. When it finds too little text (a page that is not an
//! article, or one it cannot make sense of), the page's whole visible text
//! is kept instead, and the author is told to trim it.

use dom_query::Document;
use dom_smoothie::{Config, Readability, TextMode};

use super::{Extracted, Method};

/// Fewer characters of main text than this, and extraction is taken to
/// have failed (readability.js's own default threshold is 500 characters
/// of candidate text; a short statement is still an article).
const TOO_LITTLE: usize = 200;

/// The main text of `html` (fetched from `url`, if it was), with metadata.
pub fn extract(html: &str, url: Option<&str>) -> Extracted {
    let config = Config {
        text_mode: TextMode::Formatted,
        ..Config::default()
    };
    // A URL readability rejects (not absolute) only loses link rewriting,
    // which a text does not need.
    let readability = Readability::new(html, url, Some(config.clone()))
        .or_else(|_| Readability::new(html, None, Some(config)));
    let (article, metadata, readable) = match readability {
        Ok(mut r) => {
            let metadata = r.get_article_metadata(r.parse_json_ld());
            let readable = r.is_probably_readable();
            (r.parse().ok(), Some(metadata), readable)
        }
        Err(_) => (None, None, false),
    };
    let main = article
        .as_ref()
        .map(|a| tidy(&a.text_content))
        .unwrap_or_default();
    let full = full_text(html);
    let (main_chars, full_chars) = (main.chars().count(), full.chars().count());
    // Readability falls back to the whole body when it finds no article:
    // a page without the long paragraphs of an article from which it
    // removed (next to) nothing is such a page.
    let why = if article.is_none() {
        Some("the page's main text could not be found".to_owned())
    } else if main_chars < TOO_LITTLE {
        Some(format!(
            "the page's main text came to only {main_chars} characters"
        ))
    } else if !readable && main_chars * 100 >= full_chars * 97 {
        Some("the page does not look like an article (no paragraph of running text)".to_owned())
    } else {
        None
    };
    let (text, method) = match why {
        None => (main, Method::MainText),
        Some(why) => (full, Method::FullText { why }),
    };
    let meta = metadata.unwrap_or_default();
    let nonempty = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let title = nonempty(article.as_ref().map(|a| a.title.clone()))
        .or_else(|| nonempty(Some(meta.title.clone())));
    Extracted {
        text,
        title,
        site_name: nonempty(meta.site_name),
        author: nonempty(meta.byline),
        published: meta.published_time.as_deref().and_then(super::date_of),
        language: nonempty(meta.lang).or_else(|| html_lang(html)),
        method,
    }
}

/// The page's whole visible text: the body without scripts, styles and
/// other parts no reader sees, blocks separated by blank lines.
fn full_text(html: &str) -> String {
    let doc = Document::from(html);
    doc.select("script, style, noscript, template, svg, iframe, head")
        .remove();
    let body = doc.select("body");
    let text = if body.exists() {
        body.formatted_text()
    } else {
        doc.formatted_text()
    };
    tidy(&text)
}

/// A page's text: UTF-8 if it is valid UTF-8, else decoded by the charset
/// the server declared or the page's `<meta charset>` names, else as
/// windows-1252, which is what browsers assume of a page that does not say.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let in_page = head.find("charset=").map(|i| {
        head[i + "charset=".len()..]
            .trim_start_matches(['"', '\''])
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .next()
            .unwrap_or("")
            .to_owned()
    });
    let encoding = declared
        .into_iter()
        .chain(in_page.as_deref())
        .find_map(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::WINDOWS_1252);
    encoding.decode(bytes).0.into_owned()
}

/// `<html lang="…">`, for pages whose metadata does not say.
fn html_lang(html: &str) -> Option<String> {
    let doc = Document::from(html);
    doc.select("html")
        .attr("lang")
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
}

/// Text as a source holds it: lines without trailing white space,
/// paragraphs separated by one blank line, one newline at the end.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line.trim_start_matches(['\u{00A0}']));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_decoded_by_the_charset_they_declare() {
        let latin1 = b"<html><head><meta charset=\"iso-8859-1\"></head><p>caf\xe9</p>";
        assert!(decode(latin1, None).contains("<p>café</p>"));
        // The server's word first; without any, what browsers assume.
        assert!(decode(b"<p>\xe9t\xe9</p>", Some("windows-1252")).contains("été"));
        assert!(decode(b"<p>\x93quoted\x94</p>", None).contains("“quoted”"));
        assert_eq!(
            decode("déjà".as_bytes(), Some("iso-8859-1")),
            "déjà",
            "UTF-8 stays"
        );
    }
}
