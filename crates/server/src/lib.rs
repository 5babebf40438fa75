//! Vigil's HTTP server: the JSON API over the store, TAXII 2.1 under
//! `/taxii2/` (`vigil-taxii`), authentication (`auth.rs`) and the audit trail
//! (`audit.rs`).
//!
//! Handlers are thin: they parse the request, run one store call on the
//! blocking pool, send every object through `vigil_access::view` for the
//! request's principal, and turn the result or error into a response in one
//! place ([`ApiError`]). An object the principal may not see is answered as if
//! it did not exist (404), so its existence does not leak either.
//!
//! | route | answer |
//! |---|---|
//! | `GET /healthz` | `{"status":"ok"}` |
//! | `GET /api/v1/objects/{id}` | the current object (`?as_of=TIME` for the version then); `{id}` may be an external id such as `T1059` |
//! | `GET /api/v1/objects/{id}/history` | every version, oldest first |
//! | `GET /api/v1/objects/{id}/neighbors` | `{root, nodes, edges, truncated}`; `?depth=&rel=a,b&include_revoked=&max_nodes=` |
//! | `GET /api/v1/search` | `{hits: [...]}`; `?q=&type=a,b&limit=&include_revoked=` |
//! | `GET /api/v1/stats` | counts per type |

mod audit;
mod auth;

pub use audit::AuditSink;
pub use auth::Auth;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use vigil_access::{Policy, Principal, View};
use vigil_stix::Timestamp;
use vigil_store::{
    Accounts, AuditEntry, EdgeKind, Graph, GraphEdge, NeighborQuery, ReadPool, ReadStore,
    SearchQuery, SqliteStore, StoreError,
};

/// Read connections to the store (see [`ReadPool`]).
pub type Pool = ReadPool;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pool: Arc<Pool>,
    policy: Arc<Policy>,
    audit: AuditSink,
}

/// What a principal receives of one object: `None` when it may not see it.
/// Reads of AMBER and above are audited.
fn seen(st: &AppState, who: &Principal, json: String) -> Option<String> {
    let text = match vigil_access::view(&st.policy, &who.clearance, &json) {
        View::Hidden => return None,
        View::Whole(_) => json,
        View::Redacted(t) => t,
    };
    if vigil_access::needs_read_audit(&text) {
        st.audit.record(AuditEntry {
            time: String::new(),
            actor: who.name.clone(),
            action: "read".into(),
            target: serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default(),
            detail: "api".into(),
            remote: None,
        });
    }
    Some(text)
}

/// An error as the API answers it: a status and `{"error": message}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let status = match e {
            StoreError::Ambiguous { .. } => StatusCode::CONFLICT,
            StoreError::BadQuery(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("store error: {e}");
        }
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.message}))).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&SqliteStore) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let pool = state.pool.clone();
    tokio::task::spawn_blocking(move || pool.with(f))
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("request failed: {e}"),
            )
        })?
}

/// A JSON response from already-serialised JSON text.
fn raw_json(text: String) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response()
}

