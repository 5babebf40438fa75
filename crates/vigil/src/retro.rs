//! Retro-hunting: asking past logs about new intelligence without reading
//! them again.
//!
//! A hunt with retention on (`vigil hunt --retain DAYS`, or the window set by
//! `vigil retention set`) keeps every distinct (source, path, value) it read
//! in `DATA/retained.db` (`vigil_store::Retained`), with first/last time and
//! count, and marks the (indicator, value) pairs it counted in sightings. When
//! indicators are added or changed — `vigil import`, `vigil pull`, and in
//! `serve` anything written (TAXII posts, feeds) — [`catch_up`] checks the
//! retained observables against just the indicator versions stored since the
//! last check (the watermark `checked_added`), and records sightings for the
//! pairs not counted before. `vigil retrohunt` does the same on demand, for
//! every current indicator.
//!
//! A retained observable is one fact, so only patterns of one observation
//! expression are checked; those comparing several properties of one record
//! (`AND` within brackets) match only when the one property suffices.
//! Patterns over several records (`FOLLOWEDBY`, `REPEATS`, `WITHIN`) need the
//! records themselves: hunt the logs again.
//!
//! Each run holds `DATA/retro.lock`, so two processes never count the same
//! pair twice.

use crate::hunt_cmd::{print_related, write_related, Intel, Names, Sightings};
use crate::Global;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vigil_hunt::fact::{PathId, PathTable};
use vigil_hunt::hunter::{Found, Hunter, Loc};
use vigil_hunt::retain::{self, Retainer};
use vigil_hunt::sighting;
use vigil_store::{Retained, RetainedRow, SqliteStore};

/// `vigil retrohunt`'s arguments.
#[derive(Args, Debug)]
pub struct RetrohuntArgs {
    /// Only observables last seen at or after this time (a STIX timestamp, a
    /// date, or a duration back from now: 90d, 12h). Default: all retained.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only this indicator (repeatable; default: every current indicator).
    #[arg(long, value_name = "ID")]
    pub indicator: Vec<String>,
    /// Print what would be found; record no sighting.
    #[arg(long)]
    pub dry_run: bool,
}

/// `vigil retention`'s actions.
#[derive(Subcommand, Debug)]
pub enum RetentionAction {
    /// What is retained (the default action).
    Show,
    /// Retain hunted observables for DAYS (every later hunt; older ones are pruned now).
    Set {
        /// The window in days.
        #[arg(value_parser = clap::value_parser!(u32).range(1..=36_500))]
        days: u32,
    },
    /// Retain nothing more (what is retained stays until `clear`).
    Off,
    /// Delete everything retained.
    Clear,
}

