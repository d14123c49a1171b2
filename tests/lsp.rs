//! `briefing lsp`, driven over stdio by a client written here, as an
//! editor would drive it: open a note, type a misquote and see the problem
//! at its place, fix it and see it go, complete a source ID, a quote and a
//! note ID, and see a change to a source on disk reach the notes quoting it.
//! Every wait is for a message, never for a time (the deadline only turns
//! a hang into a failure).

#[path = "support/lsp_client.rs"]
mod client;
mod support;

use client::{Client, uri};
use serde_json::{Value, json};
use support::BriefingTest;

/// The ministry note citing report-a with `quote` (as YAML): the quote is
/// on line 8 (from 0), from column 15.
fn ministry(quote: &str) -> String {
    format!(
        "title: The Ministry
type: government
role: Holder of the breached records
related: [breach]
claims:
  - text: The Ministry confirmed the breach.
    cite:
      - source: report-a
        quote: {quote}
"
    )
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().filter_map(|d| d["code"].as_str()).collect()
}

#[test]
fn problems_appear_as_you_type_and_go_when_fixed() {
    let t = BriefingTest::new("basic");
    let root = t.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    let note = root.join("content/who/ministry.yaml");
    let uri = uri(&note);
    let on_disk = std::fs::read_to_string(&note).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": on_disk}}),
    );
    // A misquote, typed, not saved.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"text": ministry("\"Ministry confirms record breach\"")}]}),
    );
    let diags = c.diagnostics("content/who/ministry.yaml", |d| !d.is_empty());
    let d = &diags[0];
    assert_eq!(d["code"], "quote-not-found", "{diags:?}");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["range"]["start"], json!({"line": 8, "character": 15}));
    assert_eq!(d["range"]["end"], json!({"line": 8, "character": 48}));
    let message = d["message"].as_str().unwrap();
    assert!(
        message.starts_with("this quote is not in source `report-a`"),
        "{message}"
    );
    assert!(message.contains("[“record” → “records”]"), "{message}");
    // The closest passage, in the source, as related information.
    let related = &d["relatedInformation"][0];
    assert!(
        related["location"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("content/sources/report-a.txt")
    );
    assert_eq!(related["location"]["range"]["start"]["line"], 0);
    // Nothing was written.
    assert_eq!(std::fs::read_to_string(&note).unwrap(), on_disk);
    // Fixed: the problem goes.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3},
               "contentChanges": [{"text": ministry("\"Ministry confirms records breach\"")}]}),
    );
    c.diagnostics("content/who/ministry.yaml", <[Value]>::is_empty);
}

#[test]
fn a_source_changed_on_disk_updates_the_notes_that_quote_it() {
    let t = BriefingTest::new("basic");
    let root = t.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    let source = root.join("content/sources/report-a.txt");
    let text = std::fs::read_to_string(&source).unwrap();
    std::fs::write(
        &source,
        text.replace("Ministry confirms records breach", "Ministry denies breach"),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&source), "type": 2}]}),
    );
    let diags = c.diagnostics("content/who/ministry.yaml", |d| {
        codes(d).contains(&"quote-not-found")
    });
    assert!(codes(&diags).contains(&"quote-not-found"), "{diags:?}");
    // And the changed text itself, against its recorded hash.
    let diags = c.diagnostics("content/sources/report-a.yaml", |d| {
        codes(d).contains(&"source-changed")
    });
    assert!(!diags.is_empty());
}

#[test]
fn sources_quotes_and_notes_are_completed() {
    let t = BriefingTest::new("basic");
    let root = t.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    let note = root.join("content/who/ministry.yaml");
    let uri = uri(&note);
    let text = "title: The Ministry
type: government
role: Holder of the breached records
related: [br
claims:
  - text: The Ministry confirmed the breach.
    cite:
      - source: rep
      - source: report-a
        quote: \"hostle actors acess servers
";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    // Source IDs after `source:`, with their titles.
    let items = c.complete(&uri, 7, 19);
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(labels, ["report-a", "report-b"], "{items:?}");
    assert_eq!(items[0]["textEdit"]["newText"], "report-a");
    assert_eq!(
        items[0]["textEdit"]["range"]["start"],
        json!({"line": 7, "character": 16})
    );
    assert!(
        items[0]["detail"]
            .as_str()
            .unwrap()
            .contains("Ministry confirms records breach"),
        "{items:?}"
    );
    // A quote: the words typed so far, found in the cited source, the
    // exact passage offered in place of the rest of the line.
    let items = c.complete(&uri, 9, 43);
    let first = &items[0];
    assert_eq!(
        first["label"], "hostile actors had access to its servers",
        "{items:?}"
    );
    assert_eq!(
        first["textEdit"]["newText"],
        "\"hostile actors had access to its servers\""
    );
    assert_eq!(
        first["textEdit"]["range"],
        json!({"start": {"line": 9, "character": 15}, "end": {"line": 9, "character": 43}})
    );
    assert_eq!(first["filterText"], "\"hostle actors acess servers");
    assert!(
        first["detail"]
            .as_str()
            .unwrap()
            .starts_with("¶2 of report-a"),
        "{first}"
    );
    // Note IDs in a markdown link being written.
    let linked = text.replace(
        "  - text: The Ministry confirmed the breach.",
        "  - text: The Ministry confirmed [the breach](note:bre",
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": linked}]}),
    );
    let items = c.complete(&uri, 5, 54);
    assert_eq!(items[0]["label"], "breach", "{items:?}");
    assert_eq!(
        items[0]["textEdit"]["range"]["start"],
        json!({"line": 5, "character": 51})
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text}]}),
    );
    // Note IDs in a reference list, with titles.
    let items = c.complete(&uri, 3, 12);
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(labels, ["breach"], "{items:?}");
}

