//! What the fuzz targets (`fuzz/`) run, shared with the test that replays the
//! inputs that once crashed them. Not part of the API.

use crate::parse::{parse_object, parse_reader, split_envelope, Item, Piece};
use std::ops::ControlFlow;

/// Parses arbitrary bytes as STIX input; checks that every object handed out
/// is the same JSON as its compact source text, and validates it. Panics only
/// on a bug.
pub fn parse_stix(data: &[u8]) {
    let _ = parse_reader(data, |item| {
        if let Item::Object(raw) = item {
            if let (Ok(map), Some(text)) = (&raw.value, &raw.compact) {
                let again: serde_json::Value =
                    serde_json::from_str(text).expect("compact text is JSON");
                assert_eq!(
                    again,
                    serde_json::Value::Object(map.clone()),
                    "compact text differs from the object"
                );
            }
            if let Ok(map) = raw.value {
                let _ = crate::check(map, raw.bundle_spec_version.as_deref());
            }
        }
        ControlFlow::Continue(())
    });
    // The same bytes as a TAXII envelope: every object cut out must parse alone
    // exactly as the scanner cut it (a JSON value, or a reported syntax error).
    let _ = split_envelope(data, |piece| {
        if let Piece::Object(o) = piece {
            let raw = parse_object(&o);
            if raw.value.is_ok() {
                assert!(
                    raw.compact.is_some(),
                    "a parsed object has its compact text"
                );
            }
        }
        ControlFlow::Continue(())
    });
}

/// Validates arbitrary bytes that happen to be a JSON object, as 2.1 and as 2.0.
pub fn validate_object(data: &[u8]) {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = crate::validate_object(&map);
        let _ = crate::check(map, Some("2.0"));
    }
}
