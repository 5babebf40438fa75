//! `vigil import`: each input is cut into objects (scan thread), parsed,
//! upgraded and validated (a check worker per core), and written in input
//! order (this thread, and the store's text thread), one transaction per input.
//!
//! Without `--lenient` an input with any invalid object, or that is not readable
//! to its end, is rolled back whole. With `--lenient` the valid objects read are
//! committed and the rest reported.

use crate::input::Input;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use vigil_stix::parse::{
    parse_object, split_reader, ObjectSlice, ParseError, Piece, Position, RawObject,
};
use vigil_stix::{check_with_source, Finding, Props, Severity};
use vigil_store::{PutOutcome, Record, WriteStore};

/// How many invalid objects an input report lists in full (all are counted).
const MAX_LISTED: usize = 1000;

/// Import settings.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Commit the valid objects of an input that has invalid ones.
    pub lenient: bool,
    /// Draw a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Also add each object written to this TAXII collection (by id).
    pub collection: Option<String>,
}

/// One invalid object, located.
#[derive(Debug, Clone, Serialize)]
pub struct Invalid {
    /// 0-based index in the input.
    pub index: u64,
    /// Line of the object's opening brace.
    pub line: u64,
    /// Column of the object's opening brace.
    pub column: u64,
    /// The object's id, when it has one.
    pub id: Option<String>,
    /// Every MUST-level finding.
    pub errors: Vec<Finding>,
}

/// What happened to one input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InputReport {
    /// The path, or `<stdin>`.
    pub source: String,
    /// Whether its writes were committed.
    pub committed: bool,
    /// Objects read (valid or not).
    pub objects: u64,
    /// New objects.
    pub added: u64,
    /// New current versions of known objects.
    pub updated: u64,
    /// Versions older than the current one (kept in history).
    pub older: u64,
    /// Versions already stored.
    pub unchanged: u64,
    /// Versions already stored with different content (the stored one is kept).
    pub conflicts: u64,
    /// Objects that break a MUST of the spec (or are not JSON objects).
    pub invalid: u64,
    /// SHOULD-level findings.
    pub warnings: u64,
    /// Objects that came as STIX 2.0 and were stored as 2.1.
    pub upgraded_from_20: u64,
    /// Why the input could not be read to its end, with line and column.
    pub error: Option<String>,
    /// The first invalid objects, located.
    pub invalid_objects: Vec<Invalid>,
    /// The first objects whose version was already stored with other content
    /// (the stored one was kept).
    pub conflict_ids: Vec<String>,
}

/// What an import did, over all its inputs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Objects read.
    pub objects: u64,
    /// New objects.
    pub added: u64,
    /// New current versions of known objects.
    pub updated: u64,
    /// Versions already stored.
    pub unchanged: u64,
    /// Older versions kept in history only.
    pub older: u64,
    /// Same version, other content; stored one kept.
    pub conflicts: u64,
    /// Invalid objects.
    pub invalid: u64,
    /// SHOULD-level findings.
    pub warnings: u64,
    /// Objects upgraded from STIX 2.0.
    pub upgraded_from_20: u64,
    /// Objects imported (valid ones, each id counted once) per type.
    pub by_type: BTreeMap<String, u64>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Objects read per second.
    pub objects_per_second: f64,
    /// Per input.
    pub inputs: Vec<InputReport>,
}

impl Report {
    /// Whether every input was committed with no invalid object.
    pub fn clean(&self) -> bool {
        self.invalid == 0 && self.inputs.iter().all(|i| i.committed && i.error.is_none())
    }
}

enum Msg {
    Valid {
        record: Box<Record>,
        /// [`id_hash`] of the record's id (computed by the check worker).
        id_hash: u128,
        warnings: u64,
        upgraded: bool,
    },
    Invalid(Box<Invalid>),
}

