//! A small builder for running the real `briefing` binary on a fixture.
//!
//! ```ignore
//! BriefingTest::new("basic")
//!     .file("content/who/x.yaml", "title: X\n")
//!     .run(&["check"])
//!     .expect_code(1)
//!     .expect_stderr("missing field `type`");
//! ```
#![allow(dead_code)]

pub mod browser;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct BriefingTest {
    pub dir: tempfile::TempDir,
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

impl BriefingTest {
    /// A fresh copy of `tests/fixtures/<name>` in a temporary folder.
    pub fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&fixtures().join(name), dir.path());
        BriefingTest { dir }
    }

    /// A copy of a folder outside the fixtures (e.g. the repository's own briefing).
    pub fn from_dir(src: &Path, only: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for entry in only {
            let from = src.join(entry);
            let to = dir.path().join(entry);
            if from.is_dir() {
                copy_dir(&from, &to);
            } else {
                fs::copy(&from, &to).expect("copy");
            }
        }
        BriefingTest { dir }
    }

    /// A copy of the repository's own briefing (`book.toml` and `content/`).
    pub fn shipped() -> Self {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        Self::from_dir(repo, &["book.toml", "content"])
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes (or replaces) a file of the briefing.
    pub fn file(self, rel: &str, text: &str) -> Self {
        let path = self.dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        self
    }

    pub fn remove(self, rel: &str) -> Self {
        fs::remove_file(self.dir.path().join(rel)).unwrap();
        self
    }

    /// Runs `briefing ARGS` in the briefing's folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_briefing"))
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run briefing");
        Run { output }
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.dir.path().join(rel))
            .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.dir.path().join(rel).exists()
    }
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.output.status.code(),
            Some(code),
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    pub fn expect_success(self) -> Self {
        self.expect_code(0)
    }

    pub fn expect_stderr(self, needle: &str) -> Self {
        let err = self.stderr();
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
        self
    }

    pub fn expect_no_stderr(self, needle: &str) -> Self {
        let err = self.stderr();
        assert!(!err.contains(needle), "stderr has {needle:?}:\n{err}");
        self
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every internal link of every HTML page under `site` that does not
/// resolve to a file, or to an element id in it: `(page, href)` pairs.
pub fn broken_links(site: &Path) -> Vec<(String, String)> {
    let pages = html_files(site);
    let mut broken = Vec::new();
    for page in &pages {
        let html = fs::read_to_string(page).unwrap();
        for href in attribute_values(&html, "href").chain(attribute_values(&html, "src")) {
            if href.contains("://") || href.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = match href.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (href.as_str(), None),
            };
            let target = if path.is_empty() {
                page.clone()
            } else if let Some(abs) = path.strip_prefix('/') {
                // Root-absolute (the 404 page): the site is served at `/`.
                site.join(abs)
            } else {
                page.parent().unwrap().join(path)
            };
            let ok = target.is_file()
                && fragment.is_none_or(|f| {
                    f.is_empty() || has_id(&fs::read_to_string(&target).unwrap_or_default(), f)
                });
            if !ok {
                let rel = page.strip_prefix(site).unwrap().display().to_string();
                broken.push((rel, href.clone()));
            }
        }
    }
    broken
}

pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(html_files(&path));
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    out.sort();
    out
}

pub fn attribute_values(html: &str, attr: &str) -> impl Iterator<Item = String> {
    let pat = format!(" {attr}=\"");
    html.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &html[i + pat.len()..];
            let end = rest.find('"').unwrap();
            rest[..end].replace("&amp;", "&")
        })
        .collect::<Vec<_>>()
        .into_iter()
}

pub fn has_id(html: &str, id: &str) -> bool {
    html.contains(&format!(" id=\"{id}\""))
}

/// Every file under `dir`, by relative path, with its bytes.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Asserts that the site in `served` is byte-identical to a fresh build in
/// `fresh`; `context` says which step of a test this is.
pub fn assert_same_site(served: &Path, fresh: &Path, context: &str) {
    let (a, b) = (tree(served), tree(fresh));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{context}: same files"
    );
    let differ: Vec<String> = b
        .iter()
        .filter(|(path, bytes)| a[*path] != **bytes)
        .map(|(path, _)| path.display().to_string())
        .take(10)
        .collect();
    assert!(
        differ.is_empty(),
        "{context}: these files differ from a fresh build: {differ:?}"
    );
}

/// A program from Debian's packages, or a failure that says how to get it.
pub fn require(program: &str, package: &str) -> PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    for dir in path.split(':').chain(["/usr/sbin", "/usr/bin"]) {
        let candidate = Path::new(dir).join(program);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "`{program}` is not installed: run `apt-get update && apt-get install {package}` (the test command `bash .ci/run` does this)"
    );
}

/// What a page did in the browser.
pub struct Visit {
    /// Console messages (our pages have no script, so any is suspect).
    pub console: Vec<String>,
    /// URLs of requests the page itself made (not the browser's own).
    pub requests: Vec<String>,
    /// The DOM after loading, when no screenshot was asked for.
    pub dom: String,
    /// Chromium's log, for failure messages.
    pub log: String,
}

impl Visit {
    /// Asserts that the page logged nothing (our pages have no script, so a
    /// message means something ran or failed) and requested nothing outside
    /// `allowed` (a URL prefix).
    pub fn assert_quiet(&self, url: &str, allowed: &str) {
        assert!(
            self.console.is_empty(),
            "console messages on {url}:\n{}",
            self.console.join("\n")
        );
        let outside: Vec<&String> = self
            .requests
            .iter()
            .filter(|u| !u.starts_with(allowed))
            .collect();
        assert!(outside.is_empty(), "{url} requested {outside:?}");
    }
}

/// How every test starts Chromium: headless, in a sandbox-less container,
/// and making no requests of its own that it can be told not to make.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--allow-file-access-from-files",
];

/// Loads `url` in headless Chromium; saves a screenshot to `shot` if given
/// a path ending in `.png`, else dumps the DOM.
pub fn visit(chromium: &Path, url: &str, shot: &Path) -> Visit {
    let profile = tempfile::tempdir().unwrap();
    let netlog = profile.path().join("net.json");
    let mut cmd = Command::new(chromium);
    cmd.args(CHROMIUM_FLAGS)
        .args([
            "--window-size=1280,1000",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--log-net-log={}", netlog.display()));
    if shot.extension().is_some_and(|e| e == "png") {
        cmd.arg(format!("--screenshot={}", shot.display()));
    } else {
        cmd.arg("--dump-dom");
    }
    let out = cmd.arg(url).output().expect("run chromium");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    Visit {
        console: log
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
        requests: page_requests(&netlog),
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        log,
    }
}

/// URLs of requests started by a page rather than by the browser itself,
/// from Chromium's net-log (the browser's own carry "not an origin").
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = fs::read_to_string(netlog).unwrap_or_default();
    // Chromium may leave the closing brackets off when it exits.
    let log: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("a readable net-log");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_u64();
    log["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"].as_u64() == start_job)
        .filter(|e| {
            e["params"]["initiator"]
                .as_str()
                .is_some_and(|i| i != "not an origin")
        })
        .filter_map(|e| e["params"]["url"].as_str())
        .map(str::to_owned)
        .collect()
}
