//! Judging runs against a fixture's `//@ run:` directive, from what was
//! observed (exit status, timing, captured bytes) and never from anything
//! the fixture says about itself.

use serde::Serialize;

use super::supervisor::{Ending, Observation};
use crate::fixture::{Outcome, RunDirective};

/// Whether one declared outcome happened in a run.
pub fn outcome_holds(outcome: &Outcome, obs: &Observation) -> bool {
    if obs.error.is_some() {
        return false;
    }
    let ended_itself = !obs.timed_out && obs.ending.is_some();
    let out = obs.stdout.as_slice();
    match outcome {
        Outcome::Deadlock => obs.timed_out,
        Outcome::ExitOk => !obs.timed_out && obs.ending == Some(Ending::Exited(0)),
        Outcome::Exit(code) => !obs.timed_out && obs.ending == Some(Ending::Exited(*code)),
        Outcome::Signal(name) => {
            !obs.timed_out && matches!(&obs.ending, Some(Ending::Signaled(sig)) if same_signal(sig, name))
        }
        Outcome::StdoutDup(marker) => occurrences(out, marker) >= 2,
        // The parent reported what it sees (stdout is not empty) and the
        // child's value is not in it. A crash or a hang reports nothing, so
        // it cannot pass for a lost write.
        Outcome::StdoutLost(marker) => ended_itself && !out.is_empty() && occurrences(out, marker) == 0,
        Outcome::StdoutHas(text) => occurrences(out, text) >= 1,
        Outcome::StdoutLacks(text) => occurrences(out, text) == 0,
    }
}

/// A run counts when every declared outcome held in it.
pub fn run_matches(expect: &[Outcome], obs: &Observation) -> bool {
    !expect.is_empty() && expect.iter().all(|o| outcome_holds(o, obs))
}

/// `SIGSEGV`, `SEGV` and `segv` name the same signal.
fn same_signal(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = s.trim().to_ascii_uppercase();
        s.strip_prefix("SIG").map(str::to_string).unwrap_or(s)
    };
    norm(a) == norm(b)
}

/// Non-overlapping occurrences of `needle` in `hay`.
pub fn occurrences(hay: &[u8], needle: &str) -> usize {
    let needle = needle.as_bytes();
    if needle.is_empty() {
        return 0;
    }
    let mut count = 0;
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        if &hay[i..i + needle.len()] == needle {
            count += 1;
            i += needle.len();
        } else {
            i += 1;
        }
    }
    count
}

/// What the directive says about the fixture: `Some(true)` when it expects
/// a misbehaviour (a deadlock, a signal, duplicated or lost output),
/// `Some(false)` when it expects a plain successful exit and nothing else,
/// `None` when the outcomes could describe either (an exit code, text on
/// stdout), in which case the annotations decide.
pub fn expects_hazard(directive: &RunDirective) -> Option<bool> {
    let hazard = directive.expect.iter().any(|o| {
        matches!(
            o,
            Outcome::Deadlock | Outcome::Signal(_) | Outcome::StdoutDup(_) | Outcome::StdoutLost(_)
        )
    });
    if hazard {
        Some(true)
    } else if directive
        .expect
        .iter()
        .all(|o| matches!(o, Outcome::ExitOk | Outcome::Exit(0)))
    {
        Some(false)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A hazard whose declared outcome happened (at the minimum rate).
    Confirmed,
    NotConfirmed,
    /// A safe look-alike that ended as declared in every run.
    Clean,
    NotClean,
    /// The annotations call it hazardous and the directive safe, or the
    /// other way round.
    Disagree,
    /// No `//@ run:` directive.
    NoRun,
    /// The fixture could not be read, parsed, built or run.
    Error,
}

impl Verdict {
    pub fn passed(self) -> bool {
        matches!(self, Verdict::Confirmed | Verdict::Clean)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Confirmed => "confirmed",
            Verdict::NotConfirmed => "NOT CONFIRMED",
            Verdict::Clean => "clean",
            Verdict::NotClean => "NOT CLEAN",
            Verdict::Disagree => "DISAGREE",
            Verdict::NoRun => "NO RUN",
            Verdict::Error => "ERROR",
        }
    }
}

