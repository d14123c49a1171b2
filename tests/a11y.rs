//! Accessibility, in a real browser: the shipped briefing, every kind of
//! page, checked by axe-core in headless Chromium in light and dark colour
//! schemes, at phone width, and with the keyboard; screenshots of the main
//! pages are saved for people to look at.
//!
//! Needs Chromium (Debian's `chromium`) and axe-core (`npm ci --prefix
//! tests/a11y`); `.ci/run` installs both when missing. Without them these
//! tests fail and say what to run — they never skip.

mod support;

use std::fs;
use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};
use support::browser::{Browser, ShippedSite as Site};

/// The driver itself: typing sends real key events to the focused field,
/// Tab moves focus, colour scheme and viewport emulation take effect, and a
/// screenshot is a PNG.
#[test]
fn browser_driver_types_tabs_and_emulates() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("form.html");
    fs::write(
        &page,
        r##"<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width">
<style>@media (prefers-color-scheme: dark) { body { background: black } }</style></head>
<body><input id="q"><a id="second" href="#x">second</a>
<script>
window.seen = [];
const q = document.getElementById('q');
for (const t of ['keydown', 'input', 'keyup']) q.addEventListener(t, e => seen.push(t));
console.log('ready');
</script></body></html>"##,
    )
    .unwrap();
    let mut b = Browser::launch();
    b.open(&format!("file://{}", page.display()));
    assert_eq!(b.console(), ["log: ready"]);
    b.focus("#q");
    b.type_text("APT 31");
    assert_eq!(b.eval("q.value"), json!("APT 31"));
    assert_eq!(
        b.eval("seen.slice(0, 3)"),
        json!(["keydown", "input", "keyup"])
    );
    assert_eq!(b.eval("seen.filter(t => t === 'input').length"), json!(6));
    b.press("Tab");
    assert_eq!(b.eval("document.activeElement.id"), json!("second"));
    b.wait_for_selector("#second:focus");

    assert_eq!(b.eval("Promise.resolve(innerWidth)"), json!(1280));
    b.phone();
    assert_eq!(b.eval("innerWidth"), json!(360));
    b.color_scheme("dark");
    assert_eq!(
        b.eval("getComputedStyle(document.body).backgroundColor"),
        json!("rgb(0, 0, 0)")
    );
    b.color_scheme("light");
    assert_eq!(
        b.eval("matchMedia('(prefers-color-scheme: dark)').matches"),
        json!(false)
    );
    let shot = dir.path().join("shot.png");
    b.screenshot(&shot);
    let png = fs::read(&shot).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

impl Site {
    /// One page of every kind: `(kind, path)`. The print and search pages
    /// (empty, and with results) are included when the site has them.
    fn pages(&self) -> Vec<(String, String)> {
        let mut pages = vec![("front page".to_owned(), "index.html".to_owned())];
        for part in ["who", "what", "responses", "questions"] {
            pages.push((format!("{part} index"), format!("{part}/index.html")));
            pages.push((format!("{part} note"), self.first_page_in(part)));
        }
        pages.push(("sources index".into(), "sources/index.html".into()));
        pages.push(("source".into(), self.first_page_in("sources")));
        pages.push(("404".into(), "404.html".into()));
        if self.root.join("print.html").is_file() {
            pages.push(("print".into(), "print.html".into()));
            pages.push(("print sources".into(), "print-sources.html".into()));
        }
        if self.root.join("search.html").is_file() {
            pages.push(("search".into(), "search.html".into()));
            pages.push(("search results".into(), "search.html?q=APT31".into()));
        }
        pages
    }

    /// Opens a page of the site; for search results, waits for them.
    fn open(&self, b: &mut Browser, path: &str) {
        b.open(&self.server.url(path));
        if path.contains("?q=") {
            b.wait_for("document.querySelectorAll('#search-results li a').length > 0");
        }
    }

    /// The first page of a folder other than its index, by name.
    fn first_page_in(&self, dir: &str) -> String {
        let first = support::html_files(&self.root.join(dir))
            .into_iter()
            .find(|p| !p.ends_with("index.html"))
            .unwrap_or_else(|| panic!("no page in {dir}/"));
        first
            .strip_prefix(&self.root)
            .unwrap()
            .display()
            .to_string()
    }
}

/// axe-core's source, or a failure that says how to install it.
fn axe_source() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/node_modules/axe-core/axe.min.js");
    fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is not installed ({}: {e}): run `npm ci --prefix tests/a11y` (the test command `bash .ci/run` does this)",
            path.display()
        )
    })
}

