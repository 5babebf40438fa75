"""Vigil's TAXII 2.1 server against the OASIS clients from PyPI, unchanged.

One `vigil serve` (fresh data directory, no ATT&CK, a free loopback port)
serves the whole module. Users, groups and collections are made with the admin
CLI, as an operator would. Then:

- `taxii2client.v21` discovers the server, lists collections (can_read and
  can_write as the groups say), adds envelopes and bundles and polls their
  status, reads objects with every filter, follows `more`/`next` to the end,
  reads manifests and versions, deletes;
- `stix2`'s TAXIICollectionSource, Sink and a CompositeDataSource read and write
  through it;
- `requests` sends what a careless client sends (media types, envelopes, sizes,
  credentials, parameters) and gets the TAXII error the spec names, never a 500;
- a pager walks a collection while another thread posts, and sees every object
  that was there at the start exactly once;
- users cleared for TLP:GREEN and TLP:AMBER see what their clearance covers.

The objects are generated here (deterministic ids), so no data files are needed.
"""

import json
import os
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from serving import start_serve, stop
import stix2
from stix2 import CompositeDataSource, Filter, MemorySource, TAXIICollectionSink, TAXIICollectionSource
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

ROOT = Path(__file__).resolve().parents[2]
VIGIL = os.environ.get("VIGIL_BIN", str(ROOT / "target" / "release" / "vigil"))

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"

# The STIX 2.1 predefined TLP 1.0 marking definitions and the OASIS TLP 2.0 ones.
TLP1_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
TLP1_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
TLP1_RED = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
TLP2_CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
TLP2_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
TLP2_AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
TLP2_AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"

# Collections (fixed ids, so failures name them).
MAIN = "9a0c3d2e-1111-4c6a-9f4e-000000000001"  # readers read, writers write
FILTERS = "9a0c3d2e-1111-4c6a-9f4e-000000000002"
PAGES = "9a0c3d2e-1111-4c6a-9f4e-000000000003"
RACE = "9a0c3d2e-1111-4c6a-9f4e-000000000004"
MARKED = "9a0c3d2e-1111-4c6a-9f4e-000000000005"
READONLY = "9a0c3d2e-1111-4c6a-9f4e-000000000006"  # readers read, nobody writes
OTHERS = "9a0c3d2e-1111-4c6a-9f4e-000000000007"  # outsiders only
SINK = "9a0c3d2e-1111-4c6a-9f4e-000000000008"
APART = "9a0c3d2e-1111-4c6a-9f4e-000000000009"
NO_SUCH = "9a0c3d2e-1111-4c6a-9f4e-0000000000ff"

PASSWORD = {
    "admin": "admin-pass-1",  # readers + writers, TLP:RED
    "green": "green-pass-1",  # readers + writers, TLP:GREEN
    "amber": "amber-pass-1",  # readers only, TLP:AMBER
    "outsider": "outsider-pass-1",  # outsiders, TLP:RED
}

MAX_BODY = 2 << 20  # serve --max-body 2M
NS = uuid.UUID("5b8f0a3e-7c1d-4e2a-9b6f-3d4c5e6f7a8b")
SERVER_ERRORS = []  # every 5xx any request of this module got


def sid(kind, *key):
    """A deterministic STIX id."""
    return f"{kind}--{uuid.uuid5(NS, kind + '/' + '/'.join(map(str, key)))}"


def ts(n, ms=0):
    """A STIX timestamp n seconds after 2024-01-01, with milliseconds."""
    t = time.gmtime(1704067200 + n)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{ms:03d}Z"


def attack_pattern(key, n=0, **extra):
    o = {
        "type": "attack-pattern", "spec_version": "2.1", "id": sid("attack-pattern", key),
        "created": ts(0), "modified": ts(n), "name": f"technique {key}",
    }
    o.update(extra)
    return o


def indicator(key, n=0, **extra):
    o = {
        "type": "indicator", "spec_version": "2.1", "id": sid("indicator", key),
        "created": ts(0), "modified": ts(n), "name": f"indicator {key}",
        "pattern": f"[ipv4-addr:value = '10.0.{key % 250}.{key % 200}']" if isinstance(key, int)
        else "[domain-name:value = 'example.com']",
        "pattern_type": "stix", "valid_from": ts(0),
    }
    o.update(extra)
    return o


def malware(key, n=0, **extra):
    o = {
        "type": "malware", "spec_version": "2.1", "id": sid("malware", key),
        "created": ts(0), "modified": ts(n), "name": f"malware {key}", "is_family": True,
    }
    o.update(extra)
    return o


def envelope(objs):
    return {"objects": objs}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _note_5xx(resp, *args, **kwargs):
    if resp.status_code >= 500:
        SERVER_ERRORS.append(f"{resp.request.method} {resp.request.url} -> {resp.status_code} {resp.text[:300]}")


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


