//! Name resolution: a call path to a knowledge entry or a function of the crate, a method to a typed target, and the record of each call.

use super::*;

impl Walker<'_> {
    pub(super) fn resolve(&self, segs: &[String]) -> Vec<String> {
        // A C function this file declares itself (`extern "C" { fn
        // forkpty(..); }`) is libc's: the knowledge of `libc::forkpty`.
        if let [name] = segs {
            if self.extern_c.contains(name) {
                return vec![crate::index::path_key("libc", name)];
            }
        }
        match self.imports.last() {
            Some(i) => i.resolve(segs),
            None => vec![segs.join("::")],
        }
    }

    /// A path call's target: the first knowledge entry among the
    /// candidates, else a function of the crate, else unknown.
    pub(super) fn target_of(&self, segs: &[String], candidates: &[String]) -> (Target, Option<Role>, String) {
        for c in candidates {
            if let Some(fact) = self.knowledge.function(c) {
                let target = match fact.class {
                    Some(class) => Target::Known {
                        class,
                        why: fact.why.clone(),
                    },
                    None => Target::Unknown,
                };
                return (target, fact.role, c.clone());
            }
        }
        let keys = self.local_keys(segs);
        let display = segs.join("::");
        if keys.is_empty() {
            // A facade's `pub use` of another crate's function.
            if let Some(path) = self.reexported_from_elsewhere(segs) {
                if let Some(fact) = self.knowledge.function(&path) {
                    let target = fact.class.map_or(Target::Unknown, |class| Target::Known {
                        class,
                        why: fact.why.clone(),
                    });
                    return (target, fact.role, path);
                }
                return (Target::External { path: path.clone() }, None, path);
            }
        }
        if !keys.is_empty() {
            // A wrapper that forks and returns the result: a fork here.
            let role = keys
                .iter()
                .find_map(|k| self.wrapper(k, |w| &w.fork))
                .map(|shape| Role::Fork(*shape));
            return (Target::Local { keys }, role, display);
        }
        match candidates.first() {
            // Another crate's function: a dependency summary may judge it.
            Some(path) if is_other_crates(path) && !self.table.is_local_segment(first_segment(path)) => {
                // Another crate's fork helper that returns the result.
                let role = self.wrapper(path, |w| &w.fork).map(|shape| Role::Fork(*shape));
                (Target::External { path: path.clone() }, role, path.clone())
            }
            Some(path) => (Target::Unknown, None, path.clone()),
            None => (Target::Unknown, None, display),
        }
    }

    /// Keys under which a path may name a function of this crate: a method
    /// by its type (`Self` the impl's, then the impl's trait for a default
    /// method), a free function by its module path (see
    /// `CrateTable::resolve_fn`).
    pub(super) fn local_keys(&self, segs: &[String]) -> Vec<String> {
        let Some(last) = segs.last() else {
            return Vec::new();
        };
        if segs.len() >= 2 {
            let ty = &segs[segs.len() - 2];
            let own = match self.impl_type.as_ref() {
                Some(impl_type) if ty == "Self" => impl_type.clone(),
                _ => segs[..segs.len() - 1].join("::"),
            };
            if let Some(k) = self.method_key(&own, last) {
                return vec![k];
            }
            if ty == "Self" {
                if let Some(tr) = &self.impl_trait {
                    let k = path_key(tr, last);
                    if self.table.functions.contains(&k) {
                        return vec![k];
                    }
                }
            }
        }
        if !self.table.names.contains_key(last) && !self.table.alias_names.contains(last) {
            return Vec::new();
        }
        let imports = self.imports.last();
        let imported = imports.map(|i| i.resolve(segs)).unwrap_or_default();
        // The path looks like the crate's own: a bare name not imported
        // from elsewhere, or a path from the crate, `self`, `super`, one
        // of its modules or its library's name.
        let local = match imports.filter(|i| i.is_imported(&segs[0])) {
            Some(_) => imported
                .first()
                .and_then(|p| crate::index::segments_of(p).next())
                .is_some_and(|first| {
                    self.table.is_local_segment(first) || segs.len() == 1 && first == segs[0]
                }),
            None => segs.len() == 1 || self.table.is_local_segment(&segs[0]),
        };
        self.table
            .resolve_fn(&self.module, segs, &imported, local)
            .into_iter()
            .collect()
    }

    /// The key of the crate's static a path names (`HITS`, `stats::HITS`,
    /// `crate::stats::HITS`, imported or re-exported): its module path, so
    /// two statics of one name in different modules are two. `None` for a
    /// local variable or another crate's item.
    pub(super) fn static_key(&self, path: &syn::Path) -> Option<String> {
        let last = path.segments.last()?.ident.to_string();
        let single = path.segments.len() == 1;
        if single && self.is_local_var(&last) {
            return None;
        }
        let imports = self.imports.last();
        if !self.table.statics.contains(&last) && !self.table.alias_names.contains(&last) {
            // `use stats::HITS as VISITS;`: the static by its new name.
            let renamed = imports
                .filter(|i| single && i.is_imported(&last))
                .and_then(|i| i.resolve(std::slice::from_ref(&last)).into_iter().next())?;
            let segs: Vec<String> = crate::index::segments_of(&renamed).map(String::from).collect();
            return self.table.resolve_static(&self.module, &segs, &[]);
        }
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let imported = imports.map(|i| i.resolve(&segs)).unwrap_or_default();
        self.table.resolve_static(&self.module, &segs, &imported)
    }

    /// The static at the root of a place (`X`, `*X.lock().unwrap()`,
    /// `X.field`, `m::X[i]`), by its key.
    pub(super) fn static_root(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Path(p) => self.static_key(&p.path),
            Expr::Unary(u) => self.static_root(&u.expr),
            Expr::Field(f) => self.static_root(&f.base),
            Expr::Index(i) => self.static_root(&i.expr),
            Expr::MethodCall(m) => self.static_root(&m.receiver),
            Expr::Paren(p) => self.static_root(&p.expr),
            _ => None,
        }
    }

    /// What a function of the crate returns (the table's signature), on
    /// the value of a call of it: where a method on it finds its code.
    pub(super) fn type_returned(&self, key: &str, val: &mut Val) {
        match self.table.returns.get(key) {
            Some(crate::scan::Returns::Type(t)) => val.ty = Some(t.clone()),
            Some(crate::scan::Returns::Tuple(ts)) => val.tuple_tys = Some(ts.clone()),
            None => {}
        }
    }

    /// The type of `base.member`, from the struct's declaration (`self` is
    /// the impl's type).
    pub(super) fn field_type(
        &self,
        base: &Expr,
        base_ty: Option<&str>,
        member: &syn::Member,
    ) -> Option<String> {
        let syn::Member::Named(field) = member else {
            return None;
        };
        let is_self = matches!(base, Expr::Path(p) if p.path.is_ident("self"));
        let ty = base_ty.or(if is_self { self.impl_type.as_deref() } else { None })?;
        let short = ty.rsplit("::").next().unwrap_or(ty);
        self.table
            .field_types
            .get(&path_key(self.table.type_name_of(short), &field.to_string()))?
            .clone()
    }

    /// The other crate's function a path of this crate re-exports.
    fn reexported_from_elsewhere(&self, segs: &[String]) -> Option<String> {
        if self.table.reexports.is_empty() {
            return None;
        }
        let imported = self.imports.last().map(|i| i.resolve(segs)).unwrap_or_default();
        imported
            .iter()
            .map(|p| crate::index::segments_of(p).map(String::from).collect::<Vec<_>>())
            .chain(std::iter::once(segs.to_vec()))
            .filter(|written| written.first().is_some_and(|f| self.table.is_local_segment(f)))
            .find_map(|written| self.table.foreign_reexport(&self.module, &written))
    }

    /// What the table, or an earlier walk of this file, learnt a function
    /// of the crate is (`pick` one kind of `Wrappers`).
    pub(super) fn wrapper<T>(
        &self,
        key: &str,
        pick: impl Fn(&crate::index::Wrappers) -> &FxHashMap<String, T>,
    ) -> Option<&T> {
        pick(&self.table.wrappers)
            .get(key)
            .or_else(|| pick(&self.own_wrappers).get(key))
    }

    /// A function named by a path at `at` (passed as a value), as a call.
    pub(super) fn path_site(&self, at: &Expr, segs: &[String], target: Target) -> CallSite {
        CallSite {
            span: self.span(at),
            text: display_path(segs),
            target,
            kind: CallKind::Path,
            role: None,
            error_path: false,
        }
    }

    pub(super) fn record_call(&mut self, state: &State, mut site: CallSite) {
        site.error_path |= state.error_path;
        let starts_process = matches!(
            site.role,
            Some(Role::Fork(_) | Role::Vfork | Role::Exec | Role::SpawnProcess)
        );
        if let (Target::Local { .. }, false) = (&site.target, starts_process) {
            if !self.unit.arms.is_empty() {
                self.unit
                    .local_call_arms
                    .push((site.span.start, self.unit.arms.clone()));
            }
        }
        self.on_call_recorded(&site, starts_process);
        if let Target::Local { keys } = &site.target {
            let guards = guards_held_across_calls(state);
            let threads = threads_here(state);
            if state.live && (!guards.is_empty() || !threads.is_empty()) {
                self.unit.call_contexts.push(CallContext {
                    keys: keys.clone(),
                    span: site.span.clone(),
                    guards,
                    threads,
                });
            }
        }
        if let Some(ctx) = state.in_child_branch() {
            if !ctx.execed {
                self.facts.forks[ctx.idx]
                    .child
                    .push(ChildEvent::Call(site.clone()));
            }
        }
        self.unit.calls.push(site);
    }

    /// `Type::method` as a knowledge or crate key, when the receiver's type is known.
    pub(super) fn typed_method(&self, ty: &str, method: &str) -> Option<String> {
        let short = ty.rsplit("::").next().unwrap_or(ty);
        if let Some(local) = self.method_key(ty, method) {
            return Some(local);
        }
        let full = path_key(ty, method);
        if self.knowledge.function(&full).is_some() {
            return Some(full);
        }
        let resolved = self
            .imports
            .last()
            .map(|i| i.resolve(&[short.to_string(), method.to_string()]))
            .unwrap_or_default();
        resolved
            .into_iter()
            .find(|k| self.knowledge.function(k).is_some())
    }

    /// The crate's method `method` of the type `ty` (as written or resolved:
    /// `Sender`, `unix::Sender`): by the type's name, or, where two modules
    /// define one of that name, by the module the type's path leads to.
    pub(super) fn method_key(&self, ty: &str, method: &str) -> Option<String> {
        let short = ty.rsplit("::").next().unwrap_or(ty);
        if let Some(k) = self.table.method_key(short, method) {
            return Some(k);
        }
        // `use loud::Loud as Announcer;`: the type by its own name.
        if !ty.contains("::") {
            let renamed = self
                .imports
                .last()
                .filter(|i| i.is_imported(short))
                .and_then(|i| i.resolve(&[short.to_string()]).into_iter().next());
            if let Some(k) = renamed.as_deref().and_then(|full| {
                let own = full.rsplit("::").next().unwrap_or(full);
                (own != short)
                    .then(|| self.table.method_key(own, method))
                    .flatten()
            }) {
                return Some(k);
            }
        }
        if self.table.ambiguous_methods.is_empty() {
            return None;
        }
        let written: Vec<String> = ty.split("::").map(str::to_string).collect();
        let imported = self
            .imports
            .last()
            .map(|i| i.resolve(&written))
            .unwrap_or_default();
        self.table
            .ambiguous_method_key(&self.module, &written, &imported, method)
    }

    /// A method of unknown target, by its name: `receiver` is the
    /// receiver's type where known (`JoinHandle` for a thread's handle).
    pub(super) fn method_by_name(&self, method: &str, receiver: Option<&str>) -> Target {
        match self.knowledge.methods.get(method) {
            Some(f)
                if !f.receiver.is_empty()
                    && !receiver.is_some_and(|t| {
                        let short = t.rsplit("::").next().unwrap_or(t);
                        let short = short.split('<').next().unwrap_or(short);
                        f.receiver.iter().any(|r| r == short)
                    }) =>
            {
                Target::Unknown
            }
            Some(f) => f.class.map_or(Target::Unknown, |class| Target::Known {
                class,
                why: f.why.clone(),
            }),
            None => Target::Unknown,
        }
    }

    pub(super) fn is_rwlock(&self, receiver: &Expr, recv: &Val) -> bool {
        if recv.ty.as_deref().is_some_and(|t| t.ends_with("RwLock")) {
            return true;
        }
        let name = match receiver {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => Some(n.to_string()),
                _ => None,
            },
            _ => None,
        };
        name.is_some_and(|n| {
            self.table.rwlocks.contains(&n)
                || self.unit.var_types.iter().any(|(v, t)| v == &n && t == "RwLock")
        })
    }

    /// Does this expression hold a function pointer that never returns (a
    /// field or parameter typed `fn(..) -> !`, maybe in an `Option`, or a
    /// variable bound from one)? Calling it ends the process.
    pub(super) fn holds_diverging_fn(&self, e: &Expr) -> bool {
        match self.held_from(e) {
            HeldFrom::Field(name) => self.table.diverging_values.contains(&name),
            HeldFrom::Var(name) => self
                .unit
                .var_types
                .iter()
                .rev()
                .find(|t| t.0 == name)
                .map_or_else(
                    || self.unit.params.contains(&name) && self.table.diverging_values.contains(&name),
                    |t| t.1 == DIVERGING_FN,
                ),
            HeldFrom::Other => false,
        }
    }

    /// Where the value an expression holds comes from: a struct field
    /// (`self.hook`, `self.hook.take().unwrap()`, `&mut self.hook`) or a
    /// variable, through borrows and the [holder_methods] of
    /// rules/values.toml.
    pub(super) fn held_from(&self, e: &Expr) -> HeldFrom {
        match e {
            Expr::Reference(r) => self.held_from(&r.expr),
            Expr::Paren(p) => self.held_from(&p.expr),
            Expr::Unary(u) => self.held_from(&u.expr),
            Expr::MethodCall(m) if self.knowledge.holder_methods.contains_key(&m.method.to_string()) => {
                self.held_from(&m.receiver)
            }
            // `Arc::clone(&self.hook)`: the holder method written as a path.
            Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| {
                        self.knowledge.holder_methods.contains_key(&s.ident.to_string())
                    })) =>
            {
                self.held_from(&c.args[0])
            }
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => HeldFrom::Field(n.to_string()),
                _ => HeldFrom::Other,
            },
            Expr::Path(p) => match p.path.get_ident() {
                Some(i) => HeldFrom::Var(i.to_string()),
                None => HeldFrom::Other,
            },
            _ => HeldFrom::Other,
        }
    }

    /// `if let Some(hook) = self.on_parent`, `let h = self.hook.unwrap()`,
    /// a match arm on one: the names bound hold the function pointer.
    pub(super) fn bind_diverging_fn(&mut self, pat: &Pat, scrutinee: &Expr) {
        self.bind_field_source(pat, scrutinee);
        if self.table.diverging_values.is_empty() || !self.holds_diverging_fn(scrutinee) {
            return;
        }
        let mut names = Vec::new();
        pat_idents(pat, &mut names);
        for n in names {
            self.unit.var_types.push((n, DIVERGING_FN.to_string()));
        }
    }
}

/// Does a resolved path name a function of another crate (`nix::unistd::
/// initgroups`, `depkit::log::line`, std's where the tables do not list
/// it)? Not libc's (the tables are closed-world there), not a bare name or
/// a path the `use` table could not anchor (`Self::`, `super::`).
fn is_other_crates(path: &str) -> bool {
    let mut parts = crate::index::segments_of(path);
    let first = parts.next().unwrap_or("");
    parts.next().is_some()
        && !first.starts_with('<')
        && !matches!(first, "libc" | "crate" | "self" | "super" | "Self" | "proc_macro")
        && first
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
}

fn first_segment(path: &str) -> &str {
    crate::index::segments_of(path).next().unwrap_or(path)
}

/// The type recorded for a variable holding a `fn(..) -> !`.
const DIVERGING_FN: &str = "fn() -> !";

/// See `Walker::held_from`.
pub(super) enum HeldFrom {
    Field(String),
    Var(String),
    Other,
}
