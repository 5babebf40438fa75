//! `vigil export` to the sensor formats: the outputs for the indicators of
//! tests/data/sensors/indicators.json against the expected files beside them
//! (regenerate with VIGIL_UPDATE_EXPECTED=1, then read the diff), and the
//! filters, stability and refusals around them.

mod common;
use common::*;
use std::path::Path;

/// A store holding the test indicators.
fn store() -> TempDir {
    let d = TempDir::new("sensors");
    let out = run(vigil(d.path(), &["init", "--no-attack"]));
    assert!(out.status.success(), "init: {}", stderr(&out));
    let out = run(vigil(
        d.path(),
        &["import", data("sensors/indicators.json").to_str().unwrap()],
    ));
    assert!(out.status.success(), "import: {}", stderr(&out));
    d
}

fn export(d: &Path, args: &[&str]) -> (String, String) {
    let mut all = vec!["export"];
    all.extend_from_slice(args);
    let out = run(vigil(d, &all));
    assert!(out.status.success(), "export {args:?}: {}", stderr(&out));
    (stdout(&out), stderr(&out))
}

/// Compares `actual` with the expected file, or writes it when updating.
fn expect(rel: &str, actual: &str) {
    let path = data(&format!("sensors/expected/{rel}"));
    if std::env::var_os("VIGIL_UPDATE_EXPECTED").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with VIGIL_UPDATE_EXPECTED=1)", path.display()));
    assert_eq!(actual, want, "{rel} differs from {}", path.display());
}

const FILE_FORMATS: [(&str, &str); 6] = [
    ("zeek-intel", "intel.dat"),
    ("blocklist-ip", "blocklist-ip.txt"),
    ("blocklist-domain", "blocklist-domain.txt"),
    ("blocklist-url", "blocklist-url.txt"),
    ("blocklist-hash", "blocklist-hash.txt"),
    ("csv", "indicators.csv"),
];

#[test]
fn every_format_writes_what_the_expected_files_hold() {
    let d = store();
    for (format, file) in FILE_FORMATS {
        let (out, err) = export(d.path(), &["--format", format]);
        expect(file, &out);
        expect(&format!("{format}.stderr"), &err);
    }
    let dir = d.join("suricata");
    let (_, err) = export(
        d.path(),
        &["--format", "suricata", "--output", dir.to_str().unwrap()],
    );
    expect("suricata.stderr", &err);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "vigil-domains.lst",
            "vigil-index.tsv",
            "vigil-ip-dst.lst",
            "vigil-ip-src.lst",
            "vigil-ip.lst",
            "vigil-md5.txt",
            "vigil-sha1.txt",
            "vigil-sha256.txt",
            "vigil.rules"
        ]
    );
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        expect(&format!("suricata/{name}"), &text);
    }
}

#[test]
fn inexpressible_patterns_are_listed_and_counted() {
    let d = store();
    let (_, err) = export(d.path(), &["--format", "zeek-intel"]);
    let id = |n: u32| format!("indicator--00000000-0000-4000-8000-{n:012}");
    for (n, reason) in [
        (9, "a SHA-512 file digest"),
        (13, "AND across observations"),
        (14, "a REPEATS qualifier"),
        (15, "LIKE on domain-name:value"),
        (16, "!= on ipv4-addr:value"),
        (23, "a sigma pattern, not a STIX one"),
        (24, "process:name is not a value sensors match"),
    ] {
        let line = format!("vigil: {}: not expressed in zeek-intel: ", id(n));
        assert!(
            err.lines()
                .any(|l| l.starts_with(&line) && l.contains(reason)),
            "{n} {reason}: {err}"
        );
    }
    assert!(err.contains(&format!(
        "vigil: {}: only partly expressed in zeek-intel: MATCHES on ipv4-addr:value",
        id(17)
    )));
    assert!(err.contains(
        "zeek-intel: wrote 24 values from 17 indicators; 7 indicators could not be expressed, 1 only partly"
    ), "{err}");
    // Revoked (18) and expired (19) indicators are left out without a word each.
    assert!(!err.contains(&id(18)) && !err.contains(&id(19)));
    assert!(err.contains("2 revoked or expired"), "{err}");
}

#[test]
fn max_marking_leaves_out_what_the_clearance_may_not_see() {
    let d = store();
    let (all, _) = export(d.path(), &["--format", "blocklist-domain"]);
    assert!(all.contains("amber-only.example"));
    let (green, err) = export(
        d.path(),
        &["--format", "blocklist-domain", "--max-marking", "TLP:GREEN"],
    );
    assert!(!green.contains("amber-only.example"), "{green}");
    assert!(green.contains("c2.evil.example"));
    assert!(
        err.contains("2 indicators left out by the filters"),
        "{err}"
    );
    let (ips, _) = export(
        d.path(),
        &["--format", "blocklist-ip", "--max-marking", "TLP:GREEN"],
    );
    assert!(!ips.contains("198.51.100.77"), "{ips}");
    let (amber, _) = export(
        d.path(),
        &["--format", "zeek-intel", "--max-marking", "TLP:AMBER"],
    );
    assert!(amber.contains("amber-only.example") && !amber.contains("198.51.100.77"));
    // The same test as --clearance.
    let (clearance, _) = export(
        d.path(),
        &["--format", "zeek-intel", "--clearance", "TLP:AMBER"],
    );
    assert_eq!(amber, clearance);
}

