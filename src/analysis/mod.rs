//! Flow facts: fork sites and child regions, lock guards, thread evidence,
//! calls and their signal-safety class. Rules consume these.

pub mod commands;
pub mod facts;
pub mod flow;
pub mod summary;

pub mod context;
pub mod demand;
pub mod deps;

use std::collections::HashSet;

use rayon::prelude::*;

use crate::diagnostic::{Finding, Label};
use crate::index::CrateTable;
use crate::knowledge::Knowledge;
use crate::scan::FileScan;
use crate::source::{FileId, SourceDb};
use crate::Options;

/// What analysing a crate produced.
#[derive(Debug, Default)]
pub struct CrateResult {
    pub findings: Vec<Finding>,
    /// Files parsed (the demand-driven mode parses only what can matter).
    pub parsed: usize,
    /// Parses of a file after its first: a file walked again because a
    /// fork wrapper it calls was found late, or because an entry point
    /// `--full` left out turned out to matter.
    pub reparsed: usize,
    /// Files of dependencies parsed for their summaries.
    pub dependency_files: usize,
    /// What a `--verbose` run says besides findings (dependencies without
    /// source on disk, bounds reached).
    pub notes: Vec<String>,
}

/// The facts of one crate, for the rules: each parsed file's facts, the
/// functions' summaries and their callers' contexts, and what the token
/// scan of every file said.
#[derive(Debug, Default)]
pub struct CrateModel {
    pub files: Vec<facts::FileFacts>,
    pub summaries: summary::Summaries,
    pub entry: context::EntryContexts,
    /// The crate forks or spawns processes.
    pub starts_processes: bool,
    /// A file of the crate names a way to install a logger or tracing
    /// subscriber (rules/scan.toml [logger_installers]).
    pub installs_logger: bool,
    /// The programs (`discover::program_of`) a `#[global_allocator]` is
    /// declared for: its own, or `ROOT#*` when a package's library declares
    /// it (every program of the package links it).
    pub global_allocator_programs: rustc_hash::FxHashSet<String>,
    /// The programs (`discover::program_of`) whose files exec or spawn.
    pub exec_programs: rustc_hash::FxHashSet<String>,
    /// Files that could not be parsed (whole), and how many were.
    pub result: CrateResult,
}

