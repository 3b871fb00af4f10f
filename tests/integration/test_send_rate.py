"""Per-sender rate limits hold across dispatcher processes: send slots are reserved in the
database, and each message waits for its slot before the provider call."""

import threading
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from outreach import dispatch_batch
from outreach.campaigns import plan
from outreach.channels import SendResult
from outreach.models import SendRateSlot
from outreach.outbox import _worker_engine, dispatch
from outreach.send_rate import reserve_slots, sender_key
from outreach.settings import ROOT
from tests.support.factories import make_borrower

INSIDE = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def dispatcher_sessions(session):
    """Sessions made the way a dispatcher makes them (SQLite: BEGIN IMMEDIATE)."""
    return sessionmaker(bind=_worker_engine(session.get_bind()), expire_on_commit=False)


def test_two_dispatchers_never_get_the_same_slot(session, settings):
    factory = dispatcher_sessions(session)
    rate = 200.0
    slots: list[float] = []
    lock = threading.Lock()

    def dispatcher() -> None:
        with factory() as db:
            for _ in range(10):
                got = reserve_slots(db, settings, {"sms": rate}, ["sms"] * 7)
                db.commit()
                with lock:
                    slots.extend(got)

    threads = [threading.Thread(target=dispatcher) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    slots.sort()
    assert len(slots) == 3 * 10 * 7
    gaps = [b - a for a, b in pairwise(slots)]
    assert min(gaps) >= 1 / rate - 1e-6  # never two sends in the same 1/rate interval
    key = sender_key(settings, "sms")
    assert session.get(SendRateSlot, key).next_free == pytest.approx(slots[-1] + 1 / rate)


def test_channels_without_a_limit_get_no_slot(session, settings):
    with dispatcher_sessions(session)() as db:
        assert reserve_slots(db, settings, {"sms": 5}, ["email", "sms", "email"])[::2] == [
            None,
            None,
        ]


@pytest.fixture
def slow_sms(tmp_path, monkeypatch):
    """config/campaigns.yaml with SMS limited to 20 messages a second."""
    config = yaml.safe_load(Path(ROOT / "config" / "campaigns.yaml").read_text())
    config["rate_limits"] = {"sms": 20}
    path = tmp_path / "campaigns.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("CAMPAIGNS_CONFIG", str(path))
    return 20


def test_the_dispatcher_sends_no_faster_than_the_senders_limit(
    session, settings, slow_sms, monkeypatch
):
    sent_at: list[float] = []

    def channel(settings, name):
        class Recording:
            def send(self, to, body, **kwargs):
                sent_at.append(time.time())
                return SendResult(provider_sid=f"SM{len(sent_at):032d}{to[-4:]}", status="queued")

        return Recording()

    monkeypatch.setattr(dispatch_batch, "get_channel", channel)
    for i in range(12):
        make_borrower(session, phone=f"+1312777{i:04d}", loan={"days_past_due": 3})
    plan(session, INSIDE)

    assert dispatch(session, settings, INSIDE, workers=8).sent == 12

    # The reservation covered the 12 messages from ``start``; the k-th send is never earlier
    # than the k-th slot, whatever order the worker threads ran in.
    next_free = session.scalar(select(SendRateSlot.next_free))
    start = next_free - 12 / slow_sms
    for k, at in enumerate(sorted(sent_at)):
        assert at >= start + k / slow_sms - 1e-3
