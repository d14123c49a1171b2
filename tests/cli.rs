//! The `briefing` command, run for real on fixture briefings.
//!
//! Each test is one behaviour a user would notice: what is built, what is
//! refused, and what the author is told (exit code, file:line:col, message,
//! hint).

mod support;

use std::fs;
use std::path::Path;

use support::{BriefingTest, broken_links, html_files};

// ---------------------------------------------------------------- building

#[test]
fn a_good_briefing_builds_every_page_and_its_links_resolve() {
    let t = BriefingTest::new("basic");
    t.run(&["build"])
        .expect_success()
        .expect_stderr("build: ")
        .expect_no_stderr("warning");
    for page in [
        "index.html",
        "404.html",
        "who/index.html",
        "who/ministry.html",
        "what/index.html",
        "what/breach.html",
        "responses/index.html",
        "responses/statement.html",
        "questions/index.html",
        "questions/who-did-it.html",
        "sources/index.html",
        "sources/report-a.html",
        "sources/report-b.html",
        "static/style.css",
    ] {
        assert!(t.exists(&format!("book/{page}")), "missing {page}");
    }
    let broken = broken_links(&t.path().join("book"));
    assert!(broken.is_empty(), "broken links: {broken:#?}");
}

#[test]
fn a_citation_links_to_the_highlighted_passage_which_links_back() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    let note = t.read("book/responses/statement.html");
    let href = support::attribute_values(&note, "href")
        .find(|h| h.starts_with("../sources/report-a.html#q-"))
        .expect("citation link to the source passage");
    let anchor = href.split('#').nth(1).unwrap();
    let source = t.read("book/sources/report-a.html");
    let at = source
        .find(&format!("id=\"{anchor}\""))
        .expect("anchor on source page");
    let after = &source[at..];
    // The quote matched across curly/straight quotes and an em dash.
    assert!(
        after.contains("<mark>“We will not tolerate malicious cyber activity,” the minister said — adding</mark>"),
        "{after}"
    );
    assert!(
        after.contains("href=\"../responses/statement.html#c-1\""),
        "backlink: {after}"
    );
}

#[test]
fn source_pages_number_and_anchor_paragraphs() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    let source = t.read("book/sources/report-a.html");
    for n in 1..=3 {
        assert!(
            source.contains(&format!("<p id=\"p-{n}\">")),
            "paragraph {n}"
        );
    }
    assert!(
        !source.contains("id=\"p-4\""),
        "blank lines separate exactly three paragraphs"
    );
}

#[test]
fn the_timeline_is_sorted_by_date_and_shows_precision() {
    let t = BriefingTest::new("basic")
        .file(
            "content/what/earlier.yaml",
            "title: Earlier event\ndate: \"2019-05\"\nrelated: [breach]\nclaims:\n  - text: x\n    cite: [{source: report-b, quote: The attackers were not named.}]\n",
        )
        .file(
            "content/what/breach.yaml",
            &fs::read_to_string(support::fixtures().join("basic/content/what/breach.yaml"))
                .unwrap()
                .replace("related: [who-did-it]", "related: [who-did-it, earlier]"),
        );
    t.run(&["build"]).expect_success();
    let index = t.read("book/what/index.html");
    let earlier = index.find("Earlier event").unwrap();
    let breach = index.find("Servers breached").unwrap();
    assert!(earlier < breach, "timeline order");
    assert!(
        index.contains("<time datetime=\"2019-05\">May 2019</time>"),
        "{index}"
    );
    assert!(index.contains("2021 – 2022"), "ranges are shown as ranges");
}

#[test]
fn pages_do_not_embed_the_whole_table_of_contents() {
    let mut t = BriefingTest::new("basic");
    for i in 0..40 {
        t = t.file(
            &format!("content/who/extra-{i:02}.yaml"),
            &format!("title: Extra {i:02}\ntype: person\nrelated: [ministry]\nclaims:\n  - text: x\n    cite: [{{source: report-b}}]\n"),
        );
    }
    t.run(&["build"]).expect_success();
    let page = t.read("book/who/extra-20.html");
    let listed = (0..40)
        .filter(|i| page.contains(&format!(">Extra {i:02}<")))
        .count();
    assert!(listed <= 13, "sidebar lists {listed} of 40 notes");
    assert!(page.contains("All 41"), "links to the full list");
}

