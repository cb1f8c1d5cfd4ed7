//! The demand-driven default and `--full` must give identical findings, and
//! the output must not depend on the number of worker threads.

use std::path::Path;

use forklint::{output, Options};

/// Every fixture directory and the realistic corpus, each linted as a whole.
fn targets() -> Vec<&'static Path> {
    let mut t = vec![
        Path::new("fixtures"),
        Path::new("tests/corpus"),
        Path::new("tests/snapshots/real"),
    ];
    t.retain(|p| p.exists());
    t
}

/// `--full`, and with `--walk-every-entry` when `every_entry`.
fn full_mode(every_entry: bool) -> Options {
    Options {
        full: true,
        walk_every_entry: every_entry,
        ..Options::default()
    }
}

fn rendered(path: &Path, opts: &Options) -> (String, usize) {
    let report = forklint::lint_paths(&[path], opts);
    (output::json::render(&report), report.files_parsed)
}

#[test]
fn default_and_full_modes_give_identical_findings() {
    for t in targets() {
        let (demand, parsed_demand) = rendered(t, &Options::default());
        let (full, parsed_full) = rendered(t, &full_mode(false));
        assert!(!full.is_empty(), "{}: no findings at all", t.display());
        assert_eq!(
            demand,
            full,
            "{}: the demand-driven mode differs from --full",
            t.display()
        );
        assert!(parsed_demand <= parsed_full, "{}", t.display());
        // `--full` leaves out the entry points that can change no finding:
        // walking every one of them must give the same.
        let (every, parsed_every) = rendered(t, &full_mode(true));
        assert_eq!(
            every,
            full,
            "{}: leaving entry points out changed --full",
            t.display()
        );
        assert_eq!(parsed_every, parsed_full, "{}", t.display());
    }
}

#[test]
fn output_is_identical_at_one_and_two_threads() {
    for t in targets() {
        let one = rendered(
            t,
            &Options {
                jobs: Some(1),
                ..Options::default()
            },
        )
        .0;
        let two = rendered(
            t,
            &Options {
                jobs: Some(2),
                ..Options::default()
            },
        )
        .0;
        assert_eq!(one, two, "{}: output depends on the thread count", t.display());
    }
}

/// A fresh directory holding these files, removed when dropped.
struct TempCrate(std::path::PathBuf);

impl TempCrate {
    fn new(name: &str, files: &[(&str, &str)]) -> TempCrate {
        let dir = std::env::temp_dir().join(format!("forklint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        TempCrate(dir)
    }
}

impl Drop for TempCrate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn demand_mode_parses_only_files_that_can_matter() {
    // main.rs forks and calls a helper in helper.rs; unrelated.rs matters to nobody.
    let dir = TempCrate::new(
        "demand",
        &[
            (
                "main.rs",
                "mod helper;\nmod unrelated;\nuse std::thread;\nfn main() {\n    let _t = thread::spawn(|| {});\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        helper::log_start();\n        unsafe { libc::_exit(0) };\n    }\n}\n",
            ),
            ("helper.rs", "pub fn log_start() {\n    let s = String::from(\"started\");\n    drop(s);\n}\n"),
            ("unrelated.rs", "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"),
        ],
    );
    let (demand, full) = both_modes(&dir);
    assert_eq!(
        demand.files_parsed, 2,
        "main.rs and the helper it calls from the child"
    );
    assert_eq!(full.files_parsed, 3);
    let rules: Vec<&str> = demand.findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        vec!["unsafe_call_in_child"],
        "the helper allocates in a threaded child"
    );
    assert_eq!(output::json::render(&demand), output::json::render(&full));
}

/// The default mode's and `--full`'s reports, after checking that `--full`
/// gives the same when it walks every entry point.
fn both_modes(dir: &TempCrate) -> (forklint::Report, forklint::Report) {
    let lint = |opts: &Options| forklint::lint_paths(&[dir.0.as_path()], opts);
    let (demand, full, every) = (
        lint(&Options::default()),
        lint(&full_mode(false)),
        lint(&full_mode(true)),
    );
    assert_eq!(output::json::render(&every), output::json::render(&full));
    (demand, full)
}

#[test]
fn a_test_that_reaches_a_fork_through_a_helper_is_walked() {
    // checks.rs names no fork: `--full` leaves its tests out at first, then
    // walks them once runner::run_child turns out to fork. The test starts
    // a thread before it calls it, and the child prints.
    let dir = TempCrate::new(
        "deferred",
        &[
            ("lib.rs", "mod checks;\npub mod runner;\n"),
            (
                "runner.rs",
                "pub fn run_child() {\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        println!(\"child\");\n        unsafe { libc::_exit(0) };\n    }\n}\n",
            ),
            (
                "checks.rs",
                "#[test]\nfn unrelated() {\n    assert_eq!(1 + 1, 2);\n}\n#[test]\nfn child_runs() {\n    let _t = std::thread::spawn(|| loop {});\n    crate::runner::run_child();\n}\n",
            ),
        ],
    );
    let (demand, full) = both_modes(&dir);
    let thread_in_test = full.findings.iter().any(|f| {
        f.rule == "fork_after_thread_spawn"
            && f.secondary.iter().any(|l| {
                full.db.get(l.file).display.ends_with("checks.rs") && l.message == "thread spawned here"
            })
    });
    assert!(thread_in_test, "{:?}", full.findings);
    assert_eq!(output::json::render(&demand), output::json::render(&full));
}

#[test]
fn a_test_named_like_a_helper_a_child_calls_lends_it_nothing() {
    // Keys are names, but a test is never called by name: the test `note`
    // does not lend its println! to the helper `note` the child calls,
    // which only writes (a false alarm on real code: sudo-rs's test
    // `mark_fds_as_cloexec`). Both modes agree.
    let dir = TempCrate::new(
        "namesake",
        &[
            (
                "main.rs",
                "mod util;\nmod tests;\nfn main() {\n    let _t = std::thread::spawn(|| {});\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        util::note();\n        unsafe { libc::_exit(0) };\n    }\n}\n",
            ),
            (
                "util.rs",
                "pub fn note() {\n    unsafe { libc::write(2, b\"x\".as_ptr().cast(), 1) };\n}\n",
            ),
            ("tests.rs", "#[test]\nfn note() {\n    println!(\"checking\");\n}\n"),
        ],
    );
    let (demand, full) = both_modes(&dir);
    let rules: Vec<&str> = full.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, Vec::<&str>::new(), "{:?}", full.findings);
    assert_eq!(output::json::render(&demand), output::json::render(&full));
}

