//! Evaluation of a [`Pattern`] against observations.

use crate::observation::Observation;
use crate::Pattern;

/// The observations of one match: indices into what was given, ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Which observations take part in the match.
    pub observations: Vec<usize>,
}

/// A pattern that cannot be evaluated on the given observations (the OASIS
/// matcher's `MatcherException`): e.g. a comparison the spec forbids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    /// What went wrong.
    pub message: String,
}

impl Pattern {
    /// Whether the observations, taken together, satisfy the pattern; if so,
    /// which of them make up the (first found) match.
    pub fn matches(&self, observations: &[Observation]) -> Result<Option<Match>, EvalError> {
        let _ = observations;
        Err(EvalError { message: "not written yet".into() })
    }
}
