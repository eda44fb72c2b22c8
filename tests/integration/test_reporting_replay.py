"""The rebuild's in-memory fold leaves exactly what the consumers' handler leaves: the same events,
out of order and repeated, applied one write at a time to one database and folded and swapped into
another give the same documents in every projection, counters included."""

import uuid

import pytest

from services.reporting.adapters.store import Projections
from services.reporting.domain.replay import COLLECTIONS, Fold
from services.reporting.rebuild import FRESH, OLD, _swap_in
from shared.mongo import capabilities

pytestmark = pytest.mark.integration


def _ormas(i: int, version: int, **kw) -> dict:
    return {"ormas_id": f"o-{i}", "version": version, "name": f"Ormas {i} v{version}", "kind": "lsm", "region": "35.75",
            "status": "registered", "bidang": ["sosial"], "skt_valid_until": "2028-01-01",
            "created_at": "2026-03-01T00:00:00Z", **kw}


def _kegiatan(version: int, status: str, **change) -> dict:
    return {"kegiatan_id": "k-1", "version": version, "type": "dialog", "title": f"Dialog v{version}", "region": "35.75",
            "status": status, "starts_at": "2026-11-20T01:00:00Z", "ends_at": "2026-11-20T08:00:00Z", "invited": 3,
            "venue": {"zone": "WIB", "name": "Pendopo", "region": "35.75"}, "change": change}


def _participation(pid: str, **change) -> dict:
    return {"participant_id": pid, "kegiatan_id": "k-1", "ormas_id": pid.replace("p-", "o-"), "kind": "ormas",
            "kegiatan_region": "35.75", "kegiatan_type": "dialog", "starts_at": "2026-11-20T01:00:00Z", "change": change}


def _delivery(mid: str, status: str) -> dict:
    return {"message_id": mid, "kegiatan_id": "k-1", "participant_id": "p-1", "kind": "invitation", "channel": "email",
            "status": status}


def _report(version: int, status: str) -> dict:
    return {"report_id": "r-1", "version": version, "region": "35.75", "location_code": "35.75.01", "title": "Sengketa",
            "category": "sengketa_lahan", "severity": "sedang", "status": status, "source_kind": "warga",
            "occurred_at": "2026-11-18T02:00:00Z", "received_at": "2026-11-18T03:00:00Z",
            "verified_at": "2026-11-18T05:00:00Z" if status != "received" else None}


EVENTS = [
    ("registry.ormas", "created", _ormas(1, 1)),
    ("registry.ormas", "updated", _ormas(1, 3, kind="okp", bidang=["agama", "sosial"])),
    ("registry.ormas", "updated", _ormas(1, 2, status="expired")),  # older than what is there: nothing
    ("registry.ormas", "created", _ormas(2, 1, region="33.26", kind="ormas")),
    ("registry.ormas", "created", _ormas(2, 1, region="33.26", kind="ormas")),  # redelivered
    ("events.kegiatan", "published", _kegiatan(1, "published")),
    ("events.kegiatan", "aspiration_recorded",
     _kegiatan(2, "published", aspiration={"id": "a-1", "text": "Jalan rusak", "status": "recorded"})),
    ("events.participation", "invited", _participation("p-1")),
    ("events.participation", "invited", _participation("p-2")),
    ("events.participation", "responded", _participation("p-1", attending=True)),
    ("events.participation", "responded", _participation("p-2", attending=False)),
    ("events.participation", "checked_in", _participation("p-1", day=1, people=2)),
    ("events.kegiatan", "completed", _kegiatan(3, "completed", attending=1, declined=1, checked_in=1, walk_ins=0,
                                               people_present=2)),
    ("events.kegiatan", "aspiration_followed_up",
     _kegiatan(4, "completed", aspiration={"id": "a-1", "text": "Jalan rusak", "status": "followed_up"})),
    ("events.kegiatan", "published", _kegiatan(1, "published")),  # redelivered, old
    ("notifications.delivery", "sent", _delivery("m-1", "sent")),
    ("notifications.delivery", "read", _delivery("m-1", "read")),
    ("notifications.delivery", "delivered", _delivery("m-1", "delivered")),  # late: a status moves forward only
    ("notifications.delivery", "sent", _delivery("m-2", "sent")),
    ("earlywarning.report", "received", _report(1, "received")),
    ("earlywarning.report", "verified", _report(2, "verified")),
]


