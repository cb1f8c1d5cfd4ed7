//! Name resolution: the `use` table of each file and the crate's table of
//! functions and statics, so a call can be told apart as a knowledge entry,
//! a function of the crate, or unknown.

pub mod imports;
pub mod modules;
pub mod symbols;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::source::FileId;

/// What the crate defines, by module path: built once per crate before the
/// flow analysis so that each call can be classified on the spot.
#[derive(Debug, Default)]
pub struct CrateTable {
    /// Function keys: a free function by its module path (`exec::pty::run`,
    /// `main` at a crate root), a method or a trait's default method by its
    /// type (`Type::name`, `Trait::name`).
    pub functions: FxHashSet<String>,
    /// A free function's name -> the keys of the free functions so named.
    pub names: FxHashMap<String, Vec<String>>,
    /// Every module name of the crate (a path starting with one is the
    /// crate's, not a dependency's).
    pub modules: FxHashSet<String>,
    /// Each file's module path.
    pub file_modules: FxHashMap<FileId, Vec<String>>,
    /// Files that are test code: declared `#[cfg(test)] mod tests;` (or
    /// below such a module).
    pub test_files: FxHashSet<FileId>,
    /// `pub use` items by the module they are in (joined path): the
    /// module's path and what each makes visible.
    pub reexports: FxHashMap<String, (Vec<String>, Vec<crate::scan::Reexport>)>,
    /// The names `pub use .. as name` gives.
    pub alias_names: FxHashSet<String>,
    /// The names the crate's libraries are used by (`mylib` in
    /// `mylib::f()` from a test or binary of the package).
    pub lib_roots: FxHashMap<String, String>,
    /// Each file's function keys, in the order of the files given.
    pub file_keys: Vec<Vec<String>>,
    /// The traits each type implements (`impl Trait for Type`): a trait's
    /// default method is the type's too (`Self::open()`, `master.open()`).
    pub trait_impls: FxHashMap<String, Vec<String>>,
    /// What functions return (by key), where a method call on the result
    /// can use it (`scan::Returns`).
    pub returns: FxHashMap<String, crate::scan::Returns>,
    /// `Struct::field` -> the field's type name (`None` where two structs
    /// of one name disagree).
    pub field_types: FxHashMap<String, Option<String>>,
    /// `type Alias = Type;` -> `Type` (by last segment; `None` where two
    /// aliases of one name name different types): `Alias::new()` is
    /// `Type::new()`, and so is a method an `impl Alias` defines.
    pub type_aliases: FxHashMap<String, Option<String>>,
    /// `Type::name` keys more than one module defines: each of those
    /// methods is keyed by its module too (`impl_method_key`).
    pub ambiguous_methods: FxHashSet<String>,
    /// Names (fields, parameters) typed as a function pointer that never
    /// returns (`Option<fn(i32) -> !>`).
    pub diverging_values: FxHashSet<String>,
    /// Functions that never return (`-> !`, or ending in `_exit`/`exit`/`abort`).
    pub diverging: FxHashSet<String>,
    /// Functions declared in `extern "C"` blocks (C functions, no body).
    pub foreign: FxHashSet<String>,
    /// The names of `static` items and `thread_local!` statics (is this
    /// name any static's?).
    pub statics: FxHashSet<String>,
    /// A static's name -> the keys (module paths, `stats::HITS`) of the
    /// statics so named: two of one name in different modules are two.
    pub static_keys: FxHashMap<String, Vec<String>>,
    /// `const` items.
    pub consts: FxHashSet<String>,
    /// `const` items holding an integer literal, by name: `None` when
    /// consts of that name hold different numbers.
    pub const_numbers: FxHashMap<String, Option<u64>>,
    /// Names (statics, fields, bindings) declared with an `RwLock` type, so
    /// `.read()`/`.write()` on them is a lock and `file.read(..)` is not.
    pub rwlocks: FxHashSet<String>,
    /// Functions of the crate whose calls are more than calls, learnt from
    /// a first walk (see `Wrappers`).
    pub wrappers: Wrappers,
    /// Names a call can matter by: the crate's functions and methods (the
    /// knowledge tables' are `Knowledge::call_names`). An unknown macro
    /// whose body names none of them is not parsed.
    pub call_names: FxHashSet<String>,
    /// Paths already followed through re-exports, and where they led: a
    /// generated crate's globs of globs are walked once per path, not at
    /// every call naming it.
    pub reexport_memo: std::sync::Mutex<FxHashMap<String, Option<String>>>,
}

