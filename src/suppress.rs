//! Suppressions written in the code:
//!
//! * `// forklint: allow(NAME, ...) -- reason` at the end of the offending
//!   line, or alone on the line above (stacked suppression comments all
//!   apply to the first line below them that is not such a comment);
//! * `//! forklint: allow(NAME)`, or a `// forklint: allow(NAME)` in the
//!   file's leading comments followed by a blank line: the whole file;
//! * `#[cfg_attr(forklint, allow(forklint::NAME))]` on an item (and
//!   `#![cfg_attr(...)]` for the file): the whole item.
//!
//! syn drops comments, so comments are found by a small lexer that knows
//! where string literals, char literals and block comments are. A
//! suppression that suppresses nothing, names an unknown rule or cannot be
//! read is itself reported, as `unused_suppression`.

use std::ops::Range;

use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::diagnostic::{Finding, Label};
use crate::lexer::{self, TokenKind};
use crate::source::{FileId, SourceDb, SourceFile};

pub const RULE: &str = "unused_suppression";

/// A `//` comment (not a block comment, not `///`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineComment {
    /// From the `//` to the end of the line (without the line break).
    pub span: Range<usize>,
    /// `//!`: an inner doc comment.
    pub inner: bool,
    /// Only whitespace before it on its line.
    pub standalone: bool,
}

/// Every line comment of a file, and where its first token is (comments
/// before it are the file's header).
#[derive(Debug, Default)]
pub struct CommentScan {
    pub comments: Vec<LineComment>,
    pub first_token: Option<usize>,
}

/// Finds the line comments of Rust source text, skipping what is inside
/// string literals (plain, byte, C, raw with any number of `#`), char and
/// byte literals, and (nested) block comments (see `crate::lexer`).
pub fn scan_comments(text: &str) -> CommentScan {
    let mut out = CommentScan::default();
    for t in lexer::tokens(text, crate::analysis::stripped_prefix(text)) {
        match t.kind {
            TokenKind::LineComment => {
                let b = text.as_bytes();
                let i = t.span.start;
                let third = b.get(i + 2).copied();
                let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                let is_outer_doc = third == Some(b'/') && b.get(i + 3) != Some(&b'/');
                if !is_outer_doc {
                    out.comments.push(LineComment {
                        span: t.span.clone(),
                        inner: third == Some(b'!'),
                        standalone: text[line_start..i].trim().is_empty(),
                    });
                }
            }
            TokenKind::BlockComment => {}
            _ => {
                out.first_token.get_or_insert(t.span.start);
            }
        }
    }
    out
}

/// What a suppression covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Findings whose primary span starts on this 0-based line.
    Line(usize),
    File,
    /// Findings whose primary span starts in this byte range (an item).
    Bytes(Range<usize>),
}

/// One rule named by one suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub file: FileId,
    pub rule: String,
    pub scope: Scope,
    /// Where it is written: the rule name in the comment or attribute.
    pub at: Range<usize>,
    pub used: bool,
}

/// `forklint: allow(a, forklint::b) -- reason` (the comment text after
/// `//` or `//!`): the rule names with their offsets in `body`. `None` when
/// the comment is not addressed to forklint; `Err` when it is but cannot
/// be read.
/// Rule names with their byte ranges in the comment body.
type NamedRules = Vec<(String, Range<usize>)>;

fn parse_directive(body: &str) -> Option<Result<NamedRules, String>> {
    let rest = body.trim_start().strip_prefix("forklint:")?;
    let skip_space = |pos: usize| body.len() - body[pos..].trim_start().len();
    let pos = skip_space(body.len() - rest.len());
    let Some(after_allow) = body[pos..].strip_prefix("allow") else {
        return Some(Err("expected `forklint: allow(RULE) -- reason`".into()));
    };
    let pos = skip_space(body.len() - after_allow.len());
    let close = body[pos..].find(')').map(|n| pos + n);
    let (true, Some(close)) = (body[pos..].starts_with('('), close) else {
        return Some(Err("expected `allow(RULE, ...)` with parentheses".into()));
    };
    let mut names = Vec::new();
    let mut start = pos + 1;
    for part in body[pos + 1..close].split(',') {
        let name = part.trim();
        let at = start + (part.len() - part.trim_start().len());
        start += part.len() + 1;
        if !name.is_empty() {
            let bare = name.strip_prefix("forklint::").unwrap_or(name);
            names.push((bare.to_string(), at..at + name.len()));
        }
    }
    if names.is_empty() {
        return Some(Err("`allow()` names no rule".into()));
    }
    let tail = body[close + 1..].trim();
    if !(tail.is_empty() || tail.starts_with("--")) {
        return Some(Err("expected `-- reason` after `allow(...)`".into()));
    }
    Some(Ok(names))
}

