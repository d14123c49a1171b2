//! Search: the index built with the site (`searchindex.js`), what it holds,
//! where its links lead and how big it is; the search page in a real
//! browser, from `file://` and over HTTP under a sub-path; and the page
//! without JavaScript.
//!
//! The browser tests need Chromium from Debian's packages (`.ci/run`
//! installs it); without it they fail and say so — they never skip.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::BriefingTest;
use support::browser::{Browser, StaticServer};

/// The shipped briefing, built into `site/` of a temporary copy, with
/// extra `build` arguments.
fn shipped(args: &[&str]) -> (BriefingTest, PathBuf) {
    let t = BriefingTest::shipped();
    let site = t.path().join("site");
    let mut all = vec!["build", "--dest-dir", site.to_str().unwrap()];
    all.extend_from_slice(args);
    t.run(&all).expect_success();
    (t, site)
}

/// One document of the index, as the search page reads it.
#[derive(Debug, Clone)]
struct Doc {
    kind: String,
    title: String,
    url: String,
    text: String,
}

/// `searchindex.js` read back: documents, and per term the documents that
/// hold it (number, count in the text, in the title).
struct Index {
    docs: Vec<Doc>,
    postings: BTreeMap<String, Vec<(usize, u32, bool)>>,
    bytes: usize,
}

fn numbers(s: &str) -> Vec<u32> {
    const LAST: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
    const MORE: &str = "WXYZabcdefghijklmnopqrstuvwxyz-_";
    let (mut out, mut n, mut scale) = (Vec::new(), 0u32, 1u32);
    for c in s.chars() {
        if let Some(d) = MORE.find(c) {
            n += d as u32 * scale;
            scale *= 32;
        } else {
            let d = LAST.find(c).unwrap_or_else(|| panic!("{c:?} is no digit"));
            out.push(n + d as u32 * scale);
            (n, scale) = (0, 1);
        }
    }
    assert_eq!(scale, 1, "a number is cut short in {s:?}");
    out
}

fn read_index(site: &Path) -> Index {
    let text = fs::read_to_string(site.join("searchindex.js")).expect("searchindex.js");
    let json = text
        .strip_prefix("window.briefingSearchIndex=")
        .and_then(|t| t.trim_end().strip_suffix(';'))
        .expect("a script that sets window.briefingSearchIndex");
    let raw: Value = serde_json::from_str(json).expect("the index is JSON");
    assert_eq!(raw["v"], 1);
    let kinds = raw["kinds"].as_array().unwrap();
    let mut docs = Vec::new();
    let mut source: Option<Doc> = None;
    for d in raw["docs"].as_array().unwrap() {
        let d = d.as_array().unwrap();
        if d.len() == 2 {
            let s = source.as_ref().expect("a paragraph follows its source");
            let n = d[0].as_u64().unwrap();
            docs.push(Doc {
                kind: format!("{}, paragraph {n}", s.kind),
                title: s.title.clone(),
                url: format!("{}#p-{n}", s.url),
                text: d[1].as_str().unwrap().to_owned(),
            });
            continue;
        }
        let k = d[0].as_u64().unwrap() as usize;
        let doc = Doc {
            kind: kinds[k][0].as_str().unwrap().to_owned(),
            title: d[2].as_str().unwrap().to_owned(),
            url: format!(
                "{}/{}.html",
                kinds[k][1].as_str().unwrap(),
                d[1].as_str().unwrap()
            ),
            text: d[3].as_str().unwrap().to_owned(),
        };
        if k == kinds.len() - 1 {
            source = Some(doc.clone());
        }
        docs.push(doc);
    }
    let terms: Vec<&str> = raw["terms"].as_str().unwrap().split(' ').collect();
    let lists = raw["postings"].as_array().unwrap();
    assert_eq!(terms.len(), lists.len(), "one posting list per term");
    let mut sorted = terms.clone();
    sorted.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    assert_eq!(terms, sorted, "terms sorted as JavaScript compares them");
    let mut postings = BTreeMap::new();
    for (term, list) in terms.iter().zip(lists) {
        let nums = numbers(list.as_str().unwrap());
        let (mut out, mut i, mut next) = (Vec::new(), 0, 0usize);
        while i < nums.len() {
            let v = nums[i];
            i += 1;
            let doc = next + (v / 2) as usize;
            next = doc + 1;
            let (count, title) = if v % 2 == 1 {
                i += 1;
                (nums[i - 1] / 2, nums[i - 1] % 2 == 1)
            } else {
                (1, false)
            };
            assert!(doc < docs.len(), "{term}: document {doc} of {}", docs.len());
            out.push((doc, count, title));
        }
        postings.insert((*term).to_owned(), out);
    }
    Index {
        docs,
        postings,
        bytes: text.len(),
    }
}

