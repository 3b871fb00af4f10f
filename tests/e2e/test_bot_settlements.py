"""Settling for less through the signed Twilio webhook, the real Rasa server and the real
action server (demo mode: the sandbox payment page stands in for the providers): in English an
offer inside the bot's tier, accepted and paid on the same /pay/<token> page, the loan settled;
in Spanish a proposal outside it, a counter-offer turned down, the proposal handed to an officer."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.models import Event, HandoffCase, Loan, Resolution
from tests.e2e.test_sms_bot import Phone
from tests.support.factories import make_borrower

pytestmark = pytest.mark.rasa
NUMBER = "+13125550100"
MID = {"days_past_due": 60, "outstanding": Decimal("1000.00"), "past_due_amount": Decimal("300.00")}
PAY_LINK = re.compile(r"https?://\S+/pay/[\w.\-]+")


def joined(replies: list[str]) -> str:
    return " ".join(replies)


def path_of(url: str) -> str:
    return url if url.startswith("/") else "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_an_english_borrower_settles_for_less_and_pays_on_the_sandbox_page(
    bot_app, bot_settings, bot_session
):
    make_borrower(bot_session, loan=MID)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    asked = joined(phone.say("can I settle for less?"))
    assert "date of birth" in asked and "$" not in asked  # nothing before the identity check
    phone.say("14/03/1985")
    offer = joined(phone.say("1234"))
    assert "We can settle your balance of $1,000.00 for $850.00" in offer
    assert "closed as settled" in offer and "the full balance stays due" in offer
    assert "We are not obligated to renew this offer." in offer and "Reply YES" in offer
    assert bot_session.scalar(select(Resolution)) is None  # nothing stored before the yes
    done = joined(phone.say("yes"))
    assert "Done: pay $850.00 by" in done
    url = PAY_LINK.search(done).group(0)
    row = bot_session.scalar(select(Resolution))
    assert (row.status, row.amount, row.decided_by) == ("accepted", Decimal("850.00"), "bot")
    client = bot_app.test_client()
    hop = client.get(path_of(url))
    assert hop.status_code == 302 and "/sandbox/pay/" in hop.location
    page = client.get(path_of(hop.location)).get_data(as_text=True)
    assert 'value="850.00"' in page  # the settlement's amount, not the arrears
    paid = client.post(path_of(hop.location), data={"amount": "850.00"})
    assert paid.status_code == 302
    receipt = client.get(path_of(paid.location)).get_data(as_text=True)
    assert "Your account is settled: nothing more is due." in receipt
    bot_session.expire_all()
    assert bot_session.scalar(select(Resolution.status)) == "paid"
    assert bot_session.scalar(select(Loan.status)) == "settled"
    types = set(bot_session.scalars(select(Event.type)))
    assert {"settlement.accepted", "payment.received", "settlement.paid"} <= types


def test_a_spanish_proposal_outside_the_bots_tier_goes_to_an_officer(
    bot_app, bot_settings, bot_session
):
    make_borrower(bot_session, loan=MID, locale="es_US")
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert "fecha de nacimiento" in joined(phone.say("puedo pagar 300 hoy si cierran la cuenta"))
    phone.say("14 de marzo de 1985")
    counter = joined(phone.say("1234"))
    assert "No puedo acordar esa cantidad yo mismo" in counter
    assert "$850.00" in counter and "No estamos obligados a renovar esta oferta." in counter
    handed = joined(phone.say("no"))
    assert "Paso su propuesta a un agente" in handed
    row = bot_session.scalar(select(Resolution))
    assert (row.status, row.amount, row.tier) == ("requested", Decimal("300.00"), "beyond_limits")
    case = bot_session.get(HandoffCase, row.case_id)
    assert case.reason == "settlement_request" and case.summary["request"] == "settlement"
