"""Identity answers never reach Rasa (security finding 14): Flask checks the answer to the factor
the form asked for and sends Rasa a placeholder. Rasa here is a stand-in HTTP server that records
what it was sent and answers like the real REST channel with a turn summary (the real Rasa and
action server are in tests/e2e/test_bot_privacy.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from outreach import selfservice
from outreach.channels import ChannelRegistry
from outreach.conversations.inbound import receive_inbound
from outreach.conversations.rasa_client import RasaClient
from outreach.models import Conversation
from tests.conftest import make_settings
from tests.support import servers
from tests.support.factories import make_borrower

NUMBER = "+13125550100"


class FakeRasa:
    """Answers each turn with the next scripted form question; remembers every request."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.asks: list[str | None] = []

    def reply(self) -> list[dict[str, Any]]:
        asked = self.asks.pop(0) if self.asks else None
        return [
            {"text": f"asking {asked}"},
            {
                "custom": {
                    "turn": {
                        "intent": "inform",
                        "confidence": 1.0,
                        "actions": [],
                        "active_loop": "verify_form" if asked else None,
                        "requested_slot": asked,
                    }
                }
            },
        ]


@pytest.fixture
def rasa(database_url) -> Iterator[tuple[FakeRasa, Any]]:
    fake = FakeRasa()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path.startswith("/model/parse"):  # the app's look before acting (issue 16)
                data = json.dumps({"intent": {"name": "inform", "confidence": 1.0}}).encode()
            else:
                fake.received.append({"path": self.path, **body})
                data = json.dumps(fake.reply()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", servers.free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = make_settings(database_url, RASA_URL=f"http://127.0.0.1:{server.server_port}")
    try:
        yield fake, settings
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def say(session, settings, text: str) -> None:
    receive_inbound(
        session,
        settings,
        RasaClient.from_settings(settings),
        ChannelRegistry(settings),
        channel="sms",
        address=NUMBER,
        body=text,
        provider_sid=None,
    )


def test_it_sends_rasa_a_placeholder_instead_of_each_answer(app, session, rasa):
    fake, settings = rasa
    make_borrower(session)
    fake.asks = ["date_of_birth", "loan_last4", None]
    for text in ("what's my balance", "it is 14/03/1985", "1234"):
        say(session, settings, text)
    sent = [r["message"] for r in fake.received]
    assert sent == ["what's my balance", "/provide_date", "/inform"]
    assert "1985" not in json.dumps(fake.received) and "1234" not in json.dumps(fake.received)
    conv = session.scalar(select(Conversation))
    session.refresh(conv)
    assert conv.identity_verified_at is not None  # Flask checked the real text itself
    # What the form validation reads for that turn, once.
    outcome = selfservice.factor_outcome(conv.public_id, "loan_last4", settings)
    assert outcome.verified
    assert selfservice.factor_outcome(conv.public_id, "loan_last4", settings) is None


def test_it_masks_several_dates_and_passes_words_through(app, session, rasa):
    fake, settings = rasa
    make_borrower(session)
    fake.asks = ["date_of_birth", "date_of_birth", None]
    for text in ("balance", "1/1/1980 2/2/1980 3/3/1980", "I want an agent"):
        say(session, settings, text)
    assert [r["message"] for r in fake.received] == ["balance", "/provide_date", "I want an agent"]
    conv = session.scalar(select(Conversation))
    outcome = selfservice.factor_outcome(conv.public_id, "date_of_birth", settings)
    assert outcome is not None and not outcome.understood  # "agent" is no date: asked again


def test_it_checks_nothing_when_no_identity_question_is_open(app, session, rasa):
    fake, settings = rasa
    make_borrower(session)
    fake.asks = [None, None]
    say(session, settings, "hello")
    say(session, settings, "I'll pay on 12/05/2026")  # a promise date, not an answer
    assert [r["message"] for r in fake.received] == ["hello", "I'll pay on 12/05/2026"]
    conv = session.scalar(select(Conversation))
    assert selfservice.factor_outcome(conv.public_id, "date_of_birth", settings) is None


def test_it_treats_a_question_rasa_has_forgotten_as_closed(app, session, rasa, clock):
    fake, settings = rasa
    make_borrower(session)
    fake.asks = ["date_of_birth", None]
    say(session, settings, "balance")
    clock.advance(minutes=61)  # Rasa's session (and its form) expired meanwhile
    say(session, settings, "can I pay 50 on friday")
    assert [r["message"] for r in fake.received] == ["balance", "can I pay 50 on friday"]
    conv = session.scalar(select(Conversation))
    assert selfservice.factor_outcome(conv.public_id, "date_of_birth", settings) is None
