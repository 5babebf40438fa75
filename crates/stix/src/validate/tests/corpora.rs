//! The real corpora validate without errors: the OASIS examples and MITRE ATT&CK.

use crate::validate::validate_object;
use crate::Severity;
use serde_json::{json, Map, Value};

fn repo_file(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn objects_of(doc: Value) -> Vec<Map<String, Value>> {
    let items = match doc {
        Value::Object(mut m) if m.get("type") == Some(&json!("bundle")) => {
            match m.remove("objects") {
                Some(Value::Array(a)) => a,
                _ => vec![],
            }
        }
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn assert_no_errors(name: &str, objects: &[Map<String, Value>]) {
    let bad: Vec<String> = objects
        .iter()
        .flat_map(|o| {
            validate_object(o)
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .map(move |f| format!("{}: {f}", o["id"]))
        })
        .take(10)
        .collect();
    assert!(bad.is_empty(), "{name}: {bad:#?}");
}

#[test]
fn oasis_examples_validate_without_errors() {
    let mut dirs = vec![repo_file("tests/data/stix-examples")];
    let mut n = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap_or_default())
                    .unwrap_or(Value::Null);
                let objects = objects_of(doc);
                n += objects.len();
                assert_no_errors(&path.display().to_string(), &objects);
            }
        }
    }
    assert_eq!(n, 260);
}

#[test]
fn attack_bundles_validate_without_errors() {
    for (rel, count) in [
        ("assets/attack/enterprise-attack-18.1.json.zst", 24_772),
        ("tests/data/attack/mobile-attack-18.1.json.zst", 2_536),
        ("tests/data/attack/ics-attack-18.1.json.zst", 1_826),
    ] {
        let raw = std::fs::read(repo_file(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let json = zstd::stream::decode_all(&raw[..]).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let objects = objects_of(serde_json::from_slice(&json).unwrap_or(Value::Null));
        assert_eq!(objects.len(), count, "{rel}");
        assert_no_errors(rel, &objects);
    }
}
