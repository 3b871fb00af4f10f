"""An unsure acting intent is asked about, with the real Rasa and action server (issue 16).
The threshold is raised so the real model's reading counts as unsure whatever its score."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.conversations import intent_check
from outreach.models import PaymentPlan, PromiseToPay
from tests.e2e.test_sms_bot import Phone
from tests.support.factories import make_borrower

pytestmark = pytest.mark.rasa
NUMBER = "+13125550100"


def test_an_unsure_plan_is_asked_about_then_started_on_yes(
    bot_app, bot_settings, bot_session, monkeypatch
):
    monkeypatch.setattr(intent_check, "min_confidence", lambda: 1.01)
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert phone.say("i want a payment plan") == [
        "Did you want to set up a payment plan? Reply YES or NO."
    ]
    assert "date of birth" in " ".join(phone.say("YES"))  # the plan flow starts: identity first
    phone.say("14/03/1985")
    assert "How much could you pay" in " ".join(phone.say("1234"))
    assert bot_session.scalar(select(PaymentPlan)) is None


def test_an_unsure_promise_declined_in_spanish_starts_nothing(
    bot_app, bot_settings, bot_session, monkeypatch
):
    monkeypatch.setattr(intent_check, "min_confidence", lambda: 1.01)
    make_borrower(bot_session, locale="es_US")
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert phone.say("le pago el viernes") == [
        "¿Quiere decirnos qué día va a pagar? Responda SÍ o NO."
    ]
    assert "qué quiere hacer" in " ".join(phone.say("no"))
    assert bot_session.scalar(select(PromiseToPay)) is None
