"""Dates and times written the way an Indonesian letter writes them. No I/O.

``hari_tanggal(t, "WIB")`` → "Selasa, 10 April 2018"; ``jam(t, "WIB")`` → "08.00 WIB"."""

from __future__ import annotations

import datetime as dt

from shared import regions

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def local(t: dt.datetime, zone: str) -> dt.datetime:
    return t.astimezone(regions.ZONES[zone])


def tanggal(d: dt.date) -> str:
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def hari_tanggal(t: dt.datetime, zone: str) -> str:
    lt = local(t, zone)
    return f"{HARI[lt.weekday()]}, {tanggal(lt.date())}"


def jam(t: dt.datetime, zone: str) -> str:
    return f"{local(t, zone):%H.%M} {zone}"


def rentang(start: dt.datetime, end: dt.datetime, zone: str) -> str:
    """"Selasa, 10 April 2018 s.d. Rabu, 11 April 2018" or one day."""
    a, b = local(start, zone).date(), local(end, zone).date()
    if a == b:
        return hari_tanggal(start, zone)
    return f"{hari_tanggal(start, zone)} s.d. {hari_tanggal(end, zone)}"
