"""Kegiatan pages' rules with no I/O: form fields ⇄ the events API's bodies (times typed in the
venue's zone), the month calendar, the rule builder, guests pasted from a spreadsheet."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from shared import regions

TYPES = {"fasilitasi": "Fasilitasi pemberdayaan ormas", "dialog": "Dialog", "pelatihan": "Pelatihan", "apel": "Apel",
         "silaturahmi": "Silaturahmi", "sosialisasi": "Sosialisasi", "rapat_koordinasi": "Rapat koordinasi"}
STATUSES = {"draft": "Draf", "published": "Undangan terkirim", "rescheduled": "Dijadwalkan ulang",
            "ongoing": "Sedang berlangsung", "completed": "Selesai", "cancelled": "Dibatalkan"}
ACTIONS = {"publish": "Terbitkan dan kirim undangan", "record": "Catat sebagai sudah terlaksana",
           "reschedule": "Jadwalkan ulang", "start": "Mulai kegiatan",
           "complete": "Selesaikan kegiatan", "cancel": "Batalkan kegiatan"}
PARTICIPANT_STATUSES = {"invited": "Belum menjawab", "responded": "Sudah menjawab", "waitlisted": "Daftar tunggu", "checked_in": "Hadir",
                        "no_show": "Tidak datang"}
DELIVERY = {"queued": "antre", "sending": "dikirim", "sent": "terkirim", "delivered": "diterima", "read": "dibaca",
            "failed": "gagal", "dead": "gagal", "unreachable": "tanpa kontak"}
CHANNELS = {"email": "Surel", "whatsapp": "WhatsApp", "sms": "SMS", "none": "Tanpa kontak"}
VIA = {"telepon": "Telepon", "surat": "Surat", "langsung": "Datang langsung", "whatsapp": "Pesan WhatsApp",
       "lainnya": "Lainnya"}
ASPIRATION_STATUSES = {"open": "Baru", "in_progress": "Ditindaklanjuti", "done": "Selesai", "declined": "Tidak dapat ditindaklanjuti"}
GUEST_ROLES = {"official": "Pejabat", "speaker": "Narasumber", "press": "Pers", "other": "Lainnya"}
LEGAL_FORMS = ("perkumpulan", "yayasan", "tidak_berbadan_hukum")
KINDS = ("ormas", "lsm", "okp", "profesi", "keagamaan", "asing")
DAYS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
LETTER = ("number", "nature", "attachment", "subject", "signatory_name", "signatory_title", "signatory_nip", "place")
TEXT = ("title", "type", "theme", "venue_name", "venue_region", "venue_address")


class FormError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(errors))
        self.errors = errors


def zone(region: str | None) -> dt.tzinfo:
    return regions.ZONES[regions.zone_of(region) if region and regions.get(region) else "WIB"]


def _when(day: str, time: str, tz: dt.tzinfo, field: str, errors: dict[str, str]) -> dt.datetime | None:
    try:
        d = dt.date.fromisoformat(day.strip())
    except ValueError:
        errors[field] = "Isi tanggal (hh/bb/tttt)."
        return None
    m = re.fullmatch(r"\s*(\d{1,2})[.:](\d{2})\s*", time or "")
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        errors[field] = "Isi jam seperti 08.30."
        return None
    return dt.datetime.combine(d, dt.time(int(m[1]), int(m[2])), tz)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def speakers(text: str | None) -> list[dict[str, Any]]:
    """One per line: ``Nama; jabatan; instansi``."""
    out = []
    for line in _lines(text):
        name, position, institution = ([p.strip() for p in line.split(";")] + ["", ""])[:3]
        out.append({"name": name, "position": position or None, "institution": institution or None})
    return out


def agenda(text: str | None) -> list[dict[str, Any]]:
    """One per line: ``08.00-09.00 Pembukaan`` (the time is optional; ``Hari 2:`` starts a day)."""
    out, day = [], None
    for line in _lines(text):
        m = re.fullmatch(r"hari\s*(\d{1,2})\s*:?\s*(.*)", line, re.I)
        if m:
            day, line = int(m[1]), m[2].strip()
            if not line:
                continue
        m = re.match(r"(\d{1,2}[.:]\d{2}\s*(?:-|–|s\.?d\.?)\s*(?:\d{1,2}[.:]\d{2}|selesai))\s+(.*)", line, re.I)
        item: dict[str, Any] = {"title": m[2].strip(), "time": m[1].replace(" ", "")} if m else {"title": line}
        if day:
            item["day"] = day
        out.append(item)
    return out


def kegiatan_body(values: Mapping[str, str]) -> dict[str, Any]:
    """The events API's body from the kegiatan form, or FormError naming the fields to fix."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {k: (values.get(k) or "").strip() or None for k in TEXT}
    for k in ("title", "venue_name", "venue_region", "type"):
        if not body[k]:
            errors[k] = "Wajib diisi."
    tz = zone(body["venue_region"])
    start = _when(values.get("start_date", ""), values.get("start_time", ""), tz, "starts_at", errors)
    end = _when(values.get("end_date") or values.get("start_date", ""), values.get("end_time", ""), tz, "ends_at", errors)
    if start and end:
        if end <= start:
            errors["ends_at"] = "Selesai harus sesudah mulai."
        body["starts_at"], body["ends_at"] = start.isoformat(), end.isoformat()
    for k, low, high in (("seats_per_ormas", 1, 50), ("capacity", 1, 1_000_000)):
        v = (values.get(k) or "").strip()
        if v:
            if not v.isdigit() or not low <= int(v) <= high:
                errors[k] = f"Isi angka {low}–{high:,}".replace(",", ".") + "."
            else:
                body[k] = int(v)
        elif k == "capacity":
            body[k] = None
    body["speakers"] = speakers(values.get("speakers"))
    body["agenda"] = agenda(values.get("agenda"))
    letter = {k: (values.get(f"letter_{k}") or "").strip() or None for k in LETTER}
    body["letter"] = letter if any(letter.values()) else None
    if errors:
        raise FormError(errors)
    return body


