//! Feeds one file's worth of input through forklint's discovery-free entry
//! point (`forklint::lint_source`) and every output format, and checks what
//! must hold for any input: no panic, no internal error, every label inside
//! its file on character boundaries, and every JSON line parseable.
//!
//! The first byte picks how the rest becomes source text:
//! * even: the bytes themselves (lossily decoded when not UTF-8);
//! * odd: a token stream, one token per byte, drawn from Rust syntax and
//!   the names forklint cares about (fork, locks, threads, exec, exit),
//!   with brackets kept balanced, so most inputs get past the parser and
//!   into the analysis. Bits of the first byte add a BOM, a shebang and
//!   CRLF or lone-CR line endings.
//!
//! Token-mode inputs are also linted as LF, CRLF, behind a BOM and behind
//! a shebang line: every finding must keep its line and column (one line
//! lower after the shebang), so positions stay right whatever the framing.
//!
//! Build and run with `--no-cfg-fuzzing`: under `cfg(fuzzing)` proc-macro2
//! keeps no source map, every span is a dummy, and the position checks
//! would compare nonsense.
//!
//! `FORKLINT_FUZZ_DUMP=FILE` writes the source text of the input to FILE
//! (and a token-mode input's plain-LF text to FILE.lf):
//! how a crashing token-mode input becomes a regression test under
//! tests/fuzz_regressions/.

#![no_main]

use forklint::cli::Format;
use forklint::output::{self, CargoJson, Selected};
use forklint::Options;
use libfuzzer_sys::fuzz_target;

/// One token per input byte (256 entries would be ideal; bytes wrap).
const TOKENS: &[&str] = &[
    "fn", "main", "()", "let", "mut", "=", ";", "match", "if", "else", "loop", "while", "for", "in",
    "return", "break", "continue", "unsafe", "move", "||", "|x|", "=>", ",", ".", "?", "!", "&",
    "*", "-", "+", "==", "!=", "<", ">", "<=", "::", ":", "_", "0", "1", "-1", "pid", "child",
    "g", "guard", "x", "self", "Self", "impl", "struct", "static", "const", "use", "mod", "pub",
    "async", "await", "as", "ref", "box", "dyn", "where", "type", "trait", "enum", "'a", "'a:",
    "fork", "fork()", "unsafe { fork() }", "libc::fork()", "nix::unistd::fork()", "vfork()",
    "libc::vfork()", "ForkResult::Child", "ForkResult::Parent { child }", "Ok", "Err", "Some",
    "None", "Ok(ForkResult::Child)", "Ok(ForkResult::Parent { .. })", ".is_child()", "pid == 0",
    "pid < 0", "M", "M.lock()", ".lock()", ".unwrap()", ".expect(\"e\")", ".read()", ".write()",
    "Mutex::new(0)", "RwLock::new(0)", "Arc::new", "drop(g)", "std::mem::forget(g)",
    "println!(\"x\")", "print!(\"y\")", "eprintln!(\"{}\", x)", "format!(\"{x}\")", "vec![1, 2]",
    "panic!()", "assert!(x)", "unreachable!()", "todo!()", "write!(f, \"x\")", "macro_rules! m { () => {} }",
    "m!()", "std::thread::spawn(|| {})", "thread::spawn", "thread::scope(|s| {})", ".join()",
    "rayon::spawn", "tokio::runtime::Runtime::new()", "#[tokio::main]", "#[test]", "#[inline]",
    "#![allow(x)]", "#[cfg_attr(forklint, allow(forklint::lock_held_across_fork))]",
    "// forklint: allow(unsafe_call_in_child) -- r\n", "//! forklint: allow(parse_error)\n",
    "// forklint: allow(\n", "/* c */", "/*", "*/", "/// d\n", "libc::_exit(0)", "_exit(1)",
    "std::process::exit(0)", "std::process::abort()", "execv(&p, &a)", "libc::execvp(p, a)",
    "Command::new(\"sh\")", ".pre_exec(|| Ok(()))", ".pre_exec(move || { println!(); Ok(()) })",
    ".spawn()", "CString::new(\"a\")", "String::new()", "Box::new(1)", "Vec::new()",
    "libc::write(1, p, n)", "libc::pipe(fds)", "nix::unistd::pipe()", "libc::open(p, 0)",
    "libc::O_CLOEXEC", "File::open(\"f\")", ".read_to_end(&mut v)", ".seek(SeekFrom::Start(0))",
    "std::io::stdout().flush()", "std::env::var(\"A\")", "static mut G: u32 = 0;", "G = 1",
    "G", "COUNTER.fetch_add(1, Ordering::SeqCst)", "daemon(false, false)", "forkpty(None, None)",
    "waitpid(child, None)", "libc::waitpid(pid, &mut s, 0)", "posix_spawn", "clone", "syscall",
    "\"str\"", "r#\"raw\"#", "b'x'", "'c'", "1.5e3", "0xff_u8", "é", "\u{feff}", "\t", "\n",
    "\r\n", "\r", "r#fork", "use nix::unistd::{fork, ForkResult};", "use std::sync::Mutex;",
    "use libc::fork as f;", "use nix::unistd::*;", "f()", "helper()", "fn helper() {",
    "fn helper() -> ! {", "struct S { m: Mutex<u8> }", "impl S { fn f(&self) {", "-> Result<(), E>",
    "#[cfg(test)]", "unsafe {", "match pid {", "0 => {", "_ => {", "if pid == 0 {",
    "if let Ok(ForkResult::Child) = unsafe { fork() } {", "let pid = unsafe { libc::fork() };",
    "let g = M.lock().unwrap();", "let _g = M.lock();", "let r = &*M.lock().unwrap();",
];

