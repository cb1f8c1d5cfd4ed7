//! Expressions: the evaluation dispatcher, aggregates, paths, assignments and reads and writes of globals.

use super::*;

impl Walker<'_> {
    pub(super) fn eval(&mut self, expr: &Expr, state: State) -> (State, Val) {
        if !state.live {
            return (state, Val::default());
        }
        if self.nesting > MAX_DEPTH {
            return (state, Val::default());
        }
        self.nesting += 1;
        let r = self.eval_inner(expr, state);
        self.nesting -= 1;
        r
    }

    pub(super) fn eval_all<'e>(
        &mut self,
        exprs: impl IntoIterator<Item = &'e Expr>,
        mut state: State,
    ) -> (State, Vec<Val>) {
        let mut vals = Vec::new();
        for e in exprs {
            let (s, v) = self.eval(e, state);
            state = s;
            vals.push(v);
        }
        (state, vals)
    }

    pub(super) fn eval_inner(&mut self, expr: &Expr, state: State) -> (State, Val) {
        match expr {
            Expr::Call(c) => self.eval_call(c, state),
            Expr::MethodCall(m) => self.eval_method(m, state),
            Expr::Macro(m) => self.eval_macro(&m.mac, self.span(&m.mac), state),
            Expr::If(i) => self.walk_if(i, state),
            Expr::Match(m) => self.walk_match(m, state),
            Expr::Block(b) => self.walk_block(&b.block, state),
            Expr::Unsafe(u) => self.walk_block(&u.block, state),
            Expr::Paren(p) => self.eval(&p.expr, state),
            Expr::Group(g) => self.eval(&g.expr, state),
            Expr::Loop(l) => self.walk_loop(l.label.as_ref(), &l.body, state, true),
            Expr::While(w) => {
                let (s, _) = self.eval(&w.cond, state);
                self.walk_loop(w.label.as_ref(), &w.body, s, false)
            }
            Expr::ForLoop(f) => {
                let (s, _) = self.eval(&f.expr, state);
                let coll = path_ident(&f.expr);
                if let (Some(c), (Some(v), _)) = (coll, pat_binding(&f.pat)) {
                    self.unit.loop_vars.push((v, c));
                }
                self.walk_loop(f.label.as_ref(), &f.body, s, false)
            }
            Expr::Closure(c) => {
                let calls = self.walk_closure_unit(c);
                (
                    state,
                    Val {
                        closure: Some(calls),
                        ..Val::default()
                    },
                )
            }
            Expr::Return(r) => {
                let (s, _) = match &r.expr {
                    Some(e) => self.eval(e, state),
                    None => (state, Val::default()),
                };
                if !self.unit.is_closure {
                    self.escape_if_child(&s, EscapeKind::Return, self.span(r));
                    self.note_flush(&s);
                }
                (State { live: false, ..s }, Val::default())
            }
            Expr::Try(t) => {
                let (s, mut v) = self.eval(&t.expr, state);
                // `fork()?` returns only where the fork failed, never in the child.
                if !self.unit.is_closure && v.fork.is_none() {
                    self.escape_if_child(&s, EscapeKind::Try, self.span(&t.question_token));
                }
                if let Some((_, _, p)) = v.fork.as_mut() {
                    *p &= !FAILED;
                }
                (s, v)
            }
            Expr::Break(b) => {
                let (s, _) = match &b.expr {
                    Some(e) => self.eval(e, state),
                    None => (state, Val::default()),
                };
                self.loop_exit(s, self.span(b), b.label.as_ref())
            }
            Expr::Continue(c) => self.loop_exit(state, self.span(c), c.label.as_ref()),
            Expr::Assign(a) => self.eval_assign(a, state),
            Expr::Index(i) => {
                let (s, _) = self.eval(&i.expr, state);
                let (s, _) = self.eval(&i.index, s);
                // `fds[0]`: a literal index into a fixed array is checked at compile time.
                if int_lit(&i.index).is_none() {
                    self.escape_if_child(&s, EscapeKind::Panic, self.span(i));
                }
                let fds = self.fd_value(expr);
                (
                    s,
                    Val {
                        fds,
                        ..Val::default()
                    },
                )
            }
            Expr::Binary(b) => {
                let (s, _) = self.eval(&b.left, state);
                let (s, _) = self.eval(&b.right, s);
                if matches!(b.op, syn::BinOp::BitOrAssign(_)) {
                    self.flags_added(&b.left, &b.right);
                }
                if is_compound_assign(&b.op) {
                    if let Some(name) = self.static_root(&b.left) {
                        self.global_write(&s, &name, self.span(b));
                    }
                    let target = self.src(&*b.left);
                    self.child_assign(&s, &target, self.span(b));
                }
                (s, Val::default())
            }
            Expr::Unary(u) => self.eval(&u.expr, state),
            Expr::Reference(r) => self.eval(&r.expr, state),
            Expr::Cast(c) => self.eval(&c.expr, state),
            Expr::Field(f) => {
                let (s, v) = self.eval(&f.base, state);
                let ty = self.field_type(&f.base, v.ty.as_deref(), &f.member);
                (
                    s,
                    Val {
                        static_root: v.static_root,
                        fds: v.fds,
                        ty,
                        ..Val::default()
                    },
                )
            }
            Expr::Await(a) => self.eval(&a.base, state),
            Expr::Tuple(t) => self.eval_aggregate(t.elems.iter(), state, None),
            Expr::Array(a) => self.eval_aggregate(a.elems.iter(), state, None),
            Expr::Struct(st) => {
                let ty = st.path.segments.last().map(|s| s.ident.to_string());
                // A closure stored in a field (`hook: Box::new(|| ..)`) is
                // the field's: walked once, as a closure kept for later.
                let mut rest = Vec::new();
                for f in &st.fields {
                    self.store_field_param(&f.member, &f.expr);
                    match self.kept_closure(&f.expr) {
                        Some(calls) => self.store_field_closure(&f.member, calls),
                        None => rest.push(&f.expr),
                    }
                }
                let (s, v) = self.eval_aggregate(rest, state, ty);
                match &st.rest {
                    Some(rest) => (self.eval(rest, s).0, v),
                    None => (s, v),
                }
            }
            Expr::Repeat(r) => self.eval(&r.expr, state),
            Expr::Range(r) => {
                let (s, _) = self.eval_all(r.start.iter().chain(r.end.iter()).map(|b| &**b), state);
                (s, Val::default())
            }
            Expr::Let(l) => self.eval(&l.expr, state),
            Expr::Path(p) => {
                let mut v = self.path_value(&p.path);
                v.fds = self.fd_value(expr);
                v.fd_elems = self.fd_elems_of(expr);
                if let Some(name) = &v.static_root {
                    self.global_read(&state, name, self.span(p));
                }
                (state, v)
            }
            // An async block runs when awaited, maybe later: its code is
            // walked as a closure's that may run here (what it forks or
            // hooks is found; its `return` and `?` leave only the block).
            Expr::Async(a) => {
                let was = std::mem::replace(&mut self.unit.is_closure, true);
                let (end, _) = self.walk_block(&a.block, state.clone());
                self.unit.is_closure = was;
                (with_threads_of(state, end), Val::default())
            }
            Expr::TryBlock(_) => (state, Val::default()),
            _ => (state, Val::default()),
        }
    }

    pub(super) fn eval_aggregate<'e>(
        &mut self,
        elems: impl IntoIterator<Item = &'e Expr>,
        state: State,
        ty: Option<String>,
    ) -> (State, Val) {
        let (s, vals) = self.eval_all(elems, state);
        let mut out = Val { ty, ..Val::default() };
        let mut elems = Vec::new();
        for v in vals {
            out.guards.extend(v.guards);
            elems.push(v.fds);
        }
        if elems.iter().any(|e| !e.is_empty()) {
            out.fd_elems = Some(elems);
        }
        (s, out)
    }

    /// The value of a path expression: a variable holding a fork result,
    /// guard, thread handle or closure, or a static.
    pub(super) fn path_value(&self, path: &syn::Path) -> Val {
        let mut v = Val::default();
        let Some(last) = path.segments.last() else {
            return v;
        };
        let name = last.ident.to_string();
        if path.segments.len() != 1 {
            // `stats::HITS`: a static reached through its module.
            v.static_root = self.static_key(path);
            return v;
        }
        if let Some((_, idx, shape, procs)) = self.unit.fork_vars.iter().rev().find(|f| f.0 == name) {
            v.fork = Some((*idx, *shape, *procs));
        }
        if let Some((_, calls)) = self.unit.closures.iter().rev().find(|c| c.0 == name) {
            v.closure = Some(calls.clone());
        }
        v.static_root = self.static_key(path);
        if let Some((_, ty)) = self.unit.var_types.iter().rev().find(|t| t.0 == name) {
            v.ty = Some(ty.clone());
        }
        v
    }

    pub(super) fn is_local_var(&self, name: &str) -> bool {
        self.unit.var_types.iter().any(|t| t.0 == name) || self.unit.fork_vars.iter().any(|f| f.0 == name)
    }

    pub(super) fn eval_assign(&mut self, a: &syn::ExprAssign, state: State) -> (State, Val) {
        let (mut s, v) = self.eval(&a.right, state);
        if let Expr::Field(f) = &*a.left {
            if let Some(calls) = &v.closure {
                self.store_field_closure(&f.member, calls.clone());
            }
            self.store_field_param(&f.member, &a.right);
        }
        if !matches!(&*a.left, Expr::Path(_)) {
            s = self.eval(&a.left, s).0;
        }
        let target = self.src(&*a.left);
        self.on_assigned(a, &target, &v, &mut s);
        (s, Val::default())
    }
}
