"""What a dropped file holds, told by its header, and processing it row by row.

A file whose header has the loan book's required columns is a loan book: its rows go through
``outreach.loan_import`` (the CSV import's validation and upsert). One with the payment file's
columns (``payments_file``) is a payment file: each row is applied through
``outreach.payments.apply.apply_event``. Anything else, or a file that does not decode or parse
as CSV, is broken. A bad row is reported and skipped; the good rows are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from outreach.channels import Channels
from outreach.integrations.file_drops import results
from outreach.integrations.file_drops.payments_file import PAYMENT_COLUMNS, parse_payment
from outreach.loan_import.upsert import (
    REQUIRED,
    BookError,
    LoanBook,
    RowError,
    import_rows,
    open_book,
)
from outreach.payments.apply import apply_event
from outreach.settings import Settings

REVIEW_FIELDS = {"currency": "currency"}  # every other review reason is about the loan number
REVIEW_WHY = {
    "unknown_loan": "kept for review: no loan with this number",
    "ambiguous_loan": "kept for review: more than one loan matches this number",
    "no_loan_number": "kept for review: no loan number",
    "currency": "kept for review: not the loan's currency",
}
# progress(file name, rows) -> a context giving advance(n): the CLI's progress bar.
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


def process_file(
    session: Session,
    path: Path,
    name: str,
    settings: Settings,
    channels: Channels,
    now: datetime,
    progress: Progress | None,
) -> tuple[str, dict[str, int], list[list[Any]]]:
    """(kind, totals, problems) for one file's snapshot at ``path``."""
    try:
        book = open_book(path, required=())
    except BookError as exc:
        # The message names our temporary copy: name the lender's file instead.
        why = str(exc).replace(str(path), name)
        return "broken", {"rows": 0}, [[None, "file", why]]
    columns = set(book.header)
    bar = progress(name, book.total) if progress else nullcontext(lambda n: None)
    if all(c in columns for c in REQUIRED):
        with bar as advance:
            totals, problems = _loan_book(session, book, now, advance)
        return "loan_book", totals, problems
    if all(c in columns for c in PAYMENT_COLUMNS):
        with bar as advance:
            totals, problems = _payments(session, book, settings, channels, now, advance)
        return "payments", totals, problems
    why = (
        "neither a loan book nor a payment file: a loan book needs the columns "
        f"{', '.join(REQUIRED)}; a payment file needs {', '.join(PAYMENT_COLUMNS)}"
    )
    return "broken", {"rows": 0}, [[1, "header", why]]


def _loan_book(
    session: Session, book: LoanBook, now: datetime, advance: Callable[[int], None]
) -> tuple[dict[str, int], list[list[Any]]]:
    totals = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    problems: list[list[Any]] = []
    for number, outcome, error in import_rows(session, book.rows(), now=now):
        totals["rows"] += 1
        if error:
            totals["rejected"] += 1
            problems.append([number, *results.split_error(error)])
        else:
            totals[outcome] += 1
        advance(1)
    return totals, problems


def _payments(
    session: Session,
    book: LoanBook,
    settings: Settings,
    channels: Channels,
    now: datetime,
    advance: Callable[[int], None],
) -> tuple[dict[str, int], list[list[Any]]]:
    totals = {"rows": 0, "applied": 0, "duplicate": 0, "review": 0, "rejected": 0}
    problems: list[list[Any]] = []
    for number, row in enumerate(book.rows(), 2):
        totals["rows"] += 1
        advance(1)
        try:
            event = parse_payment(row, now)
        except RowError as exc:
            totals["rejected"] += 1
            problems.append([number, exc.field, results.split_error(str(exc))[1]])
            continue
        outcome = apply_event(session, event, now, settings=settings, channels=channels)
        totals[outcome.status] += 1
        if outcome.status == "review":
            reason = outcome.reason or "unknown_loan"
            problems.append(
                [number, REVIEW_FIELDS.get(reason, "loan_number"), REVIEW_WHY.get(reason, reason)]
            )
    return totals, problems
