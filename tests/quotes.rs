//! Quotes that prove too little (`short-quote`): run for real on the
//! `basic` fixture, with the notes each test needs written inline.

mod support;

use support::BriefingTest;

/// Replaces the fixture's `who/ministry.yaml` with one whose only claim
/// cites `source` with `quote` (YAML, as written after `quote: `) and the
/// `extra` lines of the citation. The quote is on line 9, at column 16.
fn ministry_citing(t: BriefingTest, source: &str, quote: &str, extra: &str) -> BriefingTest {
    let note = format!(
        "title: The Ministry
type: government
role: Holder of the breached records
related: [breach]
claims:
  - text: The Ministry confirmed the breach.
    cite:
      - source: {source}
        quote: {quote}
{extra}"
    );
    t.file("content/who/ministry.yaml", &note)
}

// ------------------------------------------------------------ short quotes

#[test]
fn a_one_character_quote_is_a_short_quote_warning_at_the_quote() {
    let t = ministry_citing(BriefingTest::new("basic"), "report-a", "e", "");
    let run = t.run(&["check"]).expect_success();
    run.expect_stderr("warning[short-quote]: this quote is only 1 character long")
        .expect_stderr("content/who/ministry.yaml:9:16")
        .expect_stderr("`[check] min-quote-length` is 12 characters")
        // How often it occurs is said here, not in a second warning.
        .expect_stderr("it occurs 21 times in source `report-a`")
        .expect_no_stderr("ambiguous-quote")
        .expect_stderr(
            "help: quote the source's words that state what the claim says, at least 12 characters",
        )
        .expect_stderr("check: ok, 1 warning");
}

#[test]
fn quotes_shorter_than_the_minimum_warn_and_quotes_of_it_do_not() {
    // 11 characters, once in report-a.
    let t = ministry_citing(BriefingTest::new("basic"), "report-a", "hostile act", "");
    t.run(&["check"])
        .expect_success()
        .expect_stderr("only 11 characters long")
        .expect_stderr("content/who/ministry.yaml:9:16");
    // 12 characters.
    let t = ministry_citing(t, "report-a", "hostile acto", "");
    t.run(&["check", "--deny-warnings"])
        .expect_success()
        .expect_no_stderr("short-quote");
    // Counted as matched: white space around the quote is not part of it,
    // and a line break inside it is one space.
    let t = ministry_citing(t, "report-a", "\"  hostile act  \"", "");
    t.run(&["check"]).expect_stderr("only 11 characters long");
    let t = ministry_citing(t, "report-a", "\"hostile\\n  acto\"", "");
    t.run(&["check", "--deny-warnings"])
        .expect_success()
        .expect_no_stderr("short-quote");
}

#[test]
fn the_minimum_quote_length_is_configurable() {
    let book = "[book]\ntitle = \"Basic fixture\"\n";
    // Raised: the fixture's own quotes (29 characters and up) are short.
    let t = BriefingTest::new("basic").file(
        "book.toml",
        &format!("{book}[check]\nmin-quote-length = 40\n"),
    );
    let run = t.run(&["check"]).expect_success();
    run.expect_stderr("only 29 characters long")
        .expect_stderr("content/front.yaml:10:16")
        .expect_stderr("`[check] min-quote-length` is 40 characters");
    // 0: no minimum.
    let t = t.file(
        "book.toml",
        &format!("{book}[check]\nmin-quote-length = 0\n"),
    );
    let t = ministry_citing(t, "report-a", "e", "");
    t.run(&["check", "--deny-warnings"])
        .expect_success()
        .expect_no_stderr("short-quote");
}

#[test]
fn an_invalid_minimum_quote_length_is_an_error_in_book_toml() {
    let book = "[book]\ntitle = \"Basic fixture\"\n[check]\n";
    for (value, why) in [
        (
            "-1",
            "min-quote-length must be a number of characters from 0 (no minimum) to 1000, not -1",
        ),
        (
            "5000",
            "min-quote-length must be a number of characters from 0 (no minimum) to 1000, not 5000",
        ),
        ("12.5", "invalid type: floating point `12.5`"),
        ("\"twelve\"", "invalid type: string \"twelve\""),
    ] {
        let t = BriefingTest::new("basic")
            .file("book.toml", &format!("{book}min-quote-length = {value}\n"));
        t.run(&["build"])
            .expect_code(1)
            .expect_stderr("error[config]")
            .expect_stderr(why)
            .expect_stderr("book.toml:4:20");
        assert!(!t.exists("book"), "{value}: nothing is written");
    }
    // A misspelt key is an error too, naming the right one.
    let t = BriefingTest::new("basic").file("book.toml", &format!("{book}min-quote-len = 5\n"));
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("unknown field `min-quote-len`")
        .expect_stderr("min-quote-length");
}

#[test]
fn deny_warnings_fails_on_short_quotes() {
    let t = ministry_citing(BriefingTest::new("basic"), "report-a", "e", "");
    t.run(&["check", "--deny-warnings"])
        .expect_code(1)
        .expect_stderr("error[short-quote]")
        .expect_stderr("warnings are denied");
    t.run(&["build", "--deny-warnings"]).expect_code(1);
    assert!(!t.exists("book"), "a denied warning writes nothing");

    // Or from book.toml.
    let t = t.file(
        "book.toml",
        "[book]\ntitle = \"Basic fixture\"\n[check]\ndeny-warnings = true\n",
    );
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("error[short-quote]");
    assert!(!t.exists("book"));
}
