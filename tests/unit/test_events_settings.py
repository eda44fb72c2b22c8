import pytest

from services.events.settings import DEV_TOKEN_SECRET, Settings


def test_production_refuses_the_development_rsvp_secret(tmp_path):
    pub = tmp_path / "jwt-public.pem"
    pub.write_text("x")
    with pytest.raises(ValueError, match="EVENTS_TOKEN_SECRET"):
        Settings(environment="production", jwt_public_key_file=pub)
    secret = tmp_path / "rsvp-token-secret"
    secret.write_text("s" * 48 + "\n")
    s = Settings(environment="production", jwt_public_key_file=pub, token_secret_file=secret,
                 public_url="https://undangan.kesbangpol.example.go.id")
    assert s.token_secret.get_secret_value() == "s" * 48 and "s" * 48 not in repr(s)
    secret.write_text("short")
    with pytest.raises(ValueError, match="at least 32"):
        Settings(environment="production", jwt_public_key_file=pub, token_secret_file=secret)
    assert Settings().token_secret.get_secret_value() == DEV_TOKEN_SECRET  # development default
