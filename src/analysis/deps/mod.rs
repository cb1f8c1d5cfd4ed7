//! Knowledge beyond the crate: a call into a dependency that the tables do
//! not list (`nix::unistd::initgroups`, `depkit::log::line`) is judged by a
//! summary of that function computed from the dependency's source by the
//! same analysis as the crate's own functions: its files are scanned into a
//! symbol table, the file defining the function and those of what it calls
//! are parsed on demand, to a fixed point within a bound, and the calls it
//! makes into further dependencies are summarized the same way. The tables
//! still win: a call they list never gets here. Summaries of registry
//! versions are cached on disk (`cache`).

mod cache;
pub mod locate;

use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::analysis::facts::{FileFacts, Target};
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
}

/// A dependency crate as far as it was read.
struct DepCrate {
    source: DepSource,
    table: CrateTable,
    paths: Vec<PathBuf>,
    /// Each file's facts, once walked.
    walked: Vec<Option<FileFacts>>,
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
    let mut s = Summarizer {
        knowledge,
        words: crate::scan::Words::new(knowledge),
        locator: Locator::new(),
        crates: FxHashMap::default(),
        cache: cache::Cache::new(knowledge),
        out: DepSummaries::default(),
        noted: FxHashSet::default(),
    };
    let declared: Vec<(PathBuf, FxHashMap<String, DepSpec>)> = manifests
        .iter()
        .map(|m| {
            let dir = m.parent().unwrap_or(Path::new(".")).to_path_buf();
            (dir, s.locator.dependencies(m))
        })
        .collect();
    for path in paths {
        let mut segs = crate::index::segments_of(path);
        let Some(first) = segs.next() else { continue };
        let rest: Vec<String> = segs.map(String::from).collect();
        let Some((from, spec)) = declared
            .iter()
            .find_map(|(d, deps)| deps.get(first).map(|s| (d, s)))
        else {
            // Not a dependency (a module the table missed, a type's
            // associated function): unknown as before.
            continue;
        };
        if let Some(mut sum) = s.summary_in(spec, from, &rest, 0) {
            // Say where the chain goes: into which dependency.
            if let Ok(source) = s.locator.locate(spec, from) {
                for e in [&mut sum.lock, &mut sum.other, &mut sum.on_error]
                    .into_iter()
                    .flatten()
                {
                    e.why = format!("in `{}` {}, it {}", source.package, source.version, e.why);
                }
            }
            if std::env::var_os("FORKLINT_DEBUG_DEPS").is_some() {
                eprintln!("deps: {path}: {:?}", sum.effect());
            }
            s.out.summaries.insert(path.clone(), sum);
        } else if std::env::var_os("FORKLINT_DEBUG_DEPS").is_some() {
            eprintln!("deps: {path}: not found");
        }
    }
    s.cache.save();
    s.out
}

