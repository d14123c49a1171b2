//! The corpora the benchmarks run on, besides the synthetic ones of
//! `synth.rs`.

use std::fs;
use std::path::Path;
use std::process::Command;

/// Copies the repository's own briefing (`book.toml` and `content/`) to `to`.
pub fn copy_shipped(to: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(repo.join("book.toml"), to.join("book.toml")).unwrap();
    let status = Command::new("cp")
        .arg("-r")
        .arg(repo.join("content"))
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}
