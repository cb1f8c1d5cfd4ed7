//! Configuration: rule levels and analysis options from `forklint.toml` or
//! `[workspace.metadata.forklint]` / `[package.metadata.forklint]` in
//! Cargo.toml, and how levels (config, then `-A/-W/-D`) apply to findings.
//!
//! ```toml
//! unknown_calls = "warn"          # report calls the knowledge tables do not know
//! assume_threads = true           # as --assume-threads
//! lock_types = ["parking_lot::Mutex"]
//! thread_spawners = ["my_pool::spawn_worker"]
//! exclude = ["tests/**", "benches"]   # globs, relative to the project root
//! include = ["src/**"]                # when set, only these are linted
//!
//! [levels]
//! global_state_in_child = "deny"
//! warnings = "deny"               # every warning is an error
//!
//! [signal_safe]
//! "my_crate::sys::raw_write" = "calls only write(2)"
//! ```
//!
//! Every mistake (unknown key, unknown rule, bad value) is an error naming
//! the file, line and column: a typo must not silently turn a rule off.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Finding, Level};
use crate::knowledge::{Class, Knowledge, Role};

pub const CONFIG_FILE: &str = "forklint.toml";

/// What the user told forklint about their code beyond the built-in
/// knowledge tables. The analysis consumes it through `apply_to`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraKnowledge {
    /// Types (canonical paths such as `parking_lot::Mutex`) whose `lock`,
    /// `read` and `write` methods take a lock and return a guard.
    pub lock_types: Vec<String>,
    /// Functions that start a thread which keeps running after they return,
    /// like `std::thread::spawn`.
    pub thread_spawners: Vec<String>,
    /// Functions the user vouches are async-signal-safe, each with a reason.
    pub signal_safe: Vec<SignalSafe>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalSafe {
    pub path: String,
    pub reason: String,
}

impl ExtraKnowledge {
    pub fn is_empty(&self) -> bool {
        self.lock_types.is_empty() && self.thread_spawners.is_empty() && self.signal_safe.is_empty()
    }

    /// Adds these entries to a knowledge table: user entries override the
    /// built-in ones (the user knows their wrappers better than we do).
    pub fn apply_to(&self, k: &mut Knowledge) {
        let mine = format!("{self:?}");
        k.fingerprint ^= crate::knowledge::fingerprint(std::iter::once(mine.as_str()));
        // A lock type's methods that wait and hand back a guard
        // (rules/locks.toml [guard_methods]).
        let blocking: Vec<String> = k
            .guard_methods
            .iter()
            .filter(|(_, g)| g.blocks)
            .map(|(m, _)| m.clone())
            .collect();
        for ty in &self.lock_types {
            for m in &blocking {
                let fact = k.functions.entry(format!("{ty}::{m}")).or_default();
                fact.class = Some(Class::Locks);
                fact.why = format!("`{ty}` is a lock type (forklint config: lock_types)");
            }
        }
        for path in &self.thread_spawners {
            let fact = k.functions.entry(path.clone()).or_default();
            fact.role = Some(Role::SpawnThread);
            fact.why = "starts a thread (forklint config: thread_spawners)".to_string();
        }
        for s in &self.signal_safe {
            // The class and reason are the user's; what the call does to
            // the process (its role) stays the table's.
            let fact = k.functions.entry(s.path.clone()).or_default();
            fact.class = Some(Class::Safe);
            fact.why = s.reason.clone();
        }
        k.index_call_names();
    }

    /// The built-in knowledge with these entries added (the built-in
    /// tables themselves when there are none).
    pub fn knowledge(&self) -> std::borrow::Cow<'static, Knowledge> {
        if self.is_empty() {
            return std::borrow::Cow::Borrowed(Knowledge::builtin());
        }
        let mut k = Knowledge::builtin().clone();
        self.apply_to(&mut k);
        std::borrow::Cow::Owned(k)
    }
}

