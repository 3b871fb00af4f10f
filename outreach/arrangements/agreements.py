"""Agreed plans and promises to pay: storing them, each decision audited.

Used by the bot (``outreach.selfservice.plans``, only ever within the limits) and the officers'
console (which may approve a plan outside them). A plan is checked against
:mod:`outreach.arrangements.limits` again here, whatever the caller quoted before.

* ``create_plan(...)``: stores an accepted plan with its schedule (audited; ``plan.accepted``).
* ``record_promise(...)``: stores an open promise to pay (audited; ``promise.created``).

The events go to the lender's subscriptions in the same transaction
(``outreach.events``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import clock, config_files, events
from outreach.arrangements.limits import PlanTerms, evaluate_proposal, to_money
from outreach.audit import log as audit
from outreach.models import Loan, PaymentPlan, PlanInstalment, PromiseToPay

# The plans a new plan on the same loan cancels: those not yet completed, broken or cancelled.
ACTIVE_PLAN_STATUSES = ("proposed", "accepted", "current")


def create_plan(
    session: Session,
    loan: Loan,
    terms: PlanTerms,
    *,
    created_by: str,
    conversation_id: int | None = None,
    outside_policy: bool = False,
    approved_by_id: int | None = None,
    today: date,
) -> PaymentPlan:
    """Store an accepted plan with its instalments; earlier active plans on the loan are
    cancelled. A proposal outside the limits needs ``outside_policy=True`` (an officer's
    decision, with ``approved_by_id``); otherwise ValueError naming the violated limits.
    ``today`` is the borrower's date (``Borrower.today``), which the limits count from."""
    quote = evaluate_proposal(loan, terms, today)
    if not quote.within_policy and not outside_policy:
        raise ValueError(f"terms: outside policy ({', '.join(quote.violations)})")
    now = clock.now()
    replaced = list(
        session.scalars(
            select(PaymentPlan).where(
                PaymentPlan.loan_id == loan.id, PaymentPlan.status.in_(ACTIVE_PLAN_STATUSES)
            )
        )
    )
    for old in replaced:
        old.status = "cancelled"
    plan = PaymentPlan(
        loan_id=loan.id,
        borrower_id=loan.borrower_id,
        conversation_id=conversation_id,
        status="accepted",
        instalment_amount=quote.terms.instalment_amount,
        instalment_count=len(quote.schedule),
        frequency=quote.terms.frequency,
        start_date=quote.terms.start_date,
        first_amount=quote.schedule[0][1],
        total=sum((a for _, a in quote.schedule), Decimal("0")),
        outside_policy=not quote.within_policy,
        created_by=created_by,
        approved_by_id=approved_by_id,
        accepted_at=now,
    )
    session.add(plan)
    session.flush()
    for seq, (due, amount) in enumerate(quote.schedule, start=1):
        session.add(PlanInstalment(plan_id=plan.id, seq=seq, due_date=due, amount=amount))
    session.flush()
    _audit_replaced(session, created_by, "plan", replaced, plan.id, loan.borrower_id)
    audit.record(
        session,
        created_by,
        "plan.created",
        subject=f"plan:{plan.id}",
        borrower_id=loan.borrower_id,
        details={
            "loan_id": loan.id,
            "count": plan.instalment_count,
            "frequency": plan.frequency,
            "total": str(plan.total),
            "outside_policy": plan.outside_policy,
            "violations": quote.violations,
            "approved_by_id": approved_by_id,
        },
    )
    events.emit(
        session,
        "plan.accepted",
        loan.borrower_id,
        {
            "plan_id": plan.id,
            "loan_number": loan.loan_number,
            "instalment_amount": str(plan.instalment_amount),
            "instalment_count": plan.instalment_count,
            "frequency": plan.frequency,
            "start_date": plan.start_date.isoformat(),
            "first_amount": str(plan.first_amount),
            "total": str(plan.total),
            "currency": loan.currency,
            "created_by": "bot" if created_by == "bot" else "officer",
        },
        now,
    )
    return plan


def _audit_replaced(
    session: Session,
    actor: str,
    kind: str,
    replaced: list[PaymentPlan] | list[PromiseToPay],
    by: int,
    borrower_id: int,
) -> None:
    """Audit each arrangement a new one cancelled: every status change is in the log (the
    REST API's change feed reads it), not only the ones the review makes."""
    for old in replaced:
        audit.record(
            session,
            actor,
            f"{kind}.cancelled",
            subject=f"{kind}:{old.id}",
            borrower_id=borrower_id,
            details={"replaced_by": f"{kind}:{by}"},
        )


def promise_max_days() -> int:
    """How many days ahead a promised date may be (config/bot.yaml ``promise.max_days``)."""
    return int((config_files.bot().get("promise") or {}).get("max_days", 14))


def record_promise(
    session: Session,
    loan: Loan,
    promised_date: date,
    amount: Decimal | None,
    *,
    created_by: str,
    conversation_id: int | None = None,
    today: date,
) -> PromiseToPay:
    """Store an open promise (earlier open promises on the loan are cancelled). ValueError
    naming the field for a date in the past or beyond config/bot.yaml ``promise.max_days``,
    or an amount that is not positive."""
    max_days = promise_max_days()
    if promised_date < today:
        raise ValueError("promised_date: must be today or later")
    if (promised_date - today).days > max_days:
        raise ValueError(f"promised_date: must be within {max_days} days")
    if amount is not None:
        amount = to_money(amount, "amount")
        if amount <= 0:
            raise ValueError("amount: must be more than zero")
    now = clock.now()
    replaced = list(
        session.scalars(
            select(PromiseToPay).where(
                PromiseToPay.loan_id == loan.id, PromiseToPay.status == "open"
            )
        )
    )
    for old in replaced:
        old.status, old.resolved_at = "cancelled", now
    promise = PromiseToPay(
        loan_id=loan.id,
        borrower_id=loan.borrower_id,
        conversation_id=conversation_id,
        amount=amount,
        promised_date=promised_date,
        status="open",
        created_by=created_by,
    )
    session.add(promise)
    session.flush()
    _audit_replaced(session, created_by, "promise", replaced, promise.id, loan.borrower_id)
    audit.record(
        session,
        created_by,
        "promise.recorded",
        subject=f"promise:{promise.id}",
        borrower_id=loan.borrower_id,
        details={
            "loan_id": loan.id,
            "date": promised_date.isoformat(),
            "amount": str(amount) if amount is not None else None,
        },
    )
    events.emit(
        session,
        "promise.created",
        loan.borrower_id,
        {
            "promise_id": promise.id,
            "loan_number": loan.loan_number,
            "promised_date": promised_date.isoformat(),
            "amount": str(amount) if amount is not None else None,
            "currency": loan.currency,
            "created_by": "bot" if created_by == "bot" else "officer",
        },
        now,
    )
    return promise


__all__ = ["ACTIVE_PLAN_STATUSES", "create_plan", "promise_max_days", "record_promise"]
