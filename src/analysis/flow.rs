//! The flow walk: each function body in evaluation order, with a state that
//! says which lock guards are live, whether other threads may be running,
//! and which processes (child, parent, fork failed) can be at this point.
//!
//! This is a forward may-analysis over the structured AST rather than an
//! explicit CFG: branches are walked on copies of the state and joined;
//! loops are walked twice so that facts flow along the back edge; `return`,
//! `break`, `?` and diverging calls end or split paths.

mod fds;
mod located;

use rustc_hash::FxHashMap;

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, Pat, Stmt};

use super::facts::*;
use crate::index::imports::{segments, Imports};
use crate::index::{mentions_rwlock, path_key, type_name, CrateTable};
use crate::knowledge::{Class, ForkResultShape, GuardReceiver, Knowledge, MacroSink, Role, WriterOp};
use crate::source::FileId;

/// Which processes can be at a point after a fork.
pub type Procs = u8;
pub const CHILD: Procs = 1;
pub const PARENT: Procs = 2;
pub const FAILED: Procs = 4;
const ALL: Procs = CHILD | PARENT | FAILED;

/// Nesting beyond the bound the parser is given is refused before the walk
/// (`crate::nesting`); this guard only keeps the recursion bounded.
use crate::nesting::MAX_DEPTH;

#[derive(Debug, Clone)]
struct LiveGuard {
    id: usize,
    fact: GuardFact,
    /// Variable (or `self.field`) holding it; `None` while a temporary.
    binding: Option<String>,
    depth: usize,
}

#[derive(Debug, Clone)]
struct LiveThread {
    id: usize,
    fact: ThreadFact,
    handle: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct ForkCtx {
    idx: usize,
    procs: Procs,
    /// exec was called on this path: later calls run only if it failed.
    execed: bool,
    /// An escape was already reported on this path.
    escaped: bool,
    /// How many loops enclosed the fork (a break out of them escapes).
    loop_depth: usize,
    /// The fork this process came out of before this one (a double fork):
    /// what it does at exit it does for that fork's copy of the buffers too.
    outer: Option<(usize, Procs)>,
}

#[derive(Debug, Clone)]
struct State {
    live: bool,
    /// The path ended by ending the process (exit, _exit, exec+_exit).
    exited: bool,
    guards: Vec<LiveGuard>,
    threads: Vec<LiveThread>,
    fork: Option<ForkCtx>,
    /// Output written into a userspace buffer and not flushed yet.
    pending: Vec<PendingOutput>,
    /// Descriptors open on this path (created and not closed).
    fds: Vec<FdId>,
}

impl State {
    fn new() -> State {
        State {
            live: true,
            exited: false,
            guards: Vec::new(),
            threads: Vec::new(),
            fork: None,
            pending: Vec::new(),
            fds: Vec::new(),
        }
    }

    fn dead() -> State {
        State {
            live: false,
            ..State::new()
        }
    }

    fn in_child(&self) -> Option<ForkCtx> {
        self.fork.filter(|f| self.live && f.procs & CHILD != 0)
    }

    /// In the child, before it escaped its branch: what it does here is
    /// the child's own doing (after an escape it is the escape's consequence).
    fn in_child_branch(&self) -> Option<ForkCtx> {
        self.in_child().filter(|f| !f.escaped)
    }

    /// Same guards, threads, fork context, pending output and descriptors.
    fn same_facts(&self, other: &State) -> bool {
        let ids = |s: &State| {
            (
                s.guards.iter().map(|g| g.id).collect::<Vec<_>>(),
                s.threads.iter().map(|t| t.id).collect::<Vec<_>>(),
            )
        };
        let fork = |s: &State| s.fork.map(|f| (f.idx, f.procs, f.execed, f.escaped));
        self.live == other.live
            && ids(self) == ids(other)
            && fork(self) == fork(other)
            && self.pending == other.pending
            && self.fds == other.fds
    }