/// Scans every file of one crate and parses and analyses the ones that can
/// matter (all of them with `--full`); the rules read the model.
pub fn analyze_crate(
    db: &SourceDb,
    files: &[FileId],
    scans_by_id: &[FileScan],
    knowledge: &Knowledge,
    opts: &Options,
) -> CrateModel {
    let scans: Vec<&FileScan> = files.iter().map(|&id| &scans_by_id[id]).collect();
    let paths: Vec<&std::path::Path> = files.iter().map(|&id| db.get(id).path.as_path()).collect();
    let mut table = CrateTable::from_scans(files, &paths, &scans);
    let starts_processes = scans.iter().any(|s| s.forks || s.spawns);
    let mut global_allocator_programs = rustc_hash::FxHashSet::default();
    if scans.iter().any(|s| s.global_allocator) {
        let mut manifests = Default::default();
        for (i, _) in scans.iter().enumerate().filter(|(_, s)| s.global_allocator) {
            let path = &db.get(files[i]).path;
            let program = crate::discover::program_of(path, &mut manifests);
            global_allocator_programs.insert(if crate::discover::in_library(path, &mut manifests) {
                let root = program.rsplit_once('#').map_or(program.as_str(), |(r, _)| r);
                format!("{root}#*")
            } else {
                program
            });
        }
    }
    // The programs (cargo targets) that exec or spawn: only there can a
    // descriptor without close-on-exec leak (asked only where one is made).
    let mut exec_programs = rustc_hash::FxHashSet::default();
    if scans.iter().any(|s| s.creates_fds) {
        let mut manifests = Default::default();
        for (i, s) in scans.iter().enumerate() {
            let program = crate::discover::program_of(&db.get(files[i]).path, &mut manifests);
            // A package's library that forks hands its descriptors to the
            // programs its callers run in the child (a pty's master).
            if s.spawns || (s.forks && program.ends_with("#package")) {
                exec_programs.insert(program);
            }
        }
    }
    let mut result = CrateResult::default();
    let mut facts: Vec<Option<facts::FileFacts>> = vec![None; files.len()];
    let mut parsed = vec![false; files.len()];
    // The names of the dependencies' fork helpers (`deps::forks`): the
    // files calling them are walked in every mode, entry points included.
    // Only a crate that forks or spawns is asked.
    let dep_helpers: Vec<(String, String)> = if opts.no_deps || !starts_processes {
        Vec::new()
    } else {
        let found = deps::fork_helper_names(&manifests_of(db, files), knowledge);
        result.notes.extend(found.notes);
        result.dependency_files += found.parsed;
        found.helpers
    };
    // The files that name a helper and its library (a common name such as
    // `new` alone would pull in every file).
    let calls_dep_helper: Vec<bool> = files
        .iter()
        .map(|&id| {
            dep_helpers.iter().any(|(lib, name)| {
                let said = |name: &str, method| {
                    mentions_callers(
                        db,
                        id,
                        &[crate::scan::CalledName {
                            name: name.to_string(),
                            method,
                        }],
                    )
                };
                said(lib, false) && said(name, true)
            })
        })
        .collect();
    // `--full` leaves out the entry points of files that do not matter on
    // their own (no fork, no re-exec, no fd creation that a rule would
    // report), and walks such a file again only if one of them turns out to
    // matter (`deferred_to_walk`). Not in a crate that re-executes itself:
    // a role switch in `main` may be anywhere.
    let crate_reexecs = scans.iter().any(|s| s.reexecs);
    let mut defer: Vec<bool> = scans
        .iter()
        .map(|s| {
            opts.full
                && !opts.walk_every_entry
                && !crate_reexecs
                && !demand::matters_alone(s, starts_processes)
        })
        .collect();
    for (i, d) in defer.iter_mut().enumerate() {
        *d = *d && !calls_dep_helper[i];
    }
    // The files that can matter on their own come first, in both modes:
    // fork wrappers they define are then known when their callers are
    // walked (`--full` walks every other file in the second round).
    let mut todo: Vec<usize> = (0..files.len())
        .filter(|&i| {
            db.get(files[i]).parse_always
                || demand::matters_alone(scans[i], starts_processes)
                || calls_dep_helper[i]
        })
        .collect();
    if todo.is_empty() && opts.full {
        todo = (0..files.len()).collect();
    }
    // Calls into other crates asked whether they fork (see below), and the
    // fork helpers found there.
    let mut dep_checked: HashSet<String> = HashSet::new();
    let mut dep_wrappers = crate::index::Wrappers::default();
    while !todo.is_empty() {
        let batch: Vec<(FileId, bool)> = todo.iter().map(|&i| (files[i], defer[i])).collect();
        if std::env::var_os("FORKLINT_DEBUG_DEMAND").is_some() {
            for &i in &todo {
                eprintln!("demand: {}", db.get(files[i]).display);
            }
            eprintln!("demand: --- round");
        }
        for (i, r) in todo
            .iter()
            .zip(walk_files(db, &batch, scans_by_id, &table, knowledge))
        {
            result.reparsed += usize::from(parsed[*i]);
            parsed[*i] = true;
            let (f, error) = r;
            if let Some(e) = error {
                result.findings.push(*e);
            }
            facts[*i] = Some(f);
        }
        // Pull in the definitions the facts so far call into, to a fixed point.
        let mut needed = demand::needed_names(facts.iter().flatten());
        // Callers of the functions on the way to a fork; entry points
        // (`main`, tests) have none to look for.
        let entries = demand::entry_points(facts.iter().flatten());
        let mut callers = demand::fork_callers(facts.iter().flatten());
        // Where each hook's Command is launched: the functions it is
        // handed to, and the callers handing in a Command a hook is
        // registered on.
        let (launch_callees, launch_callers) = commands::launch_needs(facts.iter().flatten());
        needed.extend(launch_callees);
        callers.extend(launch_callers);
        let mut chain = demand::called_names(callers.iter().filter(|k| !entries.contains(*k)));
        let fd_helpers = demand::fd_helper_names(facts.iter().flatten());
        // Callers of a descriptor wrapper make the descriptor with their
        // flags, where a process may be started.
        let mut wrappers = demand::wrappers(facts.iter().flatten());
        // Another crate's fork helpers (a pty crate's `Fork::from_ptmx`, a
        // `spawn_in_namespace`), called where the file names a fork: their
        // calls are forks too, and their callers are looked for by name.
        if !dep_helpers.is_empty() {
            let asked: Vec<String> = facts
                .iter()
                .flatten()
                .flat_map(|f| f.functions.iter().flat_map(|func| func.calls.iter()))
                .filter_map(|c| match &c.target {
                    facts::Target::External { path } => Some(path),
                    _ => None,
                })
                .filter(|p| dep_helpers.iter().any(|(_, name)| name == demand::called_name(p)))
                .filter(|p| dep_checked.insert((*p).clone()))
                .cloned()
                .collect();
            if !asked.is_empty() {
                let found = dependency_summaries_of(db, files, &asked, knowledge);
                result.notes.extend(found.notes);
                result.dependency_files += found.parsed;
                for (path, s) in found.summaries {
                    if let Some(shape) = s.fork_wrapper {
                        dep_wrappers.fork.insert(path.clone(), shape);
                    }
                    if let Some(pos) = s.closure_child {
                        dep_wrappers.closure_child.insert(path, pos);
                    }
                }
            }
            wrappers.extend(dep_wrappers.clone());
        }
        // Callers of a descriptor wrapper make the descriptor with their
        // flags, where a process may be started; callers of a fork helper
        // that runs their closure in its child give it its code.
        if starts_processes {
            chain.extend(demand::called_names(wrappers.fd_flags.keys()));
        }
        chain.extend(demand::called_names(wrappers.closure_child.keys()));
        // A lock a child or hook takes, owned by a field or static: every
        // file naming it, so that a lock of it elsewhere is seen.
        chain.extend(
            facts
                .iter()
                .flatten()
                .flat_map(|f| f.lock_sites.iter())
                .filter(|s| s.in_child)
                .map(|s| crate::scan::CalledName {
                    name: crate::index::display_name(&s.owner).to_string(),
                    method: true,
                }),
        );
        // A hook taken from a struct field: the files that store into it,
        // and the callers of a function that stores its parameter there
        // (a builder's setter), which hand it the closure.
        let hook_fields: Vec<&String> = facts
            .iter()
            .flatten()
            .flat_map(|f| f.pre_execs.iter().flat_map(|p| p.from_fields.iter()))
            .collect();
        chain.extend(hook_fields.iter().map(|field| crate::scan::CalledName {
            name: (*field).clone(),
            method: true,
        }));
        let setters = facts
            .iter()
            .flatten()
            .flat_map(|f| f.functions.iter())
            .filter(|f| {
                f.param_fields
                    .iter()
                    .any(|(_, field)| hook_fields.contains(&field))
            })
            .flat_map(|f| f.keys.iter());
        chain.extend(demand::called_names(setters));
        if std::env::var_os("FORKLINT_DEBUG_DEMAND").is_some() {
            eprintln!("demand: needed {needed:?}\ndemand: callers of {chain:?}");
        }
        todo = (0..files.len())
            .filter(|&i| {
                facts[i].is_none()
                    && (opts.full
                        || table.file_keys[i].iter().any(|k| needed.contains(k))
                        || table.file_keys[i].iter().any(|k| fd_helpers.contains(k))
                        || mentions_callers(db, files[i], &chain))
            })
            .collect();
        // Fork wrappers found so far: their callers are fork sites, so the
        // files walked from now on know them.
        // Wrappers found so far: the files walked from now on know them.
        if wrappers.len() > table.wrappers.len() {
            table.wrappers = wrappers;
        }
        if todo.is_empty() {
            // A file that calls a wrapper of another file, found in the
            // same round, is walked again now knowing it (rare: a file is
            // parsed twice only here; a file's own wrappers are handled
            // on its tree).
            todo = (0..files.len())
                .filter(|&i| {
                    facts[i].as_ref().is_some_and(|f| {
                        // A wrapper its walk did not know.
                        demand::calls_any(f, |k| {
                            table.wrappers.contains(k) && !f.wrappers_known.iter().any(|w| w == k)
                        })
                    })
                })
                .collect();
            if todo.is_empty() {
                todo = deferred_to_walk(db, files, &facts, &needed, &callers);
                for &i in &todo {
                    defer[i] = false;
                    if std::env::var_os("FORKLINT_DEBUG_DEMAND").is_some() {
                        eprintln!("demand: entry points matter: {}", db.get(files[i]).display);
                    }
                }
            }
            for &i in &todo {
                facts[i] = None;
            }
        }
    }
    result.parsed = parsed.iter().filter(|&&p| p).count();
    let mut all: Vec<facts::FileFacts> = facts.into_iter().flatten().collect();
    commands::record_launches(&mut all);
    if std::env::var_os("FORKLINT_DEBUG_FACTS").is_some() {
        eprintln!("{all:#?}");
    }
    // Summaries and callers' contexts are read only at forks and in
    // `pre_exec` closures, and by the descriptor rule for an entry point's
    // later calls: most crates have none of these.
    let read_at_forks = all.iter().any(|f| !f.forks.is_empty() || !f.pre_execs.is_empty());
    let fd_asks = all
        .iter()
        .flat_map(|f| f.fds_without_cloexec.iter())
        .any(|fd| fd.entry_end && !fd.later_calls.is_empty());
    let summaries = if read_at_forks || fd_asks {
        let deps = if opts.no_deps {
            deps::DepSummaries::default()
        } else {
            dependency_summaries(db, files, &all, knowledge)
        };
        result.notes.extend(deps.notes);
        result.dependency_files += deps.parsed;
        // The crate's own C functions (an `ffi` module's `extern` block).
        let mut given = deps.summaries;
        if !table.foreign.is_empty() {
            let called = all
                .iter()
                .flat_map(|f| f.functions.iter().flat_map(|func| func.calls.iter()))
                .flat_map(|c| c.target.summary_keys());
            given.extend(summary::of_c_functions(called, &table, knowledge));
        }
        summary::compute(&all, &given)
    } else {
        summary::Summaries::default()
    };
    let entry = if read_at_forks {
        context::compute(&all, &summaries)
    } else {
        context::EntryContexts::default()
    };
    CrateModel {
        files: all,
        summaries,
        entry,
        starts_processes,
        installs_logger: scans.iter().any(|s| s.installs_logger),
        global_allocator_programs,
        exec_programs,
        result,
    }
}

