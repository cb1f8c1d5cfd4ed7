//! A child that leaves its branch runs the parent's code a second time:
//! destructors, atexit handlers, stdio flushes, commits.

use super::RuleCtx;
use crate::analysis::facts::{ChildEvent, EscapeKind};
use crate::diagnostic::{Finding, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for fork in ctx.checked_forks() {
        // A daemonizing fork's child is the process that carries on; after
        // vfork every escape is vfork_misuse's.
        if fork.survivor || fork.vfork {
            continue;
        }
        let panic_abort = ctx.panic_abort(fork.file);
        let panics: Vec<_> = fork
            .child
            .iter()
            .filter_map(|e| match e {
                ChildEvent::Escape {
                    kind: EscapeKind::Panic,
                    span,
                } => Some(span),
                _ => None,
            })
            .collect();
        for e in &fork.child {
            let ChildEvent::Escape { kind, span } = e else {
                continue;
            };
            // `assert_eq!(v[i], 0)`: one finding, at the outer call that can
            // panic, not one more for each part of it that can too.
            let within_another = |s: &std::ops::Range<usize>| {
                panics
                    .iter()
                    .any(|t| *t != s && t.start <= s.start && s.end <= t.end)
            };
            if *kind == EscapeKind::Panic && within_another(span) {
                continue;
            }
            let (message, label) = match kind {
                EscapeKind::Return => ("the forked child returns into its caller's code", "the child returns here"),
                EscapeKind::Try => ("`?` can return the forked child into its caller's code", "the child returns here on error"),
                EscapeKind::Break => ("the forked child breaks out of the loop into the parent's code", "the child leaves the loop here"),
                EscapeKind::FallThrough => (
                    "the forked child falls through into code the parent runs too",
                    "the child's branch ends here without exec or _exit",
                ),
                EscapeKind::ExitCleanup => (
                    "the forked child calls exit(), which runs atexit handlers and flushes stdio a second time",
                    "exit() runs the parent's cleanup again",
                ),
                EscapeKind::Panic if panic_abort => continue,
                EscapeKind::Panic => (
                    "a panic in the forked child unwinds into the parent's frames",
                    "may panic here",
                ),
            };
            out.push(
                Finding::new(
                    "child_escapes_fork_branch",
                    message,
                    Label::new(fork.file, span.clone(), label),
                )
                .in_function(fork.function.clone())
                .with_label(Label::new(fork.file, fork.span.clone(), "forked here"))
                .with_note("the child has a copy of the parent's stack: whatever runs after this runs twice")
                .with_help(
                    "end the child with exec or `libc::_exit(code)` (`nix::unistd::_exit`) on every path",
                ),
            );
        }
    }
    out
}
