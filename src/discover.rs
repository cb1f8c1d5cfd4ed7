//! Finding the Rust files to lint: a cargo workspace's packages (through
//! `cargo metadata`, which runs no build scripts) or plain paths.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::source::PackageInfo;

/// A file to lint and the crate it belongs to.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub path: PathBuf,
    pub package: Option<usize>,
    /// Files with the same key are analysed together (one crate).
    pub crate_key: String,
    /// Named on the command line: always parsed, even when nothing in it
    /// can hold a hazard, so that a broken file is reported.
    pub explicit: bool,
    /// In a package of the 2015 edition. syn's grammar is 2018's: such a
    /// file may hold syntax it rejects (bare trait objects, anonymous
    /// parameters) even though it compiles, so it is always parsed, to
    /// report that it could not be checked in every mode.
    pub edition_2015: bool,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<Discovered>,
    pub packages: Vec<PackageInfo>,
    /// Problems met on the way (unreadable directories, loops); the run goes on.
    pub warnings: Vec<(PathBuf, String)>,
    /// From `cargo metadata`; `None` for plain paths.
    pub workspace_root: Option<PathBuf>,
}

/// Which packages of a workspace to lint.
#[derive(Debug, Default, Clone)]
pub struct PackageSelection {
    pub manifest_path: Option<PathBuf>,
    pub packages: Vec<String>,
    pub workspace: bool,
    pub exclude: Vec<String>,
}

/// Walks `root` for `.rs` files, skipping hidden files and directories and
/// cargo's target directories (a `target/` holding `CACHEDIR.TAG`, which
/// cargo writes there; a `src/target/` module stays). With `gitignore`,
/// what git ignores is skipped too (`.gitignore`, `.ignore`, `.git/info/
/// exclude`, in a git repository), as git and ripgrep do. Symlinks are not
/// followed, so a symlink loop cannot trap it.
pub fn walk(root: &Path, crate_key: &str, package: Option<usize>, gitignore: bool, out: &mut Discovery) {
    if root.is_file() {
        out.files.push(Discovered {
            path: root.to_path_buf(),
            package,
            crate_key: crate_key.to_string(),
            explicit: true,
            edition_2015: false,
        });
        return;
    }
    // git's ignores apply only in a git work tree; elsewhere (a vendor
    // directory, an unpacked crate) the plain walk is cheaper.
    let in_git = gitignore
        && std::fs::canonicalize(root)
            .ok()
            .is_some_and(|r| r.ancestors().any(|d| d.join(".git").exists()));
    if !in_git {
        walk_plain(root, crate_key, package, out);
        return;
    }
    let iter = ignore::WalkBuilder::new(root)
        .hidden(true)
        .parents(gitignore)
        .ignore(gitignore)
        .git_ignore(gitignore)
        .git_global(gitignore)
        .git_exclude(gitignore)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && e.depth() > 0 && e.file_name() == "target" && e.path().join("CACHEDIR.TAG").is_file())
        })
        .build();
    for entry in iter {
        match entry {
            Ok(e) => found(
                out,
                e.path(),
                e.file_type().is_some_and(|t| t.is_file()),
                crate_key,
                package,
            ),
            Err(err) => {
                let path = match &err {
                    ignore::Error::WithPath { path, .. } => path.clone(),
                    _ => root.to_path_buf(),
                };
                out.warnings.push((path, format!("cannot walk: {err}")));
            }
        }
    }
}

/// A walked entry: a `.rs` file is one to lint.
fn found(out: &mut Discovery, path: &Path, is_file: bool, crate_key: &str, package: Option<usize>) {
    if is_file && path.extension().is_some_and(|x| x == "rs") {
        out.files.push(Discovered {
            path: path.to_path_buf(),
            package,
            crate_key: crate_key.to_string(),
            explicit: false,
            edition_2015: false,
        });
    }
}

/// The walk outside a git work tree: every `.rs` file but those in hidden
/// directories and cargo's target directories.
fn walk_plain(root: &Path, crate_key: &str, package: Option<usize>, out: &mut Discovery) {
    let iter = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            let dir = e.file_type().is_dir();
            !(dir && (name.starts_with('.') || (name == "target" && e.path().join("CACHEDIR.TAG").is_file())))
        });
    for entry in iter {
        match entry {
            Ok(e) => found(out, e.path(), e.file_type().is_file(), crate_key, package),
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                out.warnings.push((path, format!("cannot walk: {err}")));
            }
        }
    }
}

