//! The commands, as one pipeline: load → check → render → write.
//!
//! `check` stops after checking; `build` goes on. Both report problems the
//! same way, through [`report`], so a problem reads the same wherever it is
//! found.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::check;
use crate::diag::{self, Diagnostic, Format, Tally};
use crate::files::Files;
use crate::load;
use crate::output::{self, WriteStats};
use crate::render::{self, Page, theme};

/// How a command ended, when it ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing wrong (warnings may have been printed).
    Ok,
    /// The content has errors; they have been printed.
    ContentErrors,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub format: Format,
    pub deny_warnings: bool,
}

/// A briefing that passed its checks, rendered in memory.
pub struct Rendered {
    pub pages: Vec<Page>,
    pub warnings: usize,
}

/// Loads, checks and (if `render` is set) renders. Problems are printed here.
fn compile(
    root: &Path,
    opts: Options,
    verb: &str,
    do_render: bool,
) -> Result<Result<Rendered, ()>> {
    let (mut briefing, mut diags) = load::load(root)?;
    let theme = theme::load(root, &mut briefing.files)?;
    let checked = check::check(&briefing);
    diags.extend(checked.diagnostics.iter().cloned());
    let theme = match theme {
        Ok(t) => Some(t),
        Err(template_diags) => {
            diags.extend(template_diags);
            None
        }
    };
    if opts.deny_warnings || briefing.config.check.deny_warnings {
        diag::deny_warnings(&mut diags);
    }
    let tally = Tally::of(&diags);
    if tally.errors > 0 || !do_render {
        report(&briefing.files, &mut diags, opts.format, verb)?;
        return Ok(if tally.errors > 0 {
            Err(())
        } else {
            Ok(Rendered {
                pages: Vec::new(),
                warnings: tally.warnings,
            })
        });
    }
    let theme = theme.expect("no theme means a template error was counted");
    match render::render(&briefing, &checked, &theme) {
        Ok(pages) => {
            report(&briefing.files, &mut diags, opts.format, verb)?;
            Ok(Ok(Rendered {
                pages,
                warnings: tally.warnings,
            }))
        }
        Err(template_diags) => {
            diags.extend(template_diags);
            report(&briefing.files, &mut diags, opts.format, verb)?;
            Ok(Err(()))
        }
    }
}

/// Prints diagnostics and, for people, a summary line.
fn report(files: &Files, diags: &mut [Diagnostic], format: Format, verb: &str) -> Result<()> {
    diag::emit(files, diags, format).context("cannot print diagnostics")?;
    let tally = Tally::of(diags);
    if format == Format::Human && tally.errors > 0 {
        eprintln!("{}", diag::summary(verb, tally));
    }
    Ok(())
}

/// `briefing check`.
pub fn check(root: &Path, opts: Options) -> Result<Status> {
    let started = Instant::now();
    match compile(root, opts, "check", false)? {
        Ok(r) => {
            if opts.format == Format::Human {
                eprintln!(
                    "check: ok{} in {} ms",
                    warnings_suffix(r.warnings),
                    started.elapsed().as_millis()
                );
            }
            Ok(Status::Ok)
        }
        Err(()) => Ok(Status::ContentErrors),
    }
}

/// `briefing build`.
pub fn build(root: &Path, dest: Option<&Path>, opts: Options) -> Result<Status> {
    let started = Instant::now();
    let dest = destination(root, dest)?;
    let rendered = match compile(root, opts, "build", true)? {
        Ok(r) => r,
        Err(()) => {
            eprintln!("build: nothing written");
            return Ok(Status::ContentErrors);
        }
    };
    let stats = output::write(&dest, &rendered.pages)?;
    if opts.format == Format::Human {
        eprintln!(
            "build: {} pages in {} ({}){} in {} ms",
            rendered.pages.len(),
            dest.display(),
            describe(stats),
            warnings_suffix(rendered.warnings),
            started.elapsed().as_millis()
        );
    }
    Ok(Status::Ok)
}

/// `briefing clean`.
pub fn clean(root: &Path, dest: Option<&Path>) -> Result<Status> {
    let dest = destination(root, dest)?;
    let removed = output::clean(&dest)?;
    eprintln!("clean: removed {removed} files from {}", dest.display());
    Ok(Status::Ok)
}

/// The build directory: `--dest-dir`, else `[build] build-dir`, checked for
/// safety before anything is read further.
fn destination(root: &Path, dest: Option<&Path>) -> Result<std::path::PathBuf> {
    let configured = match dest {
        Some(d) => d.to_path_buf(),
        None => {
            let text = std::fs::read_to_string(root.join(load::CONFIG_FILE)).unwrap_or_default();
            crate::config::Config::from_str(&text)
                .map(|c| c.build.build_dir)
                .unwrap_or_else(|_| "book".into())
        }
    };
    let resolved = output::resolve(root, &configured)?;
    output::check_dest(root, &resolved)?;
    Ok(resolved)
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