/// The verdict on `matched` runs out of `runs`: a hazard needs at least one
/// (and at least `min-rate` of them), a safe fixture needs all.
pub fn runtime_verdict(hazard: bool, directive: &RunDirective, matched: usize, runs: usize) -> Verdict {
    if hazard {
        let rate = if runs == 0 {
            0.0
        } else {
            matched as f64 / runs as f64
        };
        if matched >= 1 && rate + 1e-9 >= directive.min_rate.unwrap_or(0.0) {
            Verdict::Confirmed
        } else {
            Verdict::NotConfirmed
        }
    } else if runs > 0 && matched == runs {
        Verdict::Clean
    } else {
        Verdict::NotClean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::parse;

    fn exited(code: i32, stdout: &str) -> Observation {
        Observation {
            ending: Some(Ending::Exited(code)),
            stdout: stdout.as_bytes().to_vec(),
            ..Observation::default()
        }
    }

    fn hung(stdout: &str) -> Observation {
        Observation {
            timed_out: true,
            stdout: stdout.as_bytes().to_vec(),
            ..Observation::default()
        }
    }

    fn directive(line: &str) -> RunDirective {
        parse(line).unwrap().run.unwrap()
    }

    #[test]
    fn each_outcome_against_observations() {
        let ok = exited(0, "HELLO\nCOUNT=0\n");
        let dup = exited(0, "HELLO\nHELLO\n");
        let segv = Observation {
            ending: Some(Ending::Signaled("SIGSEGV".into())),
            ..Observation::default()
        };
        let hang = hung("HELLO\n");
        assert!(outcome_holds(&Outcome::ExitOk, &ok));
        assert!(!outcome_holds(&Outcome::ExitOk, &hang));
        assert!(!outcome_holds(&Outcome::ExitOk, &exited(3, "")));
        assert!(outcome_holds(&Outcome::Exit(3), &exited(3, "")));
        assert!(outcome_holds(&Outcome::Deadlock, &hang));
        assert!(!outcome_holds(&Outcome::Deadlock, &ok));
        assert!(outcome_holds(&Outcome::Signal("SIGSEGV".into()), &segv));
        assert!(outcome_holds(&Outcome::Signal("segv".into()), &segv));
        assert!(!outcome_holds(&Outcome::Signal("SIGABRT".into()), &segv));
        assert!(outcome_holds(&Outcome::StdoutDup("HELLO".into()), &dup));
        assert!(!outcome_holds(&Outcome::StdoutDup("HELLO".into()), &ok));
        assert!(outcome_holds(&Outcome::StdoutLost("COUNT=1".into()), &ok));
        assert!(!outcome_holds(&Outcome::StdoutLost("COUNT=0".into()), &ok));
        // Nothing printed, or a hang: no evidence the parent saw anything.
        assert!(!outcome_holds(
            &Outcome::StdoutLost("COUNT=1".into()),
            &exited(0, "")
        ));
        assert!(!outcome_holds(&Outcome::StdoutLost("X".into()), &hang));
        assert!(outcome_holds(&Outcome::StdoutHas("COUNT=0".into()), &ok));
        assert!(outcome_holds(&Outcome::StdoutLacks("COUNT=1".into()), &ok));
        let failed = Observation {
            error: Some("cannot run".into()),
            timed_out: true,
            ..Observation::default()
        };
        assert!(!outcome_holds(&Outcome::Deadlock, &failed));
    }

    #[test]
    fn combined_outcomes_must_all_hold() {
        let d = directive("//@ run: expect=stdout-dup=HELLO,exit=3\n");
        assert!(run_matches(&d.expect, &exited(3, "HELLO HELLO")));
        assert!(!run_matches(&d.expect, &exited(0, "HELLO HELLO")));
        assert!(!run_matches(&d.expect, &exited(3, "HELLO")));
    }

    #[test]
    fn occurrences_do_not_overlap() {
        assert_eq!(occurrences(b"aaaa", "aa"), 2);
        assert_eq!(occurrences(b"xHELLOyHELLO", "HELLO"), 2);
        assert_eq!(occurrences(b"", "a"), 0);
        assert_eq!(occurrences(b"abc", ""), 0);
    }

    #[test]
    fn directive_kind() {
        assert_eq!(expects_hazard(&directive("//@ run: expect=deadlock")), Some(true));
        assert_eq!(
            expects_hazard(&directive("//@ run: expect=exit-ok,stdout-dup=X")),
            Some(true)
        );
        assert_eq!(expects_hazard(&directive("//@ run: expect=exit-ok")), Some(false));
        assert_eq!(expects_hazard(&directive("//@ run: expect=exit=0")), Some(false));
        assert_eq!(
            expects_hazard(&directive("//@ run: expect=stdout-has=COUNT=0")),
            None
        );
        assert_eq!(
            expects_hazard(&directive("//@ run: expect=exit-ok,stdout-has=A")),
            None
        );
    }

    #[test]
    fn verdicts_and_min_rate() {
        let plain = directive("//@ run: expect=deadlock");
        assert_eq!(runtime_verdict(true, &plain, 1, 5), Verdict::Confirmed);
        assert_eq!(runtime_verdict(true, &plain, 0, 5), Verdict::NotConfirmed);
        let flaky = directive("//@ run: expect=deadlock runs=10 min-rate=0.3");
        assert_eq!(runtime_verdict(true, &flaky, 2, 10), Verdict::NotConfirmed);
        assert_eq!(runtime_verdict(true, &flaky, 3, 10), Verdict::Confirmed);
        let safe = directive("//@ run: expect=exit-ok");
        assert_eq!(runtime_verdict(false, &safe, 5, 5), Verdict::Clean);
        assert_eq!(runtime_verdict(false, &safe, 4, 5), Verdict::NotClean);
        assert_eq!(runtime_verdict(false, &safe, 0, 0), Verdict::NotClean);
    }
}
