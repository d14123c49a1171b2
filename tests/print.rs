//! The printable briefing: the brief (`print.html`, the front page and the
//! four parts with endnotes), its appendix of sources in full
//! (`print-sources.html`), and how they print.

mod support;

use std::collections::BTreeSet;
use std::fs;

use serde_json::json;
use support::BriefingTest;
use support::browser::Browser;

fn shipped() -> BriefingTest {
    let t = BriefingTest::shipped();
    t.run(&["build"]).expect_success();
    t
}

/// The links of a note page's citations, as the brief links them: into
/// the appendix, at the same passage.
fn cited_passages(page: &str) -> BTreeSet<String> {
    page.split("class=\"cite-ref\" href=\"")
        .skip(1)
        .map(|rest| {
            let href = &rest[..rest.find('"').unwrap()];
            let (path, fragment) = href.split_once('#').unwrap_or((href, ""));
            let id = path
                .trim_start_matches("../sources/")
                .trim_end_matches(".html");
            if fragment.is_empty() {
                format!("print-sources.html#s-{id}")
            } else {
                format!("print-sources.html#s-{id}-{fragment}")
            }
        })
        .collect()
}

#[test]
fn the_brief_holds_every_note_in_order_each_citation_an_endnote_into_the_appendix() {
    let t = shipped();
    let print = t.read("book/print.html");
    // The summary, the parts in reading order, then the list of sources.
    let order: Vec<usize> = [
        "id=\"summary\"",
        "id=\"part-who\"",
        "id=\"part-what\"",
        "id=\"part-responses\"",
        "id=\"part-questions\"",
        "id=\"sources\"",
    ]
    .iter()
    .map(|id| {
        print
            .find(id)
            .unwrap_or_else(|| panic!("{id} in print.html"))
    })
    .collect();
    assert!(order.is_sorted(), "parts out of order: {order:?}");
    // Every note once, its endnotes leading to exactly the passages its
    // page cites, none to a source in the brief.
    assert!(
        !print.contains("class=\"print-source\""),
        "sources are in the appendix"
    );
    let mut notes = 0;
    for part in ["who", "what", "responses", "questions"] {
        for entry in fs::read_dir(t.path().join("content").join(part)).unwrap() {
            let path = entry.unwrap().path();
            let id = path.file_stem().unwrap().to_string_lossy();
            let needle = format!("<article class=\"print-note\" id=\"n-{id}\"");
            assert_eq!(print.matches(&needle).count(), 1, "{needle}");
            let article = &print[print.find(&needle).unwrap()..];
            let article = &article[..article.find("</article>").unwrap()];
            let endnotes: Vec<String> = match article.find("<ol class=\"endnotes\">") {
                Some(at) => support::attribute_values(&article[at..], "href").collect(),
                None => Vec::new(),
            };
            let unique: BTreeSet<String> = endnotes.iter().cloned().collect();
            let page = t.read(&format!("book/{part}/{id}.html"));
            assert_eq!(unique, cited_passages(&page), "{part}/{id}");
            // A passage cited twice is one endnote, unless the citations say
            // different things of it (a comment, a stance).
            let items: Vec<&str> = article
                .split("<li id=\"n-")
                .skip(1)
                .map(|li| {
                    let li = &li[li.find('>').unwrap()..];
                    &li[..li.find("</li>").unwrap()]
                })
                .collect();
            let distinct: BTreeSet<&str> = items.iter().copied().collect();
            assert_eq!(
                distinct.len(),
                items.len(),
                "{part}/{id}: an endnote twice: {items:#?}"
            );
            // Each endnote has its marker.
            for n in 1..=endnotes.len() {
                assert!(
                    article.contains(&format!("href=\"#n-{id}-fn-{n}\"")),
                    "{id}: note {n}"
                );
            }
            notes += 1;
        }
    }
    assert!(notes > 100, "{notes} notes");
    // The list of sources names each with its label and leads to it.
    let appendix = t.read("book/print-sources.html");
    for entry in fs::read_dir(t.path().join("content/sources")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let id = path.file_stem().unwrap().to_string_lossy();
            assert!(print.contains(&format!(
                "<dt><a href=\"print-sources.html#s-{id}\">Source {}",
                &id[..3]
            )));
            assert!(appendix.contains(&format!("<section class=\"print-source\" id=\"s-{id}\"")));
        }
    }
    // The two link to each other and to no other page of the site.
    for (name, page) in [("print.html", &print), ("print-sources.html", &appendix)] {
        for href in support::attribute_values(page, "href") {
            assert!(
                href.starts_with('#')
                    || href.starts_with("static/")
                    || !href.ends_with(".html") && !href.contains(".html#")
                    || href.starts_with("print.html")
                    || href.starts_with("print-sources.html")
                    || href == "index.html"
                    || href.ends_with("/index.html"),
                "{name} links out to {href}"
            );
        }
    }
}

