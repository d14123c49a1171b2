//! Markdown in notes, rendered from pulldown-cmark's event stream.
//!
//! Authors' markdown never reaches the page as raw HTML: HTML blocks and
//! inline HTML become escaped text, and links or images whose URL could run
//! code (`javascript:`, `vbscript:`, `data:`, any unknown scheme) lose their
//! URL. `note:ID` links become links to that note's page. All of this happens
//! on events, before HTML exists, so nothing edits HTML strings afterwards.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Prefix of a link to another note: `[Oliver Dowden](note:oliver-dowden)`.
pub const NOTE_SCHEME: &str = "note:";

fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// The note IDs linked from `text`, in order.
pub fn note_links(text: &str) -> Vec<String> {
    if !text.contains(NOTE_SCHEME) {
        return Vec::new();
    }
    Parser::new_ext(text, options())
        .filter_map(|ev| match ev {
            Event::Start(Tag::Link { dest_url, .. }) => dest_url
                .strip_prefix(NOTE_SCHEME)
                .map(|id| id.trim().to_owned()),
            _ => None,
        })
        .collect()
}

/// Links and images in `text` that point into the site: relative URLs
/// without a scheme (`sources/x.html#p-3`, `../who/y.html`, `#c-2`), and
/// root paths (`/who/y.html`). They are resolved against the site root (see
/// [`NoteLinks::site_root`]) and checked before anything is rendered.
pub fn site_links(text: &str) -> Vec<String> {
    if !text.contains("](") && !text.contains("]:") {
        return Vec::new();
    }
    Parser::new_ext(text, options())
        .filter_map(|ev| match ev {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if is_site_url(&dest_url) =>
            {
                Some(dest_url.into_string())
            }
            _ => None,
        })
        .collect()
}

/// A URL that stays in the site: no scheme, not protocol-relative (`//`),
/// not a `note:` link (those are references, checked by ID).
fn is_site_url(url: &str) -> bool {
    let url = url.trim();
    !url.is_empty()
        && !url.starts_with("//")
        && !url.starts_with(NOTE_SCHEME)
        && match url.find([':', '/', '?', '#']) {
            Some(i) => url.as_bytes()[i] != b':',
            None => true,
        }
}

/// Whether a URL may appear in the site: relative, fragment, or one of a few
/// harmless schemes. Browsers ignore ASCII tabs and line breaks inside a
/// scheme (`java\tscript:`), so those are removed before looking.
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match cleaned.find([':', '/', '?', '#']) {
        Some(i) if cleaned.as_bytes()[i] == b':' => {
            matches!(&cleaned[..i], "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// How `note:` links are turned into page URLs, and what they are called.
pub trait NoteLinks {
    /// The URL of a note's page relative to the current page, if it exists.
    fn href(&self, id: &str) -> Option<String>;

    /// From the current page to the site root (`""`, `"../"`): relative
    /// links in markdown are relative to the site root, wherever the text
    /// is shown, so they are prefixed with it.
    fn site_root(&self) -> &str {
        ""
    }
}

/// Renders block markdown (paragraphs, lists…) to HTML.
pub fn to_html(text: &str, links: &dyn NoteLinks) -> String {
    render(text, links, false)
}

/// Renders markdown meant to sit inside a sentence or list item: the
/// wrapping paragraph is dropped.
pub fn to_inline_html(text: &str, links: &dyn NoteLinks) -> String {
    render(text, links, true)
}

/// The text a reader sees, without markup: what the search index holds.
/// Raw HTML counts as text, as on the page; blocks and line breaks become
/// single spaces.
pub fn to_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ev in Parser::new_ext(text, options()) {
        match ev {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image,
            ) => {}
            Event::SoftBreak | Event::HardBreak | Event::End(_) | Event::Rule
                if !out.is_empty() && !out.ends_with(' ') =>
            {
                out.push(' ')
            }
            _ => {}
        }
    }
    collapse_spaces(&out)
}

/// Straight quote marks as typographic ones, as the markdown of the body
/// gets them: for titles and other plain text shown beside it. A mark
/// opens after the start, white space or an opening bracket or dash, and
/// closes elsewhere (an apostrophe is a closing single mark).
pub fn typographic(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut before: Option<char> = None;
    for c in text.chars() {
        let opens = before.is_none_or(|b| b.is_whitespace() || "([{—–-/".contains(b));
        out.push(match (c, opens) {
            ('"', true) => '“',
            ('"', false) => '”',
            ('\'', true) => '‘',
            ('\'', false) => '’',
            (c, _) => c,
        });
        before = Some(c);
    }
    out
}

/// Runs of white space (line breaks included) as single spaces, trimmed.
pub fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn render(text: &str, links: &dyn NoteLinks, inline: bool) -> String {
    let events = Parser::new_ext(text, options()).filter_map(|ev| match ev {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) if inline => None,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Link {
            link_type,
            dest_url: safe_dest(dest_url, links),
            title,
            id,
        })),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Image {
            link_type,
            dest_url: safe_dest(dest_url, links),
            title,
            id,
        })),
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => None,
        other => Some(other),
    });
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    html::push_html(&mut out, events);
    if inline {
        out.truncate(out.trim_end().len());
    }
    out
}

