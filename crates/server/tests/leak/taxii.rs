//! The TAXII read paths: objects (every page, last and all versions), the
//! manifest, each object by id and its versions.

use crate::model::*;
use crate::{same_objects, Expected, Findings, Session, TAXII_ACCEPT};
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) async fn check_taxii(s: &mut Session<'_>, e: &Expected<'_>, f: &mut Findings) {
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
