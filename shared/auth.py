"""JWT bearer verification (RS256 only) with role and region claims, and region-scope checks.

The registry issues tokens; every service verifies them with the public key. ``python -m shared.auth
mint --role operator --region 35.75`` mints a development token."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
import uuid
from pathlib import Path
from typing import Iterable

import jwt

from shared import errors, regions

STAFF_ROLES = ("operator", "verifier", "head", "analyst", "admin")
# "ormas": an officer of one recorded ormas (the portal); the token names it (``ormas_id``).
# "opd": another department of the regional government (perangkat daerah), which searches the book
# by bidang and region and asks the office for recommendations. The services answer these two only
# on the routes made for them (``shared.web.current_principal``).
ROLES = (*STAFF_ROLES, "ormas", "opd")
ACCOUNT_ROLES = (*STAFF_ROLES, "opd")  # what an admin creates (an ormas's account comes from its invitation)
ALGORITHMS = ["RS256"]  # explicit: never "none", never HS256 with a public key as secret


class AuthError(errors.Unauthenticated):
    """The caller is not authenticated (401)."""


class Forbidden(errors.NotAllowed):
    """The caller is authenticated but its role may not do this (403)."""


@dataclasses.dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    region: str  # "" is the national office
    ormas_id: str | None = None  # the ormas an "ormas" account speaks for

    def can_see(self, code: str) -> bool:
        """An office sees its own region and everything below it."""
        return regions.within(self.region, code)

    def can_write(self, code: str) -> bool:
        """An office writes only records of its own region (and, for a city, its kecamatan)."""
        city_office = self.region != regions.NATIONAL and len(self.region.split(".")) == 2
        return code == self.region or (city_office and code.startswith(self.region + "."))


def check_region(principal: Principal, region: str, *, field: str = "region") -> str:
    """A region the caller named (a filter, a target): a real Kemendagri code (422) inside the
    caller's scope (404 out-of-scope); the code itself when it is both."""
    if region != regions.NATIONAL and not regions.is_valid(region):
        raise errors.Invalid(f"{region!r} is not a Kemendagri region code",
                             errors=[{"field": field, "message": "unknown region code"}])
    if not principal.can_see(region):
        raise errors.OutOfScope(f"region {region} is outside your office's scope")
    return region


class TokenVerifier:
    """Verifies bearer tokens. A token verified once is remembered (bounded, by its exact text)
    with the window its claims allow, so the RSA check is not made again for every request of a
    session: only the time is checked again, and a token out of its window is verified anew."""

    REMEMBERED = 4096

    def __init__(self, public_key: str | bytes, *, issuer: str, audience: str, leeway: int = 30):
        self._key = public_key
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._verified: dict[str, tuple[Principal, float, float]] = {}

    @classmethod
    def from_file(cls, path: Path, **kw) -> "TokenVerifier":
        return cls(path.read_bytes(), **kw)

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None and known[1] - self._leeway <= time.time() <= known[2] + self._leeway:
            return known[0]
        try:
            claims = jwt.decode(
                token, self._key, algorithms=ALGORITHMS, audience=self._audience, issuer=self._issuer,
                leeway=self._leeway, options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as e:
            raise AuthError(f"invalid token: {e}") from None
        role, region = claims.get("role"), claims.get("region")
        if role not in ROLES:
            raise AuthError("invalid token: unknown role")
        if not isinstance(region, str) or (region != regions.NATIONAL and not regions.is_valid(region)):
            raise AuthError("invalid token: unknown region")
        ormas_id = claims.get("ormas_id")
        if role == "ormas" and (not isinstance(ormas_id, str) or not ormas_id):
            raise AuthError("invalid token: an ormas account's token names its ormas")
        principal = Principal(subject=str(claims["sub"]), role=role, region=region,
                              ormas_id=ormas_id if role == "ormas" else None)
        if len(self._verified) >= self.REMEMBERED:
            self._verified.clear()
        self._verified[token] = (principal, float(max(claims["iat"], claims.get("nbf", claims["iat"]))),
                                 float(claims["exp"]))
        return principal


def mint(private_key: str | bytes, *, subject: str, role: str, region: str, issuer: str, audience: str,
         ttl: dt.timedelta = dt.timedelta(hours=8), kid: str | None = None, ormas_id: str | None = None) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if (role == "ormas") != bool(ormas_id):
        raise ValueError("an ormas account's token names its ormas, and only such a token does")
    if region != regions.NATIONAL and not regions.is_valid(region):
        raise ValueError(f"unknown region code {region!r}")
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": subject, "role": role, "region": region, "iss": issuer, "aud": audience,
              "iat": now, "nbf": now, "exp": now + ttl, "jti": uuid.uuid4().hex}
    if ormas_id:
        claims["ormas_id"] = ormas_id
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid} if kid else None)


def require_role(principal: Principal, allowed: Iterable[str]) -> None:
    if principal.role not in allowed:
        raise Forbidden(f"role {principal.role!r} may not do this")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m shared.auth", description="Mint a development JWT")
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mint")
    m.add_argument("--role", required=True, choices=ROLES)
    m.add_argument("--region", required=True, help='Kemendagri code, e.g. 35.75; "" for national')
    m.add_argument("--subject", default="dev-user")
    m.add_argument("--ormas-id", default=None, help="for --role ormas: the ormas the account speaks for")
    m.add_argument("--hours", type=float, default=8)
    m.add_argument("--key", type=Path, default=Path(".data/keys/jwt-dev-private.pem"))
    m.add_argument("--issuer", default="kesbang-registry")
    m.add_argument("--audience", default="kesbang")
    args = ap.parse_args(argv)
    try:
        print(mint(args.key.read_bytes(), subject=args.subject, role=args.role, region=args.region,
                   issuer=args.issuer, audience=args.audience, ttl=dt.timedelta(hours=args.hours),
                   ormas_id=args.ormas_id))
    except (ValueError, FileNotFoundError) as e:
        print(f"mint: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