impl CrateTable {
    /// The table from the cheap token scans of every file of the crate:
    /// `mod` declarations give each file its module path, which prefixes
    /// the keys of its free functions.
    pub fn from_scans(
        ids: &[FileId],
        paths: &[&std::path::Path],
        scans: &[&crate::scan::FileScan],
    ) -> CrateTable {
        let mut t = CrateTable::default();
        let (modules, test) = modules::module_tree(paths, scans);
        for (alias, target) in scans.iter().flat_map(|s| s.type_aliases.iter()) {
            let known = t
                .type_aliases
                .entry(alias.clone())
                .or_insert_with(|| Some(target.clone()));
            if known.as_ref() != Some(target) {
                *known = None;
            }
        }
        // `Type::name` defined in two modules: two types of one name (or
        // platform variants in `unix/` and `windows/`). Such a method is
        // keyed by its module too, so the two never share a summary.
        let mut homes: FxHashMap<std::borrow::Cow<str>, Vec<&String>> = FxHashMap::default();
        for (s, module) in scans.iter().zip(&modules) {
            // Macros (`name!`) are scoped by text: one key per name.
            for f in s.fns.iter().filter(|f| f.method && !f.key.ends_with('!')) {
                let home: Vec<&String> = module.iter().chain(&f.inline).collect();
                let key = t.unaliased(&f.key);
                match homes.get(&key) {
                    Some(h) if *h != home => {
                        t.ambiguous_methods.insert(key.into_owned());
                    }
                    Some(_) => {}
                    None => {
                        homes.insert(key, home);
                    }
                }
            }
        }
        t.test_files = ids
            .iter()
            .zip(&test)
            .filter(|(_, t)| **t)
            .map(|(id, _)| *id)
            .collect();
        for (((&id, s), module), path) in ids.iter().zip(scans).zip(modules).zip(paths) {
            let mut keys = Vec::with_capacity(s.fns.len());
            for f in &s.fns {
                let key = if f.key.ends_with('!') {
                    f.key.clone()
                } else if f.method {
                    let own = t.unaliased(&f.key);
                    if f.inline.is_empty() {
                        t.impl_method_key(&module, &own)
                    } else {
                        let home: Vec<String> = module.iter().chain(&f.inline).cloned().collect();
                        t.impl_method_key(&home, &own)
                    }
                } else {
                    let key = qualified(&module, &f.key);
                    t.names.entry(f.name.clone()).or_default().push(key.clone());
                    key
                };
                if let Some(r) = &f.returns {
                    t.returns.insert(key.clone(), r.clone());
                }
                t.functions.insert(key.clone());
                if f.diverging {
                    t.diverging.insert(key.clone());
                }
                if f.foreign {
                    t.foreign.insert(key.clone());
                }
                keys.push(key);
            }
            // Module names a path can start with: the file's own, the
            // files it declares, its inline modules.
            for m in module.iter().filter(|m| !m.starts_with('<')) {
                if !t.modules.contains(m) {
                    t.modules.insert(m.clone());
                }
            }
            t.modules.extend(s.mods.iter().map(|m| m.name.clone()));
            t.modules.extend(s.inline_mods.iter().cloned());
            // A library's root: other roots name it by its library name.
            if module.len() == 1 && path.file_name().is_some_and(|n| n == "lib.rs") {
                if let Some(name) = crate::discover::lib_name(path) {
                    t.lib_roots.insert(name, module[0].clone());
                }
            }
            t.file_keys.push(keys);
            for r in &s.reexports {
                let mut at = module.clone();
                at.extend(r.inline.iter().cloned());
                if let Some(alias) = &r.alias {
                    t.alias_names.insert(alias.clone());
                }
                let entry = t
                    .reexports
                    .entry(at.join("::"))
                    .or_insert_with(|| (at, Vec::new()));
                entry.1.push(r.clone());
            }
            for d in &s.statics {
                t.statics.insert(d.name.clone());
                let key = if d.inline.is_empty() {
                    qualified(&module, &d.name)
                } else {
                    let home: Vec<String> = module.iter().chain(&d.inline).cloned().collect();
                    qualified(&home, &d.name)
                };
                let keys = t.static_keys.entry(d.name.clone()).or_default();
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            t.file_modules.insert(id, module);
            t.call_names.extend(s.fns.iter().map(|f| f.name.clone()));
            t.consts.extend(s.consts.iter().cloned());
            for (name, n) in &s.const_numbers {
                let known = t.const_numbers.entry(name.clone()).or_insert(Some(*n));
                if *known != Some(*n) {
                    *known = None;
                }
            }
            for (ty, field, field_ty) in s
                .field_types
                .iter()
                .flat_map(|(ty, fields)| fields.iter().map(move |(f, t)| (ty, f, t)))
            {
                let known = t
                    .field_types
                    .entry(path_key(ty, field))
                    .or_insert_with(|| Some(field_ty.clone()));
                if known.as_ref() != Some(field_ty) {
                    *known = None;
                }
            }
            t.rwlocks.extend(s.rwlocks.iter().cloned());
            t.diverging_values.extend(s.diverging_values.iter().cloned());
            for (ty, tr) in &s.trait_impls {
                let ty = t.type_name_of(ty).to_string();
                let traits = t.trait_impls.entry(ty).or_default();
                if !traits.contains(tr) {
                    traits.push(tr.clone());
                }
            }
        }
        t
    }
}

impl CrateTable {
    /// The path other crates call a function of this crate's library by:
    /// its key with the library's root replaced by the library's name
    /// (`<src/lib.rs>::unistd::pipe` -> `nix::unistd::pipe`). `None` for a
    /// key outside a library.
    pub fn external_path(&self, key: &str) -> Option<String> {
        let (root, rest) = key.split_once("::")?;
        let (lib, _) = self.lib_roots.iter().find(|(_, r)| *r == root)?;
        Some(format!("{lib}::{rest}"))
    }

