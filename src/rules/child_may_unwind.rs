//! A child that panics or `?`-returns after a failed call unwinds into the
//! parent's frames: real, but only once something already went wrong, so
//! it is pedantic and said once per child.

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
        let mut sites: Vec<(&std::ops::Range<usize>, EscapeKind)> = fork
            .child
            .iter()
            .filter_map(|e| match e {
                ChildEvent::Escape { kind, span } => match kind {
                    // With panic = "abort" a panic ends the process at once.
                    EscapeKind::Panic if panic_abort => None,
                    EscapeKind::Panic | EscapeKind::Try => Some((span, *kind)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        // `assert_eq!(v[i], 0)`: one site, the outer call that can panic.
        let outer: Vec<_> = sites.iter().map(|(s, _)| (*s).clone()).collect();
        sites.retain(|(s, _)| {
            !outer
                .iter()
                .any(|t| t != *s && t.start <= s.start && s.end <= t.end)
        });
        sites.sort_by_key(|(s, _)| s.start);
        sites.dedup_by_key(|(s, _)| (s.start, s.end));
        let Some(((first, kind), rest)) = sites.split_first() else {
            continue;
        };
        let label = |kind: &EscapeKind| match kind {
            EscapeKind::Try => "returns the child to its caller here on error",
            _ => "may panic here",
        };
        let mut f = Finding::new(
            "child_may_unwind",
            if rest.is_empty() {
                "if a call in the forked child fails, the child unwinds into the parent's code"
            } else {
                "if a call in the forked child fails, the child unwinds into the parent's code (at any of these places)"
            },
            Label::new(fork.file, (*first).clone(), label(kind)),
        )
        .in_function(fork.function.clone())
        .with_label(Label::new(fork.file, fork.span.clone(), "forked here"));
        for (span, kind) in rest {
            f = f.with_label(Label::new(fork.file, (*span).clone(), label(kind)));
        }
        out.push(
            f.with_note("a panic or `?` runs the parent's destructors and callers in the child, a second time")
                .with_help(
                    "handle the error in the child and end it with `libc::_exit(code)` (`nix::unistd::_exit`), or build with panic = \"abort\" for panics",
                ),
        );
    }
    out
}
