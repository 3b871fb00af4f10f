"""The payment file of a file drop: one payment the lender received per row.

Columns (examples/README.md, "Payment files"): ``loan_number``, ``amount``, ``currency``,
``paid_at``, ``reference``; other columns are ignored. The file is read like a loan book
(``outreach.loan_import.book``: the same encodings, strict decoding, CSV errors naming the line)
and its cells under the loan book's rules for amounts and instants. Each good row becomes a
payment event of provider ``file`` with the row's reference, applied by
``outreach.payments.apply.apply_event`` like any provider's: idempotent by reference (a row seen
before changes nothing), parked for review when it names no loan we know or another currency.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from outreach.loan_import.rows import (
    RowError,
    amount_value,
    has_control,
    instant_value,
    money_currencies,
)
from outreach.payments.base import MAX_REFERENCE, PaymentEvent

PAYMENT_COLUMNS = ("loan_number", "amount", "currency", "paid_at", "reference")
PROVIDER = "file"
MAX_LOAN_NUMBER = 64
# A payment stamped a little ahead of our clock is a clock difference, not a future payment.
CLOCK_SKEW = timedelta(minutes=5)


def _cells(row: dict[str | None, Any]) -> dict[str, str]:
    out = {}
    for key, raw in row.items():
        name = key.strip() if key else ""
        if name in PAYMENT_COLUMNS:
            out[name] = raw.strip() if isinstance(raw, str) else ""
    for name in PAYMENT_COLUMNS:  # in column order: the first bad field is the one named
        value = out.get(name, "")
        if not value:
            raise RowError(name, "required")
        if has_control(value):
            raise RowError(name, "contains a control character (a line break, tab or similar)")
    return out


def parse_payment(row: dict[str | None, Any], now: datetime) -> PaymentEvent:
    """One payment row as a payment event; RowError naming the first bad field."""
    cells = _cells(row)
    if len(cells["loan_number"]) > MAX_LOAN_NUMBER:
        raise RowError("loan_number", f"at most {MAX_LOAN_NUMBER} characters")
    amount = amount_value(cells["amount"], "amount")
    if amount is None or amount <= 0:
        raise RowError("amount", "must be more than 0")
    currency = cells["currency"].upper()
    if currency not in money_currencies(now.date()):
        raise RowError("currency", f"not an ISO 4217 currency in use: {cells['currency']!r}")
    paid_at = instant_value(cells["paid_at"], "paid_at")
    assert paid_at is not None  # required above
    if paid_at > now + CLOCK_SKEW:
        raise RowError("paid_at", "in the future")
    reference = cells["reference"]
    if len(reference) > MAX_REFERENCE:
        raise RowError("reference", f"at most {MAX_REFERENCE} characters")
    return PaymentEvent(
        provider=PROVIDER,
        reference=reference,
        loan_number=cells["loan_number"],
        amount=amount,
        currency=currency,
        received_at=paid_at,
        raw={k: cells[k] for k in PAYMENT_COLUMNS},
    )
