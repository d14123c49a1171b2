//! Source integrity: each source's metadata records the SHA-256 of its text,
//! `check` says when a text changed and which citations rest on it, and
//! `briefing sources --rehash` records a deliberate change, touching nothing
//! but the `sha256:` line.

mod support;

use std::fs;

use support::BriefingTest;

const HASH_A: &str = "11ae55b414ab7b19ac71fcdde2ee8f2cf18200ef8033214d8d00d897ff2c871b";

/// The lines of two texts that differ, as (before, after) pairs.
fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        before.split_inclusive('\n').collect(),
        after.split_inclusive('\n').collect(),
    );
    assert_eq!(
        a.len(),
        b.len(),
        "same number of lines:\n{before}\n---\n{after}"
    );
    a.iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (x.to_string(), y.to_string()))
        .collect()
}

#[test]
fn a_changed_source_fails_check_naming_it_where_its_hash_is_and_the_quotes_on_it() {
    let t = BriefingTest::new("basic");
    t.run(&["check", "--deny-warnings"]).expect_success();
    // The text is edited after the notes were written: every quote is still
    // there, so only the hash tells.
    let text = t.read("content/sources/report-a.txt");
    let t = t.file(
        "content/sources/report-a.txt",
        &format!("{text}\nA correction was appended later.\n"),
    );
    let run = t
        .run(&["check"])
        .expect_code(1)
        .expect_stderr(
            "error[source-changed]: source `report-a` has changed since its SHA-256 was recorded",
        )
        .expect_stderr("content/sources/report-a.yaml:6:9")
        .expect_stderr("4 citations rest on this text (4 still found)")
        .expect_stderr("content/who/ministry.yaml:9:16: “Ministry confirms records breach” (still found)")
        .expect_stderr("content/front.yaml:5:16: “hostile actors had access to its servers between 2021 and 2022” (still found)")
        .expect_stderr("content/responses/statement.yaml:10:16:")
        .expect_stderr("if the change is deliberate, run `briefing sources --rehash report-a`")
        .expect_stderr("check: 1 error, 0 warnings");
    assert!(!run.stderr().contains("report-b"), "{}", run.stderr());
    // A build publishes nothing against the changed text.
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("nothing written");
    assert!(!t.exists("book"));

    // An edit that also removes a quoted passage: the quote's own error,
    // and the same quote listed as no longer found.
    let t = t.file(
        "content/sources/report-a.txt",
        &text.replace("between 2021 and 2022", "in 2021"),
    );
    let run = t.run(&["check", "--format", "json"]).expect_code(1);
    let diags: Vec<serde_json::Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let changed = diags
        .iter()
        .find(|d| d["code"] == "source-changed")
        .expect("a source-changed diagnostic");
    assert_eq!(changed["severity"], "error");
    assert_eq!(changed["file"], "content/sources/report-a.yaml");
    assert_eq!(
        (changed["line"].as_u64(), changed["column"].as_u64()),
        (Some(6), Some(9))
    );
    let notes = changed["notes"].to_string();
    assert!(
        notes.contains("(3 still found, 1 no longer found)"),
        "{notes}"
    );
    assert!(
        notes.contains("content/front.yaml:5:16: “hostile actors had access to its servers between 2021 and 2022” (no longer found)"),
        "{notes}"
    );
    assert!(diags.iter().any(|d| d["code"] == "quote-not-found"));

    // The change was deliberate after all: the front page is fixed, the
    // new hash recorded, and only the `sha256:` line of the metadata moves.
    let front = t.read("content/front.yaml");
    let t = t.file(
        "content/front.yaml",
        &front.replace("between 2021 and 2022", "in 2021"),
    );
    let meta_before = t.read("content/sources/report-a.yaml");
    let other_before = t.read("content/sources/report-b.yaml");
    t.run(&["sources", "--rehash", "report-a"])
        .expect_success()
        .expect_stderr("recorded sha256 ")
        .expect_stderr("for `report-a` in content/sources/report-a.yaml (the text had changed)");
    let meta_after = t.read("content/sources/report-a.yaml");
    let changed = changed_lines(&meta_before, &meta_after);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0, format!("sha256: {HASH_A}\n"));
    assert!(changed[0].1.starts_with("sha256: ") && changed[0].1.len() == 73);
    assert_eq!(t.read("content/sources/report-b.yaml"), other_before);
    t.run(&["build", "--deny-warnings"]).expect_success();
    // Nothing left to do.
    t.run(&["sources", "--rehash"])
        .expect_success()
        .expect_stderr("every source's hash is up to date");
    assert_eq!(t.read("content/sources/report-a.yaml"), meta_after);
}

