//! Adapters: one log line in, one [`Record`] of facts out, following
//! MAPPING.md (beside this crate's Cargo.toml) field by field.
//!
//! Each adapter walks the line once with the [`crate::json`] scanner,
//! keeping the values of the fields it maps (borrowed from the line), then
//! writes facts in a fixed order: objects first, then what references or
//! extends them (a `domain-name`'s value before its `resolves_to_refs`).

use crate::fact::{is_builtin, looks_v4, looks_v6, PathId, PathTable, Record, Val, Want, P};
use crate::json::{elements, flat_members, flat_picked, Json, JsonError};
use crate::time;
use std::borrow::Cow;
use std::collections::HashMap;

/// Why a line gave no record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Not a JSON object.
    Json(JsonError),
    /// JSON, but not a record of the format (no time, wrong shape).
    Record(String),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Json(e) => e.fmt(f),
            Unreadable::Record(m) => f.write_str(m),
        }
    }
}

impl From<JsonError> for Unreadable {
    fn from(e: JsonError) -> Self {
        Unreadable::Json(e)
    }
}

fn no_time(field: &str) -> Unreadable {
    Unreadable::Record(format!("no readable time in '{field}'"))
}

fn str_of<'a>(v: &Json<'a>) -> Option<Cow<'a, str>> {
    if v.is_unset() {
        return None;
    }
    v.str()
}

fn int_of(v: &Json<'_>) -> Option<i64> {
    match v {
        Json::Num(_) => v.int(),
        Json::Str(..) => v.str()?.parse().ok(),
        _ => None,
    }
}

fn time_of(v: &Json<'_>) -> Option<vigil_pattern::Instant> {
    match v {
        Json::Num(t) => time::epoch_bytes(t),
        Json::Str(..) => time::any(&v.str()?),
        _ => None,
    }
}

/// `ipv4`/`ipv6` by an address's form.
fn ip_version(addr: Option<&Cow<'_, str>>) -> &'static str {
    match addr {
        Some(a) if looks_v6(a) => "ipv6",
        _ => "ipv4",
    }
}

/// Whether a host name is an address.
fn is_addr(s: &str) -> bool {
    looks_v6(s) || (looks_v4(s) && s.parse::<std::net::Ipv4Addr>().is_ok())
}

/// A Host header's name and port: `example.com:8080` is `example.com` and
/// 8080, `[2001:db8::1]:8080` is `2001:db8::1` and 8080; a bare IPv6
/// address or a name without a port has none.
fn host_port(h: &str) -> (&str, Option<i64>) {
    let port = |p: &str| {
        (!p.is_empty() && p.len() <= 5 && p.bytes().all(|c| c.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    if let Some(rest) = h.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((addr, "")) => (addr, None),
            Some((addr, p)) => match p.strip_prefix(':').and_then(port) {
                Some(n) => (addr, Some(n)),
                None => (h, None),
            },
            None => (h, None),
        };
    }
    match h.split_once(':') {
        Some((name, p)) if !p.contains(':') => match port(p) {
            Some(n) => (name, Some(n)),
            None => (h, None),
        },
        _ => (h, None),
    }
}

/// A part of a borrowed-or-owned string, borrowed where the whole was.
fn part<'a>(whole: &Cow<'a, str>, piece: &str) -> Cow<'a, str> {
    match whole {
        Cow::Borrowed(w) if piece.len() == w.len() => Cow::Borrowed(w),
        Cow::Borrowed(w) => {
            let start = piece.as_ptr() as usize - w.as_ptr() as usize;
            Cow::Borrowed(&w[start..start + piece.len()])
        }
        Cow::Owned(_) => Cow::Owned(piece.to_string()),
    }
}

/// `scheme://host[:port]path`, the port left out when it is the scheme's
/// default (80 for `http`, 443 for `https`).
fn url_of(scheme: &str, host: &str, port: Option<i64>, path: &str) -> String {
    let host = if looks_v6(host) && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let default = match scheme {
        "https" => 443,
        _ => 80,
    };
    match port {
        Some(p) if p != default => format!("{scheme}://{host}:{p}{path}"),
        _ => format!("{scheme}://{host}{path}"),
    }
}

/// A plain-HTTP request's host: a `domain-name` (unless an address) and,
/// with the request's URI, the `url`. The host may name its port (a Host
/// header's `name:port`); else `port` is the request's.
fn http_host<'a>(
    rec: &mut Record<'a>,
    host: Option<Cow<'a, str>>,
    uri: Option<&str>,
    port: Option<i64>,
) {
    let Some(h) = host else {
        return;
    };
    let (name, named_port) = host_port(&h);
    // The request target (RFC 9112 §3.2): a path is joined to the host; a
    // proxy's absolute URI is the URL itself; CONNECT's host:port and
    // OPTIONS' `*` name no URL.
    match uri {
        Some(u) if u.starts_with('/') => rec.str(
            P::Url,
            Cow::Owned(url_of("http", name, named_port.or(port), u)),
        ),
        Some(u) if u.contains("://") => rec.str(P::Url, Cow::Owned(u.to_string())),
        _ => {}
    }
    if !is_addr(name) {
        let name = part(&h, name);
        rec.str(P::Domain, name);
    }
}

/// A certificate serial number in the form of the STIX 2.1 examples:
/// lower-case hex bytes joined by colons, no leading zero bytes
/// (`36:f7:d4:...`). Zeek writes `36F7D4...`, Suricata `00:36:F7:D4:...`
/// (the DER integer's bytes); both become the same. A value that is not
/// hex is kept as it is.
fn serial_number(s: Cow<'_, str>) -> Cow<'_, str> {
    let hex: Vec<u8> = s.bytes().filter(|&c| c != b':').collect();
    if hex.is_empty() || !hex.iter().all(u8::is_ascii_hexdigit) {
        return s;
    }
    let mut digits = Vec::with_capacity(hex.len() + 1);
    if hex.len() % 2 == 1 {
        digits.push(b'0');
    }
    digits.extend(hex.iter().map(u8::to_ascii_lowercase));
    let mut bytes: &[u8] = &digits;
    while bytes.len() > 2 && bytes.starts_with(b"00") {
        bytes = &bytes[2..];
    }
    let mut out = String::with_capacity(bytes.len() / 2 * 3);
    for (i, pair) in bytes.chunks(2).enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.extend(pair.iter().map(|&c| char::from(c)));
    }
    if out == s {
        s
    } else {
        Cow::Owned(out)
    }
}

/// Calls `f` with the strings of a JSON list (or of a single string).
fn each_string<'a>(v: &Json<'a>, mut f: impl FnMut(Cow<'a, str>)) {
    match v {
        Json::Arr(a) => {
            let _ = elements(a, |e| {
                if let Some(s) = str_of(&e) {
                    f(s);
                }
            });
        }
        _ => {
            if let Some(s) = str_of(v) {
                f(s);
            }
        }
    }
}

