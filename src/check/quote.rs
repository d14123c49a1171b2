//! Finding a quote in a source, forgiving only what a reader cannot see.
//!
//! Both texts are normalised the same way — runs of white space become one
//! space, curly quotes and apostrophes become straight ones, dash variants
//! become `-`, characters are composed (Unicode NFC: `e` + combining acute
//! is `é`), and default-ignorable characters (zero-width spaces and joiners,
//! soft hyphens, byte-order marks, direction marks) are dropped — and the
//! quote is then searched for as plain bytes. A source is normalised once,
//! however many quotes cite it. Normalisation keeps a map back to the
//! original bytes, so a match can be highlighted exactly.

use std::ops::Range;

use memchr::memmem;

/// A normalised text and, for each of its bytes, the offset of the original
/// character it came from (plus one entry for the end).
#[derive(Debug, Clone)]
pub struct Normalized {
    pub text: String,
    origin: Vec<u32>,
}

fn fold(c: char) -> Option<char> {
    Some(match c {
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2039}'
        | '\u{203A}' => '\'',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => '-',
        _ => return None,
    })
}

/// Where a quote occurs in a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrences {
    /// The first few occurrences, as ranges of the original text, in order.
    pub first: Vec<Range<usize>>,
    /// How many there are in all (0: the quote is not in the source).
    pub count: usize,
    /// The quote's length in characters, as matched: trimmed and normalised.
    pub chars: usize,
}

/// How much of a quote [`Normalized::closest`] compares.
const CLOSEST_MAX_CHARS: usize = 400;

/// Unicode's default-ignorable code points (DerivedCoreProperties.txt):
/// zero-width spaces and joiners, the soft hyphen, direction marks and
/// controls, variation selectors, the byte-order mark. A reader never sees
/// them, so matching ignores them on both sides.
pub fn is_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Normalises `s` (see the module docs).
pub fn normalize(s: &str) -> Normalized {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::canonical_combining_class;
    let mut text = String::with_capacity(s.len());
    let mut origin = Vec::with_capacity(s.len() + 1);
    let mut in_space = false;
    let mut chars = s.char_indices().peekable();
    let mut cluster = String::new();
    while let Some((i, c)) = chars.next() {
        if is_ignorable(c) {
            continue;
        }
        if c.is_whitespace() {
            if !in_space {
                text.push(' ');
                origin.push(i as u32);
            }
            in_space = true;
            continue;
        }
        in_space = false;
        let c = fold(c).unwrap_or(c);
        // A character and the combining marks after it are composed as one
        // (NFC), every byte of the result mapped to the character's start.
        let combines = |next: &(usize, char)| {
            canonical_combining_class(next.1) != 0 || is_ignorable(next.1) && next.1 != '\u{FEFF}'
        };
        if c.is_ascii() && chars.peek().is_none_or(|n| !combines(n)) {
            text.push(c);
            origin.push(i as u32);
            continue;
        }
        cluster.clear();
        cluster.push(c);
        while let Some(&next) = chars.peek() {
            if !combines(&next) {
                break;
            }
            if !is_ignorable(next.1) {
                cluster.push(next.1);
            }
            chars.next();
        }
        let before = text.len();
        text.extend(cluster.nfc());
        origin.extend(std::iter::repeat_n(i as u32, text.len() - before));
    }
    origin.push(s.len() as u32);
    Normalized { text, origin }
}

/// The first difference between a quote and a passage that look alike
/// (both as normalised), as a sentence naming the two characters by code
/// point — for when the closest passage reads the same as the quote.
pub fn first_difference(quote: &str, passage: &str) -> Option<String> {
    let (q, p) = (normalize(quote.trim()).text, normalize(passage.trim()).text);
    let (mut qa, mut pa) = (q.chars(), p.chars());
    let mut at = 0;
    loop {
        match (qa.next(), pa.next()) {
            (Some(a), Some(b)) if a == b => at += 1,
            (None, None) => return None,
            (a, b) => {
                let name = |c: Option<char>| match c {
                    Some(c) => format!("`{}` (U+{:04X})", c.escape_debug(), c as u32),
                    None => "nothing".to_owned(),
                };
                return Some(format!(
                    "at character {} the quote has {} where the source has {}",
                    at + 1,
                    name(a),
                    name(b)
                ));
            }
        }
    }
}

