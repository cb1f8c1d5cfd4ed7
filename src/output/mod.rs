//! Every output format lives here, and only here.

pub mod check;
pub mod checkstyle;
pub mod confirm;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub use crate::progress;
pub mod rdjson;
pub mod rustc_json;
pub mod sarif;
pub mod short;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{ColorChoice, Format};
use crate::rules::RULES;
use crate::source::FileId;
use crate::Report;

/// What to print, once `--format` and `--message-format` are reconciled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selected {
    Format(Format),
    /// cargo's JSON messages (`--message-format json...`).
    Cargo(CargoJson),
}

/// The variants of cargo's `--message-format json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CargoJson {
    /// `json-diagnostic-rendered-ansi`: `rendered` carries ANSI colours.
    pub ansi: bool,
    /// `json-diagnostic-short`: `rendered` is the one-line short form.
    pub short: bool,
    /// `json-render-diagnostics`: diagnostics are rendered to stderr and
    /// only the other messages are JSON.
    pub render_diagnostics: bool,
}

/// Reconciles `--format` with cargo's `--message-format` (which may repeat
/// and take comma-separated values, as cargo's does).
pub fn select(format: Option<Format>, message_format: &[String]) -> Result<Selected, String> {
    let mut from_message: Option<Selected> = None;
    let mut json = CargoJson::default();
    let mut is_json = false;
    for value in message_format.iter().flat_map(|v| v.split(',')).map(str::trim) {
        match value {
            "human" => from_message = Some(Selected::Format(Format::Human)),
            "short" => from_message = Some(Selected::Format(Format::Short)),
            "json" => is_json = true,
            "json-diagnostic-short" => (is_json, json.short) = (true, true),
            "json-diagnostic-rendered-ansi" => (is_json, json.ansi) = (true, true),
            "json-render-diagnostics" => (is_json, json.render_diagnostics) = (true, true),
            other => {
                return Err(format!(
                    "invalid --message-format value `{other}` (expected human, short, json, \
                     json-diagnostic-short, json-diagnostic-rendered-ansi or json-render-diagnostics)"
                ))
            }
        }
    }
    if is_json {
        if from_message.is_some() {
            return Err("--message-format: human or short cannot be combined with json".into());
        }
        from_message = Some(Selected::Cargo(json));
    }
    match (format, from_message) {
        (None, None) => Ok(Selected::Format(Format::Human)),
        (Some(f), None) => Ok(Selected::Format(f)),
        (None, Some(m)) => Ok(m),
        (Some(f), Some(m)) if Selected::Format(f) == m => Ok(m),
        (Some(f), Some(_)) => Err(format!(
            "--format {} conflicts with --message-format {}",
            format_name(f),
            message_format.join(",")
        )),
    }
}

use crate::cli::format_name;

/// Renders the whole report in the selected format, as written to stdout
/// (cargo JSON ends with its `build-finished` line).
pub fn render(report: &Report, selected: Selected, color: bool) -> String {
    match selected {
        Selected::Format(Format::Human) => human::render(report, color),
        Selected::Format(Format::Short) => short::render(report),
        Selected::Format(Format::Json) => json::render(report),
        Selected::Format(Format::Sarif) => sarif::render(report),
        Selected::Format(Format::Github) => github::render(report),
        Selected::Format(Format::Gitlab) => gitlab::render(report),
        Selected::Format(Format::Junit) => junit::render(report),
        Selected::Format(Format::Checkstyle) => checkstyle::render(report),
        Selected::Format(Format::Rdjson) => rdjson::render(report),
        Selected::Cargo(style) => {
            let mut s = rustc_json::render(report, style);
            s.push_str(&rustc_json::build_finished(report.exit_code() == 0));
            s
        }
    }
}

/// Writes the report to stdout in the chosen format. With
/// `json-render-diagnostics` the rendered diagnostics go to stderr, as
/// cargo does it.
pub fn emit(report: &Report, selected: Selected, color: ColorChoice, quiet: bool) -> Result<(), String> {
    if let Selected::Cargo(CargoJson {
        render_diagnostics: true,
        ..
    }) = selected
    {
        eprint!(
            "{}",
            human::render(report, color_enabled(color, std::io::stderr()))
        );
    }
    let color = color_enabled(color, std::io::stdout());
    // `-q`: the findings only, without the summary line.
    let text = match selected {
        Selected::Format(Format::Human) if quiet => human::render_findings(report, color),
        Selected::Format(Format::Github) if quiet => github::render_commands(report),
        Selected::Format(Format::Human) => {
            human::render_findings(report, color) + &human::summary_with_rules(report)
        }
        Selected::Format(Format::Github) => {
            github::render_commands(report) + &human::summary_with_rules(report)
        }
        _ => render(report, selected, color),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())
}

