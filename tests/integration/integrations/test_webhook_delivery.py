"""Delivering events: signed per Standard Webhooks, retried with backoff, dead-lettered, replayed,
in order per borrower. A real receiver verifies every delivery with ``standardwebhooks``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from outreach import events
from outreach.integrations.webhooks import subscriptions
from outreach.integrations.webhooks.retry import MAX_ATTEMPTS, backoff
from outreach.integrations.webhooks.worker import deliver
from outreach.models import EventDelivery
from tests.conftest import make_settings
from tests.support.events import first_arrivals, subscribe
from tests.support.factories import make_borrower


def no_jitter() -> float:
    return 0.5  # the jitter factor's middle: exactly the nominal wait


def _emit(session, borrower, clock, n=1, kind="hardship.reported"):
    made = [
        events.emit(session, kind, borrower.id, {"flag": "hardship", "n": i}, clock.now())
        for i in range(n)
    ]
    session.commit()
    return made


def _delivery(session) -> EventDelivery:
    session.expire_all()
    return session.scalar(select(EventDelivery))


def test_it_delivers_an_event_the_receiver_verifies_with_standardwebhooks(
    session, settings, receiver, clock
):
    borrower = make_borrower(session)
    subscribe(session, receiver, clock.now())
    [event] = _emit(session, borrower, clock)
    report = deliver(settings, clock.now())
    assert (report.delivered, receiver.rejected) == (1, [])
    [got] = receiver.deliveries
    assert got.body == events.body(event)
    assert set(got.body) == {"type", "id", "occurred_at", "data"}
    assert got.webhook_id == _delivery(session).webhook_id
    assert _delivery(session).status == "delivered"


def test_it_is_refused_by_a_receiver_holding_another_secret(session, settings, receiver, clock):
    borrower = make_borrower(session)
    subscribe(session, receiver, clock.now())
    receiver.secret = subscriptions.new_secret()  # not the subscription's
    _emit(session, borrower, clock)
    report = deliver(settings, clock.now(), rand=no_jitter)
    assert (report.delivered, report.retried) == (0, 1)
    assert receiver.rejected == ["No matching signature found"]
    assert _delivery(session).last_error == "HTTP 401"


def test_it_retries_a_500_with_backoff_under_the_same_webhook_id(
    session, settings, receiver, clock
):
    borrower = make_borrower(session)
    subscribe(session, receiver, clock.now())
    _emit(session, borrower, clock)
    receiver.statuses = [500, 500]
    start = clock.now()
    deliver(settings, start, rand=no_jitter)
    first = _delivery(session)
    assert (first.status, first.attempts, first.last_error) == ("pending", 1, "HTTP 500")
    assert first.next_attempt_at == start + timedelta(seconds=30)
    assert deliver(settings, start + timedelta(seconds=29), rand=no_jitter).streams == 0
    deliver(settings, start + timedelta(seconds=30), rand=no_jitter)
    assert _delivery(session).next_attempt_at == start + timedelta(seconds=90)  # then 1 minute
    deliver(settings, start + timedelta(seconds=90), rand=no_jitter)
    done = _delivery(session)
    assert (done.status, done.attempts) == ("delivered", 3)
    assert [d.status for d in receiver.deliveries] == [500, 500, 200]
    assert {d.webhook_id for d in receiver.deliveries} == {done.webhook_id}


def test_it_retries_a_receiver_that_does_not_answer_within_the_timeout(
    session, database_url, receiver, clock
):
    settings = make_settings(database_url, EVENTS_HTTP_TIMEOUT_SECONDS="0.2")
    borrower = make_borrower(session)
    subscribe(session, receiver, clock.now())
    _emit(session, borrower, clock)
    receiver.hold = True
    deliver(settings, clock.now(), rand=no_jitter)
    late = _delivery(session)
    assert (late.status, late.attempts, late.last_error) == ("pending", 1, "timeout after 0.2s")
    receiver.hold = False
    receiver.release()
    deliver(settings, late.next_attempt_at, rand=no_jitter)
    assert _delivery(session).status == "delivered"
    assert len({d.webhook_id for d in receiver.deliveries}) == 1 and len(receiver.deliveries) == 2


def test_it_dead_letters_after_the_last_attempt_then_the_stream_goes_on(
    session, settings, receiver, clock
):
    borrower = make_borrower(session)
    subscribe(session, receiver, clock.now())
    first, second = _emit(session, borrower, clock, n=2)
    receiver.answer = lambda body: 503 if body["id"] == first.public_id else 200
    now = clock.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        deliver(settings, now, rand=no_jitter)
        if attempt < MAX_ATTEMPTS:  # the borrower's next event waits behind the failing one
            assert [d.body["id"] for d in receiver.deliveries] == [first.public_id] * attempt
        now += backoff(attempt, no_jitter)
    session.expire_all()
    rows = session.scalars(select(EventDelivery).order_by(EventDelivery.seq)).all()
    assert [(r.status, r.attempts) for r in rows] == [("dead", MAX_ATTEMPTS), ("delivered", 1)]
    assert receiver.accepted()[-1].body["id"] == second.public_id


def test_it_replays_a_dead_letter_with_its_webhook_id(session, settings, receiver, clock):
    borrower = make_borrower(session)
    sub = subscribe(session, receiver, clock.now())
    _emit(session, borrower, clock)
    receiver.default_status = 503
    now = clock.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        deliver(settings, now, rand=no_jitter)
        now += backoff(attempt, no_jitter)
    dead = _delivery(session)
    assert dead.status == "dead" and deliver(settings, now + timedelta(days=9)).streams == 0
    receiver.default_status = 200
    assert subscriptions.replay(session, sub, actor="test", now=now) == 1
    session.commit()
    deliver(settings, now)
    replayed = _delivery(session)
    assert (replayed.status, replayed.attempts) == ("delivered", 1)
    assert receiver.accepted()[0].webhook_id == dead.webhook_id


def test_it_keeps_each_borrowers_order_across_a_retry(session, settings, receiver, clock):
    ana = make_borrower(session)
    ben = make_borrower(session, phone="+13125550101")
    subscribe(session, receiver, clock.now())
    a1, a2, a3 = _emit(session, ana, clock, n=3)
    b1, b2 = _emit(session, ben, clock, n=2)
    failed = []

    def fail_a1_once(body):
        if body["id"] == a1.public_id and not failed:
            failed.append(body["id"])
            return 500
        return None

    receiver.answer = fail_a1_once
    deliver(settings, clock.now(), rand=no_jitter)
    # Ana's later events wait behind her failed one; Ben's go on.
    assert first_arrivals(receiver.accepted()) == {ben.external_id: [b1.public_id, b2.public_id]}
    deliver(settings, clock.now() + timedelta(seconds=30), rand=no_jitter)
    arrived = first_arrivals(receiver.accepted())
    assert arrived[ana.external_id] == [a1.public_id, a2.public_id, a3.public_id]
    assert arrived[ben.external_id] == [b1.public_id, b2.public_id]


def test_it_holds_a_paused_subscriptions_deliveries_until_it_resumes(
    session, settings, receiver, clock
):
    borrower = make_borrower(session)
    sub = subscribe(session, receiver, clock.now())
    subscriptions.set_active(session, sub, False, actor="test", now=clock.now())
    session.commit()
    _emit(session, borrower, clock, n=2)
    assert deliver(settings, clock.now()).streams == 0 and receiver.deliveries == []
    subscriptions.set_active(session, sub, True, actor="test", now=clock.now())
    session.commit()
    assert deliver(settings, clock.now()).delivered == 2
