"""Settlement, holiday and waiver limits and tiers (config/resolutions.yaml), and lender
overrides that may only tighten."""

from __future__ import annotations

from decimal import Decimal

import pytest

from outreach import config_files
from outreach.arrangements import resolution_limits as rl
from outreach.models import Loan


def loan(**overrides) -> Loan:
    values = {
        "product": "personal",
        "currency": "USD",
        "outstanding": Decimal("1000.00"),
        "past_due_amount": Decimal("300.00"),
        "days_past_due": 60,
    }
    values.update(overrides)
    return Loan(**values)


def test_it_picks_the_bucket_and_tiers_by_days_past_due() -> None:
    mid = rl.limits_for(loan(), "US")
    assert (mid.product, mid.bucket) == ("default", "mid")
    assert mid.floor_amount == Decimal("700.00")  # 70 % of the balance
    assert mid.settlement_minimum("bot") == Decimal("850.00")  # 15 % off
    assert mid.settlement_minimum("officer") == Decimal("800.00")  # 20 % off
    assert mid.settlement_minimum("supervisor") == Decimal("700.00")  # down to the floor
    late = rl.limits_for(loan(days_past_due=200), "US")
    assert late.bucket == "late" and late.settlement_minimum("bot") == Decimal("750.00")
    assert not late.holiday_allowed and rl.holiday_tier(late, 10) is None


def test_a_product_has_its_own_buckets() -> None:
    auto = rl.limits_for(loan(product="auto", days_past_due=10), "US")
    assert (auto.product, auto.bucket) == ("auto", "early")
    assert auto.floor_amount == Decimal("950.00")
    assert rl.settlement_tier(auto, Decimal("1000.00")) == "bot"  # no discount: the bot may
    assert rl.settlement_tier(auto, Decimal("990.00")) == "officer"


@pytest.mark.parametrize(
    ("amount", "tier"),
    [
        ("900", "bot"),
        ("850", "bot"),
        ("849.99", "officer"),
        ("800", "officer"),
        ("750", "supervisor"),
        ("700", "supervisor"),
        ("699.99", None),
        ("1000.01", None),
    ],
)
def test_it_names_who_may_agree_a_settlement(amount: str, tier: str | None) -> None:
    assert rl.settlement_tier(rl.limits_for(loan(), "US"), Decimal(amount)) == tier


def test_the_minimum_down_payment_raises_a_small_balance_floor() -> None:
    small = rl.limits_for(loan(outstanding=Decimal("120.00")), "US")
    assert small.floor_amount == Decimal("84.00")  # 70 % beats the 50.00 lump sum
    tiny = rl.limits_for(loan(outstanding=Decimal("60.00")), "US")
    assert tiny.floor_amount == Decimal("50.00")


def test_holiday_and_waiver_tiers() -> None:
    mid = rl.limits_for(loan(), "US")
    assert [rl.holiday_tier(mid, d) for d in (30, 31, 60, 61)] == [
        "bot",
        "officer",
        "officer",
        None,
    ]
    assert [rl.waiver_tier(mid, Decimal(a)) for a in ("10", "50", "80", "101")] == [
        "officer",
        "officer",
        "supervisor",
        None,
    ]


def test_offer_validity_is_per_jurisdiction_and_long_in_gb() -> None:
    assert rl.limits_for(loan(), "US").validity_days == 14
    assert rl.limits_for(loan(), "US", "NY").validity_days == 14
    assert rl.limits_for(loan(), "GB").validity_days == 30  # CONC 7.3: no pressure
    assert rl.limits_for(loan(), "KE").validity_days == 14


def _override(tmp_path, monkeypatch, text: str) -> None:
    path = tmp_path / "override.yaml"
    path.write_text(text)
    monkeypatch.setenv("RESOLUTION_OVERRIDES", str(path))


def test_an_override_may_tighten_and_the_version_changes(tmp_path, monkeypatch) -> None:
    before = rl.limits_for(loan(), "US").version
    _override(
        tmp_path,
        monkeypatch,
        "default:\n  buckets:\n    - name: mid\n      tiers: {bot: {max_discount: 0.05}}\n"
        "offer_validity_days: {GB: 45}\n",
    )
    after = rl.limits_for(loan(), "GB")
    assert after.settlement_minimum("bot") == Decimal("950.00")
    assert after.validity_days == 45
    assert after.version != before


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            "default:\n  buckets:\n    - name: mid\n      tiers: {bot: {max_discount: 0.5}}\n",
            "default.buckets.mid.tiers.bot.max_discount",
        ),
        (
            "default:\n  buckets:\n    - name: mid\n      settlement: {floor_share: 0.1}\n",
            "default.buckets.mid.settlement.floor_share",
        ),
        (
            "default:\n  buckets:\n    - name: late\n      holiday: {allowed: true}\n",
            "default.buckets.late.holiday.allowed",
        ),
        (
            "default:\n  buckets:\n    - name: mid\n      holiday: {every_days: 30}\n",
            "default.buckets.mid.holiday.every_days",
        ),
        ("offer_validity_days: {GB: 3}\n", "offer_validity_days.GB"),
        ("products:\n  payday: {buckets: []}\n", "products.payday"),
        ("default:\n  buckets:\n    - name: huge\n", "huge"),
        ("default:\n  buckets:\n    - name: mid\n      max_dpd: 999\n", "max_dpd"),
    ],
)
def test_an_override_that_loosens_is_refused_naming_the_key(
    tmp_path, monkeypatch, text, named
) -> None:
    _override(tmp_path, monkeypatch, text)
    with pytest.raises(config_files.ConfigError, match=named.replace(".", r"\.")):
        rl.limits_for(loan(), "GB")
