//! Suricata 7 rules, with the values that come in bulk kept in datasets and
//! hash lists beside the rules file.
//!
//! The directory written:
//!
//! - `vigil.rules`: the rules;
//! - `vigil-domains.lst`: a `string` dataset (one base64-encoded value per
//!   line, as Suricata's dataset loader reads them) of domain names, matched
//!   by three rules: `dns.query`, `tls.sni`, `http.host`;
//! - `vigil-ip.lst`, `vigil-ip-src.lst`, `vigil-ip-dst.lst`: `ip` datasets
//!   (one address per line) of addresses matched at either end of a flow
//!   (two rules, `ip.src` and `ip.dst`), at its source, at its destination;
//! - `vigil-md5.txt`, `vigil-sha1.txt`, `vigil-sha256.txt`: lists for the
//!   `filemd5`/`filesha1`/`filesha256` keywords (digest first on each line;
//!   Suricata ignores the rest of the line, where the indicator ids go);
//! - `vigil-index.tsv`: which indicators each dataset and list value comes
//!   from (`file`, `value`, `indicator`), since dataset files hold values only.
//!
//! Values that a dataset cannot carry get a rule per indicator, whose `msg`
//! and `metadata` (`vigil_indicator <id>, vigil_kind <kind>`) name it:
//! networks (an address group in the rule header), `http://` URLs
//! (`http.host` and `http.uri.raw`, each matched whole with `content` and
//! `bsize`), file names (`file.name`) and certificate SHA-1 digests
//! (`tls.cert_fingerprint`).
//!
//! Not expressible in Suricata 7: mail addresses (no buffer holds one),
//! URLs of other schemes than `http` (for `https` only the host is visible),
//! URLs with user information, file digests other than MD5/SHA-1/SHA-256,
//! certificate digests other than SHA-1.
//!
//! Every rule has a `sid` in [`SID_FIRST`]..[`SID_FIRST`]+[`SID_COUNT`]-1,
//! derived from what the rule is for (the dataset, or the indicator id and
//! value): FNV-1a (64-bit) of that key modulo [`SID_COUNT`]. The sid stays the
//! same from one export to the next; when two keys land on the same sid,
//! the one whose key sorts first keeps it and the other takes the next free
//! one. `rev` is 1 for dataset rules (their values live in the dataset) and,
//! for an indicator's rules, the indicator's `modified` in Unix seconds, so
//! it grows when the intelligence changes. Dataset matching is exact and
//! case-sensitive (Suricata 7 has no lowercase transform); `http.host` is
//! lowercased by Suricata.

use super::extract::{Direction, Observable};
use super::values::{Algo, IpNet, Url};
use super::{ip_sort_key, Meta};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The first sid Vigil's rules use.
pub const SID_FIRST: u32 = 1_900_000_000;
/// How many sids Vigil's rules may use (1,900,000,000 to 1,999,999,999).
pub const SID_COUNT: u32 = 100_000_000;

/// The rules file's name.
pub const RULES_FILE: &str = "vigil.rules";
/// The index of dataset and list values.
pub const INDEX_FILE: &str = "vigil-index.tsv";

/// Whether Suricata 7 can match an observable (`Err`: why not).
pub fn expressible(o: &Observable) -> Result<(), String> {
    match o {
        Observable::Ip { .. } | Observable::Domain(_) | Observable::FileName(_) => Ok(()),
        Observable::Url(u) => url_parts(u).map(|_| ()),
        Observable::FileHash { algo, .. } => match algo {
            Algo::Md5 | Algo::Sha1 | Algo::Sha256 => Ok(()),
            _ => Err(format!(
                "a {} file digest: Suricata matches MD5, SHA-1 and SHA-256",
                algo.stix_name()
            )),
        },
        Observable::Email(_) => Err("a mail address: Suricata 7 has no buffer for one".into()),
        Observable::CertHash { algo, .. } => match algo {
            Algo::Sha1 => Ok(()),
            _ => Err(format!(
                "a certificate {} digest: Suricata's tls.cert_fingerprint is SHA-1",
                algo.stix_name()
            )),
        },
    }
}

/// Host and raw URI (path and query, `/` when empty) of an `http://` URL.
fn url_parts(u: &Url) -> Result<(String, String), String> {
    match u.scheme.as_str() {
        "http" => {}
        "https" => {
            return Err("an https URL: Suricata sees its host (TLS SNI), not its path".into())
        }
        other => return Err(format!("a {other} URL: Suricata matches http URLs")),
    }
    if u.userinfo.is_some() {
        return Err("a URL with user information, which HTTP requests do not carry".into());
    }
    let path = if u.path.is_empty() { "/" } else { &u.path };
    Ok((u.host.clone(), path.to_owned()))
}

