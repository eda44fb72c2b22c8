"""Early-warning figures: reports of potential social conflict counted by category, severity,
status and region, the open critical ones, the trend per week and the mean time to verify and to
resolve; and the rows of the weekly situation report (laporan situasi mingguan). No I/O.

A row is the report as its newest ``earlywarning.report`` event carries it (no reporter)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from services.reporting.domain.projections import child_key_of
from shared import regions, tanggal

CATEGORY_NAMES = {"politik_pemilu": "Politik/pemilu", "sara": "SARA", "sengketa_lahan": "Sengketa lahan/sumber daya alam",
                  "antarkelompok": "Antarkelompok/ormas", "ketimpangan_ekonomi": "Ketimpangan ekonomi",
                  "unjuk_rasa": "Unjuk rasa", "lainnya": "Lainnya"}
SEVERITY_NAMES = {"rendah": "Rendah", "sedang": "Sedang", "tinggi": "Tinggi", "kritis": "Kritis"}
STATUS_NAMES = {"diterima": "Diterima", "diverifikasi": "Diverifikasi", "tidak_terbukti": "Tidak terbukti",
                "ditangani": "Ditangani", "selesai": "Selesai"}
OPEN = ("diterima", "diverifikasi", "ditangani")
WEEK = re.compile(r"^(?P<y>[0-9]{4})-W(?P<w>0[1-9]|[1-4][0-9]|5[0-3])$")


def _t(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def row(data: Mapping[str, Any]) -> dict[str, Any]:
    """What reporting keeps of a report."""
    received = _t(data["received_at"])
    return {"region": data["region"], "province": data["region"][:2], "location_code": data["location_code"],
            "title": data["title"], "category": data["category"], "severity": data["severity"], "status": data["status"],
            "source_kind": data["source_kind"], "people_estimate": data.get("people_estimate"),
            "occurred_at": _t(data["occurred_at"]), "received_at": received, "verified_at": _t(data.get("verified_at")),
            "resolved_at": _t(data.get("resolved_at")), "week": week_of(received), "kegiatan_ids": data.get("kegiatan_ids") or []}


def week_of(at: dt.datetime, zone: str = "WIB") -> str:
    y, w, _ = at.astimezone(regions.ZONES[zone]).isocalendar()
    return f"{y}-W{w:02d}"


def week_bounds(week: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week (``2020-W49``); ValueError for no such week."""
    m = WEEK.match(week or "")
    if not m:
        raise ValueError(week)
    monday = dt.date.fromisocalendar(int(m["y"]), int(m["w"]), 1)
    return monday, monday + dt.timedelta(days=6)


def weeks_until(week: str, count: int) -> list[str]:
    monday, _ = week_bounds(week)
    return [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in
            (monday - dt.timedelta(weeks=count - 1 - i) for i in range(count))]


def mean_hours(pairs: Iterable[tuple[dt.datetime | None, dt.datetime | None]]) -> float | None:
    spans = [(b - a).total_seconds() for a, b in pairs if a and b]
    return round(sum(spans) / len(spans) / 3600, 1) if spans else None


