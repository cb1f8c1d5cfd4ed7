//! Demand-driven analysis: which files must be parsed. Only files that name
//! a fork, vfork, daemon or `pre_exec` (or create raw fds in a crate that
//! starts processes) can hold a hazard; the functions their child regions
//! and `pre_exec` closures call are pulled in by name, to a fixed point.

use std::collections::HashSet;

use super::facts::{ChildEvent, FileFacts, Target};
use crate::scan::FileScan;

/// A file worth parsing before anything asks for it (see `FileScan::matters_alone`).
pub fn matters_alone(scan: &FileScan, crate_starts_processes: bool) -> bool {
    scan.matters_alone(crate_starts_processes)
}

/// Function keys the rules will ask summaries for: callees of child
/// regions and `pre_exec` closures, and transitively what those call.
pub fn needed_names<'a>(files: impl Iterator<Item = &'a FileFacts> + Clone) -> HashSet<String> {
    let mut needed = HashSet::new();
    let add = |t: &Target, needed: &mut HashSet<String>| {
        if let Target::Local { keys } = t {
            needed.extend(keys.iter().cloned());
        }
    };
    // Callers on the way to a fork: what they call before it (helpers that
    // start threads) decides the fork's context.
    let chain = fork_callers(files.clone());
    for f in files.clone() {
        for func in &f.functions {
            if func.keys.iter().any(|k| chain.contains(k)) {
                for c in &func.calls {
                    add(&c.target, &mut needed);
                }
            }
        }
        for fork in &f.forks {
            for e in &fork.child {
                if let ChildEvent::Call(c) = e {
                    add(&c.target, &mut needed);
                }
            }
        }
        // Descriptors handed to helpers, and files returned by constructors.
        for fork in &f.forks {
            for c in &fork.fd_calls {
                needed.extend(c.keys.iter().cloned());
            }
        }
        // Values open at a fork that a crate function returned: is it a file?
        for (fd, keys) in &f.returned_by {
            if f.forks.iter().any(|fork| fork.fds_open.contains(fd)) {
                needed.extend(keys.iter().cloned());
            }
        }
        // A re-executed child's code path: what the role switch calls.
        if !f.reexecs.is_empty() {
            for func in &f.functions {
                needed.extend(func.role_calls.iter().flatten().cloned());
            }
        }
        for p in &f.pre_execs {
            needed.extend(p.named.iter().cloned());
            needed.extend(p.built_by.iter().cloned());
            for c in &p.calls {
                add(&c.target, &mut needed);
            }
        }
    }
    loop {
        let before = needed.len();
        for f in files.clone() {
            for func in &f.functions {
                if func.keys.iter().any(|k| needed.contains(k)) {
                    for c in &func.calls {
                        add(&c.target, &mut needed);
                    }
                    for (_, keys, _) in &func.fd_param_calls {
                        needed.extend(keys.iter().cloned());
                    }
                }
            }
        }
        if needed.len() == before {
            return needed;
        }
    }
}

