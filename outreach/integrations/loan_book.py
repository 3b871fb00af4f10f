"""The loan book in as JSON: borrowers, contact points and loans upserted by the CSV import's
own code (``outreach.loan_import``), so the fields, the validation and the upsert rules are the
same ones (examples/README.md): one item per loan, borrowers by ``external_id``, contact points
by channel and address, loans by ``loan_number``, a loan never moved to another borrower.

An item is an object with the loan-book columns as members. Text columns take strings; the
amount and count columns take a string as the CSV has it or a JSON number (kept exact: the
body is parsed into Decimals, never floats); null or absent is an empty cell; other members are
ignored, as other CSV columns are. Each bad item is reported with the JSON pointer of its bad
field and skipped; good items are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from outreach.integrations.problems import FieldProblem, InvalidInput, pointer
from outreach.loan_import.rows import COLUMNS, MAX_AMOUNT
from outreach.loan_import.upsert import import_numbered

MAX_ITEMS = 10_000
NUMERIC = frozenset(
    {"principal", "outstanding", "past_due_amount", "next_due_amount", "days_past_due"}
)
# A JSON number past this many integer digits is refused before it is written out as text
# (1e999999999 would be a billion digits); every amount the columns hold is far smaller.
_MAX_DIGITS = len(str(int(MAX_AMOUNT)))


@dataclass
class ItemResult:
    index: int
    outcome: str  # created | updated | unchanged | rejected
    external_id: str | None = None
    loan_number: str | None = None
    errors: list[FieldProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "pointer": pointer("items", self.index),
            "outcome": self.outcome,
            "external_id": self.external_id,
            "loan_number": self.loan_number,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class UpsertReport:
    items: list[ItemResult]

    def summary(self) -> dict[str, int]:
        counts = {"received": len(self.items)}
        for outcome in ("created", "updated", "unchanged", "rejected"):
            counts[outcome] = sum(1 for r in self.items if r.outcome == outcome)
        return counts

    def errors(self) -> list[FieldProblem]:
        return [e for r in self.items for e in r.errors]


def _number_text(value: int | Decimal) -> str | None:
    """A JSON number as the CSV would write it, or None when it is too large to be an amount
    or a count (refused as such by ``parse_row``'s own words)."""
    if isinstance(value, Decimal):
        if not value.is_finite() or value.adjusted() >= _MAX_DIGITS + 3:
            return None
        return format(value, "f")
    return str(value) if len(str(abs(value))) <= _MAX_DIGITS + 3 else None


def _row(index: int, item: Any) -> tuple[dict[str | None, str] | None, list[FieldProblem]]:
    """One item as a CSV row (strings by column), or the type problems found in it."""
    if not isinstance(item, dict):
        return None, [FieldProblem(pointer("items", index), "must be an object")]
    row: dict[str | None, str] = {}
    problems = []
    for name in COLUMNS:
        value = item.get(name)
        where = pointer("items", index, name)
        if value is None:
            continue
        if isinstance(value, str):
            row[name] = value
        elif name in NUMERIC and isinstance(value, int | Decimal) and not isinstance(value, bool):
            text = _number_text(value)
            if text is None:
                problems.append(FieldProblem(where, f"at most {MAX_AMOUNT}"))
            else:
                row[name] = text
        elif name in NUMERIC:
            problems.append(FieldProblem(where, "must be a string or a number"))
        else:
            problems.append(FieldProblem(where, "must be a string"))
    return (None if problems else row), problems


def _text(item: Any, name: str) -> str | None:
    value = item.get(name) if isinstance(item, dict) else None
    return value.strip()[:64] if isinstance(value, str) else None


def upsert_items(session: Session, items: Any, now: datetime) -> UpsertReport:
    """Upsert every good item (committed a chunk at a time, like the CSV import) and report
    each item's outcome. InvalidInput when ``items`` itself is not a list of 1 to 10,000."""
    if not isinstance(items, list):
        raise InvalidInput([FieldProblem("/items", "required: an array of loan-book items")])
    if not 1 <= len(items) <= MAX_ITEMS:
        raise InvalidInput(
            [FieldProblem("/items", f"from 1 to {MAX_ITEMS:,} items (got {len(items):,})")]
        )
    results = [
        ItemResult(i, "rejected", _text(item, "external_id"), _text(item, "loan_number"))
        for i, item in enumerate(items)
    ]

    def good() -> Iterator[tuple[int, dict[str | None, Any]]]:
        for i, item in enumerate(items):
            row, problems = _row(i, item)
            if row is None:
                results[i].errors = problems
            else:
                yield i, row

    twice = "appears twice in this request (first at /items/{first}); one loan, one item"
    for index, outcome, error in import_numbered(session, good(), now=now, twice=twice):
        if error is None:
            results[index].outcome = outcome
            continue
        name, _, problem = error.partition(": ")
        results[index].errors = [FieldProblem(pointer("items", index, name), problem)]
    return UpsertReport(results)
