//! The module tree of a crate: which module path each file is, found the
//! way rustc finds it, from the `mod name;` declarations (with their
//! `#[path]`) of the files that declare them. A file nothing declares is a
//! crate root. Every root (a library's `lib.rs`, `main.rs`, a binary, a
//! test, an example) is a crate of its own, whose paths start with `<its
//! path>`, a segment no source can write, so that two tests' helpers of one
//! name, or two packages' functions, stay apart; a library is also named by
//! its library name (`CrateTable::lib_roots`). A file under `src/` that
//! nothing declares (its `mod` line hidden in a macro the scan did not see)
//! gets the module path of its location under its package's `lib.rs` (or
//! `main.rs`).

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::scan::FileScan;

/// The module path of each file, in the order given (`[]` for a root).
pub fn module_paths(paths: &[&Path], scans: &[&FileScan]) -> Vec<Vec<String>> {
    module_tree(paths, scans).0
}

/// [`module_paths`], and whether each file is test code: declared with
/// `#[cfg(test)]`, or below such a declaration.
pub fn module_tree(paths: &[&Path], scans: &[&FileScan]) -> (Vec<Vec<String>>, Vec<bool>) {
    let index: FxHashMap<&Path, usize> = paths.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    // The declaring file and the path below it, for each declared file.
    let mut parent: Vec<Option<(usize, Vec<String>)>> = vec![None; paths.len()];
    let mut declared_test = vec![false; paths.len()];
    for (i, scan) in scans.iter().enumerate() {
        if scan.mods.is_empty() {
            continue;
        }
        let file = paths[i];
        let dir = file.parent().unwrap_or(Path::new(""));
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        // Children of `a.rs` live in `a/`, unless it is a crate root
        // (`tests/a.rs`, `src/bin/a.rs`), whose children sit beside it.
        let mut dirs: Vec<PathBuf> = Vec::with_capacity(2);
        if !matches!(stem, "mod" | "lib" | "main") {
            dirs.push(dir.join(stem));
        }
        dirs.push(dir.to_path_buf());
        for decl in &scan.mods {
            let found = match &decl.path {
                Some(p) => {
                    let mut at = dir.to_path_buf();
                    at.extend(&decl.inline);
                    index.get(at.join(p).as_path()).copied()
                }
                None => dirs.iter().find_map(|d| {
                    let mut at = d.clone();
                    at.extend(&decl.inline);
                    let file = at.join(format!("{}.rs", decl.name));
                    let dir_mod = at.join(&decl.name).join("mod.rs");
                    index
                        .get(file.as_path())
                        .or_else(|| index.get(dir_mod.as_path()))
                        .copied()
                }),
            };
            if let Some(j) = found.filter(|&j| j != i && parent[j].is_none()) {
                let mut below = decl.inline.clone();
                below.push(decl.name.clone());
                parent[j] = Some((i, below));
                declared_test[j] = decl.test;
            }
        }
    }
    let roots: Vec<Vec<String>> = paths.iter().map(|p| root_module(p, &index)).collect();
    (0..paths.len())
        .map(|i| {
            // Up to the root; a cycle of declarations (not valid Rust) stops.
            let mut parts: Vec<&[String]> = Vec::new();
            let mut test = false;
            let mut at = i;
            while let Some((up, below)) = &parent[at] {
                parts.push(below);
                test |= declared_test[at];
                at = *up;
                if parts.len() > paths.len() {
                    break;
                }
            }
            parts.push(&roots[at]);
            (
                parts
                    .iter()
                    .rev()
                    .flat_map(|p| p.iter().cloned())
                    .collect::<Vec<String>>(),
                test,
            )
        })
        .unzip()
}

