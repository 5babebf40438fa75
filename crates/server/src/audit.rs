//! The server's side of the audit trail: entries are handed to a thread that
//! appends them to `audit.db` in batches (one transaction for everything
//! queued), so audited reads cost a channel send, not a disk write.

use std::path::PathBuf;
use std::sync::mpsc;
use vigil_store::{AuditEntry, AuditLog};

/// How many entries one append holds at most.
const BATCH: usize = 1000;

enum Msg {
    Entry(AuditEntry),
    /// Answer once everything sent before is written.
    Flush(mpsc::Sender<()>),
}

/// Sends entries to the audit thread. Cheap to clone.
#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<Msg>,
}

impl AuditSink {
    /// Starts the audit thread for the data directory `dir`.
    pub fn start(dir: PathBuf) -> Result<AuditSink, vigil_store::StoreError> {
        let log = AuditLog::open(&dir)?;
        let (tx, rx) = mpsc::channel::<Msg>();
        std::thread::Builder::new()
            .name("audit".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = Vec::new();
                    let mut waiting = Vec::new();
                    let mut next = Some(first);
                    while let Some(m) = next.take() {
                        match m {
                            Msg::Entry(e) => batch.push(e),
                            Msg::Flush(done) => waiting.push(done),
                        }
                        if batch.len() < BATCH {
                            next = rx.try_recv().ok();
                        }
                    }
                    if !batch.is_empty() {
                        if let Err(e) = log.append(&batch) {
                            tracing::error!(
                                "cannot append {} entries to the audit log: {e}",
                                batch.len()
                            );
                        }
                    }
                    for w in waiting {
                        let _ = w.send(());
                    }
                }
            })
            .map_err(|e| vigil_store::StoreError::Directory {
                dir: dir.clone(),
                message: format!("cannot start the audit thread: {e}"),
            })?;
        Ok(AuditSink { tx })
    }

    /// Queues an entry.
    pub fn record(&self, entry: AuditEntry) {
        let _ = self.tx.send(Msg::Entry(entry));
    }

    /// Waits (at most `limit`) until every entry queued before is written.
    pub fn flush(&self, limit: std::time::Duration) {
        let (done, wait) = mpsc::channel();
        if self.tx.send(Msg::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(limit);
        }
    }
}

impl vigil_taxii::server::Audit for AuditSink {
    fn record(&self, entry: AuditEntry) {
        AuditSink::record(self, entry);
    }
}
