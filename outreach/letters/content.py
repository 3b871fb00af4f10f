"""What a letter says: its variables from the loan, the borrower and an arrangement, rendered from
``templates/messages/<kind>/letter.<locale>.j2`` and laid out as a ``LetterPage``.

``Arrangement`` is the generic shape the arrangement confirmation renders from: a payment plan and
a promise to pay convert to it here (``from_plan``, ``from_promise``); a settlement (issue 17)
only needs to build one too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency

from outreach.campaigns.config import load_config
from outreach.config_files import ConfigError, load
from outreach.letters.pdf import LetterPage
from outreach.messaging.templates import render_letter
from outreach.models import Borrower, Loan, PaymentPlan, PromiseToPay
from outreach.settings import Settings

LABELS = {
    "plan": {"en": "payment plan", "es": "plan de pagos"},
    "promise": {"en": "promise to pay", "es": "compromiso de pago"},
    "settlement": {"en": "settlement", "es": "acuerdo de liquidación"},
}
FOOTER = {"en": "Reference {ref} · {address}", "es": "Referencia {ref} · {address}"}


@dataclass(frozen=True)
class ScheduleLine:
    amount: Decimal
    due: date


@dataclass(frozen=True)
class Arrangement:
    """Any agreed way to pay: what was agreed, when, and the payments it consists of."""

    kind: str  # plan | promise | settlement
    reference: str
    agreed_on: date
    currency: str
    schedule: tuple[ScheduleLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.schedule), Decimal("0"))


def from_plan(plan: PaymentPlan, currency: str) -> Arrangement:
    agreed = (plan.accepted_at or plan.created_at).date()
    lines = tuple(ScheduleLine(i.amount, i.due_date) for i in plan.instalments)
    return Arrangement("plan", f"plan #{plan.id}", agreed, currency, lines)


def from_promise(promise: PromiseToPay, loan: Loan) -> Arrangement:
    amount = promise.amount if promise.amount is not None else loan.past_due_amount
    line = ScheduleLine(amount, promise.promised_date)
    return Arrangement(
        "promise", f"promise #{promise.id}", promise.created_at.date(), loan.currency, (line,)
    )


def language(locale: str) -> str:
    lang = (locale or "en").replace("-", "_").split("_")[0]
    return lang if lang in ("en", "es") else "en"


def _babel(locale: str) -> str:
    return (locale or "en").replace("-", "_")


def money(amount: Decimal, currency: str, locale: str) -> str:
    return format_currency(amount, currency, locale=_babel(locale)).replace("\u00a0", " ")


def long_date(day: date, locale: str) -> str:
    return format_date(day, "long", locale=_babel(locale))


def remedy_days(country: str) -> int:
    table = load("letters.yaml").get("remedy_days") or {}
    entry = table.get(country.upper()) or table.get("default") or {}
    days = entry.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ConfigError(f"letters.yaml: remedy_days.{country}.days: must be a whole number >= 1")
    return days


def variables(
    settings: Settings,
    borrower: Borrower,
    loan: Loan,
    letter_date: date,
    arrangement: Arrangement | None = None,
) -> dict[str, Any]:
    loc = borrower.locale or "en"
    days = remedy_days(borrower.country)
    values: dict[str, Any] = {
        "lender": settings.lender_name,
        "name": borrower.full_name,
        "loan_ref": loan.loan_number,
        "country": borrower.country.upper(),
        "days_past_due": loan.days_past_due or 0,
        "balance": money(loan.outstanding, loan.currency, loc),
        "past_due": money(loan.past_due_amount, loan.currency, loc),
        "amount": money(loan.past_due_amount, loan.currency, loc),
        "remedy_days": days,
        "deadline": long_date(letter_date + timedelta(days=days), loc),
        "collector": load_config().collector_disclosure,
        "arrangement": None,
    }
    if arrangement is not None:
        values["arrangement"] = {
            "label": LABELS[arrangement.kind][language(loc)],
            "agreed_on": long_date(arrangement.agreed_on, loc),
            "total": money(arrangement.total, arrangement.currency, loc),
            "schedule": [
                {"amount": money(x.amount, arrangement.currency, loc), "due": long_date(x.due, loc)}
                for x in arrangement.schedule
            ],
        }
    return values


def compose(
    settings: Settings,
    kind: str,
    borrower: Borrower,
    loan: Loan,
    address: str,
    letter_date: date,
    arrangement: Arrangement | None = None,
) -> tuple[LetterPage, str]:
    """The page to print and the letter's full wording (kept with it)."""
    if kind == "arrangement_confirmation" and arrangement is None:
        raise ValueError("arrangement: an arrangement confirmation needs the arrangement")
    loc = borrower.locale or "en"
    parts = render_letter(
        kind, loc, **variables(settings, borrower, loan, letter_date, arrangement)
    )
    lines = tuple(x.strip() for x in address.replace(",", "\n").splitlines() if x.strip())
    when = long_date(letter_date, loc)
    footer = FOOTER[language(loc)].format(
        ref=loan.loan_number,
        address=load("letters.yaml").get("return_address", settings.lender_name),
    )
    page = LetterPage(
        lender=settings.lender_name,
        letter_date=when,
        recipient=(borrower.full_name, *lines),
        reference=loan.loan_number,
        subject=parts["subject"],
        body=parts["body"],
        footer=footer,
        created=letter_date,
    )
    text = "\n".join([when, borrower.full_name, *lines, "", parts["subject"], "", parts["body"]])
    return page, text
