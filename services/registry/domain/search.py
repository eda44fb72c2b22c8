"""The registry's search index: a compact row per ormas, filtered and sorted in memory. No I/O.

Why in memory: the local MongoDB-wire database (FerretDB on SQLite) answers any filter other than
an _id by decoding every document of the collection (about 5 s per query at 100,000 ormas). Each
registry replica therefore keeps this index, filled from the database at start and kept current
from the ``registry.ormas`` topic (its own writes apply at once), so two replicas never disagree
for longer than the topic's lag. Rows carry no personal data beyond the ormas's own contacts.

Why it stays fast over a province's book: rows are kept in order for each sort (``SortedList``), so
a page walks from its cursor and stops once it is full; and a filter that picks few rows (a status,
the words of the text, a region) names its rows from an index first, which are then sorted alone.
Text matches a query word inside any word of the name or acronym, so the word index is searched by
its vocabulary, which is far smaller than the book."""

from __future__ import annotations

import base64
import dataclasses
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sortedcontainers import SortedList

from services.registry.domain.ormas import name_key
from shared import regions

SORT_KEYS = {"name": "name_key", "created": "created_at", "region": "region"}
NARROW = 4000  # a candidate set this small is sorted alone rather than walked in order


class BadCursor(ValueError):
    pass


@dataclasses.dataclass(slots=True)
class Row:
    id: str
    version: int
    name: str
    name_key: str
    acronym: str | None
    acronym_key: str | None
    kind: str
    legal_form: str
    region: str
    bidang: tuple[str, ...]
    status: str
    email: str | None
    phone: str | None
    whatsapp: str | None
    skt_number: str | None
    skt_issued_on: str | None
    skt_valid_until: str | None
    created_at: str
    sanction_level: str | None = None
    sanction_deadline: str | None = None
    field_visit_due: bool = False


def _shared(value: str | None) -> str | None:
    """One copy of a value many rows repeat (a region, a kind, a date): the nation's book is 431,465
    rows in each replica, and a decoded event brings fresh strings every time."""
    return sys.intern(value) if value else value


def row_from_snapshot(data: Mapping[str, Any]) -> Row:
    """A row from the data of any ``registry.ormas`` event (or a document's snapshot)."""
    return Row(id=data["ormas_id"], version=data["version"], name=data["name"], name_key=name_key(data["name"]),
               acronym=data.get("acronym"), acronym_key=name_key(data.get("acronym")) or None, kind=_shared(data["kind"]),
               legal_form=_shared(data.get("legal_form") or "tidak_berbadan_hukum"), region=_shared(data["region"]),
               bidang=tuple(_shared(b) for b in data.get("bidang") or ()), status=_shared(data["status"]),
               email=data.get("email"), phone=data.get("phone"), whatsapp=data.get("whatsapp"),
               skt_number=data.get("skt_number"), skt_issued_on=_shared(data.get("skt_issued_on")),
               skt_valid_until=_shared(data.get("skt_valid_until")), created_at=data.get("created_at") or "",
               sanction_level=_shared(data.get("sanction_level")), sanction_deadline=_shared(data.get("sanction_deadline")),
               field_visit_due=bool(data.get("field_visit_due")))


