//! Calls into dependencies judged from their sources: found beside the
//! linted package as `cargo vendor --versioned-dirs` lays them out, cached
//! per version, honest about what is not on disk.

mod common;

use common::{forklint_with, project, write};

/// A vendored package `app` whose `pre_exec` hook calls two functions of
/// its dependency `kit` (one takes a lock, one only closes descriptors) and
/// one of `gone`, which is not on disk. Returns the package directory.
fn vendored(name: &str) -> std::path::PathBuf {
    let root = project("deps", name);
    write(
        &root,
        "vendor/app-0.1.0/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nkit = { version = \"0.2\", package = \"kit-rs\" }\ngone = \"1\"\n",
    );
    write(
        &root,
        "vendor/app-0.1.0/src/main.rs",
        "use std::os::unix::process::CommandExt;\n\
         fn main() {\n\
         \x20   let mut cmd = std::process::Command::new(\"/bin/true\");\n\
         \x20   unsafe {\n\
         \x20       cmd.pre_exec(|| {\n\
         \x20           kit::fds::close_from(3);\n\
         \x20           kit::remember(\"child\");\n\
         \x20           gone::tidy();\n\
         \x20           Ok(())\n\
         \x20       });\n\
         \x20   }\n\
         \x20   cmd.status().ok();\n\
         }\n",
    );
    // Two versions: the requirement picks 0.2.
    for (version, body) in [
        ("0.1.0", ""),
        ("0.2.3", "NAMES.lock().unwrap().push(name.to_string());"),
    ] {
        let dir = format!("vendor/kit-rs-{version}");
        write(
            &root,
            &format!("{dir}/Cargo.toml"),
            format!("[package]\nname = \"kit-rs\"\nversion = \"{version}\"\n\n[lib]\nname = \"kit\"\n"),
        );
        write(
            &root,
            &format!("{dir}/src/lib.rs"),
            format!(
                "pub mod fds;\nmod names;\npub use names::remember;\n\
                 static NAMES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());\n\
                 fn keep(name: &str) {{ {body} }}\n"
            ),
        );
        write(
            &root,
            &format!("{dir}/src/names.rs"),
            "pub fn remember(name: &str) { crate::keep(name) }\n",
        );
        write(
            &root,
            &format!("{dir}/src/fds.rs"),
            "pub fn close_from(first: i32) { let mut fd = first; while fd < 1024 { unsafe { libc::close(fd); } fd += 1; } }\n",
        );
    }
    root.join("vendor/app-0.1.0")
}

#[test]
fn a_dependency_function_is_judged_by_its_source_and_cached() {
    let app = vendored("cached");
    let cache = app.parent().unwrap().parent().unwrap().join("cache");
    let env = [("FORKLINT_CACHE_DIR", cache.as_path())];
    let cold = forklint_with(&app, &["--stats", "--verbose", "."], &env);
    assert_eq!(
        cold.code, 0,
        "a warning: no thread of the program is seen; {cold:?}"
    );
    assert!(
        cold.stdout.contains("warning[forklint::unsafe_call_in_pre_exec]"),
        "{cold:?}"
    );
    // The lock, through the re-export and a second function, in 0.2.3.
    assert!(
        cold.stdout
            .contains("`kit::remember`: in `kit-rs` 0.2.3, it calls `crate::keep`, which calls `.lock()`"),
        "{cold:?}"
    );
    // The function that only closes descriptors is clean.
    assert!(!cold.stdout.contains("close_from`:"), "{cold:?}");
    assert!(cold.stderr.contains("dependency files parsed"), "{cold:?}");
    // What is not on disk is said once, not guessed.
    assert!(
        cold.stderr
            .contains("note: the source of `gone` 1 is not on disk"),
        "{cold:?}"
    );
    let cached: Vec<_> = walkdir::WalkDir::new(&cache)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "kit-rs-0.2.3.json")
        .collect();
    assert_eq!(cached.len(), 1, "one cache file for the version read");
    let text = std::fs::read_to_string(cached[0].path()).unwrap();
    assert!(text.contains("kit::remember"), "{text}");

    // Warm: the same finding without reading the dependency again.
    let warm = forklint_with(&app, &["--stats", "."], &env);
    assert_eq!(warm.stdout, cold.stdout, "{warm:?}");
    assert!(!warm.stderr.contains("dependency files parsed"), "{warm:?}");
}

