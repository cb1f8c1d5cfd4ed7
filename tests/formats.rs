//! Output formats: a snapshot of every format on one report with findings of
//! several rules (`tests/snapshots/`, rewritten with `FORKLINT_BLESS=1`),
//! checks of each format's contract (rustc's JSON schema read back through
//! `cargo_metadata`, SARIF regions and fingerprints, workflow-command
//! escaping), and the binary driven as rust-analyzer and CI drive it, with
//! its exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cargo_metadata::diagnostic::{Applicability, DiagnosticLevel};
use cargo_metadata::Message;
use forklint::cli::Format;
use forklint::diagnostic::{fingerprint, Finding, Label, Level, Suggestion};
use forklint::output::{self, CargoJson, Selected};
use forklint::source::{SourceDb, SourceFile};
use forklint::Report;

const MAIN_RS: &str = "\
use std::sync::Mutex;

static M: Mutex<u32> = Mutex::new(0);
static mut COUNTER: u32 = 0;

fn main() {
    let _g = M.lock().unwrap(); // verrou posé — é
    match unsafe { libc::fork() } {
        0 => {
            println!(
                \"child {}\", 1
            );
            unsafe { COUNTER += 1 };
        }
        _ => {}
    }
}
";

const WORKER_RS: &str = "\
pub fn start() {
    std::thread::spawn(|| loop {});
}
";

/// Byte range of the first `needle` in `text`.
fn span_of(text: &str, needle: &str) -> std::ops::Range<usize> {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in text"));
    start..start + needle.len()
}

/// A report built by hand: the analysis is not what is under test here.
/// `prefix` is prepended to main.rs (to move findings down).
fn sample_report(prefix: &str) -> Report {
    let main = format!("{prefix}{MAIN_RS}");
    let mut db = SourceDb::default();
    let m = db.add(SourceFile::new(
        "src/main.rs".into(),
        "src/main.rs".into(),
        main.clone(),
    ));
    let w = db.add(SourceFile::new(
        "src/worker.rs".into(),
        "src/worker.rs".into(),
        WORKER_RS.into(),
    ));
    let lock = Finding::new(
        "lock_held_across_fork",
        "lock guard `_g` is held across fork()",
        Label::new(m, span_of(&main, "libc::fork()"), "fork() while `_g` is held"),
    )
    .with_label(Label::new(m, span_of(&main, "M.lock()"), "guard taken here"))
    .with_note("the child gets the mutex locked, and no thread to unlock it")
    .with_help("drop the guard before forking")
    .in_function(Some("main".into()));
    let mut println = Finding::new(
        "unsafe_call_in_child",
        "println! is not async-signal-safe: it takes the stdout lock [and allocates]",
        Label::new(
            m,
            span_of(&main, "println!(\n                \"child {}\", 1\n            )"),
            "called in the child",
        ),
    )
    .with_label(Label::new(
        w,
        span_of(WORKER_RS, "std::thread::spawn"),
        "thread spawned here",
    ))
    .in_function(Some("main".into()));
    println.suggestion = Some(Suggestion {
        span: println.primary.span.clone(),
        replacement: "libc::write(1, b\"child 1\\n\".as_ptr().cast(), 8)".into(),
        machine_applicable: false,
    });
    let global = Finding::new(
        "global_state_in_child",
        "the child writes COUNTER: 100% invisible to the parent, a,b:c\nsecond line",
        Label::new(m, span_of(&main, "COUNTER += 1"), "written in the child"),
    )
    .in_function(Some("main".into()));
    assert_eq!(
        global.level,
        Level::Warn,
        "global_state_in_child is a warning by default"
    );
    Report {
        db,
        findings: vec![lock, println, global],
        files_checked: 2,
        ..Report::default()
    }
}

fn cargo_json(ansi: bool, short: bool) -> Selected {
    Selected::Cargo(CargoJson {
        ansi,
        short,
        render_diagnostics: false,
    })
}

/// Machine formats name absolute paths (the working directory); snapshots
/// must not depend on where the repository is checked out.
fn normalize(text: &str) -> String {
    let cwd = std::env::current_dir().unwrap().display().to_string();
    text.replace(&cwd, "$ROOT")
}

