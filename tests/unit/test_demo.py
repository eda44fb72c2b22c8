"""make demo's book: Kota Pasuruan as of April 2018 — about 400 ormas, 329 with an SKT valid on
30 April 2018 (article 000), every name once, the same file every run."""

import datetime as dt
import io

from openpyxl import load_workbook

from deploy.local import demo


def test_the_demo_book_holds_329_valid_skts_among_400_ormas_and_never_changes():
    data = demo.book()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("Nama Ormas", "Jenis", "Kode Wilayah") and len(body) == 400
    assert len({r[0] for r in body}) == 400
    april = dt.date(2018, 4, 30)

    def valid(r):
        issued = r[8].date() if isinstance(r[8], dt.datetime) else r[8]
        return issued is not None and issued <= april < issued.replace(year=issued.year + 5)

    assert sum(valid(r) for r in body) == 329
    assert sum(r[7] in (None, "") for r in body) == demo.UNREGISTERED
    again = list(load_workbook(io.BytesIO(demo.book())).active.iter_rows(values_only=True))
    assert again == rows  # a second run imports the same rows: nothing twice
