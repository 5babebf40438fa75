//! Retained observables: what hunts saw, for retro-hunting (`DATA/retained.db`).
//!
//! One row per distinct (log source, STIX object path, value) a hunt read:
//! when it was first and last seen and in how many records. `sighted` holds
//! the (indicator, observable) pairs already counted in a sighting, by a live
//! hunt or by a retro-hunt, so that checking the same observables again never
//! counts them twice. `meta` holds the retention window (`retain_days`) and
//! the retro-hunt's watermark (`checked_added`: the store's `added` time of
//! the newest indicator version already checked against everything retained).
//!
//! Rows last seen before the window are deleted by [`Retained::prune`]. The
//! file is shared by several processes (`vigil hunt`, `vigil import`,
//! `serve`'s retro-hunt): WAL, a busy timeout, and `BEGIN IMMEDIATE` for every
//! write, as in `access.db`. It takes no part in the store's writer lock.

use crate::Result;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

/// The file inside the data directory.
pub const RETAINED_FILE: &str = "retained.db";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sources (
    sid      INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    markings TEXT NOT NULL,
    collection TEXT
);
CREATE TABLE IF NOT EXISTS paths (pid INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS observables (
    rid   INTEGER PRIMARY KEY,
    sid   INTEGER NOT NULL,
    value TEXT NOT NULL,
    pid   INTEGER NOT NULL,
    first INTEGER NOT NULL,
    last  INTEGER NOT NULL,
    count INTEGER NOT NULL,
    UNIQUE (sid, value, pid)
);
CREATE TABLE IF NOT EXISTS sighted (
    indicator TEXT NOT NULL,
    rid       INTEGER NOT NULL,
    PRIMARY KEY (indicator, rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sighted_rid ON sighted (rid);
"#;

/// A log source whose observables are retained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetainedSource {
    /// Its number.
    pub sid: i64,
    /// Its name (as in `vigil hunt --source`).
    pub name: String,
    /// The marking-definition ids its sightings carry.
    pub markings: Vec<String>,
    /// The TAXII collection its sightings are added to.
    pub collection: Option<String>,
}

/// One retained observable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetainedRow {
    /// Its number.
    pub rid: i64,
    /// Its source's number.
    pub sid: i64,
    /// The STIX object path (`domain-name:value`).
    pub path: String,
    /// The value.
    pub value: String,
    /// First seen, microseconds since the epoch.
    pub first: i64,
    /// Last seen.
    pub last: i64,
    /// In how many records.
    pub count: u64,
}

/// What is retained, in figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetainedStats {
    /// The window in days (`None`: retention is off).
    pub retain_days: Option<u32>,
    /// Distinct observables.
    pub observables: u64,
    /// Log sources.
    pub sources: u64,
    /// How many times they were seen, summed (a record holds several).
    pub seen: u64,
    /// (indicator, observable) pairs counted in sightings.
    pub sighted: u64,
    /// The earliest first-seen time (µs since the epoch).
    pub oldest: Option<i64>,
    /// The latest last-seen time.
    pub newest: Option<i64>,
    /// The `added` time of the newest indicator version retro-hunted.
    pub checked_added: Option<String>,
    /// The file's size in bytes.
    pub bytes: u64,
}

/// The retained observables of one data directory.
pub struct Retained {
    conn: Connection,
    path: std::path::PathBuf,
}

impl Retained {
    /// Opens (creating if needed) `DIR/retained.db`.
    pub fn open(dir: &Path) -> Result<Retained> {
        let conn = super::accounts::open_shared(dir, RETAINED_FILE, SCHEMA)?;
        // Hunts write up to a million rows at a time: a page cache that holds
        // the index being written (64 MiB; the default is 2).
        conn.pragma_update(None, "cache_size", -65_536)?;
        Ok(Retained {
            conn,
            path: dir.join(RETAINED_FILE),
        })
    }

    /// Opens `DIR/retained.db` if it exists.
    pub fn open_existing(dir: &Path) -> Result<Option<Retained>> {
        if dir.join(RETAINED_FILE).exists() {
            Retained::open(dir).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction.
    fn write<T>(&mut self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        super::accounts::immediate(&mut self.conn, f)
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        self.write(|tx| match value {
            Some(v) => tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, v],
            ),
            None => tx.execute("DELETE FROM meta WHERE key = ?1", [key]),
        })?;
        Ok(())
    }

    /// The retention window in days; `None` when retention is off.
    pub fn retain_days(&self) -> Result<Option<u32>> {
        Ok(self
            .meta("retain_days")?
            .and_then(|v| v.parse().ok())
            .filter(|&d: &u32| d > 0))
    }

    /// Sets the window (`None` or 0: off; what is retained stays until
    /// [`Retained::clear`]).
    pub fn set_retain_days(&mut self, days: Option<u32>) -> Result<()> {
        let v = days.filter(|&d| d > 0).map(|d| d.to_string());
        self.set_meta("retain_days", v.as_deref())
    }

