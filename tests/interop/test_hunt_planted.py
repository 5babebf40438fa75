"""Acceptance test of `vigil hunt` (issue 5): it finds exactly the planted hits.

tests/hunt/gen_logs.py writes realistic Zeek, Suricata EVE, ECS, STIX observed-data
and custom (mapping-file) logs, 22,000 records per format, among which it plants
hits of the indicators in its indicators.json, and lists them in expected.jsonl
(verified by the OASIS stix2-matcher with `gen_logs.py --check`; see tests/hunt/README.md).

Here, in a fresh store holding only those indicators (`vigil init --no-attack`,
`vigil import indicators.json`), `vigil hunt --json --dry-run` must report, for every
format, exactly the expected hits: the same (indicator, file, line), where file is
the path as given on the command line and line the 1-based line of the record that
completed the match; for a match over several records the others as `others`; the
intrusion sets, campaigns and malware reached by `indicates` in `related`. Nothing
else: not the negative controls (records after an indicator's valid_until, a revoked
indicator's value, a superseded version's value, near misses one character off,
FOLLOWEDBY in the wrong order or outside its WITHIN, REPEATS with one record too few),
and nothing in the 110,000 clean records. The contract is crates/hunt/MAPPING.md.

Vigil is $VIGIL_BIN (default target/release/vigil, from the repository root).
"""

import hashlib
import json
import os
import pathlib
import subprocess
import sys
from datetime import datetime

import pytest

from conftest import SUMMARY

ROOT = pathlib.Path(__file__).resolve().parents[2]
GEN = ROOT / "tests" / "hunt" / "gen_logs.py"
SEED = 5
RECORDS = 22000  # per format: 110,000 clean records in all

sys.path.insert(0, str(GEN.parent))
import gen_logs  # noqa: E402  (its MAPPING.md reader gives each record's time)

FORMATS = {
    "zeek": ["zeek/conn.log", "zeek/dns.log", "zeek/http.log", "zeek/ssl.log", "zeek/x509.log", "zeek/files.log"],
    "suricata": ["suricata/eve.json"],
    "ecs": ["ecs/ecs.json"],
    "stix": ["stix/observed.jsonl"],
}
CUSTOM = "custom/app.jsonl"


def vigil_bin():
    exe = pathlib.Path(os.environ.get("VIGIL_BIN", "target/release/vigil"))
    if not exe.is_absolute():
        exe = ROOT / exe
    if not exe.exists():
        pytest.fail("no %s: build it first (cargo build --release -p vigil) or set VIGIL_BIN" % exe)
    return str(exe)