/// Field names to numbers: an open-addressing table built at compile time,
/// so a member is told by one hash and (when it is a field) one compare.
struct Names<const N: usize> {
    names: [&'static [u8]; N],
    slots: [u8; 256],
}

/// Whether two short byte strings are equal, compared in place (a call to
/// `memcmp` per member costs more than the compare).
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a, mut b) = (a, b);
    while let (Some(x), Some(y)) = (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        if u64::from_ne_bytes(*x) != u64::from_ne_bytes(*y) {
            return false;
        }
        (a, b) = (&a[8..], &b[8..]);
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// A name's slot: its length and three of its bytes, mixed.
const fn slot(k: &[u8]) -> usize {
    let n = k.len();
    if n == 0 {
        return 0;
    }
    let h = (n as u32)
        .wrapping_mul(0x9E37_79B9)
        .wrapping_add((k[0] as u32).wrapping_mul(0x85EB_CA6B))
        .wrapping_add((k[n - 1] as u32).wrapping_mul(0xC2B2_AE35))
        .wrapping_add((k[n / 2] as u32).wrapping_mul(0x27D4_EB2F));
    (h >> 24) as usize
}

impl<const N: usize> Names<N> {
    const fn new(names: [&'static [u8]; N]) -> Names<N> {
        assert!(
            N < 128,
            "at most 127 names, for a table a quarter full at most"
        );
        let mut slots = [0u8; 256];
        let mut i = 0;
        while i < N {
            let mut h = slot(names[i]);
            while slots[h] != 0 {
                h = (h + 1) & 255;
            }
            slots[h] = (i + 1) as u8;
            i += 1;
        }
        Names { names, slots }
    }

    /// The number of a name, if it is one of those `needed` accepts.
    #[inline(always)]
    fn find(&self, k: &[u8], needed: impl Fn(usize) -> bool) -> Option<usize> {
        let mut h = slot(k);
        loop {
            let i = self.slots[h] as usize;
            if i == 0 {
                return None;
            }
            if needed(i - 1) && same(self.names[i - 1], k) {
                return Some(i - 1);
            }
            h = (h + 1) & 255;
        }
    }
}

/// Every path: a field read whatever is wanted (the record's time).
const ALWAYS: u64 = u64::MAX;

/// An adapter's fields: each with its (dotted) name and the paths whose
/// facts come from it, so that a field no wanted path needs is not read.
macro_rules! fields {
    ($E:ident { $($V:ident = $name:literal => $paths:expr,)* }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum $E {
            $($V,)*
        }

        impl $E {
            const ALL: &'static [$E] = &[$($E::$V,)*];

            /// The field a member is, if it is one `want` needs.
            #[inline(always)]
            fn wanted(name: &[u8], want: Want) -> Option<$E> {
                static NAMES: Names<{ $E::ALL.len() }> = Names::new([$($name.as_bytes(),)*]);
                // A field not wanted need not be told from the name.
                let needed = |i: usize| {
                    let paths = $E::ALL[i].paths();
                    paths == ALWAYS || want.any(paths)
                };
                NAMES.find(name, needed).map(|i| $E::ALL[i])
            }

            /// The paths whose facts come from the field (bits of [`P::bit`]).
            fn paths(self) -> u64 {
                match self {
                    $($E::$V => $paths,)*
                }
            }
        }
    };
}

/// The bits of several paths.
const fn bits(paths: &[P]) -> u64 {
    let mut b = 0;
    let mut i = 0;
    while i < paths.len() {
        b |= paths[i].bit();
        i += 1;
    }
    b
}

/// Address and port fields: their own path, and `protocols`, which is
/// written only for a record that has one of them (and by the responder's
/// address).
const fn conn_field(p: P) -> u64 {
    p.bit() | P::NtProtocols.bit()
}

/// A protocol name lower-cased, borrowed where it can be.
fn lower(name: Cow<'_, str>) -> Cow<'_, str> {
    const COMMON: [&str; 10] = [
        "tcp",
        "udp",
        "icmp",
        "ipv6-icmp",
        "sctp",
        "http",
        "tls",
        "dns",
        "ssl",
        "smb",
    ];
    if !name.bytes().any(|c| c.is_ascii_uppercase()) {
        return name;
    }
    match COMMON.iter().find(|c| c.eq_ignore_ascii_case(&name)) {
        Some(c) => Cow::Borrowed(c),
        None => Cow::Owned(name.to_ascii_lowercase()),
    }
}

/// The network-traffic facts every connection-bearing log shares.
#[derive(Default)]
struct Conn<'a> {
    src: Option<Cow<'a, str>>,
    dst: Option<Cow<'a, str>>,
    sport: Option<i64>,
    dport: Option<i64>,
}

impl<'a> Conn<'a> {
    /// Writes the addresses and ports, then `protocols`: `ipv4`/`ipv6` (by
    /// the responder's address) and each name lower-cased, when the record
    /// has an address or port. With `list`, the second names several,
    /// comma-separated (Zeek's `service`).
    fn write(&mut self, rec: &mut Record<'a>, names: [Option<Cow<'a, str>>; 2], list: bool) {
        let any = self.src.is_some()
            || self.dst.is_some()
            || self.sport.is_some()
            || self.dport.is_some();
        let version = match &names {
            [None, None] => "",
            _ => ip_version(self.dst.as_ref()),
        };
        rec.opt_str(P::NtSrc, self.src.take());
        rec.opt_str(P::NtDst, self.dst.take());
        rec.opt_int(P::NtSrcPort, self.sport);
        rec.opt_int(P::NtDstPort, self.dport);
        if !any {
            return;
        }
        let mut first = true;
        let mut protocol = |whole: &Cow<'a, str>, name: &str| {
            let name = name.trim();
            if name.is_empty() {
                return;
            }
            if std::mem::take(&mut first) {
                rec.str(P::NtProtocols, Cow::Borrowed(version));
            }
            rec.str(P::NtProtocols, lower(part(whole, name)));
        };
        let [name, second] = &names;
        if let Some(n) = name {
            protocol(n, n);
        }
        match second {
            Some(l) if list => l.split(',').for_each(|n| protocol(l, n)),
            Some(n) => protocol(n, n),
            None => {}
        }
    }
}

fields!(Zeek {
    Ts = "ts" => ALWAYS,
    OrigH = "id.orig_h" => conn_field(P::NtSrc),
    RespH = "id.resp_h" => conn_field(P::NtDst),
    OrigP = "id.orig_p" => conn_field(P::NtSrcPort),
    RespP = "id.resp_p" => conn_field(P::NtDstPort) | P::Url.bit(),
    Proto = "proto" => P::NtProtocols.bit(),
    Service = "service" => P::NtProtocols.bit(),
    OrigBytes = "orig_bytes" => P::NtSrcBytes.bit(),
    RespBytes = "resp_bytes" => P::NtDstBytes.bit(),
    OrigPkts = "orig_pkts" => P::NtSrcPackets.bit(),
    RespPkts = "resp_pkts" => P::NtDstPackets.bit(),
    Query = "query" => bits(&[P::Domain, P::DomainResolves]),
    Answers = "answers" => P::DomainResolves.bit(),
    Host = "host" => bits(&[P::Domain, P::Url]),
    Uri = "uri" => bits(&[P::HttpValue, P::Url]),
    Method = "method" => P::HttpMethod.bit(),
    UserAgent = "user_agent" => P::HttpUserAgent.bit(),
    ServerName = "server_name" => P::Domain.bit(),
    Fingerprint = "fingerprint" => P::CertSha256.bit(),
    Serial = "certificate.serial" => P::CertSerial.bit(),
    Subject = "certificate.subject" => P::CertSubject.bit(),
    Issuer = "certificate.issuer" => P::CertIssuer.bit(),
    SanDns = "san.dns" => P::Domain.bit(),
    Md5 = "md5" => P::FileMd5.bit(),
    Sha1 = "sha1" => P::FileSha1.bit(),
    Sha256 = "sha256" => P::FileSha256.bit(),
    Filename = "filename" => P::FileName.bit(),
    MimeType = "mime_type" => P::FileMime.bit(),
    TotalBytes = "total_bytes" => P::FileSize.bit(),
    SeenBytes = "seen_bytes" => P::FileSize.bit(),
});

/// Zeek JSON logs: conn, dns, http, ssl, x509, files.
pub fn zeek<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Result<(), Unreadable> {
    zeek_want(line, rec, Want::ALL)
}

