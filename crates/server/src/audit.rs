//! The server's side of the audit trail: entries are handed to a thread that
//! appends them to `audit.db` in batches (one transaction for everything
//! queued), so audited reads cost a channel send, not a disk write.

use std::path::PathBuf;
use std::sync::mpsc;
use vigil_store::{AuditEntry, AuditLog};

/// How many entries one append holds at most.
const BATCH: usize = 1000;

/// Sends entries to the audit thread. Cheap to clone.
#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<AuditEntry>,
}

impl AuditSink {
    /// Starts the audit thread for the data directory `dir`.
    pub fn start(dir: PathBuf) -> Result<AuditSink, vigil_store::StoreError> {
        let log = AuditLog::open(&dir)?;
        let (tx, rx) = mpsc::channel::<AuditEntry>();
        std::thread::Builder::new()
            .name("audit".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    while batch.len() < BATCH {
                        match rx.try_recv() {
                            Ok(e) => batch.push(e),
                            Err(_) => break,
                        }
                    }
                    if let Err(e) = log.append(&batch) {
                        tracing::error!(
                            "cannot append {} entries to the audit log: {e}",
                            batch.len()
                        );
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
        let _ = self.tx.send(entry);
    }
}

impl vigil_taxii::server::Audit for AuditSink {
    fn record(&self, entry: AuditEntry) {
        AuditSink::record(self, entry);
    }
}
