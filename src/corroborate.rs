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
use crate::i18n::Words;
use crate::model::{About, Briefing, Claim, Stance};

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
    /// What joined the sources of each group: every declared relation and
    /// every pair at or above the threshold.
    pub links: Vec<Merge>,
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

/// Why two sources count as one story.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Merge {
    /// `derived_from` in the metadata of `source` names `from`.
    Declared { source: usize, from: usize },
    /// The two texts share this share of their three-word runs (the
    /// overlap coefficient, estimated).
    Texts { a: usize, b: usize, overlap: f64 },
    /// The passages a claim quotes from the two share this share of their
    /// three-word runs (exactly).
    Quotes { a: usize, b: usize, overlap: f64 },
}

impl Merge {
    /// The two sources it joins.
    pub fn ends(self) -> (usize, usize) {
        match self {
            Merge::Declared { source, from } => (source, from),
            Merge::Texts { a, b, .. } | Merge::Quotes { a, b, .. } => (a, b),
        }
    }
}

/// How well a claim is supported, and why: what the reader's label says and
/// what it unfolds to.
#[derive(Clone, Debug, PartialEq)]
pub struct Support {
    /// A claim about the sources themselves: nothing is counted.
    pub about_sources: bool,
    /// The independent stories among the supporting citations, each with
    /// its sources (sorted) and what made them one story.
    pub stories: Vec<Story>,
    /// Distinct sources whose citations contradict the claim.
    pub contradicting: Vec<usize>,
    /// Distinct sources cited for context only.
    pub context: Vec<usize>,
}

/// One independent story behind a claim.
#[derive(Clone, Debug, PartialEq)]
pub struct Story {
    pub sources: Vec<usize>,
    /// Why these sources are one story (empty for a single source).
    pub merges: Vec<Merge>,
}

impl Support {
    /// Distinct sources that support the claim.
    pub fn sources(&self) -> usize {
        self.stories.iter().map(|s| s.sources.len()).sum()
    }

    /// What the reader sees, in English (the export's words). One
    /// vocabulary everywhere: "1 source", "2 sources, one story", "3
    /// independent sources", "3 sources, 2 independent"; "; disputed by 1
    /// source" when sources contradict it; "contradicted by 2 sources",
    /// "context only", "about the sources".
    pub fn label(&self) -> String {
        self.label_in(crate::i18n::english())
    }

    /// The label in the language of `w`.
    pub fn label_in(&self, w: &Words) -> String {
        if self.about_sources {
            return w.get("support_about_sources").to_owned();
        }
        let against = self.contradicting.len();
        let sources = |n: usize| w.count("support_sources", n);
        let (n, m) = (self.sources(), self.stories.len());
        let base = match (n, m) {
            (0, _) if against == 0 => return w.get("support_context_only").to_owned(),
            (0, _) => return w.fill("support_contradicted", &[("sources", &sources(against))]),
            (1, _) => sources(1),
            (n, 1) => w.fill("support_one_story", &[("n", &n.to_string())]),
            (n, m) if n == m => w.fill("support_independent", &[("n", &m.to_string())]),
            (n, m) => w.fill(
                "support_some_independent",
                &[("n", &n.to_string()), ("m", &m.to_string())],
            ),
        };
        if against > 0 {
            w.fill(
                "support_disputed",
                &[("label", &base), ("sources", &sources(against))],
            )
        } else {
            base
        }
    }

    /// Whether the claim rests on one story at most (shown as a warning).
    pub fn single(&self) -> bool {
        !self.about_sources
            && self.stories.len() <= 1
            && self.contradicting.is_empty()
            && !self.stories.is_empty()
    }

    /// Whether sources contradict the claim.
    pub fn disputed(&self) -> bool {
        !self.about_sources && !self.contradicting.is_empty()
    }
}

