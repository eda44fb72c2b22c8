"""The registry's letter of an ormas registered with its office: the Surat Keterangan Terdaftar
(or, where Kemendagri issued the SKT, the office's surat keterangan keberadaan), one A4 page under
the office's letterhead, signed like the invitations and with its verification code
(``documents.py``). No I/O: the caller gives the ormas as the registry holds it, the office's
settings and the fonts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from services.notifications.domain import documents, letters
from shared import regions, tanggal

KINDS = {"ormas": "Organisasi Kemasyarakatan", "lsm": "Lembaga Swadaya Masyarakat", "okp": "Organisasi Kepemudaan",
         "profesi": "Organisasi Profesi", "keagamaan": "Organisasi Keagamaan", "asing": "Ormas Asing"}
LEGAL_FORMS = {"perkumpulan": "Perkumpulan berbadan hukum", "yayasan": "Yayasan",
               "tidak_berbadan_hukum": "Tidak berbadan hukum"}


class RegistryLetterError(letters.LetterError):
    """The ormas has no registration to write a letter of."""


@dataclasses.dataclass(frozen=True)
class Kind:
    """Which letter the office writes: its own SKT (Surat Keterangan Terdaftar), or — where the
    Minister issued the SKT through Kemendagri (Permendagri 57/2017) — its surat keterangan
    keberadaan, numbered from its own sequence and naming the SKT Kemendagri issued."""

    kind: str
    title: str
    number: str
    dated: dt.date
    prefix: str
    reason: str
    filename: str


def kind_of(ormas: Mapping[str, Any]) -> Kind:
    skt = ormas.get("skt") or {}
    if not skt.get("number") or not skt.get("valid_until"):
        raise RegistryLetterError("skt", "the ormas has no registration (SKT number and validity) to write a letter of")
    if skt.get("issuer") == "kemendagri":
        if not skt.get("presence_number"):
            raise RegistryLetterError("skt.presence_number", "the office's number for its letter is needed")
        return Kind("surat_keterangan_keberadaan", "Surat Keterangan Keberadaan", skt["presence_number"],
                    _date(skt.get("presence_issued_on") or skt.get("issued_on") or skt["valid_until"]), "skk",
                    "Surat keterangan keberadaan", "surat-keterangan-keberadaan.pdf")
    return Kind("surat_keterangan_terdaftar", "Surat Keterangan Terdaftar", skt["number"],
                _date(skt.get("issued_on") or skt["valid_until"]), "skt", "Surat keterangan terdaftar",
                "surat-keterangan-terdaftar.pdf")


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def fields(ormas: Mapping[str, Any], office: Mapping[str, Any] | None) -> dict[str, Any]:
    letter = kind_of(ormas)
    skt = ormas["skt"]
    office = office or {}
    region = ormas["office_region"]
    head_name, head_title = office.get("head_name"), office.get("head_title")
    if not head_name or not head_title:
        raise RegistryLetterError("office", "the office's settings need the head's name and title")
    kop = letters.office_fields(office, region)
    place = letters.place_of(region)
    issued = _date(skt.get("issued_on") or skt["valid_until"])
    address = ormas.get("address") or {}
    where = ", ".join(x for x in (address.get("street"), regions.get(address.get("region") or "").name
                                  if regions.get(address.get("region") or "") else None) if x)
    return {**kop, "letter": letter, "number": letter.number, "skt_number": skt["number"],
            "place_date": f"{place}, {tanggal.tanggal(letter.dated)}",
            "name": ormas["name"], "acronym": ormas.get("acronym"), "kind": KINDS.get(ormas["kind"], ormas["kind"]),
            "legal_form": LEGAL_FORMS.get(ormas.get("legal_form") or "", ormas.get("legal_form") or "-"),
            "bidang": ", ".join(ormas.get("bidang") or []) or "-", "address": where or "-",
            "issued": tanggal.tanggal(issued), "valid_until": tanggal.tanggal(_date(skt["valid_until"])),
            "head_name": head_name, "head_title": head_title, "head_nip": office.get("head_nip")}


def pdf(ormas: Mapping[str, Any], office: Mapping[str, Any] | None, fonts, *,
        verification: letters.Verification | None = None, signing: letters.Signing | None = None) -> bytes:
    f = fields(ormas, office)
    doc = letters._document(fonts)
    letters.letterhead(doc, f)
    doc.ln(4)
    doc.set_font("Serif", "B", 13)
    doc.cell(0, 7, f["letter"].title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Serif", size=11)
    doc.cell(0, 6, f"Nomor: {f['number']}", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.multi_cell(0, 6, f"{f['head_title']} dengan ini menerangkan bahwa organisasi:", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    for label, key in (("Nama", "name"), ("Singkatan", "acronym"), ("Jenis", "kind"), ("Bentuk", "legal_form"),
                       ("Bidang kegiatan", "bidang"), ("Alamat sekretariat", "address")):
        doc.set_x(30)
        doc.cell(42, 6, label)
        doc.multi_cell(0, 6, f": {f[key] or '-'}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    if f["letter"].kind == "surat_keterangan_keberadaan":
        said = (f"berkedudukan dan beraktivitas di wilayah kerja {f['office_name']} dan telah tercatat pada kantor "
                f"ini. Organisasi tersebut telah memperoleh Surat Keterangan Terdaftar dari Menteri Dalam Negeri "
                f"Nomor {f['skt_number']} tanggal {f['issued']} yang berlaku sampai dengan {f['valid_until']} "
                "(Permendagri 57/2017). Organisasi tersebut wajib menyampaikan laporan kegiatannya secara berkala.")
    else:
        said = (f"telah terdaftar pada {f['office_name']} dan diberikan Surat Keterangan Terdaftar yang berlaku "
                f"sejak {f['issued']} sampai dengan {f['valid_until']}. Organisasi tersebut wajib menyampaikan "
                "laporan kegiatannya secara berkala dan memperbarui pendaftarannya sebelum masa berlakunya berakhir.")
    doc.multi_cell(0, 6, said, new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.multi_cell(0, 6, "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya.",
                   new_x="LMARGIN", new_y="NEXT")
    letters.signatory(doc, doc.get_y() + 8, f"{f['place_date']}\n{f['head_title']}", f["head_name"], f["head_nip"],
                      f["signature"], name_at=32)
    letters.verification_note(doc, f["office_name"])
    documents.draw(doc, *letters.verification_block(verification))
    if signing is None:
        return bytes(doc.output())
    return documents.Template(doc, charset="").render(cms=signing.cms, signer_name=signing.signer,
                                                      reason=f["letter"].reason, location=signing.location)
