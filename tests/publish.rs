//! End to end: the shipped briefing, built for `/briefing/`, served by a real
//! nginx under that path, crawled link by link, and opened in Chromium.
//!
//! Needs nginx and Chromium from Debian's packages; `.ci/run` (the README's
//! test command) installs them when missing. Without them this test fails
//! and says what to install — it never skips.

mod support;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::BriefingTest;

const BASE: &str = "/briefing/";

struct Nginx {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// Serves `site` at `http://127.0.0.1:PORT/briefing/`.
    fn start(site: &Path) -> Nginx {
        let nginx = support::require("nginx", "nginx");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = dir.path().display();
        let conf = format!(
            r#"user root;
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  types {{ text/html html; text/css css; image/svg+xml svg; application/xml xml; text/plain txt; }}
  default_type application/octet-stream;
  access_log {d}/access.log;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location {BASE} {{
      alias {site}/;
      error_page 404 {BASE}404.html;
    }}
  }}
}}
"#,
            site = site.display()
        );
        fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(nginx)
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-p")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let mut server = Nginx { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "nginx exited ({status}): {}",
                    fs::read_to_string(server.dir.path().join("error.log")).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "nginx did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP response");
        let head = String::from_utf8_lossy(&raw[..split]);
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, raw[split + 4..].to_vec())
    }

    fn access_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resolves `link` found on the page at URL path `page` to a URL path and
/// fragment; `None` for links that leave the site.
fn resolve(page: &str, link: &str) -> Option<(String, Option<String>)> {
    if link.starts_with("//")
        || link
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|s| s.contains(':'))
    {
        return None;
    }
    let (path, fragment) = match link.split_once('#') {
        Some((p, f)) => (p, Some(f.to_owned())),
        None => (link, None),
    };
    let joined = if path.is_empty() {
        page.to_owned()
    } else if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}{path}", &page[..=page.rfind('/').unwrap()])
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut url = format!("/{}", parts.join("/"));
    if joined.ends_with('/') {
        url.push_str("/index.html");
        url = url.replace("//", "/");
    }
    Some((url, fragment))
}

#[test]
fn the_shipped_briefing_works_under_a_sub_path_on_nginx_and_in_chromium() {
    let chromium = support::require("chromium", "chromium");
    let t = BriefingTest::shipped();
    let site = t.path().join("site");
    t.run(&[
        "build",
        "--site-url",
        BASE,
        "--dest-dir",
        site.to_str().unwrap(),
    ])
    .expect_success();
    let nginx = Nginx::start(&site);

    // Crawl from the front page, following every internal link and fragment.
    let mut pages: HashMap<String, (u16, Vec<u8>)> = HashMap::new();
    let mut queue = VecDeque::from([format!("{BASE}index.html")]);
    let mut problems = Vec::new();
    let mut fragments: Vec<(String, String, String)> = Vec::new();
    while let Some(url) = queue.pop_front() {
        if pages.contains_key(&url) {
            continue;
        }
        let (status, body) = nginx.get(&url);
        if status != 200 {
            problems.push(format!("{url}: HTTP {status}"));
        }
        if url.ends_with(".html") {
            let scan = briefing::links::scan(&String::from_utf8_lossy(&body));
            for link in &scan.links {
                let Some((target, fragment)) = resolve(&url, link) else {
                    assert!(
                        !link.starts_with("http"),
                        "{url} links to another host: {link}"
                    );
                    continue;
                };
                assert!(
                    target.starts_with(BASE),
                    "{url} links outside {BASE}: {link}"
                );
                if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                    fragments.push((url.clone(), target.clone(), f));
                }
                queue.push_back(target);
            }
        }
        pages.insert(url, (status, body));
    }
    for (from, target, fragment) in &fragments {
        let body = String::from_utf8_lossy(&pages[target].1);
        if !briefing::links::scan(&body)
            .ids
            .iter()
            .any(|id| id == fragment)
        {
            problems.push(format!("{from}: {target}#{fragment}: no such fragment"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let crawled: BTreeSet<String> = pages
        .keys()
        .filter(|u| u.ends_with(".html"))
        .cloned()
        .collect();
    let built: BTreeSet<String> = support::html_files(&site)
        .iter()
        .map(|p| format!("{BASE}{}", p.strip_prefix(&site).unwrap().display()))
        .filter(|u| !u.ends_with("/404.html"))
        .collect();
    assert_eq!(
        crawled, built,
        "every page is reachable from the front page"
    );
    println!(
        "crawled {} pages and {} fragments: no 404, no missing fragment",
        crawled.len(),
        fragments.len()
    );

    // A missing page at any depth gets the site's 404, with working styles.
    let (status, body) = nginx.get(&format!("{BASE}no/such/deep/page.html"));
    assert_eq!(status, 404);
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("Page not found"));
    assert!(body.contains(&format!("href=\"{BASE}static/style.css\"")));
    assert_eq!(nginx.get(&format!("{BASE}static/style.css")).0, 200);
    assert_eq!(nginx.get(&format!("{BASE}sitemap.xml")).0, 200);

    // The browser: no console message (the pages have no script, so any is
    // an error), no request the page makes to another host, no failed load.
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts/publish");
    fs::create_dir_all(&artifacts).unwrap();
    fs::write(nginx.dir.path().join("access.log"), "").unwrap();
    let note = "who/apt31.html";
    let source = "sources/003_4529629cf3d177b6.html";
    for (name, page) in [
        ("front", "index.html"),
        ("note", note),
        ("source", source),
        ("not-found", "no/such/page.html"),
    ] {
        let url = format!("{}{BASE}{page}", nginx.origin());
        let shot = artifacts.join(format!("{name}.png"));
        let visit = support::visit(&chromium, &url, &shot);
        assert!(shot.is_file(), "no screenshot of {url}:\n{}", visit.log);
        visit.assert_quiet(&url, &format!("{}/", nginx.origin()));
        println!("{name}: {url} → {}", shot.display());
    }
    let access_log = nginx.access_log();
    let failed: Vec<&str> = access_log
        .lines()
        .filter(|l| !l.contains("/no/such/page.html"))
        .filter(|l| {
            l.split('"')
                .nth(2)
                .and_then(|s| s.split_whitespace().next())
                .is_some_and(|s| !s.starts_with('2') && !s.starts_with('3'))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "the browser's requests failed:\n{}",
        failed.join("\n")
    );
}

#[test]
fn resolving_links_like_a_browser() {
    assert_eq!(
        resolve("/b/who/x.html", "../sources/s.html#q-1"),
        Some(("/b/sources/s.html".into(), Some("q-1".into())))
    );
    assert_eq!(
        resolve("/b/index.html", "#top"),
        Some(("/b/index.html".into(), Some("top".into())))
    );
    assert_eq!(
        resolve("/b/404.html", "/b/static/style.css"),
        Some(("/b/static/style.css".into(), None))
    );
    assert_eq!(
        resolve("/b/index.html", "who/"),
        Some(("/b/who/index.html".into(), None))
    );
    assert_eq!(resolve("/b/index.html", "https://example.org/"), None);
}
