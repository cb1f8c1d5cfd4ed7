//! The rule registry: every rule's name, default level, one-line summary and
//! documentation (`rules/NAME.md`). Rule logic lives one rule per file; each
//! consumes the facts of `crate::analysis` and never walks the AST itself.

mod child_escapes_fork_branch;
mod child_may_unwind;
mod fd_without_cloexec;
mod fork_after_thread_spawn;
mod global_state_in_child;
mod lock_held_across_fork;
mod pipe_end_left_open;
mod shared_file_offset;
mod unflushed_output_at_fork;
mod unknown_call_in_child;
mod unsafe_call_in_child;
mod unsafe_call_in_pre_exec;
mod vfork_misuse;

use crate::analysis::facts::{
    CallSite, ChildEvent, FdId, FdKind, FdOp, FdUse, FileFacts, FnFact, ForkFact, Target,
};
use crate::analysis::summary::{Effect, Summaries};
use crate::diagnostic::{Finding, Group};
use crate::knowledge::Class;
use crate::source::SourceDb;
use crate::Options;

pub use crate::registry::{default_level, find, group_of, is_level_name, RuleMeta, RULES};

/// What every rule gets: the crate's facts and summaries.
pub struct RuleCtx<'a> {
    pub db: &'a SourceDb,
    pub files: &'a [FileFacts],
    pub summaries: &'a Summaries,
    /// Locks held and threads started by callers (see `analysis::context`).
    pub entry: &'a crate::analysis::context::EntryContexts,
    pub opts: &'a Options,
    /// The crate forks or spawns processes (from the token scan of every file).
    pub starts_processes: bool,
    /// `CrateModel::installs_logger`.
    pub installs_logger: bool,
    /// The programs a `#[global_allocator]` is declared for (see
    /// `CrateModel::global_allocator_programs`).
    pub global_allocator_programs: &'a rustc_hash::FxHashSet<String>,
    /// The programs (`discover::program_of`) whose files exec or spawn.
    pub exec_programs: &'a rustc_hash::FxHashSet<String>,
    /// `panic = "abort"` by manifest, once read (files given by path have
    /// no package: their nearest manifest is parsed for it).
    pub panic_abort_of: std::cell::RefCell<rustc_hash::FxHashMap<std::path::PathBuf, bool>>,
}

/// Runs every rule on one crate's model.
pub fn check_crate(db: &SourceDb, model: &crate::analysis::CrateModel, opts: &Options) -> Vec<Finding> {
    let ctx = RuleCtx {
        db,
        files: &model.files,
        summaries: &model.summaries,
        entry: &model.entry,
        opts,
        starts_processes: model.starts_processes,
        installs_logger: model.installs_logger,
        global_allocator_programs: &model.global_allocator_programs,
        exec_programs: &model.exec_programs,
        panic_abort_of: Default::default(),
    };
    check_all(&ctx)
}

impl<'a> RuleCtx<'a> {
    /// `panic = "abort"` for this file's package: panics cannot unwind.
    pub fn panic_abort(&self, file: crate::source::FileId) -> bool {
        if let Some(p) = self.db.package_of(file) {
            return p.panic_abort;
        }
        let Some(manifest) = crate::discover::nearest_manifest(&self.db.get(file).path) else {
            return false;
        };
        *self
            .panic_abort_of
            .borrow_mut()
            .entry(manifest)
            .or_insert_with_key(|m| crate::discover::manifest_panic_abort(m))
    }

    pub fn forks(&self) -> impl Iterator<Item = &ForkFact> {
        self.files.iter().flat_map(|f| f.forks.iter())
    }

    /// The class of a call, through the crate's summaries for its own functions.
    pub fn effect_of(&self, call: &CallSite) -> Effect {
        match &call.target {
            Target::Known { class, why } => Effect {
                class: *class,
                why: why.clone(),
                error_path: false,
            },
            Target::Local { .. } | Target::External { .. } => {
                let mut best: Option<Effect> = None;
                for k in call.target.summary_keys() {
                    if let Some(s) = self.summaries.get(k) {
                        let e = s.effect();
                        if best.as_ref().is_none_or(|b| rank(e.class) > rank(b.class)) {
                            best = Some(e);
                        }
                    }
                }
                best.unwrap_or(Effect {
                    class: Class::Unknown,
                    why: unknown_because(call).to_string(),
                    error_path: false,
                })
            }
            Target::Unknown => Effect {
                class: Class::Unknown,
                why: unknown_because(call).to_string(),
                error_path: false,
            },
        }
    }

