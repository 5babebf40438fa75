//! The embedded backend: one SQLite database (WAL mode) in the data directory.
//!
//! `versions` is the truth: every version of every object, keyed by
//! `(oid, version)`, where `oid` numbers objects in the order they first
//! arrived. `objects` maps each STIX id to its `oid` (looked up by a 64-bit hash
//! of the id, `idh`, so the one index with random keys stays small) and records
//! the current version (`version`, the newest) with what queries need of it.
//! Everything but the id-to-oid mapping is derived from `versions` and rebuilt
//! by [`WriteStore::reindex`](crate::WriteStore::reindex): the current-version
//! columns of `objects`, `ext_ids`, `marking_sets` (each distinct set of marking
//! references once; `objects.marking_set` points at it, so access decisions can
//! be made per set rather than per object), `edges` (graph adjacency, both
//! directions by index), and the text index: FTS5 over names, aliases,
//! external ids and descriptions of all but relationship objects, one row per
//! object (rowid = oid), in a database file of its own (`text.db`) so that an
//! import fills it on a thread of its own (see `text.rs`). An import is one SQLite
//! transaction, so a crash leaves either all of it or none of it.
//!
//! Writers take an exclusive lock on `DIR/lock` first, so two writing processes
//! get a clear error instead of waiting on each other; readers need no lock
//! (WAL lets them read while an import runs).

pub(crate) mod accounts;
pub(crate) mod audit;
mod checkpoint;
mod collections;
pub(crate) mod feeds;
mod read;
pub(crate) mod retained;
mod text;
mod write;

use crate::{Result, StoreError};
use rusqlite::Connection;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// The database file inside the data directory.
pub const DB_FILE: &str = "vigil.db";
const LOCK_FILE: &str = "lock";
const SCHEMA_VERSION: &str = "4";
/// Schema versions this code upgrades when it opens a store for writing (3 → 4
/// added the TAXII collection tables, nothing else) and reads as they are.
const UPGRADABLE: &[&str] = &["3"];
// (Version 3 stores also counted granular marking refs into `marking_sets`;
// `open_write` reindexes them once when it upgrades, see `upgrade`.)

