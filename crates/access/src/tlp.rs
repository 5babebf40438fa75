//! The Traffic Light Protocol markings Vigil knows out of the box.
//!
//! Two generations share one scale. The STIX 2.1 specification predefines four
//! TLP 1.0 marking definitions (§7.2.1.4: WHITE, GREEN, AMBER, RED; WHITE is
//! TLP 2.0's CLEAR); OASIS publishes five TLP 2.0 definitions as a property
//! extension (`extension-definition--60a3c5c5-…`, in
//! oasis-open/cti-stix-common-objects, `extension-definition-specifications/tlp-2.0`).
//! Both sets have fixed ids, so a marking is recognised by its id alone; the
//! definitions' text is never consulted (anyone can write a marking-definition
//! named "TLP:CLEAR").
//!
//! Ids checked against the stix2 Python library (`stix2/v21/common.py`) for 1.0
//! and the OASIS extension's JSON schema (`tlp-2.0/marking-definition.json`)
//! for 2.0.

/// A TLP level, ordered from the least to the most restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// TLP:CLEAR (TLP 1.0's TLP:WHITE): no restriction.
    Clear,
    /// TLP:GREEN: the community.
    Green,
    /// TLP:AMBER: the organisation and its clients.
    Amber,
    /// TLP:AMBER+STRICT (TLP 2.0 only): the organisation alone.
    AmberStrict,
    /// TLP:RED: the named recipients only.
    Red,
}

impl Level {
    /// Every level, least restricted first.
    pub const ALL: [Level; 5] = [
        Level::Clear,
        Level::Green,
        Level::Amber,
        Level::AmberStrict,
        Level::Red,
    ];

    /// The TLP 2.0 name, e.g. `TLP:AMBER+STRICT`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Clear => "TLP:CLEAR",
            Level::Green => "TLP:GREEN",
            Level::Amber => "TLP:AMBER",
            Level::AmberStrict => "TLP:AMBER+STRICT",
            Level::Red => "TLP:RED",
        }
    }

    /// The level a name stands for: `TLP:CLEAR`, `TLP:WHITE`, … `TLP:RED`, any case.
    pub fn from_name(name: &str) -> Option<Level> {
        let rest = name.get(..4).filter(|p| p.eq_ignore_ascii_case("TLP:"))?;
        let colour = &name[rest.len()..];
        [
            ("CLEAR", Level::Clear),
            ("WHITE", Level::Clear),
            ("GREEN", Level::Green),
            ("AMBER", Level::Amber),
            ("AMBER+STRICT", Level::AmberStrict),
            ("RED", Level::Red),
        ]
        .into_iter()
        .find(|(n, _)| colour.eq_ignore_ascii_case(n))
        .map(|(_, level)| level)
    }

    /// The TLP 2.0 marking-definition id of this level.
    pub fn id(self) -> &'static str {
        match self {
            Level::Clear => TLP2_CLEAR,
            Level::Green => TLP2_GREEN,
            Level::Amber => TLP2_AMBER,
            Level::AmberStrict => TLP2_AMBER_STRICT,
            Level::Red => TLP2_RED,
        }
    }

    /// Whether reading data at this level is recorded in the audit log
    /// (AMBER, AMBER+STRICT and RED).
    pub fn audited(self) -> bool {
        self >= Level::Amber
    }
}

/// TLP 1.0 TLP:WHITE (STIX 2.1 §7.2.1.4), counted as CLEAR.
pub const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
/// TLP 1.0 TLP:GREEN (STIX 2.1 §7.2.1.4).
pub const TLP1_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
/// TLP 1.0 TLP:AMBER (STIX 2.1 §7.2.1.4).
pub const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
/// TLP 1.0 TLP:RED (STIX 2.1 §7.2.1.4).
pub const TLP1_RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";
/// TLP 2.0 TLP:CLEAR (OASIS TLP 2.0 extension).
pub const TLP2_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
/// TLP 2.0 TLP:GREEN (OASIS TLP 2.0 extension).
pub const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
/// TLP 2.0 TLP:AMBER (OASIS TLP 2.0 extension).
pub const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
/// TLP 2.0 TLP:AMBER+STRICT (OASIS TLP 2.0 extension).
pub const TLP2_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
/// TLP 2.0 TLP:RED (OASIS TLP 2.0 extension).
pub const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// The id of the OASIS extension definition that TLP 2.0 markings use.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// Every TLP marking-definition id and its level: TLP 1.0 first, then 2.0.
pub const IDS: [(&str, Level); 9] = [
    (TLP1_WHITE, Level::Clear),
    (TLP1_GREEN, Level::Green),
    (TLP1_AMBER, Level::Amber),
    (TLP1_RED, Level::Red),
    (TLP2_CLEAR, Level::Clear),
    (TLP2_GREEN, Level::Green),
    (TLP2_AMBER, Level::Amber),
    (TLP2_AMBER_STRICT, Level::AmberStrict),
    (TLP2_RED, Level::Red),
];

