//! Property tests of the pattern engine:
//! - a pattern's normalised form parses back to the same tree;
//! - a pattern's verdict is the same from `Pattern::matches` and from an
//!   `IndicatorSet` holding it among 10,000 others;
//! - adding then revoking an indicator leaves the set's answers as before.

use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use vigil_pattern::{observation, Entry, Hit, IndicatorSet, Observation, Pattern, StixVersion};

const IPS: &[&str] = &[
    "198.51.100.7",
    "198.51.100.8",
    "203.0.113.9",
    "10.1.2.3",
    "2001:db8::1",
];
const DOMAINS: &[&str] = &[
    "evil.example",
    "good.example",
    "c2.evil.example",
    "mail.example",
];
const NAMES: &[&str] = &["a.exe", "b.dll", "invoice.pdf", "A.EXE"];
const MD5S: &[&str] = &[
    "0123456789abcdef0123456789abcdef",
    "fedcba9876543210fedcba9876543210",
];
const NETS: &[&str] = &[
    "198.51.100.0/24",
    "203.0.113.0/25",
    "10.0.0.0/8",
    "2001:db8::/32",
    "198.51.100.7/32",
];
const LIKES: &[&str] = &["%.example", "evil%", "%.exe", "_.dll", "%"];
const REGEXES: &[&str] = &["^c2\\.", "\\.exe$", "(?i)A\\.EXE", "^[0-9a-f]{32}$", "evil"];

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// One comparison, as pattern text.
fn comparison() -> impl Strategy<Value = String> {
    let pick = |v: &'static [&'static str]| prop::sample::select(v.to_vec());
    prop_oneof![
        pick(IPS).prop_map(|v| format!("ipv4-addr:value = {}", quote(v))),
        pick(DOMAINS).prop_map(|v| format!("domain-name:value = {}", quote(v))),
        pick(NAMES).prop_map(|v| format!("file:name = {}", quote(v))),
        pick(MD5S).prop_map(|v| format!("file:hashes.MD5 = {}", quote(v))),
        pick(MD5S).prop_map(|v| format!("file:hashes.'MD5' != {}", quote(v))),
        (pick(IPS), pick(IPS)).prop_map(|(a, b)| format!(
            "ipv4-addr:value IN ({}, {})",
            quote(a),
            quote(b)
        )),
        pick(NETS).prop_map(|v| format!("ipv4-addr:value ISSUBSET {}", quote(v))),
        pick(NETS).prop_map(|v| format!("network-traffic:dst_ref.value ISSUBSET {}", quote(v))),
        pick(LIKES).prop_map(|v| format!("domain-name:value LIKE {}", quote(v))),
        pick(LIKES).prop_map(|v| format!("file:name NOT LIKE {}", quote(v))),
        pick(REGEXES).prop_map(|v| format!("domain-name:value MATCHES {}", quote(v))),
        pick(REGEXES).prop_map(|v| format!("file:name MATCHES {}", quote(v))),
        (0i64..3000).prop_map(|n| format!("file:size > {n}")),
        (0i64..3000).prop_map(|n| format!("file:size <= {n}.5")),
        prop::sample::select(vec![443i64, 80, 53])
            .prop_map(|n| format!("network-traffic:dst_port = {n}")),
        Just("network-traffic:protocols[*] = 'tcp'".to_string()),
        Just("network-traffic:protocols[0] = 'udp'".to_string()),
        Just("EXISTS file:hashes.MD5".to_string()),
        Just("NOT EXISTS file:size".to_string()),
        Just("domain-name:resolves_to_refs[*].value = '203.0.113.9'".to_string()),
    ]
}

/// A comparison expression: comparisons joined by AND / OR, nested.
fn comparison_expr() -> impl Strategy<Value = String> {
    comparison().prop_recursive(3, 8, 3, |inner| {
        (prop::collection::vec(inner, 2..4), any::<bool>())
            .prop_map(|(v, and)| format!("({})", v.join(if and { " AND " } else { " OR " })))
    })
}

/// A whole pattern: observation expressions joined and qualified.
fn pattern_text() -> impl Strategy<Value = String> {
    let leaf = comparison_expr().prop_map(|c| format!("[{c}]"));
    leaf.prop_recursive(3, 6, 3, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 2..4), 0..3usize).prop_map(|(v, op)| {
                let sep = [" AND ", " OR ", " FOLLOWEDBY "][op];
                format!("({})", v.join(sep))
            }),
            (inner.clone(), 1u32..4).prop_map(|(e, n)| format!("({e}) REPEATS {n} TIMES")),
            (inner.clone(), 1u32..30).prop_map(|(e, n)| format!("({e}) WITHIN {n} SECONDS")),
            inner.prop_map(|e| format!(
                "({e}) START t'2024-03-01T00:00:00Z' STOP t'2024-03-01T00:00:20Z'"
            )),
        ]
    })
}

