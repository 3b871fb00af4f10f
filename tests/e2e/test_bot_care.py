"""Care conversations through signed Twilio webhooks, the real Rasa server and the real action
server: a wrong party (no name, no account detail; the number then gets no reminder), a
vulnerability disclosed with consent given and refused (en and es), a stated risk to life, and
"I already paid" (asked when and how; the loan's reminders pause)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach import clock as app_clock
from outreach.models import (
    CollectionPause,
    ContactPoint,
    HandoffCase,
    Message,
    PaymentClaim,
    VulnerabilityNote,
)
from tests.e2e.test_sms_bot import Phone
from tests.support.factories import make_borrower
from tests.support.reminders import INSIDE, remind

pytestmark = pytest.mark.rasa
NUMBER = "+13125550100"


def joined(replies: list[str]) -> str:
    return " ".join(replies)


def next_chicago_morning():
    """10:00 in Chicago on the day after the real clock's today (inside the contact window)."""
    now = app_clock.now()
    day = (now + timedelta(days=1)).replace(hour=16, minute=0, second=0, microsecond=0)
    return day


def test_it_stops_writing_to_a_wrong_number_and_sends_it_no_reminder(
    bot_app, bot_settings, bot_session
):
    make_borrower(bot_session, whatsapp=True)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    asked = joined(phone.say("wrong number, i don't know who that is"))
    assert "doesn't belong to the person" in asked and "YES or NO" in asked
    assert (
        bot_session.scalar(select(ContactPoint).where(ContactPoint.wrong_party_at.is_not(None)))
        is None
    )
    done = joined(phone.say("yes"))
    assert "We will stop writing to this number" in done
    everything = joined(
        bot_session.scalars(select(Message.body).where(Message.direction == "out")).all()
    )
    assert "Ana" not in everything and "Garcia" not in everything and "$" not in everything
    points = bot_session.scalars(select(ContactPoint)).all()
    assert {(p.channel, p.wrong_party_source) for p in points} == {
        ("sms", "borrower"),
        ("whatsapp", "borrower"),
    }
    case = bot_session.scalar(select(HandoffCase))
    assert case.reason == "wrong_party" and case.summary["task"] == "find a right contact"
    assert remind(bot_session, bot_settings, INSIDE).sent == 0
    blocked = bot_session.scalar(
        select(Message).where(Message.direction == "out", Message.status == "blocked")
    )
    assert blocked is None or "wrong_party" in blocked.decision["reasons"]


def test_it_keeps_the_number_when_the_person_says_no(bot_app, bot_settings, bot_session):
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    phone.say("wrong number")
    assert "nothing changed" in joined(phone.say("no"))
    assert bot_session.scalar(select(ContactPoint)).wrong_party_at is None
    assert remind(bot_session, bot_settings, INSIDE).sent == 1


def test_it_asks_before_noting_a_vulnerability_and_pauses_collection(
    bot_app, bot_settings, bot_session
):
    borrower = make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    asked = joined(phone.say("i've been sick for weeks and can't work"))
    assert "Thank you for telling us" in asked and "May we note it?" in asked
    assert bot_session.scalar(select(VulnerabilityNote)) is None  # nothing before the yes
    done = joined(phone.say("yes"))
    assert "it's noted" in done and "30 days" in done and "NFCC" in done
    note = bot_session.scalar(select(VulnerabilityNote))
    assert (note.borrower_id, note.kind, note.source) == (borrower.id, "illness", "bot")
    assert "sick" not in note.note  # never the borrower's own words
    case = bot_session.scalar(select(HandoffCase))
    assert (case.reason, case.priority) == ("care", 1)
    pause = bot_session.scalar(select(CollectionPause))
    assert (pause.reason, pause.ends_at - pause.starts_at) == ("care", timedelta(days=30))
    assert remind(bot_session, bot_settings, next_chicago_morning()).sent == 0


