"""A clock the tests move: the app's one clock (``outreach.clock``) answers from it.

Processes a test starts (the CLI in a subprocess, the action server, Rasa) keep the real clock;
``make test-clock`` moves that one for every process (libfaketime).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# Inside the 08:00-21:00 window in every contiguous US zone (11:00 in New York, 08:00 in
# Los Angeles), on a weekday: where most tests want to stand.
DEFAULT_START = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


class MovableClock:
    """What ``outreach.clock.now()`` returns while a test holds it."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    __call__ = now

    def move_to(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("MovableClock: give a timezone-aware instant")
        self._now = at.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now
