//! `briefing serve`: `watch`, plus a local web server with live reload.
//!
//! The server serves the build directory as it is on disk, and nothing
//! outside it (`site.rs`), with the site's own `404.html`. Into HTML
//! responses — and only there, on the way out — it adds a small script that
//! listens to `/__briefing/events` (server-sent events) and reloads the page
//! once a rebuild has finished writing, or shows the diagnostics over the
//! last good page while the content has errors.

mod site;

use std::convert::Infallible;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;
use tokio::sync::watch as channel;

use crate::watch::{self, Outcome, WatchOptions};

const LIVE_JS: &str = include_str!("live.js");
const EVENTS_PATH: &str = "/__briefing/events";
const SCRIPT_PATH: &str = "/__briefing/live.js";

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
    if !addr.ip().to_canonical().is_loopback() {
        // The drafts are not published yet; whoever binds beyond this
        // machine should know that others can now read them.
        eprintln!(
            "serve: warning: listening on {addr}, which other machines on the network can reach: \
             anyone who can connect can read these drafts. Leave out --hostname (or use \
             --hostname 127.0.0.1) to keep them on this machine."
        );
    }
    let (tx, rx) = channel::channel(Outcome::default());
    let (site_tx, site_rx) = channel::channel(Arc::new(site::Site {
        root: dest.clone(),
        base: base.clone(),
    }));
    let app = router(site_rx, rx);
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
        // `[build] build-dir` or `site-url` edited while serving: serve the
        // new site where the build now puts it, and say so.
        if let Some(now) = &outcome.dest {
            let base = crate::pipeline::site_path(&options.watch.root, &options.watch.opts)
                .unwrap_or_else(|_| site_tx.borrow().base.clone());
            let current = site_tx.borrow().clone();
            if *now != current.root || base != current.base {
                if !first {
                    eprintln!(
                        "serve: now serving {} at http://{addr}{base}",
                        now.display()
                    );
                }
                site_tx.send_replace(Arc::new(site::Site {
                    root: now.clone(),
                    base,
                }));
            }
        }
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

/// What every request handler can see: the live state and the site (which
/// moves if the build directory or the site's path changes).
#[derive(Clone)]
struct AppState {
    outcome: channel::Receiver<Outcome>,
    site: channel::Receiver<Arc<site::Site>>,
}

/// The site at its site-url path (`/` by default), as a static host would
/// serve it; the live-reload endpoints beside it.
fn router(site: channel::Receiver<Arc<site::Site>>, rx: channel::Receiver<Outcome>) -> Router {
    let state = AppState { outcome: rx, site };
    Router::new()
        .route(EVENTS_PATH, get(events))
        .route(SCRIPT_PATH, get(script))
        .fallback(files)
        .layer(axum::middleware::map_response(no_cache))
        .with_state(state)
}

/// The live state: sent once on connecting, then after every build.
async fn events(
    State(AppState { outcome: rx, .. }): State<AppState>,
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

async fn files(State(state): State<AppState>, request: Request) -> Response {
    let site = state.site.borrow().clone();
    site::serve(&site, request).await
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        LIVE_JS,
    )
}

/// Asks browsers to revalidate everything, so a reload never shows a stale page.
async fn no_cache(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
