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
//!
//! The pre-filter looks at the facts of few paths (with 100,000 address and
//! domain indicators: addresses, domain names and DNS answers), so an
//! adapter need not read the rest of a record to have it skipped: a record
//! read with only [`Hunter::want`]'s facts is kept or skipped exactly as the
//! whole record would be (facts of other paths never decide), and one that
//! is kept is read again whole ([`Hunter::record_read`]) before it is built
//! into an observation, so what is matched is always the whole record.

use crate::fact::{is_builtin, observation, FieldPath, PathTable, Record, RefTarget, Val, Want};
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
    /// Whether a fact on this path makes the record go the full way.
    full: bool,
    /// Whether facts on this path are looked at at all.
    used: bool,
    /// Set paths the value is looked up on whatever it is.
    direct: Vec<u32>,
    /// For a path through a reference: what the reference points at, and
    /// the set paths by the referenced object's type (`ipv4-addr`,
    /// `ipv6-addr`, `domain-name`, ...), in the order of
    /// [`RefTarget::types`].
    via: Option<RefTarget>,
    target: Vec<Vec<u32>>,
    /// The referenced object's types that make the record go the full way,
    /// likewise.
    full_target: Vec<bool>,
}

/// What to probe, for every path of a table, against one set.
#[derive(Debug, Clone)]
pub struct Probes {
    paths: Vec<PathProbe>,
    always: bool,
    want: Want,
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
                match (target, &p.via) {
                    (Some(t), Some((_, via))) => {
                        let types = via.types();
                        probe.target.resize(types.len(), Vec::new());
                        if let Some(k) = types.iter().position(|x| *x == t) {
                            probe.target[k].push(id);
                        }
                    }
                    _ => probe.direct.push(id),
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
                probe.via = Some(*t);
                probe.full_target = t.types().iter().map(|t| full_types.contains(*t)).collect();
            }
            probe.used = probe.full
                || !probe.direct.is_empty()
                || probe.target.iter().any(|ids| !ids.is_empty())
                || probe.full_target.contains(&true);
        }
        let always = set.anchored_always();
        let want = if always {
            Want::ALL
        } else {
            Want::of(
                table
                    .iter()
                    .zip(&paths)
                    .filter(|((id, _), probe)| probe.used && is_builtin(*id))
                    .map(|((id, _), _)| id),
            )
        };
        Probes {
            paths,
            always,
            want,
        }
    }

    /// The facts [`Probes::wanted`] looks at (those of built-in paths).
    pub fn want(&self) -> Want {
        self.want
    }

    /// Whether some fact of `rec` may make a candidate in `set`.
    pub fn wanted(&self, set: &mut IndicatorSet, rec: &Record<'_>) -> bool {
        if self.always {
            return true;
        }
        let hit = |set: &mut IndicatorSet, ids: &[u32], val: &Val<'_>| {
            ids.iter().any(|&id| match val {
                Val::Str(s) => set.probe_str(id, s),
                Val::Int(i) => set.probe_num(id, *i as f64),
            })
        };
        for f in &rec.facts {
            let Some(probe) = self.paths.get(usize::from(f.path)) else {
                continue;
            };
            if !probe.used {
                continue;
            }
            if probe.full {
                return true;
            }
            if hit(set, &probe.direct, &f.val) {
                return true;
            }
            if let Some(target) = probe.via {
                let k = target.type_index(&f.val);
                if probe.full_target.get(k) == Some(&true) {
                    return true;
                }
                if let Some(ids) = probe.target.get(k) {
                    if hit(set, ids, &f.val) {
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
        if !self.probes.wanted(&mut self.set, rec) {
            return;
        }
        self.built += 1;
        let obs = observation(&self.table, rec);
        self.observation(obs, loc(), out);
    }

    /// The facts the pre-filter looks at: what an adapter must read of a
    /// record ([`crate::adapters::read`]) for [`Hunter::record_read`].
    pub fn want(&self) -> Want {
        self.probes.want()
    }

    /// [`Hunter::record`] for a record read with only `want`'s facts: when
    /// it is kept (as the whole record would be), `whole` reads it again
    /// with every fact into the record given (`false` if it cannot), and
    /// that is what is matched.
    pub fn record_read<'a>(
        &mut self,
        rec: &Record<'a>,
        want: Want,
        whole: impl FnOnce(&mut Record<'a>) -> bool,
        loc: impl FnOnce() -> Loc,
        out: &mut Vec<Found>,
    ) {
        if want.all() {
            return self.record(rec, loc, out);
        }
        if !self.probes.wanted(&mut self.set, rec) {
            return;
        }
        self.built += 1;
        let mut full = Record::default();
        let obs = if whole(&mut full) {
            observation(&self.table, &full)
        } else {
            observation(&self.table, rec)
        };
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
    use crate::fact::{Record, Want, P};
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
    fn records_read_for_the_prefilter_alone_give_the_same_hits() {
        use crate::adapters::read;
        use crate::Format;
        let lines = [
            r#"{"ts":1.0,"id.orig_h":"10.0.0.1","id.orig_p":5,"id.resp_h":"203.0.113.9","id.resp_p":443,"proto":"tcp","service":"ssl","orig_bytes":7}"#,
            r#"{"ts":2.0,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2","id.resp_p":80,"proto":"tcp"}"#,
            r#"{"ts":3.0,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.53","id.resp_p":53,"proto":"udp","query":"evil.example","answers":["198.51.100.2"]}"#,
            r#"{"ts":4.0,"id.orig_h":"10.0.0.1","id.resp_h":"198.51.100.1","id.resp_p":443,"proto":"tcp"}"#,
            r#"{"ts":5.0,"id.orig_h":"10.0.0.1","id.resp_h":"198.51.100.1","id.resp_p":8443,"proto":"tcp"}"#,
            r#"{"ts":6.0,"id.orig_h":"10.0.0.1","id.resp_h":"198.51.100.3","id.resp_p":80,"host":"web.example","uri":"/x"}"#,
        ];
        let patterns = [
            "[network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:protocols[*] = 'ssl']",
            "[domain-name:value = 'evil.example']",
            "[network-traffic:dst_ref.value = '198.51.100.1' AND network-traffic:dst_port = 8443]",
            "[ipv4-addr:value = '198.51.100.2'] FOLLOWEDBY [url:value = 'http://web.example/x']",
        ];
        let run = |partial: bool| {
            let mut h = hunter(&patterns);
            let want = if partial { h.want() } else { Want::ALL };
            let mut out = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                let mut rec = Record::default();
                read(Format::Zeek, None, l.as_bytes(), &mut rec, want).unwrap();
                let loc = || Loc {
                    file: Arc::from("f"),
                    line: i as u64 + 1,
                };
                let whole = |r: &mut Record<'_>| {
                    read(Format::Zeek, None, l.as_bytes(), r, Want::ALL).is_ok()
                };
                h.record_read(&rec, want, whole, loc, &mut out);
            }
            let hits: Vec<(String, Vec<u64>, String)> = out
                .iter()
                .map(|f| {
                    let recs = f.records.iter().flatten();
                    (
                        f.indicator.to_string(),
                        recs.clone().map(|(l, _)| l.line).collect(),
                        recs.map(|(_, o)| {
                            let sorted: std::collections::BTreeMap<_, _> =
                                o.objects.iter().collect();
                            format!("{sorted:?}")
                        })
                        .collect(),
                    )
                })
                .collect();
            (hits, h.built, want)
        };
        let (whole, built, _) = run(false);
        let (partial, built_partial, want) = run(true);
        assert!(!want.all());
        assert_eq!(whole.len(), 4, "{whole:?}");
        assert_eq!(partial, whole);
        assert_eq!(built_partial, built);
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
