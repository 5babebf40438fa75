//! Validates STIX objects from a JSON file and prints one JSON line per object, the
//! same contract as `vigil validate --json FILE`:
//! `{"index": N, "id": "...", "valid": bool, "errors": [...], "warnings": [...]}`.
//!
//! FILE is a bundle, a single object or a JSON array of objects.
//! Run: `cargo run -p vigil-stix --release --example validate_json -- FILE`

use serde_json::{json, Value};
use std::io::Write;
use vigil_stix::{validate_object, Severity};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: validate_json FILE");
        std::process::exit(2);
    };
    let doc: Value = match std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let objects: Vec<Value> = match doc {
        Value::Array(items) => items,
        Value::Object(ref m) if m.get("type").and_then(Value::as_str) == Some("bundle") => m
            .get("objects")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        other => vec![other],
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (index, obj) in objects.iter().enumerate() {
        let findings = match obj.as_object() {
            Some(m) => validate_object(m),
            None => vec![vigil_stix::Finding::error(
                "",
                "not-an-object",
                "a STIX object must be a JSON object",
            )],
        };
        let (errors, warnings): (Vec<_>, Vec<_>) = findings
            .into_iter()
            .partition(|f| f.severity == Severity::Error);
        let line = json!({
            "index": index,
            "id": obj.get("id").and_then(Value::as_str).unwrap_or(""),
            "valid": errors.is_empty(),
            "errors": errors,
            "warnings": warnings,
        });
        let _ = writeln!(out, "{line}");
    }
}
