"""Reviewing payment arrangements against the payments actually received.

``review_arrangements(session, now)`` (scheduler job id ``arrangements``, daily) decides, with
``today`` the borrower's own date at ``now`` (``Borrower.today``: a plan in Honolulu is not
missed while it is still the due day there):

- Instalments: payments on the loan since the plan was created (``paid_at`` on or after
  ``created_at``) are applied to the instalments in order. An instalment is ``paid`` when they
  cover every instalment up to and including it (``paid_amount`` records what was applied); it is
  ``missed`` when ``today`` is more than ``GRACE_DAYS`` after its due date and it is not covered.
- Plans (accepted or current): ``completed`` when every instalment is paid; ``broken`` when one is
  missed; ``current`` once the first instalment is paid (``accepted`` until then).
- Promises (open): ``kept`` when payments since the promise was made, received by the promised
  date plus ``GRACE_DAYS``, cover its amount (any payment when no amount was promised);
  ``broken`` when the grace period has passed without that.

``GRACE_DAYS`` (2) allows for payments that take a day or two to be posted by the bank: a
borrower who paid on time is never told they broke an arrangement. Every change is audited, and
``plan.completed``, ``plan.broken``, ``promise.kept`` and ``promise.broken`` are emitted to the
lender's subscriptions in the same transaction (``outreach.events``).
A broken plan or promise no longer pauses the reminder cadence (``outreach.campaigns.planner``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from outreach import events
from outreach.arrangements.resolution_review import review_resolutions
from outreach.audit import log as audit
from outreach.models import Borrower, Payment, PaymentPlan, PromiseToPay

log = logging.getLogger(__name__)
GRACE_DAYS = 2
ZERO = Decimal("0")


@dataclass
class ArrangementReport:
    instalments_paid: int = 0
    instalments_missed: int = 0
    plans: dict[str, int] = field(default_factory=dict)  # new status -> count
    promises: dict[str, int] = field(default_factory=dict)
    resolutions: dict[str, int] = field(default_factory=dict)  # "settlement.paid" -> count

    def _bump(self, bucket: dict[str, int], status: str) -> None:
        bucket[status] = bucket.get(status, 0) + 1


def _payments(session: Session, loan_ids: set[int]) -> dict[int, list[tuple[date, Decimal]]]:
    out: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    if not loan_ids:
        return out
    rows = session.execute(
        select(Payment.loan_id, Payment.paid_at, Payment.amount)
        .where(Payment.loan_id.in_(loan_ids))
        .order_by(Payment.paid_at)
    )
    for loan_id, paid_at, amount in rows:
        out[loan_id].append((paid_at, amount))
    return out


def _review_plan(
    session: Session,
    plan: PaymentPlan,
    payments: list,
    borrower: Borrower,
    now: datetime,
    report: ArrangementReport,
    actor: str,
) -> None:
    today = borrower.today(now)
    paid_total = sum((amt for at, amt in payments if at >= plan.created_at), ZERO)
    remaining = paid_total
    missed = False
    for inst in plan.instalments:
        applied = min(inst.amount, max(remaining, ZERO))
        remaining -= inst.amount
        if applied != inst.paid_amount:
            inst.paid_amount = applied
        if applied >= inst.amount:
            if inst.status != "paid":
                inst.status = "paid"
                report.instalments_paid += 1
        elif today > inst.due_date + timedelta(days=GRACE_DAYS):
            missed = True
            if inst.status != "missed":
                inst.status = "missed"
                report.instalments_missed += 1
    new = plan.status
    if plan.instalments and all(i.status == "paid" for i in plan.instalments):
        new, plan.completed_at = "completed", now
    elif missed:
        new, plan.broken_at = "broken", now
    elif any(i.status == "paid" for i in plan.instalments):
        new = "current"
    if new != plan.status:
        audit.record(
            session,
            actor,
            f"plan.{new}",
            subject=f"plan:{plan.id}",
            borrower_id=plan.borrower_id,
            details={"from": plan.status},
        )
        if new in ("broken", "completed"):  # "current" is ours, not an event for the lender
            events.emit(
                session,
                f"plan.{new}",
                plan.borrower_id,
                {
                    "plan_id": plan.id,
                    "loan_number": events.loan_number(session, plan.loan_id),
                    "total": str(plan.total),
                    "paid": str(paid_total),
                    "instalments_missed": sum(1 for i in plan.instalments if i.status == "missed"),
                },
                now,
            )
        plan.status = new
        report._bump(report.plans, new)


def _review_promise(
    session: Session,
    ptp: PromiseToPay,
    payments: list,
    borrower: Borrower,
    now: datetime,
    report: ArrangementReport,
    actor: str,
) -> None:
    today = borrower.today(now)
    deadline = ptp.promised_date + timedelta(days=GRACE_DAYS)
    # A payment counts on the borrower's date it was made, not the server's.
    paid = [amt for at, amt in payments if at >= ptp.created_at and borrower.today(at) <= deadline]
    total = sum(paid, ZERO)
    kept = total >= ptp.amount if ptp.amount is not None else bool(paid)
    if kept:
        new = "kept"
    elif today > deadline:
        new = "broken"
    else:
        return
    ptp.status, ptp.resolved_at = new, now
    audit.record(
        session,
        actor,
        f"promise.{new}",
        subject=f"promise:{ptp.id}",
        borrower_id=ptp.borrower_id,
        details={"paid": str(total)},
    )
    events.emit(
        session,
        f"promise.{new}",
        ptp.borrower_id,
        {
            "promise_id": ptp.id,
            "loan_number": events.loan_number(session, ptp.loan_id),
            "promised_date": ptp.promised_date.isoformat(),
            "amount": str(ptp.amount) if ptp.amount is not None else None,
            "paid": str(total),
        },
        now,
    )
    report._bump(report.promises, new)


def _review(
    session: Session, now: datetime, actor: str, loan_id: int | None = None
) -> ArrangementReport:
    report = ArrangementReport()
    plan_query = (
        select(PaymentPlan)
        .where(PaymentPlan.status.in_(("accepted", "current")))
        .options(selectinload(PaymentPlan.instalments))
    )
    promise_query = select(PromiseToPay).where(PromiseToPay.status == "open")
    if loan_id is not None:
        plan_query = plan_query.where(PaymentPlan.loan_id == loan_id)
        promise_query = promise_query.where(PromiseToPay.loan_id == loan_id)
    plans = session.scalars(plan_query).all()
    promises = session.scalars(promise_query).all()
    payments = _payments(session, {p.loan_id for p in plans} | {p.loan_id for p in promises})
    ids = {p.borrower_id for p in plans} | {p.borrower_id for p in promises}
    borrowers = {b.id: b for b in session.scalars(select(Borrower).where(Borrower.id.in_(ids)))}
    for plan in plans:
        borrower = borrowers[plan.borrower_id]
        _review_plan(session, plan, payments.get(plan.loan_id, []), borrower, now, report, actor)
    for ptp in promises:
        borrower = borrowers[ptp.borrower_id]
        _review_promise(session, ptp, payments.get(ptp.loan_id, []), borrower, now, report, actor)
    # Settlements and payment holidays (issue 17): paid, expired, ended.
    report.resolutions = review_resolutions(session, now, actor, loan_id).changed
    return report


def review_arrangements(session: Session, now: datetime) -> ArrangementReport:
    """Mark instalments, plans and promises from the ``payments`` rows (see module docstring)."""
    report = _review(session, now, "scheduler")
    session.commit()
    log.info("arrangements: %s", report)
    return report


def review_loan(session: Session, loan_id: int, now: datetime, actor: str) -> ArrangementReport:
    """The same review for one loan's arrangements, at once (a payment just arrived); audited
    as ``actor``, flushed with the caller's transaction, not committed."""
    return _review(session, now, actor, loan_id)