/// Files given on the command line. Each directory argument is one crate
/// for cross-file analysis, except that a package inside it (a directory
/// below the argument with its own `Cargo.toml`: a workspace member, a
/// vendored dependency) is a crate of its own; loose files given together
/// form one crate.
pub fn from_paths(paths: &[PathBuf], gitignore: bool) -> Discovery {
    let mut out = Discovery::default();
    for p in paths {
        if !p.exists() {
            out.warnings.push((p.clone(), "no such file or directory".into()));
            continue;
        }
        let key = if p.is_dir() {
            p.display().to_string()
        } else {
            "<files>".to_string()
        };
        let first = out.files.len();
        walk(p, &key, None, gitignore, &mut out);
        match p.parent().filter(|_| !p.is_dir()) {
            // `main.rs`: its parent is "", the working directory.
            Some(dir) if dir.as_os_str().is_empty() => {
                assign_packages(Path::new("."), &mut out.files[first..], false)
            }
            Some(dir) => assign_packages(dir, &mut out.files[first..], false),
            None => assign_packages(p, &mut out.files[first..], true),
        }
    }
    // Overlapping arguments (`src src/main.rs`, `. sub`) name a file more
    // than once: lint it once, with the first argument that reached it.
    // (One argument cannot: the walk follows no symlinks.)
    if paths.len() > 1 {
        let mut seen = std::collections::HashSet::new();
        out.files
            .retain(|f| seen.insert(std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone())));
    }
    out
}

/// The packages of the cargo workspace around the working directory (or
/// `--manifest-path`), filtered by `-p`/`--exclude`.
pub fn from_cargo(sel: &PackageSelection) -> Result<Discovery, String> {
    let mut cmd = cargo_metadata::MetadataCommand::new();
    cmd.no_deps();
    if let Some(m) = &sel.manifest_path {
        cmd.manifest_path(m);
    }
    let meta = cmd.exec().map_err(|e| {
        let e = e.to_string();
        format!(
            "reading the cargo workspace{} with `cargo metadata` failed: {}",
            sel.manifest_path
                .as_ref()
                .map(|m| format!(" of {}", m.display()))
                .unwrap_or_default(),
            e.trim_end()
        )
    })?;
    let members: BTreeSet<_> = meta.workspace_members.iter().cloned().collect();
    let default_members: BTreeSet<_> = meta.workspace_default_members.iter().cloned().collect();
    let mut out = Discovery {
        workspace_root: Some(meta.workspace_root.clone().into()),
        ..Discovery::default()
    };
    for name in &sel.packages {
        if !meta
            .packages
            .iter()
            .any(|p| spec_matches(name, &p.name, &p.id.repr))
        {
            return Err(format!("package `{name}` not found in the workspace"));
        }
    }
    for pkg in &meta.packages {
        if !members.contains(&pkg.id) {
            continue;
        }
        let selected = if !sel.packages.is_empty() {
            sel.packages
                .iter()
                .any(|s| spec_matches(s, &pkg.name, &pkg.id.repr))
        } else if sel.workspace || default_members.is_empty() {
            true
        } else {
            default_members.contains(&pkg.id)
        };
        if !selected
            || sel
                .exclude
                .iter()
                .any(|s| spec_matches(s, &pkg.name, &pkg.id.repr))
        {
            continue;
        }
        let manifest: PathBuf = pkg.manifest_path.clone().into();
        let panic_abort = manifest_panic_abort(&manifest)
            || manifest_panic_abort(meta.workspace_root.as_std_path().join("Cargo.toml").as_path());
        out.packages.push(PackageInfo {
            name: pkg.name.to_string(),
            id: pkg.id.repr.clone(),
            manifest_path: manifest.clone(),
            panic_abort,
            targets: pkg.targets.clone(),
        });
        let index = out.packages.len() - 1;
        let dir = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
        // Every .rs under the package directory, minus nested packages
        // (they are linted as their own package).
        let mut found = Discovery::default();
        // A package's files are what cargo builds from: git's ignores do
        // not apply (a generated, ignored module is still compiled).
        // The workspace's packages are one analysis: a library's fork is
        // reached from a binary's threads through the symbol table, whose
        // paths tell each package's crates apart.
        walk(&dir, meta.workspace_root.as_str(), Some(index), false, &mut found);
        for f in &mut found.files {
            f.edition_2015 = pkg.edition == cargo_metadata::Edition::E2015;
        }
        let nested: Vec<PathBuf> = meta
            .packages
            .iter()
            .filter(|p| p.id != pkg.id)
            .filter_map(|p| p.manifest_path.parent().map(|d| d.as_std_path().to_path_buf()))
            .filter(|d| d.starts_with(&dir) && d != &dir)
            .collect();
        out.files.extend(
            found
                .files
                .into_iter()
                .filter(|f| !nested.iter().any(|n| f.path.starts_with(n))),
        );
        out.warnings.extend(found.warnings);
    }
    Ok(out)
}

