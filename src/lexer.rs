//! A small Rust lexer over source text: words, punctuation, literals and
//! comments with their byte ranges. It never panics on malformed input (an
//! unterminated literal or comment runs to the end). The scan for
//! suppression comments and the cheap pre-parse scan (`crate::scan`) use it.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Identifier, keyword, number, raw identifier.
    Word,
    /// One punctuation character.
    Punct,
    /// String, byte string, raw string, char or byte literal.
    Literal,
    /// `'a`, `'static`.
    Lifetime,
    LineComment,
    BlockComment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Range<usize>,
}

pub fn is_ident_byte(b: u8) -> bool {
    IDENT_BYTES[usize::from(b)]
}

/// Where the run of word bytes from `i` on ends.
#[inline(always)]
fn ident_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ident_byte(b[i]) {
        i += 1;
    }
    i
}

/// Bytes that can be part of a word: ASCII letters, digits, `_`, and every
/// byte of a non-ASCII character (a table: the lexer asks once per byte).
const IDENT_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        i += 1;
    }
    t
};

/// Does this comment (or text starting with one) open a doc comment
/// (`///`, `//!`, `/**`, `/*!`), which the parser keeps as an attribute?
pub fn is_doc_comment(c: &str) -> bool {
    (c.starts_with("///") && !c.starts_with("////"))
        || c.starts_with("//!")
        || (c.starts_with("/**") && !c.starts_with("/***") && !c.starts_with("/**/"))
        || c.starts_with("/*!")
}

/// Tokens of `text` from byte `start` on, whitespace skipped.
pub fn tokens(text: &str, start: usize) -> Tokens<'_> {
    Tokens { text, i: start }
}

pub struct Tokens<'a> {
    text: &'a str,
    i: usize,
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let (kind, start, end) = lex_at(self.text, self.i)?;
        self.i = end;
        Some(Token {
            kind,
            span: start..end,
        })
    }
}

/// A token of a whole file's pass: its kind and its text as bytes (where it
/// stands is where its bytes are: see [`Lexed::range`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok<'a> {
    pub kind: TokenKind,
    pub text: &'a [u8],
}

/// A file's tokens in one pass: the code, comments left out (what the
/// scan reads), and the doc comments, which the parser turns into
/// attributes (what the nesting bound also needs).
pub struct Lexed<'a> {
    base: &'a [u8],
    pub code: Vec<Tok<'a>>,
    /// Each doc comment with the index in `code` of the token it precedes.
    pub docs: Vec<(usize, Tok<'a>)>,
}

impl Lexed<'_> {
    /// Byte range of a token in the text.
    pub fn range(&self, t: &Tok) -> Range<usize> {
        let start = (t.text.as_ptr() as usize).wrapping_sub(self.base.as_ptr() as usize);
        start..start + t.text.len()
    }
}

/// Lexes `text` from byte `start` on in one loop (no iterator per token:
/// this runs over every byte of every file).
pub fn lex_file(text: &str, start: usize) -> Lexed<'_> {
    let bytes = text.as_bytes();
    // Room for the tokens of dense code: growing the vector copies it.
    let mut code = Vec::with_capacity(text.len() / 4 + 16);
    let mut docs = Vec::new();
    let mut i = start;
    while let Some((kind, start, end)) = lex_at(text, i) {
        i = end;
        let tok = Tok {
            kind,
            text: &bytes[start..end],
        };
        match kind {
            TokenKind::LineComment | TokenKind::BlockComment => {
                if is_doc_comment(&text[start..end]) {
                    docs.push((code.len(), tok));
                }
            }
            _ => code.push(tok),
        }
    }
    Lexed {
        base: bytes,
        code,
        docs,
    }
}

