//! What a rule reports. Output formats (in `src/output/`) render these; no
//! other module knows about formats.

use std::ops::Range;

use crate::source::FileId;

pub use crate::registry::{Group, Level};

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
    /// The group of this kind of finding (the rule's, unless the rule
    /// files this case under another); it gave the default level.
    pub group: Group,
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
            group: crate::registry::group_of(rule),
            level: crate::registry::default_level(rule),
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

    /// Files this finding under another group than its rule's, with that
    /// group's default level (the levels step may still change it).
    pub fn in_group(mut self, group: Group) -> Self {
        self.group = group;
        self.level = group.default_level();
        self
    }

    pub fn in_function(mut self, name: Option<String>) -> Self {
        self.function = name;
        self
    }
}

/// A stable key for a finding that survives moving code around: FNV-1a
/// (64-bit) over the rule, the file's display path, the enclosing function
/// and the normalized code of the primary span. Never a line number, so
/// adding lines above a finding keeps its key; editing the code changes it.
/// Baselines and SARIF `partialFingerprints` use it.
pub fn fingerprint(db: &crate::source::SourceDb, f: &Finding) -> String {
    let file = db.get(f.primary.file);
    let path = project_path(db, f.primary.file);
    let code = normalize_code(file.snippet(&f.primary.span));
    let mut hash = Fnv1a::default();
    for part in [
        f.rule,
        path.as_str(),
        f.function.as_deref().unwrap_or(""),
        code.as_str(),
    ] {
        hash.write(part.as_bytes());
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        hash.write(&[0xff]);
    }
    format!("{:016x}", hash.0)
}

/// A file's path relative to the project root (`/`-separated), or as
/// displayed when there is no root or the file lies outside it.
pub fn project_path(db: &crate::source::SourceDb, id: crate::source::FileId) -> String {
    let file = db.get(id);
    db.project_root
        .as_ref()
        .and_then(|root| crate::glob::relative(&crate::source::absolute(&file.path), root))
        .unwrap_or_else(|| file.display.replace('\\', "/"))
}

/// Code text without formatting: whitespace is dropped except a single
/// space where it separates two word characters (`let x`), so reformatting
/// (rustfmt, re-indenting) does not change it.
pub fn normalize_code(code: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(code.len());
    let mut pending_space = false;
    for c in code.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && out.chars().next_back().is_some_and(is_word) && is_word(c) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Fowler-Noll-Vo 1a, 64-bit: written out because the key must never change
/// between Rust releases (std's hashers make no such promise).
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
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
    use crate::source::{SourceDb, SourceFile};

    fn db_with(text: &str) -> SourceDb {
        let mut db = SourceDb::default();
        db.add(SourceFile::new("src/a.rs".into(), "src/a.rs".into(), text.into()));
        db
    }

    fn finding_at(db: &SourceDb, needle: &str, function: &str) -> Finding {
        let start = db.get(0).text().find(needle).unwrap();
        Finding::new(
            "lock_held_across_fork",
            "msg",
            Label::new(0, start..start + needle.len(), ""),
        )
        .in_function(Some(function.into()))
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        let mut h = Fnv1a::default();
        assert_eq!(h.0, 0xcbf29ce484222325);
        h.write(b"a");
        assert_eq!(h.0, 0xaf63dc4c8601ec8c);
        let mut h = Fnv1a::default();
        h.write(b"foobar");
        assert_eq!(h.0, 0x85944171f73967e8);
    }

    #[test]
    fn normalizing_ignores_layout_but_keeps_word_boundaries() {
        assert_eq!(normalize_code("let  x =\n    foo( a,b )"), "let x=foo(a,b)");
        assert_eq!(normalize_code("let x = foo(a, b)"), "let x=foo(a,b)");
        assert_ne!(normalize_code("a b"), normalize_code("ab"));
    }

    #[test]
    fn fingerprint_ignores_position_but_not_code_function_or_rule() {
        let db1 = db_with("fn f() {\n    unsafe { fork() };\n}\n");
        let db2 = db_with("// new line\n\nfn f() {\n        unsafe {  fork()  };\n}\n");
        let db3 = db_with("fn f() {\n    unsafe { vfork() };\n}\n");
        let a = fingerprint(&db1, &finding_at(&db1, "unsafe { fork() }", "f"));
        let moved = fingerprint(&db2, &finding_at(&db2, "unsafe {  fork()  }", "f"));
        let changed = fingerprint(&db3, &finding_at(&db3, "unsafe { vfork() }", "f"));
        let other_fn = fingerprint(&db1, &finding_at(&db1, "unsafe { fork() }", "g"));
        let mut other_rule = finding_at(&db1, "unsafe { fork() }", "f");
        other_rule.rule = "vfork_misuse";
        assert_eq!(a, moved);
        assert_eq!(a.len(), 16);
        assert_ne!(a, changed);
        assert_ne!(a, other_fn);
        assert_ne!(a, fingerprint(&db1, &other_rule));
    }
}