/// Gives each file under `root` that lies in a package below `root` (the
/// nearest directory with a `Cargo.toml`, `root` itself excluded) that
/// package's directory as its crate key: a directory of unrelated crates
/// (vendored dependencies, a corpus) is not one program. When `root` is a
/// workspace (`[workspace]` in its manifest), its packages stay one
/// analysis, as through cargo, unless a package is a workspace of its own.
/// With `split` false (a file argument), keys stay. Either way, marks the
/// files whose package is of the 2015 edition.
fn assign_packages(root: &Path, files: &mut [Discovered], split: bool) {
    use std::collections::HashMap;
    // Directory -> the package directory below `root` it belongs to.
    fn package_of(dir: &Path, root: &Path, memo: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
        if dir == root || !dir.starts_with(root) {
            return None;
        }
        if let Some(known) = memo.get(dir) {
            return known.clone();
        }
        let found = if dir.join("Cargo.toml").is_file() {
            Some(dir.to_path_buf())
        } else {
            dir.parent().and_then(|up| package_of(up, root, memo))
        };
        memo.insert(dir.to_path_buf(), found.clone());
        found
    }
    let mut packages = HashMap::new();
    let is_workspace =
        |dir: &Path| read_manifest(&dir.join("Cargo.toml")).is_some_and(|t| t.contains_key("workspace"));
    let root_workspace = is_workspace(root);
    let mut own_workspace: HashMap<PathBuf, bool> = HashMap::new();
    // Manifest -> is it a 2015-edition package.
    let mut editions: HashMap<PathBuf, bool> = HashMap::new();
    let root_manifest = std::fs::canonicalize(root)
        .ok()
        .and_then(|d| manifest_at_or_above(&d));
    for f in files {
        let package = if split {
            f.path.parent().and_then(|d| package_of(d, root, &mut packages))
        } else {
            None
        };
        let manifest = match &package {
            Some(dir) => {
                let apart = !root_workspace
                    || *own_workspace
                        .entry(dir.clone())
                        .or_insert_with(|| is_workspace(dir));
                if apart {
                    f.crate_key = dir.display().to_string();
                }
                Some(dir.join("Cargo.toml"))
            }
            None => root_manifest.clone(),
        };
        f.edition_2015 =
            manifest.is_some_and(|m| *editions.entry(m).or_insert_with_key(|m| manifest_edition_2015(m)));
    }
}

/// A manifest whose package has no `edition` (so 2015). A virtual manifest
/// (no `[package]`) or an inherited edition (`edition.workspace = true`)
/// is not.
fn manifest_edition_2015(manifest: &Path) -> bool {
    let Some(value) = read_manifest(manifest) else {
        return false;
    };
    value
        .get("package")
        .and_then(|p| p.as_table())
        .is_some_and(|p| p.get("edition").is_none())
}

/// A manifest's TOML; `None` when it cannot be read or parsed (cargo
/// reports that; forklint then assumes the defaults).
fn read_manifest(manifest: &Path) -> Option<toml::Table> {
    std::fs::read_to_string(manifest).ok()?.parse().ok()
}

/// Does a package spec (`name`, `name@1.2.3`, or a package id such as
/// `path+file:///w/app#0.1.0` / `path+file:///w/dir#app@0.1.0`) name this package?
fn spec_matches(spec: &str, name: &str, id: &str) -> bool {
    if spec == name || spec == id || spec.split('@').next() == Some(name) {
        return true;
    }
    let Some((url, fragment)) = spec.rsplit_once('#') else {
        return false;
    };
    let fragment_name = fragment.split('@').next().unwrap_or(fragment);
    // `#0.1.0`: the name is the URL's last path segment.
    let named = if fragment_name.starts_with(|c: char| c.is_ascii_digit()) {
        url.rsplit('/').next() == Some(name)
    } else {
        fragment_name == name
    };
    named && id.starts_with(url)
}

