//! Nothing from outside the briefing is published: links to folders and
//! files outside it — in `content/`, at any depth, and in `templates/` —
//! are refused with a located diagnostic, and so are links that lead
//! nowhere or round in a loop; things that are not files (a FIFO, a folder
//! named `x.txt`) are named for what they are, and never opened; files the
//! build does not read are named, not published.
//!
//! Every test makes real links in temporary folders, runs the real binary,
//! and checks the exit code, the diagnostic's code and place, and that no
//! byte of the outside files reaches the site (nor the terminal).

mod support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use support::{BriefingTest, Run};

/// In every file outside the briefing that a link could leak.
const MARKER: &str = "MARKER-FROM-OUTSIDE-THE-BRIEFING";

/// A folder outside the briefing holding what a link could leak, each file
/// carrying [`MARKER`] and each valid, so that following the link would
/// have built a site with it:
/// - `content/`: the fixture's content plus a source `leak`, a private key
///   `id_rsa` among the sources and a note `spy`;
/// - `templates/`: a `404.html` and `static/notes.txt`;
/// - `secret`: a lone file (valid as text, as a template and as a static file).
fn outside() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    support::copy_dir(
        &support::fixtures().join("basic/content"),
        &root.join("content"),
    );
    let sources = root.join("content/sources");
    fs::write(
        sources.join("leak.txt"),
        format!("{MARKER}\n\nA private text.\n"),
    )
    .unwrap();
    fs::write(
        sources.join("leak.yaml"),
        format!("title: {MARKER}\nlanguage: en\ntranslation: none\n"),
    )
    .unwrap();
    fs::write(
        sources.join("id_rsa"),
        format!("-----BEGIN {MARKER}-----\n"),
    )
    .unwrap();
    fs::write(
        root.join("content/who/spy.yaml"),
        format!(
            "title: {MARKER}\ntype: person\nrelated: [ministry]\nclaims:\n  - text: {MARKER}\n    cite:\n      - source: report-a\n        quote: Ministry confirms records breach\n"
        ),
    )
    .unwrap();
    fs::create_dir_all(root.join("templates/static")).unwrap();
    fs::write(
        root.join("templates/404.html"),
        format!("<!doctype html><title>x</title><p>{MARKER}</p>\n"),
    )
    .unwrap();
    fs::write(
        root.join("templates/static/notes.txt"),
        format!("{MARKER}\n"),
    )
    .unwrap();
    fs::write(root.join("secret"), format!("{MARKER}\n")).unwrap();
    dir
}

/// Replaces `rel` in the briefing (file, folder or nothing) with a link to `target`.
fn link(t: &BriefingTest, rel: &str, target: impl AsRef<Path>) {
    let path = t.path().join(rel);
    if path.is_dir() && !path.is_symlink() {
        fs::remove_dir_all(&path).unwrap();
    } else if path.symlink_metadata().is_ok() {
        fs::remove_file(&path).unwrap();
    }
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    symlink(target, &path).unwrap();
}

/// The diagnostics of a `--format json` run.
fn diagnostics(run: &Run) -> Vec<Value> {
    run.stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The diagnostic with `code` located in `file`, at its start.
fn find<'a>(diags: &'a [Value], code: &str, file: &str) -> &'a Value {
    let d = diags
        .iter()
        .find(|d| d["code"] == code && d["file"] == file)
        .unwrap_or_else(|| panic!("no {code} at {file} in {diags:#?}"));
    assert_eq!(
        (&d["line"], &d["column"]),
        (&Value::from(1), &Value::from(1))
    );
    d
}

/// Every file under `dir` that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_containing(&path, needle));
        } else if fs::read(&path)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            out.push(path);
        }
    }
    out
}

/// Runs `check` and `build` (as JSON): both fail with the error `code` at
/// `file`; the build writes nothing; the outside files' text is nowhere
/// (not in the output either: a diagnostic names a link, never quotes what
/// is behind it). Returns the build's diagnostics.
fn refused(t: &BriefingTest, code: &str, file: &str) -> Vec<Value> {
    let check = t.run(&["check", "--format", "json"]).expect_code(1);
    let checked = diagnostics(&check);
    assert_eq!(find(&checked, code, file)["severity"], "error");
    let build = t.run(&["build", "--format", "json"]).expect_code(1);
    let diags = diagnostics(&build);
    find(&diags, code, file);
    assert!(!t.exists("book"), "a failed build wrote nothing");
    for run in [&check, &build] {
        assert!(!run.stdout().contains(MARKER), "{}", run.stdout());
        assert!(!run.stderr().contains(MARKER), "{}", run.stderr());
    }
    diags
}

