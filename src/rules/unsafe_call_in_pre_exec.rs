//! `CommandExt::pre_exec` closures run in the forked child before exec,
//! where std documents that only async-signal-safe code may run.

use super::{describe_call, one_per_region, RuleCtx};
use crate::diagnostic::{Finding, Group, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut manifests = Default::default();
    for p in ctx.files.iter().flat_map(|f| f.pre_execs.iter()) {
        // Threads at the spawn: registered with threads running, or in a
        // function its callers reach with threads. A library's hook runs in
        // whatever process its callers have, so it is judged as threaded;
        // an example, test or binary target shows what it runs.
        let threads = !p.threads.is_empty()
            || ctx
                .files
                .iter()
                .flat_map(|f| f.functions.iter())
                .filter(|f| {
                    f.file == p.file
                        && f.keys
                            .iter()
                            .any(|k| k.rsplit("::").next() == p.function.as_deref())
                })
                .any(|f| {
                    f.keys
                        .iter()
                        .any(|k| ctx.entry.get(k).is_some_and(|c| !c.threads.is_empty()))
                });
        let library = crate::discover::in_library(&ctx.db.get(p.file).path, &mut manifests);
        // A Command launched only by `exec()` runs its hooks in the process
        // calling exec: no fork of std's, no lock held across one by another
        // thread. Whether that process is a threaded program's child is the
        // child rules' question, at the exec (which itself allocates). Only
        // std's environment lock is still held, by exec itself, for reading.
        let in_place = !p.launched_in_place.is_empty();
        let calls = ctx.hook_calls(p);
        let mut sites = Vec::new();
        for (file, call) in calls {
            let effect = ctx.effect_in_child(file, call);
            let unknown = effect.class == crate::knowledge::Class::Unknown && ctx.opts.unknown_calls_warn;
            if !effect.class.is_unsafe() && !unknown {
                continue;
            }
            // Only after a call in the hook failed (`io::Error::other(..)`
            // once `setsid()` returned an error): still a violation, and
            // cheap to fix, but not on the normal path. In a program that
            // shows no other thread at its spawn, stdout's and malloc's
            // locks are free (std's env lock is not: spawn holds it).
            let on_error = call.error_path || effect.error_path;
            let unthreaded = !threads && !library && effect.class != crate::knowledge::Class::Env;
            let env = effect.class == crate::knowledge::Class::Env;
            let group = if in_place && !env {
                Group::Pedantic
            } else if on_error || unthreaded {
                Group::Suspicious
            } else {
                Group::Correctness
            };
            sites.push((((file, call), effect), group));
        }
        let Some((((file, call), effect), group, others)) =
            one_per_region(sites, |((file, c), _)| (*file, c.span.start))
        else {
            continue;
        };
        let mut f = Finding::new(
            "unsafe_call_in_pre_exec",
            format!(
                "not async-signal-safe in a pre_exec closure: {}",
                describe_call(call, &effect)
            ),
            Label::new(
                file,
                call.span.clone(),
                if in_place {
                    "runs before exec, in the process calling it"
                } else {
                    "runs in the forked child before exec"
                },
            ),
        )
        .in_group(group)
        .in_function(p.function.clone());
        for ((file, c), e) in &others {
            f = f.with_label(Label::new(
                *file,
                c.span.clone(),
                format!("also: {}", describe_call(c, e)),
            ));
        }
        if in_place {
            for (file, span) in &p.launched_in_place {
                f = f.with_label(Label::new(
                    *file,
                    span.clone(),
                    "the Command is launched here, in place",
                ));
            }
            f = f.with_note(if effect.class == crate::knowledge::Class::Env {
                "this Command is only launched with exec(), which holds std's environment lock for reading while the hook runs: this call waits for that lock forever"
            } else {
                "this Command is only launched with exec(): the hook runs in the process that calls exec, after no fork of std's"
            });
        } else if call.error_path || effect.error_path {
            f = f.with_note("this runs only after a call in the hook failed");
        } else if group == Group::Suspicious {
            f = f.with_note("no other thread is shown running where this program spawns");
        }
        f = f.with_label(Label::new(
            p.file,
            p.span.clone(),
            "registered to run before exec here",
        ));
        if !in_place {
            f = f.with_note("the closure runs after fork() in the child, where only async-signal-safe calls are allowed; std's Command holds its environment lock across that fork");
        }
        out.push(f.with_help(if in_place {
            "make the call before exec(), outside the hook"
        } else {
            "prepare everything before spawn() and call only async-signal-safe functions (libc::dup2, setsid, close, signal masks) in the closure"
        }));
    }
    out
}
