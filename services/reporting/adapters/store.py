"""Reporting's projections in MongoDB."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from aiokafka import TopicPartition
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.reporting.domain.projections import (
    DELIVERY_RANK,
    by_scope,
    by_scope_month,
    child_key,
    counter_deltas,
    counter_keys,
    counters_of,
    facet_scope,
    figures_from_counters,
    kegiatan_deltas,
    kegiatan_row,
    merged,
    ormas_row,
    participation_fields,
    scope_doc_id,
    trends,
)
from shared import readmodel, regions
from shared.mongo import by_ids

INDEXES = {
    "ormas": [IndexModel([("region", ASCENDING)], name="region"),
              IndexModel([("province", ASCENDING), ("status", ASCENDING)], name="province_status")],
    "kegiatan": [IndexModel([("region", ASCENDING), ("month", ASCENDING)], name="region_month")],
    "participation": [IndexModel([("ormas_id", ASCENDING)], name="ormas")],
    "deliveries": [IndexModel([("kegiatan_id", ASCENDING)], name="kegiatan")],
    "aspirations": [IndexModel([("region", ASCENDING)], name="region")],
    "ew_reports": [IndexModel([("region", ASCENDING), ("week", ASCENDING)], name="region_week")],
    "ormas_counters": [],
    "kegiatan_counters": [],
}
FLUSH_PARALLEL = 8  # counter documents written at once by flush()


class Projections:
    """The projections' writes. With ``deferred=True`` (the consumers) counter deltas are summed in
    memory and written by ``flush()`` — one ``$inc`` per counter document per batch of events
    instead of three per event — and kegiatan rows read for participation events are kept until
    then; the consumer flushes before it commits the batch's offsets."""

    async def engagement(self, ormas_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """One ormas's row and its participation rows (invited, attending, checked in, month)."""
        ormas = await self.ormas.find_one({"_id": ormas_id}, {"name": 1, "region": 1})
        if ormas is None:
            return None, []
        rows = await self.db["participation"].find(
            {"ormas_id": ormas_id}, {"month": 1, "invited": 1, "attending": 1, "checked_in": 1}).to_list(None)
        return ormas, rows

    def __init__(self, db: AsyncDatabase, *, deferred: bool = False):
        self.db = db
        self.ormas = db["ormas"]
        self.deferred = deferred
        self._pending: dict[tuple[str, str], dict[str, int]] = {}
        self._kegiatan: dict[str, dict[str, Any] | None] = {}

    async def _inc(self, collection: str, grouped: dict[str, dict[str, int]]) -> None:
        if not self.deferred:
            for doc_id, inc in grouped.items():
                await self.db[collection].update_one({"_id": doc_id}, {"$inc": inc}, upsert=True)
            return
        for doc_id, inc in grouped.items():
            pending = self._pending.setdefault((collection, doc_id), {})
            for field, d in inc.items():
                pending[field] = pending.get(field, 0) + d

    async def flush(self) -> None:
        """Writes the summed counter deltas, FLUSH_PARALLEL documents at a time (a batch of a
        national import touches hundreds: each scope's, its facets' and their SKT-month days). Each
        document's deltas are removed once written; every write is awaited before a failure is
        raised, so the next call retries exactly what was not written."""
        gate = asyncio.Semaphore(FLUSH_PARALLEL)

        async def write(key: tuple[str, str]) -> None:
            inc = {f: d for f, d in self._pending[key].items() if d}
            if inc:
                async with gate:
                    await self.db[key[0]].update_one({"_id": key[1]}, {"$inc": inc}, upsert=True)
            del self._pending[key]

        failed = [r for r in await asyncio.gather(*(write(k) for k in list(self._pending)), return_exceptions=True)
                  if isinstance(r, BaseException)]
        if failed:
            raise failed[0]
        self._kegiatan.clear()

    async def _kegiatan_row(self, kid: str) -> dict[str, Any] | None:
        if kid not in self._kegiatan or not self.deferred:
            self._kegiatan[kid] = await self.db["kegiatan"].find_one({"_id": kid})
        return self._kegiatan[kid]

    async def _bump(self, kind: str, old, new, krow) -> None:
        await self._inc("kegiatan_counters", by_scope_month(kegiatan_deltas(kind, old, new, krow)))

    async def apply_kegiatan(self, name: str, data: dict[str, Any]) -> None:
        """The kegiatan row (and an aspiration's), then the counters of its scope and month."""
        kid = data["kegiatan_id"]
        if name.startswith("aspiration_"):
            a = data["change"]["aspiration"]
            fields = {k: v for k, v in a.items() if k != "id"}
            coll = self.db["aspirations"]
            old_a = await coll.find_one({"_id": a["id"]})
            new_a = {**fields, "kegiatan_id": kid, "region": data["region"]}
            if await readmodel.upsert_versioned(coll, a["id"], data["version"], new_a):
                await self._bump("aspiration", old_a, new_a, await self._kegiatan_row(kid))
        row = kegiatan_row(name, data)
        # the completion counts survive later events (an aspiration followed up after completion)
        if name != "completed":
            for k in ("attending", "declined", "checked_in", "walk_ins", "people_present"):
                row.pop(k, None)
        old = await self.db["kegiatan"].find_one({"_id": kid})
        self._kegiatan.pop(kid, None)
        if await readmodel.upsert_versioned(self.db["kegiatan"], kid, data["version"], row):
            await self._bump("kegiatan", old, {**(old or {}), **row}, None)

    async def apply_participation(self, name: str, data: dict[str, Any]) -> None:
        fields = participation_fields(name, data)
        old = await self.db["participation"].find_one_and_update(
            {"_id": data["participant_id"]}, {"$set": fields}, upsert=True, return_document=ReturnDocument.BEFORE)
        await self._bump("participation", old, merged(old, fields), await self._kegiatan_row(data["kegiatan_id"]))

    async def apply_delivery(self, data: dict[str, Any]) -> None:
        rank = DELIVERY_RANK[data["status"]]
        coll = self.db["deliveries"]
        new = {"kegiatan_id": data.get("kegiatan_id"), "channel": data["channel"], "kind": data["kind"],
               "status": data["status"], "rank": rank, "participant_id": data.get("participant_id")}
        try:  # a status moves forward only: a late "sent" after "read", or a repeat, changes nothing
            old = await coll.find_one_and_update({"_id": data["message_id"], "rank": {"$lt": rank}}, {"$set": new},
                                                 upsert=True, return_document=ReturnDocument.BEFORE)
        except DuplicateKeyError:
            return
        if data.get("kegiatan_id") and data["kind"] == "invitation":
            await self._bump("delivery", old, new, await self._kegiatan_row(data["kegiatan_id"]))

    async def recount_kegiatan_counters(self) -> int:
        """Counts the kegiatan counters again from the rows (what a crash or an event read before
        its kegiatan's left out is counted here)."""
        from services.reporting.domain.replay import kegiatan_counts

        kegiatan = {k["_id"]: k async for k in self.db["kegiatan"].find({})}
        fresh = kegiatan_counts(kegiatan, await self.db["participation"].find({}).to_list(None),
                                await self.db["deliveries"].find({"kind": "invitation"}).to_list(None),
                                await self.db["aspirations"].find({}).to_list(None))
        return await _replace_counters(self.db["kegiatan_counters"], by_scope_month(fresh))

    async def apply_ormas(self, data: dict[str, Any]) -> bool:
        """The row — replaced only by a newer version, and the row it replaced read in the same
        write — then the counters it moves. A redelivered or older event changes nothing (the
        version check is its idempotence). A crash between the row and the counters leaves the
        counters short until the next recount (``recount_counters``, every 10 minutes)."""
        fields = ormas_row(data)
        try:
            old = await self.ormas.find_one_and_update(
                {"_id": data["ormas_id"], "version": {"$lt": data["version"]}},
                {"$set": {**fields, "version": data["version"]}}, upsert=True, return_document=ReturnDocument.BEFORE)
        except DuplicateKeyError:  # this version or a newer one is there already
            return False
        new = merged(old, fields)
        await self._inc("ormas_counters", {scope_doc_id(scope): inc
                                           for scope, inc in by_scope(counter_deltas(old, new)).items()})
        return True

    async def apply_report(self, data: dict[str, Any]) -> bool:
        """An early-warning report's row, from its newest event (version-checked: a repeat or an
        older event changes nothing)."""
        from services.reporting.domain import earlywarning

        return await readmodel.upsert_versioned(self.db["ew_reports"], data["report_id"], data["version"],
                                                earlywarning.row(data))

    async def activity_rows(self, scope: str) -> list[dict[str, Any]]:
        """The ormas rows of a scope, with what activity compliance counts."""
        filter_ = {} if scope == regions.NATIONAL else {"region": {"$regex": regions.prefix_regex(scope)}}
        return await self.db["ormas"].find(filter_, {"region": 1, "status": 1, "activity_reported": 1}).to_list(None)

    async def report_rows(self, scope: str) -> list[dict[str, Any]]:
        """The early-warning rows of a scope (the figures count them: an office's reports are few)."""
        filter_ = {} if scope == regions.NATIONAL else {"region": {"$regex": regions.prefix_regex(scope)}}
        return await self.db["ew_reports"].find(filter_).to_list(None)

    async def regions_with_ormas(self) -> set[str]:
        """The provinces and regencies that have at least one ormas row."""
        return {d async for d in await self.ormas.distinct("province")} \
            | {d async for d in await self.ormas.distinct("regency") if d}

    async def recount_counters(self) -> int:
        """Counts every counter again from the rows, in one pass, and replaces those that differ;
        returns how many counter documents it wrote or removed."""
        fresh: dict[str, int] = {}
        async for row in self.ormas.find({}):
            for k in counter_keys(row):
                fresh[k] = fresh.get(k, 0) + 1
        return await _replace_counters(self.db["ormas_counters"],
                                       {scope_doc_id(scope): inc for scope, inc in by_scope(fresh).items()})

    async def ormas_figures(self, scope: str, today: str | None = None, *, kind: str | None = None,
                            bidang: str | None = None) -> dict[str, Any]:
        """An office's ormas by status, kind, legal form, bidang and child region; SKTs expiring
        within 90 days and expired; sanctions in force. Read from the counters of the scope, or of
        its facet when filtered by a kind or a bidang (one document); filtered by both at once,
        counted from the rows."""
        if kind and bidang:
            return await self.ormas_figures_counted(scope, today, kind=kind, bidang=bidang)
        doc_id = facet_scope(scope, "kind", kind) if kind else facet_scope(scope, "bidang", bidang) if bidang \
            else scope_doc_id(scope)
        day = today or dt.date.today().isoformat()
        soon = (dt.date.fromisoformat(day) + dt.timedelta(days=90)).isoformat()
        months = sorted({day[:7], soon[:7]})
        coll = self.db["ormas_counters"]
        found = {d["_id"]: d for d in await by_ids(coll, [doc_id, *(f"{doc_id}@{m}" for m in months)])}
        days = {m: (found.get(f"{doc_id}@{m}") or {}).get("skt_day") or {} for m in months}
        return figures_from_counters(scope, counters_of(found.get(doc_id)), day, soon, days)

    async def ormas_figures_counted(self, scope: str, today: str | None = None, *, kind: str | None = None,
                                    bidang: str | None = None) -> dict[str, Any]:

        match = {"region": {"$regex": regions.prefix_regex(scope)}} if scope else {}
        key = child_key(scope)
        today = today or dt.date.today().isoformat()
        soon = (dt.date.fromisoformat(today) + dt.timedelta(days=90)).isoformat()
        counts: dict[str, dict[str, int]] = {f: {} for f in ("status", "kind", "legal_form", "bidang", "child", "sanction",
                                                             "recorded", "skt_issued", "skt_until")}
        expiring = expired = total = 0
        async for o in self.ormas.find(match, {"status": 1, "kind": 1, "legal_form": 1, "bidang": 1, key: 1,
                                               "skt_valid_until": 1, "sanction_level": 1, "recorded_month": 1,
                                               "skt_issued_month": 1}):
            if (kind and o.get("kind") != kind) or (bidang and bidang not in (o.get("bidang") or [])):
                continue
            total += 1
            for field, value in (("status", o.get("status")), ("kind", o.get("kind")),
                                 ("legal_form", o.get("legal_form")), ("child", o.get(key)),
                                 ("sanction", o.get("sanction_level")), ("recorded", o.get("recorded_month")),
                                 ("skt_issued", o.get("skt_issued_month"))):
                if value:
                    counts[field][value] = counts[field].get(value, 0) + 1
            for b in o.get("bidang") or []:
                counts["bidang"][b] = counts["bidang"].get(b, 0) + 1
            until = o.get("skt_valid_until")
            if until and o.get("status") in ("registered", "expiring", "expired"):
                counts["skt_until"][until] = counts["skt_until"].get(until, 0) + 1
                if until < today:
                    expired += 1
                elif until <= soon:
                    expiring += 1
        return {"total": total, "by_status": counts["status"], "by_child": counts["child"], "by_kind": counts["kind"],
                "by_legal_form": counts["legal_form"], "by_bidang": dict(sorted(counts["bidang"].items())),
                "sanctions": counts["sanction"], "skt_expiring_90_days": expiring, "skt_expired": expired,
                **trends(counts["recorded"], counts["skt_issued"], counts["skt_until"], today)}


async def _replace_counters(coll, grouped: dict[str, dict[str, int]]) -> int:
    """Writes recounted counter documents (``{doc id: {"dim.value": n}}``) over the old ones that
    differ and removes the documents no row counts in any more; returns how many it wrote or
    removed. Most recounts find the counters right: they write nothing (a nation has some 60,000
    counter documents, one command each)."""
    from services.reporting.domain.replay import counter_documents

    docs = {d["_id"]: d for d in counter_documents(grouped)}
    now = {d["_id"]: d async for d in coll.find({})}
    stale = [key for key in now if key not in docs]
    changed = [doc for key, doc in docs.items() if now.get(key) != doc]
    # one command each: FerretDB 1.24 takes a bulk of upserting replacements to a scan per statement
    for doc in changed:
        await coll.replace_one({"_id": doc["_id"]}, doc, upsert=True)
    for key in stale:
        await coll.delete_one({"_id": key})
    return len(changed) + len(stale)


REBUILT = "__rebuilt"  # not a replica's name: the floors the last rebuild left


class ConsumerState:
    """Whether each consumer replica's last process stopped cleanly (``consumer_state``), and the
    offsets the last rebuild replayed up to."""

    def __init__(self, db: AsyncDatabase):
        self.coll = db["consumer_state"]

    async def was_clean(self, name: str) -> bool:
        """True on a first start, or when the previous process marked its clean stop."""
        prev = await self.coll.find_one({"_id": name})
        return prev is None or bool(prev.get("clean"))

    async def running(self, name: str) -> None:
        await self.coll.replace_one({"_id": name}, {"_id": name, "clean": False, "since": dt.datetime.now(dt.UTC)},
                                    upsert=True)

    async def stopped_cleanly(self, name: str) -> None:
        await self.coll.update_one({"_id": name}, {"$set": {"clean": True, "stopped": dt.datetime.now(dt.UTC)}})

    async def rebuilt_up_to(self, offsets: dict[TopicPartition, int]) -> None:
        """Records the offsets a rebuild replayed up to: the consumers skip to them (their floors)."""
        await self.coll.replace_one({"_id": REBUILT}, {
            "_id": REBUILT, "at": dt.datetime.now(dt.UTC),
            "offsets": [{"topic": tp.topic, "partition": tp.partition, "offset": offset}
                        for tp, offset in sorted(offsets.items())]}, upsert=True)

    async def floors(self) -> dict[TopicPartition, int]:
        doc = await self.coll.find_one({"_id": REBUILT})
        return {TopicPartition(o["topic"], o["partition"]): o["offset"] for o in (doc or {}).get("offsets", [])}
