//! rustc-style rendering through codespan-reporting.

use codespan_reporting::diagnostic::{Diagnostic, Label as CsLabel, Severity};
use codespan_reporting::term::{self, Config};

use crate::diagnostic::{Finding, Level};
use crate::Report;

pub fn to_codespan(f: &Finding) -> Diagnostic<usize> {
    let severity = match f.level {
        Level::Deny => Severity::Error,
        _ => Severity::Warning,
    };
    let mut labels =
        vec![CsLabel::primary(f.primary.file, f.primary.span.clone()).with_message(&f.primary.message)];
    for l in &f.secondary {
        labels.push(CsLabel::secondary(l.file, l.span.clone()).with_message(&l.message));
    }
    let mut notes: Vec<String> = f.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(h) = &f.help {
        notes.push(format!("help: {h}"));
    }
    if let Some(sugg) = &f.suggestion {
        notes.push(format!("help: replace with `{}`", sugg.replacement));
    }
    if crate::rules::find(f.rule).is_some() {
        notes.push(format!("note: `cargo forklint explain {}` for details", f.rule));
    }
    Diagnostic::new(severity)
        .with_message(&f.message)
        .with_code(format!("forklint::{}", f.rule))
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders one finding, with ANSI colour or without (the UI test's .stderr
/// files and the `rendered` field of cargo JSON use this).
pub fn render_finding(report: &Report, f: &Finding, color: bool) -> String {
    let config = Config::default();
    // codespan needs every label inside a line of its file: one on the BOM
    // (such as 0..0, "this file") moves to where line 1 starts.
    let mut f = f.clone();
    for label in std::iter::once(&mut f.primary).chain(&mut f.secondary) {
        if let Some(file) = report.db.files.get(label.file) {
            label.span = file.span_in_lines(&label.span);
        }
    }
    let diag = to_codespan(&f);
    if color {
        let mut buf = termcolor_buffer();
        let _ = term::emit_to_write_style(&mut buf, &config, &report.db, &diag);
        String::from_utf8_lossy(buf.as_slice()).into_owned()
    } else {
        term::emit_into_string(&config, &report.db, &diag).unwrap_or_default()
    }
}

fn termcolor_buffer() -> term::termcolor::Buffer {
    term::termcolor::Buffer::ansi()
}

pub fn render(report: &Report, color: bool) -> String {
    let mut s = render_findings(report, color);
    s.push_str(&summary(report));
    s
}

/// Every finding, without the summary (`-q`).
pub fn render_findings(report: &Report, color: bool) -> String {
    let mut s = String::new();
    for f in &report.findings {
        s.push_str(&render_finding(report, f, color));
    }
    s
}

/// `3 errors, 2 warnings in 41 files`.
pub fn summary(report: &Report) -> String {
    summary_line(report, false)
}

/// The summary the command line prints:
/// `3 errors, 2 warnings in 41 files: 3 lock_held_across_fork, 2 parse_error`.
/// (The rendered fixtures and snapshots keep the plain [`summary`].)
pub fn summary_with_rules(report: &Report) -> String {
    summary_line(report, true)
}

fn summary_line(report: &Report, with_rules: bool) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut per_rule: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for f in &report.findings {
        *per_rule.entry(f.rule).or_default() += 1;
    }
    let rules = if per_rule.is_empty() || !with_rules {
        String::new()
    } else {
        let mut counts: Vec<(&str, usize)> = per_rule.into_iter().collect();
        // Most frequent first, as ruff's statistics.
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
        format!(": {}", parts.join(", "))
    };
    let mut s = format!(
        "{}, {} in {}{rules}\n",
        plural(report.count(Level::Deny), "error"),
        plural(report.count(Level::Warn), "warning"),
        plural(report.files_checked, "file")
    );
    if report.baselined > 0 {
        s.push_str(&format!("{} baselined\n", plural(report.baselined, "finding")));
    }
    s
}