#[test]
fn a_note_page_lists_the_notes_that_refer_to_it_by_part() {
    let t = BriefingTest::new("basic").file(
        "content/questions/who-did-it.yaml",
        "title: Who were the attackers?\nstatus: unknown\nrelated: [breach, statement]\nsummary: See [the ministry](note:ministry).\nclaims:\n  - text: The reports do not name the attackers.\n    cite:\n      - source: report-b\n        quote: The attackers were not named.\n",
    );
    t.run(&["build"]).expect_success();
    let ministry = t.read("book/who/ministry.html");
    let related = &ministry[ministry.find("id=\"related\"").expect("a related section")..];
    let related = &related[..related.find("</section>").unwrap()];
    // The event (which it names and which names it: once), the response
    // (responders) and the question (a markdown link), each under its
    // part, in reading order.
    let order: Vec<usize> = [
        "<dt>What happened</dt>",
        "href=\"../what/breach.html\"",
        "<dt>Responses</dt>",
        "href=\"../responses/statement.html\"",
        "<dt>Open questions</dt>",
        "href=\"../questions/who-did-it.html\"",
    ]
    .iter()
    .map(|needle| {
        related
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {related}"))
    })
    .collect();
    assert!(order.is_sorted(), "{related}");
    assert_eq!(
        related.matches("href=\"../what/breach.html\"").count(),
        1,
        "{related}"
    );
    // One section: no second list repeating the first.
    assert!(!ministry.contains("Referred to by") && !ministry.contains(">Connected<"));
    // The statement: who and what it names, and the question naming it.
    let statement = t.read("book/responses/statement.html");
    let section = &statement[statement.find("id=\"related\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert_eq!(
        support::attribute_values(section, "href").collect::<Vec<_>>(),
        [
            "../who/ministry.html",
            "../what/breach.html",
            "../questions/who-did-it.html"
        ]
    );
}

#[test]
fn check_writes_nothing() {
    let t = BriefingTest::new("basic");
    t.run(&["check"])
        .expect_success()
        .expect_stderr("check: ok");
    assert!(!t.exists("book"));
}

#[test]
fn dest_dir_and_a_path_argument_are_honoured() {
    let t = BriefingTest::new("basic");
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let here = std::env::current_dir().unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args([
            "build",
            t.path().to_str().unwrap(),
            "--dest-dir",
            site.to_str().unwrap(),
        ])
        .current_dir(here)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(site.join("index.html").is_file());
    assert!(!t.exists("book"));
}

#[test]
fn a_second_build_rewrites_nothing_and_removes_deleted_notes() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    t.run(&["build"])
        .expect_success()
        .expect_stderr("0 written");
    let t = t.remove("content/questions/who-did-it.yaml").file(
        "content/what/breach.yaml",
        &fs::read_to_string(support::fixtures().join("basic/content/what/breach.yaml"))
            .unwrap()
            .replace("related: [who-did-it]\n", ""),
    );
    t.run(&["build"])
        .expect_success()
        .expect_stderr("1 removed");
    assert!(!t.exists("book/questions/who-did-it.html"));
}

/// A build whose inputs are those the live site was built from publishes
/// nothing; any change to anything a build reads — a note, a source, a
/// template or static file, book.toml, `--site-url`, the site itself — must
/// still give exactly the site of a fresh build, and the warnings are told
/// every time.
#[test]
fn a_build_with_unchanged_inputs_publishes_nothing_and_any_change_is_seen() {
    let t = BriefingTest::new("basic");
    let same_as_fresh = |t: &BriefingTest, extra: &[&str], step: &str| {
        let fresh = tempfile::tempdir().unwrap();
        let dest = fresh.path().join("site");
        let mut args = vec!["build", "--dest-dir", dest.to_str().unwrap()];
        args.extend_from_slice(extra);
        t.run(&args).expect_success();
        support::assert_same_site(&t.path().join("book"), &dest, step);
    };
    t.run(&["build"]).expect_success();
    t.run(&["build"])
        .expect_success()
        .expect_stderr("0 written");

    let note = "content/who/ministry.yaml";
    let text = t
        .read(note)
        .replace("The Ministry confirmed", "The Ministry later confirmed");
    let t = t.file(note, &text);
    t.run(&["build"])
        .expect_success()
        .expect_no_stderr("0 written");
    assert!(t.read("book/who/ministry.html").contains("later confirmed"));
    same_as_fresh(&t, &[], "a note edited");

    let t = t.file("templates/static/extra.css", "body { color: red }");
    t.run(&["build"]).expect_success();
    same_as_fresh(&t, &[], "a static file added");
    let t = t.file("templates/static/extra.css", "body { color: blue }");
    t.run(&["build"]).expect_success();
    assert!(t.read("book/static/extra.css").contains("blue"));
    same_as_fresh(&t, &[], "a static file edited");

    let config = t
        .read("book.toml")
        .replace("Basic fixture", "Renamed fixture");
    let t = t.file("book.toml", &config);
    t.run(&["build"]).expect_success();
    assert!(t.read("book/index.html").contains("Renamed fixture"));
    same_as_fresh(&t, &[], "book.toml edited");

    let url = ["--site-url", "https://example.org/sub/"];
    t.run(&["build", url[0], url[1]]).expect_success();
    same_as_fresh(&t, &url, "--site-url given");
    t.run(&["build"]).expect_success();
    same_as_fresh(&t, &[], "--site-url dropped");

    fs::remove_file(t.path().join("book/who/ministry.html")).unwrap();
    t.run(&["build"])
        .expect_success()
        .expect_stderr("1 written");
    same_as_fresh(&t, &[], "a page of the site deleted");

    // An edit that changes no output is recorded, and warnings are told
    // again by builds that render nothing.
    let t = t.file("content/sources/unused.txt", "A text that no note cites.\n");
    t.run(&["build"]).expect_success().expect_stderr("uncited");
    t.run(&["build"])
        .expect_success()
        .expect_stderr("0 written")
        .expect_stderr("uncited");
    same_as_fresh(&t, &[], "an uncited source added");
}