impl Index {
    fn docs_with(&self, term: &str) -> Vec<&Doc> {
        self.postings
            .get(term)
            .unwrap_or_else(|| panic!("no term {term:?} in the index"))
            .iter()
            .map(|&(d, ..)| &self.docs[d])
            .collect()
    }
}

/// The text of paragraph `<p id="p-N">…` of a source page as a reader
/// sees it: no tags, no paragraph number or ↩ links, spaces collapsed.
fn page_text(html: &str, id: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            '↩' => {}
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .trim_start()
        .strip_prefix(id.trim_start_matches("p-"))
        .unwrap()
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn html_bytes(site: &Path) -> u64 {
    support::html_files(site)
        .iter()
        .map(|p| fs::metadata(p).unwrap().len())
        .sum()
}

#[test]
fn the_index_holds_the_notes_and_every_source_paragraph_links_to_them_and_is_small() {
    let (_t, site) = shipped(&[]);
    let index = read_index(&site);

    // Every note, with its kind and title.
    let notes: Vec<&Doc> = index
        .docs
        .iter()
        .filter(|d| !d.url.starts_with("sources/"))
        .collect();
    let pages = ["who", "what", "responses", "questions"]
        .iter()
        .map(|dir| support::html_files(&site.join(dir)).len() - 1)
        .sum::<usize>();
    assert_eq!(notes.len(), pages, "one document per note page");
    let apt31 = index
        .docs
        .iter()
        .find(|d| d.url == "who/apt31.html")
        .unwrap();
    assert_eq!(
        (apt31.kind.as_str(), apt31.title.as_str()),
        ("Actor", "APT31")
    );
    let breach = index
        .docs
        .iter()
        .find(|d| d.url == "what/electoral-commission-breach.html")
        .unwrap();
    assert_eq!(breach.kind, "Event");
    assert!(breach.text.contains("Electoral Commission"), "{breach:?}");
    // Claim text is plain text: no markdown link syntax, no HTML.
    assert!(
        !notes.iter().any(|d| d.text.contains("](note:")),
        "markdown left in the index"
    );

    // Every source, and each of its paragraphs numbered as on its page.
    for page in support::html_files(&site.join("sources")) {
        let name = page.file_name().unwrap().to_str().unwrap();
        if name == "index.html" {
            continue;
        }
        let url = format!("sources/{name}");
        let html = fs::read_to_string(&page).unwrap();
        let on_page = briefing::links::scan(&html)
            .ids
            .iter()
            .filter(|id| id.starts_with("p-"))
            .count();
        let prefix = format!("{url}#p-");
        let indexed: Vec<&Doc> = index
            .docs
            .iter()
            .filter(|d| d.url.starts_with(&prefix))
            .collect();
        assert_eq!(indexed.len(), on_page, "paragraphs of {url}");
        assert!(
            index
                .docs
                .iter()
                .any(|d| d.url == url && d.kind == "Source")
        );
        // Paragraph N of the index is paragraph N of the page.
        for d in indexed {
            let id = &d.url[url.len() + 1..];
            let start = html.find(&format!("<p id=\"{id}\">")).unwrap();
            let para = &html[start..start + html[start..].find("</p>").unwrap()];
            assert_eq!(page_text(para, id), d.text, "{}", d.url);
        }
    }

    // Terms went through the English pipeline: stemmed, stop words gone.
    assert!(index.docs_with("apt31").iter().any(|d| d.title == "APT31"));
    let electoral = index.docs_with("elector");
    assert!(electoral.iter().any(|d| d.url.contains("#p-")));
    assert!(electoral.iter().any(|d| d.kind == "Event"));
    for stop in ["the", "and", "of"] {
        assert!(!index.postings.contains_key(stop), "stop word {stop}");
    }
    let in_title = &index.postings["apt31"];
    assert!(
        in_title
            .iter()
            .any(|&(d, _, t)| t && index.docs[d].title == "APT31")
    );

    // Every URL leads to a page of the site and, for a paragraph, to its id.
    for d in &index.docs {
        let (path, fragment) = d.url.split_once('#').unwrap_or((&d.url, ""));
        let file = site.join(path);
        assert!(file.is_file(), "{} leads nowhere", d.url);
        if !fragment.is_empty() {
            let html = fs::read_to_string(&file).unwrap();
            assert!(
                briefing::links::scan(&html)
                    .ids
                    .iter()
                    .any(|id| id == fragment),
                "{} has no #{fragment}",
                d.url
            );
        }
    }

    // Small: under 15% of the site's HTML.
    let html = html_bytes(&site);
    let ratio = index.bytes as f64 / html as f64;
    println!(
        "shipped briefing: {} documents, {} terms, searchindex.js {} bytes, HTML {html} bytes: {:.1}%",
        index.docs.len(),
        index.postings.len(),
        index.bytes,
        ratio * 100.0
    );
    assert!(
        ratio < 0.15,
        "the index is {:.1}% of the HTML",
        ratio * 100.0
    );
}

#[test]
fn every_page_has_a_search_form_and_the_search_page_reads_without_javascript() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    let front = t.read("book/index.html");
    assert!(
        front.contains(
            r#"<form class="site-search" role="search" action="search.html" method="get">"#
        )
    );
    let note = t.read("book/who/ministry.html");
    assert!(note.contains(r#"action="../search.html""#), "{note}");
    let search = t.read("book/search.html");
    assert!(search.contains(r#"<input type="search" id="search-query" name="q""#));
    assert!(search.contains(r#"data-index="searchindex.js""#));
    assert!(search.contains("needs JavaScript"));
    for part in ["who/index.html", "what/index.html", "sources/index.html"] {
        assert!(search.contains(&format!("href=\"{part}\"")), "{part}");
    }
    assert!(
        !search.contains("site-search"),
        "one search form on the search page"
    );
    assert!(t.exists("book/searchindex.js"));
    assert!(t.exists("book/static/search.js"));
    assert!(t.exists("book/static/elasticlunr.min.js"));
    assert!(t.exists("book/static/elasticlunr.LICENSE.txt"));
    // No other page runs a script but the quote-context one every page has.
    for page in support::html_files(&t.path().join("book")) {
        if !page.ends_with("search.html") {
            let html = fs::read_to_string(&page).unwrap();
            let scripts: Vec<&str> = html.split("<script").skip(1).collect();
            assert_eq!(scripts.len(), 1, "{}", page.display());
            let tag = scripts[0].split("</script>").next().unwrap();
            assert!(
                [
                    r#" src="static/context.js" defer>"#,
                    r#" src="../static/context.js" defer>"#,
                    r#" src="/static/context.js" defer>"#,
                ]
                .contains(&tag),
                "<script{tag} on {}",
                page.display()
            );
        }
    }
    // The 404 page's form works at any depth.
    assert!(t.read("book/404.html").contains(r#"action="/search.html""#));
}

#[test]
fn the_search_page_can_be_overridden_like_the_others() {
    let t = BriefingTest::new("basic").file(
        "templates/search.html",
        "{% extends \"base.html\" %}{% block content %}<p>Our own search page</p>{% endblock content %}",
    );
    t.run(&["build"]).expect_success();
    assert!(t.read("book/search.html").contains("Our own search page"));
}

/// The results on the page: kind, title, link, and the highlighted words.
fn results(b: &mut Browser) -> Vec<Value> {
    let v = b.eval(
        r#"[...document.querySelectorAll('#search-results > li')].map(li => ({
            kind: li.querySelector('.search-kind').textContent,
            title: li.querySelector('.search-title a').textContent,
            href: li.querySelector('.search-title a').getAttribute('href'),
            url: li.querySelector('.search-title a').href,
            marks: [...li.querySelectorAll('.search-snippet mark')].map(m => m.textContent),
            all_marks: [...li.querySelectorAll('mark')].map(m => m.textContent),
            snippet: (li.querySelector('.search-snippet') || {}).textContent || '',
        }))"#,
    );
    v.as_array().unwrap().clone()
}

/// Waits until the page shows the results of `query` itself: while a query
/// is typed, the page may search for the part typed so far (a slow machine
/// types slowly), and those results can come first.
fn wait_for_results_of(b: &mut Browser, query: &str) {
    b.wait_for(&format!(
        "document.getElementById('search-status').textContent.includes({}) \
         && document.querySelectorAll('#search-results > li').length > 0",
        json!(format!("for “{query}”"))
    ));
}

fn assert_quiet(b: &mut Browser, what: &str) {
    let console = b.console();
    assert!(console.is_empty(), "console on {what}: {console:?}");
}

/// Checks the results of "APT31" and "Electoral Commission" on the shipped
/// briefing: kind, title, link and highlighted snippet.
fn check_apt31(found: &[Value]) {
    let first = &found[0];
    assert_eq!(first["title"], "APT31", "{found:#?}");
    assert_eq!(first["kind"], "Actor");
    assert_eq!(first["href"], "who/apt31.html");
    assert!(
        first["marks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.as_str().unwrap().eq_ignore_ascii_case("APT31")),
        "{first:#}"
    );
    assert!(!first["marks"].as_array().unwrap().is_empty(), "{first:#}");
    // Source paragraphs are found too, and link to their paragraph.
    let para = found
        .iter()
        .find(|r| r["href"].as_str().unwrap().contains("#p-"))
        .expect("a source paragraph among the results");
    assert!(
        para["kind"]
            .as_str()
            .unwrap()
            .starts_with("Source, paragraph ")
    );
    assert!(para["href"].as_str().unwrap().starts_with("sources/"));
    assert!(para["snippet"].as_str().unwrap().contains("APT31"));
}

fn check_electoral_commission(found: &[Value]) {
    let titles: Vec<&str> = found.iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles[0], "Electoral Commission", "{titles:?}");
    assert_eq!(found[0]["kind"], "Actor");
    assert!(
        found
            .iter()
            .any(|r| r["kind"] == "Event" && r["href"] == "what/electoral-commission-breach.html"),
        "{titles:?}"
    );
    // Every result shows where it matched.
    for r in found {
        let marks = r["all_marks"].as_array().unwrap();
        assert!(
            marks.iter().any(|m| {
                let m = m.as_str().unwrap().to_lowercase();
                m.starts_with("elector") || m.starts_with("commission")
            }),
            "{r:#}"
        );
    }
}

#[test]
fn typing_a_query_finds_notes_and_source_paragraphs_from_file_urls() {
    let (_t, site) = shipped(&[]);
    let mut b = Browser::launch();
    let url = format!("file://{}/search.html", site.display());
    b.open(&url);
    assert_eq!(
        b.eval("document.getElementById('search-nojs').hidden"),
        json!(true),
        "the no-JavaScript note is hidden when the script runs"
    );
    b.focus("#search-query");
    b.type_text("APT31");
    wait_for_results_of(&mut b, "APT31");
    check_apt31(&results(&mut b));
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts/search/file-apt31.png");
    b.screenshot(&shot);

    // A new query replaces the results.
    b.eval("document.getElementById('search-query').select()");
    b.type_text("Electoral Commission");
    wait_for_results_of(&mut b, "Electoral Commission");
    check_electoral_commission(&results(&mut b));

    // A word being typed already matches the words it begins.
    b.eval("document.getElementById('search-query').select()");
    b.type_text("sanctio");
    b.wait_for("document.querySelectorAll('#search-results mark').length > 0 && document.getElementById('search-status').textContent.includes('sanctio')");
    let marks = b.eval("[...document.querySelectorAll('#search-results mark')].map(m => m.textContent.toLowerCase())");
    assert!(
        marks
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.as_str().unwrap().starts_with("sanction")),
        "{marks}"
    );

    // Nothing found is said so.
    b.eval("document.getElementById('search-query').select()");
    b.type_text("xylophonequartz");
    b.wait_for("document.getElementById('search-status').textContent.startsWith('Nothing found')");
    assert_eq!(
        b.eval("document.querySelectorAll('#search-results > li').length"),
        json!(0)
    );

    // The link of a paragraph result opens the source at that paragraph.
    b.open(&format!("{url}?q=APT31"));
    wait_for_results_of(&mut b, "APT31");
    let target = b.eval(
        "[...document.querySelectorAll('#search-results .search-title a')].find(a => a.getAttribute('href').includes('#p-')).href",
    );
    let target = target.as_str().unwrap().to_owned();
    b.open(&target);
    let hash = target.rsplit_once('#').unwrap().1;
    assert_eq!(
        b.eval(&format!("!!document.getElementById({})", json!(hash))),
        json!(true),
        "{target}"
    );
    assert_quiet(&mut b, &url);
}

#[test]
fn searching_works_under_a_sub_path_over_http_from_the_form_on_every_page() {
    // The site as a host would serve it under /briefing/.
    let (t, built) = shipped(&["--site-url", "/briefing/"]);
    let host = t.path().join("host");
    fs::create_dir_all(&host).unwrap();
    fs::rename(&built, host.join("briefing")).unwrap();
    let server = StaticServer::start(&host);
    let mut b = Browser::launch();

    // A query in the address (as the form in every page's header sends).
    let url = server.url("briefing/search.html?q=Electoral+Commission");
    b.open(&url);
    wait_for_results_of(&mut b, "Electoral Commission");
    let found = results(&mut b);
    check_electoral_commission(&found);
    let prefix = server.url("briefing/");
    for r in &found {
        assert!(r["url"].as_str().unwrap().starts_with(&prefix), "{r:#}");
    }
    assert_eq!(
        b.eval("document.getElementById('search-query').value"),
        json!("Electoral Commission")
    );

    // The form in the header of a note page, as a person would use it.
    b.open(&server.url("briefing/who/apt31.html"));
    b.focus(".site-search input[name=q]");
    b.type_text("APT31");
    b.press("Enter");
    b.wait_for_document("location.pathname.endsWith('/briefing/search.html')");
    wait_for_results_of(&mut b, "APT31");
    check_apt31(&results(&mut b));
    assert_eq!(b.eval("location.search"), json!("?q=APT31"));

    // Following the first result.
    b.eval("document.querySelector('#search-results .search-title a').click()");
    b.wait_for_document("location.pathname.endsWith('/briefing/who/apt31.html')");
    assert_eq!(
        b.eval("document.querySelector('h1').textContent"),
        json!("APT31")
    );
    assert_quiet(&mut b, &url);
}

#[test]
fn without_javascript_the_search_page_says_so_and_points_to_the_parts() {
    let (_t, site) = shipped(&[]);
    let mut b = Browser::launch();
    b.call(
        "Emulation.setScriptExecutionDisabled",
        json!({"value": true}),
    );
    b.open(&format!("file://{}/search.html?q=APT31", site.display()));
    let note = b.eval("(() => { const n = document.getElementById('search-nojs'); return n.hidden ? '' : n.innerText; })()");
    let note = note.as_str().unwrap();
    assert!(note.contains("needs JavaScript"), "{note:?}");
    for part in [
        "Who",
        "What happened",
        "Responses",
        "Open questions",
        "Sources",
    ] {
        assert!(note.contains(part), "{part} in {note:?}");
    }
    assert_eq!(
        b.eval("document.querySelectorAll('#search-results > li').length"),
        json!(0)
    );
}
