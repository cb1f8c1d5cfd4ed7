//! A file descriptor without close-on-exec is inherited by every program
//! the process execs.

use super::RuleCtx;
use crate::diagnostic::{Finding, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    // Only code that starts processes leaks descriptors into them.
    if !ctx.starts_processes {
        return Vec::new();
    }
    ctx.files
        .iter()
        .flat_map(|f| f.fds_without_cloexec.iter())
        .map(|fd| {
            Finding::new(
                "fd_without_cloexec",
                format!("`{}` creates a file descriptor without close-on-exec ({})", fd.callee, fd.why),
                Label::new(fd.file, fd.span.clone(), "inherited by every program this process execs"),
            )
            .in_function(fd.function.clone())
            .with_note("this crate forks or spawns processes: the descriptor leaks into them (a pipe's write end held by a child keeps its reader from seeing EOF)")
            .with_help(fd.suggest.clone())
        })
        .collect()
}
