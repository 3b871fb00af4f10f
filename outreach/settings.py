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
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

from outreach.smtp_url import parse_smtp_url

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


APP_ENVS = ("development", "test", "production")
MIN_SECRET_KEY = 32
MIN_RASA_TOKEN = 24
# Long enough, but published (this repository, Flask's tutorial): anyone can sign sessions with
# them. Compared case-insensitively (security review finding 13). Short demo values such as
# "dev" fail the length check first.
KNOWN_DEMO_SECRETS = frozenset(
    {
        "test-secret-key-0123456789abcdef0123456789",  # tests/conftest.py
        "bench-secret-key-0123456789abcdef",  # bench/bench_bot_turn.py
        "bench" * 8,  # bench/bench_outreach.py
        # Flask's tutorial ("Deploy to Production") example key.
        "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf",
    }
)
# Fewer distinct characters than this is a pattern ("x" * 32, "abc" * 11), not a secret.
MIN_DISTINCT_CHARS = 8


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names every offending variable."""


INBOUND_TURNS = ("", "worker", "inline")


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
    # Several Rasa servers, comma-separated; a stable hash of the conversation id picks one
    # (outreach.conversations.rasa_client). Empty: RASA_URL alone.
    rasa_urls: str = ""
    # Who runs the bot turn of an SMS/WhatsApp message: "worker" (the webhook stores and queues
    # it and answers Twilio at once; inbound_worker.py runs the turn) or "inline" (in the
    # request, as before). Empty: "worker" in production, "inline" elsewhere.
    inbound_turns: str = ""
    # How long a worker holds a queued turn before another may take it over (a killed worker).
    inbound_lease_seconds: int = 60
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
    # Where an inbound message waits when the database cannot take it (outreach.conversations.spool);
    # empty: instance/inbound-spool.
    inbound_spool_dir: str = ""
    # How many reverse proxies in front of the app append to X-Forwarded-For (0: none; the
    # client address is the socket's). Feeds werkzeug's ProxyFix.
    trusted_proxy_count: int = 0
    # A monitor's bearer token for /healthz/ready (the detailed health); empty: admins only.
    health_token: str = ""
    allow_sqlite_in_production: bool = False  # README "Production": why SQLite is refused
    # Payment providers (contracts/payments.md); one without its credentials is not offered.
    stripe_api_key: str = ""
    stripe_webhook_secret: str = ""  # whsec_...: the endpoint's signing secret
    stripe_api_base: str = ""  # empty: Stripe's own
    mpesa_consumer_key: str = ""
    mpesa_consumer_secret: str = ""
    mpesa_shortcode: str = ""
    mpesa_passkey: str = ""
    mpesa_callback_token: str = ""  # the secret path segment of every M-Pesa callback URL
    mpesa_api_base: str = "https://sandbox.safaricom.co.ke"
    mpesa_allowed_ips: str = ""  # comma-separated addresses or networks; empty: any caller
    razorpay_key_id: str = ""
    razorpay_key_secret: str = ""
    razorpay_webhook_secret: str = ""
    razorpay_api_base: str = ""  # empty: Razorpay's own
    # Africa's Talking, a second SMS provider (config/sms_routes.yaml picks it per country).
    # Its callbacks are unsigned: a secret path segment and an optional caller allowlist guard
    # them, as for M-Pesa.
    africastalking_username: str = ""
    africastalking_api_key: str = ""
    africastalking_sender_id: str = ""  # an approved alphanumeric sender or a shortcode
    africastalking_shortcodes: str = ""  # comma-separated codes borrowers write to
    africastalking_api_base: str = ""  # empty: the SDK's own (sandbox for username "sandbox")
    africastalking_callback_token: str = ""
    africastalking_allowed_ips: str = ""  # comma-separated addresses or networks; empty: any
    # Outbound event webhooks (outreach.integrations.webhooks): each POST gives up after this
    # long (then retried with backoff); this many deliveries run at once; a worker holds a
    # stream this long (a crashed worker's hold runs out, then another one redelivers).
    events_http_timeout_seconds: float = 10.0
    events_workers: int = 16
    events_lease_seconds: int = 300
    # The lender's REST API (/api/v1): requests per key (Flask-Limiter syntax, counted in
    # RATELIMIT_STORAGE_URI), and how long the first answer to an Idempotency-Key is kept.
    api_rate_limit: str = "1200 per minute"
    api_idempotency_hours: int = 24
    # File drops (outreach.integrations.file_drops): a folder path or sftp://user@host:port/path
    # where the lender drops loan books and payment files; empty: off. The daily export goes to
    # FILE_DROP_EXPORT_URL (default: the drop's "outbox" folder).
    file_drop_url: str = ""
    file_drop_export_url: str = ""
    file_drop_sftp_password: str = ""
    file_drop_sftp_key: str = ""  # the private key itself (OpenSSH or PEM text), not a path
    file_drop_sftp_host_key: str = ""  # the server's public host key: "ssh-ed25519 AAAA..."
    file_drop_poll_seconds: int = 300
    # Apache Fineract / Mifos X (outreach.integrations.fineract); empty URL: off.
    fineract_url: str = ""  # e.g. https://fineract.example/fineract-provider/api/v1
    fineract_tenant: str = "default"
    fineract_username: str = ""
    fineract_password: str = ""
    fineract_hook_token: str = ""  # the secret path segment of the hook URL
    fineract_country: str = ""  # ISO 3166 code of the lender's borrowers (Fineract has none)
    fineract_locale: str = "en"  # the borrowers' locale, and the notes' language (en or es)
    fineract_timezone: str = ""
    fineract_delinquency_pause: bool = False  # pause delinquency for an agreed payment holiday
    fineract_page_size: int = 200
    fineract_sync_seconds: int = 900
    fineract_timeout_seconds: float = 20.0
    missing: list[str] = field(default_factory=list)

    @property
    def demo_mode(self) -> bool:
        """No Twilio credentials: the sandbox channel stands in for Twilio."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def queued_turns(self) -> bool:
        """Whether SMS/WhatsApp bot turns run on the inbound worker (``INBOUND_TURNS``)."""
        return self.inbound_turns == "worker" or (not self.inbound_turns and self.production)

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
            elif f.type == "bool":
                if raw.lower() in ("1", "true", "0", "false"):
                    values[f.name] = raw.lower() in ("1", "true")
                else:
                    errors.append(f"{f.name.upper()}: expected 1 or 0, got {raw!r}")
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
        for name in (
            "rasa_timeout_seconds",
            "rasa_max_concurrent",
            "events_http_timeout_seconds",
            "events_workers",
            "events_lease_seconds",
            "inbound_lease_seconds",
        ):
            if name in values and values[name] <= 0:  # type: ignore[operator]
                errors.append(f"{name.upper()}: must be greater than 0, got {env[name.upper()]!r}")
        if "api_idempotency_hours" in values and values["api_idempotency_hours"] <= 0:  # type: ignore[operator]
            errors.append("API_IDEMPOTENCY_HOURS: must be greater than 0")
        if "api_rate_limit" in values:
            try:  # a typo must not start an API without its limit
                parse_many(str(values["api_rate_limit"]))
            except ValueError as exc:
                errors.append(f"API_RATE_LIMIT: {exc}")
        proxies = values.get("trusted_proxy_count", 0)
        if isinstance(proxies, int) and proxies < 0:
            errors.append("TRUSTED_PROXY_COUNT: 0 or more proxies")
        for name in ("mpesa_allowed_ips", "africastalking_allowed_ips"):
            if name in values:
                try:  # a typo must not quietly open (or shut) an unsigned provider's callbacks
                    allowed_networks(str(values[name]))
                except ValueError as exc:
                    errors.append(f"{name.upper()}: {exc}")
        errors += integration_errors(values)
        if values.get("app_env", "development") not in APP_ENVS:
            # A typo such as "prod" must not quietly start a development server.
            errors.append(f"APP_ENV: one of {', '.join(APP_ENVS)}, got {values['app_env']!r}")
        if values.get("inbound_turns", "") not in INBOUND_TURNS:
            errors.append(f"INBOUND_TURNS: worker or inline, got {values['inbound_turns']!r}")
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
        """Refuse to start in production with any required setting missing or weak, naming
        every problem in one error (security review finding 13)."""
        problems = [f"missing settings: {', '.join(self.missing)}"] if self.missing else []
        problems += self.weak_production_settings()
        if problems:
            raise SettingsError("production mode refuses to start; " + "; ".join(problems))

    def weak_production_settings(self) -> list[str]:
        """Settings that are present but unfit for production, each as ``NAME: problem``."""
        problems = []
        if self.secret_key:
            problem = _weak_secret(self.secret_key, MIN_SECRET_KEY)
            if problem:
                problems.append(f"SECRET_KEY: {problem}")
        if self.rasa_token:
            problem = _weak_secret(self.rasa_token, MIN_RASA_TOKEN)
            if problem is None and self.secret_key and self.rasa_token in self.secret_key:
                # The development token is a slice of the secret: whoever reads one knows both.
                problem = "must not be derived from SECRET_KEY; set its own random token"
            if problem:
                problems.append(f"RASA_TOKEN: {problem}")
        if "PUBLIC_BASE_URL" not in self.missing:
            url = urlsplit(self.public_base_url)
            if url.scheme != "https" or not url.hostname:
                # Session cookies are Secure only over https, and Twilio signs the URL it calls.
                problems.append("PUBLIC_BASE_URL: must be an https:// URL")
        if self.database_url.startswith("sqlite") and not self.allow_sqlite_in_production:
            problems.append(
                "DATABASE_URL: SQLite is refused in production (use PostgreSQL, or set "
                "ALLOW_SQLITE_IN_PRODUCTION=1 for a single-host deployment)"
            )
        return problems

    @property
    def our_numbers(self) -> frozenset[str]:
        """The numbers borrowers write to (E.164, no ``whatsapp:``): a webhook's ``To`` must be
        one of them (security finding 31); demo mode adds the sandbox number."""
        numbers = {self.twilio_sms_from, self.twilio_whatsapp_from.removeprefix("whatsapp:")}
        if self.demo_mode:
            numbers.add(SANDBOX_NUMBER)
        return frozenset(n for n in numbers if n)

    @property
    def africastalking_configured(self) -> bool:
        return bool(self.africastalking_username and self.africastalking_api_key)

    @property
    def africastalking_codes(self) -> frozenset[str]:
        """The shortcodes and sender ids an Africa's Talking inbound ``to`` may name."""
        codes = {c.strip() for c in self.africastalking_shortcodes.split(",")}
        return frozenset(c for c in codes | {self.africastalking_sender_id} if c)

    @property
    def sandbox_auth_token(self) -> str:
        """The token Twilio signatures are checked against (a derived one in demo mode)."""
        return self.twilio_auth_token or self.secret_key


