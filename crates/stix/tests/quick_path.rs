//! The borrowed-tree check (`check_quick`, what imports run) against the
//! `serde_json` one, object by object, over every corpus in the repo: same
//! findings, same compact text, same common properties (`fuzzing::quick_agrees`).

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use vigil_stix::fuzzing::quick_agrees;
use vigil_stix::parse::{split_reader, ObjectSlice, Piece, Position};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `quick_agrees` on every object of `input`; (objects, quick ones).
fn agree_on(input: &[u8]) -> (usize, usize) {
    let (mut all, mut quick) = (0, 0);
    let _ = split_reader(input, |piece| {
        if let Piece::Object(o) = piece {
            all += 1;
            quick += usize::from(quick_agrees(&o));
        }
        ControlFlow::Continue(())
    });
    (all, quick)
}

fn slice(text: &str, compact: bool) -> ObjectSlice<'_> {
    ObjectSlice {
        index: 0,
        position: Position { line: 1, column: 1 },
        bundle_spec_version: None,
        bytes: text.as_bytes(),
        compact,
    }
}

#[test]
fn attack_bundles() {
    for name in ["mobile-attack-18.1.json.zst", "ics-attack-18.1.json.zst"] {
        let z = std::fs::read(repo().join("tests/data/attack").join(name)).unwrap();
        let bytes = zstd::decode_all(&z[..]).unwrap();
        let (all, quick) = agree_on(&bytes);
        assert!(all > 500, "{name}: {all} objects");
        // ATT&CK is STIX 2.1 throughout: every object takes the quick path.
        assert_eq!(quick, all, "{name}");
    }
}

#[test]
fn oasis_examples() {
    let dir = repo().join("tests/data/stix-examples");
    let mut files: Vec<PathBuf> = Vec::new();
    for d in [dir.clone(), dir.join("threat-reports")] {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    let (mut all, mut quick) = (0, 0);
    for f in files {
        let (a, q) = agree_on(&std::fs::read(&f).unwrap());
        all += a;
        quick += q;
    }
    assert!(all > 50 && quick > 0, "{all} objects, {quick} quick");
}

#[test]
fn broken_objects_compact_and_pretty() {
    let text = std::fs::read_to_string(repo().join("tests/data/validation/broken.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut quick = 0;
    for case in &cases {
        let obj = &case["object"];
        let compact = serde_json::to_string(obj).unwrap();
        let pretty = serde_json::to_string_pretty(obj).unwrap();
        let a = quick_agrees(&slice(&compact, true));
        let b = quick_agrees(&slice(&pretty, false));
        assert_eq!(a, b, "{}", case["case"]);
        quick += usize::from(a);
    }
    // Most broken objects are broken STIX 2.1, not 2.0: they go the quick way.
    assert!(quick * 2 > cases.len(), "{quick} of {}", cases.len());
}

#[test]
fn what_the_quick_path_leaves_to_serde() {
    // Not UTF-8, a syntax error, a duplicate key, not an object, STIX 2.0.
    let latin1 = b"{\"type\": \"x-a\", \"name\": \"caf\xe9\"}";
    let slice_of = |bytes: &'static [u8]| ObjectSlice {
        bytes,
        ..slice("", false)
    };
    for bytes in [
        &latin1[..],
        b"{\"type\": \"x-a\",}",
        b"{\"type\": \"x-a\", \"type\": \"x-b\"}",
        b"[1]",
        br#"{"type": "campaign", "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2016-04-06T20:03:00.000Z", "modified": "2016-04-06T20:03:00.000Z", "name": "Green"}"#,
    ] {
        assert!(vigil_stix::check_quick(&slice_of(bytes)).is_none());
    }
    let ok = br#"{"type": "campaign", "spec_version": "2.1", "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2016-04-06T20:03:00.000Z", "modified": "2016-04-06T20:03:00.000Z", "name": "Gr\u00fcn", "confidence": 101}"#;
    assert!(quick_agrees(&slice_of(ok)));
    let q = vigil_stix::check_quick(&slice_of(ok)).unwrap();
    assert_eq!(q.props().name(), Some("Grün"));
    assert!(!q.is_valid());
}
