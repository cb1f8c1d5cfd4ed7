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

use std::ops::Range;

use crate::lexer::{self, Lexed, Tok, TokenKind};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deepest {
    pub depth: usize,
    /// Byte range of that token (of a group's opening delimiter).
    pub span: Range<usize>,
}

/// One token sequence being walked: the top level or a group's contents.
#[derive(Default)]
struct Frame {
    /// Nesting of the sequence itself (its enclosing groups and chains).
    base: usize,
    /// Tokens since the last sibling boundary that can nest what follows.
    chain: usize,
    /// Unclosed generic `<`, whose commas do not end a sibling.
    angle: usize,
    /// Inside closure pipes `|a, b|`, whose commas do not either.
    in_pipes: bool,
    /// What the previous token was.
    after: After,
}

/// What the previous token of a sequence was, as far as the next one cares
/// (one small value, taken at every token).
#[derive(Default, Clone, Copy)]
struct After {
    /// A `{...}` group.
    brace: bool,
    /// The `#` or `#!` of an attribute.
    hash: bool,
    /// This joint punctuation (`-` or `=` make the next `>` an arrow, `|`
    /// makes the next `|` a `||`).
    joint: Option<u8>,
}

impl Frame {
    /// A doc comment here: the depth it reaches. It is a `#[doc = ".."]`
    /// attribute to the parser, which starts a new sibling after a block,
    /// and whose `= ".."` nests two below the chain.
    fn doc_comment(&mut self) -> usize {
        if std::mem::take(&mut self.after).brace {
            self.restart();
        }
        self.base + self.chain + 2
    }

    fn restart(&mut self) {
        self.chain = 0;
        self.angle = 0;
        self.in_pipes = false;
    }
}

/// Keywords that nest the expression or type that follows them.
fn nests_what_follows(word: &[u8]) -> bool {
    matches!(
        word,
        b"as" | b"return" | b"break" | b"yield" | b"become" | b"box" | b"move" | b"else"
    )
}

/// The nesting bound of `text` from byte `start` on (past a BOM or
/// shebang), on forklint's own lexer: no token tree is built, so it costs a
/// fraction of the parse it guards. Stops early once it passes `limit`.
pub fn deepest(text: &str, start: usize, limit: usize) -> Deepest {
    deepest_of(&lexer::lex_file(text, start), start, limit)
}

/// [`deepest`] over a file's tokens, as another pass lexes them.
pub fn deepest_of(lexed: &Lexed, start: usize, limit: usize) -> Deepest {
    let mut best = Deepest {
        depth: 0,
        span: start..start,
    };
    // Records a depth reached at a token; true once past the limit.
    let mut reached = |depth: usize, t: &Tok| {
        if depth > best.depth {
            best = Deepest {
                depth,
                span: lexed.range(t),
            };
            return depth > limit;
        }
        false
    };
    let code = &lexed.code;
    let docs = &lexed.docs;
    // The next doc comment, and the index of the token it precedes.
    let mut doc = 0;
    let mut doc_before = docs.first().map_or(usize::MAX, |d| d.0);
    // The sequence being walked, and the ones that enclose it.
    let mut frame = Frame::default();
    let mut enclosing: Vec<Frame> = Vec::new();
    for (i, token) in code.iter().enumerate() {
        // The doc comments before this token come first.
        while doc_before == i {
            if reached(frame.doc_comment(), &docs[doc].1) {
                return best;
            }
            doc += 1;
            doc_before = docs.get(doc).map_or(usize::MAX, |d| d.0);
        }
        let first = token.text[0];
        if token.kind == TokenKind::Punct && matches!(first, b')' | b']' | b'}') {
            if let Some(outer) = enclosing.pop() {
                frame = outer;
            }
            continue;
        }
        let after = std::mem::take(&mut frame.after);
        let depth = match token.kind {
            TokenKind::Word => {
                // Numbers are literals.
                if first.is_ascii_digit() {
                    continue;
                }
                if after.brace && token.text != b"as" && token.text != b"else" {
                    frame.restart();
                }
                if !nests_what_follows(token.text) {
                    continue;
                }
                frame.chain += 1;
                frame.base + frame.chain
            }
            TokenKind::Lifetime => {
                if after.brace {
                    frame.restart();
                }
                continue;
            }
            TokenKind::Punct => match first {
                // An attribute's `[...]`: attributes are a flat list.
                b'[' if after.hash => {
                    let depth = frame.base + frame.chain + 1;
                    enclosing.push(std::mem::take(&mut frame));
                    frame.base = depth;
                    depth
                }
                b'(' | b'[' | b'{' => {
                    frame.chain += 1;
                    let depth = frame.base + frame.chain;
                    frame.after.brace = first == b'{';
                    // Its contents nest one below it.
                    enclosing.push(std::mem::take(&mut frame));
                    frame.base = depth;
                    depth
                }
                c => {
                    // Joint: another punctuation character follows with no
                    // space (the parser's `Spacing::Joint`; delimiters are
                    // not punctuation there). Comments come between tokens
                    // that are not adjacent.
                    let joint = code.get(i + 1).is_some_and(|n| {
                        n.kind == TokenKind::Punct
                            && !matches!(n.text[0], b'(' | b')' | b'[' | b']' | b'{' | b'}')
                            && lexed.range(n).start == lexed.range(token).end
                    });
                    if joint {
                        frame.after.joint = Some(c);
                    }
                    // Separators and paths add nothing; the rest (operators,
                    // `.`, `?`, generic `<`, closure pipes) nests what follows.
                    let nests = match c {
                        b';' => {
                            frame.restart();
                            false
                        }
                        b',' => {
                            if frame.angle == 0 && !frame.in_pipes {
                                frame.chain = 0;
                            }
                            false
                        }
                        b'>' => {
                            match after.joint {
                                Some(b'=') => frame.restart(),
                                Some(b'-') => {}
                                _ => frame.angle = frame.angle.saturating_sub(1),
                            }
                            false
                        }
                        b'#' => {
                            if after.brace {
                                frame.restart();
                            }
                            frame.after.hash = true;
                            false
                        }
                        b'!' if after.hash => {
                            frame.after.hash = true;
                            false
                        }
                        b':' => false,
                        b'<' => {
                            if !joint {
                                frame.angle += 1;
                            }
                            true
                        }
                        b'|' => {
                            if !joint && after.joint != Some(b'|') {
                                frame.in_pipes = !frame.in_pipes;
                            }
                            true
                        }
                        _ => true,
                    };
                    if !nests {
                        continue;
                    }
                    frame.chain += 1;
                    frame.base + frame.chain
                }
            },
            // Literals.
            _ => continue,
        };
        if reached(depth, token) {
            return best;
        }
    }
    for (_, d) in &docs[doc..] {
        if reached(frame.doc_comment(), d) {
            break;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(src: &str) -> usize {
        deepest(src, 0, usize::MAX).depth
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
        let d = deepest(&deep, 0, 100);
        assert_eq!(d.depth, 101);
    }
}