    /// The key of method `name` an `impl` of (or a trait) `ty` in `home`
    /// (the file's module path and its inline modules) defines: by the type
    /// an alias names, and by its module where two modules define one.
    pub fn method_def_key(&self, home: &[String], ty: &str, name: &str) -> String {
        self.impl_method_key(home, &path_key(self.type_name_of(ty), name))
    }

    /// The key of a method an impl in `module` (a file's module path)
    /// defines: `Type::name`, or `module::Type::name` when another module
    /// defines a `Type::name` too.
    pub fn impl_method_key(&self, module: &[String], key: &str) -> String {
        if self.ambiguous_methods.contains(key) {
            qualified(module, key)
        } else {
            key.to_string()
        }
    }

    /// A method two modules define, called on a type `written` (as the code
    /// names it, from `module`) that the `use` table resolves to `imported`:
    /// the one of the module the type's path leads to, or of the caller's
    /// own module. `None` when nothing tells.
    pub fn ambiguous_method_key(
        &self,
        module: &[String],
        written: &[String],
        imported: &[String],
        name: &str,
    ) -> Option<String> {
        let ty = self.type_name_of(written.last()?);
        let own = path_key(ty, name);
        if !self.ambiguous_methods.contains(&own) {
            return None;
        }
        let mut paths: Vec<Vec<&str>> = imported.iter().map(|p| segments_of(p).collect()).collect();
        if written.len() > 1 {
            paths.push(written.iter().map(String::as_str).collect());
        }
        for parts in paths {
            for candidate in self.anchored(module, &parts) {
                let key = path_key(&candidate, name);
                if self.functions.contains(&key) {
                    return Some(key);
                }
            }
        }
        let here = qualified(module, &own);
        self.functions.contains(&here).then_some(here)
    }

