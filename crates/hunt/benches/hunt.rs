//! In-process speed of hunting (issue 5): Zeek conn and dns lines of about
//! 400 bytes through the driver (adapter, pre-filter, indicator set) with
//! 100,000 equality indicators on `ipv4-addr:value` and `domain-name:value`
//! loaded, one record in a thousand hitting; the same lines read only for
//! the pre-filter's facts (`adapters::read` with `Hunter::want`, a kept
//! record read again whole); and the lines with no indicator. Reading files
//! is not timed (bench/hunt/run.py times the whole `vigil hunt`).
//!
//! Run with `cargo bench -p vigil-hunt --bench hunt`. On a shared machine,
//! `HUNT_BENCH_BEST=N` instead times N passes over the lines and prints the
//! best (other work only makes a pass slower; `HUNT_BENCH_CASE=name` for
//! one case), and `HUNT_BENCH_STAGES=N` the best of N for the scanner and
//! the adapter alone.

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;
use vigil_hunt::adapters;
use vigil_hunt::drive::Driver;
use vigil_hunt::fact::{PathTable, Record, Want};
use vigil_hunt::hunter::{Found, Hunter, Loc};
use vigil_hunt::Format;
use vigil_pattern::{Entry, IndicatorSet, Pattern};

const INDICATORS: usize = 100_000;
const LINES: usize = 20_000;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn id(&mut self, prefix: char) -> String {
        const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut s = String::from(prefix);
        for _ in 0..17 {
            s.push(char::from(B62[self.below(62) as usize]));
        }
        s
    }
}

fn indicator_values(rng: &mut Rng) -> (Vec<String>, Vec<String>) {
    let tlds = ["top", "xyz", "biz", "click", "su"];
    let ips = (0..INDICATORS / 2)
        .map(|_| {
            format!(
                "45.{}.{}.{}",
                rng.below(256),
                rng.below(256),
                1 + rng.below(254)
            )
        })
        .collect();
    let domains = (0..INDICATORS / 2)
        .map(|_| {
            format!(
                "upd{}.{}",
                rng.below(10_000_000),
                tlds[rng.below(5) as usize]
            )
        })
        .collect();
    (ips, domains)
}

/// Zeek conn and dns lines as `LogAscii::use_json=T` writes them (the
/// fields of tests/hunt/gen_logs.py), one in a thousand carrying an
/// indicator's value.
fn lines(rng: &mut Rng, ips: &[String], domains: &[String]) -> Vec<Vec<u8>> {
    let slds = [
        "google",
        "microsoft",
        "github",
        "contoso",
        "northwind",
        "akamai",
        "zoom",
    ];
    let tlds = ["com", "net", "org", "io"];
    let mut out = Vec::with_capacity(LINES);
    for n in 0..LINES {
        let ts = 1_709_510_400.0 + n as f64 * 0.173;
        let hit = rng.below(1000) == 0;
        let client = format!("10.20.{}.{}", rng.below(16), 2 + rng.below(248));
        let uid = rng.id('C');
        let line = if rng.below(100) < 55 {
            let server = if hit {
                ips[rng.below(ips.len() as u64) as usize].clone()
            } else {
                format!(
                    "{}.{}.{}.{}",
                    13 + rng.below(200),
                    rng.below(256),
                    rng.below(256),
                    1 + rng.below(254)
                )
            };
            let (ob, rb) = (rng.below(5000), rng.below(200_000));
            format!(
                r#"{{"ts":{ts:.6},"uid":"{uid}","id.orig_h":"{client}","id.orig_p":{},"id.resp_h":"{server}","id.resp_p":443,"proto":"tcp","service":"ssl","duration":{:.6},"orig_bytes":{ob},"resp_bytes":{rb},"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":{},"orig_ip_bytes":{},"resp_pkts":{},"resp_ip_bytes":{},"ip_proto":6}}"#,
                49152 + rng.below(16000),
                rng.below(9_000_000) as f64 / 1e6,
                ob / 1200 + 3,
                ob + 120,
                rb / 1400 + 3,
                rb + 120
            )
        } else {
            let query = if hit {
                domains[rng.below(domains.len() as u64) as usize].clone()
            } else {
                format!(
                    "www.{}.{}",
                    slds[rng.below(7) as usize],
                    tlds[rng.below(4) as usize]
                )
            };
            let answer = format!(
                "{}.{}.{}.{}",
                13 + rng.below(200),
                rng.below(256),
                rng.below(256),
                1 + rng.below(254)
            );
            format!(
                r#"{{"ts":{ts:.6},"uid":"{uid}","id.orig_h":"{client}","id.orig_p":{},"id.resp_h":"10.10.0.53","id.resp_p":53,"proto":"udp","trans_id":{},"rtt":{:.6},"query":"{query}","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["cdn-3.{query}","{answer}"],"TTLs":[3600.0,30.0],"rejected":false}}"#,
                49152 + rng.below(16000),
                rng.below(65536),
                rng.below(90_000) as f64 / 1e6
            )
        };
        out.push(line.into_bytes());
    }
    out
}

fn hunter(ips: &[String], domains: &[String], with_indicators: bool) -> Hunter {
    let mut set = IndicatorSet::new();
    if with_indicators {
        let paths = ips
            .iter()
            .map(|v| ("ipv4-addr:value", v))
            .chain(domains.iter().map(|v| ("domain-name:value", v)));
        for (i, (path, value)) in paths.enumerate() {
            set.insert(Entry {
                id: Arc::from(format!("indicator--{i:08}")),
                pattern: Pattern::parse(&format!("[{path} = '{value}']")).expect("a valid pattern"),
                valid_from: None,
                valid_until: None,
            });
        }
    }
    Hunter::new(set, Arc::new(PathTable::new()))
}

