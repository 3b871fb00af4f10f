"""Limits for settlements, payment holidays and fee waivers, and who may agree what.

Pure (no database). config/resolutions.yaml has the same structure as config/plans.yaml (by
product, then days-past-due bucket); a lender's override file (``RESOLUTION_OVERRIDES``, same
shape) is merged on top and may only *tighten* (:func:`merged_config`): a loosening value is a
``ConfigError`` naming the key, never silently applied.

* ``limits_for(loan, country, region)``: the ``ResolutionLimits`` for the loan, with the version
  of the limits in force (recorded with every proposal and decision).
* ``settlement_tier`` / ``holiday_tier`` / ``waiver_tier``: ``bot``, ``officer`` or ``supervisor``
  (the least senior who may agree it), or ``None`` when it is outside the limits altogether.
* ``closest_settlement(limits, amount, tier)``: the smallest settlement that tier may agree.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import yaml

from outreach import config_files
from outreach.models import Loan

CENT = Decimal("0.01")
TIERS = ("bot", "officer", "supervisor")
# Lender overrides may only tighten: these go up (more paid, longer waits, longer to decide) ...
TIGHTER_UP = {"floor_share", "min_down_payment", "every_days", "validity"}
# ... these go down (less forgiven, shorter holidays, smaller caps).
TIGHTER_DOWN = {"max_discount", "holiday_days", "waiver", "max_days", "max_amount"}


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def to_amount(value: Any) -> Decimal:
    """``value`` in cents; ValueError naming ``amount`` unless it is a positive amount."""
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except ArithmeticError:
        raise ValueError("amount: not an amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("amount: must be more than zero")
    return amount


def _tighten(base: Any, override: Any, where: str) -> Any:
    """``override`` merged into ``base``; ConfigError naming the key when a value loosens."""
    if isinstance(base, dict):
        if not isinstance(override, dict):
            raise config_files.ConfigError(f"{where}: expected a mapping")
        out = dict(base)
        for key, value in override.items():
            if key not in base:
                raise config_files.ConfigError(f"{where}.{key}: an override may not add keys")
            out[key] = _tighten(base[key], value, f"{where}.{key}")
        return out
    leaf = where.rsplit(".", 1)[-1]
    kind = "validity" if where.startswith("offer_validity_days.") else leaf
    if leaf == "allowed":
        if bool(override) and not bool(base):
            raise config_files.ConfigError(f"{where}: an override may not switch holidays on")
        return bool(override)
    try:
        old, new = Decimal(str(base)), Decimal(str(override))
    except ArithmeticError:
        raise config_files.ConfigError(f"{where}: not a number") from None
    if (kind in TIGHTER_UP and new < old) or (kind in TIGHTER_DOWN and new > old):
        raise config_files.ConfigError(
            f"{where}: an override may only tighten ({override} loosens {base})"
        )
    return override


def _merge_buckets(base: dict[str, Any], override: dict[str, Any], where: str) -> dict[str, Any]:
    out = dict(base)
    named = {b.get("name"): i for i, b in enumerate(base.get("buckets") or [])}
    buckets = copy.deepcopy(base.get("buckets") or [])
    for bucket in override.get("buckets") or []:
        name = bucket.get("name") if isinstance(bucket, dict) else None
        if name not in named:
            raise config_files.ConfigError(f"{where}.buckets: no shipped bucket named {name!r}")
        rest = {k: v for k, v in bucket.items() if k != "name"}
        if "max_dpd" in rest:
            raise config_files.ConfigError(f"{where}.buckets.{name}.max_dpd: cannot be changed")
        buckets[named[name]] = _tighten(buckets[named[name]], rest, f"{where}.buckets.{name}")
    out["buckets"] = buckets
    return out


def merged_config(shipped: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """The shipped limits with a lender's override applied (only tightening; see above)."""
    merged = copy.deepcopy(shipped)
    if not override:
        return merged
    for key in override:
        if key not in ("default", "products", "offer_validity_days", "lender"):
            raise config_files.ConfigError(f"resolutions override: unknown key {key!r}")
    if "offer_validity_days" in override:
        merged["offer_validity_days"] = _tighten(
            shipped.get("offer_validity_days") or {},
            override["offer_validity_days"],
            "offer_validity_days",
        )
    if "default" in override:
        merged["default"] = _merge_buckets(shipped["default"], override["default"], "default")
    for name, product in (override.get("products") or {}).items():
        if name not in (shipped.get("products") or {}):
            raise config_files.ConfigError(f"products.{name}: an override may not add products")
        merged["products"][name] = _merge_buckets(
            shipped["products"][name], product, f"products.{name}"
        )
    return merged


def config() -> dict[str, Any]:
    """config/resolutions.yaml with ``RESOLUTION_OVERRIDES`` (a path) merged on top."""
    shipped = config_files.load("resolutions.yaml")
    path = os.environ.get("RESOLUTION_OVERRIDES")
    override = None
    if path:
        try:
            override = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise config_files.ConfigError(f"RESOLUTION_OVERRIDES: cannot read {path}") from exc
    return merged_config(shipped, override)


def version_of(merged: dict[str, Any]) -> str:
    """``v<version>-<hash>``: any change to the limits in force (an override too) shows."""
    digest = hashlib.sha256(json.dumps(merged, sort_keys=True, default=str).encode()).hexdigest()
    return f"v{merged.get('version', 1)}-{digest[:10]}"


