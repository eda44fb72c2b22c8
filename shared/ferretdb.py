"""What the local FerretDB (1.24, on SQLite) needs done differently from MongoDB — the one place
such workarounds live. :func:`shared.mongo.detect` chooses these capabilities at start when the
server says it is FerretDB; everywhere else the MongoDB path is the default.

- **Small write commands.** FerretDB keeps every statement's query iterator of one update/delete
  command open until the whole command ends (``defer`` inside the statement loop of
  msg_update.go), each holding one of the database's 100 pooled SQLite connections. A command with
  about 100 statements, or a few large ones at once, waits forever for a connection and wedges the
  whole database: bulk writes go in commands of 16 statements, a few at a time.
- **Lookups by _id** are one ``{_id: {$in: ids}}`` of up to 1,000 ids, as on MongoDB: the build
  answers it from the primary key (``deploy/ferretdb/patches.py``, fix 6; it decoded every
  document of the collection before).
- **No secondary index but unique ones.** FerretDB answers every filter other than _id by
  decoding each document, so no query uses a secondary index, while each one costs every write of
  its collection a JSON extraction: two on the messages collection cost 12% more server CPU per
  insert and 36% per update. Only unique indexes (constraints) are made; TTL ones are swept.
- **A collection renamed under a write** (a rebuild's swap) fails that write with an internal
  error, "no such table", where MongoDB would make the collection: :func:`vanished` marks it as a
  failure to retry, not the message's own."""

from __future__ import annotations

from shared.mongo import Capabilities

CAPABILITIES = Capabilities(name="ferretdb", write_batch=16, id_batch=1000, secondary_indexes=False)


def vanished(e: BaseException) -> bool:
    from pymongo.errors import OperationFailure

    return isinstance(e, OperationFailure) and e.code == 1 and "no such table" in str(e)
