//! The flow walk: each function body in evaluation order, with a state that
//! says which lock guards are live, whether other threads may be running,
//! and which processes (child, parent, fork failed) can be at this point.
//!
//! This is a forward may-analysis over the structured AST rather than an
//! explicit CFG: branches are walked on copies of the state and joined;
//! loops are walked twice so that facts flow along the back edge; `return`,
//! `break`, `?` and diverging calls end or split paths.
//!
//! The framework (this module, `control`, `expr`, `calls`, `methods`,
//! `closures`, `macros`, `patterns`, `resolve`, `cfg`) walks the code and
//! resolves names; what a call means to locks, threads, processes,
//! descriptors, buffered output, statics and Commands is decided in
//! `domains/`, one module each, which receive the calls as events and keep
//! their own slice of the state.

mod calls;
mod cfg;
mod closures;
mod control;
mod domains;
mod expr;
mod items;
mod located;
mod macros;
mod methods;
mod patterns;
mod resolve;
mod spans;

use self::{domains::*, items::*, patterns::*};
#[cfg(test)]
use self::{macros::*, spans::*};

use rustc_hash::FxHashMap;

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Expr, Pat, Stmt};

use super::facts::*;
use crate::index::imports::{segments, Imports};
use crate::index::{mentions_rwlock, path_key, type_name, CrateTable};
use crate::knowledge::{Class, ForkResultShape, GuardReceiver, Knowledge, MacroSink, Role, WriterOp};
use crate::source::FileId;

/// Which processes can be at a point after a fork.
pub type Procs = u8;
pub const CHILD: Procs = 1;
pub const PARENT: Procs = 2;
pub const FAILED: Procs = 4;
const ALL: Procs = CHILD | PARENT | FAILED;

/// Nesting beyond the bound the parser is given is refused before the walk
/// (`crate::nesting`); this guard only keeps the recursion bounded.
use crate::nesting::MAX_DEPTH;

/// The state at a point of the walk: the framework's (is the path live,
/// did it end the process, is it an error path) and each domain's slice
/// (see `domains`), joined slice by slice where paths meet.
#[derive(Debug, Clone)]
struct State {
    live: bool,
    /// The path ended by ending the process (exit, _exit, exec+_exit).
    exited: bool,
    /// Each domain's slice (see `domains`).
    slices: Slices,
    /// Every path here runs only after a call failed (an `Err(..)` arm,
    /// `if ret < 0`, a `map_err` closure): what happens here is an error
    /// path's, reported a group lower.
    error_path: bool,
}

impl State {
    fn new() -> State {
        State {
            live: true,
            exited: false,
            slices: Slices::default(),
            error_path: false,
        }
    }

    fn dead() -> State {
        State {
            live: false,
            ..State::new()
        }
    }

    fn in_child(&self) -> Option<ForkCtx> {
        self.slices.fork.filter(|f| self.live && f.procs & CHILD != 0)
    }

    /// In the child, before it escaped its branch: what it does here is
    /// the child's own doing (after an escape it is the escape's consequence).
    fn in_child_branch(&self) -> Option<ForkCtx> {
        self.in_child().filter(|f| !f.escaped)
    }

    /// Same facts in every domain (a loop's second walk changed nothing).
    fn same_facts(&self, other: &State) -> bool {
        self.live == other.live && self.error_path == other.error_path && self.slices.same(&other.slices)
    }

    fn in_parent(&self) -> Option<ForkCtx> {
        self.slices.fork.filter(|f| self.live && f.procs & PARENT != 0)
    }
}

fn join(states: Vec<State>) -> State {
    let mut live: Vec<State> = states.into_iter().filter(|s| s.live).collect();
    if live.is_empty() {
        return State::dead();
    }
    let mut out = live.remove(0);
    for s in live {
        // A point is on an error path only if every way into it is.
        out.error_path &= s.error_path;
        out.slices.join(s.slices);
    }
    out
}

