//! Nothing runs that the author did not write as code: script and markup
//! put into every field of every kind of file are shown as text, and a real
//! browser loading every page runs none of it and fetches nothing.

mod support;

use std::fs;

use serde_json::json;
use support::browser::Browser;
use support::{BriefingTest, html_files};

/// Payloads: script tags, event handlers, dangerous URL schemes (markdown
/// links and images, raw), attribute break-outs, template syntax, an
/// outside resource. Each one announces itself on the console if it runs.
const PAYLOADS: &[&str] = &[
    "<script>console.error('XSS-script')</script>",
    "<img src=x onerror=\"console.error('XSS-onerror')\">",
    "\"><svg onload=console.error('XSS-svg')>",
    "'><iframe src=\"javascript:console.error('XSS-iframe')\"></iframe>",
    "[click](javascript:console.error('XSS-link'))",
    "![img](javascript:console.error('XSS-img'))",
    "[data](data:text/html;base64,PHNjcmlwdD5jb25zb2xlLmVycm9yKCdYU1MnKTwvc2NyaXB0Pg==)",
    "<a href=\"vbscript:msgbox(1)\">vb</a>",
    "{{ 7 * 7 }} {% raw %}",
    "<img src=\"https://tracker.example/pixel.gif\">",
    "<style>body{background:url(https://tracker.example/bg.png)}</style>",
];

/// A YAML string holding every payload.
fn all() -> String {
    let joined = PAYLOADS.join(" ");
    serde_json::to_string(&joined).unwrap() // JSON strings are YAML strings
}

/// A quote of report-a that sits between two runs of the payloads, so its
/// context (the words around it, in the citation link's `data-before` and
/// `data-after`, shown by `static/context.js`) is made of them.
const QUOTE_AMID_PAYLOADS: &str = "quoted between the payloads";

/// The basic fixture with every payload in every field, and in a
/// paragraph of a source's text, around a quoted passage.
fn briefing_with_payloads() -> BriefingTest {
    let p = all();
    let source =
        fs::read_to_string(support::fixtures().join("basic/content/sources/report-a.txt")).unwrap();
    let payloads = PAYLOADS.join(" ");
    BriefingTest::new("basic")
        .file(
            "content/sources/report-a.txt",
            &format!("{source}\n\n{payloads} {QUOTE_AMID_PAYLOADS} {payloads}\n"),
        )
        .file(
            "book.toml",
            &format!(
                "[book]\ntitle = {p}\ndescription = {p}\nauthors = [{p}]\n[output.html]\nfooter = {p}\n"
            ),
        )
        .file(
            "content/sources/report-a.yaml",
            &format!("title: {p}\npublisher: {p}\nurl: \"javascript:console.error('XSS-url')\"\npublished: \"2024-03-25\"\nlanguage: {p}\noriginal_language: {p}\ntranslation: machine\ncaveats: [{p}]\n"),
        )
        .file(
            "content/who/ministry.yaml",
            &format!("title: {p}\ntype: government\nrole: {p}\naffiliation: {p}\naliases: [{p}]\nsummary: {p}\nrelated: [breach]\nclaims:\n  - text: {p}\n    cite:\n      - source: report-a\n        quote: Ministry confirms records breach\n        comment: {p}\n      - source: report-a\n        quote: {QUOTE_AMID_PAYLOADS}\n"),
        )
        .file(
            "content/what/breach.yaml",
            &format!("title: {p}\nsummary: {p}\ndate: \"2021/2022\"\nactors: [ministry]\nrelated: [who-did-it]\nclaims:\n  - text: {p}\n    cite:\n      - source: report-b\n        quote: The attackers were not named.\n"),
        )
        .file(
            "content/responses/statement.yaml",
            &format!("title: {p}\nsummary: {p}\ntype: statement\nresponders: [ministry]\nresponding_to: [breach]\nclaims:\n  - text: {p}\n    cite: [{{source: report-a, quote: Ministry confirms records breach}}]\n"),
        )
        .file(
            "content/questions/who-did-it.yaml",
            &format!("title: {p}\nsummary: {p}\nstatus: unknown\nrelated: [breach, statement]\nclaims:\n  - text: {p}\n    cite: [{{source: report-b}}]\n"),
        )
        .file(
            "content/front.yaml",
            &format!("bottom_line:\n  - text: {p}\n    cite: [{{source: report-a}}]\nkey_facts:\n  - text: {p}\n    cite: [{{source: report-b}}]\n"),
        )
}