    /// A call's unsafe effect besides the lock [`Self::effect_of`] names
    /// first: a function that takes a lock and allocates is two hazards
    /// (the lock is fork_after_thread_spawn's, the allocation
    /// unsafe_call_in_child's).
    pub fn effect_besides_lock(&self, call: &CallSite) -> Option<Effect> {
        call.target
            .summary_keys()
            .iter()
            .filter_map(|k| self.summaries.get(k.as_str()))
            .find_map(|s| s.other.clone())
    }

    fn functions_with<'k>(&'k self, keys: &'k [String]) -> impl Iterator<Item = &'k FnFact> + 'k {
        self.files
            .iter()
            .flat_map(|f| f.functions.iter())
            .filter(move |f| f.keys.iter().any(|k| keys.contains(k)))
    }

    /// What the functions with these keys do to descriptors passed as
    /// parameter `param`, following them into the functions they pass them to.
    pub fn param_ops(&self, keys: &[String], param: usize) -> Vec<FdOp> {
        let mut ops = Vec::new();
        for (f, param) in self.param_chain(keys, param) {
            for (p, op) in &f.fd_params {
                if *p == param && !ops.contains(op) {
                    ops.push(*op);
                }
            }
        }
        ops
    }

    /// The functions with these keys, with `param`, and those they hand
    /// that parameter's descriptor on to, with theirs: each pair once.
    fn param_chain(&self, keys: &[String], param: usize) -> Vec<(&'a FnFact, usize)> {
        let mut out = Vec::new();
        let mut todo = vec![(keys.to_vec(), param)];
        let mut seen = Vec::new();
        while let Some((keys, param)) = todo.pop() {
            if seen.contains(&(keys.clone(), param)) {
                continue;
            }
            seen.push((keys.clone(), param));
            let with_keys = self
                .files
                .iter()
                .flat_map(|f| f.functions.iter())
                .filter(|f| f.keys.iter().any(|k| keys.contains(k)));
            for f in with_keys {
                out.push((f, param));
                for (p, callee, arg) in &f.fd_param_calls {
                    if *p == param {
                        todo.push((callee.clone(), *arg));
                    }
                }
            }
        }
        out
    }

    /// Does one of the functions with these keys close the descriptor it is
    /// given as parameter `param`, or make it close-on-exec, itself or
    /// through the functions it passes it to?
    pub fn handles_fd_param(&self, keys: &[String], param: usize) -> bool {
        self.param_chain(keys, param)
            .iter()
            .any(|(f, p)| f.cloexec_params.contains(p))
    }

    /// A descriptor's kind, with values returned by the crate's own
    /// functions resolved (a constructor that opens a file returns a file).
    pub fn fd_kind(&self, facts: &FileFacts, fd: FdId) -> Option<FdKind> {
        match facts.fds.get(fd)?.kind {
            FdKind::Returned => {
                let (_, keys) = facts.returned_by.iter().find(|(f, _)| *f == fd)?;
                let append = self.functions_with(keys).find_map(|f| f.returns_file)?;
                Some(FdKind::File { append })
            }
            k => Some(k),
        }
    }

    /// Uses of descriptors after a fork: direct ones, and those made by the
    /// crate's functions they are passed to (reported at the call).
    pub fn fork_fd_uses(&self, fork: &ForkFact) -> Vec<FdUse> {
        let mut uses = fork.fd_uses.clone();
        for c in &fork.fd_calls {
            for op in self.param_ops(&c.keys, c.param) {
                uses.push(FdUse {
                    fd: c.fd,
                    child: c.child,
                    span: c.span.clone(),
                    op,
                    write_end_open: c.write_end_open,
                });
            }
        }
        uses.sort_by_key(|u| u.span.start);
        uses
    }

    /// A fork inside a fork wrapper (a function that returns the fork's
    /// result): its child region is the caller's, checked at the call.
    pub fn in_fork_wrapper(&self, fork: &ForkFact) -> bool {
        self.files.iter().flat_map(|f| f.functions.iter()).any(|f| {
            f.file == fork.file
                && f.keys == fork.function_keys
                && f.returns_fork.is_some()
                && !f.hands_fork_back
        })
    }

    /// A fork in a function that hands the child back to its caller with a
    /// value telling the processes apart (or returns only in the surviving
    /// child): its child's return is the function's purpose, no escape. Its
    /// child region up to there is still its own.
    pub fn hands_fork_back(&self, fork: &ForkFact) -> bool {
        self.files
            .iter()
            .flat_map(|f| f.functions.iter())
            .any(|f| f.file == fork.file && f.keys == fork.function_keys && f.hands_fork_back)
    }

    /// Does the program this file is part of run under a declared
    /// `#[global_allocator]` (its own, or its package library's)?
    pub fn global_allocator_in(&self, file: crate::source::FileId) -> bool {
        if self.global_allocator_programs.is_empty() {
            return false;
        }
        let program = crate::discover::program_of(&self.db.get(file).path, &mut Default::default());
        let root = program.rsplit_once('#').map_or(program.as_str(), |(r, _)| r);
        self.global_allocator_programs.contains(&program)
            || self.global_allocator_programs.contains(&format!("{root}#*"))
    }

    /// Does a call to the crate's functions with these keys start a
    /// process (fork, exec, spawn), directly or through the crate's
    /// functions they call? From the summaries.
    pub fn starts_process(&self, keys: &[String]) -> bool {
        keys.iter()
            .any(|k| self.summaries.get(k).is_some_and(|s| s.starts_process))
    }

    /// How a call of a function of the crate or of a dependency (by its
    /// summary) reaches `exit()` on its normal path, if it does (a chain
    /// for the message).
    pub fn exits_through(&self, call: &CallSite) -> Option<&str> {
        call.target
            .summary_keys()
            .iter()
            .find_map(|k| self.summaries.get(k)?.exits.as_deref())
    }

    /// Forks whose child region is in their own function.
    pub fn checked_forks(&self) -> impl Iterator<Item = &ForkFact> {
        self.forks().filter(|f| !self.in_fork_wrapper(f))
    }

    /// Guards and threads live at a fork, including its callers' (with their files).
    pub fn fork_context(&self, fork: &ForkFact) -> crate::analysis::context::Context {
        crate::analysis::context::at_fork(fork, self.files, self.summaries, self.entry)
    }

    /// Calls in a fork's child before exec, with their effects.
    /// The calls a `pre_exec` hook makes, with the file each is written
    /// in: the closure's own, a function passed by name, the closure a
    /// function builds and returns, every closure stored in the struct
    /// field the hook is taken from.
    pub fn hook_calls<'f>(
        &'f self,
        p: &'f crate::analysis::facts::PreExecFact,
    ) -> impl Iterator<Item = (crate::source::FileId, &'f CallSite)> + 'f {
        let named = self
            .files
            .iter()
            .flat_map(|f| f.functions.iter())
            .filter(|f| f.keys.iter().any(|k| p.named.contains(k)));
        let built = self
            .files
            .iter()
            .flat_map(|f| f.functions.iter())
            .filter(|f| f.keys.iter().any(|k| p.built_by.contains(k)));
        p.calls
            .iter()
            .map(|c| (p.file, c))
            .chain(named.flat_map(|f| f.calls.iter().map(move |c| (f.file, c))))
            .chain(built.flat_map(|f| f.returned_closure.iter().map(move |c| (f.file, c))))
            .chain(
                self.files
                    .iter()
                    .flat_map(|f| f.field_closures.iter())
                    .filter(|(_, field, _)| p.from_fields.contains(field))
                    .flat_map(|(file, _, calls)| calls.iter().map(move |c| (*file, c))),
            )
            .chain(self.closures_stored_in(&p.from_fields))
    }

    /// The calls of closures handed to a function of the crate that stores
    /// that parameter in one of `fields` (a builder's setter).
    fn closures_stored_in<'f>(
        &'f self,
        fields: &'f [String],
    ) -> impl Iterator<Item = (crate::source::FileId, &'f CallSite)> + 'f {
        let setters: Vec<(&String, usize)> = if fields.is_empty() {
            Vec::new()
        } else {
            self.files
                .iter()
                .flat_map(|f| f.functions.iter())
                .flat_map(|f| {
                    f.param_fields
                        .iter()
                        .filter(|(_, field)| fields.contains(field))
                        .flat_map(move |(pos, _)| f.keys.iter().map(move |k| (k, *pos)))
                })
                .collect()
        };
        self.files
            .iter()
            .flat_map(|f| f.closure_args.iter())
            .filter(move |a| {
                setters
                    .iter()
                    .any(|(k, pos)| a.position == *pos && a.keys.contains(k))
            })
            .flat_map(|a| a.calls.iter().map(move |c| (a.file, c)))
    }

    /// Is the lock taken at `span` one that, in the whole crate, only a
    /// child or a `pre_exec` hook ever takes (by the field or static that
    /// owns it)? The parent never holds it, so no thread can at a fork.
    pub fn taken_only_in_children(&self, file: crate::source::FileId, span: &std::ops::Range<usize>) -> bool {
        let mut sites = self.files.iter().flat_map(|f| f.lock_sites.iter());
        let Some(owner) = sites
            .clone()
            .find(|s| s.file == file && s.span == *span && s.in_child)
            .map(|s| &s.owner)
        else {
            return false;
        };
        !sites.any(|s| s.owner == *owner && !s.in_child)
    }

    /// [`Self::effect_of`] a call written in `file` that runs in a child or
    /// a `pre_exec` hook: a lock only children ever take (see
    /// `taken_only_in_children`) is no hazard there, whatever rule asks.
    pub fn effect_in_child(&self, file: crate::source::FileId, call: &CallSite) -> Effect {
        let effect = self.effect_of(call);
        if effect.class.takes_lock() && self.taken_only_in_children(file, &call.span) {
            return Effect {
                class: Class::Safe,
                why: "a lock no code of the parent takes".to_string(),
                error_path: effect.error_path,
            };
        }
        effect
    }

    pub fn child_calls<'f>(&self, fork: &'f ForkFact) -> Vec<(&'f CallSite, Effect)> {
        fork.child
            .iter()
            .filter_map(|e| match e {
                ChildEvent::Call(c) => Some((c, self.effect_in_child(fork.file, c))),
                _ => None,
            })
            .collect()
    }
}