/// SARIF with the text that comes from `rules/NAME.md` masked: the docs
/// change on their own schedule, and `check_sarif` compares that text with
/// the docs exactly.
fn mask_rule_docs(sarif: &str) -> String {
    let mut log: serde_json::Value = serde_json::from_str(sarif).unwrap();
    for rule in log["runs"][0]["tool"]["driver"]["rules"].as_array_mut().unwrap() {
        let doc = format!("<rules/{}.md>", rule["id"].as_str().unwrap());
        rule["help"] = serde_json::json!({"text": doc, "markdown": doc});
        rule["fullDescription"]["text"] = serde_json::json!(format!("<from {doc}>"));
    }
    serde_json::to_string_pretty(&log).unwrap() + "\n"
}

fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new("tests/snapshots").join(name);
    if std::env::var_os("FORKLINT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing (FORKLINT_BLESS=1 creates it)", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output at line {} (FORKLINT_BLESS=1 to update):\n{actual}",
            path.display(),
            line + 1
        );
    }
}

const REAL_INPUT: &str = "tests/snapshots/real/several_rules.rs";

/// The real analysis on a program with findings of several rules.
fn real_report() -> Report {
    let report = forklint::lint_paths(&[Path::new(REAL_INPUT)], &forklint::Options::default());
    let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
    rules.dedup();
    assert!(
        rules.len() >= 3,
        "{REAL_INPUT} should give findings of several rules: {rules:?}"
    );
    report
}

#[test]
fn every_format_matches_its_snapshot_on_a_real_report() {
    let report = real_report();
    let cases = [
        ("real/human.txt", Selected::Format(Format::Human)),
        ("real/short.txt", Selected::Format(Format::Short)),
        ("real/json.jsonl", Selected::Format(Format::Json)),
        ("real/sarif.json", Selected::Format(Format::Sarif)),
        ("real/github.txt", Selected::Format(Format::Github)),
        ("real/cargo-json.jsonl", cargo_json(false, false)),
    ];
    for (name, selected) in cases {
        let mut text = output::render(&report, selected, false);
        if selected == Selected::Format(Format::Sarif) {
            text = mask_rule_docs(&text);
        }
        assert_snapshot(name, &normalize(&text));
    }
}

#[test]
fn every_format_matches_its_snapshot() {
    let report = sample_report("");
    let cases = [
        ("human.txt", Selected::Format(Format::Human), false),
        ("human-color.txt", Selected::Format(Format::Human), true),
        ("short.txt", Selected::Format(Format::Short), false),
        ("json.jsonl", Selected::Format(Format::Json), false),
        ("sarif.json", Selected::Format(Format::Sarif), false),
        ("github.txt", Selected::Format(Format::Github), false),
        ("cargo-json.jsonl", cargo_json(false, false), false),
        ("cargo-json-ansi.jsonl", cargo_json(true, false), false),
        ("cargo-json-short.jsonl", cargo_json(false, true), false),
    ];
    for (name, selected, color) in cases {
        let mut text = output::render(&report, selected, color);
        if selected == Selected::Format(Format::Sarif) {
            text = mask_rule_docs(&text);
        }
        assert_snapshot(name, &normalize(&text));
    }
}

/// The text a 1-based, end-exclusive character-column range selects.
fn select_chars(text: &str, (l1, c1): (usize, usize), (l2, c2): (usize, usize)) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate().take(l2).skip(l1 - 1) {
        let chars: Vec<char> = line.chars().collect();
        let from = if i + 1 == l1 { c1 - 1 } else { 0 };
        let to = if i + 1 == l2 { c2 - 1 } else { chars.len() };
        out.extend(&chars[from..to]);
    }
    out
}

/// Deserializes every line strictly as a cargo message. (`Message::parse_stream`
/// would turn a line that fails to deserialize into a `TextLine`.)
fn parse_messages(text: &str) -> Vec<Message> {
    text.lines()
        .map(|line| {
            serde_json::from_str::<Message>(line)
                .unwrap_or_else(|e| panic!("not a cargo message ({e}): {line}"))
        })
        .collect()
}

