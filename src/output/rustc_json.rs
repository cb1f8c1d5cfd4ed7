//! `--message-format json`: cargo's `compiler-message` lines around
//! rustc's JSON diagnostic schema, so that rust-analyzer (through
//! `check.overrideCommand`), bacon and other cargo-aware tools show forklint
//! findings like compiler warnings.
//!
//! Schema facts this follows: spans carry byte offsets and 1-based line and
//! character columns with an exclusive end, `text` holds every source line
//! the span touches with 1-based highlight columns; notes and help are
//! `children` with no spans; a suggestion is a `help` child whose span has
//! `suggested_replacement`. `file_name` is relative to the workspace root,
//! as cargo runs rustc there.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::CargoJson;
use crate::diagnostic::{Finding, Label, Suggestion};
use crate::source::{FileId, PackageInfo};
use crate::Report;

/// Every finding as a `compiler-message` line (none with
/// `json-render-diagnostics`, which renders them to stderr instead).
pub fn render(report: &Report, style: CargoJson) -> String {
    let mut s = String::new();
    if style.render_diagnostics {
        return s;
    }
    let root = super::root(report);
    for f in &report.findings {
        let line = compiler_message(report, &root, f, style);
        s.push_str(&serde_json::to_string(&line).unwrap_or_default());
        s.push('\n');
    }
    s
}

/// cargo's last line: `success` is false when the run would exit non-zero.
pub fn build_finished(success: bool) -> String {
    format!("{}\n", json!({"reason": "build-finished", "success": success}))
}

fn compiler_message(report: &Report, root: &Path, f: &Finding, style: CargoJson) -> Value {
    let owner = owner(report, root, f.primary.file);
    let mut line = json!({
        "reason": "compiler-message",
        "package_id": owner.package_id,
        "target": owner.target,
        "message": diagnostic(report, root, f, style),
    });
    if let Some(manifest) = owner.manifest_path {
        line["manifest_path"] = json!(manifest);
    }
    line
}

pub fn diagnostic(report: &Report, root: &Path, f: &Finding, style: CargoJson) -> Value {
    let mut spans = vec![span(report, root, &f.primary, true, None)];
    spans.extend(f.secondary.iter().map(|l| span(report, root, l, false, None)));
    let mut children: Vec<Value> = f.notes.iter().map(|n| child("note", n, vec![])).collect();
    if let Some(h) = &f.help {
        children.push(child("help", h, vec![]));
    }
    if let Some(sugg) = &f.suggestion {
        let label = Label::new(f.primary.file, sugg.span.clone(), "");
        children.push(child(
            "help",
            "replace with",
            vec![span(report, root, &label, true, Some(sugg))],
        ));
    }
    let rendered = if style.short {
        format!("{}\n", super::short::line(report, f))
    } else {
        super::human::render_finding(report, f, style.ansi)
    };
    json!({
        "$message_type": "diagnostic",
        "message": f.message,
        "code": {"code": format!("forklint::{}", f.rule), "explanation": null},
        "level": f.level.as_str(),
        "spans": spans,
        "children": children,
        "rendered": rendered,
    })
}

fn child(level: &str, message: &str, spans: Vec<Value>) -> Value {
    json!({
        "$message_type": "diagnostic",
        "message": message,
        "code": null,
        "level": level,
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

fn span(report: &Report, root: &Path, l: &Label, is_primary: bool, sugg: Option<&Suggestion>) -> Value {
    let file = report.db.get(l.file);
    let (start, end) = (file.clamp(l.span.start), file.clamp(l.span.end.max(l.span.start)));
    let (line_start, column_start) = file.position(start);
    let (line_end, column_end) = file.position(end);
    let text: Vec<Value> = (line_start..=line_end)
        .map(|line| {
            let range = file.line_range(line - 1);
            let body = file.text()[range].trim_end_matches(['\n', '\r']);
            let highlight_start = if line == line_start { column_start } else { 1 };
            let highlight_end = if line == line_end {
                column_end
            } else {
                body.chars().count() + 1
            };
            json!({"text": body, "highlight_start": highlight_start, "highlight_end": highlight_end})
        })
        .collect();
    json!({
        "file_name": super::relative_path(report, root, l.file),
        "byte_start": start,
        "byte_end": end,
        "line_start": line_start,
        "line_end": line_end,
        "column_start": column_start,
        "column_end": column_end,
        "is_primary": is_primary,
        "text": text,
        "label": (!l.message.is_empty()).then_some(&l.message),
        "suggested_replacement": sugg.map(|s| &s.replacement),
        "suggestion_applicability": sugg.map(|s| {
            if s.machine_applicable { "MachineApplicable" } else { "MaybeIncorrect" }
        }),
        "expansion": null,
    })
}

/// The package and target a message is about.
struct Owner {
    package_id: String,
    manifest_path: Option<PathBuf>,
    target: Value,
}

fn owner(report: &Report, root: &Path, file: FileId) -> Owner {
    let path = super::absolute(&report.db.get(file).path);
    if let Some(pkg) = report.db.package_of(file) {
        if let Some(target) = target_for(pkg, &path) {
            return Owner {
                package_id: pkg.id.clone(),
                manifest_path: Some(pkg.manifest_path.clone()),
                target: serde_json::to_value(target).unwrap_or(Value::Null),
            };
        }
    }
    // Plain paths outside cargo: no package to name, so the message names
    // the directory forklint ran in and a library target rooted at the file.
    let name = path
        .file_stem()
        .map_or_else(|| "forklint".to_string(), |s| s.to_string_lossy().into_owned());
    Owner {
        package_id: report
            .db
            .package_of(file)
            .map_or_else(|| format!("path+file://{}", root.display()), |p| p.id.clone()),
        manifest_path: report.db.package_of(file).map(|p| p.manifest_path.clone()),
        target: json!({
            "kind": ["lib"],
            "crate_types": ["lib"],
            "name": name,
            "src_path": path,
            "edition": "2021",
            "doc": true,
            "doctest": true,
            "test": true,
        }),
    }
}

/// The target a file belongs to: the one whose root it is, else the one
/// whose root's directory is the file's nearest ancestor (a module under
/// `src/` belongs to the library before a binary).
fn target_for<'a>(pkg: &'a PackageInfo, file: &Path) -> Option<&'a cargo_metadata::Target> {
    if let Some(t) = pkg.targets.iter().find(|t| t.src_path.as_std_path() == file) {
        return Some(t);
    }
    pkg.targets
        .iter()
        .filter_map(|t| {
            let dir = t.src_path.parent()?.as_std_path();
            file.starts_with(dir)
                .then(|| (dir.components().count(), t.is_lib() || t.is_proc_macro(), t))
        })
        .max_by_key(|(depth, lib, _)| (*depth, *lib))
        .map(|(_, _, t)| t)
}
