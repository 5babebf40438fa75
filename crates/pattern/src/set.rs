//! [`IndicatorSet`]: many indicators, one observation stream, at a cost per
//! observation that does not grow with the number of indicators.
//!
//! How: every observation expression (`[...]`) of every pattern is reduced to
//! *anchors*, facts one observation must show for the expression to be true:
//! - `path = 'v'` and `path IN ('a', 'b')`: the path has that value
//!   (a hash-table lookup, by path and value);
//! - `path ISSUBSET 'net/n'`: the path holds an address inside the block
//!   (one lookup per prefix length in use);
//! - `path LIKE '...'`, `path MATCHES '...'`: the path holds a string the
//!   expression matches (all of a path's expressions run as one `RegexSet`);
//! - anything else (`!=`, orders, `EXISTS`, anything under `NOT`): the
//!   observation holds an object of the path's type (every such expression
//!   for that type is tried; `NOT EXISTS` is tried on every observation).
//!
//! `AND` needs one operand's anchors (the most selective), `OR` all
//! operands'. An observation's candidates are found by looking up only the
//! paths whose object type it holds; each candidate is then confirmed by the
//! evaluator ([`crate::eval::comparison_matches`]), so anchors only ever
//! narrow, never decide.
//!
//! Patterns of one observation expression report a hit on the observation
//! that satisfies them. Patterns over several observations (`AND`, `OR`,
//! `FOLLOWEDBY` between brackets, qualifiers) keep, per pattern, the recent
//! observations that satisfied one of their expressions, at most
//! [`MAX_KEPT`] (oldest dropped first; for a pattern under `WITHIN n SECONDS`
//! those more than n seconds older than the newest are dropped too), and run
//! the evaluator over them when one arrives. A completed match is reported
//! once and its observations are consumed, so the next hit of that indicator
//! needs new observations.
//!
//! Simple equality indicators (`[type:path = 'value']`, the bulk of real
//! feeds) are stored compactly: the id, the value and a path number, not the
//! pattern's tree.

use crate::ast::{CompExpr, Comparison, Literal, ObjectPath, ObsExpr, Op, Qualifier, Step};
use crate::eval::{comparison_matches, path_values, type_of, values_from};
use crate::fx::{FxBuild, FxMap};
use crate::observation::Observation;
use crate::time::Instant;
use crate::Pattern;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::hash::Hasher;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

/// The most observations a multi-observation pattern keeps while it waits
/// for the rest of a match.
pub const MAX_KEPT: usize = 256;

/// The `valid_until` of an indicator without one: after every instant.
const NEVER: Instant = Instant {
    secs: i64::MAX,
    nanos: 0,
};

/// One indicator as the set holds it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The indicator's id (any string; unique within the set).
    pub id: Arc<str>,
    /// Its parsed pattern.
    pub pattern: Pattern,
    /// `valid_from`: when the intelligence became known. Not used for
    /// matching: observations from before it still match (that is retro-hunting).
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

/// The hash of an indicator id.
fn id_hash(id: &str) -> u64 {
    let mut h = FxBuild::default().build_hasher();
    h.write(id.as_bytes());
    h.finish()
}

/// The hash of an equality key: the path's number and the value.
fn key_hash(path: u32, value: KeyRef<'_>) -> u64 {
    let mut h = FxBuild::default().build_hasher();
    h.write_u32(path);
    match value {
        KeyRef::Str(s) => {
            h.write_u8(0);
            h.write(s.as_bytes());
        }
        KeyRef::Num(bits) => {
            h.write_u8(1);
            h.write_u64(bits);
        }
        KeyRef::Bool(b) => {
            h.write_u8(2);
            h.write_u8(u8::from(b));
        }
    }
    // One more round so the low bits (the table's index) depend on everything.
    let x = h.finish();
    (x ^ x >> 29).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ x >> 32
}

/// An equality key, borrowed.
#[derive(Clone, Copy)]
enum KeyRef<'a> {
    Str(&'a str),
    Num(u64),
    Bool(bool),
}