#[test]
fn requests_it_does_not_know_or_cannot_read_get_errors_not_a_crash() {
    let t = BriefingTest::new("basic");
    let root = t.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    let r = c.request("textDocument/unknownThing", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    let r = c.request("textDocument/completion", json!({"nonsense": true}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // A document outside any briefing, and one that is not YAML: ignored.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///nowhere/x.yaml", "languageId": "yaml", "version": 1, "text": ": : :"}}),
    );
    c.notify("textDocument/didOpen", json!({"garbage": 1}));
    // Still serving, and shuts down cleanly.
    let r = c.request("shutdown", json!(null));
    assert!(r["error"].is_null(), "{r}");
    c.notify("exit", json!(null));
    let status = c.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

/// Applies the edits of a workspace edit for `uri` to `text`: the result
/// an editor would have. Edits come from the server in any order; they are
/// applied from the last to the first.
fn apply(text: &str, edit: &Value, uri: &str) -> String {
    let mut edits: Vec<&Value> = edit["changes"][uri]
        .as_array()
        .unwrap_or_else(|| panic!("no edit for {uri}: {edit}"))
        .iter()
        .collect();
    edits.sort_by_key(|e| {
        let s = &e["range"]["start"];
        (
            s["line"].as_u64().unwrap(),
            s["character"].as_u64().unwrap(),
        )
    });
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let rest = &text[start..];
        let mut units = 0;
        for (i, c) in rest.char_indices() {
            if units >= p["character"].as_u64().unwrap() as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut out = text.to_owned();
    for e in edits.into_iter().rev() {
        let (a, b) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
        out.replace_range(a..b, e["newText"].as_str().unwrap());
    }
    out
}

fn position(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

#[test]
fn hover_definition_and_references_lead_to_passages_sources_and_notes() {
    let t = BriefingTest::new("basic");
    let root = t.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    let note = uri(&root.join("content/who/ministry.yaml"));
    // On the quote: the passage, in bold in its paragraph, and the source.
    let h = c.request("textDocument/hover", position(&note, 8, 20));
    let value = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("{h}"));
    assert!(
        value.starts_with("> **Ministry confirms records breach**"),
        "{value}"
    );
    assert!(value.contains("¶1 · **Example Wire**"), "{value}");
    // Its definition: exactly the passage in the source's text.
    let d = c.request("textDocument/definition", position(&note, 8, 20));
    assert!(
        d["result"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("content/sources/report-a.txt"),
        "{d}"
    );
    assert_eq!(
        d["result"]["range"],
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 32}})
    );
    // A note ID: its title, and the note.
    let h = c.request("textDocument/hover", position(&note, 3, 12));
    assert_eq!(
        h["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .lines()
            .next(),
        Some("**Servers breached** (`breach`)"),
        "{h}"
    );
    let d = c.request("textDocument/definition", position(&note, 3, 12));
    assert!(
        d["result"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("content/what/breach.yaml"),
        "{d}"
    );
    // Every citation of report-a, each at its `source:` value.
    let r = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": note}, "position": {"line": 7, "character": 18}, "context": {"includeDeclaration": false}}),
    );
    let mut found: Vec<String> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let file = l["uri"]
                .as_str()
                .unwrap()
                .rsplit("/content/")
                .next()
                .unwrap()
                .to_owned();
            format!("{file}:{}", l["range"]["start"]["line"])
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "front.yaml:3",
            "responses/statement.yaml:8",
            "what/breach.yaml:7",
            "who/ministry.yaml:7"
        ],
        "{r}"
    );
    // Every reference to the note `breach`.
    let r = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": note}, "position": {"line": 3, "character": 12}, "context": {"includeDeclaration": true}}),
    );
    let files: Vec<&str> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["uri"]
                .as_str()
                .unwrap()
                .rsplit("/content/")
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(files[0], "what/breach.yaml", "the declaration first: {r}");
    for referrer in [
        "who/ministry.yaml",
        "questions/who-did-it.yaml",
        "responses/statement.yaml",
    ] {
        assert!(files.contains(&referrer), "{referrer} missing: {r}");
    }
}

