//! The command line: what each subcommand takes.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::diag::Format;

#[derive(Debug, Parser)]
#[command(
    name = "briefing",
    version,
    about = "Build a static briefing site in which every statement links to its source",
    long_about = "Build a static briefing site from source documents and YAML notes.\n\nEvery citation is checked (the source exists, the quote is really in it) and every reference between notes is checked before anything is written.\n\nExit codes: 0 success, 1 problems in the content, 2 usage or I/O errors."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the briefing, then write the site to the build directory
    Build(BuildArgs),
    /// Check every citation and reference without writing anything
    Check(CheckArgs),
    /// Build, then rebuild on every change to content/, templates/ or book.toml
    Watch(WatchArgs),
    /// Watch, and serve the site locally with live reload
    Serve(ServeArgs),
    /// Create a new briefing with one example of each kind of file
    Init(InitArgs),
    /// Remove what `build` wrote
    Clean(CleanArgs),
    /// Add sources: web pages (by file or URL), PDFs, text and markdown
    /// files, each as its text, its metadata and the original document
    Add(AddArgs),
    /// Serve the Language Server Protocol over stdio: diagnostics as you
    /// type and completion, for editors
    Lsp(LspArgs),
    /// Find the passages of a source that rough words were meant to quote,
    /// printed as citations ready to paste
    Quote(QuoteArgs),
    /// List the sources and whether their texts match their recorded
    /// SHA-256; `--rehash` records it
    Sources(SourcesArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The briefing's folder (the one holding book.toml)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// How to print problems
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors (for CI)
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    /// Where to write the site (default: [build] build-dir, or `book`),
    /// relative to the briefing's folder
    #[arg(short = 'd', long)]
    pub dest_dir: Option<PathBuf>,
    /// Where the site will be published, e.g. `/briefing/` or
    /// `https://example.org/briefing/` (overrides [output.html] site-url)
    #[arg(long, value_name = "URL")]
    pub site_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the briefing in
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Title of the new briefing
    #[arg(long)]
    pub title: Option<String>,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// The briefing's folder
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The build directory to remove (default: [build] build-dir)
    #[arg(short = 'd', long)]
    pub dest_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SourcesArgs {
    /// The briefing's folder
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Record the SHA-256 of each source's text as `sha256:` in its
    /// metadata: of the sources named, or of every source whose hash is
    /// missing or out of date. The only command that changes a file in
    /// content/, and only that line.
    #[arg(long, num_args = 0.., value_name = "ID")]
    pub rehash: Option<Vec<String>>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  briefing add https://example.org/news/statement.html\n  briefing add advisory.pdf notes.md --dir my-briefing"
)]
pub struct AddArgs {
    /// Files (HTML, PDF, .txt, .md) or http(s):// URLs to add
    #[arg(required = true, value_name = "PATH-OR-URL")]
    pub inputs: Vec<String>,
    /// The new source's ID (one document only; default: made from its title)
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Give up on a URL that has not arrived in this many seconds
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,
    /// Refuse documents larger than this many megabytes
    #[arg(long, default_value_t = 50, value_name = "MB")]
    pub max_size: u64,
    /// The briefing's folder
    #[arg(short = 'C', long = "dir", default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  briefing quote 003_report \"hakers sent 10000 emails\"\n  briefing quote --all-sources \"40 million voters\""
)]
pub struct QuoteArgs {
    /// The source's ID (or its text file), then the words as you remember
    /// them: misspelt, reordered or paraphrased. With `--all-sources`, only
    /// the words.
    #[arg(required = true, value_name = "SOURCE] [WORDS")]
    pub args: Vec<String>,
    /// Search every source
    #[arg(short, long)]
    pub all_sources: bool,
    /// How many passages to show
    #[arg(short = 'n', long, default_value_t = 3, value_name = "N")]
    pub max: usize,
    /// The briefing's folder
    #[arg(short = 'C', long = "dir", default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct LspArgs {
    /// The briefing's folder, when the editor does not say which folder it
    /// opened
    #[arg(short = 'C', long = "dir", default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// Poll for changes instead of using file-system events (for network
    /// drives, WSL and containers, where events are unreliable)
    #[arg(long)]
    pub poll: bool,
    /// Quiet time, in milliseconds, after the last change before rebuilding:
    /// a burst of saves (a `git checkout`) becomes one rebuild
    #[arg(long, default_value_t = 10, value_name = "MS")]
    pub debounce_ms: u64,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub watch: WatchArgs,
    /// Port to listen on (0 picks a free one)
    #[arg(short, long, default_value_t = 3000)]
    pub port: u16,
    /// Address to listen on; the default keeps the server private to this machine
    #[arg(long, default_value = "127.0.0.1")]
    pub hostname: String,
    /// Open the site in the default browser
    #[arg(long)]
    pub open: bool,
}

/// The briefing folder and source IDs of `briefing sources [DIR] --rehash
/// [ID…]`. `--rehash` takes the words after it as IDs, so `briefing sources
/// --rehash my-briefing` would name a source `my-briefing`: when no folder
/// was given, the current one is no briefing and the first word is a
/// briefing's folder, that word is the folder.
pub fn rehash_target(dir: &Path, ids: &[String]) -> (PathBuf, Vec<String>) {
    let is_briefing = |d: &Path| d.join("book.toml").is_file();
    match ids.split_first() {
        Some((first, rest))
            if dir == Path::new(".") && !is_briefing(dir) && is_briefing(Path::new(first)) =>
        {
            (PathBuf::from(first), rest.to_vec())
        }
        _ => (dir.to_path_buf(), ids.to_vec()),
    }
}