/// One observation: a few objects drawn from the same values the patterns use.
fn observation_value() -> impl Strategy<Value = Value> {
    let pick = |v: &'static [&'static str]| prop::sample::select(v.to_vec());
    (
        pick(IPS),
        pick(DOMAINS),
        pick(NAMES),
        pick(MD5S),
        0u64..3000,
        prop::sample::select(vec![443u64, 80, 53]),
        prop::sample::select(vec!["tcp", "udp"]),
        0u8..16,
        1u64..3,
    )
        .prop_map(|(ip, domain, name, md5, size, port, proto, which, count)| {
            let mut objects = serde_json::Map::new();
            if which & 1 != 0 {
                objects.insert("0".into(), json!({"type": "ipv4-addr", "value": ip}));
                objects.insert(
                    "1".into(),
                    json!({"type": "network-traffic", "dst_ref": "0", "dst_port": port, "protocols": [proto]}),
                );
            }
            if which & 2 != 0 {
                objects.insert("2".into(), json!({"type": "domain-name", "value": domain, "resolves_to_refs": ["3"]}));
                objects.insert("3".into(), json!({"type": "ipv4-addr", "value": "203.0.113.9"}));
            }
            if which & 4 != 0 {
                objects.insert("4".into(), json!({"type": "file", "name": name, "size": size, "hashes": {"MD5": md5}}));
            }
            if which & 8 != 0 || objects.is_empty() {
                objects.insert("5".into(), json!({"type": "file", "name": name}));
            }
            json!({"type": "observed-data", "number_observed": count, "objects": objects})
        })
}

/// Observations in time order, a few seconds apart.
fn observations() -> impl Strategy<Value = Vec<Observation>> {
    (prop::collection::vec((observation_value(), 0u64..8), 1..7)).prop_map(|v| {
        let mut t = 1_709_251_200u64; // 2024-03-01T00:00:00Z
        let items: Vec<Value> = v
            .into_iter()
            .enumerate()
            .map(|(i, (mut o, gap))| {
                t += gap;
                let ts = format!("2024-03-01T00:00:{:02}Z", t - 1_709_251_200);
                o["id"] = json!(format!("observed-data--00000000-0000-4000-8000-{i:012}"));
                o["first_observed"] = json!(ts);
                o["last_observed"] = json!(ts);
                o
            })
            .collect();
        observation::from_json(&Value::Array(items), StixVersion::V20)
            .expect("generated observations")
    })
}

/// 10,000 other indicators, from the same value pools (so they are candidates
/// for the same observations) and beyond them.
fn others() -> &'static [Entry] {
    static OTHERS: OnceLock<Vec<Entry>> = OnceLock::new();
    OTHERS.get_or_init(|| {
        (0..10_000)
            .map(|i| {
                let text = match i % 5 {
                    0 => format!("[ipv4-addr:value = '198.51.{}.{}']", i / 250 % 250, i % 250),
                    1 => format!(
                        "[domain-name:value = 'host{i}.example' OR domain-name:value = '{}']",
                        DOMAINS[i % DOMAINS.len()]
                    ),
                    2 => format!("[ipv4-addr:value ISSUBSET '10.{}.0.0/16']", i % 256),
                    3 => format!("[file:name LIKE '{}%']", &NAMES[i % NAMES.len()][..1]),
                    _ => format!("[file:hashes.MD5 = '{:032x}']", i),
                };
                Entry {
                    id: format!("indicator--other-{i}").into(),
                    pattern: Pattern::parse_version(&text, StixVersion::V20)
                        .expect("background pattern"),
                    valid_from: None,
                    valid_until: None,
                }
            })
            .collect()
    })
}

fn stream(set: &mut IndicatorSet, obs: &[Observation]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for o in obs {
        set.push(o, &mut hits);
    }
    hits
}

fn is_single(p: &Pattern) -> bool {
    matches!(p.root(), vigil_pattern::ObsExpr::Leaf(_))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn normalised_form_parses_to_the_same_tree(text in pattern_text()) {
        let p = Pattern::parse_version(&text, StixVersion::V20).expect("generated pattern parses");
        let norm = p.to_string();
        let again = Pattern::parse_version(&norm, StixVersion::V20).expect("normalised form parses");
        prop_assert_eq!(&again, &p, "{}", norm);
        prop_assert_eq!(again.to_string(), norm);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn set_agrees_with_the_pattern_among_ten_thousand(text in pattern_text(), obs in observations()) {
        let p = Pattern::parse_version(&text, StixVersion::V20).expect("generated pattern parses");
        let mut set = IndicatorSet::new();
        for e in others() {
            set.insert(e.clone());
        }
        let id: Arc<str> = "indicator--under-test".into();
        set.insert(Entry { id: id.clone(), pattern: p.clone(), valid_from: None, valid_until: None });
        let hits: Vec<Hit> = stream(&mut set, &obs).into_iter().filter(|h| h.indicator == id).collect();
        if is_single(&p) {
            // Each observation on its own.
            for (i, o) in obs.iter().enumerate() {
                let Ok(alone) = p.matches(std::slice::from_ref(o)) else { continue };
                let hit = hits.iter().any(|h| h.observations == [i as u64]);
                prop_assert_eq!(alone.is_some(), hit, "{} on observation {}", text, i);
            }
        } else if let Ok(whole) = p.matches(&obs) {
            prop_assert_eq!(whole.is_some(), !hits.is_empty(), "{}: pattern {:?}, set {:?}", text, whole, hits);
        }
    }

    #[test]
    fn adding_then_revoking_leaves_answers_as_before(text in pattern_text(), obs in observations()) {
        let p = Pattern::parse_version(&text, StixVersion::V20).expect("generated pattern parses");
        let mut before = IndicatorSet::new();
        let mut after = IndicatorSet::new();
        for e in others() {
            before.insert(e.clone());
            after.insert(e.clone());
        }
        after.insert(Entry { id: "indicator--passing".into(), pattern: p, valid_from: None, valid_until: None });
        prop_assert!(after.remove("indicator--passing"));
        prop_assert!(!after.remove("indicator--passing"));
        prop_assert_eq!(after.len(), before.len());
        prop_assert_eq!(stream(&mut after, &obs), stream(&mut before, &obs));
    }
}
