//! A pipe reaches end-of-file only when every write end, in every process,
//! is closed: a process reading to EOF while it still holds the write end
//! waits forever.

use super::RuleCtx;
use crate::analysis::facts::{FdKind, FdOp};
use crate::diagnostic::{Finding, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for facts in ctx.files {
        for fork in &facts.forks {
            for u in &ctx.fork_fd_uses(fork) {
                if u.op != FdOp::ReadToEof || !fork.fds_open.contains(&u.fd) {
                    continue;
                }
                let Some(FdKind::PipeRead(_)) = facts.fds.get(u.fd).map(|f| f.kind) else {
                    continue;
                };
                let Some(write_end) = u.write_end_open else {
                    continue;
                };
                let who = if u.child { "the child" } else { "the parent" };
                out.push(
                    Finding::new(
                        "pipe_end_left_open",
                        format!("{who} reads this pipe to end-of-file while it still holds the pipe's write end: the read never ends"),
                        Label::new(fork.file, u.span.clone(), "waits for EOF forever"),
                    )
                    .in_function(fork.function.clone())
                    .with_label(Label::new(fork.file, facts.fds[u.fd].span.clone(), "pipe created here"))
                    .with_label(Label::new(fork.file, fork.span.clone(), "forked here: both processes hold both ends"))
                    .with_label(Label::new(
                        fork.file,
                        facts.fds[write_end].span.clone(),
                        format!("{who} never closes this write end before reading"),
                    ))
                    .with_note("EOF comes only when every copy of the write end is closed, including this process's own")
                    .with_help("close the unused end right after fork(): `drop(writer)` / `libc::close(fds[1])` in the reading process"),
                );
            }
        }
    }
    out
}