fn zeek_want<'a>(line: &'a [u8], rec: &mut Record<'a>, want: Want) -> Result<(), Unreadable> {
    let mut ts = None;
    let mut conn = Conn::default();
    let (mut proto, mut service) = (None, None);
    let (mut ob, mut rb, mut op, mut rp) = (None, None, None, None);
    let (mut query, mut answers) = (None, None);
    let (mut host, mut uri, mut method, mut ua) = (None, None, None, None);
    let mut server_name = None;
    let (mut fp, mut serial, mut subject, mut issuer, mut san) = (None, None, None, None, None);
    let (mut md5, mut sha1, mut sha256, mut fname, mut mime, mut total, mut seen) =
        (None, None, None, None, None, None, None);
    flat_picked(
        line,
        &mut |k| Zeek::wanted(k, want),
        &mut |_, f, v| match f {
            Zeek::Ts => ts = Some(v),
            Zeek::OrigH => conn.src = str_of(&v),
            Zeek::RespH => conn.dst = str_of(&v),
            Zeek::OrigP => conn.sport = int_of(&v),
            Zeek::RespP => conn.dport = int_of(&v),
            Zeek::Proto => proto = str_of(&v),
            Zeek::Service => service = str_of(&v),
            Zeek::OrigBytes => ob = int_of(&v),
            Zeek::RespBytes => rb = int_of(&v),
            Zeek::OrigPkts => op = int_of(&v),
            Zeek::RespPkts => rp = int_of(&v),
            Zeek::Query => query = str_of(&v),
            Zeek::Answers => answers = Some(v),
            Zeek::Host => host = str_of(&v),
            Zeek::Uri => uri = str_of(&v),
            Zeek::Method => method = str_of(&v),
            Zeek::UserAgent => ua = str_of(&v),
            Zeek::ServerName => server_name = str_of(&v),
            Zeek::Fingerprint => fp = str_of(&v),
            Zeek::Serial => serial = str_of(&v),
            Zeek::Subject => subject = str_of(&v),
            Zeek::Issuer => issuer = str_of(&v),
            Zeek::SanDns => san = Some(v),
            Zeek::Md5 => md5 = str_of(&v),
            Zeek::Sha1 => sha1 = str_of(&v),
            Zeek::Sha256 => sha256 = str_of(&v),
            Zeek::Filename => fname = str_of(&v),
            Zeek::MimeType => mime = str_of(&v),
            Zeek::TotalBytes => total = int_of(&v),
            Zeek::SeenBytes => seen = int_of(&v),
        },
    )?;
    rec.time = Some(ts.as_ref().and_then(time_of).ok_or_else(|| no_time("ts"))?);
    let dport = conn.dport;
    conn.write(rec, [proto, service], true);
    rec.opt_int(P::NtSrcBytes, ob);
    rec.opt_int(P::NtDstBytes, rb);
    rec.opt_int(P::NtSrcPackets, op);
    rec.opt_int(P::NtDstPackets, rp);
    rec.opt_str(P::HttpMethod, method);
    if let Some(u) = &uri {
        rec.str(P::HttpValue, u.clone());
    }
    rec.opt_str(P::HttpUserAgent, ua);
    if let Some(q) = query {
        rec.str(P::Domain, q);
        if let Some(a) = answers {
            each_string(&a, |s| rec.str(P::DomainResolves, s));
        }
    }
    http_host(rec, host, uri.as_deref(), dport);
    rec.opt_str(P::Domain, server_name);
    if let Some(f) = fp {
        rec.str(P::CertSha256, lower_hex(f));
    }
    rec.opt_str(P::CertSerial, serial.map(serial_number));
    rec.opt_str(P::CertSubject, subject);
    rec.opt_str(P::CertIssuer, issuer);
    if let Some(s) = san {
        each_string(&s, |d| rec.str(P::Domain, d));
    }
    rec.opt_str(P::FileName, fname);
    rec.opt_str(P::FileMd5, md5);
    rec.opt_str(P::FileSha1, sha1);
    rec.opt_str(P::FileSha256, sha256);
    rec.opt_str(P::FileMime, mime);
    rec.opt_int(P::FileSize, total.or(seen));
    Ok(())
}

/// Hex digits lower-cased, borrowed when they are already.
fn lower_hex(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}

/// The DNS fields whose facts hang on the query's name.
const DNS_NAME: u64 = bits(&[P::Domain, P::DomainResolves]);

fields!(Eve {
    Timestamp = "timestamp" => ALWAYS,
    EventType = "event_type" => P::Url.bit(),
    SrcIp = "src_ip" => conn_field(P::NtSrc),
    DestIp = "dest_ip" => conn_field(P::NtDst),
    SrcPort = "src_port" => conn_field(P::NtSrcPort),
    DestPort = "dest_port" => conn_field(P::NtDstPort) | P::Url.bit(),
    Proto = "proto" => P::NtProtocols.bit(),
    AppProto = "app_proto" => P::NtProtocols.bit(),
    BytesToServer = "flow.bytes_toserver" => P::NtSrcBytes.bit(),
    BytesToClient = "flow.bytes_toclient" => P::NtDstBytes.bit(),
    PktsToServer = "flow.pkts_toserver" => P::NtSrcPackets.bit(),
    PktsToClient = "flow.pkts_toclient" => P::NtDstPackets.bit(),
    RrName = "dns.rrname" => DNS_NAME,
    RrType = "dns.rrtype" => P::DomainResolves.bit(),
    RData = "dns.rdata" => P::DomainResolves.bit(),
    DnsAnswers = "dns.answers" => P::DomainResolves.bit(),
    DnsQueries = "dns.queries" => DNS_NAME,
    GroupedA = "dns.grouped.A" => P::DomainResolves.bit(),
    GroupedAaaa = "dns.grouped.AAAA" => P::DomainResolves.bit(),
    Hostname = "http.hostname" => bits(&[P::Domain, P::Url]),
    Url = "http.url" => bits(&[P::HttpValue, P::Url]),
    HttpPort = "http.http_port" => P::Url.bit(),
    Method = "http.http_method" => P::HttpMethod.bit(),
    UserAgent = "http.http_user_agent" => P::HttpUserAgent.bit(),
    Sni = "tls.sni" => P::Domain.bit(),
    Fingerprint = "tls.fingerprint" => P::CertSha1.bit(),
    Serial = "tls.serial" => P::CertSerial.bit(),
    Subject = "tls.subject" => P::CertSubject.bit(),
    Issuer = "tls.issuerdn" => P::CertIssuer.bit(),
    Filename = "fileinfo.filename" => P::FileName.bit(),
    Md5 = "fileinfo.md5" => P::FileMd5.bit(),
    Sha1 = "fileinfo.sha1" => P::FileSha1.bit(),
    Sha256 = "fileinfo.sha256" => P::FileSha256.bit(),
    Size = "fileinfo.size" => P::FileSize.bit(),
});

/// Suricata EVE JSON: flow, dns (v1, v2, v3), http, tls, fileinfo, alert.
pub fn suricata<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Result<(), Unreadable> {
    suricata_want(line, rec, Want::ALL)
}

