#!/usr/bin/env python3
"""Deterministic workload of anchored STIX patterns for the scaling part of
bench/pattern/run.py: every pattern has one comparison an index can look up.

Writes, into --out-dir:

  indicators.json     STIX 2.1 bundle of N indicators, all of one --mix:
                        eq     one equality: ipv4-addr:value, domain-name:value,
                               url:value, file:hashes.'SHA-256', file:hashes.MD5
                        in     IN over 2-4 values of ipv4-addr, domain-name or url
                               (not hashes: stix2-patterns refuses a set of hashes)
                        cidr   ipv4-addr:value ISSUBSET a /20../28 network
                        mixed  60% eq, 20% in, 20% cidr
  observations.jsonl  (only when -m > 0) M lines, each a bundle of one
                      observed-data and the SCOs it references, 1 s apart.
  planted.jsonl       the planted hits, {"indicator", "observation"}: every
                      one must be found (other hits may exist: overlapping
                      networks, a value shared by two indicators).

Prefix-stable: indicator k is the same for every N > k (one RNG stream, drawn
in order), and the observations depend only on --seed, --mix, -m, --hit-rate
and the first --plant-pool indicators (planted hits aim only at those). So a
1,000-indicator and a 1,000,000-indicator set meet the very same observation
file with the very same planted hits. Indicator values come from first octets
1-99 and TLDs background traffic never uses; background IPs are 128-223 and
10/8, so the background hits nothing.

    python3 bench/pattern/gen_anchored.py --mix eq -n 1000000 -m 0 --out-dir D
"""
import argparse
import ipaddress
import json
import os
import random
import sys
import time
import uuid

IND_OCTETS = [o for o in range(1, 100) if o not in (10, 100, 127)]
BG_OCTETS = [o for o in range(128, 224) if o not in (169, 172, 192, 198, 203)]
IND_TLDS = ["ru", "cn", "top", "xyz", "info", "biz", "su", "cc"]
BG_TLDS = ["com", "net", "org", "io", "de", "fr"]
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
SCO_NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
BASE = 1709251200  # 2024-03-01T00:00:00Z
PROPS = ["ipv4", "domain", "url", "sha256", "md5"]
PROP_WEIGHTS = [25, 25, 20, 15, 15]
PROP_PATH = {"ipv4": "ipv4-addr:value", "domain": "domain-name:value", "url": "url:value",
             "sha256": "file:hashes.'SHA-256'", "md5": "file:hashes.MD5"}


def ts(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec))


def tsms(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(sec))


class Values:
    def __init__(self, r):
        self.r = r

    def label(self, lo=6, hi=12):
        return "".join(self.r.choice(ALNUM) for _ in range(self.r.randint(lo, hi)))

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def ind(self, prop):
        r = self.r
        if prop == "ipv4":
            return "%d.%d.%d.%d" % (r.choice(IND_OCTETS), r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))
        if prop == "domain":
            return "%s.%s" % (self.label(), r.choice(IND_TLDS))
        if prop == "url":
            return "http://%s.%s/%s/%s" % (self.label(), r.choice(IND_TLDS), self.label(4, 8),
                                          r.choice(["gate.php", "load.bin", "c2", "index.php"]))
        if prop == "sha256":
            return self.hexs(64)
        return self.hexs(32)

    def bg(self, prop):
        r = self.r
        if prop == "ipv4":
            return "%d.%d.%d.%d" % (r.choice(BG_OCTETS), r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))
        if prop == "domain":
            return "www.%s.%s" % (self.label(4, 10), r.choice(BG_TLDS))
        if prop == "url":
            return "https://www.%s.%s/%s" % (self.label(4, 10), r.choice(BG_TLDS), self.label(3, 9))
        if prop == "sha256":
            return self.hexs(64)
        return self.hexs(32)


def esc(s):
    return s.replace("\\", "\\\\").replace("'", "\\'")


def make_indicator(v, k, mix):
    """(indicator object, planter): planter(values) gives one (prop, value) that hits it."""
    r = v.r
    kind = mix
    if mix == "mixed":
        kind = r.choices(["eq", "in", "cidr"], [60, 20, 20])[0]
    if kind == "eq":
        prop = r.choices(PROPS, PROP_WEIGHTS)[0]
        val = v.ind(prop)
        pattern = "[%s = '%s']" % (PROP_PATH[prop], esc(val))
        plant = (lambda p, x: lambda vv: (p, x))(prop, val)
    elif kind == "in":
        # not on hashes: stix2-patterns' validator checks a hash set as one hash and refuses it
        prop = r.choices(PROPS[:3], PROP_WEIGHTS[:3])[0]
        vals = [v.ind(prop) for _ in range(r.randint(2, 4))]
        pattern = "[%s IN (%s)]" % (PROP_PATH[prop], ", ".join("'%s'" % esc(x) for x in vals))
        plant = (lambda p, xs: lambda vv: (p, vv.r.choice(xs)))(prop, vals)
    else:
        plen = r.choice([20, 24, 24, 24, 26, 28])
        net = ipaddress.ip_network("%s/%d" % (v.ind("ipv4"), plen), strict=False)
        pattern = "[ipv4-addr:value ISSUBSET '%s']" % net
        plant = (lambda n: lambda vv: ("ipv4", str(n[vv.r.randint(1, n.num_addresses - 2)])))(net)
    created = tsms(BASE - 86400 - r.randint(0, 365 * 86400))
    obj = {"type": "indicator", "spec_version": "2.1", "id": "indicator--%s" % uuid.UUID(int=r.getrandbits(128), version=4),
           "created": created, "modified": created, "name": "anchored %s #%d" % (kind, k),
           "indicator_types": ["malicious-activity"], "pattern": pattern, "pattern_type": "stix",
           "pattern_version": "2.1", "valid_from": created}
    return obj, plant