// ------------------------------------------------------- folder links outside

#[test]
fn content_itself_linked_outside_is_refused_and_nothing_in_it_is_read() {
    let out = outside();
    let t = BriefingTest::new("basic");
    link(&t, "content", out.path().join("content"));
    let diags = refused(&t, "link-outside", "content");
    let d = find(&diags, "link-outside", "content");
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("is a link to the folder") && message.contains("nothing in it is read"),
        "{message}"
    );
    assert!(d["help"].as_str().unwrap().contains("into the briefing"));
    // Nothing behind the link was listed: no diagnostic names a file in it.
    assert_eq!(diags.len(), 1, "{diags:#?}");
    // People get the same, located, with its fix.
    t.run(&["check"])
        .expect_code(1)
        .expect_stderr("error[link-outside]: `content` is a link to the folder")
        .expect_stderr("┌─ content:1:1")
        .expect_stderr("help: move or copy the folder into the briefing");
}

#[test]
fn a_kind_folder_linked_outside_is_refused() {
    let out = outside();
    for kind in ["sources", "who"] {
        let t = BriefingTest::new("basic");
        link(
            &t,
            &format!("content/{kind}"),
            out.path().join("content").join(kind),
        );
        let diags = refused(&t, "link-outside", &format!("content/{kind}"));
        assert!(
            diags
                .iter()
                .all(|d| !d["file"].as_str().unwrap_or("").contains("leak")),
            "nothing in the folder is read: {diags:#?}"
        );
    }
}

#[test]
fn a_sub_folder_linked_outside_is_refused_at_any_depth() {
    let out = outside();
    // Sub-folders are not read, but a link leading outside is an error
    // wherever it is: the author may well expect it to be used.
    for rel in [
        "content/drafts",
        "content/sources/originals",
        "content/who/more",
    ] {
        let t = BriefingTest::new("basic");
        link(&t, rel, out.path().join("content/sources"));
        refused(&t, "link-outside", rel);
    }
}

#[test]
fn the_templates_folder_linked_outside_is_refused() {
    let out = outside();
    let t = BriefingTest::new("basic");
    link(&t, "templates", out.path().join("templates"));
    let diags = refused(&t, "link-outside", "templates");
    assert_eq!(diags.len(), 1, "nothing in it is read: {diags:#?}");
}

#[test]
fn the_static_folder_linked_outside_is_refused() {
    let out = outside();
    let t = BriefingTest::new("basic");
    link(&t, "templates/static", out.path().join("templates/static"));
    refused(&t, "link-outside", "templates/static");
}

// --------------------------------------------------------- file links outside

#[test]
fn a_file_linked_outside_is_refused_in_every_place_a_file_is_read() {
    let out = outside();
    let secret = out.path().join("secret");
    for rel in [
        "book.toml",
        "content/front.yaml",
        "content/sources/report-a.txt",
        "content/sources/report-a.yaml",
        "content/sources/new.txt",
        "content/who/ministry.yaml",
        "content/questions/new.yaml",
        // Templates: an override, a new one, a static override and a new
        // static file.
        "templates/404.html",
        "templates/note.html",
        "templates/static/style.css",
        "templates/static/notes.txt",
    ] {
        let t = BriefingTest::new("basic");
        link(&t, rel, &secret);
        let diags = refused(&t, "link-outside", rel);
        let d = find(&diags, "link-outside", rel);
        let message = d["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("`{rel}` is a link to `{}`", secret.display()))
                && message.contains("outside the briefing; it is not read"),
            "{message}"
        );
    }
}

