//! The command-line application: turns parsed arguments into a run and an
//! exit code. Rendering is `crate::output`'s job.

use crate::cli::{Cli, Command, LintArgs};
use crate::diagnostic::Level;
use crate::{output, rules, Options};

/// Parses argv (as cargo or the user passed it) and runs. Exit codes: 0
/// clean, 1 deny-level findings, 2 usage/config/internal error.
pub fn main(args: Vec<String>) -> i32 {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command()
        .try_get_matches_from(crate::cli::normalize_args(args))
        .and_then(|m| {
            let mut cli = Cli::from_arg_matches(&m)?;
            cli.lint.level_flags = crate::cli::level_flags_in_order(&m);
            cli.lint.outputs = crate::cli::outputs_in_order(&m)
                .map_err(|e| Cli::command().error(clap::error::ErrorKind::ArgumentConflict, e))?;
            Ok(cli)
        });
    match parsed {
        // An internal error is exit 2, never a panic's 101.
        Ok(cli) => std::panic::catch_unwind(|| main_with(cli)).unwrap_or_else(|_| {
            eprintln!("error: internal error in forklint (a bug; please report it)");
            2
        }),
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() {
                2
            } else {
                0
            }
        }
    }
}

pub fn main_with(cli: Cli) -> i32 {
    match cli.command {
        Some(Command::Rules) => {
            print!("{}", output::rules_table());
            0
        }
        Some(Command::Explain { name }) => match rules::find(&name) {
            Some(rule) => {
                print!("{}", rule.doc);
                0
            }
            None => {
                eprintln!("error: {}", crate::suggest::unknown_rule(&name));
                2
            }
        },
        Some(Command::Confirm(args)) => crate::harness::run_confirm(&args, |report| match args.format {
            crate::harness::ConfirmFormat::Human => crate::output::confirm::render_human(report),
            crate::harness::ConfirmFormat::Json => crate::output::confirm::render_json(report),
        }),
        None => lint(&cli.lint),
    }
}

fn lint(args: &LintArgs) -> i32 {
    // `--format`s without a file of their own go to stdout (at most one, as
    // `outputs_in_order` checked); the others to their files.
    let outputs: Vec<(crate::cli::Format, Option<std::path::PathBuf>)> = if args.outputs.is_empty() {
        args.format.iter().map(|f| (*f, None)).collect()
    } else {
        args.outputs.clone()
    };
    let to_stdout = outputs.iter().find(|o| o.1.is_none()).map(|o| o.0);
    let selected = match output::select(to_stdout, &args.message_format) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let check = match output::check::start(args.with_check, selected, args.cargo_check_args()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let report = match options_from(args).and_then(|opts| run_fixing(&opts, args.fix, args.quiet)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            // cargo check's messages are still worth having.
            if let Some(check) = check {
                check.finish();
            }
            return 2;
        }
    };
    let color = output::color_choice(args.color);
    for (format, path) in &outputs {
        let Some(path) = path else { continue };
        let text = output::render(&report, output::Selected::Format(*format), false);
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write the report {}: {e}", path.display());
            return 2;
        }
    }
    let emitted = match check {
        None => output::emit(&report, selected, color, args.quiet).map(|()| true),
        Some(check) => output::check::emit_with(&report, selected, check),
    };
    let code = match emitted {
        Ok(check_ok) => report.exit_code().max(i32::from(!check_ok)),
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if args.stats {
        let again = match report.files_reparsed {
            0 => String::new(),
            n => format!(" ({n} parsed again)"),
        };
        let deps = match report.dependency_files {
            0 => String::new(),
            n => format!(", {n} dependency files parsed"),
        };
        eprintln!(
            "forklint: {} files read, {} parsed{again}{deps}",
            report.files_checked, report.files_parsed
        );
    }
    if args.verbose {
        for note in &report.notes {
            eprintln!("note: {note}");
        }
    }
    if report.baseline_matched_nothing {
        // Not a note: a baseline that hides nothing is most likely a wrong
        // path or a baseline of another project.
        eprintln!(
            "warning: the baseline {} matches none of this run's {} finding{} (written for another \
             directory or project?)",
            report
                .baseline_path
                .as_deref()
                .unwrap_or(std::path::Path::new(""))
                .display(),
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" }
        );
    }
    if args.quiet {
        return code;
    }
    // The human summary says this itself; machine formats keep stdout clean.
    let human = selected == output::Selected::Format(crate::cli::Format::Human);
    if let (Some(path), Some(_)) = (&report.baseline_path, &args.write_baseline) {
        eprintln!(
            "forklint: wrote {} finding{} to the baseline {}",
            report.baselined,
            if report.baselined == 1 { "" } else { "s" },
            path.display()
        );
    } else if report.baselined > 0 && !human {
        let n = report.baselined;
        eprintln!(
            "forklint: {n} finding{} baselined (not shown)",
            if n == 1 { "" } else { "s" }
        );
    }
    for (format, path) in &outputs {
        if let Some(path) = path {
            eprintln!(
                "forklint: wrote the {} report to {}",
                crate::cli::format_name(*format),
                path.display()
            );
        }
    }
    code
}

