//! Hits as STIX: the records of a hit as `observed-data` with their
//! cyber-observables (deterministic ids, STIX 2.1 §2.9), and one `sighting`
//! per indicator and log source, aggregated: count, first and last seen,
//! observed-data references. Every object carries the source's markings.

use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};
use std::collections::HashMap;
use vigil_pattern::{Instant, Observation};

/// The namespace of deterministic SCO ids (STIX 2.1 §2.9).
const SCO_NAMESPACE: [u8; 16] = [
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
];

/// Vigil's namespace for the ids of the objects hunting makes (sources, sightings).
const VIGIL_NAMESPACE: [u8; 16] = [
    0x5b, 0x1e, 0x0d, 0x7a, 0x33, 0x8c, 0x4f, 0x51, 0x9a, 0x2e, 0x61, 0xc4, 0x0f, 0x77, 0xd2, 0x19,
];

/// How many observed-data a sighting lists (the newest kept); its count goes on.
pub const MAX_OBSERVED_REFS: usize = 100;

/// A version-5 UUID (RFC 4122: SHA-1 of namespace and name).
pub fn uuid5(namespace: &[u8; 16], name: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name);
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// RFC 8785 (JCS) text of a value: keys sorted, no white space.
pub fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// The id-contributing properties of a cyber-observable type (STIX 2.1 §6).
fn contributing(ty: &str) -> &'static [&'static str] {
    match ty {
        "ipv4-addr" | "ipv6-addr" | "domain-name" | "url" | "email-addr" | "mac-addr" => &["value"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "directory" => &["path"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "x509-certificate" => &["hashes", "serial_number"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "email-message" => &["from_ref", "subject", "body"],
        _ => &[],
    }
}

/// One hash of a `hashes` dictionary, as id contribution takes it.
fn one_hash(h: &Map<String, Value>) -> Map<String, Value> {
    for k in ["MD5", "SHA-1", "SHA-256", "SHA-512"] {
        if let Some(v) = h.get(k) {
            let mut m = Map::new();
            m.insert(k.into(), v.clone());
            return m;
        }
    }
    h.iter()
        .take(1)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The deterministic id of an SCO (its references already ids).
fn sco_id(obj: &Map<String, Value>) -> String {
    let ty = obj
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("x-unknown");
    let mut c = Map::new();
    let props = contributing(ty);
    for (k, v) in obj {
        let take = if props.is_empty() {
            k != "type" && k != "id"
        } else {
            props.contains(&k.as_str())
        };
        if take {
            let v = match (k.as_str(), v) {
                ("hashes", Value::Object(h)) => Value::Object(one_hash(h)),
                _ => v.clone(),
            };
            c.insert(k.clone(), v);
        }
    }
    format!(
        "{ty}--{}",
        uuid5(&SCO_NAMESPACE, canonical(&Value::Object(c)).as_bytes())
    )
}

/// The observation's objects as STIX 2.1 SCOs with ids, references rewritten
/// to ids, and `markings`; in an order where each comes after those it names.
pub fn scos(obs: &Observation, markings: &[String]) -> Vec<Value> {
    let mut names: Vec<&String> = obs.objects.keys().collect();
    names.sort_by_key(|n| (n.parse::<u64>().unwrap_or(u64::MAX), (*n).clone()));
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut done: Vec<Value> = Vec::new();
    // References go one level deep: objects without references first, then the rest.
    for pass in 0..3 {
        for name in &names {
            if ids.contains_key(*name) {
                continue;
            }
            let Value::Object(obj) = &*obs.objects[*name] else {
                continue;
            };
            let mut out = Map::new();
            let mut ready = true;
            for (k, v) in obj {
                if k == "id" || k == "spec_version" || k == "object_marking_refs" {
                    continue;
                }
                let v = if k.ends_with("_ref") {
                    match v.as_str().and_then(|r| ids.get(r)) {
                        Some(id) => Value::String(id.clone()),
                        None => {
                            ready = false;
                            break;
                        }
                    }
                } else if k.ends_with("_refs") {
                    let mut list = Vec::new();
                    for r in v.as_array().into_iter().flatten() {
                        match r.as_str().and_then(|r| ids.get(r)) {
                            Some(id) => list.push(Value::String(id.clone())),
                            None => ready = false,
                        }
                    }
                    Value::Array(list)
                } else {
                    v.clone()
                };
                out.insert(k.clone(), v);
            }
            if !ready && pass < 2 {
                continue;
            }
            let id = sco_id(&out);
            let mut sco = Map::new();
            sco.insert("type".into(), out.remove("type").unwrap_or(Value::Null));
            sco.insert("spec_version".into(), "2.1".into());
            sco.insert("id".into(), Value::String(id.clone()));
            sco.extend(out);
            if !markings.is_empty() {
                sco.insert("object_marking_refs".into(), json!(markings));
            }
            ids.insert((*name).clone(), id);
            done.push(Value::Object(sco));
        }
    }
    done
}

/// A STIX timestamp with microseconds.
pub fn stamp(t: Instant) -> String {
    let base = Instant {
        secs: t.secs,
        nanos: 0,
    }
    .to_string();
    format!("{}.{:06}Z", base.trim_end_matches('Z'), t.nanos / 1000)
}

/// The `identity` standing for a log source (a `system`), by its name.
pub fn source_identity(name: &str, markings: &[String]) -> Value {
    let id = format!(
        "identity--{}",
        uuid5(&VIGIL_NAMESPACE, format!("log-source:{name}").as_bytes())
    );
    let mut v = json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": id,
        "created": stamp(Instant { secs: 0, nanos: 0 }),
        "modified": stamp(Instant { secs: 0, nanos: 0 }),
        "name": name,
        "identity_class": "system",
        "description": "A log source hunted by Vigil.",
    });
    if !markings.is_empty() {
        v["object_marking_refs"] = json!(markings);
    }
    v
}

/// The `observed-data` of one hit record, naming its SCOs.
pub fn observed_data(
    obs: &Observation,
    scos: &[Value],
    source: &str,
    now: Instant,
    markings: &[String],
) -> Value {
    let refs: Vec<&Value> = scos.iter().map(|s| &s["id"]).collect();
    let key = format!(
        "observed:{}|{}|{}",
        source,
        stamp(obs.first_observed),
        canonical(&json!(refs))
    );
    let mut v = json!({
        "type": "observed-data",
        "spec_version": "2.1",
        "id": format!("observed-data--{}", uuid5(&VIGIL_NAMESPACE, key.as_bytes())),
        "created": stamp(now),
        "modified": stamp(now),
        "first_observed": stamp(obs.first_observed),
        "last_observed": stamp(obs.last_observed.max(obs.first_observed)),
        "number_observed": obs.number_observed.max(1),
        "object_refs": refs,
    });
    if !markings.is_empty() {
        v["object_marking_refs"] = json!(markings);
    }
    v
}

/// The hits of one indicator in one source, gathered during a hunt.
#[derive(Debug, Clone)]
pub struct Tally {
    /// How many hits.
    pub count: u64,
    /// The earliest record time of a hit.
    pub first: Instant,
    /// The latest.
    pub last: Instant,
    /// Observed-data ids of (some of) the hits.
    pub observed: Vec<String>,
}

impl Tally {
    /// A tally of one hit at `t`.
    pub fn new(t: Instant) -> Tally {
        Tally {
            count: 0,
            first: t,
            last: t,
            observed: Vec::new(),
        }
    }

    /// Adds a hit at `t`, with its observed-data when there is one.
    pub fn add(&mut self, t: Instant, observed: Option<String>) {
        self.add_many(t, t, 1, observed);
    }

    /// Adds `count` hits seen from `first` to `last` (a retained observable).
    pub fn add_many(
        &mut self,
        first: Instant,
        last: Instant,
        count: u64,
        observed: Option<String>,
    ) {
        self.count += count;
        self.first = self.first.min(first);
        self.last = self.last.max(last);
        if let Some(o) = observed {
            self.observed.push(o);
        }
    }
}

/// The id of the sighting of `indicator` in the source whose identity is `source_id`.
pub fn sighting_id(indicator: &str, source_id: &str) -> String {
    format!(
        "sighting--{}",
        uuid5(
            &VIGIL_NAMESPACE,
            format!("sighting:{indicator}|{source_id}").as_bytes()
        )
    )
}

/// The sighting of `indicator` in the source, this run's `tally` added to
/// the `previous` version's counts when there is one; `now` is its new
/// `modified` (later than the previous one's).
pub fn sighting(
    indicator: &str,
    source_id: &str,
    tally: &Tally,
    previous: Option<&Value>,
    now: Instant,
    markings: &[String],
) -> Value {
    let id = sighting_id(indicator, source_id);
    let mut count = tally.count;
    let mut first = stamp(tally.first);
    let mut last = stamp(tally.last);
    let mut created = stamp(now);
    let mut observed: Vec<String> = Vec::new();
    let mut modified = now;
    if let Some(p) = previous {
        count += p["count"].as_u64().unwrap_or(0);
        if let Some(f) = p["first_seen"].as_str() {
            if vigil_pattern::Instant::parse(f).is_some_and(|f| f < tally.first) {
                first = f.to_string();
            }
        }
        if let Some(l) = p["last_seen"].as_str() {
            if vigil_pattern::Instant::parse(l).is_some_and(|l| l > tally.last) {
                last = l.to_string();
            }
        }
        if let Some(c) = p["created"].as_str() {
            created = c.to_string();
        }
        if let Some(m) = p["modified"]
            .as_str()
            .and_then(vigil_pattern::Instant::parse)
        {
            if m >= modified {
                modified = m.add_seconds(0.001);
            }
        }
        for o in p["observed_data_refs"].as_array().into_iter().flatten() {
            if let Some(o) = o.as_str() {
                observed.push(o.to_string());
            }
        }
    }
    for o in &tally.observed {
        if !observed.contains(o) {
            observed.push(o.clone());
        }
    }
    if observed.len() > MAX_OBSERVED_REFS {
        observed.drain(..observed.len() - MAX_OBSERVED_REFS);
    }
    let mut v = json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": id,
        "created": created,
        "modified": stamp(modified),
        "sighting_of_ref": indicator,
        "where_sighted_refs": [source_id],
        "count": count.min(999_999_999),
        "first_seen": first,
        "last_seen": last,
    });
    if !observed.is_empty() {
        v["observed_data_refs"] = json!(observed);
    }
    if !markings.is_empty() {
        v["object_marking_refs"] = json!(markings);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid5_agrees_with_stix2() {
        // Python: uuid.uuid5(uuid.UUID('00abedb4-aa42-466c-9c01-fed23315a9b7'), '{"value":"198.51.100.3"}')
        let id = uuid5(&SCO_NAMESPACE, br#"{"value":"198.51.100.3"}"#);
        // The id stix2 gives IPv4Address(value='198.51.100.3').
        assert_eq!(id, "28bb3599-77cd-5a82-a950-b5bc3caf07c4");
    }

    #[test]
    fn canonical_sorts_keys() {
        assert_eq!(
            canonical(&json!({"b": 1, "a": [true, "x"]})),
            r#"{"a":[true,"x"],"b":1}"#
        );
    }

    #[test]
    fn stamps_have_microseconds() {
        assert_eq!(
            stamp(Instant {
                secs: 1_709_294_400,
                nanos: 5_000
            }),
            "2024-03-01T12:00:00.000005Z"
        );
    }
}
