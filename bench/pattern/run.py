#!/usr/bin/env python3
"""Benchmarks of the STIX patterning engine (issue 3), each beside its peer in
the same run. Standard library only; bench/run.sh builds Vigil and calls it.

    python3 bench/pattern/run.py                 # all parts: oasis scaling criterion summary
    python3 bench/pattern/run.py oasis           # vs the OASIS stix2-matcher and rstix, 1,000 indicators
    python3 bench/pattern/run.py scaling         # 1,000 vs 1,000,000 anchored indicators, memory
    python3 bench/pattern/run.py criterion       # crates/pattern/benches: in-process set and parser
    python3 bench/pattern/run.py summary         # the table of the parts last run

Workloads are generated (and kept for the next run) under bench/out/pattern/;
results go to bench/out/results/pattern-<part>.json as rows of (figure, Vigil,
peer, ratio, bound, verdict). See bench/README.md, section "The pattern engine".
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "bench", "out")
WORK = os.path.join(OUT, "pattern")
RESULTS = os.path.join(OUT, "results")
VIGIL = os.path.join(ROOT, "target", "release", "vigil")
VENV = os.path.join(ROOT, ".venv")
VENV_PY = os.path.join(VENV, "bin", "python")
REQS = os.path.join(HERE, "requirements.txt")
GEN_WORKLOAD = os.path.join(ROOT, "bench", "gen_workload.py")
GEN_ANCHORED = os.path.join(HERE, "gen_anchored.py")
PEER_OASIS = os.path.join(HERE, "peer_oasis.py")
RSTIX_DIR = os.path.join(ROOT, "bench", "rstix-peer")
RSTIX = os.path.join(RSTIX_DIR, "target", "release", "rstix-peer")
PARTS = ("oasis", "scaling", "criterion")


def log(msg=""):
    print(msg, flush=True)


def die(msg):
    print("bench/pattern/run.py: " + msg, file=sys.stderr)
    sys.exit(2)


def rel(p):
    return os.path.relpath(p, ROOT)


def fmt_ratio(r):
    if r is None:
        return "-"
    if r >= 100:
        return "{:,.0f}".format(r)
    if r >= 0.1:
        return "%.2f" % r
    return "1/%d" % float("%.2g" % (1 / r))


def row(figure, vigil, peer, ratio, bound, ok):
    return {"figure": figure, "vigil": vigil, "peer": peer, "ratio": fmt_ratio(ratio), "ratio_value": ratio,
            "bound": bound, "verdict": "info" if ok is None else ("PASS" if ok else "FAIL")}


def save(part, rows, details):
    os.makedirs(RESULTS, exist_ok=True)
    details["loadavg"] = os.getloadavg()[0]
    doc = {"part": "pattern-" + part, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "rows": rows,
           "details": details}
    with open(os.path.join(RESULTS, "pattern-%s.json" % part), "w") as f:
        json.dump(doc, f, indent=1)


def loadavg():
    la = os.getloadavg()[0]
    log("   load average: %.2f%s" % (la, "  (busy machine: figures are noisy)" if la > 0.7 else ""))


def rate(x):
    return "{:,.0f}/s".format(x) if x >= 100 else "%.1f/s" % x


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


# Set-up ---------------------------------------------------------------------------------
def need_vigil():
    if not os.access(VIGIL, os.X_OK):
        die("%s is missing; run `cargo build --release` (bench/run.sh does)" % VIGIL)


def pin_vigil():
    """Copies target/release/vigil aside and uses the copy for the whole run: on a
    shared machine someone's build may replace the binary half-way through."""
    global VIGIL
    need_vigil()
    src = VIGIL
    os.makedirs(os.path.join(WORK, "bin"), exist_ok=True)
    VIGIL = os.path.join(WORK, "bin", "vigil")
    shutil.copy2(src, VIGIL)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "crates"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()
    log("== vigil under test: copy of %s built %s (HEAD %s%s), sha256 %s" % (
        rel(src), time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(os.path.getmtime(src))), head,
        "; uncommitted changes in crates/: " + ", ".join(l[3:] for l in dirty.splitlines()) if dirty else "",
        sha256(VIGIL)[:12]))


def need_venv():
    """The repo's .venv with stix2-matcher (bench/pattern/requirements.txt), made if missing."""
    if not os.access(VENV_PY, os.X_OK):
        log("   creating %s" % rel(VENV))
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    ok = subprocess.run([VENV_PY, "-c", "import stix2matcher, stix2patterns"], capture_output=True).returncode == 0
    if not ok:
        log("   installing %s into %s" % (rel(REQS), rel(VENV)))
        subprocess.run([VENV_PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQS],
                       check=True)


