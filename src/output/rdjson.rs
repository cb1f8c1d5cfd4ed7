//! `--format rdjson`: reviewdog's Diagnostic Format, the `DiagnosticResult`
//! message as JSON (`reviewdog -f=rdjson`), with suggestions reviewdog
//! turns into suggested changes on the pull request.
//!
//! Positions: 1-based lines, and columns that count UTF-8 bytes from 1
//! (reviewdog's definition, unlike the other formats' characters); ranges
//! end exclusively.

use serde_json::{json, Value};

use crate::diagnostic::Level;
use crate::source::FileId;
use crate::Report;

pub fn render(report: &Report) -> String {
    let root = super::repo_root(report);
    let diagnostics: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut message = f.message.clone();
            if !f.primary.message.is_empty() {
                message.push_str(": ");
                message.push_str(&f.primary.message);
            }
            if let Some(h) = &f.help {
                message.push_str(&format!("\nhelp: {h}"));
            }
            let mut d = json!({
                "message": message,
                "location": {
                    "path": super::relative_path(report, &root, f.primary.file),
                    "range": range(report, f.primary.file, &f.primary.span),
                },
                "severity": match f.level {
                    Level::Deny => "ERROR",
                    _ => "WARNING",
                },
                "code": {
                    "value": format!("forklint::{}", f.rule),
                    "url": format!("{}/blob/main/rules/{}.md", env!("CARGO_PKG_REPOSITORY"), f.rule),
                },
            });
            if let Some(s) = &f.suggestion {
                d["suggestions"] = json!([{
                    "range": range(report, f.primary.file, &s.span),
                    "text": s.replacement,
                }]);
            }
            d
        })
        .collect();
    let result = json!({
        "source": {"name": "forklint", "url": env!("CARGO_PKG_REPOSITORY")},
        "diagnostics": diagnostics,
    });
    let mut s = serde_json::to_string_pretty(&result).unwrap_or_default();
    s.push('\n');
    s
}

/// A byte span as reviewdog's range: lines from 1, byte columns from 1.
fn range(report: &Report, id: FileId, span: &std::ops::Range<usize>) -> Value {
    let file = report.db.get(id);
    let pos = |byte: usize| {
        let byte = file.clamp(byte);
        let (line, _) = file.position(byte);
        let start = file.line_range(line - 1).start;
        json!({"line": line, "column": byte - start + 1})
    };
    json!({"start": pos(span.start), "end": pos(span.end.max(span.start))})
}