#[test]
fn init_creates_a_briefing_that_builds_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    assert!(
        run(&["init", "new", "--title", "My \"quoted\" briefing"])
            .status
            .success()
    );
    let out = run(&["build", "new", "--deny-warnings"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = fs::read_to_string(dir.path().join("new/book/index.html")).unwrap();
    assert!(index.contains("My &quot;quoted&quot; briefing"));
    assert!(broken_links(&dir.path().join("new/book")).is_empty());
    // Running it again must not overwrite the author's work.
    let again = run(&["init", "new"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has a book.toml"));
}

#[test]
fn clean_removes_only_what_build_wrote() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    fs::write(t.path().join("book/notes-to-self.txt"), "mine").unwrap();
    t.run(&["clean"]).expect_success();
    assert!(!t.exists("book/index.html"));
    assert!(t.exists("book/notes-to-self.txt"));
}

// ---------------------------------------------------------- the checks

#[test]
fn unknown_source_is_located_and_suggests_the_closest_id() {
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            "title: The Ministry\ntype: government\nrelated: [breach]\nclaims:\n  - text: x\n    cite:\n      - source: report-c\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[unknown-source]: no source has the ID `report-c`")
        .expect_stderr("content/who/ministry.yaml:7:17")
        .expect_stderr("did you mean `report-a`?");
}

#[test]
fn a_misquote_shows_the_closest_passage_of_the_source() {
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            "title: The Ministry\ntype: government\nrelated: [breach]\nclaims:\n  - text: x\n    cite:\n      - source: report-a\n        quote: hostile actors had access to its computers between 2021 and 2022\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[quote-not-found]: this quote is not in source `report-a`")
        .expect_stderr("content/who/ministry.yaml:8:16")
        .expect_stderr("the source says: “hostile actors had access to its servers between 2021 and 2022")
        .expect_stderr("content/sources/report-a.txt:3:")
        .expect_stderr("closest passage");
}

#[test]
fn quotes_tolerate_invisible_differences_only() {
    let note = |quote: &str| {
        format!(
            "title: The Ministry\ntype: government\nrelated: [breach]\nclaims:\n  - text: x\n    cite:\n      - source: report-a\n        quote: '{quote}'\n"
        )
    };
    // Line breaks, extra spaces, straight quotes for curly ones, a hyphen for an em dash.
    BriefingTest::new("basic")
        .file("content/who/ministry.yaml", &note("\"We will  not tolerate\n          malicious cyber activity,\" the minister said - adding"))
        .run(&["check"])
        .expect_success();
    // Case is not invisible.
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            &note("the ministry said on Monday"),
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("quote-not-found");
}

#[test]
fn a_claim_without_citation_is_an_error_or_a_warning_by_config() {
    let t = BriefingTest::new("basic").file(
        "content/who/ministry.yaml",
        "title: The Ministry\ntype: government\nrelated: [breach]\nclaims:\n  - text: An unsupported claim.\n",
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[uncited-claim]: this claim cites no source")
        .expect_stderr("content/who/ministry.yaml:5:11");
    let t = t.file(
        "book.toml",
        "[book]\ntitle = \"Basic fixture\"\n[check]\nuncited-claims = \"warn\"\n",
    );
    t.run(&["check"])
        .expect_success()
        .expect_stderr("warning[uncited-claim]");
}

#[test]
fn a_reference_to_a_missing_note_is_an_error_with_a_suggestion() {
    BriefingTest::new("basic")
        .file(
            "content/what/breach.yaml",
            "title: Servers breached\ndate: \"2021\"\nactors: [ministyr]\nrelated: [who-did-it]\nclaims:\n  - text: x\n    cite: [{source: report-b}]\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[unknown-note]: no note has the ID `ministyr`")
        .expect_stderr("content/what/breach.yaml:3:10")
        .expect_stderr("did you mean `ministry`?");
}

#[test]
fn a_markdown_link_to_a_missing_note_is_an_error() {
    BriefingTest::new("basic")
        .file(
            "content/front.yaml",
            "bottom_line:\n  - text: See [the report](note:nowhere).\n    cite: [{source: report-a}]\n  - text: '[M](note:ministry)'\n    cite: [{source: report-b}]\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("no note has the ID `nowhere`")
        .expect_stderr("content/front.yaml:2:11");
}

#[test]
fn yaml_syntax_errors_are_located() {
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            "title: The Ministry\ntype: government\nclaims: [unclosed\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[yaml]")
        .expect_stderr("content/who/ministry.yaml:");
}

#[test]
fn unknown_fields_list_the_valid_ones() {
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            "title: The Ministry\ntype: government\nrelated: [breach]\nclaims:\n  - text: x\n    cite:\n      - source: report-a\n        qoute: x\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("unknown field `qoute`, expected one of `source`, `stance`, `quote`, `comment`")
        .expect_stderr("content/who/ministry.yaml:8:9");
}

#[test]
fn wrong_types_and_missing_fields_are_located() {
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            "title: [not, a, string]\ntype: government\nclaims: []\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("invalid type: sequence, expected a string")
        .expect_stderr("content/who/ministry.yaml:1:");
    BriefingTest::new("basic")
        .file(
            "content/what/breach.yaml",
            "title: Servers breached\nclaims:\n  - text: x\n    cite: [{source: report-a}]\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("missing field `date`");
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            "title: M\ntype: ministry\nclaims: []\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("unknown variant `ministry`, expected one of `person`, `organisation`");
}

#[test]
fn invalid_dates_say_why() {
    BriefingTest::new("basic")
        .file(
            "content/what/breach.yaml",
            "title: Servers breached\ndate: \"2022-02-30\"\nrelated: [who-did-it]\nclaims:\n  - text: x\n    cite: [{source: report-a}]\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[invalid-date]: invalid date `2022-02-30`: 2022-02-30 is not a calendar date")
        .expect_stderr("content/what/breach.yaml:2:7");
}

#[test]
fn all_problems_are_reported_in_one_run() {
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            "title: The Ministry\ntype: government\nrelated: [breach, nope]\nclaims:\n  - text: a\n  - text: b\n    cite: [{source: nope}]\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("uncited-claim")
        .expect_stderr("unknown-source")
        .expect_stderr("unknown-note")
        .expect_stderr("check: 3 errors");
}

#[test]
fn uncited_sources_and_orphan_notes_are_warnings_that_can_be_denied() {
    let t = BriefingTest::new("basic")
        .file("content/sources/unused.txt", "Nobody cites this.\n")
        .file(
            "content/sources/unused.yaml",
            "title: Unused\nlanguage: en\ntranslation: none\nsha256: df411aa22b00ff8f48e424e4689034ea4f3ca01f3fb957472a2e20561685aeb7\n",
        )
        .file(
            "content/who/loner.yaml",
            "title: Loner\ntype: person\nclaims:\n  - text: x\n    cite: [{source: report-a}]\n",
        );
    t.run(&["check"])
        .expect_success()
        .expect_stderr("warning[uncited-source]: no claim cites source `unused`")
        .expect_stderr("warning[orphan-note]: `loner` is connected to no other note: it names none, and none names it")
        .expect_stderr("content/who/loner.yaml:1:8");
    t.run(&["check", "--deny-warnings"])
        .expect_code(1)
        .expect_stderr("error[uncited-source]");
    t.run(&["build"])
        .expect_success()
        .expect_stderr("2 warnings");
    let t = t.file(
        "book.toml",
        "[book]\ntitle = \"B\"\n[check]\ndeny-warnings = true\n",
    );
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("nothing written");
}

#[test]
fn file_names_that_are_not_valid_ids_are_reported_with_a_new_name() {
    BriefingTest::new("basic")
        .file(
            "content/who/Bad Name.yaml",
            "title: X\ntype: person\nclaims:\n  - text: x\n    cite: [{source: report-a}]\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[invalid-id]: `Bad Name` is not a valid ID")
        .expect_stderr("rename the file to `bad-name`");
}

#[test]
fn json_format_prints_one_object_per_diagnostic() {
    let run = BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            "title: The Ministry\ntype: government\nrelated: [breach]\nclaims:\n  - text: x\n    cite:\n      - source: report-c\n",
        )
        .run(&["check", "--format", "json"])
        .expect_code(1);
    let lines: Vec<serde_json::Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout());
    let d = &lines[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "unknown-source");
    assert_eq!(d["file"], "content/who/ministry.yaml");
    assert_eq!(d["line"], 7);
    assert_eq!(d["column"], 17);
    assert_eq!(d["help"], "did you mean `report-a`?");
}