/// Runs axe on the open page: `{violations, incomplete, passes}`, the
/// first two as lists of `{id, impact, help, nodes: [{target, summary}]}`
/// (incomplete: what axe could not decide, such as contrast over an image),
/// `passes` the number of rules that passed.
fn run_axe(b: &mut Browser, axe: &str) -> Value {
    b.eval(&format!("{axe}\n;true"));
    b.eval(
        r#"(async () => {
  const r = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
  });
  const brief = list => list.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
  return {violations: brief(r.violations), incomplete: brief(r.incomplete), passes: r.passes.length};
})()"#,
    )
}

/// One axe result as text, with at most `max_nodes` of its elements.
fn describe(page: &str, scheme: &str, v: &Value, max_nodes: usize) -> String {
    let mut out = format!(
        "{page} ({scheme}): [{}] {}: {}\n",
        v["impact"].as_str().unwrap_or("?"),
        v["id"].as_str().unwrap_or("?"),
        v["help"].as_str().unwrap_or("?")
    );
    let nodes = v["nodes"].as_array().map_or(&[][..], |n| n.as_slice());
    for n in nodes.iter().take(max_nodes) {
        let summary = n["summary"].as_str().unwrap_or("").replace('\n', " ");
        out.push_str(&format!(
            "    {}  — {summary}\n",
            n["target"].as_str().unwrap_or("?")
        ));
    }
    if nodes.len() > max_nodes {
        out.push_str(&format!("    … and {} more\n", nodes.len() - max_nodes));
    }
    out
}

/// axe-core (WCAG 2.1 A and AA, and its best practices) finds no violation
/// of any impact on any kind of page, in the light or the dark colour scheme.
#[test]
fn axe_finds_no_problem_on_any_kind_of_page_light_or_dark() {
    let axe = axe_source();
    let site = Site::build();
    let pages = site.pages();
    let mut b = Browser::launch();

    // First, that axe runs and sees: a page with known faults.
    let bad = tempfile::tempdir().unwrap();
    fs::write(
        bad.path().join("bad.html"),
        "<!DOCTYPE html><html lang=en><title>t</title><main><h1>t</h1>\
         <p style='color:#bbb;background:#fff'>faint</p><img src=x.png></main>",
    )
    .unwrap();
    b.open(&format!("file://{}/bad.html", bad.path().display()));
    let found: Vec<Value> = run_axe(&mut b, &axe)["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].clone())
        .collect();
    assert!(
        found.contains(&json!("color-contrast")) && found.contains(&json!("image-alt")),
        "axe does not see the faults of a bad page: {found:?}"
    );

    let started = Instant::now();
    let (mut serious, mut lesser, mut undecided) = (Vec::new(), Vec::new(), Vec::new());
    let mut passes = 0;
    for scheme in ["light", "dark"] {
        b.color_scheme(scheme);
        for (kind, path) in &pages {
            site.open(&mut b, path);
            let at = format!("{kind} {path}");
            let result = run_axe(&mut b, &axe);
            passes += result["passes"].as_u64().unwrap();
            for v in result["violations"].as_array().unwrap() {
                let text = describe(&at, scheme, v, usize::MAX);
                match v["impact"].as_str() {
                    Some("serious" | "critical") => serious.push(text),
                    _ => lesser.push(text),
                }
            }
            for v in result["incomplete"].as_array().unwrap() {
                undecided.push(describe(&at, scheme, v, 3));
            }
        }
    }
    println!(
        "axe: {} pages × 2 colour schemes in {:.1} s, {passes} rule passes, {} serious or critical, {} lesser, {} undecided ({})",
        pages.len(),
        started.elapsed().as_secs_f64(),
        serious.len(),
        lesser.len(),
        undecided.len(),
        pages
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !lesser.is_empty() {
        println!("moderate and minor:\n{}", lesser.join(""));
    }
    if !undecided.is_empty() {
        println!(
            "for a person to check (axe could not decide):\n{}",
            undecided.join("")
        );
    }
    assert!(
        serious.is_empty() && lesser.is_empty(),
        "{} serious or critical accessibility violations and {} lesser:\n{}\n{}",
        serious.len(),
        lesser.len(),
        serious.join(""),
        lesser.join("")
    );
}

/// The quote-context tooltip (`static/context.js`), open on a citation,
/// passes axe too, in both colour schemes: nothing serious anywhere, and
/// nothing at all about the tooltip itself.
#[test]
fn axe_finds_no_problem_with_a_quotes_context_open_light_or_dark() {
    let axe = axe_source();
    let site = Site::build();
    let note = "what/apt31-decade-of-targeting.html";
    let mut b = Browser::launch();
    let mut problems = Vec::new();
    for scheme in ["light", "dark"] {
        b.color_scheme(scheme);
        site.open(&mut b, note);
        b.focus("a.cite-ref[data-before][data-after]");
        let open = "document.getElementById('cite-context') && !document.getElementById('cite-context').hidden";
        b.wait_for(open);
        let result = run_axe(&mut b, &axe);
        assert_eq!(b.eval(open), json!(true), "the tooltip stayed open");
        for v in result["violations"].as_array().unwrap() {
            let about_tooltip = v["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["target"].as_str().unwrap_or("").contains("cite-context"));
            if about_tooltip || matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                problems.push(describe(note, scheme, v, usize::MAX));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "with the quote context open:\n{}",
        problems.join("")
    );
}

/// At 360 px wide (a small phone) no page scrolls sideways.
#[test]
fn no_page_scrolls_sideways_on_a_phone() {
    let site = Site::build();
    let mut b = Browser::launch();
    b.phone();
    let mut problems = Vec::new();
    for (kind, path) in site.pages() {
        site.open(&mut b, &path);
        let overflow = b.eval(
            r#"(() => {
  const w = innerWidth, sw = document.documentElement.scrollWidth;
  if (sw <= w) return null;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 0.5)
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' right=' + Math.round(e.getBoundingClientRect().right));
  return `scrollWidth ${sw} > ${w}: ${wide.join(', ')}`;
})()"#,
        );
        if let Some(text) = overflow.as_str() {
            problems.push(format!("{kind} {path}: {text}"));
        }
    }
    assert!(
        problems.is_empty(),
        "pages wider than a 360 px phone:\n{}",
        problems.join("\n")
    );
}

