//! Who is asking: HTTP Basic (argon2-hashed passwords) or Bearer tokens, the
//! anonymous loopback mode while no user exists, and rate limiting of failed
//! logins. The middleware adds the request's `Principal` as an extension;
//! handlers never look at credentials.
//!
//! Verifying an argon2 hash costs tens of milliseconds by design, so a
//! successful Basic login is remembered (keyed by a SHA-256 of the user name and
//! password, never the password itself) until the accounts database changes;
//! token lookups are remembered the same way. Any change to access.db (a user
//! added or removed, a token revoked, by this process or the CLI) bumps its
//! generation, which every request compares, and empties both caches.

use crate::audit::AuditSink;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vigil_access::secrets::{sha256_hex, token_digest, verify_password};
use vigil_access::{Clearance, Principal};
use vigil_store::{Accounts, AuditEntry};

/// Failed logins for one key (an address and a user name, or an address
/// presenting tokens) within [`WINDOW`] before that key is refused.
const MAX_FAILURES: u32 = 5;
/// The window failures are counted in, and how long an address is refused.
const WINDOW: Duration = Duration::from_secs(60);

/// The user-name part of the rate-limit key for failed token logins.
const TOKEN_KEY: &str = "(token)";

#[derive(Default)]
struct Cache {
    generation: Option<u64>,
    users_exist: bool,
    basic: HashMap<String, Arc<Principal>>,
    tokens: HashMap<String, Arc<Principal>>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
    blocked_until: Option<Instant>,
}

/// The authentication state of a server.
pub struct Auth {
    accounts: Mutex<Accounts>,
    cache: Mutex<Cache>,
    failures: Mutex<HashMap<(IpAddr, String), Failures>>,
    audit: AuditSink,
}

/// Why a request is refused.
enum Refusal {
    Unauthorized(String),
    TooMany(Duration),
    Internal(String),
}

impl Auth {
    /// Authentication against the accounts in `accounts`.
    pub fn new(accounts: Accounts, audit: AuditSink) -> Auth {
        Auth {
            accounts: Mutex::new(accounts),
            cache: Mutex::new(Cache::default()),
            failures: Mutex::new(HashMap::new()),
            audit,
        }
    }

    /// Where this server's audit entries go.
    pub fn audit(&self) -> &AuditSink {
        &self.audit
    }

    /// Whether any user exists (as of the accounts database now).
    pub fn users_exist(&self) -> Result<bool, String> {
        self.refresh()?;
        Ok(self.cache.lock().map(|c| c.users_exist).unwrap_or(true))
    }

    /// Empties the caches when the accounts database changed.
    fn refresh(&self) -> Result<(), String> {
        let accounts = self.accounts.lock().map_err(|e| e.to_string())?;
        let generation = accounts.generation().map_err(|e| e.to_string())?;
        let mut cache = self.cache.lock().map_err(|e| e.to_string())?;
        if cache.generation != Some(generation) {
            let users = accounts.user_count().map_err(|e| e.to_string())?;
            *cache = Cache {
                generation: Some(generation),
                users_exist: users > 0,
                ..Cache::default()
            };
        }
        Ok(())
    }

    fn blocked(&self, ip: IpAddr, user: &str) -> Option<Duration> {
        let f = self.failures.lock().ok()?;
        let until = f.get(&(ip, user.to_string()))?.blocked_until?;
        until.checked_duration_since(Instant::now())
    }

    fn failed(&self, ip: IpAddr, user: &str, why: &str) {
        if let Ok(mut all) = self.failures.lock() {
            let now = Instant::now();
            let f = all.entry((ip, user.to_string())).or_insert(Failures {
                count: 0,
                since: now,
                blocked_until: None,
            });
            if now.duration_since(f.since) > WINDOW {
                *f = Failures {
                    count: 0,
                    since: now,
                    blocked_until: None,
                };
            }
            f.count += 1;
            if f.count >= MAX_FAILURES {
                f.blocked_until = Some(now + WINDOW);
            }
            if all.len() > 100_000 {
                all.retain(|_, f| now.duration_since(f.since) <= WINDOW);
            }
        }
        self.audit.record(AuditEntry {
            time: String::new(),
            actor: user.to_string(),
            action: "login-failure".into(),
            target: "http".into(),
            detail: why.to_string(),
            remote: Some(ip.to_string()),
        });
    }

    /// The principal of a user, from the accounts database.
    fn principal_of(&self, name: &str) -> Result<Option<(Principal, String)>, String> {
        let accounts = self.accounts.lock().map_err(|e| e.to_string())?;
        let Some(user) = accounts.user(name).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        // A clearance the store no longer understands admits nobody (fail closed).
        let clearance = Clearance::parse(&user.clearances).map_err(|e| {
            format!("user {name}: the stored clearance is not understood ({e}); fix it with the admin commands")
        })?;
        Ok(Some((
            Principal {
                name: user.name.clone(),
                clearance,
                groups: user.groups.clone(),
                full: false,
            },
            user.password_phc,
        )))
    }