#[test]
fn cargo_json_reads_back_through_cargo_metadata_with_exact_spans() {
    check_cargo_json(&sample_report(""));
    check_cargo_json(&real_report());
}

fn check_cargo_json(report: &Report) {
    let text = output::render(report, cargo_json(false, false), false);
    let messages = parse_messages(&text);
    assert_eq!(messages.len(), report.findings.len() + 1);
    assert!(
        matches!(messages.last(), Some(Message::BuildFinished(b)) if !b.success),
        "ends with build-finished, success false: there are deny-level findings"
    );
    for (msg, f) in messages.iter().zip(&report.findings) {
        let Message::CompilerMessage(cm) = msg else {
            panic!("expected a compiler-message, got {msg:?}")
        };
        let d = &cm.message;
        assert_eq!(d.message, f.message);
        assert_eq!(d.code.as_ref().unwrap().code, format!("forklint::{}", f.rule));
        let want_level = match f.level {
            Level::Deny => DiagnosticLevel::Error,
            _ => DiagnosticLevel::Warning,
        };
        assert_eq!(d.level, want_level);
        assert_eq!(d.spans.len(), 1 + f.secondary.len());
        assert_eq!(d.spans.iter().filter(|s| s.is_primary).count(), 1);
        for (span, label) in d
            .spans
            .iter()
            .zip(std::iter::once(&f.primary).chain(&f.secondary))
        {
            let file = report.db.get(label.file);
            assert_eq!(span.file_name, file.display);
            let bytes = span.byte_start as usize..span.byte_end as usize;
            assert_eq!(bytes, label.span);
            let selected = select_chars(
                file.text(),
                (span.line_start, span.column_start),
                (span.line_end, span.column_end),
            );
            assert_eq!(selected, file.snippet(&label.span), "columns select the span");
            assert_eq!(span.text.len(), span.line_end - span.line_start + 1);
            let first = &span.text[0];
            let highlighted: String = first
                .text
                .chars()
                .skip(first.highlight_start - 1)
                .take(first.highlight_end - first.highlight_start)
                .collect();
            assert!(file.snippet(&label.span).starts_with(&highlighted));
            let want_label = (!label.message.is_empty()).then_some(label.message.as_str());
            assert_eq!(span.label.as_deref(), want_label);
        }
        assert!(d.rendered.as_ref().unwrap().contains(&f.message));
        let helps = d
            .children
            .iter()
            .filter(|c| c.level == DiagnosticLevel::Help)
            .count();
        assert_eq!(
            helps,
            usize::from(f.help.is_some()) + usize::from(f.suggestion.is_some())
        );
        if let Some(s) = &f.suggestion {
            let child = d.children.iter().find(|c| !c.spans.is_empty()).unwrap();
            let span = &child.spans[0];
            assert_eq!(span.suggested_replacement.as_ref(), Some(&s.replacement));
            assert_eq!(span.suggestion_applicability, Some(Applicability::MaybeIncorrect));
        }
    }
}

#[test]
fn cargo_json_rendered_variants_are_ansi_and_short() {
    let report = sample_report("");
    let parse = |sel| -> Vec<String> {
        parse_messages(&output::render(&report, sel, false))
            .into_iter()
            .filter_map(|m| match m {
                Message::CompilerMessage(cm) => cm.message.rendered,
                _ => None,
            })
            .collect()
    };
    assert!(parse(cargo_json(true, false))
        .iter()
        .all(|r| r.contains("\u{1b}[")));
    assert!(parse(cargo_json(false, false))
        .iter()
        .all(|r| !r.contains('\u{1b}')));
    let short = parse(cargo_json(false, true));
    for (r, f) in short.iter().zip(&report.findings) {
        assert_eq!(r, &format!("{}\n", output::short::line(&report, f)));
    }
    assert_eq!(
        short[0],
        "src/main.rs:8:20: error[forklint::lock_held_across_fork]: lock guard `_g` is held across \
         fork(): fork() while `_g` is held\n"
    );
}

