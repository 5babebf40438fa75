//! STIX identifiers (STIX 2.1 §2.9): `object-type--UUID`.

/// A syntactically checked STIX identifier, split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identifier<'a> {
    /// The object type before `--`.
    pub object_type: &'a str,
    /// The UUID after `--`, lowercase-checked.
    pub uuid: &'a str,
    /// The UUID's version nibble (4 for random, 5 for name-based, ...).
    pub uuid_version: u8,
    /// Whether the UUID has the RFC 4122 variant bits (`10xx`).
    pub rfc4122_variant: bool,
}

/// Why a string is not a STIX identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdError(pub String);

/// Whether `t` is a well-formed STIX type name (§3.1): 3 to 250 characters of
/// `a-z`, `0-9` and `-`.
pub fn is_type_name(t: &str) -> bool {
    (3..=250).contains(&t.len())
        && t.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// Whether `s` is a UUID in canonical 8-4-4-4-12 hex form (either case).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

impl<'a> Identifier<'a> {
    /// Parses `type--uuid`. The UUID must be canonical lowercase hex.
    pub fn parse(s: &'a str) -> Result<Identifier<'a>, IdError> {
        let Some((object_type, uuid)) = s.split_once("--") else {
            return Err(IdError(format!(
                "'{s}' is not a STIX identifier: expected 'type--UUID'"
            )));
        };
        // A type may itself contain '--' only if malformed; the UUID is the last 36 chars.
        let (object_type, uuid) = if uuid.len() > 36 && s.len() > 38 {
            let cut = s.len() - 36;
            (&s[..cut - 2], &s[cut..])
        } else {
            (object_type, uuid)
        };
        if !is_type_name(object_type) {
            return Err(IdError(format!(
                "'{s}' is not a STIX identifier: '{object_type}' is not a valid type name"
            )));
        }
        if !is_uuid(uuid) {
            return Err(IdError(format!(
                "'{s}' is not a STIX identifier: '{uuid}' is not a UUID"
            )));
        }
        if uuid.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err(IdError(format!(
                "'{s}' is not a STIX identifier: the UUID must be lowercase"
            )));
        }
        let nib = |i: usize| (uuid.as_bytes()[i] as char).to_digit(16).unwrap_or(0) as u8;
        Ok(Identifier {
            object_type,
            uuid,
            uuid_version: nib(14),
            rfc4122_variant: (nib(19) & 0b1100) == 0b1000,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts() {
        let id = Identifier::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.object_type, "indicator");
        assert_eq!(id.uuid_version, 4);
        assert!(id.rfc4122_variant);
        let id = Identifier::parse("x-mitre-data-component--8e2e2d2b-17d4-5cbf-a38f-98ee46b3cd3f")
            .unwrap();
        assert_eq!(id.object_type, "x-mitre-data-component");
        assert_eq!(id.uuid_version, 5);
        assert!(id.rfc4122_variant);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "indicator",
            "indicator--",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8E2E2D2B-17d4-4cbf-938f-98ee46b3cd3f",
            "in--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b17d4-4cbf-938f-98ee46b3cd3ff",
        ] {
            assert!(Identifier::parse(bad).is_err(), "{bad}");
        }
    }
}