/// What evaluating an expression yields, as far as the analysis cares.
#[derive(Debug, Clone, Default)]
struct Val {
    guards: Vec<usize>,
    fork: Option<(usize, ForkResultShape, Procs)>,
    thread: Option<usize>,
    closure: Option<Vec<CallSite>>,
    /// A closure argument walked where it is passed: its calls, in the
    /// unit's (`Unit::calls`, by index).
    inline_calls: Option<std::ops::Range<usize>>,
    /// The receiver chain is rooted at this static.
    static_root: Option<String>,
    /// Type the value is known to have (`T::new()`, `T { .. }`).
    ty: Option<String>,
    /// Per element, the types of a tuple a function of the crate returned
    /// (`let (tx, rx) = channel()?`).
    tuple_tys: Option<Vec<Option<String>>>,
    /// Descriptors the value holds (a `File`, a pipe end, a raw fd).
    fds: Vec<FdId>,
    /// Per element, for tuples and arrays (`(read_end, write_end)`).
    fd_elems: Option<Vec<Vec<FdId>>>,
}

#[derive(Default)]
struct Unit {
    calls: Vec<CallSite>,
    fork_vars: Vec<(String, usize, ForkResultShape, Procs)>,
    var_types: Vec<(String, String)>,
    closures: Vec<(String, Vec<CallSite>)>,
    /// Inside the branch of a role switch (nesting count).
    in_role_branch: usize,
    role_calls: Vec<Vec<String>>,
    /// `let name = helper()`: the variable holds that call's result.
    call_vars: Vec<(String, Span)>,
    /// Calls to functions of the crate made with locks held or threads running.
    call_contexts: Vec<CallContext>,
    /// Each parameter's position among the inputs, beside `params`.
    param_positions: Vec<usize>,
    has_self: bool,
    /// `let name = expr`: the expression's text, to follow flag variables.
    var_texts: Vec<(String, String)>,
    /// Variables bound from a struct field (`if let Some(hook) =
    /// self.hook.take()`): the field.
    var_fields: Vec<(String, String)>,
    /// Calls made so far to a role source (`env::args`, `env::var`).
    role_reads: usize,
    /// Variables holding what a role source returned.
    role_vars: Vec<String>,
    /// Loop variable -> the collection it iterates (for joins of handles).
    loop_vars: Vec<(String, String)>,
    loops: Vec<Vec<State>>,
    /// The label of each loop in `loops` (`'outer`, without the quote).
    loop_labels: Vec<Option<String>>,
    /// The function's parameter names (flags taken from one are the caller's).
    params: Vec<String>,
    /// The branch arms being walked, outside in.
    arms: Arms,
    local_call_arms: Vec<(usize, Arms)>,
    is_closure: bool,
    /// Parameters stored into a struct field (see `FnFact::param_fields`).
    param_fields: Vec<(usize, String)>,
    /// Each domain's scratch for the function (see `domains`).
    scratch: Scratch,
}

pub struct Walker<'a> {
    file: FileId,
    /// The file's text: code is read from it by span (cheaper than
    /// printing tokens back).
    text: &'a str,
    /// Where each line of the parsed text starts (absolute offsets), and
    /// whether it is all ASCII (a column is then a count of bytes): spans
    /// are turned into byte offsets from their line and column, which is
    /// cheap, instead of through proc-macro2's char-to-byte table. Found at
    /// the first span asked for: a file of left-out tests asks for none.
    lines: std::cell::OnceCell<(Vec<usize>, bool)>,
    knowledge: &'a Knowledge,
    table: &'a CrateTable,
    imports: Vec<Imports>,
    /// The module being walked (the file's, then inline `mod`s).
    module: Vec<String>,
    impl_type: Option<String>,
    /// The trait of the impl being walked: its default methods are
    /// `Self::` methods too.
    impl_trait: Option<String>,
    function: Option<String>,
    function_keys: Vec<String>,
    unit: Unit,
    depth: usize,
    nesting: usize,
    next_id: usize,
    /// Each domain's scratch for the file (see `domains`).
    file_scratch: FileScratch,
    pub facts: FileFacts,
    /// Fork wrappers of this file found by an earlier walk of the same
    /// syntax tree, on top of the crate table's.
    pub own_wrappers: crate::index::Wrappers,
    /// Walking the body of an entry point (`main`, a test): no code calls
    /// it, so it never runs in a child it did not fork itself.
    in_entry: bool,
    /// Leave entry points out, recording their keys in
    /// `FileFacts::deferred_entries`. Set for files that do not matter on
    /// their own (`demand::matters_alone`): there an entry point matters
    /// only if it calls something that forks or a rule reads what it does,
    /// which the analysis can tell once the rest of the crate is walked.
    pub defer_entries: bool,
    /// Walking test code: inside a `#[cfg(test)]` module (a depth), or a
    /// `#[test]` function.
    test_mods: usize,
    in_test_fn: bool,
    /// Ids handed to branches (`Arms`).
    branch_seq: u32,
    /// Functions the file declares in `extern "C"` blocks.
    extern_c: rustc_hash::FxHashSet<String>,
    /// Walking a `pre_exec` hook's closure: it runs in the child, between
    /// fork and exec (a `dup2` there hands a descriptor on, on purpose).
    in_pre_exec: bool,
    /// Struct fields whose closures the `pre_exec` hook being walked calls.
    hook_fields: Vec<String>,
}

