"""The card payment page: a fresh Stripe Checkout Session per click (the real ``stripe``
package pointed at a fake of Stripe's API through ``STRIPE_API_BASE``)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from outreach.messaging import pay_links
from outreach.models import Message, ProviderPayment
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.factories import make_borrower
from tests.support.fake_stripe import FakeStripe
from tests.support.payment_calls import post_stripe
from tests.support.payment_signing import PAYMENT_ENV, stripe_session_event

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def fake_stripe():
    with FakeStripe(PAYMENT_ENV["STRIPE_API_KEY"]) as fake:
        yield fake


@pytest.fixture
def settings(database_url, fake_stripe):
    return make_settings(database_url, **PAYMENT_ENV, STRIPE_API_BASE=fake_stripe.url)


def path(settings, loan_id: int, conversation_id: int | None = None) -> str:
    return pay_links.pay_url(settings, loan_id, conversation_id).removeprefix(PUBLIC_BASE_URL)


def test_each_click_creates_a_fresh_session_naming_the_loan(app, session, settings, fake_stripe):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    loan = make_borrower(session).loans[0]
    url = path(settings, loan.id, 77)

    page = client.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "$420.00" in text and "••••1234" in text
    assert (
        "form-action 'self' https://checkout.stripe.com" in page.headers["Content-Security-Policy"]
    )
    token = CSRF.search(text).group(1)

    urls = []
    for _ in range(2):
        resp = client.post(url, data={"csrf_token": token, "amount": "150.00"})
        assert resp.status_code == 303
        urls.append(resp.headers["Location"])
    assert urls[0] != urls[1] and all(u.startswith("https://checkout.stripe.com/") for u in urls)

    sent = fake_stripe.requests[-1]
    assert sent["mode"] == "payment"
    assert sent["metadata[loan_number]"] == loan.loan_number
    assert sent["metadata[conversation_id]"] == "77"
    assert sent["line_items[0][price_data][unit_amount]"] == "15000"
    assert sent["line_items[0][price_data][currency]"] == "usd"
    assert sent["success_url"] == f"{PUBLIC_BASE_URL}{url}/done"
    assert sent["cancel_url"] == f"{PUBLIC_BASE_URL}{url}/cancelled"
    assert loan.loan_number not in sent["line_items[0][price_data][product_data][name]"]
    assert session.scalars(select(ProviderPayment)).all() == []  # nothing until Stripe calls


def test_the_success_page_believes_nothing_the_callback_applies(client, session, settings, clock):
    loan = make_borrower(session).loans[0]
    url = path(settings, loan.id)
    done = client.get(url + "/done?amount_total=42000&payment_status=paid")
    assert done.status_code == 200 and "confirming your payment" in done.get_data(as_text=True)
    assert session.scalars(select(ProviderPayment)).all() == []

    post_stripe(client, clock, stripe_session_event(loan.loan_number, 15000, intent="pi_card_1"))
    session.expire_all()
    (row,) = session.scalars(select(ProviderPayment)).all()
    assert (row.status, str(row.amount)) == ("applied", "150.00")
    assert session.scalars(select(Message).where(Message.template == "payment_receipt")).one()


def test_the_cancel_page_and_spanish(client, session, settings):
    loan = make_borrower(session, locale="es_MX").loans[0]
    page = client.get(path(settings, loan.id) + "/cancelled").get_data(as_text=True)
    assert "Pago cancelado" in page and "No se le cobró nada." in page
    assert "Pagar con tarjeta" in client.get(path(settings, loan.id)).get_data(as_text=True)


def test_a_refused_amount_creates_no_session(client, session, settings, fake_stripe):
    loan = make_borrower(session).loans[0]
    assert client.post(path(settings, loan.id), data={"amount": "1.00"}).status_code == 400
    assert fake_stripe.requests == []


def test_stripe_refusing_says_so_and_stores_nothing(client, session, settings, fake_stripe):
    fake_stripe.api_key = "sk_live_other"  # Stripe answers 401 to our key
    loan = make_borrower(session).loans[0]
    resp = client.post(path(settings, loan.id), data={"amount": "50.00"})
    assert resp.status_code == 502
    assert "could not open the payment page" in resp.get_data(as_text=True)


def test_a_tampered_or_expired_link_or_a_sandbox_link_is_refused(client, session, settings, clock):
    loan = make_borrower(session).loans[0]
    url = path(settings, loan.id)
    assert client.get(url[:-3] + "xyz").status_code == 404
    sandbox = pay_links.make_token(settings, loan.id, None, pay_links.SANDBOX)
    assert client.get(f"/pay/{sandbox}").status_code == 404
    clock.advance(days=7, seconds=1)
    assert client.post(url, data={"amount": "50.00"}).status_code == 404
