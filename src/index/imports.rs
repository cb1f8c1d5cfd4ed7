//! The `use` table of a file or block: aliases, groups, globs, renames.

use rustc_hash::FxHashMap;
use syn::{Item, UseTree};

/// Names in scope through `use`, and the prelude.
#[derive(Debug, Clone, Default)]
pub struct Imports {
    /// Local name -> full path (`unistd` -> `nix::unistd`, `raw_fork` -> `libc::fork`).
    names: FxHashMap<String, String>,
    /// Glob prefixes (`use nix::unistd::*` -> `nix::unistd`).
    globs: Vec<String>,
}

/// Names the std prelude brings into every module.
const PRELUDE: &[(&str, &str)] = &[
    ("Box", "std::boxed::Box"),
    ("String", "std::string::String"),
    ("Vec", "std::vec::Vec"),
    ("drop", "std::mem::drop"),
    ("Option", "std::option::Option"),
    ("Result", "std::result::Result"),
    ("ToString", "std::string::ToString"),
];

impl Imports {
    pub fn from_items(items: &[Item]) -> Imports {
        let mut imports = Imports::default();
        imports.add_items(items);
        imports
    }

    pub fn add_items(&mut self, items: &[Item]) {
        for item in items {
            if let Item::Use(u) = item {
                self.add_tree(&u.tree, String::new());
            }
        }
        // `type Cmd = std::process::Command;` names the type as a renaming
        // `use` would (a generic alias is left alone).
        for item in items {
            let Item::Type(t) = item else { continue };
            let syn::Type::Path(p) = &*t.ty else { continue };
            if !t.generics.params.is_empty()
                || p.qself.is_some()
                || p.path.segments.iter().any(|s| !s.arguments.is_none())
            {
                continue;
            }
            let segs = segments(&p.path);
            // Through the file's own `use` of its first segment.
            let target = match segs.first().and_then(|f| self.names.get(f)) {
                Some(_) => self.resolve(&segs).into_iter().next(),
                None => Some(canonical(&segs.join("::"))),
            };
            if let Some(target) = target {
                self.names.insert(t.ident.to_string(), target);
            }
        }
    }

    fn add_tree(&mut self, tree: &UseTree, prefix: String) {
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                super::path_key(&prefix, name)
            }
        };
        match tree {
            UseTree::Path(p) => {
                let seg = p.ident.to_string();
                // `use a::b::c` where `a` is itself imported: expand it.
                let full = if prefix.is_empty() {
                    self.names.get(&seg).cloned().unwrap_or(seg)
                } else {
                    join(&seg)
                };
                self.add_tree(&p.tree, full);
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.rsplit("::").next() {
                        self.names.insert(last.to_string(), canonical(&prefix));
                    }
                } else {
                    self.names.insert(name.clone(), canonical(&join(&name)));
                }
            }
            UseTree::Rename(r) => {
                let name = r.ident.to_string();
                let target = if name == "self" {
                    prefix.clone()
                } else {
                    join(&name)
                };
                let alias = r.rename.to_string();
                if alias != "_" {
                    self.names.insert(alias, canonical(&target));
                }
            }
            UseTree::Glob(_) => self.globs.push(canonical(&prefix)),
            UseTree::Group(g) => {
                for t in &g.items {
                    self.add_tree(t, prefix.clone());
                }
            }
            // Future use-tree forms: nothing to import.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    /// Canonical candidates for a path as written, most likely first. A
    /// single name can also come from a glob; every glob is a candidate.
    pub fn resolve(&self, segments: &[String]) -> Vec<String> {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        let rest = &segments[1..];
        // `base::rest..` in canonical form, built in one string.
        let with_rest = |base: &[&str]| {
            let mut s = String::with_capacity(64);
            for part in base.iter().copied().chain(rest.iter().map(String::as_str)) {
                if !s.is_empty() {
                    s.push_str("::");
                }
                s.push_str(part);
            }
            canonical_owned(s)
        };
        if let Some(full) = self.names.get(first) {
            return vec![with_rest(&[full])];
        }
        let mut out = Vec::new();
        // `libc::fork` is most likely the crate `libc`, not a glob's module.
        if !rest.is_empty() {
            out.push(with_rest(&[first]));
        }
        for g in &self.globs {
            out.push(with_rest(&[g, first]));
        }
        if let Some((_, full)) = PRELUDE.iter().find(|(n, _)| n == first) {
            out.push(with_rest(&[full]));
        }
        if rest.is_empty() {
            out.push(with_rest(&[first]));
        }
        out
    }

    pub fn is_imported(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }
}

/// [`canonical`] of a path already owned, changed in place.
fn canonical_owned(mut path: String) -> String {
    // Most paths need nothing: look at the first byte before anything else.
    if !matches!(path.as_bytes().first(), Some(b':' | b'c' | b'a')) {
        return path;
    }
    let lead = path.len() - path.trim_start_matches("::").len();
    path.drain(..lead);
    for alt in ["core::", "alloc::"] {
        if path.starts_with(alt) {
            path.replace_range(..alt.len(), "std::");
            break;
        }
    }
    path
}

/// Normalizes a path: `::nix::x` -> `nix::x`, `core::`/`alloc::` -> `std::`.
pub fn canonical(path: &str) -> String {
    canonical_owned(path.to_string())
}

/// Segments of a syn path as strings (generic arguments dropped).
pub fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports(src: &str) -> Imports {
        Imports::from_items(&syn::parse_file(src).unwrap().items)
    }

    fn r(i: &Imports, p: &str) -> Vec<String> {
        i.resolve(&p.split("::").map(String::from).collect::<Vec<_>>())
    }

    #[test]
    fn resolves_aliases_groups_globs_and_modules() {
        let i = imports(
            "use nix::unistd::{self, fork as nix_fork, ForkResult}; use libc::fork as raw_fork; \
             use std::{thread, sync::Mutex}; use nix::sys::wait::*; use ::core::mem;",
        );
        assert_eq!(r(&i, "nix_fork"), vec!["nix::unistd::fork"]);
        assert_eq!(r(&i, "unistd::fork"), vec!["nix::unistd::fork"]);
        assert_eq!(r(&i, "raw_fork"), vec!["libc::fork"]);
        assert_eq!(r(&i, "thread::spawn"), vec!["std::thread::spawn"]);
        assert_eq!(r(&i, "ForkResult::Child"), vec!["nix::unistd::ForkResult::Child"]);
        assert_eq!(r(&i, "waitpid")[0], "nix::sys::wait::waitpid");
        assert_eq!(r(&i, "mem::drop"), vec!["std::mem::drop"]);
        assert_eq!(r(&i, "libc::fork")[0], "libc::fork");
        assert!(r(&i, "drop").contains(&"std::mem::drop".to_string()));
    }

    #[test]
    fn a_type_alias_names_its_type_as_a_renaming_use_would() {
        let i = imports(
            "type Cmd = std::process::Command; type Fd = unistd::Fd; use nix::unistd; \
             type Generic<T> = Vec<T>; type Local = Real;",
        );
        assert_eq!(r(&i, "Cmd::new"), vec!["std::process::Command::new"]);
        assert_eq!(r(&i, "Fd::close"), vec!["nix::unistd::Fd::close"]);
        assert_eq!(r(&i, "Local::open"), vec!["Real::open"]);
        assert!(!i.is_imported("Generic"));
    }
}
