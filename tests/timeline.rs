//! The timeline on the What index of the shipped briefing: one mark per
//! event, linking to it, shaped by the precision of its date.

mod support;

use std::fs;
use std::path::Path;

use briefing::date::{DateSpec, PartialDate};
use support::{BriefingTest, attribute_values, broken_links};

/// The `<svg>` of the What index.
fn svg(index: &str) -> &str {
    let start = index
        .find("<svg class=\"tl-chart\"")
        .expect("an SVG timeline");
    &index[start..start + index[start..].find("</svg>").unwrap()]
}

/// One event's row as drawn: its link, class, box (the link's target
/// area), its mark's radius and the boxes of its texts (date and title
/// lines), all in CSS pixels.
#[derive(Debug)]
struct Row {
    href: String,
    class: String,
    markup: String,
    top: f64,
    height: f64,
    radius: f64,
    texts: Vec<(f64, f64)>,
}

fn number(markup: &str, attr: &str) -> f64 {
    attribute_values(markup, attr)
        .next()
        .unwrap_or_else(|| panic!("no {attr} in {markup}"))
        .parse()
        .unwrap()
}

/// The rows of the timeline. A text's box runs from its baseline less the
/// font's ascent to the baseline plus its descent, per line (each `tspan`
/// after the first is a line further down by its `dy`).
fn rows(index: &str) -> Vec<Row> {
    svg(index)
        .split("<a href=\"")
        .skip(1)
        .map(|m| {
            let m = &m[..m.find("</a>").expect("closed")];
            let href = m[..m.find('"').unwrap()].to_owned();
            let class = attribute_values(m, "class").next().expect("a class");
            let hit = &m[m.find("<rect class=\"tl-hit\"").expect("a target area")..];
            let hit = &hit[..hit.find("/>").unwrap()];
            let circle = &m[m.find("<circle").expect("a mark")..];
            let mut texts = Vec::new();
            for text in m.split("<text ").skip(1) {
                let baseline = number(text, "y");
                let lines = text.matches("<tspan").count().max(1);
                let size = if text.starts_with("class=\"tl-date\"") {
                    12.0
                } else {
                    14.0
                };
                for k in 0..lines {
                    let y = baseline + 18.0 * k as f64;
                    texts.push((y - 0.8 * size, y + 0.25 * size));
                }
            }
            Row {
                href,
                class,
                markup: m.to_owned(),
                top: number(hit, "y"),
                height: number(hit, "height"),
                radius: number(circle, "r"),
                texts,
            }
        })
        .collect()
}

