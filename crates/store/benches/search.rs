//! In-process latency of the store's reads on MITRE ATT&CK Enterprise (issue 2:
//! search under 2 ms): `search`, `resolve` + `get`, and `neighbors`.
//!
//! The store is built once, in a temporary directory, by the same pipeline as
//! `vigil import` (streaming parse, upgrade + validation, `Record`, one import
//! transaction) from the bundled `assets/attack/enterprise-attack-18.1.json.zst`,
//! then reopened read-only as the CLI does. Run with
//! `cargo bench -p vigil-store --bench search`; bench/run.sh prints the medians
//! beside the OASIS stix2 peer's.

use criterion::Criterion;
use std::hint::black_box;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vigil_stix::parse::{parse_reader, Item};
use vigil_store::{NeighborQuery, ReadStore, Record, SearchQuery, SqliteStore, WriteStore};

const ATTACK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/attack/enterprise-attack-18.1.json.zst"
);

/// Imports the bundled ATT&CK into a new store in `dir`; returns the object count.
fn import_attack(dir: &Path) -> u64 {
    let file = std::fs::File::open(ATTACK).expect("open the bundled ATT&CK");
    let reader = zstd::stream::read::Decoder::new(file).expect("zstd stream");
    let mut store = SqliteStore::open_write(dir).expect("create the store");
    let mut tx = store.begin_import().expect("begin import");
    let mut n = 0u64;
    parse_reader(reader, |item| {
        if let Item::Object(raw) = item {
            let map = raw.value.expect("ATT&CK objects are JSON objects");
            let checked =
                vigil_stix::check_with_source(map, raw.bundle_spec_version.as_deref(), raw.compact);
            assert!(checked.is_valid(), "ATT&CK object {} invalid", raw.index);
            let mut record = Record::with_json(&checked.object, checked.source_json);
            tx.put(&mut record).expect("put");
            n += 1;
        }
        ControlFlow::Continue(())
    })
    .expect("parse ATT&CK");
    tx.commit().expect("commit");
    n
}

fn search(text: &str, types: &[&str], limit: usize) -> SearchQuery {
    SearchQuery {
        text: text.to_string(),
        types: types.iter().map(|t| t.to_string()).collect(),
        limit,
        include_revoked: false,
    }
}

fn neighbors(id: &str, depth: usize, rel: &[&str]) -> NeighborQuery {
    NeighborQuery {
        id: id.to_string(),
        depth,
        rel: rel.iter().map(|r| r.to_string()).collect(),
        include_revoked: false,
        max_nodes: 10_000,
    }
}

fn benches(c: &mut Criterion, store: &SqliteStore) {
    let mut g = c.benchmark_group("search");
    for (name, q) in [
        (
            "spearphishing_attack-pattern",
            search("spearphishing", &["attack-pattern"], 10),
        ),
        ("credential_dumping", search("credential dumping", &[], 20)),
        ("APT29", search("APT29", &[], 20)),
    ] {
        let hits = store.search(&q).expect("search");
        assert!(!hits.is_empty(), "search {name} found nothing");
        g.bench_function(name, |b| {
            b.iter(|| store.search(black_box(&q)).expect("search"))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("get");
    g.bench_function("resolve_G0022_and_get", |b| {
        b.iter(|| {
            let id = store
                .resolve(black_box("G0022"))
                .expect("resolve")
                .expect("G0022 is in ATT&CK");
            store.get(&id).expect("get").expect("current version")
        })
    });
    g.finish();

    let g0022 = store
        .resolve("G0022")
        .expect("resolve")
        .expect("G0022 is in ATT&CK");
    let mut g = c.benchmark_group("neighbors");
    g.sample_size(20);
    for (name, q) in [
        ("G0022_depth1", neighbors(&g0022, 1, &[])),
        ("G0022_depth2_uses", neighbors(&g0022, 2, &["uses"])),
    ] {
        let graph = store.neighbors(&q).expect("neighbors");
        eprintln!(
            "neighbors {name}: {} nodes, {} edges",
            graph.nodes.len(),
            graph.edges.len()
        );
        g.bench_function(name, |b| {
            b.iter(|| store.neighbors(black_box(&q)).expect("neighbors"))
        });
    }
    g.finish();
}

/// Removes the temporary store however the benchmark ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let dir =
        TempDir(std::env::temp_dir().join(format!("vigil-bench-search-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    let t = Instant::now();
    let n = import_attack(&dir.0);
    eprintln!(
        "imported {n} ATT&CK objects into {} in {:.2} s",
        dir.0.display(),
        t.elapsed().as_secs_f64()
    );
    let store = SqliteStore::open_read(&dir.0).expect("open the store for reading");
    benches(&mut c, &store);
    drop(store);
    c.final_summary();
}