impl Summarizer<'_> {
    /// The summary of `rest` (a path inside the dependency `spec`, declared
    /// by the package in `from`), or `None` when the function is not found.
    fn summary_in(&mut self, spec: &DepSpec, from: &Path, rest: &[String], depth: usize) -> Option<Summary> {
        let source = match self.locator.locate(spec, from) {
            Ok(s) => s,
            Err(why) => {
                self.note(&spec.package, why.clone());
                return Some(unknown_because(why));
            }
        };
        let inner = format!("{}::{}", source.lib_name, rest.join("::"));
        if source.immutable {
            if let Some(hit) = self.cache.get(&source, &inner) {
                return hit;
            }
        }
        let found = self.compute(&source, rest, depth);
        if source.immutable && !found.as_ref().is_some_and(|s| s.cut) {
            self.cache.put(&source, &inner, found.clone());
        }
        found.map(|f| f.summary)
    }

    fn note(&mut self, package: &str, why: String) {
        if self.noted.insert(package.to_string()) {
            self.out.notes.push(why);
        }
    }

    /// Reads the dependency as far as `rest` needs and summarizes it.
    fn compute(&mut self, source: &DepSource, rest: &[String], depth: usize) -> Option<Computed> {
        if !self.crates.contains_key(&source.dir) {
            let c = self.load(source);
            self.crates.insert(source.dir.clone(), c);
        }
        let key = {
            let c = &self.crates[&source.dir];
            match resolve(c, rest)? {
                Resolved::Here(key) => key,
                Resolved::Elsewhere(path) => {
                    return self.reexported(c.deps.clone(), &source.dir, &path, depth)
                }
            }
        };
        // The crate's functions the summary needs, to a fixed point.
        let mut needed: FxHashSet<String> = FxHashSet::from_iter([key.clone()]);
        let mut cut = false;
        loop {
            let c = self.crates.get_mut(&source.dir)?;
            let todo: Vec<usize> = (0..c.paths.len())
                .filter(|&i| c.walked[i].is_none() && c.table.file_keys[i].iter().any(|k| needed.contains(k)))
                .collect();
            if todo.is_empty() {
                break;
            }
            for i in todo {
                if self.out.parsed >= MAX_FILES {
                    cut = true;
                    break;
                }
                let text = std::fs::read_to_string(&c.paths[i]).unwrap_or_default();
                if std::env::var_os("FORKLINT_DEBUG_DEPS").is_some() {
                    eprintln!("deps: parse {} ({} bytes)", c.paths[i].display(), text.len());
                }
                self.out.parsed += 1;
                c.walked[i] = Some(
                    crate::analysis::walk_source(i, &text, &c.table, self.knowledge).unwrap_or_default(),
                );
            }
            let before = needed.len();
            for f in c.walked.iter().flatten().flat_map(|f| f.functions.iter()) {
                if f.keys.iter().any(|k| needed.contains(k)) {
                    for call in &f.calls {
                        if let Target::Local { keys } = &call.target {
                            needed.extend(keys.iter().cloned());
                        }
                    }
                }
            }
            if needed.len() == before || cut {
                break;
            }
        }
        if cut {
            self.note(
                &format!("{}#bound", source.package),
                format!(
                    "dependency summaries stopped at {MAX_FILES} files while reading `{}`: calls past it are unknown",
                    source.package
                ),
            );
        }
        // Calls into further dependencies, summarized first.
        let (externals, deps, dir) = {
            let c = &self.crates[&source.dir];
            let mut ext: Vec<String> = Vec::new();
            for f in c.walked.iter().flatten().flat_map(|f| f.functions.iter()) {
                if f.keys.iter().any(|k| needed.contains(k)) {
                    for call in &f.calls {
                        if let Target::External { path } = &call.target {
                            if !ext.contains(path) {
                                ext.push(path.clone());
                            }
                        }
                    }
                }
            }
            (ext, c.deps.clone(), c.source.dir.clone())
        };
        let mut seeds = {
            let c = &self.crates[&source.dir];
            summary::of_c_functions(needed.iter(), &c.table, self.knowledge)
        };
        for path in externals {
            let mut segs = crate::index::segments_of(&path);
            let first = segs.next().unwrap_or("");
            let rest: Vec<String> = segs.map(String::from).collect();
            let Some(spec) = deps.get(first) else { continue };
            if depth + 1 >= MAX_DEPTH {
                cut = true;
                continue;
            }
            if let Some(s) = self.summary_in(spec, &dir, &rest, depth + 1) {
                seeds.insert(path, s);
            }
        }
        let c = &self.crates[&source.dir];
        let facts: Vec<FileFacts> = c.walked.iter().flatten().cloned().collect();
        let sums = summary::compute(&facts, &seeds);
        if std::env::var_os("FORKLINT_DEBUG_DEPS").is_some() {
            eprintln!(
                "deps: {} {key}: {:?}",
                source.package,
                sums.get(&key).map(Summary::effect)
            );
        }
        Some(Computed {
            summary: sums.get(&key).cloned().unwrap_or_default(),
            cut,
        })
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
        let summary = self.summary_in(spec, dir, &rest, depth + 1)?;
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
            walked: vec![None; paths.len()],
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

/// A call whose summary cannot be had, and why.
fn unknown_because(why: String) -> Summary {
    Summary {
        unknown: true,
        unknown_why: Some(format!("not known to be async-signal-safe: {why}")),
        ..Summary::default()
    }
}
