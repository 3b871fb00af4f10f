"""The one clock: the only place the application reads the time of day.

Services take ``now`` as an argument (or call :func:`now` here); web requests, CLI commands,
scheduler jobs and the action server read it once at their edge and pass it down. Nothing else
calls ``datetime.now()``, ``date.today()`` or ``time.time()``: a borrower's "today" depends on
the borrower's zone, never on the server's, and tests move this clock instead of sleeping.

Tests move the clock with :func:`freeze` (``tests/support/clock.py`` wraps it in a fixture);
``make test-clock AT=...`` moves the wall clock itself (libfaketime) for every process the suite
starts, so the real :func:`now` is exercised at another instant too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    if _source is not None:
        return _source()
    return datetime.now(UTC)


def unix_seconds() -> float:
    """Wall-clock seconds for send slots shared between dispatcher processes.

    Kept on the real wall clock even when :func:`freeze` moves :func:`now`: a slot is a moment a
    provider call may leave this machine, compared across processes, not a business time."""
    return time.time()


def local_date(zone: str, at: datetime) -> date:
    """The calendar date in ``zone`` (an IANA name) at the instant ``at``."""
    return at.astimezone(ZoneInfo(zone)).date()


def freeze(source: Callable[[], datetime] | datetime | None) -> None:
    """Make :func:`now` answer from ``source`` (an instant or a callable); None restores it.

    For tests and for replaying a decision at a past instant; never called by a service."""
    global _source
    if source is None or callable(source):
        _source = source
        return
    if source.tzinfo is None:
        raise ValueError("clock: a frozen instant must be timezone-aware")
    fixed = source.astimezone(UTC)
    _source = lambda: fixed  # noqa: E731
