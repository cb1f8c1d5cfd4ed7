//! File-descriptor facts: which values hold an open file description, and
//! which process reads, writes, seeks or closes them after a fork. Shared
//! by shared_file_offset and pipe_end_left_open.

use syn::{Expr, Pat};

use super::{pat_idents, path_ident, State, Target, Val, Walker, CHILD, PARENT};
use crate::analysis::facts::{CallSite, FdAfterCall, FdCall, FdFact, FdId, FdKind, FdOp, FdUse, Span};
use crate::knowledge::FdSourceKind;

impl Walker<'_> {
    fn new_fd(&mut self, span: Span, kind: FdKind, state: &mut State) -> FdId {
        let key = (span.start, span.end, kind);
        if let Some(&id) = self.file_scratch.fd_by_span.get(&key) {
            if !state.slices.fds.contains(&id) {
                state.slices.fds.push(id);
            }
            return id;
        }
        self.facts.fds.push(FdFact { span, kind });
        let id = self.facts.fds.len() - 1;
        self.file_scratch.fd_by_span.insert(key, id);
        state.slices.fds.push(id);
        id
    }

    fn next_pipe(&mut self) -> usize {
        self.file_scratch.pipes += 1;
        self.file_scratch.pipes
    }

    /// A path call that creates, wraps, closes or uses a descriptor.
    pub(in crate::analysis::flow) fn fd_call(
        &mut self,
        candidates: &[String],
        c: &syn::ExprCall,
        args: &[Val],
        span: Span,
        state: &mut State,
        val: &mut Val,
    ) {
        let k = self.knowledge;
        let in_loop = !self.unit.loops.is_empty();
        for callee in candidates {
            if let Some(src) = k.fd_sources.get(callee) {
                match src.kind {
                    FdSourceKind::File => {
                        let text = self.src(c);
                        let append = text.contains("O_APPEND");
                        val.fds = vec![self.new_fd(span.clone(), FdKind::File { append }, state)];
                    }
                    FdSourceKind::PipePair => {
                        let pipe = self.next_pipe();
                        let r = self.new_fd(span.clone(), FdKind::PipeRead(pipe), state);
                        let w = self.new_fd(span.clone(), FdKind::PipeWrite(pipe), state);
                        val.fd_elems = Some(vec![vec![r], vec![w]]);
                    }
                    FdSourceKind::PipeArray => {
                        // libc::pipe(fds.as_mut_ptr()): fds[0] reads, fds[1] writes.
                        let array = c.args.first().and_then(|a| array_of_ptr(a, self.knowledge));
                        if let Some(array) = array {
                            let pipe = self.next_pipe();
                            let r = self.new_fd(span.clone(), FdKind::PipeRead(pipe), state);
                            let w = self.new_fd(span.clone(), FdKind::PipeWrite(pipe), state);
                            self.unit.scratch.fds.vars.push((format!("{array}[0]"), vec![r]));
                            self.unit.scratch.fds.vars.push((format!("{array}[1]"), vec![w]));
                            self.unit.scratch.fds.vars.push((array, vec![r, w]));
                        }
                    }
                }
                if k.yields_raw_fd(callee) {
                    self.file_scratch.raw_fds.extend(val.fds.iter().copied());
                    for e in val.fd_elems.iter().flatten() {
                        self.file_scratch.raw_fds.extend(e.iter().copied());
                    }
                    let pipe_ends: Vec<FdId> = self
                        .unit
                        .scratch
                        .fds
                        .vars
                        .iter()
                        .rev()
                        .take(3)
                        .flat_map(|v| v.1.clone())
                        .collect();
                    if src.kind == FdSourceKind::PipeArray {
                        self.file_scratch.raw_fds.extend(pipe_ends);
                    }
                }
                return;
            }
            if k.fd_wrappers.contains_key(callee) {
                val.fds = args.iter().flat_map(|a| a.fds.iter().copied()).collect();
                return;
            }
            if k.fd_closers.contains_key(callee) {
                for fd in args.iter().flat_map(|a| a.fds.iter()) {
                    state.slices.fds.retain(|f| f != fd);
                }
                return;
            }
            if callee == "std::io::copy" {
                if let Some(a) = args.first() {
                    self.fd_use(state, &a.fds, FdOp::ReadToEof, span.clone());
                }
                if let Some(a) = args.get(1) {
                    self.fd_use(state, &a.fds, FdOp::Write, span.clone());
                }
                return;
            }
            if let Some(op) = self.knowledge.fd_calls.get(callee) {
                let op = if in_loop { op.in_loop } else { op.once };
                if let Some(a) = args.first() {
                    self.fd_use(state, &a.fds, op, span);
                }
                return;
            }
        }
    }

    /// A method call on a value that may hold a descriptor.
    pub(in crate::analysis::flow) fn fd_method(
        &mut self,
        m: &syn::ExprMethodCall,
        recv: &Val,
        span: Span,
        state: &mut State,
        val: &mut Val,
    ) {
        let method = m.method.to_string();
        // OpenOptions::new()...open(path): a file, appending if the chain says so.
        if method == "open" && recv.ty.as_deref().is_some_and(|t| t.ends_with("OpenOptions")) {
            let chain = self.src(&*m.receiver);
            let append = chain.contains(".append(true)");
            val.fds = vec![self.new_fd(span, FdKind::File { append }, state)];
            return;
        }
        if recv.fds.is_empty() && recv.fd_elems.is_none() {
            return;
        }
        if self.knowledge.fd_same_methods.contains_key(method.as_str()) {
            val.fds = recv.fds.clone();
            val.fd_elems = recv.fd_elems.clone();
        } else if let Some(op) = self.knowledge.fd_methods.get(method.as_str()) {
            let op = if self.unit.loops.is_empty() {
                op.once
            } else {
                op.in_loop
            };
            self.fd_use(state, &recv.fds, op, span);
            // `reader.lines()` yields the lines of the same file.
            val.fds = recv.fds.clone();
        }
    }

    /// For a pipe's read end: its write end, if this path still holds it.
    fn write_end_open(&self, state: &State, fd: FdId) -> Option<FdId> {
        let Some(FdKind::PipeRead(pipe)) = self.facts.fds.get(fd).map(|f| f.kind) else {
            return None;
        };
        state
            .slices
            .fds
            .iter()
            .copied()
            .find(|&w| self.facts.fds.get(w).map(|f| f.kind) == Some(FdKind::PipeWrite(pipe)))
    }

    /// The per-element descriptors of a variable bound to a pair of pipe ends.
    pub(in crate::analysis::flow) fn fd_elems_of(&self, expr: &Expr) -> Option<Vec<Vec<FdId>>> {
        if self.unit.scratch.fds.elem_vars.is_empty() {
            return None;
        }
        let text = self.src(expr);
        self.unit
            .scratch
            .fds
            .elem_vars
            .iter()
            .rev()
            .find(|(n, _)| *n == text)
            .map(|(_, e)| e.clone())
    }

    /// The descriptors a path or index expression names.
    pub(in crate::analysis::flow) fn fd_value(&self, expr: &Expr) -> Vec<FdId> {
        // A field of an fd-holding value (`self.file`) holds its descriptor.
        if let Expr::Field(f) = expr {
            return self.fd_value(&f.base);
        }
        if self.unit.scratch.fds.vars.is_empty() {
            return Vec::new();
        }
        let mut vars = self.unit.scratch.fds.vars.iter().rev();
        let found = match expr {
            // A plain variable: compare its name, no need to read the source.
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let ident = &p.path.segments[0].ident;
                vars.find(|(n, _)| ident == n)
            }
            _ => {
                let text = self.src(expr);
                vars.find(|(n, _)| *n == text)
            }
        };
        found.map(|(_, f)| f.clone()).unwrap_or_default()
    }

    /// Moving an owned descriptor into a call that is not a wrapper hands
    /// it over: this process no longer holds it after the call.
    pub(in crate::analysis::flow) fn fd_moved(&mut self, arg: &Expr, state: &mut State) {
        if path_ident(arg).is_none() {
            return;
        }
        let fds = self.fd_value(arg);
        let owned = fds.iter().all(|&f| !self.file_scratch.raw_fds.contains(&f));
        if owned {
            state.slices.fds.retain(|f| !fds.contains(f));
        }
    }

    fn fd_use(&mut self, state: &State, fds: &[FdId], op: FdOp, span: Span) {
        // Inside a helper: remember what it does to its parameters.
        for &fd in fds {
            if let Some(FdKind::Param(i)) = self.facts.fds.get(fd).map(|f| f.kind) {
                if !self.unit.scratch.fds.params.contains(&(i, op)) {
                    self.unit.scratch.fds.params.push((i, op));
                }
            }
        }
        // After passing it to a function of the crate (which may fork).
        if state.slices.fork.is_none() && state.live {
            for &fd in fds {
                for (_, keys, param, call) in self.unit.scratch.fds.passed.iter().filter(|p| p.0 == fd) {
                    let after = FdAfterCall {
                        keys: keys.clone(),
                        param: *param,
                        fd,
                        file: self.file,
                        call: call.clone(),
                        span: span.clone(),
                        op,
                    };
                    if !self.facts.fd_after_calls.contains(&after) {
                        self.facts.fd_after_calls.push(after);
                    }
                }
            }
        }
        let Some(ctx) = state.slices.fork.filter(|_| state.live) else {
            return;
        };
        for &fd in fds {
            let write_end_open = self.write_end_open(state, fd);
            for (bit, child) in [(CHILD, true), (PARENT, false)] {
                if ctx.procs & bit == 0 || (child && ctx.escaped) {
                    continue;
                }
                let u = FdUse {
                    fd,
                    child,
                    span: span.clone(),
                    op,
                    write_end_open,
                };
                let uses = &mut self.facts.forks[ctx.idx].fd_uses;
                if !uses.contains(&u) {
                    uses.push(u);
                }
            }
        }
    }

    /// `let fd = libc::open(..)`, `let (r, w) = pipe()?`: the variables
    /// hold the descriptors created (`created`, in the file's facts) while
    /// the initializer was evaluated.
    pub(in crate::analysis::flow) fn fds_created_for(&mut self, pat: &Pat, created: std::ops::Range<usize>) {
        if created.is_empty() {
            return;
        }
        let mut names = Vec::new();
        pat_idents(pat, &mut names);
        for n in names {
            for idx in created.clone() {
                self.unit.scratch.fds.unflagged.push((n.clone(), idx));
            }
        }
    }

    /// A call is recorded: once the program execs or starts a process, a
    /// descriptor made without close-on-exec has leaked (closing it later
    /// is too late); a function of the crate may start one, which the rule
    /// asks of an entry point's descriptors (see `entry_end`).
    pub(in crate::analysis::flow) fn fds_on_call_recorded(&mut self, site: &CallSite, starts_process: bool) {
        if starts_process {
            self.unit.scratch.fds.unflagged.clear();
        } else if let (Target::Local { keys }, true) = (&site.target, self.in_entry) {
            for (_, idx) in self.unit.scratch.fds.unflagged.iter() {
                let later = &mut self.facts.fds_without_cloexec[*idx].later_calls;
                if !later.contains(keys) {
                    later.push(keys.clone());
                }
            }
        }
    }

    /// An entry point ends having made a descriptor and neither exec'd,
    /// spawned, forked nor called the crate's code after it: when `main`
    /// returns nothing runs any more; after a test only other tests do,
    /// which may run concurrently, but do not inherit it on purpose.
    pub(in crate::analysis::flow) fn fds_on_entry_end(&mut self) {
        for (_, idx) in std::mem::take(&mut self.unit.scratch.fds.unflagged) {
            self.facts.fds_without_cloexec[idx].entry_end = true;
        }
    }

    /// A value's descriptors are open on this path from here.
    pub(in crate::analysis::flow) fn fds_opened(&mut self, val: &Val, state: &mut State) {
        for fd in val.fds.iter().chain(val.fd_elems.iter().flatten().flatten()) {
            if !state.slices.fds.contains(fd) {
                state.slices.fds.push(*fd);
            }
        }
    }

    /// Binds `let name = value` for descriptors, including tuple and array
    /// patterns over a pipe's pair of ends.
    pub(in crate::analysis::flow) fn fd_bind(&mut self, pat: &syn::Pat, val: &Val, init: &Expr) {
        match pat {
            syn::Pat::Ident(i) if val.fds.is_empty() && val.fd_elems.is_some() => {
                // `Ok(ends) => ends`: a pair of pipe ends kept together.
                self.unit
                    .scratch
                    .fds
                    .elem_vars
                    .push((i.ident.to_string(), val.fd_elems.clone().unwrap_or_default()));
            }
            syn::Pat::Ident(i) if !val.fds.is_empty() => {
                self.unit
                    .scratch
                    .fds
                    .vars
                    .push((i.ident.to_string(), val.fds.clone()));
                if self.knowledge.yields_raw_fd(&self.src(init)) {
                    self.file_scratch.raw_fds.extend(val.fds.iter().copied());
                }
            }
            syn::Pat::Type(t) => self.fd_bind(&t.pat, val, init),
            // `let Ok(file) = File::open(..) else { .. }`
            syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => self.fd_bind(&ts.elems[0], val, init),
            syn::Pat::Reference(r) => self.fd_bind(&r.pat, val, init),
            syn::Pat::Tuple(syn::PatTuple { elems, .. }) | syn::Pat::Slice(syn::PatSlice { elems, .. }) => {
                let parts = val.fd_elems.clone().or_else(|| {
                    // `let [r, w] = fds;` over a pipe array.
                    let base = self.src(init);
                    let r = self
                        .unit
                        .scratch
                        .fds
                        .vars
                        .iter()
                        .rev()
                        .find(|(n, _)| *n == format!("{base}[0]"))?
                        .1
                        .clone();
                    let w = self
                        .unit
                        .scratch
                        .fds
                        .vars
                        .iter()
                        .rev()
                        .find(|(n, _)| *n == format!("{base}[1]"))?
                        .1
                        .clone();
                    Some(vec![r, w])
                });
                let Some(parts) = parts else { return };
                for (p, fds) in elems.iter().zip(parts) {
                    let v = Val {
                        fds,
                        ..Val::default()
                    };
                    self.fd_bind(p, &v, init);
                }
            }
            _ => {}
        }
    }
}

