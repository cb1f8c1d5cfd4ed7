//! A cheap upper bound on how deeply a file's syntax tree can nest, computed
//! on its tokens without recursion, before syn sees them.
//!
//! syn's parser, the flow walker and the syntax tree's destructor all
//! recurse once per nesting level, so `((((...))))` or `a + a + ... + a` a
//! hundred thousand deep would overflow any fixed stack. The analysis runs
//! on a thread with a large stack (see `lib.rs`), and a file whose bound
//! exceeds [`MAX_DEPTH`] is refused with a `parse_error` instead of parsed.
//!
//! The bound: a token group adds one level to what it contains; within one
//! token sequence, every token that can nest what follows it (operators,
//! `.`, `?`, `as`, `return`, `break`, `move`, `else`, closure pipes,
//! generic `<`, and each group, for call and index chains) adds one. The
//! count starts again where a new sibling starts: after `;` and `=>`, after
//! `,` unless inside `<...>` or closure pipes (whose commas separate nested
//! parts), and after a `{...}` followed by an identifier, `#` or a label
//! (a new statement or item: an expression cannot continue that way).
//! Plain names, literals, paths (`::`), `:`, attributes and lifetimes add
//! nothing. Real code stays far below the limit (a long builder chain adds
//! two per call); only hostile or absurdly generated input reaches it.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};

/// Deepest nesting bound a file may have to be parsed. It matches the flow
/// walker's own cap (`analysis::flow`), so a file that is not refused is
/// walked all the way down: nothing is skipped without a diagnostic.
/// Measured: over the 4,858 files of 125 popular crates the bound peaks at
/// 192 (syn's own expression parser) and 99% of files stay under 60; the
/// costliest construct (nested generic types, up to ~100 KB of stack per
/// level in a debug build) survives 2,500 levels on the 256 MiB stack.
pub const MAX_DEPTH: usize = 400;

/// Where the bound went deepest, and how deep: its first token past `limit`,
/// or the deepest one if the bound stays within it.
#[derive(Debug, Clone, Copy)]
pub struct Deepest {
    pub depth: usize,
    pub span: Span,
}

/// One token sequence being walked: the top level or a group's contents.
struct Frame {
    tokens: proc_macro2::token_stream::IntoIter,
    /// Nesting of the sequence itself (its enclosing groups and chains).
    base: usize,
    /// Tokens since the last sibling boundary that can nest what follows.
    chain: usize,
    /// Unclosed generic `<`, whose commas do not end a sibling.
    angle: usize,
    /// Inside closure pipes `|a, b|`, whose commas do not either.
    in_pipes: bool,
    /// The previous token was a `{...}` group.
    after_brace: bool,
    /// The previous token was the `#` or `#!` of an attribute.
    after_hash: bool,
    /// The previous token was this joint punctuation (`-` or `=` make the
    /// next `>` an arrow, `|` makes the next `|` a `||`).
    joint_before: Option<char>,
}

impl Frame {
    fn new(tokens: TokenStream, base: usize) -> Frame {
        Frame {
            tokens: tokens.into_iter(),
            base,
            chain: 0,
            angle: 0,
            in_pipes: false,
            after_brace: false,
            after_hash: false,
            joint_before: None,
        }
    }

    fn restart(&mut self) {
        self.chain = 0;
        self.angle = 0;
        self.in_pipes = false;
    }
}

/// Keywords that nest the expression or type that follows them.
fn nests_what_follows(word: &proc_macro2::Ident) -> bool {
    ["as", "return", "break", "yield", "become", "box", "move", "else"]
        .iter()
        .any(|k| word == k)
}