/// The token at or after byte `i` (whitespace skipped): its kind and byte
/// range, which always ends past `i` and on a character boundary.
#[inline(always)]
fn lex_at(text: &str, mut i: usize) -> Option<(TokenKind, usize, usize)> {
    let b = text.as_bytes();
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    if i >= b.len() {
        return None;
    }
    let start = i;
    let c = b[i];
    // The common tokens first: a word that cannot be a literal's prefix,
    // and punctuation that cannot start a comment or literal.
    if is_ident_byte(c) && !matches!(c, b'r' | b'b' | b'c') {
        // Ends before an ASCII byte or at the end: a char boundary.
        return Some((TokenKind::Word, start, ident_end(b, i + 1)));
    }
    if !is_ident_byte(c) && !matches!(c, b'/' | b'"' | b'\'') {
        return Some((TokenKind::Punct, start, i + 1));
    }
    let next = b.get(i + 1).copied();
    let (kind, end) = match c {
        b'/' if next == Some(b'/') => {
            let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
            let end = if end > i && b[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            (TokenKind::LineComment, end)
        }
        b'/' if next == Some(b'*') => (TokenKind::BlockComment, skip_block_comment(b, i)),
        b'"' => (TokenKind::Literal, skip_quoted(b, i + 1, b'"')),
        b'\'' => {
            let end = skip_char_or_lifetime(text, i);
            if b.get(end - 1) == Some(&b'\'') && end > i + 1 {
                (TokenKind::Literal, end)
            } else {
                // A lifetime: the quote, then the word.
                (TokenKind::Lifetime, ident_end(b, i + 1))
            }
        }
        c if is_ident_byte(c) => {
            let word_end = ident_end(b, i + 1);
            // Only `r`, `b`, `c`, `br`, `cr` before a quote or `#` can
            // start a literal: every other word ends where it ends.
            let may_prefix = word_end - i <= 2
                && matches!(&b[i..word_end], b"r" | b"b" | b"c" | b"br" | b"cr")
                && matches!(b.get(word_end), Some(b'"' | b'#' | b'\''));
            let end = if may_prefix {
                skip_word_or_prefixed_literal(text, i)
            } else {
                // Ends before an ASCII byte or at the end: a char boundary.
                return Some((TokenKind::Word, start, word_end));
            };
            if end == word_end {
                (TokenKind::Word, end)
            } else {
                (TokenKind::Literal, end)
            }
        }
        // Every byte of a non-ASCII character is a word byte: what is
        // left is one ASCII character (`/` not starting a comment).
        _ => return Some((TokenKind::Punct, start, i + 1)),
    };
    let mut end = end.max(start + 1).min(b.len());
    // Keep the cursor on a char boundary whatever the input.
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Some((kind, start, end))
}

fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// From just after an opening quote, past the closing `quote`, honouring
/// backslash escapes.
fn skip_quoted(b: &[u8], mut i: usize, quote: u8) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// At a `'`: a char literal (`'x'`, `'"'`, `'\''`, `'\u{1F600}'`, `'é'`)
/// or a lifetime/label (`'a`, `'static`), which has no closing quote.
fn skip_char_or_lifetime(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    match b.get(i + 1) {
        Some(b'\\') => {
            // Escaped: the escaped character, then up to the closing quote.
            let mut j = i + 3;
            while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
                j += 1;
            }
            (j + 1).min(b.len())
        }
        Some(_) => {
            let width = text[i + 1..].chars().next().map_or(1, char::len_utf8);
            if b.get(i + 1 + width) == Some(&b'\'') {
                i + 2 + width
            } else {
                i + 1
            }
        }
        None => i + 1,
    }
}

/// At a word character: a raw string (`r"..."`, `r#"..."#`, `br`, `cr`), a
/// byte/C string (`b"..."`, `c"..."`), a byte literal (`b'x'`), or a plain
/// word (identifier, keyword, number, raw identifier `r#match`).
fn skip_word_or_prefixed_literal(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    let raw_at = match (b[i], b.get(i + 1)) {
        (b'r', _) => Some(i + 1),
        (b'b' | b'c', Some(b'r')) => Some(i + 2),
        _ => None,
    };
    if let Some(mut j) = raw_at {
        let mut hashes = 0;
        while b.get(j) == Some(&b'#') {
            hashes += 1;
            j += 1;
        }
        if b.get(j) == Some(&b'"') {
            let closing = format!("\"{}", "#".repeat(hashes));
            return text[j + 1..]
                .find(&closing)
                .map_or(b.len(), |n| j + 1 + n + closing.len());
        }
    }
    match (b[i], b.get(i + 1)) {
        (b'b' | b'c', Some(b'"')) => return skip_quoted(b, i + 2, b'"'),
        (b'b', Some(b'\'')) => return skip_quoted(b, i + 2, b'\''),
        // A raw identifier (`r#type`) is one word.
        (b'r', Some(b'#'))
            if b.get(i + 2)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') =>
        {
            return ident_end(b, i + 2)
        }
        _ => {}
    }
    ident_end(b, i)
}

/// Bytes that `syn::parse_file` strips before parsing (a BOM and a shebang
/// line); spans are relative to what follows, so offsets add this back.
pub fn stripped_prefix(text: &str) -> usize {
    let mut n = 0;
    if text.starts_with('\u{feff}') {
        n = '\u{feff}'.len_utf8();
    }
    let rest = &text[n..];
    if rest.starts_with("#!") && !skip_blank_and_comments(&rest[2..]).starts_with('[') {
        n += rest.find('\n').unwrap_or(rest.len());
    }
    n
}

