//! The leak tests' world: random STIX objects with random object and granular
//! markings, random principals, a store holding them, and an oracle that says
//! what each principal must receive, written apart from `vigil_access` (it
//! never calls `view`). Shared by `crates/server/tests/leak.rs` (every HTTP read
//! path) and `crates/vigil/tests/leak_export.rs` (`vigil export`).
//!
//! Every string the generator writes holds a unique token (`nm007z`,
//! `dsc007v1z`, ...; ids are fixed-width), so "no text the principal may not see
//! comes back" is a substring test.
#![allow(dead_code)]

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::Path;
use vigil_stix::StixObject;
use vigil_store::{Accounts, Collection, Record, SqliteStore, WriteStore};

/// The TLP marking-definition ids (1.0 then 2.0) and their levels
/// (CLEAR=0 < GREEN < AMBER < AMBER+STRICT < RED=4). The access crate's own
/// tests check the ids; here they only need to be the ones it knows.
pub fn tlp() -> impl Iterator<Item = (&'static str, u8)> {
    vigil_access::tlp::IDS
        .iter()
        .map(|&(id, level)| (id, level as u8))
}

/// The clearance item naming a level.
pub fn level_name(level: u8) -> &'static str {
    vigil_access::tlp::Level::ALL[level as usize].name()
}

/// Statement markings acting as compartments.
pub const COMPARTMENTS: [&str; 3] = [
    "marking-definition--c0a0a0a0-1111-4222-8333-444444444401",
    "marking-definition--c0b0b0b0-1111-4222-8333-444444444402",
    "marking-definition--c0c0c0c0-1111-4222-8333-444444444403",
];
/// The TAXII collection every object is in.
pub const COLLECTION: &str = "9e0b9c1a-4d55-4c0e-9a57-1eafc0ffee01";
/// The group that may read it.
pub const READERS: &str = "readers";

/// Every marking an object may carry: the TLP ids, then the compartments.
pub fn marking(i: usize) -> &'static str {
    let i = i % MARKINGS;
    match tlp().nth(i) {
        Some((id, _)) => id,
        None => COMPARTMENTS[i - TLP_COUNT],
    }
}

const TLP_COUNT: usize = vigil_access::tlp::IDS.len();
/// How many markings objects may carry.
const MARKINGS: usize = TLP_COUNT + COMPARTMENTS.len();

/// Every marking id there is.
pub fn all_markings() -> Vec<&'static str> {
    (0..MARKINGS).map(marking).collect()
}

const SDO_TYPES: [&str; 6] = [
    "identity",
    "malware",
    "threat-actor",
    "attack-pattern",
    "tool",
    "report",
];
const REL_TYPES: [&str; 3] = ["uses", "targets", "related-to"];
const PROTECTED: [&str; 5] = [
    "id",
    "type",
    "spec_version",
    "object_marking_refs",
    "granular_markings",
];

/// The markings of one version, as indexes: `object_marking_refs` (`None`: the
/// property is absent) and granular entries (a marking, and picks among the
/// version's selectable paths).
#[derive(Debug, Clone)]
pub struct Marks {
    pub refs: Option<Vec<usize>>,
    pub granular: Vec<(usize, Vec<u16>)>,
}

/// An SDO: its type, its versions' markings, and the objects it refers to
/// (indexes into the SDOs: `object_refs` of a report, `x_vigil_peer_ref` of others).
#[derive(Debug, Clone)]
pub struct SdoSpec {
    pub kind: usize,
    pub versions: Vec<Marks>,
    pub refs: Vec<usize>,
}

/// A relationship between two SDOs (indexes).
#[derive(Debug, Clone)]
pub struct RelSpec {
    pub source: usize,
    pub target: usize,
    pub kind: usize,
    pub versions: Vec<Marks>,
}

/// A principal's clearance: a TLP level and compartments (indexes).
#[derive(Debug, Clone)]
pub struct Cleared {
    pub level: u8,
    pub compartments: Vec<usize>,
}

