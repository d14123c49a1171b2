//! Quote context, in a real browser, on the shipped briefing: focusing or
//! hovering a citation link shows the quoted words inside their sentence in
//! the source (a tooltip made by `static/context.js`), Escape, blur and
//! moving away hide it, it stays inside a phone's screen, and without
//! JavaScript the link still goes to the highlighted passage. Screenshots
//! go to `target/tmp/artifacts/context/` for people to look at.
//!
//! Needs Chromium (Debian's `chromium`); fails, never skips, without it.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::browser::{Browser, ShippedSite as Site};

/// A note whose citations quote parts of sentences.
const NOTE: &str = "what/apt31-decade-of-targeting.html";

impl Site {
    /// A source's text, with each run of white space one space.
    fn source_text(&self, id: &str) -> String {
        let path = self
            .briefing
            .path()
            .join(format!("content/sources/{id}.txt"));
        squeeze(&fs::read_to_string(path).unwrap())
    }
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The tooltip as the reader sees it, and the link it describes.
const TOOLTIP: &str = r#"(() => {
  const t = document.getElementById('cite-context');
  const a = document.activeElement;
  if (!t) return {shown: false, exists: false};
  const r = t.getBoundingClientRect(), cs = getComputedStyle(t);
  const described = document.querySelector('[aria-describedby="cite-context"]');
  return {
    exists: true,
    shown: !t.hidden && cs.display !== 'none' && cs.visibility === 'visible' && r.width > 50 && r.height > 20,
    role: t.getAttribute('role'),
    text: t.querySelector('.cite-context-text') ? t.querySelector('.cite-context-text').textContent : '',
    quote: t.querySelector('mark') ? t.querySelector('mark').textContent : '',
    source: t.querySelector('.cite-context-source') ? t.querySelector('.cite-context-source').textContent : '',
    describes: described ? described.getAttribute('href') : null,
    focused: a.getAttribute('href'),
    focusedIsCite: a.matches('a.cite-ref'),
    left: r.left, right: r.right, top: r.top, bottom: r.bottom,
    vw: document.documentElement.clientWidth, vh: innerHeight,
    scrollWidth: document.documentElement.scrollWidth,
    color: cs.color, background: cs.backgroundColor,
  };
})()"#;

/// The citation link `n` (0-based) of the page, scrolled to the middle of
/// the screen: its href, context attributes, evidence quote and centre.
fn cite(b: &mut Browser, n: usize) -> Value {
    b.eval(&format!(
        r#"(() => {{
  const a = document.querySelectorAll('a.cite-ref')[{n}];
  a.scrollIntoView({{block: 'center'}});
  const r = a.getBoundingClientRect();
  const claim = a.closest('.claim');
  const i = [...a.parentNode.querySelectorAll('a.cite-ref')].indexOf(a);
  const item = claim.querySelectorAll(':scope > details.evidence > ol > li')[i];
  return {{
    href: a.getAttribute('href'), before: a.dataset.before || null, after: a.dataset.after || null,
    quote: item.querySelector('q').textContent,
    source: item.querySelector('a').textContent +
      (item.querySelector('.caveat') ? ' · ' + item.querySelector('.caveat').textContent : ''),
    x: r.left + r.width / 2, y: r.top + r.height / 2,
  }};
}})()"#
    ))
}

/// Moves the mouse to `(x, y)` of the viewport, as a real pointer would.
fn mouse_to(b: &mut Browser, x: f64, y: f64) {
    b.call(
        "Input.dispatchMouseEvent",
        json!({"type": "mouseMoved", "x": x, "y": y, "button": "none"}),
    );
}

/// Saves what the screen shows (the viewport) as a PNG.
fn screenshot_of_screen(b: &mut Browser, path: &Path) {
    let shot = b.call("Page.captureScreenshot", json!({"format": "png"}));
    let png = data_encoding::BASE64
        .decode(shot["data"].as_str().unwrap().as_bytes())
        .expect("base64 screenshot");
    fs::write(path, &png).unwrap();
    assert!(png.len() > 5_000, "{} is nearly empty", path.display());
}

/// Checks that the tooltip shows citation `c` in its source's words:
/// the quote, highlighted, between the words before and after it, exactly
/// as they run in the source's text.
fn assert_shows_in_context(site: &Site, tip: &Value, c: &Value) {
    assert!(tip["shown"] == true, "a visible tooltip: {tip}");
    assert_eq!(tip["role"], "tooltip");
    assert_eq!(tip["describes"], c["href"], "the link is described by it");
    assert_eq!(tip["source"], c["source"], "the source's title");
    let quote = squeeze(c["quote"].as_str().unwrap());
    assert_eq!(tip["quote"], json!(quote), "the quote, highlighted");
    let text = tip["text"].as_str().unwrap();
    let before = c["before"].as_str().unwrap_or("");
    let after = c["after"].as_str().unwrap_or("");
    assert_eq!(text, format!("{before}{quote}{after}"));
    // The words around the quote are the source's, next to it.
    let href = c["href"].as_str().unwrap();
    let id = href
        .rsplit('/')
        .next()
        .unwrap()
        .split(".html")
        .next()
        .unwrap();
    let source = site.source_text(id);
    let in_source = squeeze(text.trim_start_matches('…').trim_end_matches('…'));
    assert!(
        source.contains(&in_source),
        "{in_source:?} is not in source {id}"
    );
}

