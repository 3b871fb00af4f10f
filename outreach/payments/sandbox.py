"""The sandbox payment provider of demo mode: a page of ours stands in for the provider's.

Offered only outside production and while no real provider is configured (``offered``). Its
link names a loan (and the conversation that asked) in a signed token that expires, read on the
app's clock like the chat link (``outreach.messaging.links``). Paying completes through the same
``apply_event`` as a provider callback, with provider ``sandbox`` and a fresh reference; the
amount is what the borrower typed on our page, checked here, never one from a URL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from itsdangerous import BadSignature
from sqlalchemy.orm import Session

from outreach import config_files
from outreach.channels import Channels
from outreach.messaging.links import timed_serializer
from outreach.models import Loan
from outreach.payments.apply import Outcome, apply_event
from outreach.payments.base import PaymentEvent
from outreach.payments.providers import configured
from outreach.settings import Settings

NAME = "sandbox"
SALT = "sandbox-payment-link.v1"
TTL_SECONDS = 7 * 24 * 3600  # as long as the chat link a reminder carries
CENT = Decimal("0.01")


def offered(settings: Settings) -> bool:
    """Demo mode for payments: not production, and no real provider's credentials set."""
    return not settings.production and not configured(settings)


@dataclass(frozen=True)
class PayLink:
    """What a valid sandbox payment token names."""

    loan_id: int
    conversation_id: int | None


def make_token(settings: Settings, loan_id: int, conversation_id: int | None = None) -> str:
    return timed_serializer(settings.secret_key, SALT).dumps({"l": loan_id, "c": conversation_id})


def pay_url(settings: Settings, loan_id: int, conversation_id: int | None = None) -> str:
    """``PUBLIC_BASE_URL/sandbox/pay/<token>``: where a demo borrower pays."""
    return (
        f"{settings.public_base_url}/sandbox/pay/{make_token(settings, loan_id, conversation_id)}"
    )


def read_token(settings: Settings, token: str) -> PayLink | None:
    """The link a valid, unexpired token names; None when altered, expired or not ours."""
    try:
        data = timed_serializer(settings.secret_key, SALT).loads(token, max_age=TTL_SECONDS)
    except BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or not isinstance(data.get("l"), int):
        return None
    conv = data.get("c")
    return PayLink(data["l"], conv if isinstance(conv, int) else None)


def minimum(currency: str) -> Decimal:
    """The smallest amount paid at once in ``currency`` (config/payments.yaml ``min_payment``)."""
    if not (config_files.config_dir() / "payments.yaml").is_file():
        return Decimal(0)  # a config directory without the file sets no minimum
    table = config_files.load("payments.yaml").get("min_payment") or {}
    return Decimal(str(table.get(currency.upper(), table.get("default", 0))))


def amount_due(loan: Loan) -> Decimal:
    """What the page proposes: the arrears, or everything owed when nothing is in arrears."""
    return loan.past_due_amount if loan.past_due_amount > 0 else loan.outstanding


class AmountRefused(ValueError):
    """The typed amount cannot be paid; ``code`` says why (``invalid``, ``too_small``, ``too_large``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def checked_amount(loan: Loan, typed: str) -> Decimal:
    """The typed amount when it may be paid: at least the minimum (or everything owed, when
    that is less), at most what is owed, in cents."""
    try:
        amount = Decimal(typed.strip().replace(",", "."))
    except InvalidOperation:
        raise AmountRefused("invalid") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise AmountRefused("invalid")
    if amount > loan.outstanding:
        raise AmountRefused("too_large")
    if amount < min(minimum(loan.currency), loan.outstanding):
        raise AmountRefused("too_small")
    return amount


def pay(
    session: Session,
    settings: Settings,
    channels: Channels,
    loan: Loan,
    amount: Decimal,
    now: datetime,
    conversation_id: int | None = None,
) -> tuple[str, Outcome]:
    """Complete a sandbox payment through ``apply_event``; answers its reference and outcome."""
    reference = "sbx_" + secrets.token_hex(12)
    event = PaymentEvent(
        provider=NAME,
        reference=reference,
        loan_number=loan.loan_number,
        amount=amount,
        currency=loan.currency,
        received_at=now,
        raw={"sandbox": True},
        conversation_id=conversation_id,
    )
    return reference, apply_event(session, event, now, settings=settings, channels=channels)
