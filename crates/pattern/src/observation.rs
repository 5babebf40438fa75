//! Observations: what a pattern is matched against. One [`Observation`] is one
//! STIX observed-data object with the cyber-observable objects it holds
//! (STIX 2.1: `object_refs` resolved against SCOs given alongside; STIX 2.0: the
//! `objects` dictionary), as the OASIS matcher accepts them.
//!
//! [`from_json`] reads a whole document at once; [`Resolver`] reads objects one
//! at a time, for inputs too large to hold as one JSON value.

use crate::eval::{field, type_of};
use crate::time::Instant;
use crate::StixVersion;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// One observation: a time window, a count, and the objects observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The observed-data object's id, when it has one.
    pub id: Option<String>,
    /// `first_observed`.
    pub first_observed: Instant,
    /// `last_observed`.
    pub last_observed: Instant,
    /// `number_observed` (at least 1).
    pub number_observed: u64,
    /// The cyber-observable objects, by the name `*_ref` properties use for
    /// them: the SCO's `id` in STIX 2.1, the dictionary key in STIX 2.0.
    /// Shared (`Arc`): one SCO named by many observed-data is held once.
    pub objects: HashMap<String, Arc<Value>>,
}

/// Why some JSON could not be read as observations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ObservationError {
    /// What is wrong and where (the object's id or position).
    pub message: String,
}

fn err(message: String) -> ObservationError {
    ObservationError { message }
}

/// The STIX 2.1 types that are not cyber-observables (the OASIS matcher's
/// `TYPES_V21`). A 2.1 pattern never matches objects of these types, even
/// when an observed-data's `object_refs` names them, so they are left out of
/// [`Observation::objects`].
pub const NON_OBSERVABLE_TYPES_V21: [&str; 25] = [
    "attack-pattern",
    "bundle",
    "campaign",
    "course-of-action",
    "extension-definition",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "language-content",
    "location",
    "malware",
    "malware-analysis",
    "marking-definition",
    "note",
    "observed-data",
    "opinion",
    "relationship",
    "report",
    "threat-actor",
    "tool",
    "sighting",
    "vulnerability",
];

/// Reads observations from JSON, as the OASIS matcher's `match(pattern,
/// observed_data_sdos, stix_version=...)` takes them.
///
/// - STIX 2.1: a list of bundles (the matcher's form), of objects, or a mix,
///   or a single bundle or object. All objects are pooled; every
///   `observed-data` becomes one observation (in input order) holding the
///   objects its `object_refs` name, found anywhere in the input (refs that
///   resolve to nothing are ignored, as by the matcher). An observed-data
///   with the deprecated `objects` dictionary and no `object_refs` is read as
///   in STIX 2.0 (the matcher refuses it).
/// - STIX 2.0: a list of observed-data objects with an `objects` dictionary
///   (any `type` is accepted, as by the matcher), or a single one; a bundle's
///   observed-data objects are taken too.
///
/// Every observed-data needs `first_observed`, `last_observed` (timestamps)
/// and `number_observed` (at least 1); the error names the object by id or
/// by position.
pub fn from_json(
    value: &Value,
    version: StixVersion,
) -> Result<Vec<Observation>, ObservationError> {
    let mut resolver = Resolver::new(version);
    let mut out = Vec::new();
    let mut take = |item: &Value, at: String| -> Result<(), ObservationError> {
        if item.get("type").and_then(Value::as_str) != Some("bundle") {
            resolver.position = at;
            out.extend(resolver.push_indexed(item.clone())?);
            return Ok(());
        }
        let objects = match item.get("objects") {
            Some(Value::Array(objects)) => objects,
            None => return Ok(()),
            Some(_) => return Err(err(format!("{at}: the bundle's 'objects' is not a list"))),
        };
        for (j, obj) in objects.iter().enumerate() {
            resolver.position = format!("{at}, object {j}");
            out.extend(resolver.push_indexed(obj.clone())?);
        }
        Ok(())
    };
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                take(item, format!("item {i}"))?;
            }
        }
        _ => take(value, "the input".to_string())?,
    }
    out.extend(resolver.finish_indexed()?);
    out.sort_by_key(|(index, _)| *index);
    Ok(out.into_iter().map(|(_, o)| o).collect())
}

