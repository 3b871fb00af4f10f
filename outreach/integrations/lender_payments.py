"""Payments the lender's own system posts: through the payments pipeline, once per reference.

A payment becomes a :class:`PaymentEvent` of provider ``lender`` with the lender's reference and
goes to ``outreach.payments.apply.apply_event``, like a provider's verified callback: applied to
the loan it names (arrangements move, covered reminders are cancelled, the borrower gets one
receipt) or parked for an officer (no such loan, another currency than the loan's). The same
reference again changes nothing and answers ``duplicate``; the same reference with another
loan, amount or currency is a conflict, never a silent second payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.channels import Channels
from outreach.integrations.problems import Conflict
from outreach.models import ProviderPayment
from outreach.payments.apply import apply_event
from outreach.payments.base import PaymentEvent
from outreach.settings import Settings

PROVIDER = "lender"


@dataclass(frozen=True)
class LenderPayment:
    """A payment as the API received it, already checked for shape (``outreach.web.api``)."""

    loan_number: str
    reference: str
    amount: Decimal
    currency: str
    paid_at: datetime


def _stored(session: Session, reference: str) -> ProviderPayment | None:
    return session.scalar(
        select(ProviderPayment).where(
            ProviderPayment.provider == PROVIDER, ProviderPayment.reference == reference
        )
    )


def _as_dict(row: ProviderPayment, status: str, cancelled: int = 0) -> dict[str, Any]:
    return {
        "status": status,
        "reason": row.review_reason,
        "reference": row.reference,
        "loan_number": row.loan_number,
        "amount": str(row.amount),
        "currency": row.currency,
        "paid_at": row.received_at,
        "reminders_cancelled": cancelled,
    }


def post_payment(
    session: Session,
    payment: LenderPayment,
    now: datetime,
    *,
    settings: Settings,
    channels: Channels,
) -> dict[str, Any]:
    """Apply (or park) ``payment``; the answer says ``applied``, ``review`` (with the reason)
    or ``duplicate``. Conflict when the reference was used for a different payment."""
    known = _stored(session, payment.reference)
    if known is not None:
        if (known.loan_number, known.amount, known.currency) != (
            payment.loan_number,
            payment.amount,
            payment.currency,
        ):
            raise Conflict(
                f"reference {payment.reference!r} was posted before for another loan, amount "
                "or currency; a reference names one payment",
                pointer="/reference",
            )
        return _as_dict(known, "duplicate")
    event = PaymentEvent(
        provider=PROVIDER,
        reference=payment.reference,
        loan_number=payment.loan_number,
        amount=payment.amount,
        currency=payment.currency,
        received_at=payment.paid_at,
        # Kept on a parked payment for the officer who reviews it (JSON: amounts as text).
        raw={
            "loan_number": payment.loan_number,
            "reference": payment.reference,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "paid_at": payment.paid_at.isoformat(),
        },
    )
    outcome = apply_event(session, event, now, settings=settings, channels=channels)
    row = _stored(session, payment.reference)  # applied, parked or a racing duplicate: stored
    assert row is not None
    return _as_dict(row, outcome.status, len(outcome.reminders_cancelled))
