#!/usr/bin/env python3
"""The OASIS stix2-matcher as the peer of bench/pattern/run.py (runs under the
repo's .venv/bin/python, which has it from bench/pattern/requirements.txt).

    peer_oasis.py INDICATORS.json OBSERVATIONS.jsonl [--seconds S] [--limit N] [--hits FILE]

The way gen_workload.py computes its truth and the way a user would run the
library over a stream: compile every indicator's pattern once
(`Pattern(p, stix_version='2.1')`), then for each observation (one line: a
bundle of one observed-data and its SCOs) call `match([bundle])` on every
pattern. Stops after --limit observations or once --seconds have passed
(checked after each observation). The time covers json.loads of each line and
the matching; compiling the patterns is timed separately; interpreter start-up
and imports are not timed. Prints one JSON object on stdout.
"""
import argparse
import json
import sys
import time

from stix2matcher.matcher import Pattern


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("indicators")
    ap.add_argument("observations")
    ap.add_argument("--seconds", type=float, default=float("inf"))
    ap.add_argument("--limit", type=int, default=sys.maxsize)
    ap.add_argument("--hits")
    a = ap.parse_args()

    with open(a.indicators) as f:
        objs = json.load(f)["objects"]
    t = time.perf_counter()
    pats, refused = [], {}
    for o in objs:
        if o.get("type") != "indicator":
            continue
        try:
            pats.append((o["id"], Pattern(o["pattern"], stix_version="2.1")))
        except Exception as e:  # counted, never hidden
            k = type(e).__name__
            refused[k] = refused.get(k, 0) + 1
    compile_s = time.perf_counter() - t

    hits, errors, done = [], {}, 0
    start = time.perf_counter()
    with open(a.observations) as f:
        for line in f:
            if done >= a.limit or time.perf_counter() - start >= a.seconds:
                break
            if not line.strip():
                continue
            done += 1
            bundle = json.loads(line)
            oid = next(o["id"] for o in bundle["objects"] if o["type"] == "observed-data")
            for iid, p in pats:
                try:
                    if p.match([bundle]):
                        hits.append((iid, oid))
                except Exception as e:
                    k = "%s: %s" % (type(e).__name__, str(e)[:60])
                    errors[k] = errors.get(k, 0) + 1
    secs = time.perf_counter() - start

    if a.hits:
        with open(a.hits, "w") as f:
            for iid, oid in hits:
                f.write(json.dumps({"indicator": iid, "observation": oid}) + "\n")
    import importlib.metadata as md
    print(json.dumps({"stix2_matcher": md.version("stix2-matcher"), "python": sys.version.split()[0],
                      "patterns": len(pats), "patterns_refused": refused, "compile_seconds": compile_s,
                      "observations": done, "seconds": secs,
                      "observations_per_second": done / secs if secs > 0 else 0.0,
                      "evaluation_errors": errors, "hits": len(hits)}))


if __name__ == "__main__":
    main()
