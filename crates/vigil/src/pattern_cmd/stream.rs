//! `vigil match`: every STIX indicator of a bundle against a stream of
//! observations, through one [`IndicatorSet`].
//!
//! Both inputs are read with the store's streaming reader (bundles of any
//! size, arrays, JSON lines, .gz/.zst, stdin), so memory holds the indicator
//! set, one object at a time, what the observation resolver keeps (the SCOs a
//! later observed-data may refer to), and 16 bytes per observation seen (its
//! id, which a later multi-observation hit may name).

use super::json_line;
use super::MatchArgs;
use crate::import::progress_bar;
use crate::{input, Global};
use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::{BufWriter, IsTerminal, Write};
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigil_pattern::observation::Resolver;
use vigil_pattern::{
    Entry, Hit, IndicatorSet, Observation, ObservationError, Pattern, StixVersion,
};
use vigil_stix::parse::{parse_reader, split_reader, Item, ParseError, Piece};

/// What loading the indicators found.
#[derive(Debug, Default)]
struct Loaded {
    /// Indicators in the set.
    indicators: u64,
    /// Indicators whose pattern was refused (each reported on stderr).
    refused: u64,
    /// Indicators of another pattern language (`pattern_type` not `stix`).
    other_language: u64,
    /// Objects that could not be read, or indicators without a pattern.
    unreadable: u64,
    /// Indicators left out because they are revoked, or superseded by a newer version.
    superseded: u64,
}

pub fn run(g: &Global, args: &MatchArgs) -> Result<i32> {
    let start = Instant::now();
    let (set, loaded) = load_indicators(&args.indicators)?;
    let load_secs = start.elapsed().as_secs_f64();
    let mut summary = Summary {
        indicators: loaded.indicators,
        ..Summary::default()
    };
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let result = stream(g, args, set, &mut summary, progress);
    let s = &summary;
    let secs = s.seconds.max(1e-9);
    let rate = |n: u64, t: f64| n as f64 / t.max(1e-9);
    let mut skipped = Vec::new();
    for (n, what) in [
        (loaded.refused, "refused"),
        (loaded.other_language, "not STIX patterns"),
        (loaded.unreadable, "unreadable"),
        (loaded.superseded, "revoked or superseded"),
    ] {
        if n > 0 {
            skipped.push(format!("{n} {what}"));
        }
    }
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!(" (skipped: {})", skipped.join(", "))
    };
    let unread = if s.skipped > 0 {
        format!(" ({} objects skipped)", s.skipped)
    } else {
        String::new()
    };
    eprintln!(
        "{} indicators loaded in {load_secs:.2} s{skipped}\n\
         {} observations{unread}, {} hits, in {:.2} s: {:.0} observations/s\n  \
         reading and parsing JSON {:.2} s on its own thread ({:.0} observations/s alone), \
         resolving observations {:.2} s, matching {:.2} s ({:.0} observations/s alone)",
        s.indicators,
        s.observations,
        s.hits,
        s.seconds,
        rate(s.observations, secs),
        s.parse_seconds,
        rate(s.observations, s.parse_seconds),
        s.resolve_seconds,
        s.match_seconds,
        rate(s.observations, s.match_seconds),
    );
    result?;
    Ok(if s.hits > 0 { 0 } else { 1 })
}

/// The STIX version an indicator's pattern is written in: its own
/// `spec_version`; without one, `pattern_type` (a 2.1 property) means 2.1,
/// then the bundle's `spec_version`; else 2.0 (a 2.1 indicator must say).
fn indicator_version(obj: &Map<String, Value>, bundle: Option<&str>) -> StixVersion {
    let said = obj.get("spec_version").and_then(Value::as_str);
    match said
        .or(obj.contains_key("pattern_type").then_some("2.1"))
        .or(bundle)
    {
        Some("2.1") => StixVersion::V21,
        _ => StixVersion::V20,
    }
}

fn timestamp(obj: &Map<String, Value>, key: &str) -> Option<vigil_pattern::Instant> {
    obj.get(key)
        .and_then(Value::as_str)
        .and_then(vigil_pattern::Instant::parse)
}

