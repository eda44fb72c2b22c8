"""Copies of another service's aggregates written a consumer batch at a time (shared.readmodel),
against the real database: the newest version wins whatever the order, a redelivered batch changes
nothing, a failed flush keeps what it had to write."""

import uuid

import pytest

from shared.readmodel import BatchedCopies

pytestmark = pytest.mark.integration


@pytest.fixture()
async def coll(mongo):
    db = mongo[f"it_readmodel_{uuid.uuid4().hex[:8]}"]
    yield db["copies"]
    await mongo.drop_database(db.name)


async def test_a_batch_keeps_the_newest_version_of_each_copy(coll):
    copies = BatchedCopies(coll)
    for i in range(40):  # more than one bulk command
        copies.put(f"o{i}", 1, {"name": f"Ormas {i}"})
    copies.put("o3", 3, {"name": "Ormas 3 (v3)"})
    copies.put("o3", 2, {"name": "Ormas 3 (v2, late)"})  # older than what the batch has: ignored
    assert await copies.flush() == 40 and await copies.flush() == 0  # 40 new copies; then nothing to write
    assert await coll.count_documents({}) == 40
    assert await coll.find_one({"_id": "o3"}) == {"_id": "o3", "name": "Ormas 3 (v3)", "version": 3}

    # the next batch: a redelivery of old versions changes nothing, a newer one replaces
    for i in range(40):
        copies.put(f"o{i}", 1, {"name": "stale"})
    copies.put("o3", 2, {"name": "stale"})
    copies.put("o7", 2, {"name": "Ormas 7 (v2)"})
    copies.put("o40", 1, {"name": "Ormas 40"})  # new among old ones: inserted, the others still checked
    assert await copies.flush() == 1
    assert await coll.count_documents({"name": "stale"}) == 0
    assert (await coll.find_one({"_id": "o7"}))["name"] == "Ormas 7 (v2)"
    assert await coll.count_documents({}) == 41


async def test_a_failed_flush_keeps_its_copies_for_the_retry(coll):
    copies = BatchedCopies(coll)
    copies.put("o1", 1, {"name": "Ormas 1"})
    copies.put("o2", 1, {"name": "Ormas 2"})
    await copies.flush()
    # a copy whose field cannot be written fails its command: everything stays for the retry
    copies.put("o1", 2, {"name": "Ormas 1 (v2)"})
    copies.put("o9", 1, {"name": "Ormas 9", "$bad": 1})
    with pytest.raises(Exception):
        await copies.flush()
    assert set(copies.pending) == {"o1", "o9"}
    copies.pending.pop("o9")
    copies.put("o1", 1, {"name": "older, put meanwhile"})  # the retry still writes the newest
    await copies.flush()
    assert (await coll.find_one({"_id": "o1"}))["name"] == "Ormas 1 (v2)"
