//! Adding objects (`POST objects`), removing them (`DELETE objects/{id}`), and
//! the status resources of posts (§5.4, §5.7, §4.3).
//!
//! A post is checked on the blocking pool: the envelope is cut into objects
//! (`split_envelope`), and each is parsed, upgraded and validated on every
//! core. A malformed envelope is a 400 and nothing is written; invalid objects
//! are listed as failures while the valid ones are written. Writes go to one
//! writer thread, which opens the store for writing (taking `DATA/lock`) only
//! while it has work, so `vigil import` and the admin commands can run beside
//! `serve`. The handler waits a little for the write and answers with the
//! status, `complete` when it finished in time, `pending` otherwise.

use super::error::TaxiiError;
use super::{empty_ok, media, query, taxii_json, Shared, TaxiiResult};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Extension;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use vigil_access::Principal;
use vigil_stix::parse::{parse_object, split_envelope, ObjectSlice, Piece, Position};
use vigil_stix::{check_with_source, Finding, JsonMap, Props, Severity, Timestamp};
use vigil_store::{
    AuditEntry, CollectionWrite, PutOutcome, Record, SqliteStore, VersionMatch, WriteStore,
};

/// How long the writer waits for `DATA/lock` (another process importing) before
/// giving up on a job.
const LOCK_WAIT: Duration = Duration::from_secs(120);
/// How long the writer keeps the store open after its last job.
const KEEP_OPEN: Duration = Duration::from_millis(1000);
/// How many finished statuses are kept (oldest dropped first).
const KEEP_STATUSES: usize = 10_000;

/// One object of a post, after checking.
enum Checked {
    Valid(Box<Record>, Option<String>),
    Invalid {
        id: Option<String>,
        version: Option<String>,
        message: String,
    },
}

impl Checked {
    /// How a status names this object (a failure's message included).
    fn outcome(&self) -> Outcome {
        match self {
            Checked::Valid(rec, version) => Outcome {
                id: rec.id.clone(),
                version: version.clone(),
                message: None,
            },
            Checked::Invalid {
                id,
                version,
                message,
            } => Outcome {
                id: id.clone().unwrap_or_default(),
                version: version.clone(),
                message: Some(message.clone()),
            },
        }
    }
}

/// The result for one object, as a status lists it.
#[derive(Clone)]
struct Outcome {
    id: String,
    version: Option<String>,
    message: Option<String>,
}

/// A status resource.
#[derive(Clone)]
struct Status {
    id: String,
    owner: String,
    complete: bool,
    request_timestamp: String,
    total: usize,
    successes: Vec<Outcome>,
    failures: Vec<Outcome>,
}

impl Status {
    fn to_json(&self) -> Value {
        let list = |v: &[Outcome]| -> Vec<Value> {
            v.iter()
                .map(|o| {
                    let mut m = serde_json::Map::new();
                    m.insert("id".into(), o.id.clone().into());
                    if let Some(v) = &o.version {
                        m.insert("version".into(), v.clone().into());
                    }
                    if let Some(msg) = &o.message {
                        m.insert("message".into(), msg.clone().into());
                    }
                    Value::Object(m)
                })
                .collect()
        };
        json!({
            "id": self.id,
            "status": if self.complete { "complete" } else { "pending" },
            "request_timestamp": self.request_timestamp,
            "total_count": self.total,
            "success_count": self.successes.len(),
            "successes": list(&self.successes),
            "failure_count": self.failures.len(),
            "failures": list(&self.failures),
            // Objects are checked and written as a stream: until the write
            // commits, they are counted as pending but not listed.
            "pending_count": self.total - self.successes.len() - self.failures.len(),
            "pendings": [],
        })
    }
}

/// The status resources of recent posts.
#[derive(Default)]
pub struct Statuses {
    inner: Mutex<(HashMap<String, Status>, VecDeque<String>)>,
}

impl Statuses {
    fn put(&self, s: Status) {
        let Ok(mut g) = self.inner.lock() else { return };
        let (map, order) = &mut *g;
        if !map.contains_key(&s.id) {
            order.push_back(s.id.clone());
        }
        map.insert(s.id.clone(), s);
        while order.len() > KEEP_STATUSES {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
    }

    fn get(&self, id: &str) -> Option<Status> {
        self.inner.lock().ok()?.0.get(id).cloned()
    }
}

enum Job {
    Post {
        status: Status,
        collection: String,
        /// The envelope's objects, checked, in order, a chunk at a time (an
        /// `Err` means checking failed: nothing is to be stored).
        chunks: mpsc::Receiver<Result<Vec<Checked>, String>>,
        done: tokio::sync::oneshot::Sender<()>,
    },
    Delete {
        collection: String,
        id: String,
        versions: Vec<VersionMatch>,
        spec_versions: Vec<String>,
        done: tokio::sync::oneshot::Sender<Result<u64, String>>,
    },
}

/// The writer thread's inbox and the statuses it fills in.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
    statuses: Arc<Statuses>,
}

