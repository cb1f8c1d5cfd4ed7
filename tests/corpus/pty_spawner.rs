// Corpus: the pseudo-terminal layer of a terminal emulator: open a pty pair,
// start the user's shell on the slave side, pump the master's output on a
// reader thread.
//
// Safe: the `pre_exec` closure (and the helper it calls) makes only
// async-signal-safe system calls: setsid, ioctl(TIOCSCTTY), dup2 of the
// slave onto 0..2, signal(SIG_DFL) and sigprocmask with a mask built before
// `spawn`; its error path builds an `io::Error` from errno, which does not
// allocate, and the `return`s only leave the closure. The master and slave
// are opened with O_CLOEXEC (posix_openpt, open); the reader thread only
// runs in the parent, and nothing in this file forks by hand, so it has no
// child region of its own.
//
// Hazardous: `try_clone_reader` duplicates the master with a plain
// `libc::dup`, which drops close-on-exec: every shell started afterwards (a
// new tab) inherits the other tab's master, so closing that tab never hangs
// up its shell (fd_without_cloexec).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::thread::JoinHandle;

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

pub struct Pty {
    master: OwnedFd,
    slave: OwnedFd,
}

impl Pty {
    pub fn open(rows: u16, cols: u16) -> io::Result<Pty> {
        let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
        let master = cvt(unsafe { libc::posix_openpt(flags) })?;
        let master = unsafe { OwnedFd::from_raw_fd(master) };
        cvt(unsafe { libc::grantpt(master.as_raw_fd()) })?;
        cvt(unsafe { libc::unlockpt(master.as_raw_fd()) })?;

        let mut name = [0 as libc::c_char; 128];
        let rc = unsafe { libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        let slave = cvt(unsafe { libc::open(name.as_ptr(), flags) })?;
        let slave = unsafe { OwnedFd::from_raw_fd(slave) };

        let pty = Pty { master, slave };
        pty.resize(rows, cols)?;
        Ok(pty)
    }

    pub fn resize(&self, rows: u16, cols: u16) -> io::Result<()> {
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        cvt(unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) })?;
        Ok(())
    }

    /// A second handle on the master, for the reader thread.
    pub fn try_clone_reader(&self) -> io::Result<File> {
        let fd = cvt(unsafe { libc::dup(self.master.as_raw_fd()) })?; //~ fd_without_cloexec
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    pub fn writer(&self) -> io::Result<File> {
        Ok(File::from(self.master.try_clone()?))
    }

    pub fn spawn_shell(&self, shell: &str, cwd: &Path) -> io::Result<Child> {
        let slave_fd = self.slave.as_raw_fd();
        let mut default_mask: libc::sigset_t = unsafe { std::mem::zeroed() };
        unsafe { libc::sigemptyset(&mut default_mask) };

        let mut cmd = Command::new(shell);
        cmd.arg("-l")
            .current_dir(cwd)
            .env("TERM", "xterm-256color")
            .env("COLORTERM", "truecolor");
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() == -1 {
                    return Err(io::Error::last_os_error());
                }
                attach_controlling_tty(slave_fd)?;
                // The emulator ignores these for itself; the shell must not.
                libc::signal(libc::SIGCHLD, libc::SIG_DFL);
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
                libc::sigprocmask(libc::SIG_SETMASK, &default_mask, std::ptr::null_mut());
                Ok(())
            });
        }
        cmd.spawn()
    }
}

/// Runs in the child, between fork and exec: system calls only.
fn attach_controlling_tty(slave_fd: RawFd) -> io::Result<()> {
    if unsafe { libc::ioctl(slave_fd, libc::TIOCSCTTY as _, 0) } == -1 {
        return Err(io::Error::last_os_error());
    }
    for target in 0..=2 {
        if unsafe { libc::dup2(slave_fd, target) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    if slave_fd > 2 {
        unsafe { libc::close(slave_fd) };
    }
    Ok(())
}

fn pump_output(mut reader: File) -> JoinHandle<io::Result<u64>> {
    std::thread::Builder::new()
        .name("pty-reader".into())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            let mut total = 0u64;
            let mut out = io::stdout();
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => return Ok(total),
                    Ok(n) => {
                        out.write_all(&buf[..n])?;
                        out.flush()?;
                        total += n as u64;
                    }
                    // EIO: the slave side was closed (the shell exited).
                    Err(e) if e.raw_os_error() == Some(libc::EIO) => return Ok(total),
                    Err(e) => return Err(e),
                }
            }
        })
        .expect("spawn pty reader thread")
}

fn main() -> io::Result<()> {
    let shell = std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".to_string());
    let cwd = std::env::current_dir()?;
    let pty = Pty::open(24, 80)?;
    let reader = pump_output(pty.try_clone_reader()?);
    let mut child = pty.spawn_shell(&shell, &cwd)?;

    let mut input = pty.writer()?;
    input.write_all(b"echo hello from the pty; exit\n")?;
    let status = child.wait()?;
    drop(pty);
    let bytes = reader.join().expect("pty reader panicked")?;
    eprintln!("shell exited with {status}, {bytes} bytes of output");
    Ok(())
}
