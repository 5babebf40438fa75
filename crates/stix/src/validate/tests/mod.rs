//! Rule-family tests of the whole validator: one object in, findings out. The real
//! corpora are in `corpora.rs`, the never-panic property tests in `fuzz.rs`.

use super::validate_object;
use crate::{Finding, Severity};
use serde_json::{json, Value};

fn findings(v: &Value) -> Vec<Finding> {
    let m = v.as_object().cloned().unwrap_or_default();
    validate_object(&m)
}

fn errors(v: Value) -> Vec<(&'static str, String)> {
    findings(&v)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.rule, f.pointer))
        .collect()
}

/// Sets (or with `null` as `DEL`, removes) top-level properties.
fn with(base: &Value, changes: Value) -> Value {
    let mut o = base.clone();
    if let (Some(m), Some(ch)) = (o.as_object_mut(), changes.as_object()) {
        for (k, v) in ch {
            if v == &json!("DEL") {
                m.remove(k);
            } else {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    o
}

pub(super) const UUID: &str = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
pub(super) const T: &str = "2016-04-06T20:03:00.000Z";
const TLP_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";

fn sdo(t: &str, extra: Value) -> Value {
    let base = json!({"type": t, "spec_version": "2.1", "id": format!("{t}--{UUID}"), "created": T, "modified": T});
    with(&base, extra)
}

fn sco(t: &str, extra: Value) -> Value {
    with(
        &json!({"type": t, "spec_version": "2.1", "id": format!("{t}--8e2e2d2b-17d4-5cbf-938f-98ee46b3cd3f")}),
        extra,
    )
}

fn campaign() -> Value {
    sdo("campaign", json!({"name": "Green Group Attacks"}))
}

fn indicator(pattern: &str) -> Value {
    sdo(
        "indicator",
        json!({"pattern": pattern, "pattern_type": "stix", "valid_from": T}),
    )
}

#[test]
fn valid_objects_have_no_findings() {
    for v in [
        campaign(),
        indicator("[ipv4-addr:value = '198.51.100.1']"),
        sdo(
            "malware",
            json!({"name": "x", "is_family": true, "malware_types": ["backdoor"]}),
        ),
        sdo(
            "relationship",
            json!({"relationship_type": "uses", "source_ref": format!("campaign--{UUID}"), "target_ref": format!("malware--{UUID}")}),
        ),
        sco("ipv4-addr", json!({"value": "198.51.100.0/24"})),
        sco(
            "file",
            json!({"name": "a.exe", "hashes": {"SHA-256": "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db"}}),
        ),
        json!({"type": "marking-definition", "spec_version": "2.1", "id": TLP_GREEN, "created": "2017-01-20T00:00:00.000Z",
               "definition_type": "tlp", "name": "TLP:GREEN", "definition": {"tlp": "green"}}),
        json!({"type": "x-mitre-tactic", "spec_version": "2.1", "id": format!("x-mitre-tactic--{UUID}"), "created": T, "modified": T,
               "name": "Execution", "x_mitre_shortname": "execution"}),
    ] {
        assert_eq!(findings(&v), vec![], "{v}");
    }
}

/// One case per rule family: the object, the rule and the pointer of the error.
#[test]
fn each_rule_family_reports_its_rule_and_pointer() {
    let c = campaign();
    let ext_pointer = format!("/extensions/extension-definition--{UUID}");
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with(&c, json!({"name": "DEL"})),
            "required-property",
            "/name",
        ),
        (
            with(&c, json!({"type": "DEL"})),
            "required-property",
            "/type",
        ),
        (with(&c, json!({"name": 5})), "property-type", "/name"),
        (with(&c, json!({"x_acme": null})), "null-value", "/x_acme"),
        (with(&c, json!({"labels": []})), "empty-list", "/labels"),
        (with(&c, json!({"x_acme": []})), "empty-list", "/x_acme"),
        (
            with(&c, json!({"extensions": {}})),
            "empty-dictionary",
            "/extensions",
        ),
        (with(&c, json!({"type": "Campaign"})), "type-name", "/type"),
        (sdo("action", json!({})), "reserved-type", "/type"),
        (
            with(&c, json!({"id": "campaign-8e2e2d2b"})),
            "id-format",
            "/id",
        ),
        (
            with(&c, json!({"id": format!("indicator--{UUID}")})),
            "id-type-mismatch",
            "/id",
        ),
        (
            with(&c, json!({"spec_version": "2.0"})),
            "spec-version",
            "/spec_version",
        ),
        (
            with(&c, json!({"created": "2016-04-06"})),
            "timestamp-format",
            "/created",
        ),
        (
            with(&c, json!({"created": "2016-02-30T00:00:00.000Z"})),
            "timestamp-format",
            "/created",
        ),
        (
            with(&c, json!({"created": "2016-04-06T20:03:00Z"})),
            "timestamp-precision",
            "/created",
        ),
        (
            with(&c, json!({"modified": "2016-04-06T20:02:59.999Z"})),
            "timestamp-order",
            "/modified",
        ),
        (
            with(
                &c,
                json!({"first_seen": "2016-01-02T00:00:00Z", "last_seen": "2016-01-01T00:00:00Z"}),
            ),
            "timestamp-order",
            "/last_seen",
        ),
        (
            with(&c, json!({"created_by_ref": "identity"})),
            "reference-format",
            "/created_by_ref",
        ),
        (
            with(&c, json!({"created_by_ref": format!("campaign--{UUID}")})),
            "reference-target",
            "/created_by_ref",
        ),
        (
            with(
                &c,
                json!({"object_marking_refs": [format!("identity--{UUID}")]}),
            ),
            "reference-target",
            "/object_marking_refs/0",
        ),
        (
            with(&c, json!({"confidence": 101})),
            "integer-range",
            "/confidence",
        ),
        (
            with(&c, json!({"lang": "english!"})),
            "language-tag",
            "/lang",
        ),
        (
            with(&c, json!({"external_references": [{"source_name": "x"}]})),
            "external-reference",
            "/external_references/0",
        ),
        (
            with(
                &c,
                json!({"external_references": [{"url": "https://x.example/"}]}),
            ),
            "required-property",
            "/external_references/0/source_name",
        ),
        (
            with(
                &c,
                json!({"external_references": [{"source_name": "cve", "external_id": "CVE-1-1"}]}),
            ),
            "external-id-format",
            "/external_references/0",
        ),
        (
            with(
                &c,
                json!({"external_references": [{"source_name": "x", "url": "x.example/a"}]}),
            ),
            "url-format",
            "/external_references/0/url",
        ),
        (
            with(
                &c,
                json!({"external_references": [{"source_name": "x", "url": "https://x.example/", "hashes": {"sha256": "00"}}]}),
            ),
            "hash-algorithm",
            "/external_references/0/hashes/sha256",
        ),
        (
            with(
                &c,
                json!({"granular_markings": [{"selectors": ["name"], "lang": "de", "marking_ref": TLP_GREEN}]}),
            ),
            "granular-marking",
            "/granular_markings/0",
        ),
        (
            with(
                &c,
                json!({"granular_markings": [{"selectors": ["description"], "marking_ref": TLP_GREEN}]}),
            ),
            "marking-selector",
            "/granular_markings/0/selectors/0",
        ),
        (
            with(&c, json!({"extensions": {"acme": {"a_b": 1}}})),
            "extension-key",
            "/extensions/acme",
        ),
        (
            with(
                &c,
                json!({"extensions": {format!("extension-definition--{UUID}"): {"rank": 1}}}),
            ),
            "extension-type",
            &ext_pointer,
        ),
        (with(&c, json!({"Xacme": 1})), "property-name", "/Xacme"),
        (
            with(&c, json!({"severity": "high"})),
            "reserved-property",
            "/severity",
        ),
        (
            with(&c, json!({"defanged": true})),
            "not-applicable-property",
            "/defanged",
        ),
        (
            with(&c, json!({"x_acme_bin": "!!"})),
            "binary-value",
            "/x_acme_bin",
        ),
        (
            with(&c, json!({"x_acme_hex": "abc"})),
            "hex-value",
            "/x_acme_hex",
        ),
        (sdo("location", json!({"name": "x"})), "at-least-one", ""),
        (
            sdo("location", json!({"latitude": 1.0})),
            "requires-property",
            "/latitude",
        ),
        (
            sdo("location", json!({"latitude": 91, "longitude": 0})),
            "number-range",
            "/latitude",
        ),
        (
            sdo("malware", json!({"is_family": true})),
            "required-property",
            "/name",
        ),
        (
            sdo(
                "opinion",
                json!({"opinion": "maybe", "object_refs": [format!("campaign--{UUID}")]}),
            ),
            "enum-value",
            "/opinion",
        ),
        (
            sdo(
                "observed-data",
                json!({"first_observed": T, "last_observed": T, "number_observed": 1}),
            ),
            "exactly-one",
            "",
        ),
        (
            sdo(
                "relationship",
                json!({"relationship_type": "Uses", "source_ref": format!("campaign--{UUID}"), "target_ref": format!("malware--{UUID}")}),
            ),
            "relationship-type",
            "/relationship_type",
        ),
        (
            sdo(
                "relationship",
                json!({"relationship_type": "uses", "source_ref": format!("relationship--{UUID}"), "target_ref": format!("malware--{UUID}")}),
            ),
            "reference-target",
            "/source_ref",
        ),
        (
            sdo(
                "sighting",
                json!({"sighting_of_ref": format!("indicator--{UUID}"), "count": -1}),
            ),
            "integer-range",
            "/count",
        ),
        (
            sdo(
                "attack-pattern",
                json!({"name": "x", "kill_chain_phases": [{"kill_chain_name": "x"}]}),
            ),
            "required-property",
            "/kill_chain_phases/0/phase_name",
        ),
        (indicator("[file:name = 'a'"), "pattern-syntax", "/pattern"),
        (
            indicator("[file:hashes.MD5 = 'abc']"),
            "pattern-hash",
            "/pattern",
        ),
        (
            indicator("[file:name = 'a'] WITHIN 1 SECONDS WITHIN 2 SECONDS"),
            "pattern-qualifier",
            "/pattern",
        ),
        (
            indicator("[ab:name = 'a']"),
            "pattern-object-type",
            "/pattern",
        ),
        (
            indicator("[file:Name = 'a']"),
            "pattern-property",
            "/pattern",
        ),
        (
            sco("ipv4-addr", json!({"value": "1.2.3.4/33"})),
            "ipv4-value",
            "/value",
        ),
        (
            sco("ipv6-addr", json!({"value": "1::2::3"})),
            "ipv6-value",
            "/value",
        ),
        (
            sco("mac-addr", json!({"value": "AA:BB:CC:DD:EE:FF"})),
            "mac-value",
            "/value",
        ),
        (
            sco("domain-name", json!({"value": "*.example.com"})),
            "domain-value",
            "/value",
        ),
        (
            sco("email-addr", json!({"value": "john"})),
            "email-value",
            "/value",
        ),
        (
            sco("url", json!({"value": "example.com"})),
            "url-format",
            "/value",
        ),
        (
            sco("file", json!({"name": "a", "name_enc": "no such charset"})),
            "charset-name",
            "/name_enc",
        ),
        (
            sco("file", json!({"name": "a", "size": -1})),
            "integer-range",
            "/size",
        ),
        (
            sco("file", json!({"hashes": {"MD5": "00"}})),
            "hash-value",
            "/hashes/MD5",
        ),
        (sco("file", json!({})), "at-least-one", ""),
        (
            sco(
                "file",
                json!({"name": "a", "extensions": {"ntfs-ext": {"sid": 1}}}),
            ),
            "property-type",
            "/extensions/ntfs-ext/sid",
        ),
        (
            sco(
                "file",
                json!({"name": "a", "extensions": {"windows-pebinary-ext": {"pe_type": "exe", "time_date_stamp": "2016-01-01T00:00:00.5Z"}}}),
            ),
            "timestamp-precision",
            "/extensions/windows-pebinary-ext/time_date_stamp",
        ),
        (
            sco(
                "file",
                json!({"name": "a", "extensions": {"raster-image-ext": {"exif_tags": {"make": "x"}}}}),
            ),
            "exif-tag",
            "/extensions/raster-image-ext/exif_tags/make",
        ),
        (
            sco("software", json!({"name": "a", "cpe": "cpe:/a:x"})),
            "cpe-format",
            "/cpe",
        ),
        (
            sco(
                "artifact",
                json!({"payload_bin": "aGk=", "mime_type": "zip"}),
            ),
            "mime-type",
            "/mime_type",
        ),
        (
            sco("artifact", json!({"url": "https://x.example/a"})),
            "requires-property",
            "/url",
        ),
        (
            sco("email-message", json!({"is_multipart": true, "body": "x"})),
            "excluded-property",
            "/body",
        ),
        (
            sco(
                "network-traffic",
                json!({"protocols": ["tcp"], "src_ref": format!("ipv4-addr--{UUID}"), "extensions": {"socket-ext": {"address_family": "AF_INET", "options": {"reuse": 1}}}}),
            ),
            "socket-option",
            "/extensions/socket-ext/options/reuse",
        ),
        (
            sco(
                "network-traffic",
                json!({"protocols": ["tcp"], "src_ref": format!("ipv4-addr--{UUID}"), "ipfix": {"x": [1]}}),
            ),
            "property-type",
            "/ipfix/x",
        ),
        (sco("process", json!({"pid": 1})), "uuid-version", "/id"),
        (
            sco("windows-registry-key", json!({"key": "HKLM\\Software"})),
            "registry-hive",
            "/key",
        ),
        (
            json!({"type": "marking-definition", "spec_version": "2.1", "id": format!("marking-definition--{UUID}"), "created": T,
                "definition_type": "tlp", "definition": {"tlp": "green"}}),
            "tlp-marking",
            "/id",
        ),
        (
            json!({"type": "marking-definition", "spec_version": "2.1", "id": format!("marking-definition--{UUID}"), "created": T,
                "definition_type": "statement", "definition": {"statement": "x"}, "object_marking_refs": [format!("marking-definition--{UUID}")]}),
            "circular-marking",
            "/object_marking_refs/0",
        ),
        (
            sdo(
                "extension-definition",
                json!({"name": "x", "schema": "x", "version": "1", "extension_types": ["new-sdo"], "extension_properties": ["a"],
                "created_by_ref": format!("identity--{UUID}")}),
            ),
            "extension-properties",
            "/extension_properties",
        ),
        (
            sdo(
                "language-content",
                json!({"object_ref": format!("campaign--{UUID}"), "contents": {"de": {"Name": "x"}}}),
            ),
            "property-name",
            "/contents/de/Name",
        ),
        (
            with(&c, json!({"x_acme": {"k": 1}, "x_acme_scores": {"a b": 1}})),
            "",
            "",
        ),
    ];
    for (obj, rule, pointer) in cases {
        let errs = errors(obj.clone());
        if rule.is_empty() {
            assert!(errs.is_empty(), "{obj}: {errs:?}");
        } else {
            assert!(
                errs.contains(&(rule, pointer.to_string())),
                "{obj}\nexpected ({rule}, {pointer}), got {errs:?}"
            );
        }
    }
}

#[test]
fn should_level_findings_are_warnings() {
    let c = campaign();
    let warn = |v: Value| -> Vec<&'static str> {
        findings(&v)
            .into_iter()
            .map(|f| {
                assert_eq!(f.severity, Severity::Warning, "{f}");
                f.rule
            })
            .collect()
    };
    assert_eq!(
        warn(sdo(
            "tool",
            json!({"name": "x", "tool_types": ["acme-thing"]})
        )),
        ["vocab-value"]
    );
    assert_eq!(
        warn(sdo(
            "tool",
            json!({"name": "x", "tool_types": ["Acme Thing"]})
        )),
        ["vocab-format"]
    );
    assert_eq!(
        warn(with(&c, json!({"acme_score": 1}))),
        ["custom-property-prefix"]
    );
    assert_eq!(
        warn(with(&c, json!({"x_acme_ref": "nope"}))),
        ["custom-reference"]
    );
    assert_eq!(
        warn(with(&c, json!({"x_acme_hex": "FF"}))),
        ["hex-lowercase"]
    );
    assert_eq!(
        warn(with(
            &c,
            json!({"id": "campaign--8e2e2d2b-17d4-5cbf-938f-98ee46b3cd3f"})
        )),
        ["uuid-version"]
    );
    assert_eq!(warn(sdo("x-acme", json!({})).clone()).len(), 0);
    assert_eq!(warn(sdo("acme-widget", json!({}))), ["custom-type-prefix"]);
    assert_eq!(
        warn(with(
            &c,
            json!({"external_references": [{"source_name": "x", "url": "https://x.example/"}]})
        )),
        ["external-reference-hashes"]
    );
    assert_eq!(
        warn(sdo("location", json!({"country": "France"}))),
        ["country-code"]
    );
    let od = sdo(
        "observed-data",
        json!({"first_observed": T, "last_observed": T, "number_observed": 1, "objects": {"0": {"type": "ipv4-addr", "value": "1.2.3.4"}}}),
    );
    assert_eq!(warn(od), ["deprecated-property"]);
}

mod corpora;
mod fuzz;