// ------------------------------------------------ failures write nothing

#[test]
fn a_build_with_errors_writes_nothing_and_keeps_the_old_site() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    let before = t.read("book/who/ministry.html");
    let t = t.file(
        "content/who/ministry.yaml",
        "title: Changed\ntype: government\nrelated: [breach]\nclaims:\n  - text: x\n    cite: [{source: nope}]\n",
    );
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("build: nothing written");
    assert_eq!(t.read("book/who/ministry.html"), before);
}

#[test]
fn a_template_error_names_the_template_and_line() {
    let t = BriefingTest::new("basic").file(
        "templates/note.html",
        "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ page.title }</h1>\n{% endblock content %}\n",
    );
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("error[template]")
        .expect_stderr("templates/note.html:3:")
        .expect_stderr("nothing written");
    assert!(!t.exists("book"));
}

#[test]
fn a_template_that_fails_at_render_time_names_the_template() {
    BriefingTest::new("basic")
        .file(
            "templates/note.html",
            "{% extends \"base.html\" %}\n{% block content %}{{ page.no_such_field }}{% endblock content %}\n",
        )
        .run(&["build"])
        .expect_code(1)
        .expect_stderr("template `note.html` failed to render")
        .expect_stderr("no_such_field");
}

#[test]
fn user_templates_override_the_built_in_ones_file_by_file() {
    let t = BriefingTest::new("basic").file(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}<h1>Custom 404</h1>{% endblock content %}",
    );
    t.run(&["build"]).expect_success();
    assert!(t.read("book/404.html").contains("Custom 404"));
    assert!(
        t.read("book/index.html").contains("Bottom line"),
        "others stay built in"
    );
}

// ------------------------------------------------------- configuration

#[test]
fn unknown_config_keys_are_errors_naming_the_valid_keys() {
    BriefingTest::new("basic")
        .file(
            "book.toml",
            "[book]\ntitle = \"B\"\n\n[check]\nstrict = true\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[config]: unknown field `strict`")
        .expect_stderr("book.toml:5:1")
        .expect_stderr("uncited-claims");
}

#[test]
fn a_missing_book_toml_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no book.toml"));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let t = BriefingTest::new("basic");
    t.run(&["frobnicate"]).expect_code(2);
    t.run(&["check", "--format", "xml"]).expect_code(2);
    t.run(&["--help"]).expect_success();
}

#[test]
fn dangerous_build_directories_are_refused() {
    let t = BriefingTest::new("basic");
    for dest in [".", "content", "content/sub", "..", "/"] {
        t.run(&["build", "--dest-dir", dest])
            .expect_code(2)
            .expect_stderr("refusing to use");
    }
    assert!(t.exists("content/who/ministry.yaml"));
    assert!(!t.exists("content/sub"));
}

