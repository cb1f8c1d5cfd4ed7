//! Closures and callbacks: `pre_exec` hooks, clone callbacks and closures walked as their own unit or inline.

use super::*;

impl Walker<'_> {
    /// `cmd.pre_exec(closure)`: the closure runs in the child between fork
    /// and exec; its calls are collected as one fact.
    pub(super) fn pre_exec(&mut self, m: &syn::ExprMethodCall, state: State, span: Span) -> (State, Val) {
        let mut from_fields: Vec<String> = m
            .args
            .first()
            .and_then(|a| self.field_of(a))
            .into_iter()
            .collect();
        let was = std::mem::replace(&mut self.in_pre_exec, true);
        let outer_fields = std::mem::take(&mut self.hook_fields);
        let code = self.callback_code(m.args.first(), &state);
        self.in_pre_exec = was;
        for field in std::mem::replace(&mut self.hook_fields, outer_fields) {
            if !from_fields.contains(&field) {
                from_fields.push(field);
            }
        }
        let (calls, named, built_by) = match code {
            CallbackCode::Calls(calls) => (calls, Vec::new(), Vec::new()),
            // A function of the crate is the closure: its own calls are checked.
            CallbackCode::Function(keys) => (Vec::new(), keys, Vec::new()),
            // A function of the crate returns the closure: the returned
            // closure's calls are checked.
            CallbackCode::Built(keys) => (Vec::new(), Vec::new(), keys),
        };
        self.facts.pre_execs.push(PreExecFact {
            file: self.file,
            span,
            function: self.function.clone(),
            calls,
            named,
            built_by,
            from_fields,
            threads: threads_here(&state),
            command: self.command_root(&m.receiver).map(|(name, _)| name),
            function_keys: self.function_keys.clone(),
            launched_in_place: Vec::new(),
        });
        (state, Val::default())
    }

    /// What a callback run somewhere else (a `pre_exec` closure, the child
    /// of `clone`) does: a closure's calls (written in place, boxed, or
    /// bound to a variable), or a function of the crate, whose summary
    /// gives its calls.
    pub(super) fn callback_code(&mut self, arg: Option<&Expr>, state: &State) -> CallbackCode {
        CallbackCode::Calls(match arg {
            Some(Expr::Closure(cl)) => self.walk_closure_unit(cl),
            Some(Expr::Call(c)) if path_last(&c.func).as_deref() == Some("new") => {
                // Box::new(closure)
                match c.args.first() {
                    Some(Expr::Closure(cl)) => self.walk_closure_unit(cl),
                    _ => Vec::new(),
                }
            }
            // A function of the crate that builds the closure.
            Some(call @ Expr::Call(c)) => {
                if let Expr::Path(p) = &*c.func {
                    let keys = self.local_keys(&segments(&p.path));
                    if !keys.is_empty() {
                        let _ = self.eval_all(c.args.iter(), state.clone());
                        return CallbackCode::Built(keys);
                    }
                }
                let (_, v) = self.eval(call, state.clone());
                v.closure.unwrap_or_default()
            }
            Some(arg @ Expr::Path(p)) => {
                let v = self.path_value(&p.path);
                match v.closure {
                    Some(calls) => calls,
                    None => {
                        let segs = segments(&p.path);
                        let candidates = self.resolve(&segs);
                        match self.target_of(&segs, &candidates).0 {
                            Target::Local { keys } => return CallbackCode::Function(keys),
                            target => vec![self.path_site(arg, &segs, target)],
                        }
                    }
                }
            }
            Some(other) => {
                let (_, v) = self.eval(other, state.clone());
                v.closure.unwrap_or_default()
            }
            None => Vec::new(),
        })
    }

    /// The closure an expression keeps for later, walked as its own unit:
    /// `|| ..`, `Box::new(|| ..)`, `Some(..)` of one. `None` for anything else
    /// (nothing is walked).
    pub(super) fn kept_closure(&mut self, e: &Expr) -> Option<Vec<CallSite>> {
        match self.kept_inner(e) {
            Expr::Closure(cl) => Some(self.walk_closure_unit(cl)),
            _ => None,
        }
    }

    /// What a value keeps, through parentheses, `Some(..)`, `Ok(..)` and
    /// the wrappers that keep a closure for later (`Box::new`, `Arc::new`,
    /// `Mutex::new`).
    fn kept_inner<'e>(&self, e: &'e Expr) -> &'e Expr {
        match e {
            Expr::Paren(p) => self.kept_inner(&p.expr),
            Expr::Call(c) if c.args.len() == 1 => {
                let Expr::Path(p) = &*c.func else { return e };
                let segs = segments(&p.path);
                let keeps = segs.len() == 1 && matches!(segs[0].as_str(), "Some" | "Ok")
                    || self.keeps_closure(&self.resolve(&segs));
                if keeps {
                    self.kept_inner(&c.args[0])
                } else {
                    e
                }
            }
            _ => e,
        }
    }

    /// A call of one of these paths keeps the closure it is given for later
    /// (rules/values.toml [closure_keepers]: `Box::new`, `Arc::new`).
    pub(super) fn keeps_closure(&self, candidates: &[String]) -> bool {
        candidates
            .iter()
            .any(|k| self.knowledge.closure_keepers.contains_key(k))
    }

    /// `self.hook = Some(Box::new(|| ..))`: the field holds the closure.
    pub(super) fn store_field_closure(&mut self, member: &syn::Member, calls: Vec<CallSite>) {
        if let syn::Member::Named(name) = member {
            self.facts
                .field_closures
                .push((self.file, name.to_string(), calls));
        }
    }

    /// In a `pre_exec` hook, a call of what a struct field holds
    /// (`(*setup.lock().unwrap())()` with `setup` from `self.setup`): the
    /// closures stored there run in the hook too.
    pub(super) fn hook_calls_field(&mut self, callee: &Expr) {
        if let Some(field) = self.field_of(callee) {
            if !self.hook_fields.contains(&field) {
                self.hook_fields.push(field);
            }
        }
    }

    /// `self.hook = Some(Box::new(f))`, `Spawner { hook: Box::new(f) }` with
    /// `f` a parameter: a closure the callers pass there is the field's.
    pub(super) fn store_field_param(&mut self, member: &syn::Member, value: &Expr) {
        let syn::Member::Named(field) = member else { return };
        let Some(name) = path_ident(self.kept_inner(value)) else {
            return;
        };
        if let Some(i) = self.unit.params.iter().position(|p| *p == name) {
            let stored = (self.unit.param_positions[i], field.to_string());
            if !self.unit.param_fields.contains(&stored) {
                self.unit.param_fields.push(stored);
            }
        }
    }

    /// Closures handed to a function of the crate (`offset`: 1 for a
    /// method, whose `self` is input 0): kept in the facts, in case the
    /// callee stores them in a field.
    pub(super) fn closures_handed(&mut self, target: &Target, arg_vals: &[Val], offset: usize) {
        let Target::Local { keys } = target else { return };
        for (i, v) in arg_vals.iter().enumerate() {
            let calls = match (&v.closure, &v.inline_calls) {
                (Some(calls), _) => calls.clone(),
                (None, Some(range)) => self.unit.calls[range.clone()].to_vec(),
                (None, None) => continue,
            };
            self.facts.closure_args.push(ClosureArg {
                file: self.file,
                keys: keys.clone(),
                position: i + offset,
                calls,
            });
        }
    }

    /// The struct field an expression takes its value from: `self.hook`,
    /// `self.hook.take().unwrap()`, `&mut self.hook`, or a variable bound
    /// from one.
    pub(super) fn field_of(&self, e: &Expr) -> Option<String> {
        match self.held_from(e) {
            resolve::HeldFrom::Field(name) => Some(name),
            resolve::HeldFrom::Var(name) => self
                .unit
                .var_fields
                .iter()
                .rev()
                .find(|v| v.0 == name)
                .map(|v| v.1.clone()),
            resolve::HeldFrom::Other => None,
        }
    }

    /// `if let Some(hook) = self.hook.take()`, `let hook = self.hook.take()`:
    /// the names bound hold what the field held.
    pub(super) fn bind_field_source(&mut self, pat: &Pat, scrutinee: &Expr) {
        let Some(field) = self.field_of(scrutinee) else {
            return;
        };
        let mut names = Vec::new();
        pat_idents(pat, &mut names);
        for n in names {
            self.unit.var_fields.push((n, field.clone()));
        }
    }

    /// A closure that runs elsewhere (a thread, `pre_exec`) or later: its
    /// own unit, with its own state. Returns the calls it makes.
    pub(super) fn walk_closure_unit(&mut self, c: &syn::ExprClosure) -> Vec<CallSite> {
        // Captured variables keep their known facts (closures, types): lend
        // the enclosing unit's lists to the closure's unit, then take them back.
        let closures = std::mem::take(&mut self.unit.closures);
        let var_types = std::mem::take(&mut self.unit.var_types);
        let var_fields = std::mem::take(&mut self.unit.var_fields);
        let (n_closures, n_types, n_fields) = (closures.len(), var_types.len(), var_fields.len());
        let unit = Unit {
            is_closure: true,
            closures,
            var_types,
            var_fields,
            ..Unit::default()
        };
        let saved = std::mem::replace(&mut self.unit, unit);
        let _ = self.eval(&c.body, State::new());
        let mut unit = std::mem::replace(&mut self.unit, saved);
        unit.closures.truncate(n_closures);
        unit.var_types.truncate(n_types);
        unit.var_fields.truncate(n_fields);
        self.unit.closures = std::mem::take(&mut unit.closures);
        self.unit.var_types = std::mem::take(&mut unit.var_types);
        self.unit.var_fields = std::mem::take(&mut unit.var_fields);
        self.on_closure_unit_end(unit.scratch);
        unit.calls
    }

    /// A closure passed to an ordinary call (`iter().map(..)`,
    /// `unwrap_or_else(..)`): assumed to run now, in this state; its
    /// `return` leaves only the closure.
    pub(super) fn walk_closure_inline(&mut self, c: &syn::ExprClosure, state: State) -> State {
        let was = std::mem::replace(&mut self.unit.is_closure, true);
        let (end, _) = self.eval(&c.body, state.clone());
        self.unit.is_closure = was;
        with_threads_of(state, end)
    }

    /// `X.with(|c| c.set(..))` on a thread_local writes it: the closure
    /// calls a method that writes to what it is called on.
    pub(super) fn closure_writes(&self, args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>) -> bool {
        struct Writes<'k> {
            knowledge: &'k Knowledge,
            found: bool,
        }
        impl<'ast> syn::visit::Visit<'ast> for Writes<'_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                self.found |= self.knowledge.mutates(&m.method.to_string());
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        let mut writes = Writes {
            knowledge: self.knowledge,
            found: false,
        };
        for a in args {
            syn::visit::Visit::visit_expr(&mut writes, a);
        }
        writes.found
    }

    /// glibc's `clone(fn, stack, flags, arg)` (and nix's, which takes a
    /// boxed closure): the child runs the callback and exits when it
    /// returns, so the callback's calls are the child's.
    pub(super) fn clone_callback(&mut self, idx: usize, c: &syn::ExprCall, state: &State) {
        // Only what names its code: anything else (nix's transmuted
        // trampoline) was evaluated with the arguments already.
        let names_code = |a: &&Expr| match a {
            Expr::Closure(_) | Expr::Path(_) => true,
            Expr::Call(c) => path_last(&c.func).as_deref() == Some("new"),
            _ => false,
        };
        let Some(arg) = c.args.first().filter(names_code) else {
            return;
        };
        let calls = match self.callback_code(Some(arg), state) {
            CallbackCode::Calls(calls) => calls,
            // Not asked for: `names_code` lets no builder call through.
            CallbackCode::Built(_) => Vec::new(),
            CallbackCode::Function(keys) => vec![CallSite {
                span: self.span(arg),
                text: match arg {
                    Expr::Path(p) => display_path(&segments(&p.path)),
                    _ => self.src(arg),
                },
                target: Target::Local { keys },
                kind: CallKind::Path,
                role: None,
                error_path: false,
            }],
        };
        let child = &mut self.facts.forks[idx].child;
        child.extend(calls.into_iter().map(ChildEvent::Call));
    }
}

/// The code of a callback: the calls of a closure, or a function of the
/// crate (by its keys).
pub(super) enum CallbackCode {
    Calls(Vec<CallSite>),
    /// A function passed by name: its body runs.
    Function(Vec<String>),
    /// A function called here returns the closure that runs.
    Built(Vec<String>),
}
