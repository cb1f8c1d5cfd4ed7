//! `--with-check`: also runs `cargo check` with the cargo flags forklint
//! was given and forwards its JSON lines, so an editor whose check command
//! is forklint keeps rustc's own errors. cargo's `build-finished` line is
//! held back: one `build-finished` ends the combined stream.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

use super::{rustc_json, Selected};
use crate::Report;

/// A running `cargo check` whose stdout is being forwarded.
pub struct Check {
    child: Child,
    /// Yields cargo's `build-finished` success, if it printed one.
    forwarder: JoinHandle<Option<bool>>,
}

/// Starts `cargo check` when `--with-check` asks for it. It needs cargo's
/// JSON message format: the forwarded lines are JSON.
pub fn start(with_check: bool, selected: Selected, cargo_args: Vec<String>) -> Result<Option<Check>, String> {
    if !with_check {
        return Ok(None);
    }
    if !matches!(selected, Selected::Cargo(_)) {
        return Err("--with-check needs --message-format json (or another json variant)".into());
    }
    // cargo sets $CARGO for the subcommands it runs: use the same cargo.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(&cargo)
        .args(&cargo_args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run `{} {}`: {e}",
                cargo.to_string_lossy(),
                cargo_args.join(" ")
            )
        })?;
    let stdout = child.stdout.take().ok_or("cargo check has no stdout")?;
    let forwarder = std::thread::spawn(move || {
        let mut success = None;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(ok) = build_finished(&line) {
                success = Some(ok);
                continue;
            }
            // One write per line under the lock: lines never interleave
            // with forklint's own.
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                break;
            }
        }
        success
    });
    Ok(Some(Check { child, forwarder }))
}

/// `Some(success)` if the line is cargo's `build-finished` message.
fn build_finished(line: &str) -> Option<bool> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    (v.get("reason")?.as_str()? == "build-finished").then(|| v.get("success")?.as_bool())?
}

impl Check {
    /// Waits for cargo check to end; true if it built.
    pub fn finish(mut self) -> bool {
        let forwarded = self.forwarder.join().ok().flatten();
        let status = self.child.wait().map(|s| s.success()).unwrap_or(false);
        forwarded.unwrap_or(status) && status
    }
}

/// Prints forklint's messages, waits for cargo check, then prints the one
/// `build-finished` line. Returns whether cargo check succeeded.
pub fn emit_with(report: &Report, selected: Selected, check: Check) -> Result<bool, String> {
    let Selected::Cargo(style) = selected else {
        return Err("--with-check needs cargo JSON output".into());
    };
    let write = |text: &str| {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())
    };
    if style.render_diagnostics {
        eprint!("{}", super::human::render(report, false));
    }
    write(&rustc_json::render(report, style))?;
    let check_ok = check.finish();
    write(&rustc_json::build_finished(check_ok && report.exit_code() == 0))?;
    Ok(check_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_build_finished_lines_are_held_back() {
        assert_eq!(
            build_finished(r#"{"reason":"build-finished","success":false}"#),
            Some(false)
        );
        assert_eq!(
            build_finished(r#"{"reason":"build-finished","success":true}"#),
            Some(true)
        );
        assert_eq!(
            build_finished(r#"{"reason":"compiler-message","success":true}"#),
            None
        );
        assert_eq!(build_finished("Compiling foo"), None);
    }
}
