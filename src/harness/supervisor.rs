//! Runs programs under supervision and reports what they did.
//!
//! Each run is a child in its own process group; the harness is a child
//! subreaper, so whatever the program forks comes back to it when its parent
//! dies, even after `setsid`. stdout and stderr go through non-blocking pipes
//! read by one event loop, so a program flooding its output never stalls and
//! never stalls the others. At the timeout, or when the program has exited
//! and left something behind, every process of the run gets SIGKILL and is
//! reaped.
//!
//! One loop on one thread supervises every run at once. It never calls
//! `waitpid(-1)`: in a test binary other threads have children of their own
//! whose statuses it must not steal. It waits for the run's root by pid,
//! its process group by `-pgid`, and the rest of the run by pid.
//!
//! Which processes belong to a run: the root; everything in its process
//! group; every process whose parent belongs to it; and every process whose
//! environment carries the run's token (`FORKLINT_CONFIRM_RUN`), which is
//! how a grandchild that called `setsid` and whose parent has already died
//! is still known. /proc is scanned every few milliseconds and a process
//! once known stays known. Only a process that escapes all four (a new
//! session, a cleared environment, and a parent gone before a scan saw it)
//! can outlive its run; `cargo forklint confirm` sweeps those at the end.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{self, kill, killpg, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{getpgrp, getpid, Pid};

use super::procfs::{self, ProcTable};

/// The environment variable that marks every process of a run.
pub const RUN_TOKEN_VAR: &str = "FORKLINT_CONFIRM_RUN";

/// How often /proc is scanned while runs are active.
const SCAN_INTERVAL: Duration = Duration::from_millis(40);
/// How long killing a run's processes may take before the harness gives up
/// on them (only processes stuck in the kernel take more than a moment).
const KILL_GRACE: Duration = Duration::from_secs(5);
/// Bytes read from one pipe before the loop turns to other work.
const READ_BURST: usize = 1 << 20;

/// One program to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub timeout: Duration,
}

/// How the run's root process ended by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    /// Killed by a signal (not the harness's SIGKILL): its name, `SIGSEGV`.
    Signaled(String),
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::Exited(0) => write!(f, "exit-ok"),
            Ending::Exited(n) => write!(f, "exit={n}"),
            Ending::Signaled(s) => write!(f, "signal={s}"),
        }
    }
}

/// What one run was seen to do.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// How the root ended on its own; `None` if the harness killed it (or it
    /// could not be started).
    pub ending: Option<Ending>,
    /// Some process of the run was still alive at the timeout.
    pub timed_out: bool,
    /// From start until the root ended (or the timeout).
    pub root_time: Duration,
    /// From start until no process of the run was left.
    pub duration: Duration,
    /// Captured output, up to the capture limit.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Bytes written in total, captured or not.
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    /// Processes of the run the harness had to kill.
    pub killed: usize,
    /// Could not start the program, or could not get rid of its processes.
    pub error: Option<String>,
}

/// A source of "stop now": SIGINT/SIGTERM, or a pipe a test writes to.
pub struct Interrupt {
    read: OwnedFd,
    caught: Cell<Option<Signal>>,
}

/// The write end of the pipe the signal handler reports to.
static HANDLER_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn report_signal(sig: libc::c_int) {
    // Only async-signal-safe work here: one write, errno preserved.
    let saved = Errno::last_raw();
    let fd = HANDLER_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = sig as u8;
        // SAFETY: writes one byte from a live local to a non-blocking pipe.
        unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
    Errno::set_raw(saved);
}

