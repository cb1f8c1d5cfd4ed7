//! `cargo forklint confirm`'s feedback while it runs (it can take
//! minutes): on a terminal a progress bar naming the fixture being run,
//! redrawn in place; elsewhere (CI logs) one line per finished fixture.
//! All on stderr: stdout is the report's.

use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar redrawn with `\r` (stderr is a terminal).
    Bar,
    /// One line per finished fixture.
    Lines,
    Off,
}

impl Mode {
    /// The bar on a terminal, lines otherwise, nothing with `quiet`.
    pub fn detect(enabled: bool) -> Mode {
        use std::io::IsTerminal;
        match (enabled, std::io::stderr().is_terminal()) {
            (false, _) => Mode::Off,
            (true, true) => Mode::Bar,
            (true, false) => Mode::Lines,
        }
    }
}

/// Progress over runs, each owned by a fixture.
pub struct Progress {
    mode: Mode,
    /// Display name of each fixture.
    names: Vec<String>,
    /// The fixture each run belongs to.
    owner: Vec<usize>,
    finished: Vec<bool>,
    runs_done: usize,
    /// Runs still to finish, per fixture.
    left: Vec<usize>,
    fixtures_done: usize,
    fixtures_total: usize,
}

const BAR_WIDTH: usize = 24;

impl Progress {
    pub fn new(mode: Mode, names: Vec<String>, owner: Vec<usize>) -> Progress {
        let mut left = vec![0; names.len()];
        for &o in &owner {
            left[o] += 1;
        }
        let fixtures_total = left.iter().filter(|&&n| n > 0).count();
        Progress {
            mode,
            finished: vec![false; owner.len()],
            names,
            owner,
            runs_done: 0,
            left,
            fixtures_done: 0,
            fixtures_total,
        }
    }

    /// Run `job` has finished.
    pub fn finished(&mut self, job: usize) {
        if job >= self.owner.len() || self.finished[job] {
            return;
        }
        self.finished[job] = true;
        self.runs_done += 1;
        let fixture = self.owner[job];
        self.left[fixture] -= 1;
        let fixture_done = self.left[fixture] == 0;
        if fixture_done {
            self.fixtures_done += 1;
        }
        let text = match self.mode {
            Mode::Off => return,
            Mode::Lines if fixture_done => format!(
                "forklint confirm: [{}/{}] {} done\n",
                self.fixtures_done, self.fixtures_total, self.names[fixture]
            ),
            Mode::Lines => return,
            Mode::Bar => self.bar(),
        };
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
    }

    /// `\r[=====>      ] 12/40 runs, 3/8 fixtures  running NAME`, padded to
    /// wipe a longer line before it.
    fn bar(&self) -> String {
        let total = self.owner.len().max(1);
        let filled = self.runs_done * BAR_WIDTH / total;
        let mut bar = "=".repeat(filled);
        if filled < BAR_WIDTH {
            bar.push('>');
        }
        // The run started first of those still going: runs start in order.
        let running = self
            .finished
            .iter()
            .position(|done| !done)
            .map(|job| format!("  running {}", self.names[self.owner[job]]))
            .unwrap_or_default();
        format!(
            "\r[{bar:<BAR_WIDTH$}] {}/{} runs, {}/{} fixtures{running:<60}",
            self.runs_done,
            self.owner.len(),
            self.fixtures_done,
            self.fixtures_total
        )
    }

    /// Ends the bar's line so what follows starts on a fresh one.
    pub fn end(&self) {
        if self.mode == Mode::Bar && !self.owner.is_empty() {
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixture_is_done_when_its_last_run_is() {
        let mut p = Progress::new(Mode::Off, vec!["a".into(), "b".into()], vec![0, 1, 0, 1]);
        p.finished(0);
        assert_eq!(p.fixtures_done, 0);
        p.finished(2);
        assert_eq!(p.fixtures_done, 1);
        p.finished(2);
        assert_eq!(p.runs_done, 2, "a run is counted once");
        let bar = p.bar();
        assert!(bar.contains("2/4 runs, 1/2 fixtures  running b"), "{bar}");
    }
}
