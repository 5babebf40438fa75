#!/usr/bin/env python3
"""The peer of the latency benchmark: the same lookups done the way a user of the
OASIS `stix2` Python library does them, in one process, on the same bundle.

    .venv/bin/python bench/peer_stix2.py BUNDLE.json [--runs 20] [--slow-runs 3]

Loads a `stix2.MemoryStore` from the bundle (timed once: `load_s`), then times
each query `--runs` times (the graph walk, which takes seconds, `--slow-runs`
times) and prints one JSON object on stdout:

  {"python": ..., "stix2": ..., "load_s": ..., "objects": ...,
   "queries": {NAME: {"runs": [seconds...], "min": s, "median": s, "result": ...}}}

Queries (NAME):
  get_G0022           store.query([Filter('external_references.external_id', '=', 'G0022')])
  search_spearphishing   attack-patterns whose name or description contains
                      'spearphishing' (case-insensitive), first 10
  search_credential_dumping  objects (not relationships) whose name, aliases, external
                      ids or description contain both words, first 20
  search_APT29        the same for 'APT29'
  neighbors_G0022_d1  store.related_to(G0022) -- every relationship, depth 1
  neighbors_G0022_d2_uses  breadth-first walk, depth 2, over store.relationships(id,
                      relationship_type='uses') for each node of the frontier, then
                      store.get() of each node reached (what the library's API offers)
  neighbors_G0022_d2_uses_adjacency  the same walk over an adjacency map the user
                      builds first from one query of every 'uses' relationship
                      (hand-rolled; shown for fairness, not the library's API)
"""
import argparse
import json
import statistics
import sys
import time

import stix2
from stix2 import Filter, MemoryStore


def timed(fn, runs):
    out, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - t)
    return out, result


def text_of(o):
    ext = " ".join(r.get("external_id", "") for r in o.get("external_references", []))
    return " ".join([o.get("name", ""), " ".join(o.get("aliases", [])), ext,
                     o.get("description", "")]).lower()


def search(store, text, types=(), limit=20):
    words = text.lower().split()
    filters = [Filter("type", "in", list(types))] if types else [Filter("type", "!=", "relationship")]
    hits = []
    for o in store.query(filters):
        if o.get("revoked") or o.get("x_mitre_deprecated"):
            continue
        t = text_of(o)
        if all(w in t for w in words):
            hits.append(o)
            if len(hits) == limit:
                break
    return hits


def in_force(r):
    return not (r.get("revoked") or r.get("x_mitre_deprecated"))


def walk(store, start, depth, neighbours):
    """Breadth-first from `start`; `neighbours(node)` yields (other end, relationship id)."""
    seen = {start.id: 0}
    frontier = [start.id]
    edges = set()
    for d in range(1, depth + 1):
        nxt = []
        for node in frontier:
            for other, rid in neighbours(node):
                edges.add(rid)
                if other not in seen:
                    seen[other] = d
                    nxt.append(other)
        frontier = nxt
    nodes = [store.get(i) for i in seen]
    return nodes, edges


def walk_api(store, start, depth, rel):
    """The walk as a stix2 user writes it: `relationships()` for every node."""
    def neighbours(node):
        for r in store.relationships(node, relationship_type=rel):
            if in_force(r):
                yield (r.target_ref if r.source_ref == node else r.source_ref), r.id
    return walk(store, start, depth, neighbours)


def walk_adjacency(store, start, depth, rel):
    """The same walk over an adjacency map built by hand first (a stix2 user's optimisation)."""
    adj = {}
    for r in store.query([Filter("type", "=", "relationship"), Filter("relationship_type", "=", rel)]):
        if in_force(r):
            adj.setdefault(r.source_ref, []).append((r.target_ref, r.id))
            adj.setdefault(r.target_ref, []).append((r.source_ref, r.id))
    return walk(store, start, depth, lambda node: adj.get(node, ()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundle")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--slow-runs", type=int, default=3)
    a = ap.parse_args()

    t = time.perf_counter()
    store = MemoryStore(allow_custom=True)
    store.load_from_file(a.bundle)
    load_s = time.perf_counter() - t

    def get_g0022():
        return store.query([Filter("external_references.external_id", "=", "G0022")])

    g = get_g0022()[0]
    queries = {
        "get_G0022": (get_g0022, a.runs, lambda r: [o.name for o in r]),
        "search_spearphishing": (lambda: search(store, "spearphishing", ["attack-pattern"], 10), a.runs,
                                 lambda r: len(r)),
        "search_credential_dumping": (lambda: search(store, "credential dumping"), a.runs, lambda r: len(r)),
        "search_APT29": (lambda: search(store, "APT29"), a.runs, lambda r: len(r)),
        "neighbors_G0022_d1": (lambda: store.related_to(g), a.slow_runs, lambda r: len(r)),
        "neighbors_G0022_d2_uses": (lambda: walk_api(store, g, 2, "uses"), a.slow_runs,
                                    lambda r: {"nodes": len(r[0]), "edges": len(r[1])}),
        "neighbors_G0022_d2_uses_adjacency": (lambda: walk_adjacency(store, g, 2, "uses"), a.slow_runs,
                                              lambda r: {"nodes": len(r[0]), "edges": len(r[1])}),
    }
    out = {
        "python": sys.version.split()[0],
        "stix2": stix2.__version__,
        "load_s": load_s,
        "objects": len(store.query([])),
        "queries": {},
    }
    for name, (fn, runs, show) in queries.items():
        runs_s, result = timed(fn, runs)
        out["queries"][name] = {"runs": runs_s, "min": min(runs_s), "median": statistics.median(runs_s),
                                "result": show(result)}
        print("  stix2 %-36s median %9.2f ms  (%s)" % (name, statistics.median(runs_s) * 1e3, show(result)),
              file=sys.stderr)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
