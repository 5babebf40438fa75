//! Validates STIX objects from a JSON file and prints one JSON line per object, the
//! same contract as `vigil validate --json FILE`:
//! `{"index": N, "id": "...", "valid": bool, "errors": [...], "warnings": [...]}`.
//!
//! FILE is a bundle, a single object or a JSON array of objects, optionally
//! zstd-compressed (`.zst`). Like the CLI, it reads objects that look like STIX 2.0
//! as 2.0 and upgrades them before validating ([`vigil_stix::check`]). With `--time`,
//! it prints only how long `validate_object` took over the objects.
//!
//! Run: `cargo run -p vigil-stix --release --example validate_json -- [--time] FILE`

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::Instant;
use vigil_stix::{check, validate_object, Finding, Severity};

fn read(path: &str) -> Result<Value, String> {
    let raw = std::fs::read(path).map_err(|e| e.to_string())?;
    let bytes = if path.ends_with(".zst") {
        let mut out = Vec::new();
        zstd::stream::Decoder::new(&raw[..])
            .and_then(|mut d| d.read_to_end(&mut out))
            .map_err(|e| e.to_string())?;
        out
    } else {
        raw
    };
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let time = args.iter().any(|a| a == "--time");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: validate_json [--time] FILE");
        std::process::exit(2);
    };
    let doc = match read(path) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let bundle_spec_version = doc
        .get("spec_version")
        .and_then(Value::as_str)
        .filter(|_| doc.get("type").and_then(Value::as_str) == Some("bundle"))
        .map(str::to_string);
    let objects: Vec<Value> = match doc {
        Value::Array(items) => items,
        Value::Object(ref m) if m.get("type").and_then(Value::as_str) == Some("bundle") => m
            .get("objects")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        other => vec![other],
    };
    if time {
        let maps: Vec<_> = objects.iter().filter_map(Value::as_object).collect();
        let mut best = f64::MAX;
        let mut errors = 0;
        for _ in 0..5 {
            let start = Instant::now();
            errors = maps
                .iter()
                .map(|m| {
                    validate_object(m)
                        .iter()
                        .filter(|f| f.severity == Severity::Error)
                        .count()
                })
                .sum::<usize>();
            best = best.min(start.elapsed().as_secs_f64());
        }
        eprintln!(
            "validated {} objects in {:.1} ms (best of 5): {:.2} µs per object, {errors} errors",
            maps.len(),
            best * 1e3,
            best * 1e6 / maps.len().max(1) as f64
        );
        return;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (index, obj) in objects.iter().enumerate() {
        let findings = match obj.as_object() {
            Some(m) => check(m.clone(), bundle_spec_version.as_deref()).findings,
            None => vec![Finding::error(
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
