//! String formats the spec borrows from other standards: RFC 3986 URIs, IPv4/IPv6
//! addresses and CIDR blocks, MAC-48 addresses, domain names (RFC 1034/5890), email
//! addresses, MIME types (RFC 6838), IANA charset names and CPE 2.3 names.
//!
//! Hand-written: validation runs per property on large imports, so no regular
//! expressions and no allocation.

use std::net::{Ipv4Addr, Ipv6Addr};

/// RFC 3986 character classes as bit flags, indexed by byte.
const UNRESERVED: u8 = 1;
const SUB_DELIM: u8 = 2;
const COLON: u8 = 4;
const AT: u8 = 8;
const SLASH: u8 = 16;
const QUESTION: u8 = 32;
/// `pchar` (§3.3).
const PCHAR: u8 = UNRESERVED | SUB_DELIM | COLON | AT;

const URI_CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            UNRESERVED
        } else if matches!(
            b,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        ) {
            SUB_DELIM
        } else if b == b':' {
            COLON
        } else if b == b'@' {
            AT
        } else if b == b'/' {
            SLASH
        } else if b == b'?' {
            QUESTION
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Whether every byte of `s` is in one of the `classes` or is part of a `%XX` escape.
fn chars_ok(s: &[u8], classes: u8) -> bool {
    let mut i = 0;
    while i < s.len() {
        if URI_CLASSES[s[i] as usize] & classes != 0 {
            i += 1;
        } else if s[i] == b'%'
            && s.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            i += 3;
        } else {
            return false;
        }
    }
    true
}

/// Whether `s` is an absolute URI per RFC 3986 §3 (`scheme ":" hier-part ["?" query] ["#" fragment]`).
pub(crate) fn is_uri(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(colon) = b.iter().position(|&c| c == b':') else {
        return false;
    };
    let scheme = &b[..colon];
    if scheme.is_empty()
        || !scheme[0].is_ascii_alphabetic()
        || !scheme
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    {
        return false;
    }
    let rest = &b[colon + 1..];
    let (rest, fragment) = match rest.iter().position(|&c| c == b'#') {
        Some(p) => (&rest[..p], Some(&rest[p + 1..])),
        None => (rest, None),
    };
    if let Some(f) = fragment {
        if !chars_ok(f, PCHAR | SLASH | QUESTION) {
            return false;
        }
    }
    let (hier, query) = match rest.iter().position(|&c| c == b'?') {
        Some(p) => (&rest[..p], Some(&rest[p + 1..])),
        None => (rest, None),
    };
    if let Some(q) = query {
        if !chars_ok(q, PCHAR | SLASH | QUESTION) {
            return false;
        }
    }
    let path = if let Some(after) = hier.strip_prefix(b"//") {
        let end = after.iter().position(|&c| c == b'/').unwrap_or(after.len());
        if !is_authority(&after[..end]) {
            return false;
        }
        &after[end..]
    } else {
        hier
    };
    chars_ok(path, PCHAR | SLASH)
}

fn is_authority(a: &[u8]) -> bool {
    let (userinfo, hostport) = match a.iter().rposition(|&c| c == b'@') {
        Some(p) => (Some(&a[..p]), &a[p + 1..]),
        None => (None, a),
    };
    if let Some(u) = userinfo {
        if !chars_ok(u, UNRESERVED | SUB_DELIM | COLON) {
            return false;
        }
    }
    let (host, port) = if hostport.first() == Some(&b'[') {
        let Some(close) = hostport.iter().position(|&c| c == b']') else {
            return false;
        };
        let inner = &hostport[1..close];
        let literal_ok = std::str::from_utf8(inner).is_ok_and(|s| s.parse::<Ipv6Addr>().is_ok())
            || (inner.first().is_some_and(|c| *c == b'v' || *c == b'V') && inner.len() > 3);
        if !literal_ok {
            return false;
        }
        let after = &hostport[close + 1..];
        match after.split_first() {
            None => (&hostport[..0], None),
            Some((b':', port)) => (&hostport[..0], Some(port)),
            Some(_) => return false,
        }
    } else {
        match hostport.iter().rposition(|&c| c == b':') {
            Some(p) => (&hostport[..p], Some(&hostport[p + 1..])),
            None => (hostport, None),
        }
    };
    chars_ok(host, UNRESERVED | SUB_DELIM) && port.is_none_or(|p| p.iter().all(u8::is_ascii_digit))
}

