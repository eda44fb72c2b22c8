"""An ormas's board: NIK plausibility, positions, terms, masking."""

import datetime as dt

import pytest

from services.registry.domain import officers as o
from services.registry.domain.ormas import InvalidOrmas

TODAY = dt.date(2026, 11, 23)
CHAIR = o.Officer(name="Budi Santoso", position="ketua", nik="3575010101900001", phone="0812-3456-7890",
                  term_start=dt.date(2025, 1, 1), term_end=dt.date(2030, 1, 1))


def test_a_valid_board_is_normalised():
    board = o.board([CHAIR, o.Officer(name=" Siti  Aminah ", position="sekretaris", nik="3575014101920002")], TODAY)
    assert board[0]["phone"] == "+6281234567890" and board[0]["term_end"] == "2030-01-01"
    assert board[1]["name"] == "Siti Aminah"


@pytest.mark.parametrize("nik,why", [
    ("3575013201900001", "day 32"), ("3575010113900001", "month 13"), ("9975010101900001", "no province 99"),
    ("3599010101900001", "no regency 35.99"), ("3575010101150001", "born 2015: a child"), ("35750101019000", "short"),
])
def test_an_implausible_nik_is_refused_naming_the_officer(nik, why):
    with pytest.raises(InvalidOrmas) as e:
        o.board([o.Officer(name="X", position="ketua", nik=nik)], TODAY)
    assert e.value.field == "officers.0.nik", why


@pytest.mark.parametrize("board,field", [
    ([], "officers"),
    ([o.Officer(name="A", position="sekretaris", nik="3575010101900001")], "officers"),  # no chair
    ([CHAIR, o.Officer(name="B", position="ketua", nik="3575014101920002")], "officers"),  # two chairs
    ([CHAIR, o.Officer(name="B", position="anggota", nik=CHAIR.nik)], "officers.1.nik"),  # one person twice
    ([CHAIR, o.Officer(name="B", position="raja", nik="3575014101920002")], "officers.1.position"),
    ([o.Officer(name="A", position="ketua", nik=CHAIR.nik, term_start=dt.date(2026, 1, 1),
                term_end=dt.date(2025, 1, 1))], "officers.0.term_end"),
    ([o.Officer(name="A", position="ketua", nik=CHAIR.nik, phone="123")], "officers.0.phone"),
])
def test_board_rules(board, field):
    with pytest.raises(InvalidOrmas) as e:
        o.board(board, TODAY)
    assert e.value.field == field


def test_nik_and_phone_are_masked_in_answers():
    shown = o.public(o.board([CHAIR], TODAY)[0])
    assert shown["nik"] == "3575********0001" and shown["phone"] == "+62812****7890"
