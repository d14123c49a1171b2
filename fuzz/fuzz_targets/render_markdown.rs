//! Any markdown: rendering never panics, and the HTML never carries a
//! script tag and no link or image with a javascript:/data: URL.
#![no_main]

use briefing::markdown::{self, NoteLinks};
use libfuzzer_sys::fuzz_target;

struct Links;
impl NoteLinks for Links {
    fn href(&self, id: &str) -> Option<String> {
        (id == "known").then(|| "../who/known.html".to_owned())
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for html in [markdown::to_html(&text, &Links), markdown::to_inline_html(&text, &Links)] {
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "{html}");
        for url in briefing::links::scan(&html).links {
            assert!(markdown::is_safe_url(&url), "unsafe URL {url} in {html}");
        }
    }
});
