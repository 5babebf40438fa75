//! Leak test of every read path of the server (issue 4): random objects with
//! random object and granular markings, random principals, and for each
//! principal every TAXII and JSON API read compared with an oracle
//! (`leak/model.rs`) that never calls `vigil_access::view`.
//!
//! What is compared: each object received, without its `granular_markings`,
//! must equal the stored version with exactly the properties, list items and
//! nested properties removed that granular markings the principal is not
//! cleared for select; the `granular_markings` received must name only covered
//! markings and every selector kept must select something in what was
//! received. Which objects, versions, manifest records, search hits, neighbour
//! nodes and edges come back must be exactly what the clearance covers, stats
//! must count only that, and no token (name, description, alias, label,
//! external id, nested value, marking id) that the principal may see in no
//! version may appear in any answer. A user outside the collection's read
//! group gets 403 on the collection's TAXII endpoints.

#[path = "leak/api.rs"]
mod api;
#[path = "leak/model.rs"]
mod model;
#[path = "leak/taxii.rs"]
mod taxii;

use api::check_api;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use model::*;
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use taxii::check_taxii;
use tower::ServiceExt;
use vigil_access::secrets::{new_token, token_digest};
use vigil_store::Accounts;

/// Users log in with tokens here; no password is ever checked.
const NO_PASSWORD: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0000000000000000000000000000000000000000000";
const TAXII_ACCEPT: &str = "application/taxii+json;version=2.1";

/// A temporary data directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("vigil-leak-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What went wrong in one case, by kind; a few examples of each are shown.
#[derive(Default)]
struct Findings(BTreeMap<&'static str, Vec<String>>);

impl Findings {
    fn add(&mut self, kind: &'static str, what: String) {
        self.0.entry(kind).or_default().push(what);
    }

    /// Three examples of each kind; all of them with `LEAK_ALL=1`.
    fn report(&self) -> String {
        let shown = match std::env::var_os("LEAK_ALL") {
            Some(_) => usize::MAX,
            None => 3,
        };
        let mut out = String::new();
        for (kind, all) in &self.0 {
            out.push_str(&format!("\n== {kind}: {} time(s)\n", all.len()));
            for w in all.iter().take(shown) {
                out.push_str(&format!("   {w}\n"));
            }
        }
        out
    }
}

/// One principal's session: its token and every body it received.
struct Session<'a> {
    app: &'a Router,
    token: String,
    /// (request path, answer)
    bodies: Vec<(String, String)>,
}

impl Session<'_> {
    async fn get(&mut self, path: &str, accept: &str) -> (StatusCode, String) {
        let mut req = Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        self.bodies.push((path.to_owned(), text.clone()));
        (status, text)
    }

    async fn json(&mut self, path: &str, accept: &str) -> (StatusCode, Value) {
        let (status, text) = self.get(path, accept).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Every page of a TAXII list (`objects` or `manifest`), following `next`.
    async fn pages(&mut self, path: &str, f: &mut Findings) -> Vec<Value> {
        let mut all = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..200 {
            let url = match &next {
                None => path.to_owned(),
                Some(n) => format!("{path}&next={n}"),
            };
            let (status, page) = self.json(&url, TAXII_ACCEPT).await;
            if status != StatusCode::OK {
                f.add("taxii page failed", format!("{url}: {status} {page}"));
                return all;
            }
            all.extend(page["objects"].as_array().cloned().unwrap_or_default());
            match (page["more"].as_bool(), page["next"].as_str()) {
                (Some(true), Some(n)) => next = Some(n.to_owned()),
                _ => return all,
            }
        }
        f.add("taxii paging", format!("{path}: more than 200 pages"));
        all
    }
}

/// What one principal must see: each object's visible versions.
struct Expected<'w> {
    world: &'w World,
    who: &'w Cleared,
}

impl Expected<'_> {
    fn view(&self, o: &Obj) -> Option<Value> {
        expect(self.world.default, self.who, &o.value).map(Value::Object)
    }

    /// The current version's view of each object, by id.
    fn current(&self) -> BTreeMap<String, Value> {
        self.world
            .current()
            .filter_map(|o| Some((o.id.clone(), self.view(o)?)))
            .collect()
    }

    /// Every visible version's view, by (id, instant of modified).
    fn all_versions(&self) -> BTreeMap<(String, String), Value> {
        self.world
            .objects
            .iter()
            .flatten()
            .filter_map(|o| Some(((o.id.clone(), instant(&o.modified)), self.view(o)?)))
            .collect()
    }
}

/// Compares a received object with the oracle's view.
fn same_object(f: &mut Findings, path: &str, who: &Cleared, got: &Value, want: &Value) {
    if without_granular(got) != *want {
        f.add(
            "object content differs from the oracle",
            format!("{path}: got {got}, want {want}"),
        );
    }
    if let Some(problem) = check_granular(who, got) {
        f.add(
            "granular_markings received",
            format!("{path}: {problem} in {got}"),
        );
    }
}

/// A list of objects compared with the expected views by id.
fn same_objects(
    f: &mut Findings,
    path: &str,
    who: &Cleared,
    got: &[Value],
    want: &BTreeMap<String, Value>,
) {
    let mut ids = BTreeSet::new();
    for o in got {
        let id = o["id"].as_str().unwrap_or("").to_owned();
        if !ids.insert(id.clone()) {
            f.add("duplicate object", format!("{path}: {id} twice"));
        }
        match want.get(&id) {
            Some(w) => same_object(f, path, who, o, w),
            None => f.add("hidden object returned", format!("{path}: {id}")),
        }
    }
    for id in want.keys().filter(|id| !ids.contains(*id)) {
        f.add("visible object missing", format!("{path}: {id}"));
    }
}

