//! Items and functions: the walk of a file, its items and each function body, and the `FnFact` each produces.

use super::*;

impl Walker<'_> {
    pub fn walk_file(&mut self, file: &syn::File) {
        if self.item_left_out(&file.attrs) {
            return;
        }
        collect_extern_c(&file.items, &mut self.extern_c);
        self.imports.push(Imports::from_items(&file.items));
        self.walk_items(&file.items);
        self.imports.pop();
    }

    pub(super) fn walk_items(&mut self, items: &[syn::Item]) {
        for item in items {
            self.walk_item(item);
        }
    }

    pub(super) fn walk_item(&mut self, item: &syn::Item) {
        if self.item_left_out(cfg::item_attrs(item)) {
            return;
        }
        match item {
            syn::Item::Fn(f) => {
                let key = crate::index::qualified(&self.module, &f.sig.ident.to_string());
                self.walk_fn(&f.attrs, &f.sig, &f.block, vec![key]);
            }
            syn::Item::Impl(i) => {
                let self_ty = Some(
                    self.table
                        .type_name_of(&crate::index::impl_type_name(&i.self_ty))
                        .to_string(),
                );
                let saved = std::mem::replace(&mut self.impl_type, self_ty);
                let trait_name = i
                    .trait_
                    .as_ref()
                    .and_then(|t| t.0.segments.last())
                    .map(|s| s.ident.to_string());
                let saved_trait = std::mem::replace(&mut self.impl_trait, trait_name);
                for it in &i.items {
                    if let syn::ImplItem::Fn(f) = it {
                        let name = f.sig.ident.to_string();
                        let ty = self.impl_type.as_deref().unwrap_or("Self");
                        let key = self.table.method_def_key(&self.module, ty, &name);
                        self.walk_fn(&f.attrs, &f.sig, &f.block, vec![key]);
                    }
                }
                self.impl_type = saved;
                self.impl_trait = saved_trait;
            }
            syn::Item::Trait(t) => {
                // Default methods are keyed by the trait, where `Self::f()`
                // in the trait and in its impls finds them.
                let trait_name = t.ident.to_string();
                let saved = self.impl_type.replace(trait_name.clone());
                for it in &t.items {
                    if let syn::TraitItem::Fn(f) = it {
                        if let Some(block) = &f.default {
                            let key = self.table.method_def_key(
                                &self.module,
                                &trait_name,
                                &f.sig.ident.to_string(),
                            );
                            self.walk_fn(&f.attrs, &f.sig, block, vec![key]);
                        }
                    }
                }
                self.impl_type = saved;
            }
            // A `macro_rules!` of the crate: each arm's body, where it
            // parses, is walked as a function `name!` (its forks, hooks and
            // calls at the macro's own lines; its callers call it).
            syn::Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {
                let Some(ident) = &m.ident else { return };
                let key = format!("{ident}!");
                // The macro's name as the function's (it may be a keyword:
                // `macro_rules! try`), set on a parsed signature, never parsed.
                let mut sig: syn::Signature = syn::parse_quote!(fn macro_body());
                sig.ident = ident.clone();
                let arms = m.mac.tokens.clone().into_iter().filter_map(|tt| match tt {
                    proc_macro2::TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Brace => {
                        Some(g)
                    }
                    _ => None,
                });
                for body in arms {
                    if let Some(block) = macros::macro_arm_body(&body) {
                        self.walk_fn(&[], &sig, &block, vec![key.clone()]);
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    // `use super::*` brings the parent module's names in scope.
                    let mut imports = if uses_super_glob(items) {
                        self.imports.last().cloned().unwrap_or_default()
                    } else {
                        Imports::default()
                    };
                    imports.add_items(items);
                    self.imports.push(imports);
                    self.module.push(m.ident.to_string());
                    let test = m.attrs.iter().any(is_cfg_test);
                    self.test_mods += usize::from(test);
                    self.walk_items(items);
                    self.test_mods -= usize::from(test);
                    self.module.pop();
                    self.imports.pop();
                }
            }
            _ => {}
        }
    }

    pub(super) fn walk_fn(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        block: &syn::Block,
        keys: Vec<String>,
    ) {
        if self.item_left_out(attrs) {
            return;
        }
        let entry = sig.ident == "main" || attrs.iter().any(is_entry_attr);
        if entry && self.defer_entries && !self.defines_fn(block) {
            self.facts.deferred_entries.push(keys);
            return;
        }
        let forks_before = self.facts.forks.len();
        let saved_unit = std::mem::take(&mut self.unit);
        let saved_fn = self.function.replace(sig.ident.to_string());
        let saved_keys = std::mem::replace(&mut self.function_keys, keys.clone());
        let saved_depth = std::mem::replace(&mut self.depth, 0);
        let saved_entry = std::mem::replace(&mut self.in_entry, entry);
        let test_fn = attrs
            .iter()
            .any(|a| a.path().segments.last().is_some_and(|s| s.ident == "test"));
        let inherited = self.in_test_fn;
        let saved_test = std::mem::replace(&mut self.in_test_fn, test_fn || inherited);
        let mut state = State::new();
        self.on_fn_start(attrs, sig, &mut state);
        let (end, tail) = self.walk_block(block, state);
        self.escape_if_child(&end, EscapeKind::Return, self.close_span(block));
        if entry {
            self.on_entry_end();
        }
        self.note_flush(&end);
        let returns_file = self.returned_file(&tail);
        let returned_closure = tail.closure.clone().unwrap_or_default();
        let runs_closure_in_child = self.closure_param_run_in_child(&keys, forks_before);
        // The fork's result is the function's value and the child gets here too.
        let returns_fork = match (tail.fork, end.slices.fork) {
            (Some((idx, shape, _)), Some(f)) if end.live && f.idx == idx && f.procs & CHILD != 0 => {
                Some(shape)
            }
            _ => None,
        };
        // A wrapper that returns a value telling the processes apart: the
        // child's return is its purpose (`fn fork() -> io::Result<Fork>`).
        let handed_back = returns_fork
            .is_none()
            .then(|| self.hands_fork_back(sig, &keys, forks_before))
            .flatten();
        let (returns_fork, hands_fork_back) = match handed_back {
            Some(shape) => (shape, true),
            None => (returns_fork, false),
        };
        let unit = std::mem::replace(&mut self.unit, saved_unit);
        // The function's own text, from its name to its closing brace.
        let code = self
            .text
            .get(self.span(&sig.ident).start..self.close_span(block).end)
            .unwrap_or("");
        let mut fact = FnFact {
            keys,
            file: self.file,
            span: self.span(&sig.ident),
            calls: unit.calls,
            local_call_arms: unit.local_call_arms,
            call_contexts: unit.call_contexts,
            role_calls: unit.role_calls,
            returns_file,
            returned_closure,
            runs_closure_in_child,
            returns_fork,
            hands_fork_back,
            entry,
            param_fields: unit.param_fields,
            ..FnFact::default()
        };
        unit.scratch.into_facts(&end, code, &mut fact);
        self.facts.functions.push(fact);
        self.in_entry = saved_entry;
        self.in_test_fn = saved_test;
        self.function = saved_fn;
        self.function_keys = saved_keys;
        self.depth = saved_depth;
    }

    /// Does this function hand a fork's child back to its caller? It forks,
    /// the child returns from it, and what it returns can tell the
    /// processes apart (not `()`). The shape, where the caller's branches
    /// can show the child: `Some(Raw)` for a pid, `Some(Enum)` for a type
    /// named for forks (`ForkResult`, `Fork`); `Some(None)` otherwise
    /// (`Option<pid_t>`: the wrapper's return is no escape, but its callers
    /// are not split).
    /// The input position of a parameter that a fork of this function
    /// calls in its child (`0 => { child_func(); exit(0) }`).
    fn closure_param_run_in_child(&self, keys: &[String], forks_before: usize) -> Option<usize> {
        self.facts.forks[forks_before..]
            .iter()
            .filter(|f| f.function_keys == keys)
            .flat_map(|f| f.child.iter())
            .find_map(|e| match e {
                ChildEvent::Call(c) if c.kind == CallKind::Path && c.target.is_foreign() => {
                    let at = self.unit.params.iter().position(|p| *p == c.text)?;
                    Some(self.unit.param_positions[at])
                }
                _ => None,
            })
    }

    fn hands_fork_back(
        &self,
        sig: &syn::Signature,
        keys: &[String],
        forks_before: usize,
    ) -> Option<Option<ForkResultShape>> {
        let returning: Vec<&ForkFact> = self.facts.forks[forks_before..]
            .iter()
            .filter(|f| {
                f.function_keys == keys
                    && !f.vfork
                    && (f.survivor
                        || f.child.iter().any(|e| {
                            matches!(
                                e,
                                ChildEvent::Escape {
                                    kind: EscapeKind::Return | EscapeKind::FallThrough,
                                    ..
                                }
                            )
                        }))
            })
            .collect();
        if returning.is_empty() {
            return None;
        }
        // `daemon()`: every parent leaves inside it, and only the surviving
        // child returns: its callers go on as that child alone.
        if returning.iter().all(|f| f.survivor) {
            return Some(Some(ForkResultShape::ChildOnly));
        }
        let syn::ReturnType::Type(_, ty) = &sig.output else {
            return None;
        };
        // `io::Result<T>`, `Result<T, E>`: what tells the processes apart is T.
        let mut ty: &syn::Type = ty;
        while let Some(ok) = first_type_arg_of(ty, "Result") {
            ty = ok;
        }
        match ty {
            syn::Type::Tuple(t) if t.elems.is_empty() => None,
            syn::Type::Never(_) => None,
            syn::Type::Path(p) => {
                let name = p.path.segments.last()?.ident.to_string();
                // `Option<pid_t>`: `None` in the child, the pid in the parent.
                let option_of_pid = match first_type_arg_of(ty, "Option") {
                    Some(syn::Type::Path(inner)) => inner.path.segments.last().is_some_and(|s| {
                        let inner = s.ident.to_string();
                        self.knowledge.pid_types.contains_key(&inner)
                            || self.knowledge.pid_newtypes.contains_key(&inner)
                    }),
                    _ => false,
                };
                Some(if self.knowledge.pid_types.contains_key(&name) {
                    Some(ForkResultShape::Raw)
                } else if option_of_pid {
                    Some(ForkResultShape::OptionPid)
                } else if name.contains("Fork") {
                    Some(ForkResultShape::Enum)
                } else {
                    None
                })
            }
            _ => Some(None),
        }
    }

    /// Does the block define a function inside it (which would be left out
    /// with an entry point)? By the word `fn` in its code, as the scan finds
    /// words (also a `fn(..)` type: a false yes costs only time).
    pub(super) fn defines_fn(&self, block: &syn::Block) -> bool {
        let body = self.range_of(block.brace_token.span.join());
        let fn_word = [crate::scan::CalledName {
            name: "fn".to_string(),
            method: true,
        }];
        self.text
            .get(body)
            .is_none_or(|code| crate::scan::mentions_any(code, &fn_word))
    }

    /// The closing brace of a block: where a child falls out of it.
    pub(super) fn close_span(&self, block: &syn::Block) -> Span {
        self.range_of(block.brace_token.span.close())
    }
}

