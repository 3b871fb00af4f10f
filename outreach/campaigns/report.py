"""What a planning pass reports: the reminders it wants (``Planned``) and its counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Planned:
    """One reminder the pass wants to queue (or, in a dry run, reports as paused/stopped)."""

    key: str
    loan_id: int | None  # None: a message about no one loan (the group leader's summary)
    borrower_id: int
    step: str
    template: str
    channels: tuple[str, ...]
    locale: str
    payload: dict[str, Any]
    stopped_by: str | None = None  # the rule that pauses or stops it (dry run only)


@dataclass
class PlanReport:
    """The outcome of one pass: how many reminders it considered and queued, how many were
    queued already (same idempotency key), and, in a dry run, the held-back ones by rule."""

    considered: int = 0
    queued: int = 0
    already_queued: int = 0
    stopped: dict[str, int] = field(default_factory=dict)
    items: list[Planned] = field(default_factory=list)
