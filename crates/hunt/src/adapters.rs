//! Adapters: one log line in, one [`Record`] of facts out, following
//! MAPPING.md (beside this crate's Cargo.toml) field by field.
//!
//! Each adapter walks the line once with the [`crate::json`] scanner,
//! keeping the values of the fields it maps (borrowed from the line), then
//! writes facts in a fixed order: objects first, then what references or
//! extends them (a `domain-name`'s value before its `resolves_to_refs`).

use crate::fact::{looks_v4, looks_v6, PathId, PathTable, Record, Val, P};
use crate::json::{elements, flat_members, Json, JsonError};
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
        Json::Num(t) => time::epoch(std::str::from_utf8(t).ok()?),
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
    if let Some(u) = uri {
        rec.str(
            P::Url,
            Cow::Owned(url_of("http", name, named_port.or(port), u)),
        );
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

/// The strings of a JSON list (or of a single string).
fn strings<'a>(v: &Json<'a>, out: &mut Vec<Cow<'a, str>>) {
    match v {
        Json::Arr(a) => {
            let _ = elements(a, |e| {
                if let Some(s) = str_of(&e) {
                    out.push(s);
                }
            });
        }
        _ => {
            if let Some(s) = str_of(v) {
                out.push(s);
            }
        }
    }
}

/// The network-traffic facts every connection-bearing log shares.
#[derive(Default)]
struct Conn<'a> {
    src: Option<Cow<'a, str>>,
    dst: Option<Cow<'a, str>>,
    sport: Option<i64>,
    dport: Option<i64>,
    protos: Vec<Cow<'a, str>>,
}

impl<'a> Conn<'a> {
    fn write(&mut self, rec: &mut Record<'a>) {
        rec.opt_str(P::NtSrc, self.src.take());
        rec.opt_str(P::NtDst, self.dst.take());
        rec.opt_int(P::NtSrcPort, self.sport);
        rec.opt_int(P::NtDstPort, self.dport);
        for p in self.protos.drain(..) {
            rec.str(P::NtProtocols, p);
        }
    }

    /// `protocols`: `ipv4`/`ipv6` (by the responder's address) before the
    /// first name given, then the names lower-cased (a connection's only).
    fn protocol(&mut self, name: &str) {
        let name = name.trim();
        if name.is_empty() || !self.any() {
            return;
        }
        if self.protos.is_empty() {
            self.protos
                .push(Cow::Borrowed(ip_version(self.dst.as_ref())));
        }
        self.protos.push(Cow::Owned(name.to_ascii_lowercase()));
    }

    fn any(&self) -> bool {
        self.src.is_some() || self.dst.is_some() || self.sport.is_some() || self.dport.is_some()
    }
}

fn lower(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}

/// Zeek JSON logs: conn, dns, http, ssl, x509, files.
pub fn zeek<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Result<(), Unreadable> {
    let mut ts = None;
    let mut conn = Conn::default();
    let mut proto = None;
    let mut service = None;
    let (mut ob, mut rb, mut op, mut rp) = (None, None, None, None);
    let (mut query, mut answers) = (None, None);
    let (mut host, mut uri, mut method, mut ua) = (None, None, None, None);
    let mut server_name = None;
    let (mut fp, mut serial, mut subject, mut issuer, mut san) = (None, None, None, None, None);
    let (mut md5, mut sha1, mut sha256, mut fname, mut mime, mut total, mut seen) =
        (None, None, None, None, None, None, None);
    flat_members(line, &mut |k, v| match k {
        b"ts" => ts = Some(v),
        b"id.orig_h" => conn.src = str_of(&v),
        b"id.resp_h" => conn.dst = str_of(&v),
        b"id.orig_p" => conn.sport = int_of(&v),
        b"id.resp_p" => conn.dport = int_of(&v),
        b"proto" => proto = str_of(&v),
        b"service" => service = str_of(&v),
        b"orig_bytes" => ob = int_of(&v),
        b"resp_bytes" => rb = int_of(&v),
        b"orig_pkts" => op = int_of(&v),
        b"resp_pkts" => rp = int_of(&v),
        b"query" => query = str_of(&v),
        b"answers" => answers = Some(v),
        b"host" => host = str_of(&v),
        b"uri" => uri = str_of(&v),
        b"method" => method = str_of(&v),
        b"user_agent" => ua = str_of(&v),
        b"server_name" => server_name = str_of(&v),
        b"fingerprint" => fp = str_of(&v),
        b"certificate.serial" => serial = str_of(&v),
        b"certificate.subject" => subject = str_of(&v),
        b"certificate.issuer" => issuer = str_of(&v),
        b"san.dns" => san = Some(v),
        b"md5" => md5 = str_of(&v),
        b"sha1" => sha1 = str_of(&v),
        b"sha256" => sha256 = str_of(&v),
        b"filename" => fname = str_of(&v),
        b"mime_type" => mime = str_of(&v),
        b"total_bytes" => total = int_of(&v),
        b"seen_bytes" => seen = int_of(&v),
        _ => {}
    })?;
    rec.time = Some(ts.as_ref().and_then(time_of).ok_or_else(|| no_time("ts"))?);
    if let Some(p) = proto {
        conn.protocol(&p);
    }
    if let Some(s) = service {
        s.split(',').for_each(|name| conn.protocol(name));
    }
    let dport = conn.dport;
    conn.write(rec);
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
            let mut list = Vec::new();
            strings(&a, &mut list);
            for s in list {
                rec.str(P::DomainResolves, s);
            }
        }
    }
    http_host(rec, host, uri.as_deref(), dport);
    rec.opt_str(P::Domain, server_name);
    if let Some(f) = fp {
        rec.str(P::CertSha256, lower(f));
    }
    rec.opt_str(P::CertSerial, serial.map(serial_number));
    rec.opt_str(P::CertSubject, subject);
    rec.opt_str(P::CertIssuer, issuer);
    if let Some(s) = san {
        let mut list = Vec::new();
        strings(&s, &mut list);
        for d in list {
            rec.str(P::Domain, d);
        }
    }
    rec.opt_str(P::FileName, fname);
    rec.opt_str(P::FileMd5, md5);
    rec.opt_str(P::FileSha1, sha1);
    rec.opt_str(P::FileSha256, sha256);
    rec.opt_str(P::FileMime, mime);
    rec.opt_int(P::FileSize, total.or(seen));
    Ok(())
}

