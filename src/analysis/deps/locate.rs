//! Where a dependency's source is on disk: from the package's `Cargo.toml`
//! (`[dependencies]`, dev and target-specific ones, renames, `workspace =
//! true`), the workspace's `Cargo.lock` for the exact version, and the
//! places cargo puts sources: a path dependency's directory, a vendor
//! directory (`.cargo/config.toml`'s `directory` sources, or the directory
//! of `NAME-VERSION` packages the linted one sits in), the registry cache
//! (`$CARGO_HOME/registry/src/*/NAME-VERSION`) and git checkouts. Nothing
//! is fetched, built or run.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

/// A dependency as a manifest declares it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DepSpec {
    /// The package's name (`package = ".."` of a rename, else the key).
    pub package: String,
    /// The version requirement (`"0.31"`, `"^1.2"`), if any.
    pub req: Option<String>,
    /// A path dependency's directory.
    pub path: Option<PathBuf>,
}

/// A dependency's source on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct DepSource {
    pub package: String,
    pub version: String,
    /// The package directory (holding its `Cargo.toml`).
    pub dir: PathBuf,
    /// The library's root file (`src/lib.rs`, or `[lib] path`).
    pub lib: PathBuf,
    /// The name the library is used by (`[lib] name`, or the package's
    /// with `-` as `_`).
    pub lib_name: String,
    /// Registry (or vendored registry) sources never change for a version:
    /// their summaries can be cached.
    pub immutable: bool,
}

/// Finds dependencies' sources for the packages of one run; manifests and
/// lockfiles are read once.
#[derive(Debug, Default)]
pub struct Locator {
    manifests: FxHashMap<PathBuf, Option<toml::Table>>,
    cargo_home: Option<PathBuf>,
    /// Answers so far, by (spec, the declaring package's directory).
    located: FxHashMap<(DepSpec, PathBuf), Result<DepSource, String>>,
}

impl Locator {
    pub fn new() -> Locator {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
        Locator {
            cargo_home,
            ..Locator::default()
        }
    }

    fn manifest(&mut self, path: &Path) -> Option<&toml::Table> {
        self.manifests
            .entry(path.to_path_buf())
            .or_insert_with(|| std::fs::read_to_string(path).ok()?.parse().ok())
            .as_ref()
    }

    /// The dependencies the package of `manifest` declares, by the name its
    /// code uses (`-` as `_`; a rename's key).
    pub fn dependencies(&mut self, manifest: &Path) -> FxHashMap<String, DepSpec> {
        let dir = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
        let workspace_deps = self.workspace_dependencies(&dir);
        let Some(table) = self.manifest(manifest).cloned() else {
            return FxHashMap::default();
        };
        let mut out = FxHashMap::default();
        let mut tables: Vec<&toml::Table> = Vec::new();
        for key in ["dependencies", "dev-dependencies"] {
            tables.extend(table.get(key).and_then(toml::Value::as_table));
        }
        if let Some(targets) = table.get("target").and_then(toml::Value::as_table) {
            for t in targets.values() {
                for key in ["dependencies", "dev-dependencies"] {
                    tables.extend(t.get(key).and_then(toml::Value::as_table));
                }
            }
        }
        for deps in tables {
            for (name, value) in deps {
                let inherited = value.get("workspace").and_then(toml::Value::as_bool) == Some(true);
                let spec = match (inherited, &workspace_deps) {
                    (true, Some((ws_dir, ws))) => ws.get(name).map(|v| spec_of(name, v, ws_dir)),
                    (true, None) => None,
                    (false, _) => Some(spec_of(name, value, &dir)),
                };
                if let Some(mut spec) = spec {
                    // A rename in the member wins over the workspace's name.
                    if let Some(p) = value.get("package").and_then(toml::Value::as_str) {
                        spec.package = p.to_string();
                    }
                    out.entry(name.replace('-', "_")).or_insert(spec);
                }
            }
        }
        out
    }

    /// `[workspace.dependencies]` of the workspace around `dir`, with the
    /// directory its paths are relative to.
    fn workspace_dependencies(&mut self, dir: &Path) -> Option<(PathBuf, toml::Table)> {
        for d in dir.ancestors() {
            let m = d.join("Cargo.toml");
            if !m.is_file() {
                continue;
            }
            if let Some(ws) = self.manifest(&m).and_then(|t| t.get("workspace")) {
                let deps = ws.get("dependencies").and_then(toml::Value::as_table).cloned();
                return Some((d.to_path_buf(), deps.unwrap_or_default()));
            }
        }
        None
    }