    fn in_parent(&self) -> Option<ForkCtx> {
        self.fork.filter(|f| self.live && f.procs & PARENT != 0)
    }
}

fn join(states: Vec<State>) -> State {
    let mut live: Vec<State> = states.into_iter().filter(|s| s.live).collect();
    if live.is_empty() {
        return State::dead();
    }
    let mut out = live.remove(0);
    for s in live {
        for g in s.guards {
            if !out.guards.iter().any(|h| h.id == g.id) {
                out.guards.push(g);
            }
        }
        for t in s.threads {
            if !out.threads.iter().any(|h| h.id == t.id) {
                out.threads.push(t);
            }
        }
        for p in s.pending {
            if !out.pending.contains(&p) {
                out.pending.push(p);
            }
        }
        for f in s.fds {
            if !out.fds.contains(&f) {
                out.fds.push(f);
            }
        }
        out.fork = match (out.fork, s.fork) {
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
    out
}

/// What evaluating an expression yields, as far as the analysis cares.
#[derive(Debug, Clone, Default)]
struct Val {
    guards: Vec<usize>,
    fork: Option<(usize, ForkResultShape, Procs)>,
    thread: Option<usize>,
    closure: Option<Vec<CallSite>>,
    /// The receiver chain is rooted at this static.
    static_root: Option<String>,
    /// Type the value is known to have (`T::new()`, `T { .. }`).
    ty: Option<String>,
    /// Descriptors the value holds (a `File`, a pipe end, a raw fd).
    fds: Vec<FdId>,
    /// Per element, for tuples and arrays (`(read_end, write_end)`).
    fd_elems: Option<Vec<Vec<FdId>>>,
}

#[derive(Default)]
struct Unit {
    calls: Vec<CallSite>,
    spawns: Vec<ThreadFact>,
    fork_vars: Vec<(String, usize, ForkResultShape, Procs)>,
    var_types: Vec<(String, String)>,
    closures: Vec<(String, Vec<CallSite>)>,
    /// Variables (and `fds[0]`-style places) holding descriptors.
    fd_vars: Vec<(String, Vec<FdId>)>,
    /// Inside the branch of a role switch (nesting count).
    in_role_branch: usize,
    static_reads: Vec<(String, Span)>,
    static_writes: Vec<(String, Span, bool)>,
    role_calls: Vec<Vec<String>>,
    /// `let name = helper()`: the variable holds that call's result.
    call_vars: Vec<(String, Span)>,
    joined_calls: Vec<(Span, Span)>,
    /// Locks this unit takes (receiver text), to say which a thread may hold.
    locks_taken: Vec<String>,
    /// Calls to functions of the crate made with locks held or threads running.
    call_contexts: Vec<CallContext>,
    /// Variables holding a tuple of descriptors (`ends` of `Ok(ends)`).
    fd_elem_vars: Vec<(String, Vec<Vec<FdId>>)>,
    /// What the function does with descriptors it receives as parameters.
    fd_params: Vec<(usize, FdOp)>,
    fd_param_calls: Vec<(usize, Vec<String>, usize)>,
    /// Descriptors of this unit passed to functions of the crate: (fd,
    /// callee keys, parameter, call).
    fd_passed: Vec<(FdId, Vec<String>, usize, Span)>,
    /// `let name = expr`: the expression's text, to follow flag variables.
    var_texts: Vec<(String, String)>,
    /// Calls made so far to a role source (`env::args`, `env::var`).
    role_reads: usize,
    /// Variables holding what a role source returned.
    role_vars: Vec<String>,
    /// Loop variable -> the collection it iterates (for joins of handles).
    loop_vars: Vec<(String, String)>,
    loops: Vec<Vec<State>>,
    /// Guards created in the current statement and not yet bound.
    temps: Vec<usize>,
    is_closure: bool,
}

pub struct Walker<'a> {
    file: FileId,
    /// The file's text: code is read from it by span (cheaper than
    /// printing tokens back).
    text: &'a str,
    /// Where each line of the parsed text starts (absolute offsets), and
    /// whether it is all ASCII (a column is then a count of bytes): spans
    /// are turned into byte offsets from their line and column, which is
    /// cheap, instead of through proc-macro2's char-to-byte table. Found at
    /// the first span asked for: a file of left-out tests asks for none.
    lines: std::cell::OnceCell<(Vec<usize>, bool)>,
    knowledge: &'a Knowledge,
    table: &'a CrateTable,
    imports: Vec<Imports>,
    impl_type: Option<String>,
    function: Option<String>,
    function_keys: Vec<String>,
    unit: Unit,
    depth: usize,
    nesting: usize,
    next_id: usize,
    fork_by_span: FxHashMap<(usize, usize), usize>,
    /// Locks taken by the last closure walked as its own unit.
    closure_locks: Vec<String>,
    fd_by_span: FxHashMap<(usize, usize, FdKind), FdId>,
    pipes: usize,
    /// Descriptors that are plain integers (copying them does not move them).
    raw_fds: Vec<FdId>,
    pub facts: FileFacts,
    /// Fork wrappers of this file found by an earlier walk of the same
    /// syntax tree, on top of the crate table's.
    pub own_wrappers: FxHashMap<String, ForkResultShape>,
    /// Walking the body of an entry point (`main`, a test): no code calls
    /// it, so it never runs in a child it did not fork itself.
    in_entry: bool,
    /// Leave entry points out, recording their keys in
    /// `FileFacts::deferred_entries`. Set for files that do not matter on
    /// their own (`demand::matters_alone`): there an entry point matters
    /// only if it calls something that forks or a rule reads what it does,
    /// which the analysis can tell once the rest of the crate is walked.
    pub defer_entries: bool,
}

impl<'a> Walker<'a> {
    pub fn new(file: FileId, text: &'a str, table: &'a CrateTable, knowledge: &'a Knowledge) -> Self {
        Walker {
            file,
            text,
            lines: std::cell::OnceCell::new(),
            knowledge,
            table,
            imports: Vec::new(),
            impl_type: None,
            function: None,
            function_keys: Vec::new(),
            unit: Unit::default(),
            depth: 0,
            nesting: 0,
            next_id: 0,
            fork_by_span: FxHashMap::default(),
            closure_locks: Vec::new(),
            fd_by_span: FxHashMap::default(),
            pipes: 0,
            raw_fds: Vec::new(),
            facts: FileFacts::default(),
            own_wrappers: FxHashMap::default(),
            in_entry: false,
            defer_entries: false,
        }
    }

    fn span<T: Spanned + located::Located>(&self, node: &T) -> Span {
        let (first, last) = node.ends().unwrap_or_else(|| {
            let s = node.span();
            (s, s)
        });
        let start = self.byte_at(first.start());
        start..self.byte_at(last.end()).max(start)
    }

    /// The offset in the text of a line and column (in characters) of the
    /// parsed text.
    fn byte_at(&self, at: proc_macro2::LineColumn) -> usize {
        let (line_starts, ascii) = self
            .lines
            .get_or_init(|| line_starts(self.text, super::stripped_prefix(self.text)));
        let Some(&start) = line_starts.get(at.line.saturating_sub(1)) else {
            return self.text.len();
        };
        if *ascii {
            return (start + at.column).min(self.text.len());
        }
        let line = &self.text[start..];
        match line.get(..at.column) {
            Some(head) if head.is_ascii() => start + at.column,
            _ => start + line.char_indices().nth(at.column).map_or(line.len(), |(i, _)| i),
        }
    }

    fn range_of(&self, span: proc_macro2::Span) -> Span {
        self.byte_at(span.start())..self.byte_at(span.end())
    }

    /// The source text of a node, without whitespace (`a.b ()` -> `a.b()`).
    fn src<T: Spanned + located::Located>(&self, node: &T) -> String {
        let r = self.span(node);
        self.text.get(r).map(without_whitespace).unwrap_or_default()
    }

    fn id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id
    }

    // ----- items -----

    pub fn walk_file(&mut self, file: &syn::File) {
        self.imports.push(Imports::from_items(&file.items));
        self.walk_items(&file.items);
        self.imports.pop();
    }

    fn walk_items(&mut self, items: &[syn::Item]) {
        for item in items {
            self.walk_item(item);
        }
    }

    fn walk_item(&mut self, item: &syn::Item) {
        match item {
            syn::Item::Fn(f) => {
                let name = f.sig.ident.to_string();
                self.walk_fn(&f.attrs, &f.sig, &f.block, vec![name]);
            }
            syn::Item::Impl(i) => {
                let saved = std::mem::replace(&mut self.impl_type, type_name(&i.self_ty));
                for it in &i.items {
                    if let syn::ImplItem::Fn(f) = it {
                        let name = f.sig.ident.to_string();
                        let key = path_key(self.impl_type.as_deref().unwrap_or("Self"), &name);
                        self.walk_fn(&f.attrs, &f.sig, &f.block, vec![key]);
                    }
                }
                self.impl_type = saved;
            }
            syn::Item::Trait(t) => {
                for it in &t.items {
                    if let syn::TraitItem::Fn(f) = it {
                        if let Some(block) = &f.default {
                            let name = f.sig.ident.to_string();
                            self.walk_fn(&f.attrs, &f.sig, block, vec![path_key("Self", &name)]);
                        }
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    // `use super::*` brings the parent module's names in scope.
                    let mut imports = if uses_super_glob(items) {
                        self.imports.last().cloned().unwrap_or_default()
                    } else {
                        Imports::default()
                    };
                    imports.add_items(items);
                    self.imports.push(imports);
                    self.walk_items(items);
                    self.imports.pop();
                }
            }
            _ => {}
        }
    }

    fn walk_fn(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        block: &syn::Block,
        keys: Vec<String>,
    ) {
        let entry = sig.ident == "main" || attrs.iter().any(is_entry_attr);
        if entry && self.defer_entries && !self.defines_fn(block) {
            self.facts.deferred_entries.push(keys);
            return;
        }
        let saved_unit = std::mem::take(&mut self.unit);
        let saved_fn = self.function.replace(sig.ident.to_string());
        let saved_keys = std::mem::replace(&mut self.function_keys, keys.clone());
        let saved_depth = std::mem::replace(&mut self.depth, 0);
        let saved_entry = std::mem::replace(&mut self.in_entry, entry);
        let mut state = State::new();
        if let Some(what) = thread_context(attrs, sig) {
            let id = self.id();
            state.threads.push(LiveThread {
                id,
                fact: ThreadFact {
                    span: self.span(&sig.ident),
                    what,
                },
                handle: None,
            });
        }
        self.bind_params(sig, &mut state);
        let (end, tail) = self.walk_block(block, state);
        self.escape_if_child(&end, EscapeKind::Return, self.close_span(block));
        self.note_flush(&end);
        let returns_file = self.returned_file(&tail);
        // The fork's result is the function's value and the child gets here too.
        let returns_fork = match (tail.fork, end.fork) {
            (Some((idx, shape, _)), Some(f)) if end.live && f.idx == idx && f.procs & CHILD != 0 => {
                Some(shape)
            }
            _ => None,
        };
        let unit = std::mem::replace(&mut self.unit, saved_unit);
        self.facts.functions.push(FnFact {
            keys,
            file: self.file,
            span: self.span(&sig.ident),
            calls: unit.calls,
            // Threads still running when it returns (joined ones do not count).
            spawns: if end.live {
                end.threads
                    .iter()
                    .map(|t| t.fact.clone())
                    .filter(|t| unit.spawns.contains(t))
                    .collect()
            } else {
                unit.spawns
            },
            call_contexts: unit.call_contexts,
            static_reads: unit.static_reads,
            static_writes: unit.static_writes,
            role_calls: unit.role_calls,
            joined_calls: unit.joined_calls,
            fd_params: unit.fd_params,
            fd_param_calls: unit.fd_param_calls,
            returns_file,
            returns_fork,
            entry,
        });
        self.in_entry = saved_entry;
        self.function = saved_fn;
        self.function_keys = saved_keys;
        self.depth = saved_depth;
    }

    /// Does the block define a function inside it (which would be left out
    /// with an entry point)? By the word `fn` in its code, as the scan finds
    /// words (also a `fn(..)` type: a false yes costs only time).
    fn defines_fn(&self, block: &syn::Block) -> bool {
        let body = self.range_of(block.brace_token.span.join());
        let fn_word = [crate::scan::CalledName {
            name: "fn".to_string(),
            method: true,
        }];
        self.text
            .get(body)
            .is_none_or(|code| crate::scan::mentions_any(code, &fn_word))
    }

    /// The closing brace of a block: where a child falls out of it.
    fn close_span(&self, block: &syn::Block) -> Span {
        self.range_of(block.brace_token.span.close())
    }

    // ----- blocks and statements -----

    fn walk_block(&mut self, block: &syn::Block, mut state: State) -> (State, Val) {
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
            let (s, v) = self.walk_stmt(stmt, state);
            state = s;
            if is_tail {
                val = v;
            }
        }
        self.depth -= 1;
        let depth = self.depth;
        // Guards bound in this block die at its end, unless the block's value carries them out.
        state
            .guards
            .retain(|g| g.binding.is_none() || g.depth <= depth || val.guards.contains(&g.id));
        if has_use {
            self.imports.pop();
        }
        (state, val)
    }

    fn walk_stmt(&mut self, stmt: &Stmt, state: State) -> (State, Val) {
        let saved_temps = std::mem::take(&mut self.unit.temps);
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
        let temps = std::mem::replace(&mut self.unit.temps, saved_temps);
        state
            .guards
            .retain(|g| !(g.binding.is_none() && temps.contains(&g.id) && !val.guards.contains(&g.id)));
        (state, val)
    }

    fn walk_local(&mut self, local: &syn::Local, state: State) -> State {
        let (name, ty) = pat_binding(&local.pat);
        let Some(init) = &local.init else { return state };
        let role_reads = self.unit.role_reads;
        let (mut state, val) = self.eval(&init.expr, state);
        let reads_role = self.unit.role_reads > role_reads;
        if let Some((_, diverge)) = &init.diverge {
            // `let Ok(x) = e else { return }`: the else path must diverge.
            let (end, _) = self.eval(diverge, state.clone());
            if end.live {
                state = join(vec![state, end]);
            }
        }
        self.fd_bind(&local.pat, &val, &init.expr);
        for fd in val.fds.iter().chain(val.fd_elems.iter().flatten().flatten()) {
            if !state.fds.contains(fd) {
                state.fds.push(*fd);
            }
        }
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
        for g in state.guards.iter_mut() {
            if val.guards.contains(&g.id) {
                g.binding = Some(name.clone());
                g.depth = self.depth;
            }
        }
        self.unit.temps.retain(|t| !val.guards.contains(t));
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
        if let Some(t) = val.thread {
            if let Some(th) = state.threads.iter_mut().find(|th| th.id == t) {
                th.handle = Some(name.clone());
            }
        }
        if let Some(calls) = val.closure {
            self.unit.closures.push((name, calls));
        }
        state
    }

    // ----- expressions -----

    fn eval(&mut self, expr: &Expr, state: State) -> (State, Val) {
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

    fn eval_all<'e>(
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

    fn eval_inner(&mut self, expr: &Expr, state: State) -> (State, Val) {
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
            Expr::Loop(l) => self.walk_loop(None, &l.body, state, true),
            Expr::While(w) => {
                let (s, _) = self.eval(&w.cond, state);
                self.walk_loop(None, &w.body, s, false)
            }
            Expr::ForLoop(f) => {
                let (s, _) = self.eval(&f.expr, state);
                let coll = path_ident(&f.expr);
                if let (Some(c), (Some(v), _)) = (coll, pat_binding(&f.pat)) {
                    self.unit.loop_vars.push((v, c));
                }
                self.walk_loop(None, &f.body, s, false)
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
                self.loop_exit(s, self.span(b))
            }
            Expr::Continue(c) => self.loop_exit(state, self.span(c)),
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
                if is_compound_assign(&b.op) {
                    if let Some(name) = static_root(&b.left) {
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
                (
                    s,
                    Val {
                        static_root: v.static_root,
                        fds: v.fds,
                        ..Val::default()
                    },
                )
            }
            Expr::Await(a) => self.eval(&a.base, state),
            Expr::Tuple(t) => self.eval_aggregate(t.elems.iter(), state, None),
            Expr::Array(a) => self.eval_aggregate(a.elems.iter(), state, None),
            Expr::Struct(st) => {
                let ty = st.path.segments.last().map(|s| s.ident.to_string());
                let (s, v) = self.eval_aggregate(st.fields.iter().map(|f| &f.expr), state, ty);
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
            Expr::Async(_) | Expr::TryBlock(_) => (state, Val::default()),
            _ => (state, Val::default()),
        }
    }

    fn eval_aggregate<'e>(
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
    fn path_value(&self, path: &syn::Path) -> Val {
        let mut v = Val::default();
        let Some(last) = path.segments.last() else {
            return v;
        };
        let name = last.ident.to_string();
        if path.segments.len() != 1 {
            // `stats::HITS`: a static reached through its module.
            if self.table.statics.contains(&name) {
                v.static_root = Some(name);
            }
            return v;
        }
        if let Some((_, idx, shape, procs)) = self.unit.fork_vars.iter().rev().find(|f| f.0 == name) {
            v.fork = Some((*idx, *shape, *procs));
        }
        if let Some((_, calls)) = self.unit.closures.iter().rev().find(|c| c.0 == name) {
            v.closure = Some(calls.clone());
        }
        if self.table.statics.contains(&name) && !self.is_local_var(&name) {
            v.static_root = Some(name.clone());
        }
        if let Some((_, ty)) = self.unit.var_types.iter().rev().find(|t| t.0 == name) {
            v.ty = Some(ty.clone());
        }
        v
    }

    fn is_local_var(&self, name: &str) -> bool {
        self.unit.var_types.iter().any(|t| t.0 == name) || self.unit.fork_vars.iter().any(|f| f.0 == name)
    }

    fn eval_assign(&mut self, a: &syn::ExprAssign, state: State) -> (State, Val) {
        let (mut s, v) = self.eval(&a.right, state);
        if !matches!(&*a.left, Expr::Path(_)) {
            s = self.eval(&a.left, s).0;
        }
        if let Some(name) = static_root(&a.left) {
            self.global_write(&s, &name, self.span(a));
        }
        let target = self.src(&*a.left);
        self.child_assign(&s, &target, self.span(a));
        // Reassigning a guard variable drops the old guard.
        s.guards
            .retain(|g| g.binding.as_deref() != Some(target.as_str()) || v.guards.contains(&g.id));
        for g in s.guards.iter_mut() {
            if v.guards.contains(&g.id) {
                g.binding = Some(target.clone());
                // A field outlives the function's blocks.
                g.depth = if target.contains('.') { 0 } else { self.depth };
            }
        }
        self.unit.temps.retain(|t| !v.guards.contains(t));
        (s, Val::default())
    }

    fn child_assign(&mut self, state: &State, target: &str, span: Span) {
        if let Some(ctx) = state.in_child_branch() {
            if !ctx.execed {
                self.facts.forks[ctx.idx].child.push(ChildEvent::Assign {
                    target: target.to_string(),
                    span,
                });
            }
        }
    }

    fn global_write(&mut self, state: &State, name: &str, span: Span) {
        let in_role = self.unit.in_role_branch > 0;
        self.unit
            .static_writes
            .push((name.to_string(), span.clone(), in_role));
        if let Some(ctx) = state.in_child_branch() {
            self.facts.forks[ctx.idx].child.push(ChildEvent::GlobalWrite {
                name: name.to_string(),
                span,
            });
        }
    }

    fn global_read(&mut self, state: &State, name: &str, span: Span) {
        self.unit.static_reads.push((name.to_string(), span.clone()));
        if let Some(ctx) = state.in_parent() {
            if ctx.procs & CHILD == 0 {
                self.facts.forks[ctx.idx]
                    .parent_reads
                    .push((name.to_string(), span));
            }
        }
    }

    // ----- calls -----

    fn resolve(&self, segs: &[String]) -> Vec<String> {
        match self.imports.last() {
            Some(i) => i.resolve(segs),
            None => vec![segs.join("::")],
        }
    }

    /// A path call's target: the first knowledge entry among the
    /// candidates, else a function of the crate, else unknown.
    fn target_of(&self, segs: &[String], candidates: &[String]) -> (Target, Option<Role>, String) {
        for c in candidates {
            if let Some(fact) = self.knowledge.function(c) {
                let target = match fact.class {
                    Some(class) => Target::Known {
                        class,
                        why: fact.why.clone(),
                    },
                    None => Target::Unknown,
                };
                return (target, fact.role, c.clone());
            }
        }
        let keys = self.local_keys(segs);
        let display = segs.join("::");
        if !keys.is_empty() {
            // A wrapper that forks and returns the result: a fork here.
            let role = keys
                .iter()
                .find_map(|k| {
                    self.table
                        .fork_wrappers
                        .get(k)
                        .or_else(|| self.own_wrappers.get(k))
                })
                .map(|shape| Role::Fork(*shape));
            return (Target::Local { keys }, role, display);
        }
        (
            Target::Unknown,
            None,
            candidates.first().cloned().unwrap_or(display),
        )
    }

    /// Keys under which a path may name a function of this crate.
    fn local_keys(&self, segs: &[String]) -> Vec<String> {
        let Some(last) = segs.last() else {
            return Vec::new();
        };
        let mut keys = Vec::new();
        if segs.len() >= 2 {
            let mut ty = segs[segs.len() - 2].clone();
            if ty == "Self" {
                ty = self.impl_type.clone().unwrap_or(ty);
            }
            let k = path_key(&ty, last);
            if self.table.functions.contains(&k) {
                keys.push(k);
            }
        }
        let first_is_local = segs.len() == 1 || matches!(segs[0].as_str(), "crate" | "self" | "super");
        let module_path = segs.len() >= 2
            && segs[segs.len() - 2]
                .chars()
                .next()
                .is_some_and(|c| c.is_lowercase());
        if keys.is_empty() && (first_is_local || module_path) && self.table.functions.contains(last) {
            keys.push(last.clone());
        }
        keys
    }

    fn record_call(&mut self, state: &State, site: CallSite) {
        if let Target::Local { keys } = &site.target {
            let guards: Vec<GuardFact> = state
                .guards
                .iter()
                .filter(|g| !g.fact.stdio)
                .map(|g| g.fact.clone())
                .collect();
            let threads: Vec<ThreadFact> = state.threads.iter().map(|t| t.fact.clone()).collect();
            if state.live && (!guards.is_empty() || !threads.is_empty()) {
                self.unit.call_contexts.push(CallContext {
                    keys: keys.clone(),
                    span: site.span.clone(),
                    guards,
                    threads,
                });
            }
        }
        if let Some(ctx) = state.in_child_branch() {
            if !ctx.execed {
                self.facts.forks[ctx.idx]
                    .child
                    .push(ChildEvent::Call(site.clone()));
            }
        }
        self.unit.calls.push(site);
    }

    fn eval_call(&mut self, c: &syn::ExprCall, state: State) -> (State, Val) {
        let Expr::Path(func) = &*c.func else {
            let (s, _) = self.eval(&c.func, state);
            let (s, _) = self.eval_all(c.args.iter(), s);
            return (s, Val::default());
        };
        let path = &func.path;
        let segs = segments(path);
        let last = segs.last().cloned().unwrap_or_default();
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
        let (target, role, canonical) = self.target_of(&segs, &candidates);
        if self.knowledge.role_sources.contains_key(&canonical) {
            self.unit.role_reads += 1;
        }
        // Tuple structs and enum variants (`Some(x)`, `Wrapper(g)`) are not calls.
        if last.chars().next().is_some_and(|ch| ch.is_uppercase()) {
            let (s, vals) = self.eval_all(c.args.iter(), state);
            let mut v = Val::default();
            for x in vals {
                v.guards.extend(x.guards);
            }
            return (s, v);
        }
        let span = self.span(c);
        // Closures given to thread and pool spawns run elsewhere: own units.
        let runs_elsewhere = matches!(role, Some(Role::SpawnThread | Role::Runtime));
        let n_types = self.unit.var_types.len();
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
                if matches!(target, Target::Local { .. } | Target::Unknown) && !wraps {
                    self.fd_moved(a, &mut state);
                }
            }
        }
        let text = display_path(&segs);
        self.record_call(
            &state,
            CallSite {
                span: span.clone(),
                text,
                target: target.clone(),
                kind: CallKind::Path,
                role,
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
        if let Some(fd) = candidates
            .iter()
            .find_map(|c| self.knowledge.fd_creation.get(c).map(|f| (c, f)))
        {
            self.fd_creation(fd.0.clone(), fd.1, c, span.clone());
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
        if let Target::Local { keys } = &target {
            if keys.iter().any(|k| self.table.diverging.contains(k)) {
                state.live = false;
                state.exited = true;
            }
        }
        (state, val)
    }

    /// A raw fd creation: recorded when its flags lack close-on-exec.
    fn fd_creation(
        &mut self,
        callee: String,
        fd: &crate::knowledge::FdCreation,
        c: &syn::ExprCall,
        span: Span,
    ) {
        let missing = match (&fd.needs, fd.flags_arg) {
            (Some(flag), Some(i)) => match c.args.iter().nth(i) {
                Some(arg) => {
                    let mut text = self.src(arg);
                    // A flags variable bound earlier in the function.
                    if let Some(name) = path_ident(arg) {
                        if let Some((_, t)) = self.unit.var_texts.iter().rev().find(|v| v.0 == name) {
                            text = t.clone();
                        }
                    }
                    !text
                        .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                        .any(|tok| tok == flag)
                }
                None => false,
            },
            _ => true,
        };
        if missing {
            self.facts.fds_without_cloexec.push(FdCreationFact {
                file: self.file,
                span,
                callee,
                function: self.function.clone(),
                suggest: fd.suggest.clone(),
                why: fd.why.clone(),
            });
        }
    }

    /// A call's arguments, in order. Closures given to thread and pool
    /// spawns run elsewhere (their own unit; the locks they take are
    /// returned); other closures are assumed to run here, now.
    fn eval_args(
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
                let (s, v) = self.eval(a, state);
                state = s;
                vals.push(v);
            }
        }
        (state, vals, spawned_locks)
    }

    /// A call whose knowledge entry names its closure's parameter type
    /// (`closure_param`: `thread::scope(|s| ..)` gives `s` a `Scope`): the
    /// parameter has that type while the arguments are walked, so methods
    /// on it (`s.spawn`) resolve. The caller truncates `var_types` after.
    fn type_closure_param(&mut self, args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>, callee: &str) {
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
    fn thread_scope(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        state: State,
    ) -> (State, Vec<Val>, Vec<String>) {
        let running: Vec<usize> = state.threads.iter().map(|t| t.id).collect();
        let (mut state, vals, locks) = self.eval_args(args, false, state);
        state.threads.retain(|t| running.contains(&t.id));
        (state, vals, locks)
    }

    fn add_thread(&mut self, state: &mut State, span: Span, what: String) -> usize {
        let id = self.id();
        let fact = ThreadFact { span, what };
        self.unit.spawns.push(fact.clone());
        state.threads.push(LiveThread {
            id,
            fact,
            handle: None,
        });
        id
    }

    fn fork_site(&mut self, state: &State, span: Span, callee: String, vfork: bool, survivor: bool) -> usize {
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

    fn eval_method(&mut self, m: &syn::ExprMethodCall, state: State) -> (State, Val) {
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
            .or_else(|| self.knowledge.methods.get(&method).and_then(|f| f.role));
        let runs_elsewhere = matches!(role, Some(Role::SpawnThread | Role::Runtime));
        if matches!(role, Some(Role::PreExec | Role::SpawnProcess)) {
            self.facts.starts_processes = true;
        }
        if role == Some(Role::PreExec) {
            return self.pre_exec(m, state, span);
        }
        let (mut state, arg_vals, spawned_locks) = self.eval_args(&m.args, runs_elsewhere, state);
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
        match method.as_str() {
            "unwrap" | "expect" | "unwrap_or_else" | "unwrap_or_default" | "unwrap_unchecked" => {
                // `fork().expect(..)` panics only where the fork failed, not in the child.
                if matches!(method.as_str(), "unwrap" | "expect") && recv.fork.is_none() {
                    self.escape_if_child(&state, EscapeKind::Panic, self.span(&m.method));
                }
                val.guards = recv.guards;
                val.fork = recv.fork.map(|(i, s, p)| (i, s, p & !FAILED));
                val.thread = recv.thread;
                val.ty = recv.ty;
                val.fds = recv.fds;
                val.fd_elems = recv.fd_elems;
                return (state, val);
            }
            "context" | "with_context" | "map_err" | "wrap_err" | "wrap_err_with" => {
                // anyhow/eyre on a fork's result: still the fork's result.
                val.fork = recv.fork;
                val.fds = recv.fds;
                val.fd_elems = recv.fd_elems;
                return (state, val);
            }
            "ok" | "as_mut" | "as_ref" | "into_inner" => {
                val.fds = recv.fds;
                val.fd_elems = recv.fd_elems;
                val.guards = recv.guards;
                val.fork = recv.fork;
                return (state, val);
            }
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
            "push" | "insert" | "push_back" => {
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
                None => self.method_by_name(&method),
            }
        } else {
            self.method_by_name(&method)
        };
        if let Target::Local { keys } = &target {
            let mut args: Vec<(usize, &Val)> = vec![(0, &recv)];
            args.extend(arg_vals.iter().enumerate().map(|(i, v)| (i + 1, v)));
            self.fd_args(keys, &args, span.clone(), &state);
        }
        self.record_call(
            &state,
            CallSite {
                span: span.clone(),
                text,
                target,
                kind: CallKind::Method,
                role,
            },
        );
        if matches!(role, Some(Role::SpawnThread | Role::Runtime)) {
            val.thread = Some(self.add_thread(&mut state, self.span(&m.method), thread_what(&spawned_locks)));
        }
        (state, val)
    }

    /// `Type::method` as a knowledge or crate key, when the receiver's type is known.
    fn typed_method(&self, ty: &str, method: &str) -> Option<String> {
        let short = ty.rsplit("::").next().unwrap_or(ty);
        let local = path_key(short, method);
        if self.table.functions.contains(&local) {
            return Some(local);
        }
        let full = path_key(ty, method);
        if self.knowledge.function(&full).is_some() {
            return Some(full);
        }
        let resolved = self
            .imports
            .last()
            .map(|i| i.resolve(&[short.to_string(), method.to_string()]))
            .unwrap_or_default();
        resolved
            .into_iter()
            .find(|k| self.knowledge.function(k).is_some())
    }

    fn method_by_name(&self, method: &str) -> Target {
        match self.knowledge.methods.get(method) {
            Some(f) => f.class.map_or(Target::Unknown, |class| Target::Known {
                class,
                why: f.why.clone(),
            }),
            None => Target::Unknown,
        }
    }

    fn is_rwlock(&self, receiver: &Expr, recv: &Val) -> bool {
        if recv.ty.as_deref().is_some_and(|t| t.ends_with("RwLock")) {
            return true;
        }
        let name = match receiver {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => Some(n.to_string()),
                _ => None,
            },
            _ => None,
        };
        name.is_some_and(|n| {
            self.table.rwlocks.contains(&n)
                || self.unit.var_types.iter().any(|(v, t)| v == &n && t == "RwLock")
        })
    }

    /// `cmd.pre_exec(closure)`: the closure runs in the child between fork
    /// and exec; its calls are collected as one fact.
    fn pre_exec(&mut self, m: &syn::ExprMethodCall, state: State, span: Span) -> (State, Val) {
        let (calls, named) = match self.callback_code(m.args.first(), &state) {
            CallbackCode::Calls(calls) => (calls, Vec::new()),
            // A function of the crate is the closure: its own calls are checked.
            CallbackCode::Function(keys) => (Vec::new(), keys),
        };
        self.facts.pre_execs.push(PreExecFact {
            file: self.file,
            span,
            function: self.function.clone(),
            calls,
            named,
        });
        (state, Val::default())
    }

    /// What a callback run somewhere else (a `pre_exec` closure, the child
    /// of `clone`) does: a closure's calls (written in place, boxed, or
    /// bound to a variable), or a function of the crate, whose summary
    /// gives its calls.
    fn callback_code(&mut self, arg: Option<&Expr>, state: &State) -> CallbackCode {
        CallbackCode::Calls(match arg {
            Some(Expr::Closure(cl)) => self.walk_closure_unit(cl),
            Some(Expr::Call(c)) if path_last(&c.func).as_deref() == Some("new") => {
                // Box::new(closure)
                match c.args.first() {
                    Some(Expr::Closure(cl)) => self.walk_closure_unit(cl),
                    _ => Vec::new(),
                }
            }
            Some(arg @ Expr::Path(p)) => {
                let v = self.path_value(&p.path);
                match v.closure {
                    Some(calls) => calls,
                    None => {
                        let segs = segments(&p.path);
                        let candidates = self.resolve(&segs);
                        match self.target_of(&segs, &candidates).0 {
                            Target::Local { keys } => return CallbackCode::Function(keys),
                            target => vec![CallSite {
                                span: self.span(arg),
                                text: display_path(&segs),
                                target,
                                kind: CallKind::Path,
                                role: None,
                            }],
                        }
                    }
                }
            }
            Some(other) => {
                let (_, v) = self.eval(other, state.clone());
                v.closure.unwrap_or_default()
            }
            None => Vec::new(),
        })
    }

    /// A closure that runs elsewhere (a thread, `pre_exec`) or later: its
    /// own unit, with its own state. Returns the calls it makes.
    fn walk_closure_unit(&mut self, c: &syn::ExprClosure) -> Vec<CallSite> {
        // Captured variables keep their known facts (closures, types): lend
        // the enclosing unit's lists to the closure's unit, then take them back.
        let closures = std::mem::take(&mut self.unit.closures);
        let var_types = std::mem::take(&mut self.unit.var_types);
        let (n_closures, n_types) = (closures.len(), var_types.len());
        let unit = Unit {
            is_closure: true,
            closures,
            var_types,
            ..Unit::default()
        };
        let saved = std::mem::replace(&mut self.unit, unit);
        let _ = self.eval(&c.body, State::new());
        let mut unit = std::mem::replace(&mut self.unit, saved);
        unit.closures.truncate(n_closures);
        unit.var_types.truncate(n_types);
        self.unit.closures = std::mem::take(&mut unit.closures);
        self.unit.var_types = std::mem::take(&mut unit.var_types);
        self.unit.spawns.extend(unit.spawns);
        self.closure_locks = unit.locks_taken;
        unit.calls
    }

    /// A closure passed to an ordinary call (`iter().map(..)`,
    /// `unwrap_or_else(..)`): assumed to run now, in this state; its
    /// `return` leaves only the closure.
    fn walk_closure_inline(&mut self, c: &syn::ExprClosure, state: State) -> State {
        let was = std::mem::replace(&mut self.unit.is_closure, true);
        let (end, _) = self.eval(&c.body, state.clone());
        self.unit.is_closure = was;
        // The closure may or may not run: keep what it added (threads), not what it ended.
        let mut out = state;
        if end.live {
            for t in end.threads {
                if !out.threads.iter().any(|x| x.id == t.id) {
                    out.threads.push(t);
                }
            }
        }
        out
    }

    // ----- macros -----

    fn eval_macro(&mut self, mac: &syn::Macro, span: Span, state: State) -> (State, Val) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let mut state = state;
        let known = self.knowledge.macros.contains_key(&name);
        // An unknown macro whose tokens name nothing a call could matter by
        // (no function of the crate, nothing in the knowledge tables) is not
        // parsed: that would be a second parse of much generated code.
        let body = self.macro_body(mac);
        if !known && !body_names_any(body, &[&self.table.call_names]) {
            return (state, Val::default());
        }
        // A known one's arguments are parsed and walked only if they can do
        // something: call anything, name what matters or a static, leave
        // the function (`?`, `return`). Output macros are always parsed:
        // their text and target matter.
        // (An assertion's condition narrows a fork result in scope.)
        let output = self.knowledge.output_macros.get(&name);
        let always = output.is_some()
            || (matches!(name.as_str(), "assert" | "assert_eq" | "assert_ne")
                && !self.unit.fork_vars.is_empty());
        // A body that starts with a label (tracing's `target: "x", ..`) is a
        // list of arguments only up to it: walking it would read one plain
        // name, which does something only if it is a static.
        let label_first = label_first(body).is_some_and(|w| !self.table.statics.contains(w));
        let inert = (!always && label_first)
            || known
                && !always
                && !body_uses_any(body, &self.table.call_names, &self.table.statics)
                && match body_effect(body) {
                    BodyEffect::None => true,
                    // Calls to what no table knows, indexes and assignments
                    // matter only in code that can run in a child: not in the
                    // parent's part of an entry point (most of them are the
                    // assertions of tests).
                    BodyEffect::Local => {
                        self.in_entry
                            && !self.unit.is_closure
                            && state.fork.is_none()
                            && self.unit.fork_vars.is_empty()
                    }
                    BodyEffect::Leaves => false,
                };
        // Arguments of format-like and expression macros are expressions: walk them.
        let args: Vec<Expr> = if inert { Vec::new() } else { self.macro_args(mac) };
        let mut vals = Vec::new();
        for a in &args {
            let (s, v) = self.eval(a, state);
            state = s;
            vals.push(v);
        }
        // Buffered output (rules/locks.toml [output_macros]): text that
        // does not end in a newline stays in a line buffer.
        if let Some(out) = output {
            let sink = match out.sink {
                MacroSink::Stdout => Some(("stdout".to_string(), Buffering::Line)),
                MacroSink::FirstArg => match (args.first(), vals.first()) {
                    (Some(target), Some(v)) => self.sink_of(target, v),
                    _ => None,
                },
            };
            if let Some((sink, buffering)) = sink {
                let text = args.get(out.text_arg).and_then(str_lit);
                self.note_output(
                    &mut state,
                    sink,
                    buffering,
                    text.as_deref(),
                    out.newline,
                    span.clone(),
                );
            }
        }
        let fact = self.knowledge.macros.get(&name);
        // A macro that writes to the writer it is given takes stdout's lock
        // only when that writer is stdout.
        let class = match output.map(|o| o.sink) {
            Some(MacroSink::FirstArg) => match args.first() {
                Some(t) if is_stdio(&self.src(t)) => Some(Class::Prints),
                _ => None,
            },
            _ => fact.and_then(|f| f.class),
        };
        let Some(class) = class else {
            return (state, Val::default());
        };
        if class == Class::Prints {
            let stream = if name.starts_with('e') { "stderr" } else { "stdout" }.to_string();
            if !self.unit.locks_taken.contains(&stream) {
                self.unit.locks_taken.push(stream);
            }
        }
        self.record_call(
            &state,
            CallSite {
                span: span.clone(),
                text: [name.as_str(), "!"].concat(),
                target: Target::Known {
                    class,
                    why: fact
                        .map(|f| f.why.clone())
                        .unwrap_or_else(|| "writes to stdout".into()),
                },
                kind: CallKind::Macro,
                role: None,
            },
        );
        match name.as_str() {
            "panic" | "unreachable" | "todo" | "unimplemented" => {
                self.escape_if_child(&state, EscapeKind::Panic, span);
                state.live = false;
            }
            "assert" | "assert_eq" | "assert_ne" => {
                // `assert!(pid >= 0)` holds in the child: no panic there, and
                // the failed fork does not get past it.
                let split = match (name.as_str(), args.first()) {
                    ("assert", Some(cond)) => self.split(cond, state.clone()).1,
                    _ => None,
                };
                match split {
                    Some((idx, holds, _)) => {
                        if holds & CHILD == 0 {
                            self.escape_if_child(&state, EscapeKind::Panic, span);
                        }
                        state = self.narrow(state, idx, holds);
                    }
                    None => self.escape_if_child(&state, EscapeKind::Panic, span),
                }
            }
            _ => {}
        }
        (state, Val::default())
    }

    /// `X.with(|c| c.set(..))` on a thread_local writes it: the closure
    /// calls a method that writes to what it is called on.
    fn closure_writes(&self, args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>) -> bool {
        struct Writes<'k> {
            knowledge: &'k Knowledge,
            found: bool,
        }
        impl<'ast> syn::visit::Visit<'ast> for Writes<'_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                self.found |= self.knowledge.mutates(&m.method.to_string());
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        let mut writes = Writes {
            knowledge: self.knowledge,
            found: false,
        };
        for a in args {
            syn::visit::Visit::visit_expr(&mut writes, a);
        }
        writes.found
    }

    /// glibc's `clone(fn, stack, flags, arg)` (and nix's, which takes a
    /// boxed closure): the child runs the callback and exits when it
    /// returns, so the callback's calls are the child's.
    fn clone_callback(&mut self, idx: usize, c: &syn::ExprCall, state: &State) {
        // Only what names its code: anything else (nix's transmuted
        // trampoline) was evaluated with the arguments already.
        let names_code = |a: &&Expr| match a {
            Expr::Closure(_) | Expr::Path(_) => true,
            Expr::Call(c) => path_last(&c.func).as_deref() == Some("new"),
            _ => false,
        };
        let Some(arg) = c.args.first().filter(names_code) else {
            return;
        };
        let calls = match self.callback_code(Some(arg), state) {
            CallbackCode::Calls(calls) => calls,
            CallbackCode::Function(keys) => vec![CallSite {
                span: self.span(arg),
                text: match arg {
                    Expr::Path(p) => display_path(&segments(&p.path)),
                    _ => self.src(arg),
                },
                target: Target::Local { keys },
                kind: CallKind::Path,
                role: None,
            }],
        };
        let child = &mut self.facts.forks[idx].child;
        child.extend(calls.into_iter().map(ChildEvent::Call));
    }

    /// The text between a macro's delimiters.
    fn macro_body(&self, mac: &syn::Macro) -> &'a str {
        let delim = mac.delimiter.span();
        let (open, close) = (delim.open(), delim.close());
        let (start, end) = (self.byte_at(open.end()), self.byte_at(close.start()));
        self.text.get(start..end.max(start)).unwrap_or("")
    }

