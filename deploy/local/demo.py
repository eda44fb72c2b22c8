"""``make demo``: a believable office to look at on a running platform (development keys only).

Kota Pasuruan's Bakesbangpol as of April 2018 (article 000: "329 ormas hold an SKT"): its office
settings, its book of about 400 ormas imported from a spreadsheet as the office keeps it (329 with
an SKT valid on 30 April 2018, the others lapsed or never registered), one account per role with
printed passwords, and one facilitation day in draft. Running it again records nothing twice and
gives the accounts new passwords."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import random
import secrets
import sys

import httpx
from openpyxl import Workbook

from deploy.local import stack
from shared import auth

CITY, PROVINCE = "35.75", "35"
VALID, LAPSED, UNREGISTERED = 329, 31, 40
ACCOUNTS = [("admin.pasuruan", "Administrator Bakesbangpol Kota Pasuruan", "admin", CITY),
            ("operator.pasuruan", "Siti Aminah (operator)", "operator", CITY),
            ("verifikator.pasuruan", "Bambang Wicaksono (verifikator)", "verifier", CITY),
            ("kepala.pasuruan", "Drs. H. Mas Djoko Baroto, M.Si.", "head", CITY),
            ("analis.pasuruan", "Rina Kusumawati (analis)", "analyst", CITY),
            ("analis.jatim", "Analis Bakesbangpol Provinsi Jawa Timur", "analyst", PROVINCE)]
OFFICE = {"name": "Badan Kesatuan Bangsa dan Politik Kota Pasuruan",
          "letterhead": ["PEMERINTAH KOTA PASURUAN", "BADAN KESATUAN BANGSA DAN POLITIK",
                         "Jl. Pahlawan No. 28, Kota Pasuruan, Jawa Timur 67115"],
          "address": "Jl. Pahlawan No. 28, Kota Pasuruan", "head_name": "Drs. H. Mas Djoko Baroto, M.Si.",
          "head_title": "Kepala Badan Kesatuan Bangsa dan Politik", "skt_number_format": "220/{seq:04d}/SKT/423.202/{year}"}
PREFIXES = ["Paguyuban", "Forum Komunikasi", "Ikatan", "Persatuan", "Himpunan", "Perkumpulan", "Gerakan",
            "Lembaga Pemberdayaan", "Komunitas", "Majelis Taklim", "Karang Taruna", "Serikat", "Gabungan",
            "Lembaga Kajian", "Pusat Studi", "Badan Kerja Sama", "Solidaritas"]
SUBJECTS = ["Nelayan", "Pedagang Pasar Besar", "Seniman", "Peduli Lingkungan", "Pemerhati Pendidikan",
            "Keluarga Madura", "Petani", "Pengusaha Muda", "Penyandang Disabilitas", "Pecinta Alam", "Guru Ngaji",
            "Wanita Tani", "Tukang Becak", "Pengrajin Bordir", "Pelestari Sejarah", "Remaja Masjid", "Pemuda Kampung",
            "Pedagang Kaki Lima", "Purnawirawan", "Peternak", "Relawan Bencana", "Ibu-Ibu PKK", "Santri",
            "Perempuan Pesisir", "Pemerhati Kesehatan"]
PLACES = ["Bugul Kidul", "Gadingrejo", "Panggungrejo", "Purworejo", "Kebonsari", "Tembokrejo", "Trajeng",
          "Blandongan", "Krapyakrejo", "Karanganyar", "Bakalan", "Pekuncen", "Kandangsapi", "Mayangan",
          "Ngemplakrejo", "Kebonagung", "Bukir", "Sebani", "Tapaan", "Petahunan", "Kota Pasuruan"]
BIDANG = ["sosial", "pendidikan", "keagamaan", "lingkungan", "ekonomi", "budaya", "kepemudaan", "kesehatan"]
KINDS = [("Ormas", 6), ("LSM", 2), ("OKP", 1), ("Keagamaan", 1)]


def book() -> bytes:
    """The office's spreadsheet: the same rows every time (a fixed seed)."""
    rnd = random.Random(2018)
    names: list[str] = []
    while len(names) < VALID + LAPSED + UNREGISTERED:
        n = f"{rnd.choice(PREFIXES)} {rnd.choice(SUBJECTS)} {rnd.choice(PLACES)}"
        if n not in names:
            names.append(n)
    kinds = [k for k, w in KINDS for _ in range(w)]
    wb = Workbook()
    ws = wb.active
    ws.append(["Nama Ormas", "Jenis", "Kode Wilayah", "Alamat", "Email", "No. HP", "Bidang", "Nomor SKT", "Tanggal SKT"])
    for i, name in enumerate(names):
        if i < VALID:  # valid on 30 April 2018: issued within the five years before
            issued = dt.date(2013, 5, 2) + dt.timedelta(days=rnd.randrange(0, (dt.date(2018, 4, 10) - dt.date(2013, 5, 2)).days))
        elif i < VALID + LAPSED:
            issued = dt.date(2009, 1, 5) + dt.timedelta(days=rnd.randrange(0, 1400))
        else:
            issued = None
        skt = f"220/{i + 1:04d}/SKT/423.202/{issued.year}" if issued else ""
        phone = f"0812{rnd.randrange(10_000_000, 99_999_999)}" if rnd.random() < 0.6 else ""
        email = f"sekretariat{i + 1}@ormas-pasuruan.example.id" if rnd.random() < 0.7 else ""
        ws.append([name, rnd.choice(kinds), CITY, f"Jl. {rnd.choice(PLACES)} No. {rnd.randrange(1, 120)}", email, phone,
                   ", ".join(rnd.sample(BIDANG, rnd.choice([1, 1, 2]))), skt, issued])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def token(role: str, region: str) -> dict[str, str]:
    key = (stack.DATA / "keys" / "jwt-dev-private.pem").read_bytes()
    return {"Authorization": "Bearer " + auth.mint(key, subject="make-demo", role=role, region=region,
                                                   issuer="kesbang-registry", audience="kesbang",
                                                   ttl=dt.timedelta(minutes=10))}


