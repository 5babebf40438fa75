//! Imports: versions in, derived indexes kept in step, one transaction (and the
//! text index's own, committed just before it; see `text.rs`).

use super::text::{self, TextWriter};
use super::{id_hash, SqliteStore};
use crate::{ImportTx, PutOutcome, Record, Result, StoreError, WriteStore};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use vigil_stix::{StixObject, Timestamp};

/// The statements every object runs, prepared once per import.
struct Hot<'a> {
    /// The oid and current version of an id, by `objects_idh` (or, while that
    /// index is deferred, by scanning: see [`Fresh`]).
    find: rusqlite::Statement<'a>,
    /// The same, by oid.
    find_oid: rusqlite::Statement<'a>,
    insert_version: rusqlite::Statement<'a>,
    insert_object: rusqlite::Statement<'a>,
    refs: RefStatements<'a>,
}

struct SqliteImport<'a> {
    /// Dropped before the transaction ends.
    hot: Option<Hot<'a>>,
    /// `None` once committed.
    tx: Option<Transaction<'a>>,
    conn: &'a Connection,
    /// The text thread, and where its connection goes back when it is done.
    text: Option<TextWriter>,
    text_home: &'a mut Option<Connection>,
    /// In an import into an empty store: what it wrote so far (see [`Fresh`]).
    fresh: Option<Fresh>,
    added: String,
    sets: MarkingSets,
    /// The next object number to hand out.
    next_oid: i64,
    /// Dates the TAXII collection entries this import adds.
    dater: super::collections::Dater,
    /// The object `put` last wrote: its id hash, oid, and whether it was new to
    /// the store (then no collection can hold it yet).
    last_put: Option<(i64, i64, bool)>,
    /// Whether this import runs with a rollback journal (see `begin_import`)
    /// and must put the store back into WAL mode when done.
    bulk: bool,
    /// Checkpoints the WAL once this import has committed.
    checkpointer: Option<&'a super::checkpoint::Checkpointer>,
    /// Syncs the files as a bulk import goes, until it commits.
    flusher: Option<super::checkpoint::Flusher>,
    /// The data directory (to open the text index again, should its thread die).
    dir: &'a std::path::Path,
}

/// An import into an empty store, which defers `objects_idh`.
///
/// Random-order inserts into that index were a fifth of the writer's time in
/// an import of 1M objects; built once at commit, by sorting, it costs a
/// fraction of that. Until then the import finds its own objects here: an id
/// whose hash is not in `oids` cannot be in the store, and one whose hash is
/// there is almost always the object of that oid (another id with the same
/// 64-bit hash is found by a scan). The index is dropped and built again
/// inside the import's transaction, so a rollback or a crash gives it back.
struct Fresh {
    /// Id hash → oid of the first object with that hash in this import.
    oids: std::collections::HashMap<i64, i64, std::hash::BuildHasherDefault<IdHashHasher>>,
}

impl Fresh {
    /// Like [`find`](Self::find), but an id hash not seen before is recorded
    /// as `oid`'s at once (one lookup in the map instead of two).
    fn find_or_note(
        &mut self,
        hot: &mut Hot<'_>,
        idh: i64,
        id: &str,
        oid: i64,
    ) -> rusqlite::Result<Option<(i64, String)>> {
        match self.oids.entry(idh) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(oid);
                Ok(None)
            }
            std::collections::hash_map::Entry::Occupied(_) => self.find(hot, idh, id),
        }
    }

    /// The oid and current version of `id`, if this import wrote it.
    fn find(
        &self,
        hot: &mut Hot<'_>,
        idh: i64,
        id: &str,
    ) -> rusqlite::Result<Option<(i64, String)>> {
        let Some(&oid) = self.oids.get(&idh) else {
            return Ok(None);
        };
        let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
        match hot.find_oid.query_row(params![oid, id], row).optional()? {
            Some(found) => Ok(Some(found)),
            None => hot.find.query_row(params![idh, id], row).optional(),
        }
    }
}

