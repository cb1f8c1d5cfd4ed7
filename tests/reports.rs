//! The CI report formats, each checked against its consumer's schema with
//! a real validator: GitLab Code Quality and reviewdog's rdjson with the
//! `jsonschema` package, JUnit and checkstyle XML with xmllint and an XSD
//! (the schemas are in tests/schemas/, each saying where it comes from).
//! Beyond the schema, each must say the same as the findings: counts,
//! paths, positions (rdjson counts columns in UTF-8 bytes).

use std::path::{Path, PathBuf};

use forklint::cli::Format;
use forklint::output::{self, Selected};
use forklint::Report;

mod tools;

fn schema(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schemas")
        .join(name)
}

/// The real analysis on a program with findings of several rules.
fn real_report() -> Report {
    forklint::lint_paths(
        &[Path::new("tests/snapshots/real/several_rules.rs")],
        &forklint::Options::default(),
    )
}

/// A file whose name needs escaping in XML and JSON, with a parse error
/// after a two-byte character on its line (the column differs in bytes and
/// characters), next to a file with no findings.
fn odd_report() -> Report {
    // One directory per test: the tests run in parallel.
    let test = std::thread::current().name().unwrap_or("main").replace("::", "_");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("reports/odd")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let odd = dir.join("a&b <\"c\">.rs");
    std::fs::write(&odd, "fn main() {\n    let s = \"é\"; let x = 1 +;\n}\n").unwrap();
    let clean = dir.join("clean.rs");
    std::fs::write(&clean, "fn main() {}\n").unwrap();
    let report = forklint::lint_paths(&[odd.as_path(), clean.as_path()], &forklint::Options::default());
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    report
}

fn empty_report() -> Report {
    forklint::lint_source("clean.rs", "fn main() {}\n", &forklint::Options::default())
}

fn render(report: &Report, f: Format) -> String {
    output::render(report, Selected::Format(f), false)
}

fn reports() -> [Report; 3] {
    [real_report(), odd_report(), empty_report()]
}

#[test]
fn gitlab_code_quality_follows_gitlabs_format() {
    for report in reports() {
        let text = render(&report, Format::Gitlab);
        tools::validate_json(&schema("gitlab-codequality.schema.json"), &text);
        let issues: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(issues.len(), report.findings.len());
        let mut fingerprints: Vec<&str> = issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap())
            .collect();
        fingerprints.sort();
        fingerprints.dedup();
        assert_eq!(
            fingerprints.len(),
            issues.len(),
            "GitLab shows one issue per fingerprint"
        );
        for (issue, f) in issues.iter().zip(&report.findings) {
            let (line, _) = report.db.get(f.primary.file).position(f.primary.span.start);
            assert_eq!(issue["location"]["lines"]["begin"], line);
            assert_eq!(issue["check_name"], format!("forklint::{}", f.rule));
            let severity = if f.level == forklint::diagnostic::Level::Deny {
                "major"
            } else {
                "minor"
            };
            assert_eq!(issue["severity"], severity);
        }
    }
}

#[test]
fn rdjson_follows_reviewdogs_schema_with_byte_columns() {
    for report in reports() {
        let text = render(&report, Format::Rdjson);
        tools::validate_json(&schema("rdjson.schema.json"), &text);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["diagnostics"].as_array().unwrap().len(), report.findings.len());
    }
    let report = odd_report();
    let v: serde_json::Value = serde_json::from_str(&render(&report, Format::Rdjson)).unwrap();
    let d = &v["diagnostics"][0];
    let f = &report.findings[0];
    let file = report.db.get(f.primary.file);
    let (line, chars) = file.position(f.primary.span.start);
    let line_start = file.line_range(line - 1).start;
    assert_eq!(d["location"]["range"]["start"]["line"], line);
    assert_eq!(
        d["location"]["range"]["start"]["column"],
        f.primary.span.start - line_start + 1,
        "a byte column"
    );
    assert_eq!(
        d["location"]["range"]["start"]["column"].as_u64().unwrap(),
        chars as u64 + 1,
        "`é` is two bytes, one character"
    );
    assert!(d["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("a&b <\"c\">.rs"));
    assert_eq!(d["severity"], "WARNING");
}

/// `(name, count)` of every `<tag name="..">` in a document, by a
/// deliberately plain reading (the schema check is xmllint's job).
fn count_tags(xml: &str, tag: &str) -> usize {
    xml.matches(&format!("<{tag} ")).count() + xml.matches(&format!("<{tag}>")).count()
}

#[test]
fn junit_xml_is_valid_and_has_a_failure_per_finding() {
    for report in reports() {
        let text = render(&report, Format::Junit);
        tools::validate_xml(&schema("junit.xsd"), &text);
        assert_eq!(count_tags(&text, "failure"), report.findings.len());
        assert_eq!(
            count_tags(&text, "testcase"),
            report.findings.len().max(1),
            "a clean run is one passing test case"
        );
    }
    let text = render(&odd_report(), Format::Junit);
    assert!(text.contains("a&amp;b &lt;&quot;c&quot;&gt;.rs"), "{text}");
}

#[test]
fn checkstyle_xml_is_valid_and_groups_findings_by_file() {
    for report in reports() {
        let text = render(&report, Format::Checkstyle);
        tools::validate_xml(&schema("checkstyle.xsd"), &text);
        assert_eq!(count_tags(&text, "error"), report.findings.len());
        let files: std::collections::BTreeSet<usize> =
            report.findings.iter().map(|f| f.primary.file).collect();
        assert_eq!(count_tags(&text, "file"), files.len());
    }
}

#[test]
fn the_schemas_reject_what_the_consumers_would() {
    // The validators are not vacuous: a report missing what the consumer
    // needs fails them.
    let bad_gitlab = r#"[{"description": "d", "check_name": "c", "severity": "urgent", "location": {"path": "a.rs", "lines": {"begin": 1}}}]"#;
    let bad_rdjson = r#"{"diagnostics": [{"message": "m", "location": {"path": "a.rs", "range": {"start": {"line": 0}}}}]}"#;
    let bad_junit = "<testsuites><testsuite name=\"x\"><testcase name=\"t\"/></testsuite></testsuites>";
    let bad_checkstyle = "<checkstyle version=\"4.3\"><file name=\"a.rs\"><error line=\"1\" severity=\"fatal\" message=\"m\" source=\"s\"/></file></checkstyle>";
    for (check, name, doc) in [
        (
            tools::validate_json as fn(&Path, &str),
            "gitlab-codequality.schema.json",
            bad_gitlab,
        ),
        (tools::validate_json, "rdjson.schema.json", bad_rdjson),
        (tools::validate_xml, "junit.xsd", bad_junit),
        (tools::validate_xml, "checkstyle.xsd", bad_checkstyle),
    ] {
        let path = schema(name);
        let rejected = std::panic::catch_unwind(|| check(&path, doc)).is_err();
        assert!(rejected, "{name} accepted an invalid report");
    }
}