@dataclass(frozen=True)
class ResolutionLimits:
    """The limits for one loan now. Money in the loan's currency; shares as fractions."""

    product: str
    bucket: str
    balance: Decimal
    currency: str
    floor_amount: Decimal  # least a settlement may be (floor share, min down payment)
    max_discount: dict[str, Decimal]  # tier -> share forgiven (supervisor: the bucket's max)
    holiday_allowed: bool
    holiday_days: dict[str, int]  # tier -> longest holiday
    holiday_every_days: int
    waiver_cap: dict[str, Decimal]  # tier -> most waived
    validity_days: int
    version: str

    def settlement_minimum(self, tier: str) -> Decimal:
        """The smallest settlement ``tier`` may agree (never below the floor)."""
        share = 1 - self.max_discount[tier]
        return min(
            self.balance,
            max(self.floor_amount, (self.balance * share).quantize(CENT, ROUND_CEILING)),
        )

    def as_record(self) -> dict[str, Any]:
        """For the audit log and the proposal row: the limits in force, as strings."""
        return {
            "version": self.version,
            "product": self.product,
            "bucket": self.bucket,
            "floor_amount": str(self.floor_amount),
            "max_discount": {k: str(v) for k, v in self.max_discount.items()},
            "holiday_days": self.holiday_days,
            "waiver_cap": {k: str(v) for k, v in self.waiver_cap.items()},
            "validity_days": self.validity_days,
        }


def validity_days(merged: dict[str, Any], country: str, region: str | None) -> int:
    """Days an offer stays open in the borrower's jurisdiction (region, country, default)."""
    table = merged.get("offer_validity_days") or {}
    for key in (f"{country}-{region}" if region else None, country, "default"):
        if key and key in table:
            return int(table[key])
    return 14


def limits_for(loan: Loan, country: str, region: str | None = None) -> ResolutionLimits:
    """The loan's limits: product (or ``default``), first bucket covering its days past due."""
    merged = config()
    product = (merged.get("products") or {}).get(loan.product) or merged.get("default")
    if not product or not product.get("buckets"):
        raise config_files.ConfigError(f"resolutions.yaml: no limits for {loan.product!r}")
    dpd = loan.days_past_due or 0
    bucket = next(
        (b for b in product["buckets"] if b.get("max_dpd") is None or dpd <= int(b["max_dpd"])),
        product["buckets"][-1],
    )
    settlement, holiday = bucket["settlement"], bucket["holiday"]
    tiers = bucket["tiers"]
    balance = _money(loan.outstanding or 0)
    floor_share = Decimal(str(settlement["floor_share"]))
    floor = max(
        (balance * floor_share).quantize(CENT, ROUND_CEILING),
        _money(settlement["min_down_payment"]),
    )
    allowed = bool(holiday.get("allowed"))
    return ResolutionLimits(
        product=loan.product if loan.product in (merged.get("products") or {}) else "default",
        bucket=str(bucket.get("name")),
        balance=balance,
        currency=loan.currency,
        floor_amount=min(floor, balance),
        max_discount={
            "bot": min(Decimal(str(tiers["bot"]["max_discount"])), 1 - floor_share),
            "officer": min(Decimal(str(tiers["officer"]["max_discount"])), 1 - floor_share),
            "supervisor": 1 - floor_share,
        },
        holiday_allowed=allowed,
        holiday_days={
            "bot": int(tiers["bot"]["holiday_days"]) if allowed else 0,
            "officer": int(tiers["officer"]["holiday_days"]) if allowed else 0,
            "supervisor": int(holiday["max_days"]) if allowed else 0,
        },
        holiday_every_days=int(holiday.get("every_days", 365)),
        waiver_cap={
            "bot": _money(tiers["bot"]["waiver"]),
            "officer": _money(tiers["officer"]["waiver"]),
            "supervisor": _money(bucket["waiver"]["max_amount"]),
        },
        validity_days=validity_days(merged, country, region),
        version=version_of(merged),
    )


def settlement_tier(limits: ResolutionLimits, amount: Decimal) -> str | None:
    """Who may agree to settle for ``amount``: the first tier whose minimum it meets."""
    if amount <= 0 or amount > limits.balance:
        return None
    return next((t for t in TIERS if amount >= limits.settlement_minimum(t)), None)


def holiday_tier(limits: ResolutionLimits, days: int) -> str | None:
    """Who may agree a holiday of ``days`` (None: not allowed, or longer than the limits)."""
    if not limits.holiday_allowed or days < 1:
        return None
    return next((t for t in TIERS if days <= limits.holiday_days[t]), None)


def waiver_tier(limits: ResolutionLimits, amount: Decimal) -> str | None:
    """Who may waive ``amount`` of fees and interest (None: above the cap)."""
    if amount <= 0:
        return None
    return next((t for t in TIERS if amount <= limits.waiver_cap[t]), None)


def closest_settlement(limits: ResolutionLimits, tier: str) -> Decimal:
    """The counter-offer ``tier`` may make: the smallest settlement within its limits."""
    return limits.settlement_minimum(tier)


__all__ = [
    "TIERS",
    "ResolutionLimits",
    "closest_settlement",
    "config",
    "holiday_tier",
    "limits_for",
    "merged_config",
    "settlement_tier",
    "to_amount",
    "validity_days",
    "version_of",
    "waiver_tier",
]
