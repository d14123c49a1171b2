//! Nothing runs that the author did not write as code: script and markup
//! put into every field of every kind of file are shown as text, and a real
//! browser loading every page runs none of it and fetches nothing.

mod support;

use std::fs;

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

#[test]
fn payloads_in_every_field_are_inert_in_a_real_browser() {
    let chromium = support::require("chromium", "chromium");
    let p = all();
    let t = BriefingTest::new("basic")
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
            &format!("title: {p}\ntype: government\nrole: {p}\naffiliation: {p}\naliases: [{p}]\nsummary: {p}\nrelated: [breach]\nclaims:\n  - text: {p}\n    cite:\n      - source: report-a\n        quote: Ministry confirms records breach\n        comment: {p}\n"),
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
        );
    t.run(&["build"]).expect_success();
    let site = t.path().join("book");
    let pages = html_files(&site);
    assert_eq!(pages.len(), 13, "every page of the fixture");
    for page in &pages {
        let html = fs::read_to_string(page).unwrap();
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
