//! Every page is valid HTML: the Nu HTML checker (the W3C's validator,
//! `vnu.jar`, installed with `npm ci --prefix tests/a11y` and run with Java)
//! reports no error on any page of the shipped briefing, in English and in
//! French, nor on the small fixture.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::BriefingTest;

/// `java` and the checker, or a failure that says how to get them.
fn checker() -> (PathBuf, PathBuf) {
    let java = support::require("java", "default-jre-headless");
    let jar = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/a11y/node_modules/vnu-jar/build/dist/vnu.jar");
    assert!(
        jar.is_file(),
        "the Nu HTML checker is not installed ({}): run `npm ci --prefix tests/a11y` (the test command `bash .ci/run` does this)",
        jar.display()
    );
    (java, jar)
}

/// The checker's errors for every HTML page under `site` (empty: none).
fn errors(site: &Path) -> String {
    let (java, jar) = checker();
    let out = Command::new(java)
        .arg("-jar")
        .arg(jar)
        .args(["--errors-only", "--skip-non-html"])
        .arg(site)
        .output()
        .expect("the checker runs");
    let report =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() || !report.trim().is_empty(),
        "the checker failed without saying why: {:?}",
        out.status
    );
    report
}

fn assert_valid(t: &BriefingTest, what: &str) {
    let site = t.path().join("book");
    let pages = support::html_files(&site).len();
    assert!(pages > 5, "{what}: {pages} pages");
    let errors = errors(&site);
    assert!(
        errors.trim().is_empty(),
        "{what}: the Nu HTML checker reports:\n{errors}"
    );
}

#[test]
fn the_nu_html_checker_finds_no_error_on_any_page() {
    let t = BriefingTest::shipped();
    t.run(&["build"]).expect_success();
    assert_valid(&t, "the shipped briefing");

    let book = t
        .read("book.toml")
        .replace("language = \"en\"", "language = \"fr\"");
    let t = t.file("book.toml", &book);
    t.run(&["build"]).expect_success();
    assert_valid(&t, "the shipped briefing in French");

    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    assert_valid(&t, "the fixture");
}

#[test]
fn the_checker_does_find_errors() {
    // Not vacuous: a page with misnested tags is reported.
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    let site = t.path().join("book");
    std::fs::write(
        site.join("broken.html"),
        "<!DOCTYPE html><html lang=\"en\"><head><title>x</title></head><body><p><div>bad</p></body></html>",
    )
    .unwrap();
    let errors = errors(&site);
    assert!(errors.contains("broken.html"), "{errors}");
    assert!(errors.contains("error"), "{errors}");
}
