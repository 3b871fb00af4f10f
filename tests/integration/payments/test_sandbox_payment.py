"""The sandbox payment page of demo mode: paid through the same code as a provider callback."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach import create_app
from outreach.models import Message, Payment, ProviderPayment
from outreach.payments import sandbox
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.payment_signing import PAYMENT_ENV

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(database_url):
    return make_settings(database_url)  # no provider credentials: demo mode for payments


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    return app.test_client()


def path(settings, loan_id: int, conversation_id: int | None = None) -> str:
    return sandbox.pay_url(settings, loan_id, conversation_id).removeprefix(
        settings.public_base_url
    )


def form_token(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.data
    return CSRF.search(page.get_data(as_text=True)).group(1)


def stored(session) -> list[ProviderPayment]:
    session.expire_all()
    return list(session.scalars(select(ProviderPayment)).all())


def test_a_borrower_pays_part_of_the_arrears_on_the_page(csrf_client, session, settings, clock):
    loan = make_borrower(session).loans[0]
    url = path(settings, loan.id)

    page = csrf_client.get(url).get_data(as_text=True)
    assert "$420.00" in page and "••••1234" in page and loan.loan_number not in page
    assert 'value="420.00"' in page

    token = form_token(csrf_client, url)
    resp = csrf_client.post(url, data={"csrf_token": token, "amount": "150.00"})
    assert resp.status_code == 302

    (row,) = stored(session)
    assert (row.provider, row.status, row.amount, row.currency) == (
        "sandbox",
        "applied",
        Decimal("150.00"),
        "USD",
    )
    assert row.reference.startswith("sbx_") and row.received_at == clock.now()
    payment = session.scalars(select(Payment)).one()
    assert payment.reference == f"sandbox:{row.reference}"
    receipts = session.scalars(select(Message).where(Message.template == "payment_receipt")).all()
    assert len(receipts) == 1 and "$150.00" in receipts[0].body

    done = csrf_client.get(resp.headers["Location"] + "?amount=99999")
    assert done.status_code == 200
    text = done.get_data(as_text=True)
    assert "$150.00" in text and "99999" not in text  # what was stored, never the URL


def test_the_pay_button_needs_the_forms_csrf_token(csrf_client, session, settings):
    loan = make_borrower(session).loans[0]
    resp = csrf_client.post(path(settings, loan.id), data={"amount": "50.00"})
    assert resp.status_code == 400
    assert stored(session) == []


@pytest.mark.parametrize("amount", ["4.99", "3210.56", "abc", "-5", "1.001", ""])
def test_an_amount_below_the_minimum_or_above_what_is_owed_is_refused(
    client, session, settings, amount
):
    loan = make_borrower(session).loans[0]
    resp = client.post(path(settings, loan.id), data={"amount": amount})
    assert resp.status_code == 400
    assert 'role="alert"' in resp.get_data(as_text=True)
    assert stored(session) == []


def test_everything_owed_may_be_paid_even_below_the_minimum(client, session, settings):
    loan = make_borrower(session, loan={"outstanding": Decimal("3.00")}).loans[0]
    assert client.post(path(settings, loan.id), data={"amount": "3.00"}).status_code == 302
    assert [r.amount for r in stored(session)] == [Decimal("3.00")]


def test_a_tampered_or_expired_link_is_refused(client, session, settings, clock):
    loan = make_borrower(session).loans[0]
    url = path(settings, loan.id)
    tampered = url[:-2] + ("AA" if not url.endswith("AA") else "BB")
    assert client.get(tampered).status_code == 404
    assert client.post(tampered, data={"amount": "50.00"}).status_code == 404
    other = path(dataclasses.replace(settings, secret_key="another-secret-key-0123456789"), loan.id)
    assert client.get(other).status_code == 404

    clock.advance(days=7, seconds=1)
    assert client.get(url).status_code == 404
    assert client.post(url, data={"amount": "50.00"}).status_code == 404
    assert stored(session) == []


def test_the_page_speaks_the_borrowers_language(client, session, settings):
    loan = make_borrower(session, locale="es_MX").loans[0]
    page = client.get(path(settings, loan.id)).get_data(as_text=True)
    assert 'lang="es"' in page and "Pagar" in page and "Atrasado" in page


def test_the_receipt_goes_to_the_conversation_that_asked(client, session, settings):
    from outreach.models import Conversation

    borrower = make_borrower(session)
    conv = Conversation(channel="sms", address="+13125550100", borrower_id=borrower.id)
    session.add(conv)
    session.commit()
    url = path(settings, borrower.loans[0].id, conv.id)
    assert client.post(url, data={"amount": "420.00"}).status_code == 302
    session.expire_all()
    receipt = session.scalars(select(Message).where(Message.template == "payment_receipt")).one()
    assert receipt.conversation_id == conv.id


def test_the_page_does_not_exist_with_a_real_provider_or_in_production(
    session, settings, database_url
):
    loan = make_borrower(session).loans[0]
    with_stripe = make_settings(database_url, **PAYMENT_ENV)
    production = dataclasses.replace(settings, app_env="production")
    for other in (with_stripe, production):
        assert not sandbox.offered(other)
        app = create_app(other)
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
        client = app.test_client()
        assert client.get(path(other, loan.id)).status_code == 404
        assert client.post(path(other, loan.id), data={"amount": "50.00"}).status_code == 404
    assert stored(session) == []


def test_the_sandbox_phone_links_to_the_payment_page(client, session, settings):
    borrower = make_borrower(session)
    page = client.get(f"/sandbox/phones/{borrower.contact_points[0].id}").get_data(as_text=True)
    link = re.search(r'href="https?://[^"/]*(/sandbox/pay/[^"]+)"', page).group(1)
    assert client.get(link).status_code == 200


def test_the_link_is_a_token_page_no_log_or_referer_carries(client, session, settings):
    from outreach.web.access_log import loggable_path

    url = path(settings, make_borrower(session).loans[0].id)
    assert loggable_path(url + "/done/sbx_1") == "/sandbox/pay/[token]/done/sbx_1"
    assert client.get(url).headers["Referrer-Policy"] == "no-referrer"
