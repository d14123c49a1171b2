//! A rebuild that reuses the previous build's work must produce exactly what
//! a fresh build produces. This drives the library's pipeline directly:
//! random edits of every kind to a synthetic briefing, after each one a
//! cached rebuild and a fresh build, compared byte for byte.

mod support;
#[path = "../benches/synth.rs"]
mod synth;

use std::fs;
use std::path::{Path, PathBuf};

use briefing::cache::Cache;
use briefing::load::Changed;
use briefing::pipeline::{self, Options, Status};
use synth::Rng;

/// Every input file of the briefing at `root` with its bytes.
fn inputs(root: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = support::tree(&root.join("content"))
        .into_iter()
        .map(|(rel, bytes)| (root.join("content").join(rel), bytes))
        .collect::<std::collections::BTreeMap<_, _>>();
    if root.join("templates").is_dir() {
        out.extend(
            support::tree(&root.join("templates"))
                .into_iter()
                .map(|(rel, bytes)| (root.join("templates").join(rel), bytes)),
        );
    }
    out.insert(
        root.join("book.toml"),
        fs::read(root.join("book.toml")).unwrap_or_default(),
    );
    out
}

/// What a perfect watcher would report between two states of the inputs:
/// the files written, or `Everything` when a file came or went.
fn changes(
    before: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
    after: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
) -> Changed {
    if before.keys().ne(after.keys()) {
        return Changed::Everything;
    }
    Changed::Files(
        after
            .iter()
            .filter(|(path, bytes)| before[*path] != **bytes)
            .map(|(path, _)| path.clone())
            .collect(),
    )
}

fn build(root: &Path, dest: &Path, cache: &mut Cache) -> Status {
    pipeline::build_with(root, Some(dest), &Options::default(), cache)
        .expect("no I/O error")
        .status
}

/// Rewrites the first line of `path` that starts with `prefix` (after
/// indentation), replacing the rest of that line.
fn set_line(path: &Path, nth: usize, prefix: &str, rest: &str) -> bool {
    let Ok(text) = fs::read_to_string(path) else {
        return false;
    };
    let mut seen = 0;
    let mut done = false;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if !done && l.trim_start().starts_with(prefix) {
                if seen == nth {
                    done = true;
                    let indent = &l[..l.len() - l.trim_start().len()];
                    return format!("{indent}{prefix}{rest}");
                }
                seen += 1;
            }
            l.to_owned()
        })
        .collect();
    fs::write(path, lines.join("\n") + "\n").unwrap();
    done
}

/// Records the hashes of changed sources, as `briefing sources --rehash` does.
fn rehash(root: &Path, ids: &[String]) {
    let status = briefing::integrity::rehash(root, ids).expect("no I/O error");
    assert_eq!(status, Status::Ok);
}

fn line_value(path: &Path, prefix: &str, nth: usize) -> Option<String> {
    fs::read_to_string(path)
        .ok()?
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix(prefix).map(str::to_owned))
        .nth(nth)
}