/// The only threads at a fork are the test harness's (a `#[test]` body):
/// their evidence is weaker than threads the code starts.
pub fn only_harness_threads(threads: &[(crate::source::FileId, crate::analysis::facts::ThreadFact)]) -> bool {
    !threads.is_empty() && threads.iter().all(|(_, t)| t.harness)
}

/// One finding per child region (or hook) and rule: of the reportable
/// sites, each with the group its evidence earns, the strongest group's
/// first site (by `place`: file, then offset) is the finding's place and
/// level; the others, in order and once each, become its labels.
pub fn one_per_region<T>(
    mut sites: Vec<(T, Group)>,
    place: impl Fn(&T) -> (usize, usize),
) -> Option<(T, Group, Vec<T>)> {
    sites.sort_by_key(|(t, g)| (*g, place(t)));
    let mut it = sites.into_iter();
    let (primary, group) = it.next()?;
    let mut others: Vec<T> = it
        .map(|(t, _)| t)
        .filter(|t| place(t) != place(&primary))
        .collect();
    others.sort_by_key(&place);
    others.dedup_by_key(|t| place(t));
    Some((primary, group, others))
}

/// Why a call without a table entry or summary is unknown (what
/// `unknown_calls = "warn"` reports), from how it is written.
fn unknown_because(call: &CallSite) -> &'static str {
    match (&call.target, call.kind) {
        (Target::External { .. }, _) => {
            "not known to be async-signal-safe: its crate is not a dependency forklint could find the source of"
        }
        (Target::Local { .. }, _) => {
            "not known to be async-signal-safe: a function of the crate forklint could not read"
        }
        (_, crate::analysis::facts::CallKind::Method) => {
            "not known to be async-signal-safe: a method on a value whose type forklint cannot tell (dynamic dispatch or inference it does not do)"
        }
        (_, crate::analysis::facts::CallKind::Macro) => {
            "not known to be async-signal-safe: a macro forklint has no table entry or definition for"
        }
        _ if !call.text.contains("::") => {
            "not known to be async-signal-safe: a closure or function pointer called through a value, whose code forklint cannot see"
        }
        _ => "not known to be async-signal-safe: no table entry and no source forklint can read",
    }
}

