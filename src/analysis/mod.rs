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
    if rest.starts_with("#!") && !rest[2..].trim_start().starts_with('[') {
        n += rest.find('\n').unwrap_or(rest.len());
    }
    n
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
        (
            in_text(e.span().byte_range()),
            format!("could not parse this file: {e}; it was not checked"),
            "parse error here",
        )
    })
}