/// Runs, and with `--fix` applies the machine-applicable fixes and runs
/// again: the report is of what is left.
fn run_fixing(opts: &crate::Options, fix: bool, quiet: bool) -> Result<crate::Report, String> {
    let report = crate::run(opts)?;
    if !fix {
        return Ok(report);
    }
    let fixed = crate::fix::apply::fix_files(&report.db, &report.findings)?;
    if !quiet {
        eprintln!(
            "forklint: fixed {} finding{} in {} file{}",
            fixed.edits,
            if fixed.edits == 1 { "" } else { "s" },
            fixed.files,
            if fixed.files == 1 { "" } else { "s" }
        );
    }
    if fixed.edits == 0 {
        return Ok(report);
    }
    crate::run(opts)
}

/// Builds library options from the configuration (found from the working
/// directory) and the arguments, which override it. Checks rule names.
pub fn options_from(args: &LintArgs) -> Result<Options, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    // The settings are the linted project's, not the working directory's:
    // found from the first path, else from --manifest-path.
    let base = match (args.paths.first(), &args.manifest_path) {
        (Some(p), _) => {
            let p = std::fs::canonicalize(cwd.join(p)).unwrap_or_else(|_| cwd.join(p));
            if p.is_dir() {
                p
            } else {
                p.parent()
                    .map_or_else(|| cwd.clone(), std::path::Path::to_path_buf)
            }
        }
        (None, Some(m)) => {
            let m = cwd.join(m);
            m.parent()
                .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()))
                .unwrap_or_else(|| cwd.clone())
        }
        (None, None) => cwd.clone(),
    };
    let manifest = args.manifest_path.as_ref().map(|m| cwd.join(m));
    let config = if args.paths.is_empty() {
        crate::config::discover(&base, manifest.as_deref())?
    } else {
        let (config, problem) = crate::config::discover_for_paths(&base, manifest.as_deref())?;
        if let Some(problem) = problem {
            if !args.quiet {
                eprintln!("warning: {problem}; linting the given paths with the default settings");
            }
        }
        config
    };
    let flags = if args.level_flags.is_empty() {
        let mut flags = Vec::new();
        for (names, level) in [
            (&args.allow, Level::Allow),
            (&args.warn, Level::Warn),
            (&args.deny, Level::Deny),
        ] {
            flags.extend(names.iter().map(|n| (n.clone(), level)));
        }
        flags
    } else {
        args.level_flags.clone()
    };
    let mut path_filter = config.paths;
    path_filter.exclude.extend(args.exclude_path.iter().cloned());
    let mut levels = config.levels;
    for (name, level) in flags {
        if !rules::is_level_name(&name) {
            return Err(crate::suggest::unknown_rule(&name));
        }
        levels.push((name, level));
    }
    Ok(Options {
        paths: args.paths.clone(),
        packages: crate::discover::PackageSelection {
            manifest_path: args.manifest_path.clone(),
            packages: args.packages.clone(),
            workspace: args.workspace,
            exclude: args.exclude.clone(),
        },
        levels,
        assume_threads: args.assume_threads || config.assume_threads.unwrap_or(false),
        unknown_calls_warn: config.unknown_calls_warn.unwrap_or(false),
        extra_knowledge: config.extra,
        baseline: args.baseline.clone(),
        write_baseline: args.write_baseline.clone(),
        full: args.full,
        walk_every_entry: args.walk_every_entry,
        no_ignore: args.no_ignore,
        no_deps: args.no_deps,
        verbose: args.verbose,
        jobs: args.jobs,
        root: if args.paths.is_empty() {
            None
        } else {
            crate::config::project_root(&base)
        },
        path_filter,
    })
}
