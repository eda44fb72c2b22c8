import datetime as dt
import itertools

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared import auth


def _keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


PRIVATE, PUBLIC = _keypair()
OTHER_PRIVATE, _ = _keypair()
VERIFIER = auth.TokenVerifier(PUBLIC, issuer="kesbang-registry", audience="kesbang", leeway=0)


def _mint(**kw):
    args = dict(subject="u1", role="operator", region="35.75", issuer="kesbang-registry", audience="kesbang")
    args.update(kw)
    return auth.mint(PRIVATE if "key" not in kw else kw.pop("key"), **{k: v for k, v in args.items() if k != "key"})


def test_valid_token_gives_role_and_region():
    p = VERIFIER.verify(_mint())
    assert (p.subject, p.role, p.region) == ("u1", "operator", "35.75")


def test_expired_token_is_rejected():
    with pytest.raises(auth.AuthError, match="expired"):
        VERIFIER.verify(_mint(ttl=dt.timedelta(seconds=-5)))


def test_tampered_token_is_rejected():
    token = _mint(role="analyst")
    header, payload, sig = token.split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"analyst"', b'"admin"')).decode()
    with pytest.raises(auth.AuthError):
        VERIFIER.verify(".".join([header, forged, sig]))


def test_alg_none_is_rejected():
    now = dt.datetime.now(dt.UTC)
    token = jwt.encode({"sub": "x", "role": "admin", "region": "", "iss": "kesbang-registry", "aud": "kesbang",
                        "iat": now, "exp": now + dt.timedelta(hours=1)}, None, algorithm="none")
    with pytest.raises(auth.AuthError):
        VERIFIER.verify(token)


def test_hs256_signed_with_the_public_key_is_rejected():
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": "x", "role": "admin", "region": "", "iss": "kesbang-registry", "aud": "kesbang",
              "iat": now, "exp": now + dt.timedelta(hours=1)}
    import hashlib
    import hmac
    import json

    h = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    c = jwt.utils.base64url_encode(json.dumps(claims, default=lambda d: int(d.timestamp())).encode())
    sig = jwt.utils.base64url_encode(hmac.new(PUBLIC, h + b"." + c, hashlib.sha256).digest())
    with pytest.raises(auth.AuthError):
        VERIFIER.verify((h + b"." + c + b"." + sig).decode())


def test_wrong_key_wrong_audience_and_wrong_issuer_are_rejected():
    with pytest.raises(auth.AuthError):
        VERIFIER.verify(_mint(key=OTHER_PRIVATE))
    with pytest.raises(auth.AuthError):
        VERIFIER.verify(_mint(audience="elsewhere"))
    with pytest.raises(auth.AuthError):
        VERIFIER.verify(_mint(issuer="someone"))


def test_minting_refuses_unknown_roles_and_regions():
    with pytest.raises(ValueError):
        _mint(role="root")
    with pytest.raises(ValueError):
        _mint(region="99.99")


# scope: an office sees its own region and everything below; writes only its own
SEE = {
    ("", "35"): True, ("", "35.75"): True, ("35", "35"): True, ("35", "35.75"): True, ("35", "35.75.01"): True,
    ("35", "36"): False, ("35.75", "35.75"): True, ("35.75", "35.75.01"): True, ("35.75", "35.73"): False,
    ("35.75", "35"): False, ("35.75", ""): False,
}
WRITE = {
    ("", ""): True, ("", "35"): False, ("35", "35"): True, ("35", "35.75"): False, ("35", "35.75.01"): False,
    ("35.75", "35.75"): True, ("35.75", "35.75.01"): True, ("35.75", "35.73"): False, ("35.75", "35"): False,
}


@pytest.mark.parametrize("office,record", sorted(SEE))
def test_scope_read_matrix(office, record):
    for role in auth.ROLES:
        assert auth.Principal("u", role, office).can_see(record) is SEE[(office, record)]


