import pytest

from outreach.settings import Settings, SettingsError


def test_it_runs_in_demo_mode_without_twilio_credentials(tmp_path):
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "k"})
    assert settings.demo_mode


def test_it_leaves_demo_mode_when_twilio_credentials_are_set():
    settings = Settings.from_env(
        {
            "DATABASE_URL": "sqlite://",
            "SECRET_KEY": "k",
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "t",
        }
    )
    assert not settings.demo_mode
    assert settings.sandbox_auth_token == "t"


def test_it_refuses_production_naming_every_missing_setting():
    with pytest.raises(SettingsError) as err:
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": "k", "RASA_URL": "http://r"})
    message = str(err.value)
    for name in (
        "DATABASE_URL",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "PUBLIC_BASE_URL",
        "SMTP_URL",
        "MAIL_FROM",
        "RASA_TOKEN",
    ):
        assert name in message
    assert "SECRET_KEY" not in message and "RASA_URL" not in message


def test_it_names_a_malformed_number_setting():
    with pytest.raises(SettingsError, match="RASA_TIMEOUT_SECONDS"):
        Settings.from_env(
            {"SECRET_KEY": "k", "DATABASE_URL": "sqlite://", "RASA_TIMEOUT_SECONDS": "soon"}
        )


def test_it_defaults_to_a_local_relay_without_tls_and_requires_tls_elsewhere():
    from outreach.smtp_url import parse_smtp_url

    default = Settings.from_env({"SECRET_KEY": "k", "DATABASE_URL": "sqlite://"}).smtp_url
    assert default == "smtp://127.0.0.1:1025?starttls=off"
    assert parse_smtp_url(default).starttls is False
    assert parse_smtp_url("smtp://relay.lender.example:587").starttls is True  # no user: still
    with pytest.raises(SettingsError, match="SMTP_URL: starttls=off is allowed only"):
        Settings.from_env(
            {
                "SECRET_KEY": "k",
                "DATABASE_URL": "sqlite://",
                "SMTP_URL": "smtp://10.0.0.5?starttls=off",
            }
        )


def test_it_bounds_rasa_calls_by_default_and_refuses_a_limit_of_zero():
    defaults = Settings.from_env({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k"})
    assert (defaults.rasa_timeout_seconds, defaults.rasa_max_concurrent) == (5.0, 4)
    with pytest.raises(SettingsError) as err:
        Settings.from_env(
            {
                "DATABASE_URL": "sqlite://",
                "SECRET_KEY": "k",
                "RASA_MAX_CONCURRENT": "0",
                "RASA_TIMEOUT_SECONDS": "-1",
            }
        )
    assert "RASA_MAX_CONCURRENT: must be greater than 0" in str(err.value)
    assert "RASA_TIMEOUT_SECONDS: must be greater than 0" in str(err.value)


def test_it_names_a_negative_or_malformed_proxy_count():
    for raw in ("-1", "two"):
        with pytest.raises(SettingsError, match="TRUSTED_PROXY_COUNT"):
            Settings.from_env(
                {"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "TRUSTED_PROXY_COUNT": raw}
            )
    assert (
        Settings.from_env({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k"}).trusted_proxy_count == 0
    )


def test_it_derives_the_rasa_token_from_the_secret_without_revealing_it():
    # Finding 14: the default token was the secret's first 24 characters.
    import hashlib
    import hmac

    secret = "s3cret-" * 8
    token = Settings.from_env({"SECRET_KEY": secret, "DATABASE_URL": "sqlite://"}).rasa_token
    assert (
        token
        == hmac.new(secret.encode(), b"outreach.rasa-api-token.v1", hashlib.sha256).hexdigest()
    )
    assert token[:8] not in secret and len(token) == 64
    other = Settings.from_env({"SECRET_KEY": secret + "x", "DATABASE_URL": "sqlite://"})
    assert other.rasa_token != token
    given = Settings.from_env(
        {"SECRET_KEY": secret, "DATABASE_URL": "sqlite://", "RASA_TOKEN": "from-the-environment"}
    )
    assert given.rasa_token == "from-the-environment"