def figures(rows: list[Mapping[str, Any]], scope: str, *, week: str, weeks: int = 8) -> dict[str, Any]:
    """The figures of the reports of ``scope`` (rows of the scope only): totals and counts of all
    reports, those received in ``week``, the open kritis and tinggi ones, the trend of the
    ``weeks`` weeks up to ``week``, and the mean hours to verify and to resolve."""
    of_week = [r for r in rows if r["week"] == week]
    trend_weeks = weeks_until(week, weeks)
    per_week = Counter(r["week"] for r in rows)
    serious = Counter(r["week"] for r in rows if r["severity"] in ("tinggi", "kritis"))
    open_serious = sorted((r for r in rows if r["status"] in OPEN and r["severity"] in ("tinggi", "kritis")),
                          key=lambda r: (r["severity"] != "kritis", r["received_at"]))
    return {
        "total": len(rows),
        "open": sum(1 for r in rows if r["status"] in OPEN),
        "by_category": {c: n for c in CATEGORY_NAMES if (n := sum(1 for r in rows if r["category"] == c))},
        "by_severity": {s: sum(1 for r in rows if r["severity"] == s) for s in SEVERITY_NAMES},
        "by_status": {s: sum(1 for r in rows if r["status"] == s) for s in STATUS_NAMES},
        "by_child": dict(sorted(Counter(c for r in rows if (c := child_key_of(scope, r["region"]))).items())),
        "open_critical": [{"report_id": r["_id"], "title": r["title"], "severity": r["severity"], "status": r["status"],
                           "region": r["region"], "location_code": r["location_code"], "category": r["category"],
                           "received_at": r["received_at"]} for r in open_serious[:50]],
        "trend": [{"week": w, "received": per_week.get(w, 0), "tinggi_kritis": serious.get(w, 0)} for w in trend_weeks],
        "mean_hours_to_verify": mean_hours((r["received_at"], r["verified_at"]) for r in rows),
        "mean_hours_to_resolve": mean_hours((r["received_at"], r["resolved_at"]) for r in rows),
        "week": {"week": week, "received": len(of_week),
                 "by_category": {c: n for c in CATEGORY_NAMES if (n := sum(1 for r in of_week if r["category"] == c))},
                 "by_severity": {s: sum(1 for r in of_week if r["severity"] == s) for s in SEVERITY_NAMES},
                 "by_status": {s: sum(1 for r in of_week if r["status"] == s) for s in STATUS_NAMES},
                 "reports": [{"report_id": r["_id"], "title": r["title"], "region": r["region"],
                              "location_code": r["location_code"], "category": r["category"], "severity": r["severity"],
                              "status": r["status"], "occurred_at": r["occurred_at"]}
                             for r in sorted(of_week, key=lambda r: r["received_at"])]},
    }


def week_title(week: str) -> str:
    monday, sunday = week_bounds(week)
    return f"Minggu ke-{int(week[-2:])} Tahun {week[:4]} ({tanggal.tanggal(monday)} s.d. {tanggal.tanggal(sunday)})"


def situation_rows(f: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(section, item, value) of the weekly situation report."""
    w = f["week"]
    out: list[tuple[str, str, Any]] = [("Minggu ini", "Laporan diterima", w["received"])]
    out += [("Minggu ini menurut kategori", CATEGORY_NAMES[c], n) for c, n in w["by_category"].items()]
    out += [("Minggu ini menurut tingkat", SEVERITY_NAMES[s], n) for s, n in w["by_severity"].items()]
    out += [("Minggu ini menurut status", STATUS_NAMES[s], n) for s, n in w["by_status"].items()]
    out += [("Seluruh laporan", "Jumlah laporan", f["total"]), ("Seluruh laporan", "Masih terbuka", f["open"])]
    out += [("Seluruh laporan menurut wilayah", _region_name(c), n) for c, n in f["by_child"].items()]
    out += [("Penanganan", "Rata-rata jam sampai diverifikasi", _hours(f["mean_hours_to_verify"])),
            ("Penanganan", "Rata-rata jam sampai selesai", _hours(f["mean_hours_to_resolve"]))]
    out += [("Tren per minggu", t["week"], f"{t['received']} ({t['tinggi_kritis']} tinggi/kritis)") for t in f["trend"]]
    return out


SITUATION_COLUMNS = ("Kejadian", "Laporan", "Lokasi", "Kategori", "Tingkat", "Status", "Kode laporan")
OPEN_TITLE = "Laporan tinggi dan kritis yang masih terbuka"


def situation_lines(f: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The week's reports, one line each in the order of ``SITUATION_COLUMNS``."""
    return [(tanggal.tanggal(r["occurred_at"].astimezone(regions.ZONES["WIB"]).date()) if r["occurred_at"] else "-",
             r["title"], _place(r["location_code"]), CATEGORY_NAMES[r["category"]], SEVERITY_NAMES[r["severity"]],
             STATUS_NAMES[r["status"]], r["report_id"]) for r in f["week"]["reports"]]


def open_lines(f: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    return [(tanggal.tanggal(r["received_at"].astimezone(regions.ZONES["WIB"]).date()), r["title"], _place(r["location_code"]),
             CATEGORY_NAMES[r["category"]], SEVERITY_NAMES[r["severity"]], STATUS_NAMES[r["status"]], r["report_id"])
            for r in f["open_critical"]]


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}".replace(".", ",")


def _region_name(code: str) -> str:
    r = regions.get(code)
    return f"{r.name} ({code})" if r else code


def _place(code: str) -> str:
    from lokal import wilayah

    w = wilayah.get_wilayah(code)
    return w.path if w else code
