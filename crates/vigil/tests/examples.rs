//! Every OASIS STIX 2.1 example round-trips: import, then export gives JSON equal
//! to each input object.

mod common;
use common::*;

fn example_files() -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    let mut stack = vec![data("stix-examples")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_example_round_trips() {
    let files = example_files();
    assert!(files.len() >= 8, "examples missing: {files:?}");
    for f in files {
        let dir = TempDir::new("examples");
        let objects = objects_of(&std::fs::read(&f).unwrap());
        let (out, report) = run_json(vigil(
            dir.path(),
            &["import", "--json", f.to_str().unwrap()],
        ));
        assert!(out.status.success(), "{}: {}", f.display(), stdout(&out));
        assert_eq!(report["invalid"], 0, "{}", f.display());
        let exported = export_by_id(dir.path(), &[]);
        assert_eq!(exported.len(), objects.len(), "{}", f.display());
        for o in &objects {
            let id = o["id"].as_str().unwrap();
            assert_eq!(exported.get(id), Some(o), "{}: {id}", f.display());
        }
        // JSON lines export gives the same objects.
        let lines = run(vigil(dir.path(), &["export", "--format", "jsonl"]));
        let n = stdout(&lines).lines().filter(|l| !l.is_empty()).count();
        assert_eq!(n, objects.len());
    }
}

#[test]
fn all_examples_in_one_store_from_a_directory() {
    let dir = TempDir::new("examples-dir");
    let (out, report) = run_json(vigil(
        dir.path(),
        &["import", "--json", data("stix-examples").to_str().unwrap()],
    ));
    assert!(out.status.success(), "{}", stdout(&out));
    let total: usize = example_files()
        .iter()
        .map(|f| objects_of(&std::fs::read(f).unwrap()).len())
        .sum();
    assert_eq!(report["objects"], total);
    let (out, _) = run_json(vigil(dir.path(), &["verify", "--json"]));
    assert!(out.status.success());
}

#[test]
fn compressed_and_stdin_inputs() {
    let src = data("stix-examples/threat-reports/apt1.json");
    let bytes = std::fs::read(&src).unwrap();
    let tmp = TempDir::new("compressed");
    let gz = tmp.join("apt1.json.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &bytes).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let zst = tmp.join("apt1.json.zst");
    std::fs::write(&zst, zstd::encode_all(&bytes[..], 3).unwrap()).unwrap();
    for input in [gz, zst] {
        let dir = TempDir::new("compressed-store");
        let (out, r) = run_json(vigil(
            dir.path(),
            &["import", "--json", input.to_str().unwrap()],
        ));
        assert!(out.status.success());
        assert_eq!(r["added"], 76);
    }
    let dir = TempDir::new("stdin");
    let mut c = vigil(dir.path(), &["import", "--json", "-"]);
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &bytes).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["added"], 76);
    assert_eq!(r["inputs"][0]["source"], "<stdin>");
}

#[test]
fn stix20_input_is_stored_as_21() {
    let dir = TempDir::new("stix20");
    let f = dir.join("v20.json");
    std::fs::write(
        &f,
        r#"{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "spec_version": "2.0", "objects": [
        {"type": "indicator", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2016-04-06T20:03:48.000Z",
         "modified": "2016-04-06T20:03:48.000Z", "labels": ["malicious-activity"], "name": "Poison Ivy C2",
         "pattern": "[ipv4-addr:value = '10.0.0.1']", "valid_from": "2016-01-01T00:00:00Z"},
        {"type": "malware", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "created": "2016-04-06T20:07:09.000Z",
         "modified": "2016-04-06T20:07:09.000Z", "name": "Poison Ivy", "labels": ["remote-access-trojan"]}]}"#,
    )
    .unwrap();
    let (out, r) = run_json(vigil(
        dir.path(),
        &["import", "--json", f.to_str().unwrap()],
    ));
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(r["upgraded_from_20"], 2);
    let (_, ind) = run_json(vigil(
        dir.path(),
        &[
            "get",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "--json",
        ],
    ));
    assert_eq!(ind["spec_version"], "2.1");
    assert_eq!(ind["pattern_type"], "stix");
    let (_, mal) = run_json(vigil(
        dir.path(),
        &[
            "get",
            "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
            "--json",
        ],
    ));
    assert_eq!(mal["is_family"], true);
    assert_eq!(mal["labels"][0], "remote-access-trojan");
}
