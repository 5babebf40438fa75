//! What the fuzz targets (`fuzz/`) run, shared with the test that replays the
//! inputs that once crashed them. Not part of the API.

use crate::{IndicatorSet, Observation, Pattern, StixVersion};

/// Parses arbitrary bytes as a pattern under both grammars. On success the
/// normalised form must parse back to an equal tree and print the same
/// again; on failure the error's span must lie inside the input. Panics only
/// on a bug.
pub fn parse_pattern(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for version in [StixVersion::V21, StixVersion::V20] {
        match Pattern::parse_version(text, version) {
            Ok(p) => {
                let _ = p.check();
                let norm = p.to_string();
                let again = Pattern::parse_version(&norm, version)
                    .unwrap_or_else(|e| panic!("normalised form {norm:?} does not parse: {e}"));
                assert_eq!(again, p, "normalised form {norm:?} parses to another tree");
                assert_eq!(again.to_string(), norm, "normalised form is not stable");
            }
            Err(e) => {
                assert!(
                    e.span.0 <= e.span.1 && e.span.1 <= text.len(),
                    "span {:?} outside the input",
                    e.span
                );
                assert!(
                    text.is_char_boundary(e.span.0) && text.is_char_boundary(e.span.1),
                    "span {:?} splits a character",
                    e.span
                );
            }
        }
    }
}

/// Fixed observations for [`match_pattern`] when the input brings none.
const OBSERVATIONS: &str = r#"[
 {"type": "observed-data", "id": "observed-data--00000000-0000-4000-8000-000000000001", "first_observed": "2024-03-01T00:00:00Z", "last_observed": "2024-03-01T00:00:00Z", "number_observed": 1,
  "objects": {"0": {"type": "ipv4-addr", "value": "198.51.100.7"}, "1": {"type": "network-traffic", "src_ref": "0", "dst_port": 443, "protocols": ["tcp"]},
              "2": {"type": "file", "name": "a.exe", "size": 1024, "hashes": {"MD5": "0123456789abcdef0123456789abcdef"}}}},
 {"type": "observed-data", "id": "observed-data--00000000-0000-4000-8000-000000000002", "first_observed": "2024-03-01T00:00:05Z", "last_observed": "2024-03-01T00:00:06Z", "number_observed": 3,
  "objects": {"0": {"type": "domain-name", "value": "evil.example", "resolves_to_refs": ["1"]}, "1": {"type": "ipv4-addr", "value": "203.0.113.9"},
              "2": {"type": "url", "value": "http://evil.example/x?y=1"}}}
]"#;

/// Matches a pattern (the input's first line) against observations (the
/// rest, as JSON; or fixed ones), with [`Pattern::matches`] and through an
/// [`IndicatorSet`]; the two must agree on single-observation patterns.
/// Panics only on a bug.
pub fn match_pattern(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, rest) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(p) = Pattern::parse_version(pattern, StixVersion::V20) else {
        return;
    };
    let value: serde_json::Value = serde_json::from_str(rest)
        .or_else(|_| serde_json::from_str(OBSERVATIONS))
        .expect("fixed observations are JSON");
    let Ok(obs) = crate::observation::from_json(&value, StixVersion::V20) else {
        return;
    };
    let obs: Vec<Observation> = obs.into_iter().take(8).collect();
    let whole = p.matches(&obs);
    let mut set = IndicatorSet::new();
    set.insert(crate::Entry {
        id: "indicator--fuzz".into(),
        pattern: p.clone(),
        valid_from: None,
        valid_until: None,
    });
    let mut hits = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        let before = hits.len();
        set.push(o, &mut hits);
        if matches!(p.root(), crate::ObsExpr::Leaf(_)) {
            let alone = p.matches(std::slice::from_ref(o));
            if let Ok(alone) = alone {
                assert_eq!(
                    alone.is_some(),
                    hits.len() > before,
                    "observation {i}: the set and the pattern disagree"
                );
            }
        }
    }
    if let Ok(whole) = whole {
        if whole.is_none() {
            assert!(hits.is_empty(), "the set matched what the pattern does not");
        }
    }
}
