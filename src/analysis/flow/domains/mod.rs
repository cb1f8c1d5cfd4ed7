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
pub(super) use self::locks::LiveGuard;
pub(super) use self::output::*;
pub(super) use self::processes::ForkCtx;
pub(super) use self::threads::{thread_context, thread_what, LiveThread};

/// A domain's slice of the walk's `State`: joined where paths meet, and
/// compared to tell whether a loop's second walk changed anything.
pub(super) trait Lattice {
    fn join(&mut self, other: Self);
    fn same(&self, other: &Self) -> bool;
}