    /// The type an alias names (`W` of `type W = Real;` -> `Real`), or `ty`.
    pub fn type_name_of<'a>(&'a self, ty: &'a str) -> &'a str {
        if self.type_aliases.is_empty() {
            return ty;
        }
        match self.type_aliases.get(ty) {
            Some(Some(target)) => target,
            _ => ty,
        }
    }

    /// A method key (`Type::name`) with an alias's type replaced by the
    /// type it names.
    fn unaliased<'a>(&self, key: &'a str) -> std::borrow::Cow<'a, str> {
        if self.type_aliases.is_empty() {
            return key.into();
        }
        // `Type::name` (split on one byte: cheaper than on `::`).
        let Some((ty, name)) = key.rsplit_once(':') else {
            return key.into();
        };
        let ty = ty.trim_end_matches(':');
        match self.type_name_of(ty) {
            own if own != ty => path_key(own, name).into(),
            _ => key.into(),
        }
    }

    /// The key of method `name` of type `ty`: its own (`Type::name`), else
    /// the default method of a trait it implements (`Trait::name`). An
    /// alias's methods are its type's.
    pub fn method_key(&self, ty: &str, name: &str) -> Option<String> {
        let ty = self.type_name_of(ty);
        let own = path_key(ty, name);
        if self.functions.contains(&own) {
            return (!self.ambiguous_methods.contains(&own)).then_some(own);
        }
        self.trait_impls
            .get(ty)?
            .iter()
            .map(|tr| path_key(tr, name))
            .find(|k| self.functions.contains(k) && !self.ambiguous_methods.contains(k))
    }

    /// The free function of the crate that a call path names, called from
    /// `module`: `written` as in the source, `imported` as the `use` table
    /// resolves it (`crate::`, `self::`, `super::`, renames, globs). When
    /// no path leads to one but the name is the only one of its kind in the
    /// crate and the path looks like the crate's own (`local`), that one: a
    /// module tree the declarations did not show (`#[cfg]`'d `mod` lines
    /// under macros, re-exports). Two functions of one name in different
    /// modules are never taken for each other.
    pub fn resolve_fn(
        &self,
        module: &[String],
        written: &[String],
        imported: &[String],
        local: bool,
    ) -> Option<String> {
        let last = written.last()?;
        let keys: &[String] = match self.names.get(last) {
            Some(keys) => keys,
            None if self.alias_names.contains(last) => &[],
            None => return None,
        };
        self.path_to(module, written, imported, keys, Namespace::Functions)
            .or_else(|| (local && keys.len() == 1).then(|| keys[0].clone()))
    }

    /// The static of the crate that a path names, read or written in
    /// `module` (`written` as in the source, `imported` as the `use` table
    /// resolves it): by its module path as [`Self::resolve_fn`] finds a
    /// function. A path into another crate (`other::STATE`) is none of the
    /// crate's. When nothing leads to one of several namesakes, the bare
    /// name: every static of that name is taken as one.
    pub fn resolve_static(
        &self,
        module: &[String],
        written: &[String],
        imported: &[String],
    ) -> Option<String> {
        let last = written.last()?;
        let keys: &[String] = match self.static_keys.get(last) {
            Some(keys) => keys,
            // `pub use jobs::QUEUE as WORK`: found through the re-export.
            None if self.alias_names.contains(last) => &[],
            None => return None,
        };
        if let Some(found) = self.path_to(module, written, imported, keys, Namespace::Statics) {
            return Some(found);
        }
        // Not imported from elsewhere, and written from the crate (a bare
        // name, `crate::`, one of its modules): a module tree the
        // declarations did not show.
        let from_here =
            |parts: &[&str]| parts.len() == 1 || parts.first().is_some_and(|f| self.is_local_segment(f));
        let written_parts: Vec<&str> = written.iter().map(String::as_str).collect();
        let imported_here = imported
            .iter()
            .all(|p| from_here(&segments_of(p).collect::<Vec<&str>>()));
        if !from_here(&written_parts) || !imported_here {
            return None;
        }
        match keys {
            [] => None,
            [only] => Some(only.clone()),
            _ => Some(last.clone()),
        }
    }

    /// The first of `keys`, or an item of `ns` reached through `pub use`
    /// re-exports, that a path written in `module` names: by the forms the
    /// `use` table resolves it to (`imported`), then as written.
    fn path_to(
        &self,
        module: &[String],
        written: &[String],
        imported: &[String],
        keys: &[String],
        ns: Namespace,
    ) -> Option<String> {
        let written_parts: Vec<&str> = written.iter().map(String::as_str).collect();
        let paths = imported
            .iter()
            .map(|p| segments_of(p).collect::<Vec<&str>>())
            .chain(std::iter::once(written_parts));
        for parts in paths {
            for candidate in self.anchored(module, &parts) {
                if keys.contains(&candidate) {
                    return Some(candidate);
                }
                if !self.reexports.is_empty() {
                    if let Some(found) = self.reexported_as(&candidate, ns) {
                        return Some(found);
                    }
                }
            }
        }
        None
    }

    /// The paths from the crate root `parts`, written in `module`, can name.
    fn anchored(&self, module: &[String], parts: &[&str]) -> Vec<String> {
        let own_root = parts
            .first()
            .and_then(|p| self.lib_roots.get(*p))
            .map(String::as_str);
        let mut out = Vec::new();
        for_each_anchor(module, parts, own_root, |anchored| {
            let mut candidate = String::with_capacity(64);
            for (i, p) in anchored.enumerate() {
                if i > 0 {
                    candidate.push_str("::");
                }
                candidate.push_str(p);
            }
            out.push(candidate);
        });
        out
    }

    /// A function a path names through `pub use` re-exports of the module
    /// it is in (`sys::openpty` when `sys` has `pub use self::linux::open_pty
    /// as openpty` or `pub use self::linux::*`), a few re-exports deep.
    /// [`Self::through_reexports`], remembered.
    fn reexported_as(&self, path: &str, ns: Namespace) -> Option<String> {
        let memo_key = match ns {
            Namespace::Functions => path.to_string(),
            Namespace::Statics => format!("static {path}"),
        };
        if let Some(known) = self
            .reexport_memo
            .lock()
            .ok()
            .and_then(|m| m.get(&memo_key).cloned())
        {
            return known;
        }
        let found = self.through_reexports(path, ns, 0, &mut FxHashSet::default());
        if let Ok(mut m) = self.reexport_memo.lock() {
            m.insert(memo_key, found.clone());
        }
        found
    }

    /// Is `key` an item of this kind?
    fn defines(&self, ns: Namespace, key: &str) -> bool {
        match ns {
            Namespace::Functions => self.functions.contains(key),
            Namespace::Statics => {
                let name = display_name(key);
                self.static_keys
                    .get(name)
                    .is_some_and(|keys| keys.iter().any(|k| k == key))
            }
        }
    }

    fn through_reexports(
        &self,
        path: &str,
        ns: Namespace,
        depth: usize,
        seen: &mut FxHashSet<String>,
    ) -> Option<String> {
        // Glob re-exports of glob re-exports (generated crates) would be
        // explored again along every route: each path once.
        if !seen.insert(path.to_string()) {
            return None;
        }
        let (module, name) = path.rsplit_once("::").unwrap_or(("", path));
        let (at, entries) = self.reexports.get(module)?;
        for r in entries {
            let parts: Vec<&str> = match &r.alias {
                Some(alias) if alias == name => r.target.iter().map(String::as_str).collect(),
                Some(_) => continue,
                None => r.target.iter().map(String::as_str).chain([name]).collect(),
            };
            for target in self.anchored(at, &parts) {
                if self.defines(ns, &target) {
                    return Some(target);
                }
                if depth < 4 {
                    if let Some(real) = self.through_reexports(&target, ns, depth + 1, seen) {
                        return Some(real);
                    }
                }
            }
        }
        None
    }

    /// The path of another crate's function that `written` (called from
    /// `module`) names through a `pub use` of it (`low_level::register`
    /// when `low_level` has `pub use signal_hook_registry::register`, or
    /// `pub use libc::*`): a facade's function is its dependency's.
    pub fn foreign_reexport(&self, module: &[String], written: &[String]) -> Option<String> {
        if self.reexports.is_empty() {
            return None;
        }
        let parts: Vec<&str> = written.iter().map(String::as_str).collect();
        for candidate in self.anchored(module, &parts) {
            let Some((m, name)) = candidate.rsplit_once("::") else {
                continue;
            };
            let Some((_, entries)) = self.reexports.get(m) else {
                continue;
            };
            for r in entries {
                let target: Vec<&str> = match &r.alias {
                    Some(alias) if alias == name => r.target.iter().map(String::as_str).collect(),
                    Some(_) => continue,
                    None => r.target.iter().map(String::as_str).chain([name]).collect(),
                };
                let first = target.first().copied().unwrap_or("");
                if target.len() >= 2
                    && !first.is_empty()
                    && !first.starts_with('<')
                    && !self.is_local_segment(first)
                {
                    return Some(target.join("::"));
                }
            }
        }
        None
    }

    /// Does a path starting with this segment name the crate's own items?
    pub fn is_local_segment(&self, first: &str) -> bool {
        matches!(first, "crate" | "self" | "super" | "Self")
            || self.modules.contains(first)
            || self.lib_roots.contains_key(first)
    }
}

