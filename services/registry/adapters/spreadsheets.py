"""CSV and XLSX files in and out (openpyxl for XLSX)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from services.registry.domain.importing import BadFile

XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")


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
    if kind == "xlsx":
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
            raise BadFile(f"the workbook cannot be read: {e}") from None
        try:
            ws = wb.worksheets[0]
            return [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return ("\ufeff" + out.getvalue()).encode()  # BOM: Excel opens it as UTF-8


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Ormas") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for r in rows:  # control characters cannot be stored in a worksheet
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
