//! Function summaries: what a function of the crate does, directly or
//! through the functions it calls, computed once per crate to a fixed
//! point (effects only grow, so recursion terminates).

use super::facts::{FileFacts, Target};
use crate::knowledge::{Class, Role};

/// One effect and how it comes about (`calls \`println!\``).
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub class: Class,
    pub why: String,
    /// Happens only after a call failed (the function's normal path is clean).
    pub error_path: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// The first lock-taking effect (locks, prints, env; a log macro's
    /// only until a real lock is found).
    pub lock: Option<Effect>,
    /// The first other unsafe effect (allocates, unsafe).
    pub other: Option<Effect>,
    /// Calls something forklint knows nothing about.
    pub unknown: bool,
    /// Why, when a dependency's summary could not be had (no source on
    /// disk, a bound reached).
    pub unknown_why: Option<String>,
    /// Starts threads that it leaves running.
    pub spawns: bool,
    /// The first unsafe effect that happens only on an error path.
    pub on_error: Option<Effect>,
    /// Forks, execs or starts a process (on its normal path).
    pub starts_process: bool,
    /// Calls `exit()` (atexit handlers, stdio flush) on its normal path:
    /// how, as a chain (`` `process::exit` ``, `` `finish`, which calls .. ``).
    pub exits: Option<String>,
    /// A dependency's function that forks and returns the result to its
    /// caller (see `FnFact::returns_fork`): its calls are fork sites.
    pub fork_wrapper: Option<crate::knowledge::ForkResultShape>,
    /// A dependency's function that forks and runs the closure given at
    /// this input position in the child.
    pub closure_child: Option<usize>,
}

impl Summary {
    /// The class a call to this function has, with the reason.
    pub fn effect(&self) -> Effect {
        self.lock
            .clone()
            .or_else(|| self.other.clone())
            // Shown (a group lower) rather than hidden behind an unknown call.
            .or_else(|| self.on_error.clone())
            .unwrap_or(Effect {
                class: if self.unknown { Class::Unknown } else { Class::Safe },
                why: self.unknown_why.clone().unwrap_or_default(),
                error_path: false,
            })
    }

    fn absorb_on_error(&mut self, class: Class, why: impl FnOnce() -> String) -> bool {
        if !class.is_unsafe() || self.on_error.is_some() {
            return false;
        }
        self.on_error = Some(Effect {
            class,
            why: why(),
            error_path: true,
        });
        true
    }

    fn absorb(&mut self, class: Class, why: impl FnOnce() -> String) -> bool {
        let slot = if class.takes_lock() {
            &mut self.lock
        } else if class.is_unsafe() {
            &mut self.other
        } else {
            if class == Class::Unknown && !self.unknown {
                self.unknown = true;
                return true;
            }
            return false;
        };
        // A lock of the code's own outranks a log macro's, which only an
        // installed logger makes a lock (`Class::Logs`).
        let upgrade = class != Class::Logs && slot.as_ref().is_some_and(|e| e.class == Class::Logs);
        if slot.is_none() || upgrade {
            *slot = Some(Effect {
                class,
                why: why(),
                error_path: false,
            });
            return true;
        }
        false
    }
}

/// A C function declared in an `extern` block (no body to read), named
/// `name`: judged as libc's function of that name, whose table is
/// closed-world (every function not on POSIX's async-signal-safe list is
/// not async-signal-safe).
pub fn of_c_function(name: &str, knowledge: &crate::knowledge::Knowledge) -> Summary {
    match knowledge
        .function(&crate::index::path_key("libc", name))
        .and_then(|f| Some((f.class?, &f.why)))
    {
        Some((class, why)) => from_effect(class, format!("is the C function `{name}` ({why})")),
        None => Summary {
            unknown: true,
            ..Summary::default()
        },
    }
}

/// A summary with this one effect.
pub fn from_effect(class: Class, why: String) -> Summary {
    let mut s = Summary::default();
    s.absorb(class, || why);
    s
}

/// Summaries of the crate's C functions (declared in `extern` blocks,
/// see `CrateTable::foreign`) among `keys`.
pub fn of_c_functions<'a>(
    keys: impl Iterator<Item = &'a String>,
    table: &crate::index::CrateTable,
    knowledge: &crate::knowledge::Knowledge,
) -> Summaries {
    keys.filter(|k| table.foreign.contains(*k))
        .map(|k| {
            (
                k.clone(),
                of_c_function(crate::index::segments_of(k).next_back().unwrap_or(k), knowledge),
            )
        })
        .collect()
}

/// By function key; hashed with Fx: keys are short and looked up often.
pub type Summaries = rustc_hash::FxHashMap<String, Summary>;

