//! TAXII feeds Vigil pulls, and how far each source has been pulled.
//!
//! Both tables live in `DATA/access.db` beside the accounts (which other code
//! owns), each created here if missing: `feeds` (registered sources, their
//! schedule and last outcome) and `pull_state` (the `added_after` to resume
//! from, per API root and collection, whether pulled by a feed or by hand).
//! The file is shared by several processes (`serve`, the CLI): WAL, a busy
//! timeout, and `BEGIN IMMEDIATE` for every write, so writers queue instead of
//! failing half way. None of this takes the store's writer lock (`DATA/lock`).
//!
//! Feed credentials are stored in clear: Vigil must present them to the remote
//! server. Protect the data directory accordingly.

use crate::{Result, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::Path;

/// The database file of accounts and feeds inside the data directory.
const ACCESS_DB_FILE: &str = "access.db";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS feeds (
    name          TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    collection    TEXT NOT NULL,
    auth_user     TEXT,
    auth_password TEXT,
    auth_token    TEXT,
    interval_secs INTEGER NOT NULL,
    created       INTEGER NOT NULL,
    last_pull     INTEGER,
    last_success  INTEGER,
    last_error    TEXT,
    failures      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS pull_state (
    url         TEXT NOT NULL,
    collection  TEXT NOT NULL,
    added_after TEXT NOT NULL,
    updated     INTEGER NOT NULL,
    PRIMARY KEY (url, collection)
) WITHOUT ROWID;
"#;

/// How Vigil authenticates to a feed's server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FeedAuth {
    /// No credentials.
    #[default]
    None,
    /// HTTP Basic.
    Basic {
        /// User name.
        user: String,
        /// Password (stored in clear: Vigil must present it).
        password: String,
    },
    /// A bearer token (stored in clear: Vigil must present it).
    Token(String),
}

/// A registered feed.
#[derive(Debug, Clone, Serialize)]
pub struct Feed {
    /// Unique name.
    pub name: String,
    /// Discovery or API root URL.
    pub url: String,
    /// Collection id.
    pub collection: String,
    /// Credentials (never serialised).
    #[serde(skip)]
    pub auth: FeedAuth,
    /// Seconds between pulls.
    pub interval_secs: u64,
    /// When the last pull began (Unix seconds).
    pub last_pull: Option<i64>,
    /// When a pull last succeeded (Unix seconds).
    pub last_success: Option<i64>,
    /// Why the last pull failed (cleared by a success).
    pub last_error: Option<String>,
    /// Failed pulls since the last success.
    pub failures: u32,
}

/// The feeds and pull state of one data directory.
pub struct Feeds {
    conn: Connection,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Feeds {
    /// Opens (creating if needed) the feed tables in `DIR/access.db`.
    pub fn open(dir: &Path) -> Result<Feeds> {
        Ok(Feeds {
            conn: super::accounts::open_shared(dir, ACCESS_DB_FILE, SCHEMA)?,
        })
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction.
    fn write<T>(&mut self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        super::accounts::immediate(&mut self.conn, f)
    }

    /// Registers a feed; fails if one of that name exists.
    pub fn add(
        &mut self,
        name: &str,
        url: &str,
        collection: &str,
        auth: &FeedAuth,
        interval_secs: u64,
    ) -> Result<()> {
        let (user, password, token) = match auth {
            FeedAuth::None => (None, None, None),
            FeedAuth::Basic { user, password } => (Some(user), Some(password), None),
            FeedAuth::Token(t) => (None, None, Some(t)),
        };
        let added = self.write(|tx| {
            tx.execute(
                "INSERT INTO feeds (name, url, collection, auth_user, auth_password, auth_token,
                                    interval_secs, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (name) DO NOTHING",
                params![
                    name,
                    url,
                    collection,
                    user,
                    password,
                    token,
                    interval_secs as i64,
                    now()
                ],
            )
        })?;
        if added == 0 {
            return Err(StoreError::BadQuery(format!(
                "a feed named '{name}' exists; remove it first or choose another --name"
            )));
        }
        Ok(())
    }

    /// Removes a feed; whether it existed. Its pull state is kept (pulling
    /// the same source again resumes where it was).
    pub fn remove(&mut self, name: &str) -> Result<bool> {
        let n = self.write(|tx| tx.execute("DELETE FROM feeds WHERE name = ?1", [name]))?;
        Ok(n > 0)
    }

    /// Every feed, by name.
    pub fn list(&self) -> Result<Vec<Feed>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, url, collection, auth_user, auth_password, auth_token, interval_secs,
                    last_pull, last_success, last_error, failures
             FROM feeds ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            let user: Option<String> = r.get(3)?;
            let password: Option<String> = r.get(4)?;
            let token: Option<String> = r.get(5)?;
            let auth = match (user, token) {
                (Some(user), _) => FeedAuth::Basic {
                    user,
                    password: password.unwrap_or_default(),
                },
                (None, Some(t)) => FeedAuth::Token(t),
                (None, None) => FeedAuth::None,
            };
            Ok(Feed {
                name: r.get(0)?,
                url: r.get(1)?,
                collection: r.get(2)?,
                auth,
                interval_secs: r.get::<_, i64>(6)?.max(1) as u64,
                last_pull: r.get(7)?,
                last_success: r.get(8)?,
                last_error: r.get(9)?,
                failures: r.get::<_, i64>(10)?.clamp(0, i64::from(u32::MAX)) as u32,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records that a pull of feed `name` began at `at` (Unix seconds).
    pub fn record_start(&mut self, name: &str, at: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE feeds SET last_pull = ?2 WHERE name = ?1",
                params![name, at],
            )
        })?;
        Ok(())
    }

    /// Records a successful pull of feed `name`.
    pub fn record_success(&mut self, name: &str, at: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE feeds SET last_success = ?2, last_error = NULL, failures = 0 WHERE name = ?1",
                params![name, at],
            )
        })?;
        Ok(())
    }

    /// Records a failed pull of feed `name`; returns the failures since the
    /// last success.
    pub fn record_failure(&mut self, name: &str, error: &str) -> Result<u32> {
        let n: Option<i64> = self.write(|tx| {
            tx.query_row(
                "UPDATE feeds SET last_error = ?2, failures = failures + 1 WHERE name = ?1
                 RETURNING failures",
                params![name, error],
                |r| r.get(0),
            )
            .optional()
        })?;
        Ok(n.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32)
    }

    /// The `added_after` to resume a pull of (API root URL, collection) from.
    pub fn added_after(&self, url: &str, collection: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT added_after FROM pull_state WHERE url = ?1 AND collection = ?2",
                params![url, collection],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Remembers `added_after` for (API root URL, collection). Call only after
    /// everything added up to it is committed to the store.
    pub fn set_added_after(
        &mut self,
        url: &str,
        collection: &str,
        added_after: &str,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO pull_state (url, collection, added_after, updated) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (url, collection) DO UPDATE SET added_after = ?3, updated = ?4",
                params![url, collection, added_after, now()],
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_and_pull_state() {
        let dir = std::env::temp_dir().join(format!("vigil-feeds-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut f = Feeds::open(&dir).unwrap();
        let auth = FeedAuth::Basic {
            user: "u".into(),
            password: "p".into(),
        };
        f.add("a", "http://h/taxii2/", "c1", &auth, 3600).unwrap();
        f.add("b", "http://h/api/", "c2", &FeedAuth::Token("t".into()), 60)
            .unwrap();
        assert!(f.add("a", "http://x/", "c", &FeedAuth::None, 1).is_err());
        let all = f.list().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].auth, auth);
        assert_eq!(all[1].auth, FeedAuth::Token("t".into()));
        assert_eq!(f.record_failure("a", "down").unwrap(), 1);
        assert_eq!(f.record_failure("a", "still down").unwrap(), 2);
        let a = &f.list().unwrap()[0];
        assert_eq!(
            (a.failures, a.last_error.as_deref()),
            (2, Some("still down"))
        );
        f.record_success("a", 5).unwrap();
        let a = &f.list().unwrap()[0];
        assert_eq!(
            (a.failures, a.last_error.clone(), a.last_success),
            (0, None, Some(5))
        );
        assert!(f.remove("a").unwrap());
        assert!(!f.remove("a").unwrap());

        assert_eq!(f.added_after("http://h/api/", "c2").unwrap(), None);
        f.set_added_after("http://h/api/", "c2", "2024-01-01T00:00:00Z")
            .unwrap();
        f.set_added_after("http://h/api/", "c2", "2024-01-02T00:00:00Z")
            .unwrap();
        // A second connection (another process) sees it.
        let g = Feeds::open(&dir).unwrap();
        assert_eq!(
            g.added_after("http://h/api/", "c2").unwrap().as_deref(),
            Some("2024-01-02T00:00:00Z")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
