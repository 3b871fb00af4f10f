"""The outbox of events: written in the transaction of the change, numbered per borrower."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from outreach import events
from outreach.arrangements.agreements import record_promise
from outreach.db import session_factory
from outreach.models import Event, EventDelivery
from tests.support.events import subscribe
from tests.support.factories import make_borrower


def _promise(session, borrower, clock):
    today = borrower.today(clock.now())
    return record_promise(
        session, borrower.loans[0], today + timedelta(days=3), None, created_by="bot", today=today
    )


def test_it_commits_the_event_and_its_delivery_with_the_change(
    session, database_url, receiver, clock
):
    borrower = make_borrower(session)
    session.commit()
    subscribe(session, receiver, clock.now(), types="promise.created")
    promise = _promise(session, borrower, clock)
    with session_factory(database_url)() as other:  # another connection sees nothing yet
        assert other.scalar(select(func.count()).select_from(Event)) == 0
    session.commit()
    event = session.scalar(select(Event))
    assert (event.type, event.borrower_id, event.seq) == ("promise.created", borrower.id, 1)
    assert event.data["promise_id"] == promise.id
    assert event.data["loan_number"] == borrower.loans[0].loan_number
    assert event.data["borrower_external_id"] == borrower.external_id
    delivery = session.scalar(select(EventDelivery))
    assert (delivery.event_id, delivery.status, delivery.attempts) == (event.id, "pending", 0)
    assert delivery.webhook_id.startswith("msg_")


def test_it_emits_nothing_when_the_change_rolls_back(session, receiver, clock):
    borrower = make_borrower(session)
    session.commit()
    subscribe(session, receiver, clock.now())
    _promise(session, borrower, clock)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Event)) == 0
    assert session.scalar(select(func.count()).select_from(EventDelivery)) == 0
    _promise(session, borrower, clock)
    session.commit()
    # The rolled-back event took no number: the borrower's sequence has no gap.
    assert session.scalars(select(Event.seq)).all() == [1]


def test_it_numbers_each_borrowers_events_in_order(session, clock):
    ana = make_borrower(session)
    ben = make_borrower(session, phone="+13125550101")
    for borrower in (ana, ben, ana, ana, ben):
        events.emit(session, "hardship.reported", borrower.id, {"flag": "hardship"}, clock.now())
    session.commit()
    rows = session.execute(select(Event.borrower_id, Event.seq).order_by(Event.id)).all()
    assert rows == [(ana.id, 1), (ben.id, 1), (ana.id, 2), (ana.id, 3), (ben.id, 2)]


def test_it_writes_deliveries_only_for_the_subscriptions_that_want_the_type(
    session, receiver, clock
):
    borrower = make_borrower(session)
    subscribe(session, receiver, clock.now(), types="payment.received", name="payments")
    wants = subscribe(session, receiver, clock.now(), types="handoff.opened", name="casework")
    events.emit(session, "handoff.opened", borrower.id, {"case_id": 1}, clock.now())
    session.commit()
    assert session.scalars(select(EventDelivery.subscription_id)).all() == [wants.id]


def test_it_refuses_a_type_outside_the_contract(session, clock):
    with pytest.raises(events.UnknownEventType, match=r"^type: unknown event type 'payment\.made'"):
        events.emit(session, "payment.made", None, {}, clock.now())


def test_it_gives_receivers_exactly_type_id_occurred_at_and_data(session, clock):
    borrower = make_borrower(session)
    event = events.emit(session, "plan.accepted", borrower.id, {"plan_id": 7}, clock.now())
    body = events.body(event)
    assert list(body) == ["type", "id", "occurred_at", "data"]
    assert body["occurred_at"] == "2026-11-24T16:00:00Z" and body["id"].startswith("evt_")
    assert events.body_bytes(event).startswith(b'{"type":"plan.accepted","id":"evt_')
