//! `print.html`: the whole briefing on one page, its numbered citation
//! notes, and how it prints.

mod support;

use std::fs;
use std::path::Path;

use serde_json::json;
use support::BriefingTest;
use support::browser::Browser;

fn shipped() -> BriefingTest {
    let t = BriefingTest::shipped();
    t.run(&["build"]).expect_success();
    t
}

/// Every citation of the site, counted on the pages: the citation markers
/// of the front page and of every note page.
fn citations_on_pages(site: &Path) -> usize {
    let mut pages = vec![site.join("index.html")];
    for part in ["who", "what", "responses", "questions"] {
        for entry in fs::read_dir(site.join(part)).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n != "index.html") {
                pages.push(path);
            }
        }
    }
    pages
        .iter()
        .map(|p| {
            let page = fs::read_to_string(p).unwrap();
            // Citations are links beside a claim, note numbers in the front
            // page's summary, or the items of its lists' quiet evidence.
            page.matches("class=\"cite-ref\"").count()
                + page.matches("class=\"fn-ref\"").count()
                + page.matches("<li class=\"cite\">").count()
        })
        .sum()
}

#[test]
fn print_html_holds_every_note_and_source_in_order_with_every_citation_numbered() {
    let t = shipped();
    let print = t.read("book/print.html");
    // Parts in reading order, then the sources.
    let order: Vec<usize> = [
        "id=\"summary\"",
        "id=\"part-who\"",
        "id=\"part-what\"",
        "id=\"part-responses\"",
        "id=\"part-questions\"",
        "id=\"part-sources\"",
    ]
    .iter()
    .map(|id| {
        print
            .find(id)
            .unwrap_or_else(|| panic!("{id} in print.html"))
    })
    .collect();
    assert!(order.is_sorted(), "parts out of order: {order:?}");
    // Every note and every source, each once.
    for (dir, prefix) in [
        ("content/who", "n-"),
        ("content/what", "n-"),
        ("content/responses", "n-"),
        ("content/questions", "n-"),
    ] {
        for entry in fs::read_dir(t.path().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let id = path.file_stem().unwrap().to_string_lossy();
            let needle = format!("<article class=\"print-note\" id=\"{prefix}{id}\"");
            assert_eq!(print.matches(&needle).count(), 1, "{needle}");
        }
    }
    for entry in fs::read_dir(t.path().join("content/sources")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let id = path.file_stem().unwrap().to_string_lossy();
            assert!(print.contains(&format!("<section class=\"print-source\" id=\"s-{id}\"")));
        }
    }
    // One numbered note per citation of the site, each with its marker.
    let citations = citations_on_pages(&t.path().join("book"));
    assert!(
        citations > 800,
        "the shipped briefing has {citations} citations"
    );
    assert_eq!(print.matches("<sup class=\"fn-ref\">").count(), citations);
    let endnotes = print.split("<ol class=\"endnotes\">").skip(1);
    let listed: usize = endnotes
        .map(|list| {
            list[..list.find("</ol>").unwrap()]
                .matches("<li id=")
                .count()
        })
        .sum();
    assert_eq!(listed, citations);
    // It links to no other page of the site: it is one document.
    for href in support::attribute_values(&print, "href") {
        assert!(
            href.starts_with('#')
                || href.starts_with("static/")
                || !href.ends_with(".html")
                || ["index.html", "print.html"].contains(&href.as_str())
                || href.ends_with("/index.html"),
            "print.html links out to {href}"
        );
    }
}

#[test]
fn in_the_browser_every_citation_link_of_print_html_lands_within_it_and_print_hides_the_chrome() {
    let t = shipped();
    let url = format!("file://{}/book/print.html", t.path().display());
    let mut b = Browser::launch();
    b.open(&url);
    // Every in-page link, citation markers and notes included, has a target.
    let report = b.eval(
        r##"(() => {
            const links = [...document.querySelectorAll('main a[href^="#"]')];
            const missing = links.map(a => a.getAttribute('href'))
                .filter(h => !document.getElementById(decodeURIComponent(h.slice(1))));
            const notes = [...document.querySelectorAll('.endnotes li')];
            const toSources = notes.filter(li => {
                const target = document.getElementById(li.querySelector('a').getAttribute('href').slice(1));
                return target && target.closest('.print-source');
            });
            return { links: links.length, missing, notes: notes.length, toSources: toSources.length };
        })()"##,
    );
    assert_eq!(report["missing"], json!([]), "{report}");
    let notes = report["notes"].as_u64().unwrap();
    assert!(notes > 800, "{report}");
    assert_eq!(
        report["toSources"].as_u64(),
        Some(notes),
        "every note leads into the sources section: {report}"
    );
    // Following a note's link scrolls to the quoted passage.
    let landed = b.eval(
        r##"(() => {
            const a = document.querySelector('.endnotes li a[href*="-q-"]');
            a.click();
            const target = document.getElementById(location.hash.slice(1));
            // Passages that start at the same place have their anchors side
            // by side, before the one mark.
            let next = target.nextElementSibling;
            while (next && next.tagName === 'SPAN' && next.id && !next.textContent) next = next.nextElementSibling;
            return { hash: location.hash, marked: !!next && next.tagName === 'MARK',
                     visible: Math.abs(target.getBoundingClientRect().top) < innerHeight };
        })()"##,
    );
    assert_eq!(landed["marked"], json!(true), "{landed}");
    assert_eq!(landed["visible"], json!(true), "{landed}");
    // In print, the sidebar, header and pager are gone and each part starts
    // a page.
    b.call("Emulation.setEmulatedMedia", json!({ "media": "print" }));
    let printed = b.eval(
        r##"(() => ({
            sidebar: getComputedStyle(document.querySelector('.sidebar')).display,
            header: getComputedStyle(document.querySelector('.top')).display,
            part: getComputedStyle(document.querySelector('#part-what')).breakBefore,
        }))()"##,
    );
    assert_eq!(
        printed,
        json!({ "sidebar": "none", "header": "none", "part": "page" })
    );
    assert!(b.console().is_empty(), "{:?}", b.console());
}

#[test]
fn print_html_can_be_turned_off_and_then_nothing_links_to_it() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    assert!(t.read("book/index.html").contains("href=\"print.html\""));
    assert!(t.read("book/print.html").contains("id=\"n-ministry\""));
    let book = fs::read_to_string(t.path().join("book.toml")).unwrap();
    let t = t.file(
        "book.toml",
        &format!("{book}\n[output.html.print]\nenable = false\n"),
    );
    t.run(&["build"]).expect_success();
    assert!(
        !t.exists("book/print.html"),
        "the old print.html is removed"
    );
    assert!(!t.read("book/index.html").contains("print.html"));
}
