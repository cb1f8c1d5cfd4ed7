//! `--format checkstyle`: Checkstyle's XML report, which reviewdog
//! (`-f=checkstyle`), Jenkins' Warnings plugin, Sonar and many review bots
//! read: `<checkstyle version>` holding one `<file name>` per file with
//! findings, each finding an `<error line column severity message source>`.

use std::collections::BTreeMap;

use super::xml_escape as esc;
use crate::diagnostic::Level;
use crate::Report;

pub fn render(report: &Report) -> String {
    let root = super::repo_root(report);
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &report.findings {
        let file = report.db.get(f.primary.file);
        let (line, column) = file.position(f.primary.span.start);
        let mut message = f.message.clone();
        if !f.primary.message.is_empty() {
            message.push_str(": ");
            message.push_str(&f.primary.message);
        }
        let severity = match f.level {
            Level::Deny => "error",
            _ => "warning",
        };
        by_file
            .entry(super::relative_path(report, &root, f.primary.file))
            .or_default()
            .push(format!(
                "    <error line=\"{line}\" column=\"{column}\" severity=\"{severity}\" message=\"{}\" source=\"forklint::{}\"/>\n",
                esc(&message),
                f.rule
            ));
    }
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (name, errors) in by_file {
        s.push_str(&format!("  <file name=\"{}\">\n", esc(&name)));
        for e in errors {
            s.push_str(&e);
        }
        s.push_str("  </file>\n");
    }
    s.push_str("</checkstyle>\n");
    s
}
