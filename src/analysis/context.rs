//! The context a function starts in: locks its callers hold and threads
//! they started before calling it. A fork inside a helper inherits them, so
//! `main` starting a thread and then calling `supervise()`, which forks, is
//! a fork after a thread spawn. Computed over the call graph to a fixed
//! point (contexts only grow).

use std::collections::HashMap;

use super::facts::{FileFacts, ForkFact, GuardFact, Target, ThreadFact};
use super::summary::Summaries;
use crate::source::FileId;

/// Evidence with the file it is in (callers may live in other files).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    pub guards: Vec<(FileId, GuardFact)>,
    pub threads: Vec<(FileId, ThreadFact)>,
}

impl Context {
    fn absorb(&mut self, other: &Context) -> bool {
        let mut changed = false;
        for g in &other.guards {
            if !self.guards.contains(g) {
                self.guards.push(g.clone());
                changed = true;
            }
        }
        for t in &other.threads {
            if !self.threads.contains(t) {
                self.threads.push(t.clone());
                changed = true;
            }
        }
        changed
    }
}

/// Entry context per function key.
pub type EntryContexts = HashMap<String, Context>;

/// Threads started before `at` in a function by calls to the crate's own
/// functions that leave threads running.
fn spawned_by_helpers_before(
    f: &super::facts::FnFact,
    at: usize,
    summaries: &Summaries,
) -> Vec<(FileId, ThreadFact)> {
    f.calls
        .iter()
        .filter(|c| c.span.start < at)
        // `let h = start_metrics(); h.join();` before `at`: joined.
        .filter(|c| {
            !f.joined_calls
                .iter()
                .any(|(call, join)| *call == c.span && join.start < at)
        })
        .filter_map(|c| match &c.target {
            Target::Local { keys } if keys.iter().any(|k| summaries.get(k).is_some_and(|s| s.spawns)) => {
                Some((
                    f.file,
                    ThreadFact {
                        span: c.span.clone(),
                        what: format!("`{}` starts threads that keep running", c.text),
                    },
                ))
            }
            _ => None,
        })
        .collect()
}

pub fn compute(files: &[FileFacts], summaries: &Summaries) -> EntryContexts {
    let fns: Vec<_> = files.iter().flat_map(|f| f.functions.iter()).collect();
    let mut entry: EntryContexts = HashMap::new();
    // Bounded: each round adds evidence or stops; the bound guards against
    // pathological call graphs.
    for _ in 0..64 {
        let mut changed = false;
        for f in &fns {
            let own = f
                .keys
                .iter()
                .filter_map(|k| entry.get(k))
                .fold(Context::default(), |mut acc, c| {
                    acc.absorb(c);
                    acc
                });
            for c in &f.calls {
                let Target::Local { keys } = &c.target else {
                    continue;
                };
                let mut ctx = own.clone();
                ctx.threads
                    .extend(spawned_by_helpers_before(f, c.span.start, summaries));
                if let Some(cc) = f.call_contexts.iter().find(|cc| cc.span == c.span) {
                    ctx.guards.extend(cc.guards.iter().map(|g| (f.file, g.clone())));
                    ctx.threads.extend(cc.threads.iter().map(|t| (f.file, t.clone())));
                }
                if ctx.guards.is_empty() && ctx.threads.is_empty() {
                    continue;
                }
                for k in keys {
                    changed |= entry.entry(k.clone()).or_default().absorb(&ctx);
                }
            }
        }
        if !changed {
            break;
        }
    }
    entry
}

/// Everything live at a fork: its own function's guards and threads, the
/// threads helpers started earlier in that function, and the context the
/// function was called in.
pub fn at_fork(
    fork: &ForkFact,
    files: &[FileFacts],
    summaries: &Summaries,
    entry: &EntryContexts,
) -> Context {
    let mut ctx = Context {
        guards: fork.guards.iter().map(|g| (fork.file, g.clone())).collect(),
        threads: fork.threads.iter().map(|t| (fork.file, t.clone())).collect(),
    };
    if let Some(f) = files
        .iter()
        .flat_map(|f| f.functions.iter())
        .find(|f| f.file == fork.file && f.keys == fork.function_keys && f.span.start <= fork.span.start)
    {
        let helpers = Context {
            guards: Vec::new(),
            threads: spawned_by_helpers_before(f, fork.span.start, summaries),
        };
        ctx.absorb(&helpers);
    }
    for k in &fork.function_keys {
        if let Some(e) = entry.get(k) {
            ctx.absorb(e);
        }
    }
    ctx
}
