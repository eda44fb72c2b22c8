"""The registry's in-memory search index: filters, scope, sort, cursors, late and repeated events."""

import pytest

from services.registry.domain.search import BadCursor, SearchIndex, row_from_snapshot


def _row(i, region="35.75", version=1, **over):
    data = {"ormas_id": f"o{i:03d}", "version": version, "name": f"Paguyuban Seni {i:03d}", "acronym": f"PS{i}",
            "kind": "ormas", "legal_form": "tidak_berbadan_hukum", "region": region, "status": "unregistered",
            "bidang": ["budaya"], "skt_number": None, "skt_issued_on": None, "skt_valid_until": None,
            "created_at": f"2026-01-01T00:00:{i % 60:02d}+00:00"}
    data.update(over)
    return row_from_snapshot(data)


@pytest.fixture()
def index():
    ix = SearchIndex()
    ix.load([_row(i) for i in range(30)] + [_row(100 + i, region="35.73") for i in range(5)] +
            [_row(200, region="35.75.01", kind="lsm", bidang=["lingkungan"], status="registered",
                  skt_number="1", skt_issued_on="2017-01-01", skt_valid_until="2022-01-01")])
    return ix


def test_scope_and_region_prefix(index):
    assert len(index.search(scope="35.75", limit=100)[0]) == 31  # a kecamatan's ormas belongs to its city
    assert len(index.search(scope="35", limit=100)[0]) == 36
    assert len(index.search(scope="35.73", limit=100)[0]) == 5
    assert index.search(scope="33", limit=100)[0] == []


def test_text_matches_every_word_of_name_or_acronym(index):
    assert [r.id for r in index.search(scope="35", q="seni 007")[0]] == ["o007"]
    assert [r.id for r in index.search(scope="35", q="ps200")[0]] == ["o200"]
    assert index.search(scope="35", q="seni wayang")[0] == []


def test_filters_combine(index):
    assert [r.id for r in index.search(scope="35", kind="lsm", bidang="lingkungan", status=["registered"])[0]] == ["o200"]
    assert [r.id for r in index.search(scope="35", skt_valid_on="2018-04-30")[0]] == ["o200"]
    assert index.search(scope="35", skt_valid_on="2016-12-31")[0] == []
    assert [r.id for r in index.search(scope="35", skt_expiring_before="2022-01-02")[0]] == ["o200"]


@pytest.mark.parametrize("sort", ["name", "created", "region"])
def test_cursor_pages_cover_everything_once_in_order(index, sort):
    seen, cursor = [], None
    while True:
        page, cursor = index.search(scope="35", sort=sort, limit=7, cursor=cursor)
        seen += page
        if not cursor:
            break
    assert len(seen) == 36 and len({r.id for r in seen}) == 36
    key = {"name": "name_key", "created": "created_at", "region": "region"}[sort]
    assert [(getattr(r, key), r.id) for r in seen] == sorted((getattr(r, key), r.id) for r in seen)


def test_a_cursor_of_another_sort_or_garbage_is_refused(index):
    _, cursor = index.search(scope="35", sort="name", limit=2)
    with pytest.raises(BadCursor):
        index.search(scope="35", sort="created", cursor=cursor)
    with pytest.raises(BadCursor):
        index.search(scope="35", cursor="!!!")


def test_older_or_repeated_events_do_not_overwrite_newer_rows(index):
    assert index.upsert(_row(1, version=3, status="registered"))
    assert not index.upsert(_row(1, version=2, status="draft"))
    assert not index.upsert(_row(1, version=3, status="draft"))
    assert index.rows["o001"].status == "registered"


def test_moving_region_updates_the_same_region_list(index):
    assert any(r.id == "o002" for r in index.same_region("35.75"))
    index.upsert(_row(2, version=2, region="35.73"))
    assert not any(r.id == "o002" for r in index.same_region("35.75"))
    assert any(r.id == "o002" for r in index.same_region("35.73"))


def test_the_worklist_names_visits_due_and_overdue_warnings_within_the_scope_only():
    from services.registry.domain.search import SearchIndex, row_from_snapshot

    def row(i: int, name: str, region: str, status: str, **extra):
        return row_from_snapshot({"ormas_id": f"o{i}", "version": 1, "name": name, "kind": "ormas", "region": region,
                                  "status": status, **extra})

    index = SearchIndex()
    index.load([
        row(1, "Visit Due", "35.75", "in_verification", field_visit_due=True),
        row(2, "Visited", "35.75", "in_verification", field_visit_due=False),
        row(3, "Overdue", "35.75", "registered", sanction_level="warning", sanction_deadline="2026-11-20"),
        row(4, "Still Time", "35.75", "registered", sanction_level="warning", sanction_deadline="2026-12-09"),
        row(5, "Suspended", "35.75", "suspended", sanction_level="suspended", sanction_deadline="2026-11-01"),
        row(6, "Neighbour Due", "35.73", "in_verification", field_visit_due=True),
    ])
    mine = index.worklist("35.75", "2026-12-02")
    assert [r.name for r in mine["field_visits_due"]] == ["Visit Due"]
    assert [r.name for r in mine["warnings_overdue"]] == ["Overdue"]
    assert [r.name for r in index.worklist("35", "2026-12-02")["field_visits_due"]] == ["Neighbour Due", "Visit Due"]


