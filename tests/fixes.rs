//! Fixes: every suggestion forklint makes on the fixtures (read back from
//! its rustc JSON, as rust-analyzer reads them) is applied to a copy, and
//! the copy must compile (`cargo check`) without the finding it fixed.
//! `--fix` on another copy applies only the machine-applicable ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// Two cases the fixtures do not have: an `io::Error::new` in a pre_exec
/// hook and a `CString::new` in the child of a multithreaded fork.
const EXTRA: [(&str, &str); 2] = [
    (
        "extra/io_error_in_pre_exec.rs",
        "use std::io;\nuse std::os::unix::process::CommandExt;\nuse std::process::Command;\n\n\
fn main() {\n    let mut cmd = Command::new(\"true\");\n    unsafe {\n        cmd.pre_exec(|| {\n            \
if libc::setsid() < 0 {\n                return Err(io::Error::new(io::ErrorKind::Other, \"setsid failed\"));\n            \
}\n            Ok(())\n        });\n    }\n    let _ = cmd.status();\n}\n",
    ),
    (
        "extra/cstring_in_child.rs",
        "fn main() {\n    let worker = std::thread::spawn(|| {});\n    let pid = unsafe { libc::fork() };\n    \
if pid == 0 {\n        let path = std::ffi::CString::new(\"/bin/true\").unwrap_or_default();\n        \
let argv = [path.as_ptr(), std::ptr::null()];\n        unsafe { libc::execv(path.as_ptr(), argv.as_ptr()) };\n        \
unsafe { libc::_exit(127) };\n    }\n    let _ = worker.join();\n}\n",
    ),
];

/// A copy of every fixture (and the extra cases) under `dir`.
fn copy_fixtures(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    for entry in walkdir::WalkDir::new(Path::new(REPO).join("fixtures"))
        .min_depth(2)
        .max_depth(2)
    {
        let entry = entry.unwrap();
        let p = entry.path();
        if p.extension().is_some_and(|x| x == "rs") && !p.starts_with(Path::new(REPO).join("fixtures/src")) {
            let rel = p.strip_prefix(Path::new(REPO).join("fixtures")).unwrap();
            std::fs::create_dir_all(dir.join(rel).parent().unwrap()).unwrap();
            std::fs::copy(p, dir.join(rel)).unwrap();
        }
    }
    // The fixtures' shared library (`fixtures::...`).
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::copy(
        Path::new(REPO).join("fixtures/src/lib.rs"),
        dir.join("src/lib.rs"),
    )
    .unwrap();
    for (rel, text) in EXTRA {
        std::fs::create_dir_all(dir.join(rel).parent().unwrap()).unwrap();
        std::fs::write(dir.join(rel), text).unwrap();
    }
}

fn forklint(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_forklint"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// One suggestion from the rustc JSON: file, rule, byte range, text,
/// machine-applicable.
#[derive(Debug, Clone)]
struct Sugg {
    file: String,
    rule: String,
    range: std::ops::Range<usize>,
    text: String,
    machine: bool,
}

fn suggestions(dir: &Path) -> Vec<Sugg> {
    let out = forklint(dir, &[".", "--message-format", "json"]);
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["reason"] != "compiler-message" {
            continue;
        }
        let m = &v["message"];
        let rule = m["code"]["code"]
            .as_str()
            .unwrap()
            .trim_start_matches("forklint::")
            .to_string();
        for child in m["children"].as_array().unwrap() {
            for s in child["spans"].as_array().unwrap() {
                let Some(text) = s["suggested_replacement"].as_str() else {
                    continue;
                };
                let applicability = s["suggestion_applicability"].as_str().unwrap();
                assert!(
                    matches!(applicability, "MachineApplicable" | "MaybeIncorrect"),
                    "{applicability}"
                );
                found.push(Sugg {
                    file: s["file_name"].as_str().unwrap().to_string(),
                    rule: rule.clone(),
                    range: s["byte_start"].as_u64().unwrap() as usize
                        ..s["byte_end"].as_u64().unwrap() as usize,
                    text: text.to_string(),
                    machine: applicability == "MachineApplicable",
                });
            }
        }
    }
    found
}

/// Findings' sites per (file, rule), from `--format json`.
fn counts(dir: &Path) -> BTreeMap<(String, String), usize> {
    let out = forklint(dir, &[".", "--format", "json"]);
    let mut c = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = v["path"].as_str().unwrap().trim_start_matches("./").to_string();
        // A rule reports a child region once, its other sites as labels
        // ("also: .."): each site counts, so fixing one is seen.
        let also = v["related"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["label"].as_str().is_some_and(|l| l.starts_with("also: ")))
            .count();
        *c.entry((path, v["rule"].as_str().unwrap().to_string()))
            .or_insert(0) += 1 + also;
    }
    c
}