    /// A macro's arguments as expressions: the comma-separated ones up to
    /// the first that is not an expression (`name: "x"` of tracing, a
    /// pattern of `matches!`). One pass: a body that is not a list of
    /// expressions is not parsed a second time.
    fn macro_args(&self, mac: &syn::Macro) -> Vec<Expr> {
        use syn::parse::discouraged::Speculative;
        mac.parse_body_with(|input: syn::parse::ParseStream| {
            let mut args = Vec::new();
            while !input.is_empty() {
                let ahead = input.fork();
                let Ok(e) = ahead.parse::<Expr>() else { break };
                input.advance_to(&ahead);
                args.push(e);
                // Peeked, not parsed: a failed parse builds an error message.
                if !input.peek(syn::Token![,]) {
                    break;
                }
                input.parse::<syn::Token![,]>()?;
            }
            // The rest is skipped.
            input.step(|cursor| {
                let mut rest = *cursor;
                while let Some((_, next)) = rest.token_tree() {
                    rest = next;
                }
                Ok(((), rest))
            })?;
            Ok(args)
        })
        .unwrap_or_default()
    }

    // ----- buffered output -----

    /// Where writes to this expression end up buffered: stdout (line
    /// buffered), a `LineWriter`, or a `BufWriter` (fully buffered).
    fn sink_of(&self, target: &Expr, v: &Val) -> Option<(String, Buffering)> {
        let text = self.src(target);
        let ty = v.ty.as_deref().unwrap_or("");
        if text.ends_with("stdout()") || ty.ends_with("Stdout") || ty.ends_with("StdoutLock") {
            return Some(("stdout".into(), Buffering::Line));
        }
        let name = text
            .trim_start_matches("&mut")
            .trim_start_matches('&')
            .to_string();
        if ty.ends_with("BufWriter") {
            return Some((name, Buffering::Full));
        }
        if ty.ends_with("LineWriter") {
            return Some((name, Buffering::Line));
        }
        None
    }

