"""Cancelling the reminders a payment made unnecessary, before they go out.

A pending reminder asks for an amount (its payload's ``amount``: the arrears, the instalment or
the promised amount when it was planned); once payments received since it was planned reach that
amount it is no longer due and is cancelled (audited as ``outbox.stopped``, reason
``payment_received``). That includes a row the dispatcher claimed in the same second but has not
decided yet (``sending`` with no message logged): the dispatcher skips a claimed row cancelled
before it decides (``outreach.outbox.dispatcher._still_claimed``). A row whose message is logged
has been handed over and is never recalled (contracts/payments.md, "Effects").

The two take turns on the rows: ``hold`` locks the loan's cancellable rows (PostgreSQL
``FOR UPDATE``; SQLite serialises writers) before the payment's audit events take the audit
chain's lock, the order the dispatcher takes them in too, so the two never deadlock.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select, update
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


def _cancellable():  # type: ignore[no-untyped-def]
    """Not yet handed over: waiting, or claimed by a dispatcher that has logged no message."""
    return or_(
        OutboxItem.status == "pending",
        (OutboxItem.status == "sending") & OutboxItem.message_id.is_(None),
    )


def hold(session: Session, loan: Loan) -> list[OutboxItem]:
    """The loan's cancellable reminders, locked until the caller's transaction ends."""
    query = (
        select(OutboxItem)
        .where(OutboxItem.loan_id == loan.id, _cancellable())
        .order_by(OutboxItem.id)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.scalars(query))


def cancel_covered_reminders(session: Session, loan: Loan, now: datetime, actor: str) -> list[int]:
    """Cancel the loan's reminders not yet handed over that payments since they were planned
    cover; answers the ids cancelled. Flushed with the caller's transaction, not committed."""
    pending = hold(session, loan)
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
            .where(OutboxItem.id == item.id, _cancellable())
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