impl Writer {
    /// Starts the writer thread for the store in `dir`; it records each write
    /// in the audit trail.
    pub fn start(dir: PathBuf, audit: Arc<dyn super::Audit>) -> std::io::Result<Writer> {
        let (jobs, inbox) = mpsc::channel();
        let statuses = Arc::new(Statuses::default());
        let st = statuses.clone();
        std::thread::Builder::new()
            .name("taxii-writer".into())
            .spawn(move || writer_loop(dir, inbox, st, audit))?;
        Ok(Writer { jobs, statuses })
    }
}

fn writer_loop(
    dir: PathBuf,
    inbox: mpsc::Receiver<Job>,
    statuses: Arc<Statuses>,
    audit: Arc<dyn super::Audit>,
) {
    while let Ok(first) = inbox.recv() {
        let mut store = match SqliteStore::open_write_waiting(&dir, LOCK_WAIT) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::error!("TAXII writer cannot open the store: {e}");
                None
            }
        };
        let mut job = Some(first);
        while let Some(j) = job.take() {
            run_job(store.as_mut(), j, &statuses, &*audit);
            // Keep the store (and its warm page cache) while posts keep coming;
            // release the lock once none came for a moment, so that imports can run.
            job = inbox.recv_timeout(KEEP_OPEN).ok();
        }
        drop(store);
    }
}

fn run_job(
    store: Option<&mut SqliteStore>,
    job: Job,
    statuses: &Statuses,
    audit: &dyn super::Audit,
) {
    match job {
        Job::Post {
            mut status,
            collection,
            chunks,
            done,
        } => {
            for (o, ok) in write_post(store, &collection, chunks) {
                if ok {
                    status.successes.push(o);
                } else {
                    status.failures.push(o);
                }
            }
            status.complete = true;
            audit.record(AuditEntry {
                time: String::new(),
                actor: status.owner.clone(),
                action: "write".into(),
                target: format!("taxii collection {collection}"),
                detail: json!({
                    "status": status.id,
                    "stored": status.successes.len(),
                    "failed": status.failures.len(),
                })
                .to_string(),
                remote: None,
            });
            statuses.put(status);
            let _ = done.send(());
        }
        Job::Delete {
            collection,
            id,
            versions,
            spec_versions,
            done,
        } => {
            let r = match store {
                Some(s) => s
                    .remove_from_collection(&collection, &id, &versions, &spec_versions)
                    .map_err(|e| e.to_string()),
                None => Err("the store cannot be opened for writing".into()),
            };
            let _ = done.send(r);
        }
    }
}

/// Writes a post's valid objects in one transaction as their checked chunks
/// arrive; the outcome of each object, in order. The chunks are always read to
/// the end; after any error nothing is stored and every object is a failure.
fn write_post(
    store: Option<&mut SqliteStore>,
    collection: &str,
    chunks: mpsc::Receiver<Result<Vec<Checked>, String>>,
) -> Vec<(Outcome, bool)> {
    let mut error = None;
    let mut tx = match store {
        Some(s) => s
            .begin_import()
            .map_err(|e| error = Some(e.to_string()))
            .ok(),
        None => {
            error = Some("the store cannot be opened for writing; see the server log".into());
            None
        }
    };
    let mut out = Vec::new();
    for chunk in chunks {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                error.get_or_insert(e);
                continue;
            }
        };
        for c in chunk {
            let mut o = c.outcome();
            let Checked::Valid(mut rec, _) = c else {
                out.push((o, false));
                continue;
            };
            let Some(t) = tx.as_mut().filter(|_| error.is_none()) else {
                out.push((o, true));
                continue;
            };
            match t.put(&mut rec) {
                Ok(PutOutcome::Conflict) => {
                    o.message = Some("a different object with this id and version is stored already; versions are immutable (change 'modified')".into());
                    out.push((o, false));
                }
                Ok(_) => match t.collect(collection, &rec) {
                    Ok(()) => out.push((o, true)),
                    Err(e) => {
                        error = Some(e.to_string());
                        out.push((o, true));
                    }
                },
                Err(e) => {
                    error = Some(e.to_string());
                    out.push((o, true));
                }
            }
        }
    }
    if error.is_none() {
        if let Some(t) = tx {
            if let Err(e) = t.commit() {
                error = Some(e.to_string());
            }
        }
    }
    if let Some(msg) = error {
        tracing::error!("a TAXII post was not stored: {msg}");
        for (o, ok) in &mut out {
            if *ok {
                o.message = Some(format!("not stored: {msg}"));
                *ok = false;
            }
        }
    }
    out
}

