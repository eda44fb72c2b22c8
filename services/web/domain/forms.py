"""Form fields ⇄ API bodies for the ormas pages. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

SEARCH_KEYS = ("q", "region", "kind", "legal_form", "bidang", "skt_valid_on", "skt_expiring_before", "sort",
               "cursor")
TEXT = ("name", "acronym", "kind", "legal_form", "scope", "region", "email", "phone", "whatsapp", "npwp",
        "founding_date", "decree_number")


def search_filters(params: Any) -> dict[str, Any]:
    out: dict[str, Any] = {k: (params.get(k) or "").strip() for k in SEARCH_KEYS}
    out["status"] = [s for s in params.getlist("status") if s]
    return {k: v for k, v in out.items() if v}


def query_without_cursor(filters: Mapping[str, Any]) -> str:
    pairs = [(k, v) for k, v in filters.items() if k not in ("cursor", "status")]
    pairs += [("status", s) for s in filters.get("status", [])]
    return urlencode(pairs)


def ormas_fields(values: Mapping[str, str], *, patch: bool = False) -> dict[str, Any]:
    """The registry's body from the form: empty fields left out (or, editing, cleared)."""
    out: dict[str, Any] = {}
    for k in TEXT:
        v = (values.get(k) or "").strip()
        if v:
            out[k] = v
        elif patch and k in values and k not in ("name", "kind", "legal_form", "scope", "region"):
            out[k] = None
    if patch:
        out.pop("region", None)  # an ormas does not move region by an edit
    bidang = [b.strip() for b in (values.get("bidang") or "").split(",") if b.strip()]
    if bidang or patch:
        out["bidang"] = bidang
    street = (values.get("street") or "").strip()
    if street:
        out["address"] = {"street": street}
    return out


def ormas_values(ormas: Mapping[str, Any]) -> dict[str, str]:
    values = {k: str(ormas.get(k) or "") for k in TEXT}
    values["bidang"] = ", ".join(ormas.get("bidang") or [])
    values["street"] = ((ormas.get("address") or {}).get("street")) or ""
    values["version"] = str(ormas["version"])
    return values


def step(action: str, values: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"action": action}
    for k in ("reason", "authority", "field_visit_outcome", "visited_on", "notes", "skt_number", "skt_issued_on",
              "skt_valid_until"):
        v = (values.get(k) or "").strip()
        if v:
            out[k] = v
    if action == "check_documents":
        out["documents_complete"] = values.get("documents_complete") == "ya"
        out["documents_missing"] = [m.strip() for m in (values.get("documents_missing") or "").split(",") if m.strip()]
    return out


def form_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """API field names → the form's (the address is one field here)."""
    return {("street" if k.startswith("address") else k): v for k, v in errors.items()}


def strings(form: Any) -> dict[str, str]:
    """A submitted form's text fields (files left out)."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def account_fields(values: Mapping[str, str]) -> dict[str, Any]:
    return {"username": values.get("username", "").strip(), "full_name": values.get("full_name", "").strip(),
            "role": values.get("role", ""), "region": values.get("region", "").strip(),
            "password": values.get("password", "")}


OFFICE_TEXT = ("name", "address", "phone", "email", "website", "head_name", "head_title", "head_nip", "skt_number_format",
               "presence_number_format", "skt_issuer")


def office_values(doc: Mapping[str, Any] | None) -> dict[str, str]:
    doc = doc or {}
    values = {k: str(doc.get(k) or "") for k in OFFICE_TEXT}
    values["letterhead"] = "\n".join(doc.get("letterhead") or [])
    return values


def office_fields(values: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {k: (values.get(k) or "").strip() or None for k in OFFICE_TEXT}
    out["name"] = out["name"] or ""
    out["letterhead"] = [line.strip() for line in (values.get("letterhead") or "").splitlines() if line.strip()]
    return out


def office_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """``letterhead.2`` (one line of the kop) → the letterhead field."""
    return {("letterhead" if k.startswith("letterhead") else k): v for k, v in errors.items()}
