"""API problems as a person reads them: by the problem's ``type`` (``urn:kesbang:problem:<kind>``),
never the English ``detail``. Field errors are named by the field's label. No I/O."""

from __future__ import annotations

import re
from typing import Any

from services.web.domain.labels import FIELDS

TITLES = {
    "invalid": "Isian belum benar. Periksa kolom yang ditandai.",
    "not-found": "Data tidak ditemukan, atau berada di luar wilayah Anda.",
    "out-of-scope": "Data tidak ditemukan, atau berada di luar wilayah Anda.",
    "not-allowed": "Anda tidak berwenang melakukan tindakan ini.",
    "unauthenticated": "Sesi Anda telah berakhir. Silakan masuk kembali.",
    "stale-version": "Data ini baru saja diubah orang lain. Muat ulang halaman, lalu ulangi perubahan Anda.",
    "transition-not-allowed": "Tindakan ini tidak dapat dilakukan pada status data saat ini.",
    "conflict": "Tindakan ini bertentangan dengan data yang sudah ada.",
    "duplicate": "Data dengan nama atau singkatan yang sama sudah tercatat di wilayah ini.",
    "too-large": "Berkas atau isian terlalu besar.",
    "too-many-requests": "Terlalu banyak percobaan. Tunggu sebentar, lalu coba lagi.",
    "outbox-full": "Sistem sedang sibuk memproses perubahan. Coba lagi sebentar lagi.",
    "unavailable": "Layanan sedang tidak dapat dihubungi. Coba lagi sebentar lagi.",
    "gone": "Data ini sudah tidak tersedia.",
}

# what the APIs say of a field (pydantic's words and the services' own), in Indonesian
_FIELD_MESSAGES = [
    (re.compile(r"already on row (\d+)", re.I), "Ormas yang sama sudah ada di baris {0}."),
    (re.compile(r"acronym of another ormas", re.I), "Singkatan ini sudah dipakai ormas lain di wilayah ini."),
    (re.compile(r"only a verifier, the head or an admin", re.I),
     "Ormas ber-SKT hanya dapat diimpor oleh verifikator, kepala, atau administrator."),
    (re.compile(r"legal entity holds no SKT", re.I), "Badan hukum tidak memiliki SKT."),
    (re.compile(r"needs its date of issue", re.I), "SKT memerlukan tanggal terbit."),
    (re.compile(r"before the date of issue", re.I), "Lebih awal dari tanggal terbit."),
    (re.compile(r"publishing needs the letter's (.+)", re.I), "Surat undangan belum lengkap: isi nomor, sifat, lampiran, perihal, nama dan jabatan penanda tangan."),
    (re.compile(r"publishing needs at least one invitee", re.I), "Belum ada yang diundang. Atur undangan dulu."),
    (re.compile(r"in the past cannot be published|new start must be in the future", re.I),
     "Waktu mulai sudah lewat. Ubah jadwalnya, atau catat sebagai kegiatan yang sudah terjadi."),
    (re.compile(r"must be after starts_at", re.I), "Selesai harus sesudah mulai."),
    (re.compile(r"lasts at most 31 days", re.I), "Sebuah kegiatan paling lama 31 hari."),
    (re.compile(r"starts at the earliest 3 hours", re.I), "Kegiatan baru dapat dimulai paling cepat 3 jam sebelum jadwalnya."),
    (re.compile(r"needs a reason", re.I), "Tuliskan alasannya."),
    (re.compile(r"name at least one delegate", re.I), "Tulis nama sedikitnya satu utusan."),
    (re.compile(r"at most (\d+) delegate", re.I), "Paling banyak {0} utusan per ormas."),
    (re.compile(r"answers closed|no longer takes answers", re.I), "Konfirmasi untuk kegiatan ini sudah ditutup."),
    (re.compile(r"has taken place for this participant", re.I), "Peserta ini sudah tercatat hadir."),
    (re.compile(r"frozen at publish", re.I), "Daftar undangan sudah dikunci saat kegiatan diterbitkan."),
    (re.compile(r"outside the organising office's region|outside the region", re.I), "Ormas ini di luar wilayah penyelenggara."),
    (re.compile(r"unknown ormas", re.I), "Ormas ini tidak ada di buku ormas."),
    (re.compile(r"answers must close before", re.I), "Batas konfirmasi harus sebelum kegiatan mulai."),
    (re.compile(r"in the future", re.I), "Tanggal ini belum terjadi."),
    (re.compile(r"not a date", re.I), "Bukan tanggal. Tulis mis. 2018-04-10, 10/04/2018 atau 10 April 2018."),
    (re.compile(r"needs its Kemenkumham decree", re.I), "Badan hukum memerlukan nomor SK Kemenkumham."),
    (re.compile(r"only a perkumpulan or yayasan", re.I), "Hanya perkumpulan atau yayasan yang memiliki SK Kemenkumham."),
    (re.compile(r"must contain letters or digits", re.I), "Harus memuat huruf atau angka."),
    (re.compile(r"at most (\d+) fields of activity", re.I), "Paling banyak {0} bidang."),
    (re.compile(r"empty field of activity", re.I), "Ada bidang yang kosong."),
    (re.compile(r"is not one of|must be one of", re.I), "Bukan pilihan yang dikenal."),
    (re.compile(r"required|missing", re.I), "Wajib diisi."),
    (re.compile(r"at least (\d+) character", re.I), "Terlalu pendek: minimal {0} karakter."),
    (re.compile(r"at most (\d+) character", re.I), "Terlalu panjang: maksimal {0} karakter."),
    (re.compile(r"control character|line break", re.I), "Mengandung karakter yang tidak diizinkan."),
    (re.compile(r"e-?mail", re.I), "Alamat surel tidak valid."),
    (re.compile(r"phone|E\.164|number", re.I), "Nomor tidak valid."),
    (re.compile(r"region|wilayah|unknown code", re.I), "Kode wilayah tidak dikenal atau di luar wilayah Anda."),
    (re.compile(r"wrong password", re.I), "Kata sandi salah."),
    (re.compile(r"date", re.I), "Tanggal tidak valid."),
    (re.compile(r"pattern|match", re.I), "Format tidak sesuai."),
    (re.compile(r"input should be|not a valid|invalid", re.I), "Isian tidak valid."),
]


