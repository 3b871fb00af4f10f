"""When the bot's own parts fail, through the real Rasa server: the action server down (Rasa
reaches it through a switch, tests/support/servers.py SwitchableProxy) and messages Rasa cannot
read. The borrower is always answered, and a request for a person still reaches an officer."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from outreach import create_app
from outreach.conversations.notices import NOTICES
from outreach.models import AuditEvent, BotTurn, Conversation, HandoffCase
from tests.conftest import make_settings
from tests.e2e.test_sms_bot import Phone
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

pytestmark = pytest.mark.rasa
NUMBER = "+13125550100"


def last_turn(session) -> BotTurn:
    session.expire_all()
    return session.scalar(select(BotTurn).order_by(BotTurn.id.desc()).limit(1))


@pytest.mark.parametrize("warm", [True, False], ids=["mid-conversation", "first-message"])
def test_it_hands_a_request_for_a_person_to_an_officer_while_the_action_server_is_down(
    bot_app, bot_settings, bot_session, action_switch, warm
) -> None:
    borrower = make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    if warm:
        assert any("Hi" in r for r in phone.say("hello"))  # the session started normally
    with action_switch.switched_off():
        told = " ".join(phone.say("agent"))
        assert "Sorry, something went wrong on our side" in told
        assert "An officer will answer you here" in told
        case = bot_session.scalar(select(HandoffCase))
        assert case is not None and case.status == "open" and case.borrower_id == borrower.id
        assert (case.reason, case.summary["opened_by"]) == ("requested", "app")
        turn = last_turn(bot_session)
        assert turn.intent == "request_human" and turn.error.startswith("action_failed: ")
        assert ("action_handoff" if warm else "action_session_start") in turn.error
        assert bot_session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "bot.action_failed")
        )
        # The officers own it now: the next message waits for them, nothing goes to the bot.
        assert phone.say("hello? anyone there") == []
    assert bot_session.get(Conversation, case.conversation_id).owner == "officer"


def test_it_gets_the_bot_back_after_a_close_rasa_never_heard_of(
    bot_app, bot_settings, bot_session, database_url
) -> None:
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert "officer" in " ".join(phone.say("agent"))  # the real handoff: Rasa pauses
    case = bot_session.scalar(select(HandoffCase))

    # The officer closes the case from a web worker that cannot reach Rasa at that moment.
    cut_off = create_app(make_settings(database_url))  # RASA_URL: nothing listens
    cut_off.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    console = cut_off.test_client()
    login(console, make_officer(bot_session))
    console.post(f"/console/cases/{case.id}/claim")
    assert (
        b"could not be resumed"
        in console.post(f"/console/cases/{case.id}/close", follow_redirects=True).data
    )
    assert b"bot not resumed since" in console.get("/console/").data

    # Rasa is reachable for the borrower's next message: the resume goes first, then the turn.
    assert "date of birth" in " ".join(phone.say("what's my balance"))
    bot_session.expire_all()
    assert bot_session.get(Conversation, case.conversation_id).resume_pending_since is None


def test_it_says_something_went_wrong_instead_of_not_understanding(
    bot_app, bot_settings, bot_session, action_switch
) -> None:
    make_borrower(bot_session, locale="es_MX")
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    phone.say("hola")
    with action_switch.switched_off():
        told = phone.say("cuanto debo")
    assert told == [NOTICES["action_failed"]["es"]]  # not "Perdón, no entendí"
    turn = last_turn(bot_session)
    assert turn.intent == "check_balance" and turn.error.startswith("action_failed: ")
    assert bot_session.scalar(select(HandoffCase)) is None
    # With the action server back the same question gets the identity check, as ever.
    assert "fecha de nacimiento" in " ".join(phone.say("cuanto debo"))


def test_it_answers_a_picture_without_asking_rasa(bot_app, bot_settings, bot_session) -> None:
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    phone.say("what's my balance")
    assert phone.say("") == [NOTICES["text_only"]["en"]]
    turn = last_turn(bot_session)
    assert (turn.error, turn.intent) == ("no_text", None)  # not the previous message's intent


def test_it_reports_a_turn_rasa_could_not_handle(rasa_stack) -> None:
    """Rasa's side of the contract: a turn that raises is reported, with no stale intent."""
    url = rasa_stack["RASA_URL"] + "/webhooks/rest/webhook"
    sender = "turn-failure-check"
    requests.post(url, json={"sender": sender, "message": "hello"}, timeout=30)
    replies = requests.post(url, json={"sender": sender, "message": ""}, timeout=30).json()
    summary = replies[-1]["custom"]["turn"]
    assert summary["turn_failed"] is True and "intent" not in summary
