//! The JSON API's read paths: objects by STIX and external id, history,
//! search (listing and words), neighbours and stats.

use crate::model::*;
use crate::{same_object, same_objects, Expected, Findings, Session};
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

impl Expected<'_> {
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

pub(crate) async fn check_api(s: &mut Session<'_>, e: &Expected<'_>, f: &mut Findings) {
    check_objects(s, e, f).await;
    check_search(s, e, f).await;
    check_neighbors(s, e, f).await;
    check_stats(s, e, f).await;
}

/// Each object by STIX id and (for SDOs) by external id, and its history.
async fn check_objects(s: &mut Session<'_>, e: &Expected<'_>, f: &mut Findings) {
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
}

/// Search: the listing (no words), then each word of each object's indexed text.
async fn check_search(s: &mut Session<'_>, e: &Expected<'_>, f: &mut Findings) {
    let who = e.who;
    let current = e.current();
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
}

/// Neighbours from every object, one hop; two hops from every third.
async fn check_neighbors(s: &mut Session<'_>, e: &Expected<'_>, f: &mut Findings) {
    let current = e.current();
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
}

/// Stats count only what the principal may see.
async fn check_stats(s: &mut Session<'_>, e: &Expected<'_>, f: &mut Findings) {
    let current = e.current();
    let edges = e.edges();
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
