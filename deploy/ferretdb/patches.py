"""Small fixes applied to FerretDB v1.24.2's source before the local stack builds it.

Each is a textual replacement that must apply exactly where expected; if the source changed, the
build stops and says which fix no longer applies. tests/integration/test_ferretdb.py proves each.

1. id-index: the SQLite backend looks documents up by ``_ferretdb_sjson->'$._id'`` but indexes
   ``->"_id"``. SQLite uses an expression index only for the identical expression, so every lookup
   and update by _id scanned the whole table (41 ms per update at 20,000 documents, linear).
2. id-pushdown: the _id was pushed down only when the filter had no other field, so ``{_id,
   version}`` (optimistic concurrency) scanned too. Every handler re-applies the whole filter to
   what the backend returns, so pushing the _id down whenever it is there is safe.
3. atomic-update: update, findAndModify and delete read the document, change it in Go, and write it
   back in a separate transaction, so two concurrent updates of one document lose one of them (an
   outbox relay clearing published events erased a status change made in between). A mutex around
   each read-modify-write makes it atomic, as one MongoDB document update is. The mutex is one per
   collection (a document lives in one): writes to other collections and other databases — each
   database is its own SQLite file — go on side by side. (The first version had one mutex for the
   whole server, which queued every service's updates behind each other.)
4. id-prefix: ``{_id: {$gte: P, $lt: P'}}`` (P' = P with its last character incremented: every
   string starting with P) is pushed down as a range over the _id index, so a child collection
   keyed ``"<parent>:<child>"`` lists one parent's children without scanning the others (an
   event's participants). Only for P of plain printable ASCII, where the JSON text the index holds
   sorts as the string does; anything else falls back to the scan, as before.

5. more-to-come: an OP_MSG with the ``moreToCome`` flag (an unacknowledged write, ``w: 0``) must get
   no reply; FerretDB answered it anyway, and the client read that stray answer as the reply to
   its next command (``ProtocolError``). The notifications worker marks a message "handed to the
   provider" with such a write right before the final dot of SMTP DATA (or the provider's HTTP
   request): the mark's bytes and the dot leave one after the other without waiting for the
   database, so a worker killed between them loses nothing and sends nothing twice but in a window
   of two system calls (with an acknowledged mark the window was a database round trip: one
   SIGKILL in ``make fault`` landed there and an e-mail was marked handed but never sent).
6. id-in: ``{_id: {$in: [...]}}`` of strings (or ObjectIDs), up to 1,000, is pushed down as ``IN``
   over the _id index, as an equality is; it scanned the collection (2.6 s for one dashboard's
   counters at 300,000). A batch reads or updates its documents with one command.
7. resource-track: every iterator and connection was registered in a pprof profile with its stack
   and a finalizer (a leak check for FerretDB's own tests): 9% of the server's CPU under the
   letters' fan-out. Only debug builds track now, as their stack capture already was.

Usage: python deploy/ferretdb/patches.py <FerretDB source dir>
"""

from __future__ import annotations

import sys
from pathlib import Path

VERSION_TAG = "kesbang.7"  # bump when a fix is added: the bootstrap rebuilds a binary without it

GO_FN = '\n// kesbangIDPrefix pushes {_id: {$gte: P, $lt: P\'}} (every string starting with P) down to the _id\n// index as a range over its JSON text, `"P` <= text < `"P\'` (kesbang patch; handlers re-filter).\nfunc kesbangIDPrefix(v any) (string, []any) {\n\td, ok := v.(*types.Document)\n\tif ok && d.Len() == 1 {\n\t\treturn kesbangIDIn(d)\n\t}\n\tif !ok || d.Len() != 2 {\n\t\treturn "", nil\n\t}\n\tlo, _ := d.Get("$gte")\n\thi, _ := d.Get("$lt")\n\tlos, ok1 := lo.(string)\n\this, ok2 := hi.(string)\n\tif !ok1 || !ok2 || len(los) == 0 || len(los) != len(his) || los[:len(los)-1] != his[:len(his)-1] ||\n\t\this[len(his)-1] != los[len(los)-1]+1 {\n\t\treturn "", nil\n\t}\n\tfor i := 0; i < len(his); i++ {\n\t\tif c := his[i]; c < 0x23 || c > 0x7e || c == \'\\\\\' || (i < len(los) && (los[i] < 0x23 || los[i] == \'\\\\\')) {\n\t\t\treturn "", nil\n\t\t}\n\t}\n\treturn fmt.Sprintf(` WHERE %s >= ? AND %s < ?`, metadata.IDColumn, metadata.IDColumn), []any{`"` + los, `"` + his}\n}\n\n// kesbangIDIn pushes {_id: {$in: [s1, s2, ...]}} (strings or ObjectIDs, at most 1000) down to the\n// _id index as `IN (...)` over their JSON text, as an equality is (kesbang patch; handlers re-filter).\nfunc kesbangIDIn(d *types.Document) (string, []any) {\n\tv, _ := d.Get("$in")\n\tarr, ok := v.(*types.Array)\n\tif !ok || arr.Len() == 0 || arr.Len() > 1000 {\n\t\treturn "", nil\n\t}\n\targs := make([]any, 0, arr.Len())\n\tfor i := 0; i < arr.Len(); i++ {\n\t\te, _ := arr.Get(i)\n\t\tswitch e.(type) {\n\t\tcase string, types.ObjectID:\n\t\t\targs = append(args, string(must.NotFail(sjson.MarshalSingleValue(e))))\n\t\tdefault:\n\t\t\treturn "", nil\n\t\t}\n\t}\n\treturn fmt.Sprintf(` WHERE %s IN (?%s)`, metadata.IDColumn, strings.Repeat(`, ?`, len(args)-1)), args\n}\n\n// check interfaces\nvar (\n\t_ backends.Collection = (*collection)(nil)\n)\n'

