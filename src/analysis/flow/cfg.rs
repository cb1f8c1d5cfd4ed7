//! `#[cfg(..)]` on statements and items: compiled on the judged target,
//! not compiled there, or either (rules/values.toml [cfg_predicates]).

use super::*;

/// Whether a statement is compiled on the judged target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compiled {
    Yes,
    No,
    Maybe,
}

impl Walker<'_> {
    /// All of the statement's `cfg` attributes must hold.
    pub(super) fn stmt_compiled(&self, stmt: &Stmt) -> Compiled {
        let attrs: &[syn::Attribute] = match stmt {
            Stmt::Local(l) => &l.attrs,
            Stmt::Macro(m) => &m.attrs,
            Stmt::Expr(e, _) => expr_attrs(e),
            Stmt::Item(_) => &[],
        };
        self.compiled(attrs)
    }

    /// An item (a function, an impl, a module, a file by its inner
    /// attributes) is left out where its `cfg` is false on the judged
    /// target (`#[cfg(target_os = "macos")] fn pipe()`: the other
    /// targets' version of a function).
    pub(super) fn item_left_out(&self, attrs: &[syn::Attribute]) -> bool {
        self.compiled(attrs) == Compiled::No
    }

    /// Whether code under these attributes is compiled on the judged target.
    fn compiled(&self, attrs: &[syn::Attribute]) -> Compiled {
        let mut out = Compiled::Yes;
        for a in attrs.iter().filter(|a| a.path().is_ident("cfg")) {
            let holds = a.parse_args::<syn::Meta>().map_or(None, |m| self.cfg_holds(&m));
            match holds {
                Some(false) => return Compiled::No,
                None => out = Compiled::Maybe,
                Some(true) => {}
            }
        }
        out
    }

    /// A predicate's value on the judged target; `None` when it may be either.
    fn cfg_holds(&self, meta: &syn::Meta) -> Option<bool> {
        match meta {
            syn::Meta::Path(p) => {
                let name = p.get_ident()?.to_string();
                self.knowledge.cfg_predicates.get(&name).map(|c| c.holds)
            }
            syn::Meta::NameValue(nv) => {
                let name = nv.path.get_ident()?.to_string();
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(value),
                    ..
                }) = &nv.value
                else {
                    return None;
                };
                let key = format!("{name} = \"{}\"", value.value());
                self.knowledge.cfg_predicates.get(&key).map(|c| c.holds)
            }
            syn::Meta::List(l) => {
                let parts = l
                    .parse_args_with(
                        syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                    )
                    .ok()?;
                let values: Vec<Option<bool>> = parts.iter().map(|m| self.cfg_holds(m)).collect();
                let name = l.path.get_ident()?.to_string();
                match name.as_str() {
                    "not" if values.len() == 1 => values[0].map(|v| !v),
                    "all" if values.contains(&Some(false)) => Some(false),
                    "all" => values.iter().all(|v| v.is_some()).then_some(true),
                    "any" if values.contains(&Some(true)) => Some(true),
                    "any" => values.iter().all(|v| v.is_some()).then_some(false),
                    _ => None,
                }
            }
        }
    }
}

/// The outer attributes of an item the walk goes into.
pub(super) fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Trait(t) => &t.attrs,
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Macro(m) => &m.attrs,
        syn::Item::ForeignMod(f) => &f.attrs,
        _ => &[],
    }
}

/// The outer attributes of an expression statement.
fn expr_attrs(e: &Expr) -> &[syn::Attribute] {
    match e {
        Expr::Return(r) => &r.attrs,
        Expr::Call(c) => &c.attrs,
        Expr::MethodCall(m) => &m.attrs,
        Expr::Macro(m) => &m.attrs,
        Expr::Block(b) => &b.attrs,
        Expr::Unsafe(u) => &u.attrs,
        Expr::If(i) => &i.attrs,
        Expr::Match(m) => &m.attrs,
        Expr::Assign(a) => &a.attrs,
        Expr::Loop(l) => &l.attrs,
        Expr::While(w) => &w.attrs,
        Expr::ForLoop(f) => &f.attrs,
        Expr::Try(t) => &t.attrs,
        Expr::Path(p) => &p.attrs,
        Expr::Break(b) => &b.attrs,
        Expr::Continue(c) => &c.attrs,
        _ => &[],
    }
}