def test_it_records_nothing_when_consent_is_refused_in_spanish_but_still_helps(
    bot_app, bot_settings, bot_session
):
    make_borrower(bot_session, locale="es_US")
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    asked = joined(phone.say("perdi mi trabajo y no tengo como pagar"))
    assert "Gracias por contárnoslo" in asked and "¿Podemos anotarlo?" in asked
    done = joined(phone.say("no"))
    assert "no anotamos nada" in done and "30 días" in done and "NFCC" in done
    assert bot_session.scalar(select(VulnerabilityNote)) is None
    assert bot_session.scalar(select(HandoffCase)).reason == "care"
    assert bot_session.scalar(select(CollectionPause)).reason == "care"


def test_it_gives_the_crisis_line_first_and_hands_off_at_once(bot_app, bot_settings, bot_session):
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    replies = phone.say("i want to end it")
    assert "988" in replies[0]
    case = bot_session.scalar(select(HandoffCase))
    assert (case.reason, case.priority) == ("crisis", 1)
    assert bot_session.scalar(select(VulnerabilityNote)) is None


def test_it_records_an_already_paid_claim_after_verification_and_pauses_the_loan(
    bot_app, bot_settings, bot_session
):
    borrower = make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    first = joined(phone.say("i already made the payment"))
    assert "confirm who you are" in first and "date of birth" in first
    phone.say("14/03/1985")
    phone.say("1234")
    assert "When did you pay" in joined(phone.say("i already made the payment"))
    assert "how did you pay" in joined(phone.say("monday 30 november"))
    done = joined(phone.say("bank transfer"))
    assert "check your payment against our records" in done and "7 days" in done
    claim = bot_session.scalar(select(PaymentClaim))
    assert (claim.borrower_id, claim.paid_when, claim.paid_how, claim.status) == (
        borrower.id,
        "monday 30 november",
        "bank transfer",
        "pending",
    )
    pause = bot_session.scalar(select(CollectionPause))
    assert (pause.reason, pause.loan_id) == ("payment_claim", claim.loan_id)
    assert remind(bot_session, bot_settings, next_chicago_morning()).sent == 0


def test_it_asks_when_and_how_in_spanish(bot_app, bot_settings, bot_session):
    make_borrower(bot_session, locale="es_US")
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert "confirmar su identidad" in joined(phone.say("ya hice el pago"))
    phone.say("14/03/1985")
    phone.say("1234")
    assert "¿Cuándo hizo el pago?" in joined(phone.say("ya hice el pago"))
    phone.say("el lunes")
    assert "revisará su pago" in joined(phone.say("en la sucursal"))
    assert bot_session.scalar(select(PaymentClaim)).paid_how == "en la sucursal"


def test_it_stops_writing_to_a_wrong_number_in_spanish(bot_app, bot_settings, bot_session):
    make_borrower(bot_session, locale="es_US")
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    asked = joined(phone.say("no conozco a esa persona"))
    assert "¿este número no es de la persona que buscamos?" in asked
    assert "Dejaremos de escribir a este número" in joined(phone.say("si"))
    assert bot_session.scalar(select(ContactPoint)).wrong_party_source == "borrower"
    assert remind(bot_session, bot_settings, INSIDE).sent == 0


def test_it_notes_a_vulnerability_with_consent_in_spanish(bot_app, bot_settings, bot_session):
    make_borrower(bot_session, locale="es_US")
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert "¿Podemos anotarlo?" in joined(phone.say("estoy en el hospital"))
    assert "lo anotamos" in joined(phone.say("si"))
    assert bot_session.scalar(select(VulnerabilityNote)).kind == "illness"


def test_it_records_nothing_when_consent_is_refused_in_english(bot_app, bot_settings, bot_session):
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    assert "May we note it?" in joined(phone.say("my husband passed away last month"))
    done = joined(phone.say("no"))
    assert "we haven't recorded anything" in done and "NFCC" in done
    assert bot_session.scalar(select(VulnerabilityNote)) is None
    assert bot_session.scalar(select(CollectionPause)).reason == "care"