/// The `modified` of the version of each indicator held, by id: the usual
/// `indicator--<uuid>` id as its 16 bytes (a million indicators: ~50 MB, not
/// ~150 MB with the id's text), any other id as text.
#[derive(Default)]
struct Newest {
    uuids: HashMap<u128, Option<vigil_pattern::Instant>>,
    other: HashMap<String, Option<vigil_pattern::Instant>>,
}

impl Newest {
    fn get(&self, id: &str) -> Option<&Option<vigil_pattern::Instant>> {
        match id.strip_prefix("indicator--").and_then(parse_uuid) {
            Some(u) => self.uuids.get(&u),
            None => self.other.get(id),
        }
    }

    fn insert(
        &mut self,
        id: &str,
        modified: Option<vigil_pattern::Instant>,
    ) -> Option<Option<vigil_pattern::Instant>> {
        match id.strip_prefix("indicator--").and_then(parse_uuid) {
            Some(u) => self.uuids.insert(u, modified),
            None => self.other.insert(id.to_string(), modified),
        }
    }
}

/// Reads every indicator of `path` whose pattern is STIX into a set. Of
/// several versions of one indicator the newest (by `modified`) is kept; a
/// revoked one is left out. Refused patterns are reported on stderr.
fn load_indicators(path: &std::path::Path) -> Result<(IndicatorSet, Loaded)> {
    let inp = input::open(path)?;
    let name = inp.name.clone();
    let mut set = IndicatorSet::new();
    let mut loaded = Loaded::default();
    // Per id: the `modified` of the version held (or left out as revoked).
    let mut newest = Newest::default();
    let mut in_set = 0u64;
    let res = parse_reader(inp.reader, |item| {
        let Item::Object(raw) = item else {
            return ControlFlow::Continue(());
        };
        let obj = match raw.value {
            Ok(obj) => obj,
            Err(e) => {
                eprintln!("vigil: {name}: {e}");
                loaded.unreadable += 1;
                return ControlFlow::Continue(());
            }
        };
        if obj.get("type").and_then(Value::as_str) != Some("indicator") {
            return ControlFlow::Continue(());
        }
        let id = obj.get("id").and_then(Value::as_str).unwrap_or_default();
        let label = if id.is_empty() {
            format!("{name}: indicator at {}", raw.position)
        } else {
            id.to_string()
        };
        match obj.get("pattern_type").and_then(Value::as_str) {
            None | Some("stix") => {}
            Some(_) => {
                loaded.other_language += 1;
                return ControlFlow::Continue(());
            }
        }
        let Some(text) = obj.get("pattern").and_then(Value::as_str) else {
            eprintln!("vigil: {label}: no pattern; skipped");
            loaded.unreadable += 1;
            return ControlFlow::Continue(());
        };
        let modified = timestamp(&obj, "modified");
        if let Some(held) = newest.get(id) {
            if modified < *held {
                loaded.superseded += 1;
                return ControlFlow::Continue(());
            }
        }
        if obj.get("revoked").and_then(Value::as_bool) == Some(true) {
            if set.remove(id) {
                in_set -= 1;
            }
            newest.insert(id, modified);
            loaded.superseded += 1;
            return ControlFlow::Continue(());
        }
        let version = indicator_version(&obj, raw.bundle_spec_version.as_deref());
        let pattern = match Pattern::parse_version(text, version) {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "vigil: {label}: pattern refused [{}]: {} (at byte {}); skipped",
                    e.rule, e.message, e.span.0
                );
                loaded.refused += 1;
                return ControlFlow::Continue(());
            }
        };
        // Errors the OASIS matcher raises whatever the observations (a set
        // mixing types, an impossible timestamp): the pattern can never match.
        if let Err(e) = pattern.evaluable() {
            eprintln!("vigil: {label}: pattern refused: {e}; skipped");
            loaded.refused += 1;
            return ControlFlow::Continue(());
        }
        if newest.insert(id, modified).is_some() && set.remove(id) {
            in_set -= 1;
            loaded.superseded += 1;
        }
        set.insert(Entry {
            id: Arc::from(id),
            pattern,
            valid_from: timestamp(&obj, "valid_from"),
            valid_until: timestamp(&obj, "valid_until"),
        });
        in_set += 1;
        ControlFlow::Continue(())
    });
    match res {
        Ok(_) => {}
        Err(ParseError::Syntax { position, message }) => bail!("{name}: {position}: {message}"),
        Err(ParseError::Io(e)) => bail!("{name}: read error: {e}"),
    }
    loaded.indicators = in_set;
    Ok((set, loaded))
}