#[test]
fn quick_fixes_replace_a_misquote_a_misspelt_id_and_declare_a_copy() {
    let t = BriefingTest::new("basic");
    let root = t.path().canonicalize().unwrap();
    // A copy of report-a's text under another ID, relation undeclared.
    let text = t.read("content/sources/report-a.txt");
    let t = t.file("content/sources/report-c.txt", &text).file(
        "content/sources/report-c.yaml",
        &format!(
            "title: Copy\nlanguage: en\ntranslation: none\nsha256: {}\n",
            briefing::integrity::sha256_hex(text.as_bytes())
        ),
    );
    let mut c = Client::start(&root);
    let path = root.join("content/who/ministry.yaml");
    let note = uri(&path);
    let misquote = ministry("\"Ministry confirms record breach\"");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": note, "languageId": "yaml", "version": 1, "text": misquote}}),
    );
    let diags = c.diagnostics("content/who/ministry.yaml", |d| {
        codes(d).contains(&"quote-not-found")
    });
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": note}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    let action = &r["result"][0];
    assert_eq!(
        action["title"], "Replace the quote with the closest passage of the source",
        "{r}"
    );
    let fixed = apply(&misquote, &action["edit"], &note);
    assert_eq!(fixed, ministry("\"Ministry confirms records breach\""));
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": note, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    c.diagnostics("content/who/ministry.yaml", |d| {
        !codes(d).contains(&"quote-not-found")
    });
    // A misspelt source ID: the suggestion.
    let misspelt = ministry("\"Ministry confirms records breach\"")
        .replace("source: report-a", "source: reprot-a");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": note, "version": 3}, "contentChanges": [{"text": misspelt}]}),
    );
    let diags = c.diagnostics("content/who/ministry.yaml", |d| {
        codes(d).contains(&"unknown-source")
    });
    let unknown = diags
        .iter()
        .find(|d| d["code"] == "unknown-source")
        .unwrap();
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": note}, "range": unknown["range"], "context": {"diagnostics": [unknown]}}),
    );
    let action = &r["result"][0];
    assert_eq!(action["title"], "Change to `report-a`", "{r}");
    assert_eq!(
        apply(&misspelt, &action["edit"], &note),
        ministry("\"Ministry confirms records breach\"")
    );
    // The copy: `derived_from` added to its metadata.
    let meta_path = root.join("content/sources/report-c.yaml");
    let meta = uri(&meta_path);
    let diags = c.diagnostics("content/sources/report-c.yaml", |d| {
        codes(d).contains(&"undeclared-relation")
    });
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": meta}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    let action = &r["result"][0];
    assert_eq!(
        action["title"], "Declare that this source derives from `report-a`",
        "{r}"
    );
    let before = std::fs::read_to_string(&meta_path).unwrap();
    let after = apply(&before, &action["edit"], &meta);
    assert!(
        after.starts_with("title: Copy\nderived_from: [report-a]\nlanguage: en\n"),
        "{after}"
    );
    std::fs::write(&meta_path, &after).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": meta, "type": 2}]}),
    );
    c.diagnostics("content/sources/report-c.yaml", |d| {
        !codes(d).contains(&"undeclared-relation")
    });
    // The server wrote nothing itself.
    assert!(
        t.read("content/who/ministry.yaml")
            .contains("quote: Ministry confirms records breach")
    );
}

#[test]
fn fields_and_their_values_are_completed_for_the_part_of_the_file() {
    let t = BriefingTest::new("basic");
    let root = t.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    let note = uri(&root.join("content/who/ministry.yaml"));
    let text = "title: The Ministry
type: gov
ro
claims:
  - text: The Ministry confirmed the breach.
    ab
    cite:
      - source: report-a
        stance: con
        co
";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": note, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let labels = |items: Vec<Value>| -> Vec<String> {
        items
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect()
    };
    // The values of `type` for a who note.
    let items = c.complete(&note, 1, 9);
    assert_eq!(labels(items.clone()), ["government"], "{items:?}");
    assert_eq!(
        items[0]["textEdit"]["range"]["start"],
        json!({"line": 1, "character": 6})
    );
    // The note's own fields at the margin, a claim's inside `claims`, a
    // citation's inside `cite`.
    assert_eq!(labels(c.complete(&note, 2, 2)), ["role"]);
    let items = c.complete(&note, 5, 6);
    assert_eq!(labels(items.clone()), ["about"], "{items:?}");
    assert_eq!(items[0]["textEdit"]["newText"], "about: ");
    assert_eq!(labels(c.complete(&note, 9, 10)), ["comment"]);
    assert_eq!(labels(c.complete(&note, 8, 19)), ["contradicts", "context"]);
}
