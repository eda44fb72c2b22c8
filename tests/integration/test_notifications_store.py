"""Notifications' exactly-once machinery against the real database: a redelivered invitation makes
no second message; a message is claimed by one worker; a worker that died before handing it to the
provider leaves it to be sent again, one that died after does not."""

import datetime as dt
import uuid

import pytest

from services.notifications.adapters.store import MessageStore
from services.notifications.consumers import build_handler
from services.notifications.domain import messages
from shared.contracts import contract_for
from tests.helpers import eventually
from tests.unit.test_notifications_letters import invited

pytestmark = pytest.mark.integration


class _Runtime:
    def __init__(self, db):
        self.db = db


@pytest.fixture()
async def db(mongo):
    name = f"it_notif_{uuid.uuid4().hex[:8]}"
    yield mongo[name]
    await mongo.drop_database(name)


def _event(pid="k1:o1"):
    change = invited()
    kind = change.pop("kind")
    return {"data": {"participant_id": pid, "kegiatan_id": "k1", "version": 1, "kind": kind, "ormas_id": "o1",
                     "name": "LSM Gempar", "region": "35.75", "kegiatan_region": "35.75", "kegiatan_type": "dialog",
                     "starts_at": "2027-01-05T01:00:00Z", "change": change}}


async def test_a_redelivered_invitation_makes_no_second_message(db):
    enqueued: list[list[str]] = []
    handle = build_handler(_Runtime(db), enqueued.append)
    contract = contract_for("events.participation.invited")
    await handle(_event(), contract)
    await handle(_event(), contract)
    assert enqueued == [["k1:o1:invitation:email", "k1:o1:invitation:whatsapp"]]
    assert await db["messages"].count_documents({}) == 2


async def test_claims_and_what_a_dead_worker_leaves(db, infra):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    docs = messages.for_invitation(_event()["data"], now)
    await db["messages"].insert_many(docs)
    store = MessageStore(infra.mongo_url, db.name)
    mid = docs[0]["_id"]
    assert store.claim(mid, "w1", now, now - dt.timedelta(minutes=2)) is not None
    assert store.claim(mid, "w2", now, now - dt.timedelta(minutes=2)) is None  # taken, and fresh
    later = now + dt.timedelta(minutes=5)
    # w1 died before handing it over: another worker may take it and send it
    assert store.claim(mid, "w2", later, later - dt.timedelta(minutes=2))["claim"]["token"] == "w2"
    store.handed(mid, "w2", later)  # unacknowledged (w: 0): applied a moment later

    async def marked():
        return (await db["messages"].find_one({"_id": mid}))["handed_at"] is not None

    await eventually(marked, timeout=10, what="the handed mark")
    # w2 died after handing it over: nobody sends it again; it counts as sent, flagged unconfirmed
    much_later = later + dt.timedelta(minutes=5)
    assert store.claim(mid, "w3", much_later, much_later - dt.timedelta(minutes=2)) is None
    gone = store.mark_unconfirmed(mid, much_later, much_later - dt.timedelta(minutes=2))
    assert gone["status"] == "sent" and gone["unconfirmed"] is True
    raw = await db["messages"].find_one({"_id": mid})
    assert raw["_outbox"][0]["event"]["type"].endswith("delivery.sent")
    # a settled message is never claimed again
    assert store.claim(mid, "w4", much_later, much_later) is None
    store.client.close()