/// `panic = "abort"` in the dev or release profile of a manifest: a panic
/// in a forked child then cannot unwind into the parent's frames.
pub fn manifest_panic_abort(manifest: &Path) -> bool {
    let Some(value) = read_manifest(manifest) else {
        return false;
    };
    let Some(profiles) = value.get("profile").and_then(|p| p.as_table()) else {
        return false;
    };
    ["dev", "release"].iter().any(|p| {
        profiles
            .get(*p)
            .and_then(|t| t.get("panic"))
            .and_then(|v| v.as_str())
            == Some("abort")
    })
}

/// The nearest `Cargo.toml` at or above a file, for files given by path.
pub fn nearest_manifest(file: &Path) -> Option<PathBuf> {
    manifest_at_or_above(std::fs::canonicalize(file).ok()?.parent()?)
}

/// Directory -> the directory of the nearest `Cargo.toml` at or above it.
pub type ManifestDirs = rustc_hash::FxHashMap<PathBuf, Option<PathBuf>>;

/// A file's absolute path and its package's directory (that of the nearest
/// `Cargo.toml` above it), looked up once per directory.
fn package_dir(file: &Path, manifests: &mut ManifestDirs) -> (PathBuf, Option<PathBuf>) {
    let abs = crate::source::absolute(file);
    let dir = abs.parent().unwrap_or(Path::new("/")).to_path_buf();
    let root = manifests
        .entry(dir)
        .or_insert_with_key(|d| manifest_at_or_above(d).and_then(|m| m.parent().map(Path::to_path_buf)))
        .clone();
    (abs, root)
}

/// The program (cargo target) a file is compiled into, as a key: each
/// integration test, example and bench (`tests/NAME.rs`, `tests/NAME/..`),
/// each `src/bin/NAME`, and the rest of the package (library, main and their
/// modules) as one. Found from the path below the nearest `Cargo.toml`;
/// `manifests` caches that lookup per directory.
pub fn program_of(file: &Path, manifests: &mut ManifestDirs) -> String {
    let (abs, root) = package_dir(file, manifests);
    let root = root.unwrap_or_else(|| abs.parent().unwrap_or(Path::new("/")).to_path_buf());
    let rel: Vec<String> = abs
        .strip_prefix(&root)
        .unwrap_or(&abs)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let stem = |s: &str| s.strip_suffix(".rs").unwrap_or(s).to_string();
    let target = match rel.as_slice() {
        [kind, name, ..] if matches!(kind.as_str(), "tests" | "examples" | "benches") => {
            format!("{kind}/{}", stem(name))
        }
        [src, bin, name, ..] if src == "src" && bin == "bin" => format!("bin/{}", stem(name)),
        _ => explicit_target(&root, &rel).unwrap_or_else(|| "package".to_string()),
    };
    format!("{}#{target}", root.display())
}

/// The test, bench or example target a file outside the conventional
/// directories belongs to by the manifest's `[[test]] path = "test/test.rs"`:
/// the target whose root is the file, else the one whose root's directory
/// holds it (the deepest). Read once per package.
fn explicit_target(root: &Path, rel: &[String]) -> Option<String> {
    type Targets = std::sync::Arc<Vec<(String, String, String)>>;
    static MEMO: std::sync::OnceLock<std::sync::Mutex<rustc_hash::FxHashMap<PathBuf, Targets>>> =
        std::sync::OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    let targets: Targets = {
        let mut m = memo.lock().ok()?;
        if let Some(t) = m.get(root) {
            t.clone()
        } else {
            let t = Targets::new(read_explicit_targets(root));
            m.insert(root.to_path_buf(), t.clone());
            t
        }
    };
    if targets.is_empty() {
        return None;
    }
    let rel = rel.join("/");
    if let Some((_, _, key)) = targets.iter().find(|(p, _, _)| *p == rel) {
        return Some(key.clone());
    }
    targets
        .iter()
        .filter_map(|(_, dir, key)| {
            (!dir.is_empty()
                && rel
                    .strip_prefix(dir.as_str())
                    .is_some_and(|rest| rest.starts_with('/')))
            .then_some((dir.len(), key))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, key)| key.clone())
}

