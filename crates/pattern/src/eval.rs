//! Evaluation of a [`Pattern`] against observations, with the semantics of
//! the OASIS matcher (stix2-matcher 3.0.0) wherever STIX 2.1 §9 leaves a
//! choice; each such choice is named where it is made.
//!
//! Two stages. First every bracketed observation expression is tested
//! against every observation ([`comparison_matches`]); then [`bind`] looks
//! for a *binding*: an observation for every bracket (each observation
//! counted `number_observed` times, none used twice) that satisfies `AND`,
//! `OR`, `FOLLOWEDBY` and the qualifiers.
//!
//! Inside brackets, comparisons are per object: `AND` needs one object of the
//! path's type to satisfy both sides (the matcher's "root" objects; paths
//! through `*_ref`s still count for the object they start from).

mod bind;
pub(crate) mod compare;
pub(crate) mod nfc;

use crate::ast::{CompExpr, Comparison, Literal, ObjectPath, ObsExpr, Op, Qualifier, Step};
use crate::observation::Observation;
use crate::Pattern;
use serde_json::Value;

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

pub(crate) fn fail<T>(message: String) -> Result<T, EvalError> {
    Err(EvalError { message })
}

impl Pattern {
    /// Whether the observations, taken together, satisfy the pattern; if so,
    /// which of them make up the (first found) match.
    ///
    /// Like the OASIS matcher, every comparison is evaluated on every
    /// observation before any binding is sought, so an error anywhere (a
    /// property value a comparison cannot take) is an error of the whole
    /// evaluation, even where another part of the pattern already decides it.
    pub fn matches(&self, observations: &[Observation]) -> Result<Option<Match>, EvalError> {
        let refs: Vec<&Observation> = observations.iter().collect();
        self.matches_in(&refs)
    }

    /// [`Pattern::matches`] over references to observations.
    pub fn matches_in(&self, observations: &[&Observation]) -> Result<Option<Match>, EvalError> {
        evaluable(&self.root)?;
        let mut leaves = Vec::new();
        collect_leaves(&self.root, &mut leaves);
        let mut candidates = Vec::with_capacity(leaves.len());
        for leaf in &leaves {
            let mut hits = Vec::new();
            for (i, obs) in observations.iter().enumerate() {
                if comparison_matches(leaf, obs)? {
                    hits.push(i);
                }
            }
            candidates.push(hits);
        }
        bind::find(&self.root, &candidates, observations)
    }

    /// The errors the OASIS matcher raises whatever the observations: a set
    /// literal mixing types (`IN (1, 'a')`; integers and floats may mix), a
    /// timestamp naming no real instant, `WITHIN` of zero or less, `REPEATS`
    /// of zero, a STIX 2.0 `START`/`STOP` string that is not a timestamp.
    /// [`Pattern::matches`] checks them first; a caller that evaluates the
    /// brackets itself ([`comparison_matches`]) should call this once.
    pub fn evaluable(&self) -> Result<(), EvalError> {
        evaluable(&self.root)
    }
}

fn collect_leaves<'p>(e: &'p ObsExpr, out: &mut Vec<&'p CompExpr>) {
    match e {
        ObsExpr::Leaf(c) => out.push(c),
        ObsExpr::And(v) | ObsExpr::Or(v) | ObsExpr::FollowedBy(v) => {
            v.iter().for_each(|e| collect_leaves(e, out))
        }
        ObsExpr::Qualified(e, _) => collect_leaves(e, out),
    }
}

fn evaluable(e: &ObsExpr) -> Result<(), EvalError> {
    match e {
        ObsExpr::Leaf(c) => comp_evaluable(c),
        ObsExpr::And(v) | ObsExpr::Or(v) | ObsExpr::FollowedBy(v) => {
            v.iter().try_for_each(evaluable)
        }
        ObsExpr::Qualified(e, q) => {
            match q {
                Qualifier::Within(n) if n.as_f64() <= 0.0 || !n.as_f64().is_finite() => {
                    return fail(format!(
                        "WITHIN takes a positive number of seconds, not {}",
                        n.as_f64()
                    ))
                }
                Qualifier::Repeats(0) => {
                    return fail("REPEATS takes a count of at least 1, not 0".into())
                }
                Qualifier::StartStop(a, b) => {
                    for t in [a, b] {
                        if t.instant.is_none() {
                            return fail(format!(
                                "START/STOP: '{}' is not a valid timestamp",
                                t.text
                            ));
                        }
                    }
                }
                _ => {}
            }
            evaluable(e)
        }
    }
}