/// The nesting bound of `tokens`; stops early once it passes `limit`.
pub fn deepest(tokens: &TokenStream, limit: usize) -> Deepest {
    let mut best = Deepest {
        depth: 0,
        span: Span::call_site(),
    };
    let mut stack = vec![Frame::new(tokens.clone(), 0)];
    while let Some(frame) = stack.last_mut() {
        let Some(token) = frame.tokens.next() else {
            stack.pop();
            continue;
        };
        let after_brace = std::mem::take(&mut frame.after_brace);
        let joint_before = frame.joint_before.take();
        let after_hash = std::mem::take(&mut frame.after_hash);
        let mut counts = false;
        match &token {
            // An attribute's `[...]`: attributes are a flat list.
            TokenTree::Group(g) if after_hash && g.delimiter() == Delimiter::Bracket => {}
            TokenTree::Group(g) => {
                counts = true;
                frame.after_brace = g.delimiter() == Delimiter::Brace;
            }
            TokenTree::Ident(word) => {
                if after_brace && word != "as" && word != "else" {
                    frame.restart();
                }
                counts = nests_what_follows(word);
            }
            TokenTree::Punct(p) => {
                if p.spacing() == Spacing::Joint {
                    frame.joint_before = Some(p.as_char());
                }
                match p.as_char() {
                    ';' => frame.restart(),
                    ',' => {
                        if frame.angle == 0 && !frame.in_pipes {
                            frame.chain = 0;
                        }
                    }
                    '>' => match joint_before {
                        Some('=') => frame.restart(),
                        Some('-') => {}
                        _ => frame.angle = frame.angle.saturating_sub(1),
                    },
                    '#' if after_brace => {
                        frame.restart();
                        frame.after_hash = true;
                    }
                    '#' => frame.after_hash = true,
                    '!' if after_hash => frame.after_hash = true,
                    '\'' if after_brace => frame.restart(),
                    ':' | '\'' => {}
                    c => {
                        counts = true;
                        let alone = p.spacing() == Spacing::Alone;
                        if c == '<' && alone {
                            frame.angle += 1;
                        } else if c == '|' && alone && joint_before != Some('|') {
                            frame.in_pipes = !frame.in_pipes;
                        }
                    }
                }
            }
            TokenTree::Literal(_) => {}
        }
        if counts {
            frame.chain += 1;
        }
        let depth = frame.base + frame.chain + usize::from(!counts);
        if let TokenTree::Group(g) = &token {
            // Its contents nest one below it.
            let inner = g.stream();
            stack.push(Frame::new(inner, depth));
        } else if !counts {
            continue;
        }
        if depth > best.depth {
            best = Deepest {
                depth,
                span: token.span(),
            };
            if depth > limit {
                break;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(src: &str) -> usize {
        deepest(&src.parse().unwrap(), usize::MAX).depth
    }

    #[test]
    fn groups_and_operator_chains_count() {
        assert_eq!(depth("((((x))))"), 4);
        assert!(depth("a + b + c + d") >= 3);
        assert!(depth("f()()()()") >= 4);
        assert!(
            depth("|a, b| |c, d| |e, f| x") >= 6,
            "closure commas do not restart"
        );
        assert!(
            depth("HashMap<K, HashMap<K, HashMap<K, V>>>") >= 3,
            "generic commas do not restart"
        );
        assert!(depth("if a {} else if b {} else if c {} else {}") >= 4);
        assert!(depth("Box<dyn Fn() -> u8, Box<dyn Fn() -> Box<u8>>>") >= 3);
    }

    #[test]
    fn siblings_restart_the_count() {
        let items = "fn a() -> u8 { 1 }\n".repeat(1000);
        assert!(depth(&items) < 10, "{}", depth(&items));
        let docs = "/// doc\n#[inline]\nfn a(x: &u8) -> u8 { *x }\n".repeat(1000);
        assert!(depth(&docs) < 10, "{}", depth(&docs));
        let list = format!("const A: &[E] = &[{}];", "E::A, ".repeat(1000));
        assert!(depth(&list) < 10, "{}", depth(&list));
        let arms = format!(
            "fn f() {{ match x {{ {} }} }}",
            "A => { a() } B => b(),".repeat(500)
        );
        assert!(depth(&arms) < 10, "{}", depth(&arms));
        let stmts = format!("fn f() {{ {} }}", "if a {} loop {} x.y().z()?;".repeat(500));
        assert!(depth(&stmts) < 12, "{}", depth(&stmts));
    }

    #[test]
    fn stops_early_past_the_limit() {
        let deep = format!("{}{}", "(".repeat(50_000), ")".repeat(50_000));
        let d = deepest(&deep.parse().unwrap(), 100);
        assert_eq!(d.depth, 101);
    }
}