/// How many objects are checked and handed to the writer at a time.
const CHUNK: usize = 256;

/// One object of an envelope, cut out but not yet parsed: its index,
/// position, text, and whether the scanner saw it is compact (see
/// `ObjectSlice::compact`).
type Cut = (u64, Position, Vec<u8>, bool);

/// Cuts an envelope into its objects (a malformed envelope is a 400).
fn cut_envelope(body: &[u8]) -> Result<Vec<Cut>, TaxiiError> {
    // The scanner reads through a buffer of its own, so each object's bytes are
    // copied out as it hands them over.
    let mut cuts = Vec::new();
    split_envelope(body, |piece| {
        if let Piece::Object(o) = piece {
            cuts.push((o.index, o.position, o.bytes.to_vec(), o.compact));
        }
        ControlFlow::Continue(())
    })
    .map_err(|e| TaxiiError::bad_request(format!("the body is not a TAXII envelope: {e}")))?;
    Ok(cuts)
}

/// Checks the cut objects on every core, a chunk at a time, and sends the
/// chunks to the writer in order, so that writing starts while checking goes on.
fn check_into(cuts: Vec<Cut>, to_writer: mpsc::SyncSender<Result<Vec<Checked>, String>>) {
    // One core is the writer's (the critical path); checking uses the others.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .clamp(1, 8);
    let chunks: Vec<&[Cut]> = cuts.chunks(CHUNK).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Vec<Checked>)>();
    let finished = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let done_tx = done_tx.clone();
                let (chunks, next) = (&chunks, &next);
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(part) = chunks.get(i) else { break };
                    let checked = part
                        .iter()
                        .map(|(i, p, b, compact)| check_one(*i, *p, b, *compact))
                        .collect();
                    if done_tx.send((i, checked)).is_err() {
                        break;
                    }
                })
            })
            .collect();
        drop(done_tx);
        // Forward in order: hold chunks that finish early until their turn.
        let mut waiting = std::collections::BTreeMap::new();
        let mut turn = 0;
        for (i, checked) in done_rx {
            waiting.insert(i, checked);
            while let Some(c) = waiting.remove(&turn) {
                if to_writer.send(Ok(c)).is_err() {
                    return false;
                }
                turn += 1;
            }
        }
        workers.into_iter().all(|w| w.join().is_ok()) && turn == chunks.len()
    });
    if !finished {
        let _ = to_writer.send(Err("checking the objects failed; see the server log".into()));
    }
}

fn check_one(index: u64, position: Position, bytes: &[u8], compact: bool) -> Checked {
    let slice = ObjectSlice {
        index,
        position,
        bundle_spec_version: None,
        bytes,
        compact,
    };
    // On the borrowed tree when it can (see `vigil_stix::check_quick`).
    if let Some(quick) = vigil_stix::check_quick(&slice) {
        let props = Props(&quick.object);
        let record = quick
            .is_valid()
            .then(|| Record::from_props(props, quick.compact));
        return outcome(props, quick.findings, record);
    }
    let raw = parse_object(&slice);
    let map = match raw.value {
        Ok(m) => m,
        Err(e) => {
            return Checked::Invalid {
                id: None,
                version: None,
                message: format!("object {index} is not JSON: {e}"),
            }
        }
    };
    let mut checked = check_with_source(map, None, raw.compact);
    let record = checked
        .is_valid()
        .then(|| Record::with_json(&checked.object, checked.source_json.take()));
    outcome(checked.object.props(), checked.findings, record)
}

/// A checked object's outcome: its record when valid, else why not.
fn outcome<M: JsonMap>(
    props: Props<'_, M>,
    findings: Vec<Finding>,
    record: Option<Record>,
) -> Checked {
    let version = props.version_timestamp().map(str::to_string);
    match record {
        Some(rec) => Checked::Valid(Box::new(rec), version),
        None => Checked::Invalid {
            id: props.str("id").map(str::to_string),
            version,
            message: findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        },
    }
}

