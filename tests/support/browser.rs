//! A headless Chromium that tests can script, over the Chrome DevTools
//! Protocol (CDP).
//!
//! ```ignore
//! use support::browser::{Browser, StaticServer};
//!
//! let server = StaticServer::start(&site);  // a built site at http://127.0.0.1:PORT/
//! let mut b = Browser::launch();            // fails (never skips) without chromium
//! b.viewport(360, 740, true);               // or b.desktop() (1280×900) / b.phone() (360×740)
//! b.color_scheme("dark");                   // prefers-color-scheme: dark | light
//! b.open(&server.url("search.html"));       // or a file:// URL; waits for `load`
//! b.focus("main input[type=search]");
//! b.type_text("APT31");                     // real key events: keydown, input, keyup
//! b.press("Enter");                         // or "Tab", "Shift+Tab", "Escape", "ArrowDown"…
//! b.wait_for_document("location.search === '?q=APT31'"); // after a navigation: loaded, and which
//! b.wait_for("document.querySelectorAll('#search-results li').length > 0");
//! b.wait_for_selector("#search-results li a");
//! let title: serde_json::Value = b.eval("document.title"); // awaits promises, returns JSON
//! b.screenshot(Path::new("shot.png"));      // the full page, as PNG
//! assert!(b.console().is_empty(), "{:?}", b.console()); // console output + uncaught errors
//! let raw = b.call("Page.reload", json!({})); // any other CDP command, on the page
//! ```
//!
//! Every method panics with a clear message on failure or after a timeout
//! (`Browser::TIMEOUT`), as a test assertion would. Each `Browser` is its own
//! Chromium with a fresh profile in a temporary folder; it is closed on drop.
//!
//! Pages navigate on their own (a form sent with Enter, a link clicked), and
//! an evaluation can land while the old document is gone and the new one
//! has no JavaScript context yet. `eval` and `wait_for` then wait for the
//! new context and evaluate again, and `wait_for_document` waits for the new
//! document to have loaded: tests wait for states, never for time.
//!
//! Why no CDP crate: `headless_chrome` (the best kept one) would add about 95
//! crates to the lock file and generates the whole protocol at build time;
//! these few commands need only a WebSocket client, `tungstenite`, which
//! adds about 20 small crates. Chromium is the system one (Debian's
//! `chromium`); nothing is downloaded.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

pub struct Browser {
    child: Child,
    profile: tempfile::TempDir,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    /// Events received while waiting for something else.
    events: VecDeque<Value>,
    /// Console messages and uncaught exceptions since the last `open`.
    console: Vec<String>,
}

impl Browser {
    /// How long any one step (a command, a page load, a `wait_for`) may take.
    pub const TIMEOUT: Duration = Duration::from_secs(60);

