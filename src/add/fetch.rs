//! Fetching a document by URL: HTTPS (plain HTTP is allowed, and said to be
//! unsafe, except on this machine), with a time limit for the whole
//! exchange, a size limit, and a few redirects.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use ureq::ResponseExt;

/// What was fetched.
pub struct Fetched {
    pub bytes: Vec<u8>,
    /// The `Content-Type` without parameters, lowercased (`text/html`).
    pub content_type: Option<String>,
    /// Its `charset` parameter, if any.
    pub charset: Option<String>,
    /// Where the document was in the end, after redirects.
    pub url: String,
}

pub struct Limits {
    pub timeout: Duration,
    pub max_bytes: u64,
}

/// Whether `input` is a URL rather than a path.
pub fn is_url(input: &str) -> bool {
    let lower = input.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Whether the URL's host is this machine, where plain HTTP is safe.
pub fn is_local(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

pub fn fetch(url: &str, limits: &Limits) -> Result<Fetched> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(limits.timeout))
        .max_redirects(5)
        .user_agent(concat!("briefing/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| explain(url, e, limits))?;
    let header = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let content_type =
        Some(header.split(';').next().unwrap_or("").trim().to_owned()).filter(|v| !v.is_empty());
    let charset = header
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .map(|c| c.trim_matches('"').to_owned())
        .next();
    let final_url = response.get_uri().to_string();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(limits.max_bytes)
        .read_to_vec()
        .map_err(|e| explain(url, e, limits))?;
    if bytes.is_empty() {
        bail!("{url} answered with an empty document");
    }
    Ok(Fetched {
        bytes,
        content_type,
        charset,
        url: final_url,
    })
}

/// A failed fetch, said so that the author knows what to do.
fn explain(url: &str, e: ureq::Error, limits: &Limits) -> anyhow::Error {
    match e {
        ureq::Error::StatusCode(code) => anyhow!(
            "{url} answered HTTP {code}{}",
            match code {
                401 | 403 =>
                    ": the page needs a login or refuses programs; save it from your browser and add the file",
                404 | 410 => ": no such page; check the address",
                429 => ": too many requests; try again later",
                500..=599 => ": the server failed; try again later",
                _ => "",
            }
        ),
        ureq::Error::Timeout(_) => anyhow!(
            "{url} did not answer within {} s; try again, raise `--timeout`, or save the page from your browser and add the file",
            limits.timeout.as_secs_f64()
        ),
        ureq::Error::BodyExceedsLimit(_) => anyhow!(
            "{url} is larger than {} MB, the limit; raise `--max-size` if it really is the document",
            limits.max_bytes / 1_000_000
        ),
        ureq::Error::TooManyRedirects => anyhow!("{url} redirects too many times"),
        ureq::Error::HostNotFound => anyhow!("{url}: no such host; check the address"),
        other => anyhow!("cannot fetch {url}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts_are_told_from_others() {
        assert!(is_local("http://127.0.0.1:8080/page"));
        assert!(is_local("http://localhost/page"));
        assert!(is_local("http://[::1]:80/x"));
        assert!(!is_local("http://example.org/127.0.0.1"));
        assert!(!is_local("http://localhost.example.org/"));
        assert!(is_url("HTTPS://example.org") && !is_url("page.html"));
    }
}
