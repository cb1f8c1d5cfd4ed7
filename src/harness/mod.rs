//! Runtime confirmation of fixtures (`cargo forklint confirm`).
//!
//! Builds the fixture programs, runs each one that has a `//@ run:`
//! directive several times under supervision (`supervisor`), judges the runs
//! against the directive (`judge`), lints the fixture to compare its
//! findings with its `//~` annotations, and reports both (`report`).

pub mod judge;
pub mod procfs;
pub mod report;
pub mod supervisor;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use clap::{Args, ValueEnum};
use nix::sys::signal::Signal;

use crate::fixture::{self, FixtureSpec};
use judge::Verdict;
pub use report::ConfirmReport;
use report::{FixtureResult, LineRule, RunRecord, RuntimeResult, StaticCheck};
use supervisor::{Interrupt, Job, Observation, Supervisor};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfirmFormat {
    Human,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct ConfirmArgs {
    /// Fixture files or directories (default: the repository's fixtures/).
    pub paths: Vec<PathBuf>,

    /// Runs of each fixture, unless its directive says `runs=`.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub runs: usize,

    /// Runs at the same time (default: the number of cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Seconds a run may take, unless its directive says `timeout=`.
    #[arg(long, default_value_t = 3.0, value_name = "SECS")]
    pub timeout: f64,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ConfirmFormat,

    /// Do not build the fixtures; use the binaries already built.
    #[arg(long)]
    pub no_build: bool,

    /// Where the fixture binaries are (implies --no-build).
    #[arg(long, value_name = "DIR")]
    pub bin_dir: Option<PathBuf>,

    /// Cargo target directory for the fixture build (default: target/fixtures
    /// in the workspace of the fixtures package).
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,

    /// No progress: only the report and errors.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

impl Default for ConfirmArgs {
    fn default() -> Self {
        ConfirmArgs {
            paths: Vec::new(),
            runs: 5,
            jobs: None,
            timeout: 3.0,
            format: ConfirmFormat::Human,
            no_build: false,
            bin_dir: None,
            target_dir: None,
            quiet: false,
        }
    }
}

/// The longest timeout a run may have: a day.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

fn checked_timeout(secs: f64) -> Option<Duration> {
    (secs > 0.0 && secs <= MAX_TIMEOUT_SECS).then(|| Duration::from_secs_f64(secs))
}

/// Why a confirmation stopped without a report.
#[derive(Debug)]
pub enum ConfirmError {
    /// Bad arguments, no fixtures, a failed build (exit 2).
    Setup(String),
    /// SIGINT or SIGTERM: everything started was killed and reaped.
    Interrupted(Signal),
}

/// Runs the confirmation and returns the process exit code: 0 when every
/// fixture is confirmed or clean and matches its annotations, 1 otherwise,
/// 2 on a setup error, 128 + the signal when interrupted. `render` turns
/// the report into the text printed (the output formats are the caller's).
pub fn run_confirm(args: &ConfirmArgs, render: impl Fn(&ConfirmReport) -> String) -> i32 {
    let interrupt = match Interrupt::install() {
        Ok(i) => Some(i),
        Err(e) => {
            eprintln!("warning: cannot handle SIGINT/SIGTERM: {e}");
            None
        }
    };
    let progress = args.format == ConfirmFormat::Human && !args.quiet;
    let result = confirm(args, interrupt.as_ref(), progress);
    // This process starts no other children, so anything of ours still
    // around (only a process that escaped every way of tracking a run) can
    // go now.
    let swept = sweep_descendants();
    if swept > 0 {
        eprintln!("warning: killed {swept} leftover process(es) no run could account for");
    }
    match result {
        Ok(report) => {
            let text = render(&report);
            // A closed stdout (`| head`) is not an error worth a panic.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            i32::from(!report.ok)
        }
        Err(ConfirmError::Setup(msg)) => {
            eprintln!("error: {msg}");
            2
        }
        Err(ConfirmError::Interrupted(sig)) => {
            eprintln!(
                "forklint confirm: interrupted by {}; every process it started is gone",
                sig.as_str()
            );
            128 + sig as i32
        }
    }
}

/// Kills every descendant of this process and reaps every child it has.
/// Only for a process that has no children of its own to wait for: it
/// calls `waitpid(-1)`. Returns how many processes it found.
pub fn sweep_descendants() -> usize {
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    let me = std::process::id() as i32;
    let mut found = std::collections::HashSet::new();
    for _ in 0..1000 {
        let table = procfs::ProcTable::scan();
        let rest = table.descendants_of(me);
        for p in &rest {
            found.insert((p.pid, p.start));
            if !p.zombie {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(p.pid), Signal::SIGKILL);
            }
        }
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(_) => break,
                Ok(_) => {}
            }
        }
        if rest.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    found.len()
}

