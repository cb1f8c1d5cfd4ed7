//! Knowledge beyond the crate: a call into a dependency that the tables do
//! not list (`nix::unistd::initgroups`, `depkit::log::line`) is judged by a
//! summary of that function computed from the dependency's source by the
//! same analysis as the crate's own functions: its files are scanned into a
//! symbol table, the file defining the function and those of what it calls
//! are parsed on demand, to a fixed point within a bound, and the calls it
//! makes into further dependencies are summarized the same way. The tables
//! still win: a call they list never gets here. Summaries of registry
//! versions are cached on disk (`cache`).

mod bodies;
mod cache;
mod forks;
pub mod locate;

pub use forks::fork_helper_names;

use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::analysis::facts::{FileFacts, FnFact, Target};
use crate::analysis::summary::{self, Summaries, Summary};
use crate::index::CrateTable;
use crate::knowledge::Knowledge;
use locate::{DepSource, DepSpec, Locator};

/// How far the summaries reach: dependency levels below the linted crate,
/// and files parsed in all dependencies per linted crate. A chain cut by
/// either is unknown, with a note saying so.
pub const MAX_DEPTH: usize = 4;
pub const MAX_FILES: usize = 96;

/// What the dependencies say about the calls asked of them.
#[derive(Debug, Default)]
pub struct DepSummaries {
    /// By the path the linted crate calls (`nix::unistd::initgroups`).
    pub summaries: Summaries,
    /// Dependencies without source on disk, bounds reached (`--verbose`).
    pub notes: Vec<String>,
    /// Dependency files parsed (none on a warm cache).
    pub parsed: usize,
    /// The dependencies' fork helpers (`fork_helper_names`): each library's
    /// name and the helper's.
    pub helpers: Vec<(String, String)>,
}

/// Calls into one dependency: each path as called (`P`), and the path
/// inside the dependency (`["unistd", "initgroups"]`).
type CallsInto<P> = Vec<(P, Vec<String>)>;

/// A dependency crate as far as it was read.
struct DepCrate {
    source: DepSource,
    table: CrateTable,
    paths: Vec<PathBuf>,
    /// Each file's facts, once walked, and the function names whose
    /// bodies that walk read (the others were blanked, see `bodies`).
    fns: Vec<Vec<FnFact>>,
    read_names: Vec<FxHashSet<String>>,
    /// Files whose scan found a fork named (see `forks`).
    forking: Vec<bool>,
    /// Its own dependencies, by the name its code uses.
    deps: FxHashMap<String, DepSpec>,
    /// Its lib root's module path (where a path from the crate's name starts).
    root: Vec<String>,
}

struct Summarizer<'k> {
    knowledge: &'k Knowledge,
    words: crate::scan::Words<'k>,
    locator: Locator,
    crates: FxHashMap<PathBuf, DepCrate>,
    cache: cache::Cache,
    out: DepSummaries,
    /// Packages already reported missing or cut.
    noted: FxHashSet<String>,
}

/// Summaries of `paths` (calls of the linted crate into other crates),
/// whose packages' manifests are `manifests`.
pub fn summarize(manifests: &[PathBuf], paths: &[String], knowledge: &Knowledge) -> DepSummaries {
    let mut s = Summarizer::new(knowledge);
    let declared: Vec<(PathBuf, FxHashMap<String, DepSpec>)> = manifests
        .iter()
        .map(|m| {
            let dir = m.parent().unwrap_or(Path::new(".")).to_path_buf();
            (dir, s.locator.dependencies(m))
        })
        .collect();
    // std, core and alloc: from the rust-src component, where installed.
    let sysroot = locate::standard_library();
    // By dependency, so that each is read once for all its calls.
    let mut groups: Vec<(&PathBuf, &DepSpec, CallsInto<&String>)> = Vec::new();
    for path in paths {
        let mut segs = crate::index::segments_of(path);
        let Some(first) = segs.next() else { continue };
        // Not a dependency (a module the table missed, a type's associated
        // function): unknown as before.
        let Some((from, spec)) = declared
            .iter()
            .find_map(|(d, deps)| deps.get(first).map(|s| (d, s)))
            .or_else(|| Some((&declared.first()?.0, sysroot.get(first)?)))
        else {
            continue;
        };
        let rest: Vec<String> = segs.map(String::from).collect();
        match groups.iter_mut().find(|g| g.0 == from && g.1 == spec) {
            Some(g) => g.2.push((path, rest)),
            None => groups.push((from, spec, vec![(path, rest)])),
        }
    }
    for (from, spec, calls) in groups {
        let rests: Vec<Vec<String>> = calls.iter().map(|(_, r)| r.clone()).collect();
        let found = s.summaries_in(spec, from, &rests, 0);
        let source = s.locator.locate(spec, from).ok();
        for ((path, _), sum) in calls.into_iter().zip(found) {
            let Some(mut sum) = sum else {
                debug(|| format!("{path}: not found"));
                continue;
            };
            // Say where the chain goes: into which dependency.
            if let Some(source) = &source {
                for e in [&mut sum.lock, &mut sum.other, &mut sum.on_error]
                    .into_iter()
                    .flatten()
                {
                    e.why = format!("in `{}` {}, it {}", source.package, source.version, e.why);
                }
            }
            debug(|| format!("{path}: {:?}", sum.effect()));
            s.out.summaries.insert(path.clone(), sum);
        }
    }
    s.cache.save();
    s.out
}

