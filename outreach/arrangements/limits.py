"""Instalment plan limits: what a plan may be, how a proposal measures up, counter-offers.

Pure (no database): the contract used by the bot (``outreach.selfservice.plans``), the officers'
console and :mod:`outreach.arrangements.agreements`, which stores what was agreed:

* ``limits_for(loan)``: the limits from config/plans.yaml for the loan's product and
  days-past-due bucket, with the amount a plan must cover (``owed``).
* ``evaluate_proposal(loan, terms, today)``: a ``PlanQuote`` naming every violated limit and,
  when outside the limits, the closest terms within them (same frequency if allowed, the
  borrower's instalment amount raised only as far as the limits require).

A schedule always sums to exactly the amount covered: the first payment (``first_amount`` or the
instalment amount), then regular instalments, the last one taking the remainder.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from outreach import config_files
from outreach.models import Loan
from outreach.models.arrangements import PLAN_FREQUENCIES

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PlanTerms:
    """A proposal: ``instalment_count`` payments of ``instalment_amount`` every ``frequency``
    (weekly|biweekly|monthly) from ``start_date``; ``first_amount`` overrides the first one."""

    instalment_amount: Decimal
    instalment_count: int
    frequency: str
    start_date: date
    first_amount: Decimal | None = None


@dataclass(frozen=True)
class PlanQuote:
    within_policy: bool
    violations: list[str]
    terms: PlanTerms
    counter_offer: PlanTerms | None
    schedule: list[tuple[date, Decimal]]


def to_money(value: Any, field: str) -> Decimal:
    """``value`` rounded to the cent; ValueError naming ``field`` unless it is zero or more."""
    try:
        amount = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{field}: not an amount") from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{field}: must be zero or more")
    return amount


def limits_for(loan: Loan) -> dict[str, Any]:
    """Limits for this loan: product (or ``default``) then the first bucket covering its
    days past due. Money values are Decimal; ``min_first_payment`` already includes the
    percentage rule applied to ``owed``."""
    config = config_files.plans()
    covers = config.get("covers", "past_due")
    product = (config.get("products") or {}).get(loan.product) or config.get("default")
    if not product or not product.get("buckets"):
        raise config_files.ConfigError(f"plans.yaml: no limits for product {loan.product!r}")
    dpd = loan.days_past_due or 0
    bucket = next(
        (b for b in product["buckets"] if b.get("max_dpd") is None or dpd <= int(b["max_dpd"])),
        product["buckets"][-1],
    )
    owed = loan.outstanding if covers == "outstanding" else loan.past_due_amount
    owed = to_money(owed or 0, "owed")
    pct_floor = (owed * Decimal(str(bucket.get("min_first_payment_pct", 0))) / 100).quantize(
        CENT, ROUND_CEILING
    )
    return {
        "product": loan.product if loan.product in (config.get("products") or {}) else "default",
        "bucket": bucket.get("name", str(bucket.get("max_dpd"))),
        "covers": covers,
        "owed": owed,
        "currency": loan.currency,
        "frequencies": list(product.get("frequencies") or PLAN_FREQUENCIES),
        "min_instalment": to_money(bucket["min_instalment"], "min_instalment"),
        "max_count": int(bucket["max_count"]),
        "max_term_days": int(bucket["max_term_days"]),
        # Never more than the whole amount: paying everything at once is always acceptable.
        "min_first_payment": min(
            owed, max(to_money(bucket.get("min_first_payment", 0), "min_first_payment"), pct_floor)
        ),
        "max_start_days": int(bucket.get("max_start_days", 30)),
    }


def add_months(day: date, months: int) -> date:
    """Same day of month ``months`` later, clamped to the month's last day (Jan 31 -> Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def due_date(start: date, frequency: str, seq: int) -> date:
    """The date of instalment ``seq`` (0-based)."""
    if frequency == "weekly":
        return start + timedelta(days=7 * seq)
    if frequency == "biweekly":
        return start + timedelta(days=14 * seq)
    return add_months(start, seq)


def _check_terms(terms: PlanTerms) -> None:
    if terms.frequency not in PLAN_FREQUENCIES:
        raise ValueError(f"frequency: must be one of {', '.join(PLAN_FREQUENCIES)}")
    if not isinstance(terms.instalment_count, int) or terms.instalment_count < 1:
        raise ValueError("instalment_count: must be a whole number of at least 1")
    if to_money(terms.instalment_amount, "instalment_amount") <= 0:
        raise ValueError("instalment_amount: must be more than zero")
    if terms.first_amount is not None and to_money(terms.first_amount, "first_amount") <= 0:
        raise ValueError("first_amount: must be more than zero")


