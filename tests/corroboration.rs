//! Corroboration: which shipped sources tell the same story, and how many
//! independent stories each claim rests on.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use support::BriefingTest;

const S000: &str = "000_0fc0c13424994b9d";
const S001: &str = "001_ebf839a506443e8e";
const S003: &str = "003_4529629cf3d177b6";

fn shipped() -> BriefingTest {
    BriefingTest::shipped()
}

/// Every claim of the site's note pages and front page: the sources its
/// evidence cites in support (citations marked `contradicts` or `context`
/// left out), and its support label.
fn claims(site: &Path) -> Vec<(String, BTreeSet<String>, String)> {
    let mut pages = vec![site.join("index.html")];
    for part in ["who", "what", "responses", "questions"] {
        for e in fs::read_dir(site.join(part)).unwrap() {
            pages.push(e.unwrap().path());
        }
    }
    let mut out = Vec::new();
    for page in pages {
        let html = fs::read_to_string(&page).unwrap();
        for claim in html.split("class=\"claim\">").skip(1) {
            let claim = &claim[..claim.find("</details>").unwrap_or(claim.len())];
            let Some(evidence) = claim.find("<ol>") else {
                continue;
            };
            let sources: BTreeSet<String> = claim[evidence..]
                .split("<li")
                .filter(|item| !item.contains("class=\"stance"))
                .flat_map(|item| support::attribute_values(item, "href").collect::<Vec<_>>())
                .filter_map(|h| {
                    let rest = h.split("sources/").nth(1)?;
                    Some(rest[..rest.find(".html")?].to_owned())
                })
                .filter(|id| id != "index")
                .collect();
            let Some(at) = claim.find("class=\"support") else {
                continue;
            };
            let label = &claim[at..];
            let label = &label[label.find('>').unwrap() + 1..];
            let label = &label[..label.find('<').unwrap()];
            out.push((page.display().to_string(), sources, label.to_owned()));
        }
    }
    out
}

#[test]
fn the_shipped_sources_group_000_with_003_and_nothing_else() {
    let t = shipped();
    t.run(&["build"]).expect_success();
    let index = t.read("book/sources/index.html");
    let groups = &index[index
        .find("Sources that tell the same story")
        .expect("a groups list")..];
    let groups = &groups[..groups.find("</section>").unwrap()];
    // One group: the machine-garbled 000 and the report it renders, 003.
    assert_eq!(groups.matches("<li><a href=").count(), 1, "{groups}");
    assert!(groups.contains(S000) && groups.contains(S003), "{groups}");
    assert!(!groups.contains(S001) && !groups.contains("002_") && !groups.contains("004_"));
    // Its score is shown, high; the closest independent pair is far below
    // the threshold.
    let score = |text: &str| -> f64 {
        let at = text.find("overlap ").unwrap() + "overlap ".len();
        text[at..at + 4].parse().unwrap()
    };
    assert!(score(groups) > 0.5, "{groups}");
    assert!(index.contains("5 sources, 4 independent stories"));
    let item_001 = &index[index.find(&format!("<code>{S001}</code>")).unwrap()..];
    let item_001 = &item_001[..item_001.find("</li>").unwrap()];
    assert!(score(item_001) < 0.35, "001 is its own story: {item_001}");
    assert!(!item_001.contains("same story"));
}

