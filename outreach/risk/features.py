"""What the risk model reads about a loan as of an instant: days past due, broken promises,
the borrower's replies, the balance and how well our messages reach them.

Training reads them as of past snapshot days (``outreach.audit.snapshots``), scoring as of now;
both through ``history_features`` so the two never drift apart. Each feature is one grouped
query over the window, never a query per loan.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.models import Loan, Message, PromiseToPay

FEATURES = ("days_past_due", "broken_promises", "replies", "balance", "engagement")
LABELS = {
    "days_past_due": "days past due",
    "broken_promises": "broken promises (180 days)",
    "replies": "replies from the borrower (90 days)",
    "balance": "outstanding balance",
    "engagement": "messages delivered or read (90 days)",
}
MESSAGE_WINDOW = timedelta(days=90)
PROMISE_WINDOW = timedelta(days=180)
DELIVERED = ("delivered", "read")


def history_features(
    session: Session, asof: datetime, loans: Iterable[tuple[int, int, int, Decimal]]
) -> dict[int, list[float]]:
    """``{loan_id: [feature values in FEATURES order]}`` as of ``asof`` for ``loans`` given as
    (loan id, borrower id, days past due, outstanding) at that instant."""
    loans = list(loans)
    if not loans:
        return {}
    broken = dict(
        session.execute(
            select(PromiseToPay.loan_id, func.count())
            .where(
                PromiseToPay.status == "broken",
                PromiseToPay.resolved_at < asof,
                PromiseToPay.resolved_at >= asof - PROMISE_WINDOW,
            )
            .group_by(PromiseToPay.loan_id)
        ).all()
    )
    window = (Message.created_at < asof, Message.created_at >= asof - MESSAGE_WINDOW)
    replies = dict(
        session.execute(
            select(Message.borrower_id, func.count())
            .where(Message.direction == "in", Message.borrower_id.is_not(None), *window)
            .group_by(Message.borrower_id)
        ).all()
    )
    reach = {
        b: (n, ok)
        for b, n, ok in session.execute(
            select(
                Message.borrower_id,
                func.count(),
                func.count().filter(Message.status.in_(DELIVERED)),
            )
            .where(
                Message.direction == "out",
                Message.initiated_by == "lender",
                Message.status != "blocked",
                Message.borrower_id.is_not(None),
                *window,
            )
            .group_by(Message.borrower_id)
        )
    }
    out = {}
    for loan_id, borrower_id, dpd, outstanding in loans:
        sent, ok = reach.get(borrower_id, (0, 0))
        out[loan_id] = [
            float(dpd or 0),
            float(broken.get(loan_id, 0)),
            float(replies.get(borrower_id, 0)),
            math.log1p(max(float(outstanding or 0), 0.0)),  # balances span orders of magnitude
            ok / sent if sent else 0.0,
        ]
    return out


def open_loans(session: Session) -> list[tuple[int, int, int, Decimal]]:
    """Today's open loans as (id, borrower id, days past due, outstanding)."""
    return [
        tuple(r)  # type: ignore[misc]
        for r in session.execute(
            select(Loan.id, Loan.borrower_id, Loan.days_past_due, Loan.outstanding).where(
                Loan.status.in_(("current", "delinquent")), Loan.outstanding > 0
            )
        )
    ]
