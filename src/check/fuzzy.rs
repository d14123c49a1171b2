//! Finding the passages of a source that rough words were meant to quote:
//! words typed from memory, misspelt, in another order, or paraphrased a
//! little. `briefing quote` prints what it finds as citations, and a
//! `quote-not-found` error uses it to show the passage a misquote meant.
//!
//! Words are compared as lowercase letters and digits. A typed word matches
//! a source word if they are equal, a few edits apart (more edits allowed
//! for longer words, so `comission` finds `commission` and `attacked` finds
//! `attack`), or share a long beginning (`publication`, `published`);
//! numbers only match exactly, as `2021` must never find `2024`. Each typed
//! word weighs more the rarer it is in the source, so `the` decides nothing.
//! A passage's score is the weighted share of typed words found in a short
//! window of the source, in any order.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::quote::Normalized;

/// A passage found: where it is in the original text, and how well it
/// matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// From the start of the first matched word to the end of the last, as
    /// a range of the original text.
    pub range: Range<usize>,
    /// The same, as a range of the normalised text.
    pub normalized: Range<usize>,
    /// The weighted share of the typed words found in the passage, 0 to 1.
    pub score: f64,
    /// How many of the typed words were found.
    pub matched: usize,
    /// How many words were typed.
    pub typed: usize,
    /// The share of consecutive typed words found in the order typed.
    order: f64,
}

impl Passage {
    /// What passages are ranked by: the score, and a little for order, so
    /// that of two windows holding the same words the one that reads as
    /// typed wins (`The hackers … the targets` begins at the first `The`).
    fn rank(&self) -> f64 {
        self.score + 0.1 * self.order
    }
}

/// Word similarities below this are no match at all.
const MIN_SIMILARITY: f64 = 0.5;

/// The words of a text as compared: lowercase runs of letters and digits,
/// each with its range in `text`. A comma or full stop between digits
/// belongs to the number and is not compared (`10,000` is `10000`).
fn words(text: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let in_number = matches!(c, ',' | '.')
            && current
                .as_ref()
                .is_some_and(|(_, w)| w.ends_with(|p: char| p.is_ascii_digit()))
            && chars.peek().is_some_and(|&(_, n)| n.is_ascii_digit());
        if in_number {
            continue;
        }
        if c.is_alphanumeric() {
            let (_, word) = current.get_or_insert_with(|| (i, String::new()));
            word.extend(c.to_lowercase());
        } else if let Some((start, word)) = current.take() {
            out.push((start..i, word));
        }
    }
    if let Some((start, word)) = current {
        out.push((start..text.len(), word));
    }
    out
}

