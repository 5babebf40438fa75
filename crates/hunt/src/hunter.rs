//! The hunter: log records in, indicator hits out, at the speed of the logs.
//!
//! Building a STIX observation (a tree of JSON objects) for every record
//! would cost more than reading the logs. So the hunter first asks the
//! indicator set, fact by fact, whether any anchor could take the record's
//! values ([`IndicatorSet::probe_str`]): only a record some value of which
//! meets an anchor, or which holds an object of a type some expression is
//! anchored on by type alone, is built into an observation and pushed. The
//! others can neither complete a match nor be kept by a multi-observation
//! pattern, so skipping them changes no result (see
//! [`IndicatorSet::anchored_paths`]).
//!
//! Which set paths a fact is probed on is worked out once per set and path
//! table ([`Probes`]): the fact's own path (`network-traffic:dst_ref.value`),
//! its list form (`protocols[*]`), and for a path through a reference the
//! referenced object's own path (`ipv4-addr:value`). A set path of a type the
//! record may hold that is none of these (`protocols[0]`, a key the adapters
//! never write) makes every record holding that type go the full way.

use crate::fact::{observation, FieldPath, PathTable, Record, Val};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use vigil_pattern::ast::{ObjectPath, Step};
use vigil_pattern::{Hit, IndicatorSet, Observation};

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    /// The input's name.
    pub file: Arc<str>,
    /// The 1-based line the record is on (0 when not known).
    pub line: u64,
}

/// A completed match: the indicator and its records, the one that completed
/// the match last.
#[derive(Debug, Clone)]
pub struct Found {
    /// The indicator's id.
    pub indicator: Arc<str>,
    /// The records of the match in stream order (`None` where the hunter no
    /// longer remembers one: it keeps the last [`REMEMBERED`] pushed).
    pub records: Vec<Option<(Loc, Arc<Observation>)>>,
}

/// How many pushed observations the hunter remembers to report where a
/// multi-record match's earlier records are.
pub const REMEMBERED: usize = 1 << 16;

/// The set paths to probe for facts of one path.
#[derive(Debug, Default, Clone)]
struct PathProbe {
    /// Set paths the value is looked up on whatever it is.
    direct: Vec<u32>,
    /// For a path through a reference: set paths by the referenced object's
    /// type (`ipv4-addr`, `ipv6-addr`, `domain-name`, ...).
    target: Vec<(&'static str, Vec<u32>)>,
    /// Whether a fact on this path makes the record go the full way.
    full: bool,
    /// The same, for the referenced object's types.
    full_target: Vec<&'static str>,
}

/// What to probe, for every path of a table, against one set.
#[derive(Debug, Clone)]
pub struct Probes {
    paths: Vec<PathProbe>,
    always: bool,
}

fn key_steps(keys: &[String]) -> Vec<Step> {
    keys.iter().map(|k| Step::Key(k.clone())).collect()
}

/// The object paths a fact on `p` is found at, by the type of the object the
/// path starts from (`None`: the fact's own object type).
fn forms(p: &FieldPath) -> Vec<(Option<&'static str>, ObjectPath)> {
    let mut out = Vec::new();
    match &p.via {
        None => {
            out.push((
                None,
                ObjectPath {
                    object_type: p.object_type.clone(),
                    steps: key_steps(&p.keys),
                },
            ));
            if p.list {
                let mut steps = key_steps(&p.keys);
                steps.push(Step::AnyIndex);
                out.push((
                    None,
                    ObjectPath {
                        object_type: p.object_type.clone(),
                        steps,
                    },
                ));
            }
        }
        Some((prop, target)) => {
            let mut steps = vec![Step::Key(prop.clone())];
            if prop.ends_with("_refs") {
                steps.push(Step::AnyIndex);
            }
            steps.extend(key_steps(&p.keys));
            out.push((
                None,
                ObjectPath {
                    object_type: p.object_type.clone(),
                    steps,
                },
            ));
            for &t in target.types() {
                out.push((
                    Some(t),
                    ObjectPath {
                        object_type: t.to_string(),
                        steps: key_steps(&p.keys),
                    },
                ));
            }
        }
    }
    out
}

impl Probes {
    /// Works out what to probe for each path of `table` against `set`.
    pub fn new(set: &IndicatorSet, table: &PathTable) -> Probes {
        let anchored: HashMap<&ObjectPath, u32> =
            set.anchored_paths().map(|(i, p)| (p, i)).collect();
        // Which set paths some form of some table path covers.
        let mut covered: HashSet<u32> = HashSet::new();
        let mut paths: Vec<PathProbe> = Vec::with_capacity(table.len());
        for (_, p) in table.iter() {
            let mut probe = PathProbe::default();
            for (target, form) in forms(p) {
                let Some(&id) = anchored.get(&form) else {
                    continue;
                };
                covered.insert(id);
                match target {
                    None => probe.direct.push(id),
                    Some(t) => match probe.target.iter_mut().find(|(x, _)| *x == t) {
                        Some((_, v)) => v.push(id),
                        None => probe.target.push((t, vec![id])),
                    },
                }
            }
            paths.push(probe);
        }
        // Types some expression needs whole records of.
        let mut full_types: HashSet<String> = set.type_anchored().map(str::to_string).collect();
        for (id, path) in set.anchored_paths() {
            if !covered.contains(&id) {
                full_types.insert(path.object_type.clone());
            }
        }
        for ((_, p), probe) in table.iter().zip(paths.iter_mut()) {
            probe.full = full_types.contains(&p.object_type);
            if let Some((_, t)) = &p.via {
                probe.full_target = t
                    .types()
                    .iter()
                    .copied()
                    .filter(|t| full_types.contains(*t))
                    .collect();
            }
        }
        Probes {
            paths,
            always: set.anchored_always(),
        }
    }

