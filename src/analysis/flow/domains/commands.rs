//! The `Command`s a function holds: which variable or parameter holds one,
//! where a `pre_exec` hook is registered on it, and how it is launched
//! (std forks at `spawn` and runs the hooks in the child; `exec` runs them
//! in the calling process). A Command used in any way the walk does not
//! follow (stored, returned, aliased, named in a macro) has an unknown launch.

use super::*;
use crate::knowledge::CommandLaunch;
use rustc_hash::FxHashSet;

/// The Commands of the unit being walked.
#[derive(Default)]
pub(in crate::analysis::flow) struct Commands {
    vars: Vec<Tracked>,
}

struct Tracked {
    name: String,
    param: Option<usize>,
    /// Where the walk saw the variable's name used in a way it follows
    /// (by byte offset: a loop body is walked twice).
    followed: FxHashSet<usize>,
    launches: Vec<Launch>,
}

impl Commands {
    fn tracked(&mut self, name: &str) -> Option<&mut Tracked> {
        self.vars.iter_mut().rev().find(|t| t.name == name)
    }

    fn declare(&mut self, name: String, param: Option<usize>, at: usize) {
        let mut followed = FxHashSet::default();
        followed.insert(at);
        match self.tracked(&name) {
            // A shadowing `let`: one entry per name keeps the count honest.
            Some(t) => {
                t.followed.extend(followed);
                t.param = t.param.or(param);
            }
            None => self.vars.push(Tracked {
                name,
                param,
                followed,
                launches: Vec::new(),
            }),
        }
    }

    fn is_tracked(&self, name: &str) -> bool {
        self.vars.iter().any(|t| t.name == name)
    }

    fn launch(&mut self, name: &str, at: Option<usize>, launch: Launch) {
        if let Some(t) = self.tracked(name) {
            t.followed.extend(at);
            if !t.launches.contains(&launch) {
                t.launches.push(launch);
            }
        }
    }

    fn follow(&mut self, name: &str, at: usize) {
        if let Some(t) = self.tracked(name) {
            t.followed.insert(at);
        }
    }

    /// The facts, once the function's text (`code`) is walked: a name the
    /// text uses more often than the walk followed is used in a way it did
    /// not see, and its launch is unknown.
    pub(in crate::analysis::flow) fn finish(self, code: &str) -> Vec<CommandFact> {
        self.vars
            .into_iter()
            .map(|mut t| {
                // The text's raw count bounds the lexed one: most functions
                // need no lexing.
                let unseen = code.matches(t.name.as_str()).count() > t.followed.len()
                    && word_count(code, &t.name) > t.followed.len();
                if unseen && !t.launches.contains(&Launch::Unknown) {
                    t.launches.push(Launch::Unknown);
                }
                CommandFact {
                    var: t.name,
                    param: t.param,
                    launches: t.launches,
                }
            })
            .collect()
    }
}

