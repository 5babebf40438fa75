//! Observable values in the form sensors match them: addresses and networks
//! with their host bits cleared, domain names as lowercase A-labels, URLs cut
//! into their parts, hashes as lowercase hex of the length their algorithm
//! gives.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address, or a network in CIDR notation; an address has the full prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    /// The address, host bits cleared for a network.
    pub addr: IpAddr,
    /// The prefix length: 32 (IPv4) or 128 (IPv6) for one address.
    pub prefix: u8,
}

impl IpNet {
    /// Parses `a.b.c.d`, `a.b.c.d/n` and the IPv6 forms; `None` if it is neither.
    pub fn parse(s: &str) -> Option<IpNet> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = if addr.contains(':') {
            IpAddr::V6(addr.parse::<Ipv6Addr>().ok()?)
        } else {
            IpAddr::V4(addr.parse::<Ipv4Addr>().ok()?)
        };
        let max = if addr.is_ipv6() { 128 } else { 32 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|&n| n <= max)?
            }
            Some(_) => return None,
        };
        Some(IpNet {
            addr: mask(addr, prefix),
            prefix,
        })
    }

    /// Whether this is one address rather than a network.
    pub fn is_single(&self) -> bool {
        self.prefix == if self.addr.is_ipv6() { 128 } else { 32 }
    }

    /// The STIX type of the value: `ipv4-addr` or `ipv6-addr`.
    pub fn stix_type(&self) -> &'static str {
        if self.addr.is_ipv6() {
            "ipv6-addr"
        } else {
            "ipv4-addr"
        }
    }

    /// Orders IPv4 before IPv6, then numerically, then by prefix.
    pub fn sort_key(&self) -> (bool, u128, u8) {
        let n = match self.addr {
            IpAddr::V4(a) => u128::from(u32::from(a)),
            IpAddr::V6(a) => u128::from(a),
        };
        (self.addr.is_ipv6(), n, self.prefix)
    }
}

impl PartialOrd for IpNet {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IpNet {
    /// As [`IpNet::sort_key`].
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl fmt::Display for IpNet {
    /// `198.51.100.1`, `198.51.100.0/24`, `2001:db8::/32` (RFC 5952 for IPv6).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_single() {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(bits & m))
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

/// A hash algorithm whose digests are fixed-length hex strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algo {
    /// MD5 (32 hex digits).
    Md5,
    /// SHA-1 (40).
    Sha1,
    /// SHA-256 (64).
    Sha256,
    /// SHA-512 (128).
    Sha512,
    /// SHA3-256 (64).
    Sha3_256,
    /// SHA3-512 (128).
    Sha3_512,
}

impl Algo {
    /// The algorithm a STIX hash key names (`MD5`, `SHA-256`, also spelt
    /// `SHA256` or `sha-256`); `None` for SSDEEP, TLSH and custom keys.
    pub fn from_stix(key: &str) -> Option<Algo> {
        let k: String = key
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_uppercase();
        Some(match k.as_str() {
            "MD5" => Algo::Md5,
            "SHA1" => Algo::Sha1,
            "SHA256" => Algo::Sha256,
            "SHA512" => Algo::Sha512,
            "SHA3256" => Algo::Sha3_256,
            "SHA3512" => Algo::Sha3_512,
            _ => return None,
        })
    }

    /// The name STIX's hash-algorithm vocabulary gives it.
    pub fn stix_name(self) -> &'static str {
        match self {
            Algo::Md5 => "MD5",
            Algo::Sha1 => "SHA-1",
            Algo::Sha256 => "SHA-256",
            Algo::Sha512 => "SHA-512",
            Algo::Sha3_256 => "SHA3-256",
            Algo::Sha3_512 => "SHA3-512",
        }
    }

    /// A short lowercase name: `md5`, `sha1`, `sha256`, ...
    pub fn short(self) -> &'static str {
        match self {
            Algo::Md5 => "md5",
            Algo::Sha1 => "sha1",
            Algo::Sha256 => "sha256",
            Algo::Sha512 => "sha512",
            Algo::Sha3_256 => "sha3-256",
            Algo::Sha3_512 => "sha3-512",
        }
    }

