"""The invitation as an Indonesian formal letter (surat undangan) — text, HTML and PDF with the
participant's check-in QR code — and the short text WhatsApp and SMS carry. No I/O: every function
takes the ``invited`` event's data and returns what is sent.

A letter that cannot be written (missing letter data) raises ``LetterError`` naming the field: the
preview shows it before publishing; a worker never meets it at send time."""

from __future__ import annotations

import base64
import collections
import dataclasses
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from fpdf import FPDF

from services.notifications.domain import documents
from shared import regions, tanggal
from shared.errors import FieldError

TYPE_NAMES = {"fasilitasi": "Fasilitasi Pemberdayaan Organisasi Kemasyarakatan", "dialog": "Dialog",
              "pelatihan": "Pelatihan", "apel": "Apel", "silaturahmi": "Silaturahmi", "sosialisasi": "Sosialisasi",
              "rapat_koordinasi": "Rapat Koordinasi"}
REQUIRED = ("number", "nature", "attachment", "subject", "signatory_name", "signatory_title")


class LetterError(FieldError):
    """The letter cannot be written from this data."""


def _t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def government(region: str) -> str:
    """The first line of the letterhead: PEMERINTAH KOTA PASURUAN / … PROVINSI DKI JAKARTA."""
    r = regions.get(region)
    if r is None:
        return "KEMENTERIAN DALAM NEGERI REPUBLIK INDONESIA"
    name = f"PROVINSI {r.name}" if r.kind == "provinsi" else r.name
    return f"PEMERINTAH {name}".upper()


def addressee(data: Mapping[str, Any]) -> str:
    r = data["recipient"]
    if data.get("kind", "ormas") == "ormas":
        return f"Ketua {r['name']}"
    return ", ".join(x for x in (r.get("name"), r.get("position")) if x)


def fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the letter says, in Bahasa Indonesia, or LetterError."""
    k = data["kegiatan"]
    letter = k.get("letter") or {}
    missing = [f for f in REQUIRED if not str(letter.get(f) or "").strip()]
    if missing:
        raise LetterError("letter", f"the letter needs its {', '.join(missing)}")
    zone = k["venue"]["zone"]
    start, end = _t(k["starts_at"]), _t(k["ends_at"])
    venue = ", ".join(x for x in (k["venue"]["name"], k["venue"].get("address"), k["venue"].get("region_name")) if x)
    place = letter.get("place") or place_of(k["organiser"]["region"])
    # dated as the office set it, or the day it is sent in the office's zone (``sent_on``, given by the sender)
    dated = tanggal.tanggal(dt.date.fromisoformat(letter.get("date") or data["sent_on"]))
    cutoff = _t(data["rsvp_cutoff"])
    office = data.get("office") or {}
    kop = office_fields(office, k["organiser"]["region"], k["organiser"]["name"], k["organiser"].get("address"))
    return {
        **kop, "office_name": k["organiser"]["name"], "place_date": f"{place}, {dated}",
        # the head's signature image, where the office set one and the head signs the letter
        "signature_image": kop["signature"] if kop["signature"] and
        (office.get("head_name") or "").strip() == letter["signatory_name"].strip() else None,
        "number": letter["number"], "nature": letter["nature"], "attachment": letter["attachment"],
        "subject": letter["subject"], "to": addressee(data),
        "event": k["title"], "event_type": TYPE_NAMES.get(k["type"], k["type"]), "theme": k.get("theme"),
        "day_date": tanggal.rentang(start, end, zone), "time": f"{tanggal.jam(start, zone)} s.d. selesai",
        "venue": venue, "seats": data["seats"],
        "agenda": [f"{a['time']} {a['title']}" if a.get("time") else a["title"] for a in k.get("agenda") or []],
        "speakers": [", ".join(x for x in (s["name"], s.get("position")) if x) for s in k.get("speakers") or []],
        "rsvp_url": data.get("short_url") or data["rsvp_url"],  # the short link where the invitation has one
        "rsvp_by": f"{tanggal.hari_tanggal(cutoff, zone)} pukul {tanggal.jam(cutoff, zone)}",
        "signatory_title": letter["signatory_title"], "signatory_name": letter["signatory_name"],
        "signatory_nip": letter.get("signatory_nip"), "checkin_token": data["checkin_token"],
    }


def _body(f: Mapping[str, Any]) -> list[str]:
    seats = "1 (satu) orang pengurus" if f["seats"] == 1 else f"paling banyak {f['seats']} orang utusan"
    return [
        "Dengan hormat,",
        f"Dalam rangka kegiatan {f['event_type']} \"{f['event']}\""
        + (f" dengan tema \"{f['theme']}\"" if f["theme"] else "")
        + f", bersama ini kami mengundang {seats} untuk hadir pada:",
    ]


# One template per document and format (``services/notifications/templates``): the e-mail's
# text and HTML here, the PDF drawn below from the same fields.
_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("services.notifications", "templates"),
                                undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                autoescape=jinja2.select_autoescape(["html.j2"]))


def _context(f: Mapping[str, Any]) -> dict[str, Any]:
    contacts = " · ".join(x for x in (f.get("office_phone") and f"Telp. {f['office_phone']}", f.get("office_email"),
                                      f.get("office_website")) if x)
    logo = f"data:{f['logo'][0]};base64,{base64.b64encode(f['logo'][1]).decode()}" if f.get("logo") else None
    return {**f, "body": _body(f), "contacts": contacts, "logo_src": logo}


def text(data: Mapping[str, Any]) -> str:
    return _TEMPLATES.get_template("undangan.txt.j2").render(_context(fields(data)))


def html_letter(data: Mapping[str, Any]) -> str:
    return _TEMPLATES.get_template("undangan.html.j2").render(_context(fields(data)))


def short_text(data: Mapping[str, Any]) -> str:
    """The WhatsApp / SMS invitation: who, what, when, where, and the RSVP link."""
    f = fields(data)
    return (f"Yth. {f['to']}. {f['office_name']} mengundang Saudara pada {f['event']}, {f['day_date']} pukul "
            f"{f['time'].split(' s.d.')[0]} di {f['venue']}. Konfirmasi: {f['rsvp_url']}")


ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
VARIABLE = ("to", "rsvp_url", "checkin_token")  # each copy's own: the rest is the same for a kegiatan's letters
IMAGE_BYTES = ("logo", "signature", "signature_image")  # in the template's key by their hashes (``images``)
NAME_LINES = 3
FOOTER = 258  # mm from the top: the verification block


@dataclasses.dataclass(frozen=True)
class Signing:
    """How a letter is signed: ``cms`` (digest → CMS signed data, ``adapters/signing.py``) and the
    signature's names."""
    cms: Callable[[bytes], bytes]
    signer: str
    location: str
    reason: str = "Surat resmi kantor"


