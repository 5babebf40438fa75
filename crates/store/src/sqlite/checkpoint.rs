//! WAL checkpoints off the writer's path.
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