    /// Starts headless Chromium with a blank page at 1280×900.
    pub fn launch() -> Browser {
        let chromium = super::require("chromium", "chromium");
        let profile = tempfile::tempdir().expect("temp dir");
        let child = Command::new(chromium)
            .args(super::CHROMIUM_FLAGS)
            .args([
                "--mute-audio",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let mut child = child;

        // Chromium writes the port it chose, and the browser's WebSocket
        // path, to DevToolsActivePort in its profile.
        let port_file = profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + Self::TIMEOUT;
        let (port, path) = loop {
            if let Ok(text) = fs::read_to_string(&port_file) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    break (port.to_owned(), path.to_owned());
                }
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("chromium exited before it was ready ({status})");
            }
            assert!(Instant::now() < deadline, "chromium did not start in time");
            std::thread::sleep(Duration::from_millis(20));
        };
        let stream = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap()))
            .expect("connect to chromium");
        stream.set_nodelay(true).unwrap();
        // Full-page screenshots come back as one large message.
        let config = WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None);
        let (ws, _) = tungstenite::client::client_with_config(
            format!("ws://127.0.0.1:{port}{path}"),
            stream,
            Some(config),
        )
        .unwrap_or_else(|e| panic!("DevTools handshake failed: {e}"));

        let mut browser = Browser {
            child,
            profile,
            ws,
            session: String::new(),
            next_id: 0,
            events: VecDeque::new(),
            console: Vec::new(),
        };
        let target = browser.send("Target.createTarget", json!({"url": "about:blank"}), None);
        let target_id = target["targetId"].as_str().unwrap().to_owned();
        let attached = browser.send(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
            None,
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_owned();
        for method in ["Page.enable", "Runtime.enable", "Log.enable"] {
            browser.call(method, json!({}));
        }
        // For `open`: the load of *its* document, told apart by loader ID
        // from the load of one a click or a form started earlier.
        browser.call("Page.setLifecycleEventsEnabled", json!({"enabled": true}));
        // Keyboard focus behaves as in a focused window even though headless.
        browser.call(
            "Emulation.setFocusEmulationEnabled",
            json!({"enabled": true}),
        );
        browser.desktop();
        browser
    }

    /// Sends any CDP command to the page and returns its result; panics on
    /// a protocol error.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(method, params, Some(&session))
    }

    /// Emulates a screen of `width`×`height` CSS pixels; `mobile` also
    /// turns on mobile emulation (viewport meta tag, touch, overlay scrollbars).
    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width, "height": height, "deviceScaleFactor": 1,
                "mobile": mobile, "screenWidth": width, "screenHeight": height,
            }),
        );
        self.call(
            "Emulation.setTouchEmulationEnabled",
            json!({"enabled": mobile, "maxTouchPoints": if mobile { 5 } else { 1 }}),
        );
    }

    /// 1280×900, not mobile.
    pub fn desktop(&mut self) {
        self.viewport(1280, 900, false);
    }

    /// 360×740, mobile (a small Android phone).
    pub fn phone(&mut self) {
        self.viewport(360, 740, true);
    }

    /// Emulates `prefers-color-scheme`: `"dark"` or `"light"`. Applies at once,
    /// also to the page already open.
    pub fn color_scheme(&mut self, scheme: &str) {
        assert!(matches!(scheme, "dark" | "light"), "scheme {scheme:?}");
        self.call(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
    }

    /// Loads `url` (http://, file://…) and waits for its `load` event. Clears
    /// what `console` had collected. Panics if the page cannot be loaded.
    pub fn open(&mut self, url: &str) {
        self.events.clear();
        self.console.clear();
        let nav = self.call("Page.navigate", json!({"url": url}));
        if let Some(error) = nav["errorText"].as_str() {
            panic!("cannot open {url}: {error}");
        }
        let Some(loader) = nav["loaderId"].as_str() else {
            // A same-document navigation (only the #fragment changed).
            return;
        };
        let loader = loader.to_owned();
        self.wait_event(url, |e| {
            e["method"] == "Page.lifecycleEvent"
                && e["params"]["name"] == "load"
                && e["params"]["loaderId"] == loader.as_str()
        });
    }

    /// Evaluates `js` in the page (awaiting it if it is a promise) and
    /// returns its value as JSON (`null` for `undefined`). Panics if it throws.
    ///
    /// If the page is between two documents (it navigated on its own: a
    /// form, a link) and the evaluation was lost with the old one, waits for
    /// the new document's context and evaluates `js` there. So `js` should
    /// not both act and await a promise (start a navigation, then wait for
    /// something): it would act again in the new document. Act in one
    /// `eval`, then wait with `wait_for` or `wait_for_document`.
    pub fn eval(&mut self, js: &str) -> Value {
        let deadline = Instant::now() + Self::TIMEOUT;
        let params = json!({
            "expression": js, "returnByValue": true, "awaitPromise": true,
            "userGesture": true, "allowUnsafeEvalBlockedByCSP": true,
        });
        let out = loop {
            let session = self.session.clone();
            match self.try_send("Runtime.evaluate", params.clone(), Some(&session)) {
                Ok(out) => break out,
                Err(error) if between_documents(&error) && Instant::now() < deadline => {
                    // Take in what Chromium says meanwhile (the new
                    // document's context among it) before asking again.
                    if let Some(msg) = self.read(Instant::now() + Duration::from_millis(20)) {
                        self.note(msg);
                    }
                }
                Err(error) => panic!(
                    "Runtime.evaluate failed: {error}\n--- script\n{}",
                    abbreviate(js)
                ),
            }
        };
        if let Some(e) = out.get("exceptionDetails") {
            panic!(
                "script threw: {}\n--- script\n{}",
                e["exception"]["description"]
                    .as_str()
                    .or(e["text"].as_str())
                    .unwrap_or("?"),
                abbreviate(js)
            );
        }
        out["result"]["value"].clone()
    }

    /// Waits until the JS expression `condition` is truthy, in whichever
    /// document the page shows when it is evaluated (see `eval`).
    pub fn wait_for(&mut self, condition: &str) {
        let deadline = Instant::now() + Self::TIMEOUT;
        loop {
            let v = self.eval(&format!("!!({condition})"));
            if v == Value::Bool(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {condition} on {}",
                self.eval("location.href")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// After an action that navigates (Enter in a form, a click on a link):
    /// waits until the page shows a document for which `condition` holds
    /// (say which by its `location`, so the old document cannot pass) and
    /// that has finished loading, its scripts run.
    pub fn wait_for_document(&mut self, condition: &str) {
        self.wait_for(&format!(
            "document.readyState === 'complete' && ({condition})"
        ));
    }

    /// Waits until an element matches `selector`.
    pub fn wait_for_selector(&mut self, selector: &str) {
        self.wait_for(&format!("document.querySelector({})", json!(selector)));
    }

    /// Focuses the first element matching `selector` (panics if none).
    pub fn focus(&mut self, selector: &str) {
        let found = self.eval(&format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return false; e.focus(); return document.activeElement === e; }})()",
            json!(selector)
        ));
        assert_eq!(found, json!(true), "cannot focus {selector}");
    }

    /// Types `text` into the focused element, one key press per character,
    /// as a keyboard would (keydown, keypress, beforeinput, input, keyup).
    pub fn type_text(&mut self, text: &str) {
        for ch in text.chars() {
            let s = ch.to_string();
            let code = if ch.is_ascii_alphabetic() {
                format!("Key{}", ch.to_ascii_uppercase())
            } else if ch.is_ascii_digit() {
                format!("Digit{ch}")
            } else if ch == ' ' {
                "Space".to_owned()
            } else {
                String::new()
            };
            let vk = if ch.is_ascii_alphanumeric() {
                ch.to_ascii_uppercase() as u32
            } else if ch == ' ' {
                32
            } else {
                0
            };
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": "keyDown", "key": s, "code": code, "text": s,
                       "unmodifiedText": s, "windowsVirtualKeyCode": vk}),
            );
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": "keyUp", "key": s, "code": code, "windowsVirtualKeyCode": vk}),
            );
        }
    }

    /// Presses and releases a named key: "Tab", "Enter", "Escape",
    /// "Backspace", "ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight",
    /// "Home", "End", or "Shift+Tab".
    pub fn press(&mut self, key: &str) {
        let (modifiers, key) = match key.strip_prefix("Shift+") {
            Some(k) => (8, k),
            None => (0, key),
        };
        let (vk, text) = match key {
            "Tab" => (9, ""),
            "Enter" => (13, "\r"),
            "Escape" => (27, ""),
            "Backspace" => (8, ""),
            "End" => (35, ""),
            "Home" => (36, ""),
            "ArrowLeft" => (37, ""),
            "ArrowUp" => (38, ""),
            "ArrowRight" => (39, ""),
            "ArrowDown" => (40, ""),
            other => panic!("press: unknown key {other:?}"),
        };
        let mut down = json!({"type": if text.is_empty() { "rawKeyDown" } else { "keyDown" },
            "key": key, "code": key, "windowsVirtualKeyCode": vk, "modifiers": modifiers});
        if !text.is_empty() {
            down["text"] = json!(text);
            down["unmodifiedText"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": key, "windowsVirtualKeyCode": vk,
                   "modifiers": modifiers}),
        );
    }

    /// Saves a PNG of the whole page (beyond the viewport) to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        self.screenshot_top(path, f64::INFINITY);
    }

    /// A screenshot of the page's first `height` CSS pixels at most.
    pub fn screenshot_top(&mut self, path: &Path, height: f64) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        let (w, h) = (
            size["width"].as_f64().unwrap().ceil(),
            size["height"].as_f64().unwrap().ceil().min(height),
        );
        let shot = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png", "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1},
            }),
        );
        let png = data_encoding::BASE64
            .decode(shot["data"].as_str().unwrap().as_bytes())
            .expect("base64 screenshot");
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).unwrap();
        }
        fs::write(path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Console messages (`level: text`) and uncaught exceptions since the
    /// last `open`, including ones logged by the browser (failed loads).
    pub fn console(&mut self) -> Vec<String> {
        // Collect what has arrived without waiting.
        while let Some(msg) = self.read(Instant::now() + Duration::from_millis(10)) {
            self.note(msg);
        }
        self.console.clone()
    }

    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        self.try_send(method, params, session)
            .unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// Sends a CDP command and waits for its answer: its result, or the
    /// protocol error.
    fn try_send(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .unwrap_or_else(|e| panic!("{method}: cannot send to chromium: {e}"));
        let deadline = Instant::now() + Self::TIMEOUT;
        loop {
            let Some(reply) = self.read(deadline) else {
                panic!("{method}: no answer from chromium in {:?}", Self::TIMEOUT);
            };
            if reply["id"].as_u64() == Some(id) {
                if let Some(error) = reply.get("error") {
                    return Err(error.clone());
                }
                return Ok(reply["result"].clone());
            }
            self.note(reply);
        }
    }

    /// Waits for an event of the page that `wanted` accepts, and returns its
    /// parameters; `what` names the wait in a failure.
    fn wait_event(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.events.iter().position(&wanted) {
            return self.events.remove(i).unwrap()["params"].clone();
        }
        let deadline = Instant::now() + Self::TIMEOUT;
        loop {
            let Some(msg) = self.read(deadline) else {
                panic!("timed out waiting for {what} to load");
            };
            if wanted(&msg) {
                return msg["params"].clone();
            }
            self.note(msg);
        }
    }

    /// Keeps an event: console output goes to `console`, the rest is queued.
    fn note(&mut self, msg: Value) {
        let p = &msg["params"];
        match msg["method"].as_str() {
            Some("Runtime.consoleAPICalled") => {
                let args: Vec<String> = p["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| match &a["value"] {
                        Value::String(s) => s.clone(),
                        Value::Null => a["description"].as_str().unwrap_or("?").to_owned(),
                        v => v.to_string(),
                    })
                    .collect();
                self.console.push(format!(
                    "{}: {}",
                    p["type"].as_str().unwrap_or("?"),
                    args.join(" ")
                ));
            }
            Some("Runtime.exceptionThrown") => {
                let d = &p["exceptionDetails"];
                self.console.push(format!(
                    "uncaught: {}",
                    d["exception"]["description"]
                        .as_str()
                        .or(d["text"].as_str())
                        .unwrap_or("?")
                ));
            }
            Some("Log.entryAdded") => {
                let e = &p["entry"];
                self.console.push(format!(
                    "{}: {} {}",
                    e["level"].as_str().unwrap_or("?"),
                    e["text"].as_str().unwrap_or(""),
                    e["url"].as_str().unwrap_or("")
                ));
            }
            Some(_) => self.events.push_back(msg),
            None => {}
        }
    }

    /// The next message, or `None` at the deadline.
    fn read(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.ws.get_ref().set_read_timeout(Some(left)).unwrap();
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    return Some(serde_json::from_str(text.as_str()).expect("CDP sends JSON"));
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("lost chromium: {e}"),
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ask politely (Chromium then stops its helper processes itself),
        // then make sure.
        self.next_id += 1;
        let close = json!({"id": self.next_id, "method": "Browser.close"});
        let _ = self.ws.send(Message::text(close.to_string()));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = &self.profile;
    }
}

