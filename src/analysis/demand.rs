//! Demand-driven analysis: which files must be parsed. Only files that name
//! a fork, vfork, daemon or `pre_exec` (or create raw fds in a crate that
//! starts processes) can hold a hazard; the functions their child regions
//! and `pre_exec` closures call are pulled in by name, to a fixed point.

use std::collections::HashSet;

use super::facts::{ChildEvent, FileFacts, Target};
use crate::scan::FileScan;

/// A file worth parsing before anything asks for it.
pub fn matters_alone(scan: &FileScan, crate_starts_processes: bool) -> bool {
    scan.forks || (scan.creates_fds && crate_starts_processes)
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
    for f in files.clone() {
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
        for (_, keys) in &f.returned_by {
            needed.extend(keys.iter().cloned());
        }
        for p in &f.pre_execs {
            needed.extend(p.named.iter().cloned());
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
