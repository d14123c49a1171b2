//! The build directory over HTTP, as a static host would serve it — but only
//! what really lies inside it, and HTML pages with the live-reload script.
//!
//! A request path is percent-decoded and split into segments (so `%2f` is a
//! separator too); `..`, backslashes, NUL and `:` in a segment are refused.
//! The file it names is then resolved to its real path, and anything whose
//! real path is not inside the (real) build directory gets the site's 404
//! page: a symbolic link in the build directory that leads out of it is not
//! followed, wherever in the path it sits. A link to a file or folder that is
//! itself inside the build directory is served, like the file it points to.
//!
//! HTML is streamed from disk with the script tag inserted before the last
//! `</body>` (or appended when there is none), so a page of any size is
//! served whole and its `Content-Length` is the file's length plus the tag's.
//! Ranges over HTML are ignored (answered with the whole page, `200`, which
//! RFC 9110 §14.2 allows), because their byte offsets would have to count the
//! injected tag. Every other file is handed, by its real path, to
//! tower-http's `ServeFile`, which answers `HEAD`, `Range` and
//! `If-Modified-Since` from the file itself.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeFile;

/// The tag added to every HTML page; its `src` is `super::SCRIPT_PATH`.
pub(super) const TAG: &str = "<script src=\"/__briefing/live.js\"></script>";
/// How much of a file is read at once, for HTML bodies and the `</body>` search.
const CHUNK: usize = 256 * 1024;
const BODY_END: &[u8] = b"</body>";

/// The build directory and the path (site-url) the site is served under.
#[derive(Debug, Clone)]
pub(super) struct Site {
    pub root: PathBuf,
    /// Starts and ends with `/`; `/` when the site is at the root.
    pub base: String,
}

/// What a request path names.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Resolved {
    /// A regular file inside the build directory, by its real path.
    File(PathBuf),
    /// A folder asked for without its trailing slash, or the root of a site
    /// that lives under a sub-path: where to go instead.
    Redirect(String),
    NotFound,
}

impl Site {
    /// The file (or redirect) for a request's path, as sent (still encoded).
    pub(super) fn resolve(&self, uri_path: &str) -> Resolved {
        let rest = if self.base == "/" {
            uri_path
        } else {
            let prefix = self.base.trim_end_matches('/');
            match uri_path.strip_prefix(prefix) {
                _ if uri_path == "/" => return Resolved::Redirect(self.base.clone()),
                Some("") => return Resolved::Redirect(self.base.clone()),
                Some(rest) if rest.starts_with('/') => rest,
                _ => return Resolved::NotFound,
            }
        };
        let Some(relative) = decode(rest) else {
            return Resolved::NotFound;
        };
        match self.locate(&relative) {
            Located::File(path) => Resolved::File(path),
            Located::Folder(_) if !rest.ends_with('/') => {
                // Built from the path as sent minus its leading slashes, so
                // that `//host` cannot become a redirect to another host.
                let prefix = self.base.trim_end_matches('/');
                Resolved::Redirect(format!("{prefix}/{}/", rest.trim_start_matches('/')))
            }
            Located::Folder(real) => match self.locate(&real.join("index.html")) {
                Located::File(path) => Resolved::File(path),
                _ => Resolved::NotFound,
            },
            Located::Missing => Resolved::NotFound,
        }
    }

    /// The site's own 404 page, if the build has written one (and it is
    /// inside the build directory like any other file).
    pub(super) fn not_found_page(&self) -> Option<PathBuf> {
        match self.locate(Path::new("404.html")) {
            Located::File(path) => Some(path),
            _ => None,
        }
    }

    /// `relative` (or an absolute path) under the build directory, by its
    /// real path, only if that real path is inside the build directory.
    fn locate(&self, relative: &Path) -> Located {
        // Resolved on every request: the build directory may be created,
        // removed or replaced while the server runs.
        let Ok(root) = std::fs::canonicalize(&self.root) else {
            return Located::Missing;
        };
        let Ok(real) = std::fs::canonicalize(root.join(relative)) else {
            return Located::Missing;
        };
        if !real.starts_with(&root) {
            return Located::Missing;
        }
        match std::fs::metadata(&real) {
            Ok(m) if m.is_file() => Located::File(real),
            Ok(m) if m.is_dir() => Located::Folder(real),
            _ => Located::Missing,
        }
    }
}

