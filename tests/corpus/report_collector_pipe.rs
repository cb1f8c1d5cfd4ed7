// Corpus: a test-suite supervisor that runs each suite in a forked child
// and collects the child's report through a pipe; it also feeds task lists
// to worker children over a pipe, and asks a child for a length-prefixed
// status reply. Single-threaded throughout.
//
// Safe: `collect_report` drops its copy of the write end right after the
// fork, so its `read_to_string` ends when the child exits; `feed_worker`'s
// child drops its inherited write end before reading its tasks to EOF;
// `query_status` keeps the write end open but reads exactly a 4-byte length
// and that many bytes (a bounded read, which ends without EOF); every pipe
// is close-on-exec (std's pipe, nix's pipe2 with O_CLOEXEC) and every child
// leaves with `_exit`.
//
// Hazardous: `collect_report_v1`, the older collector, never drops the
// parent's write end, so `read_to_end` waits for an EOF that cannot come
// while the parent itself holds a writer (pipe_end_left_open at the read);
// its child also unwraps the serialization result, so a failure unwinds
// into the collector's caller in the child (child_escapes_fork_branch).
// `feed_worker_v1`'s child reads its tasks to EOF with `lines()` without
// closing the write end it inherited: the parent closes its own copy, but
// the child's keeps the pipe open, and the child never finishes
// (pipe_end_left_open at the `lines()` loop).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};

use nix::fcntl::OFlag;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, pipe2, ForkResult, Pid};

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SuiteReport {
    pub suite: String,
    pub passed: u32,
    pub failed: u32,
}

fn run_suite(name: &str) -> SuiteReport {
    let mut report = SuiteReport {
        suite: name.to_string(),
        ..SuiteReport::default()
    };
    for case in 0..8 {
        if (case * 7 + name.len()) % 5 == 0 {
            report.failed += 1;
        } else {
            report.passed += 1;
        }
    }
    report
}

fn reap(pid: Pid) -> io::Result<i32> {
    match waitpid(pid, None)? {
        WaitStatus::Exited(_, code) => Ok(code),
        other => Err(io::Error::other(format!("suite process ended with {other:?}"))),
    }
}

pub fn collect_report(suite: &str) -> io::Result<SuiteReport> {
    let (mut rd, mut wr) = std::io::pipe()?;
    io::stdout().flush()?;
    match unsafe { fork() }? {
        ForkResult::Child => {
            drop(rd);
            let report = run_suite(suite);
            let code = match serde_json::to_writer(&mut wr, &report) {
                Ok(()) => 0,
                Err(_) => 3,
            };
            unsafe { libc::_exit(code) };
        }
        ForkResult::Parent { child } => {
            drop(wr);
            let mut json = String::new();
            rd.read_to_string(&mut json)?;
            reap(child)?;
            serde_json::from_str(&json).map_err(io::Error::other)
        }
    }
}

pub fn collect_report_v1(suite: &str) -> io::Result<SuiteReport> {
    let (rd, wr) = pipe2(OFlag::O_CLOEXEC)?;
    io::stdout().flush()?;
    match unsafe { fork() }? {
        ForkResult::Child => {
            let mut out = File::from(wr);
            serde_json::to_writer(&mut out, &run_suite(suite)).unwrap(); //~ child_may_unwind
            unsafe { libc::_exit(0) };
        }
        ForkResult::Parent { child } => {
            let mut input = File::from(rd);
            let mut json = Vec::new();
            input.read_to_end(&mut json)?; //~ pipe_end_left_open
            reap(child)?;
            serde_json::from_slice(&json).map_err(io::Error::other)
        }
    }
}

fn work_on(task: &str) -> bool {
    !task.trim().is_empty()
}

fn send_tasks(mut tx: impl Write, tasks: &[&str]) -> io::Result<()> {
    for task in tasks {
        writeln!(tx, "{task}")?;
    }
    Ok(())
}

pub fn feed_worker(tasks: &[&str]) -> io::Result<i32> {
    let (rx, tx) = std::io::pipe()?;
    io::stdout().flush()?;
    match unsafe { fork() }? {
        ForkResult::Child => {
            drop(tx);
            let mut failures = 0;
            for line in BufReader::new(rx).lines() {
                let Ok(task) = line else { break };
                failures += i32::from(!work_on(&task));
            }
            unsafe { libc::_exit(failures.min(100)) };
        }
        ForkResult::Parent { child } => {
            drop(rx);
            send_tasks(tx, tasks)?;
            reap(child)
        }
    }
}

pub fn feed_worker_v1(tasks: &[&str]) -> io::Result<i32> {
    let (rx, tx) = std::io::pipe()?;
    io::stdout().flush()?;
    match unsafe { fork() }? {
        ForkResult::Child => {
            let mut failures = 0;
            for line in BufReader::new(rx).lines() { //~ pipe_end_left_open
                let Ok(task) = line else { break };
                failures += i32::from(!work_on(&task));
            }
            unsafe { libc::_exit(failures.min(100)) };
        }
        ForkResult::Parent { child } => {
            drop(rx);
            send_tasks(tx, tasks)?;
            reap(child)
        }
    }
}

pub fn query_status(suite: &str) -> io::Result<String> {
    let (mut rd, mut wr) = std::io::pipe()?;
    io::stdout().flush()?;
    match unsafe { fork() }? {
        ForkResult::Child => {
            drop(rd);
            let line = format!("{suite}: ready");
            let len = (line.len() as u32).to_be_bytes();
            let ok = wr.write_all(&len).is_ok() && wr.write_all(line.as_bytes()).is_ok();
            unsafe { libc::_exit(i32::from(!ok)) };
        }
        ForkResult::Parent { child } => {
            let mut len = [0u8; 4];
            rd.read_exact(&mut len)?;
            let mut reply = vec![0u8; u32::from_be_bytes(len) as usize];
            rd.read_exact(&mut reply)?;
            drop(wr);
            reap(child)?;
            String::from_utf8(reply).map_err(io::Error::other)
        }
    }
}

fn main() -> io::Result<()> {
    for suite in ["parser", "codegen", "runtime"] {
        println!("{suite}: {}", query_status(suite)?);
        let report = collect_report(suite)?;
        println!("{}: {} passed, {} failed", report.suite, report.passed, report.failed);
    }
    let legacy = collect_report_v1("legacy")?;
    println!("legacy: {legacy:?}");
    println!("worker failures: {}", feed_worker(&["a", "", "c"])?);
    println!("worker failures (v1): {}", feed_worker_v1(&["a", "b"])?);
    Ok(())
}
