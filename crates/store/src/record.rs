//! What the store writes for one object version, computed before the write (on
//! a check worker) so the writer does nothing but SQL.

use serde::Serialize;
use vigil_stix::{JsonMap, Props, StixObject};

/// How an edge of the graph arises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A relationship object (`source_ref` → `target_ref`).
    Relationship,
    /// An embedded `*_ref`/`*_refs` property.
    Reference,
}

impl EdgeKind {
    pub(crate) fn code(self) -> i64 {
        match self {
            EdgeKind::Relationship => 0,
            EdgeKind::Reference => 1,
        }
    }

    pub(crate) fn from_code(c: i64) -> EdgeKind {
        if c == 0 {
            EdgeKind::Relationship
        } else {
            EdgeKind::Reference
        }
    }
}

/// An edge the object defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Start.
    pub source: String,
    /// End.
    pub target: String,
    /// Relationship type or reference property.
    pub rel: String,
    /// Relationship or reference.
    pub kind: EdgeKind,
}

/// One object version, ready to store.
#[derive(Debug, Clone)]
pub struct Record {
    /// STIX id.
    pub id: String,
    /// STIX type.
    pub object_type: String,
    /// Instant key of the version (see `Timestamp::instant_key`).
    pub version: String,
    /// Revoked or deprecated: left out of search and neighbours by default.
    pub hidden: bool,
    /// `name`.
    pub name: Option<String>,
    /// Aliases, space-separated, for full-text search.
    pub aliases: String,
    /// External ids, space-separated, for full-text search.
    pub ext_text: String,
    /// `description`.
    pub description: Option<String>,
    /// `(source_name, external_id)` pairs.
    pub ext_ids: Vec<(String, String)>,
    /// The ATT&CK id, else the first external id.
    pub primary_ext_id: Option<String>,
    /// The object's `object_marking_refs` (sorted, once each): what decides
    /// whether a principal sees the object at all. (Granular markings only
    /// remove parts, so they are left to `vigil_access::view` on the object.)
    pub markings: Vec<String>,
    /// Edges the object defines.
    pub edges: Vec<Edge>,
    /// The object as compact JSON.
    pub json: String,
}

/// Relationship and sighting objects are not in the text index: their
/// descriptions are citations of the two ends, which would bury the objects an
/// analyst looks for; they are reached through the graph (`neighbors`).
fn text_indexed(object_type: &str) -> bool {
    !matches!(object_type, "relationship" | "sighting")
}

impl Record {
    /// Whether the object has text for the full-text index.
    pub fn has_text(&self) -> bool {
        text_indexed(&self.object_type)
            && (self.name.is_some()
                || !self.aliases.is_empty()
                || !self.ext_text.is_empty()
                || self.description.is_some())
    }
}

impl Record {
    /// Derives what to store from an object.
    pub fn from_object(obj: &StixObject) -> Record {
        Record::with_json(obj, None)
    }

    /// Derives what to store from an object whose compact JSON text is already
    /// known (it must be the same JSON as `obj`).
    pub fn with_json(obj: &StixObject, json: Option<String>) -> Record {
        let json = json.unwrap_or_else(|| obj.to_json());
        Record::from_props(obj.props(), json)
    }

    /// Derives what to store from an object's properties (of either JSON tree,
    /// see [`vigil_stix::JsonMap`]) and its compact JSON text.
    pub fn from_props<M: JsonMap>(obj: Props<'_, M>, json: String) -> Record {
        let id = obj.id().to_string();
        let ext_ids: Vec<(String, String)> = obj
            .external_ids()
            .map(|(s, e)| (s.to_string(), e.to_string()))
            .collect();
        let primary_ext_id = ext_ids
            .iter()
            .find(|(s, _)| s.starts_with("mitre-"))
            .or_else(|| ext_ids.first())
            .map(|(_, e)| e.clone());
        let mut edges: Vec<Edge> = obj
            .references()
            .into_iter()
            .map(|r| Edge {
                source: id.clone(),
                target: r.target.to_string(),
                rel: r.property.to_string(),
                kind: EdgeKind::Reference,
            })
            .collect();
        if let Some((s, rel, t)) = obj.relationship() {
            edges.push(Edge {
                source: s.into(),
                target: t.into(),
                rel: rel.into(),
                kind: EdgeKind::Relationship,
            });
        }
        let mut markings: Vec<String> = obj.object_marking_refs().map(str::to_string).collect();
        markings.sort();
        markings.dedup();
        Record {
            object_type: obj.object_type().to_string(),
            version: obj.version_key(),
            hidden: obj.revoked() || obj.deprecated(),
            name: obj.name().map(str::to_string),
            aliases: obj.aliases().collect::<Vec<_>>().join(" "),
            ext_text: ext_ids
                .iter()
                .map(|(_, e)| e.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            description: obj.description().map(str::to_string),
            ext_ids,
            primary_ext_id,
            markings,
            edges,
            json,
            id,
        }
    }
}
