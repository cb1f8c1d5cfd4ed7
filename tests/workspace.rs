//! A cargo workspace is one analysis: a library package's fork, reached
//! from a binary package's threads, gets the binary's thread evidence; and
//! two packages' functions of one name stay apart.

mod common;
use common::{forklint, project, write, Run};

fn json_findings(run: &Run) -> Vec<serde_json::Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A library whose child prints (stdout's lock) before `_exit`, and a
/// binary that starts a thread and then calls it. The binary has a helper
/// named like the library's function, which prints nothing.
fn workspace(name: &str) -> std::path::PathBuf {
    let dir = project("workspace", name);
    write(
        &dir,
        "Cargo.toml",
        "[workspace]\nmembers = [\"forker\", \"app\"]\nresolver = \"2\"\n",
    );
    write(
        &dir,
        "forker/Cargo.toml",
        "[package]\nname = \"forker\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(
        &dir,
        "forker/src/lib.rs",
        "extern \"C\" {\n    fn fork() -> i32;\n    fn _exit(code: i32) -> !;\n}\n\n\
         pub fn run_child() {\n    if unsafe { fork() } == 0 {\n        println!(\"child\");\n        unsafe { _exit(0) }\n    }\n}\n",
    );
    write(
        &dir,
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nforker = { path = \"../forker\" }\n",
    );
    dir
}

/// The binary: starts a thread that prints, then calls the library's fork.
const MAIN_CALLING_THE_LIBRARY: &str = "fn main() {\n    let worker = std::thread::spawn(|| loop {\n        \
     println!(\"tick\");\n    });\n    forker::run_child();\n    drop(worker);\n}\n";

/// A finding at the library's child (of `rule`, or of any rule) whose
/// evidence is in the binary (paths as reported: `prefix` is `./` in path
/// mode).
fn found_through_binary(r: &Run, prefix: &str, rule: Option<&str>) -> Option<serde_json::Value> {
    let (lib, main) = (
        format!("{prefix}forker/src/lib.rs"),
        format!("{prefix}app/src/main.rs"),
    );
    json_findings(r).into_iter().find(|f| {
        rule.is_none_or(|rule| f["rule"] == rule)
            && f["path"] == lib.as_str()
            && f["related"]
                .as_array()
                .is_some_and(|rel| rel.iter().any(|l| l["path"] == main.as_str()))
    })
}

#[test]
fn a_library_fork_gets_the_binary_threads_that_reach_it() {
    let dir = workspace("threads");
    write(&dir, "app/src/main.rs", MAIN_CALLING_THE_LIBRARY);
    let r = forklint(&dir, &["--format", "json"]);
    let lock = found_through_binary(&r, "", Some("fork_after_thread_spawn"))
        .unwrap_or_else(|| panic!("no finding at the library's child with the binary's thread: {r:?}"));
    assert_eq!(
        lock["level"], "error",
        "a thread shown running makes it correctness: {lock:#}"
    );
}

#[test]
fn a_workspace_given_as_a_path_is_one_analysis_too() {
    let dir = workspace("by_path");
    write(&dir, "app/src/main.rs", MAIN_CALLING_THE_LIBRARY);
    let r = forklint(&dir, &["--format", "json", "."]);
    assert!(
        found_through_binary(&r, "./", Some("fork_after_thread_spawn")).is_some(),
        "no finding at the library's child with the binary's thread: {r:?}"
    );
}

#[test]
fn a_binary_helper_named_like_the_library_function_is_not_it() {
    let dir = workspace("namesake");
    // The binary's own `run_child` only sleeps; main calls it, not the
    // library's: no fork is reached from the thread.
    write(
        &dir,
        "app/src/main.rs",
        "fn run_child() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n}\n\n\
         fn main() {\n    let worker = std::thread::spawn(|| loop {\n        println!(\"tick\");\n    });\n    \
         run_child();\n    drop(worker);\n    let _ = forker::run_child as fn();\n}\n",
    );
    let r = forklint(&dir, &["--format", "json"]);
    assert!(
        found_through_binary(&r, "", None).is_none(),
        "the binary's thread does not reach the library's fork: {r:?}"
    );
}