/// Which effect to name when a function has several: locks first.
fn rank(c: Class) -> u8 {
    match c {
        Class::Safe => 0,
        Class::Unknown => 1,
        Class::Allocates | Class::Unsafe => 2,
        Class::Locks | Class::Logs | Class::Prints | Class::Env => 3,
    }
}

/// "`println!`: locks stdout and formats", or the class when no reason is known.
pub fn describe_call(call: &CallSite, effect: &Effect) -> String {
    if effect.why.is_empty() {
        format!("`{}` {}", call.text, effect.class.describe())
    } else {
        format!("`{}`: {}", call.text, effect.why)
    }
}

/// Runs every rule over a crate's facts.
pub fn check_all(ctx: &RuleCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(lock_held_across_fork::check(ctx));
    out.extend(fork_after_thread_spawn::check(ctx));
    out.extend(unsafe_call_in_child::check(ctx));
    out.extend(unsafe_call_in_pre_exec::check(ctx));
    out.extend(global_state_in_child::check(ctx));
    out.extend(child_escapes_fork_branch::check(ctx));
    out.extend(child_may_unwind::check(ctx));
    out.extend(unknown_call_in_child::check(ctx));
    out.extend(unflushed_output_at_fork::check(ctx));
    out.extend(vfork_misuse::check(ctx));
    out.extend(fd_without_cloexec::check(ctx));
    out.extend(shared_file_offset::check(ctx));
    out.extend(pipe_end_left_open::check(ctx));
    out
}
