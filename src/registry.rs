//! The rule registry: every rule's name, group, default level, one-line
//! summary and documentation (`rules/NAME.md`), and the levels and groups
//! themselves. It depends on nothing else in forklint, so the diagnostics,
//! the configuration and the outputs can name rules without reaching the
//! analysis (the rules' logic is in `crate::rules`).

use serde::{Deserialize, Serialize};

/// A rule's level, as configured. `Allow` findings are never reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" | "warning" => Some(Level::Warn),
            "deny" | "error" => Some(Level::Deny),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warning",
            Level::Deny => "error",
        }
    }
}

/// A lint group, as clippy's: it sets the default level of the rules (or the
/// kinds of finding within a rule) that belong to it. `correctness`: the
/// hazard happens on the normal path whenever it runs, with the evidence
/// shown; `suspicious`: a real violation whose harm depends on timing,
/// platform or a failure first; `pedantic`: true by the letter, rarely
/// harmful, opt-in.
/// Ordered strongest first: `Correctness < Suspicious < Pedantic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Correctness,
    Suspicious,
    Pedantic,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Correctness, Group::Suspicious, Group::Pedantic];

    pub const fn default_level(self) -> Level {
        match self {
            Group::Correctness => Level::Deny,
            Group::Suspicious => Level::Warn,
            Group::Pedantic => Level::Allow,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Correctness => "correctness",
            Group::Suspicious => "suspicious",
            Group::Pedantic => "pedantic",
        }
    }

    pub fn parse(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.as_str() == name)
    }
}

pub struct RuleMeta {
    pub name: &'static str,
    /// The group of the rule's findings (a rule may file some kinds of
    /// finding under another group: its doc says which and why).
    pub group: Group,
    /// The group's default level.
    pub default_level: Level,
    pub summary: &'static str,
    /// The rule's documentation (What it does / Why is this bad / Example ...).
    pub doc: &'static str,
}

macro_rules! rule {
    ($name:literal, $group:ident, $summary:literal) => {
        RuleMeta {
            name: $name,
            group: Group::$group,
            default_level: Group::$group.default_level(),
            summary: $summary,
            doc: include_str!(concat!("../rules/", $name, ".md")),
        }
    };
}

/// Every rule forklint knows, in the order of the design's rule table.
pub static RULES: &[RuleMeta] = &[
    rule!(
        "lock_held_across_fork",
        Correctness,
        "a lock guard of this thread is live at fork() and the child needs more than async-signal-safe calls"
    ),
    rule!(
        "fork_after_thread_spawn",
        Correctness,
        "threads may be running at fork() and the child relies on something they own"
    ),
    rule!(
        "unsafe_call_in_child",
        Correctness,
        "the child of a multithreaded process calls something not async-signal-safe before exec/_exit"
    ),
    rule!(
        "unsafe_call_in_pre_exec",
        Correctness,
        "a pre_exec closure calls something not async-signal-safe"
    ),
    rule!(
        "global_state_in_child",
        Suspicious,
        "the child writes a global the parent reads afterwards: the parent never sees the write"
    ),
    rule!(
        "child_escapes_fork_branch",
        Correctness,
        "the child returns, breaks, falls through or exit()s into code the parent runs too"
    ),
    rule!(
        "child_may_unwind",
        Pedantic,
        "the child can panic or `?`-return into the parent's code, once a call in it failed"
    ),
    rule!(
        "unknown_call_in_child",
        Pedantic,
        "a call in a forked child or pre_exec hook that forklint cannot judge (no table entry, no source)"
    ),
    rule!(
        "unflushed_output_at_fork",
        Suspicious,
        "output still in a buffer at fork() is printed by both processes"
    ),
    rule!(
        "vfork_misuse",
        Correctness,
        "after vfork() the child does something other than exec or _exit"
    ),
    rule!(
        "fd_without_cloexec",
        Suspicious,
        "a raw fd is created without close-on-exec in a program that starts processes"
    ),
    rule!(
        "shared_file_offset",
        Suspicious,
        "parent and child both read, write or seek a file opened before fork(): they share one offset"
    ),
    rule!(
        "pipe_end_left_open",
        Correctness,
        "after fork() a process reads a pipe to EOF while it still holds the pipe's write end"
    ),
    rule!(
        "unused_suppression",
        Suspicious,
        "a forklint suppression that suppresses nothing, names an unknown rule or cannot be read"
    ),
    rule!(
        "parse_error",
        Suspicious,
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

pub fn group_of(name: &str) -> Group {
    find(name).map_or(Group::Suspicious, |r| r.group)
}

/// A name `-A/-W/-D` and `[levels]` accept: a rule, a group, or `warnings`.
pub fn is_level_name(name: &str) -> bool {
    let name = name.strip_prefix("forklint::").unwrap_or(name);
    name == "warnings" || find(name).is_some() || Group::parse(name).is_some()
}
