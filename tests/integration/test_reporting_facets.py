"""Figures filtered by a kind or a bidang come from that facet's counters (one document), and equal
the same figures counted from the rows — through creations, changes of kind and bidang, and a
recount."""

import uuid

import pytest

from services.reporting.adapters.store import Projections

pytestmark = pytest.mark.integration

TODAY = "2026-11-23"
# SKTs ending before and after today in this month, inside and past the 90 days in February, between
UNTIL = ["2026-11-10", "2026-11-30", "2027-02-20", "2027-02-25", "2027-01-10", "2025-06-01", "2028-03-03"]


def _event(i: int, version: int, kind: str, bidang: list[str], region: str, status: str = "registered") -> dict:
    return {"ormas_id": f"o-{i}", "version": version, "name": f"Ormas {i}", "kind": kind, "region": region,
            "status": status, "bidang": bidang, "skt_valid_until": UNTIL[i % len(UNTIL)] if status == "registered" else None,
            "created_at": f"2026-{1 + i % 11:02d}-01T00:00:00+00:00"}


async def test_filtered_figures_from_counters_equal_the_rows_counted(mongo):
    db = mongo[f"it_reporting_{uuid.uuid4().hex[:8]}"]
    kinds, bidangs, cities = ["ormas", "lsm", "okp"], ["sosial", "agama", "pendidikan"], ["35.75", "35.73", "33.26"]
    try:
        p = Projections(db)
        for i in range(24):
            assert await p.apply_ormas(_event(i, 1, kinds[i % 3], [bidangs[i % 3], bidangs[(i + 1) % 3]][: 1 + i % 2],
                                              cities[i % 3]))
        for i in range(0, 24, 4):  # changes of kind, bidang and status move each facet's counters
            assert await p.apply_ormas(_event(i, 2, kinds[(i + 1) % 3], [bidangs[(i + 2) % 3]], cities[i % 3],
                                              status="expired"))

        async def agree(scope: str, **facet) -> dict:
            counted = await p.ormas_figures_counted(scope, TODAY, **facet)
            figures = await p.ormas_figures(scope, TODAY, **facet)
            assert figures == counted, (scope, facet)
            return figures

        for scope in ("", "35", "33"):
            whole = await agree(scope)
            for k in kinds:
                assert (await agree(scope, kind=k))["total"] == whole["by_kind"].get(k, 0)
            for b in bidangs:
                assert (await agree(scope, bidang=b))["total"] == whole["by_bidang"].get(b, 0)
        assert (await agree("35", kind="lsm"))["total"] > 0
        nation = await agree("")
        assert nation["skt_expiring_90_days"] > 0 and nation["skt_expired"] > 0
        assert (await agree("", bidang="pertanian"))["total"] == 0  # a bidang nobody has: nothing, not an error

        before = {d["_id"]: d async for d in db["ormas_counters"].find({})}
        assert {"nasional~kind:lsm", "35~bidang:agama", "35.75~kind:ormas", "35@2026-11", "nasional~kind:okp@2027-02"} \
            <= set(before)
        assert await p.recount_counters() > 0  # it removes what the deltas emptied
        assert await p.recount_counters() == 0  # the counters are right now: a recount writes nothing
        for scope in ("", "35"):
            await agree(scope, kind="okp")
            await agree(scope, bidang="sosial")
        after = {d["_id"] async for d in db["ormas_counters"].find({}, {"_id": 1})}
        # the same documents, but those the deltas had emptied (every count back to 0)
        assert after <= set(before)
        assert all(not any(before[i][dim].values()) for i in set(before) - after for dim in before[i] if dim != "_id")
    finally:
        await mongo.drop_database(db.name)
