//! The `briefing` command: parse the arguments, run, map the outcome to an
//! exit code (0 ok, 1 problems in the content, 2 usage or I/O errors).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Parser;

use briefing::cli::{BuildArgs, Cli, Command, WatchArgs};
use briefing::diag;
use briefing::pipeline::{self, Options, Status};
use briefing::quote::Scope;
use briefing::serve::ServeOptions;
use briefing::watch::WatchOptions;

// Building is allocation-heavy and multi-threaded; mimalloc is markedly
// faster than the system allocator here and keeps less memory resident.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::ContentErrors) => ExitCode::from(1),
        // Output into a pipe whose reader has gone (`| head`) is a normal
        // end, as in ripgrep; `check` and `build` already handle it and
        // keep the content's status.
        Err(e)
            if e.chain()
                .any(|c| c.downcast_ref().is_some_and(diag::reader_gone)) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            diag::say(&format!("error: {e:#}"));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Build(a) => pipeline::build(&a.check.dir, a.dest_dir.as_deref(), options(&a)),
        Command::Check(a) => pipeline::check(
            &a.dir,
            Options {
                format: a.format,
                deny_warnings: a.deny_warnings,
                site_url: None,
            },
        ),
        Command::Watch(a) => {
            briefing::watch::run(&watch_options(&a), &stop_on_ctrl_c()?, |_| {})?;
            Ok(Status::Ok)
        }
        Command::Serve(a) => {
            let options = ServeOptions {
                watch: watch_options(&a.watch),
                hostname: a.hostname,
                port: a.port,
                open: a.open,
            };
            briefing::serve::run(&options, &stop_on_ctrl_c()?)?;
            Ok(Status::Ok)
        }
        Command::Init(a) => briefing::init::init(&a.dir, a.title.as_deref()).map(|()| Status::Ok),
        Command::Clean(a) => pipeline::clean(&a.dir, a.dest_dir.as_deref()),
        Command::Add(a) => briefing::add::run(
            &briefing::add::Options {
                root: a.dir,
                id: a.id,
                limits: briefing::add::fetch::Limits {
                    timeout: Duration::from_secs(a.timeout),
                    max_bytes: a.max_size.saturating_mul(1_000_000),
                },
            },
            &a.inputs,
        ),
        Command::Lsp(a) => briefing::lsp::run(&a.dir).map(|()| Status::Ok),
        Command::Quote(a) => {
            let (scope, words) = match a.args.split_first() {
                Some((source, words)) if !a.all_sources && !words.is_empty() => {
                    (Scope::Source(source), words.join(" "))
                }
                Some(_) if !a.all_sources => anyhow::bail!(
                    "give the source's ID, then the words to find: `briefing quote SOURCE \"words\"` (or `--all-sources \"words\"`)"
                ),
                _ => (Scope::AllSources, a.args.join(" ")),
            };
            briefing::quote::run(&a.dir, scope, &words, a.max)
        }
        Command::Sources(a) => match &a.rehash {
            Some(ids) => {
                let (dir, ids) = briefing::cli::rehash_target(&a.dir, ids);
                briefing::integrity::rehash(&dir, &ids)
            }
            None => briefing::integrity::list(&a.dir),
        },
    }
}

fn options(b: &BuildArgs) -> Options {
    Options {
        format: b.check.format,
        deny_warnings: b.check.deny_warnings,
        site_url: b.site_url.clone(),
    }
}

fn watch_options(a: &WatchArgs) -> WatchOptions {
    WatchOptions {
        root: a.build.check.dir.clone(),
        dest: a.build.dest_dir.clone(),
        opts: options(&a.build),
        poll: a.poll,
        debounce: Duration::from_millis(a.debounce_ms),
    }
}

/// A flag that Ctrl-C sets. The watch loop finishes the build it is in (so
/// no page is left half-written) and returns; a second Ctrl-C exits at once.
fn stop_on_ctrl_c() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    })?;
    Ok(stop)
}