/// Byte values past the vocabulary: brackets, kept balanced.
const OPEN: [(&str, &str); 3] = [("(", ")"), ("[", "]"), ("{", "}")];

fn token_text(body: &[u8], newline: &str) -> String {
    let mut out = String::new();
    let mut open: Vec<&str> = Vec::new();
    for &b in body {
        let i = usize::from(b);
        if i < TOKENS.len() {
            out.push_str(TOKENS[i]);
        } else {
            match (i - TOKENS.len()) % 5 {
                k @ 0..=2 => {
                    out.push_str(OPEN[k].0);
                    open.push(OPEN[k].1);
                }
                3 => {
                    if let Some(close) = open.pop() {
                        out.push_str(close);
                    }
                }
                _ => out.push_str(newline),
            }
        }
        out.push(' ');
    }
    while let Some(close) = open.pop() {
        out.push_str(close);
    }
    out
}

/// The source text an input stands for.
fn source_of(data: &[u8]) -> String {
    let Some((&mode, body)) = data.split_first() else {
        return String::new();
    };
    if mode % 2 == 0 {
        return String::from_utf8_lossy(body).into_owned();
    }
    let newline = match (mode >> 3) % 3 {
        0 => "\n",
        1 => "\r\n",
        _ => "\r",
    };
    let mut text = String::new();
    if mode & 2 != 0 {
        text.push('\u{feff}');
    }
    if mode & 4 != 0 {
        text.push_str("#!/usr/bin/env run-cargo-script");
        text.push_str(newline);
    }
    text.push_str(&token_text(body, newline));
    text
}

/// Every label of every finding as (rule, message, line, column, end line,
/// end column), in order.
type Placed = Vec<(String, String, usize, usize, usize, usize)>;

fn placed(report: &forklint::Report) -> Placed {
    let mut out = Vec::new();
    for f in &report.findings {
        for label in std::iter::once(&f.primary).chain(&f.secondary) {
            let file = report.db.get(label.file);
            let (line, col) = file.position(label.span.start);
            let (end_line, end_col) = file.position(label.span.end);
            out.push((f.rule.to_string(), f.message.clone(), line, col, end_line, end_col));
        }
    }
    out
}

fn check(text: &str, opts: &Options) -> forklint::Report {
    let report = forklint::lint_source("fuzz.rs", text, opts);
    assert_eq!(report.internal_errors, 0, "internal error: {:?}", report.findings);
    for f in &report.findings {
        for label in std::iter::once(&f.primary).chain(&f.secondary) {
            let file = &report.db.get(label.file).text;
            let span = &label.span;
            assert!(
                span.start <= span.end && span.end <= file.len(),
                "{}: span {span:?} outside a {}-byte file",
                f.rule,
                file.len()
            );
            assert!(
                file.is_char_boundary(span.start) && file.is_char_boundary(span.end),
                "{}: span {span:?} splits a character",
                f.rule
            );
        }
    }
    for selected in [
        Selected::Format(Format::Human),
        Selected::Format(Format::Short),
        Selected::Format(Format::Json),
        Selected::Format(Format::Sarif),
        Selected::Format(Format::Github),
        Selected::Cargo(CargoJson::default()),
    ] {
        let rendered = output::render(&report, selected, false);
        if matches!(selected, Selected::Format(Format::Json) | Selected::Cargo(_)) {
            for line in rendered.lines() {
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap_or_else(|e| panic!("{selected:?} line is not JSON ({e}): {line}"));
            }
        }
    }
    report
}

fuzz_target!(|data: &[u8]| {
    let text = source_of(data);
    if let Ok(path) = std::env::var("FORKLINT_FUZZ_DUMP") {
        let _ = std::fs::write(path, &text);
    }
    let opts = Options {
        assume_threads: data.first().is_some_and(|m| m & 0x40 != 0),
        ..Options::default()
    };
    check(&text, &opts);
    // Token mode: the same tokens framed four ways.
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        return;
    }
    let lf = token_text(body, "\n");
    if let Ok(path) = std::env::var("FORKLINT_FUZZ_DUMP") {
        let _ = std::fs::write(format!("{path}.lf"), &lf);
    }
    let want = placed(&check(&lf, &opts));
    let crlf = placed(&check(&token_text(body, "\r\n"), &opts));
    assert_eq!(crlf, want, "CRLF moved findings\n{lf}");
    // Text that itself starts with a BOM or `#!` means something else
    // once framed (a second BOM, a shebang on line 2 are errors to rustc).
    if lf.starts_with('\u{feff}') || lf.starts_with("#!") {
        return;
    }
    let bom = placed(&check(&format!("\u{feff}{lf}"), &opts));
    assert_eq!(bom, want, "a BOM moved findings\n{lf}");
    let shebang: Placed = placed(&check(&format!("#!/usr/bin/env x\n{lf}"), &opts))
        .into_iter()
        .map(|(r, m, l, c, el, ec)| (r, m, l - 1, c, el - 1, ec))
        .collect();
    assert_eq!(shebang, want, "a shebang moved findings by more than its line\n{lf}");
});
