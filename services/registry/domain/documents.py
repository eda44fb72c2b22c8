"""The documents an SKT application needs, and what an upload must be. No I/O.

Permendagri 57/2017 lists what an ormas without legal-entity status files for its SKT; a legal
entity files its Kemenkumham decree instead. A religious ormas adds the recommendation of the
Ministry of Religious Affairs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from shared.errors import FieldError

TYPES: dict[str, str] = {
    "akta_pendirian": "Akta pendirian memuat AD/ART (akta notaris)",
    "program_kerja": "Program kerja",
    "sk_pengurus": "Surat keputusan dan susunan pengurus",
    "surat_domisili": "Surat keterangan domisili sekretariat",
    "npwp": "NPWP atas nama ormas",
    "pernyataan_tidak_sengketa": "Surat pernyataan tidak dalam sengketa kepengurusan atau perkara di pengadilan",
    "pernyataan_bukan_parpol": "Surat pernyataan tidak berafiliasi dengan partai politik",
    "pernyataan_laporan": "Surat pernyataan kesanggupan melaporkan kegiatan",
    "bukti_kantor": "Bukti kepemilikan atau kontrak kantor sekretariat",
    "rekomendasi_kemenag": "Rekomendasi Kementerian Agama",
    "sk_kemenkumham": "Surat keputusan pengesahan badan hukum dari Kemenkumham",
    "lainnya": "Dokumen lain",
}
_SKT = ("akta_pendirian", "program_kerja", "sk_pengurus", "surat_domisili", "npwp", "pernyataan_tidak_sengketa",
        "pernyataan_bukan_parpol", "pernyataan_laporan", "bukti_kantor")
_LEGAL_ENTITY = ("sk_kemenkumham", "akta_pendirian", "sk_pengurus", "surat_domisili", "npwp")
MAX_BYTES = 10 * 1024 * 1024
# content type → the bytes such a file starts with
SIGNATURES = {"application/pdf": (b"%PDF-",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}


class BadUpload(FieldError):
    """An uploaded document is not acceptable (its type, size or content)."""


def required(legal_form: str, kind: str) -> list[str]:
    docs = list(_LEGAL_ENTITY if legal_form in ("perkumpulan", "yayasan") else _SKT)
    if kind == "keagamaan":
        docs.append("rekomendasi_kemenag")
    return docs


def checklist(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    have = {d["type"] for d in record.get("documents") or []}
    return [{"type": t, "label": TYPES[t], "present": t in have}
            for t in required(record.get("legal_form", "tidak_berbadan_hukum"), record["kind"])]


def missing(record: Mapping[str, Any]) -> list[str]:
    return [c["type"] for c in checklist(record) if not c["present"]]


def check_upload(data: bytes, content_type: str | None, doc_type: str) -> tuple[str, str]:
    """The content type the bytes really are and their SHA-256, or BadUpload."""
    if doc_type not in TYPES:
        raise BadUpload("type", f"must be one of {', '.join(TYPES)}")
    if not data:
        raise BadUpload("file", "is empty")
    if len(data) > MAX_BYTES:
        raise BadUpload("file", f"is larger than {MAX_BYTES // (1024 * 1024)} MB")
    actual = next((ct for ct, sigs in SIGNATURES.items() if any(data.startswith(s) for s in sigs)), None)
    if actual is None:
        raise BadUpload("file", "only PDF, JPEG and PNG files are accepted")
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", actual):
        raise BadUpload("file", f"declared {declared} but the content is {actual}")
    return actual, hashlib.sha256(data).hexdigest()