/// Hashes an id hash (`id_hash`, FNV-1a) by taking it as it is: it is a hash
/// already, and SipHash over it cost as much as the set lookup itself.
#[derive(Default)]
struct IdHashHasher(u64);

impl std::hash::Hasher for IdHashHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_i64(&mut self, v: i64) {
        self.0 = v as u64;
    }
}

/// Marking sets seen in this transaction → set id.
///
/// An import meets few distinct sets, so the first [`MarkingSets::FEW`] are
/// kept in a list compared in order (hashing each object's marking refs with
/// SipHash was 2.4% of the writer thread's time); any others go to a map.
#[derive(Default)]
struct MarkingSets {
    few: Vec<(Vec<String>, i64)>,
    more: std::collections::HashMap<Vec<String>, i64>,
}

impl MarkingSets {
    const FEW: usize = 16;

    /// The id of the set of `markings` (sorted, deduplicated), adding it if new;
    /// `None` for an unmarked object.
    fn id(&mut self, tx: &Connection, markings: &[String]) -> rusqlite::Result<Option<i64>> {
        if markings.is_empty() {
            return Ok(None);
        }
        if let Some((_, id)) = self.few.iter().find(|(m, _)| m.as_slice() == markings) {
            return Ok(Some(*id));
        }
        if let Some(&id) = self.more.get(markings) {
            return Ok(Some(id));
        }
        let key = serde_json::to_string(markings).unwrap_or_default();
        tx.prepare_cached(
            "INSERT INTO marking_sets (markings) VALUES (?1) ON CONFLICT (markings) DO NOTHING",
        )?
        .execute([&key])?;
        let id: i64 = tx
            .prepare_cached("SELECT set_id FROM marking_sets WHERE markings = ?1")?
            .query_row([&key], |r| r.get(0))?;
        if self.few.len() < Self::FEW {
            self.few.push((markings.to_vec(), id));
        } else {
            self.more.insert(markings.to_vec(), id);
        }
        Ok(Some(id))
    }
}

/// Switches the journal mode; whether SQLite now reports that mode.
pub(crate) fn set_journal_mode(conn: &Connection, mode: &str) -> bool {
    conn.pragma_update_and_check(None, "journal_mode", mode, |r| r.get::<_, String>(0))
        .is_ok_and(|m| m.eq_ignore_ascii_case(mode))
}