/// The TLP level of a marking-definition id, or `None` for any other id.
pub fn level_of(id: &str) -> Option<Level> {
    // One length test turns most non-TLP strings away before any comparison.
    if id.len() != TLP2_RED.len() {
        return None;
    }
    IDS.iter().find(|(t, _)| *t == id).map(|&(_, level)| level)
}

/// The nine marking-definition objects, in [`IDS`]' order, as compact JSON
/// exactly as published (the store loads them on first start). TLP 1.0 as
/// STIX 2.1 §7.2.1.4 prints them; TLP 2.0 as the OASIS extension's examples.
pub const DEFINITIONS: [&str; 9] = [
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"green"}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:AMBER","definition":{"tlp":"amber"}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:RED","definition":{"tlp":"red"}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER+STRICT","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}"#,
    r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","created":"2022-10-01T00:00:00.000Z","name":"TLP:RED","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}}}"#,
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn levels_are_ordered() {
        assert!(Level::Clear < Level::Green);
        assert!(Level::Green < Level::Amber);
        assert!(Level::Amber < Level::AmberStrict);
        assert!(Level::AmberStrict < Level::Red);
        assert_eq!(Level::ALL.iter().filter(|l| l.audited()).count(), 3);
    }

    #[test]
    fn names_parse_in_any_case_and_white_is_clear() {
        assert_eq!(Level::from_name("TLP:WHITE"), Some(Level::Clear));
        assert_eq!(Level::from_name("tlp:clear"), Some(Level::Clear));
        assert_eq!(
            Level::from_name("Tlp:Amber+Strict"),
            Some(Level::AmberStrict)
        );
        assert_eq!(Level::from_name("TLP:AMBER"), Some(Level::Amber));
        assert_eq!(Level::from_name("TLP:"), None);
        assert_eq!(Level::from_name("TLP:AMBER+"), None);
        assert_eq!(Level::from_name("AMBER"), None);
        assert_eq!(Level::from_name("TLP:é"), None);
        for level in Level::ALL {
            assert_eq!(Level::from_name(level.name()), Some(level));
            assert_eq!(level_of(level.id()), Some(level));
        }
    }

    #[test]
    fn tlp_1_and_2_ids_name_the_same_levels() {
        assert_eq!(level_of(TLP1_WHITE), level_of(TLP2_CLEAR));
        assert_eq!(level_of(TLP1_GREEN), level_of(TLP2_GREEN));
        assert_eq!(level_of(TLP1_AMBER), level_of(TLP2_AMBER));
        assert_eq!(level_of(TLP1_RED), level_of(TLP2_RED));
        assert_eq!(
            level_of("marking-definition--00000000-0000-4000-8000-000000000000"),
            None
        );
        assert_eq!(level_of(""), None);
    }

    /// Each shipped definition is the object its id names: right id, a name of its
    /// level, and the TLP 2.0 ones carry the extension with the level's colour.
    #[test]
    fn definitions_match_their_ids() {
        for (text, (id, level)) in DEFINITIONS.iter().zip(IDS) {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(v["type"], "marking-definition");
            assert_eq!(v["spec_version"], "2.1");
            assert_eq!(v["id"], id);
            let name = v["name"].as_str().unwrap();
            assert_eq!(Level::from_name(name), Some(level), "{name}");
            match v.get("definition") {
                Some(d) => {
                    assert_eq!(v["definition_type"], "tlp");
                    assert_eq!(v["created"], "2017-01-20T00:00:00.000Z");
                    assert_eq!(d["tlp"], name[4..].to_ascii_lowercase());
                }
                None => {
                    let ext = &v["extensions"][TLP2_EXTENSION];
                    assert_eq!(v["created"], "2022-10-01T00:00:00.000Z");
                    assert_eq!(ext["extension_type"], "property-extension");
                    assert_eq!(ext["tlp_2_0"], name[4..].to_ascii_lowercase());
                    assert_eq!(level.id(), id);
                }
            }
            // Compact text, as the store keeps it.
            assert_eq!(serde_json::to_string(&v).unwrap(), *text);
        }
    }
}
