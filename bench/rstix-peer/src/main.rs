//! The `rstix` crate's STIX pattern engine run the way the OASIS matcher is run
//! in bench/pattern/run.py: every indicator's pattern against every observation,
//! one observation at a time (an observation is one line of JSON lines: a bundle
//! of one observed-data and the SCOs it references).
//!
//!     rstix-peer INDICATORS.json OBSERVATIONS.jsonl [--seconds S] [--limit N] [--hits FILE]
//!
//! Prints one JSON object on stdout: patterns parsed / refused, observations
//! done, seconds, observations/s, evaluation errors (by message), hits. Stops
//! after `--limit` observations or once `--seconds` have passed (checked after
//! each observation). Timing covers parsing each line with `Bundle::parse` and
//! evaluating every pattern on it, not reading the indicators.

use rstix::model::sdo::ObservedData;
use rstix::model::Bundle;
use rstix::pattern::Pattern;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

fn main() {
    if let Err(e) = run() {
        eprintln!("rstix-peer: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut positional, mut seconds, mut limit, mut hits_path) =
        (Vec::new(), f64::INFINITY, usize::MAX, None);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--seconds" => {
                seconds = value("--seconds")?
                    .parse()
                    .map_err(|e| format!("--seconds: {e}"))?
            }
            "--limit" => {
                limit = value("--limit")?
                    .parse()
                    .map_err(|e| format!("--limit: {e}"))?
            }
            "--hits" => hits_path = Some(value("--hits")?),
            _ => positional.push(a),
        }
    }
    let [indicators, observations] = positional.as_slice() else {
        return Err("usage: rstix-peer INDICATORS.json OBSERVATIONS.jsonl [--seconds S] [--limit N] [--hits FILE]".into());
    };

    let text = std::fs::read_to_string(indicators).map_err(|e| format!("{indicators}: {e}"))?;
    let bundle: Value = serde_json::from_str(&text).map_err(|e| format!("{indicators}: {e}"))?;
    let objects = bundle["objects"]
        .as_array()
        .ok_or("indicator bundle has no objects")?;
    let t = Instant::now();
    let mut patterns = Vec::new();
    let mut refused: BTreeMap<String, u64> = BTreeMap::new();
    for o in objects.iter().filter(|o| o["type"] == "indicator") {
        let (Some(id), Some(p)) = (o["id"].as_str(), o["pattern"].as_str()) else {
            continue;
        };
        match Pattern::parse(p) {
            Ok(pat) => patterns.push((id.to_string(), pat)),
            Err(e) => *refused.entry(first_words(&e.to_string())).or_default() += 1,
        }
    }
    let parse_seconds = t.elapsed().as_secs_f64();

    let file = std::fs::File::open(observations).map_err(|e| format!("{observations}: {e}"))?;
    let mut hits = Vec::new();
    let mut eval_errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut bad_lines = 0u64;
    let mut done = 0usize;
    let start = Instant::now();
    for line in BufReader::new(file).lines() {
        if done >= limit || start.elapsed().as_secs_f64() >= seconds {
            break;
        }
        let line = line.map_err(|e| format!("{observations}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        done += 1;
        let b = match Bundle::parse(&line) {
            Ok(b) => b,
            Err(_) => {
                bad_lines += 1;
                continue;
            }
        };
        for od in b.objects_of_type::<ObservedData>() {
            for (id, pat) in &patterns {
                match pat.evaluate_observed_data(od, &b) {
                    Ok(true) => hits.push((id.clone(), od.common.id.to_string())),
                    Ok(false) => {}
                    Err(e) => *eval_errors.entry(first_words(&e.to_string())).or_default() += 1,
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();

    if let Some(p) = hits_path {
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(&p).map_err(|e| format!("{p}: {e}"))?);
        for (i, o) in &hits {
            writeln!(f, "{}", json!({"indicator": i, "observation": o}))
                .map_err(|e| e.to_string())?;
        }
        f.flush().map_err(|e| e.to_string())?;
    }
    let out = json!({
        "rstix": "0.23.0",
        "patterns": patterns.len(),
        "patterns_refused": refused,
        "parse_seconds": parse_seconds,
        "observations": done,
        "unreadable_observations": bad_lines,
        "seconds": secs,
        "observations_per_second": done as f64 / secs.max(1e-9),
        "evaluation_errors": eval_errors,
        "hits": hits.len(),
    });
    println!("{out}");
    Ok(())
}

/// An error message cut to its kind, so counts group (ids and values dropped).
fn first_words(msg: &str) -> String {
    msg.split(['`', '\'', '"'])
        .next()
        .unwrap_or(msg)
        .trim()
        .chars()
        .take(80)
        .collect()
}
