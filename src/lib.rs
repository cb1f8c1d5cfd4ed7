//! forklint: finds fork-safety hazards in Rust code.
//!
//! Pipeline: discover -> load -> parse -> analyze (flow facts per function)
//! -> rules (one file each) -> filter (suppressions, levels, baseline) ->
//! report. `run` drives it;
//! the binary and the tests both go through it.

pub mod analysis;
pub mod app;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod fix;
pub mod fixture;
pub mod glob;
pub mod harness;
pub mod index;
pub mod knowledge;
pub mod lexer;
pub mod nesting;
pub mod options;
pub mod output;
pub mod progress;
pub mod registry;
pub mod rules;
pub mod scan;
pub mod source;
pub mod suggest;
pub mod suppress;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use options::Options;

use diagnostic::{Finding, Label, Level};
use knowledge::Knowledge;
use rayon::prelude::*;
use scan::FileScan;
use source::{FileId, SourceDb, SourceFile};

/// The result of a run: the sources (for rendering) and the findings.
#[derive(Debug, Default)]
pub struct Report {
    pub db: SourceDb,
    pub findings: Vec<Finding>,
    pub files_checked: usize,
    /// Files parsed: all of them with `--full`, those that can matter otherwise.
    pub files_parsed: usize,
    /// Parses beyond a file's first (see `analysis::CrateResult::reparsed`).
    pub files_reparsed: usize,
    /// Files of dependencies parsed for their functions' summaries.
    pub dependency_files: usize,
    /// What the run could not see (`--verbose` prints them), each once.
    pub notes: Vec<String>,
    /// Findings hidden by `// forklint: allow(..)` and `cfg_attr` suppressions.
    pub suppressed: usize,
    /// Findings hidden because the baseline has them (or, with
    /// `--write-baseline`, because they were just written to it).
    pub baselined: usize,
    /// Files forklint failed on by its own fault (a panic in the analysis):
    /// each is a `parse_error` finding, and the run exits 2.
    pub internal_errors: usize,
    /// The baseline file used or written (resolved against the root).
    pub baseline_path: Option<PathBuf>,
    /// The baseline matched none of this run's findings although there
    /// were some: most likely written for another directory or project.
    pub baseline_matched_nothing: bool,
}

impl Report {
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }

    /// 0: nothing at deny level; 1: deny-level findings; 2: forklint
    /// itself failed on some file (an internal error outranks findings).
    pub fn exit_code(&self) -> i32 {
        if self.internal_errors > 0 {
            2
        } else {
            i32::from(self.count(Level::Deny) > 0)
        }
    }
}

/// Runs a lint: discovery, analysis, suppressions, levels, baseline. `Err`
/// is a usage or setup error (exit 2); problems with individual files are
/// findings.
pub fn run(opts: &Options) -> Result<Report, String> {
    // A mistyped path must not silently lint nothing (exit 0).
    if let Some(missing) = opts.paths.iter().find(|p| std::fs::symlink_metadata(p).is_err()) {
        return Err(suggest::missing_path(missing));
    }
    let mut discovery = if opts.paths.is_empty() {
        discover::from_cargo(&opts.packages)?
    } else {
        discover::from_paths(&opts.paths, !opts.no_ignore)
    };
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let root = discovery
        .workspace_root
        .clone()
        .or_else(|| opts.root.clone())
        .unwrap_or(cwd);
    let at_root = |p: &Path| root.join(p);
    // Read the baseline before the long part: a bad one fails early.
    let baseline_path = opts
        .write_baseline
        .as_deref()
        .or(opts.baseline.as_deref())
        .map(at_root);
    let baseline = match (&opts.baseline, &baseline_path) {
        (Some(_), Some(path)) => Some(baseline::load(path)?),
        _ => None,
    };
    if !opts.path_filter.is_empty() {
        // Files named on the command line are linted whatever the globs say.
        discovery.files.retain(|f| {
            f.explicit
                || glob::relative(&output::absolute(&f.path), &root)
                    .is_none_or(|rel| opts.path_filter.keeps(&rel))
        });
    }
    let mut report = lint_discovered(discovery, opts);
    report.db.project_root = Some(root);
    // Fixes are a step of their own after detection (src/fix/).
    fix::attach(&report.db, &mut report.findings);
    if let (Some(path), Some(_)) = (&baseline_path, &opts.write_baseline) {
        report.baselined = baseline::write(path, &report.db, &report.findings)?;
        report.findings.clear();
    } else if let Some(b) = baseline {
        report.baselined = b.filter(&report.db, &mut report.findings);
        report.baseline_matched_nothing =
            report.baselined == 0 && !b.is_empty() && !report.findings.is_empty();
    }
    report.baseline_path = baseline_path;
    Ok(report)
}

