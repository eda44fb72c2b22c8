"""What the early-warning tests share: a report's body, a team member, an office's API client."""

from __future__ import annotations

import base64
import uuid

import httpx

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def report_body(**over) -> dict:
    body = {"title": "Ketegangan antarkelompok menjelang Pilkada",
            "chronology": "Dua kelompok pendukung saling ancam di media sosial dan berkumpul di balai kelurahan.",
            "location_code": "35.75.01.1001", "category": "politik_pemilu", "violence": "ancaman", "spread": False,
            "people_estimate": 40, "parties": [{"name": "Kelompok pendukung A"}, {"name": "Kelompok pendukung B"}],
            "source_kind": "anggota_tim"}
    body.update(over)
    return body


async def add_member(ew: httpx.AsyncClient, headers: dict, **fields) -> dict:
    r = await ew.post("/team", json={"name": f"Anggota {uuid.uuid4().hex[:4]}", **fields}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def create_report(ew: httpx.AsyncClient, headers: dict, **over) -> dict:
    r = await ew.post("/reports", json=report_body(**over), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def step(ew: httpx.AsyncClient, headers: dict, report: dict, path: str, body: dict) -> dict:
    r = await ew.post(f"/reports/{report['id']}/{path}", json=body, headers={**headers, "If-Match": f'"{report["version"]}"'})
    assert r.status_code in (200, 201), r.text
    return r.json()
