//! The TAXII 2.1 server (OASIS TAXII 2.1, §4-5): discovery, one API root,
//! collections, objects, manifests, versions and status resources, mounted by
//! `vigil-server` under `/taxii2/`.
//!
//! | route (under `/taxii2/`) | answer |
//! |---|---|
//! | `GET /` | discovery |
//! | `GET api/` | API root information |
//! | `GET api/status/{id}/` | the status of a post |
//! | `GET api/collections/` | the collections the principal may read or write |
//! | `GET api/collections/{id}/` | one collection |
//! | `GET api/collections/{id}/manifest/` | ids, versions and dates of the objects |
//! | `GET, POST api/collections/{id}/objects/` | objects (an envelope), or add an envelope |
//! | `GET, DELETE api/collections/{id}/objects/{object}/` | one object's versions, or remove it |
//! | `GET api/collections/{id}/objects/{object}/versions/` | an object's versions |
//!
//! Every object that leaves passes through `vigil_access::view` (hidden,
//! whole, or with granular-marked properties removed); collections need
//! `can_read`/`can_write` from the principal's groups. Handlers run one store
//! call on the blocking pool; posts are checked there too (on every core) and
//! written by one writer thread (see `post.rs`).

mod error;
mod media;
mod post;
mod query;

pub use error::TaxiiError;
pub use post::{Statuses, Writer};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use query::Filters;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use vigil_access::{Policy, Principal, View};
use vigil_store::{
    AuditEntry, Collection, CollectionEntry, CollectionQuery, CollectionRead, ReadPool,
    VersionMatch,
};

/// Where the server learns which collections exist (the accounts database).
/// Called on every request, on the async workers: implementations answer from
/// memory (checking only that the accounts did not change).
pub trait Directory: Send + Sync + 'static {
    /// Every collection.
    fn collections(&self) -> Result<Arc<Vec<Collection>>, String>;
}

/// Where the server records what must be audited.
pub trait Audit: Send + Sync + 'static {
    /// Records one entry (asynchronously; group-committed).
    fn record(&self, entry: AuditEntry);
}

/// What the TAXII routes need.
pub struct Taxii {
    /// Read connections to the store.
    pub pool: Arc<ReadPool>,
    /// The collections.
    pub directory: Arc<dyn Directory>,
    /// The writer thread (posts, deletes) and post statuses.
    pub writer: Writer,
    /// How unmarked objects are treated.
    pub policy: Arc<Policy>,
    /// The audit trail.
    pub audit: Arc<dyn Audit>,
    /// The largest body a post may have (bytes); larger ones get 413.
    pub max_body: usize,
    /// How long a post waits for its write before answering `pending`.
    pub post_wait: std::time::Duration,
}

type Shared = Arc<Taxii>;
type TaxiiResult = Result<Response, TaxiiError>;

/// The API root's path under `/taxii2/`.
pub const API_ROOT: &str = "api";
/// The most objects a page holds, whatever `limit` asks for.
pub const MAX_PAGE: usize = 1000;
/// The page size when `limit` is not given.
pub const DEFAULT_PAGE: usize = 100;
/// How many entries one request reads at most while looking for visible ones.
const MAX_SCAN: usize = 20_000;

/// The TAXII routes, under `/taxii2/`, to be merged into the server's router.
/// Requests must carry a `Principal` extension (the server's authentication
/// layer adds it). Unknown paths under `/taxii2` should get [`no_route`].
pub fn router(taxii: Taxii) -> Router {
    let max_body = taxii.max_body;
    let state: Shared = Arc::new(taxii);
    let objects = get(get_objects).post(post::post_objects);
    let object = get(get_object).delete(post::delete_object);
    Router::new()
        .route("/taxii2/", get(discovery))
        .route("/taxii2/{root}/", get(api_root))
        .route("/taxii2/{root}/status/{status}/", get(post::status))
        .route("/taxii2/{root}/collections/", get(collections))
        .route("/taxii2/{root}/collections/{coll}/", get(collection))
        .route("/taxii2/{root}/collections/{coll}/manifest/", get(manifest))
        .route("/taxii2/{root}/collections/{coll}/objects/", objects)
        .route(
            "/taxii2/{root}/collections/{coll}/objects/{object}/",
            object,
        )
        .route(
            "/taxii2/{root}/collections/{coll}/objects/{object}/versions/",
            get(versions),
        )
        // Bodies are read by the handler, which answers 413 itself.
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .with_state(state)
}

