//! `vigil pull` and `vigil feed`: import TAXII 2.1 collections from other
//! servers, by hand or on a schedule inside `vigil serve`.
//!
//! A pull pages through the collection's objects from where the last pull of
//! the same source (API root and collection) ended, and imports each page in
//! its own transaction through the import pipeline. The store's writer lock is
//! taken per page, after the page has arrived, so the network never holds it.
//! The resume point (`added_after`) is saved only once everything up to it is
//! committed: a crash or error re-reads a page, never skips one.

use crate::import::{self, Report};
use crate::input::Input;
use crate::{show, Global};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vigil_stix::Timestamp;
use vigil_store::{FeedAuth, Feeds, SqliteStore};
use vigil_taxii::client::{Auth, Client, ObjectsPage, ObjectsQuery};

/// Objects asked for per page (servers may send fewer).
const PAGE_LIMIT: u32 = 1000;
/// How long a pull waits for another writer (an import, `serve` storing a
/// TAXII post) to release the store before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(300);
/// Pages in a row that may come back empty while the server says `more`.
const MAX_EMPTY_PAGES: u32 = 3;

/// `vigil pull` and `vigil feed`.
#[derive(Subcommand, Debug)]
pub enum PullCommand {
    /// Import a TAXII 2.1 collection from another server, incrementally.
    ///
    /// URL is the server's discovery URL (its default API root is used, or its
    /// only one) or an API root URL. The first pull reads the whole collection;
    /// later pulls of the same API root and collection read only what was added
    /// since (--full reads everything again). Each page is one transaction;
    /// invalid objects are reported and skipped. Exit status 1 if any object
    /// was invalid.
    Pull {
        /// Discovery or API root URL.
        url: String,
        #[command(flatten)]
        source: SourceArgs,
        /// Read the whole collection, not just what was added since the last pull.
        #[arg(long)]
        full: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// TAXII feeds that `vigil serve` pulls on a schedule.
    Feed {
        #[command(subcommand)]
        command: FeedCommand,
    },
}

/// `vigil feed ...`.
#[derive(Subcommand, Debug)]
pub enum FeedCommand {
    /// Register a feed (credentials are stored in clear in DATA/access.db).
    Add {
        /// Discovery or API root URL.
        url: String,
        #[command(flatten)]
        source: SourceArgs,
        /// A name for the feed (default: the URL's host and the collection id).
        #[arg(long)]
        name: Option<String>,
        /// How often to pull: 90s, 15m, 1h, 1d (or seconds).
        #[arg(long, default_value = "1h", value_name = "INTERVAL")]
        every: String,
    },
    /// List the feeds, their schedule and their last outcome.
    List,
    /// Remove a feed (what it imported stays in the store).
    Remove {
        /// The feed's name.
        name: String,
    },
}

/// Which collection, and the credentials for it.
#[derive(Args, Debug)]
pub struct SourceArgs {
    /// The collection's id.
    #[arg(long, value_name = "ID")]
    collection: String,
    /// User name for HTTP Basic authentication (the password is read from stdin).
    #[arg(long, requires = "password_stdin", conflicts_with = "token")]
    user: Option<String>,
    /// Read the password from the first line of stdin.
    #[arg(long, requires = "user")]
    password_stdin: bool,
    /// A bearer token.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
}

impl SourceArgs {
    fn auth(&self) -> Result<FeedAuth> {
        Ok(match (&self.user, &self.token) {
            (Some(user), _) => {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("cannot read the password from stdin")?;
                let password = line.trim_end_matches(['\r', '\n']).to_string();
                if password.is_empty() {
                    bail!("--password-stdin: no password on stdin");
                }
                FeedAuth::Basic {
                    user: user.clone(),
                    password,
                }
            }
            (None, Some(t)) => FeedAuth::Token(t.clone()),
            (None, None) => FeedAuth::None,
        })
    }
}

fn client_auth(a: &FeedAuth) -> Auth {
    match a {
        FeedAuth::None => Auth::None,
        FeedAuth::Basic { user, password } => Auth::Basic {
            user: user.clone(),
            password: password.clone(),
        },
        FeedAuth::Token(t) => Auth::Bearer(t.clone()),
    }
}

/// Runs `vigil pull` or `vigil feed`; returns the exit status.
pub fn run(g: &Global, command: PullCommand) -> Result<i32> {
    match command {
        PullCommand::Pull {
            url,
            source,
            full,
            quiet,
        } => {
            let auth = source.auth()?;
            let progress = !quiet && !g.json && std::io::stderr().is_terminal();
            let report = pull(&g.data, &url, &source.collection, &auth, full, progress)?;
            let mut out = std::io::stdout().lock();
            if g.json {
                show::json_line(&mut out, &report)?;
            } else {
                print_report(&mut out, &report)?;
            }
            out.flush()?;
            crate::retro::after_import(&g.data, report.import.by_type.contains_key("indicator"));
            Ok(if report.import.invalid == 0 { 0 } else { 1 })
        }
        PullCommand::Feed { command } => feed(g, command),
    }
}

/// What a pull did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PullReport {
    /// The URL given.
    pub url: String,
    /// The API root pulled from.
    pub api_root: String,
    /// The collection id.
    pub collection: String,
    /// The `added_after` the pull started from (none: the whole collection).
    pub from: Option<String>,
    /// The `added_after` the next pull will start from.
    pub added_after: Option<String>,
    /// Pages read.
    pub pages: u64,
    /// What the pages' imports did, summed (`inputs` left empty).
    #[serde(flatten)]
    pub import: Report,
}

