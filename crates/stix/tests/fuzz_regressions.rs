//! Replays every input that once crashed a fuzz target (tests/data/fuzz-regressions).

use std::ops::ControlFlow;
use vigil_stix::parse::parse_reader;

fn inputs(target: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/fuzz-regressions")
        .join(target);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn parse_stix_regressions() {
    let files = inputs("parse_stix");
    assert!(!files.is_empty());
    for f in files {
        vigil_stix::fuzzing::parse_stix(&std::fs::read(&f).unwrap());
    }
}

#[test]
fn validate_object_regressions() {
    for f in inputs("validate_object") {
        vigil_stix::fuzzing::validate_object(&std::fs::read(&f).unwrap());
    }
}

#[test]
fn second_type_after_the_objects_array() {
    let input = b"{\"type\": \"bundle\", \"objects\": [{\"type\": \"x-a\"}\n],\n\"type\": \"x-not-a-bundle\"}";
    let e = parse_reader(&input[..], |_| ControlFlow::Continue(()))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("line 1, column 1:") && e.contains("must be a bundle"),
        "{e}"
    );
}
