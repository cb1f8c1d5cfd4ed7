//! The facts the flow analysis produces and the rules consume.

use std::ops::Range;

use crate::knowledge::{Class, Role};
use crate::source::FileId;

pub type Span = Range<usize>;

/// Who a call goes to, as far as the code says.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A knowledge-table entry (or a built-in such as a lock method).
    Known { class: Class, why: String },
    /// A function of the linted crate, by candidate keys (`helper`,
    /// `Type::method`); judged by its summary.
    Local { keys: Vec<String> },
    /// A function of another crate that the tables do not list, by the
    /// path the call resolves to (`nix::unistd::initgroups`): judged by a
    /// summary computed from the dependency's source when it is on disk
    /// (see `analysis::deps`), else unknown.
    External { path: String },
    /// Anything else: an external function forklint knows nothing about.
    Unknown,
}

impl Target {
    /// The keys a summary of this call is looked up by: a crate
    /// function's candidates, or a dependency function's path.
    pub fn summary_keys(&self) -> &[String] {
        match self {
            Target::Local { keys } => keys,
            Target::External { path } => std::slice::from_ref(path),
            _ => &[],
        }
    }

    /// Neither a table entry nor a function of the crate.
    pub fn is_foreign(&self) -> bool {
        matches!(self, Target::External { .. } | Target::Unknown)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `path::to::f(..)`
    Path,
    /// `recv.method(..)`
    Method,
    /// `name!(..)`
    Macro,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CallSite {
    pub span: Span,
    /// How the call reads in a message: `String::from`, `println!`, `.lock()`.
    pub text: String,
    pub target: Target,
    pub kind: CallKind,
    /// What the call does to the process (fork, exec, exit...), if known.
    pub role: Option<Role>,
    /// Runs only after a call failed (see the walker's `State::error_path`).
    pub error_path: bool,
}

/// A lock guard of the forking thread, live at a fork.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardFact {
    /// Where the lock was taken.
    pub span: Span,
    /// The lock expression (`M`, `self.state`).
    pub lock: String,
    /// `stdout().lock()`/`stderr().lock()`: reentrant and owned by the
    /// forking thread's id, which the child inherits.
    pub stdio: bool,
}

/// Evidence that other threads may be running.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadFact {
    pub span: Span,
    /// `thread spawned here`, `tokio runtime built here`, ...
    pub what: String,
    /// Only the test harness's threads, implied by a `#[test]` body: what
    /// they hold depends on the other tests (their output is captured per
    /// test), so the evidence is weaker than a thread the code starts.
    pub harness: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscapeKind {
    /// `return`, or the end of the function.
    Return,
    /// `?` on the error path.
    Try,
    /// `break`/`continue` out of the loop that contains the fork.
    Break,
    /// Falls through past the `if`/`match` into code the parent runs too.
    FallThrough,
    /// `std::process::exit`/`libc::exit`: atexit handlers and flushes run again.
    ExitCleanup,
    /// `unwrap`, `expect`, indexing, `panic!`: may unwind into the parent's frames.
    Panic,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChildEvent {
    /// A call before exec/`_exit`.
    Call(CallSite),
    Exec(Span),
    /// A write to a `static` (the parent never sees it).
    GlobalWrite {
        name: String,
        span: Span,
    },
    /// An assignment to any place (vfork's child may assign only its pid).
    Assign {
        target: String,
        span: Span,
    },
    Escape {
        kind: EscapeKind,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForkFact {
    pub file: FileId,
    /// The fork call.
    pub span: Span,
    /// The branch arms it sits in (see `Arms`).
    pub arms: Arms,
    /// Canonical path of the forking function.
    pub callee: String,
    pub vfork: bool,
    /// The parent leaves at once (`daemon`, parent `exit`s): the child is
    /// the process that carries on, so its return is not an escape.
    pub survivor: bool,
    pub function: Option<String>,
    /// Keys of the enclosing function (`name`, `Type::name`).
    pub function_keys: Vec<String>,
    pub guards: Vec<GuardFact>,
    pub threads: Vec<ThreadFact>,
    /// What the child does, in program order.
    pub child: Vec<ChildEvent>,
    /// Reads of statics by the parent after the fork.
    pub parent_reads: Vec<(String, Span)>,
    /// The variable the fork's result is bound to.
    pub result_var: Option<String>,
    /// Output written into a buffer and not flushed before the fork.
    pub unflushed: Vec<PendingOutput>,
    /// The child may flush its copy of the buffers (writes a line, flushes,
    /// or leaves its branch and exits normally); `_exit` and exec do not.
    pub child_flushes: bool,
    /// The parent may flush its copy (it carries on, returns or exit()s)
    /// rather than leaving at once with `_exit`.
    pub parent_flushes: bool,
    /// Descriptors open at the fork: both processes hold them now.
    pub fds_open: Vec<FdId>,
    /// Reads, writes and seeks of descriptors after the fork, by process.
    pub fd_uses: Vec<FdUse>,
    /// Descriptors handed to functions of the crate after the fork: what the
    /// callee does with its parameter decides the use.
    pub fd_calls: Vec<FdCall>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FdCall {
    pub keys: Vec<String>,
    /// Which parameter of the callee receives the descriptor.
    pub param: usize,
    pub fd: FdId,
    pub child: bool,
    pub span: Span,
    pub write_end_open: Option<FdId>,
}

/// A descriptor passed to a function of the crate, then used again by the
/// caller: if that function forks, the caller's use is the parent's.
#[derive(Debug, Clone, PartialEq)]
pub struct FdAfterCall {
    pub keys: Vec<String>,
    /// Which parameter of the callee received the descriptor.
    pub param: usize,
    pub fd: FdId,
    pub file: FileId,
    pub call: Span,
    /// The caller's later use.
    pub span: Span,
    pub op: FdOp,
}

/// Index into `FileFacts::fds`.
pub type FdId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FdKind {
    /// A file with an offset; `append` when opened with O_APPEND.
    File {
        append: bool,
    },
    /// The read end of pipe number N (of this file's pipes).
    PipeRead(usize),
    PipeWrite(usize),
    /// Parameter N of the function being walked (for its summary).
    Param(usize),
    /// Returned by a call to a function of the crate: a file if the callee's
    /// `returns_file` says so (`FileFacts::returned_by`).
    Returned,
}

/// A value holding an open file description.
#[derive(Debug, Clone, PartialEq)]
pub struct FdFact {
    /// Where it was opened or created.
    pub span: Span,
    pub kind: FdKind,
}

/// What a call does to a descriptor (the knowledge tables name it).
pub use crate::knowledge::FdOp;

#[derive(Debug, Clone, PartialEq)]
pub struct FdUse {
    pub fd: FdId,
    /// Used by the child (else by the parent).
    pub child: bool,
    pub span: Span,
    pub op: FdOp,
    /// For a pipe read: the pipe's write end, if this process still holds it here.
    pub write_end_open: Option<FdId>,
}

/// Bytes sitting in a userspace buffer: both processes will flush a copy.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingOutput {
    pub span: Span,
    /// `stdout`, or the buffered writer's variable.
    pub sink: String,
}

/// A raw file descriptor created without close-on-exec.
#[derive(Debug, Clone, PartialEq)]
pub struct FdCreationFact {
    pub file: FileId,
    pub span: Span,
    pub callee: String,
    /// Made through a function of the crate given the flags here (`Self::
    /// open(path, libc::O_RDWR, None)`): its name; `callee` is the call inside.
    pub through: Option<String>,
    pub function: Option<String>,
    pub suggest: String,
    pub why: String,
    /// No exec can inherit it: closed or made close-on-exec (`fcntl(fd,
    /// F_SETFD, FD_CLOEXEC)`) in the same function before any exec, spawn
    /// or fork.
    pub handled: bool,
    /// Made by an entry point (`main`, a test) that neither execs, spawns
    /// nor forks after it: only the crate's functions it calls afterwards
    /// (`later_calls`) could start a process that inherits it.
    pub entry_end: bool,
    pub later_calls: Vec<Vec<String>>,
    /// Made by test code (a `#[test]` function, a `#[cfg(test)]` module).
    pub in_test: bool,
    /// Handed, before any exec, spawn or fork, to functions of the crate as
    /// their parameter at this input position (`cloexec(fd)`): one that
    /// closes it or makes it close-on-exec handles it (`FnFact::cloexec_params`).
    pub handed_to: Vec<(Vec<String>, usize)>,
}

pub use crate::index::FdFlagWrapper;

/// Where a lock owned by a struct field or a static is taken: the
/// field's or static's name, and whether only a child (or a `pre_exec`
/// hook) takes it there.
#[derive(Debug, Clone, PartialEq)]
pub struct LockSite {
    pub file: FileId,
    pub span: Span,
    pub owner: String,
    pub in_child: bool,
}

/// A closure (or function) run by `pre_exec` in the child between fork and exec.
#[derive(Debug, Clone, PartialEq)]
pub struct PreExecFact {
    pub file: FileId,
    /// The `pre_exec` call.
    pub span: Span,
    pub function: Option<String>,
    pub calls: Vec<CallSite>,
    /// A function of the crate passed by name: its body is the closure.
    pub named: Vec<String>,
    /// Functions of the crate that build the closure and return it
    /// (`cmd.pre_exec(hooks::drop_privileges(uid))`).
    pub built_by: Vec<String>,
    /// Struct fields the hook is taken from (`cmd.pre_exec(hook)` with
    /// `hook` from `self.hook.take()`): every closure stored there.
    pub from_fields: Vec<String>,
    /// Threads shown running where the hook is registered (callers'
    /// threads are in the entry contexts).
    pub threads: Vec<ThreadFact>,
    /// The variable (or parameter) holding the `Command` the hook is
    /// registered on, and the function holding it: how that Command is
    /// launched decides where the hook runs (`FnFact::commands`).
    pub command: Option<String>,
    pub function_keys: Vec<String>,
    /// Filled once the crate is walked (`analysis::commands`): the `exec`
    /// calls that launch the Command in place, when every launch is one
    /// (no fork of std's runs the hook); empty when any launch forks or is
    /// not followed.
    pub launched_in_place: Vec<(FileId, Span)>,
}

/// How a `Command` a function holds is launched.
#[derive(Debug, Clone, PartialEq)]
pub enum Launch {
    /// `spawn`, `output`, `status`: std forks and runs the hooks in the child.
    Forks(Span),
    /// `exec`: the hooks run in the calling process, which then execs.
    InPlace(Span),
    /// Handed to a function of the crate as its parameter at this input
    /// position (`self` is 0 for methods).
    Passed { keys: Vec<String>, param: usize },
    /// Launched, stored or handed on in a way the walk does not follow.
    Unknown,
}

/// A `Command` held in a variable or parameter, and its launches.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandFact {
    pub var: String,
    /// The parameter's input position, when the Command is the caller's.
    pub param: Option<usize>,
    pub launches: Vec<Launch>,
}

/// Where a call sits among its function's branches: (branch, arm) pairs
/// from the outside in (`if` then/else, each `match` arm). Two places in
/// different arms of one branch never both run on one path.
pub type Arms = Vec<(u32, u16)>;

/// Do two places lie in different arms of one branch?
pub fn exclusive(a: &Arms, b: &Arms) -> bool {
    a.iter().any(|(i, x)| b.iter().any(|(j, y)| i == j && x != y))
}

/// What a function of the crate does, directly.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FnFact {
    /// `name`, and `Type::name` for methods.
    pub keys: Vec<String>,
    pub file: FileId,
    pub span: Span,
    pub calls: Vec<CallSite>,
    /// The branch arms of its calls to the crate's functions that sit in
    /// any, by the call's start.
    pub local_call_arms: Vec<(usize, Arms)>,
    /// Threads it starts and leaves running.
    pub spawns: Vec<ThreadFact>,
    /// What it does to descriptors passed as parameter N (`self` is 0 for methods).
    pub fd_params: Vec<(usize, FdOp)>,
    /// Parameter N is passed on as argument M of a call to these keys.
    pub fd_param_calls: Vec<(usize, Vec<String>, usize)>,
    /// Returns a file it opened (`Some(append)`), like a constructor.
    pub returns_file: Option<bool>,
    /// Creates a descriptor with flags its caller passes: judged at the
    /// calls, by the flags each passes.
    pub fd_flag_wrapper: Option<FdFlagWrapper>,
    /// Forks and runs the closure its parameter at this input position
    /// holds in the child (`fn fork<F: FnOnce()>(child: F)`): the closure
    /// a caller passes is that child's code.
    pub runs_closure_in_child: Option<usize>,
    /// Returns a closure (`impl FnMut`, `Box<dyn FnMut>`): the calls the
    /// closure makes when it runs (a `pre_exec` hook built here).
    pub returned_closure: Vec<CallSite>,
    /// An entry point (`main`, a `#[test]`, `#[tokio::main]`): nothing in the
    /// crate calls it.
    pub entry: bool,
    /// Forks and returns the fork's result in both processes (a fork wrapper).
    pub returns_fork: Option<crate::knowledge::ForkResultShape>,
    /// Forks and hands the child back to its caller with a value that says
    /// which process it is (`Ok(Fork::Child)`, `Ok(None)`), in a shape the
    /// caller's branches may not show: its own return is no escape.
    pub hands_fork_back: bool,
    /// Calls to functions of the crate made while this thread held locks or
    /// other threads ran: the callee starts in that context.
    pub call_contexts: Vec<CallContext>,
    /// Statics it reads and writes (name, where), for re-exec'd children.
    pub static_reads: Vec<(String, Span)>,
    /// Writes, with whether they happen inside a role switch's branch.
    pub static_writes: Vec<(String, Span, bool)>,
    /// Calls to the crate's functions whose result (a thread handle) was
    /// joined: (the call's span, the join's span).
    pub joined_calls: Vec<(Span, Span)>,
    /// Functions called in the branch of a role switch (`if args.nth(1) ==
    /// Some("--child") { child_main() }`): the re-exec'd child's code.
    pub role_calls: Vec<Vec<String>>,
    /// The `Command`s it holds and how each is launched.
    pub commands: Vec<CommandFact>,
    /// Input positions of the parameters whose descriptor it closes or
    /// makes close-on-exec (`fn cloexec(fd: RawFd)`).
    pub cloexec_params: Vec<usize>,
    /// Parameters it stores into a struct field, by input position (a
    /// builder's `self.hook = Some(Box::new(f))`, a constructor's
    /// `Spawner { hook: Box::new(f) }`): a closure its callers pass there
    /// is the field's.
    pub param_fields: Vec<(usize, String)>,
}

/// A closure handed to a function of the crate (see `FileFacts::closure_args`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClosureArg {
    pub file: FileId,
    pub keys: Vec<String>,
    /// The input position it is passed at (`self` is 0 for methods).
    pub position: usize,
    pub calls: Vec<CallSite>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CallContext {
    pub keys: Vec<String>,
    pub span: Span,
    pub guards: Vec<GuardFact>,
    pub threads: Vec<ThreadFact>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileFacts {
    pub forks: Vec<ForkFact>,
    pub pre_execs: Vec<PreExecFact>,
    /// Locks of fields and statics, where taken (see `LockSite`).
    pub lock_sites: Vec<LockSite>,
    pub functions: Vec<FnFact>,
    /// fd creations lacking close-on-exec.
    pub fds_without_cloexec: Vec<FdCreationFact>,
    /// The file starts processes (fork, exec, Command, posix_spawn).
    pub starts_processes: bool,
    /// `Command::new(current_exe()..)`: the program runs itself again.
    pub reexecs: Vec<(FileId, Span)>,
    /// Closures stored into a struct field (`self.hook = Some(Box::new(||
    /// ..))`, `Spawner { hook: Box::new(|| ..) }`): the field and the calls
    /// the closure makes when it runs.
    pub field_closures: Vec<(FileId, String, Vec<CallSite>)>,
    /// Closures handed to the crate's functions (`launcher.before_exec(||
    /// ..)`): the callee's keys, the input position, and the calls the
    /// closure makes. A callee that stores that parameter in a field
    /// (`FnFact::param_fields`) makes it the field's closure.
    pub closure_args: Vec<ClosureArg>,
    /// Every fd-bearing value created in the file.
    pub fds: Vec<FdFact>,
    /// For `FdKind::Returned` descriptors: the keys of the function that returned it.
    pub returned_by: Vec<(FdId, Vec<String>)>,
    /// The fork wrappers (functions returning a fork's result) the walk
    /// knew: a call to another one needs the file walked again.
    pub wrappers_known: Vec<String>,
    pub fd_after_calls: Vec<FdAfterCall>,
    /// Keys of the entry points the walk left out (`Walker::defer_entries`):
    /// the analysis walks the file again if one of them turns out to matter.
    pub deferred_entries: Vec<Vec<String>>,
}