impl PullReport {
    fn add(&mut self, r: Report) {
        let t = &mut self.import;
        for (sum, n) in [
            (&mut t.objects, r.objects),
            (&mut t.added, r.added),
            (&mut t.updated, r.updated),
            (&mut t.unchanged, r.unchanged),
            (&mut t.older, r.older),
            (&mut t.conflicts, r.conflicts),
            (&mut t.invalid, r.invalid),
            (&mut t.warnings, r.warnings),
            (&mut t.upgraded_from_20, r.upgraded_from_20),
        ] {
            *sum += n;
        }
        for (ty, n) in r.by_type {
            *t.by_type.entry(ty).or_default() += n;
        }
    }
}

fn print_report(out: &mut impl Write, r: &PullReport) -> std::io::Result<()> {
    let i = &r.import;
    writeln!(
        out,
        "pulled {} objects in {} pages from {} collection {} in {:.2} s: {} added, {} updated, {} unchanged, {} older, {} conflicts, {} invalid",
        i.objects, r.pages, r.api_root, r.collection, i.seconds,
        i.added, i.updated, i.unchanged, i.older, i.conflicts, i.invalid
    )?;
    match &r.added_after {
        Some(a) => writeln!(out, "next pull reads what was added after {a}"),
        None => writeln!(
            out,
            "the server sent no X-TAXII-Date-Added-Last; the next pull reads the whole collection again"
        ),
    }
}

/// An instant to compare `date_added` values by (None when unparseable).
fn instant(t: &str) -> Option<i64> {
    Timestamp::parse_instant(t).ok().map(|t| t.unix_micros())
}

/// Whether `a` is known to be strictly before `b`.
fn before(a: &str, b: &str) -> bool {
    matches!((instant(a), instant(b)), (Some(x), Some(y)) if x < y)
}

/// Imports one page in one transaction.
fn import_page(data: &Path, page: ObjectsPage, name: String) -> Result<Report> {
    let input = Input::from_bytes(&name, page.into_objects_json().into_bytes());
    let mut store = SqliteStore::open_write_waiting(data, LOCK_WAIT)?;
    // Lenient: one bad object from a remote server must not block the feed.
    import::run(
        &mut store,
        vec![input],
        import::Options {
            lenient: true,
            progress: false,
            collection: None,
        },
    )
}

