"""A Fineract loan and its client as one loan-book row (the CSV import's columns).

Pure: JSON in, a row of text out, which ``outreach.loan_import`` then validates and upserts
with the same rules as a CSV file (so a Fineract client without a usable phone number is
refused the same way). Which Fineract field feeds which column:

| column | from |
|---|---|
| external_id | the client's ``externalId``, else ``fineract-client-<id>`` |
| full_name, phone, email, date_of_birth | ``displayName``, ``mobileNo``, ``emailAddress``, ``dateOfBirth`` |
| country, locale, timezone | ``FINERACT_COUNTRY``, ``FINERACT_LOCALE``, ``FINERACT_TIMEZONE`` (Fineract keeps none) |
| loan_number, product, currency, principal | ``accountNo``, ``loanProductName``, ``currency.code``, ``principal`` |
| outstanding, past_due_amount | ``summary.totalOutstanding``, ``summary.totalOverdue`` |
| days_past_due | ``delinquent.pastDueDays``, else days since ``summary.overdueSinceDate`` |
| next_due_date, next_due_amount | the first repayment period not complete that falls due today or later |
| status | active: ``delinquent`` when in arrears, else ``current``; closed, rescheduled or overpaid: ``paid``; written off or charged off: ``charged_off`` |

Loans not yet disbursed (submitted, approved), withdrawn or rejected are not collection work:
``loan_row`` answers None for them. Group loans (no client) are refused with ``Skip``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from outreach.integrations.fineract.client import fineract_date

ACTIVE = frozenset({300, 303, 304})  # active, transfer in progress, transfer on hold
PAID = frozenset({600, 602, 700})  # closed: obligations met, rescheduled; overpaid
WRITTEN_OFF = 601


class Skip(ValueError):
    """A Fineract loan the loan book cannot hold; the message says why."""


def _amount(value: Any) -> str:
    """A Fineract amount (Decimal from the client's JSON) as the loan book writes it."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    return format(amount, "f")


def _status(loan: dict[str, Any]) -> str | None:
    status = loan.get("status") or {}
    code = status.get("id")
    summary = loan.get("summary") or {}
    if code == WRITTEN_OFF or (code in ACTIVE and loan.get("chargedOff")):
        return "charged_off"
    if code in PAID:
        return "paid"
    if code in ACTIVE:
        overdue = Decimal(str(summary.get("totalOverdue") or 0))
        in_arrears = loan.get("inArrears", summary.get("inArrears"))
        return "delinquent" if in_arrears or overdue > 0 else "current"
    return None  # not disbursed, withdrawn, rejected: nothing to collect


def next_due(loan: dict[str, Any], today: date) -> tuple[date | None, str]:
    """The first repayment period still owing that falls due ``today`` or later, and what it
    asks (its ``totalOutstandingForPeriod``); (None, "") when there is none."""
    periods = (loan.get("repaymentSchedule") or {}).get("periods") or []
    for period in periods:
        if "period" not in period or period.get("complete"):
            continue  # the disbursement line has no period number
        due = fineract_date(period.get("dueDate"))
        owing = Decimal(str(period.get("totalOutstandingForPeriod") or 0))
        if due is not None and due >= today and owing > 0:
            return due, _amount(owing)
    return None, ""


def days_past_due(loan: dict[str, Any], today: date) -> str:
    delinquent = loan.get("delinquent") or {}
    if isinstance(delinquent.get("pastDueDays"), int):
        return str(max(delinquent["pastDueDays"], 0))
    since = fineract_date((loan.get("summary") or {}).get("overdueSinceDate"))
    return str(max((today - since).days, 0)) if since else "0"


def borrower_id(client: dict[str, Any]) -> str:
    """The borrower's ``external_id``: the lender's own id for the client when Fineract has one,
    so a borrower first imported from a CSV file is the same borrower here."""
    external = client.get("externalId")
    return str(external) if external else f"fineract-client-{client['id']}"


def loan_row(
    loan: dict[str, Any],
    client: dict[str, Any],
    *,
    country: str,
    locale: str,
    timezone: str,
    today: date,
) -> dict[str, str] | None:
    """The loan-book row for ``loan`` (with its schedule) and its ``client``; None for a loan
    that is no collection work."""
    status = _status(loan)
    if status is None:
        return None
    if not loan.get("clientId"):
        raise Skip("a group loan (no client): the loan book holds one borrower per loan")
    summary = loan.get("summary") or {}
    due_date, due_amount = (
        next_due(loan, today) if status in ("current", "delinquent") else (None, "")
    )
    name = (
        client.get("displayName")
        or client.get("fullname")
        or " ".join(part for part in (client.get("firstname"), client.get("lastname")) if part)
    )
    birth = fineract_date(client.get("dateOfBirth"))
    return {
        "external_id": borrower_id(client),
        "full_name": str(name or ""),
        "locale": locale,
        "country": country,
        "timezone": timezone,
        "date_of_birth": birth.isoformat() if birth else "",
        "phone": str(client.get("mobileNo") or ""),
        "email": str(client.get("emailAddress") or ""),
        "loan_number": str(loan.get("accountNo") or ""),
        "product": str(loan.get("loanProductName") or ""),
        "currency": str((loan.get("currency") or {}).get("code") or ""),
        "principal": _amount(loan.get("principal") or loan.get("approvedPrincipal")),
        "outstanding": _amount(summary.get("totalOutstanding") or 0),
        "past_due_amount": _amount(summary.get("totalOverdue") or 0),
        "days_past_due": days_past_due(loan, today) if status == "delinquent" else "0",
        "next_due_date": due_date.isoformat() if due_date else "",
        "next_due_amount": due_amount,
        "status": status,
    }
