//! Synthetic briefings of N notes and N/10 sources, deterministic from a
//! seed, in two shapes (see [`Shape`]). Both must pass `check
//! --deny-warnings`: among other things, every quote is longer than the
//! minimum quote length and occurs once in its source.
//!
//! - **standard** ([`generate`]): sources of 3–8 KB of English-like text,
//!   notes of all four kinds with 3 claims each, 1–3 citations per claim
//!   quoting whole sentences of the sources, and cross-references between
//!   notes. Its output is fixed: figures measured on it stay comparable.
//! - **dense** ([`generate_dense`]): bigger notes (5–12 claims of markdown
//!   with links, summaries), 1–5 citations per claim quoting passages from
//!   a few words to several sentences, disagreements, more cross-links,
//!   source sizes skewed from 2 KB to 300 KB in three layouts, and full
//!   source metadata.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// xorshift64*: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

const WORDS: &[&str] = &[
    "the",
    "ministry",
    "said",
    "on",
    "monday",
    "that",
    "hackers",
    "had",
    "access",
    "to",
    "servers",
    "between",
    "and",
    "officials",
    "report",
    "government",
    "security",
    "data",
    "voters",
    "commission",
    "sanctions",
    "against",
    "two",
    "individuals",
    "company",
    "campaign",
    "email",
    "accounts",
    "of",
    "members",
    "parliament",
    "statement",
    "foreign",
    "secretary",
    "ambassador",
    "summoned",
    "response",
    "critics",
    "called",
    "weak",
    "state",
    "affiliated",
    "group",
    "intelligence",
    "agency",
    "attack",
    "was",
    "identified",
    "in",
    "october",
    "after",
    "more",
    "than",
    "a",
    "year",
    "systems",
    "containing",
    "names",
    "addresses",
    "registered",
    "overseas",
    "national",
    "cyber",
    "centre",
    "likely",
    "stolen",
    "espionage",
    "transnational",
    "repression",
    "dissidents",
    "allies",
    "partnership",
    "announced",
    "measures",
    "denied",
    "accusations",
    "fabricated",
    "malicious",
    "slander",
];

fn sentence(rng: &mut Rng) -> String {
    let n = rng.range(8, 22);
    let mut s = String::new();
    for i in 0..n {
        let w = WORDS[rng.below(WORDS.len())];
        if i == 0 {
            let mut c = w.chars();
            s.push(c.next().unwrap().to_ascii_uppercase());
            s.push_str(c.as_str());
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    // A few numbers make sentences distinct, as real reports are.
    let _ = write!(s, " {}.", rng.range(1, 99_999));
    s
}

/// What was generated.
pub struct Synth {
    pub notes: usize,
    pub sources: usize,
    /// Bytes of source text.
    pub source_bytes: usize,
    /// Claims, the front page's and disagreement sides included.
    pub claims: usize,
    pub citations: usize,
    pub disagreements: usize,
}

impl Synth {
    /// One line: the corpus's size and make-up.
    pub fn describe(&self) -> String {
        format!(
            "{} notes, {} sources ({:.1} MB of text), {} claims, {} citations ({:.1} per claim), {} disagreements",
            self.notes,
            self.sources,
            self.source_bytes as f64 / 1e6,
            self.claims,
            self.citations,
            self.citations as f64 / self.claims.max(1) as f64,
            self.disagreements
        )
    }
}

/// The shapes of synthetic briefing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// [`generate`]: small, uniform notes and sources.
    Standard,
    /// [`generate_dense`]: big notes, many citations, skewed sources.
    Dense,
}

impl Shape {
    pub const ALL: [Shape; 2] = [Shape::Standard, Shape::Dense];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Standard => "standard",
            Shape::Dense => "dense",
        }
    }

    pub fn parse(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.name() == name.trim())
    }

    /// Writes a briefing of this shape into `root` (see [`generate`]).
    pub fn generate(self, root: &Path, notes: usize, seed: u64) -> Synth {
        match self {
            Shape::Standard => generate(root, notes, seed),
            Shape::Dense => generate_dense(root, notes, seed),
        }
    }
}

pub const KINDS: [&str; 4] = ["who", "what", "responses", "questions"];

/// The file of note `i`, relative to the briefing root.
pub fn note_path(i: usize) -> String {
    format!("content/{}/n{i:06}.yaml", KINDS[i % 4])
}