fn suricata_want<'a>(line: &'a [u8], rec: &mut Record<'a>, want: Want) -> Result<(), Unreadable> {
    let (mut ts, mut http_event) = (None, false);
    let mut conn = Conn::default();
    let (mut proto, mut app) = (None, None);
    let (mut bts, mut btc, mut pts, mut ptc) = (None, None, None, None);
    let (mut rrname, mut rrtype, mut rdata, mut dns_answers) = (None, None, None, None);
    let (mut grouped_a, mut grouped_aaaa, mut queries) = (None, None, None);
    let (mut hostname, mut url, mut method, mut ua, mut http_port) = (None, None, None, None, None);
    let (mut sni, mut fp, mut serial, mut subject, mut issuer) = (None, None, None, None, None);
    let (mut fname, mut md5, mut sha1, mut sha256, mut size) = (None, None, None, None, None);
    flat_picked(
        line,
        &mut |k| Eve::wanted(k, want),
        &mut |_, f, v| match f {
            Eve::Timestamp => ts = Some(v),
            Eve::EventType => http_event = matches!(v, Json::Str(b"http", _)),
            Eve::SrcIp => conn.src = str_of(&v),
            Eve::DestIp => conn.dst = str_of(&v),
            Eve::SrcPort => conn.sport = int_of(&v),
            Eve::DestPort => conn.dport = int_of(&v),
            Eve::Proto => proto = str_of(&v),
            Eve::AppProto => app = str_of(&v).filter(|a| a != "failed" && a != "unknown"),
            Eve::BytesToServer => bts = int_of(&v),
            Eve::BytesToClient => btc = int_of(&v),
            Eve::PktsToServer => pts = int_of(&v),
            Eve::PktsToClient => ptc = int_of(&v),
            Eve::RrName => rrname = str_of(&v),
            Eve::RrType => rrtype = str_of(&v),
            Eve::RData => rdata = str_of(&v),
            Eve::DnsAnswers => dns_answers = Some(v),
            Eve::DnsQueries => queries = Some(v),
            Eve::GroupedA => grouped_a = Some(v),
            Eve::GroupedAaaa => grouped_aaaa = Some(v),
            Eve::Hostname => hostname = str_of(&v),
            Eve::Url => url = str_of(&v),
            Eve::HttpPort => http_port = int_of(&v),
            Eve::Method => method = str_of(&v),
            Eve::UserAgent => ua = str_of(&v),
            Eve::Sni => sni = str_of(&v),
            Eve::Fingerprint => fp = str_of(&v),
            Eve::Serial => serial = str_of(&v),
            Eve::Subject => subject = str_of(&v),
            Eve::Issuer => issuer = str_of(&v),
            Eve::Filename => fname = str_of(&v),
            Eve::Md5 => md5 = str_of(&v),
            Eve::Sha1 => sha1 = str_of(&v),
            Eve::Sha256 => sha256 = str_of(&v),
            Eve::Size => size = int_of(&v),
        },
    )?;
    rec.time = Some(
        ts.as_ref()
            .and_then(time_of)
            .ok_or_else(|| no_time("timestamp"))?,
    );
    let dport = conn.dport;
    conn.write(rec, [proto, app], false);
    rec.opt_int(P::NtSrcBytes, bts);
    rec.opt_int(P::NtDstBytes, btc);
    rec.opt_int(P::NtSrcPackets, pts);
    rec.opt_int(P::NtDstPackets, ptc);
    rec.opt_str(P::HttpMethod, method);
    if let Some(u) = &url {
        rec.str(P::HttpValue, u.clone());
    }
    rec.opt_str(P::HttpUserAgent, ua);
    dns(
        rec,
        rrname,
        queries,
        (rrtype, rdata),
        dns_answers,
        [grouped_a, grouped_aaaa],
    );
    // The port the request named (`http_port`, written only when it did);
    // else an http event's server port: Suricata writes http events from
    // client to server, but a fileinfo event in the file's direction (a
    // download's source is the server) and an alert in its packet's.
    let port = http_port.or(if http_event { dport } else { None });
    http_host(rec, hostname, url.as_deref(), port);
    rec.opt_str(P::Domain, sni);
    if let Some(f) = fp {
        let hex: String = f.chars().filter(|&c| c != ':').collect();
        rec.str(P::CertSha1, Cow::Owned(hex.to_ascii_lowercase()));
    }
    rec.opt_str(P::CertSerial, serial.map(serial_number));
    rec.opt_str(P::CertSubject, subject);
    rec.opt_str(P::CertIssuer, issuer);
    rec.opt_str(P::FileName, fname);
    rec.opt_str(P::FileMd5, md5);
    rec.opt_str(P::FileSha1, sha1);
    rec.opt_str(P::FileSha256, sha256);
    rec.opt_int(P::FileSize, size);
    Ok(())
}

/// An EVE dns object's names and answers. v1 and v2 name the query in
/// `rrname`, v3 in `queries`: the first query's name owns the answers (a v1
/// answer's `rdata`, v2/v3 `answers` and `grouped`), then come the others.
fn dns<'a>(
    rec: &mut Record<'a>,
    rrname: Option<Cow<'a, str>>,
    queries: Option<Json<'a>>,
    (rrtype, rdata): (Option<Cow<'a, str>>, Option<Cow<'a, str>>),
    answers: Option<Json<'a>>,
    grouped: [Option<Json<'a>>; 2],
) {
    let query_names = |f: &mut dyn FnMut(Cow<'a, str>)| {
        if let Some(Json::Arr(list)) = queries {
            let _ = elements(list, |e| {
                if let Json::Obj(o) = e {
                    let _ = flat_members(o, &mut |k, v| {
                        if k == b"rrname" {
                            if let Some(s) = str_of(&v) {
                                f(s);
                            }
                        }
                    });
                }
            });
        }
    };
    let mut first = rrname.is_none();
    let name = match rrname {
        Some(n) => Some(n),
        None => {
            let mut n = None;
            query_names(&mut |s| {
                if n.is_none() {
                    n = Some(s);
                }
            });
            n
        }
    };
    let Some(name) = name else {
        return;
    };
    rec.str(P::Domain, name);
    let address = |t: &str| t == "A" || t == "AAAA";
    if let (Some(d), Some(t)) = (rdata, &rrtype) {
        if address(t) {
            rec.str(P::DomainResolves, d);
        }
    }
    if let Some(Json::Arr(list)) = answers {
        let _ = elements(list, |e| {
            if let Json::Obj(o) = e {
                let (mut t, mut d) = (None, None);
                let _ = flat_members(o, &mut |k, v| match k {
                    b"rrtype" => t = str_of(&v),
                    b"rdata" => d = str_of(&v),
                    _ => {}
                });
                if let (Some(t), Some(d)) = (t, d) {
                    if address(&t) {
                        rec.str(P::DomainResolves, d);
                    }
                }
            }
        });
    }
    for g in grouped.into_iter().flatten() {
        each_string(&g, |d| rec.str(P::DomainResolves, d));
    }
    // The other queries (all of them when `rrname` named the first).
    query_names(&mut |s| {
        if first {
            first = false;
        } else {
            rec.str(P::Domain, s);
        }
    });
}

fields!(Ecs {
    Timestamp = "@timestamp" => ALWAYS,
    SourceIp = "source.ip" => conn_field(P::NtSrc),
    DestinationIp = "destination.ip" => conn_field(P::NtDst),
    SourcePort = "source.port" => conn_field(P::NtSrcPort),
    DestinationPort = "destination.port" => conn_field(P::NtDstPort) | P::Url.bit(),
    Transport = "network.transport" => P::NtProtocols.bit(),
    Protocol = "network.protocol" => P::NtProtocols.bit(),
    UserAgent = "user_agent.original" => P::HttpUserAgent.bit(),
    QuestionName = "dns.question.name" => DNS_NAME,
    ResolvedIp = "dns.resolved_ip" => P::DomainResolves.bit(),
    UrlFull = "url.full" => P::Url.bit(),
    UrlOriginal = "url.original" => P::Url.bit(),
    UrlDomain = "url.domain" => bits(&[P::Domain, P::Url]),
    UrlScheme = "url.scheme" => P::Url.bit(),
    UrlPort = "url.port" => P::Url.bit(),
    FileName = "file.name" => P::FileName.bit(),
    FileMd5 = "file.hash.md5" => P::FileMd5.bit(),
    FileSha1 = "file.hash.sha1" => P::FileSha1.bit(),
    FileSha256 = "file.hash.sha256" => P::FileSha256.bit(),
    FileSize = "file.size" => P::FileSize.bit(),
    FileDirectory = "file.directory" => P::FileDir.bit(),
    Pid = "process.pid" => P::ProcPid.bit(),
    CommandLine = "process.command_line" => P::ProcCommandLine.bit(),
    ProcessName = "process.name" => P::ProcImageName.bit(),
    ProcessMd5 = "process.hash.md5" => P::ProcImageMd5.bit(),
    ProcessSha1 = "process.hash.sha1" => P::ProcImageSha1.bit(),
    ProcessSha256 = "process.hash.sha256" => P::ProcImageSha256.bit(),
    UserName = "user.name" => P::UserLogin.bit(),
    UserId = "user.id" => P::UserId.bit(),
    EmailFrom = "email.from.address" => P::EmailFrom.bit(),
    EmailTo = "email.to.address" => P::EmailTo.bit(),
    EmailSubject = "email.subject" => P::EmailSubject.bit(),
});

/// Elastic Common Schema JSON (nested or dotted).
pub fn ecs<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Result<(), Unreadable> {
    ecs_want(line, rec, Want::ALL)
}

