"""The registry's API through its own process and the real servers: the application lifecycle with
its events, optimistic concurrency, idempotent creation, duplicates, search and the scope rules."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.helpers import eventually

pytestmark = pytest.mark.e2e


def _name(prefix: str = "Ormas Uji") -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"


@pytest.fixture()
async def http(platform):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=20) as client:
        yield client


async def _create(http, headers, **over):
    body = {"name": _name(), "kind": "ormas", "region": "35.75", **over}
    r = await http.post("/ormas", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _step(http, headers, oid, action, **kw):
    return await http.post(f"/ormas/{oid}/transitions", json={"action": action, **kw}, headers=headers)


async def test_an_application_goes_from_draft_to_registered_with_its_events(platform, http, headers, kafka):
    op, verifier = headers("operator", "35.75"), headers("verifier", "35.75")
    o = await _create(http, op, whatsapp="0812-3456-7890", bidang=["Sosial"])
    assert o["status"] == "unregistered" and o["whatsapp"] == "+6281234567890"
    assert o["allowed_actions"] == ["start_application", "warn"]
    for action in ("start_application", "submit"):
        assert (await _step(http, op, o["id"], action)).status_code == 200
    # an operator cannot decide; a verifier can
    assert (await _step(http, op, o["id"], "start_verification")).status_code == 403
    r = await _step(http, verifier, o["id"], "start_verification")
    assert r.status_code == 200, r.text
    r = await _step(http, verifier, o["id"], "register")
    assert r.status_code == 409, r.text
    problem = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 409 and "registered" not in problem["allowed_next_states"]
    assert (await _step(http, verifier, o["id"], "check_documents", documents_complete=True)).status_code == 200
    r = await _step(http, verifier, o["id"], "record_field_visit", field_visit_outcome="sesuai", visited_on="2026-11-20")
    assert r.status_code == 200, r.text
    r = await _step(http, verifier, o["id"], "register")
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "registered" and done["skt"]["number"].startswith("220/")
    assert done["skt"]["number"].endswith("/SKT/35.75/2026") and done["version"] == 7

    topic = platform.topic("registry.ormas")
    msgs = await kafka.read(topic, until=lambda ms: sum(m.key == o["id"].encode() for m in ms) >= 9)
    mine = [json.loads(m.value) for m in msgs if m.key == o["id"].encode()]
    types = [e["type"].removeprefix("id.kesbang.registry.ormas.") for e in mine]
    # one key, one partition: the events arrive in the order of the changes
    assert types == ["created", "status_changed", "status_changed", "submitted", "status_changed", "updated",
                     "updated", "status_changed", "registered"]
    assert [e["data"]["version"] for e in mine] == [1, 2, 3, 3, 4, 5, 6, 7, 7]
    registered = mine[-1]["data"]
    assert registered["status"] == "registered" and registered["skt_number"] == done["skt"]["number"]
    assert registered["change"]["from"] == "in_verification" and "nik" not in json.dumps(mine)
    assert len({e["id"] for e in mine}) == len(mine)


async def test_a_stale_if_match_gets_412_and_changes_nothing(http, headers):
    op = headers("operator", "35.75")
    o = await _create(http, op)
    r1 = await http.patch(f"/ormas/{o['id']}", json={"email": "baru@example.org"}, headers={**op, "If-Match": '"1"'})
    assert r1.status_code == 200 and r1.headers["etag"] == '"2"' and r1.json()["email"] == "baru@example.org"
    r2 = await http.patch(f"/ormas/{o['id']}", json={"email": "lain@example.org"}, headers={**op, "If-Match": '"1"'})
    assert r2.status_code == 412 and r2.json()["current_version"] == 2
    assert (await http.get(f"/ormas/{o['id']}", headers=op)).json()["email"] == "baru@example.org"


async def test_the_same_idempotency_key_creates_once(http, headers, platform, mongo):
    op = headers("operator", "35.75")
    key = uuid.uuid4().hex
    body = {"name": _name("LSM Sekali"), "kind": "lsm", "region": "35.75"}
    first = await http.post("/ormas", json=body, headers={**op, "Idempotency-Key": key})
    again = await http.post("/ormas", json=body, headers={**op, "Idempotency-Key": key})
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.json()["id"] == first.json()["id"]
    other = await http.post("/ormas", json={**body, "kind": "ormas"}, headers={**op, "Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    coll = mongo[platform.db_name("registry")]["ormas"]
    assert await coll.count_documents({"name": body["name"]}) == 1


async def test_same_name_or_acronym_blocks_and_a_near_match_warns(http, headers):
    op = headers("operator", "35.75")
    base = _name("Gerakan Pemuda Peduli")
    first = await _create(http, op, name=base, acronym=f"GPP{uuid.uuid4().hex[:4]}")
    r = await http.post("/ormas", json={"name": base.upper() + ".", "kind": "ormas", "region": "35.75"}, headers=op)
    assert r.status_code == 409 and r.json()["existing_id"] == first["id"]
    r = await http.post("/ormas", json={"name": _name(), "acronym": first["acronym"].lower(), "kind": "ormas",
                                        "region": "35.75"}, headers=op)
    assert r.status_code == 409
    near = await _create(http, op, name=base[:-1] + "x")
    assert [w["id"] for w in near["warnings"]] == [first["id"]]
    # the same name in another city is another ormas
    assert (await http.post("/ormas", json={"name": base, "kind": "ormas", "region": "35.73"},
                            headers=headers("operator", "35.73"))).status_code == 201


@pytest.mark.parametrize("over,field", [
    ({"region": "35.99"}, "region"), ({"phone": "12345"}, "phone"), ({"email": "x@"}, "email"),
    ({"founding_date": "2999-01-01"}, "founding_date"), ({"kind": "partai"}, "kind"),
    ({"legal_form": "yayasan"}, "decree_number"), ({"address": {"region": "35.73.01"}}, "address.region"),
])
async def test_bad_input_names_the_field_and_writes_nothing(http, headers, over, field, platform, mongo):
    name = _name("Tidak Boleh Ada")
    r = await http.post("/ormas", json={"name": name, "kind": "ormas", "region": "35.75", **over},
                        headers=headers("operator", "35.75"))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == field for e in r.json()["errors"]), r.text
    assert await mongo[platform.db_name("registry")]["ormas"].count_documents({"name": name}) == 0


async def test_search_filters_pages_with_a_cursor_and_stays_in_scope(http, headers):
    op = headers("operator", "35.75")
    tag = uuid.uuid4().hex[:8]
    made = [await _create(http, op, name=f"Paguyuban {tag} {i:02d}", bidang=["budaya"], kind="okp")
            for i in range(5)]
    await _create(http, headers("operator", "35.73"), name=f"Paguyuban {tag} Malang", kind="okp", region="35.73")
    seen, cursor = [], None
    while True:
        r = await http.get("/ormas", params={"q": f"paguyuban {tag}", "limit": 2, "kind": "okp",
                                             **({"cursor": cursor} if cursor else {})}, headers=op)
        assert r.status_code == 200, r.text
        page = r.json()
        seen += [i["name"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [m["name"] for m in made]  # sorted by name, nothing from Kota Malang
    province = await http.get("/ormas", params={"q": f"paguyuban {tag}", "bidang": "budaya"},
                              headers=headers("analyst", "35"))
    assert len(province.json()["items"]) == 5  # the Kota Malang one has no bidang
    assert (await http.get("/ormas", params={"region": "35.73"}, headers=op)).status_code == 404
    assert (await http.get("/ormas", params={"cursor": "garbage"}, headers=op)).status_code == 422


async def test_phone_numbers_are_masked_in_lists(http, headers):
    op = headers("operator", "35.75")
    o = await _create(http, op, name=_name("Masker"), phone="0812-3456-7890")
    r = await http.get("/ormas", params={"q": o["name"]}, headers=op)
    item = r.json()["items"][0]
    assert item["phone"] != "+6281234567890" and item["phone"].endswith("7890") and "*" in item["phone"]


ROLES = ("operator", "verifier", "head", "analyst", "admin")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("office,sees,writes", [
    ("35.75", True, True), ("35", True, False), ("", True, False), ("35.73", False, False), ("33", False, False),
])
async def test_scope_matrix_for_a_kota_pasuruan_ormas(http, headers, role, office, sees, writes):
    """Each role × office against one ormas of Kota Pasuruan: read where the office sees it, write
    (edit) only as its own office's operator or admin; outside the scope it does not exist (404)."""
    owner = await _create(http, headers("operator", "35.75"))
    h = headers(role, office)
    r = await http.get(f"/ormas/{owner['id']}", headers=h)
    assert r.status_code == (200 if sees else 404)
    r = await http.patch(f"/ormas/{owner['id']}", json={"acronym": f"UJI{uuid.uuid4().hex[:6]}"}, headers=h)
    if role not in ("operator", "admin"):
        assert r.status_code == 403
    else:
        assert r.status_code == (200 if writes else 404)


