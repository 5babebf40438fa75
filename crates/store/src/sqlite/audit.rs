//! The audit trail: an append-only log in `DATA/audit.db`, each entry chained
//! to the one before by SHA-256.
//!
//! Entry `n` stores `hash_n = SHA-256("vigil-audit-1" ‖ hash_{n-1} ‖ n ‖ fields)`,
//! every variable-length field length-prefixed and `remote` tagged present or
//! absent, so no two different entries encode alike; `hash_0` is 64 zeros.
//! Editing, deleting or moving an entry breaks the chain at that entry. The
//! chain alone cannot show that the *last* entries were deleted (or that the
//! whole log was rewritten with fresh hashes), so every append also records the
//! newest `(seq, hash)` as an anchor in `access.db`, a file an attacker editing
//! `audit.db` alone does not touch. The anchor is written after the log commits
//! and only ever moves forward, so a crash between the two writes, or two
//! processes racing, leaves it *behind* a correctly chained log, which is
//! fine; a log that ends before the anchor, or disagrees with it, is tampered.
//!
//! Appends take `BEGIN IMMEDIATE` on `audit.db` (WAL, busy timeout), read the
//! last entry inside that transaction and chain onto it, so several processes
//! may append at once without the store's writer lock. They number new entries
//! after the anchor too, so entries cut from the end leave a gap that later
//! appends do not paper over.

use super::accounts::{open_access_db, open_shared};
use crate::Result;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The audit database inside the data directory.
pub const AUDIT_FILE: &str = "audit.db";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS entries (
    seq    INTEGER PRIMARY KEY,
    time   TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    remote TEXT,
    prev   TEXT NOT NULL,
    hash   TEXT NOT NULL
);
"#;

/// How far past a gap `verify` looks for an entry's original number.
const RENUMBER_SEARCH: u64 = 100_000;

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Now, RFC 3339 UTC with microseconds (`2025-01-31T12:00:00.123456Z`).
pub(crate) fn now() -> String {
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    // `…SS.mmmZ` from the millisecond form, then the microseconds' last digits.
    let ms = vigil_stix::Timestamp::from_unix_millis(us.div_euclid(1000)).to_string();
    format!(
        "{}{:03}Z",
        ms.strip_suffix('Z').unwrap_or(&ms),
        us.rem_euclid(1000)
    )
}

/// One event to record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When (RFC 3339 UTC with microseconds); filled in by `append` if empty.
    pub time: String,
    /// Who: `user:NAME`, `token:NAME`, `local:OSUSER`, `anonymous` …
    pub actor: String,
    /// What: `write`, `delete`, `read`, `login-failure`, `token-create`,
    /// `user-add`, `group-add`, `collection-add` …
    pub action: String,
    /// On what (an object or collection id, a user name, an input path).
    pub target: String,
    /// Anything else worth keeping (counts, markings, a reason).
    pub detail: String,
    /// The client's address, for requests over the network.
    pub remote: Option<String>,
}

/// An entry as stored, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEntry {
    /// Its sequence number (1, 2, 3 …).
    pub seq: u64,
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// Its chain hash (hex).
    pub hash: String,
}

/// What is wrong with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditFault {
    /// Its content or hash was changed.
    Altered,
    /// It was deleted (a gap in the sequence).
    Missing,
    /// It was moved from another place in the log.
    Reordered,
    /// It and everything after it up to the anchor were deleted from the end.
    Truncated,
    /// The chain is consistent but disagrees with the anchor: the log was
    /// rewritten with recomputed hashes at this entry or before.
    Rewritten,
}