/// Lints already-discovered files.
pub fn lint_discovered(discovery: discover::Discovery, opts: &Options) -> Report {
    let cwd = std::env::current_dir().unwrap_or_default();
    let knowledge = opts.extra_knowledge.knowledge();
    let knowledge: &Knowledge = &knowledge;
    let mut db = SourceDb {
        packages: discovery.packages,
        workspace_root: discovery.workspace_root,
        ..SourceDb::default()
    };
    let (loaded, analyzed) = on_workers(opts.jobs, |workers| {
        // Reading and scanning every file is the one cost no mode avoids:
        // spread it over the workers.
        let look_for = scan::Words::new(knowledge);
        let loaded: Vec<Loaded> = workers.install(|| {
            discovery
                .files
                .into_par_iter()
                .map(|d| load(d, &cwd, &look_for, opts.full))
                .collect()
        });
        let mut findings = Vec::new();
        let mut scans = Vec::with_capacity(loaded.len());
        let mut crates: HashMap<String, Vec<usize>> = HashMap::new();
        let mut crate_order = Vec::new();
        for l in loaded {
            let key = l.file.crate_key.clone();
            let id = db.add(l.file);
            scans.push(l.scan);
            if let Some(msg) = l.problem {
                findings.push(Finding::new("parse_error", msg, Label::new(id, 0..0, "")));
                continue;
            }
            let entry = crates.entry(key).or_insert_with_key(|k| {
                crate_order.push(k.clone());
                Vec::new()
            });
            entry.push(id);
        }
        for (path, msg) in discovery.warnings {
            let display = display_path(&path, &cwd);
            let id = db.add(SourceFile::new(path, display, String::new()));
            scans.push(FileScan::default());
            findings.push(Finding::new("parse_error", msg, Label::new(id, 0..0, "")));
        }
        let crates: Vec<Vec<FileId>> = crate_order
            .into_iter()
            .filter_map(|k| crates.remove(&k))
            .collect();
        let analyzed = workers.install(|| analyze_all(&db, &crates, &scans, knowledge, opts, findings));
        (crates.iter().map(Vec::len).sum::<usize>(), analyzed)
    })
    .unwrap_or_else(|e| {
        let analyzed = Analyzed {
            findings: Vec::new(),
            parsed: 0,
            reparsed: 0,
            dependency_files: 0,
            notes: Vec::new(),
            suppressed: 0,
            internal_errors: 1,
        };
        eprintln!("forklint: {INTERNAL_ERROR}: cannot start the analysis threads: {e}");
        (0, analyzed)
    });
    // The texts the report shows.
    db.keep_text(
        analyzed
            .findings
            .iter()
            .flat_map(|f| std::iter::once(&f.primary).chain(&f.secondary))
            .map(|l| l.file),
    );
    report(db, analyzed, loaded, opts)
}

/// A file read and scanned (its `crate_key` says which crate it is in).
struct Loaded {
    file: SourceFile,
    /// Why it cannot be analysed (unreadable, not UTF-8).
    problem: Option<String>,
    scan: FileScan,
}

