//! `--format gitlab`: GitLab's Code Quality report (a subset of the Code
//! Climate spec), for `artifacts: reports: codequality:` in `.gitlab-ci.yml`.
//!
//! The fields GitLab reads: a JSON array of issues, each with
//! `description`, `check_name`, `fingerprint` (unique per issue: GitLab
//! shows only one issue per fingerprint), `severity` (`info`, `minor`,
//! `major`, `critical` or `blocker`) and `location.path` (relative to the
//! repository root) with `location.lines.begin`. `type: "issue"` and
//! `categories` are Code Climate's, which GitLab accepts.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::diagnostic::{fingerprint, Level};
use crate::Report;

pub fn render(report: &Report) -> String {
    let root = super::repo_root(report);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let file = report.db.get(f.primary.file);
            let (line, column) = file.position(f.primary.span.start);
            let (end_line, end_column) = file.position(f.primary.span.end.max(f.primary.span.start));
            // Identical findings in one function share forklint's
            // fingerprint; GitLab needs one per issue.
            let base = fingerprint(&report.db, f);
            let n = seen.entry(base.clone()).or_insert(0);
            let unique = if *n == 0 { base } else { format!("{base}-{n}") };
            *n += 1;
            let mut description = f.message.clone();
            if !f.primary.message.is_empty() {
                description.push_str(": ");
                description.push_str(&f.primary.message);
            }
            json!({
                "type": "issue",
                "check_name": format!("forklint::{}", f.rule),
                "description": description,
                "categories": ["Bug Risk"],
                "severity": match f.level {
                    Level::Deny => "major",
                    _ => "minor",
                },
                "fingerprint": unique,
                "location": {
                    "path": super::relative_path(report, &root, f.primary.file),
                    "lines": {"begin": line, "end": end_line},
                    "positions": {
                        "begin": {"line": line, "column": column},
                        "end": {"line": end_line, "column": end_column},
                    },
                },
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
