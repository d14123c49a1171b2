//! The citation and reference checks: a pure function of a loaded briefing.
//!
//! Each rule is a small function that appends diagnostics. Besides the
//! diagnostics, checking yields where every quote was found, because the
//! renderer highlights exactly those passages.

pub mod fuzzy;
pub mod hashes;
mod links;
pub mod quote;

use std::ops::Range;

use crate::config::Level;
use crate::diag::{Diagnostic, span_in, span_of};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::corroborate::Corroboration;
use crate::db::{self, Db};
use crate::engine::Cx;
use crate::files::{File, FileId, floor_char_boundary};
use crate::model::{Briefing, CiteKey, ClaimList, Owner, SourceMeta, Translation};
use crate::yaml::Seg;
use quote::{Normalized, Occurrences, normalize};

/// A quote located in a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteMatch {
    /// Index into [`Briefing::sources`].
    pub source: usize,
    /// Byte range in the source's text.
    pub range: Range<usize>,
}

/// What checking one list of claims found.
#[derive(Debug, Default, PartialEq)]
pub struct ListResult {
    diags: Vec<Diagnostic>,
    /// (claim, citation) → where its quote is.
    found: Vec<((usize, usize), QuoteMatch)>,
}

/// A source's normalised text, as checking searches it: one per content
/// version of the text (compared by version, not by its bytes).
#[derive(Debug, Clone)]
pub struct SourceText {
    pub version: u64,
    pub normalized: Arc<Normalized>,
}

impl PartialEq for SourceText {
    fn eq(&self, other: &SourceText) -> bool {
        self.version == other.version
    }
}

/// The normalised text of the source file `file` (see [`quote`]).
pub fn normalized(file: &crate::files::File) -> SourceText {
    SourceText {
        version: file.version,
        normalized: Arc::new(normalize(&file.text)),
    }
}

/// How many occurrences of a quote are remembered and named in a
/// diagnostic; the rest are counted.
pub(crate) const LISTED: usize = 5;

/// The outcome of checking: problems, and where each quote was found.
#[derive(Debug, Default, PartialEq)]
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    pub quotes: FxHashMap<CiteKey, QuoteMatch>,
    /// Which sources tell the same story.
    pub corroboration: crate::corroborate::Corroboration,
}

/// Checks the briefing. `statics` are the theme's static files, which links
/// in markdown may point at.
pub fn check(cx: &Cx<'_, Db>, b: &Briefing, statics: &[String]) -> Checked {
    let mut out = Checked::default();
    citations(cx, b, &mut out);
    hashes::check(cx, b, &out.quotes, &mut out.diagnostics);
    references(b, &mut out.diagnostics);
    links::markdown_links(b, &out.quotes, statics, &mut out.diagnostics);
    uncited_sources(b, &mut out.diagnostics);
    orphan_notes(b, &mut out.diagnostics);
    out.corroboration = crate::corroborate::corroborate(cx, b);
    relations(b, &out.corroboration, &mut out.diagnostics);
    out
}

