//! What a file declares for the crate's module tree: `mod name;` lines
//! (with `#[path]`) and `pub use` re-exports, read from tokens.

use super::owned;
use crate::lexer::{Tok, TokenKind};

/// One name a `pub use` makes visible (`pub use imp::open as open_pty;`),
/// or a glob (`pub use self::linux::*;`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reexport {
    /// Inline modules around it.
    pub inline: Vec<String>,
    /// The name it is visible by; `None` for a glob.
    pub alias: Option<String>,
    /// The path as written (`self::linux`, `crate::sys::open`).
    pub target: Vec<String>,
}

/// `mod name;`: a module whose body is another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModDecl {
    /// Inline modules around the declaration (`mod a { mod b; }` -> `["a"]`).
    pub inline: Vec<String>,
    pub name: String,
    /// `#[path = "x.rs"]` on it.
    pub path: Option<String>,
    /// `#[cfg(test)]` on it: the file is test code.
    pub test: bool,
}

/// `#[path = "x.rs"]` right before the `mod` at `at` (after `pub`,
/// `pub(crate)` and other attributes), and whether a `#[cfg(test)]` (or
/// `cfg(all(test, ..))`, not `not(test)`) is among them.
pub(super) fn mod_attrs(toks: &[Tok], at: usize) -> (Option<String>, bool) {
    let mut test = false;
    let path = attrs_before(toks, at, |attr| {
        if let [_, name, rest @ ..] = attr {
            if name.text == b"cfg" {
                let says = |w: &[u8]| rest.iter().any(|t| t.kind == TokenKind::Word && t.text == w);
                test |= says(b"test") && !says(b"not");
            }
        }
    });
    (path, test)
}

fn attrs_before(toks: &[Tok], at: usize, mut each: impl FnMut(&[Tok])) -> Option<String> {
    let mut i = at;
    // Back over a visibility: `pub`, `pub(crate)`, `pub(in a::b)`.
    if i >= 1 && toks[i - 1].text == b")" {
        while i > 0 && toks[i - 1].text != b"(" {
            i -= 1;
        }
        i = i.saturating_sub(1);
    }
    if i >= 1 && toks[i - 1].kind == TokenKind::Word && toks[i - 1].text == b"pub" {
        i -= 1;
    }
    // Attributes, innermost last: `# [ path = "lit" ]`.
    let mut path = None;
    while i >= 1 && toks[i - 1].text == b"]" {
        let close = i - 1;
        let mut open = close;
        while open > 0 && toks[open].text != b"[" {
            open -= 1;
        }
        let attr = &toks[open..=close];
        each(attr);
        if let [_, name, eq, lit, _] = attr {
            if path.is_none() && name.text == b"path" && eq.text == b"=" && lit.kind == TokenKind::Literal {
                let text = String::from_utf8_lossy(lit.text);
                path = Some(text.trim_matches('"').to_string());
            }
        }
        i = open.saturating_sub(1);
        if i < toks.len() && toks[i].text != b"#" {
            break;
        }
    }
    path
}

/// A use tree from `*at` (after `use`) to its end (`;`, or the `,`/`}`
/// that closes a group member): each name it makes visible, with `prefix`
/// the path so far.
pub(super) fn use_tree(
    toks: &[Tok],
    at: &mut usize,
    prefix: &mut Vec<String>,
    inline: &[String],
    out: &mut Vec<Reexport>,
) {
    let depth = prefix.len();
    while let Some(t) = toks.get(*at) {
        match (t.kind, t.text) {
            (TokenKind::Punct, b":") => *at += 1,
            (TokenKind::Punct, b"*") => {
                out.push(Reexport {
                    inline: inline.to_vec(),
                    alias: None,
                    target: prefix.clone(),
                });
                *at += 1;
                prefix.truncate(depth);
                return;
            }
            (TokenKind::Punct, b"{") => {
                *at += 1;
                loop {
                    use_tree(toks, at, prefix, inline, out);
                    match toks.get(*at) {
                        Some(t) if t.text == b"," => *at += 1,
                        Some(t) if t.text == b"}" => {
                            *at += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                prefix.truncate(depth);
                return;
            }
            (TokenKind::Word, b"as") => {
                // `a::b as c`: the last name read is seen as `c`.
                if let Some(alias) = toks.get(*at + 1).filter(|a| a.text != b"_") {
                    out.push(Reexport {
                        inline: inline.to_vec(),
                        alias: Some(owned(alias.text)),
                        target: prefix.clone(),
                    });
                }
                *at += 2;
                prefix.truncate(depth);
                return;
            }
            (TokenKind::Word, w) => {
                prefix.push(owned(w));
                *at += 1;
            }
            _ => break,
        }
    }
    // A plain path ends here: it is seen by its last name (`self` of a
    // group, `a::b::{self}`, is the module itself).
    if prefix.len() > depth {
        let mut target = prefix.clone();
        if target.last().is_some_and(|l| l == "self") {
            target.pop();
        }
        if let Some(name) = target.last().cloned() {
            out.push(Reexport {
                inline: inline.to_vec(),
                alias: Some(name),
                target,
            });
        }
    }
    prefix.truncate(depth);
}
