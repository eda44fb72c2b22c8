"""Compiled reports through the reporting API and its Celery worker: requested, compiled once even
when asked twice, followed to done, downloaded as PDF, XLSX and CSV; bad periods and other regions'
reports refused."""

from __future__ import annotations

import csv
import datetime as dt
import io

import httpx
import pytest
from openpyxl import load_workbook

from tests.helpers import eventually

pytestmark = pytest.mark.e2e


async def test_a_monthly_report_is_compiled_once_and_downloaded(platform, headers):
    h = headers("head", "33.25")  # Kabupaten Batang: no other test asks for its reports
    period = dt.date.today().strftime("%Y-%m")
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=60) as rp:
        first, second = [await rp.post("/reports", json={"period": period}, headers=h) for _ in range(2)]
        assert first.status_code in (200, 202) and second.status_code in (200, 202)
        rid = first.json()["id"]
        assert second.json()["id"] == rid == f"33.25:{period}"

        async def done():
            r = (await rp.get(f"/reports/{rid}", headers=h)).json()
            return r if r["status"] == "done" else None

        report = await eventually(done, timeout=60, interval=0.5, what="the report compiled")
        assert report["attempts"] == 1 and report["progress"] == 100  # asked twice, compiled once
        assert report["title"].startswith("Laporan Bulanan Ormas dan Kegiatan — Kabupaten Batang")
        pdf = await rp.get(report["files"]["pdf"]["url"], headers=h)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
        xlsx = await rp.get(report["files"]["xlsx"]["url"], headers=h)
        rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
        assert rows[0][0] == report["title"] and any(r[1] == "Jumlah ormas" for r in rows if r and len(r) > 1)
        text = (await rp.get(report["files"]["csv"]["url"], headers=h)).content.decode("utf-8-sig")
        assert next(csv.reader(io.StringIO(text))) == ["Bagian", "Uraian", "Jumlah"]

        # a finished report is not compiled again unless asked to
        again = await rp.post("/reports", json={"period": period}, headers=h)
        assert again.status_code == 200 and again.json()["status"] == "done"
        assert (await rp.post(f"/reports/{rid}/retry", headers=h)).status_code == 409  # only a failed one

        # the province sees the city's report; another province does not
        assert (await rp.get(f"/reports/{rid}", headers=headers("analyst", "33"))).status_code == 200
        assert (await rp.get(f"/reports/{rid}", headers=headers("analyst", "35"))).status_code == 404


@pytest.mark.parametrize("body,status,field", [
    ({"period": "2026-13"}, 422, "period"), ({"period": "2099"}, 422, "period"),
    ({"period": "2026", "region": "99.99"}, 422, "region"), ({"period": "2026", "region": "33.26"}, 404, None),
    ({"period": "2026", "formats": ["docx"]}, 422, "formats.0"),
])
async def test_bad_report_requests(platform, headers, body, status, field):
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        r = await rp.post("/reports", json=body, headers=headers("operator", "35.75"))
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    if field:
        assert r.json()["errors"][0]["field"] == field


async def test_the_projections_are_rebuilt_by_replaying_the_topics(platform, headers, mongo):
    """One command rebuilds reporting from scratch: the same figures come back."""
    import os
    from unittest.mock import patch

    from services.reporting.adapters.store import ConsumerState
    from services.reporting.rebuild import rebuild
    from services.reporting.settings import Settings

    h = headers("analyst", "")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        r = await reg.post("/ormas", json={"name": f"Ormas Replay {dt.datetime.now().timestamp()}", "kind": "okp",
                                           "region": "35.75"}, headers=headers("operator", "35.75"))
        oid = r.json()["id"]
    db = mongo[platform.db_name("reporting")]
    await eventually(lambda: db["ormas"].find_one({"_id": oid}), what="the new ormas in reporting")
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        before = (await rp.get("/stats/ormas", headers=h)).json()
        with patch.dict(os.environ, platform.env("reporting")):  # the settings read the environment
            result = await rebuild(Settings())
        assert result["events"] > 0 and result["events_per_s"] > 0 and result["caught_up"] >= 0
        # the offsets it replayed up to are left for the running consumers to skip to
        floors = await ConsumerState(db).floors()
        assert {tp.topic for tp in floors} >= {platform.topic("registry.ormas"), platform.topic("events.kegiatan")}
        assert sum(off for tp, off in floors.items() if tp.topic == platform.topic("registry.ormas")) >= 1
        assert await db["ormas"].find_one({"_id": oid}) is not None
        # swapped in whole: no fresh or set-aside collection is left beside the live ones
        assert not [c for c in await db.list_collection_names() if c.endswith(("__rebuild", "__old"))]
        after = (await rp.get("/stats/ormas", headers=h)).json()
        # everything counted before is counted again (other tests may add ormas meanwhile)
        assert after["total"] >= before["total"] and all(after["by_status"].get(s, 0) >= n for s, n in before["by_status"].items())


async def test_the_counters_agree_with_a_count_of_the_rows(platform, headers, mongo):
    """The dashboard's ormas figures come from counters kept as events arrive; counted from the
    rows they are the same (once the consumers have caught up)."""
    from services.reporting.adapters.store import Projections

    projections = Projections(mongo[platform.db_name("reporting")])
    h = headers("analyst", "")
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        async def agree():
            from_counters = (await rp.get("/stats/ormas", params={"region": "35"}, headers=h)).json()
            counted = await projections.ormas_figures_counted("35")
            keys = ("total", "by_status", "by_child", "by_kind", "by_legal_form", "by_bidang", "sanctions",
                    "skt_expiring_90_days", "skt_expired")
            return all(from_counters[k] == counted[k] for k in keys) and from_counters["total"] > 0

        await eventually(agree, timeout=60, interval=1, what="counters equal to a recount of the rows")


async def test_the_kegiatan_counters_agree_with_a_count_of_the_rows(platform, headers, mongo):
    from services.reporting.adapters.figures import kegiatan_figures, kegiatan_figures_counted

    db = mongo[platform.db_name("reporting")]

    async def agree():
        a = await kegiatan_figures(db, "35", None, None)
        b = await kegiatan_figures_counted(db, "35", None, None)
        return all(a[k] == b[k] for k in ("kegiatan", "participation", "deliveries", "aspirations"))

    await eventually(agree, timeout=60, interval=1, what="kegiatan counters equal to a count of the rows")
