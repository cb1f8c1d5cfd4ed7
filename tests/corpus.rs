//! The realistic corpus: every file under tests/corpus/ is linted on its own
//! and must produce exactly the findings its `//~` annotations name (the
//! fixture format of `forklint::fixture`). The expectations were reasoned
//! from the code, not taken from the tool. Precision (matched / reported)
//! and recall (matched / expected) are printed per file and overall
//! (`cargo test --test corpus -- --nocapture` shows them).
//!
//! Annotations of a rule that forklint does not have yet are skipped and
//! listed, so the suite stays green until the rule lands and is strict from
//! then on. Only the rules named in `PENDING_RULES` may be skipped, and only
//! in files named for them, so a misspelt rule name still fails.
//!
//! Where the linter disagrees with the annotations, the expectation stays as
//! reasoned and the line carries a marker naming the disagreement:
//!
//! ```text
//! let v = std::env::var("X").unwrap(); //~ child_escapes_fork_branch //? missed child_escapes_fork_branch -- why
//! match unsafe { fork() }? { //? extra child_escapes_fork_branch -- why
//! ```
//!
//! `//? missed RULE -- reason`: the linter does not report this expected
//! finding; `//? extra RULE -- reason`: it reports a finding the code does
//! not deserve. A marked disagreement is listed but does not fail the test;
//! an unmarked one does, and so does a marker the linter no longer needs
//! (fix the linter, then delete the marker). The scores count every
//! disagreement, marked or not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use forklint::{fixture, rules};

/// Rules being written, with the file-name suffix that marks corpus files
/// expecting them.
const PENDING_RULES: &[(&str, &str)] = &[
    ("shared_file_offset", "_fdshare.rs"),
    ("pipe_end_left_open", "_pipe.rs"),
];

#[derive(Default)]
struct Score {
    matched: usize,
    reported: usize,
    expected: usize,
}

impl Score {
    fn add(&mut self, other: &Score) {
        self.matched += other.matched;
        self.reported += other.reported;
        self.expected += other.expected;
    }

    fn line(&self) -> String {
        let ratio = |n: usize, d: usize| {
            if d == 0 {
                "   -  ".to_string()
            } else {
                format!("{:5.1}%", 100.0 * n as f64 / d as f64)
            }
        };
        format!(
            "precision {} ({}/{})  recall {} ({}/{})",
            ratio(self.matched, self.reported),
            self.matched,
            self.reported,
            ratio(self.matched, self.expected),
            self.matched,
            self.expected
        )
    }
}

struct Outcome {
    score: Score,
    skipped: Vec<String>,
    known: Vec<String>,
    problems: Vec<String>,
}

/// A `//? missed RULE -- reason` or `//? extra RULE -- reason` marker.
struct Disagreement {
    line: usize,
    rule: String,
    /// true: the linter reports a finding not expected; false: it misses one.
    extra: bool,
}

fn parse_disagreements(text: &str) -> Result<Vec<Disagreement>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(pos) = rest.find("//?") {
            rest = &rest[pos + 3..];
            let mut words = rest.split_whitespace();
            let extra = match words.next() {
                Some("extra") => true,
                Some("missed") => false,
                other => {
                    return Err(format!(
                        "line {}: `//?` wants `extra` or `missed`, not {other:?}",
                        i + 1
                    ))
                }
            };
            let rule = words.next().unwrap_or_default().to_string();
            if rules::find(&rule).is_none() {
                return Err(format!("line {}: `//?` names unknown rule `{rule}`", i + 1));
            }
            let reason = rest
                .split_once("--")
                .map(|(_, r)| r.split("//?").next().unwrap_or("").trim());
            if reason.is_none_or(str::is_empty) {
                return Err(format!("line {}: `//?` needs a reason after `--`", i + 1));
            }
            out.push(Disagreement {
                line: i + 1,
                rule,
                extra,
            });
        }
    }
    Ok(out)
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/corpus")
        .expect("tests/corpus exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    files
}