/// Whether `s` is an IPv4 address or CIDR block (`a.b.c.d[/0-32]`), as §6.8.1 requires.
pub(crate) fn is_ipv4_value(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    addr.parse::<Ipv4Addr>().is_ok() && prefix.is_none_or(|p| prefix_ok(p, 32))
}

/// Whether `s` is an IPv6 address or CIDR block (`addr[/0-128]`), as §6.9.1 requires.
pub(crate) fn is_ipv6_value(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    // A zone index (`fe80::1%eth0`) is accepted, as RFC 4007 writes scoped addresses.
    let addr = match addr.split_once('%') {
        Some((a, zone)) if !zone.is_empty() => a,
        Some(_) => return false,
        None => addr,
    };
    addr.parse::<Ipv6Addr>().is_ok() && prefix.is_none_or(|p| prefix_ok(p, 128))
}

fn prefix_ok(p: &str, max: u32) -> bool {
    !p.is_empty()
        && p.len() <= 3
        && p.bytes().all(|c| c.is_ascii_digit())
        && !(p.len() > 1 && p.starts_with('0'))
        && p.parse::<u32>().is_ok_and(|n| n <= max)
}

/// Whether `s` is a colon-delimited, lowercase MAC-48 address with leading zeros (§6.10.1).
pub(crate) fn is_mac_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 17
        && b.iter().enumerate().all(|(i, &c)| {
            if i % 3 == 2 {
                c == b':'
            } else {
                c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
            }
        })
}

/// Whether `s` is a domain name (§6.4.1: RFC 1034 labels, internationalized per RFC 5890).
pub(crate) fn is_domain_name(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        let chars = label.chars().count();
        (1..=63).contains(&chars)
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| {
                c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
            })
    })
}

/// Whether `s` is an email address of the form `local@domain` (§6.5.1).
pub(crate) fn is_email_value(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    // A domain literal (`user@[192.0.2.1]`) is allowed by RFC 5322 §3.4.1.
    let domain_ok = (domain.starts_with('[') && domain.ends_with(']')) || is_domain_name(domain);
    !local.is_empty()
        && domain_ok
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && (local.starts_with('"') || !local.contains('@'))
}

fn restricted_name(s: &str) -> bool {
    (1..=127).contains(&s.len())
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'!' | b'#' | b'$' | b'&' | b'-' | b'^' | b'_' | b'.' | b'+'
                )
        })
}

/// Whether `s` is a MIME type `type/subtype` (RFC 6838 §4.2), parameters allowed.
pub(crate) fn is_mime_type(s: &str) -> bool {
    let essence = s.split(';').next().unwrap_or("").trim();
    essence
        .split_once('/')
        .is_some_and(|(t, sub)| restricted_name(t) && restricted_name(sub))
}

/// The top-level media types registered with IANA.
pub(crate) const MEDIA_TOP_LEVEL: &[&str] = &[
    "application",
    "audio",
    "example",
    "font",
    "haptics",
    "image",
    "message",
    "model",
    "multipart",
    "text",
    "video",
];

/// Whether `s` can be an IANA charset name (RFC 2978 §2.3 `mime-charset` characters).
pub(crate) fn is_charset_name(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.bytes().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'+'
                        | b'-'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'{'
                        | b'}'
                        | b'~'
                        | b'.'
                        | b':'
                        | b'('
                        | b')'
                )
        })
}