/// One fixture file: `DIR/RULE/CASE.rs`, built as the binary `RULE-CASE`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FixtureFile {
    pub path: PathBuf,
    pub rule: String,
    pub case: String,
}

impl FixtureFile {
    fn from_path(path: &Path) -> Option<FixtureFile> {
        let case = path.file_stem()?.to_str()?.to_string();
        let rule = path.parent()?.file_name()?.to_str()?.to_string();
        Some(FixtureFile {
            path: path.to_path_buf(),
            rule,
            case,
        })
    }

    pub fn binary_name(&self) -> String {
        format!("{}-{}", self.rule, self.case)
    }

    /// The fixtures package this file belongs to (the directory above its
    /// rule directory).
    fn package_dir(&self) -> Option<PathBuf> {
        Some(self.path.parent()?.parent()?.to_path_buf())
    }
}

/// The fixture files under the given files and directories: `.rs` files one
/// or two levels down (RULE/CASE.rs from the package, CASE.rs from a rule
/// directory), not the package's own `src/`.
pub fn find_fixtures(paths: &[PathBuf]) -> Result<Vec<FixtureFile>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.extend(FixtureFile::from_path(path));
        } else if path.is_dir() {
            let walk = walkdir::WalkDir::new(path)
                .min_depth(1)
                .max_depth(2)
                .sort_by_file_name();
            for entry in walk.into_iter().filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                !(e.file_type().is_dir() && (name == "src" || name == "target" || name.starts_with('.')))
            }) {
                let entry = entry.map_err(|e| e.to_string())?;
                let p = entry.path();
                if entry.file_type().is_file() && p.extension().is_some_and(|x| x == "rs") {
                    files.extend(FixtureFile::from_path(p));
                }
            }
        } else {
            return Err(format!("{}: no such file or directory", path.display()));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The repository's fixtures/ directory: the nearest one above the
/// current directory.
fn default_fixture_dir() -> Result<PathBuf, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    cwd.ancestors()
        .map(|d| d.join("fixtures"))
        .find(|d| d.join("Cargo.toml").is_file())
        .ok_or_else(|| "no fixtures/ package here or above; give fixture paths".to_string())
}

/// Lints one fixture and compares the findings with its annotations.
pub fn static_check(path: &Path, spec: &FixtureSpec) -> StaticCheck {
    let lint = std::panic::catch_unwind(|| crate::lint_paths(&[path], &crate::fixture::lint_options(path)));
    let report = match lint {
        Ok(r) => r,
        Err(_) => {
            return StaticCheck {
                verdict: "error",
                error: Some("the linter panicked on this file".into()),
                ..StaticCheck::default()
            }
        }
    };
    let mut got: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for f in &report.findings {
        let line = report.db.get(f.primary.file).position(f.primary.span.start).0;
        *got.entry((line, f.rule.to_string())).or_insert(0) += 1;
    }
    let want = spec.expected_counts();
    let expand = |m: &BTreeMap<(usize, String), usize>| -> Vec<LineRule> {
        m.iter()
            .flat_map(|((line, rule), n)| {
                std::iter::repeat_n(
                    LineRule {
                        line: *line,
                        rule: rule.clone(),
                    },
                    *n,
                )
            })
            .collect()
    };
    let diff = |a: &BTreeMap<(usize, String), usize>, b: &BTreeMap<(usize, String), usize>| {
        let mut out = BTreeMap::new();
        for (k, n) in a {
            let m = b.get(k).copied().unwrap_or(0);
            if *n > m {
                out.insert(k.clone(), n - m);
            }
        }
        out
    };
    let missing = expand(&diff(&want, &got));
    let unexpected = expand(&diff(&got, &want));
    StaticCheck {
        verdict: if missing.is_empty() && unexpected.is_empty() {
            "ok"
        } else {
            "mismatch"
        },
        expected: expand(&want),
        found: expand(&got),
        missing,
        unexpected,
        error: None,
    }
}