fn num_bits(f: f64) -> u64 {
    if f == 0.0 {
        0
    } else {
        f.to_bits()
    }
}

impl<'a> KeyRef<'a> {
    fn of_literal(l: &'a Literal) -> Option<KeyRef<'a>> {
        match l {
            Literal::Str(s) => Some(KeyRef::Str(s)),
            Literal::Num(n) => Some(KeyRef::Num(num_bits(n.as_f64()))),
            Literal::Bool(b) => Some(KeyRef::Bool(*b)),
            _ => None,
        }
    }

    fn of_value(v: &'a Value) -> Option<KeyRef<'a>> {
        match v {
            Value::String(s) => Some(KeyRef::Str(s)),
            Value::Number(n) => n.as_f64().map(|f| KeyRef::Num(num_bits(f))),
            Value::Bool(b) => Some(KeyRef::Bool(*b)),
            _ => None,
        }
    }
}

/// Where a candidate points: an indicator's slot and which of its observation
/// expressions (leaves, in tree order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    slot: u32,
    leaf: u32,
}

/// Targets under one key: most keys have one.
#[derive(Debug)]
enum Bucket {
    One(Target),
    Many(Vec<Target>),
}

impl Bucket {
    fn push(&mut self, t: Target) {
        match self {
            Bucket::One(first) => *self = Bucket::Many(vec![*first, t]),
            Bucket::Many(v) => v.push(t),
        }
    }

    fn as_slice(&self) -> &[Target] {
        match self {
            Bucket::One(t) => std::slice::from_ref(t),
            Bucket::Many(v) => v,
        }
    }

    /// Removes the slot's targets; whether the bucket is now empty.
    fn remove_slot(&mut self, slot: u32) -> bool {
        match self {
            Bucket::One(t) => t.slot == slot,
            Bucket::Many(v) => {
                v.retain(|t| t.slot != slot);
                let empty = v.is_empty();
                if let [only] = v.as_slice() {
                    let only = *only;
                    *self = Bucket::One(only);
                }
                empty
            }
        }
    }
}

/// One anchor of one observation expression.
#[derive(Debug, Clone, PartialEq)]
enum Anchor {
    Eq(ObjectPath, Literal),
    Cidr(ObjectPath, Net),
    /// The path holds a string the regular expression (as compiled for
    /// `LIKE` / `MATCHES`) finds a match in.
    Regex(ObjectPath, String),
    Type(String),
    Always,
}

/// The `LIKE` / `MATCHES` anchors of one path: one `RegexSet` runs them all
/// on a value at once. Rebuilt (at the next push) when they change.
#[derive(Debug, Default)]
struct RegexIndex {
    sources: Vec<String>,
    targets: Vec<Vec<Target>>,
    set: Option<regex::RegexSet>,
    dirty: bool,
}

/// An IPv4 or IPv6 block, as the key of the prefix tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Net {
    v6: bool,
    bits: u128,
    len: u8,
}

impl Net {
    /// An address or block, written `a.b.c.d[/n]` or IPv6 `x::y[/n]`.
    fn parse(s: &str) -> Option<Net> {
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
            None => (s, None),
        };
        if let Ok(a) = addr.parse::<Ipv4Addr>() {
            let len = len.unwrap_or(32);
            (len <= 32).then(|| Net {
                v6: false,
                bits: u128::from(u32::from(a)),
                len,
            })
        } else if let Ok(a) = addr.parse::<Ipv6Addr>() {
            let len = len.unwrap_or(128);
            (len <= 128).then(|| Net {
                v6: true,
                bits: u128::from(a),
                len,
            })
        } else {
            None
        }
    }

    fn width(self) -> u8 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// The block of the first `len` bits.
    fn masked(self, len: u8) -> Net {
        let shift = u32::from(self.width() - len);
        let bits = if shift >= 128 {
            0
        } else {
            self.bits >> shift << shift
        };
        Net {
            v6: self.v6,
            bits,
            len,
        }
    }
}

