//! The visibility decision's cost per object, for each of its paths: unmarked
//! (the fast path), marked at object level (visible or hidden), granular markings
//! all covered, granular markings redacting, and an unmarked object whose text has
//! a `\u` escape (read at the top level). A full serde_json parse of the same
//! object is measured beside them for scale. Run with
//! `cargo bench -p vigil-access --bench view`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use std::hint::black_box;
use vigil_access::{needs_read_audit, tlp, view, view_value, Clearance, Policy, View};

/// A typical indicator (~1 KB compact), with `extra` properties added.
fn indicator(extra: Value) -> String {
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2024-03-01T10:12:03.000Z",
        "modified": "2024-03-02T08:00:00.000Z",
        "name": "Malicious C2 domain of the Sednit toolset",
        "description": "Domain observed as command-and-control for the X-Agent implant during the spring campaign against ministries; resolves to a rotating set of VPS hosts.",
        "indicator_types": ["malicious-activity", "attribution"],
        "pattern": "[domain-name:value = 'update-check.example-cdn.net'] OR [ipv4-addr:value = '203.0.113.77']",
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": "2024-03-01T10:12:03Z",
        "valid_until": "2025-03-01T10:12:03Z",
        "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "command-and-control"}],
        "labels": ["apt28", "c2", "domain"],
        "confidence": 85,
        "external_references": [
            {"source_name": "vendor-report", "url": "https://reports.example.org/sednit-2024", "description": "Spring 2024 Sednit activity"},
            {"source_name": "mitre-attack", "external_id": "T1071.001", "url": "https://attack.mitre.org/techniques/T1071/001"}
        ]
    });
    if let (Value::Object(o), Value::Object(extra)) = (&mut o, extra) {
        o.extend(extra);
    }
    serde_json::to_string(&o).unwrap()
}

fn bench(c: &mut Criterion) {
    let policy = Policy::default();
    let amber = Clearance::parse(&["TLP:AMBER"]).unwrap();
    let unmarked = indicator(json!({}));
    let marked = indicator(json!({"object_marking_refs": [tlp::TLP2_GREEN]}));
    let red = indicator(json!({"object_marking_refs": [tlp::TLP2_RED]}));
    let granular_covered = indicator(json!({
        "object_marking_refs": [tlp::TLP2_GREEN],
        "granular_markings": [{"marking_ref": tlp::TLP2_AMBER, "selectors": ["description", "labels.[0]"]}]
    }));
    let granular_redacting = indicator(json!({
        "object_marking_refs": [tlp::TLP2_GREEN],
        "granular_markings": [
            {"marking_ref": tlp::TLP2_RED, "selectors": ["description", "labels.[0]", "external_references.[0].url"]},
            {"marking_ref": tlp::TLP2_AMBER, "selectors": ["labels.[2]"]}
        ]
    }));
    let escaped = indicator(json!({"x_note": "caf\u{e9}"})).replace('\u{e9}', "\\u00e9");

    assert!(matches!(view(&policy, &amber, &unmarked), View::Whole(_)));
    assert!(matches!(view(&policy, &amber, &marked), View::Whole(_)));
    assert!(matches!(view(&policy, &amber, &red), View::Hidden));
    assert!(matches!(
        view(&policy, &amber, &granular_covered),
        View::Whole(_)
    ));
    assert!(matches!(
        view(&policy, &amber, &granular_redacting),
        View::Redacted(_)
    ));
    assert!(matches!(view(&policy, &amber, &escaped), View::Whole(_)));

    let mut g = c.benchmark_group("view");
    g.throughput(Throughput::Elements(1));
    for (name, json) in [
        ("unmarked", &unmarked),
        ("marked_visible", &marked),
        ("marked_hidden", &red),
        ("granular_covered", &granular_covered),
        ("granular_redacting", &granular_redacting),
        ("unmarked_escaped", &escaped),
    ] {
        g.bench_function(name, |b| b.iter(|| view(&policy, &amber, black_box(json))));
    }
    let value: Value = serde_json::from_str(&granular_redacting).unwrap();
    g.bench_function("value_granular_redacting", |b| {
        b.iter(|| view_value(&policy, &amber, black_box(&value)).is_some())
    });
    g.bench_function("needs_read_audit", |b| {
        b.iter(|| needs_read_audit(black_box(&granular_covered)))
    });
    g.bench_function("reference_serde_json_parse_value", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(&marked)).unwrap())
    });
    g.bench_function("reference_serde_json_validate", |b| {
        b.iter(|| serde_json::from_str::<serde::de::IgnoredAny>(black_box(&marked)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