// ------------------------------------------------------------- safety

#[test]
fn markdown_cannot_inject_html_or_script() {
    let t = BriefingTest::new("basic").file(
        "content/who/ministry.yaml",
        "title: '<script>alert(1)</script>'\ntype: government\nrelated: [breach]\nsummary: '<img src=x onerror=alert(1)> [x](javascript:alert(1))'\nclaims:\n  - text: '<b onclick=\"alert(1)\">hi</b> [y](JAVASCRIPT:alert(2))'\n    cite:\n      - source: report-a\n        comment: '<iframe src=\"data:text/html,x\"></iframe>'\n",
    );
    t.run(&["build"]).expect_success();
    let site = t.path().join("book");
    for page in html_files(&site) {
        // The quote-context script of every page (the 404 page links from
        // the site's root) and the search page's own scripts are the only ones.
        let rel = page.strip_prefix(&site).unwrap();
        let root = match rel.to_str().unwrap() {
            "404.html" => "/",
            r if r.contains('/') => "../",
            _ => "",
        };
        let context = format!(r#"<script src="{root}static/context.js" defer></script>"#);
        let html = fs::read_to_string(&page).unwrap();
        assert_eq!(html.matches(&context).count(), 1, "{}", page.display());
        let html = html
            .replace(&context, "")
            .replace(r#"<script src="static/elasticlunr.min.js"></script>"#, "")
            .replace(r#"<script src="static/search.js"></script>"#, "");
        let lower = html.to_lowercase();
        for bad in ["<script", "<img", "<b onclick", "<iframe", "javascript:"] {
            assert!(!lower.contains(bad), "{bad} in {}", page.display());
        }
    }
    assert!(
        t.read("book/who/ministry.html")
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
}

// ----------------------------------------------- the shipped briefing

#[test]
fn the_shipped_briefing_builds_with_no_errors_and_no_warnings() {
    let t = BriefingTest::shipped();
    t.run(&["build", "--deny-warnings"])
        .expect_success()
        .expect_no_stderr("warning");
    let broken = broken_links(&t.path().join("book"));
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    // Sources are kept byte-for-byte: the copies in content/ are what quotes are checked against.
    for id in [
        "000_0fc0c13424994b9d",
        "001_ebf839a506443e8e",
        "002_ba6c7dbee401f77c",
        "003_4529629cf3d177b6",
        "004_d467c21256672cda",
    ] {
        let page = t.read(&format!("book/sources/{id}.html"));
        assert!(page.matches("<mark>").count() >= 5, "{id} is cited often");
    }
}

// ----------------------------------------------------------- publishing

#[test]
fn a_broken_link_in_markdown_fails_check_and_build_at_the_link() {
    let t = BriefingTest::new("basic").file(
        "content/who/ministry.yaml",
        "title: The Ministry\ntype: government\nrelated: [breach]\nclaims:\n  - text: See [the annex](annex.html), [the passage](sources/report-a.html#q-99), [up](../who/x.html) and [fine](sources/report-a.html#p-1).\n    cite:\n      - source: report-a\n        quote: Ministry confirms records breach\n",
    );
    for verb in ["check", "build"] {
        let run = t.run(&[verb]).expect_code(1);
        let run = run
            .expect_stderr("error[broken-link]: the link `annex.html` points at `annex.html`, which the site does not have")
            .expect_stderr("content/who/ministry.yaml:5:27")
            .expect_stderr("the link `sources/report-a.html#q-99` points at `#q-99`, which `sources/report-a.html` does not have")
            .expect_stderr("content/who/ministry.yaml:5:54")
            .expect_stderr("the link `../who/x.html` climbs above the site root")
            .expect_stderr("content/who/ministry.yaml:5:88")
            .expect_no_stderr("report-a.html#p-1`");
        assert_eq!(
            run.stderr().matches("error[broken-link]").count(),
            3,
            "{verb}: {}",
            run.stderr()
        );
    }
    assert!(!t.exists("book"));
}

#[test]
fn links_in_markdown_are_relative_to_the_site_root_on_every_page() {
    let t = BriefingTest::new("basic").file(
        "content/who/ministry.yaml",
        "title: The Ministry\ntype: government\nrelated: [breach]\nclaims:\n  - text: See [the first paragraph](sources/report-a.html#p-1) and [the front page](/index.html).\n    cite:\n      - source: report-a\n        quote: Ministry confirms records breach\n",
    );
    t.run(&["build"]).expect_success();
    let page = t.read("book/who/ministry.html");
    assert!(
        page.contains("href=\"../sources/report-a.html#p-1\""),
        "{page}"
    );
    assert!(
        t.read("book/print.html")
            .contains("href=\"sources/report-a.html#p-1\"")
    );
    assert!(broken_links(&t.path().join("book")).is_empty());
}

#[test]
fn a_broken_link_in_a_template_fails_the_build_naming_page_and_template() {
    let t = BriefingTest::new("basic").file(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}<a href=\"nope.html\">x</a> <a href=\"sources/report-a.html#q-99\">y</a>{% endblock content %}",
    );
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("error[broken-link]: broken link in `404.html`: `nope.html`")
        .expect_stderr("there is no page `nope.html`")
        .expect_stderr("broken link in `404.html`: `sources/report-a.html#q-99`")
        .expect_stderr("`sources/report-a.html` has no element with id `q-99`")
        .expect_stderr("the template `404.html`")
        .expect_stderr("build: nothing written");
    assert!(!t.exists("book"));
}

#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let t = BriefingTest::new("basic");
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [&a, &b] {
        t.run(&[
            "build",
            "--dest-dir",
            dir.path().join("site").to_str().unwrap(),
        ])
        .expect_success();
    }
    let files = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![d.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for e in fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((
                        p.strip_prefix(d).unwrap().display().to_string(),
                        fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        out.sort();
        out
    };
    let (fa, fb) = (files(&a.path().join("site")), files(&b.path().join("site")));
    assert!(fa.len() > 15);
    assert!(fa == fb, "the two builds differ");
}

#[test]
fn the_site_has_a_sitemap_a_nojekyll_a_favicon_and_a_404_that_works_at_any_depth() {
    let t = BriefingTest::new("basic");
    t.run(&["build", "--site-url", "https://example.org/briefings/apt31"])
        .expect_success();
    let sitemap = t.read("book/sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://example.org/briefings/apt31/index.html</loc>"),
        "{sitemap}"
    );
    assert!(
        sitemap.contains("<loc>https://example.org/briefings/apt31/sources/report-a.html</loc>")
    );
    assert!(!sitemap.contains("404.html"));
    assert!(t.exists("book/.nojekyll"));
    assert!(t.exists("book/static/favicon.svg"));
    assert!(
        t.read("book/index.html")
            .contains("href=\"static/favicon.svg\"")
    );
    let not_found = t.read("book/404.html");
    assert!(
        not_found.contains("href=\"/briefings/apt31/static/style.css\""),
        "{not_found}"
    );
    assert!(not_found.contains("href=\"/briefings/apt31/index.html\""));
    // Other pages stay relative, so the folder also works from file://.
    assert!(
        t.read("book/who/ministry.html")
            .contains("href=\"../static/style.css\"")
    );
}

#[test]
fn site_url_comes_from_book_toml_and_bad_ones_are_reported() {
    let t = BriefingTest::new("basic").file(
        "book.toml",
        "[book]\ntitle = \"B\"\n[output.html]\nsite-url = \"/briefing/\"\n",
    );
    t.run(&["build"]).expect_success();
    assert!(
        t.read("book/sitemap.xml")
            .contains("<loc>/briefing/who/ministry.html</loc>")
    );
    let t = t.file(
        "book.toml",
        "[book]\ntitle = \"B\"\n[output.html]\nsite-url = \"briefing\"\n",
    );
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("error[config]: site-url `briefing` is neither a path")
        .expect_stderr("book.toml:4:1");
    t.run(&["build", "--site-url", "ftp://x/"])
        .expect_code(2)
        .expect_stderr("--site-url: site-url `ftp://x/` is neither http nor https");
}

#[test]
fn the_home_directory_is_refused_as_build_directory() {
    let t = BriefingTest::new("basic");
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "--dest-dir", home.path().to_str().unwrap()])
        .current_dir(t.path())
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("it is a home directory"));
}