/// The declared relations between sources (`derived_from:`): each names a
/// source; a pair whose texts look like one story and that nothing declares
/// gets the line to add; a declaration the texts strongly contradict is
/// questioned.
fn relations(b: &Briefing, c: &Corroboration, diags: &mut Vec<Diagnostic>) {
    let meta_of = |i: usize| b.sources[i].meta.as_deref();
    for (i, s) in b.sources.iter().enumerate() {
        let Some(meta) = &s.meta else { continue };
        let file = b.files.get(meta.file);
        for (k, id) in meta.derived_from.iter().enumerate() {
            let path = [Seg::Key("derived_from"), Seg::Index(k)];
            let at = span_in(file, &path);
            match b.source_index(id) {
                None => {
                    let d = Diagnostic::error("unknown-source", format!("no source has the ID `{id}`"))
                        .at(meta.file, at)
                        .label("named here");
                    diags.push(match suggest(id, b.sources.iter().map(|s| s.id.as_str())) {
                        Some(best) => d.help(format!("did you mean `{best}`?")),
                        None => d.help("a source's ID is its file name in content/sources/ without the extension"),
                    });
                }
                Some(from) if from == i => diags.push(
                    Diagnostic::error("invalid-relation", "a source cannot be derived from itself")
                        .at(meta.file, at)
                        .label("its own ID")
                        .help("name the source this one copies, relays or translates, or remove the line"),
                ),
                Some(from) => {
                    let overlap = c
                        .pairs
                        .iter()
                        .find(|p| (p.a, p.b) == (i.min(from), i.max(from)))
                        .map_or(0.0, |p| p.overlap);
                    let same_text = |m: Option<&SourceMeta>| {
                        m.is_some_and(|m| m.translation == Translation::None)
                    };
                    let same_language = meta_of(from).is_some_and(|f| f.language == meta.language);
                    if overlap < crate::corroborate::REPORTED && same_language
                        && same_text(Some(meta)) && same_text(meta_of(from))
                    {
                        diags.push(
                            Diagnostic::warning(
                                "unlikely-relation",
                                format!(
                                    "`{}` is declared derived from `{id}`, but their texts share almost no wording (overlap under {:.2})",
                                    s.id,
                                    crate::corroborate::REPORTED
                                ),
                            )
                            .at(meta.file, at)
                            .label("declared here")
                            .note("both are untranslated texts in the same language, so a copy or relay would share much of its wording")
                            .help("check that this is the right ID; the two are counted as one story as long as the line is there"),
                        );
                    }
                }
            }
        }
    }
    for p in c.pairs.iter().filter(|p| p.overlap >= c.threshold) {
        if c.declared(p.a, p.b) {
            continue;
        }
        // The likelier copy: a translation rather than an original, else
        // the later published, else the later by ID.
        let translated = |i: usize| meta_of(i).is_some_and(|m| m.translation != Translation::None);
        let published = |i: usize| {
            meta_of(i)
                .and_then(|m| m.published.as_ref())
                .map(|d| d.start.first_day())
        };
        let b_is_copy = match (translated(p.a), translated(p.b)) {
            (true, false) => false,
            (false, true) => true,
            _ => match (published(p.a), published(p.b)) {
                (Some(x), Some(y)) if x != y => y > x,
                _ => true,
            },
        };
        let (copy, of) = if b_is_copy { (p.b, p.a) } else { (p.a, p.b) };
        let (file, at) = match meta_of(copy) {
            Some(m) => (m.file, 0..0),
            None => (b.sources[copy].file, 0..0),
        };
        diags.push(
            Diagnostic::warning(
                "undeclared-relation",
                format!(
                    "sources `{}` and `{}` share {:.0}% of their wording: they look like one story",
                    b.sources[copy].id,
                    b.sources[of].id,
                    p.overlap * 100.0
                ),
            )
            .at(file, at)
            .label("in this source's metadata")
            .note("they are counted as one story either way; saying so tells readers why, and keeps them one story if a text changes")
            .help(format!(
                "if `{copy_id}` copies, relays, translates or excerpts `{of_id}`, add `derived_from: [{of_id}]` to content/sources/{copy_id}.yaml (or the other way round, if `{of_id}` is the copy)",
                copy_id = b.sources[copy].id,
                of_id = b.sources[of].id,
            )),
        );
    }
}