#[test]
fn no_deps_judges_by_the_tables_alone() {
    let app = vendored("no_deps");
    let cache = app.parent().unwrap().parent().unwrap().join("cache");
    let run = forklint_with(
        &app,
        &["--no-deps", "."],
        &[("FORKLINT_CACHE_DIR", cache.as_path())],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!cache.exists(), "nothing read, nothing cached");
}

#[test]
fn std_is_read_from_rust_src_when_installed() {
    let root = project("deps", "rust_src");
    write(
        &root,
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(
        &root,
        "app/src/main.rs",
        "use std::os::unix::process::CommandExt;\n\
         fn main() {\n\
         \x20   let mut cmd = std::process::Command::new(\"/bin/true\");\n\
         \x20   unsafe { cmd.pre_exec(|| { std::hooks::run_registered(); Ok(()) }); }\n\
         \x20   cmd.status().ok();\n\
         }\n",
    );
    // A stand-in for the rust-src component's library/ (std's real source
    // is not installed here): a function the tables do not list.
    write(
        &root,
        "library/std/Cargo.toml",
        "[package]\nname = \"std\"\nversion = \"0.0.0\"\n",
    );
    write(
        &root,
        "library/std/src/lib.rs",
        "pub mod hooks {\n    pub fn run_registered() { let _g = super::HOOKS.lock(); }\n}\n\
         static HOOKS: crate::sync::Mutex<()> = crate::sync::Mutex::new(());\n",
    );
    let app = root.join("app");
    let cache = root.join("cache");
    let library = root.join("library");
    let with_src = forklint_with(
        &app,
        &["."],
        &[
            ("FORKLINT_CACHE_DIR", cache.as_path()),
            ("RUST_SRC_PATH", library.as_path()),
        ],
    );
    assert!(
        with_src
            .stdout
            .contains("`hooks::run_registered`: in `std` rust-src-"),
        "{with_src:?}"
    );
    let missing = root.join("no-library");
    let without = forklint_with(
        &app,
        &["--verbose", "."],
        &[
            ("FORKLINT_CACHE_DIR", cache.as_path()),
            ("RUST_SRC_PATH", missing.as_path()),
        ],
    );
    assert!(!without.stdout.contains("run_registered`:"), "{without:?}");
    assert!(
        without
            .stderr
            .contains("the source of `std` is not installed (`rustup component add rust-src`"),
        "{without:?}"
    );
}

#[test]
fn an_unknown_call_says_why_it_is_unknown() {
    let app = vendored("unknown_why");
    write(&app, "forklint.toml", "unknown_calls = \"warn\"\n");
    write(
        &app,
        "src/main.rs",
        "use std::os::unix::process::CommandExt;\n\
         fn install(cmd: &mut std::process::Command, hook: fn()) {\n\
         \x20   unsafe {\n\
         \x20       cmd.pre_exec(move || {\n\
         \x20           gone::tidy();\n\
         \x20           hook();\n\
         \x20           Ok(())\n\
         \x20       });\n\
         \x20   }\n\
         }\n\
         fn main() {\n\
         \x20   let mut cmd = std::process::Command::new(\"/bin/true\");\n\
         \x20   install(&mut cmd, || {});\n\
         \x20   cmd.status().ok();\n\
         }\n",
    );
    let cache = app.parent().unwrap().parent().unwrap().join("cache");
    let run = forklint_with(&app, &["."], &[("FORKLINT_CACHE_DIR", cache.as_path())]);
    for why in [
        "`gone::tidy`: not known to be async-signal-safe: the source of `gone` 1 is not on disk",
        "`hook`: not known to be async-signal-safe: a closure or function pointer called through a value",
    ] {
        assert!(run.stdout.contains(why), "{why}\n{run:?}");
    }
}
