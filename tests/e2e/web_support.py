"""What the browser tests of the web application share: accounts to sign in with, signing in, and
a look at a page — axe-core at phone and desktop width (no serious or critical violation) and a
screenshot of each into .data/screenshots/web/."""

from __future__ import annotations

import re
import uuid

import httpx
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from deploy.local import stack

PASSWORD = "rahasia-kantor-2026"
SHOTS = stack.DATA / "screenshots" / "web"
WIDTHS = (390, 1366)


async def make_account(platform, headers, role: str, region: str) -> str:
    """A new account of this role and region, made by a national admin; its username."""
    username = f"{role}.{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        r = await reg.post("/users", json={"username": username, "full_name": f"{role.title()} {region or 'Nasional'}",
                                           "role": role, "region": region, "password": PASSWORD},
                           headers=headers("admin", ""))
    assert r.status_code == 201, r.text
    return username


async def signed_in(browser, platform, username: str, home: str = r"/beranda$"):
    context = await browser.new_context(base_url=platform.urls["web"], viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    await page.goto("/masuk")
    await page.get_by_label("Nama pengguna").fill(username)
    await page.get_by_label("Kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page).to_have_url(re.compile(home))
    return page


async def look(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        results = await Axe().run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name} at {width}px: " + "; ".join(
            f"{v['id']}: {v['help']} ({', '.join(str(n['target']) for n in v['nodes'][:3])})" for v in bad)
        await page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    await page.set_viewport_size({"width": 1366, "height": 900})