class SearchIndex:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self._by_region: dict[str, set[str]] = {}
        self._by_status: dict[str, set[str]] = {}
        self._by_word: dict[str, set[str]] = {}
        self._order = {key: SortedList() for key in SORT_KEYS.values()}
        self._expiring: dict[str, SortedList] = {}  # status → (skt_valid_until, id): "expiring before" reads its rows
        self._flagged: set[str] = set()  # rows on some office's worklist

    @staticmethod
    def _on_worklist(row: Row) -> bool:
        return row.field_visit_due or (row.sanction_level == "warning" and bool(row.sanction_deadline))

    @staticmethod
    def _words(row: Row) -> set[str]:
        return set(row.name_key.split()) | set((row.acronym_key or "").split())

    def __len__(self) -> int:
        return len(self.rows)

    def upsert(self, row: Row) -> bool:
        """Stores the row unless a newer version is there already (events may arrive late or twice)."""
        old = self.rows.get(row.id)
        if old is not None:
            if old.version >= row.version:
                return False
            self._by_region[old.region].discard(row.id)
            self._by_status[old.status].discard(row.id)
            for w in self._words(old):
                self._by_word[w].discard(row.id)
            for key, order in self._order.items():
                order.remove((getattr(old, key), old.id))
            if old.skt_valid_until:
                self._expiring[old.status].remove((old.skt_valid_until, old.id))
        self.rows[row.id] = row
        self._by_region.setdefault(row.region, set()).add(row.id)
        self._by_status.setdefault(row.status, set()).add(row.id)
        for w in self._words(row):
            self._by_word.setdefault(w, set()).add(row.id)
        for key, order in self._order.items():
            order.add((getattr(row, key), row.id))
        if row.skt_valid_until:
            self._expiring.setdefault(row.status, SortedList()).add((row.skt_valid_until, row.id))
        if self._on_worklist(row):
            self._flagged.add(row.id)
        else:
            self._flagged.discard(row.id)
        return True

    def load(self, rows: Iterable[Row]) -> int:
        return sum(self.upsert(r) for r in rows)

    def same_region(self, region: str, exclude: str | None = None) -> list[Row]:
        return [self.rows[i] for i in self._by_region.get(region, ()) if i != exclude]

    def worklist(self, scope: str, today: str, limit: int = 20) -> dict[str, list[Row]]:
        """What waits on an office in ``scope`` and below: field visits due (documents complete),
        and written warnings whose deadline has passed (oldest first)."""
        mine = [r for r in (self.rows[i] for i in self._flagged) if not scope or regions.within(scope, r.region)]
        visits = sorted((r for r in mine if r.field_visit_due), key=lambda r: (r.name_key, r.id))
        overdue = sorted((r for r in mine if r.sanction_level == "warning" and r.sanction_deadline
                          and r.sanction_deadline < today), key=lambda r: (r.sanction_deadline, r.id))
        return {"field_visits_due": visits[:limit], "warnings_overdue": overdue[:limit]}

    def search(self, *, scope: str, region: str | None = None, q: str | None = None, kind: str | None = None,
               legal_form: str | None = None, bidang: str | None = None, status: Iterable[str] | None = None,
               skt_expiring_before: str | None = None, skt_valid_on: str | None = None, sort: str = "name",
               cursor: str | None = None, limit: int = 50) -> tuple[list[Row], str | None]:
        key = SORT_KEYS[sort]
        area = region if region is not None else scope
        statuses = set(status) if status else None
        words = name_key(q).split() if q else []
        after = decode_cursor(cursor, sort) if cursor else None

        def keep(r: Row) -> bool:
            if area and not regions.within(area, r.region):
                return False
            if kind and r.kind != kind or legal_form and r.legal_form != legal_form:
                return False
            if bidang and bidang not in r.bidang or statuses and r.status not in statuses:
                return False
            if skt_expiring_before and not (r.skt_valid_until and r.skt_valid_until < skt_expiring_before):
                return False
            if skt_valid_on and not (r.skt_issued_on and r.skt_issued_on <= skt_valid_on <= (r.skt_valid_until or "")):
                return False
            if words:
                text = r.name_key + " " + (r.acronym_key or "")
                if not all(w in text for w in words):
                    return False
            if after is not None and (getattr(r, key), r.id) <= after:
                return False
            return True

        # the smallest set of rows some filter names, sized before it is built; ``keep`` checks the rest
        named: list[tuple[int, Callable[[], set[str]]]] = []

        def union(sets: list[set[str]]) -> tuple[int, Callable[[], set[str]]]:
            return sum(map(len, sets)), lambda: set().union(*sets)

        if statuses is not None:
            named.append(union([self._by_status.get(st, set()) for st in statuses]))
        by_word = sorted(([ids for token, ids in self._by_word.items() if w in token] for w in words),
                         key=lambda sets: sum(map(len, sets)))
        if by_word:  # the words' rows, intersected (at most the rarest word's)
            named.append((sum(map(len, by_word[0])), lambda: set().union(*by_word[0]).intersection(
                *(set().union(*sets) for sets in by_word[1:]))))
        if skt_expiring_before:
            lists = [self._expiring[st] for st in (statuses or self._expiring) if st in self._expiring]
            ends = [lst.bisect_left((skt_expiring_before,)) for lst in lists]
            named.append((sum(ends), lambda: {rid for lst, end in zip(lists, ends) for _, rid in lst.islice(0, end)}))
        if area:
            codes = [c for c in self._by_region if regions.within(area, c)]
            if len(codes) < len(self._by_region):
                named.append(union([self._by_region[c] for c in codes]))
        size, build = min(named, key=lambda n: n[0], default=(0, None))
        narrow = build() if build is not None and size <= NARROW else None
        if narrow is not None:
            hits = sorted((r for r in (self.rows[i] for i in narrow) if keep(r)), key=lambda r: (getattr(r, key), r.id))
            page, more = hits[:limit], len(hits) > limit
        else:
            walk = self._order[key].irange(minimum=after, inclusive=(False, True)) if after else iter(self._order[key])
            page, more = [], False
            for _, rid in walk:
                r = self.rows[rid]
                if keep(r):
                    if len(page) == limit:
                        more = True
                        break
                    page.append(r)
        return page, (encode_cursor(sort, getattr(page[-1], key), page[-1].id) if more and page else None)


def encode_cursor(sort: str, value: str, row_id: str) -> str:
    raw = json.dumps([sort, value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[str, str]:
    try:
        got_sort, value, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as e:
        raise BadCursor(f"invalid cursor: {e}") from None
    if got_sort != sort or not isinstance(value, str) or not isinstance(row_id, str):
        raise BadCursor("invalid cursor: it belongs to another sort")
    return value, row_id