/// From the keyboard: the first Tab on every page lands on a visible "Skip to
/// content" link, Enter on it moves focus to the content, the next Tab lands
/// on a link or field of the content, and every element Tab reaches after it shows a
/// clear focus ring — in both colour schemes.
#[test]
fn keyboard_users_get_a_visible_skip_link_and_focus_ring() {
    let site = Site::build();
    let mut b = Browser::launch();
    let mut problems = Vec::new();
    for scheme in ["light", "dark"] {
        b.color_scheme(scheme);
        for (kind, path) in site.pages() {
            let at = format!("{kind} {path} ({scheme})");
            site.open(&mut b, &path);
            b.press("Tab");
            let skip = b.eval(FOCUSED);
            let inside = skip["left"].as_f64() >= Some(0.0)
                && skip["top"].as_f64() >= Some(0.0)
                && skip["right"].as_f64() <= skip["vw"].as_f64()
                && skip["bottom"].as_f64() <= skip["vh"].as_f64()
                && skip["width"].as_f64() > Some(20.0)
                && skip["height"].as_f64() > Some(10.0);
            if skip["text"] != "Skip to content" || !inside || skip["visible"] != true {
                problems.push(format!(
                    "{at}: the first Tab focuses {skip}, not a visible skip link"
                ));
                continue;
            }
            if !focus_ring_visible(&skip) {
                problems.push(format!(
                    "{at}: the focused skip link shows no focus ring: {skip}"
                ));
            }
            b.press("Enter");
            let main = b.eval("document.activeElement.id");
            if main != "main" {
                problems.push(format!(
                    "{at}: the skip link moved focus to {main}, not the content"
                ));
                continue;
            }
            b.press("Tab");
            let link = b.eval(FOCUSED);
            let control = ["a", "input", "button", "summary"].map(Value::from);
            if !control.contains(&link["tag"]) || link["inMain"] != true {
                problems.push(format!(
                    "{at}: Tab after skipping focuses {link}, not a link or field of the content"
                ));
            }
            // The next elements in Tab order, of every kind there is.
            let mut focused = link;
            let mut seen = Vec::new();
            for _ in 0..TABS_PER_PAGE {
                let what = (focused["tag"].clone(), focused["cls"].clone());
                if !focus_ring_visible(&focused) && !seen.contains(&what) {
                    problems.push(format!("{at}: no visible focus ring on {focused}"));
                    seen.push(what);
                }
                b.press("Tab");
                focused = b.eval(FOCUSED);
                if focused["tag"] == "body" {
                    break;
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "keyboard problems:\n{}",
        problems.join("\n")
    );
}

/// How many elements past the first link of the content are checked for a
/// focus ring on each page (citations, evidence toggles, links, the pager…).
const TABS_PER_PAGE: usize = 40;

/// The focused element: what it is, where it is, and how its focus shows.
const FOCUSED: &str = r#"(() => {
  const e = document.activeElement, r = e.getBoundingClientRect(), cs = getComputedStyle(e);
  let bg = 'rgba(0, 0, 0, 0)';
  // An outline is drawn outside the element, over what is behind it.
  for (let n = e.parentElement; n && bg === 'rgba(0, 0, 0, 0)'; n = n.parentElement) bg = getComputedStyle(n).backgroundColor;
  if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
  return {
    tag: e.tagName.toLowerCase(), cls: e.className, text: e.textContent.trim().slice(0, 40),
    inMain: !!e.closest('main') && e.tagName !== 'MAIN',
    left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height,
    vw: innerWidth, vh: innerHeight,
    visible: cs.visibility === 'visible' && parseFloat(cs.opacity) > 0.5,
    outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth),
    outlineColor: cs.outlineColor, boxShadow: cs.boxShadow, background: bg,
  };
})()"#;

