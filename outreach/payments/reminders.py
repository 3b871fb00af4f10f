"""Cancelling the reminders a payment made unnecessary, before they go out.

A pending reminder asks for an amount (its payload's ``amount``: the arrears, the instalment or
the promised amount when it was planned); once payments received since it was planned reach that
amount it is no longer due and is cancelled (audited as ``outbox.stopped``, reason
``payment_received``). Only ``pending`` rows are touched, by a conditional update: a row the
dispatcher has already claimed (``sending``) or handed to a provider is never recalled.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.models import Loan, OutboxItem, Payment

REASON = "payment_received"


def _asked(item: OutboxItem, loan: Loan) -> Decimal:
    """What the reminder asks the borrower to pay (the loan's arrears when it does not say)."""
    try:
        return Decimal(str((item.payload or {})["amount"]))
    except (KeyError, InvalidOperation):
        return loan.past_due_amount


def cancel_covered_reminders(session: Session, loan: Loan, now: datetime, actor: str) -> list[int]:
    """Cancel the loan's pending reminders that payments since they were planned cover; answers
    the ids cancelled. Flushed with the caller's transaction, not committed."""
    pending = session.scalars(
        select(OutboxItem).where(OutboxItem.loan_id == loan.id, OutboxItem.status == "pending")
    ).all()
    cancelled: list[int] = []
    for item in pending:
        paid = session.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(
                Payment.loan_id == loan.id, Payment.paid_at >= item.created_at
            )
        )
        if Decimal(paid) < _asked(item, loan):
            continue
        result = session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == item.id, OutboxItem.status == "pending")
            .values(status="cancelled", last_error=REASON, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            cancelled.append(item.id)
            audit.record(
                session,
                actor,
                "outbox.stopped",
                subject=f"outbox:{item.id}",
                borrower_id=item.borrower_id,
                details={"reason": REASON},
                at=now,
            )
    for item in pending:
        if item.id in cancelled:
            session.refresh(item)
    return cancelled