/// The paths from the crate root that `parts`, written in `module`, can
/// name: `crate::`, `self::` and `super::` as the language says, the rest
/// from the root after the library's own name (`mylib::a::f` in a test);
/// otherwise a child of `module` or an item at the root (2015 paths).
fn for_each_anchor<'a>(
    module: &'a [String],
    parts: &'a [&'a str],
    own_root: Option<&'a str>,
    mut f: impl FnMut(&mut dyn Iterator<Item = &'a str>),
) {
    let Some(&first) = parts.first() else { return };
    let module_parts = module.iter().map(String::as_str);
    let root = modules::crate_root(module);
    let root_parts = root.iter().map(String::as_str);
    match first {
        "crate" => f(&mut root_parts.chain(parts[1..].iter().copied())),
        _ if own_root.is_some() => f(&mut own_root.into_iter().chain(parts[1..].iter().copied())),
        "self" => f(&mut module_parts.chain(parts[1..].iter().copied())),
        "super" => {
            let ups = parts.iter().take_while(|p| **p == "super").count();
            let keep = module.len().saturating_sub(ups).max(root.len());
            f(&mut module[..keep]
                .iter()
                .map(String::as_str)
                .chain(parts[ups..].iter().copied()))
        }
        _ => {
            f(&mut module_parts.chain(parts.iter().copied()));
            if module.len() > root.len() {
                f(&mut root_parts.chain(parts.iter().copied()));
            }
        }
    }
}

