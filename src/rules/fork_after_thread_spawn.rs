//! Threads running at fork() do not exist in the child, but whatever they
//! held (a mutex, stdout's lock, the env lock) stays held there.

use super::{describe_call, one_per_region, RuleCtx};
use crate::diagnostic::{Finding, Group, Label};
use crate::knowledge::Class;

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for fork in ctx.checked_forks() {
        let threads = ctx.fork_context(fork).threads;
        if threads.is_empty() {
            continue;
        }
        let harness_only = super::only_harness_threads(&threads);
        let sites: Vec<_> = ctx
            .child_calls(fork)
            .into_iter()
            .filter(|(_, e)| e.class.takes_lock())
            // Among the test harness's threads only the crate's tests run:
            // with no logger installed anywhere in it, a log macro checks
            // the level (off) and takes nothing.
            .filter(|(_, e)| !(harness_only && e.class == Class::Logs && !ctx.installs_logger))
            .map(|(call, effect)| {
                // Only after a call failed; or among the test harness's
                // threads, which run other tests (each test's output is
                // captured apart): what they hold is not shown.
                let group = if call.error_path || effect.error_path || harness_only {
                    Group::Suspicious
                } else {
                    Group::Correctness
                };
                ((call, effect), group)
            })
            .collect();
        let Some(((call, effect), group, others)) = one_per_region(sites, |(c, _)| (0, c.span.start)) else {
            continue;
        };
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
        .in_group(group)
        .in_function(fork.function.clone());
        for (c, e) in &others {
            f = f.with_label(Label::new(
                fork.file,
                c.span.clone(),
                format!("also: {}", describe_call(c, e)),
            ));
        }
        if call.error_path || effect.error_path {
            f = f.with_note("this runs only after a call in the child failed");
        } else if harness_only {
            f = f.with_note("the only threads are the test harness's: whether one holds this lock depends on the other tests");
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
    out
}
