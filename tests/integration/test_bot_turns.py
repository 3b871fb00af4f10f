"""One bot turn seen from the borrower's phone: whatever goes wrong on the bot's side, the
borrower gets an answer in their language and the turn log says what happened. Rasa is the
stand-in server of tests/support/fake_rasa.py (the real one: tests/e2e)."""

from __future__ import annotations

import itertools
import logging

import pytest
from sqlalchemy import select

from outreach.bot_notices import NOTICES
from outreach.models import BotTurn, Message
from outreach.settings import Settings
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.factories import make_borrower
from tests.support.fake_rasa import FakeRasa
from tests.support.twilio_signing import signed_post

NUMBER = "+13125550100"
_sids = itertools.count(1)


@pytest.fixture
def settings(database_url: str, fake_rasa: FakeRasa) -> Settings:
    return make_settings(database_url, RASA_URL=fake_rasa.url)


def text_in(client, settings: Settings, body: str, **extra: str) -> list[str]:
    """A signed SMS webhook from NUMBER; the bodies sent back to NUMBER for it."""
    form = {"MessageSid": f"SM{next(_sids):032d}", "From": NUMBER, "To": "+15005550006"}
    resp = signed_post(
        client,
        "/webhooks/twilio/sms",
        {**form, "Body": body, **extra},
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )
    assert resp.status_code == 200
    inbound = client.application.extensions["sessions"]()
    try:
        last_in = inbound.scalar(select(Message).where(Message.provider_sid == form["MessageSid"]))
        return list(
            inbound.scalars(
                select(Message.body)
                .where(Message.id > last_in.id, Message.direction == "out")
                .order_by(Message.id)
            )
        )
    finally:
        inbound.close()


def last_turn(session) -> BotTurn:
    session.expire_all()
    return session.scalar(select(BotTurn).order_by(BotTurn.id.desc()).limit(1))


@pytest.mark.parametrize(
    ("locale", "language", "form"),
    [
        # What Twilio posts for an MMS holding only a picture.
        ("en_US", "en", {"Body": "", "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/m/1"}),
        ("es_MX", "es", {"Body": "  \n ", "NumMedia": "0"}),
    ],
)
def test_it_says_it_reads_text_only_when_a_message_has_no_words(
    client, session, settings, fake_rasa, caplog, locale, language, form
) -> None:
    caplog.set_level(logging.INFO, logger="outreach.bot_turns")
    make_borrower(session, locale=locale)
    assert text_in(client, settings, "hello") == ["Hi!"]  # the bot is up and answering

    body = form.pop("Body")
    assert text_in(client, settings, body, **form) == [NOTICES["text_only"][language]]
    assert len(fake_rasa.turns) == 1  # nothing was sent to Rasa for the empty message
    turn = last_turn(session)
    assert (turn.error, turn.intent, turn.language) == ("no_text", None, language)
    assert len(turn.reply_ids) == 1
    assert "has no text" in caplog.text and NUMBER not in caplog.text