impl<'k> Summarizer<'k> {
    fn new(knowledge: &'k Knowledge) -> Summarizer<'k> {
        Summarizer {
            knowledge,
            words: crate::scan::Words::new(knowledge),
            locator: Locator::new(),
            crates: FxHashMap::default(),
            cache: cache::Cache::new(knowledge),
            out: DepSummaries::default(),
            noted: FxHashSet::default(),
        }
    }
}

impl Summarizer<'_> {
    /// The summaries of `rests` (paths inside the dependency `spec`,
    /// declared by the package in `from`); `None` for a function not found.
    fn summaries_in(
        &mut self,
        spec: &DepSpec,
        from: &Path,
        rests: &[Vec<String>],
        depth: usize,
    ) -> Vec<Option<Summary>> {
        let source = match self.locator.locate(spec, from) {
            Ok(s) => s,
            Err(why) => {
                self.note(&spec.package, why.clone());
                return vec![Some(unknown_because(why)); rests.len()];
            }
        };
        let inner = |r: &Vec<String>| format!("{}::{}", source.lib_name, r.join("::"));
        let mut out: Vec<Option<Summary>> = vec![None; rests.len()];
        let mut todo: Vec<usize> = Vec::new();
        for (i, r) in rests.iter().enumerate() {
            match source
                .immutable
                .then(|| self.cache.get(&source, &inner(r)))
                .flatten()
            {
                Some(hit) => out[i] = hit,
                None => todo.push(i),
            }
        }
        if todo.is_empty() {
            return out;
        }
        let asked: Vec<&Vec<String>> = todo.iter().map(|&i| &rests[i]).collect();
        let computed = self.compute(&source, &asked, depth);
        for (i, found) in todo.into_iter().zip(computed) {
            if source.immutable && !found.as_ref().is_some_and(|s| s.cut) {
                self.cache.put(&source, &inner(&rests[i]), found.clone());
            }
            out[i] = found.map(|f| f.summary);
        }
        out
    }

    fn note(&mut self, package: &str, why: String) {
        if self.noted.insert(package.to_string()) {
            self.out.notes.push(why);
        }
    }