/// The search page's own scripts, the only ones a page may have besides
/// [`context_script`].
const OUR_SCRIPTS: &[&str] = &[
    r#"<script src="static/elasticlunr.min.js"></script>"#,
    r#"<script src="static/search.js"></script>"#,
];

/// The quote-context script every page loads, from `page` of `site`
/// (the 404 page links from the site's root path, `/`).
fn context_script(site: &std::path::Path, page: &std::path::Path) -> String {
    let rel = page.strip_prefix(site).unwrap();
    let root = if rel == std::path::Path::new("404.html") {
        "/"
    } else if rel.components().count() > 1 {
        "../"
    } else {
        ""
    };
    format!(r#"<script src="{root}static/context.js" defer></script>"#)
}

/// The What index's timeline, the only SVG a page may have.
const OUR_SVG: &str = r#"<svg class="tl-chart" "#;

#[test]
fn payloads_in_every_field_are_inert_in_a_real_browser() {
    let chromium = support::require("chromium", "chromium");
    let t = briefing_with_payloads();
    t.run(&["build"]).expect_success();
    let site = t.path().join("book");
    let pages = html_files(&site);
    assert_eq!(pages.len(), 16, "every page of the fixture");
    for page in &pages {
        let mut html = fs::read_to_string(page).unwrap();
        let context = context_script(&site, page);
        assert_eq!(
            html.matches(&context).count(),
            1,
            "{context} on {}",
            page.display()
        );
        html = html.replace(&context, "");
        if page.ends_with("search.html") {
            for ours in OUR_SCRIPTS {
                assert!(html.contains(ours), "{ours} on the search page");
                html = html.replace(ours, "");
            }
        }
        if page.ends_with("what/index.html") {
            assert_eq!(html.matches(OUR_SVG).count(), 1, "the timeline");
            html = html.replace(OUR_SVG, "");
        }
        // As markup (text would be escaped: `&lt;script`).
        for bad in ["<script", "<img src=x", "<svg", "<iframe", "<style>body"] {
            assert!(
                !html.to_lowercase().contains(bad),
                "{bad} reached {}",
                page.display()
            );
        }
        // As a URL of a link or resource.
        for url in briefing::links::scan(&html).links {
            let url = url.to_lowercase();
            for scheme in ["javascript:", "vbscript:", "data:", "https://tracker"] {
                assert!(!url.starts_with(scheme), "{url} reached {}", page.display());
            }
        }
    }
    // The context around the quote amid the payloads is escaped in its
    // attributes: no quotation mark breaks out of them.
    let ministry = fs::read_to_string(site.join("who/ministry.html")).unwrap();
    let link = ministry
        .split("<a class=\"cite-ref\" ")
        .skip(1)
        .filter_map(|l| l.split_once('>'))
        .map(|(attributes, _)| attributes)
        .find(|a| a.contains("data-after="))
        .expect("a citation link with context");
    assert!(
        link.contains("data-before=\"") && link.contains("&lt;script&gt;console.error("),
        "{link}"
    );
    let names: Vec<&str> = link
        .split("=\"")
        .filter_map(|a| a.rsplit(' ').next())
        .filter(|n| !n.is_empty())
        .collect();
    assert_eq!(
        names[..names.len() - 1],
        ["href", "title", "data-before", "data-after"],
        "{link}"
    );
    let home = fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        home.contains("{{ 7 * 7 }}"),
        "template syntax in content is shown, not run"
    );
    for page in &pages {
        let url = format!("file://{}", page.display());
        let visit = support::visit(&chromium, &url, &page.with_extension("dom"));
        visit.assert_quiet(&url, "file://");
        assert!(
            visit.dom.contains("XSS-script"),
            "the payload is shown as text on {url}"
        );
    }
}

