//! What a hit says was matched: the values the pattern's comparisons hold
//! on, not every value of that type in the record.

mod common;
use common::*;
use serde_json::{json, Value};

fn indicator(n: u32, pattern: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": format!("i{n}"), "pattern": pattern, "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    })
}

#[test]
fn matched_names_the_values_the_comparisons_hold_on() {
    let dir = TempDir::new("hunt-matched");
    let data = dir.join("data");
    let bundle = json!({"type": "bundle", "id": "bundle--6d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
        indicator(1, "[domain-name:value = 'evil.example']"),
        indicator(2, "[domain-name:value = 'cdn.example']"),
        indicator(3, "[domain-name:resolves_to_refs[*].value = '192.0.2.7']"),
    ]});
    let file = dir.join("i.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    assert!(run(vigil(&data, &["import", "-q", file.to_str().unwrap()]))
        .status
        .success());
    // A DNS answer may be a name (a CNAME) as well as an address.
    let log = dir.join("dns.log");
    std::fs::write(
        &log,
        "{\"ts\":1767225600.5,\"uid\":\"D1\",\"id.orig_h\":\"10.0.0.2\",\"id.orig_p\":5353,\"id.resp_h\":\"10.0.0.1\",\"id.resp_p\":53,\"proto\":\"udp\",\"query\":\"evil.example\",\"qtype_name\":\"A\",\"answers\":[\"cdn.example\",\"192.0.2.7\"]}\n",
    )
    .unwrap();
    let out = run(vigil(
        &data,
        &["--json", "hunt", "--dry-run", log.to_str().unwrap()],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut got: Vec<(String, Value)> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|h| {
            (
                h["indicator_name"].as_str().unwrap().to_string(),
                h["matched"].clone(),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            ("i1".to_string(), json!(["evil.example"])),
            ("i2".to_string(), json!(["cdn.example"])),
            ("i3".to_string(), json!(["192.0.2.7"])),
        ]
    );
}
