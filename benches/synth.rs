//! A synthetic briefing of N notes and N/10 sources, deterministic from a
//! seed: sources of 3–8 KB of English-like text, notes of all four kinds
//! with 3 claims each, 1–3 citations per claim quoting real passages of the
//! sources, and cross-references between notes. It must pass `check`
//! without warnings: every quote is a whole sentence of 8–22 words and a
//! number, so it is longer than the minimum quote length and (checked at
//! 1,000, 10,000 and 50,000 notes) occurs once in its source.
#![allow(dead_code)]

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

pub struct Synth {
    pub notes: usize,
    pub sources: usize,
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
                let s = rng.below(sources);
                let sents = &quotable[s];
                let q = &sents[rng.below(sents.len())];
                let _ = writeln!(y, "      - source: s{s:05}\n        quote: \"{q}\"");
            }
        }
        fs::write(root.join(note_path(i)), y).unwrap();
    }
    // Cite every source at least once from the front page.
    let mut front = String::from("bottom_line:\n");
    for (s, sents) in quotable.iter().enumerate() {
        let _ = writeln!(
            front,
            "  - text: Source {s} says something.\n    cite:\n      - source: s{s:05}\n        quote: \"{}\"",
            sents[0]
        );
    }
    fs::write(root.join("content/front.yaml"), front).unwrap();
    Synth { notes, sources }
}
