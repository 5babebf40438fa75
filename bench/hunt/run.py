#!/usr/bin/env python3
"""`vigil hunt` beside ripgrep on generated Zeek conn + dns logs (issue 5, "Performance").

    python3 bench/hunt/run.py [--count N] [--reps N] [--seed S] [--cpu C] [--no-build] [--keep]

Bound of issue 5: with 100,000 indicators loaded, `vigil hunt` reaches at least 0.5x the
throughput (bytes/s) of `rg -F -f iocs.txt` searching the same files for the indicators'
raw values, and at least 1,000,000 records/s on one core.

1. `cargo build --release` (not with --no-build or NO_BUILD=1), then target/release/vigil
   is copied to bench/out/hunt/bin/ and the copy is measured (others may rebuild target/).
2. bench/hunt/gen.py writes COUNT records (half conn.log, half dns.log), 100,000
   indicators (a bundle and iocs.txt, their raw values) and planted hits into
   bench/out/hunt/zeek-n<COUNT>-i<IND>-h<RATE>-s<SEED>/, kept for the next run while the
   parameters and the generators' source are the same.
3. A new data directory; `vigil import -q --json indicators.json` (checked: every
   indicator added, none invalid).
4. The logs are read once (page cache warm), one untimed run of each command, then REPS
   interleaved repetitions of, each under /usr/bin/time (peak RSS, CPU) with
   time.perf_counter around it (wall), output to /dev/null:
     vigil     taskset -c C vigil --data D hunt --dry-run -q --json conn.log dns.log
     rg -j1    taskset -c C rg --no-config -j1 -F -f iocs.txt conn.log dns.log
     rg        rg --no-config -F -f iocs.txt conn.log dns.log   (its default threads, all cores)
     rg empty  taskset -c C rg --no-config -j1 -F -f iocs.txt empty.log
   The last is ripgrep's fixed cost (start-up, reading iocs.txt, building its matcher for
   100,000 literals), so rg -j1's wall time minus it is its searching time.
   Vigil's stderr summary gives records, hits, the seconds loading the indicators and the
   seconds hunting (records / the printed records/s: more digits than the printed seconds).
5. Hits: vigil's hit count against the records gen.py planted (one indicator value each);
   `rg -c` for the lines ripgrep matches (substrings: it may find more).

Figures: best of REPS (2 shared cores: other work only makes a run slower). Vigil's
"hunting" throughput is over its hunting time (reading, parsing and matching the logs:
what the bound is about); "whole process" is over the wall time of the process, which
also loads the 100,000 indicators from the store. ripgrep's figure is always its whole
process, as a user runs it; its searching alone (minus the empty-file run) is shown too.
The verdict compares vigil hunting bytes/s with rg -j1 whole-process bytes/s, both on one
core. Results: bench/out/results/hunt.json. Standard library only.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORK = os.path.join(ROOT, "bench", "out", "hunt")
RESULTS = os.path.join(ROOT, "bench", "out", "results")
GEN = os.path.join(HERE, "gen.py")
BUILT = os.path.join(ROOT, "target", "release", "vigil")
GNU_TIME = "/usr/bin/time"
MIN_RATIO = 0.5
MIN_RECORDS_PER_S = 1_000_000
SUMMARY = re.compile(
    r"hunted (\d+) records in (\d+) files \(([\d.]+) MB\) with (\d+) indicators \(loaded in ([\d.]+) s\) "
    r"in ([\d.]+) s \((\d+) records/s\): (\d+) hits of (\d+) indicators")


def log(msg=""):
    print(msg, flush=True)


def die(msg):
    print("bench/hunt/run.py: " + msg, file=sys.stderr)
    sys.exit(2)


def rel(p):
    return os.path.relpath(p, ROOT)


def git(*args):
    return subprocess.run(["git"] + list(args), cwd=ROOT, capture_output=True, text=True).stdout.strip()


def mb(n_bytes):
    return "%.1f MB/s" % (n_bytes / 1e6)


# Set-up ------------------------------------------------------------------------------------
def need_tools():
    if not os.access(GNU_TIME, os.X_OK) or subprocess.run(
            [GNU_TIME, "-f", "%e %M", "true"], capture_output=True).returncode != 0:
        die("%s (GNU time) is needed for peak RSS: apt-get install time" % GNU_TIME)
    if shutil.which("taskset") is None:
        die("taskset (util-linux) is needed to run on one core")
    if shutil.which("rg") is None:
        cmd = ["apt-get", "install", "-y", "ripgrep"]
        if os.geteuid() != 0:
            if shutil.which("sudo") is None:
                die("rg (ripgrep) is missing and neither root nor sudo can install it: apt-get install ripgrep")
            cmd = ["sudo"] + cmd
        log("   installing ripgrep: " + " ".join(cmd))
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0 or shutil.which("rg") is None:
            die("installing ripgrep failed:\n" + r.stdout[-1500:] + r.stderr[-1500:])
    return subprocess.run(["rg", "--version"], capture_output=True, text=True).stdout.splitlines()[0]


def build_and_pin(no_build):
    """Builds (unless told not to) and measures a copy of target/release/vigil, since
    another developer's build may replace the binary during the run."""
    if not no_build:
        log("== cargo build --release")
        if subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT).returncode != 0:
            die("cargo build --release failed")
    if not os.access(BUILT, os.X_OK):
        die("%s is missing; run `cargo build --release` (or leave NO_BUILD unset)" % rel(BUILT))
    pinned = os.path.join(WORK, "bin", "vigil")
    os.makedirs(os.path.dirname(pinned), exist_ok=True)
    shutil.copy2(BUILT, pinned)
    h = hashlib.sha256()
    with open(pinned, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    dirty = git("status", "--porcelain", "--", "crates")
    info = {"built": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(os.path.getmtime(BUILT))),
            "head": git("rev-parse", "--short", "HEAD"), "crates_dirty": bool(dirty), "sha256": h.hexdigest()[:12]}
    log("== vigil under test: copy of %s built %s (HEAD %s%s), sha256 %s" % (
        rel(BUILT), info["built"], info["head"], " + uncommitted changes in crates/" if dirty else "",
        info["sha256"]))
    return pinned, info


