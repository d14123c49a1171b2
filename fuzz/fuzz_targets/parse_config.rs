//! Any text as book.toml: an error (with a span inside the text) or a
//! config, never a panic; a site-url in it is parsed too.
#![no_main]

use briefing::config::{Config, SiteUrl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Config::from_str(&text) {
        Ok(config) => {
            if let Some(url) = &config.output.html.site_url {
                let _ = SiteUrl::parse(url);
            }
        }
        Err(e) => {
            if let Some(range) = e.range {
                assert!(range.end <= text.len(), "span outside the text");
            }
        }
    }
});