/// The page of note `i`, relative to the build directory.
pub fn note_page(i: usize) -> String {
    format!("{}/n{i:06}.html", KINDS[i % 4])
}

/// Writes the briefing into `root` (which must not exist or be empty).
pub fn generate(root: &Path, notes: usize, seed: u64) -> Synth {
    let sources = (notes / 10).max(1);
    let mut rng = Rng::new(seed);
    let mut made = Synth {
        notes,
        sources,
        source_bytes: 0,
        claims: notes * 3 + sources,
        citations: sources,
        disagreements: 0,
    };
    fs::create_dir_all(root.join("content/sources")).unwrap();
    for k in KINDS {
        fs::create_dir_all(root.join("content").join(k)).unwrap();
    }
    fs::write(
        root.join("book.toml"),
        format!("[book]\ntitle = \"Synthetic briefing of {notes} notes\"\ndescription = \"Generated for benchmarks.\"\n"),
    )
    .unwrap();
    // Sources: paragraphs of sentences; remember sentences to quote.
    let mut quotable: Vec<Vec<String>> = Vec::with_capacity(sources);
    for s in 0..sources {
        let target = rng.range(3_000, 8_000);
        let mut text = format!("Synthetic report number {s}\n\n");
        let mut sentences = Vec::new();
        while text.len() < target {
            let para = rng.range(2, 5);
            for _ in 0..para {
                let sent = sentence(&mut rng);
                text.push_str(&sent);
                text.push(' ');
                sentences.push(sent);
            }
            text.push_str("\n\n");
        }
        made.source_bytes += text.len();
        fs::write(root.join(format!("content/sources/s{s:05}.txt")), &text).unwrap();
        fs::write(
            root.join(format!("content/sources/s{s:05}.yaml")),
            format!(
                "title: Synthetic report number {s}\npublisher: Example Wire\npublished: \"2024-03-{:02}\"\nlanguage: en\ntranslation: none\nsha256: {}\n",
                1 + s % 28,
                briefing::integrity::sha256_hex(text.as_bytes())
            ),
        )
        .unwrap();
        quotable.push(sentences);
    }
    for i in 0..notes {
        let mut y = String::new();
        let _ = writeln!(
            y,
            "title: \"Note {i}: {}\"",
            &sentence(&mut rng)[..30].trim_end()
        );
        match i % 4 {
            0 => {
                let _ = writeln!(
                    y,
                    "type: person\nrole: Official number {i}\naffiliation: Agency {}",
                    i % 37
                );
            }
            1 => {
                let _ = writeln!(
                    y,
                    "date: \"20{:02}-{:02}-{:02}\"",
                    10 + i % 15,
                    1 + i % 12,
                    1 + i % 28
                );
                let _ = writeln!(y, "actors: [n{:06}]", (i / 4) * 4 % notes);
            }
            2 => {
                let _ = writeln!(y, "type: statement\ndate: \"2024-03-{:02}\"", 1 + i % 28);
                let _ = writeln!(y, "responders: [n{:06}]", (i / 4) * 4 % notes);
                let _ = writeln!(
                    y,
                    "responding_to: [n{:06}]",
                    ((i / 4) * 4 + 1) % notes.max(2)
                );
            }
            _ => {
                let _ = writeln!(y, "status: unknown");
            }
        }
        // Every note is referenced by the next one, so none is an orphan.
        let _ = writeln!(
            y,
            "related: [n{:06}, n{:06}]",
            (i + notes - 1) % notes,
            (i + 7) % notes
        );
        y.push_str("claims:\n");
        for _ in 0..3 {
            let _ = writeln!(y, "  - text: \"{}\"", sentence(&mut rng));
            y.push_str("    cite:\n");
            for _ in 0..rng.range(1, 3) {
                made.citations += 1;
                let s = rng.below(sources);
                let sents = &quotable[s];
                let q = &sents[rng.below(sents.len())];
                let _ = writeln!(y, "      - source: s{s:05}\n        quote: \"{q}\"");
            }
        }
        fs::write(root.join(note_path(i)), y).unwrap();
    }
    // Cite every source at least once from the front page — at most
    // FRONT_SOURCES of them, which keeps front.yaml under the 1 MB a note
    // may have; beyond that (50,000 notes), one more open question per
    // FRONT_SOURCES sources cites the rest.
    const FRONT_SOURCES: usize = 4_000;
    for (chunk, sources) in quotable.chunks(FRONT_SOURCES).enumerate() {
        let mut yaml = match chunk {
            0 => String::from("bottom_line:\n"),
            _ => format!("title: \"Sources, part {chunk}\"\nstatus: unknown\nclaims:\n"),
        };
        for (k, sents) in sources.iter().enumerate() {
            let s = chunk * FRONT_SOURCES + k;
            // The front page links the further notes, so none is an orphan.
            let more = if s == 0 && quotable.len() > FRONT_SOURCES {
                let parts = quotable.len().div_ceil(FRONT_SOURCES);
                (1..parts)
                    .map(|p| format!(" See [part {p}](note:sources-{p})."))
                    .collect()
            } else {
                String::new()
            };
            let _ = writeln!(
                yaml,
                "  - text: Source {s} says something.{more}\n    cite:\n      - source: s{s:05}\n        quote: \"{}\"",
                sents[0]
            );
        }
        let path = match chunk {
            0 => root.join("content/front.yaml"),
            _ => root.join(format!("content/questions/sources-{chunk}.yaml")),
        };
        fs::write(path, yaml).unwrap();
    }
    made
}

