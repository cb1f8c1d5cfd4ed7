//! The shape of the code base, as the design asks: the top-level modules
//! form no cycle (rules consume the analysis's facts, the analysis does not
//! call rules, knowledge depends on no analysis), and no source file grows
//! past what a reader takes in at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources() -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(out.len() > 20, "found only {} source files", out.len());
    out
}

/// The top-level module a file belongs to (`analysis` for
/// `src/analysis/flow/calls.rs`); `None` for the crate roots.
fn top_module(path: &Path) -> Option<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rel = path.strip_prefix(&src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    (!matches!(name, "lib" | "main" | "bin")).then(|| name.to_string())
}

/// `crate::name` references in code (comments and test modules left out).
fn references(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
            rest = after;
        }
    }
    out
}

#[test]
fn the_module_graph_has_no_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in sources() {
        let Some(top) = top_module(&path) else { continue };
        let text = std::fs::read_to_string(&path).unwrap();
        let deps = graph.entry(top.clone()).or_default();
        deps.extend(references(&text).into_iter().filter(|m| *m != top));
    }
    assert!(graph.contains_key("analysis") && graph.contains_key("rules"));
    // The directions the design names.
    assert!(
        graph["rules"].contains("analysis"),
        "rules read the analysis's facts"
    );
    for (from, to) in [
        ("analysis", "rules"),
        ("knowledge", "analysis"),
        ("index", "analysis"),
    ] {
        assert!(!graph[from].contains(to), "{from} must not depend on {to}");
    }
    // Depth-first search for a cycle, reporting its path.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("module cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn no_source_file_is_over_800_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(&p).unwrap().lines().count();
            (n > 800).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}

/// The walk's framework (`src/analysis/flow/*.rs`) hands events to the
/// domains and reaches into none of their state: a domain's slice of the
/// state, its scratch for the function or the file, are the domain's own
/// (`src/analysis/flow/domains/`). The fork's slice is the one exception,
/// on purpose: branching on a fork's result is the framework's path
/// sensitivity. So a new domain changes no framework file.
#[test]
fn the_walk_framework_keeps_out_of_the_domains_state() {
    let flow = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/analysis/flow");
    let framework: Vec<PathBuf> = sources()
        .into_iter()
        .filter(|p| p.parent() == Some(flow.as_path()))
        .collect();
    assert!(
        framework.len() >= 8,
        "found only {} framework files",
        framework.len()
    );
    let domains_dir = flow.join("domains");
    assert!(
        sources().iter().filter(|p| p.starts_with(&domains_dir)).count() >= 6,
        "no domain modules found under {}",
        domains_dir.display()
    );
    // `state.slices.fork` and `out.slices.join(..)` may stand; any other
    // field of a slice, or of a scratch, is a domain's.
    let allowed = ["slices.fork", "slices.join", "slices.same", "scratch.into_facts"];
    let mut reaches = Vec::new();
    for path in &framework {
        let text = std::fs::read_to_string(path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
        // Comments out, and a method chain rustfmt broke over lines
        // (`state\n    .slices\n    .guards`) joined back into one.
        let joined = code
            .lines()
            .map(|l| l.split("//").next().unwrap_or("").trim())
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" .", ".");
        for field in ["slices.", "scratch."] {
            for (i, _) in joined.match_indices(field) {
                let name: String = joined[i + field.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let access = format!("{field}{name}");
                if !allowed.contains(&access.as_str()) {
                    reaches.push(format!("{}: {access}", path.display()));
                }
            }
        }
    }
    assert!(
        reaches.is_empty(),
        "framework code reaching into a domain's state:\n{}",
        reaches.join("\n")
    );
}