/// The answer to a path under `/taxii2` that names no TAXII resource.
pub fn no_route() -> TaxiiError {
    TaxiiError::not_found("no such TAXII resource; discovery is at /taxii2/, the API root at /taxii2/api/ (paths end with '/')")
}

/// A TAXII JSON response.
fn taxii_json(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// `http://host` as the client addressed us.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:7878");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|s| *s == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

fn check_root(root: &str) -> Result<(), TaxiiError> {
    if root == API_ROOT {
        Ok(())
    } else {
        Err(TaxiiError::not_found(format!(
            "no API root '{root}'; this server has one, /taxii2/{API_ROOT}/"
        )))
    }
}

async fn discovery(headers: HeaderMap) -> TaxiiResult {
    let ct = media::negotiate(&headers, false)?;
    let root = format!("{}/taxii2/{API_ROOT}/", base_url(&headers));
    let body = json!({
        "title": "Vigil TAXII 2.1",
        "description": "Threat intelligence shared under need-to-know access rules.",
        "default": root,
        "api_roots": [root],
    });
    Ok(taxii_json(ct, body.to_string()))
}

async fn api_root(
    State(st): State<Shared>,
    Path(root): Path<String>,
    headers: HeaderMap,
) -> TaxiiResult {
    check_root(&root)?;
    let ct = media::negotiate(&headers, false)?;
    let body = json!({
        "title": "Vigil",
        "description": "The collections of this Vigil store.",
        "versions": [media::TAXII],
        "max_content_length": st.max_body,
    });
    Ok(taxii_json(ct, body.to_string()))
}

/// The collection `id` and what the principal may do with it; 404 when it does
/// not exist, 403 when the principal may neither read nor write it.
async fn find_collection(
    st: &Shared,
    principal: &Principal,
    id: &str,
) -> Result<(Collection, bool, bool), TaxiiError> {
    let all = st.directory.collections().map_err(TaxiiError::internal)?;
    let Some(c) = all.iter().find(|c| c.id == id).cloned() else {
        return Err(TaxiiError::not_found(format!("no collection '{id}'")));
    };
    let (r, w) = permissions(principal, &c);
    if !r && !w {
        return Err(TaxiiError::forbidden(format!(
            "{} may not use collection '{id}'",
            principal.name
        )));
    }
    Ok((c, r, w))
}

fn permissions(principal: &Principal, c: &Collection) -> (bool, bool) {
    let acl = vigil_access::CollectionAcl {
        read_groups: c.read_groups.clone(),
        write_groups: c.write_groups.clone(),
    };
    (
        vigil_access::can_read(principal, &acl),
        vigil_access::can_write(principal, &acl),
    )
}

fn collection_json(c: &Collection, can_read: bool, can_write: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), c.id.clone().into());
    m.insert("title".into(), c.title.clone().into());
    if let Some(d) = &c.description {
        m.insert("description".into(), d.clone().into());
    }
    m.insert("can_read".into(), can_read.into());
    m.insert("can_write".into(), can_write.into());
    m.insert("media_types".into(), json!([media::STIX]));
    Value::Object(m)
}

async fn collections(
    State(st): State<Shared>,
    Path(root): Path<String>,
    Extension(principal): Extension<Arc<Principal>>,
    headers: HeaderMap,
) -> TaxiiResult {
    check_root(&root)?;
    let ct = media::negotiate(&headers, false)?;
    let all = st.directory.collections().map_err(TaxiiError::internal)?;
    let mut listed = Vec::new();
    for c in all.iter() {
        let (r, w) = permissions(&principal, c);
        if r || w {
            listed.push(collection_json(c, r, w));
        }
    }
    let body = if listed.is_empty() {
        json!({})
    } else {
        json!({ "collections": listed })
    };
    Ok(taxii_json(ct, body.to_string()))
}

async fn collection(
    State(st): State<Shared>,
    Path((root, coll)): Path<(String, String)>,
    Extension(principal): Extension<Arc<Principal>>,
    headers: HeaderMap,
) -> TaxiiResult {
    check_root(&root)?;
    let ct = media::negotiate(&headers, false)?;
    let (c, r, w) = find_collection(&st, &principal, &coll).await?;
    Ok(taxii_json(ct, collection_json(&c, r, w).to_string()))
}

