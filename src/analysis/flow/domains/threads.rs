//! Threads: started and still running on a path (the evidence a fork's
//! child is judged by), their handles, and the joins that end them.

use super::*;

#[derive(Debug, Clone)]
pub(in crate::analysis::flow) struct LiveThread {
    pub(in crate::analysis::flow) id: usize,
    pub(in crate::analysis::flow) fact: ThreadFact,
    pub(in crate::analysis::flow) handle: Option<String>,
}

impl Lattice for Vec<LiveThread> {
    fn join(&mut self, other: Self) {
        super::union_by(self, other, |t| t.id);
    }

    fn same(&self, other: &Self) -> bool {
        self.iter().map(|t| t.id).eq(other.iter().map(|t| t.id))
    }
}

/// The threads running at a point (shown where a hook is registered, or a
/// call into the crate is made).
pub(in crate::analysis::flow) fn threads_here(state: &State) -> Vec<ThreadFact> {
    state.slices.threads.iter().map(|t| t.fact.clone()).collect()
}

/// The state before code that may or may not run (a closure, an async
/// block), with the threads that code started: what it added is kept, not
/// what it ended.
pub(in crate::analysis::flow) fn with_threads_of(mut before: State, end: State) -> State {
    if end.live {
        super::union_by(&mut before.slices.threads, end.slices.threads, |t| t.id);
    }
    before
}

/// Does a variable named `name` hold the handle of a thread running here?
pub(in crate::analysis::flow) fn holds_thread_handle(state: &State, name: &str) -> bool {
    state
        .slices
        .threads
        .iter()
        .any(|t| t.handle.as_deref() == Some(name))
}

impl Walker<'_> {
    /// A function's body begins: an entry point runs among the threads its
    /// attributes imply (the test harness's, a runtime's workers).
    pub(in crate::analysis::flow) fn threads_on_fn_start(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        state: &mut State,
    ) {
        if let Some((what, harness)) = thread_context(attrs, sig) {
            let id = self.id();
            state.slices.threads.push(LiveThread {
                id,
                fact: ThreadFact {
                    span: self.span(&sig.ident),
                    what,
                    harness,
                },
                handle: None,
            });
        }
    }

    /// `let handle = thread::spawn(..)`: the thread is known by its handle
    /// (joining it ends it).
    pub(in crate::analysis::flow) fn threads_bound(&mut self, name: &str, val: &Val, state: &mut State) {
        if let Some(t) = val.thread {
            if let Some(th) = state.slices.threads.iter_mut().find(|th| th.id == t) {
                th.handle = Some(name.to_string());
            }
        }
    }
}

impl Walker<'_> {
    /// `thread::scope(|s| body)`: the body runs here, on this thread, and
    /// the threads it starts with `s.spawn` run beside it until the scope
    /// ends, which joins them all.
    pub(in crate::analysis::flow) fn thread_scope(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        state: State,
    ) -> (State, Vec<Val>, Vec<String>) {
        let running: Vec<usize> = state.slices.threads.iter().map(|t| t.id).collect();
        let (mut state, vals, locks) = self.eval_args(args, false, state);
        state.slices.threads.retain(|t| running.contains(&t.id));
        (state, vals, locks)
    }

    pub(in crate::analysis::flow) fn add_thread(
        &mut self,
        state: &mut State,
        span: Span,
        what: String,
    ) -> usize {
        let id = self.id();
        let fact = ThreadFact {
            span,
            what,
            harness: false,
        };
        self.unit.scratch.threads.spawns.push(fact.clone());
        state.slices.threads.push(LiveThread {
            id,
            fact,
            handle: None,
        });
        id
    }
}

/// "thread spawned here", naming the locks its closure takes.
pub(in crate::analysis::flow) fn thread_what(locks: &[String]) -> String {
    if locks.is_empty() {
        "thread spawned here".to_string()
    } else {
        let names: Vec<String> = locks.iter().map(|l| format!("`{l}`")).collect();
        format!("thread spawned here; it locks {}", names.join(", "))
    }
}

