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

#[path = "leak/model.rs"]
mod model;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use model::*;
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
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

    /// The graph edges this principal may see: from visible current versions,
    /// through references still present in what it sees, between visible objects.
    /// (source, target, rel, via).
    fn edges(&self) -> BTreeSet<(String, String, String, String)> {
        let current = self.current();
        let mut out = BTreeSet::new();
        for (id, v) in &current {
            let mut add = |s: &str, t: &str, rel: &str| {
                if current.contains_key(s) && current.contains_key(t) {
                    out.insert((s.to_owned(), t.to_owned(), rel.to_owned(), id.clone()));
                }
            };
            if v["type"] == "relationship" {
                // The edge is the relationship's three parts; with any of them
                // removed, showing it would tell what was removed.
                if let (Some(s), Some(t), Some(rel)) = (
                    v["source_ref"].as_str(),
                    v["target_ref"].as_str(),
                    v["relationship_type"].as_str(),
                ) {
                    add(s, t, rel);
                }
                continue;
            }
            if let Some(t) = v["x_vigil_peer_ref"].as_str() {
                add(id, t, "x_vigil_peer_ref");
            }
            for t in v["object_refs"].as_array().into_iter().flatten() {
                add(id, t.as_str().unwrap_or(""), "object_refs");
            }
        }
        out
    }
}

