//! Command-line interface: parses argv into `Options` for the library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "forklint",
    bin_name = "cargo forklint",
    version,
    about = "Finds fork-safety hazards in Rust code: locks and threads across fork(), unsafe calls before exec",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every rule with its default level and summary.
    Rules,
    /// Print a rule's documentation.
    Explain { name: String },
    /// Build the fixture programs and run them to confirm each hazard.
    Confirm(crate::harness::ConfirmArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Short,
    Json,
    Sarif,
    Github,
    /// GitLab Code Quality report (JSON).
    Gitlab,
    /// JUnit XML test report.
    Junit,
    /// Checkstyle XML.
    Checkstyle,
    /// reviewdog's Diagnostic Format (rdjson).
    Rdjson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args, Default)]
pub struct LintArgs {
    /// Files or directories to lint. Without any, the cargo workspace around
    /// the current directory.
    pub paths: Vec<PathBuf>,

    /// Output format (repeatable, with --output-file: one report per
    /// format). Without a file of its own a format goes to stdout.
    #[arg(long, visible_alias = "output-format", value_enum, value_name = "FORMAT")]
    pub format: Vec<Format>,

    /// Write the report of the --output-format just before it to this file
    /// instead of stdout (stdout then gets human output, or the format
    /// given without a file).
    #[arg(long, value_name = "PATH")]
    pub output_file: Vec<PathBuf>,

    /// `--format`/`--output-file` paired in command-line order; filled from
    /// the argument positions by `app::main`. When empty, every `--format`
    /// goes to stdout.
    #[arg(skip)]
    pub outputs: Vec<(Format, Option<PathBuf>)>,

    /// Apply the machine-applicable fixes to the files in place, then
    /// report what is left (never writes files without this flag).
    #[arg(long)]
    pub fix: bool,

    /// Print only findings and errors: no summary, progress or notes.
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// cargo-style messages: json, json-diagnostic-short,
    /// json-diagnostic-rendered-ansi, json-render-diagnostics (for editors:
    /// rust-analyzer's check.overrideCommand), or human / short.
    #[arg(long, value_name = "FMT")]
    pub message_format: Vec<String>,

    /// With --message-format json, also run `cargo check` with the same
    /// cargo flags and forward its messages (rustc's errors in the editor).
    #[arg(long)]
    pub with_check: bool,

    /// When to colour the output (default: auto, or CARGO_TERM_COLOR;
    /// auto honours NO_COLOR).
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,

    /// Path to Cargo.toml.
    #[arg(long)]
    pub manifest_path: Option<PathBuf>,

    /// Lint only these packages (name or package-id spec).
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,

    /// Lint every workspace member.
    #[arg(long)]
    pub workspace: bool,

    /// With --workspace, skip these packages.
    #[arg(long, value_name = "SPEC")]
    pub exclude: Vec<String>,

    /// Set a rule (or `warnings`) to allow.
    #[arg(short = 'A', long = "allow", value_name = "RULE")]
    pub allow: Vec<String>,
    /// Set a rule to warn.
    #[arg(short = 'W', long = "warn", value_name = "RULE")]
    pub warn: Vec<String>,
    /// Set a rule to deny, or `-D warnings` to make every warning an error.
    #[arg(short = 'D', long = "deny", value_name = "RULE")]
    pub deny: Vec<String>,
    /// `-A/-W/-D` in the order given (a later flag wins, as in rustc);
    /// filled from the argument positions by `app::main`. When empty, the
    /// three lists above apply in the order allow, warn, deny.
    #[arg(skip)]
    pub level_flags: Vec<(String, crate::diagnostic::Level)>,

    /// Do not lint files matching this glob (relative to the project root;
    /// as `exclude` in forklint.toml). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude_path: Vec<String>,

    /// Report only findings that are not in this baseline file (a relative
    /// path is relative to the workspace root).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in this baseline file (for adopting
    /// forklint in an existing codebase); exits 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,

    /// Treat the code as running in a multithreaded process even without
    /// evidence of threads (for libraries whose callers may run threads).
    #[arg(long)]
    pub assume_threads: bool,

    /// Parse and analyse every file instead of only those that can matter.
    #[arg(long)]
    pub full: bool,

    /// With --full: also walk the entry points (`main`, tests) that can
    /// change no finding, which --full leaves out; slower, for checking
    /// that shortcut (the benchmark compares the two).
    #[arg(long, requires = "full")]
    pub walk_every_entry: bool,

    /// With paths: also lint files git ignores (.gitignore, .ignore,
    /// .git/info/exclude), which are skipped as git and ripgrep skip them
    #[arg(long)]
    pub no_ignore: bool,

    /// Judge calls into dependencies by the knowledge tables alone, without
    /// reading the dependencies' sources.
    #[arg(long)]
    pub no_deps: bool,

    /// Say on stderr what the run could not see: dependencies whose source
    /// is not on disk, summaries cut by a bound.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Worker threads (default: all cores).
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,

    /// Print how many files were read and how many parsed to stderr (the
    /// benchmark compares the modes with it).
    #[arg(long)]
    pub stats: bool,

