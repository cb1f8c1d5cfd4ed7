//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF
//! viewers.
//!
//! What GitHub needs and this provides: a tool driver with its rules
//! (descriptions, help text and markdown from `rules/NAME.md`, default
//! level, help URI); results with `ruleId`, `level`, `message`, one physical
//! location with a repository-relative URI and a full region, related
//! locations for the evidence (linked from the message as `[label](id)`),
//! and `partialFingerprints` with forklint's own line-independent key so an
//! alert survives edits above it. Columns count Unicode characters, and
//! `columnKind` says so: SARIF's default would be UTF-16 code units.

use std::path::Path;

use serde_json::{json, Value};

use crate::diagnostic::{fingerprint, Finding, Label, Level};
use crate::rules::{RuleMeta, RULES};
use crate::Report;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const FINGERPRINT_KEY: &str = "forklint/v1";

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&log(report)).unwrap_or_default();
    s.push('\n');
    s
}

/// The whole SARIF log as a JSON value.
pub fn log(report: &Report) -> Value {
    let root = super::repo_root(report);
    let results: Vec<Value> = report.findings.iter().map(|f| result(report, &root, f)).collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "forklint",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": RULES.iter().map(rule).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": dir_uri(&root)}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn rule(r: &RuleMeta) -> Value {
    json!({
        "id": r.name,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": full_description(r)},
        "help": {"text": r.doc, "markdown": r.doc},
        "helpUri": format!("{}/blob/main/rules/{}.md", env!("CARGO_PKG_REPOSITORY"), r.name),
        // An allow-by-default (pedantic) rule is off until configured on.
        "defaultConfiguration": {"level": level(r.default_level), "enabled": r.default_level != Level::Allow},
        "properties": {"tags": ["fork-safety", r.group.as_str()], "precision": "high"},
    })
}

/// The first paragraph of the doc's "What it does" section, else the
/// one-line summary.
fn full_description(r: &RuleMeta) -> String {
    let mut lines = r.doc.lines().skip_while(|l| {
        !l.trim_start_matches('#')
            .trim()
            .eq_ignore_ascii_case("what it does")
    });
    if lines.next().is_none() {
        return r.summary.to_string();
    }
    let paragraph: Vec<&str> = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    if paragraph.is_empty() {
        r.summary.to_string()
    } else {
        paragraph.join(" ")
    }
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

fn result(report: &Report, root: &Path, f: &Finding) -> Value {
    let rule_index = RULES.iter().position(|r| r.name == f.rule);
    let related: Vec<Value> = f
        .secondary
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "id": i + 1,
                "physicalLocation": physical_location(report, root, l),
                "message": {"text": l.message},
            })
        })
        .collect();
    let mut location = json!({"physicalLocation": physical_location(report, root, &f.primary)});
    if !f.primary.message.is_empty() {
        location["message"] = json!({"text": f.primary.message});
    }
    if let Some(function) = &f.function {
        location["logicalLocations"] = json!([{"name": function, "kind": "function"}]);
    }
    let mut result = json!({
        "ruleId": f.rule,
        "level": level(f.level),
        "message": {"text": message_text(f)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(&report.db, f)},
    });
    if let Some(i) = rule_index {
        result["ruleIndex"] = json!(i);
    }
    if !related.is_empty() {
        result["relatedLocations"] = json!(related);
    }
    result
}

/// The message with its evidence linked to the related locations (SARIF's
/// embedded links, which GitHub renders), then notes and help. Brackets in
/// plain text are escaped so they are not read as links.
fn message_text(f: &Finding) -> String {
    let mut s = escape_brackets(&f.message);
    if !f.secondary.is_empty() {
        let links: Vec<String> = f
            .secondary
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let text = if l.message.is_empty() { "here" } else { &l.message };
                format!("[{}]({})", escape_brackets(text), i + 1)
            })
            .collect();
        s.push_str("\nEvidence: ");
        s.push_str(&links.join("; "));
    }
    for n in &f.notes {
        s.push_str("\nnote: ");
        s.push_str(&escape_brackets(n));
    }
    if let Some(h) = &f.help {
        s.push_str("\nhelp: ");
        s.push_str(&escape_brackets(h));
    }
    s
}

fn escape_brackets(s: &str) -> String {
    s.replace('\\', "\\\\").replace('[', "\\[").replace(']', "\\]")
}

fn physical_location(report: &Report, root: &Path, l: &Label) -> Value {
    let file = report.db.get(l.file);
    let (start_line, start_column) = file.position(l.span.start);
    let (end_line, end_column) = file.position(l.span.end.max(l.span.start));
    let path = super::relative_path(report, root, l.file);
    let artifact = if Path::new(&path).is_absolute() {
        json!({"uri": file_uri(&path)})
    } else {
        json!({"uri": percent_encode(&path), "uriBaseId": "%SRCROOT%"})
    };
    json!({
        "artifactLocation": artifact,
        "region": {
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
        },
    })
}

fn file_uri(abs: &str) -> String {
    format!("file://{}", percent_encode(abs))
}

/// The root as a directory URI (with the trailing slash SARIF requires).
fn dir_uri(root: &Path) -> String {
    let mut s = file_uri(&root.display().to_string());
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/`.
fn percent_encode(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_encode_spaces_and_non_ascii_but_keep_slashes() {
        assert_eq!(percent_encode("src/my file é.rs"), "src/my%20file%20%C3%A9.rs");
        assert_eq!(dir_uri(Path::new("/a b")), "file:///a%20b/");
    }

    #[test]
    fn brackets_in_messages_are_not_links() {
        assert_eq!(escape_brackets(r"a[0] \ b"), r"a\[0\] \\ b");
    }

    #[test]
    fn full_description_is_the_what_it_does_paragraph() {
        let r = RuleMeta {
            name: "x",
            group: crate::diagnostic::Group::Suspicious,
            default_level: Level::Warn,
            summary: "sum",
            doc: "# x\n\n## What it does\n\nFinds a\nthing.\n\nMore.\n## Why\n",
        };
        assert_eq!(full_description(&r), "Finds a thing.");
        let todo = RuleMeta {
            doc: "# x\n\nTODO\n",
            ..r
        };
        assert_eq!(full_description(&todo), "sum");
    }
}
