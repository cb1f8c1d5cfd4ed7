//! A call's text split into its callee and top-level arguments, enough
//! for the mechanical rewrites: nesting, strings and characters are
//! respected so a comma inside them does not split an argument.

pub struct Call {
    /// `libc::pipe`, `format!`.
    pub callee: String,
    pub args: Vec<String>,
}

impl Call {
    /// `None` unless `code` is `PATH(ARGS)` with nothing after the `)`.
    pub fn parse(code: &str) -> Option<Call> {
        let code = code.trim();
        let open = code.find('(')?;
        let callee = code[..open].trim();
        let is_path = !callee.is_empty()
            && callee
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '!'));
        if !is_path || !code.ends_with(')') {
            return None;
        }
        let inner = &code[open + 1..code.len() - 1];
        let args = split_top_level(inner)?;
        Some(Call {
            callee: callee.to_string(),
            args,
        })
    }

    /// The last path segment: `pipe` of `libc::pipe`.
    pub fn name(&self) -> &str {
        self.callee.rsplit("::").next().unwrap_or(&self.callee)
    }

    /// The callee without its last segment: `libc::` of `libc::pipe`.
    pub fn prefix(&self) -> &str {
        &self.callee[..self.callee.len() - self.name().len()]
    }
}

/// Splits at top-level commas; `None` if the brackets do not balance (the
/// `(` that opened the call closed early: not one call).
fn split_top_level(s: &str) -> Option<Vec<String>> {
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            '"' => {
                // To the closing quote, past escapes.
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' => {
                // A char literal ('x', '\n', ','); a lifetime has no closing quote.
                let rest = &s[i + 1..];
                if let Some(end) = rest
                    .char_indices()
                    .take(4)
                    .find(|&(j, q)| q == '\'' && j > 0)
                    .map(|p| p.0)
                {
                    for _ in 0..rest[..=end].chars().count() {
                        chars.next();
                    }
                }
            }
            ',' if depth == 0 => {
                args.push(s[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return None;
    }
    let last = s[start..].trim();
    if !last.is_empty() {
        args.push(last.to_string());
    }
    Some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_at_top_level_commas_only() {
        let c = Call::parse("libc::open(c\"a,b\".as_ptr(), f(x, y), ',', [1, 2])").unwrap();
        assert_eq!(c.callee, "libc::open");
        assert_eq!(c.args, ["c\"a,b\".as_ptr()", "f(x, y)", "','", "[1, 2]"]);
        assert_eq!((c.name(), c.prefix()), ("open", "libc::"));
        assert!(Call::parse("pipe()").unwrap().args.is_empty());
        assert!(Call::parse("a(b).c(d)").is_none(), "not one call");
        assert!(Call::parse("x.pipe()").is_none(), "a method call");
    }
}