    /// Whether some fact of `rec` may make a candidate in `set`.
    pub fn wanted(&self, set: &mut IndicatorSet, table: &PathTable, rec: &Record<'_>) -> bool {
        if self.always {
            return true;
        }
        for f in &rec.facts {
            let probe = &self.paths[f.path as usize];
            if probe.full {
                return true;
            }
            if probe.direct.is_empty() && probe.target.is_empty() && probe.full_target.is_empty() {
                continue;
            }
            let hit = |set: &mut IndicatorSet, ids: &[u32]| {
                ids.iter().any(|&id| match &f.val {
                    Val::Str(s) => set.probe_str(id, s),
                    Val::Int(i) => set.probe_num(id, *i as f64),
                })
            };
            if hit(set, &probe.direct) {
                return true;
            }
            if !probe.target.is_empty() || !probe.full_target.is_empty() {
                let Some((_, target)) = &table.get(f.path).via else {
                    continue;
                };
                let ty = target.type_for(&f.val);
                if probe.full_target.contains(&ty) {
                    return true;
                }
                if let Some((_, ids)) = probe.target.iter().find(|(t, _)| *t == ty) {
                    if hit(set, ids) {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// Matches records against a set of indicators.
pub struct Hunter {
    set: IndicatorSet,
    table: Arc<PathTable>,
    probes: Probes,
    /// Pushed observations by stream position, the last [`REMEMBERED`].
    remembered: HashMap<u64, (Loc, Arc<Observation>)>,
    order: VecDeque<u64>,
    pushed: u64,
    hits: Vec<Hit>,
    /// Records built into observations (the pre-filter let them through).
    pub built: u64,
}

impl Hunter {
    /// A hunter for `set`, reading facts written on `table`'s paths.
    pub fn new(set: IndicatorSet, table: Arc<PathTable>) -> Hunter {
        let probes = Probes::new(&set, &table);
        Hunter {
            set,
            table,
            probes,
            remembered: HashMap::new(),
            order: VecDeque::new(),
            pushed: 0,
            hits: Vec::new(),
            built: 0,
        }
    }

    /// Feeds one record; appends the matches it completes to `out`. `loc` is
    /// called only when the record is kept.
    pub fn record(&mut self, rec: &Record<'_>, loc: impl FnOnce() -> Loc, out: &mut Vec<Found>) {
        if !self.probes.wanted(&mut self.set, &self.table, rec) {
            return;
        }
        self.built += 1;
        let obs = observation(&self.table, rec);
        self.observation(obs, loc(), out);
    }

    /// Feeds one observation as it is (STIX observed-data input).
    pub fn observation(&mut self, obs: Observation, loc: Loc, out: &mut Vec<Found>) {
        let seq = self.pushed;
        self.pushed += 1;
        let obs = Arc::new(obs);
        self.hits.clear();
        self.set.push(&obs, &mut self.hits);
        self.remembered.insert(seq, (loc, obs));
        self.order.push_back(seq);
        if self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.remembered.remove(&old);
            }
        }
        for h in self.hits.drain(..) {
            out.push(Found {
                indicator: h.indicator,
                records: h
                    .observations
                    .iter()
                    .map(|s| self.remembered.get(s).cloned())
                    .collect(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fact::{Record, P};
    use vigil_pattern::{Entry, Instant, Pattern};

    fn hunter(patterns: &[&str]) -> Hunter {
        let mut set = IndicatorSet::new();
        for (i, p) in patterns.iter().enumerate() {
            set.insert(Entry {
                id: Arc::from(format!("indicator--{i}")),
                pattern: Pattern::parse(p).unwrap(),
                valid_from: None,
                valid_until: None,
            });
        }
        Hunter::new(set, Arc::new(PathTable::new()))
    }

    fn conn(secs: i64, src: &'static str, dst: &'static str, port: i64) -> Record<'static> {
        let mut r = Record {
            time: Some(Instant { secs, nanos: 0 }),
            facts: vec![],
        };
        r.str(P::NtSrc, src.into());
        r.str(P::NtDst, dst.into());
        r.int(P::NtDstPort, port);
        r
    }

    fn run(h: &mut Hunter, recs: &[Record<'static>]) -> Vec<(String, Vec<u64>)> {
        let mut out = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            let mut found = Vec::new();
            h.record(
                r,
                || Loc {
                    file: Arc::from("f"),
                    line: i as u64 + 1,
                },
                &mut found,
            );
            for f in found {
                out.push((
                    f.indicator.to_string(),
                    f.records
                        .iter()
                        .map(|r| r.as_ref().unwrap().0.line)
                        .collect(),
                ));
            }
        }
        out
    }

    #[test]
    fn prefilter_keeps_exactly_what_matches() {
        let mut h = hunter(&[
            "[ipv4-addr:value = '203.0.113.9']",
            "[network-traffic:dst_ref.value = '198.51.100.1' AND network-traffic:dst_port = 443]",
            "[ipv4-addr:value ISSUBSET '192.0.2.0/24']",
            "[ipv4-addr:value = '198.51.100.2'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.3']",
        ]);
        let recs = [
            conn(1, "10.0.0.1", "10.0.0.2", 80),
            conn(2, "10.0.0.1", "203.0.113.9", 80),
            conn(3, "10.0.0.1", "198.51.100.1", 80),
            conn(4, "10.0.0.1", "198.51.100.1", 443),
            conn(5, "192.0.2.77", "10.0.0.2", 80),
            conn(6, "10.0.0.1", "198.51.100.2", 80),
            conn(7, "10.0.0.1", "10.0.0.9", 80),
            conn(8, "10.0.0.1", "198.51.100.3", 80),
        ];
        let hits = run(&mut h, &recs);
        assert_eq!(
            hits,
            vec![
                ("indicator--0".to_string(), vec![2]),
                ("indicator--1".to_string(), vec![4]),
                ("indicator--2".to_string(), vec![5]),
                ("indicator--3".to_string(), vec![6, 8]),
            ]
        );
        // Only records with a candidate were built: 3 (port 80) probes true on the address.
        assert_eq!(h.built, 6);
    }

    #[test]
    fn type_anchored_expressions_see_every_record_of_the_type() {
        let mut h = hunter(&["[network-traffic:dst_port > 1000]"]);
        let hits = run(
            &mut h,
            &[
                conn(1, "10.0.0.1", "10.0.0.2", 80),
                conn(2, "10.0.0.1", "10.0.0.2", 4444),
            ],
        );
        assert_eq!(hits, vec![("indicator--0".to_string(), vec![2])]);
        assert_eq!(h.built, 2);
    }

    #[test]
    fn uncovered_paths_make_their_type_go_the_full_way() {
        // protocols[0] is no form the pre-filter probes.
        let mut h = hunter(&["[network-traffic:protocols[0] = 'ipv4']"]);
        let mut r = conn(1, "10.0.0.1", "10.0.0.2", 80);
        r.str(P::NtProtocols, "ipv4".into());
        assert_eq!(
            run(&mut h, &[r]),
            vec![("indicator--0".to_string(), vec![1])]
        );
    }
}