async def test_another_replicas_write_becomes_searchable_from_the_topic(platform, http, headers, kafka):
    """A second registry replica's write reaches this replica's search index through registry.ormas."""
    from shared.contracts import encode, make_event

    oid = str(uuid.uuid4())
    name = _name("Replika Lain")
    data = {"ormas_id": oid, "version": 1, "name": name, "acronym": None, "kind": "lsm", "legal_form":
            "tidak_berbadan_hukum", "scope": "kabupaten_kota", "region": "35.75", "status": "unregistered",
            "bidang": [], "email": None, "phone": None, "whatsapp": None, "skt_number": None, "skt_issued_on": None,
            "skt_valid_until": None, "created_at": "2026-11-23T00:00:00+00:00", "sanction_level": None, "officers": []}
    event = make_event("registry.ormas.created", source="/kesbang/registry", subject=f"ormas/{oid}", data=data,
                       region="35.75", sequence=1)
    await kafka.produce(platform.topic("registry.ormas"), encode(event), key=oid.encode())
    op = headers("operator", "35.75")

    async def found():
        return (await http.get("/ormas", params={"q": name}, headers=op)).json()["items"]

    items = await eventually(found, what="the other replica's ormas in search")
    assert [i["id"] for i in items] == [oid]


SEEDED_NIK = "3575014101900007"
SEEDED_PHONE = "081398765432"