/// Resolves a STIX id or external id for a principal: an external id finds an object only if what
/// the principal sees of it still names that id (a granular marking may have
/// removed the reference), so a lookup does not tell what was removed.
fn resolve_for(
    s: &SqliteStore,
    st: &AppState,
    who: &Principal,
    key: &str,
) -> Result<String, ApiError> {
    let key = key.trim();
    let quoted = serde_json::to_string(key).unwrap_or_default();
    // Whether the principal sees `id` and, looked up by external id, still sees
    // that id in it.
    let names = |id: &str| -> Result<bool, ApiError> {
        Ok(s.get(id)?.is_some_and(|v| {
            vigil_access::view(&st.policy, &who.clearance, &v.json)
                .text()
                .is_some_and(|t| key.contains("--") || t.contains(&quoted))
        }))
    };
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, format!("no object matches '{key}'"));
    match s.resolve(key) {
        Ok(Some(id)) if who.full || key.contains("--") => Ok(id),
        Ok(Some(id)) => names(&id)?.then_some(id).ok_or_else(not_found),
        Ok(None) => Err(not_found()),
        // An external id several objects share: name only those the principal sees.
        Err(StoreError::Ambiguous { key: k, candidates }) if !who.full => {
            let mut visible = Vec::new();
            for c in candidates {
                if names(&c.id)? {
                    visible.push(c);
                }
            }
            match visible.len() {
                0 => Err(not_found()),
                1 => Ok(visible.remove(0).id),
                _ => Err(StoreError::Ambiguous {
                    key: k,
                    candidates: visible,
                }
                .into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

fn list(param: &Option<String>) -> Vec<String> {
    param
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Deserialize)]
struct ObjectParams {
    as_of: Option<String>,
}

async fn object(
    State(st): State<AppState>,
    Extension(who): Extension<Arc<Principal>>,
    Path(key): Path<String>,
    Query(p): Query<ObjectParams>,
) -> ApiResult {
    let as_of = match p.as_of {
        None => None,
        Some(t) => {
            let ts = Timestamp::parse_instant(&t)
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("as_of: {e}")))?;
            Some(ts.instant_key())
        }
    };
    let shown = key.clone();
    let (state, who2) = (st.clone(), who.clone());
    let v = blocking(&st, move |s| {
        let id = resolve_for(s, &state, &who2, &key)?;
        let v = match &as_of {
            None => s.get(&id)?,
            Some(k) => s.get_as_of(&id, k)?,
        };
        v.ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("{id} has no version at that time"),
            )
        })
    })
    .await?;
    seen(&st, &who, v.json).map(raw_json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no object matches '{shown}'"),
        )
    })
}

async fn history(
    State(st): State<AppState>,
    Extension(who): Extension<Arc<Principal>>,
    Path(key): Path<String>,
) -> ApiResult {
    let shown = key.clone();
    let (state, who2) = (st.clone(), who.clone());
    let versions = blocking(&st, move |s| {
        let id = resolve_for(s, &state, &who2, &key)?;
        Ok(s.history(&id)?)
    })
    .await?;
    let items: Vec<String> = versions
        .into_iter()
        .filter_map(|v| seen(&st, &who, v.json))
        .collect();
    if items.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no object matches '{shown}'"),
        ));
    }
    Ok(raw_json(format!("{{\"versions\":[{}]}}", items.join(","))))
}

#[derive(Deserialize)]
struct NeighborParams {
    depth: Option<usize>,
    rel: Option<String>,
    include_revoked: Option<bool>,
    max_nodes: Option<usize>,
}

/// What one principal sees of the objects a walk meets, each decided once:
/// `None` hidden, `Some(Null)` not in the store, else the object as seen.
struct Sight<'a> {
    st: &'a AppState,
    who: &'a Principal,
    seen: std::collections::HashMap<String, Option<Value>>,
}

impl Sight<'_> {
    fn of(&mut self, s: &SqliteStore, id: &str) -> Result<Option<&Value>, ApiError> {
        if !self.seen.contains_key(id) {
            let view = match s.get(id)? {
                None => Some(Value::Null),
                Some(v) => seen(self.st, self.who, v.json)
                    .and_then(|t| serde_json::from_str::<Value>(&t).ok()),
            };
            self.seen.insert(id.to_owned(), view);
        }
        Ok(self.seen[id].as_ref())
    }

    /// Whether the principal sees the edge: the object it comes from still
    /// holds it (relationship: source, target and type; else the reference).
    fn edge(&mut self, s: &SqliteStore, e: &GraphEdge) -> Result<bool, ApiError> {
        let Some(via) = self.of(s, &e.via)? else {
            return Ok(false);
        };
        Ok(match e.kind {
            EdgeKind::Relationship => {
                via["source_ref"] == e.source.as_str()
                    && via["target_ref"] == e.target.as_str()
                    && via["relationship_type"] == e.rel.as_str()
            }
            EdgeKind::Reference => {
                let holds = |m: &Value| match &m[e.rel.as_str()] {
                    Value::String(t) => *t == e.target,
                    Value::Array(l) => l.iter().any(|t| *t == e.target.as_str()),
                    _ => false,
                };
                holds(via)
                    || via["extensions"]
                        .as_object()
                        .is_some_and(|x| x.values().any(holds))
            }
        })
    }
}