#[test]
fn rebuilds_after_random_edits_equal_fresh_builds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("b");
    let notes = 48;
    synth::generate(&root, notes, 7);
    let sources = notes / 10;
    let served = dir.path().join("served");
    let mut cache = Cache::default();
    assert_eq!(build(&root, &served, &mut cache), Status::Ok);
    let mut rng = Rng::new(99);
    let mut deleted: Vec<(PathBuf, String)> = Vec::new();
    let (mut ok, mut failed) = (0, 0);
    let mut by_events = 0;
    for step in 0..120 {
        let before = inputs(&root);
        let i = rng.below(notes);
        let note = root.join(synth::note_path(i));
        let what = rng.below(12);
        match what {
            0 => {
                set_line(&note, 0, "title: ", &format!("\"Retitled {step}\""));
            }
            1 => {
                set_line(
                    &note,
                    rng.below(3),
                    "- text: ",
                    &format!("\"Claim rewritten at step {step}.\""),
                );
            }
            2 => {
                // Quote another note's (valid) passage instead.
                let other = root.join(synth::note_path(rng.below(notes)));
                if let (Some(src), Some(q)) = (
                    line_value(&other, "- source: ", 0),
                    line_value(&other, "quote: ", 0),
                ) {
                    set_line(&note, 0, "- source: ", &src);
                    set_line(&note, 0, "quote: ", &q);
                }
            }
            3 => {
                let s = rng.below(sources);
                let meta = root.join(format!("content/sources/s{s:05}.yaml"));
                set_line(
                    &meta,
                    0,
                    "title: ",
                    &format!("Source retitled at step {step}"),
                );
            }
            4 => {
                // Text added to a source shifts every offset after it.
                let s = rng.below(sources);
                let path = root.join(format!("content/sources/s{s:05}.txt"));
                let text = fs::read_to_string(&path).unwrap();
                let (head, tail) = text.split_at(text.find("\n\n").unwrap() + 2);
                fs::write(
                    &path,
                    format!("{head}An inserted paragraph at step {step}.\n\n{tail}"),
                )
                .unwrap();
                // Half the time the change is deliberate and its hash is
                // recorded; otherwise the source is reported changed until
                // a repair below records it.
                if rng.below(2) == 0 {
                    rehash(&root, &[format!("s{s:05}")]);
                }
            }
            5 if i % 4 == 1 => {
                set_line(&note, 0, "date: ", &format!("\"{}\"", 2000 + rng.below(30)));
            }
            6 => {
                let title = format!("Synthetic briefing, edition {step}");
                fs::write(
                    root.join("book.toml"),
                    format!("[book]\ntitle = \"{title}\"\n"),
                )
                .unwrap();
            }
            7 => {
                let tpl = root.join("templates/404.html");
                fs::create_dir_all(tpl.parent().unwrap()).unwrap();
                fs::write(&tpl, format!("{{% extends \"base.html\" %}}{{% block content %}}<h1>Lost ({step})</h1>{{% endblock content %}}")).unwrap();
            }
            8 => {
                // A broken save (an unknown source), fixed by a later edit of the same kind.
                set_line(&note, 0, "- source: ", "s99999");
            }
            9 => {
                // A new note, cited and linked like the others.
                let new = root.join(format!("content/who/added{step:03}.yaml"));
                let body = fs::read_to_string(root.join(synth::note_path(0))).unwrap();
                fs::write(
                    new,
                    body.replacen("title: \"", &format!("title: \"Added {step} "), 1),
                )
                .unwrap();
            }
            10 => {
                // Delete a note; it comes back a few steps later (references to it fail meanwhile).
                if let Ok(text) = fs::read_to_string(&note) {
                    fs::remove_file(&note).unwrap();
                    deleted.push((note.clone(), text));
                }
            }
            _ => {
                if let Some((path, text)) = deleted.pop() {
                    fs::write(path, text).unwrap();
                }
            }
        }
        // Repair any broken citation and changed source so the briefing can
        // become valid again.
        if what != 8 && rng.below(3) == 0 {
            rehash(&root, &[]);
            for k in 0..notes {
                let p = root.join(synth::note_path(k));
                if line_value(&p, "- source: ", 0).as_deref() == Some("s99999") {
                    set_line(&p, 0, "- source: ", "s00000");
                    set_line(&p, 0, "quote: ", &format!("\"{}\"", first_sentence(&root)));
                }
            }
        }
        // The rebuild is told what changed, as watch tells it from the
        // file events: it reads only those files when no file came or went.
        cache.changed = changes(&before, &inputs(&root));
        by_events += usize::from(matches!(&cache.changed, Changed::Files(f) if !f.is_empty()));
        let cached = build(&root, &served, &mut cache);
        let fresh_dir = dir.path().join(format!("fresh{step}"));
        let fresh = build(&root, &fresh_dir, &mut Cache::default());
        assert_eq!(
            cached, fresh,
            "step {step}: a rebuild and a fresh build disagree on success"
        );
        if fresh == Status::Ok {
            ok += 1;
            support::assert_same_site(&served, &fresh_dir, &format!("step {step} (edit {what})"));
        } else {
            failed += 1;
        }
        let _ = fs::remove_dir_all(&fresh_dir);
    }
    assert!(
        ok > 40 && failed > 5,
        "the edits exercised both outcomes: {ok} ok, {failed} failed"
    );
    assert!(
        by_events > 50,
        "most rebuilds read only the files written: {by_events}"
    );
}

/// What a build says: its status and diagnostics, or its I/O error.
fn outcome(
    root: &Path,
    dest: &Path,
    cache: &mut Cache,
) -> Result<(Status, Option<String>), String> {
    pipeline::build_with(root, Some(dest), &Options::default(), cache)
        .map(|r| (r.status, r.problems))
        .map_err(|e| format!("{e:#}"))
}

