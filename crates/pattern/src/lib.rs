//! The STIX patterning language (STIX 2.1 §9, and the STIX 2.0 grammar where it
//! differs): parse a pattern into a syntax tree with byte-exact errors, print
//! its normalised form, evaluate it against observations, and match many
//! indicators at once with [`IndicatorSet`].
//!
//! Pure: no I/O, no async, no store. Regular expressions (`MATCHES`, `LIKE`)
//! run on the `regex` crate, whose time is linear in the input.
//!
//! ```
//! use vigil_pattern::Pattern;
//! let p = Pattern::parse("[ipv4-addr:value = '198.51.100.1'] AND [domain-name:value = 'evil.example']").unwrap();
//! assert_eq!(p.to_string(), "[ipv4-addr:value = '198.51.100.1'] AND [domain-name:value = 'evil.example']");
//! let err = Pattern::parse("[file:name = 'a' AND]").unwrap_err();
//! assert_eq!(err.span.0, 20);
//! ```

pub mod ast;
mod check;
mod display;
mod eval;
#[doc(hidden)]
pub mod fuzzing;
mod fx;
mod lexer;
pub mod observation;
mod parse;
pub mod set;
pub mod time;

pub use ast::{CompExpr, Comparison, Literal, ObjectPath, ObsExpr, Op, Qualifier, Step};
pub use eval::{
    comparison_matches, comparison_roots, passing_values, path_values, EvalError, Match,
};
pub use observation::{Observation, ObservationError};
pub use set::{Entry, Hit, IndicatorSet};
pub use time::Instant;

/// Which STIX version's pattern grammar (and matcher behaviour) applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StixVersion {
    /// STIX 2.0: `START '...' STOP '...'` takes plain strings; observed-data
    /// carries its objects in an `objects` dictionary.
    V20,
    /// STIX 2.1 (the default).
    #[default]
    V21,
}

/// Why a pattern was refused: where, what, and a stable rule name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {})", span.0)]
pub struct PatternError {
    /// Byte range of the offending text in the pattern (empty at the end of input).
    pub span: (usize, usize),
    /// What is wrong, for a detection engineer.
    pub message: String,
    /// A stable name of the rule broken: `pattern-syntax`, `pattern-qualifier`,
    /// `pattern-object-type`, `pattern-property`, `pattern-hash`,
    /// `pattern-type` (an operator applied to a literal it cannot take),
    /// `pattern-regex` (a regular expression that cannot run in linear time or
    /// does not compile), `pattern-limit` (too deep or too long).
    pub rule: &'static str,
}

/// A parsed pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    root: ObsExpr,
    version: StixVersion,
    /// The first finding of [`Pattern::check`], found while parsing.
    finding: Option<PatternError>,
}

impl PartialEq for Pattern {
    /// Equal when they say the same thing under the same grammar.
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root && self.version == other.version
    }
}

/// The longest pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 16 << 20;

/// The deepest nesting of parentheses and brackets accepted.
pub const MAX_DEPTH: usize = 100;

impl Pattern {
    /// Parses a STIX 2.1 pattern.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        Pattern::parse_version(text, StixVersion::V21)
    }

    /// Parses a pattern under the grammar of `version`.
    pub fn parse_version(text: &str, version: StixVersion) -> Result<Pattern, PatternError> {
        parse::parse(text, version).map(|p| Pattern {
            root: p.root,
            version,
            finding: p.finding,
        })
    }

    /// The checks the OASIS pattern validator (stix2-patterns) makes beyond the
    /// grammar: the same qualifier twice in a row on one bracketed observation
    /// expression, and hash values of the wrong form for their algorithm
    /// (`file:hashes.MD5 = 'f00'`). The OASIS matcher does not make them, so
    /// [`Pattern::parse`] does not either.
    pub fn check(&self) -> Result<(), PatternError> {
        if let Some(f) = &self.finding {
            return Err(f.clone());
        }
        check::hashes(&self.root)
    }

    /// The syntax tree.
    pub fn root(&self) -> &ObsExpr {
        &self.root
    }

    /// The grammar it was parsed under.
    pub fn version(&self) -> StixVersion {
        self.version
    }
}
