// Corpus: a double-fork daemonizer with a readiness pipe and reload hooks, in
// the style of small service binaries that do not pull in `daemonize`.
//
// Safe: the survivor pattern. At both forks the parent's arm never reaches
// the code after the `match` (the first parent waits for one readiness byte
// and calls `std::process::exit`, the second calls `libc::_exit`), so the
// child carries on as the only process and its `?`, `expect` and return into
// `main` run once. /dev/null is opened with O_CLOEXEC (dup2 gives the copies
// on 0..2 no flag, as intended), the readiness pipe comes from
// pipe2(O_CLOEXEC), and the waiting parent closes its write end before a
// bounded one-byte read. The process never starts a thread.
//
// Hazardous: `print!("starting {name}... ")` leaves a partial line in
// stdout's buffer at the first fork: the waiting parent prints it with its
// "ok", and the survivor's flush before the second fork prints it again
// (unflushed_output_at_fork at the first fork; the second fork happens with
// an empty buffer).
// The pid file is opened with a raw `libc::open` without O_CLOEXEC and stays
// open to hold its lock, so every hook inherits the lock
// (fd_without_cloexec). A hook whose exec fails returns an error from the
// forked child into the daemon's reload loop: two daemons now run it
// (child_escapes_fork_branch).

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use nix::fcntl::OFlag;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::stat::{umask, Mode};
use nix::sys::wait::waitpid;
use nix::unistd::{fork, pipe2, setsid, ForkResult};

struct Daemon {
    pidfile_fd: RawFd,
    ready: OwnedFd,
}

fn redirect_stdio() -> io::Result<()> {
    let fd = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    for target in 0..=2 {
        if unsafe { libc::dup2(fd, target) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    if fd > 2 {
        unsafe { libc::close(fd) };
    }
    Ok(())
}

fn lock_pidfile(path: &CStr) -> anyhow::Result<RawFd> {
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CREAT, 0o644) }; //~ fd_without_cloexec
    if fd < 0 {
        return Err(io::Error::last_os_error()).context("open pid file");
    }
    if unsafe { libc::lockf(fd, libc::F_TLOCK, 0) } != 0 {
        bail!("another instance holds {}", path.to_string_lossy());
    }
    let line = format!("{}\n", std::process::id());
    unsafe {
        libc::ftruncate(fd, 0);
        libc::write(fd, line.as_ptr().cast(), line.len());
    }
    Ok(fd)
}

fn wait_for_ready(rd: OwnedFd) -> bool {
    let mut byte = [0u8; 1];
    matches!(File::from(rd).read(&mut byte), Ok(1))
}

fn daemonize(name: &str, pidfile: &CStr) -> anyhow::Result<Daemon> {
    print!("starting {name}... ");
    let (ready_rd, ready_wr) = pipe2(OFlag::O_CLOEXEC).context("readiness pipe")?;

    match unsafe { fork() }.context("first fork")? { //~ unflushed_output_at_fork
        ForkResult::Parent { .. } => {
            drop(ready_wr);
            let code = if wait_for_ready(ready_rd) {
                println!("ok");
                0
            } else {
                println!("failed (see the log)");
                1
            };
            std::process::exit(code);
        }
        ForkResult::Child => drop(ready_rd),
    }

    setsid().context("setsid")?;
    // Flush before forking again so that the grandchild starts clean.
    io::stdout().flush().context("flush stdout")?;
    match unsafe { fork() }.context("second fork")? {
        ForkResult::Parent { .. } => unsafe { libc::_exit(0) },
        ForkResult::Child => {}
    }

    std::env::set_current_dir("/").context("chdir /")?;
    umask(Mode::from_bits_truncate(0o027));
    let pidfile_fd = lock_pidfile(pidfile)?;
    println!("{name} running as pid {}", std::process::id());
    redirect_stdio().expect("cannot redirect stdio to /dev/null");
    Ok(Daemon {
        pidfile_fd,
        ready: ready_wr,
    })
}

fn run_hook(hook: &Path) -> anyhow::Result<()> {
    let prog = CString::new(hook.as_os_str().as_bytes())?;
    let argv = [prog.as_ptr(), std::ptr::null()];
    match unsafe { fork() }? {
        ForkResult::Child => {
            unsafe { libc::execv(prog.as_ptr(), argv.as_ptr()) };
            return Err(anyhow!("exec {} failed", hook.display())); //~ child_may_unwind
        }
        ForkResult::Parent { child } => {
            let status = waitpid(child, None)?;
            log::info!("hook {} finished: {status:?}", hook.display());
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).cloned().unwrap_or_else(|| "svcd".to_string());
    let hooks: Vec<PathBuf> = args.iter().skip(2).map(PathBuf::from).collect();
    let pidfile = CString::new(format!("/run/{name}.pid"))?;

    let daemon = daemonize(&name, &pidfile)?;
    log::info!("pid file locked on fd {}", daemon.pidfile_fd);

    let mut hangup = SigSet::empty();
    hangup.add(Signal::SIGHUP);
    hangup.thread_block()?;
    nix::unistd::write(&daemon.ready, b"R")?;
    drop(daemon.ready);

    if hooks.is_empty() {
        log::warn!("no reload hooks configured");
    }
    loop {
        let signal = hangup.wait()?;
        log::info!("{signal:?}: running {} reload hooks", hooks.len());
        for hook in &hooks {
            if let Err(e) = run_hook(hook) {
                log::warn!("hook {} failed: {e:#}", hook.display());
            }
        }
    }
}
