"""What the bot's "pay now" actions call (outreach.payments.bot_offer, bot_methods), against the
test database: a verified conversation only; the amount (promise, instalment, arrears,
balance, or the one named within the limits); the link, the M-Pesa confirmation, or the
lender's own ways to pay."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach import selfservice
from outreach.conversations.inbound import open_conversation
from outreach.messaging import pay_links
from outreach.models import (
    AuditEvent,
    Payment,
    PaymentPlan,
    PlanInstalment,
    PromiseToPay,
    StkRequest,
)
from outreach.payments import bot_methods, bot_offer
from outreach.payments import daraja as daraja_client
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.fake_daraja import FakeDaraja
from tests.support.payment_signing import PAYMENT_ENV

US_PHONE = "+13125550100"
KE_PHONE = "+254712345123"
KE_MSISDN = "254712345123"
STRIPE_ONLY = {k: v for k, v in PAYMENT_ENV.items() if k.startswith("STRIPE")}
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def settings(database_url):
    return make_settings(database_url)  # no provider credentials: demo mode for payments


def conversation(session, settings, phone=US_PHONE, verified=True, **borrower):
    make_borrower(session, phone=phone, **borrower)
    conv = open_conversation(session, "sms", phone)
    session.commit()
    if verified:
        selfservice.submit_factor(conv.public_id, "date_of_birth", "14/03/1985", settings)
        assert selfservice.submit_factor(conv.public_id, "loan_last4", "1234", settings).verified
    return conv


def kenyan(session, settings, verified=True):
    loan = {"currency": "KES", "outstanding": Decimal("20000"), "past_due_amount": Decimal("3000")}
    return conversation(
        session, settings, KE_PHONE, verified, country="KE", locale="en_KE", loan=loan
    )


def offered(conv, settings, **kwargs):
    return bot_offer.offer_payment(conv.public_id, settings=settings, **kwargs)


def test_it_offers_nothing_to_a_conversation_that_is_not_verified(session, settings):
    conv = conversation(session, settings, verified=False)
    assert offered(conv, settings) is None
    assert bot_offer.start_payment(conv.public_id, "100", settings=settings) is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.offered")) is None


def test_it_sends_the_demo_borrower_their_own_link_for_the_arrears(session, settings):
    conv = conversation(session, settings)
    offer = offered(conv, settings)
    assert (offer.kind, offer.provider, offer.amount) == (bot_offer.LINK, "stripe", "420.00")
    assert (offer.amount_text, offer.reason) == ("$420.00", "the amount past due")
    assert (offer.minimum_text, offer.maximum_text) == ("$5.00", "$3,210.55")
    # The payment link (demo mode: its page is the sandbox's), naming this loan and this
    # conversation, never an amount.
    token = offer.link.removeprefix(f"{settings.public_base_url}/pay/")
    link = pay_links.read_token(settings, token)
    loan = conv.borrower.loans[0]
    assert (link.loan_id, link.conversation_id) == (loan.id, conv.id)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.offered"))
    assert (event.actor, event.borrower_id) == ("bot", conv.borrower_id)
    assert event.details == {
        "kind": "link",
        "provider": "stripe",
        "sandbox": True,
        "amount": "420.00",
        "reason": "arrears",
    }


def test_it_sends_the_same_link_when_stripe_is_configured(session, database_url):
    settings = make_settings(database_url, **STRIPE_ONLY)
    conv = conversation(session, settings)
    offer = offered(conv, settings, language="es")
    assert offer.link.startswith(f"{settings.public_base_url}/pay/")
    assert pay_links.read_token(settings, offer.link.rsplit("/", 1)[1]).conversation_id == conv.id
    assert (offer.amount_text, offer.reason) == ("$420.00", "lo vencido")


def test_it_proposes_what_is_left_of_the_open_promise_first(session, settings, clock):
    conv = conversation(session, settings)
    loan = conv.borrower.loans[0]
    session.add(
        PromiseToPay(
            loan_id=loan.id,
            borrower_id=loan.borrower_id,
            amount=Decimal("300.00"),
            promised_date=date(2026, 12, 4),
            created_by="bot",
            created_at=clock.now() - timedelta(days=1),
        )
    )
    session.add(Payment(loan_id=loan.id, amount=Decimal("100.00"), paid_at=clock.now()))
    session.commit()
    offer = offered(conv, settings)
    assert (offer.amount, offer.reason) == ("200.00", "what you promised to pay")


def plan(session, loan, clock, amounts: list[str], paid: list[str]) -> None:
    row = PaymentPlan(
        loan_id=loan.id,
        borrower_id=loan.borrower_id,
        status="current",
        instalment_amount=Decimal(amounts[0]),
        instalment_count=len(amounts),
        frequency="monthly",
        start_date=date(2026, 11, 1),
        first_amount=Decimal(amounts[0]),
        total=sum(map(Decimal, amounts)),
        created_by="bot",
        created_at=clock.now() - timedelta(days=30),
    )
    session.add(row)
    session.flush()
    for seq, (amount, done) in enumerate(zip(amounts, paid, strict=True), start=1):
        session.add(
            PlanInstalment(
                plan_id=row.id,
                seq=seq,
                due_date=date(2026, 11, 1) + timedelta(days=30 * (seq - 1)),
                amount=Decimal(amount),
                paid_amount=Decimal(done),
                status="paid" if Decimal(done) >= Decimal(amount) else "due",
            )
        )
    session.commit()


def test_it_proposes_the_rest_of_the_next_unpaid_instalment(session, settings, clock):
    conv = conversation(session, settings)
    plan(session, conv.borrower.loans[0], clock, ["140.00"] * 3, ["140.00", "40.00", "0"])
    offer = offered(conv, settings)
    assert (offer.amount, offer.reason) == ("100.00", "your next instalment")


def test_it_puts_what_the_borrower_asked_to_pay_first(session, settings, clock):
    conv = conversation(session, settings)
    loan = conv.borrower.loans[0]
    plan(session, loan, clock, ["140.00"] * 3, ["0"] * 3)
    session.add(
        PromiseToPay(
            loan_id=loan.id,
            borrower_id=loan.borrower_id,
            amount=Decimal("300.00"),
            promised_date=date(2026, 12, 4),
            created_by="bot",
        )
    )
    session.commit()
    assert offered(conv, settings).amount == "300.00"  # the promise comes first
    assert offered(conv, settings, purpose="instalment").amount == "140.00"


def test_it_proposes_the_balance_when_nothing_is_past_due(session, settings):
    loan = {"past_due_amount": Decimal("0"), "days_past_due": 0}
    conv = conversation(session, settings, loan=loan)
    offer = offered(conv, settings)
    assert (offer.amount, offer.reason) == ("3210.55", "your balance")


def test_it_takes_an_amount_from_the_minimum_up_to_what_is_owed(session, settings):
    conv = conversation(session, settings)
    chosen = offered(conv, settings, amount="50")
    assert (chosen.kind, chosen.amount_text, chosen.reason) == (
        "link",
        "$50.00",
        "the amount you chose",
    )
    assert offered(conv, settings, amount="3210.55").amount == "3210.55"
    small, large = offered(conv, settings, amount="2"), offered(conv, settings, amount="5000")
    assert (small.kind, small.refusal, large.refusal) == ("refused", "too_small", "too_large")
    assert (small.minimum_text, small.maximum_text, small.link) == ("$5.00", "$3,210.55", "")


def test_it_asks_a_kenyan_borrower_to_confirm_the_phone_on_file(session, settings):
    conv = kenyan(session, settings)
    offer = offered(conv, settings)
    assert (offer.kind, offer.provider, offer.amount) == (bot_offer.MPESA, "mpesa", "3000")
    assert (offer.phone, offer.amount_text) == ("+254 7•• ••• 123", "Ksh3,000.00")
    assert (offer.minimum_text, offer.maximum_text) == ("Ksh100.00", "Ksh20,000.00")
    assert offer.link == ""


def test_it_proposes_whole_shillings_for_mpesa_and_refuses_cents(session, settings, clock):
    conv = kenyan(session, settings)
    loan = conv.borrower.loans[0]
    session.add(
        PromiseToPay(
            loan_id=loan.id,
            borrower_id=loan.borrower_id,
            amount=Decimal("1499.50"),
            promised_date=date(2026, 12, 4),
            created_by="bot",
        )
    )
    session.commit()
    offer = offered(conv, settings)
    assert (offer.amount, offer.amount_text) == ("1500", "Ksh1,500.00")  # the promise covered
    assert offered(conv, settings, amount="1200").amount_text == "Ksh1,200.00"
    cents = offered(conv, settings, amount="1200.50")
    assert (cents.kind, cents.refusal, cents.minimum_text) == ("refused", "whole", "Ksh100.00")


def test_it_names_the_paybill_and_the_account_when_mpesa_is_configured(session, database_url):
    settings = make_settings(database_url, **PAYMENT_ENV)
    conv = kenyan(session, settings)
    offer = offered(conv, settings)
    assert (offer.paybill, offer.account) == ("600638", conv.borrower.loans[0].loan_number)


def test_it_tells_how_to_pay_the_lender_when_no_provider_is_offered(session, database_url):
    settings = make_settings(database_url, **STRIPE_ONLY)  # M-Pesa is not set up: Kenya gets none
    conv = kenyan(session, settings)
    offer = offered(conv, settings, language="es")
    assert (offer.kind, offer.provider, offer.link, offer.phone) == ("direct", None, "", "")
    assert (
        offer.methods.splitlines()[1] == "- Por teléfono: llame al 1-800-555-0199 (lun-vie 9-17 h)"
    )
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.offered"))
    assert event.details["kind"] == "direct"


# --- the ways to pay ----------------------------------------------------------------------


def test_it_lists_the_borrowers_own_link_once_verified(session, settings):
    conv = conversation(session, settings)
    view = bot_methods.payment_methods(conv.public_id, "en", settings)
    assert not view.withheld
    assert view.lines[0].startswith(
        f"Online by card or bank transfer: {settings.public_base_url}/pay/"
    )
    assert "pay.demo-lender.example" not in " ".join(view.lines)


def test_it_withholds_the_own_link_before_the_identity_check(session, settings):
    conv = conversation(session, settings, verified=False)
    view = bot_methods.payment_methods(conv.public_id, "es", settings)
    assert view.withheld
    assert view.lines == [
        "Por teléfono: llame al 1-800-555-0199 (lun-vie 9-17 h)",
        "En efectivo en cualquier tienda asociada con su número de préstamo",
    ]


def test_it_keeps_the_configured_link_for_a_lender_without_a_provider(session, database_url):
    settings = make_settings(database_url, **STRIPE_ONLY)
    conv = kenyan(session, settings)
    view = bot_methods.payment_methods(conv.public_id, "en", settings)
    assert view == bot_methods.MethodsView(
        [
            "Online by card or bank transfer: https://pay.demo-lender.example/loan",
            "By phone: call 1-800-555-0199 (Mon-Fri 9am-5pm)",
            "In cash at any partner store with your loan number",
        ]
    )


def test_it_lists_the_configured_ways_to_a_number_no_borrower_has(session, settings):
    stranger = open_conversation(session, "sms", "+13125559999")
    session.commit()
    view = bot_methods.payment_methods(stranger.public_id, "en", settings)
    assert view.lines[0] == "Online by card or bank transfer: https://pay.demo-lender.example/loan"


# --- the M-Pesa prompt the borrower confirmed ----------------------------------------------


def prompts(session) -> list[StkRequest]:
    session.expire_all()
    return list(session.scalars(select(StkRequest).order_by(StkRequest.id)))


def test_it_rings_the_sandbox_phone_in_demo_mode(session, settings):
    conv = kenyan(session, settings)
    offer = offered(conv, settings)
    assert (offer.paybill, offer.account) == ("174379", conv.borrower.loans[0].loan_number)
    done = bot_offer.start_payment(conv.public_id, offer.amount, settings=settings)
    assert (done.started, done.amount_text, done.paybill) == (True, "Ksh3,000.00", "174379")
    [prompt] = prompts(session)
    assert (prompt.phone, prompt.amount, prompt.sandbox) == (KE_MSISDN, Decimal("3000"), True)
    assert (prompt.started_by, prompt.conversation_id) == ("bot", conv.id)


@pytest.fixture
def daraja():
    env = PAYMENT_ENV
    keys = ("MPESA_CONSUMER_KEY", "MPESA_CONSUMER_SECRET", "MPESA_SHORTCODE", "MPESA_PASSKEY")
    with FakeDaraja(*(env[k] for k in keys)) as fake:
        yield fake
    daraja_client.forget_tokens()  # the next test's fake may reuse this port


def test_it_sends_the_prompt_through_daraja_to_the_phone_on_file(session, database_url, daraja):
    settings = make_settings(database_url, **PAYMENT_ENV, MPESA_API_BASE=daraja.url)
    conv = kenyan(session, settings)
    done = bot_offer.start_payment(conv.public_id, "1500", settings=settings)
    assert (done.started, done.refusal, done.paybill) == (True, "", "600638")
    push = daraja.only_push()
    assert (push.body["PhoneNumber"], push.body["Amount"]) == (KE_MSISDN, 1500)
    [prompt] = prompts(session)
    assert (prompt.sandbox, prompt.checkout_request_id) == (False, push.checkout_request_id)


def test_it_says_why_no_prompt_was_sent(session, database_url, daraja):
    settings = make_settings(database_url, **PAYMENT_ENV, MPESA_API_BASE=daraja.url)
    conv = kenyan(session, settings)
    start = lambda amount: bot_offer.start_payment(conv.public_id, amount, settings=settings)  # noqa: E731
    assert start("1500.50").refusal == "amount"  # M-Pesa takes whole shillings
    assert start("50").refusal == "amount"  # below the minimum
    assert [start("100").started for _ in range(3)] == [True] * 3
    assert start("100").refusal == "too_many"  # prompts_per_loan_per_hour
    assert len(prompts(session)) == 3  # nothing stored for a refused prompt


def test_it_says_mpesa_is_down_when_daraja_does_not_answer(session, database_url):
    down = make_settings(database_url, **PAYMENT_ENV, MPESA_API_BASE="http://127.0.0.1:9")
    conv = kenyan(session, down)
    refused = bot_offer.start_payment(conv.public_id, "100", settings=down)
    assert (refused.started, refused.refusal, refused.paybill) == (False, "provider_down", "600638")
    assert prompts(session) == []


def test_it_sends_no_prompt_without_a_kenyan_mobile_or_where_mpesa_is_not_offered(
    session, settings
):
    loan = {"currency": "KES", "outstanding": Decimal("20000"), "past_due_amount": Decimal("3000")}
    conv = conversation(session, settings, country="KE", loan=loan)  # a US number on file
    assert bot_offer.start_payment(conv.public_id, "1000", settings=settings).refusal == "bad_phone"
    link = offered(conv, settings)
    assert link.kind == bot_offer.LINK  # its page shows the paybill instead
    us = conversation(session, settings, "+13125550111")  # a US borrower: no M-Pesa
    refused = bot_offer.start_payment(us.public_id, "100", settings=settings)
    assert refused.refusal == "not_offered" and prompts(session) == []
