//! The child's memory is a copy: its writes to globals never reach the parent.

use super::RuleCtx;
use crate::analysis::facts::{ChildEvent, ForkFact, Span, Target};
use crate::diagnostic::{Finding, Label};
use crate::source::FileId;

/// How many callers up a fork's parent is followed to a read.
const MAX_CALLER_DEPTH: usize = 8;

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = reexec_reads(ctx);
    for fork in ctx.checked_forks() {
        for e in &fork.child {
            let ChildEvent::GlobalWrite { name, span } = e else {
                continue;
            };
            let direct = fork.parent_reads.iter().find(|(n, _)| n == name);
            let Some((read_file, read)) = direct
                .map(|(_, read)| (fork.file, read.clone()))
                .or_else(|| read_after_return(ctx, fork, name))
            else {
                continue;
            };
            out.push(
                Finding::new(
                    "global_state_in_child",
                    format!(
                        "the child writes `{}`, but the parent reads its own copy after fork()",
                        crate::index::display_name(name)
                    ),
                    Label::new(fork.file, span.clone(), "written in the child's copy of memory"),
                )
                .in_function(fork.function.clone())
                .with_label(Label::new(read_file, read, "the parent reads its own copy here: it never sees the child's write"))
                .with_label(Label::new(fork.file, fork.span.clone(), "forked here"))
                .with_help("send the value back through a pipe or the exit status, or use shared memory (mmap MAP_SHARED)"),
            );
        }
    }
    out
}

/// A function that forks returns to its callers in the parent (unless the
/// parent leaves at once, as `daemon`'s does): a caller's read of `name`
/// after the call, or its callers' after theirs, is the parent's read.
fn read_after_return(ctx: &RuleCtx, fork: &ForkFact, name: &str) -> Option<(FileId, Span)> {
    if fork.survivor {
        return None;
    }
    let fns: Vec<_> = ctx.files.iter().flat_map(|f| f.functions.iter()).collect();
    let mut callees = fork.function_keys.clone();
    let mut seen: Vec<&Vec<String>> = Vec::new();
    for _ in 0..MAX_CALLER_DEPTH {
        let mut callers = Vec::new();
        for f in &fns {
            let calls = f.calls.iter().filter(|c| match &c.target {
                Target::Local { keys } => keys.iter().any(|k| callees.contains(k)),
                _ => false,
            });
            for c in calls {
                let after = f
                    .static_reads
                    .iter()
                    .find(|(n, at)| n == name && at.start >= c.span.end);
                if let Some((_, read)) = after {
                    return Some((f.file, read.clone()));
                }
                if !seen.contains(&&f.keys) {
                    seen.push(&f.keys);
                    callers.extend(f.keys.iter().cloned());
                }
            }
        }
        if callers.is_empty() {
            return None;
        }
        callees = callers;
    }
    None
}

/// A copy of the program started with `Command::new(current_exe())` runs
/// `main` from scratch: a static that only the parent's run sets (a
/// `OnceLock::set`, a `static mut` assignment in `main`) is empty there.
fn reexec_reads(ctx: &RuleCtx) -> Vec<Finding> {
    let Some((reexec_file, reexec)) = ctx.files.iter().flat_map(|f| f.reexecs.iter()).next().cloned() else {
        return Vec::new();
    };
    let fns: Vec<_> = ctx.files.iter().flat_map(|f| f.functions.iter()).collect();
    let mut out = Vec::new();
    for f in fns.iter().filter(|f| !f.role_calls.is_empty()) {
        // What the parent's run sets: writes outside the role branch.
        let parent_sets: Vec<_> = f
            .static_writes
            .iter()
            .filter(|(_, _, in_role)| !in_role)
            .collect();
        if parent_sets.is_empty() {
            continue;
        }
        // The child's code: the functions the role branch calls, transitively.
        let mut child: Vec<String> = f.role_calls.iter().flatten().cloned().collect();
        let mut i = 0;
        while i < child.len() {
            let key = child[i].clone();
            for g in fns.iter().filter(|g| g.keys.contains(&key)) {
                for c in &g.calls {
                    if let Target::Local { keys } = &c.target {
                        for k in keys {
                            if !child.contains(k) {
                                child.push(k.clone());
                            }
                        }
                    }
                }
            }
            i += 1;
        }
        // Set on the child's path too (in the role branch): its own value.
        let child_sets: Vec<&String> = f
            .static_writes
            .iter()
            .filter(|(_, _, in_role)| *in_role)
            .map(|(n, _, _)| n)
            .collect();
        for g in fns.iter().filter(|g| g.keys.iter().any(|k| child.contains(k))) {
            for (name, span) in &g.static_reads {
                if child_sets.contains(&name) {
                    continue;
                }
                // The child sets it itself: its own value, not the parent's.
                if g.static_writes.iter().any(|(n, _, _)| n == name) {
                    continue;
                }
                let Some((_, set, _)) = parent_sets.iter().find(|(n, _, _)| n == name) else {
                    continue;
                };
                out.push(
                    Finding::new(
                        "global_state_in_child",
                        format!(
                            "the re-executed child reads `{}`, which only the parent's run sets: it is empty there",
                            crate::index::display_name(name)
                        ),
                        Label::new(g.file, span.clone(), "read by the copy of the program started as a child"),
                    )
                    .in_function(g.keys.first().map(|k| crate::index::display_key(k).to_string()))
                    .with_label(Label::new(f.file, set.clone(), "set only when the program runs as the parent"))
                    .with_label(Label::new(reexec_file, reexec.clone(), "the program starts a fresh copy of itself here"))
                    .with_note("a re-executed program runs main from the start: it shares no memory with the parent")
                    .with_help("pass the value to the child (an argument, an environment variable, a pipe), or set it on the child's path too"),
                );
            }
        }
    }
    out
}
