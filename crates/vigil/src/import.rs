//! `vigil import`: inputs → parse + upgrade + validate (one thread) → store (this
//! thread), one transaction per input.
//!
//! Without `--lenient` an input with any invalid object, or that is not readable
//! to its end, is rolled back whole. With `--lenient` the valid objects read are
//! committed and the rest reported.

use crate::input::Input;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use vigil_stix::parse::{parse_reader, Item, ParseError};
use vigil_stix::{check_with_source, Finding, Severity};
use vigil_store::{PutOutcome, Record, WriteStore};

/// How many invalid objects an input report lists in full (all are counted).
const MAX_LISTED: usize = 1000;

/// Import settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Commit the valid objects of an input that has invalid ones.
    pub lenient: bool,
    /// Draw a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
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
    let mut seen = IdSet::default();
    let total_bytes: u64 = inputs.iter().filter_map(|i| i.size).sum();
    let sized = inputs.iter().all(|i| i.size.is_some());
    let bar = progress_bar(opts.progress, sized.then_some(total_bytes));
    let mut done_bytes = 0;
    for input in inputs {
        let size = input.size.unwrap_or(0);
        let r = import_one(
            store,
            input,
            opts,
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

fn progress_bar(enabled: bool, total: Option<u64>) -> ProgressBar {
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
    opts: Options,
    seen: &mut IdSet,
    by_type: &mut BTreeMap<String, u64>,
    bar: &ProgressBar,
    done_bytes: u64,
    start: Instant,
) -> anyhow::Result<InputReport> {
    let mut rep = InputReport {
        source: input.name.clone(),
        ..InputReport::default()
    };
    let (tx, rx) = mpsc::sync_channel::<Vec<Msg>>(16);
    let reader = input.reader;
    let parser = std::thread::Builder::new()
        .name("vigil-parse".into())
        .spawn(move || parse_thread(reader, tx))?;
    let mut import = store.begin_import()?;
    let mut writing = true;
    // Ids first seen in this input, as (hash, type index); counted in `by_type`
    // only if the input commits.
    let mut fresh: Vec<(u128, u32)> = Vec::new();
    let mut local = HashSet::new();
    let mut types: Vec<String> = Vec::new();
    let mut n = 0u64;
    for msg in rx.into_iter().flatten() {
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
                record,
                warnings,
                upgraded,
            } => {
                rep.objects += 1;
                rep.warnings += warnings;
                rep.upgraded_from_20 += u64::from(upgraded);
                if !writing {
                    continue;
                }
                match import.put(&record)? {
                    PutOutcome::Added => rep.added += 1,
                    PutOutcome::Updated => rep.updated += 1,
                    PutOutcome::Older => rep.older += 1,
                    PutOutcome::Unchanged => rep.unchanged += 1,
                    PutOutcome::Conflict => rep.conflicts += 1,
                }
                let h = seen.hash(&record.id);
                if !seen.contains(h) && local.insert(h) {
                    let t = match types.iter().position(|t| *t == record.object_type) {
                        Some(i) => i,
                        None => {
                            types.push(record.object_type);
                            types.len() - 1
                        }
                    };
                    fresh.push((h, t as u32));
                }
            }
        }
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
        for (h, t) in fresh {
            seen.insert(h);
            *by_type.entry(types[t as usize].clone()).or_default() += 1;
        }
    } else {
        drop(import);
        rep.added = 0;
        rep.updated = 0;
        rep.older = 0;
        rep.unchanged = 0;
        rep.conflicts = 0;
    }
    Ok(rep)
}

/// Objects go to the writer in batches, so the two threads rarely wait on each other.
const BATCH: usize = 256;

fn parse_thread(
    reader: Box<dyn std::io::Read + Send>,
    tx: mpsc::SyncSender<Vec<Msg>>,
) -> Result<(), ParseError> {
    let mut batch = Vec::with_capacity(BATCH);
    let result = parse_reader(reader, |item| {
        let Item::Object(raw) = item else {
            return ControlFlow::Continue(());
        };
        let msg = match raw.value {
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
                        record: Box::new(record),
                        warnings,
                        upgraded: checked.upgraded_from_20,
                    }
                } else {
                    let id = checked.object.str("id").map(str::to_string);
                    let errors = checked
                        .findings
                        .into_iter()
                        .filter(|f| f.severity == Severity::Error)
                        .collect();
                    Msg::Invalid(Box::new(Invalid {
                        index: raw.index,
                        line: raw.position.line,
                        column: raw.position.column,
                        id,
                        errors,
                    }))
                }
            }
        };
        batch.push(msg);
        if batch.len() < BATCH {
            return ControlFlow::Continue(());
        }
        match tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        }
    });
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
    result.map(|_| ())
}

/// The ids an import has counted, as 128-bit hashes (16 bytes an id, so a
/// million-object import needs 16 MB, not the ids themselves).
#[derive(Default)]
struct IdSet {
    hashes: HashSet<u128>,
    keys: (std::hash::RandomState, std::hash::RandomState),
}

impl IdSet {
    fn hash(&self, id: &str) -> u128 {
        let h = |s: &std::hash::RandomState| {
            let mut h = s.build_hasher();
            h.write(id.as_bytes());
            h.finish()
        };
        (u128::from(h(&self.keys.0)) << 64) | u128::from(h(&self.keys.1))
    }

    fn contains(&self, h: u128) -> bool {
        self.hashes.contains(&h)
    }

    fn insert(&mut self, h: u128) -> bool {
        self.hashes.insert(h)
    }
}
