//! A log macro takes the logger's lock only once a logger is installed:
//! log's and tracing's maximum level start at off. Among the test
//! harness's threads only the crate's own tests run, so in a crate that
//! names no way to install a logger, a test's forked child that logs holds
//! no lock another thread may have; in one that installs a logger, it may.

mod common;

const LIB: &str = "pub fn notify(fd: i32) {\n    log::debug!(\"notifying\");\n    unsafe { libc::write(fd, b\"x\".as_ptr().cast(), 1) };\n}\n\n\
#[cfg(test)]\nmod tests {\n    #[test]\n    fn child_notifies() {\n        SETUP\n        match unsafe { libc::fork() } {\n            0 => {\n                super::notify(1);\n                unsafe { libc::_exit(0) }\n            }\n            pid => {\n                let mut status = 0;\n                unsafe { libc::waitpid(pid, &mut status, 0) };\n            }\n        }\n    }\n}\n";

/// The fork_after_thread_spawn findings, every group on, of the crate
/// whose test runs `setup` first.
fn lock_findings(name: &str, setup: &str) -> usize {
    let dir = common::package("logging", name);
    common::write(&dir, "src/lib.rs", LIB.replace("SETUP", setup));
    common::forklint(&dir, &["--format", "json", "--no-deps", "-W", "pedantic", "."])
        .findings_of("fork_after_thread_spawn")
        .len()
}

#[test]
fn a_log_macro_in_a_tests_child_takes_no_lock_where_no_logger_is_installed() {
    assert_eq!(lock_findings("no_logger", ""), 0);
}

#[test]
fn a_log_macro_in_a_tests_child_may_take_a_lock_once_a_logger_is_installed() {
    assert_eq!(lock_findings("env_logger", "let _ = env_logger::try_init();"), 1);
    assert_eq!(
        lock_findings("subscriber", "tracing::subscriber::set_global_default(Sub).ok();"),
        1
    );
}
