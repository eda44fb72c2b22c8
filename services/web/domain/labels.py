"""What a person reads for each code the APIs use, in Bahasa Indonesia. No I/O."""

from __future__ import annotations

MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")

ROLES = {"operator": "Operator", "verifier": "Verifikator", "head": "Kepala", "analyst": "Analis",
         "admin": "Administrator", "ormas": "Pengurus ormas", "opd": "OPD"}

KINDS = {"ormas": "Ormas", "lsm": "LSM", "okp": "OKP", "profesi": "Organisasi profesi",
         "keagamaan": "Organisasi keagamaan", "asing": "Ormas asing"}

LEGAL_FORMS = {"perkumpulan": "Perkumpulan berbadan hukum", "yayasan": "Yayasan",
               "tidak_berbadan_hukum": "Tidak berbadan hukum"}

SCOPES = {"nasional": "Nasional", "provinsi": "Provinsi", "kabupaten_kota": "Kabupaten/kota"}

STATUSES = {
    "unregistered": "Tidak terdaftar", "legal_entity": "Berbadan hukum", "draft": "Draf permohonan",
    "submitted": "Permohonan masuk", "in_verification": "Dalam verifikasi", "revision_requested": "Perlu perbaikan",
    "rejected": "Ditolak", "registered": "Terdaftar (SKT berlaku)", "expiring": "SKT segera berakhir",
    "expired": "SKT berakhir", "suspended": "Kegiatan dihentikan sementara", "revoked": "SKT dicabut",
    "dissolved": "Dibubarkan",
}

ACTIONS = {
    "forward": "Teruskan ke Kemendagri", "record_kemendagri_skt": "Catat SKT dari Kemendagri",
    "start_application": "Mulai permohonan SKT", "submit": "Ajukan permohonan",
    "start_verification": "Mulai verifikasi", "check_documents": "Catat pemeriksaan dokumen",
    "record_field_visit": "Catat kunjungan lapangan", "request_revision": "Minta perbaikan",
    "reject": "Tolak permohonan", "register": "Terbitkan SKT", "mark_expiring": "Tandai segera berakhir",
    "expire": "Tandai SKT berakhir", "renew": "Perpanjang SKT", "warn": "Beri peringatan tertulis",
    "suspend": "Hentikan kegiatan sementara", "revoke_skt": "Cabut SKT", "dissolve": "Bubarkan",
    "lift_sanction": "Cabut sanksi", "updated": "Data diubah", "officers_changed": "Susunan pengurus diganti",
    "created": "Dicatat", "document_added": "Dokumen diunggah",
}

AUTHORITIES = {"bupati_walikota": "Bupati/Wali Kota", "gubernur": "Gubernur", "mendagri": "Menteri Dalam Negeri",
               "menkumham": "Menteri Hukum dan HAM", "pengadilan": "Pengadilan"}

# what each action asks for on its form
NEEDS_REASON = {"forward", "request_revision", "reject", "warn", "suspend", "revoke_skt", "dissolve", "lift_sanction"}
NEEDS_AUTHORITY = {"warn", "suspend", "revoke_skt", "dissolve", "lift_sanction"}
DANGEROUS = {"reject", "revoke_skt", "dissolve", "suspend"}

FIELDS = {
    "name": "Nama", "acronym": "Singkatan", "kind": "Jenis", "legal_form": "Bentuk", "scope": "Lingkup",
    "region": "Wilayah", "bidang": "Bidang", "email": "Surel", "phone": "Telepon", "whatsapp": "WhatsApp",
    "npwp": "NPWP", "founding_date": "Tanggal berdiri", "decree_number": "Nomor SK Kemenkumham",
    "address": "Alamat", "address.street": "Alamat", "reason": "Alasan", "authority": "Pejabat yang menetapkan",
    "username": "Nama pengguna", "password": "Kata sandi", "current_password": "Kata sandi sekarang",
    "new_password": "Kata sandi baru", "full_name": "Nama lengkap", "role": "Peran", "file": "Berkas",
    "visited_on": "Tanggal kunjungan", "field_visit_outcome": "Hasil kunjungan", "notes": "Catatan",
    "documents_complete": "Dokumen lengkap", "repeat_password": "Ulangi kata sandi", "code": "Kode pemasangan",
    "letterhead": "Kop surat", "head_name": "Nama kepala", "head_title": "Jabatan kepala", "head_nip": "NIP kepala",
    "skt_number_format": "Format nomor SKT",
    "presence_number_format": "Format nomor surat keterangan keberadaan", "skt_number": "Nomor SKT", "skt_issued_on": "Tanggal SKT",
    "skt_valid_until": "Berlaku sampai", "street": "Alamat", "address_region": "Kecamatan",
    "title": "Nama kegiatan", "type": "Jenis kegiatan", "theme": "Tema", "venue_name": "Tempat",
    "venue_region": "Kode wilayah tempat", "venue_address": "Alamat tempat", "starts_at": "Mulai", "ends_at": "Selesai",
    "start_date": "Tanggal mulai", "start_time": "Jam mulai", "end_date": "Tanggal selesai", "end_time": "Jam selesai",
    "seats_per_ormas": "Utusan per ormas", "capacity": "Kapasitas", "speakers": "Narasumber", "agenda": "Susunan acara",
    "letter": "Surat undangan", "letter_number": "Nomor surat", "letter_nature": "Sifat surat",
    "letter_attachment": "Lampiran", "letter_subject": "Perihal", "letter_place": "Tempat surat",
    "letter_signatory_name": "Nama penanda tangan", "letter_signatory_title": "Jabatan penanda tangan",
    "letter_signatory_nip": "NIP penanda tangan", "guests": "Tamu", "ormas_ids": "Ormas yang dipilih",
    "rule": "Aturan undangan", "rule_region": "Wilayah aturan", "invitees": "Undangan", "rsvp_cutoff": "Batas konfirmasi",
    "delegates": "Utusan", "attending": "Jawaban", "via": "Diterima lewat", "minutes": "Notulen", "text": "Isi",
    "topic": "Topik", "raised_by": "Disampaikan oleh", "follow_up_owner": "Penanggung jawab", "note": "Catatan",
    "participant_ids": "Peserta", "valid_skt_on": "SKT berlaku pada", "action": "Tindakan",
}


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return "—"
    return table.get(code, code.replace("_", " "))
