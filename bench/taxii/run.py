#!/usr/bin/env python3
"""TAXII 2.1 servers side by side: Vigil vs the OASIS reference server medallion (issue 4).

Both servers run on loopback with HTTP Basic auth, and are measured the same way:

- `wrk` at 64 connections (2 threads), one run per figure:
    by id   GET objects/{id}/ with ids drawn at random from the collection (byid.lua)
    pages   GET objects/?limit=100 following `next` to the end of the collection, about
            one walk per connection, each token used once (pages.lua, mode walk)
    first   GET objects/?limit=100, always the first page (pages.lua, mode first)
  requests/s and the 50th/99th percentile latency wrk reports;
- posting: one client posts 10,000-object envelopes one after the other; objects/s is
  objects over the time from sending a post to its status being `complete`.

medallion (memory backend, its own Flask server) holds 1,000 objects; its posting is
measured on a second, empty collection. Vigil is measured at 1,000 objects (a new
store), then the same store receives 1,000,000 objects in another collection, posted
through TAXII in 10,000-object envelopes (the posting figure), and is measured again.
Vigil only: `deep`, pages walked from random `next` tokens anywhere in the million.

Input: the first objects of `bench/out/indicators-1000000-s42.json` (bench/gen_indicators.py,
generated if missing): STIX 2.1 indicators, most with a TLP 1.0 marking; the
benchmark user is cleared for TLP:RED (and medallion has no markings), so every
object is visible on both sides.

Usage: .venv/bin/python bench/taxii/run.py [--count 1000000] [--duration 10]
       [--medallion-duration 30] [--perf] [--vigil PATH]
Results: printed, and bench/out/results/taxii.json. Temporary data: bench/out/taxii/.
"""

import argparse
import base64
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "taxii"
HERE = Path(__file__).resolve().parent
INPUT = ROOT / "bench" / "out" / "indicators-1000000-s42.json"
TAXII = "application/taxii+json;version=2.1"
USER, PASSWORD = "bench", "bench-password-1"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SMALL = "0b5e1c7a-0000-4000-8000-000000001000"  # 1,000 objects
BIG = "0b5e1c7a-0000-4000-8000-000000100000"  # 1,000,000 objects
POSTS = "0b5e1c7a-0000-4000-8000-00000000beef"  # medallion: posting
ENVELOPE = 10_000
CONNECTIONS = 64

# Issue 4's targets for Vigil at 1,000,000 objects on the 2-core machine.
TARGETS = {
    "byid_rps": 5000, "byid_p99_ms": 10,
    "pages_rps": 500, "pages_p99_ms": 50,
    "first_page_slowdown": 2.0,
    "post_objects_per_s": 50_000,
}


def log(msg):
    print(msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def objects(n):
    """The first n objects of the generated bundle, as bytes (one per line there)."""
    if not INPUT.exists():
        log(f"== generating {INPUT.name} (bench/gen_indicators.py, ~10 s)")
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_indicators.py"), "-n", "1000000",
                        "--seed", "42", "-o", str(INPUT)], check=True)
    with open(INPUT, "rb") as f:
        f.readline()  # {"type":"bundle",...,"objects":[
        for _ in range(n):
            line = f.readline().rstrip(b"\n")
            if line.endswith(b","):
                line = line[:-1]
            if not line.startswith(b"{"):
                raise SystemExit(f"{INPUT} has fewer than {n} objects")
            yield line


def object_id(line):
    i = line.index(b'"id":"') + 6
    return line[i:line.index(b'"', i)].decode()


def envelope(lines):
    return b'{"objects":[' + b",".join(lines) + b"]}"


