//! Calls of paths: threads, processes (fork, exec, exit, spawn), descriptors, constructors, and the fork sites they create.

use super::*;

impl Walker<'_> {
    pub(super) fn eval_call(&mut self, c: &syn::ExprCall, state: State) -> (State, Val) {
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
        // Moving a guard or handle into a call (`drop(g)`, `helper(g)`) ends
        // it here; a buffered writer flushes when dropped.
        for a in &c.args {
            if let Some(name) = path_ident(a) {
                self.flushed(&mut state, &name);
                state
                    .guards
                    .retain(|g| g.binding.as_deref() != Some(name.as_str()));
                let wraps = candidates
                    .iter()
                    .any(|c| self.knowledge.fd_wrappers.contains_key(c));
                if (matches!(target, Target::Local { .. }) || target.is_foreign()) && !wraps {
                    self.fd_moved(a, &mut state);
                }
            }
        }
        self.command_args(c.args.iter(), &target, 0);
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
        // Command::new(current_exe()): the program starts a copy of itself.
        if canonical == "std::process::Command::new" {
            if let Some(arg) = c.args.first() {
                let mut text = self.src(arg);
                if let Some(name) = path_ident(arg).or_else(|| match arg {
                    Expr::Reference(r) => path_ident(&r.expr),
                    _ => None,
                }) {
                    if let Some((_, t)) = self.unit.var_texts.iter().rev().find(|v| v.0 == name) {
                        text = t.clone();
                    }
                }
                if self.knowledge.names_own_binary(text.as_bytes()) {
                    self.facts.reexecs.push((self.file, span.clone()));
                }
            }
        }
        if canonical == "std::io::stdout" {
            val.ty = Some("std::io::Stdout".into());
        }
        self.fd_handled(&candidates, c);
        if let Some(fd) = candidates
            .iter()
            .find_map(|c| self.knowledge.fd_creation.get(c).map(|f| (c, f)))
        {
            self.fd_creation(fd.0.clone(), fd.1, c, span.clone(), &state);
        }
        self.fd_call(&candidates, c, &arg_vals, span.clone(), &mut state, &mut val);
        if let Target::Local { keys } = &target {
            let args: Vec<(usize, &Val)> = arg_vals.iter().enumerate().collect();
            self.fd_args(keys, &args, span.clone(), &state);
            if val.fds.is_empty() {
                val.fds = vec![self.fd_returned(keys, span.clone(), &mut state)];
            }
            // `Spool::open(..)`: an associated function of a type of the crate
            // is taken to return that type, for resolving its methods.
            if segs.len() >= 2
                && segs[segs.len() - 2].starts_with(|c: char| c.is_uppercase())
                && val.ty.is_none()
            {
                val.ty = Some(segs[segs.len() - 2].clone());
            }
        }
        if matches!(
            role,
            Some(Role::Fork(_) | Role::Vfork | Role::Exec | Role::SpawnProcess)
        ) {
            self.facts.starts_processes = true;
        }
        if segs.len() >= 2
            && (last == "new" || last.starts_with("with_") || last == "default" || last.starts_with("from"))
        {
            // `T::new()` has type T: keep T's resolved path.
            let full = candidates.first().cloned().unwrap_or_else(|| segs.join("::"));
            val.ty = full.rsplit_once("::").map(|(ty, _)| ty.to_string());
        }
        match role {
            Some(Role::Fork(shape)) => {
                let idx = self.fork_site(
                    &state,
                    span,
                    canonical,
                    false,
                    shape == ForkResultShape::ChildOnly,
                );
                if shape == ForkResultShape::ParentOnly {
                    self.clone_callback(idx, c, &state);
                }
                let procs = match shape {
                    ForkResultShape::ChildOnly => CHILD,
                    ForkResultShape::ParentOnly => PARENT | FAILED,
                    _ => ALL,
                };
                state.fork = Some(ForkCtx {
                    idx,
                    procs,
                    execed: false,
                    escaped: false,
                    loop_depth: self.unit.loops.len(),
                    outer: state.fork.filter(|_| state.live).map(|f| (f.idx, f.procs)),
                });
                val.fork = Some((idx, shape, procs));
            }
            Some(Role::Vfork) => {
                let idx = self.fork_site(&state, span, canonical, true, false);
                state.fork = Some(ForkCtx {
                    idx,
                    procs: ALL,
                    execed: false,
                    escaped: false,
                    loop_depth: self.unit.loops.len(),
                    outer: state.fork.filter(|_| state.live).map(|f| (f.idx, f.procs)),
                });
                val.fork = Some((idx, ForkResultShape::Raw, ALL));
            }
            Some(Role::Exec) => {
                // What follows runs only when the exec failed.
                state.error_path = true;
                if let Some(ctx) = state.in_child_branch() {
                    self.facts.forks[ctx.idx].child.push(ChildEvent::Exec(span));
                    if let Some(f) = state.fork.as_mut() {
                        f.execed = true;
                    }
                }
            }
            Some(Role::ExitNow) => {
                state.live = false;
                state.exited = true;
            }
            Some(Role::ExitCleanup) => {
                self.escape_if_child(&state, EscapeKind::ExitCleanup, span);
                state.live = false;
                state.exited = true;
            }
            Some(Role::SpawnThread | Role::Runtime) => {
                let what = if role == Some(Role::Runtime) {
                    format!("`{}` starts worker threads here", display_path(&segs))
                } else {
                    thread_what(&spawned_locks)
                };
                // The thread is shown at the callee (`thread::spawn`), found
                // only here: spans cost a lookup in proc-macro2's source map.
                val.thread = Some(self.add_thread(&mut state, self.span(&c.func), what));
            }
            _ => {}
        }
        // `check(libc::fork())?`, `cvt(fork())`, `Errno::result(fork())`: a
        // call that is handed the fork it contains checks or wraps its
        // result, so its value is still the fork's (not so for a pid taken
        // from a variable, as in `waitpid(pid, ..)`).
        if role.is_none() && val.fork.is_none() && self.facts.forks.len() > forks_before {
            val.fork = arg_vals
                .iter()
                .find_map(|a| a.fork.filter(|f| f.0 >= forks_before));
        }
        if let Target::Local { keys } = &target {
            if keys.iter().any(|k| self.table.diverging.contains(k)) {
                state.live = false;
                state.exited = true;
            }
            let span = self.span(c);
            self.fd_wrapper_call(keys, c.args.iter(), false, &display_path(&segs), span);
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
                    spawned_locks = std::mem::take(&mut self.closure_locks);
                } else {
                    state = self.walk_closure_inline(cl, state);
                }
                vals.push(Val::default());
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
