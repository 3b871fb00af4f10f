"""Signed, expiring links a message carries: the self-service chat link and the email
unsubscribe link.

The chat link only says *which* borrower the chat is about; the borrower still verifies identity
in the chat before any account detail is shown. It is refused once the borrower owes nothing
(security finding 26: a paid-up borrower's old reminder still opened a chat about the account).

The unsubscribe link opts the borrower's email addresses out and does nothing else. It expires
after ``UNSUBSCRIBE_TTL_SECONDS`` (60 days: far longer than a mail client waits to send an
RFC 8058 one-click POST, and every newer email carries a fresh link; finding 26: they never
expired).

Tokens are signed with the app secret, salted per purpose, and carry their issue time read from
the app's clock, so an expired or altered link is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import (
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.models import Loan
from outreach.settings import Settings

SALT = "self-service-link.v1"
DEFAULT_TTL_SECONDS = 7 * 24 * 3600
# v1 unsubscribe tokens carried no time and never expired; they read as expired from v2 on.
LEGACY_UNSUBSCRIBE_SALT = "email-unsubscribe.v1"
UNSUBSCRIBE_SALT = "email-unsubscribe.v2"
UNSUBSCRIBE_TTL_SECONDS = 60 * 24 * 3600


class ClockTimestampSigner(TimestampSigner):
    """Issue and expiry times from the app's clock (itsdangerous reads ``time.time()``)."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def timed_serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    """A signed, timestamped serializer whose ages are measured on the app's clock."""
    return URLSafeTimedSerializer(secret_key, salt=salt, signer=ClockTimestampSigner)


@dataclass(frozen=True)
class LinkRead:
    """What a link says: its borrower (when the signature holds) and whether it may be used:
    ``valid``, ``expired``, ``invalid`` (altered, another secret, no borrower) or ``settled``
    (a chat link for a borrower who owes nothing)."""

    borrower_id: int | None
    state: str


def _read(serializer: URLSafeTimedSerializer, token: str, max_age: int) -> LinkRead:
    try:
        data = serializer.loads(token, max_age=max_age)
        state = "valid"
    except SignatureExpired as exc:  # the signature held, so the payload is ours
        data, state = _payload(serializer, exc.payload), "expired"
    except BadSignature:
        return LinkRead(None, "invalid")
    borrower_id = data.get("b") if isinstance(data, dict) else None
    if not isinstance(borrower_id, int):
        return LinkRead(None, "invalid")
    return LinkRead(borrower_id, state)


def _payload(serializer: URLSafeTimedSerializer, raw: object) -> object:
    try:
        return serializer.load_payload(raw) if isinstance(raw, bytes) else None
    except BadSignature:
        return None


# --- the self-service chat link ------------------------------------------------------------


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
    read = _read(_serializer(settings), token, max_age_seconds)
    return read.borrower_id if read.state == "valid" else None


def owes(session: Session, borrower_id: int) -> bool:
    """Whether the borrower has anything outstanding on any loan."""
    return (
        session.scalar(
            select(Loan.id)
            .where(Loan.borrower_id == borrower_id, Loan.outstanding > 0, Loan.status != "paid")
            .limit(1)
        )
        is not None
    )


def read_link(session: Session, settings: Settings, token: str) -> LinkRead:
    """A chat link as the chat page and widget use it: ``valid``, ``invalid`` (expired links
    included: the chat says the same for both) or ``settled`` when nothing is owed."""
    borrower_id = read_token(settings, token)
    if borrower_id is None:
        return LinkRead(None, "invalid")
    if not owes(session, borrower_id):
        return LinkRead(borrower_id, "settled")
    return LinkRead(borrower_id, "valid")


# --- the email unsubscribe link ------------------------------------------------------------


def _unsubscribe_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return timed_serializer(settings.secret_key, UNSUBSCRIBE_SALT)


def unsubscribe_url(settings: Settings, borrower_id: int) -> str:
    token = _unsubscribe_serializer(settings).dumps({"b": borrower_id})
    return f"{settings.public_base_url}/unsubscribe/{token}"


def read_unsubscribe_token(settings: Settings, token: str) -> LinkRead:
    """``valid``, ``expired`` (borrower known: the page can answer in their language) or
    ``invalid``. A v1 token (no time in it) reads as expired: the page says how to opt out."""
    read = _read(_unsubscribe_serializer(settings), token, UNSUBSCRIBE_TTL_SECONDS)
    if read.state == "invalid":
        try:
            data = URLSafeSerializer(settings.secret_key, salt=LEGACY_UNSUBSCRIBE_SALT).loads(token)
        except BadSignature:
            return read
        borrower_id = data.get("b") if isinstance(data, dict) else None
        if isinstance(borrower_id, int):
            return LinkRead(borrower_id, "expired")
    return read
