//! In-process speed of the pattern engine (issue 3): `IndicatorSet::push` with
//! 100,000 equality indicators on one core (target: at least 1,000,000
//! observations/s once parsed), and `Pattern::parse`.
//!
//! Run with `cargo bench -p vigil-pattern --bench set`; bench/pattern/run.py
//! reads criterion's medians and prints them as rates. The observations are
//! parsed before timing (`observation::from_json`), so only matching is timed.

#[allow(dead_code)]
mod common;

use common::{eq_indicators, observations, Kind, Rng};
use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use vigil_pattern::{Hit, IndicatorSet, Pattern};

const INDICATORS: usize = 100_000;
const OBSERVATIONS: usize = 10_000;

fn push(c: &mut Criterion) {
    let indicators = eq_indicators(42, INDICATORS);
    let mut set = IndicatorSet::new();
    for (_, _, e) in &indicators {
        set.insert(e.clone());
    }
    // 1% of observations hit (gen_workload.py's default rate), and all of them.
    let mostly_background = observations(7, OBSERVATIONS, &indicators, 100);
    let all_hits = observations(8, OBSERVATIONS, &indicators, 1);
    let mut g = c.benchmark_group("indicator_set");
    g.throughput(Throughput::Elements(OBSERVATIONS as u64));
    g.sample_size(20).measurement_time(Duration::from_secs(6));
    for (name, obs) in [
        ("push_100k_equality", &mostly_background),
        ("push_100k_equality_hits", &all_hits),
    ] {
        let mut hits: Vec<Hit> = Vec::new();
        let mut found = 0usize;
        g.bench_function(name, |b| {
            b.iter(|| {
                for o in obs.iter() {
                    set.push(black_box(o), &mut hits);
                }
                found = hits.len();
                hits.clear();
            })
        });
        assert!(
            found >= OBSERVATIONS / if name.ends_with("hits") { 1 } else { 100 },
            "{name}: {found} hits"
        );
    }
    g.finish();
}

fn parse(c: &mut Criterion) {
    let mut r = Rng::new(3);
    let equality: Vec<String> = (0..1000)
        .map(|_| {
            let k = Kind::pick(&mut r);
            common::eq_pattern(k, &common::ind_value(&mut r, k))
        })
        .collect();
    // The shapes of gen_workload.py's mix: equality, AND/OR, LIKE/MATCHES/ISSUBSET, qualifiers.
    let mix: Vec<String> = [
        "[ipv4-addr:value = '45.77.12.9']",
        "[domain-name:value = 'login.k3j-x9q.ru']",
        "[url:value = 'http://a8fj2k.top/x7k2/gate.php']",
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        "[ipv4-addr:value = '5.8.1.2' OR ipv4-addr:value = '5.8.1.3' OR ipv4-addr:value = '9.9.1.1']",
        "[network-traffic:dst_ref.value = '45.77.12.9' AND network-traffic:dst_port = 4444 AND network-traffic:protocols[*] = 'tcp']",
        "[file:name = 'svch0st.exe' AND file:hashes.MD5 = '0f343b0931126a20f133d67c2b018a3b' AND file:size = 53211]",
        "[domain-name:value LIKE '%.qx7e1k.biz']",
        "[url:value MATCHES '^https?://login\\\\.k3jx9q\\\\.ru/[a-z0-9]{6,12}/(gate|panel|admin)\\\\.php$']",
        "[network-traffic:dst_ref.value ISSUBSET '31.14.0.0/16']",
        "[ipv4-addr:value = '45.77.12.9'] REPEATS 3 TIMES",
        "([file:hashes.MD5 = '0f343b0931126a20f133d67c2b018a3b'] AND [network-traffic:dst_ref.value = '45.77.12.9']) WITHIN 300 SECONDS",
        "[domain-name:value = 'a.k3j.ru'] FOLLOWEDBY [url:value = 'http://a.k3j.ru/c2']",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for p in equality.iter().chain(&mix) {
        Pattern::parse(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    let mut g = c.benchmark_group("pattern_parse");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    for (name, ps) in [("equality", &equality), ("workload_mix", &mix)] {
        g.throughput(Throughput::Elements(ps.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                for p in ps.iter() {
                    black_box(Pattern::parse(black_box(p)).ok());
                }
            })
        });
    }
    g.finish();
}

criterion::criterion_group!(benches, push, parse);
criterion::criterion_main!(benches);
