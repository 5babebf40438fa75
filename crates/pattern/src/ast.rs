//! The syntax tree of a STIX pattern (STIX 2.1 §9.2, "Pattern Expressions").
//!
//! A pattern is an [`ObsExpr`] tree: observation expressions (`[...]`, one
//! observation each) joined by `AND`, `OR`, `FOLLOWEDBY` and qualified by
//! `WITHIN`, `REPEATS`, `START/STOP`. Inside the brackets is a [`CompExpr`]
//! tree of [`Comparison`]s joined by `AND` / `OR`.
//!
//! The tree keeps what the pattern says, not how it was spelt: parentheses that
//! change nothing are dropped and chains of one operator are flattened, so the
//! normalised form ([`std::fmt::Display`] on [`crate::Pattern`]) re-parses to
//! an equal tree. Every comparison keeps the byte span it came from, for error
//! messages; spans are ignored by equality.

use crate::time::Instant;

/// An observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ObsExpr {
    /// `[ comparison expression ]`: one observation satisfies it.
    Leaf(CompExpr),
    /// `A AND B AND ...` (two or more): every operand, each by its own observations.
    And(Vec<ObsExpr>),
    /// `A OR B OR ...` (two or more).
    Or(Vec<ObsExpr>),
    /// `A FOLLOWEDBY B FOLLOWEDBY ...` (two or more): each operand's observations
    /// come no earlier than the previous operand's (STIX 2.1 §9.5).
    FollowedBy(Vec<ObsExpr>),
    /// An observation expression with one qualifier.
    Qualified(Box<ObsExpr>, Qualifier),
}

impl ObsExpr {
    /// The bracketed observation expressions, in the order they are written.
    pub fn leaves(&self) -> Vec<&CompExpr> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e {
                ObsExpr::Leaf(c) => out.push(c),
                ObsExpr::And(v) | ObsExpr::Or(v) | ObsExpr::FollowedBy(v) => {
                    stack.extend(v.iter().rev())
                }
                ObsExpr::Qualified(inner, _) => stack.push(inner),
            }
        }
        out
    }

    /// Every comparison of the pattern, in the order they are written.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        self.leaves()
            .into_iter()
            .flat_map(CompExpr::comparisons)
            .collect()
    }
}

/// A qualifier (STIX 2.1 §9.6).
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`: all observations of the match within `n` seconds.
    /// `n` is kept as written (an integer or a float literal, positive).
    Within(Number),
    /// `REPEATS n TIMES`: the expression matches `n` times, on distinct observations.
    Repeats(u64),
    /// `START t'..' STOP t'..'`: observations between the two instants
    /// (start inclusive, stop exclusive).
    StartStop(Timestamp, Timestamp),
}

/// A comparison expression (inside one observation expression's brackets).
#[derive(Debug, Clone, PartialEq)]
pub enum CompExpr {
    /// One comparison.
    Test(Comparison),
    /// `A AND B AND ...` (two or more).
    And(Vec<CompExpr>),
    /// `A OR B OR ...` (two or more).
    Or(Vec<CompExpr>),
}

impl CompExpr {
    /// The comparisons, in the order they are written.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(c) = stack.pop() {
            match c {
                CompExpr::Test(t) => out.push(t),
                CompExpr::And(v) | CompExpr::Or(v) => stack.extend(v.iter().rev()),
            }
        }
        out
    }
}

/// A comparison operator (STIX 2.1 §9.3, table "Comparison Operators").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=` (also written `==`)
    Eq,
    /// `!=` (also written `<>`)
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `IN ( ... )`
    In,
    /// `LIKE '...'` (SQL `%` and `_` wildcards)
    Like,
    /// `MATCHES '...'` (a regular expression, PCRE syntax per the spec; the
    /// `regex` crate's linear-time subset here)
    Matches,
    /// `ISSUBSET '...'` (the value, an IP address or CIDR block, lies inside the literal's block)
    IsSubset,
    /// `ISSUPERSET '...'` (the value's block contains the literal's)
    IsSuperset,
    /// `EXISTS path` (no literal)
    Exists,
}

impl Op {
    /// The keyword or symbol, as the normalised form writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => "IN",
            Op::Like => "LIKE",
            Op::Matches => "MATCHES",
            Op::IsSubset => "ISSUBSET",
            Op::IsSuperset => "ISSUPERSET",
            Op::Exists => "EXISTS",
        }
    }
}

/// One comparison: `path [NOT] op literal`, or `[NOT] EXISTS path`.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The object path on the left.
    pub path: ObjectPath,
    /// `NOT` before the operator: the comparison's result is inverted (for
    /// how `NOT` treats missing properties see the evaluator).
    pub negated: bool,
    /// The operator.
    pub op: Op,
    /// The literal on the right; `None` only for [`Op::Exists`]. For `IN` a
    /// [`Literal::Set`].
    pub value: Option<Literal>,
    /// For `LIKE` and `MATCHES`: the compiled expression (`LIKE` is translated
    /// to a regular expression anchored at both ends).
    pub regex: Option<Regex>,
    /// Byte span of the whole comparison in the pattern text.
    pub span: (usize, usize),
}

impl PartialEq for Comparison {
    /// Equal when they say the same thing (spans and compiled forms aside).
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
            && self.negated == other.negated
            && self.op == other.op
            && self.value == other.value
    }
}

/// A compiled regular expression; equal when compiled from the same source.
#[derive(Debug, Clone)]
pub struct Regex(pub regex::Regex);

impl PartialEq for Regex {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

/// An object path: `type:prop.key[0].'quoted key'[*]...` (STIX 2.1 §9.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    /// The SCO type, e.g. `file`, `ipv4-addr`, `x-custom`.
    pub object_type: String,
    /// The steps after the colon; the first is always a [`Step::Key`].
    pub steps: Vec<Step>,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// A property or dictionary key (quotes in the pattern removed). When the
    /// value reached so far is a `*_ref` / `*_refs` property, the key applies to
    /// the object(s) it references (dereferencing, §9.4).
    Key(String),
    /// `[n]`: one list element (negative indices are refused by the 2.1 grammar
    /// but parsed; they never match).
    Index(i64),
    /// `[*]`: any list element.
    AnyIndex,
}

/// A number as written: integer or float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
}

impl Number {
    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// A timestamp literal `t'...'`: the text between the quotes and the instant it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Timestamp {
    /// As written, e.g. `2016-01-01T00:00:00Z`.
    pub text: String,
    /// The instant; `None` when the text has the grammar's form but names no
    /// real date (`2024-04-31`): the grammar accepts it, evaluation refuses it.
    pub instant: Option<Instant>,
}

/// A literal value (STIX 2.1 §9.3, "Literals").
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'...'`, escapes (`\'`, `\\`) resolved.
    Str(String),
    /// An integer or float.
    Num(Number),
    /// `true` / `false`.
    Bool(bool),
    /// `h'...'`: the bytes the hex digits spell.
    Hex(Vec<u8>),
    /// `b'...'`: the bytes the base64 text decodes to.
    Binary(Vec<u8>),
    /// `t'...'` (or, in STIX 2.0 qualifiers, a plain string holding a timestamp).
    Timestamp(Timestamp),
    /// `( a, b, ... )`, for `IN`.
    Set(Vec<Literal>),
}
