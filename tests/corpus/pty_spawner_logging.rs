// Corpus: the same pty spawner after someone added diagnostics to the child
// setup: `log`/`tracing` calls, an `eprintln!` on failure, an error message
// built with `format!`, and a debug switch read from the environment, all
// inside the `pre_exec` closure or helpers it calls.
//
// Hazardous: the closure runs in the forked child before exec, where only
// async-signal-safe calls are allowed. The process has a logging thread
// (the reader thread logs every chunk), so the logger's lock or stderr's
// lock may be held at the fork and the child waits for it forever; the
// `std::env::var` needs std's environment lock, which `Command::spawn`
// itself holds across its fork; `format!` and `io::Error::new` allocate
// (unsafe_call_in_pre_exec at each such call, and at the call of each
// helper that logs).
//
// Safe: setsid, ioctl(TIOCSCTTY) and dup2 themselves; the master and slave
// opened with O_CLOEXEC; the reader thread's logging (it runs in the parent
// only); `io::Error::last_os_error` (reads errno, no allocation).

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};

use tracing::trace;

pub struct Pty {
    master: OwnedFd,
    slave: OwnedFd,
}

fn open_pty() -> io::Result<Pty> {
    let master = unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
    if master == -1 {
        return Err(io::Error::last_os_error());
    }
    let master = unsafe { OwnedFd::from_raw_fd(master) };
    let mut name = [0 as libc::c_char; 128];
    unsafe {
        libc::grantpt(master.as_raw_fd());
        libc::unlockpt(master.as_raw_fd());
        libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len());
    }
    let slave = unsafe { libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
    if slave == -1 {
        return Err(io::Error::last_os_error());
    }
    log::debug!("opened pty master {} slave {}", master.as_raw_fd(), slave);
    Ok(Pty {
        master,
        slave: unsafe { OwnedFd::from_raw_fd(slave) },
    })
}

/// Called from the child; each step is traced for bug reports.
fn become_session_leader() -> io::Result<()> {
    trace!(pid = std::process::id(), "setsid");
    if unsafe { libc::setsid() } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn take_terminal(slave_fd: RawFd) -> io::Result<()> {
    if unsafe { libc::ioctl(slave_fd, libc::TIOCSCTTY as _, 0) } == -1 {
        let err = io::Error::last_os_error();
        log::error!("TIOCSCTTY on fd {slave_fd} failed: {err}");
        return Err(err);
    }
    Ok(())
}

impl Pty {
    pub fn spawn(&self, program: &str, args: &[&str]) -> io::Result<Child> {
        let slave_fd = self.slave.as_raw_fd();
        let mut cmd = Command::new(program);
        cmd.args(args).env("TERM", "xterm-256color");
        unsafe {
            cmd.pre_exec(move || {
                let verbose = std::env::var("PTY_DEBUG").is_ok(); //~ unsafe_call_in_pre_exec
                if verbose {
                    log::debug!("pty child: preparing fd {slave_fd}");
                }
                become_session_leader()?;
                take_terminal(slave_fd)?;
                for target in 0..=2 {
                    if libc::dup2(slave_fd, target) == -1 {
                        let err = io::Error::last_os_error();
                        eprintln!("pty child: dup2 onto {target} failed: {err}");
                        let msg = format!("cannot attach fd {target} to the pty");
                        return Err(io::Error::new(err.kind(), msg));
                    }
                }
                libc::close(slave_fd);
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        log::info!("spawned {program} as pid {}", child.id());
        Ok(child)
    }
}

fn log_output(mut reader: File) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            log::info!("pty: {}", String::from_utf8_lossy(&buf[..n]));
        }
    })
}

fn main() -> io::Result<()> {
    env_logger::init();
    let pty = open_pty()?;
    let reader = File::from(pty.master.try_clone()?);
    let logger = log_output(reader);
    let mut child = pty.spawn("/bin/sh", &["-c", "echo ready"])?;
    let status = child.wait()?;
    log::info!("child exited: {status}");
    drop(pty);
    let _ = logger.join();
    Ok(())
}