impl Cleared {
    pub fn covers(&self, m: &str) -> bool {
        match tlp().find(|(id, _)| *id == m) {
            Some((_, l)) => l <= self.level,
            None => self.compartments.iter().any(|&c| COMPARTMENTS[c] == m),
        }
    }

    /// The clearance as `vigil user add --clearance` / `vigil export --clearance` take it.
    pub fn items(&self) -> Vec<String> {
        let mut items = vec![level_name(self.level).to_owned()];
        items.extend(
            self.compartments
                .iter()
                .map(|&c| COMPARTMENTS[c].to_owned()),
        );
        items
    }
}

/// One random case.
#[derive(Debug, Clone)]
pub struct WorldSpec {
    pub sdos: Vec<SdoSpec>,
    pub rels: Vec<RelSpec>,
    pub principals: Vec<Cleared>,
    /// Index into [`DEFAULTS`]: the marking of unmarked objects.
    pub default: usize,
}

/// Default markings a case may set (ids; the last is a compartment).
pub const DEFAULTS: [&str; 4] = [
    vigil_access::tlp::TLP2_CLEAR,
    vigil_access::tlp::TLP1_WHITE,
    vigil_access::tlp::TLP2_GREEN,
    COMPARTMENTS[0],
];

fn marks() -> impl Strategy<Value = Marks> {
    let n = MARKINGS;
    let refs = prop::option::weighted(0.6, prop::collection::vec(0..n, 0..=3));
    let granular = prop::collection::vec((0..n, prop::collection::vec(any::<u16>(), 1..=3)), 0..=3);
    (refs, granular).prop_map(|(refs, granular)| Marks { refs, granular })
}

fn cleared() -> impl Strategy<Value = Cleared> {
    (0u8..5, prop::sample::subsequence(vec![0usize, 1, 2], 0..=3)).prop_map(
        |(level, compartments)| Cleared {
            level,
            compartments,
        },
    )
}

/// 10-19 SDOs, 5-13 relationships, 3-4 principals.
pub fn world() -> impl Strategy<Value = WorldSpec> {
    let sdo = (
        0..SDO_TYPES.len(),
        prop::collection::vec(marks(), 1..=3),
        prop::collection::vec(0usize..64, 0..=3),
    )
        .prop_map(|(kind, versions, refs)| SdoSpec {
            kind,
            versions,
            refs,
        });
    let rel = (
        0usize..64,
        0usize..64,
        0..REL_TYPES.len(),
        prop::collection::vec(marks(), 1..=2),
    )
        .prop_map(|(source, target, kind, versions)| RelSpec {
            source,
            target,
            kind,
            versions,
        });
    (
        prop::collection::vec(sdo, 10..20),
        prop::collection::vec(rel, 5..14),
        prop::collection::vec(cleared(), 3..=4),
        0..DEFAULTS.len(),
    )
        .prop_map(|(sdos, rels, principals, default)| WorldSpec {
            sdos,
            rels,
            principals,
            default,
        })
}

/// One stored version.
#[derive(Debug, Clone)]
pub struct Obj {
    pub id: String,
    pub object_type: String,
    /// Its `modified`.
    pub modified: String,
    pub value: Map<String, Value>,
    pub json: String,
}

/// The world built from a spec: every object's versions, oldest first.
#[derive(Debug, Clone)]
pub struct World {
    pub objects: Vec<Vec<Obj>>,
    pub principals: Vec<Cleared>,
    pub default: &'static str,
}

/// A fixed-width id, so no id is a substring of another.
pub fn stix_id(object_type: &str, n: usize) -> String {
    format!("{object_type}--00000000-0000-4000-8000-{n:012}")
}

/// The external id of SDO `i` (four digits: no one is a substring of another).
pub fn ext_id(i: usize) -> String {
    format!("T{}", 1000 + i)
}

fn modified(v: usize) -> String {
    format!("2024-0{}-01T00:00:00.000Z", v + 1)
}

