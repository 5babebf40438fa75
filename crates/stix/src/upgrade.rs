//! STIX 2.0 → 2.1, where the spec's changes are mechanical.
//!
//! A 2.0 object is recognised by its bundle's `spec_version: "2.0"` or, for a
//! domain, relationship or custom object, by having no `spec_version` (2.1
//! requires it on all of those; only cyber-observables may omit it). The upgrade:
//! - adds `"spec_version": "2.1"` right after `type`;
//! - `indicator`: adds `pattern_type: "stix"` (2.0 patterns are STIX patterns);
//! - `malware`: adds `is_family: true` when absent, as MITRE's own 2.0 → 2.1
//!   conversion of ATT&CK does (2.0 had no instance/family distinction);
//! - everything else is kept as it is: 2.0's required `labels` are still legal in
//!   2.1, and observed-data's embedded `objects` is still accepted (deprecated).

use crate::object::is_sco_type;
use crate::object::{Fields, JsonMap, JsonValue};
use serde_json::{Map, Value};

/// Whether the object is STIX 2.0 content: it has no `spec_version` (2.0 objects
/// never carry one) and either its bundle says 2.0 or it is a kind of object
/// that 2.1 requires to carry one (everything but cyber-observables). An object
/// that *has* a `spec_version`, whatever its value, is left for validation to
/// judge: `"spec_version": "2.0"` on an object is not STIX 2.0, it is a broken
/// 2.1 object.
pub fn is_stix20<M: JsonMap>(obj: &M, bundle_spec_version: Option<&str>) -> bool {
    if obj.prop("spec_version").is_some() {
        return false;
    }
    if bundle_spec_version == Some("2.0") {
        return true;
    }
    match obj.prop("type").and_then(JsonValue::str_value) {
        Some(t) => !is_sco_type(t) && t != "bundle",
        None => false,
    }
}

/// Upgrades a 2.0 object in place to 2.1; returns what changed, for the record.
pub fn upgrade_to_21(obj: &mut Map<String, Value>) -> Vec<&'static str> {
    let mut changes = Vec::new();
    let at = index_of(obj, "type").map_or(0, |i| i + 1);
    obj.shift_insert(at, "spec_version".into(), Value::String("2.1".into()));
    changes.push("spec_version set to 2.1");
    match obj.field("type").and_then(Value::as_str) {
        Some("indicator") if !obj.has("pattern_type") => {
            let at = index_of(obj, "pattern").map_or(obj.len(), |i| i + 1);
            obj.shift_insert(at, "pattern_type".into(), Value::String("stix".into()));
            changes.push("indicator pattern_type set to stix");
        }
        Some("malware") if !obj.has("is_family") => {
            obj.insert("is_family".into(), Value::Bool(true));
            changes.push("malware is_family set to true");
        }
        _ => {}
    }
    changes
}

fn index_of(obj: &Map<String, Value>, key: &str) -> Option<usize> {
    obj.keys().position(|k| k == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_and_upgrades_20_indicator() {
        let mut o: Map<String, Value> = serde_json::from_str(
            r#"{"type":"indicator","id":"indicator--a","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","labels":["malicious-activity"],"pattern":"[file:name = 'x']","valid_from":"2016-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(is_stix20(&o, None));
        upgrade_to_21(&mut o);
        let keys: Vec<_> = o.keys().map(String::as_str).collect();
        assert_eq!(&keys[..2], ["type", "spec_version"]);
        assert_eq!(o["pattern_type"], "stix");
        assert_eq!(
            keys[keys.iter().position(|k| *k == "pattern").unwrap() + 1],
            "pattern_type"
        );
    }

    #[test]
    fn scos_and_21_objects_are_not_20() {
        let sco: Map<String, Value> =
            serde_json::from_str(r#"{"type":"ipv4-addr","id":"ipv4-addr--x","value":"1.2.3.4"}"#)
                .unwrap();
        assert!(!is_stix20(&sco, None));
        assert!(is_stix20(&sco, Some("2.0")));
        let o: Map<String, Value> =
            serde_json::from_str(r#"{"type":"campaign","spec_version":"2.1"}"#).unwrap();
        assert!(!is_stix20(&o, Some("2.0")));
    }
}
