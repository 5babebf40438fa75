//! Observations: what a pattern is matched against. One [`Observation`] is one
//! STIX observed-data object with the cyber-observable objects it holds
//! (STIX 2.1: `object_refs` resolved against SCOs given alongside; STIX 2.0: the
//! `objects` dictionary), as the OASIS matcher accepts them.

use crate::time::Instant;
use serde_json::Value;
use std::collections::HashMap;

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
    pub objects: HashMap<String, Value>,
}

/// Why some JSON could not be read as observations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ObservationError {
    /// What is wrong and where (the object's id or position).
    pub message: String,
}
