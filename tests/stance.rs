//! Support a reader can trust: what a citation does for its claim
//! (`stance:`), what a claim is about (`about:`), the relations authors
//! declare between sources (`derived_from:`), and the label unfolded to say
//! why — run for real on the `basic` fixture, with the sources each test
//! needs written inline.

mod support;

use briefing::integrity::sha256_hex;
use support::BriefingTest;

/// Adds source `id` with `text`; `meta` is more metadata (YAML lines). A
/// source is untranslated unless `meta` says `translation:`.
fn with_source(t: BriefingTest, id: &str, text: &str, meta: &str) -> BriefingTest {
    let translation = if meta.contains("translation:") {
        ""
    } else {
        "translation: none\n"
    };
    let yaml = format!(
        "title: The {id} report\npublisher: {id} news\nlanguage: en\n{translation}sha256: {}\n{meta}",
        sha256_hex(text.as_bytes())
    );
    t.file(&format!("content/sources/{id}.txt"), text)
        .file(&format!("content/sources/{id}.yaml"), &yaml)
}

/// Replaces `who/ministry.yaml` with one claim: `claim` is the YAML of the
/// claim's item after `- text: …` (its `about:` and `cite:`).
fn ministry_claim(t: BriefingTest, claim: &str) -> BriefingTest {
    let note = format!(
        "title: The Ministry
type: government
related: [breach]
claims:
  - text: The Ministry confirmed the breach.
{claim}"
    );
    t.file("content/who/ministry.yaml", &note)
}

/// A citation of `source` quoting `quote`, with `extra` lines.
fn cite(source: &str, quote: &str, extra: &str) -> String {
    format!("      - source: {source}\n        quote: \"{quote}\"\n{extra}")
}

/// The support label of the ministry's claim, and its page.
fn label(t: &BriefingTest) -> (String, String) {
    let page = t.read("book/who/ministry.html");
    let at = page.find("class=\"support").expect("a support label");
    let rest = &page[at..];
    let label = &rest[rest.find('>').unwrap() + 1..rest.find("</a>").unwrap()];
    (label.to_owned(), page)
}

const A: &str =
    "The Ministry confirmed on Monday that its records had been breached by hostile actors.\n";
const B: &str =
    "Officials at the ministry denied that any records had been breached at all this year.\n";
const C: &str =
    "Dateline: London, 26 March 2024. Parliament sat late into the night on other business.\n";
const D: &str =
    "A minister told reporters that the breach was confirmed after a long internal review.\n";

fn four_sources() -> BriefingTest {
    let t = BriefingTest::new("basic");
    let t = with_source(t, "a", A, "");
    let t = with_source(t, "b", B, "");
    let t = with_source(t, "c", C, "");
    with_source(t, "d", D, "")
}

#[test]
fn only_supporting_citations_count_and_the_others_are_shown_for_what_they_are() {
    let claim = format!(
        "    cite:\n{}{}{}{}",
        cite("a", "its records had been breached by hostile actors", ""),
        cite(
            "d",
            "the breach was confirmed after a long internal review",
            ""
        ),
        cite(
            "b",
            "denied that any records had been breached",
            "        stance: contradicts\n"
        ),
        cite(
            "c",
            "Dateline: London, 26 March 2024",
            "        stance: context\n"
        ),
    );
    let t = ministry_claim(four_sources(), &claim);
    t.run(&["build"]).expect_success();
    let (shown, page) = label(&t);
    assert_eq!(shown, "2 independent sources; disputed by 1 source");
    assert!(
        page.contains("class=\"support disputed\""),
        "shown as disputed"
    );
    // Unfolded: which count, which contradict, which are context only.
    assert!(page.contains("Story 1: “a news”."), "{page}");
    assert!(page.contains("Story 2: “d news”."), "{page}");
    assert!(page.contains("Contradicted by “b news”."), "{page}");
    assert!(
        page.contains("Context only, not counted: “c news”."),
        "{page}"
    );
    // Each citation says what it does; supporting ones say nothing.
    assert!(page.contains(
        "<span class=\"stance stance-contradicts\">contradicts</span> <a href=\"../sources/b.html"
    ));
    assert!(page.contains(
        "<span class=\"stance stance-context\">context</span> <a href=\"../sources/c.html"
    ));
    assert!(!page.contains("stance-supports"));

    // A dateline alone is no support, and a claim only contradicted says so.
    let only = format!(
        "    cite:\n{}",
        cite(
            "c",
            "Dateline: London, 26 March 2024",
            "        stance: context\n"
        )
    );
    let t = ministry_claim(t, &only);
    t.run(&["build"]).expect_success();
    assert_eq!(label(&t).0, "context only");
    let against = format!(
        "    cite:\n{}",
        cite(
            "b",
            "denied that any records had been breached",
            "        stance: contradicts\n"
        )
    );
    let t = ministry_claim(t, &against);
    t.run(&["build"]).expect_success();
    assert_eq!(label(&t).0, "contradicted by 1 source");

    // A claim about the sources counts nothing, however many it cites.
    let about = format!(
        "    about: sources\n    cite:\n{}{}",
        cite("a", "its records had been breached by hostile actors", ""),
        cite(
            "d",
            "the breach was confirmed after a long internal review",
            ""
        ),
    );
    let t = ministry_claim(t, &about);
    t.run(&["build"]).expect_success();
    let (shown, page) = label(&t);
    assert_eq!(shown, "about the sources");
    assert!(page.contains("This claim is about the sources themselves"));
    // On its note's page it has a section of its own, after what the
    // sources say (here there is nothing else).
    assert!(page.contains("<h2 id=\"about-sources\">About the sources</h2>"));
    assert!(!page.contains("<h2 id=\"claims\">"));

    // The export says it all.
    let json: serde_json::Value =
        serde_json::from_str(&t.read("book/briefing.json")).expect("valid JSON");
    let note = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "ministry")
        .unwrap();
    assert_eq!(note["claims"][0]["about"], "sources");
    assert_eq!(note["claims"][0]["support"]["label"], "about the sources");
}

