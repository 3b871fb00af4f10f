"""A reminder carries the borrower's payment link, and the link works when followed."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach import create_app
from outreach.campaigns.config import load_config
from outreach.channels.sms_encoding import analyse
from outreach.messaging import pay_links
from outreach.models import Message, OutboxItem, ProviderPayment
from outreach.outbox.render import render_for_channel, variables
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.factories import make_borrower
from tests.support.fake_stripe import FakeStripe
from tests.support.payment_signing import PAYMENT_ENV
from tests.support.reminders import INSIDE, remind

PAY_LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/pay/([A-Za-z0-9_.-]+)")


def sent_link(session) -> str:
    msg = session.scalar(select(Message).where(Message.template == "payment_overdue"))
    assert msg is not None and msg.encoding == "GSM-7" and msg.segments <= 2, msg and msg.body
    assert "/chat/?t=" not in msg.body  # one link in an SMS: the payment link
    return PAY_LINK.search(msg.body).group(0).removeprefix(PUBLIC_BASE_URL)


@pytest.fixture
def fake_stripe():
    with FakeStripe(PAYMENT_ENV["STRIPE_API_KEY"]) as fake:
        yield fake


@pytest.fixture
def settings(database_url, fake_stripe):
    return make_settings(database_url, **PAYMENT_ENV, STRIPE_API_BASE=fake_stripe.url)


def test_a_reminders_link_opens_the_card_page_for_its_loan(client, session, settings, fake_stripe):
    loan = make_borrower(session).loans[0]
    assert remind(session, settings, INSIDE).sent == 1
    url = sent_link(session)
    read = pay_links.read_token(settings, url.rsplit("/", 1)[1])
    assert (read.loan_id, read.conversation_id) == (loan.id, None)  # the loan, no conversation

    page = client.get(url).get_data(as_text=True)
    assert "Pay by card" in page and "$420.00" in page and "/chat/?t=" in page
    resp = client.post(url, data={"amount": "420.00"})
    assert resp.status_code == 303 and resp.headers["Location"].startswith(
        "https://checkout.stripe.com/"
    )
    sent = fake_stripe.requests[-1]
    assert sent["metadata[loan_number]"] == loan.loan_number
    assert "metadata[conversation_id]" not in sent


def test_in_demo_mode_a_reminders_link_is_paid_on_the_sandbox_page(session, database_url):
    demo = make_settings(database_url)  # no provider credentials
    app = create_app(demo)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    loan = make_borrower(session).loans[0]
    assert remind(session, demo, INSIDE).sent == 1

    opened = client.get(sent_link(session))
    assert opened.status_code == 302
    sandbox_url = opened.headers["Location"].removeprefix(PUBLIC_BASE_URL)
    paid = client.post(sandbox_url, data={"amount": "420.00"}, follow_redirects=True)
    assert "We received your payment of $420.00" in paid.get_data(as_text=True)
    session.expire_all()
    row = session.scalar(select(ProviderPayment))
    assert (row.loan_id, row.amount, row.status) == (loan.id, Decimal("420.00"), "applied")


def test_an_indian_borrowers_reminder_stays_gsm7(session, settings):
    borrower = make_borrower(
        session,
        phone="+919000090000",
        country="IN",
        region="MH",
        locale="en_IN",
        loan={"currency": "INR", "past_due_amount": Decimal("4200.00")},
    )
    item = OutboxItem(
        idempotency_key="loan:in:d15",
        borrower_id=borrower.id,
        loan_id=borrower.loans[0].id,
        channel="sms",
        address="+919000090000",
        template="payment_overdue",
        body="",
        locale="en_IN",
        payload={"amount": "4200.00", "currency": "INR", "due_date": "2026-11-09"},
    )
    values = variables(settings, load_config(), item)
    body, _ = render_for_channel(item, "sms", values, None, settings)
    assert "INR 4,200.00" in body and "₹" not in body  # the rupee sign is not GSM-7
    assert values["pay_link"] in body
    info = analyse(body)
    assert info.encoding == "GSM-7" and info.segments <= 2
