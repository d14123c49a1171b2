//! Splitting a source into numbered paragraphs and cutting them into
//! segments at quote boundaries, so highlighted passages can be rendered as
//! data (no HTML string surgery).

use std::ops::Range;

pub use crate::routes::paragraphs;

/// A piece of a paragraph: which quotes cover it, start in it, end in it.
#[derive(Debug, PartialEq, Eq)]
pub struct Segment {
    pub range: Range<usize>,
    pub covered: bool,
    /// Indices into the quote list of quotes starting at this segment.
    pub starts: Vec<usize>,
    /// Indices of quotes ending at this segment.
    pub ends: Vec<usize>,
}

/// Cuts `para` at every quote boundary inside it. `quotes` must be sorted.
pub fn segments(para: Range<usize>, quotes: &[Range<usize>]) -> Vec<Segment> {
    let mut cuts = vec![para.start, para.end];
    for q in quotes {
        for p in [q.start, q.end] {
            if para.start < p && p < para.end {
                cuts.push(p);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .map(|w| {
            let range = w[0]..w[1];
            Segment {
                range: range.clone(),
                covered: quotes
                    .iter()
                    .any(|q| q.start <= range.start && range.end <= q.end),
                // Quotes are trimmed, so they start and end inside paragraphs
                // (a quote may span several: it starts in one, ends in another).
                starts: (0..quotes.len())
                    .filter(|&i| quotes[i].start == range.start)
                    .collect(),
                ends: (0..quotes.len())
                    .filter(|&i| quotes[i].end == range.end)
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_paragraph_per_line_without_blank_lines() {
        let t = "First line.\nSecond line.\n";
        let p: Vec<&str> = paragraphs(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(p, ["First line.", "Second line."]);
    }

    #[test]
    fn blank_lines_separate_paragraphs_when_present() {
        let t = " date x \n\n\n\nA wrapped\nparagraph.\r\n\r\nNext.\n";
        let p: Vec<&str> = paragraphs(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(p, ["date x", "A wrapped\nparagraph.", "Next."]);
    }

    #[test]
    fn lone_carriage_returns_end_lines_too() {
        let t = "One.\rTwo.\r";
        let p: Vec<&str> = paragraphs(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(p, ["One.", "Two."]);
    }

    #[test]
    fn overlapping_quotes_cut_into_segments() {
        // text: 0123456789
        let segs = segments(0..10, &[2..6, 4..8]);
        let seg = |range, covered, starts: &[usize], ends: &[usize]| Segment {
            range,
            covered,
            starts: starts.to_vec(),
            ends: ends.to_vec(),
        };
        assert_eq!(
            segs,
            vec![
                seg(0..2, false, &[], &[]),
                seg(2..4, true, &[0], &[]),
                seg(4..6, true, &[1], &[0]),
                seg(6..8, true, &[], &[1]),
                seg(8..10, false, &[], &[]),
            ]
        );
    }
}