def _normalise(terms: PlanTerms, owed: Decimal) -> tuple[PlanTerms, list[tuple[date, Decimal]]]:
    """Round amounts to cents, trim the count when fewer instalments already pay everything,
    and build the schedule whose last instalment takes the remainder (sum == owed)."""
    amount = to_money(terms.instalment_amount, "instalment_amount")
    first = to_money(terms.first_amount, "first_amount") if terms.first_amount is not None else None
    head = min(first if first is not None else amount, owed)
    amounts = [head]
    while len(amounts) < terms.instalment_count and sum(amounts) < owed:
        amounts.append(min(amount, owed - sum(amounts)))
    amounts[-1] += owed - sum(amounts)  # a short proposal leaves a larger last payment
    normal = PlanTerms(
        amount,
        len(amounts),
        terms.frequency,
        terms.start_date,
        None if first is None or first == amount else head,
    )
    schedule = [(due_date(terms.start_date, terms.frequency, i), a) for i, a in enumerate(amounts)]
    return normal, schedule


def _violations(
    terms: PlanTerms, schedule: list[tuple[date, Decimal]], limits: dict[str, Any], today: date
) -> list[str]:
    owed: Decimal = limits["owed"]
    found = []
    if terms.frequency not in limits["frequencies"]:
        found.append("frequency_not_allowed")
    # Only the regular instalment counts: the last one may be a smaller remainder.
    if (
        len(schedule) > 1
        and terms.instalment_amount < limits["min_instalment"]
        and owed > limits["min_instalment"]
    ):
        found.append("min_instalment")
    if terms.instalment_count > limits["max_count"]:
        found.append("max_count")
    if (schedule[-1][0] - today).days > limits["max_term_days"]:
        found.append("max_term_days")
    if schedule[0][1] < limits["min_first_payment"]:
        found.append("min_first_payment")
    if terms.start_date < today:
        found.append("start_in_past")
    elif (terms.start_date - today).days > limits["max_start_days"]:
        found.append("start_too_late")
    if len(schedule) > 1 and schedule[-1][1] > max(terms.instalment_amount, schedule[0][1]):
        found.append("short_of_balance")  # the proposal leaves a balloon payment at the end
    return found


def _counter_offer(terms: PlanTerms, limits: dict[str, Any], today: date) -> PlanTerms | None:
    """The closest terms within the limits: keep what the borrower chose where allowed, move
    the start into the window, raise the first payment and the instalment only as needed."""
    owed: Decimal = limits["owed"]
    frequency = (
        terms.frequency
        if terms.frequency in limits["frequencies"]
        else ("monthly" if "monthly" in limits["frequencies"] else limits["frequencies"][-1])
    )
    start = min(max(terms.start_date, today), today + timedelta(days=limits["max_start_days"]))
    # Most instalments the count and term limits allow for this start and frequency.
    max_count = 1
    while (
        max_count < limits["max_count"]
        and (due_date(start, frequency, max_count) - today).days <= limits["max_term_days"]
    ):
        max_count += 1
    floor = max(to_money(terms.instalment_amount, "instalment_amount"), limits["min_instalment"])
    if terms.first_amount is None:
        # Equal instalments if the first of them already meets the minimum first payment.
        amount = min(max(floor, (owed / max_count).quantize(CENT, ROUND_CEILING)), owed)
        first = max(amount, limits["min_first_payment"])
    else:
        first = min(
            max(to_money(terms.first_amount, "first_amount"), limits["min_first_payment"]), owed
        )
        amount = floor
    rest = owed - first
    if rest > 0 and max_count > 1:
        amount = max(floor, (rest / (max_count - 1)).quantize(CENT, ROUND_CEILING))
    elif rest > 0:
        first, amount = owed, owed  # nothing else fits: one payment of everything
    count = 1 if rest <= 0 else 1 + int((rest / amount).to_integral_value(ROUND_CEILING))
    offer = PlanTerms(amount, count, frequency, start, first if first != amount else None)
    offer, schedule = _normalise(offer, owed)
    return offer if not _violations(offer, schedule, limits, today) else None


def evaluate_proposal(loan: Loan, terms: PlanTerms, today: date) -> PlanQuote:
    """Check a proposal against the loan's limits; raises ValueError naming a malformed field."""
    _check_terms(terms)
    limits = limits_for(loan)
    if limits["owed"] <= 0:
        raise ValueError("loan: nothing is owed that a plan could cover")
    normal, schedule = _normalise(terms, limits["owed"])
    violations = _violations(normal, schedule, limits, today)
    counter = _counter_offer(normal, limits, today) if violations else None
    return PlanQuote(not violations, violations, normal, counter, schedule)


__all__ = [
    "PlanQuote",
    "PlanTerms",
    "add_months",
    "due_date",
    "evaluate_proposal",
    "limits_for",
    "to_money",
]
