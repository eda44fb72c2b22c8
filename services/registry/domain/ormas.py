"""An ormas record and the rules for creating one. No I/O: the caller supplies ids and time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from typing import Any

from shared import regions

KINDS = ("ormas", "lsm", "okp", "profesi", "keagamaan", "asing")
TOPIC = "registry.ormas"
SOURCE = "/kesbang/registry"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class InvalidOrmas(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def name_key(name: str) -> str:
    """The form two names are compared in: case, accents, punctuation and spacing do not count."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


@dataclasses.dataclass(frozen=True)
class NewOrmas:
    name: str
    kind: str
    region: str
    acronym: str | None = None
    email: str | None = None

    def validate(self) -> None:
        if not name_key(self.name):
            raise InvalidOrmas("name", "must contain letters or digits")
        if self.kind not in KINDS:
            raise InvalidOrmas("kind", f"must be one of {', '.join(KINDS)}")
        if not regions.is_valid(self.region):
            raise InvalidOrmas("region", f"{self.region!r} is not a Kemendagri region code")
        if self.email is not None and not _EMAIL.match(self.email):
            raise InvalidOrmas("email", "is not an e-mail address")


def create(new: NewOrmas, *, ormas_id: str, actor: str, now: dt.datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """The document for a newly recorded ormas and the data of its ``created`` event.

    Registration is optional by law (MK 82/PUU-XI/2013): a known ormas without an SKT is a valid
    record whose status is ``unregistered``."""
    new.validate()
    doc = {
        "_id": ormas_id,
        "version": 1,
        "name": " ".join(new.name.split()),
        "name_key": name_key(new.name),
        "acronym": new.acronym.strip() if new.acronym else None,
        "kind": new.kind,
        "region": new.region,
        "email": new.email.lower() if new.email else None,
        "status": "unregistered",
        "created_at": now,
        "updated_at": now,
        "history": [{"at": now, "by": actor, "action": "created", "status": "unregistered"}],
    }
    data = {k: doc[k] for k in ("version", "name", "acronym", "kind", "region", "status", "email")}
    data["ormas_id"] = ormas_id
    return doc, data