fn comp_evaluable(c: &CompExpr) -> Result<(), EvalError> {
    match c {
        CompExpr::Test(t) => match &t.value {
            Some(v) => literal_evaluable(v),
            None => Ok(()),
        },
        CompExpr::And(v) | CompExpr::Or(v) => v.iter().try_for_each(comp_evaluable),
    }
}

fn literal_evaluable(l: &Literal) -> Result<(), EvalError> {
    match l {
        Literal::Timestamp(t) if t.instant.is_none() => {
            fail(format!("'{}' is not a valid timestamp", t.text))
        }
        Literal::Set(items) => {
            items.iter().try_for_each(literal_evaluable)?;
            let kind = |l: &Literal| match l {
                Literal::Str(_) => 0,
                Literal::Num(_) => 1,
                Literal::Bool(_) => 2,
                Literal::Hex(_) | Literal::Binary(_) => 3,
                Literal::Timestamp(_) => 4,
                Literal::Set(_) => 5,
            };
            // The OASIS matcher's rule (the spec says nothing): one type,
            // but integers and floats may mix.
            match items.first() {
                Some(first) if items.iter().any(|i| kind(i) != kind(first)) => fail(
                    "a set literal must hold values of one type (integers and floats may mix)"
                        .into(),
                ),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Whether one observation satisfies one bracketed comparison expression.
///
/// Each comparison is evaluated on every object of its path's type (its
/// *root* objects), and passes for a root when any value the path reaches
/// from it passes; `AND` keeps the roots passing both sides, `OR` those
/// passing either. A root whose path reaches no value passes no comparison,
/// `NOT` or not: `[file:name NOT = 'a']` needs a name (OASIS matcher; the
/// spec does not say).
///
/// Every comparison is evaluated (no short cut), so that a value the
/// comparison cannot take is reported as the OASIS matcher reports it. No
/// allocation for a comparison of plain JSON values on an observation of at
/// most 64 objects.
pub fn comparison_matches(expr: &CompExpr, obs: &Observation) -> Result<bool, EvalError> {
    let n = obs.objects.len();
    let roots = roots_of(expr, obs, n)?;
    Ok(!roots.is_empty())
}

/// A set of root objects, by position in the observation's object map.
enum Roots {
    Small(u64),
    Large(Vec<u64>),
}

impl Roots {
    fn new(n: usize) -> Roots {
        if n <= 64 {
            Roots::Small(0)
        } else {
            Roots::Large(vec![0; n.div_ceil(64)])
        }
    }

    fn insert(&mut self, i: usize) {
        match self {
            Roots::Small(b) => *b |= 1 << i,
            Roots::Large(v) => v[i / 64] |= 1 << (i % 64),
        }
    }

    fn contains(&self, i: usize) -> bool {
        match self {
            Roots::Small(b) => i < 64 && *b & (1 << i) != 0,
            Roots::Large(v) => v.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Roots::Small(b) => *b == 0,
            Roots::Large(v) => v.iter().all(|&w| w == 0),
        }
    }

    fn combine(&mut self, other: &Roots, and: bool) {
        let op = |a: &mut u64, b: u64| {
            if and {
                *a &= b
            } else {
                *a |= b
            }
        };
        match (self, other) {
            (Roots::Small(a), Roots::Small(b)) => op(a, *b),
            (Roots::Large(a), Roots::Large(b)) => a.iter_mut().zip(b).for_each(|(a, &b)| op(a, b)),
            _ => unreachable!("root sets of one observation have one size"),
        }
    }
}

/// The names of the objects of `obs` on which the comparison expression
/// holds (its root objects: those of its type whose values pass).
pub fn comparison_roots<'a>(
    expr: &CompExpr,
    obs: &'a Observation,
) -> Result<Vec<&'a str>, EvalError> {
    let n = obs.objects.len();
    let roots = roots_of(expr, obs, n)?;
    Ok(obs
        .objects
        .keys()
        .enumerate()
        .filter(|(i, _)| roots.contains(*i))
        .map(|(_, k)| k.as_str())
        .collect())
}

fn roots_of(expr: &CompExpr, obs: &Observation, n: usize) -> Result<Roots, EvalError> {
    match expr {
        CompExpr::Test(c) => test_roots(c, obs, n),
        CompExpr::And(v) | CompExpr::Or(v) => {
            let and = matches!(expr, CompExpr::And(_));
            let mut acc: Option<Roots> = None;
            for e in v {
                let r = roots_of(e, obs, n)?;
                match &mut acc {
                    None => acc = Some(r),
                    Some(a) => a.combine(&r, and),
                }
            }
            Ok(acc.unwrap_or_else(|| Roots::new(n)))
        }
    }
}

fn test_roots(c: &Comparison, obs: &Observation, n: usize) -> Result<Roots, EvalError> {
    if let Some(v) = &c.value {
        literal_evaluable(v)?;
    }
    let mut roots = Roots::new(n);
    for (i, obj) in obs.objects.values().enumerate() {
        if type_of(obj) != Some(c.path.object_type.as_str()) {
            continue;
        }
        let mut passed = false;
        let mut reached = false;
        // Walk every value even after one passed: errors in stepping the path
        // are raised by the OASIS matcher for all values.
        walk(obs, Val::Json(obj), &c.path.steps, true, &mut |v| {
            reached = true;
            if !passed && c.op != Op::Exists && compare::test(c, &v)? {
                passed = true;
            }
            Ok(())
        })?;
        if c.op == Op::Exists {
            // Not in the OASIS matcher (its grammar has EXISTS, its matcher
            // does not): the spec's meaning, per root object.
            passed = reached != c.negated;
        }
        if passed {
            roots.insert(i);
        }
    }
    Ok(roots)
}

/// A value a path reaches.
pub(crate) enum Val<'a> {
    /// A JSON value of the observation.
    Json(&'a Value),
    /// The bytes of a `*_hex` / `*_bin` property (with its JSON text).
    Bytes(&'a Value, Vec<u8>),
    /// The objects a `*_refs` list names that are in the observation (with
    /// the JSON list). An index step picks among these, not the ids.
    Refs(&'a Value, Vec<&'a Value>),
}

impl<'a> Val<'a> {
    fn raw(&self) -> &'a Value {
        match self {
            Val::Json(v) | Val::Bytes(v, _) | Val::Refs(v, _) => v,
        }
    }
}

/// The value of `key` in a JSON object. Observed objects are small: below a
/// dozen keys a scan of the (ordered) entries beats hashing the key.
pub(crate) fn field<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= 12 {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// An object's `type`.
pub(crate) fn type_of(obj: &Value) -> Option<&str> {
    match obj {
        Value::Object(map) => field(map, "type").and_then(Value::as_str),
        _ => None,
    }
}

/// Every value `path` reaches in `obs`, from every object of its type:
/// dictionary keys, list indices, `[*]` over every element, and `*_ref` /
/// `*_refs` properties followed to the objects they name in the observation
/// (names that resolve to nothing are skipped). A `*_hex` / `*_bin` property
/// is returned as its JSON text (the evaluator compares its bytes); a path
/// ending at a `*_refs` property returns the JSON list of ids. Values of the
/// wrong shape are skipped, not reported (see [`comparison_matches`]).
pub fn path_values<'a>(path: &ObjectPath, obs: &'a Observation) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for obj in obs.objects.values() {
        if type_of(obj) == Some(path.object_type.as_str()) {
            values_from(path, obs, obj, &mut out);
        }
    }
    out
}

/// The values the comparison's path reaches from the object named `name` in
/// `obs` on which the comparison holds (for `EXISTS`, every value reached):
/// what a match was made on.
pub fn passing_values<'a>(
    c: &Comparison,
    obs: &'a Observation,
    name: &str,
) -> Result<Vec<&'a Value>, EvalError> {
    let mut out = Vec::new();
    let Some(obj) = obs.objects.get(name) else {
        return Ok(out);
    };
    if type_of(obj) != Some(c.path.object_type.as_str()) {
        return Ok(out);
    }
    walk(obs, Val::Json(obj), &c.path.steps, true, &mut |v| {
        if c.op == Op::Exists || compare::test(c, &v)? {
            out.push(v.raw());
        }
        Ok(())
    })?;
    Ok(out)
}

