//! Processes: the forks made on a path, which processes (child, parent,
//! failed fork) can be at a point, exec and exit.

use super::*;

#[derive(Debug, Clone, Copy)]
pub(in crate::analysis::flow) struct ForkCtx {
    pub(in crate::analysis::flow) idx: usize,
    pub(in crate::analysis::flow) procs: Procs,
    /// exec was called on this path: later calls run only if it failed.
    pub(in crate::analysis::flow) execed: bool,
    /// An escape was already reported on this path.
    pub(in crate::analysis::flow) escaped: bool,
    /// How many loops enclosed the fork (a break out of them escapes).
    pub(in crate::analysis::flow) loop_depth: usize,
    /// The fork this process came out of before this one (a double fork):
    /// what it does at exit it does for that fork's copy of the buffers too.
    pub(in crate::analysis::flow) outer: Option<(usize, Procs)>,
}

impl Lattice for Option<ForkCtx> {
    fn join(&mut self, other: Self) {
        *self = match (*self, other) {
            (Some(a), Some(b)) if a.idx == b.idx => Some(ForkCtx {
                procs: a.procs | b.procs,
                execed: a.execed && b.execed,
                escaped: a.escaped || b.escaped,
                ..a
            }),
            (Some(a), Some(b)) => Some(if a.idx > b.idx { a } else { b }),
            (a, b) => a.or(b),
        };
    }

    fn same(&self, other: &Self) -> bool {
        let key = |f: &Option<ForkCtx>| f.map(|f| (f.idx, f.procs, f.execed, f.escaped));
        key(self) == key(other)
    }
}

