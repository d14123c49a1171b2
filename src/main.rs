//! The `briefing` command: parse the arguments, run, map the outcome to an
//! exit code (0 ok, 1 problems in the content, 2 usage or I/O errors).

use std::process::ExitCode;

use clap::Parser;

use briefing::cli::{Cli, Command};
use briefing::pipeline::{self, Options, Status};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::ContentErrors) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Build(a) => pipeline::build(
            &a.check.dir,
            a.dest_dir.as_deref(),
            Options {
                format: a.check.format,
                deny_warnings: a.check.deny_warnings,
            },
        ),
        Command::Check(a) => pipeline::check(
            &a.dir,
            Options {
                format: a.format,
                deny_warnings: a.deny_warnings,
            },
        ),
        Command::Init(a) => briefing::init::init(&a.dir, a.title.as_deref()).map(|()| Status::Ok),
        Command::Clean(a) => pipeline::clean(&a.dir, a.dest_dir.as_deref()),
    }
}
