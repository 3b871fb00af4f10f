"""Razorpay Payment Links (UPI and cards): webhook signatures and ``payment_link.paid``.

Razorpay sends ``X-Razorpay-Signature``: the hex HMAC-SHA256 of the raw body with the webhook
secret. The loan is the link's ``notes.loan_number``; the amount is the payment's, in paise.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from outreach.payments.base import (
    CallbackRejected,
    PaymentEvent,
    currency_code,
    dig,
    from_minor_units,
    json_object,
    loan_number,
    reference,
)

PAID_EVENT = "payment_link.paid"


def sign(secret: str, body: bytes) -> str:
    """The signature Razorpay computes for ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class RazorpayLinks:
    """The Razorpay provider (callbacks; links are created with the API client, later)."""

    name = "razorpay"

    def __init__(self, key_id: str, key_secret: str, webhook_secret: str, api_base: str = ""):
        self.key_id, self.key_secret = key_id, key_secret
        self.webhook_secret, self.api_base = webhook_secret, api_base

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentEvent | None:
        signature = headers.get("X-Razorpay-Signature", "")
        if not signature or not hmac.compare_digest(sign(self.webhook_secret, body), signature):
            raise CallbackRejected("X-Razorpay-Signature: does not match")
        event = json_object(body)
        if dig(event, "event") != PAID_EVENT:
            return None
        link = dig(event, "payload", "payment_link", "entity")
        payment = dig(event, "payload", "payment", "entity")
        notes = link.get("notes") or {}
        if not isinstance(notes, dict):  # Razorpay sends [] for a link without notes
            notes = {}
        currency = currency_code(dig(payment, "currency"))
        return PaymentEvent(
            provider=self.name,
            reference=reference(dig(payment, "id"), "payment.entity.id"),
            loan_number=loan_number(notes.get("loan_number")),
            amount=from_minor_units(dig(payment, "amount"), currency),
            currency=currency,
            received_at=now,
            raw=event,
        )
