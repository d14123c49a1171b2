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

use serde_json::json;
use support::browser::Browser;

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
