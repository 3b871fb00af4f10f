"""Rolling frequency caps.

A cap allows at most ``max`` lender-initiated messages in any rolling ``window``: an earlier message
counts when ``at > now - window`` (contract), so a message sent exactly 24 hours ago no longer
counts toward a 24-hour cap. Entries later than ``now`` (possible when replaying stored facts)
also count: they are inside the window that ends at them.

Only *lender-initiated* history counts (contract: "lender-initiated messages per debt"). Replies to
a message the borrower just sent are not "initiated" by the creditor (940 CMR 7.04(1)(f) counts
communications the creditor *initiates*), and counting them would let a chatty borrower lock the
lender out of its own reminders. RULES.md (c) 12 leaves open whether Washington's "3 per week"
counts replies; the contract's reading (lender-initiated only) is applied and flagged for counsel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CapRule:
    """``max`` messages per rolling ``window_us``; ``per_channel`` counts the message's own channel
    only, ``together`` counts every channel in ``channels``."""

    id: str
    channels: frozenset[str]
    scope: str  # "per_channel" | "together"
    max: int
    window_us: int
    citation: str


def cap_release(
    caps: Iterable[CapRule], channel: str, history: Iterable[tuple[str, int]], now: int
):
    """``(blocking_cap_ids, release)`` for a message on ``channel`` at ``now``.

    ``history`` holds ``(channel, at)`` of lender-initiated messages. ``release`` is the earliest
    instant at which no cap blocks any more (caps only ever get freer as time passes, given a fixed
    history), or ``now`` when nothing blocks.
    """
    history = tuple(history)
    blocking: list[str] = []
    release = now
    for cap in caps:
        if channel not in cap.channels:
            continue
        if cap.scope == "per_channel":
            times = sorted(at for ch, at in history if ch == channel)
        else:
            times = sorted(at for ch, at in history if ch in cap.channels)
        if len(times) < cap.max:
            continue
        # The cap is free at t when fewer than ``max`` entries satisfy at > t - window, i.e. once
        # the max-th most recent entry has aged out: t >= times[-max] + window.
        free_at = times[len(times) - cap.max] + cap.window_us
        if free_at > now:
            blocking.append(cap.id)
            release = max(release, free_at)
    return blocking, release
