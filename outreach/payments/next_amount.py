"""The amount the bot proposes to a borrower who wants to pay now, and why.

The borrower's own arrangement comes first: what is left of the open promise to pay, else of
the running plan's next unpaid instalment; then the arrears; then everything owed. Payments
count as ``outreach.arrangements.review`` counts them (made since the arrangement was agreed).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.arrangements.resolutions import settlement_due
from outreach.models import Loan, Payment, PaymentPlan, PromiseToPay
from outreach.payments import amounts

ZERO = Decimal("0")
RUNNING_PLAN = ("accepted", "current")
# Why this amount: the reasons default_amount answers, in the order it tries them.
REASON_ORDER = ("promise", "instalment", "arrears")


def _paid_since(session: Session, loan: Loan, since: datetime) -> Decimal:
    paid = session.scalar(
        select(func.sum(Payment.amount)).where(Payment.loan_id == loan.id, Payment.paid_at >= since)
    )
    return Decimal(paid or ZERO)


def promise_left(session: Session, loan: Loan) -> Decimal | None:
    """What is left to pay of the loan's latest open promise (None: no such promise, or paid);
    a promise without an amount stands for the arrears (as the bot records "all")."""
    promise = session.scalar(
        select(PromiseToPay)
        .where(PromiseToPay.loan_id == loan.id, PromiseToPay.status == "open")
        .order_by(PromiseToPay.created_at.desc(), PromiseToPay.id.desc())
        .limit(1)
    )
    if promise is None:
        return None
    promised = promise.amount if promise.amount is not None else loan.past_due_amount
    left = promised - _paid_since(session, loan, promise.created_at)
    return left if left > 0 else None


def instalment_left(session: Session, loan: Loan) -> Decimal | None:
    """What is left of the next unpaid instalment of the loan's running plan (None: none)."""
    plan = session.scalar(
        select(PaymentPlan)
        .where(PaymentPlan.loan_id == loan.id, PaymentPlan.status.in_(RUNNING_PLAN))
        .order_by(PaymentPlan.created_at.desc(), PaymentPlan.id.desc())
        .limit(1)
    )
    for inst in plan.instalments if plan is not None else []:
        left = inst.amount - inst.paid_amount
        if inst.status != "paid" and left > 0:
            return left
    return None


def default_amount(session: Session, loan: Loan, purpose: str | None = None) -> tuple[Decimal, str]:
    """(amount, reason): the open promise's remainder ("promise"), else the next unpaid
    instalment ("instalment"), else the arrears ("arrears"), else everything owed
    ("outstanding"). ``purpose`` ("promise" or "instalment", from the borrower's words) is tried
    first. The amount is kept within what may be paid at once (``amounts.smallest`` up to what
    is owed): a page or a prompt would refuse anything else."""
    # An accepted settlement comes first: paying it settles the account (issue 17).
    settled = settlement_due(session, loan)
    if settled is not None:
        return min(settled, loan.outstanding), "settlement"
    found = {
        "promise": promise_left(session, loan),
        "instalment": instalment_left(session, loan),
        "arrears": loan.past_due_amount if loan.past_due_amount > 0 else None,
    }
    order = sorted(REASON_ORDER, key=lambda reason: reason != purpose)  # stable: purpose first
    for reason in order:
        value = found[reason]
        if value is not None:
            return min(max(value, amounts.smallest(loan)), loan.outstanding), reason
    return loan.outstanding, "outstanding"