fn ecs_want<'a>(line: &'a [u8], rec: &mut Record<'a>, want: Want) -> Result<(), Unreadable> {
    let mut ts = None;
    let mut conn = Conn::default();
    let (mut transport, mut protocol) = (None, None);
    let (mut qname, mut resolved) = (None, None);
    let (mut url_full, mut url_orig, mut url_domain) = (None, None, None);
    let (mut url_scheme, mut url_port, mut ua) = (None, None, None);
    let (mut fname, mut fmd5, mut fsha1, mut fsha256, mut fsize, mut fdir) =
        (None, None, None, None, None, None);
    let (mut pid, mut cmd, mut pname, mut pmd5, mut psha1, mut psha256) =
        (None, None, None, None, None, None);
    let (mut user, mut uid) = (None, None);
    let (mut from, mut to, mut subject) = (None, None, None);
    flat_picked(
        line,
        &mut |k| Ecs::wanted(k, want),
        &mut |_, f, v| match f {
            Ecs::Timestamp => ts = Some(v),
            Ecs::SourceIp => conn.src = str_of(&v),
            Ecs::DestinationIp => conn.dst = str_of(&v),
            Ecs::SourcePort => conn.sport = int_of(&v),
            Ecs::DestinationPort => conn.dport = int_of(&v),
            Ecs::Transport => transport = str_of(&v),
            Ecs::Protocol => protocol = str_of(&v),
            Ecs::UserAgent => ua = str_of(&v),
            Ecs::QuestionName => qname = str_of(&v),
            Ecs::ResolvedIp => resolved = Some(v),
            Ecs::UrlFull => url_full = str_of(&v),
            Ecs::UrlOriginal => url_orig = str_of(&v),
            Ecs::UrlDomain => url_domain = str_of(&v),
            Ecs::UrlScheme => url_scheme = str_of(&v),
            Ecs::UrlPort => url_port = int_of(&v),
            Ecs::FileName => fname = str_of(&v),
            Ecs::FileMd5 => fmd5 = str_of(&v),
            Ecs::FileSha1 => fsha1 = str_of(&v),
            Ecs::FileSha256 => fsha256 = str_of(&v),
            Ecs::FileSize => fsize = int_of(&v),
            Ecs::FileDirectory => fdir = str_of(&v),
            Ecs::Pid => pid = int_of(&v),
            Ecs::CommandLine => cmd = str_of(&v),
            Ecs::ProcessName => pname = str_of(&v),
            Ecs::ProcessMd5 => pmd5 = str_of(&v),
            Ecs::ProcessSha1 => psha1 = str_of(&v),
            Ecs::ProcessSha256 => psha256 = str_of(&v),
            Ecs::UserName => user = str_of(&v),
            Ecs::UserId => uid = str_of(&v),
            Ecs::EmailFrom => from = Some(v),
            Ecs::EmailTo => to = Some(v),
            Ecs::EmailSubject => subject = str_of(&v),
        },
    )?;
    rec.time = Some(
        ts.as_ref()
            .and_then(time_of)
            .ok_or_else(|| no_time("@timestamp"))?,
    );
    let dport = conn.dport;
    conn.write(rec, [transport, protocol], false);
    rec.opt_str(P::HttpUserAgent, ua);
    if let Some(q) = qname {
        rec.str(P::Domain, q);
        if let Some(r) = resolved {
            each_string(&r, |a| rec.str(P::DomainResolves, a));
        }
    }
    // url.original is what the request line held: a whole URL from a
    // proxy, only the path from a web server; a path is made whole from
    // the URL's other parts.
    let url = match (url_full, url_orig) {
        (Some(u), _) => Some(u),
        (None, Some(u)) if u.contains("://") => Some(u),
        (None, Some(path)) if path.starts_with('/') => url_domain.as_ref().map(|d| {
            let port = url_port.or(dport);
            let scheme = match &url_scheme {
                Some(s) => s.to_ascii_lowercase(),
                None if port == Some(443) => "https".into(),
                None => "http".into(),
            };
            Cow::Owned(url_of(&scheme, host_port(d).0, port, &path))
        }),
        _ => None,
    };
    rec.opt_str(P::Url, url);
    if let Some(d) = url_domain {
        if !is_addr(&d) {
            rec.str(P::Domain, d);
        }
    }
    rec.opt_str(P::FileName, fname);
    rec.opt_str(P::FileMd5, fmd5);
    rec.opt_str(P::FileSha1, fsha1);
    rec.opt_str(P::FileSha256, fsha256);
    rec.opt_int(P::FileSize, fsize);
    rec.opt_str(P::FileDir, fdir);
    rec.opt_int(P::ProcPid, pid);
    rec.opt_str(P::ProcCommandLine, cmd);
    rec.opt_str(P::ProcImageName, pname);
    rec.opt_str(P::ProcImageMd5, pmd5);
    rec.opt_str(P::ProcImageSha1, psha1);
    rec.opt_str(P::ProcImageSha256, psha256);
    rec.opt_str(P::UserLogin, user);
    rec.opt_str(P::UserId, uid);
    if let Some(f) = from {
        let mut first = true;
        each_string(&f, |a| {
            if std::mem::take(&mut first) {
                rec.str(P::EmailFrom, a);
            }
        });
    }
    if let Some(t) = to {
        each_string(&t, |a| rec.str(P::EmailTo, a));
    }
    rec.opt_str(P::EmailSubject, subject);
    Ok(())
}

/// Reads one line of a log format into `rec`, writing at least the facts of
/// the paths `want` holds (every fact with [`Want::ALL`]); mapped lines
/// through `mapping`. STIX lines are not read here.
pub fn read<'a>(
    format: crate::Format,
    mapping: Option<&Mapping>,
    line: &'a [u8],
    rec: &mut Record<'a>,
    want: Want,
) -> Result<(), Unreadable> {
    match (format, mapping) {
        (crate::Format::Zeek, _) => zeek_want(line, rec, want),
        (crate::Format::Suricata, _) => suricata_want(line, rec, want),
        (crate::Format::Ecs, _) => ecs_want(line, rec, want),
        (crate::Format::Mapping, Some(m)) => m.read_want(line, rec, want),
        (crate::Format::Mapping, None) => Err(Unreadable::Record(
            "--format mapping needs --mapping FILE".into(),
        )),
        (crate::Format::Stix, _) => Err(Unreadable::Record(
            "STIX lines are not read by a log adapter".into(),
        )),
    }
}

/// A mapping file: JSON field names (dotted for nested objects) to STIX
/// object paths, and the field holding the time.
#[derive(Debug, Clone)]
pub struct Mapping {
    time: Vec<u8>,
    fields: HashMap<Vec<u8>, PathId>,
}

impl Mapping {
    /// Reads a mapping file's JSON (`{"time": field, "fields": {field: path}}`),
    /// adding its paths to `table`.
    pub fn parse(text: &str, table: &mut PathTable) -> Result<Mapping, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let time = v
            .get("time")
            .and_then(|t| t.as_str())
            .ok_or("needs \"time\": the name of the field holding each record's time")?;
        let fields = v
            .get("fields")
            .and_then(|f| f.as_object())
            .ok_or("needs \"fields\": an object from field names to STIX object paths")?;
        let mut out = HashMap::new();
        for (field, path) in fields {
            let path = path
                .as_str()
                .ok_or_else(|| format!("field {field:?}: the path must be a string"))?;
            let id = table
                .intern(path)
                .map_err(|e| format!("field {field:?}: {e}"))?;
            out.insert(field.as_bytes().to_vec(), id);
        }
        Ok(Mapping {
            time: time.as_bytes().to_vec(),
            fields: out,
        })
    }

    /// Reads one line.
    pub fn read<'a>(&self, line: &'a [u8], rec: &mut Record<'a>) -> Result<(), Unreadable> {
        self.read_want(line, rec, Want::ALL)
    }

    /// Reads one line, writing at least the facts of the paths `want` holds.
    pub fn read_want<'a>(
        &self,
        line: &'a [u8],
        rec: &mut Record<'a>,
        want: Want,
    ) -> Result<(), Unreadable> {
        let mut ts = None;
        let mut facts: Vec<(PathId, Json<'a>)> = Vec::new();
        flat_members(line, &mut |k, v| {
            if k == self.time.as_slice() {
                ts = Some(v);
            }
            if let Some(&p) = self.fields.get(k) {
                if !is_builtin(p) || want.any(1 << p) {
                    facts.push((p, v));
                }
            }
        })?;
        rec.time = Some(
            ts.as_ref()
                .and_then(time_of)
                .ok_or_else(|| no_time(&String::from_utf8_lossy(&self.time)))?,
        );
        // In the mapping's order of paths, so objects come before what refers to them.
        facts.sort_by_key(|(p, _)| *p);
        for (p, v) in facts {
            let mut push = |v: &Json<'a>| match v {
                Json::Num(_) => {
                    if let Some(i) = v.int() {
                        rec.facts.push(crate::fact::Fact {
                            path: p,
                            val: Val::Int(i),
                        });
                    }
                }
                Json::Bool(b) => rec.facts.push(crate::fact::Fact {
                    path: p,
                    val: Val::Str(Cow::Borrowed(if *b { "true" } else { "false" })),
                }),
                _ => {
                    if let Some(s) = str_of(v) {
                        rec.facts.push(crate::fact::Fact {
                            path: p,
                            val: Val::Str(s),
                        });
                    }
                }
            };
            match v {
                Json::Arr(a) => {
                    let _ = elements(a, |e| push(&e));
                }
                _ => push(&v),
            }
        }
        Ok(())
    }
}

