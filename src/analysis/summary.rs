//! Function summaries: what a function of the crate does, directly or
//! through the functions it calls, computed once per crate to a fixed
//! point (effects only grow, so recursion terminates).

use std::collections::HashMap;

use super::facts::{FileFacts, Target};
use crate::knowledge::Class;

/// One effect and how it comes about (`calls \`println!\``).
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub class: Class,
    pub why: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// The first lock-taking effect (locks, prints, env).
    pub lock: Option<Effect>,
    /// The first other unsafe effect (allocates, unsafe).
    pub other: Option<Effect>,
    /// Calls something forklint knows nothing about.
    pub unknown: bool,
    /// Starts threads that it leaves running.
    pub spawns: bool,
}

impl Summary {
    /// The class a call to this function has, with the reason.
    pub fn effect(&self) -> Effect {
        self.lock
            .clone()
            .or_else(|| self.other.clone())
            .unwrap_or(Effect {
                class: if self.unknown { Class::Unknown } else { Class::Safe },
                why: String::new(),
            })
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
        if slot.is_none() {
            *slot = Some(Effect { class, why: why() });
            return true;
        }
        false
    }
}

pub type Summaries = HashMap<String, Summary>;

pub fn compute(files: &[FileFacts]) -> Summaries {
    let mut sums: Summaries = HashMap::new();
    let fns: Vec<_> = files.iter().flat_map(|f| f.functions.iter()).collect();
    for f in &fns {
        for key in &f.keys {
            let s = sums.entry(key.clone()).or_default();
            s.spawns |= !f.spawns.is_empty();
            for c in &f.calls {
                if let Target::Known { class, why } = &c.target {
                    s.absorb(*class, || format!("calls `{}` ({why})", c.text));
                } else if c.target == Target::Unknown {
                    s.absorb(Class::Unknown, String::new);
                }
            }
        }
    }
    loop {
        let mut changed = false;
        for f in &fns {
            for c in &f.calls {
                let Target::Local { keys } = &c.target else {
                    continue;
                };
                for callee in keys {
                    let Some(cs) = sums.get(callee).cloned() else {
                        continue;
                    };
                    for key in &f.keys {
                        let s = sums.entry(key.clone()).or_default();
                        for e in [&cs.lock, &cs.other].into_iter().flatten() {
                            changed |= s.absorb(e.class, || format!("calls `{}`, which {}", c.text, e.why));
                        }
                        if cs.unknown {
                            changed |= s.absorb(Class::Unknown, String::new);
                        }
                        if cs.spawns && !s.spawns {
                            s.spawns = true;
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            return sums;
        }
    }
}