#[test]
fn focus_or_hover_shows_the_quote_in_its_sentence_and_escape_hides_it() {
    let site = Site::build();
    let mut b = Browser::launch();
    b.open(&site.server.url(NOTE));

    // From the keyboard: Tab to the first citation that has words on
    // both sides of its quote.
    let mut tabs = 0;
    loop {
        b.press("Tab");
        tabs += 1;
        let on = b.eval("document.activeElement.matches('a.cite-ref[data-before][data-after]')");
        if on == true {
            break;
        }
        assert!(tabs < 200, "no citation with context reached by Tab");
    }
    let n = b
        .eval("[...document.querySelectorAll('a.cite-ref')].indexOf(document.activeElement)")
        .as_u64()
        .unwrap() as usize;
    let c = cite(&mut b, n);
    let tip = b.eval(TOOLTIP);
    assert_shows_in_context(&site, &tip, &c);
    assert!(tip["focusedIsCite"] == true);
    assert!(
        c["before"].as_str().unwrap().len() > 10 && c["after"].as_str().unwrap().len() > 10,
        "words of the source on both sides: {c}"
    );
    // The browser's own tooltip (the title) does not cover it meanwhile.
    assert_eq!(
        b.eval("document.activeElement.hasAttribute('title')"),
        false
    );
    // It sits by the link, inside the screen.
    assert!(tip["left"].as_f64() >= Some(0.0) && tip["right"].as_f64() <= tip["vw"].as_f64());
    assert!(tip["top"].as_f64() >= Some(0.0) && tip["bottom"].as_f64() <= tip["vh"].as_f64());

    // Escape hides it; focus stays on the link, which gets its title back.
    b.press("Escape");
    let tip = b.eval(TOOLTIP);
    assert!(tip["shown"] == false, "hidden after Escape: {tip}");
    assert_eq!(tip["describes"], Value::Null);
    assert_eq!(tip["focused"], c["href"]);
    assert_eq!(b.eval("document.activeElement.hasAttribute('title')"), true);

    // Focus leaving (blur) hides it too.
    b.eval("document.activeElement.blur()");
    b.focus(&format!(
        "a.cite-ref[href=\"{}\"]",
        c["href"].as_str().unwrap()
    ));
    assert!(b.eval(TOOLTIP)["shown"] == true);
    b.eval("document.activeElement.blur()");
    let tip = b.eval(TOOLTIP);
    assert!(tip["shown"] == false, "hidden on blur: {tip}");

    // The mouse: hovering another citation shows its context…
    let other = (0..)
        .map(|i| cite(&mut b, i))
        .find(|o| o["href"] != c["href"] && o["after"].is_string())
        .unwrap();
    let (x, y) = (other["x"].as_f64().unwrap(), other["y"].as_f64().unwrap());
    mouse_to(&mut b, x, y);
    b.wait_for("document.getElementById('cite-context') && !document.getElementById('cite-context').hidden");
    let tip = b.eval(TOOLTIP);
    assert_shows_in_context(&site, &tip, &other);
    // …which stays while the pointer moves onto it (to select or read it)…
    let (tx, ty) = (
        (tip["left"].as_f64().unwrap() + tip["right"].as_f64().unwrap()) / 2.0,
        (tip["top"].as_f64().unwrap() + tip["bottom"].as_f64().unwrap()) / 2.0,
    );
    mouse_to(&mut b, tx, ty);
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert!(b.eval(TOOLTIP)["shown"] == true, "kept while hovered");
    // …and goes when the pointer leaves both.
    mouse_to(&mut b, 2.0, 2.0);
    b.wait_for("document.getElementById('cite-context').hidden");
    // Escape hides a hovered one as well.
    mouse_to(&mut b, x, y);
    b.wait_for("!document.getElementById('cite-context').hidden");
    b.press("Escape");
    assert!(b.eval(TOOLTIP)["shown"] == false, "hidden after Escape");
    mouse_to(&mut b, 2.0, 2.0);

    let console = b.console();
    assert!(console.is_empty(), "console: {console:?}");
}

