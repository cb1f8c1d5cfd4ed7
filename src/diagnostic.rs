//! What a rule reports. Output formats (in `src/output/`) render these; no
//! other module knows about formats.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::source::FileId;

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
