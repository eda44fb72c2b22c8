"""The import wizard: upload → the registry's job reads and checks every row → the office reads the
report row by row → confirms → the job records the rows with progress → the result."""

from __future__ import annotations

from typing import Any

from services.web.adapters.apis import Apis
from services.web.application.session import User
from services.web.domain import problems
from shared import sheets

IN_PROGRESS = ("queued", "planning", "confirmed", "recording")


async def upload(apis: Apis, user: User, filename: str, content: bytes, content_type: str,
                 region: str | None) -> dict[str, Any]:
    return await apis.registry.post("/ormas/imports/jobs", user.access_token, data={"region": region} if region else None,
                                    files={"file": (filename, content, content_type)})


async def job(apis: Apis, user: User, job_id: str) -> dict[str, Any]:
    return await apis.registry.get(f"/ormas/imports/jobs/{job_id}", user.access_token)


async def confirm(apis: Apis, user: User, job_id: str) -> dict[str, Any]:
    return await apis.registry.post(f"/ormas/imports/jobs/{job_id}/confirm", user.access_token)


def refused_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each refused row with its problems in Indonesian, field by field."""
    return [{"row": r["row"], "cells": r["cells"],
             "problems": [(problems.field_label(p["field"]), problems.field_message(p["message"], p["field"]))
                          for p in r["problems"]]} for r in report.get("refused_rows", [])]


def refused_csv(report: dict[str, Any]) -> bytes:
    """The refused rows in the file's own columns, with the row number and the problems beside them:
    corrected, the file imports again (the extra columns are ignored)."""
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(sheets.csv_row(["Baris", *report.get("header", []), "Masalah"]))
    for r in refused_rows(report):
        w.writerow(sheets.csv_row([r["row"], *r["cells"], "; ".join(f"{f}: {m}" for f, m in r["problems"])]))
    return ("\ufeff" + out.getvalue()).encode()
