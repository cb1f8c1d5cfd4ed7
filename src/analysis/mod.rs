//! Flow facts: fork sites and child regions, lock guards, thread evidence,
//! calls and their signal-safety class. Rules consume these.

pub mod facts;
pub mod flow;
pub mod summary;

use crate::diagnostic::{Finding, Label};
use crate::index::CrateTable;
use crate::source::{FileId, SourceDb};
use crate::Options;

/// Parses and analyses the files of one crate, returning every finding.
pub fn analyze_crate(db: &SourceDb, files: &[FileId], opts: &Options) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut asts = Vec::new();
    for &id in files {
        match parse(db, id) {
            Ok(ast) => asts.push((id, ast)),
            Err(f) => findings.push(*f),
        }
    }
    let table = CrateTable::build(&asts.iter().map(|(_, a)| a).collect::<Vec<_>>());
    let mut all = Vec::new();
    for (id, ast) in &asts {
        let mut walker = flow::Walker::new(*id, stripped_prefix(&db.get(*id).text), &table);
        walker.walk_file(ast);
        all.push(walker.facts);
    }
    drop(asts);
    // Spans are plain byte ranges from here on: free proc-macro2's span table.
    proc_macro2::extra::invalidate_current_thread_spans();
    let summaries = summary::compute(&all);
    let ctx = crate::rules::RuleCtx {
        db,
        files: &all,
        summaries: &summaries,
        opts,
    };
    findings.extend(crate::rules::check_all(&ctx));
    findings
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
        let doc_line = s.starts_with("//!") || (s.starts_with("///") && !s.starts_with("////"));
        let doc_block = s.starts_with("/*!")
            || (s.starts_with("/**") && !s.starts_with("/***") && !s.starts_with("/**/"));
        if s.starts_with("//") && !doc_line {
            s = s.find('\n').map_or("", |i| &s[i..]);
        } else if s.starts_with("/*") && !doc_block {
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

pub fn parse(db: &SourceDb, id: FileId) -> Result<syn::File, Box<Finding>> {
    parse_source(&db.get(id).text).map_err(|(span, message, label)| {
        Box::new(Finding::new("parse_error", message, Label::new(id, span, label)))
    })
}

/// Parses a whole file as `syn::parse_file` does (after the BOM and shebang
/// that [`stripped_prefix`] skips), but refuses one nested deeper than
/// [`crate::nesting::MAX_DEPTH`]: parsing and walking it could overflow the
/// stack. `Err` is (byte range in `text`, message, label).
pub fn parse_source(text: &str) -> Result<syn::File, (std::ops::Range<usize>, String, &'static str)> {
    let offset = stripped_prefix(text);
    let in_text = |r: std::ops::Range<usize>| (r.start + offset)..(r.end + offset);
    // The lexer's own message ("cannot parse string into token stream")
    // does not say what is wrong; its span does.
    let tokens: proc_macro2::TokenStream = text[offset..].parse().map_err(|e: proc_macro2::LexError| {
        (
            in_text(e.span().byte_range()),
            "could not parse this file: unbalanced delimiter or invalid token; it was not checked"
                .to_string(),
            "cannot be tokenized from here",
        )
    })?;
    let limit = crate::nesting::MAX_DEPTH;
    let deepest = crate::nesting::deepest(&tokens, limit);
    if deepest.depth > limit {
        return Err((
            in_text(deepest.span.byte_range()),
            format!("this file nests more than {limit} levels deep; it was not checked"),
            "nesting limit reached here",
        ));
    }
    syn::parse2(tokens).map_err(|e| {
        let r = e.span().byte_range();
        // An error at the end of the input comes with an empty call-site
        // span (0..0): point at where the file ends instead of at 1:1.
        let (span, label) = if r.is_empty() && r.start == 0 {
            let end = text.trim_end().len();
            (end..end, "the file ends here")
        } else {
            (in_text(r), "parse error here")
        };
        (
            span,
            format!("could not parse this file: {e}; it was not checked"),
            label,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shebang_is_told_from_an_inner_attribute_past_comments() {
        assert_eq!(stripped_prefix("#!/bin/x\nfn main() {}"), 8);
        assert_eq!(stripped_prefix("\u{feff}#!/bin/x"), 11);
        assert_eq!(stripped_prefix("#![allow(x)]"), 0);
        assert_eq!(stripped_prefix("#! // c\n /* a /* b */ */ [allow(x)]"), 0);
        assert_eq!(
            stripped_prefix("#! /// doc\n[allow(x)]"),
            10,
            "doc comments are not skipped"
        );
        assert_eq!(stripped_prefix("#! /* unclosed"), 14);
        assert!(parse_source("#!//c\n[allow(x)]\nfn main() {}").is_ok());
    }

    #[test]
    fn an_error_at_the_end_of_the_file_points_there() {
        let text = "fn main() {}\n  stray\n\n";
        let (span, message, _) = parse_source(text).unwrap_err();
        assert_eq!(span, 20..20, "{message}");
    }
}
