//! Which sources tell the same story: near-copies, reposts and machine
//! translations of one report are not independent confirmations.
//!
//! ## The measure
//! A source's text becomes a set of *shingles*: every run of three
//! consecutive words, lower-cased, punctuation dropped. Two texts that copy
//! each other share most of their shingles; independent reports of the same
//! event share names and stock phrases but few three-word runs. Two
//! machine translations of one English report rendered back into English
//! differ word by word here and there, yet keep most runs (the shipped
//! sources 000 and 003 are such a pair).
//!
//! Similarity is the *overlap coefficient* |A ∩ B| / min(|A|, |B|): the
//! share of the shorter text's shingles found in the longer one. Unlike
//! Jaccard's |A ∩ B| / |A ∪ B| it stays high when a short piece is lifted
//! whole into a long one, which is what copying looks like. Sources whose
//! overlap reaches `[corroboration] threshold` (0.4 by default) are linked,
//! and groups are the connected sets of linked sources.
//!
//! ## The estimate
//! Comparing every pair of 1,000 sources exactly would cost seconds, so each
//! source keeps a one-permutation MinHash sketch (Li, Owen & Zhang, 2012):
//! each shingle's 64-bit hash picks one of `K` bins by its top bits, and
//! each bin keeps the smallest of the values that fall in it. For two texts,
//! a bin holds the same minimum in both exactly when the smallest shingle of
//! the union in that bin is shared, so the share of such bins, among bins
//! not empty in both, estimates Jaccard (standard error about
//! √(J(1−J)/K), 0.03 at K = 256). The overlap follows from Jaccard and the
//! exact set sizes: |A ∩ B| = J (|A| + |B|) / (1 + J). Comparing two
//! sketches is a pass over two arrays of `K` integers, so all 500,000 pairs
//! of 1,000 sources take milliseconds; each source's sketch is a query of
//! its text ([`crate::db::SketchOf`]).
//!
//! ## Per claim
//! A claim citing several sources is supported by as many *independent*
//! stories as there are groups among them — except that two citations whose
//! quoted passages themselves overlap beyond the threshold (the same agency
//! sentence printed by two outlets) count as one story even when the
//! sources as a whole differ. Only quotes of at least a dozen words are
//! compared this way: shorter ones are mostly names, which independent
//! reports share.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};

use crate::db::{self, Db};
use crate::engine::Cx;
use crate::files::FileId;
use crate::model::{Briefing, Claim};

/// Sketch size: bins of a one-permutation MinHash (a power of two).
const K: usize = 256;

/// An empty bin.
const EMPTY: u32 = u32::MAX;

/// Words per shingle.
const SHINGLE: usize = 3;

/// Quotes shorter than this many words are never judged copies of one
/// another: short quotes are mostly names and titles ("Wuhan Xiaoruizhi
/// Science and Technology Company"), which independent reports share.
const MIN_QUOTE_WORDS: usize = 12;

/// Pairs scoring below this are not listed on the sources index.
pub const REPORTED: f64 = 0.05;

/// Groups of sources that tell the same story, and the scores behind them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Corroboration {
    pub threshold: f64,
    /// Per source (index into [`Briefing::sources`]): its group.
    pub group_of: Vec<usize>,
    /// The groups, each a sorted list of sources, in order of their first.
    pub groups: Vec<Vec<usize>>,
    /// Every pair scoring at least [`REPORTED`], `a < b`, best first.
    pub pairs: Vec<Pair>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    /// Overlap coefficient, estimated.
    pub overlap: f64,
    /// Jaccard similarity, estimated.
    pub jaccard: f64,
}

/// How well a claim is supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Support {
    /// Distinct sources cited.
    pub sources: usize,
    /// Independent stories among them.
    pub stories: usize,
}

impl Support {
    /// What the reader sees: "1 source", "2 sources, one story",
    /// "3 independent sources", "3 sources, 2 independent".
    pub fn label(self) -> String {
        match (self.sources, self.stories) {
            (1, _) => "1 source".into(),
            (n, 1) => format!("{n} sources, one story"),
            (n, m) if n == m => format!("{m} independent sources"),
            (n, m) => format!("{n} sources, {m} independent"),
        }
    }

    /// Whether everything rests on one story.
    pub fn single(self) -> bool {
        self.stories <= 1
    }
}

