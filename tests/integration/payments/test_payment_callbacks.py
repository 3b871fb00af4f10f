"""The callback endpoints' answers (contracts/payments.md, "Answers") and what they store."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from outreach import create_app
from outreach.models import AuditEvent, Payment, ProviderPayment
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.payment_calls import post_c2b, post_razorpay, post_stripe
from tests.support.payment_signing import (
    PAYMENT_ENV,
    c2b_confirmation,
    razorpay_paid_event,
    stripe_session_event,
)


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_a_signed_stripe_payment_is_applied_to_its_loan_once(client, session, clock):
    loan = make_borrower(session).loans[0]
    event = stripe_session_event(loan.loan_number, 42000)

    first = post_stripe(client, clock, event)
    clock.advance(seconds=30)
    again = post_stripe(client, clock, event)  # Stripe retries: the same payment_intent

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == {"status": "duplicate"}
    payment = session.scalars(select(Payment)).one()
    assert (payment.loan_id, payment.amount) == (loan.id, Decimal("420.00"))
    row = session.scalars(select(ProviderPayment)).one()
    assert (row.provider, row.reference, row.status, row.currency) == (
        "stripe",
        "pi_3OaBcDeFgHiJkLmN0aBcDeFg",
        "applied",
        "USD",
    )
    assert row.payment_id == payment.id and row.received_at == payment.paid_at
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("payment.received") == 1


def test_a_forged_or_stale_stripe_callback_is_refused_and_stores_nothing(client, session, clock):
    loan = make_borrower(session).loans[0]
    event = stripe_session_event(loan.loan_number, 42000)
    forged = post_stripe(client, clock, event, header="t=1,v1=" + "ab" * 32)
    stale = post_stripe(client, clock, event, skew=-301)
    future = post_stripe(client, clock, event, skew=301)
    unsigned = post_stripe(client, clock, event, header="")
    assert [r.status_code for r in (forged, stale, future, unsigned)] == [400] * 4
    assert count(session, Payment) == 0 and count(session, ProviderPayment) == 0


def test_ignored_stripe_events_answer_2xx_and_store_nothing(client, session, clock):
    loan = make_borrower(session).loans[0]
    unpaid = stripe_session_event(loan.loan_number, 42000, payment_status="unpaid")
    response = post_stripe(client, clock, unpaid)
    assert response.status_code == 200 and response.get_json() == {"status": "ignored"}
    assert count(session, ProviderPayment) == 0


def test_a_payment_for_an_unknown_loan_is_parked_for_review(client, session, clock):
    make_borrower(session)
    response = post_stripe(client, clock, stripe_session_event("LN-NOT-OURS", 5000))
    assert response.status_code == 200 and response.get_json() == {"status": "review"}
    row = session.scalars(select(ProviderPayment)).one()
    assert (row.status, row.review_reason, row.loan_id) == ("review", "unknown_loan", None)
    assert row.raw["data"]["object"]["metadata"] == {"loan_number": "LN-NOT-OURS"}
    assert count(session, Payment) == 0


def test_a_payment_in_another_currency_is_parked_not_applied(client, session, clock):
    loan = make_borrower(session).loans[0]  # a USD loan
    response = post_stripe(client, clock, stripe_session_event(loan.loan_number, 5000, "eur"))
    assert response.status_code == 200
    row = session.scalars(select(ProviderPayment)).one()
    assert (row.status, row.review_reason, row.loan_id, row.currency) == (
        "review",
        "currency",
        loan.id,
        "EUR",
    )
    assert count(session, Payment) == 0


def test_a_razorpay_link_payment_is_applied_and_a_forged_one_refused(client, session, clock):
    loan = make_borrower(session, loan={"currency": "INR"}).loans[0]
    forged = post_razorpay(client, razorpay_paid_event(loan.loan_number, 50000), signature="00")
    assert forged.status_code == 400 and count(session, ProviderPayment) == 0

    ok = post_razorpay(client, razorpay_paid_event(loan.loan_number, 50000))
    again = post_razorpay(client, razorpay_paid_event(loan.loan_number, 50000))
    assert (ok.get_json(), again.get_json()) == ({"status": "applied"}, {"status": "duplicate"})
    payment = session.scalars(select(Payment)).one()
    assert payment.amount == Decimal("500.00") and payment.reference == "razorpay:pay_N1a2B3c4"


def test_a_c2b_confirmation_matches_the_typed_account_reference_loosely(client, session, clock):
    loan = make_borrower(session, loan={"currency": "KES", "loan_number": "KE-0042"}).loans[0]
    response = post_c2b(client, c2b_confirmation(" ke 00-42", "1500.00"))
    assert response.status_code == 200
    assert response.get_json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    payment = session.scalars(select(Payment)).one()
    assert (payment.loan_id, payment.amount, payment.reference) == (
        loan.id,
        Decimal("1500.00"),
        "mpesa:RKTQDM7W6S",
    )
    assert post_c2b(client, c2b_confirmation("KE0042", "1500.00")).status_code == 200
    assert count(session, Payment) == 1  # the same TransID again changes nothing


def test_a_c2b_confirmation_for_no_loan_is_kept_and_a_malformed_one_refused(client, session):
    response = post_c2b(client, c2b_confirmation("WHO-KNOWS", "10.00", trans_id="RKT0000001"))
    assert response.status_code == 200
    assert session.scalars(select(ProviderPayment.status)).one() == "review"
    assert post_c2b(client, {"TransAmount": "10"}).status_code == 400
    assert post_c2b(client, c2b_confirmation("X", "ten")).status_code == 400
    assert count(session, ProviderPayment) == 1


def test_the_mpesa_token_and_allowlist_guard_the_callbacks(database_url, session, clock):
    env = {**PAYMENT_ENV, "MPESA_ALLOWED_IPS": "196.201.214.0/24"}
    client = create_app(make_settings(database_url, **env)).test_client()
    data = c2b_confirmation("KE-1", "10.00")
    assert post_c2b(client, data, token="wrong", remote="196.201.214.9").status_code == 404
    assert post_c2b(client, data, remote="10.1.2.3").status_code == 403
    assert post_c2b(client, data, remote="196.201.214.9").status_code == 200


def test_a_provider_without_credentials_answers_404(database_url, session, clock):
    client = create_app(make_settings(database_url)).test_client()
    assert post_stripe(client, clock, stripe_session_event("LN", 100)).status_code == 404
    assert post_razorpay(client, razorpay_paid_event("LN", 100)).status_code == 404
    assert post_c2b(client, c2b_confirmation("LN", "1")).status_code == 404
    assert count(session, ProviderPayment) == 0
