"""Posting provider callbacks to the app, signed as the providers sign them."""

from __future__ import annotations

from typing import Any

from tests.support.payment_signing import (
    MPESA_TOKEN,
    body,
    razorpay_signature,
    stripe_header,
)


def post_stripe(client, clock, event: dict[str, Any], *, skew: int = 0, header: str | None = None):
    raw = body(event)
    signed = (
        header if header is not None else stripe_header(raw, int(clock.now().timestamp()) + skew)
    )
    return client.post(
        "/webhooks/payments/stripe",
        data=raw,
        content_type="application/json",
        headers={"Stripe-Signature": signed},
    )


def post_razorpay(client, event: dict[str, Any], *, signature: str | None = None):
    raw = body(event)
    return client.post(
        "/webhooks/payments/razorpay",
        data=raw,
        content_type="application/json",
        headers={"X-Razorpay-Signature": signature or razorpay_signature(raw)},
    )


def post_c2b(client, data: dict[str, Any], *, token: str = MPESA_TOKEN, remote: str = "127.0.0.1"):
    return client.post(
        f"/webhooks/payments/mpesa/{token}/c2b",
        data=body(data),
        content_type="application/json",
        environ_base={"REMOTE_ADDR": remote},
    )
