//! What the fuzz targets (`fuzz/`) run, shared with the test that replays the
//! inputs that once crashed them. Not part of the API.

use crate::parse::{parse_object, parse_reader, split_envelope, Item, ObjectSlice, Piece};
use crate::{JsonMap, Props};
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
            quick_agrees(&o);
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

/// Checks that the borrowed-tree path ([`crate::check_quick`]) and the
/// `serde_json` path agree on `o`: the quick path is taken only for well-formed
/// STIX 2.1 objects, and then gives the same findings, the same compact text
/// and the same common properties. Returns whether the quick path was taken.
pub fn quick_agrees(o: &ObjectSlice<'_>) -> bool {
    let Some(quick) = crate::check_quick(o) else {
        return false;
    };
    let raw = parse_object(o);
    let map = raw
        .value
        .expect("the quick path takes only what serde_json parses");
    assert!(!crate::upgrade::is_stix20(&map, o.bundle_spec_version));
    let checked = crate::check_with_source(map, o.bundle_spec_version, raw.compact);
    assert_eq!(quick.findings, checked.findings, "findings differ");
    assert_eq!(Some(&quick.compact), checked.source_json.as_ref());
    assert_eq!(summary(quick.props()), summary(checked.object.props()));
    true
}

/// What the store derives from an object's common properties.
fn summary<M: JsonMap>(p: Props<'_, M>) -> String {
    format!(
        "{} {} {:?} {:?} {} {} {} {:?} {:?} {:?} {:?} {:?} {:?}",
        p.id(),
        p.object_type(),
        p.name(),
        p.description(),
        p.revoked(),
        p.deprecated(),
        p.version_key(),
        p.aliases().collect::<Vec<_>>(),
        p.external_ids().collect::<Vec<_>>(),
        p.object_marking_refs().collect::<Vec<_>>(),
        p.marking_refs().collect::<Vec<_>>(),
        p.relationship(),
        p.references(),
    )
}
