"""The walking skeleton, end to end through the services' own processes and the real servers:
registry → outbox → registry.ormas → consumers → reporting; Celery → SMTP; DLQ; a crash between
the database write and the publish."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest

from deploy.local import stack
from services.reporting.adapters.store import Projections
from shared import auth
from shared.contracts import encode
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


def _ormas(region: str = "35.75", **over) -> dict:
    body = {"name": f"LSM Uji {uuid.uuid4().hex[:10]}", "kind": "lsm", "region": region,
            "email": "sekretariat@example.org"}
    body.update(over)
    return body


async def _client(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base, timeout=20)


async def test_every_service_is_live_ready_and_measured(platform):
    async with httpx.AsyncClient(timeout=10) as http:
        for service in stack.SERVICES:  # the domain services; the web application has no database or topic
            base = platform.urls[service]
            assert (await http.get(f"{base}/health/live")).json() == {"status": "ok"}
            ready = (await http.get(f"{base}/health/ready")).json()
            assert ready == {"status": "ok", "checks": {"database": "ok", "kafka": "ok"}}, service
            metrics = (await http.get(f"{base}/metrics")).text
            assert "kesbang_http_requests_total" in metrics, service
            assert (await http.get(f"{base}/openapi.json")).json()["info"]["title"].startswith("Kesbang")
        web = platform.urls["web"]
        assert (await http.get(f"{web}/health/ready")).json() == {"status": "ok", "checks": {"redis": "ok"}}
        assert "kesbang_http_requests_total" in (await http.get(f"{web}/metrics")).text


async def test_an_ormas_posted_to_registry_is_counted_by_reporting(platform, headers, mongo, kafka):
    op, analyst = headers("operator", "35.75"), headers("analyst", "35")
    async with httpx.AsyncClient(timeout=20) as http:
        before = (await http.get(f"{platform.urls['reporting']}/stats/ormas", params={"region": "35.75"},
                                 headers=analyst)).json()
        r = await http.post(f"{platform.urls['registry']}/ormas", json=_ormas(), headers=op)
        assert r.status_code == 201, r.text
        created = r.json()
        assert r.headers["location"] == f"/ormas/{created['id']}" and r.headers["etag"] == '"1"'

        projection = mongo[platform.db_name("reporting")]["ormas"]
        await eventually(lambda: projection.find_one({"_id": created["id"]}), what="reporting's projection")

        async def counted():  # other tests may be adding ormas of Kota Pasuruan at the same time
            s = (await http.get(f"{platform.urls['reporting']}/stats/ormas", params={"region": "35.75"},
                                headers=analyst)).json()
            return s if s["total"] >= before["total"] + 1 else None

        stats = await eventually(counted, what="reporting to count the new ormas")
        assert stats["name"] == "Kota Pasuruan" and stats["by_status"]["unregistered"] >= 1
        province = (await http.get(f"{platform.urls['reporting']}/stats/ormas", headers=analyst)).json()
        assert province["region"] == "35" and province["by_child"]["35.75"] == stats["total"]

    # the event on the wire is a CloudEvent with the ormas id as key, carrying the trace
    msgs = await kafka.read(platform.topic("registry.ormas"),
                            until=lambda ms: any(m.key == created["id"].encode() for m in ms))
    event = json.loads(next(m for m in msgs if m.key == created["id"].encode()).value)
    assert event["type"] == "id.kesbang.registry.ormas.created" and event["region"] == "35.75"
    assert event["data"]["ormas_id"] == created["id"] and event["traceparent"].split("-")[1] == \
        r.headers["traceparent"].split("-")[1]
    # and every service that keeps a copy has it
    for service, coll in (("events", "registry_ormas"), ("notifications", "contacts")):
        await eventually(lambda: mongo[platform.db_name(service)][coll].find_one({"_id": created["id"]}),
                         what=f"{service}'s copy")


async def test_bad_input_gets_problem_json_and_writes_nothing(platform, headers, mongo):
    op = headers("operator", "35.75")
    ormas = mongo[platform.db_name("registry")]["ormas"]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=20) as http:
        before = await ormas.count_documents({})
        cases = [
            (_ormas(region="35.99"), "region"), (_ormas(kind="partai"), "kind"), (_ormas(email="bukan-email"), "email"),
            (_ormas(name=""), "name"), ({"name": "x"}, "kind"), (_ormas(nik="3575014501900003"), "nik"),
        ]
        for body, field in cases:
            r = await http.post("/ormas", json=body, headers=op)
            assert r.status_code == 422, (body, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            problem = r.json()
            assert problem["status"] == 422 and any(e["field"] == field for e in problem["errors"]), problem
        r = await http.post("/ormas", content=b"{not json", headers={**op, "content-type": "application/json"})
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert await ormas.count_documents({}) == before

        r = await http.post("/ormas", json=_ormas())
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
        r = await http.post("/ormas", json=_ormas(), headers={"Authorization": "Bearer x.y.z"})
        assert r.status_code == 401
        r = await http.post("/ormas", json=_ormas(), headers=headers("analyst", "35.75"))
        assert r.status_code == 403 and r.json()["title"] == "Forbidden"
        r = await http.post("/ormas", json=_ormas(region="35.73"), headers=op)  # another city
        assert r.status_code == 404
        assert await ormas.count_documents({}) == before

        body = _ormas()
        first = await http.post("/ormas", json=body, headers=op)
        again = await http.post("/ormas", json={**body, "name": body["name"].upper() + " "}, headers=op)
        assert again.status_code == 409 and again.json()["existing_id"] == first.json()["id"]

        # another region's ormas is indistinguishable from a missing one
        oid = first.json()["id"]
        assert (await http.get(f"/ormas/{oid}", headers=headers("analyst", "35.73"))).status_code == 404
        assert (await http.get(f"/ormas/{oid}", headers=headers("analyst", "35"))).status_code == 200
        assert (await http.get(f"/ormas/{oid}", headers=headers("admin", ""))).status_code == 200


async def test_reporting_refuses_unknown_regions_and_regions_outside_scope(platform, headers):
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=20) as http:
        r = await http.get("/stats/ormas", params={"region": "99"}, headers=headers("analyst", ""))
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        r = await http.get("/stats/ormas", params={"region": "36"}, headers=headers("analyst", "35"))
        assert r.status_code == 404
        r = await http.get("/stats/ormas", params={"region": "35"}, headers=headers("analyst", "35.75"))
        assert r.status_code == 404


async def test_a_malformed_message_lands_in_the_dlq_and_consumers_keep_going(platform, headers, kafka):
    topic = platform.topic("registry.ormas")
    marker = uuid.uuid4().hex.encode()
    await kafka.produce(topic, b'{"specversion": "1.0", "oops": ' + marker, key=marker)
    groups = {b"reporting", b"events", b"notifications", b"earlywarning"}

    def dead_lettered_by(ms):
        return {dict(m.headers)["dlq.group"].split(b".")[-1] for m in ms if m.key == marker}

    dead = await kafka.read(topic + ".dlq", until=lambda ms: dead_lettered_by(ms) == groups)
    mine = [m for m in dead if m.key == marker]
    assert all(b"not JSON" in dict(m.headers)["dlq.error"] and dict(m.headers)["dlq.topic"] == topic.encode()
               for m in mine)
    # each consumer process counts it where Prometheus scrapes it (the alert on it can fire)
    async with httpx.AsyncClient(timeout=10) as http:
        for name in ("events", "notifications", "reporting", "earlywarning"):
            text = (await http.get(platform.metrics_url(f"{name}-consumers"))).text
            counted = re.search(r'^kesbang_events_dead_lettered_total\{group="[^"]*%s",topic="%s"\} ([0-9.]+)$'
                                % (name, re.escape(topic)), text, re.M)
            assert counted and float(counted.group(1)) >= 1, (name, text[-2000:])
    # and they keep consuming: a new ormas still reaches reporting
    async with httpx.AsyncClient(timeout=20) as http:
        r = await http.post(f"{platform.urls['registry']}/ormas", json=_ormas(region="33.26"),
                            headers=headers("operator", "33.26"))
        assert r.status_code == 201
        oid = r.json()["id"]

        async def seen():
            s = (await http.get(f"{platform.urls['reporting']}/stats/ormas", params={"region": "33.26"},
                                headers=headers("analyst", "33"))).json()
            return s["total"] >= 1 and s
        await eventually(seen, what="reporting to keep consuming after the bad message")
    assert oid


async def test_registry_killed_between_write_and_publish_publishes_after_restart_and_is_applied_once(
        platform, headers, mongo, kafka):
    """The process dies (SIGKILL) right after its database write: the event waits in the outbox;
    the restarted process publishes it; reporting applies it once, even when it arrives twice."""
    env = {**platform.env("registry"), "REGISTRY_MONGO_DB": platform.db_name("registry") + "_crash"}
    group = platform.group
    crashing = stack.api_component("registry", 18011, {**env, "KESBANG_FAILPOINTS": "registry.after_write"},
                                   name="registry-crashing")
    proc = group.start(crashing)
    group.wait_healthy(crashing, proc)
    body = _ormas(region="35.75")
    async with httpx.AsyncClient(timeout=20) as http:
        with pytest.raises(httpx.TransportError):  # the connection dies with the process
            await http.post("http://127.0.0.1:18011/ormas", json=body, headers=headers("operator", "35.75"))
    assert proc.wait(timeout=10) == -9  # killed by SIGKILL, not exited
    group.stop("registry-crashing")

    crash_db = mongo[env["REGISTRY_MONGO_DB"]]
    doc = await crash_db["ormas"].find_one({"name": body["name"]})
    assert doc is not None and len(doc["_outbox"]) == 1, "the write and its event were stored together"
    event_id = doc["_outbox"][0]["id"]

    restarted = stack.api_component("registry", 18011, env, name="registry-restarted")
    proc = group.start(restarted)
    try:
        group.wait_healthy(restarted, proc)
        reporting = mongo[platform.db_name("reporting")]
        await eventually(lambda: reporting["ormas"].find_one({"_id": doc["_id"]}), what="reporting to apply it")
        assert (await crash_db["ormas"].find_one({"_id": doc["_id"]}))["_outbox"] == []
    finally:
        group.stop("registry-restarted")

    # a second publication of the same event (as a relay retry would do) changes nothing: not the
    # row, not the counters (reporting applies ormas events by their version)
    projections = Projections(mongo[platform.db_name("reporting")])

    async def settled_total():
        counted = (await projections.ormas_figures("35.75"))["total"]
        return counted == (await projections.ormas_figures_counted("35.75"))["total"] and counted

    before = await eventually(settled_total, what="the city's counters to agree with its rows")
    original = (await kafka.read(platform.topic("registry.ormas"),
                                 until=lambda ms: any(m.key == doc["_id"].encode() for m in ms)))
    raw = next(m.value for m in original if m.key == doc["_id"].encode())
    assert json.loads(raw)["id"] == event_id
    await kafka.produce(platform.topic("registry.ormas"), raw, key=doc["_id"].encode())
    marker = json.loads(raw)
    marker_id = str(uuid.uuid4())
    marker["id"], marker["data"] = marker_id, {**marker["data"], "ormas_id": marker_id, "name": "Penanda"}
    await kafka.produce(platform.topic("registry.ormas"), encode(marker), key=doc["_id"].encode())  # same partition
    await eventually(lambda: reporting["ormas"].find_one({"_id": marker_id}), what="the marker behind the duplicate")
    assert await reporting["ormas"].count_documents({"name": body["name"]}) == 1
    assert (await reporting["ormas"].find_one({"_id": doc["_id"]}))["version"] == 1
    # the marker counted once, the duplicate not at all: the counters still agree with the rows
    assert await eventually(settled_total, what="counters agreeing after the duplicate") == before + 1


def test_dev_tokens_come_from_the_mint_command(infra):
    token = auth.mint(infra.private_key, subject="s", role="analyst", region="35", issuer="kesbang-registry",
                      audience="kesbang")
    assert auth.TokenVerifier(infra.public_key, issuer="kesbang-registry", audience="kesbang").verify(token).region == "35"
