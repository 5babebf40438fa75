//! The text index: FTS5 over names, aliases, external ids and descriptions, in
//! a database file of its own (`DATA/text.db`, rowid = the object's oid).
//!
//! Why a file of its own: tokenising and indexing text is half of what an
//! import writes, and SQLite lets one connection write one file at a time. With
//! the index in its own file, an import fills it on a thread of its own
//! ([`TextWriter`]) while the main database is written.
//!
//! Two files, one truth. Both carry a generation number: the main database's
//! `meta.text_gen` says which state of the index belongs to it, and the index's
//! `meta.gen` says which it holds. An import commits both with the new number
//! at the same time, each on its own thread (the two commits write different
//! files, so neither waits for the other). A crash between the two leaves the
//! numbers different; the next writer to open the store sees that and rebuilds
//! the index from the main database, as it does if `text.db` is lost. A commit
//! that fails on one side while the other succeeded is mended at once the same
//! way. Readers never see wrong results in between: search looks every hit up
//! in the main database and drops what it does not hold (an object committed a
//! moment before its text is found by id, not yet by text).

use super::{configure, dir_error};
use crate::{Record, Result};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::sync::mpsc;
use vigil_stix::StixObject;

/// The text index's file in the data directory.
pub(crate) const TEXT_FILE: &str = "text.db";

const TEXT_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5 (
    name, aliases, ext_ids, description,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
"#;

const INSERT: &str =
    "INSERT INTO fts (rowid, name, aliases, ext_ids, description) VALUES (?1, ?2, ?3, ?4, ?5)";

/// A connection that reads (never writes) a database file of the store.
pub(crate) fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    // Read-write flags so SQLite may create the WAL index files if they are
    // missing; `query_only` forbids every write.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)
        .or_else(|_| Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "query_only", true)?;
    conn.pragma_update(None, "cache_size", -32768)?;
    conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Opens `DIR/text.db`: for writing (created if missing), or for reading.
pub(crate) fn open(dir: &Path, writing: bool) -> Result<Connection> {
    let path = dir.join(TEXT_FILE);
    let cannot =
        |e: rusqlite::Error| dir_error(dir, format!("cannot open {}: {e}", path.display()));
    if !writing {
        return open_reader(&path).map_err(cannot);
    }
    let conn = Connection::open(&path).map_err(cannot)?;
    configure(&conn, 32).map_err(cannot)?;
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        super::checkpoint::BACKSTOP_PAGES,
    )
    .map_err(cannot)?;
    conn.execute_batch(TEXT_SCHEMA).map_err(cannot)?;
    // Merge 16 segments of a level at a time (default 4): a quarter of the
    // merge passes. (16 against 8: 1M indicators imported in 10.2-10.7 s
    // against 10.7-12.4 s, 3 alternating pairs; queries on 500k indicators'
    // text took as long with either. The term buffer stays at its default
    // 1 MiB: larger ones were slower, the hash no longer fitting in cache,
    // measured on 200k indicators.)
    conn.execute("INSERT INTO fts (fts, rank) VALUES ('automerge', 16)", [])
        .map_err(cannot)?;
    Ok(conn)
}

