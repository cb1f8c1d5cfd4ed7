//! `--fix`: writes the machine-applicable suggestions into the files, as
//! `cargo clippy --fix` and `ruff --fix` do. Only with that flag: nothing
//! else in forklint writes a user's file.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diagnostic::Finding;
use crate::source::SourceDb;

/// Applies `edits` (byte ranges of `text` and their replacements) from the
/// last to the first; an edit that overlaps one already taken is left out,
/// as rustfix does. Returns the new text and how many edits it applied.
pub fn apply_edits(text: &str, edits: &[(Range<usize>, String)]) -> (String, usize) {
    let mut sorted: Vec<&(Range<usize>, String)> = edits.iter().collect();
    sorted.sort_by_key(|(r, _)| (r.start, r.end));
    let mut taken: Vec<&(Range<usize>, String)> = Vec::new();
    for e in sorted {
        let valid = e.0.start <= e.0.end
            && e.0.end <= text.len()
            && text.is_char_boundary(e.0.start)
            && text.is_char_boundary(e.0.end);
        if valid && taken.last().is_none_or(|last| last.0.end <= e.0.start) {
            taken.push(e);
        }
    }
    let mut out = text.to_string();
    for (range, replacement) in taken.iter().rev() {
        out.replace_range(range.clone(), replacement);
    }
    (out, taken.len())
}

/// What `--fix` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fixed {
    pub edits: usize,
    pub files: usize,
}

/// Writes every machine-applicable suggestion of `findings` into its file.
pub fn fix_files(db: &SourceDb, findings: &[Finding]) -> Result<Fixed, String> {
    let mut per_file: BTreeMap<usize, Vec<(Range<usize>, String)>> = BTreeMap::new();
    for f in findings {
        if let Some(s) = f.suggestion.as_ref().filter(|s| s.machine_applicable) {
            per_file
                .entry(f.primary.file)
                .or_default()
                .push((s.span.clone(), s.replacement.clone()));
        }
    }
    let mut fixed = Fixed::default();
    for (id, edits) in per_file {
        let file = db.get(id);
        // The text on disk, which the spans were taken from.
        let text = std::fs::read_to_string(&file.path)
            .map_err(|e| format!("--fix: cannot read {}: {e}", file.display))?;
        if text != file.text() {
            return Err(format!(
                "--fix: {} changed during the run; run again",
                file.display
            ));
        }
        let (new, n) = apply_edits(&text, &edits);
        if n > 0 {
            std::fs::write(&file.path, new)
                .map_err(|e| format!("--fix: cannot write {}: {e}", file.display))?;
            fixed.edits += n;
            fixed.files += 1;
        }
    }
    Ok(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_back_to_front_and_overlaps_are_left_out() {
        let text = "pipe(a); dup(b); x";
        let edits = vec![
            (0..7, "pipe2(a, F)".to_string()),
            (9..15, "fcntl(b)".to_string()),
            (12..18, "overlaps".to_string()),
        ];
        assert_eq!(
            apply_edits(text, &edits),
            ("pipe2(a, F); fcntl(b); x".to_string(), 2)
        );
        assert_eq!(apply_edits("abc", &[(2..9, "x".into())]).1, 0, "out of range");
    }
}
