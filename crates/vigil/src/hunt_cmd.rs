//! `vigil hunt` and `vigil retrohunt`: match the store's indicators against
//! the organisation's logs, record sightings, and re-check retained
//! observations when intelligence changes.

use crate::{import, input::Input, Global};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use vigil_hunt::drive::{Driver, Problem};
use vigil_hunt::fact::PathTable;
use vigil_hunt::hunter::{Found, Hunter};
use vigil_hunt::retain::Retainer;
use vigil_hunt::sighting::{self, Tally};
use vigil_hunt::{adapters::Mapping, lines, Format};
use vigil_pattern::ast::{CompExpr, ObsExpr};
use vigil_pattern::{
    comparison_roots, passing_values, Entry, IndicatorSet, Instant, Observation, Pattern,
    StixVersion,
};
use vigil_store::{ExportFilter, ReadStore, SqliteStore};

/// The detection commands.
#[derive(Subcommand, Debug)]
pub enum HuntCommand {
    /// Match every current, non-revoked indicator of the store against log records.
    ///
    /// Reads Zeek JSON, Suricata EVE JSON, Elastic Common Schema JSON, STIX
    /// observed-data, or any JSON lines through a mapping file (see
    /// crates/hunt/MAPPING.md), from files, directories, .gz/.zst, or - for
    /// stdin. Prints one line per hit (with --json: one JSON object per hit)
    /// and records the hits as STIX sightings. Unparseable records are
    /// counted and reported by file and line. Exit status 0 if anything was
    /// hit, 1 if not, 2 on error.
    Hunt(HuntArgs),
    /// Check the observables retained by earlier hunts against the current
    /// indicators, without reading the logs again.
    ///
    /// Hunts keep what they read when retention is on (`hunt --retain DAYS`
    /// or `vigil retention set DAYS`). New hits are printed (with --json: one
    /// object per indicator and observable) and recorded as sightings of the
    /// log source they came from; pairs counted before are not counted again.
    /// Only patterns of one observation expression are checked: patterns over
    /// several records need the records (hunt the logs). Imports, pulls and,
    /// in `serve`, TAXII posts and feeds do this by themselves for the
    /// indicators they add or change. Exit status 0 if anything new was hit,
    /// 1 if not.
    Retrohunt(crate::retro::RetrohuntArgs),
    /// Show or set how long hunted observables are retained for retro-hunting.
    Retention {
        #[command(subcommand)]
        action: Option<crate::retro::RetentionAction>,
    },
}

/// Log formats.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Recognise Zeek, Suricata EVE, ECS or STIX from the first records.
    Auto,
    /// Zeek JSON logs (conn, dns, http, ssl, x509, files).
    Zeek,
    /// Suricata EVE JSON (flow, dns v1/v2, http, tls, fileinfo, alert).
    Suricata,
    /// Elastic Common Schema JSON.
    Ecs,
    /// STIX observed-data (bundles or JSON lines).
    Stix,
    /// JSON lines read through --mapping.
    Mapping,
}