/// Every path of `value` below `path`, as selectors.
fn paths(value: &Value, path: &str, out: &mut Vec<String>) {
    let join = |part: String| {
        if path.is_empty() {
            part
        } else {
            format!("{path}.{part}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = join(k.clone());
                out.push(p.clone());
                paths(v, &p, out);
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                let p = join(format!("[{i}]"));
                out.push(p.clone());
                paths(v, &p, out);
            }
        }
        _ => {}
    }
}

/// The version with its markings added.
fn marked(mut body: Map<String, Value>, marks: &Marks) -> Map<String, Value> {
    let mut selectable = Vec::new();
    for (k, v) in &body {
        if PROTECTED.contains(&k.as_str()) {
            continue;
        }
        selectable.push(k.clone());
        paths(v, k, &mut selectable);
    }
    if let Some(refs) = &marks.refs {
        let mut ids: Vec<&str> = refs.iter().map(|&m| marking(m)).collect();
        ids.dedup();
        body.insert("object_marking_refs".into(), json!(ids));
    }
    if !marks.granular.is_empty() {
        let entries: Vec<Value> = marks
            .granular
            .iter()
            .map(|(m, picks)| {
                let mut sels: Vec<&String> = picks
                    .iter()
                    .map(|&p| &selectable[p as usize % selectable.len()])
                    .collect();
                sels.sort();
                sels.dedup();
                json!({"marking_ref": marking(*m), "selectors": sels})
            })
            .collect();
        body.insert("granular_markings".into(), Value::Array(entries));
    }
    body
}

impl World {
    pub fn build(spec: &WorldSpec) -> World {
        let n = spec.sdos.len();
        let sdo_id = |i: usize| stix_id(SDO_TYPES[spec.sdos[i].kind], i);
        let mut objects = Vec::new();
        for (i, s) in spec.sdos.iter().enumerate() {
            let t = SDO_TYPES[s.kind];
            let mut targets: Vec<String> = s
                .refs
                .iter()
                .map(|r| r % n)
                .filter(|&r| r != i)
                .map(sdo_id)
                .collect();
            targets.sort();
            targets.dedup();
            let mut versions = Vec::new();
            for (v, marks) in s.versions.iter().enumerate() {
                let mut body = Map::new();
                body.insert("type".into(), t.into());
                body.insert("spec_version".into(), "2.1".into());
                body.insert("id".into(), sdo_id(i).into());
                body.insert("created".into(), "2024-01-01T00:00:00.000Z".into());
                body.insert("modified".into(), modified(v).into());
                body.insert("name".into(), format!("obj nm{i:03}z").into());
                body.insert("description".into(), format!("about dsc{i:03}v{v}z").into());
                body.insert(
                    "aliases".into(),
                    json!([format!("als{i:03}az"), format!("als{i:03}bz")]),
                );
                body.insert(
                    "labels".into(),
                    json!([
                        format!("lab{i:03}az"),
                        format!("lab{i:03}bz"),
                        format!("lab{i:03}cz")
                    ]),
                );
                body.insert(
                    "external_references".into(),
                    json!([
                        {"source_name": "mitre-attack", "external_id": ext_id(i), "url": format!("https://example.org/u{i:03}z")},
                        {"source_name": "other", "description": format!("ref{i:03}z")}
                    ]),
                );
                body.insert(
                    "x_vigil_detail".into(),
                    json!({"inner": {"deep": format!("deep{i:03}z"), "list": [format!("dl{i:03}az"), format!("dl{i:03}bz")]}, "flat": format!("flat{i:03}z")}),
                );
                if t == "report" {
                    body.insert("published".into(), "2024-01-01T00:00:00.000Z".into());
                    body.insert("object_refs".into(), json!(targets));
                } else if let Some(first) = targets.first() {
                    body.insert("x_vigil_peer_ref".into(), first.clone().into());
                }
                versions.push(obj(marked(body, marks), modified(v)));
            }
            objects.push(versions);
        }
        for (j, r) in spec.rels.iter().enumerate() {
            let (s, mut t) = (r.source % n, r.target % n);
            if s == t {
                t = (t + 1) % n;
            }
            let mut versions = Vec::new();
            for (v, marks) in r.versions.iter().enumerate() {
                let mut body = Map::new();
                body.insert("type".into(), "relationship".into());
                body.insert("spec_version".into(), "2.1".into());
                body.insert("id".into(), stix_id("relationship", 500 + j).into());
                body.insert("created".into(), "2024-01-01T00:00:00.000Z".into());
                body.insert("modified".into(), modified(v).into());
                body.insert("relationship_type".into(), REL_TYPES[r.kind].into());
                body.insert("description".into(), format!("rel rdsc{j:03}v{v}z").into());
                body.insert("source_ref".into(), sdo_id(s).into());
                body.insert("target_ref".into(), sdo_id(t).into());
                versions.push(obj(marked(body, marks), modified(v)));
            }
            objects.push(versions);
        }
        World {
            objects,
            principals: spec.principals.clone(),
            default: DEFAULTS[spec.default],
        }
    }