/// Imports `inputs` into `store`, in order.
pub fn run(
    store: &mut dyn WriteStore,
    inputs: Vec<Input>,
    opts: Options,
) -> anyhow::Result<Report> {
    let start = Instant::now();
    let mut report = Report::default();
    let mut seen = Counted::default();
    let total_bytes: u64 = inputs.iter().filter_map(|i| i.size).sum();
    let sized = inputs.iter().all(|i| i.size.is_some());
    let bar = progress_bar(opts.progress, sized.then_some(total_bytes));
    let mut done_bytes = 0;
    for input in inputs {
        let size = input.size.unwrap_or(0);
        let r = import_one(
            store,
            input,
            &opts,
            &mut seen,
            &mut report.by_type,
            &bar,
            done_bytes,
            start,
        )?;
        done_bytes += size;
        report.objects += r.objects;
        report.added += r.added;
        report.updated += r.updated;
        report.unchanged += r.unchanged;
        report.older += r.older;
        report.conflicts += r.conflicts;
        report.invalid += r.invalid;
        report.warnings += r.warnings;
        report.upgraded_from_20 += r.upgraded_from_20;
        report.inputs.push(r);
    }
    bar.finish_and_clear();
    report.seconds = start.elapsed().as_secs_f64();
    report.objects_per_second = if report.seconds > 0.0 {
        report.objects as f64 / report.seconds
    } else {
        0.0
    };
    Ok(report)
}

