#!/usr/bin/env python3
"""Writes a deterministic STIX 2.1 bundle of N indicator objects, fast.

    python3 bench/gen_indicators.py -n 1000000 --seed 42 -o bench/out/indicators-1m.json

Each object is a valid STIX 2.1 indicator (spec section 4.7): type, spec_version,
id (indicator--<UUIDv4 from a seeded RNG>), created and modified with millisecond
precision, name, description, indicator_types (open vocabulary), pattern
(STIX patterning: IPv4, IPv6, domain, URL, e-mail, MD5 / SHA-1 / SHA-256 file
hashes, a few AND/OR compounds), pattern_type "stix", pattern_version, valid_from,
sometimes valid_until, created_by_ref (one of a few producer identities),
object_marking_refs (the predefined TLP 1.0 marking definitions of section
7.2.1.4), and for some objects labels, confidence, kill_chain_phases and
external_references. No other objects are written: the bundle holds exactly N
objects, all new.

Same seed and N give byte-identical output. Speed comes from drawing all random
bytes up front (one randbytes call per stream) and formatting each object from
string templates, not json.dumps: about 8 s per million objects (830 MB) on
one core of the 2-core benchmark machine, a third of it writing the file.
Value spaces follow /work/shared/bench/gen_workload.py (the shared workload
generator), trimmed to what an import benchmark needs.
"""
import argparse
import random
import sys
import time