    /// The lockfile's packages (name, version, source) for the package in
    /// `dir`: its own `Cargo.lock` or its workspace's.
    fn lock(&mut self, dir: &Path) -> std::sync::Arc<Vec<(String, String, String)>> {
        let lock = dir
            .ancestors()
            .map(|d| d.join("Cargo.lock"))
            .find(|l| l.is_file())
            .unwrap_or_default();
        // Read once per run, whatever number of crates share it.
        static LOCKS: std::sync::OnceLock<std::sync::Mutex<FxHashMap<PathBuf, std::sync::Arc<Lockfile>>>> =
            std::sync::OnceLock::new();
        let memo = LOCKS.get_or_init(Default::default);
        if let Some(known) = memo.lock().ok().and_then(|m| m.get(&lock).cloned()) {
            return known;
        }
        let read = std::sync::Arc::new(read_lock(&lock));
        if let Ok(mut m) = memo.lock() {
            m.insert(lock, read.clone());
        }
        read
    }

    /// The source of `spec`, declared by the package in `from` (its
    /// directory), or why it is not on disk.
    pub fn locate(&mut self, spec: &DepSpec, from: &Path) -> Result<DepSource, String> {
        let key = (spec.clone(), from.to_path_buf());
        if let Some(known) = self.located.get(&key) {
            return known.clone();
        }
        let found = self.find(spec, from);
        self.located.insert(key, found.clone());
        found
    }

    fn find(&mut self, spec: &DepSpec, from: &Path) -> Result<DepSource, String> {
        if let Some(dir) = &spec.path {
            if matches!(spec.package.as_str(), "std" | "core" | "alloc") && dir.ends_with(&spec.package) {
                return self.standard_crate(dir, &spec.package);
            }
            return self.source_in(dir, &spec.package, false).ok_or_else(|| {
                format!(
                    "path dependency `{}` has no library at {}",
                    spec.package,
                    dir.display()
                )
            });
        }
        let req = spec
            .req
            .as_deref()
            .and_then(|r| semver::VersionReq::parse(r).ok())
            .unwrap_or(semver::VersionReq::STAR);
        // The lockfile's version(s) of the package that meet the requirement.
        let locked: Vec<(semver::Version, String)> = self
            .lock(from)
            .iter()
            .filter(|(n, _, _)| *n == spec.package)
            .filter_map(|(_, v, s)| Some((semver::Version::parse(v).ok()?, s.clone())))
            .filter(|(v, _)| req.matches(v))
            .collect();
        let mut candidates = self.on_disk(&spec.package, from);
        candidates.retain(|(v, _)| req.matches(v));
        if !locked.is_empty() {
            let exact: Vec<_> = candidates
                .iter()
                .filter(|(v, _)| locked.iter().any(|(l, _)| l == v))
                .cloned()
                .collect();
            if !exact.is_empty() {
                candidates = exact;
            } else if let Some(found) = locked
                .iter()
                .find_map(|(v, s)| self.git_checkout(&spec.package, v, s))
            {
                return Ok(found);
            }
            // Else the locked version is not on disk, but one meeting the
            // manifest's requirement is (a vendored crate's own lockfile):
            // the same API, read from there.
        }
        candidates.sort_by(|a, b| a.0.cmp(&b.0));
        let (_, dir) = candidates.pop().ok_or_else(|| {
            format!(
                "the source of `{}` {} is not on disk (run `cargo fetch` to read it)",
                spec.package,
                spec.req.as_deref().unwrap_or("")
            )
        })?;
        self.source_in(&dir, &spec.package, true)
            .ok_or_else(|| format!("`{}` at {} has no library", spec.package, dir.display()))
    }

    /// A crate of the standard library in rust-src: cached under the
    /// modification time of its root (a toolchain update rewrites it).
    fn standard_crate(&mut self, dir: &Path, name: &str) -> Result<DepSource, String> {
        let mut source = self.source_in(dir, name, true).ok_or_else(|| {
            format!("the source of `{name}` is not installed (`rustup component add rust-src` lets forklint read it)")
        })?;
        let stamp = std::fs::metadata(&source.lib)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        source.version = format!("rust-src-{stamp}");
        Ok(source)
    }

    /// Versions of `package` in the vendor and registry directories.
    fn on_disk(&mut self, package: &str, from: &Path) -> Vec<(semver::Version, PathBuf)> {
        let mut roots: Vec<PathBuf> = Vec::new();
        // The directory the linted package sits in, when it holds
        // `NAME-VERSION` packages (a vendor directory, the registry cache).
        roots.extend(from.parent().map(Path::to_path_buf));
        roots.extend(self.vendor_dirs(from));
        if let Some(home) = &self.cargo_home {
            if let Ok(entries) = std::fs::read_dir(home.join("registry").join("src")) {
                roots.extend(entries.flatten().map(|e| e.path()));
            }
        }
        let mut out = Vec::new();
        let prefix = format!("{package}-");
        for root in roots {
            for name in listing(&root).iter() {
                let version = if name == package {
                    // `cargo vendor` without versioned directories.
                    self.version_of(&root.join(name))
                } else {
                    name.strip_prefix(&prefix)
                        .and_then(|v| semver::Version::parse(v).ok())
                };
                if let Some(v) = version {
                    if !out.iter().any(|(ov, _)| *ov == v) {
                        out.push((v, root.join(name)));
                    }
                }
            }
        }
        out
    }