impl WriteStore for SqliteStore {
    fn begin_import(&mut self) -> Result<Box<dyn ImportTx + '_>> {
        let SqliteStore {
            conn,
            text: text_home,
            checkpointer,
            dir,
            ..
        } = self;
        let conn: &Connection = conn;
        // Loading into an empty store (a new data directory, the first start):
        // with a rollback journal each new page is written once, where WAL writes
        // it twice (log, then checkpoint); nothing is journaled for pages past the
        // old end of file, and a crash still rolls back to the empty store. Only
        // when no other connection is open (SQLite refuses the switch otherwise).
        let empty: bool =
            conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM versions)", [], |r| {
                r.get(0)
            })?;
        let bulk = empty && set_journal_mode(conn, "delete");
        let text_conn = text_home
            .take()
            .ok_or_else(|| StoreError::BadQuery("the text index is not open for writing".into()))?;
        let text = TextWriter::start(text_conn, empty).map_err(|e| {
            StoreError::BadQuery(format!("cannot start the text index thread: {e}"))
        })?;
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        // Only a help: should its thread not start, the import goes on without it.
        let flusher = bulk
            .then(|| {
                super::checkpoint::Flusher::start(vec![
                    dir.join(super::DB_FILE),
                    dir.join(text::TEXT_FILE),
                ])
                .ok()
            })
            .flatten();
        if empty {
            tx.execute_batch("DROP INDEX IF EXISTS objects_idh")?;
        }
        let next_oid: i64 =
            tx.query_row("SELECT coalesce(max(oid), 0) + 1 FROM objects", [], |r| {
                r.get(0)
            })?;
        let hot = Hot {
            find: conn.prepare("SELECT oid, version FROM objects WHERE idh = ?1 AND id = ?2")?,
            find_oid: conn
                .prepare("SELECT oid, version FROM objects WHERE oid = ?1 AND id = ?2")?,
            insert_version: conn.prepare("INSERT INTO versions (oid, version, added, json) VALUES (?1, ?2, ?3, ?4)")?,
            insert_object: conn.prepare(
                "INSERT INTO objects (oid, idh, id, type, version, hidden, name, ext_id, marking_set)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?,
            refs: RefStatements::prepare(conn)?,
        };
        Ok(Box::new(SqliteImport {
            hot: Some(hot),
            tx: Some(tx),
            conn,
            text: Some(text),
            text_home,
            fresh: empty.then(|| Fresh {
                oids: Default::default(),
            }),
            added: Timestamp::now().to_string(),
            sets: MarkingSets::default(),
            next_oid,
            dater: Default::default(),
            last_put: None,
            bulk,
            checkpointer: checkpointer.as_ref(),
            flusher,
            dir,
        }))
    }

    fn reindex(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch("DELETE FROM ext_ids; DELETE FROM edges;")?;
        let mut sets = MarkingSets::default();
        {
            let mut refs = RefStatements::prepare(&tx)?;
            let mut stmt = tx.prepare(
                "SELECT v.oid, v.json FROM versions v
                 WHERE v.version = (SELECT max(version) FROM versions w WHERE w.oid = v.oid)",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let oid: i64 = row.get(0)?;
                let json: String = row.get(1)?;
                let map = serde_json::from_str(&json).map_err(|e| {
                    StoreError::BadQuery(format!("stored version of object {oid} is not JSON: {e}"))
                })?;
                let rec = Record::with_json(&StixObject::new(map), Some(json));
                let set = sets.id(&tx, &rec.markings)?;
                write_current(&tx, &rec, oid, set)?;
                refs.insert(&rec, oid)?;
            }
        }
        let gen = text::main_generation(&tx)? + 1;
        text::set_main_generation(&tx, gen)?;
        tx.commit()?;
        if let Some(t) = self.text.as_mut() {
            text::rebuild(&self.conn, t, gen)?;
        }
        Ok(())
    }
}

impl Drop for SqliteImport<'_> {
    fn drop(&mut self) {
        self.hot = None;
        if let Some(t) = self.text.take() {
            if let Some((conn, _)) = t.finish() {
                *self.text_home = Some(conn);
            }
        }
        if let Some(tx) = self.tx.take() {
            let _ = tx.rollback();
        }
        if self.bulk && !set_journal_mode(self.conn, "wal") {
            eprintln!(
                "vigil-store: warning: could not switch {} back to WAL mode",
                super::DB_FILE
            );
        }
    }
}

/// Points the object's row at a new current version and records what queries need of it.
fn write_current(
    tx: &Connection,
    rec: &Record,
    oid: i64,
    set: Option<i64>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE objects SET type = ?2, version = ?3, hidden = ?4, name = ?5, ext_id = ?6, marking_set = ?7
         WHERE oid = ?1",
    )?
    .execute(params![oid, rec.object_type, rec.version, rec.hidden, rec.name, rec.primary_ext_id, set])?;
    Ok(())
}

/// The statements that record the external ids and graph edges of an
/// object's current version, prepared once per import (looking them up in the
/// statement cache for each object hashed their SQL text each time).
struct RefStatements<'c> {
    ext: rusqlite::Statement<'c>,
    edge: rusqlite::Statement<'c>,
}

