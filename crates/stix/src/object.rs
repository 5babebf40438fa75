//! The STIX object as Vigil holds it: the original JSON object, losslessly (custom
//! properties, extensions and key order included), with typed access to the
//! properties every object shares.

use crate::timestamp::Timestamp;
use crate::val::{Obj, Val};
use serde_json::{Map, Value};

/// Maps of up to this many keys are searched in order rather than by hash.
pub(crate) const LINEAR_MAX: usize = 24;

/// Lookups of a property in an object.
///
/// A STIX object has 10 to 25 properties, and SipHash over a key (what
/// `Map::get` does) cost ~290 instructions a lookup, 15% of checking an
/// object. Comparing the keys in order (by length first) costs a third of
/// that for maps this small; larger ones are looked up by hash.
pub trait Fields {
    /// The value of `key`, if present (for a `Value`: if it is an object with that key).
    fn field(&self, key: &str) -> Option<&Value>;

    /// Whether `key` is present.
    fn has(&self, key: &str) -> bool {
        self.field(key).is_some()
    }
}

impl Fields for Map<String, Value> {
    #[inline]
    fn field(&self, key: &str) -> Option<&Value> {
        if self.len() <= LINEAR_MAX {
            self.iter()
                .find_map(|(k, v)| (k.as_str() == key).then_some(v))
        } else {
            self.get(key)
        }
    }
}

impl Fields for Value {
    #[inline]
    fn field(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.field(key))
    }
}

/// The predefined STIX Cyber-observable Object types (STIX 2.1 §6).
pub const SCO_TYPES: &[&str] = &[
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

/// Whether `t` is one of the predefined cyber-observable types.
pub fn is_sco_type(t: &str) -> bool {
    SCO_TYPES.contains(&t)
}

/// Reference properties that record provenance or handling rather than meaning;
/// they are not edges of the knowledge graph (every ATT&CK object points at MITRE's
/// identity and marking, which would make those two nodes neighbours of everything).
const NOT_GRAPH_REFS: &[&str] = &["created_by_ref", "object_marking_refs"];

/// One STIX object: its JSON properties in their original order.
#[derive(Debug, Clone, PartialEq)]
pub struct StixObject {
    map: Map<String, Value>,
}

/// An embedded reference from an object to another (`*_ref`, `*_refs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference<'a> {
    /// The property that holds it, e.g. `object_refs`, `sample_ref`.
    pub property: &'a str,
    /// The identifier it points at.
    pub target: &'a str,
}

/// JSON values the object accessors read: `serde_json`'s, and the borrowed
/// [`Val`] that validation walks (so an import derives what it stores from the
/// tree it validated).
pub trait JsonValue: Sized {
    /// The object type of this value type.
    type Map: JsonMap<Value = Self>;
    /// The string, if this is one.
    fn str_value(&self) -> Option<&str>;
    /// The boolean, if this is one.
    fn bool_value(&self) -> Option<bool>;
    /// The items, if this is a list.
    fn items(&self) -> Option<&[Self]>;
    /// The object, if this is one.
    fn map_value(&self) -> Option<&Self::Map>;
}

/// JSON objects the accessors read (see [`JsonValue`]).
pub trait JsonMap {
    /// The value type.
    type Value: JsonValue<Map = Self>;
    /// The value of `key`, if present.
    fn prop(&self, key: &str) -> Option<&Self::Value>;
    /// The entries in order.
    fn entries(&self) -> impl Iterator<Item = (&str, &Self::Value)>;
}

impl JsonValue for Value {
    type Map = Map<String, Value>;
    fn str_value(&self) -> Option<&str> {
        self.as_str()
    }
    fn bool_value(&self) -> Option<bool> {
        self.as_bool()
    }
    fn items(&self) -> Option<&[Value]> {
        self.as_array().map(Vec::as_slice)
    }
    fn map_value(&self) -> Option<&Map<String, Value>> {
        self.as_object()
    }
}

