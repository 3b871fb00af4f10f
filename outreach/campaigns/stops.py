"""The stop and pause conditions of a cadence, as correlated ``EXISTS`` clauses over ``Loan``.

They are columns of the planning query (one query for the whole book), never per-loan lookups.
The dispatcher checks the same conditions again at send time, for a whole claimed batch in a few
set-based queries (``batch_stop_reasons``): a row planned before a condition began is cancelled
(audited as ``outbox.stopped``), and the planner resumes the cadence when the condition ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Exists, case, exists, func, or_, select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.models import (
    FLAGS,
    AccountStage,
    BorrowerFlag,
    CollectionPause,
    HandoffCase,
    Loan,
    OutboxItem,
    Payment,
    PaymentPlan,
    PromiseToPay,
    Resolution,
)
from outreach.models.stages import AUTOMATION_STOPPED

# A plan in these states replaces the cadence with instalment reminders.
OPEN_PLAN = ("accepted", "current")


def flag_open() -> Exists:
    """The borrower has an uncleared *blocking* flag (dispute, cease and desist, attorney,
    bankruptcy, deceased, breathing space). ``hardship`` and ``complaint`` are notes for
    officers and do not stop the cadence: a disclosed vulnerability pauses it for a bounded
    breathing space instead (``pause_open``, config/care.yaml), after which it resumes, so a
    borrower in hardship is neither chased nor forgotten (FCA FG21/1; CONC 7.3)."""
    return exists().where(
        BorrowerFlag.borrower_id == Loan.borrower_id,
        BorrowerFlag.cleared_at.is_(None),
        BorrowerFlag.flag.in_(FLAGS),
    )


def stage_stopped() -> Exists:
    """The loan is in a stage without automated collection messages (legal, agency, written off,
    closed: ``outreach.models.stages.AUTOMATION_STOPPED``); required notices go as letters."""
    return exists().where(
        AccountStage.loan_id == Loan.id, AccountStage.stage.in_(AUTOMATION_STOPPED)
    )


def pause_open(now: datetime) -> Exists:
    """A collection pause covers the loan at ``now``: the vulnerability breathing space (every
    loan of the borrower) or a payment claim being verified (that loan)."""
    return exists().where(*_pause_covers(now, Loan.borrower_id, Loan.id))


def _pause_covers(now: datetime, borrower_id: Any, loan_id: Any) -> list[Any]:
    return [
        CollectionPause.borrower_id == borrower_id,
        or_(CollectionPause.loan_id.is_(None), CollectionPause.loan_id == loan_id),
        CollectionPause.starts_at <= now,
        CollectionPause.ends_at > now,
        CollectionPause.ended_early_at.is_(None),
    ]


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


def resolution_open() -> Exists:
    """An accepted settlement (settlement reminders replace the cadence) or payment holiday
    (the cadence pauses until it ends): ``outreach.arrangements.resolution_review`` ends both."""
    return exists().where(
        Resolution.loan_id == Loan.id,
        Resolution.status == "accepted",
        Resolution.kind.in_(("settlement", "holiday")),
    )


def paid_since_figures() -> ColumnElement[bool]:
    """Payments through the product since the loan's figures were last written cover what the
    cadence would ask (the arrears, else the next instalment, else the balance).

    With config/payments.yaml ``reduce_balance: false`` a payment leaves the mirrored figures as
    the lender last sent them until its next import: without this, tomorrow's step would ask
    again for money already paid. A changed import (or a reduced balance) writes the loan's
    ``updated_at``, after which only later payments count."""
    paid = (
        select(func.coalesce(func.sum(Payment.amount), 0))
        .where(Payment.loan_id == Loan.id, Payment.paid_at >= Loan.updated_at)
        .scalar_subquery()
    )
    asked = case(
        (Loan.past_due_amount > 0, Loan.past_due_amount),
        else_=func.coalesce(Loan.next_due_amount, Loan.outstanding),
    )
    return paid >= asked


def stop_reason(
    flag: bool,
    handoff: bool,
    plan: bool,
    promise: bool,
    paid: bool = False,
    paused: bool = False,
    resolution: bool = False,
) -> str | None:
    """The rule that holds a loan's cadence back, most binding first (``None``: it goes ahead)."""
    if flag:
        return "borrower_flag"
    if handoff:
        return "handoff_open"
    if paused:
        return "care_pause"
    if plan:
        return "plan_current"
    if resolution:
        return "resolution_open"
    if promise:
        return "promise_open"
    if paid:
        return "payment_received"
    return None


