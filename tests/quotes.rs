//! Quotes that prove too little (`short-quote`) or could mean several
//! places of their source (`ambiguous-quote`), and `occurrence:`, which
//! chooses one: run for real on the `basic` fixture, with the sources each
//! test needs written inline.

mod support;

use briefing::integrity::sha256_hex;
use support::BriefingTest;

/// Adds source `id` with `text`, its metadata recording the text's hash
/// (so the only warnings are the ones a test is about).
fn with_source(t: BriefingTest, id: &str, text: &str) -> BriefingTest {
    let meta = format!(
        "title: The {id} report\nlanguage: en\ntranslation: none\nsha256: {}\n",
        sha256_hex(text.as_bytes())
    );
    t.file(&format!("content/sources/{id}.txt"), text)
        .file(&format!("content/sources/{id}.yaml"), &meta)
}

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

/// Three paragraphs; the second and third both say "the minister said
/// the servers were safe".
const ECHO: &str = "Echo report on the breach

The minister said the servers were safe. Officials disagreed.

Later, in a second statement, the minister said the servers were safe again.
";

/// Seven paragraphs, one line each, all ending with the same words.
fn chorus() -> String {
    (1..=7)
        .map(|i| format!("Day {i}: the servers were safe, officials said.\n"))
        .collect()
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
    // 0: no minimum; a one-character quote is then only ambiguous.
    let t = t.file(
        "book.toml",
        &format!("{book}[check]\nmin-quote-length = 0\n"),
    );
    let t = ministry_citing(t, "report-a", "e", "");
    t.run(&["check"])
        .expect_success()
        .expect_no_stderr("short-quote")
        .expect_stderr("warning[ambiguous-quote]: this quote occurs 21 times in source `report-a`");
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
fn deny_warnings_fails_on_short_and_ambiguous_quotes() {
    let t = ministry_citing(BriefingTest::new("basic"), "report-a", "e", "");
    t.run(&["check", "--deny-warnings"])
        .expect_code(1)
        .expect_stderr("error[short-quote]")
        .expect_stderr("warnings are denied");
    t.run(&["build", "--deny-warnings"]).expect_code(1);
    assert!(!t.exists("book"), "a denied warning writes nothing");

    let t = with_source(t, "echo", ECHO);
    let t = ministry_citing(t, "echo", "minister said the servers were safe", "");
    t.run(&["check", "--deny-warnings"])
        .expect_code(1)
        .expect_stderr("error[ambiguous-quote]");
    // Or from book.toml.
    let t = t.file(
        "book.toml",
        "[book]\ntitle = \"Basic fixture\"\n[check]\ndeny-warnings = true\n",
    );
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("error[ambiguous-quote]");
    assert!(!t.exists("book"));
}

// -------------------------------------------------------- ambiguous quotes

#[test]
fn a_quote_found_twice_is_ambiguous_and_both_places_are_named() {
    let t = with_source(BriefingTest::new("basic"), "echo", ECHO);
    let t = ministry_citing(t, "echo", "minister said the servers were safe", "");
    t.run(&["check"])
        .expect_success()
        .expect_stderr("warning[ambiguous-quote]: this quote occurs 2 times in source `echo`")
        .expect_stderr("content/who/ministry.yaml:9:16")
        .expect_stderr(
            "occurrences in content/sources/echo.txt: #1 at ¶2 (line 3, column 5), #2 at ¶3 (line 5, column 35)",
        )
        .expect_stderr("help: lengthen the quote with the source's words around the passage you mean until it occurs once, or choose it with `occurrence:` (1 to 2) on this citation")
        .expect_no_stderr("short-quote");
    // Until then the citation links to the first.
    t.run(&["build"]).expect_success();
    let anchor = cite_anchor(&t, "who/ministry.html", "echo");
    assert_eq!(paragraph_of(&t, "echo", &anchor), "p-2");
}

#[test]
fn a_quote_found_seven_times_names_five_and_counts_the_rest() {
    let t = with_source(BriefingTest::new("basic"), "chorus", &chorus());
    let t = ministry_citing(t, "chorus", "the servers were safe, officials said", "");
    t.run(&["check"])
        .expect_success()
        .expect_stderr("this quote occurs 7 times in source `chorus`")
        .expect_stderr("occurrences in content/sources/chorus.txt: #1 at ¶1 (line 1, column 8), #2 at ¶2 (line 2, column 8), #3 at ¶3 (line 3, column 8), #4 at ¶4 (line 4, column 8), #5 at ¶5 (line 5, column 8), … and 2 more")
        .expect_stderr("(1 to 7)")
        .expect_no_stderr("#6");
}

#[test]
fn a_quote_found_once_is_not_ambiguous_even_if_part_of_it_repeats() {
    let t = with_source(BriefingTest::new("basic"), "echo", ECHO);
    let t = ministry_citing(
        t,
        "echo",
        "the minister said the servers were safe again",
        "",
    );
    t.run(&["check", "--deny-warnings"])
        .expect_success()
        .expect_no_stderr("warning");
}

#[test]
fn occurrences_that_differ_only_in_what_matching_forgives_are_the_same_quote() {
    // Curly and straight double quotes, a line break for a space; single
    // quotes are other characters, so the third line does not count.
    let text = "He said “we are safe” on Monday.
She later said \"we are safe\"
on Tuesday.
They said ‘we are safe’ on Wednesday.
";
    let t = with_source(BriefingTest::new("basic"), "curly", text);
    let t = ministry_citing(t, "curly", "'said \"we are safe\" on'", "");
    t.run(&["check"])
        .expect_success()
        .expect_stderr("this quote occurs 2 times in source `curly`")
        .expect_stderr("#1 at ¶1 (line 1, column 4), #2 at ¶2 (line 2, column 11)")
        .expect_no_stderr("#3");
}

#[test]
fn json_output_carries_both_warnings_with_their_places() {
    let t = with_source(BriefingTest::new("basic"), "echo", ECHO);
    let t = ministry_citing(t, "echo", "minister said the servers were safe", "").file(
        "content/what/breach.yaml",
        "title: Servers breached
date: \"2021/2022\"
actors: [ministry]
related: [who-did-it]
claims:
  - text: Hostile actors had access to the servers.
    cite:
      - source: report-a
        quote: servers
",
    );
    let run = t.run(&["check", "--format", "json"]).expect_success();
    let lines: Vec<serde_json::Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let short = lines
        .iter()
        .find(|d| d["code"] == "short-quote")
        .expect("a short-quote diagnostic");
    assert_eq!(short["severity"], "warning");
    assert_eq!(short["file"], "content/what/breach.yaml");
    assert_eq!((&short["line"], &short["column"]), (&9.into(), &16.into()));
    assert_eq!(
        short["message"],
        "this quote is only 7 characters long: too short to show what the source says"
    );
    let ambiguous = lines
        .iter()
        .find(|d| d["code"] == "ambiguous-quote")
        .expect("an ambiguous-quote diagnostic");
    assert_eq!(ambiguous["severity"], "warning");
    assert_eq!(ambiguous["file"], "content/who/ministry.yaml");
    assert_eq!(
        (&ambiguous["line"], &ambiguous["column"]),
        (&9.into(), &16.into())
    );
    assert_eq!(
        ambiguous["notes"][0],
        "occurrences in content/sources/echo.txt: #1 at ¶2 (line 3, column 5), #2 at ¶3 (line 5, column 35)"
    );
    assert!(
        ambiguous["help"]
            .as_str()
            .unwrap()
            .contains("`occurrence:` (1 to 2)")
    );
    assert_eq!(lines.len(), 2, "{lines:#?}");
}

// -------------------------------------------------------------- occurrence

#[test]
fn occurrence_chooses_the_passage_for_the_link_highlight_context_print_and_export() {
    let t = with_source(BriefingTest::new("basic"), "echo", ECHO);
    let quote = "minister said the servers were safe";
    let t = ministry_citing(t, "echo", quote, "        occurrence: 2\n");
    t.run(&["build", "--deny-warnings"])
        .expect_success()
        .expect_no_stderr("warning");

    // The claim links to the second place, in paragraph 3 …
    let anchor = cite_anchor(&t, "who/ministry.html", "echo");
    assert_eq!(paragraph_of(&t, "echo", &anchor), "p-3");
    // … whose words are the ones highlighted, and the first are not.
    let page = t.read("book/sources/echo.html");
    assert_eq!(page.matches("<mark>").count(), 1, "{page}");
    let p3 = &page[page.find("<p id=\"p-3\"").unwrap()..];
    assert!(p3.contains(&format!("<mark>{quote}</mark>")), "{page}");
    // The context shown beside the link is the second place's.
    let note = t.read("book/who/ministry.html");
    assert!(
        note.contains("data-before=\"Later, in a second statement, the \""),
        "{note}"
    );

    // The printed brief: the citation's endnote leads to the same passage
    // in the appendix.
    let brief = t.read("book/print.html");
    let href = support::attribute_values(&brief, "href")
        .find(|h| h.contains("echo") && h.contains("q-"))
        .expect("a print citation of echo");
    let id = href
        .strip_prefix("print-sources.html#")
        .expect("into the appendix");
    let print = t.read("book/print-sources.html");
    let at = print.find(&format!(" id=\"{id}\"")).expect("its target");
    assert!(
        print[at..].starts_with(&format!(" id=\"{id}\"></span><mark>{quote}</mark>")),
        "{}",
        &print[at..]
    );
    let before = &print[..at];
    let paragraph = &before[before.rfind("<p ").unwrap()..];
    assert!(
        paragraph.contains("Later, in a second statement, the"),
        "{paragraph}"
    );

    // briefing.json: the selectors slice the text to the second place.
    let export: serde_json::Value = serde_json::from_str(&t.read("book/briefing.json")).unwrap();
    let note = export["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "ministry")
        .unwrap();
    let cite = &note["claims"][0]["citations"][0];
    let second = ECHO.rfind(quote).unwrap();
    assert_eq!(cite["utf8"]["start"], second);
    assert_eq!(
        cite["selector"][1]["start"], second,
        "ASCII: code points = bytes"
    );
    // The 32 characters before the second place.
    assert_eq!(
        cite["selector"][0]["prefix"],
        "ter, in a second statement, the "
    );
    assert_eq!(cite["href"], format!("sources/echo.html#{anchor}"));
}

#[test]
fn occurrence_can_choose_a_place_beyond_those_listed() {
    let t = with_source(BriefingTest::new("basic"), "chorus", &chorus());
    let t = ministry_citing(
        t,
        "chorus",
        "the servers were safe, officials said",
        "        occurrence: 7\n",
    );
    t.run(&["build", "--deny-warnings"]).expect_success();
    let anchor = cite_anchor(&t, "who/ministry.html", "chorus");
    assert_eq!(paragraph_of(&t, "chorus", &anchor), "p-7");
}

#[test]
fn an_occurrence_that_does_not_exist_is_an_error_at_it() {
    let t = with_source(BriefingTest::new("basic"), "echo", ECHO);
    let quote = "minister said the servers were safe";
    let t = ministry_citing(t, "echo", quote, "        occurrence: 3\n");
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("error[invalid-occurrence]: there is no occurrence 3: this quote occurs 2 times in source `echo`")
        .expect_stderr("content/who/ministry.yaml:10:21")
        .expect_stderr("#1 at ¶2 (line 3, column 5), #2 at ¶3 (line 5, column 35)")
        .expect_stderr("help: choose a number from 1 to 2")
        .expect_no_stderr("ambiguous-quote");
    assert!(!t.exists("book"), "nothing is written");

    let t = ministry_citing(t, "echo", quote, "        occurrence: 0\n");
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[invalid-occurrence]: occurrences are counted from 1, not 0")
        .expect_stderr("content/who/ministry.yaml:10:21");

    // A quote found once has only occurrence 1.
    let t = ministry_citing(t, "echo", "Officials disagreed.", "        occurrence: 2\n");
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("there is no occurrence 2: this quote occurs once in source `echo`")
        .expect_stderr("help: remove `occurrence:`: the quote is in one place only");
    let t = ministry_citing(t, "echo", "Officials disagreed.", "        occurrence: 1\n");
    t.run(&["check", "--deny-warnings"]).expect_success();

    let t = ministry_citing(t, "echo", quote, "        occurrence: -1\n");
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[invalid-occurrence]: occurrences are counted from 1, not -1")
        .expect_stderr("content/who/ministry.yaml:10:21");
    // Not a number at all: the YAML shape is wrong.
    let t = ministry_citing(t, "echo", quote, "        occurrence: second\n");
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[yaml]: claims[0].cite[0].occurrence: invalid type: string \"second\"")
        .expect_stderr("content/who/ministry.yaml:10:21");
}

#[test]
fn an_occurrence_without_a_quote_is_an_error() {
    let t = BriefingTest::new("basic").file(
        "content/who/ministry.yaml",
        "title: The Ministry
type: government
related: [breach]
claims:
  - text: The Ministry confirmed the breach.
    cite:
      - source: report-a
        occurrence: 2
",
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[invalid-occurrence]: `occurrence` chooses where a quote is in its source, but this citation has no `quote`")
        .expect_stderr("content/who/ministry.yaml:8:21")
        .expect_stderr("help: add the `quote:` it is meant for, or remove `occurrence:`");
}

// ----------------------------------------------------------------- helpers

/// The `q-N` anchor that the first citation of `source` on `page` links to.
fn cite_anchor(t: &BriefingTest, page: &str, source: &str) -> String {
    let html = t.read(&format!("book/{page}"));
    let prefix = format!("../sources/{source}.html#");
    let href = support::attribute_values(&html, "href")
        .find(|h| h.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{page} links to {source}: {html}"));
    href[prefix.len()..].to_owned()
}

/// The id of the paragraph of `source`'s page that holds `anchor`.
fn paragraph_of(t: &BriefingTest, source: &str, anchor: &str) -> String {
    let html = t.read(&format!("book/sources/{source}.html"));
    let at = html
        .find(&format!(" id=\"{anchor}\""))
        .unwrap_or_else(|| panic!("no {anchor} on {source}'s page"));
    let open = html[..at].rfind("<p id=\"").expect("inside a paragraph");
    let id = &html[open + 7..];
    id[..id.find('"').unwrap()].to_owned()
}

// ------------------------------------------------------ invisible differences

/// A source written with decomposed accents (`e` + U+0301), a soft hyphen
/// and a zero-width space inside the passage; the quote typed plainly, with
/// precomposed `é` — and the other way round.
#[test]
fn invisible_differences_are_forgiven_on_both_sides_and_the_exact_bytes_highlighted() {
    let source = "The re\u{301}sume\u{301} of the Electo\u{AD}ral Com\u{200B}mission breach was published.\n";
    let passage = "re\u{301}sume\u{301} of the Electo\u{AD}ral Com\u{200B}mission breach";
    let t = with_source(BriefingTest::new("basic"), "odd", source);
    let t = ministry_citing(
        t,
        "odd",
        "\"r\u{e9}sum\u{e9} of the Electoral Commission breach\"",
        "",
    );
    t.run(&["build", "--deny-warnings"])
        .expect_success()
        .expect_no_stderr("warning");
    let page = t.read("book/sources/odd.html");
    assert!(page.contains(&format!("<mark>{passage}</mark>")), "{page}");

    // The quote carrying the invisible characters, the source plain.
    let plain = "The résumé of the Electoral Commission breach was published.\n";
    let t = with_source(t, "odd", plain);
    let t = ministry_citing(
        t,
        "odd",
        "\"r\u{65}\u{301}sume\u{301} of the Elec\u{FEFF}toral Com\u{AD}mission\u{200D} breach\"",
        "",
    );
    t.run(&["build", "--deny-warnings"]).expect_success();
    let page = t.read("book/sources/odd.html");
    assert!(
        page.contains("<mark>résumé of the Electoral Commission breach</mark>"),
        "{page}"
    );
}

/// What is not invisible is not forgiven: a Cyrillic `а` that looks like a
/// Latin `a`. The closest passage reads the same, so the diagnostic names
/// the two characters.
#[test]
fn a_lookalike_character_fails_and_is_named() {
    let t = with_source(
        BriefingTest::new("basic"),
        "plain",
        "The Electoral Commission breach was published.\n",
    );
    ministry_citing(t, "plain", "\"Electoral Commission bre\u{430}ch\"", "")
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("quote-not-found")
        .expect_stderr("the quote has `\u{430}` (U+0430) where the source has `a` (U+0061)");
}

// ------------------------------------------------- misquotes, and the fix

/// `check`'s output for a ministry note quoting `quote` from the fixture's
/// `report-a`, which says: "The Ministry said on Monday that hostile actors
/// had access to its servers between 2021 and 2022."
fn misquote(quote: &str) -> String {
    let t = ministry_citing(BriefingTest::new("basic"), "report-a", quote, "");
    let run = t
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[quote-not-found]");
    run.stderr()
}

#[test]
fn a_misquote_marks_the_words_that_differ() {
    let out = misquote(
        "\"The Ministry announced on Monday that hostile actors had access to the servers between 2021 and 2022.\"",
    );
    assert!(
        out.contains("where they differ, [quote → source]: …Ministry [“announced” → “said”] on…; …to [“the” → “its”] servers…"),
        "{out}"
    );
    assert!(out.contains("help: copy the passage exactly"), "{out}");
}

#[test]
fn words_the_quote_adds_or_lacks_are_marked_too() {
    let out = misquote("\"hostile actors had access to all its servers between 2021 and 2022\"");
    assert!(out.contains("…to [“all” → nothing] its…"), "{out}");
    let out = misquote("\"The Ministry said that hostile actors had access to its servers\"");
    assert!(out.contains("…said [nothing → “on Monday”] that…"), "{out}");
}

#[test]
fn an_ellipsis_is_named_with_the_fix() {
    for quote in [
        "\"The Ministry said on Monday ... between 2021 and 2022.\"",
        "\"The Ministry said on Monday … between 2021 and 2022.\"",
    ] {
        let out = misquote(quote);
        assert!(
            out.contains("help: the quote has an ellipsis (…), and quotes are never shortened: split it into two citations"),
            "{out}"
        );
    }
}

#[test]
fn square_brackets_are_named_with_the_fix() {
    let out =
        misquote("\"hostile actors had access to [the Ministry's] servers between 2021 and 2022\"");
    assert!(
        out.contains("help: the quote has words in square brackets, an editor's insertion the source does not have"),
        "{out}"
    );
    assert!(out.contains("[“[the Ministry's]” → “its”]"), "{out}");
}

#[test]
fn capitals_that_differ_are_named_with_the_fix() {
    let out =
        misquote("\"the ministry said on monday that hostile actors had access to its servers\"");
    assert!(
        out.contains("help: only capitalisation differs: copy the capitals as the source has them"),
        "{out}"
    );
    assert!(out.contains("[“monday” → “Monday”]"), "{out}");
}
