"""A payment file's row: each field checked under the loan book's rules, the first bad one named."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from outreach.integrations.file_drops.payments_file import parse_payment
from outreach.loan_import.rows import RowError

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
GOOD = {
    "loan_number": " LN-1 ",
    "amount": "120.50",
    "currency": "usd",
    "paid_at": "2026-11-24T10:00:00-05:00",
    "reference": "BANK-77",
    "note": "ignored",
}


def test_it_turns_a_good_row_into_a_file_payment_event():
    event = parse_payment(GOOD, NOW)
    assert (event.provider, event.reference, event.loan_number) == ("file", "BANK-77", "LN-1")
    assert (event.amount, event.currency) == (Decimal("120.50"), "USD")
    assert event.received_at == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("loan_number", "", "required"),
        ("amount", "0", "must be more than 0"),
        ("amount", "1e3", "not an amount"),
        ("amount", "-5.00", "must be zero or more"),
        ("amount", "١٢", "not an amount"),
        ("currency", "XTS", "not an ISO 4217 currency in use"),
        ("paid_at", "2026-11-24 10:00", "needs a time zone offset or Z"),
        ("paid_at", "2026-11-25T10:00:00Z", "in the future"),
        ("reference", "R" * 41, "at most 40 characters"),
        ("reference", "A\tB", "control character"),
    ],
)
def test_it_names_the_bad_field(field, value, problem):
    with pytest.raises(RowError) as caught:
        parse_payment({**GOOD, field: value}, NOW)
    assert caught.value.field == field
    assert problem in str(caught.value)