def test_a_status_filter_follows_a_record_that_moved_and_leaves_its_old_status():
    from services.registry.domain.search import SearchIndex, row_from_snapshot

    index = SearchIndex()
    base = {"ormas_id": "o1", "name": "Ormas Berpindah", "kind": "ormas", "region": "35.75"}
    index.upsert(row_from_snapshot({**base, "version": 1, "status": "submitted", "field_visit_due": False}))
    index.upsert(row_from_snapshot({**base, "version": 2, "status": "in_verification", "field_visit_due": True}))
    index.upsert(row_from_snapshot({**base, "version": 1, "status": "submitted"}))  # a late, older event
    assert [r.id for r in index.search(scope="35", status=["in_verification"])[0]] == ["o1"]
    assert index.search(scope="35", status=["submitted"])[0] == []
    assert [r.id for r in index.worklist("35", "2026-12-02")["field_visits_due"]] == ["o1"]
    index.upsert(row_from_snapshot({**base, "version": 3, "status": "registered", "field_visit_due": False}))
    assert index.worklist("35", "2026-12-02")["field_visits_due"] == []


def test_the_ordered_and_word_indexes_answer_as_a_scan_of_every_row(monkeypatch):
    """Both ways of answering (a named set sorted alone, or a walk in order from the cursor) give
    exactly the pages a plain filter-and-sort over every row gives, also after rows change."""
    import random

    from services.registry.domain import search

    rng = random.Random(7)
    words = ["pemuda", "tani", "lestari", "jaya", "nur", "karya", "bakti"]
    ix = SearchIndex()

    def random_row(i, version):
        return _row(i, version=version, name=" ".join(rng.sample(words, 2)) + f" {i}",
                    acronym=rng.choice([None, "PMJ", "KTN"]), region=rng.choice(["35.75", "35.73", "35.75.01", "33.01"]),
                    status=rng.choice(["registered", "submitted", "expiring"]),
                    skt_valid_until=rng.choice([None, "2025-01-01", "2027-06-01"]), skt_issued_on="2020-01-01")

    for i in range(300):
        ix.upsert(random_row(i, 1))
    for i in rng.sample(range(300), 80):  # renamed, moved, advanced: the old entries must leave every index
        ix.upsert(random_row(i, 2))

    def by_scan(scope, q=None, status=None, before=None, sort="name"):
        key = search.SORT_KEYS[sort]
        ws = q.split() if q else []
        hits = [r for r in ix.rows.values() if search.regions.within(scope, r.region)
                and (not status or r.status in status) and (not before or (r.skt_valid_until or "9") < before)
                and all(w in r.name_key + " " + (r.acronym_key or "") for w in ws)]
        return [r.id for r in sorted(hits, key=lambda r: (getattr(r, key), r.id))]

    def paged(**kw):
        seen, cursor = [], None
        while True:
            page, cursor = ix.search(limit=9, cursor=cursor, **kw)
            seen += [r.id for r in page]
            if not cursor:
                return seen

    queries = [dict(scope="35"), dict(scope="35.75", q="tan"), dict(scope="35", q="nur jaya"),
               dict(scope="35", q="kt"), dict(scope="", status=["submitted"], sort="created"),
               dict(scope="35", status=["registered", "expiring"], sort="region")]
    for narrow in (0, 10_000):  # every query walked in order, then every query answered from its named set
        monkeypatch.setattr(search, "NARROW", narrow)
        for kw in queries:
            expected = by_scan(kw["scope"], kw.get("q"), kw.get("status"), sort=kw.get("sort", "name"))
            assert expected and paged(**kw) == expected, kw
        expiring = ix.search(scope="35", skt_expiring_before="2026-01-01", limit=1000)[0]
        assert [r.id for r in expiring] == by_scan("35", before="2026-01-01")


def _difflib_near(key: str, others) -> list[tuple[str, float]]:
    """The near matches as difflib alone finds them, over every name (what the create did before)."""
    import difflib

    from services.registry.application.ormas import NEAR_MATCH

    scored = [(o.id, difflib.SequenceMatcher(None, o.name_key, key).ratio()) for o in others]
    found = [(oid, round(score, 2)) for oid, score in scored if score >= NEAR_MATCH]
    return sorted(found, key=lambda c: -c[1])[:5]


def test_near_matches_are_difflibs_own_after_rapidfuzz_picks_the_candidates():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from services.registry.application.ormas import duplicates

    words = st.sampled_from(["pemuda", "peduli", "bangsa", "karya", "jaya", "jayа", "nusantara", "al-hikmah", "ta’lim"])
    names = st.lists(words, min_size=1, max_size=4).map(" ".join)

    @settings(max_examples=300, deadline=None)
    @given(key=names, book=st.lists(names, max_size=40, unique=True))
    def check(key, book):
        others = [r for r in (_row(i, name=n.title(), acronym=None) for i, n in enumerate(book)) if r.name_key != key]
        got = [(n.id, n.similarity) for n in duplicates({"name_key": key, "acronym_key": None}, others)]
        assert got == _difflib_near(key, others)  # the same five, in the same order, ties included

    check()
