//! `--format junit`: a JUnit XML report, which GitLab (`artifacts: reports:
//! junit:`), Jenkins, Azure Pipelines and most CI systems show as test
//! results. As ruff does it: one `<testsuite>` per file with findings, one
//! `<testcase>` per finding with a `<failure>` (`classname` the file, `name`
//! the rule and position); a clean run is one passing test case.

use std::collections::BTreeMap;

use super::xml_escape as esc;
use crate::Report;

pub fn render(report: &Report) -> String {
    let root = super::repo_root(report);
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &report.findings {
        let file = report.db.get(f.primary.file);
        let path = super::relative_path(report, &root, f.primary.file);
        let (line, column) = file.position(f.primary.span.start);
        let mut body = format!("{path}:{line}:{column}: {}", f.message);
        if !f.primary.message.is_empty() {
            body.push_str(&format!(": {}", f.primary.message));
        }
        for n in &f.notes {
            body.push_str(&format!("\nnote: {n}"));
        }
        if let Some(h) = &f.help {
            body.push_str(&format!("\nhelp: {h}"));
        }
        let case = format!(
            "    <testcase classname=\"{}\" name=\"forklint::{} at {line}:{column}\" file=\"{}\" line=\"{line}\" time=\"0\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
            esc(&path),
            f.rule,
            esc(&path),
            f.level.as_str(),
            esc(&f.message),
            esc(&body),
        );
        by_file.entry(path).or_default().push(case);
    }
    let total = report.findings.len();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"forklint\" tests=\"{}\" failures=\"{total}\" errors=\"0\" time=\"0\">\n",
        total.max(1)
    ));
    if by_file.is_empty() {
        s.push_str("  <testsuite name=\"forklint\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0\">\n");
        s.push_str("    <testcase classname=\"forklint\" name=\"no fork-safety hazards\" time=\"0\"/>\n");
        s.push_str("  </testsuite>\n");
    }
    for (path, cases) in by_file {
        s.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
            esc(&path),
            n = cases.len()
        ));
        for c in cases {
            s.push_str(&c);
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}
