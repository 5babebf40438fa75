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
    Accounts, AuditEntry, NeighborQuery, ReadPool, ReadStore, SearchQuery, SqliteStore, StoreError,
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

fn resolve(s: &SqliteStore, key: &str) -> Result<String, ApiError> {
    s.resolve(key)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no object matches '{key}'")))
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
    let v = blocking(&st, move |s| {
        let id = resolve(s, &key)?;
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
    let versions = blocking(&st, move |s| {
        let id = resolve(s, &key)?;
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
        let id = resolve(s, &key)?;
        let mut g = s.neighbors(&NeighborQuery {
            id,
            depth,
            rel: list(&p.rel),
            include_revoked: p.include_revoked.unwrap_or(false),
            max_nodes: p.max_nodes.unwrap_or(10_000).min(100_000),
        })?;
        // Every node and every relationship an edge goes through must be visible;
        // a node's name comes from what the principal may see of it.
        let mut hidden = HashSet::new();
        // What the principal sees of an object: None if hidden; else its text.
        let check = |s: &SqliteStore, id: &str| -> Result<Option<String>, ApiError> {
            Ok(match s.get(id)? {
                None => Some(String::new()),
                Some(v) => seen(&state, &who, v.json),
            })
        };
        for n in &mut g.nodes {
            if !n.known {
                continue;
            }
            match check(s, &n.id)? {
                None => {
                    hidden.insert(n.id.clone());
                }
                Some(text) => {
                    n.name = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|o| o.get("name").and_then(Value::as_str).map(str::to_string));
                    n.external_id = n.external_id.take().filter(|e| text.contains(e.as_str()));
                }
            }
        }
        if hidden.contains(&g.root) {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no object matches '{}'", g.root),
            ));
        }
        let vias: HashSet<String> = g.edges.iter().map(|e| e.via.clone()).collect();
        for via in vias {
            if !hidden.contains(&via) && check(s, &via)?.is_none() {
                hidden.insert(via);
            }
        }
        g.nodes.retain(|n| !hidden.contains(&n.id));
        g.edges.retain(|e| {
            !hidden.contains(&e.source) && !hidden.contains(&e.target) && !hidden.contains(&e.via)
        });
        // Nodes reached only through hidden edges are not reachable for this principal.
        let mut reach: HashSet<&str> = HashSet::from([g.root.as_str()]);
        loop {
            let before = reach.len();
            for e in &g.edges {
                if reach.contains(e.source.as_str()) || reach.contains(e.target.as_str()) {
                    reach.insert(e.source.as_str());
                    reach.insert(e.target.as_str());
                }
            }
            if reach.len() == before {
                break;
            }
        }
        let reach: HashSet<String> = reach.into_iter().map(str::to_string).collect();
        g.nodes.retain(|n| reach.contains(&n.id));
        g.edges
            .retain(|e| reach.contains(&e.source) && reach.contains(&e.target));
        Ok(g)
    })
    .await?;
    Ok(Json(graph).into_response())
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
    let hits = blocking(&st, move |s| Ok(s.search(&q)?)).await?;
    let items: Vec<Value> = hits
        .into_iter()
        .filter_map(|h| {
            let text = seen(&st, &who, h.json)?;
            let object: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let name = object.get("name").cloned().unwrap_or(Value::Null);
            // The external id, if what the principal sees still holds it.
            let ext = h.external_id.filter(|e| text.contains(e.as_str()));
            Some(json!({"id": h.id, "type": h.object_type, "name": name, "external_id": ext, "score": h.score, "object": object}))
        })
        .take(limit)
        .collect();
    Ok(Json(json!({"hits": items})).into_response())
}

async fn stats(State(st): State<AppState>, Extension(who): Extension<Arc<Principal>>) -> ApiResult {
    let policy = st.policy.clone();
    let stats = blocking(&st, move |s| {
        if who.full {
            return Ok(s.stats()?);
        }
        Ok(s.stats_visible(&mut |refs| {
            vigil_access::object_visible(&policy, &who.clearance, refs.iter().map(String::as_str))
        })?)
    })
    .await?;
    Ok(Json(stats).into_response())
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
