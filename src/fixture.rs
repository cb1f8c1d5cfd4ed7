//! The expectations a fixture file carries about itself.
//!
//! ```text
//! //@ run: expect=deadlock runs=10 timeout=2 min-rate=0.5
//!     match unsafe { fork() } {      //~ lock_held_across_fork
//!     some_call();
//!     //~^ unsafe_call_in_child
//! ```
//!
//! `//~ NAME` expects a finding of rule NAME whose primary span starts on the
//! same line; `//~^ NAME` on the line above (`//~^^` two above, and so on).
//! `//@ run:` is read by the runtime harness. The UI test and the harness
//! share this parser.

use std::collections::BTreeMap;

/// An expected finding: 1-based line and rule name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    pub line: usize,
    pub rule: String,
}

/// One `//@ run:` directive.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunDirective {
    /// Every outcome listed must hold in a run for it to count.
    pub expect: Vec<Outcome>,
    pub runs: Option<usize>,
    pub timeout_secs: Option<f64>,
    pub min_rate: Option<f64>,
}

/// What a run of a fixture can be observed to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still running at the timeout.
    Deadlock,
    /// Exited with status 0.
    ExitOk,
    Exit(i32),
    /// Killed by a signal, by name (`SIGABRT`).
    Signal(String),
    /// MARKER appears more than once on stdout.
    StdoutDup(String),
    /// MARKER, written by the child, is not on the parent's stdout.
    StdoutLost(String),
    /// stdout contains the text.
    StdoutHas(String),
    /// stdout does not contain the text.
    StdoutLacks(String),
}

impl Outcome {
    pub fn parse(s: &str) -> Result<Outcome, String> {
        let (key, value) = match s.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (s, None),
        };
        let need = |v: Option<&str>| {
            v.filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("`{key}` needs a value"))
        };
        Ok(match key {
            "deadlock" => Outcome::Deadlock,
            "exit-ok" => Outcome::ExitOk,
            "exit" => Outcome::Exit(
                need(value)?
                    .parse()
                    .map_err(|_| format!("bad exit code in `{s}`"))?,
            ),
            "signal" => Outcome::Signal(need(value)?),
            "stdout-dup" => Outcome::StdoutDup(need(value)?),
            "stdout-lost" => Outcome::StdoutLost(need(value)?),
            "stdout-has" => Outcome::StdoutHas(need(value)?),
            "stdout-lacks" => Outcome::StdoutLacks(need(value)?),
            _ => return Err(format!("unknown outcome `{s}`")),
        })
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Deadlock => write!(f, "deadlock"),
            Outcome::ExitOk => write!(f, "exit-ok"),
            Outcome::Exit(n) => write!(f, "exit={n}"),
            Outcome::Signal(s) => write!(f, "signal={s}"),
            Outcome::StdoutDup(m) => write!(f, "stdout-dup={m}"),
            Outcome::StdoutLost(m) => write!(f, "stdout-lost={m}"),
            Outcome::StdoutHas(m) => write!(f, "stdout-has={m}"),
            Outcome::StdoutLacks(m) => write!(f, "stdout-lacks={m}"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FixtureSpec {
    pub expected: Vec<Expected>,
    pub run: Option<RunDirective>,
}

impl FixtureSpec {
    /// A fixture is hazardous when it expects at least one finding.
    pub fn is_hazard(&self) -> bool {
        !self.expected.is_empty()
    }

    /// Expected findings counted per (line, rule).
    pub fn expected_counts(&self) -> BTreeMap<(usize, String), usize> {
        let mut m = BTreeMap::new();
        for e in &self.expected {
            *m.entry((e.line, e.rule.clone())).or_insert(0) += 1;
        }
        m
    }
}

/// The options a fixture's annotations are written against: every group
/// on (pedantic findings are annotated too), except `unknown_call_in_child`
/// outside its own fixtures (where forklint is blind would follow every
/// change to the knowledge tables there). The UI test and the harness's
/// static check both use it.
pub fn lint_options(path: &std::path::Path) -> crate::Options {
    use crate::diagnostic::Level;
    let mut levels = vec![("pedantic".to_string(), Level::Warn)];
    if !path
        .parent()
        .is_some_and(|d| d.ends_with("unknown_call_in_child"))
    {
        levels.push(("unknown_call_in_child".to_string(), Level::Allow));
    }
    crate::Options {
        levels,
        ..crate::Options::default()
    }
}

pub fn parse(text: &str) -> Result<FixtureSpec, String> {
    let mut spec = FixtureSpec::default();
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if let Some(pos) = line.find("//@ run:") {
            if spec.run.is_some() {
                return Err(format!("line {lineno}: a second `//@ run:` directive"));
            }
            spec.run =
                Some(parse_run(&line[pos + "//@ run:".len()..]).map_err(|e| format!("line {lineno}: {e}"))?);
            continue;
        }
        let mut rest = line;
        while let Some(pos) = rest.find("//~") {
            rest = &rest[pos + 3..];
            let carets = rest.chars().take_while(|&c| c == '^').count();
            let after = rest[carets..].trim_start();
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.is_empty() {
                return Err(format!("line {lineno}: `//~` without a rule name"));
            }
            if carets >= lineno {
                return Err(format!("line {lineno}: `//~` points above the file"));
            }
            spec.expected.push(Expected {
                line: lineno - carets,
                rule: name,
            });
        }
    }
    spec.expected.sort();
    Ok(spec)
}

fn parse_run(s: &str) -> Result<RunDirective, String> {
    let mut d = RunDirective::default();
    for word in s.split_whitespace() {
        let (key, value) = word
            .split_once('=')
            .ok_or_else(|| format!("`{word}` is not key=value"))?;
        match key {
            "expect" => {
                for o in value.split(',') {
                    d.expect.push(Outcome::parse(o)?);
                }
            }
            "runs" => d.runs = Some(value.parse().map_err(|_| format!("bad runs `{value}`"))?),
            "timeout" => d.timeout_secs = Some(value.parse().map_err(|_| format!("bad timeout `{value}`"))?),
            "min-rate" => d.min_rate = Some(value.parse().map_err(|_| format!("bad min-rate `{value}`"))?),
            _ => return Err(format!("unknown key `{key}`")),
        }
    }
    if d.expect.is_empty() {
        return Err("`//@ run:` needs expect=".into());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_annotations_and_directive() {
        let src = "//@ run: expect=deadlock runs=7 timeout=2.5\nfn main() {\n  fork(); //~ lock_held_across_fork\n  x();\n  //~^ unsafe_call_in_child\n  //~^^^ a //~ b\n}\n";
        let spec = parse(src).unwrap();
        let run = spec.run.unwrap();
        assert_eq!(run.expect, vec![Outcome::Deadlock]);
        assert_eq!(run.runs, Some(7));
        assert_eq!(run.timeout_secs, Some(2.5));
        let got: Vec<(usize, &str)> = spec.expected.iter().map(|e| (e.line, e.rule.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (3, "a"),
                (3, "lock_held_across_fork"),
                (4, "unsafe_call_in_child"),
                (6, "b")
            ]
        );
    }

    #[test]
    fn combined_outcomes_and_errors() {
        let spec = parse("//@ run: expect=stdout-dup=HELLO,exit=3\n").unwrap();
        assert_eq!(
            spec.run.unwrap().expect,
            vec![Outcome::StdoutDup("HELLO".into()), Outcome::Exit(3)]
        );
        assert!(parse("//@ run: expect=bogus\n").is_err());
        assert!(parse("//~^ x\n").is_err());
    }
}
