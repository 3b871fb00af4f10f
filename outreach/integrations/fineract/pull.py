"""Pulling the loan book from Fineract: clients, loans, repayment schedules and arrears.

``pull`` pages ``GET /clients`` and ``GET /loans`` (``offset``/``limit``, ordered by id), reads
each loan again with ``associations=repaymentSchedule`` (Fineract's list never carries the
schedule, whatever ``associations`` it is given), maps it to a loan-book row
(``mapping.loan_row``) and upserts the rows a page at a time through the CSV import's own code
(``outreach.loan_import``): same validation, same refusals, and a second pull of an unchanged
book changes nothing. Each page is committed as it is imported, so a Fineract that goes down
half-way keeps what came before; the next run starts again from the first page.

``refresh_loan`` does the same for one loan (a hook said it changed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.integrations.fineract.client import FineractClient
from outreach.integrations.fineract.mapping import Skip, loan_row
from outreach.loan_import.upsert import import_rows
from outreach.models import FineractLoan, Loan
from outreach.settings import Settings

# The client fields a loan row needs (the rest of each client is not kept in memory).
CLIENT_FIELDS = (
    "id",
    "externalId",
    "displayName",
    "fullname",
    "firstname",
    "lastname",
    "mobileNo",
    "emailAddress",
    "dateOfBirth",
)


@dataclass
class PullReport:
    loans: int = 0  # seen in Fineract
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # not collection work (not disbursed, withdrawn, rejected)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (loan, "field: problem")

    def summary(self) -> str:
        return (
            f"{self.loans} Fineract loans: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} not collection work, "
            f"{len(self.errors)} rejected"
        )


def _today(settings: Settings, now: datetime) -> date:
    """The lender's date (``FINERACT_TIMEZONE``, else UTC): what "falls due today" counts from."""
    return now.astimezone(ZoneInfo(settings.fineract_timezone or "UTC")).date()


def _import(
    session: Session,
    batch: list[tuple[dict[str, Any], dict[str, str]]],
    report: PullReport,
    now: datetime,
) -> None:
    """Upsert one page of rows through the loan import, then link each imported loan."""
    if not batch:
        return
    outcomes = import_rows(session, [row for _, row in batch], first_row_number=0, now=now)
    kept: dict[str, dict[str, Any]] = {}
    for number, outcome, error in outcomes:
        loan, row = batch[number]
        if error:
            report.errors.append((_label(loan), error))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        kept[row["loan_number"]] = loan
    if kept:
        ids = dict(
            session.execute(select(Loan.loan_number, Loan.id).where(Loan.loan_number.in_(kept)))
            .tuples()
            .all()
        )
        for number, loan in kept.items():
            link(session, ids[number], int(loan["id"]), int(loan["clientId"]), now)
        session.commit()


def _label(loan: dict[str, Any]) -> str:
    return f"loan {loan.get('accountNo') or '?'} (Fineract id {loan.get('id')})"


def link(
    session: Session, loan_id: int, fineract_loan_id: int, fineract_client_id: int, now: datetime
) -> FineractLoan:
    """Our loan <-> Fineract's, kept current (a loan re-linked in Fineract moves its link)."""
    row = session.scalar(
        select(FineractLoan).where(FineractLoan.fineract_loan_id == fineract_loan_id)
    ) or session.scalar(select(FineractLoan).where(FineractLoan.loan_id == loan_id))
    if row is None:
        row = FineractLoan(
            loan_id=loan_id,
            fineract_loan_id=fineract_loan_id,
            fineract_client_id=fineract_client_id,
        )
        session.add(row)
    row.loan_id, row.fineract_loan_id = loan_id, fineract_loan_id
    row.fineract_client_id, row.pulled_at = fineract_client_id, now
    session.flush()
    return row


def _row(
    loan: dict[str, Any], client: dict[str, Any], settings: Settings, now: datetime
) -> dict[str, str] | None:
    return loan_row(
        loan,
        client,
        country=settings.fineract_country.upper(),
        locale=settings.fineract_locale,
        timezone=settings.fineract_timezone,
        today=_today(settings, now),
    )


def pull(
    session: Session,
    fineract: FineractClient,
    settings: Settings,
    now: datetime,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> PullReport:
    """Pull the whole book (see the module docstring). ``progress(done, total)`` after each
    loan. Raises FineractUnavailable (pages already imported stay imported)."""
    clients: dict[int, dict[str, Any]] = {}
    for page in fineract.pages("/clients"):
        for item in page.items:
            clients[int(item["id"])] = {k: item.get(k) for k in CLIENT_FIELDS}
    report = PullReport()
    for page in fineract.pages("/loans"):
        batch: list[tuple[dict[str, Any], dict[str, str]]] = []
        for item in page.items:
            report.loans += 1
            row = _pull_one(fineract, clients, item, settings, now, report)
            if row is not None:
                batch.append(row)
            if progress:
                progress(report.loans, page.total)
        _import(session, batch, report, now)
    return report


def _pull_one(
    fineract: FineractClient,
    clients: dict[int, dict[str, Any]],
    item: dict[str, Any],
    settings: Settings,
    now: datetime,
    report: PullReport,
) -> tuple[dict[str, Any], dict[str, str]] | None:
    try:
        if (item.get("status") or {}).get("id") not in (300, 303, 304, 600, 601, 602, 700):
            report.skipped += 1  # not worth a second request: never collection work
            return None
        loan = fineract.loan(int(item["id"]))
        client_id = loan.get("clientId")
        if client_id and int(client_id) not in clients:
            clients[int(client_id)] = fineract.client(int(client_id))
        row = _row(loan, clients.get(int(client_id or 0), {}), settings, now)
    except (Skip, ValueError, KeyError, TypeError) as exc:
        report.errors.append((_label(item), f"loan: {exc}"))
        return None
    if row is None:
        report.skipped += 1
        return None
    return loan, row


def refresh_loan(
    session: Session,
    fineract: FineractClient,
    settings: Settings,
    fineract_loan_id: int,
    now: datetime,
) -> Loan | None:
    """Read one Fineract loan (and its client) again and upsert it; our loan, or None when it
    is no collection work. Raises FineractUnavailable, FineractRefused, or ValueError with the
    loan import's error."""
    loan = fineract.loan(fineract_loan_id)
    client = fineract.client(int(loan["clientId"])) if loan.get("clientId") else {}
    try:
        row = _row(loan, client, settings, now)
    except Skip as exc:
        raise ValueError(f"{_label(loan)}: {exc}") from None
    if row is None:
        return None
    report = PullReport()
    _import(session, [(loan, row)], report, now)
    if report.errors:
        raise ValueError(f"{report.errors[0][0]}: {report.errors[0][1]}")
    return session.scalar(select(Loan).where(Loan.loan_number == row["loan_number"]))