/// Whether a protocol error says the page is between two documents: the
/// old one's JavaScript context is gone and the new one's not there yet.
fn between_documents(error: &Value) -> bool {
    let message = error["message"].as_str().unwrap_or("");
    [
        "Execution context was destroyed",
        "Cannot find default execution context",
        "Cannot find context with specified id",
        // An evaluation on its way to the old document when the new one
        // took over, answered for neither.
        "Inspected target navigated or closed",
    ]
    .iter()
    .any(|m| message.contains(m))
}

fn abbreviate(js: &str) -> String {
    if js.len() <= 400 {
        js.to_owned()
    } else {
        let cut = (0..=400).rev().find(|&i| js.is_char_boundary(i)).unwrap();
        format!("{}… ({} bytes)", &js[..cut], js.len())
    }
}

/// The repository's own briefing, built and served over HTTP at `/`.
pub struct ShippedSite {
    pub briefing: super::BriefingTest,
    /// The built site.
    pub root: std::path::PathBuf,
    pub server: StaticServer,
}

impl ShippedSite {
    pub fn build() -> ShippedSite {
        let briefing = super::BriefingTest::shipped();
        let root = briefing.path().join("site");
        briefing
            .run(&["build", "--dest-dir", root.to_str().unwrap()])
            .expect_success();
        let server = StaticServer::start(&root);
        ShippedSite {
            briefing,
            root,
            server,
        }
    }
}

