//! The timeline on the What index of the shipped briefing: one mark per
//! event, linking to it, shaped by the precision of its date.

mod support;

use std::fs;
use std::path::Path;

use briefing::date::{DateSpec, PartialDate};
use support::{BriefingTest, attribute_values, broken_links};

/// The `<svg>` of the What index, and the marks in it: `(href, class,
/// the mark's markup)`.
fn marks(index: &str) -> Vec<(String, String, String)> {
    let start = index
        .find("<svg class=\"tl-chart\"")
        .expect("an SVG timeline");
    let svg = &index[start..start + index[start..].find("</svg>").unwrap()];
    svg.split("<a href=\"")
        .skip(1)
        .map(|m| {
            let m = &m[..m.find("</a>").expect("closed")];
            let href = m[..m.find('"').unwrap()].to_owned();
            let class = attribute_values(m, "class").next().expect("a class");
            (href, class, m.to_owned())
        })
        .collect()
}

/// `date: "…"` of a note, parsed.
fn date_of(yaml: &str) -> DateSpec {
    let line = yaml
        .lines()
        .find_map(|l| l.strip_prefix("date:"))
        .expect("an event has a date");
    DateSpec::parse(line.trim().trim_matches('"')).unwrap()
}

#[test]
fn the_what_index_draws_one_linked_mark_per_event_shaped_by_its_date() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let t = BriefingTest::shipped();
    t.run(&["build"]).expect_success();
    let index = t.read("book/what/index.html");
    let marks = marks(&index);

    let mut events: Vec<(String, DateSpec)> = fs::read_dir(repo.join("content/what"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let id = p.file_stem().unwrap().to_str().unwrap().to_owned();
            (id, date_of(&fs::read_to_string(&p).unwrap()))
        })
        .collect();
    events.sort();
    assert!(events.len() >= 10, "the shipped briefing has its events");
    assert_eq!(marks.len(), events.len(), "one mark per event: {marks:#?}");

    let mut shapes = Vec::new();
    for (id, date) in &events {
        let href = format!("{id}.html");
        let found: Vec<_> = marks.iter().filter(|m| m.0 == href).collect();
        assert_eq!(found.len(), 1, "{id}: one mark, linking to its page");
        let (_, class, markup) = found[0];
        let shape = match (date.start, date.end) {
            (_, Some(_)) => "range",
            (PartialDate::Day(_), None) => "day",
            (PartialDate::Month(..), None) => "month",
            (PartialDate::Year(_), None) => "year",
        };
        assert_eq!(class, &format!("tl-{shape}"), "{id} ({date})");
        // A dot for a day, a bar over a month, a year or a range.
        let drawn = if shape == "day" { "<circle" } else { "<rect" };
        assert!(markup.contains(drawn), "{id}: {markup}");
        // Named, for hover and screen readers, with the date as written.
        assert!(
            markup.contains(&format!(" ({date})</title>")),
            "{id}: {markup}"
        );
        shapes.push(shape);
    }
    for shape in ["day", "month", "year", "range"] {
        assert!(shapes.contains(&shape), "the shipped events have a {shape}");
    }
    // Every mark's link resolves (the build checks it too).
    let broken = broken_links(&t.path().join("book"));
    assert!(broken.is_empty(), "broken links: {broken:#?}");

    // The list follows the drawing, which its caption names.
    let first_listed = index.find("<ol class=\"items timeline\">").unwrap();
    assert!(index.find("<svg").unwrap() < first_listed);
    assert!(index.contains("aria-labelledby=\"tl-caption\""));
    let caption = format!(
        "<figcaption id=\"tl-caption\">The {} events, ",
        events.len()
    );
    assert!(index.contains(&caption), "{caption}");

    // Only the What index has one.
    for part in ["who", "responses", "questions", "sources"] {
        let page = t.read(&format!("book/{part}/index.html"));
        assert!(!page.contains("<svg"), "{part}/index.html");
    }
}