def dataset(a):
    """The generated logs and indicators: reused when gen.py would write the same."""
    d = os.path.join(WORK, "zeek-n%d-i%d-h%g-s%d" % (a.count, a.indicators, a.hit_rate, a.seed))
    mpath = os.path.join(d, "manifest.json")
    sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True  # no __pycache__ in bench/hunt/
    import gen  # noqa: E402  (bench/hunt/gen.py, for the digest of its sources)
    want = {"count": a.count, "seed": a.seed, "indicators": a.indicators, "hit_rate": a.hit_rate,
            "sources_sha256": gen.sources_sha256()}
    if os.path.exists(mpath):
        with open(mpath) as f:
            m = json.load(f)
        if all(m.get(k) == v for k, v in want.items()) and all(
                os.path.getsize(os.path.join(d, n)) == v["bytes"] for n, v in m["files"].items()):
            log("   reusing %s" % rel(d))
            return d, m
    log("   generating %s (bench/hunt/gen.py; about 25 s per million records) ..." % rel(d))
    r = subprocess.run([sys.executable, GEN, "--out", d, "--count", str(a.count), "--seed", str(a.seed),
                        "--indicators", str(a.indicators), "--hit-rate", repr(a.hit_rate)])
    if r.returncode != 0:
        die("bench/hunt/gen.py failed (exit %d)" % r.returncode)
    with open(mpath) as f:
        return d, json.load(f)


def import_indicators(vigil, data, bundle, expected):
    shutil.rmtree(data, ignore_errors=True)
    t = time.perf_counter()
    r = subprocess.run([vigil, "--data", data, "import", "-q", "--json", bundle], capture_output=True, text=True)
    secs = time.perf_counter() - t
    try:
        s = json.loads(r.stdout)
    except ValueError:
        die("vigil import failed (exit %d):\n%s" % (r.returncode, r.stderr[-2000:]))
    if r.returncode != 0 or s.get("added") != expected or s.get("invalid") != 0:
        die("vigil import: expected %d added and 0 invalid, got added=%s invalid=%s (exit %d)\n%s" % (
            expected, s.get("added"), s.get("invalid"), r.returncode, r.stderr[-2000:]))
    log("   imported %d indicators into a new data directory in %.2f s" % (expected, secs))
    return {"seconds": secs, "added": s["added"], "warnings": s.get("warnings")}


