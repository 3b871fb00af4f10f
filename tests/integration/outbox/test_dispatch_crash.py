"""Kill the dispatcher (a real process) in the middle of a batch, restart it: every message
reaches the provider exactly once, counted at the provider stub."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import requests
from sqlalchemy import func, select

from outreach.campaigns.planner import plan
from outreach.models import Message, OutboxItem
from tests.conftest import PUBLIC_BASE_URL, TEST_SECRET
from tests.support import servers
from tests.support.factories import make_borrower
from tests.support.provider_stub import serve_in_thread

INSIDE = "2026-11-24T16:00:00Z"
COUNT = 120


def dispatcher(database_url, stub_url):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": "AC" + "3" * 32,
        "TWILIO_AUTH_TOKEN": "secret",
        "TWILIO_API_BASE_URL": stub_url,
        "TWILIO_SMS_FROM": "+15005550006",
        "DISPATCH_WORKERS": "8",
        # The killed process is known dead, so its claims may be reconciled at once.
        "OUTBOX_STALE_SECONDS": "0",
    }
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.Popen(
        [flask, "--app", "wsgi", "outreach", "dispatch", "--until-empty", "--at", INSIDE],
        cwd=servers.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def received(stub_url):
    return requests.get(stub_url + "/_count", timeout=5).json()


def test_it_sends_every_message_exactly_once_across_a_dispatcher_crash(session, database_url):
    port = servers.free_port()
    stub = serve_in_thread(port, 0.1)
    stub_url = f"http://127.0.0.1:{port}"
    try:
        for i in range(COUNT):
            make_borrower(session, phone=f"+1312555{i:04d}", loan={"days_past_due": 3})
        plan(session, datetime.fromisoformat(INSIDE.replace("Z", "+00:00")).astimezone(UTC))
        first = dispatcher(database_url, stub_url)
        deadline = time.monotonic() + 60
        while received(stub_url)["total"] < 40 and time.monotonic() < deadline:
            assert first.poll() is None, first.stdout.read().decode()[-2000:]
            time.sleep(0.02)
        first.kill()  # SIGKILL: no cleanup, mid-batch, requests in flight
        first.wait(10)
        first.stdout.close()
        # Requests the killed process had already written can still be reaching the provider.
        # In production reconcile waits OUTBOX_STALE_SECONDS (10 minutes) before asking; this
        # test reconciles at once, so it lets those requests land before the restart asks.
        mid, quiet_since = received(stub_url)["total"], time.monotonic()
        while time.monotonic() - quiet_since < 1.0 and time.monotonic() < deadline + 30:
            time.sleep(0.05)
            if (now_total := received(stub_url)["total"]) != mid:
                mid, quiet_since = now_total, time.monotonic()
        assert 40 <= mid < COUNT
        second = dispatcher(database_url, stub_url)
        output, _ = second.communicate(timeout=120)
        assert second.returncode == 0, output.decode()[-2000:]
    finally:
        stub.stop()
    counts = stub.counts()
    assert len(counts) == COUNT and sum(counts.values()) == COUNT  # each exactly once
    session.expire_all()
    assert session.scalar(select(func.count()).where(OutboxItem.status != "sent")) == 0
    linked = session.scalars(select(Message).join(OutboxItem, OutboxItem.message_id == Message.id))
    assert {m.status for m in linked} <= {"queued", "sent"}