impl Corroboration {
    /// Support for a claim citing `cites`: (source index, quoted passage).
    pub fn support(&self, cites: &[(usize, Option<&str>)]) -> Support {
        let mut sources: Vec<usize> = cites.iter().map(|c| c.0).collect();
        sources.sort_unstable();
        sources.dedup();
        // Union-find over the citations: same group, or quotes that copy
        // each other.
        let mut parent: Vec<usize> = (0..cites.len()).collect();
        fn root(p: &mut [usize], mut i: usize) -> usize {
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        let shingles: Vec<Option<Vec<u64>>> = cites
            .iter()
            .map(|(_, q)| {
                q.filter(|q| word_count(q) >= MIN_QUOTE_WORDS)
                    .map(exact_shingles)
            })
            .collect();
        for i in 0..cites.len() {
            for j in i + 1..cites.len() {
                let same_group = self.group_of.get(cites[i].0) == self.group_of.get(cites[j].0);
                let same_words = match (&shingles[i], &shingles[j]) {
                    (Some(a), Some(b)) => overlap_exact(a, b) >= self.threshold,
                    _ => false,
                };
                if same_group || same_words {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    parent[ri] = rj;
                }
            }
        }
        let mut roots: Vec<usize> = (0..cites.len()).map(|i| root(&mut parent, i)).collect();
        roots.sort_unstable();
        roots.dedup();
        Support {
            sources: sources.len(),
            stories: roots.len(),
        }
    }

    /// How well `claim` is supported, its cited sources found by `index`
    /// (`None` if it cites no known source).
    pub fn support_with(
        &self,
        claim: &Claim,
        index: impl Fn(&str) -> Option<usize>,
    ) -> Option<Support> {
        let cites: Vec<(usize, Option<&str>)> = claim
            .cites
            .iter()
            .filter_map(|c| Some((index(&c.source)?, c.quote.as_deref())))
            .collect();
        (!cites.is_empty()).then(|| self.support(&cites))
    }

    /// The best-scoring other source of `s`, if any scored at all.
    pub fn closest(&self, s: usize) -> Option<(usize, &Pair)> {
        // `pairs` is sorted best first.
        self.pairs
            .iter()
            .find(|p| p.a == s || p.b == s)
            .map(|p| (if p.a == s { p.b } else { p.a }, p))
    }
}

/// A source text's sketch, one per content version of the text.
#[derive(Debug)]
pub struct TextSketch {
    version: u64,
    sketch: Sketch,
}

impl PartialEq for TextSketch {
    fn eq(&self, other: &TextSketch) -> bool {
        self.version == other.version
    }
}

/// The sketch of a source file's text.
pub fn sketch(file: &crate::files::File) -> TextSketch {
    TextSketch {
        version: file.version,
        sketch: Sketch::of(&file.text),
    }
}

/// A one-permutation MinHash sketch of a text's shingles.
#[derive(Debug, Clone)]
struct Sketch {
    /// Distinct shingles in the text.
    size: usize,
    /// Per bin, the smallest value that fell in it, or [`EMPTY`].
    bins: Box<[u32; K]>,
}

impl Sketch {
    fn of(text: &str) -> Sketch {
        let all = exact_shingles(text);
        let mut bins = Box::new([EMPTY; K]);
        for h in &all {
            // Top bits choose the bin, low bits are the value (never EMPTY:
            // the lowest bit is cleared).
            let bin = (h >> (64 - K.trailing_zeros())) as usize;
            let value = (*h as u32) & !1;
            bins[bin] = bins[bin].min(value);
        }
        Sketch {
            size: all.len(),
            bins,
        }
    }
}

fn word_count(text: &str) -> usize {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count()
}

/// Every distinct shingle hash of `text`, ascending.
fn exact_shingles(text: &str) -> Vec<u64> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut hashes: Vec<u64> = if words.len() < SHINGLE {
        // A very short quote: its words stand for it.
        words
            .iter()
            .map(|w| mix(hash_words(std::slice::from_ref(w))))
            .collect()
    } else {
        words.windows(SHINGLE).map(|w| mix(hash_words(w))).collect()
    };
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

fn hash_words(words: &[String]) -> u64 {
    let mut h = FxHasher::default();
    words.hash(&mut h);
    h.finish()
}

/// A bijective finaliser (from SplitMix64): FxHash's low bits are not
/// uniform enough for "the smallest hashes" to be a fair sample.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// |A ∩ B| / min(|A|, |B|) of two sorted, distinct lists.
fn overlap_exact(a: &[u64], b: &[u64]) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / smaller as f64
}

/// Estimated (overlap, Jaccard) of two sketched texts.
fn compare(x: &Sketch, y: &Sketch) -> (f64, f64) {
    if x.size == 0 || y.size == 0 {
        return (0.0, 0.0);
    }
    // Branch-free counts, so the loop vectorises.
    let (mut same, mut both_empty) = (0u32, 0u32);
    for (a, b) in x.bins.iter().zip(y.bins.iter()) {
        same += u32::from(a == b && *a != EMPTY);
        both_empty += u32::from(*a == EMPTY && *b == EMPTY);
    }
    let used = K as u32 - both_empty;
    let jaccard = if used == 0 {
        0.0
    } else {
        f64::from(same) / f64::from(used)
    };
    let inter = jaccard * (x.size + y.size) as f64 / (1.0 + jaccard);
    let overlap = (inter / x.size.min(y.size) as f64).min(1.0);
    (overlap, jaccard)
}

