"""The activity report's words and form (laporan kegiatan ormas, per semester). No I/O."""

from __future__ import annotations

import datetime as dt
from typing import Any

FUNDING = {"iuran_anggota": "Iuran anggota", "hibah_pemerintah": "Hibah/bantuan pemerintah (APBN/APBD)",
           "swasta": "Swasta/CSR", "masyarakat": "Sumbangan masyarakat", "usaha_sendiri": "Usaha sendiri",
           "asing": "Bantuan asing", "lainnya": "Lainnya"}
ROWS = 6  # activity lines on the form
FIELD_LABELS = {"period": "Semester", "activities": "Kegiatan", "people_reached": "Jumlah penerima manfaat",
                "funding_sources": "Sumber dana"}


class FormError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def period_of(day: dt.date) -> str:
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def previous(period: str) -> str:
    year, half = int(period[:4]), period[-1]
    return f"{year}-S1" if half == "2" else f"{year - 1}-S2"


def label(period: str) -> str:
    return f"Semester {'I' if period.endswith('1') else 'II'} {period[:4]}"


def choosable(today: dt.date) -> list[str]:
    """What an ormas may report now: the semester under way and the one before."""
    now = period_of(today)
    return [previous(now), now]


def recent(today: dt.date, count: int = 6) -> list[str]:
    out = [period_of(today)]
    while len(out) < count:
        out.append(previous(out[-1]))
    return out


def report_body(form: Any) -> dict[str, Any]:
    errors: dict[str, str] = {}
    activities = []
    for i in range(ROWS):
        day, title = (form.get(f"date-{i}") or "").strip(), (form.get(f"title-{i}") or "").strip()
        people = (form.get(f"people-{i}") or "").strip()
        if not day and not title:
            continue
        try:
            on = dt.date.fromisoformat(day)
        except ValueError:
            errors["activities"] = f"Baris {i + 1}: tulis tanggal kegiatannya."
            continue
        if not title:
            errors["activities"] = f"Baris {i + 1}: tulis nama kegiatannya."
            continue
        if people and not people.isdigit():
            errors["activities"] = f"Baris {i + 1}: jumlah peserta ditulis dengan angka."
            continue
        activities.append({"date": on.isoformat(), "title": title, "people": int(people) if people else None})
    if not activities and "activities" not in errors:
        errors["activities"] = "Tulis paling sedikit satu kegiatan semester ini."
    reached = (form.get("people_reached") or "").strip()
    if not reached.isdigit():
        errors["people_reached"] = "Tulis jumlah penerima manfaat dengan angka."
    if errors:
        raise FormError(errors)
    return {"period": form.get("period") or "", "activities": activities, "people_reached": int(reached),
            "funding_sources": [f for f in form.getlist("funding_sources") if f in FUNDING],
            "notes": (form.get("notes") or "").strip() or None}


def api_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    out = {}
    for e in errors:
        field = str(e.get("field") or "")
        if field.startswith("activities"):
            out["activities"] = "Tanggal kegiatan harus di dalam semester yang dilaporkan."
        elif field == "period":
            out["period"] = "Semester ini belum dimulai."
        else:
            out[field or "activities"] = "Periksa isian ini."
    return out
