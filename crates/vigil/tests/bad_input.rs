//! Bad input: every case gets a clear error that names the file and line/column
//! (or object id and JSON pointer), loses nothing already stored, and never
//! panics the process.

mod common;
use common::*;
use serde_json::json;

fn campaign(id_tail: &str, name: &str) -> serde_json::Value {
    json!({"type": "campaign", "spec_version": "2.1", "id": format!("campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3{id_tail}"),
           "created": "2016-04-06T20:03:00.000Z", "modified": "2016-04-06T20:03:00.000Z", "name": name})
}

/// A store holding the apt1 example, and its object count.
fn seeded(tag: &str) -> (TempDir, u64) {
    let d = TempDir::new(tag);
    let out = run(vigil(
        &d.join("data"),
        &[
            "import",
            data("stix-examples/threat-reports/apt1.json")
                .to_str()
                .unwrap(),
        ],
    ));
    assert!(out.status.success());
    (d, 76)
}

fn objects(d: &TempDir) -> u64 {
    let (_, s) = run_json(vigil(&d.join("data"), &["stats", "--json"]));
    s["objects"].as_u64().unwrap()
}

fn import_file(d: &TempDir, name: &str, bytes: &[u8], extra: &[&str]) -> std::process::Output {
    let f = d.join(name);
    std::fs::write(&f, bytes).unwrap();
    let mut args = vec!["import"];
    args.extend_from_slice(extra);
    args.push(f.to_str().unwrap());
    run(vigil(&d.join("data"), &args))
}

#[test]
fn truncated_json_names_file_line_and_column_and_changes_nothing() {
    let (d, n) = seeded("truncated");
    let whole = std::fs::read(data("stix-examples/threat-reports/poisonivy.json")).unwrap();
    let out = import_file(&d, "cut.json", &whole[..whole.len() / 2], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("cut.json: line ") && text.contains("unexpected end of input"),
        "{text}"
    );
    assert!(text.contains("REJECTED"), "{text}");
    assert_eq!(objects(&d), n);
    // With --lenient, the complete objects before the cut are kept.
    let out = import_file(
        &d,
        "cut.json",
        &whole[..whole.len() / 2],
        &["--lenient", "--json"],
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["added"].as_u64().unwrap() > 10);
    assert_eq!(objects(&d), n + r["added"].as_u64().unwrap());
}

#[test]
fn not_json_is_reported_with_position() {
    let (d, n) = seeded("notjson");
    let out = import_file(&d, "hello.json", b"\n\n   hello, world\n", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("hello.json: line 3, column 4: expected a STIX object"),
        "{}",
        stdout(&out)
    );
    let out = import_file(&d, "binary.json", &[0u8, 159, 146, 150, 255, 0, 1, 2], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("binary.json: line 1, column 1"),
        "{}",
        stdout(&out)
    );
    assert_eq!(objects(&d), n);
}

#[test]
fn fifty_megabyte_string() {
    let (d, n) = seeded("bigstring");
    // A valid object with a 50 MB description is stored whole.
    let mut big = campaign("cd3f", "Big");
    big["description"] = json!("A".repeat(50 << 20));
    let bundle = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [big]});
    let out = import_file(&d, "big.json", &serde_json::to_vec(&bundle).unwrap(), &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    let (_, o) = run_json(vigil(
        &d.join("data"),
        &[
            "get",
            "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "--json",
        ],
    ));
    assert_eq!(o["description"].as_str().unwrap().len(), 50 << 20);
    // A file that is one 50 MB string is not STIX, and says where.
    let s = format!("\"{}\"", "B".repeat(50 << 20));
    let out = import_file(&d, "string.json", s.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("string.json: line 1, column 1: expected a STIX object"),
        "{}",
        stdout(&out)
    );
    assert_eq!(objects(&d), n + 1);
}

