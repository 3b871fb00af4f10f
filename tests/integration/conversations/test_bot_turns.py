"""One bot turn seen from the borrower's phone: whatever goes wrong on the bot's side, the
borrower gets an answer in their language and the turn log says what happened. Rasa is the
stand-in server of tests/support/fake_rasa.py (the real one: tests/e2e)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from outreach.conversations.notices import NOTICES
from outreach.conversations.rasa_client import RasaClient
from outreach.models import AuditEvent, BotTurn, Conversation, HandoffCase
from outreach.settings import Settings
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.fake_rasa import FakeRasa, turn_summary
from tests.support.sms import NUMBER, text_in


@pytest.fixture
def settings(database_url: str, fake_rasa: FakeRasa) -> Settings:
    return make_settings(database_url, RASA_URL=fake_rasa.url)


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
    caplog.set_level(logging.INFO, logger="outreach.conversations.bot_turns")
    make_borrower(session, locale=locale)
    assert text_in(client, settings, "hello") == ["Hi!"]  # the bot is up and answering

    body = form.pop("Body")
    assert text_in(client, settings, body, **form) == [NOTICES["text_only"][language]]
    assert len(fake_rasa.turns) == 1  # nothing was sent to Rasa for the empty message
    turn = last_turn(session)
    assert (turn.error, turn.intent, turn.language) == ("no_text", None, language)
    assert len(turn.reply_ids) == 1
    assert "has no text" in caplog.text and NUMBER not in caplog.text


DID_NOT_GET_IT = {"text": "Sorry, I didn't get that."}


def test_it_opens_the_case_itself_when_the_handoff_action_failed(
    client, session, settings, fake_rasa
) -> None:
    borrower = make_borrower(session, locale="es_MX")
    # What Rasa 3.6 answers when action_handoff could not reach the action server.
    fake_rasa.replies = [
        turn_summary("request_human", actions=["action_handoff"], failed_actions=["action_handoff"])
    ]
    told = text_in(client, settings, "quiero hablar con una persona")
    assert len(told) == 1 and told[0].startswith("Perdón, algo falló de nuestro lado")
    assert "Una persona le responderá por aquí" in told[0]
    session.expire_all()
    case = session.scalar(select(HandoffCase))
    assert (case.status, case.reason, case.priority, case.borrower_id) == (
        "open",
        "requested",
        2,
        borrower.id,
    )
    assert case.summary["opened_by"] == "app" and case.summary["intents"] == ["request_human"]
    assert session.get(Conversation, case.conversation_id).owner == "officer"
    turn = last_turn(session)
    assert (turn.intent, turn.error) == ("request_human", "action_failed: action_handoff")
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "bot.action_failed"))
    assert audit.details["actions"] == ["action_handoff"]
    assert text_in(client, settings, "hola?") == []  # the officers have it: not sent to Rasa
    assert len(fake_rasa.turns) == 1


def test_it_gives_an_urgent_reason_the_bot_could_not_flag_its_priority(
    client, session, settings, fake_rasa
) -> None:
    make_borrower(session)
    fake_rasa.replies = [turn_summary("dispute", failed_actions=["action_session_start"])]
    told = text_in(client, settings, "I don't owe this")
    assert "passed your conversation to our team" in told[0]
    case = session.scalar(select(HandoffCase))
    assert (case.reason, case.priority) == ("dispute", 1)


@pytest.mark.parametrize(
    ("summary", "error"),
    [
        ({"failed_actions": ["action_session_start", "verify_form"]}, "action_failed: "),
        ({"turn_failed": True}, "turn_failed"),
    ],
)
def test_it_says_something_went_wrong_instead_of_what_rasa_made_up(
    client, session, settings, fake_rasa, summary, error
) -> None:
    make_borrower(session)
    fake_rasa.replies = [DID_NOT_GET_IT, turn_summary("check_balance", **summary)]
    if summary.get("turn_failed"):  # what turn_channel sends then: no intent (it would be stale)
        fake_rasa.replies[1]["custom"]["turn"] = summary
    assert text_in(client, settings, "what's my balance") == [NOTICES["action_failed"]["en"]]
    logged = last_turn(session)
    assert logged.error.startswith(error)
    assert session.scalar(select(HandoffCase)) is None
    assert session.scalar(select(Conversation)).owner == "bot"


def test_it_still_confirms_an_opt_out_that_was_done_before_an_action_failed(
    client, session, settings, fake_rasa
) -> None:
    make_borrower(session)
    confirmation = {"custom": {"send_as": "keyword_confirmation", "text": "Opted out."}}
    fake_rasa.replies = [confirmation, turn_summary("opt_out", failed_actions=["action_x"])]
    assert text_in(client, settings, "please never write again") == [
        "Opted out.",
        NOTICES["action_failed"]["en"],
    ]


@pytest.mark.parametrize(
    ("kind", "error"), [("unavailable", "rasa_unavailable"), ("busy", "rasa_busy")]
)
def test_it_tells_a_spanish_speaker_in_spanish_when_the_bot_cannot_answer(
    app, session, database_url, fake_rasa, kind, error
) -> None:
    make_borrower(session, locale="es_US")
    if kind == "unavailable":
        settings = make_settings(database_url)  # RASA_URL: nothing listens
    else:
        settings = make_settings(database_url, RASA_URL=fake_rasa.url, RASA_MAX_CONCURRENT="1")
    app.extensions["settings"] = settings
    app.extensions["rasa"] = rasa = RasaClient.from_settings(settings)
    slots = rasa._slots[0]  # one server: its slots
    if kind == "busy":
        slots.acquire()  # the one slot is taken by another borrower's turn
    try:
        assert text_in(app.test_client(), settings, "cuanto debo") == [NOTICES[kind]["es"]]
    finally:
        if kind == "busy":
            slots.release()
    assert last_turn(session).error == error
