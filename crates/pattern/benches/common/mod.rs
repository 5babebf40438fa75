//! Deterministic indicators and observations shared by the pattern benches
//! (the value spaces of bench/gen_workload.py: indicator IPs have first octets
//! 1-99, background traffic 128-223 and 10/8, so background never hits).

use serde_json::{json, Value};
use std::sync::Arc;
use vigil_pattern::{observation, Entry, Observation, Pattern, StixVersion};

/// A small deterministic generator (xorshift64*): the benches need no `rand`.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits);
        while s.len() < digits {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(digits);
        s
    }

    pub fn label(&mut self) -> String {
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let n = 6 + self.below(7) as usize;
        (0..n)
            .map(|_| ALNUM[self.below(36) as usize] as char)
            .collect()
    }

    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-8{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    }
}

/// The kinds of equality indicator, in gen_workload.py's proportions (25/25/20/15/15).
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Ipv4,
    Domain,
    Url,
    Sha256,
    Md5,
}

impl Kind {
    pub fn pick(r: &mut Rng) -> Kind {
        match r.below(100) {
            0..=24 => Kind::Ipv4,
            25..=49 => Kind::Domain,
            50..=69 => Kind::Url,
            70..=84 => Kind::Sha256,
            _ => Kind::Md5,
        }
    }
}

/// An indicator-space value of that kind.
pub fn ind_value(r: &mut Rng, kind: Kind) -> String {
    const TLDS: [&str; 8] = ["ru", "cn", "top", "xyz", "info", "biz", "su", "cc"];
    match kind {
        Kind::Ipv4 => {
            let first = 1 + r.below(99);
            let first = if matches!(first, 10 | 127) { 11 } else { first };
            format!(
                "{first}.{}.{}.{}",
                r.below(256),
                r.below(256),
                1 + r.below(254)
            )
        }
        Kind::Domain => format!("{}.{}", r.label(), TLDS[r.below(8) as usize]),
        Kind::Url => format!(
            "http://{}.{}/{}/gate.php",
            r.label(),
            TLDS[r.below(8) as usize],
            r.label()
        ),
        Kind::Sha256 => r.hex(64),
        Kind::Md5 => r.hex(32),
    }
}

/// The equality pattern that `value` of `kind` hits.
pub fn eq_pattern(kind: Kind, value: &str) -> String {
    let path = match kind {
        Kind::Ipv4 => "ipv4-addr:value",
        Kind::Domain => "domain-name:value",
        Kind::Url => "url:value",
        Kind::Sha256 => "file:hashes.'SHA-256'",
        Kind::Md5 => "file:hashes.MD5",
    };
    format!("[{path} = '{value}']")
}

/// `n` equality indicators (kind, value, entry), deterministic in `seed`.
pub fn eq_indicators(seed: u64, n: usize) -> Vec<(Kind, String, Entry)> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|_| {
            let kind = Kind::pick(&mut r);
            let value = ind_value(&mut r, kind);
            let pattern =
                Pattern::parse(&eq_pattern(kind, &value)).expect("generated pattern parses");
            let entry = Entry {
                id: Arc::from(format!("indicator--{}", r.uuid())),
                pattern,
                valid_from: None,
                valid_until: None,
            };
            (kind, value, entry)
        })
        .collect()
}

fn sco(r: &mut Rng, kind: &str, props: Value) -> Value {
    let mut o = json!({"type": kind, "spec_version": "2.1", "id": format!("{kind}--{}", r.uuid())});
    if let (Value::Object(o), Value::Object(p)) = (&mut o, props) {
        o.extend(p);
    }
    o
}

/// One observation (a bundle of an observed-data and its SCOs) carrying
/// `hit` (an indicator's kind and value) or else background values only.
pub fn observation_json(r: &mut Rng, second: u64, hit: Option<(Kind, &str)>) -> Value {
    let bg_ip = |r: &mut Rng| {
        format!(
            "{}.{}.{}.{}",
            128 + r.below(96),
            r.below(256),
            r.below(256),
            1 + r.below(254)
        )
    };
    let kind = hit.map(|h| h.0).unwrap_or_else(|| Kind::pick(r));
    let value = hit.map(|h| h.1.to_string());
    let scos = match kind {
        Kind::Ipv4 => {
            let src_value = format!("10.{}.{}.{}", r.below(4), r.below(256), 1 + r.below(254));
            let src = sco(r, "ipv4-addr", json!({"value": src_value}));
            let dst_value = value.unwrap_or_else(|| bg_ip(r));
            let dst = sco(r, "ipv4-addr", json!({"value": dst_value}));
            let src_port = 1024 + r.below(60000);
            let flow = sco(
                r,
                "network-traffic",
                json!({"src_ref": src["id"], "dst_ref": dst["id"],
                "dst_port": 443, "src_port": src_port, "protocols": ["ipv4", "tcp"]}),
            );
            vec![src, dst, flow]
        }
        Kind::Domain => {
            let name = value.unwrap_or_else(|| format!("www.{}.com", r.label()));
            let ip = bg_ip(r);
            vec![
                sco(r, "domain-name", json!({"value": name})),
                sco(r, "ipv4-addr", json!({"value": ip})),
            ]
        }
        Kind::Url => {
            let url =
                value.unwrap_or_else(|| format!("https://www.{}.com/{}", r.label(), r.label()));
            let host = url.split('/').nth(2).unwrap_or("").to_string();
            vec![
                sco(r, "domain-name", json!({"value": host})),
                sco(r, "url", json!({"value": url})),
            ]
        }
        Kind::Sha256 | Kind::Md5 => {
            let (md5, sha256) = match (kind, value) {
                (Kind::Md5, Some(v)) => (v, r.hex(64)),
                (Kind::Sha256, Some(v)) => (r.hex(32), v),
                _ => (r.hex(32), r.hex(64)),
            };
            vec![sco(
                r,
                "file",
                json!({"hashes": {"MD5": md5, "SHA-256": sha256}, "name": "setup.exe", "size": 4096}),
            )]
        }
    };
    let t = format!(
        "2024-03-01T{:02}:{:02}:{:02}Z",
        second / 3600 % 24,
        second / 60 % 60,
        second % 60
    );
    let refs: Vec<Value> = scos.iter().map(|s| s["id"].clone()).collect();
    let od = json!({"type": "observed-data", "spec_version": "2.1", "id": format!("observed-data--{}", r.uuid()),
        "created": "2024-03-01T00:00:00.000Z", "modified": "2024-03-01T00:00:00.000Z",
        "first_observed": t, "last_observed": t, "number_observed": 1, "object_refs": refs});
    let mut objects = vec![od];
    objects.extend(scos);
    json!({"type": "bundle", "id": format!("bundle--{}", r.uuid()), "objects": objects})
}

/// `m` parsed observations; every `hit_every`-th carries a value of one of
/// `indicators` (0: none do).
pub fn observations(
    seed: u64,
    m: usize,
    indicators: &[(Kind, String, Entry)],
    hit_every: usize,
) -> Vec<Observation> {
    let mut r = Rng::new(seed);
    let mut out = Vec::with_capacity(m);
    for i in 0..m {
        let hit = if hit_every > 0 && i % hit_every == 0 && !indicators.is_empty() {
            let (k, v, _) = &indicators[r.below(indicators.len() as u64) as usize];
            Some((*k, v.as_str()))
        } else {
            None
        };
        let v = observation_json(&mut r, i as u64, hit);
        out.extend(
            observation::from_json(&v, StixVersion::V21).expect("generated observation reads"),
        );
    }
    out
}