// ---------------------------------------------------------------- dense

/// Made-up words: with [`WORDS`], a vocabulary of a few thousand words,
/// drawn with a skew (a few often, most rarely), so that texts share stock
/// phrases but few long runs of words, as independent reports do.
struct Vocab(Vec<String>);

impl Vocab {
    fn new() -> Vocab {
        const ONSETS: [&str; 27] = [
            "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
            "br", "cl", "dr", "gr", "pl", "st", "tr", "sh", "ch", "th",
        ];
        const VOWELS: [&str; 9] = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"];
        const CODAS: [&str; 13] = [
            "", "", "", "n", "r", "s", "l", "t", "nd", "st", "rk", "m", "x",
        ];
        // Its own seed: the same words whatever the briefing's seed.
        let mut rng = Rng::new(0x5EED);
        let mut seen = HashSet::new();
        let mut words = Vec::with_capacity(4096);
        while words.len() < 4096 {
            let mut w = String::new();
            let syllables = [1, 1, 2, 2, 2, 3][rng.below(6)];
            for _ in 0..syllables {
                w.push_str(ONSETS[rng.below(ONSETS.len())]);
                w.push_str(VOWELS[rng.below(VOWELS.len())]);
                w.push_str(CODAS[rng.below(CODAS.len())]);
            }
            if w.len() >= 3 && !WORDS.contains(&w.as_str()) && seen.insert(w.clone()) {
                words.push(w);
            }
        }
        Vocab(words)
    }

    /// A word: a common one almost half the time, else one of the made-up
    /// words, log-uniformly by rank (each octave of ranks equally likely,
    /// from the 16th, so that no made-up word is commoner than "the").
    fn word(&self, rng: &mut Rng) -> &str {
        if rng.below(100) < 45 {
            return WORDS[rng.below(WORDS.len())];
        }
        let octave = rng.range(4, 11);
        let lo = (1 << octave) - 1;
        let hi = ((1 << (octave + 1)) - 1).min(self.0.len());
        &self.0[lo + rng.below(hi - lo)]
    }