#[test]
fn a_relative_link_outside_names_what_it_says_and_where_that_is() {
    let out = outside();
    let t = BriefingTest::new("basic");
    // `content/sources/x.txt` → `../../../…/<outside>/secret`: up to the
    // file system's root, then down to the outside folder.
    let depth = t.path().canonicalize().unwrap().components().count() - 1 + 2;
    let real = out.path().canonicalize().unwrap().join("secret");
    let written = format!(
        "{}{}",
        "../".repeat(depth),
        real.strip_prefix("/").unwrap().display()
    );
    link(&t, "content/sources/x.txt", &written);
    let diags = refused(&t, "link-outside", "content/sources/x.txt");
    let d = find(&diags, "link-outside", "content/sources/x.txt");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains(&format!("is a link to `{written}`, outside")),
        "{d}"
    );
    assert_eq!(
        d["notes"][0],
        format!("the link resolves to `{}`", real.display())
    );
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(snapshot(&path));
        } else {
            let bytes = fs::read(&path).unwrap();
            out.push((path, bytes));
        }
    }
    out.sort();
    out
}

#[test]
fn a_refused_link_leaves_the_previous_site_as_it_was() {
    let out = outside();
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    let before = snapshot(&t.path().join("book"));
    link(&t, "content/sources", out.path().join("content/sources"));
    link(&t, "templates/static/notes.txt", out.path().join("secret"));
    t.run(&["build"])
        .expect_code(1)
        .expect_stderr("error[link-outside]: `content/sources` is a link to the folder")
        .expect_stderr("error[link-outside]: `templates/static/notes.txt` is a link to")
        .expect_stderr("build: nothing written");
    assert!(
        before == snapshot(&t.path().join("book")),
        "the site changed"
    );
    assert!(files_containing(&t.path().join("book"), MARKER).is_empty());
}

// ------------------------------------------------------------- links inside

#[test]
fn links_that_stay_inside_the_briefing_are_followed() {
    const INSIDE: &str = "TEXT-FROM-INSIDE-THE-BRIEFING";
    let t = BriefingTest::new("basic")
        .file(
            "archive/report-c.txt",
            &format!("Archived report\n\n{INSIDE} was said.\n"),
        )
        .file(
            "archive/report-c.yaml",
            "title: Archived report\nlanguage: en\ntranslation: none\n",
        )
        .file("theme/extra.css", &format!("/* {INSIDE} */\n"));
    // A folder of notes kept elsewhere in the briefing (with a note citing
    // the linked source), a linked source and its metadata, and a linked
    // static file.
    let people = t.path().join("people");
    fs::rename(t.path().join("content/who"), &people).unwrap();
    fs::write(
        people.join("cited.yaml"),
        format!("title: Cited\ntype: person\nrelated: [ministry]\nclaims:\n  - text: x\n    cite:\n      - source: report-c\n        quote: {INSIDE} was said.\n"),
    )
    .unwrap();
    link(&t, "content/who", "../people");
    link(
        &t,
        "content/sources/report-c.txt",
        "../../archive/report-c.txt",
    );
    link(
        &t,
        "content/sources/report-c.yaml",
        "../../archive/report-c.yaml",
    );
    link(&t, "templates/static/extra.css", "../../theme/extra.css");
    let run = t.run(&["build", "--format", "json"]).expect_success();
    let diags = diagnostics(&run);
    assert!(
        diags.iter().all(|d| d["code"] != "link-outside"),
        "{diags:#?}"
    );
    for page in [
        "book/who/ministry.html",
        "book/who/cited.html",
        "book/sources/report-c.html",
        "book/static/extra.css",
    ] {
        assert!(t.exists(page), "missing {page}");
    }
    // What is behind the links is in the site, named as the author sees it.
    let found = files_containing(&t.path().join("book"), INSIDE);
    assert!(found.iter().any(|p| p.ends_with("sources/report-c.html")));
    assert!(found.iter().any(|p| p.ends_with("static/extra.css")));
    assert!(
        t.read("book/briefing.json")
            .contains("\"file\":\"content/sources/report-c.txt\"")
    );
}

#[test]
fn the_briefing_itself_may_be_reached_through_a_link() {
    let t = BriefingTest::new("basic");
    let alias = tempfile::tempdir().unwrap();
    let via = alias.path().join("via-link");
    symlink(t.path(), &via).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "--deny-warnings"])
        .arg(&via)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(t.exists("book/sources/report-a.html"));
}

// ------------------------------------------------- links that lead nowhere