def _local(value: str | None, tz: dt.tzinfo) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(tz) if value else None


def kegiatan_values(k: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields of a kegiatan (times in its venue's zone)."""
    venue = k.get("venue") or {}
    tz = zone(venue.get("region"))
    start, end = _local(k.get("starts_at"), tz), _local(k.get("ends_at"), tz)
    out = {"title": k.get("title") or "", "type": k.get("type") or "", "theme": k.get("theme") or "",
           "venue_name": venue.get("name") or "", "venue_region": venue.get("region") or "",
           "venue_address": venue.get("address") or "", "seats_per_ormas": str(k.get("seats_per_ormas") or 1),
           "capacity": str(k.get("capacity") or ""), "version": str(k.get("version") or "")}
    if start and end:
        out.update(start_date=start.date().isoformat(), start_time=f"{start:%H.%M}", end_date=end.date().isoformat(),
                   end_time=f"{end:%H.%M}")
    out["speakers"] = "\n".join("; ".join(x for x in (s.get("name"), s.get("position") or "", s.get("institution") or ""))
                                .rstrip("; ") for s in k.get("speakers") or [])
    lines, day = [], None
    for a in k.get("agenda") or []:
        if a.get("day") and a["day"] != day:
            day = a["day"]
            lines.append(f"Hari {day}:")
        lines.append(" ".join(x for x in (a.get("time"), a.get("title")) if x))
    out["agenda"] = "\n".join(lines)
    for f in LETTER:
        out[f"letter_{f}"] = str(((k.get("letter") or {}).get(f)) or "")
    return out


def letter_defaults(office: Mapping[str, Any] | None, region: str | None) -> dict[str, str]:
    """The letter's signatory and place from the office settings, for a new kegiatan."""
    office = office or {}
    r = regions.get(region or "")
    place = (r.name.removeprefix("Kota ").removeprefix("Kabupaten ") if r else "Jakarta")
    return {"letter_signatory_name": office.get("head_name") or "", "letter_signatory_title": office.get("head_title") or "",
            "letter_signatory_nip": office.get("head_nip") or "", "letter_place": place, "letter_nature": "Penting",
            "letter_attachment": "-", "letter_subject": "Undangan"}


def targeting_values(k: Mapping[str, Any]) -> dict[str, Any]:
    """The builder's fields of a draft's saved targeting ("by rule" on for a draft with none yet)."""
    t = k.get("targeting") or {}
    rule = t.get("rule") or {}
    return {"by_rule": "ya" if rule or not t else "", "guests": guests_text(k.get("guests") or []),
            "rule_region": rule.get("region") or "", "bidang": ", ".join(rule.get("bidang") or []),
            "valid_skt_on": rule.get("valid_skt_on") or "",
            "include_suspended": "" if rule.get("exclude_suspended", True) else "ya",
            "kinds": rule.get("kinds") or [], "legal_forms": rule.get("legal_forms") or []}


def rule_body(values: Mapping[str, Any], getlist) -> dict[str, Any] | None:
    """The targeting rule from the builder (None when "by rule" is off)."""
    if values.get("by_rule") != "ya":
        return None
    rule: dict[str, Any] = {"kinds": [k for k in getlist("kinds") if k in KINDS],
                            "legal_forms": [f for f in getlist("legal_forms") if f in LEGAL_FORMS],
                            "bidang": [b.strip() for b in (values.get("bidang") or "").split(",") if b.strip()],
                            "exclude_suspended": values.get("include_suspended") != "ya"}
    if (values.get("rule_region") or "").strip():
        rule["region"] = values["rule_region"].strip()
    if (values.get("valid_skt_on") or "").strip():
        rule["valid_skt_on"] = values["valid_skt_on"].strip()
    return rule


def guests(text: str | None) -> list[dict[str, Any]]:
    """Guests typed or pasted from a spreadsheet, one per line: name, role, position, institution,
    e-mail, WhatsApp (tab, semicolon or comma between them); FormError naming the bad lines."""
    out, bad = [], []
    roles = {v.lower(): k for k, v in GUEST_ROLES.items()} | {k: k for k in GUEST_ROLES}
    for n, line in enumerate(_lines(text), 1):
        sep = "\t" if "\t" in line else ";" if ";" in line else ","
        cells = [c.strip() for c in line.split(sep)] + [""] * 6
        name, role, position, institution, email, wa = cells[:6]
        if n == 1 and name.lower() in ("nama", "name"):
            continue  # a spreadsheet's header row
        g: dict[str, Any] = {"name": name, "role": roles.get(role.lower(), "other") if role else "official",
                             "position": position or None, "institution": institution or None,
                             "email": email or None, "whatsapp": phone(wa) if wa else None}
        if not name or (email and "@" not in email) or (wa and not g["whatsapp"]):
            bad.append(n)
            continue
        out.append(g)
    if bad:
        raise FormError({"guests": f"Baris {', '.join(map(str, bad[:10]))} tidak terbaca: tulis nama, peran, jabatan, "
                                   "instansi, surel, WhatsApp (08… atau +62…)."})
    return out


def phone(text: str) -> str | None:
    digits = re.sub(r"[\s\-().]", "", text)
    if digits.startswith("0"):
        digits = "+62" + digits[1:]
    elif digits.startswith("62"):
        digits = "+" + digits
    return digits if re.fullmatch(r"\+[1-9][0-9]{6,14}", digits) else None


def guests_text(items: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join("; ".join([g.get("name") or "", GUEST_ROLES.get(g.get("role") or "", ""), g.get("position") or "",
                                g.get("institution") or "", g.get("email") or "", g.get("whatsapp") or ""]).rstrip("; ")
                     for g in items)


def month_of(text: str | None, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text}-01") if text else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


def month_grid(month: dt.date, items: Sequence[Mapping[str, Any]], today: dt.date) -> list[list[dict[str, Any]]]:
    """Weeks (Monday first) of the month, each day with the kegiatan that run on it in their venue's zone."""
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(month.year, month.month):
        row = []
        for d in week:
            on = [k for k in items if _runs_on(k, d)]
            row.append({"date": d, "in_month": d.month == month.month, "today": d == today, "items": on})
        weeks.append(row)
    return weeks


def _runs_on(k: Mapping[str, Any], d: dt.date) -> bool:
    tz = zone((k.get("venue") or {}).get("region"))
    start, end = _local(k["starts_at"], tz), _local(k["ends_at"], tz)
    return bool(start and end and start.date() <= d <= end.date())


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month in UTC, wide enough for every zone (WIB to WIT)."""
    start = dt.datetime.combine(month, dt.time(), dt.UTC) - dt.timedelta(hours=9)
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, dt.datetime.combine(nxt, dt.time(), dt.UTC)


def shift(month: dt.date, by: int) -> str:
    y, m = divmod(month.month - 1 + by, 12)
    return f"{month.year + y:04d}-{m + 1:02d}"


def days_of(k: Mapping[str, Any]) -> list[dt.date]:
    """The days a kegiatan ran on, in its venue's zone."""
    tz = zone((k.get("venue") or {}).get("region"))
    first, last = _local(k["starts_at"], tz).date(), _local(k["ends_at"], tz).date()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def attendance_entries(form_items: Sequence[tuple[str, str]], days: Sequence[dt.date]) -> list[dict[str, Any]]:
    """The (participant, day) pairs ticked on the attendance form (``hadir=<pid>|<day>``), each
    with its people count (``orang-<pid>``, default 1)."""
    people = {k.removeprefix("orang-"): v for k, v in form_items if k.startswith("orang-")}
    valid = {d.isoformat() for d in days}
    out = []
    for key, value in form_items:
        if key != "hadir":
            continue
        pid, _, day = value.rpartition("|")
        n = people.get(pid, "1").strip()
        if pid and day in valid:
            out.append({"participant_id": pid, "day": day, "people": int(n) if n.isdigit() and 1 <= int(n) <= 50 else 1})
    return out


def visit_body(values: Mapping[str, str], office_region: str) -> dict[str, Any]:
    """An ormas's visit to the office from its form (FormError naming the fields to fix)."""
    errors: dict[str, str] = {}
    if not values.get("ormas_id"):
        errors["ormas_id"] = "Pilih ormas yang berkunjung."
    tz = zone(office_region)
    start = _when(values.get("date", ""), values.get("start_time", ""), tz, "starts_at", errors)
    end = _when(values.get("date", ""), values.get("end_time", ""), tz, "ends_at", errors)
    if start and end and end <= start:
        errors["ends_at"] = "Selesai harus sesudah mulai."
    if start and start > dt.datetime.now(tz):
        errors["starts_at"] = "Kunjungan yang dicatat sudah terjadi; untuk yang akan datang buat kegiatan."
    visitors = _lines(values.get("visitors"))
    if not visitors:
        errors["visitors"] = "Tulis sedikitnya satu nama yang datang."
    if errors:
        raise FormError(errors)
    name = (values.get("ormas_name") or "ormas").strip()
    follow_ups = []
    for line in _lines(values.get("follow_ups")):
        topic, _, owner = line.partition(";")
        follow_ups.append((topic.strip(), owner.strip()))
    return {"ormas_id": values["ormas_id"], "day": start.date().isoformat(), "people": min(len(visitors), 50),
            "raised_by": f"{visitors[0]} ({name})", "follow_ups": [f for f in follow_ups if f[0]],
            "minutes": "Yang datang: " + ", ".join(visitors) + "\n\n" + (values.get("discussion") or "").strip(),
            "kegiatan": {"title": f"Kunjungan silaturahmi {name}", "type": "silaturahmi",
                         "venue_name": (values.get("venue_name") or "").strip() or "Kantor Badan Kesbangpol",
                         "venue_region": office_region, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
                         "seats_per_ormas": min(len(visitors), 50), "theme": (values.get("purpose") or "").strip() or None}}
