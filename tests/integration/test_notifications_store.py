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
