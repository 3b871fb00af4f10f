"""Signed, expiring payment links: which loan (and which conversation asked) a page is for.

``pay_url`` is *the* borrower's payment link, ``PUBLIC_BASE_URL/pay/<token>``: reminders, the
console's payment request and the bot carry it, and the page it opens decides, when it is
opened, how this borrower pays (``outreach.web.payments.link``: the sandbox in demo mode, a card
page, a UPI link, an M-Pesa prompt, or how to pay the lender directly). Demo mode's own sandbox
page has its own salt (``SANDBOX``).

Signed with the app secret, salted per page, with their issue time from the app's clock like the
chat link (``outreach.messaging.links``): an altered, foreign or expired token names nothing.
The link carries no amount: the page asks. It lives here, below the outbox, because reminders
carry it; it is pure token signing and knows nothing about providers.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature

from outreach.messaging.links import timed_serializer
from outreach.settings import Settings

PAY = "payment-link.v1"
SANDBOX = "sandbox-payment-link.v1"
TTL_SECONDS = 7 * 24 * 3600  # as long as the chat link a reminder carries


@dataclass(frozen=True)
class PayLink:
    """What a valid payment token names."""

    loan_id: int
    conversation_id: int | None


def make_token(
    settings: Settings, loan_id: int, conversation_id: int | None = None, salt: str = PAY
) -> str:
    # No conversation (a reminder's link): no "c" key, so the link an SMS carries is shorter.
    data: dict[str, int] = {"l": loan_id}
    if conversation_id is not None:
        data["c"] = conversation_id
    return timed_serializer(settings.secret_key, salt).dumps(data)


def read_token(settings: Settings, token: str, salt: str = PAY) -> PayLink | None:
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
    """``PUBLIC_BASE_URL/pay/<token>``: the borrower's payment link for ``loan_id``."""
    return f"{settings.public_base_url}/pay/{make_token(settings, loan_id, conversation_id)}"
