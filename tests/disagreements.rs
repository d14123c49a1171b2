//! Disagreements: a note sets the sources' conflicting versions of a point
//! side by side, each with its citations; the open-questions index collects
//! them.

mod support;

use support::BriefingTest;

const QUESTION: &str = "title: When were the servers breached?\nstatus: inconsistent\nrelated: [breach]\nclaims:\n  - text: The reports differ on the dates.\n    cite:\n      - source: report-a\n        quote: between 2021 and 2022\ndisagreements:\n  - point: When did the attackers have access?\n    sides:\n      - text: Between 2021 and 2022.\n        cite:\n          - source: report-a\n            quote: had access to its servers between 2021 and 2022\n      - text: The attack is dated to the Tuesday.\n        cite:\n          - source: report-b\n            quote: the minister declared on Tuesday\n";

#[test]
fn sides_render_side_by_side_with_their_citations_and_are_collected_on_the_questions_index() {
    let t = BriefingTest::new("basic").file("content/questions/when.yaml", QUESTION);
    t.run(&["build"]).expect_success();
    let page = t.read("book/questions/when.html");
    let section = &page[page
        .find("id=\"disagreements\"")
        .expect("a disagreements section")..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("<div class=\"disagreement\" id=\"d-1\">"));
    assert!(section.contains("When did the attackers have access?"));
    // Both sides, in order, each a claim whose citation links to its passage.
    let first = section.find("Between 2021 and 2022.").unwrap();
    let second = section.find("The attack is dated to the Tuesday.").unwrap();
    assert!(first < second);
    assert!(section.contains("id=\"side-1\""));
    assert!(section.contains("id=\"side-2\""));
    assert!(section.contains("href=\"../sources/report-a.html#q-"));
    assert!(section.contains("href=\"../sources/report-b.html#q-"));
    // The source page links back to the side that quotes it.
    assert!(
        t.read("book/sources/report-b.html")
            .contains("href=\"../questions/when.html#side-2\"")
    );
    // The open-questions index lists it, linking to it.
    let index = t.read("book/questions/index.html");
    let listed = &index[index.find("id=\"disagreements\"").expect("collected")..];
    assert!(
        listed.contains(
            "href=\"../questions/when.html#d-1\">When did the attackers have access?</a>"
        )
    );
    assert!(listed.contains("Between 2021 and 2022."));
    // In print.html, its citations are numbered notes like any other.
    assert!(t.read("book/print.html").contains("id=\"n-when-side-2\""));
}

#[test]
fn a_side_is_checked_like_a_claim_and_located() {
    let bad = QUESTION.replace(
        "the minister declared on Tuesday",
        "the minister declared on Friday",
    );
    BriefingTest::new("basic")
        .file("content/questions/when.yaml", &bad)
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[quote-not-found]: this quote is not in source `report-b`")
        .expect_stderr("content/questions/when.yaml:19:");
    let uncited = QUESTION.replace("        cite:\n          - source: report-b\n            quote: the minister declared on Tuesday\n", "");
    BriefingTest::new("basic")
        .file("content/questions/when.yaml", &uncited)
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[uncited-claim]")
        .expect_stderr("content/questions/when.yaml:16:");
}

#[test]
fn a_disagreement_needs_two_sides() {
    let one = &QUESTION[..QUESTION.find("      - text: The attack is dated").unwrap()];
    BriefingTest::new("basic")
        .file("content/questions/when.yaml", one)
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[one-sided]: the disagreement `When did the attackers have access?` has 1 side(s)")
        .expect_stderr("content/questions/when.yaml:12:");
}

#[test]
fn the_shipped_briefing_collects_its_disagreements_on_the_questions_index() {
    let t = BriefingTest::shipped();
    t.run(&["build"]).expect_success();
    let index = t.read("book/questions/index.html");
    let listed = &index[index.find("id=\"disagreements\"").unwrap()..];
    let listed = &listed[..listed.find("</section>").unwrap()];
    for (note, point) in [
        ("who-was-summoned", "Who was summoned, and had it happened?"),
        (
            "how-many-parliamentarians-were-targeted",
            "How many parliamentarians?",
        ),
        (
            "nz-sanctions-contradiction",
            "Did New Zealand impose sanctions?",
        ),
    ] {
        assert!(
            listed.contains(&format!(
                "href=\"../questions/{note}.html#d-1\">{point}</a>"
            )),
            "{note}"
        );
        assert!(
            t.read(&format!("book/questions/{note}.html"))
                .contains("id=\"d-1\"")
        );
    }
}

#[test]
fn a_side_citing_what_a_claim_cites_names_the_claim_instead_of_repeating_its_quotes() {
    let t = BriefingTest::new("basic").file(
        "content/questions/who-did-it.yaml",
        r#"title: Who were the attackers?
status: inconsistent
related: [breach, statement]
claims:
  - text: Report B does not name the attackers.
    cite:
      - source: report-b
        quote: The attackers were not named.
disagreements:
  - point: Named or not?
    sides:
      - text: Not named (report B).
        cite:
          - source: report-b
            quote: The attackers were not named.
      - text: Hostile actors (report A).
        cite:
          - source: report-a
            quote: hostile actors had access to its servers
"#,
    );
    t.run(&["build"]).expect_success();
    let page = t.read("book/questions/who-did-it.html");
    let sides = &page[page.find("class=\"sides\"").unwrap()..];
    let sides = &sides[..sides.find("</ol></div>").unwrap()];
    // The first side's evidence is claim 1's: named, not repeated.
    let first = &sides[..sides.find("id=\"side-2\"").unwrap()];
    assert!(
        first.contains("Evidence: that of <a href=\"#c-1\">claim 1</a> above."),
        "{first}"
    );
    assert!(!first.contains("The attackers were not named"), "{first}");
    assert!(!first.contains("<details"), "{first}");
    // The second cites what no claim cites: its own evidence, quote and all.
    let second = &sides[sides.find("id=\"side-2\"").unwrap()..];
    assert!(second.contains("<details class=\"evidence\""), "{second}");
    assert!(
        second.contains("hostile actors had access to its servers"),
        "{second}"
    );
    // The link lands on the claim.
    assert!(page.contains("<li id=\"c-1\" class=\"claim\">"));
}