    /// Reads the dependency as far as `rests` need and summarizes them.
    fn compute(&mut self, source: &DepSource, rests: &[&Vec<String>], depth: usize) -> Vec<Option<Computed>> {
        if !self.crates.contains_key(&source.dir) {
            let c = self.load(source);
            self.crates.insert(source.dir.clone(), c);
        }
        let resolved: Vec<Option<Resolved>> = {
            let c = &self.crates[&source.dir];
            rests.iter().map(|r| resolve(c, r)).collect()
        };
        // The crate's functions the summaries need, to a fixed point.
        let mut needed: FxHashSet<String> = resolved
            .iter()
            .filter_map(|r| match r {
                Some(Resolved::Here(k)) => Some(k.clone()),
                _ => None,
            })
            .collect();
        let mut cut = !needed.is_empty() && self.read(&source.dir, &mut needed);
        if cut {
            self.note(
                &format!("{}#bound", source.package),
                format!(
                    "dependency summaries stopped at {MAX_FILES} files while reading `{}`: calls past it are unknown",
                    source.package
                ),
            );
        }
        // Calls into further dependencies, summarized first, and C functions.
        let (mut seeds, externals, deps) = {
            let c = &self.crates[&source.dir];
            let mut ext: Vec<String> = Vec::new();
            for f in c
                .fns
                .iter()
                .flatten()
                .filter(|f| f.keys.iter().any(|k| needed.contains(k)))
            {
                for call in &f.calls {
                    if let Target::External { path } = &call.target {
                        if !ext.contains(path) {
                            ext.push(path.clone());
                        }
                    }
                }
            }
            (
                summary::of_c_functions(needed.iter(), &c.table, self.knowledge),
                ext,
                c.deps.clone(),
            )
        };
        let mut by_dep: Vec<(&DepSpec, CallsInto<String>)> = Vec::new();
        for path in externals {
            let mut segs = crate::index::segments_of(&path);
            let Some(spec) = deps.get(segs.next().unwrap_or("")) else {
                continue;
            };
            let rest: Vec<String> = segs.map(String::from).collect();
            match by_dep.iter_mut().find(|g| g.0 == spec) {
                Some(g) => g.1.push((path, rest)),
                None => by_dep.push((spec, vec![(path, rest)])),
            }
        }
        for (spec, calls) in by_dep {
            if depth + 1 >= MAX_DEPTH {
                cut = true;
                continue;
            }
            let rests: Vec<Vec<String>> = calls.iter().map(|(_, r)| r.clone()).collect();
            let found = self.summaries_in(spec, &source.dir, &rests, depth + 1);
            for ((path, _), s) in calls.into_iter().zip(found) {
                if let Some(s) = s {
                    seeds.insert(path, s);
                }
            }
        }
        let sums = {
            let c = &self.crates[&source.dir];
            let facts: Vec<FileFacts> = c
                .fns
                .iter()
                .map(|fns| FileFacts {
                    functions: fns.clone(),
                    ..FileFacts::default()
                })
                .collect();
            summary::compute(&facts, &seeds)
        };
        let dir = source.dir.clone();
        resolved
            .into_iter()
            .map(|r| match r? {
                Resolved::Elsewhere(path) => self.reexported(deps.clone(), &dir, &path, depth),
                Resolved::Here(key) => {
                    let mut summary = sums
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| unknown_because(format!("`{key}` could not be read")));
                    // A wrapper: its callers' calls are forks.
                    if let Some(f) = self.crates[&source.dir]
                        .fns
                        .iter()
                        .flatten()
                        .find(|f| f.keys.contains(&key))
                    {
                        summary.fork_wrapper = f.returns_fork;
                        summary.closure_child = f.runs_closure_in_child;
                    }
                    // A bound cut the reading: what was not read may be worse.
                    if cut && summary.lock.is_none() && summary.other.is_none() {
                        summary = unknown_because(format!(
                            "a bound ({MAX_DEPTH} crates, {MAX_FILES} files) cut the reading"
                        ));
                    }
                    Some(Computed { summary, cut })
                }
            })
            .collect()
    }

    /// Walks the files defining the `needed` functions of the dependency in
    /// `dir` (only those functions' bodies: see `bodies`), adding what they
    /// call, to a fixed point. `true` when the file bound cut it.
    fn read(&mut self, dir: &Path, needed: &mut FxHashSet<String>) -> bool {
        let Some(c) = self.crates.get_mut(dir) else {
            return false;
        };
        loop {
            // Each file's needed functions whose bodies no walk read yet.
            let todo: Vec<(usize, FxHashSet<String>)> = (0..c.paths.len())
                .filter_map(|i| {
                    let new: FxHashSet<String> = c.table.file_keys[i]
                        .iter()
                        .filter(|k| needed.contains(*k))
                        .map(|k| crate::index::display_name(k).to_string())
                        .filter(|n| !c.read_names[i].contains(n))
                        .collect();
                    (!new.is_empty()).then_some((i, new))
                })
                .collect();
            if todo.is_empty() {
                return false;
            }
            for (i, new) in todo {
                if self.out.parsed >= MAX_FILES {
                    return true;
                }
                let text = std::fs::read_to_string(&c.paths[i]).unwrap_or_default();
                let wanted: FxHashSet<&str> = new.iter().map(String::as_str).collect();
                let text = bodies::keep_only(&text, &wanted);
                debug(|| format!("parse {} ({wanted:?})", c.paths[i].display()));
                self.out.parsed += 1;
                let facts =
                    crate::analysis::walk_source(i, &text, &c.table, self.knowledge).unwrap_or_default();
                // Only the functions whose bodies were read: a blanked one
                // would pass for a function that does nothing.
                for f in facts.functions {
                    let name = f
                        .keys
                        .first()
                        .map(|k| crate::index::display_name(k))
                        .unwrap_or("");
                    if new.contains(name) {
                        c.fns[i].retain(|old| old.keys != f.keys);
                        c.fns[i].push(f);
                    }
                }
                c.read_names[i].extend(new);
            }
            let before = needed.len();
            let callees: Vec<String> = c
                .fns
                .iter()
                .flatten()
                .filter(|f| f.keys.iter().any(|k| needed.contains(k)))
                .flat_map(|f| f.calls.iter())
                .flat_map(|call| match &call.target {
                    Target::Local { keys } => keys.clone(),
                    _ => Vec::new(),
                })
                .collect();
            needed.extend(callees);
            if needed.len() == before {
                return false;
            }
        }
    }

    /// A function a dependency re-exports from another crate (`path`):
    /// the tables' entry, else that crate's summary.
    fn reexported(
        &mut self,
        deps: FxHashMap<String, DepSpec>,
        dir: &Path,
        path: &str,
        depth: usize,
    ) -> Option<Computed> {
        if let Some(fact) = self.knowledge.function(path) {
            let mut summary = Summary::default();
            match fact.class {
                Some(class) if class.is_unsafe() => {
                    let why = format!("is `{path}` ({})", fact.why);
                    summary = summary::from_effect(class, why);
                }
                Some(_) => {}
                None => summary.unknown = true,
            }
            return Some(Computed { summary, cut: false });
        }
        let mut segs = crate::index::segments_of(path);
        let spec = deps.get(segs.next()?)?;
        let rest: Vec<String> = segs.map(String::from).collect();
        if depth + 1 >= MAX_DEPTH {
            return Some(Computed {
                summary: unknown_because(format!(
                    "the chain through `{path}` is deeper than {MAX_DEPTH} crates"
                )),
                cut: true,
            });
        }
        let summary = self.summaries_in(spec, dir, &[rest], depth + 1).pop().flatten()?;
        Some(Computed { summary, cut: false })
    }

    /// Scans every file of the dependency's library into its symbol table.
    fn load(&mut self, source: &DepSource) -> DepCrate {
        let src = source.lib.parent().unwrap_or(&source.dir).to_path_buf();
        let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&src)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
            .map(|e| e.into_path())
            .collect();
        paths.sort();
        let scans: Vec<crate::scan::FileScan> = paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap_or_default();
                crate::scan::scan(&text, &self.words, false)
            })
            .collect();
        let ids: Vec<usize> = (0..paths.len()).collect();
        let path_refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let scan_refs: Vec<&crate::scan::FileScan> = scans.iter().collect();
        let table = CrateTable::from_scans(&ids, &path_refs, &scan_refs);
        let root = paths
            .iter()
            .position(|p| *p == source.lib)
            .and_then(|i| table.file_modules.get(&i).cloned())
            .unwrap_or_default();
        let deps = self.locator.dependencies(&source.dir.join("Cargo.toml"));
        DepCrate {
            source: source.clone(),
            fns: vec![Vec::new(); paths.len()],
            forking: scans.iter().map(|s| s.forks).collect(),
            read_names: vec![FxHashSet::default(); paths.len()],
            paths,
            table,
            deps,
            root,
        }
    }
}

