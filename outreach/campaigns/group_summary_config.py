"""Parsing the ``group_leader_summary`` section of ``config/campaigns.yaml`` (issue 20).

Off unless the lender lists where it applies: ``countries`` (the leader's country), ``products``
(any member's open loan product) or ``groups`` (the loan book's group ids). An empty section,
or none, sends no summary anywhere. Every error names the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from outreach.models import CHANNELS

# A summary counting fewer consenting members than this is not sent: with two, each of them
# could work out what the other paid.
LOWEST_MINIMUM = 2
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class SummaryConfigError(ValueError):
    """The ``group_leader_summary`` section is malformed; the message names the field."""


@dataclass(frozen=True)
class LeaderSummaryConfig:
    """Where and when the group leader's summary goes (the defaults: nowhere)."""

    countries: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    days_before: int = 1
    local_time: time = time(16, 0)
    min_counted: int = 3
    channels: tuple[str, ...] = ("sms",)

    @property
    def enabled(self) -> bool:
        return bool(self.countries or self.products or self.groups)

    def covers(self, group_ref: str, leader_country: str, products: set[str]) -> bool:
        """The lender turned the summary on for this group (by id, country or product)."""
        return (
            group_ref in self.groups
            or (leader_country or "").upper() in self.countries
            or bool(products & set(self.products))
        )


def _names(raw: dict[str, Any], key: str, upper: bool = False) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SummaryConfigError(f"group_leader_summary.{key}: expected a list of names")
    return tuple(v.upper() if upper else v for v in value)


def _int(raw: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SummaryConfigError(
            f"group_leader_summary.{key}: expected an integer from {low} to {high}, got {value!r}"
        )
    return value


def parse_summary(raw: Any) -> LeaderSummaryConfig:
    """Validate the section (``None``: the feature is off)."""
    if raw is None:
        return LeaderSummaryConfig()
    if not isinstance(raw, dict):
        raise SummaryConfigError("group_leader_summary: expected a mapping")
    clock = str(raw.get("local_time", "16:00"))
    match = _TIME.match(clock)
    if match is None:
        raise SummaryConfigError(
            f'group_leader_summary.local_time: expected "HH:MM" (24-hour), got {clock!r}'
        )
    channels = raw.get("channels", ["sms"])
    if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
        raise SummaryConfigError(
            f"group_leader_summary.channels: expected a non-empty list of {list(CHANNELS)}"
        )
    if "email" in channels:
        # The only template is an SMS text (templates/messages/group_leader_summary).
        raise SummaryConfigError("group_leader_summary.channels: email is not supported")
    return LeaderSummaryConfig(
        countries=_names(raw, "countries", upper=True),
        products=_names(raw, "products"),
        groups=_names(raw, "groups"),
        days_before=_int(raw, "days_before", 1, 0, 6),
        local_time=time(int(match.group(1)), int(match.group(2))),
        min_counted=_int(raw, "min_counted", 3, LOWEST_MINIMUM, 1000),
        channels=tuple(channels),
    )