/// Builds the fixtures package at `package_dir` into `target_dir`.
fn build(package_dir: &Path, target_dir: &Path, interrupt: Option<&Interrupt>) -> Result<(), ConfirmError> {
    use std::os::unix::process::CommandExt;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = package_dir.join("Cargo.toml");
    // Its own process group, so an interrupt can stop cargo and its rustc
    // jobs together.
    let mut child = Command::new(&cargo)
        .args(["build", "--release", "--quiet", "--bins", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .process_group(0)
        .spawn()
        .map_err(|e| ConfirmError::Setup(format!("cannot run cargo: {e}")))?;
    loop {
        if let Some(sig) = interrupt.and_then(Interrupt::check) {
            let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(child.id() as i32), Signal::SIGKILL);
            let _ = child.wait();
            return Err(ConfirmError::Interrupted(sig));
        }
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(ConfirmError::Setup(format!(
                    "building the fixtures ({}) failed: {status}",
                    manifest.display()
                )))
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(ConfirmError::Setup(format!("waiting for cargo: {e}"))),
        }
    }
}

struct Prepared {
    file: FixtureFile,
    display: String,
    spec: Result<FixtureSpec, String>,
    binary: PathBuf,
}

/// Builds, runs and judges the fixtures. `progress` prints what it is doing
/// to stderr.
pub fn confirm(
    args: &ConfirmArgs,
    interrupt: Option<&Interrupt>,
    progress: bool,
) -> Result<ConfirmReport, ConfirmError> {
    if args.runs == 0 {
        return Err(ConfirmError::Setup("--runs must be at least 1".into()));
    }
    let default_timeout = checked_timeout(args.timeout).ok_or_else(|| {
        ConfirmError::Setup(format!(
            "--timeout must be more than 0 and at most {MAX_TIMEOUT_SECS} seconds"
        ))
    })?;
    let paths = if args.paths.is_empty() {
        vec![default_fixture_dir().map_err(ConfirmError::Setup)?]
    } else {
        args.paths.clone()
    };
    let files = find_fixtures(&paths).map_err(ConfirmError::Setup)?;
    if files.is_empty() {
        return Err(ConfirmError::Setup("no fixture files found".into()));
    }

    // Where the binaries are: given, or built per fixtures package.
    let mut bin_dirs: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for f in &files {
        let pkg = f.package_dir().unwrap_or_default();
        if bin_dirs.contains_key(&pkg) {
            continue;
        }
        let bin_dir = if let Some(dir) = &args.bin_dir {
            dir.clone()
        } else {
            let target = match &args.target_dir {
                Some(t) => t.clone(),
                None => {
                    let abs = std::fs::canonicalize(&pkg).unwrap_or_else(|_| pkg.clone());
                    abs.parent().unwrap_or(&abs).join("target").join("fixtures")
                }
            };
            if !args.no_build {
                if !pkg.join("Cargo.toml").is_file() {
                    return Err(ConfirmError::Setup(format!(
                        "{} is not in a fixtures package (no {}): use --bin-dir",
                        f.path.display(),
                        pkg.join("Cargo.toml").display()
                    )));
                }
                if progress {
                    eprintln!("forklint confirm: building {}", pkg.join("Cargo.toml").display());
                }
                build(&pkg, &target, interrupt)?;
            }
            target.join("release")
        };
        bin_dirs.insert(pkg, bin_dir);
    }

    let cwd = std::env::current_dir().unwrap_or_default();
    let prepared: Vec<Prepared> = files
        .into_iter()
        .map(|file| {
            let spec = std::fs::read_to_string(&file.path)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|text| fixture::parse(&text));
            let binary = bin_dirs[&file.package_dir().unwrap_or_default()].join(file.binary_name());
            let display = file
                .path
                .strip_prefix(&cwd)
                .unwrap_or(&file.path)
                .display()
                .to_string();
            Prepared {
                file,
                display,
                spec,
                binary,
            }
        })
        .collect();

    // Every run of every fixture, round by round so that the runs going at
    // the same time are of different fixtures.
    let mut jobs: Vec<Job> = Vec::new();
    let mut job_owner: Vec<usize> = Vec::new();
    // What to run of each fixture, or why it cannot run.
    let plans: Vec<Result<(usize, Duration), String>> = prepared
        .iter()
        .map(|p| {
            let spec = p.spec.as_ref().map_err(Clone::clone)?;
            let run = spec.run.as_ref().ok_or("no `//@ run:` directive")?;
            let timeout = match run.timeout_secs {
                Some(secs) => checked_timeout(secs).ok_or_else(|| {
                    format!("timeout={secs} is not more than 0 and at most {MAX_TIMEOUT_SECS} seconds")
                })?,
                None => default_timeout,
            };
            if !p.binary.is_file() {
                return Err(format!("binary {} not found (is it built?)", p.binary.display()));
            }
            Ok((run.runs.unwrap_or(args.runs).max(1), timeout))
        })
        .collect();
    let rounds = plans.iter().flatten().map(|(n, _)| *n).max().unwrap_or(0);
    for round in 0..rounds {
        for (i, plan) in plans.iter().enumerate() {
            if let Ok((runs, timeout)) = plan {
                if round < *runs {
                    jobs.push(Job {
                        program: prepared[i].binary.clone(),
                        args: Vec::new(),
                        timeout: *timeout,
                    });
                    job_owner.push(i);
                }
            }
        }
    }

    let parallel = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if progress {
        eprintln!(
            "forklint confirm: {} runs of {} fixtures, {} at a time",
            jobs.len(),
            plans.iter().flatten().count(),
            parallel.max(1)
        );
    }
    let supervisor = Supervisor {
        parallel,
        interrupt,
        ..Supervisor::default()
    };
    let names = prepared.iter().map(|p| p.display.clone()).collect();
    let mut bar =
        crate::progress::Progress::new(crate::progress::Mode::detect(progress), names, job_owner.clone());
    let observations = supervisor.run(&jobs, |job, _| bar.finished(job));
    bar.end();
    let observations = observations.map_err(ConfirmError::Interrupted)?;

    let mut per_fixture: Vec<Vec<Observation>> = vec![Vec::new(); prepared.len()];
    for (obs, &owner) in observations.into_iter().zip(&job_owner) {
        per_fixture[owner].push(obs);
    }

    let mut results = Vec::new();
    for ((p, observed), plan) in prepared.into_iter().zip(per_fixture).zip(plans) {
        results.push(judge_fixture(p, observed, plan));
    }
    Ok(ConfirmReport::new(results))
}