impl Walker<'_> {
    /// Each parameter (and `self`) of the function being walked holds a
    /// placeholder descriptor, so its summary can say what it does to them.
    pub(in crate::analysis::flow) fn bind_params(&mut self, sig: &syn::Signature, state: &mut State) {
        for (i, input) in sig.inputs.iter().enumerate() {
            let (name, span) = match input {
                syn::FnArg::Receiver(r) => ("self".to_string(), self.span(r)),
                syn::FnArg::Typed(t) => match &*t.pat {
                    syn::Pat::Ident(p) => {
                        // `service: &Service`: its methods resolve to the crate's.
                        if let Some(ty) = crate::index::type_name(&t.ty) {
                            self.unit.var_types.push((p.ident.to_string(), ty));
                        }
                        self.command_param(&p.ident, &t.ty, i);
                        (p.ident.to_string(), self.span(&p.ident))
                    }
                    _ => continue,
                },
            };
            let fd = self.new_fd(span, FdKind::Param(i), state);
            self.unit.has_self |= name == "self" && i == 0;
            self.unit.param_positions.push(i);
            self.unit.params.push(name.clone());
            self.unit.scratch.fds.vars.push((name, vec![fd]));
        }
    }

    /// A function whose value is a file it opened: `Some(append)`.
    pub(in crate::analysis::flow) fn returned_file(&self, tail: &Val) -> Option<bool> {
        tail.fds
            .iter()
            .find_map(|&fd| match self.facts.fds.get(fd).map(|f| f.kind) {
                Some(FdKind::File { append }) => Some(append),
                _ => None,
            })
    }

    /// Descriptors passed to a function of the crate: recorded per
    /// parameter, resolved against the callee's summary by the rules.
    pub(in crate::analysis::flow) fn fd_args(
        &mut self,
        keys: &[String],
        args: &[(usize, &Val)],
        span: Span,
        state: &State,
    ) {
        for &(param, v) in args {
            for &fd in &v.fds {
                let kind = self.facts.fds.get(fd).map(|f| f.kind);
                if let Some(FdKind::Param(i)) = kind {
                    let call = (i, keys.to_vec(), param);
                    if !self.unit.scratch.fds.param_calls.contains(&call) {
                        self.unit.scratch.fds.param_calls.push(call);
                    }
                } else if matches!(kind, Some(FdKind::File { .. } | FdKind::Returned)) {
                    self.unit
                        .scratch
                        .fds
                        .passed
                        .push((fd, keys.to_vec(), param, span.clone()));
                }
                let Some(ctx) = state.slices.fork.filter(|_| state.live) else {
                    continue;
                };
                let write_end_open = self.write_end_open(state, fd);
                for (bit, child) in [(CHILD, true), (PARENT, false)] {
                    if ctx.procs & bit == 0 || (child && ctx.escaped) {
                        continue;
                    }
                    let c = FdCall {
                        keys: keys.to_vec(),
                        param,
                        fd,
                        child,
                        span: span.clone(),
                        write_end_open,
                    };
                    let calls = &mut self.facts.forks[ctx.idx].fd_calls;
                    if !calls.contains(&c) {
                        calls.push(c);
                    }
                }
            }
        }
    }

    /// The value of a call to a function of the crate may be a file it
    /// opened: a placeholder the rules resolve through `returns_file`.
    pub(in crate::analysis::flow) fn fd_returned(
        &mut self,
        keys: &[String],
        span: Span,
        state: &mut State,
    ) -> FdId {
        let fd = self.new_fd(span, FdKind::Returned, state);
        if !self.facts.returned_by.iter().any(|(f, _)| *f == fd) {
            self.facts.returned_by.push((fd, keys.to_vec()));
        }
        // Open only once bound to a variable (`walk_local`): most calls'
        // values are not files and are dropped at once.
        state.slices.fds.retain(|f| *f != fd);
        fd
    }
}

