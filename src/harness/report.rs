//! What `cargo forklint confirm` found, as a table or as JSON.

use serde::Serialize;

use super::judge::Verdict;
use super::supervisor::Observation;

/// Bytes of each stream per run kept in the JSON report.
const JSON_OUTPUT_LIMIT: usize = 16 << 10;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineRule {
    pub line: usize,
    pub rule: String,
}

/// The fixture's findings against its `//~` annotations.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StaticCheck {
    /// `ok`, `mismatch` or `error`.
    pub verdict: &'static str,
    pub expected: Vec<LineRule>,
    pub found: Vec<LineRule>,
    pub missing: Vec<LineRule>,
    pub unexpected: Vec<LineRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One run as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// Every declared outcome held.
    pub matched: bool,
    /// How the program ended by itself (`exit-ok`, `exit=N`, `signal=NAME`),
    /// or null when it was still running at the timeout.
    pub ending: Option<String>,
    pub timed_out: bool,
    pub duration_ms: u64,
    /// When the program's first process ended (or the timeout).
    pub root_ms: u64,
    /// Processes the harness killed.
    pub killed: usize,
    pub stdout: String,
    pub stderr: String,
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RunRecord {
    pub fn new(obs: &Observation, matched: bool) -> RunRecord {
        let text = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(JSON_OUTPUT_LIMIT)]).into_owned();
        RunRecord {
            matched,
            ending: obs.ending.as_ref().map(ToString::to_string),
            timed_out: obs.timed_out,
            duration_ms: obs.duration.as_millis() as u64,
            root_ms: obs.root_time.as_millis() as u64,
            killed: obs.killed,
            stdout: text(&obs.stdout),
            stderr: text(&obs.stderr),
            stdout_bytes: obs.stdout_bytes,
            stderr_bytes: obs.stderr_bytes,
            error: obs.error.clone(),
        }
    }

    /// `exit-ok in 12 ms`, `deadlock (3000 ms, 2 killed)`.
    pub fn summary(&self) -> String {
        if let Some(e) = &self.error {
            return format!("error: {e}");
        }
        if self.timed_out {
            let how = match &self.ending {
                Some(e) => format!("{e} after {} ms, then", self.root_ms),
                None => "still running".into(),
            };
            return format!(
                "deadlock: {how} at the timeout, {} process(es) killed",
                self.killed
            );
        }
        format!(
            "{} in {} ms",
            self.ending.as_deref().unwrap_or("?"),
            self.duration_ms
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RuntimeResult {
    /// The directive's outcomes, as written.
    pub expected: String,
    pub runs: usize,
    pub timeout_secs: f64,
    pub min_rate: Option<f64>,
    /// Runs in which every declared outcome held.
    pub observed: usize,
    pub rate: f64,
    pub observations: Vec<RunRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FixtureResult {
    /// The fixture's path.
    pub fixture: String,
    pub rule: String,
    pub case: String,
    pub binary: String,
    /// `hazard` (it has `//~` annotations) or `safe`.
    pub kind: &'static str,
    #[serde(rename = "static")]
    pub static_check: StaticCheck,
    pub runtime: Option<RuntimeResult>,
    pub verdict: Verdict,
    pub problems: Vec<String>,
}

impl FixtureResult {
    /// Confirmed or clean, and the findings match the annotations.
    pub fn passed(&self) -> bool {
        self.verdict.passed() && self.static_check.verdict == "ok"
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub fixtures: usize,
    pub confirmed: usize,
    pub clean: usize,
    pub failed_runtime: usize,
    pub static_ok: usize,
    pub static_mismatch: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfirmReport {
    /// Every fixture passed, statically and at run time.
    pub ok: bool,
    pub summary: Summary,
    pub fixtures: Vec<FixtureResult>,
}

impl ConfirmReport {
    pub fn new(fixtures: Vec<FixtureResult>) -> ConfirmReport {
        let count = |f: &dyn Fn(&FixtureResult) -> bool| fixtures.iter().filter(|r| f(r)).count();
        let summary = Summary {
            fixtures: fixtures.len(),
            confirmed: count(&|r| r.verdict == Verdict::Confirmed),
            clean: count(&|r| r.verdict == Verdict::Clean),
            failed_runtime: count(&|r| !r.verdict.passed()),
            static_ok: count(&|r| r.static_check.verdict == "ok"),
            static_mismatch: count(&|r| r.static_check.verdict != "ok"),
        };
        ConfirmReport {
            ok: fixtures.iter().all(FixtureResult::passed),
            summary,
            fixtures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::supervisor::Ending;
    use crate::output::confirm::{render_human, render_json};

    fn fixture(verdict: Verdict, static_verdict: &'static str, observed: usize) -> FixtureResult {
        let obs = Observation {
            ending: Some(Ending::Exited(0)),
            stdout: b"HELLO\n".to_vec(),
            stdout_bytes: 6,
            ..Observation::default()
        };
        FixtureResult {
            fixture: "fixtures/lock_held_across_fork/basic.rs".into(),
            rule: "lock_held_across_fork".into(),
            case: "basic".into(),
            binary: "target/fixtures/release/lock_held_across_fork-basic".into(),
            kind: "hazard",
            static_check: StaticCheck {
                verdict: static_verdict,
                missing: vec![LineRule {
                    line: 7,
                    rule: "lock_held_across_fork".into(),
                }],
                ..StaticCheck::default()
            },
            runtime: Some(RuntimeResult {
                expected: "deadlock".into(),
                runs: 2,
                timeout_secs: 3.0,
                min_rate: None,
                observed,
                rate: observed as f64 / 2.0,
                observations: vec![RunRecord::new(&obs, false), RunRecord::new(&obs, false)],
            }),
            verdict,
            problems: vec![],
        }
    }

    #[test]
    fn table_shows_static_and_runtime_columns_and_failures() {
        let report = ConfirmReport::new(vec![fixture(Verdict::Confirmed, "mismatch", 1)]);
        let text = render_human(&report);
        let row = text.lines().nth(1).unwrap();
        for cell in [
            "basic.rs",
            "lock_held_across_fork",
            "mismatch",
            "deadlock",
            "1/2",
            "confirmed",
        ] {
            assert!(row.contains(cell), "{cell} missing from {row:?}");
        }
        assert!(text.contains("static: missing lock_held_across_fork on line 7"));
        assert!(text.ends_with("result: FAILED\n"));
        assert!(!report.ok);
    }

    #[test]
    fn report_is_ok_only_when_everything_passes() {
        let good = ConfirmReport::new(vec![fixture(Verdict::Confirmed, "ok", 2)]);
        assert!(good.ok);
        assert!(render_human(&good).ends_with("result: ok\n"));
        assert!(!ConfirmReport::new(vec![fixture(Verdict::NotConfirmed, "ok", 0)]).ok);
    }

    #[test]
    fn json_has_the_table_fields_and_raw_runs() {
        let report = ConfirmReport::new(vec![fixture(Verdict::NotConfirmed, "ok", 0)]);
        let v: serde_json::Value = serde_json::from_str(&render_json(&report)).unwrap();
        let f = &v["fixtures"][0];
        assert_eq!(f["rule"], "lock_held_across_fork");
        assert_eq!(f["static"]["verdict"], "ok");
        assert_eq!(f["runtime"]["expected"], "deadlock");
        assert_eq!(f["runtime"]["observed"], 0);
        assert_eq!(f["verdict"], "not-confirmed");
        let run = &f["runtime"]["observations"][0];
        assert_eq!(run["ending"], "exit-ok");
        assert_eq!(run["stdout"], "HELLO\n");
        assert_eq!(run["timed_out"], false);
        assert_eq!(v["ok"], false);
    }
}