/// A page read for a principal: every entry through the visibility function,
/// reads of AMBER and above audited.
///
/// It runs on the async worker itself, not the blocking pool: a page is a few
/// index range reads (bounded by `MAX_PAGE` kept and `MAX_SCAN` read entries),
/// and handing each request to another thread and back cost more than the
/// read (measured: task switches were a third of the server's time at 8,000
/// requests/s by id).
async fn read_page(
    st: &Shared,
    principal: &Arc<Principal>,
    q: CollectionQuery,
) -> Result<vigil_store::CollectionPage, TaxiiError> {
    let page = st.pool.with(|s| {
        s.collection_page(&q, &mut |mut e: CollectionEntry| {
            match vigil_access::view(&st.policy, &principal.clearance, &e.json) {
                View::Hidden => return None,
                View::Whole(_) => {}
                View::Redacted(text) => e.json = text,
            }
            Some(e)
        })
    })?;
    // What is sent, not what was looked at (the store looks one entry ahead).
    let sensitive: Vec<&str> = page
        .entries
        .iter()
        .filter(|e| vigil_access::needs_read_audit(&e.json))
        .map(|e| e.id.as_str())
        .collect();
    if !sensitive.is_empty() {
        st.audit.record(AuditEntry {
            time: String::new(),
            actor: principal.name.clone(),
            action: "read".into(),
            target: format!("taxii collection {}", q.collection),
            detail: json!({ "objects": sensitive }).to_string(),
            remote: None,
        });
    }
    Ok(page)
}

/// The entries of `q` the principal can see at all (not redacted, not audited:
/// for deciding what a write may touch).
fn visible_entries(
    st: &Shared,
    principal: &Principal,
    q: &CollectionQuery,
) -> Result<Vec<CollectionEntry>, TaxiiError> {
    let page = st.pool.with(|s| {
        s.collection_page(q, &mut |e: CollectionEntry| {
            let shown = !matches!(
                vigil_access::view(&st.policy, &principal.clearance, &e.json),
                View::Hidden
            );
            shown.then_some(e)
        })
    })?;
    Ok(page.entries)
}

/// The `X-TAXII-Date-Added-First/Last` headers of a page, and `more`/`next`.
fn page_headers(entries: &[CollectionEntry]) -> Vec<(&'static str, HeaderValue)> {
    let mut h = Vec::new();
    if let (Some(first), Some(last)) = (entries.first(), entries.last()) {
        for (name, e) in [
            ("x-taxii-date-added-first", first),
            ("x-taxii-date-added-last", last),
        ] {
            if let Ok(v) = HeaderValue::from_str(&query::date_text(e.added_us)) {
                h.push((name, v));
            }
        }
    }
    h
}

fn with_headers(mut r: Response, h: Vec<(&'static str, HeaderValue)>) -> Response {
    for (name, v) in h {
        r.headers_mut().insert(name, v);
    }
    r
}

/// An envelope: `{"more", "next", "objects"}` around the objects' own JSON text.
fn envelope(page: &vigil_store::CollectionPage) -> String {
    if page.entries.is_empty() && !page.more {
        return "{}".into();
    }
    let mut out =
        String::with_capacity(64 + page.entries.iter().map(|e| e.json.len() + 1).sum::<usize>());
    out.push_str("{\"more\":");
    out.push_str(if page.more { "true" } else { "false" });
    if page.more {
        out.push_str(",\"next\":\"");
        out.push_str(&query::next_token(page.next_seq));
        out.push('"');
    }
    if !page.entries.is_empty() {
        out.push_str(",\"objects\":[");
        for (i, e) in page.entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&e.json);
        }
        out.push(']');
    }
    out.push('}');
    out
}

/// The common start of every read of a collection's objects: the API root,
/// the media type (`stix_too`: the client may ask for STIX JSON), the
/// parameters this endpoint takes, and the principal's `can_read`.
async fn reading(
    st: &Shared,
    principal: &Principal,
    (root, coll): (&str, &str),
    headers: &HeaderMap,
    params: &[(String, String)],
    allowed: query::Allowed,
    stix_too: bool,
) -> Result<(&'static str, Filters), TaxiiError> {
    check_root(root)?;
    let ct = media::negotiate(headers, stix_too)?;
    let filters = Filters::parse(params, allowed)?;
    let (_, can_read, _) = find_collection(st, principal, coll).await?;
    if !can_read {
        return Err(TaxiiError::forbidden(format!(
            "{} may not read collection '{coll}'",
            principal.name
        )));
    }
    Ok((ct, filters))
}

