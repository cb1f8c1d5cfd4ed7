//! What a lint run is asked to do.

use std::path::PathBuf;

use crate::diagnostic::Level;
use crate::{config, discover, glob};

/// Everything a lint run needs to know.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Files or directories; empty means the cargo workspace.
    pub paths: Vec<PathBuf>,
    pub packages: discover::PackageSelection,
    /// Level overrides in order: the config file's, then `-A/-W/-D`
    /// (`warnings` is a group; see `config::apply_levels`).
    pub levels: Vec<(String, Level)>,
    pub assume_threads: bool,
    /// Report calls to unknown external functions in child regions.
    pub unknown_calls_warn: bool,
    /// Lock types, thread spawners and signal-safe functions from the
    /// config, on top of the built-in knowledge tables.
    pub extra_knowledge: config::ExtraKnowledge,
    /// Report only findings not in this baseline.
    pub baseline: Option<PathBuf>,
    /// Record every finding in this baseline file (and report none).
    pub write_baseline: Option<PathBuf>,
    pub full: bool,
    /// With `full`: walk every function, also the entry points (`main`,
    /// tests) that `--full` leaves unwalked because they can change no
    /// finding (they reach no fork and no rule reads what they do).
    /// `--walk-every-entry`; the tests and the benchmark check the shortcut
    /// against it.
    pub walk_every_entry: bool,
    pub jobs: Option<usize>,
    /// The project root for path runs (a cargo run uses the workspace
    /// root): baseline paths and `include`/`exclude` globs are relative to
    /// it. `None`: the working directory.
    pub root: Option<PathBuf>,
    /// `include` / `exclude` (config) and `--exclude-path` globs.
    pub path_filter: glob::PathFilter,
    /// Paths given on the command line: also lint what git ignores
    /// (`--no-ignore`).
    pub no_ignore: bool,
    /// Judge calls into dependencies by the tables alone, without reading
    /// their sources (`--no-deps`).
    pub no_deps: bool,
    /// Say what the run could not see (`--verbose`): dependencies without
    /// source on disk, bounds reached.
    pub verbose: bool,
}
