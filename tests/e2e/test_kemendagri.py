"""Permendagri 57/2017 through the API: an office whose ormas without legal entity get their SKT
from the Minister verifies an application, may not register it itself, forwards it with its
recommendation, exports the forwarded applications for Kemendagri's system, and records the SKT
Kemendagri issued — which registers the ormas under that number."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e
REGION = "32.77"  # Kota Cimahi: no other test records there


async def test_an_office_forwards_to_kemendagri_and_records_the_skt_it_issued(platform, headers):
    op, verifier, admin = headers("operator", REGION), headers("verifier", REGION), headers("admin", REGION)
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        r = await reg.put(f"/offices/{REGION}", json={"name": "Badan Kesatuan Bangsa dan Politik Kota Cimahi",
                                                      "skt_issuer": "kemendagri"}, headers=admin)
        assert r.status_code == 200 and r.json()["skt_issuer"] == "kemendagri", r.text
        r = await reg.post("/ormas", json={"name": f"Paguyuban Warga Cimahi {tag}", "kind": "ormas", "region": REGION},
                           headers=op)
        oid = r.json()["id"]

        async def step(who, action, expect=200, **kw):
            r = await reg.post(f"/ormas/{oid}/transitions", json={"action": action, **kw}, headers=who)
            assert r.status_code == expect, r.text
            return r.json()

        for who, action, kw in ((op, "start_application", {}), (op, "submit", {}), (verifier, "start_verification", {}),
                                (verifier, "check_documents", {"documents_complete": True}),
                                (verifier, "record_field_visit", {"field_visit_outcome": "sesuai", "visited_on": "2026-11-25"})):
            await step(who, action, **kw)
        refused = await step(verifier, "register", expect=409)
        assert "Kemendagri" in refused["detail"] and "forward" in refused["allowed_actions"]
        await step(verifier, "forward", expect=422)  # its recommendation is required
        forwarded = await step(verifier, "forward", reason="Direkomendasikan: dokumen lengkap, sekretariat sesuai")
        assert forwarded["status"] == "in_verification" and "record_kemendagri_skt" in forwarded["allowed_actions"]

        listed = (await reg.get("/applications/forwarded", headers=op)).json()
        mine = [i for i in listed["items"] if i["ormas_id"] == oid]
        assert mine and mine[0]["recommendation"].startswith("Direkomendasikan") and "nik" not in str(mine).lower()
        table = list(csv.reader(io.StringIO((await reg.get("/applications/forwarded", params={"format": "csv"},
                                                           headers=op)).content.decode("utf-8-sig"))))
        assert table[0][:2] == ["ormas_id", "name"] and any(row[0] == oid for row in table[1:])
        assert (await reg.get("/applications/forwarded", params={"region": "35.75"}, headers=op)).status_code == 404

        number = f"01-00-00/{tag}/D.III.1/XII/2026"
        today = dt.date.today()
        await step(verifier, "record_kemendagri_skt", expect=422, skt_number=number, skt_issued_on=today.isoformat(),
                   skt_valid_until=today.isoformat())
        await step(op, "record_kemendagri_skt", expect=403, skt_number=number, skt_issued_on=today.isoformat(),
                   skt_valid_until=(today + dt.timedelta(days=1826)).isoformat())
        done = await step(verifier, "record_kemendagri_skt", skt_number=number, skt_issued_on=today.isoformat(),
                          skt_valid_until=(today + dt.timedelta(days=1826)).isoformat())
        assert done["status"] == "registered" and done["skt"]["number"] == number and done["skt"]["issuer"] == "kemendagri"
        listed = (await reg.get("/applications/forwarded", headers=op)).json()
        assert oid not in [i["ormas_id"] for i in listed["items"]]