/// The kinds of item a path is resolved among.
#[derive(Debug, Clone, Copy)]
enum Namespace {
    Functions,
    Statics,
}

/// A function that creates a descriptor with flags a parameter carries
/// (`fn open(path, flag: c_int)` calling `libc::open(path, flag, 0)`).
#[derive(Debug, Clone, PartialEq)]
pub struct FdFlagWrapper {
    /// The parameter's position among the inputs (`self` counts).
    pub param: usize,
    /// Its first input is `self`: a method call's arguments start at 1.
    pub has_self: bool,
    /// The flag that makes the descriptor close-on-exec.
    pub needs: String,
    /// The creating call inside (`libc::open`).
    pub callee: String,
    pub why: String,
}

/// Functions of the crate whose calls are more than calls, by key: learnt
/// from a walk of their file, and known to the walks of their callers.
#[derive(Debug, Clone, Default)]
pub struct Wrappers {
    /// Fork and return the fork's result: a call is a fork site.
    pub fork: FxHashMap<String, crate::knowledge::ForkResultShape>,
    /// Create a descriptor with the caller's flags: a call makes one.
    pub fd_flags: FxHashMap<String, FdFlagWrapper>,
    /// Fork and run the closure at this input position in the child: a call
    /// is a fork site whose child is the closure.
    pub closure_child: FxHashMap<String, usize>,
}