/// `--color`, else cargo's `CARGO_TERM_COLOR` (what `cargo forklint`
/// users set for cargo), else auto.
pub fn color_choice(flag: Option<ColorChoice>) -> ColorChoice {
    flag.unwrap_or_else(|| match std::env::var("CARGO_TERM_COLOR").as_deref() {
        Ok("always") => ColorChoice::Always,
        Ok("never") => ColorChoice::Never,
        _ => ColorChoice::Auto,
    })
}

/// `--color auto` colours a terminal unless `NO_COLOR` is set or the
/// terminal is `dumb`.
pub fn color_enabled(choice: ColorChoice, stream: impl std::io::IsTerminal) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream.is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// The root that rustc-style paths are relative to: the cargo workspace
/// root (where cargo runs rustc), else the working directory.
pub fn root(report: &Report) -> PathBuf {
    report
        .db
        .workspace_root
        .clone()
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_default())
}

/// The repository root for SARIF and GitHub annotations, which want
/// repository-relative paths: the nearest ancestor of [`root`] holding
/// `.git` (a directory, or a file in a worktree), else [`root`] itself.
pub fn repo_root(report: &Report) -> PathBuf {
    let start = root(report);
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map_or_else(|| start.clone(), Path::to_path_buf)
}

/// A file's absolute path (relative paths are taken from the working
/// directory, where forklint read them).
pub use crate::source::absolute;

/// A file's path relative to `root` with `/` separators, or its absolute
/// path when it lies outside `root`.
pub fn relative_path(report: &Report, root: &Path, file: FileId) -> String {
    let abs = absolute(&report.db.get(file).path);
    let rel = abs.strip_prefix(root).unwrap_or(&abs);
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if rel.is_absolute() {
        rel.display().to_string()
    } else {
        parts.join("/")
    }
}

/// Text for an XML attribute or element: the five markup characters
/// escaped, and the control characters XML 1.0 cannot hold at all
/// dropped (a message quoting odd source must not break the report).
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `cargo forklint rules`.
pub fn rules_table() -> String {
    let mut s = String::new();
    for r in RULES {
        s.push_str(&format!(
            "{:<26} {:<11} {:<5} {}\n",
            r.name,
            r.group.as_str(),
            level_name(r.default_level),
            r.summary
        ));
    }
    s
}

/// The level as a user writes it in `-A/-W/-D` and config.
pub fn level_name(level: crate::diagnostic::Level) -> &'static str {
    match level {
        crate::diagnostic::Level::Allow => "allow",
        crate::diagnostic::Level::Warn => "warn",
        crate::diagnostic::Level::Deny => "deny",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mf(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn message_format_values_combine_like_cargo() {
        assert_eq!(select(None, &[]), Ok(Selected::Format(Format::Human)));
        assert_eq!(
            select(None, &mf(&["json-diagnostic-rendered-ansi"])),
            Ok(Selected::Cargo(CargoJson {
                ansi: true,
                ..CargoJson::default()
            }))
        );
        assert_eq!(
            select(
                None,
                &mf(&["json,json-diagnostic-short", "json-diagnostic-rendered-ansi"])
            ),
            Ok(Selected::Cargo(CargoJson {
                ansi: true,
                short: true,
                render_diagnostics: false
            }))
        );
        assert_eq!(select(None, &mf(&["short"])), Ok(Selected::Format(Format::Short)));
        assert_eq!(
            select(Some(Format::Short), &mf(&["short"])),
            Ok(Selected::Format(Format::Short))
        );
        assert!(select(None, &mf(&["xml"])).unwrap_err().contains("`xml`"));
        assert!(select(Some(Format::Sarif), &mf(&["json"])).is_err());
        assert!(select(None, &mf(&["short,json"])).is_err());
    }
}
