//! `briefing.json`: the build's machine-readable export, held to its schema
//! (docs/briefing.schema.json) and to the content it was made from.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};
use support::{BriefingTest, has_id};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped briefing, built; and its export, parsed.
fn shipped() -> (BriefingTest, Value) {
    let t = BriefingTest::from_dir(repo(), &["book.toml", "content"]);
    t.run(&["build"]).expect_success();
    let export =
        serde_json::from_str(&t.read("book/briefing.json")).expect("briefing.json is JSON");
    (t, export)
}

fn schema() -> Value {
    let text = fs::read_to_string(repo().join("docs/briefing.schema.json")).unwrap();
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// Every schema violation of `export`, one per line.
fn violations(export: &Value) -> String {
    let schema = schema();
    jsonschema::meta::validate(&schema).expect("the schema is a valid draft 2020-12 schema");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(export)
        .map(|e| format!("at {}: {e}\n", e.instance_path()))
        .collect()
}

fn array<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is an array in {v}"))
}

/// Every claim of the export, with where it is.
fn claims(export: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if !export["front"].is_null() {
        for field in ["bottom_line", "key_facts"] {
            for c in array(&export["front"], field) {
                out.push((format!("front {field}"), c));
            }
        }
    }
    for note in array(export, "notes") {
        for c in array(note, "claims") {
            out.push((format!("note {}", note["id"]), c));
        }
        for d in array(note, "disagreements") {
            for c in array(d, "sides") {
                out.push((format!("note {} {}", note["id"], d["id"]), c));
            }
        }
    }
    out
}

/// (notes, claims, citations, quoted citations) as written in `content/`.
fn counted_in_content(root: &Path) -> (usize, usize, usize, usize) {
    let (mut notes, mut claims, mut cites, mut quoted) = (0, 0, 0, 0);
    let mut count = |doc: &serde_yaml::Value, fields: &[&str]| {
        for field in fields {
            for claim in doc[*field].as_sequence().into_iter().flatten() {
                claims += 1;
                for cite in claim["cite"].as_sequence().into_iter().flatten() {
                    cites += 1;
                    quoted += usize::from(cite.get("quote").is_some());
                }
            }
        }
    };
    for dir in ["who", "what", "responses", "questions"] {
        for entry in fs::read_dir(root.join("content").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let doc: serde_yaml::Value =
                    serde_yaml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                notes += 1;
                count(&doc, &["claims"]);
                for d in doc["disagreements"].as_sequence().into_iter().flatten() {
                    count(d, &["sides"]);
                }
            }
        }
    }
    let front = root.join("content/front.yaml");
    if front.is_file() {
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&fs::read_to_string(front).unwrap()).unwrap();
        count(&doc, &["bottom_line", "key_facts"]);
    }
    (notes, claims, cites, quoted)
}

