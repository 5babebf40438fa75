//! Zeek Intelligence Framework input files (`Intel::read_files`).
//!
//! The format (Zeek's intel framework docs and `base/frameworks/intel`): a
//! `#fields` header, then one item per line, fields separated by one tab,
//! read by the input framework's ASCII reader:
//!
//! ```text
//! #fields<TAB>indicator<TAB>indicator_type<TAB>meta.source<TAB>meta.desc<TAB>meta.url
//! 198.51.100.1<TAB>Intel::ADDR<TAB>indicator--0a1b...<TAB>C2 server of campaign X<TAB>-
//! ```
//!
//! - `indicator_type`: `Intel::ADDR`, `Intel::SUBNET`, `Intel::DOMAIN`,
//!   `Intel::URL` (a URL without its scheme, as `HTTP::build_url` gives it:
//!   host, `:port` unless 80 or 443, then path and query), `Intel::EMAIL`,
//!   `Intel::FILE_HASH` (MD5, SHA-1 or SHA-256: what Zeek's file analysis
//!   computes), `Intel::FILE_NAME`, `Intel::CERT_HASH` (a certificate's
//!   SHA-1).
//! - `meta.source` is the key of a metadata record within one item, so each
//!   indicator carrying a value gets its own line with its own id there, and
//!   intel.log's `sources` names the indicators that matched.
//! - `meta.desc` is the indicator's name; `meta.url` is unset (`-`).
//! - Strings are read through `\xNN` unescaping: tabs, line breaks, other
//!   control characters and backslashes are written as `\xNN`, and a field
//!   that would read as unset (`-`) or as a comment line (`#...`) has its
//!   first character escaped.

use super::extract::Observable;
use super::values::Algo;
use super::Meta;
use std::collections::BTreeSet;
use std::io::{self, Write};

/// The header line, as the input framework reads it.
pub const HEADER: &str = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url";

/// The item type and indicator text for an observable, or why Zeek cannot match it.
pub fn item(o: &Observable) -> Result<(&'static str, String), String> {
    Ok(match o {
        Observable::Ip { net, .. } if net.is_single() => ("Intel::ADDR", net.to_string()),
        Observable::Ip { net, .. } => ("Intel::SUBNET", net.to_string()),
        Observable::Domain(d) => ("Intel::DOMAIN", d.clone()),
        Observable::Url(u) => {
            if u.userinfo.is_some() {
                return Err("a URL with user information: Zeek's URLs never carry it".into());
            }
            let host = match (u.scheme.as_str(), u.port) {
                ("http", Some(80)) | ("https", Some(443)) => u.host.clone(),
                _ => u.host_port(),
            };
            let path = if u.path.is_empty() { "/" } else { &u.path };
            ("Intel::URL", format!("{host}{path}"))
        }
        Observable::FileHash { algo, hex } => match algo {
            Algo::Md5 | Algo::Sha1 | Algo::Sha256 => ("Intel::FILE_HASH", hex.clone()),
            _ => {
                return Err(format!(
                    "a {} file digest: Zeek hashes files with MD5, SHA-1 and SHA-256",
                    algo.stix_name()
                ))
            }
        },
        Observable::FileName(n) => ("Intel::FILE_NAME", n.clone()),
        Observable::Email(e) => ("Intel::EMAIL", e.clone()),
        Observable::CertHash { algo, hex } => match algo {
            Algo::Sha1 => ("Intel::CERT_HASH", hex.clone()),
            _ => {
                return Err(format!(
                    "a certificate {} digest: Zeek's CERT_HASH is SHA-1",
                    algo.stix_name()
                ))
            }
        },
    })
}

/// A field as Zeek's ASCII input reader reads it back to `s`.
pub fn field(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        let first_reserved = i == 0 && (c == '#' || (c == '-' && s.len() == 1));
        if c == '\\' || c.is_control() || first_reserved {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes the intel file: one line per (value, type, indicator), sorted by
/// type, then value (addresses numerically), then indicator id.
pub fn write(
    items: &[(Observable, usize)],
    metas: &[Meta],
    out: &mut dyn Write,
) -> io::Result<u64> {
    let mut lines: BTreeSet<(&'static str, String, String, &str, usize)> = BTreeSet::new();
    for (o, m) in items {
        if let Ok((ty, text)) = item(o) {
            let key = match o {
                Observable::Ip { net, .. } => super::ip_sort_key(net),
                _ => text.clone(),
            };
            lines.insert((ty, key, text, &metas[*m].id, *m));
        }
    }
    writeln!(out, "{HEADER}")?;
    let mut values = BTreeSet::new();
    for (ty, _, text, id, m) in &lines {
        let desc = match &metas[*m].name {
            Some(n) if !n.is_empty() => field(n),
            _ => "-".to_owned(),
        };
        writeln!(out, "{}\t{ty}\t{}\t{desc}\t-", field(text), field(id))?;
        values.insert((*ty, text));
    }
    Ok(values.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::extract::Direction;
    use crate::sensors::values::{IpNet, Url};

    #[test]
    fn fields_escape_what_the_reader_would_change() {
        assert_eq!(field("a\tb\\c\nd"), "a\\x09b\\x5cc\\x0ad");
        assert_eq!(field("-"), "\\x2d");
        assert_eq!(field("-x"), "-x");
        assert_eq!(field("#x"), "\\x23x");
        assert_eq!(field("a#b"), "a#b");
        assert_eq!(field("ünï"), "ünï");
    }

    #[test]
    fn urls_lose_their_scheme_and_default_port() {
        let url = |s: &str| item(&Observable::Url(Url::parse(s).unwrap()));
        assert_eq!(url("http://evil.example").unwrap().1, "evil.example/");
        assert_eq!(
            url("https://evil.example:443/a?b#c").unwrap().1,
            "evil.example/a?b"
        );
        assert_eq!(
            url("http://evil.example:8080/a").unwrap().1,
            "evil.example:8080/a"
        );
        assert!(url("http://u:p@evil.example/").is_err());
    }

    #[test]
    fn types_follow_the_intel_framework() {
        let ip = |s: &str| {
            item(&Observable::Ip {
                net: IpNet::parse(s).unwrap(),
                dir: Direction::Dst,
            })
            .unwrap()
        };
        assert_eq!(ip("10.0.0.1"), ("Intel::ADDR", "10.0.0.1".into()));
        assert_eq!(ip("10.0.0.0/8"), ("Intel::SUBNET", "10.0.0.0/8".into()));
        let sha512 = Observable::FileHash {
            algo: Algo::Sha512,
            hex: "0".repeat(128),
        };
        assert!(item(&sha512).is_err());
    }
}
