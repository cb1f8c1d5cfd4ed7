//! The domains: what the walk knows about one kind of thing. Each keeps its
//! slice of the walk's `State` (with its own join, `Slices`), its scratch
//! for the function (`Scratch`) and for the file (`FileScratch`), and
//! receives the framework's events, all of them defined in this file: a
//! statement's temporaries opened and closed, a block ended, a `let`
//! evaluated and bound, a name bound, an assignment, a path or method call
//! (`PathCall`, `MethodCall`, from `calls.rs` and `methods.rs`) before and
//! after it is resolved and recorded, values moved into a call, an entry
//! point ended, a function's end (`Scratch::into_facts`). The framework
//! (blocks, branches, loops, `?`, closures, macros, name resolution) knows
//! no domain beyond handing them events here and asking them what holds
//! at a point (`threads_here`, `guards_held_across_calls`,
//! `holds_thread_handle`), with one exception kept on purpose: the fork's
//! result splits branches (`processes` is the framework's path
//! sensitivity).
//!
//! A new domain is its own module here, plus its slice, its scratch and
//! its lines in the events below, and its facts in `analysis::facts`.
//!
//! * `locks`: lock guards live on a path, locks a function takes.
//! * `threads`: threads started and still running, their handles.
//! * `processes`: forks, which processes are at a point, exec, exit.
//! * `fds`: descriptors created, open, handed on, closed.
//! * `cloexec`: descriptors made without close-on-exec, and where they leak.
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
pub(super) use self::locks::{guards_held_across_calls, LiveGuard, LockScratch};
pub(super) use self::output::*;
pub(super) use self::processes::ForkCtx;
pub(super) use self::statics::StaticScratch;
pub(super) use self::threads::{
    holds_thread_handle, thread_what, threads_here, with_threads_of, LiveThread, ThreadScratch,
};

/// A domain's slice of the walk's `State`: joined where paths meet, and
/// compared to tell whether a loop's second walk changed anything.
pub(super) trait Lattice {
    fn join(&mut self, other: Self);
    fn same(&self, other: &Self) -> bool;
}

/// Every domain's slice of the walk's state at a point (the framework's
/// `State` holds one): a new domain adds its slice here, and it is joined
/// and compared with the others.
#[derive(Debug, Clone, Default)]
pub(super) struct Slices {
    /// `locks`: guards live here.
    pub guards: Vec<LiveGuard>,
    /// `threads`: threads running here.
    pub threads: Vec<LiveThread>,
    /// `processes`: the fork this path came out of, if any.
    pub fork: Option<ForkCtx>,
    /// `output`: output written into a userspace buffer and not flushed yet.
    pub pending: Vec<PendingOutput>,
    /// `fds`: descriptors open on this path (created and not closed).
    pub fds: Vec<FdId>,
}

impl Lattice for Slices {
    fn join(&mut self, other: Self) {
        self.guards.join(other.guards);
        self.threads.join(other.threads);
        self.pending.join(other.pending);
        self.fds.join(other.fds);
        self.fork.join(other.fork);
    }

    fn same(&self, other: &Self) -> bool {
        self.guards.same(&other.guards)
            && self.threads.same(&other.threads)
            && self.fork.same(&other.fork)
            && self.pending.same(&other.pending)
            && self.fds.same(&other.fds)
    }
}

/// Every domain's scratch for the function (or closure) being walked: the
/// framework's `Unit` holds one, and a new domain adds its own here.
#[derive(Default)]
pub(super) struct Scratch {
    pub commands: Commands,
    pub fds: FdScratch,
    pub locks: LockScratch,
    pub threads: ThreadScratch,
    pub statics: StaticScratch,
}

impl Scratch {
    /// What each domain found in a function, once it is walked (`end`: the
    /// state where it returns; `code`: its text), into its facts.
    pub(super) fn into_facts(self, end: &State, code: &str, fact: &mut FnFact) {
        // Threads still running when it returns (joined ones do not count).
        fact.spawns = if end.live {
            end.slices
                .threads
                .iter()
                .map(|t| t.fact.clone())
                .filter(|t| self.threads.spawns.contains(t))
                .collect()
        } else {
            self.threads.spawns
        };
        fact.joined_calls = self.threads.joined_calls;
        fact.static_reads = self.statics.reads;
        fact.static_writes = self.statics.writes;
        fact.fd_params = self.fds.params;
        fact.fd_param_calls = self.fds.param_calls;
        fact.fd_flag_wrapper = self.fds.flag_wrapper;
        fact.cloexec_params = self.fds.cloexec_params;
        fact.commands = self.commands.finish(code);
    }
}

