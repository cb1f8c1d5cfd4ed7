//! `include` / `exclude` globs (config) and `--exclude-path` (command line),
//! matched against paths relative to the project root with `/` separators,
//! as ruff and biome match theirs:
//!
//! * `*` matches within one path segment, `?` one character, `**` any
//!   number of segments (`tests/**`, `**/generated/*.rs`);
//! * a pattern without `/` matches any one segment (`tests` excludes every
//!   `tests` directory, `*_pb.rs` every such file);
//! * a pattern that matches a directory matches everything under it.

use std::path::Path;

/// Which discovered files to lint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathFilter {
    /// When not empty, a file must match one of these.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl PathFilter {
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// Whether to lint the file at `rel` (relative to the project root,
    /// `/`-separated).
    pub fn keeps(&self, rel: &str) -> bool {
        let included = self.include.is_empty() || self.include.iter().any(|p| matches_path(p, rel));
        included && !self.exclude.iter().any(|p| matches_path(p, rel))
    }
}

/// `path` relative to `root`, `/`-separated (`None` outside it).
pub fn relative(path: &Path, root: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Does `pattern` match the path `rel` or one of the directories it is in?
pub fn matches_path(pattern: &str, rel: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let segments: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
    if !pattern.contains('/') {
        return segments.iter().any(|s| segment_matches(pattern, s));
    }
    let pat: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    // The path itself or any directory above it.
    (1..=segments.len()).any(|n| segments_match(&pat, &segments[..n]))
}

fn segments_match(pat: &[&str], path: &[&str]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| segments_match(rest, &path[skip..])),
        Some((first, rest)) => {
            !path.is_empty() && segment_matches(first, path[0]) && segments_match(rest, &path[1..])
        }
    }
}

/// `*` and `?` within one segment.
fn segment_matches(pat: &str, s: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len()).any(|i| go(rest, &s[i..])),
            Some(('?', rest)) => !s.is_empty() && go(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let s: Vec<char> = s.chars().collect();
    go(&p, &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_ruff_and_biome() {
        assert!(matches_path("tests/**", "tests/a/b.rs"));
        assert!(matches_path("tests/**", "tests/b.rs"));
        assert!(!matches_path("tests/**", "src/tests.rs"));
        assert!(matches_path("tests", "crates/x/tests/it.rs"));
        assert!(matches_path("*_pb.rs", "src/gen/msg_pb.rs"));
        assert!(!matches_path("*_pb.rs", "src/gen/msg.rs"));
        assert!(matches_path("**/generated/*.rs", "a/b/generated/x.rs"));
        assert!(
            matches_path("src/gen", "src/gen/x.rs"),
            "a directory matches what is under it"
        );
        assert!(!matches_path("src/gen", "src/generator.rs"));
        assert!(matches_path("src/?.rs", "src/a.rs"));
        assert!(matches_path("./benches/", "benches/b.rs"));
    }

    #[test]
    fn include_narrows_and_exclude_wins() {
        let f = PathFilter {
            include: vec!["src/**".into()],
            exclude: vec!["src/vendored/**".into()],
        };
        assert!(f.keeps("src/main.rs"));
        assert!(!f.keeps("tests/it.rs"));
        assert!(!f.keeps("src/vendored/x.rs"));
        assert!(PathFilter::default().keeps("anything.rs"));
    }
}