/// Whether `s` is a CPE 2.3 formatted string: `cpe:2.3:` and 11 colon-separated components.
pub(crate) fn is_cpe23(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("cpe:2.3:") else {
        return false;
    };
    let b = rest.as_bytes();
    let mut fields = 0;
    let mut len = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() && b[i + 1].is_ascii_punctuation() => {
                i += 2;
                len += 2;
                continue;
            }
            b':' => {
                if len == 0 {
                    return false;
                }
                fields += 1;
                len = 0;
            }
            c if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'*' | b'?') => {
                len += 1
            }
            _ => return false,
        }
        i += 1;
    }
    let part_ok =
        matches!(b.first(), Some(b'a' | b'h' | b'o' | b'*' | b'-')) && b.get(1) == Some(&b':');
    len > 0 && fields == 10 && part_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        for ok in [
            "http://www.example.com/a?b=c#d",
            "http://[::1]:80/",
            "mailto:a@b.com",
            "http:///a",
            "urn:isbn:123",
            "https://a.com/%20x",
        ] {
            assert!(is_uri(ok), "{ok}");
        }
        for bad in [
            "www.example.com/a",
            "http://www.exämple.com/",
            "http://a.com/%zz",
            "http://a.com/[x]",
            "http://a.com/a|b",
            "http://a.com/a#b#c",
            "http://a.com:8x/",
            "1http://a",
            "http://a b.com/",
            "",
        ] {
            assert!(!is_uri(bad), "{bad}");
        }
    }

    #[test]
    fn addresses() {
        assert!(is_ipv4_value("198.51.100.3"));
        assert!(is_ipv4_value("198.51.100.0/24"));
        assert!(!is_ipv4_value("198.51.100.0/33"));
        assert!(!is_ipv4_value("01.2.3.4"));
        assert!(!is_ipv4_value("1.2.3"));
        assert!(is_ipv6_value("2001:db8::1/64"));
        assert!(is_ipv6_value("::ffff:192.0.2.1"));
        assert!(is_ipv6_value("fe80::1%eth0"));
        assert!(!is_ipv6_value("2001:db8:::1"));
        assert!(!is_ipv6_value("2001:db8::1/129"));
        assert!(is_mac_value("00:0a:95:9d:68:16"));
        assert!(!is_mac_value("00:0A:95:9d:68:16"));
        assert!(!is_mac_value("0:0a:95:9d:68:16:"));
    }

    #[test]
    fn names() {
        for ok in [
            "example.com",
            "example.com.",
            "localhost",
            "bücher.de",
            "EXAMPLE.com",
            "xn--bcher-kva.de",
        ] {
            assert!(is_domain_name(ok), "{ok}");
        }
        for bad in [
            "a_b.example.com",
            "-bad.com",
            "a b.com",
            "*.example.com",
            "",
            "a..b",
        ] {
            assert!(!is_domain_name(bad), "{bad}");
        }
        assert!(!is_domain_name(&format!("{}.com", "a".repeat(64))));
        assert!(is_email_value("jdoe@example.com"));
        assert!(!is_email_value("jdoe"));
        assert!(!is_email_value("j doe@example.com"));
        assert!(is_mime_type("application/zip"));
        assert!(is_mime_type("text/plain; charset=utf-8"));
        assert!(!is_mime_type("zip"));
        assert!(is_charset_name("windows-1252"));
        assert!(!is_charset_name("not a charset"));
        assert!(is_cpe23("cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*"));
        assert!(is_cpe23(r"cpe:2.3:a:foo\:bar:baz:1.0:*:*:*:*:*:*:*"));
        assert!(!is_cpe23("cpe:/a:foo"));
        assert!(!is_cpe23("cpe:2.3:x:microsoft:word:2000:*:*:*:*:*:*:*"));
        assert!(!is_cpe23("cpe:2.3:a:microsoft:word:2000"));
    }
}