impl Interrupt {
    /// Installs handlers for SIGINT and SIGTERM that report to this
    /// interrupt. Once per process.
    pub fn install() -> nix::Result<Interrupt> {
        let (interrupt, write) = Interrupt::manual()?;
        if HANDLER_FD
            .compare_exchange(-1, write.as_raw_fd(), Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Err(Errno::EBUSY);
        }
        // The handler may write to it until the process ends.
        let _ = write.into_raw_fd();
        let action = SigAction::new(
            SigHandler::Handler(report_signal),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        for sig in [Signal::SIGINT, Signal::SIGTERM] {
            // SAFETY: the handler only calls write(2) and touches errno.
            unsafe { signal::sigaction(sig, &action) }?;
        }
        Ok(interrupt)
    }

    /// An interrupt raised by writing a signal number to the returned fd.
    pub fn manual() -> nix::Result<(Interrupt, OwnedFd)> {
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
        Ok((
            Interrupt {
                read,
                caught: Cell::new(None),
            },
            write,
        ))
    }

    /// The signal that arrived, if one did (does not block).
    pub fn check(&self) -> Option<Signal> {
        if self.caught.get().is_none() {
            let mut byte = [0u8; 1];
            if let Ok(1) = nix::unistd::read(&self.read, &mut byte) {
                let sig = Signal::try_from(i32::from(byte[0])).unwrap_or(Signal::SIGTERM);
                self.caught.set(Some(sig));
            }
        }
        self.caught.get()
    }

    fn fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }
}

/// Runs jobs, several at once.
pub struct Supervisor<'a> {
    /// Runs at the same time.
    pub parallel: usize,
    /// Bytes of each stream kept per run.
    pub capture_limit: usize,
    pub interrupt: Option<&'a Interrupt>,
}

impl Default for Supervisor<'_> {
    fn default() -> Self {
        Supervisor {
            parallel: 1,
            capture_limit: 4 << 20,
            interrupt: None,
        }
    }
}

static NEXT_RUN: AtomicU64 = AtomicU64::new(0);

struct Capture {
    fd: Option<OwnedFd>,
    data: Vec<u8>,
    total: u64,
}

impl Capture {
    fn new(fd: OwnedFd) -> Capture {
        Capture {
            fd: Some(fd),
            data: Vec::new(),
            total: 0,
        }
    }

    /// Reads what is there without blocking, up to a burst.
    fn read_available(&mut self, limit: usize, buf: &mut [u8]) {
        let mut burst = 0;
        while let Some(fd) = &self.fd {
            match nix::unistd::read(fd, buf) {
                Ok(0) => self.fd = None,
                Ok(n) => {
                    self.total += n as u64;
                    let room = limit.saturating_sub(self.data.len());
                    self.data.extend_from_slice(&buf[..n.min(room)]);
                    burst += n;
                    if burst >= READ_BURST {
                        return;
                    }
                }
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return,
                Err(_) => self.fd = None,
            }
        }
    }
}

/// A run in progress.
struct Active {
    job: usize,
    /// Sequence number; the token in the environment is `PID-SEQ`.
    seq: u64,
    root: Pid,
    start: Instant,
    deadline: Instant,
    out: Capture,
    err: Capture,
    ending: Option<Ending>,
    root_reaped: bool,
    root_time: Option<Duration>,
    /// Every process ever seen belonging to the run: pid -> start time.
    known: HashMap<i32, u64>,
    /// Processes killed at the end (pid, start time).
    killed: HashSet<(i32, u64)>,
    error: Option<String>,
}

/// Which run each process belongs to, remembered across scans.
#[derive(Default)]
struct Attribution {
    /// (pid, start) -> run sequence number from the environment token, or
    /// none when the process has no token of this harness.
    token_cache: HashMap<(i32, u64), Option<u64>>,
    token_prefix: String,
}

impl Attribution {
    fn new() -> Attribution {
        Attribution {
            token_cache: HashMap::new(),
            token_prefix: format!("{}-", std::process::id()),
        }
    }