enum Located {
    File(PathBuf),
    Folder(PathBuf),
    Missing,
}

/// A request path (without the site's sub-path) as a relative file path:
/// percent-decoded, then split on `/`; `None` when it is not UTF-8 or a
/// segment could leave the folder or mean something else on some system
/// (`..`, `\`, NUL, a drive's `:`).
fn decode(path: &str) -> Option<PathBuf> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    let mut relative = PathBuf::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return None,
            s if s.contains(['\\', '\0', ':']) => return None,
            s => relative.push(s),
        }
    }
    Some(relative)
}

/// Answers a request for anything but the live-reload endpoints.
pub(super) async fn serve(site: &Site, request: Request) -> Response {
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let head = method == Method::HEAD;
    let resolved = {
        let site = site.clone();
        let path = request.uri().path().to_owned();
        tokio::task::spawn_blocking(move || site.resolve(&path))
            .await
            .unwrap_or(Resolved::NotFound)
    };
    match resolved {
        Resolved::Redirect(to) => match HeaderValue::from_str(&to) {
            Ok(location) => (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, location)],
            )
                .into_response(),
            Err(_) => not_found(site, head).await,
        },
        Resolved::NotFound => not_found(site, head).await,
        Resolved::File(path) if is_html(&path) => match html(path, StatusCode::OK, head).await {
            Ok(response) => response,
            Err(e) if e.kind() == io::ErrorKind::NotFound => not_found(site, head).await,
            Err(e) => server_error(&e),
        },
        Resolved::File(path) => {
            let (parts, _) = request.into_parts();
            let request = Request::from_parts(parts, Body::empty());
            match ServeFile::new(&path).try_call(request).await {
                // Removed between resolving and opening (a rebuild).
                Ok(response) if response.status() == StatusCode::NOT_FOUND => {
                    not_found(site, head).await
                }
                Ok(response) => response.map(Body::new),
                Err(e) => server_error(&e),
            }
        }
    }
}

fn is_html(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// The site's 404 page with the script (so it reloads once the page exists),
/// or a short one before the first build has written it.
async fn not_found(site: &Site, head: bool) -> Response {
    let page = {
        let site = site.clone();
        tokio::task::spawn_blocking(move || site.not_found_page())
            .await
            .ok()
            .flatten()
    };
    if let Some(page) = page
        && let Ok(response) = html(page, StatusCode::NOT_FOUND, head).await
    {
        return response;
    }
    let body = format!("<!doctype html><title>Not found</title><p>Not found.</p>{TAG}");
    let mut response = (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    if head {
        *response.body_mut() = Body::empty();
    }
    response
}

fn server_error(e: &io::Error) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("briefing serve: cannot read the file: {e}\n"),
    )
        .into_response()
}

/// An HTML page with the live-reload tag, streamed from the file as it was
/// when opened: a rebuild renames new files into place, so the open file
/// keeps the length the headers announce.
async fn html(path: PathBuf, status: StatusCode, head: bool) -> io::Result<Response> {
    let (file, len, at) = tokio::task::spawn_blocking(move || -> io::Result<_> {
        let mut file = File::open(&path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::ErrorKind::NotFound.into());
        }
        let len = meta.len();
        // The length does not depend on where the tag goes: HEAD needs no search.
        let at = if head {
            len
        } else {
            last(&mut file, len, BODY_END)?.unwrap_or(len)
        };
        Ok((file, len, at))
    })
    .await
    .map_err(io::Error::other)??;
    let body = if head {
        Body::empty()
    } else {
        stream(
            file,
            [
                Part::File { from: 0, to: at },
                Part::Bytes(Bytes::from_static(TAG.as_bytes())),
                Part::File { from: at, to: len },
            ],
        )
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CONTENT_LENGTH, len + TAG.len() as u64)
        .header(header::ACCEPT_RANGES, "none")
        .body(body)
        .map_err(io::Error::other)
}