#[test]
fn nesting_100k_deep() {
    let (d, n) = seeded("deep");
    let mut deep = String::from("{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": [\n");
    deep.push_str(&serde_json::to_string(&campaign("cd3f", "ok")).unwrap());
    deep.push_str(",\n{\"type\": \"x-deep\", \"v\": ");
    deep.push_str(&"[".repeat(100_000));
    deep.push_str(&"]".repeat(100_000));
    deep.push_str("}]}");
    let out = import_file(&d, "deep.json", deep.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("deep.json:3:") && text.contains("recursion limit"),
        "{text}"
    );
    assert_eq!(objects(&d), n);
    let out = import_file(&d, "deep-top.json", "[".repeat(100_000).as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("deep-top.json"));
    assert_eq!(objects(&d), n);
}

#[test]
fn duplicate_key_is_refused_with_its_line() {
    let (d, n) = seeded("dupkey");
    let text = "{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": [\n{\"type\": \"campaign\", \"spec_version\": \"2.1\",\n \"id\": \"campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\", \"created\": \"2016-04-06T20:03:00.000Z\",\n \"modified\": \"2016-04-06T20:03:00.000Z\", \"name\": \"One\",\n \"name\": \"Two\"}]}";
    let out = import_file(&d, "dup.json", text.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("dup.json:5:") && stdout(&out).contains("duplicate key \"name\""),
        "{}",
        stdout(&out)
    );
    assert_eq!(objects(&d), n);
}

#[test]
fn bundle_with_invalid_objects_is_rejected_whole_unless_lenient() {
    let (d, n) = seeded("invalid");
    let mut no_created = campaign("cd40", "No created");
    no_created.as_object_mut().unwrap().remove("created");
    let mut bad_ref = campaign("cd41", "Bad ref");
    bad_ref["created_by_ref"] = json!("campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    let bundle = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [campaign("cd3f", "Fine"), no_created, bad_ref, campaign("cd42", "Also fine")]});
    let bytes = serde_json::to_vec_pretty(&bundle).unwrap();
    let out = import_file(&d, "mixed.json", &bytes, &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40")
            && text.contains("/created"),
        "{text}"
    );
    assert!(
        text.contains("campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd41")
            && text.contains("/created_by_ref"),
        "{text}"
    );
    assert!(text.contains("REJECTED"));
    assert_eq!(
        objects(&d),
        n,
        "a rejected bundle must leave the store unchanged"
    );

    let out = import_file(&d, "mixed.json", &bytes, &["--lenient", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["added"].as_u64(), r["invalid"].as_u64()),
        (Some(2), Some(2))
    );
    let inv = &r["inputs"][0]["invalid_objects"];
    assert_eq!(
        inv[0]["id"],
        "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40"
    );
    assert!(inv[0]["line"].as_u64().unwrap() > 1);
    assert!(inv[0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["pointer"] == "/created"));
    assert_eq!(objects(&d), n + 2);
}

#[test]
fn locked_data_directory() {
    let (d, n) = seeded("locked");
    let holder = vigil_store::SqliteStore::open_write(&d.join("data")).unwrap();
    let out = import_file(
        &d,
        "one.json",
        &serde_json::to_vec(&campaign("cd3f", "x")).unwrap(),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("is locked by another Vigil process")
            && err.contains(&d.join("data").display().to_string()),
        "{err}"
    );
    // Readers are not blocked by a writer.
    assert_eq!(objects(&d), n);
    drop(holder);
    let out = import_file(
        &d,
        "one.json",
        &serde_json::to_vec(&campaign("cd3f", "x")).unwrap(),
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn import_waits_for_the_lock_when_asked() {
    let (d, n) = seeded("waits");
    let holder = vigil_store::SqliteStore::open_write(&d.join("data")).unwrap();
    // Another writer (a running `serve` after a TAXII post, say) lets go soon.
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(800));
        drop(holder);
    });
    let out = import_file(
        &d,
        "one.json",
        &serde_json::to_vec(&campaign("cd3f", "x")).unwrap(),
        &["--wait", "30"],
    );
    release.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(objects(&d), n + 1);
}

#[test]
fn unwritable_data_directory() {
    let d = TempDir::new("unwritable");
    let file = d.join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let target = file.join("data");
    let f = d.join("one.json");
    std::fs::write(&f, serde_json::to_vec(&campaign("cd3f", "x")).unwrap()).unwrap();
    let out = run(vigil(&target, &["import", f.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&target.display().to_string()),
        "{}",
        stderr(&out)
    );

    // A read-only directory (enforced even for root by a read-only bind is not
    // available here, so use permissions when not root, and /proc when root).
    let ro = if unsafe_is_root() {
        std::path::PathBuf::from("/proc/vigil-test-data")
    } else {
        let ro = d.join("ro");
        std::fs::create_dir(&ro).unwrap();
        let mut p = std::fs::metadata(&ro).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut p, 0o555);
        std::fs::set_permissions(&ro, p).unwrap();
        ro.join("data")
    };
    let out = run(vigil(&ro, &["import", f.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&ro.display().to_string()),
        "{}",
        stderr(&out)
    );
    // Reading a directory with no store says how to make one.
    let out = run(vigil(&d.join("empty"), &["stats"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("vigil init"), "{}", stderr(&out));
}

fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn missing_file_and_bad_arguments() {
    let d = TempDir::new("args");
    let out = run(vigil(
        &d.join("data"),
        &["import", "/nonexistent/intel.json"],
    ));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/intel.json"));
    let out = run(vigil(&d.join("data"), &["init", "--no-attack"]));
    assert!(out.status.success());
    let out = run(vigil(
        &d.join("data"),
        &["get", "T1059", "--as-of", "yesterday"],
    ));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--as-of"), "{}", stderr(&out));
}