impl<'c> RefStatements<'c> {
    fn prepare(conn: &'c Connection) -> rusqlite::Result<RefStatements<'c>> {
        Ok(RefStatements {
            ext: conn.prepare("INSERT INTO ext_ids (ext_id, source, oid) VALUES (?1, ?2, ?3)")?,
            edge: conn.prepare(
                "INSERT OR IGNORE INTO edges (source, target, rel, via, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
        })
    }

    /// External ids and graph edges of the object's current version.
    fn insert(&mut self, rec: &Record, oid: i64) -> rusqlite::Result<()> {
        for (source, ext) in &rec.ext_ids {
            self.ext.execute(params![ext, source, oid])?;
        }
        for e in &rec.edges {
            self.edge
                .execute(params![e.source, e.target, e.rel, oid, e.kind.code()])?;
        }
        Ok(())
    }
}

fn delete_refs(tx: &Connection, oid: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM ext_ids WHERE oid = ?1")?
        .execute([oid])?;
    tx.prepare_cached("DELETE FROM edges WHERE via = ?1")?
        .execute([oid])?;
    Ok(())
}

fn gone() -> rusqlite::Error {
    rusqlite::Error::InvalidQuery
}

impl ImportTx for SqliteImport<'_> {
    fn put(&mut self, rec: &mut Record) -> Result<PutOutcome> {
        let tx = self.tx.as_ref().ok_or_else(gone)?;
        let hot = self.hot.as_mut().ok_or_else(gone)?;
        let text = self.text.as_ref().ok_or_else(gone)?;
        let idh = id_hash(&rec.id);
        let cur: Option<(i64, String)> = match &mut self.fresh {
            // (Records the id's hash as the next oid's if it is new.)
            Some(fresh) => fresh.find_or_note(hot, idh, &rec.id, self.next_oid)?,
            None => hot
                .find
                .query_row(params![idh, rec.id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?,
        };
        let Some((oid, cur_version)) = cur else {
            let oid = self.next_oid;
            self.next_oid += 1;
            hot.insert_version
                .execute(params![oid, rec.version, self.added, rec.json])?;
            let set = self.sets.id(tx, &rec.markings)?;
            hot.insert_object.execute(params![
                oid,
                idh,
                rec.id,
                rec.object_type,
                rec.version,
                rec.hidden,
                rec.name,
                rec.primary_ext_id,
                set
            ])?;
            hot.refs.insert(rec, oid)?;
            // Last: it takes the text out of `rec`.
            text.put(oid, rec, false)?;
            self.last_put = Some((idh, oid, true));
            return Ok(PutOutcome::Added);
        };
        self.last_put = Some((idh, oid, false));
        let existing: Option<String> = tx
            .prepare_cached("SELECT json FROM versions WHERE oid = ?1 AND version = ?2")?
            .query_row(params![oid, rec.version], |r| r.get(0))
            .optional()?;
        if let Some(json) = existing {
            return Ok(if json == rec.json || same_json(&json, &rec.json) {
                PutOutcome::Unchanged
            } else {
                PutOutcome::Conflict
            });
        }
        hot.insert_version
            .execute(params![oid, rec.version, self.added, rec.json])?;
        if rec.version <= cur_version {
            return Ok(PutOutcome::Older);
        }
        delete_refs(tx, oid)?;
        let set = self.sets.id(tx, &rec.markings)?;
        write_current(tx, rec, oid, set)?;
        hot.refs.insert(rec, oid)?;
        text.put(oid, rec, true)?;
        Ok(PutOutcome::Updated)
    }

    fn collect(&mut self, collection: &str, rec: &Record) -> Result<()> {
        let tx = self.tx.as_ref().ok_or_else(gone)?;
        let idh = id_hash(&rec.id);
        let known = match (self.last_put, &self.fresh) {
            (Some((h, oid, new)), _) if h == idh => Some((oid, new)),
            // `objects_idh` is deferred: look where `put` does.
            (_, Some(fresh)) => {
                let hot = self.hot.as_mut().ok_or_else(gone)?;
                let oid = fresh.find(hot, idh, &rec.id)?.map(|(oid, _)| oid);
                Some((oid.ok_or(rusqlite::Error::QueryReturnedNoRows)?, false))
            }
            _ => None,
        };
        super::collections::collect(tx, &mut self.dater, collection, rec, known)?;
        if let Some(last) = &mut self.last_put {
            // The object is in a collection now.
            last.2 = false;
        }
        Ok(())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.tx
            .as_ref()
            .ok_or_else(gone)?
            .prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
            .execute([key, value])?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.hot = None;
        let tx = self.tx.take().ok_or_else(gone)?;
        // Both files commit at once as the next generation, the text index on
        // its thread while this one commits the main database (see `text.rs`).
        let gen = text::main_generation(&tx)? + 1;
        text::set_main_generation(&tx, gen)?;
        let text = self.text.take().ok_or_else(gone)?;
        text.start_commit(gen);
        // Built while the text index commits.
        let main = match &self.fresh {
            Some(fresh) if fresh.oids.len() >= SORT_IN_RUNS => build_idh_index(&tx),
            Some(_) => tx.execute_batch(super::CREATE_IDH_INDEX),
            None => Ok(()),
        }
        .and_then(|()| {
            // Stopped first: the commit syncs the file itself.
            self.flusher = None;
            tx.commit()
        });
        let (mut conn, indexed) = match text.finish() {
            Some(done) => done,
            // The thread died, and its connection with it: open the index
            // again, for the mending below.
            None => (
                text::open(self.dir, true)?,
                Err(rusqlite::Error::InvalidQuery),
            ),
        };
        if main.is_err() || indexed.is_err() {
            // One side committed without the other: make the index match what
            // the main database holds now, before anything else is written.
            let now = text::main_generation(self.conn)?;
            let mended = text::rebuild(self.conn, &mut conn, now);
            *self.text_home = Some(conn);
            main?;
            mended?;
        } else {
            *self.text_home = Some(conn);
        }
        // (A bulk import wrote no WAL; and its store must have no other
        // connection when it switches back to WAL mode.)
        if !self.bulk {
            if let Some(c) = self.checkpointer {
                c.nudge();
            }
        }
        Ok(())
    }
}

/// How many objects a first import needs for [`build_idh_index`].
pub(super) const SORT_IN_RUNS: usize = 100_000;

/// Builds `objects_idh` at the end of a large import into an empty store.
///
/// With temporary data in memory, SQLite sorts all the keys in one list on
/// this thread: 0.4-0.5 s of a 1M-object import's serial tail. With a small
/// sort memory and temporary files it cuts the keys into runs that a helper
/// thread sorts and merges beside this one (`sqlite3` shell on the store of
/// 1M indicators: 0.32 s against 0.66-1.03 s; the whole import of 1M
/// indicators, 8.9-9.5 s against 10.0-10.9 s). The smaller page cache only
/// makes the transaction write its dirty pages now rather than at commit.
/// Should the temporary files fail (a full or unwritable temporary directory),
/// the index is built in memory as before.
///
/// Only for imports of [`SORT_IN_RUNS`] objects or more: below that the sort
/// is short, and the helper thread and files would only add to it.
fn build_idh_index(tx: &Connection) -> rusqlite::Result<()> {
    let cache: i64 = tx.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    let in_runs = tx
        .execute_batch("PRAGMA temp_store = FILE; PRAGMA threads = 2; PRAGMA cache_size = -4096")
        .and_then(|()| tx.execute_batch(super::CREATE_IDH_INDEX));
    tx.execute_batch("PRAGMA temp_store = MEMORY; PRAGMA threads = 0")?;
    tx.pragma_update(None, "cache_size", cache)?;
    match in_runs {
        Ok(()) => Ok(()),
        // (A failed statement left nothing behind: build it the usual way.)
        Err(_) => tx.execute_batch(super::CREATE_IDH_INDEX),
    }
}

/// Whether two JSON texts hold the same content: key order aside, and with
/// timestamps compared as instants (`...00Z` and `...00.000Z` are one version).
fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => same_value(&x, &y),
        _ => false,
    }
}

fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value::*;
    match (a, b) {
        (String(x), String(y)) => {
            x == y
                || matches!((Timestamp::parse(x), Timestamp::parse(y)), (Ok(p), Ok(q)) if p.instant_key() == q.instant_key())
        }
        (Array(x), Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Object(x), Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}
