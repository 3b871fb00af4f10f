"""The bot follows the borrower's language mid-conversation (issue 16), through signed webhooks
and the real Rasa server and action server: Rasa's language slot is switched with the
conversation, so the bot's own responses and the amounts and dates it formats switch too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.models import Conversation
from tests.e2e.test_bot_privacy import tracker
from tests.e2e.test_sms_bot import Phone
from tests.support.factories import make_borrower

pytestmark = pytest.mark.rasa
NUMBER = "+13125550100"


def test_the_bot_switches_to_spanish_when_the_borrower_does(bot_app, bot_settings, bot_session):
    make_borrower(bot_session)  # en_US on file
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert "date of birth" in " ".join(phone.say("what's my balance"))
    assert "last 4 digits" in " ".join(phone.say("14/03/1985"))  # a date does not switch
    assert "$3,210.55" in " ".join(phone.say("1234"))
    asked = " ".join(phone.say("quiero hacer un plan de pagos por favor"))
    assert "¿Cuánto podría pagar cada vez?" in asked
    assert tracker(bot_settings, bot_session, NUMBER)["slots"]["language"] == "es"
    assert "¿Cada cuánto" in " ".join(phone.say("50"))  # a number keeps Spanish
    assert bot_session.scalar(select(Conversation.language)) == "es"


def test_a_first_message_in_spanish_gets_spanish_from_an_english_locale(
    bot_app, bot_settings, bot_session
):
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert "fecha de nacimiento" in " ".join(phone.say("hola, cuanto debo"))
    assert "últimos 4 dígitos" in " ".join(phone.say("14/03/1985"))
    answer = " ".join(phone.say("1234"))
    assert "debe $3,210.55 en total" in answer and "1 de diciembre de 2026" in answer