/// Pulls `collection` from the TAXII server at `url` into the store in `data`.
pub fn pull(
    data: &Path,
    url: &str,
    collection: &str,
    auth: &FeedAuth,
    full: bool,
    progress: bool,
) -> Result<PullReport> {
    let start = Instant::now();
    let client = Client::new(client_auth(auth));
    let api_root = client.api_root_url(url)?;
    let info = client.collection(&api_root, collection)?;
    if !info.can_read {
        bail!(
            "{api_root}: collection {collection} ({}) may not be read by these credentials",
            info.title
        );
    }
    let mut feeds = Feeds::open(data)?;
    let from = if full {
        None
    } else {
        feeds.added_after(&api_root, collection)?
    };
    let mut report = PullReport {
        url: url.to_string(),
        api_root: api_root.clone(),
        collection: collection.to_string(),
        from: from.clone(),
        added_after: from.clone(),
        ..PullReport::default()
    };
    let bar = import::progress_bar(progress, None);
    bar.set_message(format!("objects from {api_root}"));
    let mut query = ObjectsQuery {
        added_after: from,
        limit: Some(PAGE_LIMIT),
        versions: vec!["all".into()],
        ..ObjectsQuery::default()
    };
    // The newest date_added committed, and the last page's, to decide what is
    // safe to resume from (see `advance`).
    let mut newest: Option<String> = None;
    let mut previous_last: Option<String> = None;
    let mut empty_in_a_row = 0;
    loop {
        let page = client.get_objects(&api_root, collection, &query)?;
        report.pages += 1;
        let more = page.more;
        let next = page.next.clone();
        let first = page.date_added_first.clone();
        let last = page.date_added_last.clone();
        if page.is_empty() {
            empty_in_a_row += 1;
        } else {
            empty_in_a_row = 0;
            bar.inc(page.objects_json().len() as u64);
            let name = format!(
                "{api_root}collections/{collection}/objects/ page {}",
                report.pages
            );
            let r = import_page(data, page, name)?;
            for i in &r.inputs {
                for inv in &i.invalid_objects {
                    let why = inv
                        .errors
                        .first()
                        .map(|f| f.to_string())
                        .unwrap_or_default();
                    tracing::warn!(
                        "{}: object {} ({}): {why}; skipped",
                        i.source,
                        inv.index,
                        inv.id.as_deref().unwrap_or("no id")
                    );
                }
            }
            report.add(r);
            bar.set_message(format!("{} objects from {api_root}", report.import.objects));
        }
        // Pages come in date_added order, but many objects may share one
        // date_added (one post) and straddle a page boundary; resuming after
        // this page's last date would skip the rest of them. So while pages
        // follow, only what precedes this page's first date is known complete.
        if let (Some(p), Some(f)) = (&previous_last, &first) {
            if before(p, f) {
                save(&mut feeds, &api_root, collection, p, &mut report)?;
            }
        }
        if let Some(l) = &last {
            if newest.as_deref().is_none_or(|n| !before(l, n)) {
                newest = Some(l.clone());
            }
        }
        previous_last = last.clone();
        if !more {
            break;
        }
        if empty_in_a_row >= MAX_EMPTY_PAGES {
            bail!(
                "{api_root}: the server keeps answering empty pages while saying there are more; stopped after {} pages",
                report.pages
            );
        }
        match next {
            Some(n) => query.next = Some(n),
            None => match last {
                // More, but no `next`: page on by date (TAXII 2.1, 3.4.2).
                Some(l) if query.added_after.as_deref() != Some(l.as_str()) => {
                    query.next = None;
                    query.added_after = Some(l);
                }
                _ => bail!(
                    "{api_root}: the server says there are more objects but gives neither `next` nor a new X-TAXII-Date-Added-Last"
                ),
            },
        }
    }
    if let Some(n) = &newest {
        save(&mut feeds, &api_root, collection, n, &mut report)?;
    }
    bar.finish_and_clear();
    let i = &mut report.import;
    i.seconds = start.elapsed().as_secs_f64();
    i.objects_per_second = i.objects as f64 / i.seconds.max(1e-9);
    Ok(report)
}

/// Remembers `added_after` for the source unless it would move backwards.
fn save(
    feeds: &mut Feeds,
    api_root: &str,
    collection: &str,
    added_after: &str,
    report: &mut PullReport,
) -> Result<()> {
    if let Some(cur) = &report.added_after {
        if !before(cur, added_after) && instant(cur).is_some() {
            return Ok(());
        }
    }
    feeds.set_added_after(api_root, collection, added_after)?;
    report.added_after = Some(added_after.to_string());
    Ok(())
}

/// Parses an interval: `90s`, `15m`, `1h`, `2d`, or plain seconds.
fn parse_interval(s: &str) -> Result<u64> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num
        .parse()
        .with_context(|| format!("--every {s}: expected a number and a unit (90s, 15m, 1h, 1d)"))?;
    let unit_secs = match unit.trim() {
        "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        other => bail!("--every {s}: unknown unit '{other}' (use s, m, h or d)"),
    };
    let secs = n.saturating_mul(unit_secs);
    if secs == 0 {
        bail!("--every {s}: the interval must be at least one second");
    }
    Ok(secs)
}

