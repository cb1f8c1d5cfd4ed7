//! Where a `pre_exec` hook runs: in the child std forks at `spawn`, or in
//! the calling process at `exec`. Followed from the Command the hook is
//! registered on, through the crate's functions it is handed to (and, for a
//! hook registered on a parameter, the callers that pass their Command).

use std::collections::HashSet;

use super::facts::{CommandFact, FileFacts, FnFact, Launch, PreExecFact};
use crate::source::FileId;

/// How the Commands a hook is registered on are launched.
#[derive(Debug, Default, PartialEq)]
pub struct HookLaunches {
    /// The `exec` calls that launch them in place.
    pub in_place: Vec<(FileId, std::ops::Range<usize>)>,
    /// Some launch forks (`spawn`), or is not followed (stored, returned,
    /// handed to code the crate's facts do not show).
    pub forked: bool,
    /// Functions a Command is handed to whose facts are missing.
    pub missing: Vec<String>,
    /// Functions whose callers hand them the Command (the hook is
    /// registered on a parameter): their callers decide.
    pub callers_of: Vec<String>,
    /// A launch seen forks or is not followed: more code cannot change the
    /// answer.
    pub settled: bool,
}

impl HookLaunches {
    /// Launched only by `exec`: the hook runs in the process calling exec,
    /// after no fork of std's.
    pub fn only_in_place(&self) -> bool {
        !self.forked && !self.in_place.is_empty()
    }
}

/// Records on each hook whose Command is launched only in place the
/// `exec` calls that launch it (`PreExecFact::launched_in_place`).
pub fn record_launches(files: &mut [FileFacts]) {
    if files
        .iter()
        .all(|f| f.pre_execs.iter().all(|h| h.command.is_none()))
    {
        return;
    }
    let found: Vec<HookLaunches> = {
        let functions: Vec<&FnFact> = files.iter().flat_map(|f| f.functions.iter()).collect();
        files
            .iter()
            .flat_map(|f| f.pre_execs.iter())
            .map(|hook| launches_among(&functions, hook))
            .collect()
    };
    let hooks = files.iter_mut().flat_map(|f| f.pre_execs.iter_mut());
    for (hook, launches) in hooks.zip(found) {
        if launches.only_in_place() {
            hook.launched_in_place = launches.in_place;
        }
    }
}

fn launches_among(functions: &[&FnFact], hook: &PreExecFact) -> HookLaunches {
    let mut out = HookLaunches::default();
    let Some(var) = &hook.command else {
        out.forked = true;
        return out;
    };
    let Some(start) = functions
        .iter()
        .position(|f| f.file == hook.file && f.keys == hook.function_keys)
    else {
        out.forked = true;
        return out;
    };
    // (function, variable, may look at its callers)
    let mut todo = vec![(start, var.clone(), true)];
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    while let Some((at, var, upward)) = todo.pop() {
        if !seen.insert((at, var.clone())) {
            continue;
        }
        let func = functions[at];
        let Some(held) = func.commands.iter().find(|c| c.var == var) else {
            out.forked = true;
            continue;
        };
        for launch in &held.launches {
            match launch {
                Launch::Forks(_) | Launch::Unknown => {
                    out.forked = true;
                    out.settled = true;
                }
                Launch::InPlace(span) => out.in_place.push((func.file, span.clone())),
                Launch::Passed { keys, param } => {
                    let callees: Vec<usize> = (0..functions.len())
                        .filter(|&i| functions[i].keys.iter().any(|k| keys.contains(k)))
                        .collect();
                    if callees.is_empty() {
                        out.forked = true;
                        out.missing.extend(keys.iter().cloned());
                    }
                    for i in callees {
                        match param_var(&functions[i].commands, *param) {
                            Some(v) => todo.push((i, v, false)),
                            None => out.forked = true,
                        }
                    }
                }
            }
        }
        // A Command the caller hands in: the callers launch it.
        if let (Some(param), true) = (held.param, upward) {
            out.callers_of.extend(func.keys.iter().cloned());
            let mut callers = 0;
            for (i, caller) in functions.iter().enumerate() {
                for c in &caller.commands {
                    let passes = c.launches.iter().any(|l| {
                        matches!(l, Launch::Passed { keys, param: p }
                            if *p == param && keys.iter().any(|k| func.keys.contains(k)))
                    });
                    if passes {
                        callers += 1;
                        todo.push((i, c.var.clone(), true));
                    }
                }
            }
            // No caller in the crate (a library's API): anyone may spawn it.
            if callers == 0 {
                out.forked = true;
            }
        }
    }
    out.in_place.sort_by_key(|(f, s)| (*f, s.start));
    out.in_place.dedup();
    out
}

fn param_var(commands: &[CommandFact], param: usize) -> Option<String> {
    commands
        .iter()
        .find(|c| c.param == Some(param))
        .map(|c| c.var.clone())
}

/// What the demand-driven walk must add so that every hook's launches are
/// seen: functions a Command is handed to, and the callers of functions
/// whose hook is registered on a parameter.
pub fn launch_needs<'a>(
    files: impl Iterator<Item = &'a FileFacts> + Clone,
) -> (HashSet<String>, HashSet<String>) {
    let mut needed = HashSet::new();
    let mut callers = HashSet::new();
    let hooks: Vec<&PreExecFact> = files
        .clone()
        .flat_map(|f| f.pre_execs.iter())
        .filter(|h| h.command.is_some())
        .collect();
    if hooks.is_empty() {
        return (needed, callers);
    }
    let functions: Vec<&FnFact> = files.flat_map(|f| f.functions.iter()).collect();
    for hook in hooks {
        let l = launches_among(&functions, hook);
        // Spawned somewhere already: no need to look further.
        if l.settled {
            continue;
        }
        needed.extend(l.missing);
        callers.extend(l.callers_of);
    }
    (needed, callers)
}
