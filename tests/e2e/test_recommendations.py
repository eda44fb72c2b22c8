"""Another department (perangkat daerah, role ``opd``) searches the office's book by bidang — the
ormas's public contacts only — and asks for a recommendation, which the office answers from its
home page (article 002): through the APIs and in the browser."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.events_support import create_ormas
from tests.e2e.web_support import look, make_account, signed_in

pytestmark = pytest.mark.e2e
REGION = "36.72"  # Kota Cilegon: no other test records there


async def test_a_department_finds_ormas_by_bidang_and_the_office_recommends_some(browser, platform, headers):
    tag = uuid.uuid4().hex[:6]
    bidang = f"pemuda{tag}"
    op = headers("operator", REGION)
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        ormas = [await create_ormas(reg, op, name=f"Karang Taruna Cilegon {tag} {i}", kind="okp", region=REGION,
                                    legal_form="yayasan", decree_number=f"AHU-01{i}{uuid.uuid4().int % 10**5:05d}.AH.01.04.2021",
                                    bidang=[bidang], email=f"kt{i}.{tag}@ormas.example.org", phone="081234500077")
                 for i in range(2)]

    department = await signed_in(browser, platform, await make_account(platform, headers, "opd", REGION),
                                 home=r"/rekomendasi$")
    await department.get_by_label("Bidang", exact=True).fill(bidang)
    await department.get_by_role("button", name="Cari").click()
    for o in ormas:
        await expect(department.get_by_role("cell", name=re.compile(re.escape(o["name"])))).to_be_visible()
    await expect(department.get_by_text(f"kt0.{tag}@ormas.example.org")).to_be_visible()  # the ormas's own contact
    await department.goto("/ormas")  # the office's book pages are not the department's
    await expect(department.get_by_role("heading", name=re.compile("tidak|Tidak"))).to_be_visible()
    await department.goto("/rekomendasi")
    await department.get_by_label("Dinas/badan").fill("Dinas Pemuda dan Olahraga Kota Cilegon")
    await department.get_by_label("Keperluan").fill(f"Pelatihan kepemimpinan pemuda {tag}")
    await department.get_by_label("Bidang ormas yang dicari").fill(bidang)
    await department.get_by_role("button", name="Kirim permintaan").click()
    await expect(department.get_by_text("Permintaan rekomendasi terkirim ke kantor Kesbangpol.")).to_be_visible()
    await look(department, "rekomendasi-opd")

    office = await signed_in(browser, platform, await make_account(platform, headers, "operator", REGION))
    await office.get_by_role("link", name="Dinas Pemuda dan Olahraga Kota Cilegon").click()
    await office.get_by_label(ormas[0]["name"]).check()
    await office.get_by_label("Catatan untuk perangkat daerah").fill("Aktif membina pemuda di tiga kecamatan.")
    await look(office, "rekomendasi-jawab")
    await office.get_by_role("button", name="Kirim rekomendasi").click()
    await expect(office).to_have_url(re.compile(r"/beranda$"))

    await department.goto("/rekomendasi")
    answered = department.locator("article", has_text=f"Pelatihan kepemimpinan pemuda {tag}")
    await expect(answered).to_contain_text("dijawab")
    await expect(answered).to_contain_text(ormas[0]["name"])
    await expect(answered).to_contain_text("Aktif membina pemuda di tiga kecamatan.")
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=30) as reg:
        asked = (await reg.get("/recommendation-requests", headers=op)).json()
        mine = [a for a in asked if tag in a["subject"]]
        assert mine and mine[0]["status"] == "answered"
        r = await reg.post(f"/recommendation-requests/{mine[0]['id']}/answer", json={"ormas_ids": [ormas[1]["id"]]},
                           headers=op)
        assert r.status_code == 409  # answered once