TLP = [
    # (weight, id) -- the four predefined TLP 1.0 marking definitions.
    (30, "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),  # WHITE
    (45, "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),  # GREEN
    (20, "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),  # AMBER
    (5, "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),   # RED
]
PRODUCERS = [
    "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01",
    "identity--7d5b4f2e-0c3a-4f59-9a57-2c5f1b8e3a44",
    "identity--e1f0b7a9-52c6-4d8e-8f3b-6a9c0d2e7b15",
    "identity--4a9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e63",
]
IND_OCTETS = [o for o in range(1, 224) if o not in (10, 100, 127, 169, 172, 192, 198, 203)]
TLDS = ["ru", "cn", "top", "xyz", "info", "biz", "su", "cc", "com", "net", "org", "io", "pw"]
WORDS = ("cloud static cdn api mail news shop media data portal secure login update "
         "service office assets images video blog forum store market docs learn health "
         "travel weather sports music games photo finance bank school city north global "
         "green blue river stone light smart fast prime alpha delta nova sync drive "
         "account verify support microsoft-update office365 dropbox-share").split()
PATHS = ["/gate.php", "/index.php", "/load.bin", "/c2", "/admin/get.php", "/wp-content/up.php",
         "/dl/setup.exe", "/invoice.doc", "/api/v1/beacon", "/news.html", "/favicon.ico", ""]
MAIL_USERS = ["billing", "hr", "it-support", "security", "noreply", "ceo.office", "payroll",
              "admin", "helpdesk", "invoice"]
FAMILIES = ["PlugX", "ShadowPad", "Cobalt Strike", "Emotet", "QakBot", "AsyncRAT", "Remcos",
            "Sliver", "PoisonIvy", "Gh0st RAT", "Winnti", "IcedID", "njRAT", "DarkGate",
            "Brute Ratel", "Mimikatz"]
ACTORS = ["an espionage group", "a state-sponsored intrusion set", "a financially motivated actor",
          "an unattributed cluster", "a ransomware affiliate", "a phishing operation"]
SECTORS = ["government", "defence", "energy", "telecommunications", "higher education",
           "healthcare", "finance", "manufacturing", "non-profit", "media"]
LABELS = ["apt", "c2", "phishing", "malware", "botnet", "scanner", "exploit", "ransomware",
          "credential-theft", "tor-exit"]
PHASES = ["reconnaissance", "weaponization", "delivery", "exploitation", "installation",
          "command-and-control", "actions-on-objectives"]
KINDS = ["ipv4", "ipv4", "ipv4", "domain", "domain", "domain", "url", "url", "sha256", "sha256",
         "md5", "sha1", "ipv6", "email", "ip-or", "file-and"]
TYPES_FOR = {
    "ipv4": '["malicious-activity"]', "ipv6": '["malicious-activity"]',
    "domain": '["malicious-activity","attribution"]', "url": '["malicious-activity"]',
    "sha256": '["malicious-activity"]', "md5": '["malicious-activity"]',
    "sha1": '["malicious-activity"]', "email": '["anomalous-activity"]',
    "ip-or": '["malicious-activity","anonymization"]', "file-and": '["malicious-activity"]',
}


def days(start_year, n):
    """n consecutive dates (YYYY-MM-DD) from 1 January of start_year."""
    import datetime
    d0 = datetime.date(start_year, 1, 1)
    return [(d0 + datetime.timedelta(days=i)).isoformat() for i in range(n)]


def times(ms_of_day):
    s, ms = divmod(ms_of_day, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return "%02d:%02d:%02d.%03d" % (h, m, s, ms)


def generate(n, seed, out, chunk=20000):
    r = random.Random(seed)
    dates = days(2022, 1460 + 120)  # + room for modified and valid_until
    tlp = [t for w, t in TLP for _ in range(w)]
    write = out.write
    write('{"type":"bundle","id":"bundle--%s","objects":[\n' % uuid4(r.randbytes(16).hex()))
    done = 0
    while done < n:
        k = min(chunk, n - done)
        ids = r.randbytes(16 * k).hex()
        hashes = r.randbytes(32 * k).hex()
        ctl = r.randbytes(24 * k)
        objs = []
        append = objs.append
        for i in range(k):
            c = ctl[24 * i: 24 * i + 24]
            h = hashes[64 * i: 64 * i + 64]
            u = ids[32 * i: 32 * i + 32]
            oid = "indicator--%s-%s-4%s-%s%s-%s" % (u[:8], u[8:12], u[13:16], "89ab"[int(u[16], 16) & 3],
                                                    u[17:20], u[20:32])
            day = c[0] << 8 | c[1]
            date = dates[day % 1460]
            created = "%sT%sZ" % (date, times((c[2] << 16 | c[3] << 8 | c[4]) % 86_400_000))
            if c[5] < 180:
                modified = created
            else:
                modified = "%sT%sZ" % (dates[day % 1460 + 1 + c[5] % 30],
                                       times((c[6] << 16 | c[3] << 8 | c[4]) % 86_400_000))
            kind = KINDS[c[7] & 15]
            fam = FAMILIES[c[8] % len(FAMILIES)]
            if kind == "ipv4":
                v = "%d.%d.%d.%d" % (IND_OCTETS[c[9] % len(IND_OCTETS)], c[10], c[11], c[12] % 254 + 1)
                pattern = "[ipv4-addr:value = '%s']" % v
                name = "Malicious IPv4 address %s" % v
                what = "%s command-and-control server %s" % (fam, v)
            elif kind == "ipv6":
                v = "2001:db8:%x:%x::%x" % (c[9] << 8 | c[10], c[11] << 8 | c[12], c[13] + 1)
                pattern = "[ipv6-addr:value = '%s']" % v
                name = "Malicious IPv6 address %s" % v
                what = "%s infrastructure at %s" % (fam, v)
            elif kind == "domain":
                v = "%s-%s%s.%s" % (WORDS[c[9] % len(WORDS)], WORDS[c[10] % len(WORDS)], h[:4],
                                    TLDS[c[11] % len(TLDS)])
                pattern = "[domain-name:value = '%s']" % v
                name = "Malicious domain %s" % v
                what = "%s delivery domain %s" % (fam, v)
            elif kind == "url":
                v = "%s://%s.%s.%s%s" % ("https" if c[9] & 1 else "http", WORDS[c[10] % len(WORDS)],
                                         h[:8], TLDS[c[11] % len(TLDS)], PATHS[c[12] % len(PATHS)])
                pattern = "[url:value = '%s']" % v
                name = "Malicious URL %s" % v
                what = "a %s download or check-in URL" % fam
            elif kind == "sha256":
                pattern = "[file:hashes.'SHA-256' = '%s']" % h
                name = "%s sample (SHA-256 %s...)" % (fam, h[:12])
                what = "a %s sample" % fam
            elif kind == "md5":
                pattern = "[file:hashes.MD5 = '%s']" % h[:32]
                name = "%s sample (MD5 %s)" % (fam, h[:32])
                what = "a %s loader" % fam
            elif kind == "sha1":
                pattern = "[file:hashes.'SHA-1' = '%s']" % h[:40]
                name = "%s sample (SHA-1 %s)" % (fam, h[:40])
                what = "a %s dropper" % fam
            elif kind == "email":
                v = "%s@%s-%s.%s" % (MAIL_USERS[c[9] % len(MAIL_USERS)], WORDS[c[10] % len(WORDS)],
                                     h[:5], TLDS[c[11] % len(TLDS)])
                pattern = "[email-message:from_ref.value = '%s']" % v
                name = "Phishing sender %s" % v
                what = "spearphishing e-mail from %s" % v
            elif kind == "ip-or":
                a = "%d.%d.%d.%d" % (IND_OCTETS[c[9] % len(IND_OCTETS)], c[10], c[11], c[12] % 254 + 1)
                b = "%d.%d.%d.%d" % (IND_OCTETS[c[13] % len(IND_OCTETS)], c[11], c[10], c[14] % 254 + 1)
                pattern = "[ipv4-addr:value = '%s' OR ipv4-addr:value = '%s']" % (a, b)
                name = "%s relay addresses %s, %s" % (fam, a, b)
                what = "%s relays behind anonymising infrastructure" % fam
            else:  # file-and
                pattern = ("[file:hashes.'SHA-256' = '%s' AND file:size = %d]"
                           % (h, 10000 + ((c[9] << 16 | c[10] << 8 | c[11]) % 4_000_000)))
                name = "%s payload %s..." % (fam, h[:12])
                what = "a %s payload of known size" % fam
            desc = "Indicator for %s, used by %s against the %s sector. Block and hunt for it." % (
                what, ACTORS[c[15] % len(ACTORS)], SECTORS[c[16] % len(SECTORS)])
            extra = ""
            if c[17] < 100:
                extra += ',"labels":["%s","%s"]' % (LABELS[c[17] % 10], LABELS[(c[17] + 1 + c[18] % 9) % 10])
            if c[18] < 160:
                extra += ',"confidence":%d' % (c[18] % 101)
            if c[19] < 64:
                extra += (',"kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain",'
                          '"phase_name":"%s"}]' % PHASES[c[19] % 7])
            if c[20] < 80:
                extra += (',"external_references":[{"source_name":"vigil-bench-feed",'
                          '"url":"https://intel.example.org/ioc/%s","external_id":"IOC-%07d"}]'
                          % (u, done + i))
            if c[21] < 40:
                valid_until = ',"valid_until":"%sT00:00:00.000Z"' % dates[day % 1460 + 90]
            else:
                valid_until = ""
            marking = ',"object_marking_refs":["%s"]' % tlp[c[22] % 100] if c[22] < 240 else ""
            append('{"type":"indicator","spec_version":"2.1","id":"%s","created_by_ref":"%s",'
                   '"created":"%s","modified":"%s","name":"%s","description":"%s",'
                   '"indicator_types":%s,"pattern":"%s","pattern_type":"stix","pattern_version":"2.1",'
                   '"valid_from":"%s"%s%s%s}'
                   % (oid, PRODUCERS[c[23] & 3], created, modified, name, desc, TYPES_FOR[kind],
                      pattern, created, valid_until, extra, marking))
        if done:
            write(",\n")
        write(",\n".join(objs))
        done += k
    write("\n]}\n")


def uuid4(hex32):
    u = hex32
    return "%s-%s-4%s-%s%s-%s" % (u[:8], u[8:12], u[13:16], "89ab"[int(u[16], 16) & 3], u[17:20], u[20:32])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--count", type=int, default=1_000_000, help="indicators to write")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("-o", "--out", required=True, help="output file (- for stdout)")
    a = ap.parse_args()
    t = time.perf_counter()
    if a.out == "-":
        generate(a.count, a.seed, sys.stdout)
    else:
        with open(a.out, "w", encoding="ascii", buffering=1 << 20) as f:
            generate(a.count, a.seed, f)
    print("wrote %d indicators to %s in %.1f s" % (a.count, a.out, time.perf_counter() - t),
          file=sys.stderr)


if __name__ == "__main__":
    main()