/// Replaces every citation of source `id` in every note by a citation of
/// source 0's first sentence, then deletes the source: a cited source
/// deleted together with its citations.
fn delete_source(root: &Path, id: &str) {
    let quote = first_sentence(root);
    let content = root.join("content");
    for (rel, bytes) in support::tree(&content) {
        let entry = content.join(rel);
        if entry.extension().is_some_and(|e| e == "yaml") {
            let text = String::from_utf8(bytes).unwrap();
            let needle = format!("- source: {id}\n");
            if !text.contains(&needle) {
                continue;
            }
            let mut out = Vec::new();
            let mut replace_quote = false;
            for line in text.lines() {
                if line.trim_start() == needle.trim_end() {
                    out.push(line.replace(id, "s00000"));
                    replace_quote = true;
                } else if replace_quote && line.trim_start().starts_with("quote: ") {
                    let indent = &line[..line.len() - line.trim_start().len()];
                    out.push(format!("{indent}quote: \"{quote}\""));
                    replace_quote = false;
                } else {
                    out.push(line.to_owned());
                }
            }
            fs::write(&entry, out.join("\n") + "\n").unwrap();
        }
    }
    for ext in ["txt", "yaml"] {
        let _ = fs::remove_file(root.join(format!("content/sources/{id}.{ext}")));
    }
}

/// Watch's differential test: random edits, failing steps among them (I/O
/// errors, book.toml away and back, a broken then fixed template, content/
/// missing and replaced, cited sources deleted with their citations). After
/// every step the cached rebuild says what a fresh build of the same files
/// says — the same error, the same diagnostics, the same site. It uses
/// watch's cache, which publishes the pages before the whole-briefing files.
#[test]
fn rebuilds_through_failing_steps_equal_fresh_builds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("b");
    let notes = 40;
    synth::generate(&root, notes, 3);
    let served = dir.path().join("served");
    let mut cache = Cache::watching();
    assert_eq!(build(&root, &served, &mut cache), Status::Ok);
    let aside = dir.path().join("aside");
    let mut rng = Rng::new(17);
    let mut kinds = std::collections::BTreeSet::new();
    let mut next_source = notes / 10;
    for step in 0..60 {
        let what = rng.below(9);
        kinds.insert(what);
        match what {
            0 => {
                // book.toml away for one build, and back.
                fs::rename(root.join("book.toml"), &aside).unwrap();
            }
            1 => {
                // A template that is not UTF-8.
                let tpl = root.join("templates/404.html");
                fs::create_dir_all(tpl.parent().unwrap()).unwrap();
                fs::write(&tpl, b"{% extends \"base.html\" %}\xff\xfe").unwrap();
            }
            2 => {
                // content/ missing for one build.
                fs::rename(root.join("content"), &aside).unwrap();
            }
            3 => {
                // content/ replaced by a copy (as `git checkout` may do).
                fs::rename(root.join("content"), &aside).unwrap();
                support::copy_dir(&aside, &root.join("content"));
                fs::remove_dir_all(&aside).unwrap();
            }
            4 if next_source > 1 => {
                // A cited source deleted with its citations (the highest
                // numbered, so source 0 stays to be quoted).
                next_source -= 1;
                delete_source(&root, &format!("s{next_source:05}"));
            }
            5 => {
                let i = rng.below(notes);
                set_line(
                    &root.join(synth::note_path(i)),
                    0,
                    "title: ",
                    &format!("\"Retitled {step}\""),
                );
            }
            6 => {
                let i = rng.below(notes);
                set_line(&root.join(synth::note_path(i)), 0, "- source: ", "s99999");
            }
            _ => {}
        }
        let cached = outcome(&root, &served, &mut cache);
        let fresh_dir = dir.path().join(format!("fresh{step}"));
        let fresh = outcome(&root, &fresh_dir, &mut Cache::default());
        assert_eq!(
            cached, fresh,
            "step {step} (edit {what}): the rebuild says something else than a fresh build"
        );
        if matches!(fresh, Ok((Status::Ok, _))) {
            support::assert_same_site(&served, &fresh_dir, &format!("step {step} (edit {what})"));
        }
        let _ = fs::remove_dir_all(&fresh_dir);
        // Undo what was only meant to fail one build, and repair.
        match what {
            0 => fs::rename(&aside, root.join("book.toml")).unwrap(),
            1 => fs::remove_file(root.join("templates/404.html")).unwrap(),
            2 => fs::rename(&aside, root.join("content")).unwrap(),
            _ => {}
        }
        if rng.below(3) == 0 {
            for k in 0..notes {
                let p = root.join(synth::note_path(k));
                if line_value(&p, "- source: ", 0).as_deref() == Some("s99999") {
                    set_line(&p, 0, "- source: ", "s00000");
                    set_line(&p, 0, "quote: ", &format!("\"{}\"", first_sentence(&root)));
                }
            }
        }
    }
    assert!(kinds.len() >= 8, "every kind of step was taken: {kinds:?}");
}