/// Every claim has a citation, every citation an existing source, every
/// quote a place in that source. Each list of claims is checked by a query
/// of its own ([`db::ListCheck`]), which reads the list's note, the
/// [`Basis`] and where each quote is ([`db::QuoteIn`]): a rebuild checks
/// again only the lists of the notes that changed.
fn citations(cx: &Cx<'_, Db>, b: &Briefing, out: &mut Checked) {
    let keys: Vec<(Owner, &'static str)> =
        b.claim_lists().iter().map(|l| (l.owner, l.field)).collect();
    let results = cx.par_map(&keys, |cx, key| cx.get::<db::ListCheck>(key));
    for (&(owner, field), result) in keys.iter().zip(results) {
        out.diagnostics.extend(result.diags.iter().cloned());
        for &((claim, cite), ref m) in &result.found {
            let key = CiteKey {
                owner,
                field,
                claim,
                cite,
            };
            out.quotes.insert(key, m.clone());
        }
    }
}

/// What checking a list of claims reads besides the list and the files it
/// names: each source's ID and file (in ID order) and the settings. A query
/// of its own ([`db::CheckBasis`]): it changes only when a source is added,
/// removed or renamed, or a setting changes.
#[derive(Debug, PartialEq)]
pub struct Basis {
    sources: Vec<(String, FileId)>,
    uncited: Level,
    min_quote_length: usize,
}

impl Basis {
    pub fn of(b: &Briefing) -> Basis {
        Basis {
            sources: b.sources.iter().map(|s| (s.id.clone(), s.file)).collect(),
            uncited: b.config.check.uncited_claims,
            min_quote_length: b.config.check.min_quote_length.get(),
        }
    }
}

/// A list's check in progress: the basis, and the files through the engine.
struct Lists<'a, 'e> {
    basis: &'a Basis,
    cx: &'a Cx<'e, Db>,
}

impl Lists<'_, '_> {
    fn source_index(&self, id: &str) -> Option<usize> {
        self.basis
            .sources
            .binary_search_by(|s| s.0.as_str().cmp(id))
            .ok()
    }

    fn source_id(&self, si: usize) -> &str {
        &self.basis.sources[si].0
    }

    fn source_file(&self, si: usize) -> FileId {
        self.basis.sources[si].1
    }

    fn file(&self, id: FileId) -> Arc<File> {
        self.cx
            .input::<db::Text>(&id)
            .expect("every file of a scan is an input")
            .0
            .clone()
    }

    fn span(&self, file: FileId, path: &[Seg]) -> Range<usize> {
        span_in(&self.file(file), path)
    }
}

/// Checks one list of claims (see [`citations`]).
pub fn check_one_list(cx: &Cx<'_, Db>, basis: &Basis, list: &ClaimList) -> ListResult {
    check_list(cx, &Lists { basis, cx }, list)
}

/// A source being cited: its index and normalised text.
struct Cited<'a> {
    si: usize,
    text: &'a SourceText,
}

fn check_list(cx: &Cx<'_, Db>, b: &Lists, list: &ClaimList) -> ListResult {
    let mut out = ListResult::default();
    for (ci, claim) in list.claims.iter().enumerate() {
        if claim.cites.is_empty() {
            let mut path = list.claim_path(ci);
            path.push(Seg::Key("text"));
            out.diags.push(uncited_claim(b, list.file, &path));
        }
        for (key, cite) in claim.keyed_cites(list.owner, list.field, ci) {
            let k = key.cite;
            let Some(si) = b.source_index(&cite.source) else {
                out.diags.push(unknown_source(
                    b,
                    list.file,
                    &list.cite_path(&key, "source"),
                    &cite.source,
                ));
                continue;
            };
            let Some(quote) = &cite.quote else {
                if cite.occurrence.is_some() {
                    let at = &list.cite_path(&key, "occurrence");
                    out.diags.push(
                        Diagnostic::error(
                            "invalid-occurrence",
                            "`occurrence` chooses where a quote is in its source, but this citation has no `quote`",
                        )
                        .at(list.file, b.span(list.file, at))
                        .help("add the `quote:` it is meant for, or remove `occurrence:`"),
                    );
                }
                continue;
            };
            let file = b.source_file(si);
            let text = cx.get::<db::NormalizedText>(&file);
            let source = Cited { si, text: &text };
            let found = cx.get::<db::QuoteIn>(&(file, quote.clone()));
            let found: &Occurrences = &found;
            let at = |leaf| b.span(list.file, &list.cite_path(&key, leaf));
            if found.count == 0 {
                out.diags.push(quote_not_found(
                    b,
                    list.file,
                    &list.cite_path(&key, "quote"),
                    si,
                    quote,
                    &text.normalized,
                ));
                continue;
            }
            let min = b.basis.min_quote_length;
            let short = found.chars < min;
            if short {
                let d = short_quote(b, si, found, min);
                out.diags
                    .push(d.at(list.file, at("quote")).label("quoted here"));
            }
            let range = match cite.occurrence {
                Some(written) => {
                    let valid = usize::try_from(written)
                        .ok()
                        .filter(|n| (1..=found.count).contains(n));
                    let Some(n) = valid else {
                        let d = invalid_occurrence(b, &source, found, written);
                        out.diags
                            .push(d.at(list.file, at("occurrence")).label("chosen here"));
                        continue;
                    };
                    match found.first.get(n - 1) {
                        Some(range) => range.clone(),
                        // Beyond the few remembered: search again (rare).
                        None => text
                            .normalized
                            .nth(quote, n)
                            .expect("n is at most the number of occurrences counted"),
                    }
                }
                None => {
                    // A short quote's warning already says how often it occurs.
                    if found.count > 1 && !short {
                        let d = ambiguous_quote(b, &source, found);
                        out.diags
                            .push(d.at(list.file, at("quote")).label("quoted here"));
                    }
                    found.first[0].clone()
                }
            };
            out.found.push(((ci, k), QuoteMatch { source: si, range }));
        }
    }
    out
}

