"""The database the local stack builds: FerretDB with the _id fixes applied by bootstrap.sh.
Every hot path of the platform finds its document by _id; these prove the database answers that
with an index search, and that the fixes change no result."""

import uuid

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture()
async def coll(mongo):
    db = mongo[f"it_fdb_{uuid.uuid4().hex[:8]}"]
    await db["docs"].insert_many([{"_id": f"id{i}", "v": i % 3, "tags": ["a"] if i % 2 else []} for i in range(50)])
    yield db["docs"]
    await mongo.drop_database(db.name)


async def _plan(coll, filter_):
    out = await coll.database.command("explain", {"find": coll.name, "filter": filter_}, verbosity="queryPlanner")
    return " ".join(out["queryPlanner"]["Plan"])


@pytest.mark.parametrize("filter_", [{"_id": "id7"}, {"_id": "id7", "v": 1}, {"_id": "id7", "tags.0": {"$exists": True}}])
async def test_a_filter_naming_an_id_is_an_index_search(coll, filter_):
    assert "USING INDEX" in await _plan(coll, filter_)


async def test_a_filter_without_an_id_still_scans_and_answers(coll):
    assert "SCAN" in await _plan(coll, {"v": 1})
    assert await coll.count_documents({"v": 1}) == 17


async def test_the_rest_of_the_filter_still_applies_after_the_id_search(coll):
    assert await coll.find_one({"_id": "id7", "v": 1}) == {"_id": "id7", "v": 1, "tags": ["a"]}
    assert await coll.find_one({"_id": "id7", "v": 2}) is None
    r = await coll.update_one({"_id": "id8", "v": 0}, {"$set": {"x": 1}})  # id8 has v == 2
    assert r.matched_count == 0
    r = await coll.update_one({"_id": "id8", "v": 2}, {"$set": {"x": 1}})
    assert r.modified_count == 1
    r = await coll.delete_one({"_id": "id9", "tags.0": {"$exists": False}})  # id9 has a tag
    assert r.deleted_count == 0 and await coll.find_one({"_id": "id9"}) is not None


async def test_concurrent_updates_of_one_document_are_not_lost(coll):
    """Many writers increment and push on one document at once: every change survives, as with one
    MongoDB document update (FerretDB's read-modify-write was not atomic before the fix)."""
    import asyncio

    n = 60

    async def writer(i):
        if i % 3 == 0:
            await coll.update_one({"_id": "id1"}, {"$inc": {"n": 1}, "$push": {"log": i}})
        elif i % 3 == 1:
            await coll.find_one_and_update({"_id": "id1"}, {"$inc": {"n": 1}, "$push": {"log": i}})
        else:
            await coll.update_one({"_id": "id1", "v": 1}, {"$inc": {"n": 1}, "$push": {"log": i}})

    await asyncio.gather(*(writer(i) for i in range(n)))
    doc = await coll.find_one({"_id": "id1"})
    assert doc["n"] == n and sorted(doc["log"]) == list(range(n))


async def test_a_conditional_update_wins_once_under_contention(coll):
    """Optimistic concurrency: of many writers expecting version 1, exactly one succeeds."""
    import asyncio

    await coll.update_one({"_id": "id2"}, {"$set": {"version": 1}})
    results = await asyncio.gather(*(coll.update_one({"_id": "id2", "version": 1}, {"$set": {"version": 2, "by": i}})
                                     for i in range(20)))
    assert sum(r.modified_count for r in results) == 1


def _prefix(p: str) -> dict:
    return {"$gte": p, "$lt": p[:-1] + chr(ord(p[-1]) + 1)}


async def test_an_id_prefix_is_an_index_range_and_answers_exactly(coll):
    """Children keyed "<parent>:<child>" are listed by the parent's prefix through the _id index;
    the answer is exactly what MongoDB gives, edge cases included (a shorter id, the next prefix,
    an id with characters the pushdown does not handle, other _id types)."""
    await coll.insert_many([{"_id": f"k1:{i:03d}", "n": i} for i in range(30)]
                           + [{"_id": "k1", "n": -1}, {"_id": "k1;", "n": -2}, {"_id": "k10:x", "n": -3},
                              {"_id": "k1:é \"q\"", "n": 99}, {"_id": 7, "n": -4}, {"_id": "k1:!", "n": 98}])
    plan = await _plan(coll, {"_id": _prefix("k1:")})
    assert "USING INDEX" in plan and "SCAN" not in plan.replace("SEARCH", ""), plan
    got = sorted([d["n"] async for d in coll.find({"_id": _prefix("k1:")})])
    assert got == [*range(30), 98, 99]
    assert await coll.count_documents({"_id": _prefix("k1:"), "n": {"$lt": 10}}) == 10
    # bounds that are not a prefix pair, or not plain ASCII, still answer (by scanning)
    assert "SCAN" in await _plan(coll, {"_id": {"$gte": "k1:", "$lt": "k2"}})
    assert sorted([d["n"] async for d in coll.find({"_id": {"$gte": "k1:", "$lt": "k2"}})]) == sorted([*range(30), 98, 99, -2])
    assert sorted([d["n"] async for d in coll.find({"_id": _prefix("k1:é")})]) == [99]


async def test_an_unacknowledged_write_gets_no_reply_and_is_applied_in_order(coll, infra):
    """Fix 5: w: 0 (moreToCome) is answered with nothing, so the connection's next reply is its
    own; on one connection the write is applied before the next command is read."""
    from pymongo import AsyncMongoClient, WriteConcern

    one = AsyncMongoClient(infra.mongo_url, maxPoolSize=1, tz_aware=True)  # every command on one connection
    try:
        docs = one[coll.database.name][coll.name]
        fast = docs.with_options(write_concern=WriteConcern(w=0))
        for i in range(30):
            r = await fast.update_one({"_id": "id1"}, {"$inc": {"n": 1}})
            assert r.acknowledged is False
            assert (await docs.find_one({"_id": "id1"}))["n"] == i + 1
    finally:
        await one.close()


async def test_an_id_in_list_is_an_index_search_and_answers_exactly(coll):
    """Fix 6: {_id: {$in: [...]}} of strings is an index search; the rest of the filter, ids that
    are not there, and lists the pushdown leaves alone (other types, empty) answer as MongoDB does."""
    plan = await _plan(coll, {"_id": {"$in": ["id3", "id4", "nope"]}})
    assert "USING INDEX" in plan and "SCAN" not in plan.replace("SEARCH", ""), plan
    assert sorted([d["_id"] async for d in coll.find({"_id": {"$in": ["id3", "id4", "nope"]}})]) == ["id3", "id4"]
    assert [d["_id"] async for d in coll.find({"_id": {"$in": ["id3", "id4"]}, "v": 1})] == ["id4"]
    await coll.insert_one({"_id": 5, "v": 9})
    assert "SCAN" in await _plan(coll, {"_id": {"$in": ["id3", 5]}})
    assert sorted([str(d["_id"]) async for d in coll.find({"_id": {"$in": ["id3", 5]}})]) == ["5", "id3"]
    assert [d async for d in coll.find({"_id": {"$in": []}})] == []
    r = await coll.update_many({"_id": {"$in": ["id1", "id2", "id9"]}, "v": {"$ne": 0}}, {"$set": {"x": 1}})
    assert r.matched_count == 2  # id9 has v == 0
    assert await coll.count_documents({"x": 1}) == 2
    r = await coll.delete_many({"_id": {"$in": ["id1", "id2"]}, "x": 1})
    assert r.deleted_count == 2 and await coll.count_documents({}) == 49
