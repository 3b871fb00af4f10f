"""The scheduler's stage job: apply ``config/stages.yaml`` to every loan, record each move.

Set-based: the facts of the whole book come from a handful of queries; only loans whose stage
changes are written. Every move appends a ``StageMove`` and a ``stage.moved`` audit event naming
the rule that caused it; a move into ``pre_legal`` opens a supervisor review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.audit.log import record
from outreach.models import Loan, Message, PaymentPlan, PromiseToPay
from outreach.models.stages import MANUAL_STAGES, AccountStage, StageMove
from outreach.stages.rules import LoanFacts, StageRules, load_rules

ACTOR = "scheduler"


@dataclass
class StageReport:
    examined: int = 0
    moves: list[tuple[int, str | None, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        into = {}
        for _, _, to, _ in self.moves:
            into[to] = into.get(to, 0) + 1
        parts = ", ".join(f"{n} to {stage}" for stage, n in sorted(into.items()))
        return f"{self.examined} loans examined, {len(self.moves)} moved" + (
            f" ({parts})" if parts else ""
        )


def move(
    session: Session,
    row: AccountStage | None,
    loan: Loan | int,
    to_stage: str,
    rule: str,
    now: datetime,
    *,
    actor: str = ACTOR,
    reason: str | None = None,
) -> AccountStage:
    """Put a loan in ``to_stage`` because of ``rule``: the stage row, a move row, an audit event."""
    loan_id = loan if isinstance(loan, int) else loan.id
    borrower_id = (
        loan.borrower_id
        if isinstance(loan, Loan)
        else session.scalar(select(Loan.borrower_id).where(Loan.id == loan_id))
    )
    before = row.stage if row is not None else None
    if row is None:
        row = AccountStage(loan_id=loan_id, stage=to_stage, rule=rule, since=now)
        session.add(row)
    row.stage, row.rule, row.since = to_stage, rule, now
    if to_stage == "pre_legal":
        # A supervisor decides what happens next (review queue); nothing automatic leaves it.
        row.review_status, row.review_reason = "pending", None
        row.reviewed_by_id = row.reviewed_at = None
    session.add(
        StageMove(
            loan_id=loan_id,
            from_stage=before,
            to_stage=to_stage,
            rule=rule,
            actor=actor,
            reason=reason,
            at=now,
        )
    )
    details = {"loan_id": loan_id, "from": before, "to": to_stage, "rule": rule}
    if reason:
        details["reason"] = reason
    record(
        session,
        actor,
        "stage.moved",
        subject=f"loan:{loan_id}",
        borrower_id=borrower_id,
        details=details,
        at=now,
    )
    return row


def _broken_counts(session: Session) -> dict[int, int]:
    counts: dict[int, int] = {}
    for model in (PaymentPlan, PromiseToPay):
        for loan_id, n in session.execute(
            select(model.loan_id, func.count())
            .where(model.status == "broken")
            .group_by(model.loan_id)
        ):
            counts[loan_id] = counts.get(loan_id, 0) + n
    return counts


def _last_contact(session: Session) -> dict[int, datetime]:
    """The borrower's last message to us, any channel: right-party contact (the borrower wrote
    from their own address, or in a verified web chat)."""
    return dict(
        session.execute(
            select(Message.borrower_id, func.max(Message.created_at))
            .where(Message.direction == "in", Message.borrower_id.is_not(None))
            .group_by(Message.borrower_id)
        ).all()
    )


def evaluate_stages(
    session: Session, now: datetime, rules: StageRules | None = None
) -> StageReport:
    """Move every loan whose facts call for another stage (see the module docstring)."""
    rules = rules or load_rules()
    report = StageReport()
    current = {row.loan_id: row for row in session.scalars(select(AccountStage))}
    broken = _broken_counts(session)
    contact = _last_contact(session)
    for loan in session.scalars(select(Loan).order_by(Loan.id)):
        report.examined += 1
        row = current.get(loan.id)
        stage = row.stage if row is not None else None
        if loan.outstanding <= 0 or loan.status == "paid":
            target, rule = "closed", "nothing_owed"
        elif stage in MANUAL_STAGES:
            continue  # only a supervisor's decision moves these (review queue)
        else:
            last = contact.get(loan.borrower_id)
            facts = LoanFacts(
                days_past_due=loan.days_past_due or 0,
                broken_arrangements=broken.get(loan.id, 0),
                days_since_contact=(now - last).days if last is not None else None,
                balance=Decimal(loan.outstanding),
                currency=loan.currency,
            )
            target, rule = rules.target(facts)
            returned = row is not None and row.returned_until is not None
            if target == "pre_legal" and returned and now < row.returned_until:
                # A supervisor returned it to collections: not proposed again until the cooldown.
                target, rule = rules.target_below_pre_legal(facts)
        if target == stage:
            continue
        move(session, row, loan, target, rule, now)
        report.moves.append((loan.id, stage, target, rule))
    session.flush()
    return report


def cooldown(rules: StageRules) -> timedelta:
    return timedelta(days=rules.return_cooldown_days)