async def test_a_new_board_is_kept_with_its_history_and_its_nik_never_leaves_masked(platform, http, headers, kafka):
    op = headers("operator", "35.75")
    o = await _create(http, op)
    board = {"officers": [{"name": "Budi Santoso", "position": "ketua", "nik": SEEDED_NIK, "phone": SEEDED_PHONE},
                          {"name": "Siti Aminah", "position": "sekretaris", "nik": "3575014101920002"}],
             "reason": "musyawarah 2026"}
    r = await http.put(f"/ormas/{o['id']}/officers", json=board, headers={**op, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["officers"][0]["nik"] == "3575********0007" and r.json()["previous_boards"] == 0
    r = await http.put(f"/ormas/{o['id']}/officers", json={"officers": board["officers"][:1]}, headers=op)
    assert r.status_code == 200 and r.json()["previous_boards"] == 1
    got = await http.get(f"/ormas/{o['id']}/officers", headers=headers("analyst", "35"))
    assert [x["name"] for x in got.json()["officers"]] == ["Budi Santoso"]
    assert SEEDED_NIK not in got.text and "98765432" not in got.text
    assert SEEDED_NIK not in (await http.get(f"/ormas/{o['id']}", headers=op)).text
    # a bad NIK names the officer and changes nothing
    bad = await http.put(f"/ormas/{o['id']}/officers",
                         json={"officers": [{"name": "X", "position": "ketua", "nik": "3575013201900001"}]}, headers=op)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "officers.0.nik"
    # the events carry names and positions, never a NIK or a phone
    msgs = await kafka.read(platform.topic("registry.ormas"),
                            until=lambda ms: sum(m.key == o["id"].encode() for m in ms) >= 3)
    mine = [json.loads(m.value) for m in msgs if m.key == o["id"].encode()]
    assert mine[-1]["type"].endswith("officers_changed")
    assert mine[-1]["data"]["officers"] == [{"name": "Budi Santoso", "position": "ketua"}]
    assert all(SEEDED_NIK not in json.dumps(e) and "98765432" not in json.dumps(e) for e in mine)


@pytest.mark.parametrize("field", ["name", "kind", "legal_form", "scope"])
async def test_a_required_field_cannot_be_cleared_by_patch(http, headers, field):
    """Found by schemathesis: a null for a required field was a 500."""
    op = headers("operator", "35.75")
    o = await _create(http, op)
    r = await http.patch(f"/ormas/{o['id']}", json={field: None}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