/// What a line's top-level members say about its format.
pub fn recognise(line: &[u8]) -> Option<crate::Format> {
    let (mut event_type, mut timestamp, mut at_ts, mut ecs, mut ts, mut zeekish, mut stix) =
        (false, false, false, false, false, false, false);
    crate::json::members(line, |k, v| {
        match k {
            b"event_type" => event_type = true,
            b"timestamp" => timestamp = true,
            b"@timestamp" => at_ts = true,
            b"ecs" | b"ecs.version" => ecs = true,
            b"ts" => ts = true,
            b"uid" | b"fuid" | b"_path" | b"id.orig_h" | b"id" | b"fingerprint"
            | b"certificate" => zeekish = true,
            _ if k.starts_with(b"certificate.") => zeekish = true,
            b"type" => stix = matches!(v, Json::Str(b"bundle", _) | Json::Str(b"observed-data", _)),
            _ => {}
        }
        true
    })
    .ok()?;
    if stix {
        Some(crate::Format::Stix)
    } else if event_type && timestamp {
        Some(crate::Format::Suricata)
    } else if at_ts || ecs {
        Some(crate::Format::Ecs)
    } else if ts && zeekish {
        Some(crate::Format::Zeek)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fact::observation;
    use vigil_pattern::Pattern;

    fn matches(table: &PathTable, rec: &Record<'_>, pattern: &str) -> bool {
        let o = observation(table, rec);
        Pattern::parse(pattern)
            .unwrap()
            .matches(&[o])
            .unwrap()
            .is_some()
    }

    #[test]
    fn zeek_conn_dns_http() {
        let t = PathTable::new();
        let line = br#"{"ts":1709294400.5,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":50000,"id.resp_h":"203.0.113.9","id.resp_p":8080,"proto":"tcp","service":"http","orig_bytes":10,"resp_bytes":20}"#;
        let mut r = Record::default();
        zeek(line, &mut r).unwrap();
        assert_eq!(r.time.unwrap().secs, 1_709_294_400);
        assert!(matches(
            &t,
            &r,
            "[network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 8080]"
        ));
        assert!(matches(&t, &r, "[ipv4-addr:value = '10.0.0.5']"));
        assert!(matches(&t, &r, "[network-traffic:protocols[*] = 'http']"));
        let dns = br#"{"ts":"2024-03-01T12:00:00Z","uid":"C2","id":{"orig_h":"10.0.0.5","orig_p":5353,"resp_h":"10.0.0.1","resp_p":53},"proto":"udp","query":"evil.example","answers":["cdn.evil.example","198.51.100.7"]}"#;
        let mut r = Record::default();
        zeek(dns, &mut r).unwrap();
        assert!(matches(&t, &r, "[domain-name:value = 'evil.example']"));
        assert!(matches(
            &t,
            &r,
            "[domain-name:resolves_to_refs[*].value = '198.51.100.7']"
        ));
        assert!(matches(&t, &r, "[ipv4-addr:value = '198.51.100.7']"));
        let http = br#"{"ts":1.0,"uid":"C3","id.orig_h":"10.0.0.5","id.orig_p":1,"id.resp_h":"203.0.113.9","id.resp_p":8080,"method":"GET","host":"evil.example","uri":"/a?b=1","user_agent":"Evil/1.0"}"#;
        let mut r = Record::default();
        zeek(http, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[url:value = 'http://evil.example:8080/a?b=1']"
        ));
        assert!(matches(
            &t,
            &r,
            "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Evil/1.0']"
        ));
    }

    #[test]
    fn request_targets_other_than_a_path() {
        for (uri, url) in [
            ("http://evil.example/a?b", Some("http://evil.example/a?b")),
            ("evil.example:443", None),
            ("*", None),
            ("/x", Some("http://evil.example:8080/x")),
        ] {
            let line = format!(
                r#"{{"ts":1.0,"uid":"C3","id.orig_h":"10.0.0.5","id.orig_p":1,"id.resp_h":"203.0.113.9","id.resp_p":8080,"method":"GET","host":"evil.example","uri":"{uri}"}}"#
            );
            let mut r = Record::default();
            zeek(line.as_bytes(), &mut r).unwrap();
            let urls: Vec<String> = r
                .facts
                .iter()
                .filter(|f| f.path == P::Url.id())
                .map(|f| f.val.text().into_owned())
                .collect();
            assert_eq!(
                urls,
                url.into_iter().map(String::from).collect::<Vec<_>>(),
                "{uri}"
            );
            assert!(r.facts.iter().any(|f| f.path == P::Domain.id()));
        }
    }

    #[test]
    fn suricata_dns_v2_and_tls() {
        let t = PathTable::new();
        let line = br#"{"timestamp":"2024-03-01T12:00:00.000000+0000","event_type":"dns","src_ip":"10.0.0.5","src_port":1,"dest_ip":"10.0.0.1","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","rrname":"evil.example","rrtype":"A","answers":[{"rrname":"evil.example","rrtype":"A","rdata":"198.51.100.7"}],"grouped":{"A":["198.51.100.8"]}}}"#;
        let mut r = Record::default();
        suricata(line, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[domain-name:resolves_to_refs[*].value = '198.51.100.7']"
        ));
        assert!(matches(
            &t,
            &r,
            "[domain-name:resolves_to_refs[*].value = '198.51.100.8']"
        ));
        assert!(matches(&t, &r, "[network-traffic:protocols[*] = 'udp']"));
        let tls = br#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"tls","src_ip":"10.0.0.5","dest_ip":"203.0.113.9","proto":"TCP","tls":{"sni":"evil.example","fingerprint":"AB:cd:01"}}"#;
        let mut r = Record::default();
        suricata(tls, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[x509-certificate:hashes.'SHA-1' = 'abcd01']"
        ));
    }

    #[test]
    fn ecs_nested_and_dotted_agree() {
        let t = PathTable::new();
        let nested = br#"{"@timestamp":"2024-03-01T12:00:00Z","process":{"pid":4,"name":"evil.exe","hash":{"sha256":"aa"}},"user":{"name":"bob"},"email":{"from":{"address":"a@evil.example"},"to":{"address":["b@x.example","c@x.example"]}}}"#;
        let dotted = br#"{"@timestamp":"2024-03-01T12:00:00Z","process.pid":4,"process.name":"evil.exe","process.hash.sha256":"aa","user.name":"bob","email.from.address":"a@evil.example","email.to.address":["b@x.example","c@x.example"]}"#;
        for line in [&nested[..], &dotted[..]] {
            let mut r = Record::default();
            ecs(line, &mut r).unwrap();
            assert!(matches(
                &t,
                &r,
                "[process:image_ref.hashes.'SHA-256' = 'aa' AND process:pid = 4]"
            ));
            assert!(matches(&t, &r, "[user-account:account_login = 'bob']"));
            assert!(matches(
                &t,
                &r,
                "[email-message:to_refs[*].value = 'c@x.example']"
            ));
            assert!(matches(&t, &r, "[email-addr:value = 'a@evil.example']"));
        }
    }

    #[test]
    fn zeek_host_with_port_gives_one_port() {
        let t = PathTable::new();
        let http = br#"{"ts":1.0,"uid":"C3","id.orig_h":"10.0.0.5","id.orig_p":1,"id.resp_h":"203.0.113.9","id.resp_p":8080,"method":"GET","host":"evil.example:8080","uri":"/a"}"#;
        let mut r = Record::default();
        zeek(http, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[url:value = 'http://evil.example:8080/a']"
        ));
        assert!(matches(&t, &r, "[domain-name:value = 'evil.example']"));
        assert!(!matches(
            &t,
            &r,
            "[domain-name:value = 'evil.example:8080']"
        ));
        // The Host header's port wins over the connection's; :80 is left out.
        let http = br#"{"ts":1.0,"id.resp_h":"203.0.113.9","id.resp_p":3128,"host":"evil.example:80","uri":"/a"}"#;
        let mut r = Record::default();
        zeek(http, &mut r).unwrap();
        assert!(matches(&t, &r, "[url:value = 'http://evil.example/a']"));
        let v6 = br#"{"ts":1.0,"id.resp_h":"2001:db8::1","id.resp_p":80,"host":"[2001:db8::1]:8080","uri":"/a"}"#;
        let mut r = Record::default();
        zeek(v6, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[url:value = 'http://[2001:db8::1]:8080/a']"
        ));
        assert!(!matches(&t, &r, "[domain-name:value LIKE '%']"));
        assert_eq!(host_port("2001:db8::1"), ("2001:db8::1", None));
        assert_eq!(host_port("a.example:http"), ("a.example:http", None));
    }

    #[test]
    fn suricata_urls_take_the_port_the_request_named() {
        let t = PathTable::new();
        // A download: the file travels server -> client, so dest_port is the client's.
        let down = br#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"fileinfo","src_ip":"203.0.113.9","src_port":8080,"dest_ip":"10.0.0.5","dest_port":51234,"proto":"TCP","http":{"hostname":"dl.evil.example","http_port":8080,"url":"/x.exe"},"fileinfo":{"filename":"/x.exe","size":3}}"#;
        let mut r = Record::default();
        suricata(down, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[url:value = 'http://dl.evil.example:8080/x.exe']"
        ));
        let down80 = br#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"fileinfo","src_ip":"203.0.113.9","src_port":80,"dest_ip":"10.0.0.5","dest_port":51234,"proto":"TCP","http":{"hostname":"dl.evil.example","url":"/x.exe"},"fileinfo":{"filename":"/x.exe"}}"#;
        let mut r = Record::default();
        suricata(down80, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[url:value = 'http://dl.evil.example/x.exe']"
        ));
        // An http event: http_port, else the server's port.
        let http = br#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"http","src_ip":"10.0.0.5","src_port":51234,"dest_ip":"203.0.113.9","dest_port":8088,"proto":"TCP","http":{"hostname":"c2.evil.example","url":"/p"}}"#;
        let mut r = Record::default();
        suricata(http, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[url:value = 'http://c2.evil.example:8088/p']"
        ));
    }

    #[test]
    fn certificate_serials_have_one_form() {
        assert_eq!(serial_number("36F7D432".into()), "36:f7:d4:32");
        assert_eq!(serial_number("00:36:F7:D4:32".into()), "36:f7:d4:32");
        assert_eq!(serial_number("36:f7:d4:32".into()), "36:f7:d4:32");
        assert_eq!(serial_number("6F7D432".into()), "06:f7:d4:32");
        assert_eq!(serial_number("00".into()), "00");
        assert_eq!(serial_number("not hex".into()), "not hex");
        let t = PathTable::new();
        let zeek_line = br#"{"ts":1.0,"fingerprint":"ab","certificate.serial":"0036F7D432"}"#;
        let eve_line = br#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"tls","src_ip":"10.0.0.5","dest_ip":"203.0.113.9","tls":{"serial":"00:36:F7:D4:32"}}"#;
        let mut r = Record::default();
        zeek(zeek_line, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[x509-certificate:serial_number = '36:f7:d4:32']"
        ));
        let mut r = Record::default();
        suricata(eve_line, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[x509-certificate:serial_number = '36:f7:d4:32']"
        ));
    }

    #[test]
    fn suricata_dns_v3() {
        let t = PathTable::new();
        let request = br#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"dns","src_ip":"10.0.0.5","src_port":5353,"dest_ip":"10.0.0.1","dest_port":53,"proto":"UDP","dns":{"version":3,"type":"request","id":1,"queries":[{"rrname":"evil.example","rrtype":"A"}]}}"#;
        let mut r = Record::default();
        suricata(request, &mut r).unwrap();
        assert!(matches(&t, &r, "[domain-name:value = 'evil.example']"));
        let response = br#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"dns","src_ip":"10.0.0.1","src_port":53,"dest_ip":"10.0.0.5","dest_port":5353,"proto":"UDP","dns":{"version":3,"type":"response","id":1,"rcode":"NOERROR","queries":[{"rrname":"evil.example","rrtype":"A"},{"rrname":"other.example","rrtype":"A"}],"answers":[{"rrname":"evil.example","rrtype":"CNAME","rdata":"cdn.example"},{"rrname":"cdn.example","rrtype":"A","ttl":5,"rdata":"198.51.100.7"}],"grouped":{"AAAA":["2001:db8::7"]}}}"#;
        let mut r = Record::default();
        suricata(response, &mut r).unwrap();
        assert!(matches(&t, &r, "[domain-name:value = 'evil.example' AND domain-name:resolves_to_refs[*].value = '198.51.100.7']"));
        assert!(matches(
            &t,
            &r,
            "[domain-name:resolves_to_refs[*].value = '2001:db8::7']"
        ));
        assert!(matches(&t, &r, "[domain-name:value = 'other.example']"));
        assert!(!matches(
            &t,
            &r,
            "[domain-name:resolves_to_refs[*].value = 'cdn.example']"
        ));
    }

    #[test]
    fn ecs_user_agent_and_path_only_urls() {
        let t = PathTable::new();
        let ua = br#"{"@timestamp":"2024-03-01T12:00:00Z","source":{"ip":"10.0.0.5"},"destination":{"ip":"203.0.113.9","port":443},"url":{"full":"https://a.example/"},"user_agent":{"original":"Evil/1.0"}}"#;
        let mut r = Record::default();
        ecs(ua, &mut r).unwrap();
        assert!(matches(
            &t,
            &r,
            "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Evil/1.0']"
        ));
        for (line, want) in [
            (&br#"{"@timestamp":"2024-03-01T12:00:00Z","url":{"original":"/a/b?c","domain":"web.example","scheme":"http","port":8080}}"#[..], Some("http://web.example:8080/a/b?c")),
            (br#"{"@timestamp":"2024-03-01T12:00:00Z","destination":{"port":443},"url":{"original":"/a","domain":"web.example"}}"#, Some("https://web.example/a")),
            (br#"{"@timestamp":"2024-03-01T12:00:00Z","url.original":"/a","url.domain":"web.example"}"#, Some("http://web.example/a")),
            (br#"{"@timestamp":"2024-03-01T12:00:00Z","url":{"original":"/a"}}"#, None),
            (br#"{"@timestamp":"2024-03-01T12:00:00Z","url":{"original":"http://x.example/a","domain":"x.example","port":80}}"#, Some("http://x.example/a")),
        ] {
            let mut r = Record::default();
            ecs(line, &mut r).unwrap();
            let urls: Vec<String> = r
                .facts
                .iter()
                .filter(|f| f.path == P::Url.id())
                .map(|f| f.val.text().into_owned())
                .collect();
            assert_eq!(urls, want.into_iter().map(String::from).collect::<Vec<_>>());
        }
    }

    /// Lines of every format, every field of MAPPING.md in one of them.
    const CORPUS: &[(crate::Format, &str)] = &[
        (
            crate::Format::Zeek,
            r#"{"ts":1709294400.5,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":50000,"id.resp_h":"2001:db8::9","id.resp_p":8080,"proto":"tcp","service":"HTTP,ssl","orig_bytes":10,"resp_bytes":20,"orig_pkts":1,"resp_pkts":"2"}"#,
        ),
        (
            crate::Format::Zeek,
            r#"{"ts":"2024-03-01T12:00:00Z","id":{"orig_h":"10.0.0.5","orig_p":5353,"resp_h":"10.0.0.1","resp_p":53},"proto":"udp","query":"evil.example","answers":["cdn.evil.example","198.51.100.7"]}"#,
        ),
        (
            crate::Format::Zeek,
            r#"{"ts":1.0,"id.orig_h":"10.0.0.5","id.resp_h":"203.0.113.9","id.resp_p":8080,"method":"GET","host":"evil.example:8088","uri":"/a?b=1","user_agent":"Evil/1.0"}"#,
        ),
        (
            crate::Format::Zeek,
            r#"{"ts":1.0,"id.resp_h":"203.0.113.9","id.resp_p":8080,"server_name":"tls.example","fingerprint":"AB12","certificate":{"serial":"00C962","subject":"CN=a","issuer":"CN=b"},"san.dns":["a.example","b.example"]}"#,
        ),
        (
            crate::Format::Zeek,
            r#"{"ts":1.0,"fuid":"F1","md5":"aa","sha1":"bb","sha256":"cc","filename":"x.exe","mime_type":"application/x-dosexec","seen_bytes":5}"#,
        ),
        (
            crate::Format::Suricata,
            r#"{"timestamp":"2024-03-01T12:00:00.000000+0100","event_type":"http","src_ip":"10.0.0.5","src_port":1,"dest_ip":"203.0.113.9","dest_port":8088,"proto":"TCP","app_proto":"http","http":{"hostname":"c2.example","url":"/p","http_method":"POST","http_user_agent":"UA"},"flow":{"bytes_toserver":1,"bytes_toclient":2,"pkts_toserver":3,"pkts_toclient":4}}"#,
        ),
        (
            crate::Format::Suricata,
            r#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"dns","src_ip":"10.0.0.5","dest_ip":"10.0.0.1","proto":"UDP","dns":{"version":2,"rrname":"evil.example","rrtype":"A","answers":[{"rrtype":"A","rdata":"198.51.100.7"}],"grouped":{"A":["198.51.100.8"],"AAAA":["2001:db8::8"]}}}"#,
        ),
        (
            crate::Format::Suricata,
            r#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"dns","src_ip":"10.0.0.1","dest_ip":"10.0.0.5","dns":{"version":3,"type":"response","queries":[{"rrname":"a.example"},{"rrname":"b.example"}],"answers":[{"rrtype":"AAAA","rdata":"2001:db8::1"}]}}"#,
        ),
        (
            crate::Format::Suricata,
            r#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"dns","dns":{"type":"answer","rrname":"v1.example","rrtype":"A","rdata":"198.51.100.9"}}"#,
        ),
        (
            crate::Format::Suricata,
            r#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"tls","src_ip":"10.0.0.5","dest_ip":"203.0.113.9","tls":{"sni":"tls.example","fingerprint":"AB:cd","serial":"00:C9:62","subject":"CN=a","issuerdn":"CN=b"}}"#,
        ),
        (
            crate::Format::Suricata,
            r#"{"timestamp":"2024-03-01T12:00:00+0000","event_type":"fileinfo","src_ip":"203.0.113.9","src_port":8080,"dest_ip":"10.0.0.5","dest_port":5555,"http":{"hostname":"dl.example","http_port":8080,"url":"/x"},"fileinfo":{"filename":"/x","md5":"aa","sha1":"bb","sha256":"cc","size":3}}"#,
        ),
        (
            crate::Format::Ecs,
            r#"{"@timestamp":"2024-03-01T12:00:00Z","source":{"ip":"10.0.0.5","port":1},"destination":{"ip":"203.0.113.9","port":8443},"network":{"transport":"TCP","protocol":"http"},"user_agent":{"original":"UA"},"url":{"original":"/a","domain":"web.example","scheme":"https"}}"#,
        ),
        (
            crate::Format::Ecs,
            r#"{"@timestamp":"2024-03-01T12:00:00Z","dns.question.name":"q.example","dns.resolved_ip":["198.51.100.7"],"url.full":"https://u.example/","url.domain":"u.example"}"#,
        ),
        (
            crate::Format::Ecs,
            r#"{"@timestamp":"2024-03-01T12:00:00Z","file":{"name":"f","hash":{"md5":"aa","sha1":"bb","sha256":"cc"},"size":1,"directory":"C:\\d"},"process":{"pid":4,"command_line":"c","name":"p.exe","hash":{"md5":"a","sha1":"b","sha256":"c"}},"user":{"name":"u","id":"S-1"},"email":{"from":{"address":["f@x.example"]},"to":{"address":"t@x.example"},"subject":"s"}}"#,
        ),
    ];

    fn read_all(format: crate::Format, line: &str, want: Want) -> Record<'_> {
        let mut r = Record::default();
        read(format, None, line.as_bytes(), &mut r, want).unwrap();
        r
    }

    #[test]
    fn a_record_read_for_some_paths_has_their_facts_whole() {
        let t = PathTable::new();
        for &(format, line) in CORPUS {
            let all = read_all(format, line, Want::ALL);
            assert!(all.facts.len() >= 2, "{line}");
            for (id, _) in t.iter() {
                let only = read_all(format, line, Want::of([id]));
                assert_eq!(only.time, all.time);
                let on = |r: &Record<'_>| -> Vec<Val<'static>> {
                    r.facts
                        .iter()
                        .filter(|f| f.path == id)
                        .map(|f| f.val.clone().into_owned())
                        .collect()
                };
                assert_eq!(on(&only), on(&all), "{} of {line}", t.get(id).text);
            }
            // Nothing wanted: only the time is read.
            let none = read_all(format, line, Want::NONE);
            assert!(none.facts.is_empty(), "{line}: {:?}", none.facts);
            assert_eq!(none.time, all.time);
        }
    }

    #[test]
    fn records_without_time_are_unreadable() {
        let mut r = Record::default();
        assert!(matches!(
            zeek(br#"{"uid":"x"}"#, &mut r),
            Err(Unreadable::Record(_))
        ));
        let mut r = Record::default();
        assert!(matches!(
            zeek(br#"{"ts":1"#, &mut r),
            Err(Unreadable::Json(_))
        ));
    }

    #[test]
    fn mapping_reads_fields() {
        let mut t = PathTable::new();
        let m = Mapping::parse(
            r#"{"time":"when","fields":{"client":"network-traffic:src_ref.value","req.host":"domain-name:value","tags":"x-app:tags"}}"#,
            &mut t,
        )
        .unwrap();
        let mut r = Record::default();
        m.read(
            br#"{"when":1709294400,"client":"2001:db8::2","req":{"host":"evil.example"}}"#,
            &mut r,
        )
        .unwrap();
        assert!(matches(&t, &r, "[ipv6-addr:value = '2001:db8::2']"));
        assert!(matches(&t, &r, "[domain-name:value = 'evil.example']"));
        assert!(Mapping::parse(r#"{"fields":{}}"#, &mut t).is_err());
    }

    #[test]
    fn recognises_formats() {
        use crate::Format;
        assert_eq!(recognise(br#"{"ts":1,"uid":"C"}"#), Some(Format::Zeek));
        // x509.log: no uid, no id.*.
        assert_eq!(
            recognise(br#"{"ts":1,"fingerprint":"ab","certificate.serial":"01"}"#),
            Some(Format::Zeek)
        );
        assert_eq!(
            recognise(br#"{"timestamp":"x","event_type":"flow"}"#),
            Some(Format::Suricata)
        );
        assert_eq!(recognise(br#"{"@timestamp":"x"}"#), Some(Format::Ecs));
        assert_eq!(
            recognise(br#"{"type":"bundle","id":"bundle--1"}"#),
            Some(Format::Stix)
        );
        assert_eq!(recognise(br#"{"a":1}"#), None);
    }
}
