//! A blocking TAXII 2.1 client: discovery, API roots, collections and
//! paged `GET objects`, over HTTP or HTTPS (rustls, the Mozilla roots).
//!
//! Pages come back with their `objects` array as the server sent it (raw JSON
//! text), so an importer can store each object byte for byte; the envelope's
//! `more`/`next` and the `X-TAXII-Date-Added-First`/`-Last` headers come with it.
//!
//! ```no_run
//! use vigil_taxii::client::{Auth, Client, ObjectsQuery};
//! let client = Client::new(Auth::None);
//! let root = client.api_root_url("https://example.org/taxii2/")?;
//! let page = client.get_objects(&root, "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
//!     &ObjectsQuery { limit: Some(100), ..ObjectsQuery::default() })?;
//! println!("{} more: {}", page.objects_json(), page.more);
//! # Ok::<(), vigil_taxii::client::ClientError>(())
//! ```

use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::time::Duration;

/// The TAXII 2.1 media type, sent as `Accept` on every request.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// The largest response body read (a page of objects included).
const MAX_BODY: u64 = 512 << 20;

/// How the client authenticates.
#[derive(Clone, Default)]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// HTTP Basic.
    Basic {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    // Never print secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, ***)"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

impl Auth {
    /// The `Authorization` header value, if any.
    fn header(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            Auth::Bearer(token) => Some(format!("Bearer {token}")),
        }
    }
}

/// What can go wrong talking to a TAXII server. Each names the URL.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached or the connection failed (refused,
    /// DNS, TLS, timeout).
    #[error("{url}: {message}")]
    Transport {
        /// The URL requested.
        url: String,
        /// What failed.
        message: String,
    },
    /// The server answered with an HTTP error status.
    #[error("{url}: HTTP {status}{}", describe(.title, .description))]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The TAXII error message's `title` (or the start of a non-TAXII body).
        title: Option<String>,
        /// The TAXII error message's `description`.
        description: Option<String>,
    },
    /// The server answered 2xx with something that is not the TAXII resource asked for.
    #[error("{url}: {message}")]
    BadResponse {
        /// The URL requested.
        url: String,
        /// What is wrong with it.
        message: String,
    },
}

fn describe(title: &Option<String>, description: &Option<String>) -> String {
    match (title, description) {
        (Some(t), Some(d)) => format!(": {t}: {d}"),
        (Some(t), None) => format!(": {t}"),
        (None, Some(d)) => format!(": {d}"),
        (None, None) => String::new(),
    }
}

impl ClientError {
    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A discovery resource (`GET /taxii2/`).
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// Human-readable name of the server.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The default API root's URL.
    #[serde(default)]
    pub default: Option<String>,
    /// The API roots' URLs.
    #[serde(default)]
    pub api_roots: Vec<String>,
}

/// An API root information resource.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiRoot {
    /// Human-readable name.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Supported TAXII versions (media types).
    #[serde(default)]
    pub versions: Vec<String>,
    /// The largest request body the root accepts.
    #[serde(default)]
    pub max_content_length: Option<u64>,
}

/// A collection resource.
#[derive(Debug, Clone, Deserialize)]
pub struct Collection {
    /// Its identifier (a UUID).
    pub id: String,
    /// Human-readable name.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Alternative name.
    #[serde(default)]
    pub alias: Option<String>,
    /// Whether the requester may read objects.
    pub can_read: bool,
    /// Whether the requester may add objects.
    pub can_write: bool,
    /// Media types of the objects.
    #[serde(default)]
    pub media_types: Vec<String>,
}

#[derive(Deserialize)]
struct Collections {
    #[serde(default)]
    collections: Vec<Collection>,
}

/// The filters and paging of a `GET objects` request.
#[derive(Debug, Clone, Default)]
pub struct ObjectsQuery {
    /// Only objects added after this timestamp (exclusive).
    pub added_after: Option<String>,
    /// At most this many objects (the server may send fewer).
    pub limit: Option<u32>,
    /// The `next` token of the previous page.
    pub next: Option<String>,
    /// `match[id]`: only these ids.
    pub ids: Vec<String>,
    /// `match[type]`: only these types.
    pub types: Vec<String>,
    /// `match[version]`: `first`, `last`, `all` or timestamps.
    pub versions: Vec<String>,
    /// `match[spec_version]`.
    pub spec_versions: Vec<String>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    more: bool,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    objects: Option<Box<RawValue>>,
}

/// One page of a `GET objects` answer.
#[derive(Debug)]
pub struct ObjectsPage {
    /// Whether the server has more objects for this query.
    pub more: bool,
    /// The token for the next page, when the server gives one.
    pub next: Option<String>,
    /// `X-TAXII-Date-Added-First`.
    pub date_added_first: Option<String>,
    /// `X-TAXII-Date-Added-Last`.
    pub date_added_last: Option<String>,
    objects: Option<Box<RawValue>>,
}

