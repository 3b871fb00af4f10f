import re

import pytest

from outreach.settings import Settings, SettingsError

STRONG_SECRET = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6"
STRONG_TOKEN = "r7Kq2mZx9Lp4Wn8Tb3Vc6Hd1"
# A complete, sound production environment; each test below spoils one part of it.
PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgresql://outreach@db.internal/outreach",
    "SECRET_KEY": STRONG_SECRET,
    "PUBLIC_BASE_URL": "https://outreach.lender.example",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "TWILIO_SMS_FROM": "+15005550006",
    "RASA_URL": "http://rasa.internal:5005",
    "RASA_TOKEN": STRONG_TOKEN,
    "ACTION_SERVER_URL": "http://actions.internal:5055",
    "SMTP_URL": "smtp://mail.internal:25",
    "MAIL_FROM": "Lender <reminders@lender.example>",
}


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
        Settings.from_env(
            {"APP_ENV": "production", "SECRET_KEY": STRONG_SECRET, "RASA_URL": "http://r"}
        )
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


def test_it_bounds_event_deliveries_by_default_and_refuses_a_timeout_of_zero():
    defaults = Settings.from_env({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k"})
    assert (defaults.events_http_timeout_seconds, defaults.events_workers) == (10.0, 16)
    with pytest.raises(SettingsError) as err:
        Settings.from_env(
            {"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "EVENTS_HTTP_TIMEOUT_SECONDS": "0"}
        )
    assert "EVENTS_HTTP_TIMEOUT_SECONDS: must be greater than 0" in str(err.value)


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


def test_it_starts_in_production_with_sound_settings():
    settings = Settings.from_env(PRODUCTION)
    assert settings.production and settings.secret_key == STRONG_SECRET


@pytest.mark.parametrize("value", ["prod", "Production", "staging", "dev"])
def test_it_refuses_an_unknown_app_env_by_name(value):
    with pytest.raises(
        SettingsError, match=rf"APP_ENV: one of development, test, production, got '{value}'"
    ):
        Settings.from_env({**PRODUCTION, "APP_ENV": value})


@pytest.mark.parametrize("value", ["development", "test"])
def test_it_accepts_the_non_production_environments(value, tmp_path):
    env = {"APP_ENV": value, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "k"}
    assert not Settings.from_env(env).production


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "x"}, "SECRET_KEY: at least 32 characters (got 1)"),
        ({"SECRET_KEY": "x" * 40}, "SECRET_KEY: a repeated pattern"),
        (
            {"SECRET_KEY": "test-secret-key-0123456789abcdef0123456789"},
            "SECRET_KEY: a published demo value",
        ),
        (
            {"PUBLIC_BASE_URL": "http://outreach.lender.example"},
            "PUBLIC_BASE_URL: must be an https:// URL",
        ),
        ({"PUBLIC_BASE_URL": "https://"}, "PUBLIC_BASE_URL: must be an https:// URL"),
        ({"RASA_TOKEN": "short-token"}, "RASA_TOKEN: at least 24 characters (got 11)"),
        ({"RASA_TOKEN": STRONG_SECRET[:24]}, "RASA_TOKEN: must not be derived from SECRET_KEY"),
        (
            {"DATABASE_URL": "sqlite:////srv/outreach.sqlite"},
            "DATABASE_URL: SQLite is refused in production",
        ),
        (
            {"ALLOW_SQLITE_IN_PRODUCTION": "yes please"},
            "ALLOW_SQLITE_IN_PRODUCTION: expected 1 or 0",
        ),
    ],
)
def test_it_refuses_weak_production_settings_by_name(overrides, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings.from_env({**PRODUCTION, **overrides})


def test_it_names_every_weak_production_setting_in_one_error():
    weak = {
        "SECRET_KEY": "x",
        "PUBLIC_BASE_URL": "http://outreach.lender.example",
        "RASA_TOKEN": "x",
        "DATABASE_URL": "sqlite:////srv/outreach.sqlite",
    }
    env = {k: v for k, v in {**PRODUCTION, **weak}.items() if k != "MAIL_FROM"}
    with pytest.raises(SettingsError) as err:
        Settings.from_env(env)
    message = str(err.value)
    assert "missing settings: MAIL_FROM" in message
    for name in weak:
        assert f"{name}: " in message, name


def test_it_allows_sqlite_in_production_only_when_asked():
    env = {**PRODUCTION, "DATABASE_URL": "sqlite:////srv/outreach.sqlite"}
    settings = Settings.from_env({**env, "ALLOW_SQLITE_IN_PRODUCTION": "1"})
    assert settings.allow_sqlite_in_production and settings.database_url.startswith("sqlite")