#[test]
fn a_changed_source_can_be_made_a_warning() {
    let t = BriefingTest::new("basic")
        .file(
            "book.toml",
            "[book]\ntitle = \"B\"\n[check]\nchanged-sources = \"warn\"\n",
        )
        .file("content/sources/report-b.txt", "The ministry was the victim of a \"complex\" cyberattack.\nThe attackers were not named.\nLater addition.\n");
    t.run(&["check"])
        .expect_success()
        .expect_stderr("warning[source-changed]: source `report-b`")
        .expect_stderr("3 citations rest on this text (3 still found)");
    t.run(&["check", "--deny-warnings"]).expect_code(1);
}

#[test]
fn rehash_keeps_every_other_byte_comments_and_crlf_line_endings() {
    let old = "0".repeat(64);
    let meta = format!(
        "# Checked against the printed edition.\r\ntitle: Ministry confirms records breach\r\nsha256: \"{old}\"  # recorded by hand\r\nlanguage: en\r\ntranslation: none\r\n"
    );
    // A text with a byte-order mark and CRLF line endings is hashed as the
    // bytes on disk.
    let fixture =
        fs::read_to_string(support::fixtures().join("basic/content/sources/report-a.txt")).unwrap();
    let text = format!("\u{FEFF}{}", fixture.replace('\n', "\r\n"));
    let t = BriefingTest::new("basic")
        .file("content/sources/report-a.yaml", &meta)
        .file("content/sources/report-a.txt", &text);
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("content/sources/report-a.yaml:3:9");
    t.run(&["sources", "--rehash"])
        .expect_success()
        .expect_stderr("for `report-a`")
        .expect_no_stderr("report-b");
    let after = t.read("content/sources/report-a.yaml");
    let expected = "c13984c774bd233bb8409602a8c2d8d30d4b7b95bdd9d806792eccd52f58f092";
    assert_eq!(
        after,
        meta.replace(&format!("\"{old}\""), expected),
        "only the value changed"
    );
    t.run(&["check", "--deny-warnings"]).expect_success();

    // Missing, in a file with CRLF line endings and no final line break:
    // appended, with the file's line ending.
    let bare = "title: Minister speaks of complex attack\r\nlanguage: en\r\ntranslation: machine";
    let t = t.file("content/sources/report-b.yaml", bare);
    t.run(&["sources", "--rehash", "report-b"]).expect_success();
    assert_eq!(
        t.read("content/sources/report-b.yaml"),
        format!(
            "{bare}\r\nsha256: 5d39af1e08287decf5fbfdd5275c73d92a8eaea38061f3c2deca19672f58fe13\r\n"
        )
    );
    t.run(&["check", "--deny-warnings"]).expect_success();
    // Naming a source whose hash is right changes nothing.
    let before = t.read("content/sources/report-b.yaml");
    t.run(&["sources", "--rehash", "report-b"])
        .expect_success()
        .expect_stderr("`report-b` is unchanged");
    assert_eq!(t.read("content/sources/report-b.yaml"), before);
}

