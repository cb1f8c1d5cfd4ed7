//! The child's memory is a copy: its writes to globals never reach the parent.

use super::RuleCtx;
use crate::analysis::facts::ChildEvent;
use crate::diagnostic::{Finding, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for fork in ctx.forks() {
        for e in &fork.child {
            let ChildEvent::GlobalWrite { name, span } = e else {
                continue;
            };
            let Some((_, read)) = fork.parent_reads.iter().find(|(n, _)| n == name) else {
                continue;
            };
            out.push(
                Finding::new(
                    "global_state_in_child",
                    format!("the child writes `{name}`, but the parent reads its own copy after fork()"),
                    Label::new(fork.file, span.clone(), "written in the child's copy of memory"),
                )
                .in_function(fork.function.clone())
                .with_label(Label::new(fork.file, read.clone(), "the parent reads its own copy here: it never sees the child's write"))
                .with_label(Label::new(fork.file, fork.span.clone(), "forked here"))
                .with_help("send the value back through a pipe or the exit status, or use shared memory (mmap MAP_SHARED)"),
            );
        }
    }
    out
}
