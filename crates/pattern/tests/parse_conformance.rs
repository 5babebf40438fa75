//! The parser against the OASIS conformance cases (tests/data/conformance):
//! every pattern the reference parses, we parse; every one it refuses as a
//! parse error, we refuse; every pattern's normalised form parses back to an
//! equal tree and prints the same again.

use serde_json::Value;
use vigil_pattern::{Pattern, StixVersion};

fn cases(file: &str) -> Vec<Value> {
    let path = format!(
        "{}/../../tests/data/conformance/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<Vec<Value>>(&text).unwrap()
}

fn version(c: &Value) -> StixVersion {
    match c["stix_version"].as_str() {
        Some("2.0") => StixVersion::V20,
        _ => StixVersion::V21,
    }
}

fn assert_none_failed(failures: &[String], total: usize) {
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn round_trip(p: &Pattern, text: &str) -> Result<(), String> {
    let norm = p.to_string();
    let again = Pattern::parse_version(&norm, p.version())
        .map_err(|e| format!("{text:?}: normalised form {norm:?} does not parse: {e}"))?;
    if &again != p {
        return Err(format!(
            "{text:?}: normalised form {norm:?} parses to another tree"
        ));
    }
    if again.to_string() != norm {
        return Err(format!(
            "{text:?}: normalised form is not stable: {norm:?} then {again}"
        ));
    }
    Ok(())
}

#[test]
fn validator_cases() {
    let mut failures = Vec::new();
    let all = cases("validator.json");
    for c in &all {
        let text = c["pattern"].as_str().unwrap();
        let valid = c["valid"].as_bool().unwrap();
        let got = Pattern::parse_version(text, version(c)).and_then(|p| p.check().map(|()| p));
        match (&got, valid) {
            (Ok(p), true) => {
                if let Err(e) = round_trip(p, text) {
                    failures.push(e);
                }
            }
            (Err(_), false) => {}
            (Ok(_), false) => failures.push(format!(
                "{} {text:?}: accepted, reference refuses: {}",
                c["stix_version"], c["reference_error"]
            )),
            (Err(e), true) => failures.push(format!(
                "{} {text:?}: refused ({e}), reference accepts",
                c["stix_version"]
            )),
        }
    }
    assert_none_failed(&failures, all.len());
}

#[test]
fn matcher_cases_parse_as_the_reference_does() {
    let mut failures = Vec::new();
    let all = cases("matcher.json");
    for c in &all {
        let text = c["pattern"].as_str().unwrap();
        let parse_error = c["expected"] == "error" && c["error_type"] == "ParseException";
        match (Pattern::parse_version(text, version(c)), parse_error) {
            (Ok(p), false) => {
                if let Err(e) = round_trip(&p, text) {
                    failures.push(e);
                }
            }
            (Err(_), true) => {}
            (Ok(_), true) => failures.push(format!(
                "{} {text:?}: parsed, reference refuses",
                c["stix_version"]
            )),
            // A refusal where the reference raises at match time is still an error.
            (Err(_), false) if c["expected"] == "error" => {}
            (Err(e), false) => failures.push(format!(
                "{} {text:?}: refused ({e}), reference parses",
                c["stix_version"]
            )),
        }
    }
    assert_none_failed(&failures, all.len());
}
