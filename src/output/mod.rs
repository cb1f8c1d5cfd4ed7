//! Every output format lives here, and only here.

pub mod human;
pub mod json;

use std::io::Write;

use crate::cli::{ColorChoice, Format};
use crate::rules::RULES;
use crate::Report;

/// Writes the report to stdout in the chosen format.
pub fn emit(
    report: &Report,
    format: Format,
    _message_format: Option<&str>,
    color: ColorChoice,
) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let text = match format {
        Format::Human => human::render(report, color_enabled(color)),
        Format::Json => json::render(report),
        Format::Short | Format::Sarif | Format::Github => {
            return Err(format!("output format {format:?} is not implemented yet"));
        }
    };
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

fn color_enabled(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// `cargo forklint rules`.
pub fn rules_table() -> String {
    let mut s = String::new();
    for r in RULES {
        s.push_str(&format!(
            "{:<26} {:<5} {}\n",
            r.name,
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