    /// Writes every version (oldest first, each object's versions in turn) into
    /// a new store in `dir` and into [`COLLECTION`], readable by [`READERS`];
    /// records the default marking.
    pub fn store(&self, dir: &Path) {
        let mut store = SqliteStore::open_write(dir).unwrap();
        let mut tx = store.begin_import().unwrap();
        for versions in &self.objects {
            for o in versions {
                let mut rec =
                    Record::with_json(&StixObject::new(o.value.clone()), Some(o.json.clone()));
                tx.put(&mut rec).unwrap();
                tx.collect(COLLECTION, &rec).unwrap();
            }
        }
        tx.commit().unwrap();
        drop(store);
        let accounts = Accounts::open(dir).unwrap();
        accounts.add_group(READERS).unwrap();
        accounts
            .add_collection(&Collection {
                id: COLLECTION.into(),
                title: "leak test".into(),
                description: None,
                read_groups: vec![READERS.into()],
                write_groups: Vec::new(),
                created: String::new(),
            })
            .unwrap();
        accounts
            .set_setting("default_marking", self.default)
            .unwrap();
    }

    /// Every current version.
    pub fn current(&self) -> impl Iterator<Item = &Obj> {
        self.objects.iter().filter_map(|v| v.last())
    }

    /// The versions of the object `id`, oldest first.
    pub fn versions(&self, id: &str) -> &[Obj] {
        self.objects
            .iter()
            .find(|v| v[0].id == id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

fn obj(value: Map<String, Value>, modified: String) -> Obj {
    Obj {
        id: value["id"].as_str().unwrap().to_owned(),
        object_type: value["type"].as_str().unwrap().to_owned(),
        modified,
        json: serde_json::to_string(&value).unwrap(),
        value,
    }
}

// ---- the oracle ----

/// What the holder of `c` must receive of `o` (without `granular_markings`,
/// which [`check_granular`] checks apart), or `None` if it must not see it.
///
/// Visible iff every `object_marking_refs` entry is covered (or, with none, the
/// default marking); then every node a selector of an uncovered granular
/// marking names is removed, all selectors resolved against the stored object.
pub fn expect(default: &str, c: &Cleared, o: &Map<String, Value>) -> Option<Map<String, Value>> {
    let refs: Vec<&str> = o
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let visible = if refs.is_empty() {
        c.covers(default)
    } else {
        refs.iter().all(|m| c.covers(m))
    };
    if !visible {
        return None;
    }
    let removed: BTreeSet<String> = o
        .get("granular_markings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| !c.covers(e["marking_ref"].as_str().unwrap()))
        .flat_map(|e| e["selectors"].as_array().unwrap().iter())
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let mut out = Map::new();
    for (k, v) in o {
        if k == "granular_markings" || removed.contains(k) {
            continue;
        }
        out.insert(k.clone(), prune(v, k, &removed));
    }
    Some(out)
}

fn prune(value: &Value, path: &str, removed: &BTreeSet<String>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter_map(|(k, v)| {
                    let p = format!("{path}.{k}");
                    (!removed.contains(&p)).then(|| (k.clone(), prune(v, &p, removed)))
                })
                .collect(),
        ),
        Value::Array(list) => Value::Array(
            list.iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let p = format!("{path}.[{i}]");
                    (!removed.contains(&p)).then(|| prune(v, &p, removed))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `object` without `granular_markings`.
pub fn without_granular(object: &Value) -> Value {
    let mut m = object.as_object().cloned().unwrap_or_default();
    m.remove("granular_markings");
    Value::Object(m)
}

/// What is wrong with the `granular_markings` a principal received: an entry
/// naming a marking it is not cleared for, or a selector that selects nothing
/// in what it received.
pub fn check_granular(c: &Cleared, received: &Value) -> Option<String> {
    let entries = received.get("granular_markings")?.as_array()?;
    for e in entries {
        let m = e.get("marking_ref").and_then(Value::as_str).unwrap_or("");
        if !c.covers(m) {
            return Some(format!("granular entry for uncovered {m}"));
        }
        for s in e["selectors"].as_array().into_iter().flatten() {
            let s = s.as_str().unwrap_or("");
            if resolve(received, s).is_none() {
                return Some(format!("kept selector {s} selects nothing"));
            }
        }
    }
    None
}

fn resolve<'v>(value: &'v Value, selector: &str) -> Option<&'v Value> {
    let mut at = value;
    for part in selector.split('.') {
        at = match part.strip_prefix('[') {
            Some(i) => at
                .as_array()?
                .get(i.trim_end_matches(']').parse::<usize>().ok()?)?,
            None => at.as_object()?.get(part)?,
        };
    }
    Some(at)
}

/// The unique tokens in `text` (`[a-z]+\d{3}[a-z0-9]*z`-like words, ids'
/// numbers, external ids and marking ids): what "came back" means for the
/// substring checks.
pub fn secrets(world: &World) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = all_markings().into_iter().map(str::to_owned).collect();
    for versions in &world.objects {
        for o in versions {
            out.insert(o.id.clone());
            collect_tokens(&Value::Object(o.value.clone()), &mut out);
        }
    }
    out
}

fn collect_tokens(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            for w in s.split(|c: char| !c.is_ascii_alphanumeric()) {
                let digits = w.bytes().filter(u8::is_ascii_digit).count();
                if (w.ends_with('z') && digits >= 3) || (w.starts_with('T') && w.len() == 5) {
                    out.insert(w.to_owned());
                }
            }
        }
        Value::Array(l) => l.iter().for_each(|x| collect_tokens(x, out)),
        Value::Object(m) => m.values().for_each(|x| collect_tokens(x, out)),
        _ => {}
    }
}

/// The tokens of [`secrets`] that `c` may not see: in no version it may see.
pub fn forbidden(world: &World, c: &Cleared) -> BTreeSet<String> {
    let mut seen = String::new();
    for versions in &world.objects {
        for o in versions {
            if let Some(v) = expect(world.default, c, &o.value) {
                seen.push_str(&serde_json::to_string(&v).unwrap());
                // Covered granular entries may be kept: their markings are seen.
                for e in o
                    .value
                    .get("granular_markings")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let m = e["marking_ref"].as_str().unwrap_or("");
                    if c.covers(m) {
                        seen.push_str(m);
                    }
                }
            }
        }
    }
    secrets(world)
        .into_iter()
        .filter(|t| !seen.contains(t.as_str()))
        .collect()
}

/// Parses an instant (a STIX timestamp) into its ordering key.
pub fn instant(t: &str) -> String {
    vigil_stix::Timestamp::parse(t)
        .map(|t| t.instant_key())
        .unwrap_or_else(|_| t.to_owned())
}
