//! UI tests: every fixture under fixtures/RULE/ must produce exactly the
//! findings its `//~` annotations name, and its rendered human output must
//! match the `.stderr` file beside it (`FORKLINT_BLESS=1` rewrites them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use forklint::{fixture, output};

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new("fixtures")
        .min_depth(2)
        .max_depth(2)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs") && !p.starts_with("fixtures/src"))
        .collect();
    files.sort();
    files
}

fn check(path: &Path, bless: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let spec = fixture::parse(&text)?;
    let report = forklint::lint_paths(&[path], &fixture::lint_options(path));
    let mut got: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for f in &report.findings {
        let line = report.db.get(f.primary.file).position(f.primary.span.start).0;
        *got.entry((line, f.rule.to_string())).or_insert(0) += 1;
    }
    let want = spec.expected_counts();
    let mut problems = Vec::new();
    for (key, n) in &want {
        let g = got.get(key).copied().unwrap_or(0);
        if g < *n {
            problems.push(format!(
                "  missing: line {} {} (expected {n}, got {g})",
                key.0, key.1
            ));
        }
    }
    for (key, n) in &got {
        let w = want.get(key).copied().unwrap_or(0);
        if *n > w {
            problems.push(format!(
                "  unexpected: line {} {} (expected {w}, got {n})",
                key.0, key.1
            ));
        }
    }
    let rendered = output::human::render(&report, false);
    let stderr_path = path.with_extension("stderr");
    if bless {
        std::fs::write(&stderr_path, &rendered).map_err(|e| e.to_string())?;
    } else {
        match std::fs::read_to_string(&stderr_path) {
            Ok(expected) if expected == rendered => {}
            Ok(_) => problems.push(format!(
                "  rendered output differs from {} (FORKLINT_BLESS=1 to update):\n{rendered}",
                stderr_path.display()
            )),
            Err(_) => problems.push(format!(
                "  {} is missing (FORKLINT_BLESS=1 creates it)",
                stderr_path.display()
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n{}", path.display(), problems.join("\n")))
    }
}

#[test]
fn fixtures_produce_exactly_their_annotated_findings() {
    let bless = std::env::var_os("FORKLINT_BLESS").is_some();
    let files = fixture_files();
    let failures: Vec<String> = files.iter().filter_map(|p| check(p, bless).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