/// What a run did, for the summary.
#[derive(Debug, Default)]
struct Summary {
    indicators: u64,
    observations: u64,
    hits: u64,
    seconds: f64,
    /// Time the reader thread was busy (scanning and parsing JSON).
    parse_seconds: f64,
    /// Time turning objects into observations (resolving references).
    resolve_seconds: f64,
    /// Time in [`IndicatorSet::push`].
    match_seconds: f64,
    /// Objects that could not be read as (part of) an observation.
    skipped: u64,
}

/// The observations of one bundle (or of the loose objects of the input), in
/// file order. A STIX 2.1 observed-data that names an SCO not yet seen is held
/// by the resolver until the bundle ends, and the observations after it wait
/// with it, so the matcher still sees file order. (So a bundle whose early
/// observed-data names an SCO it never holds keeps its observations until its
/// end; self-contained bundles per line, or SCOs before their observed-data,
/// stream in constant memory.)
struct Scope {
    resolver: Resolver,
    /// Observations waiting for a held one before them; `None` marks where a held one goes.
    waiting: Vec<Option<Observation>>,
}

impl Scope {
    fn new(version: StixVersion) -> Scope {
        Scope {
            resolver: Resolver::new(version),
            waiting: Vec::new(),
        }
    }

    /// Takes the next object; appends to `ready` what may go to the matcher now.
    fn push(
        &mut self,
        object: Value,
        ready: &mut Vec<Observation>,
    ) -> Result<(), ObservationError> {
        let observed_data = object.get("type").and_then(Value::as_str) == Some("observed-data");
        match self.resolver.push(object)? {
            Some(o) if self.waiting.is_empty() => ready.push(o),
            Some(o) => self.waiting.push(Some(o)),
            None if observed_data => self.waiting.push(None),
            None => {}
        }
        Ok(())
    }

    /// Ends the scope: resolves what is held and appends every waiting
    /// observation to `ready`, in file order.
    fn finish(self, ready: &mut Vec<Observation>) -> Result<(), ObservationError> {
        let mut held = self.resolver.finish()?.into_iter();
        for w in self.waiting {
            ready.extend(w.or_else(|| held.next()));
        }
        ready.extend(held);
        Ok(())
    }
}