/// How a case reads its lines.
enum Case {
    /// Through the driver, as `vigil hunt` does.
    Driver(Box<Driver>),
    /// The adapter reads only the facts the pre-filter looks at.
    ForPrefilter(Box<Hunter>, Option<Record<'static>>),
}

impl Case {
    fn new(ips: &[String], domains: &[String], with_indicators: bool, partial: bool) -> Case {
        let h = hunter(ips, domains, with_indicators);
        if partial {
            Case::ForPrefilter(Box::new(h), Some(Record::default()))
        } else {
            Case::Driver(Box::new(Driver::new(h, Some(Format::Zeek), None, None)))
        }
    }

    /// One pass over the lines: how many gave no record.
    fn pass(&mut self, lines: &[Vec<u8>], found: &mut Vec<Found>) -> usize {
        match self {
            Case::Driver(d) => {
                let mut problems = Vec::new();
                for (i, l) in lines.iter().enumerate() {
                    d.line("conn.log", i as u64 + 1, black_box(l), found, &mut problems);
                }
                problems.len()
            }
            Case::ForPrefilter(h, spare) => {
                let want = h.want();
                let mut problems = 0;
                for (i, l) in lines.iter().enumerate() {
                    let line = black_box(&l[..]);
                    let mut rec = spare.take().unwrap_or_default().recycle();
                    match adapters::read(Format::Zeek, None, line, &mut rec, want) {
                        Ok(()) => h.record_read(
                            &rec,
                            want,
                            |r| adapters::read(Format::Zeek, None, line, r, Want::ALL).is_ok(),
                            || Loc {
                                file: Arc::from("conn.log"),
                                line: i as u64 + 1,
                            },
                            found,
                        ),
                        Err(_) => problems += 1,
                    }
                    *spare = Some(rec.recycle());
                }
                problems
            }
        }
    }
}

/// Name, indicators loaded, read for the pre-filter only.
const CASES: [(&str, bool, bool); 3] = [
    ("zeek_100k_indicators", true, false),
    ("zeek_100k_indicators_read_for_prefilter", true, true),
    ("zeek_no_indicators", false, false),
];

/// The best of `passes` passes over the lines, for each case.
fn best(passes: usize) {
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let (ips, domains) = indicator_values(&mut rng);
    let lines = lines(&mut rng, &ips, &domains);
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let only = std::env::var("HUNT_BENCH_CASE").ok();
    for (name, with, partial) in CASES {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let mut case = Case::new(&ips, &domains, with, partial);
        let mut found = Vec::new();
        let mut best = Duration::MAX;
        for _ in 0..passes {
            let t = std::time::Instant::now();
            assert_eq!(case.pass(&lines, &mut found), 0);
            best = best.min(t.elapsed());
            found.clear();
        }
        let secs = best.as_secs_f64();
        println!(
            "{name}: best of {passes}: {:.3} ms, {:.0} records/s, {:.1} MB/s",
            secs * 1e3,
            lines.len() as f64 / secs,
            bytes as f64 / secs / 1e6
        );
    }
}

fn hunt(c: &mut Criterion) {
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let (ips, domains) = indicator_values(&mut rng);
    let lines = lines(&mut rng, &ips, &domains);
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut g = c.benchmark_group("hunt");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(30).measurement_time(Duration::from_secs(6));
    for (name, with, partial) in CASES {
        let mut case = Case::new(&ips, &domains, with, partial);
        let mut found = Vec::new();
        let (mut problems, mut hits) = (0, 0);
        g.bench_function(name, |b| {
            b.iter(|| {
                problems += case.pass(&lines, &mut found);
                hits = found.len();
                found.clear();
            })
        });
        assert_eq!(problems, 0, "{name}");
        assert!(!with || hits >= LINES / 2000, "{name}: {hits} hits");
    }
    g.finish();
}

/// The best time of `passes` runs of `f`.
fn best_of(passes: usize, mut f: impl FnMut()) -> Duration {
    (0..passes)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Where the time of a pass goes: the scanner alone (beside serde_json
/// checking the same lines), the adapter reading every fact or only the
/// pre-filter's, each over all the lines.
fn stages(passes: usize) {
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let (ips, domains) = indicator_values(&mut rng);
    let lines = lines(&mut rng, &ips, &domains);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut n = 0usize;
    let scan = best_of(passes, || {
        for l in &lines {
            let ok = vigil_hunt::json::flat_members(black_box(l), &mut |k, _| n += k.len());
            assert!(ok.is_ok());
        }
    });
    println!("scanner (json::flat_members): {:.3} ms", ms(scan));
    let serde = best_of(passes, || {
        for l in &lines {
            assert!(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(l)).is_ok());
        }
    });
    println!(
        "serde_json checking the lines (IgnoredAny): {:.3} ms",
        ms(serde)
    );
    let h = hunter(&ips, &domains, true);
    for (label, want) in [
        ("every fact", Want::ALL),
        ("the pre-filter's facts", h.want()),
        ("no fact (the time only)", Want::NONE),
    ] {
        let mut spare = Some(Record::default());
        let read = best_of(passes, || {
            for l in &lines {
                let mut rec = spare.take().unwrap_or_default().recycle();
                let ok = adapters::read(Format::Zeek, None, black_box(l), &mut rec, want);
                assert!(ok.is_ok());
                n += rec.facts.len();
                spare = Some(rec.recycle());
            }
        });
        println!("adapter, {label}: {:.3} ms", ms(read));
    }
    black_box(n);
}

fn main() {
    if let Some(n) = std::env::var("HUNT_BENCH_STAGES")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        stages(n);
        return;
    }
    if let Some(n) = std::env::var("HUNT_BENCH_BEST")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        best(n);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    hunt(&mut c);
    c.final_summary();
}
