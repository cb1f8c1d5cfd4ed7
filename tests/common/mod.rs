//! Scaffolding shared by the tests that run the `forklint` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh directory for one test, under cargo's per-target temp dir:
/// `<group>/<name>`.
pub fn project(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(group).join(name);
    if dir.exists() {
        // A previous run may have left an unreadable file or a loop behind.
        let _ = Command::new("chmod").arg("-R").arg("u+rwx").arg(&dir).status();
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh package for one test (see [`project`]) with a plain manifest
/// (package `t`, edition 2021, no dependencies): its sources are the
/// test's to write.
// Not every test crate that includes this module builds packages.
#[allow(dead_code)]
pub fn package(group: &str, name: &str) -> PathBuf {
    let dir = project(group, name);
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    dir
}

/// Writes `file` (creating its directories) under `dir`; returns its path.
pub fn write(dir: &Path, file: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs the `forklint` binary in `dir` with `args` (no color), to its end.
// Not every test crate that includes this module runs the binary this way.
#[allow(dead_code)]
pub fn forklint(dir: &Path, args: &[&str]) -> Run {
    forklint_with(dir, args, &[])
}

/// [`forklint`] with these environment variables set.
#[allow(dead_code)]
pub fn forklint_with(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_forklint"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run forklint");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// How a run of the binary ended; printed whole when an assertion fails.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

// Not every test crate that includes this module reads findings.
#[allow(dead_code)]
impl Run {
    /// The findings of one rule in a `--format json` run, in output order.
    pub fn findings_of(&self, rule: &str) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .filter(|d| d["rule"] == rule)
            .collect()
    }
}

/// A finding's path as the project names it (without `./`).
#[allow(dead_code)]
pub fn finding_path(finding: &serde_json::Value) -> String {
    finding["path"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("./")
        .to_string()
}
