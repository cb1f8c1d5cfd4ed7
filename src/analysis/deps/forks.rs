//! Fork helpers in dependencies: a dependency's function that forks and
//! hands the result to its caller (a pty crate's `Fork::from_ptmx`, a
//! `split()` returning `Fork::Child`), or runs the closure it is given in
//! its child, makes its callers' calls forks, as a helper of the crate's
//! own does. Their names are known before the linted crate is walked, so
//! that the files calling them are walked in every mode; whether a call is
//! one is then decided by its summary (`Summary::fork_wrapper`).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use rustc_hash::{FxHashMap, FxHashSet};

use super::locate::DepSource;
use super::{DepSummaries, Summarizer};
use crate::knowledge::Knowledge;

/// Names found this run, by dependency directory: each dependency is read
/// once whatever number of crates declare it.
fn memo() -> &'static Mutex<FxHashMap<PathBuf, Vec<String>>> {
    static MEMO: OnceLock<Mutex<FxHashMap<PathBuf, Vec<String>>>> = OnceLock::new();
    MEMO.get_or_init(Default::default)
}

/// The names of the fork helpers of the dependencies the packages of
/// `manifests` declare (libc's are the tables'), each with the name of its
/// library, in `DepSummaries::helpers`.
pub fn fork_helper_names(manifests: &[PathBuf], knowledge: &Knowledge) -> DepSummaries {
    let mut s = Summarizer::new(knowledge);
    let mut seen: FxHashSet<PathBuf> = FxHashSet::default();
    let mut helpers: Vec<(String, String)> = Vec::new();
    for m in manifests {
        let from = m.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut declared: Vec<_> = s.locator.dependencies(m).into_values().collect();
        declared.sort_by(|a, b| a.package.cmp(&b.package));
        for spec in declared.iter().filter(|d| d.package != "libc") {
            let Ok(source) = s.locator.locate(spec, &from) else {
                continue;
            };
            if !seen.insert(source.dir.clone()) {
                continue;
            }
            for n in s.fork_helpers(&source) {
                let helper = (source.lib_name.clone(), n);
                if !helpers.contains(&helper) {
                    helpers.push(helper);
                }
            }
        }
    }
    s.cache.save();
    s.out.helpers = helpers;
    s.out
}

impl Summarizer<'_> {
    fn fork_helpers(&mut self, source: &DepSource) -> Vec<String> {
        if let Some(names) = memo().lock().ok().and_then(|m| m.get(&source.dir).cloned()) {
            return names;
        }
        let cached = source.immutable.then(|| self.cache.names(source)).flatten();
        let names = match cached {
            Some(names) => names,
            None => {
                let names = self.find_fork_helpers(source);
                if source.immutable {
                    self.cache.put_names(source, &names);
                }
                names
            }
        };
        if let Ok(mut m) = memo().lock() {
            m.insert(source.dir.clone(), names.clone());
        }
        names
    }

    /// Walks the files of the dependency that name a fork (none when no
    /// file says `fork`) and keeps the functions that hand a fork's result
    /// back or run a closure in the child.
    fn find_fork_helpers(&mut self, source: &DepSource) -> Vec<String> {
        let src = source.lib.parent().unwrap_or(&source.dir);
        let mentions = walkdir::WalkDir::new(src)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
            .any(|e| std::fs::read(e.path()).is_ok_and(|b| memchr::memmem::find(&b, b"fork").is_some()));
        if !mentions {
            return Vec::new();
        }
        if !self.crates.contains_key(&source.dir) {
            let c = self.load(source);
            self.crates.insert(source.dir.clone(), c);
        }
        let Some(c) = self.crates.get_mut(&source.dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = Vec::new();
        for i in (0..c.paths.len()).filter(|&i| c.forking[i]) {
            if self.out.parsed >= super::MAX_FILES {
                break;
            }
            let text = std::fs::read_to_string(&c.paths[i]).unwrap_or_default();
            super::debug(|| format!("fork helpers in {}", c.paths[i].display()));
            // Only the functions that fork themselves can be helpers.
            let text = super::bodies::keep_mentioning(&text, b"fork");
            self.out.parsed += 1;
            let facts = crate::analysis::walk_source(i, &text, &c.table, self.knowledge).unwrap_or_default();
            for f in &facts.functions {
                if f.returns_fork.is_some() || f.runs_closure_in_child.is_some() {
                    let name = f
                        .keys
                        .first()
                        .map(|k| crate::index::display_name(k))
                        .unwrap_or("");
                    if !name.is_empty() && !names.iter().any(|n| n == name) {
                        names.push(name.to_string());
                    }
                }
            }
        }
        names
    }
}
