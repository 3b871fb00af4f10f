"""The daily loan snapshot: each loan's days past due and balances as they stood on a UTC day.

The ``loans`` table holds only today's figures (each import overwrites them); month-over-month
roll rates, the cure rate and the risk model's labels need yesterday's too, so the
``loan_snapshot`` scheduler job appends one row per loan per day. Re-running it the same day adds
nothing (unique day + loan, and the insert skips loans already taken).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import exists, func, insert, literal, select
from sqlalchemy.orm import Session

from outreach.models import Loan, LoanSnapshot
from outreach.models.base import UTCDateTime


def take_snapshot(session: Session, now: datetime) -> int:
    """Append today's (UTC) row for every loan not snapshotted today; returns how many."""
    day = now.astimezone(UTC).date()
    return snapshot_day(session, day, now)


def snapshot_day(session: Session, day: date, now: datetime) -> int:
    """Append ``day``'s row for every loan without one (one INSERT ... SELECT)."""
    taken = exists().where(LoanSnapshot.day == day, LoanSnapshot.loan_id == Loan.id)
    source = select(
        literal(day),
        Loan.id,
        func.coalesce(Loan.days_past_due, 0),
        Loan.outstanding,
        func.coalesce(Loan.past_due_amount, 0),
        Loan.status,
        Loan.currency,
        literal(now, UTCDateTime()),
    ).where(~taken)
    columns = [
        "day",
        "loan_id",
        "days_past_due",
        "outstanding",
        "past_due_amount",
        "status",
        "currency",
        "taken_at",
    ]
    # RETURNING counts the rows (psycopg reports no row count for INSERT ... SELECT).
    table = LoanSnapshot.__table__
    result = session.connection().execute(
        insert(table).from_select(columns, source).returning(table.c.id)
    )
    return len(result.all())
