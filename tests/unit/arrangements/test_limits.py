"""Plan limits, evaluation and counter-offers (outreach.arrangements.limits) against config/plans.yaml."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from outreach.arrangements.limits import PlanTerms, add_months, evaluate_proposal, limits_for
from outreach.models import Loan

TODAY = date(2026, 11, 23)


def loan(**overrides) -> Loan:
    values = {
        "product": "personal",
        "currency": "USD",
        "outstanding": Decimal("3210.55"),
        "past_due_amount": Decimal("420.00"),
        "days_past_due": 15,
    }
    values.update(overrides)
    return Loan(**values)


def terms(
    amount: str,
    count: int,
    frequency: str = "monthly",
    start: date | None = None,
    first: str | None = None,
) -> PlanTerms:
    return PlanTerms(
        Decimal(amount),
        count,
        frequency,
        start or TODAY + timedelta(days=3),
        Decimal(first) if first else None,
    )


def test_it_picks_limits_by_product_and_days_past_due_bucket() -> None:
    early = limits_for(loan())
    assert (early["product"], early["bucket"], early["max_count"]) == ("default", "early", 6)
    assert early["owed"] == Decimal("420.00")
    late = limits_for(loan(days_past_due=200, past_due_amount=Decimal("1000.00")))
    assert late["bucket"] == "late"
    assert late["min_first_payment"] == Decimal("150.00")  # 15 % of 1000 beats the 50.00 floor
    auto = limits_for(loan(product="auto"))
    assert auto["product"] == "auto" and auto["frequencies"] == ["biweekly", "monthly"]


def test_it_accepts_a_proposal_within_limits_with_a_schedule_summing_to_the_amount_owed() -> None:
    quote = evaluate_proposal(loan(), terms("100", 5), TODAY)
    assert quote.within_policy and quote.violations == [] and quote.counter_offer is None
    assert [a for _, a in quote.schedule] == [Decimal("100.00")] * 4 + [Decimal("20.00")]
    assert sum(a for _, a in quote.schedule) == Decimal("420.00")
    assert quote.schedule[1][0] == add_months(TODAY + timedelta(days=3), 1)


def test_it_trims_the_count_when_fewer_instalments_already_pay_everything() -> None:
    quote = evaluate_proposal(loan(), terms("210", 6, "weekly"), TODAY)
    assert quote.terms.instalment_count == 2 and quote.within_policy
    assert [d for d, _ in quote.schedule] == [TODAY + timedelta(days=3), TODAY + timedelta(days=10)]


@pytest.mark.parametrize(
    ("proposal", "violation"),
    [
        (terms("10", 42, "weekly"), "min_instalment"),
        (terms("30", 14, "weekly"), "max_count"),
        (terms("70", 6, "monthly", start=TODAY + timedelta(days=40)), "start_too_late"),
        (terms("70", 6, "monthly", start=TODAY - timedelta(days=1)), "start_in_past"),
        (terms("50", 3), "short_of_balance"),
    ],
)
def test_it_names_each_violated_limit_and_counter_offers_within_them(proposal, violation) -> None:
    quote = evaluate_proposal(loan(), proposal, TODAY)
    assert not quote.within_policy and violation in quote.violations
    offer = quote.counter_offer
    assert offer is not None
    again = evaluate_proposal(loan(), offer, TODAY)
    assert again.within_policy, again.violations
    assert sum(a for _, a in again.schedule) == Decimal("420.00")


def test_it_counter_offers_the_borrowers_amount_raised_only_as_far_as_needed() -> None:
    quote = evaluate_proposal(loan(), terms("50", 10, "monthly"), TODAY)
    assert set(quote.violations) >= {"max_count"}
    assert quote.counter_offer == PlanTerms(
        Decimal("70.00"), 6, "monthly", TODAY + timedelta(days=3)
    )


def test_it_counter_offers_a_larger_first_payment_when_the_bucket_requires_one() -> None:
    late = loan(days_past_due=120, past_due_amount=Decimal("1000.00"))
    quote = evaluate_proposal(late, terms("100", 10, "monthly"), TODAY)
    assert quote.violations == ["min_first_payment"]
    offer = quote.counter_offer
    assert offer is not None and offer.first_amount == Decimal("150.00")
    assert evaluate_proposal(late, offer, TODAY).schedule[0][1] == Decimal("150.00")


def test_it_moves_a_frequency_the_product_does_not_allow() -> None:
    quote = evaluate_proposal(loan(product="auto"), terms("100", 5, "weekly"), TODAY)
    assert "frequency_not_allowed" in quote.violations
    assert quote.counter_offer is not None and quote.counter_offer.frequency == "monthly"


@pytest.mark.parametrize(
    ("proposal", "field"),
    [
        (terms("0", 3), "instalment_amount"),
        (terms("50", 0), "instalment_count"),
        (terms("50", 3, "daily"), "frequency"),
    ],
)
def test_it_rejects_malformed_terms_naming_the_field(proposal, field) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        evaluate_proposal(loan(), proposal, TODAY)


def test_it_adds_months_clamping_to_the_last_day() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