async def test_a_batch_names_its_messages_to_the_relay_before_and_after_its_writes(db, infra):
    """``hints_batched``: every message of the batch is hinted before the first write; a hint asked
    for inside the batch is written at its end — also when the batch fails midway."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    docs = messages.for_invitation(_event()["data"], now)
    await db["messages"].insert_many(docs)
    store = MessageStore(infra.mongo_url, db.name)
    ids = [d["_id"] for d in docs]
    assert store.get_many([*ids, "nope"]).keys() == set(ids)
    hints = db["outbox_hints"]
    with pytest.raises(RuntimeError), store.hints_batched(ids):
        assert sorted([h["doc_id"] async for h in hints.find({})]) == sorted(ids)
        await hints.delete_many({})  # the relay took them
        store.hint(ids[0])
        assert await hints.count_documents({}) == 0  # not yet: at the batch's end
        raise RuntimeError("worker failed midway")
    assert [h["doc_id"] async for h in hints.find({})] == [ids[0]]
    store.hint(ids[1])  # outside a batch: at once
    assert await hints.count_documents({}) == 2
    store.client.close()


async def test_recovery_reads_the_open_marks_and_removes_those_of_settled_messages(db, infra):
    """Recovery reads the marks of open messages, not every message: the consumer marks what it
    queues; the first recovery on a database written before the marks marks its open messages
    once; a settled message's mark is removed once it is old, a fresh one is kept."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    old = messages.for_invitation(_event("k0:o0")["data"], now - dt.timedelta(hours=1))
    old[1]["status"] = "sent"
    await db["messages"].insert_many(old)  # written before the marks existed: one open, one sent
    handle = build_handler(_Runtime(db), lambda ids: None)
    await handle(_event("k1:o1"), contract_for("events.participation.invited"))
    new = ["k1:o1:invitation:email", "k1:o1:invitation:whatsapp"]
    assert sorted([m["_id"] async for m in db["open_messages"].find({})]) == new
    store = MessageStore(infra.mongo_url, db.name)
    later = now + dt.timedelta(minutes=10)
    assert sorted(store.stuck(later, later - dt.timedelta(minutes=2), broker_idle=True)) == sorted([old[0]["_id"], *new])
    assert (await db["recovery"].find_one({"_id": "open_messages"}))["marked"] == 3  # the new ones again
    # one is sent; a message written without its mark after the upgrade is not read any more
    token = "w1"
    assert store.claim(new[0], token, now, now) is not None
    store.settle(new[0], token, status="sent", now=now, event_status="sent")
    await db["messages"].insert_one({**old[0], "_id": "k9:o9:invitation:email"})
    assert store.stuck(later, now - dt.timedelta(minutes=1), broker_idle=True) == [old[0]["_id"]]  # k9's twin
    assert await db["open_messages"].count_documents({"_id": new[0]}) == 1  # settled, but its mark is fresh
    much_later = later + dt.timedelta(minutes=5)  # every mark old now (the first recovery wrote them at ``later``)
    assert sorted(store.stuck(much_later, much_later, broker_idle=True)) == [old[0]["_id"], new[1]]
    assert sorted([m["_id"] async for m in db["open_messages"].find({})]) == [old[0]["_id"], new[1]]
    store.client.close()


async def test_a_batched_consumer_marks_its_messages_at_the_batch_end(db):
    from services.notifications.adapters.copies import Copies

    copies = Copies(db, batched=True)
    enqueued: list[list[str]] = []
    handle = build_handler(_Runtime(db), enqueued.append, copies=copies)
    await handle(_event(), contract_for("events.participation.invited"))
    assert await db["messages"].count_documents({}) == 2 and await db["open_messages"].count_documents({}) == 0
    await copies.flush()
    assert await db["open_messages"].count_documents({}) == 2
    await db["open_messages"].delete_many({})
    await handle(_event(), contract_for("events.participation.invited"))  # redelivered: marked again
    await copies.flush()
    assert await db["open_messages"].count_documents({}) == 2 and await db["messages"].count_documents({}) == 2


async def test_recovery_writes_many_marks_in_commands_the_local_database_takes(db, infra):
    """150 open messages, marked already, on a database's first recovery (which marks them again),
    then all settled: their marks are written and removed in small commands. One update command of
    a few hundred statements that match documents wedges the local FerretDB's database."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    docs = [d for i in range(75) for d in messages.for_invitation(_event(f"k5:o{i:03d}")["data"], now)]
    await db["messages"].insert_many(docs)
    await db["open_messages"].insert_many([{"_id": d["_id"], "at": now} for d in docs])
    store = MessageStore(f"{infra.mongo_url.rstrip('/')}/?socketTimeoutMS=30000", db.name)  # wedged: fails
    later = now + dt.timedelta(minutes=10)
    assert len(store.stuck(later, later, broker_idle=True)) == 150
    assert await db["open_messages"].count_documents({}) == 150
    await db["messages"].update_many({}, {"$set": {"status": "sent"}})
    much_later = later + dt.timedelta(minutes=5)
    assert store.stuck(much_later, much_later, broker_idle=True) == []
    assert await db["open_messages"].count_documents({}) == 0
    store.client.close()