pub(super) async fn post_objects(
    State(st): State<Shared>,
    Path((root, coll)): Path<(String, String)>,
    Extension(principal): Extension<Arc<Principal>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> TaxiiResult {
    super::check_root(&root)?;
    let ct = media::negotiate(&headers, false)?;
    media::check_content_type(&headers)?;
    let (_, _, can_write) = super::find_collection(&st, &principal, &coll).await?;
    if !can_write {
        return Err(TaxiiError::forbidden(format!(
            "{} may not write to collection '{coll}'",
            principal.name
        )));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            TaxiiError::too_large(format!(
                "the body is larger than this server's max_content_length ({} bytes)",
                st.max_body
            ))
        } else {
            TaxiiError::bad_request(format!("cannot read the body: {e}"))
        }
    })?;
    let cuts = tokio::task::spawn_blocking(move || cut_envelope(&body))
        .await
        .map_err(|e| TaxiiError::internal(e.to_string()))??;
    let status = Status {
        id: vigil_access::secrets::new_uuid(),
        owner: principal.name.clone(),
        complete: cuts.is_empty(),
        request_timestamp: Timestamp::now_micros().to_string(),
        total: cuts.len(),
        successes: Vec::new(),
        failures: Vec::new(),
    };
    let id = status.id.clone();
    st.writer.statuses.put(status.clone());
    if cuts.is_empty() {
        return Ok(accepted(ct, &status));
    }
    let (to_writer, chunks) = mpsc::sync_channel(8);
    let (done, wait) = tokio::sync::oneshot::channel();
    st.writer
        .jobs
        .send(Job::Post {
            status,
            collection: coll,
            chunks,
            done,
        })
        .map_err(|_| TaxiiError::unavailable("the writer has stopped; see the server log"))?;
    tokio::task::spawn_blocking(move || check_into(cuts, to_writer));
    let _ = tokio::time::timeout(st.post_wait, wait).await;
    let now = st
        .writer
        .statuses
        .get(&id)
        .ok_or_else(|| TaxiiError::internal("the status of this post was lost"))?;
    Ok(accepted(ct, &now))
}

fn accepted(ct: &'static str, s: &Status) -> axum::response::Response {
    let mut r = taxii_json(ct, s.to_json().to_string());
    *r.status_mut() = StatusCode::ACCEPTED;
    r
}

pub(super) async fn status(
    State(st): State<Shared>,
    Path((root, id)): Path<(String, String)>,
    Extension(principal): Extension<Arc<Principal>>,
    headers: HeaderMap,
) -> TaxiiResult {
    super::check_root(&root)?;
    let ct = media::negotiate(&headers, false)?;
    match st.writer.statuses.get(&id) {
        Some(s) if s.owner == principal.name || principal.full => {
            Ok(taxii_json(ct, s.to_json().to_string()))
        }
        _ => Err(TaxiiError::not_found(format!("no status '{id}'"))),
    }
}

pub(super) async fn delete_object(
    State(st): State<Shared>,
    Path((root, coll, object)): Path<(String, String, String)>,
    Extension(principal): Extension<Arc<Principal>>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> TaxiiResult {
    let (ct, mut filters) = super::reading(
        &st,
        &principal,
        (&root, &coll),
        &headers,
        &params,
        query::OBJECT,
        false,
    )
    .await?;
    let (_, _, can_write) = super::find_collection(&st, &principal, &coll).await?;
    if !can_write {
        return Err(TaxiiError::forbidden(format!(
            "{} may not delete from collection '{coll}' (deleting needs can_read and can_write)",
            principal.name
        )));
    }
    // Only versions the principal can see may be deleted: a hidden one is
    // answered as absent, like everywhere else.
    filters.ids = vec![object.clone()];
    if filters.versions.is_empty() {
        filters.versions = vec![VersionMatch::All];
    }
    filters.limit = super::MAX_PAGE;
    let visible = super::visible_entries(&st, &principal, &filters.query(&coll, super::MAX_SCAN))?;
    if visible.is_empty() {
        return Err(TaxiiError::not_found(format!(
            "no object '{object}' in collection '{coll}' matches"
        )));
    }
    let (done, wait) = tokio::sync::oneshot::channel();
    st.writer
        .jobs
        .send(Job::Delete {
            collection: coll.clone(),
            id: object.clone(),
            versions: visible
                .into_iter()
                .map(|e| VersionMatch::At(e.version))
                .collect(),
            spec_versions: Vec::new(),
            done,
        })
        .map_err(|_| TaxiiError::unavailable("the writer has stopped; see the server log"))?;
    let removed = wait
        .await
        .map_err(|_| TaxiiError::unavailable("the writer has stopped; see the server log"))?
        .map_err(TaxiiError::internal)?;
    if removed == 0 {
        return Err(TaxiiError::not_found(format!(
            "no object '{object}' in collection '{coll}' matches"
        )));
    }
    st.audit.record(AuditEntry {
        time: String::new(),
        actor: principal.name.clone(),
        action: "delete".into(),
        target: object,
        detail: json!({"collection": coll, "versions_removed": removed}).to_string(),
        remote: None,
    });
    Ok(empty_ok(ct).into_response())
}