/// A quoted `msg` text: `\`, `"` and `;` escaped (Suricata's meta keyword
/// docs), control characters as spaces, at most 200 characters.
pub fn msg_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().take(200) {
        match c {
            '\\' | '"' | ';' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `content` text for exact bytes: printable ASCII as is, except `"`, `;`,
/// `:`, `|` and `\`, which (with every other byte) go in `|..|` hex.
pub fn content_text(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut in_hex = false;
    for &b in bytes {
        let plain = (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b';' | b':' | b'|' | b'\\');
        if plain {
            if in_hex {
                out.push('|');
                in_hex = false;
            }
            out.push(char::from(b));
        } else {
            if in_hex {
                out.push(' ');
            } else {
                out.push('|');
                in_hex = true;
            }
            out.push_str(&format!("{b:02X}"));
        }
    }
    if in_hex {
        out.push('|');
    }
    out
}

/// Base64 (RFC 4648, with padding), as dataset files hold strings.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// 64-bit FNV-1a.
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Assigns sids to rule keys: each its hashed sid, or on a collision the next
/// free one (keys in sorted order, so the first keeps its sid).
pub fn assign_sids(keys: &[String]) -> BTreeMap<String, u32> {
    place(
        keys.iter()
            .map(|k| ((fnv1a(k) % u64::from(SID_COUNT)) as u32, k))
            .collect(),
    )
}

/// Gives each key its wanted slot, or the next free one after it.
fn place(mut wanted: Vec<(u32, &String)>) -> BTreeMap<String, u32> {
    wanted.sort();
    let mut used = HashSet::new();
    let mut out = BTreeMap::new();
    for (slot, key) in wanted {
        let mut s = slot % SID_COUNT;
        while !used.insert(s) {
            s = (s + 1) % SID_COUNT;
        }
        out.insert(key.clone(), SID_FIRST + s);
    }
    out
}

/// A rule before its sid is known.
struct Rule {
    key: String,
    header: String,
    options: Vec<String>,
    rev: u32,
}

/// One dataset or list file.
struct Bulk {
    file: &'static str,
    /// sort key -> (value as the file holds it, value as people read it, ids)
    values: BTreeMap<String, (String, String, BTreeSet<String>)>,
}

impl Bulk {
    fn new(file: &'static str) -> Bulk {
        Bulk {
            file,
            values: BTreeMap::new(),
        }
    }

    fn add(&mut self, key: String, stored: String, shown: String, id: &str) {
        self.values
            .entry(key)
            .or_insert_with(|| (stored, shown, BTreeSet::new()))
            .2
            .insert(id.to_owned());
    }
}

/// The files of the export: (name, contents), the rules file first; and the
/// number of distinct values written.
pub fn render(items: &[(Observable, usize)], metas: &[Meta]) -> (Vec<(String, Vec<u8>)>, u64) {
    let mut domains = Bulk::new("vigil-domains.lst");
    let mut ip_any = Bulk::new("vigil-ip.lst");
    let mut ip_src = Bulk::new("vigil-ip-src.lst");
    let mut ip_dst = Bulk::new("vigil-ip-dst.lst");
    let mut md5 = Bulk::new("vigil-md5.txt");
    let mut sha1 = Bulk::new("vigil-sha1.txt");
    let mut sha256 = Bulk::new("vigil-sha256.txt");
    // (indicator, direction) -> networks
    let mut nets: BTreeMap<(usize, Direction), BTreeSet<(String, IpNet)>> = BTreeMap::new();
    // (indicator, kind name, value) for the rules of one value each
    let mut singles: BTreeSet<(usize, String, String)> = BTreeSet::new();
    let mut values: BTreeSet<(String, String)> = BTreeSet::new();
    for (o, m) in items {
        if expressible(o).is_err() {
            continue;
        }
        let id = metas[*m].id.as_str();
        values.insert((o.kind_name(), o.value()));
        match o {
            Observable::Ip { net, dir } if net.is_single() => {
                let bulk = match dir {
                    Direction::Any => &mut ip_any,
                    Direction::Src => &mut ip_src,
                    Direction::Dst => &mut ip_dst,
                };
                bulk.add(ip_sort_key(net), net.to_string(), net.to_string(), id);
            }
            Observable::Ip { net, dir } => {
                nets.entry((*m, *dir))
                    .or_default()
                    .insert((ip_sort_key(net), *net));
            }
            Observable::Domain(d) => domains.add(d.clone(), base64(d.as_bytes()), d.clone(), id),
            Observable::FileHash { algo, hex } => {
                let bulk = match algo {
                    Algo::Md5 => &mut md5,
                    Algo::Sha1 => &mut sha1,
                    _ => &mut sha256,
                };
                bulk.add(hex.clone(), hex.clone(), hex.clone(), id);
            }
            Observable::Url(_) | Observable::FileName(_) | Observable::CertHash { .. } => {
                singles.insert((*m, o.kind_name(), o.value()));
            }
            Observable::Email(_) => {}
        }
    }

    let mut rules = Vec::new();
    let dataset =
        |name: &str, file: &str, ty: &str| format!("dataset:isset,{name}, type {ty}, load {file}");
    if !domains.values.is_empty() {
        for (proto, buffer, what) in [
            ("dns", "dns.query", "DNS query"),
            ("tls", "tls.sni", "TLS SNI"),
            ("http", "http.host", "HTTP host"),
        ] {
            rules.push(Rule {
                key: format!("dataset vigil-domains {buffer}"),
                header: format!("alert {proto} any any -> any any"),
                options: vec![
                    format!("msg:\"VIGIL domain from threat intelligence ({what})\""),
                    buffer.to_owned(),
                    dataset("vigil-domains", domains.file, "string"),
                    "metadata:vigil_dataset vigil-domains".to_owned(),
                ],
                rev: 1,
            });
        }
    }
    for (bulk, name, sides) in [
        (
            &ip_any,
            "vigil-ip",
            &[
                ("ip.src", "by_src", "source"),
                ("ip.dst", "by_dst", "destination"),
            ][..],
        ),
        (
            &ip_src,
            "vigil-ip-src",
            &[("ip.src", "by_src", "source")][..],
        ),
        (
            &ip_dst,
            "vigil-ip-dst",
            &[("ip.dst", "by_dst", "destination")][..],
        ),
    ] {
        if bulk.values.is_empty() {
            continue;
        }
        for (buffer, track, what) in sides {
            rules.push(Rule {
                key: format!("dataset {name} {buffer}"),
                header: "alert ip any any -> any any".to_owned(),
                options: vec![
                    format!("msg:\"VIGIL address from threat intelligence ({what})\""),
                    (*buffer).to_owned(),
                    dataset(name, bulk.file, "ip"),
                    format!("threshold:type limit, track {track}, count 1, seconds 3600"),
                    format!("metadata:vigil_dataset {name}"),
                ],
                rev: 1,
            });
        }
    }
    for (bulk, keyword, algo) in [
        (&md5, "filemd5", "MD5"),
        (&sha1, "filesha1", "SHA-1"),
        (&sha256, "filesha256", "SHA-256"),
    ] {
        if bulk.values.is_empty() {
            continue;
        }
        rules.push(Rule {
            key: format!("list {}", bulk.file),
            header: "alert ip any any -> any any".to_owned(),
            options: vec![
                format!("msg:\"VIGIL file {algo} from threat intelligence\""),
                format!("{keyword}:{}", bulk.file),
                format!("metadata:vigil_list {}", bulk.file),
            ],
            rev: 1,
        });
    }
    let rev = |m: usize| metas[m].modified_secs.clamp(1, i64::from(u32::MAX)) as u32;
    let named = |m: usize, kind: &str| {
        let meta = &metas[m];
        let name = meta
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&meta.id);
        (
            format!("msg:\"VIGIL {} ({})\"", msg_text(name), meta.id),
            format!("metadata:vigil_indicator {}, vigil_kind {kind}", meta.id),
        )
    };
    for ((m, dir), group) in &nets {
        let list: Vec<String> = group.iter().map(|(_, n)| n.to_string()).collect();
        let group = format!("[{}]", list.join(","));
        let (header, track) = match dir {
            Direction::Any => (format!("alert ip any any <> {group} any"), "by_src"),
            Direction::Src => (format!("alert ip {group} any -> any any"), "by_src"),
            Direction::Dst => (format!("alert ip any any -> {group} any"), "by_dst"),
        };
        let (msg, meta) = named(*m, "network");
        rules.push(Rule {
            key: format!("net {} {}", metas[*m].id, dir.name()),
            header,
            options: vec![
                msg,
                format!("threshold:type limit, track {track}, count 1, seconds 3600"),
                meta,
            ],
            rev: rev(*m),
        });
    }
    for (m, kind, value) in &singles {
        let (msg, meta) = named(*m, kind);
        let exact = |buffer: &str, v: &str| {
            vec![
                buffer.to_owned(),
                format!("content:\"{}\"", content_text(v.as_bytes())),
                format!("bsize:{}", v.len()),
            ]
        };
        let (header, body) = if kind == "url" {
            let Some(Ok((host, path))) = Url::parse(value).ok().as_ref().map(url_parts) else {
                continue;
            };
            let mut body = vec!["flow:established,to_server".to_owned()];
            body.extend(exact("http.host", &host));
            body.extend(exact("http.uri.raw", &path));
            ("alert http any any -> any any", body)
        } else if kind == "file-name" {
            ("alert ip any any -> any any", exact("file.name", value))
        } else {
            // A certificate's SHA-1 as Suricata writes it: hex pairs and colons.
            let pairs: Vec<String> = value
                .as_bytes()
                .chunks(2)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            (
                "alert tls any any -> any any",
                exact("tls.cert_fingerprint", &pairs.join(":")),
            )
        };
        let mut options = vec![msg];
        options.extend(body);
        options.push(meta);
        rules.push(Rule {
            key: format!("{kind} {} {value}", metas[*m].id),
            header: header.to_owned(),
            options,
            rev: rev(*m),
        });
    }

    rules.sort_by(|a, b| a.key.cmp(&b.key));
    let keys: Vec<String> = rules.iter().map(|r| r.key.clone()).collect();
    let sids = assign_sids(&keys);
    let mut text = String::from(
        "# Vigil: Suricata 7 rules from STIX indicators (vigil export --format suricata).\n\
         # Datasets and hash lists are read from the files beside this one; which\n\
         # indicators their values come from is in vigil-index.tsv.\n",
    );
    for r in &rules {
        let sid = sids.get(&r.key).copied().unwrap_or(SID_FIRST);
        text.push_str(&format!(
            "{} ({}; sid:{sid}; rev:{};)\n",
            r.header,
            r.options.join("; "),
            r.rev
        ));
    }
    let mut files = vec![(RULES_FILE.to_owned(), text.into_bytes())];
    let mut index = String::from("file\tvalue\tindicator\n");
    for bulk in [&domains, &ip_any, &ip_src, &ip_dst, &md5, &sha1, &sha256] {
        if bulk.values.is_empty() {
            continue;
        }
        let lists = bulk.file.ends_with(".txt");
        let mut body = String::new();
        for (stored, shown, ids) in bulk.values.values() {
            body.push_str(stored);
            if lists {
                for id in ids {
                    body.push(' ');
                    body.push_str(id);
                }
            }
            body.push('\n');
            for id in ids {
                index.push_str(&format!("{}\t{shown}\t{id}\n", bulk.file));
            }
        }
        files.push((bulk.file.to_owned(), body.into_bytes()));
    }
    files.push((INDEX_FILE.to_owned(), index.into_bytes()));
    (files, values.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_follows_rfc_4648() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("google.com", "Z29vZ2xlLmNvbQ=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn content_escapes_the_reserved_characters() {
        assert_eq!(content_text(b"/a?b=c"), "/a?b=c");
        assert_eq!(content_text(b"a;b:c\"d|e\\f"), "a|3B|b|3A|c|22|d|7C|e|5C|f");
        assert_eq!(content_text(b"\x00\x01z"), "|00 01|z");
        assert_eq!(content_text("é".as_bytes()), "|C3 A9|");
    }

    #[test]
    fn msg_escapes_what_the_docs_say() {
        assert_eq!(msg_text("a;b\"c\\d\ne"), "a\\;b\\\"c\\\\d e");
    }

    #[test]
    fn sids_are_stable_and_distinct() {
        let keys: Vec<String> = (0..2000).map(|i| format!("k{i}")).collect();
        let a = assign_sids(&keys);
        let b = assign_sids(&keys);
        assert_eq!(a, b);
        let distinct: HashSet<u32> = a.values().copied().collect();
        assert_eq!(distinct.len(), keys.len());
        assert!(a
            .values()
            .all(|s| (SID_FIRST..SID_FIRST + SID_COUNT).contains(s)));
        // A key's sid does not depend on the others (barring collisions).
        let one = assign_sids(&keys[..1]);
        assert_eq!(one["k0"], a["k0"]);
    }

    #[test]
    fn colliding_keys_get_the_next_free_sid() {
        let (a, b, c) = ("a".to_owned(), "b".to_owned(), "c".to_owned());
        let sids = place(vec![(7, &b), (7, &a), (8, &c), (SID_COUNT - 1, &c)]);
        assert_eq!(sids[&a], SID_FIRST + 7);
        assert_eq!(sids[&b], SID_FIRST + 8);
        // c wanted 8 (taken by b) and the last slot: the later entry wins in
        // the map, but no two keys ever share a sid.
        let wrapped = place(vec![(SID_COUNT - 1, &a), (SID_COUNT - 1, &b)]);
        assert_eq!(wrapped[&a], SID_FIRST + SID_COUNT - 1);
        assert_eq!(wrapped[&b], SID_FIRST);
    }
}
