//! The domains: what the walk knows about one kind of thing. Each keeps its
//! slice of the walk's `State` (with its own join) and its per-function
//! scratch, and receives the framework's events: a call evaluated
//! (`CallEvent`, from `calls.rs` and `methods.rs`), a value moved into a
//! call. The framework (blocks, branches, loops, `?`, closures, macros,
//! name resolution) knows no domain beyond handing them events here.
//!
//! * `locks`: lock guards live on a path, locks a function takes.
//! * `threads`: threads started and still running, their handles.
//! * `processes`: forks, which processes are at a point, exec, exit.
//! * `fds`: descriptors created, open, handed on, closed.
//! * `output`: output written to a userspace buffer and not flushed.
//! * `statics`: reads and writes of statics.
//! * `commands`: `Command`s held and how they are launched.

mod cloexec;
mod commands;
mod fds;
mod locks;
mod output;
mod processes;
mod statics;
mod threads;

use super::*;

pub(super) use self::commands::Commands;
pub(super) use self::fds::FdScratch;
pub(super) use self::locks::{LiveGuard, LockScratch};
pub(super) use self::output::*;
pub(super) use self::processes::ForkCtx;
pub(super) use self::statics::StaticScratch;
pub(super) use self::threads::{thread_context, thread_what, LiveThread, ThreadScratch};

/// A domain's slice of the walk's `State`: joined where paths meet, and
/// compared to tell whether a loop's second walk changed anything.
pub(super) trait Lattice {
    fn join(&mut self, other: Self);
    fn same(&self, other: &Self) -> bool;
}

/// The join of two sets kept as lists: `other`'s items `into` lacks (by
/// `key`) are added.
fn union_by<T, K: PartialEq>(into: &mut Vec<T>, other: Vec<T>, key: impl Fn(&T) -> K) {
    for item in other {
        let k = key(&item);
        if !into.iter().any(|x| key(x) == k) {
            into.push(item);
        }
    }
}

/// A call of a path, as the domains see it once the framework evaluated its
/// arguments and recorded its site (not a tuple struct's constructor, not
/// a closure held in a variable).
pub(super) struct PathCall<'e> {
    pub call: &'e syn::ExprCall,
    pub span: Span,
    pub segs: &'e [String],
    /// What the path may resolve to, and the name the tables know it by.
    pub candidates: &'e [String],
    pub canonical: &'e str,
    pub target: &'e Target,
    pub role: Option<Role>,
    pub arg_vals: &'e [Val],
    /// Locks the closure it was given to run on a thread takes.
    pub spawned_locks: &'e [String],
    /// The file's forks before the arguments were walked.
    pub forks_before: usize,
}

impl Walker<'_> {
    /// Values handed to a call by name (`drop(g)`, `helper(fd)`, `run(cmd)`):
    /// the callee owns them now. A guard is released, a buffered writer
    /// flushes when dropped, a descriptor goes with it.
    pub(super) fn on_moved_args(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        target: &Target,
        candidates: &[String],
        state: &mut State,
    ) {
        self.command_args(args.iter(), target, 0);
        for a in args {
            if let Some(name) = path_ident(a) {
                self.flushed(state, &name);
                state
                    .guards
                    .retain(|g| g.binding.as_deref() != Some(name.as_str()));
                let wraps = candidates
                    .iter()
                    .any(|c| self.knowledge.fd_wrappers.contains_key(c));
                if (matches!(target, Target::Local { .. }) || target.is_foreign()) && !wraps {
                    self.fd_moved(a, state);
                }
            }
        }
    }

    /// A path call, handed to each domain in turn.
    pub(super) fn on_path_call(&mut self, ev: &PathCall, state: &mut State, val: &mut Val) {
        self.fds_on_call(ev, state, val);
        self.processes_on_call(ev, state, val);
        self.threads_on_call(ev, state, val);
    }
}

/// A method call, as the domains see it once its receiver and arguments
/// are evaluated.
pub(super) struct MethodCall<'e> {
    pub call: &'e syn::ExprMethodCall,
    pub method: &'e str,
    pub span: Span,
    pub recv: &'e Val,
    /// The method's key where the receiver's type is known.
    pub typed_key: Option<&'e str>,
    pub arg_vals: &'e [Val],
}

impl Walker<'_> {
    /// A method call seen before its arguments are walked: a process
    /// started, a `Command` used.
    pub(super) fn on_method_named(&mut self, m: &syn::ExprMethodCall, role: Option<Role>, span: &Span) {
        if matches!(role, Some(Role::PreExec | Role::SpawnProcess)) {
            self.facts.starts_processes = true;
        }
        self.command_method(m, span);
    }

    /// A method call before it is resolved, handed to each domain in turn;
    /// `true` when one took it as its own (a lock's guard) and nothing
    /// else is to be made of it.
    pub(super) fn on_method(&mut self, ev: &MethodCall, state: &mut State, val: &mut Val) -> bool {
        self.statics_on_method(ev, state);
        if self.locks_on_method(ev, state, val) {
            return true;
        }
        self.fd_method(ev.call, ev.recv, ev.span.clone(), state, val);
        if let (true, Some(added)) = (
            self.knowledge.flag_adding_methods.contains_key(ev.method),
            ev.call.args.first(),
        ) {
            self.flags_added(&ev.call.receiver, added);
        }
        self.output_on_method(ev, state);
        self.threads_on_method(ev, state);
        false
    }

    /// A method call once its target is known, before its site is recorded.
    pub(super) fn on_method_resolved(&mut self, ev: &MethodCall, target: &Target, state: &State) {
        self.command_args(ev.call.args.iter(), target, 1);
        if let Target::Local { keys } = target {
            self.fds_handed(keys, ev.call.args.iter(), 1);
            let mut args: Vec<(usize, &Val)> = vec![(0, ev.recv)];
            args.extend(ev.arg_vals.iter().enumerate().map(|(i, v)| (i + 1, v)));
            self.fd_args(keys, &args, ev.span.clone(), state);
            let display = crate::index::display_key(&keys[0]).to_string();
            self.fd_wrapper_call(keys, ev.call.args.iter(), true, &display, ev.span.clone());
        }
    }

    /// A method call after its site is recorded: what it starts or ends
    /// from here on (a thread; an exec, after which only failure runs).
    pub(super) fn on_method_recorded(
        &mut self,
        ev: &MethodCall,
        role: Option<Role>,
        spawned_locks: &[String],
        state: &mut State,
        val: &mut Val,
    ) {
        if matches!(role, Some(Role::SpawnThread | Role::Runtime)) {
            val.thread = Some(self.add_thread(state, self.span(&ev.call.method), thread_what(spawned_locks)));
        }
        // `cmd.exec()` returns only when it failed.
        if role == Some(Role::Exec) {
            state.error_path = true;
        }
    }
}