/// Summaries of the calls into other crates that the rules will read,
/// from the dependencies the crate's packages declare (see `analysis::deps`).
fn dependency_summaries(
    db: &SourceDb,
    files: &[FileId],
    all: &[facts::FileFacts],
    knowledge: &Knowledge,
) -> deps::DepSummaries {
    dependency_summaries_of(db, files, &demand::external_paths(all.iter()), knowledge)
}

/// Summaries of these calls into other crates (see `analysis::deps`).
fn dependency_summaries_of(
    db: &SourceDb,
    files: &[FileId],
    paths: &[String],
    knowledge: &Knowledge,
) -> deps::DepSummaries {
    if paths.is_empty() {
        return deps::DepSummaries::default();
    }
    deps::summarize(&manifests_of(db, files), paths, knowledge)
}

/// The manifests of the packages the crate's files are in (one lookup per
/// directory).
fn manifests_of(db: &SourceDb, files: &[FileId]) -> Vec<std::path::PathBuf> {
    let mut manifests: Vec<std::path::PathBuf> = Vec::new();
    let mut dirs = HashSet::new();
    for &id in files {
        let path = &db.get(id).path;
        if let Some(dir) = path.parent() {
            if dirs.insert(dir.to_path_buf()) {
                if let Some(m) = crate::discover::nearest_manifest(path) {
                    if !manifests.contains(&m) {
                        manifests.push(m);
                    }
                }
            }
        }
    }
    manifests
}

