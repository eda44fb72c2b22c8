"""The registry's daily job: SKT expiry notices (90/30/7 days) and expiry, through the same state
machine and outbox as the API. Several runs on one day, or two workers at once, change nothing
twice: the machine refuses a notice already given and the write is version-checked."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from services.registry.adapters.repository import OrmasRepository
from services.registry.changes import transition_events
from services.registry.domain import lifecycle

log = logging.getLogger(__name__)
ACTOR = "system:skt-expiry"


async def skt_expiry_sweep(repo: OrmasRepository, today: dt.date, *, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.UTC)
    horizon = (today + dt.timedelta(days=max(lifecycle.EXPIRY_NOTICE_DAYS))).isoformat()
    counts: dict[str, int] = {"expired": 0, "notice_90": 0, "notice_30": 0, "notice_7": 0, "skipped": 0}
    candidates = await repo.expiring(horizon)
    todo = [(doc, due) for doc in candidates if (due := lifecycle.expiry_due(doc, today)) is not None]
    # this job runs in a Celery worker: it names what it writes to the API's relay before its
    # writes and again after them (shared/outbox.py:hint_document), not leaving them to a sweep
    await repo.hint([doc["_id"] for doc, _ in todo])
    changed: list[str] = []
    for doc, (action, days) in todo:
        step = lifecycle.Step(action=action, actor=ACTOR, at=now, data={"days_left": days} if days else {})
        try:
            outcome = lifecycle.apply(doc, step)
        except (lifecycle.IllegalTransition, lifecycle.InvalidTransition):
            counts["skipped"] += 1
            continue
        after = {**doc, **outcome.changes, "version": doc["version"] + 1, "updated_at": now}
        new = await repo.change(doc["_id"], doc["version"], {**outcome.changes, "updated_at": now}, outcome.history,
                                transition_events(after, step, outcome))
        if new is None:  # changed meanwhile: tomorrow's run sees it again
            counts["skipped"] += 1
            continue
        changed.append(doc["_id"])
        counts["expired" if action == "expire" else f"notice_{days}"] += 1
    await repo.hint(changed)
    log.info("SKT expiry sweep", extra={"day": today.isoformat(), **counts})
    return {"day": today.isoformat(), "candidates": len(candidates), **counts}
