//! Threads running at fork() do not exist in the child, but whatever they
//! held (a mutex, stdout's lock, the env lock) stays held there.

use super::{describe_call, RuleCtx};
use crate::diagnostic::{Finding, Group, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for fork in ctx.checked_forks() {
        let threads = ctx.fork_context(fork).threads;
        if threads.is_empty() {
            continue;
        }
        for (call, effect) in ctx.child_calls(fork) {
            if !effect.class.takes_lock() {
                continue;
            }
            let mut f = Finding::new(
                "fork_after_thread_spawn",
                format!(
                    "the child takes a lock that a thread running at fork() may hold: {}",
                    describe_call(call, &effect)
                ),
                Label::new(
                    fork.file,
                    call.span.clone(),
                    "a thread running at fork() may hold this lock forever",
                ),
            )
            .in_function(fork.function.clone());
            if call.error_path || effect.error_path {
                f = f
                    .in_group(Group::Suspicious)
                    .with_note("this runs only after a call in the child failed");
            } else if super::only_harness_threads(&threads) {
                // The harness's threads run other tests; a test's output is
                // captured per test: what they hold is not shown.
                f = f
                    .in_group(Group::Suspicious)
                    .with_note("the only threads are the test harness's: whether one holds this lock depends on the other tests");
            }
            for (file, t) in &threads {
                f = f.with_label(Label::new(*file, t.span.clone(), t.what.clone()));
            }
            f = f
                .with_label(Label::new(fork.file, fork.span.clone(), "forked here"))
                .with_note("only the forking thread exists in the child; locks other threads held stay locked")
                .with_help(
                    "in the child use only async-signal-safe calls (libc::write, dup2, exec, _exit) before exec, \
                     or fork before starting threads, or use std::process::Command",
                );
            out.push(f);
        }
    }
    out
}