/// Where a quote and the passage it was meant to be differ, word by word
/// (as normalised, so only real differences show): each change with a word
/// of context either side, as `…before [quote words → source words]
/// after…`; at most `max` of them, and how many more there are.
pub fn word_differences(quote: &str, passage: &str, max: usize) -> (Vec<String>, usize) {
    use similar::{Algorithm, DiffOp, capture_diff_slices};
    let (q, p) = (normalize(quote.trim()).text, normalize(passage.trim()).text);
    // The closest passage is at most a few hundred characters, but a quote
    // may be a whole pasted page: the diff's cost grows with both lengths
    // times the differences, so it looks at the first words only.
    const WORDS: usize = 120;
    let qw: Vec<&str> = q.split_whitespace().take(WORDS).collect();
    let pw: Vec<&str> = p.split_whitespace().take(WORDS).collect();
    let ops = capture_diff_slices(Algorithm::Myers, &qw, &pw);
    let words = |w: &[&str]| {
        if w.is_empty() {
            "nothing".to_owned()
        } else {
            format!("“{}”", w.join(" "))
        }
    };
    let changes: Vec<String> = ops
        .iter()
        .filter_map(|op| {
            let (old, new) = match *op {
                DiffOp::Equal { .. } => return None,
                DiffOp::Delete {
                    old_index,
                    old_len,
                    new_index,
                } => (old_index..old_index + old_len, new_index..new_index),
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => (old_index..old_index, new_index..new_index + new_len),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => (
                    old_index..old_index + old_len,
                    new_index..new_index + new_len,
                ),
            };
            let before = old.start.checked_sub(1).map(|i| qw[i]);
            let after = qw.get(old.end).copied();
            Some(format!(
                "{}[{} → {}]{}",
                before.map_or(String::new(), |w| format!("…{w} ")),
                words(&qw[old]),
                words(&pw[new]),
                after.map_or(String::new(), |w| format!(" {w}…")),
            ))
        })
        .collect();
    let more = changes.len().saturating_sub(max);
    (changes.into_iter().take(max).collect(), more)
}

/// What a quote does that quoting verbatim never allows, with the fix: an
/// ellipsis, an editor's brackets, or capitalisation that differs from the
/// passage (`passage`: the closest one, if any).
pub fn quoting_mistakes(quote: &str, passage: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    if quote.contains('…') || quote.contains("...") {
        out.push("the quote has an ellipsis (…), and quotes are never shortened: split it into two citations, one quote for the words before the ellipsis and one for the words after".to_owned());
    }
    if quote.contains('[') && quote.contains(']') {
        out.push("the quote has words in square brackets, an editor's insertion the source does not have: quote the source's own words, or split the quote around the insertion and say the rest in the claim".to_owned());
    }
    if let Some(passage) = passage {
        let (q, p) = (normalize(quote.trim()).text, normalize(passage.trim()).text);
        if q != p && q.to_lowercase() == p.to_lowercase() {
            out.push("only capitalisation differs: copy the capitals as the source has them (a quote that starts mid-sentence starts with a small letter)".to_owned());
        }
    }
    out
}

impl Normalized {
    /// The original byte range of a normalised byte range.
    pub fn original(&self, range: Range<usize>) -> Range<usize> {
        self.origin[range.start] as usize..self.origin[range.end] as usize
    }

    /// Where `quote` first occurs, as a range of the original text.
    pub fn find(&self, quote: &str) -> Option<Range<usize>> {
        self.occurrences(quote, 1).first.into_iter().next()
    }

    /// Every place `quote` occurs, counting overlapping ones (`ha ha` is
    /// twice in `ha ha ha`: each is a passage a reader could mean), with
    /// the first `keep` of them as ranges of the original text. Only the
    /// first few are kept because a short quote may occur millions of
    /// times in a large source; [`Normalized::nth`] finds any other.
    pub fn occurrences(&self, quote: &str, keep: usize) -> Occurrences {
        let needle = normalize(quote.trim()).text;
        let mut out = Occurrences {
            first: Vec::new(),
            count: 0,
            chars: needle.chars().count(),
        };
        for start in self.starts(&needle) {
            out.count += 1;
            if out.first.len() < keep {
                out.first.push(self.original(start..start + needle.len()));
            }
        }
        out
    }

    /// The `n`th place (from 1) `quote` occurs, as a range of the original text.
    pub fn nth(&self, quote: &str, n: usize) -> Option<Range<usize>> {
        let needle = normalize(quote.trim()).text;
        let start = self.starts(&needle).nth(n.checked_sub(1)?)?;
        Some(self.original(start..start + needle.len()))
    }

