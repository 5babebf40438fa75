//! Accounts: users, groups, API tokens, TAXII collections and settings, in a
//! database file of their own (`DATA/access.db`).
//!
//! They live apart from `vigil.db` so that a running `serve` and the admin CLI
//! (`vigil user add` …) can both change them without the store's writer lock
//! (`DATA/lock`): each write is one `BEGIN IMMEDIATE` transaction in WAL mode,
//! and a second process waits (busy timeout) instead of failing.
//!
//! `generation` is one counter row that triggers bump on every insert, update
//! and delete of the account tables, whoever makes it (this code, another
//! process, the sqlite3 shell), so servers can poll it per request and drop
//! their caches when it moves. The audit anchor (see `audit.rs`) is kept here
//! too, outside the counter: it moves with every audited read and says nothing
//! about accounts.

use crate::{Result, StoreError};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The accounts database inside the data directory.
pub const ACCESS_FILE: &str = "access.db";

/// Tables whose every change bumps `generation`.
const COUNTED: &[&str] = &[
    "users",
    "groups",
    "members",
    "tokens",
    "collections",
    "collection_groups",
    "settings",
];

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS generation (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
INSERT OR IGNORE INTO generation (id, value) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS users (
    name        TEXT PRIMARY KEY,
    password    TEXT NOT NULL,
    clearances  TEXT NOT NULL,
    created     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS groups (name TEXT PRIMARY KEY, created TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS members (
    user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    grp  TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
    PRIMARY KEY (user, grp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    digest  TEXT PRIMARY KEY,
    user    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    label   TEXT,
    created TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tokens_user ON tokens (user);
CREATE TABLE IF NOT EXISTS collections (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT,
    created     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS collection_groups (
    collection TEXT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    grp        TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
    can        TEXT NOT NULL CHECK (can IN ('read', 'write')),
    PRIMARY KEY (collection, can, grp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_anchor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"#;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Login name.
    pub name: String,
    /// The password hash (a PHC string; never the password).
    #[serde(skip)]
    pub password_phc: String,
    /// Groups the user belongs to, sorted.
    pub groups: Vec<String>,
    /// Clearance items (TLP names, marking-definition ids), as stored.
    pub clearances: Vec<String>,
    /// When the account was created (RFC 3339, UTC).
    pub created: String,
}

/// A TAXII collection and who may use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// Its id (a UUID).
    pub id: String,
    /// Human-readable title.
    pub title: String,
    /// Optional description.
    pub description: Option<String>,
    /// Groups whose members may read it, sorted.
    pub read_groups: Vec<String>,
    /// Groups whose members may write to it, sorted.
    pub write_groups: Vec<String>,
    /// When it was created (RFC 3339, UTC).
    pub created: String,
}

/// Users, groups, tokens, collections and settings of one data directory.
pub struct Accounts {
    conn: Mutex<Connection>,
    dir: PathBuf,
}

fn dir_error(dir: &Path, message: impl std::fmt::Display) -> StoreError {
    StoreError::Directory {
        dir: dir.to_path_buf(),
        message: message.to_string(),
    }
}

/// Opens (creating the directory, file and schema if needed) `DATA/<file>`
/// for small transactional writes shared between processes.
pub(crate) fn open_shared(dir: &Path, file: &str, schema: &str) -> Result<Connection> {
    std::fs::create_dir_all(dir).map_err(|e| dir_error(dir, format!("cannot create it: {e}")))?;
    let path = dir.join(file);
    let cannot = |e: rusqlite::Error| dir_error(dir, format!("cannot open {file}: {e}"));
    let mut conn = Connection::open(&path).map_err(cannot)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(cannot)?;
    // Switching a new file to WAL needs it alone for a moment, and SQLite
    // answers "locked" at once rather than calling the busy handler when
    // several processes create it together: try again for as long.
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Ok(()) => break,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && started.elapsed() < std::time::Duration::from_secs(30) =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(cannot(e)),
        }
    }
    // Few, small writes that must survive a power cut (audit entries, accounts).
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(cannot)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(cannot)?;
    conn.set_prepared_statement_cache_capacity(32);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(cannot)?;
    tx.execute_batch(schema).map_err(cannot)?;
    tx.commit().map_err(cannot)?;
    Ok(conn)
}

/// Runs `f` in one `BEGIN IMMEDIATE` transaction on `conn` (writers of a
/// file shared by several processes queue instead of failing half way).
pub(crate) fn immediate<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// Opens `DATA/access.db` with its schema (also used by the audit log, which
/// keeps its anchor there).
pub(crate) fn open_access_db(dir: &Path) -> Result<Connection> {
    let mut schema = SCHEMA.to_owned();
    for table in COUNTED {
        for op in ["INSERT", "UPDATE", "DELETE"] {
            schema.push_str(&format!(
                "CREATE TRIGGER IF NOT EXISTS {table}_{op}_gen AFTER {op} ON {table} \
                 BEGIN UPDATE generation SET value = value + 1 WHERE id = 1; END;\n",
                op = op.to_lowercase()
            ));
        }
    }
    open_shared(dir, ACCESS_FILE, &schema)
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|e| e.into_inner())
}

fn refused(message: String) -> StoreError {
    StoreError::Refused(message)
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// The groups of `names` that do not exist, as an error naming the first.
fn require_groups(tx: &Connection, names: &[String]) -> Result<()> {
    let mut stmt = tx.prepare_cached("SELECT 1 FROM groups WHERE name = ?1")?;
    for g in names {
        if !stmt.exists([g])? {
            return Err(refused(format!(
                "group '{g}' does not exist; create it with `vigil group add {g}`"
            )));
        }
    }
    Ok(())
}

impl Accounts {
    /// Opens (creating if needed) `DIR/access.db`.
    pub fn open(dir: &Path) -> Result<Accounts> {
        Ok(Accounts {
            conn: Mutex::new(open_access_db(dir)?),
            dir: dir.to_path_buf(),
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A number that changes whenever users, groups, tokens, collections or
    /// settings change, by this or any other process. Cheap: one row.
    pub fn generation(&self) -> Result<u64> {
        let conn = lock(&self.conn);
        let v: i64 = conn
            .prepare_cached("SELECT value FROM generation WHERE id = 1")?
            .query_row([], |r| r.get(0))?;
        Ok(v as u64)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction.
    fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.conn);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// How many users exist.
    pub fn user_count(&self) -> Result<u64> {
        let conn = lock(&self.conn);
        let n: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Creates a user. Fails if the name is taken or a group does not exist.
    pub fn add_user(
        &self,
        name: &str,
        password_phc: &str,
        groups: &[String],
        clearances: &[String],
    ) -> Result<()> {
        if name.is_empty() {
            return Err(refused("a user name cannot be empty".to_owned()));
        }
        self.write(|tx| {
            if tx
                .prepare_cached("SELECT 1 FROM users WHERE name = ?1")?
                .exists([name])?
            {
                return Err(refused(format!("user '{name}' exists already")));
            }
            require_groups(tx, groups)?;
            tx.execute(
                "INSERT INTO users (name, password, clearances, created) VALUES (?1, ?2, ?3, ?4)",
                params![
                    name,
                    password_phc,
                    json_list(clearances),
                    super::audit::now()
                ],
            )?;
            for g in groups {
                tx.execute(
                    "INSERT OR IGNORE INTO members (user, grp) VALUES (?1, ?2)",
                    params![name, g],
                )?;
            }
            Ok(())
        })
    }

    /// A user by name.
    pub fn user(&self, name: &str) -> Result<Option<User>> {
        let conn = lock(&self.conn);
        let row = conn
            .prepare_cached(
                "SELECT name, password, clearances, created FROM users WHERE name = ?1",
            )?
            .query_row([name], user_row)
            .optional()?;
        match row {
            Some(mut user) => {
                user.groups = groups_of(&conn, name)?;
                Ok(Some(user))
            }
            None => Ok(None),
        }
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>> {
        let conn = lock(&self.conn);
        let mut users = conn
            .prepare_cached("SELECT name, password, clearances, created FROM users ORDER BY name")?
            .query_map([], user_row)?
            .collect::<rusqlite::Result<Vec<User>>>()?;
        for u in &mut users {
            u.groups = groups_of(&conn, &u.name)?;
        }
        Ok(users)
    }

    /// Replaces a user's password hash; `false` if there is no such user.
    pub fn set_password(&self, name: &str, password_phc: &str) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE users SET password = ?2 WHERE name = ?1",
                params![name, password_phc],
            )?;
            Ok(n > 0)
        })
    }

    /// Removes a user with its memberships and tokens; `false` if there is no such user.
    pub fn remove_user(&self, name: &str) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM users WHERE name = ?1", [name])? > 0))
    }

    /// Creates a group. Fails if it exists.
    pub fn add_group(&self, name: &str) -> Result<()> {
        if name.is_empty() {
            return Err(refused("a group name cannot be empty".to_owned()));
        }
        self.write(|tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO groups (name, created) VALUES (?1, ?2)",
                params![name, super::audit::now()],
            )?;
            if n == 0 {
                return Err(refused(format!("group '{name}' exists already")));
            }
            Ok(())
        })
    }

    /// Every group, by name.
    pub fn groups(&self) -> Result<Vec<String>> {
        let conn = lock(&self.conn);
        let groups = conn
            .prepare_cached("SELECT name FROM groups ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(groups)
    }

    /// Adds a user to a group (nothing changes if it is a member already).
    /// Fails if either does not exist.
    pub fn add_member(&self, user: &str, group: &str) -> Result<()> {
        self.write(|tx| {
            require_user(tx, user)?;
            require_groups(tx, &[group.to_owned()])?;
            tx.execute(
                "INSERT OR IGNORE INTO members (user, grp) VALUES (?1, ?2)",
                params![user, group],
            )?;
            Ok(())
        })
    }

    /// Records an API token (by its digest) for a user. Fails if the user does not exist.
    pub fn add_token(&self, user: &str, digest: &str, label: Option<&str>) -> Result<()> {
        self.write(|tx| {
            require_user(tx, user)?;
            tx.execute(
                "INSERT INTO tokens (digest, user, label, created) VALUES (?1, ?2, ?3, ?4)",
                params![digest, user, label, super::audit::now()],
            )?;
            Ok(())
        })
    }

    /// The user a token digest belongs to.
    pub fn token_user(&self, digest: &str) -> Result<Option<String>> {
        let conn = lock(&self.conn);
        let user = conn
            .prepare_cached("SELECT user FROM tokens WHERE digest = ?1")?
            .query_row([digest], |r| r.get(0))
            .optional()?;
        Ok(user)
    }

    /// Revokes every token of a user; returns how many there were.
    pub fn revoke_tokens(&self, user: &str) -> Result<u64> {
        self.write(|tx| Ok(tx.execute("DELETE FROM tokens WHERE user = ?1", [user])? as u64))
    }

    /// Creates a collection. Fails if the id is taken or a group does not exist.
    pub fn add_collection(&self, c: &Collection) -> Result<()> {
        if c.id.is_empty() {
            return Err(refused("a collection id cannot be empty".to_owned()));
        }
        self.write(|tx| {
            if tx
                .prepare_cached("SELECT 1 FROM collections WHERE id = ?1")?
                .exists([&c.id])?
            {
                return Err(refused(format!("collection {} exists already", c.id)));
            }
            require_groups(tx, &c.read_groups)?;
            require_groups(tx, &c.write_groups)?;
            let created = if c.created.is_empty() {
                super::audit::now()
            } else {
                c.created.clone()
            };
            tx.execute(
                "INSERT INTO collections (id, title, description, created) VALUES (?1, ?2, ?3, ?4)",
                params![c.id, c.title, c.description, created],
            )?;
            let mut acl = tx.prepare_cached(
                "INSERT OR IGNORE INTO collection_groups (collection, grp, can) VALUES (?1, ?2, ?3)",
            )?;
            for g in &c.read_groups {
                acl.execute(params![c.id, g, "read"])?;
            }
            for g in &c.write_groups {
                acl.execute(params![c.id, g, "write"])?;
            }
            Ok(())
        })
    }

    /// Every collection, by creation time then id.
    pub fn collections(&self) -> Result<Vec<Collection>> {
        let conn = lock(&self.conn);
        let mut all = conn
            .prepare_cached(
                "SELECT id, title, description, created FROM collections ORDER BY created, id",
            )?
            .query_map([], collection_row)?
            .collect::<rusqlite::Result<Vec<Collection>>>()?;
        for c in &mut all {
            fill_acl(&conn, c)?;
        }
        Ok(all)
    }

    /// A collection by id.
    pub fn collection(&self, id: &str) -> Result<Option<Collection>> {
        let conn = lock(&self.conn);
        let c = conn
            .prepare_cached(
                "SELECT id, title, description, created FROM collections WHERE id = ?1",
            )?
            .query_row([id], collection_row)
            .optional()?;
        match c {
            Some(mut c) => {
                fill_acl(&conn, &mut c)?;
                Ok(Some(c))
            }
            None => Ok(None),
        }
    }

    /// A setting (e.g. `default_marking`).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        let conn = lock(&self.conn);
        let v = conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        Ok(v)
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
    }
}

fn require_user(tx: &Connection, name: &str) -> Result<()> {
    if tx
        .prepare_cached("SELECT 1 FROM users WHERE name = ?1")?
        .exists([name])?
    {
        Ok(())
    } else {
        Err(refused(format!("user '{name}' does not exist")))
    }
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let clearances: String = r.get(2)?;
    Ok(User {
        name: r.get(0)?,
        password_phc: r.get(1)?,
        groups: Vec::new(),
        clearances: serde_json::from_str(&clearances).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created: r.get(3)?,
    })
}

fn groups_of(conn: &Connection, user: &str) -> Result<Vec<String>> {
    let groups = conn
        .prepare_cached("SELECT grp FROM members WHERE user = ?1 ORDER BY grp")?
        .query_map([user], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(groups)
}

fn collection_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Collection> {
    Ok(Collection {
        id: r.get(0)?,
        title: r.get(1)?,
        description: r.get(2)?,
        read_groups: Vec::new(),
        write_groups: Vec::new(),
        created: r.get(3)?,
    })
}

fn fill_acl(conn: &Connection, c: &mut Collection) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT grp FROM collection_groups WHERE collection = ?1 AND can = ?2 ORDER BY grp",
    )?;
    c.read_groups = stmt
        .query_map(params![c.id, "read"], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    c.write_groups = stmt
        .query_map(params![c.id, "write"], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::audit::tests::TempDir;

    fn s(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn users_groups_and_tokens() {
        let dir = TempDir::new("accounts");
        let a = Accounts::open(&dir.path().join("nested")).unwrap();
        assert_eq!(a.user_count().unwrap(), 0);
        let err = a
            .add_user("alice", "$phc", &s(&["analysts"]), &[])
            .unwrap_err();
        assert!(err.to_string().contains("'analysts'"), "{err}");
        assert_eq!(a.user_count().unwrap(), 0, "nothing written on error");

        a.add_group("analysts").unwrap();
        a.add_group("admins").unwrap();
        assert!(a
            .add_group("admins")
            .unwrap_err()
            .to_string()
            .contains("admins"));
        assert_eq!(a.groups().unwrap(), s(&["admins", "analysts"]));

        a.add_user("alice", "$phc", &s(&["analysts"]), &s(&["TLP:AMBER"]))
            .unwrap();
        let err = a.add_user("alice", "$x", &[], &[]).unwrap_err();
        assert!(err.to_string().contains("'alice' exists"), "{err}");
        a.add_member("alice", "admins").unwrap();
        assert!(a.add_member("bob", "admins").is_err());
        assert!(a.add_member("alice", "nobody").is_err());

        let u = a.user("alice").unwrap().unwrap();
        assert_eq!(u.groups, s(&["admins", "analysts"]));
        assert_eq!(u.clearances, s(&["TLP:AMBER"]));
        assert_eq!(u.password_phc, "$phc");
        assert!(u.created.ends_with('Z'));
        assert!(a.user("bob").unwrap().is_none());

        assert!(a.set_password("alice", "$new").unwrap());
        assert!(!a.set_password("bob", "$new").unwrap());
        assert_eq!(a.user("alice").unwrap().unwrap().password_phc, "$new");

        a.add_token("alice", "d1", Some("ci")).unwrap();
        a.add_token("alice", "d2", None).unwrap();
        assert!(a.add_token("bob", "d3", None).is_err());
        assert_eq!(a.token_user("d1").unwrap().as_deref(), Some("alice"));
        assert_eq!(a.revoke_tokens("alice").unwrap(), 2);
        assert_eq!(a.token_user("d1").unwrap(), None);

        a.add_token("alice", "d4", None).unwrap();
        a.add_user("bob", "$b", &[], &[]).unwrap();
        assert_eq!(a.users().unwrap().len(), 2);
        assert!(a.remove_user("alice").unwrap());
        assert!(!a.remove_user("alice").unwrap());
        assert_eq!(a.token_user("d4").unwrap(), None, "tokens go with the user");
        assert_eq!(a.user_count().unwrap(), 1);
    }

    #[test]
    fn collections_and_settings() {
        let dir = TempDir::new("collections");
        let a = Accounts::open(dir.path()).unwrap();
        a.add_group("readers").unwrap();
        a.add_group("writers").unwrap();
        let c = Collection {
            id: "9f1c4a5e-2d3b-4c6d-8e7f-0a1b2c3d4e5f".into(),
            title: "Shared".into(),
            description: Some("for partners".into()),
            read_groups: s(&["writers", "readers"]),
            write_groups: s(&["writers"]),
            created: String::new(),
        };
        a.add_collection(&c).unwrap();
        assert!(a
            .add_collection(&c)
            .unwrap_err()
            .to_string()
            .contains(&c.id));
        let bad = Collection {
            id: "other".into(),
            read_groups: s(&["ghosts"]),
            ..c.clone()
        };
        assert!(a
            .add_collection(&bad)
            .unwrap_err()
            .to_string()
            .contains("ghosts"));
        let got = a.collection(&c.id).unwrap().unwrap();
        assert_eq!(got.read_groups, s(&["readers", "writers"]));
        assert_eq!(got.write_groups, s(&["writers"]));
        assert_eq!(got.description.as_deref(), Some("for partners"));
        assert_eq!(a.collections().unwrap(), vec![got]);
        assert!(a.collection("other").unwrap().is_none());

        assert_eq!(a.setting("default_marking").unwrap(), None);
        a.set_setting("default_marking", "TLP:GREEN").unwrap();
        a.set_setting("default_marking", "TLP:AMBER").unwrap();
        assert_eq!(
            a.setting("default_marking").unwrap().as_deref(),
            Some("TLP:AMBER")
        );
    }

    #[test]
    fn generation_moves_with_every_change_from_any_connection() {
        let dir = TempDir::new("generation");
        let a = Accounts::open(dir.path()).unwrap();
        let b = Accounts::open(dir.path()).unwrap();
        let g0 = a.generation().unwrap();
        b.add_group("g").unwrap();
        let g1 = a.generation().unwrap();
        assert_ne!(g0, g1);
        assert_eq!(a.generation().unwrap(), g1, "stable without changes");
        b.set_setting("k", "v").unwrap();
        let g2 = a.generation().unwrap();
        assert_ne!(g1, g2);
        // A change made behind Vigil's back counts too.
        let raw = Connection::open(dir.path().join(ACCESS_FILE)).unwrap();
        raw.execute("UPDATE settings SET value = 'w'", []).unwrap();
        assert_ne!(a.generation().unwrap(), g2);
    }
}
