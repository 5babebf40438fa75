//! The search for a binding: an observation for every bracketed expression of
//! the pattern (with `REPEATS n` counting its expression n times) such that
//! the operators and qualifiers hold. Semantics of the OASIS matcher
//! (stix2-matcher 3.0.0), stated over instants as nanoseconds:
//!
//! - An observed-data with `number_observed` n is n observations: it can
//!   serve n brackets (`[a] AND [b]` matches one observed-data with
//!   `number_observed` 2 holding both), never one bracket twice over.
//! - `A AND B`: bindings of each on distinct observations. `A OR B`: either.
//! - `A FOLLOWEDBY B`: distinct observations and the latest `first_observed`
//!   of A's no later than the earliest `last_observed` of B's (the spec's
//!   "each observation's timestamp" is read, as by the matcher, as "some
//!   instant in each observation's window"). A chain is left-associative:
//!   `A FOLLOWEDBY B FOLLOWEDBY C` also needs A's before C's.
//! - `WITHIN d SECONDS`: latest `first_observed` minus earliest
//!   `last_observed` at most d (some instant of each window lies in one
//!   span of d seconds).
//! - `START s STOP t`: every observation's window meets [s, t): its
//!   `first_observed` before t and its `last_observed` at or after s; no
//!   binding at all when s is not before t.
//! - `REPEATS n TIMES`: n bindings of the expression on pairwise distinct
//!   observations.
//!
//! The search is depth first, trying observations in order, so the match it
//! reports is the first in that order. It is kept small by: checking each
//! constraint as soon as the observation it concerns is chosen (windows of
//! `WITHIN`, `START/STOP`, the order of `FOLLOWEDBY`), taking the copies of a
//! `REPEATS` in ascending order of their first observation (they are
//! interchangeable), choosing a repeated bracket's observations as counts
//! per observation, and giving up early on parts that have no candidates. A
//! budget of steps bounds what remains; past it the evaluation is an error,
//! never a hang.

use super::{fail, EvalError, Match};
use crate::ast::{ObsExpr, Qualifier};
use crate::observation::Observation;

/// The most observation choices one evaluation may try.
const BUDGET: u64 = 5_000_000;

/// The most observation choices one binding may need (the search recurses once per choice).
const MAX_BINDING: u64 = 20_000;

type Sum = (i128, i128);
type Res = Result<bool, EvalError>;

#[derive(Debug)]
enum Node {
    Leaf(usize),
    And(Vec<usize>),
    Or(Vec<usize>),
    Seq(Vec<usize>),
    Within(usize, i128),
    Span(usize, i128, i128),
    Repeats(usize, u64),
    Never,
}

#[derive(Debug, Clone, Copy)]
enum Filter {
    Window {
        span: i128,
        max_first: i128,
        min_last: i128,
    },
    Span {
        start: i128,
        stop: i128,
    },
    After(i128),
    Before(i128),
}

fn nanos(t: crate::time::Instant) -> i128 {
    i128::from(t.secs) * 1_000_000_000 + i128::from(t.nanos)
}

struct Plan {
    nodes: Vec<Node>,
    next_leaf: usize,
}

impl Plan {
    fn build(&mut self, e: &ObsExpr) -> usize {
        let node = match e {
            ObsExpr::Leaf(_) => {
                self.next_leaf += 1;
                Node::Leaf(self.next_leaf - 1)
            }
            ObsExpr::And(v) => Node::And(v.iter().map(|e| self.build(e)).collect()),
            ObsExpr::Or(v) => Node::Or(v.iter().map(|e| self.build(e)).collect()),
            ObsExpr::FollowedBy(v) => Node::Seq(v.iter().map(|e| self.build(e)).collect()),
            ObsExpr::Qualified(inner, q) => {
                let child = self.build(inner);
                match q {
                    Qualifier::Within(n) => Node::Within(child, (n.as_f64() * 1e9).round() as i128),
                    Qualifier::StartStop(a, b) => match (a.instant, b.instant) {
                        (Some(a), Some(b)) if a < b => Node::Span(child, nanos(a), nanos(b)),
                        _ => Node::Never,
                    },
                    // n disjoint groups of m disjoint bindings are n*m disjoint bindings.
                    Qualifier::Repeats(n) => match self.nodes[child] {
                        Node::Repeats(c, m) => Node::Repeats(c, m.saturating_mul(*n)),
                        _ => Node::Repeats(child, *n),
                    },
                }
            }
        };
        self.nodes.push(node);
        self.nodes.len() - 1
    }
}

