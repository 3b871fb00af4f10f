"""``SMTP_URL``, strictly parsed: where email goes and how it is protected on the way.

Forms:
- ``smtps://user:pass@host:465``: implicit TLS;
- ``smtp://[user:pass@]host:587``: STARTTLS, always required: a server (or an attacker on the
  path stripping the offer) that does not offer it fails the send, nothing goes in clear
  (security finding 32);
- ``smtp://127.0.0.1:1025?starttls=off``: plain SMTP, allowed only for a relay on this machine
  (loopback), e.g. the development mail catcher;
- ``?cafile=/path/ca.pem`` trusts a private CA (certificates are always verified).

Settings checks the URL at start-up (``SettingsError`` naming ``SMTP_URL``); the email channel
reads it with the same function.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

STARTTLS_MODES = ("require", "off")


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool  # plain smtp://: STARTTLS required (True) or off for a loopback relay
    user: str | None
    password: str | None
    cafile: str | None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_smtp_url(url: str) -> SmtpTarget:
    """The SMTP server ``url`` names; ``ValueError`` naming ``SMTP_URL`` for anything else."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ValueError("SMTP_URL: the port must be a number from 1 to 65535") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL: expected smtp://[user:pass@]host[:port] or smtps://...")
    query = parse_qs(parts.query)
    mode = (query.get("starttls") or ["require"])[0]
    if mode not in STARTTLS_MODES:
        # "auto" (STARTTLS only when offered) is what an attacker on the path strips: refused.
        raise ValueError("SMTP_URL: starttls must be require (the default) or off")
    implicit_tls = parts.scheme == "smtps"
    if mode == "off" and not implicit_tls and not is_loopback(parts.hostname):
        raise ValueError(
            "SMTP_URL: starttls=off is allowed only for a relay on this machine "
            "(127.0.0.1, ::1 or localhost)"
        )
    return SmtpTarget(
        host=parts.hostname,
        port=port or (465 if implicit_tls else 25),
        implicit_tls=implicit_tls,
        starttls=not implicit_tls and mode == "require",
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        cafile=(query.get("cafile") or [None])[0],
    )
