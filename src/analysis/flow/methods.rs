//! Method calls: receivers typed where the code states them, the methods that pass a value through, resolution; what a method means to each domain is theirs (`domains::on_method`).

use super::*;

impl Walker<'_> {
    pub(super) fn eval_method(&mut self, m: &syn::ExprMethodCall, state: State) -> (State, Val) {
        let method = m.method.to_string();
        let (state, recv) = self.eval(&m.receiver, state);
        let span = self.span(m);
        // Type of the receiver where the code states it.
        let recv_is_self = matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self"));
        let recv_ty = recv.ty.clone().or_else(|| {
            if recv_is_self {
                self.impl_type.clone()
            } else {
                None
            }
        });
        let typed_key = recv_ty.as_ref().and_then(|t| self.typed_method(t, &method));
        let role = typed_key
            .as_ref()
            .and_then(|k| self.knowledge.function(k))
            .and_then(|f| f.role)
            // A method of the crate's own type is that method, not a std
            // one of the same name (`Exec::pre_exec` runs no hook in a fork).
            .or_else(|| {
                let own = typed_key
                    .as_ref()
                    .is_some_and(|k| self.table.functions.contains(k));
                if own {
                    None
                } else {
                    self.knowledge.methods.get(&method).and_then(|f| f.role)
                }
            });
        let runs_elsewhere = matches!(role, Some(Role::SpawnThread | Role::Runtime));
        self.on_method_named(m, role, &span);
        if role == Some(Role::PreExec) {
            return self.pre_exec(m, state, span);
        }
        // The closure of `map_err`/`unwrap_or_else`/`or_else` runs only on
        // the error: an error path.
        let on_error = self.knowledge.error_closure_methods.contains_key(&method);
        let was_error = state.error_path;
        let mut state = state;
        state.error_path |= on_error;
        // On a fork's result the error is the failed fork's: the closure
        // runs in no child (`fork().unwrap_or_else(|e| exit(1))`), and
        // the other processes go on past it.
        let fork_error = recv.fork.filter(|_| on_error).map(|(idx, _, procs)| {
            let past = self.narrow(state.clone(), idx, procs & !FAILED);
            state = self.narrow(state.clone(), idx, FAILED);
            past
        });
        let (mut state, arg_vals, spawned_locks) = self.eval_args(&m.args, runs_elsewhere, state);
        state.error_path = was_error;
        if let Some(mut past) = fork_error {
            past.error_path = was_error;
            state = join(vec![past, state]);
        }
        // The receiver's type for a by-name method: stated, a variable's,
        // or a thread's handle.
        let recv_name = path_ident(&m.receiver);
        let recv_kind = recv_ty.clone().or_else(|| {
            let name = recv_name.as_deref()?;
            if let Some((_, t)) = self.unit.var_types.iter().rev().find(|v| v.0 == name) {
                return Some(t.clone());
            }
            let holds = |h: &str| holds_thread_handle(&state, h);
            let handle = holds(name) || self.unit.loop_vars.iter().any(|l| l.0 == name && holds(&l.1));
            handle.then(|| "JoinHandle".to_string())
        });
        let mut val = Val {
            static_root: recv.static_root.clone(),
            ty: recv
                .ty
                .clone()
                .filter(|_| self.knowledge.builder_methods.contains_key(&method)),
            ..Val::default()
        };
        if val.ty.is_none() {
            if let Some(key) = typed_key.as_deref().filter(|k| self.table.functions.contains(*k)) {
                self.type_returned(key, &mut val);
            }
        }
        let event = MethodCall {
            call: m,
            method: &method,
            span: span.clone(),
            recv: &recv,
            typed_key: typed_key.as_deref(),
            arg_vals: &arg_vals,
        };
        if self.on_method(&event, &mut state, &mut val) {
            return (state, val);
        }
        if let Some(vm) = self.knowledge.value_methods.get(&method) {
            use crate::knowledge::ValueOp;
            // `fork().expect(..)` panics only where the fork failed, not in the child.
            if vm.panics && recv.fork.is_none() {
                self.escape_if_child(&state, EscapeKind::Panic, self.span(&m.method));
            }
            val.fds = recv.fds;
            val.fd_elems = recv.fd_elems;
            match vm.op {
                ValueOp::Unwrap => {
                    val.guards = recv.guards;
                    val.fork = recv.fork.map(|(i, s, p)| (i, s, p & !FAILED));
                    val.thread = recv.thread;
                    val.ty = recv.ty;
                    val.tuple_tys = recv.tuple_tys;
                }
                // anyhow/eyre on a fork's result: still the fork's result.
                ValueOp::Context => val.fork = recv.fork,
                ValueOp::View => {
                    val.guards = recv.guards;
                    val.fork = recv.fork;
                }
            }
            return (state, val);
        }
        let target = if let Some(k) = &typed_key {
            match self.knowledge.function(k) {
                Some(f) => f.class.map_or(Target::Unknown, |class| Target::Known {
                    class,
                    why: f.why.clone(),
                }),
                None if self.table.functions.contains(k) => Target::Local {
                    keys: vec![k.clone()],
                },
                None => self.method_by_name(&method, recv_kind.as_deref()),
            }
        } else {
            self.method_by_name(&method, recv_kind.as_deref())
        };
        self.on_method_resolved(&event, &target, &state);
        self.closures_handed(&target, &arg_vals, 1);
        // Built by hand: this runs for every method call, and `format!`
        // costs several times as much.
        let mut text = String::with_capacity(method.len() + 3);
        text.push('.');
        text.push_str(&method);
        text.push_str("()");
        self.record_call(
            &state,
            CallSite {
                span: span.clone(),
                text,
                target,
                kind: CallKind::Method,
                role,
                error_path: false,
            },
        );
        self.on_method_recorded(&event, role, &spawned_locks, &mut state, &mut val);
        (state, val)
    }
}
