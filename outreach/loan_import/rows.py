"""One loan-book row, validated into clean values (the column reference: examples/README.md).

Every value is checked before anything is written: a bad one raises ``RowError`` naming the
field, never a traceback (security review findings 12 and 28). Text is checked for control
characters and against the column sizes in ``outreach.models``; amounts, counts and dates are
plain ASCII in documented ranges; countries are ISO 3166 and currencies real money.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import get_territory_currencies

from outreach import clock
from outreach.loan_import.errors import RowError
from outreach.loan_import.group_rows import GROUP_COLUMNS, GROUP_LENGTHS, parse_group
from outreach.models import Borrower, ContactPoint, Loan
from outreach.models.base import Money
from outreach.models.loans import LOAN_STATUSES
from outreach.policy.scenario import MAX_YEAR, MIN_YEAR
from outreach.policy.scenario import _iso_countries as iso_countries

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
    # A postal address for letters (issue 18), its lines separated by commas ("12 High Street,
    # Leeds, LS1 1AA"): letters pass the contact policy like any message, and need one.
    "postal_address",
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
    *GROUP_COLUMNS,
)
_COLUMN_SET = frozenset(COLUMNS)
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
# ASCII only: ``str.isdigit`` and ``Decimal`` accept "²" or Arabic-Indic digits (finding 12).
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_COUNT = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# C0/C1 controls (newline, tab, NUL, ESC...), Unicode line/paragraph separators and the bidi
# overrides that reorder how a name displays: never part of a name, number or code (finding 28).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Numeric(14, 2): the largest amount the money columns hold.
MAX_AMOUNT = Decimal(10) ** (Money.precision - Money.scale) - Decimal("0.01")
MAX_DAYS_PAST_DUE = 36_500  # a hundred years: anything larger is a data error
MIN_BIRTH_DATE = date(1900, 1, 1)
# Where each text column is stored, for its size (the email is a contact point's address).
_STORED_AS = {
    **{
        name: Borrower.__table__.c[name]
        for name in ("external_id", "full_name", "locale", "country", "region", "postal_code")
    },
    "timezone": Borrower.__table__.c.timezone,
    "phone": ContactPoint.__table__.c.address,
    "whatsapp": ContactPoint.__table__.c.address,
    "email": ContactPoint.__table__.c.address,
    "postal_address": ContactPoint.__table__.c.address,
    "consent_source": ContactPoint.__table__.c.consent_source,
    **{name: Loan.__table__.c[name] for name in ("loan_number", "product", "currency", "status")},
}
MAX_LENGTHS = {name: column.type.length for name, column in _STORED_AS.items()} | GROUP_LENGTHS
TEXT_LIMIT = 64  # other columns (amounts, dates, counts) are short by nature
# Codes whose own check below says more than "too long" (and implies the size).
_OWN_FORMAT = frozenset({"country", "currency", "status"})


def _postal_address(row: dict[str, str]) -> str | None:
    """The address with its lines (comma-separated) trimmed; a letter needs at least a street
    line and a town, so a lone word is refused rather than printed on an envelope."""
    raw = row.get("postal_address") or ""
    if not raw:
        return None
    lines = [part.strip() for part in raw.split(",") if part.strip()]
    if len(lines) < 2:
        raise RowError("postal_address", "expected at least two lines separated by commas")
    return ", ".join(lines)


def _clean(row: dict[str | None, Any]) -> dict[str, str]:
    """Stripped text per column, each free of control characters and within its column size."""
    out: dict[str, str] = {}
    for key, raw in row.items():
        name = key.strip() if key else ""
        if name in _COLUMN_SET:  # extra columns (and csv's overflow key) are ignored
            out[name] = raw.strip() if isinstance(raw, str) else ""
    if _CONTROL.search("".join(out.values())):  # one scan per row; then find the field
        name = next(n for n, v in out.items() if _CONTROL.search(v))
        raise RowError(name, "contains a control character (a line break, tab or similar)")
    for name, value in out.items():
        limit = MAX_LENGTHS.get(name, TEXT_LIMIT)
        if len(value) > limit and name not in _OWN_FORMAT:
            raise RowError(name, f"at most {limit} characters (got {len(value)})")
    return out


def _money(row: dict[str, str], name: str, required: bool = True) -> Decimal | None:
    raw = row.get(name, "")
    if not raw:
        if required:
            raise RowError(name, "required")
        return None
    if raw.startswith("-") and _AMOUNT.fullmatch(raw[1:]):
        raise RowError(name, "must be zero or more")
    if not _AMOUNT.fullmatch(raw):
        raise RowError(name, f"not an amount (like 1234.50): {raw!r}")
    value = Decimal(raw)
    # Compared before rounding: quantize itself fails past 28 digits ("1e30" was a traceback).
    if value > MAX_AMOUNT or (value := value.quantize(Decimal("0.01"))) > MAX_AMOUNT:
        raise RowError(name, f"at most {MAX_AMOUNT}")
    return value


def amount_value(raw: str, name: str) -> Decimal | None:
    """An amount cell under the loan book's rules (ASCII digits, at most two decimals' worth,
    no sign or exponent), for other files read the same way; None when empty."""
    return _money({name: raw.strip()}, name, required=False)


def instant_value(raw: str, name: str) -> datetime | None:
    """An ISO-8601 instant cell under the loan book's rules (with an offset or Z), in UTC."""
    return _instant({name: raw.strip()}, name)