/// A quote of a few characters is found almost anywhere, so it shows
/// neither that the source supports the claim nor which passage does.
fn short_quote(b: &Lists, si: usize, found: &Occurrences, min: usize) -> Diagnostic {
    let d = Diagnostic::warning(
        "short-quote",
        format!(
            "this quote is only {} long: too short to show what the source says",
            plural(found.chars, "character")
        ),
    )
    .note(format!(
        "`[check] min-quote-length` is {min} characters (white space runs count as one)"
    ));
    let d = if found.count > 1 {
        d.note(format!(
            "it occurs {} times in source `{}`",
            found.count,
            b.source_id(si)
        ))
    } else {
        d
    };
    d.help(format!(
        "quote the source's words that state what the claim says, at least {min} characters (or lower `[check] min-quote-length` in book.toml)"
    ))
}

/// A quote found in several places links the first, which may not be the
/// passage the author read.
fn ambiguous_quote(b: &Lists, source: &Cited, found: &Occurrences) -> Diagnostic {
    Diagnostic::warning(
        "ambiguous-quote",
        format!(
            "this quote occurs {} times in source `{}`",
            found.count,
            b.source_id(source.si)
        ),
    )
    .note(places(b, source, found))
    .help(format!(
        "lengthen the quote with the source's words around the passage you mean until it occurs once, or choose it with `occurrence:` (1 to {}) on this citation; until then citations link to #1",
        found.count
    ))
}

fn invalid_occurrence(b: &Lists, source: &Cited, found: &Occurrences, n: i64) -> Diagnostic {
    let id = b.source_id(source.si);
    let d = if n < 1 {
        Diagnostic::error(
            "invalid-occurrence",
            format!("occurrences are counted from 1, not {n}"),
        )
    } else {
        Diagnostic::error(
            "invalid-occurrence",
            format!(
                "there is no occurrence {n}: this quote occurs {} in source `{id}`",
                match found.count {
                    1 => "once".to_owned(),
                    c => format!("{c} times"),
                }
            ),
        )
    };
    if found.count == 1 {
        d.help("remove `occurrence:`: the quote is in one place only")
    } else {
        d.note(places(b, source, found))
            .help(format!("choose a number from 1 to {}", found.count))
    }
}

