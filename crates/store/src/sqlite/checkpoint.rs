//! WAL checkpoints off the writer's path (and, for an import with a rollback
//! journal, syncs as it goes: [`Flusher`]).
//!
//! In WAL mode every committed page is written twice: into the log by the
//! commit, then into the database file by a checkpoint. SQLite runs that
//! checkpoint inside the commit that crosses `wal_autocheckpoint`, so one write
//! in every few dozen stalls while hundreds of megabytes are copied and synced
//! (measured on TAXII posts of 10,000 objects into a million-object store: 28%
//! of the writer thread's time). A [`Checkpointer`] runs them on a thread of
//! its own instead: each commit nudges it, and it copies what was committed
//! with a PASSIVE checkpoint, which never blocks the writer nor readers. The
//! writer keeps a high `wal_autocheckpoint` only as a backstop, should the
//! thread fall behind.
//!
//! The thread opens its connection for each round and closes it after, so a
//! store with no other open connection can still switch its journal mode (see
//! `WriteStore::begin_import`).

use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::mpsc;

/// The writer's own `wal_autocheckpoint` while a [`Checkpointer`] runs: a
/// backstop (1 GiB of 16 KiB pages), reached only if the thread falls behind.
pub(crate) const BACKSTOP_PAGES: i64 = 65_536;

/// A thread that checkpoints the WAL of some database files when nudged.
pub(crate) struct Checkpointer {
    nudges: Option<mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread for the database files at `paths`.
    pub(crate) fn start(paths: Vec<PathBuf>) -> std::io::Result<Checkpointer> {
        // One nudge waiting is enough: a checkpoint copies everything committed.
        let (nudges, rx) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("vigil-checkpoint".into())
            .spawn(move || {
                for () in rx {
                    for path in &paths {
                        // A round that fails (busy, say) leaves the frames for
                        // the next one, or for the writer's backstop.
                        let _ = checkpoint(path);
                    }
                }
            })?;
        Ok(Checkpointer {
            nudges: Some(nudges),
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint soon; returns at once.
    pub(crate) fn nudge(&self) {
        if let Some(n) = &self.nudges {
            let _ = n.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.nudges = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Copies what the WAL of `path` holds into the database, without waiting on
/// anyone (frames a reader still needs are left for the next round).
fn checkpoint(path: &std::path::Path) -> rusqlite::Result<()> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Never the last connection to close (the writer's is open), so closing it
    // does not checkpoint again; but should it be, no harm done.
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
    Ok(())
}

/// How often a [`Flusher`] syncs its files.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Syncs database files to disk every second while an import into an empty
/// store runs, on a thread of its own.
///
/// Such an import runs with a rollback journal: pages reach the database file
/// as the page cache spills them, and all of them waited in the OS's page
/// cache for the commit's fsync, which then took 0.6 s at the end of a
/// million-object import, with nothing else left to run. Synced as it goes,
/// the file has little left to write when the commit syncs it. An extra sync
/// is always safe: it only writes sooner what SQLite has written.
pub(crate) struct Flusher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Flusher {
    /// Starts the thread for the files at `paths`.
    pub(crate) fn start(paths: Vec<PathBuf>) -> std::io::Result<Flusher> {
        let (stop, rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("vigil-flush".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(FLUSH_EVERY) {
                    for path in &paths {
                        if let Ok(f) = std::fs::File::open(path) {
                            let _ = f.sync_data();
                        }
                    }
                }
            })?;
        Ok(Flusher {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Flusher {
    /// Stops the thread (after the sync it may be in).
    fn drop(&mut self) {
        self.stop = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flusher_syncs_what_exists_and_stops_when_dropped() {
        let dir = crate::sqlite::tests::temp();
        let file = dir.path().join("f");
        std::fs::create_dir_all(dir.path()).unwrap();
        std::fs::write(&file, b"x").unwrap();
        let f = Flusher::start(vec![file, dir.path().join("missing")]).unwrap();
        // At least one round, one of whose files does not exist.
        std::thread::sleep(FLUSH_EVERY + std::time::Duration::from_millis(200));
        let t = std::time::Instant::now();
        drop(f);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            t.elapsed()
        );
    }
}