async def _apply(p: Projections, topic: str, name: str, data: dict) -> None:  # as consumers.build_handler does
    if topic == "registry.ormas":
        await p.apply_ormas(data)
    elif topic == "events.kegiatan":
        await p.apply_kegiatan(name, data)
    elif topic == "events.participation":
        await p.apply_participation(name, data)
    elif topic == "notifications.delivery":
        await p.apply_delivery(data)
    else:
        await p.apply_report(data)


async def test_the_fold_leaves_what_the_handler_leaves(mongo):
    one, folded = (mongo[f"it_replay_{uuid.uuid4().hex[:8]}"] for _ in range(2))
    try:
        p = Projections(one)
        for topic, name, data in EVENTS:
            await _apply(p, topic, name, data)
        await p.recount_counters()  # the deltas leave zeros where a row moved out; a recount does not
        await p.recount_kegiatan_counters()
        fold = Fold()
        for topic, name, data in EVENTS:
            fold.apply(topic, name, data)
        await folded["ormas"].insert_one({"_id": "stale", "name": "gone after the swap", "version": 1})
        await _swap_in(folded, fold.documents())

        for name in COLLECTIONS:
            a = await one[name].find({}).sort("_id").to_list(None)
            b = await folded[name].find({}).sort("_id").to_list(None)
            assert a == b, name
        ormas = {d["_id"]: d for d in await folded["ormas"].find({}).to_list(None)}
        assert set(ormas) == {"o-1", "o-2"} and ormas["o-1"]["version"] == 3 and ormas["o-1"]["kind"] == "okp"
        k = await folded["kegiatan"].find_one({"_id": "k-1"})
        assert k["version"] == 4 and k["attending"] == 1  # the completion counts survive a later event
        assert (await folded["deliveries"].find_one({"_id": "m-1"}))["status"] == "read"
        left = await folded.list_collection_names()
        assert not [c for c in left if c.endswith((FRESH, OLD))]
        indexes = {i["name"] async for i in await folded["ormas"].list_indexes()}
        made = {"region", "province_status"} if capabilities().secondary_indexes else set()  # none on FerretDB
        assert indexes - {"_id_"} == made
    finally:
        await mongo.drop_database(one.name)
        await mongo.drop_database(folded.name)


async def test_the_swap_completes_while_a_consumer_keeps_making_the_collection_again(mongo):
    """A running consumer's upserts make a projection's collection again as soon as it is set
    aside; the swap drops that one and renames the fresh collection in all the same."""
    import asyncio

    from pymongo.errors import OperationFailure

    db = mongo[f"it_swap_{uuid.uuid4().hex[:8]}"]
    stop = asyncio.Event()
    writes = 0

    async def consumer():
        nonlocal writes
        while not stop.is_set():
            try:
                await db["ormas"].update_one({"_id": f"live-{writes % 5}"}, {"$set": {"version": 1}}, upsert=True)
                writes += 1
            except OperationFailure:  # its table renamed away under it: the consumer retries
                await asyncio.sleep(0)

    try:
        fold = Fold()
        fold.apply("registry.ormas", "created", _ormas(1, 1))
        writer = asyncio.create_task(consumer())
        try:
            await _swap_in(db, fold.documents())
        finally:
            stop.set()
            await writer
        assert writes > 0
        ids = {d["_id"] for d in await db["ormas"].find({}).to_list(None)}
        assert "o-1" in ids  # the fresh collection is the live one (beside what the writer added after)
        assert (await db["ormas_counters"].count_documents({})) > 0
        assert not [c for c in await db.list_collection_names() if c.endswith((FRESH, OLD))]
    finally:
        await mongo.drop_database(db.name)
