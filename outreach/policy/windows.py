"""Daily local-time constraints as UTC intervals, intersected over candidate zones.

A *constraint* is ``(start_min, end_min, quiet_mask)``: local wall-clock minutes ``[start, end)``
(start inclusive, end exclusive) on local days whose weekday bit (Monday = bit 0) is not set in
``quiet_mask``. For one zone and one UTC day it is turned into exact UTC intervals, piece by piece
between the zone's UTC-offset transitions, so DST gaps (a start time that does not exist begins at
the first instant after the gap) and overlaps (a wall time that happens twice) are exact. Windows
are intersected across every candidate zone and the result cached per (zones, constraint, day):
membership tests and "next allowed instant" searches are interval arithmetic, not minute loops.

Instants are integer microseconds since the Unix epoch (see timeutil).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from outreach.policy.timeutil import DAY, HOUR, MINUTE, US, ceil_minute, utc_offset_us

Constraint = tuple[int, int, int]
Interval = tuple[int, int]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_HORIZON_DAYS = 400  # more than a year: every DST season and weekday combination is seen
_PROBE = 6 * HOUR
_EPOCH_NAIVE = datetime(1970, 1, 1)


def _transition(zone: str, low: int, high: int, offset_low: int) -> int:
    """First whole second in (low, high] whose offset differs from ``offset_low``."""
    lo, hi = low // US, high // US
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if utc_offset_us(zone, mid * US) == offset_low:
            lo = mid
        else:
            hi = mid
    return hi * US


@lru_cache(maxsize=131072)
def offset_pieces(zone: str, day: int) -> tuple[tuple[int, int, int], ...]:
    """``(start, end, utc_offset)`` pieces covering UTC day ``day`` (days since the epoch)."""
    start, end = day * DAY, (day + 1) * DAY
    pieces = []
    piece_start, current = start, utc_offset_us(zone, start)
    probe_prev = start
    probe = start
    while probe < end:
        probe = min(probe + _PROBE, end - US)
        offset = utc_offset_us(zone, probe)
        while offset != current:
            at = _transition(zone, probe_prev, probe, current)
            pieces.append((piece_start, at, current))
            piece_start, current, probe_prev = at, utc_offset_us(zone, at), at
        probe_prev = probe
        if probe == end - US:
            break
    pieces.append((piece_start, end, current))
    return tuple(pieces)


def offset_at(zone: str, t: int) -> int:
    """The zone's UTC offset at instant ``t`` (cached through offset_pieces)."""
    for low, high, offset in offset_pieces(zone, t // DAY):
        if low <= t < high:
            return offset
    raise AssertionError("offset pieces cover the whole day")  # pragma: no cover


def local_iso(zone: str, t: int) -> str:
    """ISO local time with offset at instant ``t`` (seconds precision), e.g.
    ``2026-05-04T07:30:00-05:00``; uses the cached offset pieces."""
    offset = offset_at(zone, t)
    local = (_EPOCH_NAIVE + timedelta(microseconds=t + offset)).isoformat(timespec="seconds")
    minutes = abs(offset) // MINUTE
    return f"{local}{'-' if offset < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    intervals.sort()
    merged: list[Interval] = []
    for low, high in intervals:
        if merged and low <= merged[-1][1]:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return tuple(merged)


@lru_cache(maxsize=131072)
def zone_day(zone: str, constraint: Constraint, day: int) -> tuple[Interval, ...]:
    """UTC intervals within UTC day ``day`` whose wall time in ``zone`` satisfies ``constraint``."""
    start_min, end_min, quiet = constraint
    if start_min >= end_min:
        return ()
    out: list[Interval] = []
    for low, high, offset in offset_pieces(zone, day):
        first_local_day = (low + offset) // DAY
        last_local_day = (high - 1 + offset) // DAY
        for local_day in range(first_local_day, last_local_day + 1):
            if quiet >> ((local_day + 3) % 7) & 1:  # 1970-01-01 was a Thursday
                continue
            a = max(local_day * DAY + start_min * MINUTE - offset, low)
            b = min(local_day * DAY + end_min * MINUTE - offset, high)
            if a < b:
                out.append((a, b))
    return _merge(out)


def _intersect(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        low, high = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if low < high:
            out.append((low, high))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


@lru_cache(maxsize=131072)
def common_day(zones: tuple[str, ...], constraint: Constraint, day: int) -> tuple[Interval, ...]:
    """Intervals of UTC day ``day`` that satisfy ``constraint`` in every zone of ``zones``."""
    result = zone_day(zones[0], constraint, day)
    for zone in zones[1:]:
        if not result:
            break
        result = _intersect(result, zone_day(zone, constraint, day))
    return result


def contains(zones: tuple[str, ...], constraint: Constraint, t: int) -> bool:
    """Is instant ``t`` inside the constraint in every zone?"""
    for low, high in common_day(zones, constraint, t // DAY):  # noqa: SIM110 - hot path, no genexpr
        if low <= t < high:
            return True
    return False


def earliest(
    zones: tuple[str, ...],
    constraint: Constraint,
    t0: int,
    *,
    before: int | None = None,
    horizon_days: int = SEARCH_HORIZON_DAYS,
) -> int | None:
    """The earliest whole minute ``>= t0`` (and ``< before``) satisfying the constraint in every
    zone, or None when there is none within the horizon."""
    start_min, end_min, quiet = constraint
    if start_min >= end_min or quiet & 0x7F == 0x7F:
        return None
    t = ceil_minute(t0)
    day = t // DAY
    last_day = day + horizon_days
    while day <= last_day:
        for low, high in common_day(zones, constraint, day):
            if high > t:
                candidate = ceil_minute(max(low, t))
                if candidate < high:  # zone offsets with seconds could misalign a start
                    return None if before is not None and candidate >= before else candidate
        day += 1
        t = max(t, day * DAY)
        if before is not None and t >= before:
            return None
    return None


def quiet_mask(days: tuple[str, ...]) -> int:
    mask = 0
    for name in days:
        mask |= 1 << WEEKDAYS.index(name)
    return mask
