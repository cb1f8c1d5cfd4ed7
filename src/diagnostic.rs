//! What a rule reports. Output formats (in `src/output/`) render these; no
//! other module knows about formats.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::source::{FileId, SourceDb};

/// A rule's level, as configured. `Allow` findings are never reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" | "warning" => Some(Level::Warn),
            "deny" | "error" => Some(Level::Deny),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warning",
            Level::Deny => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Range<usize>,
    pub message: String,
}

impl Label {
    pub fn new(file: FileId, span: Range<usize>, message: impl Into<String>) -> Self {
        Label {
            file,
            span,
            message: message.into(),
        }
    }
}

/// A machine-applicable (or not) replacement of the primary span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub span: Range<usize>,
    pub replacement: String,
    pub machine_applicable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Rule name without the `forklint::` prefix.
    pub rule: &'static str,
    pub level: Level,
    pub message: String,
    pub primary: Label,
    /// Evidence: where the guard was taken, where the thread was spawned.
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub suggestion: Option<Suggestion>,
    /// Name of the enclosing function, for baseline fingerprints.
    pub function: Option<String>,
}

impl Finding {
    pub fn new(rule: &'static str, message: impl Into<String>, primary: Label) -> Self {
        Finding {
            rule,
            level: crate::rules::default_level(rule),
            message: message.into(),
            primary,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            suggestion: None,
            function: None,
        }
    }

    pub fn with_label(mut self, label: Label) -> Self {
        if label.span != self.primary.span || label.file != self.primary.file {
            self.secondary.push(label);
        }
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn in_function(mut self, name: Option<String>) -> Self {
        self.function = name;
        self
    }
}

/// A finding's stable identity across runs, for baselines and SARIF
/// `partialFingerprints`: rule, path, enclosing function and the
/// whitespace-normalized code of the primary span. Line numbers are left out
/// on purpose, so adding lines above a finding keeps its fingerprint while
/// changing the offending code changes it. The hash is FNV-1a (64-bit),
/// written here because std's hashers are not stable across releases.
pub fn fingerprint(db: &SourceDb, f: &Finding) -> String {
    let file = db.get(f.primary.file);
    let path = file.display.replace('\\', "/");
    // All whitespace goes: reformatting (`fork()` vs `fork( )`) is not a change.
    let code: String = file
        .snippet(&f.primary.span)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut hash = Fnv1a::new();
    for part in [f.rule, &path, f.function.as_deref().unwrap_or(""), &code] {
        hash.write(part.as_bytes());
        // A separator byte that cannot occur in UTF-8 text keeps
        // ("ab", "c") and ("a", "bc") apart.
        hash.write(&[0xff]);
    }
    format!("{:016x}", hash.0)
}

struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn db_with(text: &str) -> SourceDb {
        let mut db = SourceDb::default();
        db.add(SourceFile::new("src/a.rs".into(), "src/a.rs".into(), text.into()));
        db
    }

    fn finding_at(db: &SourceDb, needle: &str) -> Finding {
        let start = db.get(0).text.find(needle).expect("needle in text");
        Finding::new(
            "lock_held_across_fork",
            "m",
            Label::new(0, start..start + needle.len(), ""),
        )
        .in_function(Some("spawn_worker".into()))
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        let mut h = Fnv1a::new();
        assert_eq!(h.0, 0xcbf29ce484222325);
        h.write(b"a");
        assert_eq!(h.0, 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn fingerprint_ignores_lines_above_and_whitespace_but_not_code() {
        let db = db_with("fn f() {\n    fork();\n}\n");
        let base = fingerprint(&db, &finding_at(&db, "fork()"));
        let moved = db_with("// new line\n\nfn f() {\n        fork(  );\n}\n");
        let moved_finding = finding_at(&moved, "fork(  )");
        assert_eq!(base, fingerprint(&moved, &moved_finding), "moving code keeps it");
        let changed = db_with("fn f() {\n    vfork();\n}\n");
        assert_ne!(base, fingerprint(&changed, &finding_at(&changed, "vfork()")));
        let other_fn = finding_at(&db, "fork()").in_function(Some("other".into()));
        assert_ne!(base, fingerprint(&db, &other_fn));
        assert_eq!(base.len(), 16);
    }
}
