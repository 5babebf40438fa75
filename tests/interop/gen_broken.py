#!/usr/bin/env python3
"""Generate tests/data/validation/broken.json: broken (and edge-case valid) STIX 2.1
objects for the differential test against the OASIS stix2-validator.

Objects whose spec_version is missing, "2.0" or not a string are left out:
`vigil validate` reads them as STIX 2.0 and upgrades them before validating.

Deterministic: a fixed seed, no network. Bases are the OASIS examples in
tests/data/stix-examples, a few MITRE ATT&CK ICS objects (tests/data/attack) and
hand-built valid objects for the types neither has. Every case is one object:
{"case": "short-name", "object": {...}}. Case names starting with "valid-" are
meant to be valid; all others break at least one rule of STIX 2.1.

Run from the repository root:  .venv/bin/python tests/interop/gen_broken.py
"""

import copy
import json
import pathlib
import random
import uuid

import zstandard

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "validation" / "broken.json"
SEED = 20251124
rng = random.Random(SEED)

DEL = object()  # marks a property to remove


def uuid4():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def uuid5():
    return str(uuid.UUID(int=rng.getrandbits(128), version=5))


def sid(t, version=4):
    return f"{t}--{uuid4() if version == 4 else uuid5()}"


T0 = "2016-04-06T20:03:00.000Z"
T1 = "2017-05-06T10:00:00.000Z"
TLP_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
IDENTITY = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"

# ---------------------------------------------------------------- bases