async fn neighbors(
    State(st): State<AppState>,
    Extension(who): Extension<Arc<Principal>>,
    Path(key): Path<String>,
    Query(p): Query<NeighborParams>,
) -> ApiResult {
    let depth = p.depth.unwrap_or(1);
    if depth > 6 {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "depth: at most 6"));
    }
    let state = st.clone();
    let graph = blocking(&st, move |s| {
        let root = resolve_for(s, &state, &who, &key)?;
        let rel = list(&p.rel);
        let include_revoked = p.include_revoked.unwrap_or(false);
        let max_nodes = p.max_nodes.unwrap_or(10_000).clamp(1, 100_000);
        let mut sight = Sight {
            st: &state,
            who: &who,
            seen: Default::default(),
        };
        let hidden = || ApiError::new(StatusCode::NOT_FOUND, format!("no object matches '{root}'"));
        if sight.of(s, &root)?.is_none() {
            return Err(hidden());
        }
        // Walked one hop at a time over what the principal sees, so that depths
        // and reach never go through a hidden object, relationship or reference.
        let mut g = Graph {
            root: root.clone(),
            nodes: Vec::new(),
            edges: Vec::new(),
            truncated: false,
        };
        let mut depths = std::collections::HashMap::from([(root.clone(), 0usize)]);
        let mut edge_keys = HashSet::new();
        let query = |id: &str, depth: usize| NeighborQuery {
            id: id.to_owned(),
            depth,
            rel: rel.clone(),
            include_revoked,
            max_nodes: usize::MAX,
        };
        let mut first = s
            .neighbors(&query(&root, 0))?
            .nodes
            .into_iter()
            .next()
            .ok_or_else(hidden)?;
        name_node(&mut sight, s, &mut first)?;
        g.nodes.push(first);
        let mut frontier = vec![root.clone()];
        for d in 1..=depth {
            let mut next = Vec::new();
            for id in &frontier {
                let hop = s.neighbors(&query(id, 1))?;
                for e in &hop.edges {
                    let other = if e.source == *id {
                        &e.target
                    } else {
                        &e.source
                    };
                    let Some(node) = hop.nodes.iter().find(|n| n.id == *other) else {
                        continue;
                    };
                    if !sight.edge(s, e)? || sight.of(s, other)?.is_none() {
                        continue;
                    }
                    if !depths.contains_key(other) {
                        if g.nodes.len() >= max_nodes {
                            g.truncated = true;
                            continue;
                        }
                        depths.insert(other.clone(), d);
                        let mut n = node.clone();
                        n.depth = d;
                        name_node(&mut sight, s, &mut n)?;
                        g.nodes.push(n);
                        next.push(other.clone());
                    }
                    let key = (
                        e.via.clone(),
                        e.source.clone(),
                        e.target.clone(),
                        e.rel.clone(),
                    );
                    if edge_keys.insert(key) {
                        g.edges.push(e.clone());
                    }
                }
            }
            frontier = next;
            if frontier.is_empty() {
                break;
            }
        }
        Ok(g)
    })
    .await?;
    Ok(Json(graph).into_response())
}

/// A node's name and external id from what the principal sees of it.
fn name_node(
    sight: &mut Sight<'_>,
    s: &SqliteStore,
    n: &mut vigil_store::Node,
) -> Result<(), ApiError> {
    if !n.known {
        return Ok(());
    }
    let view = sight.of(s, &n.id)?.cloned().unwrap_or(Value::Null);
    n.name = view.get("name").and_then(Value::as_str).map(str::to_string);
    let text = view.to_string();
    n.external_id = n
        .external_id
        .take()
        .filter(|e| text.contains(&serde_json::to_string(e).unwrap_or_default()));
    Ok(())
}

