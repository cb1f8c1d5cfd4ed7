//! A dependency file as far as a summary needs it: the bodies of the
//! functions nobody asked for are blanked (spaces, newlines kept, so every
//! span stays the file's) before parsing. Signatures, `use` items, impl
//! blocks and statics stay, so names resolve as in the whole file; a big
//! module (nix's `unistd.rs`, `errno.rs`) costs the few functions read.

use rustc_hash::FxHashSet;

use crate::lexer::{lex_file, TokenKind};

/// `text` with the body of every `fn` whose name is not in `wanted`
/// blanked, and every doc comment; the text itself when nothing is.
pub fn keep_only(text: &str, wanted: &FxHashSet<&str>) -> String {
    keep_bodies(text, |name, _| wanted.contains(name))
}

/// `text` with only the bodies that say `word` (a fork helper's: the
/// function forks itself), and no doc comment.
pub fn keep_mentioning(text: &str, word: &[u8]) -> String {
    keep_bodies(text, |_, body| memchr::memmem::find(body, word).is_some())
}

/// `text` with the body of every `fn` that `keep` (given its name and its
/// body's bytes) refuses blanked, and every doc comment.
fn keep_bodies(text: &str, keep: impl Fn(&str, &[u8]) -> bool) -> String {
    let start = crate::lexer::stripped_prefix(text);
    let lexed = lex_file(text, start);
    let toks = &lexed.code;
    let mut blank: Vec<std::ops::Range<usize>> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        if !(t.kind == TokenKind::Word && t.text == b"fn") {
            i += 1;
            continue;
        }
        let Some(name) = toks.get(i + 1).filter(|n| n.kind == TokenKind::Word) else {
            i += 1;
            continue;
        };
        // The body's `{`: the first one after the signature at its own
        // depth (a `;` first: a declaration, no body).
        let mut j = i + 2;
        let mut depth = 0i32;
        let mut open = None;
        while j < toks.len() {
            match (toks[j].kind, toks[j].text) {
                (TokenKind::Punct, b"(" | b"[") => depth += 1,
                (TokenKind::Punct, b")" | b"]") => depth -= 1,
                (TokenKind::Punct, b";") if depth == 0 => break,
                (TokenKind::Punct, b"{") if depth == 0 => {
                    open = Some(j);
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        let Some(open) = open else {
            i = j.max(i + 1);
            continue;
        };
        // Its matching `}`.
        let mut depth = 0usize;
        let mut close = None;
        for (k, t) in toks.iter().enumerate().skip(open) {
            match (t.kind, t.text) {
                (TokenKind::Punct, b"{") => depth += 1,
                (TokenKind::Punct, b"}") => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { break };
        let name = std::str::from_utf8(name.text).unwrap_or("");
        let body = lexed.range(&toks[open]).end..lexed.range(&toks[close]).start;
        if keep(name, &text.as_bytes()[body]) {
            // Nested functions of a wanted one are its own code.
            i = close + 1;
            continue;
        }
        blank.push(lexed.range(&toks[open]).end..lexed.range(&toks[close]).start);
        i = close + 1;
    }
    // Doc comments become attributes syn parses as string literals, and a
    // summary reads none of them.
    blank.extend(lexed.docs.iter().map(|(_, d)| lexed.range(d)));
    if blank.is_empty() {
        return text.to_string();
    }
    let mut bytes = text.as_bytes().to_vec();
    for r in blank {
        for b in &mut bytes[r] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Only ASCII bytes were replaced, whole characters at a time (a body
    // lies between two ASCII braces), so this stays UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_not_wanted_are_blanked_and_spans_kept() {
        let text = "/// Docs.\nuse a::b;\nfn keep() { inner(); fn nested() { x() } }\nfn drop_me(v: [u8; 2]) -> Vec<u8> {\n    vec![1, 2]\n}\nextern \"C\" { fn c(); }\nimpl T { fn m(&self) { y() } }\n";
        let wanted = FxHashSet::from_iter(["keep"]);
        let out = keep_only(text, &wanted);
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.contains("fn keep() { inner(); fn nested() { x() } }"));
        assert!(!out.contains("vec!") && !out.contains("y()"), "{out}");
        assert!(out.contains("fn drop_me(v: [u8; 2]) -> Vec<u8> {"));
        assert!(out.contains("extern \"C\" { fn c(); }"));
        assert!(!out.contains("Docs"));
        assert!(syn::parse_file(&out).is_ok());
    }
}
