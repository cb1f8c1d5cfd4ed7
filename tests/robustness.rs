//! Hostile and broken input: forklint must never crash (exit 101), hang or
//! misplace a finding. Each case is linted next to a file with a real hazard
//! (a `fork()` while a `Mutex` guard is held, the child then locking and
//! printing), so every test also shows that the other files were still
//! checked. Exit codes: 0 clean, 1 deny-level findings, 2 usage/config error.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{project, write, Run};

use forklint::Options;

/// The hazard: `lock_held_across_fork` at `fork()` (line 8, column 20),
/// with the guard taken at line 7, column 17.
const HAZARD: &str = "\
use nix::unistd::{fork, ForkResult};
use std::sync::Mutex;

static CONFIG: Mutex<u32> = Mutex::new(0);

fn main() {
    let guard = CONFIG.lock().unwrap();
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            println!(\"child: {}\", CONFIG.lock().is_ok());
            unsafe { libc::_exit(0) };
        }
        _ => drop(guard),
    }
}
";
const HAZARD_RULE: &str = "lock_held_across_fork";

#[derive(Debug)]
struct Finding {
    rule: String,
    path: String,
    line: u64,
    column: u64,
    message: String,
    related: Vec<(u64, u64)>,
}

impl Run {
    fn findings(&self) -> Vec<Finding> {
        self.stdout
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
                let num =
                    |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {l}"));
                Finding {
                    rule: v["rule"].as_str().unwrap().to_string(),
                    path: v["path"].as_str().unwrap().to_string(),
                    line: num(&v, "line"),
                    column: num(&v, "column"),
                    message: v["message"].as_str().unwrap().to_string(),
                    related: v["related"]
                        .as_array()
                        .map(|r| r.iter().map(|x| (num(x, "line"), num(x, "column"))).collect())
                        .unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The findings on `path` (as displayed: relative to the run's
    /// directory; linting `.` shows `./path`).
    fn on(&self, path: &str) -> Vec<Finding> {
        self.findings()
            .into_iter()
            .filter(|f| f.path.strip_prefix("./").unwrap_or(&f.path) == path)
            .collect()
    }

    /// The hazard file was checked: its one finding is where it belongs.
    fn assert_hazard_found(&self, path: &str) {
        let found = self.on(path);
        assert!(
            found.len() == 1 && found[0].rule == HAZARD_RULE && (found[0].line, found[0].column) == (8, 20),
            "expected the hazard in {path} at 8:20: {found:?}\n{self:?}"
        );
    }
}

/// Runs the binary with `--format json`, killing it (and failing) if it
/// takes longer than a minute: a hang is a failure too. Never exit 101.
fn forklint(dir: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_forklint"))
        .current_dir(dir)
        .arg("--format")
        .arg("json")
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run forklint");
    // Drain the pipes on threads so a large output cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("forklint {args:?} in {} hung for a minute", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code().expect("forklint exited normally, not by a signal"),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert!(matches!(run.code, 0..=2), "undocumented exit code: {run:?}");
    run
}

#[test]
fn positions_stay_right_after_a_bom_a_shebang_and_in_crlf_and_lone_cr_files() {
    let dir = project("robustness", "positions");
    write(&dir, "plain.rs", HAZARD);
    write(&dir, "bom.rs", format!("\u{feff}{HAZARD}"));
    write(
        &dir,
        "shebang.rs",
        format!("#!/usr/bin/env run-cargo-script\n{HAZARD}"),
    );
    write(
        &dir,
        "bom_shebang.rs",
        format!("\u{feff}#!/usr/bin/env x\n{HAZARD}"),
    );
    write(&dir, "crlf.rs", HAZARD.replace('\n', "\r\n"));
    write(&dir, "lone_cr.rs", HAZARD.replace('\n', "\r"));
    let run = forklint(&dir, &["."]);
    assert_eq!(run.code, 1, "{run:?}");
    // (file, line shift): the shebang adds a line before the hazard.
    for (file, shift) in [
        ("plain.rs", 0),
        ("bom.rs", 0),
        ("shebang.rs", 1),
        ("bom_shebang.rs", 1),
        ("crlf.rs", 0),
        ("lone_cr.rs", 0),
    ] {
        let found = run.on(file);
        assert_eq!(found.len(), 1, "{file}: {found:?}");
        let f = &found[0];
        assert_eq!(f.rule, HAZARD_RULE, "{file}: {f:?}");
        assert_eq!((f.line, f.column), (8 + shift, 20), "{file}: the fork() call");
        assert!(
            f.related.contains(&(7 + shift, 17)),
            "{file}: where the guard was taken: {:?}",
            f.related
        );
    }
}

#[test]
fn a_bom_is_not_a_column_on_the_first_line() {
    let dir = project("robustness", "bom_line_one");
    // The whole hazard on line 1: the BOM must not shift its columns.
    let one_line = HAZARD.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    write(&dir, "plain.rs", &one_line);
    write(&dir, "bom.rs", format!("\u{feff}{one_line}"));
    let run = forklint(&dir, &["plain.rs", "bom.rs"]);
    assert_eq!(run.code, 1, "{run:?}");
    let at = |file: &str| {
        let f = run.on(file);
        assert_eq!(f.len(), 1, "{file}: {f:?}");
        (f[0].line, f[0].column, f[0].related.clone())
    };
    let column = one_line.find("fork()").unwrap() as u64 + 1;
    let (line, col, _) = at("plain.rs");
    assert_eq!((line, col), (1, column));
    assert_eq!(at("bom.rs"), at("plain.rs"));
}

#[test]
fn empty_bom_only_and_shebang_only_files_are_clean() {
    let dir = project("robustness", "empty");
    write(&dir, "empty.rs", "");
    write(&dir, "bom_only.rs", "\u{feff}");
    write(&dir, "shebang_only.rs", "#!/bin/sh");
    write(&dir, "whitespace.rs", " \r\n\r\t\n");
    write(&dir, "hazard.rs", HAZARD);
    let run = forklint(&dir, &["."]);
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_hazard_found("hazard.rs");
    assert_eq!(run.findings().len(), 1, "{run:?}");
    let alone = forklint(
        &dir,
        &["empty.rs", "bom_only.rs", "shebang_only.rs", "whitespace.rs"],
    );
    assert_eq!((alone.code, alone.stdout.as_str()), (0, ""), "{alone:?}");
}

#[test]
fn a_non_utf8_file_is_reported_and_the_rest_still_checked() {
    let dir = project("robustness", "non_utf8");
    write(&dir, "latin1.rs", b"fn main() { let s = \"caf\xe9\"; }\n");
    write(&dir, "hazard.rs", HAZARD);
    let run = forklint(&dir, &["."]);
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_hazard_found("hazard.rs");
    let bad = run.on("latin1.rs");
    assert!(
        bad.len() == 1 && bad[0].rule == "parse_error" && bad[0].message.contains("UTF-8"),
        "{bad:?}"
    );
    // A warning only: alone, the run is clean.
    assert_eq!(forklint(&dir, &["latin1.rs"]).code, 0);
    // Behind a BOM, the "whole file" label sits on the BOM: every format
    // still renders it.
    write(
        &dir,
        "bom_latin1.rs",
        b"\xef\xbb\xbffn main() { let s = \"caf\xe9\"; }\n",
    );
    for format in ["human", "json", "short", "sarif", "github"] {
        let out = Command::new(env!("CARGO_BIN_EXE_forklint"))
            .current_dir(&dir)
            .args(["--format", format, "bom_latin1.rs"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {out:?}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_forklint"))
        .current_dir(&dir)
        .args(["--message-format", "json", "bom_latin1.rs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "cargo json: {out:?}");
}

#[test]
fn a_20_mb_generated_file_is_checked_to_its_last_line() {
    let dir = project("robustness", "huge");
    // Generated-code shape: an embedded data table, then generated
    // functions, then the hazard at the very end.
    let mut text = String::from("pub static ASSET: &[&[u8]] = &[\n");
    let mut row = 0u32;
    while text.len() < 19_900_000 {
        text.push_str("    b\"");
        for j in 0..64u32 {
            text.push_str(&format!("\\x{:02x}", (row * 7 + j) % 256));
        }
        text.push_str("\",\n");
        row += 1;
    }
    text.push_str("];\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "fn f{i}(x: u32) -> u32 {{\n    let y = x.wrapping_add({i});\n    if y > 3 {{ y * 2 }} else {{ y }}\n}}\n"
        ));
    }
    let hazard_line = text.matches('\n').count() as u64 + 8;
    text.push_str(HAZARD);
    assert!(text.len() > 20_000_000);
    write(&dir, "generated.rs", &text);
    let run = forklint(&dir, &["generated.rs"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = run.findings();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].line, found[0].column), (hazard_line, 20));
}

/// Text nesting `depth` levels of one construct around `x`, as a function,
/// in a file that forks (so the demand-driven mode parses it too).
fn nested(kind: &str, depth: usize) -> String {
    format!(
        "{}fn child() {{\n    let _ = unsafe {{ libc::fork() }};\n}}\n",
        nested_only(kind, depth)
    )
}

fn nested_only(kind: &str, depth: usize) -> String {
    let expr = match kind {
        "parens" => format!("{}x{}", "(".repeat(depth), ")".repeat(depth)),
        "blocks" => format!("{}x{}", "{ ".repeat(depth), " }".repeat(depth)),
        "closures" => format!("{}x", "|| ".repeat(depth)),
        "match_arms" => format!("{}x{}", "match x { _ => ".repeat(depth), " }".repeat(depth)),
        "unary" => format!("{}x", "!".repeat(depth)),
        "method_chain" => format!("x{}", ".f()".repeat(depth)),
        "binary_chain" => format!("x{}", " + x".repeat(depth)),
        "generic_types" => {
            return format!("type T = {}u8{};\n", "Vec<".repeat(depth), ">".repeat(depth));
        }
        _ => unreachable!(),
    };
    format!("fn f(x: u32) {{\n    let _ = {expr};\n}}\n")
}

const NESTINGS: [&str; 8] = [
    "parens",
    "blocks",
    "closures",
    "match_arms",
    "unary",
    "method_chain",
    "binary_chain",
    "generic_types",
];

#[test]
fn nesting_100_000_deep_is_refused_with_a_diagnostic_not_a_stack_overflow() {
    let dir = project("robustness", "deep");
    for kind in NESTINGS {
        write(&dir, &format!("{kind}.rs"), nested(kind, 100_000));
    }
    write(&dir, "hazard.rs", HAZARD);
    for args in [&["."][..], &["--full", "."]] {
        let run = forklint(&dir, args);
        assert_eq!(run.code, 1, "{run:?}");
        run.assert_hazard_found("hazard.rs");
        for kind in NESTINGS {
            let found = run.on(&format!("{kind}.rs"));
            assert!(
                found.len() == 1
                    && found[0].rule == "parse_error"
                    && found[0].message.contains("nests more than"),
                "{args:?} {kind}: {found:?}"
            );
            // The label points into the nesting, on the function's line.
            let line = if kind == "generic_types" { 1 } else { 2 };
            assert_eq!(found[0].line, line, "{kind}: {found:?}");
        }
    }
    // Deep nesting in a file that cannot matter (no fork, no exec, no fd)
    // is not parsed by default, so there is nothing to refuse; `--full`
    // parses every file, and refuses it.
    let quiet = project("robustness", "deep_quiet");
    write(&quiet, "parens.rs", nested_only("parens", 100_000));
    assert_eq!(forklint(&quiet, &["."]).stdout, "");
    let full = forklint(&quiet, &["--full", "."]);
    assert_eq!(full.code, 0, "{full:?}");
    assert!(
        full.on("parens.rs")[0].message.contains("nests more than"),
        "{full:?}"
    );
}

#[test]
fn nesting_just_under_the_limit_is_parsed_and_analysed() {
    let dir = project("robustness", "almost_deep");
    // The bound counts `||` closures twice and `.f()` twice per level.
    let under = forklint::nesting::MAX_DEPTH - 10;
    for kind in NESTINGS {
        let depth = if matches!(kind, "closures" | "method_chain") {
            under / 2
        } else {
            under
        };
        write(&dir, &format!("{kind}.rs"), nested(kind, depth));
    }
    // The hazard itself, inside blocks nested just under the limit: the
    // analysis follows it all the way down.
    let (head, main) = HAZARD.split_once("fn main() {").unwrap();
    let (body, _) = main.rsplit_once('}').unwrap();
    let deep = under - 5;
    let hazard = format!(
        "{head}fn main() {{{}{body}{}}}\n",
        "{".repeat(deep),
        "}".repeat(deep)
    );
    write(&dir, "deep_hazard.rs", hazard);
    let run = forklint(&dir, &["."]);
    assert_eq!(run.code, 1, "{run:?}");
    let findings = run.findings();
    assert!(
        findings.iter().all(|f| f.rule != "parse_error"),
        "everything was checked: {findings:?}"
    );
    let found = run.on("deep_hazard.rs");
    assert!(
        found.len() == 1 && found[0].rule == HAZARD_RULE && found[0].line == 8,
        "{found:?}"
    );
}

#[test]
fn a_directory_symlink_loop_is_walked_once() {
    let dir = project("robustness", "symlink_loop");
    write(&dir, "hazard.rs", HAZARD);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("self")).unwrap();
    let run = forklint(&dir, &["."]);
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_hazard_found("hazard.rs");
    assert_eq!(run.findings().len(), 1, "the loop adds no second copy: {run:?}");
    // Named on the command line, the loop's link is linted through once.
    let run = forklint(&dir, &["sub/up"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.findings().len(), 1, "{run:?}");
}

#[test]
fn overlapping_paths_lint_each_file_once() {
    let dir = project("robustness", "overlap");
    write(&dir, "sub/hazard.rs", HAZARD);
    let run = forklint(&dir, &[".", "sub", "sub/hazard.rs", "./sub/../sub/hazard.rs"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.findings().len(), 1, "{run:?}");
}

#[test]
fn an_unreadable_file_is_reported_and_the_rest_still_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project("robustness", "unreadable");
    let secret = write(&dir, "secret.rs", "fn main() {}\n");
    write(&dir, "hazard.rs", HAZARD);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable_anyway = std::fs::read(&secret).is_ok();
    let run = forklint(&dir, &["."]);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_hazard_found("hazard.rs");
    if readable_anyway {
        // Root (or CAP_DAC_OVERRIDE) reads it despite mode 000, so there is
        // no permission error to report; the run must simply stay sound.
        eprintln!(
            "note: running with the power to read mode-000 files (root?): permission assertion skipped"
        );
        assert!(run.on("secret.rs").is_empty(), "{run:?}");
    } else {
        let found = run.on("secret.rs");
        assert!(
            found.len() == 1 && found[0].rule == "parse_error" && found[0].message.contains("cannot read"),
            "{found:?}"
        );
    }
}

#[test]
fn a_fifo_named_like_a_source_file_does_not_hang_the_run() {
    let dir = project("robustness", "fifo");
    write(&dir, "hazard.rs", HAZARD);
    let fifo = dir.join("pipe.rs");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    let run = forklint(&dir, &["."]);
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_hazard_found("hazard.rs");
    let run = forklint(&dir, &["pipe.rs", "hazard.rs"]);
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn a_file_deleted_between_discovery_and_reading_is_reported() {
    let dir = project("robustness", "deleted");
    let doomed = write(&dir, "doomed.rs", HAZARD);
    write(&dir, "hazard.rs", HAZARD);
    let discovery = forklint::discover::from_paths(std::slice::from_ref(&dir), true);
    assert_eq!(discovery.files.len(), 2);
    std::fs::remove_file(&doomed).unwrap();
    let report = forklint::lint_discovered(discovery, &Options::default());
    assert_eq!(report.exit_code(), 1);
    let on = |name: &str| -> Vec<&forklint::diagnostic::Finding> {
        report
            .findings
            .iter()
            .filter(|f| report.db.get(f.primary.file).path.ends_with(name))
            .collect()
    };
    let gone = on("doomed.rs");
    assert!(
        gone.len() == 1 && gone[0].rule == "parse_error" && gone[0].message.contains("cannot read"),
        "{gone:?}"
    );
    let hazard = on("hazard.rs");
    assert!(hazard.len() == 1 && hazard[0].rule == HAZARD_RULE, "{hazard:?}");
}

#[test]
fn a_macro_heavy_file_is_checked() {
    let dir = project("robustness", "macros");
    let macros = r##"
macro_rules! table {
    ($($name:ident => $($v:expr),* ;)*) => { $(const $name: &[u32] = &[$($v),*];)* };
}
table! { A => 1, 2, 3; B => 4; C => ; }
macro_rules! nest { () => {}; ($h:tt $($t:tt)*) => { nest!($($t)*); }; }
nest!(a b c d e f g h i j k l m n o p);
macro_rules! weird { ($($t:tt)*) => {}; }
weird! { fork() [ ] ( ) @ $ # ?? => <- ~ 'a 'b: 1.0e9 r#"raw"# }
weird![ unsafe { fork() } match match match ];
fn uses() {
    println!("{} {:?} {x}", format!("{}", 1), vec![vec![1; 3]; 2], x = concat!("a", stringify!(b c)));
    assert_eq!(A.len(), 3, "{}", line!());
    let _ = matches!(Some(1), Some(x) if x > 0);
    write!(std::io::sink(), "{}", 1).ok();
    m!(); m![]; m!{}; self::m!(a, b,,,);
    unreachable!(concat!("a", "b"));
}
"##;
    write(
        &dir,
        "macros.rs",
        format!("{macros}{}", "weird!{ ( [ { } ] ) }\n".repeat(2000)),
    );
    write(&dir, "hazard.rs", HAZARD);
    let run = forklint(&dir, &["."]);
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_hazard_found("hazard.rs");
    assert!(run.on("macros.rs").is_empty(), "{run:?}");
}

#[test]
fn a_missing_module_file_does_not_stop_the_run() {
    let dir = project("robustness", "missing_mod");
    write(
        &dir,
        "src/lib.rs",
        "mod missing;\n#[path = \"nowhere/x.rs\"]\nmod elsewhere;\npub mod inline { include!(\"nope.rs\"); }\n",
    );
    write(&dir, "src/main.rs", HAZARD);
    let run = forklint(&dir, &["src"]);
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_hazard_found("src/main.rs");
    assert!(run.on("src/lib.rs").is_empty(), "{run:?}");
}

#[test]
fn a_broken_cargo_toml_fails_clearly_without_paths_and_is_bypassed_with_them() {
    let dir = project("robustness", "broken_manifest");
    write(&dir, "Cargo.toml", "[package\nname = \"broken\"\n");
    write(&dir, "src/main.rs", HAZARD);
    let run = forklint(&dir, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("Cargo.toml:1:") && run.stderr.contains("not valid TOML"),
        "says which file, where and why: {run:?}"
    );
    assert!(run.stdout.is_empty(), "{run:?}");
    let run = forklint(&dir, &["src"]);
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_hazard_found("src/main.rs");
    assert!(run.stderr.contains("default settings"), "{run:?}");
    // Forklint settings that are wrong stay an error, even with paths.
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"x\"\n[package.metadata.forklint.levels]\nno_such_rule = \"deny\"\n",
    );
    let run = forklint(&dir, &["src"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn crashing_inputs_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    for input in &inputs {
        let report = forklint::lint_paths(&[input.as_path()], &Options::default());
        assert_eq!(
            report.internal_errors,
            0,
            "{}: {:?}",
            input.display(),
            report.findings
        );
        assert!(report.exit_code() <= 1, "{}", input.display());
        for f in &report.findings {
            let text = report.db.get(f.primary.file).text();
            for label in std::iter::once(&f.primary).chain(&f.secondary) {
                let span = &label.span;
                assert!(
                    span.start <= span.end
                        && span.end <= text.len()
                        && text.is_char_boundary(span.start)
                        && text.is_char_boundary(span.end),
                    "{}: {} label {span:?} is not inside the text",
                    input.display(),
                    f.rule
                );
            }
        }
        // Every format renders it (rendering is where some crashed).
        use forklint::cli::Format;
        use forklint::output::{render, CargoJson, Selected};
        for format in [
            Format::Human,
            Format::Short,
            Format::Json,
            Format::Sarif,
            Format::Github,
        ] {
            let _ = render(&report, Selected::Format(format), false);
        }
        let _ = render(&report, Selected::Cargo(CargoJson::default()), false);
    }
}

/// Writes an executable shell script that leaves `marker` behind if run.
fn tripwire(path: &Path, marker: &Path, then: &str) {
    use std::os::unix::fs::PermissionsExt;
    write(
        path.parent().unwrap(),
        path.file_name().unwrap().to_str().unwrap(),
        format!("#!/bin/sh\ntouch '{}'\n{then}\n", marker.display()),
    );
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn linting_runs_no_code_from_the_project() {
    let dir = project("robustness", "no_code_runs");
    let marker = dir.join("RAN");
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"untrusted\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n[workspace]\n",
    );
    write(
        &dir,
        "build.rs",
        format!(
            "fn main() {{ std::fs::write({:?}, \"build.rs\").unwrap(); }}\n",
            marker.display().to_string()
        ),
    );
    write(&dir, "src/main.rs", HAZARD);
    // Everything cargo could be told to run instead of or around rustc.
    let trap = dir.join("trap.sh");
    tripwire(&trap, &marker, "exec \"$@\"");
    write(
        &dir,
        ".cargo/config.toml",
        format!(
            "[build]\nrustc-wrapper = {0:?}\n[target.x86_64-unknown-linux-gnu]\nrunner = {0:?}\n[target.aarch64-unknown-linux-gnu]\nrunner = {0:?}\n",
            trap.display().to_string()
        ),
    );
    // The cargo workspace (through `cargo metadata`): no build script, no
    // wrapper, no runner.
    let run = forklint(&dir, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    run.assert_hazard_found("src/main.rs");
    assert!(!marker.exists(), "something from the project ran: {run:?}");

    // With paths, no cargo at all: a `cargo` first on PATH is never run.
    let bin = dir.join("fake-bin");
    tripwire(&bin.join("cargo"), &marker, "exit 1");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let with_fake_cargo = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_forklint"))
            .current_dir(&dir)
            .args(args)
            .env("PATH", &path)
            .env_remove("CARGO")
            .output()
            .unwrap()
    };
    let out = with_fake_cargo(&["--format", "json", "src"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(!marker.exists(), "cargo ran although paths were given");
    // The trap works: without paths, forklint does ask cargo (and fails
    // cleanly when that cargo does).
    let out = with_fake_cargo(&[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        marker.exists(),
        "the fake cargo was not found on PATH: the check above proves nothing"
    );
}