impl JsonMap for Map<String, Value> {
    type Value = Value;
    fn prop(&self, key: &str) -> Option<&Value> {
        self.field(key)
    }
    fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl<'a> JsonValue for Val<'a> {
    type Map = Obj<'a>;
    fn str_value(&self) -> Option<&str> {
        self.as_str()
    }
    fn bool_value(&self) -> Option<bool> {
        self.as_bool()
    }
    fn items(&self) -> Option<&[Val<'a>]> {
        self.as_array().map(Vec::as_slice)
    }
    fn map_value(&self) -> Option<&Obj<'a>> {
        self.as_object()
    }
}

impl<'a> JsonMap for Obj<'a> {
    type Value = Val<'a>;
    fn prop(&self, key: &str) -> Option<&Val<'a>> {
        self.field(key)
    }
    fn entries(&self) -> impl Iterator<Item = (&str, &Val<'a>)> {
        self.iter()
    }
}

/// Typed access to the properties every object shares, over either kind of
/// JSON object (see [`JsonMap`]).
#[derive(Debug)]
pub struct Props<'m, M>(pub &'m M);

impl<M> Clone for Props<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Props<'_, M> {}

impl<'m, M: JsonMap> Props<'m, M> {
    fn list(&self, key: &str) -> impl Iterator<Item = &'m M::Value> + 'm {
        self.0
            .prop(key)
            .and_then(JsonValue::items)
            .into_iter()
            .flatten()
    }

    /// A string property.
    pub fn str(&self, key: &str) -> Option<&'m str> {
        self.0.prop(key).and_then(JsonValue::str_value)
    }

    /// `id`, or `""` when missing (validation reports that).
    pub fn id(&self) -> &'m str {
        self.str("id").unwrap_or_default()
    }

    /// `type`, or `""` when missing.
    pub fn object_type(&self) -> &'m str {
        self.str("type").unwrap_or_default()
    }

    /// `name`.
    pub fn name(&self) -> Option<&'m str> {
        self.str("name")
    }

    /// `description`.
    pub fn description(&self) -> Option<&'m str> {
        self.str("description")
    }

    /// Whether `revoked` is true.
    pub fn revoked(&self) -> bool {
        self.0
            .prop("revoked")
            .and_then(JsonValue::bool_value)
            .unwrap_or(false)
    }

    /// Whether the object is marked deprecated. STIX 2.1 has no such property;
    /// ATT&CK's `x_mitre_deprecated` is the one in use.
    pub fn deprecated(&self) -> bool {
        self.0
            .prop("x_mitre_deprecated")
            .and_then(JsonValue::bool_value)
            .unwrap_or(false)
    }

    /// The timestamp that identifies this version: `modified`, else `created`.
    /// Objects with neither (cyber-observables) have a single, unnamed version.
    pub fn version_timestamp(&self) -> Option<&'m str> {
        self.str("modified").or_else(|| self.str("created"))
    }

    /// A key ordering versions as instants (see [`Timestamp::instant_key`]);
    /// `""` for objects without `modified`/`created`, and the raw text for a
    /// malformed timestamp (validation rejects those before storage).
    pub fn version_key(&self) -> String {
        match self.version_timestamp() {
            None => String::new(),
            Some(t) => Timestamp::parse(t)
                .map(|t| t.instant_key())
                .unwrap_or_else(|_| t.to_string()),
        }
    }

    /// `aliases`, and ATT&CK's `x_mitre_aliases`.
    pub fn aliases(&self) -> impl Iterator<Item = &'m str> + 'm {
        self.list("aliases")
            .chain(self.list("x_mitre_aliases"))
            .filter_map(JsonValue::str_value)
    }

    /// `(source_name, external_id)` of every external reference that has an id.
    pub fn external_ids(&self) -> impl Iterator<Item = (&'m str, &'m str)> + 'm {
        self.list("external_references").filter_map(|r| {
            let r = r.map_value()?;
            Some((
                r.prop("source_name")?.str_value()?,
                r.prop("external_id")?.str_value()?,
            ))
        })
    }

    /// `object_marking_refs`: the markings of the whole object.
    pub fn object_marking_refs(&self) -> impl Iterator<Item = &'m str> + 'm {
        self.list("object_marking_refs")
            .filter_map(JsonValue::str_value)
    }

    /// Every marking definition the object refers to: `object_marking_refs` and
    /// the `marking_ref` of each granular marking.
    pub fn marking_refs(&self) -> impl Iterator<Item = &'m str> + 'm {
        let granular = self
            .list("granular_markings")
            .filter_map(|g| g.map_value()?.prop("marking_ref"));
        self.list("object_marking_refs")
            .chain(granular)
            .filter_map(JsonValue::str_value)
    }

    /// For a relationship: `(source_ref, relationship_type, target_ref)`.
    pub fn relationship(&self) -> Option<(&'m str, &'m str, &'m str)> {
        if self.object_type() != "relationship" {
            return None;
        }
        Some((
            self.str("source_ref")?,
            self.str("relationship_type")?,
            self.str("target_ref")?,
        ))
    }

    /// Embedded references that carry meaning (graph edges): every top-level
    /// `*_ref`/`*_refs` property, and those one level down in `extensions`, except
    /// provenance and marking references and a relationship's own ends.
    pub fn references(&self) -> Vec<Reference<'m>> {
        let mut out = Vec::new();
        let is_rel = self.object_type() == "relationship";
        collect_refs(self.0, is_rel, &mut out);
        if let Some(exts) = self.0.prop("extensions").and_then(JsonValue::map_value) {
            for (_, ext) in exts.entries() {
                if let Some(ext) = ext.map_value() {
                    collect_refs(ext, false, &mut out);
                }
            }
        }
        out
    }
}

