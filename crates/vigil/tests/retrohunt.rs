//! Retro-hunting: hunt logs with retention on, delete the logs, then add
//! intelligence (by import, by TAXII post to `serve`, on demand) and see the
//! sightings appear from the retained observables alone — each pair counted
//! once, only within the window, only for what one observation can show.

mod common;
use common::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

const A: &str = "indicator--aaaaaaaa-0000-4000-8000-000000000001";
const B: &str = "indicator--bbbbbbbb-0000-4000-8000-000000000002";
const C: &str = "indicator--cccccccc-0000-4000-8000-000000000003";
const D: &str = "indicator--dddddddd-0000-4000-8000-000000000004";
const E: &str = "indicator--eeeeeeee-0000-4000-8000-000000000005";
const F: &str = "indicator--ffffffff-0000-4000-8000-000000000006";
/// TLP 2.0 GREEN, what `--marking TLP:GREEN` names.
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

fn indicator(id: &str, modified: &str, name: &str, pattern: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2026-01-01T00:00:00.000Z", "modified": modified,
        "name": name, "pattern": pattern, "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    })
}

/// B: the domain the logs look up three times.
fn evil_domain() -> Value {
    indicator(
        B,
        "2026-01-01T00:00:00.000Z",
        "evil domain",
        "[domain-name:value = 'evil.example']",
    )
}

fn write_json(path: &Path, objects: &[Value]) {
    let bundle = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects});
    std::fs::write(path, serde_json::to_vec(&bundle).unwrap()).unwrap();
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Zeek conn and dns lines: 203.0.113.9 once (a hit of A), evil.example in
/// three DNS queries an hour apart, 198.51.100.20 as a server, all during the
/// last day; and old.example 40 days ago.
fn logs(dir: &Path) -> Vec<std::path::PathBuf> {
    let t = now_secs() - 86_400.0;
    let conn = dir.join("conn.log");
    let dns = dir.join("dns.log");
    let mut c = String::new();
    for (i, (dst, port)) in [
        ("203.0.113.9", 443),
        ("198.51.100.20", 8443),
        ("192.0.2.44", 80),
    ]
    .iter()
    .enumerate()
    {
        c += &format!(
            "{{\"ts\":{:.6},\"uid\":\"C{i}\",\"id.orig_h\":\"10.1.0.{i}\",\"id.orig_p\":{},\"id.resp_h\":\"{dst}\",\"id.resp_p\":{port},\"proto\":\"tcp\",\"service\":\"ssl\",\"conn_state\":\"SF\"}}\n",
            t + i as f64, 40000 + i
        );
    }
    let mut d = String::new();
    for (i, (q, at)) in [
        ("evil.example", t + 10.0),
        ("benign.example", t + 20.0),
        ("evil.example", t + 3610.0),
        ("evil.example", t + 7210.0),
        ("old.example", now_secs() - 40.0 * 86_400.0),
    ]
    .iter()
    .enumerate()
    {
        d += &format!(
            "{{\"ts\":{at:.6},\"uid\":\"D{i}\",\"id.orig_h\":\"10.1.0.9\",\"id.orig_p\":5353,\"id.resp_h\":\"10.1.0.1\",\"id.resp_p\":53,\"proto\":\"udp\",\"query\":\"{q}\",\"qtype_name\":\"A\",\"rcode_name\":\"NOERROR\"}}\n"
        );
    }
    std::fs::write(&conn, c).unwrap();
    std::fs::write(&dns, d).unwrap();
    vec![conn, dns]
}

/// The sighting of `indicator` in the store, if any.
fn sighting_of(data: &Path, indicator: &str) -> Option<Value> {
    let out = run(vigil(data, &["export", "--type", "sighting", "--json"]));
    let text = stdout(&out);
    objects_of(text.as_bytes())
        .into_iter()
        .find(|s| s["sighting_of_ref"] == indicator)
}

