"""Demo history for the KPI pages and the risk score (issue 18): about five months of daily loan
snapshots consistent with today's demo book, the reminders and replies around them, payments
that cured arrears, identity checks, and the demo officer's closed cases, promises and plans.

Everything ends at least eight days before today, so the history never counts against this
week's contact caps, pauses a cadence (every promise is resolved, every plan completed or broken)
or sits in the live queue (every case is closed). Deterministic for a given today.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.models import (
    Conversation,
    HandoffCase,
    Loan,
    LoanSnapshot,
    Message,
    Officer,
    Payment,
    PaymentPlan,
    PromiseToPay,
)

DAYS = 150
QUIET = 8  # no history message, case or promise in the last QUIET days (weekly caps)
CENT = Decimal("0.01")


def _path(rng: random.Random, dpd_today: int) -> list[int]:
    """Days past due for each of the DAYS days up to today, walked backwards from today's."""
    out, d = [], dpd_today
    for _ in range(DAYS + 1):
        out.append(d)
        if d > 0:
            d -= 1  # the same delinquency, a day younger
        elif rng.random() < 0.02:
            d = rng.choice([5, 12, 20, 35, 50, 70])  # it was cured on this day
    return out[::-1]  # oldest first


def seed_history(session: Session, now: datetime) -> int:
    """Add the demo history once (nothing when snapshots exist); returns the snapshot rows."""
    if session.scalar(select(func.count(LoanSnapshot.id))):
        return 0
    rng = random.Random(20261202)
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=DAYS)
    loans = session.scalars(select(Loan).order_by(Loan.id)).all()
    officer = session.scalar(select(Officer).where(Officer.role == "officer").order_by(Officer.id))
    snaps, messages, payments = [], [], []
    for loan in loans:
        path = _path(rng, loan.days_past_due or 0)
        engaged = rng.random()
        instalment = (loan.principal / 12).quantize(CENT)
        for i, dpd in enumerate(path):
            day = first + timedelta(days=i)
            at = datetime.combine(day, time(15), UTC)
            snaps.append(
                {
                    "day": day,
                    "loan_id": loan.id,
                    "days_past_due": dpd,
                    "outstanding": loan.outstanding,
                    "past_due_amount": (instalment * (1 + dpd // 30)) if dpd else Decimal("0"),
                    "status": "delinquent" if dpd else "current",
                    "currency": loan.currency,
                    "taken_at": at,
                }
            )
            if day > today - timedelta(days=QUIET):
                continue
            if i and path[i - 1] > 0 and dpd == 0:  # cured today: a payment caught up
                payments.append({"loan_id": loan.id, "amount": instalment, "paid_at": at})
            if dpd in (1, 3, 7, 15, 30, 45, 60):
                reached = rng.random() < 0.4 + 0.5 * engaged
                messages.append(_msg(loan, "out", at, "delivered" if reached else "failed"))
                if reached and rng.random() < engaged * 0.7:
                    messages.append(_msg(loan, "in", at + timedelta(hours=2), "received"))
    session.execute(insert(LoanSnapshot), snaps)
    session.execute(insert(Message), messages)
    session.execute(insert(Payment), payments)
    _identity_checks(session, rng, loans, today)
    if officer is not None:
        _casework(session, rng, loans, officer, today)
    session.flush()
    return len(snaps)


def _msg(loan: Loan, direction: str, at: datetime, status: str) -> dict:
    return {
        "borrower_id": loan.borrower_id,
        "loan_id": loan.id,
        "direction": direction,
        "channel": ("sms", "whatsapp", "email")[loan.id % 3],
        "address": "demo-history",
        "sender": "scheduler" if direction == "out" else "borrower",
        "initiated_by": "lender" if direction == "out" else None,
        "template": "payment_overdue" if direction == "out" else None,
        "body": "(demo history)",
        "status": status,
        "created_at": at,
    }


def _identity_checks(session: Session, rng: random.Random, loans: list[Loan], today: date) -> None:
    for loan in loans:
        if rng.random() < 0.45:
            day = today - timedelta(days=rng.randint(QUIET, 60))
            audit.record(
                session,
                "bot",
                "identity.verified",
                borrower_id=loan.borrower_id,
                details={"channel": "sms", "demo_history": True},
                at=datetime.combine(day, time(16), UTC),
            )


def _casework(
    session: Session, rng: random.Random, loans: list[Loan], officer: Officer, today: date
) -> None:
    """Closed cases the demo officer handled, with replies, promises and plans."""
    by = f"officer:{officer.id}"
    for n, loan in enumerate(loans[:18]):
        opened = datetime.combine(today - timedelta(days=QUIET + 2 + 3 * n), time(14), UTC)
        conv = Conversation(
            channel="sms",
            address=f"demo-history-{loan.id}",
            borrower_id=loan.borrower_id,
            owner="bot",
            status="closed",
            created_at=opened,
            last_message_at=opened,
        )
        session.add(conv)
        session.flush()
        claimed = opened + timedelta(minutes=rng.randint(2, 40))
        session.add(
            HandoffCase(
                conversation_id=conv.id,
                borrower_id=loan.borrower_id,
                reason="human",
                status="closed",
                opened_at=opened,
                claimed_by_id=officer.id,
                claimed_at=claimed,
                closed_at=claimed + timedelta(minutes=rng.randint(20, 300)),
            )
        )
        session.add(
            Message(
                conversation_id=conv.id,
                borrower_id=loan.borrower_id,
                direction="out",
                channel="sms",
                address=conv.address,
                sender="officer",
                initiated_by="borrower",
                officer_id=officer.id,
                body="(demo history)",
                status="delivered",
                created_at=claimed + timedelta(minutes=rng.randint(1, 15)),
            )
        )
        kept = rng.random() < 0.6
        session.add(
            PromiseToPay(
                loan_id=loan.id,
                borrower_id=loan.borrower_id,
                amount=(loan.principal / 12).quantize(CENT),
                promised_date=opened.date() + timedelta(days=3),
                status="kept" if kept else "broken",
                created_by=by,
                created_at=claimed,
                resolved_at=opened + timedelta(days=4),
            )
        )
        if n % 4 == 0:
            amount = (loan.outstanding / 6).quantize(CENT)
            session.add(
                PaymentPlan(
                    loan_id=loan.id,
                    borrower_id=loan.borrower_id,
                    conversation_id=conv.id,
                    status="broken" if n % 8 == 0 else "completed",
                    instalment_amount=amount,
                    instalment_count=6,
                    frequency="monthly",
                    start_date=opened.date(),
                    first_amount=amount,
                    total=amount * 6,
                    created_by=by,
                    created_at=claimed,
                    accepted_at=claimed,
                    broken_at=opened + timedelta(days=5) if n % 8 == 0 else None,
                    completed_at=None if n % 8 == 0 else opened + timedelta(days=6),
                )
            )