/// Every domain's scratch for the file being walked (ids handed out by
/// span, so that a loop's second walk finds the same fork or descriptor).
#[derive(Default)]
pub(super) struct FileScratch {
    pub fork_by_span: FxHashMap<(usize, usize), usize>,
    /// Locks taken by the last closure walked as its own unit.
    pub closure_locks: Vec<String>,
    pub fd_by_span: FxHashMap<(usize, usize, FdKind), FdId>,
    pub pipes: usize,
    /// Descriptors that are plain integers (copying them does not move them).
    pub raw_fds: Vec<FdId>,
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

/// The temporaries a statement (an `if`'s condition, a `match`'s
/// scrutinee) made, kept aside while it is walked: they die at its end.
pub(super) struct Temporaries(Vec<usize>);

impl Walker<'_> {
    /// A statement (or an `if`, a `match`) begins: the temporaries made
    /// from here are its own.
    pub(super) fn on_temporaries_open(&mut self) -> Temporaries {
        Temporaries(std::mem::take(&mut self.unit.scratch.locks.temps))
    }

    /// The statement ends: its temporaries die, unless `carried` (the value
    /// of a tail expression) carries them out.
    pub(super) fn on_temporaries_close(
        &mut self,
        outer: Temporaries,
        carried: Option<&Val>,
        state: &mut State,
    ) {
        let temps = std::mem::replace(&mut self.unit.scratch.locks.temps, outer.0);
        self.locks_temporaries_die(&temps, carried, state);
    }

    /// A block at `depth` ends: what was bound in it goes out of scope,
    /// unless the block's value `carried` carries it out.
    pub(super) fn on_block_end(&mut self, depth: usize, carried: &Val, state: &mut State) {
        self.locks_scope_end(depth, carried, state);
    }

    /// `let pat = init` evaluated its initializer, which created the
    /// descriptors in `created` (indexes into the file's facts).
    pub(super) fn on_let_evaluated(&mut self, pat: &Pat, created: std::ops::Range<usize>) {
        self.fds_created_for(pat, created);
    }

    /// `let pat = init` bound `val` (of the type `held_ty`, where known).
    pub(super) fn on_let_bound(
        &mut self,
        pat: &Pat,
        init: &Expr,
        val: &Val,
        held_ty: Option<&str>,
        state: &mut State,
    ) {
        self.fd_bind(pat, val, init);
        self.command_binding(pat, init, held_ty);
        self.fds_opened(val, state);
    }

    /// `let name = ..` (not `_`) holds `val`: a guard, a thread's handle.
    pub(super) fn on_named(&mut self, name: &str, val: &Val, state: &mut State) {
        self.locks_bound(name, self.depth, val, state);
        self.threads_bound(name, val, state);
    }

    /// `target = ..` assigned `val` (`target` as written).
    pub(super) fn on_assigned(&mut self, a: &syn::ExprAssign, target: &str, val: &Val, state: &mut State) {
        if let Some(name) = self.static_root(&a.left) {
            self.global_write(state, &name, self.span(a));
        }
        self.child_assign(state, target, self.span(a));
        // Reassigning a guard variable drops the old guard; a field
        // outlives the function's blocks.
        let depth = if target.contains('.') { 0 } else { self.depth };
        locks::release_guards_of(state, target, &val.guards);
        self.locks_bound(target, depth, val, state);
    }

    /// A function's body begins (its parameters are bound).
    pub(super) fn on_fn_start(&mut self, attrs: &[syn::Attribute], sig: &syn::Signature, state: &mut State) {
        self.threads_on_fn_start(attrs, sig, state);
        self.bind_params(sig, state);
    }

    /// A closure walked as its own unit (it runs elsewhere, or later) ends
    /// with this scratch: the threads it left running are the enclosing
    /// function's too; the locks it took are kept for the call it was
    /// given to (`take_closure_locks`).
    pub(super) fn on_closure_unit_end(&mut self, scratch: Scratch) {
        self.unit.scratch.threads.spawns.extend(scratch.threads.spawns);
        self.file_scratch.closure_locks = scratch.locks.taken;
    }

    /// The locks the last closure walked as its own unit took.
    pub(super) fn take_closure_locks(&mut self) -> Vec<String> {
        std::mem::take(&mut self.file_scratch.closure_locks)
    }

    /// A call's site is recorded (after the domains saw the call itself);
    /// `starts_process`: it forks, execs or spawns.
    pub(super) fn on_call_recorded(&mut self, site: &CallSite, starts_process: bool) {
        self.fds_on_call_recorded(site, starts_process);
    }

    /// An entry point's body (`main`, a test) ends.
    pub(super) fn on_entry_end(&mut self) {
        self.fds_on_entry_end();
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
                locks::release_guards_of(state, &name, &[]);
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
