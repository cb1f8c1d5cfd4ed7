//! Locks: the guards live on a path (what a fork made here copies held),
//! and which locks a function takes.

use super::*;

#[derive(Debug, Clone)]
pub(in crate::analysis::flow) struct LiveGuard {
    pub(in crate::analysis::flow) id: usize,
    pub(in crate::analysis::flow) fact: GuardFact,
    /// Variable (or `self.field`) holding it; `None` while a temporary.
    pub(in crate::analysis::flow) binding: Option<String>,
    pub(in crate::analysis::flow) depth: usize,
}

impl Lattice for Vec<LiveGuard> {
    fn join(&mut self, other: Self) {
        super::union_by(self, other, |g| g.id);
    }

    fn same(&self, other: &Self) -> bool {
        self.iter().map(|g| g.id).eq(other.iter().map(|g| g.id))
    }
}

/// The guards a call into the crate starts under (stdout's and stderr's
/// are reentrant in the callee's thread: left out).
pub(in crate::analysis::flow) fn guards_held_across_calls(state: &State) -> Vec<GuardFact> {
    state
        .slices
        .guards
        .iter()
        .filter(|g| !g.fact.stdio)
        .map(|g| g.fact.clone())
        .collect()
}

/// The guard a variable named `name` holds is released (moved into a call,
/// or replaced by an assignment), unless it is one `kept` carries.
pub(in crate::analysis::flow) fn release_guards_of(state: &mut State, name: &str, kept: &[usize]) {
    state
        .slices
        .guards
        .retain(|g| g.binding.as_deref() != Some(name) || kept.contains(&g.id));
}

impl Walker<'_> {
    /// Temporaries of a statement die at its end, unless its value
    /// (`carried`) carries them.
    pub(in crate::analysis::flow) fn locks_temporaries_die(
        &mut self,
        temps: &[usize],
        carried: Option<&Val>,
        state: &mut State,
    ) {
        let carried = |id: &usize| carried.is_some_and(|v| v.guards.contains(id));
        state
            .slices
            .guards
            .retain(|g| !(g.binding.is_none() && temps.contains(&g.id) && !carried(&g.id)));
    }

    /// Guards bound in a block die at its end (the block is at `depth`),
    /// unless the block's value carries them out.
    pub(in crate::analysis::flow) fn locks_scope_end(
        &mut self,
        depth: usize,
        carried: &Val,
        state: &mut State,
    ) {
        state
            .slices
            .guards
            .retain(|g| g.binding.is_none() || g.depth <= depth || carried.guards.contains(&g.id));
    }

    /// A value's guards are bound to `name`: they live to the end of the
    /// block at `depth` (0: a field, the function's end), no longer a
    /// temporary's.
    pub(in crate::analysis::flow) fn locks_bound(
        &mut self,
        name: &str,
        depth: usize,
        val: &Val,
        state: &mut State,
    ) {
        for g in state.slices.guards.iter_mut() {
            if val.guards.contains(&g.id) {
                g.binding = Some(name.to_string());
                g.depth = depth;
            }
        }
        self.unit.scratch.locks.temps.retain(|t| !val.guards.contains(t));
    }

    /// A method that takes a lock and returns its guard (`lock()`, `read()`
    /// on a lock type, `stdout().lock()`): the guard is live from here, and
    /// the call is the lock's, nothing else's.
    pub(in crate::analysis::flow) fn locks_on_method(
        &mut self,
        ev: &MethodCall,
        state: &mut State,
        val: &mut Val,
    ) -> bool {
        let guard = self
            .knowledge
            .guard_methods
            .get(ev.method)
            .filter(|g| match g.receiver {
                GuardReceiver::Any => true,
                GuardReceiver::LockType => {
                    self.is_rwlock(&ev.call.receiver, ev.recv)
                    // A lock type the user declared (config `lock_types`).
                    || ev.typed_key
                        .and_then(|k| self.knowledge.function(k))
                        .is_some_and(|f| f.class == Some(Class::Locks))
                }
            });
        // Built by hand: this runs for every method call, and `format!`
        // costs several times as much.
        let mut text = String::with_capacity(ev.method.len() + 3);
        text.push('.');
        text.push_str(ev.method);
        text.push_str("()");
        if let Some(guard) = guard {
            let recv_text = self.src(&*ev.call.receiver);
            let stdio = is_stdio(&recv_text);
            let id = self.id();
            // try_lock never blocks; its guard (if it got one) is still held.
            let class = if !guard.blocks {
                Class::Safe
            } else if stdio {
                Class::Prints
            } else {
                Class::Locks
            };
            self.record_call(
                state,
                CallSite {
                    span: ev.span.clone(),
                    text,
                    target: Target::Known {
                        class,
                        why: format!(
                            "`{recv_text}.{}()` takes a lock another thread may hold",
                            ev.method
                        ),
                    },
                    kind: CallKind::Method,
                    role: None,
                    error_path: false,
                },
            );
            if stdio {
                val.ty = Some("std::io::StdoutLock".into());
            }
            let name = if stdio {
                "stdout".to_string()
            } else {
                recv_text.clone()
            };
            if !self.unit.scratch.locks.taken.contains(&name) {
                self.unit.scratch.locks.taken.push(name);
            }
            // Which lock, across functions: a struct field's or a static's
            // (by its module path, however it is written: `STATE`,
            // `probe::STATE`).
            let owner = self
                .field_of(&ev.call.receiver)
                .or_else(|| match &*ev.call.receiver {
                    Expr::Path(p) => self.static_key(&p.path),
                    _ => None,
                });
            if let Some(owner) = owner {
                self.facts.lock_sites.push(LockSite {
                    file: self.file,
                    span: ev.span.clone(),
                    owner,
                    in_child: self.in_pre_exec || state.in_child_branch().is_some(),
                });
            }
            state.slices.guards.push(LiveGuard {
                id,
                fact: GuardFact {
                    span: ev.span.clone(),
                    lock: recv_text,
                    stdio,
                },
                binding: None,
                depth: self.depth,
            });
            self.unit.scratch.locks.temps.push(id);
            val.guards.push(id);
            return true;
        }
        false
    }
}

impl Walker<'_> {
    /// A printing macro takes its stream's lock (`eprintln!` stderr's).
    pub(in crate::analysis::flow) fn locks_on_print(&mut self, name: &str) {
        let stream = if name.starts_with('e') { "stderr" } else { "stdout" }.to_string();
        if !self.unit.scratch.locks.taken.contains(&stream) {
            self.unit.scratch.locks.taken.push(stream);
        }
    }
}

/// What the walk of one function keeps about locks.
#[derive(Default)]
pub(in crate::analysis::flow) struct LockScratch {
    /// Locks this unit takes (receiver text), to say which a thread may hold.
    pub(in crate::analysis::flow) taken: Vec<String>,
    /// Guards created in the current statement and not yet bound.
    pub(in crate::analysis::flow) temps: Vec<usize>,
}