    fn token_of(&mut self, pid: i32, start: u64) -> Option<u64> {
        if let Some(seq) = self.token_cache.get(&(pid, start)) {
            return *seq;
        }
        // Unreadable (kernel threads, other users' processes) counts as no
        // token: the run's own processes are readable, being ours.
        let seq = procfs::environ_value(pid, RUN_TOKEN_VAR)
            .ok()
            .flatten()
            .and_then(|v| v.strip_prefix(&self.token_prefix).and_then(|s| s.parse().ok()));
        self.token_cache.insert((pid, start), seq);
        seq
    }

    /// Maps each process in the table that belongs to an active run to that
    /// run's index in `runs`, and adds it to the run's known set.
    fn assign(&mut self, table: &ProcTable, runs: &mut [Active]) -> HashMap<i32, usize> {
        let mut owner: HashMap<i32, usize> = HashMap::new();
        let by_seq: HashMap<u64, usize> = runs.iter().enumerate().map(|(i, r)| (r.seq, i)).collect();
        for p in &table.procs {
            let found = runs.iter().position(|r| {
                p.pid == r.root.as_raw() || p.pgid == r.root.as_raw() || r.known.get(&p.pid) == Some(&p.start)
            });
            let found = found.or_else(|| {
                if p.zombie {
                    None
                } else {
                    self.token_of(p.pid, p.start)
                        .and_then(|seq| by_seq.get(&seq).copied())
                }
            });
            if let Some(i) = found {
                owner.insert(p.pid, i);
            }
        }
        // Children of a run's processes are the run's, to a fixed point.
        loop {
            let mut grew = false;
            for p in &table.procs {
                if !owner.contains_key(&p.pid) {
                    if let Some(&i) = owner.get(&p.ppid) {
                        owner.insert(p.pid, i);
                        grew = true;
                    }
                }
            }
            if !grew {
                break;
            }
        }
        for p in &table.procs {
            if let Some(&i) = owner.get(&p.pid) {
                runs[i].known.insert(p.pid, p.start);
            }
        }
        let live: HashSet<(i32, u64)> = table.procs.iter().map(|p| (p.pid, p.start)).collect();
        self.token_cache.retain(|key, _| live.contains(key));
        owner
    }
}

fn status_ending(status: WaitStatus) -> Option<Ending> {
    match status {
        WaitStatus::Exited(_, code) => Some(Ending::Exited(code)),
        WaitStatus::Signaled(_, sig, _) => Some(Ending::Signaled(sig.as_str().to_string())),
        _ => None,
    }
}

impl Active {
    fn note_root(&mut self, status: WaitStatus, killed_by_us: bool) {
        if self.root_reaped {
            return;
        }
        self.root_reaped = true;
        self.root_time.get_or_insert(self.start.elapsed());
        if !killed_by_us {
            self.ending = status_ending(status);
        }
    }

    fn root_killed_by_us(&self) -> bool {
        self.killed.iter().any(|&(pid, _)| pid == self.root.as_raw())
    }

