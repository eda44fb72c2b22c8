"""The certificate of attendance (sertifikat) of a training, for a participant present on every one
of its days: an A4 landscape PDF in the letters' Unicode fonts, under the office's letterhead. No
I/O: the caller gives the kegiatan, the person, the office copy and the fonts."""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

from fpdf import FPDF

from services.notifications.domain import documents, letters
from services.notifications.domain.letters import TYPE_NAMES, government
from shared import regions, tanggal


def _t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def pdf(kegiatan: Mapping[str, Any], *, name: str, institution: str | None, number: str, office: Mapping[str, Any] | None,
        signatory_name: str | None, signatory_title: str | None, fonts,
        verification: letters.Verification | None = None, signing: letters.Signing | None = None) -> bytes:
    """The certificate, with its verification code and QR code, signed when ``signing`` is given."""
    office = office or {}
    zone = kegiatan["venue"]["zone"]
    start, end = _t(kegiatan["starts_at"]), _t(kegiatan["ends_at"])
    days = (end.astimezone(regions.ZONES[zone]).date() - start.astimezone(regions.ZONES[zone]).date()).days + 1
    head = [line for line in office.get("letterhead") or [] if line.strip()] or \
        [government(kegiatan["organiser"]["region"]), kegiatan["organiser"]["name"].upper()]
    doc = FPDF(orientation="L", format="A4")
    doc.add_font("Serif", "", fonts.regular)
    doc.add_font("Serif", "B", fonts.bold)
    doc.add_font("Arab", "", fonts.arabic)
    doc.set_fallback_fonts(["Arab"])
    doc.set_auto_page_break(False)
    doc.add_page()
    doc.set_line_width(1.2)
    doc.rect(10, 10, 277, 190)
    logo = office.get("logo")
    if logo and logo["media_type"] == "image/png":
        doc.image(io.BytesIO(base64.b64decode(logo["data"])), x=138.5 - 10, y=16, h=20)
    doc.set_y(40 if logo else 20)
    doc.set_font("Serif", "B", 13)
    for line in head:
        doc.cell(0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(8)
    doc.set_font("Serif", "B", 30)
    doc.cell(0, 14, "SERTIFIKAT", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Serif", "", 12)
    doc.cell(0, 7, f"Nomor: {number}", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.cell(0, 7, "diberikan kepada", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Serif", "B", 22)
    doc.multi_cell(0, 11, name, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Serif", "", 12)
    if institution:
        doc.multi_cell(0, 7, institution, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    what = TYPE_NAMES.get(kegiatan["type"], kegiatan["type"])
    doc.multi_cell(0, 7, f"atas kehadirannya sebagai peserta {what} \u201c{kegiatan['title']}\u201d selama {days} hari, "
                         f"{tanggal.rentang(start, end, zone)}, di {kegiatan['venue']['name']}.", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    doc.set_xy(180, 160)
    doc.multi_cell(95, 6, signatory_title or office.get("head_title") or "Kepala", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_xy(180, 182)
    doc.set_font("Serif", "B", 12)
    doc.multi_cell(95, 6, signatory_name or office.get("head_name") or "", align="C")
    if verification:
        documents.draw_qr(doc, documents.Qr(16, 168, 26, verification.url))
        doc.set_font("Serif", "", 8)
        doc.set_xy(43, 178)
        doc.multi_cell(120, 4, "Ditandatangani secara elektronik. Periksa keasliannya di\n"
                               f"{verification.url}\nKode verifikasi: {documents.spaced(verification.code)}")
    if signing is None:
        return bytes(doc.output())
    return documents.Template(doc, charset="").render(cms=signing.cms, signer_name=signing.signer,
                                                      reason="Sertifikat kehadiran", location=signing.location)
