//! Versions through the CLI: newer wins, late older versions are history only,
//! one instant in two precisions is one version, revoked objects leave search
//! and neighbours but stay readable, and --as-of reads the past.

mod common;
use common::*;
use serde_json::json;

const ID: &str = "intrusion-set--4e0d4b8c-5c1a-4b4b-8f8e-9a2f0e6c1d11";
const TOOL: &str = "tool--7d9e4b2a-1c3f-4e5d-9a8b-6c7d8e9f0a1b";
const REL: &str = "relationship--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

fn group(modified: &str, name: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut o = json!({"type": "intrusion-set", "spec_version": "2.1", "id": ID,
        "created": "2020-01-01T00:00:00.000Z", "modified": modified, "name": name,
        "aliases": ["Lantern Typhoon"]});
    for (k, v) in extra.as_object().unwrap() {
        o[k] = v.clone();
    }
    o
}

fn import(dir: &TempDir, name: &str, objects: Vec<serde_json::Value>) -> serde_json::Value {
    let f = dir.join(name);
    let bundle = json!({"type": "bundle", "id": "bundle--1f2e3d4c-5b6a-4798-8a6b-5c4d3e2f1a0b", "objects": objects});
    std::fs::write(&f, serde_json::to_vec_pretty(&bundle).unwrap()).unwrap();
    let (out, r) = run_json(vigil(
        &dir.join("data"),
        &["import", "--json", f.to_str().unwrap()],
    ));
    assert!(out.status.success(), "{}", stdout(&out));
    r
}

fn name_now(dir: &TempDir, extra: &[&str]) -> String {
    let mut args = vec!["get", ID, "--json"];
    args.extend_from_slice(extra);
    let (out, o) = run_json(vigil(&dir.join("data"), &args));
    assert!(out.status.success(), "{}", stderr(&out));
    o["name"].as_str().unwrap().to_string()
}

#[test]
fn versions_through_the_cli() {
    let dir = TempDir::new("versions");
    let tool = json!({"type": "tool", "spec_version": "2.1", "id": TOOL, "created": "2020-01-01T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z", "name": "Lamplighter"});
    let rel = json!({"type": "relationship", "spec_version": "2.1", "id": REL, "created": "2020-01-01T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z", "relationship_type": "uses", "source_ref": ID, "target_ref": TOOL});
    let r = import(
        &dir,
        "v2.json",
        vec![
            group("2022-01-01T00:00:00.000Z", "Lantern v2", json!({})),
            tool,
            rel,
        ],
    );
    assert_eq!(r["added"], 3);

    // Newer wins.
    let r = import(
        &dir,
        "v3.json",
        vec![group("2023-01-01T00:00:00.000Z", "Lantern v3", json!({}))],
    );
    assert_eq!(r["updated"], 1);
    assert_eq!(name_now(&dir, &[]), "Lantern v3");

    // An older version arriving late is kept, but does not become current.
    let r = import(
        &dir,
        "v1.json",
        vec![group("2021-01-01T00:00:00.000Z", "Lantern v1", json!({}))],
    );
    assert_eq!(r["older"], 1);
    assert_eq!(name_now(&dir, &[]), "Lantern v3");

    // The same instant in another precision is the same version.
    let r = import(
        &dir,
        "v3b.json",
        vec![group(
            "2023-01-01T00:00:00.000000Z",
            "Lantern v3",
            json!({}),
        )],
    );
    assert_eq!(r["unchanged"], 1);

    // History has every version, oldest first.
    let (_, h) = run_json(vigil(&dir.join("data"), &["history", ID, "--json"]));
    let names: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Lantern v1", "Lantern v2", "Lantern v3"]);

    // As of a past instant.
    assert_eq!(
        name_now(&dir, &["--as-of", "2022-06-01T00:00:00Z"]),
        "Lantern v2"
    );
    assert_eq!(name_now(&dir, &["--as-of", "2021-01-01"]), "Lantern v1");
    assert_eq!(
        name_now(&dir, &["--as-of", "2023-01-01T00:00:00.000Z"]),
        "Lantern v3"
    );
    let before = run(vigil(
        &dir.join("data"),
        &["get", ID, "--as-of", "2020-06-01"],
    ));
    assert_eq!(before.status.code(), Some(1));

    // Searchable and a neighbour of its tool ...
    let (_, hits) = run_json(vigil(&dir.join("data"), &["search", "Lantern", "--json"]));
    assert_eq!(hits.as_array().unwrap().len(), 1);
    let (_, g) = run_json(vigil(&dir.join("data"), &["neighbors", TOOL, "--json"]));
    assert_eq!(g["nodes"].as_array().unwrap().len(), 2);

    // ... until revoked: then left out of both, but readable by id and in history.
    import(
        &dir,
        "revoked.json",
        vec![group(
            "2024-01-01T00:00:00.000Z",
            "Lantern v3",
            json!({"revoked": true}),
        )],
    );
    let none = run(vigil(&dir.join("data"), &["search", "Lantern", "--json"]));
    assert_eq!(stdout(&none).trim(), "[]");
    let (_, with) = run_json(vigil(
        &dir.join("data"),
        &["search", "Lantern", "--include-revoked", "--json"],
    ));
    assert_eq!(with.as_array().unwrap().len(), 1);
    let (_, g) = run_json(vigil(&dir.join("data"), &["neighbors", TOOL, "--json"]));
    assert_eq!(g["nodes"].as_array().unwrap().len(), 1);
    let (_, g) = run_json(vigil(
        &dir.join("data"),
        &["neighbors", TOOL, "--include-revoked", "--json"],
    ));
    assert_eq!(g["nodes"].as_array().unwrap().len(), 2);
    let (_, o) = run_json(vigil(&dir.join("data"), &["get", ID, "--json"]));
    assert_eq!(o["revoked"], true);
    let (_, h) = run_json(vigil(&dir.join("data"), &["history", ID, "--json"]));
    assert_eq!(h.as_array().unwrap().len(), 4);
    let (out, _) = run_json(vigil(&dir.join("data"), &["verify", "--json"]));
    assert!(out.status.success());
}