    async fn basic(self: &Arc<Self>, ip: IpAddr, encoded: &str) -> Result<Arc<Principal>, Refusal> {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| Refusal::Unauthorized("malformed Basic credentials".into()))?;
        let Some((user, password)) = decoded.split_once(':') else {
            return Err(Refusal::Unauthorized("malformed Basic credentials".into()));
        };
        if let Some(wait) = self.blocked(ip, user) {
            return Err(Refusal::TooMany(wait));
        }
        let key = sha256_hex(format!("{user}\0{password}").as_bytes());
        if let Some(p) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.basic.get(&key).cloned())
        {
            return Ok(p);
        }
        let found = self.principal_of(user).map_err(Refusal::Internal)?;
        let (user, password) = (user.to_string(), password.to_string());
        let ok = match &found {
            Some((_, phc)) => {
                let phc = phc.clone();
                let pw = password.clone();
                tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
                    .await
                    .unwrap_or(false)
            }
            None => {
                // Spend the same time on unknown users as on known ones.
                let _ = tokio::task::spawn_blocking(move || {
                    verify_password(&password, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0000000000000000000000000000000000000000000")
                })
                .await;
                false
            }
        };
        match (ok, found) {
            (true, Some((p, _))) => {
                let p = Arc::new(p);
                if let Ok(mut c) = self.cache.lock() {
                    c.basic.insert(key, p.clone());
                }
                Ok(p)
            }
            _ => {
                self.failed(ip, &user, "wrong user name or password");
                Err(Refusal::Unauthorized("wrong user name or password".into()))
            }
        }
    }

    fn bearer(&self, ip: IpAddr, token: &str) -> Result<Arc<Principal>, Refusal> {
        if let Some(wait) = self.blocked(ip, TOKEN_KEY) {
            return Err(Refusal::TooMany(wait));
        }
        let digest = token_digest(token.trim());
        if let Some(p) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.tokens.get(&digest).cloned())
        {
            return Ok(p);
        }
        let user = {
            let accounts = self
                .accounts
                .lock()
                .map_err(|e| Refusal::Internal(e.to_string()))?;
            accounts
                .token_user(&digest)
                .map_err(|e| Refusal::Internal(e.to_string()))?
        };
        let found = match user {
            Some(u) => self.principal_of(&u).map_err(Refusal::Internal)?,
            None => None,
        };
        match found {
            Some((p, _)) => {
                let p = Arc::new(p);
                if let Ok(mut c) = self.cache.lock() {
                    c.tokens.insert(digest, p.clone());
                }
                Ok(p)
            }
            None => {
                self.failed(ip, TOKEN_KEY, "unknown or revoked token");
                Err(Refusal::Unauthorized("unknown or revoked token".into()))
            }
        }
    }

    async fn principal(
        self: &Arc<Self>,
        ip: IpAddr,
        authorization: Option<&HeaderValue>,
    ) -> Result<Arc<Principal>, Refusal> {
        self.refresh().map_err(Refusal::Internal)?;
        let users_exist = self.cache.lock().map(|c| c.users_exist).unwrap_or(true);
        let Some(value) = authorization else {
            if !users_exist && ip.is_loopback() {
                return Ok(Arc::new(Principal::full("anonymous")));
            }
            return Err(Refusal::Unauthorized(if users_exist {
                "credentials required (HTTP Basic or a Bearer token from `vigil user token`)".into()
            } else {
                "no user exists yet, so only loopback clients are served; create one with `vigil user add`".into()
            }));
        };
        let value = value
            .to_str()
            .map_err(|_| Refusal::Unauthorized("malformed Authorization header".into()))?;
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            self.basic(ip, rest).await
        } else if scheme.eq_ignore_ascii_case("bearer") {
            self.bearer(ip, rest)
        } else {
            Err(Refusal::Unauthorized(format!(
                "unsupported authorization scheme '{scheme}'; use Basic or Bearer"
            )))
        }
    }
}

/// An error response in the style of the route asked for: TAXII error
/// messages under `/taxii2/`, `{"error": ...}` elsewhere.
fn refuse(path: &str, status: StatusCode, title: &'static str, message: &str) -> Response {
    if path.starts_with("/taxii2") {
        vigil_taxii::server::TaxiiError::new(status, title, message).into_response()
    } else {
        (status, axum::Json(json!({ "error": message }))).into_response()
    }
}

/// The middleware: every route but `/healthz` needs a principal.
pub async fn authenticate(
    State(auth): State<Arc<Auth>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    if path == "/healthz" {
        return next.run(req).await;
    }
    match auth
        .principal(peer.ip(), req.headers().get(header::AUTHORIZATION))
        .await
    {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(Refusal::Unauthorized(m)) => {
            let mut r = refuse(&path, StatusCode::UNAUTHORIZED, "Unauthorized", &m);
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Vigil\", Bearer realm=\"Vigil\""),
            );
            r
        }
        Err(Refusal::TooMany(wait)) => {
            let mut r = refuse(
                &path,
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "too many failed logins for this user from this address; wait and try again",
            );
            if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Err(Refusal::Internal(m)) => {
            tracing::error!("authentication failed: {m}");
            refuse(
                &path,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                &m,
            )
        }
    }
}