/// Pages of a PDF that Chromium made.
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

#[test]
fn in_the_browser_the_brief_prints_short_and_its_endnotes_land_on_the_passages() {
    let t = shipped();
    let book = t.path().join("book");
    let mut b = Browser::launch();
    b.open(&format!("file://{}/print.html", book.display()));
    let report = b.eval(
        r##"(() => {
            const links = [...document.querySelectorAll('main a[href^="#"]')];
            const missing = links.map(a => a.getAttribute('href'))
                .filter(h => !document.getElementById(decodeURIComponent(h.slice(1))));
            const notes = [...document.querySelectorAll('.endnotes li a')].map(a => a.getAttribute('href'));
            return { links: links.length, missing, notes };
        })()"##,
    );
    assert_eq!(report["missing"], json!([]), "{report}");
    let notes: Vec<String> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_owned())
        .collect();
    assert!(notes.len() > 500, "{} endnotes", notes.len());
    // In print: no sidebar, no header; A4, at most about 30 pages.
    b.call("Emulation.setEmulatedMedia", json!({ "media": "print" }));
    let printed = b.eval(
        r##"(() => ({
            sidebar: getComputedStyle(document.querySelector('.sidebar')).display,
            header: getComputedStyle(document.querySelector('.top')).display,
        }))()"##,
    );
    assert_eq!(printed, json!({ "sidebar": "none", "header": "none" }));
    let a4 = json!({ "paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true });
    let pdf = |b: &mut Browser| -> usize {
        let data = b.call("Page.printToPDF", a4.clone())["data"]
            .as_str()
            .unwrap()
            .to_owned();
        pdf_pages(&data_encoding::BASE64.decode(data.as_bytes()).unwrap())
    };
    let brief = pdf(&mut b);
    assert!(
        (10..=33).contains(&brief),
        "the brief prints to {brief} A4 pages"
    );
    assert!(b.console().is_empty(), "{:?}", b.console());

    // Every endnote's passage is in the appendix, and marked there.
    b.open(&format!("file://{}/print-sources.html", book.display()));
    let check = b.eval(&format!(
        r##"(() => {{
            const hrefs = {};
            const bad = hrefs.filter(h => {{
                const target = document.getElementById(h.split('#')[1]);
                return !target || !target.closest('.print-source');
            }});
            const passage = hrefs.find(h => h.includes('-q-'));
            const target = document.getElementById(passage.split('#')[1]);
            let next = target.nextElementSibling;
            while (next && next.tagName === 'SPAN' && next.id && !next.textContent) next = next.nextElementSibling;
            return {{ bad, marked: !!next && next.tagName === 'MARK' }};
        }})()"##,
        serde_json::to_string(&notes).unwrap()
    ));
    assert_eq!(check, json!({ "bad": [], "marked": true }));
    let appendix = pdf(&mut b);
    assert!(appendix >= 5, "the appendix prints to {appendix} pages");
    assert!(b.console().is_empty(), "{:?}", b.console());
}

#[test]
fn print_html_can_be_turned_off_and_then_nothing_links_to_it() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    assert!(t.read("book/index.html").contains("href=\"print.html\""));
    assert!(
        t.read("book/index.html")
            .contains("href=\"print-sources.html\"")
    );
    assert!(t.read("book/print.html").contains("id=\"n-ministry\""));
    assert!(
        t.read("book/print-sources.html")
            .contains("id=\"s-report-a\"")
    );
    let book = fs::read_to_string(t.path().join("book.toml")).unwrap();
    let t = t.file(
        "book.toml",
        &format!("{book}\n[output.html.print]\nenable = false\n"),
    );
    t.run(&["build"]).expect_success();
    for page in ["print.html", "print-sources.html"] {
        assert!(
            !t.exists(&format!("book/{page}")),
            "the old {page} is removed"
        );
        assert!(!t.read("book/index.html").contains(page));
    }
}