/// Files whose left-out entry points can matter after all, now that the
/// rest is walked: an entry point may call something on the way to a fork
/// (the file names one of `fork_callers`, entry points included: a test may
/// call a test), or a finding may depend on what it does (its key is
/// `needed`). The same two tests pull files in on demand. Each
/// such file is walked again in full.
fn deferred_to_walk(
    db: &SourceDb,
    files: &[FileId],
    facts: &[Option<facts::FileFacts>],
    needed: &HashSet<String>,
    fork_callers: &HashSet<String>,
) -> Vec<usize> {
    let chain = demand::called_names(fork_callers.iter());
    (0..files.len())
        .filter(|&i| {
            facts[i].as_ref().is_some_and(|f| {
                !f.deferred_entries.is_empty()
                    && (f.deferred_entries.iter().flatten().any(|k| needed.contains(k))
                        || mentions_callers(db, files[i], &chain))
            })
        })
        .collect()
}

/// Does the file name one of these callers? A file whose text was let go
/// is read again only when there is one to look for.
fn mentions_callers(db: &SourceDb, id: FileId, chain: &[crate::scan::CalledName]) -> bool {
    !chain.is_empty() && crate::scan::mentions_any(&db.get(id).contents(), chain)
}

/// A file's facts, or why it could not be analysed.
/// A file's facts (empty when nothing could be walked), and the diagnostic
/// that it could not be parsed whole, if so.
type Walked = (facts::FileFacts, Option<Box<Finding>>);

