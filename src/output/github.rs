//! `--format github`: GitHub Actions workflow commands, which the runner
//! turns into annotations on the pull request's diff:
//! `::error file=F,line=L,endLine=L2,col=C,endColumn=C2,title=T::MESSAGE`.
//!
//! Escaping: in the message `%`, CR and LF become `%25`, `%0D`, `%0A`; in
//! property values `:` and `,` also (`%3A`, `%2C`), as they delimit
//! properties. Columns are only given for one-line spans: GitHub ignores
//! them across lines.

use crate::diagnostic::{Finding, Level};
use crate::Report;

pub fn render(report: &Report) -> String {
    let mut s = render_commands(report);
    // A plain log line, not a command: the same summary the human output ends with.
    s.push_str(&super::human::summary(report));
    s
}

/// The annotations alone (`-q`).
pub fn render_commands(report: &Report) -> String {
    let root = super::repo_root(report);
    let mut s = String::new();
    for f in &report.findings {
        s.push_str(&command(report, &root, f));
        s.push('\n');
    }
    s
}

fn command(report: &Report, root: &std::path::Path, f: &Finding) -> String {
    let file = report.db.get(f.primary.file);
    let (line, col) = file.position(f.primary.span.start);
    let (end_line, end_col) = file.position(f.primary.span.end.max(f.primary.span.start));
    let kind = match f.level {
        Level::Deny => "error",
        _ => "warning",
    };
    let mut props = vec![
        ("file", super::relative_path(report, root, f.primary.file)),
        ("line", line.to_string()),
        ("endLine", end_line.to_string()),
    ];
    if line == end_line {
        props.push(("col", col.to_string()));
        props.push(("endColumn", end_col.to_string()));
    }
    props.push(("title", format!("forklint::{}", f.rule)));
    let props: Vec<String> = props
        .into_iter()
        .map(|(k, v)| format!("{k}={}", escape_property(&v)))
        .collect();
    format!(
        "::{kind} {}::{}",
        props.join(","),
        escape_data(&message(report, root, f))
    )
}

/// The message, then the evidence with its locations, notes and help, one
/// per line (the annotation shows them all).
fn message(report: &Report, root: &std::path::Path, f: &Finding) -> String {
    let mut s = f.message.clone();
    if !f.primary.message.is_empty() {
        s.push_str(": ");
        s.push_str(&f.primary.message);
    }
    for l in &f.secondary {
        let (line, col) = report.db.get(l.file).position(l.span.start);
        let path = super::relative_path(report, root, l.file);
        s.push_str(&format!("\n{path}:{line}:{col}: {}", l.message));
    }
    for n in &f.notes {
        s.push_str(&format!("\nnote: {n}"));
    }
    if let Some(h) = &f.help {
        s.push_str(&format!("\nhelp: {h}"));
    }
    if let Some(sugg) = &f.suggestion {
        s.push_str(&format!("\nhelp: replace with `{}`", sugg.replacement));
    }
    s
}

pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }
}
