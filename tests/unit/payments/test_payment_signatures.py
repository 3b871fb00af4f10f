"""Each provider's callback verification and parsing, with callbacks signed as it signs them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from outreach.payments.apply import loan_key
from outreach.payments.base import CallbackRejected, CallerNotAllowed, WrongToken
from outreach.payments.mpesa import Mpesa
from outreach.payments.providers import configured
from outreach.payments.razorpay_links import RazorpayLinks
from outreach.payments.stripe_checkout import StripeCheckout
from outreach.settings import Settings, SettingsError
from tests.support.payment_signing import (
    MPESA_TOKEN,
    PAYMENT_ENV,
    RAZORPAY_SECRET,
    STRIPE_SECRET,
    body,
    c2b_confirmation,
    razorpay_paid_event,
    razorpay_signature,
    stripe_header,
    stripe_session_event,
)

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
STRIPE = StripeCheckout("sk_test", STRIPE_SECRET)
RAZORPAY = RazorpayLinks("key", "secret", RAZORPAY_SECRET)


def mpesa(allowed: str = "") -> Mpesa:
    return Mpesa("ck", "cs", "600638", "pk", MPESA_TOKEN, "http://daraja.test", allowed)


def stripe_parse(raw: bytes, header: str, now: datetime = NOW):
    return STRIPE.parse_callback(raw, {"Stripe-Signature": header}, now)


def test_a_stripe_paid_session_becomes_a_payment_event_in_major_units():
    raw = body(stripe_session_event("LN-1", 12050, "usd"))
    event = stripe_parse(raw, stripe_header(raw, int(NOW.timestamp())))
    assert event is not None
    assert (event.provider, event.reference, event.loan_number) == (
        "stripe",
        "pi_3OaBcDeFgHiJkLmN0aBcDeFg",
        "LN-1",
    )
    assert (event.amount, event.currency, event.received_at) == (Decimal("120.50"), "USD", NOW)


def test_stripe_zero_decimal_currencies_are_not_divided():
    raw = body(stripe_session_event("LN-1", 5000, "jpy"))
    event = stripe_parse(raw, stripe_header(raw, int(NOW.timestamp())))
    assert event is not None and event.amount == Decimal("5000")


def test_stripe_accepts_any_matching_v1_among_several():
    raw = body(stripe_session_event("LN-1", 100))
    t = int(NOW.timestamp())
    good = stripe_header(raw, t).split("v1=")[1]
    event = stripe_parse(raw, f"t={t},v1={'0' * 64},v1={good}")
    assert event is not None


@pytest.mark.parametrize("skew", [301, -301, 3600])
def test_stripe_refuses_a_timestamp_outside_300_seconds(skew):
    raw = body(stripe_session_event("LN-1", 100))
    header = stripe_header(raw, int(NOW.timestamp()) - skew)
    with pytest.raises(CallbackRejected, match="tolerance"):
        stripe_parse(raw, header)


def test_stripe_accepts_a_timestamp_just_inside_the_tolerance():
    raw = body(stripe_session_event("LN-1", 100))
    assert stripe_parse(raw, stripe_header(raw, int(NOW.timestamp()) - 300)) is not None


@pytest.mark.parametrize(
    "header",
    ["", "t=1", "v1=abc", "garbage", "t=abc,v1=00"],
)
def test_stripe_refuses_a_missing_or_malformed_signature_header(header):
    with pytest.raises(CallbackRejected):
        stripe_parse(body(stripe_session_event("LN-1", 100)), header)


def test_stripe_refuses_a_forged_signature_or_a_tampered_body():
    raw = body(stripe_session_event("LN-1", 100))
    t = int(NOW.timestamp())
    with pytest.raises(CallbackRejected):
        stripe_parse(raw, stripe_header(raw, t, secret="whsec_someone_else"))
    with pytest.raises(CallbackRejected):
        stripe_parse(raw.replace(b"100", b"999"), stripe_header(raw, t))


def test_stripe_ignores_unpaid_sessions_and_other_event_types():
    t = int(NOW.timestamp())
    unpaid = body(stripe_session_event("LN-1", 100, payment_status="unpaid"))
    assert stripe_parse(unpaid, stripe_header(unpaid, t)) is None
    other = body({"id": "evt_2", "type": "customer.created", "data": {"object": {}}})
    assert stripe_parse(other, stripe_header(other, t)) is None
    later = body(stripe_session_event("LN-1", 100, kind="checkout.session.async_payment_succeeded"))
    assert stripe_parse(later, stripe_header(later, t)) is not None


def test_stripe_refuses_a_signed_body_that_is_not_an_event():
    t = int(NOW.timestamp())
    for raw in (b"not json", b"[1,2]", body({"type": "checkout.session.completed"})):
        with pytest.raises(CallbackRejected):
            stripe_parse(raw, stripe_header(raw, t))


def test_a_razorpay_link_payment_becomes_a_payment_event_in_rupees():
    raw = body(razorpay_paid_event("LN-9", 150075))
    event = RAZORPAY.parse_callback(raw, {"X-Razorpay-Signature": razorpay_signature(raw)}, NOW)
    assert event is not None
    assert (event.reference, event.loan_number, event.amount, event.currency) == (
        "pay_N1a2B3c4",
        "LN-9",
        Decimal("1500.75"),
        "INR",
    )


def test_razorpay_refuses_a_forged_or_missing_signature():
    raw = body(razorpay_paid_event("LN-9", 100))
    for headers in ({}, {"X-Razorpay-Signature": razorpay_signature(raw, "other")}):
        with pytest.raises(CallbackRejected):
            RAZORPAY.parse_callback(raw, headers, NOW)


def test_razorpay_ignores_other_events_and_parks_links_without_notes():
    raw = body({"event": "payment.authorized", "payload": {}})
    assert (
        RAZORPAY.parse_callback(raw, {"X-Razorpay-Signature": razorpay_signature(raw)}, NOW) is None
    )
    raw = body(razorpay_paid_event(None, 100))
    event = RAZORPAY.parse_callback(raw, {"X-Razorpay-Signature": razorpay_signature(raw)}, NOW)
    assert event is not None and event.loan_number is None


def test_mpesa_checks_the_token_and_the_allowlist():
    with pytest.raises(WrongToken):
        mpesa().check_caller("wrong", "196.201.214.200")
    mpesa().check_caller(MPESA_TOKEN, "10.0.0.1")  # no allowlist: any caller
    guarded = mpesa("196.201.214.0/24, 196.201.213.114")
    guarded.check_caller(MPESA_TOKEN, "196.201.214.200")
    guarded.check_caller(MPESA_TOKEN, "196.201.213.114")
    for outside in ("10.0.0.1", None, "not-an-address"):
        with pytest.raises(CallerNotAllowed):
            guarded.check_caller(MPESA_TOKEN, outside)


def test_a_c2b_confirmation_becomes_a_kes_payment_event_matched_loosely():
    event = mpesa().parse_callback(body(c2b_confirmation("ln 0001-23", "1500.00")), {}, NOW)
    assert event is not None
    assert (event.reference, event.loan_number, event.amount, event.currency) == (
        "RKTQDM7W6S",
        "ln 0001-23",
        Decimal("1500.00"),
        "KES",
    )
    assert event.fuzzy_loan_number and loan_key(event.loan_number or "") == "LN000123"


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "1.005", "NaN", "Infinity"])
def test_a_c2b_confirmation_with_a_bad_amount_is_refused(amount):
    with pytest.raises(CallbackRejected):
        mpesa().parse_callback(body(c2b_confirmation("LN1", amount)), {}, NOW)


def test_a_c2b_confirmation_without_a_transaction_id_is_refused():
    data = c2b_confirmation("LN1", "10")
    del data["TransID"]
    with pytest.raises(CallbackRejected):
        mpesa().parse_callback(body(data), {}, NOW)


def test_providers_are_offered_only_with_all_their_credentials():
    assert configured(Settings.from_env({"SECRET_KEY": "x" * 40})) == {}
    every = configured(Settings.from_env({"SECRET_KEY": "x" * 40, **PAYMENT_ENV}))
    assert set(every) == {"stripe", "mpesa", "razorpay"}
    partial = {**PAYMENT_ENV, "MPESA_PASSKEY": "", "RAZORPAY_WEBHOOK_SECRET": ""}
    assert set(configured(Settings.from_env({"SECRET_KEY": "x" * 40, **partial}))) == {"stripe"}


def test_a_malformed_allowlist_stops_the_start():
    with pytest.raises(SettingsError, match="MPESA_ALLOWED_IPS"):
        Settings.from_env({"SECRET_KEY": "x" * 40, "MPESA_ALLOWED_IPS": "196.201.214.0/24,nope"})


def test_stripe_amounts_go_in_the_currencys_minor_unit():
    from decimal import Decimal

    from outreach.payments.stripe_checkout import minor_units

    assert minor_units(Decimal("150.05"), "USD") == 15005
    assert minor_units(Decimal("1500"), "JPY") == 1500