/// `vigil hunt`'s arguments.
#[derive(Args, Debug)]
pub struct HuntArgs {
    /// Log files, directories, or - for stdin (default: stdin).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The format of the records.
    #[arg(long, value_enum, default_value_t = LogFormat::Auto)]
    pub format: LogFormat,
    /// A mapping file (JSON field -> STIX object path); implies --format mapping.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Only records at or after this time (a STIX timestamp, a date, or a
    /// duration back from now: 90d, 12h).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Keep reading files as they grow (rotation handled) until interrupted.
    #[arg(long)]
    pub follow: bool,
    /// The name of the log source in sightings (default: the host name).
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// The markings of the source, carried by its sightings (repeatable;
    /// default TLP:AMBER+STRICT).
    #[arg(long, value_name = "MARKING")]
    pub marking: Vec<String>,
    /// Keep the distinct observables read for DAYS, for retro-hunting
    /// (remembered: later hunts retain too; see `vigil retention`).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub retain: Option<u32>,
    /// Also add the sightings (with their observed-data, SCOs and the
    /// source's identity) to this TAXII collection (its id; see `vigil
    /// collection list`), so TAXII clients read them.
    #[arg(long, value_name = "ID")]
    pub collection: Option<String>,
    /// Do not record sightings or retain observables: only print hits.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs a detection command; returns the exit status.
pub fn run(g: &Global, command: HuntCommand) -> Result<i32> {
    match command {
        HuntCommand::Hunt(a) => hunt(g, a),
        HuntCommand::Retrohunt(a) => crate::retro::retrohunt(g, a),
        HuntCommand::Retention { action } => crate::retro::retention(g, action),
    }
}

/// `--since`, as an instant of the patterning engine.
fn since_instant(s: &str) -> Result<Instant> {
    let us = crate::when::parse_since(s)?.unix_micros();
    Ok(vigil_hunt::time::from_micros(us))
}

fn now() -> Instant {
    vigil_hunt::time::from_micros(vigil_stix::Timestamp::unix_micros_now())
}

/// What the hunt knows of one indicator besides the set (the pattern's
/// text, parsed again only for a hit: the set holds the parsed form).
pub(crate) struct Info {
    pub(crate) name: String,
    pattern: String,
    version: StixVersion,
}

/// The indicators loaded from the store, as a set, with what hits print.
pub(crate) struct Intel {
    pub(crate) set: IndicatorSet,
    pub(crate) info: HashMap<Arc<str>, Info>,
    /// Indicator id -> the objects its `indicates` relationships reach.
    pub(crate) related: HashMap<String, Vec<String>>,
    /// Patterns that could not be read (id, why).
    refused: Vec<(String, String)>,
}

fn instant_of(v: &Value, key: &str) -> Option<Instant> {
    v.get(key).and_then(Value::as_str).and_then(Instant::parse)
}

impl Intel {
    pub(crate) fn new() -> Intel {
        Intel {
            set: IndicatorSet::new(),
            info: HashMap::new(),
            related: HashMap::new(),
            refused: Vec::new(),
        }
    }

    /// Adds an indicator (a JSON object) unless it is revoked, its pattern
    /// is not STIX, or (with `single`) its pattern needs more than one
    /// observation; whether it was added.
    pub(crate) fn add(&mut self, v: &Value, single: bool) -> bool {
        let id = v["id"].as_str().unwrap_or_default();
        if v["type"] != "indicator" || v["revoked"] == Value::Bool(true) {
            return false;
        }
        if v["pattern_type"].as_str().is_some_and(|t| t != "stix") {
            return false;
        }
        let version = match v["spec_version"].as_str() {
            Some("2.0") => StixVersion::V20,
            _ => StixVersion::V21,
        };
        let Some(text) = v["pattern"].as_str() else {
            return false;
        };
        let pattern = match Pattern::parse_version(text, version) {
            Ok(p) => p,
            Err(e) => {
                self.refused.push((id.to_string(), e.to_string()));
                return false;
            }
        };
        if single && !matches!(pattern.root(), ObsExpr::Leaf(_)) {
            return false;
        }
        let id: Arc<str> = Arc::from(id);
        self.set.insert(Entry {
            id: id.clone(),
            pattern,
            valid_from: instant_of(v, "valid_from"),
            valid_until: instant_of(v, "valid_until"),
        });
        let name = v["name"].as_str().unwrap_or_default().to_string();
        self.info.insert(
            id,
            Info {
                name,
                pattern: text.to_string(),
                version,
            },
        );
        true
    }