def integration_errors(values: dict[str, object]) -> list[str]:
    """What is wrong with the file-drop and Fineract settings, each as ``NAME: problem``: a
    typo must stop the start, not surface as a failed job at night."""
    errors = []
    for name in ("file_drop_url", "file_drop_export_url"):
        url = str(values.get(name) or "")
        if "://" in url:
            parts = urlsplit(url)
            try:
                parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
            except ValueError:
                errors.append(f"{name.upper()}: the port is not a number")
                continue
            if parts.scheme != "sftp" or not parts.hostname or not parts.username:
                errors.append(f"{name.upper()}: a folder path or sftp://user@host:port/path")
            elif not values.get("file_drop_sftp_host_key"):
                # No trust on first use: an unknown server could take the loan book.
                errors.append("FILE_DROP_SFTP_HOST_KEY: required for an sftp:// drop")
    url = str(values.get("fineract_url") or "")
    if url:
        parts = urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            # Basic auth sends the password with every request: never in clear off this host.
            errors.append("FINERACT_URL: https:// (http:// only to this host)")
        country = str(values.get("fineract_country") or "")
        if len(country) != 2 or not country.isalpha():
            errors.append("FINERACT_COUNTRY: the ISO 3166 code of the borrowers' country")
    zone = str(values.get("fineract_timezone") or "")
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(f"FINERACT_TIMEZONE: not an IANA zone: {zone!r}")
    if str(values.get("fineract_locale") or "en") not in ("en", "es"):
        errors.append("FINERACT_LOCALE: en or es")
    for name in ("file_drop_poll_seconds", "fineract_page_size", "fineract_sync_seconds"):
        if name in values and values[name] <= 0:  # type: ignore[operator]
            errors.append(f"{name.upper()}: must be greater than 0")
    return errors


