//! Identifiers and the embedded relationships that hold them (STIX 2.1 §2.9
//! "Identifier", §3.3 "Object IDs and References").
//!
//! Every `*_ref`/`*_refs` property of the spec names the object types it may point
//! at; [`Targets`] is that column of the property tables.

use super::cx::{quote, Cx, Path};
use crate::val::Val;

/// The predefined STIX Domain Object types (§4).
pub(crate) const SDO_TYPES: &[&str] = &[
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "observed-data",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
];

/// The STIX Relationship Object types (§5).
pub(crate) const SRO_TYPES: &[&str] = &["relationship", "sighting"];

/// The STIX Meta Object types (§7) and the bundle, which is no STIX Object (§8).
pub(crate) const META_TYPES: &[&str] = &[
    "language-content",
    "marking-definition",
    "extension-definition",
    "bundle",
];

/// Which object types a reference may point at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Targets {
    /// Any STIX Object (not a bundle).
    Any,
    /// Exactly these types.
    Only(&'static [&'static str]),
    /// An SDO (predefined or custom).
    Sdo,
    /// An SDO or an SCO, predefined or custom: not an SRO nor a meta object.
    SdoOrSco,
    /// An SCO (predefined or custom).
    Sco,
    /// An SCO or an SRO (observed-data `object_refs`, §4.14).
    ScoOrSro,
}

impl Targets {
    /// Whether an identifier of type `t` may be referenced.
    pub fn allows(self, t: &str) -> bool {
        let sco = || crate::object::is_sco_type(t);
        let sdo = || SDO_TYPES.contains(&t);
        let sro = || SRO_TYPES.contains(&t);
        let meta = || META_TYPES.contains(&t);
        match self {
            Targets::Any => t != "bundle",
            Targets::Only(types) => types.contains(&t),
            Targets::Sdo => !(sco() || sro() || meta()),
            Targets::SdoOrSco => !(sro() || meta()),
            Targets::Sco => !(sdo() || sro() || meta()),
            Targets::ScoOrSro => !(sdo() || meta()),
        }
    }

    /// The allowed types in words, for messages.
    pub fn describe(self) -> String {
        match self {
            Targets::Any => "any STIX object".into(),
            Targets::Only(types) => types.join(", "),
            Targets::Sdo => "a STIX Domain Object".into(),
            Targets::SdoOrSco => {
                "an SDO or SCO (not a relationship, sighting or meta object)".into()
            }
            Targets::Sco => "a cyber-observable object".into(),
            Targets::ScoOrSro => "a cyber-observable object, relationship or sighting".into(),
        }
    }
}

/// Whether `t` is a well-formed type name (§3.1, §11.2.1): 3 to 250 characters of
/// `a-z`, `0-9` and `-`, starting with a letter, with no `--` and no trailing `-`.
pub(crate) fn is_type_name(t: &str) -> bool {
    let b = t.as_bytes();
    if !(3..=250).contains(&b.len()) || !b[0].is_ascii_lowercase() || b[b.len() - 1] == b'-' {
        return false;
    }
    let mut prev = 0u8;
    for &c in b {
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            || (c == b'-' && prev == b'-')
        {
            return false;
        }
        prev = c;
    }
    true
}

/// A checked identifier's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Id<'a> {
    /// The object type before `--`.
    pub object_type: &'a str,
    /// The UUID's version nibble.
    pub version: u8,
    /// Whether the UUID is written in lowercase.
    pub lowercase: bool,
}

/// Checks `type--UUID` (§2.9): a valid type name, and an RFC 4122 UUID (hex digits in
/// either case, as RFC 4122 §3 accepts on input; version 1 to 5; variant `10xx`).
pub(crate) fn parse_id(s: &str) -> Result<Id<'_>, &'static str> {
    let b = s.as_bytes();
    if b.len() < 38 + 3 {
        return Err("expected 'type--UUID'");
    }
    let cut = b.len() - 36;
    let (head, uuid) = (&b[..cut], &b[cut..]);
    if !head.ends_with(b"--") {
        return Err("expected 'type--UUID'");
    }
    let groups_hex = [
        &uuid[..8],
        &uuid[9..13],
        &uuid[14..18],
        &uuid[19..23],
        &uuid[24..],
    ]
    .iter()
    .all(|g| g.iter().all(u8::is_ascii_hexdigit));
    let is_uuid =
        uuid[8] == b'-' && uuid[13] == b'-' && uuid[18] == b'-' && uuid[23] == b'-' && groups_hex;
    if !is_uuid {
        return Err("the part after '--' is not a UUID (8-4-4-4-12 hexadecimal digits)");
    }
    let object_type = &s[..cut - 2];
    if !is_type_name(object_type) {
        return Err("the part before '--' is not a valid type name");
    }
    let nibble = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
    let version = nibble(uuid[14]);
    if !(1..=5).contains(&version) {
        return Err("the UUID is not an RFC 4122 UUID (its version must be 1 to 5)");
    }
    if nibble(uuid[19]) & 0b1100 != 0b1000 {
        return Err("the UUID is not an RFC 4122 UUID (its variant digit must be 8, 9, a or b)");
    }
    let lowercase = !uuid.iter().any(u8::is_ascii_uppercase);
    Ok(Id {
        object_type,
        version,
        lowercase,
    })
}

/// Checks one reference value: an identifier of an allowed type.
pub(crate) fn check_ref(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, targets: Targets) {
    let Some(s) = v.as_str() else {
        cx.wrong_type(at, "an identifier string 'type--UUID'", v);
        return;
    };
    match parse_id(s) {
        Err(why) => cx.error(
            at,
            "reference-format",
            format!(
                "'{}' is not an identifier: {}: {why}",
                at.display(),
                quote(s)
            ),
        ),
        Ok(id) if !targets.allows(id.object_type) => cx.error(
            at,
            "reference-target",
            format!(
                "'{}' must refer to {}, but {} is of type '{}'",
                at.display(),
                targets.describe(),
                quote(s),
                id.object_type
            ),
        ),
        Ok(_) => {}
    }
}

/// Checks a list of references.
pub(crate) fn check_refs(cx: &mut Cx<'_>, at: &Path<'_>, v: &Val<'_>, targets: Targets) {
    let Some(items) = super::props::non_empty_list(cx, at, v) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        check_ref(cx, &at.index(i), item, targets);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids() {
        let id = parse_id("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(
            (id.object_type, id.version, id.lowercase),
            ("indicator", 4, true)
        );
        assert!(parse_id("x-mitre-tactic--8E2E2D2B-17D4-5CBF-938F-98EE46B3CD3F").is_ok());
        for bad in [
            "indicator",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3",
            "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-6cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
            "in--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "x-foo---8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3é",
        ] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn target_rules() {
        let root = crate::val::Obj::default();
        let mut cx = Cx::new(&root);
        let p = Path::Root;
        let at = p.key("created_by_ref");
        check_ref(
            &mut cx,
            &at,
            &Val::of(&json!("campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")),
            Targets::Only(&["identity"]),
        );
        check_ref(
            &mut cx,
            &at,
            &Val::of(&json!("identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")),
            Targets::Only(&["identity"]),
        );
        assert_eq!(cx.findings.len(), 1);
        assert_eq!(cx.findings[0].rule, "reference-target");
        assert_eq!(cx.findings[0].pointer, "/created_by_ref");
        assert!(Targets::SdoOrSco.allows("x-mitre-tactic"));
        assert!(!Targets::SdoOrSco.allows("relationship"));
        assert!(!Targets::Sdo.allows("ipv4-addr"));
    }
}