impl StixObject {
    /// Wraps parsed properties.
    pub fn new(map: Map<String, Value>) -> StixObject {
        StixObject { map }
    }

    /// The properties.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// The properties, for changing them.
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.map
    }

    /// The properties, owned.
    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }

    /// Typed access to the common properties.
    pub fn props(&self) -> Props<'_, Map<String, Value>> {
        Props(&self.map)
    }

    /// A string property.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.props().str(key)
    }

    /// `id`, or `""` when missing (validation reports that).
    pub fn id(&self) -> &str {
        self.props().id()
    }

    /// `type`, or `""` when missing.
    pub fn object_type(&self) -> &str {
        self.props().object_type()
    }

    /// `name`.
    pub fn name(&self) -> Option<&str> {
        self.props().name()
    }

    /// `description`.
    pub fn description(&self) -> Option<&str> {
        self.props().description()
    }

    /// `created`.
    pub fn created(&self) -> Option<&str> {
        self.str("created")
    }

    /// `modified`.
    pub fn modified(&self) -> Option<&str> {
        self.str("modified")
    }

    /// Whether `revoked` is true.
    pub fn revoked(&self) -> bool {
        self.props().revoked()
    }

    /// See [`Props::deprecated`].
    pub fn deprecated(&self) -> bool {
        self.props().deprecated()
    }

    /// See [`Props::version_timestamp`].
    pub fn version_timestamp(&self) -> Option<&str> {
        self.props().version_timestamp()
    }

    /// See [`Props::version_key`].
    pub fn version_key(&self) -> String {
        self.props().version_key()
    }

    /// `aliases`, and ATT&CK's `x_mitre_aliases`.
    pub fn aliases(&self) -> impl Iterator<Item = &str> {
        self.props().aliases()
    }

    /// See [`Props::external_ids`].
    pub fn external_ids(&self) -> impl Iterator<Item = (&str, &str)> {
        self.props().external_ids()
    }

    /// `object_marking_refs`: the markings of the whole object.
    pub fn object_marking_refs(&self) -> impl Iterator<Item = &str> {
        self.props().object_marking_refs()
    }

    /// See [`Props::marking_refs`].
    pub fn marking_refs(&self) -> impl Iterator<Item = &str> {
        self.props().marking_refs()
    }

    /// See [`Props::relationship`].
    pub fn relationship(&self) -> Option<(&str, &str, &str)> {
        self.props().relationship()
    }

    /// See [`Props::references`].
    pub fn references(&self) -> Vec<Reference<'_>> {
        self.props().references()
    }

    /// Compact JSON text of the object, keys in their original order.
    pub fn to_json(&self) -> String {
        // Serialising a Map of Values cannot fail (string keys, no non-finite floats).
        serde_json::to_string(&self.map).unwrap_or_default()
    }
}