/// Helpers a descriptor made without close-on-exec is handed to before any
/// exec (`cloexec(fd)`), and (to a fixed point) the helpers those pass it
/// on to: do they close it or set the flag? Not for test code's
/// descriptors (pedantic findings, which would pull in every helper the
/// tests exercise).
pub fn fd_helper_names<'a>(files: impl Iterator<Item = &'a FileFacts> + Clone) -> HashSet<String> {
    let mut set: HashSet<String> = files
        .clone()
        .flat_map(|f| f.fds_without_cloexec.iter())
        .filter(|fd| !fd.handled && !fd.in_test)
        .flat_map(|fd| fd.handed_to.iter().flat_map(|(keys, _)| keys.iter().cloned()))
        .collect();
    if set.is_empty() {
        return set;
    }
    loop {
        let before = set.len();
        for func in files.clone().flat_map(|f| f.functions.iter()) {
            if func.keys.iter().any(|k| set.contains(k)) {
                for (_, keys, _) in &func.fd_param_calls {
                    set.extend(keys.iter().cloned());
                }
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// Functions on the way to a fork: the ones that fork, and (to a fixed
/// point) the ones that call them. Their callers' context (locks held,
/// threads started) reaches the fork, so the files calling them matter.
pub fn fork_callers<'a>(files: impl Iterator<Item = &'a FileFacts> + Clone) -> HashSet<String> {
    let mut set: HashSet<String> = files
        .clone()
        .flat_map(|f| f.forks.iter().flat_map(|fork| fork.function_keys.iter().cloned()))
        .collect();
    loop {
        let before = set.len();
        for f in files.clone() {
            for func in &f.functions {
                let calls_chain = func.calls.iter().any(|c| match &c.target {
                    Target::Local { keys } => keys.iter().any(|k| set.contains(k)),
                    _ => false,
                });
                if calls_chain {
                    set.extend(func.keys.iter().cloned());
                }
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// The names these keys are called by, as the text search for callers
/// takes them (a method's name may follow a `.`).
pub fn called_names<'a>(keys: impl Iterator<Item = &'a String>) -> Vec<crate::scan::CalledName> {
    keys.map(|k| crate::scan::CalledName {
        name: called_name(k).to_string(),
        method: crate::index::is_method_key(k),
    })
    .collect()
}

/// The name a key is called by in source (`Type::method` -> `method`).
pub fn called_name(key: &str) -> &str {
    crate::index::segments_of(key).next_back().unwrap_or(key)
}

/// The wrappers these files define (see `index::Wrappers`): functions that
/// fork and return the result, create a descriptor with their caller's
/// flags, or run a closure parameter in their child.
pub fn wrappers<'a>(files: impl Iterator<Item = &'a FileFacts>) -> crate::index::Wrappers {
    let mut w = crate::index::Wrappers::default();
    for f in files.flat_map(|f| f.functions.iter()) {
        for k in &f.keys {
            if let Some(shape) = f.returns_fork {
                w.fork.insert(k.clone(), shape);
            }
            if let Some(fd) = &f.fd_flag_wrapper {
                w.fd_flags.insert(k.clone(), fd.clone());
            }
            if let Some(pos) = f.runs_closure_in_child {
                w.closure_child.insert(k.clone(), pos);
            }
        }
    }
    w
}

/// Does any function of the file call a crate function whose key passes
/// `wanted`?
pub fn calls_any(file: &FileFacts, wanted: impl Fn(&str) -> bool) -> bool {
    file.functions
        .iter()
        .flat_map(|f| f.calls.iter())
        .any(|c| c.target.summary_keys().iter().any(|k| wanted(k)))
}

/// Keys of entry points (`main`, tests): nothing calls them.
pub fn entry_points<'a>(files: impl Iterator<Item = &'a FileFacts>) -> HashSet<String> {
    files
        .flat_map(|f| f.functions.iter())
        .filter(|f| f.entry)
        .flat_map(|f| f.keys.iter().cloned())
        .collect()
}

/// Calls into other crates whose summaries the rules will read: in child
/// regions and `pre_exec` closures, in the crate's functions those reach
/// (`needed_names`), and in the functions on the way to a fork (their
/// threads are the fork's context). In source order, each once.
pub fn external_paths<'a>(files: impl Iterator<Item = &'a FileFacts> + Clone) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |t: &Target| {
        if let Target::External { path } = t {
            if !out.contains(path) {
                out.push(path.clone());
            }
        }
    };
    let mut reach = needed_names(files.clone());
    reach.extend(fork_callers(files.clone()));
    for f in files {
        for fork in &f.forks {
            for e in &fork.child {
                if let ChildEvent::Call(c) = e {
                    add(&c.target);
                }
            }
        }
        for p in &f.pre_execs {
            for c in &p.calls {
                add(&c.target);
            }
        }
        for func in f
            .functions
            .iter()
            .filter(|func| func.keys.iter().any(|k| reach.contains(k)))
        {
            for c in &func.calls {
                add(&c.target);
            }
        }
    }
    out
}