fn retention(data: &Path) -> Value {
    let (out, v) = run_json(vigil(data, &["retention", "--json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    v
}

/// Hunts the logs with retention on (sightings also going to TAXII
/// `collection`, created here, when given), then deletes them; A hit live.
fn hunted_store(dir: &TempDir, collection: Option<&str>) -> std::path::PathBuf {
    let data = dir.join("data");
    let file = dir.join("a.json");
    write_json(
        &file,
        &[indicator(
            A,
            "2026-01-01T00:00:00.000Z",
            "bad server",
            "[ipv4-addr:value = '203.0.113.9']",
        )],
    );
    let out = run(vigil(&data, &["import", "-q", file.to_str().unwrap()]));
    assert!(out.status.success(), "{}", stderr(&out));
    if let Some(c) = collection {
        let out = run(vigil(&data, &["collection", "add", "intel", "--id", c]));
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let files = logs(dir.path());
    let mut args = vec![
        "hunt",
        "--retain",
        "30",
        "--source",
        "sensor-a",
        "--marking",
        "TLP:GREEN",
        "--json",
    ];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    if let Some(c) = collection {
        args.extend(["--collection", c]);
    }
    let out = run(vigil(&data, &args));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(stdout(&out).lines().count(), 1, "one live hit (A)");
    // Addresses, names and protocols; the 40-day-old query is outside the
    // 30-day window.
    assert!(
        err.contains("14 distinct observables of this source retained for 30 days"),
        "{err}"
    );
    for f in &files {
        std::fs::remove_file(f).unwrap();
    }
    data
}

#[test]
fn an_imported_indicator_is_sighted_from_retained_observables() {
    let dir = TempDir::new("retro-import");
    let data = hunted_store(&dir, None);
    let r = retention(&data);
    assert_eq!(r["retain_days"], 30);
    assert_eq!(r["sources"], 1);
    assert_eq!(r["sighted"], 1, "the live hit's pair is marked: {r}");
    let before = r["observables"].as_u64().unwrap();
    assert!(before >= 6, "{r}");
    let live = sighting_of(&data, A).expect("A's live sighting");
    assert_eq!(live["count"], 1);

    // New intelligence: B matches a retained domain (3 records), C a retained
    // server address through network-traffic, D needs two records
    // (FOLLOWEDBY: not checkable from retained observables), E expired
    // before the records, F matches nothing retained and the old query.
    let file = dir.join("new.json");
    let mut e = indicator(
        E,
        "2026-01-01T00:00:00.000Z",
        "expired",
        "[domain-name:value = 'benign.example']",
    );
    e["valid_until"] = json!("2026-01-02T00:00:00Z");
    write_json(
        &file,
        &[
            evil_domain(),
            indicator(
                C,
                "2026-01-01T00:00:00.000Z",
                "c2 server",
                "[network-traffic:dst_ref.value = '198.51.100.20']",
            ),
            indicator(
                D,
                "2026-01-01T00:00:00.000Z",
                "two steps",
                "[domain-name:value = 'evil.example'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.44']",
            ),
            e,
            indicator(
                F,
                "2026-01-01T00:00:00.000Z",
                "old",
                "[domain-name:value = 'old.example']",
            ),
        ],
    );
    let out = run(vigil(&data, &["import", file.to_str().unwrap()]));
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("retro-hunt:") && err.contains(": 2 hits, 2 sightings recorded"),
        "{err}"
    );
    assert!(!err.contains("refused"), "{err}");

    let b = sighting_of(&data, B).expect("B sighted without the logs");
    assert_eq!(b["count"], 3, "{b}");
    let first = b["first_seen"].as_str().unwrap();
    let last = b["last_seen"].as_str().unwrap();
    let span = vigil_secs(last) - vigil_secs(first);
    assert!((span - 7200.0).abs() < 0.01, "{first} .. {last}");
    assert_eq!(b["object_marking_refs"], json!([TLP_GREEN]));
    assert_eq!(b["where_sighted_refs"], live["where_sighted_refs"]);
    let od = b["observed_data_refs"][0].as_str().unwrap();
    let out = run(vigil(&data, &["get", od, "--json"]));
    let od: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(od["number_observed"], 3);
    let sco = od["object_refs"][0].as_str().unwrap();
    let out = run(vigil(&data, &["get", sco, "--json"]));
    let sco: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (sco["type"].as_str(), sco["value"].as_str()),
        (Some("domain-name"), Some("evil.example"))
    );

    let c = sighting_of(&data, C).expect("C sighted");
    assert_eq!(c["count"], 1);
    for (id, why) in [
        (D, "multi-record"),
        (E, "expired"),
        (F, "outside the window"),
    ] {
        assert!(sighting_of(&data, id).is_none(), "{why} indicator sighted");
    }
    assert_eq!(
        sighting_of(&data, A).unwrap()["count"],
        1,
        "A counted twice"
    );

    // On demand: nothing new; counts unchanged.
    let out = run(vigil(&data, &["retrohunt"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(" 0 new hits (3 counted before)"), "{err}");
    assert_eq!(sighting_of(&data, B).unwrap()["count"], 3);

    // A changed indicator is checked again: C's new version names another server.
    write_json(
        &file,
        &[indicator(
            C,
            "2026-02-01T00:00:00.000Z",
            "c2 server",
            "[ipv4-addr:value = '192.0.2.44']",
        )],
    );
    let out = run(vigil(&data, &["import", file.to_str().unwrap()]));
    let err = stderr(&out);
    assert!(
        err.contains("retro-hunt: 1 new or changed indicators") && err.contains(": 1 hits"),
        "{err}"
    );
    assert_eq!(sighting_of(&data, C).unwrap()["count"], 2);

    // A narrower window prunes what is older.
    let out = run(vigil(&data, &["retention", "set", "1"]));
    assert!(out.status.success());
    let r = retention(&data);
    assert!(r["observables"].as_u64().unwrap() < before, "{r}");
    let out = run(vigil(&data, &["retention", "clear", "--json"]));
    assert!(out.status.success());
    assert_eq!(retention(&data)["observables"], 0);
    let out = run(vigil(&data, &["retrohunt"]));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn retrohunt_on_demand_prints_what_it_finds() {
    let dir = TempDir::new("retro-demand");
    let data = hunted_store(&dir, None);
    // Retention off: hunts keep nothing more, but what is retained stays.
    let out = run(vigil(&data, &["retention", "off"]));
    assert!(out.status.success());
    let file = dir.join("b.json");
    write_json(&file, &[evil_domain()]);
    // The import still retro-hunts: what is retained stays until cleared.
    let out = run(vigil(&data, &["import", file.to_str().unwrap()]));
    assert!(stderr(&out).contains(": 1 hits"), "{}", stderr(&out));
    let out = run(vigil(
        &data,
        &["--json", "retrohunt", "--dry-run", "--indicator", B],
    ));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let out = run(vigil(&data, &["retention", "clear"]));
    assert!(out.status.success());
    let out = run(vigil(&data, &["retrohunt"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nothing is retained"),
        "{}",
        stderr(&out)
    );
    // Hunting again without --retain: retention is off, nothing is kept.
    let files = logs(dir.path());
    let out = run(vigil(&data, &["hunt", files[1].to_str().unwrap()]));
    assert!(!stderr(&out).contains("retained"), "{}", stderr(&out));
    assert_eq!(retention(&data)["observables"], 0);
    // With --retain again, and a fresh indicator asked about on demand.
    let out = run(vigil(
        &data,
        &[
            "hunt",
            "--retain",
            "7",
            "--source",
            "sensor-b",
            files[1].to_str().unwrap(),
        ],
    ));
    assert!(
        stderr(&out).contains("retained for 7 days"),
        "{}",
        stderr(&out)
    );
    let out = run(vigil(
        &data,
        &["--json", "retrohunt", "--since", "3d", "--dry-run"],
    ));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // B hit live this time (the pair is marked), so nothing is new.
    assert!(lines.is_empty(), "{lines:?}");
    let file = dir.join("f.json");
    write_json(
        &file,
        &[indicator(
            F,
            "2026-01-01T00:00:00.000Z",
            "benign",
            "[domain-name:value = 'benign.example']",
        )],
    );
    // Imported while another process holds nothing: the import catches up by itself;
    // then on demand there is nothing new, and the JSON of a dry run names it.
    let out = run(vigil(&data, &["import", file.to_str().unwrap()]));
    assert!(stderr(&out).contains(": 1 hits"), "{}", stderr(&out));
    let s = sighting_of(&data, F).unwrap();
    assert_eq!(s["count"], 1);
    let out = run(vigil(&data, &["retrohunt", "--indicator", F]));
    assert_eq!(out.status.code(), Some(1));
}

/// Seconds since the epoch of a STIX timestamp.
fn vigil_secs(t: &str) -> f64 {
    let (date, time) = t.trim_end_matches('Z').split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let (y, m, day) = (d[0], d[1], d[2]);
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let hms: Vec<f64> = time.split(':').map(|x| x.parse().unwrap()).collect();
    days as f64 * 86_400.0 + hms[0] * 3600.0 + hms[1] * 60.0 + hms[2]
}

fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/taxii+json;version=2.1\r\nContent-Type: application/taxii+json;version=2.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (
        head.split_whitespace().nth(1).unwrap().parse().unwrap(),
        body.to_string(),
    )
}

#[test]
fn a_taxii_post_to_serve_is_retro_hunted() {
    let dir = TempDir::new("retro-taxii");
    let coll = "2f3bbd2c-4a5d-4bd9-8b4e-5f9c6b1d7e01";
    let data = hunted_store(&dir, Some(coll));
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data")
        .arg(&data)
        .args([
            "serve",
            "--no-attack",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env_remove("VIGIL_DATA")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve did not start"
        );
        if let Ok(Some(st)) = server.try_wait() {
            let mut e = String::new();
            server
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut e)
                .unwrap();
            panic!("serve exited {st}: {e}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _server = Kill(server);
    let envelope = json!({"objects": [evil_domain()]});
    let (status, body) = http(
        port,
        "POST",
        &format!("/taxii2/api/collections/{coll}/objects/"),
        &envelope.to_string(),
    );
    assert_eq!(status, 202, "{body}");
    // serve's retro-hunter looks every few seconds; the sighting goes to
    // the collection the source's hunt named, beside the live one of A.
    let deadline = Instant::now() + Duration::from_secs(60);
    let path = format!("/taxii2/api/collections/{coll}/objects/?match[type]=sighting");
    loop {
        let (status, body) = http(port, "GET", &path, "");
        assert_eq!(status, 200, "{body}");
        let page: Value = serde_json::from_str(&body).unwrap();
        let sightings = page["objects"].as_array().cloned().unwrap_or_default();
        if let Some(s) = sightings.iter().find(|s| s["sighting_of_ref"] == B) {
            assert_eq!(s["count"], 3);
            assert!(
                sightings.iter().any(|s| s["sighting_of_ref"] == A),
                "{body}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no sighting of B in the collection after the TAXII post: {body}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(sighting_of(&data, B).unwrap()["count"], 3);
}

#[test]
fn an_indicator_stored_while_a_hunt_runs_is_checked_against_what_it_retained() {
    let dir = TempDir::new("retro-during");
    let data = dir.join("data");
    let file = dir.join("a.json");
    write_json(
        &file,
        &[indicator(
            A,
            "2026-01-01T00:00:00.000Z",
            "bad server",
            "[ipv4-addr:value = '203.0.113.9']",
        )],
    );
    assert!(run(vigil(&data, &["import", "-q", file.to_str().unwrap()]))
        .status
        .success());
    let files = logs(dir.path());
    // A followed hunt: it holds what it read in memory until it stops.
    let mut hunt = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data")
        .arg(&data)
        .args([
            "hunt", "--follow", "--retain", "30", "--source", "sensor-c", "--json",
        ])
        .arg(&files[1])
        .env_remove("VIGIL_DATA")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    write_json(&file, &[evil_domain()]);
    let out = run(vigil(&data, &["import", file.to_str().unwrap()]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sighting_of(&data, B).is_none(), "nothing retained yet");
    let _ = std::process::Command::new("kill")
        .arg("-INT")
        .arg(hunt.id().to_string())
        .status();
    let status = hunt.wait().unwrap();
    let mut err = String::new();
    hunt.stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.code().is_some_and(|c| c <= 1), "{status}: {err}");
    assert!(
        err.contains(
            "retro-hunt: 1 indicators stored during this hunt: 1 hits, 1 sightings recorded"
        ),
        "{err}"
    );
    assert_eq!(sighting_of(&data, B).expect("B sighted")["count"], 3);
}