    /// Normalised byte offsets at which `needle` (already normalised) starts.
    fn starts<'a>(&'a self, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
        let finder = memmem::Finder::new(needle.as_bytes());
        let hay = self.text.as_bytes();
        // The next search starts one character after the last match, so
        // overlapping occurrences are counted too.
        let step = needle.chars().next().map_or(1, char::len_utf8);
        let mut from = if needle.is_empty() { None } else { Some(0) };
        std::iter::from_fn(move || {
            let at = from? + finder.find(&hay[from?..])?;
            from = Some(at + step);
            Some(at)
        })
    }

    /// The passage most like `quote`, as an original range and a similarity
    /// between 0 and 1. Used only to explain a failed match, so it favours
    /// helpfulness over speed: the fuzzy search of `briefing quote`
    /// shortlists passages (misspelt and reordered words still find them),
    /// then edit distance ranks the shortlist.
    pub fn closest(&self, quote: &str) -> Option<(Range<usize>, f64)> {
        let needle = normalize(quote.trim()).text;
        // Edit distance is quadratic: compare at most the quote's first few
        // hundred characters, which is plenty to find where it was meant.
        let needle = match needle.char_indices().nth(CLOSEST_MAX_CHARS) {
            Some((cut, _)) => needle[..cut].trim_end().to_owned(),
            None => needle,
        };
        let needle_lower = needle.to_lowercase();
        super::fuzzy::search(self, &needle, 8, 0.0)
            .into_iter()
            .map(|p| {
                let passage = self.text[p.normalized].to_lowercase();
                let sim = strsim::normalized_levenshtein(&passage, &needle_lower);
                (p.range, sim)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.start.cmp(&a.0.start)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_runs_and_line_breaks_are_one_space() {
        let n = normalize("a  b\n\n c\td");
        assert_eq!(n.text, "a b c d");
        assert_eq!(n.find("b c"), Some(3..8));
        assert_eq!(n.find("  a b  "), Some(0..4));
    }

    #[test]
    fn curly_and_straight_quotes_and_dashes_are_the_same() {
        let src = "He said: “we’re safe” – really";
        let n = normalize(src);
        let r = n.find("said: \"we're safe\" - really").unwrap();
        assert_eq!(&src[r], "said: “we’re safe” – really");
        let r = n.find("“we’re").unwrap();
        assert_eq!(&src[r], "“we’re");
    }

    #[test]
    fn nothing_else_is_forgiven() {
        let n = normalize("The Electoral Commission was attacked.");
        assert!(n.find("the Electoral Commission").is_none(), "case");
        assert!(n.find("Electoral Comission").is_none(), "spelling");
        assert!(n.find("Commission was attacked!").is_none(), "punctuation");
        assert!(n.find("Commission was attacked…").is_none(), "ellipsis");
        assert!(n.find("").is_none(), "an empty quote proves nothing");
    }

    #[test]
    fn every_occurrence_is_counted_as_the_matcher_sees_it() {
        let src = "He said “no”.\nShe said \"no\". They\n  said ‘no’ – said \"no\".";
        let n = normalize(src);
        let o = n.occurrences("said \"no\"", 2);
        assert_eq!(o.count, 3, "curly and straight quotes are one");
        assert_eq!(o.chars, 9);
        let firsts: Vec<&str> = o.first.iter().map(|r| &src[r.clone()]).collect();
        assert_eq!(firsts, ["said “no”", "said \"no\""]);
        let third = n.nth("said \"no\"", 3).unwrap();
        assert_eq!(&src[third.clone()], "said \"no\"");
        assert!(third.start > o.first[1].end);
        assert_eq!(n.nth("said \"no\"", 4), None);
        assert_eq!(n.nth("said \"no\"", 0), None);
        // Across a line break and white space, as one space.
        assert_eq!(n.occurrences("They said", 5).count, 1);
        assert_eq!(n.occurrences("absent", 5).count, 0);
        assert_eq!(n.occurrences("  ", 5).count, 0, "an empty quote is nowhere");
    }

    #[test]
    fn overlapping_occurrences_are_each_a_place() {
        let n = normalize("ha ha ha, é é é");
        assert_eq!(n.occurrences("ha ha", 5).count, 2);
        assert_eq!(n.occurrences("é é", 5).count, 2);
        assert_eq!(n.nth("é é", 2), Some(13..18));
        assert_eq!(n.occurrences("a", 0).count, 3);
        assert!(n.occurrences("a", 0).first.is_empty(), "none kept");
    }

    #[test]
    fn original_range_maps_back_over_multibyte_characters() {
        let src = "é — “x”\u{00A0}y";
        let n = normalize(src);
        let r = n.find("- \"x\" y").unwrap();
        assert_eq!(&src[r], "— “x”\u{00A0}y");
    }

    #[test]
    fn closest_passage_points_at_the_misquoted_text() {
        let src = "Intro words here. The hackers sent more than 10,000 malicious emails to the targets. Outro.";
        let n = normalize(src);
        let (r, sim) = n
            .closest("The hackers sent over 10,000 malicious emails to targets")
            .unwrap();
        assert!(
            src[r.clone()].starts_with("The hackers sent more"),
            "{}",
            &src[r]
        );
        assert!(sim > 0.7, "{sim}");
    }

    /// Found by fuzzing: a misquote of tens of KB made the closest-passage
    /// search (quadratic edit distance) run for minutes. Only the quote's
    /// first 400 characters are compared, so a long misquote still points
    /// at the passage it starts with.
    #[test]
    fn a_very_long_misquote_is_located_by_its_beginning() {
        let passage = "The hackers sent more than 10,000 malicious emails to the targets.";
        let src = format!(
            "{} {passage} {}",
            "Filler words. ".repeat(2000),
            "More filler. ".repeat(2000)
        );
        let quote = format!(
            "The hackers sent over 10,000 malicious emails to the targets. {}",
            "Invented text. ".repeat(3000)
        );
        let n = normalize(&src);
        assert!(n.find(&quote).is_none());
        let (r, _) = n.closest(&quote).expect("a closest passage");
        // The passage, in a window about as long as the part compared.
        assert!(src[r.clone()].contains(passage), "{}", &src[r]);
        assert!(r.len() < 1_000, "{} bytes", r.len());
    }
}
