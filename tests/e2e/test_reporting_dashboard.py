"""The dashboard in a real browser (Playwright driving Debian's Chromium), in the web application
under the analyst's own session: the province's headline figures and its cities, drill-down to a
city, the filters, a registry write showing up on the next look, the nation's trends; reporting's
old address redirects there."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.web_support import look, make_account, signed_in
from tests.helpers import eventually

pytestmark = pytest.mark.e2e


async def test_the_dashboard_shows_a_province_and_drills_down_to_a_city(platform, headers, browser):
    # Provinsi Bali (51): its figures come only from this test
    op = headers("operator", "51.71")  # Kota Denpasar
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        for i in range(3):
            r = await reg.post("/ormas", json={"name": f"Ormas Dasbor {tag} {i}", "kind": "lsm" if i else "ormas",
                                               "region": "51.71"}, headers=op)
            assert r.status_code == 201
    analyst = headers("analyst", "51")
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        async def three():
            s = (await rp.get("/stats/ormas", params={"region": "51"}, headers=analyst)).json()
            return s if s["total"] >= 3 else None

        api = await eventually(three, what="the ormas in reporting")

    page = await signed_in(browser, platform, await make_account(platform, headers, "analyst", "51"))
    await page.goto(platform.urls["reporting"] + "/dashboard?region=51")  # the old address: to the web's
    await expect(page.locator("#title")).to_have_text("Dasbor Bali")
    assert page.url.startswith(platform.urls["web"] + "/dasbor")
    await look(page, "dasbor")
    await expect(page.locator("#c-ormas")).to_have_text(str(api["total"]))
    denpasar = page.locator("#children a", has_text="Kota Denpasar")
    await expect(denpasar).to_be_visible()
    assert await page.locator("#children tbody tr").count() == 9  # Bali's 8 regencies and 1 city

    await denpasar.click()
    await expect(page.locator("#title")).to_have_text("Dasbor Kota Denpasar")
    await expect(page.locator("#c-ormas")).to_have_text(str(api["by_child"]["51.71"]))
    assert "region=51.71" in page.url
    await page.select_option("#kind", "lsm")
    await page.click("button[type=submit]")
    await expect(page.locator("#c-ormas")).to_have_text("2")  # the two LSM of this test, and no other

    # a new ormas in the registry shows on the next refresh of the figures
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        await reg.post("/ormas", json={"name": f"Ormas Dasbor {tag} baru", "kind": "lsm", "region": "51.71"}, headers=op)

    async def three_lsm():
        await page.click("button[type=submit]")
        return await page.locator("#c-ormas").text_content() == "3"

    await eventually(three_lsm, timeout=30, interval=0.5, what="the new ormas on the dashboard")
    await page.goto(platform.urls["web"] + "/dasbor?region=52")  # Nusa Tenggara Barat: outside
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tidak ditemukan")


async def test_the_nation_drills_down_to_a_province_and_a_city_and_back_with_its_trends(platform, headers, browser):
    """A national analyst: the 38 provinces, Gorontalo, Kota Gorontalo, then up again; the trend
    charts show this month's new ormas as the API counts them."""
    import datetime as dt

    op = headers("operator", "75.71")  # Kota Gorontalo
    tag = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        for i in range(2):
            r = await reg.post("/ormas", json={"name": f"Ormas Nasional {tag} {i}", "kind": "okp", "region": "75.71"},
                               headers=op)
            assert r.status_code == 201
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    national = headers("analyst", "")
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        async def counted():
            s = (await rp.get("/stats/ormas", params={"region": "75.71"}, headers=national)).json()
            return s if s["recorded_by_month"].get(month, 0) >= 2 else None

        city = await eventually(counted, what="the city's new ormas in reporting")
        nation = (await rp.get("/stats/ormas", headers=national)).json()
    assert nation["region"] == "" and nation["parent"] is None and len(nation["children"]) == 38
    assert list(city["recorded_by_month"])[-1] == month and len(city["recorded_by_month"]) == 24
    assert len(city["skt_ending_by_month"]) == 12 and list(city["skt_ending_by_month"])[0] == month

    page = await signed_in(browser, platform, await make_account(platform, headers, "analyst", ""))
    await page.goto(platform.urls["web"] + "/dasbor")
    await expect(page.locator("#title")).to_have_text("Dasbor Indonesia")
    await expect(page.locator("#children tbody tr")).to_have_count(38)
    await expect(page.locator("#crumbs a")).to_have_count(0)  # the top: nowhere to go up
    await page.locator("#children a", has_text="Gorontalo").first.click()
    await expect(page.locator("#title")).to_have_text("Dasbor Gorontalo")
    await page.locator("#children a", has_text="Kota Gorontalo").click()
    await expect(page.locator("#title")).to_have_text("Dasbor Kota Gorontalo")
    assert "region=75.71" in page.url
    bulan = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"][int(month[5:]) - 1]
    last = page.locator("#trend-recorded-table tbody tr").last  # the figures under the chart
    await expect(last).to_have_text(f"{bulan} {month[2:4]}{city['recorded_by_month'][month]}")
    await expect(page.locator("#trend-recorded-table tbody tr")).to_have_count(24)
    await expect(page.locator("#trend-ending-table tbody tr")).to_have_count(12)
    drawn = await page.evaluate("""() => ['trend-recorded', 'trend-ending'].map(id => {
        const c = Chart.getChart(id); return [c.config.type, c.data.labels.length, c.data.datasets[0].data.at(-1)]; })""")
    assert drawn[0] == ["bar", 24, city["recorded_by_month"][month]] and drawn[1][:2] == ["bar", 12]
    await page.click("#crumbs a")
    await expect(page.locator("#title")).to_have_text("Dasbor Gorontalo")
    await page.click("#crumbs a")
    await expect(page.locator("#title")).to_have_text("Dasbor Indonesia")


async def test_business_figures_reach_prometheus(platform, headers):
    """Grafana reads the same figures from /metrics: ormas by province and status, SKT states,
    kegiatan and participation over twelve months."""
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        r = await reg.post("/ormas", json={"name": f"Ormas Metrik {uuid.uuid4().hex[:6]}", "kind": "ormas",
                                           "region": "52.71"}, headers=headers("operator", "52.71"))  # Kota Mataram
        assert r.status_code == 201
    async with httpx.AsyncClient(base_url=platform.urls["reporting"], timeout=30) as rp:
        async def exposed():
            text = (await rp.get("/metrics")).text
            line = next((x for x in text.splitlines()
                         if x.startswith('kesbang_ormas{province="52",status="unregistered"}')), None)
            return line if line and float(line.split()[-1]) >= 1 else None

        await eventually(exposed, timeout=60, interval=1, what="the province's ormas on /metrics")
        text = (await rp.get("/metrics")).text
        assert 'kesbang_skt{province="52",state="expired"}' in text
        assert 'kesbang_participation_12_months{province="35",state="invited"}' in text