/// Finds the first binding of `root`, given which observations satisfy each
/// bracket (in the order [`super::collect_leaves`] lists them).
pub(super) fn find(
    root: &ObsExpr,
    candidates: &[Vec<usize>],
    obs: &[&Observation],
) -> Result<Option<Match>, EvalError> {
    let mut plan = Plan {
        nodes: Vec::new(),
        next_leaf: 0,
    };
    let top = plan.build(root);
    let cap: Vec<u64> = obs.iter().map(|o| o.number_observed).collect();
    let mut search = Search {
        nodes: &plan.nodes,
        cands: candidates,
        first: obs.iter().map(|o| nanos(o.first_observed)).collect(),
        last: obs.iter().map(|o| nanos(o.last_observed)).collect(),
        possible: Vec::new(),
        max_last: Vec::new(),
        cap,
        filters: Vec::new(),
        undo: Vec::new(),
        watch: Vec::new(),
        unresolved: 0,
        picks: Vec::new(),
        steps: 0,
    };
    let (possible, size, max_last) = search.statics();
    search.possible = possible;
    search.max_last = max_last;
    if !search.possible[top] {
        return Ok(None);
    }
    if size[top] > MAX_BINDING {
        return fail(format!(
            "a match of this pattern needs more than {MAX_BINDING} observations, more than this evaluator searches"
        ));
    }
    let mut found = None;
    let ok = search.solve(top, &mut |s, _| {
        found = Some(s.picks.clone());
        Ok(true)
    })?;
    Ok(found.filter(|_| ok).map(|mut picks| {
        picks.sort_unstable();
        picks.dedup();
        Match {
            observations: picks,
        }
    }))
}

struct Search<'a> {
    nodes: &'a [Node],
    cands: &'a [Vec<usize>],
    first: Vec<i128>,
    last: Vec<i128>,
    /// Per node: whether it can have a binding at all, observations aside.
    possible: Vec<bool>,
    /// Per node: the latest `last_observed` of its brackets' candidates.
    max_last: Vec<i128>,
    /// Per observation: how many more times it can serve.
    cap: Vec<u64>,
    filters: Vec<Filter>,
    /// Window states to restore: (filter index, max_first, min_last).
    undo: Vec<(usize, i128, i128)>,
    /// Per `REPEATS` copy under way: the least observation its first choice
    /// may be, and that first choice once made.
    watch: Vec<(usize, Option<usize>)>,
    /// `watch[unresolved..]` await their first choice.
    unresolved: usize,
    picks: Vec<usize>,
    steps: u64,
}

type Cont<'k, 'a> = &'k mut dyn FnMut(&mut Search<'a>, Sum) -> Res;

fn merge(acc: Option<Sum>, s: Sum) -> Sum {
    match acc {
        None => s,
        Some((f, l)) => (f.max(s.0), l.min(s.1)),
    }
}

impl<'a> Search<'a> {
    /// Per node, bottom up (children come before their parent): whether it
    /// can have a binding at all, and the most choices one binding makes.
    /// A node cannot when a bracket has no candidates, or when it needs more
    /// observations than its brackets' candidates could serve (counted
    /// exactly under `REPEATS`, bounded by a sum elsewhere).
    fn statics(&self) -> (Vec<bool>, Vec<u64>, Vec<i128>) {
        let n = self.nodes.len();
        let (mut possible, mut need, mut room, mut size) =
            (vec![false; n], vec![0u64; n], vec![0u64; n], vec![0u64; n]);
        let mut max_last = vec![i128::MIN; n];
        let sum =
            |v: &[usize], of: &[u64]| v.iter().map(|&k| of[k]).fold(0u64, u64::saturating_add);
        for (i, node) in self.nodes.iter().enumerate() {
            (possible[i], need[i], room[i], size[i]) = match node {
                Node::Leaf(l) => {
                    let r = self.cands[*l]
                        .iter()
                        .map(|&o| self.cap[o])
                        .fold(0u64, u64::saturating_add);
                    (r > 0, 1, r, 1)
                }
                Node::And(v) | Node::Seq(v) => (
                    v.iter().all(|&k| possible[k]),
                    sum(v, &need),
                    sum(v, &room),
                    sum(v, &size),
                ),
                Node::Or(v) => (
                    v.iter().any(|&k| possible[k]),
                    v.iter().map(|&k| need[k]).min().unwrap_or(1),
                    sum(v, &room),
                    v.iter().map(|&k| size[k]).max().unwrap_or(1),
                ),
                Node::Within(c, _) | Node::Span(c, _, _) => {
                    (possible[*c], need[*c], room[*c], size[*c])
                }
                Node::Repeats(c, times) => {
                    let mut seen = vec![false; self.cap.len()];
                    self.leaf_candidates(*c, &mut seen);
                    let r = seen
                        .iter()
                        .zip(&self.cap)
                        .filter(|(s, _)| **s)
                        .map(|(_, c)| *c)
                        .fold(0u64, u64::saturating_add);
                    let sz = match self.nodes[*c] {
                        Node::Leaf(l) => (*times).min(self.cands[l].len() as u64),
                        _ => size[*c].saturating_mul(*times),
                    };
                    (possible[*c], need[*c].saturating_mul(*times), r, sz)
                }
                Node::Never => (false, 1, 0, 1),
            };
            possible[i] &= need[i] <= room[i];
            max_last[i] = match node {
                Node::Leaf(l) => self.cands[*l]
                    .iter()
                    .map(|&o| self.last[o])
                    .max()
                    .unwrap_or(i128::MIN),
                Node::And(v) | Node::Seq(v) | Node::Or(v) => {
                    v.iter().map(|&k| max_last[k]).max().unwrap_or(i128::MIN)
                }
                Node::Within(c, _) | Node::Span(c, _, _) | Node::Repeats(c, _) => max_last[*c],
                Node::Never => i128::MIN,
            };
        }
        (possible, size, max_last)
    }

