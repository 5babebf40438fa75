//! Retained observables: what a hunt saw, kept compact for retro-hunting.
//!
//! Every string fact of every hunted record is counted once per distinct
//! (path, value): when it was first and last seen and how often. That is what
//! a later indicator can be checked against without reading the logs again
//! (`vigil retrohunt`, and the automatic retro-hunt after an import, a pull or
//! a TAXII post). Integers (ports, byte counts) are not kept: alone they
//! identify nothing. The [`Retainer`] gathers in memory; the caller drains it
//! into the store's retained database (`vigil_store::Retained`) now and then.
//!
//! [`record_of`] turns a retained observable back into a one-fact record, so
//! the same hunter that matched the logs matches what was retained.

use crate::fact::{Fact, PathId, PathTable, Record, Val};
use crate::time::{from_micros as instant, micros};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use vigil_pattern::Observation;

/// When and how often one (path, value) was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The earliest record time, in microseconds since the epoch.
    pub first: i64,
    /// The latest.
    pub last: i64,
    /// How many records held it.
    pub count: u64,
}

impl Seen {
    fn add(&mut self, t: i64) {
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        self.count += 1;
    }
}

/// One retained observable, drained from a [`Retainer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observable {
    /// The STIX object path's number in the hunt's [`PathTable`].
    pub path: PathId,
    /// The value.
    pub value: String,
    /// When and how often.
    pub seen: Seen,
}

/// The distinct (path, value)s of the records seen, with their times and counts.
#[derive(Debug, Default)]
pub struct Retainer {
    /// Key: the path's number (2 bytes, little-endian), then the value's bytes.
    seen: HashMap<Box<[u8]>, Seen>,
    key: Vec<u8>,
    /// Records that had no time of their own; counted at this time.
    pub now: i64,
}

impl Retainer {
    /// An empty retainer; `now` stands for the time of records without one.
    pub fn new(now: i64) -> Retainer {
        Retainer {
            seen: HashMap::new(),
            key: Vec::new(),
            now,
        }
    }

    /// Counts the string facts of `rec`.
    pub fn add(&mut self, rec: &Record<'_>) {
        let t = rec.time.map(micros).unwrap_or(self.now);
        for f in &rec.facts {
            let Val::Str(s) = &f.val else { continue };
            self.key.clear();
            self.key.extend_from_slice(&f.path.to_le_bytes());
            self.key.extend_from_slice(s.as_bytes());
            match self.seen.get_mut(self.key.as_slice()) {
                Some(seen) => seen.add(t),
                None => {
                    self.seen.insert(
                        self.key.as_slice().into(),
                        Seen {
                            first: t,
                            last: t,
                            count: 1,
                        },
                    );
                }
            }
        }
    }

    /// How many distinct observables are held.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether none.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Takes everything held.
    pub fn drain(&mut self) -> Vec<Observable> {
        let mut out = Vec::with_capacity(self.seen.len());
        for (k, seen) in self.seen.drain() {
            let path = PathId::from_le_bytes([k[0], k[1]]);
            // Keys were made from `&str`s, so the rest is UTF-8.
            let value = String::from_utf8_lossy(&k[2..]).into_owned();
            out.push(Observable { path, value, seen });
        }
        out
    }
}

/// The record of one retained observable: its one fact (at path `path` of
/// the hunter's table), at its first time.
pub fn record_of(path: PathId, value: &str, first: i64) -> Record<'_> {
    Record {
        time: Some(instant(first)),
        facts: vec![Fact {
            path,
            val: Val::Str(Cow::Borrowed(value)),
        }],
    }
}

/// The observation a retained observable stands for in its observed-data:
/// for a path through a reference (`network-traffic:dst_ref.value`) the
/// referenced object alone (`ipv4-addr` 198.51.100.7: the connection's other
/// properties were not retained), otherwise the object the path is on; from
/// `first` to `last`, `count` times.
pub fn observation_of(
    table: &PathTable,
    path: PathId,
    value: &str,
    first: i64,
    last: i64,
    count: u64,
) -> Observation {
    let p = table.get(path);
    let mut obs = match &p.via {
        Some((_, target)) => {
            let ty = target.type_for(&Val::Str(Cow::Borrowed(value)));
            let mut leaf = Value::String(value.to_string());
            for k in p.keys.iter().rev() {
                let mut m = Map::new();
                m.insert(k.clone(), leaf);
                leaf = Value::Object(m);
            }
            let mut object = match leaf {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            object.insert("type".into(), Value::String(ty.to_string()));
            let mut objects = HashMap::new();
            objects.insert("0".to_string(), Arc::new(Value::Object(object)));
            Observation {
                id: None,
                first_observed: instant(first),
                last_observed: instant(first),
                number_observed: 1,
                objects,
            }
        }
        None => crate::fact::observation(table, &record_of(path, value, first)),
    };
    obs.last_observed = instant(last.max(first));
    obs.number_observed = count.max(1);
    obs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fact::P;

    #[test]
    fn distinct_values_are_counted_with_their_times() {
        let mut r = Retainer::new(0);
        for (t, dom) in [(30, "a.example"), (10, "a.example"), (20, "b.example")] {
            let mut rec = Record {
                time: Some(instant(t)),
                ..Record::default()
            };
            rec.str(P::Domain, Cow::Borrowed(dom));
            rec.int(P::NtDstPort, 53);
            r.add(&rec);
        }
        assert_eq!(r.len(), 2);
        let mut all = r.drain();
        all.sort_by(|a, b| a.value.cmp(&b.value));
        assert_eq!(
            all[0],
            Observable {
                path: P::Domain.id(),
                value: "a.example".into(),
                seen: Seen {
                    first: 10,
                    last: 30,
                    count: 2
                }
            }
        );
        assert_eq!(all[1].seen.count, 1);
        assert!(r.is_empty());
    }

    #[test]
    fn a_referenced_value_is_observed_as_its_own_object() {
        let mut table = PathTable::new();
        let p = table.intern("network-traffic:dst_ref.value").unwrap();
        let obs = observation_of(&table, p, "198.51.100.7", 5, 9, 3);
        assert_eq!(obs.objects.len(), 1);
        assert_eq!(
            *obs.objects["0"],
            serde_json::json!({"type": "ipv4-addr", "value": "198.51.100.7"})
        );
        assert_eq!(
            (obs.first_observed, obs.last_observed, obs.number_observed),
            (instant(5), instant(9), 3)
        );
        let p = table.intern("file:hashes.MD5").unwrap();
        let obs = observation_of(&table, p, "d41d8cd98f00b204e9800998ecf8427e", 5, 5, 1);
        assert_eq!(
            obs.objects.values().next().unwrap()["hashes"]["MD5"],
            "d41d8cd98f00b204e9800998ecf8427e"
        );
    }

    #[test]
    fn a_retained_observable_is_a_record_again() {
        let mut table = PathTable::new();
        let p = table.intern("network-traffic:dst_ref.value").unwrap();
        let rec = record_of(p, "198.51.100.7", 5);
        assert_eq!(rec.facts[0].path, P::NtDst.id());
        assert_eq!(rec.time, Some(instant(5)));
    }
}
