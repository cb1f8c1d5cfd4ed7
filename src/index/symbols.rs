//! What a parsed file defines, by the keys the crate table gives them: the
//! parse's own account of the symbol table's entries. The table is built
//! from the token scan of every file (the demand-driven walk must know
//! every function's key before it decides which files to parse); the walk
//! keys what it defines from the parse with the same rules
//! ([`CrateTable::method_def_key`]), and `tests/index_agreement.rs` holds
//! the two to agreeing on every fixture and corpus file.

use syn::visit::Visit;

use super::{impl_type_name, qualified, CrateTable};

/// The keys of what a file defines, as the parse sees it.
#[derive(Debug, Default)]
pub struct Defined {
    /// Free functions (nested ones too), methods, trait methods, C
    /// functions of `extern` blocks, `macro_rules!` macros (`name!`).
    pub functions: Vec<String>,
    /// `static` items and `thread_local!` statics.
    pub statics: Vec<String>,
    /// Every identifier inside a macro invocation other than
    /// `thread_local!`: what a macro defines is not the parse's to see.
    pub in_macros: rustc_hash::FxHashSet<String>,
}

/// What `file`, whose module path is `module`, defines.
pub fn defined(file: &syn::File, module: &[String], table: &CrateTable) -> Defined {
    let mut v = Definitions {
        table,
        module: module.to_vec(),
        owner: Vec::new(),
        out: Defined::default(),
    };
    v.visit_file(file);
    v.out
}

struct Definitions<'t> {
    table: &'t CrateTable,
    /// The file's module path and the inline modules we are in.
    module: Vec<String>,
    /// The impl's self type or the trait we are in (innermost last).
    owner: Vec<String>,
    out: Defined,
}

impl Definitions<'_> {
    fn function(&mut self, name: &syn::Ident) {
        let name = name.to_string();
        let key = match self.owner.last() {
            Some(ty) => self.table.method_def_key(&self.module, ty, &name),
            None => qualified(&self.module, &name),
        };
        self.out.functions.push(key);
    }

    fn static_item(&mut self, name: String) {
        self.out.statics.push(qualified(&self.module, &name));
    }
}

impl<'ast> Visit<'ast> for Definitions<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        // A function nested in a function or a method is keyed as the
        // module's, not the type's.
        let owners = std::mem::take(&mut self.owner);
        self.function(&f.sig.ident);
        syn::visit::visit_item_fn(self, f);
        self.owner = owners;
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.owner.push(impl_type_name(&i.self_ty));
        syn::visit::visit_item_impl(self, i);
        self.owner.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.function(&f.sig.ident);
        let owners = std::mem::take(&mut self.owner);
        syn::visit::visit_impl_item_fn(self, f);
        self.owner = owners;
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.owner.push(t.ident.to_string());
        syn::visit::visit_item_trait(self, t);
        self.owner.pop();
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.function(&f.sig.ident);
        let owners = std::mem::take(&mut self.owner);
        syn::visit::visit_trait_item_fn(self, f);
        self.owner = owners;
    }

    fn visit_foreign_item_fn(&mut self, f: &'ast syn::ForeignItemFn) {
        self.function(&f.sig.ident);
    }

    fn visit_foreign_item_static(&mut self, s: &'ast syn::ForeignItemStatic) {
        self.static_item(s.ident.to_string());
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        self.static_item(s.ident.to_string());
        syn::visit::visit_item_static(self, s);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let thread_local = m.path.segments.last().is_some_and(|s| s.ident == "thread_local");
        let (mut after_static, mut lifetime) = (false, false);
        let mut stack = vec![m.tokens.clone()];
        while let Some(tokens) = stack.pop() {
            for tt in tokens {
                match tt {
                    proc_macro2::TokenTree::Group(g) => stack.push(g.stream()),
                    // `'static` is a lifetime, not an item.
                    proc_macro2::TokenTree::Ident(_) if std::mem::take(&mut lifetime) => after_static = false,
                    proc_macro2::TokenTree::Ident(id) => {
                        let word = id.to_string();
                        if thread_local && after_static && word != "mut" {
                            self.static_item(word.clone());
                        }
                        after_static = word == "static" || (after_static && word == "mut");
                        if !thread_local {
                            self.out.in_macros.insert(word);
                        }
                    }
                    proc_macro2::TokenTree::Punct(p) => {
                        lifetime = p.as_char() == '\'';
                        after_static = false;
                    }
                    proc_macro2::TokenTree::Literal(_) => after_static = false,
                }
            }
        }
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        if m.mac.path.is_ident("macro_rules") {
            if let Some(ident) = &m.ident {
                // Macros are scoped by text, not module: one key per name.
                self.out.functions.push(format!("{ident}!"));
            }
        }
        syn::visit::visit_item_macro(self, m);
    }
}
