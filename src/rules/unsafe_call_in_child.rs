//! Between fork() and exec in a multithreaded process POSIX allows only
//! async-signal-safe functions.

use super::{describe_call, RuleCtx};
use crate::diagnostic::{Finding, Label};
use crate::knowledge::Class;

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for fork in ctx.checked_forks() {
        let running = ctx.fork_context(fork).threads;
        let threads = !running.is_empty();
        if !threads && !ctx.opts.assume_threads {
            continue;
        }
        for (call, effect) in ctx.child_calls(fork) {
            // Lock-taking calls with real thread evidence are
            // fork_after_thread_spawn's, which names the threads.
            let reportable = if threads {
                effect.class.is_unsafe() && !effect.class.takes_lock()
            } else {
                effect.class.is_unsafe()
            } || (effect.class == Class::Unknown && ctx.opts.unknown_calls_warn);
            if !reportable {
                continue;
            }
            let mut f = Finding::new(
                "unsafe_call_in_child",
                format!(
                    "not async-signal-safe in the child of a multithreaded fork: {}",
                    describe_call(call, &effect)
                ),
                Label::new(
                    fork.file,
                    call.span.clone(),
                    "called in the child before exec/_exit",
                ),
            )
            .in_function(fork.function.clone())
            .with_label(Label::new(fork.file, fork.span.clone(), "forked here"));
            if threads {
                for (file, t) in &running {
                    f = f.with_label(Label::new(*file, t.span.clone(), t.what.clone()));
                }
            } else {
                f = f.with_note("reported under --assume-threads: the caller may run other threads");
            }
            let help = match effect.class {
                Class::Allocates => {
                    "build the value before fork(); in the child use only async-signal-safe calls"
                }
                _ => "in the child use only async-signal-safe calls (see signal-safety(7)) before exec/_exit",
            };
            out.push(f.with_help(help));
        }
    }
    out
}
