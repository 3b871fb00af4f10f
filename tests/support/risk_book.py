"""A generated loan book with history, for training the risk model (tests, bench/bench_risk.py).

Each borrower has a hidden propensity to pay; it drives both their payments and what the
features can see (replies, messages reaching them, broken promises), the way real books behave,
so a model that reads those features should rank better than days past due alone. Snapshots are
taken every 30 days (what ``outreach.risk.train`` samples). Deterministic for a seed; rows are
inserted in bulk.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from outreach.models import Borrower, Loan, LoanSnapshot, Message, PromiseToPay

PERIOD = timedelta(days=30)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def generate_book(
    session: Session, *, loans: int, periods: int, start: date, seed: int = 7, prefix: str = "R"
) -> list[int]:
    """``loans`` borrowers with one loan each and ``periods`` + 1 snapshots 30 days apart from
    ``start``; returns the loan ids."""
    rng = random.Random(seed)
    session.execute(
        insert(Borrower),
        [
            {
                "external_id": f"{prefix}{i:06d}",
                "full_name": f"Borrower {i}",
                "locale": "en",
                "country": "US",
                "region": "IL",
            }
            for i in range(loans)
        ],
    )
    ids = dict(
        session.execute(
            select(Borrower.external_id, Borrower.id).where(Borrower.external_id.like(f"{prefix}%"))
        ).all()
    )
    people = []
    loan_rows = []
    for i in range(loans):
        trait = rng.gauss(0, 1)  # hidden: > 0 pays less
        balance = Decimal(str(round(math.exp(rng.gauss(7, 0.8)), 2)))
        dpd = rng.choice([0, 0, 0, 15, 45, 75])
        people.append([ids[f"{prefix}{i:06d}"], trait, balance, dpd])
        loan_rows.append(
            {
                "borrower_id": ids[f"{prefix}{i:06d}"],
                "loan_number": f"{prefix}L{i:08d}",
                "product": "personal",
                "currency": "USD",
                "principal": balance,
                "outstanding": balance,
                "past_due_amount": Decimal("0"),
                "days_past_due": dpd,
                "status": "delinquent" if dpd else "current",
            }
        )
    session.execute(insert(Loan), loan_rows)
    loan_of = dict(
        session.execute(
            select(Loan.borrower_id, Loan.id).where(Loan.loan_number.like(f"{prefix}L%"))
        ).all()
    )
    snaps, messages, promises = [], [], []
    for k in range(periods + 1):
        day = start + k * PERIOD
        at = datetime.combine(day, time(12), UTC)
        for person in people:
            borrower_id, trait, balance, dpd = person
            loan_id = loan_of[borrower_id]
            snaps.append(
                {
                    "day": day,
                    "loan_id": loan_id,
                    "days_past_due": dpd,
                    "outstanding": balance,
                    "past_due_amount": (balance / 10 * (dpd // 30 + 1)).quantize(Decimal("0.01"))
                    if dpd
                    else Decimal("0"),
                    "status": "delinquent" if dpd else "current",
                    "currency": "USD",
                    "taken_at": at,
                }
            )
            if k == periods:
                continue
            # What the period shows about the borrower (the features' raw material) ...
            engaged = _sigmoid(0.8 - 1.2 * trait)
            for n in range(2 if dpd else 1):
                messages.append(
                    _message(
                        borrower_id,
                        loan_id,
                        "out",
                        at + timedelta(days=3 + 7 * n),
                        engaged > rng.random(),
                    )
                )
            for n in range(sum(1 for _ in range(3) if rng.random() < engaged * 0.6)):
                messages.append(
                    _message(borrower_id, loan_id, "in", at + timedelta(days=5 + n), True)
                )
            # ... and what they do next: pay (cure) or fall further behind.
            pays = rng.random() < _sigmoid(0.6 - 1.5 * trait - 0.01 * dpd + 0.3 * rng.gauss(0, 1))
            if dpd and rng.random() < 0.4:
                promises.append(
                    {
                        "loan_id": loan_id,
                        "borrower_id": borrower_id,
                        "amount": Decimal("50.00"),
                        "promised_date": day + timedelta(days=10),
                        "status": "kept" if pays else "broken",
                        "created_by": "bot",
                        "created_at": at + timedelta(days=2),
                        "resolved_at": at + timedelta(days=11),
                    }
                )
            if pays:
                person[3] = 0
            elif dpd or rng.random() < 0.5:
                person[3] = dpd + 30
    session.execute(insert(LoanSnapshot), snaps)
    session.execute(insert(Message), messages)
    if promises:
        session.execute(insert(PromiseToPay), promises)
    # Today's figures: the last snapshot's (a bulk UPDATE by primary key).
    session.execute(
        update(Loan),
        [
            {
                "id": loan_of[p[0]],
                "days_past_due": p[3],
                "status": "delinquent" if p[3] else "current",
            }
            for p in people
        ],
    )
    session.commit()
    return list(loan_of.values())


def _message(borrower_id: int, loan_id: int, direction: str, at: datetime, reached: bool) -> dict:
    return {
        "borrower_id": borrower_id,
        "loan_id": loan_id,
        "direction": direction,
        "channel": "sms",
        "address": "+10000000000",
        "sender": "scheduler" if direction == "out" else "borrower",
        "initiated_by": "lender" if direction == "out" else None,
        "body": "x",
        "status": ("delivered" if reached else "failed") if direction == "out" else "received",
        "created_at": at,
    }