def sco(typ, **props):
    contrib = {"value": props["value"]} if "value" in props else {"hashes": props["hashes"]}
    o = {"type": typ, "spec_version": "2.1",
         "id": "%s--%s" % (typ, uuid.uuid5(SCO_NS, json.dumps(contrib, sort_keys=True, separators=(",", ":"))))}
    o.update(props)
    return o


def scos_for(v, prop, val):
    """The SCOs of one observation carrying `val` as `prop` (plus some background)."""
    r = v.r
    if prop == "ipv4":
        src = sco("ipv4-addr", value="10.%d.%d.%d" % (r.randint(0, 3), r.randint(0, 255), r.randint(1, 254)))
        dst = sco("ipv4-addr", value=val)
        flow = {"type": "network-traffic", "spec_version": "2.1",
                "id": "network-traffic--%s" % uuid.UUID(int=r.getrandbits(128), version=4),
                "src_ref": src["id"], "dst_ref": dst["id"], "dst_port": r.choice([443, 80, 53, 8080]),
                "src_port": r.randint(1024, 65535), "protocols": ["ipv4", "tcp"]}
        return [src, dst, flow]
    if prop == "domain":
        return [sco("domain-name", value=val), sco("ipv4-addr", value=v.bg("ipv4"))]
    if prop == "url":
        host = val.split("://", 1)[1].split("/", 1)[0]
        return [sco("domain-name", value=host), sco("url", value=val)]
    hashes = {"MD5": val if prop == "md5" else v.hexs(32), "SHA-256": val if prop == "sha256" else v.hexs(64)}
    return [sco("file", hashes=hashes, name=r.choice(["invoice.pdf", "setup.exe", "report.docx"]),
                size=r.randint(1000, 5000000))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--mix", choices=["eq", "in", "cidr", "mixed"], default="mixed")
    ap.add_argument("--indicators", "-n", type=int, default=1000)
    ap.add_argument("--observations", "-m", type=int, default=100000)
    ap.add_argument("--hit-rate", type=float, default=0.01)
    ap.add_argument("--plant-pool", type=int, default=1000,
                    help="planted hits aim at the first this many indicators (default 1000)")
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    t0 = time.perf_counter()

    vi = Values(random.Random("%d/%s/indicators" % (a.seed, a.mix)))
    pool = min(a.plant_pool, a.indicators)
    planters = []
    with open(os.path.join(a.out_dir, "indicators.json"), "w") as f:
        f.write('{"type": "bundle", "id": "bundle--%s", "objects": [\n' % uuid.uuid5(SCO_NS, "%d/%s/%d" % (a.seed, a.mix, a.indicators)))
        for k in range(a.indicators):
            obj, plant = make_indicator(vi, k, a.mix)
            if k < pool:
                planters.append((obj["id"], plant))
            f.write((",\n" if k else "") + json.dumps(obj, separators=(",", ":")))
        f.write("\n]}\n")

    if a.observations > 0:
        vo = Values(random.Random("%d/%s/observations/%d" % (a.seed, a.mix, pool)))
        hits = int(round(a.observations * a.hit_rate)) if planters else 0
        planted_at = set(vo.r.sample(range(a.observations), hits))
        with open(os.path.join(a.out_dir, "observations.jsonl"), "w") as f, \
                open(os.path.join(a.out_dir, "planted.jsonl"), "w") as pf:
            for i in range(a.observations):
                if i in planted_at:
                    iid, plant = vo.r.choice(planters)
                    prop, val = plant(vo)
                else:
                    iid = None
                    prop = vo.r.choices(PROPS, PROP_WEIGHTS)[0]
                    val = vo.bg(prop)
                scos = scos_for(vo, prop, val)
                odid = "observed-data--%s" % uuid.UUID(int=vo.r.getrandbits(128), version=4)
                od = {"type": "observed-data", "spec_version": "2.1", "id": odid,
                      "created": tsms(BASE + i), "modified": tsms(BASE + i),
                      "first_observed": ts(BASE + i), "last_observed": ts(BASE + i),
                      "number_observed": 1, "object_refs": [s["id"] for s in scos]}
                f.write(json.dumps({"type": "bundle", "id": "bundle--" + odid.split("--", 1)[1],
                                    "objects": [od] + scos}, separators=(",", ":")) + "\n")
                if iid:
                    pf.write(json.dumps({"indicator": iid, "observation": odid}) + "\n")
    print("gen_anchored: %s, %d indicators, %d observations in %.1fs" % (
        a.mix, a.indicators, a.observations, time.perf_counter() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
