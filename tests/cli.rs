//! Drives the `forklint` binary as a user does: exit codes, levels from the
//! command line and from config files, suppressions, baselines, and the
//! `rules` / `explain` subcommands.
//!
//! Most cases use `parse_error` (warn by default): a file that does not
//! parse yields exactly one finding at a known place, independent of the
//! analysis.

use std::path::Path;
use std::process::Command;

mod common;
use common::{forklint, project, write, Run};

/// `--format json` findings as (rule, level, line).
fn findings(run: &Run) -> Vec<(String, String, u64)> {
    run.stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            (
                v["rule"].as_str().unwrap().to_string(),
                v["level"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

const CLEAN: &str = "fn main() {\n    let x = 1;\n    let _ = x;\n}\n";
/// Does not parse: one parse_error at line 2.
const BROKEN: &str = "fn main() {\n    let x = 1 +;\n}\n";

fn parse_error_at(line: u64, level: &str) -> (String, String, u64) {
    ("parse_error".into(), level.into(), line)
}

#[test]
fn exit_codes_follow_levels_from_the_command_line() {
    let dir = project("cli", "exit_codes");
    write(&dir, "clean.rs", CLEAN);
    write(&dir, "broken.rs", BROKEN);

    let r = forklint(&dir, &["clean.rs"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("0 errors, 0 warnings in 1 file"), "{r:?}");

    let r = forklint(&dir, &["broken.rs", "--format", "json"]);
    assert_eq!(
        (r.code, findings(&r)),
        (0, vec![parse_error_at(2, "warning")]),
        "{r:?}"
    );

    for deny in [
        &["-D", "parse_error"][..],
        &["-D", "forklint::parse_error"],
        &["-D", "warnings"],
        &["--deny", "warnings"],
    ] {
        let mut args = vec!["broken.rs", "--format", "json"];
        args.extend(deny);
        let r = forklint(&dir, &args);
        assert_eq!(
            (r.code, findings(&r)),
            (1, vec![parse_error_at(2, "error")]),
            "{deny:?} {r:?}"
        );
    }

    // Later flags win; -D warnings applies to whatever is still a warning.
    let r = forklint(&dir, &["broken.rs", "-D", "parse_error", "-W", "parse_error"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = forklint(
        &dir,
        &[
            "broken.rs",
            "-D",
            "warnings",
            "-A",
            "parse_error",
            "--format",
            "json",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");
    let r = forklint(&dir, &["broken.rs", "-A", "warnings", "--format", "json"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = project("cli", "usage_errors");
    write(&dir, "clean.rs", CLEAN);
    for args in [
        &["clean.rs", "-D", "no_such_rule"][..],
        &["clean.rs", "--no-such-flag"],
        &["clean.rs", "--baseline", "missing.json"],
        &["clean.rs", "--baseline", "a.json", "--write-baseline", "b.json"],
        &["explain", "no_such_rule"],
    ] {
        let r = forklint(&dir, args);
        assert_eq!(r.code, 2, "{args:?} {r:?}");
        assert!(!r.stderr.is_empty(), "{args:?} says why");
    }
    let r = forklint(&dir, &["clean.rs", "-D", "no_such_rule"]);
    assert!(r.stderr.contains("unknown rule `no_such_rule`"), "{r:?}");
}

#[test]
fn forklint_toml_sets_levels_and_the_command_line_overrides_it() {
    let dir = project("cli", "forklint_toml");
    write(&dir, "forklint.toml", "[levels]\nparse_error = \"deny\"\n");
    write(&dir, "src/broken.rs", BROKEN);

    let r = forklint(&dir, &["src/broken.rs"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("error[forklint::parse_error]"), "{r:?}");

    // Found by walking up from a subdirectory.
    let r = forklint(&dir.join("src"), &["broken.rs"]);
    assert_eq!(r.code, 1, "{r:?}");

    let r = forklint(&dir, &["src/broken.rs", "-W", "parse_error"]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn cargo_metadata_sets_levels() {
    let dir = project("cli", "cargo_metadata");
    write(
        &dir,
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\"]\n\n[workspace.metadata.forklint]\nlevels = { parse_error = \"deny\" }\n",
    );
    write(
        &dir,
        "a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(&dir, "a/src/main.rs", BROKEN);

    // From the workspace root, through cargo metadata discovery. `--full`:
    // the broken file names no fork, so only a full run parses it.
    let r = forklint(&dir, &["--full", "--format", "json"]);
    assert_eq!(
        (r.code, findings(&r)),
        (1, vec![parse_error_at(2, "error")]),
        "{r:?}"
    );

    // From the member: its package table overrides the workspace's.
    write(
        &dir,
        "a/Cargo.toml",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [package.metadata.forklint.levels]\nparse_error = \"allow\"\n",
    );
    let r = forklint(&dir.join("a"), &["--format", "json"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");
}

#[test]
fn config_mistakes_are_errors_with_their_location() {
    let dir = project("cli", "config_mistakes");
    write(&dir, "clean.rs", CLEAN);
    for (text, location, says) in [
        (
            "assume_threads = true\nunknown_key = 1\n",
            "forklint.toml:2:1:",
            "unknown_key",
        ),
        (
            "[levels]\nlock_held_across_fork = \"warn\"\nlock_held_acros_fork = \"deny\"\n",
            "forklint.toml:3:1:",
            "unknown rule `lock_held_acros_fork`",
        ),
        (
            "[levels]\nparse_error = \"loud\"\n",
            "forklint.toml:2:15:",
            "\"loud\"",
        ),
        (
            "unknown_calls = \"maybe\"\n",
            "forklint.toml:1:17:",
            "unknown_calls",
        ),
        (
            "[signal_safe]\n\"my::write\" = \"\"\n",
            "forklint.toml:2:15:",
            "needs a reason",
        ),
        ("[levels\n", "forklint.toml:1:", "invalid configuration"),
    ] {
        write(&dir, "forklint.toml", text);
        let r = forklint(&dir, &["clean.rs"]);
        assert_eq!(r.code, 2, "{text:?} {r:?}");
        let err = r.stderr.lines().next().unwrap_or("");
        assert!(err.contains(location) && err.contains(says), "{text:?}: {err}");
    }

    // In Cargo.toml, the location is in Cargo.toml.
    std::fs::remove_file(dir.join("forklint.toml")).unwrap();
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[package.metadata.forklint]\nasume_threads = true\n",
    );
    let r = forklint(&dir, &["clean.rs"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("Cargo.toml:6:1:") && r.stderr.contains("asume_threads"),
        "{r:?}"
    );

    // A valid config with every option is accepted.
    std::fs::remove_file(dir.join("Cargo.toml")).unwrap();
    write(
        &dir,
        "forklint.toml",
        "unknown_calls = \"warn\"\nassume_threads = true\nlock_types = [\"parking_lot::Mutex\"]\n\
         thread_spawners = [\"pool::spawn\"]\n\n[levels]\nwarnings = \"deny\"\n\n\
         [signal_safe]\n\"sys::raw_write\" = \"only calls write(2)\"\n",
    );
    let r = forklint(&dir, &["clean.rs"]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn suppression_comments() {
    let dir = project("cli", "suppressions");
    // The finding is on line 3; the comment above it suppresses it.
    write(
        &dir,
        "above.rs",
        "fn main() {\n    // forklint: allow(parse_error) -- work in progress\n    let x = 1 +;\n}\n",
    );
    write(
        &dir,
        "same_line.rs",
        "fn main() {\n    let x = 1 +; // forklint: allow(forklint::parse_error) -- wip\n}\n",
    );
    write(
        &dir,
        "whole_file.rs",
        "//! forklint: allow(parse_error) -- generated code\n\nfn main() {\n    let x = 1 +;\n}\n",
    );
    for file in ["above.rs", "same_line.rs", "whole_file.rs"] {
        let r = forklint(&dir, &[file, "-D", "warnings", "--format", "json"]);
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{file}: {r:?}");
    }

    // Inside a string literal it is not a comment; the finding stays.
    write(
        &dir,
        "in_string.rs",
        "fn main() {\n    let s = \"// forklint: allow(parse_error)\"; let x = 1 +;\n}\n",
    );
    let r = forklint(&dir, &["in_string.rs", "--format", "json"]);
    assert_eq!(findings(&r), vec![parse_error_at(2, "warning")], "{r:?}");
}

#[test]
fn useless_suppressions_are_reported() {
    let dir = project("cli", "unused");
    write(
        &dir,
        "main.rs",
        "#[cfg_attr(forklint, allow(forklint::lock_held_across_fork))]\nfn main() {\n    \
         // forklint: allow(parse_error) -- nothing to suppress\n    let x = 1;\n    \
         let _ = x; // forklint: allow(lock_held_acros_fork)\n}\n",
    );
    let r = forklint(&dir, &["main.rs", "--format", "json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let got = findings(&r);
    let want: Vec<_> = [1, 3, 5]
        .into_iter()
        .map(|line| ("unused_suppression".to_string(), "warning".to_string(), line))
        .collect();
    assert_eq!(got, want, "{r:?}");
    assert!(r.stdout.contains("unknown rule `lock_held_acros_fork`"), "{r:?}");

    let r = forklint(&dir, &["main.rs", "-A", "unused_suppression", "--format", "json"]);
    assert_eq!(r.stdout, "", "{r:?}");
}

#[test]
fn baseline_round_trip() {
    let dir = project("cli", "baseline");
    write(&dir, "lib.rs", BROKEN);
    write(&dir, "other.rs", "fn other() {\n    let y = 2 +;\n}\n");

    // `--full` throughout: these files name no fork, so only a full run parses them.
    let r = forklint(
        &dir,
        &[
            ".",
            "--full",
            "-D",
            "warnings",
            "--write-baseline",
            "baseline.json",
        ],
    );
    assert_eq!(r.code, 0, "writing a baseline accepts what it records: {r:?}");
    assert!(r.stderr.contains("wrote 2 findings"), "{r:?}");
    let text = std::fs::read_to_string(dir.join("baseline.json")).unwrap();
    assert!(text.contains("\"fingerprint\""), "{text}");

    let check = |dir: &Path| {
        forklint(
            dir,
            &[".", "--full", "-D", "warnings", "--baseline", "baseline.json"],
        )
    };
    let r = check(&dir);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("0 errors, 0 warnings") && r.stdout.contains("2 findings baselined"),
        "{r:?}"
    );

    // Lines added above move the finding; it stays baselined.
    write(
        &dir,
        "lib.rs",
        format!("// A new header.\n\nuse std::io;\n\n{BROKEN}"),
    );
    let r = check(&dir);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("2 findings baselined"), "{r:?}");

    // Changing the offending code brings it back; the other stays hidden.
    write(&dir, "lib.rs", "fn main() {\n    let x = 1 + ];\n}\n");
    let r = check(&dir);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout.contains("1 error, 0 warnings") && r.stdout.contains("1 finding baselined"),
        "{r:?}"
    );
    assert!(r.stdout.contains("lib.rs:2:17"), "{r:?}");

    // Machine formats keep stdout for findings and say it on stderr.
    let r = forklint(
        &dir,
        &[".", "--full", "--format", "json", "--baseline", "baseline.json"],
    );
    assert_eq!(findings(&r), vec![parse_error_at(2, "warning")], "{r:?}");
    assert!(r.stderr.contains("1 finding baselined"), "{r:?}");

    write(&dir, "garbage.json", "not json");
    let r = forklint(&dir, &[".", "--baseline", "garbage.json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("garbage.json") && r.stderr.contains("not a forklint baseline"),
        "{r:?}"
    );
}

#[test]
fn rules_lists_every_rule_with_level_and_summary() {
    let dir = project("cli", "rules");
    let r = forklint(&dir, &["rules"]);
    assert_eq!(r.code, 0, "{r:?}");
    for rule in forklint::rules::RULES {
        let line = r
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(rule.name))
            .unwrap_or_else(|| panic!("{} missing from `rules`: {r:?}", rule.name));
        let level = forklint::output::level_name(rule.default_level);
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(rule.group.as_str()),
            "{line}"
        );
        assert_eq!(line.split_whitespace().nth(2), Some(level), "{line}");
        assert!(line.contains(rule.summary), "{line}");
    }
    assert_eq!(r.stdout.lines().count(), forklint::rules::RULES.len());
}

#[test]
fn explain_prints_the_rule_doc() {
    let dir = project("cli", "explain");
    for name in ["unused_suppression", "forklint::unused_suppression"] {
        let r = forklint(&dir, &["explain", name]);
        assert_eq!(r.code, 0, "{r:?}");
        let doc = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/unused_suppression.md"),
        )
        .unwrap();
        assert_eq!(r.stdout, doc);
    }
    let r = forklint(&dir, &["explain", "unused_supression"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("unknown rule"), "{r:?}");
}

/// A real hazard: `STATE` is locked at the fork (line 9) and the child
/// locks it again. `{ATTR}` and `{TRAIL}` are where suppressions go.
const HAZARD: &str = r#"use std::sync::Mutex;

use nix::unistd::{fork, ForkResult};

static STATE: Mutex<u32> = Mutex::new(0);
{ATTR}
fn spawn_child() {
    let guard = STATE.lock().unwrap();
    match unsafe { fork() } {{TRAIL}
        Ok(ForkResult::Child) => {
            let again = STATE.lock().map(|v| *v).unwrap_or(0);
            unsafe { libc::_exit(again as i32) };
        }
        Ok(ForkResult::Parent { .. }) => drop(guard),
        Err(_) => {}
    }
}

fn main() {
    spawn_child();
}
"#;

fn hazard(attr: &str, trail: &str) -> String {
    HAZARD.replace("{ATTR}", attr).replace("{TRAIL}", trail)
}

fn lock_at(line: u64) -> (String, String, u64) {
    ("lock_held_across_fork".into(), "error".into(), line)
}

#[test]
fn real_finding_levels_and_suppressions() {
    let dir = project("cli", "real_suppressions");
    write(&dir, "plain.rs", hazard("", ""));
    let r = forklint(&dir, &["plain.rs", "--format", "json"]);
    assert_eq!((r.code, findings(&r)), (1, vec![lock_at(9)]), "{r:?}");
    let r = forklint(&dir, &["plain.rs", "-W", "lock_held_across_fork"]);
    assert_eq!(r.code, 0, "{r:?}");

    for (file, attr, trail) in [
        (
            "trailing.rs",
            "",
            " // forklint: allow(lock_held_across_fork) -- the child only reads",
        ),
        (
            "attribute.rs",
            "#[cfg_attr(forklint, allow(forklint::lock_held_across_fork))]",
            "",
        ),
    ] {
        write(&dir, file, hazard(attr, trail));
        let r = forklint(&dir, &[file, "-D", "warnings", "--format", "json"]);
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{file}: {r:?}");
    }
    let above = hazard("", "").replace(
        "    match unsafe",
        "    // forklint: allow(lock_held_across_fork) -- the child only reads\n    match unsafe",
    );
    write(&dir, "above.rs", &above);
    let r = forklint(&dir, &["above.rs", "-D", "warnings", "--format", "json"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");

    // On another item the attribute suppresses nothing, and says so.
    let elsewhere = hazard("", "").replace(
        "fn main()",
        "#[cfg_attr(forklint, allow(forklint::lock_held_across_fork))]\nfn main()",
    );
    write(&dir, "elsewhere.rs", &elsewhere);
    let attr_line = elsewhere
        .lines()
        .position(|l| l.starts_with("#[cfg_attr"))
        .unwrap() as u64
        + 1;
    let r = forklint(&dir, &["elsewhere.rs", "--format", "json"]);
    assert_eq!(
        findings(&r),
        vec![
            lock_at(9),
            ("unused_suppression".into(), "warning".into(), attr_line)
        ],
        "{r:?}"
    );
}

#[test]
fn real_finding_baseline_survives_moves_not_changes() {
    let dir = project("cli", "real_baseline");
    write(&dir, "main.rs", hazard("", ""));
    let r = forklint(&dir, &["main.rs", "--write-baseline", "b.json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = std::fs::read_to_string(dir.join("b.json")).unwrap();
    assert!(text.contains("\"function\": \"spawn_child\""), "{text}");

    let check = |dir: &Path| forklint(dir, &["main.rs", "--baseline", "b.json", "--format", "json"]);
    assert_eq!(check(&dir).code, 0);

    // Moved down by new code above, and reindented: still baselined.
    let moved = hazard("", "")
        .replace("fn spawn_child", "fn unrelated() {}\n\n/// Docs.\nfn spawn_child")
        .replace("match unsafe { fork() }", "match unsafe {  fork( ) }");
    write(&dir, "main.rs", &moved);
    let r = check(&dir);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");
    assert!(r.stderr.contains("1 finding baselined"), "{r:?}");

    // The offending code changed: reported again.
    let changed = hazard("", "").replace("unsafe { fork() }", "unsafe { nix::unistd::fork() }");
    write(&dir, "main.rs", &changed);
    let r = check(&dir);
    assert_eq!((r.code, findings(&r)), (1, vec![lock_at(9)]), "{r:?}");

    // So is the same code in a different function.
    let renamed = hazard("", "").replace("spawn_child", "start_worker");
    write(&dir, "main.rs", &renamed);
    let r = check(&dir);
    assert_eq!((r.code, findings(&r)), (1, vec![lock_at(9)]), "{r:?}");
}

#[test]
fn stats_count_files_read_and_parsed_per_mode() {
    let dir = project("cli", "stats");
    write(&dir, "main.rs", hazard("", ""));
    write(
        &dir,
        "plain.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
    );

    // The plain file names no fork and nothing calls into it: the default
    // mode reads it but has no reason to parse it.
    let r = forklint(&dir, &[".", "--stats", "--format", "json"]);
    assert!(r.stderr.contains("forklint: 2 files read, 1 parsed"), "{r:?}");
    let r = forklint(&dir, &[".", "--stats", "--full", "--format", "json"]);
    assert!(r.stderr.contains("forklint: 2 files read, 2 parsed\n"), "{r:?}");

    // A test in a file that names no fork calls a function that forks:
    // `--full` leaves the test out at first, then parses its file again.
    let dir = project("cli", "stats_again");
    write(&dir, "lib.rs", "mod checks;\npub mod runner;\n");
    write(
        &dir,
        "runner.rs",
        "pub fn run() {\n    if unsafe { libc::fork() } == 0 {\n        unsafe { libc::_exit(0) };\n    }\n}\n",
    );
    write(
        &dir,
        "checks.rs",
        "#[test]\nfn runs() {\n    crate::runner::run();\n}\n",
    );
    let r = forklint(&dir, &[".", "--stats", "--full", "--format", "json"]);
    assert!(
        r.stderr
            .contains("forklint: 3 files read, 3 parsed (1 parsed again)"),
        "{r:?}"
    );
    // Walking every entry point from the start needs no second parse.
    let every = ["--stats", "--full", "--walk-every-entry", "--format", "json", "."];
    let r = forklint(&dir, &every);
    assert!(r.stderr.contains("forklint: 3 files read, 3 parsed\n"), "{r:?}");
    let r = forklint(&dir, &every[2..]);
    assert_eq!(r.code, 2, "--walk-every-entry needs --full: {r:?}");

    // Without the flag, machine formats keep stderr free of it.
    let r = forklint(&dir, &[".", "--format", "json"]);
    assert!(!r.stderr.contains("files read"), "{r:?}");
}

#[test]
fn config_knowledge_reaches_the_analysis() {
    let dir = project("cli", "config_knowledge");
    // A pool the knowledge tables do not know starts threads; the child
    // prints (takes stdout's lock) and builds a CString (allocates).
    write(
        &dir,
        "main.rs",
        "fn main() {\n    pool::spawn_worker(|| {});\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        println!(\"child\");\n        let _c = std::ffi::CString::new(\"x\");\n        unsafe { libc::_exit(0) };\n    }\n}\n",
    );
    let r = forklint(&dir, &["main.rs", "--format", "json"]);
    assert_eq!(
        findings(&r),
        vec![],
        "without config the pool is unknown: no thread evidence: {r:?}"
    );

    write(
        &dir,
        "forklint.toml",
        "thread_spawners = [\"pool::spawn_worker\"]\n",
    );
    let r = forklint(&dir, &["main.rs", "--format", "json"]);
    let rules: Vec<(String, u64)> = findings(&r)
        .into_iter()
        .map(|(rule, _, line)| (rule, line))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("fork_after_thread_spawn".into(), 5),
            ("unsafe_call_in_child".into(), 6)
        ],
        "{r:?}"
    );

    write(
        &dir,
        "forklint.toml",
        "thread_spawners = [\"pool::spawn_worker\"]\n\n[signal_safe]\n\"std::ffi::CString::new\" = \"this program's allocator takes no locks\"\n",
    );
    let r = forklint(&dir, &["main.rs", "--format", "json"]);
    let rules: Vec<String> = findings(&r).into_iter().map(|(rule, _, _)| rule).collect();
    assert_eq!(rules, vec!["fork_after_thread_spawn".to_string()], "{r:?}");
}

#[test]
fn package_selection_follows_cargo() {
    let dir = project("cli", "package_selection");
    write(&dir, "Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n");
    // The same hazard in each package: a fork whose child falls through.
    let hazard = "fn main() {\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        println!(\"child\");\n    }\n}\n";
    for p in ["a", "b"] {
        write(
            &dir,
            &format!("{p}/Cargo.toml"),
            format!("[package]\nname = \"{p}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
        write(&dir, &format!("{p}/src/main.rs"), hazard);
    }
    let paths = |args: &[&str]| -> Vec<String> {
        let r = forklint(&dir, &[args, &["--format", "json"]].concat());
        let mut p: Vec<String> = r
            .stdout
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["path"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        p.dedup();
        p
    };
    assert_eq!(
        paths(&[]),
        vec!["a/src/main.rs", "b/src/main.rs"],
        "a virtual workspace lints every member"
    );
    assert_eq!(paths(&["-p", "b"]), vec!["b/src/main.rs"]);
    assert_eq!(paths(&["--workspace", "--exclude", "a"]), vec!["b/src/main.rs"]);
    assert_eq!(
        paths(&["--manifest-path", "a/Cargo.toml", "-p", "a"]),
        vec!["a/src/main.rs"]
    );
    let r = forklint(&dir, &["-p", "nope"]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn panic_abort_profile_silences_only_the_panic_escape() {
    let dir = project("cli", "panic_abort");
    // The child can panic (unwrap) and falls through past its branch.
    let src = "fn main() {\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        let n: Option<u8> = None;\n        let _ = n.unwrap();\n    }\n}\n";
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"pa\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(&dir, "src/main.rs", src);
    // The panic is child_may_unwind's (pedantic: turned on here).
    let lines = |dir: &Path| -> Vec<(String, u64)> {
        let r = forklint(dir, &["--format", "json", "-W", "pedantic"]);
        findings(&r)
            .into_iter()
            .filter(|(rule, _, _)| rule == "child_escapes_fork_branch" || rule == "child_may_unwind")
            .map(|f| (f.0, f.2))
            .collect()
    };
    assert_eq!(
        lines(&dir),
        vec![
            ("child_may_unwind".to_string(), 5),
            ("child_escapes_fork_branch".to_string(), 6)
        ],
        "a panic that unwinds, and the fall-through"
    );
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"pa\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[profile.dev]\npanic = \"abort\"\n[profile.release]\npanic = \"abort\"\n",
    );
    assert_eq!(
        lines(&dir),
        vec![("child_escapes_fork_branch".to_string(), 6)],
        "under panic = \"abort\" a panic cannot unwind into the parent"
    );
}

#[test]
fn a_descriptor_without_cloexec_is_reported_only_in_a_program_that_execs() {
    // Each integration test, example and the package itself are programs of
    // their own: the library's pipe and the test's socket never meet an
    // exec (the example is the one program that spawns), and the example's
    // own pipe leaks into the shell it runs.
    let dir = project("cli", "fd_programs");
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"fdp\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    let pipe = "    let mut fds = [0i32; 2];\n    unsafe { libc::pipe(fds.as_mut_ptr()) };\n";
    write(
        &dir,
        "src/lib.rs",
        format!("pub fn channel() -> [i32; 2] {{\n{pipe}    fds\n}}\n"),
    );
    write(
        &dir,
        "tests/sockets.rs",
        "#[test]\nfn pair() {\n    let mut sv = [0i32; 2];\n    unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr()) };\n    assert!(sv[0] >= 0);\n}\n",
    );
    write(
        &dir,
        "examples/run.rs",
        format!("fn main() {{\n{pipe}    let _ = std::process::Command::new(\"/bin/true\").status();\n    let _ = fds;\n}}\n"),
    );
    let r = forklint(&dir, &["--format", "json", "."]);
    let found: Vec<(String, u64)> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["rule"] == "fd_without_cloexec")
        .map(|v| {
            (
                v["path"].as_str().unwrap().trim_start_matches("./").to_string(),
                v["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(found, vec![("examples/run.rs".to_string(), 3)], "{r:?}");
}

#[test]
fn a_hook_in_a_program_with_no_thread_at_its_spawn_warns() {
    // println! in a pre_exec hook meets stdout's lock held only if another
    // thread holds it: an example that starts none warns (suspicious); the
    // same hook after a thread is spawned, and std::env in any hook (spawn
    // holds the env lock across its fork), stay deny.
    let dir = project("cli", "hook_programs");
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"hooks\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    let hook = |body: &str, before: &str| {
        format!(
            "use std::os::unix::process::CommandExt;\nfn main() {{\n{before}    let mut c = std::process::Command::new(\"/bin/true\");\n    unsafe {{\n        c.pre_exec(|| {{\n            {body}\n            Ok(())\n        }});\n    }}\n    c.status().ok();\n}}\n"
        )
    };
    write(&dir, "examples/quiet.rs", hook("println!(\"hook\");", ""));
    write(
        &dir,
        "examples/threaded.rs",
        hook("println!(\"hook\");", "    let _t = std::thread::spawn(|| {});\n"),
    );
    write(
        &dir,
        "examples/env.rs",
        hook("std::env::set_var(\"X\", \"1\");", ""),
    );
    let r = forklint(&dir, &["--format", "json", "."]);
    let mut found: Vec<(String, String)> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["rule"] == "unsafe_call_in_pre_exec")
        .map(|v| {
            (
                v["path"].as_str().unwrap().trim_start_matches("./").to_string(),
                v["level"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("examples/env.rs".to_string(), "error".to_string()),
            ("examples/quiet.rs".to_string(), "warning".to_string()),
            ("examples/threaded.rs".to_string(), "error".to_string()),
        ],
        "{r:?}"
    );
}

#[test]
fn path_mode_skips_what_git_ignores_and_only_cargos_target_dirs() {
    // A git repository whose .gitignore names generated/; a src/target/
    // module (not cargo's: no CACHEDIR.TAG) and a cargo target/ directory.
    let dir = project("cli", "gitignore_walk");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    write(&dir, ".gitignore", "generated/\n");
    let hazard = "fn f() {\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        let _x = 1;\n    }\n}\n";
    write(&dir, "generated/gen.rs", hazard);
    write(&dir, "src/target/mod.rs", hazard);
    write(
        &dir,
        "target/CACHEDIR.TAG",
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    );
    write(&dir, "target/debug/build/out.rs", hazard);
    let paths = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        all.push(".");
        let r = forklint(&dir, &all);
        let mut p: Vec<String> = findings_paths(&r);
        p.sort();
        p.dedup();
        p
    };
    assert_eq!(paths(&[]), vec!["src/target/mod.rs"]);
    assert_eq!(
        paths(&["--no-ignore"]),
        vec!["generated/gen.rs", "src/target/mod.rs"]
    );
}

fn findings_paths(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["path"].as_str().unwrap().trim_start_matches("./").to_string()
        })
        .collect()
}

#[test]
fn a_descriptor_made_by_test_code_is_pedantic() {
    let dir = common::package("cli", "fd_in_tests");
    let body = "let mut fds = [0; 2];\n        unsafe { libc::pipe(fds.as_mut_ptr()) };\n        std::process::Command::new(\"true\").status().ok();";
    // A unit test in a #[cfg(test)] module, a helper in a file declared
    // `#[cfg(test)]`, an integration test, and the same code in the binary.
    common::write(
        &dir,
        "src/main.rs",
        format!(
            "fn main() {{\n    {body}\n}}\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn leaks() {{\n        {body}\n    }}\n}}\n#[cfg(test)]\nmod helpers;\n"
        ),
    );
    // A helper (no #[test] of its own) in a file declared `#[cfg(test)]`.
    common::write(
        &dir,
        "src/helpers.rs",
        format!("pub fn spawn_with_pipe() {{\n    {body}\n}}\n"),
    );
    common::write(
        &dir,
        "tests/spawn.rs",
        format!("#[test]\nfn leaks() {{\n    {body}\n}}\n"),
    );
    let lines = |run: &common::Run| -> Vec<String> {
        run.findings_of("fd_without_cloexec")
            .iter()
            .map(|d| format!("{}:{}", common::finding_path(d), d["line"]))
            .collect()
    };
    let default = common::forklint(&dir, &["--format", "json", "."]);
    assert_eq!(lines(&default), ["src/main.rs:3"], "{default:?}");
    let all = common::forklint(&dir, &["--format", "json", "-W", "pedantic", "."]);
    let mut got = lines(&all);
    got.sort();
    assert_eq!(
        got,
        [
            "src/helpers.rs:3",
            "src/main.rs:11",
            "src/main.rs:3",
            "tests/spawn.rs:4"
        ],
        "{all:?}"
    );
}
