//! Imports: versions in, derived indexes kept in step, one transaction.

use super::SqliteStore;
use crate::{ImportTx, PutOutcome, Record, Result, WriteStore};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use vigil_stix::{StixObject, Timestamp};

struct SqliteImport<'a> {
    tx: Transaction<'a>,
    added: String,
}

impl WriteStore for SqliteStore {
    fn begin_import(&mut self) -> Result<Box<dyn ImportTx + '_>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(Box::new(SqliteImport { tx, added: Timestamp::now().to_string() }))
    }

    fn reindex(&mut self) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch("DELETE FROM current; DELETE FROM ext_ids; DELETE FROM markings; DELETE FROM edges; DELETE FROM fts;")?;
        {
            let mut stmt = tx.prepare(
                "SELECT v.rowid, v.json FROM versions v
                 WHERE v.version = (SELECT max(version) FROM versions w WHERE w.id = v.id)",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let vrow: i64 = row.get(0)?;
                let json: String = row.get(1)?;
                let map = serde_json::from_str(&json).map_err(|e| {
                    crate::StoreError::BadQuery(format!("stored version (row {vrow}) is not JSON: {e}"))
                })?;
                let rec = Record::from_object(&StixObject::new(map));
                insert_current(&tx, &rec, vrow)?;
                insert_derived(&tx, &rec, vrow)?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

fn insert_current(tx: &Transaction<'_>, rec: &Record, vrow: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO current (id, vrow, type, version, hidden, name, ext_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![rec.id, vrow, rec.object_type, rec.version, rec.hidden, rec.name, rec.primary_ext_id])?;
    Ok(())
}

fn insert_derived(tx: &Transaction<'_>, rec: &Record, vrow: i64) -> rusqlite::Result<()> {
    if !rec.ext_ids.is_empty() {
        let mut st = tx.prepare_cached("INSERT INTO ext_ids (ext_id, source, id) VALUES (?1, ?2, ?3)")?;
        for (source, ext) in &rec.ext_ids {
            st.execute(params![ext, source, rec.id])?;
        }
    }
    if !rec.markings.is_empty() {
        let mut st = tx.prepare_cached("INSERT INTO markings (id, marking) VALUES (?1, ?2)")?;
        for m in &rec.markings {
            st.execute(params![rec.id, m])?;
        }
    }
    if !rec.edges.is_empty() {
        let mut st = tx.prepare_cached("INSERT INTO edges (source, target, rel, via, kind) VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for e in &rec.edges {
            st.execute(params![e.source, e.target, e.rel, rec.id, e.kind.code()])?;
        }
    }
    if rec.name.is_some() || !rec.aliases.is_empty() || !rec.ext_text.is_empty() || rec.description.is_some() {
        tx.prepare_cached("INSERT INTO fts (rowid, name, aliases, ext_ids, description) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![vrow, rec.name, rec.aliases, rec.ext_text, rec.description])?;
    }
    Ok(())
}

fn delete_derived(tx: &Transaction<'_>, id: &str, old_vrow: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM ext_ids WHERE id = ?1")?.execute([id])?;
    tx.prepare_cached("DELETE FROM markings WHERE id = ?1")?.execute([id])?;
    tx.prepare_cached("DELETE FROM edges WHERE via = ?1")?.execute([id])?;
    tx.prepare_cached("DELETE FROM fts WHERE rowid = ?1")?.execute([old_vrow])?;
    Ok(())
}

impl SqliteImport<'_> {
    fn insert_version(&self, rec: &Record) -> rusqlite::Result<i64> {
        self.tx
            .prepare_cached("INSERT INTO versions (id, version, added, json) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![rec.id, rec.version, self.added, rec.json])?;
        Ok(self.tx.last_insert_rowid())
    }
}

impl ImportTx for SqliteImport<'_> {
    fn put(&mut self, rec: &Record) -> Result<PutOutcome> {
        let cur: Option<(i64, String)> = self
            .tx
            .prepare_cached("SELECT vrow, version FROM current WHERE id = ?1")?
            .query_row([&rec.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((cur_vrow, cur_version)) = cur else {
            let vrow = self.insert_version(rec)?;
            insert_current(&self.tx, rec, vrow)?;
            insert_derived(&self.tx, rec, vrow)?;
            return Ok(PutOutcome::Added);
        };
        let existing: Option<String> = self
            .tx
            .prepare_cached("SELECT json FROM versions WHERE id = ?1 AND version = ?2")?
            .query_row([&rec.id, &rec.version], |r| r.get(0))
            .optional()?;
        if let Some(json) = existing {
            return Ok(if json == rec.json || same_json(&json, &rec.json) {
                PutOutcome::Unchanged
            } else {
                PutOutcome::Conflict
            });
        }
        let vrow = self.insert_version(rec)?;
        if rec.version <= cur_version {
            return Ok(PutOutcome::Older);
        }
        delete_derived(&self.tx, &rec.id, cur_vrow)?;
        self.tx
            .prepare_cached("UPDATE current SET vrow = ?2, type = ?3, version = ?4, hidden = ?5, name = ?6, ext_id = ?7 WHERE id = ?1")?
            .execute(params![rec.id, vrow, rec.object_type, rec.version, rec.hidden, rec.name, rec.primary_ext_id])?;
        insert_derived(&self.tx, rec, vrow)?;
        Ok(PutOutcome::Updated)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
            .execute([key, value])?;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit()?;
        Ok(())
    }
}

/// Whether two JSON texts hold the same content: key order aside, and with
/// timestamps compared as instants (`...00Z` and `...00.000Z` are one version).
fn same_json(a: &str, b: &str) -> bool {
    match (serde_json::from_str::<serde_json::Value>(a), serde_json::from_str::<serde_json::Value>(b)) {
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
        (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q)),
        (Object(x), Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}