#[test]
fn an_unknown_stance_is_an_error_naming_the_valid_ones() {
    let claim = format!(
        "    cite:\n{}",
        cite("a", "hostile actors", "        stance: refutes\n")
    );
    ministry_claim(four_sources(), &claim)
        .run(&["check"])
        .expect_code(1)
        .expect_stderr(
            "unknown variant `refutes`, expected one of `supports`, `contradicts`, `context`",
        )
        .expect_stderr("content/who/ministry.yaml:9:");
}

/// A relay of a statement, reworded so that its text shares little with
/// it: text similarity cannot tell, the author can.
#[test]
fn a_declared_relation_makes_two_dissimilar_sources_one_story_and_says_so() {
    let t = ministry_claim(
        four_sources(),
        &format!(
            "    cite:\n{}{}",
            cite("a", "its records had been breached by hostile actors", ""),
            cite(
                "d",
                "the breach was confirmed after a long internal review",
                ""
            ),
        ),
    );
    t.run(&["build"]).expect_success();
    assert_eq!(label(&t).0, "2 independent sources");
    // Declared: `d` translates `a`, so their words differ.
    let t = with_source(
        t,
        "d",
        D,
        "translation: human\noriginal_language: fr\nderived_from: [a]\n",
    );
    t.run(&["build"])
        .expect_success()
        .expect_no_stderr("relation");
    let (shown, page) = label(&t);
    assert_eq!(shown, "2 sources, one story");
    assert!(
        page.contains("One story: “a news”, “d news (translation)”. “d news (translation)” is declared to be derived from “a news”."),
        "{page}"
    );
    let index = t.read("book/sources/index.html");
    assert!(index.contains("“d news (translation)” is declared to be derived from “a news”"));
    let json: serde_json::Value =
        serde_json::from_str(&t.read("book/briefing.json")).expect("valid JSON");
    let d = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "d")
        .unwrap();
    assert_eq!(d["metadata"]["derived_from"], serde_json::json!(["a"]));

    // Two untranslated texts in one language that share no wording: the
    // declaration is kept, and questioned.
    let t = with_source(t, "d", D, "derived_from: [a]\n");
    t.run(&["check"])
        .expect_success()
        .expect_stderr("warning[unlikely-relation]: `d` is declared derived from `a`, but their texts share almost no wording")
        .expect_stderr("content/sources/d.yaml:6:");
    assert_eq!(label(&t).0, "2 sources, one story");

    // A relation to a source that does not exist is an error at its line.
    with_source(t, "d", D, "derived_from: [aa]\n")
        .run(&["check"])
        .expect_code(1)
        .expect_stderr("error[unknown-source]: no source has the ID `aa`")
        .expect_stderr("content/sources/d.yaml:6:")
        .expect_stderr("did you mean `a`?");
}