impl super::Lattice for Vec<FdId> {
    fn join(&mut self, other: Self) {
        super::union_by(self, other, |&f| f);
    }

    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// `fds.as_mut_ptr()` -> `fds` (rules/fd-creation.toml [array_pointer_methods]).
fn array_of_ptr(e: &Expr, knowledge: &crate::knowledge::Knowledge) -> Option<String> {
    match e {
        Expr::MethodCall(m)
            if knowledge
                .array_pointer_methods
                .contains_key(&m.method.to_string()) =>
        {
            path_ident(&m.receiver)
        }
        Expr::Reference(r) => array_of_ptr(&r.expr, knowledge).or_else(|| path_ident(&r.expr)),
        Expr::Cast(c) => array_of_ptr(&c.expr, knowledge),
        _ => None,
    }
}

/// What the walk of one function keeps about descriptors.
#[derive(Default)]
pub(in crate::analysis::flow) struct FdScratch {
    /// Variables (and `fds[0]`-style places) holding descriptors.
    pub(in crate::analysis::flow) vars: Vec<(String, Vec<FdId>)>,
    /// Variables holding a tuple of descriptors (`ends` of `Ok(ends)`).
    pub(in crate::analysis::flow) elem_vars: Vec<(String, Vec<Vec<FdId>>)>,
    /// What the function does with descriptors it receives as parameters.
    pub(in crate::analysis::flow) params: Vec<(usize, FdOp)>,
    /// Parameter N passed on as argument M of a call to these keys.
    pub(in crate::analysis::flow) param_calls: Vec<(usize, Vec<String>, usize)>,
    /// Descriptors of this unit passed to functions of the crate: (fd,
    /// callee keys, parameter, call).
    pub(in crate::analysis::flow) passed: Vec<(FdId, Vec<String>, usize, Span)>,
    /// The descriptor this function creates with its caller's flags.
    pub(in crate::analysis::flow) flag_wrapper: Option<crate::analysis::facts::FdFlagWrapper>,
    /// Descriptors created without close-on-exec here and not yet past an
    /// exec, spawn or fork, by the variable holding them: index into
    /// `FileFacts::fds_without_cloexec`.
    pub(in crate::analysis::flow) unflagged: Vec<(String, usize)>,
    /// Input positions of parameters whose descriptor it closes or makes
    /// close-on-exec.
    pub(in crate::analysis::flow) cloexec_params: Vec<usize>,
}