/// The suppressions of one file, and unused_suppression findings for
/// directives that cannot be read or name unknown rules.
pub fn collect(file: &SourceFile, id: FileId) -> (Vec<Suppression>, Vec<Finding>) {
    let mut sups = Vec::new();
    let mut problems = Vec::new();
    // Cheap test first: nearly every file has no suppression at all.
    if !file.text().contains("forklint") {
        return (sups, problems);
    }
    let scan = scan_comments(file.text());
    let comment_lines: std::collections::HashSet<usize> = scan
        .comments
        .iter()
        .filter(|c| c.standalone)
        .map(|c| file.line_index(c.span.start))
        .collect();
    for c in &scan.comments {
        let body_start = c.span.start + if c.inner { 3 } else { 2 };
        let body = &file.text()[body_start..c.span.end];
        let Some(directive) = parse_directive(body) else {
            continue;
        };
        let names = match directive {
            Ok(n) => n,
            Err(msg) => {
                problems.push(
                    Finding::new(
                        RULE,
                        format!("this forklint suppression cannot be read: {msg}"),
                        Label::new(id, c.span.clone(), "not understood"),
                    )
                    .with_help("write `// forklint: allow(RULE) -- reason`"),
                );
                continue;
            }
        };
        let line = file.line_index(c.span.start);
        let scope = if c.inner {
            Scope::File
        } else if !c.standalone {
            Scope::Line(line)
        } else {
            let mut target = line + 1;
            while comment_lines.contains(&target) {
                target += 1;
            }
            let blank = target >= file.line_count() || file.text()[file.line_range(target)].trim().is_empty();
            let in_header = scan.first_token.is_none_or(|t| c.span.start < t);
            if blank && in_header {
                Scope::File
            } else {
                Scope::Line(target)
            }
        };
        for (name, range) in names {
            let at = body_start + range.start..body_start + range.end;
            push_checked(&mut sups, &mut problems, id, name, scope.clone(), at);
        }
    }
    if file.text().contains("cfg_attr") {
        for (name, scope, at) in attribute_suppressions(file.text()) {
            push_checked(&mut sups, &mut problems, id, name, scope, at);
        }
    }
    (sups, problems)
}

fn push_checked(
    sups: &mut Vec<Suppression>,
    problems: &mut Vec<Finding>,
    file: FileId,
    rule: String,
    scope: Scope,
    at: Range<usize>,
) {
    if crate::rules::find(&rule).is_none() {
        problems.push(
            Finding::new(
                RULE,
                format!("unknown rule `{rule}` in a forklint suppression"),
                Label::new(file, at, "no such rule"),
            )
            .with_help(
                match crate::suggest::nearest(&rule, crate::rules::RULES.iter().map(|r| r.name)) {
                    Some(near) => format!("did you mean `{near}`? (`cargo forklint rules` lists the rules)"),
                    None => "`cargo forklint rules` lists the rules".to_string(),
                },
            ),
        );
        return;
    }
    sups.push(Suppression {
        file,
        rule,
        scope,
        at,
        used: false,
    });
}

/// `#[cfg_attr(forklint, allow(forklint::NAME, ...))]` on items, impl and
/// trait items, and `#![...]` at the top of the file: (rule, scope, where).
/// A file that does not parse has none (it is reported as parse_error).
pub fn attribute_suppressions(text: &str) -> Vec<(String, Scope, Range<usize>)> {
    let Ok(file) = crate::analysis::parse_source(text) else {
        proc_macro2::extra::invalidate_current_thread_spans();
        return Vec::new();
    };
    let mut finder = AttrFinder {
        offset: crate::analysis::stripped_prefix(text),
        found: Vec::new(),
    };
    finder.add(&file.attrs, Scope::File);
    finder.visit_file(&file);
    let found = finder.found;
    drop(file);
    // Spans of this parse are no longer needed; let proc-macro2 free them.
    proc_macro2::extra::invalidate_current_thread_spans();
    found
}

