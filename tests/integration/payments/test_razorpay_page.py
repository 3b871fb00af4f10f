"""Paying by UPI: the borrower's payment link opens our page, its button makes a fresh Razorpay
Payment Link (the real ``razorpay`` package pointed at a fake of Razorpay's API through
``RAZORPAY_API_BASE``), and Razorpay's signed ``payment_link.paid`` webhook applies the payment."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.messaging import pay_links
from outreach.models import (
    AuditEvent,
    Conversation,
    Message,
    OutboxItem,
    PromiseToPay,
    ProviderPayment,
)
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.factories import make_borrower
from tests.support.fake_razorpay import FakeRazorpay
from tests.support.payment_signing import PAYMENT_ENV
from tests.support.servers import free_port

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY_ID, KEY_SECRET = PAYMENT_ENV["RAZORPAY_KEY_ID"], PAYMENT_ENV["RAZORPAY_KEY_SECRET"]


@pytest.fixture
def fake_razorpay():
    with FakeRazorpay(KEY_ID, KEY_SECRET) as fake:
        yield fake


@pytest.fixture
def settings(database_url, fake_razorpay):
    return make_settings(database_url, **PAYMENT_ENV, RAZORPAY_API_BASE=fake_razorpay.url)


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    return app.test_client()


def indian_borrower(session, **fields):
    return make_borrower(
        session,
        phone="+919000090000",
        country="IN",
        region="MH",
        postal_code="400001",
        locale=fields.pop("locale", "en_IN"),
        loan={
            "currency": "INR",
            "principal": Decimal("50000.00"),
            "outstanding": Decimal("32105.50"),
            "past_due_amount": Decimal("4200.00"),
            "next_due_amount": Decimal("4200.00"),
        },
        **fields,
    )


def path(settings, loan_id: int, conversation_id: int | None = None) -> str:
    return pay_links.pay_url(settings, loan_id, conversation_id).removeprefix(PUBLIC_BASE_URL)


def csrf(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.data
    return CSRF.search(page.get_data(as_text=True)).group(1)


def stored(session) -> list[ProviderPayment]:
    session.expire_all()
    return list(session.scalars(select(ProviderPayment)).all())


def test_it_pays_by_upi_from_click_to_receipt(csrf_client, session, settings, fake_razorpay, clock):
    borrower = indian_borrower(session)
    loan = borrower.loans[0]
    conv = Conversation(channel="sms", address="+919000090000", borrower_id=borrower.id)
    ptp = PromiseToPay(
        loan_id=loan.id,
        borrower_id=borrower.id,
        amount=Decimal("4200.00"),
        promised_date=borrower.today(clock.now()) + timedelta(days=3),
        created_by="bot",
    )
    session.add_all([conv, ptp])
    session.flush()
    reminder = OutboxItem(
        idempotency_key=f"loan:{loan.id}:d15",
        borrower_id=borrower.id,
        loan_id=loan.id,
        channel="sms",
        address="+919000090000",
        template="payment_overdue",
        body="",  # rendered when it is sent
        status="pending",
        payload={"kind": "cadence", "amount": "4200.00", "currency": "INR", "channels": ["sms"]},
    )
    session.add(reminder)
    session.commit()
    clock.advance(minutes=5)
    url = path(settings, loan.id, conv.id)

    page = csrf_client.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Pay with UPI" in text
    assert "₹4,200.00" in text and "••••1234" in text and loan.loan_number not in text
    assert "form-action 'self'" in page.headers["Content-Security-Policy"]
    assert "https://rzp.io" in page.headers["Content-Security-Policy"]

    resp = csrf_client.post(url, data={"csrf_token": csrf(csrf_client, url), "amount": "4200.00"})
    assert resp.status_code == 303
    (link,) = fake_razorpay.links.values()
    assert resp.headers["Location"] == link["short_url"]

    sent = fake_razorpay.requests[-1]
    now = int(clock.now().timestamp())
    assert (sent["amount"], sent["currency"]) == (420000, "INR")  # paise, the typed amount
    assert sent["notes"] == {"loan_number": loan.loan_number, "conversation_id": str(conv.id)}
    assert now + 15 * 60 <= sent["expire_by"] <= now + 3600  # a short life from the click
    assert sent["notify"] == {"sms": False, "email": False} and sent["reminder_enable"] is False
    assert sent["callback_url"] == f"{PUBLIC_BASE_URL}{url}/upi/done"
    assert sent["callback_method"] == "get"
    assert sent["customer"] == {"contact": "+919000090000"}
    assert 0 < len(sent["reference_id"]) <= 40
    assert loan.loan_number not in sent["description"]
    assert stored(session) == []  # nothing until Razorpay calls

    back = csrf_client.get(f"{url}/upi/done?razorpay_payment_id=pay_UPI0001")
    assert "confirming your payment" in back.get_data(as_text=True)

    clock.advance(minutes=2)
    raw, signature = fake_razorpay.signed(fake_razorpay.paid_event(link["id"], "pay_UPI0001"))
    hook = csrf_client.post(
        "/webhooks/payments/razorpay",
        data=raw,
        content_type="application/json",
        headers={"X-Razorpay-Signature": signature},
    )
    assert hook.status_code == 200 and hook.get_json() == {"status": "applied"}

    (row,) = stored(session)
    assert (row.provider, row.reference, row.status) == ("razorpay", "pay_UPI0001", "applied")
    assert (row.loan_id, row.amount, row.currency) == (loan.id, Decimal("4200.00"), "INR")
    session.refresh(ptp)
    session.refresh(reminder)
    assert ptp.status == "kept"
    assert (reminder.status, reminder.last_error) == ("cancelled", "payment_received")
    receipt = session.scalars(select(Message).where(Message.template == "payment_receipt")).one()
    assert receipt.address == "+919000090000" and "4,200.00" in receipt.body
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.received"))

    thanks = csrf_client.get(f"{url}/upi/done?razorpay_payment_id=pay_UPI0001")
    assert "We received your payment of ₹4,200.00" in thanks.get_data(as_text=True)


def test_it_takes_part_of_the_arrears_down_to_the_minimum(client, session, settings, fake_razorpay):
    loan = indian_borrower(session).loans[0]
    url = path(settings, loan.id)
    refused = client.post(url, data={"amount": "99.00"})  # config/payments.yaml: INR 100
    assert refused.status_code == 400 and "The smallest amount is ₹100.00" in refused.get_data(
        as_text=True
    )
    assert client.post(url, data={"amount": "40000"}).status_code == 400  # more than owed
    assert fake_razorpay.requests == []
    assert client.post(url, data={"amount": "100.00"}).status_code == 303
    assert fake_razorpay.requests[-1]["amount"] == 10000


def test_it_limits_how_many_links_one_address_creates(client, session, settings, fake_razorpay):
    # each click creates a link at Razorpay: a script hammering the button is stopped early
    url = path(settings, indian_borrower(session).loans[0].id)
    codes = [client.post(url, data={"amount": "100.00"}).status_code for _ in range(11)]
    assert codes == [303] * 10 + [429]
    assert len(fake_razorpay.requests) == 10


@pytest.mark.parametrize("failure", ["refused", "erroring", "down"])
def test_razorpay_failing_says_so_and_stores_nothing(failure, session, database_url, fake_razorpay):
    from outreach import create_app

    base = fake_razorpay.url
    if failure == "refused":
        fake_razorpay.key_secret = "another secret"  # Razorpay answers 401 to our key
    elif failure == "erroring":
        fake_razorpay.down = True  # 500 SERVER_ERROR
    else:
        base = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    app = create_app(make_settings(database_url, **PAYMENT_ENV, RAZORPAY_API_BASE=base))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    loan = indian_borrower(session).loans[0]

    resp = client.post(path(app.extensions["settings"], loan.id), data={"amount": "500.00"})
    assert resp.status_code == 502
    text = resp.get_data(as_text=True)
    assert "could not open the payment page" in text and 'value="500.00"' in text
    assert stored(session) == []


def test_the_spanish_page(client, session, settings):
    loan = indian_borrower(session, locale="es").loans[0]
    text = client.get(path(settings, loan.id)).get_data(as_text=True)
    assert "Pagar con UPI" in text and "Atrasado" in text and "Acuerde un plan" in text


def test_the_thank_you_page_believes_nothing_in_its_url(client, session, settings, clock):
    loan = indian_borrower(session).loans[0]
    other = make_borrower(session, phone="+13125550177").loans[0]
    url = path(settings, loan.id)
    # Razorpay's redirect carries these; anyone can type them.
    forged = (
        "razorpay_payment_id=pay_FORGED1&razorpay_payment_link_status=paid"
        "&razorpay_payment_link_id=plink_X&razorpay_signature=00"
    )
    page = client.get(f"{url}/upi/done?{forged}").get_data(as_text=True)
    assert "confirming your payment" in page and "We received" not in page
    assert stored(session) == []

    # A payment the webhook stored for another loan is not this loan's.
    session.add(
        ProviderPayment(
            provider="razorpay",
            reference="pay_OTHER1",
            loan_number=other.loan_number,
            loan_id=other.id,
            amount=Decimal("42.00"),
            currency="USD",
            received_at=clock.now(),
            status="applied",
        )
    )
    session.commit()
    page = client.get(f"{url}/upi/done?razorpay_payment_id=pay_OTHER1").get_data(as_text=True)
    assert "confirming your payment" in page and "42" not in page
    assert client.get(f"{url[:-3]}xyz/upi/done").status_code == 404


def test_the_thank_you_page_needs_razorpay(session, database_url):
    from outreach import create_app

    stripe_only = {k: v for k, v in PAYMENT_ENV.items() if k.startswith("STRIPE")}
    app = create_app(make_settings(database_url, **stripe_only))
    app.config.update(TESTING=True)
    loan = indian_borrower(session).loans[0]
    url = path(app.extensions["settings"], loan.id)
    assert app.test_client().get(f"{url}/upi/done").status_code == 404
