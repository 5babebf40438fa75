#!/usr/bin/env python3
"""Zeek conn.log + dns.log and 100,000 STIX indicators for the hunt benchmark (issue 5).

    python3 bench/hunt/gen.py --out DIR [--count 1000000] [--seed 42]
                              [--indicators 100000] [--hit-rate 0.001]

Writes into DIR (built in DIR.partial, then renamed):

    conn.log         Zeek JSON (LogAscii::use_json=T), count - count//2 records, in time order
    dns.log          Zeek JSON, count//2 records, in time order
    indicators.json  a STIX 2.1 bundle of --indicators indicators, one object per line: half
                     [ipv4-addr:value = '...'], half [domain-name:value = '...'], shuffled
    iocs.txt         the raw values of the same indicators, one per line, in bundle order
                     (what `rg -F -f iocs.txt` reads)
    planted.tsv      one line per planted record: file, line (1-based), kind, value
    manifest.json    the parameters, per-file records and bytes, the planted counts, and the
                     sha256 of this file and of tests/hunt/gen_logs.py (written last: a
                     directory with a manifest is complete)

The records come from tests/hunt/gen_logs.py's zeek_conn and zeek_dns (the field names
and value spaces of the hunt tests: ts as epoch seconds, uid, id.orig_h, id.orig_p,
id.resp_h, id.resp_p, proto, service, duration, orig_bytes, resp_bytes, conn_state,
history, orig_pkts, ...; dns: trans_id, rtt, query, qclass, qtype_name, rcode_name,
AA/TC/RD/RA, answers, TTLs, ...), about 390 bytes per conn line and 440 per dns line.
Background values never equal an indicator: clients are 10.20.0.0/16, servers
10.10.0.0/24, external addresses sit under gen_logs' fixed /16 prefixes and background
domains end in .com .net .org .io .edu .de .co.uk .gov; indicator addresses take first
octets no background address has (nor ends with, so a raw substring search does not
find them inside background addresses either), indicator domains end in .top .xyz
.biz .click .su.

A fraction --hit-rate of the records (round(count * rate), placed at random) is
replaced by a record of the same time carrying exactly one indicator value:

    conn-dst     conn.log, id.resp_h is an indicator address (outbound to a C2)
    conn-src     conn.log, id.orig_h is an indicator address (inbound: a scanner)
    dns-query    dns.log, query is an indicator domain (NXDOMAIN or an external answer)
    dns-answer   dns.log, a background query whose answer is an indicator address

so `vigil hunt` should report exactly one hit per planted record. The planted values
come from a pool of about a quarter as many indicators, so some are hit several times.
Standard library only. The same arguments give byte-identical files.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import random
import shutil
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GEN_LOGS = os.path.join(ROOT, "tests", "hunt", "gen_logs.py")

# First octets of indicator addresses: none is a background first octet (10, 13, 20, 23,
# 31, 34, 35, 52, 91, 104, 140, 142, 151, 157, 172, 185, 199, 216) nor the end of one.
BAD_FIRST = [37, 45, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 86, 87, 88, 89, 92, 93, 94, 95,
             176, 178, 188, 193, 194, 195, 212, 213, 217]
BAD_TLDS = [".top", ".xyz", ".biz", ".click", ".su"]
WORDS = ("secure login account verify update office365 microsoft-update outlook sharepoint "
         "docusign invoice payment billing support helpdesk portal cloud drive dropbox-share "
         "onedrive-sync cdn static api mail webmail auth sso vpn remote files download "
         "telemetry status sync gate panel news media tracker").split()
HOSTS = ["www", "mail", "cdn", "api", "update", "login", "dl", "ns1", "c2", "img"]
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
LETTERS = "abcdefghijklmnopqrstuvwxyz"
KINDS = ("conn-dst", "conn-src", "dns-query", "dns-answer")


def load_gen_logs():
    spec = importlib.util.spec_from_file_location("gen_logs", GEN_LOGS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def sources_sha256():
    """One digest of the code that decides the output: this file and gen_logs.py."""
    h = hashlib.sha256()
    for p in (os.path.abspath(__file__), GEN_LOGS):
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def bad_ip(rng):
    while True:
        o3, o4 = rng.randrange(256), rng.randrange(1, 255)
        if (o3, o4) != (20, 10):  # "y.x.20.10" is the tail of background PTR queries
            return "%d.%d.%d.%d" % (rng.choice(BAD_FIRST), rng.randrange(256), o3, o4)


def bad_domain(rng):
    r = rng.random()
    if r < 0.4:  # algorithmically generated
        base = rng.choice(LETTERS) + "".join(rng.choice(ALNUM) for _ in range(rng.randrange(7, 16)))
    elif r < 0.8:  # look-alike words
        base = "-".join(rng.sample(WORDS, rng.randrange(2, 4)))
        if rng.random() < 0.5:
            base += "-%d" % rng.randrange(1000)
    else:  # a host under a throw-away name
        base = rng.choice(HOSTS) + "." + "".join(rng.choice(LETTERS) for _ in range(rng.randrange(5, 10)))
    return base + rng.choice(BAD_TLDS)


def indicators(rng, gl, n):
    """n (value, object) pairs, half addresses and half domains, shuffled."""
    seen = set()
    out = []
    t_lo, t_hi = 1685577600, 1709251200  # 2023-06-01 .. 2024-03-01, before every record
    for i in range(n):
        is_ip = i % 2 == 0
        while True:
            v = bad_ip(rng) if is_ip else bad_domain(rng)
            if v not in seen:
                seen.add(v)
                break
        us = rng.randrange(t_lo, t_hi) * 1_000_000 + rng.randrange(1000) * 1000
        created = gl.iso(us)
        if is_ip:
            name, pattern, types = "C2 address %s" % v, "[ipv4-addr:value = '%s']" % v, ["malicious-activity"]
        else:
            name, pattern = "Malicious domain %s" % v, "[domain-name:value = '%s']" % v
            types = ["malicious-activity"] if rng.random() < 0.5 else ["malicious-activity", "attribution"]
        obj = {"type": "indicator", "spec_version": "2.1", "id": "indicator--" + gl.rand_uuid(rng),
               "created": created, "modified": created, "name": name, "indicator_types": types,
               "pattern": pattern, "pattern_type": "stix", "pattern_version": "2.1", "valid_from": created}
        if rng.random() < 0.6:
            obj["confidence"] = rng.choice([15, 50, 70, 85, 100])
        out.append((is_ip, v, obj))
    rng.shuffle(out)
    return out


def planted_record(rng, gl, kind, us, value):
    if kind == "conn-dst":
        port, service = rng.choice([(443, "ssl"), (443, "ssl"), (80, "http"), (8443, "ssl"), (8080, "http")])
        return gl.zeek_conn(rng, us, resp_h=value, resp_p=port, proto="tcp", service=service)
    if kind == "conn-src":
        port, service = rng.choice([(22, "ssh"), (3389, "rdp"), (445, "smb,gssapi"), (443, "ssl")])
        return gl.zeek_conn(rng, us, orig_h=value, resp_h=gl.server_ip(rng), resp_p=port, proto="tcp",
                            service=service, state=rng.choice(["S0", "REJ", "SF"]))
    if kind == "dns-query":
        if rng.random() < 0.5:
            return gl.zeek_dns(rng, us, query=value, answers=[], rcode=3)
        return gl.zeek_dns(rng, us, query=value, answers=[gl.ext_ip(rng)])
    return gl.zeek_dns(rng, us, query=gl.bg_domain(rng), answers=[value])


def write_log(path, gl, rng, n, plants, background):
    """n records in time order; plants maps a 0-based index to (kind, value)."""
    times = gl.bg_times(rng, n)
    size = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        chunk = []
        for i, us in enumerate(times):
            p = plants.get(i)
            rec = planted_record(rng, gl, p[0], us, p[1]) if p else background(rng, us)
            chunk.append(json.dumps(rec, separators=(",", ":")))
            if len(chunk) == 4096:
                s = "\n".join(chunk) + "\n"
                size += len(s)
                f.write(s)
                chunk = []
        if chunk:
            s = "\n".join(chunk) + "\n"
            size += len(s)
            f.write(s)
    return size


def generate(out, count, seed, n_ind, hit_rate):
    gl = load_gen_logs()
    t0 = time.perf_counter()
    tmp = out + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)

    irng = random.Random("%d:indicators" % seed)
    inds = indicators(irng, gl, n_ind)
    with open(os.path.join(tmp, "indicators.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"bundle","id":"bundle--%s","objects":[\n' % gl.rand_uuid(irng))
        f.write(",\n".join(json.dumps(o, separators=(",", ":")) for _, _, o in inds))
        f.write("\n]}\n")
    with open(os.path.join(tmp, "iocs.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(v + "\n" for _, v, _ in inds))

    # Which records carry an indicator, and which one.
    prng = random.Random("%d:planted" % seed)
    n_conn, n_dns = count - count // 2, count // 2
    total = round(count * hit_rate)
    n_conn_p = min(n_conn, total // 2)
    n_dns_p = min(n_dns, total - n_conn_p)
    ips = [v for is_ip, v, _ in inds if is_ip]
    doms = [v for is_ip, v, _ in inds if not is_ip]
    ip_pool = prng.sample(ips, min(len(ips), max(1, (n_conn_p + n_dns_p) // 4)))
    dom_pool = prng.sample(doms, min(len(doms), max(1, n_dns_p // 4)))
    plants = {"conn.log": {}, "dns.log": {}}
    for i in prng.sample(range(n_conn), n_conn_p):
        plants["conn.log"][i] = ("conn-dst", prng.choice(ip_pool)) if prng.random() < 0.9 else \
            ("conn-src", prng.choice(ip_pool))
    for i in prng.sample(range(n_dns), n_dns_p):
        plants["dns.log"][i] = ("dns-query", prng.choice(dom_pool)) if prng.random() < 0.8 else \
            ("dns-answer", prng.choice(ip_pool))

    files = {}
    for name, n, bg in (("conn.log", n_conn, gl.zeek_conn), ("dns.log", n_dns, gl.zeek_dns)):
        rng = random.Random("%d:%s" % (seed, name))
        size = write_log(os.path.join(tmp, name), gl, rng, n, plants[name], bg)
        files[name] = {"records": n, "bytes": size}
        print("   %s: %d records, %.1f MB (%.0f s so far)" % (name, n, size / 1e6, time.perf_counter() - t0),
              flush=True)

    by_kind = {k: 0 for k in KINDS}
    hit_values = set()
    with open(os.path.join(tmp, "planted.tsv"), "w", encoding="utf-8", newline="\n") as f:
        for name in ("conn.log", "dns.log"):
            for i in sorted(plants[name]):
                kind, value = plants[name][i]
                by_kind[kind] += 1
                hit_values.add(value)
                f.write("%s\t%d\t%s\t%s\n" % (name, i + 1, kind, value))
    manifest = {
        "count": count, "seed": seed, "indicators": n_ind, "hit_rate": hit_rate,
        "indicator_kinds": {"ipv4-addr": len(ips), "domain-name": len(doms)},
        "files": files, "bytes": sum(v["bytes"] for v in files.values()),
        "planted": {"records": sum(by_kind.values()), "by_kind": by_kind, "indicators": len(hit_values)},
        "sources_sha256": sources_sha256(),
    }
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    return manifest, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="the directory to write (replaced)")
    ap.add_argument("--count", type=int, default=1_000_000, help="records, conn + dns (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--indicators", type=int, default=100_000)
    ap.add_argument("--hit-rate", type=float, default=0.001, help="share of records carrying an indicator")
    a = ap.parse_args()
    if a.count < 2 or a.indicators < 2 or not 0 <= a.hit_rate <= 1:
        ap.error("need --count >= 2, --indicators >= 2 and 0 <= --hit-rate <= 1")
    if not os.path.isfile(GEN_LOGS):
        sys.exit("bench/hunt/gen.py: %s is missing (its zeek_conn/zeek_dns write the records)" % GEN_LOGS)
    m, secs = generate(os.path.abspath(a.out), a.count, a.seed, a.indicators, a.hit_rate)
    print("   %d records (%.1f MB), %d indicators, %d planted records of %d indicators, in %.0f s" % (
        a.count, m["bytes"] / 1e6, a.indicators, m["planted"]["records"], m["planted"]["indicators"], secs))


if __name__ == "__main__":
    main()