#[test]
fn demand_mode_follows_callers_of_forking_functions_across_files() {
    // main.rs starts a thread through a helper, then calls probe::run(),
    // which forks in another file: the fork happens after a thread spawn,
    // and that thread takes the lock the child takes.
    let dir = TempCrate::new(
        "callers",
        &[
            (
                "main.rs",
                "mod probe;\nfn start_status() {\n    std::thread::spawn(|| loop {\n        *probe::STATE.lock().unwrap() += 1;\n    });\n}\nfn main() {\n    start_status();\n    probe::run();\n}\n",
            ),
            (
                "probe.rs",
                "use std::sync::Mutex;\npub static STATE: Mutex<u32> = Mutex::new(0);\npub fn run() {\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        let n = *STATE.lock().unwrap();\n        unsafe { libc::_exit(n as i32) };\n    }\n}\n",
            ),
        ],
    );
    let (demand, full) = both_modes(&dir);
    let rules: Vec<&str> = full.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&"fork_after_thread_spawn"), "{rules:?}");
    assert_eq!(output::json::render(&demand), output::json::render(&full));
}

#[test]
fn packages_inside_a_directory_are_crates_of_their_own() {
    // Linting a directory of two packages (a workspace, a vendor directory):
    // `note` called in app's child is app's own signal-safe one, not the
    // allocating `note` of the other package.
    let manifest = |name: &str| format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n");
    let (app, other) = (manifest("app"), manifest("other"));
    let dir = TempCrate::new(
        "packages",
        &[
            ("app/Cargo.toml", app.as_str()),
            (
                "app/src/main.rs",
                "mod util;\nfn main() {\n    let _t = std::thread::spawn(|| {});\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        util::note();\n        unsafe { libc::_exit(0) };\n    }\n}\n",
            ),
            (
                "app/src/util.rs",
                "pub fn note() {\n    unsafe { libc::write(2, b\"x\".as_ptr().cast(), 1) };\n}\n",
            ),
            ("other/Cargo.toml", other.as_str()),
            ("other/src/lib.rs", "pub fn note() {\n    let s = String::from(\"x\");\n    drop(s);\n}\n"),
        ],
    );
    let (demand, full) = both_modes(&dir);
    let rules: Vec<&str> = full.findings.iter().map(|f| f.rule).collect();
    assert!(rules.is_empty(), "{rules:?}");
    assert_eq!(output::json::render(&demand), output::json::render(&full));
    // Discovery gives each package its own crate key.
    let keys: Vec<String> = forklint::discover::from_paths(std::slice::from_ref(&dir.0), true)
        .files
        .iter()
        .map(|f| f.crate_key.clone())
        .collect();
    let distinct: std::collections::BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), 2, "{keys:?}");
}

#[test]
fn a_2015_edition_file_that_syn_cannot_parse_is_reported_in_both_modes() {
    // No fork anywhere, so the demand mode would parse nothing; but syn's
    // grammar is 2018's, and this compiles only as Rust 2015.
    let dir = TempCrate::new(
        "edition2015",
        &[
            (
                "old/Cargo.toml",
                "[package]\nname = \"old\"\nversion = \"0.1.0\"\n",
            ),
            ("old/src/lib.rs", "pub type Action = Fn(u32) + Send + Sync;\n"),
        ],
    );
    let (demand, full) = both_modes(&dir);
    let rules: Vec<&str> = demand.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, vec!["parse_error"]);
    assert_eq!(demand.files_parsed, 1);
    assert_eq!(output::json::render(&demand), output::json::render(&full));
}