def title(kind: str) -> str:
    return TITLES.get(kind, TITLES["unavailable"])


# what a field's value must look like, when the API's words name no rule this module knows
_BY_FIELD = {
    "phone": "Nomor telepon tidak valid. Contoh: 0343 421234 atau 0812 3456 7890.",
    "whatsapp": "Nomor WhatsApp harus nomor ponsel. Contoh: 0812 3456 7890.",
    "email": "Alamat surel tidak valid. Contoh: sekretariat@ormas.or.id.",
    "region": "Kode wilayah tidak dikenal atau di luar wilayah Anda. Contoh: 35.75.",
    "npwp": "NPWP tidak valid.",
    "skt_number_format": "Format nomor SKT hanya boleh memuat {seq}, {year}, {office} dan {region}, "
                         "mis. 220/{seq:04d}/SKT/{office}/{year}.",
    "presence_number_format": "Format nomor hanya boleh memuat {seq}, {year}, {office} dan {region}, "
                              "mis. 220/{seq:04d}/SKK/{office}/{year}.",
    "head_nip": "NIP terdiri atas 18 angka.",
    "username": "Gunakan huruf kecil, angka, titik, garis bawah atau tanda hubung (3–64 karakter).",
}


def field_message(message: str, field: str = "") -> str:
    if field in _BY_FIELD and not re.search(r"required|missing|at least|at most|control character", message or "", re.I):
        return _BY_FIELD[field]
    for pattern, text in _FIELD_MESSAGES:
        m = pattern.search(message or "")
        if m:
            return text.format(*m.groups())
    return "Isian tidak valid."


def field_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    """``{field: Indonesian message}``; a nested field (``body.address.street``) by its last parts."""
    out: dict[str, str] = {}
    for e in errors:
        field = str(e.get("field") or "").removeprefix("body.")
        if field and field not in out:
            out[field] = field_message(str(e.get("message") or ""), field)
    return out


def field_label(field: str) -> str:
    return FIELDS.get(field, FIELDS.get(field.split(".")[0], field))
