//! The crate table is built from the token scan (every file's keys must be
//! known before the demand-driven walk decides which files to parse); the
//! parse defines the same items (`index::symbols`). Here the two are held
//! to agreeing, file by file, on the fixtures, the corpus and forklint's own
//! sources: every function, method, trait method, C function, macro and
//! static the parse sees is in the table under the key the walk gives it,
//! and the table names nothing else, except what a macro invocation's
//! tokens hold (the scan reads those; the parse cannot). More directories
//! can be checked with `FORKLINT_AGREEMENT_DIRS` (colon-separated), e.g. the
//! ecosystem corpus's `vendor/`. The walk's own keys (what its facts are
//! filed under) are held to the table too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use forklint::index::{display_name, symbols, CrateTable};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name();
        if path.is_dir() {
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The disagreements of one file, as lines, and how many functions the
/// walk defined in it; `None` if it does not parse.
fn disagreements(path: &Path) -> Option<(Vec<String>, usize)> {
    let text = std::fs::read_to_string(path).ok()?;
    let file = forklint::analysis::parse_source(&text).ok()?;
    let words = forklint::scan::Words::new(forklint::knowledge::Knowledge::builtin());
    let scan = forklint::scan::scan(&text, &words, false);
    let table = CrateTable::from_scans(&[0], &[path], &[&scan]);
    let module = table.file_modules[&0].clone();
    let defined = symbols::defined(&file, &module, &table);

    let scanned: BTreeSet<&String> = table.file_keys[0].iter().collect();
    let parsed: BTreeSet<&String> = defined.functions.iter().collect();
    let scanned_statics: BTreeSet<&String> = table.static_keys.values().flatten().collect();
    let parsed_statics: BTreeSet<&String> = defined.statics.iter().collect();
    let from_macro = |key: &str| {
        defined
            .in_macros
            .contains(display_name(key).trim_end_matches('!'))
    };
    let mut out = Vec::new();
    let shown = path.display();
    for k in parsed.difference(&scanned) {
        out.push(format!("{shown}: the parse defines `{k}`, the table does not"));
    }
    // The walk keys what it defines by the same rules (a function walked
    // under a key the table lacks is one no call ever finds).
    let knowledge = forklint::knowledge::Knowledge::builtin();
    let walked = forklint::analysis::walked_function_keys(&text, &table, knowledge).unwrap_or_default();
    for k in &walked {
        if !scanned.contains(k) {
            out.push(format!("{shown}: the walk defines `{k}`, the table does not"));
        }
    }
    for k in scanned.difference(&parsed).filter(|k| !from_macro(k)) {
        out.push(format!(
            "{shown}: the table names `{k}`, the parse defines no such function"
        ));
    }
    for k in parsed_statics.difference(&scanned_statics) {
        out.push(format!(
            "{shown}: the parse defines static `{k}`, the table does not"
        ));
    }
    for k in scanned_statics
        .difference(&parsed_statics)
        .filter(|k| !from_macro(k))
    {
        out.push(format!(
            "{shown}: the table names static `{k}`, the parse defines none"
        ));
    }
    Some((out, walked.len()))
}

#[test]
fn the_scan_built_table_agrees_with_the_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("fixtures"), root.join("tests/corpus"), root.join("src")];
    if let Some(more) = std::env::var_os("FORKLINT_AGREEMENT_DIRS") {
        dirs.extend(std::env::split_paths(&more));
    }
    let mut files = Vec::new();
    for d in &dirs {
        rust_files(d, &mut files);
    }
    files.sort();
    let (mut checked, mut walked, mut problems) = (0, 0, Vec::new());
    for f in &files {
        if let Some((found, functions)) = disagreements(f) {
            checked += 1;
            walked += functions;
            problems.extend(found);
        }
    }
    assert!(
        walked > 1000,
        "the walk defined only {walked} functions in {checked} files"
    );
    // The fixtures, corpus and sources are over 350 files: finding few means the
    // directories moved, not that everything agrees.
    assert!(checked > 300, "only {checked} files parsed under {dirs:?}");
    assert!(
        problems.is_empty(),
        "{} disagreements in {checked} files:\n{}",
        problems.len(),
        problems
            .iter()
            .take(usize::MAX)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
