"""Stripe Checkout: webhook signatures and the events that mean "paid".

Stripe signs ``"<t>.<raw body>"`` with the endpoint's secret (HMAC-SHA256) and sends
``Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`` (several ``v1`` while a secret is rolled:
any may match). A ``t`` more than ``TOLERANCE`` from now is refused, so a captured callback
cannot be replayed later. Paid: ``checkout.session.completed`` with ``payment_status`` "paid"
(card), or ``checkout.session.async_payment_succeeded`` (bank debits, paid later).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from outreach.payments.base import (
    CallbackRejected,
    NotInThisSlice,
    PaymentEvent,
    currency_code,
    dig,
    from_minor_units,
    json_object,
    loan_number,
    reference,
)

TOLERANCE_SECONDS = 300
PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` signature Stripe computes for ``body`` at ``timestamp``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _signature_parts(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise CallbackRejected("Stripe-Signature: needs t= and at least one v1=")
    return timestamp, candidates


class StripeCheckout:
    """The Stripe provider (callbacks; sessions are created by the payment page, later)."""

    name = "stripe"

    def __init__(self, api_key: str, webhook_secret: str, api_base: str = "") -> None:
        self.api_key, self.webhook_secret, self.api_base = api_key, webhook_secret, api_base

    def verify(self, body: bytes, header: str, now: datetime) -> None:
        """CallbackRejected unless ``header`` signs ``body`` within the tolerance of ``now``."""
        timestamp, candidates = _signature_parts(header)
        if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
            raise CallbackRejected("Stripe-Signature: timestamp outside the tolerance")
        expected = sign(self.webhook_secret, timestamp, body)
        if not any(hmac.compare_digest(expected, c) for c in candidates):
            raise CallbackRejected("Stripe-Signature: no signature matches")

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentEvent | None:
        self.verify(body, headers.get("Stripe-Signature", ""), now)
        event = json_object(body)
        kind = dig(event, "type")
        if kind not in PAID_EVENTS:
            return None
        session = dig(event, "data", "object")
        if kind == "checkout.session.completed" and dig(session, "payment_status") != "paid":
            return None  # an asynchronous method: async_payment_succeeded follows when paid
        currency = currency_code(dig(session, "currency"))
        metadata = session.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise CallbackRejected("body: metadata is not an object")
        return PaymentEvent(
            provider=self.name,
            reference=reference(dig(session, "payment_intent"), "payment_intent"),
            loan_number=loan_number(metadata.get("loan_number")),
            amount=from_minor_units(dig(session, "amount_total"), currency),
            currency=currency,
            received_at=now,
            raw=event,
        )

    def create_request(self, loan_number: str, amount: Decimal, currency: str) -> str:
        raise NotInThisSlice("Stripe Checkout sessions")

    def query_status(self, reference: str) -> str:
        raise NotInThisSlice("Stripe payment status")