    fn leaf_candidates(&self, n: usize, seen: &mut [bool]) {
        match &self.nodes[n] {
            Node::Leaf(l) => self.cands[*l].iter().for_each(|&i| seen[i] = true),
            Node::And(v) | Node::Seq(v) | Node::Or(v) => {
                v.iter().for_each(|k| self.leaf_candidates(*k, seen))
            }
            Node::Within(c, _) | Node::Span(c, _, _) | Node::Repeats(c, _) => {
                self.leaf_candidates(*c, seen)
            }
            Node::Never => {}
        }
    }

    fn admits(&self, i: usize) -> bool {
        let (f, l) = (self.first[i], self.last[i]);
        self.filters.iter().all(|flt| match *flt {
            Filter::Window {
                span,
                max_first,
                min_last,
            } => f.max(max_first) - l.min(min_last) <= span,
            Filter::Span { start, stop } => f < stop && l >= start,
            Filter::After(x) => l >= x,
            Filter::Before(x) => f <= x,
        })
    }

    /// The least observation the next choice may be (`REPEATS` ordering).
    fn floor(&self) -> usize {
        self.watch[self.unresolved..]
            .iter()
            .map(|w| w.0)
            .max()
            .unwrap_or(0)
    }

    /// Takes `count` uses of observation `i`, runs `k`, gives them back.
    fn pick(&mut self, i: usize, count: u64, k: &mut dyn FnMut(&mut Search<'a>) -> Res) -> Res {
        self.steps += 1;
        if self.steps > BUDGET {
            return fail(format!(
                "the pattern needs more than {BUDGET} combinations of these observations to decide; narrow it (WITHIN, fewer REPEATS) or give fewer observations"
            ));
        }
        let (f, l) = (self.first[i], self.last[i]);
        self.cap[i] -= count;
        let mark = self.undo.len();
        for (j, flt) in self.filters.iter_mut().enumerate() {
            if let Filter::Window {
                max_first,
                min_last,
                ..
            } = flt
            {
                self.undo.push((j, *max_first, *min_last));
                *max_first = (*max_first).max(f);
                *min_last = (*min_last).min(l);
            }
        }
        let resolved_from = self.unresolved;
        for w in &mut self.watch[resolved_from..] {
            w.1 = Some(i);
        }
        self.unresolved = self.watch.len();
        self.picks.push(i);
        let r = k(self);
        self.picks.pop();
        for w in &mut self.watch[resolved_from..] {
            w.1 = None;
        }
        self.unresolved = resolved_from;
        for (j, mf, ml) in self.undo.drain(mark..).rev() {
            if let Filter::Window {
                max_first,
                min_last,
                ..
            } = &mut self.filters[j]
            {
                *max_first = mf;
                *min_last = ml;
            }
        }
        self.cap[i] += count;
        r
    }

    fn solve(&mut self, n: usize, k: Cont<'_, 'a>) -> Res {
        if !self.possible[n] {
            return Ok(false);
        }
        let nodes = self.nodes;
        match &nodes[n] {
            Node::Leaf(l) => {
                let all = self.cands;
                let cands = &all[*l];
                let from = cands.partition_point(|&i| i < self.floor());
                for &i in &cands[from..] {
                    if self.cap[i] == 0 || !self.admits(i) {
                        continue;
                    }
                    let sum = (self.first[i], self.last[i]);
                    if self.pick(i, 1, &mut |s| k(s, sum))? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::And(kids) => self.all(kids, 0, None, false, k),
            Node::Seq(kids) => self.all(kids, 0, None, true, k),
            Node::Or(kids) => {
                for &kid in kids {
                    if self.solve(kid, k)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::Within(kid, span) => self.filtered(
                *kid,
                &[Filter::Window {
                    span: *span,
                    max_first: i128::MIN,
                    min_last: i128::MAX,
                }],
                k,
            ),
            Node::Span(kid, start, stop) => self.filtered(
                *kid,
                &[Filter::Span {
                    start: *start,
                    stop: *stop,
                }],
                k,
            ),
            Node::Repeats(kid, times) => match nodes[*kid] {
                Node::Leaf(l) => {
                    let from = self.cands[l].partition_point(|&i| i < self.floor());
                    self.counts(l, from, *times, None, k)
                }
                _ => self.copies(*kid, *times, 0, 0, None, k),
            },
            Node::Never => Ok(false),
        }
    }

    /// Solves `kid` under `filter`, which is lifted while the rest of the pattern is solved.
    fn filtered(&mut self, kid: usize, filters: &[Filter], k: Cont<'_, 'a>) -> Res {
        let n = filters.len();
        self.filters.extend_from_slice(filters);
        let r = self.solve(kid, &mut |s, sum| {
            let at = s.filters.len() - n;
            let mut own = [Filter::After(i128::MIN); 2];
            own[..n].copy_from_slice(&s.filters[at..]);
            s.filters.truncate(at);
            let r = k(s, sum);
            s.filters.extend_from_slice(&own[..n]);
            r
        });
        let at = self.filters.len() - n;
        self.filters.truncate(at);
        r
    }

    /// `kids[j..]` of an `AND` (or, with `seq`, a `FOLLOWEDBY`), after `acc`.
    fn all(
        &mut self,
        kids: &[usize],
        j: usize,
        acc: Option<Sum>,
        seq: bool,
        k: Cont<'_, 'a>,
    ) -> Res {
        let Some(&kid) = kids.get(j) else {
            return k(self, acc.unwrap_or((i128::MIN, i128::MAX)));
        };
        if !seq {
            return self.solve(kid, &mut |s, sum| {
                s.all(kids, j + 1, Some(merge(acc, sum)), seq, k)
            });
        }
        // FOLLOWEDBY: this operand's observations last until the earlier
        // ones have all begun, and begin before the later operands could
        // last (a look-ahead: the latest end any of their candidates has).
        let before = kids[j + 1..]
            .iter()
            .map(|&later| self.max_last[later])
            .min()
            .map(Filter::Before);
        let after = acc.map(|(max_first, _)| Filter::After(max_first));
        let mut filters = [Filter::After(i128::MIN); 2];
        let mut n = 0;
        for f in [before, after].into_iter().flatten() {
            filters[n] = f;
            n += 1;
        }
        self.filtered(kid, &filters[..n], &mut |s, sum| {
            s.all(kids, j + 1, Some(merge(acc, sum)), seq, k)
        })
    }

    /// `REPEATS` of a compound expression: copy `j` of `times`, its first
    /// choice no earlier than `floor`, the previous copy's first choice.
    fn copies(
        &mut self,
        kid: usize,
        times: u64,
        j: u64,
        floor: usize,
        acc: Option<Sum>,
        k: Cont<'_, 'a>,
    ) -> Res {
        if j == times {
            return k(self, acc.unwrap_or((i128::MIN, i128::MAX)));
        }
        self.watch.push((floor, None));
        let r = self.solve(kid, &mut |s, sum| {
            let Some(own) = s.watch.pop() else {
                return Ok(false);
            };
            let saved = s.unresolved;
            s.unresolved = s.unresolved.min(s.watch.len());
            let r = s.copies(
                kid,
                times,
                j + 1,
                own.1.unwrap_or(own.0),
                Some(merge(acc, sum)),
                k,
            );
            s.watch.push(own);
            s.unresolved = saved;
            r
        });
        self.watch.pop();
        r
    }

    /// `REPEATS times` of bracket `l`: how many of the copies each candidate
    /// from `cands[l][from..]` serves, most first.
    fn counts(
        &mut self,
        l: usize,
        from: usize,
        times: u64,
        acc: Option<Sum>,
        k: Cont<'_, 'a>,
    ) -> Res {
        if times == 0 {
            return k(self, acc.unwrap_or((i128::MIN, i128::MAX)));
        }
        let all = self.cands;
        let cands = &all[l];
        // What the remaining candidates could serve at most (the windows only
        // narrow as choices are made, so this bound holds below too).
        let rest: u64 = cands[from..]
            .iter()
            .filter(|&&i| self.admits(i))
            .map(|&i| self.cap[i])
            .fold(0, u64::saturating_add);
        if rest < times {
            return Ok(false);
        }
        for (p, &i) in cands.iter().enumerate().skip(from) {
            if self.cap[i] == 0 || !self.admits(i) {
                continue;
            }
            let sum = (self.first[i], self.last[i]);
            for c in (1..=self.cap[i].min(times)).rev() {
                let next = Some(merge(acc, sum));
                if self.pick(i, c, &mut |s| s.counts(l, p + 1, times - c, next, k))? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}
