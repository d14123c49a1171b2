//! The commands, as one pipeline: load → check → render → write.
//!
//! `check` stops after checking; `build` goes on. Both report problems the
//! same way, through [`report`], so a problem reads the same wherever it is
//! found.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cache::Cache;
use crate::config::SiteUrl;
use crate::db;
use crate::diag::{self, Diagnostic, Format, Tally};
use crate::files::{self, Files};
use crate::load;
use crate::output::{self, WriteStats};
use crate::render::Page;

/// How a command ended, when it ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing wrong (warnings may have been printed).
    Ok,
    /// The content has errors; they have been printed.
    ContentErrors,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub format: Format,
    pub deny_warnings: bool,
    /// `--site-url`, which overrides `[output.html] site-url`.
    pub site_url: Option<String>,
}

/// How much of the site a compile renders.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Render {
    /// Nothing: `briefing check`.
    Nothing,
    /// The pages; the whole-briefing files follow (see [`finish_whole`]).
    Pages,
    /// Everything.
    All,
}

/// What a successful compile yields.
struct Compiled {
    /// Empty when rendering was not asked for.
    pages: Vec<Page>,
    /// The whole-briefing files, when rendered.
    whole: Option<Vec<Page>>,
    /// The path the site is published under, which links resolve against.
    base: String,
    warnings: usize,
    /// `[build] build-dir` from book.toml.
    build_dir: PathBuf,
    /// The digest of the build's inputs (see [`db::inputs_digest`]).
    inputs: Option<String>,
    /// Set when the live site was built from these very inputs and is
    /// whole: nothing was rendered. How many files it has.
    current: Option<usize>,
    /// A one-shot build's site, staged as it was rendered (then `pages`
    /// and `whole` are empty): ready to publish.
    publisher: Option<output::Publisher>,
}

/// Loads, checks and (if `do_render`) renders; prints every problem found.
/// `Ok(Err(text))` means the content has errors: they have been printed, and
/// `text` is their plain rendering.
/// The checks of a briefing: its files as read, as loaded, and every
/// problem `briefing check` reports (before `--deny-warnings`).
pub struct Checked {
    pub files: crate::files::Files,
    pub loaded: std::sync::Arc<load::Loaded>,
    pub diags: Vec<Diagnostic>,
}

/// Scans what changed since the last run of `cache`'s engine, then loads and
/// checks: the first half of every build, and all of `check` and of the
/// language server's diagnostics.
pub fn checked(
    root: &Path,
    settings: crate::db::Settings,
    cache: &mut Cache,
    t: &mut Timings,
) -> Result<Checked> {
    let changed = std::mem::replace(&mut cache.changed, load::Changed::Everything);
    let files = db::scan(&mut cache.engine, root, settings, &changed)?;
    t.lap("scan");
    let cx = cache.engine.cx();
    let loaded = cx.get::<db::LoadedBriefing>(&());
    t.lap("load");
    let mut diags = loaded.diags.clone();
    let checked = cx.get::<db::CheckedBriefing>(&());
    t.lap("check");
    diags.extend(checked.diagnostics.iter().cloned());
    // A theme that cannot be used is a template error: nothing renders.
    let theme = cx.input::<db::ThemeState>(&()).expect("set by the scan");
    if let Err(template_diags) = &theme.0 {
        diags.extend(template_diags.iter().cloned());
    }
    Ok(Checked {
        files,
        loaded,
        diags,
    })
}