    /// Output of `text` (when it is a literal) to `sink`; `ends_line`: a
    /// newline follows it whatever it is (println!, writeln!).
    fn note_output(
        &mut self,
        state: &mut State,
        sink: String,
        buffering: Buffering,
        text: Option<&str>,
        ends_line: bool,
        span: Span,
    ) {
        let has_newline = ends_line || text.is_some_and(|t| t.contains('\n'));
        let newline_at_end = ends_line || text.is_some_and(|t| t.ends_with('\n'));
        if buffering == Buffering::Line && has_newline {
            // A line-buffered writer flushes everything up to its last newline.
            state.pending.retain(|p| p.sink != sink);
            self.note_flush(state);
        }
        if buffering == Buffering::Full || !newline_at_end {
            state.pending.push(PendingOutput { span, sink });
        }
    }

    fn flushed(&mut self, state: &mut State, sink: &str) {
        state.pending.retain(|p| p.sink != sink);
        self.note_flush(state);
    }

    /// The processes at this point flush their copy of userspace buffers
    /// (a line written, a flush, a normal exit).
    fn note_flush(&mut self, state: &State) {
        let Some(ctx) = state.fork.filter(|_| state.live) else {
            return;
        };
        for (idx, procs, execed) in [(ctx.idx, ctx.procs, ctx.execed)]
            .into_iter()
            .chain(ctx.outer.map(|(i, p)| (i, p, false)))
        {
            let fork = &mut self.facts.forks[idx];
            if procs & CHILD != 0 && !execed {
                fork.child_flushes = true;
            }
            if procs & PARENT != 0 {
                fork.parent_flushes = true;
            }
        }
    }