/// The 64-bit FNV-1a hash of a STIX id: the key of `objects_idh`. Stored, so it
/// must never change. Lookups also compare the id, so collisions are harmless.
pub(crate) fn id_hash(id: &str) -> i64 {
    #[cfg(test)]
    if let Some(h) = tests::COLLIDING_HASH.with(|c| c.get()) {
        if id.contains(tests::COLLIDING) {
            return h;
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (
    oid         INTEGER PRIMARY KEY,
    idh         INTEGER NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    version     TEXT NOT NULL,
    hidden      INTEGER NOT NULL,
    name        TEXT,
    ext_id      TEXT,
    marking_set INTEGER
);
CREATE INDEX IF NOT EXISTS objects_type ON objects (type);
CREATE INDEX IF NOT EXISTS objects_marking_set ON objects (marking_set);
CREATE TABLE IF NOT EXISTS versions (
    oid     INTEGER NOT NULL,
    version TEXT NOT NULL,
    added   TEXT NOT NULL,
    json    TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS versions_oid ON versions (oid, version);
CREATE TABLE IF NOT EXISTS ext_ids (ext_id TEXT NOT NULL COLLATE NOCASE, source TEXT NOT NULL, oid INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ext_ids_ext ON ext_ids (ext_id);
CREATE INDEX IF NOT EXISTS ext_ids_oid ON ext_ids (oid);
CREATE TABLE IF NOT EXISTS marking_sets (set_id INTEGER PRIMARY KEY, markings TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL, target TEXT NOT NULL, rel TEXT NOT NULL, via INTEGER NOT NULL, kind INTEGER NOT NULL,
    PRIMARY KEY (source, target, rel, via)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_target ON edges (target);
CREATE INDEX IF NOT EXISTS edges_via ON edges (via);
"#;

/// The index by id hash, apart: an import into an empty store builds it at the
/// end (see `write::Fresh`).
pub(crate) const CREATE_IDH_INDEX: &str = "CREATE INDEX IF NOT EXISTS objects_idh ON objects (idh)";

/// The SQLite store of one data directory.
pub struct SqliteStore {
    /// Checkpoints the WAL of a writing store (declared first: it stops before
    /// the connections close).
    checkpointer: Option<checkpoint::Checkpointer>,
    conn: Connection,
    /// The text index's own connection (`text.db`); lent to an import's text
    /// thread while the import runs.
    text: Option<Connection>,
    dir: PathBuf,
    /// Held while this store may write; released on drop.
    _lock: Option<File>,
}

fn dir_error(dir: &Path, message: impl std::fmt::Display) -> StoreError {
    StoreError::Directory {
        dir: dir.to_path_buf(),
        message: message.to_string(),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir` for writing. Fails with
    /// [`StoreError::Locked`] while another process writes to it.
    pub fn open_write(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| dir_error(dir, format!("cannot create it: {e}")))?;
        let lock_path = dir.join(LOCK_FILE);
        let mut lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| dir_error(dir, format!("cannot open {}: {e}", lock_path.display())))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = lock.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() {
                    String::new()
                } else {
                    format!(" ({holder})")
                };
                return Err(StoreError::Locked {
                    dir: dir.to_path_buf(),
                    holder,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(dir_error(dir, format!("cannot lock it: {e}")))
            }
        }
        let _ = lock.set_len(0);
        let _ = write!(lock, "pid {}", std::process::id());
        let _ = lock.flush();
        let path = dir.join(DB_FILE);
        let conn = Connection::open(&path)
            .map_err(|e| dir_error(dir, format!("cannot open {}: {e}", path.display())))?;
        let cannot =
            |e: rusqlite::Error| dir_error(dir, format!("cannot write {}: {e}", path.display()));
        configure(&conn, 128).map_err(cannot)?;
        conn.pragma_update(None, "wal_autocheckpoint", checkpoint::BACKSTOP_PAGES)
            .map_err(cannot)?;
        conn.execute_batch(SCHEMA).map_err(cannot)?;
        conn.execute_batch(CREATE_IDH_INDEX).map_err(cannot)?;
        conn.execute_batch(collections::SCHEMA).map_err(cannot)?;
        conn.execute_batch(collections::DROPPED).map_err(cannot)?;
        let text = text::open(dir, true)?;
        let checkpointer =
            checkpoint::Checkpointer::start(vec![path.clone(), dir.join(text::TEXT_FILE)])
                .map_err(|e| dir_error(dir, format!("cannot start the checkpoint thread: {e}")))?;
        let mut store = SqliteStore {
            checkpointer: Some(checkpointer),
            conn,
            text: Some(text),
            dir: dir.to_path_buf(),
            _lock: Some(lock),
        };
        if store.check_schema_version(true)? {
            // Version 3 put granular marking refs into `marking_sets` too.
            crate::WriteStore::reindex(&mut store)?;
        }
        store.repair_text_index()?;
        Ok(store)
    }

    /// Like [`open_write`](Self::open_write), but while another process holds the
    /// store, waits (with backoff, up to `max`) instead of failing at once; the
    /// `Locked` error after `max` says how long it waited. A zero `max` is
    /// [`open_write`](Self::open_write) itself.
    pub fn open_write_waiting(dir: &Path, max: std::time::Duration) -> Result<SqliteStore> {
        let start = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(20);
        loop {
            match SqliteStore::open_write(dir) {
                Err(StoreError::Locked { .. }) if start.elapsed() < max => {
                    // Never past `max`.
                    std::thread::sleep(pause.min(max.saturating_sub(start.elapsed())));
                    pause = (pause * 2).min(std::time::Duration::from_secs(2));
                }
                Err(StoreError::Locked { dir, holder }) if !max.is_zero() => {
                    return Err(StoreError::Locked {
                        dir,
                        holder: format!("{holder}; waited {} s", start.elapsed().as_secs()),
                    })
                }
                other => return other,
            }
        }
    }

    /// Opens an existing store in `dir` for reading. Never writes.
    pub fn open_read(dir: &Path) -> Result<SqliteStore> {
        let path = dir.join(DB_FILE);
        if !path.is_file() {
            return Err(StoreError::Missing(dir.to_path_buf()));
        }
        let conn = text::open_reader(&path)
            .map_err(|e| dir_error(dir, format!("cannot open {}: {e}", path.display())))?;
        let text = text::open(dir, false).ok();
        let store = SqliteStore {
            checkpointer: None,
            conn,
            text,
            dir: dir.to_path_buf(),
            _lock: None,
        };
        store.check_schema_version(false)?;
        Ok(store)
    }

    /// Whether `dir` holds a store.
    pub fn exists(dir: &Path) -> bool {
        dir.join(DB_FILE).is_file()
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Rebuilds the text index if it does not belong to the store's current
    /// state (an import died between its two commits, or `text.db` was lost).
    fn repair_text_index(&mut self) -> Result<()> {
        let want = text::main_generation(&self.conn)?;
        let Some(text) = self.text.as_mut() else {
            return Ok(());
        };
        if text::generation(text)? != want {
            text::rebuild(&self.conn, text, want)?;
        }
        Ok(())
    }

    /// Checks the schema version; true when it was upgraded just now.
    fn check_schema_version(&self, writing: bool) -> Result<bool> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .map(Some)
            .or_else(|e| {
                if matches!(e, rusqlite::Error::QueryReturnedNoRows) {
                    Ok(None)
                } else {
                    Err(e)
                }
            })
            .map_err(|e| dir_error(&self.dir, format!("{DB_FILE} is not a Vigil store: {e}")))?;
        match v.as_deref() {
            Some(SCHEMA_VERSION) => Ok(false),
            Some(old) if UPGRADABLE.contains(&old) => {
                if writing {
                    self.conn.execute(
                        "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
                        [SCHEMA_VERSION],
                    )?;
                }
                Ok(writing)
            }
            None if writing => {
                self.conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                    [SCHEMA_VERSION],
                )?;
                Ok(false)
            }
            None => Err(dir_error(
                &self.dir,
                format!("{DB_FILE} has no schema version; it is not a Vigil store"),
            )),
            Some(other) => Err(dir_error(
                &self.dir,
                format!(
                    "{DB_FILE} has schema version {other}, this Vigil understands {SCHEMA_VERSION}"
                ),
            )),
        }
    }
}

/// Settings of a writing connection (to either database file); `cache_mib` is
/// the page cache. The main database gets 128 MiB so that the pages of its
/// random-key indexes stay cached while a big import appends (measured: 1M
/// indicators 65k → 73k objects/s; peak memory stays under 500 MB).
pub(crate) fn configure(conn: &Connection, cache_mib: i64) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "page_size", 16384)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -1024 * cache_mib)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

#[cfg(test)]
mod tests;