fn compile(
    root: &Path,
    opts: &Options,
    verb: &str,
    render: Render,
    cache: &mut Cache,
    dest: Option<&Path>,
) -> Result<Result<Compiled, String>> {
    let settings = crate::db::Settings {
        site_url: match &opts.site_url {
            Some(url) => Some(SiteUrl::parse(url).map_err(|e| anyhow::anyhow!("--site-url: {e}"))?),
            None => None,
        },
    };
    let mut t = Timings::start();
    let Checked {
        files,
        loaded,
        mut diags,
    } = checked(root, settings, cache, &mut t)?;
    let briefing = &loaded.briefing;
    if opts.deny_warnings || briefing.config.check.deny_warnings {
        diag::deny_warnings(&mut diags);
    }
    let tally = Tally::of(&diags);
    let base = briefing
        .site_url
        .as_ref()
        .map_or("/", |u| u.path.as_str())
        .to_owned();
    let mut pages = Vec::new();
    let mut whole = None;
    // A one-shot build whose inputs are those the live site was built
    // from would publish the same bytes: it stops after the checks, whose
    // diagnostics are the same too (links were checked when it published).
    let mut inputs = None;
    let mut current = None;
    let mut publisher = None;
    if tally.errors == 0 && render != Render::Nothing {
        inputs = db::inputs_digest(&cache.engine);
    }
    // A one-shot build (not watch) streams its site into the stage.
    let one_shot = render == Render::All && !cache.defers_whole();
    if tally.errors == 0 && one_shot {
        let dest = match destination(root, dest.unwrap_or(&briefing.config.build.build_dir)) {
            Ok(dest) => dest,
            Err(e) => {
                report(&files, &mut diags, opts.format, verb)?;
                return Err(e);
            }
        };
        if let Some(digest) = &inputs {
            current = output::current(&dest, digest)?;
        }
        if current.is_none() {
            let engine = &cache.engine;
            let stage = output::Publisher::begin(&dest, &mut cache.output)?;
            match db::stream_site(engine, &base, &|page| stage.put(page))? {
                Ok(site) => {
                    t.lap("render");
                    diags.extend(db::check_streamed_links(engine, &site, &base));
                    t.lap("links");
                    publisher = Some(stage);
                }
                Err(template_diags) => diags.extend(template_diags),
            }
        }
    } else if tally.errors == 0 && render != Render::Nothing {
        let engine = &cache.engine;
        let rendered = match render {
            Render::All => {
                let (pages, whole) =
                    rayon::join(|| db::pages(&engine.cx()), || db::whole_files(engine));
                pages.and_then(|p| whole.map(|w| (p, Some(w))))
            }
            _ => db::pages(&engine.cx()).map(|p| (p, None)),
        };
        t.lap("render");
        match rendered {
            Ok((rendered, made)) => {
                // Links are checked against the whole site: with the
                // whole-briefing files just made, or else (as targets only)
                // those last published.
                let problems = match &made {
                    Some(made) => {
                        let mut site = rendered.clone();
                        site.extend(made.iter().cloned());
                        db::check_links(&engine.cx(), &site, &[], &base)
                    }
                    None => {
                        let last = cache.last_whole.as_deref().unwrap_or(&[]);
                        db::check_links(&engine.cx(), &rendered, last, &base)
                    }
                };
                diags.extend(problems);
                t.lap("links");
                pages = rendered;
                whole = made;
            }
            Err(template_diags) => diags.extend(template_diags),
        }
    }
    match cache.shown.as_mut() {
        Some(shown) if opts.format == Format::Human => {
            report_changes(&files, &mut diags, shown, verb)?
        }
        _ => report(&files, &mut diags, opts.format, verb)?,
    }
    let tally = Tally::of(&diags);
    let outcome = if tally.errors == 0 {
        Ok(Compiled {
            pages,
            whole,
            base,
            warnings: tally.warnings,
            build_dir: briefing.config.build.build_dir.clone(),
            inputs,
            current,
            publisher,
        })
    } else {
        let mut text = diag::to_plain(&files, &diags);
        text.push_str(&diag::summary(verb, tally));
        Err(text)
    };
    Ok(outcome)
}

/// With `BRIEFING_TIMINGS` set, how long each stage of a build took, on
/// standard error: for profiling, not a stable interface.
pub struct Timings(Option<Instant>);

impl Timings {
    pub fn start() -> Timings {
        Timings(std::env::var_os("BRIEFING_TIMINGS").map(|_| Instant::now()))
    }

    pub fn lap(&mut self, stage: &str) {
        if let Some(at) = &mut self.0 {
            eprintln!(
                "timing: {stage} {:.1} ms{}",
                at.elapsed().as_secs_f64() * 1e3,
                memory()
            );
            *at = Instant::now();
        }
    }
}

