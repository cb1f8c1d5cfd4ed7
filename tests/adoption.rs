//! What stands between forklint and a team's CI (issue 22): exit codes
//! that never mistake an error for findings, settings and baselines found
//! from the linted project rather than the working directory, path globs,
//! several reports from one run, `-q` and colour.

use std::path::Path;
use std::process::Command;

mod common;
use common::{project, write, Run};

fn run_with(dir: &Path, args: &[&str], env: &[(&str, &str)], remove: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_forklint"));
    cmd.current_dir(dir).args(args).env("NO_COLOR", "1");
    for k in remove {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run forklint");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn forklint(dir: &Path, args: &[&str]) -> Run {
    run_with(dir, args, &[], &[])
}

/// Does not parse: one parse_error (warn by default) at line 2.
const BROKEN: &str = "fn main() {\n    let x = 1 +;\n}\n";
const CLEAN: &str = "fn main() {}\n";

/// The `path`s of `--format json` findings.
fn paths(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let p = v["path"].as_str().unwrap();
            p.strip_prefix("./").unwrap_or(p).to_string()
        })
        .collect()
}

#[test]
fn mistakes_exit_2_with_a_suggestion_never_0_or_1() {
    let dir = project("adoption", "mistakes");
    write(&dir, "src/main.rs", BROKEN);
    let cases: [(&[&str], &str); 6] = [
        (&["no/such/dir"], "path `no/such/dir` does not exist"),
        (&["expalin"], "did you mean the subcommand `explain`?"),
        (&["src/mian.rs"], "did you mean `src/main.rs`?"),
        (
            &["src", "-D", "lock_held_acros_fork"],
            "did you mean `lock_held_across_fork`?",
        ),
        (&["explain", "vfork_mususe"], "did you mean `vfork_misuse`?"),
        (&["--output-file", "r.json"], "needs an --output-format before it"),
    ];
    for (args, says) in cases {
        let r = forklint(&dir, args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains(says), "{args:?} should say {says:?}: {r:?}");
    }
    // The real mistake is reported even next to a good path.
    let r = forklint(&dir, &["src", "srcc"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("did you mean `src`?"), "{r:?}");

    write(&dir, "forklint.toml", "[levels]\nparse_erorr = \"deny\"\n");
    let r = forklint(&dir, &["src"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("forklint.toml:2:1") && r.stderr.contains("did you mean `parse_error`?"),
        "{r:?}"
    );
}

#[test]
fn a_failing_cargo_or_rustup_is_exit_2_with_its_message() {
    let dir = project("adoption", "cargo_fails");
    write(
        &dir,
        "Cargo.toml",
        "[workspace]\n[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(&dir, "src/main.rs", CLEAN);
    // A cargo that fails as a broken toolchain does, with exit 1.
    let bin = write(
        &dir,
        "fake-bin/cargo",
        "#!/bin/sh\necho 'error: something cargo-specific broke' >&2\nexit 1\n",
    );
    let _ = Command::new("chmod").arg("+x").arg(&bin).status();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let r = run_with(&dir, &[], &[("PATH", &path)], &["CARGO"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("cargo metadata") && r.stderr.contains("something cargo-specific broke"),
        "what forklint was doing and cargo's message: {r:?}"
    );

    // The real rustup, with a rust-toolchain.toml naming a toolchain that
    // is not installed (and no automatic install).
    write(&dir, "rust-toolchain.toml", "[toolchain]\nchannel = \"1.31.0\"\n");
    let r = run_with(
        &dir,
        &[],
        &[("RUSTUP_AUTO_INSTALL", "0")],
        &["CARGO", "RUSTUP_TOOLCHAIN", "RUSTC", "RUSTDOC"],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("cargo metadata") && r.stderr.contains("1.31.0"),
        "rustup's message, prefixed: {r:?}"
    );
}

#[test]
fn settings_come_from_the_linted_project_not_the_working_directory() {
    let root = project("adoption", "project_settings");
    let elsewhere = root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    write(&root, "proj/forklint.toml", "[levels]\nparse_error = \"deny\"\n");
    write(&root, "proj/src/broken.rs", BROKEN);
    let r = forklint(&elsewhere, &["../proj/src/broken.rs"]);
    assert_eq!(r.code, 1, "proj's forklint.toml applies: {r:?}");
    let r = forklint(&elsewhere, &["../proj", "--full"]);
    assert_eq!(r.code, 1, "{r:?}");

    // A cargo project by --manifest-path: its forklint.toml, and its
    // package table.
    write(
        &root,
        "pkg/Cargo.toml",
        "[workspace]\n[package]\nname = \"pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [package.metadata.forklint.levels]\nparse_error = \"deny\"\n",
    );
    write(&root, "pkg/src/main.rs", BROKEN);
    let args = ["--manifest-path", "../pkg/Cargo.toml", "--full"];
    let r = forklint(&elsewhere, &args);
    assert_eq!(r.code, 1, "pkg's metadata applies: {r:?}");
    write(&root, "pkg/forklint.toml", "[levels]\nparse_error = \"allow\"\n");
    let r = forklint(&elsewhere, &args);
    assert_eq!(
        (r.code, r.stdout.contains("0 errors, 0 warnings")),
        (0, true),
        "{r:?}"
    );
}

#[test]
fn a_baseline_written_at_the_root_works_from_any_subdirectory() {
    let ws = project("adoption", "baseline_root");
    write(
        &ws,
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\"]\nresolver = \"2\"\n",
    );
    write(
        &ws,
        "a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(&ws, "a/src/main.rs", BROKEN);
    let r = forklint(
        &ws,
        &[
            "--full",
            "-D",
            "warnings",
            "--write-baseline",
            "forklint-baseline.json",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(ws.join("forklint-baseline.json").is_file(), "{r:?}");

    let member = ws.join("a");
    let with_baseline = ["--full", "-D", "warnings", "--baseline", "forklint-baseline.json"];
    let r = forklint(&member, &with_baseline);
    assert_eq!(r.code, 0, "the root's baseline, from a member: {r:?}");
    assert!(r.stdout.contains("1 finding baselined"), "{r:?}");
    // By path from inside the member, too.
    let mut by_path = vec!["src"];
    by_path.extend(with_baseline);
    let r = forklint(&member, &by_path);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!member.join("forklint-baseline.json").exists());
}

#[test]
fn a_baseline_that_matches_nothing_warns_once() {
    let dir = project("adoption", "baseline_unmatched");
    write(&dir, "a/lib.rs", BROKEN);
    write(&dir, "b/lib.rs", "fn other() {\n    let y = 2 +;\n}\n");
    let r = forklint(&dir, &["a", "--full", "--write-baseline", "base.json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = forklint(&dir, &["b", "--full", "--baseline", "base.json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stderr.matches("matches none of this run's 1 finding").count(),
        1,
        "{r:?}"
    );
    // A baseline that does its job says nothing of the kind.
    let r = forklint(&dir, &["a", "--full", "--baseline", "base.json"]);
    assert!(!r.stderr.contains("matches none"), "{r:?}");
}

#[test]
fn exclude_and_include_globs_from_config_and_command_line() {
    let dir = project("adoption", "globs");
    for f in ["src/lib.rs", "src/gen/out.rs", "tests/it.rs", "benches/b.rs"] {
        write(&dir, f, BROKEN);
    }
    let json = |dir: &Path, extra: &[&str]| {
        let mut args = vec![".", "--full", "--format", "json"];
        args.extend(extra);
        let r = forklint(dir, &args);
        assert_eq!(r.code, 0, "{r:?}");
        let mut p = paths(&r);
        p.sort();
        p
    };
    assert_eq!(json(&dir, &[]).len(), 4);
    write(&dir, "forklint.toml", "exclude = [\"tests/**\", \"benches\"]\n");
    assert_eq!(json(&dir, &[]), ["src/gen/out.rs", "src/lib.rs"]);
    assert_eq!(json(&dir, &["--exclude-path", "src/gen"]), ["src/lib.rs"]);
    write(
        &dir,
        "forklint.toml",
        "include = [\"src/**\", \"tests/**\"]\nexclude = [\"gen\"]\n",
    );
    assert_eq!(json(&dir, &[]), ["src/lib.rs", "tests/it.rs"]);
    // Relative to the project root, from a subdirectory too; a file named
    // on the command line is linted whatever the globs say.
    let r = forklint(&dir.join("src"), &["gen/out.rs", "--full", "--format", "json"]);
    assert_eq!(paths(&r), ["gen/out.rs"], "{r:?}");
    let r = forklint(&dir.join("src"), &[".", "--full", "--format", "json"]);
    assert_eq!(paths(&r), ["lib.rs"], "{r:?}");
}

#[test]
fn several_reports_from_one_run() {
    let dir = project("adoption", "reports");
    write(&dir, "src/lib.rs", BROKEN);
    let r = forklint(
        &dir,
        &[
            "src",
            "--full",
            "--output-format",
            "sarif",
            "--output-file",
            "out/forklint.sarif",
            "--output-format",
            "gitlab",
            "--output-file",
            "gl.json",
            "--format",
            "short",
        ],
    );
    // out/ does not exist: an error, never findings.
    assert_eq!(r.code, 2, "{r:?}");
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let r = forklint(
        &dir,
        &[
            "src",
            "--full",
            "-D",
            "warnings",
            "--output-format",
            "sarif",
            "--output-file",
            "out/forklint.sarif",
            "--output-format",
            "gitlab",
            "--output-file",
            "gl.json",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    // stdout keeps the human log.
    assert!(
        r.stdout.contains("error[forklint::parse_error]") && r.stdout.contains("1 error, 0 warnings"),
        "{r:?}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/forklint.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
    let gitlab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("gl.json")).unwrap()).unwrap();
    assert_eq!(gitlab[0]["check_name"], "forklint::parse_error");

    // One format for stdout besides the files, in any position.
    let r = forklint(
        &dir,
        &[
            "src",
            "--full",
            "--format",
            "short",
            "--format",
            "junit",
            "--output-file",
            "j.xml",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.starts_with("src/lib.rs:2:"), "{r:?}");
    assert!(std::fs::read_to_string(dir.join("j.xml"))
        .unwrap()
        .contains("<testsuites"));
    let r = forklint(&dir, &["src", "--format", "short", "--format", "json"]);
    assert_eq!(r.code, 2, "two formats for stdout: {r:?}");
}

#[test]
fn quiet_prints_only_findings_and_the_summary_counts_rules() {
    let dir = project("adoption", "quiet");
    write(&dir, "src/lib.rs", BROKEN);
    write(&dir, "src/other.rs", "fn f() {\n    let y = 2 +;\n}\n");
    let r = forklint(&dir, &["src", "--full"]);
    assert!(
        r.stdout
            .contains("0 errors, 2 warnings in 2 files: 2 parse_error"),
        "{r:?}"
    );
    let r = forklint(&dir, &["src", "--full", "-q", "--write-baseline", "b.json"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "", ""),
        "{r:?}"
    );
    let r = forklint(&dir, &["src", "--full", "-q"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("warning[forklint::parse_error]"), "{r:?}");
    assert!(!r.stdout.contains("warnings in"), "no summary: {r:?}");
    assert_eq!(r.stderr, "", "{r:?}");
    // Errors still show.
    let r = forklint(&dir, &["srx", "-q"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not exist"), "{r:?}");
}

#[test]
fn colour_follows_the_flag_cargo_term_color_and_no_color() {
    let dir = project("adoption", "colour");
    write(&dir, "lib.rs", BROKEN);
    let esc = |r: &Run| r.stdout.contains('\u{1b}');
    let bin = env!("CARGO_BIN_EXE_forklint");
    let pipe = |env: &[(&str, &str)], flags: &[&str]| {
        let mut args = vec!["lib.rs", "--full"];
        args.extend(flags);
        run_with(&dir, &args, env, &["NO_COLOR", "CARGO_TERM_COLOR"])
    };
    assert!(!esc(&pipe(&[], &[])), "auto: a pipe is not coloured");
    assert!(esc(&pipe(&[], &["--color", "always"])));
    assert!(esc(&pipe(&[("CARGO_TERM_COLOR", "always")], &[])));
    assert!(
        !esc(&pipe(&[("CARGO_TERM_COLOR", "always")], &["--color", "never"])),
        "the flag wins"
    );

    // On a terminal (util-linux `script` gives it one): coloured, unless
    // NO_COLOR or CARGO_TERM_COLOR=never says otherwise.
    let tty = |env: &str| {
        let out = Command::new("script")
            .current_dir(&dir)
            .args([
                "-qec",
                &format!("env -u NO_COLOR -u CARGO_TERM_COLOR {env} {bin} lib.rs --full"),
                "/dev/null",
            ])
            .output()
            .expect("util-linux `script` is needed for this test");
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}')
    };
    assert!(tty(""), "a terminal is coloured");
    assert!(!tty("NO_COLOR=1"));
    assert!(!tty("CARGO_TERM_COLOR=never"));
}
