//! Publishing is all or nothing: whatever fails during a build — a full
//! disk, a read-only folder, a second build at the same time — the live
//! site is either the old one or the new one, whole, and no staging debris
//! is left behind. (Killing a build at random points is in
//! `tests/incremental.rs`, which has the larger synthetic briefing.)
//!
//! The disk and permission cases mount small file systems, which needs
//! root (CI runs as root); run as another user they fail saying so.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{BriefingTest, assert_same_site, tree};

/// A mount that is undone when the test ends, however it ends.
struct Mount(PathBuf);

impl Mount {
    fn run(args: &[&str]) {
        let out = Command::new("mount")
            .args(args)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "mount {args:?} failed: {} (these tests mount small file systems and must run as root, as CI does)",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A tmpfs of `size` (e.g. `6m`) at `at`.
    fn tmpfs(at: &Path, size: &str) -> Mount {
        fs::create_dir_all(at).unwrap();
        Mount::run(&[
            "-t",
            "tmpfs",
            "-o",
            &format!("size={size}"),
            "tmpfs",
            at.to_str().unwrap(),
        ]);
        Mount(at.to_path_buf())
    }

    /// `dir` made read-only where it is (a read-only bind mount on itself).
    fn read_only(dir: &Path) -> Mount {
        let d = dir.to_str().unwrap();
        Mount::run(&["--bind", d, d]);
        let mount = Mount(dir.to_path_buf());
        Mount::run(&["-o", "remount,bind,ro", d]);
        mount
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Staging directories left beside `site`.
fn stages_beside(site: &Path) -> Vec<String> {
    fs::read_dir(site.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".briefing-stage-"))
        .collect()
}

/// Gives every page new bytes: the title is on each of them.
fn retitle(t: &BriefingTest, title: &str) {
    let toml = t.read("book.toml");
    let retitled: String = toml
        .lines()
        .map(|l| {
            if l.starts_with("title") {
                format!("title = \"{title}\"\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    fs::write(t.path().join("book.toml"), retitled).unwrap();
}

fn fresh_build(t: &BriefingTest, name: &str) -> PathBuf {
    let fresh = t.path().join(name);
    t.run(&["build", "-d", fresh.to_str().unwrap()])
        .expect_success();
    fresh
}

#[test]
fn a_full_disk_leaves_the_live_site_byte_identical() {
    let t = BriefingTest::shipped();
    let disk = t.path().join("disk");
    let _mount = Mount::tmpfs(&disk, "8m");
    let site = disk.join("site");
    let dest = site.to_str().unwrap();
    t.run(&["build", "-d", dest]).expect_success();
    let before = tree(&site);

    // Fill the disk but for a little room: far less than the new pages need.
    let free = rustix::fs::statvfs(&disk).unwrap();
    let room = free.f_bavail * free.f_frsize;
    let filler = disk.join("filler");
    fs::write(&filler, vec![b'x'; room.saturating_sub(100_000) as usize]).unwrap();

    retitle(&t, "A title that changes every page");
    t.run(&["build", "-d", dest])
        .expect_code(2)
        .expect_stderr("No space left on device");
    assert!(tree(&site) == before, "the live site changed");
    assert_eq!(stages_beside(&site), Vec::<String>::new());

    // With room again, the next build publishes the whole new site.
    fs::remove_file(&filler).unwrap();
    t.run(&["build", "-d", dest]).expect_success();
    assert_same_site(&site, &fresh_build(&t, "fresh"), "after the disk had room");
}

#[test]
fn a_read_only_build_folder_leaves_the_live_site_byte_identical() {
    let t = BriefingTest::shipped();
    let out = t.path().join("out");
    let site = out.join("site");
    let dest = site.to_str().unwrap();
    t.run(&["build", "-d", dest]).expect_success();
    let before = tree(&site);
    retitle(&t, "A title that changes every page");

    // The folder holding the site cannot be written: no stage can be made.
    {
        let _ro = Mount::read_only(&out);
        t.run(&["build", "-d", dest])
            .expect_code(2)
            .expect_stderr("Read-only file system");
        assert!(tree(&site) == before, "the live site changed");
    }
    // The site itself is read-only: staged, but it cannot be replaced.
    {
        let _ro = Mount::read_only(&site);
        t.run(&["build", "-d", dest]).expect_code(2);
        assert!(tree(&site) == before, "the live site changed");
        assert_eq!(stages_beside(&site), Vec::<String>::new());
    }
    t.run(&["build", "-d", dest]).expect_success();
    assert_same_site(&site, &fresh_build(&t, "fresh"), "once writable again");
}

#[test]
fn concurrent_builds_of_one_site_all_succeed_and_equal_a_fresh_build() {
    let t = BriefingTest::shipped();
    for round in 0..3 {
        retitle(&t, &format!("Round {round}"));
        let children: Vec<_> = (0..3)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_briefing"))
                    .arg("build")
                    .current_dir(t.path())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let site = t.path().join("book");
        assert_same_site(&site, &fresh_build(&t, "fresh"), "after concurrent builds");
        assert_eq!(stages_beside(&site), Vec::<String>::new());
    }
}

#[test]
fn files_the_author_keeps_in_the_build_directory_survive_every_build() {
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    let kept = [
        ("book/CNAME", "briefing.example.org\n"),
        ("book/.git/config", "[core]\n"),
        ("book/.git/objects/ab/cdef", "object"),
        ("book/who/my-notes.txt", "mine"),
    ];
    for (rel, text) in kept {
        let path = t.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    for round in 0..2 {
        retitle(&t, &format!("Round {round}"));
        t.run(&["build"]).expect_success();
        for (rel, text) in kept {
            assert_eq!(t.read(rel), text, "round {round}: {rel}");
        }
    }
    // `clean` removes what builds made, and nothing else.
    t.run(&["clean"]).expect_success();
    for (rel, text) in kept {
        assert_eq!(t.read(rel), text, "after clean: {rel}");
    }
    assert!(!t.exists("book/index.html"));
}

#[test]
fn unchanged_pages_are_the_same_files_after_a_rebuild() {
    // Hosts and rsync see only real changes: an unchanged page keeps its
    // inode and modification time; a changed one gets new bytes.
    use std::os::unix::fs::MetadataExt;
    let t = BriefingTest::new("basic");
    t.run(&["build"]).expect_success();
    let stamp = |rel: &str| {
        let m = fs::metadata(t.path().join(rel)).unwrap();
        (m.ino(), m.mtime(), m.mtime_nsec())
    };
    let static_before = stamp("book/static/style.css");
    let page_before = stamp("book/index.html");
    retitle(&t, "Another title");
    t.run(&["build"]).expect_success();
    assert_eq!(stamp("book/static/style.css"), static_before);
    assert_ne!(stamp("book/index.html"), page_before);
    assert!(t.read("book/index.html").contains("Another title"));
}
