//! Fixes, kept apart from detection (as oxc and biome do): the rules say
//! what is wrong; this module computes, from a finding's rule and the
//! source text of its primary span, the edit that repairs it when the
//! repair is mechanical, with rustc's applicability:
//!
//! * `fd_without_cloexec`: the close-on-exec variant of the call
//!   (`pipe` -> `pipe2(.., O_CLOEXEC)`, `dup` -> `fcntl(F_DUPFD_CLOEXEC)`,
//!   `O_CLOEXEC`/`SOCK_CLOEXEC`/`EFD_CLOEXEC` added to the flags) -
//!   machine-applicable;
//! * `child_escapes_fork_branch` at `std::process::exit(n)`:
//!   `unsafe { libc::_exit(n) }` - machine-applicable;
//! * `unsafe_call_in_pre_exec` at `io::Error::new(..)`/`other(..)`:
//!   `io::Error::last_os_error()` - maybe incorrect (the message is lost);
//! * `unsafe_call_in_child` at `CString::new(..)`/`format!(..)`: the value
//!   built before the fork - maybe incorrect (it is computed earlier).
//!
//! `apply` is `--fix`: it writes only machine-applicable edits.

pub mod apply;
mod call;

use crate::diagnostic::{Finding, Suggestion};
use crate::source::SourceDb;
use call::Call;

/// Gives every finding that has none the suggestion this module knows.
pub fn attach(db: &SourceDb, findings: &mut [Finding]) {
    for f in findings.iter_mut().filter(|f| f.suggestion.is_none()) {
        f.suggestion = suggest(db, f);
    }
}

/// The suggestion for one finding, if its repair is mechanical.
pub fn suggest(db: &SourceDb, f: &Finding) -> Option<Suggestion> {
    let file = db.files.get(f.primary.file)?;
    let text = file.text();
    let span = f.primary.span.clone();
    let code = text.get(span.clone())?;
    let (replacement, machine_applicable) = match f.rule {
        "fd_without_cloexec" => (cloexec(code, &resolved_callee(&f.message))?, true),
        "child_escapes_fork_branch" => (exit_in_child(code)?, true),
        "unsafe_call_in_pre_exec" => (io_error(code)?, false),
        "unsafe_call_in_child" => return hoist(db, f, code),
        _ => return None,
    };
    Some(Suggestion {
        span,
        replacement,
        machine_applicable,
    })
}

/// The callee's full path as the analysis resolved it: the first
/// backticked word of the message (`libc::pipe`, `nix::unistd::pipe`).
fn resolved_callee(message: &str) -> String {
    message.split('`').nth(1).unwrap_or("").to_string()
}

/// `a` as an operand of `|`: parenthesized unless it is a plain path,
/// call or literal.
fn operand(a: &str) -> String {
    let plain = a
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '.' | '(' | ')' | '"' | '/'));
    if plain {
        a.to_string()
    } else {
        format!("({a})")
    }
}

fn cloexec(code: &str, resolved: &str) -> Option<String> {
    let call = Call::parse(code)?;
    let nix = resolved.starts_with("nix::") || call.callee.starts_with("nix::");
    // Another crate's wrapper (rustix's `dup`, `socket`, `eventfd`) takes
    // other types: neither libc's nor nix's variant fits it.
    if !nix && !resolved.starts_with("libc::") && !call.callee.starts_with("libc::") {
        return None;
    }
    let args = &call.args;
    let with_flag = |i: usize, flag: &str| {
        let mut a: Vec<String> = args.clone();
        a[i] = format!("{} | {flag}", operand(&args[i]));
        format!("{}({})", call.callee, a.join(", "))
    };
    match (call.name(), nix, args.len()) {
        ("pipe", false, 1) => Some(format!("{}pipe2({}, libc::O_CLOEXEC)", call.prefix(), args[0])),
        ("pipe", true, 0) => Some("nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)".into()),
        ("dup", false, 1) => Some(format!("libc::fcntl({}, libc::F_DUPFD_CLOEXEC, 0)", args[0])),
        ("socket", false, 3) => Some(with_flag(1, "libc::SOCK_CLOEXEC")),
        ("socket", true, 4) => Some(with_flag(2, "nix::sys::socket::SockFlag::SOCK_CLOEXEC")),
        ("eventfd", false, 2) => Some(with_flag(1, "libc::EFD_CLOEXEC")),
        ("eventfd", true, 2) => Some(with_flag(1, "nix::sys::eventfd::EfdFlags::EFD_CLOEXEC")),
        ("open", false, 2 | 3) => Some(with_flag(1, "libc::O_CLOEXEC")),
        ("open", true, 3) => Some(with_flag(1, "nix::fcntl::OFlag::O_CLOEXEC")),
        _ => None,
    }
}

