//! Random objects, markings and clearances against an independent oracle: what
//! `view` returns must be exactly what the oracle computes, so nothing covered by
//! a marking the clearance does not cover survives, and everything else comes
//! back byte for byte (key order, number text).
//!
//! The oracle works differently from the crate: it removes content by walking
//! the object and skipping every node a selector of an uncovered marking names,
//! and renumbers the selectors that stay by counting, textually, the removed
//! siblings before each index.

use proptest::prelude::*;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use vigil_access::{view, view_value, Clearance, Policy};

const TLP: [(&str, u8); 9] = [
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        0,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        1,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        2,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        4,
    ),
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        0,
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        1,
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        2,
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        3,
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        4,
    ),
];
const NAMES: [&str; 5] = [
    "TLP:CLEAR",
    "tlp:green",
    "TLP:Amber",
    "TLP:AMBER+STRICT",
    "TLP:RED",
];
const COMPARTMENTS: [&str; 3] = [
    "marking-definition--0a0a0a0a-1111-4222-8333-444444444444",
    "marking-definition--0b0b0b0b-1111-4222-8333-444444444444",
    "marking-definition--0c0c0c0c-1111-4222-8333-444444444444",
];
/// A marking no clearance names.
const UNKNOWN: &str = "marking-definition--0d0d0d0d-1111-4222-8333-444444444444";
const PROTECTED: [&str; 5] = [
    "id",
    "type",
    "spec_version",
    "object_marking_refs",
    "granular_markings",
];

/// Every marking an object may carry.
fn pool() -> Vec<&'static str> {
    TLP.iter()
        .map(|(id, _)| *id)
        .chain(COMPARTMENTS)
        .chain([UNKNOWN])
        .collect()
}

/// The oracle's clearance: a TLP level and compartments, or everything.
#[derive(Debug, Clone)]
struct Cleared {
    level: u8,
    compartments: Vec<&'static str>,
    full: bool,
}

impl Cleared {
    fn covers(&self, m: &str) -> bool {
        self.full
            || match TLP.iter().find(|(id, _)| *id == m) {
                Some((_, l)) => *l <= self.level,
                None => self.compartments.contains(&m),
            }
    }

