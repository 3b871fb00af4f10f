"""What the actions call (the outreach.selfservice package), against the test database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from outreach import clock as app_clock
from outreach import selfservice
from outreach.channels import ChannelRegistry
from outreach.conversations.bot_turns import run_turn
from outreach.conversations.inbound import open_conversation
from outreach.conversations.language import conversation_language
from outreach.conversations.notices import BOT_UNAVAILABLE
from outreach.conversations.rasa_client import RasaClient
from outreach.models import (
    AuditEvent,
    BotTurn,
    ContactPoint,
    IdentityCheck,
    Message,
    PaymentPlan,
    PromiseToPay,
)
from outreach.selfservice import PlanRequest
from tests.support.factories import make_borrower

NUMBER = "+13125550100"

# The app's clock stands still at a fixed instant in every test here.
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def conv(session):
    make_borrower(session, whatsapp=True)
    conversation = open_conversation(session, "sms", NUMBER)
    session.commit()
    return conversation


def submit(settings, conv, factor, text):
    return selfservice.submit_factor(conv.public_id, factor, text, settings)


def test_it_verifies_only_when_both_factors_match(settings, session, conv) -> None:
    first = submit(settings, conv, "date_of_birth", "14 de marzo de 1985")
    assert (first.verified, first.pending) == (False, True)
    done = submit(settings, conv, "loan_last4", "it ends in 1234")
    assert done.verified and not done.locked
    session.refresh(conv)
    assert conv.identity_verified_at is not None


def test_it_never_says_which_factor_was_wrong_and_locks_after_three(settings, session, conv):
    results = []
    for _ in range(3):
        results.append(submit(settings, conv, "date_of_birth", "14/03/1985"))  # right
        results.append(submit(settings, conv, "loan_last4", "9999"))  # wrong
    assert [r.pending for r in results[::2]] == [True, True, True]
    assert [(r.verified, r.locked, r.attempts_left) for r in results[1::2]] == [
        (False, False, 2),
        (False, False, 1),
        (False, True, 0),
    ]
    assert submit(settings, conv, "date_of_birth", "14/03/1985").locked
    audit = session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "identity.failed")
    ).all()
    assert "1985" not in str(audit) and "9999" not in str(audit)


def test_it_spends_no_attempt_on_text_that_is_not_the_factor(settings, session, conv) -> None:
    assert not submit(settings, conv, "date_of_birth", "my birthday").understood
    assert not submit(settings, conv, "loan_last4", "12 34 56").understood
    assert session.scalar(select(func.count(IdentityCheck.id))) == 0


def test_it_never_verifies_a_number_no_borrower_has(settings, session) -> None:
    make_borrower(session)  # same birthday, other phone
    stranger = open_conversation(session, "sms", "+13125559999")
    session.commit()
    submit(settings, stranger, "date_of_birth", "14/03/1985")
    result = submit(settings, stranger, "loan_last4", "1234")
    assert not result.verified
    assert selfservice.balance_for(stranger.public_id, settings) is None


def test_it_quotes_and_stores_plans_only_for_a_verified_conversation(settings, session, conv):
    start = (app_clock.now() + timedelta(days=3)).date().isoformat()
    assert (
        selfservice.quote_plan(
            conv.public_id, PlanRequest("100", 5, "monthly", start), settings=settings
        )
        is None
    )
    submit(settings, conv, "date_of_birth", "14/03/1985")
    submit(settings, conv, "loan_last4", "1234")
    offer = selfservice.quote_plan(
        conv.public_id, PlanRequest("30", 14, "monthly", start), "es", settings=settings
    )
    assert not offer.within_policy and offer.counter_offer.count == 6
    assert offer.reason == "un plan puede tener como máximo 6 pagos"
    assert offer.counter_offer.frequency_words == "cada mes"
    with pytest.raises(ValueError, match=r"^terms: outside policy"):
        selfservice.accept_plan(
            conv.public_id, PlanRequest("30", 14, "monthly", start), settings=settings
        )
    done = selfservice.accept_plan(
        conv.public_id,
        PlanRequest(offer.counter_offer.amount, 6, "monthly", start),
        settings=settings,
    )
    assert done.terms.total_text == "$420.00"
    plan = session.scalar(select(PaymentPlan))
    assert (plan.created_by, plan.conversation_id) == ("bot", conv.id)


def test_it_records_a_promise_for_all_that_is_past_due(settings, session, conv) -> None:
    submit(settings, conv, "date_of_birth", "14/03/1985")
    submit(settings, conv, "loan_last4", "1234")
    day = (app_clock.now() + timedelta(days=2)).date().isoformat()
    view = selfservice.promise_to_pay(conv.public_id, day, "all", "en", settings)
    assert view.amount_text == "$420.00"
    too_late = (app_clock.now() + timedelta(days=20)).date().isoformat()
    with pytest.raises(ValueError, match=r"^promised_date:"):
        selfservice.promise_to_pay(conv.public_id, too_late, "50", "en", settings)


def test_it_flags_a_dispute_as_blocking_and_hardship_as_a_note(settings, session, conv) -> None:
    applied, unchanged = selfservice.AccountEffect.APPLIED, selfservice.AccountEffect.UNCHANGED
    assert selfservice.flag_account(conv.public_id, "dispute_open", settings) == applied
    assert selfservice.flag_account(conv.public_id, "dispute_open", settings) == unchanged
    assert selfservice.flag_account(conv.public_id, "hardship", settings) == applied
    session.expire_all()
    borrower = conv.borrower
    assert borrower.active_flags() == ["dispute_open"]  # what the contact policy blocks on
    assert borrower.active_notes() == ["hardship"]
    with pytest.raises(ValueError, match=r"^flag:"):
        selfservice.flag_account(conv.public_id, "angry", settings)


def test_it_opts_out_sms_and_whatsapp_for_the_number_once(settings, session, conv) -> None:
    effect = selfservice.AccountEffect
    assert selfservice.opt_out(conv.public_id, settings) == effect.APPLIED
    # one confirmation at most
    assert selfservice.opt_out(conv.public_id, settings) == effect.UNCHANGED
    session.expire_all()
    points = session.scalars(select(ContactPoint)).all()
    assert {p.channel for p in points} == {"sms", "whatsapp"}
    assert all(p.opted_out_at is not None for p in points)


@pytest.mark.parametrize(
    ("now", "language", "expected"),
    [
        (datetime(2026, 11, 23, 16, 0, tzinfo=UTC), "en", "within the hour, during office hours"),
        (datetime(2026, 11, 23, 14, 0, tzinfo=UTC), "en", "today from 9:00\u202fAM (CST)"),
        (
            datetime(2026, 11, 28, 16, 0, tzinfo=UTC),
            "en",
            "Monday, November 30 from 9:00\u202fAM (CST)",
        ),
        (
            datetime(2026, 11, 23, 23, 30, tzinfo=UTC),
            "es",
            "mañana a partir de las 9:00 (CST)",
        ),
    ],
)
def test_it_tells_when_an_officer_will_answer(now, language, expected) -> None:
    assert selfservice.handoff_eta(language, now) == expected


def test_it_answers_in_the_borrowers_language_or_the_one_they_write_in(session, conv) -> None:
    assert conversation_language(conv, "hola") == "en"  # the locale decides: en_US
    conv.borrower.locale = "es_MX"
    assert conversation_language(conv, "hello") == "es"
    stranger = open_conversation(session, "sms", "+13125559999")
    assert conversation_language(stranger, "hola cuanto debo") == "es"
    assert conversation_language(stranger, "how much do i owe") == "en"


def test_it_logs_the_turn_and_apologises_when_rasa_is_down(settings, session, conv) -> None:
    inbound = Message(
        conversation_id=conv.id,
        direction="in",
        channel="sms",
        address=NUMBER,
        sender="borrower",
        body="balance",
        status="received",
    )
    session.add(inbound)
    session.commit()
    rasa = RasaClient.from_settings(settings)
    replies = run_turn(session, settings, rasa, ChannelRegistry(settings), conv, inbound)
    assert [r.body for r in replies] == [BOT_UNAVAILABLE]
    turn = session.scalar(select(BotTurn))
    assert (turn.error, turn.message_id, turn.reply_ids) == (
        "rasa_unavailable",
        inbound.id,
        [replies[0].id],
    )
    assert turn.latency_ms is not None


def test_it_reads_a_promise_back_in_the_borrowers_locale_without_storing_it(
    settings, session, conv
) -> None:
    day = (app_clock.now() + timedelta(days=2)).date()
    assert (
        selfservice.preview_promise(conv.public_id, day.isoformat(), "100", "en", settings) is None
    )
    submit(settings, conv, "date_of_birth", "14/03/1985")
    submit(settings, conv, "loan_last4", "1234")
    en = selfservice.preview_promise(conv.public_id, day.isoformat(), "100", "en", settings)
    es = selfservice.preview_promise(conv.public_id, day.isoformat(), "all", "es", settings)
    assert en.date_text == format_date(day, "full", locale="en_US")  # "Friday, December 4, 2026"
    assert en.amount_text == "$100.00" and es.amount_text == "$420.00"
    assert es.date_text == format_date(day, "full", locale="es_US")
    assert es.date_text.split(",")[0] in (
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    )
    assert session.scalar(select(func.count()).select_from(PromiseToPay)) == 0