fn collect_refs<'a, M: JsonMap>(map: &'a M, is_rel: bool, out: &mut Vec<Reference<'a>>) {
    for (k, v) in map.entries() {
        let provenance =
            NOT_GRAPH_REFS.contains(&k) || (k.starts_with("x_") && k.ends_with("_by_ref"));
        if provenance || (is_rel && (k == "source_ref" || k == "target_ref")) {
            continue;
        }
        if k.ends_with("_ref") {
            if let Some(t) = v.str_value() {
                out.push(Reference {
                    property: k,
                    target: t,
                });
            }
        } else if k.ends_with("_refs") {
            for t in v
                .items()
                .into_iter()
                .flatten()
                .filter_map(JsonValue::str_value)
            {
                out.push(Reference {
                    property: k,
                    target: t,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: serde_json::Value) -> StixObject {
        StixObject::new(v.as_object().unwrap().clone())
    }

    #[test]
    fn common_properties() {
        let o = obj(serde_json::json!({
            "type": "intrusion-set", "id": "intrusion-set--1", "name": "APT3",
            "created": "2017-05-31T21:31:43.540Z", "modified": "2024-04-10T21:00:00.000Z",
            "aliases": ["APT3", "Gothic Panda"], "x_mitre_aliases": ["UPS"],
            "external_references": [{"source_name": "mitre-attack", "external_id": "G0022"}, {"source_name": "x", "url": "u"}],
            "object_marking_refs": ["marking-definition--1"], "created_by_ref": "identity--1",
            "x_mitre_modified_by_ref": "identity--1", "x_mitre_deprecated": true
        }));
        assert_eq!(o.version_key(), "2024-04-10T21:00:00.000000000");
        assert_eq!(
            o.aliases().collect::<Vec<_>>(),
            ["APT3", "Gothic Panda", "UPS"]
        );
        assert_eq!(
            o.external_ids().collect::<Vec<_>>(),
            [("mitre-attack", "G0022")]
        );
        assert_eq!(
            o.marking_refs().collect::<Vec<_>>(),
            ["marking-definition--1"]
        );
        assert!(o.references().is_empty());
        assert!(o.deprecated() && !o.revoked());
    }

    #[test]
    fn references_and_relationships() {
        let r = obj(
            serde_json::json!({"type": "relationship", "source_ref": "a--1", "target_ref": "b--2", "relationship_type": "uses", "created_by_ref": "identity--1"}),
        );
        assert_eq!(r.relationship(), Some(("a--1", "uses", "b--2")));
        assert!(r.references().is_empty());
        let rep = obj(
            serde_json::json!({"type": "report", "object_refs": ["a--1", "b--2"], "extensions": {"x": {"sample_ref": "file--3"}}}),
        );
        let refs: Vec<_> = rep
            .references()
            .iter()
            .map(|r| (r.property, r.target))
            .collect();
        assert_eq!(
            refs,
            [
                ("object_refs", "a--1"),
                ("object_refs", "b--2"),
                ("sample_ref", "file--3")
            ]
        );
    }
}
