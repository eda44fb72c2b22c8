"""An office's format for SKT numbers, e.g. ``220/{seq:04d}/SKT/{office}/{year}``. No I/O.

Only the named fields may appear — ``{seq}`` (the office's running number in the year, required),
``{year}``, ``{office}`` (the office's region code), ``{region}`` (the ormas's) — each with at most
a zero-padded width (``{seq:04d}``, width up to 12). No attribute or index access
(``{seq.__class__}``), no conversions, no other format specs (``{seq:>300000000}`` would build a
300 MB string), so a format is safe to store and to apply."""

from __future__ import annotations

import re
import string

from shared.errors import FieldError

FIELDS = ("seq", "year", "office", "region")
# the office's own letter when Kemendagri issues the SKT (Permendagri 57/2017), numbered apart
PRESENCE_FORMAT = "220/{seq:04d}/SKK/{office}/{year}"
MAX_WIDTH = 12
_SPEC = re.compile(r"0?([0-9]{1,2})d?")


class BadFormat(FieldError):
    pass


def check(fmt: str, field: str = "skt_number_format") -> str:
    """``fmt`` unchanged, or BadFormat saying what is wrong."""
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError as e:
        raise BadFormat(field, f"not a format: {e}") from None
    names = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS:
            raise BadFormat(field, f"{{{name}}} is not a field; use {{seq}}, {{year}}, {{office}}, {{region}}")
        if conversion:
            raise BadFormat(field, f"{{{name}!{conversion}}}: no conversions")
        if spec:
            m = _SPEC.fullmatch(spec)
            if m is None or int(m.group(1)) > MAX_WIDTH or (spec.endswith("d") and name not in ("seq", "year")):
                raise BadFormat(field, f"{{{name}:{spec}}}: only a width up to {MAX_WIDTH}, as in {{seq:04d}}")
        names.append(name)
    if "seq" not in names:
        raise BadFormat(field, "must contain {seq} so numbers stay unique")
    return fmt


def number(fmt: str, *, seq: int, year: int, office: str, region: str) -> str:
    check(fmt, "format")
    return fmt.format(seq=seq, year=year, office=office, region=region)