impl Expected<'_> {
    /// Why the oracle does not count an edge as visible.
    fn why_not(&self, (s, t, rel, via): &(String, String, String, String)) -> String {
        let current = self.current();
        let mut why = Vec::new();
        match current.get(via) {
            None => why.push(format!("{via} is hidden")),
            Some(v)
                if !v
                    .to_string()
                    .contains(&format!("\"{}\"", if s == via { t } else { s })) =>
            {
                why.push(format!(
                    "the reference is removed from what {via} shows ({rel})"
                ))
            }
            Some(v)
                if v["type"] == "relationship"
                    && ["source_ref", "target_ref", "relationship_type"]
                        .iter()
                        .any(|k| v[*k].is_null()) =>
            {
                why.push(format!(
                    "source_ref, target_ref or relationship_type is removed from what {via} shows"
                ))
            }
            Some(_) => {}
        }
        for end in [s, t] {
            if !current.contains_key(end) {
                why.push(format!("{end} is hidden"));
            }
        }
        if why.is_empty() {
            why.push(
                "visible, but beyond the depth asked for: reached through a hidden shorter path"
                    .into(),
            );
        }
        why.join("; ")
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

async fn check_taxii(s: &mut Session<'_>, e: &Expected<'_>, f: &mut Findings) {
    let base = format!("/taxii2/api/collections/{COLLECTION}");
    let current = e.current();
    let all = e.all_versions();
    let who = e.who;

    // Objects, default `match[version]=last`, in pages of 3.
    let got = s.pages(&format!("{base}/objects/?limit=3"), f).await;
    same_objects(f, "taxii objects", who, &got, &current);

    // Every version, in pages of 4.
    let got = s
        .pages(&format!("{base}/objects/?limit=4&match[version]=all"), f)
        .await;
    // Which version a received object is: the one whose view it equals (its
    // `modified` may have been removed by a granular marking).
    let mut keys = BTreeSet::new();
    for o in &got {
        let id = o["id"].as_str().unwrap_or("");
        let mut candidates = all.iter().filter(|((i, _), _)| i == id).peekable();
        if candidates.peek().is_none() {
            f.add(
                "hidden version returned",
                format!("taxii all versions: {o}"),
            );
            continue;
        }
        let bare = without_granular(o);
        match candidates.find(|(k, w)| **w == bare && !keys.contains(*k)) {
            Some((k, _)) => {
                keys.insert(k.clone());
                if let Some(problem) = check_granular(who, o) {
                    f.add(
                        "granular_markings received",
                        format!("taxii all versions: {problem} in {o}"),
                    );
                }
            }
            None => f.add(
                "object content differs from the oracle",
                format!("taxii all versions: {o} is no visible version's view"),
            ),
        }
    }
    for k in all.keys().filter(|k| !keys.contains(*k)) {
        f.add(
            "visible version missing",
            format!("taxii all versions: {k:?}"),
        );
    }

    // The manifest.
    let got = s.pages(&format!("{base}/manifest/?limit=3"), f).await;
    let mut ids = BTreeSet::new();
    for r in &got {
        let id = r["id"].as_str().unwrap_or("").to_owned();
        if !current.contains_key(&id) {
            f.add("hidden object in manifest", id.clone());
        } else {
            let want = instant(e.world.versions(&id).last().unwrap().modified.as_str());
            if instant(r["version"].as_str().unwrap_or("")) != want {
                f.add("manifest version", format!("{id}: {r}"));
            }
        }
        ids.insert(id);
    }
    for id in current.keys().filter(|id| !ids.contains(*id)) {
        f.add("visible object missing from manifest", id.clone());
    }

    // Each object by id, and its versions.
    for versions in &e.world.objects {
        let id = &versions[0].id;
        let path = format!("{base}/objects/{id}/");
        let (status, body) = s.json(&path, TAXII_ACCEPT).await;
        match current.get(id) {
            None if status != StatusCode::NOT_FOUND => f.add(
                "hidden object by id (taxii)",
                format!("{path}: {status} {body}"),
            ),
            Some(_) if status != StatusCode::OK => f.add(
                "visible object by id refused (taxii)",
                format!("{path}: {status} {body}"),
            ),
            Some(w) => {
                let list = body["objects"].as_array().cloned().unwrap_or_default();
                let one: BTreeMap<String, Value> = [(id.clone(), w.clone())].into();
                same_objects(f, &path, who, &list, &one);
            }
            None => {}
        }
        let path = format!("{base}/objects/{id}/versions/");
        let want: Vec<String> = versions
            .iter()
            .filter(|o| e.view(o).is_some())
            .map(|o| instant(&o.modified))
            .collect();
        let (status, body) = s.json(&path, TAXII_ACCEPT).await;
        if want.is_empty() {
            if status != StatusCode::NOT_FOUND {
                f.add(
                    "hidden versions listed (taxii)",
                    format!("{path}: {status} {body}"),
                );
            }
        } else {
            let got: Vec<String> = body["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| instant(v.as_str().unwrap_or("")))
                .collect();
            let (mut g, mut w) = (got.clone(), want.clone());
            g.sort();
            w.sort();
            if g != w {
                f.add(
                    "versions (taxii)",
                    format!("{path}: got {got:?}, want {want:?}"),
                );
            }
        }
    }
}

async fn check_api(s: &mut Session<'_>, e: &Expected<'_>, f: &mut Findings) {
    let who = e.who;
    let current = e.current();

    for (i, versions) in e.world.objects.iter().enumerate() {
        let id = &versions[0].id;
        // The object, by STIX id and (for SDOs) by external id.
        let mut keys = vec![(id.clone(), current.get(id))];
        if versions[0].object_type != "relationship" {
            let ext = ext_id(i);
            let still = current
                .get(id)
                .filter(|v| v.to_string().contains(&format!("\"{ext}\"")));
            keys.push((ext, still));
        }
        for (key, want) in keys {
            let path = format!("/api/v1/objects/{key}");
            let (status, body) = s.json(&path, "application/json").await;
            match want {
                None if status != StatusCode::NOT_FOUND => f.add(
                    "hidden object by id (api)",
                    format!("{path}: {status} {body}"),
                ),
                Some(_) if status != StatusCode::OK => f.add(
                    "visible object by id refused (api)",
                    format!("{path}: {status} {body}"),
                ),
                Some(w) => same_object(f, &path, who, &body, w),
                None => {}
            }
        }
        // History: every visible version, oldest first.
        let path = format!("/api/v1/objects/{id}/history");
        let want: Vec<Value> = versions.iter().filter_map(|o| e.view(o)).collect();
        let (status, body) = s.json(&path, "application/json").await;
        if want.is_empty() {
            if status != StatusCode::NOT_FOUND {
                f.add("hidden history (api)", format!("{path}: {status} {body}"));
            }
        } else {
            let got = body["versions"].as_array().cloned().unwrap_or_default();
            if got.len() != want.len() {
                f.add(
                    "history versions (api)",
                    format!(
                        "{path}: got {} versions, want {}: {body}",
                        got.len(),
                        want.len()
                    ),
                );
            } else {
                for (g, w) in got.iter().zip(&want) {
                    same_object(f, &path, who, g, w);
                }
            }
        }
    }

    // Search with no words: every visible object.
    let (_, body) = s
        .json("/api/v1/search?q=&limit=1000", "application/json")
        .await;
    let hits = body["hits"].as_array().cloned().unwrap_or_default();
    let objects: Vec<Value> = hits.iter().map(|h| h["object"].clone()).collect();
    same_objects(f, "search q=", who, &objects, &current);
    for h in &hits {
        let id = h["id"].as_str().unwrap_or("");
        if let Some(w) = current.get(id) {
            if h["name"] != w.get("name").cloned().unwrap_or(Value::Null) {
                f.add("search hit name", format!("{id}: {h}"));
            }
        }
    }

    // Search for each word of each object's indexed text: a hit only where the
    // word is in what the principal sees.
    for (i, versions) in e.world.objects.iter().enumerate() {
        let cur = versions.last().unwrap();
        if cur.object_type == "relationship" {
            continue;
        }
        let words = [
            format!("nm{i:03}z"),
            format!("als{i:03}bz"),
            format!("dsc{i:03}v{}z", versions.len() - 1),
            ext_id(i),
        ];
        for word in words {
            let path = format!("/api/v1/search?q={word}&limit=50");
            let (_, body) = s.json(&path, "application/json").await;
            let got: BTreeSet<String> = body["hits"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| h["id"].as_str().map(str::to_owned))
                .collect();
            let want: BTreeSet<String> = current
                .get(&cur.id)
                .filter(|v| v.to_string().contains(word.as_str()))
                .map(|_| cur.id.clone())
                .into_iter()
                .collect();
            if got != want {
                let kind = if got.len() > want.len() {
                    "search matches text the principal may not see"
                } else {
                    "search misses a visible object"
                };
                f.add(kind, format!("{path}: got {got:?}, want {want:?}"));
            }
        }
    }

    // Neighbours from every object, one and two hops.
    let edges = e.edges();
    for (i, versions) in e.world.objects.iter().enumerate() {
        let root = &versions[0].id;
        for depth in [1, 2] {
            if depth == 2 && i % 3 != 0 {
                continue;
            }
            let path = format!("/api/v1/objects/{root}/neighbors?depth={depth}");
            let (status, body) = s.json(&path, "application/json").await;
            if !current.contains_key(root) {
                if status != StatusCode::NOT_FOUND {
                    f.add("hidden neighbors root (api)", format!("{path}: {status}"));
                }
                continue;
            }
            // Breadth-first over the visible graph.
            let mut dist: HashMap<&str, usize> = HashMap::from([(root.as_str(), 0)]);
            let mut queue = VecDeque::from([root.as_str()]);
            while let Some(n) = queue.pop_front() {
                let d = dist[n];
                if d == depth {
                    continue;
                }
                for (s_, t, _, _) in &edges {
                    let other = if s_ == n {
                        t.as_str()
                    } else if t == n {
                        s_.as_str()
                    } else {
                        continue;
                    };
                    if !dist.contains_key(other) {
                        dist.insert(other, d + 1);
                        queue.push_back(other);
                    }
                }
            }
            let want_nodes: BTreeMap<String, usize> =
                dist.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let want_edges: BTreeSet<_> = edges
                .iter()
                .filter(|(s_, t, _, _)| {
                    dist.get(s_.as_str()).is_some_and(|d| *d < depth)
                        || dist.get(t.as_str()).is_some_and(|d| *d < depth)
                })
                .cloned()
                .collect();
            let got_nodes: BTreeMap<String, usize> = body["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| {
                    (
                        n["id"].as_str().unwrap_or("").to_owned(),
                        n["depth"].as_u64().unwrap_or(99) as usize,
                    )
                })
                .collect();
            let got_edges: BTreeSet<_> = body["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    let s = |k: &str| e[k].as_str().unwrap_or("").to_owned();
                    (s("source"), s("target"), s("rel"), s("via"))
                })
                .collect();
            let (gk, wk): (BTreeSet<_>, BTreeSet<_>) =
                (got_nodes.keys().collect(), want_nodes.keys().collect());
            for n in gk.difference(&wk) {
                f.add("neighbors node beyond clearance", format!("{path}: {n}"));
            }
            for n in wk.difference(&gk) {
                f.add("neighbors node missing", format!("{path}: {n}"));
            }
            for (n, d) in &got_nodes {
                if want_nodes.get(n).is_some_and(|w| w != d) {
                    f.add(
                        "neighbors node depth counts hidden paths",
                        format!(
                            "{path}: {n} at depth {d}, {} through what is visible",
                            want_nodes[n]
                        ),
                    );
                }
            }
            for x in got_edges.difference(&want_edges) {
                f.add(
                    "neighbors edge beyond clearance",
                    format!("{path}: {x:?} ({})", e.why_not(x)),
                );
            }
            for x in want_edges.difference(&got_edges) {
                f.add("neighbors edge missing", format!("{path}: {x:?}"));
            }
            for n in body["nodes"].as_array().into_iter().flatten() {
                let id = n["id"].as_str().unwrap_or("");
                if let Some(w) = current.get(id) {
                    if n["name"] != w.get("name").cloned().unwrap_or(Value::Null) {
                        f.add("neighbors node name", format!("{path}: {n}"));
                    }
                }
            }
        }
    }

    // Stats.
    let (_, body) = s.json("/api/v1/stats", "application/json").await;
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    for id in current.keys() {
        *by_type
            .entry(id.split("--").next().unwrap().to_owned())
            .or_default() += 1;
    }
    let got_types: BTreeMap<String, u64> =
        serde_json::from_value(body["by_type"].clone()).unwrap_or_default();
    if got_types != by_type || body["objects"] != current.len() {
        f.add(
            "stats objects counted beyond clearance",
            format!(
                "got {} {got_types:?}, want {} {by_type:?}",
                body["objects"],
                current.len()
            ),
        );
    }
    // `versions` and `edges` may be left out for a principal; if given, they
    // count only what it may see.
    let versions = e.all_versions().len();
    if !body["versions"].is_null() && body["versions"] != versions {
        f.add(
            "stats versions counted beyond clearance",
            format!("got {}, want {versions} visible versions", body["versions"]),
        );
    }
    if !body["edges"].is_null() && body["edges"] != edges.len() {
        f.add(
            "stats edges counted beyond clearance",
            format!("got {}, want {} visible edges", body["edges"], edges.len()),
        );
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