/// The resident and peak memory of this process, where the system tells.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |field: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    match (kb("VmRSS:"), kb("VmHWM:")) {
        (Some(rss), Some(peak)) => format!(", {} MB resident, {} MB peak", rss / 1024, peak / 1024),
        _ => String::new(),
    }
}

/// Prints diagnostics and, for people, a summary line. A reader that has
/// gone (`briefing check --format json | head -1`) ends the printing, not
/// the command: the exit status still tells whether the content has errors.
fn report(files: &Files, diags: &mut [Diagnostic], format: Format, verb: &str) -> Result<()> {
    match diag::emit(files, diags, format) {
        Ok(()) => {}
        Err(e) if diag::reader_gone(&e) => return Ok(()),
        Err(e) => return Err(e).context("cannot print diagnostics"),
    }
    let tally = Tally::of(diags);
    if format == Format::Human && tally.errors > 0 {
        diag::say(&diag::summary(verb, tally));
    }
    Ok(())
}

/// Under watch, for people: prints the problems that were not there at the
/// last rebuild, then one line counting those as before (not repeated) and
/// those gone, and the usual summary — so a rebuild after a one-line edit
/// does not reprint every warning of the briefing.
fn report_changes(
    files: &Files,
    diags: &mut [Diagnostic],
    shown: &mut rustc_hash::FxHashSet<u64>,
    verb: &str,
) -> Result<()> {
    use std::hash::{Hash, Hasher};
    let key = |d: &Diagnostic| {
        let mut h = rustc_hash::FxHasher::default();
        diag::to_plain(files, std::slice::from_ref(d)).hash(&mut h);
        h.finish()
    };
    let keys: Vec<u64> = diags.iter().map(key).collect();
    let mut new: Vec<Diagnostic> = diags
        .iter()
        .zip(&keys)
        .filter(|(_, k)| !shown.contains(k))
        .map(|(d, _)| d.clone())
        .collect();
    let now: rustc_hash::FxHashSet<u64> = keys.into_iter().collect();
    let same = now.iter().filter(|k| shown.contains(k)).count();
    let gone = shown.iter().filter(|k| !now.contains(k)).count();
    *shown = now;
    match diag::emit(files, &mut new, Format::Human) {
        Ok(()) => {}
        Err(e) if diag::reader_gone(&e) => return Ok(()),
        Err(e) => return Err(e).context("cannot print diagnostics"),
    }
    if same > 0 || gone > 0 {
        let count = |n: usize| format!("{n} problem{}", if n == 1 { "" } else { "s" });
        diag::say(&format!(
            "{verb}: {} new; {} as before, not repeated; {} gone",
            count(new.len()),
            count(same),
            count(gone)
        ));
    }
    let tally = Tally::of(diags);
    if tally.errors > 0 {
        diag::say(&diag::summary(verb, tally));
    }
    Ok(())
}

/// `briefing check`.
pub fn check(root: &Path, opts: Options) -> Result<Status> {
    let started = Instant::now();
    let mut cache = Cache::default();
    let compiled = compile(root, &opts, "check", Render::Nothing, &mut cache, None)?;
    // The process ends right after; freeing every table would only cost time.
    std::mem::forget(cache);
    match compiled {
        Ok(r) => {
            if opts.format == Format::Human {
                diag::say(&format!(
                    "check: ok{} in {} ms",
                    warnings_suffix(r.warnings),
                    started.elapsed().as_millis()
                ));
            }
            Ok(Status::Ok)
        }
        Err(_) => Ok(Status::ContentErrors),
    }
}

/// `briefing build`: one build from scratch.
pub fn build(root: &Path, dest: Option<&Path>, opts: Options) -> Result<Status> {
    let started = Instant::now();
    let mut cache = Cache::default();
    let report = build_with(root, dest, &opts, &mut cache)?;
    // The process ends right after; freeing every table would only cost time.
    std::mem::forget(cache);
    if report.status == Status::Ok && opts.format == Format::Human {
        diag::say(&summary_line("build", &report, started.elapsed()));
    }
    Ok(report.status)
}

