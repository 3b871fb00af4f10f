"""Kill the delivery worker in the middle of a burst and restart it: every event arrives, in
order per borrower, and the only duplicates carry the same webhook-id (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from outreach import clock as app_clock
from outreach import events
from outreach.integrations.webhooks.sender import Attempt, HttpSender
from outreach.integrations.webhooks.worker import deliver
from outreach.models import Event, EventDelivery
from tests.conftest import PUBLIC_BASE_URL, TEST_SECRET
from tests.support import servers
from tests.support.events import first_arrivals, subscribe
from tests.support.factories import make_borrower


class Crash(BaseException):
    """The worker dying: not an error it may catch."""


class CrashingSender:
    """Sends for real, and dies right after the ``after``-th POST reached the receiver, before
    the worker could store that it was delivered."""

    def __init__(self, after: int) -> None:
        self.inner = HttpSender(5.0)
        self.after, self.sent, self.lock = after, 0, threading.Lock()

    def post(self, url: str, secret: str, webhook_id: str, body: bytes) -> Attempt:
        attempt = self.inner.post(url, secret, webhook_id, body)
        with self.lock:
            self.sent += 1
            if self.sent == self.after:
                raise Crash
        return attempt


def _burst(session, clock, borrowers: int, each: int) -> dict[str, list[str]]:
    """``each`` events for each of ``borrowers`` borrowers, interleaved; their ids per borrower."""
    people = [make_borrower(session, phone=f"+1312555{i:04d}") for i in range(borrowers)]
    made: dict[str, list[str]] = defaultdict(list)
    for n in range(each):
        for person in people:
            event = events.emit(session, "message.delivered", person.id, {"n": n}, clock.now())
            made[person.external_id].append(event.public_id)
    session.commit()
    return made


def _after_the_hold(settings):
    """The wall clock of a restart once the dead worker's holds have run out."""
    return lambda: app_clock.unix_seconds() + settings.events_lease_seconds + 1


def _assert_everything_once_in_order(receiver, made: dict[str, list[str]]) -> int:
    got = receiver.accepted()
    assert first_arrivals(got) == made  # every event, in each borrower's order
    ids_per_event: dict[str, set[str]] = defaultdict(set)
    for d in got:
        ids_per_event[d.body["id"]].add(d.webhook_id)
    assert all(len(ids) == 1 for ids in ids_per_event.values())  # duplicates: the same id
    assert receiver.rejected == []
    return len(got) - len(ids_per_event)  # how many arrived twice


def test_it_delivers_everything_after_the_worker_dies_mid_burst(session, settings, receiver, clock):
    subscribe(session, receiver, clock.now())
    made = _burst(session, clock, borrowers=6, each=8)
    with pytest.raises(Crash):
        deliver(settings, clock.now(), sender=CrashingSender(after=15))
    assert len(receiver.accepted()) < 48
    deliver(settings, clock.now(), wall=_after_the_hold(settings))
    # Sent twice: the POSTs in flight when the worker died (the one it died after among them).
    assert 1 <= _assert_everything_once_in_order(receiver, made) <= settings.events_workers
    assert session.scalar(select(func.count()).where(EventDelivery.status != "delivered")) == 0


def _worker_process(database_url: str, at: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "EVENTS_WORKERS": "4",
    }
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.Popen(
        [flask, "--app", "wsgi", "events", "deliver", "--at", at],
        cwd=servers.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_it_delivers_everything_after_the_worker_process_is_killed(
    session, settings, database_url, receiver, clock
):
    receiver.delay = 0.02  # a burst that takes the worker about a second
    subscribe(session, receiver, clock.now())
    made = _burst(session, clock, borrowers=20, each=10)
    worker = _worker_process(database_url, events.timestamp(clock.now()))
    try:
        arrived = receiver.wait_for(50, timeout=120)
        assert arrived, worker.stdout.read().decode()[-2000:] if worker.poll() else "no deliveries"
    finally:
        worker.kill()  # SIGKILL: no cleanup, POSTs in flight
        worker.wait(10)
        worker.stdout.close()
    assert len(receiver.deliveries) < 200  # killed in the middle, not after the burst
    deliver(settings, clock.now(), wall=_after_the_hold(settings))  # the restart
    _assert_everything_once_in_order(receiver, made)
    assert session.scalar(select(func.count()).select_from(Event)) == 200
    assert session.scalar(select(func.count()).where(EventDelivery.status != "delivered")) == 0
