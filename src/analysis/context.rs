//! The context a function starts in: locks its callers hold and threads
//! they started before calling it. A fork inside a helper inherits them, so
//! `main` starting a thread and then calling `supervise()`, which forks, is
//! a fork after a thread spawn. Computed over the call graph to a fixed
//! point (contexts only grow, and are bounded).

use super::facts::{exclusive, Arms, FileFacts, FnFact, ForkFact, GuardFact, Target, ThreadFact};
use super::summary::Summaries;
use crate::source::FileId;

/// Evidence kept per function: a few witnesses are enough to report and to
/// label; keeping every one would grow with the call graph.
const MAX_WITNESSES: usize = 4;

/// Evidence with the file it is in (callers may live in other files).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    pub guards: Vec<(FileId, GuardFact)>,
    pub threads: Vec<(FileId, ThreadFact)>,
}

impl Context {
    fn is_empty(&self) -> bool {
        self.guards.is_empty() && self.threads.is_empty()
    }

    fn absorb(&mut self, other: &Context) -> bool {
        let mut changed = false;
        for g in &other.guards {
            if self.guards.len() < MAX_WITNESSES && !self.guards.contains(g) {
                self.guards.push(g.clone());
                changed = true;
            }
        }
        for t in &other.threads {
            if self.threads.len() < MAX_WITNESSES && !self.threads.contains(t) {
                self.threads.push(t.clone());
                changed = true;
            }
        }
        changed
    }
}

/// Entry context per function key.
pub type EntryContexts = rustc_hash::FxHashMap<String, Context>;

/// Calls in `f` to the crate's functions that leave threads running (not
/// joined through the handle they return), in source order.
fn spawning_calls<'f>(f: &'f FnFact, summaries: &Summaries) -> Vec<(usize, usize, ThreadFact, &'f Arms)> {
    f.calls
        .iter()
        .filter_map(|c| match &c.target {
            // A function of the crate or a dependency's (a logger's init
            // that starts its writer thread).
            t if t
                .summary_keys()
                .iter()
                .any(|k| summaries.get(k).is_some_and(|s| s.spawns)) =>
            {
                // `let h = start_metrics(); h.join();`: joined from there on.
                let joined_at = f
                    .joined_calls
                    .iter()
                    .filter(|(call, _)| *call == c.span)
                    .map(|(_, join)| join.start)
                    .min()
                    .unwrap_or(usize::MAX);
                Some((
                    c.span.start,
                    joined_at,
                    ThreadFact {
                        span: c.span.clone(),
                        what: format!("`{}` starts threads that keep running", c.text),
                        harness: false,
                    },
                    arms_at(f, c.span.start),
                ))
            }
            _ => None,
        })
        .collect()
}

/// The branch arms of `f`'s call to a crate function starting at `at`.
fn arms_at(f: &FnFact, at: usize) -> &Arms {
    static NONE: Arms = Vec::new();
    f.local_call_arms
        .iter()
        .find(|(s, _)| *s == at)
        .map_or(&NONE, |(_, a)| a)
}

/// Threads started by helpers before `at` and not joined by then, on a
/// path that can reach it (not in another arm of a branch `at` is in).
fn spawned_before(
    spawning: &[(usize, usize, ThreadFact, &Arms)],
    file: FileId,
    at: usize,
    at_arms: &Arms,
) -> Context {
    let mut ctx = Context::default();
    for (start, joined_at, t, arms) in spawning {
        if *start < at && *joined_at >= at && !exclusive(arms, at_arms) && ctx.threads.len() < MAX_WITNESSES {
            ctx.threads.push((file, t.clone()));
        }
    }
    ctx
}

pub fn compute(files: &[FileFacts], summaries: &Summaries) -> EntryContexts {
    let fns: Vec<&FnFact> = files.iter().flat_map(|f| f.functions.iter()).collect();
    // What holds at each call to the crate's functions besides the calling
    // function's own context: the same in every round, so found once.
    let calls: Vec<Vec<(&[String], Context)>> =
        fns.iter().map(|f| calls_with_context(f, summaries)).collect();
    let mut entry = EntryContexts::default();
    // Bounded: each round adds evidence or stops, and evidence is capped.
    for _ in 0..16 {
        let mut changed = false;
        for (f, calls) in fns.iter().zip(&calls) {
            let mut own = Context::default();
            for k in &f.keys {
                if let Some(c) = entry.get(k) {
                    own.absorb(c);
                }
            }
            for (keys, here) in calls {
                if own.is_empty() && here.is_empty() {
                    continue;
                }
                for k in keys.iter() {
                    if !entry.contains_key(k) {
                        entry.insert(k.clone(), Context::default());
                    }
                    if let Some(callee) = entry.get_mut(k) {
                        // Own context first: the witnesses kept are the same
                        // as absorbing both at once.
                        changed |= callee.absorb(&own);
                        changed |= callee.absorb(here);
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    entry
}

/// `f`'s calls to functions of the crate, with what holds at each besides
/// `f`'s own context: threads its earlier helpers left running, and the
/// guards and threads live there.
fn calls_with_context<'f>(f: &'f FnFact, summaries: &Summaries) -> Vec<(&'f [String], Context)> {
    let spawning = spawning_calls(f, summaries);
    f.calls
        .iter()
        .filter_map(|c| {
            let Target::Local { keys } = &c.target else {
                return None;
            };
            let mut here = spawned_before(&spawning, f.file, c.span.start, arms_at(f, c.span.start));
            if let Some(cc) = f.call_contexts.iter().find(|cc| cc.span == c.span) {
                here.absorb(&Context {
                    guards: cc.guards.iter().map(|g| (f.file, g.clone())).collect(),
                    threads: cc.threads.iter().map(|t| (f.file, t.clone())).collect(),
                });
            }
            Some((keys.as_slice(), here))
        })
        .collect()
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
        ctx.absorb(&spawned_before(
            &spawning_calls(f, summaries),
            f.file,
            fork.span.start,
            &fork.arms,
        ));
    }
    for k in &fork.function_keys {
        if let Some(e) = entry.get(k) {
            ctx.absorb(e);
        }
    }
    ctx
}
