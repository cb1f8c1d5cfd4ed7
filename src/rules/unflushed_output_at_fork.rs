//! Bytes sitting in a userspace buffer at fork() exist twice afterwards:
//! each process flushes its own copy.

use super::RuleCtx;
use crate::diagnostic::{Finding, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for fork in ctx.checked_forks() {
        // Printed twice only if both processes flush their copy: a side
        // that leaves with `_exit` (or execs) drops it.
        if !(fork.child_flushes && fork.parent_flushes) {
            continue;
        }
        let Some(first) = fork.unflushed.first() else {
            continue;
        };
        let sinks: Vec<&str> = fork.unflushed.iter().map(|p| p.sink.as_str()).collect();
        let sink = first.sink.clone();
        let mut f = Finding::new(
            "unflushed_output_at_fork",
            format!("fork() with output still buffered in `{sink}`: both processes will write it"),
            Label::new(fork.file, fork.span.clone(), "forked with unflushed output"),
        )
        .in_function(fork.function.clone());
        for p in &fork.unflushed {
            f = f.with_label(Label::new(
                fork.file,
                p.span.clone(),
                format!("written to `{}` here, still in the buffer", p.sink),
            ));
        }
        let flush = if sinks.iter().all(|s| *s == "stdout") {
            "call `std::io::stdout().flush()` before fork()".to_string()
        } else {
            format!("call `{sink}.flush()` (and flush stdout) before fork()")
        };
        out.push(f.with_help(flush));
    }
    out
}
