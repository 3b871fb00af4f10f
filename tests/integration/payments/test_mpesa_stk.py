"""M-Pesa STK Push end to end against a fake Daraja (a real local HTTP server checking the
bearer token and the Password): the prompt, its asynchronous result callback, the status query.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from outreach.channels import ChannelRegistry
from outreach.models import AuditEvent, Message, Payment, ProviderPayment, StkRequest
from outreach.payments import daraja as daraja_client
from outreach.payments.stk import StkRefused, start_stk_push
from outreach.payments.stk_query import query_pending
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.factories import make_borrower
from tests.support.fake_daraja import FakeDaraja
from tests.support.mpesa import MSISDN, PHONE, conversation, kenyan, promise, reminder
from tests.support.payment_signing import MPESA_TOKEN, PAYMENT_ENV

STK_PATH = f"/webhooks/payments/mpesa/{MPESA_TOKEN}/stk"
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


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
    daraja_client.forget_tokens()  # the next test's fake may reuse this port


@pytest.fixture
def settings(database_url, daraja):
    return make_settings(database_url, **PAYMENT_ENV, MPESA_API_BASE=daraja.url)


def prompt(session, settings, loan, clock, amount="5000", phone=PHONE, conv=None) -> StkRequest:
    return start_stk_push(
        session,
        settings,
        loan,
        phone,
        Decimal(amount),
        clock.now(),
        conversation_id=conv.id if conv else None,
        started_by="bot",
    )


def rows(session, model):
    session.expire_all()
    return list(session.scalars(select(model).order_by(model.id)).all())


def notices(session) -> list[Message]:
    return [m for m in rows(session, Message) if m.template == "stk_not_completed"]


def receipts(session) -> list[Message]:
    return [m for m in rows(session, Message) if m.template == "payment_receipt"]


def test_it_takes_a_payment_from_prompt_to_receipt(client, session, settings, daraja, clock):
    borrower = kenyan(session)
    loan = borrower.loans[0]
    conv = conversation(session, borrower)
    ptp = promise(session, borrower, "5000", clock)
    due = reminder(session, borrower, "5000.00")
    clock.advance(minutes=5)

    req = prompt(session, settings, loan, clock, phone="0712 345 678", conv=conv)

    push = daraja.only_push()
    nairobi = clock.now().astimezone(ZoneInfo("Africa/Nairobi")).strftime("%Y%m%d%H%M%S")
    assert push.body == push.body | {
        "BusinessShortCode": "600638",
        "Timestamp": nairobi,
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 5000,
        "PartyA": MSISDN,
        "PartyB": "600638",
        "PhoneNumber": MSISDN,
        "CallBackURL": f"{PUBLIC_BASE_URL}{STK_PATH}",
        "AccountReference": "KE-100-2005",
    }
    assert (req.status, req.checkout_request_id, req.phone) == (
        "pending",
        push.checkout_request_id,
        MSISDN,
    )
    started = session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.stk_started"))
    (event,) = started.all()
    assert event.actor == "bot" and event.details["phone"] == "+254 7•• ••• 678"
    assert MSISDN not in json.dumps(event.details)
    assert rows(session, ProviderPayment) == []  # nothing is paid until M-Pesa says so

    clock.advance(seconds=40)
    daraja.succeed(req.checkout_request_id, receipt="QKH94M1Z11")
    resp = daraja.deliver(req.checkout_request_id, client)

    assert resp.status_code == 200 and resp.get_json() == ACCEPTED
    (row,) = rows(session, ProviderPayment)
    assert (row.provider, row.reference, row.amount, row.status, row.loan_id) == (
        "mpesa",
        "QKH94M1Z11",
        Decimal("5000.00"),
        "applied",
        loan.id,
    )
    session.refresh(req)
    assert (req.status, req.receipt, req.provider_payment_id) == ("paid", "QKH94M1Z11", row.id)
    session.refresh(ptp)
    session.refresh(due)
    assert ptp.status == "kept"
    assert (due.status, due.last_error) == ("cancelled", "payment_received")
    (receipt,) = receipts(session)
    assert receipt.conversation_id == conv.id and "Ksh" in receipt.body


def test_it_answers_404_to_a_wrong_token_and_403_outside_the_allowlist(
    database_url, session, daraja, clock
):
    from outreach import create_app

    env = {**PAYMENT_ENV, "MPESA_API_BASE": daraja.url, "MPESA_ALLOWED_IPS": "196.201.214.0/24"}
    app = create_app(make_settings(database_url, **env))
    app.config.update(TESTING=True)
    client = app.test_client()
    loan = kenyan(session).loans[0]
    req = prompt(session, make_settings(database_url, **env), loan, clock)
    daraja.succeed(req.checkout_request_id)
    body = daraja.callback_body(req.checkout_request_id)

    wrong = client.post(
        "/webhooks/payments/mpesa/not-the-token/stk",
        data=body,
        content_type="application/json",
        environ_base={"REMOTE_ADDR": "196.201.214.200"},
    )
    assert wrong.status_code == 404
    outside = daraja.deliver(req.checkout_request_id, client, remote="203.0.113.9")
    assert outside.status_code == 403
    assert rows(session, ProviderPayment) == [] and rows(session, StkRequest)[0].status == "pending"
    inside = daraja.deliver(req.checkout_request_id, client, remote="196.201.214.200")
    assert inside.status_code == 200 and rows(session, ProviderPayment)[0].status == "applied"


def test_it_refuses_a_body_daraja_would_not_send(client, session, settings, daraja, clock):
    loan = kenyan(session).loans[0]
    req = prompt(session, settings, loan, clock)
    for body in (b"{not json", b'{"Body": {}}', json.dumps({"Body": {"stkCallback": []}})):
        resp = client.post(STK_PATH, data=body, content_type="application/json")
        assert resp.status_code == 400
    assert rows(session, ProviderPayment) == []
    session.refresh(req)
    assert req.status == "pending"


def test_it_refuses_a_result_for_a_request_that_is_not_ours(
    client, session, settings, daraja, clock
):
    loan = kenyan(session).loans[0]
    req = prompt(session, settings, loan, clock)
    daraja.succeed(req.checkout_request_id)
    forged = json.loads(daraja.callback_body(req.checkout_request_id))
    forged["Body"]["stkCallback"]["CheckoutRequestID"] = "ws_CO_999999999999999999"
    resp = client.post(STK_PATH, data=json.dumps(forged), content_type="application/json")
    assert resp.status_code == 400
    # Our CheckoutRequestID with another MerchantRequestID is not Daraja's answer to us either.
    forged = json.loads(daraja.callback_body(req.checkout_request_id))
    forged["Body"]["stkCallback"]["MerchantRequestID"] = "1-2-3"
    resp = client.post(STK_PATH, data=json.dumps(forged), content_type="application/json")
    assert resp.status_code == 400
    assert rows(session, ProviderPayment) == [] and rows(session, Payment) == []
    session.refresh(req)
    assert req.status == "pending"


@pytest.mark.parametrize(
    ("paid", "reason"),
    [
        ({"amount": 4000.0}, "stk_amount_mismatch"),
        ({"phone": 254799999999}, "stk_phone_mismatch"),
    ],
)
def test_it_parks_a_success_for_another_amount_or_phone(
    client, session, settings, daraja, clock, paid, reason
):
    borrower = kenyan(session)
    conversation(session, borrower)
    req = prompt(session, settings, borrower.loans[0], clock)
    daraja.succeed(req.checkout_request_id, **paid)

    resp = daraja.deliver(req.checkout_request_id, client)

    assert resp.status_code == 200 and resp.get_json() == ACCEPTED
    (row,) = rows(session, ProviderPayment)
    assert (row.status, row.review_reason, row.loan_id) == ("review", reason, borrower.loans[0].id)
    assert row.raw["Body"]["stkCallback"]["CheckoutRequestID"] == req.checkout_request_id
    assert rows(session, Payment) == [] and receipts(session) == []
    session.refresh(req)
    assert (req.status, req.provider_payment_id) == ("review", row.id)
    parked = session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.parked"))
    assert parked.details["reason"] == reason


def test_it_tells_the_borrower_once_how_to_pay_by_paybill_when_they_cancel(
    client, session, settings, daraja, clock
):
    borrower = kenyan(session)
    conv = conversation(session, borrower)
    req = prompt(session, settings, borrower.loans[0], clock, conv=conv)
    daraja.fail(req.checkout_request_id, 1032, "Request cancelled by user")

    for _ in range(2):  # Daraja may deliver the same result again
        resp = daraja.deliver(req.checkout_request_id, client)
        assert resp.status_code == 200 and resp.get_json() == ACCEPTED

    session.refresh(req)
    assert (req.status, req.result_code, req.result_desc) == (
        "failed",
        1032,
        "Request cancelled by user",
    )
    (notice,) = notices(session)
    assert notice.conversation_id == conv.id and notice.status != "blocked"
    assert "did not go through" in notice.body
    assert "600638" in notice.body and "KE-100-2005" in notice.body
    assert rows(session, ProviderPayment) == []


def test_it_tells_a_spanish_speaker_in_spanish(client, session, settings, daraja, clock):
    borrower = kenyan(session, locale="es_KE")
    conversation(session, borrower)
    req = prompt(session, settings, borrower.loans[0], clock)
    daraja.fail(req.checkout_request_id, 1037, "DS timeout user cannot be reached")
    daraja.deliver(req.checkout_request_id, client)
    (notice,) = notices(session)
    assert "no se pudo completar" in notice.body and "empresa 600638" in notice.body


def test_it_applies_a_duplicate_callback_once(client, session, settings, daraja, clock):
    borrower = kenyan(session)
    conversation(session, borrower)
    req = prompt(session, settings, borrower.loans[0], clock)
    daraja.succeed(req.checkout_request_id)
    for _ in range(3):
        assert daraja.deliver(req.checkout_request_id, client).get_json() == ACCEPTED
    assert len(rows(session, ProviderPayment)) == 1 and len(rows(session, Payment)) == 1
    assert len(receipts(session)) == 1


def test_it_settles_by_query_a_prompt_whose_callback_never_came(
    client, session, settings, daraja, clock
):
    borrower = kenyan(session)
    conv = conversation(session, borrower)
    due = reminder(session, borrower, "5000.00")
    clock.advance(minutes=1)
    req = prompt(session, settings, borrower.loans[0], clock, conv=conv)
    channels = ChannelRegistry(settings)

    clock.advance(minutes=1)  # too early to ask: the callback usually comes within seconds
    assert query_pending(session, settings, channels, clock.now()).settled == {}
    assert daraja.calls("/mpesa/stkpushquery/v1/query") == []

    clock.advance(minutes=3)  # still on the phone: Daraja says it is being processed
    report = query_pending(session, settings, channels, clock.now())
    assert report.processing == [req.id] and rows(session, StkRequest)[0].status == "pending"

    daraja.succeed(req.checkout_request_id, receipt="QKH94M1Z11")
    clock.advance(minutes=1)
    report = query_pending(session, settings, channels, clock.now())

    assert report.settled == {req.id: "applied"}
    (row,) = rows(session, ProviderPayment)
    # The query answers no receipt number: the payment is known by its CheckoutRequestID.
    assert (row.reference, row.amount, row.status) == (
        req.checkout_request_id,
        Decimal("5000.00"),
        "applied",
    )
    session.refresh(due)
    assert due.status == "cancelled"
    assert [m.conversation_id for m in receipts(session)] == [conv.id]

    # The callback arrives after all: a duplicate. Nothing new, and its receipt is kept.
    resp = daraja.deliver(req.checkout_request_id, client)
    assert resp.status_code == 200 and resp.get_json() == ACCEPTED
    assert len(rows(session, ProviderPayment)) == 1 and len(receipts(session)) == 1
    session.refresh(req)
    assert (req.status, req.receipt) == ("paid", "QKH94M1Z11")
    assert query_pending(session, settings, channels, clock.now()).settled == {}


def test_it_fails_by_query_a_cancelled_prompt_and_expires_an_unanswered_one(
    session, settings, daraja, clock
):
    borrower = kenyan(session)
    conversation(session, borrower)
    channels = ChannelRegistry(settings)
    cancelled = prompt(session, settings, borrower.loans[0], clock)
    unanswered = prompt(session, settings, borrower.loans[0], clock)
    daraja.fail(cancelled.checkout_request_id, 1032, "Request cancelled by user")

    clock.advance(minutes=5)
    report = query_pending(session, settings, channels, clock.now())
    assert report.settled == {cancelled.id: "failed"} and report.processing == [unanswered.id]
    assert len(notices(session)) == 1

    clock.advance(hours=24)
    report = query_pending(session, settings, channels, clock.now())
    assert report.expired == [unanswered.id]
    session.refresh(unanswered)
    assert unanswered.status == "expired" and len(notices(session)) == 1


def test_it_refuses_clearly_and_stores_nothing_while_daraja_is_down(
    session, settings, daraja, clock, caplog
):
    loan = kenyan(session).loans[0]
    daraja.down = True
    with pytest.raises(StkRefused) as refused:
        prompt(session, settings, loan, clock)
    assert refused.value.code == "provider_down" and "503" in str(refused.value)
    assert rows(session, StkRequest) == []

    daraja.down = False
    req = prompt(session, settings, loan, clock)
    daraja.down = True  # down again when the query job runs: the prompt stays pending
    clock.advance(minutes=5)
    with caplog.at_level(logging.WARNING, logger="outreach.payments.stk_query"):
        report = query_pending(session, settings, ChannelRegistry(settings), clock.now())
    assert report.unreachable and report.settled == {}
    assert "STK query unavailable" in caplog.text
    session.refresh(req)
    assert req.status == "pending"


def test_it_refuses_when_nothing_answers_at_daraja_s_address(session, database_url, clock):
    settings = make_settings(database_url, **PAYMENT_ENV, MPESA_API_BASE="http://127.0.0.1:9")
    loan = kenyan(session).loans[0]
    with pytest.raises(StkRefused) as refused:
        prompt(session, settings, loan, clock)
    assert refused.value.code == "provider_down" and "unreachable" in str(refused.value)


def test_it_reuses_the_token_until_it_expires_and_renews_a_revoked_one(
    session, settings, daraja, clock
):
    loan = kenyan(session).loans[0]
    prompt(session, settings, loan, clock, amount="100")
    prompt(session, settings, loan, clock, amount="100")
    assert len(daraja.calls("/oauth/v1/generate")) == 1
    assert all(
        r["headers"]["Authorization"].startswith("Bearer ")
        for r in daraja.calls("/mpesa/stkpush/v1/processrequest")
    )

    daraja.revoke_tokens()  # Daraja answers 404.001.03: one fresh token, then the push
    clock.advance(hours=1)
    prompt(session, settings, loan, clock, amount="100")
    assert len(daraja.calls("/oauth/v1/generate")) == 2

    clock.advance(hours=2)  # past expires_in (3599 s): a new token before the call
    prompt(session, settings, loan, clock, amount="100")
    assert len(daraja.calls("/oauth/v1/generate")) == 3
    assert len(daraja.pushes) == 4


def test_it_limits_the_prompts_a_loan_gets_in_an_hour(session, settings, daraja, clock):
    loan = kenyan(session).loans[0]
    for _ in range(3):
        prompt(session, settings, loan, clock, amount="100")
        clock.advance(minutes=5)
    with pytest.raises(StkRefused) as refused:
        prompt(session, settings, loan, clock, amount="100")
    assert refused.value.code == "too_many" and len(daraja.pushes) == 3

    clock.advance(minutes=46)  # the first prompt is more than an hour old
    prompt(session, settings, loan, clock, amount="100")
    assert len(daraja.pushes) == 4


@pytest.mark.parametrize(
    ("phone", "amount", "code"),
    [
        ("+13125550100", "500", "bad_phone"),
        ("+254 20 2222222", "500", "bad_phone"),
        (PHONE, "99", "amount"),  # under the KES minimum (config/payments.yaml: 100)
        (PHONE, "500.50", "amount"),  # M-Pesa takes whole shillings
        (PHONE, "41001", "amount"),  # more than is owed
        (PHONE, "0", "amount"),
    ],
)
def test_it_refuses_a_bad_phone_or_amount_before_calling_daraja(
    session, settings, daraja, clock, phone, amount, code
):
    loan = kenyan(session).loans[0]
    with pytest.raises(StkRefused) as refused:
        prompt(session, settings, loan, clock, amount=amount, phone=phone)
    assert refused.value.code == code and daraja.requests == []


def test_it_offers_no_prompt_where_m_pesa_is_not_offered(session, settings, daraja, clock):
    us_loan = make_borrower(session).loans[0]  # a US borrower: card payments
    with pytest.raises(StkRefused) as refused:
        prompt(session, settings, us_loan, clock, amount="100")
    assert refused.value.code == "not_offered" and daraja.requests == []
