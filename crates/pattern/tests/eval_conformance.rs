//! The evaluator against the OASIS matcher's conformance cases
//! (tests/data/conformance/matcher.json): every case's verdict (match, no
//! match, error) is the reference's, and where the case names the
//! observed-data of the match, so do we.

use serde_json::Value;
use std::time::{Duration, Instant};
use vigil_pattern::observation::from_json;
use vigil_pattern::{Pattern, StixVersion};

/// The cases: matcher.json, or the file `VIGIL_EVAL_CASES` names (same
/// format; for differential runs against the reference on generated cases).
fn cases() -> Vec<Value> {
    let path = std::env::var("VIGIL_EVAL_CASES").unwrap_or_else(|_| {
        format!(
            "{}/../../tests/data/conformance/matcher.json",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<Vec<Value>>(&text).unwrap()
}

/// What we make of one case: `Ok(Some(ids))` a match, `Ok(None)` no match,
/// `Err` an error (parse, observation or evaluation).
fn run(case: &Value) -> Result<Option<Vec<Option<String>>>, String> {
    let version = match case["stix_version"].as_str() {
        Some("2.0") => StixVersion::V20,
        _ => StixVersion::V21,
    };
    let pattern = case["pattern"].as_str().ok_or("no pattern")?;
    let p = Pattern::parse_version(pattern, version).map_err(|e| format!("parse: {e}"))?;
    let obs =
        from_json(&case["observations"], version).map_err(|e| format!("observations: {e}"))?;
    let m = p.matches(&obs).map_err(|e| format!("eval: {e}"))?;
    Ok(m.map(|m| m.observations.iter().map(|&i| obs[i].id.clone()).collect()))
}

fn check(case: &Value) -> Result<(), String> {
    let got = run(case);
    let expected = &case["expected"];
    match (expected, &got) {
        (Value::String(e), Err(_)) if e == "error" => return Ok(()),
        (Value::Bool(true), Ok(Some(ids))) => {
            if let Some(want) = case["matched_sdo_ids"].as_array() {
                let mut want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
                let mut have: Vec<&str> = ids.iter().filter_map(|i| i.as_deref()).collect();
                want.sort_unstable();
                have.sort_unstable();
                if want != have {
                    return Err(format!("matched {have:?}, expected {want:?}"));
                }
            }
            return Ok(());
        }
        (Value::Bool(false), Ok(None)) => return Ok(()),
        _ => {}
    }
    Err(format!("expected {expected}, got {got:?}"))
}

#[test]
fn matcher_cases() {
    let cases = cases();
    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for case in &cases {
        let start = Instant::now();
        let r = check(case);
        let took = start.elapsed();
        if took > slowest.0 {
            slowest = (took, case["source"].as_str().unwrap_or("").to_string());
        }
        if let Err(why) = r {
            failures.push(format!(
                "{} [{}] {}: {why}",
                case["source"].as_str().unwrap_or("?"),
                case["stix_version"].as_str().unwrap_or("?"),
                case["pattern"],
            ));
        }
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "{} passed, {} failed (slowest {:?}: {})",
        cases.len() - failures.len(),
        failures.len(),
        slowest.0,
        slowest.1
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed",
        failures.len(),
        cases.len()
    );
    assert!(
        slowest.0 < Duration::from_secs(2),
        "a case took {:?}",
        slowest.0
    );
}