    fn version_of(&mut self, dir: &Path) -> Option<semver::Version> {
        let t = self.manifest(&dir.join("Cargo.toml"))?;
        semver::Version::parse(t.get("package")?.get("version")?.as_str()?).ok()
    }

    /// `directory = ".."` sources of the `.cargo/config.toml` files above `from`.
    fn vendor_dirs(&mut self, from: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for d in from.ancestors() {
            for name in ["config.toml", "config"] {
                let config = d.join(".cargo").join(name);
                let Some(t) = config.is_file().then(|| self.manifest(&config)).flatten() else {
                    continue;
                };
                let sources = t.get("source").and_then(toml::Value::as_table);
                for s in sources.into_iter().flat_map(|s| s.values()) {
                    if let Some(dir) = s.get("directory").and_then(toml::Value::as_str) {
                        out.push(d.join(dir));
                    }
                }
            }
        }
        out
    }

    /// A git dependency's checkout (`$CARGO_HOME/git/checkouts/NAME-HASH/REV/`).
    fn git_checkout(&mut self, package: &str, version: &semver::Version, source: &str) -> Option<DepSource> {
        let rev = source.strip_prefix("git+")?.rsplit_once('#')?.1;
        let checkouts = self.cargo_home.as_ref()?.join("git").join("checkouts");
        for repo in std::fs::read_dir(checkouts).ok()?.flatten() {
            for co in std::fs::read_dir(repo.path()).into_iter().flatten().flatten() {
                let short = co.file_name().to_string_lossy().to_string();
                if short.is_empty() || !rev.starts_with(&short) {
                    continue;
                }
                // The package may be a member of the checked-out workspace.
                for m in walkdir::WalkDir::new(co.path())
                    .max_depth(3)
                    .into_iter()
                    .flatten()
                {
                    if m.file_name() != "Cargo.toml" {
                        continue;
                    }
                    let dir = m.path().parent()?.to_path_buf();
                    if self.version_of(&dir).as_ref() == Some(version) {
                        if let Some(s) = self.source_in(&dir, package, true) {
                            return Some(s);
                        }
                    }
                }
            }
        }
        None
    }

    /// The package `package` in `dir`, with its library root and name.
    fn source_in(&mut self, dir: &Path, package: &str, immutable: bool) -> Option<DepSource> {
        let t = self.manifest(&dir.join("Cargo.toml"))?.clone();
        let pkg = t.get("package")?;
        if pkg.get("name")?.as_str()? != package {
            return None;
        }
        let lib = t.get("lib");
        let lib_path = lib
            .and_then(|l| l.get("path"))
            .and_then(toml::Value::as_str)
            .map_or_else(|| dir.join("src").join("lib.rs"), |p| dir.join(p));
        if !lib_path.is_file() {
            return None;
        }
        let lib_name = lib
            .and_then(|l| l.get("name"))
            .and_then(toml::Value::as_str)
            .unwrap_or(package)
            .replace('-', "_");
        Some(DepSource {
            package: package.to_string(),
            version: pkg
                .get("version")
                .and_then(toml::Value::as_str)
                .unwrap_or("0.0.0")
                .to_string(),
            dir: dir.to_path_buf(),
            lib: lib_path,
            lib_name,
            immutable,
        })
    }
}

/// The standard library's crates (`std`, `core`, `alloc`) as path
/// dependencies into the rust-src component: `$RUST_SRC_PATH`, else the
/// `lib/rustlib/src/rust/library` of rustup's toolchain (`$RUSTUP_TOOLCHAIN`,
/// else the default one in `$RUSTUP_HOME/settings.toml`). Read from files,
/// never by running `rustc`: a checkout's `rust-toolchain.toml` may name a
/// toolchain inside it. A spec that locates nowhere (and says how to
/// install it) when the component is not there.
pub fn standard_library() -> &'static FxHashMap<String, DepSpec> {
    static STD: std::sync::OnceLock<FxHashMap<String, DepSpec>> = std::sync::OnceLock::new();
    STD.get_or_init(|| {
        let library = std::env::var_os("RUST_SRC_PATH")
            .map(PathBuf::from)
            .or_else(rustup_library)
            .unwrap_or_default();
        ["std", "core", "alloc"]
            .into_iter()
            .map(|name| {
                let spec = DepSpec {
                    package: name.to_string(),
                    req: None,
                    path: Some(library.join(name)),
                };
                (name.to_string(), spec)
            })
            .collect()
    })
}

