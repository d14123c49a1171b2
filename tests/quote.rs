//! `briefing quote`: rough words in, citations that pass the check out. Run
//! for real on the `basic` fixture; each found citation is pasted into a
//! note and checked, as an author would.

mod support;

use support::BriefingTest;

/// The `quote:` value (as YAML, after `quote: `) and `occurrence:` line of
/// the first citation `briefing quote` printed.
fn first_citation(stdout: &str) -> (String, Option<String>) {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("quote: "));
    let quote = lines
        .next()
        .unwrap_or_else(|| panic!("no citation in:\n{stdout}"))
        .trim_start()["quote: ".len()..]
        .to_owned();
    let occurrence = lines
        .next()
        .filter(|l| l.trim_start().starts_with("occurrence:"))
        .map(|l| l.trim().to_owned());
    (quote, occurrence)
}

/// The basic briefing with the ministry's only claim citing `source` with
/// `quote` (YAML) and an optional `occurrence:` line.
fn cited(t: BriefingTest, source: &str, quote: &str, occurrence: Option<&str>) -> BriefingTest {
    let occurrence = occurrence.map_or(String::new(), |o| format!("        {o}\n"));
    t.file(
        "content/who/ministry.yaml",
        &format!(
            "title: The Ministry
type: government
role: Holder of the breached records
related: [breach]
claims:
  - text: The Ministry confirmed the breach.
    cite:
      - source: {source}
        quote: {quote}
{occurrence}"
        ),
    )
}

#[test]
fn misspelt_words_find_the_passage_and_the_citation_passes_the_check() {
    let t = BriefingTest::new("basic");
    let run = t
        .run(&["quote", "report-a", "hostle actors had acess to its servrs"])
        .expect_success();
    let out = run.stdout();
    assert!(
        out.starts_with("# report-a, ¶2 (line 3): 7 of 7 words found"),
        "{out}"
    );
    assert!(out.contains("- source: report-a\n"), "{out}");
    let (quote, occurrence) = first_citation(&out);
    assert_eq!(quote, "\"hostile actors had access to its servers\"");
    assert_eq!(occurrence, None);
    cited(t, "report-a", &quote, None)
        .run(&["check"])
        .expect_success()
        .expect_no_stderr("quote-not-found");
}

#[test]
fn reordered_words_find_the_passage_with_its_curly_quotes() {
    let t = BriefingTest::new("basic");
    let out = t
        .run(&[
            "quote",
            "report-a",
            "elections secure minister tolerate malicious",
        ])
        .expect_success()
        .stdout();
    let (quote, _) = first_citation(&out);
    // The source's own words and marks, from the first word found to the
    // last, whatever the order they were typed in.
    assert_eq!(
        quote,
        "\"tolerate malicious cyber activity,” the minister said — adding that elections remain secure.\""
    );
    cited(t, "report-a", &quote, None)
        .run(&["check"])
        .expect_success();
}

#[test]
fn all_sources_searches_every_source_and_names_each() {
    let t = BriefingTest::new("basic");
    let out = t
        .run(&[
            "quote",
            "--all-sources",
            "complex cyberatack ministry victim",
        ])
        .expect_success()
        .stdout();
    assert!(out.starts_with("# report-b, ¶1 (line 1)"), "{out}");
    assert!(out.contains("- source: report-b\n"), "{out}");
    let (quote, _) = first_citation(&out);
    assert_eq!(
        quote,
        r#""ministry was the victim of a \"complex\" cyberattack""#
    );
    cited(t, "report-b", &quote, None)
        .run(&["check"])
        .expect_success();
}

#[test]
fn a_passage_that_occurs_twice_gets_its_occurrence() {
    let text = "Echo report\n\nThe minister said the servers were safe. Officials disagreed.\n\nLater the minister said the servers were safe again.\n";
    let t = BriefingTest::new("basic").file("content/sources/echo.txt", text);
    let out = t
        .run(&[
            "quote",
            "echo",
            "later minister said servers were safe",
            "-n",
            "1",
        ])
        .expect_success()
        .stdout();
    let (quote, occurrence) = first_citation(&out);
    assert_eq!(quote, "\"Later the minister said the servers were safe\"");
    assert_eq!(occurrence, None, "with `Later` the words occur once");
    let out = t
        .run(&["quote", "echo", "ministr said the servers were safe again"])
        .expect_success()
        .stdout();
    let (quote, occurrence) = first_citation(&out);
    assert_eq!(quote, "\"minister said the servers were safe again.\"");
    assert_eq!(occurrence, None);
    // Words found in both paragraphs: the second place is named.
    let out = t
        .run(&[
            "quote",
            "echo",
            "minister said the servers were safe",
            "-n",
            "2",
        ])
        .expect_success()
        .stdout();
    assert!(
        out.contains("¶2 (line 3)") && out.contains("¶3 (line 5)"),
        "{out}"
    );
    let second = out.split("\n\n").nth(1).expect("two passages");
    assert!(second.contains("occurrence: 2"), "{out}");
    let (quote, occurrence) = first_citation(second);
    cited(t, "echo", &quote, occurrence.as_deref())
        .run(&["check"])
        .expect_success()
        .expect_no_stderr("ambiguous-quote");
}

#[test]
fn an_unknown_source_says_which_was_meant() {
    let t = BriefingTest::new("basic");
    t.run(&["quote", "report-c", "hostile actors"])
        .expect_code(2)
        .expect_stderr("no source has the ID `report-c` (did you mean `report-a`?)");
    t.run(&["quote", "content/sources/report-a.txt", "hostile actors"])
        .expect_success();
    t.run(&["quote", "report-a"])
        .expect_code(2)
        .expect_stderr("give the source's ID, then the words to find");
}

#[test]
fn words_found_nowhere_are_said_so() {
    BriefingTest::new("basic")
        .run(&["quote", "report-a", "quantum chromodynamics lattice"])
        .expect_code(1)
        .expect_stderr("quote: no passage resembles “quantum chromodynamics lattice”");
}

#[test]
fn a_misquote_with_typos_and_reordering_is_shown_its_passage() {
    // The fuzzy search behind `quote` also finds the passage a
    // quote-not-found error shows.
    let t = cited(
        BriefingTest::new("basic"),
        "report-a",
        "\"hostle actors had acess to its servers betwen 2021 and 2022\"",
        None,
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[quote-not-found]")
        .expect_stderr("hostile actors had access to its servers between 2021 and 2022.")
        .expect_stderr("[“hostle” → “hostile”]");
}

#[test]
fn a_quote_like_nothing_in_its_source_points_to_the_search() {
    cited(
        BriefingTest::new("basic"),
        "report-a",
        "\"quantum chromodynamics on a lattice\"",
        None,
    )
    .run(&["check"])
    .expect_code(1)
    .expect_stderr("no similar passage found: check that you cite the right source; `briefing quote --all-sources \"a few words you remember\"` searches every source");
}