fn read_gen(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    let v: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

fn write_gen(conn: &Connection, key: &str, gen: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
        .execute(params![key, gen.to_string()])?;
    Ok(())
}

/// The generation of the text index the main database expects.
pub(crate) fn main_generation(main: &Connection) -> rusqlite::Result<i64> {
    read_gen(main, "text_gen")
}

/// Records, in the main database's open transaction, the index generation it expects.
pub(crate) fn set_main_generation(main: &Connection, gen: i64) -> rusqlite::Result<()> {
    write_gen(main, "text_gen", gen)
}

/// The generation the text index holds.
pub(crate) fn generation(text: &Connection) -> rusqlite::Result<i64> {
    read_gen(text, "gen")
}

/// The text of one object, as indexed.
struct Text {
    name: Option<String>,
    aliases: String,
    ext_ids: String,
    description: Option<String>,
}

impl Text {
    /// The object's text, if it has any to index, moved out of the record.
    fn take(rec: &mut Record) -> Option<Text> {
        rec.has_text().then(|| Text {
            name: rec.name.take(),
            aliases: std::mem::take(&mut rec.aliases),
            ext_ids: std::mem::take(&mut rec.ext_text),
            description: rec.description.take(),
        })
    }

    fn insert(&self, st: &mut rusqlite::Statement<'_>, oid: i64) -> rusqlite::Result<()> {
        st.execute(params![
            oid,
            self.name,
            self.aliases,
            self.ext_ids,
            self.description
        ])?;
        Ok(())
    }
}

/// Empties the index and fills it again from the main database's current
/// versions, as generation `gen`.
pub(crate) fn rebuild(main: &Connection, text: &mut Connection, gen: i64) -> Result<()> {
    let tx = text.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute("INSERT INTO fts (fts) VALUES ('delete-all')", [])?;
    {
        let mut ins = tx.prepare(INSERT)?;
        let mut st = main.prepare(
            "SELECT o.oid, v.json FROM objects o JOIN versions v ON v.oid = o.oid AND v.version = o.version",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let oid: i64 = r.get(0)?;
            let json: String = r.get(1)?;
            let Ok(map) = serde_json::from_str(&json) else {
                continue;
            };
            let mut rec = Record::with_json(&StixObject::new(map), Some(json));
            if let Some(t) = Text::take(&mut rec) {
                t.insert(&mut ins, oid)?;
            }
        }
    }
    write_gen(&tx, "gen", gen)?;
    tx.commit()?;
    Ok(())
}

/// What an import asks of its text thread.
// `Put` is the one that counts and is held inline: a box per object was an
// allocation on the writer thread and a free on this one.
#[allow(clippy::large_enum_variant)]
enum Op {
    /// Index (the current version of) an object.
    Put(i64, Text),
    /// Forget an object's text.
    Delete(i64),
    /// Write generation `gen` and commit.
    Commit(i64),
}

/// How many operations go to the text thread at a time: one channel send (and
/// at most one wake-up of the thread) per batch instead of per object. 1024
/// rather than 256: 1M indicators imported in 11.1 s rather than 11.5 s
/// (medians of 4 alternating runs; 64 was slower still).
const BATCH: usize = 1024;

/// The text thread of one import: owns the index's connection and one
/// transaction on it until [`TextWriter::finish`].
pub(crate) struct TextWriter {
    ops: Option<mpsc::SyncSender<Vec<Op>>>,
    /// Operations not yet sent.
    pending: std::cell::RefCell<Vec<Op>>,
    /// Emptied batches, back from the thread for reuse.
    spare: mpsc::Receiver<Vec<Op>>,
    thread: Option<std::thread::JoinHandle<(Connection, rusqlite::Result<()>)>>,
}

impl TextWriter {
    /// Starts the thread. `empty`: the store holds nothing yet, so the index may
    /// be written with a rollback journal (see `WriteStore::begin_import`).
    pub(crate) fn start(conn: Connection, empty: bool) -> std::io::Result<TextWriter> {
        let (tx, rx) = mpsc::sync_channel::<Vec<Op>>(16);
        let (spare_tx, spare) = mpsc::sync_channel::<Vec<Op>>(4);
        let thread = std::thread::Builder::new()
            .name("vigil-text".into())
            .spawn(move || {
                let bulk = empty && super::write::set_journal_mode(&conn, "delete");
                let result = run(&conn, rx, spare_tx);
                if bulk {
                    super::write::set_journal_mode(&conn, "wal");
                }
                (conn, result)
            })?;
        Ok(TextWriter {
            ops: Some(tx),
            pending: std::cell::RefCell::new(Vec::with_capacity(BATCH)),
            spare,
            thread: Some(thread),
        })
    }

    /// Indexes an object's current version (replacing what was indexed for it),
    /// taking its text out of `rec`.
    pub(crate) fn put(&self, oid: i64, rec: &mut Record, replace: bool) -> rusqlite::Result<()> {
        if replace {
            self.send(Op::Delete(oid))?;
        }
        if let Some(t) = Text::take(rec) {
            self.send(Op::Put(oid, t))?;
        }
        Ok(())
    }

    fn send(&self, op: Op) -> rusqlite::Result<()> {
        let full = {
            let mut p = self.pending.borrow_mut();
            p.push(op);
            p.len() >= BATCH
        };
        if full {
            self.flush()
        } else {
            Ok(())
        }
    }

    fn flush(&self) -> rusqlite::Result<()> {
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let batch = std::mem::replace(&mut *self.pending.borrow_mut(), next);
        if batch.is_empty() {
            return Ok(());
        }
        match &self.ops {
            Some(tx) if tx.send(batch).is_ok() => Ok(()),
            // The thread stopped: its error comes out of `finish`.
            _ => Err(rusqlite::Error::InvalidQuery),
        }
    }

    /// Asks the thread to commit the index as generation `gen` once it has
    /// written what it was sent; returns at once ([`finish`](Self::finish) waits).
    pub(crate) fn start_commit(&self, gen: i64) {
        let _ = self.send(Op::Commit(gen));
        let _ = self.flush();
    }

    /// Waits for the thread (which rolls back unless [`start_commit`](Self::start_commit)
    /// was called); gives the connection back with the outcome.
    pub(crate) fn finish(mut self) -> Option<(Connection, rusqlite::Result<()>)> {
        self.ops = None;
        self.thread.take().and_then(|t| t.join().ok())
    }
}

impl Drop for TextWriter {
    fn drop(&mut self) {
        self.ops = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs the operations sent, batch by batch, giving each emptied batch back
/// (`spare`) for the next one.
fn run(
    conn: &Connection,
    ops: mpsc::Receiver<Vec<Op>>,
    spare: mpsc::SyncSender<Vec<Op>>,
) -> rusqlite::Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut ins = tx.prepare(INSERT)?;
        let mut del = tx.prepare("DELETE FROM fts WHERE rowid = ?1")?;
        for mut batch in ops {
            for op in batch.drain(..) {
                match op {
                    Op::Put(oid, t) => t.insert(&mut ins, oid)?,
                    Op::Delete(oid) => {
                        del.execute([oid])?;
                    }
                    Op::Commit(gen) => {
                        write_gen(&tx, "gen", gen)?;
                        drop((ins, del));
                        return tx.commit();
                    }
                }
            }
            let _ = spare.try_send(batch);
        }
    }
    // The import ended without committing: roll back (dropping `tx`).
    Ok(())
}
