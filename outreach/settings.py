"""Settings read from the environment, strictly parsed, with safe local defaults.

Secrets come only from the environment. With no Twilio credentials the app runs in *demo mode*
(a sandbox channel stands in for Twilio). In production mode (``APP_ENV=production``) the startup
check names every missing setting and refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

from .smtp_url import parse_smtp_url

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"

# Settings a production deployment must set explicitly (demo defaults are not acceptable there).
PRODUCTION_REQUIRED = (
    "DATABASE_URL",
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_SMS_FROM",
    "RASA_URL",
    "RASA_TOKEN",
    "ACTION_SERVER_URL",
    "SMTP_URL",
    "MAIL_FROM",
)


# Twilio's magic test number: our SMS sender in demo mode, the number sandbox phones write to.
SANDBOX_NUMBER = "+15005550006"


def derive_secret(secret_key: str, purpose: str) -> str:
    """A key for one purpose, derived from SECRET_KEY (HMAC-SHA256 with a purpose label)."""
    label = f"outreach.{purpose}.v1".encode()
    return hmac.new(secret_key.encode(), label, hashlib.sha256).hexdigest()


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names every offending variable."""


def _default_sqlite_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'outreach.sqlite'}"


def _demo_secret() -> str:
    """A per-install secret kept under instance/ so demo sessions survive restarts."""
    path = INSTANCE_DIR / "demo-secret"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class Settings:
    app_env: str = "development"
    database_url: str = ""
    secret_key: str = ""
    public_base_url: str = "http://127.0.0.1:5000"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_api_base_url: str = ""  # empty: Twilio's own
    twilio_sms_from: str = SANDBOX_NUMBER
    twilio_whatsapp_from: str = ""
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    action_server_url: str = "http://127.0.0.1:5055"
    # The demo's local mail catcher: plain SMTP is allowed only on loopback (outreach.smtp_url).
    smtp_url: str = "smtp://127.0.0.1:1025?starttls=off"
    mail_from: str = "Demo Lender <reminders@demo-lender.example>"
    lender_name: str = "Demo Lender"
    # Each Rasa call gives up after this long, and at most rasa_max_concurrent run at once per
    # process: beyond that a borrower is told "busy" at once (security finding 15).
    rasa_timeout_seconds: float = 5.0
    rasa_max_concurrent: int = 4
    reminder_interval_seconds: int = 60
    # Where an inbound message waits when the database cannot take it (outreach.inbound_spool);
    # empty: instance/inbound-spool.
    inbound_spool_dir: str = ""
    # How many reverse proxies in front of the app append to X-Forwarded-For (0: none; the
    # client address is the socket's). Feeds werkzeug's ProxyFix.
    trusted_proxy_count: int = 0
    # A monitor's bearer token for /healthz/ready (the detailed health); empty: admins only.
    health_token: str = ""
    missing: list[str] = field(default_factory=list)

    @property
    def demo_mode(self) -> bool:
        """No Twilio credentials: the sandbox channel stands in for Twilio."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read every setting from ``env`` (default ``os.environ``)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        errors: list[str] = []
        for f in fields(cls):
            if f.name == "missing":
                continue
            raw = env.get(f.name.upper())
            if raw is None or raw == "":
                continue
            if f.type == "float":
                try:
                    values[f.name] = float(raw)
                except ValueError:
                    errors.append(f"{f.name.upper()}: expected a number, got {raw!r}")
            elif f.type == "int":
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    errors.append(f"{f.name.upper()}: expected an integer, got {raw!r}")
            else:
                values[f.name] = raw
        if "smtp_url" in values:
            try:  # a URL that would send in clear, or not at all, stops the start (finding 32)
                parse_smtp_url(str(values["smtp_url"]))
            except ValueError as exc:
                errors.append(str(exc))
        for name in ("rasa_timeout_seconds", "rasa_max_concurrent"):
            if name in values and values[name] <= 0:  # type: ignore[operator]
                errors.append(f"{name.upper()}: must be greater than 0, got {env[name.upper()]!r}")
        proxies = values.get("trusted_proxy_count", 0)
        if isinstance(proxies, int) and proxies < 0:
            errors.append("TRUSTED_PROXY_COUNT: 0 or more proxies")
        if errors:
            raise SettingsError("; ".join(errors))
        settings = cls(**values)  # type: ignore[arg-type]
        settings.missing = [name for name in PRODUCTION_REQUIRED if not env.get(name)]
        if settings.production:
            settings.check_production()
        if not settings.database_url:
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
            settings.database_url = _default_sqlite_url()
        if not settings.secret_key:
            settings.secret_key = _demo_secret()
        if not settings.rasa_token:
            # Outside production (which requires RASA_TOKEN) the token is derived from the
            # secret with a purpose label: knowing it reveals nothing of SECRET_KEY (finding
            # 14: it used to be the secret's first 24 characters).
            settings.rasa_token = derive_secret(settings.secret_key, "rasa-api-token")
        settings.public_base_url = settings.public_base_url.rstrip("/")
        return settings

    def check_production(self) -> None:
        """Refuse to start in production with any required setting missing."""
        if self.missing:
            raise SettingsError(
                "production mode refuses to start; missing settings: " + ", ".join(self.missing)
            )

    @property
    def our_numbers(self) -> frozenset[str]:
        """The numbers borrowers write to (E.164, no ``whatsapp:``): a webhook's ``To`` must be
        one of them (security finding 31); demo mode adds the sandbox number."""
        numbers = {self.twilio_sms_from, self.twilio_whatsapp_from.removeprefix("whatsapp:")}
        if self.demo_mode:
            numbers.add(SANDBOX_NUMBER)
        return frozenset(n for n in numbers if n)

    @property
    def sandbox_auth_token(self) -> str:
        """The token Twilio signatures are checked against (a derived one in demo mode)."""
        return self.twilio_auth_token or self.secret_key


if __name__ == "__main__":  # `python -m outreach.settings rasa-token`, used by scripts/rasa-server
    # Printed to a pipe the script reads into RASA_TOKEN; it never goes on a command line.
    import sys

    if sys.argv[1:] == ["rasa-token"]:
        print(Settings.from_env().rasa_token)
    else:
        sys.exit("usage: python -m outreach.settings rasa-token")
