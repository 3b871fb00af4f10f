"""Per-sender rate limits hold across dispatcher processes: send slots are reserved in the
database, and each message waits for its slot before the provider call."""

import threading
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import sessionmaker

from outreach.campaigns.planner import plan
from outreach.models import SendRateSlot
from outreach.outbox import provider_calls
from outreach.outbox.dispatcher import dispatch
from outreach.outbox.provider_calls import LATE_TOLERANCE
from outreach.outbox.send_rate import reserve_slots, sender_key
from outreach.outbox.worker_engine import worker_engine
from outreach.settings import ROOT
from tests.support.channels import FakeChannels
from tests.support.factories import make_borrower

INSIDE = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def dispatcher_sessions(session):
    """Sessions made the way a dispatcher makes them (SQLite: BEGIN IMMEDIATE)."""
    return sessionmaker(bind=worker_engine(session.get_bind()), expire_on_commit=False)


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


def test_the_dispatcher_sends_no_faster_than_the_senders_limit(session, settings, slow_sms):
    provider = FakeChannels()
    for i in range(12):
        make_borrower(session, phone=f"+1312777{i:04d}", loan={"days_past_due": 3})
    plan(session, INSIDE)

    assert dispatch(session, settings, INSIDE, channels=provider, workers=8).sent == 12

    # Each message leaves inside its own slot (1/20 s apart, at most LATE_TOLERANCE late), so
    # any quarter of a second carries at most 20 x (0.25 + tolerance) + 1 of them; unthrottled,
    # all 12 would leave within a few milliseconds.
    window = 0.25
    most = slow_sms * (window + LATE_TOLERANCE) + 1
    times = sorted(provider.sent_at)
    for i, first in enumerate(times):
        assert sum(1 for t in times[i:] if t < first + window) <= most
    assert times[-1] - times[0] >= 11 / slow_sms - LATE_TOLERANCE


def test_a_message_that_missed_its_slot_gets_a_new_one_and_still_goes_out(
    session, settings, slow_sms, monkeypatch
):
    provider = FakeChannels()
    # Every worker "arrives late": each message is sent back for a new slot MAX_RESLOTS times,
    # then goes anyway (an overloaded machine must not hold a reminder back forever).
    monkeypatch.setattr(provider_calls, "LATE_TOLERANCE", -1.0)
    for i in range(3):
        make_borrower(session, phone=f"+1312888{i:04d}", loan={"days_past_due": 3})
    plan(session, INSIDE)

    started = time.time()
    assert dispatch(session, settings, INSIDE, channels=provider, workers=4).sent == 3
    # Exactly once each, however many slots it took.
    assert sorted(to for _channel, to, *_ in provider.sent) == [
        f"+1312888{i:04d}" for i in range(3)
    ]
    # Slots reserved for every round (the first, then MAX_RESLOTS new ones), one after another.
    reserved = session.get(SendRateSlot, sender_key(settings, "sms")).next_free
    assert reserved >= started + 3 * (1 + provider_calls.MAX_RESLOTS) / slow_sms
