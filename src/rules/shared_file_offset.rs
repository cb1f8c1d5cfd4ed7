//! After fork() parent and child share each inherited open file
//! description, and with it one file offset: one process's read, write or
//! seek moves the other's position.

use super::RuleCtx;
use crate::analysis::facts::Span;
use crate::analysis::facts::{FdKind, FdOp, FdUse, ForkFact};
use crate::diagnostic::{Finding, Label};
use crate::source::FileId;

const MESSAGE: &str = "parent and child both use this file after fork(): they share one file offset";
const HELP: &str = "open the file again in the child, or use positioned I/O (`FileExt::read_at`/`write_at`, `pread`/`pwrite`)";

/// A use that depends on, or moves, the shared offset.
fn uses_offset(u: &FdUse, append: bool) -> bool {
    moves_offset(u.op, append)
}

fn moves_offset(op: FdOp, append: bool) -> bool {
    match op {
        FdOp::Read | FdOp::ReadToEof | FdOp::Seek => true,
        // Appends always go to the end, atomically: a shared log is by design.
        FdOp::Write => !append,
    }
}

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for facts in ctx.files {
        for fork in &facts.forks {
            for &fd in &fork.fds_open {
                let Some(FdKind::File { append }) = ctx.fd_kind(facts, fd) else {
                    continue;
                };
                let uses = ctx.fork_fd_uses(fork);
                let relevant = |child: bool| {
                    uses.iter()
                        .find(|u| u.fd == fd && u.child == child && uses_offset(u, append))
                };
                let (Some(child_use), Some(parent_use)) = (relevant(true), relevant(false)) else {
                    continue;
                };
                out.push(finding(
                    fork,
                    child_use,
                    vec![
                        Label::new(fork.file, facts.fds[fd].span.clone(), "opened before the fork"),
                        Label::new(
                            fork.file,
                            fork.span.clone(),
                            "forked here: the child inherits the same open file description",
                        ),
                        Label::new(
                            fork.file,
                            parent_use.span.clone(),
                            "the parent uses the same offset here",
                        ),
                    ],
                ));
            }
        }
    }
    out.extend(through_forking_helpers(ctx));
    out
}

/// A function that forks moves, in its child, the offset of a file its
/// caller passed in; the caller, back in the parent once the function
/// returns, uses the file again.
fn through_forking_helpers(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for facts in ctx.files {
        for fork in &facts.forks {
            let uses = ctx.fork_fd_uses(fork);
            for &fd in &fork.fds_open {
                let Some(FdKind::Param(param)) = facts.fds.get(fd).map(|f| f.kind) else {
                    continue;
                };
                let mut seen: Vec<(FileId, Span)> = Vec::new();
                for caller in ctx.files {
                    for after in caller
                        .fd_after_calls
                        .iter()
                        .filter(|a| a.param == param && a.keys.iter().any(|k| fork.function_keys.contains(k)))
                    {
                        let Some(FdKind::File { append }) = ctx.fd_kind(caller, after.fd) else {
                            continue;
                        };
                        let child_use = uses
                            .iter()
                            .find(|u| u.fd == fd && u.child && uses_offset(u, append));
                        let (Some(child_use), true) = (child_use, moves_offset(after.op, append)) else {
                            continue;
                        };
                        // One finding per call: at the caller's first use after it.
                        if seen.contains(&(after.file, after.call.clone())) {
                            continue;
                        }
                        seen.push((after.file, after.call.clone()));
                        let callee = fork.function.clone().unwrap_or_default();
                        out.push(finding(
                            fork,
                            child_use,
                            vec![
                                Label::new(
                                    fork.file,
                                    fork.span.clone(),
                                    "forked here: the child inherits the caller's open file description",
                                ),
                                Label::new(
                                    after.file,
                                    caller.fds[after.fd].span.clone(),
                                    "opened before the call",
                                ),
                                Label::new(
                                    after.file,
                                    after.call.clone(),
                                    format!("passed to `{callee}`, which forks"),
                                ),
                                Label::new(
                                    after.file,
                                    after.span.clone(),
                                    "the parent uses the same offset here, after the call returns",
                                ),
                            ],
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The finding, at the child's use of the offset, with the labels that say
/// where the file was opened, the fork, and the parent's use.
fn finding(fork: &ForkFact, child_use: &FdUse, labels: Vec<Label>) -> Finding {
    let primary = Label::new(
        fork.file,
        child_use.span.clone(),
        "the child moves the shared offset here",
    );
    labels
        .into_iter()
        .fold(
            Finding::new("shared_file_offset", MESSAGE, primary).in_function(fork.function.clone()),
            Finding::with_label,
        )
        .with_help(HELP)
}