/// Where the last `needle` in the first `len` bytes of `file` starts,
/// reading backwards a chunk at a time (the end of a page is near its end).
fn last(file: &mut File, len: u64, needle: &[u8]) -> io::Result<Option<u64>> {
    let overlap = needle.len() as u64 - 1;
    let mut buf = vec![0; CHUNK + needle.len()];
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(CHUNK as u64);
        // The window reaches `overlap` bytes past `end`, so a needle that
        // straddles two chunks is found, and none is found twice.
        let stop = (end + overlap).min(len);
        let window = &mut buf[..(stop - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(window)?;
        if let Some(i) = memchr::memmem::rfind(window, needle) {
            return Ok(Some(start + i as u64));
        }
        end = start;
    }
    Ok(None)
}

enum Part {
    File { from: u64, to: u64 },
    Bytes(Bytes),
}

/// A body made of byte ranges of `file` and literal bytes, read a chunk at a
/// time on the blocking pool; never more than each range's length, and an
/// error (so the client sees a short response) if the file got shorter.
fn stream(file: File, parts: impl IntoIterator<Item = Part>) -> Body {
    let parts: VecDeque<Part> = parts.into_iter().collect();
    let chunks =
        futures_util::stream::unfold((Some(file), parts), |(file, mut parts)| async move {
            let part = parts.pop_front()?;
            let (from, to) = match part {
                Part::Bytes(bytes) => return Some((Ok(bytes), (file, parts))),
                Part::File { from, to } if from >= to => {
                    return Some((Ok(Bytes::new()), (file, parts)));
                }
                Part::File { from, to } => (from, to),
            };
            let mut file = file?;
            let want = (to - from).min(CHUNK as u64) as usize;
            let read = tokio::task::spawn_blocking(move || {
                let chunk = read_at(&mut file, from, want);
                (file, chunk)
            })
            .await;
            match read {
                Ok((file, Ok(chunk))) => {
                    let next = from + chunk.len() as u64;
                    if next < to {
                        parts.push_front(Part::File { from: next, to });
                    }
                    Some((Ok(chunk), (Some(file), parts)))
                }
                Ok((_, Err(e))) => Some((Err(e), (None, VecDeque::new()))),
                Err(e) => Some((Err(io::Error::other(e)), (None, VecDeque::new()))),
            }
        });
    Body::from_stream(chunks)
}

fn read_at(file: &mut File, from: u64, want: usize) -> io::Result<Bytes> {
    file.seek(SeekFrom::Start(from))?;
    let mut chunk = Vec::with_capacity(want);
    file.by_ref().take(want as u64).read_to_end(&mut chunk)?;
    if chunk.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file got shorter while it was being served",
        ));
    }
    Ok(Bytes::from(chunk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_decoded_and_those_that_could_leave_are_refused() {
        assert_eq!(
            decode("/who/ministry.html"),
            Some("who/ministry.html".into())
        );
        assert_eq!(decode("/a%20b/./c"), Some("a b/c".into()));
        assert_eq!(decode("//etc/passwd"), Some("etc/passwd".into()));
        assert_eq!(decode("/%"), Some("%".into()));
        for bad in [
            "/../x",
            "/%2e%2e/x",
            "/a/..%2fx",
            "/a%2F..%2F..%2Fx",
            "/..\\x",
            "/%5c..%5cx",
            "/a%00b",
            "/c:/x",
            "/%ff",
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_tag_loads_the_served_script() {
        assert_eq!(
            TAG,
            format!("<script src=\"{}\"></script>", super::super::SCRIPT_PATH)
        );
    }

    #[test]
    fn the_last_body_end_is_found_across_chunk_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.html");
        for at in [0, 1, CHUNK - 3, CHUNK, CHUNK + 5, 2 * CHUNK - 1] {
            let mut text = vec![b'x'; 2 * CHUNK + 10];
            text[at..at + BODY_END.len()].copy_from_slice(BODY_END);
            if at > 10 {
                // An earlier one must not win.
                text[2..2 + BODY_END.len()].copy_from_slice(BODY_END);
            }
            std::fs::write(&path, &text).unwrap();
            let mut file = File::open(&path).unwrap();
            let len = text.len() as u64;
            assert_eq!(
                last(&mut file, len, BODY_END).unwrap(),
                Some(at as u64),
                "{at}"
            );
        }
        std::fs::write(&path, "no end here").unwrap();
        let mut file = File::open(&path).unwrap();
        assert_eq!(last(&mut file, 11, BODY_END).unwrap(), None);
    }
}