#[test]
fn a_missing_hash_is_a_warning_that_rehash_fixes() {
    let t = BriefingTest::new("basic").file(
        "content/sources/report-b.yaml",
        "title: Minister speaks of complex attack\nlanguage: en\ntranslation: machine\n",
    );
    t.run(&["check"])
        .expect_success()
        .expect_stderr("warning[missing-hash]: source `report-b` has no recorded SHA-256")
        .expect_stderr("content/sources/report-b.yaml:1:1")
        .expect_stderr("run `briefing sources --rehash report-b`");
    t.run(&["check", "--deny-warnings"]).expect_code(1);
    let run = t.run(&["sources"]).expect_success();
    let out = run.stdout();
    assert!(out.contains("report-a  ok       "), "{out}");
    assert!(out.contains("report-b  no hash  "), "{out}");
    let untouched = t.read("content/sources/report-a.yaml");
    t.run(&["sources", "--rehash"])
        .expect_success()
        .expect_stderr("for `report-b` in content/sources/report-b.yaml (it had none)");
    assert_eq!(t.read("content/sources/report-a.yaml"), untouched);
    t.run(&["check", "--deny-warnings"]).expect_success();
}

#[test]
fn a_malformed_hash_is_a_located_error() {
    for (value, why) in [
        (
            "abc123",
            "`sha256` has 6 characters; a SHA-256 is 64 hexadecimal digits",
        ),
        (&HASH_A.to_uppercase(), "written in upper case"),
        (
            &HASH_A.replacen('1', "z", 1),
            "contains `z`, which is not a hexadecimal digit",
        ),
    ] {
        let t = BriefingTest::new("basic").file(
            "content/sources/report-a.yaml",
            &format!("title: Ministry confirms records breach\nsha256: {value}\nlanguage: en\ntranslation: none\n"),
        );
        t.run(&["check"])
            .expect_code(1)
            .expect_stderr("error[invalid-hash]: `sha256` ")
            .expect_stderr(why)
            .expect_stderr("content/sources/report-a.yaml:2:9")
            .expect_stderr("run `briefing sources --rehash report-a`")
            .expect_no_stderr("source-changed")
            .expect_no_stderr("missing-hash");
        t.run(&["sources", "--rehash", "report-a"])
            .expect_success()
            .expect_stderr("(the old value was malformed)");
        assert!(
            t.read("content/sources/report-a.yaml")
                .contains(&format!("\nsha256: {HASH_A}\nlanguage: en\n"))
        );
        t.run(&["check", "--deny-warnings"]).expect_success();
    }
}

#[test]
fn rehash_refuses_unknown_sources_and_sources_without_metadata_writing_nothing() {
    let t = BriefingTest::new("basic").file("content/sources/bare.txt", "No metadata.\n");
    let before = t.read("content/sources/report-a.yaml");
    t.run(&["sources", "--rehash", "report-a", "report-c"])
        .expect_code(2)
        .expect_stderr("no source has the ID `report-c` (did you mean `report-a`?)");
    t.run(&["sources", "--rehash", "bare"])
        .expect_code(2)
        .expect_stderr("source `bare` has no metadata file");
    assert!(!t.exists("content/sources/bare.yaml"));
    assert_eq!(t.read("content/sources/report-a.yaml"), before);
    // Without IDs it does what it can and says what it skipped.
    t.run(&["sources", "--rehash"])
        .expect_success()
        .expect_stderr("skipped `bare`: it has no metadata file");
}

#[test]
fn rehash_takes_a_briefing_folder_written_after_the_option() {
    // `briefing sources --rehash my-briefing`, from the folder above it:
    // the word is the briefing's folder, not a source ID.
    let t = BriefingTest::new("basic");
    let meta = t.read("content/sources/report-a.yaml");
    let stale: String = meta
        .lines()
        .filter(|l| !l.starts_with("sha256:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let t = t.file("content/sources/report-a.yaml", &stale);
    let above = t.path().parent().unwrap();
    let name = t.path().file_name().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["sources", "--rehash"])
        .arg(name)
        .current_dir(above)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        t.read("content/sources/report-a.yaml").contains("sha256: "),
        "the hash is recorded: {err}"
    );
}
