"""`vigil pull` against the OASIS TAXII 2.1 reference server, medallion.

medallion runs on a free loopback port with its memory backend, HTTP Basic
auth and a small page size, so a pull follows `more`/`next` over several pages.
Objects reach medallion the way any producer adds them: posted with the OASIS
taxii2-client. The data is the OASIS STIX 2.1 examples in tests/data/stix-examples
(BSD-3-Clause, see its LICENSE).
"""

import collections
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from serving import start_serve, stop
from taxii2client.v21 import Collection

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "tests" / "data" / "stix-examples"
VIGIL = os.environ.get("VIGIL_BIN", str(ROOT / "target" / "release" / "vigil"))
COLLECTION = "365fed99-08fa-fdcd-a1b3-fb247eb41d01"
USER, PASSWORD = "analyst", "s3cret-pass"
PAGE = 10  # medallion's max_page_size: every pull spans several pages

FIRST = [
    "threat-reports/apt1.json",
    "indicator-for-c2-ip-address.json",
    "indicator-to-campaign-relationship.json",
    "indicators-for-C2-with-COA.json",
    "infrastructure.json",
    "malicious-email-indicator-with-attachment.json",
]
SECOND = ["threat-reports/poisonivy.json"]


def objects_of(files):
    """The files' objects, each (id, modified) once, as medallion keeps them."""
    seen, out = set(), []
    for f in files:
        doc = json.loads((EXAMPLES / f).read_text(encoding="utf-8"))
        for o in doc.get("objects", [doc]):
            key = (o["id"], o.get("modified"))
            if key not in seen:
                seen.add(key)
                out.append(o)
    return out


