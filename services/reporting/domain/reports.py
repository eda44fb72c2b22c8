"""Compiled reports: the periodic report an office sends upward, and its files. No I/O.

A period is a month (``2026-11``), a quarter (``2026-Q4``) or a year (``2026``). A report is named
by its region and period, so two requests for the same report name the same record and it is
compiled once at a time. The files — PDF with charts and tables, XLSX, CSV — are written from the
figures in Bahasa Indonesia."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from typing import Any

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from services.reporting.domain import earlywarning
from shared import regions, sheets, tanggal
from shared.errors import FieldError

PERIOD = re.compile(r"^(?P<y>[0-9]{4})(?:-(?:(?P<m>0[1-9]|1[0-2])|Q(?P<q>[1-4])|W(?P<w>0[1-9]|[1-4][0-9]|5[0-3])))?$")
FORMATS = ("pdf", "xlsx", "csv")
MEDIA = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8"}
STATUS_NAMES = {"registered": "Terdaftar (SKT berlaku)", "expiring": "SKT segera berakhir", "expired": "SKT kedaluwarsa",
                "legal_entity": "Berbadan hukum", "unregistered": "Belum terdaftar", "suspended": "Dibekukan",
                "revoked": "SKT dicabut", "dissolved": "Dibubarkan", "draft": "Draf", "submitted": "Diajukan",
                "in_verification": "Verifikasi", "revision_requested": "Perbaikan", "rejected": "Ditolak"}
TYPE_NAMES = {"fasilitasi": "Fasilitasi", "dialog": "Dialog", "pelatihan": "Pelatihan", "apel": "Apel",
              "silaturahmi": "Silaturahmi", "sosialisasi": "Sosialisasi", "rapat_koordinasi": "Rapat koordinasi"}
KIND_LABEL = {"month": "Bulanan", "quarter": "Triwulanan", "year": "Tahunan"}
KEGIATAN_STATUS_NAMES = {"published": "Undangan terbit", "rescheduled": "Dijadwal ulang", "ongoing": "Berlangsung",
                         "completed": "Selesai", "cancelled": "Dibatalkan"}
LIST_TITLE = "Daftar kegiatan"
LIST_COLUMNS = ("Tanggal", "Kegiatan", "Jenis", "Tempat", "Status", "Diundang", "Konfirmasi hadir", "Tidak hadir",
                "Hadir (registrasi)", "Tanpa undangan", "Jumlah orang hadir", "Aspirasi", "Kode kegiatan")


class InvalidReport(FieldError):
    pass


def parse_period(period: str, today: dt.date) -> tuple[str, str, str]:
    """(kind, first month, last month) of a period that has begun, or InvalidReport."""
    m = PERIOD.match(period or "")
    if not m:
        raise InvalidReport("period", "a month (2026-11), a quarter (2026-Q4), a year (2026) or a week (2026-W49)")
    y = int(m["y"])
    if m["w"]:  # the weekly situation report of early warning
        try:
            monday, sunday = earlywarning.week_bounds(period)
        except ValueError:
            raise InvalidReport("period", f"{y} has no week {m['w']}") from None
        if monday > today:
            raise InvalidReport("period", "has not begun yet")
        return "week", monday.strftime("%Y-%m"), sunday.strftime("%Y-%m")
    if m["m"]:
        kind, first, last = "month", f"{y}-{m['m']}", f"{y}-{m['m']}"
    elif m["q"]:
        q = int(m["q"])
        kind, first, last = "quarter", f"{y}-{3 * q - 2:02d}", f"{y}-{3 * q:02d}"
    else:
        kind, first, last = "year", f"{y}-01", f"{y}-12"
    if first > today.strftime("%Y-%m"):
        raise InvalidReport("period", "has not begun yet")
    if y < 2013:
        raise InvalidReport("period", "before UU 17/2013 there is nothing to report")
    return kind, first, last


def report_id(region: str, period: str) -> str:
    return f"{region or 'nasional'}:{period}"


def title(region: str, period: str, kind: str) -> str:
    r = regions.get(region)
    place = "Nasional" if r is None else (f"Provinsi {r.name}" if r.kind == "provinsi" else r.name)
    if kind == "month":
        y, m = period.split("-")
        when = f"{tanggal.BULAN[int(m) - 1]} {y}"
    elif kind == "quarter":
        y, q = period.split("-Q")
        when = f"Triwulan {q} Tahun {y}"
    elif kind == "week":
        return f"Laporan Situasi Mingguan Kewaspadaan Dini — {place} — {earlywarning.week_title(period)}"
    else:
        when = f"Tahun {period}"
    return f"Laporan {KIND_LABEL[kind]} Ormas dan Kegiatan — {place} — {when}"


def rows(figures: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(section, item, value) — the one table every format carries."""
    if "earlywarning" in figures:
        return earlywarning.situation_rows(figures["earlywarning"])
    o, k = figures["ormas"], figures["kegiatan"]
    out: list[tuple[str, str, Any]] = [("Ormas", "Jumlah ormas", o["total"])]
    out += [("Ormas menurut status", STATUS_NAMES.get(s, s), n) for s, n in sorted(o["by_status"].items())]
    out += [("Ormas menurut jenis", s, n) for s, n in sorted(o["by_kind"].items())]
    out += [("Ormas menurut wilayah", _region_name(c), n) for c, n in sorted(o["by_child"].items())]
    out += [("SKT", "Berakhir dalam 90 hari", o["skt_expiring_90_days"]), ("SKT", "Kedaluwarsa", o["skt_expired"])]
    out += [("Sanksi", s, n) for s, n in sorted(o["sanctions"].items())]
    out += [("Kegiatan", "Jumlah kegiatan", k["kegiatan"]["total"])]
    out += [("Kegiatan menurut jenis", TYPE_NAMES.get(t, t), n) for t, n in k["kegiatan"]["by_type"].items()]
    out += [("Kegiatan menurut bulan", m, n) for m, n in k["kegiatan"]["by_month"].items()]
    out += [("Kegiatan menurut wilayah", _region_name(c), n) for c, n in sorted((k["kegiatan"].get("by_child") or {}).items())]
    p = k["participation"]
    out += [("Undangan", "Diundang", p["invited"]), ("Undangan", "Konfirmasi hadir", p["attending"]),
            ("Undangan", "Tidak hadir", p["declined"]), ("Undangan", "Hadir (registrasi)", p["checked_in"]),
            ("Undangan", "Tingkat kehadiran", f"{p['attendance_rate'] * 100:.1f}%" if p["attendance_rate"] is not None else "-")]
    out += [("Pengiriman undangan", f"{ch} — {st}", n) for ch, by in sorted(k["deliveries"].items())
            for st, n in sorted(by.items())]
    out += [("Aspirasi", "Jumlah aspirasi", k["aspirations"]["total"])]
    out += [("Aspirasi menurut tindak lanjut", s, n) for s, n in k["aspirations"]["by_status"].items()]
    return out