/// A summary and whether a bound cut it (then it is not cached).
#[derive(Debug, Clone)]
pub(crate) struct Computed {
    summary: Summary,
    cut: bool,
}

/// Where a path into a dependency leads.
enum Resolved {
    /// A function of the dependency, by its key in its table.
    Here(String),
    /// Another crate's function it re-exports (`pub use other::f`).
    Elsewhere(String),
}

/// The function `rest` names from the dependency's root: a free function
/// through its modules and re-exports, or a method (`Type::method`, the
/// type at the root or in a module), or another crate's function it
/// re-exports.
fn resolve(c: &DepCrate, rest: &[String]) -> Option<Resolved> {
    let mut written = vec![c.source.lib_name.clone()];
    written.extend(rest.iter().cloned());
    if let Some(k) = c.table.resolve_fn(&c.root, &written, &[], false) {
        return Some(Resolved::Here(k));
    }
    if let [.., ty, method] = rest {
        if ty.starts_with(char::is_uppercase) {
            if let Some(k) = c.table.method_key(ty, method) {
                return Some(Resolved::Here(k));
            }
        }
    }
    c.table
        .foreign_reexport(&c.root, &written)
        .map(Resolved::Elsewhere)
}

/// With `FORKLINT_DEBUG_DEPS` set, says on stderr what the dependency
/// reading does (what is parsed, what each call came to).
fn debug(what: impl FnOnce() -> String) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("FORKLINT_DEBUG_DEPS").is_some()) {
        eprintln!("deps: {}", what());
    }
}

/// A call whose summary cannot be had, and why.
fn unknown_because(why: String) -> Summary {
    Summary {
        unknown: true,
        unknown_why: Some(format!("not known to be async-signal-safe: {why}")),
        ..Summary::default()
    }
}
