"""Loan-book import: upsert borrowers, contact points and loans from CSV rows.

Re-importing the same file changes nothing (values are compared before they are written). A bad
row is reported with its row number and field and skipped; good rows are kept.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Borrower, ContactPoint, Loan
from .models.loans import LOAN_STATUSES

COLUMNS = (
    "external_id",
    "full_name",
    "locale",
    "country",
    "region",
    "postal_code",
    "timezone",
    "date_of_birth",
    "phone",
    "whatsapp",
    "email",
    "consent_source",
    "consent_at",
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
REQUIRED = (
    "external_id",
    "full_name",
    "country",
    "loan_number",
    "product",
    "currency",
    "principal",
    "outstanding",
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RowError(ValueError):
    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _money(row: dict[str, str], name: str, required: bool = True) -> Decimal | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        if required:
            raise RowError(name, "required")
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RowError(name, f"not an amount: {raw!r}") from None
    if value < 0 or not value.is_finite():
        raise RowError(name, "must be zero or more")
    return value.quantize(Decimal("0.01"))


def _date(row: dict[str, str], name: str) -> date | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RowError(name, f"expected YYYY-MM-DD, got {raw!r}") from None


def _phone(row: dict[str, str], name: str, country: str) -> str | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        raise RowError(name, f"not a phone number: {raw!r}") from None
    if not phonenumbers.is_valid_number(number):
        raise RowError(name, f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_row(row: dict[str, str]) -> dict[str, Any]:
    """Validate one CSV row into clean values; raise RowError naming the first bad field."""
    row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
    for name in REQUIRED:
        if not row.get(name):
            raise RowError(name, "required")
    country = row["country"].upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise RowError("country", f"expected an ISO 3166 two-letter code, got {row['country']!r}")
    locale = row.get("locale") or "en"
    try:
        Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise RowError("locale", f"unknown locale {locale!r}") from None
    tz = row.get("timezone") or None
    if tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise RowError("timezone", f"unknown IANA zone {tz!r}") from None
    currency = row["currency"].upper()
    if get_currency_name(currency, locale="en") == currency:
        raise RowError("currency", f"unknown ISO 4217 currency {row['currency']!r}")
    email = row.get("email") or None
    if email and not EMAIL_RE.match(email):
        raise RowError("email", f"not an email address: {email!r}")
    status = row.get("status") or "current"
    if status not in LOAN_STATUSES:
        raise RowError("status", f"expected one of {', '.join(LOAN_STATUSES)}")
    dpd_raw = row.get("days_past_due") or "0"
    if not dpd_raw.isdigit():
        raise RowError("days_past_due", f"expected a whole number of days, got {dpd_raw!r}")
    consent_at = None
    if row.get("consent_at"):
        try:
            consent_at = datetime.fromisoformat(row["consent_at"].replace("Z", "+00:00"))
        except ValueError:
            raise RowError("consent_at", "expected an ISO-8601 instant") from None
        if consent_at.tzinfo is None:
            raise RowError("consent_at", "needs a time zone offset or Z")
        consent_at = consent_at.astimezone(UTC)
    return {
        "borrower": {
            "external_id": row["external_id"],
            "full_name": row["full_name"],
            "locale": locale,
            "country": country,
            "region": (row.get("region") or None),
            "postal_code": row.get("postal_code") or None,
            "timezone": tz,
            "date_of_birth": _date(row, "date_of_birth"),
        },
        "contacts": [
            (ch, addr)
            for ch, addr in (
                ("sms", _phone(row, "phone", country)),
                ("whatsapp", _phone(row, "whatsapp", country)),
                ("email", email.lower() if email else None),
            )
            if addr
        ],
        "consent_source": row.get("consent_source") or None,
        "consent_at": consent_at,
        "loan": {
            "loan_number": row["loan_number"],
            "product": row["product"],
            "currency": currency,
            "principal": _money(row, "principal"),
            "outstanding": _money(row, "outstanding"),
            "past_due_amount": _money(row, "past_due_amount", required=False) or Decimal("0.00"),
            "days_past_due": int(dpd_raw),
            "next_due_date": _date(row, "next_due_date"),
            "next_due_amount": _money(row, "next_due_amount", required=False),
            "status": status,
        },
    }


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def upsert(session: Session, clean: dict[str, Any]) -> str:
    """Write one validated row; returns 'created', 'updated' or 'unchanged'."""
    b = clean["borrower"]
    borrower = session.scalar(select(Borrower).where(Borrower.external_id == b["external_id"]))
    outcome = "unchanged"
    if borrower is None:
        borrower = Borrower(**b)
        session.add(borrower)
        session.flush()
        outcome = "created"
    elif _assign(borrower, b):
        outcome = "updated"
    for channel, address in clean["contacts"]:
        point = session.scalar(
            select(ContactPoint).where(
                ContactPoint.borrower_id == borrower.id,
                ContactPoint.channel == channel,
                ContactPoint.address == address,
            )
        )
        if point is None:
            session.add(
                ContactPoint(
                    borrower_id=borrower.id,
                    channel=channel,
                    address=address,
                    consent_source=clean["consent_source"],
                    consent_at=clean["consent_at"],
                )
            )
            outcome = "updated" if outcome == "unchanged" else outcome
    loan_values = dict(clean["loan"], borrower_id=borrower.id)
    loan = session.scalar(select(Loan).where(Loan.loan_number == loan_values["loan_number"]))
    if loan is None:
        session.add(Loan(**loan_values))
        outcome = "updated" if outcome == "unchanged" else outcome
    elif _assign(loan, loan_values) and outcome == "unchanged":
        outcome = "updated"
    return outcome


def import_rows(
    session: Session, rows: Iterable[dict[str, str]], first_row_number: int = 2
) -> Iterator[tuple[int, str, str | None]]:
    """Import rows one by one, yielding (row number, outcome, error); commits every 500 rows.

    The outcome is 'created', 'updated', 'unchanged' or 'error' (then the error names the field).
    """
    for offset, row in enumerate(rows):
        number = first_row_number + offset
        try:
            clean = parse_row(row)
            with session.begin_nested():
                outcome = upsert(session, clean)
        except RowError as exc:
            yield number, "error", str(exc)
            continue
        yield number, outcome, None
        if offset % 500 == 499:
            session.commit()
    session.commit()


def open_csv(path: str) -> tuple[csv.DictReader, Any]:
    handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - caller closes
    reader = csv.DictReader(handle)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        handle.close()
        raise RowError("header", "missing columns: " + ", ".join(missing))
    return reader, handle