/// What quote matching forgives (docs/format.md): white space runs, quote
/// marks and dash styles.
fn forgiving(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| match c {
            '“' | '”' | '„' | '″' => '"',
            '‘' | '’' | '‚' | '′' => '\'',
            '‐' | '‑' | '‒' | '–' | '—' | '―' => '-',
            c => c,
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks every quoted citation of `export` against the source texts in
/// `root`: the code-point and byte offsets both slice the text to `exact`,
/// `exact` is the note's quote up to what matching forgives, and prefix and
/// suffix are the 32 characters around it. Returns how many it checked.
fn check_selectors(root: &Path, export: &Value) -> usize {
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for s in array(export, "sources") {
        let text = fs::read_to_string(root.join(s["file"].as_str().unwrap())).unwrap();
        texts.insert(s["id"].as_str().unwrap().to_owned(), text);
    }
    let mut checked = 0;
    for (place, claim) in claims(export) {
        for cite in array(claim, "citations") {
            let what = format!("{place}, {}: {cite}", claim["id"]);
            if cite["quote"].is_null() {
                assert!(cite["selector"].is_null(), "no quote, no selector: {what}");
                assert!(cite["utf8"].is_null(), "no quote, no range: {what}");
                continue;
            }
            let text = &texts[cite["source"].as_str().unwrap()];
            let chars: Vec<char> = text.chars().collect();
            let sel = array(cite, "selector");
            let (quote, position) = (&sel[0], &sel[1]);
            assert_eq!(quote["type"], "TextQuoteSelector", "{what}");
            assert_eq!(position["type"], "TextPositionSelector", "{what}");
            let exact = quote["exact"].as_str().unwrap();
            let (start, end) = (
                position["start"].as_u64().unwrap() as usize,
                position["end"].as_u64().unwrap() as usize,
            );
            let slice = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
            assert_eq!(
                slice(start, end),
                exact,
                "code points slice to exact: {what}"
            );
            let (bs, be) = (
                cite["utf8"]["start"].as_u64().unwrap() as usize,
                cite["utf8"]["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(
                &text.as_bytes()[bs..be],
                exact.as_bytes(),
                "bytes slice to exact: {what}"
            );
            assert_eq!(
                forgiving(exact),
                forgiving(cite["quote"].as_str().unwrap()),
                "exact is the quote as matched: {what}"
            );
            assert_eq!(
                quote["prefix"],
                slice(start.saturating_sub(32), start),
                "{what}"
            );
            assert_eq!(
                quote["suffix"],
                slice(end, (end + 32).min(chars.len())),
                "{what}"
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn the_shipped_briefings_export_follows_its_schema() {
    let (_t, export) = shipped();
    let problems = violations(&export);
    assert!(
        problems.is_empty(),
        "briefing.json breaks its schema:\n{problems}"
    );
    assert_eq!(export["schema_version"], "1.3.0");
    // An event whose date the author derived says so; the others do not.
    let derived: Vec<&str> = export["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["date_derived"] == true)
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(derived, ["apt31-decade-of-targeting"]);
    assert_eq!(export["generator"]["name"], "briefing");
    assert_eq!(export["generator"]["version"], env!("CARGO_PKG_VERSION"));

    // The schema is not vacuous: a broken export fails it.
    let mut broken = export.clone();
    broken["notes"][0]["claims"][0]["citations"][0]["selector"][1]["start"] = Value::from("12");
    broken["sources"][0]["sha256"] = Value::from("not a hash");
    broken["notes"][0]["kind"] = Value::from("rumour");
    let problems = violations(&broken);
    for place in [
        "/notes/0/claims/0/citations/0/selector",
        "/sources/0/sha256",
        "/notes/0/kind",
    ] {
        assert!(
            problems.contains(place),
            "{place} not reported:\n{problems}"
        );
    }
}

#[test]
fn the_export_holds_every_note_claim_citation_and_source_of_the_content() {
    let (t, export) = shipped();
    let (notes, claims_written, cites, quoted) = counted_in_content(t.path());
    let all = claims(&export);
    let exported_cites: Vec<&Value> = all
        .iter()
        .flat_map(|(_, c)| array(c, "citations"))
        .collect();
    assert_eq!(array(&export, "notes").len(), notes);
    assert_eq!(all.len(), claims_written);
    assert_eq!(exported_cites.len(), cites);
    let with_selector = exported_cites
        .iter()
        .filter(|c| c["selector"].is_array())
        .count();
    assert_eq!(with_selector, quoted, "every quote located");

    let texts: BTreeSet<String> = fs::read_dir(t.path().join("content/sources"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let ids: Vec<String> = array(&export, "sources")
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        texts.iter().cloned().collect::<Vec<_>>(),
        "every source, by ID"
    );

    // Notes in reading order: the parts one after the other.
    let kinds: Vec<&str> = array(&export, "notes")
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    let rank = |k: &str| {
        ["who", "what", "response", "question"]
            .iter()
            .position(|x| *x == k)
    };
    assert!(
        kinds.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{kinds:?}"
    );
    let event = array(&export, "notes")
        .iter()
        .find(|n| n["kind"] == "what")
        .unwrap();
    assert!(event["date"]["start"].as_str().unwrap() <= event["date"]["end"].as_str().unwrap());
}

#[test]
fn every_quote_is_anchored_by_offsets_and_context_that_slice_the_source() {
    let (t, export) = shipped();
    let checked = check_selectors(t.path(), &export);
    assert!(checked > 300, "only {checked} quotes checked");
    // The shipped sources have curly quotes: code points and bytes differ.
    let differ = claims(&export)
        .iter()
        .flat_map(|(_, c)| array(c, "citations"))
        .filter(|c| c["selector"][1]["start"] != c["utf8"]["start"])
        .count();
    assert!(differ > 0);
}

#[test]
fn sources_carry_their_hash_metadata_and_corroboration_group() {
    let (t, export) = shipped();
    let groups = array(&export["corroboration"], "groups");
    for s in array(&export, "sources") {
        let bytes = fs::read(t.path().join(s["file"].as_str().unwrap())).unwrap();
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(s["sha256"], hex, "{}", s["id"]);
        assert_eq!(s["bytes"], bytes.len());
        assert_eq!(
            s["characters"],
            String::from_utf8(bytes).unwrap().chars().count()
        );
        let group = &groups[s["corroboration_group"].as_u64().unwrap() as usize];
        assert!(array(group, "sources").contains(&s["id"]), "{s}");
        assert!(s["metadata"]["language"].is_string());
        assert_eq!(
            s["metadata"]["sha256"], hex,
            "the recorded hash is the text's"
        );
        assert!(t.exists(&format!("book/{}", s["href"].as_str().unwrap())));
    }
    // Each source in exactly one group; 000 is a round-trip translation
    // of the report 003 carries, so they tell one story.
    let members: Vec<&Value> = groups.iter().flat_map(|g| array(g, "sources")).collect();
    assert_eq!(members.len(), array(&export, "sources").len());
    let group_of = |id: &str| {
        array(&export, "sources")
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()["corroboration_group"]
            .clone()
    };
    assert_eq!(
        group_of("000_0fc0c13424994b9d"),
        group_of("003_4529629cf3d177b6")
    );
    assert_ne!(
        group_of("001_ebf839a506443e8e"),
        group_of("003_4529629cf3d177b6")
    );
    // A claim citing both counts them as one story.
    let bottom = &export["front"]["bottom_line"][0]["support"];
    assert!(
        bottom["independent"].as_u64() < bottom["sources"].as_u64(),
        "{bottom}"
    );
}

#[test]
fn links_in_the_export_lead_to_the_claim_and_the_highlighted_passage() {
    let (t, export) = shipped();
    let page = |href: &str| -> (String, String) {
        let (path, fragment) = href.split_once('#').unwrap_or((href, ""));
        (t.read(&format!("book/{path}")), fragment.to_owned())
    };
    let mut disagreements = 0;
    for note in array(&export, "notes") {
        for d in array(note, "disagreements") {
            let (html, id) = page(d["href"].as_str().unwrap());
            assert!(has_id(&html, &id), "{}: no #{id}", note["id"]);
            disagreements += 1;
        }
    }
    assert!(disagreements >= 3, "the shipped briefing's disagreements");
    for (place, claim) in claims(&export) {
        let (html, id) = page(claim["href"].as_str().unwrap());
        assert!(has_id(&html, &id), "{place}: no #{id}");
        for cite in array(claim, "citations") {
            let (html, id) = page(cite["href"].as_str().unwrap());
            assert!(has_id(&html, &id), "{place}: no #{id} for {cite}");
            // The passage marked there starts as the quote as matched.
            let anchor = format!("id=\"{id}\"");
            let after = &html[html.find(&anchor).unwrap() + anchor.len()..];
            let shown = text_of(&after[after.find('>').unwrap() + 1..]);
            let exact = cite["selector"][0]["exact"].as_str().unwrap();
            assert_eq!(
                shown.split_whitespace().next(),
                exact.split_whitespace().next(),
                "{place}: #{id}"
            );
        }
    }
}

/// The text of some HTML: tags and back-reference arrows dropped, the
/// escapes Tera writes undone.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars().take(2000) {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            '↩' => {}
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn offsets_count_code_points_and_a_citation_without_quote_has_no_selector() {
    // A source with accents, a character outside the Basic Multilingual
    // Plane (one code point, two UTF-16 units, four bytes), a quote at the
    // very start and one at the very end.
    let text = "Le ministère a déclaré : « 𝒜 est responsable ». Fin du communiqué";
    let t = BriefingTest::new("basic")
        .file("content/sources/communique.txt", text)
        .file(
            "content/sources/communique.yaml",
            "title: Communiqué\nlanguage: fr\ntranslation: none\n",
        )
        .file(
            "content/questions/communique.yaml",
            r#"title: What does the communiqué say?
status: unknown
related: [ministry]
claims:
  - text: It names someone.
    cite:
      - source: communique
        quote: "« 𝒜 est responsable »"
      - source: communique
        quote: "Le ministère"
      - source: communique
        quote: "Fin du communiqué"
      - source: communique
        comment: The whole text, no quote.
"#,
        );
    t.run(&["build"]).expect_success();
    let export: Value = serde_json::from_str(&t.read("book/briefing.json")).unwrap();
    let problems = violations(&export);
    assert!(problems.is_empty(), "{problems}");
    check_selectors(t.path(), &export);

    let note = array(&export, "notes")
        .iter()
        .find(|n| n["id"] == "communique")
        .unwrap();
    let cites = array(&note["claims"][0], "citations");
    let at = |i: usize| {
        (
            &cites[i]["selector"][0],
            &cites[i]["selector"][1],
            &cites[i]["utf8"],
        )
    };
    let (quote, pos, bytes) = at(0);
    assert_eq!(quote["exact"], "« 𝒜 est responsable »");
    assert_eq!(quote["prefix"], "Le ministère a déclaré : ");
    assert_eq!(quote["suffix"], ". Fin du communiqué");
    assert_eq!(
        (pos["start"].as_u64(), pos["end"].as_u64()),
        (Some(25), Some(46))
    );
    assert_eq!(
        (bytes["start"].as_u64(), bytes["end"].as_u64()),
        (Some(28), Some(54))
    );
    let (quote, pos, _) = at(1);
    assert_eq!(
        (quote["prefix"].as_str(), pos["start"].as_u64()),
        (Some(""), Some(0))
    );
    let (quote, pos, _) = at(2);
    assert_eq!(quote["suffix"], "");
    assert_eq!(pos["end"].as_u64(), Some(text.chars().count() as u64));

    let unquoted = &cites[3];
    assert!(
        unquoted["quote"].is_null() && unquoted["selector"].is_null() && unquoted["utf8"].is_null()
    );
    assert_eq!(unquoted["href"], "sources/communique.html");
    assert_eq!(unquoted["comment"], "The whole text, no quote.");
    let source = array(&export, "sources")
        .iter()
        .find(|s| s["id"] == "communique")
        .unwrap();
    assert_eq!(source["characters"], text.chars().count());
    assert_eq!(source["bytes"], text.len());
}