/// `#1 at ¶2 (line 3, column 15), #2 at ¶5 (…), … and 7 more`: the first
/// occurrences as the source's page numbers its paragraphs and as an
/// editor finds them in the text file.
fn places(b: &Lists, source: &Cited, found: &Occurrences) -> String {
    let file = b.file(b.source_file(source.si));
    debug_assert_eq!(file.version, source.text.version);
    let paragraphs = crate::render::passages::paragraphs(&file.text);
    let mut listed: Vec<String> = found
        .first
        .iter()
        .enumerate()
        .map(|(i, range)| {
            let (line, col) = file.line_col(range.start);
            let para = paragraphs.partition_point(|p| p.end <= range.start) + 1;
            format!("#{} at ¶{para} (line {line}, column {col})", i + 1)
        })
        .collect();
    let more = found.count - found.first.len();
    if more > 0 {
        listed.push(format!("… and {more} more"));
    }
    format!("occurrences in {}: {}", file.name, listed.join(", "))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn uncited_claim(b: &Lists, file: FileId, path: &[Seg]) -> Diagnostic {
    let d = match b.basis.uncited {
        Level::Error => Diagnostic::error("uncited-claim", "this claim cites no source"),
        Level::Warn => Diagnostic::warning("uncited-claim", "this claim cites no source"),
    };
    d.at(file, b.span(file, path))
        .help("add `cite:` with a `source:` and a verbatim `quote:` (or set `[check] uncited-claims = \"warn\"` in book.toml)")
}

fn unknown_source(b: &Lists, file: FileId, path: &[Seg], id: &str) -> Diagnostic {
    let d = Diagnostic::error("unknown-source", format!("no source has the ID `{id}`"))
        .at(file, b.span(file, path))
        .label("cited here");
    match suggest(id, b.basis.sources.iter().map(|s| s.0.as_str())) {
        Some(best) => d.help(format!("did you mean `{best}`?")),
        None => d.help("a source's ID is its file name in content/sources/ without the extension"),
    }
}

fn quote_not_found(
    b: &Lists,
    file: FileId,
    path: &[Seg],
    si: usize,
    quote: &str,
    normalized: &Normalized,
) -> Diagnostic {
    let source = b.source_file(si);
    let d = Diagnostic::error(
        "quote-not-found",
        format!("this quote is not in source `{}`", b.source_id(si)),
    )
    .at(file, b.span(file, path))
    .label("quoted here");
    let text = b.file(source);
    let closest = normalized
        .closest(quote)
        .filter(|(_, similarity)| *similarity >= 0.3);
    let passage_text = closest.as_ref().map(|(range, _)| &text.text[range.clone()]);
    // A mistake no verbatim quote may make (an ellipsis, brackets,
    // capitals) names the fix; otherwise the general advice.
    let mistakes = quote::quoting_mistakes(quote, passage_text);
    let help = match mistakes.split_first() {
        Some((first, _)) => first.clone(),
        None => "copy the passage exactly; only white space, quote marks, dash styles and invisible characters may differ".to_owned(),
    };
    let mut d = d;
    for mistake in mistakes.iter().skip(1) {
        d = d.note(mistake.clone());
    }
    match closest {
        Some((range, similarity)) => {
            let original = &text.text[range.clone()];
            let passage = excerpt(original, 300);
            let (changes, more) = quote::word_differences(quote, original, 4);
            // A passage that reads almost the same: say exactly which
            // character differs, which may be one no one can see.
            let d = match quote::first_difference(quote, original) {
                Some(diff) if similarity >= 0.9 => d.note(diff),
                _ => d,
            };
            let d = if changes.is_empty() {
                d
            } else {
                let more = if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                };
                d.note(format!(
                    "where they differ, [quote → source]: {}{more}",
                    changes.join("; ")
                ))
            };
            d.with_secondary(
                source,
                range,
                format!("closest passage ({:.0}% alike)", similarity * 100.0),
            )
            .note(format!("the source says: “{passage}”"))
            .help(help)
        }
        None if !mistakes.is_empty() => d.help(help),
        None => d.help(
            "no similar passage found: check that you cite the right source; `briefing quote --all-sources \"a few words you remember\"` searches every source",
        ),
    }
}

fn excerpt(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.len() <= max {
        s
    } else {
        format!("{}…", &s[..floor_char_boundary(&s, max)])
    }
}

/// Every reference names an existing note.
fn references(b: &Briefing, diags: &mut Vec<Diagnostic>) {
    let ids: FxHashSet<&str> = b.notes.iter().map(|n| n.id.as_str()).collect();
    let mut sites: Vec<(crate::files::FileId, &crate::model::Ref)> = Vec::new();
    if let Some(front) = &b.front {
        sites.extend(front.refs.iter().map(|r| (front.file, r)));
    }
    for note in &b.notes {
        sites.extend(note.refs.iter().map(|r| (note.file, r)));
    }
    for (file, r) in sites {
        // A note whose file has errors is still there: its own errors say
        // what to fix, and a reference to it is not another mistake.
        if ids.contains(r.target.as_str()) || b.unusable_notes.contains(&r.target) {
            continue;
        }
        let d = Diagnostic::error("unknown-note", format!("no note has the ID `{}`", r.target))
            .at(file, span_of(&b.files, file, &r.path))
            .label("referenced here");
        let best = suggest(&r.target, ids.iter().copied()).or_else(|| by_name(b, &r.target));
        diags.push(match best {
            Some(best) => d.help(format!("did you mean `{best}`?")),
            None => d.help("a note's ID is its file name in content/who, what, responses or questions, without `.yaml`"),
        });
    }
}

