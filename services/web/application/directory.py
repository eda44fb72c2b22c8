"""The public directory: registered ormas as the registry publishes them (no token), a page at a
time, or all that match as an open-data file (CSV or JSON), each client at most ``DOWNLOADS`` files
a minute."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from services.web.adapters.apis import Apis
from services.web.domain import labels
from shared import ratelimit, sheets

DOWNLOADS = 10  # files per client address per minute
MAX_ROWS = 50_000
FILTERS = ("q", "region", "kind", "bidang")


def filters_of(params: Mapping[str, str]) -> dict[str, str]:
    return {k: params[k].strip() for k in FILTERS if (params.get(k) or "").strip()}


async def page(apis: Apis, filters: Mapping[str, str], cursor: str | None) -> dict[str, Any]:
    return await apis.registry.get("/directory", None, params={**filters, "cursor": cursor, "limit": 50})


async def everything(apis: Apis, filters: Mapping[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while len(rows) < MAX_ROWS:
        got = await apis.registry.get("/directory", None, params={**filters, "cursor": cursor, "limit": 200})
        rows += got["items"]
        cursor = got["next_cursor"]
        if not cursor:
            break
    return rows[:MAX_ROWS]


async def may_download(redis, client: str) -> bool:
    """A fixed window per client address and minute (shared by the web application's replicas)."""
    return await ratelimit.within(redis, f"direktori:{client}", DOWNLOADS, 60)


HEADER = ("Nama", "Singkatan", "Jenis", "Bentuk", "Bidang", "Wilayah", "Kode wilayah", "Status", "Berlaku sampai")


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER)
    for r in rows:
        w.writerow(sheets.csv_row([r["name"], r.get("acronym") or "", labels.label(labels.KINDS, r["kind"]),
                                   labels.label(labels.LEGAL_FORMS, r["legal_form"]), ", ".join(r.get("bidang") or []),
                                   r.get("region_name") or r["region"], r["region"], labels.label(labels.STATUSES, r["status"]),
                                   r.get("registration_valid_until") or ""]))
    return ("\ufeff" + out.getvalue()).encode()  # the BOM: spreadsheets read the names as UTF-8


def as_json(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps({"items": rows, "count": len(rows)}, ensure_ascii=False).encode()