    /// The watermark: the `added` time of the newest indicator version
    /// checked against everything retained.
    pub fn checked_added(&self) -> Result<Option<String>> {
        self.meta("checked_added")
    }

    /// Moves the watermark (never back).
    pub fn set_checked_added(&mut self, added: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('checked_added', ?1) \
                 ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
                [added],
            )
        })?;
        Ok(())
    }

    /// The number of the source `name`, added if new; its markings and
    /// collection are updated.
    pub fn source(
        &mut self,
        name: &str,
        markings: &[String],
        collection: Option<&str>,
    ) -> Result<i64> {
        let m = serde_json::to_string(markings).unwrap_or_else(|_| "[]".into());
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sources (name, markings, collection) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (name) DO UPDATE SET markings = excluded.markings, \
                 collection = excluded.collection",
                params![name, m, collection],
            )?;
            tx.query_row("SELECT sid FROM sources WHERE name = ?1", [name], |r| {
                r.get(0)
            })
        })
    }

    /// Every source.
    pub fn sources(&self) -> Result<Vec<RetainedSource>> {
        let mut st = self
            .conn
            .prepare("SELECT sid, name, markings, collection FROM sources ORDER BY sid")?;
        let rows = st.query_map([], |r| {
            let m: String = r.get(2)?;
            Ok(RetainedSource {
                sid: r.get(0)?,
                name: r.get(1)?,
                markings: serde_json::from_str(&m).unwrap_or_default(),
                collection: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds observables of source `sid`: (path, value, first, last, count),
    /// merged with those retained; then the (indicator, value) pairs a live
    /// hunt counted, marked as sighted for every path of that value. One
    /// transaction. Rows sorted by value are written fastest (the index is
    /// then walked in order).
    pub fn add(
        &mut self,
        sid: i64,
        rows: &[(&str, &str, i64, i64, u64)],
        sighted: &[(&str, &str)],
    ) -> Result<()> {
        self.write(|tx| {
            let mut pid_of = std::collections::HashMap::new();
            {
                let mut put_path = tx.prepare_cached(
                    "INSERT INTO paths (path) VALUES (?1) ON CONFLICT DO NOTHING",
                )?;
                let mut get_path = tx.prepare_cached("SELECT pid FROM paths WHERE path = ?1")?;
                let mut put = tx.prepare_cached(
                    "INSERT INTO observables (sid, value, pid, first, last, count) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                     ON CONFLICT (sid, value, pid) DO UPDATE SET \
                       first = min(first, excluded.first), last = max(last, excluded.last), \
                       count = count + excluded.count",
                )?;
                for &(path, value, first, last, count) in rows {
                    let pid: i64 = match pid_of.get(path) {
                        Some(&p) => p,
                        None => {
                            put_path.execute([path])?;
                            let p = get_path.query_row([path], |r| r.get(0))?;
                            pid_of.insert(path, p);
                            p
                        }
                    };
                    put.execute(params![sid, value, pid, first, last, count as i64])?;
                }
            }
            let mut mark = tx.prepare_cached(
                "INSERT OR IGNORE INTO sighted (indicator, rid) \
                 SELECT ?1, rid FROM observables WHERE sid = ?2 AND value = ?3",
            )?;
            for &(indicator, value) in sighted {
                mark.execute(params![indicator, sid, value])?;
            }
            Ok(())
        })
    }

    /// Marks (indicator, observable) pairs as counted in a sighting.
    pub fn mark_sighted(&mut self, pairs: &[(&str, i64)]) -> Result<()> {
        self.write(|tx| {
            let mut st = tx
                .prepare_cached("INSERT OR IGNORE INTO sighted (indicator, rid) VALUES (?1, ?2)")?;
            for &(i, rid) in pairs {
                st.execute(params![i, rid])?;
            }
            Ok(())
        })
    }

    /// Whether the pair was counted in a sighting already.
    pub fn is_sighted(&self, indicator: &str, rid: i64) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM sighted WHERE indicator = ?1 AND rid = ?2")?
            .exists(params![indicator, rid])?)
    }

    /// Deletes the observables last seen before `before` (µs since the
    /// epoch), and their sighted pairs; how many observables went.
    pub fn prune(&mut self, before: i64) -> Result<u64> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM sighted WHERE rid IN (SELECT rid FROM observables WHERE last < ?1)",
                [before],
            )?;
            let n = tx.execute("DELETE FROM observables WHERE last < ?1", [before])?;
            Ok(n as u64)
        })
    }

    /// Deletes everything retained (the settings stay).
    pub fn clear(&mut self) -> Result<u64> {
        self.write(|tx| {
            tx.execute("DELETE FROM sighted", [])?;
            let n = tx.execute("DELETE FROM observables", [])?;
            tx.execute("DELETE FROM meta WHERE key = 'checked_added'", [])?;
            Ok(n as u64)
        })
    }

    /// Calls `f` with every observable last seen at or after `since` (µs),
    /// in no particular order.
    pub fn scan(
        &self,
        since: Option<i64>,
        f: &mut dyn FnMut(RetainedRow) -> Result<()>,
    ) -> Result<u64> {
        let mut st = self.conn.prepare(
            "SELECT o.rid, o.sid, p.path, o.value, o.first, o.last, o.count \
             FROM observables o JOIN paths p ON p.pid = o.pid WHERE o.last >= ?1",
        )?;
        let mut rows = st.query([since.unwrap_or(i64::MIN)])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            f(RetainedRow {
                rid: r.get(0)?,
                sid: r.get(1)?,
                path: r.get(2)?,
                value: r.get(3)?,
                first: r.get(4)?,
                last: r.get(5)?,
                count: r.get::<_, i64>(6)? as u64,
            })?;
            n += 1;
        }
        Ok(n)
    }

    /// Every path observables were retained at.
    pub fn paths(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare("SELECT path FROM paths ORDER BY pid")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many observables are retained (of source `sid`, or of all).
    pub fn count(&self, sid: Option<i64>) -> Result<u64> {
        let n: i64 = match sid {
            Some(sid) => self.conn.query_row(
                "SELECT count(*) FROM observables WHERE sid = ?1",
                [sid],
                |r| r.get(0),
            )?,
            None => self
                .conn
                .query_row("SELECT count(*) FROM observables", [], |r| r.get(0))?,
        };
        Ok(n as u64)
    }

    /// Whether anything is retained.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(!self
            .conn
            .prepare_cached("SELECT 1 FROM observables LIMIT 1")?
            .exists([])?)
    }

    /// The figures.
    pub fn stats(&self) -> Result<RetainedStats> {
        let (observables, seen, oldest, newest) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(count), 0), min(first), max(last) FROM observables",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, i64>(1)? as u64,
                    r.get(2)?,
                    r.get(3)?,
                ))
            },
        )?;
        let count = |sql: &str| -> Result<u64> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(RetainedStats {
            retain_days: self.retain_days()?,
            observables,
            sources: count("SELECT count(*) FROM sources")?,
            seen,
            sighted: count("SELECT count(*) FROM sighted")?,
            oldest,
            newest,
            checked_added: self.checked_added()?,
            bytes: ["", "-wal"]
                .iter()
                .filter_map(|s| {
                    std::fs::metadata(format!("{}{s}", self.path.display()))
                        .ok()
                        .map(|m| m.len())
                })
                .sum(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observables_merge_and_prune_with_their_pairs() {
        let dir = super::super::tests::temp();
        assert!(Retained::open_existing(dir.path()).unwrap().is_none());
        let mut r = Retained::open(dir.path()).unwrap();
        assert!(r.is_empty().unwrap());
        let s = r
            .source("sensor-1", &["marking-definition--x".into()], None)
            .unwrap();
        assert_eq!(r.source("sensor-1", &[], Some("c")).unwrap(), s);
        assert_eq!(r.sources().unwrap()[0].collection.as_deref(), Some("c"));
        assert_eq!(r.sources().unwrap()[0].markings, Vec::<String>::new());
        r.add(
            s,
            &[
                ("domain-name:value", "a.example", 100, 200, 2),
                ("ipv4-addr:value", "192.0.2.1", 50, 60, 1),
            ],
            &[],
        )
        .unwrap();
        r.add(
            s,
            &[("domain-name:value", "a.example", 10, 150, 3)],
            &[("indicator--1", "a.example")],
        )
        .unwrap();
        let mut rows = Vec::new();
        r.scan(None, &mut |row| {
            rows.push(row);
            Ok(())
        })
        .unwrap();
        // "a.example" first.
        rows.sort_by(|a, b| b.value.cmp(&a.value));
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].first, rows[0].last, rows[0].count), (10, 200, 5));
        assert!(r.is_sighted("indicator--1", rows[0].rid).unwrap());
        assert!(!r.is_sighted("indicator--1", rows[1].rid).unwrap());
        r.mark_sighted(&[("indicator--2", rows[1].rid)]).unwrap();
        // Only rows last seen from 100 on.
        let mut n = 0;
        r.scan(Some(100), &mut |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(r.prune(100).unwrap(), 1);
        assert!(!r.is_sighted("indicator--2", rows[1].rid).unwrap());
        let st = r.stats().unwrap();
        assert_eq!((st.observables, st.seen, st.sighted), (1, 5, 1));
    }

    #[test]
    fn the_window_and_the_watermark_are_kept() {
        let dir = super::super::tests::temp();
        let mut r = Retained::open(dir.path()).unwrap();
        assert_eq!(r.retain_days().unwrap(), None);
        r.set_retain_days(Some(90)).unwrap();
        assert_eq!(
            Retained::open(dir.path()).unwrap().retain_days().unwrap(),
            Some(90)
        );
        r.set_retain_days(Some(0)).unwrap();
        assert_eq!(r.retain_days().unwrap(), None);
        r.set_checked_added("2026-01-02T00:00:00.000Z").unwrap();
        r.set_checked_added("2026-01-01T00:00:00.000Z").unwrap();
        assert_eq!(
            r.checked_added().unwrap().as_deref(),
            Some("2026-01-02T00:00:00.000Z")
        );
    }
}
