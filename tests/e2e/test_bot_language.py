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


KENYA = {"locale": "sw_KE", "country": "KE", "region": "30", "postal_code": "00100"}


def test_a_kenyan_borrower_is_answered_in_swahili_and_followed_into_english(
    bot_app, bot_settings, bot_session
):
    make_borrower(bot_session, phone="+254712300001", loan={"currency": "KES"}, **KENYA)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, "+254712300001")
    assert "tarehe yako ya kuzaliwa" in " ".join(phone.say("salio langu ni ngapi"))
    assert "tarakimu 4" in " ".join(phone.say("14/03/1985"))
    answer = " ".join(phone.say("1234"))
    assert "deni lako lote ni Ksh" in answer and "Desemba" in answer  # Babel, sw_KE
    asked = " ".join(phone.say("I would like to set up a payment plan please"))
    assert "How much could you pay each time?" in asked
    assert tracker(bot_settings, bot_session, "+254712300001")["slots"]["language"] == "en"


def test_romanized_hindi_gets_romanized_hindi_and_devanagari_gets_devanagari(
    bot_app, bot_settings, bot_session
):
    india = {"locale": "hi_IN", "country": "IN", "region": "MH", "postal_code": "400001"}
    make_borrower(bot_session, phone="+919876500001", loan={"currency": "INR"}, **india)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, "+919876500001")
    assert "janamtithi" in " ".join(phone.say("mera balance kitna hai bhai"))
    assert bot_session.scalar(select(Conversation.language)) == "hi_Latn"
    assert "लोन नंबर के आख़िरी 4 अंक" in " ".join(phone.say("14 मार्च 1985"))
    assert bot_session.scalar(select(Conversation.language)) == "hi"


def test_a_filipino_borrower_writing_taglish_stays_in_filipino(bot_app, bot_settings, bot_session):
    philippines = {"locale": "fil_PH", "country": "PH", "region": "00", "postal_code": "1000"}
    make_borrower(bot_session, phone="+639171200001", loan={"currency": "PHP"}, **philippines)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, "+639171200001")
    assert "petsa ng kapanganakan" in " ".join(phone.say("magkano po balance ko"))
    assert "huling 4 na digit" in " ".join(phone.say("03/14/1985"))
    assert "ang kabuuang utang mo" in " ".join(phone.say("1234"))
    assert bot_session.scalar(select(Conversation.language)) == "fil"