#[test]
fn a_file_read_again_for_its_finding_is_shown_with_its_text() {
    // helper.rs names no fork, so its text is let go after the scan; the
    // child calls into it, so it is parsed, and its syntax error is shown.
    let dir = TempCrate::new(
        "reread",
        &[
            (
                "main.rs",
                "mod helper;\nfn main() {\n    let pid = unsafe { libc::fork() };\n    if pid == 0 {\n        helper::note();\n        unsafe { libc::_exit(0) };\n    }\n}\n",
            ),
            ("helper.rs", "pub fn note() {}\npub fn broken( {}\n"),
        ],
    );
    let (demand, _) = both_modes(&dir);
    let [f] = demand.findings.as_slice() else {
        panic!("{:?}", demand.findings)
    };
    assert_eq!(f.rule, "parse_error");
    let file = demand.db.get(f.primary.file);
    assert!(file.display.ends_with("helper.rs"), "{}", file.display);
    assert_eq!(file.position(f.primary.span.start).0, 2);
    assert!(file.text().contains("pub fn broken"));
    let human = output::human::render(&demand, false);
    assert!(human.contains("pub fn broken"), "{human}");
}

#[test]
fn fork_wrappers_are_known_without_a_second_parse_on_demand() {
    // A function that forks and returns the result makes its callers fork
    // sites. main.rs calls a wrapper of its own and one of worker.rs; it
    // names no fork itself, so the files that do are walked first and the
    // default mode parses each file once.
    let wrapper = "pub fn spawn_worker() -> libc::pid_t {\n    unsafe { libc::fork() }\n}\n";
    let main = "mod worker;\nmod local;\nuse std::sync::Mutex;\nstatic STATE: Mutex<u32> = Mutex::new(0);\nfn main() {\n    let _g = STATE.lock().unwrap();\n    if local::start() == 0 {\n        println!(\"child\");\n        unsafe { libc::_exit(0) };\n    }\n    if worker::spawn_worker() == 0 {\n        println!(\"child\");\n        unsafe { libc::_exit(0) };\n    }\n}\n";
    // local.rs calls a wrapper defined in the same file, and is one itself.
    let local = "fn raw() -> libc::pid_t {\n    unsafe { libc::fork() }\n}\npub fn start() -> libc::pid_t {\n    let _g = std::sync::Mutex::new(0);\n    let g = _g.lock().unwrap();\n    let pid = raw();\n    drop(g);\n    pid\n}\n";
    let dir = TempCrate::new(
        "wrappers",
        &[("main.rs", main), ("worker.rs", wrapper), ("local.rs", local)],
    );
    let (demand, full) = both_modes(&dir);
    assert_eq!(full.files_parsed, 3);
    assert_eq!(demand.files_parsed, 3);
    assert_eq!(demand.files_reparsed, 0);
    // `--full` leaves main out at first (main.rs names no fork), and walks
    // it again once the wrappers it calls are known.
    assert_eq!(full.files_reparsed, 1);
    let found: Vec<(String, usize)> = full
        .findings
        .iter()
        .filter(|f| f.rule == "lock_held_across_fork")
        .map(|f| {
            let file = full.db.get(f.primary.file);
            (
                file.display.rsplit('/').next().unwrap().to_string(),
                file.position(f.primary.span.start).0,
            )
        })
        .collect();
    // Both calls fork (through two wrappers, one nested) with the lock
    // held, and the children print.
    assert_eq!(
        found,
        vec![("main.rs".to_string(), 7), ("main.rs".to_string(), 11)]
    );
    assert_eq!(output::json::render(&demand), output::json::render(&full));
}

#[test]
fn a_re_exec_through_proc_self_exe_is_found_in_both_modes() {
    // The parent sets CONFIG, then starts itself again through
    // /proc/self/exe; the copy's role branch reads CONFIG, which nobody
    // set in that process. Nothing here forks, so the demand mode must
    // see the re-exec in the scan to parse the file at all.
    let main = "use std::process::Command;\nuse std::sync::OnceLock;\n\nstatic CONFIG: OnceLock<String> = OnceLock::new();\n\nfn child_main() {\n    println!(\"{:?}\", CONFIG.get());\n}\n\nfn main() {\n    if std::env::args().nth(1).as_deref() == Some(\"--child\") {\n        child_main();\n        return;\n    }\n    let _ = CONFIG.set(String::from(\"production\"));\n    let _ = Command::new(\"/proc/self/exe\").arg(\"--child\").status();\n}\n";
    let dir = TempCrate::new("proc_self_exe", &[("main.rs", main)]);
    let (demand, full) = both_modes(&dir);
    let found: Vec<(&str, usize)> = full
        .findings
        .iter()
        .map(|f| {
            (
                f.rule,
                full.db.get(f.primary.file).position(f.primary.span.start).0,
            )
        })
        .collect();
    assert_eq!(found, vec![("global_state_in_child", 7)]);
    assert_eq!(output::json::render(&demand), output::json::render(&full));
}
