"""Loan-book import: upsert borrowers, contact points and loans from CSV rows, set-based.

Rows are validated one by one (``loan_import_rows``), then written a chunk at a time in a few
queries, like the planner (``campaigns``): the borrowers, contact points and loans a chunk names
are read in three queries, the rows are applied in memory in file order, and the net changes go
out as bulk inserts and bulk updates by primary key (security review finding 12: 100,000 rows
took 8 minutes row by row; figures in docs/benchmarks.md).

Re-importing the same file changes nothing (values are compared before they are written). A bad
row is reported with its row number and field and skipped; good rows are kept. A loan number
is never moved to another borrower: a row naming another borrower's loan, or a loan number that
appears twice in one file, is refused (a third-party disclosure risk: the bot would tell one
borrower another's balance).

Balances are the lender's: ``outstanding`` and ``past_due_amount`` are written as the file says,
never adjusted for payments the product received (those may have lowered the mirrored figures
already, config/payments.yaml ``reduce_balance``): the lender's figure replaces ours, so a payment
the lender has posted is counted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from outreach import clock
from outreach.loan_import.book import BookError, LoanBook, open_book
from outreach.loan_import.groups import write_groups
from outreach.loan_import.rows import COLUMNS, REQUIRED, RowError, parse_row
from outreach.models import Borrower, ContactPoint, Loan

__all__ = [
    "CHUNK",
    "COLUMNS",
    "REQUIRED",
    "BookError",
    "ImportReport",
    "LoanBook",
    "RowError",
    "import_numbered",
    "import_rows",
    "open_book",
    "parse_row",
]

CHUNK = 2000  # rows per read-apply-write round (and per commit)
BORROWER_FIELDS = (
    "external_id",
    "full_name",
    "locale",
    "country",
    "region",
    "postal_code",
    "timezone",
    "date_of_birth",
)
LOAN_FIELDS = (
    "loan_number",
    "product",
    "currency",
    "principal",
    "outstanding",
    "past_due_amount",
    "days_past_due",
    "next_due_date",
    "next_due_amount",
    "status",
)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Chunk:
    """What one chunk found in the database and what it will write."""

    borrowers: dict[str, dict[str, Any]]  # external_id -> values (with "id" once stored)
    loans: dict[str, dict[str, Any]]  # loan_number -> values with "id" and "borrower_id"
    contacts: set[tuple[str, str, str]]  # (external_id, channel, address) known
    new_borrowers: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed_borrowers: set[str] = field(default_factory=set)
    new_contacts: list[dict[str, Any]] = field(default_factory=list)
    new_loans: list[dict[str, Any]] = field(default_factory=list)
    changed_loans: dict[int, dict[str, Any]] = field(default_factory=dict)


def import_rows(
    session: Session,
    rows: Iterable[dict[str | None, Any]],
    first_row_number: int = 2,
    *,
    now: datetime | None = None,
) -> Iterator[tuple[int, str, str | None]]:
    """Import rows, yielding (row number, outcome, error) for each; commits every chunk.

    The outcome is 'created' (a new borrower), 'updated' (anything new or changed), 'unchanged'
    or 'error' (then the error is ``field: problem``)."""
    return import_numbered(session, enumerate(rows, first_row_number), now=now)


def import_numbered(
    session: Session,
    numbered: Iterable[tuple[int, dict[str | None, Any]]],
    *,
    now: datetime | None = None,
    twice: str = "appears twice in this file (first in row {first}); one loan, one row",
) -> Iterator[tuple[int, str, str | None]]:
    """``import_rows`` for rows that carry their own numbers (the REST API numbers its items
    from 0 and says where a loan number came first with ``twice``)."""
    now = now or clock.now()
    first_seen: dict[str, int] = {}  # loan_number -> the row that brought it, across chunks
    numbered = iter(numbered)
    while chunk := list(islice(numbered, CHUNK)):
        results: dict[int, tuple[str, str | None]] = {}
        valid: list[tuple[int, dict[str, Any]]] = []
        for number, row in chunk:
            try:
                clean = parse_row(row, now)
            except RowError as exc:
                results[number] = ("error", str(exc))
                continue
            loan_number = clean["loan"]["loan_number"]
            if loan_number in first_seen:
                where = twice.format(first=first_seen[loan_number])
                results[number] = ("error", f"loan_number: {loan_number!r} {where}")
                continue
            first_seen[loan_number] = number
            valid.append((number, clean))
        results.update(_write(session, valid))
        write_groups(session, valid, results)
        session.commit()
        for number, _row in chunk:
            outcome, error = results[number]
            yield number, outcome, error


def _read(session: Session, valid: list[tuple[int, dict[str, Any]]]) -> _Chunk:
    """The chunk's borrowers, loans and contact points as they are stored: three queries."""
    external_ids = {clean["borrower"]["external_id"] for _, clean in valid}
    loan_numbers = [clean["loan"]["loan_number"] for _, clean in valid]
    borrower_cols = [getattr(Borrower, f) for f in ("id", *BORROWER_FIELDS)]
    borrowers = {
        r.external_id: dict(r._mapping)
        for r in session.execute(
            select(*borrower_cols).where(Borrower.external_id.in_(list(external_ids)))
        )
    }
    loan_cols = [getattr(Loan, f) for f in ("id", "borrower_id", *LOAN_FIELDS)]
    loans = {
        r.loan_number: dict(r._mapping)
        for r in session.execute(select(*loan_cols).where(Loan.loan_number.in_(loan_numbers)))
    }
    by_id = {b["id"]: ext for ext, b in borrowers.items()}
    contacts = {
        (by_id[bid], channel, address)
        for bid, channel, address in session.execute(
            select(ContactPoint.borrower_id, ContactPoint.channel, ContactPoint.address).where(
                ContactPoint.borrower_id.in_(list(by_id))
            )
        )
    }
    return _Chunk(borrowers, loans, contacts)