FIXES: list[tuple[str, str, str, str]] = [
    ("id-index", "internal/backends/sqlite/metadata/metadata.go",
     """IDColumn = DefaultColumn + "->'$._id'\"""", """IDColumn = DefaultColumn + "->'_id'\""""),
    ("id-pushdown", "internal/backends/sqlite/collection.go",
     "if params.Filter.Len() == 1 {", "if params.Filter.Len() >= 1 {"),
    ("atomic-update", "internal/handler/handler.go",
     "\tcursors  *cursor.Registry\n",
     "\tcursors  *cursor.Registry\n\twriteMus sync.Map // kesbang: \"db.collection\" → *sync.Mutex, atomic read-modify-write\n"),
    ("atomic-update", "internal/handler/handler.go",
     "// NewOpts represents handler configuration.\n",
     "// kesbangLock is the mutex of one collection's read-modify-writes (kesbang patch).\n"
     "func (h *Handler) kesbangLock(db, collection string) *sync.Mutex {\n"
     "\tmu, _ := h.writeMus.LoadOrStore(db+\".\"+collection, new(sync.Mutex))\n\treturn mu.(*sync.Mutex)\n}\n\n"
     "// NewOpts represents handler configuration.\n"),
    ("atomic-update", "internal/handler/msg_update.go",
     "func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) (int32, int32, *types.Array, error) {\n",
     "func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) (int32, int32, *types.Array, error) {\n"
     "\tmu := h.kesbangLock(params.DB, params.Collection)\n\tmu.Lock()\n\tdefer mu.Unlock()\n"),
    ("atomic-update", "internal/handler/msg_findandmodify.go",
     "func (h *Handler) findAndModifyDocument(ctx context.Context, params *common.FindAndModifyParams) (*findAndModifyResult, error) {\n",
     "func (h *Handler) findAndModifyDocument(ctx context.Context, params *common.FindAndModifyParams) (*findAndModifyResult, error) {\n"
     "\tmu := h.kesbangLock(params.DB, params.Collection)\n\tmu.Lock()\n\tdefer mu.Unlock()\n"),
    ("atomic-update", "internal/handler/msg_delete.go",
     "\t\td, err = h.execDelete(connCtx, c, &p)\n",
     "\t\tmu := h.kesbangLock(params.DB, params.Collection)\n\t\tmu.Lock()\n"
     "\t\td, err = h.execDelete(connCtx, c, &p)\n\t\tmu.Unlock()\n"),
    ("id-prefix", "internal/backends/sqlite/collection.go",
     "\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:\n",
     "\t\tif w, a := kesbangIDPrefix(v); w != \"\" {\n\t\t\twhereClause, args = w, a\n\t\t}\n"
     "\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:\n"),
    ("id-prefix", "internal/backends/sqlite/collection.go",
     "\n// check interfaces\nvar (\n\t_ backends.Collection = (*collection)(nil)\n)\n", GO_FN),
    ("more-to-come", "internal/clientconn/conn.go",
     "\t\tif resHeader == nil || resBody == nil {\n\t\t\tpanic(\"no response to send to client\")\n\t\t}\n",
     "\t\t// kesbang: an OP_MSG with moreToCome (an unacknowledged write, w: 0) is answered with nothing\n"
     "\t\tif m, ok := reqBody.(*wire.OpMsg); ok && m.Flags.FlagSet(wire.OpMsgMoreToCome) {\n\t\t\tcontinue\n\t\t}\n\n"
     "\t\tif resHeader == nil || resBody == nil {\n\t\t\tpanic(\"no response to send to client\")\n\t\t}\n"),
    ("resource-track", "internal/util/resource/resource.go",
     "func Track(obj any, token *Token) {\n", "func Track(obj any, token *Token) {\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n"),
    ("resource-track", "internal/util/resource/resource.go",
     "func Untrack(obj any, token *Token) {\n", "func Untrack(obj any, token *Token) {\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n"),
]


def main(src: str) -> int:
    root = Path(src)
    for name, rel, old, new in FIXES:
        path = root / rel
        text = path.read_text()
        if text.count(old) < 1:
            print(f"FerretDB fix {name!r} does not apply to {rel}: the source changed", file=sys.stderr)
            return 1
        path.write_text(text.replace(old, new))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--version-tag":
        print(VERSION_TAG)
        sys.exit(0)
    sys.exit(main(sys.argv[1]))