/// The anchors of one comparison expression: a list any one of which
/// must hold (`None`: the expression has no usable anchor).
fn anchors(c: &CompExpr) -> Vec<Anchor> {
    match c {
        CompExpr::Test(t) => test_anchors(t),
        CompExpr::Or(v) => {
            let mut all = Vec::new();
            for child in v {
                let a = anchors(child);
                if a.contains(&Anchor::Always) {
                    return vec![Anchor::Always];
                }
                all.extend(a);
            }
            all.dedup();
            all
        }
        CompExpr::And(v) => v
            .iter()
            .map(anchors)
            .min_by_key(|a| {
                // Prefer value anchors, then fewer of them; Always last.
                let weight = |x: &Anchor| match x {
                    Anchor::Eq(..) | Anchor::Cidr(..) => 1,
                    Anchor::Regex(..) => 10,
                    Anchor::Type(_) => 1_000,
                    Anchor::Always => 1_000_000,
                };
                a.iter().map(weight).sum::<usize>()
            })
            .unwrap_or_else(|| vec![Anchor::Always]),
    }
}

fn test_anchors(t: &Comparison) -> Vec<Anchor> {
    let typ = || vec![Anchor::Type(t.path.object_type.clone())];
    if t.negated {
        // `NOT EXISTS` may hold on an observation without any such object.
        return if t.op == Op::Exists {
            vec![Anchor::Always]
        } else {
            typ()
        };
    }
    // Binary properties compare as bytes (a string literal as Latin-1), and
    // `IN` compares as Python's sets do (`1`, `1.0` and `true` are one
    // value): value keys would miss those, so they get type anchors.
    let binary = is_binary_path(&t.path);
    match (t.op, &t.value) {
        (Op::Eq, Some(l)) if !binary && KeyRef::of_literal(l).is_some() => {
            vec![Anchor::Eq(t.path.clone(), l.clone())]
        }
        (Op::In, Some(Literal::Set(items)))
            if !binary
                && !items.is_empty()
                && items.iter().all(|l| matches!(l, Literal::Str(_))) =>
        {
            items
                .iter()
                .map(|l| Anchor::Eq(t.path.clone(), l.clone()))
                .collect()
        }
        (Op::Like | Op::Matches, Some(Literal::Str(_))) if !binary => match &t.regex {
            Some(re) => vec![Anchor::Regex(t.path.clone(), re.0.as_str().to_string())],
            None => typ(),
        },
        (Op::IsSubset, Some(Literal::Str(s))) => match Net::parse(s) {
            Some(net) => vec![Anchor::Cidr(t.path.clone(), net.masked(net.len))],
            None => typ(),
        },
        _ => typ(),
    }
}

/// Whether the path ends at a `*_hex` or `*_bin` property (bytes, for the evaluator).
fn is_binary_path(path: &ObjectPath) -> bool {
    matches!(path.steps.last(), Some(Step::Key(k)) if k.ends_with("_hex") || k.ends_with("_bin"))
}

/// A pattern of one observation expression that is one equality on a string:
/// its path and value.
fn simple_equality(p: &Pattern) -> Option<(&ObjectPath, &str)> {
    match p.root() {
        ObsExpr::Leaf(CompExpr::Test(Comparison {
            path,
            negated: false,
            op: Op::Eq,
            value: Some(Literal::Str(s)),
            ..
        })) if !is_binary_path(path) => Some((path, s)),
        _ => None,
    }
}

/// What a slot holds.
#[derive(Debug)]
enum Held {
    /// `[path = 'value']`, compactly: the value is the slot's text after the id.
    Equality { path: u32 },
    /// One observation expression, any content.
    Single(Box<Pattern>),
    /// Several observation expressions: the pattern and its waiting observations.
    Multi(Box<Multi>),
}

#[derive(Debug)]
struct Multi {
    pattern: Pattern,
    /// For `WITHIN n SECONDS` at the root: n.
    window: Option<f64>,
    kept: VecDeque<(u64, Arc<Observation>)>,
}

