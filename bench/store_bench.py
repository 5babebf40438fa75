#!/usr/bin/env python3
"""Benchmarks of the Vigil knowledge store (issue 2), each side by side with its
peer in the same run. Standard library only; bench/run.sh builds and calls it.

    python3 bench/store_bench.py attack   [--reps 7]
    python3 bench/store_bench.py million  [--count 1000000] [--seed 42]
    python3 bench/store_bench.py latency  [--runs 50]
    python3 bench/store_bench.py criterion        (reads criterion's estimates)
    python3 bench/store_bench.py summary          (the table of every part run)

Each part prints its measurements and writes bench/out/results/<part>.json: rows
of (figure, Vigil, peer, ratio, bound, verdict) that `summary` prints as one table.
Temporary data (decompressed bundles, data directories) goes under bench/out/.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
RESULTS = os.path.join(OUT, "results")
TMP = os.path.join(OUT, "tmp")
VIGIL = os.path.join(ROOT, "target", "release", "vigil")
ATTACK_ZST = os.path.join(ROOT, "assets", "attack", "enterprise-attack-18.1.json.zst")
ATTACK_JSON = os.path.join(OUT, "enterprise-attack-18.1.json")
VENV_PY = os.path.join(ROOT, ".venv", "bin", "python")

# json.load of one file, timed inside the interpreter (no start-up, no import).
PY_JSON_LOAD = ("import json, sys, time\n"
                "f = sys.argv[1]\n"
                "c, t = time.process_time(), time.perf_counter()\n"
                "d = json.load(open(f))\n"
                "e, c = time.perf_counter() - t, time.process_time() - c\n"
                "n = len(d['objects']) if isinstance(d, dict) and 'objects' in d else len(d)\n"
                "print(e, n, c)\n")


def log(msg=""):
    print(msg, flush=True)


def die(msg):
    print("store_bench: " + msg, file=sys.stderr)
    sys.exit(2)


def need_vigil():
    if not os.access(VIGIL, os.X_OK):
        die("%s is missing; run `cargo build --release` (bench/run.sh does)" % VIGIL)


def attack_json():
    """The uncompressed ATT&CK bundle, decompressed once with the zstd CLI."""
    if not os.path.exists(ATTACK_JSON) or os.path.getmtime(ATTACK_JSON) < os.path.getmtime(ATTACK_ZST):
        os.makedirs(OUT, exist_ok=True)
        if shutil.which("zstd") is None:
            die("the zstd command is needed to decompress %s" % ATTACK_ZST)
        subprocess.run(["zstd", "-d", "-q", "-f", ATTACK_ZST, "-o", ATTACK_JSON], check=True)
    return ATTACK_JSON


def warm(path):
    """Reads a file once so both sides find it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def fresh_dir(name):
    d = os.path.join(TMP, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(TMP, exist_ok=True)
    return d


def run_timed(argv, **kw):
    """Runs argv; (wall seconds, the process). p.cpu: its user + system CPU seconds."""
    import resource
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    e = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p.cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if p.returncode != 0:
        die("%s exited %d:\n%s%s" % (" ".join(argv), p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
    return e, p


def time_f(argv):
    """Runs argv under /usr/bin/time: (wall seconds, peak RSS in KB, the process)."""
    p = subprocess.run(["/usr/bin/time", "-f", "@@time %e %M"] + argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        die("%s exited %d:\n%s" % (" ".join(argv), p.returncode, p.stderr[-2000:]))
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("@@time ")][-1]
    _, wall, kb = line.split()
    return float(wall), int(kb), p


def python_info(py):
    return subprocess.run([py, "-c", "import sys, platform; print(platform.python_implementation(), "
                                     "sys.version.split()[0])"],
                          stdout=subprocess.PIPE, text=True, check=True).stdout.strip()


def pct(xs, p):
    """The p-th percentile (nearest rank) of xs."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


LOAD_BEFORE = [None]


def loadavg(when):
    """Logs the 1-minute load average: other work on the 2 cores skews every figure."""
    la = os.getloadavg()[0]
    LOAD_BEFORE[0] = la
    log("   load average %s: %.2f%s" % (when, la, "  (busy machine: figures are noisy)" if la > 0.7 else ""))
    return la


def save(part, rows, extra):
    os.makedirs(RESULTS, exist_ok=True)
    extra["loadavg_before"] = LOAD_BEFORE[0]
    doc = {"part": part, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "rows": rows, "details": extra}
    with open(os.path.join(RESULTS, part + ".json"), "w") as f:
        json.dump(doc, f, indent=1)


def fmt_ratio(r):
    """0.42, or 1/310 for a ratio far below 1 (the peer takes 310 times as long)."""
    if r is None:
        return "-"
    if r >= 0.1:
        return "%.2f" % r
    return "1/%d" % float("%.2g" % (1 / r))


def row(figure, vigil, peer, ratio, bound, ok):
    return {"figure": figure, "vigil": vigil, "peer": peer,
            "ratio": fmt_ratio(ratio), "ratio_value": ratio, "bound": bound,
            "verdict": "info" if ok is None else ("PASS" if ok else "FAIL")}


# 1. ATT&CK import vs CPython json.load -------------------------------------------------
def part_attack(a):
    need_vigil()
    f = attack_json()
    py = a.python
    pyname = python_info(py)
    log("== 1. Import Enterprise ATT&CK vs %s json.load (%s, %.1f MB)" % (pyname, os.path.relpath(f, ROOT),
                                                                          os.path.getsize(f) / 1e6))
    if not pyname.startswith("CPython 3.11"):
        log("   note: the bound is stated against CPython 3.11; this is %s" % pyname)
    warm(f)
    loadavg("before")
    vig, pyt, vcpu, pcpu = [], [], [], []
    n_obj = None

    def one_vigil(i):
        d = fresh_dir("attack-import-%s" % i)
        e, p = run_timed([VIGIL, "--data", d, "import", "-q", f])
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)
        vcpu.append(p.cpu)
        return e

    def one_python():
        _, p = run_timed([py, "-c", PY_JSON_LOAD, f])
        e, n, c = p.stdout.split()
        pcpu.append(float(c))
        return float(e), int(n)

    one_vigil("warmup")  # untimed: page cache, binary and interpreter loaded once
    one_python()
    for i in range(a.reps):
        vig.append(one_vigil(i))
        e, n_obj = one_python()
        pyt.append(e)
        log("   rep %d/%d: vigil import %.3f s (CPU %.3f s)   json.load %.3f s (CPU %.3f s)"
            % (i + 1, a.reps, vig[-1], vcpu[-1], pyt[-1], pcpu[-1]))
    vmin, vmed, pmin, pmed = min(vig), statistics.median(vig), min(pyt), statistics.median(pyt)
    ratio, ratio_med = vmin / pmin, vmed / pmed
    ok = ratio <= 2.0
    log("   %-42s min %.3f s, median %.3f s" % ("vigil import (whole process, new data dir):", vmin, vmed))
    log("   %-42s min %.3f s, median %.3f s" % (pyname + " json.load (in-process):", pmin, pmed))
    log("   ratio (best of %d): %.2f  (medians: %.2f)  bound <= 2.0: %s"
        % (a.reps, ratio, ratio_med, "PASS" if ok else "FAIL"))
    # Vigil parses on one thread and writes on another: its wall time needs both cores.
    log("   CPU time (user + sys), min: vigil %.3f s (whole process, 2 threads), json.load %.3f s: %.2fx"
        % (min(vcpu[1:]), min(pcpu[1:]), min(vcpu[1:]) / min(pcpu[1:])))
    rows = [row("ATT&CK import, best of %d (%d objects)" % (a.reps, n_obj), "%.3f s" % vmin,
                "%.3f s json.load" % pmin, ratio, "<= 2.0x", ok),
            row("ATT&CK import, median of %d" % a.reps, "%.3f s" % vmed, "%.3f s json.load" % pmed,
                ratio_med, "-", None),
            row("ATT&CK import, CPU user+sys (min)", "%.3f s" % min(vcpu[1:]), "%.3f s json.load" % min(pcpu[1:]),
                min(vcpu[1:]) / min(pcpu[1:]), "-", None)]
    save("attack", rows, {"python": pyname, "vigil_s": vig, "json_load_s": pyt, "vigil_cpu_s": vcpu[1:],
                          "json_load_cpu_s": pcpu[1:], "objects": n_obj})


# 2. 1,000,000 indicators ---------------------------------------------------------------
def part_million(a):
    need_vigil()
    n = a.count
    f = os.path.join(OUT, "indicators-%d-s%d.json" % (n, a.seed))
    if not os.path.exists(f):
        log("== generating %d indicators (seed %d) ..." % (n, a.seed))
        t = time.perf_counter()
        tmp = f + ".part"
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_indicators.py"), "-n", str(n),
                        "--seed", str(a.seed), "-o", tmp], check=True)
        os.replace(tmp, f)
        log("   generated in %.1f s" % (time.perf_counter() - t))
    size = os.path.getsize(f)
    log("== 2. Import %d generated indicators (%s, %.0f MB) vs %s json.load"
        % (n, os.path.relpath(f, ROOT), size / 1e6, python_info(a.python)))
    warm(f)
    loadavg("before")

    d = fresh_dir("million-import")
    wall, kb, _ = time_f([VIGIL, "--data", d, "import", "-q", f])
    db_mb = sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d)) / 1e6
    if not a.keep:
        shutil.rmtree(d, ignore_errors=True)
    log("   vigil import -q:       %.1f s, %.0f objects/s, peak RSS %.0f MB (store %.0f MB)"
        % (wall, n / wall, kb * 1024 / 1e6, db_mb))

    d = fresh_dir("million-import-json")
    wall2, kb2, p = time_f([VIGIL, "--data", d, "--json", "import", "-q", f])
    shutil.rmtree(d, ignore_errors=True)
    rep = json.loads(p.stdout)
    added_ok = rep.get("added") == n and rep.get("invalid") == 0
    log("   vigil --json import:   %.1f s, %.0f objects/s, peak RSS %.0f MB; added %s, invalid %s, warnings %s: %s"
        % (wall2, n / wall2, kb2 * 1024 / 1e6, rep.get("added"), rep.get("invalid"), rep.get("warnings"),
           "added == %d OK" % n if added_ok else "WRONG (expected added == %d, invalid == 0)" % n))
    # Two runs of the same import on new data directories: the better one is the figure
    # (the 2 cores are shared; a neighbour's build only ever slows a run down).
    best = min(wall, wall2)
    rate, peak = n / best, max(kb, kb2) * 1024 / 1e6

    pwall, pkb, pp = time_f([a.python, "-c", PY_JSON_LOAD, f])
    pload, pn, _ = pp.stdout.split()
    pload, ppeak = float(pload), pkb * 1024 / 1e6
    log("   %s json.load:  %.1f s (process %.1f s), %.0f objects/s, peak RSS %.0f MB"
        % (python_info(a.python), pload, pwall, n / pload, ppeak))
    ok_rate, ok_mem = rate >= 100_000, peak < 500
    log("   objects/s >= 100000: %s   peak < 500 MB: %s   --json added == %d: %s"
        % ("PASS" if ok_rate else "FAIL", "PASS" if ok_mem else "FAIL", n, "PASS" if added_ok else "FAIL"))
    rows = [
        row("1M indicators import, objects/s (best of 2)", "%.0f/s (%.1f s)" % (rate, best),
            "%.0f/s json.load (%.1f s)" % (n / pload, pload), best / pload, ">= 100000/s", ok_rate),
        row("1M indicators import, peak RSS (max of 2)", "%.0f MB" % peak, "%.0f MB json.load" % ppeak,
            peak / ppeak, "< 500 MB", ok_mem),
        row("1M indicators --json: added == %d" % n, str(rep.get("added")), "-", None, "== %d" % n, added_ok),
    ]
    save("million", rows, {"file": f, "bytes": size, "vigil_wall_s": wall, "vigil_peak_kb": kb,
                           "store_mb": db_mb, "json_run_wall_s": wall2, "json_report": {
                               k: v for k, v in rep.items() if k != "inputs"},
                           "python_json_load_s": pload, "python_wall_s": pwall, "python_peak_kb": pkb})
    log("   (the generated file stays for the next run: %s; delete it to regenerate)" % os.path.relpath(f, ROOT))


# 3. Latency ------------------------------------------------------------------------------
LATENCY = [
    ("get G0022", ["get", "G0022"], "get_G0022"),
    ("search spearphishing --type attack-pattern --limit 10",
     ["search", "spearphishing", "--type", "attack-pattern", "--limit", "10"], "search_spearphishing"),
    ("neighbors G0022 --depth 2 --rel uses", ["neighbors", "G0022", "--depth", "2", "--rel", "uses"],
     "neighbors_G0022_d2_uses"),
]


def ensure_stix2():
    """The repo's venv with the OASIS stix2 library (created/installed only if missing)."""
    venv = os.path.join(ROOT, ".venv")
    if not os.access(VENV_PY, os.X_OK):
        log("   creating %s ..." % venv)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    if subprocess.run([VENV_PY, "-c", "import stix2"], stderr=subprocess.DEVNULL).returncode != 0:
        log("   installing stix2 into %s ..." % venv)
        subprocess.run([VENV_PY, "-m", "pip", "install", "-q", "stix2"], check=True)


def time_many(cmds, runs, warmup=3):
    """Whole-process wall times per command (seconds): hyperfine if installed, else a loop."""
    hf = shutil.which("hyperfine")
    times = {}
    if hf:
        for label, argv in cmds:
            js = os.path.join(TMP, "hyperfine.json")
            # hyperfine discards the command's output by default; -N: no shell in between.
            subprocess.run([hf, "-N", "--warmup", str(warmup), "--runs", str(runs), "--export-json", js,
                            " ".join(map(shlex_quote, argv))],
                           check=True, stdout=subprocess.DEVNULL)
            with open(js) as fh:
                times[label] = json.load(fh)["results"][0]["times"]
        return times, "hyperfine"
    for label, argv in cmds:
        for _ in range(warmup):
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[label] = []
    for _ in range(runs):  # interleaved, so drift hits every command alike
        for label, argv in cmds:
            t = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[label].append(time.perf_counter() - t)
    return times, "subprocess loop (perf_counter)"


def shlex_quote(s):
    import shlex
    return shlex.quote(s)


def attack_store():
    d = fresh_dir("attack-store")
    e, _ = run_timed([VIGIL, "--data", d, "init"])
    return d, e


def part_latency(a):
    need_vigil()
    f = attack_json()
    log("== 3. Whole-process latency on the ATT&CK store (%d runs each) vs OASIS stix2 MemoryStore" % a.runs)
    loadavg("before")
    d, init_s = attack_store()
    log("   vigil init (ATT&CK store built once): %.2f s" % init_s)
    cmds = [("vigil --version (process floor)", [VIGIL, "--version"])]
    cmds += [(label, [VIGIL, "--data", d] + argv) for label, argv, _ in LATENCY]
    times, how = time_many(cmds, a.runs)
    log("   timed with %s" % how)
    ensure_stix2()
    log("   running the stix2 peer (.venv/bin/python bench/peer_stix2.py) ...")
    p = subprocess.run([VENV_PY, os.path.join(ROOT, "bench", "peer_stix2.py"), f, "--runs", str(a.peer_runs),
                        "--slow-runs", str(a.peer_slow_runs)], stdout=subprocess.PIPE, text=True, check=True)
    peer = json.loads(p.stdout)
    with open(os.path.join(TMP, "peer_stix2.json"), "w") as fh:
        fh.write(p.stdout)
    rows = [row("ATT&CK load: vigil init / stix2 MemoryStore", "%.2f s" % init_s,
                "%.2f s" % peer["load_s"], init_s / peer["load_s"], "-", None)]
    floor = times.pop(cmds[0][0])
    log("   %-58s p50 %7.2f ms  p95 %7.2f ms" % (cmds[0][0], pct(floor, 50) * 1e3, pct(floor, 95) * 1e3))
    detail = {"how": how, "runs": a.runs, "floor_s": floor, "vigil_s": times, "peer": peer, "init_s": init_s}
    for label, _, key in LATENCY:
        ts = times[label]
        p50, p95 = pct(ts, 50), pct(ts, 95)
        q = peer["queries"][key]
        ok = p95 < 0.020
        log("   vigil %-52s p50 %7.2f ms  p95 %7.2f ms  < 20 ms: %s   stix2 %.2f ms (ratio %.3f)"
            % (label, p50 * 1e3, p95 * 1e3, "PASS" if ok else "FAIL", q["median"] * 1e3, p50 / q["median"]))
        rows.append(row("%s (process p50/p95)" % label, "%.1f/%.1f ms" % (p50 * 1e3, p95 * 1e3),
                        "%.1f ms stix2" % (q["median"] * 1e3), p50 / q["median"], "p95 < 20 ms", ok))
    adj = peer["queries"]["neighbors_G0022_d2_uses_adjacency"]
    log("   (stix2 depth-2 walk over a hand-built adjacency map instead of store.relationships(): %.1f ms)"
        % (adj["median"] * 1e3))
    ts = times[LATENCY[-1][0]]
    rows.append(row("  same, peer walking a hand-built adjacency map", "%.1f ms" % (pct(ts, 50) * 1e3),
                    "%.1f ms stix2" % (adj["median"] * 1e3), pct(ts, 50) / adj["median"], "-", None))
    save("latency", rows, detail)
    if not a.keep:
        shutil.rmtree(d, ignore_errors=True)


# Criterion (in-process) ----------------------------------------------------------------
CRITERION = [
    # (criterion group/bench, label, peer query or None)
    ("search/spearphishing_attack-pattern", "search 'spearphishing' --type attack-pattern", "search_spearphishing"),
    ("search/credential_dumping", "search 'credential dumping'", "search_credential_dumping"),
    ("search/APT29", "search 'APT29'", "search_APT29"),
    ("get/resolve_G0022_and_get", "resolve G0022 + get", "get_G0022"),
    ("neighbors/G0022_depth1", "neighbors G0022 depth 1", "neighbors_G0022_d1"),
    ("neighbors/G0022_depth2_uses", "neighbors G0022 depth 2 --rel uses", "neighbors_G0022_d2_uses"),
]


def part_criterion(a):
    home = os.environ.get("CRITERION_HOME") or os.path.join(OUT, "criterion")
    peer = None
    pj = os.path.join(TMP, "peer_stix2.json")
    if os.path.exists(pj):
        with open(pj) as fh:
            peer = json.load(fh)
    log("== 3b. In-process (criterion, %s) vs stix2 in-process" % os.path.relpath(home, ROOT))
    rows = []
    for bench, label, key in CRITERION:
        est = os.path.join(home, *bench.split("/"), "new", "estimates.json")
        if not os.path.exists(est):
            log("   %s: no estimates (%s)" % (bench, est))
            continue
        with open(est) as fh:
            med = json.load(fh)["median"]["point_estimate"] / 1e9
        q = peer["queries"][key] if peer else None
        search = bench.startswith("search/")
        ok = (med < 0.002) if search else None
        log("   %-44s median %9.3f ms%s%s" % (label, med * 1e3, ("   < 2 ms: " + ("PASS" if ok else "FAIL"))
                                             if search else "",
                                             "   stix2 %.2f ms (ratio %.4f)" % (q["median"] * 1e3, med / q["median"])
                                             if q else ""))
        rows.append(row("in-process %s (median)" % label, "%.3f ms" % (med * 1e3),
                        "%.2f ms stix2" % (q["median"] * 1e3) if q else "-",
                        med / q["median"] if q else None, "< 2 ms" if search else "-", ok))
    save("criterion", rows, {"criterion_home": home, "peer_from": pj if peer else None})


# Summary -------------------------------------------------------------------------------
def part_summary(a):
    docs = []
    for part in ("attack", "million", "latency", "criterion"):
        p = os.path.join(RESULTS, part + ".json")
        if os.path.exists(p) and (not a.since or os.path.getmtime(p) >= a.since):
            with open(p) as fh:
                docs.append(json.load(fh))
    if not docs:
        die("no results in %s" % RESULTS)
    head = ("figure", "Vigil", "peer", "ratio", "bound", "verdict")
    for d in docs:
        for r in d["rows"]:
            if "ratio_value" in r:
                r["ratio"] = fmt_ratio(r["ratio_value"])
    rows = [head] + [tuple(r[k] for k in ("figure", "vigil", "peer", "ratio", "bound", "verdict"))
                     for d in docs for r in d["rows"]]
    w = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    log("")
    log("== Summary (%s; %d cores; ratio = Vigil / peer, in time or memory: below 1, Vigil is faster or smaller)"
        % (docs[-1]["date"], os.cpu_count()))
    for i, r in enumerate(rows):
        log("  ".join(str(c).ljust(w[j]) for j, c in enumerate(r)).rstrip())
        if i == 0:
            log("  ".join("-" * x for x in w))
    fails = sum(1 for d in docs for r in d["rows"] if r["verdict"] == "FAIL")
    log("")
    log("%d FAIL" % fails if fails else "all bounds met")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default="python3", help="the CPython that runs json.load (default python3)")
    ap.add_argument("--keep", action="store_true", help="keep data directories under bench/out/tmp")
    sub = ap.add_subparsers(dest="part", required=True)
    p = sub.add_parser("attack", help="ATT&CK import vs json.load")
    p.add_argument("--reps", type=int, default=7)
    p = sub.add_parser("million", help="1M generated indicators")
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=42)
    p = sub.add_parser("latency", help="whole-process get/search/neighbors vs stix2")
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--peer-runs", type=int, default=20)
    p.add_argument("--peer-slow-runs", type=int, default=3)
    sub.add_parser("criterion", help="read criterion's estimates of crates/store/benches/search.rs")
    p = sub.add_parser("summary", help="print the table of results")
    p.add_argument("--since", type=float, default=0, help="only results written after this Unix time")
    a = ap.parse_args()
    {"attack": part_attack, "million": part_million, "latency": part_latency, "criterion": part_criterion,
     "summary": part_summary}[a.part](a)


if __name__ == "__main__":
    main()