def need_rstix():
    """Builds bench/rstix-peer (its own cargo project; a no-op when up to date). None if it fails."""
    r = subprocess.run(["cargo", "build", "--release", "--quiet", "--manifest-path",
                        os.path.join(RSTIX_DIR, "Cargo.toml")], capture_output=True, text=True)
    if r.returncode != 0 or not os.access(RSTIX, os.X_OK):
        log("   rstix-peer does not build:\n" + r.stderr[-2000:])
        return None
    return RSTIX


def generate(name, cmd):
    """Runs a generator into bench/out/pattern/<name>/ unless the same command (and
    generator source) already did; returns the directory."""
    d = os.path.join(WORK, name)
    stamp = os.path.join(d, ".command")
    key = json.dumps({"cmd": cmd, "gen": sha256(cmd[1])})
    if os.path.exists(stamp) and open(stamp).read() == key:
        return d
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    log("   generating %s: %s" % (rel(d), " ".join(os.path.basename(c) if c.startswith("/") else c for c in cmd)))
    t = time.perf_counter()
    subprocess.run(cmd + ["--out-dir", d], check=True)
    log("   ... %.0f s" % (time.perf_counter() - t))
    with open(stamp, "w") as f:
        f.write(key)
    return d


def empty_bundle():
    p = os.path.join(WORK, "empty-bundle.json")
    if not os.path.exists(p):
        os.makedirs(WORK, exist_ok=True)
        with open(p, "w") as f:
            json.dump({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": []}, f)
    return p


def empty_observations():
    p = os.path.join(WORK, "empty.jsonl")
    if not os.path.exists(p):
        os.makedirs(WORK, exist_ok=True)
        open(p, "w").close()
    return p


def warm(*paths):
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


def count_lines(path):
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def jsonl_ids(path):
    """The observed-data ids of a JSON-lines observation file, in order."""
    ids = []
    with open(path) as f:
        for line in f:
            m = re.search(r'"(observed-data--[0-9a-f-]{36})"', line)
            if m:
                ids.append(m.group(1))
    return ids


def read_pairs(path):
    pairs = set()
    n = 0
    with open(path) as f:
        for line in f:
            if line.strip():
                h = json.loads(line)
                pairs.add((h["indicator"], h["observation"]))
                n += 1
    return pairs, n


# Vigil -----------------------------------------------------------------------------------
# vigil match's summary: "N observations, H hits, in T s: R observations/s", then the
# parts, e.g. "matching 0.04 s (57134 observations/s alone)".
SUMMARY_RATE = re.compile(r"observations, .*?: *([0-9][0-9,_.]*) *observations/s")
PARSE_ALONE = re.compile(r"parsing JSON [^(]*\(([0-9][0-9,_.]*) observations/s alone\)")
MATCH_ALONE = re.compile(r"matching [^(]*\(([0-9][0-9,_.]*) observations/s alone\)")


def number(rx, text):
    m = rx.findall(text)
    return float(m[-1].replace(",", "").replace("_", "")) if m else None


def vigil_match(indicators, observations, hits=None, prefix=()):
    """One `vigil match --json` process: wall time (perf_counter), peak RSS and CPU
    (GNU time), the observations/s Vigil reports on stderr, and the hits file."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        cmd = ["/usr/bin/time", "-o", tf.name, "-f", "%M %U %S"] + list(prefix) + [VIGIL, "match", "--indicators", indicators,
               "--observations", observations, "--json"]
        with open(hits or os.devnull, "w") as out:
            t = time.perf_counter()
            r = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=True)
            wall = time.perf_counter() - t
        tl = tf.read().split()
    if r.returncode not in (0, 1):
        die("vigil match failed (exit %d): %s\n%s" % (r.returncode, " ".join(cmd), r.stderr[-3000:]))
    rss_kb, user, sys_ = int(tl[-3]), float(tl[-2]), float(tl[-1])
    return {"wall": wall, "rss_kb": rss_kb, "cpu": user + sys_, "reported_rate": number(SUMMARY_RATE, r.stderr),
            "parse_alone": number(PARSE_ALONE, r.stderr), "match_alone": number(MATCH_ALONE, r.stderr),
            "stderr": r.stderr.strip()[-600:]}


def best_of(reps, fn):
    runs = [fn() for _ in range(reps)]
    return min(runs, key=lambda x: x["wall"]), runs


# 1. vs the OASIS matcher (and rstix) at 1,000 indicators ----------------------------------
def qualifier_ids(truth_stream):
    recs = []
    if os.path.exists(truth_stream):
        with open(truth_stream) as f:
            recs = [json.loads(line) for line in f if line.strip()]
    return {r["indicator"]: r for r in recs}


def compare(name, vigil, other, qual, restrict=None):
    """Vigil's hit pairs against another side's per-observation pairs: exact on the
    indicators without qualifiers; for qualifier indicators the other side judged
    each observation alone, so its pairs need only be among Vigil's."""
    if restrict is not None:
        vigil = {p for p in vigil if p[1] in restrict}
        other = {p for p in other if p[1] in restrict}
    vn = {p for p in vigil if p[0] not in qual}
    on = {p for p in other if p[0] not in qual}
    missing, extra = sorted(on - vn), sorted(vn - on)
    oq = {p for p in other if p[0] in qual}
    q_missing = sorted(oq - vigil)
    log("   %s: %d pairs without qualifiers (Vigil %d): %d missing from Vigil, %d extra in Vigil; "
        "qualifier pairs %d, %d of them not among Vigil's" % (name, len(on), len(vn), len(missing), len(extra),
                                                              len(oq), len(q_missing)))
    for what, xs in (("missing", missing), ("extra", extra), ("qualifier pair missing", q_missing)):
        for p in xs[:3]:
            log("      %s: %s %s" % (what, p[0], p[1]))
    return {"pairs": len(on), "vigil_pairs": len(vn), "missing": len(missing), "extra": len(extra),
            "qual_pairs": len(oq), "qual_missing": len(q_missing),
            "samples": {"missing": missing[:5], "extra": extra[:5], "qual_missing": q_missing[:5]}}


def part_oasis(a):
    need_vigil()
    need_venv()
    loadavg()
    log("== Pattern 1. vigil match vs the OASIS stix2-matcher and rstix, 1,000 indicators (gen_workload.py, seed %d)"
        % a.seed)
    jobs = str(a.jobs or os.cpu_count() or 1)
    w1 = generate("workload-n1000-m%d-h%g-s%d" % (a.truth_observations, a.truth_hit_rate, a.seed),
                  [VENV_PY, GEN_WORKLOAD, "--seed", str(a.seed), "-n", "1000", "-m", str(a.truth_observations),
                   "--hit-rate", str(a.truth_hit_rate), "--obs-format", "both", "--truth", "full", "--jobs", jobs])
    w2 = generate("workload-n1000-m%d-s%d-notruth" % (a.rate_observations, a.seed),
                  [VENV_PY, GEN_WORKLOAD, "--seed", str(a.seed), "-n", "1000", "-m", str(a.rate_observations),
                   "--obs-format", "jsonl", "--truth", "none"])
    ind1, ind2 = os.path.join(w1, "indicators.json"), os.path.join(w2, "indicators.json")
    # The indicators are drawn first, so they are the same; the bundle's own id is drawn last.
    same_ind = json.load(open(ind1))["objects"] == json.load(open(ind2))["objects"]
    man = json.load(open(os.path.join(w1, "manifest.json")))
    log("   truth workload %s: %d observations, %d truth pairs (%d truth errors), stream truth %s"
        % (rel(w1), man["observations"], man.get("truth_pairs", 0), man.get("truth_errors", 0),
           man.get("stream_truth")))
    log("   rate workload %s: %d observations; the same 1,000 indicators as the truth workload: %s"
        % (rel(w2), a.rate_observations, same_ind))
    obs1_jsonl, obs1_bundle = os.path.join(w1, "observations.jsonl"), os.path.join(w1, "observations.json")
    obs2 = os.path.join(w2, "observations.jsonl")
    ids1 = jsonl_ids(obs1_jsonl)
    qual = qualifier_ids(os.path.join(w1, "truth-stream.jsonl"))
    truth, _ = read_pairs(os.path.join(w1, "truth.jsonl"))
    tmp = os.path.join(WORK, "tmp")
    os.makedirs(tmp, exist_ok=True)
    details = {"seed": a.seed, "truth_workload": rel(w1), "rate_workload": rel(w2), "manifest": man,
               "same_indicators": same_ind}
    rows = []

    # Vigil on the truth workload: the hit sets.
    warm(ind1, obs1_jsonl, obs1_bundle)
    hv = os.path.join(tmp, "vigil-hits.jsonl")
    v1 = vigil_match(ind1, obs1_jsonl, hv)
    vpairs, vlines = read_pairs(hv)
    hvb = os.path.join(tmp, "vigil-hits-bundle.jsonl")
    vigil_match(ind1, obs1_bundle, hvb)
    vpairs_b, _ = read_pairs(hvb)
    log("   Vigil on %d observations: %d hit lines, %d pairs, %.3f s whole process; bundle input gives the same "
        "pairs: %s" % (len(ids1), vlines, len(vpairs), v1["wall"], vpairs_b == vpairs))
    ct = compare("vs truth.jsonl", vpairs, truth, qual)
    # Qualifier indicators over the whole stream (truth-stream.jsonl).
    by_ind = {}
    for i, o in vpairs:
        by_ind.setdefault(i, set()).add(o)
    q_agree = q_binding = q_err = 0
    q_disagree = []
    for iid, rec in qual.items():
        if "error" in rec:
            q_err += 1
            continue
        got = iid in by_ind
        if got == rec["matched"]:
            q_agree += 1
        else:
            q_disagree.append((iid, rec["pattern"], rec["matched"], got))
        if rec["matched"] and set(rec["first_binding"]) <= by_ind.get(iid, set()):
            q_binding += 1
    nq = len(qual) - q_err
    log("   vs truth-stream.jsonl: %d qualifier indicators (%d errors in the truth): verdict agrees on %d, the "
        "matcher's first binding is among Vigil's hits for %d of %d matched" % (
            len(qual), q_err, q_agree, q_binding, sum(1 for r in qual.values() if r.get("matched"))))
    for iid, p, want, got in q_disagree[:5]:
        log("      disagree: %s %s: matcher %s, Vigil %s" % (iid, p, want, got))
    truth_ok = ct["missing"] == 0 and ct["extra"] == 0 and ct["qual_missing"] == 0 and q_agree == nq \
        and vpairs_b == vpairs
    details["vigil_vs_truth"] = ct
    details["qualifiers"] = {"indicators": len(qual), "truth_errors": q_err, "agree": q_agree,
                             "binding_among_hits": q_binding, "disagree": q_disagree[:20]}
    details["bundle_input_same"] = vpairs_b == vpairs
    rows.append(row("hit set = gen_workload truth (%d obs; %d qualifier ind. over the stream)" % (
        len(ids1), len(qual)), "%d pairs (%d w/o qualifiers)" % (len(vpairs), ct["vigil_pairs"]),
        "%d truth (%d w/o qualifiers)" % (len(truth), ct["pairs"]), None, "identical", truth_ok))

    # The OASIS matcher, in its own process, for a time budget.
    log("   OASIS stix2-matcher: %s s budget on the truth workload's observations (JSON lines) ..." % a.peer_seconds)
    hp = os.path.join(tmp, "oasis-hits.jsonl")
    r = subprocess.run([VENV_PY, PEER_OASIS, ind1, obs1_jsonl, "--seconds", str(a.peer_seconds), "--hits", hp],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die("peer_oasis.py failed:\n" + r.stderr[-3000:])
    peer = json.loads(r.stdout.strip().splitlines()[-1])
    ppairs, _ = read_pairs(hp)
    covered = set(ids1[:peer["observations"]])
    log("   OASIS stix2-matcher %s (CPython %s): %d patterns compiled in %.2f s (%s refused); %d observations in "
        "%.1f s = %.2f observations/s (%.0f pattern evaluations/s); errors %s" % (
            peer["stix2_matcher"], peer["python"], peer["patterns"], peer["compile_seconds"],
            peer["patterns_refused"] or "none", peer["observations"], peer["seconds"],
            peer["observations_per_second"], peer["observations_per_second"] * peer["patterns"],
            peer["evaluation_errors"] or "none"))
    cp = compare("vs the OASIS run (its %d observations)" % len(covered), vpairs, ppairs, qual, covered)
    peer_ok = cp["missing"] == 0 and cp["extra"] == 0 and cp["qual_missing"] == 0
    details["oasis"] = peer
    details["vigil_vs_oasis"] = cp
    rows.append(row("hit set = OASIS matcher's, on its %d observations" % len(covered), "%d pairs" % (
        len({p for p in vpairs if p[1] in covered})), "%d OASIS" % len(ppairs), None, "identical", peer_ok))

    # Vigil's rate: the rate workload, whole process; and parsing alone.
    warm(ind2, obs2)
    n2 = a.rate_observations
    best, runs = best_of(a.reps, lambda: vigil_match(ind2, obs2))
    parse, pruns = best_of(a.reps, lambda: vigil_match(empty_bundle(), obs2))
    vrate = n2 / best["wall"]
    prate = n2 / parse["wall"]
    med = sorted(x["wall"] for x in runs)[len(runs) // 2]
    log("   Vigil, %d observations x 1,000 indicators: best of %d %.3f s whole process = %s (median %.3f s; "
        "Vigil reports %s; CPU %.2f s; peak RSS %.0f MB)" % (
            n2, a.reps, best["wall"], rate(vrate), med,
            rate(best["reported_rate"]) if best["reported_rate"] else "-", best["cpu"], best["rss_kb"] / 1024))
    log("   Vigil, same observations, no indicators (reading + parsing the JSON only): %.3f s = %s (reports %s)" % (
        parse["wall"], rate(prate), rate(parse["reported_rate"]) if parse["reported_rate"] else "-"))
    match_us = (best["wall"] - parse["wall"]) / n2 * 1e6
    if match_us > 0:
        log("   so matching itself costs %.2f us per observation against 1,000 indicators (%.0f%% of the time)" % (
            match_us, 100 * (best["wall"] - parse["wall"]) / best["wall"]))
    else:
        log("   so matching itself is lost in the noise of parsing (%.2f us per observation)" % match_us)
    pinned = None
    if shutil.which("taskset"):
        pinned, _ = best_of(a.reps, lambda: vigil_match(ind2, obs2, prefix=("taskset", "-c", "0")))
        log("   Vigil pinned to one core (taskset -c 0): best of %d %.3f s = %s (CPU %.2f s)" % (
            a.reps, pinned["wall"], rate(n2 / pinned["wall"]), pinned["cpu"]))
    log("   vigil match's own summary (best run):")
    for line in best["stderr"].splitlines()[-3:]:
        log("      " + line.strip())
    ratio = vrate / peer["observations_per_second"] if peer["observations_per_second"] else None
    details["vigil_rate"] = {"observations": n2, "runs": runs, "parse_only_runs": pruns}
    rows.append(row("observations/s at 1,000 indicators (whole process, best of %d)" % a.reps, rate(vrate),
                    "%s OASIS" % rate(peer["observations_per_second"]), ratio, ">= 10,000x",
                    ratio is not None and ratio >= 10000 and truth_ok and peer_ok))
    if pinned:
        pr = n2 / pinned["wall"]
        rows.append(row("  same, pinned to one core (taskset -c 0); CPU %.2f s vs %.2f s" % (pinned["cpu"], best["cpu"]),
                        rate(pr), "%s OASIS" % rate(peer["observations_per_second"]),
                        pr / peer["observations_per_second"] if peer["observations_per_second"] else None, "-", None))
        details["vigil_rate"]["pinned"] = pinned
    if best["reported_rate"]:
        rows.append(row("  same, as vigil match reports it", rate(best["reported_rate"]), "-",
                        best["reported_rate"] / peer["observations_per_second"], "-", None))
    rows.append(row("observations/s parsing only (no indicators, whole process)", rate(prate),
                    "%s matching 1,000" % rate(vrate), vrate / prate, "-", None))
    if best["parse_alone"] and best["match_alone"]:
        rows.append(row("  as vigil match reports its threads: matching alone / JSON alone",
                        rate(best["match_alone"]), "%s JSON" % rate(best["parse_alone"]),
                        best["match_alone"] / best["parse_alone"], "-", None))

    # rstix.
    rbin = need_rstix()
    if rbin:
        log("   rstix 0.23.0 (bench/rstix-peer): %s s budget on the rate workload, then the truth workload ..."
            % a.rstix_seconds)
        r = subprocess.run([rbin, ind2, obs2, "--seconds", str(a.rstix_seconds)], capture_output=True, text=True)
        hr = os.path.join(tmp, "rstix-hits.jsonl")
        r1 = subprocess.run([rbin, ind1, obs1_jsonl, "--seconds", str(a.rstix_seconds), "--hits", hr],
                            capture_output=True, text=True)
        if r.returncode != 0 or r1.returncode != 0:
            log("   rstix-peer failed: %s %s" % (r.stderr[-1000:], r1.stderr[-1000:]))
        else:
            rs, rs1 = json.loads(r.stdout), json.loads(r1.stdout)
            log("   rstix: %d patterns parsed, refused %s; %d observations in %.1f s = %s; evaluation errors %s" % (
                rs["patterns"], rs["patterns_refused"] or "none", rs["observations"], rs["seconds"],
                rate(rs["observations_per_second"]), rs["evaluation_errors"] or "none"))
            rpairs, _ = read_pairs(hr)
            rcov = set(ids1[:rs1["observations"]])
            cr = compare("vs rstix (truth workload, its %d observations)" % len(rcov), vpairs, rpairs, qual, rcov)
            details["rstix"] = {"rate_workload": rs, "truth_workload": rs1, "vigil_vs_rstix": cr}
            rows.append(row("observations/s at 1,000 indicators vs rstix", rate(vrate),
                            "%s rstix" % rate(rs["observations_per_second"]),
                            vrate / rs["observations_per_second"], "-", None))
            rows.append(row("  rstix hit set on %d observations: missing / extra vs Vigil" % len(rcov),
                            "%d pairs" % cr["vigil_pairs"], "%d / %d rstix" % (cr["extra"], cr["missing"]),
                            None, "-", None))
    else:
        rows.append(row("rstix peer", "-", "does not build", None, "-", None))
    save("oasis", rows, details)
    print_rows(rows)


# 2. Scaling: 1,000 vs 1,000,000 anchored indicators; memory -------------------------------
def part_scaling(a):
    need_vigil()
    loadavg()
    small, big = 1000, a.big
    log("== Pattern 2. Scaling: %d vs %d anchored indicators, %d observations (gen_anchored.py, seed %d)" % (
        small, big, a.scaling_observations, a.seed))
    rows, details = [], {"mixes": {}}
    eobs = empty_observations()
    for mix in a.mixes.split(","):
        d1 = generate("anchored-%s-n%d-m%d-s%d" % (mix, small, a.scaling_observations, a.seed),
                      [sys.executable, GEN_ANCHORED, "--seed", str(a.seed), "--mix", mix, "-n", str(small),
                       "-m", str(a.scaling_observations)])
        d2 = generate("anchored-%s-n%d-s%d" % (mix, big, a.seed),
                      [sys.executable, GEN_ANCHORED, "--seed", str(a.seed), "--mix", mix, "-n", str(big), "-m", "0"])
        obs = os.path.join(d1, "observations.jsonl")
        planted, _ = read_pairs(os.path.join(d1, "planted.jsonl"))
        res = {}
        for n, d in ((small, d1), (big, d2)):
            ind = os.path.join(d, "indicators.json")
            warm(ind, obs)
            hits = os.path.join(WORK, "tmp", "scaling-%s-%d.jsonl" % (mix, n))
            os.makedirs(os.path.dirname(hits), exist_ok=True)
            load, _ = best_of(a.scaling_reps, lambda: vigil_match(ind, eobs))
            full, fruns = best_of(a.scaling_reps, lambda: vigil_match(ind, obs, hits))
            pairs, _ = read_pairs(hits)
            diff = full["wall"] - load["wall"]
            res[n] = {"load": load, "full": full, "runs": fruns, "pairs": pairs,
                      "rate_diff": a.scaling_observations / diff if diff > 0 else None,
                      "rate_reported": full["reported_rate"], "match_alone": full["match_alone"],
                      "planted_found": len(planted & pairs), "planted": len(planted)}
            log("   %-5s %9d indicators: load only %.2f s (peak RSS %.0f MB); with %d observations %.2f s "
                "(peak RSS %.0f MB): %s by difference, %s reported (matching alone %s); hits %d, planted found "
                "%d/%d" % (
                    mix, n, load["wall"], load["rss_kb"] / 1024, a.scaling_observations, full["wall"],
                    full["rss_kb"] / 1024, rate(res[n]["rate_diff"]) if res[n]["rate_diff"] else "-",
                    rate(full["reported_rate"]) if full["reported_rate"] else "-",
                    rate(full["match_alone"]) if full["match_alone"] else "-", len(pairs),
                    res[n]["planted_found"], len(planted)))
        # The first 1,000 indicators are the same in both sets: their hits must be too.
        ids_small = {o["id"] for o in json.load(open(os.path.join(d1, "indicators.json")))["objects"]}
        same = res[small]["pairs"] == {p for p in res[big]["pairs"] if p[0] in ids_small}
        found = all(r["planted_found"] == r["planted"] for r in res.values())
        key = "rate_reported" if all(r["rate_reported"] for r in res.values()) else "rate_diff"
        r1, r2 = res[small][key], res[big][key]
        slow = r1 / r2 if r1 and r2 else None
        log("   %s: rate at %d / rate at %d = %s (%s); hits of the shared 1,000 identical: %s; planted all found: %s"
            % (mix, small, big, "%.2f" % slow if slow else "-",
               "as vigil match reports it" if key == "rate_reported" else "by difference of whole-process times",
               same, found))
        rows.append(row("%s-anchored: observations/s at %s vs 1,000 indicators" % (mix, "{:,}".format(big)),
                        "%s at %s" % (rate(r2), "{:,}".format(big)) if r2 else "-",
                        "%s at 1,000" % rate(r1) if r1 else "-", slow, "1,000 / 1M <= 2",
                        slow is not None and slow <= 2 and same and found))
        m1, m2 = res[small]["match_alone"], res[big]["match_alone"]
        if m1 and m2:
            rows.append(row("  %s: matching alone, as vigil match reports its matching thread" % mix,
                            "%s at %s" % (rate(m2), "{:,}".format(big)), "%s at 1,000" % rate(m1), m1 / m2, "-",
                            None))
        details["mixes"][mix] = {"rate_key": key, "same_hits_for_shared": same, "planted_found": found,
                                 "sizes": {str(n): {k: v for k, v in r.items() if k != "pairs"}
                                           for n, r in res.items()}}
        if mix == "eq":
            per = (res[big]["load"]["rss_kb"] - res[small]["load"]["rss_kb"]) * 1024 / (big - small)
            log("   memory per equality indicator: (peak RSS %.0f MB - %.0f MB) / %d = %.0f bytes (includes what "
                "the CLI's loader holds at its peak)" % (res[big]["load"]["rss_kb"] / 1024,
                                                          res[small]["load"]["rss_kb"] / 1024, big - small, per))
            details["bytes_per_eq_indicator_rss"] = per
            rows.append(row("memory per equality indicator (peak RSS of vigil match, %s - 1,000)" % "{:,}".format(big),
                            "%.0f bytes" % per, "-", None, "< 300 bytes", per < 300))
    save("scaling", rows, details)
    print_rows(rows)


# 3. Criterion: the set in-process, and the parser ----------------------------------------
def criterion_estimate(home, group, bench):
    p = os.path.join(home, group, bench, "new", "estimates.json")
    b = os.path.join(home, group, bench, "new", "benchmark.json")
    if not os.path.exists(p):
        return None, None
    est = json.load(open(p))
    thr = json.load(open(b)).get("throughput") if os.path.exists(b) else None
    n = None
    if thr:
        n = thr.get("Elements") or thr.get("Bytes")
    return est["median"]["point_estimate"], n


def part_criterion(a):
    loadavg()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "crates/pattern"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    if dirty:
        log("   (crates/pattern has uncommitted changes; the benches build them: %s)" % ", ".join(
            l[3:] for l in dirty.splitlines()))
    log("== Pattern 3. cargo bench -p vigil-pattern (criterion: IndicatorSet::push, Pattern::parse; heap per indicator)")
    home = os.path.join(OUT, "criterion")
    env = dict(os.environ, CRITERION_HOME=home)
    if not a.no_run:
        r = subprocess.run(["cargo", "bench", "--quiet", "-p", "vigil-pattern", "--bench", "set"], env=env,
                           capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if re.match(r"^(\S+/\S+|\s+(time|thrpt):)", line):
                log("   " + line.strip())
        if r.returncode != 0:
            die("cargo bench --bench set failed:\n" + r.stderr[-3000:])
        r = subprocess.run(["cargo", "bench", "--quiet", "-p", "vigil-pattern", "--bench", "set_memory"], env=env,
                           capture_output=True, text=True)
        if r.returncode != 0:
            die("cargo bench --bench set_memory failed:\n" + r.stderr[-3000:])
        mem = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
        with open(os.path.join(WORK, "set_memory.json"), "w") as f:
            json.dump(mem, f)
    mp = os.path.join(WORK, "set_memory.json")
    mem = json.load(open(mp)) if os.path.exists(mp) else []
    rows, details = [], {"criterion_home": home, "memory": mem}
    ns, n = criterion_estimate(home, "indicator_set", "push_100k_equality")
    if ns:
        r = n / (ns * 1e-9)
        log("   IndicatorSet::push, 100,000 equality indicators, pre-parsed observations: %.1f ns each = %s" % (
            ns / n, rate(r)))
        rows.append(row("in-process observations/s, 100,000 equality indicators, 1 core", rate(r), "-", None,
                        ">= 1,000,000/s", r >= 1e6))
    ns, n = criterion_estimate(home, "indicator_set", "push_100k_equality_hits")
    if ns:
        log("   same, every observation a hit: %.1f ns each = %s" % (ns / n, rate(n / (ns * 1e-9))))
        rows.append(row("  same, every observation a hit", rate(n / (ns * 1e-9)), "-", None, "-", None))
    for bench, label in (("equality", "equality patterns"), ("workload_mix", "gen_workload's pattern mix")):
        ns, n = criterion_estimate(home, "pattern_parse", bench)
        if ns:
            log("   Pattern::parse, %s: %.2f us each = %s" % (label, ns / n / 1e3, rate(n / (ns * 1e-9))))
            rows.append(row("Pattern::parse, %s (patterns/s)" % label, rate(n / (ns * 1e-9)), "-", None, "-", None))
    for m in mem:
        log("   heap held by an IndicatorSet of %s equality indicators: %.1f MB = %.0f bytes each (process RSS %.0f MB)"
            % ("{:,}".format(m["indicators"]), m["heap_bytes"] / 1e6, m["bytes_per_indicator"], m["rss_kb"] / 1024))
    if mem:
        m = mem[-1]
        rows.append(row("heap per equality indicator in an IndicatorSet of %s" % "{:,}".format(m["indicators"]),
                        "%.0f bytes" % m["bytes_per_indicator"], "-", None, "< 300 bytes",
                        m["bytes_per_indicator"] < 300))
    save("criterion", rows, details)
    print_rows(rows)


# Summary ---------------------------------------------------------------------------------
def print_rows(rows, title=None):
    head = ("figure", "Vigil", "peer", "ratio", "bound", "verdict")
    t = [head] + [tuple(str(r[k]) for k in ("figure", "vigil", "peer", "ratio", "bound", "verdict")) for r in rows]
    w = [max(len(r[i]) for r in t) for i in range(len(head))]
    log("")
    if title:
        log(title)
    for i, r in enumerate(t):
        log("  ".join(c.ljust(w[j]) for j, c in enumerate(r)).rstrip())
        if i == 0:
            log("  ".join("-" * x for x in w))
    log("")


def part_summary(a):
    docs = []
    for p in PARTS:
        f = os.path.join(RESULTS, "pattern-%s.json" % p)
        if os.path.exists(f) and (not a.since or os.path.getmtime(f) >= a.since):
            docs.append(json.load(open(f)))
    if not docs:
        die("no pattern results in %s" % rel(RESULTS))
    rows = [r for d in docs for r in d["rows"]]
    print_rows(rows, "== Pattern engine summary (%s; %d cores; ratio = Vigil's rate / the peer's, or as named)" % (
        docs[-1]["date"], os.cpu_count()))
    fails = sum(1 for r in rows if r["verdict"] == "FAIL")
    log("%d FAIL" % fails if fails else "all bounds met")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # No `choices`: argparse (3.11) refuses an empty list against them.
    ap.add_argument("parts", nargs="*", help="oasis, scaling, criterion, summary (default: all, then summary)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--truth-observations", type=int, default=2000,
                    help="observations in the workload with ground truth (the truth costs 1,000 x this "
                         "stix2-matcher evaluations, on --jobs cores; kept for the next run)")
    ap.add_argument("--truth-hit-rate", type=float, default=0.05,
                    help="planted hit rate of the truth workload (more hits, more to compare; default 0.05)")
    ap.add_argument("--rate-observations", type=int, default=200000,
                    help="observations in the workload Vigil's rate is measured on")
    ap.add_argument("--peer-seconds", type=float, default=60, help="time budget of the OASIS matcher")
    ap.add_argument("--rstix-seconds", type=float, default=30, help="time budget of rstix")
    ap.add_argument("--reps", type=int, default=5, help="runs of each Vigil measurement in part oasis (best counts)")
    ap.add_argument("--jobs", type=int, default=0, help="processes for the ground truth (default: all cores)")
    ap.add_argument("--big", type=int, default=1000000, help="the large indicator count of part scaling")
    ap.add_argument("--mixes", default="eq,in,cidr", help="anchored mixes of part scaling (eq,in,cidr,mixed)")
    ap.add_argument("--scaling-observations", type=int, default=200000)
    ap.add_argument("--scaling-reps", type=int, default=3)
    ap.add_argument("--no-run", action="store_true", help="criterion: only read the last estimates")
    ap.add_argument("--since", type=float, default=0, help="summary: only results written after this Unix time")
    a = ap.parse_args()
    parts = a.parts or list(PARTS) + ["summary"]
    for p in parts:
        if p not in PARTS + ("summary",):
            ap.error("unknown part %r (oasis, scaling, criterion, summary)" % p)
    started = time.time()
    if "oasis" in parts or "scaling" in parts:
        pin_vigil()
    for p in parts:
        if p == "summary":
            if len(parts) > 1:
                a.since = a.since or started
            part_summary(a)
        else:
            {"oasis": part_oasis, "scaling": part_scaling, "criterion": part_criterion}[p](a)


if __name__ == "__main__":
    main()
