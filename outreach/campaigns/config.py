"""Parsing ``config/campaigns.yaml``: cadences, segments, content rules, rate limits, retries.

Every error names the field (``cadences.standard[2].day: expected an integer``) so a bad edit is
caught when the planner starts, not when a borrower gets a wrong message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from outreach.campaigns.group_summary_config import (
    LeaderSummaryConfig,
    SummaryConfigError,
    parse_summary,
)
from outreach.models import CHANNELS
from outreach.settings import ROOT

RISK_BANDS = ("low", "medium", "high")  # the bands outreach.risk gives (config/kpis.yaml)

DEFAULT_PATH = ROOT / "config" / "campaigns.yaml"


class CampaignConfigError(ValueError):
    """``config/campaigns.yaml`` is malformed; the message names the field."""


@dataclass(frozen=True)
class Step:
    day: int
    template: str
    channels: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.day:+d}"


@dataclass(frozen=True)
class Segment:
    name: str
    cadence: str
    products: tuple[str, ...] = ()
    min_days_past_due: int | None = None
    max_days_past_due: int | None = None
    min_outstanding: Decimal | None = None
    max_outstanding: Decimal | None = None
    risk_bands: tuple[str, ...] = ()  # outreach.risk bands (low, medium, high); () = any


@dataclass(frozen=True)
class Reminder:
    days_before: int
    template: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class CampaignConfig:
    cadences: dict[str, tuple[Step, ...]]
    segments: tuple[Segment, ...]
    instalment: Reminder
    promise: Reminder
    collector_disclosure: bool = False
    lock_screen_safe: bool = True
    max_sms_segments: int = 3
    rate_limits: dict[str, float] = field(default_factory=dict)
    max_attempts: int = 5
    retry_base_seconds: float = 30
    retry_max_seconds: float = 3600
    # The group leader's summary (issue 20): off unless the section names where it applies.
    leader_summary: LeaderSummaryConfig = field(default_factory=LeaderSummaryConfig)

    def templates(self) -> set[str]:
        names = {s.template for steps in self.cadences.values() for s in steps}
        return names | {self.instalment.template, self.promise.template}


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CampaignConfigError(f"{where}: expected an integer, got {value!r}")
    return value


def _money(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise CampaignConfigError(
            f'{where}: expected an amount like "100.00", got {value!r}'
        ) from None


def _channels(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise CampaignConfigError(f"{where}: expected a non-empty list of channels")
    for ch in value:
        if ch not in CHANNELS:
            raise CampaignConfigError(f"{where}: unknown channel {ch!r} (one of {CHANNELS})")
    return tuple(value)


def _template(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise CampaignConfigError(f"{where}: expected a template name")
    return value


def _reminder(raw: Any, where: str) -> Reminder:
    if not isinstance(raw, dict):
        raise CampaignConfigError(f"{where}: expected a mapping")
    return Reminder(
        days_before=_int(raw.get("days_before"), f"{where}.days_before"),
        template=_template(raw.get("template"), f"{where}.template"),
        channels=_channels(raw.get("channels"), f"{where}.channels"),
    )


def parse(raw: Any) -> CampaignConfig:
    """Validate the YAML document ``raw`` into a ``CampaignConfig``."""
    if not isinstance(raw, dict):
        raise CampaignConfigError("campaigns.yaml: expected a mapping at the top level")
    cadences: dict[str, tuple[Step, ...]] = {}
    for name, steps in (raw.get("cadences") or {}).items():
        if not isinstance(steps, list) or not steps:
            raise CampaignConfigError(f"cadences.{name}: expected a non-empty list of steps")
        parsed = []
        for i, step in enumerate(steps):
            where = f"cadences.{name}[{i}]"
            if not isinstance(step, dict):
                raise CampaignConfigError(f"{where}: expected a mapping")
            parsed.append(
                Step(
                    day=_int(step.get("day"), f"{where}.day"),
                    template=_template(step.get("template"), f"{where}.template"),
                    channels=_channels(step.get("channels"), f"{where}.channels"),
                )
            )
        days = [s.day for s in parsed]
        if days != sorted(set(days)):
            raise CampaignConfigError(f"cadences.{name}: step days must be increasing and unique")
        cadences[name] = tuple(parsed)
    if not cadences:
        raise CampaignConfigError("cadences: at least one cadence is required")
    segments = []
    for i, seg in enumerate(raw.get("segments") or []):
        where = f"segments[{i}]"
        if not isinstance(seg, dict) or seg.get("cadence") not in cadences:
            raise CampaignConfigError(f"{where}.cadence: expected one of {sorted(cadences)}")
        opt = {
            k: _int(seg[k], f"{where}.{k}")
            for k in ("min_days_past_due", "max_days_past_due")
            if seg.get(k) is not None
        }
        bands = seg.get("risk_bands") or []
        if not isinstance(bands, list) or any(b not in RISK_BANDS for b in bands):
            raise CampaignConfigError(f"{where}.risk_bands: expected a list of {list(RISK_BANDS)}")
        segments.append(
            Segment(
                risk_bands=tuple(bands),
                name=str(seg.get("name") or f"segment{i}"),
                cadence=seg["cadence"],
                products=tuple(seg.get("products") or ()),
                **opt,
                min_outstanding=_money(seg.get("min_outstanding"), f"{where}.min_outstanding"),
                max_outstanding=_money(seg.get("max_outstanding"), f"{where}.max_outstanding"),
            )
        )
    if not segments:
        raise CampaignConfigError("segments: at least one segment is required")
    content = raw.get("content") or {}
    retry = raw.get("retry") or {}
    rates = {}
    for key, value in (raw.get("rate_limits") or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise CampaignConfigError(f"rate_limits.{key}: expected a positive number")
        rates[str(key)] = float(value)
    try:
        leader_summary = parse_summary(raw.get("group_leader_summary"))
    except SummaryConfigError as exc:
        raise CampaignConfigError(str(exc)) from None
    return CampaignConfig(
        cadences=cadences,
        segments=tuple(segments),
        instalment=_reminder(raw.get("instalment_reminder"), "instalment_reminder"),
        promise=_reminder(raw.get("promise_reminder"), "promise_reminder"),
        collector_disclosure=bool(content.get("collector_disclosure", False)),
        lock_screen_safe=bool(content.get("lock_screen_safe", True)),
        max_sms_segments=_int(content.get("max_sms_segments", 3), "content.max_sms_segments"),
        rate_limits=rates,
        max_attempts=_int(retry.get("max_attempts", 5), "retry.max_attempts"),
        retry_base_seconds=_int(retry.get("base_seconds", 30), "retry.base_seconds"),
        retry_max_seconds=_int(retry.get("max_seconds", 3600), "retry.max_seconds"),
        leader_summary=leader_summary,
    )


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> CampaignConfig:
    with open(path, encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle))


def load_config(path: str | Path | None = None) -> CampaignConfig:
    """The campaign config (``CAMPAIGNS_CONFIG`` overrides the path), reloaded when edited."""
    path = Path(path or os.environ.get("CAMPAIGNS_CONFIG") or DEFAULT_PATH)
    return _load(str(path), path.stat().st_mtime)
