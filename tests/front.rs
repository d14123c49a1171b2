//! The front page's written summary (`summary`, `why_it_matters`, `next`):
//! prose first, each sentence a claim whose citations are note numbers.

mod support;

use support::BriefingTest;

const FRONT: &str = r#"summary:
  - text: The [Ministry](note:ministry) was breached.
    cite:
      - source: report-a
        quote: hostile actors had access to its servers between 2021 and 2022
      - source: report-b
        quote: The attackers were not named.
why_it_matters:
  - text: Elections were said to remain secure.
    cite:
      - source: report-a
        quote: adding that elections remain secure
next:
  - text: Nobody has been named yet.
    cite:
      - source: report-b
        quote: The attackers were not named.
bottom_line:
  - text: The [Ministry](note:ministry) was breached between 2021 and 2022.
    cite:
      - source: report-a
        quote: hostile actors had access to its servers between 2021 and 2022
"#;

#[test]
fn the_front_page_opens_with_the_summary_whose_citations_are_note_numbers() {
    let t = BriefingTest::new("basic").file("content/front.yaml", FRONT);
    t.run(&["build", "--deny-warnings"]).expect_success();
    let page = t.read("book/index.html");
    let brief = page
        .find("<h2 id=\"in-brief\">In brief</h2>")
        .expect("the summary");
    assert!(
        brief < page.find("id=\"bottom-line\"").unwrap(),
        "before the bottom line"
    );
    // Each sentence a paragraph with its anchor, its citations note numbers
    // that lead to the notes, without JavaScript.
    assert!(page.contains("<p id=\"sum-1\" class=\"prose\">The <a href=\"who/ministry.html\">Ministry</a> was breached.<sup class=\"fn-ref\"><a href=\"#fn-1\" aria-label=\"note 1\">1</a></sup><sup class=\"fn-ref\"><a href=\"#fn-2\" aria-label=\"note 2\">2</a></sup></p>"), "{page}");
    assert!(page.contains("<h3 id=\"why-it-matters\">Why it matters</h3>"));
    assert!(page.contains("<p id=\"why-1\" class=\"prose\">Elections were said to remain secure.<sup class=\"fn-ref\"><a href=\"#fn-3\""));
    assert!(page.contains("<h3 id=\"what-next\">What happens next</h3>"));
    let note = &page[page.find("<li id=\"fn-3\">").expect("note 3")..];
    let note = &note[..note.find("</li>").unwrap()];
    assert!(note.contains("href=\"sources/report-a.html#q-"), "{note}");
    assert!(
        note.contains("adding that elections remain secure"),
        "{note}"
    );
    // In print.html and in the export too.
    let print = t.read("book/print.html");
    assert!(print.contains("<p id=\"sum-1\" class=\"prose\">"));
    assert!(print.contains("<h3>What happens next</h3>"));
    let json: serde_json::Value = serde_json::from_str(&t.read("book/briefing.json")).unwrap();
    assert_eq!(json["front"]["summary"][0]["id"], "sum-1");
    assert_eq!(
        json["front"]["next"][0]["citations"][0]["source"],
        "report-b"
    );
}

#[test]
fn summary_sentences_are_checked_like_every_claim() {
    let bad = FRONT.replace(
        "adding that elections remain secure",
        "adding that elections are secure",
    );
    BriefingTest::new("basic")
        .file("content/front.yaml", &bad)
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("quote-not-found")
        .expect_stderr("content/front.yaml:12:16");
    // Its anchors are link targets for markdown anywhere.
    let linked = FRONT.replace(
        "text: Nobody has been named yet.",
        "text: \"Nobody has been named yet (see [above](index.html#sum-1)).\"",
    );
    BriefingTest::new("basic")
        .file("content/front.yaml", &linked)
        .run(&["check"])
        .expect_success();
    let broken = FRONT.replace(
        "text: Nobody has been named yet.",
        "text: \"Nobody has been named yet (see [above](index.html#sum-9)).\"",
    );
    BriefingTest::new("basic")
        .file("content/front.yaml", &broken)
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("broken-link");
}