    /// The objects the loaded indicators' `indicates` relationships reach.
    pub(crate) fn load_related(&mut self, store: &SqliteStore) -> Result<()> {
        let filter = ExportFilter {
            types: vec!["relationship".into()],
            all_versions: false,
        };
        store.export(&filter, &mut |json| {
            if !json.contains("\"indicates\"") {
                return Ok(());
            }
            let Ok(v) = serde_json::from_str::<Value>(json) else {
                return Ok(());
            };
            if v["relationship_type"] != "indicates" || v["revoked"] == Value::Bool(true) {
                return Ok(());
            }
            if let (Some(s), Some(t)) = (v["source_ref"].as_str(), v["target_ref"].as_str()) {
                if self.info.contains_key(s) {
                    self.related
                        .entry(s.to_string())
                        .or_default()
                        .push(t.to_string());
                }
            }
            Ok(())
        })?;
        Ok(())
    }
}

/// The current, non-revoked STIX-pattern indicators of the store.
fn load_intel(store: &SqliteStore) -> Result<Intel> {
    let mut intel = Intel::new();
    let filter = ExportFilter {
        types: vec!["indicator".into()],
        all_versions: false,
    };
    store.export(&filter, &mut |json| {
        if let Ok(v) = serde_json::from_str::<Value>(json) {
            intel.add(&v, false);
        }
        Ok(())
    })?;
    intel.load_related(store)?;
    Ok(intel)
}

/// The values of a match's records that its comparisons hold on.
fn matched_values(pattern: &Pattern, f: &Found) -> Vec<String> {
    fn tests<'a>(c: &'a CompExpr, out: &mut Vec<&'a vigil_pattern::Comparison>) {
        match c {
            CompExpr::Test(t) => out.push(t),
            CompExpr::And(v) | CompExpr::Or(v) => v.iter().for_each(|c| tests(c, out)),
        }
    }
    let mut all = Vec::new();
    for leaf in pattern.root().leaves() {
        tests(leaf, &mut all);
    }
    let mut out: Vec<String> = Vec::new();
    // The values, from each object a comparison holds on, that it reads
    // (not those of other objects of the type in the record: a DNS answer
    // is a domain-name too).
    for (_, obs) in f.records.iter().flatten() {
        for t in &all {
            let one = CompExpr::Test((*t).clone());
            for root in comparison_roots(&one, obs).unwrap_or_default() {
                for v in passing_values(t, obs, root).unwrap_or_default() {
                    let s = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
            }
        }
    }
    out
}

/// Names and types of related objects, looked up once each.
pub(crate) struct Names<'s> {
    store: &'s SqliteStore,
    cache: HashMap<String, Value>,
}

impl<'s> Names<'s> {
    pub(crate) fn new(store: &'s SqliteStore) -> Names<'s> {
        Names {
            store,
            cache: HashMap::new(),
        }
    }

    fn get(&mut self, id: &str) -> Value {
        if let Some(v) = self.cache.get(id) {
            return v.clone();
        }
        let name = self
            .store
            .get(id)
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_str::<Value>(&v.json).ok())
            .and_then(|o| o["name"].as_str().map(str::to_string));
        let ty = id.split("--").next().unwrap_or_default();
        let v = json!({"id": id, "type": ty, "name": name});
        self.cache.insert(id.to_string(), v.clone());
        v
    }
}