/// `std::process::exit(n)` (or `process::exit`, `exit`) in a child.
fn exit_in_child(code: &str) -> Option<String> {
    let call = Call::parse(code)?;
    let is_exit = call.name() == "exit"
        && matches!(
            call.callee.as_str(),
            "std::process::exit" | "process::exit" | "::std::process::exit" | "exit"
        );
    (is_exit && call.args.len() == 1).then(|| format!("unsafe {{ libc::_exit({}) }}", call.args[0]))
}

/// `io::Error::new(kind, msg)` / `io::Error::other(msg)` in a pre_exec
/// hook: allocates; `last_os_error()` reads errno and does not.
fn io_error(code: &str) -> Option<String> {
    let call = Call::parse(code)?;
    let prefix = call
        .callee
        .strip_suffix("::new")
        .or_else(|| call.callee.strip_suffix("::other"))?;
    prefix
        .ends_with("Error")
        .then(|| format!("{prefix}::last_os_error()"))
}

/// A `CString::new(..)` or `format!(..)` in the child, built before the
/// fork instead: one edit from the start of the fork's line to the end of
/// the call, which inserts `let forklint_hoisted_LINE = CALL;` above the
/// fork and uses it where the call was.
fn hoist(db: &SourceDb, f: &Finding, code: &str) -> Option<Suggestion> {
    let hoistable =
        code.starts_with("format!(") || Call::parse(code).is_some_and(|c| c.callee.ends_with("CString::new"));
    if !hoistable {
        return None;
    }
    let fork = f.secondary.iter().find(|l| {
        l.file == f.primary.file && l.message == "forked here" && l.span.end <= f.primary.span.start
    })?;
    let file = db.get(f.primary.file);
    let text = file.text();
    let (fork_line, _) = file.position(fork.span.start);
    let line_start = file.line_range(fork_line - 1).start;
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let (line, _) = file.position(f.primary.span.start);
    let name = format!("forklint_hoisted_{line}");
    let between = &text[line_start..f.primary.span.start];
    Some(Suggestion {
        span: line_start..f.primary.span.end,
        replacement: format!("{indent}let {name} = {code};\n{between}{name}"),
        machine_applicable: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_on_exec_variants() {
        let t = |code: &str, resolved: &str| cloexec(code, resolved);
        assert_eq!(
            t("libc::pipe(fds.as_mut_ptr())", "libc::pipe").as_deref(),
            Some("libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC)")
        );
        assert_eq!(
            t("pipe()", "nix::unistd::pipe").as_deref(),
            Some("nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)")
        );
        assert_eq!(
            t("libc::dup(2)", "libc::dup").as_deref(),
            Some("libc::fcntl(2, libc::F_DUPFD_CLOEXEC, 0)")
        );
        assert_eq!(
            t(
                "libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0)",
                "libc::socket"
            )
            .as_deref(),
            Some("libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0)")
        );
        assert_eq!(
            t("open(\"/a,b\", OFlag::O_RDONLY | OFlag::O_APPEND, Mode::empty())", "nix::fcntl::open").as_deref(),
            Some("open(\"/a,b\", (OFlag::O_RDONLY | OFlag::O_APPEND) | nix::fcntl::OFlag::O_CLOEXEC, Mode::empty())")
        );
        assert_eq!(t("libc::dup2(a, b)", "libc::dup2"), None, "no mechanical fix");
        assert_eq!(
            t("open(path, flags)", "libc::open").as_deref(),
            Some("open(path, flags | libc::O_CLOEXEC)"),
            "imported from libc"
        );
        // rustix's calls of the same names take rustix's types.
        assert_eq!(t("rustix::io::dup(&file)", "rustix::io::dup"), None);
        assert_eq!(t("dup(&file)", "rustix::io::dup"), None);
        assert_eq!(
            t(
                "rustix::fs::open(path, OFlags::RDONLY, Mode::empty())",
                "rustix::fs::open"
            ),
            None
        );
    }

    #[test]
    fn exit_and_io_error() {
        assert_eq!(
            exit_in_child("std::process::exit(code + 1)").as_deref(),
            Some("unsafe { libc::_exit(code + 1) }")
        );
        assert_eq!(exit_in_child("my::exit(1)"), None);
        assert_eq!(
            io_error("io::Error::new(io::ErrorKind::Other, \"setsid failed\")").as_deref(),
            Some("io::Error::last_os_error()")
        );
        assert_eq!(
            io_error("std::io::Error::other(format!(\"x\"))").as_deref(),
            Some("std::io::Error::last_os_error()")
        );
        assert_eq!(io_error("Vec::new()"), None);
    }
}
