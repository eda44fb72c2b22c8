"""Every error answers RFC 9457 problem+json with a stable ``type`` per kind of problem
(urn:kesbang:problem:<kind>), which the web application translates; each OpenAPI document lists
the problems and names its operations by their functions."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.events_support import create_kegiatan, create_ormas, step

pytestmark = pytest.mark.e2e
P = "urn:kesbang:problem:"


async def test_each_kind_of_problem_has_its_type(platform, headers):
    op = headers("operator", "35.75")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        o = await create_ormas(reg, op, name=f"Jenis Masalah {uuid.uuid4().hex[:6]}", kind="ormas", region="35.75")
        answers = {
            "stale-version": await reg.patch(f"/ormas/{o['id']}", json={"acronym": "JM"},
                                             headers={**op, "If-Match": '"99"'}),
            "transition-not-allowed": await reg.post(f"/ormas/{o['id']}/transitions", json={"action": "register"},
                                                     headers=headers("verifier", "35.75")),
            "invalid": await reg.post("/ormas", json={"name": "X", "kind": "ormas", "region": "35.75",
                                                      "phone": "12"}, headers=op),
            "not-found": await reg.get(f"/ormas/{uuid.uuid4()}", headers=op),
            "unauthenticated": await reg.get(f"/ormas/{o['id']}"),
            "not-allowed": await reg.post("/ormas", json={"name": "X", "kind": "ormas", "region": "35.75"},
                                          headers=headers("analyst", "35.75")),
            "duplicate": await reg.post("/ormas", json={"name": o["name"], "kind": "ormas", "region": "35.75"},
                                        headers=op),
        }
    async with httpx.AsyncClient(base_url=platform.urls["events"], timeout=30) as ev:
        k = await create_kegiatan(ev, op)
        answers["transition-not-allowed (events)"] = await step(ev, op, k["id"], "complete")
    for kind, r in answers.items():
        assert r.headers["content-type"] == "application/problem+json", (kind, r.text)
        assert r.json()["type"] == P + kind.split(" ")[0], (kind, r.json())
    assert answers["invalid"].json()["errors"][0]["field"] == "phone"
    assert "register" not in answers["transition-not-allowed"].json()["allowed_actions"]
    assert answers["transition-not-allowed (events)"].json()["current_status"] == "draft"


@pytest.mark.parametrize("service", ["registry", "events", "notifications", "reporting", "earlywarning"])
async def test_the_openapi_lists_problems_and_readable_operation_ids(platform, service):
    async with httpx.AsyncClient(timeout=30) as http:
        spec = (await http.get(platform.urls[service] + "/openapi.json")).json()
    ops = [op for item in spec["paths"].values() for op in item.values()]
    assert all("_" not in op["operationId"] or "__" not in op["operationId"] for op in ops)
    assert all(op["operationId"].isidentifier() and len(op["operationId"]) < 40 for op in ops)
    assert all("412" in op["responses"] and "404" in op["responses"] for op in ops)
    assert P + "stale-version" in spec["info"]["description"]
