"""A replay of reporting's topics folded in memory: the projections' rows as the consumers would
leave them after applying the same events, and their counters counted once at the end.

Each rule is the consumer's (``adapters/store.py``) without the database: an ormas, a kegiatan, an
aspiration or an early-warning report keeps its newest version whatever order its events come in; a
participant's row takes each event's fields in the order of its partition; a delivery's status only
moves forward. So a redelivered event changes nothing, as it does in the consumers."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.reporting.domain import earlywarning
from services.reporting.domain.projections import (
    DELIVERY_RANK,
    by_scope,
    by_scope_month,
    counter_keys,
    kegiatan_counter_keys,
    kegiatan_row,
    merged,
    ormas_row,
    participation_fields,
    scope_doc_id,
)

COLLECTIONS = ("ormas", "ormas_counters", "kegiatan", "kegiatan_counters", "participation", "deliveries",
               "aspirations", "ew_reports")
COMPLETION = ("attending", "declined", "checked_in", "walk_ins", "people_present")


class Fold:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in COLLECTIONS if not c.endswith("_counters")}

    def _versioned(self, collection: str, key: str, version: int, fields: dict[str, Any]) -> bool:
        rows = self.rows[collection]
        old = rows.get(key)
        if old is not None and old["version"] >= version:
            return False
        rows[key] = merged(old, {**fields, "version": version, "_id": key})
        return True

    def apply(self, topic: str, name: str, data: dict[str, Any]) -> None:
        """One event of ``topic`` (logical name) whose contract's last part is ``name``."""
        if topic == "registry.ormas":
            self._versioned("ormas", data["ormas_id"], data["version"], ormas_row(data))
        elif topic == "earlywarning.report":
            self._versioned("ew_reports", data["report_id"], data["version"], earlywarning.row(data))
        elif topic == "events.kegiatan":
            kid = data["kegiatan_id"]
            if name.startswith("aspiration_"):
                a = data["change"]["aspiration"]
                self._versioned("aspirations", a["id"], data["version"],
                                {**{k: v for k, v in a.items() if k != "id"}, "kegiatan_id": kid, "region": data["region"]})
            row = kegiatan_row(name, data)
            if name != "completed":  # the completion counts survive later events
                for k in COMPLETION:
                    row.pop(k, None)
            self._versioned("kegiatan", kid, data["version"], row)
        elif topic == "events.participation":
            pid = data["participant_id"]
            rows = self.rows["participation"]
            rows[pid] = merged(rows.get(pid), {**participation_fields(name, data), "_id": pid})
        elif topic == "notifications.delivery":
            rank = DELIVERY_RANK[data["status"]]
            rows = self.rows["deliveries"]
            old = rows.get(data["message_id"])
            if old is None or old["rank"] < rank:
                rows[data["message_id"]] = merged(old, {
                    "_id": data["message_id"], "kegiatan_id": data.get("kegiatan_id"), "channel": data["channel"],
                    "kind": data["kind"], "status": data["status"], "rank": rank,
                    "participant_id": data.get("participant_id")})

    def documents(self) -> dict[str, list[dict[str, Any]]]:
        """Every projection's documents, the counters counted from the rows."""
        out = {c: list(rows.values()) for c, rows in self.rows.items()}
        ormas = by_scope(Counter(k for r in out["ormas"] for k in counter_keys(r)))
        out["ormas_counters"] = counter_documents({scope_doc_id(s): inc for s, inc in ormas.items()})
        out["kegiatan_counters"] = counter_documents(by_scope_month(kegiatan_counts(
            self.rows["kegiatan"], out["participation"], out["deliveries"], out["aspirations"])))
        return out


def kegiatan_counts(kegiatan: dict[str, dict[str, Any]], participation, deliveries, aspirations) -> dict[str, int]:
    """The kegiatan counters from the rows (``<scope>|<month>|<dimension>|<value>`` → n)."""
    fresh: Counter = Counter()
    for k in kegiatan.values():
        fresh.update(kegiatan_counter_keys("kegiatan", k, k))
    for p in participation:
        fresh.update(kegiatan_counter_keys("participation", p, kegiatan.get(p.get("kegiatan_id"))))
    for d in deliveries:
        if d.get("kind") == "invitation":
            fresh.update(kegiatan_counter_keys("delivery", d, kegiatan.get(d.get("kegiatan_id"))))
    for a in aspirations:
        fresh.update(kegiatan_counter_keys("aspiration", a, kegiatan.get(a.get("kegiatan_id"))))
    return dict(fresh)


def counter_documents(grouped: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Counter documents from ``{doc id: {"dim.value": n}}``."""
    docs: dict[str, dict[str, Any]] = {}
    for doc_id, inc in grouped.items():
        doc = docs.setdefault(doc_id, {"_id": doc_id})
        for field, n in inc.items():
            if n:
                dim, value = field.split(".", 1)
                doc.setdefault(dim, {})[value] = n
    return list(docs.values())