/// What a build did, for the one-line report and for watch mode.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub status: Status,
    pub stats: WriteStats,
    pub pages: usize,
    /// In watch: the pages were published, and the whole-briefing files
    /// were left to the rebuild of a newer edit, already waiting.
    pub superseded: bool,
    /// The diagnostics as plain text, when the content has errors.
    pub problems: Option<String>,
    pub warnings: usize,
    pub dest: PathBuf,
}

/// A build that reuses (and refreshes) `cache`: the same pipeline as
/// `briefing build`, remembering its work for the next call.
pub fn build_with(
    root: &Path,
    dest: Option<&Path>,
    opts: &Options,
    cache: &mut Cache,
) -> Result<BuildReport> {
    let report = build_once(root, dest, opts, cache);
    if report.is_err() {
        cache.after_failure();
    }
    report
}

fn build_once(
    root: &Path,
    dest: Option<&Path>,
    opts: &Options,
    cache: &mut Cache,
) -> Result<BuildReport> {
    // Watch publishes the pages an edit changed first, and the files made
    // from the whole briefing right after, once a first site is out.
    let split = cache.defers_whole() && cache.last_whole.is_some();
    let render = if split { Render::Pages } else { Render::All };
    let rendered = match compile(root, opts, "build", render, cache, dest)? {
        Ok(rendered) => rendered,
        Err(problems) => return Ok(nothing_written(problems)),
    };
    let dest = destination(root, dest.unwrap_or(&rendered.build_dir))?;
    let mut report = BuildReport {
        status: Status::Ok,
        stats: WriteStats::default(),
        pages: rendered.pages.len(),
        superseded: false,
        problems: None,
        warnings: rendered.warnings,
        dest: dest.clone(),
    };
    if let Some(files) = rendered.current {
        report.stats.unchanged = files;
        report.pages = files;
        return Ok(report);
    }
    if let Some(publisher) = rendered.publisher {
        cache.engine.sweep();
        report.stats = publisher.finish(rendered.inputs.as_deref(), &mut cache.output)?;
        report.pages = report.stats.written + report.stats.unchanged;
        return Ok(report);
    }
    let whole = match rendered.whole {
        Some(whole) => whole,
        None => {
            let mut site = rendered.pages.clone();
            site.extend(cache.last_whole.iter().flatten().map(|(p, _)| p.clone()));
            report.stats = output::write(&dest, &site, None, &mut cache.output)?;
            // A newer edit is waiting: its rebuild makes the whole-briefing
            // files (the ones published stay valid link targets meanwhile).
            if cache.superseded() {
                report.superseded = true;
                return Ok(report);
            }
            match finish_whole(cache, &rendered.pages, &rendered.base, opts)? {
                Ok(whole) if cache.superseded() => {
                    drop(whole);
                    report.superseded = true;
                    return Ok(report);
                }
                Ok(whole) => whole,
                Err(problems) => {
                    diag::say("build: the pages were published; the whole-briefing files were not");
                    report.status = Status::ContentErrors;
                    report.problems = Some(problems);
                    return Ok(report);
                }
            }
        }
    };
    let mut site = rendered.pages;
    site.extend(whole.iter().cloned());
    // Every value this build did not read belongs to files or pages that
    // are gone: free it.
    cache.engine.sweep();
    let stats = output::write(&dest, &site, rendered.inputs.as_deref(), &mut cache.output)?;
    report.stats = report.stats.then(stats);
    report.pages = site.len();
    if cache.defers_whole() {
        let scans = db::page_scans(&cache.engine.cx(), &whole, &rendered.base);
        cache.last_whole = Some(whole.into_iter().zip(scans).collect());
    }
    Ok(report)
}

/// The report of a build stopped by content errors (already printed).
fn nothing_written(problems: String) -> BuildReport {
    diag::say("build: nothing written");
    BuildReport {
        status: Status::ContentErrors,
        stats: WriteStats::default(),
        pages: 0,
        superseded: false,
        problems: Some(problems),
        warnings: 0,
        dest: PathBuf::new(),
    }
}

