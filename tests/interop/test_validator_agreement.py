"""Differential test: Vigil's STIX 2.1 validator against the OASIS stix2-validator.

For every object of every file in tests/data/stix-examples (a file is a bundle or a
single object) and every case of tests/data/validation/broken.json, compare the
MUST-level verdicts: stix2-validator's (Python API, default non-strict options, so
only MUST-level findings make an object invalid) and Vigil's (`vigil validate --json`).

The test fails on every disagreement not listed in
tests/data/validation/disagreements.json, and on every listed one that no longer
disagrees or no longer exists.

Vigil is run as `$VIGIL_BIN validate --json FILE` (VIGIL_BIN defaults to
target/release/vigil, relative to the repository root). VIGIL_VALIDATE_CMD, if set,
replaces the whole command prefix, e.g.
`VIGIL_VALIDATE_CMD=target/release/examples/validate_json` for the crate's example.
"""

import json
import os
import pathlib
import shlex
import subprocess
import tempfile

import pytest
from stix2validator import ValidationOptions, validate_instance

from conftest import SUMMARY

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "tests" / "data" / "stix-examples"
BROKEN = ROOT / "tests" / "data" / "validation" / "broken.json"
DISAGREEMENTS = ROOT / "tests" / "data" / "validation" / "disagreements.json"


def vigil_command():
    custom = os.environ.get("VIGIL_VALIDATE_CMD")
    if custom:
        cmd = shlex.split(custom)
    else:
        cmd = [os.environ.get("VIGIL_BIN", "target/release/vigil"), "validate", "--json"]
    exe = pathlib.Path(cmd[0])
    if not exe.is_absolute() and (ROOT / exe).exists():
        cmd[0] = str(ROOT / exe)
    return cmd


def run_vigil(path):
    """Vigil's verdicts for the objects of one file, in input order."""
    cmd = vigil_command() + [str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    except FileNotFoundError:
        pytest.fail(f"cannot run {cmd[0]}: build it first (cargo build --release) or set VIGIL_BIN / VIGIL_VALIDATE_CMD")
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr[-2000:]}"
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [line["index"] for line in lines] == list(range(len(lines))), "vigil must print one line per object, in order"
    return lines


OPTIONS = ValidationOptions(version="2.1", silent=True)
MUSTS_ONLY = ValidationOptions(version="2.1", silent=True, disabled=["all"])


def validator_verdict(obj):
    """(valid, detail): stix2-validator's MUST-level verdict on one object.

    The SHOULD checks cannot change a non-strict verdict, but some of them raise on
    malformed input; then the MUST checks are run alone. If the validator still
    raises (or refuses the input, e.g. without 'id' or 'type'), the object is
    invalid, as it is for the validator's own command line.
    """
    for options in (OPTIONS, MUSTS_ONLY):
        try:
            result = validate_instance(obj, options)
        except Exception as e:  # noqa: BLE001 - the reference implementation's failure is a verdict
            detail = f"validator raised {type(e).__name__}: {e}"
            continue
        return result.is_valid, "; ".join(str(e) for e in result.errors)[:500]
    return False, detail


def items():
    """(key, object, vigil-result) for every object under test."""
    out = []
    for path in sorted(EXAMPLES.rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        objs = doc["objects"] if isinstance(doc, dict) and doc.get("type") == "bundle" else [doc]
        results = run_vigil(path)
        assert len(results) == len(objs), f"{path}: {len(objs)} objects, {len(results)} results"
        rel = path.relative_to(EXAMPLES)
        for i, (o, r) in enumerate(zip(objs, results)):
            out.append((f"example:{rel}#{i}", o, r))
    cases = json.loads(BROKEN.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        array = pathlib.Path(tmp) / "cases.json"
        array.write_text(json.dumps([c["object"] for c in cases]), encoding="utf-8")
        results = run_vigil(array)
    assert len(results) == len(cases)
    for c, r in zip(cases, results):
        out.append((c["case"], c["object"], r))
    return out


def verdict(valid):
    return "valid" if valid else "invalid"


def test_validator_agreement():
    listed = {d["case"]: d for d in json.loads(DISAGREEMENTS.read_text(encoding="utf-8"))}
    seen, agree, known, problems = set(), 0, 0, []
    for key, obj, vigil in items():
        assert key not in seen, f"duplicate case {key}"
        seen.add(key)
        theirs, detail = validator_verdict(obj)
        ours = vigil["valid"]
        entry = listed.get(key)
        if theirs == ours:
            agree += 1
            if entry:
                problems.append(f"STALE  {key}: listed as a disagreement, but both now say {verdict(ours)}")
            continue
        if entry and entry["validator"] == verdict(theirs) and entry["vigil"] == verdict(ours):
            known += 1
            continue
        why = "; ".join(f"{e['pointer'] or '/'} [{e['rule']}] {e['message']}" for e in vigil["errors"])[:500]
        problems.append(f"DIFFER {key}: stix2-validator says {verdict(theirs)} ({detail}); vigil says {verdict(ours)} ({why})")
    for key in sorted(set(listed) - seen):
        problems.append(f"STALE  {key}: listed as a disagreement but no such case exists")
    summary = f"validator agreement: {len(seen)} objects, {agree} agree, {known} known disagreements"
    SUMMARY.append(summary)
    print(summary)
    assert not problems, summary + "\n" + "\n".join(problems)
