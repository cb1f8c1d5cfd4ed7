//! A guard of the forking thread live at fork(): the child inherits the lock
//! held, and nobody will ever unlock it there.

use super::{describe_call, RuleCtx};
use crate::analysis::facts::{ChildEvent, EscapeKind};
use crate::diagnostic::{Finding, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for fork in ctx.checked_forks() {
        // std's stdout lock is reentrant and owned by this thread's id,
        // which the child inherits: holding it across fork is harmless.
        let held = ctx.fork_context(fork).guards;
        let guards: Vec<_> = held.iter().filter(|(_, g)| !g.stdio).collect();
        if guards.is_empty() {
            continue;
        }
        // Only a child that can take a lock meets the one held: a call that
        // locks (or prints, or reads the environment), directly or through
        // the crate's functions. Allocating on its way to exec is
        // unsafe_call_in_child's business, under that rule's evidence; a
        // call forklint cannot see into is not taken as a lock (deny must
        // be almost never wrong: nix's own tests call nix's functions).
        let calls = ctx.child_calls(fork);
        let first_unsafe = calls.iter().find(|(_, e)| e.class.takes_lock()).map(|(c, e)| {
            (
                c.span.clone(),
                format!("the child then runs {}", describe_call(c, e)),
            )
        });
        let escape = fork.child.iter().find_map(|e| match e {
            ChildEvent::Escape { kind, span } if !matches!(kind, EscapeKind::Panic | EscapeKind::Try) => {
                Some((
                    span.clone(),
                    "the child then leaves its branch and runs the parent's code".to_string(),
                ))
            }
            _ => None,
        });
        let Some((span, what)) = first_unsafe.or(escape) else {
            continue;
        };
        let names: Vec<String> = guards.iter().map(|(_, g)| format!("`{}`", g.lock)).collect();
        let mut f = Finding::new(
            "lock_held_across_fork",
            format!("fork() while this thread holds the lock of {}", names.join(", ")),
            Label::new(fork.file, fork.span.clone(), "forked here with the lock held"),
        )
        .in_function(fork.function.clone());
        for (file, g) in &guards {
            f = f.with_label(Label::new(
                *file,
                g.span.clone(),
                format!("`{}` locked here", g.lock),
            ));
        }
        f = f
            .with_label(Label::new(fork.file, span, what))
            .with_note("the child gets the lock in its held state and no thread that could release it")
            .with_help("drop the guard before fork(), or have the child make only async-signal-safe calls before exec/_exit");
        out.push(f);
    }
    out
}
