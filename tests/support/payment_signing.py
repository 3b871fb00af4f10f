"""Callbacks signed exactly as each provider signs them (computed here, not with our code)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

STRIPE_SECRET = "whsec_test_0123456789abcdef"
RAZORPAY_SECRET = "rzp_webhook_secret_test"
MPESA_TOKEN = "mpesa-callback-token-0123456789"

PAYMENT_ENV = {
    "STRIPE_API_KEY": "sk_test_123",
    "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
    "RAZORPAY_KEY_ID": "rzp_test_key",
    "RAZORPAY_KEY_SECRET": "rzp_test_secret",
    "RAZORPAY_WEBHOOK_SECRET": RAZORPAY_SECRET,
    "MPESA_CONSUMER_KEY": "ck",
    "MPESA_CONSUMER_SECRET": "cs",
    "MPESA_SHORTCODE": "600638",
    "MPESA_PASSKEY": "passkey",
    "MPESA_CALLBACK_TOKEN": MPESA_TOKEN,
}


def body(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def stripe_header(raw: bytes, timestamp: int, secret: str = STRIPE_SECRET) -> str:
    """Stripe: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def razorpay_signature(raw: bytes, secret: str = RAZORPAY_SECRET) -> str:
    """Razorpay: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def stripe_session_event(
    loan_number: str | None,
    amount_total: int,
    currency: str = "usd",
    *,
    intent: str = "pi_3OaBcDeFgHiJkLmN0aBcDeFg",
    kind: str = "checkout.session.completed",
    payment_status: str = "paid",
) -> dict[str, Any]:
    metadata = {"loan_number": loan_number} if loan_number else {}
    return {
        "id": "evt_1OaBcD",
        "object": "event",
        "type": kind,
        "data": {
            "object": {
                "id": "cs_test_a1b2c3",
                "object": "checkout.session",
                "amount_total": amount_total,
                "currency": currency,
                "metadata": metadata,
                "mode": "payment",
                "payment_intent": intent,
                "payment_status": payment_status,
            }
        },
    }


def razorpay_paid_event(
    loan_number: str | None, paise: int, currency: str = "INR", payment_id: str = "pay_N1a2B3c4"
) -> dict[str, Any]:
    return {
        "entity": "event",
        "event": "payment_link.paid",
        "contains": ["payment_link", "order", "payment"],
        "payload": {
            "payment_link": {
                "entity": {
                    "id": "plink_N1a2",
                    "amount": paise,
                    "currency": currency,
                    "notes": {"loan_number": loan_number} if loan_number else [],
                    "status": "paid",
                }
            },
            "payment": {
                "entity": {
                    "id": payment_id,
                    "amount": paise,
                    "currency": currency,
                    "method": "upi",
                    "status": "captured",
                }
            },
        },
    }


def c2b_confirmation(bill_ref: str, amount: str, trans_id: str = "RKTQDM7W6S") -> dict[str, Any]:
    return {
        "TransactionType": "Pay Bill",
        "TransID": trans_id,
        "TransTime": "20261124160000",
        "TransAmount": amount,
        "BusinessShortCode": "600638",
        "BillRefNumber": bill_ref,
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": "254708374149",
        "FirstName": "John",
    }