    /// The digest length in hex digits.
    pub fn hex_len(self) -> usize {
        match self {
            Algo::Md5 => 32,
            Algo::Sha1 => 40,
            Algo::Sha256 | Algo::Sha3_256 => 64,
            Algo::Sha512 | Algo::Sha3_512 => 128,
        }
    }
}

/// A digest as lowercase hex, checked against its algorithm's length.
pub fn hex_digest(algo: Algo, s: &str) -> Result<String, String> {
    if s.len() == algo.hex_len() && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "{} is not a {} digest ({} hex digits)",
            quote(s),
            algo.stix_name(),
            algo.hex_len()
        ))
    }
}

/// A domain name as sensors see it on the wire: lowercase, internationalised
/// labels as A-labels (`xn--...`, RFC 3492), no trailing dot. Labels hold
/// letters, digits, hyphens (not first or last) and underscores (`_dmarc`).
pub fn domain(s: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("{} is not a domain name: {why}", quote(s)));
    let name = s.strip_suffix('.').unwrap_or(s);
    if name.is_empty() {
        return bad("empty");
    }
    let mut out = String::with_capacity(name.len());
    for label in name.split('.') {
        if label.is_empty() {
            return bad("an empty label");
        }
        let ascii = if label.is_ascii() {
            let l = label.to_ascii_lowercase();
            if !l
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return bad("a character a host name cannot hold");
            }
            l
        } else {
            let l = label.to_lowercase();
            if !l.chars().all(|c| c.is_alphanumeric() || c == '-') {
                return bad("a character a host name cannot hold");
            }
            match super::idna::punycode(&l) {
                Some(p) => format!("xn--{p}"),
                None => return bad("a label that cannot be encoded"),
            }
        };
        if ascii.starts_with('-') || ascii.ends_with('-') {
            return bad("a label starts or ends with a hyphen");
        }
        if ascii.len() > 63 {
            return bad("a label longer than 63 bytes");
        }
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&ascii);
    }
    if out.len() > 253 {
        return bad("longer than 253 bytes");
    }
    Ok(out)
}

/// A URL cut into the parts sensors match separately (RFC 3986 §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Url {
    /// Lowercase scheme (`http`).
    pub scheme: String,
    /// `user:password` before the host, as written.
    pub userinfo: Option<String>,
    /// The host: a domain name as [`domain`] gives it, an IPv4 address, or an
    /// IPv6 address in brackets.
    pub host: String,
    /// An explicit port.
    pub port: Option<u16>,
    /// Path and query as written (empty when the URL has neither).
    pub path: String,
    /// The fragment (after `#`), as written; browsers never send it.
    pub fragment: Option<String>,
}

impl Url {
    /// Parses an absolute URL with an authority (`scheme://host...`).
    pub fn parse(s: &str) -> Result<Url, String> {
        let bad = |why: &str| Err(format!("{} is not a URL: {why}", quote(s)));
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("it holds white space or control characters");
        }
        let Some((scheme, rest)) = s.split_once("://") else {
            return bad("no scheme://");
        };
        let mut chars = scheme.chars();
        let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            return bad("a scheme must be a letter then letters, digits, +, - or .");
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (path, fragment) = match tail.split_once('#') {
            Some((p, f)) => (p, Some(f.to_owned())),
            None => (tail, None),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_owned()), h),
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let Some((addr, after)) = v6.split_once(']') else {
                return bad("an unclosed [ in the host");
            };
            if addr.parse::<Ipv6Addr>().is_err() {
                return bad("the bracketed host is not an IPv6 address");
            }
            let port = match after {
                "" => None,
                p => match p.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => return bad("text after the bracketed host"),
                },
            };
            (format!("[{}]", addr.to_ascii_lowercase()), port)
        } else {
            let (h, p) = match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            };
            let host = if h.parse::<Ipv4Addr>().is_ok() {
                h.to_owned()
            } else {
                match domain(h) {
                    Ok(d) => d,
                    Err(_) => return bad("the host is not a domain name or an address"),
                }
            };
            (host, p)
        };
        let port = match port {
            None | Some("") => None,
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => match p.parse::<u16>() {
                Ok(n) => Some(n),
                Err(_) => return bad("the port is out of range"),
            },
            Some(_) => return bad("the port is not a number"),
        };
        Ok(Url {
            scheme: scheme.to_ascii_lowercase(),
            userinfo,
            host,
            port,
            path: path.to_owned(),
            fragment,
        })
    }

    /// `host` or `host:port`.
    pub fn host_port(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }
}

