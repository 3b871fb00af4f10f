"""Signed, expiring self-service links: a reminder opens the web chat tied to its borrower.

The link only says *which* borrower the chat is about; the borrower still verifies identity in
the chat before any account detail is shown. Tokens are signed with the app secret (salted for
this purpose only) and carry their issue time, so an expired or altered link is refused.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from . import clock
from .settings import Settings

SALT = "self-service-link.v1"
DEFAULT_TTL_SECONDS = 7 * 24 * 3600


class ClockTimestampSigner(TimestampSigner):
    """Issue and expiry times from the app's clock (itsdangerous reads ``time.time()``)."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def timed_serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    """A signed, timestamped serializer whose ages are measured on the app's clock."""
    return URLSafeTimedSerializer(secret_key, salt=salt, signer=ClockTimestampSigner)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return timed_serializer(settings.secret_key, SALT)


def make_token(settings: Settings, borrower_id: int) -> str:
    return _serializer(settings).dumps({"b": borrower_id})


def make_link(settings: Settings, borrower_id: int) -> str:
    """The URL a reminder carries: ``PUBLIC_BASE_URL/chat/?t=<token>``."""
    return f"{settings.public_base_url}/chat/?t={make_token(settings, borrower_id)}"


def read_token(
    settings: Settings, token: str, max_age_seconds: int = DEFAULT_TTL_SECONDS
) -> int | None:
    """The borrower id in a valid, unexpired token; None for anything else."""
    try:
        data = _serializer(settings).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        return None
    except BadSignature:
        return None
    borrower_id = data.get("b") if isinstance(data, dict) else None
    return borrower_id if isinstance(borrower_id, int) else None
