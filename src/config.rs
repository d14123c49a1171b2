//! `book.toml`: the briefing's configuration.
//!
//! Unknown keys are errors (as in mdBook since 0.5): a misspelt switch that is
//! silently ignored is worse than no switch. Parsing is a pure function of the
//! text ([`Config::from_str`]); reading the file is the caller's business.

use std::ops::Range;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub book: BookConfig,
    #[serde(default)]
    pub build: BuildConfig,
    #[serde(default)]
    pub output: OutputConfig,
    #[serde(default)]
    pub check: CheckConfig,
    #[serde(default)]
    pub corroboration: CorroborationConfig,
}

/// How sources are grouped into stories (see `crate::corroborate`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CorroborationConfig {
    /// Sources whose texts overlap at least this much tell the same story.
    #[serde(default)]
    pub threshold: Threshold,
}

/// A share between 0 (exclusive) and 1: the overlap coefficient from which
/// two sources count as copies of one another.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct Threshold(f64);

impl Threshold {
    pub fn get(self) -> f64 {
        self.0
    }
}

impl Default for Threshold {
    /// On the shipped sources the copies overlap 0.6 and the most similar
    /// independent pair 0.2–0.3; 0.4 sits in the gap.
    fn default() -> Self {
        Threshold(0.4)
    }
}

impl TryFrom<f64> for Threshold {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if v > 0.0 && v <= 1.0 {
            Ok(Threshold(v))
        } else {
            Err(format!(
                "threshold must be above 0 and at most 1 (the share of the shorter text found in the other), not {v}"
            ))
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Hash)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BookConfig {
    pub title: String,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub description: Option<String>,
    /// When the briefing was last revised, shown on the front page. Not
    /// taken from the clock, so two builds of the same content are identical.
    #[serde(default)]
    pub updated: Option<String>,
}

fn default_language() -> String {
    "en".into()
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildConfig {
    /// Where the site is written, relative to the briefing root.
    #[serde(default = "default_build_dir")]
    pub build_dir: PathBuf,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            build_dir: default_build_dir(),
        }
    }
}

fn default_build_dir() -> PathBuf {
    "book".into()
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    #[serde(default)]
    pub html: HtmlConfig,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HtmlConfig {
    /// Where the site will be published, e.g. `/briefing/` or
    /// `https://example.org/apt31/`. Pages link relatively, so this is only
    /// needed for absolute URLs (sitemap, canonical links).
    #[serde(default)]
    pub site_url: Option<String>,
    /// Plain text shown at the foot of every page.
    #[serde(default)]
    pub footer: Option<String>,
    /// `print.html`, the whole briefing on one page (as in mdBook).
    #[serde(default)]
    pub print: PrintConfig,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PrintConfig {
    /// On by default; a very large briefing may not want a page holding
    /// all of it.
    #[serde(default = "yes")]
    pub enable: bool,
}

impl Default for PrintConfig {
    fn default() -> Self {
        PrintConfig { enable: true }
    }
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckConfig {
    /// Whether a claim without a citation is an error (default) or a warning.
    #[serde(default)]
    pub uncited_claims: Level,
    /// Whether a source whose text no longer matches its recorded SHA-256
    /// is an error (default) or a warning.
    #[serde(default)]
    pub changed_sources: Level,
    /// Treat every warning as an error (for CI).
    #[serde(default)]
    pub deny_warnings: bool,
    /// Quotes shorter than this (in characters, as matched) get a warning.
    #[serde(default)]
    pub min_quote_length: MinQuoteLength,
}

/// The number of characters below which a quote proves too little: a word
/// or two (`"e"`, `"said"`) is found in almost any source, so it shows
/// neither that the source says what the claim says nor where.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "i64")]
pub struct MinQuoteLength(usize);

impl MinQuoteLength {
    pub fn get(self) -> usize {
        self.0
    }
}

impl Default for MinQuoteLength {
    /// About two words: the shortest quotes of the shipped briefing (a
    /// date with a word, `date 2024-03-26`) have 15 characters, while a
    /// single word or a bare name has fewer than 12.
    fn default() -> Self {
        MinQuoteLength(12)
    }
}

impl TryFrom<i64> for MinQuoteLength {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        match usize::try_from(v) {
            Ok(n) if n <= MinQuoteLength::MAX => Ok(MinQuoteLength(n)),
            _ => Err(format!(
                "min-quote-length must be a number of characters from 0 (no minimum) to {}, not {v}",
                MinQuoteLength::MAX
            )),
        }
    }
}

impl MinQuoteLength {
    /// More than this would flag whole paragraphs: almost surely a typo.
    const MAX: usize = 1000;
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Error,
    Warn,
}

/// Where the site will be published: an absolute URL, or just a path on
/// whatever host serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteUrl {
    /// `https://example.org`, or `None` when only a path was given.
    pub origin: Option<String>,
    /// The path the site lives under; starts and ends with `/`.
    pub path: String,
}

impl SiteUrl {
    pub fn parse(text: &str) -> Result<SiteUrl, String> {
        let text = text.trim();
        let bad = |why: &str| {
            Err(format!(
                "site-url `{text}` {why}; write a path such as `/briefing/` or an absolute URL such as `https://example.org/briefing/`"
            ))
        };
        if text
            .chars()
            .any(|c| c.is_whitespace() || "\"'<>\\`".contains(c))
        {
            return bad("contains characters a URL cannot hold");
        }
        let (origin, path) = match text.split_once("://") {
            Some((scheme, rest)) if scheme == "http" || scheme == "https" => {
                let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                if host.is_empty() {
                    return bad("has no host");
                }
                (Some(format!("{scheme}://{host}")), path)
            }
            Some(_) => return bad("is neither http nor https"),
            None if text.starts_with('/') => (None, text),
            None => return bad("is neither a path starting with `/` nor an absolute URL"),
        };
        if path.contains('?') || path.contains('#') || path.split('/').any(|s| s == "..") {
            return bad("has a query, a fragment or `..` in its path");
        }
        let mut path = if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        };
        if !path.ends_with('/') {
            path.push('/');
        }
        Ok(SiteUrl { origin, path })
    }

    /// The URL of a page given by its path inside the site (`who/x.html`).
    pub fn url(&self, page: &str) -> String {
        format!(
            "{}{}{page}",
            self.origin.as_deref().unwrap_or(""),
            self.path
        )
    }
}

