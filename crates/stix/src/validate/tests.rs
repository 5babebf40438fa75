//! Rule-family tests of the whole validator: one object in, findings out.

use super::validate_object;
use crate::Severity;
use serde_json::{json, Value};

fn errors(v: Value) -> Vec<(&'static str, String)> {
    let m = v.as_object().cloned().unwrap_or_default();
    validate_object(&m)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.rule, f.pointer))
        .collect()
}

fn campaign() -> Value {
    json!({"type": "campaign", "spec_version": "2.1", "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
           "created": "2016-04-06T20:03:00.000Z", "modified": "2016-04-06T20:03:00.000Z", "name": "Green Group Attacks"})
}

#[test]
fn valid_campaign_has_no_findings() {
    let m = campaign().as_object().cloned().unwrap_or_default();
    assert_eq!(validate_object(&m), vec![]);
}

fn with(mut base: Value, key: &str, v: Value) -> Value {
    base[key] = v;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    if let Some(m) = base.as_object_mut() {
        m.remove(key);
    }
    base
}

#[test]
fn required_and_common_properties() {
    assert_eq!(
        errors(without(campaign(), "name")),
        [("required-property", String::new())]
    );
    assert_eq!(
        errors(without(campaign(), "spec_version")),
        [("required-property", String::new())]
    );
    assert_eq!(
        errors(with(campaign(), "confidence", json!(101))),
        [("integer-range", "/confidence".into())]
    );
    assert_eq!(
        errors(with(campaign(), "revoked", json!("yes"))),
        [("property-type", "/revoked".into())]
    );
    assert_eq!(
        errors(with(campaign(), "labels", json!([]))),
        [("empty-list", "/labels".into())]
    );
    assert_eq!(
        errors(with(campaign(), "lang", json!("english!"))),
        [("language-tag", "/lang".into())]
    );
    assert_eq!(
        errors(with(campaign(), "spec_version", json!("2.0"))),
        [("spec-version", "/spec_version".into())]
    );
}
