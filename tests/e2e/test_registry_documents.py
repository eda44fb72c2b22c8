"""An ormas's documents through the registry's API: the checklist fills as documents arrive; files
are checked by content and size; other regions see nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture()
async def http(platform):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=60) as client:
        yield client


async def _ormas(http, headers, **over):
    r = await http.post("/ormas", json={"name": f"Berkas {uuid.uuid4().hex[:8]}", "kind": "ormas", "region": "35.75",
                                        **over}, headers=headers("operator", "35.75"))
    assert r.status_code == 201
    return r.json()


async def test_the_checklist_fills_and_a_file_comes_back_as_uploaded(http, headers):
    op = headers("operator", "35.75")
    o = await _ormas(http, headers, kind="keagamaan")
    listing = (await http.get(f"/ormas/{o['id']}/documents", headers=op)).json()
    types = [c["type"] for c in listing["checklist"]]
    assert "rekomendasi_kemenag" in types and "pernyataan_bukan_parpol" in types and not listing["complete"]
    r = await http.post(f"/ormas/{o['id']}/documents", data={"type": "akta_pendirian", "number": "12/2019"},
                        files={"file": ("akta.pdf", PDF, "application/pdf")}, headers={**op, "If-Match": '"1"'})
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"2"'
    listing = r.json()
    assert next(c for c in listing["checklist"] if c["type"] == "akta_pendirian")["present"]
    for t in types[1:]:
        r = await http.post(f"/ormas/{o['id']}/documents", data={"type": t},
                            files={"file": (f"{t}.png", PNG, "image/png")}, headers=op)
        assert r.status_code == 201, r.text
    assert r.json()["complete"] is True
    first = listing["documents"][0]
    got = await http.get(f"/ormas/{o['id']}/documents/{first['id']}", headers=headers("analyst", "35"))
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert (await http.get(f"/ormas/{o['id']}/documents/{first['id']}",
                           headers=headers("analyst", "33"))).status_code == 404


async def test_a_legal_entity_needs_its_decree_not_the_skt_statements(http, headers):
    o = await _ormas(http, headers, legal_form="yayasan", decree_number="AHU-0012345.AH.01.04.2020")
    listing = (await http.get(f"/ormas/{o['id']}/documents", headers=headers("operator", "35.75"))).json()
    types = {c["type"] for c in listing["checklist"]}
    assert "sk_kemenkumham" in types and "pernyataan_bukan_parpol" not in types


@pytest.mark.parametrize("name,content,ctype,field", [
    ("x.exe", b"MZ\x90\x00binary", "application/pdf", "file"),  # claims PDF, is not
    ("x.pdf", PDF, "image/png", "file"),  # the declared type contradicts the bytes
    ("x.pdf", b"", "application/pdf", "file"),
    ("x.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf", "file"),  # over 10 MB
])
async def test_a_bad_upload_gets_422_naming_the_field_and_changes_nothing(http, headers, name, content, ctype, field):
    op = headers("operator", "35.75")
    o = await _ormas(http, headers)
    r = await http.post(f"/ormas/{o['id']}/documents", data={"type": "program_kerja"},
                        files={"file": (name, content, ctype)}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    assert (await http.get(f"/ormas/{o['id']}", headers=op)).json()["version"] == 1


async def test_an_unknown_document_type_is_refused(http, headers):
    o = await _ormas(http, headers)
    r = await http.post(f"/ormas/{o['id']}/documents", data={"type": "ktp"},
                        files={"file": ("x.pdf", PDF, "application/pdf")}, headers=headers("operator", "35.75"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "type"