def has_control(value: str) -> bool:
    """Whether ``value`` holds a character no name, number or code may (finding 28)."""
    return bool(_CONTROL.search(value))


def _date(row: dict[str, str], name: str, earliest: date, latest: date) -> date | None:
    raw = row.get(name, "")
    if not raw:
        return None
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError
        value = date.fromisoformat(raw)
    except ValueError:
        raise RowError(name, f"expected YYYY-MM-DD, got {raw!r}") from None
    if not earliest <= value <= latest:
        raise RowError(name, f"must be between {earliest} and {latest}")
    return value


@lru_cache(maxsize=8192)
def _e164(raw: str, country: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone(row: dict[str, str], name: str, country: str) -> str | None:
    raw = row.get(name, "")
    if not raw:
        return None
    number = _e164(raw, country)
    if number is None:
        raise RowError(name, f"not a phone number: {raw!r}")
    if not number:
        raise RowError(name, f"not a valid phone number: {raw!r}")
    return number


@lru_cache(maxsize=256)
def _known_locale(value: str) -> bool:
    try:
        Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


@lru_cache(maxsize=1024)
def _known_zone(value: str) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=16)
def money_currencies(on: date) -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere on ``on`` (CLDR, through Babel): real
    money only, so XXX (no currency), XTS (testing), metals, SDRs and fund codes are refused."""
    territories = get_global("territory_currencies")
    return frozenset(
        code
        for territory in territories
        for code in get_territory_currencies(territory, start_date=on, end_date=on, tender=True)
    )


def _latest_today(now: datetime) -> date:
    # The calendar date somewhere on Earth at ``now`` (UTC+14 is the furthest ahead), so a
    # borrower born "today" in their own zone is not refused while a future date is.
    return (now.astimezone(UTC) + timedelta(hours=14)).date()


def parse_row(row: dict[str | None, Any], now: datetime | None = None) -> dict[str, Any]:
    """Validate one CSV row into clean values; raise RowError naming the first bad field.

    ``now`` (default: the clock) bounds the date of birth and picks the currencies in use."""
    now = now or clock.now()
    row = _clean(row)
    for name in REQUIRED:
        if not row.get(name):
            raise RowError(name, "required")
    country = row["country"].upper()
    if country not in iso_countries():
        hint = " (the code for the United Kingdom is GB)" if country == "UK" else ""
        raise RowError(
            "country", f"expected an ISO 3166 two-letter code, got {row['country']!r}{hint}"
        )
    locale = row.get("locale") or "en"
    if not _known_locale(locale):
        raise RowError("locale", f"unknown locale {locale!r}")
    tz = row.get("timezone") or None
    if tz and not _known_zone(tz):
        raise RowError("timezone", f"unknown IANA zone {tz!r}")
    currency = row["currency"].upper()
    if currency not in money_currencies(now.date()):
        raise RowError("currency", f"not an ISO 4217 currency in use: {row['currency']!r}")
    email = row.get("email") or None
    if email and not EMAIL_RE.match(email):
        raise RowError("email", f"not an email address: {email!r}")
    status = row.get("status") or "current"
    if status not in LOAN_STATUSES:
        raise RowError("status", f"expected one of {', '.join(LOAN_STATUSES)}")
    dpd_raw = row.get("days_past_due") or "0"
    if not _COUNT.fullmatch(dpd_raw) or int(dpd_raw) > MAX_DAYS_PAST_DUE:
        raise RowError(
            "days_past_due", f"expected a whole number of days from 0 to {MAX_DAYS_PAST_DUE}"
        )
    consent_at = _instant(row, "consent_at")
    return {
        "borrower": {
            "external_id": row["external_id"],
            "full_name": row["full_name"],
            "locale": locale,
            "country": country,
            "region": row.get("region") or None,
            "postal_code": row.get("postal_code") or None,
            "timezone": tz,
            "date_of_birth": _date(row, "date_of_birth", MIN_BIRTH_DATE, _latest_today(now)),
        },
        "contacts": [
            (ch, addr)
            for ch, addr in (
                ("sms", _phone(row, "phone", country)),
                ("whatsapp", _phone(row, "whatsapp", country)),
                ("email", email.lower() if email else None),
                ("letter", _postal_address(row)),
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
            "next_due_date": _date(
                row, "next_due_date", date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
            ),
            "next_due_amount": _money(row, "next_due_amount", required=False),
            "status": status,
        },
        "group": parse_group(row),
    }


def _instant(row: dict[str, str], name: str) -> datetime | None:
    raw = row.get(name, "")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(name, "expected an ISO-8601 instant") from None
    if value.tzinfo is None:
        raise RowError(name, "needs a time zone offset or Z")
    if not MIN_YEAR <= value.year <= MAX_YEAR:  # also keeps astimezone from overflowing
        raise RowError(name, f"must be between {MIN_YEAR} and {MAX_YEAR}")
    return value.astimezone(UTC)
