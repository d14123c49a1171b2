//! `briefing add`: web pages, PDFs and text files in, sources out. Run for
//! real on the `basic` fixture with the documents of `tests/fixtures/add/`
//! (HTML pages with the chrome real pages have; PDFs made with
//! `make-pdfs.sh`), and URLs served by a local test server.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use briefing::integrity::sha256_hex;
use support::BriefingTest;

fn fixture(name: &str) -> String {
    support::fixtures()
        .join("add")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn yaml(t: &BriefingTest, rel: &str) -> serde_yaml::Value {
    serde_yaml::from_str(&t.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Collapses white space, as a reader (and the quote matcher) sees text.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The source files `add` wrote for `id`, checked for what every added
/// source has: the text's hash, today's `retrieved`, and the original kept
/// byte for byte with its hash. Returns the text and the metadata.
fn added(
    t: &BriefingTest,
    id: &str,
    original: Option<(&str, &[u8])>,
) -> (String, serde_yaml::Value) {
    let text = t.read(&format!("content/sources/{id}.txt"));
    let meta = yaml(t, &format!("content/sources/{id}.yaml"));
    assert_eq!(
        meta["sha256"].as_str(),
        Some(sha256_hex(text.as_bytes()).as_str())
    );
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(meta["retrieved"].as_str(), Some(today.as_str()));
    match original {
        Some((ext, bytes)) => {
            let file = format!("originals/{id}.{ext}");
            assert_eq!(meta["original"]["file"].as_str(), Some(file.as_str()));
            assert_eq!(
                meta["original"]["sha256"].as_str(),
                Some(sha256_hex(bytes).as_str())
            );
            let kept = std::fs::read(t.path().join("content/sources").join(&file)).unwrap();
            assert!(kept == bytes, "the original is kept byte for byte");
        }
        None => assert!(meta.get("original").is_none(), "{meta:?}"),
    }
    (text, meta)
}

/// `check` accepts the briefing with the new source: no error.
fn checks_clean(t: &BriefingTest) {
    t.run(&["check"]).expect_success().expect_no_stderr("error");
}

#[test]
fn a_web_page_becomes_its_article_without_the_chrome_around_it() {
    let t = BriefingTest::new("basic");
    let page = fixture("article.html");
    let run = t.run(&["add", &page]).expect_success();
    let id = "water-board-confirms-ransomware-attack";
    let err = run.stderr();
    assert!(
        err.contains(&format!("added `{id}`: “Water board confirms ransomware attack on billing systems”, the page's main text")),
        "{err}"
    );
    assert!(err.contains("add: 1 added"), "{err}");
    let bytes = std::fs::read(&page).unwrap();
    let (text, meta) = added(&t, id, Some(("html", &bytes)));
    let text = flat(&text);
    for kept in [
        "a ransomware attack had disrupted its billing systems for nine days",
        "\"no ransom has been or will be paid\"",
        "about 210,000 customers",
        "The National Cyber Incident Unit said it was supporting the investigation",
        "fell by a fifth between 2019 and 2023",
    ] {
        assert!(text.contains(kept), "lost {kept:?}:\n{text}");
    }
    for chrome in [
        "cookies",
        "Subscribe",
        "Sport",
        "Related stories",
        "Council tax",
        "harbourdweller",
        "Typical. My bill",
        "Change your bank passwords",
        "All rights reserved",
        "Privacy",
    ] {
        assert!(!text.contains(chrome), "kept {chrome:?}:\n{text}");
    }
    assert_eq!(
        meta["title"].as_str(),
        Some("Water board confirms ransomware attack on billing systems")
    );
    assert_eq!(meta["publisher"].as_str(), Some("The Harbour Gazette"));
    assert_eq!(meta["author"].as_str(), Some("Priya Natarajan"));
    assert_eq!(meta["published"].as_str(), Some("2024-05-14"));
    assert_eq!(meta["language"].as_str(), Some("en-GB"));
    assert_eq!(meta["translation"].as_str(), Some("none"));
    checks_clean(&t);
    // The new source is built like any other, its facts on its page.
    t.run(&["build"]).expect_success();
    let page = t.read(&format!("book/sources/{id}.html"));
    assert!(
        page.contains("Priya Natarajan") && page.contains("14 May 2024"),
        "{page}"
    );
}

#[test]
fn a_page_with_json_ld_gets_its_dates_and_names() {
    let t = BriefingTest::new("basic");
    t.run(&["add", &fixture("jsonld.html"), "--id", "outage-review"])
        .expect_success();
    let bytes = std::fs::read(fixture("jsonld.html")).unwrap();
    let (text, meta) = added(&t, "outage-review", Some(("html", &bytes)));
    assert_eq!(meta["published"].as_str(), Some("2024-02-29"));
    assert_eq!(meta["author"].as_str(), Some("Tomás Ferreira"));
    assert_eq!(
        meta["title"].as_str(),
        Some("Ministry publishes review of the 2023 outage")
    );
    assert!(
        flat(&text).contains("It makes fourteen recommendations"),
        "{text}"
    );
    assert!(!text.contains("Latest"), "{text}");
    checks_clean(&t);
}

#[test]
fn a_page_whose_article_cannot_be_found_is_kept_whole_and_said_so() {
    let t = BriefingTest::new("basic");
    let run = t
        .run(&["add", &fixture("no-article.html")])
        .expect_success();
    run.expect_stderr("so the whole page's text was kept (the full-text fallback)");
    let id = "incident-status-board";
    let bytes = std::fs::read(fixture("no-article.html")).unwrap();
    let (text, _) = added(&t, id, Some(("html", &bytes)));
    for cell in [
        "Customer portal",
        "4 hour backlog",
        "Data centre B",
        "by the duty team",
    ] {
        assert!(text.contains(cell), "lost {cell:?}:\n{text}");
    }
    let meta = t.read(&format!("content/sources/{id}.yaml"));
    assert!(
        meta.contains("# NOTE: the page does not look like an article"),
        "{meta}"
    );
    checks_clean(&t);
}

#[test]
fn a_pdf_becomes_its_text_in_reading_order() {
    let t = BriefingTest::new("basic");
    t.run(&[
        "add",
        &fixture("single.pdf"),
        &fixture("two-columns-untagged.pdf"),
        &fixture("ligatures.pdf"),
    ])
    .expect_success()
    .expect_stderr("add: 3 added");
    let ids: Vec<String> = std::fs::read_dir(t.path().join("content/sources"))
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".txt").map(str::to_owned))
        .filter(|n| !n.starts_with("report-"))
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let text_of = |fixture_name: &str| {
        let bytes = std::fs::read(fixture(fixture_name)).unwrap();
        let id = ids
            .iter()
            .find(|id| {
                let meta = t.read(&format!("content/sources/{id}.yaml"));
                meta.contains(&sha256_hex(&bytes))
            })
            .unwrap_or_else(|| panic!("no source kept {fixture_name}"));
        added(&t, id, Some(("pdf", &bytes))).0
    };
    let single = flat(&text_of("single.pdf"));
    assert!(
        single.contains("The attacker replaced the release tarball on 29 March 2024."),
        "{single}"
    );
    // Two columns: every paragraph of the left one before the right one's.
    let columns = flat(&text_of("two-columns-untagged.pdf"));
    let order: Vec<usize> = [
        "Alpha.", "Bravo.", "Charlie.", "Delta.", "Echo.", "Foxtrot.", "Golf.", "Hotel.",
    ]
    .iter()
    .map(|m| {
        columns
            .find(m)
            .unwrap_or_else(|| panic!("no {m} in {columns}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "out of order: {order:?}\n{columns}"
    );
    // Ligatures are letters again, so quotes typed with them are found.
    let ligatures = flat(&text_of("ligatures.pdf"));
    assert!(
        !ligatures.contains(|c: char| ('\u{FB00}'..='\u{FB06}').contains(&c)),
        "{ligatures}"
    );
    for word in ["official", "financial", "staff", "afflicted", "workflow"] {
        assert!(ligatures.contains(word), "no {word:?} in {ligatures}");
    }
    checks_clean(&t);
}

#[test]
fn a_damaged_pdf_is_refused_and_nothing_is_written() {
    let t = BriefingTest::new("basic");
    let bytes = std::fs::read(fixture("single.pdf")).unwrap();
    let truncated = t.path().join("truncated.pdf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let junk = t.path().join("junk.bin");
    std::fs::write(&junk, [0u8, 159, 146, 150, 1, 2, 3]).unwrap();
    let before = support::tree(&t.path().join("content"));
    t.run(&["add", "truncated.pdf", "junk.bin"])
        .expect_code(2)
        .expect_stderr("error: cannot add truncated.pdf: the PDF is incomplete")
        .expect_stderr("error: cannot add junk.bin: not a web page, PDF, text or markdown file")
        .expect_stderr("add: 0 added, 2 failed");
    assert!(
        support::tree(&t.path().join("content")) == before,
        "nothing written"
    );
}

#[test]
fn text_and_markdown_are_added_as_they_are() {
    let t = BriefingTest::new("basic");
    let md = "# Statement by the board\n\nThe board regrets the *disruption* to customers.\n";
    std::fs::write(t.path().join("statement.md"), md).unwrap();
    t.run(&["add", "statement.md"]).expect_success();
    let (text, meta) = added(&t, "statement-by-the-board", None);
    assert_eq!(text, md, "byte for byte");
    assert_eq!(meta["title"].as_str(), Some("Statement by the board"));
    // The book's language, said to be a guess.
    let raw = t.read("content/sources/statement-by-the-board.yaml");
    assert!(raw.contains("language: \"en\"   # from book.toml"), "{raw}");
    checks_clean(&t);
}

#[test]
fn a_document_already_there_is_said_to_be_there() {
    let t = BriefingTest::new("basic");
    let page = fixture("article.html");
    t.run(&["add", &page]).expect_success();
    let before = support::tree(&t.path().join("content"));
    t.run(&["add", &page])
        .expect_success()
        .expect_stderr("is already there: source `water-board-confirms-ransomware-attack` has the same original document; nothing written")
        .expect_stderr("add: 0 added, 1 already there");
    // A source's text added again as a file: the same text.
    t.run(&["add", "content/sources/report-a.txt"])
        .expect_success()
        .expect_stderr("source `report-a` has the same text");
    assert!(
        support::tree(&t.path().join("content")) == before,
        "nothing written"
    );
    // Another document with the same title gets a new ID, never the old one.
    let other = page.replace("article.html", "jsonld.html");
    let html = std::fs::read_to_string(&other).unwrap().replace(
        "Ministry publishes review of the 2023 outage",
        "Water board confirms ransomware attack on billing systems",
    );
    std::fs::write(t.path().join("same-title.html"), html).unwrap();
    t.run(&["add", "same-title.html"])
        .expect_success()
        .expect_stderr("added `water-board-confirms-ransomware-attack-2`");
    std::fs::write(t.path().join("new.txt"), "A new statement.\n").unwrap();
    t.run(&["add", "new.txt", "--id", "report-a"])
        .expect_code(2)
        .expect_stderr("a source `report-a` exists already");
}

// --------------------------------------------------------------- URLs

/// A local HTTP server answering each request by its path: `/story` the
/// article page, `/big` three megabytes, `/slow` nothing at all, anything
/// else 404. Serves until the test ends.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let page = std::fs::read(fixture("article.html")).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let page = page.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                let _ = reader.read_line(&mut request);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request.split(' ').nth(1).unwrap_or("/").to_owned();
                let (status, body): (&str, Vec<u8>) = match path.as_str() {
                    "/story" => ("200 OK", page),
                    "/big" => ("200 OK", vec![b'a'; 3_000_000]),
                    "/slow" => {
                        // Holds the connection open until the client gives up.
                        let _ = reader.read_line(&mut line);
                        return;
                    }
                    _ => ("404 Not Found", b"not here".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_url_is_fetched_and_recorded() {
    let t = BriefingTest::new("basic");
    let base = serve();
    let url = format!("{base}/story");
    t.run(&["add", &url])
        .expect_success()
        .expect_no_stderr("plain HTTP")
        .expect_stderr("the page as fetched");
    let id = "water-board-confirms-ransomware-attack";
    let bytes = std::fs::read(fixture("article.html")).unwrap();
    let (text, meta) = added(&t, id, Some(("html", &bytes)));
    assert_eq!(meta["url"].as_str(), Some(url.as_str()));
    assert!(flat(&text).contains("about 210,000 customers"));
    // The same URL again: already there.
    t.run(&["add", &url])
        .expect_success()
        .expect_stderr("already there");
    checks_clean(&t);
}

#[test]
fn a_url_that_fails_says_why_and_writes_nothing() {
    let t = BriefingTest::new("basic");
    let base = serve();
    let before = support::tree(&t.path().join("content"));
    t.run(&["add", &format!("{base}/gone")])
        .expect_code(2)
        .expect_stderr("/gone answered HTTP 404: no such page; check the address");
    t.run(&["add", &format!("{base}/big"), "--max-size", "1"])
        .expect_code(2)
        .expect_stderr("/big is larger than 1 MB, the limit; raise `--max-size`");
    t.run(&["add", &format!("{base}/slow"), "--timeout", "1"])
        .expect_code(2)
        .expect_stderr("/slow did not answer within 1 s");
    assert!(
        support::tree(&t.path().join("content")) == before,
        "nothing written"
    );
}

#[test]
fn a_folder_that_is_no_briefing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["add", &fixture("article.html"), "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("book.toml"), "{err}");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing written"
    );
}

#[test]
fn the_new_metadata_reaches_the_export_and_a_changed_original_is_reported() {
    let t = BriefingTest::new("basic");
    t.run(&["add", &fixture("jsonld.html"), "--id", "outage-review"])
        .expect_success();
    t.run(&["build"]).expect_success();
    let export: serde_json::Value = serde_json::from_str(&t.read("book/briefing.json")).unwrap();
    let source = export["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "outage-review")
        .expect("the added source is exported");
    let meta = &source["metadata"];
    assert_eq!(meta["author"], "Tomás Ferreira");
    assert_eq!(meta["retrieved"]["start"].as_str().map(str::len), Some(10));
    assert_eq!(meta["original"]["file"], "originals/outage-review.html");
    let bytes = std::fs::read(fixture("jsonld.html")).unwrap();
    assert_eq!(meta["original"]["sha256"], sha256_hex(&bytes).as_str());
    // `briefing sources` checks the kept original.
    t.run(&["sources"])
        .expect_success()
        .expect_no_stderr("original");
    let kept = t
        .path()
        .join("content/sources/originals/outage-review.html");
    std::fs::write(&kept, b"<html>edited</html>").unwrap();
    t.run(&["sources"])
        .expect_code(1)
        .expect_stderr("error: the original of source `outage-review`, originals/outage-review.html, has changed since it was added");
    std::fs::remove_file(&kept).unwrap();
    t.run(&["sources"])
        .expect_code(1)
        .expect_stderr("error: the original of source `outage-review`, originals/outage-review.html, cannot be read");
}

#[test]
fn an_original_outside_originals_or_with_a_bad_hash_is_an_error() {
    let meta = |original: &str| {
        format!(
            "title: Report A\nlanguage: en\ntranslation: none\nsha256: {}\n{original}",
            sha256_hex(
                &std::fs::read(support::fixtures().join("basic/content/sources/report-a.txt"))
                    .unwrap()
            )
        )
    };
    let t = BriefingTest::new("basic").file(
        "content/sources/report-a.yaml",
        &meta("original:\n  file: ../../book.toml\n  sha256: 0f67ce83e0fca0f7ea6b9caca27ac2383a555f8b7b855bf35526274ba46a2414\n"),
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[invalid-original]: `../../book.toml` is not a file in `originals/`")
        .expect_stderr("content/sources/report-a.yaml:6:9")
        .expect_stderr(
            "name the kept document as `originals/NAME`, relative to `content/sources/`",
        );
    let t = t.file(
        "content/sources/report-a.yaml",
        &meta("original:\n  file: originals/report-a.html\n  sha256: 0F67\n"),
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[invalid-original]")
        .expect_stderr("content/sources/report-a.yaml:7:11")
        .expect_stderr("record the SHA-256 of the kept document's bytes");
}