/// No answer holds a token the principal may see in no version (other than one
/// the request itself named).
fn check_tokens(s: &Session<'_>, e: &Expected<'_>, f: &mut Findings) {
    let forbidden = forbidden(e.world, e.who);
    for (path, body) in &s.bodies {
        // An error may name what was asked for.
        for t in forbidden.iter().filter(|t| !path.contains(t.as_str())) {
            if body.contains(t.as_str()) {
                let at = body.find(t.as_str()).unwrap();
                let from = body[..at]
                    .char_indices()
                    .rev()
                    .nth(80)
                    .map_or(0, |(i, _)| i);
                let to = (at + 80).min(body.len());
                let to = (to..=body.len())
                    .find(|&i| body.is_char_boundary(i))
                    .unwrap();
                f.add(
                    "forbidden text in an answer",
                    format!("{t} in …{}…", &body[from..to]),
                );
            }
        }
    }
}

async fn run_case(world: &World) -> Findings {
    let dir = TempDir::new();
    world.store(&dir.0);
    let accounts = Accounts::open(&dir.0).unwrap();
    let mut tokens = Vec::new();
    for (k, who) in world.principals.iter().enumerate() {
        let name = format!("p{k}");
        accounts
            .add_user(&name, NO_PASSWORD, &[READERS.to_owned()], &who.items())
            .unwrap();
        let token = new_token();
        accounts
            .add_token(&name, &token_digest(&token), None)
            .unwrap();
        tokens.push(token);
    }
    accounts
        .add_user("outsider", NO_PASSWORD, &[], &["TLP:RED".to_owned()])
        .unwrap();
    let outsider = new_token();
    accounts
        .add_token("outsider", &token_digest(&outsider), None)
        .unwrap();
    drop(accounts);

    let (app, _) = vigil_server::app(dir.0.clone(), &vigil_server::Options::default()).unwrap();
    let mut f = Findings::default();
    for (who, token) in world.principals.iter().zip(tokens) {
        let e = Expected { world, who };
        let mut s = Session {
            app: &app,
            token,
            bodies: Vec::new(),
        };
        check_taxii(&mut s, &e, &mut f).await;
        check_api(&mut s, &e, &mut f).await;
        check_tokens(&s, &e, &mut f);
    }

    // Outside the read group: 403 on the collection, and it is not listed.
    let mut s = Session {
        app: &app,
        token: outsider,
        bodies: Vec::new(),
    };
    let base = format!("/taxii2/api/collections/{COLLECTION}");
    let some = &world.objects[0][0].id;
    for path in [
        format!("{base}/"),
        format!("{base}/objects/"),
        format!("{base}/manifest/"),
        format!("{base}/objects/{some}/"),
        format!("{base}/objects/{some}/versions/"),
    ] {
        let (status, body) = s.get(&path, TAXII_ACCEPT).await;
        if status != StatusCode::FORBIDDEN {
            f.add("outsider not refused", format!("{path}: {status} {body}"));
        }
    }
    let (_, body) = s.get("/taxii2/api/collections/", TAXII_ACCEPT).await;
    if body.contains(COLLECTION) {
        f.add("outsider sees the collection listed", body);
    }
    f
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

proptest! {
    // Each case builds a store and makes ~1,000 requests; shrinking is bounded
    // for the same reason.
    #![proptest_config(ProptestConfig {
        cases: 24,
        max_shrink_iters: 48,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_read_path_leaks_and_none_hides_too_much(spec in world()) {
        let world = World::build(&spec);
        let f = runtime().block_on(run_case(&world));
        prop_assert!(f.0.is_empty(), "{}", f.report());
    }
}

/// The oracle's own sanity: it sees everything at RED with every compartment,
/// and hides what a marking it lacks covers.
#[test]
fn oracle_agrees_with_the_issue_on_simple_cases() {
    let all = Cleared {
        level: 4,
        compartments: vec![0, 1, 2],
    };
    let clear = Cleared {
        level: 0,
        compartments: vec![],
    };
    let mut o = Map::new();
    o.insert("id".into(), "x--1".into());
    o.insert("name".into(), "n".into());
    assert!(expect(DEFAULTS[0], &all, &o).is_some());
    assert!(
        expect(DEFAULTS[2], &clear, &o).is_none(),
        "unmarked follows the default"
    );
    o.insert(
        "object_marking_refs".into(),
        serde_json::json!([vigil_access::tlp::TLP1_AMBER]),
    );
    assert!(expect(DEFAULTS[0], &clear, &o).is_none(), "TLP 1.0 AMBER");
    let amber = Cleared {
        level: 2,
        compartments: vec![],
    };
    assert!(expect(DEFAULTS[0], &amber, &o).is_some());
    o.insert(
        "granular_markings".into(),
        serde_json::json!([{"marking_ref": COMPARTMENTS[1], "selectors": ["name"]}]),
    );
    let seen = expect(DEFAULTS[0], &amber, &o).unwrap();
    assert!(!seen.contains_key("name") && !seen.contains_key("granular_markings"));
    assert!(expect(DEFAULTS[0], &all, &o).unwrap().contains_key("name"));
}
