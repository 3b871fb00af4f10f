"""The README's receiver snippet ("Subscribe to events") run as written, against real
deliveries: it cannot drift from what the worker sends."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import requests
from werkzeug.serving import make_server

from outreach import events
from outreach.integrations.webhooks import subscriptions
from outreach.integrations.webhooks.worker import deliver
from tests.support import servers
from tests.support.factories import make_borrower

MARKER = "<!-- test: events-receiver -->"


def readme_receiver() -> str:
    text = (servers.ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(MARKER) + len(MARKER) :]
    return re.search(r"```python\n(.*?)```", after, re.S).group(1)


def test_it_verifies_and_deduplicates_deliveries_as_the_readme_shows(
    session, settings, clock, monkeypatch, capsys
):
    port = servers.free_port()
    sub, secret = subscriptions.create(
        session,
        "core-banking",
        f"http://127.0.0.1:{port}/hooks/outreach",
        "payment.received,promise.created,promise.broken",
        actor="test",
        now=clock.now(),
    )
    session.commit()
    monkeypatch.setenv("OUTREACH_WEBHOOK_SECRET", secret)
    snippet: dict = {"__name__": "lender_receiver"}
    exec(compile(readme_receiver(), "README.md", "exec"), snippet)
    server = make_server("127.0.0.1", port, snippet["app"], threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        loan = make_borrower(session).loans[0]
        event = events.emit(
            session,
            "promise.broken",
            loan.borrower_id,
            {"loan_number": loan.loan_number},
            clock.now(),
        )
        session.commit()
        assert deliver(settings, clock.now()).delivered == 1
        # Replayed, it arrives again with its webhook-id: the receiver acts on it once.
        subscriptions.replay(session, sub, actor="test", now=clock.now(), since=clock.now())
        session.commit()
        assert deliver(settings, clock.now() + timedelta(seconds=1)).delivered == 1
        forged = requests.post(
            f"http://127.0.0.1:{port}/hooks/outreach",
            data=events.body_bytes(event),
            headers={
                "webhook-id": "msg_x",
                "webhook-timestamp": "1",
                "webhook-signature": "v1,AA==",
            },
            timeout=5,
        )
        assert forged.status_code == 400
    finally:
        server.shutdown()
        thread.join(timeout=10)
    printed = capsys.readouterr().out.splitlines()
    assert printed.count(f"promise.broken {event.public_id} {loan.loan_number}") == 1