#[derive(Deserialize)]
struct SearchParams {
    q: Option<String>,
    #[serde(rename = "type")]
    types: Option<String>,
    limit: Option<usize>,
    include_revoked: Option<bool>,
}

async fn search(
    State(st): State<AppState>,
    Extension(who): Extension<Arc<Principal>>,
    Query(p): Query<SearchParams>,
) -> ApiResult {
    let limit = p.limit.unwrap_or(20).min(1000);
    // Ask for more than the limit: some hits may be hidden from this principal.
    let q = SearchQuery {
        text: p.q.clone().unwrap_or_default(),
        types: list(&p.types),
        limit: if who.full { limit } else { limit * 4 + 50 },
        include_revoked: p.include_revoked.unwrap_or(false),
    };
    let words = q.text.clone();
    let hits = blocking(&st, move |s| Ok(s.search(&q)?)).await?;
    let items: Vec<Value> = hits
        .into_iter()
        .filter_map(|h| {
            let stored = h.json.clone();
            let text = seen(&st, &who, h.json)?;
            let object: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if text != stored && !still_matches(&words, &object) {
                return None;
            }
            let name = object.get("name").cloned().unwrap_or(Value::Null);
            // The external id, if what the principal sees still holds it.
            let ext = h.external_id.filter(|e| text.contains(e.as_str()));
            Some(json!({"id": h.id, "type": h.object_type, "name": name, "external_id": ext, "score": h.score, "object": object}))
        })
        .take(limit)
        .collect();
    Ok(Json(json!({"hits": items})).into_response())
}

/// Whether every word of a search still matches what the principal sees of an
/// object, tokenised as the text index does (letters and digits, case folded):
/// a hit found through text that a granular marking removed must not come back.
fn still_matches(q: &str, object: &Value) -> bool {
    fn tokens(s: &str) -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase)
            .collect()
    }
    fn strings<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(l) => l.iter().for_each(|x| strings(x, out)),
            Value::Object(m) => m.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    strings(object, &mut all);
    let texts: Vec<Vec<String>> = all.into_iter().map(tokens).collect();
    q.split_whitespace()
        .map(tokens)
        .filter(|phrase| !phrase.is_empty())
        .all(|phrase| {
            texts
                .iter()
                .any(|t| t.windows(phrase.len()).any(|w| w == phrase.as_slice()))
        })
}

async fn stats(State(st): State<AppState>, Extension(who): Extension<Arc<Principal>>) -> ApiResult {
    let policy = st.policy.clone();
    let full = who.full;
    let stats = blocking(&st, move |s| {
        if who.full {
            return Ok(s.stats()?);
        }
        Ok(s.stats_visible(&mut |refs| {
            vigil_access::object_visible(&policy, &who.clearance, refs.iter().map(String::as_str))
        })?)
    })
    .await?;
    let mut body = serde_json::to_value(stats).unwrap_or(Value::Null);
    if let Some(m) = body.as_object_mut().filter(|_| !full) {
        // Counted per object's current markings, these would include versions
        // and edges the principal may not see; they are left out.
        m.remove("versions");
        m.remove("edges");
    }
    Ok(Json(body).into_response())
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/taxii2") {
        return vigil_taxii::server::no_route().into_response();
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such route; see /api/v1/stats, /api/v1/search?q=, /api/v1/objects/{id}, /taxii2/",
    )
    .into_response()
}

/// The JSON API's routes (no authentication; see [`app`]).
pub fn router(pool: Arc<Pool>, policy: Arc<Policy>, audit: AuditSink) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/objects/{id}", get(object))
        .route("/api/v1/objects/{id}/history", get(history))
        .route("/api/v1/objects/{id}/neighbors", get(neighbors))
        .route("/api/v1/search", get(search))
        .route("/api/v1/stats", get(stats))
        .fallback(not_found)
        .with_state(AppState {
            pool,
            policy,
            audit,
        })
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// The largest TAXII post accepted (bytes); larger ones get 413.
    pub max_body: usize,
    /// How long a TAXII post waits for its write before answering `pending`.
    pub post_wait: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_body: 100 << 20,
            post_wait: std::time::Duration::from_secs(10),
        }
    }
}

