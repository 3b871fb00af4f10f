"""When a failed delivery is tried again, and when it is given up (dead-lettered).

After the n-th failed attempt the next one waits ``BASE * 2**(n-1)``, at most ``CAP``, times a
jitter factor between 0.8 and 1.2 (receivers coming back after an outage are not hit by every
sender in the same second). ``MAX_ATTEMPTS`` attempts in all:

    attempt   1    2    3    4    5    6     7     8     9      10     11    12    13
    waits     -  30s   1m   2m   4m   8m   16m   32m   64m   2h08m  4h16m   8h    8h

about 24.5 hours from the first attempt to the last (19.6 h to 29.4 h with the jitter), so a
receiver that is down for an hour, or a night, loses nothing; after that the delivery is dead
and an admin replays it (admin page or ``flask events replay``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

BASE = timedelta(seconds=30)
CAP = timedelta(hours=8)
MAX_ATTEMPTS = 13
JITTER = 0.2


def backoff(attempts: int, rand: Callable[[], float]) -> timedelta:
    """The wait after ``attempts`` failed attempts; ``rand()`` is uniform in [0, 1) (injected:
    tests pass a constant)."""
    nominal = min(CAP, BASE * 2 ** max(attempts - 1, 0))
    return nominal * (1 - JITTER + 2 * JITTER * rand())


def nominal_schedule() -> list[timedelta]:
    """The waits between the attempts without jitter (the table above)."""
    return [min(CAP, BASE * 2 ** (n - 1)) for n in range(1, MAX_ATTEMPTS)]
