//! Control flow: blocks, statements, `let`, loops, `if` and `match`, the split of a state on a condition over a fork result, and the join of branches.

use super::*;

impl Walker<'_> {
    pub(super) fn walk_block(&mut self, block: &syn::Block, mut state: State) -> (State, Val) {
        let has_use = block
            .stmts
            .iter()
            .any(|s| matches!(s, Stmt::Item(syn::Item::Use(_))));
        if has_use {
            let mut imports = self.imports.last().cloned().unwrap_or_default();
            let items: Vec<syn::Item> = block
                .stmts
                .iter()
                .filter_map(|s| match s {
                    Stmt::Item(i @ syn::Item::Use(_)) => Some(i.clone()),
                    _ => None,
                })
                .collect();
            imports.add_items(&items);
            self.imports.push(imports);
        }
        self.depth += 1;
        let mut val = Val::default();
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            if !state.live {
                break;
            }
            let is_tail = i + 1 == n && matches!(stmt, Stmt::Expr(_, None));
            let (s, v) = match self.stmt_compiled(stmt) {
                cfg::Compiled::Yes => self.walk_stmt(stmt, state),
                cfg::Compiled::No => continue,
                // Compiled on some targets: a branch that may be skipped.
                cfg::Compiled::Maybe => {
                    let (s, v) = self.walk_stmt(stmt, state.clone());
                    (join(vec![s, state]), v)
                }
            };
            state = s;
            if is_tail {
                val = v;
            }
        }
        self.depth -= 1;
        let depth = self.depth;
        self.on_block_end(depth, &val, &mut state);
        if has_use {
            self.imports.pop();
        }
        (state, val)
    }

    pub(super) fn walk_stmt(&mut self, stmt: &Stmt, state: State) -> (State, Val) {
        let temps = self.on_temporaries_open();
        let (mut state, val) = match stmt {
            Stmt::Local(local) => (self.walk_local(local, state), Val::default()),
            Stmt::Expr(e, semi) => {
                let (s, v) = self.eval(e, state);
                if semi.is_some() {
                    (s, Val::default())
                } else {
                    (s, v)
                }
            }
            Stmt::Macro(m) => self.eval_macro(&m.mac, self.span(&m.mac), state),
            Stmt::Item(item) => {
                self.walk_item(item);
                (state, Val::default())
            }
            #[allow(unreachable_patterns)]
            _ => (state, Val::default()),
        };
        // Temporaries die at the end of their statement, unless the value
        // of a tail expression carries them.
        self.on_temporaries_close(temps, Some(&val), &mut state);
        (state, val)
    }

    pub(super) fn walk_local(&mut self, local: &syn::Local, state: State) -> State {
        let (name, ty) = pat_binding(&local.pat);
        let Some(init) = &local.init else { return state };
        self.bind_diverging_fn(&local.pat, &init.expr);
        let role_reads = self.unit.role_reads;
        let unflagged_before = self.facts.fds_without_cloexec.len();
        let (mut state, val) = self.eval(&init.expr, state);
        self.on_let_evaluated(&local.pat, unflagged_before..self.facts.fds_without_cloexec.len());
        let reads_role = self.unit.role_reads > role_reads;
        if let Some((_, diverge)) = &init.diverge {
            // `let Ok(x) = e else { return }`: the else path must diverge.
            // On a fork's result the pattern splits the processes:
            // `let ForkResult::Parent { child } = fork()? else { .. }` runs
            // the else block in the child and what follows in the parent.
            let (matched, other) = match val.fork {
                Some((idx, shape, procs)) => {
                    let mask = pat_procs(&local.pat, procs, shape);
                    (
                        self.narrow(state.clone(), idx, mask),
                        self.narrow(state.clone(), idx, procs & !mask),
                    )
                }
                None => (state.clone(), state.clone()),
            };
            let end = if other.live {
                self.eval(diverge, other).0
            } else {
                other
            };
            state = if end.live {
                join(vec![matched, end])
            } else {
                matched
            };
        }
        let held_ty = ty.clone().or_else(|| val.ty.clone());
        self.on_let_bound(&local.pat, &init.expr, &val, held_ty.as_deref(), &mut state);
        self.type_channel_ends(&local.pat, &init.expr);
        self.type_tuple_bindings(&local.pat, &val);
        let Some(name) = name else {
            return state;
        };
        // `let _ = m.lock()` drops at once; `let _g = ...` keeps it.
        if name == "_" {
            return state;
        }
        if let Some(ty) = ty.or_else(|| val.ty.clone()) {
            if ty == "RwLock" {
                self.unit.var_types.push((name.clone(), "RwLock".into()));
            }
            self.unit.var_types.push((name.clone(), ty));
        }
        if let Some(t) = &local.pat_type_hint() {
            if mentions_rwlock(t) {
                self.unit.var_types.push((name.clone(), "RwLock".into()));
            }
        }
        self.on_named(&name, &val, &mut state);
        if let Some((idx, shape, procs)) = val.fork {
            self.unit.fork_vars.push((name.clone(), idx, shape, procs));
            self.facts.forks[idx].result_var.get_or_insert(name.clone());
        }
        self.unit.var_texts.push((name.clone(), self.src(&*init.expr)));
        if reads_role {
            self.unit.role_vars.push(name.clone());
        }
        if let Expr::Call(c) = &*init.expr {
            self.unit.call_vars.push((name.clone(), self.span(c)));
        }
        if let Some(calls) = val.closure {
            self.unit.closures.push((name, calls));
        }
        state
    }

    /// Is `e` the result of a C function that returns 0 on success
    /// (rules/process.toml [zero_on_success]): a call of one, or a variable
    /// bound to one (`let ret = unsafe { libc::ioctl(..) }`)?
    fn zero_on_success(&self, e: &Expr) -> bool {
        let callee = match e {
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            },
            _ => path_ident(e).and_then(|v| {
                let (_, text) = self.unit.var_texts.iter().rev().find(|t| t.0 == v)?;
                // The text of what it was bound to: `unsafe { libc::ioctl(..) }`.
                let head = text.split_once('(')?.0;
                Some(head.rsplit([':', ' ', '{']).next()?.trim().to_string())
            }),
        };
        callee.is_some_and(|name| self.knowledge.zero_on_success.contains_key(&name))
    }

    /// `let (tx, rx) = mpsc::channel()`: the ends are a sender and a
    /// receiver, so their `send`/`recv` are the channel's (by-name methods
    /// need their receiver's type).
    fn type_channel_ends(&mut self, pat: &Pat, init: &Expr) {
        let (Pat::Tuple(t), Expr::Call(c)) = (pat, init) else {
            return;
        };
        let Expr::Path(f) = &*c.func else {
            return;
        };
        let Some(ends) = self
            .resolve(&segments(&f.path))
            .iter()
            .find_map(|k| self.knowledge.channel_constructors.get(k))
        else {
            return;
        };
        let (sender, receiver) = (ends.sender.clone(), ends.receiver.clone());
        let names: Vec<Option<String>> = t.elems.iter().map(|p| pat_binding(p).0).collect();
        if let [tx, rx] = names.as_slice() {
            if let Some(tx) = tx {
                self.unit.var_types.push((tx.clone(), sender));
            }
            if let Some(rx) = rx {
                self.unit.var_types.push((rx.clone(), receiver));
            }
        }
    }

    /// `let (sender, receiver) = channel()?` where the crate's `channel`
    /// returns `(MainSender, MainReceiver)`: each binding has its type.
    fn type_tuple_bindings(&mut self, pat: &Pat, val: &Val) {
        let (Pat::Tuple(t), Some(tys)) = (pat, &val.tuple_tys) else {
            return;
        };
        if t.elems.len() != tys.len() {
            return;
        }
        for (p, ty) in t.elems.iter().zip(tys) {
            if let (Some(name), Some(ty)) = (pat_binding(p).0, ty) {
                self.unit.var_types.push((name, ty.clone()));
            }
        }
    }

    /// A fresh id for a branch (an `if` or a `match`).
    fn next_branch(&mut self) -> u32 {
        self.branch_seq = self.branch_seq.wrapping_add(1);
        self.branch_seq
    }

    /// `break`/`continue`, to the innermost loop or the one `label` names
    /// (`break 'outer` from an inner loop).
    pub(super) fn loop_exit(
        &mut self,
        mut state: State,
        span: Span,
        label: Option<&syn::Lifetime>,
    ) -> (State, Val) {
        let innermost = self.unit.loops.len().checked_sub(1);
        let target = match label {
            Some(l) => {
                let name = l.ident.to_string();
                self.unit
                    .loop_labels
                    .iter()
                    .rposition(|n| n.as_deref() == Some(name.as_str()))
                    .or(innermost)
            }
            None => innermost,
        };
        if let (Some(ctx), Some(target)) = (state.in_child(), target) {
            // Leaving (or going round again) a loop that encloses the fork:
            // the child runs the parent's loop.
            if target < ctx.loop_depth && !self.unit.is_closure {
                self.escape_if_child(&state, EscapeKind::Break, span);
                if let Some(f) = state.slices.fork.as_mut() {
                    f.escaped = true;
                }
            }
        }
        if let Some(l) = target.and_then(|t| self.unit.loops.get_mut(t)) {
            l.push(state);
        }
        (State::dead(), Val::default())
    }

    pub(super) fn walk_loop(
        &mut self,
        label: Option<&syn::Label>,
        body: &syn::Block,
        state: State,
        infinite: bool,
    ) -> (State, Val) {
        self.unit.loops.push(Vec::new());
        self.unit
            .loop_labels
            .push(label.map(|l| l.name.ident.to_string()));
        let (first, _) = self.walk_block(body, state.clone());
        let head = join(vec![state.clone(), first.clone()]);
        // The back edge brings nothing new: a second walk would repeat the
        // first (and nested loops would multiply the work).
        let second = if head.same_facts(&state) {
            first
        } else {
            self.walk_block(body, head.clone()).0
        };
        let mut exits = self.unit.loops.pop().unwrap_or_default();
        self.unit.loop_labels.pop();
        if !infinite {
            exits.push(join(vec![head, second]));
        }
        (join(exits), Val::default())
    }

    /// The processes a condition's true and false branches can be in, when
    /// it tests a fork's result.
    pub(super) fn split(&mut self, cond: &Expr, state: State) -> (State, Option<(usize, Procs, Procs)>) {
        match cond {
            Expr::Paren(p) => self.split(&p.expr, state),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                let (s, sp) = self.split(&u.expr, state);
                (s, sp.map(|(i, t, f)| (i, f, t)))
            }
            Expr::Binary(b) => {
                use syn::BinOp::*;
                if matches!(b.op, And(_) | Or(_)) {
                    let (s, l) = self.split(&b.left, state);
                    let (s, r) = self.split(&b.right, s);
                    let sp = match (l, r) {
                        (Some((i, t1, f1)), Some((j, t2, f2))) if i == j => {
                            if matches!(b.op, And(_)) {
                                Some((i, t1 & t2, f1 | f2))
                            } else {
                                Some((i, t1 | t2, f1 & f2))
                            }
                        }
                        (Some((i, t, _)), None) | (None, Some((i, t, _))) if matches!(b.op, And(_)) => {
                            Some((i, t, ALL))
                        }
                        (Some((i, _, f)), None) | (None, Some((i, _, f))) => Some((i, ALL, f)),
                        _ => None,
                    };
                    return (s, sp);
                }
                let (s, lv) = self.eval(&b.left, state);
                let (s, rv) = self.eval(&b.right, s);
                let (fork, lit, flipped) = match (lv.fork, rv.fork) {
                    (Some(f), None) => (f, int_lit(&b.right), false),
                    (None, Some(f)) => (f, int_lit(&b.left), true),
                    _ => return (s, None),
                };
                let Some(n) = lit else { return (s, None) };
                let (idx, shape, _) = fork;
                if shape != ForkResultShape::Raw {
                    return (s, None);
                }
                // Which processes satisfy `pid OP n` (pid: 0 child, >0 parent, -1 failed).
                let op = b.op;
                let holds = |pid: i64| -> bool {
                    let (l, r) = if flipped { (n, pid) } else { (pid, n) };
                    match op {
                        Eq(_) => l == r,
                        Ne(_) => l != r,
                        Lt(_) => l < r,
                        Le(_) => l <= r,
                        Gt(_) => l > r,
                        Ge(_) => l >= r,
                        _ => true,
                    }
                };
                let mut t = 0;
                for (pid, p) in [(0, CHILD), (1, PARENT), (-1, FAILED)] {
                    if holds(pid) {
                        t |= p;
                    }
                }
                if !matches!(op, Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_)) {
                    return (s, None);
                }
                (s, Some((idx, t, ALL & !t)))
            }
            Expr::MethodCall(m) if self.knowledge.fork_predicates.contains_key(&m.method.to_string()) => {
                let (s, v) = self.eval(&m.receiver, state);
                let Some((idx, shape, _)) = v.fork else {
                    return (s, None);
                };
                let predicate = &self.knowledge.fork_predicates[&m.method.to_string()];
                if predicate
                    .shape
                    .as_deref()
                    .is_some_and(|only| only != shape.name())
                {
                    return (s, None);
                }
                let t = match predicate.process {
                    crate::knowledge::ForkProcess::Child => CHILD,
                    crate::knowledge::ForkProcess::Parent => PARENT,
                };
                (s, Some((idx, t, ALL & !t)))
            }
            Expr::Let(l) => {
                self.bind_diverging_fn(&l.pat, &l.expr);
                let (s, v) = self.eval(&l.expr, state);
                let Some((idx, shape, possible)) = v.fork else {
                    return (s, None);
                };
                let t = pat_procs(&l.pat, possible, shape);
                (s, Some((idx, t, ALL & !(t & !guarded(&l.pat)))))
            }
            other => {
                let (s, _) = self.eval(other, state);
                (s, None)
            }
        }
    }

    pub(super) fn narrow(&self, mut state: State, idx: usize, mask: Procs) -> State {
        if let Some(f) = state.slices.fork.as_mut() {
            if f.idx == idx {
                f.procs &= mask;
                if f.procs == 0 {
                    state.live = false;
                }
            }
        }
        state
    }

    /// A condition on how the program was started (`if
    /// std::env::args().nth(1).as_deref() == Some("--worker")`, `if
    /// env::var_os("CHILD").is_some()`): it calls a role source of
    /// rules/process.toml or reads a variable that holds what one returned.
    pub(super) fn is_role_switch(&self, cond: &Expr, calls_role_source: bool) -> bool {
        calls_role_source
            || (!self.unit.role_vars.is_empty() && {
                let t = self.src(cond);
                t.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| self.unit.role_vars.iter().any(|v| v == w))
            })
    }

    pub(super) fn walk_if(&mut self, i: &syn::ExprIf, state: State) -> (State, Val) {
        let temps = self.on_temporaries_open();
        let role_reads = self.unit.role_reads;
        let (state, split) = self.split(&i.cond, state);
        let calls_role_source = self.unit.role_reads > role_reads;
        let (mut then_in, mut else_in) = match split {
            Some((idx, t, f)) => (self.narrow(state.clone(), idx, t), self.narrow(state, idx, f)),
            None => (state.clone(), state),
        };
        // `if let Err(e) = ..`, `if ret < 0`: a branch that runs only after
        // a call failed (a test of a fork's result is a split instead).
        if split.is_none() {
            let nonzero_fails = |e: &Expr| self.zero_on_success(e);
            match error_test(&i.cond, &nonzero_fails, self.knowledge) {
                Some(true) => then_in.error_path = true,
                Some(false) => else_in.error_path = true,
                None => {}
            }
        }
        // A role switch on the command line or environment: the branch is
        // what a re-exec'd copy of the program runs.
        let role_switch = self.is_role_switch(&i.cond, calls_role_source);
        let calls_before = self.unit.calls.len();
        self.unit.in_role_branch += usize::from(role_switch);
        let branch = self.next_branch();
        self.unit.arms.push((branch, 0));
        let (then_out, tv) = if then_in.live {
            self.walk_block(&i.then_branch, then_in)
        } else {
            (then_in, Val::default())
        };
        self.unit.arms.pop();
        self.unit.in_role_branch -= usize::from(role_switch);
        if role_switch {
            let keys: Vec<Vec<String>> = self.unit.calls[calls_before..]
                .iter()
                .filter_map(|c| match &c.target {
                    Target::Local { keys } => Some(keys.clone()),
                    _ => None,
                })
                .collect();
            self.unit.role_calls.extend(keys);
        }
        self.unit.arms.push((branch, 1));
        let (else_out, ev) = match &i.else_branch {
            Some((_, e)) if else_in.live => self.eval(e, else_in),
            _ => (else_in, Val::default()),
        };
        self.unit.arms.pop();
        let else_end = match &i.else_branch {
            Some((_, e)) => self.span(e),
            None => self.close_span(&i.then_branch),
        };
        let branches = vec![(then_out, self.close_span(&i.then_branch)), (else_out, else_end)];
        let mut out = self.merge_branches(branches, split.map(|s| s.0));
        self.on_temporaries_close(temps, None, &mut out);
        let mut v = tv;
        v.guards.extend(ev.guards);
        (out, v)
    }

    pub(super) fn walk_match(&mut self, m: &syn::ExprMatch, state: State) -> (State, Val) {
        let temps = self.on_temporaries_open();
        let (state, scrut) = self.eval(&m.expr, state);
        let mut remaining = scrut.fork.map_or(ALL, |f| f.2);
        let mut value = Val::default();
        let mut branches = Vec::new();
        let branch = self.next_branch();
        for (n, arm) in m.arms.iter().enumerate() {
            self.unit.arms.push((branch, n as u16));
            self.bind_diverging_fn(&arm.pat, &m.expr);
            let mut arm_state = state.clone();
            if let Some((idx, shape, _)) = scrut.fork {
                let mask = pat_procs(&arm.pat, remaining, shape);
                arm_state = self.narrow(arm_state, idx, mask);
                if guarded(&arm.pat) == 0 {
                    remaining &= !mask;
                }
                if mask == 0 {
                    arm_state.live = false;
                }
            }
            if scrut.fork.is_none() && is_err_pat(&arm.pat) {
                arm_state.error_path = true;
            }
            if let Pat::Guard(g) = &arm.pat {
                let (s, _) = self.eval(&g.guard, arm_state);
                arm_state = s;
            }
            // `Ok(ends) => ends`: the arm's bindings hold the scrutinee's descriptors.
            self.fd_bind(&arm.pat, &scrut, &m.expr);
            // `Ok(r) => r`: the binding holds the fork's result.
            if let (Some((idx, shape, _)), (Some(name), _)) = (scrut.fork, pat_binding(&arm.pat)) {
                let mask = arm_state
                    .slices
                    .fork
                    .filter(|f| f.idx == idx)
                    .map_or(ALL, |f| f.procs);
                self.unit.fork_vars.push((name, idx, shape, mask));
            }
            let (end, v) = if arm_state.live {
                self.eval(&arm.body, arm_state)
            } else {
                (arm_state, Val::default())
            };
            if end.live {
                value.fork = value.fork.or(v.fork);
                value.fds.extend(v.fds);
                if value.fd_elems.is_none() {
                    value.fd_elems = v.fd_elems;
                }
            }
            let arm_end = match &*arm.body {
                Expr::Block(b) => self.close_span(&b.block),
                other => self.span(other),
            };
            branches.push((end, arm_end));
            self.unit.arms.pop();
        }
        let mut out = self.merge_branches(branches, scrut.fork.map(|f| f.0));
        // A match scrutinee's temporaries live through every arm, then die.
        self.on_temporaries_close(temps, None, &mut out);
        (out, value)
    }

    /// Joins the ends of a fork split's branches, noting a child branch
    /// that falls through into code the parent runs too, and the daemon
    /// pattern where the parent leaves at once and the child carries on.
    pub(super) fn merge_branches(&mut self, branches: Vec<(State, Span)>, fork_idx: Option<usize>) -> State {
        let mut fell_through = false;
        if let Some(idx) = fork_idx {
            let is_idx = |s: &State| s.slices.fork.is_some_and(|f| f.idx == idx);
            let live_parent = branches
                .iter()
                .any(|(s, _)| s.live && is_idx(s) && s.slices.fork.is_some_and(|f| f.procs & PARENT != 0));
            fell_through = live_parent && !self.unit.is_closure;
            if fell_through {
                for (s, end) in &branches {
                    if s.live && is_idx(s) && s.slices.fork.is_some_and(|f| f.procs == CHILD) {
                        self.escape_if_child(s, EscapeKind::FallThrough, end.clone());
                    }
                }
            }
            // Every parent leaves; the arm where fork failed (no child,
            // `-1 => return Err(..)`) may return as it likes.
            let all_child_or_exited = branches.iter().all(|(s, _)| {
                if s.live {
                    s.slices.fork.is_some_and(|f| f.procs & !CHILD == 0)
                } else {
                    s.exited || (is_idx(s) && s.slices.fork.is_some_and(|f| f.procs & !FAILED == 0))
                }
            });
            let child_lives = branches.iter().any(|(s, _)| s.live);
            if all_child_or_exited && child_lives && !self.unit.is_closure {
                self.facts.forks[idx].survivor = true;
            }
        }
        let mut states: Vec<State> = branches.into_iter().map(|(s, _)| s).collect();
        if let (Some(idx), true) = (fork_idx, fell_through) {
            // After a fall-through the merged child has escaped already.
            for s in states.iter_mut() {
                if let Some(f) = s.slices.fork.as_mut() {
                    if f.idx == idx && f.procs == CHILD && s.live {
                        f.escaped = true;
                    }
                }
            }
        }
        let exited = states.iter().all(|s| !s.live && s.exited);
        let mut out = join(states);
        out.exited = exited;
        out
    }
}