#[derive(Debug)]
struct Slot {
    /// The indicator's id, and for [`Held::Equality`] the value right after
    /// it: one allocation per indicator.
    text: Box<str>,
    id_len: u32,
    /// `valid_until`; [`NEVER`] when unset (16 bytes where an `Option` takes 24).
    until: Instant,
    held: Held,
}

impl Slot {
    fn id(&self) -> &str {
        &self.text[..self.id_len as usize]
    }

    /// The value of an equality indicator.
    fn value(&self) -> &str {
        &self.text[self.id_len as usize..]
    }

    fn hit(&self, observations: Vec<u64>) -> Hit {
        Hit {
            indicator: Arc::from(self.id()),
            observations,
        }
    }
}

/// Many indicators, matched against a stream of observations at a cost that
/// does not grow with the number of indicators.
#[derive(Debug, Default)]
pub struct IndicatorSet {
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    /// Slots by the hash of their id (checked against the slot's id); the
    /// rare slot whose id's hash is taken is in `by_id_collided`.
    by_id: FxMap<u64, u32>,
    by_id_collided: Vec<u32>,
    count: usize,
    /// Paths with equality or prefix anchors, numbered; by object type.
    paths: Vec<ObjectPath>,
    path_ids: HashMap<ObjectPath, u32>,
    paths_by_type: FxMap<String, Vec<u32>>,
    /// Uses of each path number (to know when a type has none left).
    path_uses: Vec<u32>,
    eq: FxMap<u64, Bucket>,
    /// Prefix anchors: (path, prefix length, masked block) -> targets, and
    /// per path the prefix lengths in use (v4 and v6 separately).
    cidr: FxMap<(u32, Net), Bucket>,
    cidr_lens: FxMap<u32, Vec<(bool, u8, u32)>>,
    regexes: FxMap<u32, RegexIndex>,
    /// Some `RegexIndex` is dirty (so a push need not look at each).
    regexes_changed: bool,
    by_type: FxMap<String, Vec<Target>>,
    always: Vec<Target>,
    next_seq: u64,
    errors: u64,
    /// The candidate list, kept between pushes (no allocation per observation).
    scratch: Vec<Target>,
}

impl IndicatorSet {
    /// An empty set.
    pub fn new() -> IndicatorSet {
        IndicatorSet::default()
    }