// ------------------------------------------------------------ bad input

#[test]
fn bad_yaml_gets_a_located_diagnostic_a_person_can_act_on_and_never_a_panic() {
    let good =
        fs::read_to_string(support::fixtures().join("basic/content/who/ministry.yaml")).unwrap();
    let deep = format!("title: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ntitle: x\n";
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "empty file",
            String::new(),
            "ministry.yaml:1:1",
            "the file is empty",
        ),
        (
            "only a comment",
            "# todo\n".into(),
            "ministry.yaml:1:1",
            "the file is empty",
        ),
        (
            "a list",
            "- a\n- b\n".into(),
            "ministry.yaml:1:1",
            "expected a mapping of fields",
        ),
        (
            "a scalar",
            "just text\n".into(),
            "ministry.yaml:1:1",
            "expected a mapping of fields",
        ),
        (
            "two documents",
            format!("{good}---\ntitle: B\n"),
            "ministry.yaml:10:1",
            "second YAML document",
        ),
        (
            "tab indentation",
            "title: X\ntype: person\nclaims:\n\t- text: x\n".into(),
            "ministry.yaml:4:1",
            "never tabs",
        ),
        (
            "duplicate key",
            "title: A\ntitle: B\ntype: person\nclaims: []\n".into(),
            "ministry.yaml:",
            "duplicate field `title`",
        ),
        ("deep nesting", deep, "ministry.yaml:1:", "error[yaml]"),
        (
            "alias bomb",
            bomb.into(),
            "ministry.yaml:1:1",
            "unknown field `a`",
        ),
        (
            // Every field valid: 200,000 aliases of a 300 KB title would
            // ask for 60 GB.
            "alias bomb in valid fields",
            format!(
                "title: &a {}\ntype: government\nrelated: [{}]\nclaims: []\n",
                "x".repeat(300_000),
                vec!["*a"; 200_000].join(",")
            ),
            "ministry.yaml:3:",
            "aliases (`*name`) make this note expand to more than 4 MB",
        ),
    ];
    for (what, text, location, message) in cases {
        let run = BriefingTest::new("basic")
            .file("content/who/ministry.yaml", &text)
            .run(&["check"]);
        let err = run.stderr();
        assert_eq!(
            run.output.status.code(),
            Some(1),
            "{what}: exit code\n{err}"
        );
        assert!(err.contains(location), "{what}: location {location}\n{err}");
        assert!(err.contains(message), "{what}: message {message}\n{err}");
        assert!(!err.contains("panicked"), "{what}: panic\n{err}");
    }
}