/// Every citation of a page gets its tooltip, inside the screen of a
/// 360 px phone (the page does not scroll sideways), in light and dark;
/// screenshots for people to look at.
#[test]
fn the_tooltip_fits_a_phone_and_follows_the_colour_scheme() {
    let site = Site::build();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts/context");
    fs::create_dir_all(&dir).unwrap();
    let mut b = Browser::launch();
    let mut shots: Vec<PathBuf> = Vec::new();
    for (device, phone) in [("desktop", false), ("phone", true)] {
        if phone {
            b.phone();
        } else {
            b.desktop();
        }
        let mut colours = Vec::new();
        for scheme in ["light", "dark"] {
            b.color_scheme(scheme);
            b.open(&site.server.url(NOTE));
            let count = b
                .eval("document.querySelectorAll('a.cite-ref').length")
                .as_u64()
                .unwrap() as usize;
            assert!(count > 3, "citations on {NOTE}");
            for n in 0..count {
                let c = cite(&mut b, n);
                b.focus(&format!(
                    "a.cite-ref[href=\"{}\"]",
                    c["href"].as_str().unwrap()
                ));
                let tip = b.eval(TOOLTIP);
                let at = format!("{device} {scheme} citation {n}");
                assert_shows_in_context(&site, &tip, &c);
                assert!(
                    tip["left"].as_f64() >= Some(0.0)
                        && tip["right"].as_f64() <= tip["vw"].as_f64(),
                    "{at}: the tooltip leaves the screen: {tip}"
                );
                assert!(
                    tip["scrollWidth"].as_f64() <= tip["vw"].as_f64(),
                    "{at}: the page scrolls sideways: {tip}"
                );
            }
            // The picture: the citation with the longest context.
            let longest = b
                .eval(
                    "(() => { const l = [...document.querySelectorAll('a.cite-ref')]; \
                     const len = a => (a.dataset.before || '').length + (a.dataset.after || '').length; \
                     return l.indexOf(l.reduce((m, a) => len(a) > len(m) ? a : m)); })()",
                )
                .as_u64()
                .unwrap() as usize;
            let c = cite(&mut b, longest);
            b.focus(&format!(
                "a.cite-ref[href=\"{}\"]",
                c["href"].as_str().unwrap()
            ));
            let tip = b.eval(TOOLTIP);
            colours.push((tip["color"].clone(), tip["background"].clone()));
            let file = dir.join(format!("context-{device}-{scheme}.png"));
            screenshot_of_screen(&mut b, &file);
            shots.push(file);
            let console = b.console();
            assert!(
                console.is_empty(),
                "{device} {scheme}: console: {console:?}"
            );
        }
        assert_ne!(
            colours[0], colours[1],
            "the dark scheme has its own colours"
        );
    }
    println!(
        "{}",
        shots
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Without JavaScript nothing changes: no tooltip, and the citation link
/// goes to the highlighted passage of the source.
#[test]
fn without_javascript_the_citation_still_goes_to_the_passage() {
    let site = Site::build();
    let mut b = Browser::launch();
    b.call(
        "Emulation.setScriptExecutionDisabled",
        json!({"value": true}),
    );
    b.open(&site.server.url(NOTE));
    let c = cite(&mut b, 2);
    let href = c["href"].as_str().unwrap().to_owned();
    assert!(
        href.starts_with("../sources/") && href.contains(".html#q-"),
        "{href}"
    );
    b.focus(&format!("a.cite-ref[href=\"{href}\"]"));
    let tip = b.eval(TOOLTIP);
    assert!(
        tip["exists"] == false,
        "no tooltip without JavaScript: {tip}"
    );
    assert_eq!(b.eval("document.activeElement.hasAttribute('title')"), true);
    b.press("Enter");
    let (page, fragment) = href.trim_start_matches("../").split_once('#').unwrap();
    b.wait_for_document(&format!(
        "location.pathname === '/{page}' && location.hash === '#{fragment}'"
    ));
    // The passage it lands on is the highlighted quote (the anchors of
    // passages starting at the same place stand side by side before it).
    let passage = b.eval(&format!(
        "(() => {{ const a = document.getElementById('{fragment}'), r = document.createRange(); \
         r.setStartAfter(a); r.setEndAfter(a.parentNode.lastChild); \
         let next = a.nextElementSibling; \
         while (next && next.localName === 'span' && next.id && !next.textContent) next = next.nextElementSibling; \
         return {{next: next.localName, text: r.toString()}}; }})()"
    ));
    assert_eq!(passage["next"], "mark", "{passage}");
    let quote = squeeze(c["quote"].as_str().unwrap());
    assert!(
        squeeze(passage["text"].as_str().unwrap()).starts_with(&quote),
        "the passage starts with {quote:?}: {passage}"
    );
    let console = b.console();
    assert!(console.is_empty(), "console: {console:?}");
}
