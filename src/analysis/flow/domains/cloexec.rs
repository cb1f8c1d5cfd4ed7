//! Descriptors created without close-on-exec: raw creations whose flags
//! lack the flag (or come from the caller: a wrapper judged at its calls),
//! `dup2` onto a number of the caller's, and the facts the descriptor rule
//! reads.

use super::*;

impl Walker<'_> {
    /// A raw fd creation: recorded when its flags lack close-on-exec.
    pub(in crate::analysis::flow) fn fd_creation(
        &mut self,
        callee: String,
        fd: &crate::knowledge::FdCreation,
        c: &syn::ExprCall,
        span: Span,
        state: &State,
    ) {
        // The crate's own definition of a function the tables describe
        // (nix's `unistd::pipe`): its callers are judged by the table.
        if self.is_described_creator() {
            return;
        }
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
                        self.unit.scratch.fds.flag_wrapper = Some(FdFlagWrapper {
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
            handed_to: Vec::new(),
        });
        let idx = self.facts.fds_without_cloexec.len() - 1;
        self.unit.scratch.fds.unflagged.push((root, idx));
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
    pub(in crate::analysis::flow) fn fd_wrapper_call<'e>(
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
    pub(in crate::analysis::flow) fn fd_handled(&mut self, candidates: &[String], c: &syn::ExprCall) {
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
        for (_, idx) in self.unit.scratch.fds.unflagged.iter().filter(|(v, _)| *v == root) {
            self.facts.fds_without_cloexec[*idx].handled = true;
        }
        // A helper doing it to its parameter: its callers' descriptors.
        if let Some(i) = self.unit.params.iter().position(|p| *p == root) {
            let pos = self.unit.param_positions[i];
            if !self.unit.scratch.fds.cloexec_params.contains(&pos) {
                self.unit.scratch.fds.cloexec_params.push(pos);
            }
        }
    }

    /// Descriptors not yet made close-on-exec handed to a function of the
    /// crate (`cloexec(fd)`, `set_cloexec(master.as_raw_fd())`): the rule
    /// asks whether it handles them. `first` is the input position of the
    /// first argument (1 for a method).
    pub(in crate::analysis::flow) fn fds_handed<'e>(
        &mut self,
        keys: &[String],
        args: impl Iterator<Item = &'e Expr>,
        first: usize,
    ) {
        if self.unit.scratch.fds.unflagged.is_empty() {
            return;
        }
        for (i, a) in args.enumerate() {
            let Some(root) = place_root(a) else { continue };
            for (_, idx) in self.unit.scratch.fds.unflagged.iter().filter(|(v, _)| *v == root) {
                let handed = &mut self.facts.fds_without_cloexec[*idx].handed_to;
                if !handed.iter().any(|(k, p)| k == keys && *p == first + i) {
                    handed.push((keys.to_vec(), first + i));
                }
            }
        }
    }
}

/// What a flags argument lacks (see `Walker::flags_lack`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlagsLack {
    /// The close-on-exec flag.
    Flag,
    /// Nothing: it holds the flag, or may.
    Nothing,
    /// The flags come from the parameter at this input position.
    FromParam(usize),
}

impl Walker<'_> {
    /// A path call, for the descriptors: one it creates (and whether with
    /// close-on-exec), one it closes or hands on, one a function of the
    /// crate returns or is given.
    pub(in crate::analysis::flow) fn fds_on_call(&mut self, ev: &PathCall, state: &mut State, val: &mut Val) {
        let c = ev.call;
        self.fd_handled(ev.candidates, c);
        // A function the tables describe, by its path or, called inside
        // the crate that defines it, by that crate's name for it.
        let described = match ev.target {
            Target::Local { keys } => keys.iter().find_map(|k| self.described_path(k)),
            _ => None,
        };
        if let Some(fd) = ev
            .candidates
            .iter()
            .chain(described.as_ref())
            .find_map(|c| self.knowledge.fd_creation.get(c).map(|f| (c, f)))
        {
            self.fd_creation(fd.0.clone(), fd.1, c, ev.span.clone(), state);
        }
        self.fd_call(ev.candidates, c, ev.arg_vals, ev.span.clone(), state, val);
        if let Target::Local { keys } = ev.target {
            self.fds_handed(keys, c.args.iter(), 0);
            let args: Vec<(usize, &Val)> = ev.arg_vals.iter().enumerate().collect();
            self.fd_args(keys, &args, ev.span.clone(), state);
            if val.fds.is_empty() {
                val.fds = vec![self.fd_returned(keys, ev.span.clone(), state)];
            }
            self.fd_wrapper_call(
                keys,
                c.args.iter(),
                false,
                &display_path(ev.segs),
                ev.span.clone(),
            );
        }
    }
}

impl Walker<'_> {
    /// Is the function being walked one the tables list as creating a
    /// descriptor (`nix::unistd::pipe` in nix itself)? By the library's
    /// name and the module path.
    fn is_described_creator(&self) -> bool {
        let Some(function) = &self.function else {
            return false;
        };
        let mut key = crate::index::qualified(&self.module, "");
        if let Some(ty) = &self.impl_type {
            key.push_str(ty);
            key.push_str("::");
        }
        key.push_str(function);
        self.described_path(&key)
            .is_some_and(|p| self.knowledge.fd_creation.contains_key(&p))
    }

    /// The path the tables would name a function of this crate's library
    /// by (`CrateTable::external_path`), where they name one of its name.
    fn described_path(&self, key: &str) -> Option<String> {
        // Cheap first: the tables name a function of that name at all.
        if !self
            .knowledge
            .call_names
            .contains(crate::index::display_name(key))
        {
            return None;
        }
        self.table.external_path(key)
    }

    /// `flags |= O_CLOEXEC`, `flags.insert(OFlag::O_CLOEXEC)`: what a flags
    /// variable holds grows by the value added, for `flags_lack`.
    pub(in crate::analysis::flow) fn flags_added(&mut self, var: &Expr, added: &Expr) {
        let Some(name) = path_ident(var) else { return };
        let before = self
            .unit
            .var_texts
            .iter()
            .rev()
            .find(|v| v.0 == name)
            .map_or_else(|| name.clone(), |v| v.1.clone());
        let text = format!("{before}|{}", self.src(added));
        self.unit.var_texts.push((name, text));
    }
}