/// How alike a typed word and a source word are, 0 (not at all) to 1.
fn similarity(typed: &str, found: &str) -> f64 {
    if typed == found {
        return 1.0;
    }
    let numeric = |w: &str| w.chars().any(|c| c.is_ascii_digit());
    let (lt, lf) = (typed.chars().count(), found.chars().count());
    if numeric(typed) || numeric(found) || lt.min(lf) < 4 {
        return 0.0;
    }
    let longest = lt.max(lf);
    let allowed = match longest {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let distance = strsim::damerau_levenshtein(typed, found);
    if distance <= allowed {
        return 1.0 - distance as f64 / longest as f64;
    }
    let prefix = typed
        .chars()
        .zip(found.chars())
        .take_while(|(a, b)| a == b)
        .count();
    if prefix >= 5 && prefix * 2 >= lt.min(lf) {
        return 0.6;
    }
    0.0
}

/// `range` widened to the white space around it, so that a passage holds
/// the punctuation attached to its first and last words (`targets.`,
/// `“Dowden`): a quote is compared, and copied, word for word.
fn to_spaces(text: &str, range: Range<usize>) -> Range<usize> {
    let start = text[..range.start].rfind(' ').map_or(0, |i| i + 1);
    let end = text[range.end..]
        .find(' ')
        .map_or(text.len(), |i| range.end + i);
    start..end
}

/// Places each typed word in a window: at its most similar word there,
/// and of equally similar ones at the first after the previous typed word's
/// place, so that a typed word that occurs twice (`the … the`) takes two
/// places in reading order. `seen`: (typed word, position, similarity),
/// sorted by typed word and position.
fn place(seen: &[(usize, usize, f64)], best: &mut [(f64, usize)]) {
    best.iter_mut().for_each(|b| *b = (0.0, 0));
    let mut previous = None;
    for (q, slot) in best.iter_mut().enumerate() {
        let lo = seen.partition_point(|e| e.0 < q);
        let hi = seen.partition_point(|e| e.0 <= q);
        let options = &seen[lo..hi];
        let Some(top) = options.iter().map(|e| e.2).max_by(f64::total_cmp) else {
            continue;
        };
        let mut tops = options.iter().filter(|e| e.2 == top);
        let after = tops.clone().find(|e| previous.is_none_or(|p| e.1 > p));
        let chosen = after
            .or_else(|| tops.next())
            .expect("the maximum is among them");
        *slot = (top, chosen.1);
        previous = Some(chosen.1);
    }
}

/// The passages of `source` most like `rough`, best first, none
/// overlapping another; at most `max`, and only those with a score of at
/// least `min_score`.
pub fn search(source: &Normalized, rough: &str, max: usize, min_score: f64) -> Vec<Passage> {
    let typed: Vec<String> = words(&super::quote::normalize(rough).text)
        .into_iter()
        .map(|(_, w)| w)
        .collect();
    let text = words(&source.text);
    if typed.is_empty() || text.is_empty() || max == 0 {
        return Vec::new();
    }
    // Each distinct source word is compared with each typed word once.
    let mut forms: FxHashMap<&str, Vec<(usize, f64)>> = FxHashMap::default();
    for (_, w) in &text {
        forms.entry(w.as_str()).or_insert_with(|| {
            typed
                .iter()
                .enumerate()
                .map(|(q, t)| (q, similarity(t, w)))
                .filter(|&(_, s)| s >= MIN_SIMILARITY)
                .collect()
        });
    }
    let matches: Vec<&[(usize, f64)]> = text
        .iter()
        .map(|(_, w)| forms[w.as_str()].as_slice())
        .collect();
    // Rarer words weigh more (inverse document frequency, with each word
    // position of the source as a document).
    let mut found_at = vec![0usize; typed.len()];
    for m in &matches {
        for &(q, _) in *m {
            found_at[q] += 1;
        }
    }
    let n = text.len() as f64;
    let weight: Vec<f64> = found_at
        .iter()
        .map(|&df| (1.0 + n / (1.0 + df as f64)).ln())
        .collect();
    let total: f64 = weight.iter().sum();
    // A window somewhat longer than the typed words, so that a few extra
    // or reordered words in the source still fit in it.
    let span = (typed.len() * 2 + 4).max(30);
    let mut scored: Vec<Passage> = Vec::new();
    let mut best = vec![(0.0f64, 0usize); typed.len()];
    let mut seen: Vec<(usize, usize, f64)> = Vec::new();
    for start in (0..text.len()).filter(|&i| !matches[i].is_empty()) {
        seen.clear();
        for (at, m) in matches.iter().enumerate().skip(start).take(span) {
            seen.extend(m.iter().map(|&(q, s)| (q, at, s)));
        }
        seen.sort_unstable_by_key(|&(q, at, _)| (q, at));
        place(&seen, &mut best);
        let placed: Vec<usize> = best.iter().filter(|b| b.0 > 0.0).map(|b| b.1).collect();
        let (Some(&first), Some(&last)) = (placed.iter().min(), placed.iter().max()) else {
            continue;
        };
        let score = best.iter().zip(&weight).map(|(b, w)| b.0 * w).sum::<f64>() / total;
        if score < min_score {
            continue;
        }
        let in_order = placed.windows(2).filter(|w| w[0] < w[1]).count();
        let order = in_order as f64 / placed.len().saturating_sub(1).max(1) as f64;
        let normalized = to_spaces(&source.text, text[first].0.start..text[last].0.end);
        scored.push(Passage {
            range: source.original(normalized.clone()),
            normalized,
            score,
            matched: placed.len(),
            typed: typed.len(),
            order,
        });
    }
    // Best first; of two as good, the shorter (tighter) passage, then the
    // earlier one.
    scored.sort_by(|a, b| {
        b.rank()
            .total_cmp(&a.rank())
            .then(a.range.len().cmp(&b.range.len()))
            .then(a.range.start.cmp(&b.range.start))
    });
    let mut out: Vec<Passage> = Vec::new();
    for p in scored {
        if out.len() == max {
            break;
        }
        let overlaps = out
            .iter()
            .any(|o| o.range.start < p.range.end && p.range.start < o.range.end);
        if !overlaps {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::quote::normalize;

    const TEXT: &str = "The Electoral Commission said the attack began in August 2021.\n\n\
        Hackers gained access to the electoral registers, which held the names and addresses of 40 million voters.\n\n\
        The commission was criticised for taking a year to notice.";

    fn best(rough: &str) -> Option<String> {
        let n = normalize(TEXT);
        search(&n, rough, 1, 0.3)
            .first()
            .map(|p| TEXT[p.range.clone()].to_owned())
    }

    #[test]
    fn misspelt_words_find_the_passage() {
        assert_eq!(
            best("hakers gained acess to the electorial registers").as_deref(),
            Some("Hackers gained access to the electoral registers,")
        );
    }

    #[test]
    fn reordered_words_find_the_passage() {
        let found = best("40 million voters names addresses").unwrap();
        assert!(found.starts_with("names and addresses"), "{found}");
        assert!(found.ends_with("40 million voters."), "{found}");
    }

    #[test]
    fn numbers_are_compared_without_their_separators() {
        let w: Vec<String> = words("10,000 emails, 3.5 million. End,2")
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        assert_eq!(w, ["10000", "emails", "35", "million", "end", "2"]);
    }

    #[test]
    fn numbers_only_match_exactly() {
        assert_eq!(similarity("2021", "2024"), 0.0);
        assert_eq!(similarity("2021", "2021"), 1.0);
        let found = best("commission attack August 2024").unwrap();
        assert!(found.contains("August"), "the words still find it: {found}");
    }

    #[test]
    fn stems_and_typos_are_alike_but_less_than_equal() {
        assert!(similarity("comission", "commission") > 0.85);
        assert!(similarity("attacked", "attack") >= 0.7);
        assert!(similarity("publication", "published") >= 0.5);
        assert_eq!(similarity("cat", "car"), 0.0, "short words are exact only");
        assert_eq!(similarity("electoral", "criticised"), 0.0);
    }

    #[test]
    fn unrelated_words_find_nothing() {
        assert_eq!(best("quantum chromodynamics lattice"), None);
        assert!(search(&normalize(TEXT), "", 3, 0.0).is_empty());
    }

    #[test]
    fn passages_do_not_overlap_and_come_best_first() {
        let n = normalize(TEXT);
        let found = search(&n, "the commission", 5, 0.1);
        assert!(found.len() >= 2, "{found:?}");
        assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
        for (i, a) in found.iter().enumerate() {
            for b in &found[i + 1..] {
                assert!(a.range.end <= b.range.start || b.range.end <= a.range.start);
            }
        }
    }
}