/// An outline at least 2 px wide, of a colour other than what is behind it.
fn focus_ring_visible(focused: &Value) -> bool {
    focused["outlineStyle"] != "none"
        && focused["outlineWidth"].as_f64() >= Some(2.0)
        && focused["outlineColor"] != focused["background"]
}

/// Screenshots of the front page, a note, a source and search results, on a
/// desktop and a phone, light and dark, for people to look at (in
/// `target/tmp/artifacts/screens/`); the dark scheme really is dark.
#[test]
fn screenshots_of_the_main_pages_light_and_dark_desktop_and_phone() {
    let site = Site::build();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts/screens");
    fs::create_dir_all(&dir).unwrap();
    // The front page, each part's index (the What index has the
    // timeline), a note of each kind, the sources index and two sources.
    let mut shots = vec![("front", "index.html".to_owned())];
    for part in ["who", "what", "responses", "questions", "sources"] {
        shots.push((part, format!("{part}/index.html")));
    }
    for (name, part) in [
        ("note-who", "who"),
        ("note-what", "what"),
        ("note-response", "responses"),
        ("note-question", "questions"),
        ("source", "sources"),
    ] {
        shots.push((name, site.first_page_in(part)));
    }
    let mut sources = support::html_files(&site.root.join("sources"));
    sources.retain(|p| !p.ends_with("index.html"));
    if let Some(last) = sources.last() {
        let last = last.strip_prefix(&site.root).unwrap().display().to_string();
        shots.push(("source-2", last));
    }
    let search = site.root.join("search.html").is_file();
    if search {
        shots.push(("search", "search.html".to_owned()));
    }
    let mut b = Browser::launch();
    let started = Instant::now();
    let mut count = 0;
    for (device, phone) in [("desktop", false), ("phone", true)] {
        if phone {
            // A common phone's width; the other tests use a narrower one.
            b.viewport(390, 844, true);
        } else {
            b.desktop();
        }
        for scheme in ["light", "dark"] {
            b.color_scheme(scheme);
            for (name, path) in &shots {
                site.open(&mut b, path);
                if *name == "search" {
                    search_for(&mut b, "APT31");
                }
                let background = b.eval(LUMINANCE_OF_BODY);
                let dark = background.as_f64().unwrap() < 0.2;
                assert_eq!(
                    dark,
                    scheme == "dark",
                    "{path} in the {scheme} scheme has a background of luminance {background}"
                );
                let file = dir.join(format!("{name}-{device}-{scheme}.png"));
                b.screenshot(&file);
                assert!(
                    fs::metadata(&file).unwrap().len() > 5_000,
                    "{} is nearly empty",
                    file.display()
                );
                count += 1;
            }
        }
        // The first pages of both printable outputs, as printed.
        b.color_scheme("light");
        for (name, path) in [
            ("print", "print.html"),
            ("print-sources", "print-sources.html"),
        ] {
            if !site.root.join(path).is_file() {
                continue;
            }
            site.open(&mut b, path);
            b.call(
                "Emulation.setEmulatedMedia",
                serde_json::json!({ "media": "print" }),
            );
            let file = dir.join(format!("{name}-{device}.png"));
            b.screenshot_top(&file, 2400.0);
            assert!(
                fs::metadata(&file).unwrap().len() > 5_000,
                "{} is nearly empty",
                file.display()
            );
            b.call(
                "Emulation.setEmulatedMedia",
                serde_json::json!({ "media": "" }),
            );
            count += 1;
        }
    }
    println!(
        "{count} screenshots in {} ({:.1} s){}",
        dir.display(),
        started.elapsed().as_secs_f64(),
        if search {
            ""
        } else {
            "; no search page to show yet"
        }
    );
}

/// Relative luminance of the page's background (0 black … 1 white).
const LUMINANCE_OF_BODY: &str = r#"(() => {
  const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g).map(Number)
    .map(c => c / 255).map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
})()"#;

/// Types a query into the search page's field, as a person would, and waits
/// for results.
fn search_for(b: &mut Browser, query: &str) {
    b.wait_for_selector("main input[type=search]");
    b.focus("main input[type=search]");
    b.type_text(query);
    b.press("Enter");
    b.wait_for(&format!(
        "location.search === {} && document.querySelectorAll('#search-results li a').length > 0",
        json!(format!("?q={query}"))
    ));
}