def batch_stop_reasons(
    session: Session, rows: list[OutboxItem], now: datetime | None = None
) -> dict[int, str]:
    """``stop_reason`` for a whole claimed batch in a few set-based queries: {row id: reason}."""
    out: dict[int, str] = {}
    if not rows:
        return out
    now = now if now is not None else clock.now()
    borrowers = {r.borrower_id for r in rows}
    loans = {r.loan_id for r in rows if r.loan_id}

    def matching(column: Any, *conditions: Any) -> set[int]:
        return set(session.scalars(select(column).where(*conditions)))

    flagged = matching(
        BorrowerFlag.borrower_id,
        BorrowerFlag.borrower_id.in_(borrowers),
        BorrowerFlag.cleared_at.is_(None),
        BorrowerFlag.flag.in_(FLAGS),
    )
    pauses = set(
        session.execute(
            select(CollectionPause.borrower_id, CollectionPause.loan_id).where(
                CollectionPause.borrower_id.in_(borrowers),
                CollectionPause.starts_at <= now,
                CollectionPause.ends_at > now,
                CollectionPause.ended_early_at.is_(None),
            )
        ).all()
    )
    handoff = matching(
        HandoffCase.borrower_id,
        HandoffCase.borrower_id.in_(borrowers),
        HandoffCase.status != "closed",
    )
    closed = matching(
        Loan.id,
        Loan.id.in_(loans),
        (Loan.status.in_(("paid", "settled", "charged_off"))) | (Loan.outstanding <= 0),
    )
    planned = matching(
        PaymentPlan.loan_id, PaymentPlan.loan_id.in_(loans), PaymentPlan.status.in_(OPEN_PLAN)
    )
    promised = matching(
        PromiseToPay.loan_id, PromiseToPay.loan_id.in_(loans), PromiseToPay.status == "open"
    )
    paid = matching(Loan.id, Loan.id.in_(loans), paid_since_figures())
    staged = matching(
        AccountStage.loan_id,
        AccountStage.loan_id.in_(loans),
        AccountStage.stage.in_(AUTOMATION_STOPPED),
    )
    resolved = matching(
        Resolution.loan_id,
        Resolution.loan_id.in_(loans),
        Resolution.status == "accepted",
        Resolution.kind.in_(("settlement", "holiday")),
    )
    resolution_ids = {(r.payload or {}).get("resolution_id") for r in rows} - {None}
    open_resolutions = (
        matching(Resolution.id, Resolution.id.in_(resolution_ids), Resolution.status == "accepted")
        if resolution_ids
        else set()
    )
    promise_ids = {(r.payload or {}).get("promise_id") for r in rows} - {None}
    open_promises = (
        matching(PromiseToPay.id, PromiseToPay.id.in_(promise_ids), PromiseToPay.status == "open")
        if promise_ids
        else set()
    )
    for r in rows:
        kind = (r.payload or {}).get("kind", "cadence")
        if r.borrower_id in flagged:
            out[r.id] = "borrower_flag"
        elif r.borrower_id in handoff and kind != "resolution":
            # A settlement's confirmation goes out while the officer still holds the case that
            # agreed it (US-NY: written confirmation within 5 days); flags still stop it.
            out[r.id] = "handoff_open"
        elif (r.borrower_id, None) in pauses or (r.borrower_id, r.loan_id) in pauses:
            out[r.id] = "care_pause"
        elif r.loan_id in closed:
            out[r.id] = "loan_paid"
        elif r.loan_id in staged:
            out[r.id] = "account_stage"
        elif kind == "cadence" and r.loan_id in planned:
            out[r.id] = "plan_current"
        elif kind == "cadence" and r.loan_id in resolved:
            out[r.id] = "resolution_open"
        elif (
            r.template == "settlement_reminder"
            and (r.payload or {}).get("resolution_id") not in open_resolutions
        ):
            out[r.id] = "resolution_resolved"
        elif kind == "cadence" and r.loan_id in promised:
            out[r.id] = "promise_open"
        elif kind == "cadence" and r.loan_id in paid:
            out[r.id] = "payment_received"
        elif kind == "promise" and (r.payload or {}).get("promise_id") not in open_promises:
            out[r.id] = "promise_resolved"
        elif kind == "group_summary" and _meeting_started(r.payload or {}, now):
            # A leader's summary is for one meeting (outreach.campaigns.group_summary): one the
            # policy held back until after it started is no use, and next week's has its own.
            out[r.id] = "meeting_passed"
    return out


def _meeting_started(payload: dict[str, Any], now: datetime) -> bool:
    start = payload.get("meeting_at")
    return start is None or datetime.fromisoformat(start) <= now
