"""Instalment plans and promises to pay: policy limits, evaluation, counter-offers, storage.

Contract used by the bot (bot_services) and the officers' console:

* ``limits_for(loan)``: the limits from config/plans.yaml for the loan's product and
  days-past-due bucket, with the amount a plan must cover (``owed``).
* ``evaluate_proposal(loan, terms, today)``: a ``PlanQuote`` naming every violated limit and,
  when outside the limits, the closest terms within them (same frequency if allowed, the
  borrower's instalment amount raised only as far as the limits require).
* ``create_plan(...)``: stores an accepted plan with its schedule (audited).
* ``record_promise(...)``: stores an open promise to pay (audited).

A schedule always sums to exactly the amount covered: the first payment (``first_amount`` or the
instalment amount), then regular instalments, the last one taking the remainder.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import clock
from outreach import config_files as bot_config
from outreach.audit import log as audit
from outreach.models import Loan, PaymentPlan, PlanInstalment, PromiseToPay
from outreach.models.arrangements import PLAN_FREQUENCIES

CENT = Decimal("0.01")
ACTIVE_PLAN_STATUSES = ("proposed", "accepted", "current")


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


def _money(value: Any, field: str) -> Decimal:
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
    config = bot_config.plans()
    covers = config.get("covers", "past_due")
    product = (config.get("products") or {}).get(loan.product) or config.get("default")
    if not product or not product.get("buckets"):
        raise bot_config.ConfigError(f"plans.yaml: no limits for product {loan.product!r}")
    dpd = loan.days_past_due or 0
    bucket = next(
        (b for b in product["buckets"] if b.get("max_dpd") is None or dpd <= int(b["max_dpd"])),
        product["buckets"][-1],
    )
    owed = loan.outstanding if covers == "outstanding" else loan.past_due_amount
    owed = _money(owed or 0, "owed")
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
        "min_instalment": _money(bucket["min_instalment"], "min_instalment"),
        "max_count": int(bucket["max_count"]),
        "max_term_days": int(bucket["max_term_days"]),
        # Never more than the whole amount: paying everything at once is always acceptable.
        "min_first_payment": min(
            owed, max(_money(bucket.get("min_first_payment", 0), "min_first_payment"), pct_floor)
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
    if _money(terms.instalment_amount, "instalment_amount") <= 0:
        raise ValueError("instalment_amount: must be more than zero")
    if terms.first_amount is not None and _money(terms.first_amount, "first_amount") <= 0:
        raise ValueError("first_amount: must be more than zero")


def _normalise(terms: PlanTerms, owed: Decimal) -> tuple[PlanTerms, list[tuple[date, Decimal]]]:
    """Round amounts to cents, trim the count when fewer instalments already pay everything,
    and build the schedule whose last instalment takes the remainder (sum == owed)."""
    amount = _money(terms.instalment_amount, "instalment_amount")
    first = _money(terms.first_amount, "first_amount") if terms.first_amount is not None else None
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
    floor = max(_money(terms.instalment_amount, "instalment_amount"), limits["min_instalment"])
    if terms.first_amount is None:
        # Equal instalments if the first of them already meets the minimum first payment.
        amount = min(max(floor, (owed / max_count).quantize(CENT, ROUND_CEILING)), owed)
        first = max(amount, limits["min_first_payment"])
    else:
        first = min(
            max(_money(terms.first_amount, "first_amount"), limits["min_first_payment"]), owed
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


def create_plan(
    session: Session,
    loan: Loan,
    terms: PlanTerms,
    *,
    created_by: str,
    conversation_id: int | None = None,
    outside_policy: bool = False,
    approved_by_id: int | None = None,
    today: date,
) -> PaymentPlan:
    """Store an accepted plan with its instalments; earlier active plans on the loan are
    cancelled. A proposal outside the limits needs ``outside_policy=True`` (an officer's
    decision, with ``approved_by_id``); otherwise ValueError naming the violated limits.
    ``today`` is the borrower's date (``Borrower.today``), which the limits count from."""
    quote = evaluate_proposal(loan, terms, today)
    if not quote.within_policy and not outside_policy:
        raise ValueError(f"terms: outside policy ({', '.join(quote.violations)})")
    now = clock.now()
    for old in session.scalars(
        select(PaymentPlan).where(
            PaymentPlan.loan_id == loan.id, PaymentPlan.status.in_(ACTIVE_PLAN_STATUSES)
        )
    ):
        old.status = "cancelled"
    plan = PaymentPlan(
        loan_id=loan.id,
        borrower_id=loan.borrower_id,
        conversation_id=conversation_id,
        status="accepted",
        instalment_amount=quote.terms.instalment_amount,
        instalment_count=len(quote.schedule),
        frequency=quote.terms.frequency,
        start_date=quote.terms.start_date,
        first_amount=quote.schedule[0][1],
        total=sum((a for _, a in quote.schedule), Decimal("0")),
        outside_policy=not quote.within_policy,
        created_by=created_by,
        approved_by_id=approved_by_id,
        accepted_at=now,
    )
    session.add(plan)
    session.flush()
    for seq, (due, amount) in enumerate(quote.schedule, start=1):
        session.add(PlanInstalment(plan_id=plan.id, seq=seq, due_date=due, amount=amount))
    session.flush()
    audit.record(
        session,
        created_by,
        "plan.created",
        subject=f"plan:{plan.id}",
        borrower_id=loan.borrower_id,
        details={
            "loan_id": loan.id,
            "count": plan.instalment_count,
            "frequency": plan.frequency,
            "total": str(plan.total),
            "outside_policy": plan.outside_policy,
            "violations": quote.violations,
            "approved_by_id": approved_by_id,
        },
    )
    return plan


def promise_max_days() -> int:
    return int((bot_config.bot().get("promise") or {}).get("max_days", 14))


def record_promise(
    session: Session,
    loan: Loan,
    promised_date: date,
    amount: Decimal | None,
    *,
    created_by: str,
    conversation_id: int | None = None,
    today: date,
) -> PromiseToPay:
    """Store an open promise (earlier open promises on the loan are cancelled). ValueError
    naming the field for a date in the past or beyond config/bot.yaml ``promise.max_days``,
    or an amount that is not positive."""
    max_days = promise_max_days()
    if promised_date < today:
        raise ValueError("promised_date: must be today or later")
    if (promised_date - today).days > max_days:
        raise ValueError(f"promised_date: must be within {max_days} days")
    if amount is not None:
        amount = _money(amount, "amount")
        if amount <= 0:
            raise ValueError("amount: must be more than zero")
    for old in session.scalars(
        select(PromiseToPay).where(PromiseToPay.loan_id == loan.id, PromiseToPay.status == "open")
    ):
        old.status, old.resolved_at = "cancelled", clock.now()
    promise = PromiseToPay(
        loan_id=loan.id,
        borrower_id=loan.borrower_id,
        conversation_id=conversation_id,
        amount=amount,
        promised_date=promised_date,
        status="open",
        created_by=created_by,
    )
    session.add(promise)
    session.flush()
    audit.record(
        session,
        created_by,
        "promise.recorded",
        subject=f"promise:{promise.id}",
        borrower_id=loan.borrower_id,
        details={
            "loan_id": loan.id,
            "date": promised_date.isoformat(),
            "amount": str(amount) if amount is not None else None,
        },
    )
    return promise


__all__ = [
    "PlanQuote",
    "PlanTerms",
    "add_months",
    "create_plan",
    "due_date",
    "evaluate_proposal",
    "limits_for",
    "record_promise",
]
