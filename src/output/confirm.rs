//! `cargo forklint confirm` output: the table and the JSON report of the
//! runtime harness (its data model is `crate::harness::report`).

use crate::harness::report::ConfirmReport;

/// The JSON report: one object, then a newline.
pub fn render_json(report: &ConfirmReport) -> String {
    let mut s = serde_json::to_string(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// The table, then what went wrong with each fixture that failed.
pub fn render_human(report: &ConfirmReport) -> String {
    let header = ["fixture", "rule", "static", "expected", "observed", "verdict"];
    let rows: Vec<[String; 6]> = report
        .fixtures
        .iter()
        .map(|f| {
            let (expected, observed) = match &f.runtime {
                Some(r) => (r.expected.clone(), format!("{}/{}", r.observed, r.runs)),
                None => ("-".into(), "-".into()),
            };
            [
                f.fixture.clone(),
                f.rule.clone(),
                f.static_check.verdict.to_string(),
                expected,
                observed,
                f.verdict.as_str().to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&header.map(String::from));
    for row in &rows {
        out.push_str(&line(row));
    }

    for f in report.fixtures.iter().filter(|f| !f.passed()) {
        out.push_str(&format!(
            "\n{}: {}, static annotations {}\n",
            f.fixture,
            f.verdict.as_str(),
            f.static_check.verdict
        ));
        for p in &f.problems {
            out.push_str(&format!("  {p}\n"));
        }
        for m in &f.static_check.missing {
            out.push_str(&format!("  static: missing {} on line {}\n", m.rule, m.line));
        }
        for u in &f.static_check.unexpected {
            out.push_str(&format!("  static: unexpected {} on line {}\n", u.rule, u.line));
        }
        if let Some(r) = &f.runtime {
            if !f.verdict.passed() {
                for (i, run) in r.observations.iter().enumerate() {
                    let mark = if run.matched {
                        "as declared"
                    } else {
                        "not as declared"
                    };
                    out.push_str(&format!("  run {}: {} ({mark})\n", i + 1, run.summary()));
                }
            }
        }
    }

    let s = &report.summary;
    out.push_str(&format!(
        "\n{} fixtures: {} confirmed, {} clean, {} failed at run time; static annotations: {} match, {} do not\n",
        s.fixtures, s.confirmed, s.clean, s.failed_runtime, s.static_ok, s.static_mismatch
    ));
    out.push_str(if report.ok {
        "result: ok\n"
    } else {
        "result: FAILED\n"
    });
    out
}
