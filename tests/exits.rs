//! exit() reached in a forked child through a function (of the crate or a
//! dependency) is one hazard, child_escapes_fork_branch's, as a direct call
//! is; and a daemonizing fork in a library, with no thread in sight, is
//! judged by what the program does (its child is the program from there on).

mod common;

use std::path::PathBuf;

fn library(name: &str, lib_rs: &str) -> PathBuf {
    let dir = common::package("exits", name);
    common::write(&dir, "src/lib.rs", lib_rs);
    dir
}

/// `(rule, level, line)` of every finding with every group on.
fn findings(dir: &std::path::Path) -> Vec<(String, String, u64)> {
    let run = common::forklint(dir, &["--format", "json", "--no-deps", "-W", "pedantic", "."]);
    let mut out: Vec<(String, String, u64)> = ["child_escapes_fork_branch", "unsafe_call_in_child"]
        .iter()
        .flat_map(|rule| run.findings_of(rule))
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["level"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn exit_through_a_helper_in_a_threaded_child_is_one_finding() {
    let dir = library(
        "helper_exit",
        "pub fn finish(code: i32) -> ! {\n    std::process::exit(code)\n}\n\
pub fn run() {\n    let worker = std::thread::spawn(|| ());\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        finish(0);\n    }\n    let _ = worker.join();\n}\n",
    );
    let found = findings(&dir);
    assert!(
        found
            .iter()
            .any(|(rule, _, line)| rule == "child_escapes_fork_branch" && *line == 8),
        "the exit through finish() is the escape's: {found:?}"
    );
    assert!(
        !found.iter().any(|(rule, _, _)| rule == "unsafe_call_in_child"),
        "and not a second finding for the same exit: {found:?}"
    );
}

#[test]
fn a_daemonizing_fork_in_a_library_without_threads_is_pedantic() {
    let daemon = "pub fn daemonize() {\n    let pid = unsafe { libc::fork() };\n    if pid != 0 {\n        std::process::exit(0);\n    }\n    let name = format!(\"daemon {}\", 1);\n    drop(name);\n}\n";
    let found = findings(&library("survivor", daemon));
    assert_eq!(
        found,
        vec![("unsafe_call_in_child".to_string(), "warning".to_string(), 6)],
        "only with every group on, and only the allocation"
    );
    let default = common::forklint(
        &library("survivor", daemon),
        &["--format", "json", "--no-deps", "."],
    );
    assert!(
        default.findings_of("unsafe_call_in_child").is_empty(),
        "not at the default levels"
    );
    // The same child when the parent does not leave: the callers' threads
    // may be running beside it, so it is reported by default.
    let forked = daemon.replace(
        "if pid != 0 {\n        std::process::exit(0);\n    }",
        "if pid != 0 {\n        return;\n    }",
    );
    let dir = library("not_survivor", &forked);
    let default = common::forklint(&dir, &["--format", "json", "--no-deps", "."]);
    assert_eq!(
        default.findings_of("unsafe_call_in_child").len(),
        1,
        "a library's child beside its parent: {:?}",
        default.findings_of("unsafe_call_in_child")
    );
}