async fn get_objects(
    State(st): State<Shared>,
    Path((root, coll)): Path<(String, String)>,
    Extension(principal): Extension<Arc<Principal>>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> TaxiiResult {
    let (ct, filters) = reading(
        &st,
        &principal,
        (&root, &coll),
        &headers,
        &params,
        query::OBJECTS,
        true,
    )
    .await?;
    let page = read_page(&st, &principal, filters.query(&coll, MAX_SCAN)).await?;
    let h = page_headers(&page.entries);
    Ok(with_headers(taxii_json(ct, envelope(&page)), h))
}

async fn get_object(
    State(st): State<Shared>,
    Path((root, coll, object)): Path<(String, String, String)>,
    Extension(principal): Extension<Arc<Principal>>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> TaxiiResult {
    let (ct, mut filters) = reading(
        &st,
        &principal,
        (&root, &coll),
        &headers,
        &params,
        query::OBJECT,
        true,
    )
    .await?;
    filters.ids = vec![object.clone()];
    let page = read_page(&st, &principal, filters.query(&coll, MAX_SCAN)).await?;
    if page.entries.is_empty() && filters.is_unpaged() {
        return Err(TaxiiError::not_found(format!(
            "no object '{object}' in collection '{coll}' matches"
        )));
    }
    let h = page_headers(&page.entries);
    Ok(with_headers(taxii_json(ct, envelope(&page)), h))
}

/// The manifest record or version text of an entry: `modified` (or `created`)
/// as a STIX timestamp; `date_added` for objects that have neither.
fn version_text(e: &CollectionEntry) -> String {
    if e.version.is_empty() {
        query::date_text(e.added_us)
    } else {
        query::key_text(&e.version)
    }
}

async fn manifest(
    State(st): State<Shared>,
    Path((root, coll)): Path<(String, String)>,
    Extension(principal): Extension<Arc<Principal>>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> TaxiiResult {
    let (ct, filters) = reading(
        &st,
        &principal,
        (&root, &coll),
        &headers,
        &params,
        query::OBJECTS,
        false,
    )
    .await?;
    let page = read_page(&st, &principal, filters.query(&coll, MAX_SCAN)).await?;
    let records: Vec<Value> = page
        .entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "date_added": query::date_text(e.added_us),
                "version": version_text(e),
                "media_type": media::STIX,
            })
        })
        .collect();
    let mut body = Map::new();
    if !records.is_empty() || page.more {
        body.insert("more".into(), page.more.into());
        if page.more {
            body.insert("next".into(), query::next_token(page.next_seq).into());
        }
    }
    if !records.is_empty() {
        body.insert("objects".into(), records.into());
    }
    let h = page_headers(&page.entries);
    Ok(with_headers(
        taxii_json(ct, Value::Object(body).to_string()),
        h,
    ))
}

async fn versions(
    State(st): State<Shared>,
    Path((root, coll, object)): Path<(String, String, String)>,
    Extension(principal): Extension<Arc<Principal>>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> TaxiiResult {
    let (ct, mut filters) = reading(
        &st,
        &principal,
        (&root, &coll),
        &headers,
        &params,
        query::VERSIONS,
        false,
    )
    .await?;
    filters.ids = vec![object.clone()];
    filters.versions = vec![VersionMatch::All];
    let page = read_page(&st, &principal, filters.query(&coll, MAX_SCAN)).await?;
    if page.entries.is_empty() && filters.is_unpaged() {
        return Err(TaxiiError::not_found(format!(
            "no object '{object}' in collection '{coll}' matches"
        )));
    }
    let list: Vec<String> = page.entries.iter().map(version_text).collect();
    let mut body = Map::new();
    body.insert("more".into(), page.more.into());
    if page.more {
        body.insert("next".into(), query::next_token(page.next_seq).into());
    }
    body.insert("versions".into(), list.into());
    let h = page_headers(&page.entries);
    Ok(with_headers(
        taxii_json(ct, Value::Object(body).to_string()),
        h,
    ))
}

/// A status code and empty TAXII body (for deletes).
fn empty_ok(ct: &'static str) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, ct)], "{}").into_response()
}
