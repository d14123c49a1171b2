//! A quote's context: the source's words around a quoted passage, shown
//! beside a citation link (by `static/context.js`) so a reader sees the
//! quoted words inside their sentence without leaving the page.
//!
//! Before the quote, the context goes back to the start of its sentence;
//! after it, on to the end of its sentence. When the quote itself begins
//! (or ends) a sentence, it reaches into the sentence before (or after)
//! instead, so a quoted whole sentence still gets its neighbours. It never
//! crosses the quote's paragraph, and each side is capped at [`CAP`]
//! characters, cut at a word, with "…" marking the cut. White space runs,
//! line breaks included, are one space, as HTML shows them.

use std::ops::Range;

use crate::files::floor_char_boundary;

/// The most characters of context on each side of a quote.
pub const CAP: usize = 160;

/// How far (in bytes) from the quote sentences are looked for: a few
/// times [`CAP`], so a paragraph of any length costs the same.
const WINDOW: usize = 1024;

/// Closing quotation marks and brackets that may follow a sentence's end.
const CLOSERS: &[char] = &['"', '\'', '”', '’', '»', ')', ']'];

/// Words that end in a full stop without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Rep", "Gov", "Gen", "Col", "Lt", "Capt", "Sgt", "St",
    "Jr", "Sr", "No", "vs", "Mt", "Rev", "Hon",
];

/// The context of the quote at `quote` in `text`, whose paragraphs (as
/// [`super::passages::paragraphs`] makes them) are `paragraphs`: the text
/// before it and the text after it, each `None` when there is none.
pub fn around(
    text: &str,
    paragraphs: &[Range<usize>],
    quote: Range<usize>,
) -> (Option<String>, Option<String>) {
    // The paragraphs the quote starts and ends in (one, nearly always).
    let first = paragraphs.partition_point(|p| p.end < quote.start);
    let last = paragraphs.partition_point(|p| p.start < quote.end);
    let lo = paragraphs
        .get(first)
        .map_or(quote.start, |p| p.start.min(quote.start));
    let hi = last
        .checked_sub(1)
        .and_then(|i| paragraphs.get(i))
        .map_or(quote.end, |p| p.end.max(quote.end));
    (before(text, lo, quote.start), after(text, quote.end, hi))
}

/// From the start of the sentence to `start`, the paragraph starting at `lo`.
fn before(text: &str, lo: usize, start: usize) -> Option<String> {
    let from = floor_char_boundary(text, start.saturating_sub(WINDOW).max(lo));
    let region = &text[from..start];
    // Sentence ends need the next word to be seen: look a little past.
    let look = floor_char_boundary(text, (start + 8).min(text.len()));
    // The last two sentence ends before the quote, found from the quote back.
    let scan = &text[from..look];
    let mut starts = scan
        .char_indices()
        .rev()
        .filter_map(|(i, c)| sentence_end(scan, i, c))
        .filter(|&e| e <= region.len());
    let mut at = starts.next().unwrap_or(0);
    if !has_words(&region[at..]) {
        at = starts.next().unwrap_or(0);
    }
    let cut = at == 0 && from > lo;
    let piece = squeeze(&region[at..]);
    let piece = piece.trim_start();
    if !has_words(piece) {
        return None;
    }
    let chars = piece.chars().count();
    if chars <= CAP {
        return Some(if cut {
            format!("…{piece}")
        } else {
            piece.to_owned()
        });
    }
    // The last CAP characters, from the first word that starts in them.
    let tail_at = piece
        .char_indices()
        .nth(chars - CAP)
        .map_or(piece.len(), |(i, _)| i);
    let tail = &piece[tail_at..];
    let word = match tail.find(' ') {
        Some(i) if has_words(&tail[i..]) => &tail[i + 1..],
        _ => tail,
    };
    Some(format!("…{word}"))
}

/// From `end` to the end of the sentence, the paragraph ending at `hi`.
fn after(text: &str, end: usize, hi: usize) -> Option<String> {
    let to = floor_char_boundary(text, (end + WINDOW).min(hi));
    let region = &text[end..to];
    let mut stops = region
        .char_indices()
        .filter_map(|(i, c)| sentence_end(region, i, c));
    let mut at = stops.next().unwrap_or(region.len());
    if !has_words(&region[..at]) {
        at = stops.next().unwrap_or(region.len());
    }
    let cut = at == region.len() && to < hi;
    let piece = squeeze(&region[..at]);
    let piece = piece.trim_end();
    if !has_words(piece) {
        // A full stop or a closing quotation mark after the quote is kept.
        return (!piece.trim().is_empty()).then(|| piece.to_owned());
    }
    let chars = piece.chars().count();
    if chars <= CAP {
        return Some(if cut {
            format!("{piece}…")
        } else {
            piece.to_owned()
        });
    }
    // The first CAP characters, up to the last word that ends in them.
    let head_to = piece
        .char_indices()
        .nth(CAP)
        .map_or(piece.len(), |(i, _)| i);
    let head = &piece[..head_to];
    let word = match head.rfind(' ') {
        Some(i) if has_words(&head[..i]) => &head[..i],
        _ => head,
    };
    Some(format!("{}…", word.trim_end_matches([',', ';', ':'])))
}

