//! The runtime harness: the supervisor on programs with known behaviour,
//! the CLI under SIGINT/SIGTERM, and every fixture confirmed at run time.
//!
//! Every test here checks afterwards that no process it started is left,
//! alive or unreaped. Tests of this binary run one at a time (`SERIAL`) so
//! that the check sees only the test's own processes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use forklint::harness::judge::Verdict;
use forklint::harness::procfs::ProcTable;
use forklint::harness::supervisor::{Ending, Interrupt, Job, Observation, Supervisor};
use forklint::harness::{self, ConfirmArgs, ConfirmError};

static SERIAL: Mutex<()> = Mutex::new(());

/// Rules about the tool itself rather than fork hazards: nothing to run.
const META_RULES: &[&str] = &["parse_error", "unused_suppression"];

/// Holds `SERIAL` for a test; when the test ends, even by a failed
/// assertion, kills whatever it left so that the next test starts clean.
struct Serial {
    _lock: std::sync::MutexGuard<'static, ()>,
}

impl Drop for Serial {
    fn drop(&mut self) {
        harness::sweep_descendants();
    }
}

fn serial() -> Serial {
    Serial {
        _lock: SERIAL.lock().unwrap_or_else(|e| e.into_inner()),
    }
}

/// Fails if any descendant of this process exists, alive or zombie, or if
/// this process still has a child to reap.
fn assert_no_descendants() {
    let me = std::process::id() as i32;
    let left = ProcTable::scan().descendants_of(me);
    assert!(left.is_empty(), "processes left behind: {left:?}");
    match nix::sys::wait::waitpid(None, Some(nix::sys::wait::WaitPidFlag::WNOHANG)) {
        Err(nix::errno::Errno::ECHILD) => {}
        other => panic!("an unreaped child is left: {other:?}"),
    }
}

fn sh(script: &str, timeout: Duration) -> Job {
    Job {
        program: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
        timeout,
    }
}

fn run_one(job: Job) -> Observation {
    let obs = Supervisor::default()
        .run(&[job], |_, _| {})
        .expect("not interrupted");
    obs.into_iter().next().unwrap()
}

#[test]
fn sleeper_is_killed_at_the_timeout() {
    let _s = serial();
    let start = Instant::now();
    let obs = run_one(Job {
        program: "/bin/sleep".into(),
        args: vec!["1000".into()],
        timeout: Duration::from_millis(500),
    });
    let took = start.elapsed();
    assert!(obs.timed_out, "{obs:?}");
    assert_eq!(obs.ending, None, "killed by the harness, not ended by itself");
    assert_eq!(obs.killed, 1);
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_no_descendants();
}

#[test]
fn twenty_setsid_grandchildren_are_killed_and_reaped() {
    let _s = serial();
    // The shell waits for them: the run hangs with 20 sleepers in other
    // sessions, still children of the shell.
    let waiting = run_one(sh(
        "for i in $(seq 20); do setsid sleep 1000 & done; wait",
        Duration::from_secs(2),
    ));
    assert!(waiting.timed_out);
    assert_eq!(waiting.killed, 21, "the shell and its 20 sleepers: {waiting:?}");
    assert_no_descendants();

    // The shell exits at once and the sleepers, with their output sent
    // elsewhere, are orphans in other sessions: reparented to the harness,
    // still part of the run, so the run is still going at the timeout.
    let orphaned = run_one(sh(
        "for i in $(seq 20); do setsid sleep 1000 >/dev/null 2>&1 & done; exit 0",
        Duration::from_secs(2),
    ));
    assert!(orphaned.timed_out, "{orphaned:?}");
    assert_eq!(orphaned.ending, Some(Ending::Exited(0)));
    assert_eq!(orphaned.killed, 20);
    assert_no_descendants();
}

#[test]
fn flooding_output_does_not_block() {
    let _s = serial();
    let start = Instant::now();
    let obs = run_one(sh(
        "head -c 20000000 /dev/zero; head -c 5000000 /dev/zero >&2; echo END",
        Duration::from_secs(20),
    ));
    assert!(!obs.timed_out, "{:?}", obs.error);
    assert_eq!(obs.ending, Some(Ending::Exited(0)));
    assert_eq!(obs.stdout_bytes, 20_000_004);
    assert_eq!(obs.stderr_bytes, 5_000_000);
    assert!(obs.stdout.len() <= 4 << 20, "capture is capped");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_no_descendants();
}

