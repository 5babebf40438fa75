use super::*;
use crate::{ExportFilter, NeighborQuery, PutOutcome, ReadStore, Record, SearchQuery, WriteStore};
use serde_json::json;
use vigil_stix::{StixObject, Timestamp};

fn rec(v: serde_json::Value) -> Record {
    Record::from_object(&StixObject::new(v.as_object().unwrap().clone()))
}

fn malware(modified: &str, name: &str) -> serde_json::Value {
    json!({"type": "malware", "spec_version": "2.1", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
           "created": "2020-01-01T00:00:00.000Z", "modified": modified, "name": name, "is_family": true,
           "external_references": [{"source_name": "mitre-attack", "external_id": "S9999"}]})
}

fn import(store: &mut SqliteStore, objs: &[serde_json::Value]) -> Vec<PutOutcome> {
    let mut tx = store.begin_import().unwrap();
    let out = objs
        .iter()
        .map(|o| tx.put(&mut rec(o.clone())).unwrap())
        .collect();
    tx.commit().unwrap();
    out
}

fn name_of(v: &crate::Version) -> String {
    let o: serde_json::Value = serde_json::from_str(&v.json).unwrap();
    o["name"].as_str().unwrap().to_string()
}

pub(super) fn temp() -> tempdir::TempDir {
    tempdir::TempDir::new()
}

