"""The payments a loan received through the providers, and the parked callbacks that name it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from outreach.models import Loan, ProviderPayment
from outreach.payments.apply import loan_key


def loan_payments(session: Session, loan_number: str) -> tuple[bool, list[dict[str, Any]]]:
    """(whether the loan exists, one dict per payment): ``provider``, ``reference``, ``amount``
    (a decimal string), ``currency``, ``status``, ``received_at`` (ISO 8601).

    ``status`` is the contract's ``applied`` or ``review``, and ``refunded`` for a parked payment
    a supervisor marked refunded (it was never applied, and is no longer waiting: printing it as
    ``review`` would send operations chasing it, leaving it out would hide money that came in).
    A parked payment a supervisor matched is ``applied``, listed under the loan it was matched to.

    A parked callback names the loan when its loan number does, compared as M-Pesa account
    references are (letters and digits, no case): an officer looking for a borrower's payment
    sees the one they mistyped."""
    loan = session.scalar(select(Loan).where(Loan.loan_number == loan_number))
    key = loan_key(loan_number)
    parked = session.scalars(
        select(ProviderPayment).where(
            ProviderPayment.loan_id.is_(None), ProviderPayment.loan_number.is_not(None)
        )
    ).all()
    named = [p.id for p in parked if key and loan_key(p.loan_number or "") == key]
    conditions = [ProviderPayment.id.in_(named)]
    if loan is not None:
        conditions.append(ProviderPayment.loan_id == loan.id)
    rows = session.scalars(
        select(ProviderPayment)
        .where(or_(*conditions))
        .order_by(ProviderPayment.received_at, ProviderPayment.id)
    ).all()
    return loan is not None, [
        {
            "provider": r.provider,
            "reference": r.reference,
            "amount": str(r.amount),
            "currency": r.currency,
            "status": r.status,
            "received_at": r.received_at.isoformat(),
        }
        for r in rows
    ]
