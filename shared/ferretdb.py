"""What the local FerretDB (1.24, on SQLite) needs done differently from MongoDB — the one place
such workarounds live. :func:`shared.mongo.detect` chooses these capabilities at start when the
server says it is FerretDB; everywhere else the MongoDB path is the default.

- **Small write commands.** FerretDB keeps every statement's query iterator of one update/delete
  command open until the whole command ends (``defer`` inside the statement loop of
  msg_update.go), each holding one of the database's 100 pooled SQLite connections. A command with
  about 100 statements, or a few large ones at once, waits forever for a connection and wedges the
  whole database: bulk writes go in commands of 16 statements, a few at a time.
- **Lookups by _id one at a time.** Its SQLite backend answers a single ``_id`` equality (and,
  patched, an ``_id`` range) from the primary key, but decodes every document of the collection for
  ``{_id: {$in: [...]}}``: a short list is read as concurrent ``find_one`` calls, a long one in one
  pass over the collection (which the ``$in`` would cost anyway)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from shared.mongo import Capabilities

CAPABILITIES = Capabilities(name="ferretdb", write_batch=16, id_lookups_in_one_query=False)
SHORT_LIST = 200  # ids read by find_one each; a longer list is one pass over the collection


async def by_ids(coll: AsyncCollection, ids: Sequence[Any], projection: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    wanted = set(ids)
    if len(wanted) > SHORT_LIST:
        return [d async for d in coll.find({}, projection) if d["_id"] in wanted]
    found: list[dict[str, Any]] = []
    ordered = sorted(wanted, key=str)
    step = CAPABILITIES.write_batch  # the same bound on connections held at once
    for i in range(0, len(ordered), step):
        got = await asyncio.gather(*(coll.find_one({"_id": x}, projection) for x in ordered[i:i + step]))
        found += [d for d in got if d is not None]
    return found