struct AttrFinder {
    /// Bytes syn stripped (BOM, shebang) before its offsets start.
    offset: usize,
    found: Vec<(String, Scope, Range<usize>)>,
}

impl AttrFinder {
    fn range(&self, span: proc_macro2::Span) -> Range<usize> {
        let r = span.byte_range();
        r.start + self.offset..r.end + self.offset
    }

    fn add(&mut self, attrs: &[syn::Attribute], scope: Scope) {
        for attr in attrs {
            if !attr.path().is_ident("cfg_attr") {
                continue;
            }
            let Ok(metas) = attr.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
            else {
                continue;
            };
            let mut metas = metas.into_iter();
            if !metas.next().is_some_and(|m| m.path().is_ident("forklint")) {
                continue;
            }
            for meta in metas {
                let syn::Meta::List(list) = meta else { continue };
                if !list.path.is_ident("allow") {
                    continue;
                }
                let Ok(paths) =
                    list.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                else {
                    continue;
                };
                for path in paths {
                    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
                    if let [tool, name] = segs.as_slice() {
                        if tool == "forklint" {
                            self.found
                                .push((name.clone(), scope.clone(), self.range(path.span())));
                        }
                    }
                }
            }
        }
    }

    fn add_node(&mut self, attrs: &[syn::Attribute], node: &impl Spanned) {
        if attrs.iter().any(|a| a.path().is_ident("cfg_attr")) {
            let scope = Scope::Bytes(self.range(node.span()));
            self.add(attrs, scope);
        }
    }
}

/// The outer attributes of an item.
fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item::*;
    match item {
        Const(i) => &i.attrs,
        Enum(i) => &i.attrs,
        ExternCrate(i) => &i.attrs,
        Fn(i) => &i.attrs,
        ForeignMod(i) => &i.attrs,
        Impl(i) => &i.attrs,
        Macro(i) => &i.attrs,
        Mod(i) => &i.attrs,
        Static(i) => &i.attrs,
        Struct(i) => &i.attrs,
        Trait(i) => &i.attrs,
        TraitAlias(i) => &i.attrs,
        Type(i) => &i.attrs,
        Union(i) => &i.attrs,
        Use(i) => &i.attrs,
        _ => &[],
    }
}

impl<'ast> Visit<'ast> for AttrFinder {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.add_node(item_attrs(item), item);
        syn::visit::visit_item(self, item);
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attrs: &[syn::Attribute] = match item {
            syn::ImplItem::Const(i) => &i.attrs,
            syn::ImplItem::Fn(i) => &i.attrs,
            syn::ImplItem::Type(i) => &i.attrs,
            syn::ImplItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.add_node(attrs, item);
        syn::visit::visit_impl_item(self, item);
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        let attrs: &[syn::Attribute] = match item {
            syn::TraitItem::Const(i) => &i.attrs,
            syn::TraitItem::Fn(i) => &i.attrs,
            syn::TraitItem::Type(i) => &i.attrs,
            syn::TraitItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.add_node(attrs, item);
        syn::visit::visit_trait_item(self, item);
    }
}

fn covers(s: &Suppression, db: &SourceDb, f: &Finding) -> bool {
    if s.file != f.primary.file || s.rule != f.rule {
        return false;
    }
    match &s.scope {
        Scope::File => true,
        Scope::Line(line) => db.get(s.file).line_index(f.primary.span.start) == *line,
        Scope::Bytes(range) => range.contains(&f.primary.span.start),
    }
}

/// Removes the findings a suppression covers and adds `unused_suppression`
/// findings for suppressions that covered nothing (or could not be read).
/// Returns how many findings were suppressed. Levels apply afterwards, so
/// a suppression of a rule the user turned off still counts as used.
pub fn apply(db: &SourceDb, findings: &mut Vec<Finding>) -> usize {
    let mut sups = Vec::new();
    let mut problems = Vec::new();
    for (id, file) in db.files.iter().enumerate() {
        let (s, p) = collect(file, id);
        sups.extend(s);
        problems.extend(p);
    }
    if sups.is_empty() && problems.is_empty() {
        return 0;
    }
    let before = findings.len();
    findings.retain(|f| {
        let mut suppressed = false;
        for s in sups.iter_mut().filter(|s| covers(s, db, f)) {
            s.used = true;
            suppressed = true;
        }
        !suppressed
    });
    let suppressed = before - findings.len();
    for s in sups.iter().filter(|s| !s.used && s.rule != RULE) {
        problems.push(
            Finding::new(
                RULE,
                format!("this suppression of `forklint::{}` suppresses nothing", s.rule),
                Label::new(s.file, s.at.clone(), "nothing to suppress here"),
            )
            .with_help("remove it, or move it to the line of the finding or the line above"),
        );
    }
    // `allow(unused_suppression)` silences these reports too.
    problems.retain(|f| !sups.iter().any(|s| covers(s, db, f)));
    findings.extend(problems);
    suppressed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment_texts(text: &str) -> Vec<&str> {
        scan_comments(text)
            .comments
            .iter()
            .map(|c| &text[c.span.clone()])
            .collect()
    }

    #[test]
    fn comments_inside_literals_and_block_comments_are_not_comments() {
        let text = r####"
let a = "// forklint: allow(x)"; // one
let b = r#"he said "// no" "#; // two
let c = br##"x"# // no "##; let q = '"'; // three
let d = b"\"// no"; let e = '\''; let f = c"//no";
/* outer /* nested // no */ still // no */ // four
fn g<'a>(x: &'a str) -> char { '/' } // five
let h = '\u{2F}'; let r#match = 1; /// doc, not a suppression
//! six
let s = "unterminated // no
"####;
        assert_eq!(
            comment_texts(text),
            vec!["// one", "// two", "// three", "// four", "// five", "//! six"]
        );
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for text in [
            "/* open", "r#\"open", "'", "b'", "\"\\", "'\\", "// x", "é'", "'é",
        ] {
            let _ = scan_comments(text);
        }
    }