/// `full`: every file will be parsed, so the scan computes the nesting
/// bound parsing checks (one lexer pass for both).
fn load(d: discover::Discovered, cwd: &Path, look_for: &scan::Words, full: bool) -> Loaded {
    let display = display_path(&d.path, cwd);
    let (text, mut problem) = source::read_text(&d.path);
    let scan = if problem.is_none() {
        // A bug of ours in the scan costs this file, not the run.
        contained(|| scan::scan(&text, look_for, full)).unwrap_or_else(|panic| {
            problem = Some(format!(
                "{INTERNAL_ERROR} in forklint (while scanning: {panic}); this file was not checked"
            ));
            FileScan::default()
        })
    } else {
        FileScan::default()
    };
    // A standalone program (an example, a fixture, a script: `fn main`
    // and no modules of its own) is a crate of its own, not a module of
    // the directory's crate.
    // A package's binary (`src/main.rs`, `src/bin/`) stays with its
    // package and workspace: the library it calls runs in its process (the
    // symbol table keeps each target's names apart).
    let crate_key = if scan.standalone && !discover::is_package_binary(&d.path) {
        d.path.display().to_string()
    } else {
        d.crate_key
    };
    // Keep in memory only what the analysis will surely parse and what may
    // hold suppressions; every other file is read again if it is needed.
    let keep = problem.is_some()
        || d.explicit
        || d.edition_2015
        || scan.forks
        || scan.reexecs
        || scan.creates_fds
        || text.contains("forklint");
    let mut file = SourceFile::new(d.path, display, text);
    if !keep {
        file.release_text();
    }
    file.package = d.package;
    file.crate_key = crate_key;
    file.parse_always = d.explicit || d.edition_2015;
    Loaded { file, problem, scan }
}

/// The report of a run: levels applied, findings in a stable order.
fn report(db: SourceDb, analyzed: Analyzed, files_checked: usize, opts: &Options) -> Report {
    let mut findings = analyzed.findings;
    config::apply_levels(&mut findings, &opts.levels);
    findings.retain(|f| f.level != Level::Allow);
    sort_findings(&mut findings, &db);
    Report {
        db,
        findings,
        files_checked,
        files_parsed: analyzed.parsed,
        files_reparsed: analyzed.reparsed,
        dependency_files: analyzed.dependency_files,
        notes: analyzed.notes,
        suppressed: analyzed.suppressed,
        baselined: 0,
        internal_errors: analyzed.internal_errors,
        baseline_path: None,
        baseline_matched_nothing: false,
    }
}

/// Stack of the worker threads that parse, walk and run the rules: syn and
/// the walk recurse on nesting, and generated code nests deep.
/// `nesting::MAX_DEPTH` levels of the costliest construct fit in this with
/// room to spare. It is address space: only the pages used are ever touched.
const WORKER_STACK_BYTES: usize = 256 << 20;

/// Runs `f` with a pool of `jobs` worker threads (default: one per core).
/// Crates are analysed in parallel and, within a crate, files: the pool
/// steals work between the two levels, so a large crate and many small
/// ones both keep every core busy.
fn on_workers<T>(jobs: Option<usize>, f: impl FnOnce(&rayon::ThreadPool) -> T) -> Result<T, String> {
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(WORKER_STACK_BYTES)
        .thread_name(|i| format!("forklint-worker-{i}"))
        .build()
        .map_err(|e| e.to_string())?;
    Ok(f(&pool))
}

/// What the analysis of a run produced.
struct Analyzed {
    findings: Vec<Finding>,
    parsed: usize,
    reparsed: usize,
    dependency_files: usize,
    notes: Vec<String>,
    suppressed: usize,
    internal_errors: usize,
}

/// The message every internal-error finding starts with (here and in the
/// analysis workers): the run exits 2 when there is one.
const INTERNAL_ERROR: &str = "internal error";

