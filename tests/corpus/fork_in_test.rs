// Corpus: integration tests of a small process-control library that fork
// inside `#[test]` functions to check behaviour in a real child process.
//
// The test harness runs tests on several threads at once, so every
// `#[test]` body runs in a multithreaded process: its forked child may only
// make async-signal-safe calls until it execs or `_exit`s.
//
// Safe: `child_exit_status_is_reported` and `sigterm_is_delivered`, whose
// children only call libc/nix system-call wrappers and `_exit` with a
// status the parent checks with `waitpid`; `pause_until_killed` is a helper
// of the same kind. The library's own `wait_exit_code` runs only in the
// parent.
//
// Hazardous: `child_inherits_environment` asserts inside the child: a
// failed `assert!`/`unwrap` unwinds into the test harness's frames in the
// child, which reports a second, forked result and runs the rest of the
// test twice (child_escapes_fork_branch at each); its `std::env::var` takes
// std's environment lock, which another test thread may hold at the fork
// (fork_after_thread_spawn), and `format!` allocates while another thread
// may hold the allocator's lock (unsafe_call_in_child).
// `child_can_change_directory` prints with `println!` in the child (stdout's
// lock, held by whichever test thread is printing: fork_after_thread_spawn).
// `exit_code_survives_exec` forgets `_exit(127)` after `execv`: when the
// exec fails the child falls out of its `if` block into the parent's
// assertions (child_escapes_fork_branch on the block's closing brace).

use std::ffi::CString;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

/// The library under test: the exit code of a child, or the signal number
/// plus 128 as a shell reports it.
pub fn wait_exit_code(pid: Pid) -> nix::Result<i32> {
    loop {
        match waitpid(pid, None)? {
            WaitStatus::Exited(_, code) => return Ok(code),
            WaitStatus::Signaled(_, sig, _) => return Ok(128 + sig as i32),
            _ => continue,
        }
    }
}

fn pause_until_killed() -> ! {
    loop {
        unsafe { libc::pause() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_exit_status_is_reported() {
        match unsafe { fork() }.expect("fork failed") {
            ForkResult::Child => unsafe { libc::_exit(42) },
            ForkResult::Parent { child } => {
                assert_eq!(wait_exit_code(child).unwrap(), 42);
            }
        }
    }

    #[test]
    fn sigterm_is_delivered() {
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
        if pid == 0 {
            unsafe { libc::signal(libc::SIGTERM, libc::SIG_DFL) };
            pause_until_killed();
        }
        let child = Pid::from_raw(pid);
        std::thread::sleep(Duration::from_millis(20));
        kill(child, Signal::SIGTERM).unwrap();
        assert_eq!(wait_exit_code(child).unwrap(), 128 + libc::SIGTERM);
    }

    #[test]
    fn child_inherits_environment() {
        std::env::set_var("FORKLINT_CORPUS_MARK", "inherited");
        match unsafe { fork() }.unwrap() {
            ForkResult::Child => {
                let value = std::env::var("FORKLINT_CORPUS_MARK").unwrap(); //~ fork_after_thread_spawn //~ child_may_unwind
                assert_eq!(value, "inherited");
                let report = format!("child saw {value}\n"); //~ unsafe_call_in_child
                unsafe { libc::write(2, report.as_ptr().cast(), report.len()) };
                unsafe { libc::_exit(0) };
            }
            ForkResult::Parent { child } => {
                assert_eq!(wait_exit_code(child).unwrap(), 0);
            }
        }
    }

    #[test]
    fn child_can_change_directory() {
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            println!("child {} moving to /tmp", std::process::id()); //~ fork_after_thread_spawn
            let moved = unsafe { libc::chdir(c"/tmp".as_ptr()) } == 0;
            unsafe { libc::_exit(if moved { 0 } else { 1 }) };
        }
        assert_eq!(wait_exit_code(Pid::from_raw(pid)).unwrap(), 0);
    }

    #[test]
    fn exit_code_survives_exec() {
        let sh = CString::new("/bin/sh").unwrap();
        let dash_c = CString::new("-c").unwrap();
        let script = CString::new("exit 7").unwrap();
        let argv = [sh.as_ptr(), dash_c.as_ptr(), script.as_ptr(), std::ptr::null()];
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            unsafe { libc::execv(sh.as_ptr(), argv.as_ptr()) };
        } //~ child_escapes_fork_branch
        assert_eq!(wait_exit_code(Pid::from_raw(pid)).unwrap(), 7);
    }
}
