"""Page render times of the web application over a province's book (``BENCH_ONLY=web``): the home,
a search over the whole book, and an ormas page, each against the API calls the page makes, made
directly in the same run (the baseline). Nothing is asserted; the target is p95 under 300 ms."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import uuid

import httpx

from deploy.local import stack
from shared import auth, regions
from tests.bench import registry_scale
from tests.bench.common import pct, ratio, run_concurrently

N = int(os.environ.get("BENCH_WEB_REQUESTS", 200))
CONCURRENCY = int(os.environ.get("BENCH_WEB_CONCURRENCY", 4))
CITY = "35.78"  # Kota Surabaya: the largest city of registry_scale's book
# an analyst of the province: the home, a search and an ormas page over all of Jawa Timur's book
PASSWORD = "rahasia-bench-2026"


def _row(name: str, seconds: float, lat: list[float]) -> dict:
    return {"name": name, "requests": len(lat), "per_s": round(len(lat) / seconds, 1),
            "p50_ms": round(pct(lat, 50) * 1000, 1), "p95_ms": round(pct(lat, 95) * 1000, 1),
            "p99_ms": round(pct(lat, 99) * 1000, 1)}


async def _pair(name: str, page, baseline) -> list[dict]:
    await run_concurrently(20, CONCURRENCY, page)  # warm-up
    await run_concurrently(20, CONCURRENCY, baseline)
    web = _row(f"web page: {name}", *await run_concurrently(N, CONCURRENCY, page))
    api = _row(f"baseline: the API calls of {name}", *await run_concurrently(N, CONCURRENCY, baseline))
    web["p95_ratio_to_baseline"] = ratio(web["p95_ms"], api["p95_ms"])
    return [web, api]


async def run(p: stack.IsolatedPlatform) -> list[dict]:
    key = (stack.DATA / "keys" / "jwt-dev-private.pem").read_bytes()

    def bearer(role: str, region: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + auth.mint(key, subject="bench", role=role, region=region,
                                                       issuer="kesbang-registry", audience="kesbang")}

    rows: list[dict] = []
    async with httpx.AsyncClient(base_url=p.urls["registry"], timeout=120) as reg:
        if not (await reg.get("/ormas", params={"region": CITY, "limit": 1}, headers=bearer("analyst", "35"))).json()["items"]:
            rows.append(await registry_scale.fill_by_import(p, {r.code: auth.mint(
                key, subject="bench", role="admin", region=r.code, issuer="kesbang-registry", audience="kesbang")
                for r in regions.children("35")}))
        username = f"bench.{uuid.uuid4().hex[:6]}"
        (await reg.post("/users", headers=bearer("admin", ""), json={
            "username": username, "full_name": "Analis Bench", "role": "analyst", "region": "35",
            "password": PASSWORD})).raise_for_status()
        token = (await reg.post("/auth/token", data={"username": username, "password": PASSWORD})).json()["access_token"]
        ormas_id = (await reg.get("/ormas", params={"region": CITY, "limit": 1}, headers=bearer("analyst", "35"))).json()["items"][0]["id"]

    limits = httpx.Limits(max_connections=CONCURRENCY * 2)
    async with httpx.AsyncClient(base_url=p.urls["web"], timeout=60, limits=limits) as web, \
            httpx.AsyncClient(timeout=60, limits=limits) as api:
        form = (await web.get("/masuk")).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        r = await web.post("/masuk", data={"username": username, "password": PASSWORD, "csrf": csrf})
        assert r.status_code == 303, r.text  # a benchmark that cannot sign in measures nothing
        h = {"Authorization": f"Bearer {token}"}
        u = p.urls

        async def page(path):
            r = await web.get(path)
            r.raise_for_status()

        async def calls(*reqs):
            for r in await asyncio.gather(*(api.get(url, params=params, headers=h) for url, params in reqs)):
                if r.status_code != 404:  # as the page: an ormas reporting has not counted yet has no engagement
                    r.raise_for_status()

        soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        rows += await _pair("beranda (home)", lambda i: page("/beranda"), lambda i: calls(
            (f"{u['registry']}/ormas", {"status": ["submitted", "in_verification"], "sort": "name", "limit": 10}),
            (f"{u['registry']}/ormas", {"status": ["registered", "expiring"], "skt_expiring_before": soon, "limit": 10}),
            (f"{u['reporting']}/stats/ormas", {}), (f"{u['events']}/kegiatan", {"limit": 50}),
            (f"{u['registry']}/ormas/worklist", {})))
        words = ["Pemuda Bangsa", "Lestari", "Harapan Jaya", "Rukun Sentosa"]
        rows += await _pair("search over the book", lambda i: page(f"/ormas?q={words[i % 4]}&region=35"),
                            lambda i: calls((f"{u['registry']}/ormas", {"q": words[i % 4], "region": "35", "limit": 25})))
        rows += await _pair("one ormas", lambda i: page(f"/ormas/{ormas_id}"), lambda i: calls(
            *[(f"{u['registry']}/ormas/{ormas_id}{s}", None) for s in ("", "/history", "/officers", "/documents")],
            (f"{u['reporting']}/stats/ormas/{ormas_id}/engagement", None)))
    return rows