    /// How many indicators the set holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// How many evaluations failed (the evaluator's errors, e.g. a comparison
    /// the spec forbids on the observed value); such an evaluation is no match.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    fn path_id(&mut self, path: &ObjectPath) -> u32 {
        if let Some(&id) = self.path_ids.get(path) {
            self.path_uses[id as usize] += 1;
            return id;
        }
        let id = self.paths.len() as u32;
        self.paths.push(path.clone());
        self.path_ids.insert(path.clone(), id);
        self.path_uses.push(1);
        self.paths_by_type
            .entry(path.object_type.clone())
            .or_default()
            .push(id);
        id
    }

    fn release_path(&mut self, id: u32) {
        let uses = &mut self.path_uses[id as usize];
        *uses = uses.saturating_sub(1);
        if *uses == 0 {
            let t = &self.paths[id as usize].object_type;
            if let Some(v) = self.paths_by_type.get_mut(t) {
                v.retain(|&p| p != id);
            }
            self.cidr_lens.remove(&id);
        }
    }

    /// Adds an indicator, or replaces the one with the same id (its waiting
    /// observations are dropped).
    pub fn insert(&mut self, entry: Entry) {
        self.remove(&entry.id);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        let equality = simple_equality(&entry.pattern);
        let mut text = String::with_capacity(entry.id.len() + equality.map_or(0, |(_, v)| v.len()));
        text.push_str(&entry.id);
        let held = if let Some((path, value)) = equality {
            text.push_str(value);
            let path = self.path_id(path);
            let h = key_hash(path, KeyRef::Str(value));
            let t = Target { slot, leaf: 0 };
            self.eq
                .entry(h)
                .and_modify(|b| b.push(t))
                .or_insert(Bucket::One(t));
            Held::Equality { path }
        } else {
            let leaves: Vec<Vec<Anchor>> = entry
                .pattern
                .root()
                .leaves()
                .into_iter()
                .map(anchors)
                .collect();
            for (leaf, list) in leaves.into_iter().enumerate() {
                let t = Target {
                    slot,
                    leaf: leaf as u32,
                };
                for a in list {
                    self.add_anchor(a, t);
                }
            }
            if matches!(entry.pattern.root(), ObsExpr::Leaf(_)) {
                Held::Single(Box::new(entry.pattern))
            } else {
                let window = match entry.pattern.root() {
                    ObsExpr::Qualified(_, Qualifier::Within(n)) => Some(n.as_f64()),
                    _ => None,
                };
                Held::Multi(Box::new(Multi {
                    pattern: entry.pattern,
                    window,
                    kept: VecDeque::new(),
                }))
            }
        };
        match self.by_id.entry(id_hash(&entry.id)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(slot);
            }
            std::collections::hash_map::Entry::Occupied(_) => self.by_id_collided.push(slot),
        }
        self.count += 1;
        self.slots[slot as usize] = Some(Slot {
            text: text.into_boxed_str(),
            id_len: entry.id.len() as u32,
            until: entry.valid_until.unwrap_or(NEVER),
            held,
        });
    }

    fn add_anchor(&mut self, a: Anchor, t: Target) {
        match a {
            Anchor::Eq(path, lit) => {
                let p = self.path_id(&path);
                let Some(k) = KeyRef::of_literal(&lit) else {
                    return;
                };
                let h = key_hash(p, k);
                self.eq
                    .entry(h)
                    .and_modify(|b| b.push(t))
                    .or_insert(Bucket::One(t));
            }
            Anchor::Cidr(path, net) => {
                let p = self.path_id(&path);
                let lens = self.cidr_lens.entry(p).or_default();
                match lens
                    .iter_mut()
                    .find(|(v6, l, _)| *v6 == net.v6 && *l == net.len)
                {
                    Some(e) => e.2 += 1,
                    None => lens.push((net.v6, net.len, 1)),
                }
                self.cidr
                    .entry((p, net))
                    .and_modify(|b| b.push(t))
                    .or_insert(Bucket::One(t));
            }
            Anchor::Regex(path, source) => {
                let p = self.path_id(&path);
                let ri = self.regexes.entry(p).or_default();
                match ri.sources.iter().position(|s| *s == source) {
                    Some(i) => ri.targets[i].push(t),
                    None => {
                        ri.sources.push(source);
                        ri.targets.push(vec![t]);
                    }
                }
                ri.dirty = true;
                self.regexes_changed = true;
            }
            Anchor::Type(ty) => self.by_type.entry(ty).or_default().push(t),
            Anchor::Always => self.always.push(t),
        }
    }

    fn remove_anchor(&mut self, a: Anchor, slot: u32) {
        match a {
            Anchor::Eq(path, lit) => {
                let Some(&p) = self.path_ids.get(&path) else {
                    return;
                };
                if let Some(k) = KeyRef::of_literal(&lit) {
                    let h = key_hash(p, k);
                    if self.eq.get_mut(&h).is_some_and(|b| b.remove_slot(slot)) {
                        self.eq.remove(&h);
                    }
                }
                self.release_path(p);
            }
            Anchor::Cidr(path, net) => {
                let Some(&p) = self.path_ids.get(&path) else {
                    return;
                };
                if self
                    .cidr
                    .get_mut(&(p, net))
                    .is_some_and(|b| b.remove_slot(slot))
                {
                    self.cidr.remove(&(p, net));
                }
                if let Some(lens) = self.cidr_lens.get_mut(&p) {
                    if let Some(e) = lens
                        .iter_mut()
                        .find(|(v6, l, _)| *v6 == net.v6 && *l == net.len)
                    {
                        e.2 -= 1;
                    }
                    lens.retain(|e| e.2 > 0);
                }
                self.release_path(p);
            }
            Anchor::Regex(path, source) => {
                let Some(&p) = self.path_ids.get(&path) else {
                    return;
                };
                if let Some(ri) = self.regexes.get_mut(&p) {
                    if let Some(i) = ri.sources.iter().position(|s| *s == source) {
                        ri.targets[i].retain(|t| t.slot != slot);
                        if ri.targets[i].is_empty() {
                            ri.sources.swap_remove(i);
                            ri.targets.swap_remove(i);
                        }
                        ri.dirty = true;
                        self.regexes_changed = true;
                    }
                    if ri.sources.is_empty() {
                        self.regexes.remove(&p);
                    }
                }
                self.release_path(p);
            }
            Anchor::Type(ty) => {
                if let Some(v) = self.by_type.get_mut(&ty) {
                    v.retain(|t| t.slot != slot);
                    if v.is_empty() {
                        self.by_type.remove(&ty);
                    }
                }
            }
            Anchor::Always => self.always.retain(|t| t.slot != slot),
        }
    }

    /// The slot of an id.
    fn find(&self, id: &str) -> Option<u32> {
        let holds = |&slot: &u32| {
            self.slots[slot as usize]
                .as_ref()
                .is_some_and(|s| s.id() == id)
        };
        let h = id_hash(id);
        self.by_id
            .get(&h)
            .copied()
            .filter(holds)
            .or_else(|| self.by_id_collided.iter().copied().find(holds))
    }

    /// Removes (revokes) an indicator; whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.find(id) else {
            return false;
        };
        let h = id_hash(id);
        if self.by_id.get(&h) == Some(&slot) {
            self.by_id.remove(&h);
            // A collided slot of the same hash takes its place.
            let same = self.by_id_collided.iter().position(|&c| {
                self.slots[c as usize]
                    .as_ref()
                    .is_some_and(|s| id_hash(s.id()) == h)
            });
            if let Some(i) = same {
                let c = self.by_id_collided.swap_remove(i);
                self.by_id.insert(h, c);
            }
        } else {
            self.by_id_collided.retain(|&c| c != slot);
        }
        let Some(s) = self.slots[slot as usize].take() else {
            return false;
        };
        self.count -= 1;
        match s.held {
            Held::Equality { path } => {
                let h = key_hash(path, KeyRef::Str(s.value()));
                if self.eq.get_mut(&h).is_some_and(|b| b.remove_slot(slot)) {
                    self.eq.remove(&h);
                }
                self.release_path(path);
            }
            Held::Single(p) => self.remove_pattern(&p, slot),
            Held::Multi(m) => self.remove_pattern(&m.pattern, slot),
        }
        self.free.push(slot);
        true
    }

    fn remove_pattern(&mut self, p: &Pattern, slot: u32) {
        for leaf in p.root().leaves() {
            for a in anchors(leaf) {
                self.remove_anchor(a, slot);
            }
        }
    }

    /// Feeds the next observation of the stream; appends to `hits` every
    /// indicator whose pattern this observation completes.
    pub fn push(&mut self, observation: &Observation, hits: &mut Vec<Hit>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.build_regex_sets();
        let mut candidates = std::mem::take(&mut self.scratch);
        candidates.clear();
        let mut values: Vec<&Value> = Vec::new();
        // Each object once: value anchors on the paths of its type, then the
        // expressions anchored on the type itself.
        let mut types_done: Vec<&str> = Vec::new();
        for obj in observation.objects.values() {
            let Some(ty) = type_of(obj) else {
                continue;
            };
            if let Some(ids) = self.paths_by_type.get(ty) {
                for &p in ids {
                    let path = &self.paths[p as usize];
                    values.clear();
                    values_from(path, observation, obj, &mut values);
                    for v in &values {
                        self.lookup(p, v, &mut candidates);
                    }
                }
            }
            if let Some(ts) = self.by_type.get(ty) {
                if !types_done.contains(&ty) {
                    types_done.push(ty);
                    candidates.extend_from_slice(ts);
                }
            }
        }
        candidates.extend_from_slice(&self.always);
        self.confirm(observation, seq, &mut candidates, hits);
        self.scratch = candidates;
    }

    /// The paths on which some indicator's value, prefix or
    /// regular-expression anchor looks values up, with their numbers for
    /// [`IndicatorSet::probe_str`] and [`IndicatorSet::probe_num`].
    ///
    /// With [`IndicatorSet::type_anchored`] and [`IndicatorSet::anchored_always`]
    /// this lets a caller that knows which values an observation would hold
    /// skip building observations that can have no candidate: an observation
    /// whose values meet no probe, holding no object of a type-anchored type,
    /// while nothing is anchored always, completes no match and is not kept by
    /// any pattern, so pushing it changes nothing but the stream position.
    pub fn anchored_paths(&self) -> impl Iterator<Item = (u32, &ObjectPath)> + '_ {
        self.paths
            .iter()
            .enumerate()
            .filter(|(i, _)| self.path_uses[*i] > 0)
            .map(|(i, p)| (i as u32, p))
    }

    /// The object types some expression is anchored on by type alone (an
    /// order, `!=`, `EXISTS`, anything under `NOT`): every observation
    /// holding such an object has candidates.
    pub fn type_anchored(&self) -> impl Iterator<Item = &str> + '_ {
        self.by_type
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, _)| k.as_str())
    }

    /// Whether some expression is a candidate for every observation (`NOT
    /// EXISTS`, or an `OR` with such an operand).
    pub fn anchored_always(&self) -> bool {
        !self.always.is_empty()
    }

    /// Whether a string value of path number `path` (from
    /// [`IndicatorSet::anchored_paths`]) meets a value, prefix or
    /// regular-expression anchor: if not, that value makes no candidate.
    pub fn probe_str(&mut self, path: u32, s: &str) -> bool {
        self.build_regex_sets();
        if self.eq.contains_key(&key_hash(path, KeyRef::Str(s))) {
            return true;
        }
        // Most sets hold equalities only: no second and third lookup then.
        if self.regexes.is_empty() && self.cidr_lens.is_empty() {
            return false;
        }
        if let Some(ri) = self.regexes.get(&path) {
            match &ri.set {
                Some(set) => {
                    if set.is_match(&crate::eval::nfc::nfc(s)) {
                        return true;
                    }
                }
                None => return true,
            }
        }
        if let Some(lens) = self.cidr_lens.get(&path) {
            if let Some(net) = Net::parse(s) {
                for &(v6, len, _) in lens {
                    if v6 == net.v6
                        && len <= net.len
                        && self.cidr.contains_key(&(path, net.masked(len)))
                    {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Whether a number value of path number `path` meets a value anchor.
    pub fn probe_num(&self, path: u32, n: f64) -> bool {
        self.eq
            .contains_key(&key_hash(path, KeyRef::Num(num_bits(n))))
    }

    /// Compiles the regular-expression anchors that changed. A set too big to
    /// compile leaves its targets to be tried on every value of the path.
    fn build_regex_sets(&mut self) {
        if !std::mem::take(&mut self.regexes_changed) {
            return;
        }
        for ri in self.regexes.values_mut() {
            if ri.dirty {
                ri.dirty = false;
                ri.set = regex::RegexSetBuilder::new(&ri.sources)
                    .size_limit(64 << 20)
                    .build()
                    .ok();
            }
        }
    }

    /// The targets whose value, prefix or regular-expression anchors `v` (a
    /// value of path `p`) meets.
    fn lookup(&self, p: u32, v: &Value, candidates: &mut Vec<Target>) {
        if let (Some(ri), Value::String(s)) = (self.regexes.get(&p), v) {
            match &ri.set {
                // The evaluator compares NFC forms (as the OASIS matcher does).
                Some(set) => {
                    for i in set.matches(&crate::eval::nfc::nfc(s)).iter() {
                        candidates.extend_from_slice(&ri.targets[i]);
                    }
                }
                None => ri
                    .targets
                    .iter()
                    .for_each(|t| candidates.extend_from_slice(t)),
            }
        }
        if let Some(k) = KeyRef::of_value(v) {
            if let Some(b) = self.eq.get(&key_hash(p, k)) {
                candidates.extend_from_slice(b.as_slice());
            }
        }
        if let (Some(lens), Value::String(s)) = (self.cidr_lens.get(&p), v) {
            if let Some(net) = Net::parse(s) {
                for &(v6, len, _) in lens {
                    if v6 == net.v6 && len <= net.len {
                        if let Some(b) = self.cidr.get(&(p, net.masked(len))) {
                            candidates.extend_from_slice(b.as_slice());
                        }
                    }
                }
            }
        }
    }

    /// Confirms each candidate with the evaluator and reports what completes.
    fn confirm(
        &mut self,
        observation: &Observation,
        seq: u64,
        candidates: &mut Vec<Target>,
        hits: &mut Vec<Hit>,
    ) {
        // Multi-observation patterns may list several leaves: confirm each
        // (slot, leaf) once, and run each slot's pattern once.
        if candidates.len() > 1 {
            candidates.sort_unstable_by_key(|t| (t.slot, t.leaf));
            candidates.dedup();
        }
        let mut shared: Option<Arc<Observation>> = None;
        let mut last_slot = u32::MAX;
        for &t in candidates.iter() {
            let Some(slot) = self.slots[t.slot as usize].as_mut() else {
                continue;
            };
            if observation.first_observed >= slot.until {
                continue;
            }
            match &mut slot.held {
                Held::Equality { path } => {
                    let path = &self.paths[*path as usize];
                    let value = slot.value();
                    let found = path_values(path, observation)
                        .into_iter()
                        .any(|v| v.as_str() == Some(value));
                    if found {
                        hits.push(slot.hit(vec![seq]));
                    }
                }
                Held::Single(p) => {
                    let ObsExpr::Leaf(c) = p.root() else {
                        continue;
                    };
                    match comparison_matches(c, observation) {
                        Ok(true) => hits.push(Hit {
                            indicator: Arc::from(&slot.text[..slot.id_len as usize]),
                            observations: vec![seq],
                        }),
                        Ok(false) => {}
                        Err(_) => self.errors += 1,
                    }
                }
                Held::Multi(m) => {
                    // Candidates are sorted by slot: one run of the pattern per slot.
                    if t.slot == last_slot {
                        continue;
                    }
                    let leaf = m.pattern.root().leaves()[t.leaf as usize];
                    match comparison_matches(leaf, observation) {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(_) => {
                            self.errors += 1;
                            continue;
                        }
                    }
                    last_slot = t.slot;
                    let obs = shared
                        .get_or_insert_with(|| Arc::new(observation.clone()))
                        .clone();
                    m.kept.push_back((seq, obs));
                    if m.kept.len() > MAX_KEPT {
                        m.kept.pop_front();
                    }
                    if let Some(w) = m.window {
                        let newest = observation.last_observed.max(observation.first_observed);
                        while m
                            .kept
                            .front()
                            .is_some_and(|(_, o)| newest.seconds_since(o.last_observed) > w)
                        {
                            m.kept.pop_front();
                        }
                    }
                    let refs: Vec<&Observation> = m.kept.iter().map(|(_, o)| &**o).collect();
                    match m.pattern.matches_in(&refs) {
                        Ok(Some(found)) => {
                            let observations: Vec<u64> =
                                found.observations.iter().map(|&i| m.kept[i].0).collect();
                            let used: std::collections::HashSet<u64> =
                                observations.iter().copied().collect();
                            m.kept.retain(|(s, _)| !used.contains(s));
                            hits.push(Hit {
                                indicator: Arc::from(&slot.text[..slot.id_len as usize]),
                                observations,
                            });
                        }
                        Ok(None) => {}
                        Err(_) => self.errors += 1,
                    }
                }
            }
        }
    }
}
