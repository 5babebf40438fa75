//! Crash safety: SIGKILL in the middle of a large import leaves the store
//! consistent with either none or all of that bundle, and a re-run completes.
//! Both ways a store writes are covered: the first import into an empty store
//! (rollback journal) and a later one (write-ahead log).

mod common;
use common::*;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

const N: usize = 300_000;

fn uuid(i: usize, salt: u64) -> String {
    let x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt;
    let y = x.rotate_left(17).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        (x >> 32) as u32,
        (x >> 16) as u16,
        (y & 0xfff) as u16,
        ((y >> 12) & 0xfff) as u16,
        (y >> 24) & 0xffff_ffff_ffff
    )
}

/// A bundle of `n` valid indicators.
fn big_bundle(path: &std::path::Path, n: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(
        f,
        "{{\"type\": \"bundle\", \"id\": \"bundle--{}\", \"objects\": [",
        uuid(n, 7)
    )
    .unwrap();
    for i in 0..n {
        if i > 0 {
            f.write_all(b",").unwrap();
        }
        write!(
            f,
            "\n{{\"type\": \"indicator\", \"spec_version\": \"2.1\", \"id\": \"indicator--{}\", \"created\": \"2024-03-01T00:00:00.000Z\", \"modified\": \"2024-03-01T00:00:00.000Z\", \"name\": \"C2 address {i}\", \"description\": \"Command and control server seen in campaign {}\", \"indicator_types\": [\"malicious-activity\"], \"pattern\": \"[ipv4-addr:value = '198.51.{}.{}']\", \"pattern_type\": \"stix\", \"valid_from\": \"2024-03-01T00:00:00Z\"}}",
            uuid(i, 42),
            i % 97,
            (i / 256) % 256,
            i % 256
        )
        .unwrap();
    }
    f.write_all(b"\n]}\n").unwrap();
}

fn count(data: &std::path::Path) -> u64 {
    let (out, s) = run_json(vigil(data, &["stats", "--json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    s["objects"].as_u64().unwrap()
}

fn assert_consistent(data: &std::path::Path) {
    let (out, v) = run_json(vigil(data, &["verify", "--json"]));
    assert!(
        out.status.success(),
        "store inconsistent after the kill: {v}"
    );
}

/// Starts the import, kills it with SIGKILL once it is well under way.
fn kill_midway(data: &std::path::Path, bundle: &std::path::Path) {
    let mut child = vigil(data, &["import", "-q", bundle.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    // Wait until the import has written a good part of the store.
    let written = || -> u64 {
        ["vigil.db", "vigil.db-wal", "vigil.db-journal"]
            .iter()
            .filter_map(|f| std::fs::metadata(data.join(f)).ok())
            .map(|m| m.len())
            .sum()
    };
    let base = written();
    while written() < base + (8 << 20) && start.elapsed() < Duration::from_secs(60) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed; make the bundle larger"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import finished before it could be killed"
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "expected the import to die by SIGKILL, got {status}"
    );
}

#[test]
fn sigkill_during_first_import_and_during_a_later_one() {
    let tmp = TempDir::new("crash");
    let bundle = tmp.join("big.json");
    big_bundle(&bundle, N);

    // 1. The first import into an empty store.
    let data = tmp.join("data");
    kill_midway(&data, &bundle);
    assert_consistent(&data);
    let n = count(&data);
    assert!(
        n == 0 || n == N as u64,
        "partial bundle in the store: {n} objects"
    );
    let out = run(vigil(&data, &["import", "-q", bundle.to_str().unwrap()]));
    assert!(out.status.success(), "re-run failed: {}", stdout(&out));
    assert_eq!(count(&data), N as u64);
    assert_consistent(&data);

    // 2. A later import, into a store that already holds something.
    let data2 = tmp.join("data2");
    let out = run(vigil(
        &data2,
        &[
            "import",
            common::data("stix-examples/threat-reports/apt1.json")
                .to_str()
                .unwrap(),
        ],
    ));
    assert!(out.status.success());
    kill_midway(&data2, &bundle);
    assert_consistent(&data2);
    let n = count(&data2);
    assert!(
        n == 76 || n == 76 + N as u64,
        "partial bundle in the store: {n} objects"
    );
    let out = run(vigil(&data2, &["import", "-q", bundle.to_str().unwrap()]));
    assert!(out.status.success(), "re-run failed: {}", stdout(&out));
    assert_eq!(count(&data2), 76 + N as u64);
    assert_consistent(&data2);
}