/// How often `code` uses the name `word`: as an identifier (not a field or
/// method of the same name, after a `.`), or inline in a format string
/// (`"{word}"`, `"{word:?}"`); comments do not count.
fn word_count(code: &str, word: &str) -> usize {
    use crate::lexer::TokenKind;
    let mut after_dot = false;
    crate::lexer::tokens(code, 0)
        .filter(|t| !matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
        .map(|t| {
            let text = &code[t.span];
            let field = std::mem::replace(&mut after_dot, text == ".");
            match t.kind {
                TokenKind::Word => usize::from(text == word && !field),
                TokenKind::Literal => text
                    .match_indices(word)
                    .filter(|(i, _)| {
                        text[..*i].ends_with('{')
                            && matches!(text[i + word.len()..].chars().next(), Some('}' | ':'))
                    })
                    .count(),
                _ => 0,
            }
        })
        .sum()
}

impl Walker<'_> {
    /// Does this type (as written, or resolved) launch processes as std's
    /// `Command` does (its `spawn` is a process spawn)?
    fn is_command_type(&self, ty: &str) -> bool {
        self.typed_method(ty, "spawn")
            .and_then(|k| self.knowledge.function(&k))
            .is_some_and(|f| f.role == Some(Role::SpawnProcess))
    }

    /// A parameter `cmd: &mut Command` at this input position.
    pub(in crate::analysis::flow) fn command_param(
        &mut self,
        ident: &syn::Ident,
        ty: &syn::Type,
        position: usize,
    ) {
        let mut ty = ty;
        while let syn::Type::Reference(r) = ty {
            ty = &r.elem;
        }
        let syn::Type::Path(p) = ty else { return };
        if self.is_command_type(&segments(&p.path).join("::")) {
            let at = self.span(ident).start;
            self.unit
                .scratch
                .commands
                .declare(ident.to_string(), Some(position), at);
        }
    }

    /// `let name = init` with the value's type known: a new Command; a
    /// value taken from a held Command (`let c = &mut cmd`) hides its launches.
    pub(in crate::analysis::flow) fn command_binding(&mut self, pat: &Pat, init: &Expr, ty: Option<&str>) {
        if let Some((held, _)) = self.command_root(init) {
            self.unit.scratch.commands.launch(&held, None, Launch::Unknown);
        }
        let Pat::Ident(p) = strip_pat_type(pat) else {
            return;
        };
        if ty.is_some_and(|t| self.is_command_type(t)) {
            let at = self.span(&p.ident).start;
            self.unit.scratch.commands.declare(p.ident.to_string(), None, at);
        }
    }

    /// The held Command a receiver chain starts from (`cmd`, `&mut cmd`,
    /// `cmd.arg(x).env(k, v)`), with where its name is written.
    pub(in crate::analysis::flow) fn command_root(&self, e: &Expr) -> Option<(String, usize)> {
        match e {
            Expr::Paren(p) => self.command_root(&p.expr),
            Expr::Reference(r) => self.command_root(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.command_root(&u.expr),
            Expr::MethodCall(m)
                if self
                    .knowledge
                    .command_methods
                    .get(&m.method.to_string())
                    .is_some_and(|c| c.launch == CommandLaunch::None) =>
            {
                self.command_root(&m.receiver)
            }
            Expr::Path(p) => {
                let name = p.path.get_ident()?.to_string();
                self.unit
                    .scratch
                    .commands
                    .is_tracked(&name)
                    .then(|| (name, self.span(p).start))
            }
            _ => None,
        }
    }

    /// A method called on a chain from a held Command: a launch, a
    /// setting, or something the tables do not know (an unknown launch).
    pub(in crate::analysis::flow) fn command_method(&mut self, m: &syn::ExprMethodCall, span: &Span) {
        let Some((name, at)) = self.command_root(&m.receiver) else {
            return;
        };
        let direct = matches!(strip_refs(&m.receiver), Expr::Path(_));
        let launch = match self.knowledge.command_methods.get(&m.method.to_string()) {
            Some(c) => match c.launch {
                CommandLaunch::None => None,
                CommandLaunch::Forks => Some(Launch::Forks(span.clone())),
                CommandLaunch::InPlace => Some(Launch::InPlace(span.clone())),
            },
            None => Some(Launch::Unknown),
        };
        let at = direct.then_some(at);
        match launch {
            Some(l) => self.unit.scratch.commands.launch(&name, at, l),
            None => {
                if let Some(at) = at {
                    self.unit.scratch.commands.follow(&name, at);
                }
            }
        }
    }

    /// Held Commands passed as arguments: to a function of the crate, as
    /// its parameter (`first` is the input position of the first argument:
    /// 1 for a method, whose `self` is 0); to anything else, an unknown launch.
    pub(in crate::analysis::flow) fn command_args<'e>(
        &mut self,
        args: impl Iterator<Item = &'e Expr>,
        target: &Target,
        first: usize,
    ) {
        if self.unit.scratch.commands.vars.is_empty() {
            return;
        }
        for (i, a) in args.enumerate() {
            let Expr::Path(p) = strip_refs(a) else { continue };
            let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
                continue;
            };
            if !self.unit.scratch.commands.is_tracked(&name) {
                continue;
            }
            let launch = match target {
                Target::Local { keys } => Launch::Passed {
                    keys: keys.clone(),
                    param: first + i,
                },
                _ => Launch::Unknown,
            };
            let at = self.span(p).start;
            self.unit.scratch.commands.launch(&name, Some(at), launch);
        }
    }
}

/// `&mut x`, `(x)`, `*x`: the expression they are taken of.
fn strip_refs(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_refs(&p.expr),
        Expr::Reference(r) => strip_refs(&r.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip_refs(&u.expr),
        _ => e,
    }
}

fn strip_pat_type(p: &Pat) -> &Pat {
    match p {
        Pat::Type(t) => strip_pat_type(&t.pat),
        _ => p,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_counts_only_as_a_whole_identifier() {
        let code =
            "fn f(cmd: &mut Command) { cmd.arg(x); let cmds = 1; my_cmd(); cmd_2; (cmd); o.cmd; o. cmd() }";
        assert_eq!(super::word_count(code, "cmd"), 3);
        assert_eq!(super::word_count("", "cmd"), 0);
        assert_eq!(super::word_count("écmd cmdé cmd", "cmd"), 1);
        // Comments and prose in strings are no use; a format argument is.
        let code = "// the cmd failed\n/* cmd */ log(\"cmd {cmd:?} {cmd}, {cmds}\", 1)";
        assert_eq!(super::word_count(code, "cmd"), 2);
    }
}