    /// Collects every exit status of the run that is ours to collect.
    fn reap(&mut self, table: &ProcTable, me: i32) {
        if !self.root_reaped {
            match waitpid(self.root, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => {}
                Ok(status) => {
                    let by_us = self.root_killed_by_us();
                    self.note_root(status, by_us);
                }
                Err(Errno::EINTR) => {}
                Err(e) => {
                    // Only another waiter in this process could cause this.
                    self.root_reaped = true;
                    self.error
                        .get_or_insert(format!("lost the exit status of the run: {e}"));
                }
            }
        }
        // Orphans that stayed in the group came back to us (subreaper).
        let group = Pid::from_raw(-self.root.as_raw());
        while let Ok(status) = waitpid(group, Some(WaitPidFlag::WNOHANG)) {
            match status.pid() {
                Some(pid) if pid == self.root => {
                    let by_us = self.root_killed_by_us();
                    self.note_root(status, by_us);
                }
                Some(pid) => {
                    self.known.remove(&pid.as_raw());
                }
                None => break,
            }
        }
        // Orphans that left the group: by pid, only when the table says the
        // process (same start time) is our child, so a reused pid is safe.
        let mut gone = Vec::new();
        for (&pid, &start) in &self.known {
            if pid == self.root.as_raw() {
                continue;
            }
            match table.get(pid) {
                Some(p) if p.start == start && p.ppid == me && p.zombie => {
                    if let Ok(s) = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG)) {
                        if s != WaitStatus::StillAlive {
                            gone.push(pid);
                        }
                    }
                }
                Some(p) if p.start == start => {}
                _ => gone.push(pid),
            }
        }
        for pid in gone {
            self.known.remove(&pid);
        }
    }

    fn drain_pipes(&mut self, limit: usize, buf: &mut [u8]) {
        self.out.read_available(limit, buf);
        self.err.read_available(limit, buf);
    }

    fn into_observation(mut self, timed_out: bool) -> Observation {
        let duration = self.start.elapsed();
        Observation {
            ending: self.ending.take(),
            timed_out,
            root_time: self.root_time.unwrap_or(duration),
            duration,
            stdout: std::mem::take(&mut self.out.data),
            stderr: std::mem::take(&mut self.err.data),
            stdout_bytes: self.out.total,
            stderr_bytes: self.err.total,
            killed: self.killed.len(),
            error: self.error.take(),
        }
    }
}

/// Reaps zombies that were reparented to this process and that no run
/// could claim: a process that left its run's group and exited, with its
/// parent, between two scans (a daemonizing fork: the parent exits, the
/// child calls setsid, writes a line and exits). Its exit status is of no
/// use to anyone. A child of this process's other code stays in this
/// process's group (std's `Command` does not change it), so a zombie child
/// in another group that is no run's root can only be such an orphan.
fn reap_stray_orphans(table: &ProcTable, me: i32, my_group: i32, active: &[Active]) {
    for p in &table.procs {
        let stray = p.zombie
            && p.ppid == me
            && p.pgid != my_group
            && !active.iter().any(|r| r.root.as_raw() == p.pid);
        if stray {
            let _ = waitpid(Pid::from_raw(p.pid), Some(WaitPidFlag::WNOHANG));
        }
    }
}

/// Makes this process the reaper of its orphaned descendants.
pub fn become_subreaper() -> nix::Result<()> {
    nix::sys::prctl::set_child_subreaper(true)
}

