"""``config/kpis.yaml``: message unit costs, days-past-due buckets, the weekly report's day and
the risk bands. A bad value raises ``ConfigError`` naming the key."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from outreach.config_files import ConfigError, load


@dataclass(frozen=True)
class KpiConfig:
    message_costs: dict[str, dict[str, Decimal]]  # currency -> channel -> unit cost
    buckets: tuple[int, ...]
    report_weekday: int
    report_hour: int
    high_risk: float
    medium_risk: float

    def bucket(self, dpd: int) -> str:
        """The bucket label of ``dpd`` days past due: ``current``, ``1-30``, ..., ``91+``."""
        if dpd <= 0:
            return "current"
        label = "current"
        for i, low in enumerate(self.buckets):
            if dpd >= low:
                high = self.buckets[i + 1] - 1 if i + 1 < len(self.buckets) else None
                label = f"{low}-{high}" if high is not None else f"{low}+"
        return label

    def bucket_labels(self) -> list[str]:
        return ["current"] + [self.bucket(low) for low in self.buckets]

    def band(self, score: float) -> str:
        return (
            "high" if score >= self.high_risk else "medium" if score >= self.medium_risk else "low"
        )


def _money(value: Any, key: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ConfigError(f'kpis.yaml: {key}: expected a decimal string like "0.0079"') from None
    if not amount.is_finite() or amount < 0:
        raise ConfigError(f'kpis.yaml: {key}: expected a decimal string like "0.0079"')
    return amount


def _int(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"kpis.yaml: {key}: expected a whole number from {low} to {high}")
    return value


def _fraction(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ConfigError(f"kpis.yaml: {key}: expected a number between 0 and 1")
    return float(value)


def parse(raw: dict[str, Any]) -> KpiConfig:
    costs = raw.get("message_costs") or {}
    if not isinstance(costs, dict) or not all(isinstance(v, dict) for v in costs.values()):
        raise ConfigError("kpis.yaml: message_costs: expected currency: {channel: cost} mappings")
    buckets = raw.get("buckets") or [1, 31, 61, 91]
    if (
        not isinstance(buckets, list)
        or not all(isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in buckets)
        or buckets != sorted(set(buckets))
    ):
        raise ConfigError("kpis.yaml: buckets: expected increasing whole numbers above 0")
    report = raw.get("weekly_report") or {}
    bands = raw.get("risk_bands") or {}
    high = _fraction(bands.get("high", 0.6), "risk_bands.high")
    medium = _fraction(bands.get("medium", 0.3), "risk_bands.medium")
    if medium >= high:
        raise ConfigError("kpis.yaml: risk_bands.medium: expected below risk_bands.high")
    return KpiConfig(
        message_costs={
            str(cur): {str(ch): _money(v, f"message_costs.{cur}.{ch}") for ch, v in units.items()}
            for cur, units in costs.items()
        },
        buckets=tuple(buckets),
        report_weekday=_int(report.get("weekday", 0), "weekly_report.weekday", 0, 6),
        report_hour=_int(report.get("hour", 6), "weekly_report.hour", 0, 23),
        high_risk=high,
        medium_risk=medium,
    )


def kpi_config() -> KpiConfig:
    """The parsed ``config/kpis.yaml`` (cached by the file's modification time)."""
    return parse(load("kpis.yaml"))