/// A small self-cleaning temporary directory (no extra dependency).
pub(super) mod tempdir {
    pub struct TempDir(pub std::path::PathBuf);
    impl TempDir {
        pub fn new() -> TempDir {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let p =
                std::env::temp_dir().join(format!("vigil-store-test-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            TempDir(p)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

const ID: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";

#[test]
fn newer_wins_and_older_late_arrival_is_history_only() {
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    assert_eq!(
        import(&mut s, &[malware("2021-01-01T00:00:00.000Z", "v2")]),
        [PutOutcome::Added]
    );
    assert_eq!(
        import(&mut s, &[malware("2022-01-01T00:00:00.000Z", "v3")]),
        [PutOutcome::Updated]
    );
    assert_eq!(
        import(&mut s, &[malware("2020-06-01T00:00:00.000Z", "v1")]),
        [PutOutcome::Older]
    );
    assert_eq!(name_of(&s.get(ID).unwrap().unwrap()), "v3");
    let h = s.history(ID).unwrap();
    assert_eq!(
        h.iter().map(name_of).collect::<Vec<_>>(),
        ["v1", "v2", "v3"]
    );
    assert_eq!(
        h.iter().map(|v| v.current).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert!(s.verify().unwrap().problems.is_empty());
}

#[test]
fn same_instant_in_other_precision_is_one_version() {
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    import(&mut s, &[malware("2021-01-01T00:00:00Z", "same")]);
    assert_eq!(
        import(&mut s, &[malware("2021-01-01T00:00:00.000Z", "same")]),
        [PutOutcome::Unchanged]
    );
    assert_eq!(
        import(&mut s, &[malware("2021-01-01T00:00:00.000000Z", "other")]),
        [PutOutcome::Conflict]
    );
    assert_eq!(s.history(ID).unwrap().len(), 1);
    assert_eq!(name_of(&s.get(ID).unwrap().unwrap()), "same");
}

#[test]
fn reimport_is_idempotent() {
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    let objs = [
        malware("2021-01-01T00:00:00.000Z", "a"),
        malware("2022-01-01T00:00:00.000Z", "b"),
    ];
    assert_eq!(
        import(&mut s, &objs),
        [PutOutcome::Added, PutOutcome::Updated]
    );
    let before = s.stats().unwrap();
    assert_eq!(
        import(&mut s, &objs),
        [PutOutcome::Unchanged, PutOutcome::Unchanged]
    );
    let after = s.stats().unwrap();
    assert_eq!(
        (before.objects, before.versions, before.edges),
        (after.objects, after.versions, after.edges)
    );
}

#[test]
fn as_of_returns_the_version_current_then() {
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    import(
        &mut s,
        &[
            malware("2021-01-01T00:00:00.000Z", "v1"),
            malware("2023-01-01T00:00:00.000Z", "v2"),
        ],
    );
    let key = |t: &str| Timestamp::parse(t).unwrap().instant_key();
    assert!(s
        .get_as_of(ID, &key("2020-12-31T23:59:59.999Z"))
        .unwrap()
        .is_none());
    assert_eq!(
        name_of(
            &s.get_as_of(ID, &key("2021-01-01T00:00:00Z"))
                .unwrap()
                .unwrap()
        ),
        "v1"
    );
    assert_eq!(
        name_of(
            &s.get_as_of(ID, &key("2022-12-31T00:00:00Z"))
                .unwrap()
                .unwrap()
        ),
        "v1"
    );
    let v = s
        .get_as_of(ID, &key("2023-01-01T00:00:00.000Z"))
        .unwrap()
        .unwrap();
    assert!(v.current);
    assert_eq!(name_of(&v), "v2");
}

#[test]
fn revoked_objects_are_hidden_from_search_and_neighbors_but_readable() {
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    let group = json!({"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--0c5bb9b1-2a3d-4b5f-9f4c-3e1bd8c7a111",
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z", "name": "Quiet Panda",
        "external_references": [{"source_name": "mitre-attack", "external_id": "G9999"}]});
    let rel = json!({"type": "relationship", "spec_version": "2.1", "id": "relationship--6f2c9a8e-4d0b-4b7e-9c1e-2b3a4c5d6e7f",
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z", "relationship_type": "uses",
        "source_ref": "intrusion-set--0c5bb9b1-2a3d-4b5f-9f4c-3e1bd8c7a111", "target_ref": ID});
    import(
        &mut s,
        &[
            group,
            rel,
            malware("2021-01-01T00:00:00.000Z", "Sneaky Loader"),
        ],
    );
    let q = NeighborQuery {
        id: ID.into(),
        depth: 1,
        rel: vec![],
        include_revoked: false,
        max_nodes: 0,
    };
    assert_eq!(s.neighbors(&q).unwrap().nodes.len(), 2);
    assert_eq!(s.search(&SearchQuery::text("sneaky")).unwrap().len(), 1);

    let mut revoked = malware("2022-01-01T00:00:00.000Z", "Sneaky Loader");
    revoked["revoked"] = json!(true);
    import(&mut s, &[revoked]);
    assert!(s.search(&SearchQuery::text("sneaky")).unwrap().is_empty());
    let all = SearchQuery {
        include_revoked: true,
        ..SearchQuery::text("sneaky")
    };
    assert_eq!(s.search(&all).unwrap().len(), 1);
    let gq = NeighborQuery {
        id: "intrusion-set--0c5bb9b1-2a3d-4b5f-9f4c-3e1bd8c7a111".into(),
        ..q.clone()
    };
    assert_eq!(s.neighbors(&gq).unwrap().nodes.len(), 1);
    assert_eq!(
        s.neighbors(&NeighborQuery {
            include_revoked: true,
            ..gq
        })
        .unwrap()
        .nodes
        .len(),
        2
    );
    assert!(s.get(ID).unwrap().is_some());
    assert_eq!(s.history(ID).unwrap().len(), 2);
    assert_eq!(s.resolve("S9999").unwrap().as_deref(), Some(ID));
    assert_eq!(s.resolve(ID).unwrap().as_deref(), Some(ID));
    assert_eq!(
        s.resolve("malware--00000000-0000-4000-8000-000000000000")
            .unwrap(),
        None
    );
    assert_eq!(
        s.resolve("g9999").unwrap().as_deref(),
        Some("intrusion-set--0c5bb9b1-2a3d-4b5f-9f4c-3e1bd8c7a111")
    );
}

#[test]
fn dropped_import_leaves_nothing() {
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    {
        let mut tx = s.begin_import().unwrap();
        tx.put(&mut rec(malware("2021-01-01T00:00:00.000Z", "x")))
            .unwrap();
    }
    assert_eq!(s.stats().unwrap().objects, 0);
}

fn has_idh_index(s: &SqliteStore) -> bool {
    s.conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'objects_idh'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
        == 1
}

#[test]
fn first_import_defers_the_id_index_and_still_finds_its_own_objects() {
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    assert!(has_idh_index(&s));
    // A dropped first import gives the index back with the empty store.
    {
        let mut tx = s.begin_import().unwrap();
        tx.put(&mut rec(malware("2021-01-01T00:00:00.000Z", "x")))
            .unwrap();
    }
    assert!(has_idh_index(&s));
    // In one import into the empty store: three versions of one id, out of
    // order and once again, with another object in between, each collected
    // after the other object was put (so not as the last one put).
    let other = json!({"type": "identity", "spec_version": "2.1",
        "id": "identity--0c5bb9b1-2a3d-4b5f-9f4c-3e1bd8c7a222",
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
        "name": "Other"});
    let v2 = malware("2022-01-01T00:00:00.000Z", "two");
    let v1 = malware("2021-01-01T00:00:00.000Z", "one");
    let mut tx = s.begin_import().unwrap();
    let mut outcomes = Vec::new();
    for o in [&v2, &other, &v1, &v2] {
        let mut r = rec(o.clone());
        outcomes.push(tx.put(&mut r).unwrap());
        tx.put(&mut rec(other.clone())).unwrap();
        tx.collect("c", &r).unwrap();
    }
    tx.commit().unwrap();
    assert_eq!(
        outcomes,
        [
            PutOutcome::Added,
            PutOutcome::Unchanged,
            PutOutcome::Older,
            PutOutcome::Unchanged
        ]
    );
    assert!(has_idh_index(&s));
    let id = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";
    let h = s.history(id).unwrap();
    assert_eq!(h.iter().map(name_of).collect::<Vec<_>>(), ["one", "two"]);
    assert_eq!(name_of(&s.get(id).unwrap().unwrap()), "two");
    assert_eq!(s.stats().unwrap().objects, 2);
    // The index is what finds them now, and the next import uses it.
    let plan: String = s
        .conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT oid FROM objects WHERE idh = ?1 AND id = ?2",
            rusqlite::params![id_hash(id), id],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("objects_idh"), "{plan}");
    let out = import(&mut s, &[malware("2023-01-01T00:00:00.000Z", "three")]);
    assert_eq!(out, [PutOutcome::Updated]);
    assert_eq!(s.history(id).unwrap().len(), 3);
}

thread_local! {
    /// While set, [`id_hash`] gives this hash to every id containing
    /// [`COLLIDING`] (on this thread): two ids with one 64-bit hash, which
    /// FNV-1a would take ~2^32 tries to find.
    pub(super) static COLLIDING_HASH: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}
pub(super) const COLLIDING: &str = "-8000-00000000c0";

#[test]
fn ids_with_one_hash_stay_apart_in_a_first_import_and_after() {
    COLLIDING_HASH.with(|c| c.set(Some(42)));
    let ident = |n: u32, name: &str, modified: &str| {
        json!({"type": "identity", "spec_version": "2.1",
            "id": format!("identity--00000000-0000-4000-8000-00000000c0{n:02}"),
            "created": "2020-01-01T00:00:00.000Z", "modified": modified, "name": name})
    };
    let id = |n: u32| format!("identity--00000000-0000-4000-8000-00000000c0{n:02}");
    assert_eq!(id_hash(&id(1)), id_hash(&id(2)));
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    // A first import (the deferred index, the in-memory map): the second id
    // with the hash is new, a third is new, and each is found again as itself.
    let out = import(
        &mut s,
        &[
            ident(1, "one", "2021-01-01T00:00:00.000Z"),
            ident(2, "two", "2021-01-01T00:00:00.000Z"),
            ident(3, "three", "2021-01-01T00:00:00.000Z"),
            ident(2, "two", "2021-01-01T00:00:00.000Z"),
            ident(1, "one, later", "2022-01-01T00:00:00.000Z"),
        ],
    );
    assert_eq!(
        out,
        [
            PutOutcome::Added,
            PutOutcome::Added,
            PutOutcome::Added,
            PutOutcome::Unchanged,
            PutOutcome::Updated
        ]
    );
    assert_eq!(s.stats().unwrap().objects, 3);
    assert_eq!(name_of(&s.get(&id(1)).unwrap().unwrap()), "one, later");
    assert_eq!(name_of(&s.get(&id(2)).unwrap().unwrap()), "two");
    assert_eq!(name_of(&s.get(&id(3)).unwrap().unwrap()), "three");
    assert_eq!(s.history(&id(1)).unwrap().len(), 2);
    // A later import (by the index): the same.
    let out = import(
        &mut s,
        &[
            ident(3, "three, later", "2022-01-01T00:00:00.000Z"),
            ident(4, "four", "2021-01-01T00:00:00.000Z"),
        ],
    );
    assert_eq!(out, [PutOutcome::Updated, PutOutcome::Added]);
    assert_eq!(name_of(&s.get(&id(3)).unwrap().unwrap()), "three, later");
    assert_eq!(name_of(&s.get(&id(2)).unwrap().unwrap()), "two");
    assert_eq!(s.stats().unwrap().objects, 4);
    COLLIDING_HASH.with(|c| c.set(None));
}

#[test]
fn a_large_first_import_builds_the_id_index_in_runs() {
    // Enough objects for `build_idh_index` (sorted in runs, with temporary
    // files and a helper thread); the connection's settings come back after.
    let n = super::write::SORT_IN_RUNS + 1;
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    let id = |i: usize| format!("identity--00000000-0000-4000-8000-{i:012}");
    let mut tx = s.begin_import().unwrap();
    for i in 0..n {
        let o = json!({"type": "identity", "spec_version": "2.1", "id": id(i),
            "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
            "name": format!("n{i}")});
        assert_eq!(tx.put(&mut rec(o)).unwrap(), PutOutcome::Added);
    }
    tx.commit().unwrap();
    assert!(has_idh_index(&s));
    let ok: String = s
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    for i in [0, 1, n / 2, n - 1] {
        assert_eq!(name_of(&s.get(&id(i)).unwrap().unwrap()), format!("n{i}"));
    }
    let pragma = |p: &str| -> i64 { s.conn.pragma_query_value(None, p, |r| r.get(0)).unwrap() };
    assert_eq!(pragma("cache_size"), -128 * 1024);
    assert_eq!(pragma("temp_store"), 2);
    assert_eq!(pragma("threads"), 0);
}

#[test]
fn commits_are_checkpointed_off_the_writer() {
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    // The first import fills the empty store with a rollback journal; the
    // second one writes through the WAL.
    import(&mut s, &[malware("2021-01-01T00:00:00.000Z", "one")]);
    let db = d.path().join(DB_FILE);
    let wal = d.path().join(format!("{DB_FILE}-wal"));
    let before = db.metadata().unwrap().len();
    let many: Vec<_> = (0..3000)
        .map(|i| {
            json!({"type": "indicator", "spec_version": "2.1",
                   "id": format!("indicator--00000000-0000-4000-8000-{i:012}"),
                   "created": "2021-01-01T00:00:00.000Z", "modified": "2021-01-01T00:00:00.000Z",
                   "name": format!("indicator number {i}"), "pattern_type": "stix",
                   "pattern": format!("[ipv4-addr:value = '10.0.{}.{}']", i / 256, i % 256),
                   "valid_from": "2021-01-01T00:00:00Z"})
        })
        .collect();
    import(&mut s, &many);
    assert!(wal.metadata().unwrap().len() > 0);
    // The writer leaves checkpoints to the checkpoint thread (its own
    // threshold is only a backstop, far above this import) ...
    let auto: i64 = s
        .conn
        .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
        .unwrap();
    assert_eq!(auto, checkpoint::BACKSTOP_PAGES);
    // ... which copies the commit into the database file soon after: the file
    // grows while the writer is idle.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while db.metadata().unwrap().len() == before {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint in 20 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(s);
    let r = SqliteStore::open_read(d.path()).unwrap();
    assert_eq!(r.stats().unwrap().objects, 3001);
}

#[test]
fn second_writer_is_refused_while_readers_read() {
    let d = temp();
    let mut w = SqliteStore::open_write(d.path()).unwrap();
    import(&mut w, &[malware("2021-01-01T00:00:00.000Z", "x")]);
    let e = SqliteStore::open_write(d.path()).err().unwrap();
    assert!(
        e.to_string().contains("locked by another Vigil process"),
        "{e}"
    );
    let r = SqliteStore::open_read(d.path()).unwrap();
    assert_eq!(r.stats().unwrap().objects, 1);
    drop(w);
    assert!(SqliteStore::open_write(d.path()).is_ok());
}

#[test]
fn reindex_rebuilds_the_same_indexes() {
    let d = temp();
    let mut s = SqliteStore::open_write(d.path()).unwrap();
    import(
        &mut s,
        &[
            malware("2021-01-01T00:00:00.000Z", "Alpha"),
            malware("2022-01-01T00:00:00.000Z", "Beta"),
        ],
    );
    let before = s.stats().unwrap();
    s.reindex().unwrap();
    let after = s.stats().unwrap();
    assert_eq!(before.by_type, after.by_type);
    assert_eq!(before.edges, after.edges);
    assert!(s.verify().unwrap().problems.is_empty());
    assert_eq!(s.search(&SearchQuery::text("beta")).unwrap().len(), 1);
    assert!(s.search(&SearchQuery::text("alpha")).unwrap().is_empty());
    let mut n = 0;
    s.export(&ExportFilter::default(), &mut |_| {
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn missing_store_and_bad_directory_are_named() {
    let d = temp();
    let e = SqliteStore::open_read(d.path()).err().unwrap();
    assert!(e.to_string().contains(&d.path().display().to_string()));
    std::fs::create_dir_all(d.path()).unwrap();
    let file = d.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let e = SqliteStore::open_write(&file.join("data")).err().unwrap();
    assert!(e.to_string().contains("plain-file"), "{e}");
}

#[test]
fn text_index_is_rebuilt_when_it_does_not_belong_to_the_store() {
    let d = temp();
    {
        let mut s = SqliteStore::open_write(d.path()).unwrap();
        import(
            &mut s,
            &[malware("2021-01-01T00:00:00.000Z", "Gamma Loader")],
        );
        assert!(s.verify().unwrap().problems.is_empty());
    }
    // A crash between the two commits leaves the text index a generation ahead.
    {
        let c = rusqlite::Connection::open(d.path().join(text::TEXT_FILE)).unwrap();
        c.execute("UPDATE meta SET value = '99' WHERE key = 'gen'", [])
            .unwrap();
        c.execute("INSERT INTO fts (rowid, name) VALUES (424242, 'stray')", [])
            .unwrap();
    }
    let r = SqliteStore::open_read(d.path()).unwrap();
    assert!(
        !r.verify().unwrap().problems.is_empty(),
        "verify must notice"
    );
    assert!(
        r.search(&SearchQuery::text("stray")).unwrap().is_empty(),
        "strays never reach readers"
    );
    drop(r);
    let s = SqliteStore::open_write(d.path()).unwrap();
    assert!(
        s.verify().unwrap().problems.is_empty(),
        "{:?}",
        s.verify().unwrap()
    );
    assert_eq!(s.search(&SearchQuery::text("gamma")).unwrap().len(), 1);
    drop(s);
    // A lost text index comes back too.
    std::fs::remove_file(d.path().join(text::TEXT_FILE)).unwrap();
    let s = SqliteStore::open_write(d.path()).unwrap();
    assert!(s.verify().unwrap().problems.is_empty());
    assert_eq!(s.search(&SearchQuery::text("loader")).unwrap().len(), 1);
}

mod collections {
    use super::*;
    use crate::{CollectionQuery, CollectionRead, CollectionWrite, VersionMatch};

    fn post(store: &mut SqliteStore, coll: &str, objs: &[serde_json::Value]) {
        let mut tx = store.begin_import().unwrap();
        for o in objs {
            let mut r = rec(o.clone());
            tx.put(&mut r).unwrap();
            tx.collect(coll, &r).unwrap();
        }
        tx.commit().unwrap();
    }

    fn query(coll: &str, limit: usize) -> CollectionQuery {
        CollectionQuery {
            collection: coll.into(),
            after_seq: 0,
            added_after_us: None,
            ids: vec![],
            types: vec![],
            versions: vec![],
            spec_versions: vec![],
            limit,
            max_scan: 100_000,
        }
    }

    fn indicator(n: usize) -> serde_json::Value {
        json!({"type": "indicator", "spec_version": "2.1",
               "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
               "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
               "pattern": "[ipv4-addr:value = '10.0.0.1']", "pattern_type": "stix",
               "valid_from": "2020-01-01T00:00:00Z"})
    }

    #[test]
    fn added_after_finds_the_first_later_entry_of_each_collection() {
        let d = temp();
        let mut s = SqliteStore::open_write(d.path()).unwrap();
        // Two collections, interleaved, in several transactions; then holes.
        for round in 0..5 {
            for (c, coll) in ["a", "b"].iter().enumerate() {
                let objs: Vec<_> = (0..7)
                    .map(|i| indicator(round * 100 + c * 10 + i))
                    .collect();
                post(&mut s, coll, &objs);
            }
        }
        for n in [0usize, 1, 106, 210, 211, 212, 406] {
            let id = format!("indicator--00000000-0000-4000-8000-{n:012}");
            let coll = if (n / 10) % 10 == 0 { "a" } else { "b" };
            s.remove_from_collection(coll, &id, &[VersionMatch::All], &[])
                .unwrap();
        }
        let entries: Vec<(String, i64, String)> = {
            let mut st = s
                .conn
                .prepare("SELECT e.coll, e.added, o.id FROM coll_entries e JOIN objects o ON o.oid = e.oid ORDER BY e.seq")
                .unwrap();
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        // Every instant around every entry, in both collections: the page holds
        // exactly the collection's entries added later, in order.
        let mut instants: Vec<i64> = entries
            .iter()
            .flat_map(|e| [e.1 - 1, e.1, e.1 + 1])
            .collect();
        instants.push(i64::MIN + 1);
        for t in instants {
            for coll in ["a", "b"] {
                let mut q = query(coll, 1000);
                q.added_after_us = Some(t);
                let got: Vec<String> = s
                    .collection_page(&q, &mut Some)
                    .unwrap()
                    .entries
                    .into_iter()
                    .map(|e| e.id)
                    .collect();
                let want: Vec<String> = entries
                    .iter()
                    .filter(|e| e.0 == coll && e.1 > t)
                    .map(|e| e.2.clone())
                    .collect();
                assert_eq!(got, want, "added after {t} in {coll}");
            }
        }
        // The index it replaces is gone.
        let idx: i64 = s
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'coll_entries_added'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(idx, 0);
    }

    fn ids(store: &SqliteStore, q: &CollectionQuery) -> (Vec<String>, bool, i64) {
        let p = store.collection_page(q, &mut Some).unwrap();
        (
            p.entries
                .iter()
                .map(|e| format!("{} {}", e.id, e.version))
                .collect(),
            p.more,
            p.next_seq,
        )
    }

    #[test]
    fn pages_see_every_entry_once_while_others_write() {
        let dir = temp();
        let mut store = SqliteStore::open_write(dir.path()).unwrap();
        post(&mut store, "c", &(0..25).map(indicator).collect::<Vec<_>>());
        post(&mut store, "other", &[indicator(99)]);
        let mut seen = Vec::new();
        let mut q = query("c", 10);
        loop {
            let (page, more, next) = ids(&store, &q);
            seen.extend(page);
            // Another writer adds objects between pages; they come after the cursor.
            if seen.len() == 10 {
                post(
                    &mut store,
                    "c",
                    &(100..103).map(indicator).collect::<Vec<_>>(),
                );
            }
            if !more {
                break;
            }
            q.after_seq = next;
        }
        let unique: std::collections::BTreeSet<_> = seen.iter().collect();
        assert_eq!(seen.len(), 28);
        assert_eq!(unique.len(), 28);
        // Dates strictly increase with the order of addition.
        let all = store.collection_page(&query("c", 1000), &mut Some).unwrap();
        assert!(all
            .entries
            .windows(2)
            .all(|w| w[0].added_us < w[1].added_us && w[0].seq < w[1].seq));
        // added_after starts after the given instant.
        let mut q = query("c", 1000);
        q.added_after_us = Some(all.entries[24].added_us);
        assert_eq!(ids(&store, &q).0.len(), 3);
    }

    #[test]
    fn versions_first_last_all_and_removal() {
        let dir = temp();
        let mut store = SqliteStore::open_write(dir.path()).unwrap();
        post(&mut store, "c", &[malware("2021-01-01T00:00:00Z", "b")]);
        post(&mut store, "c", &[malware("2020-06-01T00:00:00.000Z", "a")]);
        post(&mut store, "c", &[malware("2022-01-01T00:00:00Z", "c")]);
        // Posting a version again changes nothing.
        post(&mut store, "c", &[malware("2022-01-01T00:00:00.000Z", "c")]);
        fn names(store: &SqliteStore, versions: Vec<VersionMatch>) -> Vec<String> {
            let mut q = query("c", 100);
            q.versions = versions;
            store
                .collection_page(&q, &mut Some)
                .unwrap()
                .entries
                .iter()
                .map(|e| {
                    serde_json::from_str::<serde_json::Value>(&e.json).unwrap()["name"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect()
        }
        assert_eq!(names(&store, vec![]), ["c"]);
        assert_eq!(names(&store, vec![VersionMatch::First]), ["a"]);
        assert_eq!(names(&store, vec![VersionMatch::All]), ["b", "a", "c"]);
        let at = Timestamp::parse("2021-01-01T00:00:00.000Z")
            .unwrap()
            .instant_key();
        assert_eq!(
            names(&store, vec![VersionMatch::At(at), VersionMatch::Last]),
            ["b", "c"]
        );
        let mut q = query("c", 100);
        q.spec_versions = vec!["2.0".into()];
        assert!(ids(&store, &q).0.is_empty());
        // Removing the newest makes the next one the last.
        let removed = store
            .remove_from_collection("c", ID, &[VersionMatch::Last], &[])
            .unwrap();
        assert_eq!(removed, 1);
        assert_eq!(names(&store, vec![]), ["b"]);
        assert_eq!(store.remove_from_collection("c", ID, &[], &[]).unwrap(), 2);
        assert!(names(&store, vec![VersionMatch::All]).is_empty());
        // The versions stay in the store.
        assert_eq!(store.history(ID).unwrap().len(), 3);
    }

    #[test]
    fn keep_filters_without_shortening_pages() {
        let dir = temp();
        let mut store = SqliteStore::open_write(dir.path()).unwrap();
        post(&mut store, "c", &(0..30).map(indicator).collect::<Vec<_>>());
        // Hide every other object: pages still fill up to the limit.
        let mut q = query("c", 5);
        let mut kept = 0;
        loop {
            let p = store
                .collection_page(&q, &mut |e| {
                    (e.id.as_bytes()[e.id.len() - 1] % 2 == 0).then_some(e)
                })
                .unwrap();
            assert!(p.entries.len() == 5 || !p.more);
            kept += p.entries.len();
            if !p.more {
                break;
            }
            q.after_seq = p.next_seq;
        }
        assert_eq!(kept, 15);
        // A scan budget ends a page early with `more` set.
        let mut q = query("c", 100);
        q.max_scan = 7;
        let p = store.collection_page(&q, &mut Some).unwrap();
        assert_eq!((p.entries.len(), p.more), (7, true));
    }
}
