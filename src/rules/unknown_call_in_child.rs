//! A call in a forked child or a `pre_exec` hook that forklint cannot
//! judge: no table entry, no source it could read, or a call it cannot
//! resolve. Pedantic: it says where forklint is blind, not that there is a
//! hazard. With `unknown_calls = "warn"` the call rules report such calls
//! themselves, and this rule stays quiet.

use super::{describe_call, one_per_region, Effect, RuleCtx};
use crate::analysis::facts::CallSite;
use crate::diagnostic::{Finding, Group, Label};
use crate::knowledge::Class;
use crate::source::FileId;

pub fn check(ctx: &RuleCtx) -> Vec<Finding> {
    if ctx.opts.unknown_calls_warn {
        return Vec::new();
    }
    let mut out = Vec::new();
    for fork in ctx.checked_forks() {
        // A daemonizing fork's child is the process that carries on.
        if fork.survivor {
            continue;
        }
        let sites = ctx
            .child_calls(fork)
            .into_iter()
            .filter(|(c, e)| e.class == Class::Unknown && c.role.is_none())
            .map(|(c, e)| ((fork.file, c, e), Group::Pedantic))
            .collect();
        out.extend(finding(
            sites,
            "in the forked child",
            (fork.file, fork.span.clone(), "forked here"),
        ));
    }
    for p in ctx.files.iter().flat_map(|f| f.pre_execs.iter()) {
        let sites = ctx
            .hook_calls(p)
            .map(|(file, c)| (file, c, ctx.effect_in_child(file, c)))
            .filter(|(_, c, e)| e.class == Class::Unknown && c.role.is_none())
            .map(|site| (site, Group::Pedantic))
            .collect();
        out.extend(finding(
            sites,
            "in a pre_exec closure",
            (p.file, p.span.clone(), "registered to run before exec here"),
        ));
    }
    out
}

/// A call not judged, with the file it is written in and why.
type Site<'f> = (FileId, &'f CallSite, Effect);

/// One finding for a child region or hook: its first unknown call, the
/// others as labels.
fn finding(
    sites: Vec<(Site, Group)>,
    region: &str,
    (file, span, what): (FileId, std::ops::Range<usize>, &str),
) -> Option<Finding> {
    let ((at, call, effect), group, others) = one_per_region(sites, |(f, c, _)| (*f, c.span.start))?;
    let mut f = Finding::new(
        "unknown_call_in_child",
        format!(
            "forklint cannot tell whether this call is async-signal-safe {region}: {}",
            describe_call(call, &effect)
        ),
        Label::new(at, call.span.clone(), "not judged"),
    )
    .in_group(group)
    .with_label(Label::new(file, span, what));
    for (o, c, e) in &others {
        f = f.with_label(Label::new(
            *o,
            c.span.clone(),
            format!("also: {}", describe_call(c, e)),
        ));
    }
    Some(
        f.with_note(
            "give forklint the code (keep the dependency's source on disk: `cargo fetch`), or vouch for the function in the config's `signal_safe` list",
        )
        .with_help("`unknown_calls = \"warn\"` reports these under the call rules instead"),
    )
}
