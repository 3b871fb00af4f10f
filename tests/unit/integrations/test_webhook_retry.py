"""The retry schedule: exponential, jittered, about a day in all."""

from __future__ import annotations

from datetime import timedelta

from outreach.integrations.webhooks.retry import MAX_ATTEMPTS, backoff, nominal_schedule


def test_it_doubles_each_wait_up_to_eight_hours():
    waits = nominal_schedule()
    assert len(waits) == MAX_ATTEMPTS - 1
    assert waits[:3] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert max(waits) == timedelta(hours=8)


def test_it_spreads_retries_between_80_and_120_percent_of_the_wait():
    assert backoff(3, lambda: 0.0) == timedelta(minutes=2) * 0.8
    assert backoff(3, lambda: 0.5) == timedelta(minutes=2)
    assert backoff(3, lambda: 0.999999) < timedelta(minutes=2) * 1.2


def test_it_keeps_trying_for_about_a_day_so_an_hour_long_outage_loses_nothing():
    shortest = sum((backoff(n, lambda: 0.0) for n in range(1, MAX_ATTEMPTS)), timedelta())
    longest = sum((backoff(n, lambda: 0.999999) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=19) < shortest and longest < timedelta(hours=30)
    # Whatever the jitter, some attempt falls after a whole hour of failures.
    assert shortest > timedelta(hours=1)