    /// The same clearance as the crate parses it.
    fn clearance(&self, by_id: bool) -> Clearance {
        if self.full {
            return Clearance::full();
        }
        let mut items: Vec<String> = self.compartments.iter().map(|c| c.to_string()).collect();
        if self.level > 0 || by_id {
            // A TLP item by name or by one of its ids.
            let item = if by_id {
                TLP.iter().rev().find(|(_, l)| *l == self.level).unwrap().0
            } else {
                NAMES[self.level as usize]
            };
            items.push(item.to_owned());
        }
        Clearance::parse(&items).unwrap()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum P {
    Key(String),
    Idx(usize),
}

fn parse_selector(s: &str) -> Vec<P> {
    s.split('.')
        .map(|p| match p.strip_prefix('[') {
            Some(n) => P::Idx(n.trim_end_matches(']').parse().unwrap()),
            None => P::Key(p.to_owned()),
        })
        .collect()
}

fn write_selector(parts: &[P]) -> String {
    parts
        .iter()
        .map(|p| match p {
            P::Key(k) => k.clone(),
            P::Idx(i) => format!("[{i}]"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `value` without the nodes whose path is in `removed`.
fn prune(value: &Value, path: &mut Vec<P>, removed: &[Vec<P>]) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                path.push(P::Key(k.clone()));
                if !removed.contains(path) {
                    out.insert(k.clone(), prune(v, path, removed));
                }
                path.pop();
            }
            Value::Object(out)
        }
        Value::Array(list) => {
            let mut out = Vec::new();
            for (i, v) in list.iter().enumerate() {
                path.push(P::Idx(i));
                if !removed.contains(path) {
                    out.push(prune(v, path, removed));
                }
                path.pop();
            }
            Value::Array(out)
        }
        other => other.clone(),
    }
}

/// A kept selector after the cuts: gone if a cut covers it, its indices lowered
/// by the removed siblings before them.
fn renumber(sel: &[P], removed: &[Vec<P>]) -> Option<Vec<P>> {
    if removed.iter().any(|r| sel.starts_with(r)) {
        return None;
    }
    let mut out = Vec::new();
    for (p, part) in sel.iter().enumerate() {
        match part {
            P::Key(_) => out.push(part.clone()),
            P::Idx(i) => {
                let before: BTreeSet<usize> = removed
                    .iter()
                    .filter(|r| r.len() == p + 1 && r[..p] == sel[..p])
                    .filter_map(|r| match r[p] {
                        P::Idx(j) if j < *i => Some(j),
                        _ => None,
                    })
                    .collect();
                out.push(P::Idx(i - before.len()));
            }
        }
    }
    Some(out)
}

/// What the holder of `cleared` must receive of `object`, as compact JSON.
fn oracle(default: &str, cleared: &Cleared, object: &Map<String, Value>) -> Option<String> {
    let refs: Vec<&str> = object
        .get("object_marking_refs")
        .map(|v| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect()
        })
        .unwrap_or_default();
    let visible = if refs.is_empty() {
        cleared.covers(default)
    } else {
        refs.iter().all(|m| cleared.covers(m))
    };
    if !visible {
        return None;
    }
    let entries: &[Value] = object
        .get("granular_markings")
        .map(|g| g.as_array().unwrap().as_slice())
        .unwrap_or_default();
    let covered = |e: &Value| {
        e.get("marking_ref")
            .is_none_or(|m| cleared.covers(m.as_str().unwrap()))
    };
    let selectors = |e: &Value| -> Vec<Vec<P>> {
        e["selectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| parse_selector(s.as_str().unwrap()))
            .collect()
    };
    let removed: Vec<Vec<P>> = entries
        .iter()
        .filter(|e| !covered(e))
        .flat_map(selectors)
        .collect();
    if removed
        .iter()
        .any(|r| matches!(&r[0], P::Key(k) if PROTECTED.contains(&k.as_str())))
    {
        return None;
    }
    let mut out = Map::new();
    for (k, v) in object {
        if k == "granular_markings" {
            let mut kept = Vec::new();
            for e in entries.iter().filter(|e| covered(e)) {
                let sels: Vec<Value> = selectors(e)
                    .iter()
                    .filter_map(|s| renumber(s, &removed))
                    .map(|s| Value::String(write_selector(&s)))
                    .collect();
                if !sels.is_empty() {
                    let mut e = e.clone();
                    e["selectors"] = Value::Array(sels);
                    kept.push(e);
                }
            }
            if !kept.is_empty() {
                out.insert(k.clone(), Value::Array(kept));
            }
        } else {
            let mut path = vec![P::Key(k.clone())];
            if !removed.contains(&path) {
                out.insert(k.clone(), prune(v, &mut path, &removed));
            }
        }
    }
    Some(serde_json::to_string(&out).unwrap())
}

fn number() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        "0",
        "-7",
        "1.50",
        "1e5",
        "2.0E-3",
        "123456789012345678901234567890",
    ])
    .prop_map(|n| serde_json::from_str(n).unwrap())
}

fn text() -> impl Strategy<Value = Value> {
    // Some need escaping on output (`\"`, `\u0001`), which sends `view` the slow way.
    prop::sample::select(vec!["x", "café", "a\"b", "\u{1}", "marking", "日本"])
        .prop_map(|s| Value::String(s.to_owned()))
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "description", "labels", "x-y", "k_1"])
        .prop_map(String::from)
}

