//! ATT&CK (Enterprise, Mobile, ICS) through the CLI: import counts against an
//! independent count of the raw JSON, lossless export of ATT&CK's custom
//! objects, and the analyst's lookups.

mod common;
use common::*;
use std::collections::{BTreeMap, HashMap};

fn attack_file(name: &str) -> std::path::PathBuf {
    if name.starts_with("enterprise") {
        repo().join("assets/attack").join(name)
    } else {
        data("attack").join(name)
    }
}

/// Per type, the number of distinct ids (the latest version of each), computed
/// from the raw JSON with serde_json alone.
fn expected_counts(objects: &[serde_json::Value]) -> BTreeMap<String, u64> {
    let mut latest: HashMap<&str, (&str, &str)> = HashMap::new();
    for o in objects {
        let id = o["id"].as_str().unwrap();
        let t = o["type"].as_str().unwrap();
        let m = o.get("modified").and_then(|m| m.as_str()).unwrap_or("");
        let e = latest.entry(id).or_insert((t, m));
        if m > e.1 {
            *e = (t, m);
        }
    }
    let mut counts = BTreeMap::new();
    for (t, _) in latest.values() {
        *counts.entry(t.to_string()).or_insert(0) += 1;
    }
    counts
}

fn check_bundle(name: &str) {
    let path = attack_file(name);
    let raw = unzstd(&path);
    let objects = objects_of(&raw);
    let expected = expected_counts(&objects);
    let dir = TempDir::new("attack");
    let (out, report) = run_json(vigil(
        dir.path(),
        &["import", "--json", path.to_str().unwrap()],
    ));
    assert!(
        out.status.success(),
        "{name}: import failed: {}",
        stdout(&out)
    );
    let by_type: BTreeMap<String, u64> = serde_json::from_value(report["by_type"].clone()).unwrap();
    assert_eq!(by_type, expected, "{name}: by_type");
    let total: u64 = expected.values().sum();
    assert_eq!(report["added"], total, "{name}: added");
    assert_eq!(report["invalid"], 0, "{name}: invalid");
    assert_eq!(report["updated"], 0);

    let (_, stats) = run_json(vigil(dir.path(), &["stats", "--json"]));
    assert_eq!(stats["objects"], total);
    let stats_by_type: BTreeMap<String, u64> =
        serde_json::from_value(stats["by_type"].clone()).unwrap();
    assert_eq!(stats_by_type, expected);

    // Every object, custom x-mitre-* ones included, comes back equal.
    let exported = export_by_id(dir.path(), &[]);
    assert_eq!(exported.len() as u64, total);
    let mut custom = 0;
    for o in &objects {
        let id = o["id"].as_str().unwrap();
        assert_eq!(
            exported.get(id),
            Some(o),
            "{name}: {id} changed on the way through"
        );
        custom += usize::from(o["type"].as_str().unwrap().starts_with("x-mitre-"));
    }
    assert!(custom > 0);

    // Importing again changes nothing.
    let (out, again) = run_json(vigil(
        dir.path(),
        &["import", "--json", path.to_str().unwrap()],
    ));
    assert!(out.status.success());
    assert_eq!(again["unchanged"], total);
    assert_eq!(again["added"], 0);
    let (out, _) = run_json(vigil(dir.path(), &["verify", "--json"]));
    assert!(
        out.status.success(),
        "store inconsistent after re-import: {}",
        stdout(&out)
    );
}

#[test]
fn enterprise_counts_and_lossless_export() {
    check_bundle("enterprise-attack-18.1.json.zst");
}

#[test]
fn mobile_counts_and_lossless_export() {
    check_bundle("mobile-attack-18.1.json.zst");
}

#[test]
fn ics_counts_and_lossless_export() {
    check_bundle("ics-attack-18.1.json.zst");
}

/// One store with the bundled ATT&CK, shared by the lookup tests.
fn attack_store() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = TempDir::new("attack-init");
        let out = run(vigil(d.path(), &["init"]));
        assert!(out.status.success(), "init: {}", stderr(&out));
        d
    })
    .path()
}

fn ext_ids(o: &serde_json::Value) -> Vec<String> {
    o["external_references"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["external_id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn get_by_attack_id_and_stix_id() {
    let d = attack_store();
    for (key, ty) in [
        ("T1059", "attack-pattern"),
        ("T1059.001", "attack-pattern"),
        ("G0022", "intrusion-set"),
        ("S0154", "malware"),
        ("TA0001", "x-mitre-tactic"),
        ("M1036", "course-of-action"),
        ("g0022", "intrusion-set"),
    ] {
        let (out, o) = run_json(vigil(d, &["get", key, "--json"]));
        assert!(out.status.success(), "get {key}: {}", stderr(&out));
        assert_eq!(o["type"], ty, "get {key}");
        assert!(
            ext_ids(&o).iter().any(|e| e.eq_ignore_ascii_case(key)),
            "get {key} gave {}",
            o["id"]
        );
        assert_ne!(o["revoked"], true);
        let id = o["id"].as_str().unwrap();
        let (_, same) = run_json(vigil(d, &["get", id, "--json"]));
        assert_eq!(same, o);
    }
    let (_, apt3) = run_json(vigil(d, &["get", "G0022", "--json"]));
    assert_eq!(apt3["name"], "APT3");
    let human = run(vigil(d, &["get", "G0022"]));
    assert!(
        stdout(&human).starts_with("intrusion-set  G0022  APT3"),
        "{}",
        stdout(&human)
    );
    let missing = run(vigil(d, &["get", "T9999"]));
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("no object matches 'T9999'"));
}

#[test]
fn search_finds_spearphishing_techniques() {
    let d = attack_store();
    let (out, hits) = run_json(vigil(
        d,
        &[
            "search",
            "spearphishing",
            "--type",
            "attack-pattern",
            "--limit",
            "10",
            "--json",
        ],
    ));
    assert!(out.status.success());
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 10);
    assert!(hits.iter().all(|h| h["type"] == "attack-pattern"
        && h["revoked"] != true
        && h["x_mitre_deprecated"] != true));
    let names: Vec<&str> = hits.iter().filter_map(|h| h["name"].as_str()).collect();
    assert!(
        names.iter().take(5).any(|n| n.starts_with("Spearphishing")),
        "{names:?}"
    );
    // Aliases and external ids are searchable too.
    let (_, by_alias) = run_json(vigil(d, &["search", "Gothic Panda", "--json"]));
    assert!(by_alias
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["name"] == "APT3"));
    let (_, by_ext) = run_json(vigil(d, &["search", "T1566.001", "--json"]));
    assert_eq!(by_ext[0]["name"], "Spearphishing Attachment");
}

