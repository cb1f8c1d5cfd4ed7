//! "Did you mean": the nearest known name to a mistyped one (rule names,
//! subcommands, paths), by edit distance, as cargo and clap suggest.

use std::path::Path;

/// Levenshtein distance in characters.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The candidate nearest to `input`, if it is near enough to be a typo: at
/// most a third of the longer name's characters differ (and at least one
/// may), as cargo's suggestions do.
pub fn nearest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(input, c), c))
        .filter(|(d, c)| *d > 0 && *d <= (input.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)`, or nothing.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(input, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// The error for an unknown rule name, with the nearest rule's name.
pub fn unknown_rule(name: &str) -> String {
    let bare = name.strip_prefix("forklint::").unwrap_or(name);
    let names = crate::rules::RULES
        .iter()
        .map(|r| r.name)
        .chain(crate::diagnostic::Group::ALL.iter().map(|g| g.as_str()))
        .chain(std::iter::once("warnings"));
    format!(
        "unknown rule `{name}`{} (rules and groups: see `cargo forklint rules`)",
        did_you_mean(bare, names)
    )
}

/// The subcommands, for a positional argument that is neither a path nor
/// a subcommand.
pub const SUBCOMMANDS: &[&str] = &["rules", "explain", "confirm", "help"];

/// The error for a path argument that does not exist: the subcommand it
/// may have meant (`forklint expalin`), else the nearest entry of its
/// directory (`src/mian.rs`).
pub fn missing_path(path: &Path) -> String {
    let shown = path.display().to_string();
    let mut hint = String::new();
    if path.components().count() == 1 && path.extension().is_none() {
        if let Some(cmd) = nearest(&shown, SUBCOMMANDS.iter().copied()) {
            hint = format!("; did you mean the subcommand `{cmd}`?");
        }
    }
    if hint.is_empty() {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => Path::new(".").to_path_buf(),
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let siblings: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(name) = name {
            if let Some(near) = nearest(&name, siblings.iter().map(String::as_str)) {
                hint = format!("; did you mean `{}`?", path.with_file_name(near).display());
            }
        }
    }
    format!("path `{shown}` does not exist{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn near_names_are_suggested_and_far_ones_not() {
        assert_eq!(
            nearest("lock_held_acros_fork", ["lock_held_across_fork", "vfork_misuse"]),
            Some("lock_held_across_fork")
        );
        assert_eq!(nearest("expalin", SUBCOMMANDS.iter().copied()), Some("explain"));
        assert_eq!(nearest("banana", SUBCOMMANDS.iter().copied()), None);
        assert!(unknown_rule("vfork_mususe").contains("did you mean `vfork_misuse`?"));
        assert!(!unknown_rule("completely_different").contains("did you mean"));
    }
}