/// The module path of a file nothing declares (see the module docs).
fn root_module(path: &Path, files: &FxHashMap<&Path, usize>) -> Vec<String> {
    let parts: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    if let Some(src) = parts.iter().rposition(|c| *c == "src") {
        let below = &parts[src + 1..];
        if !matches!(below, ["main.rs" | "lib.rs"] | ["bin", ..]) {
            // An orphan of the package's library (or binary), if it has one.
            let dir: std::path::PathBuf = parts[..=src].iter().collect();
            let root = ["lib.rs", "main.rs"]
                .into_iter()
                .map(|r| dir.join(r))
                .find(|r| files.contains_key(r.as_path()));
            if let Some(root) = root {
                let mut module = vec![root_marker(&root)];
                module.extend(below.iter().map(|c| c.trim_end_matches(".rs").to_string()));
                if module.last().is_some_and(|m| m == "mod") {
                    module.pop();
                }
                return module;
            }
        }
    }
    vec![root_marker(path)]
}

/// The first segment of every path of the crate rooted at this file.
pub fn root_marker(root: &Path) -> String {
    format!("<{}>", root.display())
}

/// The root segment of a module path, for `crate::` paths (`<src/lib.rs>`).
pub fn crate_root(module: &[String]) -> &[String] {
    match module.first() {
        Some(m) if m.starts_with('<') => &module[..1],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::ModDecl;

    fn decl(inline: &[&str], name: &str, path: Option<&str>) -> ModDecl {
        ModDecl {
            inline: inline.iter().map(|s| s.to_string()).collect(),
            name: name.into(),
            path: path.map(String::from),
            test: false,
        }
    }

    #[test]
    fn a_module_declared_under_cfg_test_and_its_children_are_test_code() {
        let words = crate::scan::Words::new(crate::knowledge::Knowledge::builtin());
        let files = [
            (
                "p/src/lib.rs",
                "#[cfg(test)]\nmod tests;\n#[cfg(not(test))]\nmod real;\n",
            ),
            ("p/src/tests.rs", "mod deeper;"),
            ("p/src/tests/deeper.rs", ""),
            ("p/src/real.rs", ""),
        ];
        let scans: Vec<FileScan> = files
            .iter()
            .map(|(_, t)| crate::scan::scan(t, &words, false))
            .collect();
        let paths: Vec<&Path> = files.iter().map(|(p, _)| Path::new(*p)).collect();
        let (_, test) = module_tree(&paths, &scans.iter().collect::<Vec<_>>());
        assert_eq!(test, [false, true, true, false]);
    }

    #[test]
    fn files_get_the_module_path_their_declarations_give() {
        let files = [
            "p/src/lib.rs",
            "p/src/exec.rs",
            "p/src/exec/pty.rs",
            "p/src/visudo/mod.rs",
            "p/src/visudo/run.rs",
            "p/src/sys/linux.rs",
            "p/tests/a.rs",
            "p/tests/common/mod.rs",
            "p/src/bin/tool.rs",
            "p/src/bin/util.rs",
            "p/src/orphan.rs",
        ];
        let mut scans = vec![FileScan::default(); files.len()];
        scans[0].mods = vec![
            decl(&[], "exec", None),
            decl(&[], "visudo", None),
            decl(&["sys"], "imp", Some("linux.rs")),
        ];
        scans[1].mods = vec![decl(&[], "pty", None)];
        scans[3].mods = vec![decl(&[], "run", None)];
        scans[6].mods = vec![decl(&[], "common", None)];
        scans[8].mods = vec![decl(&[], "util", None)];
        let paths: Vec<&Path> = files.iter().map(Path::new).collect();
        let scans: Vec<&FileScan> = scans.iter().collect();
        let got: Vec<String> = module_paths(&paths, &scans)
            .iter()
            .map(|m| m.join("::"))
            .collect();
        assert_eq!(
            got,
            [
                "<p/src/lib.rs>",
                "<p/src/lib.rs>::exec",
                "<p/src/lib.rs>::exec::pty",
                "<p/src/lib.rs>::visudo",
                "<p/src/lib.rs>::visudo::run",
                "<p/src/lib.rs>::sys::imp",
                "<p/tests/a.rs>",
                "<p/tests/a.rs>::common",
                "<p/src/bin/tool.rs>",
                "<p/src/bin/tool.rs>::util",
                // Not declared anywhere the scan saw: where it lies.
                "<p/src/lib.rs>::orphan"
            ]
        );
    }
}
