"""Two dispatchers racing for two reminders of one borrower hold the caps together (issue 19).

Each dispatcher claims one of the two rows (``limit=1``), on its own connection and thread. The
first is held inside its decision, after its claim, until the second has claimed the other row
and queued behind it: on PostgreSQL behind the borrower's advisory lock
(``outreach.outbox.borrower_locks``), which this test waits to see in ``pg_stat_activity``; on
SQLite behind the database write lock. Without the lock both would read an empty history and
send two SMS the same day; with it the second sees the first's message and defers."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from outreach.campaigns.planner import plan
from outreach.models import Loan, OutboxItem
from outreach.outbox import batch as outbox_batch
from outreach.outbox.dispatcher import DispatchReport, dispatch
from tests.support.channels import FakeChannels
from tests.support.factories import make_borrower

WAIT_SECONDS = 20


def _two_reminders(session, now) -> int:
    borrower = make_borrower(session, loan={"days_past_due": 3})
    session.add(
        Loan(
            borrower_id=borrower.id,
            loan_number="LN-RACE-0002",
            product="personal",
            currency="USD",
            principal=Decimal("900.00"),
            outstanding=Decimal("300.00"),
            past_due_amount=Decimal("100.00"),
            days_past_due=3,
            next_due_date=now.date() + timedelta(days=20),
            next_due_amount=Decimal("100.00"),
            status="delinquent",
        )
    )
    session.commit()
    plan(session, now)
    assert len(session.scalars(select(OutboxItem)).all()) == 2
    return borrower.id


def _wait_for_advisory_wait(bind, thread: threading.Thread) -> None:
    """Until the second dispatcher's connection waits on an advisory lock (PostgreSQL only)."""
    if bind.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + WAIT_SECONDS
    with bind.connect() as watcher:
        while time.monotonic() < deadline and thread.is_alive():
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory' "
                    "AND datname = current_database()"
                )
            ).scalar()
            if waiting:
                return
            watcher.rollback()
            time.sleep(0.01)  # polling the other connection's state, not waiting on time
    raise AssertionError("the second dispatcher never queued behind the borrower's lock")


def test_two_dispatchers_send_one_reminder_and_defer_the_other(
    session, settings, clock, monkeypatch
):
    provider = FakeChannels()
    now = clock.now()  # a weekday, inside every US zone's contact window
    _two_reminders(session, now)
    bind = session.get_bind()
    reports: list[DispatchReport] = []
    errors: list[BaseException] = []
    second: list[threading.Thread] = []
    real_load_facts = outbox_batch.load_facts

    def run_dispatcher() -> None:
        try:
            with Session(bind=bind) as own:
                reports.append(dispatch(own, settings, now, channels=provider, limit=1))
        except BaseException as exc:  # surfaced by the assertions below
            errors.append(exc)

    def first_decides_while_the_second_claims(db, borrower_ids, at):
        if not second:  # the first dispatcher, holding its borrower's lock now
            second.append(threading.Thread(target=run_dispatcher))
            second[0].start()
            _wait_for_advisory_wait(bind, second[0])
        return real_load_facts(db, borrower_ids, at)

    monkeypatch.setattr(outbox_batch, "load_facts", first_decides_while_the_second_claims)

    run_dispatcher()
    second[0].join(timeout=WAIT_SECONDS)

    assert not errors and len(reports) == 2
    assert sorted((r.sent, r.deferred) for r in reports) == [(0, 1), (1, 0)]
    assert len(provider.sent) == 1  # SMS at most once a day (config/policy/default.yaml)
    waiting = session.scalar(select(OutboxItem).where(OutboxItem.status == "pending"))
    assert any("cap" in reason for reason in waiting.last_decision["reasons"])