/// Parses and walks files on the worker pool (a parsed `syn::File` is
/// `!Send`: each worker parses and walks whole files and sends back facts).
/// Results come back in the order of `files`.
fn walk_files(
    db: &SourceDb,
    files: &[(FileId, bool)],
    scans_by_id: &[FileScan],
    table: &CrateTable,
    knowledge: &Knowledge,
) -> Vec<Walked> {
    map_largest_first(
        files,
        |&(id, _)| db.get(id).scanned_len,
        |&(id, defer_entries)| {
            // A bug of ours on one file must not lose the others: the
            // file gets a diagnostic and the run goes on.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                walk_file(db, id, scans_by_id[id].deepest.clone(), table, knowledge, defer_entries)
            }))
                .unwrap_or_else(|_| {
                    proc_macro2::extra::invalidate_current_thread_spans();
                    (
                        facts::FileFacts::default(),
                        Some(Box::new(Finding::new(
                            "parse_error",
                            "internal error while analysing this file (a forklint bug; please report it); it was not checked",
                            Label::new(id, 0..0, ""),
                        ))),
                    )
                })
        },
    )
}

/// Maps `items` on the worker pool, largest first (by `size`), so that a
/// big file or crate does not start last while the other workers idle.
/// Results come back in the order of `items`.
pub(crate) fn map_largest_first<T: Sync, R: Send>(
    items: &[T],
    size: impl Fn(&T) -> usize,
    f: impl Fn(&T) -> R + Sync + Send,
) -> Vec<R> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(size(&items[i])));
    let mut done: Vec<(usize, R)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&i| (i, f(&items[i])))
        .collect();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Parses and walks one file. `deepest` is its nesting bound when the scan
