"""Where an M-Pesa prompt starts and, in demo mode, where it is answered: the borrower's
/pay/mpesa page, the console's "Prompt M-Pesa payment" on a case, the sandbox phone."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach import create_app
from outreach.messaging import pay_links
from outreach.models import AuditEvent, HandoffCase, Message, ProviderPayment, StkRequest
from outreach.payments import daraja as daraja_client
from outreach.payments.stk import start_stk_push
from outreach.selfservice import open_handoff
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.fake_daraja import FakeDaraja
from tests.support.mpesa import MSISDN, PHONE, conversation, kenyan
from tests.support.officers import login, make_officer
from tests.support.payment_signing import PAYMENT_ENV

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BUTTONS = re.compile(r"<button[^>]*>([^<]*)</button>")


@pytest.fixture
def daraja():
    env = PAYMENT_ENV
    with FakeDaraja(
        env["MPESA_CONSUMER_KEY"],
        env["MPESA_CONSUMER_SECRET"],
        env["MPESA_SHORTCODE"],
        env["MPESA_PASSKEY"],
    ) as fake:
        yield fake
    daraja_client.forget_tokens()


@pytest.fixture
def settings(database_url, daraja):
    return make_settings(database_url, **PAYMENT_ENV, MPESA_API_BASE=daraja.url)


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    return app.test_client()


def rows(session, model):
    session.expire_all()
    return list(session.scalars(select(model).order_by(model.id)).all())


def page_path(settings, loan_id: int, conversation_id: int | None = None) -> str:
    token = pay_links.make_token(settings, loan_id, conversation_id, pay_links.PAY)
    return f"/pay/mpesa/{token}"


def csrf(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.data
    return CSRF.search(page.get_data(as_text=True)).group(1)


# --- the borrower's /pay/mpesa page --------------------------------------------------------
def test_it_prompts_the_phone_on_file_from_the_borrower_s_page(
    csrf_client, session, settings, daraja, clock
):
    borrower = kenyan(session)
    conv = conversation(session, borrower)
    url = page_path(settings, borrower.loans[0].id, conv.id)

    text = csrf_client.get(url).get_data(as_text=True)
    assert "••••2005" in text and "Ksh" in text and "5,000.00" in text
    assert "+254 7•• ••• 678" in text and MSISDN not in text and PHONE not in text
    assert 'value="5000"' in text  # the arrears, in whole shillings
    assert "Confirm and get the M-Pesa prompt" in text

    resp = csrf_client.post(url, data={"csrf_token": csrf(csrf_client, url), "amount": "3000"})

    assert resp.status_code == 303 and resp.headers["Location"].endswith(url + "/sent")
    push = daraja.only_push()
    assert (push.body["Amount"], push.body["PhoneNumber"]) == (3000, MSISDN)
    (req,) = rows(session, StkRequest)
    assert (req.conversation_id, req.started_by) == (conv.id, f"borrower:{borrower.id}")
    sent = csrf_client.get(url + "/sent").get_data(as_text=True)
    assert "Check your phone" in sent and "enter your M-Pesa PIN" in sent.replace("Enter", "enter")
    assert 'id="paybill-number">600638<' in sent and 'id="paybill-account">KE-100-2005<' in sent


def test_it_shows_the_page_in_spanish(client, session, settings, daraja, clock):
    borrower = kenyan(session, locale="es")
    url = page_path(settings, borrower.loans[0].id)
    text = client.get(url).get_data(as_text=True)
    assert 'lang="es"' in text and "Confirmar y recibir el aviso de M-Pesa" in text
    assert "Número de empresa" in text
    resp = client.post(url, data={"amount": "5000"})
    assert resp.status_code == 303
    sent = client.get(url + "/sent").get_data(as_text=True)
    assert "Revise su teléfono" in sent and "PIN de M-Pesa" in sent


def test_it_refuses_a_bad_amount_on_the_page_and_says_so(client, session, settings, daraja):
    url = page_path(settings, kenyan(session).loans[0].id)
    for typed in ("50", "500.50", "abc", "99999999"):
        resp = client.post(url, data={"amount": typed})
        assert resp.status_code == 400 and "Enter whole shillings" in resp.get_data(as_text=True)
    assert daraja.pushes == {}


def test_it_says_so_on_the_page_when_m_pesa_is_down(client, session, settings, daraja):
    url = page_path(settings, kenyan(session).loans[0].id)
    daraja.down = True
    resp = client.post(url, data={"amount": "5000"})
    assert resp.status_code == 502 and "M-Pesa is not answering" in resp.get_data(as_text=True)
    assert rows(session, StkRequest) == []


def test_it_answers_404_for_an_altered_expired_or_foreign_link(client, session, settings, clock):
    loan = kenyan(session).loans[0]
    url = page_path(settings, loan.id)
    assert client.get(url[:-3] + "xyz").status_code == 404
    sandbox_token = pay_links.make_token(settings, loan.id, None, pay_links.SANDBOX)
    assert client.get(f"/pay/mpesa/{sandbox_token}").status_code == 404
    us_loan = make_borrower(session, phone="+13125550100").loans[0]  # card market: no M-Pesa
    assert client.get(page_path(settings, us_loan.id)).status_code == 404
    clock.advance(days=7, seconds=1)
    resp = client.post(url, data={"amount": "5000"})
    assert resp.status_code == 404 and "not valid or has expired" in resp.get_data(as_text=True)


# --- the console -----------------------------------------------------------------------------
def kenyan_case(session, settings) -> HandoffCase:
    borrower = kenyan(session)
    conv = conversation(session, borrower, body="I need a person")
    case_id = open_handoff(
        conv.public_id, "requested", {"intents": ["request_human"]}, settings=settings
    )
    return session.get(HandoffCase, case_id)


def test_it_lets_the_case_holder_prompt_an_m_pesa_payment(client, session, settings, daraja, clock):
    case = kenyan_case(session, settings)
    officer = make_officer(session)
    login(client, officer)
    assert b"Prompt M-Pesa payment" not in client.get(f"/console/cases/{case.id}").data
    client.post(f"/console/cases/{case.id}/claim")
    page = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert "Prompt M-Pesa payment" in page
    assert f'value="{PHONE}"' in page and 'id="mpesa_amount" name="amount" value="5000"' in page

    resp = client.post(
        f"/console/cases/{case.id}/mpesa-prompt",
        data={"loan_id": case.borrower.loans[0].id, "phone": PHONE, "amount": "2500"},
        follow_redirects=True,
    )

    assert "M-Pesa prompt sent to +254 7•• ••• 678 for KES 2,500." in resp.get_data(as_text=True)
    assert daraja.only_push().body["Amount"] == 2500
    (req,) = rows(session, StkRequest)
    assert (req.started_by, req.conversation_id) == (f"officer:{officer.id}", case.conversation_id)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.stk_requested"))
    assert event.actor == f"officer:{officer.id}" and event.subject == f"case:{case.id}"
    assert event.details["phone"] == "+254 7•• ••• 678"


def test_it_refuses_the_prompt_to_an_officer_who_does_not_hold_the_case(
    client, session, settings, daraja, clock
):
    case = kenyan_case(session, settings)
    holder, other = make_officer(session), make_officer(session, email="other@lender.test")
    login(client, holder)
    client.post(f"/console/cases/{case.id}/claim")
    client.post("/logout")
    login(client, other)

    resp = client.post(
        f"/console/cases/{case.id}/mpesa-prompt",
        data={"loan_id": case.borrower.loans[0].id, "phone": PHONE, "amount": "2500"},
        follow_redirects=True,
    )

    assert b"Another officer holds this case" in resp.data
    assert daraja.pushes == {} and rows(session, StkRequest) == []


def test_it_names_the_field_when_the_officer_s_prompt_is_refused(
    client, session, settings, daraja, clock
):
    case = kenyan_case(session, settings)
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")
    loan_id = case.borrower.loans[0].id
    for form, text in (
        ({"phone": "+13125550100", "amount": "2500"}, b"phone: a Kenyan mobile number"),
        ({"phone": PHONE, "amount": "25.50"}, b"amount: whole shillings"),
    ):
        resp = client.post(
            f"/console/cases/{case.id}/mpesa-prompt",
            data={"loan_id": loan_id, **form},
            follow_redirects=True,
        )
        assert text in resp.data
    assert daraja.pushes == {}


# --- demo mode: the sandbox phone ----------------------------------------------------------
@pytest.fixture
def demo(database_url, daraja):
    """No provider credentials: M-Pesa is simulated (Daraja must never be called)."""
    app = create_app(make_settings(database_url, MPESA_API_BASE=daraja.url))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def test_it_shows_a_demo_prompt_on_the_sandbox_phone_and_pays_it(demo, session, daraja, clock):
    client = demo.test_client()
    borrower = kenyan(session)
    conversation(session, borrower)
    point = borrower.contact_points[0]
    phone_url = f"/sandbox/phones/{point.id}"

    # The phone page links the borrower's M-Pesa page; confirming there prompts this phone.
    phone = client.get(phone_url).get_data(as_text=True)
    link = re.search(r'href="https://outreach\.test(/pay/mpesa/[^"]+)"', phone).group(1)
    assert "Pay loan KE-100-2005 by M-Pesa" in phone
    assert "Sandbox M-Pesa" in client.get(link).get_data(as_text=True)
    assert client.post(link, data={"amount": "5000"}).status_code == 303

    (req,) = rows(session, StkRequest)
    assert req.sandbox and req.checkout_request_id.startswith("ws_CO_SBX_")
    page = client.get(phone_url).get_data(as_text=True)
    assert "M-Pesa" in page and "Do you want to pay KES 5,000.00 to" in page
    assert "account no. KE-100-2005" in page and 'type="password"' in page
    buttons = [b.strip() for b in BUTTONS.findall(page)]
    assert "Pay" in buttons and "Cancel" in buttons
    assert [b for b in buttons if b.startswith("Send")] == ["Send"]  # only the answer box's

    answer = f"{phone_url}/mpesa/{req.id}"
    assert client.post(answer, data={"answer": "pay", "pin": "12"}).status_code == 400
    resp = client.post(answer, data={"answer": "pay", "pin": "1234"})

    assert resp.status_code == 302
    (row,) = rows(session, ProviderPayment)
    assert (row.provider, row.amount, row.status) == ("mpesa", Decimal("5000.00"), "applied")
    session.refresh(req)
    assert req.status == "paid" and req.receipt == row.reference
    after = client.get(phone_url).get_data(as_text=True)
    assert "Do you want to pay" not in after and "we received your payment" in after
    assert client.post(answer, data={"answer": "pay", "pin": "1234"}).status_code == 404
    assert daraja.requests == []  # demo mode never calls Daraja


def test_it_tells_the_demo_borrower_how_to_pay_by_paybill_after_cancelling(
    demo, session, daraja, clock
):
    client = demo.test_client()
    borrower = kenyan(session)
    conversation(session, borrower)
    req = start_stk_push(
        session,
        demo.extensions["settings"],
        borrower.loans[0],
        PHONE,
        Decimal("5000"),
        clock.now(),
        conversation_id=None,
        started_by="bot",
    )
    point = borrower.contact_points[0]

    resp = client.post(f"/sandbox/phones/{point.id}/mpesa/{req.id}", data={"answer": "cancel"})

    assert resp.status_code == 302
    session.refresh(req)
    assert (req.status, req.result_code) == ("failed", 1032)
    assert rows(session, ProviderPayment) == []
    (notice,) = [m for m in rows(session, Message) if m.template == "stk_not_completed"]
    assert "Paybill: business number 174379, account number KE-100-2005" in notice.body
    assert "did not go through" in client.get(f"/sandbox/phones/{point.id}").get_data(as_text=True)


def test_it_answers_404_on_the_sandbox_phone_for_a_prompt_that_is_not_its_own(
    demo, session, daraja, clock
):
    client = demo.test_client()
    borrower = kenyan(session)
    other = kenyan(session, phone="+254722000111", loan_number="KE-100-3001")
    req = start_stk_push(
        session,
        demo.extensions["settings"],
        other.loans[0],
        "+254722000111",
        Decimal("500"),
        clock.now(),
        conversation_id=None,
        started_by="bot",
    )
    point = borrower.contact_points[0]
    resp = client.post(f"/sandbox/phones/{point.id}/mpesa/{req.id}", data={"answer": "cancel"})
    assert resp.status_code == 404
    session.refresh(req)
    assert req.status == "pending"