impl Wrappers {
    pub fn len(&self) -> usize {
        self.fork.len() + self.fd_flags.len() + self.closure_child.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, key: &str) -> bool {
        self.fork.contains_key(key) || self.fd_flags.contains_key(key) || self.closure_child.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.fork
            .keys()
            .chain(self.fd_flags.keys())
            .chain(self.closure_child.keys())
    }

    /// The entries that neither `a` nor `b` has.
    pub fn not_in(self, a: &Wrappers, b: &Wrappers) -> Wrappers {
        let new = |k: &String| !a.contains(k) && !b.contains(k);
        Wrappers {
            fork: self.fork.into_iter().filter(|(k, _)| new(k)).collect(),
            fd_flags: self.fd_flags.into_iter().filter(|(k, _)| new(k)).collect(),
            closure_child: self.closure_child.into_iter().filter(|(k, _)| new(k)).collect(),
        }
    }

    pub fn extend(&mut self, other: Wrappers) {
        self.fork.extend(other.fork);
        self.fd_flags.extend(other.fd_flags);
        self.closure_child.extend(other.closure_child);
    }
}

/// `module::name`, or `name` at a crate root.
pub fn qualified(module: &[String], name: &str) -> String {
    let mut key = String::with_capacity(module.iter().map(|m| m.len() + 2).sum::<usize>() + name.len());
    for m in module {
        key.push_str(m);
        key.push_str("::");
    }
    key.push_str(name);
    key
}

/// Is this key a method's (`Type::name`, `Trait::name`) rather than a free
/// function's (`module::name`)? Types are CamelCase, modules snake_case.
pub fn is_method_key(key: &str) -> bool {
    let mut parts = segments_of(key).rev();
    parts.next();
    parts
        .next()
        .and_then(|ty| ty.chars().next())
        .is_some_and(char::is_uppercase)
}

/// How a key is shown: a method with its type, a free function by name.
pub fn display_key(key: &str) -> &str {
    if is_method_key(key) {
        let mut cut = key.len();
        for _ in 0..2 {
            cut = key[..cut].rfind("::").unwrap_or(0);
        }
        key[cut..].trim_start_matches("::")
    } else {
        segments_of(key).next_back().unwrap_or(key)
    }
}

/// The name a key's function is defined by (`Type::name`, `a::b::name`
/// -> `name`).
pub fn display_name(key: &str) -> &str {
    segments_of(key).next_back().unwrap_or(key)
}

/// The segments of a `a::b::c` key (split on `:` bytes: a one-byte
/// pattern, much cheaper than the two-byte one on short keys).
pub fn segments_of(key: &str) -> impl DoubleEndedIterator<Item = &str> {
    key.split(':').filter(|s| !s.is_empty())
}

pub use crate::scan::path_key;

/// Last segment of a type's path (`Mutex<T>` -> `Mutex`), for keys.
pub fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        syn::Type::Paren(p) => type_name(&p.elem),
        syn::Type::Group(g) => type_name(&g.elem),
        _ => None,
    }
}

/// The name an impl block's methods are keyed by, as the scan keys them:
/// [`type_name`], and for `impl Ext for [u8]` or `for *const T` the
/// element's, for `for (Class, bool, Tag)` the last element's, for `for dyn
/// Write + Send` the first bound's; `Self` when none.
pub fn impl_type_name(ty: &syn::Type) -> String {
    fn named(ty: &syn::Type) -> Option<String> {
        match ty {
            syn::Type::Reference(r) => named(&r.elem),
            syn::Type::Slice(s) => named(&s.elem),
            syn::Type::Array(a) => named(&a.elem),
            syn::Type::Ptr(p) => named(&p.elem),
            syn::Type::Tuple(t) => t.elems.last().and_then(named),
            syn::Type::TraitObject(o) => o.bounds.iter().find_map(|b| match b {
                syn::TypeParamBound::Trait(t) => t.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            }),
            _ => type_name(ty),
        }
    }
    named(ty).unwrap_or_else(|| "Self".to_string())
}

pub fn mentions_rwlock(ty: &syn::Type) -> bool {
    quote::quote!(#ty).to_string().contains("RwLock")
}

#[cfg(test)]
mod tests;
