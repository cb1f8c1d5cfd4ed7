//! A child that leaves its branch runs the parent's code a second time:
//! destructors, atexit handlers, stdio flushes, commits.

use super::RuleCtx;
use crate::analysis::facts::{ChildEvent, EscapeKind};
use crate::diagnostic::{Finding, Group, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut manifests = Default::default();
    // exit() harms by running atexit handlers and flushing buffers: a
    // program that registers handlers has something to run twice.
    let registers_atexit = ctx
        .files
        .iter()
        .flat_map(|f| f.functions.iter())
        .flat_map(|f| f.calls.iter())
        .any(|c| c.role == Some(crate::knowledge::Role::AtExit));
    for fork in ctx.checked_forks() {
        // A daemonizing fork's child is the process that carries on; after
        // vfork every escape is vfork_misuse's.
        if fork.survivor || fork.vfork {
            continue;
        }
        // A test's child (the only threads are the harness's): exit() there
        // runs the test binary's atexit handlers, of which it has none worth
        // the name, and flushes output the harness captures.
        // The escapes: written in the child, and exit() inside a function
        // of the crate or a dependency the child calls (`handle_child()`
        // ending in exit(0)).
        let mut escapes: Vec<(EscapeKind, &std::ops::Range<usize>, Option<String>)> = Vec::new();
        for e in &fork.child {
            match e {
                ChildEvent::Escape { kind, span } => escapes.push((*kind, span, None)),
                ChildEvent::Call(c) => {
                    if let Some(via) = ctx.exits_through(c) {
                        let chain = format!("`{}` calls {via}", c.text);
                        escapes.push((EscapeKind::ExitCleanup, &c.span, Some(chain)));
                    }
                }
                _ => {}
            }
        }
        let exits = escapes.iter().any(|(k, _, _)| *k == EscapeKind::ExitCleanup);
        // Library code is judged by its callers' processes, whatever its
        // own tests run: a library fork that tests reach through its
        // callers is no test's (one written in a test body is).
        let library = exits && crate::discover::in_library(&ctx.db.get(fork.file).path, &mut manifests);
        let in_test_body = fork.threads.iter().any(|t| t.harness);
        let in_test = exits
            && (in_test_body || !library)
            && super::only_harness_threads(&ctx.fork_context(fork).threads);
        // Evidence that exit() in this child runs something twice: atexit
        // handlers registered, output buffered at the fork, or library
        // code (its callers may register handlers and buffer output).
        // Without it (an example or binary that registers nothing, prints
        // whole lines) the second cleanup is empty: pedantic.
        let exit_group = if in_test {
            Group::Pedantic
        } else if registers_atexit || !fork.unflushed.is_empty() || library {
            Group::Suspicious
        } else {
            Group::Pedantic
        };
        let hands_back = ctx.hands_fork_back(fork);
        for (kind, span, chain) in escapes {
            let kind = &kind;
            let inside = chain.is_some();
            if hands_back && matches!(kind, EscapeKind::Return | EscapeKind::FallThrough) {
                continue;
            }
            // Escapes that happen only after a call failed are child_may_unwind's.
            let (message, label, group) = match kind {
                EscapeKind::Return => (
                    "the forked child returns into its caller's code",
                    "the child returns here",
                    Group::Correctness,
                ),
                EscapeKind::Break => (
                    "the forked child breaks out of the loop into the parent's code",
                    "the child leaves the loop here",
                    Group::Correctness,
                ),
                EscapeKind::FallThrough => (
                    "the forked child falls through into code the parent runs too",
                    "the child's branch ends here without exec or _exit",
                    Group::Correctness,
                ),
                // Harmless in many programs (no atexit handlers, nothing
                // buffered), so it warns.
                EscapeKind::ExitCleanup if inside => (
                    "the forked child calls exit() inside this call, which runs atexit handlers and flushes stdio a second time",
                    "this call reaches exit(), which runs the parent's cleanup again",
                    exit_group,
                ),
                EscapeKind::ExitCleanup => (
                    "the forked child calls exit(), which runs atexit handlers and flushes stdio a second time",
                    "exit() runs the parent's cleanup again",
                    exit_group,
                ),
                EscapeKind::Try | EscapeKind::Panic => continue,
            };
            let mut f = Finding::new(
                "child_escapes_fork_branch",
                message,
                Label::new(fork.file, span.clone(), label),
            )
            .in_group(group)
            .in_function(fork.function.clone())
            .with_label(Label::new(fork.file, fork.span.clone(), "forked here"));
            if let Some(chain) = &chain {
                f = f.with_note(chain.clone());
            }
            out.push(
                f.with_note(
                    "the child has a copy of the parent's stack: whatever runs after this runs twice",
                )
                .with_help(
                    "end the child with exec or `libc::_exit(code)` (`nix::unistd::_exit`) on every path",
                ),
            );
        }
    }
    out
}
