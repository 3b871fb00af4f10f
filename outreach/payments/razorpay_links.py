"""Razorpay Payment Links (UPI): creating one per click, webhook signatures, ``payment_link.paid``.

Links are created with the official ``razorpay`` package (``razorpay.Client``; its per-client
``base_url`` option is where ``RAZORPAY_API_BASE`` points it, tests at a fake): one per click on
our payment page, for the amount typed there, living ``LINK_LIFETIME`` from the click, so a
link left open cannot be paid later for an amount the borrower no longer owes. Its
``notes.loan_number`` (and ``notes.conversation_id``, the conversation that asked) is what the
webhook is matched by; Razorpay's own SMS, email and reminders are off (we send our own).
``upi_link`` (a UPI-only link) is set for INR with live keys: Razorpay's docs say UPI Payment
Links work only in live mode, so test keys get a Standard link (UPI among its methods).

Razorpay sends ``X-Razorpay-Signature``: the hex HMAC-SHA256 of the raw body with the webhook
secret. The loan is the link's ``notes.loan_number``; the amount is the payment's, in paise.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import razorpay
import requests
from razorpay.errors import BadRequestError, GatewayError, ServerError

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

PAID_EVENT = "payment_link.paid"
# Razorpay refuses an expire_by less than 15 minutes ahead; half an hour is enough to finish a
# UPI payment started from our page, and short enough that an abandoned link soon dies.
LINK_LIFETIME = timedelta(minutes=30)
TIMEOUT_SECONDS = 15  # the SDK sets none: a Razorpay that hangs must not hang our page
LIVE_KEY_PREFIX = "rzp_live_"


def sign(secret: str, body: bytes) -> str:
    """The signature Razorpay computes for ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PaymentLink:
    """A created Payment Link: its id and the Razorpay-hosted page the borrower pays on."""

    id: str
    short_url: str


class RazorpayError(RuntimeError):
    """Razorpay did not create the link (the page says so; nothing is stored)."""


def paise(amount: Decimal, currency: str) -> int:
    """``amount`` in the currency's smallest unit, as Razorpay takes it."""
    if currency.upper() in ZERO_DECIMAL:
        return int(amount)
    return int((amount * 100).to_integral_value())


def _conversation_id(value: object) -> int | None:
    """The conversation our link's notes name (a decimal string), else None."""
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 19 else None


class RazorpayLinks:
    """The Razorpay provider: Payment Links for our UPI page, and their callbacks."""

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
            conversation_id=_conversation_id(notes.get("conversation_id")),
        )

    def client(self) -> razorpay.Client:
        """A client of our own: ``base_url`` is an option of this instance, not a global."""
        options = {"base_url": self.api_base.rstrip("/")} if self.api_base else {}
        return razorpay.Client(auth=(self.key_id, self.key_secret), **options)

    def link_request(
        self,
        loan_number: str,
        amount: Decimal,
        currency: str,
        *,
        now: datetime,
        description: str,
        callback_url: str,
        contact: str | None = None,
        conversation_id: int | None = None,
    ) -> dict[str, Any]:
        """The create request Razorpay's Payment Links API takes (POST /v1/payment_links)."""
        notes = {"loan_number": loan_number}
        if conversation_id is not None:
            notes["conversation_id"] = str(conversation_id)
        data: dict[str, Any] = {
            "amount": paise(amount, currency),
            "currency": currency.upper(),
            "accept_partial": False,  # the amount was chosen on our page (partial allowed there)
            "expire_by": int((now + LINK_LIFETIME).timestamp()),
            "reference_id": secrets.token_hex(16),  # unique per link; Razorpay allows 40
            "description": description[:2048],
            "notify": {"sms": False, "email": False},  # we send our own messages
            "reminder_enable": False,
            "notes": notes,
            "callback_url": callback_url,
            "callback_method": "get",
        }
        if currency.upper() == "INR" and self.key_id.startswith(LIVE_KEY_PREFIX):
            data["upi_link"] = True
        if contact:
            data["customer"] = {"contact": contact}
        return data

    def create_link(
        self,
        loan_number: str,
        amount: Decimal,
        currency: str,
        *,
        now: datetime,
        description: str,
        callback_url: str,
        contact: str | None = None,
        conversation_id: int | None = None,
    ) -> PaymentLink:
        """A fresh Payment Link for paying ``amount`` on ``loan_number``; RazorpayError when
        Razorpay refuses it (its error's description) or cannot be reached."""
        data = self.link_request(
            loan_number,
            amount,
            currency,
            now=now,
            description=description,
            callback_url=callback_url,
            contact=contact,
            conversation_id=conversation_id,
        )
        client = self.client()
        try:
            made = client.payment_link.create(data, timeout=TIMEOUT_SECONDS)
        except (BadRequestError, GatewayError) as exc:
            raise RazorpayError(f"Razorpay refused the link: {exc or 'no reason given'}") from exc
        except ServerError as exc:
            raise RazorpayError(f"Razorpay failed: {exc or 'server error'}") from exc
        except (requests.RequestException, ValueError) as exc:  # down, timed out, not JSON
            raise RazorpayError(f"Razorpay unreachable: {exc.__class__.__name__}") from exc
        finally:
            client.session.close()
        return _created(made)


def _created(made: Any) -> PaymentLink:
    """The link Razorpay answered, checked: an id and an https page to send the borrower to."""
    if not isinstance(made, dict):
        raise RazorpayError("Razorpay: the answer is not a payment link")
    link_id, url = made.get("id"), made.get("short_url")
    if not isinstance(link_id, str) or not link_id.startswith("plink_"):
        raise RazorpayError("Razorpay: the answer has no payment link id")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise RazorpayError("Razorpay: the answer has no https short_url")
    return PaymentLink(link_id, url)