def warm(paths):
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


# Measuring ---------------------------------------------------------------------------------
def timed(cmd, ok_codes=(0, 1)):
    """One process under GNU time, stdout to /dev/null: wall (perf_counter), peak RSS (kB),
    CPU user/sys (s), stderr."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = [GNU_TIME, "-o", tf.name, "-f", "%e %M %U %S"] + cmd
        t = time.perf_counter()
        r = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t
        fields = tf.read().split()
    if r.returncode not in ok_codes or len(fields) < 4:
        die("%s exited with %d:\n%s" % (" ".join(cmd), r.returncode, r.stderr[-2000:]))
    return {"wall": wall, "rss_kb": int(fields[-3]), "user": float(fields[-2]), "sys": float(fields[-1]),
            "exit": r.returncode, "stderr": r.stderr}


def run_vigil(vigil, data, files, cpu):
    cmd = ["taskset", "-c", str(cpu), vigil, "--data", data, "hunt", "--dry-run", "-q", "--json"] + files
    res = timed(cmd)
    m = SUMMARY.search(res.pop("stderr"))
    if not m:
        die("no summary line from vigil hunt on stderr (its format changed?): " + " ".join(cmd))
    records, rps = int(m.group(1)), int(m.group(7))
    res.update({"records": records, "files": int(m.group(2)), "indicators": int(m.group(4)),
                "load_s": float(m.group(5)), "hunt_s_printed": float(m.group(6)), "records_per_s_printed": rps,
                "hunt_s": records / rps if rps else float(m.group(6)), "hits": int(m.group(8)),
                "hit_indicators": int(m.group(9))})
    return res


RETAINED = re.compile(r"; (\d+) distinct observables of this source retained")
RETRO = re.compile(r"retro-hunted (\d+) retained observables with (\d+) indicators in ([0-9.]+) s")


def run_retention(vigil, data, files, cpu):
    """vigil hunt with retention on (a fresh retained.db), then vigil retrohunt --dry-run of every
    indicator against what was retained: the two costs retro-hunting adds."""
    for f in os.listdir(data):
        if f.startswith("retained.db"):
            os.remove(os.path.join(data, f))
    pin = ["taskset", "-c", str(cpu), vigil, "--data", data]
    res = timed(pin + ["hunt", "-q", "--json", "--retain", "36500", "--source", "bench"] + files)
    err = res.pop("stderr")
    m, k = SUMMARY.search(err), RETAINED.search(err)
    if not m or not k:
        die("no summary line with retained observables from vigil hunt --retain: " + err[-500:])
    res.update({"records": int(m.group(1)), "load_s": float(m.group(5)), "retained": int(k.group(1))})
    retro = timed(pin + ["retrohunt", "--dry-run"])
    r = RETRO.search(retro.pop("stderr"))
    if not r:
        die("no summary line from vigil retrohunt")
    res.update({"retro_wall": retro["wall"], "retro_rss_kb": retro["rss_kb"], "retro_observables": int(r.group(1)),
                "retro_indicators": int(r.group(2)), "retro_s": float(r.group(3))})
    return res


def rg_cmd(iocs, files, cpu, extra=()):
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    return pin + ["rg", "--no-config"] + (["-j1"] if cpu is not None else []) + list(extra) + ["-F", "-f", iocs] + files


def run_rg(iocs, files, cpu):
    res = timed(rg_cmd(iocs, files, cpu))
    res.pop("stderr")
    return res


def rg_count(iocs, files):
    r = subprocess.run(rg_cmd(iocs, files, None, ["-c", "--with-filename"]), capture_output=True, text=True)
    if r.returncode not in (0, 1):
        die("rg -c failed:\n" + r.stderr[-2000:])
    per = {}
    for line in r.stdout.splitlines():
        path, _, n = line.rpartition(":")
        per[os.path.basename(path)] = int(n)
    return per


# Reporting ---------------------------------------------------------------------------------
def fmt_ratio(r):
    return "%.2fx" % r if r >= 0.01 else "1/%.0f" % (1 / r)


def row(figure, vigil, peer, ratio, bound, ok):
    return {"figure": figure, "vigil": vigil, "peer": peer, "ratio": "-" if ratio is None else fmt_ratio(ratio),
            "ratio_value": ratio, "bound": bound, "verdict": "info" if ok is None else ("PASS" if ok else "FAIL")}


def print_table(rows):
    cols = ("figure", "vigil", "peer", "ratio", "bound", "verdict")
    heads = ("figure", "vigil", "ripgrep", "vigil/rg", "bound", "verdict")
    w = [max(len(h), *(len(str(r[c])) for r in rows)) for c, h in zip(cols, heads)]
    line = lambda vals: "   " + " | ".join(str(v).ljust(n) for v, n in zip(vals, w))  # noqa: E731
    log(line(heads))
    log("   " + "-+-".join("-" * n for n in w))
    for r in rows:
        log(line([r[c] for c in cols]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=int(os.environ.get("COUNT", 1_000_000)),
                    help="records, half conn.log half dns.log (env COUNT; default 1,000,000)")
    ap.add_argument("--reps", type=int, default=int(os.environ.get("REPS", 3)),
                    help="timed repetitions of each command (env REPS; default 3)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--indicators", type=int, default=100_000)
    ap.add_argument("--hit-rate", type=float, default=0.001)
    ap.add_argument("--cpu", type=int, default=0, help="the core of the one-core runs (default 0)")
    ap.add_argument("--no-build", action="store_true", default=os.environ.get("NO_BUILD") == "1",
                    help="use the existing target/release/vigil (env NO_BUILD=1)")
    ap.add_argument("--keep", action="store_true", help="keep the data directory (bench/out/hunt/data)")
    a = ap.parse_args()
    if a.reps < 1 or a.count < 2:
        ap.error("need --reps >= 1 and --count >= 2")

    log("== Hunt: vigil hunt vs ripgrep on Zeek conn + dns logs, %d indicators (issue 5)" % a.indicators)
    rg_version = need_tools()
    vigil, vinfo = build_and_pin(a.no_build)
    d, man = dataset(a)
    files = [os.path.join(d, "conn.log"), os.path.join(d, "dns.log")]
    iocs, bundle = os.path.join(d, "iocs.txt"), os.path.join(d, "indicators.json")
    nbytes = sum(os.path.getsize(p) for p in files)
    log("   input: %d records, %s bytes (%.1f MB; conn.log %.1f MB, dns.log %.1f MB), %.0f bytes per record;"
        " %d planted hits (%s) of %d indicators" % (
            man["count"], "{:,}".format(nbytes), nbytes / 1e6, man["files"]["conn.log"]["bytes"] / 1e6,
            man["files"]["dns.log"]["bytes"] / 1e6, nbytes / man["count"], man["planted"]["records"],
            ", ".join("%s %d" % kv for kv in man["planted"]["by_kind"].items()), man["planted"]["indicators"]))
    log("   %s; vigil and rg -j1 pinned to core %d (taskset); %d cores; load average %.2f" % (
        rg_version, a.cpu, os.cpu_count(), os.getloadavg()[0]))

    data = os.path.join(WORK, "data")
    imp = import_indicators(vigil, data, bundle, a.indicators)
    warm(files + [iocs])
    log("   warm-up (untimed): one run of each")
    run_vigil(vigil, data, files, a.cpu)
    run_rg(iocs, files, a.cpu)
    run_rg(iocs, files, None)
    empty = os.path.join(WORK, "empty.log")
    open(empty, "w").close()

    runs = {"vigil": [], "rg_j1": [], "rg": [], "rg_j1_empty": []}
    loads = [os.getloadavg()[0]]
    for i in range(a.reps):
        v = run_vigil(vigil, data, files, a.cpu)
        r1 = run_rg(iocs, files, a.cpu)
        rm = run_rg(iocs, files, None)
        re_ = run_rg(iocs, [empty], a.cpu)
        runs["vigil"].append(v)
        runs["rg_j1_empty"].append(re_)
        runs["rg_j1"].append(r1)
        runs["rg"].append(rm)
        loads.append(os.getloadavg()[0])
        log("   rep %d/%d: vigil %.3f s (hunting %.3f s, loading %.2f s, %d hits, %.0f MB), rg -j1 %.3f s"
            " (%.0f MB), rg %.3f s (CPU %.2f s), rg -j1 on an empty file %.3f s; load average %.2f" % (
                i + 1, a.reps, v["wall"], v["hunt_s"], v["load_s"], v["hits"], v["rss_kb"] / 1024, r1["wall"],
                r1["rss_kb"] / 1024, rm["wall"], rm["user"] + rm["sys"], re_["wall"], loads[-1]))
    counts = rg_count(iocs, files)
    log("   retention: vigil hunt --retain (not a dry run: sightings and observables written), then"
        " vigil retrohunt --dry-run")
    runs["retain"] = []
    for i in range(a.reps):
        x = run_retention(vigil, data, files, a.cpu)
        runs["retain"].append(x)
        log("   rep %d/%d: hunt --retain %.3f s (%d observables kept, %.0f MB); retrohunt %.3f s"
            " (%d indicators vs %d observables, %.0f MB)" % (
                i + 1, a.reps, x["wall"], x["retained"], x["rss_kb"] / 1024, x["retro_wall"],
                x["retro_indicators"], x["retro_observables"], x["retro_rss_kb"] / 1024))
    if not a.keep:
        shutil.rmtree(data, ignore_errors=True)

    vs = runs["vigil"]
    records = vs[0]["records"]
    hunt_best = min(x["hunt_s"] for x in vs)
    wall_best = min(x["wall"] for x in vs)
    rg1_best = min(x["wall"] for x in runs["rg_j1"])
    rgm_best = min(x["wall"] for x in runs["rg"])
    rge_best = min(x["wall"] for x in runs["rg_j1_empty"])
    rgs_bps = nbytes / max(rg1_best - rge_best, 1e-9)
    v_hunt_bps, v_wall_bps = nbytes / hunt_best, nbytes / wall_best
    rg1_bps, rgm_bps = nbytes / rg1_best, nbytes / rgm_best
    v_rss = max(x["rss_kb"] for x in vs) / 1024
    rg1_rss = max(x["rss_kb"] for x in runs["rg_j1"]) / 1024
    rgm_rss = max(x["rss_kb"] for x in runs["rg"]) / 1024
    hits = sorted({x["hits"] for x in vs})
    planted = man["planted"]["records"]
    rg_lines = sum(counts.values())

    rows = [
        row("bytes/s: vigil hunting (one core) vs rg -j1 (one core)", mb(v_hunt_bps), mb(rg1_bps),
            v_hunt_bps / rg1_bps, ">= %.1fx rg" % MIN_RATIO, v_hunt_bps / rg1_bps >= MIN_RATIO),
        row("records/s: vigil hunting (one core)", "{:,.0f}/s".format(records / hunt_best), "-", None,
            ">= {:,}/s".format(MIN_RECORDS_PER_S), records / hunt_best >= MIN_RECORDS_PER_S),
        row("bytes/s: vigil whole process (incl. loading indicators) vs rg -j1", mb(v_wall_bps), mb(rg1_bps),
            v_wall_bps / rg1_bps, "-", None),
        row("records/s: vigil whole process (incl. loading indicators)", "{:,.0f}/s".format(records / wall_best),
            "-", None, "-", None),
        row("bytes/s: vigil hunting vs rg -j1 searching (minus rg on an empty file)", mb(v_hunt_bps),
            mb(rgs_bps), v_hunt_bps / rgs_bps, "-", None),
        row("bytes/s: vigil hunting (one core) vs rg, its default threads (%d cores)" % os.cpu_count(),
            mb(v_hunt_bps), mb(rgm_bps), v_hunt_bps / rgm_bps, "-", None),
        row("seconds, best of %d: vigil hunting / whole; rg -j1 / rg" % a.reps,
            "%.3f / %.3f s" % (hunt_best, wall_best), "%.3f / %.3f s" % (rg1_best, rgm_best), None, "-", None),
        row("fixed cost: vigil loading %d indicators; rg -j1 on an empty file" % a.indicators,
            "%.2f s" % min(x["load_s"] for x in vs), "%.3f s" % rge_best, None, "-", None),
        row("peak RSS (max of %d): vigil vs rg -j1 (rg: %.0f MB)" % (a.reps, rgm_rss), "%.0f MB" % v_rss,
            "%.0f MB" % rg1_rss, v_rss / rg1_rss, "-", None),
        row("vigil hunt --retain, whole process: %d distinct observables kept" % runs["retain"][0]["retained"],
            "%.3f s, %.0f MB" % (min(x["wall"] for x in runs["retain"]),
                                 max(x["rss_kb"] for x in runs["retain"]) / 1024),
            "-", None, "-", None),
        row("vigil retrohunt, whole process: %d indicators vs the retained observables"
            % runs["retain"][0]["retro_indicators"],
            "%.3f s, %.0f MB" % (min(x["retro_wall"] for x in runs["retain"]),
                                 max(x["retro_rss_kb"] for x in runs["retain"]) / 1024),
            "-", None, "-", None),
        row("hits: vigil hits vs planted records; rg matching lines (rg -c)", "/".join(map(str, hits)),
            "%d lines" % rg_lines, None, "vigil == %d planted" % planted, hits == [planted]),
    ]
    log("")
    log("== Hunt results (%d records, %.1f MB, %d indicators; best of %d, interleaved)" % (
        records, nbytes / 1e6, a.indicators, a.reps))
    print_table(rows)
    log("   The bound compares vigil's hunting time (reading, parsing, matching: what its summary's\n"
        "   records/s counts) with rg's whole process. vigil's 'whole process' adds start-up and loading\n"
        "   the indicators from the store; rg's whole process includes building its matcher (its\n"
        "   empty-file run), which 'rg -j1 searching' leaves out.")

    os.makedirs(RESULTS, exist_ok=True)
    doc = {"part": "hunt", "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "vigil": vinfo,
           "rg_version": rg_version, "cores": os.cpu_count(), "cpu": a.cpu, "reps": a.reps, "loadavg": loads,
           "dataset": dict(man, dir=rel(d)), "bytes": nbytes, "import": imp, "rg_count": counts,
           "commands": {"vigil": ["taskset", "-c", str(a.cpu), "vigil", "--data", "DIR", "hunt", "--dry-run", "-q",
                                  "--json", "conn.log", "dns.log"],
                        "rg_j1": rg_cmd("iocs.txt", ["conn.log", "dns.log"], a.cpu),
                        "rg": rg_cmd("iocs.txt", ["conn.log", "dns.log"], None),
                        "rg_j1_empty": rg_cmd("iocs.txt", ["empty.log"], a.cpu)},
           "best": {"vigil_hunt_s": hunt_best, "vigil_wall_s": wall_best, "rg_j1_s": rg1_best, "rg_s": rgm_best,
                    "vigil_hunt_bytes_per_s": v_hunt_bps, "vigil_wall_bytes_per_s": v_wall_bps,
                    "vigil_hunt_records_per_s": records / hunt_best, "vigil_wall_records_per_s": records / wall_best,
                    "rg_j1_empty_s": rge_best, "rg_j1_bytes_per_s": rg1_bps, "rg_bytes_per_s": rgm_bps,
                    "rg_j1_searching_bytes_per_s": rgs_bps, "ratio_hunt_vs_rg_j1_searching": v_hunt_bps / rgs_bps,
                    "ratio_hunt_vs_rg_j1": v_hunt_bps / rg1_bps, "ratio_wall_vs_rg_j1": v_wall_bps / rg1_bps,
                    "vigil_peak_rss_mb": v_rss, "rg_j1_peak_rss_mb": rg1_rss, "rg_peak_rss_mb": rgm_rss},
           "median": {"vigil_hunt_s": statistics.median(x["hunt_s"] for x in vs),
                      "vigil_wall_s": statistics.median(x["wall"] for x in vs),
                      "rg_j1_s": statistics.median(x["wall"] for x in runs["rg_j1"]),
                      "rg_s": statistics.median(x["wall"] for x in runs["rg"]),
                      "rg_j1_empty_s": statistics.median(x["wall"] for x in runs["rg_j1_empty"])},
           "runs": runs, "rows": rows}
    out = os.path.join(RESULTS, "hunt.json")
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
    log("   raw results: %s" % rel(out))


if __name__ == "__main__":
    main()
