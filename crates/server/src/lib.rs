//! Vigil's HTTP server: a read-only JSON API over the store (later: TAXII 2.1,
//! authentication, the web UI).
//!
//! Handlers are thin: they parse the request, run one store call on the
//! blocking pool, and turn the result or error into a response in one place
//! ([`ApiError`]).
//!
//! | route | answer |
//! |---|---|
//! | `GET /healthz` | `{"status":"ok"}` |
//! | `GET /api/v1/objects/{id}` | the current object (`?as_of=TIME` for the version then); `{id}` may be an external id such as `T1059` |
//! | `GET /api/v1/objects/{id}/history` | every version, oldest first |
//! | `GET /api/v1/objects/{id}/neighbors` | `{root, nodes, edges, truncated}`; `?depth=&rel=a,b&include_revoked=&max_nodes=` |
//! | `GET /api/v1/search` | `{hits: [...]}`; `?q=&type=a,b&limit=&include_revoked=` |
//! | `GET /api/v1/stats` | counts per type |

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use vigil_stix::Timestamp;
use vigil_store::{NeighborQuery, ReadStore, SearchQuery, SqliteStore, StoreError};

/// Read connections to the store, reused across requests.
pub struct Pool {
    dir: PathBuf,
    idle: Mutex<Vec<SqliteStore>>,
}

impl Pool {
    /// A pool over the store in `dir` (which must exist).
    pub fn new(dir: PathBuf) -> Result<Pool, StoreError> {
        let first = SqliteStore::open_read(&dir)?;
        Ok(Pool {
            dir,
            idle: Mutex::new(vec![first]),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&SqliteStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let taken = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None);
        let store = match taken {
            Some(s) => s,
            None => SqliteStore::open_read(&self.dir)?,
        };
        let r = f(&store);
        if let Ok(mut v) = self.idle.lock() {
            if v.len() < 16 {
                v.push(store);
            }
        }
        r
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pool: Arc<Pool>,
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
    tokio::task::spawn_blocking(move || {
        let mut out = None;
        let r = pool.with(|s| {
            out = Some(f(s));
            Ok(())
        });
        match (r, out) {
            (_, Some(res)) => res,
            (Err(e), None) => Err(e.into()),
            (Ok(()), None) => Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "no result",
            )),
        }
    })
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
    Ok(raw_json(v.json))
}

async fn history(State(st): State<AppState>, Path(key): Path<String>) -> ApiResult {
    let versions = blocking(&st, move |s| {
        let id = resolve(s, &key)?;
        Ok(s.history(&id)?)
    })
    .await?;
    let items: Vec<&str> = versions.iter().map(|v| v.json.as_str()).collect();
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
    Path(key): Path<String>,
    Query(p): Query<NeighborParams>,
) -> ApiResult {
    let depth = p.depth.unwrap_or(1);
    if depth > 6 {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "depth: at most 6"));
    }
    let graph = blocking(&st, move |s| {
        let id = resolve(s, &key)?;
        Ok(s.neighbors(&NeighborQuery {
            id,
            depth,
            rel: list(&p.rel),
            include_revoked: p.include_revoked.unwrap_or(false),
            max_nodes: p.max_nodes.unwrap_or(10_000).min(100_000),
        })?)
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

async fn search(State(st): State<AppState>, Query(p): Query<SearchParams>) -> ApiResult {
    let q = SearchQuery {
        text: p.q.clone().unwrap_or_default(),
        types: list(&p.types),
        limit: p.limit.unwrap_or(20).min(1000),
        include_revoked: p.include_revoked.unwrap_or(false),
    };
    let hits = blocking(&st, move |s| Ok(s.search(&q)?)).await?;
    let items: Vec<Value> = hits
        .iter()
        .map(|h| {
            let object: Value = serde_json::from_str(&h.json).unwrap_or(Value::Null);
            json!({"id": h.id, "type": h.object_type, "name": h.name, "external_id": h.external_id, "score": h.score, "object": object})
        })
        .collect();
    Ok(Json(json!({"hits": items})).into_response())
}

async fn stats(State(st): State<AppState>) -> ApiResult {
    let stats = blocking(&st, |s| Ok(s.stats()?)).await?;
    Ok(Json(stats).into_response())
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such route; see /api/v1/stats, /api/v1/search?q=, /api/v1/objects/{id}",
    )
}

/// The API's routes over a store pool.
pub fn router(pool: Arc<Pool>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/objects/{id}", get(object))
        .route("/api/v1/objects/{id}/history", get(history))
        .route("/api/v1/objects/{id}/neighbors", get(neighbors))
        .route("/api/v1/search", get(search))
        .route("/api/v1/stats", get(stats))
        .fallback(not_found)
        .with_state(AppState { pool })
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address could not be bound, or serving failed.
    #[error("{addr}: {source}")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// What failed.
        source: std::io::Error,
    },
}

/// Serves the API for the store in `dir` on `addr` until Ctrl-C or SIGTERM.
pub async fn serve(dir: PathBuf, addr: SocketAddr) -> Result<(), ServeError> {
    let pool = Arc::new(Pool::new(dir.clone())?);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Io { addr, source })?;
    let bound = listener.local_addr().unwrap_or(addr);
    tracing::info!("Vigil is serving {} on http://{bound}/ (read-only JSON API under /api/v1/, health at /healthz)", dir.display());
    if !bound.ip().is_loopback() {
        tracing::warn!("listening beyond loopback: the API has no authentication yet; anyone who can reach {bound} can read the store");
    }
    axum::serve(listener, router(pool))
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|source| ServeError::Io {
            addr: bound,
            source,
        })
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