impl<'a> Walker<'a> {
    pub fn new(file: FileId, text: &'a str, table: &'a CrateTable, knowledge: &'a Knowledge) -> Self {
        Walker {
            branch_seq: 0,
            extern_c: Default::default(),
            in_pre_exec: false,
            hook_fields: Vec::new(),
            file,
            text,
            lines: std::cell::OnceCell::new(),
            knowledge,
            table,
            imports: Vec::new(),
            module: table.file_modules.get(&file).cloned().unwrap_or_default(),
            impl_type: None,
            impl_trait: None,
            function: None,
            function_keys: Vec::new(),
            unit: Unit::default(),
            depth: 0,
            nesting: 0,
            next_id: 0,
            file_scratch: FileScratch::default(),
            facts: FileFacts::default(),
            own_wrappers: Default::default(),
            in_entry: false,
            defer_entries: false,
            test_mods: usize::from(table.test_files.contains(&file)),
            in_test_fn: false,
        }
    }

    // ----- items -----

    // ----- blocks and statements -----

    // ----- expressions -----

    // ----- calls -----

    // ----- macros -----

    // ----- buffered output -----

    // ----- control flow -----
}

// ----- helpers -----

#[cfg(test)]
mod tests {
    use super::{body_effect, body_uses_any, label_first, line_starts, without_whitespace, BodyEffect};

    #[test]
    fn entry_points_are_left_out_only_when_asked_and_when_they_define_no_function() {
        let text = "fn helper() -> u32 { 1 }\n\
                    #[test]\nfn plain() { assert_eq!(helper(), 1); }\n\
                    #[test]\nfn with_inner() { fn inner() {} inner(); }\n\
                    #[test]\nfn says_fn() { /* no fn here */ let _ = \"fn\"; }\n\
                    fn main() { helper(); }\n";
        let ast = syn::parse_file(text).unwrap();
        let table = crate::index::CrateTable::default();
        let knowledge = crate::knowledge::Knowledge::default();
        let walked = |defer: bool| {
            let mut w = super::Walker::new(0, text, &table, &knowledge);
            w.defer_entries = defer;
            w.walk_file(&ast);
            let keys = |fs: &[super::FnFact]| fs.iter().map(|f| f.keys.join(",")).collect::<Vec<_>>();
            (keys(&w.facts.functions), w.facts.deferred_entries.concat())
        };
        assert_eq!(
            walked(false),
            (
                vec![
                    "helper".into(),
                    "plain".into(),
                    "inner".into(),
                    "with_inner".into(),
                    "says_fn".into(),
                    "main".into()
                ],
                vec![]
            )
        );
        // `with_inner` defines `inner`: leaving it out would lose `inner` too.
        // `fn` in a comment or a string defines nothing.
        assert_eq!(
            walked(true),
            (
                vec!["helper".into(), "inner".into(), "with_inner".into()],
                vec!["plain".to_string(), "says_fn".to_string(), "main".to_string()]
            )
        );
    }