#[test]
fn confidence_since_and_type_filters() {
    let d = store();
    let (out, err) = export(
        d.path(),
        &["--format", "blocklist-domain", "--min-confidence", "50"],
    );
    assert!(!out.contains("unsure.evil.example"), "confidence 10: {out}");
    assert!(!out.contains("noconf.evil.example"), "no confidence: {out}");
    assert!(out.contains("old.evil.example"));
    assert!(
        err.contains("2 indicators left out by the filters"),
        "{err}"
    );
    let (out, _) = export(
        d.path(),
        &["--format", "blocklist-domain", "--since", "2024-01-01"],
    );
    assert!(!out.contains("old.evil.example"), "modified 2023: {out}");
    assert!(out.contains("unsure.evil.example"));
    let (out, _) = export(
        d.path(),
        &[
            "--format",
            "blocklist-domain",
            "--since",
            "2024-06-01T00:00:00.001Z",
        ],
    );
    assert!(!out.contains("c2.evil.example"), "{out}");
    let (out, _) = export(
        d.path(),
        &[
            "--format",
            "csv",
            "--type",
            "network-traffic",
            "--type",
            "url",
        ],
    );
    let kinds: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(kinds, ["ipv4", "ipv4", "url", "url"], "{out}");
    let (out, _) = export(d.path(), &["--format", "csv", "--type", "ipv6-addr"]);
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn exports_are_stable_and_sids_survive_new_intelligence() {
    let d = store();
    let dir1 = d.join("s1");
    let dir2 = d.join("s2");
    export(
        d.path(),
        &["--format", "suricata", "--output", dir1.to_str().unwrap()],
    );
    export(
        d.path(),
        &["--format", "suricata", "--output", dir2.to_str().unwrap()],
    );
    let rules1 = std::fs::read_to_string(dir1.join("vigil.rules")).unwrap();
    assert_eq!(
        rules1,
        std::fs::read_to_string(dir2.join("vigil.rules")).unwrap()
    );
    let (a, _) = export(d.path(), &["--format", "csv"]);
    let (b, _) = export(d.path(), &["--format", "csv"]);
    assert_eq!(a, b);

    // A new indicator and a new version of indicator 7: the other rules keep
    // their sids and revisions; indicator 7's rule keeps its sid, its rev grows.
    let newer = r#"{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[
      {"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000100","created":"2024-07-01T00:00:00.000Z","modified":"2024-07-01T00:00:00.000Z","name":"New URL","pattern":"[url:value = 'http://new.evil.example/x']","pattern_type":"stix","valid_from":"2024-07-01T00:00:00Z"},
      {"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000007","created":"2023-01-01T00:00:00.000Z","modified":"2024-08-01T00:00:00.000Z","name":"Gate URLs","indicator_types":["malicious-activity"],"pattern":"[url:value = 'http://evil.example/gate.php?id=1']","pattern_type":"stix","valid_from":"2023-01-01T00:00:00Z","confidence":75}
    ]}"#;
    let f = d.join("newer.json");
    std::fs::write(&f, newer).unwrap();
    let out = run(vigil(d.path(), &["import", f.to_str().unwrap()]));
    assert!(
        out.status.success(),
        "{}{}",
        common::stdout(&out),
        stderr(&out)
    );
    let dir3 = d.join("s3");
    export(
        d.path(),
        &["--format", "suricata", "--output", dir3.to_str().unwrap()],
    );
    let rules3 = std::fs::read_to_string(dir3.join("vigil.rules")).unwrap();
    let sid_rev = |rules: &str, needle: &str| -> (String, String) {
        let line = rules
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}"));
        let field = |k: &str| {
            line.split(k)
                .nth(1)
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        };
        (field("; sid:"), field("; rev:"))
    };
    for rule in rules1
        .lines()
        .filter(|l| !l.starts_with('#') && !l.contains("Gate URLs"))
    {
        assert!(rules3.contains(rule), "lost or changed: {rule}");
    }
    let (sid1, rev1) = sid_rev(&rules1, "Gate URLs");
    let (sid3, rev3) = sid_rev(&rules3, "Gate URLs");
    assert_eq!(sid1, sid3);
    assert!(rev3.parse::<u64>().unwrap() > rev1.parse::<u64>().unwrap());
    assert!(rules3.contains("content:\"new.evil.example\""));
}

#[test]
fn output_files_are_written_whole_and_flags_are_checked() {
    let d = store();
    let file = d.join("intel.dat");
    let (stdout_text, _) = export(d.path(), &["--format", "zeek-intel"]);
    let (nothing, _) = export(
        d.path(),
        &["--format", "zeek-intel", "--output", file.to_str().unwrap()],
    );
    assert!(nothing.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout_text);
    assert!(!d.join("intel.dat.tmp").exists());

    let refused = |args: &[&str], why: &str| {
        let mut all = vec!["export"];
        all.extend_from_slice(args);
        let out = run(vigil(d.path(), &all));
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(stderr(&out).contains(why), "{args:?}: {}", stderr(&out));
    };
    refused(&["--format", "suricata"], "give --output DIR");
    refused(
        &["--format", "stix", "--min-confidence", "5"],
        "sensor formats",
    );
    refused(
        &["--format", "jsonl", "--since", "2024-01-01"],
        "sensor formats",
    );
    refused(&["--format", "csv", "--since", "yesterday"], "--since");
    refused(&["--format", "csv", "--min-confidence", "101"], "0..=100");
    refused(
        &["--format", "csv", "--max-marking", "TLP:PURPLE"],
        "is not a marking",
    );
    refused(&["--format", "csv", "--all-versions"], "current indicators");
    refused(
        &["--format", "csv", "--type", "indicator"],
        "observable type",
    );
}
