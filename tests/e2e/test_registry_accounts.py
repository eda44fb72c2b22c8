"""Offices, accounts and tokens: an admin creates an operator, the operator logs in, and the token
works on every service, verified with the key the registry publishes."""

from __future__ import annotations

import uuid

import httpx
import jwt
import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture()
async def http(platform):
    async with httpx.AsyncClient(base_url=platform.urls["registry"], timeout=20) as client:
        yield client


async def test_an_operator_created_by_an_admin_logs_in_and_is_scoped(http, headers, platform):
    admin = headers("admin", "35")
    username = f"op.{uuid.uuid4().hex[:8]}"
    r = await http.post("/users", json={"username": username, "full_name": "Operator Kota Pasuruan",
                                        "role": "operator", "region": "35.75", "password": "rahasia-yang-panjang"},
                        headers=admin)
    assert r.status_code == 201, r.text
    assert (await http.post("/users", json={"username": username, "full_name": "x", "role": "operator",
                                            "region": "35.75", "password": "rahasia-yang-panjang"},
                            headers=admin)).status_code == 409
    wrong = await http.post("/auth/token", data={"username": username, "password": "rahasia-yang-salah"})
    assert wrong.status_code == 401
    r = await http.post("/auth/token", data={"username": username, "password": "rahasia-yang-panjang"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    token = r.json()["access_token"]
    keys = (await http.get("/.well-known/jwks.json")).json()["keys"]
    key = jwt.PyJWK(keys[0])
    assert jwt.get_unverified_header(token)["kid"] == keys[0]["kid"]
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience="kesbang")
    assert claims["sub"] == username and claims["role"] == "operator" and claims["region"] == "35.75"
    bearer = {"Authorization": f"Bearer {token}"}
    created = await http.post("/ormas", json={"name": f"Ormas Login {uuid.uuid4().hex[:6]}", "kind": "ormas",
                                              "region": "35.75"}, headers=bearer)
    assert created.status_code == 201
    assert (await http.post("/ormas", json={"name": "Di Luar", "kind": "ormas", "region": "35.73"},
                            headers=bearer)).status_code == 404
    async with httpx.AsyncClient(timeout=20) as other:  # the same token on another service
        r = await other.get(f"{platform.urls['reporting']}/stats/ormas", params={"region": "35.75"}, headers=bearer)
        assert r.status_code == 200


@pytest.mark.parametrize("username,password", [("nobody", "rahasia-yang-panjang"), ("admin.x", "salah")])
async def test_a_wrong_login_is_401_and_says_nothing_more(http, username, password):
    r = await http.post("/auth/token", data={"username": username, "password": password})
    assert r.status_code == 401 and r.json()["detail"].endswith("wrong username or password")


@pytest.mark.parametrize("body,status,field", [
    ({"role": "operator", "region": "35.73"}, 404, None),  # a province admin of 33 cannot create in 35
    ({"role": "operator", "region": "33.26", "password": "pendek"}, 422, "password"),
    ({"role": "raja", "region": "33.26"}, 422, "role"),
    ({"role": "operator", "region": "33.99"}, 422, "region"),
])
async def test_account_bad_input(http, headers, body, status, field):
    base = {"username": f"u.{uuid.uuid4().hex[:6]}", "full_name": "X", "password": "rahasia-yang-panjang"}
    r = await http.post("/users", json={**base, **body}, headers=headers("admin", "33"))
    assert r.status_code == status, r.text
    if field:
        assert any(e["field"] == field for e in r.json()["errors"])


async def test_only_an_admin_manages_accounts(http, headers):
    r = await http.post("/users", json={"username": "x.y.z", "full_name": "X", "role": "admin", "region": "",
                                        "password": "rahasia-yang-panjang"}, headers=headers("operator", "35.75"))
    assert r.status_code == 403


async def test_an_offices_skt_format_numbers_its_registrations(http, headers):
    region = "35.73"  # Kota Malang: other tests number Kota Pasuruan's SKTs with the default format
    fmt = "220/{seq:03d}/35.73.100/SKT/{year}"
    r = await http.put(f"/offices/{region}", json={"name": "Badan Kesatuan Bangsa dan Politik Kota Malang",
                                                   "head_name": "Kepala Bakesbangpol Kota Malang",
                                                   "head_title": "Kepala Bakesbangpol", "skt_number_format": fmt},
                       headers=headers("admin", region))
    assert r.status_code == 200 and r.json()["region_name"] == "Kota Malang"
    bad = await http.put(f"/offices/{region}", json={"name": "Kantor", "skt_number_format": "SKT/{year}"},
                         headers=headers("admin", region))
    assert bad.status_code == 422
    op, verifier = headers("operator", region), headers("verifier", region)
    o = (await http.post("/ormas", json={"name": f"Format {uuid.uuid4().hex[:6]}", "kind": "ormas", "region": region},
                         headers=op)).json()
    for who, action, extra in ((op, "start_application", {}), (op, "submit", {}), (verifier, "start_verification", {}),
                               (verifier, "check_documents", {"documents_complete": True}),
                               (verifier, "record_field_visit", {"field_visit_outcome": "sesuai", "visited_on": "2026-11-01"}),
                               (verifier, "register", {})):
        r = await http.post(f"/ormas/{o['id']}/transitions", json={"action": action, **extra}, headers=who)
        assert r.status_code == 200, r.text
    number = r.json()["skt"]["number"]
    assert number.startswith("220/") and number.endswith("/35.73.100/SKT/2026")
