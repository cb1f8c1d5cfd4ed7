//! Facts that hold per program, not per crate: each binary, example and
//! integration test is a program of its own, and a package's library is
//! part of every one of them.

mod common;

const FORKS: &str = "fn main() {\n    let t = std::thread::spawn(|| {});\n    if unsafe { libc::fork() } == 0 {\n        let s = String::from(\"x\");\n        drop(s);\n        unsafe { libc::_exit(0) };\n    }\n    t.join().ok();\n}\n";
const ALLOC: &str = "#[global_allocator]\nstatic A: std::alloc::System = std::alloc::System;\n";

/// `(path, level)` of the unsafe_call_in_child findings in a package of these files.
fn child_levels(name: &str, files: &[(&str, String)]) -> Vec<(String, String)> {
    let dir = common::package("programs", name);
    for (path, text) in files {
        common::write(&dir, path, text);
    }
    let r = common::forklint(&dir, &["--format", "json", "--no-deps", "."]);
    let mut out: Vec<(String, String)> = r
        .findings_of("unsafe_call_in_child")
        .iter()
        .map(|d| (common::finding_path(d), d["level"].as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn a_global_allocator_makes_allocation_deny_only_in_its_own_program() {
    // Two binaries fork the same way; only `a` declares an allocator whose
    // locks nothing resets in the child.
    let got = child_levels(
        "allocator_per_binary",
        &[
            ("src/bin/a.rs", format!("{ALLOC}{FORKS}")),
            ("src/bin/b.rs", FORKS.to_string()),
        ],
    );
    assert_eq!(
        got,
        [
            ("src/bin/a.rs".to_string(), "error".to_string()),
            ("src/bin/b.rs".to_string(), "warning".to_string())
        ]
    );
}

#[test]
fn a_global_allocator_declared_by_the_library_holds_in_every_program() {
    let got = child_levels(
        "allocator_in_library",
        &[
            ("src/lib.rs", format!("{ALLOC}pub fn f() {{}}\n")),
            ("src/main.rs", FORKS.to_string()),
            ("src/bin/b.rs", FORKS.to_string()),
        ],
    );
    assert_eq!(
        got,
        [
            ("src/bin/b.rs".to_string(), "error".to_string()),
            ("src/main.rs".to_string(), "error".to_string())
        ]
    );
}

#[test]
fn a_test_target_the_manifest_places_outside_tests_is_a_test_program() {
    // nix keeps its integration tests in `test/` (`[[test]] path =
    // "test/test.rs"`): a descriptor its helpers make is test code's.
    let dir = common::project("programs", "explicit_test_path");
    common::write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[test]]\nname = \"test\"\npath = \"test/test.rs\"\n",
    );
    common::write(&dir, "src/lib.rs", "pub fn f() {}\n");
    common::write(&dir, "test/test.rs", "mod sys;\n");
    let body = "pub fn leak() {\n    let mut fds = [0; 2];\n    unsafe { libc::pipe(fds.as_mut_ptr()) };\n    std::process::Command::new(\"true\").status().ok();\n}\n";
    common::write(&dir, "test/sys/mod.rs", body);
    let lines = |args: &[&str]| -> Vec<String> {
        common::forklint(&dir, args)
            .findings_of("fd_without_cloexec")
            .iter()
            .map(|d| format!("{}:{}", common::finding_path(d), d["level"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(
        lines(&["--format", "json", "--no-deps", "."]),
        Vec::<String>::new()
    );
    assert_eq!(
        lines(&["--format", "json", "--no-deps", "-W", "pedantic", "."]),
        ["test/sys/mod.rs:warning"]
    );
}
