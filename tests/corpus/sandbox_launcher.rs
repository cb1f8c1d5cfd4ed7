// Corpus: a sandbox launcher (the core of a build-sandbox or judge runner):
// new mount/UTS/IPC/network namespaces, a private mount tree, a chroot,
// resource limits and no_new_privs, all set up in `pre_exec`; plus a
// rootless mode that maps the caller's uid in a user namespace.
//
// Safe: `Sandbox::command` prepares everything before `spawn`: the root and
// hostname as C strings, the rlimit table as a Vec, the mount source and
// type as C string literals; the closure then makes only system calls
// (unshare, mount, sethostname, chroot, chdir, setrlimit, prctl), and its
// `?`s convert an errno into an `io::Error` without allocating. The
// rootless mode's gid-map write is also prepared before `spawn` (the bytes
// and the path) and done with raw open/write/close.
//
// Hazardous: `Sandbox::command_rootless` builds the uid map with `format!`,
// writes it and `setgroups` with `std::fs::write` (which allocates a C
// string for the path), and builds the chroot path with `CString::new`
// inside the closure: each allocates in the forked child, where the
// allocator's lock may be held by a thread that does not exist there
// (unsafe_call_in_pre_exec at each).

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, ExitStatus};

use nix::sched::{unshare, CloneFlags};
use nix::sys::resource::{setrlimit, Resource};

pub struct Limits {
    pub cpu_seconds: u64,
    pub address_space: u64,
    pub open_files: u64,
    pub processes: u64,
}

pub struct Sandbox {
    pub root: PathBuf,
    pub hostname: String,
    pub limits: Limits,
}

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl Sandbox {
    fn rlimits(&self) -> Vec<(Resource, u64)> {
        vec![
            (Resource::RLIMIT_CPU, self.limits.cpu_seconds),
            (Resource::RLIMIT_AS, self.limits.address_space),
            (Resource::RLIMIT_NOFILE, self.limits.open_files),
            (Resource::RLIMIT_NPROC, self.limits.processes),
            (Resource::RLIMIT_CORE, 0),
        ]
    }

    pub fn command(&self, program: &str, args: &[String]) -> io::Result<Command> {
        let root = CString::new(self.root.as_os_str().as_bytes())?;
        let hostname = self.hostname.clone().into_bytes();
        let limits = self.rlimits();

        let mut cmd = Command::new(program);
        cmd.args(args).env_clear().env("PATH", "/usr/bin:/bin");
        unsafe {
            cmd.pre_exec(move || {
                unshare(
                    CloneFlags::CLONE_NEWNS
                        | CloneFlags::CLONE_NEWUTS
                        | CloneFlags::CLONE_NEWIPC
                        | CloneFlags::CLONE_NEWNET,
                )?;
                // Keep our mounts out of the host's mount tree.
                check(libc::mount(
                    c"none".as_ptr(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ))?;
                check(libc::sethostname(hostname.as_ptr().cast(), hostname.len()))?;
                check(libc::chroot(root.as_ptr()))?;
                check(libc::chdir(c"/".as_ptr()))?;
                for &(resource, limit) in &limits {
                    setrlimit(resource, limit, limit)?;
                }
                check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
                Ok(())
            });
        }
        Ok(cmd)
    }

    pub fn command_rootless(&self, program: &str, args: &[String]) -> io::Result<Command> {
        let uid = nix::unistd::getuid().as_raw();
        let gid = nix::unistd::getgid().as_raw();
        let gid_map = format!("0 {gid} 1\n").into_bytes();
        let root_dir = self.root.clone();
        let limits = self.rlimits();

        let mut cmd = Command::new(program);
        cmd.args(args);
        unsafe {
            cmd.pre_exec(move || {
                unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS)?;
                let uid_map = format!("0 {uid} 1\n"); //~ unsafe_call_in_pre_exec
                std::fs::write("/proc/self/setgroups", "deny")?;
                std::fs::write("/proc/self/uid_map", uid_map)?;
                let fd = libc::open(c"/proc/self/gid_map".as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd == -1 || libc::write(fd, gid_map.as_ptr().cast(), gid_map.len()) == -1 {
                    return Err(io::Error::last_os_error());
                }
                libc::close(fd);
                let root = CString::new(root_dir.as_os_str().as_bytes())?;
                check(libc::chroot(root.as_ptr()))?;
                check(libc::chdir(c"/".as_ptr()))?;
                for &(resource, limit) in &limits {
                    setrlimit(resource, limit, limit)?;
                }
                Ok(())
            });
        }
        Ok(cmd)
    }
}

pub fn run_sandboxed(sandbox: &Sandbox, program: &str, args: &[String]) -> io::Result<ExitStatus> {
    let mut cmd = if nix::unistd::geteuid().is_root() {
        sandbox.command(program, args)?
    } else {
        sandbox.command_rootless(program, args)?
    };
    let mut child = cmd.spawn()?;
    child.wait()
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((program, rest)) = args.split_first() else {
        eprintln!("usage: sandbox PROGRAM [ARGS..]");
        std::process::exit(2);
    };
    let sandbox = Sandbox {
        root: PathBuf::from("/var/lib/sandbox/rootfs"),
        hostname: "sandbox".to_string(),
        limits: Limits {
            cpu_seconds: 10,
            address_space: 512 << 20,
            open_files: 64,
            processes: 32,
        },
    };
    let status = run_sandboxed(&sandbox, program, rest)?;
    std::process::exit(status.code().unwrap_or(128));
}