#[test]
fn a_dangling_link_is_an_error_not_a_missing_file() {
    for (rel, target) in [
        ("content/sources/gone.txt", "missing.txt"),
        ("content/who/gone.yaml", "/nonexistent/gone.yaml"),
        ("content/sources", "../nowhere"),
        ("templates/static/gone.css", "missing.css"),
    ] {
        let mut t = BriefingTest::new("basic");
        if rel == "content/sources/gone.txt" {
            t = t.file(
                "content/sources/gone.yaml",
                "title: Gone\nlanguage: en\ntranslation: none\n",
            );
        }
        link(&t, rel, target);
        let diags = refused(&t, "dangling-link", rel);
        let d = find(&diags, "dangling-link", rel);
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .contains(&format!("is a link to `{target}`, which does not exist")),
            "{d}"
        );
        // The metadata of a text that is there but unreadable is no orphan:
        // the one diagnostic says what is wrong.
        assert!(
            diags.iter().all(|d| d["code"] != "orphan-metadata"),
            "{diags:#?}"
        );
    }
}

#[test]
fn a_link_loop_is_an_error_that_shows_the_loop() {
    let t = BriefingTest::new("basic");
    link(&t, "content/sources/a.txt", "b.txt");
    link(&t, "content/sources/b.txt", "a.txt");
    let diags = refused(&t, "link-loop", "content/sources/a.txt");
    find(&diags, "link-loop", "content/sources/b.txt");
    let d = find(&diags, "link-loop", "content/sources/a.txt");
    assert_eq!(
        d["notes"][0],
        "the links go content/sources/a.txt → b.txt → a.txt"
    );
    // A folder that links to itself, and a template that does.
    for rel in ["content/what", "templates/note.html"] {
        let t = BriefingTest::new("basic");
        let name = Path::new(rel).file_name().unwrap();
        link(&t, rel, name);
        refused(&t, "link-loop", rel);
    }
}

// ------------------------------------------------ things that are not files

/// Runs `briefing ARGS` in `t`, failing the test if it has not ended within
/// a minute (a FIFO opened for reading would block it forever).
fn run_or_hang(t: &BriefingTest, args: &[&str]) -> Run {
    let child = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(args)
        .current_dir(t.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => Run {
            output: output.unwrap(),
        },
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("`briefing {}` hung", args.join(" "));
        }
    }
}

fn mkfifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn a_fifo_is_named_for_what_it_is_and_never_opened() {
    for rel in [
        "content/sources/pipe.txt",
        "content/who/pipe.yaml",
        "content/front.yaml",
        "templates/note.html",
        "templates/static/pipe.css",
    ] {
        let mut t = BriefingTest::new("basic");
        if rel == "content/sources/pipe.txt" {
            t = t.file(
                "content/sources/pipe.yaml",
                "title: Pipe\nlanguage: en\ntranslation: none\n",
            );
        }
        let path = t.path().join(rel);
        if path.exists() {
            fs::remove_file(&path).unwrap();
        }
        mkfifo(&path);
        for verb in ["check", "build"] {
            let run = run_or_hang(&t, &[verb, "--format", "json"]).expect_code(1);
            let diags = diagnostics(&run);
            let d = find(&diags, "not-a-file", rel);
            assert_eq!(
                d["message"],
                format!("`{rel}` is a named pipe (FIFO), not a file; it is not read")
            );
            assert!(
                diags.iter().all(|d| d["code"] != "orphan-metadata"),
                "{diags:#?}"
            );
        }
        assert!(!t.exists("book"));
    }
}

#[test]
fn a_folder_named_like_a_file_is_named_for_what_it_is() {
    for (rel, fix) in [
        ("content/sources/x.txt", "a source is a file"),
        ("content/sources/report-a.yaml", "source metadata is a file"),
        ("content/who/x.yaml", "a note is a file"),
        ("content/front.yaml", "the front page is a file"),
        ("book.toml", "the configuration is a file"),
    ] {
        let mut t = BriefingTest::new("basic");
        if rel == "content/sources/x.txt" {
            t = t.file(
                "content/sources/x.yaml",
                "title: X\nlanguage: en\ntranslation: none\n",
            );
        }
        let path = t.path().join(rel);
        if path.exists() {
            fs::remove_file(&path).unwrap();
        }
        fs::create_dir_all(path.join("inside")).unwrap();
        let diags = refused(&t, "not-a-file", rel);
        let d = find(&diags, "not-a-file", rel);
        assert_eq!(
            d["message"],
            format!("`{rel}` is a folder, not a file; it is not read")
        );
        assert!(d["help"].as_str().unwrap().starts_with(fix), "{d}");
        assert!(
            diags.iter().all(|d| d["code"] != "orphan-metadata"),
            "{diags:#?}"
        );
    }
}