#[test]
fn a_byte_order_mark_and_crlf_line_endings_are_accepted() {
    let good =
        fs::read_to_string(support::fixtures().join("basic/content/who/ministry.yaml")).unwrap();
    let t = BriefingTest::new("basic").file(
        "content/who/ministry.yaml",
        &format!("\u{FEFF}{}", good.replace('\n', "\r\n")),
    );
    t.run(&["build", "--deny-warnings"]).expect_success();
    assert!(
        t.read("book/who/ministry.html")
            .contains("The Ministry confirmed the breach.")
    );
}

#[test]
fn a_symlink_to_a_file_outside_the_briefing_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.txt"), "private notes\n").unwrap();
    let t = BriefingTest::new("basic");
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        t.path().join("content/sources/leak.txt"),
    )
    .unwrap();
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("error[link-outside]")
        .expect_stderr("content/sources/leak.txt")
        .expect_stderr("outside the briefing");
    assert!(!t.exists("book"), "nothing written");
}

#[test]
fn text_problems_in_sources_and_notes_are_located() {
    let meta = "title: T\nlanguage: en\ntranslation: none\n";
    // A NUL byte: not a text file.
    BriefingTest::new("basic")
        .file("content/sources/bin.txt", "Text\0more\n")
        .file("content/sources/bin.yaml", meta)
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[not-text]: this source contains a NUL byte")
        .expect_stderr("content/sources/bin.txt:1:5");
    // ... and in a note.
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yaml",
            "title: A\0B\ntype: person\nclaims: []\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[not-text]: this file contains a NUL byte")
        .expect_stderr("content/who/ministry.yaml:1:9");
    // Invalid UTF-8, in a source and in a note.
    let t = BriefingTest::new("basic");
    fs::write(
        t.path().join("content/sources/latin1.txt"),
        b"caf\xe9 au lait\n",
    )
    .unwrap();
    fs::write(t.path().join("content/sources/latin1.yaml"), meta).unwrap();
    fs::write(
        t.path().join("content/questions/who-did-it.yaml"),
        b"title: \xff\n",
    )
    .unwrap();
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[encoding]: this file is not valid UTF-8")
        .expect_stderr("content/sources/latin1.txt:1:4")
        .expect_stderr("content/questions/who-did-it.yaml:1:8");
    // A runaway note.
    let big = format!(
        "title: Big\ntype: person\nclaims:\n{}",
        "  - text: x\n    cite: [{source: report-a}]\n".repeat(40_000)
    );
    BriefingTest::new("basic")
        .file("content/who/big.yaml", &big)
        .run(&["check"])
        .expect_code(1)
        .expect_stderr(
            "error[too-large]: this file is 1.7 MB; a note or metadata file may be at most 1 MB",
        );
}

/// A pre-formatted source (an advisory's aligned header block) keeps its
/// layout; prose does not; the metadata can say either way.
#[test]
fn a_preformatted_source_keeps_its_layout() {
    let advisory = "Advisory:   CVE-2024-3094\nSeverity:   Critical\nPackage:    xz-utils\nVersions:   5.6.0, 5.6.1\nPublished:  2024-03-29\n\nThe ministry was the victim of a \"complex\" cyberattack.\n\nThe attackers were not named.\n";
    let t = BriefingTest::new("basic").file("content/sources/report-b.txt", advisory);
    t.run(&["sources", "--rehash", "report-b"]).expect_success();
    t.run(&["build"]).expect_success();
    assert!(
        t.read("book/sources/report-b.html")
            .contains("<div class=\"source-text pre\">")
    );
    assert!(
        t.read("book/sources/report-a.html")
            .contains("<div class=\"source-text\">")
    );
    let meta = t.read("content/sources/report-b.yaml");
    let t = t.file(
        "content/sources/report-b.yaml",
        &format!("{meta}layout: prose\n"),
    );
    t.run(&["build"]).expect_success();
    assert!(
        t.read("book/sources/report-b.html")
            .contains("<div class=\"source-text\">")
    );
}

#[test]
fn old_mac_line_endings_still_make_paragraphs() {
    let t = BriefingTest::new("basic")
        .file("content/sources/report-b.txt", "The ministry was the victim of a \"complex\" cyberattack.\rThe attackers were not named.\r");
    t.run(&["sources", "--rehash", "report-b"]).expect_success();
    t.run(&["build"]).expect_success();
    let page = t.read("book/sources/report-b.html");
    assert!(page.contains("<p id=\"p-2\">"), "two paragraphs: {page}");
}

#[test]
fn path_like_ids_in_references_are_just_unknown_ids() {
    for bad in [
        "../who/ministry",
        "/etc/passwd",
        "who\\\\ministry",
        "%2e%2e%2fministry",
        "report-a/../report-a",
    ] {
        let t = BriefingTest::new("basic").file(
            "content/who/ministry.yaml",
            &format!("title: M\ntype: government\nrelated: [breach, \"{bad}\"]\nclaims:\n  - text: x\n    cite:\n      - source: \"{bad}\"\n"),
        );
        t.run(&["build"])
            .expect_code(1)
            .expect_stderr("error[unknown-source]")
            .expect_stderr("error[unknown-note]")
            .expect_stderr("content/who/ministry.yaml:3:")
            .expect_stderr("build: nothing written");
        assert!(!t.exists("book"), "{bad}");
    }
}

