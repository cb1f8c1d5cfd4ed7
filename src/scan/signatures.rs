//! Types from signatures, read off the tokens: what a function returns and
//! what a struct's fields hold, by type name, so that a method called on a
//! value a function of the crate returned, or on a field, finds its code
//! (`let (tx, rx) = &mut channel()?; tx.ready()`, `self.sender.send(..)`).

use crate::lexer::{Tok, TokenKind};

/// The type a function returns, as far as a method call on the value (after
/// `?` or `unwrap`) can use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returns {
    /// One type, by its last path segment (`MainSender`).
    Type(String),
    /// A tuple, element by element (`None` where an element has no name
    /// worth keeping: a primitive, a reference to a slice).
    Tuple(Vec<Option<String>>),
}

/// Wrappers a method call sees through: `?` and `unwrap` take `Result` and
/// `Option` off; `Box`, `Arc`, `Rc` and `Pin` deref to what they hold.
const SEEN_THROUGH: &[&[u8]] = &[b"Result", b"Option", b"Box", b"Arc", b"Rc", b"Pin"];

/// What a function returns, its return type starting at `at` (after the
/// signature's `->`); `self_ty` stands for `Self` in an impl.
pub fn returned(toks: &[Tok], at: usize, self_ty: Option<&str>) -> Option<Returns> {
    // Most functions return a primitive, `()` or `Result<(), E>`: a first
    // look before any walk.
    let first = toks.get(at)?;
    let path = toks.get(at + 1).is_some_and(|t| t.text == b":");
    if first.kind == TokenKind::Word && !path && !first.text.first().is_some_and(u8::is_ascii_uppercase) {
        return None;
    }
    shape(&toks[at..type_end(toks, at)], self_ty)
}

/// The named fields of the struct whose name is at `i - 1` (`struct Name
/// <..> { field: Type, .. }`): (field, type name). Tuple structs and unit
/// structs have none.
pub fn struct_fields(toks: &[Tok], i: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Past the generics, the body's `{` (a `(` or `;` ends a tuple or unit struct).
    let body = top_level_end(toks, i, |t| matches!(t.text, b"{" | b";" | b"("));
    if toks.get(body).is_none_or(|t| t.text != b"{") {
        return out;
    }
    let mut i = body + 1;
    while i < toks.len() {
        // `name: Type,` at the body's level (attributes and `pub(crate)`
        // are skipped as tokens that are not `name :`).
        let end = type_end(toks, i);
        let field = (i..end).find(|&j| {
            toks[j].kind == TokenKind::Word
                && toks.get(j + 1).is_some_and(|t| t.text == b":")
                && toks.get(j + 2).is_none_or(|t| t.text != b":")
        });
        if let Some(j) = field {
            if let Some(Returns::Type(ty)) = shape(&toks[j + 2..end], None) {
                if let Ok(field) = std::str::from_utf8(toks[j].text) {
                    out.push((field.to_owned(), ty));
                }
            }
        }
        match toks.get(end) {
            Some(t) if t.text == b"," => i = end + 1,
            _ => break,
        }
    }
    out
}

/// The shape of the type written as `ty`.
fn shape(ty: &[Tok], self_ty: Option<&str>) -> Option<Returns> {
    // `&mut T`, `&'a T`: a method call derefs.
    let mut at = 0;
    loop {
        match ty.get(at).map(|t| t.text) {
            Some(b"&" | b"mut") => at += 1,
            // A lifetime: `'` and its name, or one token.
            Some(b"'") => at += 2,
            _ if lifetime_at(ty, at) => at += 1,
            _ => break,
        }
    }
    let ty = ty.get(at..)?;
    let first = ty.first()?;
    if first.text == b"(" {
        let inner = &ty[1..ty.len().saturating_sub(1)];
        // `()` and tuples of primitives: nothing to keep (and no allocation).
        if !inner
            .iter()
            .any(|t| t.text.first().is_some_and(u8::is_ascii_uppercase))
        {
            return None;
        }
        let elems = split_top(inner).map(|e| match shape(e, self_ty) {
            Some(Returns::Type(t)) => Some(t),
            _ => None,
        });
        return Some(Returns::Tuple(elems.collect()));
    }
    // A path: its last segment before any generic arguments.
    let mut name_at = None;
    let mut j = 0;
    while let Some(t) = ty.get(j) {
        match (t.kind, t.text) {
            (TokenKind::Word, _) => name_at = Some(j),
            (TokenKind::Punct, b":") => {}
            _ => break,
        }
        j += 1;
    }
    let name = ty[name_at?].text;
    if SEEN_THROUGH.contains(&name) && ty.get(j).is_some_and(|t| t.text == b"<") {
        let args = &ty[j + 1..ty.len().saturating_sub(1)];
        return shape(split_top(args).next()?, self_ty);
    }
    if name == b"Self" {
        return self_ty.map(|t| Returns::Type(t.to_string()));
    }
    // Only a type of someone's (CamelCase) has methods worth finding.
    let named = name.first().is_some_and(u8::is_ascii_uppercase) && !matches!(name, b"Self");
    named.then(|| {
        std::str::from_utf8(name)
            .ok()
            .map(|n| Returns::Type(n.to_owned()))
    })?
}

/// `'a` at `i`: the lexer gives a lifetime as one word starting with `'`,
/// or as `'` and a word.
fn lifetime_at(ty: &[Tok], i: usize) -> bool {
    ty.get(i)
        .is_some_and(|t| t.text.first() == Some(&b'\'') && t.text.len() > 1)
}

/// Where, from `i`, the first token `stop` accepts outside any brackets
/// stands (`toks.len()` if none). The `>` of an arrow (`Fn() -> T`) closes
/// nothing.
fn top_level_end(toks: &[Tok], mut i: usize, stop: impl Fn(&Tok) -> bool) -> usize {
    let mut depth = 0i32;
    while let Some(t) = toks.get(i) {
        if depth <= 0 && stop(t) {
            return i;
        }
        match t.text {
            b"(" | b"<" | b"[" => depth += 1,
            b">" if i > 0 && toks[i - 1].text == b"-" => {}
            b")" | b">" | b"]" => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// Where the type starting at `i` ends: the first `,`, `;`, `{`, `}`, `)`,
/// `=` or `where` outside its own brackets.
fn type_end(toks: &[Tok], i: usize) -> usize {
    top_level_end(toks, i, |t| {
        matches!(
            (t.kind, t.text),
            (TokenKind::Punct, b"," | b";" | b"{" | b"}" | b")" | b"=") | (TokenKind::Word, b"where")
        )
    })
}

/// `a, b<c, d>, (e, f)` split at its top-level commas.
fn split_top<'t, 'a>(toks: &'t [Tok<'a>]) -> impl Iterator<Item = &'t [Tok<'a>]> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= toks.len() {
            return None;
        }
        let end = top_level_end(toks, start, |t| t.text == b",");
        let piece = &toks[start..end];
        start = end + 1;
        Some(piece)
    })
}