    #[test]
    fn whitespace_is_dropped_as_char_is_whitespace_says() {
        for text in [
            "a.b ()",
            " x\t=\r\n1 ",
            "a\x0bb\x0cc",
            "é .x\u{a0}y\u{2003}z",
            "",
            "   ",
        ] {
            let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(without_whitespace(text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_body_that_starts_with_a_label_is_found() {
        assert_eq!(label_first("target: \"app\", \"msg {}\", x"), Some("target"));
        assert_eq!(label_first("  // c\n name : \"mog\", 1"), Some("name"));
        // The lexer splits a raw name (`r`, `#`, `type`): parsed as usual.
        assert_eq!(label_first("r#type: 1"), None);
        assert_eq!(label_first("a::b(), c"), None, "a path");
        assert_eq!(label_first("a, b: c"), None, "a label later");
        assert_eq!(label_first("return: x"), None, "a keyword");
        assert_eq!(label_first("_: x"), None);
        assert_eq!(label_first("\"a\": x"), None, "a literal");
        assert_eq!(label_first("x"), None);
        assert_eq!(label_first(""), None);
    }

    #[test]
    fn line_starts_match_a_search_for_each_newline() {
        let all_ascii: String = (0u8..128).map(char::from).collect::<String>().repeat(3);
        let texts = [
            "",
            "\n",
            "fn main() {}",
            "a\nbb\nccc\r\n\n1234567\n12345678\n\n\n",
            "\u{feff}#!/bin/sh\nlet é = \"ü\";\n// 日本語\nx",
            "0123456\n0123456789abcdef\nlast line without newline",
            // Bytes one above a newline, and non-ASCII bytes whose low
            // seven bits are a newline's: no false hits next to a real one.
            "\n\u{b}\n\u{b}\u{b}x\n\u{b}\u{8a}\n\u{8a}\u{b}\n\n\u{b}\u{b}\u{b}\u{b}\u{b}\u{b}\n",
            &all_ascii,
            // Non-ASCII in a whole word, and only in the remainder.
            "abcdefghé\n",
            "abcdefgh\né",
        ];
        for text in texts {
            for offset in [0, 1.min(text.len())] {
                let Some(rest) = text.get(offset..) else { continue };
                let mut expected = vec![offset];
                expected.extend(rest.match_indices('\n').map(|(i, _)| offset + i + 1));
                let (starts, ascii) = line_starts(text, offset);
                assert_eq!(starts, expected, "{text:?} from {offset}");
                assert_eq!(ascii, rest.is_ascii(), "{text:?} from {offset}");
            }
        }
    }

    #[test]
    fn fields_and_labels_in_a_macro_body_are_not_uses() {
        let set = |names: &[&str]| -> rustc_hash::FxHashSet<String> {
            names.iter().map(|n| n.to_string()).collect()
        };
        let (functions, statics) = (set(&["name", "field", "helper"]), set(&["COUNT"]));
        let uses = |body: &str| body_uses_any(body, &[&functions], &statics);
        assert!(!uses("ident = ?sub.field, qux = 3"));
        assert!(!uses("name: \"x\", target: \"y\", a = 1"));
        assert!(!uses("\"{name}\", name = 3"));
        assert!(!uses("parent: ::core::option::Option::None"));
        assert!(!uses("COUNT: 1"));
        assert!(uses("x.field()"));
        assert!(uses("name(1)"));
        assert!(uses("v.iter().map(helper)"));
        assert!(uses("x == name"));
        assert!(uses("name::f()"));
        assert!(uses("n: name"));
        assert!(uses("COUNT = 1"));
        assert!(uses("COUNT.load(Ordering::Relaxed)"));
    }

    #[test]
    fn what_a_macro_body_can_do() {
        assert_eq!(body_effect("a + b.c, \"{}\""), BodyEffect::None);
        assert_eq!(body_effect("f(x), 1"), BodyEffect::Local);
        assert_eq!(body_effect("v[i]"), BodyEffect::Local);
        assert_eq!(body_effect("rx.recv().await, Some(1)"), BodyEffect::Local);
        // tracing's sigils are not the try operator.
        assert_eq!(body_effect("answer = ?x, \"msg\""), BodyEffect::Local);
        assert_eq!(body_effect("%x, ?y"), BodyEffect::None);
        assert_eq!(body_effect("f(x)?"), BodyEffect::Leaves);
        assert_eq!(body_effect("x?.y"), BodyEffect::Leaves);
        assert_eq!(body_effect("{ g() }?"), BodyEffect::Leaves);
        assert_eq!(body_effect("match x { _ => return }"), BodyEffect::Leaves);
    }
}