/// The context shown beside a citation (`static/context.js`), made of
/// payloads here, is text: the tooltip holds only our elements, and
/// nothing runs.
#[test]
fn payloads_around_a_quote_are_shown_as_text_in_its_context() {
    let t = briefing_with_payloads();
    t.run(&["build"]).expect_success();
    let mut b = Browser::launch();
    let url = format!("file://{}/book/who/ministry.html", t.path().display());
    b.open(&url);
    b.focus("a.cite-ref[data-after]");
    b.wait_for("document.getElementById('cite-context') && !document.getElementById('cite-context').hidden");
    let tip = b.eval(
        r#"(() => {
            const t = document.getElementById('cite-context');
            return {
                text: t.querySelector('.cite-context-text').textContent,
                source: t.querySelector('.cite-context-source').textContent,
                quote: t.querySelector('mark').textContent,
                elements: [...t.querySelectorAll('*')].map(e => e.localName),
                handlers: [...document.querySelectorAll('*')].filter(e =>
                    [...e.attributes].some(a => a.name.startsWith('on'))).length,
            };
        })()"#,
    );
    assert_eq!(tip["quote"], json!(QUOTE_AMID_PAYLOADS));
    assert_eq!(
        tip["elements"],
        json!(["p", "mark", "p"]),
        "only our elements"
    );
    assert_eq!(tip["handlers"], json!(0), "no event handler attributes");
    let text = tip["text"].as_str().unwrap();
    for shown in [
        "<script>console.error('XSS-script')</script>",
        "<img src=x onerror=\"console.error('XSS-onerror')\">",
        "\"><svg onload=console.error('XSS-svg')>",
        "<style>body{background:url(https://tracker.example/bg.png)}</style>",
    ] {
        assert!(text.contains(shown), "{shown} is shown as text: {text}");
    }
    assert!(
        tip["source"].as_str().unwrap().contains("XSS-onerror"),
        "the source's title too: {tip}"
    );
    let console = b.console();
    assert!(console.is_empty(), "console on {url}: {console:?}");
}

/// Search results hold every field's text, the payloads included: they are
/// shown as text, run nothing and load nothing; so is a payload typed as
/// the query.
#[test]
fn payloads_found_by_search_are_shown_as_text() {
    let t = briefing_with_payloads();
    t.run(&["build"]).expect_success();
    let index = t.read("book/searchindex.js");
    assert!(index.contains("XSS-onerror"), "the payloads are indexed");
    let mut b = Browser::launch();
    let search = format!("file://{}/book/search.html", t.path().display());
    // Words of the payloads, and payloads as queries.
    let queries = [
        "click",
        "script",
        "onerror",
        "img src",
        "<img src=x onerror=console.error('XSS-query')>",
        "\"><svg onload=console.error('XSS-query-svg')>",
    ];
    for q in queries {
        let url = format!("{search}?q={}", encode(q));
        b.open(&url);
        b.wait_for("document.getElementById('search-status').textContent !== '' && !document.getElementById('search-status').textContent.startsWith('Loading')");
        let results = b.eval(
            r#"(() => {
                const list = document.getElementById('search-results');
                return {
                    count: list.children.length,
                    status: document.getElementById('search-status').textContent,
                    text: list.textContent,
                    elements: [...list.querySelectorAll('*')].map(e => e.localName)
                        .filter(n => !['li', 'p', 'span', 'a', 'mark'].includes(n)),
                    hrefs: [...list.querySelectorAll('a')].map(a => a.getAttribute('href')),
                    handlers: [...document.querySelectorAll('*')].filter(e =>
                        [...e.attributes].some(a => a.name.startsWith('on'))).length,
                };
            })()"#,
        );
        assert_eq!(results["elements"], json!([]), "{q}: only our elements");
        assert_eq!(
            results["handlers"],
            json!(0),
            "{q}: no event handler attributes"
        );
        for href in results["hrefs"].as_array().unwrap() {
            let href = href.as_str().unwrap();
            assert!(
                href.starts_with("who/")
                    || href.starts_with("what/")
                    || href.starts_with("responses/")
                    || href.starts_with("questions/")
                    || href.starts_with("sources/"),
                "{q}: link {href}"
            );
        }
        if !q.contains("XSS-query") {
            assert!(results["count"].as_u64().unwrap() > 0, "{q}: {results}");
            assert!(
                results["text"].as_str().unwrap().contains("XSS-"),
                "{q}: the payloads are shown as text: {results}"
            );
        } else {
            assert!(
                results["status"].as_str().unwrap().contains(q),
                "{q}: the query is shown as text"
            );
        }
        let console = b.console();
        assert!(console.is_empty(), "console on {url}: {console:?}");
    }
}

/// `q` for a URL's query string.
fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
