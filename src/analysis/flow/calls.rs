//! Calls of paths: resolution, closures run where written or elsewhere, arguments and the values they hand over; what a call means to locks, threads, processes, descriptors and Commands is the domains' (`domains::on_path_call`).

use super::*;

impl Walker<'_> {
    pub(super) fn eval_call(&mut self, c: &syn::ExprCall, state: State) -> (State, Val) {
        if self.in_pre_exec {
            self.hook_calls_field(&c.func);
        }
        let Expr::Path(func) = &*c.func else {
            // `(|| -> Result<()> { .. })()`: a closure called where it is
            // written runs here, in this state (a child's code often sits
            // in one, to use `?`).
            let mut callee = &*c.func;
            while let Expr::Paren(p) = callee {
                callee = &p.expr;
            }
            if let Expr::Closure(closure) = callee {
                let (s, _) = self.eval_all(c.args.iter(), state);
                return (self.walk_closure_inline(closure, s), Val::default());
            }
            let (s, _) = self.eval(&c.func, state);
            let (mut s, _) = self.eval_all(c.args.iter(), s);
            // `(self.on_parent)(pid)` with a `fn(..) -> !` field.
            if self.holds_diverging_fn(&c.func) {
                s.live = false;
                s.exited = true;
            } else {
                // `(job.run)()`, `handlers[i]()`: code held in a value, which
                // no name tells: an unknown call.
                let span = self.span(&c.func);
                let text = self
                    .text
                    .get(span.clone())
                    .unwrap_or("")
                    .trim_matches(|ch| ch == '(' || ch == ')');
                let site = CallSite {
                    span: self.span(c),
                    text: text.to_string(),
                    target: Target::Unknown,
                    kind: CallKind::Path,
                    role: None,
                    error_path: false,
                };
                self.record_call(&s, site);
            }
            return (s, Val::default());
        };
        let path = &func.path;
        let segs = segments(path);
        let last = segs.last().cloned().unwrap_or_default();
        // A variable or parameter holding a `fn(..) -> !`: the call ends
        // the process (`if let Some(hook) = self.on_parent { hook(pid) }`).
        if segs.len() == 1 && !self.table.diverging_values.is_empty() && self.holds_diverging_fn(&c.func) {
            let (mut s, _) = self.eval_all(c.args.iter(), state);
            s.live = false;
            s.exited = true;
            return (s, Val::default());
        }
        // Calling a closure held in a variable runs its body here.
        if segs.len() == 1 {
            if let Some((_, calls)) = self.unit.closures.iter().rev().find(|c| c.0 == last).cloned() {
                let (s, _) = self.eval_all(c.args.iter(), state);
                for site in calls {
                    self.record_call(&s, site);
                }
                return (s, Val::default());
            }
        }
        let candidates = self.resolve(&segs);
        // `Box::new(|| ..)`: a closure kept to run later (a hook, a
        // callback), not now; its calls are the value's.
        if let Some(Expr::Closure(cl)) = c.args.first() {
            if self.keeps_closure(&candidates) {
                let calls = self.walk_closure_unit(cl);
                let val = Val {
                    closure: Some(calls),
                    ..Val::default()
                };
                return (state, val);
            }
        }
        let (target, role, canonical) = self.target_of(&segs, &candidates);
        // `libc::syscall(libc::SYS_clone3, ..)`, `syscall(SYS_fork)`: the
        // raw system call forks as fork(2) does (0 in the child), for the
        // numbers of rules/process.toml [raw_fork_syscalls].
        let role = role.or_else(|| {
            // The number's name, as `libc::SYS_clone3` or imported.
            let raw_fork = canonical == "libc::syscall"
                && c.args
                    .first()
                    .and_then(path_last)
                    .is_some_and(|nr| self.knowledge.raw_fork_syscalls.contains_key(&nr));
            raw_fork.then_some(Role::Fork(ForkResultShape::Raw))
        });
        if self.knowledge.role_sources.contains_key(&canonical) {
            self.unit.role_reads += 1;
        }
        // Tuple structs and enum variants (`Some(x)`, `Wrapper(g)`) are not calls.
        if last.chars().next().is_some_and(|ch| ch.is_uppercase()) {
            let (s, vals) = self.eval_all(c.args.iter(), state);
            let mut v = Val::default();
            for x in vals {
                v.guards.extend(x.guards);
                // `Ok(pid)`: the wrapped value is still the fork's result.
                v.fork = v.fork.or(x.fork);
                // `Some(Box::new(|| ..))`: still the closure.
                v.closure = v.closure.or(x.closure);
            }
            return (s, v);
        }
        let span = self.span(c);
        // `fork(|| { .. })` of a helper that runs the closure in its child.
        if let Some(out) = self.closure_fork_call(&target, c, &segs, &state) {
            return out;
        }
        // Closures given to thread and pool spawns run elsewhere: own units.
        let runs_elsewhere = matches!(role, Some(Role::SpawnThread | Role::Runtime));
        let n_types = self.unit.var_types.len();
        let forks_before = self.facts.forks.len();
        self.type_closure_param(&c.args, &canonical);
        let (mut state, arg_vals, spawned_locks) = if role == Some(Role::ScopeThreads) {
            self.thread_scope(&c.args, state)
        } else {
            self.eval_args(&c.args, runs_elsewhere, state)
        };
        self.unit.var_types.truncate(n_types);
        self.closures_handed(&target, &arg_vals, 0);
        // Values handed over by name (`drop(g)`, `helper(fd)`): the callee owns them now.
        self.on_moved_args(&c.args, &target, &candidates, &mut state);
        let text = display_path(&segs);
        self.record_call(
            &state,
            CallSite {
                span: span.clone(),
                text,
                target: target.clone(),
                kind: CallKind::Path,
                role,
                error_path: false,
            },
        );
        let mut val = Val::default();
        if canonical == "std::io::stdout" {
            val.ty = Some("std::io::Stdout".into());
        }
        // `Spool::open(..)`: an associated function of a type of the crate
        // is taken to return that type, for resolving its methods.
        if matches!(target, Target::Local { .. })
            && segs.len() >= 2
            && segs[segs.len() - 2].starts_with(|c: char| c.is_uppercase())
        {
            val.ty = Some(segs[segs.len() - 2].clone());
        }
        // Its signature, where the table has it.
        if let Target::Local { keys } = &target {
            if let [key] = keys.as_slice() {
                self.type_returned(key, &mut val);
            }
        }
        if segs.len() >= 2 && self.knowledge.constructs(&last) {
            // `T::new()` has type T: keep T's resolved path.
            let full = candidates.first().cloned().unwrap_or_else(|| segs.join("::"));
            val.ty = full.rsplit_once("::").map(|(ty, _)| ty.to_string());
        }
        let event = PathCall {
            call: c,
            span,
            segs: &segs,
            candidates: &candidates,
            canonical: &canonical,
            target: &target,
            role,
            arg_vals: &arg_vals,
            spawned_locks: &spawned_locks,
            forks_before,
        };
        self.on_path_call(&event, &mut state, &mut val);
        // A function of the crate that never returns.
        if let Target::Local { keys } = &target {
            if keys.iter().any(|k| self.table.diverging.contains(k)) {
                state.live = false;
                state.exited = true;
            }
        }
        (state, val)
    }

    /// A call's arguments, in order. Closures given to thread and pool
    /// spawns run elsewhere (their own unit; the locks they take are
    /// returned); other closures are assumed to run here, now.
    pub(super) fn eval_args(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        runs_elsewhere: bool,
        mut state: State,
    ) -> (State, Vec<Val>, Vec<String>) {
        let mut vals = Vec::new();
        let mut spawned_locks = Vec::new();
        for a in args {
            if let Expr::Closure(cl) = a {
                if runs_elsewhere {
                    self.walk_closure_unit(cl);
                    spawned_locks = self.take_closure_locks();
                    vals.push(Val::default());
                } else {
                    // Walked where it is passed; its calls are also the
                    // value's, for a callee that keeps it (a builder's
                    // setter storing it in a field).
                    let before = self.unit.calls.len();
                    state = self.walk_closure_inline(cl, state);
                    vals.push(Val {
                        inline_calls: Some(before..self.unit.calls.len()),
                        ..Val::default()
                    });
                }
            } else {
                if !runs_elsewhere {
                    self.function_value_call(a, &state);
                }
                let (s, v) = self.eval(a, state);
                state = s;
                vals.push(v);
            }
        }
        (state, vals, spawned_locks)
    }

    /// A function passed by name to an ordinary call (`.unwrap_or_else(fail)`,
    /// `.map_err(report)`): like a closure there, it is assumed to run now,
    /// a call of that function. Only a function forklint knows (of the
    /// crate, or in the tables); a local variable or a constant is no call.
    fn function_value_call(&mut self, arg: &Expr, state: &State) {
        let Expr::Path(p) = arg else { return };
        if p.qself.is_some() {
            return;
        }
        let segs = segments(&p.path);
        if let [name] = segs.as_slice() {
            if self.is_local_var(name) || self.unit.params.iter().any(|x| x == name) {
                return;
            }
            if self.unit.closures.iter().any(|c| &c.0 == name) {
                return;
            }
        }
        let candidates = self.resolve(&segs);
        let (target, role, _) = self.target_of(&segs, &candidates);
        if role.is_some() || target.is_foreign() {
            return;
        }
        let site = self.path_site(arg, &segs, target);
        self.record_call(state, site);
    }

    /// A call whose knowledge entry names its closure's parameter type
    /// (`closure_param`: `thread::scope(|s| ..)` gives `s` a `Scope`): the
    /// parameter has that type while the arguments are walked, so methods
    /// on it (`s.spawn`) resolve. The caller truncates `var_types` after.
    pub(super) fn type_closure_param(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        callee: &str,
    ) {
        let Some(Expr::Closure(c)) = args.first() else {
            return;
        };
        let param = c.inputs.first().and_then(|p| pat_binding(p).0);
        let ty = self
            .knowledge
            .function(callee)
            .and_then(|f| f.closure_param.clone());
        if let (Some(name), Some(ty)) = (param, ty) {
            self.unit.var_types.push((name, ty));
        }
    }
}