/// A loaded configuration. `None` options mean "not set here".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The files it was read from, nearest last.
    pub sources: Vec<PathBuf>,
    /// Rule (or `warnings`) levels in file order.
    pub levels: Vec<(String, Level)>,
    pub unknown_calls_warn: Option<bool>,
    pub assume_threads: Option<bool>,
    pub extra: ExtraKnowledge,
    /// `include` / `exclude` globs (see `crate::glob`).
    pub paths: crate::glob::PathFilter,
}

impl Config {
    /// `over` (a nearer file) on top of `self`.
    fn layer(mut self, over: Config) -> Config {
        self.sources.extend(over.sources);
        self.levels.extend(over.levels);
        self.unknown_calls_warn = over.unknown_calls_warn.or(self.unknown_calls_warn);
        self.assume_threads = over.assume_threads.or(self.assume_threads);
        self.extra.lock_types.extend(over.extra.lock_types);
        self.extra.thread_spawners.extend(over.extra.thread_spawners);
        self.extra.signal_safe.extend(over.extra.signal_safe);
        self.paths.include.extend(over.paths.include);
        self.paths.exclude.extend(over.paths.exclude);
        self
    }
}

/// The forklint table, as written in either file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    levels: BTreeMap<Spanned<String>, Spanned<String>>,
    unknown_calls: Option<Spanned<String>>,
    assume_threads: Option<bool>,
    #[serde(default)]
    lock_types: Vec<Spanned<String>>,
    #[serde(default)]
    thread_spawners: Vec<Spanned<String>>,
    #[serde(default)]
    signal_safe: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

/// Only the parts of a Cargo.toml forklint reads; the rest is cargo's.
#[derive(Debug, Deserialize)]
struct Manifest {
    package: Option<MetadataHolder>,
    workspace: Option<MetadataHolder>,
}

#[derive(Debug, Deserialize)]
struct MetadataHolder {
    metadata: Option<Metadata>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    forklint: Option<RawConfig>,
}

/// `file:line:col: message` for a byte span of a config file.
fn located(path: &Path, text: &str, span: Option<Range<usize>>, message: &str) -> String {
    match span {
        Some(span) => {
            let start = span.start.min(text.len());
            let before = &text[..start];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("{}:{line}:{col}: {message}", path.display())
        }
        None => format!("{}: {message}", path.display()),
    }
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    located(path, text, e.span(), &format!("invalid configuration: {message}"))
}

