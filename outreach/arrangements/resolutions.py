"""Settlements, payment holidays and fee waivers: quoting them within the limits, storing what
was agreed or asked for, and the decisions on them, each audited with the limits in force.

The limits and tiers are :mod:`outreach.arrangements.resolution_limits`. Used by the bot
(``outreach.selfservice.resolutions``: only ever within the bot's tier, only after the
borrower's yes) and the officers' console (an officer agrees up to the officer tier; above it a
supervisor decides, as for plans outside the limits).

The quotes (and the flags that stop any offer) are :mod:`outreach.arrangements.resolution_quotes`,
re-exported here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach import clock, events
from outreach.arrangements import resolution_limits as rl
from outreach.arrangements.resolution_notices import queue_notice
from outreach.arrangements.resolution_quotes import (
    NotOffered,
    Quote,
    blocked_reason,
    quote_holiday,
    quote_settlement,
    quote_waiver,
)
from outreach.audit import log as audit
from outreach.models import Loan, Payment, Resolution

ZERO = Decimal("0")
OPEN = ("requested", "accepted")


def record(
    session: Session,
    loan: Loan,
    quote: Quote,
    *,
    status: str,
    requested_by: str,
    decided_by: str | None,
    today: date,
    conversation_id: int | None = None,
    case_id: int | None = None,
    channel: str | None = None,
) -> Resolution:
    """Store a request (``requested``) or an agreement (``accepted``), audited with the limits
    in force; an accepted settlement emits ``settlement.accepted`` and queues its written
    confirmation. Earlier open resolutions of the same kind on the loan are cancelled."""
    if status not in ("requested", "accepted"):
        raise ValueError("status: requested or accepted")
    if status == "accepted" and quote.tier is None:
        raise ValueError("terms: outside the limits, nobody may agree them")
    now = clock.now()
    for old in session.scalars(
        select(Resolution).where(
            Resolution.loan_id == loan.id,
            Resolution.kind == quote.kind,
            Resolution.status.in_(OPEN),
        )
    ):
        old.status, old.resolved_at = "cancelled", now
        audit.record(
            session,
            requested_by,
            f"{quote.kind}.cancelled",
            subject=f"resolution:{old.id}",
            borrower_id=loan.borrower_id,
            details={"replaced": True},
        )
    limits = quote.limits
    days = quote.holiday_days
    row = Resolution(
        kind=quote.kind,
        status=status,
        loan_id=loan.id,
        borrower_id=loan.borrower_id,
        conversation_id=conversation_id,
        case_id=case_id,
        currency=loan.currency,
        balance=limits.balance,
        amount=quote.amount,
        discount=(limits.balance - quote.amount) if quote.kind == "settlement" else quote.amount,
        deadline=quote.deadline,
        holiday_start=today if quote.kind == "holiday" else None,
        holiday_end=today + timedelta(days=days - 1) if quote.kind == "holiday" else None,
        tier=quote.tier or "beyond_limits",
        requested_by=requested_by,
        decided_by=decided_by if status == "accepted" else None,
        channel=channel,
        product=limits.product,
        bucket=limits.bucket,
        limits_version=limits.version,
        limits=limits.as_record(),
        created_at=now,
        decided_at=now if status == "accepted" else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        requested_by,
        f"{quote.kind}.{'accepted' if status == 'accepted' else 'requested'}",
        subject=f"resolution:{row.id}",
        borrower_id=loan.borrower_id,
        details=_details(row),
    )
    if status == "accepted":
        _accepted(session, row, loan, now)
    return row


def _details(row: Resolution) -> dict[str, object]:
    return {
        "loan_id": row.loan_id,
        "amount": str(row.amount),
        "balance": str(row.balance),
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "holiday_end": row.holiday_end.isoformat() if row.holiday_end else None,
        "tier": row.tier,
        "decided_by": row.decided_by,
        "limits_version": row.limits_version,
        "limits": row.limits,
    }


def _accepted(session: Session, row: Resolution, loan: Loan, now: datetime) -> None:
    if row.kind == "settlement":
        events.emit(
            session,
            "settlement.accepted",
            loan.borrower_id,
            {
                "settlement_id": row.id,
                "loan_number": loan.loan_number,
                "amount": str(row.amount),
                "balance": str(row.balance),
                "currency": row.currency,
                "deadline": row.deadline.isoformat() if row.deadline else None,
                "decided_by": (row.decided_by or "bot").split(":")[0],
            },
            now,
        )
        # Written confirmation of the terms (US-NY: within 5 days, by email where we have one).
        queue_notice(session, row, loan, "settlement_confirmation", now)


def decide(
    session: Session, row: Resolution, officer_id: int, role: str, approve: bool
) -> Resolution:
    """An officer's or supervisor's decision on a request. ValueError when it is no longer
    waiting, or the decider's role is below the request's tier."""
    if row.status != "requested":
        raise ValueError("resolution: no longer waiting for a decision")
    needed = row.tier
    rank = {"officer": 1, "supervisor": 2, "admin": 2}.get(role, 0)
    if approve and (needed == "beyond_limits" or rank < rl.TIERS.index(needed)):
        raise ValueError(f"resolution: needs a {needed.replace('_', ' ')} decision")
    now = clock.now()
    actor = f"{'supervisor' if rank == 2 else 'officer'}:{officer_id}"
    row.status = "accepted" if approve else "rejected"
    row.decided_by, row.decided_at = actor, now
    if not approve:
        row.resolved_at = now
    loan = session.get(Loan, row.loan_id)
    if approve and row.kind == "settlement":
        today = loan.borrower.today(now)
        row.deadline = today + timedelta(days=int(row.limits.get("validity_days", 14)))
    if approve and row.kind == "holiday" and row.holiday_start and row.holiday_end:
        length = (row.holiday_end - row.holiday_start).days
        row.holiday_start = loan.borrower.today(now)
        row.holiday_end = row.holiday_start + timedelta(days=length)
    audit.record(
        session,
        actor,
        f"{row.kind}.{row.status}",
        subject=f"resolution:{row.id}",
        borrower_id=row.borrower_id,
        details=_details(row),
    )
    if approve:
        _accepted(session, row, loan, now)
    return row


def paid_since(session: Session, row: Resolution) -> Decimal:
    """Payments on the loan since the settlement was agreed."""
    since = row.decided_at or row.created_at
    total = session.scalar(
        select(func.sum(Payment.amount)).where(
            Payment.loan_id == row.loan_id, Payment.paid_at >= since
        )
    )
    return Decimal(total or ZERO)


def open_settlement(session: Session, loan: Loan) -> Resolution | None:
    """The loan's accepted settlement not yet paid or expired."""
    return session.scalar(
        select(Resolution)
        .where(
            Resolution.loan_id == loan.id,
            Resolution.kind == "settlement",
            Resolution.status == "accepted",
        )
        .order_by(Resolution.id.desc())
        .limit(1)
    )


def settlement_due(session: Session, loan: Loan) -> Decimal | None:
    """What is left to pay of the loan's accepted settlement (None: no such settlement)."""
    row = open_settlement(session, loan)
    if row is None:
        return None
    left = row.amount - paid_since(session, row)
    return left if left > 0 else None


__all__ = [
    "NotOffered",
    "Quote",
    "blocked_reason",
    "decide",
    "open_settlement",
    "paid_since",
    "quote_holiday",
    "quote_settlement",
    "quote_waiver",
    "record",
    "settlement_due",
]