    /// A proper name: any made-up word, capitalised.
    fn name(&self, rng: &mut Rng) -> String {
        capitalise(&self.0[rng.below(self.0.len())])
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A sentence of news prose: 6–28 words, names (some possessive, with a
/// curly apostrophe), commas, usually a number, now and then an em dash or
/// a remark in curly quotes.
fn prose(rng: &mut Rng, v: &Vocab) -> String {
    let n = rng.range(6, 28);
    let number_at = (rng.below(10) < 7).then(|| rng.below(n));
    let dash_at = (rng.below(10) == 0).then(|| rng.range(2, n - 2));
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            if dash_at == Some(i) {
                s.push_str(" — ");
            } else if rng.below(10) == 0 {
                s.push_str(", ");
            } else {
                s.push(' ');
            }
        }
        if rng.below(12) == 0 {
            s.push_str(&v.name(rng));
            if rng.below(3) == 0 {
                s.push_str("’s");
            }
        } else {
            s.push_str(v.word(rng));
        }
        if number_at == Some(i) {
            let _ = write!(s, " {}", rng.range(2, 99_999));
        }
    }
    if rng.below(8) == 0 {
        s.push_str(", saying “");
        for k in 0..rng.range(4, 12) {
            if k > 0 {
                s.push(' ');
            }
            s.push_str(v.word(rng));
        }
        s.push('”');
    }
    s.push('.');
    capitalise(&s)
}

/// A headline: 4–10 words, no full stop.
fn headline(rng: &mut Rng, v: &Vocab) -> String {
    let mut s = String::new();
    for i in 0..rng.range(4, 10) {
        if i > 0 {
            s.push(' ');
        }
        if rng.below(5) == 0 {
            s.push_str(&v.name(rng));
        } else {
            s.push_str(v.word(rng));
        }
    }
    capitalise(&s)
}

/// A YAML double-quoted string.
fn yq(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A quote as an author might type it: straight quote marks, apostrophes
/// and dashes, which quote matching forgives.
fn straighten(s: &str) -> String {
    s.replace(['’', '‘'], "'")
        .replace(['“', '”'], "\"")
        .replace('—', "-")
}

/// A source of the dense shape, as generated.
struct DenseSource {
    id: String,
    /// Paragraphs of sentences; the first is the headline alone.
    paragraphs: Vec<Vec<String>>,
    /// The paragraphs joined by single spaces: the text as quote matching
    /// sees it (white space runs are one space), to test quotes against.
    flat: String,
}

/// Source `s`'s size in bytes: one or two of about 300 KB, one in 97 of
/// about 100 KB, the rest 2–10 KB, most of them small.
fn dense_size(rng: &mut Rng, s: usize, sources: usize) -> usize {
    if s == 1 % sources || (sources >= 20 && s == sources / 2 + 1) {
        rng.range(280_000, 320_000)
    } else if s % 97 == 13 {
        rng.range(90_000, 110_000)
    } else {
        2_000 + rng.below(8_001) * rng.below(8_001) / 8_000
    }
}

/// The source's file text in one of three layouts: paragraphs between
/// blank lines; the same, wrapped at 72 columns (quotes then span line
/// breaks); one paragraph a line.
fn layout(paragraphs: &[Vec<String>], layout: usize) -> String {
    let joined: Vec<String> = paragraphs.iter().map(|p| p.join(" ")).collect();
    match layout {
        0 => joined.join("\n\n") + "\n",
        1 => {
            let wrapped: Vec<String> = joined
                .iter()
                .map(|p| {
                    let mut out = String::new();
                    let mut col = 0;
                    for w in p.split(' ') {
                        if col > 0 && col + 1 + w.chars().count() > 72 {
                            out.push('\n');
                            col = 0;
                        } else if col > 0 {
                            out.push(' ');
                            col += 1;
                        }
                        out.push_str(w);
                        col += w.chars().count();
                    }
                    out
                })
                .collect();
            wrapped.join("\n\n") + "\n"
        }
        _ => joined.join("\n") + "\n",
    }
}

fn occurrences(haystack: &str, needle: &str) -> usize {
    memchr::memmem::find_iter(haystack.as_bytes(), needle.as_bytes())
        .take(2)
        .count()
}

/// A passage of `src` to quote, found exactly once in it: a few words of a
/// sentence (at least 15 characters), a sentence, or 2–4 sentences.
fn pick_quote(rng: &mut Rng, src: &DenseSource) -> String {
    for _ in 0..1_000 {
        let para = &src.paragraphs[rng.range(1, src.paragraphs.len() - 1)];
        let k = rng.below(para.len());
        let candidate = match rng.below(20) {
            0..=8 => {
                let words: Vec<&str> = para[k].split(' ').collect();
                let len = rng.range(3, 7).min(words.len());
                let start = rng.below(words.len() - len + 1);
                words[start..start + len].join(" ")
            }
            9..=14 => para[k].clone(),
            _ => {
                let m = rng.range(2, 4).min(para.len() - k);
                para[k..k + m].join(" ")
            }
        };
        let candidate = candidate.trim_matches([' ', ',', '—']).to_string();
        if candidate.chars().count() >= 15 && occurrences(&src.flat, &candidate) == 1 {
            return candidate;
        }
    }
    panic!("no unique passage to quote in source {}", src.id)
}

/// What notes and claims need to know of the whole briefing.
struct DenseCtx {
    vocab: Vocab,
    sources: Vec<DenseSource>,
    /// The sources of 100 KB and more, which get a share of citations of
    /// their own: long reports are cited often.
    big: Vec<usize>,
    cited: Vec<bool>,
    titles: Vec<String>,
    claims_of: Vec<usize>,
    made: Synth,
}

impl DenseCtx {
    /// Writes a `cite:` list of `count` citations at `indent`.
    fn cite(&mut self, y: &mut String, rng: &mut Rng, indent: &str, count: usize) {
        let _ = writeln!(y, "{indent}cite:");
        let mut seen: Vec<(usize, String)> = Vec::new();
        for _ in 0..count {
            let s = if !self.big.is_empty() && rng.below(100) < 12 {
                self.big[rng.below(self.big.len())]
            } else {
                rng.below(self.sources.len())
            };
            self.cite_source(y, rng, indent, s, &mut seen);
        }
    }

    fn cite_source(
        &mut self,
        y: &mut String,
        rng: &mut Rng,
        indent: &str,
        s: usize,
        seen: &mut Vec<(usize, String)>,
    ) {
        let src = &self.sources[s];
        let _ = writeln!(y, "{indent}  - source: {}", yq(&src.id));
        self.cited[s] = true;
        self.made.citations += 1;
        // One citation in a hundred quotes nothing.
        if rng.below(100) > 0 {
            let mut quote = pick_quote(rng, src);
            while seen.contains(&(s, quote.clone())) {
                quote = pick_quote(rng, src);
            }
            seen.push((s, quote.clone()));
            if quote != straighten(&quote) && rng.below(3) == 0 {
                quote = straighten(&quote);
            }
            let _ = writeln!(y, "{indent}    quote: {}", yq(&quote));
        }
        if rng.below(20) == 0 {
            let _ = writeln!(
                y,
                "{indent}    comment: {}",
                yq("Machine translation; the *original* may say more.")
            );
        }
    }

    /// Markdown text of `sentences` sentences, with emphasis, code, links
    /// to other notes, now and then to a source's paragraph, another
    /// note's claim or outside the site.
    fn markdown(&self, rng: &mut Rng, sentences: usize) -> String {
        let text: Vec<String> = (0..sentences).map(|_| prose(rng, &self.vocab)).collect();
        let mut words: Vec<String> = text.join(" ").split(' ').map(str::to_string).collect();
        for _ in 0..rng.below(3) {
            let k = rng.below(words.len());
            if words[k].chars().all(|c| c.is_ascii_alphabetic()) {
                words[k] = match rng.below(4) {
                    0 | 1 => format!("*{}*", words[k]),
                    2 => format!("**{}**", words[k]),
                    _ => format!("`{}`", words[k]),
                };
            }
        }
        let notes = self.titles.len();
        for _ in 0..rng.below(3) {
            let j = rng.below(notes);
            let k = rng.range(1, words.len());
            words.insert(k, format!("([{}](note:n{j:06}))", self.titles[j]));
        }
        if rng.below(12) == 0 {
            let s = rng.below(self.sources.len());
            let p = rng.range(1, self.sources[s].paragraphs.len());
            let id = &self.sources[s].id;
            words.push(format!("([in the report](sources/{id}.html#p-{p}))"));
        }
        if rng.below(15) == 0 {
            let j = rng.below(notes);
            let c = rng.range(1, self.claims_of[j]);
            words.push(format!("([claim {c}]({}#c-{c}))", note_page(j)));
        }
        if rng.below(25) == 0 {
            let n = rng.range(1, 9_999);
            words.push(format!(
                "([background](https://example.org/background/{n}))"
            ));
        }
        words.join(" ")
    }

    /// A claim (`- text:` … `cite:`) at `indent`, with 1–5 citations.
    fn claim(&mut self, y: &mut String, rng: &mut Rng, indent: &str, cites: usize) {
        let sentences = [1, 1, 1, 2, 2, 3][rng.below(6)];
        let text = self.markdown(rng, sentences);
        let _ = writeln!(y, "{indent}- text: {}", yq(&text));
        self.cite(y, rng, &format!("{indent}  "), cites);
        self.made.claims += 1;
    }
}

/// 1–5 citations, fewer more often.
fn citation_count(rng: &mut Rng) -> usize {
    match rng.below(20) {
        0..=4 => 1,
        5..=10 => 2,
        11..=14 => 3,
        15..=17 => 4,
        _ => 5,
    }
}

/// A note of kind `kind` (0–3, as in [`KINDS`]), if there is one.
fn pick_kind(rng: &mut Rng, notes: usize, kind: usize) -> Option<usize> {
    let count = (notes + 3 - kind) / 4;
    (count > 0).then(|| rng.below(count) * 4 + kind)
}

/// Up to `n` distinct notes of `kind`, as a YAML flow list.
fn id_list(rng: &mut Rng, notes: usize, kind: usize, n: usize) -> Option<String> {
    let mut ids: Vec<usize> = Vec::new();
    for _ in 0..n {
        if let Some(j) = pick_kind(rng, notes, kind)
            && !ids.contains(&j)
        {
            ids.push(j);
        }
    }
    (!ids.is_empty()).then(|| {
        let ids: Vec<String> = ids.iter().map(|j| format!("n{j:06}")).collect();
        format!("[{}]", ids.join(", "))
    })
}

fn dense_date(rng: &mut Rng) -> String {
    let (y, m, d) = (rng.range(2015, 2024), rng.range(1, 12), rng.range(1, 28));
    match rng.below(20) {
        0..=13 => format!("{y}-{m:02}-{d:02}"),
        14..=16 => format!("{y}-{m:02}"),
        17 => format!("{y}"),
        18 => format!("{}/{y}", y - 1),
        _ => format!("{}-{m:02}/{y}-{:02}", y - 1, rng.range(1, 12)),
    }
}

const PUBLISHERS: [&str; 8] = [
    "Example Wire",
    "The Northern Ledger",
    "Ministry of Foreign Affairs",
    "Agence Exemple",
    "Daily Courier",
    "Parliamentary Record",
    "Cyber Security Centre",
    "Global Broadcast Service",
];

/// Writes the dense shape into `root` (which must not exist or be empty):
/// N notes and N/10 sources, as [`generate`], but
/// - sources skewed in size ([`dense_size`]), in three layouts
///   ([`layout`]), of prose with names, commas, numbers, curly quotes and
///   dashes, with full metadata (publisher, URL, date, translation,
///   original language, caveats, SHA-256);
/// - notes of 5–12 claims of 1–3 sentences (most often one) of markdown
///   (emphasis, code, links to notes, to source paragraphs, to claims, to
///   the web), a summary most of the time, every field of their kind, 3–7
///   related notes, and disagreements of 2–3 sides in a fifth of them and
///   in most open questions;
/// - 1–5 citations per claim, an eighth of them to the big sources, quoting
///   from a few words (15 characters at least, found once in the source)
///   to four sentences, a third of those with curly marks typed straight,
///   a few with comments, one in a hundred with no quote.
pub fn generate_dense(root: &Path, notes: usize, seed: u64) -> Synth {
    let sources = (notes / 10).max(1);
    let mut rng = Rng::new(seed ^ 0xD3E5_E000);
    fs::create_dir_all(root.join("content/sources")).unwrap();
    for k in KINDS {
        fs::create_dir_all(root.join("content").join(k)).unwrap();
    }
    fs::write(
        root.join("book.toml"),
        format!("[book]\ntitle = \"Synthetic briefing of {notes} notes (dense)\"\ndescription = \"Generated for benchmarks: big notes, many citations, skewed sources.\"\n"),
    )
    .unwrap();
    let mut ctx = DenseCtx {
        vocab: Vocab::new(),
        sources: Vec::with_capacity(sources),
        big: Vec::new(),
        cited: vec![false; sources],
        titles: Vec::with_capacity(notes),
        claims_of: Vec::with_capacity(notes),
        made: Synth {
            notes,
            sources,
            source_bytes: 0,
            claims: 0,
            citations: 0,
            disagreements: 0,
        },
    };
    for s in 0..sources {
        let target = dense_size(&mut rng, s, sources);
        if target >= 90_000 {
            ctx.big.push(s);
        }
        let title = headline(&mut rng, &ctx.vocab);
        let mut paragraphs = vec![vec![title.clone()]];
        let mut bytes = title.len();
        // At least one paragraph besides the headline, to quote.
        while bytes < target || paragraphs.len() < 2 {
            let para: Vec<String> = (0..rng.range(1, 6))
                .map(|_| prose(&mut rng, &ctx.vocab))
                .collect();
            bytes += para.iter().map(|p| p.len() + 1).sum::<usize>() + 1;
            paragraphs.push(para);
        }
        let text = layout(&paragraphs, s % 3);
        let id = format!("{s:04}_{:016x}", rng.next_u64());
        fs::write(root.join(format!("content/sources/{id}.txt")), &text).unwrap();
        ctx.made.source_bytes += text.len();
        let mut meta = format!("title: {}\n", yq(&title));
        let publisher = PUBLISHERS[rng.below(PUBLISHERS.len())];
        if rng.below(10) > 0 {
            let _ = writeln!(meta, "publisher: {}", yq(publisher));
        }
        if rng.below(10) > 1 {
            let slug = publisher.to_lowercase().replace(' ', "-");
            let _ = writeln!(meta, "url: https://example.org/{slug}/{s}");
        }
        if rng.below(10) > 0 {
            let _ = writeln!(meta, "published: {}", yq(&dense_date(&mut rng)));
        }
        meta.push_str("language: en\n");
        let translation = match rng.below(20) {
            0..=13 => "none",
            14..=16 => "machine",
            17..=18 => "human",
            _ => "unknown",
        };
        if matches!(translation, "machine" | "human") {
            let lang = ["fr", "de", "zh", "ru"][rng.below(4)];
            let _ = writeln!(meta, "original_language: {lang}");
        }
        let _ = writeln!(meta, "translation: {translation}");
        if translation != "none" || rng.below(10) == 0 {
            meta.push_str("caveats:\n");
            for _ in 0..rng.range(1, 2) {
                let _ = writeln!(
                    meta,
                    "  - {}",
                    yq(&format!(
                        "Names are *garbled* in places; {} is spelt two ways.",
                        ctx.vocab.name(&mut rng)
                    ))
                );
            }
        }
        let _ = writeln!(
            meta,
            "sha256: {}",
            briefing::integrity::sha256_hex(text.as_bytes())
        );
        fs::write(root.join(format!("content/sources/{id}.yaml")), meta).unwrap();
        let flat = paragraphs
            .iter()
            .map(|p| p.join(" "))
            .collect::<Vec<_>>()
            .join(" ");
        ctx.sources.push(DenseSource {
            id,
            paragraphs,
            flat,
        });
    }
    // Titles and claim counts first: links name their targets.
    for i in 0..notes {
        let v = &ctx.vocab;
        let title = match i % 4 {
            0 if rng.below(2) == 0 => format!("{} {}", v.name(&mut rng), v.name(&mut rng)),
            0 => format!(
                "{} {}",
                v.name(&mut rng),
                ["Agency", "Ministry", "Group", "Company", "Times"][rng.below(5)]
            ),
            3 => {
                let h = headline(&mut rng, v);
                format!(
                    "{} {}?",
                    ["Who", "What", "When", "Why", "How"][rng.below(5)],
                    h.to_lowercase()
                )
            }
            _ => headline(&mut rng, v),
        };
        ctx.titles.push(title);
        ctx.claims_of.push(rng.range(5, 12));
    }
    for i in 0..notes {
        let mut y = format!("title: {}\n", yq(&ctx.titles[i]));
        if rng.below(10) < 7 {
            let sentences = rng.range(1, 2);
            let summary = ctx.markdown(&mut rng, sentences);
            let _ = writeln!(y, "summary: {}", yq(&summary));
        }
        let v = &ctx.vocab;
        match i % 4 {
            0 => {
                let types = [
                    "person",
                    "organisation",
                    "government",
                    "group",
                    "company",
                    "media",
                ];
                let _ = writeln!(y, "type: {}", types[rng.below(types.len())]);
                if rng.below(4) > 0 {
                    let role = format!(
                        "{} of the {}",
                        capitalise(v.word(&mut rng)),
                        v.name(&mut rng)
                    );
                    let _ = writeln!(y, "role: {}", yq(&role));
                }
                if rng.below(4) > 0 {
                    let _ = writeln!(
                        y,
                        "affiliation: {}",
                        yq(&format!("{} Government", v.name(&mut rng)))
                    );
                }
                if rng.below(10) < 3 {
                    let aliases: Vec<String> = (0..rng.range(1, 3))
                        .map(|_| yq(&v.name(&mut rng)))
                        .collect();
                    let _ = writeln!(y, "aliases: [{}]", aliases.join(", "));
                }
            }
            1 => {
                let _ = writeln!(y, "date: {}", yq(&dense_date(&mut rng)));
                let actors = rng.range(1, 4);
                if let Some(ids) = id_list(&mut rng, notes, 0, actors) {
                    let _ = writeln!(y, "actors: {ids}");
                }
            }
            2 => {
                let types = [
                    "statement",
                    "sanction",
                    "indictment",
                    "summons",
                    "denial",
                    "criticism",
                    "support",
                    "measure",
                    "other",
                ];
                let _ = writeln!(y, "type: {}", types[rng.below(types.len())]);
                if rng.below(10) < 8 {
                    let _ = writeln!(y, "date: {}", yq(&dense_date(&mut rng)));
                }
                let count = rng.range(1, 3);
                let responders = id_list(&mut rng, notes, 0, count);
                let _ = writeln!(y, "responders: {}", responders.unwrap_or_default());
                let count = rng.range(1, 2);
                if rng.below(10) < 7
                    && let Some(ids) = id_list(&mut rng, notes, 1, count)
                {
                    let _ = writeln!(y, "responding_to: {ids}");
                }
            }
            _ => {
                let status = ["unknown", "disputed", "inconsistent"][rng.below(3)];
                let _ = writeln!(y, "status: {status}");
            }
        }
        // The previous note always, so none is an orphan; a few others.
        let mut related = vec![(i + notes - 1) % notes];
        for _ in 0..rng.range(2, 6) {
            let j = rng.below(notes);
            if j != i && !related.contains(&j) {
                related.push(j);
            }
        }
        related.retain(|&j| j != i);
        if !related.is_empty() {
            let ids: Vec<String> = related.iter().map(|j| format!("n{j:06}")).collect();
            let _ = writeln!(y, "related: [{}]", ids.join(", "));
        }
        y.push_str("claims:\n");
        for _ in 0..ctx.claims_of[i] {
            let cites = citation_count(&mut rng);
            ctx.claim(&mut y, &mut rng, "  ", cites);
        }
        let disputes = if i % 4 == 3 { 6 } else { 2 };
        if rng.below(10) < disputes {
            y.push_str("disagreements:\n");
            for _ in 0..rng.range(1, 2) {
                ctx.made.disagreements += 1;
                let point = format!(
                    "{} {}?",
                    ["How many", "When did", "Who said", "Where was"][rng.below(4)],
                    headline(&mut rng, &ctx.vocab).to_lowercase()
                );
                let _ = writeln!(y, "  - point: {}\n    sides:", yq(&point));
                for _ in 0..rng.range(2, 3) {
                    let cites = rng.range(1, 2);
                    ctx.claim(&mut y, &mut rng, "      ", cites);
                }
            }
        }
        fs::write(root.join(note_path(i)), y).unwrap();
    }
    // The front page: a bottom line and key facts, and a key fact for each
    // source no note cites (only in small briefings).
    let mut front = String::from("bottom_line:\n");
    for _ in 0..4 {
        let cites = rng.range(2, 4);
        ctx.claim(&mut front, &mut rng, "  ", cites);
    }
    front.push_str("key_facts:\n");
    for _ in 0..8 {
        let cites = citation_count(&mut rng);
        ctx.claim(&mut front, &mut rng, "  ", cites);
    }
    for s in 0..sources {
        if !ctx.cited[s] {
            let _ = writeln!(front, "  - text: {}", yq(&prose(&mut rng, &ctx.vocab)));
            front.push_str("    cite:\n");
            ctx.cite_source(&mut front, &mut rng, "    ", s, &mut Vec::new());
            ctx.made.claims += 1;
        }
    }
    fs::write(root.join("content/front.yaml"), front).unwrap();
    ctx.made
}