/// `s` after whitespace and plain (non-doc) comments: as rustc and syn
/// decide whether `#!` starts a shebang line or an inner attribute
/// (`#! /* c */ [allow(x)]` is an attribute).
fn skip_blank_and_comments(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        let doc = is_doc_comment(s);
        if s.starts_with("//") && !doc {
            s = s.find('\n').map_or("", |i| &s[i..]);
        } else if s.starts_with("/*") && !doc {
            // Block comments nest.
            let (mut depth, mut i) = (0usize, 0);
            let b = s.as_bytes();
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            // `i` is past an ASCII `*/` or at the end: a char boundary.
            s = &s[i.min(s.len())..];
        } else {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokens(text, 0).map(|t| (t.kind, &text[t.span])).collect()
    }

    #[test]
    fn lexes_words_literals_lifetimes_and_comments() {
        use TokenKind::*;
        let got = kinds("fn f<'a>(x: &'a str) -> char { '\"' } // c\n/* a /* b */ */ r#\"x\"# b'y'");
        assert_eq!(
            got,
            vec![
                (Word, "fn"),
                (Word, "f"),
                (Punct, "<"),
                (Lifetime, "'a"),
                (Punct, ">"),
                (Punct, "("),
                (Word, "x"),
                (Punct, ":"),
                (Punct, "&"),
                (Lifetime, "'a"),
                (Word, "str"),
                (Punct, ")"),
                (Punct, "-"),
                (Punct, ">"),
                (Word, "char"),
                (Punct, "{"),
                (Literal, "'\"'"),
                (Punct, "}"),
                (LineComment, "// c"),
                (BlockComment, "/* a /* b */ */"),
                (Literal, "r#\"x\"#"),
                (Literal, "b'y'"),
            ]
        );
    }

    #[test]
    fn literal_prefixes_start_literals_and_nothing_else() {
        use TokenKind::*;
        // `r`, `b`, `c`, `br`, `cr` before a quote are part of the literal;
        // the same letters in longer words, or before anything else, are words.
        assert_eq!(
            kinds("c\"w\" cr#\"z\"# br\"y\" b'z' r#\"x\"# rb c(1) bar"),
            vec![
                (Literal, "c\"w\""),
                (Literal, "cr#\"z\"#"),
                (Literal, "br\"y\""),
                (Literal, "b'z'"),
                (Literal, "r#\"x\"#"),
                (Word, "rb"),
                (Word, "c"),
                (Punct, "("),
                (Word, "1"),
                (Punct, ")"),
                (Word, "bar"),
            ]
        );
    }

    #[test]
    fn a_file_pass_keeps_code_and_doc_comments_in_place() {
        let text = "/// doc\nfn f() {} // plain\n/** block doc */ struct S; /* plain */ //! inner";
        let lexed = lex_file(text, 0);
        let code: Vec<&str> = lexed.code.iter().map(|t| &text[lexed.range(t)]).collect();
        assert_eq!(code, ["fn", "f", "(", ")", "{", "}", "struct", "S", ";"]);
        let docs: Vec<(usize, &str)> = lexed
            .docs
            .iter()
            .map(|(i, t)| (*i, &text[lexed.range(t)]))
            .collect();
        assert_eq!(docs, [(0, "/// doc"), (6, "/** block doc */"), (9, "//! inner")]);
    }

    #[test]
    fn a_file_pass_gives_the_iterators_tokens() {
        // The file pass and the iterator share `lex_at`; the file pass
        // sorts comments out. Odd input and real code.
        let texts = [
            "r#\"x\"# br\"y\" b'z' c\"w\" r#match rb bar cr'a 'b' x/y /*c*/ a//d\n é/\"é\"",
            "\"abc",
            "'",
            "b'",
            "/* a",
            "'\\",
            include_str!("lexer.rs"),
            include_str!("nesting.rs"),
        ];
        for text in texts {
            let lexed = lex_file(text, 0);
            let by_iterator: Vec<Token> = tokens(text, 0)
                .filter(|t| !matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
                .collect();
            let by_file: Vec<Token> = lexed
                .code
                .iter()
                .map(|t| Token {
                    kind: t.kind,
                    span: lexed.range(t),
                })
                .collect();
            assert_eq!(by_iterator, by_file, "{text:?}");
        }
    }

    #[test]
    fn never_panics_on_truncated_or_odd_input() {
        for text in ["\"abc", "'", "r#\"x", "/* a", "b'", "é'", "'\\", "\u{feff}x"] {
            let _ = kinds(text);
            let _ = lex_file(text, 0);
        }
    }
}