/// Streams the observations through the set, printing hits as they come.
fn stream(
    g: &Global,
    args: &MatchArgs,
    mut set: IndicatorSet,
    s: &mut Summary,
    progress: bool,
) -> Result<()> {
    let inp = input::open(&args.observations)?;
    let name = inp.name.clone();
    let bar = progress_bar(progress, inp.size);
    let read_bytes = inp.read_bytes.clone();
    let default_version: StixVersion = args.stix_version.into();
    let mut ids = IdLog::default();
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut ready: Vec<Observation> = Vec::new();
    let mut hits: Vec<Hit> = Vec::new();
    let start = Instant::now();
    let mut objects = 0u64;
    let mut feed = |ready: &mut Vec<Observation>, s: &mut Summary| -> Result<()> {
        let t = Instant::now();
        for o in ready.iter() {
            ids.push(o.id.as_deref());
            hits.clear();
            set.push(o, &mut hits);
            s.observations += 1;
            for h in &hits {
                s.hits += 1;
                print_hit(&mut out, g.json, h, &ids)?;
            }
        }
        s.match_seconds += t.elapsed().as_secs_f64();
        Ok(())
    };
    // The reader thread parses and resolves; the observations come here to
    // be matched and go back to it to be freed. Memory is freed by the thread
    // that allocated it: mimalloc's cross-thread frees nearly doubled the CPU
    // time of one-bundle-per-line input (measured: 2.90 s against 1.51 s).
    let (tx, rx) = mpsc::sync_channel::<Vec<Ready>>(8);
    let (back_tx, back_rx) = mpsc::channel::<Vec<Observation>>();
    let reader = std::thread::Builder::new()
        .name("vigil-read".into())
        .spawn(move || read_observations(inp.reader, tx, &back_rx, default_version))?;
    let mut failure: Option<anyhow::Error> = None;
    for batch in rx {
        for item in batch {
            match item {
                Ready::Observation(o) => ready.push(o),
                Ready::Skipped(message) => {
                    eprintln!("vigil: {name}: {message}; skipped");
                    s.skipped += 1;
                }
            }
        }
        if let Err(e) = feed(&mut ready, s) {
            failure = Some(e);
            // Dropping the receiver stops the reader.
            break;
        }
        // Refused only once the reader has stopped: then dropping here is fine.
        let _ = back_tx.send(std::mem::take(&mut ready));
        objects += BATCH as u64;
        if objects.is_multiple_of(16 * BATCH as u64) {
            bar.set_position(read_bytes.load(Ordering::Relaxed));
            let secs = start.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "{} observations, {} hits, {:.0} observations/s",
                s.observations,
                s.hits,
                s.observations as f64 / secs
            ));
        }
    }
    drop(back_tx);
    let (res, busy, resolving) = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader thread of {name} failed"))?;
    s.parse_seconds = busy - resolving;
    s.resolve_seconds = resolving;
    bar.finish_and_clear();
    s.seconds = start.elapsed().as_secs_f64();
    if let Some(e) = failure {
        return Err(e);
    }
    match res {
        Ok(_) => {}
        Err(ParseError::Syntax { position, message }) => bail!("{name}: {position}: {message}"),
        Err(ParseError::Io(e)) => bail!("{name}: read error: {e}"),
    }
    out.flush().context("cannot write the hits")?;
    Ok(())
}

/// Objects handed from the reader thread to the matcher at a time.
const BATCH: usize = 256;

/// What the reader thread hands over, in input order.
enum Ready {
    /// The next observation.
    Observation(Observation),
    /// An object that could not be read as (part of) an observation: where and why.
    Skipped(String),
}