/// The first bad entry found by [`AuditLog::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditProblem {
    /// The sequence number of the first bad (or first missing) entry.
    pub seq: u64,
    /// What is wrong.
    pub fault: AuditFault,
    /// The same, in words.
    pub message: String,
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The outcome of [`AuditLog::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries read.
    pub entries: u64,
    /// The last sequence number read (0 for an empty log).
    pub last_seq: u64,
    /// The anchor's sequence number (`None` before the first append).
    pub anchor_seq: Option<u64>,
    /// The first problem, if any.
    pub problem: Option<AuditProblem>,
}

impl AuditReport {
    /// Whether the log is intact.
    pub fn intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// The audit log of one data directory.
pub struct AuditLog {
    log: Mutex<Connection>,
    /// `access.db`, for the anchor.
    access: Mutex<Connection>,
    dir: PathBuf,
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|e| e.into_inner())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The chain hash of entry `seq` following `prev`.
fn chain_hash(prev: &str, seq: u64, e: &AuditEntry) -> String {
    fn field(h: &mut Sha256, bytes: &[u8]) {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    let mut h = Sha256::new();
    h.update(b"vigil-audit-1");
    field(&mut h, prev.as_bytes());
    h.update(seq.to_be_bytes());
    for f in [&e.time, &e.actor, &e.action, &e.target, &e.detail] {
        field(&mut h, f.as_bytes());
    }
    match &e.remote {
        None => h.update([0u8]),
        Some(r) => {
            h.update([1u8]);
            field(&mut h, r.as_bytes());
        }
    }
    hex(&h.finalize())
}

/// A row as read back, with fields of the wrong type noted instead of failing.
struct Row {
    seq: u64,
    entry: AuditEntry,
    prev: String,
    hash: String,
    well_typed: bool,
}

const COLUMNS: &str = "seq, time, actor, action, target, detail, remote, prev, hash";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let mut well_typed = true;
    let mut text = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(match r.get_ref(i)? {
            ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Null if i == 6 => None,
            _ => {
                well_typed = false;
                Some(String::new())
            }
        })
    };
    let entry = AuditEntry {
        time: text(1)?.unwrap_or_default(),
        actor: text(2)?.unwrap_or_default(),
        action: text(3)?.unwrap_or_default(),
        target: text(4)?.unwrap_or_default(),
        detail: text(5)?.unwrap_or_default(),
        remote: text(6)?,
    };
    let prev = text(7)?.unwrap_or_default();
    let hash = text(8)?.unwrap_or_default();
    let seq: i64 = r.get(0)?;
    Ok(Row {
        seq: seq as u64,
        entry,
        prev,
        hash,
        well_typed,
    })
}

impl AuditLog {
    /// Opens (creating if needed) `DIR/audit.db`, and `DIR/access.db` for the anchor.
    pub fn open(dir: &Path) -> Result<AuditLog> {
        Ok(AuditLog {
            log: Mutex::new(open_shared(dir, AUDIT_FILE, SCHEMA)?),
            access: Mutex::new(open_access_db(dir)?),
            dir: dir.to_path_buf(),
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends entries in one transaction, chained onto the newest entry
    /// (whichever process wrote it), then advances the anchor.
    pub fn append(&self, entries: &[AuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (seq, hash) = {
            let mut log = lock(&self.log);
            let tx = log.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let last: Option<(i64, String)> = tx
                .prepare_cached("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1")?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let (mut seq, mut prev) = match last {
                Some((s, h)) => (s as u64, h),
                None => (0, GENESIS.to_owned()),
            };
            // Never reuse the numbers of entries cut from the end: a truncation
            // stays visible as a gap however much is appended after it.
            seq = seq.max(self.anchor()?.map_or(0, |a| a.0));
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO entries (seq, time, actor, action, target, detail, remote, prev, hash) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?;
                for e in entries {
                    seq += 1;
                    let mut e = e.clone();
                    if e.time.is_empty() {
                        e.time = now();
                    }
                    let hash = chain_hash(&prev, seq, &e);
                    insert.execute(params![
                        seq as i64, e.time, e.actor, e.action, e.target, e.detail, e.remote, prev,
                        hash
                    ])?;
                    prev = hash;
                }
            }
            tx.commit()?;
            (seq, prev)
        };
        // After the commit: a crash here leaves the anchor behind, never ahead.
        lock(&self.access)
            .execute(
                "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash \
                 WHERE excluded.seq > audit_anchor.seq",
                params![seq as i64, hash],
            )
            .map_err(|e| crate::StoreError::Directory {
                dir: self.dir.clone(),
                message: format!(
                    "audit entries up to {seq} were recorded, but their anchor in access.db was not: {e}"
                ),
            })?;
        Ok(())
    }

    /// The anchor: the newest `(seq, hash)` known to have been appended.
    fn anchor(&self) -> Result<Option<(u64, String)>> {
        let anchor = lock(&self.access)
            .prepare_cached("SELECT seq, hash FROM audit_anchor WHERE id = 1")?
            .query_row([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
            .optional()?;
        Ok(anchor)
    }

    /// The newest `n` entries, oldest first.
    pub fn tail(&self, n: usize) -> Result<Vec<StoredEntry>> {
        let log = lock(&self.log);
        let mut rows = log
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM entries ORDER BY seq DESC LIMIT ?1"
            ))?
            .query_map([n.min(i64::MAX as usize) as i64], read_row)?
            .map(|r| {
                r.map(|row| StoredEntry {
                    seq: row.seq,
                    entry: row.entry,
                    hash: row.hash,
                })
            })
            .collect::<rusqlite::Result<Vec<StoredEntry>>>()?;
        rows.reverse();
        Ok(rows)
    }

    /// Checks the whole chain and the anchor; reports the first altered,
    /// missing, reordered or truncated entry.
    pub fn verify(&self) -> Result<AuditReport> {
        // The anchor first: an append racing with us then only makes the log
        // longer than the anchor, which is fine.
        let anchor = self.anchor()?;
        let mut log = lock(&self.log);
        let tx = log.transaction()?;
        let mut report = AuditReport {
            entries: 0,
            last_seq: 0,
            anchor_seq: anchor.as_ref().map(|a| a.0),
            problem: None,
        };
        let mut prev = GENESIS.to_owned();
        {
            let mut stmt = tx.prepare(&format!("SELECT {COLUMNS} FROM entries ORDER BY seq"))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let row = read_row(r)?;
                let expected = report.last_seq + 1;
                if let Some(problem) = check_row(&tx, &row, expected, &prev, anchor.as_ref())? {
                    report.problem = Some(problem);
                    return Ok(report);
                }
                report.entries += 1;
                report.last_seq = row.seq;
                prev = row.hash;
            }
        }
        if let Some((anchor_seq, _)) = anchor {
            if report.last_seq < anchor_seq {
                let first = report.last_seq + 1;
                report.problem = Some(AuditProblem {
                    seq: first,
                    fault: AuditFault::Truncated,
                    message: format!(
                        "entries {first} to {anchor_seq} are missing from the end of the log \
                         (the anchor in access.db records entry {anchor_seq}; the log ends at {})",
                        report.last_seq
                    ),
                });
            }
        }
        Ok(report)
    }
}

/// The problem with `row`, expected to be entry `expected` following `prev`.
fn check_row(
    tx: &Connection,
    row: &Row,
    expected: u64,
    prev: &str,
    anchor: Option<&(u64, String)>,
) -> Result<Option<AuditProblem>> {
    let problem = |fault, message: String| {
        Ok(Some(AuditProblem {
            seq: expected,
            fault,
            message,
        }))
    };
    if row.seq != expected {
        let gap = if row.seq == expected + 1 {
            format!("entry {expected} is missing")
        } else {
            format!("entries {expected} to {} are missing", row.seq - 1)
        };
        return problem(
            AuditFault::Missing,
            format!("{gap} (deleted; the next stored entry is {})", row.seq),
        );
    }
    if !row.well_typed {
        return problem(
            AuditFault::Altered,
            format!("entry {expected} was altered: a field holds a value of the wrong type"),
        );
    }
    if row.prev == prev {
        if chain_hash(prev, expected, &row.entry) != row.hash {
            return problem(
                AuditFault::Altered,
                format!("entry {expected} was altered: its content does not match its hash"),
            );
        }
    } else {
        // Linked to another predecessor: moved here if it is intact as the
        // entry after that predecessor.
        let origin: Option<i64> = tx
            .query_row(
                "SELECT seq FROM entries WHERE hash = ?1 LIMIT 1",
                [&row.prev],
                |r| r.get(0),
            )
            .optional()?;
        let origin = match (origin, row.prev == GENESIS) {
            (Some(s), _) => Some(s as u64 + 1),
            (None, true) => Some(1),
            (None, false) => {
                // Its predecessor is gone: entries were deleted and the rest
                // renumbered, if it is intact under a later number.
                let later = (expected + 1..=expected + RENUMBER_SEARCH)
                    .find(|&s| chain_hash(&row.prev, s, &row.entry) == row.hash);
                if let Some(was) = later {
                    return problem(
                        AuditFault::Missing,
                        format!(
                            "entry {expected} is missing (deleted, and the entries after it \
                             renumbered: the entry stored as {expected} was written as {was})"
                        ),
                    );
                }
                None
            }
        };
        return match origin {
            Some(was) if was != expected && chain_hash(&row.prev, was, &row.entry) == row.hash => {
                problem(
                    AuditFault::Reordered,
                    format!("entry {expected} is out of order: it was written as entry {was}"),
                )
            }
            _ => problem(
                AuditFault::Altered,
                format!(
                    "entry {expected} was altered: it does not follow entry {}",
                    expected - 1
                ),
            ),
        };
    }
    if let Some((anchor_seq, anchor_hash)) = anchor {
        if *anchor_seq == expected && *anchor_hash != row.hash {
            return problem(
                AuditFault::Rewritten,
                format!(
                    "entry {expected} does not match the anchor in access.db: \
                     the log was rewritten at this entry or before"
                ),
            );
        }
    }
    Ok(None)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A self-cleaning temporary directory.
    pub(crate) struct TempDir(PathBuf);

    impl TempDir {
        pub(crate) fn new(tag: &str) -> TempDir {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let p =
                std::env::temp_dir().join(format!("vigil-store-{tag}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            TempDir(p)
        }
        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn entry(i: usize) -> AuditEntry {
        AuditEntry {
            actor: format!("user:u{i}"),
            action: "read".into(),
            target: format!("indicator--{i}"),
            detail: "TLP:AMBER".into(),
            remote: i.is_multiple_of(2).then(|| "127.0.0.1".to_owned()),
            ..AuditEntry::default()
        }
    }

    /// A log of `n` entries and a raw connection to tamper with it.
    fn log_of(n: usize) -> (TempDir, AuditLog, Connection) {
        let dir = TempDir::new("audit");
        let log = AuditLog::open(dir.path()).unwrap();
        let entries: Vec<AuditEntry> = (1..=n).map(entry).collect();
        // Two batches, so the chain crosses a transaction.
        log.append(&entries[..n / 2]).unwrap();
        log.append(&entries[n / 2..]).unwrap();
        let raw = Connection::open(dir.path().join(AUDIT_FILE)).unwrap();
        (dir, log, raw)
    }

    fn fault(log: &AuditLog) -> (u64, AuditFault) {
        let p = log.verify().unwrap().problem.expect("a problem");
        (p.seq, p.fault)
    }

    #[test]
    fn appends_chain_and_verify() {
        let (_dir, log, _raw) = log_of(10);
        let report = log.verify().unwrap();
        assert!(report.intact(), "{report:?}");
        assert_eq!((report.entries, report.last_seq), (10, 10));
        assert_eq!(report.anchor_seq, Some(10));
        let tail = log.tail(3).unwrap();
        assert_eq!(
            tail.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![8, 9, 10]
        );
        assert_eq!(tail[2].entry.target, "indicator--10");
        assert_eq!(tail[2].entry.remote.as_deref(), Some("127.0.0.1"));
        assert_eq!(tail[1].entry.remote, None);
        // Filled-in time: RFC 3339 UTC with microseconds.
        let t = &tail[0].entry.time;
        assert_eq!(t.len(), "2025-01-31T12:00:00.123456Z".len(), "{t}");
        assert!(vigil_stix::Timestamp::parse(t).is_ok(), "{t}");
        assert_eq!(log.tail(100).unwrap().len(), 10);
    }

    #[test]
    fn empty_log_is_intact() {
        let dir = TempDir::new("audit-empty");
        let log = AuditLog::open(dir.path()).unwrap();
        log.append(&[]).unwrap();
        let r = log.verify().unwrap();
        assert!(r.intact());
        assert_eq!((r.entries, r.anchor_seq), (0, None));
    }

    #[test]
    fn encoding_is_unambiguous() {
        let a = AuditEntry {
            actor: "ab".into(),
            action: "c".into(),
            ..AuditEntry::default()
        };
        let b = AuditEntry {
            actor: "a".into(),
            action: "bc".into(),
            ..AuditEntry::default()
        };
        assert_ne!(chain_hash(GENESIS, 1, &a), chain_hash(GENESIS, 1, &b));
        let c = AuditEntry {
            remote: Some(String::new()),
            ..a.clone()
        };
        assert_ne!(chain_hash(GENESIS, 1, &a), chain_hash(GENESIS, 1, &c));
        assert_ne!(chain_hash(GENESIS, 1, &a), chain_hash(GENESIS, 2, &a));
    }

    #[test]
    fn concurrent_appends_from_two_connections_chain() {
        let dir = TempDir::new("audit-concurrent");
        let one = AuditLog::open(dir.path()).unwrap();
        let two = AuditLog::open(dir.path()).unwrap();
        std::thread::scope(|s| {
            for log in [&one, &two] {
                s.spawn(move || {
                    for i in 0..40 {
                        log.append(&[entry(i), entry(i + 1)]).unwrap();
                    }
                });
            }
        });
        let r = one.verify().unwrap();
        assert!(r.intact(), "{r:?}");
        assert_eq!(r.entries, 160);
        assert_eq!(r.anchor_seq, Some(160));
    }

    #[test]
    fn an_edited_entry_is_found() {
        let (_dir, log, raw) = log_of(10);
        raw.execute("UPDATE entries SET detail = 'TLP:CLEAR' WHERE seq = 4", [])
            .unwrap();
        assert_eq!(fault(&log), (4, AuditFault::Altered));
    }

    #[test]
    fn a_retyped_field_is_found() {
        let (_dir, log, raw) = log_of(10);
        raw.execute("UPDATE entries SET actor = X'41' WHERE seq = 6", [])
            .unwrap();
        assert_eq!(fault(&log), (6, AuditFault::Altered));
    }

    #[test]
    fn a_deleted_entry_is_found() {
        let (_dir, log, raw) = log_of(10);
        raw.execute("DELETE FROM entries WHERE seq IN (3, 4)", [])
            .unwrap();
        let p = log.verify().unwrap().problem.unwrap();
        assert_eq!((p.seq, p.fault), (3, AuditFault::Missing));
        assert!(p.message.contains("entries 3 to 4"), "{}", p.message);
    }

    #[test]
    fn a_renumbered_log_is_found() {
        let (_dir, log, raw) = log_of(10);
        raw.execute("DELETE FROM entries WHERE seq = 5", [])
            .unwrap();
        raw.execute("UPDATE entries SET seq = seq - 1 WHERE seq > 5", [])
            .unwrap();
        let p = log.verify().unwrap().problem.unwrap();
        assert_eq!((p.seq, p.fault), (5, AuditFault::Missing));
        assert!(p.message.contains("written as 6"), "{}", p.message);
    }

    #[test]
    fn reordered_entries_are_found() {
        let (_dir, log, raw) = log_of(10);
        raw.execute_batch(
            "UPDATE entries SET seq = -1 WHERE seq = 3;
             UPDATE entries SET seq = 3 WHERE seq = 7;
             UPDATE entries SET seq = 7 WHERE seq = -1;",
        )
        .unwrap();
        let p = log.verify().unwrap().problem.unwrap();
        assert_eq!((p.seq, p.fault), (3, AuditFault::Reordered));
        assert!(p.message.contains("written as entry 7"), "{}", p.message);
    }

    #[test]
    fn a_truncated_tail_is_found() {
        let (dir, log, raw) = log_of(10);
        raw.execute("DELETE FROM entries WHERE seq >= 9", [])
            .unwrap();
        let p = log.verify().unwrap().problem.unwrap();
        assert_eq!((p.seq, p.fault), (9, AuditFault::Truncated));
        // A new append does not hide it: the anchor never moves back.
        drop(log);
        let log = AuditLog::open(dir.path()).unwrap();
        log.append(&[entry(1)]).unwrap();
        let p = log.verify().unwrap().problem.unwrap();
        assert_eq!((p.seq, p.fault), (9, AuditFault::Missing));
        assert!(
            p.message.contains("next stored entry is 11"),
            "{}",
            p.message
        );
    }

    #[test]
    fn a_deleted_log_file_is_found() {
        let (dir, log, raw) = log_of(4);
        drop((log, raw));
        for f in ["audit.db", "audit.db-wal", "audit.db-shm"] {
            let _ = std::fs::remove_file(dir.path().join(f));
        }
        let log = AuditLog::open(dir.path()).unwrap();
        assert_eq!(fault(&log), (1, AuditFault::Truncated));
    }

    #[test]
    fn a_rewritten_chain_is_found_by_the_anchor() {
        let (_dir, log, raw) = log_of(6);
        // Edit entry 2 and recompute every hash after it, as an attacker who
        // knows the format would.
        raw.execute("UPDATE entries SET actor = 'user:nobody' WHERE seq = 2", [])
            .unwrap();
        let rows: Vec<Row> = raw
            .prepare(&format!("SELECT {COLUMNS} FROM entries ORDER BY seq"))
            .unwrap()
            .query_map([], read_row)
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let mut prev = GENESIS.to_owned();
        for row in rows {
            let hash = chain_hash(&prev, row.seq, &row.entry);
            raw.execute(
                "UPDATE entries SET prev = ?1, hash = ?2 WHERE seq = ?3",
                params![prev, hash, row.seq as i64],
            )
            .unwrap();
            prev = hash;
        }
        assert_eq!(fault(&log), (6, AuditFault::Rewritten));
    }

    #[test]
    fn an_anchor_behind_the_log_is_fine() {
        let (dir, log, _raw) = log_of(6);
        // As if the process died between committing 5 and 6 and the anchor.
        let access = Connection::open(dir.path().join("access.db")).unwrap();
        let h3: String = log.tail(4).unwrap()[0].hash.clone();
        access
            .execute("UPDATE audit_anchor SET seq = 3, hash = ?1", [h3])
            .unwrap();
        let r = log.verify().unwrap();
        assert!(r.intact(), "{r:?}");
        assert_eq!(r.anchor_seq, Some(3));
        log.append(&[entry(7)]).unwrap();
        assert_eq!(log.verify().unwrap().anchor_seq, Some(7));
    }
}