    // ----- control flow -----

    fn escape_if_child(&mut self, state: &State, kind: EscapeKind, span: Span) {
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
        }
    }

    fn loop_exit(&mut self, mut state: State, span: Span) -> (State, Val) {
        if let Some(ctx) = state.in_child() {
            if ctx.loop_depth > 0 && self.unit.loops.len() <= ctx.loop_depth && !self.unit.is_closure {
                self.escape_if_child(&state, EscapeKind::Break, span);
                if let Some(f) = state.fork.as_mut() {
                    f.escaped = true;
                }
            }
        }
        if let Some(l) = self.unit.loops.last_mut() {
            l.push(state);
        }
        (State::dead(), Val::default())
    }

    fn walk_loop(
        &mut self,
        _label: Option<&syn::Label>,
        body: &syn::Block,
        state: State,
        infinite: bool,
    ) -> (State, Val) {
        self.unit.loops.push(Vec::new());
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
        if !infinite {
            exits.push(join(vec![head, second]));
        }
        (join(exits), Val::default())
    }

    /// The processes a condition's true and false branches can be in, when
    /// it tests a fork's result.
    fn split(&mut self, cond: &Expr, state: State) -> (State, Option<(usize, Procs, Procs)>) {
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
            Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "is_child" | "is_parent") => {
                let (s, v) = self.eval(&m.receiver, state);
                let Some((idx, _, _)) = v.fork else {
                    return (s, None);
                };
                let t = if m.method == "is_child" { CHILD } else { PARENT };
                (s, Some((idx, t, ALL & !t)))
            }
            Expr::Let(l) => {
                let (s, v) = self.eval(&l.expr, state);
                let Some((idx, _, possible)) = v.fork else {
                    return (s, None);
                };
                let t = pat_procs(&l.pat, possible);
                (s, Some((idx, t, ALL & !(t & !guarded(&l.pat)))))
            }
            other => {
                let (s, _) = self.eval(other, state);
                (s, None)
            }
        }
    }

    fn narrow(&self, mut state: State, idx: usize, mask: Procs) -> State {
        if let Some(f) = state.fork.as_mut() {
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
    fn is_role_switch(&self, cond: &Expr, calls_role_source: bool) -> bool {
        calls_role_source
            || (!self.unit.role_vars.is_empty() && {
                let t = self.src(cond);
                t.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| self.unit.role_vars.iter().any(|v| v == w))
            })
    }

    fn walk_if(&mut self, i: &syn::ExprIf, state: State) -> (State, Val) {
        let saved_temps = std::mem::take(&mut self.unit.temps);
        let role_reads = self.unit.role_reads;
        let (state, split) = self.split(&i.cond, state);
        let calls_role_source = self.unit.role_reads > role_reads;
        let (then_in, else_in) = match split {
            Some((idx, t, f)) => (self.narrow(state.clone(), idx, t), self.narrow(state, idx, f)),
            None => (state.clone(), state),
        };
        // A role switch on the command line or environment: the branch is
        // what a re-exec'd copy of the program runs.
        let role_switch = self.is_role_switch(&i.cond, calls_role_source);
        let calls_before = self.unit.calls.len();
        self.unit.in_role_branch += usize::from(role_switch);
        let (then_out, tv) = if then_in.live {
            self.walk_block(&i.then_branch, then_in)
        } else {
            (then_in, Val::default())
        };
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
        let (else_out, ev) = match &i.else_branch {
            Some((_, e)) if else_in.live => self.eval(e, else_in),
            _ => (else_in, Val::default()),
        };
        let else_end = match &i.else_branch {
            Some((_, e)) => self.span(e),
            None => self.close_span(&i.then_branch),
        };
        let branches = vec![(then_out, self.close_span(&i.then_branch)), (else_out, else_end)];
        let mut out = self.merge_branches(branches, split.map(|s| s.0));
        let temps = std::mem::replace(&mut self.unit.temps, saved_temps);
        out.guards
            .retain(|g| !(g.binding.is_none() && temps.contains(&g.id)));
        let mut v = tv;
        v.guards.extend(ev.guards);
        (out, v)
    }

    fn walk_match(&mut self, m: &syn::ExprMatch, state: State) -> (State, Val) {
        let saved_temps = std::mem::take(&mut self.unit.temps);
        let (state, scrut) = self.eval(&m.expr, state);
        let mut remaining = scrut.fork.map_or(ALL, |f| f.2);
        let mut value = Val::default();
        let mut branches = Vec::new();
        for arm in &m.arms {
            let mut arm_state = state.clone();
            if let Some((idx, _, _)) = scrut.fork {
                let mask = pat_procs(&arm.pat, remaining);
                arm_state = self.narrow(arm_state, idx, mask);
                if guarded(&arm.pat) == 0 {
                    remaining &= !mask;
                }
                if mask == 0 {
                    arm_state.live = false;
                }
            }
            if let Pat::Guard(g) = &arm.pat {
                let (s, _) = self.eval(&g.guard, arm_state);
                arm_state = s;
            }
            // `Ok(ends) => ends`: the arm's bindings hold the scrutinee's descriptors.
            self.fd_bind(&arm.pat, &scrut, &m.expr);
            // `Ok(r) => r`: the binding holds the fork's result.
            if let (Some((idx, shape, _)), (Some(name), _)) = (scrut.fork, pat_binding(&arm.pat)) {
                let mask = arm_state.fork.filter(|f| f.idx == idx).map_or(ALL, |f| f.procs);
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
        }
        let mut out = self.merge_branches(branches, scrut.fork.map(|f| f.0));
        // A match scrutinee's temporaries live through every arm, then die.
        let temps = std::mem::replace(&mut self.unit.temps, saved_temps);
        out.guards
            .retain(|g| !(g.binding.is_none() && temps.contains(&g.id)));
        (out, value)
    }

    /// Joins the ends of a fork split's branches, noting a child branch
    /// that falls through into code the parent runs too, and the daemon
    /// pattern where the parent leaves at once and the child carries on.
    fn merge_branches(&mut self, branches: Vec<(State, Span)>, fork_idx: Option<usize>) -> State {
        let mut fell_through = false;
        if let Some(idx) = fork_idx {
            let is_idx = |s: &State| s.fork.is_some_and(|f| f.idx == idx);
            let live_parent = branches
                .iter()
                .any(|(s, _)| s.live && is_idx(s) && s.fork.is_some_and(|f| f.procs & PARENT != 0));
            fell_through = live_parent && !self.unit.is_closure;
            if fell_through {
                for (s, end) in &branches {
                    if s.live && is_idx(s) && s.fork.is_some_and(|f| f.procs == CHILD) {
                        self.escape_if_child(s, EscapeKind::FallThrough, end.clone());
                    }
                }
            }
            let all_child_or_exited = branches.iter().all(|(s, _)| {
                if s.live {
                    s.fork.is_some_and(|f| f.procs & !CHILD == 0)
                } else {
                    s.exited
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
                if let Some(f) = s.fork.as_mut() {
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

// ----- helpers -----

fn uses_super_glob(items: &[syn::Item]) -> bool {
    items.iter().any(|i| match i {
        syn::Item::Use(u) => {
            matches!(&u.tree, syn::UseTree::Path(p) if p.ident == "super" && matches!(&*p.tree, syn::UseTree::Glob(_)))
        }
        _ => false,
    })
}

/// `text` without its whitespace. ASCII text (all but a vertical tab,
/// which `split_ascii_whitespace` keeps) is copied a run at a time.
fn without_whitespace(text: &str) -> String {
    if text.is_ascii() && !text.contains('\x0b') {
        let mut out = String::with_capacity(text.len());
        text.split_ascii_whitespace().for_each(|run| out.push_str(run));
        return out;
    }
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Where each line of `text[offset..]` starts, as proc-macro2 counts lines
/// (at `\n`), and whether that text is all ASCII. Eight bytes at a time:
/// lines are short, so a search per line costs more than the bytes it
/// skips, and most words hold no newline.
fn line_starts(text: &str, offset: usize) -> (Vec<usize>, bool) {
    const LOWS: u64 = u64::from_le_bytes([0x7f; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const NEWLINES: u64 = u64::from_le_bytes([b'\n'; 8]);
    let bytes = text.as_bytes();
    let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
    starts.push(offset);
    let mut at = offset;
    let mut high_bits = 0;
    let mut words = bytes[offset.min(bytes.len())..].chunks_exact(8);
    for word in words.by_ref() {
        // Little-endian: byte i of the word is bits 8i..8i+8.
        let w = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        // The high bit of exactly the bytes that are newlines (zero in
        // `x`): no carry crosses a byte, so there are no false hits.
        high_bits |= w;
        let x = w ^ NEWLINES;
        let mut newlines = !(((x & LOWS) + LOWS) | x) & HIGHS;
        while newlines != 0 {
            starts.push(at + newlines.trailing_zeros() as usize / 8 + 1);
            newlines &= newlines - 1;
        }
        at += 8;
    }
    let rest = words.remainder();
    starts.extend((0..rest.len()).filter(|&i| rest[i] == b'\n').map(|i| at + i + 1));
    (starts, high_bits & HIGHS == 0 && rest.is_ascii())
}

/// The name a macro body starts with when a label follows it (`target:`,
/// not a path's `::`): the one argument a walk of it would find.
fn label_first(body: &str) -> Option<&str> {
    use crate::lexer::TokenKind::{BlockComment, LineComment, Punct, Word};
    let mut code = crate::lexer::tokens(body, 0).filter(|t| !matches!(t.kind, LineComment | BlockComment));
    let (name, colon, after) = (code.next()?, code.next()?, code.next());
    let word = &body[name.span.clone()];
    let is_colon = |t: &crate::lexer::Token| t.kind == Punct && &body[t.span.clone()] == ":";
    let plain_name =
        name.kind == Word && word.starts_with(|c: char| c.is_alphabetic() || c == '_') && !is_keyword(word);
    (plain_name && is_colon(&colon) && !after.is_some_and(|a| is_colon(&a) && a.span.start == colon.span.end))
        .then_some(word)
}

/// Rust's keywords, reserved words included: none of them is a plain name.
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "yield"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "try"
            | "gen"
            | "_"
    )
}

/// Does a known macro's body use a function or static by these names? A
/// name after `.` that is not called (`sub.field`) is a field; one followed
/// by a single `:` (`name: "x"`, tracing's `target:`) is a label; a
/// function's name followed by a single `=` (`x = 1`, a named format
/// argument or a tracing field) is one too, where a static's is a write.
fn body_uses_any(
    body: &str,
    functions: &rustc_hash::FxHashSet<String>,
    statics: &rustc_hash::FxHashSet<String>,
) -> bool {
    use crate::lexer::TokenKind::{BlockComment, LineComment, Punct, Word};
    let bytes = body.as_bytes();
    // The first byte of code after `at`, whitespace skipped, and the one after it.
    let next_two = |at: usize| {
        let rest = body[at..].trim_start().as_bytes();
        (rest.first().copied(), rest.get(1).copied())
    };
    let mut after_dot = false;
    for t in crate::lexer::tokens(body, 0) {
        if matches!(t.kind, LineComment | BlockComment) {
            continue;
        }
        let dot = t.kind == Punct && bytes[t.span.start] == b'.';
        if t.kind == Word {
            let word = &body[t.span.clone()];
            let is_static = statics.contains(word);
            if is_static || functions.contains(word) {
                let used = match next_two(t.span.end) {
                    (Some(b'('), _) | (Some(b':'), Some(b':')) => true,
                    _ if after_dot => false,
                    (Some(b':'), _) => false,
                    (Some(b'='), next) if !matches!(next, Some(b'=' | b'>')) => is_static,
                    _ => true,
                };
                if used {
                    return true;
                }
            }
        }
        after_dot = dot;
    }
    false
}

/// Does a macro body name (as a word, comments aside) one of these?
fn body_names_any(body: &str, sets: &[&rustc_hash::FxHashSet<String>]) -> bool {
    crate::lexer::tokens(body, 0).any(|t| {
        t.kind == crate::lexer::TokenKind::Word && sets.iter().any(|s| s.contains(&body[t.span.clone()]))
    })
}

/// What a macro body can do that the walk records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum BodyEffect {
    /// Names, fields, literals and operators only.
    None,
    /// Calls something (`f(..)`, `x.m(..)`, `m!(..)`, `.await`), indexes
    /// (`v[i]` can panic), assigns (`=`, `+=`) or holds statements (`{`).
    Local,
    /// Leaves the function or loop it is in (`x?`, `return`, `break`,
    /// `continue`, `yield`).
    Leaves,
}

fn body_effect(body: &str) -> BodyEffect {
    use crate::lexer::TokenKind::{Punct, Word};
    let mut effect = BodyEffect::None;
    let mut prev: Option<(crate::lexer::TokenKind, &str)> = None;
    for t in crate::lexer::tokens(body, 0) {
        let text = &body[t.span.clone()];
        let after_word = matches!(prev, Some((Word, _)));
        let after_value = after_word || matches!(prev, Some((Punct, ")" | "]" | "}")));
        match (t.kind, text) {
            // A `?` after a value is the try operator; elsewhere it is a
            // macro's own syntax (tracing's `field = ?value`).
            (Punct, "?") if after_value => return BodyEffect::Leaves,
            (Word, "return" | "break" | "continue" | "yield") => return BodyEffect::Leaves,
            (Word, "await") => effect = BodyEffect::Local,
            (Punct, "(" | "!") if after_word => effect = BodyEffect::Local,
            (Punct, "[") if after_value => effect = BodyEffect::Local,
            (Punct, "=" | "{") => effect = BodyEffect::Local,
            _ => {}
        }
        if !matches!(
            t.kind,
            crate::lexer::TokenKind::LineComment | crate::lexer::TokenKind::BlockComment
        ) {
            prev = Some((t.kind, text));
        }
    }
    effect
}

/// The code of a callback: the calls of a closure, or a function of the
/// crate (by its keys).
enum CallbackCode {
    Calls(Vec<CallSite>),
    Function(Vec<String>),
}

/// "thread spawned here", naming the locks its closure takes.
fn thread_what(locks: &[String]) -> String {
    if locks.is_empty() {
        "thread spawned here".to_string()
    } else {
        let names: Vec<String> = locks.iter().map(|l| format!("`{l}`")).collect();
        format!("thread spawned here; it locks {}", names.join(", "))
    }
}

/// `#[test]`, `#[tokio::test]`, `#[tokio::main]`...: the function is an entry point.
fn is_entry_attr(a: &syn::Attribute) -> bool {
    a.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "test" || s.ident == "main")
}

/// Why a function body runs with other threads around.
fn thread_context(attrs: &[syn::Attribute], sig: &syn::Signature) -> Option<String> {
    for a in attrs {
        // Most attributes are doc comments: look at the name first.
        if !is_entry_attr(a) {
            continue;
        }
        let path = a.path().to_token_stream().to_string().replace(' ', "");
        if path == "test" || path.ends_with("::test") {
            return Some("a `#[test]` body runs on one of the test harness's threads".into());
        }
        if path.ends_with("::main") && !path.starts_with("std") {
            return Some(format!(
                "`#[{path}]` runs this body on an async runtime's worker threads"
            ));
        }
    }
    if sig.asyncness.is_some() {
        return Some("an `async fn` runs on an async runtime, which may have worker threads".into());
    }
    None
}

/// The name a `let` pattern binds, and its declared type's name.
fn pat_binding(pat: &Pat) -> (Option<String>, Option<String>) {
    match pat {
        // `let Some(x) = ..`, `let Ok(x) = .. else { .. }`
        Pat::TupleStruct(t) if t.elems.len() == 1 => pat_binding(&t.elems[0]),
        Pat::Ident(i) => (Some(i.ident.to_string()), None),
        Pat::Type(t) => (pat_binding(&t.pat).0, type_name(&t.ty)),
        Pat::Wild(_) => (Some("_".into()), None),
        Pat::Reference(r) => pat_binding(&r.pat),
        _ => (None, None),
    }
}

trait PatTypeHint {
    fn pat_type_hint(&self) -> Option<&syn::Type>;
}

impl PatTypeHint for syn::Local {
    fn pat_type_hint(&self) -> Option<&syn::Type> {
        match &self.pat {
            Pat::Type(t) => Some(&t.ty),
            _ => None,
        }
    }
}

/// Which processes match a pattern on a fork result.
fn pat_procs(pat: &Pat, remaining: Procs) -> Procs {
    let named = |name: &str| -> Option<Procs> {
        match name {
            "Child" => Some(CHILD),
            "Parent" => Some(PARENT),
            "Err" => Some(FAILED),
            _ => None,
        }
    };
    let r = match pat {
        Pat::Wild(_) => remaining,
        Pat::Ident(i) => match &i.subpat {
            Some((_, sub)) => pat_procs(sub, remaining),
            None => match named(&i.ident.to_string()) {
                Some(p) => p,
                None => remaining,
            },
        },
        Pat::Lit(l) => match int_lit(&Expr::Lit(l.clone())) {
            Some(0) => CHILD,
            Some(n) if n < 0 => FAILED,
            Some(_) => PARENT,
            None => 0,
        },
        Pat::Range(r) => {
            let lo = r.start.as_deref().and_then(int_lit);
            let hi = r.end.as_deref().and_then(int_lit);
            let mut p = 0;
            for (pid, bit) in [(0, CHILD), (1, PARENT), (-1, FAILED)] {
                let above = lo.is_none_or(|l| pid >= l);
                let below = hi.is_none_or(|h| match r.limits {
                    syn::RangeLimits::Closed(_) => pid <= h,
                    syn::RangeLimits::HalfOpen(_) => pid < h,
                });
                if above && below {
                    p |= bit;
                }
            }
            p
        }
        Pat::Or(o) => o.cases.iter().fold(0, |acc, c| acc | pat_procs(c, remaining)),
        Pat::Paren(p) => pat_procs(&p.pat, remaining),
        Pat::Guard(g) => pat_procs(&g.pat, remaining),
        Pat::Path(p) => p
            .path
            .segments
            .last()
            .and_then(|s| named(&s.ident.to_string()))
            .unwrap_or(remaining),
        Pat::Struct(s) => s
            .path
            .segments
            .last()
            .and_then(|s| named(&s.ident.to_string()))
            .unwrap_or(remaining),
        Pat::TupleStruct(t) => {
            let last = t
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            match last.as_str() {
                "Ok" | "Some" => t
                    .elems
                    .first()
                    .map_or(remaining & !FAILED, |inner| pat_procs(inner, remaining & !FAILED)),
                "Err" | "None" => FAILED,
                other => named(other).unwrap_or(remaining),
            }
        }
        _ => remaining,
    };
    r & remaining
}

/// A pattern with a guard may not match: it removes nothing from the rest.
fn guarded(pat: &Pat) -> Procs {
    if matches!(pat, Pat::Guard(_)) {
        ALL
    } else {
        0
    }
}

fn int_lit(e: &Expr) -> Option<i64> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => i.base10_parse().ok(),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => int_lit(&u.expr).map(|n| -n),
        Expr::Paren(p) => int_lit(&p.expr),
        Expr::Group(g) => int_lit(&g.expr),
        _ => None,
    }
}

fn path_ident(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.path.segments.len() == 1 => Some(p.path.segments[0].ident.to_string()),
        _ => None,
    }
}

fn path_last(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The static at the root of an assignment target (`X`, `*X.lock().unwrap()`, `X.field`).
fn static_root(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => {
            let name = p.path.segments.last()?.ident.to_string();
            name.chars()
                .all(|c| c.is_uppercase() || c == '_' || c.is_ascii_digit())
                .then_some(name)
        }
        Expr::Unary(u) => static_root(&u.expr),
        Expr::Field(f) => static_root(&f.base),
        Expr::Index(i) => static_root(&i.expr),
        Expr::MethodCall(m) => static_root(&m.receiver),
        Expr::Paren(p) => static_root(&p.expr),
        _ => None,
    }
}

/// `+=`, `|=`, ... (not the comparisons `==`, `<=`, ...).
fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Buffering {
    /// Flushed at each newline (stdout, `LineWriter`).
    Line,
    /// Flushed when full or asked (`BufWriter`).
    Full,
}

/// The value of a string (or byte string) literal.
fn str_lit(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            syn::Lit::ByteStr(b) => Some(String::from_utf8_lossy(&b.value()).into_owned()),
            _ => None,
        },
        Expr::Reference(r) => str_lit(&r.expr),
        _ => None,
    }
}

fn is_stdio(recv: &str) -> bool {
    recv.ends_with("stdout()") || recv.ends_with("stderr()") || recv == "stdout" || recv == "stderr"
}

fn display_path(segs: &[String]) -> String {
    let n = segs.len();
    if n >= 2 {
        path_key(&segs[n - 2], &segs[n - 1])
    } else {
        segs.join("::")
    }
}

#[cfg(test)]
mod tests {
    use super::{body_effect, body_uses_any, label_first, line_starts, without_whitespace, BodyEffect};

    #[test]
    fn entry_points_are_left_out_only_when_asked_and_when_they_define_no_function() {
        let text = "fn helper() -> u32 { 1 }\n\
                    #[test]\nfn plain() { assert_eq!(helper(), 1); }\n\
                    #[test]\nfn with_inner() { fn inner() {} inner(); }\n\
                    #[test]\nfn says_fn() { /* no fn here */ let _ = \"fn\"; }\n\
                    fn main() { helper(); }\n";
        let ast = syn::parse_file(text).unwrap();
        let table = crate::index::CrateTable::default();
        let knowledge = crate::knowledge::Knowledge::default();
        let walked = |defer: bool| {
            let mut w = super::Walker::new(0, text, &table, &knowledge);
            w.defer_entries = defer;
            w.walk_file(&ast);
            let keys = |fs: &[super::FnFact]| fs.iter().map(|f| f.keys.join(",")).collect::<Vec<_>>();
            (keys(&w.facts.functions), w.facts.deferred_entries.concat())
        };
        assert_eq!(
            walked(false),
            (
                vec![
                    "helper".into(),
                    "plain".into(),
                    "inner".into(),
                    "with_inner".into(),
                    "says_fn".into(),
                    "main".into()
                ],
                vec![]
            )
        );
        // `with_inner` defines `inner`: leaving it out would lose `inner` too.
        // `fn` in a comment or a string defines nothing.
        assert_eq!(
            walked(true),
            (
                vec!["helper".into(), "inner".into(), "with_inner".into()],
                vec!["plain".to_string(), "says_fn".to_string(), "main".to_string()]
            )
        );
    }

    #[test]
    fn whitespace_is_dropped_as_char_is_whitespace_says() {
        for text in [
            "a.b ()",
            " x\t=\r\n1 ",
            "a\x0bb\x0cc",
            "é .x\u{a0}y\u{2003}z",
            "",
            "   ",
        ] {
            let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(without_whitespace(text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_body_that_starts_with_a_label_is_found() {
        assert_eq!(label_first("target: \"app\", \"msg {}\", x"), Some("target"));
        assert_eq!(label_first("  // c\n name : \"mog\", 1"), Some("name"));
        // The lexer splits a raw name (`r`, `#`, `type`): parsed as usual.
        assert_eq!(label_first("r#type: 1"), None);
        assert_eq!(label_first("a::b(), c"), None, "a path");
        assert_eq!(label_first("a, b: c"), None, "a label later");
        assert_eq!(label_first("return: x"), None, "a keyword");
        assert_eq!(label_first("_: x"), None);
        assert_eq!(label_first("\"a\": x"), None, "a literal");
        assert_eq!(label_first("x"), None);
        assert_eq!(label_first(""), None);
    }

    #[test]
    fn line_starts_match_a_search_for_each_newline() {
        let all_ascii: String = (0u8..128).map(char::from).collect::<String>().repeat(3);
        let texts = [
            "",
            "\n",
            "fn main() {}",
            "a\nbb\nccc\r\n\n1234567\n12345678\n\n\n",
            "\u{feff}#!/bin/sh\nlet é = \"ü\";\n// 日本語\nx",
            "0123456\n0123456789abcdef\nlast line without newline",
            // Bytes one above a newline, and non-ASCII bytes whose low
            // seven bits are a newline's: no false hits next to a real one.
            "\n\u{b}\n\u{b}\u{b}x\n\u{b}\u{8a}\n\u{8a}\u{b}\n\n\u{b}\u{b}\u{b}\u{b}\u{b}\u{b}\n",
            &all_ascii,
            // Non-ASCII in a whole word, and only in the remainder.
            "abcdefghé\n",
            "abcdefgh\né",
        ];
        for text in texts {
            for offset in [0, 1.min(text.len())] {
                let Some(rest) = text.get(offset..) else { continue };
                let mut expected = vec![offset];
                expected.extend(rest.match_indices('\n').map(|(i, _)| offset + i + 1));
                let (starts, ascii) = line_starts(text, offset);
                assert_eq!(starts, expected, "{text:?} from {offset}");
                assert_eq!(ascii, rest.is_ascii(), "{text:?} from {offset}");
            }
        }
    }

    #[test]
    fn fields_and_labels_in_a_macro_body_are_not_uses() {
        let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        let (functions, statics) = (set(&["name", "field", "helper"]), set(&["COUNT"]));
        let uses = |body: &str| body_uses_any(body, &functions, &statics);
        assert!(!uses("ident = ?sub.field, qux = 3"));
        assert!(!uses("name: \"x\", target: \"y\", a = 1"));
        assert!(!uses("\"{name}\", name = 3"));
        assert!(!uses("parent: ::core::option::Option::None"));
        assert!(!uses("COUNT: 1"));
        assert!(uses("x.field()"));
        assert!(uses("name(1)"));
        assert!(uses("v.iter().map(helper)"));
        assert!(uses("x == name"));
        assert!(uses("name::f()"));
        assert!(uses("n: name"));
        assert!(uses("COUNT = 1"));
        assert!(uses("COUNT.load(Ordering::Relaxed)"));
    }

    #[test]
    fn what_a_macro_body_can_do() {
        assert_eq!(body_effect("a + b.c, \"{}\""), BodyEffect::None);
        assert_eq!(body_effect("f(x), 1"), BodyEffect::Local);
        assert_eq!(body_effect("v[i]"), BodyEffect::Local);
        assert_eq!(body_effect("rx.recv().await, Some(1)"), BodyEffect::Local);
        // tracing's sigils are not the try operator.
        assert_eq!(body_effect("answer = ?x, \"msg\""), BodyEffect::Local);
        assert_eq!(body_effect("%x, ?y"), BodyEffect::None);
        assert_eq!(body_effect("f(x)?"), BodyEffect::Leaves);
        assert_eq!(body_effect("x?.y"), BodyEffect::Leaves);
        assert_eq!(body_effect("{ g() }?"), BodyEffect::Leaves);
        assert_eq!(body_effect("match x { _ => return }"), BodyEffect::Leaves);
    }
}