#[test]
fn each_claim_counts_independent_stories_and_single_story_claims_are_marked() {
    let t = shipped();
    t.run(&["build"]).expect_success();
    let claims = claims(&t.path().join("book"));
    assert!(claims.len() > 350, "{}", claims.len());
    let copies: BTreeSet<String> = [S000, S003].iter().map(|s| s.to_string()).collect();
    let (mut one_source, mut copies_seen, mut independent) = (0, 0, 0);
    let mut about = 0;
    for (page, sources, label) in &claims {
        if label == "about the sources" {
            about += 1;
            continue;
        }
        // What contradicts a claim is said after what supports it.
        let label = label.split("; disputed by").next().unwrap().to_owned();
        let label = &label;
        match sources.len() {
            1 => {
                assert_eq!(label, "1 source", "{page} {sources:?}");
                one_source += 1;
            }
            _ if *sources == copies => {
                // 000 and 003 are one report: never independent.
                assert_eq!(label, "2 sources, one story", "{page}");
                copies_seen += 1;
            }
            n => {
                assert!(
                    label.starts_with(&format!("{n} ")),
                    "{page} {sources:?} {label}"
                );
                if label.contains("independent") {
                    independent += 1;
                }
            }
        }
    }
    assert!(
        one_source > 50 && copies_seen > 20 && independent > 50 && about > 10,
        "{one_source} {copies_seen} {independent} {about}"
    );
    // Single-story claims carry the warning class; the others do not.
    // Each label links to the claim's evidence, which says how it counted.
    let page = t.read("book/who/apt31.html");
    assert!(
        page.contains("class=\"support single\" href=\"#c-"),
        "{page}"
    );
    assert!(page.contains("class=\"support\" href=\"#c-"), "{page}");
    assert!(page.contains("-evidence\">1 source</a>"), "{page}");
    assert!(page.contains(
        "<p><a href=\"../sources/index.html#independence\">How support is counted</a></p>"
    ));
}

#[test]
fn the_threshold_is_configurable_and_checked() {
    let t = shipped();
    let book = fs::read_to_string(t.path().join("book.toml")).unwrap();
    // At 0.2, 001 (which shares agency sentences with 003) joins the group.
    let t = t.file(
        "book.toml",
        &format!("{book}\n[corroboration]\nthreshold = 0.2\n"),
    );
    t.run(&["build"]).expect_success();
    let index = t.read("book/sources/index.html");
    assert!(
        index.contains("5 sources, 3 independent stories"),
        "{index}"
    );
    let t = t.file(
        "book.toml",
        &format!("{book}\n[corroboration]\nthreshold = 1.5\n"),
    );
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[config]")
        .expect_stderr("threshold must be above 0 and at most 1")
        .expect_stderr("book.toml:");
}

/// The shipped briefing counts no contradicting, dateline or negative-claim
/// citation as support.
#[test]
fn the_shipped_labels_count_only_what_supports_the_claim() {
    let t = shipped();
    t.run(&["build", "--deny-warnings"]).expect_success();
    let label_of = |page: &str, anchor: &str| -> String {
        let html = t.read(page);
        let claim = &html[html.find(&format!("<li id=\"{anchor}\"")).unwrap()..];
        let at = claim.find("class=\"support").unwrap();
        let rest = &claim[at..];
        let rest = &rest[rest.find('>').unwrap() + 1..];
        rest[..rest.find('<').unwrap()].to_owned()
    };
    // The first bottom-line item: 002's dateline fixes the date, it does
    // not confirm the blame.
    assert_eq!(
        label_of("book/index.html", "bl-1"),
        "4 sources, 3 independent"
    );
    // 43 individuals: 002's four lawmakers are shown beside them, as
    // context (they may be among the 43), and not counted.
    assert_eq!(label_of("book/index.html", "kf-4"), "2 sources, one story");
    // That the sources disagree, or that none says something, is a claim
    // about them.
    assert_eq!(label_of("book/index.html", "kf-9"), "about the sources");
    assert_eq!(label_of("book/who/apt31.html", "c-7"), "about the sources");
    // 000 is declared a copy of 003, and the site says so.
    let index = t.read("book/sources/index.html");
    assert!(index.contains(
        "“Source 000 (machine-translated copy of 003)” is declared to be derived from “Source 003 (reposted UK news report)”"
    ));
    // Sources are named by their labels, never by the garbled headline.
    let front = t.read("book/index.html");
    assert!(!front.contains("arrested for dressing up at the Foreign Office</a>"));
    assert!(front.contains(">Source 000 (machine-translated copy of 003)</a>"));
}