/// Groups the briefing's sources (see the module's documentation).
pub fn corroborate(cx: &Cx<'_, Db>, b: &Briefing) -> Corroboration {
    let threshold = b.config.corroboration.threshold.get();
    let files: Vec<FileId> = b.sources.iter().map(|s| s.file).collect();
    let sketches: Vec<Arc<TextSketch>> =
        cx.par_map(&files, |cx, file| cx.get::<db::SketchOf>(file));
    let sketches: Vec<&Sketch> = sketches.iter().map(|s| &s.sketch).collect();

    let n = sketches.len();
    // Only pairs worth reporting are kept: at 1,000 sources most of the
    // 500,000 pairs score near zero.
    let rows: Vec<Vec<(usize, usize, f64, f64)>> = (0..n)
        .into_par_iter()
        .map(|a| {
            (a + 1..n)
                .filter_map(|b| {
                    let (overlap, jaccard) = compare(sketches[a], sketches[b]);
                    (overlap >= REPORTED.min(threshold)).then_some((a, b, overlap, jaccard))
                })
                .collect()
        })
        .collect();
    let mut pairs = Vec::new();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for (a, b, overlap, jaccard) in rows.into_iter().flatten() {
        if overlap >= REPORTED {
            pairs.push(Pair {
                a,
                b,
                overlap,
                jaccard,
            });
        }
        if overlap >= threshold {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    pairs.sort_by(|x, y| {
        y.overlap
            .total_cmp(&x.overlap)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });

    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of_root = FxHashMap::default();
    let group_of: Vec<usize> = (0..n)
        .map(|s| {
            let r = root(&mut parent, s);
            let g = *group_of_root.entry(r).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(s);
            g
        })
        .collect();
    Corroboration {
        threshold,
        group_of,
        groups,
        pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "The UK and the United States have accused China of a global campaign of malicious cyber attacks in an unprecedented joint operation to reveal Beijing's espionage. Britain has publicly blamed China for targeting the Electoral Commission watchdog and for being behind a campaign of online reconnaissance aimed at the email accounts of MPs and peers.";

    #[test]
    fn a_copy_scores_one_and_an_unrelated_text_near_zero() {
        let a = Sketch::of(REPORT);
        let b = Sketch::of(&REPORT.to_uppercase().replace('.', " !"));
        assert_eq!(compare(&a, &b).0, 1.0, "case and punctuation do not count");
        let other = Sketch::of(
            "New Zealand said a state-sponsored group had breached its parliamentary network in 2021, and that the attack was contained shortly afterwards by its security bureau.",
        );
        assert!(compare(&a, &other).0 < 0.05);
    }

    #[test]
    fn an_excerpt_inside_a_longer_text_overlaps_fully() {
        let excerpt = &REPORT[..REPORT.find(" Britain").unwrap()];
        let (overlap, jaccard) = compare(&Sketch::of(excerpt), &Sketch::of(REPORT));
        assert!(overlap > 0.9, "{overlap}");
        assert!(jaccard < 0.6, "Jaccard alone would miss it: {jaccard}");
    }

    #[test]
    fn sketches_estimate_large_texts_close_to_the_exact_figure() {
        // Two texts of 2,000 distinct shingles sharing half of them.
        let words =
            |from: usize, to: usize| -> String { (from..to).map(|i| format!("w{i} ")).collect() };
        let a = words(0, 2002);
        let b = words(1000, 3002);
        let exact = overlap_exact(&exact_shingles(&a), &exact_shingles(&b));
        let (estimate, _) = compare(&Sketch::of(&a), &Sketch::of(&b));
        assert!((exact - 0.5).abs() < 0.01, "{exact}");
        assert!((estimate - exact).abs() < 0.1, "{estimate} vs {exact}");
    }

    #[test]
    fn support_counts_groups_and_copied_quotes_as_one_story() {
        let c = Corroboration {
            threshold: 0.4,
            group_of: vec![0, 1, 0, 2],
            groups: vec![vec![0, 2], vec![1], vec![3]],
            pairs: Vec::new(),
        };
        let one = c.support(&[(1, None)]);
        assert_eq!((one.label().as_str(), one.single()), ("1 source", true));
        let copies = c.support(&[(0, Some("a")), (2, Some("b"))]);
        assert_eq!(copies.label(), "2 sources, one story");
        let three = c.support(&[(0, None), (1, None), (3, None)]);
        assert_eq!(
            (three.label().as_str(), three.single()),
            ("3 independent sources", false)
        );
        let same_sentence = "A front company and two individuals linked to the APT31 hacking group have been sanctioned over the attacks";
        let mixed = c.support(&[
            (0, Some(same_sentence)),
            (1, Some(same_sentence)),
            (3, Some("New Zealand said otherwise")),
        ]);
        assert_eq!(mixed.label(), "3 sources, 2 independent");
    }
}