/// The accounts database as the TAXII routes' directory of collections: the
/// list is kept in memory and read again when the accounts' generation changes
/// (checked on every call, ~1 µs).
struct Collections {
    accounts: Accounts,
    cached: std::sync::Mutex<Option<(u64, Arc<Vec<vigil_store::Collection>>)>>,
}

impl vigil_taxii::server::Directory for Collections {
    fn collections(&self) -> Result<Arc<Vec<vigil_store::Collection>>, String> {
        let generation = self.accounts.generation().map_err(|e| e.to_string())?;
        let mut cached = self.cached.lock().map_err(|e| e.to_string())?;
        if let Some((g, list)) = &*cached {
            if *g == generation {
                return Ok(list.clone());
            }
        }
        let list = Arc::new(self.accounts.collections().map_err(|e| e.to_string())?);
        *cached = Some((generation, list.clone()));
        Ok(list)
    }
}

/// The whole application for the data directory `dir`: the JSON API and TAXII
/// behind authentication. Also returns the authentication state (to report
/// the anonymous mode at start-up).
pub fn app(dir: PathBuf, options: &Options) -> Result<(Router, Arc<Auth>), ServeError> {
    let pool = Arc::new(Pool::new(dir.clone())?);
    let accounts = Accounts::open(&dir)?;
    let default_marking = accounts
        .setting("default_marking")?
        .unwrap_or_else(|| Policy::default().default_marking);
    let policy = Arc::new(Policy { default_marking });
    let audit = AuditSink::start(dir.clone())?;
    let auth = Arc::new(Auth::new(accounts, audit.clone()));
    let writer = vigil_taxii::server::Writer::start(dir.clone(), Arc::new(audit.clone()))
        .map_err(|source| ServeError::Start(format!("cannot start the TAXII writer: {source}")))?;
    let taxii = vigil_taxii::server::router(vigil_taxii::server::Taxii {
        pool: pool.clone(),
        directory: Arc::new(Collections {
            accounts: Accounts::open(&dir)?,
            cached: std::sync::Mutex::new(None),
        }),
        writer,
        policy: policy.clone(),
        audit: Arc::new(audit.clone()),
        max_body: options.max_body,
        post_wait: options.post_wait,
    });
    let app = router(pool, policy, audit)
        .merge(taxii)
        .layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            auth::authenticate,
        ));
    Ok((app, auth))
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A part of the server could not start.
    #[error("{0}")]
    Start(String),
    /// The address could not be bound, or serving failed.
    #[error("{addr}: {source}")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// What failed.
        source: std::io::Error,
    },
}

/// Serves the store in `dir` on `addr` until Ctrl-C or SIGTERM.
pub async fn serve(dir: PathBuf, addr: SocketAddr, options: Options) -> Result<(), ServeError> {
    let (app, auth) = app(dir.clone(), &options)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Io { addr, source })?;
    let bound = listener.local_addr().unwrap_or(addr);
    tracing::info!(
        "Vigil is serving {} on http://{bound}/ (JSON API under /api/v1/, TAXII 2.1 at /taxii2/, health at /healthz)",
        dir.display()
    );
    if !auth.users_exist().map_err(ServeError::Start)? {
        tracing::warn!(
            "no user exists yet: anonymous requests from loopback are served with full clearance, all others refused; `vigil user add NAME --password-stdin` makes every request need credentials"
        );
    }
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .map_err(|source| ServeError::Io {
        addr: bound,
        source,
    });
    // Nothing audited is lost to a clean stop.
    auth.audit().flush(std::time::Duration::from_secs(10));
    served
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
