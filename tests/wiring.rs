//! The ready-made CI wiring: the pre-commit hook run by the real
//! `pre-commit` (from PyPI, installed by `.ci/tools`) in a scratch git
//! repository, and the GitHub Action's scripts run as the action runs
//! them, with its action.yml read by PyYAML.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod tools;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A lock held across fork(): a deny-level finding.
const HAZARD: &str = "use std::sync::Mutex;\n\nstatic STATE: Mutex<u32> = Mutex::new(0);\n\n\
fn main() {\n    let _guard = STATE.lock().unwrap();\n    if unsafe { libc::fork() } == 0 {\n        \
let n = *STATE.lock().unwrap();\n        unsafe { libc::_exit(n as i32) };\n    }\n}\n";
const CLEAN: &str = "fn main() {\n    println!(\"hello\");\n}\n";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wiring").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\n\n[package]\nname = \"scratch\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), CLEAN).unwrap();
    dir
}

/// PATH with the forklint under test first.
fn path_with_forklint() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_forklint")).parent().unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default())
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git").current_dir(dir).args(args).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_pre_commit_hook_passes_clean_code_and_fails_a_hazard() {
    // The hook definition of this working tree, in a repository of its own
    // (pre-commit reads hooks from a repository's commit).
    let hooks = scratch("pre_commit_hooks");
    std::fs::copy(
        Path::new(REPO).join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(&hooks, &["init", "-q"]);
    git(&hooks, &["add", ".pre-commit-hooks.yaml"]);
    git(
        &hooks,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "hooks",
        ],
    );
    let dir = scratch("pre_commit");
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wiring/pre-commit-home");
    let pre_commit = |dir: &Path| {
        Command::new(tools::bin("pre-commit"))
            .current_dir(dir)
            .args(["try-repo", "--all-files", "--color", "never"])
            .arg(&hooks)
            .arg("forklint")
            .env("PATH", path_with_forklint())
            .env("PRE_COMMIT_HOME", &home)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env_remove("CARGO")
            .output()
            .expect("run pre-commit")
    };
    let out = pre_commit(&dir);
    assert_eq!(out.status.code(), Some(0), "clean code passes: {}", text(&out));
    assert!(
        text(&out).contains("forklint") && text(&out).contains("Passed"),
        "{}",
        text(&out)
    );

    std::fs::write(dir.join("src/main.rs"), HAZARD).unwrap();
    git(&dir, &["add", "."]);
    let out = pre_commit(&dir);
    assert_eq!(out.status.code(), Some(1), "a hazard fails: {}", text(&out));
    let t = text(&out);
    assert!(t.contains("Failed") && t.contains("lock_held_across_fork"), "{t}");
    assert!(t.contains("src/main.rs"), "{t}");
}

/// Runs action/run.sh in `dir` as the action's lint step does; returns its
/// exit code, its stdout and the step outputs it wrote.
fn action_run(dir: &Path, args: &str) -> (i32, String, String) {
    let outputs = dir.join("github-output");
    std::fs::write(&outputs, "").unwrap();
    let out = Command::new("bash")
        .arg(Path::new(REPO).join("action/run.sh"))
        .current_dir(dir)
        .env("PATH", path_with_forklint())
        .env("FORKLINT_ARGS", args)
        .env("FORKLINT_SARIF_FILE", "forklint.sarif")
        .env("FORKLINT_ANNOTATE", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .env("NO_COLOR", "1")
        .env_remove("CARGO")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&outputs).unwrap(),
    )
}

