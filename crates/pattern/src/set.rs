//! [`IndicatorSet`]: many indicators, one observation stream.

use crate::observation::Observation;
use crate::time::Instant;
use crate::Pattern;
use std::sync::Arc;

/// One indicator as the set holds it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The indicator's id (any string; unique within the set).
    pub id: Arc<str>,
    /// Its parsed pattern.
    pub pattern: Pattern,
    /// `valid_from`: when the intelligence became known. Kept, not used for
    /// matching (observations from before it still match: that is retro-hunting).
    pub valid_from: Option<Instant>,
    /// `valid_until`: observations whose `first_observed` is at or after it do not match.
    pub valid_until: Option<Instant>,
}

/// A completed match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The indicator's id.
    pub indicator: Arc<str>,
    /// The observations of the match, as stream positions (0 for the first
    /// observation pushed, 1 for the next, ...), ascending.
    pub observations: Vec<u64>,
}

/// Many indicators, matched against a stream of observations at a cost that
/// does not grow with the number of indicators.
#[derive(Debug, Default)]
pub struct IndicatorSet {}

impl IndicatorSet {
    /// An empty set.
    pub fn new() -> IndicatorSet {
        IndicatorSet::default()
    }

    /// Adds an indicator, or replaces the one with the same id (its stream state is dropped).
    pub fn insert(&mut self, entry: Entry) {
        let _ = entry;
        unimplemented!("being written")
    }

    /// Removes (revokes) an indicator; whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let _ = id;
        unimplemented!("being written")
    }

    /// How many indicators the set holds.
    pub fn len(&self) -> usize {
        0
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Feeds the next observation of the stream; appends to `hits` every
    /// indicator whose pattern this observation completes.
    pub fn push(&mut self, observation: &Observation, hits: &mut Vec<Hit>) {
        let _ = (observation, hits);
        unimplemented!("being written")
    }
}
