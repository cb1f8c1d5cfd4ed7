//! The rule registry: every rule's name, default level, one-line summary and
//! documentation (`rules/NAME.md`). Rule logic lives one rule per file; each
//! consumes the facts of `crate::analysis` and never walks the AST itself.

use crate::diagnostic::Level;

pub struct RuleMeta {
    pub name: &'static str,
    pub default_level: Level,
    pub summary: &'static str,
    /// The rule's documentation (What it does / Why is this bad / Example ...).
    pub doc: &'static str,
}

macro_rules! rule {
    ($name:literal, $level:ident, $summary:literal) => {
        RuleMeta {
            name: $name,
            default_level: Level::$level,
            summary: $summary,
            doc: include_str!(concat!("../../rules/", $name, ".md")),
        }
    };
}

/// Every rule forklint knows, in the order of the design's rule table.
pub static RULES: &[RuleMeta] = &[
    rule!(
        "lock_held_across_fork",
        Deny,
        "a lock guard of this thread is live at fork() and the child needs more than async-signal-safe calls"
    ),
    rule!(
        "fork_after_thread_spawn",
        Deny,
        "threads may be running at fork() and the child relies on something they own"
    ),
    rule!(
        "unsafe_call_in_child",
        Deny,
        "the child of a multithreaded process calls something not async-signal-safe before exec/_exit"
    ),
    rule!(
        "unsafe_call_in_pre_exec",
        Deny,
        "a pre_exec closure calls something not async-signal-safe"
    ),
    rule!(
        "global_state_in_child",
        Warn,
        "the child writes a global the parent reads afterwards: the parent never sees the write"
    ),
    rule!(
        "unused_suppression",
        Warn,
        "a forklint suppression that suppresses nothing, names an unknown rule or cannot be read"
    ),
    rule!(
        "parse_error",
        Warn,
        "a file could not be read or parsed, so it was not checked"
    ),
];

pub fn find(name: &str) -> Option<&'static RuleMeta> {
    let name = name.strip_prefix("forklint::").unwrap_or(name);
    RULES.iter().find(|r| r.name == name)
}

pub fn default_level(name: &str) -> Level {
    find(name).map_or(Level::Warn, |r| r.default_level)
}
