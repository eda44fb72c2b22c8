"""An ormas's board (pengurus): who holds which position, with NIK and term. No I/O.

NIK and phone numbers are personal data (UU 27/2022): they stay in the registry, are masked in
every answer and never travel in events (officers leave as name and position only)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from lokal import nik as lokal_nik

from services.registry.domain.ormas import InvalidOrmas, mask_phone, phone_e164
from shared import regions

POSITIONS = ("ketua", "wakil_ketua", "sekretaris", "wakil_sekretaris", "bendahara", "wakil_bendahara",
             "pembina", "penasihat", "anggota")
SINGLE = ("ketua", "sekretaris", "bendahara")
MIN_AGE = 17
MAX_BOARD = 50


@dataclasses.dataclass(frozen=True)
class Officer:
    name: str
    position: str
    nik: str
    phone: str | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None


def check_nik(nik: str, field: str, today: dt.date) -> str:
    """A 16-digit NIK whose region and birth-date parts are plausible."""
    digits = (nik or "").strip()
    info = lokal_nik.parse_nik(digits, reference_date=today)
    if not info.valid or not info.nik:
        raise InvalidOrmas(field, info.errors[0].message if info.errors else "bukan NIK yang sah")
    if not regions.is_valid(info.regency_code or ""):
        raise InvalidOrmas(field, f"the NIK's region {info.regency_code} is not a regency or city")
    born = dt.date.fromisoformat(info.birth_date)
    age = (today - born).days // 365
    if age < MIN_AGE:
        raise InvalidOrmas(field, f"an officer must be at least {MIN_AGE} years old")
    return info.nik


def board(officers: Sequence[Officer], today: dt.date) -> list[dict[str, Any]]:
    """The validated board, or InvalidOrmas naming the first bad field."""
    if not officers:
        raise InvalidOrmas("officers", "a board needs at least its chair (ketua)")
    if len(officers) > MAX_BOARD:
        raise InvalidOrmas("officers", f"at most {MAX_BOARD} officers")
    out: list[dict[str, Any]] = []
    seen_nik: dict[str, int] = {}
    for i, o in enumerate(officers):
        f = f"officers.{i}"
        name = " ".join((o.name or "").split())
        if not name:
            raise InvalidOrmas(f"{f}.name", "is required")
        if o.position not in POSITIONS:
            raise InvalidOrmas(f"{f}.position", f"must be one of {', '.join(POSITIONS)}")
        nik = check_nik(o.nik, f"{f}.nik", today)
        if nik in seen_nik:
            raise InvalidOrmas(f"{f}.nik", f"the same person is already officers.{seen_nik[nik]}")
        seen_nik[nik] = i
        if o.term_start and o.term_end and o.term_end <= o.term_start:
            raise InvalidOrmas(f"{f}.term_end", "must be after term_start")
        out.append({"name": name, "position": o.position, "nik": nik,
                    "phone": phone_e164(o.phone, f"{f}.phone") if o.phone else None,
                    "term_start": o.term_start.isoformat() if o.term_start else None,
                    "term_end": o.term_end.isoformat() if o.term_end else None})
    for p in SINGLE:
        if sum(o["position"] == p for o in out) > 1:
            raise InvalidOrmas("officers", f"only one {p}")
    if not any(o["position"] == "ketua" for o in out):
        raise InvalidOrmas("officers", "a board needs its chair (ketua)")
    return out


def mask_nik(nik: str | None) -> str | None:
    """3575014101900001 → 3575********0001: the region stays readable, the person does not."""
    if not nik:
        return nik
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def public(officer: dict[str, Any]) -> dict[str, Any]:
    """An officer as answers show it: NIK and phone masked."""
    return {**officer, "nik": mask_nik(officer.get("nik")), "phone": mask_phone(officer.get("phone"))}
