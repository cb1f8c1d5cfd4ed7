//! Name resolution: the `use` table of each file and the crate's table of
//! functions and statics, so a call can be told apart as a knowledge entry,
//! a function of the crate, or unknown.

pub mod imports;

use std::collections::HashSet;

use syn::visit::Visit;

/// What the crate defines, by name: built once per crate before the flow
/// analysis so that each call can be classified on the spot.
#[derive(Debug, Default)]
pub struct CrateTable {
    /// Function keys: `name` and `Type::name` for methods.
    pub functions: HashSet<String>,
    /// Functions that never return (`-> !`, or ending in `_exit`/`exit`/`abort`).
    pub diverging: HashSet<String>,
    /// `static` items and `thread_local!` statics.
    pub statics: HashSet<String>,
    /// Names (statics, fields, bindings) declared with an `RwLock` type, so
    /// `.read()`/`.write()` on them is a lock and `file.read(..)` is not.
    pub rwlocks: HashSet<String>,
}

impl CrateTable {
    pub fn build(files: &[&syn::File]) -> CrateTable {
        let mut t = CrateTable::default();
        for f in files {
            let mut v = Collector {
                table: &mut t,
                impl_type: None,
            };
            v.visit_file(f);
        }
        t
    }
}

struct Collector<'a> {
    table: &'a mut CrateTable,
    impl_type: Option<String>,
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

fn diverges(sig: &syn::Signature, body: &syn::Block) -> bool {
    if matches!(sig.output, syn::ReturnType::Type(_, ref t) if matches!(**t, syn::Type::Never(_))) {
        return true;
    }
    let Some(last) = body.stmts.last() else {
        return false;
    };
    let text = match last {
        syn::Stmt::Expr(e, _) => quote::quote!(#e).to_string(),
        syn::Stmt::Macro(m) => quote::quote!(#m).to_string(),
        _ => return false,
    };
    let text = text.replace(' ', "");
    ["_exit(", "exit(", "abort(", "_Exit(", "panic!", "unreachable!"]
        .iter()
        .any(|t| text.contains(t) && !text.contains("if") && !text.contains("match"))
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let name = f.sig.ident.to_string();
        if diverges(&f.sig, &f.block) {
            self.table.diverging.insert(name.clone());
        }
        self.table.functions.insert(name);
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = self.impl_type.replace(type_name(&i.self_ty).unwrap_or_default());
        syn::visit::visit_item_impl(self, i);
        self.impl_type = saved;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let name = f.sig.ident.to_string();
        let key = format!("{}::{name}", self.impl_type.as_deref().unwrap_or("Self"));
        if diverges(&f.sig, &f.block) {
            self.table.diverging.insert(key.clone());
        }
        self.table.functions.insert(key);
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        let name = s.ident.to_string();
        if mentions_rwlock(&s.ty) {
            self.table.rwlocks.insert(name.clone());
        }
        self.table.statics.insert(name);
        syn::visit::visit_item_static(self, s);
    }

    fn visit_field(&mut self, f: &'ast syn::Field) {
        if let Some(id) = &f.ident {
            if mentions_rwlock(&f.ty) {
                self.table.rwlocks.insert(id.to_string());
            }
        }
        syn::visit::visit_field(self, f);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // thread_local! { static NAME: T = ...; }
        if m.path.segments.last().is_some_and(|s| s.ident == "thread_local") {
            let mut saw_static = false;
            for tt in m.tokens.clone() {
                if let proc_macro2::TokenTree::Ident(id) = tt {
                    if saw_static {
                        self.table.statics.insert(id.to_string());
                        saw_static = false;
                    } else {
                        saw_static = id == "static";
                    }
                }
            }
        }
        syn::visit::visit_macro(self, m);
    }
}
