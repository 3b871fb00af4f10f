"""A payment and the dispatcher in the same second: a reminder the dispatcher has claimed but not
yet decided is stopped by the payment; one it has already handed over goes out once and is not
recalled. Both ways, the payment is applied and the borrower gets one receipt (contracts/
payments.md, "Effects"). Run on PostgreSQL in CI's second pass (``TEST_DATABASE_URL``), where the
two take turns on row locks; on SQLite, writers take turns on the database lock."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from outreach.campaigns.planner import plan
from outreach.models import Loan, OutboxItem
from outreach.outbox import dispatcher
from outreach.payments.apply import Outcome, apply_event
from outreach.payments.base import PaymentEvent
from tests.support.channels import FakeChannels
from tests.support.factories import make_borrower

LOCK_WAIT_SECONDS = 20  # how long the test waits for the payment to queue behind the dispatcher


@pytest.fixture
def provider():
    return FakeChannels()


def _planned_reminder(session, clock) -> tuple[Loan, OutboxItem]:
    borrower = make_borrower(session, loan={"days_past_due": 3})
    plan(session, clock.now())
    item = session.scalars(select(OutboxItem)).one()
    return borrower.loans[0], item


def _pay(bind, settings, provider, loan_number: str, amount: Decimal, now) -> Outcome:
    """The payment callback's work, in its own session (another request, another connection)."""
    event = PaymentEvent(
        provider="stripe",
        reference="pi_same_second",
        loan_number=loan_number,
        amount=amount,
        currency="USD",
        received_at=now,
    )
    with Session(bind=bind) as other:
        return apply_event(other, event, now, settings=settings, channels=provider)


def _bodies(provider: FakeChannels) -> list[str]:
    return [body for _, _, body, _ in provider.sent]


def test_it_stops_a_reminder_claimed_in_the_same_second_as_the_payment(
    session, settings, provider, clock, monkeypatch
):
    loan, item = _planned_reminder(session, clock)
    owed = Decimal(item.payload["amount"])
    outcomes: list[Outcome] = []
    real_claim = dispatcher.claim_due

    def claim_then_payment_arrives(db, now, limit=dispatcher.BATCH):
        ids = real_claim(db, now, limit)
        if ids:  # claimed and committed `sending`: the payment lands before the row is decided
            outcomes.append(
                _pay(session.get_bind(), settings, provider, loan.loan_number, owed, now)
            )
        return ids

    monkeypatch.setattr(dispatcher, "claim_due", claim_then_payment_arrives)

    report = dispatcher.dispatch(session, settings, clock.now(), channels=provider)

    assert outcomes[0].status == "applied"
    assert outcomes[0].reminders_cancelled == [item.id]
    assert (report.claimed, report.sent, report.cancelled) == (1, 0, 1)
    session.refresh(item)
    assert (item.status, item.last_error, item.message_id) == (
        "cancelled",
        "payment_received",
        None,
    )
    # the only message the borrower got is the receipt
    assert len(provider.sent) == 1 and "received" in _bodies(provider)[0].lower()


def _wait_until_blocked(session, thread: threading.Thread) -> None:
    """Until the payment's connection waits for a lock the dispatcher holds (PostgreSQL), or the
    payment has started (SQLite: its write then waits for the database lock)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    with session.get_bind().connect() as watcher:
        while time.monotonic() < deadline and thread.is_alive():
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar()
            if waiting:
                return
            watcher.rollback()
            time.sleep(0.01)  # polling for the other connection's state, not waiting on time
    raise AssertionError("the payment never queued behind the dispatcher's row lock")


def test_it_sends_once_a_reminder_already_being_decided_and_still_applies_the_payment(
    session, settings, provider, clock, monkeypatch
):
    loan, item = _planned_reminder(session, clock)
    owed = Decimal(item.payload["amount"])
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []
    real_prepare = dispatcher.prepare
    threads: list[threading.Thread] = []

    def payment() -> None:
        try:
            outcomes.append(
                _pay(session.get_bind(), settings, provider, loan.loan_number, owed, clock.now())
            )
        except BaseException as exc:  # surfaced by the assertions below
            errors.append(exc)

    def payment_arrives_while_deciding(db, *args, **kwargs):
        if not threads:  # the claimed rows are locked now, until this batch commits
            threads.append(threading.Thread(target=payment))
            threads[0].start()
            _wait_until_blocked(session, threads[0])
        return real_prepare(db, *args, **kwargs)

    monkeypatch.setattr(dispatcher, "prepare", payment_arrives_while_deciding)

    report = dispatcher.dispatch(session, settings, clock.now(), channels=provider)
    threads[0].join(timeout=LOCK_WAIT_SECONDS)

    assert not errors, errors  # no deadlock, no lost payment
    assert outcomes[0].status == "applied"
    assert outcomes[0].reminders_cancelled == []  # handed over: not recalled
    assert (report.sent, report.cancelled) == (1, 0)
    session.refresh(item)
    assert item.status == "sent" and item.message_id is not None
    bodies = _bodies(provider)
    assert len(bodies) == 2  # the reminder, once, and the receipt
    assert sum("received" in b.lower() for b in bodies) == 1
