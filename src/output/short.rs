//! `--format short`: one line per finding, in rustc's short form
//! (`path:line:col: level[forklint::NAME]: message: label`), which editors'
//! and CI problem matchers already parse.

use crate::diagnostic::Finding;
use crate::Report;

/// One finding as a line, without the newline.
pub fn line(report: &Report, f: &Finding) -> String {
    let file = report.db.get(f.primary.file);
    let (line, col) = file.position(f.primary.span.start);
    let mut s = format!(
        "{}:{line}:{col}: {}[forklint::{}]: {}",
        file.display,
        f.level.as_str(),
        f.rule,
        f.message
    );
    // rustc appends the primary label the same way.
    if !f.primary.message.is_empty() {
        s.push_str(": ");
        s.push_str(&f.primary.message);
    }
    // A finding is one line: a newline in a message would start a bogus one.
    s.replace(['\r', '\n'], " ")
}

pub fn render(report: &Report) -> String {
    let mut s = String::new();
    for f in &report.findings {
        s.push_str(&line(report, f));
        s.push('\n');
    }
    s
}