/// A progress bar over `total` bytes (a spinner when the size is unknown),
/// hidden unless `enabled`. Shared with `vigil match`.
pub(crate) fn progress_bar(enabled: bool, total: Option<u64>) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(t) => ProgressBar::new(t).with_style(
            ProgressStyle::with_template(
                "{spinner} {bar:30} {bytes}/{total_bytes} {msg} [{elapsed}, eta {eta}]",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {bytes} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[allow(clippy::too_many_arguments)]
fn import_one(
    store: &mut dyn WriteStore,
    input: Input,
    opts: &Options,
    seen: &mut Counted,
    by_type: &mut BTreeMap<String, u64>,
    bar: &ProgressBar,
    done_bytes: u64,
    start: Instant,
) -> anyhow::Result<InputReport> {
    let mut rep = InputReport {
        source: input.name.clone(),
        ..InputReport::default()
    };
    let (parser, rx, workers, give_back) = start_pipeline(input.reader)?;
    let mut import = store.begin_import()?;
    let mut writing = true;
    // Ids first counted in this input: in `seen` from the start, counted in
    // `by_type` (types[i] has counts[i] of them) only if the input commits,
    // and taken out of `seen` again if it does not. (A count per type, not a
    // type per id: 16 bytes an id instead of 32, at 1M ids 16-32 MB less.)
    seen.begin_input();
    let mut types: Vec<String> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    let mut n = 0u64;
    // Batches arrive in input order: each is waited for in the order it was cut.
    for batch in rx.into_iter().map_while(|batch| batch.recv().ok()) {
        let mut written = Vec::with_capacity(batch.msgs.len());
        for msg in batch.msgs {
            n += 1;
            if n.is_multiple_of(2048) {
                bar.set_position(done_bytes + input.read_bytes.load(Ordering::Relaxed));
                let secs = start.elapsed().as_secs_f64().max(1e-9);
                bar.set_message(format!("{} objects, {:.0} objects/s", n, n as f64 / secs));
            }
            match msg {
                Msg::Invalid(inv) => {
                    rep.objects += 1;
                    rep.invalid += 1;
                    if !opts.lenient {
                        writing = false;
                    }
                    if rep.invalid_objects.len() < MAX_LISTED {
                        rep.invalid_objects.push(*inv);
                    }
                }
                Msg::Valid {
                    mut record,
                    id_hash,
                    warnings,
                    upgraded,
                } => {
                    rep.objects += 1;
                    rep.warnings += warnings;
                    rep.upgraded_from_20 += u64::from(upgraded);
                    if !writing {
                        continue;
                    }
                    let outcome = import.put(&mut record)?;
                    if let Some(c) = &opts.collection {
                        if !matches!(outcome, PutOutcome::Conflict) {
                            import.collect(c, &record)?;
                        }
                    }
                    match outcome {
                        PutOutcome::Added => rep.added += 1,
                        PutOutcome::Updated => rep.updated += 1,
                        PutOutcome::Older => rep.older += 1,
                        PutOutcome::Unchanged => rep.unchanged += 1,
                        PutOutcome::Conflict => {
                            rep.conflicts += 1;
                            if rep.conflict_ids.len() < MAX_LISTED {
                                rep.conflict_ids.push(record.id.clone());
                            }
                        }
                    }
                    // An id the store did not hold cannot have been counted yet.
                    let counted = match outcome {
                        PutOutcome::Added => {
                            seen.note_new(id_hash);
                            true
                        }
                        _ => seen.insert(id_hash),
                    };
                    if counted {
                        match types.iter().position(|t| *t == record.object_type) {
                            Some(i) => counts[i] += 1,
                            None => {
                                types.push(record.object_type.clone());
                                counts.push(1);
                            }
                        }
                    }
                    written.push(record);
                }
            }
        }
        // Freed by the worker that made them (see `start_pipeline`).
        if let Some(back) = give_back.get(batch.worker) {
            let _ = back.send(written);
        }
    }
    for w in workers {
        let _ = w.join();
    }
    let parsed = parser
        .join()
        .map_err(|_| anyhow::anyhow!("the parser thread of {} failed", input.name))?;
    if let Err(e) = parsed {
        rep.error = Some(match e {
            ParseError::Syntax { position, message } => {
                format!("{}: {position}: {message}", input.name)
            }
            ParseError::Io(e) => format!("{}: read error: {e}", input.name),
        });
        if !opts.lenient {
            writing = false;
        }
    }
    if writing {
        import.commit()?;
        rep.committed = true;
        for (t, n) in types.into_iter().zip(counts) {
            *by_type.entry(t).or_default() += n;
        }
    } else {
        drop(import);
        seen.roll_back();
        rep.added = 0;
        rep.updated = 0;
        rep.older = 0;
        rep.unchanged = 0;
        rep.conflicts = 0;
        rep.conflict_ids.clear();
    }
    Ok(rep)
}

/// Objects are cut, checked and written in batches of this many (or of
/// [`BATCH_BYTES`]), so threads rarely wait on each other.
const BATCH: usize = 256;
const BATCH_BYTES: usize = 1 << 20;

/// A batch of objects cut from the input, to be parsed and checked by a worker.
struct Job {
    bytes: Vec<u8>,
    items: Vec<Item>,
    done: mpsc::SyncSender<CheckedBatch>,
}

/// A batch checked by worker number `worker`.
struct CheckedBatch {
    worker: usize,
    msgs: Vec<Msg>,
}

/// One object of a [`Job`]: an [`ObjectSlice`] whose text is `bytes[range]`.
struct Item {
    index: u64,
    position: Position,
    bundle_spec_version: Option<String>,
    range: std::ops::Range<usize>,
    compact: bool,
}

type Pipeline = (
    std::thread::JoinHandle<Result<(), ParseError>>,
    mpsc::Receiver<mpsc::Receiver<CheckedBatch>>,
    Vec<std::thread::JoinHandle<()>>,
    Vec<mpsc::Sender<Vec<Box<Record>>>>,
);

/// Starts the threads that turn an input into checked records: one scanner
/// cutting the input into batches of objects, and a worker per core parsing,
/// upgrading, validating and preparing them. The receiver yields, in input
/// order, one receiver per batch for that batch's messages.
///
/// Once written, a batch's records go back to the worker that made them
/// (the senders returned, one per worker), which frees them: the allocator
/// frees a block on its own thread cheaply, and from another thread only by
/// handing it back (the writer spent 4% of its time freeing records, the
/// workers 7% of theirs taking the blocks back; perf, 200k indicators).
fn start_pipeline(reader: Box<dyn std::io::Read + Send>) -> std::io::Result<Pipeline> {
    let n = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(2 * n);
    let job_rx = std::sync::Arc::new(std::sync::Mutex::new(job_rx));
    // Batch buffers go back to the scanner once checked (see `scan`).
    let (spare_tx, spare_rx) = mpsc::sync_channel::<Vec<u8>>(4 * n);
    let (order_tx, order_rx) = mpsc::sync_channel::<mpsc::Receiver<CheckedBatch>>(32);
    let mut workers = Vec::with_capacity(n);
    let mut give_back = Vec::with_capacity(n);
    for i in 0..n {
        let jobs = job_rx.clone();
        let spare = spare_tx.clone();
        let (back_tx, written) = mpsc::channel::<Vec<Box<Record>>>();
        give_back.push(back_tx);
        workers.push(
            std::thread::Builder::new()
                .name(format!("vigil-check-{i}"))
                .spawn(move || loop {
                    while let Ok(records) = written.try_recv() {
                        drop(records);
                    }
                    let job = match jobs.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let msgs = job
                        .items
                        .iter()
                        .map(|item| {
                            let slice = ObjectSlice {
                                index: item.index,
                                position: item.position,
                                bundle_spec_version: item.bundle_spec_version.as_deref(),
                                bytes: &job.bytes[item.range.clone()],
                                compact: item.compact,
                            };
                            check_one(&slice)
                        })
                        .collect();
                    let _ = job.done.send(CheckedBatch { worker: i, msgs });
                    let _ = spare.try_send(job.bytes);
                })?,
        );
    }
    let scanner = std::thread::Builder::new()
        .name("vigil-scan".into())
        .spawn(move || scan(reader, job_tx, order_tx, spare_rx))?;
    Ok((scanner, order_rx, workers, give_back))
}

/// Cuts the input into batches; queues each batch's result in order, then the batch.
///
/// The workers give each batch's buffer back once they have checked it
/// (`spare`): a new 1 MiB buffer per batch was a third of this thread's time,
/// most of it the kernel handing out and zeroing fresh pages (perf, 200k
/// indicators).
fn scan(
    reader: Box<dyn std::io::Read + Send>,
    jobs: mpsc::SyncSender<Job>,
    order: mpsc::SyncSender<mpsc::Receiver<CheckedBatch>>,
    spare: mpsc::Receiver<Vec<u8>>,
) -> Result<(), ParseError> {
    let buffer = || match spare.try_recv() {
        Ok(mut b) => {
            b.clear();
            b
        }
        Err(_) => Vec::with_capacity(BATCH_BYTES),
    };
    let mut bytes = buffer();
    let mut items = Vec::with_capacity(BATCH);
    let flush = |bytes: &mut Vec<u8>, items: &mut Vec<_>| -> ControlFlow<()> {
        let (done, result) = mpsc::sync_channel(1);
        let job = Job {
            bytes: std::mem::replace(bytes, buffer()),
            items: std::mem::replace(items, Vec::with_capacity(BATCH)),
            done,
        };
        if order.send(result).is_err() || jobs.send(job).is_err() {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    };
    let result = split_reader(reader, |piece| {
        let Piece::Object(o) = piece else {
            return ControlFlow::Continue(());
        };
        let start = bytes.len();
        bytes.extend_from_slice(o.bytes);
        items.push(Item {
            index: o.index,
            position: o.position,
            bundle_spec_version: o.bundle_spec_version.map(str::to_owned),
            range: start..bytes.len(),
            compact: o.compact,
        });
        if items.len() >= BATCH || bytes.len() >= BATCH_BYTES {
            return flush(&mut bytes, &mut items);
        }
        ControlFlow::Continue(())
    });
    if !items.is_empty() {
        let _ = flush(&mut bytes, &mut items);
    }
    result.map(|_| ())
}

/// Checks one object and prepares what the writer needs: on the borrowed tree
/// when it can (see `vigil_stix::check_quick`), else through `serde_json`.
fn check_one(slice: &ObjectSlice<'_>) -> Msg {
    let Some(quick) = vigil_stix::check_quick(slice) else {
        return to_msg(parse_object(slice));
    };
    if quick.is_valid() {
        let record = Record::from_props(Props(&quick.object), quick.compact);
        Msg::Valid {
            id_hash: id_hash(&record.id),
            record: Box::new(record),
            warnings: quick.findings.len() as u64,
            upgraded: false,
        }
    } else {
        let id = Props(&quick.object).str("id");
        invalid(slice.index, slice.position, id, quick.findings)
    }
}

/// An invalid object's report: its MUST-level findings, located.
fn invalid(index: u64, at: Position, id: Option<&str>, findings: Vec<Finding>) -> Msg {
    Msg::Invalid(Box::new(Invalid {
        index,
        line: at.line,
        column: at.column,
        id: id.map(str::to_string),
        errors: findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect(),
    }))
}

/// Checks one parsed object and prepares what the writer needs.
fn to_msg(raw: RawObject) -> Msg {
    match raw.value {
        Err(e) => Msg::Invalid(Box::new(Invalid {
            index: raw.index,
            line: e.position.line,
            column: e.position.column,
            id: None,
            errors: vec![Finding::error("", "json-syntax", e.message)],
        })),
        Ok(map) => {
            let mut checked =
                check_with_source(map, raw.bundle_spec_version.as_deref(), raw.compact);
            if checked.is_valid() {
                let warnings = checked.findings.len() as u64;
                let record = Record::with_json(&checked.object, checked.source_json.take());
                Msg::Valid {
                    id_hash: id_hash(&record.id),
                    record: Box::new(record),
                    warnings,
                    upgraded: checked.upgraded_from_20,
                }
            } else {
                invalid(
                    raw.index,
                    raw.position,
                    checked.object.str("id"),
                    checked.findings,
                )
            }
        }
    }
}

/// The ids an import run has counted in `by_type`, as 128-bit hashes ([`id_hash`]:
/// 16 bytes an id, so a million-object import needs 16 MB, not the ids themselves).
///
/// Most ids are new to the store, and a new id cannot have been counted yet
/// (had an earlier input of the run counted it, the store would hold it). So
/// new ids are only noted, in a list; the set is filled from the list the
/// first time an id the store held before has to be looked up. A run that only
/// adds objects never builds it: inserting 1M hashes was 7% of the writer
/// thread's time (perf, 200k indicators).
#[derive(Default)]
struct Counted {
    set: HashSet<u128, BuildHasherDefault<PassThrough>>,
    /// Counted, and not in `set` yet.
    noted: Vec<u128>,
    /// Where the current input's entries of `noted` begin.
    input_start: usize,
    /// What the current input counted that is in `set` (for a rollback).
    in_set: Vec<u128>,
}

/// The key is already a good hash: use its low bits as they are.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64 ^ (v >> 64) as u64;
    }
}

fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Two FNV-1a hashes of an id with different offsets: cheap, and a collision
/// of both is as likely as one of a 128-bit hash.
fn id_hash(id: &str) -> u128 {
    let a = fnv1a(0xcbf2_9ce4_8422_2325, id.as_bytes());
    let b = fnv1a(0x8422_2325_cbf2_9ce4, id.as_bytes());
    (u128::from(a) << 64) | u128::from(b)
}

impl Counted {
    /// An input begins: what it counts can be taken back ([`roll_back`](Self::roll_back)).
    fn begin_input(&mut self) {
        self.input_start = self.noted.len();
        self.in_set.clear();
    }

    /// Counts an id known not to be counted yet.
    fn note_new(&mut self, h: u128) {
        self.noted.push(h);
    }

    /// Counts an id unless it was counted; whether it was not.
    fn insert(&mut self, h: u128) -> bool {
        if !self.noted.is_empty() {
            self.in_set
                .extend_from_slice(&self.noted[self.input_start..]);
            self.set.extend(self.noted.drain(..));
            self.input_start = 0;
        }
        let new = self.set.insert(h);
        if new {
            self.in_set.push(h);
        }
        new
    }

    /// Uncounts what the current input counted.
    fn roll_back(&mut self) {
        self.noted.truncate(self.input_start);
        for h in self.in_set.drain(..) {
            self.set.remove(&h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{id_hash, Counted};

    #[test]
    fn counted_ids_count_once_and_roll_back() {
        let (a, b, c) = (id_hash("x--1"), id_hash("x--2"), id_hash("x--3"));
        let mut seen = Counted::default();
        // Input 1 adds a and b, then meets a again: counted once.
        seen.begin_input();
        seen.note_new(a);
        seen.note_new(b);
        assert!(!seen.insert(a));
        // Input 2 adds c, then is rolled back: c is not counted any more.
        seen.begin_input();
        seen.note_new(c);
        seen.roll_back();
        // Input 3 meets b (stored by input 1) and c (stored before the run).
        seen.begin_input();
        assert!(!seen.insert(b));
        assert!(seen.insert(c));
        // Input 4 counts c only once again after its own rollback.
        seen.begin_input();
        seen.roll_back();
        assert!(!seen.insert(c));
    }

    #[test]
    fn rollback_after_the_set_was_built_mid_input() {
        let (a, b, c) = (id_hash("x--1"), id_hash("x--2"), id_hash("x--3"));
        let mut seen = Counted::default();
        seen.begin_input();
        seen.note_new(a);
        // Input 2: adds b, meets a (builds the set), adds c, rolls back.
        seen.begin_input();
        seen.note_new(b);
        assert!(!seen.insert(a));
        seen.note_new(c);
        seen.roll_back();
        seen.begin_input();
        assert!(!seen.insert(a));
        assert!(seen.insert(b));
        assert!(seen.insert(c));
    }
}