fn judge_fixture(
    p: Prepared,
    observed: Vec<Observation>,
    plan: Result<(usize, Duration), String>,
) -> FixtureResult {
    let mut result = FixtureResult {
        fixture: p.display,
        rule: p.file.rule.clone(),
        case: p.file.case.clone(),
        binary: p.binary.display().to_string(),
        kind: "hazard",
        static_check: StaticCheck::default(),
        runtime: None,
        verdict: Verdict::Error,
        problems: Vec::new(),
    };
    let spec = match p.spec {
        Ok(s) => s,
        Err(e) => {
            result.static_check.verdict = "error";
            result.problems.push(format!("annotations: {e}"));
            return result;
        }
    };
    result.static_check = static_check(&p.file.path, &spec);
    if let Some(e) = &result.static_check.error {
        result.problems.push(e.clone());
    }
    let static_hazard = spec.is_hazard();
    result.kind = if static_hazard { "hazard" } else { "safe" };
    let Some(directive) = spec.run else {
        result.verdict = Verdict::NoRun;
        result.problems.push("no `//@ run:` directive".into());
        return result;
    };
    let timeout = match plan {
        Ok((_, timeout)) => timeout,
        Err(e) => {
            result.problems.push(e);
            return result;
        }
    };
    let records: Vec<RunRecord> = observed
        .iter()
        .map(|obs| RunRecord::new(obs, judge::run_matches(&directive.expect, obs)))
        .collect();
    let matched = records.iter().filter(|r| r.matched).count();
    let runs = records.len();
    result.verdict = judge::runtime_verdict(static_hazard, &directive, matched, runs);
    if let Some(runtime_hazard) = judge::expects_hazard(&directive) {
        if runtime_hazard != static_hazard {
            result.verdict = Verdict::Disagree;
            result.problems.push(if static_hazard {
                "annotated as a hazard (//~) but its directive expects a clean run".into()
            } else {
                "no //~ annotation (safe) but its directive expects a hazard".into()
            });
        }
    }
    for (i, r) in records.iter().enumerate() {
        if let Some(e) = &r.error {
            result.problems.push(format!("run {}: {e}", i + 1));
        }
    }
    result.runtime = Some(RuntimeResult {
        expected: directive
            .expect
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        runs,
        timeout_secs: timeout.as_secs_f64(),
        min_rate: directive.min_rate,
        observed: matched,
        rate: if runs == 0 {
            0.0
        } else {
            matched as f64 / runs as f64
        },
        observations: records,
    });
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_found_under_the_package_a_rule_dir_or_by_file() {
        let dir = std::env::temp_dir().join(format!("forklint-find-fixtures-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in [
            "Cargo.toml",
            "src/lib.rs",
            "rule_a/hang.rs",
            "rule_a/hang.stderr",
            "rule_a/ok_quick.rs",
            "rule_b/dup.rs",
            ".hidden/x.rs",
        ] {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let names = |paths: &[PathBuf]| -> Vec<String> {
            find_fixtures(paths)
                .unwrap()
                .iter()
                .map(FixtureFile::binary_name)
                .collect()
        };
        assert_eq!(
            names(std::slice::from_ref(&dir)),
            ["rule_a-hang", "rule_a-ok_quick", "rule_b-dup"]
        );
        assert_eq!(names(&[dir.join("rule_a")]), ["rule_a-hang", "rule_a-ok_quick"]);
        assert_eq!(
            names(&[dir.join("rule_b/dup.rs"), dir.join("rule_b")]),
            ["rule_b-dup"],
            "given twice, listed once"
        );
        let one = &find_fixtures(&[dir.join("rule_b/dup.rs")]).unwrap()[0];
        assert_eq!(one.package_dir().unwrap(), dir);
        assert!(find_fixtures(&[dir.join("missing")]).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn timeouts_are_bounded() {
        assert_eq!(checked_timeout(2.5), Some(Duration::from_millis(2500)));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e30] {
            assert_eq!(checked_timeout(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_arguments_are_setup_errors() {
        let bad_runs = ConfirmArgs {
            runs: 0,
            ..ConfirmArgs::default()
        };
        assert!(matches!(
            confirm(&bad_runs, None, false),
            Err(ConfirmError::Setup(_))
        ));
        let bad_timeout = ConfirmArgs {
            timeout: -3.0,
            ..ConfirmArgs::default()
        };
        assert!(matches!(
            confirm(&bad_timeout, None, false),
            Err(ConfirmError::Setup(_))
        ));
        let missing = ConfirmArgs {
            paths: vec!["/nonexistent/fixtures".into()],
            ..ConfirmArgs::default()
        };
        assert!(matches!(
            confirm(&missing, None, false),
            Err(ConfirmError::Setup(_))
        ));
    }
}
