//! Dependency summaries on disk: a registry version's source never
//! changes, so what forklint computed from it holds until forklint or its
//! knowledge changes. One JSON file per package version under
//! `$FORKLINT_CACHE_DIR` (else `$XDG_CACHE_HOME/forklint`, else
//! `~/.cache/forklint`), in a directory named for forklint's version and a
//! hash of the knowledge tables in use (the config can add entries).
//! A cache that cannot be read or written is no cache: never an error.

use std::path::PathBuf;

use rustc_hash::FxHashMap;
use serde_json::{json, Map, Value};

use super::locate::DepSource;
use crate::analysis::summary::{Effect, Summary};
use crate::knowledge::{Class, ForkResultShape, Knowledge};

/// One package version's summaries, by path inside it (`nix::unistd::
/// initgroups`; `None`: no such function there), and the names of its
/// fork helpers once looked for.
#[derive(Default)]
struct Entries {
    summaries: FxHashMap<String, Option<Summary>>,
    fork_helpers: Option<Vec<String>>,
}

pub struct Cache {
    dir: Option<PathBuf>,
    /// Loaded (and added to) this run, by file; `true` when changed.
    files: FxHashMap<PathBuf, (Entries, bool)>,
}

impl Cache {
    pub fn new(knowledge: &Knowledge) -> Cache {
        let base = std::env::var_os("FORKLINT_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("forklint")))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("forklint")));
        // Summaries depend on the analysis too: a build of forklint other
        // than the one that wrote them (same version, changed code, as in
        // development) has its own directory.
        let build = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|m| {
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                crate::knowledge::fingerprint([format!("{}:{mtime:?}", m.len()).as_str()].into_iter())
            })
            .unwrap_or(0);
        let dir = base.map(|b| {
            b.join(format!(
                "deps-{}-{:016x}",
                env!("CARGO_PKG_VERSION"),
                knowledge.fingerprint ^ build
            ))
        });
        Cache {
            dir,
            files: FxHashMap::default(),
        }
    }

    fn file(&mut self, source: &DepSource) -> Option<&mut (Entries, bool)> {
        let path = self
            .dir
            .as_ref()?
            .join(format!("{}-{}.json", source.package, source.version));
        Some(
            self.files
                .entry(path)
                .or_insert_with_key(|p| (read(p).unwrap_or_default(), false)),
        )
    }

    /// `Some(summary or none)` when cached.
    pub fn get(&mut self, source: &DepSource, path: &str) -> Option<Option<Summary>> {
        self.file(source)?.0.summaries.get(path).cloned()
    }

    pub fn put(&mut self, source: &DepSource, path: &str, found: Option<super::Computed>) {
        if let Some((entries, changed)) = self.file(source) {
            entries
                .summaries
                .insert(path.to_string(), found.map(|f| f.summary));
            *changed = true;
        }
    }

    /// The names a dependency version's fork helpers go by, if cached.
    pub fn names(&mut self, source: &DepSource) -> Option<Vec<String>> {
        self.file(source)?.0.fork_helpers.clone()
    }

    pub fn put_names(&mut self, source: &DepSource, names: &[String]) {
        if let Some((entries, changed)) = self.file(source) {
            entries.fork_helpers = Some(names.to_vec());
            *changed = true;
        }
    }

    /// Writes the files that changed (atomically: another run may read).
    pub fn save(&self) {
        for (path, (entries, changed)) in &self.files {
            if !changed {
                continue;
            }
            let Some(dir) = path.parent() else { continue };
            if std::fs::create_dir_all(dir).is_err() {
                continue;
            }
            let mut obj = Map::new();
            for (k, v) in &entries.summaries {
                obj.insert(k.clone(), v.as_ref().map_or(Value::Null, to_json));
            }
            let file = json!({ "summaries": obj, "fork_helpers": entries.fork_helpers });
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, file.to_string()).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
    }
}

fn read(path: &std::path::Path) -> Option<Entries> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let mut out = Entries::default();
    for (k, v) in v.get("summaries")?.as_object()? {
        let s = if v.is_null() { None } else { Some(from_json(v)?) };
        out.summaries.insert(k.clone(), s);
    }
    out.fork_helpers = v.get("fork_helpers")?.as_array().map(|names| {
        names
            .iter()
            .filter_map(|n| n.as_str().map(String::from))
            .collect()
    });
    Some(out)
}

fn effect_json(e: &Option<Effect>) -> Value {
    e.as_ref().map_or(
        Value::Null,
        |e| json!({ "class": e.class.name(), "why": e.why, "error_path": e.error_path }),
    )
}

fn effect_from(v: &Value) -> Option<Option<Effect>> {
    if v.is_null() {
        return Some(None);
    }
    Some(Some(Effect {
        class: Class::parse(v.get("class")?.as_str()?)?,
        why: v.get("why")?.as_str()?.to_string(),
        error_path: v.get("error_path")?.as_bool()?,
    }))
}

fn to_json(s: &Summary) -> Value {
    json!({
        "lock": effect_json(&s.lock),
        "other": effect_json(&s.other),
        "on_error": effect_json(&s.on_error),
        "unknown": s.unknown,
        "unknown_why": s.unknown_why,
        "spawns": s.spawns,
        "starts_process": s.starts_process,
        "exits": s.exits,
        "fork_wrapper": s.fork_wrapper.map(|f| f.name()),
        "closure_child": s.closure_child,
    })
}

fn from_json(v: &Value) -> Option<Summary> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    Some(Summary {
        lock: effect_from(v.get("lock")?)?,
        other: effect_from(v.get("other")?)?,
        on_error: effect_from(v.get("on_error")?)?,
        unknown: v.get("unknown")?.as_bool()?,
        unknown_why: text("unknown_why"),
        spawns: v.get("spawns")?.as_bool()?,
        starts_process: v.get("starts_process")?.as_bool()?,
        exits: text("exits"),
        fork_wrapper: text("fork_wrapper")
            .and_then(|n| ForkResultShape::ALL.into_iter().find(|f| f.name() == n)),
        closure_child: v.get("closure_child").and_then(Value::as_u64).map(|n| n as usize),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_survives_the_round_trip() {
        let s = Summary {
            lock: Some(Effect {
                class: Class::Locks,
                why: "calls `m.lock()`".into(),
                error_path: false,
            }),
            unknown: true,
            exits: Some("`exit`".into()),
            fork_wrapper: Some(ForkResultShape::Enum),
            closure_child: Some(1),
            ..Summary::default()
        };
        assert_eq!(from_json(&to_json(&s)), Some(s));
    }
}
