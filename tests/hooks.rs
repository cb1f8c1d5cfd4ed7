//! Where a `pre_exec` hook runs decides how its calls are judged: in the
//! child std forks at `spawn` (an error where it is not async-signal-safe),
//! or in the calling process at `exec` (no fork: allocation there is
//! pedantic; std's environment lock is still held). How the Command is
//! launched is followed through the crate's functions both ways; anything
//! the walk does not follow counts as a fork.

mod common;

/// Findings as `(level, line)`.
type Levels = Vec<(String, u64)>;

/// The hook findings of `main_rs`, at default levels and with every group on.
fn hook_findings(name: &str, main_rs: &str) -> (Levels, Levels) {
    let dir = common::package("hooks", name);
    common::write(&dir, "src/main.rs", main_rs);
    let run = |args: &[&str]| -> Levels {
        let mut all = vec!["--format", "json", "--no-deps"];
        all.extend(args);
        all.push(".");
        common::forklint(&dir, &all)
            .findings_of("unsafe_call_in_pre_exec")
            .iter()
            .map(|d| {
                (
                    d["level"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    (run(&[]), run(&["-W", "pedantic"]))
}

const HOOK: &str = "use std::os::unix::process::CommandExt;\nuse std::process::Command;\n\
fn announce(cmd: &mut Command) {\n    unsafe {\n        cmd.pre_exec(|| {\n            let line = format!(\"pid {}\", std::process::id());\n            drop(line);\n            Ok(())\n        });\n    }\n}\n";

#[test]
fn a_hook_on_a_command_only_execd_in_place_is_pedantic() {
    let main = format!(
        "{HOOK}fn replace_self(mut cmd: Command) -> ! {{\n    let err = cmd.exec();\n    eprintln!(\"{{err}}\");\n    std::process::exit(1)\n}}\n\
fn main() {{\n    let mut cmd = Command::new(\"true\");\n    announce(&mut cmd);\n    replace_self(cmd)\n}}\n"
    );
    let (default, all) = hook_findings("exec_in_place", &main);
    assert_eq!(default, vec![], "no fork of std's: nothing at the default levels");
    assert_eq!(
        all,
        vec![("warning".to_string(), 6)],
        "pedantic: the finding is still there to see"
    );
}

#[test]
fn a_command_named_through_a_type_alias_is_followed_to_its_launch() {
    // `type Cmd = Command;` (a file's alias names the type as a `use`
    // would): exec'd in place, pedantic; spawned, suspicious (no other
    // thread shows).
    let hook = "use std::os::unix::process::CommandExt;\ntype Cmd = std::process::Command;\n\
fn main() {\n    let mut cmd = Cmd::new(\"true\");\n    unsafe {\n        cmd.pre_exec(|| {\n            let line = format!(\"pid {}\", std::process::id());\n            drop(line);\n            Ok(())\n        });\n    }\n";
    let (default, all) = hook_findings("alias_exec", &format!("{hook}    let _ = cmd.exec();\n}}\n"));
    assert_eq!(default, vec![], "exec in place through the alias: no fork");
    assert_eq!(all, vec![("warning".to_string(), 7)]);
    let (default, _) = hook_findings("alias_spawn", &format!("{hook}    let _ = cmd.spawn();\n}}\n"));
    assert_eq!(
        default,
        vec![("warning".to_string(), 7)],
        "spawned through the alias: std forks"
    );
}

#[test]
fn a_command_spawned_on_any_path_or_handed_away_keeps_its_hooks_level() {
    let cases = [
        (
            "spawned_in_other_branch",
            "fn main() {\n    let mut cmd = Command::new(\"true\");\n    announce(&mut cmd);\n    if std::env::args().count() > 1 {\n        let _ = cmd.exec();\n    } else {\n        let _ = cmd.status();\n    }\n}\n",
        ),
        (
            "handed_to_a_helper_that_spawns",
            "fn run(mut c: Command) { let _ = c.arg(\"x\").output(); }\nfn main() {\n    let mut cmd = Command::new(\"true\");\n    announce(&mut cmd);\n    run(cmd);\n}\n",
        ),
        (
            "stored_in_a_struct",
            "struct Job { cmd: Command }\nfn main() {\n    let mut cmd = Command::new(\"true\");\n    announce(&mut cmd);\n    let job = Job { cmd };\n    let _ = job.cmd;\n}\n",
        ),
        (
            "aliased",
            "fn main() {\n    let mut cmd = Command::new(\"true\");\n    announce(&mut cmd);\n    let c = &mut cmd;\n    let _ = c.exec();\n    let _ = cmd.exec();\n}\n",
        ),
        (
            "launched_by_an_unknown_method",
            "trait Pty { fn spawn_pty(&mut self); }\nimpl Pty for Command { fn spawn_pty(&mut self) {} }\nfn main() {\n    let mut cmd = Command::new(\"true\");\n    announce(&mut cmd);\n    cmd.spawn_pty();\n    let _ = cmd.exec();\n}\n",
        ),
    ];
    for (name, rest) in cases {
        let (default, _) = hook_findings(name, &format!("{HOOK}{rest}"));
        // Suspicious, not pedantic: these programs show no other thread.
        assert_eq!(default, vec![("warning".to_string(), 6)], "{name}");
    }
}

#[test]
fn a_hook_on_a_library_functions_parameter_is_judged_as_spawned() {
    // No caller in the crate: whoever calls it may spawn the Command.
    let dir = common::package("hooks", "library_param");
    common::write(&dir, "src/lib.rs", HOOK.replace("fn announce", "pub fn announce"));
    let r = common::forklint(&dir, &["--format", "json", "--no-deps", "."]);
    let findings = r.findings_of("unsafe_call_in_pre_exec");
    let levels: Vec<&str> = findings.iter().map(|d| d["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["error"], "{r:?}");
}

/// A hook handed to a builder's setter in one file, stored in a field
/// there and registered from the field when the builder spawns: the
/// demand-driven default reads the setter's callers as `--full` does.
#[test]
fn a_hook_stored_by_a_setter_in_another_module_is_found_as_in_full() {
    let dir = common::package("hooks", "setter_other_module");
    common::write(
        &dir,
        "src/launcher.rs",
        "use std::os::unix::process::CommandExt;\nuse std::process::Command;\n\
pub struct Launcher { setup: Option<Box<dyn FnMut() -> std::io::Result<()> + Send + Sync>> }\n\
impl Launcher {\n    pub fn new() -> Launcher { Launcher { setup: None } }\n\
    pub fn with_setup<F: FnMut() -> std::io::Result<()> + Send + Sync + 'static>(&mut self, f: F) -> &mut Self {\n        self.setup = Some(Box::new(f));\n        self\n    }\n\
    pub fn run(&mut self) {\n        let mut cmd = Command::new(\"true\");\n        if let Some(setup) = self.setup.take() {\n            unsafe { cmd.pre_exec(setup) };\n        }\n        let _ = cmd.status();\n    }\n}\n",
    );
    common::write(
        &dir,
        "src/util.rs",
        "pub fn banner() -> String { format!(\"v{}\", 1) }\n",
    );
    common::write(
        &dir,
        "src/setup.rs",
        "use crate::launcher::Launcher;\n\
pub fn scrub(l: &mut Launcher) {\n    l.with_setup(|| {\n        std::env::remove_var(\"LD_PRELOAD\");\n        Ok(())\n    });\n}\n",
    );
    common::write(
        &dir,
        "src/main.rs",
        "mod launcher;\nmod setup;\nmod util;\nuse launcher::Launcher;\n\
fn main() {\n    println!(\"{}\", util::banner());\n    let mut l = Launcher::new();\n    setup::scrub(&mut l);\n    l.run();\n}\n",
    );
    let lines = |extra: &[&str]| -> Vec<(String, u64)> {
        let mut args = vec!["--format", "json", "--no-deps"];
        args.extend(extra);
        args.push(".");
        common::forklint(&dir, &args)
            .findings_of("unsafe_call_in_pre_exec")
            .iter()
            .map(|d| {
                (
                    d["path"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let default = lines(&[]);
    assert_eq!(
        default,
        vec![("./src/setup.rs".to_string(), 4)],
        "remove_var in the hook, where it is written"
    );
    assert_eq!(lines(&["--full"]), default, "the default reads what --full reads");
}