/// Makes the whole-briefing files after their pages were published, and
/// checks the links of the whole site again. `Ok(Err(text))`: they have
/// problems (printed; `text` is their plain rendering).
fn finish_whole(
    cache: &mut Cache,
    pages: &[Page],
    base: &str,
    opts: &Options,
) -> Result<Result<Vec<Page>, String>> {
    let engine = &cache.engine;
    let mut diags = match db::whole_files(engine) {
        Ok(whole) => {
            let mut site = pages.to_vec();
            site.extend(whole.iter().cloned());
            let problems = db::check_links(&engine.cx(), &site, &[], base);
            if problems.is_empty() {
                return Ok(Ok(whole));
            }
            problems
        }
        Err(template_diags) => template_diags,
    };
    let files = engine.db.files.clone();
    report(&files, &mut diags, opts.format, "build")?;
    let mut text = diag::to_plain(&files, &diags);
    text.push_str(&diag::summary("build", Tally::of(&diags)));
    Ok(Err(text))
}

/// `briefing clean`.
pub fn clean(root: &Path, dest: Option<&Path>) -> Result<Status> {
    let build_dir = match dest {
        Some(d) => d.to_path_buf(),
        None => {
            let (briefing, _) = load::load(root)?;
            briefing.config.build.build_dir.clone()
        }
    };
    let dest = destination(root, &build_dir)?;
    let removed = output::clean(&dest)?;
    diag::say(&format!(
        "clean: removed {removed} files from {}",
        dest.display()
    ));
    Ok(Status::Ok)
}

/// The build directory for `root`: `dest` if given, else `[build] build-dir`
/// (the default if book.toml cannot be read), resolved and checked.
pub fn build_dir(root: &Path, dest: Option<&Path>) -> Result<PathBuf> {
    let configured = match dest {
        Some(d) => d.to_path_buf(),
        None => config_text(root)
            .and_then(|text| crate::config::Config::from_str(&text).ok())
            .map_or_else(|| PathBuf::from("book"), |c| c.build.build_dir),
    };
    destination(root, &configured)
}

/// The path the site is published under: `--site-url`, else
/// `[output.html] site-url`, else `/`.
pub fn site_path(root: &Path, opts: &Options) -> Result<String> {
    let configured = config_text(root)
        .and_then(|text| crate::config::Config::from_str(&text).ok())
        .and_then(|c| c.output.html.site_url);
    match opts.site_url.as_ref().or(configured.as_ref()) {
        Some(url) => Ok(SiteUrl::parse(url).map_err(|e| anyhow::anyhow!(e))?.path),
        None => Ok("/".into()),
    }
}

/// The text of `book.toml`, if it can be read and is within its size limit
/// (the build reports it otherwise).
fn config_text(root: &Path) -> Option<String> {
    match files::read_bounded(&root.join(load::CONFIG_FILE), load::MAX_CONFIG_BYTES) {
        Ok(files::Bounded::Bytes(bytes)) => String::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// The build directory, resolved and checked for safety.
fn destination(root: &Path, dest: &Path) -> Result<PathBuf> {
    let resolved = output::resolve(root, dest)?;
    output::check_dest(root, &resolved)?;
    Ok(resolved)
}

/// The line `build`, `watch` and `serve` print after a successful build:
/// `build: 154 pages in book (3 written, 151 unchanged, 0 removed), 1
/// warning in 96 ms` — one shape for all three.
pub fn summary_line(verb: &str, report: &BuildReport, took: std::time::Duration) -> String {
    // Under watch the pages and the whole-briefing files are published in
    // two steps whose "unchanged" counts overlap: what was not written is
    // what is unchanged.
    let stats = WriteStats {
        unchanged: report.pages.saturating_sub(report.stats.written),
        ..report.stats
    };
    format!(
        "{verb}: {} pages in {} ({}){} in {} ms{}",
        report.pages,
        report.dest.display(),
        describe(stats),
        warnings_suffix(report.warnings),
        took.as_millis(),
        if report.superseded {
            " (the whole-briefing files wait for the newer edit)"
        } else {
            ""
        }
    )
}

fn describe(s: WriteStats) -> String {
    format!(
        "{} written, {} unchanged, {} removed",
        s.written, s.unchanged, s.removed
    )
}

fn warnings_suffix(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => ", 1 warning".into(),
        n => format!(", {n} warnings"),
    }
}
