"""The sandbox payment provider of demo mode: a page of ours stands in for the provider's.

Offered only outside production and while no real provider is configured (``offered``). Its
link (``outreach.messaging.pay_links``, salted ``SANDBOX``) names a loan and the conversation that
asked. Paying completes through the same ``apply_event`` as a provider callback, with provider
``sandbox`` and a fresh reference; the amount is the one typed on our page
(``outreach.payments.amounts``), never one from a URL.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from outreach.channels import Channels
from outreach.messaging.pay_links import SANDBOX, make_token
from outreach.models import Loan
from outreach.payments.apply import Outcome, apply_event
from outreach.payments.base import PaymentEvent
from outreach.payments.providers import configured
from outreach.settings import Settings

NAME = "sandbox"


def offered(settings: Settings) -> bool:
    """Demo mode for payments: not production, and no real provider's credentials set."""
    return not settings.production and not configured(settings)


def pay_url(settings: Settings, loan_id: int, conversation_id: int | None = None) -> str:
    """``PUBLIC_BASE_URL/sandbox/pay/<token>``: where a demo borrower pays."""
    token = make_token(settings, loan_id, conversation_id, SANDBOX)
    return f"{settings.public_base_url}/sandbox/pay/{token}"


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