#[test]
fn the_actions_run_script_annotates_writes_sarif_and_reports_the_exit_code() {
    let dir = scratch("action");
    // A repository of its own, as the action's checkout is: annotation and
    // SARIF paths are relative to it.
    git(&dir, &["init", "-q"]);
    let (code, stdout, outputs) = action_run(&dir, "");
    assert_eq!(code, 0, "{stdout}");
    assert!(
        outputs.contains("exit-code=0\n") && outputs.contains("sarif-file=forklint.sarif\n"),
        "{outputs}"
    );

    std::fs::write(dir.join("src/main.rs"), HAZARD).unwrap();
    let (code, stdout, outputs) = action_run(&dir, "");
    // The step itself passes so that the upload runs; the output carries 1.
    assert_eq!(code, 0, "{stdout}");
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    assert!(
        stdout.contains("::error file=src/main.rs,line=7,")
            && stdout.contains("title=forklint%3A%3Alock_held_across_fork::"),
        "annotations on the diff: {stdout}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("forklint.sarif")).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "lock_held_across_fork"),
        "{sarif}"
    );

    // Arguments reach forklint: allowing the rule makes the run clean.
    let (_, _, outputs) = action_run(&dir, "-A lock_held_across_fork -A child_escapes_fork_branch");
    assert!(outputs.contains("exit-code=0\n"), "{outputs}");
    // An error fails the step at once.
    let (code, stdout, outputs) = action_run(&dir, "no/such/path");
    assert_eq!(code, 2, "{stdout}");
    assert!(
        outputs.contains("exit-code=2\n") && stdout.contains("::error title=forklint::"),
        "{stdout}"
    );
}

#[test]
fn action_yml_wires_install_run_upload_and_failure() {
    // PyYAML comes with pre-commit in the tools' virtualenv.
    let script = "import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))\n";
    let out = Command::new(tools::bin("python"))
        .args(["-c", script])
        .arg(Path::new(REPO).join("action.yml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let action: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let run_of = |i: usize| steps[i]["run"].as_str().unwrap_or("").to_string();
    assert!(run_of(0).contains("action/install.sh"));
    assert!(run_of(1).contains("action/run.sh") && steps[1]["id"] == "lint");
    for (input, env) in [
        ("args", "FORKLINT_ARGS"),
        ("sarif-file", "FORKLINT_SARIF_FILE"),
        ("annotate", "FORKLINT_ANNOTATE"),
    ] {
        assert!(action["inputs"][input].is_object(), "input {input}");
        assert_eq!(steps[1]["env"][env], format!("${{{{ inputs.{input} }}}}"));
    }
    let upload = &steps[2];
    assert!(upload["uses"]
        .as_str()
        .unwrap()
        .starts_with("github/codeql-action/upload-sarif@"));
    assert!(
        upload["if"].as_str().unwrap().contains("always()"),
        "uploads even when findings fail the lint"
    );
    assert!(upload["with"]["sarif_file"]
        .as_str()
        .unwrap()
        .contains("steps.lint.outputs.sarif-file"));
    assert!(steps[3]["if"]
        .as_str()
        .unwrap()
        .contains("steps.lint.outputs.exit-code != '0'"));
    assert_eq!(
        action["outputs"]["exit-code"]["value"],
        "${{ steps.lint.outputs.exit-code }}"
    );

    // The install script builds this checkout, unless that version is
    // already installed; a fake cargo records what it was asked.
    let dir = scratch("install");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("cargo.log");
    std::fs::write(
        bin.join("cargo"),
        format!("#!/bin/sh\necho \"$@\" > {}\n", log.display()),
    )
    .unwrap();
    std::fs::write(bin.join("forklint"), "#!/bin/sh\necho forklint 0.0.0-old\n").unwrap();
    for f in ["cargo", "forklint"] {
        let _ = Command::new("chmod").arg("+x").arg(bin.join(f)).status();
    }
    let install = |path: String| {
        Command::new("bash")
            .arg(Path::new(REPO).join("action/install.sh"))
            .env("FORKLINT_ACTION_PATH", REPO)
            .env("PATH", path)
            .output()
            .unwrap()
    };
    let fake_path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = install(fake_path);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().trim(),
        format!("install --locked --path {REPO} --bins")
    );
    std::fs::remove_file(&log).unwrap();
    std::fs::remove_file(bin.join("forklint")).unwrap();
    let out = install(format!("{}:{}", bin.display(), path_with_forklint()));
    // This checkout's forklint is first on PATH now: nothing to build.
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("is installed"),
        "{}",
        text(&out)
    );
    assert!(
        !log.exists(),
        "cargo install ran although the version is installed"
    );
}
