//! Name resolution: the `use` table of each file and the crate's table of
//! functions and statics, so a call can be told apart as a knowledge entry,
//! a function of the crate, or unknown.

pub mod imports;

use rustc_hash::{FxHashMap, FxHashSet};

/// What the crate defines, by name: built once per crate before the flow
/// analysis so that each call can be classified on the spot.
#[derive(Debug, Default)]
pub struct CrateTable {
    /// Function keys: `name` and `Type::name` for methods.
    pub functions: FxHashSet<String>,
    /// Functions that never return (`-> !`, or ending in `_exit`/`exit`/`abort`).
    pub diverging: FxHashSet<String>,
    /// `static` items and `thread_local!` statics.
    pub statics: FxHashSet<String>,
    /// `const` items.
    pub consts: FxHashSet<String>,
    /// Names (statics, fields, bindings) declared with an `RwLock` type, so
    /// `.read()`/`.write()` on them is a lock and `file.read(..)` is not.
    pub rwlocks: FxHashSet<String>,
    /// Functions of the crate that fork and return the fork's result (found
    /// by a first walk): a call to one is a fork site in its caller.
    pub fork_wrappers: FxHashMap<String, crate::knowledge::ForkResultShape>,
    /// Names a call can matter by: the crate's functions and methods and
    /// everything the knowledge tables name. An unknown macro whose body
    /// names none of them is not parsed (it can call nothing forklint judges).
    pub call_names: FxHashSet<String>,
}

impl CrateTable {
    /// The table from the cheap token scans of every file of the crate.
    pub fn from_scans<'a>(scans: impl IntoIterator<Item = &'a crate::scan::FileScan>) -> CrateTable {
        let mut t = CrateTable::default();
        for s in scans {
            for f in &s.fns {
                t.functions.insert(f.key.clone());
                if f.diverging {
                    t.diverging.insert(f.key.clone());
                }
            }
            t.call_names.extend(s.fns.iter().map(|f| f.name.clone()));
            t.statics.extend(s.statics.iter().cloned());
            t.consts.extend(s.consts.iter().cloned());
            t.rwlocks.extend(s.rwlocks.iter().cloned());
        }
        t
    }
}

/// `first::second`, the shape of every key and path the walk builds, in one
/// allocation (it runs for most calls; `format!` costs several times more).
pub fn path_key(first: &str, second: &str) -> String {
    let mut key = String::with_capacity(first.len() + 2 + second.len());
    key.push_str(first);
    key.push_str("::");
    key.push_str(second);
    key
}

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

pub fn mentions_rwlock(ty: &syn::Type) -> bool {
    quote::quote!(#ty).to_string().contains("RwLock")
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_keys_join_with_two_colons() {
        assert_eq!(super::path_key("Type", "method"), "Type::method");
        assert_eq!(super::path_key("", "f"), "::f");
    }
}