    // Flags cargo check takes, which rust-analyzer passes to an override
    // command. Accepted and ignored: forklint reads sources, not builds.
    #[arg(long, hide = true)]
    pub all_targets: bool,
    #[arg(long, hide = true)]
    pub keep_going: bool,
    #[arg(long, hide = true)]
    pub lib: bool,
    #[arg(long, hide = true)]
    pub bins: bool,
    #[arg(long, hide = true)]
    pub tests: bool,
    #[arg(long, hide = true)]
    pub benches: bool,
    #[arg(long, hide = true)]
    pub examples: bool,
    #[arg(long, short = 'F', hide = true, value_name = "FEATURES")]
    pub features: Vec<String>,
    #[arg(long, hide = true)]
    pub all_features: bool,
    #[arg(long, hide = true)]
    pub no_default_features: bool,
    #[arg(long, hide = true)]
    pub target: Vec<String>,
    #[arg(long, hide = true)]
    pub target_dir: Option<PathBuf>,
    #[arg(long, hide = true)]
    pub config: Vec<String>,
    #[arg(long, hide = true)]
    pub profile: Option<String>,
    #[arg(long, hide = true)]
    pub release: bool,
    #[arg(long, hide = true)]
    pub locked: bool,
    #[arg(long, hide = true)]
    pub offline: bool,
    #[arg(long, hide = true)]
    pub frozen: bool,
}

/// `-A/-W/-D` values in command-line order, from clap's argument indices.
pub fn level_flags_in_order(matches: &clap::ArgMatches) -> Vec<(String, crate::diagnostic::Level)> {
    use crate::diagnostic::Level;
    let mut flags = Vec::new();
    for (id, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
    ] {
        let (Some(values), Some(indices)) = (matches.get_many::<String>(id), matches.indices_of(id)) else {
            continue;
        };
        for (value, index) in values.zip(indices) {
            flags.push((index, value.clone(), level));
        }
    }
    flags.sort_by_key(|f| f.0);
    flags.into_iter().map(|(_, name, level)| (name, level)).collect()
}

/// `--format` and `--output-file` paired in command-line order: a file
/// belongs to the format just before it. Errors: a file before any format,
/// two files for one format, two formats left for stdout.
pub fn outputs_in_order(matches: &clap::ArgMatches) -> Result<Vec<(Format, Option<PathBuf>)>, String> {
    let mut events: Vec<(usize, Result<Format, PathBuf>)> = Vec::new();
    if let (Some(v), Some(i)) = (matches.get_many::<Format>("format"), matches.indices_of("format")) {
        events.extend(i.zip(v.map(|f| Ok(*f))));
    }
    if let (Some(v), Some(i)) = (
        matches.get_many::<PathBuf>("output_file"),
        matches.indices_of("output_file"),
    ) {
        events.extend(i.zip(v.map(|p| Err(p.clone()))));
    }
    events.sort_by_key(|e| e.0);
    let mut out: Vec<(Format, Option<PathBuf>)> = Vec::new();
    for (_, e) in events {
        match e {
            Ok(f) => out.push((f, None)),
            Err(path) => match out.last_mut() {
                Some((_, file @ None)) => *file = Some(path),
                Some((f, Some(_))) => {
                    return Err(format!(
                        "--output-file {}: the --output-format {} before it already has a file",
                        path.display(),
                        format_name(*f)
                    ))
                }
                None => {
                    return Err(format!(
                        "--output-file {} needs an --output-format before it",
                        path.display()
                    ))
                }
            },
        }
    }
    if out.iter().filter(|o| o.1.is_none()).count() > 1 {
        return Err("more than one --output-format for stdout: give the others an --output-file".into());
    }
    Ok(out)
}

/// A format's name as the command line spells it.
pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::Human => "human",
        Format::Short => "short",
        Format::Json => "json",
        Format::Sarif => "sarif",
        Format::Github => "github",
        Format::Gitlab => "gitlab",
        Format::Junit => "junit",
        Format::Checkstyle => "checkstyle",
        Format::Rdjson => "rdjson",
    }
}

/// Strips the subcommand name cargo inserts: `cargo forklint X` runs
/// `cargo-forklint forklint X`.
pub fn normalize_args(mut args: Vec<String>) -> Vec<String> {
    if args.get(1).map(String::as_str) == Some("forklint") {
        args.remove(1);
    }
    args
}

impl LintArgs {
    /// `cargo check` arguments for `--with-check`: the cargo flags forklint
    /// accepted, passed on, with the same message format.
    pub fn cargo_check_args(&self) -> Vec<String> {
        let mut a = vec!["check".to_string()];
        let format = if self.message_format.is_empty() {
            "json".to_string()
        } else {
            self.message_format.join(",")
        };
        a.push(format!("--message-format={format}"));
        let flags = [
            (self.workspace, "--workspace"),
            (self.all_targets, "--all-targets"),
            (self.keep_going, "--keep-going"),
            (self.lib, "--lib"),
            (self.bins, "--bins"),
            (self.tests, "--tests"),
            (self.benches, "--benches"),
            (self.examples, "--examples"),
            (self.all_features, "--all-features"),
            (self.no_default_features, "--no-default-features"),
            (self.release, "--release"),
            (self.locked, "--locked"),
            (self.offline, "--offline"),
            (self.frozen, "--frozen"),
            (self.quiet, "--quiet"),
        ];
        a.extend(flags.iter().filter(|(on, _)| *on).map(|(_, f)| f.to_string()));
        let valued: [(&str, Vec<String>); 7] = [
            (
                "--manifest-path",
                self.manifest_path
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
            ),
            ("--package", self.packages.clone()),
            ("--exclude", self.exclude.clone()),
            ("--features", self.features.clone()),
            ("--target", self.target.clone()),
            (
                "--target-dir",
                self.target_dir.iter().map(|p| p.display().to_string()).collect(),
            ),
            ("--config", self.config.clone()),
        ];
        for (flag, values) in valued {
            for v in values {
                a.push(format!("{flag}={v}"));
            }
        }
        if let Some(p) = &self.profile {
            a.push(format!("--profile={p}"));
        }
        a
    }
}