fn show_interval(secs: u64) -> String {
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn default_name(url: &str, collection: &str) -> String {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?'])
        .next()
        .unwrap_or("feed");
    let short: String = collection.chars().take(8).collect();
    format!("{host}-{short}")
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn feed(g: &Global, command: FeedCommand) -> Result<i32> {
    let mut feeds = Feeds::open(&g.data)?;
    match command {
        FeedCommand::Add {
            url,
            source,
            name,
            every,
        } => {
            let interval = parse_interval(&every)?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("{url}: expected an http:// or https:// URL");
            }
            let auth = source.auth()?;
            let name = name.unwrap_or_else(|| default_name(&url, &source.collection));
            feeds.add(&name, &url, &source.collection, &auth, interval)?;
            if g.json {
                let f = feeds.list()?.into_iter().find(|f| f.name == name);
                show::json_line(&mut std::io::stdout().lock(), &f)?;
            } else {
                println!(
                    "added feed {name}: {url} collection {} every {}; `vigil serve` pulls it",
                    source.collection,
                    show_interval(interval)
                );
            }
            Ok(0)
        }
        FeedCommand::List => {
            let all = feeds.list()?;
            let mut out = std::io::stdout().lock();
            if g.json {
                for f in &all {
                    show::json_line(&mut out, f)?;
                }
            } else {
                let now = unix_now();
                let ago = |t: Option<i64>| {
                    t.map_or("never".to_string(), |t| {
                        format!("{} ago", show_interval((now - t).max(0) as u64 + 1))
                    })
                };
                for f in &all {
                    writeln!(
                        out,
                        "{}  {}  collection {}  every {}  last pull {}  last success {}{}",
                        f.name,
                        f.url,
                        f.collection,
                        show_interval(f.interval_secs),
                        ago(f.last_pull),
                        ago(f.last_success),
                        f.last_error.as_ref().map_or(String::new(), |e| format!(
                            "  FAILING ({} in a row): {e}",
                            f.failures
                        ))
                    )?;
                }
                if all.is_empty() {
                    writeln!(
                        out,
                        "no feeds; add one with `vigil feed add URL --collection ID`"
                    )?;
                }
            }
            out.flush()?;
            Ok(0)
        }
        FeedCommand::Remove { name } => {
            if feeds.remove(&name)? {
                if !g.json {
                    println!("removed feed {name}");
                }
                Ok(0)
            } else {
                eprintln!("vigil: no feed named '{name}'");
                Ok(1)
            }
        }
    }
}

/// How often the scheduler looks for new, removed or due feeds.
const TICK: Duration = Duration::from_secs(2);

/// The delay before retrying a feed after `failures` failures in a row:
/// 10 s doubling, never beyond the feed's interval.
fn retry_delay(failures: u32, interval: Duration) -> Duration {
    let d = Duration::from_secs(10).saturating_mul(1 << failures.saturating_sub(1).min(16));
    d.min(interval)
}

/// Starts the thread that pulls every registered feed when due, for as long as
/// the process lives. Failures are logged (`tracing::warn`), recorded as the
/// feed's `last_error`, and retried with exponential backoff; nothing stops the
/// thread. It holds the store's writer lock only while importing a page.
// `vigil serve` starts it (wired by the server's owner).
pub fn spawn_scheduler(data: PathBuf) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("vigil-feeds".into())
        .spawn(move || schedule(&data))
}

fn schedule(data: &Path) {
    let mut feeds: Option<Feeds> = None;
    let mut due: HashMap<String, Instant> = HashMap::new();
    let mut warned = false;
    loop {
        if feeds.is_none() {
            match Feeds::open(data) {
                Ok(f) => feeds = Some(f),
                Err(e) if !warned => {
                    tracing::warn!("feeds: cannot open the feed list: {e}");
                    warned = true;
                }
                Err(_) => {}
            }
        }
        if let Some(f) = feeds.as_mut() {
            if let Err(e) = tick(data, f, &mut due) {
                tracing::warn!("feeds: cannot read the feed list: {e}");
            }
        }
        std::thread::sleep(TICK);
    }
}

