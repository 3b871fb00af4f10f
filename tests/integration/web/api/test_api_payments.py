"""Payments the lender posts: into the payments pipeline, once per reference."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from outreach.models import AuditEvent, OutboxItem, Payment, PromiseToPay, ProviderPayment
from tests.support.factories import make_borrower

URL = "/api/v1/payments"


def _promise(session, borrower, amount: str, clock) -> PromiseToPay:
    ptp = PromiseToPay(
        loan_id=borrower.loans[0].id,
        borrower_id=borrower.id,
        amount=Decimal(amount),
        promised_date=borrower.today(clock.now()) + timedelta(days=3),
        created_by="bot",
        created_at=clock.now(),
    )
    session.add(ptp)
    session.commit()
    return ptp


def _reminder(session, borrower) -> OutboxItem:
    item = OutboxItem(
        idempotency_key="loan:1:d15",
        borrower_id=borrower.id,
        loan_id=borrower.loans[0].id,
        channel="sms",
        address="+13125550100",
        template="reminder_due",
        body="You owe ...",
        status="pending",
        payload={"kind": "cadence", "amount": "420.00", "currency": "USD", "channels": ["sms"]},
    )
    session.add(item)
    session.commit()
    return item


def test_a_posted_payment_keeps_the_promise_and_stops_the_reminder(client, session, clock, auth):
    borrower = make_borrower(session)  # 420.00 past due
    ptp = _promise(session, borrower, "420.00", clock)
    pending = _reminder(session, borrower)
    clock.advance(hours=1)

    resp = client.post(
        URL,
        json={
            "loan_number": borrower.loans[0].loan_number,
            "reference": "CORE-TXN-0001",
            "amount": "420.00",
            "currency": "usd",
        },
        headers=auth,
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["status"] == "applied" and resp.json["reminders_cancelled"] == 1
    session.expire_all()
    assert (ptp.status, pending.status) == ("kept", "cancelled")
    row = session.scalars(select(ProviderPayment)).one()
    assert (row.provider, row.reference, row.amount) == (
        "lender",
        "CORE-TXN-0001",
        Decimal("420.00"),
    )
    assert session.scalars(select(Payment.reference)).one() == "lender:CORE-TXN-0001"
    received = session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.received"))
    assert received.one().actor == "payments:lender"


def test_the_same_reference_again_changes_nothing_and_another_payment_under_it_is_409(
    client, session, auth
):
    borrower = make_borrower(session)
    body = {
        "loan_number": borrower.loans[0].loan_number,
        "reference": "CORE-TXN-0002",
        "amount": 100,
        "currency": "USD",
    }
    assert client.post(URL, json=body, headers=auth).status_code == 201
    again = client.post(URL, json=body, headers=auth)
    assert (again.status_code, again.json["status"]) == (200, "duplicate")
    other = client.post(URL, json={**body, "amount": "99.00"}, headers=auth)
    assert other.status_code == 409
    assert other.json["errors"] == [{"pointer": "/reference", "detail": other.json["detail"]}]
    assert len(session.scalars(select(Payment)).all()) == 1


def test_a_payment_for_an_unknown_loan_is_parked_not_lost(client, session, auth):
    resp = client.post(
        URL,
        json={"loan_number": "LN-NOPE", "reference": "R-9", "amount": "5", "currency": "USD"},
        headers=auth,
    )
    assert (resp.status_code, resp.json["status"], resp.json["reason"]) == (
        202,
        "review",
        "unknown_loan",
    )
    parked = session.scalars(select(ProviderPayment)).one()
    assert parked.status == "review" and parked.raw["amount"] == "5.00"


def test_it_names_every_bad_field(client, auth, clock):
    future = (clock.now() + timedelta(days=1)).isoformat()
    resp = client.post(
        URL,
        json={"loan_number": "\x00", "reference": "", "amount": "-5", "currency": "US"},
        headers=auth,
    )
    assert resp.status_code == 422
    assert sorted(e["pointer"] for e in resp.json["errors"]) == [
        "/amount",
        "/currency",
        "/loan_number",
        "/reference",
    ]
    later = client.post(
        URL,
        json={
            "loan_number": "L",
            "reference": "R",
            "amount": "5",
            "currency": "USD",
            "paid_at": future,
        },
        headers=auth,
    )
    assert later.status_code == 422
    assert later.json["errors"] == [{"pointer": "/paid_at", "detail": "must not be in the future"}]