class Vigil:
    """A `vigil serve` on a fresh data directory, and the admin CLI beside it."""

    def __init__(self, tmp):
        self.data = tmp / "data"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.discovery = f"{self.base}/taxii2/"
        self.api_root = f"{self.base}/taxii2/api/"
        self.log_path = tmp / "serve.log"
        self.proc, self.log = start_serve(VIGIL, self.data, self.port, self.log_path, "--no-attack",
                                          "--max-body", "2M")
        self.http = requests.Session()
        self.http.hooks["response"].append(_note_5xx)

    def cli(self, *args, stdin=None):
        r = subprocess.run([VIGIL, "--data", str(self.data), *args], input=stdin,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"vigil {' '.join(args)}: {r.stderr}"
        return r.stdout

    def auth(self, user):
        return (user, PASSWORD[user])

    def collection(self, coll, user="admin"):
        c = Collection(f"{self.api_root}collections/{coll}/", user=user, password=PASSWORD[user])
        c._conn.session.hooks["response"].append(_note_5xx)
        return c

    def get(self, path, user="admin", accept=TAXII, **kw):
        headers = kw.pop("headers", {})
        headers.setdefault("Accept", accept)  # None: no Accept header at all
        kw.setdefault("auth", self.auth(user) if user else None)
        return self.http.get(self.api_root + path, headers=headers, timeout=30, **kw)

    def post(self, path, body, user="admin", content_type=TAXII, accept=TAXII, **kw):
        headers = {"Accept": accept, "Content-Type": content_type}
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        return self.http.post(self.api_root + path, data=body, headers=headers,
                              auth=self.auth(user) if user else None, timeout=60, **kw)

    def stop(self):
        stop(self.proc, self.log)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    v = Vigil(tmp_path_factory.mktemp("taxii"))
    try:
        # No user yet: loopback is served anonymously, with full clearance.
        v.anonymous = v.http.get(v.discovery, headers={"Accept": TAXII}, timeout=10).status_code
        for g in ("readers", "writers", "outsiders"):
            v.cli("group", "add", g)
        rw = ["--read", "readers", "--write", "writers"]
        for coll, title in [(MAIN, "main"), (FILTERS, "filters"), (PAGES, "pages"), (RACE, "race"),
                            (MARKED, "marked"), (SINK, "sink"), (APART, "apart")]:
            assert v.cli("collection", "add", title, "--id", coll, *rw).strip() == coll
        v.cli("collection", "add", "read only", "--id", READONLY, "--read", "readers")
        v.cli("collection", "add", "others", "--id", OTHERS, "--read", "outsiders", "--write", "outsiders")
        users = {
            "admin": ["--group", "readers", "--group", "writers", "--clearance", "TLP:RED"],
            "green": ["--group", "readers", "--group", "writers", "--clearance", "TLP:GREEN"],
            "amber": ["--group", "readers", "--clearance", "TLP:AMBER"],
            "outsider": ["--group", "outsiders", "--clearance", "TLP:RED"],
        }
        for name, args in users.items():
            v.cli("user", "add", name, "--password-stdin", *args, stdin=PASSWORD[name] + "\n")
        v.token = v.cli("user", "token", "admin").strip().split()[-1]
        v.after_users = v.http.get(v.discovery, headers={"Accept": TAXII}, timeout=10).status_code
        yield v
    finally:
        v.stop()


def ids_of(env):
    return [o["id"] for o in env.get("objects", [])]


# --- discovery, API root, collections ------------------------------------------------------


def test_anonymous_only_until_a_user_exists(srv):
    assert srv.anonymous == 200
    assert srv.after_users == 401
    r = srv.http.get(srv.discovery, headers={"Accept": TAXII}, timeout=10)
    assert r.status_code == 401
    assert "Basic" in r.headers.get("WWW-Authenticate", "")
    assert r.headers["Content-Type"].startswith("application/taxii+json")
    assert r.json()["http_status"] == "401"
    assert srv.http.get(f"{srv.base}/healthz", timeout=10).status_code == 200  # no credentials needed


def test_discovery_and_api_root(srv):
    server = Server(srv.discovery, user="green", password=PASSWORD["green"])
    assert server.title
    assert server.default.url == srv.api_root
    assert [a.url for a in server.api_roots] == [srv.api_root]
    root = server.api_roots[0]
    assert TAXII in root.versions
    assert root.max_content_length > 0
    # A Bearer token works as well as Basic.
    server = Server(srv.discovery, auth=BearerAuth(srv.token))
    assert [a.url for a in server.api_roots] == [srv.api_root]


def test_collections_follow_groups(srv):
    def listed(user):
        root = ApiRoot(srv.api_root, user=user, password=PASSWORD[user])
        return {c.id: (c.can_read, c.can_write) for c in root.collections}

    green = listed("green")
    assert green[MAIN] == (True, True)
    assert green[READONLY] == (True, False)
    assert OTHERS not in green
    amber = listed("amber")
    assert amber[MAIN] == (True, False)
    assert amber[READONLY] == (True, False)
    assert OTHERS not in amber
    assert listed("outsider") == {OTHERS: (True, True)}
    c = srv.collection(MAIN, "amber")
    assert (c.id, c.title, c.can_read, c.can_write) == (MAIN, "main", True, False)
    assert STIX in c.media_types


# --- adding objects --------------------------------------------------------------------------


def test_add_envelope_and_bundle_and_poll_status(srv):
    coll = srv.collection(MAIN, "green")
    objs = [attack_pattern(f"add-{i}") for i in range(20)]
    status = coll.add_objects(envelope(objs[:10]), poll_interval=0.1, timeout=20)
    assert status.status == "complete"
    assert (status.total_count, status.success_count, status.failure_count, status.pending_count) == (10, 10, 0, 0)
    assert {s["id"] for s in status.successes} == {o["id"] for o in objs[:10]}
    assert {s["version"] for s in status.successes} == {ts(0)}

    # A bundle posted as the envelope (what stix2's sink does), and polling by hand.
    bundle = {"type": "bundle", "id": sid("bundle", "add"), "objects": objs[10:]}
    status = coll.add_objects(bundle, wait_for_completion=False)
    status.wait_until_final(poll_interval=0.1, timeout=20)
    assert status.status == "complete" and status.success_count == 10, status._raw
    # The status resource itself, through the API root.
    again = ApiRoot(srv.api_root, user="green", password=PASSWORD["green"]).get_status(status.id)
    assert again.status == "complete" and again.success_count == 10
    # Another user does not see someone else's status.
    r = srv.get(f"status/{status.id}/", user="amber")
    assert r.status_code == 404

    got = coll.get_objects(type="attack-pattern", id=",".join(o["id"] for o in objs))
    assert sorted(ids_of(got)) == sorted(o["id"] for o in objs)
    assert {o["id"]: o for o in got["objects"]} == {o["id"]: o for o in objs}  # as posted

    # Posting the same versions again is not an error: they are stored already.
    status = coll.add_objects(envelope(objs[:3]), poll_interval=0.1, timeout=20)
    assert status.status == "complete" and status.success_count == 3, status._raw
    assert len(coll.get_objects(id=objs[0]["id"], version="all")["objects"]) == 1


# --- reading with every filter -----------------------------------------------------------------


@pytest.fixture(scope="module")
def filters(srv):
    """FILTERS: three versions of one indicator (posted out of order), other types, in two posts."""
    coll = srv.collection(FILTERS)
    ind = [indicator("versioned", n) for n in (20, 10, 30)]  # versions t10 < t20 < t30
    first = [ind[0], ind[1], malware(1), malware(2), attack_pattern("f1")]
    second = [ind[2], indicator(7), attack_pattern("f2")]
    for part in (first, second):
        s = coll.add_objects(envelope(part), poll_interval=0.1, timeout=20)
        assert s.status == "complete" and s.success_count == len(part), s._raw
        time.sleep(0.002)  # date_added is in microseconds; keep the posts apart
    return {"coll": coll, "ind": ind, "first": first, "second": second,
            "latest_ids": {o["id"] for o in first + second}}


def test_get_objects_default_is_latest_versions(filters):
    coll = filters["coll"]
    env = coll.get_objects()
    assert env["more"] is False and "next" not in env
    assert sorted(ids_of(env)) == sorted(filters["latest_ids"])
    versioned = [o for o in env["objects"] if o["id"] == filters["ind"][0]["id"]]
    assert [o["modified"] for o in versioned] == [ts(30)]


def test_match_id_and_type(filters):
    coll, ind = filters["coll"], filters["ind"]
    assert ids_of(coll.get_objects(id=ind[0]["id"])) == [ind[0]["id"]]
    two = [malware(1)["id"], attack_pattern("f2")["id"]]
    assert sorted(ids_of(coll.get_objects(id=two))) == sorted(two)
    assert sorted(ids_of(coll.get_objects(type="malware"))) == sorted([malware(1)["id"], malware(2)["id"]])
    got = coll.get_objects(type=["indicator", "attack-pattern"])
    assert sorted(ids_of(got)) == sorted(
        {ind[0]["id"], indicator(7)["id"], attack_pattern("f1")["id"], attack_pattern("f2")["id"]})
    assert ids_of(coll.get_objects(type="campaign")) == []
    assert ids_of(coll.get_objects(id=ind[0]["id"], type="malware")) == []


def test_match_version(filters):
    coll, vid = filters["coll"], filters["ind"][0]["id"]

    def versions(**kw):
        return sorted(o["modified"] for o in coll.get_objects(id=vid, **kw).get("objects", []))

    assert versions() == [ts(30)]
    assert versions(version="last") == [ts(30)]
    assert versions(version="first") == [ts(10)]
    assert versions(version="all") == [ts(10), ts(20), ts(30)]
    assert versions(version=ts(20)) == [ts(20)]
    assert versions(version=["first", "last"]) == [ts(10), ts(30)]
    assert versions(version="2023-01-01T00:00:00.000Z") == []
    # Over the whole collection: 'all' gives every version of every object.
    assert len(coll.get_objects(version="all")["objects"]) == len(filters["latest_ids"]) + 2
    first = {o["id"]: o["modified"] for o in coll.get_objects(version="first")["objects"]}
    assert first[vid] == ts(10) and len(first) == len(filters["latest_ids"])


def test_match_spec_version(filters):
    coll = filters["coll"]
    assert sorted(ids_of(coll.get_objects(spec_version="2.1"))) == sorted(filters["latest_ids"])
    assert ids_of(coll.get_objects(spec_version="2.0")) == []


def test_added_after_and_date_headers(srv, filters):
    coll = filters["coll"]
    man = coll.get_manifest(version="all")["objects"]
    first_ids = {o["id"] for o in filters["first"]}
    added = [m["date_added"] for m in man if m["id"] in first_ids and m["version"] != ts(30)]
    cut = max(added)
    got = coll.get_objects(added_after=cut)
    assert sorted(ids_of(got)) == sorted({o["id"] for o in filters["second"]})
    # Everything, with added_after before the first post.
    assert sorted(ids_of(coll.get_objects(added_after="2000-01-01T00:00:00Z"))) == sorted(filters["latest_ids"])
    assert ids_of(coll.get_objects(added_after="2999-01-01T00:00:00Z")) == []

    # X-TAXII-Date-Added-First/Last are the first and last date_added of the page.
    r = srv.get(f"collections/{FILTERS}/objects/", params={"match[version]": "all"})
    assert r.status_code == 200
    dates = sorted(m["date_added"] for m in man)
    assert r.headers["X-TAXII-Date-Added-First"] == dates[0]
    assert r.headers["X-TAXII-Date-Added-Last"] == dates[-1]
    r = srv.get(f"collections/{FILTERS}/manifest/", params={"added_after": cut})
    assert r.headers["X-TAXII-Date-Added-First"] > cut


def test_limit_and_next(filters):
    coll = filters["coll"]
    seen = []
    env = coll.get_objects(limit=2)
    pages = 1
    while True:
        assert len(env["objects"]) <= 2
        seen += ids_of(env)
        if not env["more"]:
            break
        env = coll.get_objects(limit=2, next=env["next"])
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(filters["latest_ids"])
    # next with filters: the filters apply to every page.
    env = coll.get_objects(limit=1, type="malware")
    env2 = coll.get_objects(limit=1, type="malware", next=env["next"])
    assert sorted(ids_of(env) + ids_of(env2)) == sorted([malware(1)["id"], malware(2)["id"]])
    assert env2["more"] is False


def test_get_object_and_versions(filters):
    coll, ind = filters["coll"], filters["ind"]
    env = coll.get_object(ind[0]["id"])
    assert [o["modified"] for o in env["objects"]] == [ts(30)]
    assert env["objects"][0] == ind[2]
    assert sorted(o["modified"] for o in coll.get_object(ind[0]["id"], version="all")["objects"]) == [
        ts(10), ts(20), ts(30)]
    assert [o["modified"] for o in coll.get_object(ind[0]["id"], version="first")["objects"]] == [ts(10)]
    assert [o["modified"] for o in coll.get_object(ind[0]["id"], version=ts(20))["objects"]] == [ts(20)]
    vers = coll.object_versions(ind[0]["id"])
    assert vers["more"] is False
    assert sorted(vers["versions"]) == [ts(10), ts(20), ts(30)]
    assert coll.object_versions(malware(1)["id"])["versions"] == [ts(0)]
    with pytest.raises(requests.HTTPError) as e:
        coll.get_object(sid("indicator", "absent"))
    assert e.value.response.status_code == 404
    with pytest.raises(requests.HTTPError) as e:
        coll.object_versions(sid("indicator", "absent"))
    assert e.value.response.status_code == 404


def test_one_objects_versions_page_by_page(filters):
    coll, vid = filters["coll"], filters["ind"][0]["id"]
    got, env = [], coll.object_versions(vid, limit=1)
    while True:
        assert len(env["versions"]) == 1
        got += env["versions"]
        if not env["more"]:
            break
        env = coll.object_versions(vid, limit=1, next=env["next"])
    assert sorted(got) == [ts(10), ts(20), ts(30)]
    got, env = [], coll.get_object(vid, version="all", limit=2)
    got += [o["modified"] for o in env["objects"]]
    assert env["more"] is True
    env = coll.get_object(vid, version="all", limit=2, next=env["next"])
    got += [o["modified"] for o in env["objects"]]
    assert env["more"] is False and sorted(got) == [ts(10), ts(20), ts(30)]


def test_version_timestamps_are_instants(filters):
    coll, vid = filters["coll"], filters["ind"][0]["id"]
    for spelled in ["2024-01-01T00:00:20Z", "2024-01-01T00:00:20.000Z", "2024-01-01T00:00:20.000000Z"]:
        got = coll.get_objects(id=vid, version=spelled)
        assert [o["modified"] for o in got["objects"]] == [ts(20)], spelled


def test_collections_are_separate(srv):
    only_apart = malware("only-in-apart")
    s = srv.collection(APART).add_objects(envelope([only_apart]), poll_interval=0.1, timeout=20)
    assert s.success_count == 1, s._raw
    main = srv.collection(MAIN)
    assert ids_of(main.get_objects(id=only_apart["id"])) == []
    with pytest.raises(requests.HTTPError) as e:
        main.get_object(only_apart["id"])
    assert e.value.response.status_code == 404
    with pytest.raises(requests.HTTPError) as e:
        main.delete_object(only_apart["id"])
    assert e.value.response.status_code == 404
    # Posted to both, deleted from one: still in the other.
    both = malware("in-both")
    for c in (APART, MAIN):
        assert srv.collection(c).add_objects(envelope([both]), poll_interval=0.1).success_count == 1
    main.delete_object(both["id"])
    assert srv.collection(APART).get_object(both["id"])["objects"] == [both]
    assert ids_of(main.get_objects(id=both["id"])) == []


def test_manifest(filters):
    coll = filters["coll"]
    man = coll.get_manifest()
    assert man["more"] is False
    assert sorted(m["id"] for m in man["objects"]) == sorted(filters["latest_ids"])
    for m in man["objects"]:
        assert set(m) >= {"id", "date_added", "version", "media_type"}
        assert m["media_type"] == STIX
    assert {m["version"] for m in man["objects"] if m["id"] == filters["ind"][0]["id"]} == {ts(30)}
    assert len(coll.get_manifest(id=filters["ind"][0]["id"], version="all")["objects"]) == 3
    assert sorted(m["id"] for m in coll.get_manifest(type="malware")["objects"]) == sorted(
        [malware(1)["id"], malware(2)["id"]])
    page = coll.get_manifest(limit=3)
    assert page["more"] is True and len(page["objects"]) == 3
    rest = coll.get_manifest(limit=100, next=page["next"])
    assert sorted(m["id"] for m in page["objects"] + rest["objects"]) == sorted(filters["latest_ids"])


def test_delete_object(srv):
    coll = srv.collection(MAIN)
    doomed = [malware("doomed", n) for n in (1, 2, 3)]
    s = coll.add_objects(envelope(doomed), poll_interval=0.1, timeout=20)
    assert s.success_count == 3, s._raw
    oid = doomed[0]["id"]
    coll.delete_object(oid, version="first")
    assert sorted(coll.object_versions(oid)["versions"]) == [ts(2), ts(3)]
    coll.delete_object(oid)  # every version
    with pytest.raises(requests.HTTPError) as e:
        coll.get_object(oid)
    assert e.value.response.status_code == 404
    assert ids_of(coll.get_objects(id=oid)) == []
    assert oid not in {m["id"] for m in coll.get_manifest(id=oid).get("objects", [])}
    with pytest.raises(requests.HTTPError) as e:
        coll.delete_object(oid)
    assert e.value.response.status_code == 404
    # Deleting needs can_write (amber only reads MAIN).
    with pytest.raises(requests.HTTPError) as e:
        srv.collection(MAIN, "amber")._conn.delete(
            f"{srv.api_root}collections/{MAIN}/objects/{attack_pattern('add-0')['id']}/",
            headers={"Accept": TAXII})
    assert e.value.response.status_code == 403


# --- pagination over 1,000 objects -------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(srv):
    coll = srv.collection(PAGES)
    objs = [indicator(i) if i % 3 == 0 else attack_pattern(f"p{i}") for i in range(1000)]
    for k in range(0, 1000, 250):
        s = coll.add_objects(envelope(objs[k:k + 250]), poll_interval=0.1, timeout=30)
        assert s.status == "complete" and s.success_count == 250, s._raw
    return coll, [o["id"] for o in objs]


@pytest.mark.parametrize("per_page", [100, 37, 1000])
def test_as_pages_sees_every_object_once(pages, per_page):
    coll, ids = pages
    seen, count = [], 0
    for env in as_pages(coll.get_objects, per_request=per_page):
        seen += ids_of(env)
        count += 1
        assert len(env.get("objects", [])) <= per_page
    assert len(seen) == len(set(seen)) == 1000
    assert seen == ids  # in order of addition
    assert count == -(-1000 // per_page)


def test_manifest_pages_and_limit_cap(pages):
    coll, ids = pages
    seen = []
    for env in as_pages(coll.get_manifest, per_request=37):
        seen += [m["id"] for m in env.get("objects", [])]
    assert seen == ids
    # The server caps a page at its maximum; the client follows next.
    env = coll.get_objects(limit=100000)
    assert 0 < len(env["objects"]) <= 1000
    # A typed page walk stays within the type.
    typed = []
    for env in as_pages(coll.get_objects, per_request=50, type="indicator"):
        typed += ids_of(env)
    assert typed == [i for i in ids if i.startswith("indicator--")]


def test_paging_while_others_write(srv):
    coll = srv.collection(RACE, "green")
    start = [attack_pattern(f"race-{i}") for i in range(600)]
    s = coll.add_objects(envelope(start), poll_interval=0.1, timeout=30)
    assert s.success_count == 600, s._raw
    errors = []

    def writer():
        try:
            w = srv.collection(RACE, "admin")
            for k in range(30):
                batch = [attack_pattern(f"race-new-{k}-{i}") for i in range(20)]
                st = w.add_objects(envelope(batch), poll_interval=0.05, timeout=30)
                if st.success_count != 20:
                    errors.append(st._raw)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    t = threading.Thread(target=writer)
    t.start()
    seen = []
    env = coll.get_objects(limit=25)
    while True:
        seen += ids_of(env)
        if not env.get("more"):
            break
        time.sleep(0.005)
        env = coll.get_objects(limit=25, next=env["next"])
    t.join()
    assert not errors, errors
    assert len(seen) == len(set(seen)), "an object came twice"
    missing = {o["id"] for o in start} - set(seen)
    assert not missing, f"{len(missing)} objects present at the start were never seen"
    # Whatever was added meanwhile and seen was seen after the objects from the start.
    assert seen[:600] == [o["id"] for o in start]
    total = sum(len(e.get("objects", [])) for e in as_pages(coll.get_objects, per_request=1000))
    assert total == 600 + 30 * 20


# --- stix2: TAXIICollectionSource, Sink, CompositeDataSource ---------------------------------------


def test_stix2_source_and_sink(srv):
    coll = srv.collection(SINK, "green")
    sink = TAXIICollectionSink(coll)
    ind = stix2.Indicator(id=sid("indicator", "stix2"), name="bad domain", pattern_type="stix",
                          pattern="[domain-name:value = 'evil.example']", valid_from=ts(0),
                          created=ts(0), modified=ts(0))
    mal = stix2.Malware(id=sid("malware", "stix2"), name="Evil", is_family=True, created=ts(0), modified=ts(0))
    rel = stix2.Relationship(ind, "indicates", mal, id=sid("relationship", "stix2"), created=ts(0), modified=ts(0))
    sink.add([ind, mal])
    sink.add(stix2.Bundle(rel))
    newer = ind.new_version(modified=ts(5), name="bad domain (confirmed)")
    sink.add(newer)

    source = TAXIICollectionSource(coll)
    got = source.get(ind.id)
    assert got.name == "bad domain (confirmed)" and got.modified == newer.modified
    assert sorted(str(o.modified) for o in source.all_versions(ind.id)) == sorted(
        [str(ind.modified), str(newer.modified)])
    assert [o.id for o in source.query([Filter("type", "=", "malware")])] == [mal.id]
    assert {o.id for o in source.query()} == {ind.id, mal.id, rel.id}
    assert [r.id for r in source.relationships(mal)] == [rel.id]
    assert source.get(sid("indicator", "absent")) is None

    # Through a CompositeDataSource beside a MemorySource.
    local = stix2.Malware(id=sid("malware", "local"), name="Local", is_family=False)
    composite = CompositeDataSource()
    composite.add_data_sources([source, MemorySource([local])])
    assert {o.id for o in composite.query([Filter("type", "=", "malware")])} == {mal.id, local.id}
    assert composite.get(mal.id).name == "Evil"
    # A reader-only user reads the same through its own source.
    reader = TAXIICollectionSource(srv.collection(SINK, "amber"))
    assert {o.id for o in reader.query()} == {ind.id, mal.id, rel.id}


# --- bad input -----------------------------------------------------------------------------------


def test_accept_header(srv):
    for path in ["", f"collections/", f"collections/{MAIN}/", f"collections/{MAIN}/objects/",
                 f"collections/{MAIN}/manifest/"]:
        for accept in [None, "application/json", "text/html", "application/taxii+json;version=2.0"]:
            r = srv.get(path, accept=accept)
            assert r.status_code == 406, (path, accept, r.status_code, r.text)
            assert r.json()["http_status"] == "406"
    r = srv.http.get(srv.discovery, headers={"Accept": None}, auth=srv.auth("admin"), timeout=10)
    assert r.status_code == 406
    # objects may be asked for as STIX.
    r = srv.get(f"collections/{MAIN}/objects/", accept=STIX)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/stix+json")


def test_content_type_on_post(srv):
    body = json.dumps(envelope([attack_pattern("ct")]))
    for ct in [None, "application/json", STIX, "application/taxii+json;version=2.0", "text/plain"]:
        r = srv.post(f"collections/{MAIN}/objects/", body, content_type=ct)
        assert r.status_code == 415, (ct, r.status_code, r.text)
        assert r.json()["http_status"] == "415"
    r = srv.post(f"collections/{MAIN}/objects/", body, accept="application/json")
    assert r.status_code == 406
    with pytest.raises(requests.HTTPError):
        srv.collection(MAIN).get_object(attack_pattern("ct")["id"])


@pytest.mark.parametrize("body", [
    '{"objects": [', "[]", '"objects"', "", "{} {}", '{"objects": [1, 2', "nul", b"\xff\xfe{}",
    # `objects` that is not a list, or given twice: nothing can be stored, and the client must hear so
    pytest.param('{"objects": 5}', id="objects-number"),
    pytest.param('{"objects": {"type": "malware"}}', id="objects-object"),
    pytest.param('{"objects": null}', id="objects-null"),
    pytest.param('{"objects": "[]"}', id="objects-string"),
    pytest.param('{"objects": [], "objects": [%s]}' % json.dumps(attack_pattern("dup-key")),
                 id="objects-twice"),
])
def test_malformed_envelope_is_400(srv, body):
    r = srv.post(f"collections/{MAIN}/objects/", body)
    assert r.status_code == 400, (body, r.status_code, r.text)
    assert r.json()["http_status"] == "400"


def test_items_that_are_not_objects_are_failures(srv):
    body = '{"objects": [1, [], "malware", null, %s]}' % json.dumps(attack_pattern("among-junk"))
    r = srv.post(f"collections/{MAIN}/objects/", body)
    assert r.status_code in (202, 400), r.text
    if r.status_code == 202:
        st = r.json()
        assert (st["total_count"], st["success_count"], st["failure_count"]) == (5, 1, 4), st
        assert all(f.get("message") for f in st["failures"])


def test_mixed_envelope_stores_the_valid_objects(srv):
    good = [attack_pattern("mixed-1"), indicator("mixed-2"), malware("mixed-3")]
    no_name = {"type": "attack-pattern", "spec_version": "2.1", "id": sid("attack-pattern", "no-name"),
               "created": ts(0), "modified": ts(0)}
    bad_pattern = indicator("mixed-bad", pattern="[not a pattern")
    no_id = {"type": "malware", "spec_version": "2.1", "name": "anonymous", "is_family": True,
             "created": ts(0), "modified": ts(0)}
    body = envelope([good[0], no_name, good[1], bad_pattern, no_id, good[2]])
    r = srv.post(f"collections/{MAIN}/objects/", body)
    assert r.status_code == 202, r.text
    st = r.json()
    if st["status"] != "complete":
        st = srv.get(f"status/{st['id']}/").json()
    assert st["status"] == "complete"
    assert st["total_count"] == 6
    assert st["success_count"] == 3 and st["failure_count"] == 3
    assert sorted(s["id"] for s in st["successes"]) == sorted(o["id"] for o in good)
    failed = {f["id"] for f in st["failures"]}
    assert {no_name["id"], bad_pattern["id"]} <= failed
    for f in st["failures"]:
        assert f.get("message"), f
    coll = srv.collection(MAIN)
    for o in good:
        assert coll.get_object(o["id"])["objects"] == [o]
    for o in (no_name, bad_pattern):
        with pytest.raises(requests.HTTPError):
            coll.get_object(o["id"])


def test_body_over_the_limit(srv):
    limit = ApiRoot(srv.api_root, user="admin", password=PASSWORD["admin"]).max_content_length
    assert limit == MAX_BODY  # serve --max-body, announced as the API root's max_content_length
    head = b'{"objects": [' + json.dumps(attack_pattern("too-large")).encode()
    body = head + b" " * (limit + 1 - len(head) - 2) + b"]}"
    assert len(body) == limit + 1
    try:
        r = srv.post(f"collections/{MAIN}/objects/", body)
    except requests.ConnectionError as e:  # the server may answer and close before reading it all
        pytest.fail(f"the server closed the connection without an answer: {e}")
    assert r.status_code == 413, r.text[:300]
    assert r.json()["http_status"] == "413"
    with pytest.raises(requests.HTTPError):  # nothing of it was stored
        srv.collection(MAIN).get_object(attack_pattern("too-large")["id"])
    # Exactly at the limit is accepted (an empty envelope).
    body = b'{"objects": [' + b" " * (limit - 15) + b"]}"
    assert len(body) == limit
    r = srv.post(f"collections/{MAIN}/objects/", body)
    assert r.status_code == 202, r.text[:300]


def test_unknown_things_are_404(srv):
    for path in [f"collections/{NO_SUCH}/", f"collections/{NO_SUCH}/objects/",
                 f"collections/{NO_SUCH}/manifest/",
                 f"collections/{NO_SUCH}/objects/{malware(1)['id']}/",
                 f"collections/{NO_SUCH}/objects/{malware(1)['id']}/versions/",
                 "status/00000000-0000-4000-8000-000000000000/", "nothing/"]:
        r = srv.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert r.json()["http_status"] == "404"
    r = srv.http.get(f"{srv.base}/taxii2/other-root/", headers={"Accept": TAXII}, auth=srv.auth("admin"))
    assert r.status_code == 404
    r = srv.post(f"collections/{NO_SUCH}/objects/", envelope([attack_pattern("x")]))
    assert r.status_code == 404


def test_credentials(srv):
    for path in ["", f"collections/", f"collections/{MAIN}/objects/"]:
        r = srv.get(path, user=None)
        assert r.status_code == 401, path
        assert r.json()["http_status"] == "401"
    r = srv.post(f"collections/{MAIN}/objects/", envelope([attack_pattern("anon")]), user=None)
    assert r.status_code == 401
    # One wrong password and one unknown token (failed logins are rate limited per address).
    r = srv.http.get(srv.api_root, headers={"Accept": TAXII}, auth=("green", "wrong"), timeout=10)
    assert r.status_code == 401
    r = srv.http.get(srv.api_root, headers={"Accept": TAXII}, auth=BearerAuth("vgl_not-a-token"), timeout=10)
    assert r.status_code == 401
    r = srv.http.get(srv.api_root, headers={"Accept": TAXII}, auth=BearerAuth(srv.token), timeout=10)
    assert r.status_code == 200


def test_permissions_are_403(srv):
    for path in [f"collections/{MAIN}/", f"collections/{MAIN}/objects/", f"collections/{MAIN}/manifest/",
                 f"collections/{MAIN}/objects/{attack_pattern('add-0')['id']}/",
                 f"collections/{MAIN}/objects/{attack_pattern('add-0')['id']}/versions/"]:
        r = srv.get(path, user="outsider")
        assert r.status_code == 403, (path, r.status_code, r.text)
        assert r.json()["http_status"] == "403"
    r = srv.post(f"collections/{MAIN}/objects/", envelope([attack_pattern("outsider")]), user="outsider")
    assert r.status_code == 403
    r = srv.post(f"collections/{READONLY}/objects/", envelope([attack_pattern("ro")]), user="green")
    assert r.status_code == 403
    r = srv.post(f"collections/{MAIN}/objects/", envelope([attack_pattern("amber-writes")]), user="amber")
    assert r.status_code == 403
    r = srv.http.delete(f"{srv.api_root}collections/{OTHERS}/objects/{malware(1)['id']}/",
                        headers={"Accept": TAXII}, auth=srv.auth("green"))
    assert r.status_code == 403


@pytest.mark.parametrize("params", [
    {"next": "garbage"}, {"next": "v1.-1"}, {"next": ""}, {"next": "v1.99999999999999999999999"},
    {"limit": "0"}, {"limit": "-1"}, {"limit": "ten"}, {"limit": "1.5"},
    {"added_after": "yesterday"}, {"added_after": "2024-13-01T00:00:00Z"}, {"added_after": ""},
    {"match[version]": "newest"}, {"match[spec_version]": "3.0"}, {"match[colour]": "red"},
])
def test_bad_parameters_are_400(srv, params):
    for path in [f"collections/{FILTERS}/objects/", f"collections/{FILTERS}/manifest/"]:
        r = srv.get(path, params=params)
        assert r.status_code == 400, (path, params, r.status_code, r.text)
        assert r.json()["http_status"] == "400"


def test_next_token_beyond_the_end(srv, filters):
    # A well-formed token from the future is simply past the end: an empty page.
    r = srv.get(f"collections/{FILTERS}/objects/", params={"next": "v1.999999999"})
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:
        assert r.json().get("objects", []) == []


# --- access by markings ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def marked(srv):
    objs = {
        "unmarked": malware("m-unmarked"),
        "green1": malware("m-green1", object_marking_refs=[TLP1_GREEN]),
        "green2": malware("m-green2", object_marking_refs=[TLP2_GREEN]),
        "clear": malware("m-clear", object_marking_refs=[TLP2_CLEAR]),
        "amber1": malware("m-amber1", object_marking_refs=[TLP1_AMBER]),
        "amber2": malware("m-amber2", object_marking_refs=[TLP2_AMBER]),
        "strict": malware("m-strict", object_marking_refs=[TLP2_AMBER_STRICT]),
        "red": malware("m-red", object_marking_refs=[TLP1_RED]),
        "granular": malware("m-granular", description="known only to AMBER readers",
                            object_marking_refs=[TLP2_GREEN],
                            granular_markings=[{"marking_ref": TLP2_AMBER, "selectors": ["description"]}]),
    }
    # A versioned AMBER object: its versions must not leak either.
    amber_v = [malware("m-amber-v", n, object_marking_refs=[TLP2_AMBER]) for n in (1, 2)]
    s = srv.collection(MARKED).add_objects(envelope(list(objs.values()) + amber_v), poll_interval=0.1, timeout=20)
    assert s.success_count == len(objs) + 2, s._raw
    return objs, amber_v


def test_green_reader_sees_only_what_green_covers(srv, marked):
    objs, amber_v = marked
    coll = srv.collection(MARKED, "green")
    visible = {"unmarked", "green1", "green2", "clear", "granular"}
    want = {objs[k]["id"] for k in visible}
    assert set(ids_of(coll.get_objects())) == want
    assert set(ids_of(coll.get_objects(version="all"))) == want
    assert {m["id"] for m in coll.get_manifest(version="all")["objects"]} == want
    seen = []
    for env in as_pages(coll.get_objects, per_request=2):
        seen += ids_of(env)
    assert sorted(seen) == sorted(want)
    hidden = [objs[k]["id"] for k in objs if k not in visible] + [amber_v[0]["id"]]
    for oid in hidden:
        for call in (coll.get_object, coll.object_versions):
            with pytest.raises(requests.HTTPError) as e:
                call(oid)
            assert e.value.response.status_code == 404, (call.__name__, oid)
        assert ids_of(coll.get_objects(id=oid)) == []
        assert ids_of(coll.get_manifest(id=oid)) == []
        assert ids_of(coll.get_objects(id=oid, version="all")) == []
    got = coll.get_object(objs["granular"]["id"])["objects"][0]
    assert "description" not in got
    assert got["name"] == objs["granular"]["name"]
    assert TLP2_AMBER not in json.dumps(got)  # the uncovered granular marking is gone too
    # STIX media type answers filter the same way.
    r = srv.get(f"collections/{MARKED}/objects/", user="green", accept=STIX)
    assert {o["id"] for o in r.json()["objects"]} == want


def test_amber_reader_sees_amber(srv, marked):
    objs, amber_v = marked
    coll = srv.collection(MARKED, "amber")
    visible = {"unmarked", "green1", "green2", "clear", "granular", "amber1", "amber2"}
    want = {objs[k]["id"] for k in visible} | {amber_v[0]["id"]}
    assert set(ids_of(coll.get_objects())) == want
    assert {m["id"] for m in coll.get_manifest()["objects"]} == want
    assert coll.get_object(objs["granular"]["id"])["objects"] == [objs["granular"]]
    assert sorted(coll.object_versions(amber_v[0]["id"])["versions"]) == [ts(1), ts(2)]
    for k in ("strict", "red"):
        with pytest.raises(requests.HTTPError) as e:
            coll.get_object(objs[k]["id"])
        assert e.value.response.status_code == 404
    # RED sees everything.
    admin = srv.collection(MARKED, "admin")
    assert set(ids_of(admin.get_objects())) == {o["id"] for o in objs.values()} | {amber_v[0]["id"]}


def test_a_writer_cannot_delete_what_it_cannot_see(srv, marked):
    objs, amber_v = marked
    green = srv.collection(MARKED, "green")  # reads and writes, cleared for TLP:GREEN
    for k in ("amber2", "red"):
        with pytest.raises(requests.HTTPError) as e:
            green.delete_object(objs[k]["id"])
        assert e.value.response.status_code == 404, k  # absent, as when reading
    with pytest.raises(requests.HTTPError) as e:
        green.delete_object(amber_v[0]["id"], version="all")
    assert e.value.response.status_code == 404
    admin = srv.collection(MARKED, "admin")
    for k in ("amber2", "red"):
        assert ids_of(admin.get_object(objs[k]["id"])) == [objs[k]["id"]]
    assert len(admin.object_versions(amber_v[0]["id"])["versions"]) == 2


# --- last: the server never failed -------------------------------------------------------------------


def test_zz_no_server_errors(srv):
    assert srv.proc.poll() is None, "vigil serve exited"
    assert not SERVER_ERRORS, SERVER_ERRORS
    log = srv.log_path.read_text(errors="replace")
    assert "panicked" not in log, log[-3000:]
    assert "TAXII request failed" not in log, log[-3000:]