impl Walker<'_> {
    pub(in crate::analysis::flow) fn fork_site(
        &mut self,
        state: &State,
        span: Span,
        callee: String,
        vfork: bool,
        survivor: bool,
    ) -> usize {
        let key = (span.start, span.end);
        let guards: Vec<GuardFact> = state.slices.guards.iter().map(|g| g.fact.clone()).collect();
        let threads = threads_here(state);
        if let Some(&idx) = self.file_scratch.fork_by_span.get(&key) {
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
            for p in &state.slices.pending {
                if !f.unflushed.contains(p) {
                    f.unflushed.push(p.clone());
                }
            }
            for fd in &state.slices.fds {
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
            unflushed: state.slices.pending.clone(),
            child_flushes: false,
            parent_flushes: false,
            fds_open: state.slices.fds.clone(),
            fd_uses: Vec::new(),
            fd_calls: Vec::new(),
        });
        let idx = self.facts.forks.len() - 1;
        self.file_scratch.fork_by_span.insert(key, idx);
        idx
    }

    /// A call of a function of the crate that forks and runs the closure
    /// given here in its child (`fork(|| { .. })` of a test helper): a fork
    /// site here, whose child runs the closure's body and ends (the helper
    /// ends it; its own fork reports how).
    pub(in crate::analysis::flow) fn closure_fork_call(
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
        child.slices.fork = Some(ForkCtx {
            idx,
            procs: CHILD,
            execed: false,
            escaped: false,
            loop_depth: self.unit.loops.len(),
            outer: parent
                .slices
                .fork
                .filter(|_| parent.live)
                .map(|f| (f.idx, f.procs)),
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

    pub(in crate::analysis::flow) fn escape_if_child(&mut self, state: &State, kind: EscapeKind, span: Span) {
        // A `return` that runs only after a call failed (`Err(e) => return
        // Err(e)`) is the error path's way out, as a `?` is.
        let kind = if kind == EscapeKind::Return && state.error_path {
            EscapeKind::Try
        } else {
            kind
        };
        // Leaving by return or exit() flushes stdio at the process's exit.
        if kind != EscapeKind::Panic {
            self.note_flush(state);
        }
        if let Some(ctx) = state.in_child() {
            if !ctx.escaped && !self.facts.forks[ctx.idx].survivor {
                self.facts.forks[ctx.idx]
                    .child
                    .push(ChildEvent::Escape { kind, span });
            }
        } else if let Some((outer, procs)) = state.slices.fork.filter(|_| state.live).and_then(|f| f.outer) {
            // The parent side of a fork made in another fork's child (the
            // middle process of a double fork) is that outer child: its
            // exit() there is the outer fork's escape.
            if procs & CHILD != 0 && !self.facts.forks[outer].survivor && kind == EscapeKind::ExitCleanup {
                self.facts.forks[outer]
                    .child
                    .push(ChildEvent::Escape { kind, span });
            }
        }
    }
}

impl Walker<'_> {
    /// A path call: a fork, vfork, exec or exit by its role; a program
    /// that runs itself again (`Command::new(current_exe())`).
    pub(in crate::analysis::flow) fn processes_on_call(
        &mut self,
        ev: &PathCall,
        state: &mut State,
        val: &mut Val,
    ) {
        // Command::new(current_exe()): the program starts a copy of itself.
        if ev.canonical == "std::process::Command::new" {
            if let Some(arg) = ev.call.args.first() {
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
                    self.facts.reexecs.push((self.file, ev.span.clone()));
                }
            }
        }
        if matches!(
            ev.role,
            Some(Role::Fork(_) | Role::Vfork | Role::Exec | Role::SpawnProcess)
        ) {
            self.facts.starts_processes = true;
        }
        match ev.role {
            Some(Role::Fork(shape)) => {
                let idx = self.fork_site(
                    state,
                    ev.span.clone(),
                    ev.canonical.to_string(),
                    false,
                    shape == ForkResultShape::ChildOnly,
                );
                if shape == ForkResultShape::ParentOnly {
                    self.clone_callback(idx, ev.call, state);
                }
                let procs = match shape {
                    ForkResultShape::ChildOnly => CHILD,
                    ForkResultShape::ParentOnly => PARENT | FAILED,
                    _ => ALL,
                };
                state.slices.fork = Some(ForkCtx {
                    idx,
                    procs,
                    execed: false,
                    escaped: false,
                    loop_depth: self.unit.loops.len(),
                    outer: state.slices.fork.filter(|_| state.live).map(|f| (f.idx, f.procs)),
                });
                val.fork = Some((idx, shape, procs));
            }
            Some(Role::Vfork) => {
                let idx = self.fork_site(state, ev.span.clone(), ev.canonical.to_string(), true, false);
                state.slices.fork = Some(ForkCtx {
                    idx,
                    procs: ALL,
                    execed: false,
                    escaped: false,
                    loop_depth: self.unit.loops.len(),
                    outer: state.slices.fork.filter(|_| state.live).map(|f| (f.idx, f.procs)),
                });
                val.fork = Some((idx, ForkResultShape::Raw, ALL));
            }
            Some(Role::Exec) => {
                // What follows runs only when the exec failed.
                state.error_path = true;
                if let Some(ctx) = state.in_child_branch() {
                    self.facts.forks[ctx.idx]
                        .child
                        .push(ChildEvent::Exec(ev.span.clone()));
                    if let Some(f) = state.slices.fork.as_mut() {
                        f.execed = true;
                    }
                }
            }
            Some(Role::ExitNow) => {
                state.live = false;
                state.exited = true;
            }
            Some(Role::ExitCleanup) => {
                self.escape_if_child(state, EscapeKind::ExitCleanup, ev.span.clone());
                state.live = false;
                state.exited = true;
            }
            _ => {}
        }
        // `check(libc::fork())?`, `cvt(fork())`, `Errno::result(fork())`: a
        // call that is handed the fork it contains checks or wraps its
        // result, so its value is still the fork's (not so for a pid taken
        // from a variable, as in `waitpid(pid, ..)`).
        if ev.role.is_none() && val.fork.is_none() && self.facts.forks.len() > ev.forks_before {
            val.fork = ev
                .arg_vals
                .iter()
                .find_map(|a| a.fork.filter(|f| f.0 >= ev.forks_before));
        }
    }
}