/// rust-src's `library/` in rustup's toolchain directory, if any.
fn rustup_library() -> Option<PathBuf> {
    let home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")))?;
    let toolchain = std::env::var("RUSTUP_TOOLCHAIN").ok().or_else(|| {
        let settings: toml::Table = std::fs::read_to_string(home.join("settings.toml"))
            .ok()?
            .parse()
            .ok()?;
        settings.get("default_toolchain")?.as_str().map(String::from)
    })?;
    let toolchains = home.join("toolchains");
    // `stable` names `stable-<host>`.
    let dir = std::fs::read_dir(&toolchains)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| *n == toolchain || n.starts_with(&format!("{toolchain}-")))
        .min()?;
    Some(toolchains.join(dir).join("lib/rustlib/src/rust/library"))
}

/// A lockfile's packages: (name, version, source).
type Lockfile = Vec<(String, String, String)>;

fn read_lock(l: &Path) -> Lockfile {
    let Some(table) = std::fs::read_to_string(l)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return Vec::new();
    };
    let Some(packages) = table.get("package").and_then(toml::Value::as_array) else {
        return Vec::new();
    };
    packages
        .iter()
        .filter_map(|p| {
            let field = |k: &str| p.get(k).and_then(toml::Value::as_str).map(String::from);
            Some((
                field("name")?,
                field("version")?,
                field("source").unwrap_or_default(),
            ))
        })
        .collect()
}

/// The names in a directory (vendor, registry cache), listed once per run.
fn listing(dir: &Path) -> std::sync::Arc<Vec<String>> {
    static LISTINGS: std::sync::OnceLock<std::sync::Mutex<FxHashMap<PathBuf, std::sync::Arc<Vec<String>>>>> =
        std::sync::OnceLock::new();
    let memo = LISTINGS.get_or_init(Default::default);
    if let Some(known) = memo.lock().ok().and_then(|m| m.get(dir).cloned()) {
        return known;
    }
    let names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .collect();
    let names = std::sync::Arc::new(names);
    if let Ok(mut m) = memo.lock() {
        m.insert(dir.to_path_buf(), names.clone());
    }
    names
}

/// A dependency entry (`"1"`, `{ version = "1", package = "x", path = ".." }`)
/// of the manifest in `dir`.
fn spec_of(name: &str, value: &toml::Value, dir: &Path) -> DepSpec {
    let field = |k: &str| value.get(k).and_then(toml::Value::as_str);
    DepSpec {
        package: field("package").unwrap_or(name).to_string(),
        req: value.as_str().or_else(|| field("version")).map(String::from),
        path: field("path").map(|p| dir.join(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (p, t) in files {
            let p = dir.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, t).unwrap();
        }
    }

    #[test]
    fn dependencies_are_found_by_rename_lockfile_version_and_path() {
        let tmp = std::env::temp_dir().join(format!("forklint-locate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let vendor = tmp.join("vendor");
        write(
            &vendor,
            &[
                ("app-0.1.0/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nunix = { package = \"nix\", version = \"0.30\" }\nlog = \"0.4\"\nlocal = { path = \"../../local\" }\n"),
                ("app-0.1.0/src/lib.rs", ""),
                ("nix-0.30.1/Cargo.toml", "[package]\nname = \"nix\"\nversion = \"0.30.1\"\n"),
                ("nix-0.30.1/src/lib.rs", ""),
                ("nix-0.31.0/Cargo.toml", "[package]\nname = \"nix\"\nversion = \"0.31.0\"\n"),
                ("nix-0.31.0/src/lib.rs", ""),
            ],
        );
        write(
            &tmp,
            &[
                ("local/Cargo.toml", "[package]\nname = \"local\"\nversion = \"0.2.0\"\n[lib]\nname = \"loc\"\npath = \"lib.rs\"\n"),
                ("local/lib.rs", ""),
            ],
        );
        let mut l = Locator::default();
        let app = vendor.join("app-0.1.0");
        let deps = l.dependencies(&app.join("Cargo.toml"));
        let unix = &deps["unix"];
        assert_eq!(unix.package, "nix");
        let found = l.locate(unix, &app).unwrap();
        assert_eq!(found.version, "0.30.1", "the requirement picks the version");
        assert_eq!(found.lib_name, "nix");
        let err = l.locate(&deps["log"], &app).unwrap_err();
        assert!(err.contains("not on disk"), "{err}");
        let local = l.locate(&deps["local"], &app).unwrap();
        assert_eq!((local.lib_name.as_str(), local.immutable), ("loc", false));
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