def tables(figures: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
    """The lists below the figures: (title, columns, lines) each, only those with lines."""
    if "earlywarning" in figures:
        ew = figures["earlywarning"]
        out = [("Laporan minggu ini", earlywarning.SITUATION_COLUMNS, earlywarning.situation_lines(ew)),
               (earlywarning.OPEN_TITLE, earlywarning.SITUATION_COLUMNS, earlywarning.open_lines(ew))]
    else:
        out = [(LIST_TITLE, LIST_COLUMNS, kegiatan_lines(figures))]
    return [t for t in out if t[2]]


def kegiatan_lines(figures: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The period's kegiatan, one line each in the order of ``LIST_COLUMNS`` (none in a national
    report: its figures go by province)."""
    out = []
    for k in figures.get("kegiatan_list") or []:
        out.append((_dates(k), k.get("title") or "-", TYPE_NAMES.get(k.get("type"), k.get("type") or "-"), _venue(k),
                    KEGIATAN_STATUS_NAMES.get(k.get("status"), k.get("status") or "-"), k["invited"], k["attending"],
                    k["declined"], k["checked_in"], k["walk_ins"], k["people_present"], k["aspirations"], k["kegiatan_id"]))
    return out


def _dates(k: Mapping[str, Any]) -> str:
    """"10 April 2018", or "10 April 2018 s.d. 12 April 2018", in the venue's zone."""
    start = k.get("starts_at")
    if start is None:
        return "-"
    zone = k.get("zone") or "WIB"
    a = tanggal.local(start, zone).date()
    b = tanggal.local(k.get("ends_at") or start, zone).date()
    return tanggal.tanggal(a) if a >= b else f"{tanggal.tanggal(a)} s.d. {tanggal.tanggal(b)}"


def _venue(k: Mapping[str, Any]) -> str:
    r = regions.get(k.get("venue_region") or "")
    name = k.get("venue_name")
    if name and r:
        return f"{name}, {r.name}"
    return name or (r.name if r else "-")


def _region_name(code: str) -> str:
    r = regions.get(code)
    return f"{r.name} ({code})" if r else code


def to_csv(figures: Mapping[str, Any]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Bagian", "Uraian", "Jumlah"])
    w.writerows(sheets.csv_row(r) for r in rows(figures))
    for title_, columns, lines in tables(figures):  # tables below the first, as an office's spreadsheet has them
        w.writerows([[], [title_], columns])
        w.writerows(sheets.csv_row(line) for line in lines)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # Excel opens a BOM-marked UTF-8 CSV correctly


def to_xlsx(figures: Mapping[str, Any], heading: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Laporan"
    sheets.xlsx_append(ws, [heading])
    ws.append([])
    ws.append(["Bagian", "Uraian", "Jumlah"])
    for r in rows(figures):
        sheets.xlsx_append(ws, r)
    by_child = (figures.get("ormas") or figures.get("earlywarning") or {}).get("by_child") or {}
    if by_child:
        what = "Ormas" if "ormas" in figures else "Laporan"
        chart_ws = wb.create_sheet(f"{what} per wilayah")
        chart_ws.append(["Wilayah", what])
        for c, n in sorted(by_child.items()):
            sheets.xlsx_append(chart_ws, [_region_name(c), n])
        chart = BarChart()
        chart.title = f"{what} menurut wilayah"
        chart.add_data(Reference(chart_ws, min_col=2, min_row=1, max_row=len(by_child) + 1), titles_from_data=True)
        chart.set_categories(Reference(chart_ws, min_col=1, min_row=2, max_row=len(by_child) + 1))
        chart_ws.add_chart(chart, "D2")
    for title_, columns, lines in tables(figures):
        list_ws = wb.create_sheet(title_[:31])
        list_ws.append(columns)
        for line in lines:
            sheets.xlsx_append(list_ws, line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _latin1(s: str) -> str:
    return str(s).replace("—", "-").encode("latin-1", "replace").decode("latin-1")


def to_pdf(figures: Mapping[str, Any], heading: str, compiled_at: dt.datetime) -> bytes:
    doc = FPDF(format="A4")
    doc.set_margins(15, 15, 15)
    doc.set_auto_page_break(True, 15)
    doc.add_page()
    doc.set_font("Helvetica", "B", 13)
    doc.multi_cell(0, 7, _latin1(heading), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=9)
    doc.cell(0, 6, _latin1(f"Disusun {tanggal.hari_tanggal(compiled_at, 'WIB')} pukul {tanggal.jam(compiled_at, 'WIB')}"),
             align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    for title_, data in _charts(figures):
        _bars(doc, title_, data)
    doc.set_font("Helvetica", "B", 10)
    doc.cell(60, 7, "Bagian", border=1)
    doc.cell(90, 7, "Uraian", border=1)
    doc.cell(30, 7, "Jumlah", border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=9)
    for section, item, value in rows(figures):
        doc.cell(60, 6, _latin1(section)[:40], border=1)
        doc.cell(90, 6, _latin1(item)[:60], border=1)
        doc.cell(30, 6, _latin1(value), border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    if "earlywarning" in figures:
        for title_, _, lines in tables(figures):
            _pdf_table(doc, title_, _PDF_SITUATION, lines, new_page=False)
    elif lines := kegiatan_lines(figures):
        _pdf_table(doc, LIST_TITLE, _PDF_LIST, lines, new_page=True)
    return bytes(doc.output())


def _charts(figures: Mapping[str, Any]) -> list[tuple[str, dict[str, int]]]:
    if "earlywarning" in figures:
        w = figures["earlywarning"]["week"]
        return [("Laporan minggu ini menurut tingkat", {earlywarning.SEVERITY_NAMES[s]: n for s, n in w["by_severity"].items() if n}),
                ("Laporan minggu ini menurut kategori", {earlywarning.CATEGORY_NAMES[c]: n for c, n in w["by_category"].items()})]
    return [("Ormas menurut status", {STATUS_NAMES.get(s, s): n for s, n in figures["ormas"]["by_status"].items()}),
            ("Kegiatan menurut jenis", {TYPE_NAMES.get(t, t): n for t, n in figures["kegiatan"]["kegiatan"]["by_type"].items()})]


# the situation report's lists: when, report, where, category, severity, status
_PDF_SITUATION = ((0, "Tanggal", 26, "L"), (1, "Laporan", 52, "L"), (2, "Lokasi", 50, "L"), (3, "Kategori", 22, "L"),
                  (4, "Tingkat", 14, "L"), (5, "Status", 16, "L"))


# the PDF's list: date, kegiatan, venue, status, invited, confirmed, checked in, people, aspirations
_PDF_LIST = ((0, "Tanggal", 28, "L"), (1, "Kegiatan", 52, "L"), (3, "Tempat", 38, "L"), (4, "Status", 18, "L"),
             (5, "Diundang", 9, "R"), (6, "Konf.", 9, "R"), (8, "Hadir", 9, "R"), (10, "Orang", 9, "R"),
             (11, "Asp.", 8, "R"))


def _pdf_table(doc: FPDF, heading: str, layout, lines: list[tuple[Any, ...]], *, new_page: bool) -> None:
    """A list under a heading, its cells shortened to their column (``layout``: index, head, width, align)."""
    if new_page:
        doc.add_page(orientation="P")
    else:
        doc.ln(4)
    doc.set_font("Helvetica", "B", 10)
    doc.cell(0, 7, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "B", 7)
    for _, head, width, align in layout:
        doc.cell(width, 6, head, border=1, align=align)
    doc.ln()
    doc.set_font("Helvetica", size=7)
    for line in lines:
        for i, _, width, align in layout:
            text = _latin1(line[i])
            while len(text) > 3 and doc.get_string_width(text) > width - 1.5:
                text = text[:-2].rstrip() + "~"
            doc.cell(width, 5, text, border=1, align=align)
        doc.ln()


def _bars(doc: FPDF, heading: str, data: Mapping[str, int]) -> None:
    """A horizontal bar chart drawn in the PDF."""
    if not data:
        return
    doc.set_font("Helvetica", "B", 10)
    doc.cell(0, 7, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=8)
    top = max(data.values()) or 1
    for label, n in sorted(data.items(), key=lambda kv: -kv[1])[:12]:
        y = doc.get_y()
        doc.cell(55, 5, _latin1(label)[:35])
        doc.set_fill_color(139, 0, 0)
        doc.rect(72, y + 1, max(0.5, 100 * n / top), 3.5, style="F")
        doc.set_x(175)
        doc.cell(20, 5, str(n), align="R", new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