/// Builds observations from objects fed one at a time in file order, for
/// inputs too large to parse as one JSON value.
///
/// STIX 2.0 observed-data carry their objects and come out of
/// [`Resolver::push`] at once. In STIX 2.1 an observed-data comes out at once
/// when every SCO its `object_refs` names has been seen already (the usual
/// order: SCOs first); otherwise it is held until [`Resolver::finish`], which
/// resolves it against every SCO of the input.
///
/// Memory: every SCO seen is kept (a later observed-data may name it), plus
/// the held observed-data; so memory grows with the number of SCOs of a 2.1
/// input, not with the number of observed-data. STIX 2.0 input keeps nothing.
#[derive(Debug)]
pub struct Resolver {
    version: StixVersion,
    scos: crate::fx::FxMap<String, Arc<Value>>,
    held: Vec<(usize, Map<String, Value>, At)>,
    seen: usize,
    /// How to name the next object in an error (set by [`from_json`]).
    position: String,
}

impl Resolver {
    /// A resolver for input of the given STIX version.
    pub fn new(version: StixVersion) -> Resolver {
        Resolver {
            version,
            scos: crate::fx::FxMap::default(),
            held: Vec::new(),
            seen: 0,
            position: String::new(),
        }
    }

    /// Takes the next object of the input (not a bundle: its objects, one by
    /// one). Returns the observation it completes, if any.
    pub fn push(&mut self, object: Value) -> Result<Option<Observation>, ObservationError> {
        let index = self.seen;
        self.seen += 1;
        // Named for error messages only: formatted when one is made.
        let at = if self.position.is_empty() {
            At::Index(index)
        } else {
            At::Given(std::mem::take(&mut self.position))
        };
        let Value::Object(mut map) = object else {
            return Err(err(format!("{at}: not a JSON object")));
        };
        let Some(kind) = field(&map, "type").and_then(Value::as_str) else {
            return Err(err(format!("{}: has no 'type'", name(&map, &at))));
        };
        if kind == "bundle" {
            return Err(err(format!(
                "{}: a bundle; push its objects one at a time",
                name(&map, &at)
            )));
        }
        match self.version {
            StixVersion::V20 => {
                let objects = match map.remove("objects") {
                    Some(Value::Object(objects)) => owned(objects),
                    None => HashMap::new(),
                    Some(_) => {
                        return Err(err(format!(
                            "{}: 'objects' is not a dictionary",
                            name(&map, &at)
                        )))
                    }
                };
                Ok(Some(observation(&map, &at, objects)?))
            }
            StixVersion::V21 if kind == "observed-data" => {
                let refs = refs_of(&map, &at)?;
                let Some(refs) = refs else {
                    // The deprecated embedded dictionary (STIX 2.1 §4.14).
                    let objects = match map.remove("objects") {
                        Some(Value::Object(objects)) => owned(objects),
                        _ => {
                            return Err(err(format!(
                                "{}: a STIX 2.1 observed-data needs 'object_refs'",
                                name(&map, &at)
                            )))
                        }
                    };
                    return Ok(Some(observation(&map, &at, objects)?));
                };
                if refs.iter().all(|r| self.scos.contains_key(*r)) {
                    let objects = self.resolve(&refs);
                    Ok(Some(observation(&map, &at, objects)?))
                } else {
                    // Check the observed-data's own properties now, not at finish().
                    header(&map, &at)?;
                    self.held.push((index, map, at));
                    Ok(None)
                }
            }
            StixVersion::V21 => {
                let Some(id) = field(&map, "id").and_then(Value::as_str) else {
                    return Err(err(format!("{at}: a '{kind}' object without an 'id'")));
                };
                let id = id.to_string();
                self.scos.insert(id, Arc::new(Value::Object(map)));
                Ok(None)
            }
        }
    }

    /// Resolves the observed-data still held (against every SCO seen) and
    /// returns them in input order.
    pub fn finish(self) -> Result<Vec<Observation>, ObservationError> {
        self.finish_indexed()
            .map(|v| v.into_iter().map(|(_, o)| o).collect())
    }