@dataclasses.dataclass(frozen=True)
class Verification:
    code: str
    url: str  # the public page of this document


@dataclasses.dataclass(frozen=True)
class _Slots:
    addressee: float  # top of the addressee block (x 110)
    qr: float  # top of the RSVP / check-in QR code (x 20)


def _document(fonts) -> FPDF:
    doc = FPDF(format="A4")
    doc.add_font("Serif", "", fonts.regular)
    doc.add_font("Serif", "B", fonts.bold)
    doc.add_font("Arab", "", fonts.arabic)
    doc.set_fallback_fonts(["Arab"])
    doc.set_margins(20, 15, 20)
    doc.set_auto_page_break(False)
    return doc


def letterhead(doc: FPDF, f: Mapping[str, Any]) -> None:
    """The kop surat at the top of a new A4 page: logo, letterhead lines, address and contacts, the
    double rule (``f``: ``letterhead``, ``logo``, ``office_address``, ``office_phone``, … as
    :func:`office_fields` gives them)."""
    doc.add_page()
    if f["logo"] and f["logo"][0] == "image/png":  # an SVG logo shows in the HTML letter
        doc.image(io.BytesIO(f["logo"][1]), x=20, y=12, h=22)
    doc.set_font("Serif", "B", 13)
    for line in f["letterhead"]:
        doc.set_x(45 if f["logo"] else 20)
        doc.cell(145 if f["logo"] else 0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Serif", size=9)
    if f["office_address"]:
        doc.cell(0, 5, f["office_address"], align="C", new_x="LMARGIN", new_y="NEXT")
    contacts = " · ".join(x for x in (f.get("office_phone") and f"Telp. {f['office_phone']}", f.get("office_email"),
                                      f.get("office_website")) if x)
    if contacts:
        doc.cell(0, 4.5, contacts, align="C", new_x="LMARGIN", new_y="NEXT")
    y = doc.get_y() + 1
    doc.line(20, y, 190, y)
    doc.line(20, y + 0.8, 190, y + 0.8)
    doc.set_y(y + 4)
    doc.set_font("Serif", size=11)


def place_of(region: str) -> str:
    """Where an office writes its letters from: "Pasuruan" for Kota Pasuruan; Jakarta nationally."""
    r = regions.get(region)
    return r.name.removeprefix("Kota ").removeprefix("Kabupaten ") if r else "Jakarta"


def signatory(doc: FPDF, top: float, title: str, name: str, nip: str | None, image: bytes | None,
              name_at: float) -> None:
    """The signature block at x 110: the title (it may run to several lines), the signature image
    under it where there is one, the name in bold ``name_at`` mm below ``top``, and the NIP."""
    doc.set_xy(110, top)
    doc.multi_cell(80, 6, title, new_x="LMARGIN", new_y="NEXT")
    if image:
        doc.image(io.BytesIO(image), x=110, y=doc.get_y() + 1, h=16)
    doc.set_xy(110, top + name_at)
    doc.set_font("Serif", "B", 11)
    doc.multi_cell(80, 6, name, new_x="LMARGIN", new_y="NEXT")
    if nip:
        doc.set_font("Serif", size=11)
        doc.set_x(110)
        doc.cell(80, 6, f"NIP. {nip}")


def office_fields(office: Mapping[str, Any] | None, region: str, name: str | None = None,
                  address: str | None = None) -> dict[str, Any]:
    """The letterhead's parts from an office's settings (its ``registry.office`` copy), or the
    lines its region gives."""
    office = office or {}
    name = office.get("name") or name or (f"Badan Kesatuan Bangsa dan Politik {regions.get(region).name}"
                                          if regions.get(region) else "Direktorat Jenderal Politik dan Pemerintahan Umum")
    head = [line for line in office.get("letterhead") or [] if line.strip()]
    logo, signature = office.get("logo"), office.get("signature")
    return {"letterhead": head or [government(region), name.upper()], "office_name": name,
            "images": tuple((x or {}).get("sha256") for x in (logo, signature)),  # what identifies them
            "logo": (logo["media_type"], base64.b64decode(logo["data"])) if logo else None,
            "signature": base64.b64decode(signature["data"]) if signature else None,
            "office_address": office.get("address") or address, "office_phone": office.get("phone"),
            "office_email": office.get("email"), "office_website": office.get("website")}


def verification_note(doc: FPDF, office_name: str) -> None:
    """The constant line above a signed document's verification code and QR code."""
    doc.set_font("Serif", size=8)
    doc.set_xy(42, FOOTER)
    doc.multi_cell(148, 4, f"Surat ini ditandatangani secara elektronik oleh {office_name}. Pindai kode QR di "
                           "samping, atau buka alamat di bawah ini, untuk memeriksa keasliannya.", new_x="LMARGIN",
                   new_y="NEXT")


def verification_block(verification: Verification | None) -> tuple[list[documents.Text], list[documents.Qr]]:
    if verification is None:
        return [documents.Text(43, FOOTER + 12, "Kode verifikasi diberikan saat surat dikirim.", 8)], []
    return ([documents.Text(43, FOOTER + 12, verification.url, 8),
             documents.Text(43, FOOTER + 16.5, f"Kode verifikasi: {documents.spaced(verification.code)}", 8)],
            [documents.Qr(20, FOOTER - 2, 20, verification.url)])


def _constant(doc: FPDF, f: Mapping[str, Any]) -> _Slots:
    """Everything of the letter but its addressee, QR code and verification code."""
    letterhead(doc, f)
    doc.cell(0, 6, f["place_date"], align="R", new_x="LMARGIN", new_y="NEXT")
    for label, key in (("Nomor", "number"), ("Sifat", "nature"), ("Lampiran", "attachment"), ("Perihal", "subject")):
        doc.cell(25, 6, label)
        doc.cell(0, 6, f": {f[key]}", new_x="LMARGIN", new_y="NEXT")
    addressee = doc.get_y() + 3
    doc.set_y(addressee + 6 * (NAME_LINES + 3) + 3)
    for p in _body(f):
        doc.multi_cell(0, 6, p, new_x="LMARGIN", new_y="NEXT")
    doc.ln(1)
    for label, key in (("Hari/Tanggal", "day_date"), ("Waktu", "time"), ("Tempat", "venue"), ("Acara", "event")):
        doc.set_x(30)
        doc.cell(30, 6, label)
        doc.multi_cell(0, 6, f": {f[key]}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.multi_cell(0, 6, f"Mohon konfirmasi kehadiran paling lambat {f['rsvp_by']} melalui tautan atau kode QR di "
                         "bawah ini; kode QR yang sama ditunjukkan kepada petugas saat registrasi. Demikian atas "
                         "perhatian dan kehadirannya diucapkan terima kasih.", new_x="LMARGIN", new_y="NEXT")
    top = doc.get_y() + 4
    signatory(doc, top, f["signatory_title"], f["signatory_name"], f["signatory_nip"], f.get("signature_image"),
              name_at=24)
    verification_note(doc, f["office_name"])
    return _Slots(addressee=addressee, qr=top)


def _variable(f: Mapping[str, Any], slots: _Slots, verification: Verification | None,
              wrap: Callable[[str, float, float], list[str]]) -> tuple[list[documents.Text], list[documents.Qr]]:
    """The addressee, the RSVP / check-in QR code (behind the short link) and the verification
    block, as lines at their baselines."""
    size, step = 11.0, 6.0
    name = wrap(f"Yth. {f['to']}", 80, size)
    if len(name) > NAME_LINES:
        size, step = 9.0, 4.5
        name = wrap(f"Yth. {f['to']}", 80, size)[:NAME_LINES + 1]
    y = slots.addressee + 4.3
    texts = [documents.Text(110, y, "Kepada")]
    for line in name:
        y += step
        texts.append(documents.Text(110, y, line, size))
    texts += [documents.Text(110, y + 6, "di -"), documents.Text(117, y + 12, "Tempat")]
    link = f["rsvp_url"]
    qrs = [documents.Qr(20, slots.qr, 38, link if "/r/" in link else f["checkin_token"])]
    texts.append(documents.Text(24, slots.qr + 40, link if len(link) <= 60 else "", 8))
    more_texts, more_qrs = verification_block(verification)
    return [t for t in texts + more_texts if t.text], qrs + more_qrs


def _fpdf_wrap(doc: FPDF) -> Callable[[str, float, float], list[str]]:
    def wrap(text: str, width: float, size: float) -> list[str]:
        doc.set_font("Serif", size=size)
        return [line for line in doc.multi_cell(width, 5, text, dry_run=True, output="LINES")]
    return wrap


_templates: collections.OrderedDict[str, documents.Template] = collections.OrderedDict()


def _template(f: Mapping[str, Any], fonts) -> tuple[documents.Template, _Slots]:
    """The kegiatan's constant page, rendered once per process (the last few kept)."""
    # the images by the hashes the office copy gives them ("images"), not by hashing their bytes again
    key = hashlib.sha256(repr(sorted((k, bool(v) if k in IMAGE_BYTES else v) for k, v in f.items()
                                     if k not in VARIABLE)).encode()).hexdigest()
    if key in _templates:
        _templates.move_to_end(key)
        return _templates[key]
    doc = _document(fonts)
    slots = _constant(doc, f)
    _templates[key] = (documents.Template(doc), slots)
    while len(_templates) > 8:
        _templates.popitem(last=False)
    return _templates[key]


def pdf(data: Mapping[str, Any], fonts, *, verification: Verification | None = None,
        signing: Signing | None = None) -> bytes:
    """The letter as a one-page A4 PDF in the embedded Unicode fonts (``fonts``:
    ``adapters/fonts.py:LetterFonts``), so that every name prints as written (text in Arabic script
    is shaped: joined, right to left); with its QR code behind the short RSVP link, its
    verification code, and signed when ``signing`` is given. The kegiatan's constant page is made
    once (``domain/documents.py``); an addressee it cannot print is rendered whole."""
    f = fields(data)
    sign = {"cms": signing.cms, "signer_name": signing.signer, "reason": signing.reason,
            "location": signing.location} if signing else {}
    if not any(ARABIC.search(str(v)) for k, v in f.items() if k not in VARIABLE and isinstance(v, str)):
        template, slots = _template(f, fonts)
        texts, qrs = _variable(f, slots, verification, template.wrap)
        if all(template.fits(t.text) for t in texts):
            return template.render(texts, qrs, **sign)
    doc = _document(fonts)  # the whole page: an addressee in Arabic script, or outside the charset
    if any(ARABIC.search(str(v)) for v in f.values() if isinstance(v, str)):
        doc.set_text_shaping(True)
    slots = _constant(doc, f)
    documents.draw(doc, *_variable(f, slots, verification, _fpdf_wrap(doc)))
    return documents.Template(doc).render(**sign)


NOTICE_SUBJECTS = {"reminder_3d": "Pengingat: {event} tiga hari lagi", "reminder_1d": "Pengingat: {event} besok",
                   "reminder": "Pengingat: {event}",
                   "rescheduled": "Perubahan jadwal: {event}", "cancelled": "Pembatalan: {event}"}


def notice(kind: str, data: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, text) of a reminder or of a reschedule / cancellation notice; the same text goes
    by e-mail, WhatsApp and SMS."""
    f = fields(data)
    subject = NOTICE_SUBJECTS[kind].format(event=f["event"])
    if kind == "cancelled":
        reason = data.get("reason")
        body = (f"Yth. {f['to']}. Dengan hormat kami sampaikan bahwa {f['event']} yang dijadwalkan "
                f"{f['day_date']} di {f['venue']} DIBATALKAN" + (f" ({reason})" if reason else "") +
                f". Mohon maaf atas ketidaknyamanan ini. {f['office_name']}")
    elif kind == "rescheduled":
        body = (f"Yth. {f['to']}. {f['event']} DIJADWALKAN ULANG menjadi {f['day_date']} pukul "
                f"{f['time'].split(' s.d.')[0]} di {f['venue']}." + (f" Alasan: {data['reason']}." if data.get("reason") else "")
                + f" Mohon konfirmasi kembali: {f['rsvp_url']}")
    elif kind == "reminder":  # sent now by the office to those who have not answered
        body = (f"Yth. {f['to']}. Mengingatkan undangan {f['event']} pada {f['day_date']} pukul "
                f"{f['time'].split(' s.d.')[0]} di {f['venue']}. Mohon konfirmasi kehadiran: {f['rsvp_url']}")
    else:
        when = "tiga hari lagi" if kind == "reminder_3d" else "besok"
        body = (f"Yth. {f['to']}. Mengingatkan {f['event']} {when}, {f['day_date']} pukul "
                f"{f['time'].split(' s.d.')[0]} di {f['venue']}. Konfirmasi/ubah kehadiran: {f['rsvp_url']}")
    return subject, body


def skt_notice(payload: Mapping[str, Any]) -> tuple[str, str]:
    r = regions.get(payload.get("region") or "")
    office = f"Bakesbangpol {r.name}" if r else "Bakesbangpol"
    until = tanggal.tanggal(dt.date.fromisoformat(payload["valid_until"]))
    number = f" Nomor {payload['skt_number']}" if payload.get("skt_number") else ""
    return (f"Masa berlaku SKT {payload['name']} berakhir {payload['days_left']} hari lagi",
            f"Yth. Ketua {payload['name']}. Surat Keterangan Terdaftar (SKT){number} berlaku sampai {until} "
            f"({payload['days_left']} hari lagi). Mohon segera mengajukan perpanjangan ke {office}. Terima kasih.")


# The WhatsApp templates' body parameters ({{1}}, {{2}}, … in the approved texts), by kind of message.
TEMPLATE_PARAMETERS = {"invitation": 7, "reminder": 6, "rescheduled": 6, "cancelled": 6, "skt_expiry": 5,
                       "ew_alert": 6, "ew_reminder": 5, "activity_report_due": 4}
CATEGORY_LABELS = {"politik_pemilu": "politik/pemilu", "sara": "SARA", "sengketa_lahan": "sengketa lahan/sumber daya alam",
                   "antarkelompok": "antarkelompok/ormas", "ketimpangan_ekonomi": "ketimpangan ekonomi",
                   "unjuk_rasa": "unjuk rasa", "lainnya": "lainnya"}


def _reported(payload: Mapping[str, Any]) -> str:
    at = dt.datetime.fromisoformat(payload["occurred_at"].replace("Z", "+00:00"))
    r = regions.get(payload.get("region") or "")
    local = at.astimezone(r.tz if r else regions.ZONES["WIB"])
    return f"{tanggal.tanggal(local.date())} pukul {local:%H.%M} {r.zone if r else 'WIB'}"


def verification_notice(payload: Mapping[str, Any]) -> tuple[str, str]:
    """The e-mail that verifies a new organisation's address and opens its online application."""
    r = regions.get(payload.get("region") or "")
    office = f"Bakesbangpol {r.name}" if r else "Bakesbangpol"
    until = dt.datetime.fromisoformat(payload["expires_at"].replace("Z", "+00:00")).astimezone(
        r.tz if r else regions.ZONES["WIB"])
    return (f"Verifikasi surel pendaftaran {payload['organisation']}",
            f"Yth. {payload['full_name']}. Terima kasih telah mendaftarkan {payload['organisation']} di portal ormas "
            f"{office}. Buka tautan berikut untuk memverifikasi surel Anda dan membuat kata sandi, lalu lengkapi "
            f"permohonan pendaftaran: {payload['link']} (berlaku sampai {tanggal.tanggal(until.date())} pukul "
            f"{until:%H.%M}). Abaikan surel ini bila Anda tidak mendaftar.")


def activity_notice(payload: Mapping[str, Any]) -> tuple[str, str]:
    """The reminder of a missing semester activity report (laporan kegiatan, UU 17/2013)."""
    r = regions.get(payload.get("region") or "")
    office = f"Bakesbangpol {r.name}" if r else "Bakesbangpol"
    year, half = payload["period"].split("-S")
    semester = f"semester {'I' if half == '1' else 'II'} tahun {year}"
    due = tanggal.tanggal(dt.date.fromisoformat(payload["due_on"]))
    return (f"Laporan kegiatan {payload['name']} {semester} belum diterima",
            f"Yth. Ketua {payload['name']}. Laporan kegiatan ormas {semester} belum kami terima (batas {due}). "
            f"Mohon kirimkan lewat portal ormas atau ke {office}. Terima kasih.")


def alert_notice(kind: str, payload: Mapping[str, Any]) -> tuple[str, str]:
    """An early-warning alert (``ew_alert_<level>``) or reminder (``ew_reminder``) to a team member."""
    category = CATEGORY_LABELS.get(payload.get("category") or "", payload.get("category") or "-")
    if kind == "ew_reminder":
        return (f"Pengingat: laporan belum diverifikasi — {payload['title']}",
                f"Yth. {payload['to']}. Laporan kewaspadaan dini \"{payload['title']}\" di {payload['location_name']} "
                f"(kategori {category}, tingkat {payload['severity']}) belum diverifikasi setelah "
                f"{payload['hours']:g} jam. Mohon segera diverifikasi: {payload['link']}")
    level = (payload.get("level") or payload["severity"]).upper()
    return (f"PERINGATAN DINI {level}: {payload['title']}",
            f"Yth. {payload['to']}. Laporan potensi konflik sosial tingkat {level} di {payload['location_name']}, "
            f"kategori {category}, kejadian {_reported(payload)}"
            + (f", sekitar {payload['people_estimate']} orang terlibat" if payload.get("people_estimate") else "")
            + f". Status: {payload['status']}. Rincian dan tindak lanjut: {payload['link']}")


def template(kind: str, data: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(the template's kind, its body parameters) of a message: what a business-initiated WhatsApp
    message sends (``adapters/channels.py`` names the approved template of each kind)."""
    if kind == "activity_report_due":
        r = regions.get(data.get("region") or "")
        year, half = data["period"].split("-S")
        return "activity_report_due", [data["name"], f"semester {'I' if half == '1' else 'II'} tahun {year}",
                                       tanggal.tanggal(dt.date.fromisoformat(data["due_on"])),
                                       f"Bakesbangpol {r.name}" if r else "Bakesbangpol"]
    if kind.startswith("ew_alert"):
        return "ew_alert", [data["to"], (data.get("level") or data["severity"]).upper(), data["title"],
                            data["location_name"], _reported(data), data["link"]]
    if kind == "ew_reminder":
        return "ew_reminder", [data["to"], data["title"], data["location_name"], f"{data['hours']:g}", data["link"]]
    if kind.startswith("skt_expiry"):
        r = regions.get(data.get("region") or "")
        return "skt_expiry", [data["name"], data.get("skt_number") or "-",
                              tanggal.tanggal(dt.date.fromisoformat(data["valid_until"])), str(data["days_left"]),
                              f"Bakesbangpol {r.name}" if r else "Bakesbangpol"]
    f = fields(data)
    start = f["time"].split(" s.d.")[0]
    if kind == "invitation":
        return "invitation", [f["to"], f["office_name"], f["event"], f["day_date"], start, f["venue"], f["rsvp_url"]]
    if kind == "cancelled":
        return "cancelled", [f["to"], f["event"], f["day_date"], f["venue"], data.get("reason") or "-", f["office_name"]]
    if kind == "rescheduled":
        return "rescheduled", [f["to"], f["event"], f["day_date"], start, f["venue"], f["rsvp_url"]]
    return "reminder", [f["to"], f["event"], f["day_date"], start, f["venue"], f["rsvp_url"]]
