//! The outside tools some tests drive (pre-commit and jsonschema from
//! PyPI, xmllint from Debian's libxml2-utils), installed by `.ci/run` into
//! `target/ci-tools` (or `$FORKLINT_TOOLS`). A test that cannot find one
//! fails: a skipped check would pass for the wrong reason.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The virtualenv `.ci/run` installs the Python tools into.
pub fn dir() -> PathBuf {
    std::env::var_os("FORKLINT_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-tools"))
}

/// A program of the tools' virtualenv; panics (fails the test) if missing.
pub fn bin(name: &str) -> PathBuf {
    let path = dir().join("bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: `bash .ci/run` installs the test tools (pre-commit, jsonschema)",
        path.display()
    );
    path
}

/// Validates a JSON document against a JSON schema with the `jsonschema`
/// package (the reference Python implementation); panics with its errors.
pub fn validate_json(schema: &Path, document: &str) {
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  jsonschema.validators.validator_for(schema).check_schema(schema)\n\
                  v = jsonschema.validators.validator_for(schema)(schema)\n\
                  errors = [f'{list(e.absolute_path)}: {e.message}' for e in v.iter_errors(json.load(sys.stdin))]\n\
                  print('\\n'.join(errors)); sys.exit(1 if errors else 0)\n";
    let out = run_with_stdin(
        Command::new(bin("python")).arg("-c").arg(script).arg(schema),
        document,
    );
    assert!(
        out.status.success(),
        "{} rejects the document:\n{}{}\n{document}",
        schema.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Validates an XML document against an XSD with xmllint.
pub fn validate_xml(xsd: &Path, document: &str) {
    let out = run_with_stdin(
        Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(xsd)
            .arg("-"),
        document,
    );
    assert!(
        out.status.success(),
        "xmllint --schema {} rejects the document:\n{}\n{document}",
        xsd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_with_stdin(cmd: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let program = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} (`bash .ci/run` installs it): {e}"));
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}
