//! Macros: which macros print, panic or are inert, and the token-level reading of macro bodies (output is `domains::output`'s).

use super::*;

impl<'a> Walker<'a> {
    pub(super) fn eval_macro(&mut self, mac: &syn::Macro, span: Span, state: State) -> (State, Val) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let mut state = state;
        // A `macro_rules!` of the crate: its body was walked as a function
        // (`name!`); the call is a call of it, made here.
        let own = crate::index::path_key("", &name);
        let own = format!("{}!", own.trim_start_matches("::"));
        if self.table.functions.contains(&own) {
            let site = CallSite {
                span: span.clone(),
                text: format!("{name}!"),
                target: Target::Local { keys: vec![own] },
                kind: CallKind::Macro,
                role: None,
                error_path: false,
            };
            self.record_call(&state, site);
        }
        let known = self.knowledge.macros.contains_key(&name);
        // An unknown macro whose tokens name nothing a call could matter by
        // (no function of the crate, nothing in the knowledge tables) is not
        // parsed: that would be a second parse of much generated code.
        let body = self.macro_body(mac);
        if !known && !body_names_any(body, &[&self.table.call_names, &self.knowledge.call_names]) {
            return (state, Val::default());
        }
        // A known one's arguments are parsed and walked only if they can do
        // something: call anything, name what matters or a static, leave
        // the function (`?`, `return`). Output macros are always parsed:
        // their text and target matter.
        // (An assertion's condition narrows a fork result in scope.)
        let output = self.knowledge.output_macros.get(&name);
        let always = output.is_some()
            || (self.knowledge.panic_macros.get(&name).is_some_and(|p| !p.always)
                && !self.unit.fork_vars.is_empty());
        // A body that starts with a label (tracing's `target: "x", ..`) is a
        // list of arguments only up to it: walking it would read one plain
        // name, which does something only if it is a static.
        let label_first = label_first(body).is_some_and(|w| !self.table.statics.contains(w));
        let inert = (!always && label_first)
            || known
                && !always
                && !body_uses_any(
                    body,
                    &[&self.table.call_names, &self.knowledge.call_names],
                    &self.table.statics,
                )
                && match body_effect(body) {
                    BodyEffect::None => true,
                    // Calls to what no table knows, indexes and assignments
                    // matter only in code that can run in a child: not in the
                    // parent's part of an entry point (most of them are the
                    // assertions of tests).
                    BodyEffect::Local => {
                        self.in_entry
                            && !self.unit.is_closure
                            && state.slices.fork.is_none()
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
        if let Some(out) = output {
            self.output_on_macro(out, &args, &vals, span.clone(), &mut state);
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
            self.locks_on_print(&name);
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
                error_path: false,
            },
        );
        match self.knowledge.panic_macros.get(&name).map(|p| p.always) {
            Some(true) => {
                self.escape_if_child(&state, EscapeKind::Panic, span);
                state.live = false;
            }
            Some(false) => {
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

    /// The text between a macro's delimiters.
    pub(super) fn macro_body(&self, mac: &syn::Macro) -> &'a str {
        let delim = mac.delimiter.span();
        let (open, close) = (delim.open(), delim.close());
        let (start, end) = (self.byte_at(open.end()), self.byte_at(close.start()));
        self.text.get(start..end.max(start)).unwrap_or("")
    }

    /// A macro's arguments as expressions: the comma-separated ones up to
    /// the first that is not an expression (`name: "x"` of tracing, a
    /// pattern of `matches!`). One pass: a body that is not a list of
    /// expressions is not parsed a second time.
    pub(super) fn macro_args(&self, mac: &syn::Macro) -> Vec<Expr> {
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
}

/// The name a macro body starts with when a label follows it (`target:`,
/// not a path's `::`): the one argument a walk of it would find.
pub(super) fn label_first(body: &str) -> Option<&str> {
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
pub(super) fn is_keyword(word: &str) -> bool {
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
pub(super) fn body_uses_any(
    body: &str,
    functions: &[&rustc_hash::FxHashSet<String>],
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
            if is_static || functions.iter().any(|f| f.contains(word)) {
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
pub(super) fn body_names_any(body: &str, sets: &[&rustc_hash::FxHashSet<String>]) -> bool {
    crate::lexer::tokens(body, 0).any(|t| {
        t.kind == crate::lexer::TokenKind::Word && sets.iter().any(|s| s.contains(&body[t.span.clone()]))
    })
}

/// What a macro body can do that the walk records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum BodyEffect {
    /// Names, fields, literals and operators only.
    None,
    /// Calls something (`f(..)`, `x.m(..)`, `m!(..)`, `.await`), indexes
    /// (`v[i]` can panic), assigns (`=`, `+=`) or holds statements (`{`).
    Local,
    /// Leaves the function or loop it is in (`x?`, `return`, `break`,
    /// `continue`, `yield`).
    Leaves,
}

pub(super) fn body_effect(body: &str) -> BodyEffect {
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

/// The statements of one `macro_rules!` arm's body, where they parse: each
/// metavariable (`$body`, `$e`) stands for an empty block (an expression
/// or statement) or, failing that, a plain name; repetitions (`$(..)*`)
/// are left out; `$crate` is `crate`. Spans stay the macro's own.
pub(super) fn macro_arm_body(body: &proc_macro2::Group) -> Option<syn::Block> {
    use syn::parse::Parser;
    for as_block in [true, false] {
        let tokens = substitute_metavariables(body.stream(), as_block);
        if let Ok(stmts) = syn::Block::parse_within.parse2(tokens) {
            return Some(syn::Block {
                brace_token: syn::token::Brace {
                    span: body.delim_span(),
                },
                stmts,
            });
        }
    }
    None
}

fn substitute_metavariables(tokens: proc_macro2::TokenStream, as_block: bool) -> proc_macro2::TokenStream {
    use proc_macro2::{Delimiter, Group, Ident, TokenTree};
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '$' => match iter.next() {
                Some(TokenTree::Ident(i)) if i == "crate" => {
                    out.push(TokenTree::Ident(Ident::new("crate", i.span())))
                }
                Some(TokenTree::Ident(i)) if as_block => {
                    let mut g = Group::new(Delimiter::Brace, proc_macro2::TokenStream::new());
                    g.set_span(i.span());
                    out.push(TokenTree::Group(g));
                }
                Some(TokenTree::Ident(i)) => out.push(TokenTree::Ident(Ident::new("__macro_arg", i.span()))),
                // `$( .. ) sep? op`: the repetition, its separator and operator.
                Some(TokenTree::Group(_)) => {
                    if let Some(TokenTree::Punct(sep)) = iter.peek() {
                        if !matches!(sep.as_char(), '*' | '+' | '?') {
                            iter.next();
                        }
                    }
                    if let Some(TokenTree::Punct(op)) = iter.peek() {
                        if matches!(op.as_char(), '*' | '+' | '?') {
                            iter.next();
                        }
                    }
                }
                Some(other) => out.push(other),
                None => {}
            },
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), substitute_metavariables(g.stream(), as_block));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}
