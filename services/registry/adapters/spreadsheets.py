"""CSV and XLSX files in and out (openpyxl for XLSX)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook

from services.registry.domain.importing import MAX_ROWS, BadFile
from shared import sheets

XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")
MAX_COLUMNS = 100
MAX_UNPACKED = 200 * 1024 * 1024  # an XLSX of 50,000 rows of an office's columns unpacks to ~60 MB


def kind_of(filename: str | None, content_type: str | None, head: bytes) -> str:
    """"xlsx" or "csv" from the file's own bytes first, its name and type second."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or (content_type or "") in XLSX_TYPES:
        raise BadFile("the file claims to be XLSX but is not a valid workbook")
    if name.endswith((".csv", ".txt")) or (content_type or "").split(";")[0] in CSV_TYPES:
        if b"\x00" in head[:4096]:
            raise BadFile("the file is binary, not CSV")
        return "csv"
    raise BadFile("only CSV and XLSX files can be imported")


def read_rows(data: bytes, kind: str) -> list[list[Any]]:
    """The rows of the file's first sheet, bounded while they are read: at most ``MAX_ROWS`` rows
    after the header and ``MAX_COLUMNS`` columns, whatever the workbook claims about itself (an
    XLSX's ``<dimension>`` may claim A1:XFD3000 in 1.5 KB). Synchronous: call it in a thread."""
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    out: list[list[Any]] = []
    filled = 0
    too_many = BadFile(f"at most {MAX_ROWS} rows per import (and {MAX_COLUMNS} columns)")
    for row in rows:
        if not any(v not in (None, "") for v in row):
            out.append([])  # kept, so that row numbers stay the spreadsheet's; stored as nothing
            if len(out) > 4 * MAX_ROWS:
                raise too_many
            continue
        filled += 1
        if filled > MAX_ROWS + 1:
            raise too_many
        if len(row) > MAX_COLUMNS:
            if any(v not in (None, "") for v in row[MAX_COLUMNS:]):
                raise BadFile(f"at most {MAX_COLUMNS} columns per import (and {MAX_ROWS} rows)")
            row = row[:MAX_COLUMNS]
        row = list(row)
        while row and row[-1] is None:  # read-only openpyxl pads rows to the width asked for
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _xlsx_rows(data: bytes) -> Iterator[Sequence[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile as e:
        raise BadFile(f"the workbook cannot be read: {e}") from None
    if unpacked > MAX_UNPACKED:
        raise BadFile(f"the workbook unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MB")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as e:
        raise BadFile(f"the workbook cannot be read: {e}") from None
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # the claimed size is ignored: rows are as long as their cells
        try:
            yield from ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        except (KeyError, ValueError, TypeError, SyntaxError) as e:  # malformed sheet XML
            raise BadFile(f"the workbook cannot be read: {e}") from None
    finally:
        wb.close()


def _csv_rows(data: bytes) -> Iterator[Sequence[Any]]:
    text = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise BadFile("the file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(io.StringIO(text), dialect)
    except csv.Error as e:  # a field over csv.field_size_limit() (128 KiB), a stray NUL …
        raise BadFile(f"the CSV cannot be read: {e}") from None


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(sheets.csv_row(header))
    for r in rows:
        w.writerow(sheets.csv_row(r))
    return ("\ufeff" + out.getvalue()).encode()  # BOM: Excel opens it as UTF-8


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Ormas") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    sheets.xlsx_append(ws, header)
    for r in rows:
        sheets.xlsx_append(ws, r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