def _apply(state: _Chunk, clean: dict[str, Any]) -> str:
    """One row against the chunk's state, in memory; the outcome, or RowError (nothing applied)."""
    b, loan_values = clean["borrower"], clean["loan"]
    ext = b["external_id"]
    stored = state.borrowers.get(ext)
    loan = state.loans.get(loan_values["loan_number"])
    if loan is not None and (stored is None or loan["borrower_id"] != stored.get("id")):
        # Refused, not moved: the loan's owner stays as the lender's last good import left it.
        raise RowError(
            "loan_number",
            f"{loan_values['loan_number']!r} is another borrower's loan; a loan never moves "
            "between borrowers (check this row's external_id)",
        )
    outcome = "unchanged"
    if stored is None:
        state.borrowers[ext] = stored = dict(b)
        state.new_borrowers[ext] = stored
        outcome = "created"
    elif any(stored[k] != v for k, v in b.items()):
        stored.update(b)
        if ext not in state.new_borrowers:
            state.changed_borrowers.add(ext)
        outcome = "updated"
    for channel, address in clean["contacts"]:
        if (ext, channel, address) not in state.contacts:
            state.contacts.add((ext, channel, address))
            state.new_contacts.append(
                {
                    "external_id": ext,
                    "channel": channel,
                    "address": address,
                    "consent_source": clean["consent_source"],
                    "consent_at": clean["consent_at"],
                }
            )
            outcome = "updated" if outcome == "unchanged" else outcome
    if loan is None:
        state.new_loans.append(dict(loan_values, external_id=ext))
        outcome = "updated" if outcome == "unchanged" else outcome
    elif any(loan[k] != v for k, v in loan_values.items()):
        loan.update(loan_values)
        state.changed_loans[loan["id"]] = loan
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def _write(
    session: Session, valid: list[tuple[int, dict[str, Any]]]
) -> dict[int, tuple[str, str | None]]:
    """Apply a chunk's valid rows in file order, then write the net changes in bulk."""
    if not valid:
        return {}
    state = _read(session, valid)
    results: dict[int, tuple[str, str | None]] = {}
    for number, clean in valid:
        try:
            results[number] = (_apply(state, clean), None)
        except RowError as exc:
            results[number] = ("error", str(exc))
    if state.new_borrowers:
        session.execute(insert(Borrower), list(state.new_borrowers.values()))
        for ext, bid in session.execute(
            select(Borrower.external_id, Borrower.id).where(
                Borrower.external_id.in_(list(state.new_borrowers))
            )
        ):
            state.borrowers[ext]["id"] = bid
    if state.changed_borrowers:
        session.execute(
            update(Borrower),
            [
                {k: state.borrowers[ext][k] for k in ("id", *BORROWER_FIELDS)}
                for ext in state.changed_borrowers
            ],
        )
    if state.new_contacts:
        session.execute(
            insert(ContactPoint),
            [
                {
                    **_without(c, "external_id"),
                    "borrower_id": state.borrowers[c["external_id"]]["id"],
                }
                for c in state.new_contacts
            ],
        )
    if state.new_loans:
        session.execute(
            insert(Loan),
            [
                {
                    **_without(ln, "external_id"),
                    "borrower_id": state.borrowers[ln["external_id"]]["id"],
                }
                for ln in state.new_loans
            ],
        )
    if state.changed_loans:
        session.execute(
            update(Loan),
            [{k: loan[k] for k in ("id", *LOAN_FIELDS)} for loan in state.changed_loans.values()],
        )
    return results


def _without(values: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != key}
