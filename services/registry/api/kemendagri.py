"""The export of an office's applications forwarded to Kemendagri (Permendagri 57/2017), as the
structured file its officers enter into Kemendagri's system: one row per ormas, no NIK."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from fastapi import APIRouter, Query, Response

from services.registry.deps import Current, OrmasStore
from shared import regions, sheets
from shared.auth import check_region

router = APIRouter(tags=["kemendagri"])
COLUMNS = ("ormas_id", "name", "acronym", "kind", "region", "region_name", "address", "bidang", "email", "phone",
           "officers", "documents", "field_visit_on", "forwarded_at", "recommendation")


def _row(doc: dict[str, Any]) -> dict[str, Any]:
    v = doc.get("verification") or {}
    r = regions.get(doc["region"])
    return {"ormas_id": doc["_id"], "name": doc["name"], "acronym": doc.get("acronym"), "kind": doc["kind"],
            "region": doc["region"], "region_name": r.name if r else None,
            "address": (doc.get("address") or {}).get("street"), "bidang": doc.get("bidang") or [],
            "email": doc.get("email"), "phone": doc.get("phone"),
            "officers": [{"name": o["name"], "position": o["position"]} for o in doc.get("officers") or []],
            "documents": sorted({d["type"] for d in doc.get("documents") or []}),
            "field_visit_on": (v.get("field_visit") or {}).get("visited_on"),
            "forwarded_at": v["forwarded"]["at"].isoformat(), "recommendation": v["forwarded"].get("recommendation")}


@router.get("/applications/forwarded", responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
async def forwarded(principal: Current, ormas: OrmasStore, region: str | None = Query(default=None, max_length=13),
                    format: Literal["json", "csv"] = "json") -> Response:
    """The applications forwarded to Kemendagri, waiting for the SKT it issues (JSON or CSV)."""
    scope = check_region(principal, principal.region if region is None else region)
    rows = [_row(d) for d in await ormas.forwarded(scope)]
    if format == "json":
        return Response(json.dumps({"region": scope, "items": rows}, ensure_ascii=False), media_type="application/json")
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow(sheets.csv_row([", ".join(row[c]) if c in ("bidang", "documents") else
                                   "; ".join(f"{o['name']} ({o['position']})" for o in row[c]) if c == "officers"
                                   else row[c] or "" for c in COLUMNS]))
    return Response(("\ufeff" + out.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="permohonan-skt-kemendagri.csv"'})
