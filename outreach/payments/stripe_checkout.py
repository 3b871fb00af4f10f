"""Stripe Checkout: webhook signatures and the events that mean "paid".

Stripe signs ``"<t>.<raw body>"`` with the endpoint's secret (HMAC-SHA256) and sends
``Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`` (several ``v1`` while a secret is rolled:
any may match). A ``t`` more than ``TOLERANCE`` from now is refused, so a captured callback
cannot be replayed later. Paid: ``checkout.session.completed`` with ``payment_status`` "paid"
(card), or ``checkout.session.async_payment_succeeded`` (bank debits, paid later).

Sessions are created with the official ``stripe`` package (``StripeClient``; ``STRIPE_API_BASE``
points it elsewhere, tests at a fake): one per click on our payment page, because a message's
link is opened days later and a session expires. Its ``metadata`` names the loan (and the
conversation that asked), which is what the callback is matched by.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import stripe

from outreach.payments.base import (
    ZERO_DECIMAL,
    CallbackRejected,
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


@dataclass(frozen=True)
class CheckoutSession:
    """A created Checkout Session: its id and the Stripe-hosted page the borrower pays on."""

    id: str
    url: str


class StripeError(RuntimeError):
    """Stripe did not create the session (the page says so; nothing is stored)."""


def minor_units(amount: Decimal, currency: str) -> int:
    """``amount`` in the currency's minor unit, as Stripe takes it."""
    return int(amount if currency.upper() in ZERO_DECIMAL else (amount * 100).to_integral_value())


def _conversation_id(value: object) -> int | None:
    """The conversation our session's metadata names (a decimal string), else None."""
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 19 else None


class StripeCheckout:
    """The Stripe provider: Checkout Sessions for our card page, and their callbacks."""

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
            conversation_id=_conversation_id(metadata.get("conversation_id")),
        )

    def client(self) -> stripe.StripeClient:
        base = {"api": self.api_base.rstrip("/")} if self.api_base else None
        return stripe.StripeClient(self.api_key, base_addresses=base, max_network_retries=2)

    def create_session(
        self,
        loan_number: str,
        amount: Decimal,
        currency: str,
        *,
        description: str,
        success_url: str,
        cancel_url: str,
        conversation_id: int | None = None,
        locale: str = "auto",
    ) -> CheckoutSession:
        """A fresh Checkout Session for paying ``amount`` on ``loan_number``."""
        metadata = {"loan_number": loan_number}
        if conversation_id is not None:
            metadata["conversation_id"] = str(conversation_id)
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": minor_units(amount, currency),
                        "product_data": {"name": description},
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "client_reference_id": loan_number,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": locale,
        }
        try:
            session = self.client().v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]
        except stripe.StripeError as exc:
            raise StripeError(f"Stripe: {exc.user_message or exc.__class__.__name__}") from exc
        if not session.url:
            raise StripeError("Stripe: the session has no url")
        return CheckoutSession(session.id, session.url)