// ------------------------------------------------ files the build ignores

#[test]
fn only_txt_files_are_sources_and_others_are_named_not_published() {
    let t = BriefingTest::new("basic")
        .file(
            "content/sources/id_rsa",
            &format!("-----BEGIN {MARKER}-----\n"),
        )
        .file("content/sources/notes.pdf", &format!("%PDF {MARKER}\n"))
        .file("content/sources/report-c.TXT", &format!("{MARKER}\n"))
        .file("content/who/draft.md", &format!("{MARKER}\n"))
        // A sub-folder is the author's business: not read, not reported.
        .file("content/sources/originals/report-a.html", MARKER);
    let run = t.run(&["build", "--format", "json"]).expect_success();
    let diags = diagnostics(&run);
    assert_eq!(
        diags.iter().filter(|d| d["code"] == "ignored-file").count(),
        4,
        "{diags:#?}"
    );
    for file in [
        "content/sources/id_rsa",
        "content/sources/notes.pdf",
        "content/sources/report-c.TXT",
    ] {
        let d = find(&diags, "ignored-file", file);
        assert_eq!(d["severity"], "warning");
        assert_eq!(
            d["message"],
            format!(
                "`{file}` is not a source: only `.txt` files are sources; it is not read or published"
            )
        );
    }
    let d = find(&diags, "ignored-file", "content/who/draft.md");
    assert!(d["help"].as_str().unwrap().contains("`draft.yaml`"), "{d}");
    assert!(
        diags
            .iter()
            .all(|d| !d["file"].as_str().unwrap_or("").contains("originals")),
        "{diags:#?}"
    );
    assert!(!t.exists("book/sources/id_rsa.html"));
    let leaked = files_containing(&t.path().join("book"), MARKER);
    assert!(leaked.is_empty(), "published: {leaked:?}");
    // CI can refuse them.
    t.run(&["check", "--deny-warnings"])
        .expect_code(1)
        .expect_stderr("error[ignored-file]: `content/sources/id_rsa` is not a source");
}

// ---------------------------------------------------------------- templates

#[test]
fn a_template_that_is_not_utf8_is_a_located_encoding_error() {
    let t = BriefingTest::new("basic");
    let path = t.path().join("templates/note.html");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, b"{% extends \"base.html\" %}\n<p>caf\xe9</p>\n").unwrap();
    for verb in ["check", "build"] {
        t.run(&[verb])
            .expect_code(1)
            .expect_stderr("error[encoding]: this template is not valid UTF-8")
            .expect_stderr("┌─ templates/note.html:2:7")
            .expect_stderr("help: save the file as UTF-8");
    }
    assert!(!t.exists("book"));
}

#[test]
fn a_static_file_is_copied_byte_for_byte_whatever_its_bytes() {
    // Unlike templates, static files need not be text.
    let bytes = b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary";
    let t = BriefingTest::new("basic");
    let path = t.path().join("templates/static/logo.png");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, bytes).unwrap();
    t.run(&["build", "--deny-warnings"]).expect_success();
    assert_eq!(
        fs::read(t.path().join("book/static/logo.png")).unwrap(),
        bytes
    );
}

#[test]
fn a_template_cannot_publish_the_environment() {
    let t = BriefingTest::new("basic").file(
        "templates/note.html",
        "{{ get_env(name=\"BRIEFING_TEST_SECRET\", default=\"none\") }}\n",
    );
    let run = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "--format", "json"])
        .current_dir(t.path())
        .env("BRIEFING_TEST_SECRET", MARKER)
        .output()
        .unwrap();
    let run = Run { output: run }.expect_code(1);
    let diags = diagnostics(&run);
    let d = diags
        .iter()
        .find(|d| d["code"] == "template")
        .unwrap_or_else(|| panic!("{diags:#?}"));
    assert!(
        d["notes"]
            .to_string()
            .contains("`get_env` is not available"),
        "{d}"
    );
    assert!(!t.exists("book"));
    assert!(!run.stdout().contains(MARKER) && !run.stderr().contains(MARKER));
}