/// Analyses every crate (in parallel), adds their findings to `findings`,
/// then applies suppressions. A panic in a crate's analysis outside the
/// per-file workers (rules, summaries) is contained: that crate's files are
/// retried one at a time, and a file that still panics becomes an
/// internal-error finding; the other crates are unharmed.
fn analyze_all(
    db: &SourceDb,
    crates: &[Vec<FileId>],
    scans: &[FileScan],
    knowledge: &Knowledge,
    opts: &Options,
    mut findings: Vec<Finding>,
) -> Analyzed {
    let crate_size = |files: &Vec<FileId>| files.iter().map(|&id| db.get(id).scanned_len).sum();
    let per_crate: Vec<analysis::CrateResult> = analysis::map_largest_first(crates, crate_size, |files| {
        let analyze = |files: &[FileId]| {
            let model = analysis::analyze_crate(db, files, scans, knowledge, opts);
            let found = rules::check_crate(db, &model, opts);
            let mut result = model.result;
            result.findings.extend(found);
            result
        };
        contained(|| analyze(files)).unwrap_or_else(|_| {
            let mut all = analysis::CrateResult::default();
            for &id in files {
                match contained(|| analyze(&[id])) {
                    Ok(r) => {
                        all.findings.extend(r.findings);
                        all.parsed += r.parsed;
                        all.reparsed += r.reparsed;
                    }
                    Err(panic) => all.findings.push(internal_error(id, &panic)),
                }
            }
            all
        })
    });
    let (mut parsed, mut reparsed, mut dependency_files) = (0, 0, 0);
    let mut notes: Vec<String> = Vec::new();
    for r in per_crate {
        findings.extend(r.findings);
        parsed += r.parsed;
        reparsed += r.reparsed;
        dependency_files += r.dependency_files;
        for n in r.notes {
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
    }
    // Suppressions before levels: a suppression of a rule the user set to
    // allow still counts as used.
    let suppressed = match contained(|| suppress::apply(db, &mut findings)) {
        Ok(n) => n,
        // Only reachable with files, so file 0 exists.
        Err(panic) => {
            findings.push(internal_error(0, &format!("while reading suppressions: {panic}")));
            0
        }
    };
    let internal_errors = findings.iter().filter(|f| is_internal_error(f)).count();
    Analyzed {
        findings,
        parsed,
        reparsed,
        dependency_files,
        notes,
        suppressed,
        internal_errors,
    }
}

/// A finding that says forklint failed on a file by its own fault.
pub fn is_internal_error(f: &Finding) -> bool {
    f.rule == "parse_error" && f.message.starts_with(INTERNAL_ERROR)
}

/// Runs `f`, turning a panic into its message.
fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        // The panic is ours and the span table may be half-built: reset it.
        proc_macro2::extra::invalidate_current_thread_spans();
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into())
    })
}

fn internal_error(id: FileId, what: &str) -> Finding {
    Finding::new(
        "parse_error",
        format!("{INTERNAL_ERROR} in forklint ({what}); this file was not checked"),
        Label::new(id, 0..0, ""),
    )
    .with_help("this is a bug in forklint: please report it with the file that triggers it")
}

/// Lints one file's text, without discovery or reading the disk: what the
/// fuzz target drives. `name` is only the path shown in findings.
pub fn lint_source(name: &str, text: &str, opts: &Options) -> Report {
    let mut db = SourceDb::default();
    let mut file = SourceFile::new(PathBuf::from(name), name.to_string(), text.to_string());
    // Named explicitly: analysed whether or not the scan finds it relevant.
    file.parse_always = true;
    let id = db.add(file);
    let knowledge = opts.extra_knowledge.knowledge();
    let knowledge: &Knowledge = &knowledge;
    let scans = [scan::scan(text, &scan::Words::new(knowledge), false)];
    let analyzed = on_workers(opts.jobs, |workers| {
        workers.install(|| analyze_all(&db, &[vec![id]], &scans, knowledge, opts, Vec::new()))
    })
    .unwrap_or_else(|e| Analyzed {
        findings: vec![internal_error(
            id,
            &format!("cannot start the analysis threads: {e}"),
        )],
        parsed: 0,
        reparsed: 0,
        dependency_files: 0,
        notes: Vec::new(),
        suppressed: 0,
        internal_errors: 1,
    });
    report(db, analyzed, 1, opts)
}

