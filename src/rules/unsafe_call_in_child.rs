//! Between fork() and exec in a multithreaded process POSIX allows only
//! async-signal-safe functions.

use super::{describe_call, one_per_region, RuleCtx};
use crate::diagnostic::{Finding, Group, Label};
use crate::knowledge::{Class, Role};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut manifests = Default::default();
    for fork in ctx.checked_forks() {
        let running = ctx.fork_context(fork).threads;
        let threads = !running.is_empty();
        let harness_only = super::only_harness_threads(&running);
        // A library's fork runs in its callers' process, which may run
        // threads it cannot show.
        let library = !threads && crate::discover::in_library(&ctx.db.get(fork.file).path, &mut manifests);
        if !threads && !library && !ctx.opts.assume_threads {
            continue;
        }
        let mut sites = Vec::new();
        for (call, effect) in ctx.child_calls(fork) {
            // A child's exit() is child_escapes_fork_branch's: one finding per cause.
            if call.role == Some(Role::ExitCleanup) {
                continue;
            }
            // A lock is fork_after_thread_spawn's; what else the call does
            // (allocation behind the lock) is this rule's.
            let effect = match ctx.effect_besides_lock(call) {
                Some(other) if threads && effect.class.takes_lock() => other,
                _ => effect,
            };
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
            // What is left here with threads (allocation, unknown or other
            // unsafe calls) harms only with timing or platform against it:
            // glibc resets malloc's locks at fork, so it warns; a declared
            // `#[global_allocator]` has locks nothing resets, so allocating
            // is a hazard whenever a thread allocates at the fork.
            // A daemonizing fork (the parent leaves at once) in a library
            // with no thread in sight: the child is the program from here
            // on, called before threads exist by the usual contract; that
            // its callers might run threads is the pedantic reading.
            let group = if !threads {
                if library && !fork.survivor {
                    Group::Suspicious
                } else {
                    Group::Pedantic
                }
            } else if effect.class == Class::Allocates
                && ctx.global_allocator_in(fork.file)
                && !call.error_path
                && !effect.error_path
            {
                Group::Correctness
            } else if harness_only {
                Group::Pedantic
            } else {
                Group::Suspicious
            };
            sites.push(((call, effect), group));
        }
        let Some(((call, effect), group, others)) = one_per_region(sites, |(c, _)| (0, c.span.start)) else {
            continue;
        };
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
        .in_group(group)
        .in_function(fork.function.clone())
        .with_label(Label::new(fork.file, fork.span.clone(), "forked here"));
        for (c, e) in &others {
            f = f.with_label(Label::new(
                fork.file,
                c.span.clone(),
                format!("also: {}", describe_call(c, e)),
            ));
        }
        if threads {
            for (file, t) in &running {
                f = f.with_label(Label::new(*file, t.span.clone(), t.what.clone()));
            }
            if group == Group::Correctness {
                f = f.with_note(
                    "this program declares a #[global_allocator]: its locks are not reset in the child",
                );
            } else if harness_only {
                f = f.with_note("the only threads are the test harness's");
            }
        } else if library {
            f = f
                .with_note("library code: its callers' process may run threads, which this fork cannot show");
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
    out
}