/// already computed it; `defer_entries`: see `flow::Walker::defer_entries`.
fn walk_file(
    db: &SourceDb,
    id: FileId,
    deepest: Option<crate::nesting::Deepest>,
    table: &CrateTable,
    knowledge: &Knowledge,
    defer_entries: bool,
) -> Walked {
    let text = db.get(id).contents();
    // The bound holds for the text the scan read: a file changed since
    // (another length) is bounded again.
    let scanned_len = db.get(id).scanned_len;
    let deepest = deepest.filter(|_| scanned_len == text.len());
    let result = match parse_bounded(&text, deepest) {
        Ok(ast) => (walk_tree(id, &text, &ast, table, knowledge, defer_entries), None),
        // syn rejected the file (it tokenized and is not too deep): the
        // items that parse on their own are still walked.
        Err((span, message, "parse error here" | "the file ends here")) => match recover_items(&text) {
            Some(ast) => {
                let message = message.replace("; it was not checked", "; its other items were checked");
                (
                    walk_tree(id, &text, &ast, table, knowledge, defer_entries),
                    Some(as_finding((span, message, "parse error here"), id)),
                )
            }
            None => (
                facts::FileFacts::default(),
                Some(as_finding((span, message, "parse error here"), id)),
            ),
        },
        Err(e) => (facts::FileFacts::default(), Some(as_finding(e, id))),
    };
    // Spans are plain byte ranges from here on: free proc-macro2's span table.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// The items of a file syn rejects as a whole, but for the ones that do
/// not parse: the file is cut after each top-level `}` or `;`, the piece
/// holding the error is blanked (spaces for its bytes, newlines kept, so
/// every span stays the file's) and the rest parsed again, a few times at
/// most. `None` when nothing is left that parses.
fn recover_items(text: &str) -> Option<syn::File> {
    let start = stripped_prefix(text);
    let lexed = crate::lexer::lex_file(text, start);
    let mut pieces = Vec::new();
    let (mut depth, mut from) = (0usize, start);
    for t in &lexed.code {
        if t.kind != crate::lexer::TokenKind::Punct {
            continue;
        }
        let end = t.text.as_ptr() as usize - text.as_ptr() as usize + t.text.len();
        match t.text {
            b"{" | b"(" | b"[" => depth += 1,
            b"}" | b")" | b"]" => {
                depth = depth.saturating_sub(1);
                if depth == 0 && t.text == b"}" {
                    pieces.push(from..end);
                    from = end;
                }
            }
            b";" if depth == 0 => {
                pieces.push(from..end);
                from = end;
            }
            _ => {}
        }
    }
    pieces.push(from..text.len());
    let mut code: Vec<u8> = text.as_bytes()[start..].to_vec();
    for _ in 0..16 {
        let blanked = std::str::from_utf8(&code).ok()?;
        let err = match syn::parse_file(blanked) {
            Ok(file) => return (!file.items.is_empty()).then_some(file),
            Err(e) => e,
        };
        let at = start + err.span().byte_range().start;
        let piece = pieces.iter().find(|p| p.contains(&at)).or(pieces.last())?.clone();
        // Spaces for every byte of the piece (a multi-byte character too):
        // the text stays valid UTF-8 and every offset the file's.
        for i in piece {
            let b = &mut code[i - start];
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    None
}

/// Walks a parsed file. A function of the file that forks and returns the
/// result makes its callers fork sites: when the file calls such a wrapper
/// of its own, the same tree is walked again knowing it (never parsed
/// again), to a fixed point.
fn walk_tree(
    id: FileId,
    text: &str,
    ast: &syn::File,
    table: &CrateTable,
    knowledge: &Knowledge,
    defer_entries: bool,
) -> facts::FileFacts {
    let mut own = crate::index::Wrappers::default();
    loop {
        let mut walker = flow::Walker::new(id, text, table, knowledge);
        walker.own_wrappers = own.clone();
        walker.defer_entries = defer_entries;
        walker.walk_file(ast);
        let mut facts = walker.facts;
        let new = demand::wrappers(std::iter::once(&facts)).not_in(&table.wrappers, &own);
        if !demand::calls_any(&facts, |k| new.contains(k)) {
            facts.wrappers_known = table.wrappers.keys().chain(own.keys()).cloned().collect();
            return facts;
        }
        own.extend(new);
    }
}

/// The facts of a file of another crate (a dependency whose functions a
/// call reaches), walked as the linted crate's files are; `None` when it
/// does not parse.
pub(crate) fn walk_source(
    id: FileId,
    text: &str,
    table: &CrateTable,
    knowledge: &Knowledge,
) -> Option<facts::FileFacts> {
    let ast = parse_bounded(text, None).ok().or_else(|| recover_items(text));
    let facts = ast.map(|ast| walk_tree(id, text, &ast, table, knowledge, false));
    proc_macro2::extra::invalidate_current_thread_spans();
    facts
}

/// The keys under which the walk defines the functions of a file of a
/// crate whose table is `table` (what `tests/index_agreement.rs` holds the
/// table to); `None` when it does not parse.
pub fn walked_function_keys(text: &str, table: &CrateTable, knowledge: &Knowledge) -> Option<Vec<String>> {
    let facts = walk_source(0, text, table, knowledge)?;
    Some(facts.functions.into_iter().flat_map(|f| f.keys).collect())
}

pub use crate::lexer::stripped_prefix;

pub fn parse(db: &SourceDb, id: FileId) -> Result<syn::File, Box<Finding>> {
    parse_text(&db.get(id).contents(), id)
}

/// [`parse_source`], with a failure as the file's `parse_error` finding.
fn parse_text(text: &str, id: FileId) -> Result<syn::File, Box<Finding>> {
    parse_source(text).map_err(|e| as_finding(e, id))
}

fn as_finding(
    (span, message, label): (std::ops::Range<usize>, String, &'static str),
    id: FileId,
) -> Box<Finding> {
    Box::new(Finding::new("parse_error", message, Label::new(id, span, label)))
}

/// Parses a whole file as `syn::parse_file` does (after the BOM and shebang
/// that [`stripped_prefix`] skips), but refuses one nested deeper than
/// [`crate::nesting::MAX_DEPTH`]: parsing and walking it could overflow the
/// stack. `Err` is (byte range in `text`, message, label).
pub fn parse_source(text: &str) -> Result<syn::File, (std::ops::Range<usize>, String, &'static str)> {
    parse_bounded(text, None)
}

/// [`parse_source`] with the nesting bound, when already known.
fn parse_bounded(
    text: &str,
    deepest: Option<crate::nesting::Deepest>,
) -> Result<syn::File, (std::ops::Range<usize>, String, &'static str)> {
    let offset = stripped_prefix(text);
    let in_text = |r: std::ops::Range<usize>| (r.start + offset)..(r.end + offset);
    let limit = crate::nesting::MAX_DEPTH;
    let deepest = deepest.unwrap_or_else(|| crate::nesting::deepest(text, offset, limit));
    if deepest.depth > limit {
        return Err((
            deepest.span,
            format!("this file nests more than {limit} levels deep; it was not checked"),
            "nesting limit reached here",
        ));
    }
    // The lexer's own message ("cannot parse string into token stream")
    // does not say what is wrong; its span does.
    let tokens: proc_macro2::TokenStream = text[offset..].parse().map_err(|e: proc_macro2::LexError| {
        (
            in_text(e.span().byte_range()),
            "could not parse this file: unbalanced delimiter or invalid token; it was not checked"
                .to_string(),
            "cannot be tokenized from here",
        )
    })?;
    syn::parse2(tokens).map_err(|e| {
        let r = e.span().byte_range();
        // An error at the end of the input comes with an empty call-site
        // span (0..0): point at where the file ends instead of at 1:1.
        let (span, label) = if r.is_empty() && r.start == 0 {
            let end = text.trim_end().len();
            (end..end, "the file ends here")
        } else {
            (in_text(r), "parse error here")
        };
        (
            span,
            format!("could not parse this file: {e}; it was not checked"),
            label,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shebang_is_told_from_an_inner_attribute_past_comments() {
        assert_eq!(stripped_prefix("#!/bin/x\nfn main() {}"), 8);
        assert_eq!(stripped_prefix("\u{feff}#!/bin/x"), 11);
        assert_eq!(stripped_prefix("#![allow(x)]"), 0);
        assert_eq!(stripped_prefix("#! // c\n /* a /* b */ */ [allow(x)]"), 0);
        assert_eq!(
            stripped_prefix("#! /// doc\n[allow(x)]"),
            10,
            "doc comments are not skipped"
        );
        assert_eq!(stripped_prefix("#! /* unclosed"), 14);
        assert!(parse_source("#!//c\n[allow(x)]\nfn main() {}").is_ok());
    }

    #[test]
    fn an_error_at_the_end_of_the_file_points_there() {
        let text = "fn main() {}\n  stray\n\n";
        let (span, message, _) = parse_source(text).unwrap_err();
        assert_eq!(span, 20..20, "{message}");
    }
}