/// Why a function body runs with other threads around.
/// The threads an entry point runs among, implied by its attributes: a
/// description, and whether they are only the test harness's.
pub(in crate::analysis::flow) fn thread_context(
    attrs: &[syn::Attribute],
    sig: &syn::Signature,
) -> Option<(String, bool)> {
    for a in attrs {
        // Most attributes are doc comments: look at the name first.
        if !is_entry_attr(a) {
            continue;
        }
        let path = a.path().to_token_stream().to_string().replace(' ', "");
        if path == "test" || path.ends_with("::test") {
            return Some((
                "a `#[test]` body runs on one of the test harness's threads".into(),
                true,
            ));
        }
        if path.ends_with("::main") && !path.starts_with("std") {
            return Some((
                format!("`#[{path}]` runs this body on an async runtime's worker threads"),
                false,
            ));
        }
    }
    if sig.asyncness.is_some() {
        return Some((
            "an `async fn` runs on an async runtime, which may have worker threads".into(),
            false,
        ));
    }
    None
}

impl Walker<'_> {
    /// A path call that starts a thread or a runtime's worker threads.
    pub(in crate::analysis::flow) fn threads_on_call(
        &mut self,
        ev: &PathCall,
        state: &mut State,
        val: &mut Val,
    ) {
        if let Some(Role::SpawnThread | Role::Runtime) = ev.role {
            let what = if ev.role == Some(Role::Runtime) {
                format!("`{}` starts worker threads here", display_path(ev.segs))
            } else {
                thread_what(ev.spawned_locks)
            };
            // The thread is shown at the callee (`thread::spawn`), found
            // only here: spans cost a lookup in proc-macro2's source map.
            val.thread = Some(self.add_thread(state, self.span(&ev.call.func), what));
        }
    }
}

impl Walker<'_> {
    /// A handle joined (its thread no longer runs), or stored in a collection.
    pub(in crate::analysis::flow) fn threads_on_method(&mut self, ev: &MethodCall, state: &mut State) {
        let stores = self.knowledge.storing_methods.contains_key(ev.method);
        let joins = self.knowledge.methods.get(ev.method).and_then(|f| f.role) == Some(Role::Join);
        match ev.method {
            _ if joins => {
                // Joining a handle ends its thread's evidence; joining the
                // loop variable over a collection of handles ends them all.
                let handle = path_ident(&ev.call.receiver);
                if let Some(h) = &handle {
                    // `let h = start_metrics(); h.join()`: the helper's thread is joined.
                    if let Some((_, call)) = self.unit.call_vars.iter().rev().find(|(v, _)| v == h) {
                        self.unit
                            .scratch
                            .threads
                            .joined_calls
                            .push((call.clone(), ev.span.clone()));
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
                    state.slices.threads.retain(|t| {
                        t.handle.as_deref() != Some(h.as_str()) && t.handle.as_deref() != coll.as_deref()
                    });
                }
            }
            _ if stores => {
                // handles.push(thread::spawn(..)): the collection holds the handle.
                if let (Some(coll), Some(t)) = (
                    path_ident(&ev.call.receiver),
                    ev.arg_vals.iter().find_map(|v| v.thread),
                ) {
                    if let Some(th) = state.slices.threads.iter_mut().find(|th| th.id == t) {
                        th.handle = Some(coll);
                    }
                }
            }
            _ => {}
        }
    }
}

/// What the walk of one function keeps about threads.
#[derive(Default)]
pub(in crate::analysis::flow) struct ThreadScratch {
    /// Threads it starts.
    pub(in crate::analysis::flow) spawns: Vec<ThreadFact>,
    /// Calls whose result (a thread handle) was joined: (call, join).
    pub(in crate::analysis::flow) joined_calls: Vec<(Span, Span)>,
}