def count_by_type(objs):
    return collections.Counter(o["type"] for o in {o["id"]: o for o in objs}.values())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Medallion:
    def __init__(self, tmp):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.discovery = f"{self.base}/taxii2/"
        self.api_root = f"{self.base}/api1/"
        data = {
            "/discovery": {
                "title": "medallion for Vigil's interop tests",
                "default": self.api_root,
                "api_roots": [self.api_root],
            },
            "api1": {
                "information": {
                    "title": "api1",
                    "versions": ["application/taxii+json;version=2.1"],
                    "max_content_length": 100_000_000,
                },
                "status": [],
                "collections": [
                    {
                        "id": COLLECTION,
                        "title": "examples",
                        "can_read": True,
                        "can_write": True,
                        "media_types": ["application/stix+json;version=2.1"],
                        "objects": [],
                        "manifest": [],
                    }
                ],
            },
        }
        (tmp / "data.json").write_text(json.dumps(data))
        config = {
            "backend": {
                "module": "medallion.backends.memory_backend",
                "module_class": "MemoryBackend",
                "filename": str(tmp / "data.json"),
                # pagination sessions must outlive a slow CI machine
                "session_timeout": 600,
            },
            "users": {USER: PASSWORD},
            "taxii": {"max_page_size": PAGE},
        }
        (tmp / "config.json").write_text(json.dumps(config))
        self.log = open(tmp / "medallion.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "medallion.scripts.run", "--host", "127.0.0.1",
             "--port", str(self.port), str(tmp / "config.json")],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while True:
            try:
                r = requests.get(self.discovery, auth=(USER, PASSWORD), timeout=2,
                                 headers={"Accept": "application/taxii+json;version=2.1"})
                if r.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"medallion did not start: see {tmp / 'medallion.log'}")
            time.sleep(0.2)

    def add(self, objs):
        coll = Collection(f"{self.api_root}collections/{COLLECTION}/", user=USER, password=PASSWORD)
        status = coll.add_objects({"type": "bundle", "id": "bundle--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                                   "objects": objs})
        assert status.status == "complete", status
        assert status.failure_count == 0, status.failures
        # date_added has microsecond precision: keep the next post strictly later
        time.sleep(0.01)

    def stop(self):
        stop(self.proc, self.log)


@pytest.fixture
def medallion(tmp_path):
    m = Medallion(tmp_path)
    yield m
    m.stop()


def vigil(data, *args, stdin=None):
    return subprocess.run([VIGIL, "--data", str(data), *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def pull(data, url, *extra, password=PASSWORD):
    r = vigil(data, "pull", url, "--collection", COLLECTION, "--user", USER,
              "--password-stdin", "--json", *extra, stdin=password + "\n")
    return r


def stats(data):
    r = vigil(data, "stats", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_pull_is_complete_then_incremental(medallion, tmp_path):
    data = tmp_path / "vigil-data"
    first = objects_of(FIRST)
    medallion.add(first)

    r = pull(data, medallion.discovery)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["api_root"] == medallion.api_root
    assert rep["objects"] == len(first)
    assert rep["added"] == len({o["id"] for o in first})
    assert rep["invalid"] == 0 and rep["conflicts"] == 0
    assert rep["pages"] >= len(first) // PAGE, rep  # followed more/next to the end
    assert rep["added_after"], "medallion sends X-TAXII-Date-Added-Last"
    want = count_by_type(first)
    assert stats(data)["by_type"] == dict(want)

    # Every object arrived byte-for-byte equal as JSON.
    r = vigil(data, "export", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    got = {o["id"]: o for o in map(json.loads, r.stdout.splitlines())}
    for o in first:
        assert got[o["id"]] == o

    # Nothing new: an incremental pull reads nothing.
    r = pull(data, medallion.api_root)  # an API root URL works as well as discovery
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["objects"] == 0, rep

    # New objects on the server: only they come.
    second = [o for o in objects_of(SECOND) if o["id"] not in got]
    medallion.add(second)
    r = pull(data, medallion.discovery)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["objects"] == len(second), rep
    assert rep["added"] == len({o["id"] for o in second})
    assert rep["unchanged"] == 0
    want.update(count_by_type(second))
    assert stats(data)["by_type"] == dict(want)

    # --full reads everything again; the store already has it all.
    r = pull(data, medallion.discovery, "--full")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["objects"] == len(first) + len(second)
    assert rep["added"] == 0 and rep["unchanged"] == rep["objects"]


def test_pull_errors_name_the_url(medallion, tmp_path):
    data = tmp_path / "vigil-data"
    medallion.add(objects_of(["indicator-for-c2-ip-address.json"]))

    r = pull(data, medallion.discovery, password="wrong")
    assert r.returncode == 2
    assert medallion.discovery in r.stderr and "401" in r.stderr, r.stderr

    r = vigil(data, "pull", medallion.api_root, "--collection", "no-such-collection",
              "--user", USER, "--password-stdin", stdin=PASSWORD + "\n")
    assert r.returncode == 2
    assert "404" in r.stderr and "no-such-collection" in r.stderr, r.stderr

    medallion.stop()
    started = time.time()
    r = pull(data, medallion.discovery)
    assert r.returncode == 2
    assert medallion.discovery in r.stderr, r.stderr
    assert time.time() - started < 30
    assert "panicked" not in r.stderr


def test_pull_waits_for_the_writer_lock(medallion, tmp_path):
    """Another writer (an import, `serve` storing a post) holds DATA/lock: the
    pull fetches, waits for the lock, then imports."""
    import fcntl
    import threading

    data = tmp_path / "vigil-data"
    data.mkdir()
    objs = objects_of(["indicators-for-C2-with-COA.json"])
    medallion.add(objs)
    lock = open(data / "lock", "a+")
    fcntl.flock(lock, fcntl.LOCK_EX)  # what SqliteStore::open_write takes
    threading.Timer(2.0, lambda: (fcntl.flock(lock, fcntl.LOCK_UN), lock.close())).start()
    started = time.time()
    r = pull(data, medallion.discovery)
    assert r.returncode == 0, r.stderr
    assert time.time() - started >= 1.9
    assert json.loads(r.stdout)["added"] == len(objs)


def test_serve_pulls_registered_feeds(medallion, tmp_path):
    """`vigil feed add` registers a source; a running `vigil serve` pulls it on its
    interval (first at once), and again when the source has new objects."""
    data = tmp_path / "vigil-data"
    first = objects_of(FIRST)
    medallion.add(first)
    r = vigil(data, "feed", "add", medallion.discovery, "--collection", COLLECTION,
              "--name", "examples", "--every", "1s", "--user", USER, "--password-stdin",
              stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    port = free_port()
    server, log = start_serve(VIGIL, data, port, tmp_path / "serve.log", "--no-attack")

    def ids_in_store():
        r = vigil(data, "export", "--format", "jsonl")
        assert r.returncode == 0, r.stderr
        return {json.loads(line)["id"] for line in r.stdout.splitlines()}

    def wait_for(want, what):
        deadline = time.time() + 60
        while not want <= ids_in_store():
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.time() < deadline, f"{what}: serve did not pull the feed; " + \
                (tmp_path / "serve.log").read_text()
            time.sleep(0.5)

    try:
        wait_for({o["id"] for o in first}, "first pull")
        second = objects_of(SECOND)
        medallion.add(second)
        wait_for({o["id"] for o in second}, "second pull")
        r = vigil(data, "feed", "list", "--json")
        assert r.returncode == 0, r.stderr
        assert "examples" in r.stdout
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