/// The ID of the note whose title or alias is most like `wanted` (a
/// reference written as a name: `uk-government` for "UK Government", `dowden`
/// for "Oliver Dowden"), compared as lower-case words joined by `-`.
fn by_name<'b>(b: &'b Briefing, wanted: &str) -> Option<&'b str> {
    let slug = |s: &str| {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join("-")
    };
    let names: Vec<(String, &str)> = b
        .notes
        .iter()
        .flat_map(|n| {
            let aliases: &[String] = match &n.body {
                crate::model::Body::Who { aliases, .. } => aliases,
                _ => &[],
            };
            std::iter::once(n.title.as_str())
                .chain(aliases.iter().map(String::as_str))
                .map(move |name| (slug(name), n.id.as_str()))
        })
        .collect();
    let wanted = slug(wanted);
    let best = suggest(&wanted, names.iter().map(|(name, _)| name.as_str()))?;
    names
        .iter()
        .find(|(name, _)| name == best)
        .map(|(_, id)| *id)
}

/// A source nobody cites is probably a forgotten one.
fn uncited_sources(b: &Briefing, diags: &mut Vec<Diagnostic>) {
    let cited: FxHashSet<&str> = b
        .claim_lists()
        .iter()
        .flat_map(|l| l.claims.iter())
        .flat_map(|c| c.cites.iter().map(|k| k.source.as_str()))
        .collect();
    for s in &b.sources {
        if !cited.contains(s.id.as_str()) {
            diags.push(
                Diagnostic::warning(
                    "uncited-source",
                    format!("no claim cites source `{}`", s.id),
                )
                .at(s.file, 0..0)
                .help("cite it from a note, or remove it from content/sources/"),
            );
        }
    }
}

/// A note that nothing references can only be reached from its part's index.
fn orphan_notes(b: &Briefing, diags: &mut Vec<Diagnostic>) {
    // A note with errors is left out of the briefing, and so are the links
    // it makes: until it is fixed, other notes could look alone wrongly.
    if !b.unusable_notes.is_empty() {
        return;
    }
    // A note's page links to every note it names, and the page of each of
    // those links back to it: a note is alone only if it names none and
    // none names it (its part's index lists every note, so it is never
    // unreachable; it is unconnected).
    let mut linked: FxHashSet<&str> = FxHashSet::default();
    if let Some(front) = &b.front {
        linked.extend(front.refs.iter().map(|r| r.target.as_str()));
    }
    for note in &b.notes {
        let mut others = note.refs.iter().filter(|r| r.target != note.id).peekable();
        if others.peek().is_some() {
            linked.insert(note.id.as_str());
        }
        linked.extend(others.map(|r| r.target.as_str()));
    }
    for note in &b.notes {
        if !linked.contains(note.id.as_str()) {
            diags.push(
                Diagnostic::warning(
                    "orphan-note",
                    format!("`{}` is connected to no other note: it names none, and none names it", note.id),
                )
                .at(note.file, span_of(&b.files, note.file, &[Seg::Key("title")]))
                .help("name a related note (`related:`, `actors:`, … or a `note:` link in markdown), or reference this one from another"),
            );
        }
    }
}

/// The known ID most like `wanted`, if one is close enough to be a typo.
pub(crate) fn suggest<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for id in known {
        let score = if id.starts_with(wanted) && wanted.len() >= 3 {
            0.95
        } else {
            strsim::jaro_winkler(wanted, id)
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, id));
        }
    }
    best.filter(|(s, _)| *s >= 0.8).map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_and_prefixes() {
        let ids = ["003_4529629cf3d177b6", "001_ebf839a506443e8e"];
        assert_eq!(
            suggest("003_4529629cf3d177b7", ids.into_iter()),
            Some(ids[0])
        );
        assert_eq!(suggest("001", ids.into_iter()), Some(ids[1]));
        assert_eq!(suggest("zzz", ids.into_iter()), None);
    }
}
