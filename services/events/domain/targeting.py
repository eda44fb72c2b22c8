"""Invitee targeting: which ormas of the local registry copy a rule selects. No I/O.

A rule reads the fields every ``registry.ormas`` event carries (region, kind, legal form, bidang,
status, SKT validity, sanction level), so the events service resolves it on its own copy without
calling the registry. The list it yields is frozen when the kegiatan is published."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from shared import regions
from shared.errors import FieldError

SUSPENDED = ("suspended", "revoked", "dissolved")


class InvalidRule(FieldError):
    """A targeting rule names an unknown region or one outside the office."""


@dataclasses.dataclass(frozen=True)
class Rule:
    region: str  # this region and everything below it
    kinds: tuple[str, ...] = ()
    bidang: tuple[str, ...] = ()
    legal_forms: tuple[str, ...] = ()
    valid_skt_on: dt.date | None = None  # only ormas holding a valid SKT (or a legal entity) that day
    exclude_suspended: bool = True

    def validate(self, office: str) -> None:
        if self.region != regions.NATIONAL and not regions.is_valid(self.region):
            raise InvalidRule("region", f"{self.region!r} is not a Kemendagri region code")
        if not regions.within(office, self.region):
            raise InvalidRule("region", f"{self.region} is outside the organising office's region {office}")

    def matches(self, ormas: Mapping[str, Any]) -> bool:
        if not regions.within(self.region, ormas.get("region") or "-"):
            return False
        if self.kinds and ormas.get("kind") not in self.kinds:
            return False
        if self.legal_forms and ormas.get("legal_form") not in self.legal_forms:
            return False
        if self.bidang and not set(self.bidang) & set(ormas.get("bidang") or ()):
            return False
        status = ormas.get("status")
        if self.exclude_suspended and (status in SUSPENDED or ormas.get("sanction_level") in ("suspended", "final")):
            return False
        if self.valid_skt_on is not None:
            if status == "legal_entity":
                return True
            until = ormas.get("skt_valid_until")
            if status not in ("registered", "expiring") or not until or until < self.valid_skt_on.isoformat():
                return False
        return True


def resolve(rule: Rule, copies: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ids of the ormas the rule selects, in a stable order (by id)."""
    return sorted(c["_id"] for c in copies if rule.matches(c))
