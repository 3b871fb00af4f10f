"""An unsure reading of an intent that acts on the account is asked about first (issue 16):
through signed webhooks, with the stand-in Rasa giving the NLU's reading."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach import create_app
from outreach.conversations.intent_check import DECLINED, QUESTIONS
from outreach.models import BotTurn, Conversation
from tests.conftest import make_settings, wipe
from tests.integration.conversations.test_language import Phone
from tests.support.factories import make_borrower
from tests.support.fake_rasa import turn_summary


def reading(name: str, confidence: float) -> dict:
    return {"intent": {"name": name, "confidence": confidence}}


@pytest.fixture
def rasa_app(database_url, fake_rasa):
    wipe(database_url)
    settings = make_settings(database_url, RASA_URL=fake_rasa.url)
    app = create_app(settings)
    app.config.update(TESTING=True)
    with app.extensions["sessions"]() as session:
        yield app, settings, session


def test_it_asks_before_starting_an_unsure_plan_and_starts_it_on_yes(rasa_app, fake_rasa):
    app, settings, session = rasa_app
    make_borrower(session)
    phone = Phone(app.test_client(), settings, session)
    fake_rasa.parse = reading("propose_plan", 0.55)
    asked = phone.say("can I pay $5 a week for 60 weeks starting friday?")
    assert asked == [QUESTIONS["propose_plan"]["en"]]
    assert fake_rasa.turns == []  # the bot was not asked to act
    assert fake_rasa.parsed == ["can I pay $5 a week for 60 weeks starting friday?"]
    assert session.scalar(select(Conversation.pending_intent)) == "propose_plan"
    assert phone.say("YES") == ["Hi!"]
    assert [t["message"] for t in fake_rasa.turns] == ["/propose_plan"]
    assert session.scalar(select(Conversation.pending_intent)) is None
    turns = session.scalars(select(BotTurn).order_by(BotTurn.id)).all()
    assert (turns[0].intent, turns[0].confidence, turns[0].reply_ids != []) == (
        "propose_plan",
        0.55,
        True,
    )


def test_a_no_says_what_to_do_and_starts_nothing_in_spanish(rasa_app, fake_rasa):
    app, settings, session = rasa_app
    make_borrower(session, locale="es_US")
    phone = Phone(app.test_client(), settings, session)
    fake_rasa.parse = reading("promise_to_pay", 0.45)
    assert phone.say("el viernes") == [QUESTIONS["promise_to_pay"]["es"]]
    assert phone.say("no") == [DECLINED["es"]]
    assert fake_rasa.turns == []
    # Something else than yes or no goes to the bot as written; the question is dropped.
    fake_rasa.parse = reading("check_balance", 0.9)
    phone.say("cuanto debo")
    assert [t["message"] for t in fake_rasa.turns] == ["cuanto debo"]


def test_a_sure_reading_or_an_answer_inside_a_form_goes_straight_to_the_bot(rasa_app, fake_rasa):
    app, settings, session = rasa_app
    make_borrower(session)
    phone = Phone(app.test_client(), settings, session)
    fake_rasa.parse = reading("pay_now", 0.95)
    fake_rasa.replies = [{"text": "How much?"}, turn_summary("pay_now", active_loop="plan_form")]
    assert phone.say("i want to pay now") == ["How much?"]
    fake_rasa.parse = reading("pay_now", 0.3)
    phone.say("50")  # the form's question: never asked about
    assert [t["message"] for t in fake_rasa.turns] == ["i want to pay now", "50"]
    assert fake_rasa.parsed == ["i want to pay now"]


def test_without_a_reading_the_turn_goes_on(rasa_app, fake_rasa):
    app, settings, session = rasa_app
    make_borrower(session)
    phone = Phone(app.test_client(), settings, session)
    fake_rasa.parse = None  # /model/parse answers 404
    assert phone.say("i want a plan") == ["Hi!"]
    assert [t["message"] for t in fake_rasa.turns] == ["i want a plan"]