async def main() -> int:
    urls = {s: f"http://{stack.HOST}:{stack.PORTS[s]}" for s in ("registry", "events", "web")}
    city_admin = token("admin", CITY)
    async with httpx.AsyncClient(base_url=urls["registry"], timeout=120) as reg:
        try:
            await reg.get("/health/ready")
        except httpx.HTTPError:
            print("make demo: the platform is not running (make run first)", file=sys.stderr)
            return 1
        r = await reg.put(f"/offices/{CITY}", json=OFFICE, headers=token("admin", ""))
        r.raise_for_status()
        printed = []
        for username, full_name, role, region in ACCOUNTS:
            password = "-".join(secrets.token_hex(2) for _ in range(4))  # 19 characters, easy to type
            r = await reg.post("/users", json={"username": username, "full_name": full_name, "role": role,
                                               "region": region, "password": password}, headers=token("admin", ""))
            if r.status_code == 409:  # there from an earlier run: a new password
                r = await reg.post(f"/users/{username}/password", json={"password": password}, headers=token("admin", ""))
            r.raise_for_status()
            printed.append((username, role, region, password))
        r = await reg.post("/ormas/imports", headers=city_admin, files={"file": (
            "buku-ormas-kota-pasuruan-april-2018.xlsx", book(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
        r.raise_for_status()
        imported = r.json()
    async with httpx.AsyncClient(base_url=urls["events"], timeout=60) as ev:
        title = "Fasilitasi Pemberdayaan Ormas dan LSM"
        existing = (await ev.get("/kegiatan", params={"region": CITY, "limit": 200}, headers=token("operator", CITY))).json()
        if not any(k["title"] == title for k in existing["items"]):
            day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)
            start = dt.datetime.combine(day, dt.time(1, 0), dt.UTC)  # 08.00 WIB
            r = await ev.post("/kegiatan", headers=token("operator", CITY), json={
                "title": title, "type": "fasilitasi", "theme": "Peran ormas dalam menjaga kerukunan di Kota Pasuruan",
                "venue_name": "Rumah Makan Gedoeng Woloe", "venue_region": CITY, "starts_at": start.isoformat(),
                "ends_at": (start + dt.timedelta(hours=8)).isoformat(),
                "rsvp_cutoff": (start - dt.timedelta(days=3)).isoformat(),
                "letter": {"number": "005/{n}/423.202/2026".format(n=secrets.randbelow(900) + 100), "nature": "Penting",
                           "attachment": "-", "subject": "Undangan", "signatory_name": OFFICE["head_name"],
                           "signatory_title": "Kepala Bakesbangpol Kota Pasuruan"}})
            r.raise_for_status()
    accounts_file = stack.DATA / "demo-accounts.txt"
    accounts_file.write_text("".join(f"{u}\t{role}\t{region or 'nasional'}\t{p}\n" for u, role, region, p in printed))
    accounts_file.chmod(0o600)
    print(f"\nKantor contoh siap: Bakesbangpol Kota Pasuruan, April 2018 — {imported['created']} ormas baru dicatat, "
          f"{imported['already_recorded']} sudah ada.")
    print(f"Buka {urls['web']} dan masuk dengan salah satu akun berikut (juga di {accounts_file}):\n")
    for username, role, region, password in printed:
        print(f"  {username:22} {role:9} {region or 'nasional':8} kata sandi: {password}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
