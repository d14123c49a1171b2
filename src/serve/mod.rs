//! `briefing serve`: `watch`, plus a local web server with live reload.
//!
//! The server serves the build directory as it is on disk (tower-http's
//! `ServeDir`, which rejects paths that leave the directory, encoded or not),
//! with the site's own `404.html`. Into HTML responses — and only there, on
//! the way out — it injects a small script that listens to
//! `/__briefing/events` (server-sent events) and reloads the page once a
//! rebuild has finished writing, or shows the diagnostics over the last good
//! page while the content has errors.

use std::convert::Infallible;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use futures_util::Stream;
use tokio::sync::watch as channel;
use tower_http::services::{ServeDir, ServeFile};

use crate::watch::{self, Outcome, WatchOptions};

const LIVE_JS: &str = include_str!("live.js");
const EVENTS_PATH: &str = "/__briefing/events";
const SCRIPT_PATH: &str = "/__briefing/live.js";
/// Pages larger than this are served without the live-reload script.
const MAX_INJECT: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub watch: WatchOptions,
    pub hostname: String,
    pub port: u16,
    pub open: bool,
}

/// Serves and watches until `stop` is set.
pub fn run(options: &ServeOptions, stop: &Arc<AtomicBool>) -> Result<()> {
    let dest = crate::pipeline::build_dir(&options.watch.root, options.watch.dest.as_deref())?;
    let base = crate::pipeline::site_path(&options.watch.root, &options.watch.opts)?;
    let listener =
        TcpListener::bind((options.hostname.as_str(), options.port)).with_context(|| {
            format!(
                "cannot listen on {}:{} (is another server using the port? try --port)",
                options.hostname, options.port
            )
        })?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (tx, rx) = channel::channel(Outcome::default());
    let app = router(dest.clone(), &base, rx);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.spawn(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => return eprintln!("serve: {e}"),
        };
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("serve: {e}");
        }
    });
    let url = format!("http://{addr}{base}");
    let mut first = true;
    watch::run(&options.watch, stop, |outcome| {
        tx.send_replace(outcome.clone());
        if first {
            first = false;
            eprintln!("serve: serving {} at {url}", dest.display());
            if options.open
                && let Err(e) = opener::open(&url)
            {
                eprintln!("serve: cannot open a browser: {e}");
            }
        }
    })?;
    runtime.shutdown_background();
    stop.store(true, Ordering::SeqCst);
    Ok(())
}

/// The site at `base` (its site-url path, `/` by default), as a static host
/// would serve it; the live-reload endpoints beside it.
fn router(dest: PathBuf, base: &str, rx: channel::Receiver<Outcome>) -> Router {
    let files = ServeDir::new(&dest)
        .append_index_html_on_directories(true)
        .not_found_service(ServeFile::new(dest.join("404.html")));
    let router = Router::new()
        .route(EVENTS_PATH, get(events))
        .route(SCRIPT_PATH, get(script));
    let router = if base == "/" {
        router.fallback_service(files)
    } else {
        let target = base.to_owned();
        router
            .nest_service(base.trim_end_matches('/'), files.clone())
            .route(
                "/",
                get(move || async move { Redirect::temporary(&target) }),
            )
            .fallback(move || not_found(dest.join("404.html")))
    };
    router
        .layer(axum::middleware::map_response(inject))
        .with_state(rx)
}

/// The live state: sent once on connecting, then after every build.
async fn events(
    State(rx): State<channel::Receiver<Outcome>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold((rx, true), |(mut rx, first)| async move {
        if !first {
            rx.changed().await.ok()?;
        }
        let data = serde_json::to_string(&*rx.borrow_and_update()).unwrap_or_default();
        Some((Ok(Event::default().event("state").data(data)), (rx, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The site's 404 page, for paths outside the site's path.
async fn not_found(page: PathBuf) -> impl IntoResponse {
    let body = tokio::fs::read(&page).await.unwrap_or_default();
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html")],
        body,
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        LIVE_JS,
    )
}

/// Adds the live-reload script to HTML pages, and asks browsers to
/// revalidate everything so a reload never shows a stale page.
async fn inject(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let is_html = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let has_body = matches!(parts.status, StatusCode::OK | StatusCode::NOT_FOUND);
    if !is_html || !has_body {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_INJECT).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let html = String::from_utf8_lossy(&bytes);
    let tag = format!("<script src=\"{SCRIPT_PATH}\"></script>");
    let injected = match html.rfind("</body>") {
        Some(i) => format!("{}{tag}{}", &html[..i], &html[i..]),
        None => format!("{html}{tag}"),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ETAG);
    Response::from_parts(parts, Body::from(injected))
}
