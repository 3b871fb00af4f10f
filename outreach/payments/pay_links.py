"""Signed, expiring payment links: which loan (and which conversation asked) a page is for.

Signed with the app secret, salted per page (the card page and demo mode's sandbox page), with
their issue time from the app's clock like the chat link (``outreach.messaging.links``): an
altered, foreign or expired token names nothing. The link carries no amount: the page asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature

from outreach.messaging.links import timed_serializer
from outreach.settings import Settings

CARD = "payment-link.v1"
SANDBOX = "sandbox-payment-link.v1"
TTL_SECONDS = 7 * 24 * 3600  # as long as the chat link a reminder carries


@dataclass(frozen=True)
class PayLink:
    """What a valid payment token names."""

    loan_id: int
    conversation_id: int | None


def make_token(
    settings: Settings, loan_id: int, conversation_id: int | None = None, salt: str = CARD
) -> str:
    return timed_serializer(settings.secret_key, salt).dumps({"l": loan_id, "c": conversation_id})


def read_token(settings: Settings, token: str, salt: str = CARD) -> PayLink | None:
    """The link a valid, unexpired token names; None when altered, expired or not ours."""
    try:
        data = timed_serializer(settings.secret_key, salt).loads(token, max_age=TTL_SECONDS)
    except BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or not isinstance(data.get("l"), int):
        return None
    conv = data.get("c")
    return PayLink(data["l"], conv if isinstance(conv, int) else None)


def pay_url(settings: Settings, loan_id: int, conversation_id: int | None = None) -> str:
    """``PUBLIC_BASE_URL/pay/<token>``: the card payment page a message carries."""
    return f"{settings.public_base_url}/pay/{make_token(settings, loan_id, conversation_id)}"
