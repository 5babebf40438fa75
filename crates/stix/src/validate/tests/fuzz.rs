//! Validation never panics, whatever the object or pattern.

use super::{T, UUID};
use crate::validate::{pattern, validate_object};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Property names the random objects draw from: every common property, and these.
const OTHER_KEYS: &[&str] = &[
    "name",
    "pattern",
    "pattern_type",
    "valid_from",
    "valid_until",
    "source_ref",
    "target_ref",
    "relationship_type",
    "object_refs",
    "value",
    "hashes",
    "is_family",
    "latitude",
    "longitude",
    "precision",
    "definition",
    "definition_type",
    "contents",
    "x_acme_ref",
    "x_acme_bin",
    "selectors",
    "marking_ref",
    "url",
    "source_name",
    "kill_chain_phases",
    "phase_name",
    "is_multipart",
    "body",
    "protocols",
    "src_ref",
    "ntfs-ext",
    "options",
];
fn keys() -> Vec<&'static str> {
    crate::validate::common::COMMON
        .iter()
        .chain(OTHER_KEYS)
        .copied()
        .collect()
}

const TYPES: &[&str] = &[
    "indicator",
    "campaign",
    "malware",
    "relationship",
    "sighting",
    "file",
    "network-traffic",
    "marking-definition",
    "language-content",
    "extension-definition",
    "email-message",
    "location",
    "x-acme",
    "artifact",
    "process",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(TYPES).prop_map(|t| json!(t)),
        prop::sample::select(TYPES).prop_map(|t| json!(format!("{t}--{UUID}"))),
        Just(json!(T)),
        Just(json!("[file:name = 'a']")),
        ".{0,12}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(keys()), inner), 0..5).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
    #[test]
    fn on_any_object(t in prop::sample::select(TYPES), props in prop::collection::vec((prop::sample::select(keys()), value()), 0..12)) {
        let mut m = Map::new();
        m.insert("type".into(), json!(t));
        for (k, v) in props {
            m.insert(k.to_string(), v);
        }
        let _ = validate_object(&m);
    }

    #[test]
    fn on_any_pattern(p in "[\\[\\]()a-z:._' =<>!0-9*-]{0,40}") {
        let _ = pattern::check_pattern(&p);
    }
}