impl ObjectsPage {
    /// The envelope's `objects` array as the server sent it (`[]` when absent).
    pub fn objects_json(&self) -> &str {
        self.objects.as_deref().map_or("[]", RawValue::get)
    }

    /// The envelope's `objects` array as the server sent it, owned.
    pub fn into_objects_json(self) -> String {
        self.objects
            .map_or_else(|| "[]".to_string(), |o| Box::<str>::from(o).into_string())
    }

    /// Whether the page holds no object.
    pub fn is_empty(&self) -> bool {
        let s = self.objects_json().trim();
        s.len() <= 2 || s.trim_start_matches('[').trim_start().starts_with(']')
    }
}

/// A blocking TAXII 2.1 client. Cheap to clone; connections are pooled.
#[derive(Clone, Debug)]
pub struct Client {
    agent: ureq::Agent,
    auth: Auth,
}

/// `url` with exactly one trailing slash (TAXII URLs end in `/`).
pub fn with_slash(url: &str) -> String {
    format!("{}/", url.trim_end_matches('/'))
}

/// `reference` (absolute, or a path) resolved against `base`'s scheme and host.
fn resolve(base: &str, reference: &str) -> String {
    if reference.starts_with("http://") || reference.starts_with("https://") {
        return with_slash(reference);
    }
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    if reference.starts_with('/') {
        with_slash(&format!("{}{}", &base[..host_end], reference))
    } else {
        with_slash(&format!("{}{}", with_slash(base), reference))
    }
}

impl Client {
    /// A client with default timeouts (10 s to connect, 5 min a request).
    pub fn new(auth: Auth) -> Client {
        Client::with_timeouts(auth, Duration::from_secs(10), Duration::from_secs(300))
    }

    /// A client with these timeouts: to connect, and for a whole request.
    pub fn with_timeouts(auth: Auth, connect: Duration, request: Duration) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(connect))
            .timeout_global(Some(request))
            .user_agent(concat!("vigil/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            auth,
        }
    }

    /// GETs `url` with the TAXII `Accept` header; returns the status-checked
    /// response's headers and body.
    fn get_raw(
        &self,
        url: &str,
        query: &[(&str, String)],
    ) -> Result<(ureq::http::HeaderMap, Vec<u8>), ClientError> {
        let mut req = self.agent.get(url).header("Accept", TAXII_MEDIA_TYPE);
        if let Some(h) = self.auth.header() {
            req = req.header("Authorization", h);
        }
        for (k, v) in query {
            req = req.query(*k, v);
        }
        let transport = |e: ureq::Error| ClientError::Transport {
            url: url.to_string(),
            message: match e {
                ureq::Error::Io(io) => format!("cannot reach the server: {io}"),
                ureq::Error::Timeout(t) => format!("timed out ({t})"),
                ureq::Error::HostNotFound => "host not found".into(),
                e => e.to_string(),
            },
        };
        let mut resp = req.call().map_err(transport)?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(transport)?;
        if !(200..300).contains(&status) {
            let (title, description) = error_details(&body);
            return Err(ClientError::Status {
                url: url.to_string(),
                status,
                title,
                description,
            });
        }
        Ok((resp.headers().clone(), body))
    }

    fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, ClientError> {
        let (_, body) = self.get_raw(url, &[])?;
        parse(url, &body)
    }

    /// The discovery resource at `url`.
    pub fn discovery(&self, url: &str) -> Result<Discovery, ClientError> {
        self.get_json(&with_slash(url))
    }

    /// The API root information at `url`.
    pub fn api_root(&self, url: &str) -> Result<ApiRoot, ClientError> {
        self.get_json(&with_slash(url))
    }

    /// The API root `url` names: `url` itself when it is an API root, else,
    /// when it is a discovery URL, its `default` API root or its only one.
    pub fn api_root_url(&self, url: &str) -> Result<String, ClientError> {
        let url = with_slash(url);
        let value: serde_json::Value = self.get_json(&url)?;
        if value.get("versions").is_some() || value.get("max_content_length").is_some() {
            return Ok(url);
        }
        let discovery: Discovery =
            serde_json::from_value(value).map_err(|e| ClientError::BadResponse {
                url: url.clone(),
                message: format!("neither a TAXII discovery nor an API root resource: {e}"),
            })?;
        if let Some(d) = discovery.default.as_deref().filter(|d| !d.is_empty()) {
            return Ok(resolve(&url, d));
        }
        match discovery.api_roots.as_slice() {
            [only] => Ok(resolve(&url, only)),
            [] => Err(ClientError::BadResponse {
                url,
                message: "the discovery resource lists no API root".into(),
            }),
            many => Err(ClientError::BadResponse {
                url,
                message: format!(
                    "the discovery resource has no default API root; give one of: {}",
                    many.join(", ")
                ),
            }),
        }
    }

    /// The collections of an API root.
    pub fn collections(&self, api_root: &str) -> Result<Vec<Collection>, ClientError> {
        let url = format!("{}collections/", with_slash(api_root));
        Ok(self.get_json::<Collections>(&url)?.collections)
    }

    /// One collection of an API root.
    pub fn collection(&self, api_root: &str, id: &str) -> Result<Collection, ClientError> {
        self.get_json(&format!("{}collections/{id}/", with_slash(api_root)))
    }

    /// One page of a collection's objects.
    pub fn get_objects(
        &self,
        api_root: &str,
        collection: &str,
        q: &ObjectsQuery,
    ) -> Result<ObjectsPage, ClientError> {
        let url = format!("{}collections/{collection}/objects/", with_slash(api_root));
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(a) = &q.added_after {
            query.push(("added_after", a.clone()));
        }
        if let Some(l) = q.limit {
            query.push(("limit", l.to_string()));
        }
        if let Some(n) = &q.next {
            query.push(("next", n.clone()));
        }
        for (key, values) in [
            ("match[id]", &q.ids),
            ("match[type]", &q.types),
            ("match[version]", &q.versions),
            ("match[spec_version]", &q.spec_versions),
        ] {
            if !values.is_empty() {
                query.push((key, values.join(",")));
            }
        }
        let (headers, body) = self.get_raw(&url, &query)?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        // An empty body (some servers answer 204 or nothing) is an empty page.
        let envelope: Envelope = if body.iter().all(u8::is_ascii_whitespace) {
            Envelope {
                more: false,
                next: None,
                objects: None,
            }
        } else {
            parse(&url, &body)?
        };
        if let Some(o) = &envelope.objects {
            if !o.get().trim_start().starts_with('[') {
                return Err(ClientError::BadResponse {
                    url,
                    message: "the envelope's 'objects' is not an array".into(),
                });
            }
        }
        Ok(ObjectsPage {
            more: envelope.more,
            next: envelope.next.filter(|n| !n.is_empty()),
            date_added_first: header("X-TAXII-Date-Added-First"),
            date_added_last: header("X-TAXII-Date-Added-Last"),
            objects: envelope.objects,
        })
    }
}