/// [`path_values`] from one object of the observation (whose type the caller
/// has checked), appended to `out`.
pub(crate) fn values_from<'a>(
    path: &ObjectPath,
    obs: &'a Observation,
    root: &'a Value,
    out: &mut Vec<&'a Value>,
) {
    let _ = walk(obs, Val::Json(root), &path.steps, false, &mut |v| {
        out.push(v.raw());
        Ok(())
    });
}

/// Follows `steps` from `val`, calling `f` on every value reached. With
/// `strict`, values the OASIS matcher refuses (a `*_ref` that is not a
/// string, bad hex) are errors; otherwise they are skipped.
fn walk<'a>(
    obs: &'a Observation,
    val: Val<'a>,
    steps: &[Step],
    strict: bool,
    f: &mut dyn FnMut(Val<'a>) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let Some((step, rest)) = steps.split_first() else {
        return f(val);
    };
    let skip = |e: EvalError| if strict { Err(e) } else { Ok(()) };
    match step {
        Step::Key(key) => {
            let Val::Json(Value::Object(map)) = val else {
                return Ok(());
            };
            let Some(v) = field(map, key) else {
                return Ok(());
            };
            if key.ends_with("_hex") || key.ends_with("_bin") {
                return match compare::decode_binary(key, v) {
                    Ok(bytes) => walk(obs, Val::Bytes(v, bytes), rest, strict, f),
                    Err(e) => skip(e),
                };
            }
            if key.ends_with("_ref") {
                let Some(id) = v.as_str() else {
                    return skip(EvalError {
                        message: format!(
                            "the value of reference property '{key}' is not a string: {v}"
                        ),
                    });
                };
                return match obs.objects.get(id) {
                    Some(target) => walk(obs, Val::Json(target), rest, strict, f),
                    None => Ok(()),
                };
            }
            if key.ends_with("_refs") {
                let Value::Array(ids) = v else {
                    return skip(EvalError {
                        message: format!(
                            "the value of reference list property '{key}' is not a list: {v}"
                        ),
                    });
                };
                let mut targets = Vec::with_capacity(ids.len());
                for id in ids {
                    match id.as_str() {
                        Some(id) => targets.extend(obs.objects.get(id).map(|t| &**t)),
                        None => {
                            skip(EvalError {
                                message: format!(
                                    "a value of reference list property '{key}' is not a string: {id}"
                                ),
                            })?;
                        }
                    }
                }
                if targets.is_empty() {
                    return Ok(());
                }
                return walk(obs, Val::Refs(v, targets), rest, strict, f);
            }
            walk(obs, Val::Json(v), rest, strict, f)
        }
        Step::Index(i) => {
            let Ok(i) = usize::try_from(*i) else {
                return Ok(());
            };
            match val {
                Val::Json(Value::Array(items)) => match items.get(i) {
                    Some(v) => walk(obs, Val::Json(v), rest, strict, f),
                    None => Ok(()),
                },
                Val::Refs(_, targets) => match targets.get(i) {
                    Some(v) => walk(obs, Val::Json(v), rest, strict, f),
                    None => Ok(()),
                },
                _ => Ok(()),
            }
        }
        Step::AnyIndex => match val {
            Val::Json(Value::Array(items)) => {
                for v in items {
                    walk(obs, Val::Json(v), rest, strict, f)?;
                }
                Ok(())
            }
            Val::Refs(_, targets) => {
                for v in targets {
                    walk(obs, Val::Json(v), rest, strict, f)?;
                }
                Ok(())
            }
            _ => Ok(()),
        },
    }
}
