//! A source and a quote (split at the first NUL byte): a match must map
//! back to a range of the source on character boundaries, and a quote cut
//! from the source itself must always be found.
#![no_main]

use briefing::check::quote::normalize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (source, quote) = text.split_once('\0').unwrap_or((&text, ""));
    let n = normalize(source);
    if let Some(range) = n.find(quote) {
        assert!(source.is_char_boundary(range.start) && source.is_char_boundary(range.end));
        assert!(range.start <= range.end && range.end <= source.len());
    }
    if let Some((range, similarity)) = n.closest(quote) {
        assert!(source.is_char_boundary(range.start) && source.is_char_boundary(range.end));
        assert!((0.0..=1.0).contains(&similarity));
    }
    // Any passage of the source, quoted back, is found.
    let chars: Vec<(usize, char)> = source.char_indices().collect();
    if chars.len() >= 2 {
        let a = chars[chars.len() / 3].0;
        let b = chars[2 * chars.len() / 3].0;
        let passage = source[a..b].trim();
        if !passage.is_empty() {
            assert!(n.find(passage).is_some(), "a passage of the source was not found");
        }
    }
});