fn parse<T: DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(body).map_err(|e| ClientError::BadResponse {
        url: url.to_string(),
        message: format!("not the TAXII resource expected: {e}"),
    })
}

/// The `title` and `description` of a TAXII error message, or the start of
/// whatever else the server sent.
fn error_details(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct ErrorMessage {
        title: Option<String>,
        description: Option<String>,
    }
    if let Ok(e) = serde_json::from_slice::<ErrorMessage>(body) {
        if e.title.is_some() || e.description.is_some() {
            return (e.title, e.description);
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return (None, None);
    }
    let short: String = text.chars().take(200).collect();
    (Some(short), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_api_roots() {
        assert_eq!(
            resolve("http://h:1/taxii2/", "http://h:1/api1/"),
            "http://h:1/api1/"
        );
        assert_eq!(resolve("http://h:1/taxii2/", "/api1"), "http://h:1/api1/");
        assert_eq!(
            resolve("http://h:1/taxii2", "api1"),
            "http://h:1/taxii2/api1/"
        );
    }

    #[test]
    fn names_taxii_errors() {
        let (t, d) = error_details(br#"{"title":"Unauthorized","description":"bad password"}"#);
        assert_eq!(t.as_deref(), Some("Unauthorized"));
        assert_eq!(d.as_deref(), Some("bad password"));
        let e = ClientError::Status {
            url: "http://h/x/".into(),
            status: 401,
            title: t,
            description: d,
        };
        assert_eq!(
            e.to_string(),
            "http://h/x/: HTTP 401: Unauthorized: bad password"
        );
        let (t, _) = error_details(b"<html>\n  Not  Found </html>");
        assert_eq!(t.as_deref(), Some("<html> Not Found </html>"));
    }

    #[test]
    fn keeps_objects_text() {
        let env: Envelope =
            serde_json::from_slice(br#"{"more":true,"next":"2","objects":[{"a": 1.50}]}"#).unwrap();
        let page = ObjectsPage {
            more: env.more,
            next: env.next,
            date_added_first: None,
            date_added_last: None,
            objects: env.objects,
        };
        assert_eq!(page.objects_json(), r#"[{"a": 1.50}]"#);
        assert!(!page.is_empty());
        let auth = Auth::Basic {
            user: "u".into(),
            password: "p".into(),
        };
        assert_eq!(auth.header().unwrap(), "Basic dTpw");
        assert!(!format!("{auth:?}").contains('p'));
    }
}