/// A cargo package for the given files (one binary each) beside them.
fn package(dir: &Path, name: &str, files: &[String]) {
    let mut toml = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\nautobins = false\n\n\
         [lib]\nname = \"fixtures\"\npath = \"src/lib.rs\"\n\n\
         [dependencies]\nnix = {{ version = \"0.31\", features = [\"process\", \"signal\", \"fs\", \"pthread\", \"sched\"] }}\n\
         libc = \"0.2\"\n",
    );
    for (i, f) in files.iter().enumerate() {
        toml.push_str(&format!(
            "\n[[bin]]\nname = \"{name}{i}\"\npath = {f:?}\ntest = false\n"
        ));
    }
    std::fs::write(dir.join("Cargo.toml"), toml).unwrap();
}

#[test]
fn every_fix_compiles_and_removes_its_finding_and_fix_applies_only_safe_ones() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixes");
    let (every, machine) = (root.join("every"), root.join("machine"));
    copy_fixtures(&every);
    copy_fixtures(&machine);
    let before = counts(&every);
    let suggs = suggestions(&every);
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &suggs {
        *by_rule.entry(s.rule.as_str()).or_default() += 1;
    }
    // Each kind of fix the issue names is there.
    for rule in [
        "fd_without_cloexec",
        "child_escapes_fork_branch",
        "unsafe_call_in_pre_exec",
        "unsafe_call_in_child",
    ] {
        assert!(by_rule.contains_key(rule), "no suggestion for {rule}: {suggs:#?}");
    }
    assert!(suggs.iter().any(|s| s.machine) && suggs.iter().any(|s| !s.machine));

    // Every suggestion, applied file by file.
    let mut per_file: BTreeMap<String, Vec<Sugg>> = BTreeMap::new();
    for s in &suggs {
        per_file.entry(s.file.clone()).or_default().push(s.clone());
    }
    let mut applied: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (file, list) in &per_file {
        let path = every.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let edits: Vec<_> = list.iter().map(|s| (s.range.clone(), s.text.clone())).collect();
        let (new, n) = forklint::fix::apply::apply_edits(&text, &edits);
        assert_eq!(n, list.len(), "{file}: overlapping suggestions");
        std::fs::write(&path, new).unwrap();
        for s in list {
            *applied.entry((file.clone(), s.rule.clone())).or_default() += 1;
        }
    }
    let after = counts(&every);
    for ((file, rule), n) in &applied {
        let was = before.get(&(file.clone(), rule.clone())).copied().unwrap_or(0);
        let now = after.get(&(file.clone(), rule.clone())).copied().unwrap_or(0);
        assert_eq!(
            now + n,
            was,
            "{file}: {rule} should lose the {n} finding(s) fixed"
        );
    }

    // --fix: the machine-applicable ones only, in place.
    let out = forklint(&machine, &[".", "--fix"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let machine_count = suggs.iter().filter(|s| s.machine).count();
    assert!(
        stderr.contains(&format!("fixed {machine_count} findings")),
        "{stderr}"
    );
    for (file, list) in &per_file {
        let fixed = std::fs::read_to_string(machine.join(file)).unwrap();
        let original = std::fs::read_to_string(Path::new(REPO).join("fixtures").join(file))
            .unwrap_or_else(|_| EXTRA.iter().find(|e| e.0 == file).unwrap().1.to_string());
        let machine_here = list.iter().any(|s| s.machine);
        assert_eq!(
            fixed != original,
            machine_here,
            "{file}: --fix touches exactly the files with safe fixes"
        );
        for s in list.iter().filter(|s| !s.machine) {
            assert!(
                fixed.contains(&original[s.range.clone()]),
                "{file}: a maybe-incorrect fix was applied"
            );
        }
    }
    // Without --fix nothing is written.
    let out = forklint(&every, &[".", "--message-format", "json"]);
    assert!(out.status.code().is_some());

    // Both copies compile: one package per copy, the fixed files as
    // binaries, one target directory kept between runs.
    let files: Vec<String> = per_file.keys().cloned().collect();
    package(&every, "every", &files);
    package(&machine, "machine", &files);
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"every\", \"machine\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    std::fs::copy(Path::new(REPO).join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    let target: PathBuf = Path::new(REPO).join("target/fix-check");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&root)
        .args([
            "check",
            "--workspace",
            "--bins",
            "--offline",
            "--quiet",
            "--message-format",
            "short",
        ])
        .arg("--target-dir")
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the fixed fixtures do not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
