"""``/pay/<token>``: the borrower's one payment link, whatever they are offered, decided when it
is opened (demo mode's sandbox, Stripe's card page, Razorpay's UPI page, M-Pesa, or nothing)."""

from __future__ import annotations

import pytest

from outreach import create_app
from outreach.messaging import pay_links
from outreach.payments.requests import payment_link
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.factories import make_borrower
from tests.support.payment_signing import PAYMENT_ENV

STRIPE_ONLY = {k: v for k, v in PAYMENT_ENV.items() if k.startswith("STRIPE")}


def client_for(database_url: str, **env: str):
    app = create_app(make_settings(database_url, **env))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app.test_client(), app.extensions["settings"]


def path(settings, loan_id: int, conversation_id: int | None = None) -> str:
    return pay_links.pay_url(settings, loan_id, conversation_id).removeprefix(PUBLIC_BASE_URL)


def borrower_in(session, country: str, **fields):
    phones = {"US": "+13125550100", "IN": "+919000090000", "KE": "+254708374149"}
    currency = {"US": "USD", "IN": "INR", "KE": "KES"}[country]
    fields.setdefault("phone", phones[country])
    return make_borrower(session, country=country, loan={"currency": currency}, **fields)


def test_demo_mode_sends_the_borrower_on_to_the_sandbox_page(session, database_url):
    client, settings = client_for(database_url)  # no provider credentials: demo mode
    loan = borrower_in(session, "US").loans[0]
    url = path(settings, loan.id, 42)

    opened = client.get(url)
    assert opened.status_code == 302
    sandbox_url = opened.headers["Location"]
    assert sandbox_url.startswith(f"{PUBLIC_BASE_URL}/sandbox/pay/")
    sandbox_token = sandbox_url.rsplit("/", 1)[1]
    read = pay_links.read_token(settings, sandbox_token, pay_links.SANDBOX)
    assert (read.loan_id, read.conversation_id) == (loan.id, 42)  # the asking conversation kept
    page = client.get(sandbox_url.removeprefix(PUBLIC_BASE_URL)).get_data(as_text=True)
    assert "Sandbox payment" in page and "••••1234" in page and "/chat/?t=" in page
    assert client.get("/sandbox/pay/" + url.rsplit("/", 1)[1]).status_code == 404  # not its salt


def test_demo_mode_sends_a_kenyan_borrower_to_the_mpesa_page(session, database_url):
    # demo mode simulates the country's provider: the prompt then rings the sandbox phone
    client, settings = client_for(database_url)
    loan = borrower_in(session, "KE").loans[0]
    url = path(settings, loan.id, 9)
    opened = client.get(url)
    assert opened.headers["Location"] == f"{PUBLIC_BASE_URL}/pay/mpesa/{url.rsplit('/', 1)[1]}"
    page = client.get(opened.headers["Location"].removeprefix(PUBLIC_BASE_URL))
    assert page.status_code == 200 and "M-Pesa" in page.get_data(as_text=True)


@pytest.mark.parametrize(("country", "button"), [("US", "Pay by card"), ("IN", "Pay with UPI")])
def test_stripe_and_razorpay_borrowers_get_our_page_with_their_button(
    session, database_url, country, button
):
    client, settings = client_for(database_url, **PAYMENT_ENV)
    loan = borrower_in(session, country).loans[0]
    page = client.get(path(settings, loan.id))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and button in text and "••••1234" in text
    assert "Agree a plan in the chat" in text and f"{PUBLIC_BASE_URL}/chat/?t=" in text


def test_an_mpesa_borrower_goes_on_to_the_mpesa_page_with_the_same_token(session, database_url):
    client, settings = client_for(database_url, **PAYMENT_ENV)
    loan = borrower_in(session, "KE").loans[0]
    url = path(settings, loan.id, 7)
    token = url.rsplit("/", 1)[1]
    opened = client.get(url)
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"{PUBLIC_BASE_URL}/pay/mpesa/{token}"
    pressed = client.post(url, data={"amount": "500"})  # no button of ours: back to the link
    assert pressed.status_code == 303 and pressed.headers["Location"].endswith(url)


def test_with_nothing_offered_the_page_says_how_to_pay_the_lender(session, database_url):
    client, settings = client_for(database_url, **STRIPE_ONLY)  # Kenya: M-Pesa, not set up
    loan = borrower_in(session, "KE").loans[0]
    url = path(settings, loan.id)

    page = client.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200  # the link is fine; there is no online payment to offer
    assert "How to pay Demo Lender" in text and "Online payment is not available" in text
    assert "By phone: call 1-800-555-0199" in text  # config/bot.yaml payment_methods
    assert "Chat with us" in text and "/chat/?t=" in text
    assert 'name="amount"' not in text
    assert client.post(url, data={"amount": "500"}).status_code == 303  # nothing to start

    loan_es = borrower_in(session, "KE", phone="+254708374150", locale="es").loans[0]
    spanish = client.get(path(settings, loan_es.id)).get_data(as_text=True)
    assert "Cómo pagar a Demo Lender" in spanish and "Por teléfono" in spanish
    assert "Escríbanos en el chat" in spanish


def test_an_altered_or_expired_link_names_nothing(session, database_url, clock):
    client, settings = client_for(database_url, **PAYMENT_ENV)
    loan = borrower_in(session, "IN").loans[0]
    url = path(settings, loan.id)
    assert client.get(url[:-3] + "xyz").status_code == 404
    assert client.post(url[:-3] + "xyz", data={"amount": "500"}).status_code == 404
    clock.advance(days=7, seconds=1)
    assert client.get(url).status_code == 404


def test_the_page_follows_the_offer_when_it_is_opened_not_when_it_was_sent(session, database_url):
    demo_client, demo = client_for(database_url)
    loan = borrower_in(session, "US").loans[0]
    url = path(demo, loan.id)  # sent in demo mode
    assert demo_client.get(url).status_code == 302
    live_client, _ = client_for(database_url, **PAYMENT_ENV)  # Stripe set up since
    assert "Pay by card" in live_client.get(url).get_data(as_text=True)


def test_the_payment_request_link_is_the_one_link_whenever_a_provider_is_offered(
    session, database_url
):
    us, ke = borrower_in(session, "US").loans[0], borrower_in(session, "KE").loans[0]
    demo = make_settings(database_url)
    assert payment_link(demo, us, 5) == pay_links.pay_url(demo, us.id, 5)  # sandbox: the same
    live = make_settings(database_url, **PAYMENT_ENV)
    for loan in (us, ke):
        link = payment_link(live, loan, 5)
        token = link.removeprefix(f"{PUBLIC_BASE_URL}/pay/")
        read = pay_links.read_token(live, token)
        assert (read.loan_id, read.conversation_id) == (loan.id, 5)
    stripe_only = make_settings(database_url, **STRIPE_ONLY)
    assert payment_link(stripe_only, us, 5) is not None
    assert payment_link(stripe_only, ke, 5) is None  # nothing offered in Kenya