/// Pulls every feed that is due, one after the other; notes when each is
/// next due in `due` (feeds seen for the first time are due once their
/// interval since their last pull has passed).
fn tick(data: &Path, feeds: &mut Feeds, due: &mut HashMap<String, Instant>) -> Result<()> {
    let list = feeds.list()?;
    due.retain(|name, _| list.iter().any(|f| &f.name == name));
    let now = Instant::now();
    let wall = unix_now();
    for f in &list {
        let interval = Duration::from_secs(f.interval_secs);
        let when = *due.entry(f.name.clone()).or_insert_with(|| {
            let since = f
                .last_pull
                .map_or(u64::MAX / 2, |t| (wall - t).max(0) as u64);
            now + interval.saturating_sub(Duration::from_secs(since))
        });
        if when > now {
            continue;
        }
        if let Err(e) = feeds.record_start(&f.name, unix_now()) {
            tracing::warn!("feed {}: cannot record its start: {e}", f.name);
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pull(data, &f.url, &f.collection, &f.auth, false, false)
        }));
        let next = match outcome {
            Ok(Ok(r)) => {
                if r.import.objects > 0 {
                    tracing::info!(
                        "feed {}: {} objects ({} added, {} updated, {} invalid) in {} pages",
                        f.name,
                        r.import.objects,
                        r.import.added,
                        r.import.updated,
                        r.import.invalid,
                        r.pages
                    );
                }
                if let Err(e) = feeds.record_success(&f.name, unix_now()) {
                    tracing::warn!("feed {}: cannot record its success: {e}", f.name);
                }
                Instant::now() + interval
            }
            Ok(Err(e)) => failed(feeds, &f.name, &format!("{e:#}"), interval),
            Err(_) => failed(feeds, &f.name, "the pull panicked", interval),
        };
        due.insert(f.name.clone(), next);
    }
    Ok(())
}

fn failed(feeds: &mut Feeds, name: &str, error: &str, interval: Duration) -> Instant {
    let failures = feeds.record_failure(name, error).unwrap_or_else(|e| {
        tracing::warn!("feed {name}: cannot record its failure: {e}");
        1
    });
    let delay = retry_delay(failures.max(1), interval);
    tracing::warn!(
        "feed {name}: pull failed ({failures} in a row), retrying in {} s: {error}",
        delay.as_secs()
    );
    Instant::now() + delay
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("90s").unwrap(), 90);
        assert_eq!(parse_interval("15m").unwrap(), 900);
        assert_eq!(parse_interval("1h").unwrap(), 3600);
        assert_eq!(parse_interval("2d").unwrap(), 172_800);
        assert_eq!(parse_interval("42").unwrap(), 42);
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("1w").is_err());
        assert!(parse_interval("h").is_err());
        assert_eq!(show_interval(3600), "1h");
        assert_eq!(show_interval(90), "90s");
    }

    #[test]
    fn backoff_doubles_up_to_the_interval() {
        let hour = Duration::from_secs(3600);
        assert_eq!(retry_delay(1, hour), Duration::from_secs(10));
        assert_eq!(retry_delay(2, hour), Duration::from_secs(20));
        assert_eq!(retry_delay(5, hour), Duration::from_secs(160));
        assert_eq!(retry_delay(30, hour), hour);
    }

    #[test]
    fn a_failing_feed_is_recorded_and_retried_later() {
        let data = std::env::temp_dir().join(format!("vigil-sched-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let mut feeds = Feeds::open(&data).unwrap();
        // Nothing listens on the discard port of loopback: refused at once.
        let url = "http://127.0.0.1:9/taxii2/";
        feeds.add("down", url, "c1", &FeedAuth::None, 3600).unwrap();
        let mut due = HashMap::new();
        tick(&data, &mut feeds, &mut due).unwrap();
        let f = &feeds.list().unwrap()[0];
        assert_eq!(f.failures, 1);
        assert!(f.last_error.as_deref().unwrap().contains(url), "{f:?}");
        assert!(f.last_pull.is_some() && f.last_success.is_none());
        // Retried after 10 s, not at once and not after the hour.
        let next = due["down"].duration_since(Instant::now());
        assert!(next > Duration::from_secs(5) && next <= Duration::from_secs(10));
        tick(&data, &mut feeds, &mut due).unwrap();
        assert_eq!(feeds.list().unwrap()[0].failures, 1);
        let _ = std::fs::remove_dir_all(&data);
    }

    #[test]
    fn orders_date_added() {
        assert!(before("2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5Z"));
        assert!(!before(
            "2024-01-01T00:00:00.500Z",
            "2024-01-01T00:00:00.5Z"
        ));
        assert_eq!(
            default_name("https://cti.example.org:8443/taxii2/", "91a7b528-80eb"),
            "cti.example.org:8443-91a7b528"
        );
    }
}