pub(super) fn uses_super_glob(items: &[syn::Item]) -> bool {
    items.iter().any(|i| match i {
        syn::Item::Use(u) => {
            matches!(&u.tree, syn::UseTree::Path(p) if p.ident == "super" && matches!(&*p.tree, syn::UseTree::Glob(_)))
        }
        _ => false,
    })
}

/// `#[cfg(test)]`, `#[cfg(all(test, ..))]` (not `not(test)`): test code.
fn is_cfg_test(a: &syn::Attribute) -> bool {
    if !a.path().is_ident("cfg") {
        return false;
    }
    let tokens = a.meta.to_token_stream().to_string();
    tokens
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|w| w == "test")
        && !tokens.contains("not")
}

/// `#[test]`, `#[tokio::test]`, `#[tokio::main]`...: the function is an entry point.
pub(super) fn is_entry_attr(a: &syn::Attribute) -> bool {
    a.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "test" || s.ident == "main")
}

/// The functions an `extern "C" { fn forkpty(..) -> pid_t; }` block declares
/// (in inline modules too): C's, so a call of one is libc's of that name.
pub(super) fn collect_extern_c(items: &[syn::Item], out: &mut rustc_hash::FxHashSet<String>) {
    for item in items {
        match item {
            syn::Item::ForeignMod(fm) if fm.abi.name.as_ref().is_none_or(|n| n.value() == "C") => {
                for fi in &fm.items {
                    if let syn::ForeignItem::Fn(f) = fi {
                        out.insert(f.sig.ident.to_string());
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect_extern_c(inner, out);
                }
            }
            _ => {}
        }
    }
}

/// `T` of a type written `Name<T, ..>` (`Result<T, E>`, `Option<T>`), by
/// the last segment's name.
fn first_type_arg_of<'t>(ty: &'t syn::Type, name: &str) -> Option<&'t syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last().filter(|s| s.ident == name)?;
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    match a.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}
