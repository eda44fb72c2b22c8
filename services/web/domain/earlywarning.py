"""The early-warning pages' words and form fields: labels in Bahasa Indonesia, the severity rubric
as an office reads it, and the report form ⇄ the early-warning API's body. No I/O."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from typing import Any

from services.web.domain.kegiatan import STATUSES as KEGIATAN_STATUSES
from shared import regions

__all__ = ["KEGIATAN_STATUSES"]  # a linked kegiatan's status, on a report's page

CATEGORIES = {"politik_pemilu": "Politik/pemilu", "sara": "SARA (suku, agama, ras, antargolongan)",
              "sengketa_lahan": "Sengketa lahan/sumber daya alam", "antarkelompok": "Antarkelompok/ormas",
              "ketimpangan_ekonomi": "Ketimpangan ekonomi", "unjuk_rasa": "Unjuk rasa", "lainnya": "Lainnya"}
SEVERITIES = {"rendah": "Rendah", "sedang": "Sedang", "tinggi": "Tinggi", "kritis": "Kritis"}
STATUSES = {"diterima": "Diterima", "diverifikasi": "Diverifikasi", "tidak_terbukti": "Tidak terbukti",
            "ditangani": "Ditangani", "selesai": "Selesai"}
SOURCES = {"anggota_tim": "Anggota tim terpadu", "staf": "Staf kantor", "ormas": "Ormas", "publik": "Masyarakat"}
VIOLENCE = {"tidak_ada": ("Belum ada ancaman", "ketegangan, isu, atau provokasi"),
            "ancaman": ("Ada ancaman atau pengerahan massa", "ancaman terbuka, ajakan berkumpul, mobilisasi"),
            "bentrok": ("Terjadi bentrokan fisik", "perkelahian atau bentrok antarkelompok"),
            "korban": ("Ada korban atau kerusakan", "orang terluka atau meninggal, bangunan atau harta rusak")}
RUBRIC = ("Kritis: ada korban atau kerusakan, atau 1.000 orang atau lebih.",
          "Tinggi: bentrokan fisik, 100 orang atau lebih, atau ancaman yang meluas ke luar desa/kelurahan.",
          "Sedang: ancaman atau pengerahan massa, 20 orang atau lebih, atau meluas ke luar desa/kelurahan.",
          "Rendah: ketegangan, isu atau provokasi tanpa hal di atas.")
STEPS = {"verifikasi": "Terverifikasi", "tolak": "Tidak terbukti", "tangani": "Mulai ditangani", "selesai": "Selesai"}
MAX_PHOTOS = 3
MAX_PHOTO = 2 * 1024 * 1024


class FormError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def location_of(values: Mapping[str, str]) -> str:
    """The deepest place chosen: desa/kelurahan, else kecamatan, else kabupaten/kota."""
    for key in ("desa", "kecamatan", "kabupaten"):
        if (values.get(key) or "").strip():
            return values[key].strip()
    return ""


def report_body(values: Mapping[str, str], photos: list[tuple[str, bytes]], *, public: bool,
                now: dt.datetime) -> dict[str, Any]:
    """The API's body from the form (FormError names each field a person must fix)."""
    errors: dict[str, str] = {}
    location = location_of(values)
    if len(location.split(".")) < 2:
        errors["kabupaten"] = "Pilih kabupaten/kota tempat kejadian (dan kecamatan serta desa/kelurahan bila tahu)."
    title, chronology = (values.get("title") or "").strip(), (values.get("chronology") or "").strip()
    if len(title) < 3:
        errors["title"] = "Tulis judul singkat kejadian (paling sedikit 3 huruf)."
    if len(chronology) < 10:
        errors["chronology"] = "Ceritakan kronologi kejadian (paling sedikit 10 huruf)."
    if values.get("category") not in CATEGORIES:
        errors["category"] = "Pilih kategori."
    if values.get("violence") not in VIOLENCE:
        errors["violence"] = "Pilih keadaan yang paling sesuai."
    people = (values.get("people_estimate") or "").strip()
    if people and (not people.isdigit() or int(people) > 10_000_000):
        errors["people_estimate"] = "Tulis perkiraan jumlah orang dengan angka."
    occurred = None
    when = (values.get("occurred_at") or "").strip()
    if when:
        try:
            zone = regions.ZONES[regions.zone_of(location[:2] or "31")]
            occurred = dt.datetime.fromisoformat(when).replace(tzinfo=zone)
            if occurred > now + dt.timedelta(minutes=5):
                errors["occurred_at"] = "Waktu kejadian tidak boleh di masa depan."
        except ValueError:
            errors["occurred_at"] = "Tulis tanggal dan jam kejadian."
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = f"Paling banyak {MAX_PHOTOS} foto."
    for name, data in photos:
        if len(data) > MAX_PHOTO or not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG")):
            errors["photos"] = f"{name}: foto harus JPEG atau PNG, paling besar 2 MB."
    if errors:
        raise FormError(errors)
    body: dict[str, Any] = {
        "title": title, "chronology": chronology, "location_code": location, "category": values["category"],
        "violence": values["violence"], "spread": values.get("spread") == "1",
        "people_estimate": int(people) if people else None,
        "address": (values.get("address") or "").strip() or None,
        "parties": [{"name": p.strip()} for p in (values.get("parties") or "").split(",") if p.strip()][:20],
        "photos": [{"name": n[:120], "data_base64": base64.b64encode(d).decode()} for n, d in photos],
        "reporter_name": (values.get("reporter_name") or "").strip() or None,
        "reporter_contact": (values.get("reporter_contact") or "").strip() or None,
    }
    body["parties"] += [{"ormas_id": o} for o in (values.get("ormas_ids") or "").split(",") if o.strip()][:20]
    if occurred is not None:
        body["occurred_at"] = occurred.isoformat()
    if not public:
        body["source_kind"] = values.get("source_kind") if values.get("source_kind") in ("anggota_tim", "staf", "publik") else "staf"
    return body


API_FIELDS = {"location_code": "kabupaten", "occurred_at": "occurred_at", "photos": "photos", "parties": "parties"}


def form_errors(api_errors: list[Mapping[str, Any]]) -> dict[str, str]:
    """The API's 422 on the form: each error under the field a person sees."""
    out = {}
    for e in api_errors:
        field = str(e.get("field") or "").split(".")[0]
        out[API_FIELDS.get(field, field)] = {
            "kabupaten": "Tempat kejadian tidak dikenal.", "parties": "Ormas yang dipilih tidak ada di buku ormas.",
            "photos": "Foto harus JPEG atau PNG, paling besar 2 MB.",
            "occurred_at": "Waktu kejadian tidak boleh di masa depan."}.get(API_FIELDS.get(field, field),
                                                                            "Periksa isian ini.")
    return out


FIELD_LABELS = {"kabupaten": "Tempat kejadian", "title": "Judul laporan", "chronology": "Kronologi",
                "category": "Kategori", "violence": "Keadaan", "people_estimate": "Perkiraan jumlah orang",
                "occurred_at": "Waktu kejadian", "photos": "Foto", "parties": "Pihak yang terlibat"}