fn safe_dest<'a>(dest: CowStr<'a>, links: &dyn NoteLinks) -> CowStr<'a> {
    if let Some(id) = dest.strip_prefix(NOTE_SCHEME) {
        // Unknown IDs are reported by the checks; the build never gets here
        // with one, but render defensively anyway.
        return links
            .href(id.trim())
            .map_or(CowStr::Borrowed("#"), CowStr::from);
    }
    let relative = is_site_url(&dest) && !dest.starts_with(['/', '#', '?']);
    if relative && !links.site_root().is_empty() {
        CowStr::from(format!("{}{dest}", links.site_root()))
    } else if is_safe_url(&dest) {
        dest
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_get_the_quote_marks_of_the_body() {
        assert_eq!(
            typographic(r#""Epoch-defining challenge" or "historic challenge"?"#),
            "“Epoch-defining challenge” or “historic challenge”?"
        );
        assert_eq!(
            typographic("Pat McFadden's title ('shadow')"),
            "Pat McFadden’s title (‘shadow’)"
        );
        assert_eq!(typographic("No quotes at all"), "No quotes at all");
    }

    struct Links;
    impl NoteLinks for Links {
        fn href(&self, id: &str) -> Option<String> {
            (id == "known").then(|| "../who/known.html".to_owned())
        }
    }

    #[test]
    fn plain_text_keeps_words_and_drops_markup() {
        assert_eq!(
            to_text("The [NCSC](note:ncsc), *part* of GCHQ.\n\n- one\n- <b>two</b>"),
            "The NCSC, part of GCHQ. one <b>two</b>"
        );
    }

    #[test]
    fn raw_html_is_escaped_not_passed_through() {
        let html = to_html("<script>alert(1)</script>\n\nhi <b onclick=x>b</b>", &Links);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b "), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn dangerous_urls_are_neutralised() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "vbscript:x",
            "data:text/html;base64,PHNjcmlwdD4=",
            " javascript:alert(1)",
        ] {
            let md = format!("[x](<{url}>) ![i](<{url}>)");
            let html = to_inline_html(&md, &Links);
            assert_eq!(
                html, "<a href=\"#\">x</a> <img src=\"#\" alt=\"i\" />",
                "{url:?}"
            );
        }
        assert!(is_safe_url("https://example.org/a"));
        assert!(is_safe_url("../who/x.html#c-1"));
        assert!(is_safe_url("a/b:c"));
        assert!(!is_safe_url("file:///etc/passwd"));
    }

    #[test]
    fn site_links_are_listed_and_made_relative_to_the_site_root() {
        struct Deep;
        impl NoteLinks for Deep {
            fn href(&self, _: &str) -> Option<String> {
                None
            }
            fn site_root(&self) -> &str {
                "../"
            }
        }
        let md = "[a](sources/x.html#p-3) [b](#c-2) [c](https://e.org/x) [d](note:k) ![e](static/i.png) [f](/who/y.html) [g](//cdn.example/x) [h](mailto:a@b.c)";
        assert_eq!(
            site_links(md),
            ["sources/x.html#p-3", "#c-2", "static/i.png", "/who/y.html"]
        );
        let html = to_inline_html("[a](sources/x.html#p-3) [b](#c-2) [f](/who/y.html)", &Deep);
        assert_eq!(
            html,
            "<a href=\"../sources/x.html#p-3\">a</a> <a href=\"#c-2\">b</a> <a href=\"/who/y.html\">f</a>"
        );
    }

    #[test]
    fn note_links_resolve_and_are_listed() {
        let md = "[K](note:known) and [U](note:unknown)";
        assert_eq!(note_links(md), ["known", "unknown"]);
        let html = to_inline_html(md, &Links);
        assert_eq!(
            html,
            "<a href=\"../who/known.html\">K</a> and <a href=\"#\">U</a>"
        );
    }
}
