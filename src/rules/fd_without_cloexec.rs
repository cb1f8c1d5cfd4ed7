//! A file descriptor without close-on-exec is inherited by every program
//! the process execs.

use super::RuleCtx;
use crate::diagnostic::{Finding, Group, Label};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    // Only a program that execs or spawns leaks descriptors into others:
    // each integration test, example and binary is a program of its own.
    if ctx.exec_programs.is_empty() {
        return Vec::new();
    }
    let mut manifests = Default::default();
    ctx.files
        .iter()
        .flat_map(|f| f.fds_without_cloexec.iter())
        // Closed or made close-on-exec in the same function first.
        .filter(|fd| !fd.handled)
        // Or by a helper of the crate it is handed to first (`cloexec(fd)`);
        // not followed from test code (see `demand::fd_helper_names`).
        .filter(|fd| fd.in_test || !fd.handed_to.iter().any(|(keys, p)| ctx.handles_fd_param(keys, *p)))
        // An entry point's descriptor that no later call can hand to a new
        // process: after `main` nothing runs, after a test only other tests.
        .filter(|fd| {
            !fd.entry_end || fd.later_calls.iter().any(|keys| ctx.starts_process(keys))
        })
        .filter_map(|fd| {
            let program = crate::discover::program_of(&ctx.db.get(fd.file).path, &mut manifests);
            ctx.exec_programs
                .contains(&program)
                .then(|| (fd, fd.in_test || program.contains("#tests/") || program.contains("#benches/")))
        })
        .map(|(fd, test)| {
            let f = Finding::new(
                "fd_without_cloexec",
                match &fd.through {
                    None => format!("`{}` creates a file descriptor without close-on-exec ({})", fd.callee, fd.why),
                    Some(through) => format!(
                        "`{through}` creates a file descriptor without close-on-exec: the flags given here reach `{}` ({})",
                        fd.callee, fd.why
                    ),
                },
                Label::new(fd.file, fd.span.clone(), "inherited by every program this process execs"),
            )
            .in_function(fd.function.clone())
            .with_note("this program execs or spawns processes: the descriptor leaks into them (a pipe's write end held by a child keeps its reader from seeing EOF)")
            .with_help(fd.suggest.clone());
            // A test's descriptor reaches only the processes its test
            // binary starts while it is open: pedantic.
            if test {
                f.in_group(Group::Pedantic)
                    .with_note("test code: only the test binary's own children can inherit it")
            } else {
                f
            }
        })
        .collect()
}