#[test]
fn sarif_is_complete_and_its_fingerprints_ignore_lines_above() {
    check_sarif(&real_report());
    let report = sample_report("");
    let results = check_sarif(&report);
    // Three lines added above: every region moves, no fingerprint changes.
    let moved = sample_report("// one\n// two\n\n");
    let moved_log = output::sarif::log(&moved);
    let moved_results = moved_log["runs"][0]["results"].as_array().unwrap();
    for (a, b) in results.iter().zip(moved_results) {
        let line =
            |r: &serde_json::Value| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64();
        assert_eq!(line(b).unwrap(), line(a).unwrap() + 3);
        assert_eq!(a["partialFingerprints"], b["partialFingerprints"]);
    }
}

/// Checks a report's SARIF and returns its results.
fn check_sarif(report: &Report) -> Vec<serde_json::Value> {
    let log: serde_json::Value = serde_json::from_str(&output::sarif::render(report)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "forklint");
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), forklint::rules::RULES.len());
    for (r, meta) in rules.iter().zip(forklint::rules::RULES) {
        assert_eq!(r["id"], meta.name);
        assert_eq!(r["help"]["markdown"], meta.doc, "help comes from rules/NAME.md");
        assert_eq!(r["shortDescription"]["text"], meta.summary);
        for key in [
            "/id",
            "/shortDescription/text",
            "/fullDescription/text",
            "/help/text",
            "/help/markdown",
        ] {
            assert!(
                r.pointer(key)
                    .and_then(|v| v.as_str())
                    .is_some_and(|s| !s.is_empty()),
                "{key} in {r}"
            );
        }
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "none"].contains(&level), "{r}");
        // A pedantic rule is off by default: "none", and not enabled.
        assert_eq!(
            r["defaultConfiguration"]["enabled"].as_bool(),
            Some(level != "none"),
            "{r}"
        );
        assert!(r["helpUri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("rules/{}.md", r["id"].as_str().unwrap())));
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    assert!(!results.is_empty());
    for (res, f) in results.iter().zip(&report.findings) {
        assert_eq!(res["ruleId"], f.rule);
        assert_eq!(rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"], f.rule);
        assert_eq!(
            res["level"],
            if f.level == Level::Deny {
                "error"
            } else {
                "warning"
            }
        );
        let loc = &res["locations"][0]["physicalLocation"];
        let file = report.db.get(f.primary.file);
        assert_eq!(loc["artifactLocation"]["uri"], file.display.as_str());
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &loc["region"];
        let at = |k: &str| region[k].as_u64().unwrap() as usize;
        assert_eq!(
            select_chars(
                file.text(),
                (at("startLine"), at("startColumn")),
                (at("endLine"), at("endColumn"))
            ),
            file.snippet(&f.primary.span),
            "the region (endColumn exclusive) selects the finding"
        );
        let related = res["relatedLocations"].as_array().map_or(0, Vec::len);
        assert_eq!(related, f.secondary.len());
        for (i, l) in f.secondary.iter().enumerate() {
            // The evidence is linked from the message (brackets in the
            // label text are escaped, so compare the unescaped text).
            let text = res["message"]["text"]
                .as_str()
                .unwrap()
                .replace("\\[", "[")
                .replace("\\]", "]");
            assert!(text.contains(&format!("[{}]({})", l.message, i + 1)), "{text}");
            assert_eq!(res["relatedLocations"][i]["message"]["text"], l.message.as_str());
        }
        assert_eq!(
            res["partialFingerprints"]["forklint/v1"],
            fingerprint(&report.db, f).as_str()
        );
    }
    results.clone()
}

/// Undoes workflow-command escaping.
fn unescape(s: &str) -> String {
    s.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn github_annotations_escape_messages_and_properties() {
    check_github(&real_report());
    let report = sample_report("");
    let commands = check_github(&report);
    assert!(commands[2].contains("100%25 invisible") && commands[2].contains("%0Asecond line"));
    assert!(output::github::render(&report).ends_with("2 errors, 1 warning in 2 files\n"));
}

/// Checks a report's workflow commands and returns them.
fn check_github(report: &Report) -> Vec<String> {
    let text = output::github::render(report);
    let commands: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(
        commands.len(),
        report.findings.len(),
        "one command per finding, one line each"
    );
    for (cmd, f) in commands.iter().zip(&report.findings) {
        let rest = cmd.strip_prefix("::").unwrap();
        let (head, message) = rest.split_once("::").expect("::kind props::message");
        let (kind, props) = head.split_once(' ').unwrap();
        assert_eq!(
            kind,
            if f.level == Level::Deny {
                "error"
            } else {
                "warning"
            }
        );
        let props: Vec<(&str, &str)> = props.split(',').map(|p| p.split_once('=').unwrap()).collect();
        let get = |k: &str| props.iter().find(|(key, _)| *key == k).map(|(_, v)| unescape(v));
        assert_eq!(get("title").unwrap(), format!("forklint::{}", f.rule));
        assert_eq!(get("file").unwrap(), report.db.get(f.primary.file).display);
        let (line, col) = report.db.get(f.primary.file).position(f.primary.span.start);
        assert_eq!(get("line").unwrap(), line.to_string());
        let (end_line, _) = report.db.get(f.primary.file).position(f.primary.span.end);
        assert_eq!(
            get("col").is_some(),
            line == end_line,
            "columns only on one-line spans"
        );
        if line == end_line {
            assert_eq!(get("col").unwrap(), col.to_string());
        }
        assert!(!message.contains('\n') && !message.contains('\r'));
        assert!(unescape(message).starts_with(&f.message));
    }
    commands.iter().map(|c| c.to_string()).collect()
}

#[test]
fn short_format_is_one_parsable_line_per_finding() {
    let report = sample_report("");
    let text = output::short::render(&report);
    assert_eq!(text.lines().count(), report.findings.len());
    for (line, f) in text.lines().zip(&report.findings) {
        let file = report.db.get(f.primary.file);
        let (l, c) = file.position(f.primary.span.start);
        let level = if f.level == Level::Deny {
            "error"
        } else {
            "warning"
        };
        assert!(
            line.starts_with(&format!(
                "{}:{l}:{c}: {level}[forklint::{}]: ",
                file.display, f.rule
            )),
            "{line}"
        );
    }
}

// ---- The binary, as cargo, rust-analyzer and CI run it. ----

/// A throwaway cargo project under the system temp directory.
struct TempProject(PathBuf);

impl TempProject {
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("forklint-formats-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"),
        )
        .unwrap();
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        TempProject(dir)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in(&self.0, args)
    }

    fn run_in(&self, dir: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cargo-forklint"))
            .arg("forklint")
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", self.0.join("target"))
            .env_remove("NO_COLOR")
            .output()
            .unwrap()
    }
}

impl Drop for TempProject {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A project whose one finding is a `parse_error` (warn) in a file that is
/// not part of the crate, so `cargo check` still builds it.
fn project_with_unparsable_file(name: &str) -> TempProject {
    TempProject::new(
        name,
        &[
            ("src/main.rs", "fn main() {}\n"),
            // Half-written fork code: it names fork, so even the demand-driven
            // default parses it, and reports that it cannot.
            ("src/broken.rs", "// é\nfn broken( { libc::fork\n"),
        ],
    )
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn rust_analyzer_invocation_yields_cargo_messages() {
    let p = project_with_unparsable_file("ra_invocation");
    let out = p.run(&[
        "--message-format=json-diagnostic-rendered-ansi",
        "--workspace",
        "--all-targets",
        "--keep-going",
        "--features",
        "x",
        "--target-dir",
        "t",
        "--config",
        "build.jobs=1",
        "-p",
        "ra_invocation",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "a warning only: {text}");
    let messages = parse_messages(&text);
    assert!(matches!(messages.last(), Some(Message::BuildFinished(b)) if b.success));
    let [Message::CompilerMessage(cm), _] = messages.as_slice() else {
        panic!("expected one compiler-message and build-finished: {text}")
    };
    assert!(cm.package_id.repr.contains("ra_invocation"));
    assert!(cm.target.is_bin());
    assert_eq!(
        cm.target.src_path.as_std_path(),
        p.0.join("src/main.rs").canonicalize().unwrap()
    );
    let d = &cm.message;
    assert_eq!(d.code.as_ref().unwrap().code, "forklint::parse_error");
    assert_eq!(d.level, DiagnosticLevel::Warning);
    let span = &d.spans[0];
    assert_eq!(
        span.file_name, "src/broken.rs",
        "relative to the workspace root, like rustc's"
    );
    assert_eq!(span.line_start, 2);
    assert_eq!(span.text[0].text, "fn broken( { libc::fork");
    assert!(
        d.rendered.as_ref().unwrap().contains("\u{1b}["),
        "rendered in colour"
    );
}

#[test]
fn with_check_forwards_rustc_errors_and_finishes_once() {
    let p = TempProject::new(
        "with_check",
        &[(
            "src/main.rs",
            "fn main() {\n    let x: u8 = \"not a number\";\n}\n",
        )],
    );
    let out = p.run(&["--message-format=json", "--with-check", "--all-targets"]);
    let text = stdout(&out);
    let messages = parse_messages(&text);
    let codes: Vec<String> = messages
        .iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(cm) => cm.message.code.as_ref().map(|c| c.code.clone()),
            _ => None,
        })
        .collect();
    assert!(
        codes.contains(&"E0308".to_string()),
        "rustc's error is forwarded: {text}"
    );
    let finished: Vec<bool> = messages
        .iter()
        .filter_map(|m| match m {
            Message::BuildFinished(b) => Some(b.success),
            _ => None,
        })
        .collect();
    assert_eq!(
        finished,
        [false],
        "one build-finished, failed as cargo check failed"
    );
    assert!(matches!(messages.last(), Some(Message::BuildFinished(_))));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn exit_codes_are_the_same_in_every_format() {
    let p = project_with_unparsable_file("exit_codes");
    let formats: [&[&str]; 6] = [
        &["--format", "human"],
        &["--format", "short"],
        &["--format", "json"],
        &["--format", "sarif"],
        &["--format", "github"],
        &["--message-format", "json"],
    ];
    for format in formats {
        let warn = p.run(format);
        assert_eq!(warn.status.code(), Some(0), "{format:?}: a warning does not fail");
        assert!(
            stdout(&warn).contains("parse_error"),
            "{format:?}: the finding is printed"
        );
        let deny = p.run(&[format, &["-D", "warnings"]].concat());
        assert_eq!(deny.status.code(), Some(1), "{format:?} with -D warnings");
        let allow = p.run(&[format, &["-A", "parse_error"]].concat());
        assert_eq!(allow.status.code(), Some(0), "{format:?} with -A");
        assert!(!stdout(&allow).contains("forklint::parse_error"));
    }
}

#[test]
fn bad_output_options_are_usage_errors() {
    let p = project_with_unparsable_file("usage_errors");
    for args in [
        &["--message-format", "xml"][..],
        &["--format", "sarif", "--message-format", "json"],
        &["--with-check"],
        &["--format", "yaml"],
    ] {
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(!out.stderr.is_empty(), "{args:?}: the error is explained");
    }
}

#[test]
fn review_formats_use_repository_relative_paths() {
    // A git checkout whose cargo workspace lives in `crates/app/`.
    let p = TempProject::new(
        "repo_paths",
        &[
            (".git/HEAD", "ref: refs/heads/main\n"),
            (
                "crates/app/Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
            ),
            ("crates/app/src/main.rs", "fn main() {}\n"),
            ("crates/app/src/broken.rs", "fn broken( { libc::fork\n"),
        ],
    );
    let app = p.0.join("crates/app");
    let sarif: serde_json::Value =
        serde_json::from_slice(&p.run_in(&app, &["--format", "sarif"]).stdout).unwrap();
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "crates/app/src/broken.rs");
    let github = stdout(&p.run_in(&app, &["--format", "github"]));
    assert!(
        github.starts_with("::warning file=crates/app/src/broken.rs,"),
        "{github}"
    );
    // cargo's messages stay relative to the workspace root, like rustc's.
    let messages = parse_messages(&stdout(&p.run_in(&app, &["--message-format", "json"])));
    let Message::CompilerMessage(cm) = &messages[0] else {
        panic!("expected a compiler-message")
    };
    assert_eq!(cm.message.spans[0].file_name, "src/broken.rs");
}