fn tree() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![any::<bool>().prop_map(Value::Bool), number(), text()];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Every path in `value` below `path`, as selectors.
fn paths(value: &Value, path: &mut Vec<P>, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(P::Key(k.clone()));
                out.push(write_selector(path));
                paths(v, path, out);
                path.pop();
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                path.push(P::Idx(i));
                out.push(write_selector(path));
                paths(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// An object, its markings, and a clearance.
#[derive(Debug, Clone)]
struct Case {
    object: Map<String, Value>,
    default: &'static str,
    cleared: Cleared,
    by_id: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let props = prop::collection::vec((key(), tree()), 0..5);
    props
        .prop_flat_map(|props| {
            let mut body = Map::new();
            body.insert("type".into(), "x-thing".into());
            body.insert("spec_version".into(), "2.1".into());
            body.insert("id".into(), "x-thing--1".into());
            body.extend(props);
            let mut selectors = Vec::new();
            paths(
                &Value::Object(body.clone()),
                &mut Vec::new(),
                &mut selectors,
            );
            // The properties that make the object one: once, so that most cases redact.
            selectors.retain(|s| !PROTECTED.contains(&s.as_str()));
            selectors.extend(["id", "zz.[1]", "zz.[0]", "labels.[9]"].map(String::from));
            let pool = pool();
            let entry = (
                prop::option::weighted(0.85, prop::sample::select(pool.clone())),
                prop::collection::vec(prop::sample::select(selectors), 1..4),
            );
            let refs = prop::option::weighted(
                0.4,
                prop::collection::vec(prop::sample::select(pool.clone()), 0..3),
            );
            let granular = prop::collection::vec(entry, 0..5);
            let cleared = (
                prop_oneof![0u8..5, 2u8..5],
                prop::sample::subsequence(COMPARTMENTS.to_vec(), 0..=3),
                prop::bool::weighted(0.05),
            )
                .prop_map(|(level, compartments, full)| Cleared {
                    level,
                    compartments,
                    full,
                });
            let default = prop::sample::select(vec![pool[4], pool[5], pool[6], COMPARTMENTS[0]]);
            let len = body.len();
            (
                Just(body),
                refs,
                granular,
                cleared,
                default,
                any::<bool>(),
                0..=len,
                0..=len,
            )
        })
        .prop_map(
            |(body, refs, granular, cleared, default, by_id, at_refs, at_granular)| {
                let mut items: Vec<(String, Value)> = body.into_iter().collect();
                if let Some(refs) = refs {
                    items.insert(
                        at_refs.min(items.len()),
                        ("object_marking_refs".into(), refs.into()),
                    );
                }
                if !granular.is_empty() {
                    let list = granular
                        .into_iter()
                        .map(|(marking, selectors)| {
                            let mut e = Map::new();
                            match marking {
                                Some(m) => e.insert("marking_ref".into(), m.into()),
                                None => e.insert("lang".into(), "de".into()),
                            };
                            e.insert("selectors".into(), selectors.into());
                            Value::Object(e)
                        })
                        .collect();
                    items.insert(
                        at_granular.min(items.len()),
                        ("granular_markings".into(), Value::Array(list)),
                    );
                }
                Case {
                    object: items.into_iter().collect(),
                    default,
                    cleared,
                    by_id,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn view_gives_exactly_what_the_clearance_covers(case in case()) {
        let json = serde_json::to_string(&case.object).unwrap();
        let policy = Policy { default_marking: case.default.to_owned() };
        let clearance = case.cleared.clearance(case.by_id);
        let expected = oracle(case.default, &case.cleared, &case.object);
        let got = view(&policy, &clearance, &json);
        prop_assert_eq!(got.text(), expected.as_deref(), "object {}", json);
        if let Some(text) = got.text() {
            // No marking the clearance does not cover is named in what is sent.
            for m in pool().into_iter().filter(|m| !case.cleared.covers(m)) {
                prop_assert!(!text.contains(m), "{} leaked in {}", m, text);
            }
        }
        let value = Value::Object(case.object.clone());
        let by_value = view_value(&policy, &clearance, &value).map(|v| serde_json::to_string(&v).unwrap());
        prop_assert_eq!(by_value, expected);
    }
}