class Http:
    """One keep-alive connection to a server, with Basic auth."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method, path, body=None, content_type=None):
        headers = {"Accept": TAXII, "Authorization": AUTH}
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (ConnectionError, http.client.HTTPException):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def post_envelope(self, api_root, coll, body):
        """Posts and waits until the status is complete; seconds taken and the final status."""
        t0 = time.perf_counter()
        code, text = self.request("POST", f"{api_root}collections/{coll}/objects/", body, TAXII)
        if code != 202:
            raise SystemExit(f"POST {coll}: {code} {text[:500]!r}")
        st = json.loads(text)
        while st.get("status") != "complete":
            time.sleep(0.05)
            code, text = self.request("GET", f"{api_root}status/{st['id']}/")
            st = json.loads(text)
        return time.perf_counter() - t0, st


def wait_up(url_path, port, proc, what, timeout=120):
    deadline = time.time() + timeout
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", url_path, headers={"Accept": TAXII, "Authorization": AUTH})
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise SystemExit(f"{what} did not start")
        time.sleep(0.1)


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def settle(pid, limit=600):
    """Waits until the server is idle (under 5% of a core for a second): requests a wrk run
    left behind are still being served after wrk stops, and would weigh on the next run."""
    hz = os.sysconf("SC_CLK_TCK")
    t0 = time.time()
    while time.time() - t0 < limit:
        a = cpu_ticks(pid)
        time.sleep(1)
        if (cpu_ticks(pid) - a) / hz < 0.05:
            return time.time() - t0
    log(f"   (the server was still busy after {limit} s)")
    return time.time() - t0


SERVER_PID = [None]


def wrk(port, script, args, duration, timeout, connections=CONNECTIONS):
    """One wrk run; its figures (requests/s, latency percentiles in ms, errors) and the load before."""
    if SERVER_PID[0]:
        settle(SERVER_PID[0])
    before = load()
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}s",
           "-s", str(HERE / script), f"http://127.0.0.1:{port}/", "--", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + timeout + 120)
    line = next((x for x in r.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if r.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({r.returncode}): {r.stdout}\n{r.stderr}")
    j = json.loads(line[len("WRK_JSON "):])
    secs = j["duration_us"] / 1e6
    ok = j["requests"] - j["non2xx"]
    return {
        "rps": ok / secs, "requests": j["requests"], "p50_ms": j["p50_us"] / 1000,
        "p90_ms": j["p90_us"] / 1000, "p99_ms": j["p99_us"] / 1000, "max_ms": j["max_us"] / 1000,
        "non2xx": j["non2xx"], "timeouts": j["timeouts"],
        "errors": j["connect_errors"] + j["read_errors"], "seconds": secs, "load_before": before,
        "connections": connections,
    }


def show(name, m):
    if m["connections"] != CONNECTIONS:
        name += f" (c{m['connections']})"
    log(f"   {name:<28} {m['rps']:>10,.1f} req/s   p50 {m['p50_ms']:>9.2f} ms   p99 {m['p99_ms']:>9.2f} ms"
        f"   ({m['requests']} requests, {m['non2xx']} non-2xx, {m['timeouts']} timeouts; load {m['load_before']})")


def measure_reads(port, api_root, coll, ids, duration, timeout, tag, max_seq=None, reset=None):
    ids_file = OUT / f"ids-{tag}.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    objs = f"{api_root}collections/{coll}/objects/"
    res = {}

    def run(key, name, script, args):
        if reset:
            reset()
        m = wrk(port, script, args, duration, timeout)
        show(name, m)
        if m["requests"] == m["non2xx"]:
            # Nothing answered within the run at 64 connections (medallion's pages): say so,
            # and measure one connection, so there is a figure at all.
            res[key + "_c64"] = m
            if reset:
                reset()
            m = wrk(port, script, args, duration, timeout, connections=1)
            show(name, m)
        res[key] = m

    run("byid", "GET objects/{id}", "byid.lua", [str(ids_file), objs, AUTH])
    run("pages", "GET objects?limit=100 +next", "pages.lua", [objs + "?limit=100", AUTH, "walk"])
    run("first", "GET objects?limit=100 (first)", "pages.lua", [objs + "?limit=100", AUTH, "first"])
    if max_seq:
        res["deep"] = wrk(port, "pages.lua", [objs + "?limit=100", AUTH, "random", str(max_seq)],
                          duration, timeout)
        show("pages from random next", res["deep"])
    return res


def perf_profile(pid, port, api_root, coll, ids_tag, tag):
    """perf record of the server during one more by-id and one more pages run (not the measured ones)."""
    objs = f"{api_root}collections/{coll}/objects/"
    out = {}
    for kind, script, args in [("byid", "byid.lua", [str(OUT / f"ids-{ids_tag}.txt"), objs, AUTH]),
                               ("pages", "pages.lua", [objs + "?limit=100", AUTH, "walk"])]:
        data = OUT / f"perf-{tag}-{kind}.data"
        settle(pid)
        rec = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(pid), "-o", str(data)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        wrk(port, script, args, 8, 10)
        rec.send_signal(2)
        rec.wait(timeout=60)
        rep = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children",
                              "--sort", "symbol", "--percent-limit", "1"],
                             capture_output=True, text=True)
        text = "\n".join(x for x in rep.stdout.splitlines() if x.strip() and not x.startswith("#")
                         and "%" in x and "--" not in x)
        (OUT / f"perf-{tag}-{kind}.txt").write_text(rep.stdout)
        out[kind] = text.splitlines()[:25]
        log(f"   perf ({kind}), self time by symbol, top:")
        for x in out[kind][:12]:
            log("     " + x.strip())
    return out


# --- medallion -------------------------------------------------------------------------------------


def run_medallion(py, n_read, duration, timeout):
    port = free_port()
    d = OUT / "medallion"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    api_root = "/api1/"
    data = {
        "/discovery": {"title": "medallion (bench)", "default": f"http://127.0.0.1:{port}{api_root}",
                       "api_roots": [f"http://127.0.0.1:{port}{api_root}"]},
        "api1": {
            "information": {"title": "api1", "versions": [TAXII], "max_content_length": 200_000_000},
            "status": [],
            "collections": [
                {"id": c, "title": t, "can_read": True, "can_write": True,
                 "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}
                for c, t in [(SMALL, "read"), (POSTS, "posts")]
            ],
        },
    }
    (d / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": str(d / "data.json"), "session_timeout": 600},
        "users": {USER: PASSWORD},
        "taxii": {"max_page_size": 100},
    }
    (d / "config.json").write_text(json.dumps(config))
    lines = list(objects(n_read + ENVELOPE))
    logf = open(d / "medallion.log", "w")
    state = {"proc": None}

    def start():
        """A new medallion holding the n_read objects: after a wrk run it keeps serving what wrk
        left queued (minutes, for pages), so every run gets a fresh one instead."""
        stop(state["proc"])
        proc = state["proc"] = subprocess.Popen(
            [py, "-m", "medallion.scripts.run", "--host", "127.0.0.1", "--port", str(port),
             str(d / "config.json")], stdout=logf, stderr=subprocess.STDOUT)
        SERVER_PID[0] = proc.pid
        wait_up(api_root, port, proc, "medallion")
        secs, st = Http(port).post_envelope(api_root, SMALL, envelope(lines[:n_read]))
        assert st["success_count"] == n_read, st
        return secs

    res = {}
    try:
        secs = start()
        log(f"== medallion {_version('medallion')}: {n_read:,} objects loaded ({n_read / secs:,.0f} objects/s)")
        res["load_1000_objects_per_s"] = n_read / secs
        res["reads"] = measure_reads(port, api_root, SMALL, [object_id(x) for x in lines[:n_read]],
                                     duration, timeout, "medallion", reset=start)
        start()
        body = envelope(lines[n_read:])
        before = load()
        secs, st = Http(port).post_envelope(api_root, POSTS, body)
        assert st["success_count"] == ENVELOPE, {k: st[k] for k in st if k.endswith("count")}
        res["post"] = {"objects_per_s": ENVELOPE / secs, "seconds": secs, "envelopes": 1, "load_before": before}
        log(f"   POST one {ENVELOPE:,}-object envelope    {ENVELOPE / secs:>10,.0f} objects/s ({secs:.2f} s; load {before})")
    finally:
        stop(state["proc"])
        SERVER_PID[0] = None
        logf.close()
    return res


def _version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:  # noqa: BLE001 - only for the report
        return "?"


# --- Vigil ------------------------------------------------------------------------------------------


def vigil_cli(vigil, data, *args, stdin=None):
    r = subprocess.run([str(vigil), "--data", str(data), *args], input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"vigil {' '.join(args)}: {r.stderr}")
    return r.stdout


def run_vigil(vigil, n_small, n_big, duration, timeout, perf):
    port = free_port()
    data = OUT / "vigil-data"
    shutil.rmtree(data, ignore_errors=True)
    api_root = "/taxii2/api/"
    vigil_cli(vigil, data, "init", "--no-attack")
    vigil_cli(vigil, data, "group", "add", "bench")
    vigil_cli(vigil, data, "collection", "add", "small", "--id", SMALL, "--read", "bench", "--write", "bench")
    vigil_cli(vigil, data, "collection", "add", "big", "--id", BIG, "--read", "bench", "--write", "bench")
    vigil_cli(vigil, data, "user", "add", USER, "--password-stdin", "--group", "bench",
              "--clearance", "TLP:RED", stdin=PASSWORD + "\n")
    logf = open(OUT / "vigil-serve.log", "w")
    proc = subprocess.Popen([str(vigil), "--data", str(data), "serve", "--listen", f"127.0.0.1:{port}",
                             "--no-attack"], stdout=logf, stderr=subprocess.STDOUT)
    SERVER_PID[0] = proc.pid
    res = {}
    try:
        wait_up(api_root, port, proc, "vigil serve")
        h = Http(port)
        small = list(objects(n_small))
        secs, st = h.post_envelope(api_root, SMALL, envelope(small))
        assert st["success_count"] == n_small, {k: st[k] for k in st if k.endswith("count")}
        log(f"== Vigil: {n_small:,} objects loaded ({n_small / secs:,.0f} objects/s)")
        res["small"] = measure_reads(port, api_root, SMALL, [object_id(x) for x in small], duration, timeout,
                                     "vigil-small")

        log(f"== Vigil: posting {n_big:,} objects in {ENVELOPE:,}-object envelopes")
        times, ids, batch = [], [], []
        rng = random.Random(7)
        settle(proc.pid)
        loads = [load()]
        wall0 = time.perf_counter()

        def post(batch):
            secs, st = h.post_envelope(api_root, BIG, envelope(batch))
            if st["success_count"] != len(batch):
                raise SystemExit(f"post: {st['failure_count']} failures, e.g. {st['failures'][:3]}")
            times.append(secs)
            k = len(times)
            if k == 1 or k % 10 == 0:
                log(f"   envelope {k:>4}: {len(batch) / secs:>9,.0f} objects/s"
                    f"   ({k * ENVELOPE:,} objects, load {load()})")
                loads.append(load())

        for line in objects(n_big):
            batch.append(line)
            if rng.random() < 100_000 / n_big:
                ids.append(object_id(line))
            if len(batch) == ENVELOPE:
                post(batch)
                batch = []
        if batch:
            post(batch)
        wall = time.perf_counter() - wall0
        post_secs = sum(times)
        res["post"] = {
            "objects": n_big, "envelopes": len(times), "objects_per_s": n_big / post_secs,
            "seconds_posting": post_secs, "seconds_wall_with_client": wall,
            "first_10_objects_per_s": 10 * ENVELOPE / sum(times[:10]),
            "last_10_objects_per_s": 10 * ENVELOPE / sum(times[-10:]),
            "slowest_envelope_s": max(times), "loads": loads,
        }
        p = res["post"]
        log(f"   POST {n_big:,} objects: {p['objects_per_s']:,.0f} objects/s over {post_secs:.1f} s of posting"
            f" (first 10 envelopes {p['first_10_objects_per_s']:,.0f}/s, last 10 {p['last_10_objects_per_s']:,.0f}/s;"
            f" wall {wall:.1f} s with the client's reading)")
        # the biggest page cursor: seq is the entry's rowid, and the big collection came last
        max_seq = n_small + n_big
        log(f"== Vigil: {n_big:,} objects in the collection")
        res["big"] = measure_reads(port, api_root, BIG, ids, duration, timeout, "vigil-big", max_seq=max_seq)
        du = subprocess.run(["du", "-sm", str(data)], capture_output=True, text=True).stdout.split()[0]
        res["data_dir_mb"] = int(du)
        if perf:
            res["perf"] = perf_profile(proc.pid, port, api_root, BIG, "vigil-big", "vigil-big")
    finally:
        stop(proc)
        SERVER_PID[0] = None
        logf.close()
    return res


def summary(m, v, n_big):
    log("")
    log(f"== TAXII 2.1, {CONNECTIONS} connections (wrk -t2): Vigil / medallion ({n_big:,} objects in Vigil's big collection)")
    rows = [("GET objects/{id}", "byid"), ("GET objects?limit=100 +next", "pages"),
            ("GET first page (limit=100)", "first")]
    mr, vs, vb = m["reads"], v["small"], v["big"]
    log(f"   {'':<30}{'medallion@1k':>16}{'Vigil@1k':>14}{'Vigil@' + _short(n_big):>14}{'ratio@1k':>11}{'ratio@' + _short(n_big):>11}")
    def ratio(a, b):
        return f"{a / b:>10,.0f}x" if b else f"{'-':>11}"

    for name, k in rows:
        c = "" if mr[k]["connections"] == CONNECTIONS else f" (c{mr[k]['connections']})"
        log(f"   {name + ' req/s':<30}{mr[k]['rps']:>11,.1f}{c:>5}{vs[k]['rps']:>14,.0f}{vb[k]['rps']:>14,.0f}"
            f"{ratio(vs[k]['rps'], mr[k]['rps'])}{ratio(vb[k]['rps'], mr[k]['rps'])}")
        log(f"   {'   p99 ms':<30}{mr[k]['p99_ms']:>11,.1f}{c:>5}{vs[k]['p99_ms']:>14,.2f}{vb[k]['p99_ms']:>14,.2f}"
            f"{ratio(mr[k]['p99_ms'], vs[k]['p99_ms'])}{ratio(mr[k]['p99_ms'], vb[k]['p99_ms'])}"
            "  (medallion/Vigil)")
    log("   (c1: nothing completed within the run at 64 connections; the figure is one connection's)")
    mp, vp = m["post"]["objects_per_s"], v["post"]["objects_per_s"]
    log(f"   {'POST objects/s':<30}{mp:>16,.0f}{'':>14}{vp:>14,.0f}{'':>11}{vp / mp:>10,.1f}x")
    log("")
    log(f"== issue 4 targets for Vigil at {_short(n_big)} objects")
    first_slow = vb["first"]["p99_ms"] / max(vs["first"]["p99_ms"], 1e-9)
    first_rps = vs["first"]["rps"] / max(vb["first"]["rps"], 1e-9)
    checks = [
        (f"by id >= {TARGETS['byid_rps']:,} req/s", vb["byid"]["rps"] >= TARGETS["byid_rps"],
         f"{vb['byid']['rps']:,.0f} req/s"),
        (f"by id p99 < {TARGETS['byid_p99_ms']} ms", vb["byid"]["p99_ms"] < TARGETS["byid_p99_ms"],
         f"{vb['byid']['p99_ms']:.2f} ms"),
        (f"pages >= {TARGETS['pages_rps']} req/s", vb["pages"]["rps"] >= TARGETS["pages_rps"],
         f"{vb['pages']['rps']:,.0f} req/s"),
        (f"pages p99 < {TARGETS['pages_p99_ms']} ms", vb["pages"]["p99_ms"] < TARGETS["pages_p99_ms"],
         f"{vb['pages']['p99_ms']:.2f} ms"),
        ("first page at 1M within 2x of 1k", max(first_slow, first_rps) <= TARGETS["first_page_slowdown"],
         f"req/s 1k/1M {first_rps:.2f}x, p99 1M/1k {first_slow:.2f}x"),
        (f"posting >= {TARGETS['post_objects_per_s']:,} objects/s", vp >= TARGETS["post_objects_per_s"],
         f"{vp:,.0f} objects/s"),
    ]
    for name, ok, got in checks:
        log(f"   {'met   ' if ok else 'MISSED'} {name:<38} {got}")
    return [{"target": n, "met": ok, "got": g} for n, ok, g in checks]


def _short(n):
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1_000_000, help="objects in Vigil's big collection")
    ap.add_argument("--small", type=int, default=1000, help="objects in the small collections")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run against Vigil")
    ap.add_argument("--medallion-duration", type=int, default=30, help="seconds per wrk run against medallion")
    ap.add_argument("--perf", action="store_true", help="also profile Vigil at the big size with perf")
    ap.add_argument("--vigil", default=str(ROOT / "target" / "release" / "vigil"))
    ap.add_argument("--skip-medallion", action="store_true")
    a = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    # One copy of the binary for the whole run (others may rebuild target/ meanwhile).
    vigil = OUT / "vigil"
    shutil.copy2(a.vigil, vigil)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "crates"], cwd=ROOT).returncode != 0
    log(f"== {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, {commit}"
        f"{' + uncommitted changes in crates/' if dirty else ''}, load {load()}")
    results = {"commit": commit, "dirty": dirty, "cores": os.cpu_count(), "connections": CONNECTIONS,
               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if not a.skip_medallion:
        results["medallion"] = run_medallion(sys.executable, a.small, a.medallion_duration,
                                             max(60, a.medallion_duration * 2))
    results["vigil"] = run_vigil(vigil, a.small, a.count, a.duration, 10, a.perf)
    if "medallion" in results:
        results["targets"] = summary(results["medallion"], results["vigil"], a.count)
    res_dir = ROOT / "bench" / "out" / "results"
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / "taxii.json").write_text(json.dumps(results, indent=1))
    log(f"   (all figures: {res_dir / 'taxii.json'})")


if __name__ == "__main__":
    main()
