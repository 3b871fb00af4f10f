"""Paying now inside the conversation, through the signed Twilio webhook, the real Rasa server
and the real action server (demo mode: no provider credentials; the sandbox stands in for the
card page and rings the sandbox phone for M-Pesa)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.messaging import pay_links
from outreach.models import AuditEvent, Conversation, StkRequest
from tests.e2e.test_sms_bot import Phone
from tests.support.factories import make_borrower
from tests.support.mpesa import MSISDN, kenyan
from tests.support.mpesa import PHONE as KE_PHONE

pytestmark = pytest.mark.rasa
NUMBER = "+13125550100"
PAY_LINK = re.compile(r"https?://\S+/pay/([\w.\-]+)")


def joined(replies: list[str]) -> str:
    return " ".join(replies)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def linked(settings, text: str):
    """The payment link in ``text``: what its token names."""
    found = PAY_LINK.search(text)
    assert found, text
    return found.group(0), pay_links.read_token(settings, found.group(1))


def test_it_sends_the_payment_link_after_the_identity_check_in_english(
    bot_app, bot_settings, bot_session
):
    borrower = make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    asked = joined(phone.say("I want to pay now"))
    assert "date of birth" in asked and "/pay/" not in asked
    phone.say("14/03/1985")
    answer = joined(phone.say("1234"))
    assert "verified" in answer
    assert "To pay $420.00 (the amount past due) now, open your secure payment link" in answer
    assert "from $5.00 up to $3,210.55" in answer
    url, link = linked(bot_settings, answer)
    conv = bot_session.scalar(select(Conversation))
    assert (link.loan_id, link.conversation_id) == (borrower.loans[0].id, conv.id)
    # The link opens the demo payment page for that loan (by way of the sandbox's own page).
    client = bot_app.test_client()
    hop = client.get(path_of(url))
    assert hop.status_code == 302 and "/sandbox/pay/" in hop.location
    page = client.get(path_of(hop.location))
    assert page.status_code == 200 and "$420.00" in page.get_data(as_text=True)
    event = bot_session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.offered"))
    assert event.details["kind"] == "link" and event.details["sandbox"] is True


def test_it_sends_the_payment_link_after_the_identity_check_in_spanish(
    bot_app, bot_settings, bot_session
):
    make_borrower(bot_session, locale="es_US")
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert "fecha de nacimiento" in joined(phone.say("quiero pagar ahora"))
    phone.say("14 de marzo de 1985")
    answer = joined(phone.say("1234"))
    assert "Para pagar $420.00 (lo vencido) ahora, abra su enlace de pago seguro" in answer
    assert "desde $5.00 hasta $3,210.55" in answer
    linked(bot_settings, answer)


def test_it_takes_another_amount_within_the_limits_and_says_the_limits_otherwise(
    bot_app, bot_settings, bot_session
):
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    phone.say("how much do i owe")
    phone.say("14/03/1985")
    phone.say("1234")
    refused = joined(phone.say("i can pay 2 now"))
    assert "smallest amount you can pay at once is $5.00" in refused and "$3,210.55" in refused
    assert "/pay/" not in refused
    chosen = joined(phone.say("50"))
    assert "To pay $50.00 (the amount you chose) now" in chosen
    linked(bot_settings, chosen)


def test_it_gives_an_unverified_borrower_no_link_before_the_check(
    bot_app, bot_settings, bot_session
):
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    replies = []
    for text in ("i want to pay now", "how can i pay", "pay my instalment", "no", "pay now"):
        replies += phone.say(text)
    text = joined(replies)
    assert "date of birth" in text
    assert 'say "pay now": I\'ll confirm who you are first' in text  # the ways to pay, no link
    assert "/pay/" not in text and "$" not in text and "420" not in text
    offered = bot_session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.offered"))
    assert offered is None


def test_it_sends_a_kenyan_borrower_the_mpesa_prompt_after_confirming_phone_and_amount(
    bot_app, bot_settings, bot_session
):
    borrower = kenyan(bot_session)  # demo mode: the prompt rings the sandbox phone
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, KE_PHONE)
    phone.say("I want to pay now")
    phone.say("14/03/1985")
    confirm = joined(phone.say("2005"))  # the last four of KE-100-2005
    assert (
        "Pay Ksh5,000.00 (the amount past due) by M-Pesa from +254 7•• ••• 678? Reply OK"
    ) in confirm
    assert "from Ksh100.00 up to Ksh41,000.00" in confirm and "/pay/" not in confirm
    assert bot_session.scalar(select(StkRequest)) is None  # nothing before the OK
    other = joined(phone.say("1500"))
    assert "Pay Ksh1,500.00 (the amount you chose) by M-Pesa from +254 7•• ••• 678?" in other
    sent = joined(phone.say("ok"))
    assert "Check your phone and enter your M-Pesa PIN to pay Ksh1,500.00" in sent
    assert "or pay by paybill 174379, account KE-100-2005" in sent
    prompt = bot_session.scalar(select(StkRequest))
    conv = bot_session.scalar(select(Conversation))
    assert (prompt.amount, prompt.phone, prompt.sandbox) == (Decimal("1500"), MSISDN, True)
    assert (prompt.loan_id, prompt.conversation_id) == (borrower.loans[0].id, conv.id)
    assert prompt.started_by == "bot"


def test_it_starts_no_prompt_when_the_kenyan_borrower_says_no(bot_app, bot_settings, bot_session):
    kenyan(bot_session, locale="es_KE")
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, KE_PHONE)
    phone.say("quiero pagar mi cuota")
    phone.say("14/03/1985")
    confirm = joined(phone.say("2005"))
    assert "¿Pagar" in confirm and "con M-Pesa desde el +254 7•• ••• 678?" in confirm
    assert "no inicié ningún pago" in joined(phone.say("no"))
    assert bot_session.scalar(select(StkRequest)) is None