/// A path as a user writes it in the knowledge tables: `a::b::c`.
fn is_rust_path(s: &str) -> bool {
    !s.is_empty()
        && s.split("::").all(|seg| {
            let mut chars = seg.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// Checks a raw table and turns it into a `Config`.
fn validate(raw: RawConfig, path: &Path, text: &str) -> Result<Config, String> {
    let err = |span: Range<usize>, msg: String| located(path, text, Some(span), &msg);
    let mut config = Config {
        sources: vec![path.to_path_buf()],
        assume_threads: raw.assume_threads,
        ..Config::default()
    };
    // Source order, so a reader can predict which of two entries wins.
    let mut levels: Vec<_> = raw.levels.into_iter().collect();
    levels.sort_by_key(|(k, _)| k.span().start);
    for (name, value) in levels {
        let rule = name
            .get_ref()
            .strip_prefix("forklint::")
            .unwrap_or(name.get_ref());
        if !crate::rules::is_level_name(rule) {
            return Err(err(
                name.span(),
                format!("{} in [levels]", crate::suggest::unknown_rule(name.get_ref())),
            ));
        }
        let level = match value.get_ref().as_str() {
            "allow" => Level::Allow,
            "warn" => Level::Warn,
            "deny" => Level::Deny,
            other => {
                return Err(err(
                    value.span(),
                    format!("level of `{rule}` must be \"allow\", \"warn\" or \"deny\", not \"{other}\""),
                ))
            }
        };
        config.levels.push((rule.to_string(), level));
    }
    if let Some(u) = raw.unknown_calls {
        config.unknown_calls_warn = Some(match u.get_ref().as_str() {
            "warn" => true,
            "allow" => false,
            other => {
                return Err(err(
                    u.span(),
                    format!("unknown_calls must be \"warn\" or \"allow\", not \"{other}\""),
                ))
            }
        });
    }
    for (key, list, out) in [
        ("lock_types", raw.lock_types, &mut config.extra.lock_types),
        (
            "thread_spawners",
            raw.thread_spawners,
            &mut config.extra.thread_spawners,
        ),
    ] {
        for p in list {
            if !is_rust_path(p.get_ref()) {
                return Err(err(
                    p.span(),
                    format!(
                        "{key}: `{}` is not a path like `crate_name::module::Name`",
                        p.get_ref()
                    ),
                ));
            }
            out.push(p.into_inner());
        }
    }
    for (key, list, out) in [
        ("include", raw.include, &mut config.paths.include),
        ("exclude", raw.exclude, &mut config.paths.exclude),
    ] {
        for g in list {
            if g.get_ref().trim().is_empty() {
                return Err(err(g.span(), format!("{key}: an empty glob matches nothing")));
            }
            out.push(g.into_inner());
        }
    }
    let mut safe: Vec<_> = raw.signal_safe.into_iter().collect();
    safe.sort_by_key(|(k, _)| k.span().start);
    for (p, reason) in safe {
        if !is_rust_path(p.get_ref()) {
            return Err(err(
                p.span(),
                format!(
                    "signal_safe: `{}` is not a path like `crate_name::module::function`",
                    p.get_ref()
                ),
            ));
        }
        if reason.get_ref().trim().is_empty() {
            return Err(err(
                reason.span(),
                format!(
                    "signal_safe: `{}` needs a reason: why is it async-signal-safe?",
                    p.get_ref()
                ),
            ));
        }
        config.extra.signal_safe.push(SignalSafe {
            path: p.into_inner(),
            reason: reason.into_inner(),
        });
    }
    Ok(config)
}

/// Parses a `forklint.toml`.
pub fn parse_config_file(path: &Path, text: &str) -> Result<Config, String> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    validate(raw, path, text)
}

/// The `[workspace.metadata.forklint]` and `[package.metadata.forklint]`
/// tables of a Cargo.toml, if present, and whether it declares a workspace.
#[derive(Debug, Default)]
struct ManifestConfig {
    workspace: Option<Config>,
    package: Option<Config>,
    is_workspace_root: bool,
}

fn parse_manifest(path: &Path, text: &str) -> Result<ManifestConfig, String> {
    if let Err(e) = text.parse::<toml::Table>() {
        let why = format!("not valid TOML: {}", e.message().trim_end());
        return Err(format!(
            "{BROKEN_MANIFEST}{}",
            located(path, text, e.span(), &why)
        ));
    }
    let manifest: Manifest = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let section = |h: Option<MetadataHolder>| h.and_then(|h| h.metadata).and_then(|m| m.forklint);
    let is_workspace_root = manifest.workspace.is_some();
    Ok(ManifestConfig {
        workspace: section(manifest.workspace)
            .map(|raw| validate(raw, path, text))
            .transpose()?,
        package: section(manifest.package)
            .map(|raw| validate(raw, path, text))
            .transpose()?,
        is_workspace_root,
    })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// Starts the error for a Cargo.toml that is not TOML at all: cargo's
/// problem rather than a forklint setting, so a run on explicit paths can
/// go on without it (see `discover_for_paths`).
const BROKEN_MANIFEST: &str = "broken Cargo.toml, cannot read forklint settings from it: ";

/// As [`discover`], for a run on explicit paths, which needs no cargo: a
/// Cargo.toml that is not TOML is reported (the `Err` of the pair) and the
/// defaults used. Wrong forklint settings are still an error.
pub fn discover_for_paths(
    cwd: &Path,
    manifest_path: Option<&Path>,
) -> Result<(Config, Option<String>), String> {
    match discover(cwd, manifest_path) {
        Err(e) if e.starts_with(BROKEN_MANIFEST) => Ok((Config::default(), Some(e))),
        other => other.map(|c| (c, None)),
    }
}

/// Finds the configuration for a run from `cwd`:
///
/// 1. the nearest `forklint.toml` in `cwd` or a parent directory, alone;
/// 2. otherwise the forklint metadata of the package's Cargo.toml
///    (`manifest_path`, or the nearest Cargo.toml above `cwd`): its
///    `[package.metadata.forklint]` over its workspace root's
///    `[workspace.metadata.forklint]`.
///
/// No configuration at all is the default configuration.
pub fn discover(cwd: &Path, manifest_path: Option<&Path>) -> Result<Config, String> {
    if let Some(path) = cwd.ancestors().map(|d| d.join(CONFIG_FILE)).find(|p| p.is_file()) {
        return parse_config_file(&path, &read(&path)?);
    }
    let manifest = match manifest_path {
        Some(m) => Some(if m.is_absolute() {
            m.to_path_buf()
        } else {
            cwd.join(m)
        }),
        None => cwd
            .ancestors()
            .map(|d| d.join("Cargo.toml"))
            .find(|p| p.is_file()),
    };
    let Some(manifest) = manifest else {
        return Ok(Config::default());
    };
    let nearest = parse_manifest(&manifest, &read(&manifest)?)?;
    let mut config = Config::default();
    if nearest.is_workspace_root {
        if let Some(ws) = nearest.workspace {
            config = config.layer(ws);
        }
    } else {
        // The workspace root is the nearest Cargo.toml above with [workspace].
        let parents = manifest.parent().and_then(Path::parent);
        for dir in parents.into_iter().flat_map(Path::ancestors) {
            let candidate = dir.join("Cargo.toml");
            if !candidate.is_file() {
                continue;
            }
            let root = parse_manifest(&candidate, &read(&candidate)?)?;
            if root.is_workspace_root {
                if let Some(ws) = root.workspace {
                    config = config.layer(ws);
                }
                break;
            }
        }
    }
    if let Some(pkg) = nearest.package {
        config = config.layer(pkg);
    }
    Ok(config)
}

/// The root of the project `base` (a directory) lies in: the cargo
/// workspace root above it, else the nearest package directory, else the
/// nearest directory with a `forklint.toml`. Nothing inside a `target`
/// directory belongs to a package, so the search stops at one.
pub fn project_root(base: &Path) -> Option<PathBuf> {
    let mut nearest = None;
    let mut config_dir = None;
    for dir in base.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if manifest.is_file() {
            let is_root = std::fs::read_to_string(&manifest)
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
                .is_some_and(|t| t.contains_key("workspace"));
            if is_root {
                return Some(dir.to_path_buf());
            }
            nearest.get_or_insert_with(|| dir.to_path_buf());
        }
        if config_dir.is_none() && nearest.is_none() && dir.join(CONFIG_FILE).is_file() {
            config_dir = Some(dir.to_path_buf());
        }
        if dir.file_name().is_some_and(|n| n == "target") {
            break;
        }
    }
    nearest.or(config_dir)
}

/// The level of every rule after the overrides, in order (config first,
/// then `-A/-W/-D`). The `warnings` group acts last, whatever its position,
/// as in rustc: `-D warnings` turns every finding still at warn into an
/// error, `-A warnings` silences them.
pub fn apply_levels(findings: &mut [Finding], levels: &[(String, Level)]) {
    let group = levels
        .iter()
        .rev()
        .find(|(name, _)| name == "warnings")
        .map(|(_, level)| *level);
    for f in findings.iter_mut() {
        // In order, so a later setting wins: `-W pedantic -A child_may_unwind`.
        for (name, level) in levels {
            let name = name.strip_prefix("forklint::").unwrap_or(name);
            if name == f.rule || name == f.group.as_str() {
                f.level = *level;
            }
        }
        if f.level == Level::Warn {
            if let Some(level) = group {
                f.level = level;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;

    fn parse(text: &str) -> Result<Config, String> {
        parse_config_file(Path::new("forklint.toml"), text)
    }

    #[test]
    fn reads_every_option() {
        let c = parse(
            "unknown_calls = \"warn\"\nassume_threads = true\nlock_types = [\"parking_lot::Mutex\"]\n\
             thread_spawners = [\"pool::spawn\"]\n[levels]\nparse_error = \"deny\"\nwarnings = \"allow\"\n\
             [signal_safe]\n\"sys::raw_write\" = \"calls only write(2)\"\n",
        )
        .unwrap();
        assert_eq!(c.unknown_calls_warn, Some(true));
        assert_eq!(c.assume_threads, Some(true));
        assert_eq!(
            c.levels,
            vec![
                ("parse_error".to_string(), Level::Deny),
                ("warnings".to_string(), Level::Allow)
            ]
        );
        assert_eq!(c.extra.lock_types, ["parking_lot::Mutex"]);
        assert_eq!(c.extra.thread_spawners, ["pool::spawn"]);
        assert_eq!(c.extra.signal_safe[0].path, "sys::raw_write");
        assert_eq!(c.extra.signal_safe[0].reason, "calls only write(2)");
    }

    #[test]
    fn mistakes_name_file_line_and_column() {
        let e = parse("assume_threads = true\nunknwon_calls = \"warn\"\n").unwrap_err();
        assert!(e.starts_with("forklint.toml:2:1: "), "{e}");
        assert!(e.contains("unknwon_calls"), "{e}");

        let e = parse("[levels]\nparse_error = \"deny\"\nlock_held_acros_fork = \"warn\"\n").unwrap_err();
        assert!(e.starts_with("forklint.toml:3:1: "), "{e}");
        assert!(e.contains("unknown rule `lock_held_acros_fork`"), "{e}");

        let e = parse("[levels]\nparse_error = \"loud\"\n").unwrap_err();
        assert!(e.starts_with("forklint.toml:2:15: "), "{e}");

        let e = parse("unknown_calls = \"sometimes\"\n").unwrap_err();
        assert!(e.starts_with("forklint.toml:1:17: "), "{e}");

        let e = parse("[signal_safe]\n\"a::b\" = \"  \"\n").unwrap_err();
        assert!(
            e.starts_with("forklint.toml:2:10: ") && e.contains("needs a reason"),
            "{e}"
        );

        let e = parse("lock_types = [\"ok::Mutex\", \"not a path\"]\n").unwrap_err();
        assert!(e.starts_with("forklint.toml:1:28: "), "{e}");

        let e = parse("[levels\n").unwrap_err();
        assert!(e.starts_with("forklint.toml:1:"), "{e}");
    }

    #[test]
    fn cargo_metadata_tables_are_read_and_checked() {
        let m = parse_manifest(
            Path::new("Cargo.toml"),
            "[package]\nname = \"x\"\n[package.metadata.forklint]\nassume_threads = true\n\
             [workspace]\n[workspace.metadata.forklint.levels]\nparse_error = \"deny\"\n\
             [workspace.metadata.other]\nanything = 1\n",
        )
        .unwrap();
        assert!(m.is_workspace_root);
        assert_eq!(m.package.unwrap().assume_threads, Some(true));
        assert_eq!(
            m.workspace.unwrap().levels,
            vec![("parse_error".into(), Level::Deny)]
        );

        let e = parse_manifest(
            Path::new("Cargo.toml"),
            "[package]\nname = \"x\"\n\n[package.metadata.forklint]\nbogus = 1\n",
        )
        .unwrap_err();
        assert!(e.starts_with("Cargo.toml:5:1: ") && e.contains("bogus"), "{e}");
    }

    #[test]
    fn discovery_prefers_forklint_toml_and_layers_package_over_workspace() {
        let root = std::env::temp_dir().join(format!("forklint-config-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let member = root.join("crates/a/src");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/a\"]\n[workspace.metadata.forklint]\n\
             assume_threads = true\nunknown_calls = \"warn\"\n",
        )
        .unwrap();
        std::fs::write(
            root.join("crates/a/Cargo.toml"),
            "[package]\nname = \"a\"\n[package.metadata.forklint]\nunknown_calls = \"allow\"\n",
        )
        .unwrap();
        let c = discover(&member, None).unwrap();
        assert_eq!(c.assume_threads, Some(true), "from the workspace");
        assert_eq!(c.unknown_calls_warn, Some(false), "the package overrides");
        assert_eq!(c.sources.len(), 2);

        std::fs::write(
            root.join("crates/forklint.toml"),
            "[levels]\nparse_error = \"allow\"\n",
        )
        .unwrap();
        let c = discover(&member, None).unwrap();
        assert_eq!(c.sources, vec![root.join("crates/forklint.toml")]);
        assert_eq!(c.assume_threads, None, "forklint.toml is used alone");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn extra_knowledge_overrides_builtin_entries() {
        let extra = ExtraKnowledge {
            lock_types: vec!["parking_lot::Mutex".into()],
            thread_spawners: vec!["pool::spawn".into()],
            signal_safe: vec![
                SignalSafe {
                    path: "std::ffi::CString::new".into(),
                    reason: "pre-sized, audited".into(),
                },
                SignalSafe {
                    path: "std::thread::scope".into(),
                    reason: "audited".into(),
                },
            ],
        };
        let k = extra.knowledge();
        assert_eq!(k.functions["parking_lot::Mutex::lock"].class, Some(Class::Locks));
        assert_eq!(k.functions["pool::spawn"].role, Some(Role::SpawnThread));
        let cstring = &k.functions["std::ffi::CString::new"];
        assert_eq!(cstring.class, Some(Class::Safe));
        assert_eq!(cstring.why, "pre-sized, audited");
        // A user's class leaves what the call does to the process as it was.
        let scope = &k.functions["std::thread::scope"];
        assert_eq!(scope.class, Some(Class::Safe));
        assert_eq!(scope.role, Some(Role::ScopeThreads));
        assert_eq!(scope.closure_param.as_deref(), Some("std::thread::Scope"));
        // The built-in table is untouched.
        assert_eq!(
            Knowledge::builtin().functions["std::ffi::CString::new"].class,
            Some(Class::Allocates)
        );
    }

    fn finding(rule: &'static str, level: Level) -> Finding {
        let mut f = Finding::new(rule, "m", Label::new(0, 0..0, ""));
        f.level = level;
        f
    }

    #[test]
    fn levels_apply_in_order_and_the_warnings_group_last() {
        let mut fs = vec![
            finding("parse_error", Level::Warn),
            finding("lock_held_across_fork", Level::Deny),
        ];
        let levels = vec![
            ("warnings".to_string(), Level::Deny),
            ("parse_error".to_string(), Level::Allow),
            ("forklint::parse_error".to_string(), Level::Warn),
            ("lock_held_across_fork".to_string(), Level::Warn),
        ];
        apply_levels(&mut fs, &levels);
        assert_eq!(fs[0].level, Level::Deny, "-D warnings wins over a later -W");
        assert_eq!(fs[1].level, Level::Deny);

        let mut fs = vec![
            finding("parse_error", Level::Warn),
            finding("lock_held_across_fork", Level::Deny),
        ];
        apply_levels(&mut fs, &[("warnings".to_string(), Level::Allow)]);
        assert_eq!(fs[0].level, Level::Allow);
        assert_eq!(fs[1].level, Level::Deny, "-A warnings leaves errors alone");
    }
}
