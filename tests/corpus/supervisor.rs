// Corpus: a single-service process supervisor: it starts the service,
// restarts it with exponential backoff when it dies, forwards SIGTERM/SIGINT/
// SIGHUP to it from a signal handler, answers `status` on a Unix socket from
// a thread, and runs a health probe in a forked child so that a hung probe
// can be killed.
//
// Safe: `Service::start` builds the argv pointer array before forking and
// its child only resets signal dispositions and the mask, calls setpgid,
// execvp and `_exit(127)`: async-signal-safe, so neither the status thread
// nor the state guard that `restart` holds across the fork matters (the
// child never touches that lock). The signal handler only loads/stores
// atomics and calls kill. The parent's bookkeeping after `start` returns
// runs in the parent only.
//
// Hazardous: the health-check child, in a process whose status thread may
// hold the state mutex at the fork, takes that mutex (fork_after_thread_spawn)
// and unwraps the guard (child_escapes_fork_branch: a panic unwinds into the
// supervisor's loop in the child); it calls `probe`, which formats the socket
// path (allocation while another thread may hold the allocator lock:
// unsafe_call_in_child); and it counts failures in a static the parent then
// reads, which the parent never sees change (global_state_in_child).

use std::ffi::CString;
use std::io::{Read, Write};
use std::os::raw::{c_char, c_int};
use std::os::unix::net::{UnixListener, UnixStream};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{kill, sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

static CHILD: AtomicI32 = AtomicI32::new(0);
static SHUTDOWN: AtomicBool = AtomicBool::new(false);
static PROBE_FAILURES: AtomicU32 = AtomicU32::new(0);

extern "C" fn forward_signal(sig: c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        unsafe { libc::kill(pid, sig) };
    }
    if sig == libc::SIGTERM || sig == libc::SIGINT {
        SHUTDOWN.store(true, Ordering::SeqCst);
    }
}

#[derive(Default)]
struct ServiceState {
    pid: Option<i32>,
    restarts: u32,
    last_exit: Option<i32>,
    probe_timeout: Duration,
}

struct Service {
    name: String,
    program: CString,
    argv: Vec<CString>,
    state: Arc<Mutex<ServiceState>>,
}

fn probe(name: &str, timeout: Duration) -> bool {
    let path = format!("/run/{name}/health.sock");
    let Ok(mut conn) = UnixStream::connect(&path) else {
        return false;
    };
    let _ = conn.set_read_timeout(Some(timeout));
    let mut reply = [0u8; 2];
    conn.write_all(b"ping").is_ok() && conn.read_exact(&mut reply).is_ok() && &reply == b"ok"
}

impl Service {
    fn start(&self) -> nix::Result<Pid> {
        let mut argv: Vec<*const c_char> = self.argv.iter().map(|a| a.as_ptr()).collect();
        argv.push(ptr::null());
        match unsafe { fork() }? {
            ForkResult::Child => unsafe {
                for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
                    libc::signal(sig, libc::SIG_DFL);
                }
                let mut empty: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut empty);
                libc::sigprocmask(libc::SIG_SETMASK, &empty, ptr::null_mut());
                libc::setpgid(0, 0);
                libc::execvp(self.program.as_ptr(), argv.as_ptr());
                libc::_exit(127)
            },
            ForkResult::Parent { child } => Ok(child),
        }
    }

    fn restart(&self) -> nix::Result<Pid> {
        let mut state = self.state.lock().unwrap();
        state.restarts += 1;
        let pid = self.start()?;
        state.pid = Some(pid.as_raw());
        Ok(pid)
    }

    fn health_check(&self) -> bool {
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                let timeout = self.state.lock().unwrap().probe_timeout; //~ fork_after_thread_spawn //~ child_may_unwind
                let healthy = probe(&self.name, timeout); //~ unsafe_call_in_child
                if !healthy {
                    PROBE_FAILURES.fetch_add(1, Ordering::SeqCst); //~ global_state_in_child
                }
                unsafe { libc::_exit(if healthy { 0 } else { 1 }) }
            }
            Ok(ForkResult::Parent { child }) => {
                let passed = matches!(wait_with_timeout(child, Duration::from_secs(5)), Some(0));
                if PROBE_FAILURES.load(Ordering::SeqCst) >= 3 {
                    log::warn!("{}: health probe failing repeatedly", self.name);
                }
                passed
            }
            Err(e) => {
                log::error!("{}: cannot fork the health probe: {e}", self.name);
                false
            }
        }
    }
}

/// The exit code, or None if the child had to be killed.
fn wait_with_timeout(pid: Pid, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(_, code)) => return Some(code),
            Ok(WaitStatus::StillAlive) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(50))
            }
            Err(Errno::EINTR) => continue,
            _ => {
                let _ = kill(pid, Signal::SIGKILL);
                let _ = waitpid(pid, None);
                return None;
            }
        }
    }
}

fn serve_status(listener: UnixListener, state: Arc<Mutex<ServiceState>>) {
    thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let st = state.lock().unwrap();
            let _ = writeln!(conn, "pid={:?} restarts={} last_exit={:?}", st.pid, st.restarts, st.last_exit);
        }
    });
}

fn supervise(service: &Service) -> anyhow::Result<()> {
    let mut backoff = Duration::from_millis(100);
    while !SHUTDOWN.load(Ordering::SeqCst) {
        let pid = service.restart()?;
        CHILD.store(pid.as_raw(), Ordering::SeqCst);
        let started = Instant::now();
        let status = loop {
            match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => {
                    thread::sleep(Duration::from_secs(1));
                    if started.elapsed().as_secs() % 30 == 0 && !service.health_check() {
                        let _ = kill(pid, Signal::SIGTERM);
                    }
                }
                Ok(status) => break status,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        CHILD.store(0, Ordering::SeqCst);
        let mut state = service.state.lock().unwrap();
        state.pid = None;
        state.last_exit = match status {
            WaitStatus::Exited(_, code) => Some(code),
            WaitStatus::Signaled(_, sig, _) => Some(128 + sig as i32),
            _ => None,
        };
        drop(state);
        log::warn!("{} exited ({status:?}); restarting in {backoff:?}", service.name);
        backoff = if started.elapsed() > Duration::from_secs(10) {
            Duration::from_millis(100)
        } else {
            (backoff * 2).min(Duration::from_secs(30))
        };
        thread::sleep(backoff);
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let program = args.next().ok_or_else(|| anyhow::anyhow!("usage: supervise PROGRAM [ARGS..]"))?;
    let argv = std::iter::once(program.clone())
        .chain(args)
        .map(CString::new)
        .collect::<Result<Vec<_>, _>>()?;
    let service = Service {
        name: program.rsplit('/').next().unwrap_or(&program).to_string(),
        program: CString::new(program.as_str())?,
        argv,
        state: Arc::new(Mutex::new(ServiceState {
            probe_timeout: Duration::from_secs(2),
            ..ServiceState::default()
        })),
    };

    let handler = SigAction::new(SigHandler::Handler(forward_signal), SaFlags::empty(), SigSet::empty());
    for sig in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        unsafe { sigaction(sig, &handler) }?;
    }
    let listener = UnixListener::bind(format!("/run/supervise-{}.sock", service.name))?;
    serve_status(listener, Arc::clone(&service.state));
    supervise(&service)
}