/// Lints the given paths with default options: what the tests use.
pub fn lint_paths(paths: &[&Path], opts: &Options) -> Report {
    lint_discovered(
        discover::from_paths(
            &paths.iter().map(|p| p.to_path_buf()).collect::<Vec<_>>(),
            !opts.no_ignore,
        ),
        opts,
    )
}

fn display_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

/// Deterministic order: by path, then position, then rule.
fn sort_findings(findings: &mut Vec<Finding>, db: &SourceDb) {
    findings.sort_by(|a, b| {
        let (fa, fb) = (db.get(a.primary.file), db.get(b.primary.file));
        (&fa.display, a.primary.span.start, a.rule, &a.message).cmp(&(
            &fb.display,
            b.primary.span.start,
            b.rule,
            &b.message,
        ))
    });
    findings.dedup_by(|a, b| a.rule == b.rule && a.primary == b.primary);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_contained_with_its_message() {
        let quiet = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let by_str = contained(|| -> u8 { panic!("boom") });
        let by_string = contained(|| -> u8 { panic!("{} {}", "formatted", 7) });
        std::panic::set_hook(quiet);
        assert_eq!(by_str, Err("boom".to_string()));
        assert_eq!(by_string, Err("formatted 7".to_string()));
        assert_eq!(contained(|| 5), Ok(5));
    }

    #[test]
    fn an_internal_error_outranks_findings_in_the_exit_code() {
        let mut db = SourceDb::default();
        let id = db.add(SourceFile::new(
            "a.rs".into(),
            "a.rs".into(),
            "fn main() {}".into(),
        ));
        let mut report = Report {
            db,
            findings: vec![Finding::new(
                "lock_held_across_fork",
                "m",
                Label::new(id, 0..2, ""),
            )],
            ..Report::default()
        };
        assert_eq!(report.exit_code(), 1);
        report.internal_errors = 1;
        report.findings.push(internal_error(id, "boom"));
        assert_eq!(report.exit_code(), 2);
    }

    #[test]
    fn lint_source_refuses_deep_nesting_with_a_located_diagnostic() {
        let text = format!(
            "fn f() {{\n    let _ = {}1{};\n}}\n",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        let report = lint_source("deep.rs", &text, &Options::default());
        assert_eq!(report.internal_errors, 0);
        let [f] = report.findings.as_slice() else {
            panic!("{:?}", report.findings)
        };
        assert_eq!(f.rule, "parse_error");
        assert!(f.message.contains("nests more than"), "{}", f.message);
        // Points at the first parenthesis past the limit: `f()`, the body's
        // braces and `=` are three levels, so the k-th `(` (column 12 + k)
        // is level 3 + k.
        let (line, col) = report.db.get(0).position(f.primary.span.start);
        let k = nesting::MAX_DEPTH + 1 - 3;
        assert_eq!((line, col), (2, 12 + k));
    }

    /// Where `child_may_unwind` (pedantic, turned on) reports in `text`:
    /// (line, column).
    fn escapes(name: &str, text: &str) -> Vec<(usize, usize)> {
        let opts = Options {
            levels: vec![("pedantic".to_string(), Level::Warn)],
            ..Options::default()
        };
        let report = lint_source(name, text, &opts);
        let found: Vec<(usize, usize)> = report
            .findings
            .iter()
            .filter(|f| f.rule == "child_may_unwind")
            .map(|f| report.db.get(0).position(f.primary.span.start))
            .collect();
        assert!(report.internal_errors == 0, "{:?}", report.findings);
        found
    }

    #[test]
    fn a_macro_argument_that_can_panic_is_walked() {
        // `format!`'s arguments are skipped only when they cannot do
        // anything; an index can panic, so the child may unwind here.
        let text = "fn main() {\n    let v = vec![1u8];\n    let i = std::env::args().count();\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        let s = format!(\"{}\", v[i]);\n        drop(s);\n        unsafe { libc::_exit(0) };\n    }\n}\n";
        let lines: Vec<usize> = escapes("idx.rs", text).iter().map(|p| p.0).collect();
        assert_eq!(lines, vec![6]);
    }

    #[test]
    fn a_macro_argument_in_a_test_is_walked_in_its_child() {
        // In an entry point the arguments of a known macro that only call
        // unknown code are skipped, but not in the child it forks (here
        // with no variable holding the fork's result).
        let text = "#[test]\nfn t() {\n    let v = vec![1u8];\n    let i = std::env::args().count();\n    if unsafe { libc::fork() } == 0 {\n        let s = format!(\"{}\", v[i]);\n        drop(s);\n        unsafe { libc::_exit(0) };\n    }\n}\n";
        let lines: Vec<usize> = escapes("t.rs", text).iter().map(|p| p.0).collect();
        assert_eq!(lines, vec![6]);
    }

    #[test]
    fn a_raw_fd_passed_to_a_call_is_still_held() {
        // A libc fd is an integer (rules/fd-creation.toml [raw_fd_sources]):
        // `note(wr)` copies it, so the child still holds the write end and
        // its read loop never sees EOF. An owned fd would have moved.
        let text = "fn note(fd: i32) -> i32 {\n    fd\n}\nfn main() {\n    let mut fds = [0i32; 2];\n    unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };\n    let [rd, wr] = fds;\n    if unsafe { libc::fork() } == 0 {\n        note(wr);\n        let mut buf = [0u8; 8];\n        loop {\n            let n = unsafe { libc::read(rd, buf.as_mut_ptr().cast(), 8) };\n            if n <= 0 {\n                break;\n            }\n        }\n        unsafe { libc::_exit(0) };\n    }\n}\n";
        let report = lint_source("raw.rs", text, &Options::default());
        let lines: Vec<usize> = report
            .findings
            .iter()
            .filter(|f| f.rule == "pipe_end_left_open")
            .map(|f| report.db.get(0).position(f.primary.span.start).0)
            .collect();
        assert_eq!(lines, vec![12], "{:?}", report.findings);
    }

    #[test]
    fn allocation_in_a_threaded_child_is_deny_only_under_a_global_allocator() {
        // glibc resets malloc's locks at fork, a #[global_allocator] has
        // locks nothing resets: the same child is suspicious, or correctness.
        let body = "fn main() {\n    let t = std::thread::spawn(|| {});\n    if unsafe { libc::fork() } == 0 {\n        let s = String::from(\"x\");\n        drop(s);\n        unsafe { libc::_exit(0) };\n    }\n    t.join().ok();\n}\n";
        let level = |text: &str| -> Vec<Level> {
            let report = lint_source("alloc.rs", text, &Options::default());
            report
                .findings
                .iter()
                .filter(|f| f.rule == "unsafe_call_in_child")
                .map(|f| f.level)
                .collect()
        };
        assert_eq!(level(body), vec![Level::Warn]);
        let with_alloc =
            format!("#[global_allocator]\nstatic A: std::alloc::System = std::alloc::System;\n{body}");
        assert_eq!(level(&with_alloc), vec![Level::Deny]);
    }

    #[test]
    fn a_helper_that_allocates_only_when_a_call_failed_is_an_error_path_in_a_hook() {
        // In `go`, the allocation is in the `Err` arm of a match and in a
        // map_err closure: the hook's finding is suspicious (warn), while the
        // same call on the normal path (a thread runs at the spawns) stays deny.
        let text = "use std::os::unix::process::CommandExt;\nfn go() -> std::io::Result<()> {\n    match nix::unistd::setsid() {\n        Ok(_) => Ok(()),\n        Err(e) => Err(std::io::Error::other(format!(\"setsid: {e}\"))),\n    }\n}\nfn plain() -> std::io::Result<()> {\n    let _s = String::from(\"x\");\n    Ok(())\n}\nfn main() {\n    let _t = std::thread::spawn(|| {});\n    let mut a = std::process::Command::new(\"/bin/true\");\n    unsafe { a.pre_exec(go) };\n    let mut b = std::process::Command::new(\"/bin/true\");\n    unsafe { b.pre_exec(|| plain()) };\n    let mut c = std::process::Command::new(\"/bin/true\");\n    unsafe { c.pre_exec(|| nix::unistd::setsid().map(|_| ()).map_err(|e| std::io::Error::other(e.to_string()))) };\n    a.status().ok();\n    b.status().ok();\n    c.status().ok();\n}\n";
        let report = lint_source("hooks.rs", text, &Options::default());
        let levels: Vec<(usize, Level)> = report
            .findings
            .iter()
            .filter(|f| f.rule == "unsafe_call_in_pre_exec")
            .map(|f| (report.db.get(0).position(f.primary.span.start).0, f.level))
            .collect();
        assert!(
            levels.iter().any(|&(l, v)| l == 17 && v == Level::Deny),
            "{levels:?}"
        );
        assert!(levels.iter().any(|&(_, v)| v == Level::Warn), "{levels:?}");
        assert!(
            levels.iter().all(|&(l, v)| l == 17 || v == Level::Warn),
            "only the normal-path call is deny: {levels:?}"
        );
    }

    #[test]
    fn a_test_childs_exit_and_allocation_among_the_harness_threads_are_pedantic() {
        // The same child in a #[test] body (the harness's threads only) and
        // after a thread the code starts: pedantic there, warn here.
        let child = "    if unsafe { libc::fork() } == 0 {\n        let s = String::from(\"x\");\n        drop(s);\n        std::process::exit(0);\n    }\n";
        let in_test = format!("#[test]\nfn t() {{\n{child}}}\n");
        // (It registers an atexit handler: exit() there has something to run twice.)
        let threaded = format!(
            "extern \"C\" fn h() {{}}\nfn main() {{\n    unsafe {{ libc::atexit(h) }};\n    let _t = std::thread::spawn(|| {{}});\n{child}}}\n"
        );
        let levels = |text: &str| -> Vec<(&'static str, Level)> {
            let opts = Options {
                levels: vec![("pedantic".to_string(), Level::Deny)],
                ..Options::default()
            };
            let report = lint_source("t.rs", text, &opts);
            let mut v: Vec<_> = report
                .findings
                .iter()
                .map(|f| (f.rule, f.group.default_level()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            levels(&in_test),
            vec![
                ("child_escapes_fork_branch", Level::Allow),
                ("unsafe_call_in_child", Level::Allow)
            ]
        );
        assert_eq!(
            levels(&threaded),
            vec![
                ("child_escapes_fork_branch", Level::Warn),
                ("unsafe_call_in_child", Level::Warn)
            ]
        );
    }

    #[test]
    fn the_fork_crates_daemon_returns_only_in_the_daemon() {
        // Both parents _exit inside fork::daemon: the caller goes on as the
        // daemon alone, so its return from main is no escape.
        let text = "use fork::{daemon, Fork};\nfn main() {\n    match daemon(false, false) {\n        Ok(Fork::Child) => {\n            let _ = std::process::Command::new(\"sleep\").arg(\"1\").status();\n        }\n        Ok(Fork::Parent(_)) => unreachable!(),\n        Err(e) => eprintln!(\"{e}\"),\n    }\n}\n";
        let opts = Options {
            levels: vec![("pedantic".to_string(), Level::Warn)],
            ..Options::default()
        };
        let report = lint_source("d.rs", text, &opts);
        let escapes: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("child_"))
            .map(|f| (f.rule, report.db.get(0).position(f.primary.span.start).0))
            .collect();
        assert!(escapes.is_empty(), "{escapes:?}");
    }

    #[test]
    fn threads_a_helper_starts_in_another_arm_are_not_at_the_fork() {
        // `start()` leaves a thread running, but in the other arm of the
        // match than the fork (sudo-rs: `Run` starts threads, `Edit` forks);
        // after the match both reach the second fork, which sees it.
        let text = "fn start() {\n    std::thread::spawn(|| loop {});\n}\nfn child() {\n    if unsafe { libc::fork() } == 0 {\n        println!(\"child\");\n        unsafe { libc::_exit(0) };\n    }\n}\nfn main() {\n    match std::env::args().count() {\n        1 => start(),\n        _ => child(),\n    }\n    if unsafe { libc::fork() } == 0 {\n        println!(\"later\");\n        unsafe { libc::_exit(0) };\n    }\n}\n";
        let report = lint_source("arms.rs", text, &Options::default());
        let lines: Vec<usize> = report
            .findings
            .iter()
            .filter(|f| f.rule == "fork_after_thread_spawn")
            .map(|f| report.db.get(0).position(f.primary.span.start).0)
            .collect();
        assert_eq!(lines, vec![16], "{:?}", report.findings);
    }

    #[test]
    fn a_file_syn_rejects_still_has_its_other_items_checked() {
        // One item that does not parse (an edition-2015 bare trait object)
        // must not hide the file's other items: the parse error is reported
        // at its place, and the fork hazard after it at its own.
        let text = "type Handler = Box<Fn(i32)>;\n\nfn main() {\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        let _x = 1;\n    }\n    println!(\"DONE \u{e9}\");\n}\n";
        let report = lint_source("broken.rs", text, &Options::default());
        let found: Vec<(&str, (usize, usize))> = report
            .findings
            .iter()
            .map(|f| (f.rule, report.db.get(0).position(f.primary.span.start)))
            .collect();
        assert_eq!(
            found,
            vec![("parse_error", (1, 22)), ("child_escapes_fork_branch", (7, 5))],
            "{:?}",
            report.findings
        );
        assert!(report.findings[0]
            .message
            .contains("its other items were checked"));
    }

    #[test]
    fn an_entry_points_descriptor_leaks_only_into_what_its_later_calls_start() {
        // main's pipe without close-on-exec: reported when a function of the
        // crate main calls afterwards starts a process (through another
        // one), not when the functions it calls start none.
        let program = |later: &str| {
            format!(
                "fn spawn_tool() {{\n    let _ = std::process::Command::new(\"/bin/true\").status();\n}}\nfn run() {{\n    spawn_tool();\n}}\nfn log() {{\n    let _ = 1;\n}}\nfn main() {{\n    let mut fds = [0i32; 2];\n    unsafe {{ libc::pipe(fds.as_mut_ptr()) }};\n    {later}();\n}}\n"
            )
        };
        let fd_lines = |text: &str| -> Vec<usize> {
            let report = lint_source("fd.rs", text, &Options::default());
            report
                .findings
                .iter()
                .filter(|f| f.rule == "fd_without_cloexec")
                .map(|f| report.db.get(0).position(f.primary.span.start).0)
                .collect()
        };
        assert_eq!(fd_lines(&program("run")), vec![12]);
        assert_eq!(fd_lines(&program("log")), Vec::<usize>::new());
    }

    #[test]
    fn a_panic_inside_a_panicking_call_is_one_finding() {
        // The assertion can panic, and so can the index inside it: the
        // child escapes once, at the assertion.
        let text = "fn main() {\n    let v = vec![1u8];\n    let i = std::env::args().count();\n    if unsafe { libc::fork() } == 0 {\n        assert_eq!(v[i], 1);\n        unsafe { libc::_exit(0) };\n    }\n}\n";
        assert_eq!(escapes("nested.rs", text), vec![(5, 9)]);
    }
}