/// Cuts the input into objects, parses each and resolves them into
/// observations (on its own thread, so reading overlaps matching), sending
/// batches in input order; drops the spent observations the matcher sends
/// back. Matching needs the values, not the exact text, so each object is
/// parsed by plain serde_json (no duplicate-key check, no compact copy, as
/// import's strict parse makes). Returns the reader's result, the seconds it
/// was busy (not waiting for the matcher) and the part of them spent
/// resolving.
fn read_observations(
    reader: Box<dyn std::io::Read + Send>,
    tx: mpsc::SyncSender<Vec<Ready>>,
    back: &mpsc::Receiver<Vec<Observation>>,
    default_version: StixVersion,
) -> (Result<vigil_stix::parse::Summary, ParseError>, f64, f64) {
    let start = Instant::now();
    let mut waiting = Duration::ZERO;
    let mut resolving = Duration::ZERO;
    let mut scope = Scope::new(default_version);
    let mut observations: Vec<Observation> = Vec::new();
    let mut batch: Vec<Ready> = Vec::with_capacity(BATCH);
    let mut send = |batch: &mut Vec<Ready>| -> ControlFlow<()> {
        // Free what the matcher is done with, here where it was allocated.
        while let Ok(spent) = back.try_recv() {
            drop(spent);
        }
        let t = Instant::now();
        let sent = tx.send(std::mem::replace(batch, Vec::with_capacity(BATCH)));
        waiting += t.elapsed();
        if sent.is_err() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let skipped = |batch: &mut Vec<Ready>, message: String| batch.push(Ready::Skipped(message));
    let res = split_reader(reader, |piece| {
        match piece {
            // A bundle's references resolve within it: the one before is done.
            Piece::Bundle(h) => {
                let version = match h.spec_version.as_deref() {
                    Some("2.0") => StixVersion::V20,
                    Some("2.1") => StixVersion::V21,
                    _ => default_version,
                };
                let done = std::mem::replace(&mut scope, Scope::new(version));
                if let Err(e) = done.finish(&mut observations) {
                    skipped(&mut batch, e.to_string());
                }
            }
            Piece::Object(o) => match serde_json::from_slice::<Value>(o.bytes) {
                Ok(v @ Value::Object(_)) => {
                    let t = Instant::now();
                    if let Err(e) = scope.push(v, &mut observations) {
                        skipped(&mut batch, format!("{}: {e}", o.position));
                    }
                    resolving += t.elapsed();
                }
                Ok(_) => skipped(&mut batch, format!("{}: not a JSON object", o.position)),
                Err(e) => skipped(&mut batch, format!("{}: not JSON: {e}", o.position)),
            },
        }
        batch.extend(observations.drain(..).map(Ready::Observation));
        if batch.len() >= BATCH {
            return send(&mut batch);
        }
        ControlFlow::Continue(())
    });
    if res.is_ok() {
        let t = Instant::now();
        if let Err(e) = scope.finish(&mut observations) {
            skipped(&mut batch, e.to_string());
        }
        resolving += t.elapsed();
        batch.extend(observations.drain(..).map(Ready::Observation));
    }
    if !batch.is_empty() {
        let _ = send(&mut batch);
    }
    (
        res,
        (start.elapsed() - waiting).as_secs_f64(),
        resolving.as_secs_f64(),
    )
}

fn print_hit(out: &mut impl Write, json: bool, h: &Hit, ids: &IdLog) -> Result<()> {
    if json {
        for &pos in &h.observations {
            json_line(
                out,
                &serde_json::json!({"indicator": &*h.indicator, "observation": ids.get(pos)}),
            )?;
        }
    } else {
        let named: Vec<String> = h
            .observations
            .iter()
            .map(|&pos| {
                ids.get(pos)
                    .unwrap_or_else(|| format!("observation #{pos}"))
            })
            .collect();
        writeln!(out, "{}  {}", h.indicator, named.join(" "))?;
    }
    Ok(())
}

/// The id of every observation seen, by stream position, so that a hit can
/// name observations long past. The usual `observed-data--<uuid>` id is kept
/// as its 16 bytes; any other id (or none) goes to a side table.
#[derive(Default)]
struct IdLog {
    uuids: Vec<u128>,
    other: HashMap<u64, Option<String>>,
}

const PREFIX: &str = "observed-data--";

impl IdLog {
    fn push(&mut self, id: Option<&str>) {
        let pos = self.uuids.len() as u64;
        match id.and_then(|i| i.strip_prefix(PREFIX)).and_then(parse_uuid) {
            Some(u) => self.uuids.push(u),
            None => {
                self.uuids.push(0);
                self.other.insert(pos, id.map(str::to_string));
            }
        }
    }

    fn get(&self, pos: u64) -> Option<String> {
        if let Some(other) = self.other.get(&pos) {
            return other.clone();
        }
        let u = *self.uuids.get(usize::try_from(pos).ok()?)?;
        let h = format!("{u:032x}");
        Some(format!(
            "{PREFIX}{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        ))
    }
}

/// A UUID in its canonical lower-case 8-4-4-4-12 form, as a number; `None`
/// for anything that would not print back the same.
fn parse_uuid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut n = 0u128;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        n = (n << 4) | u128::from(d);
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_log_round_trips() {
        let mut log = IdLog::default();
        let canonical = "observed-data--0b4fd2c2-5c1a-4b4b-8f8e-9a2f0e6c1d11";
        log.push(Some(canonical));
        log.push(Some("observed-data--0B4FD2C2-5C1A-4B4B-8F8E-9A2F0E6C1D11"));
        log.push(Some("x-obs--1"));
        log.push(None);
        assert_eq!(log.get(0).as_deref(), Some(canonical));
        assert_eq!(
            log.get(1).as_deref(),
            Some("observed-data--0B4FD2C2-5C1A-4B4B-8F8E-9A2F0E6C1D11")
        );
        assert_eq!(log.get(2).as_deref(), Some("x-obs--1"));
        assert_eq!(log.get(3), None);
        assert_eq!(log.get(4), None);
        assert_eq!(log.uuids.len(), 4);
    }
}
