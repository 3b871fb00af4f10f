"""The supervisor review queue of accounts proposed for pre_legal, and its four decisions.

approve -> ``legal``; place -> ``agency`` (named); hold -> stays ``pre_legal`` with a reason;
return -> back to collections (``late`` or whatever the rules give below pre_legal), kept out of
pre_legal for ``return_cooldown_days``. Each decision is a ``StageMove`` and a ``stage.moved``
audit event naming the decision and the supervisor (``stage.held`` for a hold, which moves
nothing). Who may decide is the web layer's check (supervisors and admins).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit.log import record
from outreach.models import Borrower, Loan
from outreach.models.stages import AccountStage, StageMove
from outreach.stages.evaluate import cooldown, move
from outreach.stages.rules import LoanFacts, StageRules, load_rules

DECISIONS = ("approve", "place", "hold", "return")
MAX_REASON = 500


class ReviewRefused(ValueError):
    """A decision that cannot be taken (the message says why, naming the field)."""


@dataclass(frozen=True)
class QueueItem:
    stage: AccountStage
    loan: Loan
    borrower: Borrower


def queue(session: Session, statuses: tuple[str, ...] = ("pending", "held")) -> list[QueueItem]:
    """Accounts in pre_legal waiting for a decision (pending first, then held), oldest first."""
    rows = session.execute(
        select(AccountStage, Loan, Borrower)
        .join(Loan, Loan.id == AccountStage.loan_id)
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .where(AccountStage.stage == "pre_legal", AccountStage.review_status.in_(statuses))
        .order_by(AccountStage.review_status.desc(), AccountStage.since, Loan.id)
    ).all()
    return [QueueItem(*row) for row in rows]


def stage_of(session: Session, loan_id: int) -> AccountStage | None:
    return session.get(AccountStage, loan_id)


def history(session: Session, loan_id: int) -> list[StageMove]:
    return list(
        session.scalars(
            select(StageMove).where(StageMove.loan_id == loan_id).order_by(StageMove.id)
        )
    )


def decide(
    session: Session,
    loan_id: int,
    decision: str,
    now: datetime,
    *,
    officer_id: int,
    reason: str = "",
    agency: str = "",
    rules: StageRules | None = None,
) -> AccountStage:
    """Take one decision on an account in the review queue (see the module docstring)."""
    if decision not in DECISIONS:
        raise ReviewRefused(f"decision: must be one of {', '.join(DECISIONS)}")
    row = session.get(AccountStage, loan_id)
    if row is None or row.stage != "pre_legal" or row.review_status not in ("pending", "held"):
        raise ReviewRefused(f"loan: #{loan_id} is not waiting for a pre-legal review")
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise ReviewRefused(f"reason: at most {MAX_REASON} characters")
    actor = f"officer:{officer_id}"
    loan = session.get(Loan, loan_id)
    assert loan is not None  # the stage row's foreign key
    if decision == "hold":
        if not reason:
            raise ReviewRefused("reason: a hold needs a reason")
        row.review_status, row.review_reason = "held", reason
        row.reviewed_by_id, row.reviewed_at = officer_id, now
        record(
            session,
            actor,
            "stage.held",
            subject=f"loan:{loan_id}",
            borrower_id=loan.borrower_id,
            details={
                "loan_id": loan_id,
                "stage": "pre_legal",
                "rule": "review:hold",
                "reason": reason,
            },
            at=now,
        )
        session.flush()
        return row
    if decision == "place":
        agency = " ".join((agency or "").split())
        if not agency:
            raise ReviewRefused("agency: name the agency the account is placed with")
        if len(agency) > 100:
            raise ReviewRefused("agency: at most 100 characters")
    rules = rules or load_rules()
    if decision == "approve":
        target, status = "legal", "approved"
    elif decision == "place":
        target, status = "agency", "placed"
    else:
        facts = LoanFacts(
            loan.days_past_due or 0, 0, None, Decimal(loan.outstanding), loan.currency
        )
        target, _ = rules.target_below_pre_legal(facts)
        status = "returned"
    move(session, row, loan, target, f"review:{decision}", now, actor=actor, reason=reason or None)
    row.review_status, row.review_reason = status, reason or None
    row.reviewed_by_id, row.reviewed_at = officer_id, now
    if decision == "place":
        row.agency = agency
    if decision == "return":
        row.returned_until = now + cooldown(rules)
    session.flush()
    return row