#[test]
fn death_by_signal_is_reported_by_name() {
    let _s = serial();
    let obs = run_one(sh("kill -SEGV $$", Duration::from_secs(5)));
    assert_eq!(obs.ending, Some(Ending::Signaled("SIGSEGV".into())));
    assert!(!obs.timed_out);
    let obs = run_one(sh("echo out; echo err >&2; exit 3", Duration::from_secs(5)));
    assert_eq!(obs.ending, Some(Ending::Exited(3)));
    assert_eq!(obs.stdout, b"out\n");
    assert_eq!(obs.stderr, b"err\n");
    assert_eq!(obs.killed, 0);
    assert_no_descendants();
}

#[test]
fn a_child_that_outlives_the_parent_is_waited_for() {
    let _s = serial();
    // The parent exits first; the child still writes. The run is over when
    // the child is, and its output is captured.
    let obs = run_one(sh("(sleep 1; echo LATE) & echo EARLY", Duration::from_secs(5)));
    assert_eq!(obs.ending, Some(Ending::Exited(0)));
    assert!(!obs.timed_out);
    assert_eq!(String::from_utf8_lossy(&obs.stdout), "EARLY\nLATE\n");
    assert!(obs.duration >= Duration::from_secs(1), "{obs:?}");
    assert!(obs.root_time < Duration::from_secs(1), "{obs:?}");
    assert_no_descendants();
}

#[test]
fn runs_go_in_parallel() {
    let _s = serial();
    let jobs: Vec<Job> = (0..12)
        .map(|_| Job {
            program: "/bin/sleep".into(),
            args: vec!["1000".into()],
            timeout: Duration::from_millis(700),
        })
        .collect();
    let start = Instant::now();
    let sup = Supervisor {
        parallel: 12,
        ..Supervisor::default()
    };
    let obs = sup.run(&jobs, |_, _| {}).unwrap();
    assert!(obs.iter().all(|o| o.timed_out));
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
    assert_no_descendants();
}

#[test]
fn a_missing_program_is_an_error_not_a_crash() {
    let _s = serial();
    let obs = run_one(Job {
        program: "/nonexistent/program".into(),
        args: vec![],
        timeout: Duration::from_secs(1),
    });
    assert!(obs.error.is_some());
    assert_eq!(obs.ending, None);
    assert_no_descendants();
}

#[test]
fn an_interrupt_kills_and_reaps_every_run() {
    let _s = serial();
    let (interrupt, trigger) = Interrupt::manual().unwrap();
    let jobs: Vec<Job> = (0..4)
        .map(|_| {
            sh(
                "for i in 1 2 3; do setsid sleep 1000 & done; wait",
                Duration::from_secs(60),
            )
        })
        .collect();
    let sup = Supervisor {
        parallel: 4,
        interrupt: Some(&interrupt),
        ..Supervisor::default()
    };
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        nix::unistd::write(&trigger, &[libc::SIGINT as u8]).unwrap();
        trigger
    });
    let start = Instant::now();
    let result = sup.run(&jobs, |_, _| {});
    drop(writer.join());
    assert_eq!(result.err(), Some(nix::sys::signal::Signal::SIGINT));
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_no_descendants();
}

