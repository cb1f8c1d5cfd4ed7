//! Every rule is documented and demonstrated: a doc with the sections
//! `cargo forklint explain` promises, and fixtures on both sides of the line.

use std::path::Path;

use forklint::rules::RULES;

/// Rules about the tool itself rather than about fork hazards: no fixtures.
const META_RULES: &[&str] = &["parse_error", "unused_suppression"];

#[test]
fn every_rule_has_a_doc_with_the_standard_sections() {
    for rule in RULES {
        let doc = rule.doc;
        assert!(
            doc.starts_with(&format!("# {}\n", rule.name)),
            "{}: doc must start with its name",
            rule.name
        );
        let mut sections = vec![
            "## What it does",
            "## Why is this bad",
            "## Example",
            "## Use instead",
            "## References",
        ];
        if !META_RULES.contains(&rule.name) {
            sections.push("## Runtime proof");
        }
        for s in sections {
            assert!(doc.contains(s), "rules/{}.md lacks `{s}`", rule.name);
        }
        assert!(!doc.contains("TODO"), "rules/{}.md still has a TODO", rule.name);
    }
}

#[test]
fn every_hazard_rule_has_four_hazardous_and_four_safe_fixtures() {
    for rule in RULES.iter().filter(|r| !META_RULES.contains(&r.name)) {
        let dir = Path::new("fixtures").join(rule.name);
        let (mut hazards, mut safe) = (0, 0);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|_| panic!("{} has no fixtures dir", rule.name)) {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let spec = forklint::fixture::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert!(
                spec.run.is_some(),
                "{} has no `//@ run:` directive",
                path.display()
            );
            if spec.is_hazard() {
                assert!(
                    spec.expected.iter().any(|e| e.rule == rule.name),
                    "{} expects no finding of its own rule",
                    path.display()
                );
                hazards += 1;
            } else {
                safe += 1;
            }
        }
        assert!(
            hazards >= 4 && safe >= 4,
            "{}: {hazards} hazardous and {safe} safe fixtures",
            rule.name
        );
    }
}

#[test]
fn fixture_package_lists_every_fixture_as_a_binary() {
    let manifest = std::fs::read_to_string("fixtures/Cargo.toml").unwrap();
    for rule in RULES.iter().filter(|r| !META_RULES.contains(&r.name)) {
        for entry in std::fs::read_dir(Path::new("fixtures").join(rule.name)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix("fixtures").unwrap().display().to_string();
                assert!(
                    manifest.contains(&format!("path = \"{rel}\"")),
                    "{rel} is not a binary of fixtures/Cargo.toml: run fixtures/sync-bins.sh"
                );
            }
        }
    }
}

#[test]
fn readme_lists_every_rule() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    for rule in RULES.iter().filter(|r| !META_RULES.contains(&r.name)) {
        assert!(
            readme.contains(&format!("`{}`", rule.name)),
            "README.md does not list {}",
            rule.name
        );
    }
}