/// Suricata EVE JSON: flow, dns (v1, v2, v3), http, tls, fileinfo, alert.
pub fn suricata<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Result<(), Unreadable> {
    let (mut ts, mut http_event) = (None, false);
    let mut conn = Conn::default();
    let (mut proto, mut app) = (None, None);
    let (mut bts, mut btc, mut pts, mut ptc) = (None, None, None, None);
    let (mut rrname, mut rrtype, mut rdata, mut dns_answers) = (None, None, None, None);
    let (mut grouped_a, mut grouped_aaaa, mut queries) = (None, None, None);
    let (mut hostname, mut url, mut method, mut ua, mut http_port) = (None, None, None, None, None);
    let (mut sni, mut fp, mut serial, mut subject, mut issuer) = (None, None, None, None, None);
    let (mut fname, mut md5, mut sha1, mut sha256, mut size) = (None, None, None, None, None);
    flat_members(line, &mut |k, v| match k {
        b"timestamp" => ts = Some(v),
        b"event_type" => http_event = matches!(v, Json::Str(b"http", _)),
        b"src_ip" => conn.src = str_of(&v),
        b"dest_ip" => conn.dst = str_of(&v),
        b"src_port" => conn.sport = int_of(&v),
        b"dest_port" => conn.dport = int_of(&v),
        b"proto" => proto = str_of(&v),
        b"app_proto" => app = str_of(&v),
        b"flow.bytes_toserver" => bts = int_of(&v),
        b"flow.bytes_toclient" => btc = int_of(&v),
        b"flow.pkts_toserver" => pts = int_of(&v),
        b"flow.pkts_toclient" => ptc = int_of(&v),
        b"dns.rrname" => rrname = str_of(&v),
        b"dns.rrtype" => rrtype = str_of(&v),
        b"dns.rdata" => rdata = str_of(&v),
        b"dns.answers" => dns_answers = Some(v),
        b"dns.queries" => queries = Some(v),
        b"dns.grouped.A" => grouped_a = Some(v),
        b"dns.grouped.AAAA" => grouped_aaaa = Some(v),
        b"http.hostname" => hostname = str_of(&v),
        b"http.url" => url = str_of(&v),
        b"http.http_port" => http_port = int_of(&v),
        b"http.http_method" => method = str_of(&v),
        b"http.http_user_agent" => ua = str_of(&v),
        b"tls.sni" => sni = str_of(&v),
        b"tls.fingerprint" => fp = str_of(&v),
        b"tls.serial" => serial = str_of(&v),
        b"tls.subject" => subject = str_of(&v),
        b"tls.issuerdn" => issuer = str_of(&v),
        b"fileinfo.filename" => fname = str_of(&v),
        b"fileinfo.md5" => md5 = str_of(&v),
        b"fileinfo.sha1" => sha1 = str_of(&v),
        b"fileinfo.sha256" => sha256 = str_of(&v),
        b"fileinfo.size" => size = int_of(&v),
        _ => {}
    })?;
    rec.time = Some(
        ts.as_ref()
            .and_then(time_of)
            .ok_or_else(|| no_time("timestamp"))?,
    );
    if let Some(p) = proto {
        conn.protocol(&p);
    }
    if let Some(a) = app.filter(|a| a != "failed" && a != "unknown") {
        conn.protocol(&a);
    }
    let dport = conn.dport;
    conn.write(rec);
    rec.opt_int(P::NtSrcBytes, bts);
    rec.opt_int(P::NtDstBytes, btc);
    rec.opt_int(P::NtSrcPackets, pts);
    rec.opt_int(P::NtDstPackets, ptc);
    rec.opt_str(P::HttpMethod, method);
    if let Some(u) = &url {
        rec.str(P::HttpValue, u.clone());
    }
    rec.opt_str(P::HttpUserAgent, ua);
    // v1 and v2 name the query in `rrname`, v3 in `queries`: the first
    // query's name owns the answers.
    let mut more_queries = Vec::new();
    if let Some(Json::Arr(list)) = queries {
        let _ = elements(list, |e| {
            if let Json::Obj(o) = e {
                let _ = flat_members(o, &mut |k, v| {
                    if k == b"rrname" {
                        if let Some(s) = str_of(&v) {
                            more_queries.push(s);
                        }
                    }
                });
            }
        });
    }
    let rrname = match rrname {
        Some(n) => Some(n),
        None if !more_queries.is_empty() => Some(more_queries.remove(0)),
        None => None,
    };
    if let Some(name) = rrname {
        rec.str(P::Domain, name);
        let address = |t: &str| t == "A" || t == "AAAA";
        if let (Some(d), Some(t)) = (rdata, &rrtype) {
            if address(t) {
                rec.str(P::DomainResolves, d);
            }
        }
        if let Some(Json::Arr(list)) = dns_answers {
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
        for g in [grouped_a, grouped_aaaa].into_iter().flatten() {
            let mut list = Vec::new();
            strings(&g, &mut list);
            for d in list {
                rec.str(P::DomainResolves, d);
            }
        }
    }
    for q in more_queries {
        rec.str(P::Domain, q);
    }
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

/// Elastic Common Schema JSON (nested or dotted).
pub fn ecs<'a>(line: &'a [u8], rec: &mut Record<'a>) -> Result<(), Unreadable> {
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
    flat_members(line, &mut |k, v| match k {
        b"@timestamp" => ts = Some(v),
        b"source.ip" => conn.src = str_of(&v),
        b"destination.ip" => conn.dst = str_of(&v),
        b"source.port" => conn.sport = int_of(&v),
        b"destination.port" => conn.dport = int_of(&v),
        b"network.transport" => transport = str_of(&v),
        b"network.protocol" => protocol = str_of(&v),
        b"dns.question.name" => qname = str_of(&v),
        b"dns.resolved_ip" => resolved = Some(v),
        b"url.full" => url_full = str_of(&v),
        b"url.original" => url_orig = str_of(&v),
        b"url.domain" => url_domain = str_of(&v),
        b"url.scheme" => url_scheme = str_of(&v),
        b"url.port" => url_port = int_of(&v),
        b"user_agent.original" => ua = str_of(&v),
        b"file.name" => fname = str_of(&v),
        b"file.hash.md5" => fmd5 = str_of(&v),
        b"file.hash.sha1" => fsha1 = str_of(&v),
        b"file.hash.sha256" => fsha256 = str_of(&v),
        b"file.size" => fsize = int_of(&v),
        b"file.directory" => fdir = str_of(&v),
        b"process.pid" => pid = int_of(&v),
        b"process.command_line" => cmd = str_of(&v),
        b"process.name" => pname = str_of(&v),
        b"process.hash.md5" => pmd5 = str_of(&v),
        b"process.hash.sha1" => psha1 = str_of(&v),
        b"process.hash.sha256" => psha256 = str_of(&v),
        b"user.name" => user = str_of(&v),
        b"user.id" => uid = str_of(&v),
        b"email.from.address" => from = Some(v),
        b"email.to.address" => to = Some(v),
        b"email.subject" => subject = str_of(&v),
        _ => {}
    })?;
    rec.time = Some(
        ts.as_ref()
            .and_then(time_of)
            .ok_or_else(|| no_time("@timestamp"))?,
    );
    for name in [transport, protocol].into_iter().flatten() {
        conn.protocol(&name);
    }
    let dport = conn.dport;
    conn.write(rec);
    rec.opt_str(P::HttpUserAgent, ua);
    if let Some(q) = qname {
        rec.str(P::Domain, q);
        if let Some(r) = resolved {
            let mut list = Vec::new();
            strings(&r, &mut list);
            for a in list {
                rec.str(P::DomainResolves, a);
            }
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
        let mut list = Vec::new();
        strings(&f, &mut list);
        if let Some(a) = list.into_iter().next() {
            rec.str(P::EmailFrom, a);
        }
    }
    if let Some(t) = to {
        let mut list = Vec::new();
        strings(&t, &mut list);
        for a in list {
            rec.str(P::EmailTo, a);
        }
    }
    rec.opt_str(P::EmailSubject, subject);
    Ok(())
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
        let mut ts = None;
        let mut facts: Vec<(PathId, Json<'a>)> = Vec::new();
        flat_members(line, &mut |k, v| {
            if k == self.time.as_slice() {
                ts = Some(v);
            }
            if let Some(&p) = self.fields.get(k) {
                facts.push((p, v));
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
