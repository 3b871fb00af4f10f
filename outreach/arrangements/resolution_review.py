"""The lifecycle of accepted settlements and payment holidays (part of the arrangement review,
``outreach.arrangements.review``, daily and at once when a payment arrives).

With ``today`` the borrower's own date:

- A settlement is ``paid`` when the payments since it was agreed reach its amount: the loan is
  marked ``settled`` (nothing more is asked), ``settlement.paid`` is emitted to the lender and the
  borrower is told it is paid in full for less (``settlement_paid``).
- A settlement not paid by its deadline (plus ``GRACE_DAYS``, as for promises) is ``expired``
  (short-paid when some was paid): the cadence resumes by itself (``campaigns.stops``), the
  lender gets ``settlement.expired``, and the borrower is told the remaining options
  (``settlement_expired``).
- A payment holiday is ``completed`` the day after its last day: the cadence resumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import events
from outreach.arrangements.resolution_notices import queue_notice
from outreach.arrangements.resolutions import paid_since
from outreach.audit import log as audit
from outreach.models import Loan, Resolution

GRACE_DAYS = 2  # bank posting delays: a borrower who paid on time is never told it lapsed


@dataclass
class ResolutionReport:
    changed: dict[str, int] = field(default_factory=dict)  # "settlement.paid" -> count

    def bump(self, key: str) -> None:
        self.changed[key] = self.changed.get(key, 0) + 1


def _settlement(
    session: Session,
    row: Resolution,
    loan: Loan,
    now: datetime,
    actor: str,
    report: ResolutionReport,
) -> None:
    paid = paid_since(session, row)
    today = loan.borrower.today(now)
    if paid >= row.amount:
        new = "paid"
        loan.status = "settled"  # the lender's system stays the record; it hears the event
    elif row.deadline is not None and today > row.deadline + timedelta(days=GRACE_DAYS):
        new = "expired"
    else:
        if paid != row.paid_amount:
            row.paid_amount = paid
        return
    row.status, row.paid_amount, row.resolved_at = new, paid, now
    details = {
        "paid": str(paid),
        "amount": str(row.amount),
        "short_paid": new == "expired" and paid > 0,
    }
    audit.record(
        session,
        actor,
        f"settlement.{new}",
        subject=f"resolution:{row.id}",
        borrower_id=row.borrower_id,
        details=details,
    )
    events.emit(
        session,
        f"settlement.{new}",
        row.borrower_id,
        {
            "settlement_id": row.id,
            "loan_number": loan.loan_number,
            "amount": str(row.amount),
            "paid": str(paid),
            "currency": row.currency,
        },
        now,
    )
    if new == "paid":
        queue_notice(session, row, loan, "settlement_paid", now)
    else:
        queue_notice(session, row, loan, "settlement_expired", now, amount=loan.outstanding)
    report.bump(f"settlement.{new}")


def review_resolutions(
    session: Session, now: datetime, actor: str, loan_id: int | None = None
) -> ResolutionReport:
    """Move accepted settlements and holidays on (see the module docstring); flushed."""
    report = ResolutionReport()
    query = select(Resolution).where(
        Resolution.status == "accepted", Resolution.kind.in_(("settlement", "holiday"))
    )
    if loan_id is not None:
        query = query.where(Resolution.loan_id == loan_id)
    for row in session.scalars(query).all():
        loan = session.get(Loan, row.loan_id)
        if row.kind == "settlement":
            _settlement(session, row, loan, now, actor, report)
        elif row.holiday_end is not None and loan.borrower.today(now) > row.holiday_end:
            row.status, row.resolved_at = "completed", now
            audit.record(
                session,
                actor,
                "holiday.completed",
                subject=f"resolution:{row.id}",
                borrower_id=row.borrower_id,
                details={"ended": row.holiday_end.isoformat()},
            )
            report.bump("holiday.completed")
    session.flush()
    return report