/// Rows that do not overlap, each a target of at least 24 px, every text
/// inside its own row (so no two labels collide), in date order.
fn assert_readable(rows: &[Row], context: &str) {
    for r in rows {
        assert!(r.height >= 24.0, "{context}: a target under 24 px: {r:?}");
        for &(a, z) in &r.texts {
            assert!(
                a >= r.top && z <= r.top + r.height,
                "{context}: a label outside its row: {r:?}"
            );
        }
    }
    for pair in rows.windows(2) {
        assert!(
            pair[0].top + pair[0].height <= pair[1].top,
            "{context}: rows overlap: {pair:?}"
        );
    }
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
    let marks = rows(&index);
    assert_readable(&marks, "the shipped briefing");

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
        let found: Vec<_> = marks.iter().filter(|m| m.href == href).collect();
        assert_eq!(found.len(), 1, "{id}: one mark, linking to its page");
        let Row {
            class,
            markup,
            radius,
            ..
        } = found[0];
        let shape = match (date.start, date.end) {
            (_, Some(_)) => "range",
            (PartialDate::Day(_), None) => "day",
            (PartialDate::Month(..), None) => "month",
            (PartialDate::Year(_), None) => "year",
        };
        assert!(
            class.starts_with(&format!("tl-ev tl-{shape}")),
            "{id} ({date}): {class}"
        );
        // A filled dot for a day, a ring for a month, a year or a range.
        let ring = *radius < 6.0;
        assert_eq!(ring, shape != "day", "{id}: {markup}");
        // The title is written beside the mark.
        let first_word = markup.split("<tspan").nth(1).unwrap();
        assert!(first_word.len() > 10, "{id}: {markup}");
        // Named, for hover and screen readers, with the date as written.
        assert!(
            markup.contains(&format!(" ({date})</title>"))
                || markup.contains(&format!(" ({date}), a derived date</title>")),
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

#[test]
fn a_derived_date_is_drawn_as_such_and_said_on_its_page() {
    let t = BriefingTest::shipped();
    t.run(&["build"]).expect_success();
    let index = t.read("book/what/index.html");
    let row = rows(&index)
        .into_iter()
        .find(|r| r.href == "apt31-decade-of-targeting.html")
        .expect("the decade of targeting is on the timeline");
    assert!(row.class.contains("tl-derived"), "{row:?}");
    assert!(row.markup.contains(", a derived date</title>"), "{row:?}");
    // Its bar is the dashed one, and it is the only one.
    assert_eq!(
        svg(&index).matches("tl-span tl-range tl-derived").count(),
        1
    );
    let page = t.read("book/what/apt31-decade-of-targeting.html");
    assert!(
        page.contains("(derived: no source states it)"),
        "the note page says so"
    );
}

/// A briefing of events dated `dates` (titles `Event N`, or `title(N)`).
fn events(dates: &[String], title: impl Fn(usize) -> String) -> BriefingTest {
    let mut t = BriefingTest::new("basic").remove("content/what/breach.yaml");
    for (i, date) in dates.iter().enumerate() {
        t = t.file(
            &format!("content/what/event-{i:03}.yaml"),
            &format!(
                "title: \"{}\"\ndate: \"{date}\"\nclaims:\n  - text: Hostile actors had access.\n    cite:\n      - source: report-a\n        quote: \"hostile actors had access to its servers\"\n",
                title(i)
            ),
        );
    }
    // The fixture's other notes refer to the event this replaces.
    for rel in [
        "content/questions/who-did-it.yaml",
        "content/responses/statement.yaml",
        "content/who/ministry.yaml",
    ] {
        let text = t.read(rel).replace("[breach", "[event-000");
        t = t.file(rel, &text);
    }
    t.run(&["build"]).expect_success();
    t
}

fn numbered(i: usize) -> String {
    format!("Event {i}")
}

#[test]
fn labels_never_overlap_and_targets_stay_large_for_every_spread_of_dates() {
    let spreads: Vec<(&str, Vec<String>)> = vec![
        (
            "a dense week inside ten years",
            ["2014", "2016-05", "2019-02-10"]
                .into_iter()
                .map(String::from)
                .chain((18..=24).map(|d| format!("2024-03-{d}")))
                .chain(["2024-03-20".into(), "2024-09".into()])
                .collect(),
        ),
        (
            "late 2021 to March 2024",
            [
                "2021-10",
                "2022-01",
                "2022-01-15",
                "2022-06",
                "2023-03",
                "2024-03-25",
            ]
            .map(String::from)
            .to_vec(),
        ),
        ("ten events on one day", vec!["2024-03-25".to_owned(); 10]),
        (
            "a century with periods",
            ["1905", "1950/1960", "1955-06", "2024-01-01", "1990/2024"]
                .map(String::from)
                .to_vec(),
        ),
    ];
    for (name, dates) in &spreads {
        let t = events(dates, numbered);
        let index = t.read("book/what/index.html");
        let rows = rows(&index);
        assert_eq!(rows.len(), dates.len(), "{name}: every event drawn");
        assert_readable(&rows, name);
        // In the order of the list under it, which is by date.
        let drawn: Vec<&str> = rows.iter().map(|r| r.href.as_str()).collect();
        let list = &index[index.find("<ol class=\"items timeline\">").unwrap()..];
        let list = &list[..list.find("</ol>").unwrap()];
        let listed: Vec<String> = attribute_values(list, "href").collect();
        assert_eq!(drawn, listed, "{name}");
        let starts: Vec<_> = rows
            .iter()
            .map(|r| {
                let i: usize = r.href[6..9].parse().unwrap();
                DateSpec::parse(&dates[i]).unwrap().start.first_day()
            })
            .collect();
        assert!(starts.is_sorted(), "{name}: {starts:?}");
    }

    // The dense week: its seven days are seven rows with no cut between
    // them, while the quiet years before it are cut out and say how long
    // they were.
    let t = events(&spreads[0].1, numbered);
    let index = t.read("book/what/index.html");
    let svg = svg(&index);
    let cuts: Vec<String> = svg
        .split("class=\"tl-gap\"")
        .skip(1)
        .map(|c| c[c.find('>').unwrap() + 1..c.find("</text>").unwrap()].to_owned())
        .collect();
    assert_eq!(
        cuts,
        [
            "2 years later",
            "3 years later",
            "5 years later",
            "5 months later"
        ]
    );
    let rows = rows(&index);
    let week: Vec<&Row> = rows[3..11].iter().collect();
    let span = week[7].top + week[7].height - week[0].top;
    let rows_height: f64 = week.iter().map(|r| r.height).sum();
    assert!(
        span - rows_height < 8.0 * 8.0,
        "the week is drawn close: {week:#?}"
    );
    // The date is written once per date: 20 March has two events.
    assert_eq!(svg.matches(">20 March 2024</text>").count(), 1);
}

#[test]
fn long_titles_wrap_inside_their_row_and_the_link_keeps_them_whole() {
    let long = |i: usize| format!("Event {i}: {}", "a very long title that goes on ".repeat(8));
    let t = events(&["2024-03-25".to_owned(), "2024-03-26".to_owned()], long);
    let index = t.read("book/what/index.html");
    let rows = rows(&index);
    assert_readable(&rows, "long titles");
    for r in &rows {
        let lines: Vec<&str> = r
            .markup
            .split("<tspan")
            .skip(1)
            .map(|l| &l[l.find('>').unwrap() + 1..l.find("</tspan>").unwrap()])
            .collect();
        assert_eq!(lines.len(), 3, "{r:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 38), "{lines:?}");
        assert!(lines[2].ends_with('…'), "{lines:?}");
        let name = &r.markup[..r.markup.find("</title>").unwrap()];
        assert_eq!(
            name.matches("goes on").count(),
            8,
            "the link's name is whole: {name}"
        );
    }
}

#[test]
fn hundreds_of_events_draw_a_sample_and_count_the_rest() {
    let dates: Vec<String> = (0..150)
        .map(|i| format!("20{:02}-{:02}-{:02}", 10 + i % 12, 1 + i % 12, 1 + i % 28))
        .collect();
    let t = events(&dates, numbered);
    let index = t.read("book/what/index.html");
    let rows = rows(&index);
    assert!(rows.len() <= 60, "{} rows", rows.len());
    assert_readable(&rows, "150 events");
    let counted: usize = svg(&index)
        .split("class=\"tl-gap\"")
        .skip(1)
        .filter_map(|c| {
            let text = &c[c.find('>').unwrap() + 1..c.find(" more event")?];
            text.rsplit(' ').next()?.parse::<usize>().ok()
        })
        .sum();
    assert_eq!(rows.len() + counted, 150);
    assert!(index.contains(&format!("{} of the 150 events", rows.len())));
}