    fn finish_indexed(mut self) -> Result<Vec<(usize, Observation)>, ObservationError> {
        let held = std::mem::take(&mut self.held);
        let mut out = Vec::with_capacity(held.len());
        for (index, map, at) in held {
            let refs = refs_of(&map, &at)?.unwrap_or_default();
            let objects = self.resolve(&refs);
            out.push((index, observation(&map, &at, objects)?));
        }
        Ok(out)
    }

    fn resolve(&self, refs: &[&str]) -> HashMap<String, Arc<Value>> {
        refs.iter()
            .filter_map(|r| {
                let obj = self.scos.get(*r)?;
                let kind = type_of(obj).unwrap_or("");
                (!NON_OBSERVABLE_TYPES_V21.contains(&kind)).then(|| (r.to_string(), obj.clone()))
            })
            .collect()
    }
}

impl Resolver {
    /// [`Resolver::push`], with the object's position in the input (from_json
    /// puts immediate and held observations back in input order).
    fn push_indexed(
        &mut self,
        obj: Value,
    ) -> Result<Option<(usize, Observation)>, ObservationError> {
        let index = self.seen;
        Ok(self.push(obj)?.map(|o| (index, o)))
    }
}

/// Where an object is in the input, for messages.
#[derive(Debug)]
enum At {
    /// The n-th object pushed.
    Index(usize),
    /// A place given by [`from_json`] ("item 2, object 5").
    Given(String),
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Index(i) => write!(f, "object {i}"),
            At::Given(s) => f.write_str(s),
        }
    }
}

fn name(map: &Map<String, Value>, at: &At) -> String {
    match field(map, "id").and_then(Value::as_str) {
        Some(id) => format!("{id} ({at})"),
        None => at.to_string(),
    }
}

fn refs_of<'m>(
    map: &'m Map<String, Value>,
    at: &At,
) -> Result<Option<Vec<&'m str>>, ObservationError> {
    match field(map, "object_refs") {
        None => Ok(None),
        Some(Value::Array(refs)) => refs
            .iter()
            .map(|r| {
                r.as_str().ok_or_else(|| {
                    err(format!(
                        "{}: 'object_refs' holds a non-string",
                        name(map, at)
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(err(format!(
            "{}: 'object_refs' is not a list",
            name(map, at)
        ))),
    }
}

/// `first_observed`, `last_observed`, `number_observed`.
fn header(map: &Map<String, Value>, at: &At) -> Result<(Instant, Instant, u64), ObservationError> {
    let who = || name(map, at);
    let time = |key: &str| -> Result<Instant, ObservationError> {
        let text = field(map, key)
            .ok_or_else(|| err(format!("{}: no '{key}' (an observation needs first_observed, last_observed and number_observed)", who())))?;
        text.as_str().and_then(Instant::parse).ok_or_else(|| {
            err(format!(
                "{}: '{key}' is not a STIX timestamp: {text}",
                who()
            ))
        })
    };
    let first = time("first_observed")?;
    let last = time("last_observed")?;
    let count = field(map, "number_observed").ok_or_else(|| {
        err(format!(
            "{}: no 'number_observed' (an observation needs first_observed, last_observed and number_observed)",
            who()
        ))
    })?;
    let number = count.as_u64().filter(|&n| n >= 1).ok_or_else(|| {
        err(format!(
            "{}: 'number_observed' must be an integer of at least 1, not {count}",
            who()
        ))
    })?;
    Ok((first, last, number))
}

/// A 2.0 `objects` dictionary (or a 2.1 one), taken over.
fn owned(objects: Map<String, Value>) -> HashMap<String, Arc<Value>> {
    objects.into_iter().map(|(k, v)| (k, Arc::new(v))).collect()
}

fn observation(
    map: &Map<String, Value>,
    at: &At,
    objects: HashMap<String, Arc<Value>>,
) -> Result<Observation, ObservationError> {
    let (first_observed, last_observed, number_observed) = header(map, at)?;
    Ok(Observation {
        id: field(map, "id").and_then(Value::as_str).map(str::to_string),
        first_observed,
        last_observed,
        number_observed,
        objects,
    })
}
