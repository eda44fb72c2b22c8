"""Reporting's consumer after an unclean stop: the counter deltas it deferred died with it, the rows
did not; the next start recounts before it consumes. A clean stop leaves nothing to repair."""

import uuid

import pytest

from services.reporting.adapters.store import Projections
from services.reporting.consumers import mark_clean, recover_if_unclean

pytestmark = pytest.mark.integration


def _created(i: int) -> dict:
    return {"ormas_id": f"o-{i}", "version": 1, "name": f"Ormas {i}", "kind": "lsm", "region": "35.75",
            "status": "registered", "skt_valid_until": "2030-01-01", "created_at": "2026-11-01T00:00:00+00:00"}


async def test_a_killed_consumers_lost_deltas_are_recounted_at_the_next_start(mongo):
    db = mongo[f"it_reporting_{uuid.uuid4().hex[:8]}"]
    try:
        assert await recover_if_unclean(db, "replica-1") is False  # first start: nothing to repair
        deferred = Projections(db, deferred=True)
        for i in range(5):
            assert await deferred.apply_ormas(_created(i))
        await deferred.flush()
        for i in range(5, 8):  # applied, then the process dies before its batch's flush
            assert await deferred.apply_ormas(_created(i))
        city = Projections(db)
        assert (await city.ormas_figures("35.75"))["total"] == 5  # short by the lost deltas
        # a redelivery after the crash changes nothing: the rows are at that version already
        assert not await Projections(db, deferred=True).apply_ormas(_created(6))

        assert await recover_if_unclean(db, "replica-1") is True  # the new process's start
        figures = await city.ormas_figures("35.75")
        assert figures["total"] == 8 and figures["by_status"] == {"registered": 8}
        assert figures == {**await city.ormas_figures_counted("35.75"), "by_child": figures["by_child"]}

        await mark_clean(db, "replica-1")  # stopped cleanly: the next start does not recount
        assert await recover_if_unclean(db, "replica-1") is False
    finally:
        await mongo.drop_database(db.name)


async def test_a_flush_that_fails_on_one_counter_writes_the_others_and_retries_only_that_one(mongo):
    """The counter documents of a batch are written side by side; one refused (its field is not a
    sub-document) fails the flush, the rest are written, and the retry writes only what was left:
    no counter is incremented twice."""
    from pymongo.errors import OperationFailure

    db = mongo[f"it_reporting_{uuid.uuid4().hex[:8]}"]
    counters = db["ormas_counters"]
    try:
        await counters.insert_one({"_id": "35", "total": "broken"})
        deferred = Projections(db, deferred=True)
        for i in range(3):
            assert await deferred.apply_ormas(_created(i))
        with pytest.raises(OperationFailure):
            await deferred.flush()
        for written in ("35.75", "nasional"):  # the batch's other documents: written, once
            assert (await counters.find_one({"_id": written}))["total"] == {"-": 3}
        await counters.update_one({"_id": "35"}, {"$unset": {"total": ""}})
        await deferred.flush()  # the retry writes the province's deltas only
        for doc_id in ("35", "35.75", "nasional"):
            assert (await counters.find_one({"_id": doc_id}))["total"] == {"-": 3}
    finally:
        await mongo.drop_database(db.name)