def allowed_networks(spec: str) -> list[IPv4Network | IPv6Network]:
    """``MPESA_ALLOWED_IPS`` as networks (an address is a network of one). ValueError if any
    entry is not an address or network."""
    return [ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()]


def caller_allowed(networks: list[IPv4Network | IPv6Network], remote_addr: str | None) -> bool:
    """Whether an unsigned provider's caller (M-Pesa, Africa's Talking) is inside its allowlist;
    an empty allowlist admits any caller (the secret path token still guards the route)."""
    if not networks:
        return True
    try:
        caller = ip_address(remote_addr or "")
    except ValueError:
        return False
    return any(caller in network for network in networks)


def _weak_secret(value: str, minimum: int) -> str | None:
    """Why ``value`` is unfit to be a production secret, or None."""
    if len(value) < minimum:
        return f"at least {minimum} characters (got {len(value)})"
    if value.lower() in KNOWN_DEMO_SECRETS:
        return "a published demo value; generate a random one (secrets.token_hex(32))"
    if len(set(value)) < MIN_DISTINCT_CHARS:
        return f"a repeated pattern (fewer than {MIN_DISTINCT_CHARS} distinct characters)"
    return None


if __name__ == "__main__":  # `python -m outreach.settings rasa-token`, used by scripts/rasa-server
    # Printed to a pipe the script reads into RASA_TOKEN; it never goes on a command line.
    import sys

    if sys.argv[1:] == ["rasa-token"]:
        print(Settings.from_env().rasa_token)
    else:
        sys.exit("usage: python -m outreach.settings rasa-token")
