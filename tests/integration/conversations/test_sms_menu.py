"""The numeric SMS menu for feature phones, through the signed Twilio webhook: the identity
check before any detail, the same services, and the borrower's own language."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.conversations.menu_texts import MENU_LANGUAGES, TEXTS
from outreach.models import AuditEvent, Conversation, HandoffCase, Message, PaymentPlan
from tests.conftest import PUBLIC_BASE_URL
from tests.support.factories import make_borrower
from tests.support.twilio_signing import inbound_form, signed_post

KENYAN = "+254712345678"
_n = iter(range(1, 100_000))


@pytest.fixture
def kenyan(session, clock):
    return make_borrower(
        session,
        phone=KENYAN,
        country="KE",
        region="30",
        postal_code="00100",
        locale="sw_KE",
        date_of_birth=date(1990, 5, 17),
        loan={
            "loan_number": "KE-100-2005",
            "product": "microloan",
            "currency": "KES",
            "outstanding": Decimal("12000.00"),
            "past_due_amount": Decimal("1200.00"),
            "next_due_amount": Decimal("600.00"),
        },
    )


def say(client, settings, session, body, sender=KENYAN):
    """Send ``body`` from the phone; the texts the borrower got back."""
    before = session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
    signed_post(
        client,
        "/webhooks/twilio/sms",
        inbound_form(f"SM{next(_n):032d}", sender, body),
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )
    session.expire_all()
    rows = session.scalars(
        select(Message).where(Message.direction == "out", Message.id > before).order_by(Message.id)
    )
    return " | ".join(m.body for m in rows)


def test_it_shows_the_menu_in_swahili_for_a_bare_digit(client, settings, session, kenyan):
    assert say(client, settings, session, "0").startswith("Demo Lender: Jibu 1 Salio, 2 Lipa")


def test_it_checks_identity_before_the_balance(client, settings, session, kenyan):
    asked = say(client, settings, session, "1")
    assert "tarehe yako ya kuzaliwa" in asked and "12,000" not in asked
    assert "tarakimu 4 za mwisho" in say(client, settings, session, "17/05/1990")
    balance = say(client, settings, session, "2005")
    assert "salio Ksh" in balance and "12,000.00" in balance and "1,200.00" in balance
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "balance.shown"))
    # Still verified: the next option needs no second check.
    assert "/pay/" in say(client, settings, session, "2")


def test_it_tells_nothing_after_a_wrong_answer(client, settings, session, kenyan):
    say(client, settings, session, "1")
    say(client, settings, session, "01/01/1980")
    failed = say(client, settings, session, "2005")
    assert "hayalingani" in failed and "Ksh" not in failed
    assert "tarehe yako ya kuzaliwa" in say(client, settings, session, "1")  # asked again


def test_it_asks_again_for_an_unreadable_date_without_spending_a_try(
    client, settings, session, kenyan
):
    say(client, settings, session, "3")
    again = say(client, settings, session, "jana")
    assert again.startswith("Samahani") and "tarehe yako ya kuzaliwa" in again


def test_it_stores_a_plan_only_after_the_borrowers_one(client, settings, session, kenyan):
    say(client, settings, session, "3")
    say(client, settings, session, "17/05/1990")
    offer = say(client, settings, session, "2005")
    assert "Mpango: malipo 4 ya Ksh 300.00 kila wiki" in offer and "Jibu 1 kukubali" in offer
    assert session.scalar(select(PaymentPlan)) is None
    done = say(client, settings, session, "1")
    assert done.startswith("Tumekubaliana: malipo 4")
    plan = session.scalar(select(PaymentPlan))
    assert plan.instalment_count == 4 and plan.instalment_amount == Decimal("300.00")


def test_it_hands_off_to_a_person_on_four(client, settings, session, kenyan):
    assert "Mtu wa timu yetu" in say(client, settings, session, "4")
    case = session.scalar(select(HandoffCase))
    assert case.reason == "request_human"
    assert session.scalar(select(Conversation)).owner == "officer"


def test_it_leaves_free_text_to_the_nlu_bot(client, settings, session, kenyan):
    say(client, settings, session, "0")
    answer = say(client, settings, session, "nataka kulipa")  # words: the NLU bot's
    assert session.scalar(select(Conversation)).menu_state is None
    assert "Jibu 1 Salio" not in answer  # (no Rasa here: the bot says it is unavailable)


def test_it_opens_for_anyone_who_texts_menu(client, settings, session, clock):
    make_borrower(session, locale="es_US")
    assert say(client, settings, session, "MENU", sender="+13125550100").startswith(
        "Demo Lender: Responda 1 Saldo"
    )


def test_every_language_has_every_text():
    keys = set(TEXTS["en"])
    assert all(set(TEXTS[language]) == keys for language in MENU_LANGUAGES)