@pytest.mark.parametrize("office,record", sorted(WRITE))
def test_scope_write_matrix(office, record):
    assert auth.Principal("u", "operator", office).can_write(record) is WRITE[(office, record)]


def test_roles_are_checked():
    p = auth.Principal("u", "analyst", "35")
    with pytest.raises(auth.Forbidden):
        auth.require_role(p, ("operator", "admin"))
    for role, allowed in itertools.product(auth.ROLES, [("operator",), auth.ROLES]):
        ok = role in allowed
        try:
            auth.require_role(auth.Principal("u", role, "35"), allowed)
            assert ok
        except auth.Forbidden:
            assert not ok


def test_mint_command_prints_a_verifiable_token(tmp_path, capsys):
    key = tmp_path / "k.pem"
    key.write_bytes(PRIVATE)
    assert auth.main(["mint", "--role", "head", "--region", "33.26", "--key", str(key)]) == 0
    p = VERIFIER.verify(capsys.readouterr().out.strip())
    assert (p.role, p.region) == ("head", "33.26")
    assert auth.main(["mint", "--role", "head", "--region", "99", "--key", str(key)]) == 2


def test_an_ormas_accounts_token_names_its_ormas_and_only_its_portal_takes_it(tmp_path):
    import asyncio

    from shared import web

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    verifier = auth.TokenVerifier(public, issuer="i", audience="a")
    with pytest.raises(ValueError):
        auth.mint(pem, subject="s", role="ormas", region="35.75", issuer="i", audience="a")  # no ormas named
    with pytest.raises(ValueError):
        auth.mint(pem, subject="s", role="operator", region="35.75", issuer="i", audience="a", ormas_id="o1")
    token = auth.mint(pem, subject="s", role="ormas", region="35.75", issuer="i", audience="a", ormas_id="o1")
    principal = verifier.verify(token)
    assert principal.role == "ormas" and principal.ormas_id == "o1"
    forged = jwt.encode({**jwt.decode(token, options={"verify_signature": False}), "ormas_id": None}, pem, algorithm="RS256")
    with pytest.raises(auth.AuthError):
        verifier.verify(forged)

    class Request:
        scope = {"state": {web.VERIFIED: principal}}

    staff = auth.Principal("u", "operator", "35.75")
    for mode, who, refused in (("refused", principal, True), ("allowed", principal, False), ("only", principal, False),
                               ("only", staff, True), ("refused", staff, False)):
        Request.scope = {"state": {web.VERIFIED: who}}
        dependency = web.authenticated(lambda r: verifier, ormas=mode)
        if refused:
            with pytest.raises(auth.Forbidden):
                asyncio.run(dependency(Request(), None))
        else:
            assert asyncio.run(dependency(Request(), None)) == who


def test_a_remembered_token_is_refused_once_it_expires(monkeypatch):
    """The verifier remembers a verified token, but only within the window of its claims: an
    hour on, the same text is checked again, and refused as expired."""
    verifier = auth.TokenVerifier(PUBLIC, issuer="kesbang-registry", audience="kesbang", leeway=0)
    token = _mint(ttl=dt.timedelta(minutes=10))
    assert verifier.verify(token).subject == "u1"
    assert verifier.verify(token).subject == "u1"  # remembered

    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return later

    monkeypatch.setattr(auth.time, "time", lambda: later.timestamp())
    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)
    with pytest.raises(auth.AuthError, match="expired"):
        verifier.verify(token)


def test_a_forged_token_is_refused_even_after_a_genuine_one_was_remembered():
    verifier = auth.TokenVerifier(PUBLIC, issuer="kesbang-registry", audience="kesbang", leeway=0)
    token = _mint(role="analyst")
    verifier.verify(token)
    header, payload, sig = token.split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"analyst"', b'"admin"')).decode()
    with pytest.raises(auth.AuthError):
        verifier.verify(".".join([header, forged, sig]))