def load_examples():
    objs = []
    for path in sorted((ROOT / "tests" / "data" / "stix-examples").rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        objs.extend(doc["objects"] if doc.get("type") == "bundle" else [doc])
    return objs


def load_attack():
    """The first ATT&CK ICS object of each type, by id."""
    path = ROOT / "tests" / "data" / "attack" / "ics-attack-18.1.json.zst"
    with path.open("rb") as f:
        raw = zstandard.ZstdDecompressor().stream_reader(f).read()
    by_type = {}
    for o in sorted(json.loads(raw)["objects"], key=lambda o: o["id"]):
        by_type.setdefault(o["type"], o)
    return by_type


def sdo(t, **props):
    o = {"type": t, "spec_version": "2.1", "id": sid(t), "created": T0, "modified": T0}
    o.update(props)
    return o


def sco(t, version=5, **props):
    o = {"type": t, "spec_version": "2.1", "id": sid(t, version)}
    o.update(props)
    return o


def mut(base, **changes):
    """A deep copy of `base` with properties set (or removed with DEL)."""
    o = copy.deepcopy(base)
    for k, v in changes.items():
        k = {"x_type": "type"}.get(k, k)
        if v is DEL:
            o.pop(k, None)
        else:
            o[k] = v
    return o


def setp(base, path, value):
    """A deep copy of `base` with the value at `path` (a tuple of keys/indices) replaced or removed."""
    o = copy.deepcopy(base)
    cur = o
    for p in path[:-1]:
        cur = cur[p]
    if value is DEL:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return o


def with_props(base, props):
    o = copy.deepcopy(base)
    o.update(props)
    return o


EX = load_examples()
ATTACK = load_attack()


def example(t, n=0):
    return copy.deepcopy([o for o in EX if o["type"] == t][n])


campaign = example("campaign")
indicator = example("indicator")
malware = example("malware")
identity = example("identity")
relationship = example("relationship")
attack_pattern = example("attack-pattern")
course_of_action = example("course-of-action")
intrusion_set = example("intrusion-set")
threat_actor = example("threat-actor")
tool = example("tool")
report = example("report")
vulnerability = example("vulnerability")
infrastructure = example("infrastructure")
ipv4 = example("ipv4-addr")
domain = example("domain-name")

grouping = sdo("grouping", name="Suspicious activity", context="suspicious-activity", object_refs=[indicator["id"]])
incident = sdo("incident", name="Incident 42", description="Ransomware on a file server")
location = sdo("location", name="Paris", latitude=48.8566, longitude=2.3522, precision=1000.0, country="FR")
malware_analysis = sdo(
    "malware-analysis",
    product="microsoft",
    result="malicious",
    analysis_sco_refs=[sid("file", 5)],
    submitted="2018-11-23T06:45:55.747Z",
)
note = sdo("note", abstract="Tracking", content="This is probably Green Group.", authors=["Jane"], object_refs=[campaign["id"]])
observed_data = sdo(
    "observed-data",
    first_observed="2015-12-21T19:00:00Z",
    last_observed="2015-12-21T19:00:00Z",
    number_observed=50,
    object_refs=[ipv4["id"], domain["id"]],
)
opinion = sdo("opinion", opinion="strongly-disagree", explanation="This is not Green Group.", object_refs=[campaign["id"]])
sighting = sdo(
    "sighting",
    sighting_of_ref=indicator["id"],
    first_seen="2015-12-21T19:00:00Z",
    last_seen="2015-12-21T19:00:00Z",
    count=2,
    where_sighted_refs=[IDENTITY],
    observed_data_refs=[observed_data["id"]],
)

artifact = sco("artifact", mime_type="application/zip", payload_bin="VBORw0KGgoAAAANSUhEUgAAADI=")
autonomous_system = sco("autonomous-system", number=15139, name="Slime Industries", rir="ARIN")
directory = sco("directory", path="C:\\Windows\\System32", ctime="2016-01-20T12:31:12.123Z")
email_addr = sco("email-addr", value="john@example.com", display_name="John Doe")
email_message = sco(
    "email-message",
    is_multipart=False,
    date="1997-11-21T15:55:06.000Z",
    subject="Saying Hello",
    from_ref=email_addr["id"],
    to_refs=[sid("email-addr", 5)],
    body="Hello there",
)
file_ = sco(
    "file",
    name="foo.dll",
    size=25536,
    hashes={"SHA-256": "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db", "MD5": "3773a88f65a5e780c8dff9cdc3a056f3"},
    mime_type="application/x-msdownload",
)
ipv6 = sco("ipv6-addr", value="2001:0db8:85a3:0000:0000:8a2e:0370:7334")
mac = sco("mac-addr", value="d2:fb:49:24:37:18")
mutex = sco("mutex", name="__CLEANSWEEP__")
network_traffic = sco(
    "network-traffic",
    src_ref=ipv4["id"],
    dst_ref=sid("ipv4-addr", 5),
    src_port=24678,
    dst_port=80,
    protocols=["ipv4", "tcp", "http"],
    start="2016-01-20T12:31:12.123Z",
    end="2016-01-20T12:31:25.123Z",
)
process = sco("process", version=4, pid=1221, command_line="./gedit-bin --new-window", created_time="2016-01-20T14:11:25.55Z")
software = sco("software", name="Word", cpe="cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", vendor="Microsoft", version="2002", languages=["en"])
url = sco("url", value="https://example.com/research/index.html")
user_account = sco("user-account", user_id="1001", account_login="jdoe", account_type="unix", display_name="John Doe")
registry_key = sco(
    "windows-registry-key",
    key="HKEY_LOCAL_MACHINE\\System\\Foo\\Bar",
    values=[{"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"}],
    modified_time="2018-01-20T12:31:12.123Z",
)
x509 = sco(
    "x509-certificate",
    issuer="C=ZA, ST=Western Cape, L=Cape Town, O=Thawte Consulting cc",
    validity_not_before="2016-03-12T12:00:00Z",
    validity_not_after="2016-08-21T12:00:00Z",
    subject="C=US, ST=Maryland, L=Pasadena, O=Brent Baccala, OU=FreeSoft",
    serial_number="36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06",
)

statement_marking = {
    "type": "marking-definition",
    "spec_version": "2.1",
    "id": "marking-definition--" + uuid4(),
    "created": "2016-08-01T00:00:00.000Z",
    "definition_type": "statement",
    "definition": {"statement": "Copyright 2019, Example Corp"},
}
tlp = {
    "white": ("613f2e26-407d-48c7-9eca-b8e91df99dc9", "TLP:WHITE"),
    "green": ("34098fce-860f-48ae-8e50-ebd3cc5e41da", "TLP:GREEN"),
    "amber": ("f88d31f6-486f-44da-b317-01333bde0b82", "TLP:AMBER"),
    "red": ("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "TLP:RED"),
}


def tlp_marking(level):
    u, name = tlp[level]
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--" + u,
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": name,
        "definition": {"tlp": level},
    }


language_content = sdo(
    "language-content",
    object_ref=campaign["id"],
    object_modified=campaign["modified"],
    contents={"de": {"name": "Bank Angriff", "description": "Weitere Informationen"}, "fr": {"name": "Attaque Bank"}},
)
ext_def_id = "extension-definition--" + uuid4()
extension_definition = sdo(
    "extension-definition",
    created_by_ref=IDENTITY,
    name="Extension Foo 1",
    description="Adds rank and toxicity",
    schema="https://www.example.com/schema-foo-1/v1/",
    version="1.2.1",
    extension_types=["property-extension"],
)

# ---------------------------------------------------------------- cases

cases = []
names = set()


def add(name, obj):
    assert name not in names, name
    names.add(name)
    cases.append({"case": name, "object": obj})


# Valid objects first, so agreement on "valid" is tested too.
for label, o in [
    ("grouping", grouping),
    ("incident", incident),
    ("location", location),
    ("malware-analysis", malware_analysis),
    ("note", note),
    ("observed-data", observed_data),
    ("opinion", opinion),
    ("sighting", sighting),
    ("artifact", artifact),
    ("autonomous-system", autonomous_system),
    ("directory", directory),
    ("email-addr", email_addr),
    ("email-message", email_message),
    ("file", file_),
    ("ipv6-addr", ipv6),
    ("mac-addr", mac),
    ("mutex", mutex),
    ("network-traffic", network_traffic),
    ("process", process),
    ("software", software),
    ("url", url),
    ("user-account", user_account),
    ("windows-registry-key", registry_key),
    ("x509-certificate", x509),
    ("statement-marking", statement_marking),
    ("language-content", language_content),
    ("extension-definition", extension_definition),
]:
    add(f"valid-{label}", o)
for level in tlp:
    add(f"valid-tlp-{level}", tlp_marking(level))
for t, o in sorted(ATTACK.items()):
    add(f"valid-attack-{t}", o)

# --- common properties, applied to several bases chosen by the seeded generator
POOL = [campaign, indicator, malware, identity, relationship, attack_pattern, course_of_action, intrusion_set, threat_actor, tool, report, vulnerability, infrastructure, grouping, note, sighting, location]


def each(prefix, n, f):
    """Apply `f` to `n` bases drawn from POOL; the draw depends only on the seed and the
    prefix, so adding a case elsewhere does not change which bases a prefix gets."""
    for base in random.Random(f"{SEED}:{prefix}").sample(POOL, n):
        add(f"{prefix}-{base['type']}", f(base))


each("missing-type", 2, lambda b: mut(b, x_type=DEL))
each("type-not-string", 1, lambda b: mut(b, x_type=12))
each("type-uppercase", 2, lambda b: mut(b, x_type=b["type"].upper(), id=b["type"].upper() + "--" + b["id"].split("--")[1]))
each("type-underscore", 1, lambda b: mut(b, x_type="x_custom", id="x_custom--" + b["id"].split("--")[1]))
each("type-too-short", 1, lambda b: mut(b, x_type="ab", id="ab--" + b["id"].split("--")[1]))
each("type-double-hyphen", 1, lambda b: mut(b, x_type="x--custom", id="x--custom--" + b["id"].split("--")[1]))
add("type-reserved-action", mut(campaign, x_type="action", id="action--" + campaign["id"].split("--")[1]))
each("missing-id", 2, lambda b: mut(b, id=DEL))
each("id-not-string", 1, lambda b: mut(b, id=42))
each("id-no-separator", 2, lambda b: mut(b, id=b["id"].replace("--", "-")))
each("id-type-mismatch", 3, lambda b: mut(b, id="indicator--" + b["id"].split("--")[1] if b["type"] != "indicator" else "malware--" + b["id"].split("--")[1]))
each("id-short-uuid", 2, lambda b: mut(b, id=b["id"][:-1]))
each("id-uuid-version-0", 1, lambda b: mut(b, id=b["type"] + "--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f"))
each("id-uuid-version-6", 1, lambda b: mut(b, id=b["type"] + "--8e2e2d2b-17d4-6cbf-938f-98ee46b3cd3f"))
each("id-uuid-variant", 2, lambda b: mut(b, id=b["type"] + "--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f"))
each("id-uuid-not-hex", 1, lambda b: mut(b, id=b["type"] + "--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3g"))
each("valid-id-uuid-uppercase", 1, lambda b: mut(b, id=b["type"] + "--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F"))
each("valid-id-uuid-v1", 1, lambda b: mut(b, id=b["type"] + "--8e2e2d2b-17d4-11e6-938f-98ee46b3cd3f"))
# An object whose spec_version is missing, "2.0" or not a string is read as STIX 2.0 by
# `vigil validate` and upgraded before it is validated (vigil_stix::check), so those
# cases are unit tests of validate_object rather than cases here.
each("spec-version-3.0", 2, lambda b: mut(b, spec_version="3.0"))
add("sco-spec-version-2.2", mut(ipv4, spec_version="2.2"))
each("missing-created", 3, lambda b: mut(b, created=DEL))
each("missing-modified", 3, lambda b: mut(b, modified=DEL))
each("created-date-only", 1, lambda b: mut(b, created="2016-04-06"))
each("created-no-z", 2, lambda b: mut(b, created="2016-04-06T20:03:00.000"))
each("created-offset", 1, lambda b: mut(b, created="2016-04-06T20:03:00.000+00:00"))
each("created-space", 1, lambda b: mut(b, created="2016-04-06 20:03:00.000Z"))
each("created-seconds-precision", 3, lambda b: mut(b, created="2016-04-06T20:03:00Z", modified="2016-04-06T20:03:00Z"))
each("created-centiseconds", 1, lambda b: mut(b, created="2016-04-06T20:03:00.00Z", modified="2016-04-06T20:03:00.00Z"))
each("modified-seconds-precision", 2, lambda b: mut(b, modified="2017-04-06T20:03:00Z"))
each("created-feb-30", 2, lambda b: mut(b, created="2016-02-30T20:03:00.000Z"))
each("created-feb-29-non-leap", 1, lambda b: mut(b, created="2015-02-29T20:03:00.000Z"))
each("created-month-13", 1, lambda b: mut(b, created="2016-13-06T20:03:00.000Z"))
each("created-hour-24", 1, lambda b: mut(b, created="2016-04-06T24:03:00.000Z"))
each("created-not-string", 1, lambda b: mut(b, created=1459972980))
each("modified-before-created", 4, lambda b: mut(b, created="2016-04-06T20:03:00.000Z", modified="2016-04-06T20:02:59.999Z"))
each("valid-modified-equals-created", 1, lambda b: mut(b, created="2016-04-06T20:03:00.000Z", modified="2016-04-06T20:03:00.000000Z"))
each("valid-timestamps-nanoseconds", 2, lambda b: mut(b, created="2016-04-06T20:03:00.123456789Z", modified="2016-04-06T20:03:00.123456789Z"))
each("valid-leap-day", 1, lambda b: mut(b, created="2016-02-29T20:03:00.000Z", modified="2016-02-29T20:03:00.000Z"))
each("created-second-60-not-leap", 1, lambda b: mut(b, created="2016-04-06T12:30:60.000Z", modified="2016-04-06T12:30:60.000Z"))
each("valid-confidence-50.0", 1, lambda b: mut(b, confidence=50.0))
add("valid-leap-second", mut(campaign, created="2016-12-31T23:59:60.000Z", modified="2016-12-31T23:59:60.500Z"))
each("created-by-ref-malformed", 2, lambda b: mut(b, created_by_ref="identity-f431f809-377b-45e0-aa1c-6a4751cae5ff"))
each("created-by-ref-not-string", 1, lambda b: mut(b, created_by_ref=["identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"]))
add("created-by-ref-not-identity", mut(campaign, created_by_ref=indicator["id"]))
each("revoked-string", 2, lambda b: mut(b, revoked="true"))
each("valid-revoked", 1, lambda b: mut(b, revoked=True))
each("labels-string", 2, lambda b: mut(b, labels="malicious"))
each("labels-empty", 2, lambda b: mut(b, labels=[]))
each("labels-number", 1, lambda b: mut(b, labels=["a", 3]))
each("confidence-negative", 1, lambda b: mut(b, confidence=-1))
each("confidence-101", 2, lambda b: mut(b, confidence=101))
each("confidence-string", 1, lambda b: mut(b, confidence="50"))
each("confidence-fraction", 1, lambda b: mut(b, confidence=50.5))
each("confidence-bool", 1, lambda b: mut(b, confidence=True))
each("valid-confidence-0", 1, lambda b: mut(b, confidence=0))
each("valid-confidence-100", 1, lambda b: mut(b, confidence=100))
each("lang-not-a-tag", 2, lambda b: mut(b, lang="english!"))
each("lang-underscore", 1, lambda b: mut(b, lang="en_US"))
each("lang-number", 1, lambda b: mut(b, lang=5))
each("valid-lang-en", 1, lambda b: mut(b, lang="en"))
each("valid-lang-pt-BR", 1, lambda b: mut(b, lang="pt-BR"))
add("lang-registered-script", mut(campaign, lang="ja-Latn"))

EXTREF = {"source_name": "acme", "url": "https://example.com/report.pdf", "external_id": "1370"}
each("extref-empty-list", 2, lambda b: mut(b, external_references=[]))
each("extref-not-list", 1, lambda b: mut(b, external_references=EXTREF))
each("extref-item-not-object", 1, lambda b: mut(b, external_references=["acme"]))
each("extref-missing-source-name", 2, lambda b: mut(b, external_references=[{"url": "https://example.com/"}]))
each("extref-only-source-name", 2, lambda b: mut(b, external_references=[{"source_name": "acme"}]))
each("extref-url-no-scheme", 1, lambda b: mut(b, external_references=[{"source_name": "acme", "url": "example.com/report.pdf"}]))
each("extref-url-space", 1, lambda b: mut(b, external_references=[{"source_name": "acme", "url": "https://example.com/a report.pdf"}]))
each("extref-hashes-bad-md5", 1, lambda b: mut(b, external_references=[dict(EXTREF, hashes={"MD5": "1234"})]))
each("extref-hashes-custom-algo", 1, lambda b: mut(b, external_references=[dict(EXTREF, hashes={"x_foo": "1234"})]))
each("extref-hashes-empty", 1, lambda b: mut(b, external_references=[dict(EXTREF, hashes={})]))
each("valid-extref-hashes", 1, lambda b: mut(b, external_references=[dict(EXTREF, hashes={"SHA-256": "6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b"})]))
each("extref-source-name-number", 1, lambda b: mut(b, external_references=[{"source_name": 7, "external_id": "1"}]))
add("extref-cve-bad-id", mut(vulnerability, external_references=[{"source_name": "cve", "external_id": "CVE-14-0160"}]))
add("extref-cve-missing-id", mut(vulnerability, external_references=[{"source_name": "cve", "description": "heartbleed"}]))
add("extref-capec-bad-id", mut(attack_pattern, external_references=[{"source_name": "capec", "external_id": "163"}]))
add("valid-extref-cve", mut(vulnerability, external_references=[{"source_name": "cve", "external_id": "CVE-2014-0160"}]))
add("valid-extref-capec", mut(attack_pattern, external_references=[{"source_name": "capec", "external_id": "CAPEC-163"}]))

each("marking-refs-empty", 2, lambda b: mut(b, object_marking_refs=[]))
each("marking-refs-malformed", 1, lambda b: mut(b, object_marking_refs=["tlp-green"]))
each("marking-refs-wrong-type", 1, lambda b: mut(b, object_marking_refs=[IDENTITY]))
each("marking-refs-string", 1, lambda b: mut(b, object_marking_refs=TLP_GREEN))
each("valid-marking-refs", 1, lambda b: mut(b, object_marking_refs=[TLP_GREEN]))

GM = {"marking_ref": TLP_GREEN, "selectors": ["description"]}
each("gm-missing-selectors", 1, lambda b: mut(b, description="d", granular_markings=[{"marking_ref": TLP_GREEN}]))
each("gm-selectors-empty", 1, lambda b: mut(b, description="d", granular_markings=[{"marking_ref": TLP_GREEN, "selectors": []}]))
each("gm-selector-absent", 2, lambda b: mut(b, description=DEL, granular_markings=[GM]))
each("gm-selector-index-out-of-range", 1, lambda b: mut(b, labels=["a"], granular_markings=[{"marking_ref": TLP_GREEN, "selectors": ["labels.[1]"]}]))
each("gm-selector-index-on-object", 1, lambda b: mut(b, external_references=[EXTREF], granular_markings=[{"marking_ref": TLP_GREEN, "selectors": ["external_references.[0].[0]"]}]))
each("gm-marking-ref-wrong-type", 1, lambda b: mut(b, description="d", granular_markings=[dict(GM, marking_ref=IDENTITY)]))
each("gm-marking-ref-malformed", 1, lambda b: mut(b, description="d", granular_markings=[dict(GM, marking_ref="tlp:green")]))
each("gm-no-ref-no-lang", 1, lambda b: mut(b, description="d", granular_markings=[{"selectors": ["description"]}]))
each("gm-empty-list", 1, lambda b: mut(b, granular_markings=[]))
each("valid-gm-nested-selector", 1, lambda b: mut(b, external_references=[EXTREF], granular_markings=[{"marking_ref": TLP_GREEN, "selectors": ["external_references.[0].source_name", "id"]}]))
add("gm-lang-only", mut(campaign, description="Weitere Informationen", granular_markings=[{"selectors": ["description"], "lang": "de"}]))
add("gm-lang-and-marking-ref", mut(campaign, description="d", granular_markings=[dict(GM, lang="de")]))
add("gm-selector-indexes-string", mut(campaign, granular_markings=[{"marking_ref": TLP_GREEN, "selectors": ["name.[0]"]}]))

each("extensions-empty", 1, lambda b: mut(b, extensions={}))
each("extensions-bad-key", 1, lambda b: mut(b, extensions={"acme": {"rank": 5}}))
each("extensions-missing-extension-type", 2, lambda b: mut(b, extensions={ext_def_id: {"rank": 5}}))
each("extensions-bad-extension-type", 1, lambda b: mut(b, extensions={ext_def_id: {"extension_type": "new-thing", "rank": 5}}))
each("extensions-value-not-object", 1, lambda b: mut(b, extensions={ext_def_id: "property-extension"}))
each("extensions-bad-property-name", 1, lambda b: mut(b, extensions={ext_def_id: {"extension_type": "property-extension", "Rank": 5}}))
each("valid-property-extension", 2, lambda b: mut(b, extensions={ext_def_id: {"extension_type": "property-extension", "rank": 5, "toxicity": 8}}))
each("valid-toplevel-extension", 1, lambda b: mut(b, rank=1, toxicity=2, extensions={ext_def_id: {"extension_type": "toplevel-property-extension"}}))

each("custom-name-too-short", 2, lambda b: mut(b, ab="x"))
each("custom-name-uppercase-start", 1, lambda b: mut(b, X_acme="x"))
each("custom-name-digit-start", 1, lambda b: mut(b, **{"1acme": "x"}))
each("custom-name-underscore-start", 1, lambda b: mut(b, _acme_field="x"))
each("custom-name-hyphen-start", 1, lambda b: mut(b, **{"x-acme-field": "x"}))
each("custom-null", 2, lambda b: mut(b, x_acme_field=None))
each("custom-empty-list", 2, lambda b: mut(b, x_acme_list=[]))
each("custom-bin-not-base64", 1, lambda b: mut(b, x_acme_bin="not base64!"))
each("custom-hex-odd", 1, lambda b: mut(b, x_acme_hex="abc"))
each("reserved-severity", 1, lambda b: mut(b, severity="high"))
each("reserved-username", 1, lambda b: mut(b, username="root"))
each("reserved-action", 1, lambda b: mut(b, action="block"))
each("reserved-phone-numbers", 1, lambda b: mut(b, phone_numbers=["555-0100"]))
each("valid-custom-properties", 2, lambda b: mut(b, x_acme_score=10, x_acme_scoring={"impact": "high"}, x_acme_bin="aGk=", x_acme_hex="ff00"))
add("custom-name-uppercase-inside", mut(campaign, x_acme_Field="x"))
add("reserved-phone-number", mut(campaign, phone_number="555-0100"))
add("valid-custom-hex-uppercase", mut(campaign, x_acme_hex="FF00"))
add("defanged-on-sdo", mut(campaign, defanged=True))

# --- custom objects
x_sdo = {"type": "x-acme-widget", "spec_version": "2.1", "id": sid("x-acme-widget"), "created": T0, "modified": T0, "x_acme_size": 3}
add("valid-custom-sdo", x_sdo)
add("valid-custom-sco", {"type": "x-acme-gadget", "id": sid("x-acme-gadget", 5), "colour": "red"})
add("custom-sdo-missing-modified", mut(x_sdo, modified=DEL))
add("custom-sdo-bad-property", mut(x_sdo, Size=3))
add("custom-sdo-bad-created", mut(x_sdo, created="yesterday"))
add("custom-id-other-type", mut(x_sdo, id=sid("x-acme-gizmo")))
for t, o in sorted(ATTACK.items()):
    if t.startswith("x-mitre"):
        add(f"attack-{t}-missing-modified", mut(o, modified=DEL))
        add(f"attack-{t}-bad-property-name", mut(o, Shortname="x"))

# --- SDO specifics
add("attack-pattern-missing-name", mut(attack_pattern, name=DEL))
add("attack-pattern-name-number", mut(attack_pattern, name=7))
add("attack-pattern-kcp-empty", mut(attack_pattern, kill_chain_phases=[]))
add("attack-pattern-kcp-missing-phase", mut(attack_pattern, kill_chain_phases=[{"kill_chain_name": "mitre-attack"}]))
add("attack-pattern-kcp-missing-chain", mut(attack_pattern, kill_chain_phases=[{"phase_name": "execution"}]))
add("attack-pattern-kcp-not-list", mut(attack_pattern, kill_chain_phases={"kill_chain_name": "a", "phase_name": "b"}))
add("attack-pattern-kcp-number", mut(attack_pattern, kill_chain_phases=[{"kill_chain_name": "a", "phase_name": 3}]))
add("attack-pattern-aliases-string", mut(attack_pattern, aliases="phish"))
add("valid-attack-pattern-kcp", mut(attack_pattern, kill_chain_phases=[{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "reconnaissance"}]))
add("campaign-last-seen-before-first", mut(campaign, first_seen="2016-04-06T20:03:00Z", last_seen="2016-04-05T20:03:00Z"))
add("campaign-first-seen-bad", mut(campaign, first_seen="April 2016"))
add("campaign-objective-number", mut(campaign, objective=1))
add("valid-campaign-seen-equal", mut(campaign, first_seen="2016-04-06T20:03:00Z", last_seen="2016-04-06T20:03:00.000Z"))
add("course-of-action-missing-name", mut(course_of_action, name=DEL))
add("grouping-missing-context", mut(grouping, context=DEL))
add("grouping-missing-object-refs", mut(grouping, object_refs=DEL))
add("grouping-object-refs-empty", mut(grouping, object_refs=[]))
add("grouping-object-refs-malformed", mut(grouping, object_refs=["indicator"]))
add("grouping-context-number", mut(grouping, context=1))
add("valid-grouping-custom-context", mut(grouping, context="acme-investigation"))
add("identity-missing-name", mut(identity, name=DEL))
add("identity-sectors-string", mut(identity, sectors="technology"))
add("identity-class-number", mut(identity, identity_class=3))
add("identity-roles-empty", mut(identity, roles=[]))
add("incident-missing-name", mut(incident, name=DEL))
add("incident-name-number", mut(incident, name=43))
add("indicator-missing-pattern", mut(indicator, pattern=DEL))
add("indicator-missing-pattern-type", mut(indicator, pattern_type=DEL))
add("indicator-missing-valid-from", mut(indicator, valid_from=DEL))
add("indicator-valid-until-equal", mut(indicator, valid_from="2016-01-01T00:00:00Z", valid_until="2016-01-01T00:00:00Z"))
add("indicator-valid-until-before", mut(indicator, valid_from="2016-01-01T00:00:00Z", valid_until="2015-01-01T00:00:00Z"))
add("indicator-valid-from-bad", mut(indicator, valid_from="2016-01-01"))
add("indicator-pattern-number", mut(indicator, pattern=5))
add("indicator-types-empty", mut(indicator, indicator_types=[]))
add("valid-indicator-custom-pattern-type", mut(indicator, pattern_type="snort", pattern="alert tcp any any -> any any (msg:\"x\";)"))
add("valid-indicator-custom-indicator-type", mut(indicator, indicator_types=["acme-lookout"]))
PATTERNS_BAD = {
    "no-brackets": "file:name = 'a'",
    "unclosed": "[file:name = 'a'",
    "double-quotes": '[file:name = "a"]',
    "lowercase-and": "[file:name = 'a' and file:size = 3]",
    "bad-escape": r"[file:name = 'a\b']",
    "leading-zero": "[file:size = 012]",
    "within-negative": "[file:name = 'a'] WITHIN -5 SECONDS",
    "repeats-float": "[file:name = 'a'] REPEATS 2.5 TIMES",
    "start-plain-string": "[file:name = 'a'] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'",
    "start-bad-month": "[file:name = 'a'] START t'2016-13-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "duplicate-within": "[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
    "empty-brackets": "[]",
    "bool-uppercase": "[file:name = TRUE]",
    "order-on-bool": "[file:size > true]",
    "like-number": "[file:name LIKE 5]",
    "binary-unpadded": "[artifact:payload_bin = b'aGk']",
    "hex-odd": "[artifact:payload_bin = h'abc']",
    "unquoted-hyphen-key": "[file:extensions.windows-pebinary-ext.sections[*].entropy > 7.0]",
    "md5-short": "[file:hashes.MD5 = 'abc']",
    "sha256-short": "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247']",
    "type-too-short": "[ab:name = 'a']",
    "type-uppercase": "[X-Acme:name = 'a']",
    "property-uppercase": "[file:Name = 'a']",
    "comment-first": "/* c */ [file:name = 'a']",
    "trailing-bracket": "[file:name = 'a']]",
    "followedby-lowercase": "[file:name = 'a'] followedby [file:name = 'b']",
    "exists-after": "[file:name EXISTS]",
}
for k, p in PATTERNS_BAD.items():
    add(f"indicator-pattern-{k}", mut(indicator, pattern=p))
PATTERNS_OK = {
    "and-or": "[file:name = 'a' OR file:size = 3] AND [ipv4-addr:value = '198.51.100.1/32']",
    "followedby-within": "[file:name = 'a'] FOLLOWEDBY [file:name = 'b'] WITHIN 300 SECONDS",
    "repeats-start-stop": "[file:name = 'a'] REPEATS 5 TIMES START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "quoted-keys": "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    "set-and-not": "[file:name NOT IN ('a', 'b') AND NOT EXISTS file:size]",
    "issubset": "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    "escapes": r"[file:name = 'it\'s \\ here']",
    "nested-parens": "(([file:name = 'a']) OR [file:name = 'b'])",
    "binary-hex-time": "[artifact:payload_bin = b'aGk=' OR artifact:payload_bin = h'ff00' OR file:ctime > t'2016-06-01T00:00:00.123Z']",
    "custom-object": "[x-acme-widget:x_acme_size > 2]",
    "comment-inside": "[file:name /* why */ = 'a'] // tail",
    "sha256": "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
}
for k, p in PATTERNS_OK.items():
    add(f"valid-indicator-pattern-{k}", mut(indicator, pattern=p))
add("infrastructure-missing-name", mut(infrastructure, name=DEL))
add("infrastructure-last-before-first", mut(infrastructure, first_seen="2016-01-01T00:00:00Z", last_seen="2015-01-01T00:00:00Z"))
add("infrastructure-types-string", mut(infrastructure, infrastructure_types="botnet"))
add("intrusion-set-missing-name", mut(intrusion_set, name=DEL))
add("intrusion-set-last-before-first", mut(intrusion_set, first_seen="2016-01-01T00:00:00Z", last_seen="2015-01-01T00:00:00Z"))
add("intrusion-set-goals-empty", mut(intrusion_set, goals=[]))
add("intrusion-set-motivation-number", mut(intrusion_set, primary_motivation=2))
add("location-nothing", mut(location, latitude=DEL, longitude=DEL, precision=DEL, country=DEL))
add("location-latitude-only", mut(location, longitude=DEL, precision=DEL))
add("location-longitude-only", mut(location, latitude=DEL, precision=DEL))
add("location-latitude-91", mut(location, latitude=91))
add("location-longitude-minus-181", mut(location, longitude=-181.0))
add("location-precision-alone", mut(location, latitude=DEL, longitude=DEL, region="europe"))
add("location-latitude-string", mut(location, latitude="48.85"))
add("valid-location-region-only", mut(location, latitude=DEL, longitude=DEL, precision=DEL, country=DEL, region="western-europe"))
add("valid-location-integer-coordinates", mut(location, latitude=48, longitude=2))
add("malware-missing-is-family", mut(malware, is_family=DEL))
add("malware-family-without-name", mut(malware, is_family=True, name=DEL))
add("malware-is-family-string", mut(malware, is_family="yes"))
add("malware-os-refs-wrong-type", mut(malware, operating_system_refs=[IDENTITY]))
add("malware-types-empty", mut(malware, malware_types=[]))
add("valid-malware-instance-without-name", mut(malware, is_family=False, name=DEL))
add("malware-sample-refs-wrong-type", mut(malware, sample_refs=[IDENTITY]))
add("malware-analysis-missing-product", mut(malware_analysis, product=DEL))
add("malware-analysis-no-result-no-scos", mut(malware_analysis, result=DEL, analysis_sco_refs=DEL))
add("malware-analysis-host-vm-wrong-type", mut(malware_analysis, host_vm_ref=IDENTITY))
add("malware-analysis-sample-ref-wrong-type", mut(malware_analysis, sample_ref=IDENTITY))
add("malware-analysis-submitted-bad", mut(malware_analysis, submitted="2018-11-23"))
add("note-missing-content", mut(note, content=DEL))
add("note-missing-object-refs", mut(note, object_refs=DEL))
add("note-authors-empty", mut(note, authors=[]))
add("observed-data-missing-first", mut(observed_data, first_observed=DEL))
add("observed-data-number-zero", mut(observed_data, number_observed=0))
add("observed-data-number-too-big", mut(observed_data, number_observed=1000000000))
add("observed-data-last-before-first", mut(observed_data, last_observed="2015-12-20T19:00:00Z"))
add("observed-data-neither-objects-nor-refs", mut(observed_data, object_refs=DEL))
add("observed-data-refs-sdo", mut(observed_data, object_refs=[campaign["id"]]))
add("opinion-bad-value", mut(opinion, opinion="maybe"))
add("opinion-missing-opinion", mut(opinion, opinion=DEL))
add("opinion-missing-object-refs", mut(opinion, object_refs=DEL))
add("report-missing-published", mut(report, published=DEL))
add("report-missing-object-refs", mut(report, object_refs=DEL))
add("report-published-bad", mut(report, published="2015-12-21 19:00:00"))
add("report-object-refs-empty", mut(report, object_refs=[]))
add("threat-actor-missing-name", mut(threat_actor, name=DEL))
add("threat-actor-sophistication-number", mut(threat_actor, sophistication=3))
add("threat-actor-last-before-first", mut(threat_actor, first_seen="2016-01-01T00:00:00Z", last_seen="2015-01-01T00:00:00Z"))
add("threat-actor-roles-empty", mut(threat_actor, roles=[]))
add("tool-missing-name", mut(tool, name=DEL))
add("tool-types-empty", mut(tool, tool_types=[]))
add("tool-version-number", mut(tool, tool_version=1.0))
add("vulnerability-missing-name", mut(vulnerability, name=DEL))

# --- SROs
add("relationship-missing-type", mut(relationship, relationship_type=DEL))
add("relationship-type-uppercase", mut(relationship, relationship_type="Indicates"))
add("relationship-type-space", mut(relationship, relationship_type="related to"))
add("relationship-missing-source", mut(relationship, source_ref=DEL))
add("relationship-missing-target", mut(relationship, target_ref=DEL))
add("relationship-source-malformed", mut(relationship, source_ref="indicator"))
add("relationship-source-relationship", mut(relationship, source_ref=relationship["id"]))
add("relationship-target-marking", mut(relationship, target_ref=TLP_GREEN))
add("relationship-target-sighting", mut(relationship, target_ref=sighting["id"]))
add("relationship-target-language-content", mut(relationship, target_ref=language_content["id"]))
add("relationship-stop-equals-start", mut(relationship, start_time="2016-01-01T00:00:00Z", stop_time="2016-01-01T00:00:00Z"))
add("relationship-stop-before-start", mut(relationship, start_time="2016-01-01T00:00:00Z", stop_time="2015-01-01T00:00:00Z"))
add("valid-relationship-custom-type", mut(relationship, relationship_type="acme-linked-to"))
add("valid-relationship-to-sco", mut(relationship, target_ref=ipv4["id"]))
add("valid-relationship-to-custom-object", mut(relationship, target_ref=x_sdo["id"]))
add("sighting-missing-sighting-of", mut(sighting, sighting_of_ref=DEL))
add("sighting-of-relationship", mut(sighting, sighting_of_ref=relationship["id"]))
add("sighting-count-negative", mut(sighting, count=-1))
add("sighting-count-too-big", mut(sighting, count=1000000000))
add("sighting-where-wrong-type", mut(sighting, where_sighted_refs=[indicator["id"]]))
add("sighting-observed-wrong-type", mut(sighting, observed_data_refs=[indicator["id"]]))
add("sighting-last-before-first", mut(sighting, last_seen="2015-12-20T19:00:00Z"))
add("sighting-summary-string", mut(sighting, summary="yes"))

# --- SCOs
add("sco-missing-id", mut(ipv4, id=DEL))
add("sco-id-type-mismatch", mut(ipv4, id="ipv6-addr--" + ipv4["id"].split("--")[1]))
add("valid-sco-no-spec-version", mut(mac, spec_version=DEL))
add("valid-sco-defanged", mut(url, defanged=True, value="hxxps://example[.]com/evil"))
add("sco-defanged-string", mut(mac, defanged="true"))
add("artifact-payload-and-url", mut(artifact, url="https://example.com/a.zip", hashes={"MD5": "3773a88f65a5e780c8dff9cdc3a056f3"}))
add("artifact-neither-payload-nor-url", mut(artifact, payload_bin=DEL))
add("artifact-url-without-hashes", mut(artifact, payload_bin=DEL, url="https://example.com/a.zip"))
add("artifact-payload-not-base64", mut(artifact, payload_bin="not base64"))
add("artifact-key-without-algorithm", mut(artifact, decryption_key="secret"))
add("artifact-bad-algorithm", mut(artifact, encryption_algorithm="ROT13"))
add("artifact-mime-not-a-type", mut(artifact, mime_type="zip"))
add("artifact-v5-without-contributing", mut(artifact, payload_bin=DEL, url="https://example.com/a.zip", hashes={"MD5": "3773a88f65a5e780c8dff9cdc3a056f3"}))
add("valid-artifact-url", mut(artifact, payload_bin=DEL, url="https://example.com/a.zip", hashes={"SHA-256": "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db"}, encryption_algorithm="mime-type-indicated", decryption_key="infected"))
add("artifact-mime-unregistered", mut(artifact, mime_type="application/x-acme-archive"))
add("as-missing-number", mut(autonomous_system, number=DEL))
add("as-number-string", mut(autonomous_system, number="15139"))
add("as-number-fraction", mut(autonomous_system, number=15139.5))
add("as-number-beyond-54-bit", mut(autonomous_system, number=9007199254740993))
add("directory-missing-path", mut(directory, path=DEL))
add("directory-path-enc-bad", mut(directory, path_enc="not a charset"))
add("directory-ctime-bad", mut(directory, ctime="2016-01-20"))
add("domain-missing-value", mut(domain, value=DEL))
add("domain-underscore", mut(domain, value="bad_name.example.com"))
add("domain-wildcard", mut(domain, value="*.example.com"))
add("domain-leading-hyphen", mut(domain, value="-example.com"))
add("domain-long-label", mut(domain, value="a" * 64 + ".com"))
add("domain-space", mut(domain, value="exa mple.com"))
add("valid-domain-idn", mut(domain, value="bücher.example"))
add("valid-domain-trailing-dot", mut(domain, value="example.com."))
add("email-addr-missing-value", mut(email_addr, value=DEL))
add("email-addr-no-at", mut(email_addr, value="john.example.com"))
add("email-addr-belongs-wrong-type", mut(email_addr, belongs_to_ref="user-account"))
add("email-message-missing-multipart", mut(email_message, is_multipart=DEL))
add("email-message-multipart-with-body", mut(email_message, is_multipart=True))
add("email-message-single-with-parts", mut(email_message, body=DEL, body_multipart=[{"body": "x"}]))
add("email-message-part-empty", mut(email_message, is_multipart=True, body=DEL, body_multipart=[{"content_type": "text/plain"}]))
add("email-message-date-bad", mut(email_message, date="Fri, 21 Nov 1997 09:55:06 -0600"))
add("email-message-v5-without-contributing", mut(email_message, from_ref=DEL, subject=DEL, body=DEL))
add("valid-email-message-multipart", mut(email_message, is_multipart=True, body=DEL, body_multipart=[{"content_type": "text/plain", "body": "Cats are funny!"}, {"content_type": "image/png", "body_raw_ref": artifact["id"]}]))
add("file-no-hashes-no-name", mut(file_, name=DEL, hashes=DEL))
add("file-size-negative", mut(file_, size=-1))
add("file-hashes-bad-md5", setp(file_, ("hashes", "MD5"), "xyz"))
add("file-hashes-bad-sha256", setp(file_, ("hashes", "SHA-256"), "fe90a7e910cb3a4739bed9180e807e93"))
add("file-hashes-short-key", mut(file_, hashes={"ab": "1234"}))
add("file-hashes-empty", mut(file_, hashes={}))
add("file-hashes-ssdeep-bad", mut(file_, hashes={"SSDEEP": "3:bad ssdeep with spaces"}))
add("file-hashes-tlsh-short", mut(file_, hashes={"TLSH": "abc123"}))
add("valid-file-hashes-custom-algo", mut(file_, hashes={"SHA-256": file_["hashes"]["SHA-256"], "x_acme_hash": "whatever"}))
add("file-magic-odd", mut(file_, magic_number_hex="ffd"))
add("file-name-enc-bad", mut(file_, name_enc="not a charset"))
add("file-parent-malformed", mut(file_, parent_directory_ref="C:\\Windows"))
add("file-ctime-bad", mut(file_, ctime="yesterday"))
add("file-ntfs-empty", mut(file_, extensions={"ntfs-ext": {}}))
add("file-ntfs-ads-missing-name", mut(file_, extensions={"ntfs-ext": {"alternate_data_streams": [{"size": 3}]}}))
add("file-archive-missing-contains", mut(file_, extensions={"archive-ext": {"comment": "x"}}))
add("file-pdf-empty", mut(file_, extensions={"pdf-ext": {}}))
add("file-raster-exif-bad-key", mut(file_, extensions={"raster-image-ext": {"exif_tags": {"make": "Nikon"}}}))
add("file-pe-missing-type", mut(file_, extensions={"windows-pebinary-ext": {"number_of_sections": 4}}))
add("file-pe-only-type", mut(file_, extensions={"windows-pebinary-ext": {"pe_type": "exe"}}))
add("file-pe-timestamp-fraction", mut(file_, extensions={"windows-pebinary-ext": {"pe_type": "exe", "time_date_stamp": "2016-01-22T12:31:12.123Z"}}))
add("file-pe-section-missing-name", mut(file_, extensions={"windows-pebinary-ext": {"pe_type": "exe", "sections": [{"size": 70656}]}}))
add("file-pe-header-empty", mut(file_, extensions={"windows-pebinary-ext": {"pe_type": "exe", "optional_header": {}}}))
add("file-custom-ext-bad-key", mut(file_, extensions={"acme": {"x_acme_field": 1}}))
add("valid-file-extensions", mut(file_, extensions={
    "ntfs-ext": {"sid": "1234567", "alternate_data_streams": [{"name": "second.stream", "size": 25536}]},
    "pdf-ext": {"version": "1.7", "document_info_dict": {"Title": "Sample document"}, "pdfid0": "DFCE52BD827ECF765649852119D"},
    "raster-image-ext": {"image_height": 768, "image_width": 1024, "bits_per_pixel": 72, "exif_tags": {"Make": "Nikon", "XResolution": 4928}},
    "windows-pebinary-ext": {"pe_type": "exe", "machine_hex": "014c", "number_of_sections": 4, "time_date_stamp": "2016-01-22T12:31:12Z",
                             "optional_header": {"magic_hex": "010b", "size_of_code": 512}, "sections": [{"name": ".data", "size": 4096, "entropy": 7.980693}]},
    "x-acme-cloud-ext": {"bucket": "evidence"},
}))
add("valid-file-tlsh", mut(file_, hashes={"TLSH": "8af24b4d94f9e1b4cc4f2a1a8b4f4f6e2d1d5b2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a"}))
add("valid-file-magic-uppercase", mut(file_, magic_number_hex="FFD8"))
add("file-hashes-tlsh-t1", mut(file_, hashes={"TLSH": "T1" + "8af24b4d94f9e1b4cc4f2a1a8b4f4f6e2d1d5b2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a".upper()}))
add("ipv4-missing-value", mut(ipv4, value=DEL))
add("ipv4-prefix-33", mut(ipv4, value="198.51.100.0/33"))
add("ipv4-octet-256", mut(ipv4, value="256.51.100.3"))
add("ipv4-leading-zero", mut(ipv4, value="198.051.100.3"))
add("ipv4-three-octets", mut(ipv4, value="198.51.100"))
add("ipv4-resolves-wrong-type", mut(ipv4, resolves_to_refs=[domain["id"]]))
add("valid-ipv4-cidr", mut(ipv4, value="198.51.100.0/24"))
add("ipv6-triple-colon", mut(ipv6, value="2001:db8:::1"))
add("ipv6-prefix-129", mut(ipv6, value="2001:db8::/129"))
add("ipv6-too-many-groups", mut(ipv6, value="1:2:3:4:5:6:7:8:9"))
add("valid-ipv6-compressed-cidr", mut(ipv6, value="2001:db8::/32"))
add("ipv6-embedded-ipv4", mut(ipv6, value="::ffff:192.0.2.1"))
add("mac-uppercase", mut(mac, value="D2:FB:49:24:37:18"))
add("mac-dashes", mut(mac, value="d2-fb-49-24-37-18"))
add("mac-no-leading-zero", mut(mac, value="2:fb:49:24:37:18"))
add("mutex-missing-name", mut(mutex, name=DEL))
add("mutex-name-number", mut(mutex, name=7))
add("nt-missing-protocols", mut(network_traffic, protocols=DEL))
add("nt-protocols-empty", mut(network_traffic, protocols=[]))
add("nt-no-src-no-dst", mut(network_traffic, src_ref=DEL, dst_ref=DEL))
add("nt-port-70000", mut(network_traffic, dst_port=70000))
add("nt-port-negative", mut(network_traffic, src_port=-1))
add("nt-active-with-end", mut(network_traffic, is_active=True))
add("nt-end-before-start", mut(network_traffic, end="2016-01-20T12:31:00.000Z"))
add("nt-http-missing-method", mut(network_traffic, extensions={"http-request-ext": {"request_value": "/download.html"}}))
add("nt-icmp-missing-code", mut(network_traffic, extensions={"icmp-ext": {"icmp_type_hex": "08"}}))
add("nt-icmp-type-odd", mut(network_traffic, extensions={"icmp-ext": {"icmp_type_hex": "8", "icmp_code_hex": "00"}}))
add("nt-socket-bad-family", mut(network_traffic, extensions={"socket-ext": {"address_family": "AF_WHATEVER"}}))
add("nt-socket-missing-family", mut(network_traffic, extensions={"socket-ext": {"is_listening": True}}))
add("nt-socket-bad-option", mut(network_traffic, extensions={"socket-ext": {"address_family": "AF_INET", "options": {"reuse": 1}}}))
add("nt-tcp-empty", mut(network_traffic, extensions={"tcp-ext": {}}))
add("nt-ipfix-null", mut(network_traffic, ipfix={"minimumIpTotalLength": None}))
add("valid-nt-extensions", mut(network_traffic, extensions={
    "http-request-ext": {"request_method": "get", "request_value": "/download.html", "request_version": "http/1.1",
                         "request_header": {"Host": ["www.example.com"]}},
    "socket-ext": {"address_family": "AF_INET", "socket_type": "SOCK_STREAM", "options": {"SO_REUSEADDR": 1}},
    "tcp-ext": {"src_flags_hex": "00000002"},
}, ipfix={"minimumIpTotalLength": 32, "protocolIdentifier": "tcp"}))
add("valid-nt-active", mut(network_traffic, is_active=True, end=DEL))
add("nt-http-header-strings", mut(network_traffic, extensions={"http-request-ext": {"request_method": "get", "request_value": "/", "request_header": {"Host": "www.example.com"}}}))
add("nt-src-ref-malformed", mut(network_traffic, src_ref="198.51.100.2"))
add("process-no-properties", mut(process, pid=DEL, command_line=DEL, created_time=DEL))
add("process-v5-id", mut(process, id=sid("process", 5)))
add("process-pid-string", mut(process, pid="1221"))
add("process-env-empty", mut(process, environment_variables={}))
add("process-service-bad-start", mut(process, extensions={"windows-service-ext": {"service_name": "sirvizio", "start_type": "AUTO"}}))
add("process-windows-empty", mut(process, extensions={"windows-process-ext": {}}))
add("valid-process-extensions", mut(process, extensions={
    "windows-process-ext": {"aslr_enabled": True, "dep_enabled": True, "priority": "HIGH_PRIORITY_CLASS", "owner_sid": "S-1-5-21", "integrity_level": "high"},
    "windows-service-ext": {"service_name": "sirvizio", "display_name": "Sirvizio", "start_type": "SERVICE_AUTO_START", "service_type": "SERVICE_WIN32_OWN_PROCESS", "service_status": "SERVICE_RUNNING"},
}))
add("software-missing-name", mut(software, name=DEL))
add("software-cpe-2.2", mut(software, cpe="cpe:/a:microsoft:word:2000"))
add("software-language-bad", mut(software, languages=["english!"]))
add("software-languages-empty", mut(software, languages=[]))
add("url-missing-value", mut(url, value=DEL))
add("url-no-scheme", mut(url, value="www.example.com/index.html"))
add("url-space", mut(url, value="https://example.com/a b"))
add("url-bad-percent", mut(url, value="https://example.com/%zz"))
add("valid-url-mailto", mut(url, value="mailto:jdoe@example.com"))
add("user-account-no-properties", mut(user_account, user_id=DEL, account_login=DEL, account_type=DEL, display_name=DEL))
add("user-account-created-bad", mut(user_account, account_created="2016-01-20"))
add("user-account-unix-empty", mut(user_account, extensions={"unix-account-ext": {}}))
add("user-account-v5-without-contributing", mut(user_account, user_id=DEL, account_login=DEL, account_type=DEL))
add("user-account-privileged-string", mut(user_account, is_privileged="yes"))
add("valid-user-account-unix", mut(user_account, extensions={"unix-account-ext": {"gid": 1001, "groups": ["wheel"], "home_dir": "/home/jdoe", "shell": "/bin/bash"}}))
add("registry-hive-abbreviated", mut(registry_key, key="HKLM\\System\\Foo\\Bar"))
add("registry-value-bad-type", mut(registry_key, values=[{"name": "Foo", "data": "1", "data_type": "DWORD"}]))
add("registry-v5-without-contributing", mut(registry_key, key=DEL, values=DEL))
add("registry-no-properties", mut(registry_key, id=sid("windows-registry-key"), key=DEL, values=DEL, modified_time=DEL))
add("x509-no-properties", {"type": "x509-certificate", "spec_version": "2.1", "id": sid("x509-certificate")})
add("x509-validity-bad", mut(x509, validity_not_before="March 2016"))
add("x509-v3-empty", mut(x509, x509_v3_extensions={}))
add("x509-v5-without-contributing", mut(x509, serial_number=DEL))
add("x509-exponent-string", mut(x509, subject_public_key_exponent="65537"))
add("valid-x509-v3", mut(x509, x509_v3_extensions={"basic_constraints": "critical,CA:TRUE, pathlen:0", "private_key_usage_period_not_before": "2016-03-12T12:00:00Z"}))

# --- meta objects
add("marking-statement-missing-statement", mut(statement_marking, definition={"text": "Copyright"}))
add("marking-missing-definition-type", mut(statement_marking, definition_type=DEL))
add("marking-missing-definition", mut(statement_marking, definition=DEL))
add("marking-definition-not-object", mut(statement_marking, definition="Copyright 2019"))
add("marking-missing-created", mut(statement_marking, created=DEL))
add("marking-circular-object-marking", mut(statement_marking, object_marking_refs=[statement_marking["id"]]))
add("marking-circular-granular", mut(statement_marking, granular_markings=[{"marking_ref": statement_marking["id"], "selectors": ["definition.statement"]}]))
add("marking-tlp-new-id", mut(tlp_marking("green"), id="marking-definition--" + uuid4()))
add("marking-tlp-wrong-name", mut(tlp_marking("amber"), name="TLP:AMBER+STRICT"))
add("marking-tlp-wrong-level", setp(tlp_marking("red"), ("definition", "tlp"), "green"))
add("marking-tlp-extra-property", mut(tlp_marking("white"), external_references=[EXTREF]))
add("marking-tlp-wrong-created", mut(tlp_marking("green"), created="2017-01-20T00:00:00.001Z"))
add("valid-marking-extension", {
    "type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--" + uuid4(), "created": "2022-10-01T00:00:00.000Z",
    "name": "TLP:CLEAR", "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {"extension_type": "property-extension", "tlp_2_0": "clear"}},
})
add("marking-created-seconds", mut(statement_marking, created="2016-08-01T00:00:00Z"))
add("language-content-missing-object-ref", mut(language_content, object_ref=DEL))
add("language-content-missing-contents", mut(language_content, contents=DEL))
add("language-content-contents-empty", mut(language_content, contents={}))
add("language-content-bad-lang-key", mut(language_content, contents={"deutsch!": {"name": "Bank Angriff"}}))
add("language-content-bad-property-key", mut(language_content, contents={"de": {"Name": "Bank Angriff"}}))
add("language-content-object-modified-bad", mut(language_content, object_modified="2017-02-08"))
add("language-content-object-ref-malformed", mut(language_content, object_ref="campaign"))
add("ext-def-missing-name", mut(extension_definition, name=DEL))
add("ext-def-missing-schema", mut(extension_definition, schema=DEL))
add("ext-def-missing-version", mut(extension_definition, version=DEL))
add("ext-def-missing-types", mut(extension_definition, extension_types=DEL))
add("ext-def-types-empty", mut(extension_definition, extension_types=[]))
add("ext-def-types-bad", mut(extension_definition, extension_types=["new-thing"]))
add("ext-def-properties-without-toplevel", mut(extension_definition, extension_properties=["rank"]))
add("valid-ext-def-toplevel", mut(extension_definition, extension_types=["toplevel-property-extension", "new-sdo"], extension_properties=["rank", "toxicity"]))
add("ext-def-missing-created-by", mut(extension_definition, created_by_ref=DEL))


def main():
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(cases, indent=1, ensure_ascii=False) + "\n"
    OUT.write_text(text, encoding="utf-8")
    valid = sum(1 for c in cases if c["case"].startswith("valid-"))
    print(f"wrote {len(cases)} cases ({valid} meant valid) to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