    #[test]
    fn directives_parse_with_or_without_prefix_and_reason() {
        let names = |body: &str| -> Vec<String> {
            parse_directive(body)
                .unwrap()
                .unwrap()
                .into_iter()
                .map(|(n, r)| {
                    assert!(body[r.clone()].ends_with(&n), "{body:?} {r:?}");
                    n
                })
                .collect()
        };
        assert_eq!(names(" forklint: allow(a) -- because"), ["a"]);
        assert_eq!(names("forklint:allow( forklint::a , b )"), ["a", "b"]);
        assert!(parse_directive(" some other comment").is_none());
        assert!(parse_directive(" forklint: alow(a)").unwrap().is_err());
        assert!(parse_directive(" forklint: allow a").unwrap().is_err());
        assert!(parse_directive(" forklint: allow()").unwrap().is_err());
        assert!(parse_directive(" forklint: allow(a) because").unwrap().is_err());
    }

    fn db_of(text: &str) -> SourceDb {
        let mut db = SourceDb::default();
        db.add(SourceFile::new("a.rs".into(), "a.rs".into(), text.into()));
        db
    }

    /// A parse_error finding (a known rule) at the first occurrence of `needle`.
    fn finding_at(db: &SourceDb, needle: &str) -> Finding {
        let start = db.get(0).text().find(needle).expect("needle");
        Finding::new("parse_error", "m", Label::new(0, start..start + needle.len(), ""))
    }

    fn lines_of(db: &SourceDb, fs: &[Finding]) -> Vec<(usize, &'static str)> {
        fs.iter()
            .map(|f| (db.get(0).position(f.primary.span.start).0, f.rule))
            .collect()
    }

    #[test]
    fn line_suppressions_cover_their_line_or_the_line_below() {
        let db = db_of(
            "fn main() {\n    A; // forklint: allow(parse_error) -- on the line\n    \
             // forklint: allow(parse_error) -- above\n    // forklint: allow(parse_error)\n    B;\n    \
             C;\n    let s = \"// forklint: allow(parse_error)\"; D;\n}\n",
        );
        let mut fs: Vec<Finding> = ["A", "B", "C", "D"].iter().map(|n| finding_at(&db, n)).collect();
        let n = apply(&db, &mut fs);
        assert_eq!(n, 2, "A (same line) and B (two stacked comments above)");
        assert_eq!(lines_of(&db, &fs), vec![(6, "parse_error"), (7, "parse_error")]);
        // Both stacked comments covered B.
        assert!(!fs.iter().any(|f| f.rule == RULE));
    }

