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

    /// A call of a function of the crate that forks and runs the closure
    /// given here in its child (`fork(|| { .. })` of a test helper): a fork
    /// site here, whose child runs the closure's body and ends (the helper
    /// ends it; its own fork reports how).
    fn closure_fork_call(
        &mut self,
        target: &Target,
        c: &syn::ExprCall,
        segs: &[String],
        state: &State,
    ) -> Option<(State, Val)> {
        let pos = *target
            .summary_keys()
            .iter()
            .find_map(|k| self.wrapper(k, |w| &w.closure_child))?;
        // The child's code: a closure, or a function passed by name
        // (`do_test(hook)`), which runs as a call in the child.
        let code = match c.args.iter().nth(pos) {
            Some(Expr::Closure(closure)) => Ok(&*closure.body),
            Some(arg @ Expr::Path(p))
                if p.path
                    .get_ident()
                    .is_none_or(|i| !self.unit.params.contains(&i.to_string())) =>
            {
                let segs = segments(&p.path);
                let candidates = self.resolve(&segs);
                match self.target_of(&segs, &candidates) {
                    (
                        t @ (Target::Local { .. } | Target::External { .. } | Target::Known { .. }),
                        role,
                        _,
                    ) => {
                        let mut site = self.path_site(arg, &segs, t);
                        site.role = role;
                        Err(site)
                    }
                    _ => return None,
                }
            }
            _ => return None,
        };
        let mut parent = state.clone();
        for (i, a) in c.args.iter().enumerate() {
            if i != pos {
                parent = self.eval(a, parent).0;
            }
        }
        let span = self.span(c);
        let idx = self.fork_site(&parent, span.clone(), display_path(segs), false, false);
        let mut child = parent.clone();
        child.fork = Some(ForkCtx {
            idx,
            procs: CHILD,
            execed: false,
            escaped: false,
            loop_depth: self.unit.loops.len(),
            outer: parent.fork.filter(|_| parent.live).map(|f| (f.idx, f.procs)),
        });
        match code {
            Ok(body) => {
                let was = std::mem::replace(&mut self.unit.is_closure, true);
                let _ = self.eval(body, child);
                self.unit.is_closure = was;
            }
            Err(call) => self.record_call(&child, call),
        }
        let site = CallSite {
            span,
            text: display_path(segs),
            target: target.clone(),
            kind: CallKind::Path,
            role: None,
            error_path: false,
        };
        self.record_call(&parent, site);
        Some((parent, Val::default()))
    }

    /// A raw fd creation: recorded when its flags lack close-on-exec.
    pub(super) fn fd_creation(
        &mut self,
        callee: String,
        fd: &crate::knowledge::FdCreation,
        c: &syn::ExprCall,
        span: Span,
        state: &State,
    ) {
        let arg = |i: Option<usize>| i.and_then(|i| c.args.iter().nth(i));
        // `fcntl(fd, F_DUPFD, n)`: fcntl's other commands create nothing.
        if let Some(command) = &fd.command {
            let names = |e: &Expr| match e {
                Expr::Call(call) => path_last(&call.func),
                _ => path_last(e),
            };
            if arg(fd.command_arg).and_then(names).as_ref() != Some(command) {
                return;
            }
        }
        // `dup2(fd, 10)`: onto a number the caller picks. Onto 0..2 it is a
        // redirect, in a child or a `pre_exec` hook a hand-over, both meant
        // for the next program; an unknown number is given the benefit.
        if fd.target_arg.is_some() {
            let handed_on = state.in_child().is_some() || self.in_pre_exec;
            let high = arg(fd.target_arg)
                .and_then(|a| self.fd_number(a))
                .is_some_and(|n| n >= 3);
            if handed_on || !high {
                return;
            }
        }
        // No buffer for received descriptors: none can arrive.
        let no_control = fd
            .control_arg
            .and_then(|i| c.args.iter().nth(i))
            .is_some_and(|a| path_ident(a).as_deref() == Some("None"));
        let missing = match (&fd.needs, fd.flags_arg) {
            _ if no_control => false,
            (Some(flag), Some(i)) => match c.args.iter().nth(i) {
                Some(arg) => match self.flags_lack(arg, flag) {
                    FlagsLack::Flag => true,
                    FlagsLack::Nothing => false,
                    // A wrapper whose caller picks the flags: judged at its calls.
                    FlagsLack::FromParam(pos) => {
                        self.unit.fd_flag_wrapper = Some(FdFlagWrapper {
                            param: pos,
                            has_self: self.unit.has_self,
                            needs: flag.clone(),
                            callee: callee.clone(),
                            why: fd.why.clone(),
                        });
                        false
                    }
                },
                None => false,
            },
            _ => true,
        };
        if missing {
            // `libc::pipe(fds.as_mut_ptr())`: the array given holds the ends
            // (pending under no name otherwise, until a `let` names it);
            // `dup2(fd, TARGET)` makes `TARGET`.
            let made = arg(fd.target_arg).or(c.args.first());
            let root = made.and_then(place_root).unwrap_or_default();
            self.fd_without_cloexec(callee, None, fd.suggest.clone(), fd.why.clone(), span, root);
        }
    }

    fn fd_without_cloexec(
        &mut self,
        callee: String,
        through: Option<String>,
        suggest: String,
        why: String,
        span: Span,
        root: String,
    ) {
        self.facts.fds_without_cloexec.push(FdCreationFact {
            file: self.file,
            span,
            callee,
            through,
            function: self.function.clone(),
            suggest,
            why,
            handled: false,
            entry_end: false,
            later_calls: Vec::new(),
            in_test: self.test_mods > 0 || self.in_test_fn,
        });
        let idx = self.facts.fds_without_cloexec.len() - 1;
        self.unit.fd_unflagged.push((root, idx));
    }

    /// Does this flags argument lack `flag`? Not when it names it, or a
    /// const or function of the crate (which may hold it: `SOCK_FLAGS`,
    /// `socket_type_cloexec()`); a parameter's flags are the caller's.
    fn flags_lack(&self, arg: &Expr, flag: &str) -> FlagsLack {
        let mut text = self.src(arg);
        // A flags variable bound earlier in the function.
        if let Some(name) = path_ident(arg) {
            if let Some((_, t)) = self.unit.var_texts.iter().rev().find(|v| v.0 == name) {
                text = t.clone();
            }
        }
        let mut param = None;
        for tok in text.split(|ch: char| !(ch.is_alphanumeric() || ch == '_')) {
            if tok == flag
                || self.table.consts.contains(tok)
                || (text.contains('(') && self.table.names.contains_key(tok))
            {
                return FlagsLack::Nothing;
            }
            if let Some(i) = self.unit.params.iter().position(|p| p == tok) {
                param = param.or(Some(self.unit.param_positions[i]));
            }
        }
        param.map_or(FlagsLack::Flag, FlagsLack::FromParam)
    }

    /// The descriptor number an argument names, when it is known: an
    /// integer literal, or a const of the crate holding one.
    fn fd_number(&self, arg: &Expr) -> Option<u64> {
        match arg {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(n),
                ..
            }) => n.base10_parse().ok(),
            Expr::Paren(p) => self.fd_number(&p.expr),
            Expr::Cast(c) => self.fd_number(&c.expr),
            Expr::Path(_) => {
                // A local binding of the same name shadows the const.
                let name = path_last(arg)?;
                let local = self.unit.var_texts.iter().any(|v| v.0 == name);
                if local || self.unit.params.contains(&name) {
                    return None;
                }
                self.table.const_numbers.get(&name).copied().flatten()
            }
            _ => None,
        }
    }

    /// A call of a function of the crate that creates a descriptor with the
    /// flags its caller passes (`Self::open(path, libc::O_RDWR, None)`):
    /// the descriptor is made here, without close-on-exec unless the flags
    /// given hold it. `method`: called as `recv.f(..)` (arguments start
    /// after `self`).
    pub(super) fn fd_wrapper_call<'e>(
        &mut self,
        keys: &[String],
        args: impl Iterator<Item = &'e Expr>,
        method: bool,
        display: &str,
        span: Span,
    ) {
        let Some(w) = keys
            .iter()
            .find_map(|k| self.wrapper(k, |w| &w.fd_flags))
            .cloned()
        else {
            return;
        };
        let skip = usize::from(method && w.has_self);
        let Some(arg) = w.param.checked_sub(skip).and_then(|i| args.into_iter().nth(i)) else {
            return;
        };
        if self.flags_lack(arg, &w.needs) == FlagsLack::Flag {
            let suggest = format!("pass `{}` in the flags", w.needs);
            self.fd_without_cloexec(
                w.callee,
                Some(display.to_string()),
                suggest,
                w.why,
                span,
                String::new(),
            );
        }
    }

    /// `close(fd)` (rules/fd-creation.toml [fd_closers]), `fcntl(fd,
    /// F_SETFD, FD_CLOEXEC)` ([fd_cloexec_setters]): a descriptor created
    /// without the flag here does not stay open so. (`dup2(fd, 0)` alone
    /// leaves `fd` open too: the redirect is clean once it is closed.)
    pub(super) fn fd_handled(&mut self, candidates: &[String], c: &syn::ExprCall) {
        let Some(root) = c.args.first().and_then(place_root) else {
            return;
        };
        let closes = candidates
            .iter()
            .any(|k| self.knowledge.fd_closers.contains_key(k));
        let sets_cloexec = || {
            let text = self.src(c);
            candidates
                .iter()
                .filter_map(|k| self.knowledge.fd_cloexec_setters.get(k))
                .any(|s| {
                    text.split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                        .any(|w| w == s.needs)
                })
        };
        if !(closes || sets_cloexec()) {
            return;
        }
        for (_, idx) in self.unit.fd_unflagged.iter().filter(|(v, _)| *v == root) {
            self.facts.fds_without_cloexec[*idx].handled = true;
        }
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

    /// `thread::scope(|s| body)`: the body runs here, on this thread, and
    /// the threads it starts with `s.spawn` run beside it until the scope
    /// ends, which joins them all.
    pub(super) fn thread_scope(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        state: State,
    ) -> (State, Vec<Val>, Vec<String>) {
        let running: Vec<usize> = state.threads.iter().map(|t| t.id).collect();
        let (mut state, vals, locks) = self.eval_args(args, false, state);
        state.threads.retain(|t| running.contains(&t.id));
        (state, vals, locks)
    }

    pub(super) fn add_thread(&mut self, state: &mut State, span: Span, what: String) -> usize {
        let id = self.id();
        let fact = ThreadFact {
            span,
            what,
            harness: false,
        };
        self.unit.spawns.push(fact.clone());
        state.threads.push(LiveThread {
            id,
            fact,
            handle: None,
        });
        id
    }

    pub(super) fn fork_site(
        &mut self,
        state: &State,
        span: Span,
        callee: String,
        vfork: bool,
        survivor: bool,
    ) -> usize {
        let key = (span.start, span.end);
        let guards: Vec<GuardFact> = state.guards.iter().map(|g| g.fact.clone()).collect();
        let threads: Vec<ThreadFact> = state.threads.iter().map(|t| t.fact.clone()).collect();
        if let Some(&idx) = self.fork_by_span.get(&key) {
            // Seen before (second walk of a loop): widen what was live.
            let f = &mut self.facts.forks[idx];
            for g in guards {
                if !f.guards.contains(&g) {
                    f.guards.push(g);
                }
            }
            for t in threads {
                if !f.threads.contains(&t) {
                    f.threads.push(t);
                }
            }
            for p in &state.pending {
                if !f.unflushed.contains(p) {
                    f.unflushed.push(p.clone());
                }
            }
            for fd in &state.fds {
                if !f.fds_open.contains(fd) {
                    f.fds_open.push(*fd);
                }
            }
            return idx;
        }
        self.facts.forks.push(ForkFact {
            file: self.file,
            arms: self.unit.arms.clone(),
            span,
            callee,
            vfork,
            survivor,
            function: self.function.clone(),
            function_keys: self.function_keys.clone(),
            guards,
            threads,
            child: Vec::new(),
            parent_reads: Vec::new(),
            result_var: None,
            unflushed: state.pending.clone(),
            child_flushes: false,
            parent_flushes: false,
            fds_open: state.fds.clone(),
            fd_uses: Vec::new(),
            fd_calls: Vec::new(),
        });
        let idx = self.facts.forks.len() - 1;
        self.fork_by_span.insert(key, idx);
        idx
    }
}

/// What a flags argument lacks (see `Walker::flags_lack`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FlagsLack {
    /// The close-on-exec flag.
    Flag,
    /// Nothing: it holds the flag, or may.
    Nothing,
    /// The flags come from the parameter at this input position.
    FromParam(usize),
}