/// A near-copy nobody declared: `check` says so and gives the line to add;
/// declared, the warning goes.
#[test]
fn an_undeclared_near_copy_gets_the_line_to_add() {
    let copy = format!("{A}It was first reported by a news wire.\n");
    let t = with_source(four_sources(), "copy", &copy, "translation: machine\n")
        .file(
            "content/sources/copy.yaml",
            &format!(
                "title: The copy\npublisher: copy news\nlanguage: en\ntranslation: machine\nsha256: {}\n",
                sha256_hex(copy.as_bytes())
            ),
        );
    let t = ministry_claim(
        t,
        &format!(
            "    cite:\n{}{}",
            cite("a", "its records had been breached by hostile actors", ""),
            cite("copy", "It was first reported by a news wire", ""),
        ),
    );
    t.run(&["check"])
        .expect_success()
        .expect_stderr("warning[undeclared-relation]: sources `copy` and `a` share")
        .expect_stderr("content/sources/copy.yaml")
        .expect_stderr("add `derived_from: [a]` to content/sources/copy.yaml");
    t.run(&["build"]).expect_success();
    assert_eq!(label(&t).0, "2 sources, one story", "one story either way");
    let t = t.file(
        "content/sources/copy.yaml",
        &format!(
            "title: The copy\npublisher: copy news\nlanguage: en\ntranslation: machine\nderived_from: [a]\nsha256: {}\n",
            sha256_hex(copy.as_bytes())
        ),
    );
    t.run(&["check"])
        .expect_success()
        .expect_no_stderr("relation");
}

/// Two outlets' different sentences that share version numbers and names
/// are two stories; one sentence printed by both is one.
#[test]
fn different_sentences_sharing_numbers_stay_apart_and_a_copied_sentence_merges() {
    let x = "Red Hat said the backdoor was present in versions 5.6.0 and 5.6.1 of the XZ Utils libraries shipped by several distributions.\n";
    let y = "Researchers found that a contributor introduced the malicious code in versions 5.6.0 and 5.6.1 of XZ Utils over two years.\n";
    let t = with_source(BriefingTest::new("basic"), "x", x, "");
    let t = with_source(t, "y", y, "");
    let t = ministry_claim(
        t,
        &format!(
            "    cite:\n{}{}",
            cite(
                "x",
                "present in versions 5.6.0 and 5.6.1 of the XZ Utils libraries shipped by several distributions",
                ""
            ),
            cite(
                "y",
                "introduced the malicious code in versions 5.6.0 and 5.6.1 of XZ Utils over two years",
                ""
            ),
        ),
    );
    t.run(&["build"]).expect_success();
    assert_eq!(label(&t).0, "2 independent sources");
    // One agency sentence in two otherwise different reports.
    let shared = "A front company and two individuals linked to the hacking group have been sanctioned over the cyber attacks on the watchdog";
    let first = "Ministers met in Whitehall on a grey morning while protesters gathered outside with banners and flasks of tea, and officials briefed reporters about budgets, trains, hospitals, schools, fishing quotas and the weather forecast for the coming bank holiday weekend.";
    let second = "Across the Atlantic, senators debated farm subsidies late into the evening; lobbyists crowded corridors, interns carried coffee, and a filibuster about grain tariffs, rural broadband, veterans' pensions and highway repairs dragged past midnight without any vote.";
    let t = with_source(t, "x", &format!("{first} {shared}.\n"), "");
    let t = with_source(t, "y", &format!("{shared}. {second}\n"), "");
    let t = ministry_claim(
        t,
        &format!(
            "    cite:\n{}{}",
            cite("x", shared, ""),
            cite("y", shared, "")
        ),
    );
    t.run(&["build"])
        .expect_success()
        .expect_no_stderr("relation");
    let (shown, page) = label(&t);
    assert_eq!(shown, "2 sources, one story");
    assert!(
        page.contains("The passages quoted from “x news” and “y news” share 100% of their wording"),
        "{page}"
    );
}

/// Sources are named by their label everywhere but their own page, which
/// has the full title.
#[test]
fn a_source_is_named_by_its_label_and_its_page_keeps_the_title() {
    let t = with_source(
        four_sources(),
        "a",
        A,
        "label: The A Wire, machine translation\n",
    );
    let t = ministry_claim(
        t,
        &format!(
            "    cite:\n{}",
            cite("a", "its records had been breached by hostile actors", "")
        ),
    );
    t.run(&["build"]).expect_success();
    let note = t.read("book/who/ministry.html");
    assert!(
        note.contains(">The A Wire, machine translation</a>"),
        "{note}"
    );
    let source = t.read("book/sources/a.html");
    assert!(
        source.contains("The a report"),
        "the full title on its page"
    );
    // Without a label: the publisher.
    assert!(t.read("book/sources/index.html").contains("d news"));
}
