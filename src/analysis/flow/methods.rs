//! Method calls: receivers typed where the code states them, guards, writers, handles and the methods that pass a value through.

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
        if matches!(role, Some(Role::PreExec | Role::SpawnProcess)) {
            self.facts.starts_processes = true;
        }
        self.command_method(m, &span);
        if role == Some(Role::PreExec) {
            return self.pre_exec(m, state, span);
        }
        // The closure of `map_err`/`unwrap_or_else`/`or_else` runs only on
        // the error: an error path.
        let on_error = self.knowledge.error_closure_methods.contains_key(&method);
        let was_error = state.error_path;
        let mut state = state;
        state.error_path |= on_error;
        let (mut state, arg_vals, spawned_locks) = self.eval_args(&m.args, runs_elsewhere, state);
        state.error_path = was_error;
        // The receiver's type for a by-name method: stated, a variable's,
        // or a thread's handle.
        let recv_name = path_ident(&m.receiver);
        let recv_kind = recv_ty.clone().or_else(|| {
            let name = recv_name.as_deref()?;
            if let Some((_, t)) = self.unit.var_types.iter().rev().find(|v| v.0 == name) {
                return Some(t.clone());
            }
            let holds = |h: &str| state.threads.iter().any(|t| t.handle.as_deref() == Some(h));
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
        // Statics: a writing method is a write (the path itself was already
        // recorded as a read where it was evaluated).
        if let Some(name) = &recv.static_root {
            if self.knowledge.mutates(&method) || (method == "with" && self.closure_writes(&m.args)) {
                self.global_write(&state, name, span.clone());
            }
        }
        let guard = self
            .knowledge
            .guard_methods
            .get(&method)
            .filter(|g| match g.receiver {
                GuardReceiver::Any => true,
                GuardReceiver::LockType => {
                    self.is_rwlock(&m.receiver, &recv)
                    // A lock type the user declared (config `lock_types`).
                    || typed_key
                        .as_ref()
                        .and_then(|k| self.knowledge.function(k))
                        .is_some_and(|f| f.class == Some(Class::Locks))
                }
            });
        // Built by hand: this runs for every method call, and `format!`
        // costs several times as much.
        let mut text = String::with_capacity(method.len() + 3);
        text.push('.');
        text.push_str(&method);
        text.push_str("()");
        if let Some(guard) = guard {
            let recv_text = self.src(&*m.receiver);
            let stdio = is_stdio(&recv_text);
            let id = self.id();
            // try_lock never blocks; its guard (if it got one) is still held.
            let class = if !guard.blocks {
                Class::Safe
            } else if stdio {
                Class::Prints
            } else {
                Class::Locks
            };
            self.record_call(
                &state,
                CallSite {
                    span: span.clone(),
                    text,
                    target: Target::Known {
                        class,
                        why: format!("`{recv_text}.{method}()` takes a lock another thread may hold"),
                    },
                    kind: CallKind::Method,
                    role: None,
                    error_path: false,
                },
            );
            if stdio {
                val.ty = Some("std::io::StdoutLock".into());
            }
            let name = if stdio {
                "stdout".to_string()
            } else {
                recv_text.clone()
            };
            if !self.unit.locks_taken.contains(&name) {
                self.unit.locks_taken.push(name);
            }
            // Which lock, across functions: a struct field's or a static's.
            // A static by its name however its path is written
            // (`STATE`, `probe::STATE`).
            let static_name = match &*m.receiver {
                Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            };
            let owner = self
                .field_of(&m.receiver)
                .or_else(|| static_name.filter(|n| self.table.statics.contains(n)));
            if let Some(owner) = owner {
                self.facts.lock_sites.push(LockSite {
                    file: self.file,
                    span: span.clone(),
                    owner,
                    in_child: self.in_pre_exec || state.in_child_branch().is_some(),
                });
            }
            state.guards.push(LiveGuard {
                id,
                fact: GuardFact {
                    span,
                    lock: recv_text,
                    stdio,
                },
                binding: None,
                depth: self.depth,
            });
            self.unit.temps.push(id);
            val.guards.push(id);
            return (state, val);
        }
        self.fd_method(m, &recv, span.clone(), &mut state, &mut val);
        let writer_op = self.knowledge.writer_methods.get(&method).map(|w| w.op);
        if let Some((op, (sink, buffering))) =
            writer_op.and_then(|op| Some((op, self.sink_of(&m.receiver, &recv)?)))
        {
            match op {
                WriterOp::Flush => self.flushed(&mut state, &sink),
                WriterOp::Write => {
                    let text = m.args.first().and_then(str_lit);
                    self.note_output(&mut state, sink, buffering, text.as_deref(), false, span.clone());
                }
            }
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
        let stores = self.knowledge.storing_methods.contains_key(&method);
        match method.as_str() {
            "join" => {
                // Joining a handle ends its thread's evidence; joining the
                // loop variable over a collection of handles ends them all.
                let handle = path_ident(&m.receiver);
                if let Some(h) = &handle {
                    // `let h = start_metrics(); h.join()`: the helper's thread is joined.
                    if let Some((_, call)) = self.unit.call_vars.iter().rev().find(|(v, _)| v == h) {
                        self.unit.joined_calls.push((call.clone(), span.clone()));
                    }
                }
                if let Some(h) = handle {
                    let coll = self
                        .unit
                        .loop_vars
                        .iter()
                        .rev()
                        .find(|l| l.0 == h)
                        .map(|l| l.1.clone());
                    state.threads.retain(|t| {
                        t.handle.as_deref() != Some(h.as_str()) && t.handle.as_deref() != coll.as_deref()
                    });
                }
            }
            _ if stores => {
                // handles.push(thread::spawn(..)): the collection holds the handle.
                if let (Some(coll), Some(t)) =
                    (path_ident(&m.receiver), arg_vals.iter().find_map(|v| v.thread))
                {
                    if let Some(th) = state.threads.iter_mut().find(|th| th.id == t) {
                        th.handle = Some(coll);
                    }
                }
            }
            _ => {}
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
        self.command_args(m.args.iter(), &target, 1);
        if let Target::Local { keys } = &target {
            let mut args: Vec<(usize, &Val)> = vec![(0, &recv)];
            args.extend(arg_vals.iter().enumerate().map(|(i, v)| (i + 1, v)));
            self.fd_args(keys, &args, span.clone(), &state);
            let display = crate::index::display_key(&keys[0]).to_string();
            self.fd_wrapper_call(keys, m.args.iter(), true, &display, span.clone());
        }
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
        if matches!(role, Some(Role::SpawnThread | Role::Runtime)) {
            val.thread = Some(self.add_thread(&mut state, self.span(&m.method), thread_what(&spawned_locks)));
        }
        // `cmd.exec()` returns only when it failed.
        if role == Some(Role::Exec) {
            state.error_path = true;
        }
        (state, val)
    }
}