/// A problem in `book.toml`, with the byte range it concerns.
#[derive(Debug)]
pub struct ConfigError {
    pub message: String,
    pub range: Option<Range<usize>>,
}

impl Config {
    #[allow(clippy::should_implement_trait)] // returns our own error with a span
    pub fn from_str(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e: toml::de::Error| ConfigError {
            message: e.message().trim_end().to_owned(),
            range: e.span(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_gets_defaults() {
        let c = Config::from_str("[book]\ntitle = \"T\"\n").unwrap();
        assert_eq!(c.book.title, "T");
        assert_eq!(c.book.language, "en");
        assert_eq!(c.build.build_dir, PathBuf::from("book"));
        assert_eq!(c.check.uncited_claims, Level::Error);
        assert_eq!(c.check.min_quote_length.get(), 12);
    }

    #[test]
    fn min_quote_length_is_a_whole_number_in_range() {
        let with = |v: &str| {
            Config::from_str(&format!(
                "[book]\ntitle = \"T\"\n[check]\nmin-quote-length = {v}\n"
            ))
        };
        assert_eq!(with("0").unwrap().check.min_quote_length.get(), 0);
        assert_eq!(with("1000").unwrap().check.min_quote_length.get(), 1000);
        for bad in ["-1", "1001", "12.5", "\"12\"", "true"] {
            let e = with(bad).unwrap_err();
            assert!(e.range.is_some(), "{bad}: located");
            if bad.parse::<i64>().is_ok() {
                assert!(
                    e.message.contains("from 0 (no minimum) to 1000"),
                    "{bad}: {}",
                    e.message
                );
            }
        }
    }

    #[test]
    fn unknown_key_is_an_error_naming_the_valid_ones() {
        let text = "[book]\ntitle = \"T\"\n[check]\nstrict = true\n";
        let e = Config::from_str(text).unwrap_err();
        assert!(
            e.message.contains("unknown field `strict`"),
            "{}",
            e.message
        );
        assert!(e.message.contains("uncited-claims"), "{}", e.message);
        assert_eq!(&text[e.range.unwrap()], "strict");
    }

    #[test]
    fn site_urls_are_paths_or_absolute_urls() {
        let s = SiteUrl::parse("/briefing").unwrap();
        assert_eq!((s.origin.as_deref(), s.path.as_str()), (None, "/briefing/"));
        assert_eq!(s.url("who/x.html"), "/briefing/who/x.html");
        let s = SiteUrl::parse("https://example.org/briefings/apt31/").unwrap();
        assert_eq!(
            s.url("index.html"),
            "https://example.org/briefings/apt31/index.html"
        );
        let s = SiteUrl::parse("https://example.org").unwrap();
        assert_eq!(s.url(""), "https://example.org/");
        for bad in [
            "briefing/",
            "ftp://x/",
            "https:///x",
            "/a/../b/",
            "/a b/",
            "/x?y",
            "javascript:alert(1)",
        ] {
            assert!(SiteUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kebab_case_switches_parse() {
        let c = Config::from_str(
            "[book]\ntitle = \"T\"\n[check]\nuncited-claims = \"warn\"\ndeny-warnings = true\n[output.html]\nsite-url = \"/b/\"\n",
        )
        .unwrap();
        assert_eq!(c.check.uncited_claims, Level::Warn);
        assert!(c.check.deny_warnings);
        assert_eq!(c.output.html.site_url.as_deref(), Some("/b/"));
    }
}