/// The host's name, for the default log source.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Marking names (TLP:...) or marking-definition ids, as ids, read as the
/// access module reads a default marking.
pub(crate) fn marking_ids(given: &[String]) -> Result<Vec<String>> {
    let given: Vec<String> = if given.is_empty() {
        vec!["TLP:AMBER+STRICT".into()]
    } else {
        given.to_vec()
    };
    let mut out = Vec::new();
    for m in given {
        let id = vigil_access::Policy::with_default(&m)
            .map_err(|e| anyhow::anyhow!("--marking {m:?}: {e}"))?
            .default_marking;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Whether an SCO meets every MUST of the spec.
fn valid_sco(sco: &Value) -> bool {
    match sco {
        Value::Object(m) => vigil_stix::validate_object(m)
            .iter()
            .all(|f| f.severity != vigil_stix::Severity::Error),
        _ => false,
    }
}

/// How many observed-data a hunt records per indicator (the count goes on).
const OBSERVED_PER_RUN: usize = 10;

/// The sightings of one hunt, gathered until written.
pub(crate) struct Sightings {
    source: String,
    source_id: String,
    markings: Vec<String>,
    tallies: HashMap<String, Tally>,
    /// Observed-data and SCOs to write, by id.
    objects: Vec<Value>,
    ids: HashSet<String>,
    observed_this_run: HashMap<String, usize>,
    /// The indicators whose sightings were written so far.
    pub(crate) written: HashSet<String>,
    /// The TAXII collection they are added to.
    collection: Option<String>,
}

impl Sightings {
    pub(crate) fn new(
        source: String,
        markings: Vec<String>,
        collection: Option<String>,
    ) -> Sightings {
        let identity = sighting::source_identity(&source, &markings);
        let source_id = identity["id"].as_str().unwrap_or_default().to_string();
        Sightings {
            source,
            source_id,
            markings,
            tallies: HashMap::new(),
            objects: Vec::new(),
            ids: HashSet::new(),
            observed_this_run: HashMap::new(),
            written: HashSet::new(),
            collection,
        }
    }

    /// Counts a hit of the hunt.
    fn add(&mut self, f: &Found) {
        let Some(Some((_, obs))) = f.records.last() else {
            return;
        };
        let t = obs.first_observed;
        let records: Vec<&Observation> = f.records.iter().flatten().map(|(_, o)| &**o).collect();
        self.count(&f.indicator, &records, t, t, 1);
    }

    /// Counts `count` hits of `indicator` seen from `first` to `last`; the
    /// observed-data of `records` is recorded for the first hits of each
    /// indicator in a run.
    pub(crate) fn count(
        &mut self,
        indicator: &str,
        records: &[&Observation],
        first: Instant,
        last: Instant,
        count: u64,
    ) {
        let n = self
            .observed_this_run
            .entry(indicator.to_string())
            .or_default();
        let observed = if *n < OBSERVED_PER_RUN {
            *n += 1;
            let mut od_id = None;
            for obs in records {
                let scos = sighting::scos(obs, &self.markings);
                // An observation that is not a valid STIX object (a
                // connection whose protocols were not logged) is counted
                // without its observed-data.
                if !scos.iter().all(valid_sco) {
                    continue;
                }
                let od = sighting::observed_data(obs, &scos, &self.source, now(), &self.markings);
                od_id = od["id"].as_str().map(str::to_string);
                for o in scos.into_iter().chain([od]) {
                    let id = o["id"].as_str().unwrap_or_default().to_string();
                    if self.ids.insert(id) {
                        self.objects.push(o);
                    }
                }
            }
            od_id
        } else {
            None
        };
        self.tallies
            .entry(indicator.to_string())
            .or_insert_with(|| Tally::new(first))
            .add_many(first, last, count, observed);
    }

    /// Writes the sightings (merged with those stored) and their objects.
    pub(crate) fn write(&mut self, data: &Path) -> Result<usize> {
        if self.tallies.is_empty() {
            return Ok(0);
        }
        let mut store = SqliteStore::open_write_waiting(data, std::time::Duration::from_secs(30))?;
        let mut objects = std::mem::take(&mut self.objects);
        objects.insert(0, sighting::source_identity(&self.source, &self.markings));
        let at = now();
        let n = self.tallies.len();
        for (indicator, tally) in self.tallies.drain() {
            self.written.insert(indicator.clone());
            let id = sighting::sighting_id(&indicator, &self.source_id);
            let previous = store
                .get(&id)?
                .and_then(|v| serde_json::from_str::<Value>(&v.json).ok());
            objects.push(sighting::sighting(
                &indicator,
                &self.source_id,
                &tally,
                previous.as_ref(),
                at,
                &self.markings,
            ));
        }
        self.ids.clear();
        self.observed_this_run.clear();
        let bundle = json!({
            "type": "bundle",
            "id": format!("bundle--{}", vigil_access::secrets::new_uuid()),
            "objects": objects,
        });
        let input = Input::from_bytes("hunt sightings", serde_json::to_vec(&bundle)?);
        let report = import::run(
            &mut store,
            vec![input],
            import::Options {
                lenient: true,
                progress: false,
                collection: self.collection.clone(),
            },
        )?;
        if report.invalid > 0 {
            for r in &report.inputs {
                for inv in &r.invalid_objects {
                    eprintln!(
                        "vigil: a sighting object was refused: {:?}: {:?}",
                        inv.id,
                        inv.errors.first().map(|e| e.message.clone())
                    );
                }
            }
        }
        Ok(n)
    }
}

/// How many problem lines are printed (all are counted; read errors are all printed).
const MAX_PROBLEMS_SHOWN: u64 = 1000;

fn hunt(g: &Global, a: HuntArgs) -> Result<i32> {
    let started = std::time::Instant::now();
    let store = SqliteStore::open_read(&g.data)?;
    // Before loading: what is stored later is newer (see Retention::for_hunt).
    let newest = store.newest_added("indicator")?;
    let intel = load_intel(&store)?;
    let load_secs = started.elapsed().as_secs_f64();
    for (id, why) in &intel.refused {
        eprintln!("vigil: indicator {id}: pattern not used: {why}");
    }
    let markings = marking_ids(&a.marking)?;
    let source = a.source.clone().unwrap_or_else(host_name);
    let since = a.since.as_deref().map(since_instant).transpose()?;
    if let Some(c) = &a.collection {
        if a.dry_run {
            bail!("--collection names where sightings go; it does not go with --dry-run");
        }
        if vigil_store::Accounts::open(&g.data)?
            .collection(c)?
            .is_none()
        {
            bail!("--collection {c}: no such TAXII collection (see `vigil collection list`)");
        }
    }
    if a.dry_run && a.retain.is_some() {
        bail!("--retain records what is read; it does not go with --dry-run");
    }
    let mut retention = if a.dry_run {
        None
    } else {
        crate::retro::Retention::for_hunt(
            &g.data,
            a.retain,
            &source,
            &markings,
            a.collection.as_deref(),
            newest.as_deref(),
        )?
    };
    let mut table = PathTable::new();
    let (format, mapping) = match (&a.mapping, a.format) {
        (Some(path), LogFormat::Auto | LogFormat::Mapping) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the mapping file {}", path.display()))?;
            let m = Mapping::parse(&text, &mut table)
                .map_err(|e| anyhow::anyhow!("mapping file {}: {e}", path.display()))?;
            (Some(Format::Mapping), Some(m))
        }
        (Some(_), _) => bail!("--mapping goes with --format mapping"),
        (None, LogFormat::Mapping) => bail!("--format mapping needs --mapping FILE"),
        (None, f) => (
            match f {
                LogFormat::Auto => None,
                LogFormat::Zeek => Some(Format::Zeek),
                LogFormat::Suricata => Some(Format::Suricata),
                LogFormat::Ecs => Some(Format::Ecs),
                LogFormat::Stix => Some(Format::Stix),
                LogFormat::Mapping => unreachable!(),
            },
            None,
        ),
    };
    let indicators = intel.set.len();
    let table = Arc::new(table);
    let hunter = Hunter::new(intel.set, table.clone());
    let mut driver = Driver::new(hunter, format, mapping, since);
    if retention.is_some() {
        driver.retainer = Some(Retainer::new(vigil_stix::Timestamp::unix_micros_now()));
    }
    let paths: Vec<PathBuf> = if a.paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        a.paths.clone()
    };
    // Records/s counts the reading and matching only, not loading the
    // indicators or writing sightings (both reported on their own).
    let hunting = std::time::Instant::now();
    let mut reader = lines::Reader::new(
        &paths,
        lines::Options {
            follow: a.follow,
            ..lines::Options::default()
        },
    );
    let progress = reader.progress();
    let bar = import::progress_bar(
        !a.quiet && !a.follow && std::io::stderr().is_terminal(),
        progress.total,
    );
    let stop = Arc::new(AtomicBool::new(false));
    if a.follow {
        let stop = stop.clone();
        std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                // Ctrl-C or SIGTERM (systemd, kill): the hunt ends cleanly,
                // recording what it found.
                rt.block_on(async {
                    use tokio::signal::unix::{signal, SignalKind};
                    match signal(SignalKind::terminate()) {
                        Ok(mut term) => {
                            tokio::select! {
                                _ = tokio::signal::ctrl_c() => {}
                                _ = term.recv() => {}
                            }
                        }
                        Err(_) => {
                            let _ = tokio::signal::ctrl_c().await;
                        }
                    }
                });
                stop.store(true, Ordering::SeqCst);
            }
        });
    }
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut names = Names::new(&store);
    let mut sightings = (!a.dry_run)
        .then(|| Sightings::new(source.clone(), markings.clone(), a.collection.clone()));
    let mut hits = 0u64;
    let mut hit_indicators: HashSet<Arc<str>> = HashSet::new();
    let mut found: Vec<Found> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut shown = 0u64;
    let mut too_long = 0u64;
    let mut read_errors = 0u64;
    let mut current: Option<(String, u64)> = None;
    let mut last_flush = std::time::Instant::now();
    let mut io_error: Option<std::io::Error> = None;
    let mut lines_seen = 0u64;
    let summary = reader.run(&stop, &mut |item| {
        // A new input (or the same one reopened) ends the previous one.
        let file = item.file();
        let switching = match &current {
            Some((f, _)) => f != file || matches!(item, lines::Item::Rotated { .. }),
            None => false,
        };
        if switching {
            if let Some((f, last)) = current.take() {
                driver.end_file(&f, last, &mut found, &mut problems);
            }
        }
        let mut read_error = None;
        match item {
            lines::Item::Line { file, line, text } => {
                match &mut current {
                    Some((f, l)) if f == file => *l = line,
                    _ => current = Some((file.to_string(), line)),
                }
                driver.line(file, line, text, &mut found, &mut problems);
            }
            lines::Item::TooLong { file, line, len } => {
                too_long += 1;
                problems.push(Problem {
                    file: Arc::from(file),
                    line,
                    why: format!("a line of {len} bytes, longer than the limit; skipped"),
                });
            }
            lines::Item::Error { file, line, message } => {
                read_errors += 1;
                // Line 0: the file itself (it could not be opened).
                read_error = Some(if line == 0 {
                    format!("vigil: {file}: {message}")
                } else {
                    format!("vigil: {file}:{line}: {message}")
                });
            }
            lines::Item::Rotated { file } => {
                eprintln!("vigil: {file}: reopened (rotated or truncated); reading the new file from its start");
            }
            lines::Item::Gone { file } => {
                eprintln!("vigil: {file}: gone while followed; waiting for it to come back");
            }
        }
        for p in problems.drain(..) {
            shown += 1;
            if shown <= MAX_PROBLEMS_SHOWN {
                bar.suspend(|| eprintln!("vigil: {}:{}: {}", p.file, p.line, p.why));
            }
        }
        // Told even past the limit: part of an input was not hunted.
        if let Some(e) = read_error {
            bar.suspend(|| eprintln!("{e}"));
        }
        let printed = !found.is_empty();
        for f in found.drain(..) {
            hits += 1;
            hit_indicators.insert(f.indicator.clone());
            match print_hit(&mut out, g.json, &f, &intel.info, &intel.related, &mut names) {
                Ok(matched) => {
                    if let Some(r) = &mut retention {
                        r.counted(&f.indicator, &matched);
                    }
                }
                Err(e) => {
                    io_error = Some(e);
                    return ControlFlow::Break(());
                }
            }
            if let Some(s) = &mut sightings {
                s.add(&f);
            }
        }
        // Following, a hit is shown at once: the log may then stay quiet for hours.
        if a.follow && printed {
            if let Err(e) = out.flush() {
                io_error = Some(e);
                return ControlFlow::Break(());
            }
        }
        lines_seen += 1;
        if lines_seen.is_multiple_of(65_536) {
            bar.set_position(progress.read.load(Ordering::Relaxed));
        }
        let retained_full = lines_seen.is_multiple_of(65_536)
            && driver
                .retainer
                .as_ref()
                .is_some_and(|r| r.len() >= crate::retro::RETAIN_BATCH);
        let due = a.follow && last_flush.elapsed().as_secs() >= 5;
        if due || retained_full {
            last_flush = std::time::Instant::now();
            let _ = out.flush();
            // Sightings first: a pair marked counted is in a sighting.
            if let Some(s) = &mut sightings {
                if let Err(e) = s.write(&g.data) {
                    eprintln!("vigil: could not record sightings: {e:#}");
                }
            }
            if let (Some(r), Some(kept)) = (&mut retention, &mut driver.retainer) {
                if let Err(e) = r.flush(kept, &table) {
                    eprintln!("vigil: could not retain observables: {e:#}");
                }
            }
        }
        ControlFlow::Continue(())
    });
    if let Some((f, last)) = current.take() {
        driver.end_file(&f, last, &mut found, &mut problems);
        for p in problems.drain(..) {
            shown += 1;
            if shown <= MAX_PROBLEMS_SHOWN {
                eprintln!("vigil: {}:{}: {}", p.file, p.line, p.why);
            }
        }
        for f in found.drain(..) {
            hits += 1;
            hit_indicators.insert(f.indicator.clone());
            let matched = print_hit(
                &mut out,
                g.json,
                &f,
                &intel.info,
                &intel.related,
                &mut names,
            )?;
            if let Some(r) = &mut retention {
                r.counted(&f.indicator, &matched);
            }
            if let Some(s) = &mut sightings {
                s.add(&f);
            }
        }
    }
    bar.finish_and_clear();
    if let Some(e) = io_error {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    let secs = hunting.elapsed().as_secs_f64().max(1e-9);
    let recorded = match &mut sightings {
        Some(s) => {
            s.write(&g.data)?;
            s.written.len()
        }
        None => 0,
    };
    let retained = match (&mut retention, &mut driver.retainer) {
        (Some(r), Some(kept)) => {
            r.flush(kept, &table)?;
            Some(r.count()?)
        }
        _ => None,
    };
    if shown > MAX_PROBLEMS_SHOWN {
        eprintln!(
            "vigil: ... and {} more lines not read",
            shown - MAX_PROBLEMS_SHOWN
        );
    }
    let c = driver.counts;
    eprintln!(
        "hunted {} records in {} files ({:.1} MB) with {} indicators (loaded in {:.2} s) in {:.2} s ({:.0} records/s): {} hits of {} indicators; {} lines not read ({} unparseable, {} too long, {} read errors){}{}{}",
        c.records,
        summary.files,
        summary.bytes as f64 / 1e6,
        indicators,
        load_secs,
        secs,
        c.records as f64 / secs,
        hits,
        hit_indicators.len(),
        c.unparseable + too_long + read_errors,
        c.unparseable,
        too_long,
        read_errors,
        if c.before_since > 0 { format!("; {} records before --since", c.before_since) } else { String::new() },
        if a.dry_run { String::new() } else { format!("; {recorded} sightings recorded for source {source:?}") },
        match (&retention, retained) {
            (Some(r), Some(n)) => format!("; {n} distinct observables of this source retained for {} days{}", r.days(),
                if r.pruned > 0 { format!(" ({} older ones pruned)", r.pruned) } else { String::new() }),
            _ => String::new(),
        },
    );
    Ok(if hits > 0 { 0 } else { 1 })
}