/// The manifest's test, bench and example targets outside `src/`: (root
/// file path, its directory, `tests/NAME`).
fn read_explicit_targets(root: &Path) -> Vec<(String, String, String)> {
    let Some(manifest) = read_manifest(&root.join("Cargo.toml")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (table, kind) in [("test", "tests"), ("bench", "benches"), ("example", "examples")] {
        let Some(list) = manifest.get(table).and_then(|t| t.as_array()) else {
            continue;
        };
        for t in list {
            let (Some(name), Some(path)) = (
                t.get("name").and_then(|n| n.as_str()),
                t.get("path").and_then(|p| p.as_str()),
            ) else {
                continue;
            };
            let path = path.trim_start_matches("./").to_string();
            // The conventional directories are told by path already.
            if !path.starts_with("src/") {
                let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                out.push((path, dir, format!("{kind}/{name}")));
            }
        }
    }
    out
}

/// Is the file part of a package's library (under the directory of its
/// `[lib] path`, or of `src/lib.rs`; not `src/main.rs`, `src/bin/`,
/// `tests/`, `examples/`, `benches/`, `target/`)? Library code runs in
/// whatever process its callers have. A loose file is not.
pub fn in_library(file: &Path, manifests: &mut ManifestDirs) -> bool {
    let (abs, Some(root)) = package_dir(file, manifests) else {
        return false;
    };
    let Ok(rel) = abs.strip_prefix(&root) else {
        return false;
    };
    // The library's directory: that of `[lib] path` (`lib.rs` at the
    // root, for some), else `src/` when `src/lib.rs` exists.
    let lib_path = read_manifest(&root.join("Cargo.toml"))
        .and_then(|t| t.get("lib")?.get("path")?.as_str().map(PathBuf::from))
        .or_else(|| {
            root.join("src/lib.rs")
                .is_file()
                .then(|| PathBuf::from("src/lib.rs"))
        });
    let Some(lib_dir) = lib_path.map(|p| p.parent().map(Path::to_path_buf).unwrap_or_default()) else {
        return false;
    };
    let apart = ["tests", "examples", "benches", "src/bin", "target"];
    rel.starts_with(&lib_dir) && !apart.iter().any(|a| rel.starts_with(a)) && rel != Path::new("src/main.rs")
}

/// `PACKAGE/src/main.rs` or `PACKAGE/src/bin/..` of a directory with a
/// `Cargo.toml`: a package's binary.
pub fn is_package_binary(path: &Path) -> bool {
    let parts: Vec<&std::ffi::OsStr> = path.iter().collect();
    let Some(src) = parts.iter().rposition(|c| *c == "src") else {
        return false;
    };
    let below = &parts[src + 1..];
    let binary = matches!(below, [main] if *main == "main.rs") || below.first().is_some_and(|b| *b == "bin");
    binary
        && parts[..src]
            .iter()
            .collect::<PathBuf>()
            .join("Cargo.toml")
            .is_file()
}

/// The name a library is used by (`[lib] name`, else the package's name
/// with `-` as `_`), from the nearest manifest above its root file.
pub fn lib_name(lib_rs: &Path) -> Option<String> {
    let manifest = nearest_manifest(lib_rs)?;
    let table = read_manifest(&manifest)?;
    let name = table
        .get("lib")
        .and_then(|l| l.get("name"))
        .or_else(|| table.get("package")?.get("name"))?
        .as_str()?;
    Some(name.replace('-', "_"))
}

/// The `Cargo.toml` in `dir` or the nearest directory above it.
fn manifest_at_or_above(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
}

#[cfg(test)]
mod tests {
    use super::spec_matches;

    #[test]
    fn package_specs_match_by_name_version_or_id() {
        let id = "path+file:///w/fixtures#0.0.0";
        assert!(spec_matches("fixtures", "fixtures", id));
        assert!(spec_matches("fixtures@0.0.0", "fixtures", id));
        assert!(spec_matches(id, "fixtures", id));
        assert!(!spec_matches("forklint", "fixtures", id));
        let other = "path+file:///w/tools#app@0.1.0";
        assert!(spec_matches("path+file:///w/tools#app@0.1.0", "app", other));
        assert!(!spec_matches("path+file:///w/tools#lib@0.1.0", "app", other));
    }
}
