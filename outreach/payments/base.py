"""The provider interface, the normalised payment event, and why a callback is refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

# The longest provider reference we accept (the payments row stores "<provider>:<reference>"
# in 64 characters); real ones are far shorter (pi_... 27, TransID 10, pay_... 18).
MAX_REFERENCE = 40
# Currencies without a minor unit (Stripe's list); every other one we serve has two decimals.
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)


class CallbackRejected(ValueError):
    """The callback is not authentic or not what the provider sends (answer 400; store nothing)."""


class WrongToken(LookupError):
    """An M-Pesa callback on a path without our secret token (answer 404)."""


class CallerNotAllowed(PermissionError):
    """An M-Pesa callback from outside ``MPESA_ALLOWED_IPS`` (answer 403)."""


@dataclass(frozen=True)
class PaymentEvent:
    """A confirmed payment as any provider reports it, normalised.

    ``loan_number`` is what the callback names (None when it names none): matching it to a loan
    is ``outreach.payments.apply``'s job, never the provider's. ``fuzzy_loan_number``: compare
    letters and digits only, without case (M-Pesa's typed account reference).
    ``conversation_id``: the conversation that asked for the payment, when the request came
    from one (the receipt goes there). ``park_reason``: the provider's own check found the
    payment does not match what the product asked for (an M-Pesa STK result with another amount
    or phone): it is parked for review with that reason, never applied."""

    provider: str
    reference: str
    loan_number: str | None
    amount: Decimal
    currency: str
    received_at: datetime
    raw: dict[str, Any] = field(default_factory=dict)
    fuzzy_loan_number: bool = False
    conversation_id: int | None = None
    park_reason: str | None = None


class PaymentProvider(Protocol):
    """What every provider offers: its callbacks verified and parsed. ``parse_callback`` answers
    None for an authentic callback the product ignores (another event type, a session not yet
    paid). Creating a payment is provider-specific (Stripe: ``StripeCheckout.create_session``;
    Razorpay: ``RazorpayLinks.create_link``;
    M-Pesa: ``outreach.payments.stk.start_stk_push``, whose result callback and status query are
    settled by ``outreach.payments.stk_settle`` against the stored request)."""

    name: str

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentEvent | None:
        """Verify a callback's authenticity and parse it; CallbackRejected if either fails."""
        ...


def from_minor_units(value: Any, currency: str) -> Decimal:
    """An integer amount in the currency's minor unit (cents, paise) as a Decimal."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CallbackRejected(f"amount: a positive integer of minor units, got {value!r}")
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    return Decimal(value).scaleb(-exponent)


def decimal_amount(value: Any) -> Decimal:
    """A decimal amount as a provider writes it ("100.00", 100): positive, at most 2 places."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise CallbackRejected(f"amount: not a number: {value!r}") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise CallbackRejected(f"amount: a positive amount with at most 2 decimals: {value!r}")
    return amount


def reference(value: Any, name: str) -> str:
    """A provider reference: a non-empty string of printable characters, bounded."""
    if not isinstance(value, str) or not value or len(value) > MAX_REFERENCE:
        raise CallbackRejected(f"{name}: expected a reference, got {value!r}")
    if not value.isprintable() or value.strip() != value:
        raise CallbackRejected(f"{name}: not a reference")
    return value


def currency_code(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        raise CallbackRejected(f"currency: expected an ISO 4217 code, got {value!r}")
    return value.upper()


def loan_number(value: Any) -> str | None:
    """The loan number a callback names, or None when it names none (parked for review)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise CallbackRejected("loan number: expected a string of at most 64 characters")
    return value.strip() or None


def dig(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...``, or CallbackRejected naming the missing part."""
    for i, key in enumerate(path):
        if not isinstance(data, dict) or key not in data:
            raise CallbackRejected(f"body: missing {'.'.join(path[: i + 1])}")
        data = data[key]
    return data


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or CallbackRejected."""
    import json

    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CallbackRejected("body: not JSON") from None
    if not isinstance(data, dict):
        raise CallbackRejected("body: not a JSON object")
    return data
