//! Flow facts: fork sites and child regions, lock guards, thread evidence,
//! calls and their signal-safety class. Rules consume these.

use crate::diagnostic::{Finding, Label};
use crate::source::{FileId, SourceDb};
use crate::Options;

/// Parses and analyses the files of one crate, returning every finding.
pub fn analyze_crate(db: &SourceDb, files: &[FileId], _opts: &Options) -> Vec<Finding> {
    let mut findings = Vec::new();
    for &id in files {
        if let Err(f) = parse(db, id) {
            findings.push(*f);
        }
    }
    findings
}

/// Bytes that `syn::parse_file` strips before parsing (a BOM and a shebang
/// line); spans are relative to what follows, so offsets add this back.
pub fn stripped_prefix(text: &str) -> usize {
    let mut n = 0;
    if text.starts_with('\u{feff}') {
        n = '\u{feff}'.len_utf8();
    }
    let rest = &text[n..];
    if rest.starts_with("#!") && !rest[2..].trim_start().starts_with('[') {
        n += rest.find('\n').unwrap_or(rest.len());
    }
    n
}

pub fn parse(db: &SourceDb, id: FileId) -> Result<syn::File, Box<Finding>> {
    let text = &db.get(id).text;
    syn::parse_file(text).map_err(|e| {
        let offset = stripped_prefix(text);
        let r = e.span().byte_range();
        let span = (r.start + offset)..(r.end + offset);
        Box::new(Finding::new(
            "parse_error",
            format!("could not parse this file: {e}; it was not checked"),
            Label::new(id, span, "parse error here"),
        ))
    })
}