fn check(path: &Path) -> Outcome {
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    let text = std::fs::read_to_string(path).expect("corpus file is readable");
    if !text.starts_with("// Corpus:") {
        problems
            .push("  the file must open with a `// Corpus:` comment saying what is safe or hazardous".into());
    }
    let parsed = fixture::parse(&text).and_then(|spec| Ok((spec, parse_disagreements(&text)?)));
    let (spec, disagreements) = match parsed {
        Ok(p) => p,
        Err(e) => {
            problems.push(format!("  annotations: {e}"));
            return Outcome {
                score: Score::default(),
                skipped,
                known: Vec::new(),
                problems,
            };
        }
    };
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();

    let mut want: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for e in &spec.expected {
        if rules::find(&e.rule).is_some() {
            *want.entry((e.line, e.rule.clone())).or_insert(0) += 1;
            continue;
        }
        match PENDING_RULES.iter().find(|(rule, _)| *rule == e.rule) {
            Some((_, suffix)) if file_name.ends_with(suffix) => {
                skipped.push(format!("line {} {}", e.line, e.rule));
            }
            Some((_, suffix)) => problems.push(format!(
                "  line {}: `{}` is not a rule yet; expect it only in files named *{suffix}",
                e.line, e.rule
            )),
            None => problems.push(format!("  line {}: unknown rule `{}`", e.line, e.rule)),
        }
    }

    // Every group on: the pedantic findings are annotated too (where
    // forklint is blind is that rule's fixtures' business, as in the UI test).
    let report = forklint::lint_paths(&[path], &forklint::fixture::lint_options(path));
    let mut got: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for f in &report.findings {
        let line = report.db.get(f.primary.file).position(f.primary.span.start).0;
        *got.entry((line, f.rule.to_string())).or_insert(0) += 1;
    }

    let mut score = Score {
        reported: got.values().sum(),
        expected: want.values().sum(),
        ..Score::default()
    };
    // What the markers say the linter reports on each (line, rule).
    let mut marked: BTreeMap<(usize, String), (usize, usize)> = BTreeMap::new();
    for d in &disagreements {
        let entry = marked.entry((d.line, d.rule.clone())).or_insert((0, 0));
        if d.extra {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    let mut keys: Vec<&(usize, String)> = want.keys().chain(got.keys()).chain(marked.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut known = Vec::new();
    for key in keys {
        let n = want.get(key).copied().unwrap_or(0);
        let g = got.get(key).copied().unwrap_or(0);
        let (extra, missed) = marked.get(key).copied().unwrap_or((0, 0));
        score.matched += g.min(n);
        if missed > n {
            problems.push(format!(
                "  line {} {}: `//? missed` without a matching `//~` annotation",
                key.0, key.1
            ));
            continue;
        }
        let marked_count = n + extra - missed;
        if g == marked_count {
            if g != n {
                known.push(format!("line {} {} (expected {n}, got {g})", key.0, key.1));
            }
            continue;
        }
        let messages: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| {
                f.rule == key.1 && report.db.get(f.primary.file).position(f.primary.span.start).0 == key.0
            })
            .map(|f| f.message.as_str())
            .collect();
        let what = if g < n {
            "missing"
        } else if g > n {
            "unexpected"
        } else {
            "stale `//?` marker: the linter now agrees, delete the marker"
        };
        problems.push(format!(
            "  {what}: line {} {} (expected {n}, got {g}{}){}{}",
            key.0,
            key.1,
            if extra + missed > 0 {
                format!(", markers say {marked_count}")
            } else {
                String::new()
            },
            if messages.is_empty() { "" } else { ": " },
            messages.join("; ")
        ));
    }
    Outcome {
        score,
        skipped,
        known,
        problems,
    }
}

#[test]
fn corpus_produces_exactly_its_annotated_findings() {
    let files = corpus_files();
    assert!(
        files.len() >= 8,
        "expected the corpus files under tests/corpus, found {}",
        files.len()
    );
    let mut total = Score::default();
    let mut failures = Vec::new();
    println!("corpus: {} files", files.len());
    for path in &files {
        let outcome = check(path);
        println!("  {:<40} {}", path.display(), outcome.score.line());
        if !outcome.skipped.is_empty() {
            println!(
                "    skipped (rule not implemented yet): {}",
                outcome.skipped.join(", ")
            );
        }
        if !outcome.known.is_empty() {
            println!("    known disagreements: {}", outcome.known.join(", "));
        }
        total.add(&outcome.score);
        if !outcome.problems.is_empty() {
            failures.push(format!("{}:\n{}", path.display(), outcome.problems.join("\n")));
        }
    }
    println!("  {:<40} {}", "overall", total.line());
    assert!(
        failures.is_empty(),
        "{} of {} corpus files differ from their annotations:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn disagreement_markers_need_a_known_rule_and_a_reason() {
    let ok = parse_disagreements(
        "a(); //~ fd_without_cloexec //? missed fd_without_cloexec -- not in the table\n\
         b(); //? extra vfork_misuse -- the child only execs\n",
    )
    .expect("two valid markers");
    assert_eq!(ok.len(), 2);
    assert!(!ok[0].extra && ok[0].line == 1 && ok[0].rule == "fd_without_cloexec");
    assert!(ok[1].extra && ok[1].line == 2 && ok[1].rule == "vfork_misuse");

    for bad in [
        "a(); //? extra vfork_misuse",
        "a(); //? extra vfork_misuse --   ",
        "a(); //? extra no_such_rule -- why",
        "a(); //? maybe vfork_misuse -- why",
    ] {
        assert!(parse_disagreements(bad).is_err(), "accepted {bad:?}");
    }
}