/// The lock every retro-hunt holds.
struct RetroLock(#[allow(dead_code)] std::fs::File);

fn retro_lock(data: &Path) -> Result<RetroLock> {
    let path = data.join("retro.lock");
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    f.lock()
        .with_context(|| format!("cannot lock {}", path.display()))?;
    Ok(RetroLock(f))
}

fn now_micros() -> i64 {
    vigil_stix::Timestamp::unix_micros_now()
}

/// A hunt's retention: where its observables go.
pub(crate) struct Retention {
    ret: Retained,
    sid: i64,
    days: u32,
    /// (indicator, value) pairs counted by the hunt, not yet written.
    pending: Vec<(Arc<str>, String)>,
    /// Observables pruned so far.
    pub pruned: u64,
    data: PathBuf,
    /// The store, read for the indicators stored while the hunt runs.
    store: SqliteStore,
    /// The newest `added` time of the indicators this hunt has matched
    /// against everything it retained.
    known: Option<String>,
}

/// How many distinct observables a hunt holds in memory before writing them.
pub(crate) const RETAIN_BATCH: usize = 1 << 18;

impl Retention {
    /// The retention of a hunt of `source`: with `days` (`--retain`, then
    /// remembered as the store's window) or the store's window; `None` when
    /// retention is off.
    ///
    /// `loaded` is the newest `added` time of the indicators the hunt
    /// checks, read before loading them: when nothing is retained yet, every
    /// observable the hunt keeps is checked against all of those, so the
    /// watermark starts there.
    pub(crate) fn for_hunt(
        data: &Path,
        days: Option<u32>,
        source: &str,
        markings: &[String],
        collection: Option<&str>,
        loaded: Option<&str>,
    ) -> Result<Option<Retention>> {
        let mut ret = match days {
            Some(_) => Retained::open(data)?,
            None => match Retained::open_existing(data)? {
                Some(r) => r,
                None => return Ok(None),
            },
        };
        if days.is_some() {
            ret.set_retain_days(days)?;
        }
        let Some(days) = ret.retain_days()? else {
            return Ok(None);
        };
        if let Some(l) = loaded {
            if ret.is_empty()? && ret.checked_added()?.is_none() {
                ret.set_checked_added(l)?;
            }
        }
        let sid = ret.source(source, markings, collection)?;
        Ok(Some(Retention {
            ret,
            sid,
            days,
            pending: Vec::new(),
            pruned: 0,
            data: data.to_path_buf(),
            store: SqliteStore::open_read(data)?,
            known: loaded.map(str::to_string),
        }))
    }

    /// How many distinct observables of the hunt's source are retained.
    pub(crate) fn count(&self) -> Result<u64> {
        Ok(self.ret.count(Some(self.sid))?)
    }

    /// The window in days.
    pub(crate) fn days(&self) -> u32 {
        self.days
    }

    /// Notes that the hunt counted `indicator`'s hit on these values.
    pub(crate) fn counted(&mut self, indicator: &Arc<str>, matched: &[String]) {
        for v in matched {
            self.pending.push((indicator.clone(), v.clone()));
        }
    }

    /// Writes what `retainer` holds (and the pairs counted), then prunes
    /// what is older than the window.
    pub(crate) fn flush(&mut self, retainer: &mut Retainer, table: &PathTable) -> Result<()> {
        let cutoff = now_micros() - i64::from(self.days) * 86_400_000_000;
        let mut all = retainer.drain();
        all.sort_unstable_by(|a, b| a.value.cmp(&b.value));
        let rows: Vec<(&str, &str, i64, i64, u64)> = all
            .iter()
            .filter(|o| o.seen.last >= cutoff)
            .map(|o| {
                (
                    table.get(o.path).text.as_str(),
                    o.value.as_str(),
                    o.seen.first,
                    o.seen.last,
                    o.seen.count,
                )
            })
            .collect();
        let pairs: Vec<(&str, &str)> = self
            .pending
            .iter()
            .map(|(i, v)| (&**i, v.as_str()))
            .collect();
        self.ret.add(self.sid, &rows, &pairs)?;
        self.pending.clear();
        self.pruned += self.ret.prune(cutoff)?;
        self.check_later_indicators()
    }

    /// Indicators stored while the hunt runs are not in its set, and a
    /// catch-up by the import that stored them saw only what was retained
    /// then: they are checked against everything retained now.
    fn check_later_indicators(&mut self) -> Result<()> {
        let store = &self.store;
        let Some(newest) = store.newest_added("indicator")? else {
            return Ok(());
        };
        if self.known.as_deref().is_some_and(|k| k >= newest.as_str()) {
            return Ok(());
        }
        let mut ids = Vec::new();
        store.current_added_since("indicator", self.known.as_deref(), &mut |added, json| {
            if self.known.as_deref().is_none_or(|k| added > k) {
                if let Ok(v) = serde_json::from_str::<Value>(json) {
                    ids.extend(v["id"].as_str().map(str::to_string));
                }
            }
            Ok(())
        })?;
        self.known = Some(newest);
        if ids.is_empty() {
            return Ok(());
        }
        if let Some(r) = check(&self.data, Which::All(&ids), None, false, &mut |_, _, _| {
            Ok(())
        })? {
            if r.hits > 0 {
                eprintln!(
                    "retro-hunt: {} indicators stored during this hunt: {} hits, {} sightings recorded",
                    ids.len(),
                    r.hits,
                    r.sightings
                );
            }
        }
        Ok(())
    }
}

/// What a retro-hunt did.
#[derive(Debug, Default)]
pub struct RetroReport {
    /// Indicators checked (patterns of one observation expression).
    pub indicators: usize,
    /// Of those, the ones stored since the last check (the others were
    /// stored in the same millisecond as the last one checked, and are
    /// checked again to be sure none is missed).
    pub fresh: usize,
    /// Retained observables checked.
    pub observables: u64,
    /// New (indicator, observable) hits.
    pub hits: u64,
    /// Hits counted before (by a hunt or an earlier retro-hunt), not counted again.
    pub known: u64,
    /// Sightings recorded (created or updated).
    pub sightings: usize,
    /// Observables pruned for being older than the window.
    pub pruned: u64,
    /// Seconds.
    pub seconds: f64,
}

/// One new hit of a retro-hunt.
struct RetroHit {
    indicator: Arc<str>,
    row: RetainedRow,
}

/// Which indicators a retro-hunt checks.
enum Which<'a> {
    /// Those stored since the watermark.
    New,
    /// Every current one (or only these ids).
    All(&'a [String]),
}

/// Checks retained observables against indicators; new hits go to `each`
/// and (unless `dry_run`) into sightings.
fn check(
    data: &Path,
    which: Which<'_>,
    since: Option<i64>,
    dry_run: bool,
    each: &mut dyn FnMut(&RetroHit, &Intel, &str) -> Result<()>,
) -> Result<Option<RetroReport>> {
    let started = std::time::Instant::now();
    let Some(mut ret) = Retained::open_existing(data)? else {
        return Ok(None);
    };
    let _lock = retro_lock(data)?;
    let mut report = RetroReport::default();
    if let Some(days) = ret.retain_days()? {
        if !dry_run {
            report.pruned = ret.prune(now_micros() - i64::from(days) * 86_400_000_000)?;
        }
    }
    if ret.is_empty()? {
        return Ok(None);
    }
    let store = SqliteStore::open_read(data)?;
    let mut intel = Intel::new();
    let mut newest: Option<String> = None;
    let from = match which {
        Which::New => ret.checked_added()?,
        Which::All(_) => None,
    };
    let only = match which {
        Which::All(ids) if !ids.is_empty() => Some(ids),
        _ => None,
    };
    store.current_added_since("indicator", from.as_deref(), &mut |added, json| {
        if newest.as_deref().is_none_or(|n| added > n) {
            newest = Some(added.to_string());
        }
        if let Ok(v) = serde_json::from_str::<Value>(json) {
            let id = v["id"].as_str().unwrap_or_default();
            if only.is_none_or(|o| o.iter().any(|i| i == id))
                && intel.add(&v, true)
                && from.as_deref().is_none_or(|f| added > f)
            {
                report.fresh += 1;
            }
        }
        Ok(())
    })?;
    report.indicators = intel.set.len();
    if report.indicators > 0 {
        intel.load_related(&store)?;
        let sources: HashMap<i64, (String, Vec<String>, Option<String>)> = ret
            .sources()?
            .into_iter()
            .map(|s| (s.sid, (s.name, s.markings, s.collection)))
            .collect();
        // Every path retained, numbered before the hunter works out its probes.
        let mut table = PathTable::new();
        let mut ids: HashMap<String, PathId> = HashMap::new();
        for p in ret.paths()? {
            if let Ok(id) = table.intern(&p) {
                ids.insert(p, id);
            }
        }
        let mut hunter = Hunter::new(std::mem::take(&mut intel.set), Arc::new(table.clone()));
        let mut hits: Vec<RetroHit> = Vec::new();
        let mut found: Vec<Found> = Vec::new();
        ret.scan(since, &mut |row| {
            report.observables += 1;
            let Some(&pid) = ids.get(&row.path) else {
                return Ok(());
            };
            let rec = retain::record_of(pid, &row.value, row.first);
            hunter.record(
                &rec,
                || Loc {
                    file: Arc::from(""),
                    line: 0,
                },
                &mut found,
            );
            for f in found.drain(..) {
                if ret.is_sighted(&f.indicator, row.rid)? {
                    report.known += 1;
                } else {
                    hits.push(RetroHit {
                        indicator: f.indicator,
                        row: row.clone(),
                    });
                }
            }
            Ok(())
        })?;
        report.hits = hits.len() as u64;
        let mut by_source: HashMap<i64, Sightings> = HashMap::new();
        for h in &hits {
            let (name, markings, collection) = sources
                .get(&h.row.sid)
                .cloned()
                .unwrap_or_else(|| ("unknown".into(), Vec::new(), None));
            each(h, &intel, &name)?;
            if dry_run {
                continue;
            }
            let s = by_source
                .entry(h.row.sid)
                .or_insert_with(|| Sightings::new(name, markings, collection));
            let obs = retain::observation_of(
                &table,
                ids[&h.row.path],
                &h.row.value,
                h.row.first,
                h.row.last,
                h.row.count,
            );
            s.count(
                &h.indicator,
                &[&obs],
                vigil_hunt::time::from_micros(h.row.first),
                vigil_hunt::time::from_micros(h.row.last),
                h.row.count,
            );
        }
        if !dry_run {
            for s in by_source.values_mut() {
                report.sightings += s.write(data)?;
            }
            let pairs: Vec<(&str, i64)> = hits.iter().map(|h| (&*h.indicator, h.row.rid)).collect();
            ret.mark_sighted(&pairs)?;
        }
    }
    if !dry_run && only.is_none() && since.is_none() {
        if let Some(n) = newest {
            ret.set_checked_added(&n)?;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(Some(report))
}

/// After indicators may have been added or changed: checks the retained
/// observables against the indicator versions stored since the last check.
/// `None` when nothing is retained.
pub fn catch_up(data: &Path) -> Result<Option<RetroReport>> {
    check(data, Which::New, None, false, &mut |_, _, _| Ok(()))
}

/// [`catch_up`] after a command wrote indicators, saying what it found on stderr.
pub fn after_import(data: &Path, wrote_indicators: bool) {
    if !wrote_indicators {
        return;
    }
    match catch_up(data) {
        Ok(Some(r)) if r.fresh > 0 || r.hits > 0 => eprintln!(
            "retro-hunt: {} new or changed indicators against {} retained observables: {} hits, {} sightings recorded",
            r.fresh, r.observables, r.hits, r.sightings
        ),
        Ok(_) => {}
        Err(e) => eprintln!("vigil: the retro-hunt after this import failed: {e:#}"),
    }
}

/// `serve`'s retro-hunter: after every write to the store (TAXII posts,
/// feeds, imports by other processes), checks the retained observables
/// against the new indicators.
pub fn spawn_watcher(data: PathBuf) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("retro-hunt".into())
        .spawn(move || {
            let mut seen: Option<i64> = None;
            // One read connection for as long as it works (opened again after an error).
            let mut store: Option<SqliteStore> = None;
            loop {
                let generation = match store.take() {
                    Some(s) => Ok(s),
                    None => SqliteStore::open_read(&data),
                }
                .and_then(|s| {
                    let g = s.generation()?;
                    store = Some(s);
                    Ok(g)
                });
                match generation {
                    Ok(g) if seen != Some(g) => match catch_up(&data) {
                        Ok(r) => {
                            seen = Some(g);
                            if let Some(r) = r.filter(|r| r.fresh > 0 || r.hits > 0) {
                                tracing::info!(
                                    "retro-hunt: {} new or changed indicators against {} retained observables: {} hits, {} sightings recorded",
                                    r.fresh, r.observables, r.hits, r.sightings
                                );
                            }
                        }
                        Err(e) => tracing::warn!("retro-hunt failed (tried again later): {e:#}"),
                    },
                    Ok(_) => {}
                    Err(e) => tracing::warn!("retro-hunt cannot read the store: {e}"),
                }
                std::thread::sleep(std::time::Duration::from_secs(5));
            }
        })
}

/// `vigil retrohunt`.
pub fn retrohunt(g: &Global, a: RetrohuntArgs) -> Result<i32> {
    let since = a
        .since
        .as_deref()
        .map(|s| crate::when::parse_since(s).map(|t| t.unix_micros()))
        .transpose()?;
    let store = SqliteStore::open_read(&g.data)?;
    let mut names = Names::new(&store);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let report = check(
        &g.data,
        Which::All(&a.indicator),
        since,
        a.dry_run,
        &mut |h, intel, source| {
            let name = intel
                .info
                .get(&h.indicator)
                .map(|i| i.name.as_str())
                .unwrap_or_default();
            let related = print_related(&intel.related, &h.indicator, &mut names);
            let first = sighting::stamp(vigil_hunt::time::from_micros(h.row.first));
            let last = sighting::stamp(vigil_hunt::time::from_micros(h.row.last));
            if g.json {
                let v = json!({
                    "indicator": &*h.indicator,
                    "indicator_name": name,
                    "source": source,
                    "path": h.row.path,
                    "matched": [h.row.value],
                    "first_seen": first,
                    "last_seen": last,
                    "count": h.row.count,
                    "related": related,
                });
                serde_json::to_writer(&mut out, &v)?;
                writeln!(out)?;
            } else {
                let shown = if name.is_empty() { &*h.indicator } else { name };
                write!(
                    out,
                    "{first} .. {last}  {source}  {shown}  matched {} ({}) in {} records",
                    h.row.value, h.row.path, h.row.count
                )?;
                write_related(&mut out, &related)?;
                writeln!(out, "  ({})", h.indicator)?;
            }
            Ok(())
        },
    )?;
    out.flush()?;
    let Some(r) = report else {
        eprintln!(
            "nothing is retained in {}: hunt with --retain DAYS (or `vigil retention set DAYS`) first",
            g.data.display()
        );
        return Ok(1);
    };
    eprintln!(
        "retro-hunted {} retained observables with {} indicators in {:.2} s: {} new hits ({} counted before){}{}",
        r.observables,
        r.indicators,
        r.seconds,
        r.hits,
        r.known,
        if a.dry_run {
            String::new()
        } else {
            format!("; {} sightings recorded", r.sightings)
        },
        if r.pruned > 0 {
            format!("; {} observables older than the window pruned", r.pruned)
        } else {
            String::new()
        },
    );
    Ok(if r.hits > 0 { 0 } else { 1 })
}

/// `vigil retention`.
pub fn retention(g: &Global, action: Option<RetentionAction>) -> Result<i32> {
    let action = action.unwrap_or(RetentionAction::Show);
    if !vigil_store::SqliteStore::exists(&g.data) {
        anyhow::bail!("no store in {} (vigil init creates one)", g.data.display());
    }
    // Showing creates nothing: a store that never retained says so.
    if matches!(action, RetentionAction::Show) && !g.data.join(vigil_store::RETAINED_FILE).exists()
    {
        if g.json {
            println!(
                "{}",
                serde_json::to_string(&vigil_store::RetainedStats::default())?
            );
        } else {
            println!("retention: off; nothing retained");
        }
        return Ok(0);
    }
    let mut ret = Retained::open(&g.data)?;
    match action {
        RetentionAction::Show => {}
        RetentionAction::Set { days } => {
            ret.set_retain_days(Some(days))?;
            let _lock = retro_lock(&g.data)?;
            ret.prune(now_micros() - i64::from(days) * 86_400_000_000)?;
        }
        RetentionAction::Off => ret.set_retain_days(None)?,
        RetentionAction::Clear => {
            let _lock = retro_lock(&g.data)?;
            ret.clear()?;
        }
    }
    let st = ret.stats()?;
    if g.json {
        println!("{}", serde_json::to_string(&st)?);
        return Ok(0);
    }
    let when = |t: Option<i64>| {
        t.map(|t| sighting::stamp(vigil_hunt::time::from_micros(t)))
            .unwrap_or_else(|| "-".into())
    };
    println!(
        "retention: {}",
        match st.retain_days {
            Some(d) => format!("{d} days"),
            None => "off".into(),
        }
    );
    println!(
        "retained: {} observables (seen {} times) from {} sources, first seen {}, last seen {} ({:.1} MB)",
        st.observables,
        st.seen,
        st.sources,
        when(st.oldest),
        when(st.newest),
        st.bytes as f64 / 1e6
    );
    println!(
        "sighted pairs: {}; indicators checked up to those stored at {}",
        st.sighted,
        st.checked_added.as_deref().unwrap_or("-")
    );
    Ok(0)
}
