//! A pool of read connections, for servers: each request borrows one.

use crate::{Result, SqliteStore};
use std::path::PathBuf;
use std::sync::Mutex;

/// Read connections to the store in one data directory, reused across requests.
pub struct ReadPool {
    dir: PathBuf,
    idle: Mutex<Vec<SqliteStore>>,
}

impl ReadPool {
    /// How many idle connections are kept.
    const KEEP: usize = 16;

    /// A pool over the store in `dir` (which must exist).
    pub fn new(dir: PathBuf) -> Result<ReadPool> {
        let first = SqliteStore::open_read(&dir)?;
        Ok(ReadPool {
            dir,
            idle: Mutex::new(vec![first]),
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Runs `f` on a connection of the pool (opening one if none is idle).
    pub fn with<T, E: From<crate::StoreError>>(
        &self,
        f: impl FnOnce(&SqliteStore) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let taken = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None);
        let store = match taken {
            Some(s) => s,
            None => SqliteStore::open_read(&self.dir)?,
        };
        let r = f(&store);
        if let Ok(mut v) = self.idle.lock() {
            if v.len() < Self::KEEP {
                v.push(store);
            }
        }
        r
    }
}