#[test]
fn two_files_that_would_make_the_same_page_are_reported() {
    BriefingTest::new("basic")
        .file(
            "content/who/ministry.yml",
            "title: Twin\ntype: person\nrelated: [breach]\nclaims:\n  - text: x\n    cite: [{source: report-a}]\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[duplicate-id]: two notes have the ID `ministry`");
    BriefingTest::new("basic")
        .file(
            "content/what/ministry.yaml",
            "title: Twin\ndate: \"2024\"\nrelated: [breach]\nclaims:\n  - text: x\n    cite: [{source: report-a}]\n",
        )
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[duplicate-id]: two notes have the ID `ministry`")
        .expect_stderr("unique across all four kinds");
}

#[test]
fn wrong_config_types_are_located() {
    for (toml, message) in [
        (
            "[book]\ntitle = 3\n",
            "invalid type: integer `3`, expected a string",
        ),
        (
            "[book]\ntitle = \"T\"\n[check]\ndeny-warnings = \"yes\"\n",
            "invalid type: string \"yes\", expected a boolean",
        ),
        (
            "[book]\ntitle = \"T\"\n[check]\nuncited-claims = \"sometimes\"\n",
            "unknown variant `sometimes`",
        ),
        (
            "title = \"T\"\n",
            "unknown field `title`, expected one of `book`",
        ),
        ("# nothing yet\n", "missing field `book`"),
    ] {
        BriefingTest::new("basic")
            .file("book.toml", toml)
            .run(&["check"])
            .expect_code(1)
            .expect_stderr("error[config]")
            .expect_stderr(message)
            .expect_stderr("book.toml:");
    }
}

#[test]
fn a_note_that_names_another_is_no_orphan_even_if_none_names_it() {
    // The event names the ministry, so the ministry's page links back to
    // it: it is connected, whatever lists it under `related:`.
    let t = BriefingTest::new("basic").file(
        "content/what/second-breach.yaml",
        "title: A second breach\ndate: \"2023\"\nactors: [ministry]\nclaims:\n  - text: x\n    cite: [{source: report-a}]\n",
    );
    t.run(&["check", "--deny-warnings"])
        .expect_success()
        .expect_no_stderr("orphan-note");
}

#[test]
fn a_note_with_an_error_is_still_known_so_references_to_it_do_not_cascade() {
    // A bad date in the fixture's event: one error, in that file, and
    // nothing about the notes that reference it.
    let t = BriefingTest::new("basic");
    let breach = t
        .read("content/what/breach.yaml")
        .replace("date: \"2021/2022\"", "date: \"March 2022\"");
    let t = t.file("content/what/breach.yaml", &breach);
    let run = t.run(&["check"]).expect_code(1);
    let err = run.stderr();
    assert!(err.contains("content/what/breach.yaml"), "{err}");
    assert!(!err.contains("unknown-note"), "a cascade: {err}");
    assert!(!err.contains("orphan-note"), "a spurious orphan: {err}");
    assert!(err.contains("check: 1 error"), "{err}");
}

#[test]
fn errors_are_printed_before_warnings() {
    let t = BriefingTest::new("basic")
        .file("content/sources/unused.txt", "Nobody cites this.\n")
        .file(
            "content/sources/unused.yaml",
            "title: Unused\nlanguage: en\ntranslation: none\nsha256: df411aa22b00ff8f48e424e4689034ea4f3ca01f3fb957472a2e20561685aeb7\n",
        );
    // An error in a file that sorts after the warning's.
    let note = t
        .read("content/who/ministry.yaml")
        .replace("type: government", "type: ministry");
    let t = t.file("content/who/ministry.yaml", &note);
    let run = t.run(&["check"]).expect_code(1);
    let err = run.stderr();
    let error = err.find("error[").expect("an error");
    let warning = err.find("warning[uncited-source]").expect("a warning");
    assert!(error < warning, "{err}");
}

#[test]
fn a_misspelt_field_or_value_gets_did_you_mean() {
    let t = BriefingTest::new("basic");
    let note = t.read("content/who/ministry.yaml");
    let t = t.file(
        "content/who/ministry.yaml",
        &note.replacen("title:", "titel:", 1),
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("unknown field `titel`")
        .expect_stderr("help: did you mean `title`?");
    let t = t.file(
        "content/who/ministry.yaml",
        &note.replace("type: government", "type: goverment"),
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("unknown variant `goverment`")
        .expect_stderr("help: did you mean `government`?");
    // Nothing close: the list stands alone.
    let t = t.file(
        "content/who/ministry.yaml",
        &note.replacen("title:", "zzzzzz:", 1),
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("help: fix the field name; the valid fields are listed above");
}

#[test]
fn an_unknown_reference_written_as_a_title_or_alias_suggests_the_note() {
    let t = BriefingTest::new("basic");
    let ministry = t.read("content/who/ministry.yaml").replace(
        "type: government",
        "type: government\naliases: [Records Office]",
    );
    let question = t.read("content/questions/who-did-it.yaml");
    let t = t.file("content/who/ministry.yaml", &ministry).file(
        "content/questions/who-did-it.yaml",
        &question.replace(
            "related: [breach, statement]",
            "related: [breach, statement, records-office]",
        ),
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("no note has the ID `records-office`")
        .expect_stderr("help: did you mean `ministry`?");
    let t = t.file(
        "content/questions/who-did-it.yaml",
        &question.replace(
            "related: [breach, statement]",
            "related: [breach, statement, servers-breached]",
        ),
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("help: did you mean `breach`?");
}
