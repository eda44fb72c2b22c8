"""The registry's event loop under hostile input (``BENCH_ONLY=hardening``): ``/health/live``
latency while an XLSX bomb is uploaded, while a 20,000-row workbook is parsed, and while 50
wrong logins arrive at once — against the same probe on an idle registry, in the same run."""

from __future__ import annotations

import asyncio
import io
import re
import time
import uuid
import zipfile

import httpx
from openpyxl import Workbook

from deploy.local import stack
from tests.bench.common import pct, ratio

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bomb() -> bytes:
    wb = Workbook()
    wb.active.append(["Nama Ormas"])
    wb.active.append(["Ormas Bom"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD3000"/>', data)
            z.writestr(item, data)
    return out.getvalue()


def big_book(rows: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Nama Ormas", "Jenis", "Kode Wilayah", "Alamat"])
    for i in range(rows):
        ws.append([f"Ormas Beban {i}", "Ormas", "35.75", f"Jl. Veteran {i}"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def _probe_while(http: httpx.AsyncClient, work) -> list[float]:
    task = asyncio.create_task(work())
    lat: list[float] = []
    while not task.done():
        t0 = time.perf_counter()
        await http.get("/health/live")
        lat.append(time.perf_counter() - t0)
        await asyncio.sleep(0.02)
    await task
    return lat


def _row(name: str, lat: list[float], idle: list[float]) -> dict:
    return {"name": name, "probes": len(lat), "p50_ms": round(pct(lat, 50) * 1000, 1),
            "p99_ms": round(pct(lat, 99) * 1000, 1), "max_ms": round(max(lat) * 1000, 1) if lat else None,
            "p99_vs_idle": ratio(pct(lat, 99), pct(idle, 99))}


async def run(p: stack.IsolatedPlatform, token: str) -> list[dict]:
    h = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=p.urls["registry"], timeout=120) as http, \
            httpx.AsyncClient(base_url=p.urls["registry"], timeout=120) as other:
        async def idle():
            await asyncio.sleep(3)

        async def upload_bomb():
            r = await other.post("/ormas/imports", params={"dry_run": "true"}, headers=h, data={"region": "35.75"},
                                 files={"file": ("bom.xlsx", bomb(), XLSX)})
            r.raise_for_status()

        book = big_book(20_000)

        async def upload_book():
            r = await other.post("/ormas/imports", params={"dry_run": "true"}, headers=h, data={"region": "35.75"},
                                 files={"file": ("besar.xlsx", book, XLSX)})
            r.raise_for_status()

        async def wrong_logins():
            await asyncio.gather(*(other.post("/auth/token", data={"username": f"x{uuid.uuid4().hex[:6]}",
                                                                   "password": "salah-salah-salah"})
                                   for _ in range(50)))

        base = await _probe_while(http, idle)
        rows = [_row("registry /health/live, idle (baseline)", base, base)]
        for name, work in (("during an XLSX bomb upload (A1:XFD3000 claimed)", upload_bomb),
                           ("during a 20,000-row XLSX dry run", upload_book),
                           ("during 50 concurrent wrong logins", wrong_logins)):
            rows.append(_row(f"registry /health/live {name}", await _probe_while(http, work), base))
    return rows
