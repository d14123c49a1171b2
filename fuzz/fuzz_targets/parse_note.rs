//! Any text as a note of any kind: parsing, locating every diagnostic's
//! position and printing the diagnostics must never panic.
#![no_main]

use briefing::model::Kind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let kind = Kind::ALL[usize::from(selector) % 4];
    let text = String::from_utf8_lossy(rest);
    let (_, diags, files) = briefing::load::parse_note(kind, "fuzzed", &text);
    let _ = briefing::diag::to_plain(&files, &diags);
});
