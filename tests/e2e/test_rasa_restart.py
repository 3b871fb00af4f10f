"""Conversations survive a Rasa restart (issue 19): the real Rasa server with its SQL tracker
store is killed (SIGKILL) in the middle of a borrower's identity check and started again; the
borrower carries on where they were, without being asked again."""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from outreach.conversations.rasa_client import RasaClient
from outreach.conversations.rasa_stores import tracker_store_url
from outreach.models import Conversation, Message
from tests.conftest import PUBLIC_BASE_URL, TEST_SECRET
from tests.support import servers
from tests.support.factories import make_borrower
from tests.support.twilio_signing import signed_post

pytestmark = pytest.mark.rasa
_sids = itertools.count(7001)
NUMBER = "+13125550100"


def rasa_server(database_url: str, action_switch, port: int, token: str):
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "ACTION_ENDPOINT_URL": action_switch.url + "/webhook",
        "RASA_TRACKER_URL": tracker_store_url(database_url),
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_TOKEN": token,
    }
    return servers.process(
        "rasa-restart",
        servers.rasa_args(port),
        f"http://127.0.0.1:{port}/",
        env=env,
        cwd=servers.ROOT / "bot",
        timeout=240,
    )


def say(app, session, settings, text: str) -> str:
    last = session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
    form = {"MessageSid": f"SM{next(_sids):032d}", "From": NUMBER, "To": "+15005550006"}
    resp = signed_post(
        app.test_client(),
        "/webhooks/twilio/sms",
        {**form, "Body": text},
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )
    assert resp.status_code == 200
    session.expire_all()
    return " ".join(
        session.scalars(
            select(Message.body)
            .where(Message.id > last, Message.direction == "out")
            .order_by(Message.id)
        )
    )


def tracker_rows(database_url: str, sender: str) -> int:
    """Events Rasa stored for the conversation (SQLite tracker file; PostgreSQL: schema rasa)."""
    url = make_url(tracker_store_url(database_url))
    if url.get_backend_name() != "sqlite":
        from sqlalchemy import create_engine, text

        engine = create_engine(database_url)
        with engine.connect() as conn:
            query = text("SELECT count(*) FROM rasa.events WHERE sender_id = :s")
            count = conn.execute(query, {"s": sender}).scalar_one()
        engine.dispose()
        return int(count)
    with sqlite3.connect(url.database) as conn:
        query = "SELECT count(*) FROM events WHERE sender_id = ?"
        return conn.execute(query, (sender,)).fetchone()[0]


def test_a_rasa_restart_mid_verification_keeps_the_conversation(
    bot_app, bot_settings, bot_session, database_url, action_switch
) -> None:
    session = bot_session
    make_borrower(session)
    port = servers.free_port()
    rasa = RasaClient(
        f"http://127.0.0.1:{port}",
        bot_settings.rasa_token,
        timeout_seconds=bot_settings.rasa_timeout_seconds,
        max_concurrent=2,
    )
    bot_app.extensions["rasa"] = rasa
    with rasa_server(database_url, action_switch, port, bot_settings.rasa_token) as first:
        assert "date of birth" in say(bot_app, session, bot_settings, "how much do i owe")
        assert "last 4 digits" in say(bot_app, session, bot_settings, "14/03/1985")
        first.kill()  # SIGKILL: nothing is flushed on the way out
        first.wait()
    conv = session.scalar(select(Conversation))
    assert tracker_rows(database_url, conv.public_id) > 0  # the state is in the database
    with rasa_server(database_url, action_switch, port, bot_settings.rasa_token):
        answer = say(bot_app, session, bot_settings, "1234")  # the second factor, after restart
    assert "$3,210.55" in answer and "date of birth" not in answer
