//! Where a descriptor finding belongs: a function the knowledge tables
//! describe (nix's `unistd::pipe`) is judged by the table at its calls, so
//! its own body, in the crate that defines it, reports nothing; a call of it
//! there that reaches a spawn still does.

mod common;

#[test]
fn a_binding_the_tables_describe_is_judged_at_its_calls_not_in_its_body() {
    let dir = common::project("descriptors", "described_binding");
    common::write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"nix\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    // The crate's own `unistd::pipe` (what rules/fd-creation.toml lists as
    // `nix::unistd::pipe`) and a same-shaped helper the tables do not list.
    common::write(
        &dir,
        "src/lib.rs",
        "pub mod unistd {\n    pub fn pipe() -> [i32; 2] {\n        let mut fds = [0; 2];\n        unsafe { libc::pipe(fds.as_mut_ptr()) };\n        fds\n    }\n}\n\
         pub fn make_pipe() -> [i32; 2] {\n    let mut fds = [0; 2];\n    unsafe { libc::pipe(fds.as_mut_ptr()) };\n    fds\n}\n\
         pub fn spawn_with_pipe() {\n    let fds = crate::unistd::pipe();\n    std::process::Command::new(\"true\").status().ok();\n    drop(fds);\n}\n",
    );
    let r = common::forklint(&dir, &["--format", "json", "--no-deps", "."]);
    let mut lines: Vec<u64> = r
        .findings_of("fd_without_cloexec")
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    lines.sort();
    // The undescribed helper's pipe (line 10) and the call of the described
    // one before a spawn (line 14); not the described body (line 4).
    assert_eq!(lines, [10, 14], "{r:?}");
}