/// A fixture tree with two fake fixtures whose "binaries" are scripts: one
/// hangs with setsid'd grandchildren, one exits at once.
fn fake_fixtures(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let fixtures = dir.join("fixtures").join("hang");
    let bins = dir.join("bin");
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::create_dir_all(&bins).unwrap();
    std::fs::write(
        fixtures.join("forever.rs"),
        "//@ run: expect=deadlock\nfn main() {}\n",
    )
    .unwrap();
    std::fs::write(
        fixtures.join("ok_quick.rs"),
        "//@ run: expect=exit-ok\nfn main() {}\n",
    )
    .unwrap();
    for (name, script) in [
        (
            "hang-forever",
            "#!/bin/sh\nfor i in 1 2 3; do setsid sleep 1000 & done\nsleep 1000 &\nwait\n",
        ),
        ("hang-ok_quick", "#!/bin/sh\necho hi\n"),
    ] {
        let p = bins.join(name);
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (dir.join("fixtures"), bins)
}

fn processes_with_token_of(pid: u32) -> Vec<i32> {
    let prefix = format!("{pid}-");
    ProcTable::scan()
        .procs
        .iter()
        .filter(|p| {
            forklint::harness::procfs::environ_value(p.pid, forklint::harness::supervisor::RUN_TOKEN_VAR)
                .ok()
                .flatten()
                .is_some_and(|v| v.starts_with(&prefix))
        })
        .map(|p| p.pid)
        .collect()
}

#[test]
fn the_cli_leaves_nothing_behind_when_interrupted() {
    let _s = serial();
    let dir = std::env::temp_dir().join(format!("forklint-confirm-int-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (fixtures, bins) = fake_fixtures(&dir);
    for (sig, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-forklint"))
            .args([
                "forklint",
                "confirm",
                "--timeout",
                "60",
                "--jobs",
                "10",
                "--bin-dir",
            ])
            .arg(&bins)
            .arg(&fixtures)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let cli = child.id();
        // Wait until the runs have started (their processes carry the
        // CLI's token), then interrupt.
        let start = Instant::now();
        while processes_with_token_of(cli).len() < 5 * 5 && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            processes_with_token_of(cli).len() >= 25,
            "runs did not start: {:?}",
            processes_with_token_of(cli)
        );
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(cli as i32),
            nix::sys::signal::Signal::try_from(sig).unwrap(),
        )
        .unwrap();
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(code), "stderr: {stderr}");
        assert!(
            processes_with_token_of(cli).is_empty(),
            "left alive: {:?}",
            processes_with_token_of(cli)
        );
        assert_no_descendants();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_cli_judges_runs_and_reports_json() {
    let _s = serial();
    let dir = std::env::temp_dir().join(format!("forklint-confirm-json-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (fixtures, bins) = fake_fixtures(&dir);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-forklint"))
        .args([
            "forklint",
            "confirm",
            "--runs",
            "2",
            "--jobs",
            "4",
            "--timeout",
            "1.5",
            "--format",
            "json",
            "--bin-dir",
        ])
        .arg(&bins)
        .arg(&fixtures)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_case = |case: &str| {
        v["fixtures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["case"] == case)
            .unwrap()
            .clone()
    };
    let hang = by_case("forever");
    assert_eq!(hang["runtime"]["observed"], 2);
    assert_eq!(hang["runtime"]["runs"], 2);
    // No //~ annotation, yet the directive expects a deadlock.
    assert_eq!(hang["verdict"], "disagree");
    assert_eq!(hang["runtime"]["observations"][0]["timed_out"], true);
    assert_eq!(hang["runtime"]["observations"][0]["killed"], 5);
    let quick = by_case("ok_quick");
    assert_eq!(quick["verdict"], "clean");
    assert_eq!(quick["runtime"]["observations"][1]["stdout"], "hi\n");
    assert_eq!(v["ok"], false);
    assert_eq!(out.status.code(), Some(1));
    assert_no_descendants();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the harness over the repository's fixtures.
fn confirm_all() -> Option<harness::report::ConfirmReport> {
    let fixtures = Path::new("fixtures");
    if harness::find_fixtures(&[fixtures.to_path_buf()])
        .unwrap()
        .is_empty()
    {
        return None;
    }
    // Deadlocked fixtures use no CPU, so far more runs than cores can go at
    // once; the deadlocks cost the timeout each, in parallel.
    let jobs = std::env::var("FORKLINT_CONFIRM_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let args = ConfirmArgs {
        paths: vec![fixtures.to_path_buf()],
        jobs: Some(jobs),
        ..ConfirmArgs::default()
    };
    match harness::confirm(&args, None, false) {
        Ok(report) => Some(report),
        Err(ConfirmError::Setup(e)) => panic!("confirm failed: {e}"),
        Err(ConfirmError::Interrupted(s)) => panic!("interrupted by {s}"),
    }
}

#[test]
fn every_fixture_behaves_as_its_directive_says() {
    let _s = serial();
    let Some(report) = confirm_all() else {
        eprintln!("no fixtures yet");
        return;
    };
    let table = forklint::output::confirm::render_human(&report);
    let mut failures = Vec::new();
    for f in &report.fixtures {
        // The static column is tests/ui.rs's business; here: the runtime
        // verdict, and that the annotations and the directive agree on
        // whether the fixture is a hazard.
        match f.verdict {
            Verdict::Confirmed | Verdict::Clean | Verdict::NoRun => {}
            v => failures.push(format!("{}: {}", f.fixture, v.as_str())),
        }
    }
    assert!(failures.is_empty(), "{}\n\n{table}", failures.join("\n"));

    // Every rule is proven deterministically by at least two hazards (at
    // least 4 runs in 5), and its safe look-alikes run clean every time.
    let mut weak = Vec::new();
    for rule in forklint::rules::RULES
        .iter()
        .filter(|r| !META_RULES.contains(&r.name))
    {
        let strong = report
            .fixtures
            .iter()
            .filter(|f| f.rule == rule.name && f.kind == "hazard" && f.verdict == Verdict::Confirmed)
            .filter(|f| f.runtime.as_ref().is_some_and(|r| r.observed * 5 >= r.runs * 4))
            .count();
        if strong < 2 {
            weak.push(format!(
                "{}: {strong} deterministically confirmed hazard(s)",
                rule.name
            ));
        }
    }
    assert!(weak.is_empty(), "{}\n\n{table}", weak.join("\n"));
    assert_no_descendants();
}

#[test]
fn misbehaving_programs_are_contained() {
    let _s = serial();
    // A fork bomb's worth: a thousand processes, all killed and reaped.
    let many = run_one(sh(
        "for i in $(seq 1000); do sleep 1000 & done; wait",
        Duration::from_secs(3),
    ));
    assert!(many.timed_out, "{many:?}");
    // However many the shell had started by then (all 1,000 on an idle
    // machine), every one was killed and none is left.
    assert!(many.killed > 1, "{many:?}");
    assert_no_descendants();

    // SIGTERM ignored: the harness kills with SIGKILL, which cannot be.
    let stubborn = run_one(sh("trap '' TERM; sleep 1000", Duration::from_secs(1)));
    assert!(stubborn.timed_out, "{stubborn:?}");
    assert_no_descendants();

    // A setsid'd double fork whose middle process exits: the grandchild
    // is reparented to the harness and still killed at the timeout.
    let double = run_one(sh(
        "(setsid sh -c 'sleep 1000 >/dev/null 2>&1 &') ; exit 0",
        Duration::from_secs(1),
    ));
    assert!(double.timed_out, "{double:?}");
    assert_no_descendants();

    // A program that closes its stdout and keeps running, then 100 MB on
    // stderr: neither blocks the harness.
    let start = Instant::now();
    let noisy = run_one(sh(
        "exec 1>&-; head -c 100000000 /dev/zero >&2; exit 3",
        Duration::from_secs(20),
    ));
    assert_eq!(noisy.ending, Some(Ending::Exited(3)), "{:?}", noisy.ending);
    assert!(!noisy.timed_out);
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_no_descendants();
}

#[test]
fn confirm_shows_a_line_per_fixture_in_a_log_and_a_bar_on_a_terminal() {
    use std::os::unix::fs::PermissionsExt;
    let _s = serial();
    let dir = std::env::temp_dir().join(format!("forklint-confirm-progress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (fixtures, bins) = (dir.join("fixtures"), dir.join("bin"));
    std::fs::create_dir_all(fixtures.join("quick")).unwrap();
    std::fs::create_dir_all(&bins).unwrap();
    for case in ["first", "second"] {
        std::fs::write(
            fixtures.join("quick").join(format!("{case}.rs")),
            "//@ run: expect=exit-ok\nfn main() {}\n",
        )
        .unwrap();
        let bin = bins.join(format!("quick-{case}"));
        std::fs::write(&bin, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let confirm = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_forklint"))
            .args(["confirm", "--runs", "3", "--bin-dir"])
            .arg(&bins)
            .arg(&fixtures)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // A log: one line per finished fixture, counting up.
    let log = confirm(&[]);
    let done: Vec<&str> = log.lines().filter(|l| l.ends_with(" done")).collect();
    assert_eq!(done.len(), 2, "{log}");
    assert!(
        done[0].starts_with("forklint confirm: [1/2] ") && done[1].starts_with("forklint confirm: [2/2] "),
        "{log}"
    );
    assert!(
        done.iter().any(|l| l.contains("first.rs")) && done.iter().any(|l| l.contains("second.rs")),
        "{log}"
    );
    assert!(!log.contains('\r'), "no bar in a log: {log:?}");
    // -q: nothing but the report.
    assert_eq!(confirm(&["-q"]), "");
    // A terminal (util-linux `script` gives it one): the bar, redrawn in
    // place, naming what runs and ending on a new line.
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!(
                "{} confirm --runs 3 --bin-dir {} {}",
                env!("CARGO_BIN_EXE_forklint"),
                bins.display(),
                fixtures.display()
            ),
            "/dev/null",
        ])
        .output()
        .expect("util-linux `script` is needed for this test");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(
        tty.contains("\r[") && tty.contains("6/6 runs, 2/2 fixtures"),
        "{tty:?}"
    );
    let running = format!("running {}/quick/", fixtures.display());
    assert!(
        tty.contains(&running),
        "the bar names the fixture being run: {tty:?}"
    );
    assert!(
        !tty.contains(" done\n") && !tty.contains(" done\r\n"),
        "no log lines on a terminal: {tty:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
