//! `--format json`: one object per finding per line.

use serde_json::json;

use crate::diagnostic::Label;
use crate::Report;

fn location(report: &Report, l: &Label) -> serde_json::Value {
    let file = report.db.get(l.file);
    let (line, column) = file.position(l.span.start);
    let (end_line, end_column) = file.position(l.span.end);
    json!({
        "path": file.display,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "byte_start": l.span.start,
        "byte_end": l.span.end,
        "label": l.message,
    })
}

pub fn render(report: &Report) -> String {
    let mut s = String::new();
    for f in &report.findings {
        let mut obj = location(report, &f.primary);
        let map = obj.as_object_mut().expect("object");
        map.insert("rule".into(), json!(f.rule));
        map.insert("level".into(), json!(f.level.as_str()));
        map.insert("message".into(), json!(f.message));
        map.insert("function".into(), json!(f.function));
        // The line-independent key SARIF and baselines use.
        map.insert(
            "fingerprint".into(),
            json!(crate::diagnostic::fingerprint(&report.db, f)),
        );
        map.insert("help".into(), json!(f.help));
        map.insert("notes".into(), json!(f.notes));
        map.insert(
            "related".into(),
            f.secondary
                .iter()
                .map(|l| location(report, l))
                .collect::<Vec<_>>()
                .into(),
        );
        s.push_str(&serde_json::to_string(&obj).expect("json"));
        s.push('\n');
    }
    s
}