/// The summaries of the functions of `files`, with `dependencies` (by the
/// path their callers name them, see `analysis::deps`) judging the calls into
/// other crates; a call to another crate without one is unknown.
pub fn compute(files: &[FileFacts], dependencies: &Summaries) -> Summaries {
    let mut sums = dependencies.clone();
    // Entry points (`main`, tests) are never called by name: a test named
    // like a helper (`#[test] fn mark_fds_as_cloexec`) must not lend it
    // its effects.
    let fns: Vec<_> = files
        .iter()
        .flat_map(|f| f.functions.iter())
        .filter(|f| !f.entry)
        .collect();
    for f in &fns {
        for key in &f.keys {
            let s = sums.entry(key.clone()).or_default();
            s.spawns |= !f.spawns.is_empty();
            for c in f.calls.iter().filter(|c| !c.error_path) {
                match c.role {
                    Some(Role::Fork(_) | Role::Vfork | Role::Exec | Role::SpawnProcess | Role::PreExec) => {
                        s.starts_process = true;
                    }
                    Some(Role::ExitCleanup) if s.exits.is_none() => s.exits = Some(format!("`{}`", c.text)),
                    _ => {}
                }
            }
            for c in &f.calls {
                if let (Target::Known { class, why }, true) = (&c.target, c.error_path) {
                    s.absorb_on_error(*class, || {
                        format!("calls `{}` ({why}) when a call failed", c.text)
                    });
                } else if c.role == Some(Role::ExitCleanup) {
                    // `exit()` on the normal path is the function's way out
                    // (`exits`): in a child it is child_escapes_fork_branch's,
                    // as a direct call is, not a lock or unsafe effect of
                    // the function's (one finding per cause).
                } else if let Target::Known { class, why } = &c.target {
                    s.absorb(*class, || format!("calls `{}` ({why})", c.text));
                } else if c.target == Target::Unknown
                    || matches!(&c.target, Target::External { path } if !dependencies.contains_key(path))
                {
                    s.absorb(Class::Unknown, String::new);
                }
            }
        }
    }
    loop {
        let mut changed = false;
        for f in &fns {
            // What the callees add, gathered first (no clones of whole
            // summaries, reasons built only for a slot still empty).
            let mut updates: Vec<(Class, Option<String>, bool)> = Vec::new();
            let mut error_updates: Vec<(Class, String)> = Vec::new();
            let (mut starts, mut exits) = (false, None);
            {
                let mine = f.keys.first().and_then(|k| sums.get(k));
                let has = |slot: fn(&Summary) -> bool| mine.is_some_and(slot);
                for c in &f.calls {
                    let keys = c.target.summary_keys();
                    for cs in keys.iter().filter_map(|k| sums.get(k)) {
                        // What a callee does on any path happens on an error
                        // path when it is called on one.
                        if !has(|s| s.on_error.is_some()) {
                            let normal = cs.lock.as_ref().or(cs.other.as_ref());
                            match (c.error_path, normal, &cs.on_error) {
                                (true, Some(e), _) | (_, _, Some(e)) => {
                                    error_updates
                                        .push((e.class, format!("calls `{}`, which {}", c.text, e.why)));
                                }
                                _ => {}
                            }
                        }
                        if c.error_path {
                            continue;
                        }
                        starts |= cs.starts_process && !has(|s| s.starts_process);
                        if let (Some(inner), None, false) = (&cs.exits, &exits, has(|s| s.exits.is_some())) {
                            exits = Some(format!("`{}`, which calls {inner}", c.text));
                        }
                        if let Some(e) = &cs.lock {
                            // Unless mine is a log macro's and this one is a real lock.
                            let settled = mine.is_some_and(|s| {
                                s.lock
                                    .as_ref()
                                    .is_some_and(|l| l.class != Class::Logs || e.class == Class::Logs)
                            });
                            if !settled {
                                updates.push((
                                    e.class,
                                    Some(format!("calls `{}`, which {}", c.text, e.why)),
                                    false,
                                ));
                            }
                        }
                        if let Some(e) = &cs.other {
                            if !has(|s| s.other.is_some()) {
                                updates.push((
                                    e.class,
                                    Some(format!("calls `{}`, which {}", c.text, e.why)),
                                    false,
                                ));
                            }
                        }
                        if cs.unknown && !has(|s| s.unknown) {
                            updates.push((Class::Unknown, None, false));
                        }
                        if cs.spawns && !has(|s| s.spawns) {
                            updates.push((Class::Safe, None, true));
                        }
                    }
                }
            }
            // Every key was entered above: no key is copied in the rounds.
            for key in &f.keys {
                let Some(s) = sums.get_mut(key) else { continue };
                if starts && !s.starts_process {
                    s.starts_process = true;
                    changed = true;
                }
                if s.exits.is_none() && exits.is_some() {
                    s.exits = exits.clone();
                    changed = true;
                }
                for (class, why) in &error_updates {
                    changed |= s.absorb_on_error(*class, || why.clone());
                }
                for (class, why, spawns) in &updates {
                    if *spawns {
                        changed |= !s.spawns;
                        s.spawns = true;
                    } else {
                        changed |= s.absorb(*class, || why.clone().unwrap_or_default());
                    }
                }
            }
        }
        if !changed {
            return sums;
        }
    }
}