impl fmt::Display for Url {
    /// The URL with scheme and host normalised, everything else as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if let Some(u) = &self.userinfo {
            write!(f, "{u}@")?;
        }
        write!(f, "{}{}", self.host_port(), self.path)?;
        if let Some(frag) = &self.fragment {
            write!(f, "#{frag}")?;
        }
        Ok(())
    }
}

/// A value quoted for a message: Rust string escapes, at most 80 characters.
pub fn quote(s: &str) -> String {
    let short: String = s.chars().take(80).collect();
    if short.len() < s.len() {
        format!("{short:?}...")
    } else {
        format!("{short:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_networks_are_canonical() {
        let n = IpNet::parse("198.51.100.7/24").unwrap();
        assert_eq!(n.to_string(), "198.51.100.0/24");
        assert!(!n.is_single());
        assert_eq!(
            IpNet::parse("198.51.100.7/32").unwrap().to_string(),
            "198.51.100.7"
        );
        assert_eq!(
            IpNet::parse("2001:DB8:0:0::1").unwrap().to_string(),
            "2001:db8::1"
        );
        assert_eq!(
            IpNet::parse("2001:db8:ffff::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(IpNet::parse("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
        for bad in [
            "1.2.3",
            "1.2.3.4/33",
            "1.2.3.4/",
            "01.2.3.4",
            "::1/129",
            "x",
            "1.2.3.4/+1",
        ] {
            assert_eq!(IpNet::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn domains_become_lowercase_a_labels() {
        assert_eq!(domain("Evil.Example.").unwrap(), "evil.example");
        assert_eq!(domain("bücher.example").unwrap(), "xn--bcher-kva.example");
        assert_eq!(domain("MÜNCHEN.example").unwrap(), "xn--mnchen-3ya.example");
        assert_eq!(domain("_dmarc.example").unwrap(), "_dmarc.example");
        for bad in [
            "",
            ".",
            "a..b",
            "-a.example",
            "a b.example",
            "a/b",
            &"a".repeat(64),
        ] {
            assert!(domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_are_cut_into_their_parts() {
        let u = Url::parse("HTTP://User@Evil.Example:8080/a/b?c=d#top").unwrap();
        assert_eq!(u.scheme, "http");
        assert_eq!(u.userinfo.as_deref(), Some("User"));
        assert_eq!(u.host, "evil.example");
        assert_eq!(u.port, Some(8080));
        assert_eq!(u.path, "/a/b?c=d");
        assert_eq!(u.fragment.as_deref(), Some("top"));
        assert_eq!(u.to_string(), "http://User@evil.example:8080/a/b?c=d#top");
        let v6 = Url::parse("https://[2001:DB8::1]:443").unwrap();
        assert_eq!(v6.host, "[2001:db8::1]");
        assert_eq!(v6.path, "");
        for bad in [
            "evil.example/a",
            "http://",
            "http://a b/",
            "1http://x",
            "http://x:99999/",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn digests_are_checked_against_their_algorithm() {
        assert_eq!(Algo::from_stix("SHA-256"), Some(Algo::Sha256));
        assert_eq!(Algo::from_stix("sha256"), Some(Algo::Sha256));
        assert_eq!(Algo::from_stix("SSDEEP"), None);
        assert_eq!(
            hex_digest(Algo::Md5, "D41D8CD98F00B204E9800998ECF8427E").unwrap(),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert!(hex_digest(Algo::Sha1, "d41d8cd98f00b204e9800998ecf8427e").is_err());
        assert!(hex_digest(Algo::Md5, "z41d8cd98f00b204e9800998ecf8427e").is_err());
    }
}