#[test]
fn neighbors_of_apt3() {
    let d = attack_store();
    let (out, g) = run_json(vigil(
        d,
        &[
            "neighbors",
            "G0022",
            "--depth",
            "2",
            "--rel",
            "uses",
            "--json",
        ],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    let nodes = g["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["external_id"], "G0022");
    let depth1: Vec<&serde_json::Value> = nodes.iter().filter(|n| n["depth"] == 1).collect();
    assert!(depth1.len() > 20, "APT3 uses many techniques and tools");
    assert!(depth1.iter().any(|n| n["type"] == "attack-pattern"));
    assert!(depth1
        .iter()
        .any(|n| n["type"] == "tool" || n["type"] == "malware"));
    assert!(nodes.iter().any(|n| n["depth"] == 2));
    assert!(g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["rel"] == "uses"));
    let human = run(vigil(d, &["neighbors", "G0022"]));
    assert!(stdout(&human).contains("--uses-->"), "{}", stdout(&human));
}

#[test]
fn revoked_attack_objects_stay_readable() {
    let d = attack_store();
    // ATT&CK keeps revoked techniques; find one through search with --include-revoked.
    let (_, all) = run_json(vigil(
        d,
        &[
            "search",
            "",
            "--type",
            "attack-pattern",
            "--include-revoked",
            "--limit",
            "2000",
            "--json",
        ],
    ));
    let revoked: Vec<&serde_json::Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["revoked"] == true)
        .collect();
    assert!(!revoked.is_empty());
    let (_, visible) = run_json(vigil(
        d,
        &[
            "search",
            "",
            "--type",
            "attack-pattern",
            "--limit",
            "2000",
            "--json",
        ],
    ));
    assert!(visible
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["revoked"] != true));
    let id = revoked[0]["id"].as_str().unwrap();
    let (out, o) = run_json(vigil(d, &["get", id, "--json"]));
    assert!(out.status.success());
    assert_eq!(o["revoked"], true);
    let (_, h) = run_json(vigil(d, &["history", id, "--json"]));
    assert_eq!(h.as_array().unwrap().len(), 1);
}

/// All three ATT&CK domains in one store: shared objects are one object, and
/// what MITRE publishes twice under one version with different content (an
/// intrusion set's `x_mitre_domains`) is reported as a conflict, by id.
#[test]
fn three_domains_in_one_store() {
    let files = [
        "enterprise-attack-18.1.json.zst",
        "mobile-attack-18.1.json.zst",
        "ics-attack-18.1.json.zst",
    ];
    let mut seen: HashMap<String, serde_json::Value> = HashMap::new();
    let mut expected_conflicts: Vec<Vec<String>> = vec![];
    for f in files {
        let mut conflicts = vec![];
        for o in objects_of(&unzstd(&attack_file(f))) {
            let id = o["id"].as_str().unwrap().to_string();
            match seen.get(&id) {
                Some(prev) if prev["modified"] == o["modified"] && prev != &o => conflicts.push(id),
                Some(_) => {}
                None => {
                    seen.insert(id, o);
                }
            }
        }
        conflicts.sort();
        expected_conflicts.push(conflicts);
    }
    let dir = TempDir::new("three");
    for (f, want) in files.iter().zip(&expected_conflicts) {
        let (out, r) = run_json(vigil(
            dir.path(),
            &["import", "--json", attack_file(f).to_str().unwrap()],
        ));
        assert!(out.status.success(), "{f}");
        let mut got: Vec<String> =
            serde_json::from_value(r["inputs"][0]["conflict_ids"].clone()).unwrap();
        got.sort();
        assert_eq!(&got, want, "{f}: conflicts");
    }
    assert!(
        expected_conflicts.iter().any(|c| !c.is_empty()),
        "the data has such objects"
    );
    let (_, stats) = run_json(vigil(dir.path(), &["stats", "--json"]));
    assert_eq!(stats["objects"].as_u64().unwrap(), seen.len() as u64);
    let (out, _) = run_json(vigil(dir.path(), &["verify", "--json"]));
    assert!(out.status.success());
}
