//! After vfork() the child borrows the parent's memory and stack until it
//! execs or _exits; anything else corrupts the suspended parent.

use super::RuleCtx;
use crate::analysis::facts::{CallKind, ChildEvent, Target};
use crate::diagnostic::{Finding, Label};
use crate::knowledge::{Class, Role};

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    for fork in ctx.checked_forks().filter(|f| f.vfork) {
        let mut seen = Vec::new();
        for e in &fork.child {
            let (span, what) = match e {
                ChildEvent::Call(c) => {
                    if matches!(c.role, Some(Role::Exec | Role::ExitNow)) {
                        continue;
                    }
                    // Plain accessors (`path.as_ptr()`) compile to a load, not a call.
                    let accessor = c.kind == CallKind::Method
                        && matches!(
                            c.target,
                            Target::Known {
                                class: Class::Safe,
                                ..
                            }
                        );
                    if accessor {
                        continue;
                    }
                    (c.span.clone(), format!("calls `{}`", c.text))
                }
                ChildEvent::Assign { target, span } => {
                    if fork.result_var.as_deref() == Some(target.as_str()) {
                        continue;
                    }
                    (
                        span.clone(),
                        format!("assigns to `{target}` in the parent's memory"),
                    )
                }
                ChildEvent::GlobalWrite { name, span } => (
                    span.clone(),
                    format!(
                        "writes `{}` in the parent's memory",
                        crate::index::display_name(name)
                    ),
                ),
                ChildEvent::Escape { span, .. } => (
                    span.clone(),
                    "leaves the vfork branch on the parent's stack".to_string(),
                ),
                ChildEvent::Exec(_) => continue,
            };
            if seen.contains(&span) {
                continue;
            }
            seen.push(span.clone());
            out.push(
                Finding::new(
                    "vfork_misuse",
                    format!("after vfork() the child {what}: only exec or _exit are allowed"),
                    Label::new(fork.file, span, "not allowed in a vfork child"),
                )
                .in_function(fork.function.clone())
                .with_label(Label::new(fork.file, fork.span.clone(), "vforked here"))
                .with_note("the vfork child runs on the parent's memory and stack while the parent is suspended")
                .with_help("prepare everything before vfork() and call only exec then `libc::_exit`; or use posix_spawn (std::process::Command)"),
            );
        }
    }
    out
}