impl Corroboration {
    /// Support for a claim citing `cites`: (source index, stance, quoted
    /// passage); `about_sources` for a claim about the sources themselves.
    pub fn support(&self, cites: &[(usize, Stance, Option<&str>)], about_sources: bool) -> Support {
        let distinct = |stance: Stance| {
            let mut v: Vec<usize> = cites
                .iter()
                .filter(|c| c.1 == stance)
                .map(|c| c.0)
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let supporting: Vec<(usize, Option<&str>)> = cites
            .iter()
            .filter(|c| c.1 == Stance::Supports)
            .map(|c| (c.0, c.2))
            .collect();
        Support {
            about_sources,
            stories: self.stories(&supporting),
            contradicting: distinct(Stance::Contradicts),
            context: distinct(Stance::Context),
        }
    }

    /// The independent stories among supporting citations: (source, quote).
    fn stories(&self, cites: &[(usize, Option<&str>)]) -> Vec<Story> {
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
            .map(|(_, q)| q.and_then(quote_shingles))
            .collect();
        let mut quoted = Vec::new();
        for i in 0..cites.len() {
            for j in i + 1..cites.len() {
                let (a, b) = (cites[i].0, cites[j].0);
                let same_group = a == b || self.group_of.get(a) == self.group_of.get(b);
                let words = match (&shingles[i], &shingles[j]) {
                    (Some(x), Some(y)) if a != b => overlap_exact(x, y),
                    _ => 0.0,
                };
                if words >= self.threshold && !same_group {
                    quoted.push(Merge::Quotes {
                        a: a.min(b),
                        b: a.max(b),
                        overlap: words,
                    });
                }
                if same_group || words >= self.threshold {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    parent[ri] = rj;
                }
            }
        }
        let mut by_root: Vec<(usize, Vec<usize>)> = Vec::new();
        for (i, &(source, _)) in cites.iter().enumerate() {
            let r = root(&mut parent, i);
            match by_root.iter_mut().find(|(k, _)| *k == r) {
                Some((_, sources)) => sources.push(source),
                None => by_root.push((r, vec![source])),
            }
        }
        by_root
            .into_iter()
            .map(|(_, mut sources)| {
                sources.sort_unstable();
                sources.dedup();
                // The groups holding two or more of the story's sources, and
                // so what joined those groups' sources.
                let groups: Vec<usize> = sources
                    .iter()
                    .filter_map(|&s| self.group_of.get(s).copied())
                    .collect();
                let shared = |g: usize| groups.iter().filter(|&&x| x == g).count() > 1;
                let within = |m: &Merge| {
                    let (x, y) = m.ends();
                    sources.contains(&x) && sources.contains(&y)
                };
                let in_groups = |m: &Merge| shared(self.group_of[m.ends().0]);
                let mut merges: Vec<Merge> = self.links.iter().copied().filter(in_groups).collect();
                merges.extend(quoted.iter().copied().filter(within));
                Story { sources, merges }
            })
            .collect()
    }

    /// How well `claim` is supported, its cited sources found by `index`
    /// (`None` if it cites no known source).
    pub fn support_with(
        &self,
        claim: &Claim,
        index: impl Fn(&str) -> Option<usize>,
    ) -> Option<Support> {
        let cites: Vec<(usize, Stance, Option<&str>)> = claim
            .cites
            .iter()
            .filter_map(|c| Some((index(&c.source)?, c.stance, c.quote.as_deref())))
            .collect();
        (!cites.is_empty()).then(|| self.support(&cites, claim.about == About::Sources))
    }

    /// The best-scoring other source of `s`, if any scored at all.
    pub fn closest(&self, s: usize) -> Option<(usize, &Pair)> {
        // `pairs` is sorted best first.
        self.pairs
            .iter()
            .find(|p| p.a == s || p.b == s)
            .map(|p| (if p.a == s { p.b } else { p.a }, p))
    }

    /// Whether `derived_from` joins `a` and `b` directly, either way.
    pub fn declared(&self, a: usize, b: usize) -> bool {
        self.links.iter().any(|m| {
            matches!(*m, Merge::Declared { source, from }
                if (source, from) == (a, b) || (source, from) == (b, a))
        })
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

/// The shingles of a quoted passage, for telling whether two quotes are
/// one sentence copied — or `None` when the passage is too short to tell.
/// Numbers are left out (two different sentences about versions 5.6.0 and
/// 5.6.1 share them), and so are runs made only of capitalised words (two
/// reports of one event share its names): what remains is the wording.
fn quote_shingles(quote: &str) -> Option<Vec<u64>> {
    let words: Vec<&str> = quote
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_numeric()))
        .collect();
    if words.len() < MIN_QUOTE_WORDS {
        return None;
    }
    let is_name = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let mut hashes: Vec<u64> = words
        .windows(SHINGLE)
        .filter(|run| !run.iter().all(|w| is_name(w)))
        .map(|run| {
            let lower: Vec<String> = run.iter().map(|w| w.to_lowercase()).collect();
            mix(hash_words(&lower))
        })
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    Some(hashes)
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
    let mut links = Vec::new();
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
            links.push(Merge::Texts { a, b, overlap });
        }
    }
    // What the authors declared: copies, relays and translations are one
    // story whatever their texts look like. (Unknown IDs are reported by
    // the check.)
    for (source, s) in b.sources.iter().enumerate() {
        let declared = s.meta.iter().flat_map(|m| m.derived_from.iter());
        for from in declared.filter_map(|id| b.source_index(id)) {
            if from != source {
                links.push(Merge::Declared { source, from });
            }
        }
    }
    for m in &links {
        let (a, b) = m.ends();
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent[ra.max(rb)] = ra.min(rb);
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
        links,
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

    fn groups(group_of: Vec<usize>, links: Vec<Merge>) -> Corroboration {
        let n = group_of.iter().max().map_or(0, |m| m + 1);
        let mut groups = vec![Vec::new(); n];
        for (s, &g) in group_of.iter().enumerate() {
            groups[g].push(s);
        }
        Corroboration {
            threshold: 0.4,
            group_of,
            groups,
            pairs: Vec::new(),
            links,
        }
    }

    const FOR: Stance = Stance::Supports;

    #[test]
    fn support_counts_groups_and_copied_quotes_as_one_story() {
        let copy = Merge::Texts {
            a: 0,
            b: 2,
            overlap: 0.9,
        };
        let c = groups(vec![0, 1, 0, 2], vec![copy]);
        let one = c.support(&[(1, FOR, None)], false);
        assert_eq!((one.label().as_str(), one.single()), ("1 source", true));
        let copies = c.support(&[(0, FOR, Some("a")), (2, FOR, Some("b"))], false);
        assert_eq!(copies.label(), "2 sources, one story");
        assert_eq!(copies.stories[0].merges, [copy], "and says why");
        let three = c.support(&[(0, FOR, None), (1, FOR, None), (3, FOR, None)], false);
        assert_eq!(
            (three.label().as_str(), three.single()),
            ("3 independent sources", false)
        );
        let same_sentence = "A front company and two individuals linked to the APT31 hacking group have been sanctioned over the attacks";
        let mixed = c.support(
            &[
                (0, FOR, Some(same_sentence)),
                (1, FOR, Some(same_sentence)),
                (3, FOR, Some("New Zealand said otherwise")),
            ],
            false,
        );
        assert_eq!(mixed.label(), "3 sources, 2 independent");
        let merged = mixed.stories.iter().find(|s| s.sources == [0, 1]).unwrap();
        assert!(
            matches!(merged.merges[..], [Merge::Quotes { a: 0, b: 1, .. }]),
            "{merged:?}"
        );
    }

    #[test]
    fn only_supporting_citations_count() {
        let c = groups(vec![0, 1, 2, 3], Vec::new());
        let s = c.support(
            &[
                (0, FOR, None),
                (1, FOR, None),
                (2, Stance::Contradicts, None),
                (3, Stance::Context, None),
            ],
            false,
        );
        assert_eq!(s.label(), "2 independent sources; disputed by 1 source");
        assert!(s.disputed() && !s.single());
        assert_eq!(
            (s.contradicting.clone(), s.context.clone()),
            (vec![2], vec![3])
        );
        let dateline = c.support(&[(0, FOR, None), (3, Stance::Context, None)], false);
        assert_eq!(dateline.label(), "1 source", "a dateline is not support");
        assert_eq!(
            c.support(&[(3, Stance::Context, None)], false).label(),
            "context only"
        );
        let against = c.support(
            &[
                (2, Stance::Contradicts, None),
                (1, Stance::Contradicts, None),
            ],
            false,
        );
        assert_eq!(against.label(), "contradicted by 2 sources");
        let about = c.support(&[(0, FOR, None), (1, FOR, None), (2, FOR, None)], true);
        assert_eq!(
            about.label(),
            "about the sources",
            "a claim about the sources counts nothing"
        );
        assert!(!about.single() && !about.disputed());
    }

    #[test]
    fn different_sentences_sharing_numbers_and_names_are_two_stories() {
        let c = groups(vec![0, 1], Vec::new());
        let a = "The backdoor was present in versions 5.6.0 and 5.6.1 of the XZ Utils libraries, Red Hat said in an advisory published on Friday";
        let b = "A contributor introduced the malicious code in versions 5.6.0 and 5.6.1 of XZ Utils, according to an analysis of the tarballs";
        let s = c.support(&[(0, FOR, Some(a)), (1, FOR, Some(b))], false);
        assert_eq!(s.label(), "2 independent sources");
        // The same sentence, copied with a changed number, is still one.
        let copy = a.replace("5.6.1", "5.6.2");
        let s = c.support(&[(0, FOR, Some(a)), (1, FOR, Some(&copy))], false);
        assert_eq!(s.label(), "2 sources, one story");
    }
}