impl Supervisor<'_> {
    /// Runs every job and returns one observation per job, in order. Stops
    /// early, with every process it started killed and reaped, when the
    /// interrupt fires. `done` is told about each run as it ends.
    pub fn run(
        &self,
        jobs: &[Job],
        mut done: impl FnMut(usize, &Observation),
    ) -> Result<Vec<Observation>, Signal> {
        if let Err(e) = become_subreaper() {
            // Without it orphans go to init: still killed, just not reaped
            // by us. Say so rather than fail.
            eprintln!("warning: cannot become a child subreaper: {e}");
        }
        let me = getpid().as_raw();
        let my_group = getpgrp().as_raw();
        let parallel = self.parallel.max(1);
        let mut attribution = Attribution::new();
        let mut results: Vec<Option<Observation>> = vec![None; jobs.len()];
        let mut active: Vec<Active> = Vec::new();
        let mut next = 0;
        let mut buf = vec![0u8; 64 << 10];
        let mut last_scan: Option<Instant> = None;
        let mut table = ProcTable::default();
        loop {
            if let Some(sig) = self.interrupt.and_then(Interrupt::check) {
                self.terminate_all(&mut active, &mut attribution, me, &mut buf, None);
                return Err(sig);
            }
            while active.len() < parallel && next < jobs.len() {
                match self.spawn(next, &jobs[next]) {
                    Ok(run) => active.push(run),
                    Err(e) => {
                        let obs = Observation {
                            error: Some(format!("cannot run {}: {e}", jobs[next].program.display())),
                            ..Observation::default()
                        };
                        done(next, &obs);
                        results[next] = Some(obs);
                    }
                }
                next += 1;
            }
            if active.is_empty() {
                break;
            }

            let now = Instant::now();
            let next_scan = last_scan.map_or(now, |t| t + SCAN_INTERVAL);
            let wake = active
                .iter()
                .map(|r| r.deadline)
                .chain([next_scan])
                .min()
                .unwrap_or(now);
            let wait = wake.saturating_duration_since(now);
            self.wait_for_input(&mut active, wait, &mut buf);

            let now = Instant::now();
            if last_scan.is_none_or(|t| now >= t + SCAN_INTERVAL) {
                table = ProcTable::scan();
                attribution.assign(&table, &mut active);
                last_scan = Some(now);
            }
            for run in active.iter_mut() {
                run.reap(&table, me);
            }
            if last_scan == Some(now) {
                reap_stray_orphans(&table, me, my_group, &active);
            }
            // Processes of each run in the latest scan, reaped ones aside.
            let mut finished = Vec::new();
            for (i, run) in active.iter().enumerate() {
                let timed_out = now >= run.deadline;
                let left = table
                    .procs
                    .iter()
                    .any(|p| run.known.get(&p.pid) == Some(&p.start) && !(p.zombie && p.ppid == me));
                let quiet = run.out.fd.is_none() && run.err.fd.is_none();
                let fresh_scan = last_scan == Some(now);
                if timed_out || (run.root_reaped && quiet && fresh_scan && !left) {
                    finished.push((i, timed_out));
                }
            }
            if finished.is_empty() {
                continue;
            }
            let mut ending: Vec<Active> = Vec::new();
            let mut timed_out = Vec::new();
            for &(i, t) in finished.iter().rev() {
                ending.push(active.swap_remove(i));
                timed_out.push(t);
            }
            // This round's scan if there was one (runs that ended by
            // themselves were judged on it); no pid in it can have been
            // reused since.
            let fresh = (last_scan == Some(now)).then(|| table.clone());
            self.terminate_all(&mut ending, &mut attribution, me, &mut buf, fresh);
            for (run, t) in ending.into_iter().zip(timed_out) {
                let job = run.job;
                let obs = run.into_observation(t);
                done(job, &obs);
                results[job] = Some(obs);
            }
        }
        Ok(results.into_iter().map(Option::unwrap_or_default).collect())
    }

    fn spawn(&self, index: usize, job: &Job) -> Result<Active, String> {
        let seq = NEXT_RUN.fetch_add(1, Ordering::Relaxed);
        let token = format!("{}-{seq}", std::process::id());
        // A new process group (setpgid(0, 0) in the child before exec), so
        // the run can be killed as a group and the terminal's Ctrl-C goes
        // to the harness alone, which then kills the run itself.
        let mut child = Command::new(&job.program)
            .args(&job.args)
            .env(RUN_TOKEN_VAR, &token)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| e.to_string())?;
        let start = Instant::now();
        let root = Pid::from_raw(child.id() as i32);
        let out: OwnedFd = child.stdout.take().map(OwnedFd::from).ok_or("no stdout pipe")?;
        let err: OwnedFd = child.stderr.take().map(OwnedFd::from).ok_or("no stderr pipe")?;
        // `child` is dropped without waiting: the loop reaps it by pid.
        drop(child);
        for fd in [&out, &err] {
            let _ = fcntl(fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK));
        }
        Ok(Active {
            job: index,
            seq,
            root,
            start,
            deadline: start + job.timeout,
            out: Capture::new(out),
            err: Capture::new(err),
            ending: None,
            root_reaped: false,
            root_time: None,
            known: HashMap::from([(
                root.as_raw(),
                procfs::read_stat(root.as_raw()).map_or(0, |p| p.start),
            )]),
            killed: HashSet::new(),
            error: None,
        })
    }

    /// Waits up to `wait` for output or the interrupt, and reads what came.
    fn wait_for_input(&self, active: &mut [Active], wait: Duration, buf: &mut [u8]) {
        let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX);
        let ready: Vec<(usize, bool)> = {
            let mut fds = Vec::new();
            let mut owners = Vec::new();
            if let Some(int) = self.interrupt {
                fds.push(PollFd::new(int.fd(), PollFlags::POLLIN));
                owners.push(None);
            }
            for (i, run) in active.iter().enumerate() {
                for (is_out, cap) in [(true, &run.out), (false, &run.err)] {
                    if let Some(fd) = &cap.fd {
                        fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
                        owners.push(Some((i, is_out)));
                    }
                }
            }
            match poll(&mut fds, timeout) {
                Ok(n) if n > 0 => fds
                    .iter()
                    .zip(&owners)
                    .filter(|(fd, _)| fd.revents().is_some_and(|r| !r.is_empty()))
                    .filter_map(|(_, owner)| *owner)
                    .collect(),
                _ => Vec::new(),
            }
        };
        for (i, is_out) in ready {
            let run = &mut active[i];
            let cap = if is_out { &mut run.out } else { &mut run.err };
            cap.read_available(self.capture_limit, buf);
        }
    }

    /// Kills every process of the runs that is still alive and reaps them
    /// all, then reads the last of their output. All runs at once: one scan
    /// per round, every SIGKILL sent before any waiting. `table` is a scan
    /// taken just now, if there is one.
    fn terminate_all(
        &self,
        runs: &mut [Active],
        attribution: &mut Attribution,
        me: i32,
        buf: &mut [u8],
        table: Option<ProcTable>,
    ) {
        let give_up = Instant::now() + KILL_GRACE;
        let mut table = table.unwrap_or_else(ProcTable::scan);
        let mut settled = vec![false; runs.len()];
        loop {
            attribution.assign(&table, runs);
            let out_of_time = Instant::now() >= give_up;
            let mut all_settled = true;
            for (run, settled) in runs.iter_mut().zip(&mut settled) {
                if *settled {
                    continue;
                }
                run.reap(&table, me);
                // What `reap` collected has left `known` (the root aside),
                // so the table, though taken before, answers for the rest.
                let root = run.root.as_raw();
                let pending = |p: &&procfs::ProcInfo| {
                    run.known.get(&p.pid) == Some(&p.start) && !(p.pid == root && run.root_reaped)
                };
                let alive: Vec<(i32, u64)> = table
                    .procs
                    .iter()
                    .filter(pending)
                    .filter(|p| !p.zombie)
                    .map(|p| (p.pid, p.start))
                    .collect();
                let unreaped = table
                    .procs
                    .iter()
                    .filter(pending)
                    .any(|p| p.zombie && p.ppid == me);
                if run.root_reaped && alive.is_empty() && !unreaped {
                    *settled = true;
                    continue;
                }
                if out_of_time {
                    run.error.get_or_insert(format!(
                        "{} process(es) of the run could not be killed: {:?}",
                        alive.len(),
                        alive.iter().map(|a| a.0).collect::<Vec<_>>()
                    ));
                    *settled = true;
                    continue;
                }
                all_settled = false;
                // The group first (one call catches processes forked since
                // the scan), then each straggler that left the group.
                let _ = killpg(run.root, Signal::SIGKILL);
                for &(pid, start) in &alive {
                    if kill(Pid::from_raw(pid), Signal::SIGKILL).is_ok() {
                        run.killed.insert((pid, start));
                    }
                }
            }
            if all_settled {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
            table = ProcTable::scan();
        }
        for run in runs {
            run.root_time.get_or_insert(run.start.elapsed());
            // Every writer is gone: what is left in the pipes ends in EOF.
            // A writer that escaped the run would make this stop at EAGAIN.
            run.drain_pipes(self.capture_limit, buf);
            run.out.fd = None;
            run.err.fd = None;
        }
    }
}