def generate(out, seed=SEED, records=RECORDS):
    p = subprocess.run([sys.executable, str(GEN), "--seed", str(seed), "--records", str(records), "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, "gen_logs.py failed:\n" + p.stderr[-3000:]
    return p.stdout


class Data:
    pass


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = Data()
    base = tmp_path_factory.mktemp("hunt")
    d.out = base / "logs"
    d.store = base / "store"
    summary = generate(d.out).strip().splitlines()[-1]
    SUMMARY.append("hunt planted: " + summary)
    d.expected = [json.loads(x) for x in (d.out / "expected.jsonl").read_text().splitlines()]
    d.controls = [json.loads(x) for x in (d.out / "controls.jsonl").read_text().splitlines()]
    bundle = json.loads((d.out / "indicators.json").read_text())
    d.objects = {}
    for o in bundle["objects"]:
        if o["id"] not in d.objects or o.get("modified", "") >= d.objects[o["id"]].get("modified", ""):
            d.objects[o["id"]] = o
    d.mapping = json.loads((d.out / "custom" / "mapping.json").read_text())
    d.lines = {}
    d.vigil = vigil_bin()
    for args in (["init", "--no-attack"], ["import", str(d.out / "indicators.json")]):
        p = subprocess.run([d.vigil, "--data", str(d.store)] + args, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, "vigil %s exited %d:\n%s%s" % (" ".join(args), p.returncode, p.stdout[-2000:], p.stderr[-2000:])
        if args[0] == "import":
            import re
            bad = [int(n) for n in re.findall(r"(\d+) invalid", p.stdout + p.stderr)]
            assert not any(bad), "indicators.json has objects vigil import refuses:\n" + p.stdout + p.stderr
    d.cache = {}
    return d


def record(d, file, line):
    if file not in d.lines:
        d.lines[file] = (d.out / file).read_text().splitlines()
    return d.lines[file][line - 1]


def hunt(d, args):
    """Run `vigil hunt --json --dry-run ARGS` in the logs directory (paths as given); cached."""
    key = tuple(args)
    if key not in d.cache:
        cmd = [d.vigil, "--data", str(d.store), "hunt", "--json", "--dry-run"] + args
        p = subprocess.run(cmd, cwd=d.out, capture_output=True, text=True, timeout=900)
        assert p.returncode in (0, 1), "%s exited %d:\n%s" % (" ".join(cmd), p.returncode, p.stderr[-3000:])
        hits = []
        for x in p.stdout.splitlines():
            if x.strip():
                try:
                    hits.append(json.loads(x))
                except ValueError:
                    pytest.fail("hunt --json printed a line that is not JSON: %r" % x[:300])
        d.cache[key] = (p.returncode, hits, p.stderr)
    return d.cache[key]


def describe(d, ind_id, file, line):
    o = d.objects.get(ind_id, {})
    rec = record(d, file, line) if file and isinstance(line, int) and (d.out / file).exists() else "?"
    return "%s %r %s\n      at %s:%s: %s" % (ind_id, o.get("name"), o.get("pattern"), file, line, rec[:400])


def control_of(d, ind_id, file, line):
    for c in d.controls:
        if c["control"] == "negative" and c["indicator"] == ind_id and {"file": file, "line": line} in c["records"]:
            return c["why"]
    for c in d.controls:
        if c["control"] == "negative" and {"file": file, "line": line} in c["records"]:
            return "a negative control of another indicator (%s)" % c["why"]
    return None


def compare(d, hits, files, label):
    """The hits must be exactly the expected ones of these files."""
    want = {(h["indicator"], h["file"], h["line"]): h for h in d.expected if h["file"] in files}
    got, problems = {}, []
    for h in hits:
        key = (h.get("indicator"), h.get("file"), h.get("line"))
        if key in got:
            problems.append("reported twice: " + describe(d, *key))
        got[key] = h
    for key in sorted(want.keys() - got.keys(), key=lambda k: (k[1], k[2])):
        w = want[key]
        extra = "" if not w["others"] else "\n      completing a match with %s" % (
            ", ".join("%s:%d" % (o["file"], o["line"]) for o in w["others"]))
        problems.append("MISSED: " + describe(d, *key) + extra)
    for key in sorted(got.keys() - want.keys(), key=lambda k: (str(k[1]), str(k[2]))):
        why = control_of(d, *key)
        problems.append("EXTRA: " + describe(d, *key) + ("\n      (this record is a negative control: %s)" % why if why else ""))
    for key in sorted(want.keys() & got.keys(), key=lambda k: (k[1], k[2])):
        w, g = want[key], got[key]
        wo = sorted((o["file"], o["line"]) for o in w["others"])
        go = sorted((o.get("file"), o.get("line")) for o in (g.get("others") or []))
        if wo != go:
            problems.append("OTHERS %s, want %s: %s" % (go, wo, describe(d, *key)))
        rel = {r.get("id") for r in (g.get("related") or []) if isinstance(r, dict)}
        if not set(w["related"]) <= rel:
            problems.append("RELATED %s lacks %s: %s" % (sorted(rel), sorted(set(w["related"]) - rel), describe(d, *key)))
        elif rel - set(w["related"]):
            SUMMARY.append("hunt planted (%s): related also names %s for %s" % (label, sorted(rel - set(w["related"])), key[0]))
    n_multi = sum(1 for h in want.values() if h["others"])
    SUMMARY.append("hunt planted (%s): %d of %d expected hits found (%d over several records), %d extra"
                   % (label, len(want.keys() & got.keys()), len(want), n_multi, len(got.keys() - want.keys())))
    assert not problems, "%s: %d disagreements with expected.jsonl:\n  %s" % (label, len(problems), "\n  ".join(problems))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_format_finds_exactly_the_planted_hits(data, fmt):
    code, hits, err = hunt(data, ["--format", fmt] + FORMATS[fmt])
    compare(data, hits, FORMATS[fmt], "--format %s" % fmt)
    assert code == 0, "exit status %d with hits; want 0\n%s" % (code, err[-2000:])


def test_mapping_file_finds_exactly_the_planted_hits(data):
    code, hits, err = hunt(data, ["--format", "mapping", "--mapping", "custom/mapping.json", CUSTOM])
    compare(data, hits, [CUSTOM], "--format mapping")
    assert code == 0, "exit status %d with hits; want 0\n%s" % (code, err[-2000:])


@pytest.mark.parametrize("file", [f for fmt in sorted(FORMATS) for f in FORMATS[fmt]])
def test_auto_format_on_each_file(data, file):
    code, hits, err = hunt(data, ["--format", "auto", file])
    compare(data, hits, [file], "--format auto %s" % file)
    assert code == 0, "exit status %d with hits; want 0\n%s" % (code, err[-2000:])


def test_clean_records_give_no_hit_and_exit_1(data):
    """conn.log without its planted records (hits and controls): no hit, exit status 1."""
    planted = {h["line"] for h in data.expected if h["file"] == "zeek/conn.log"}
    planted |= {o["line"] for h in data.expected for o in h["others"] if o["file"] == "zeek/conn.log"}
    planted |= {r["line"] for c in data.controls for r in c.get("records", []) if r["file"] == "zeek/conn.log"}
    lines = (data.out / "zeek/conn.log").read_text().splitlines()
    clean = [x for i, x in enumerate(lines, 1) if i not in planted]
    (data.out / "clean-conn.log").write_text("\n".join(clean) + "\n")
    code, hits, err = hunt(data, ["--format", "zeek", "clean-conn.log"])
    assert hits == [], "hits in clean records:\n" + "\n".join(json.dumps(h)[:300] for h in hits[:20])
    assert code == 1, "exit status %d without hits; want 1\n%s" % (code, err[-2000:])


def test_hit_details(data):
    """indicator_name, matched, time and related of the hits found by the per-format runs."""
    runs = [(["--format", f] + FORMATS[f]) for f in sorted(FORMATS)]
    runs.append(["--format", "mapping", "--mapping", "custom/mapping.json", CUSTOM])
    want = {(h["indicator"], h["file"], h["line"]): h for h in data.expected}
    problems, checked = [], 0
    for args in runs:
        _, hits, _ = hunt(data, args)
        for g in hits:
            key = (g.get("indicator"), g.get("file"), g.get("line"))
            w = want.get(key)
            if w is None:
                continue  # the per-format tests report it
            checked += 1
            ind = data.objects[key[0]]
            if g.get("indicator_name") != ind["name"]:
                problems.append("indicator_name %r, want %r: %s" % (g.get("indicator_name"), ind["name"], describe(data, *key)))
            matched = {str(v).lower() for v in (g.get("matched") or [])}
            lack = [v for v in w["matched"] if str(v).lower() not in matched]
            if lack:
                problems.append("matched %s lacks %s: %s" % (g.get("matched"), lack, describe(data, *key)))
            fmt = key[1].split("/")[0]
            _, us = gen_logs.observation(fmt, record(data, key[1], key[2]), 0, data.mapping)
            try:
                t = datetime.fromisoformat(str(g.get("time")).replace("Z", "+00:00"))
                off = abs(t.timestamp() * 1e6 - us)
            except ValueError:
                off = None
            if off is None or off > 1000:
                problems.append("time %r is not the record's time %s: %s" % (g.get("time"), gen_logs.iso(us, 6), describe(data, *key)))
            for r in g.get("related") or []:
                o = data.objects.get(r.get("id") if isinstance(r, dict) else None)
                if o is None or r.get("type") != o["type"] or r.get("name") != o["name"]:
                    problems.append("related entry %r is not {id, type, name} of a stored object: %s" % (r, describe(data, *key)))
    SUMMARY.append("hunt planted: details of %d hits checked" % checked)
    assert checked, "no expected hit was found: nothing to check"
    assert not problems, "%d problems:\n  %s" % (len(problems), "\n  ".join(problems))


def test_generator_is_deterministic(tmp_path):
    """The same seed gives byte-identical files; another seed, other files."""
    def digests(out):
        return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*")) if p.is_file()}
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        env = dict(os.environ, PYTHONHASHSEED=str(len(name) * 7 + ord(name)))
        p = subprocess.run([sys.executable, str(GEN), "--seed", str(seed), "--records", "2000", "--out", str(tmp_path / name)],
                           capture_output=True, text=True, timeout=300, env=env)
        assert p.returncode == 0, p.stderr[-2000:]
    a, b, c = digests(tmp_path / "a"), digests(tmp_path / "b"), digests(tmp_path / "c")
    assert len(a) == 14, sorted(a)
    assert a == b, "same seed, different files: %s" % sorted(k for k in a if a[k] != b.get(k))
    assert a["zeek/conn.log"] != c["zeek/conn.log"] and a["expected.jsonl"] != c["expected.jsonl"]
