//! Index pages ordered for readers: who by type, responses dated first,
//! open questions by status with those about the sources apart.

mod support;

use support::BriefingTest;

/// The section headings of an index page, with their counts, in order.
fn sections(page: &str) -> Vec<(String, usize)> {
    page.split("class=\"section-title\">")
        .skip(1)
        .map(|rest| {
            let title = rest[..rest.find(" <span").unwrap()].to_owned();
            let count = &rest[rest.find("class=\"count\">").unwrap() + 14..];
            (title, count[..count.find('<').unwrap()].parse().unwrap())
        })
        .collect()
}

#[test]
fn the_shipped_indexes_are_grouped_for_readers() {
    let t = BriefingTest::shipped();
    t.run(&["build", "--deny-warnings"]).expect_success();
    let who = sections(&t.read("book/who/index.html"));
    let titles: Vec<&str> = who.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Governments",
            "Organisations",
            "Groups",
            "Companies",
            "People",
            "Media"
        ]
    );
    let questions = sections(&t.read("book/questions/index.html"));
    assert_eq!(
        questions.last().map(|(t, _)| t.as_str()),
        Some("About the sources: garbles, titles, translations"),
        "{questions:?}"
    );
    assert!(questions.last().unwrap().1 >= 10, "{questions:?}");
    // Responses: every dated one before every undated one.
    let responses = t.read("book/responses/index.html");
    let responses = &responses[responses.find("<h1>").unwrap()..];
    let titles: Vec<String> = sections(responses).into_iter().map(|(t, _)| t).collect();
    assert_eq!(titles, ["Dated", "Undated"]);
    let undated = responses.find("Undated <span").unwrap();
    assert!(!responses[undated..].contains("<time datetime="));
    assert!(responses[..undated].matches("<time datetime=").count() > 10);
    // A disagreement whose point is its note's title is not introduced
    // twice ("X in X").
    let index = t.read("book/questions/index.html");
    assert!(!index.contains("Did New Zealand impose sanctions?</a> <span class=\"meta\">in Did New Zealand impose sanctions?"));
}

#[test]
fn a_question_about_the_sources_is_listed_apart_and_the_field_is_checked() {
    let question = |about: &str| {
        format!(
            "title: Is the report's headline garbled?\nstatus: unknown\n{about}claims:\n  - text: The report has a headline.\n    cite:\n      - source: report-a\n        quote: Ministry confirms records breach\nrelated: [breach]\n"
        )
    };
    let t = BriefingTest::new("basic").file(
        "content/questions/headline.yaml",
        &question("about: sources\n"),
    );
    t.run(&["build"]).expect_success();
    let page = t.read("book/questions/index.html");
    // The index itself (the sidebar lists every note too).
    let page = &page[page.find("<h1>").unwrap()..];
    let about = page
        .find("About the sources")
        .expect("a section about the sources");
    assert!(page[about..].contains("headline.html"));
    assert!(!page[..about].contains("headline.html"));
    t.file(
        "content/questions/headline.yaml",
        &question("about: garbles\n"),
    )
    .run(&["check"])
    .expect_code(1)
    .expect_stderr("unknown variant `garbles`, expected `events` or `sources`");
}