    #[test]
    fn unused_unknown_and_unreadable_suppressions_are_reported() {
        let db = db_of(
            "fn main() {\n    // forklint: allow(parse_error) -- nothing below\n\n    \
             X; // forklint: allow(no_such_rule, parse_eror)\n    Y; // forklint: permit(parse_error)\n}\n",
        );
        let mut fs = Vec::new();
        apply(&db, &mut fs);
        let typo = fs
            .iter()
            .find(|f| f.message.contains("`parse_eror`"))
            .expect("the typo is reported");
        assert!(typo
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean `parse_error`?"));
        fs.retain(|f| !f.message.contains("`parse_eror`"));
        let mut got: Vec<_> = fs
            .iter()
            .map(|f| {
                (
                    db.get(0).position(f.primary.span.start),
                    f.rule,
                    f.message.clone(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].0, (2, 24), "points at the rule name");
        assert!(got[0].2.contains("suppresses nothing"));
        assert_eq!(got[1].0, (4, 27));
        assert!(got[1].2.contains("unknown rule `no_such_rule`"));
        assert_eq!(got[2].0 .0, 5);
        assert!(got[2].2.contains("cannot be read"));
        assert!(got.iter().all(|g| g.1 == RULE));
    }

    #[test]
    fn file_level_suppressions() {
        let inner = db_of("//! forklint: allow(parse_error) -- generated\nfn a() { A; }\nfn b() { B; }\n");
        let mut fs = vec![finding_at(&inner, "A"), finding_at(&inner, "B")];
        assert_eq!(apply(&inner, &mut fs), 2);
        assert!(fs.is_empty());

        let header =
            db_of("// Generated file.\n// forklint: allow(parse_error) -- generated\n\nfn a() { A; }\n");
        let mut fs = vec![finding_at(&header, "A")];
        assert_eq!(apply(&header, &mut fs), 1);

        // Directly above code it is a line suppression, even in the header.
        let above = db_of("// forklint: allow(parse_error)\nfn a() {}\nfn b() { B; }\n");
        let mut fs = vec![finding_at(&above, "B")];
        assert_eq!(apply(&above, &mut fs), 0);
        assert_eq!(fs.len(), 2, "B stays and the suppression is unused");
    }

    #[test]
    fn cfg_attr_suppresses_exactly_its_item() {
        let db = db_of(
            "#[cfg_attr(forklint, allow(forklint::parse_error))]\nfn a() {\n    A;\n}\n\n\
             fn b() { B; }\n\nimpl S {\n    #[cfg_attr(forklint, allow(dead_code, forklint::parse_error))]\n    \
             fn c() { C; }\n    fn d() { D; }\n}\n",
        );
        let mut fs: Vec<Finding> = ["A", "B", "C", "D"].iter().map(|n| finding_at(&db, n)).collect();
        assert_eq!(apply(&db, &mut fs), 2);
        assert_eq!(lines_of(&db, &fs), vec![(6, "parse_error"), (11, "parse_error")]);
    }

    #[test]
    fn cfg_attr_unused_and_file_level() {
        let db = db_of(
            "#![cfg_attr(forklint, allow(forklint::parse_error))]\n\
             #[cfg_attr(forklint, allow(forklint::lock_held_across_fork))]\nfn a() { A; }\n",
        );
        let mut fs = vec![finding_at(&db, "A")];
        assert_eq!(apply(&db, &mut fs), 1);
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].rule, RULE);
        assert_eq!(
            db.get(0).snippet(&fs[0].primary.span),
            "forklint::lock_held_across_fork"
        );
    }

    #[test]
    fn allow_unused_suppression_silences_the_report() {
        let db =
            db_of("//! forklint: allow(unused_suppression)\nfn a() {} // forklint: allow(parse_error)\n");
        let mut fs = Vec::new();
        apply(&db, &mut fs);
        assert!(fs.is_empty(), "{fs:?}");
    }

    #[test]
    fn shebang_and_bom_keep_offsets_right() {
        let db = db_of(
            "\u{feff}#!/usr/bin/env run-cargo-script\n#[cfg_attr(forklint, allow(forklint::parse_error))]\n\
             fn a() { A; }\nfn b() { B; }\n",
        );
        let mut fs = vec![finding_at(&db, "A"), finding_at(&db, "B")];
        assert_eq!(apply(&db, &mut fs), 1);
        assert_eq!(lines_of(&db, &fs), vec![(4, "parse_error")]);
    }
}
