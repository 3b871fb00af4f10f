"""The stop and pause conditions of a cadence, as correlated ``EXISTS`` clauses over ``Loan``.

They are columns of the planning query (one query for the whole book), never per-loan lookups.
The dispatcher checks the same conditions again at send time (``outreach.delivery``).
"""

from __future__ import annotations

from sqlalchemy import Exists, exists

from .models import BorrowerFlag, HandoffCase, Loan, PaymentPlan, PromiseToPay

# A plan in these states replaces the cadence with instalment reminders.
OPEN_PLAN = ("accepted", "current")


def flag_open() -> Exists:
    """The borrower has an uncleared flag (dispute, cease and desist, attorney, bankruptcy...)."""
    return exists().where(
        BorrowerFlag.borrower_id == Loan.borrower_id, BorrowerFlag.cleared_at.is_(None)
    )


def handoff_open() -> Exists:
    """An officer owns the borrower's conversation (a handoff case not yet closed)."""
    return exists().where(
        HandoffCase.borrower_id == Loan.borrower_id, HandoffCase.status != "closed"
    )


def plan_open() -> Exists:
    """The loan has an accepted or current payment plan."""
    return exists().where(PaymentPlan.loan_id == Loan.id, PaymentPlan.status.in_(OPEN_PLAN))


def promise_open() -> Exists:
    """The loan has an open promise to pay."""
    return exists().where(PromiseToPay.loan_id == Loan.id, PromiseToPay.status == "open")


def stop_reason(flag: bool, handoff: bool, plan: bool, promise: bool) -> str | None:
    """The rule that holds a loan's cadence back, most binding first (``None``: it goes ahead)."""
    if flag:
        return "borrower_flag"
    if handoff:
        return "handoff_open"
    if plan:
        return "plan_current"
    if promise:
        return "promise_open"
    return None