/// The objects `indicator` indicates, with their types and names.
pub(crate) fn print_related(
    related: &HashMap<String, Vec<String>>,
    indicator: &str,
    names: &mut Names<'_>,
) -> Vec<Value> {
    related
        .get(indicator)
        .map(|v| v.iter().map(|id| names.get(id)).collect())
        .unwrap_or_default()
}

/// `  -> intrusion-set APT3, malware X` for a human's line (nothing when none).
pub(crate) fn write_related(out: &mut impl Write, rel: &[Value]) -> std::io::Result<()> {
    if rel.is_empty() {
        return Ok(());
    }
    let r: Vec<String> = rel
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["type"].as_str().unwrap_or_default(),
                r["name"]
                    .as_str()
                    .unwrap_or_else(|| r["id"].as_str().unwrap_or_default())
            )
        })
        .collect();
    write!(out, "  -> {}", r.join(", "))
}

fn print_hit(
    out: &mut impl Write,
    json_out: bool,
    f: &Found,
    info: &HashMap<Arc<str>, Info>,
    related: &HashMap<String, Vec<String>>,
    names: &mut Names<'_>,
) -> std::io::Result<Vec<String>> {
    let i = info.get(&f.indicator);
    let matched = i
        .and_then(|i| Pattern::parse_version(&i.pattern, i.version).ok())
        .map(|p| matched_values(&p, f))
        .unwrap_or_default();
    let last = f.records.last().and_then(Option::as_ref);
    let (file, line, time) = match last {
        Some((loc, obs)) => (
            loc.file.to_string(),
            loc.line,
            sighting::stamp(obs.first_observed),
        ),
        None => (String::new(), 0, String::new()),
    };
    let others: Vec<Value> = f.records[..f.records.len().saturating_sub(1)]
        .iter()
        .map(|r| match r {
            Some((loc, _)) => json!({"file": &*loc.file, "line": loc.line}),
            None => json!({"file": null, "line": null}),
        })
        .collect();
    let rel = print_related(related, &f.indicator, names);
    let name = i.map(|i| i.name.as_str()).unwrap_or_default();
    if json_out {
        let v = json!({
            "indicator": &*f.indicator,
            "indicator_name": name,
            "time": time,
            "file": file,
            "line": line,
            "matched": &matched,
            "related": rel,
            "others": others,
        });
        serde_json::to_writer(&mut *out, &v)?;
        writeln!(out)?;
    } else {
        let shown_name = if name.is_empty() { &*f.indicator } else { name };
        write!(
            out,
            "{time}  {file}:{line}  {shown_name}  matched {}",
            matched.join(", ")
        )?;
        if !others.is_empty() {
            let o: Vec<String> = others
                .iter()
                .map(|o| format!("{}:{}", o["file"].as_str().unwrap_or("?"), o["line"]))
                .collect();
            write!(out, "  with {}", o.join(", "))?;
        }
        write_related(out, &rel)?;
        writeln!(out, "  ({})", f.indicator)?;
    }
    Ok(matched)
}
