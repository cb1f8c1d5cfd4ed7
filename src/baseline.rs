//! Baselines, for adopting forklint in an existing codebase:
//! `--write-baseline FILE` records the current findings, `--baseline FILE`
//! reports only findings that are not in it.
//!
//! A finding is recognised by `diagnostic::fingerprint` (rule, path,
//! enclosing function, normalized code; never a line number), so moving
//! code keeps it baselined and changing the offending code brings it back.
//! Identical findings in one function share a fingerprint; the baseline
//! keeps their count, so a new copy of a baselined mistake is reported.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{fingerprint, Finding};
use crate::source::SourceDb;

const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    /// Format version; a different one is refused rather than misread.
    version: u32,
    findings: Vec<Entry>,
}

/// One recorded finding. Only `fingerprint` is matched; the rest is for the
/// person reading the file in review.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    rule: String,
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    function: Option<String>,
    message: String,
}

/// A loaded baseline: how many findings of each fingerprint it accepts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Baseline {
    counts: HashMap<String, usize>,
}

impl Baseline {
    pub fn len(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Removes the findings the baseline accepts; returns how many.
    pub fn filter(&self, db: &SourceDb, findings: &mut Vec<Finding>) -> usize {
        let mut left = self.counts.clone();
        let before = findings.len();
        findings.retain(|f| match left.get_mut(&fingerprint(db, f)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        });
        before - findings.len()
    }
}

/// Reads a baseline file. Errors name the file (exit 2).
pub fn load(path: &Path) -> Result<Baseline, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not a forklint baseline: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    if file.version != VERSION {
        return Err(format!(
            "{}: baseline version {} is not supported (this forklint writes version {VERSION}); \
             write it again with --write-baseline",
            path.display(),
            file.version
        ));
    }
    let mut counts = HashMap::new();
    for e in file.findings {
        *counts.entry(e.fingerprint).or_insert(0) += 1;
    }
    Ok(Baseline { counts })
}

/// The baseline text for these findings, in a stable order so that
/// rewriting an unchanged baseline gives an identical file.
pub fn render(db: &SourceDb, findings: &[Finding]) -> String {
    let mut entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            fingerprint: fingerprint(db, f),
            rule: f.rule.to_string(),
            path: crate::diagnostic::project_path(db, f.primary.file),
            function: f.function.clone(),
            message: f.message.clone(),
        })
        .collect();
    entries.sort_by(|a, b| {
        (&a.path, &a.rule, &a.function, &a.fingerprint, &a.message).cmp(&(
            &b.path,
            &b.rule,
            &b.function,
            &b.fingerprint,
            &b.message,
        ))
    });
    let file = BaselineFile {
        version: VERSION,
        findings: entries,
    };
    let mut text = serde_json::to_string_pretty(&file).expect("baseline serializes");
    text.push('\n');
    text
}

/// Writes the baseline; returns how many findings it holds.
pub fn write(path: &Path, db: &SourceDb, findings: &[Finding]) -> Result<usize, String> {
    std::fs::write(path, render(db, findings))
        .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))?;
    Ok(findings.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;
    use crate::source::SourceFile;

    fn db_of(text: &str) -> SourceDb {
        let mut db = SourceDb::default();
        db.add(SourceFile::new("src/a.rs".into(), "src/a.rs".into(), text.into()));
        db
    }

    fn findings(db: &SourceDb, needle: &str) -> Vec<Finding> {
        db.get(0)
            .text()
            .match_indices(needle)
            .map(|(i, _)| {
                Finding::new("parse_error", "m", Label::new(0, i..i + needle.len(), ""))
                    .in_function(Some("main".into()))
            })
            .collect()
    }

    fn round_trip() -> Baseline {
        let db = db_of("fn main() { X; X; }");
        let written = render(&db, &findings(&db, "X"));
        let path = std::env::temp_dir().join(format!("forklint-baseline-{}", std::process::id()));
        std::fs::write(&path, written).unwrap();
        let b = load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        b
    }

    #[test]
    fn counts_duplicates_so_a_new_copy_is_reported() {
        let baseline = round_trip();
        assert_eq!(baseline.len(), 2);
        let db = db_of("fn main() {\n    X;\n    X;\n    X;\n}");
        let mut fs = findings(&db, "X");
        assert_eq!(baseline.filter(&db, &mut fs), 2);
        assert_eq!(fs.len(), 1, "the third X is new");
    }

    #[test]
    fn rendering_is_stable() {
        let db = db_of("fn main() { X; Y; }");
        let mut fs = findings(&db, "Y");
        fs.extend(findings(&db, "X"));
        let a = render(&db, &fs);
        fs.reverse();
        assert_eq!(a, render(&db, &fs));
        assert!(a.contains("\"version\": 1"), "{a}");
    }

    #[test]
    fn bad_files_are_errors_naming_the_file() {
        let dir = std::env::temp_dir();
        let path = dir.join(format!("forklint-bad-baseline-{}", std::process::id()));
        std::fs::write(&path, "{\"version\": 1, \"findings\": [ {\"rule\": 3} ]}").unwrap();
        let e = load(&path).unwrap_err();
        assert!(e.contains("not a forklint baseline"), "{e}");
        std::fs::write(&path, "{\"version\": 7, \"findings\": []}").unwrap();
        let e = load(&path).unwrap_err();
        assert!(e.contains("version 7"), "{e}");
        std::fs::remove_file(&path).unwrap();
        assert!(load(&path).unwrap_err().contains("cannot read baseline"));
    }
}
