"""marshmallow fields for the API's inputs, each refusing what the database or the money
columns cannot hold with words that name the rule (the loan book's rules where they overlap).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import marshmallow as ma

from outreach.integrations.problems import CONTROL
from outreach.loan_import.rows import MAX_AMOUNT
from outreach.policy.scenario import MAX_YEAR, MIN_YEAR

_AMOUNT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")


class Text(ma.fields.String):
    """A string without control characters, stripped, from 1 to ``max_length`` characters."""

    def __init__(self, max_length: int, **kwargs: Any) -> None:
        self.max_length = max_length
        kwargs.setdefault("validate", ma.validate.Length(min=1, max=max_length))
        metadata = {"pattern": r"^[^\u0000-\u001f\u007f-\u009f]*$", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL.search(text):
            raise ma.ValidationError("contains a control character (a line break, tab or similar)")
        text = text.strip()
        if not text:
            raise ma.ValidationError("must not be blank")
        return text


class Amount(ma.fields.Field):
    """Money: a decimal string (``"125.50"``) or a JSON number, more than zero, at most two
    decimals and at most 999999999999.99 (what the money columns hold). Kept exact."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": ["string", "number"],
            "description": 'more than 0, at most 2 decimals, e.g. "125.50"',
            "examples": ["125.50"],
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise ma.ValidationError('an amount as a string ("125.50") or a number')
        if isinstance(value, str):
            if not _AMOUNT.fullmatch(value):
                raise ma.ValidationError(
                    f"an amount in ASCII digits with at most 2 decimals, like 125.50: {value[:40]!r}"
                )
            amount = Decimal(value)
        else:
            try:
                amount = Decimal(value)
                if not amount.is_finite() or amount.adjusted() > 12:
                    raise InvalidOperation
                if amount != amount.quantize(Decimal("0.01")):
                    raise ma.ValidationError("at most 2 decimals")
            except InvalidOperation:
                raise ma.ValidationError(f"at most {MAX_AMOUNT}") from None
        if amount <= 0:
            raise ma.ValidationError("must be more than 0")
        if amount > MAX_AMOUNT:
            raise ma.ValidationError(f"at most {MAX_AMOUNT}")
        return amount.quantize(Decimal("0.01"))


class Instant(ma.fields.Field):
    """An ISO-8601 instant with ``Z`` or an offset, years 1900 to 2200; aware UTC."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "date-time", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise ma.ValidationError("an ISO-8601 instant, e.g. 2026-05-04T12:30:00Z")
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ma.ValidationError("an ISO-8601 instant, e.g. 2026-05-04T12:30:00Z") from None
        if at.tzinfo is None:
            raise ma.ValidationError("needs Z or an offset (+02:00)")
        if not MIN_YEAR <= at.year <= MAX_YEAR:
            raise ma.ValidationError(f"years {MIN_YEAR} to {MAX_YEAR}")
        return at.astimezone(UTC)


def money_out(**kwargs: Any) -> ma.fields.String:
    """An amount in an answer: a decimal string."""
    metadata = {"examples": ["125.50"], **kwargs.pop("metadata", {})}
    return ma.fields.String(metadata=metadata, **kwargs)