/// The first sentence of source 0, which the generator always makes quotable.
fn first_sentence(root: &Path) -> String {
    let text = fs::read_to_string(root.join("content/sources/s00000.txt")).unwrap();
    let body = text.split("\n\n").nth(1).unwrap();
    let end = body.find(". ").map_or(body.len(), |i| i + 1);
    body[..end].to_owned()
}

#[test]
fn a_build_killed_at_any_point_leaves_the_old_or_the_new_site_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("b");
    synth::generate(&root, 2_000, 11);
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_briefing"));
        cmd.args(args)
            .current_dir(&root)
            .stderr(std::process::Stdio::null());
        cmd
    };
    let edition = |n: usize| format!("Edition {n}");
    fs::write(
        root.join("book.toml"),
        format!("[book]\ntitle = \"{}\"\n", edition(0)),
    )
    .unwrap();
    assert!(run(&["build"]).status().unwrap().success());
    let stages = || -> Vec<String> {
        fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".briefing-stage-"))
            .collect()
    };
    let mut rng = Rng::new(5);
    let mut killed_while_staging = 0;
    for round in 1..=10 {
        // Every page changes: the title is on every page.
        fs::write(
            root.join("book.toml"),
            format!("[book]\ntitle = \"{}\"\n", edition(round)),
        )
        .unwrap();
        let mut child = run(&["build"]).spawn().unwrap();
        // Wait until the build has started staging (or ended), then kill it
        // a random moment later: before, during or after the publish.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while stages().is_empty()
            && child.try_wait().unwrap().is_none()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::thread::sleep(std::time::Duration::from_millis(rng.below(400) as u64));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if !stages().is_empty() {
            killed_while_staging += 1;
        }
        // Every page of the live site is whole and of one edition.
        let mut editions = std::collections::BTreeSet::new();
        for (path, bytes) in support::tree(&root.join("book")) {
            if path.extension().is_some_and(|e| e == "html") {
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    text.ends_with("</html>\n"),
                    "round {round}: {} is truncated",
                    path.display()
                );
                let found = (0..=round).rev().find(|&n| text.contains(&edition(n)));
                editions.insert(found);
            }
        }
        assert_eq!(
            editions.len(),
            1,
            "round {round}: pages of several editions: {editions:?}"
        );
    }
    assert!(
        killed_while_staging > 0,
        "no kill landed while a build was staging"
    );
    assert!(run(&["build"]).status().unwrap().success());
    assert_eq!(stages(), Vec::<String>::new(), "staging debris is removed");
    let fresh = dir.path().join("fresh");
    assert!(
        run(&["build", "-d", fresh.to_str().unwrap()])
            .status()
            .unwrap()
            .success()
    );
    support::assert_same_site(&root.join("book"), &fresh, "after the interrupted builds");
}

/// In watch, an edit that arrives while a rebuild makes the whole-briefing
/// files supersedes that step: the pages are published, the whole-briefing
/// files wait for the newer edit's rebuild, which ends in the fresh site.
#[test]
fn a_newer_edit_supersedes_the_whole_briefing_step() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("b");
    synth::generate(&root, 20, 5);
    let served = dir.path().join("served");
    let newer = Arc::new(AtomicBool::new(false));
    let mut cache = Cache::watching();
    cache.newer_edit = Some(newer.clone());
    assert_eq!(build(&root, &served, &mut cache), Status::Ok);
    let export_before = fs::read(served.join("briefing.json")).unwrap();

    let note = root.join(synth::note_path(3));
    assert!(set_line(
        &note,
        0,
        "- text: ",
        "\"A claim rewritten once.\""
    ));
    newer.store(true, Ordering::SeqCst);
    let report = pipeline::build_with(&root, Some(&served), &Options::default(), &mut cache)
        .expect("no I/O error");
    assert!(report.superseded && report.status == Status::Ok);
    let page = fs::read_to_string(served.join(synth::note_page(3))).unwrap();
    assert!(
        page.contains("A claim rewritten once."),
        "the page is published"
    );
    assert_eq!(
        fs::read(served.join("briefing.json")).unwrap(),
        export_before,
        "the whole-briefing files waited"
    );

    // The newer edit's rebuild.
    assert!(set_line(
        &note,
        0,
        "- text: ",
        "\"A claim rewritten twice.\""
    ));
    newer.store(false, Ordering::SeqCst);
    let report = pipeline::build_with(&root, Some(&served), &Options::default(), &mut cache)
        .expect("no I/O error");
    assert!(!report.superseded && report.status == Status::Ok);
    let fresh = dir.path().join("fresh");
    assert_eq!(build(&root, &fresh, &mut Cache::default()), Status::Ok);
    support::assert_same_site(&served, &fresh, "after the newer edit");
}