/// A built site served over HTTP at `http://127.0.0.1:PORT/`, as a static
/// host would: a folder's `index.html` for the folder, the query string
/// ignored, and the site's `404.html` (status 404) for anything missing.
/// (`file://` pages cannot `fetch`, and the 404 page links from `/`.)
/// Stops on drop.
pub struct StaticServer {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl StaticServer {
    pub fn start(site: &Path) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let (site, flag) = (site.to_path_buf(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let site = site.clone();
                    std::thread::spawn(move || serve_one(&site, conn));
                }
            }
        });
        StaticServer { port, stop }
    }

    /// The URL of `path` (relative to the site, may carry `?query#fragment`).
    pub fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            path.trim_start_matches('/')
        )
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve_one(site: &Path, conn: TcpStream) {
    let mut reader = BufReader::new(&conn);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    // Read (and ignore) the headers.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let target = request.split(' ').nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = percent_decode(path);
    let mut file: PathBuf = site.join(path.trim_start_matches('/'));
    if path.split('/').any(|part| part == "..") {
        file = site.join("-");
    }
    if file.is_dir() {
        file = file.join("index.html");
    }
    let (status, file) = if file.is_file() {
        ("200 OK", file)
    } else {
        ("404 Not Found", site.join("404.html"))
    };
    let body = fs::read(&file).unwrap_or_default();
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    let mut conn = &conn;
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(&body);
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        let escaped = if bytes[i] == b'%' && i + 2 < bytes.len() {
            hex(bytes[i + 1]).zip(hex(bytes[i + 2]))
        } else {
            None
        };
        match escaped {
            Some((h, l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