/// If the character `c` at byte `i` of `s` ends a sentence, the offset
/// just after it and any closing marks. A sentence ends at a `.`, `!`,
/// `?` or `…` (and closing marks) followed by white space, then not by a
/// lower-case letter (`e.g. the`), at a full stop not ending an
/// abbreviation or initial (`Mr.`, `J.`, `U.S.`).
fn sentence_end(s: &str, i: usize, c: char) -> Option<usize> {
    if !matches!(c, '.' | '!' | '?' | '…') {
        return None;
    }
    let after = &s[i + c.len_utf8()..];
    let rest = after.trim_start_matches(CLOSERS);
    let next = rest.trim_start();
    if next.len() == rest.len()
        || next.chars().next().is_some_and(char::is_lowercase)
        || (c == '.' && abbreviation(&s[..i]))
    {
        return None;
    }
    Some(s.len() - rest.len())
}

/// Whether the word ending `s` (before a full stop) is an abbreviation.
fn abbreviation(s: &str) -> bool {
    let word = s
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_start_matches(|c: char| !c.is_alphanumeric());
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => c.is_uppercase(),
        _ => word.contains('.') || ABBREVIATIONS.contains(&word),
    }
}

fn has_words(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// `s` with each run of white space made one space.
fn squeeze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::passages::paragraphs;

    /// The context of `quote`'s first occurrence in `text`.
    fn ctx(text: &str, quote: &str) -> (Option<String>, Option<String>) {
        let at = text.find(quote).expect("the quote is in the text");
        around(text, &paragraphs(text), at..at + quote.len())
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn a_quote_inside_a_sentence_gets_the_rest_of_the_sentence() {
        let text = "First one. Officials said the group spent a decade targeting MPs, it emerged. Last one.";
        assert_eq!(
            ctx(text, "spent a decade targeting"),
            (some("Officials said the group "), some(" MPs, it emerged."))
        );
    }

    #[test]
    fn a_whole_sentence_gets_its_neighbours() {
        let text = "He spoke first. The Commission was attacked. Nothing was taken.";
        assert_eq!(
            ctx(text, "The Commission was attacked."),
            (some("He spoke first. "), some(" Nothing was taken."))
        );
        // Without its full stop, which then stays with the quote.
        assert_eq!(
            ctx(text, "The Commission was attacked"),
            (some("He spoke first. "), some(". Nothing was taken."))
        );
    }

    #[test]
    fn context_stays_in_the_paragraph() {
        // One paragraph a line (no blank lines): a headline is its own.
        let text = "UK sanctions hackers\nThe government acted. It said so.\nNext line.";
        assert_eq!(
            ctx(text, "The government acted."),
            (None, some(" It said so."))
        );
        assert_eq!(
            ctx(text, "It said so."),
            (some("The government acted. "), None)
        );
        // Blank-line paragraphs: single line breaks are spaces.
        let text = "Intro.\n\nThe group\nwas named by\nofficials on Monday. Then more.\n\nOther.";
        assert_eq!(
            ctx(text, "named by\nofficials"),
            (some("The group was "), some(" on Monday."))
        );
    }

    #[test]
    fn abbreviations_initials_and_lower_case_do_not_end_sentences() {
        let text = "Earlier. Mr. Cameron told the U.S. team, i.e. the envoys, that J. Smith had left. Later.";
        assert_eq!(
            ctx(text, "had left"),
            (
                some("Mr. Cameron told the U.S. team, i.e. the envoys, that J. Smith "),
                some(". Later.")
            )
        );
        let text = "“Is it over?” he asked. “No!” She said it was “unacceptable.” Then she left.";
        assert_eq!(
            ctx(text, "She said it was"),
            (some("“No!” "), some(" “unacceptable.”"))
        );
        assert_eq!(
            ctx(text, "he asked"),
            (some("“Is it over?” "), some(". “No!”"))
        );
    }

    #[test]
    fn long_context_is_cut_at_a_word_with_an_ellipsis() {
        let words = "alpha beta gamma delta epsilon ".repeat(20);
        let text = format!("Start {words}QUOTE {words}end.");
        let (before, after) = ctx(&text, "QUOTE");
        let (before, after) = (before.unwrap(), after.unwrap());
        assert!(
            before.starts_with('…') && before.ends_with("epsilon "),
            "{before}"
        );
        assert!(before.chars().count() <= CAP + 1);
        assert!(words.contains(before.trim_start_matches('…')));
        assert!(
            after.ends_with('…') && after.starts_with(" alpha"),
            "{after}"
        );
        assert!(after.chars().count() <= CAP + 1);
        assert!(!after.trim_end_matches('…').ends_with(' '));
        // Past the look-up window too, in a paragraph with no sentence end.
        let long = "word ".repeat(2000);
        let text = format!("{long}QUOTE {long}");
        let (before, after) = ctx(&text, "QUOTE");
        for side in [before.unwrap(), after.unwrap()] {
            let n = side.chars().count();
            assert!((CAP - 6..=CAP + 1).contains(&n), "{n}: {side}");
        }
    }

    #[test]
    fn multi_byte_text_and_edges_are_safe() {
        let text = "Ünïcødé “quoted” words — here… 終わり。";
        for (i, _) in text.char_indices() {
            for (j, _) in text[i..].char_indices().skip(1) {
                let _ = around(text, &paragraphs(text), i..i + j);
            }
        }
        assert_eq!(ctx("Only this.", "Only this."), (None, None));
        assert_eq!(ctx("", ""), (None, None));
    }
}
