"""Local-time constraints as exact UTC intervals across DST gaps and overlaps."""

from __future__ import annotations

from datetime import datetime

import pytest

from outreach.policy.timeutil import DAY, from_us, to_us
from outreach.policy.windows import contains, earliest, offset_pieces, quiet_mask, zone_day


def _day(date: str) -> int:
    return to_us(datetime.fromisoformat(f"{date}T00:00:00+00:00")) // DAY


def _utc(intervals) -> list[tuple[str, str]]:
    return [(from_us(a).strftime("%H:%M"), from_us(b).strftime("%H:%M")) for a, b in intervals]


def _at(text: str) -> int:
    return to_us(datetime.fromisoformat(text.replace("Z", "+00:00")))


def test_it_finds_the_offset_changes_of_a_day():
    pieces = offset_pieces("America/New_York", _day("2026-03-08"))
    assert [(from_us(a).strftime("%H:%M"), off // 3_600_000_000) for a, _, off in pieces] == [
        ("00:00", -5),
        ("07:00", -4),
    ]
    assert len(offset_pieces("Australia/Lord_Howe", _day("2026-04-04"))) == 2  # a 30-minute shift
    assert len(offset_pieces("Asia/Kolkata", _day("2026-03-08"))) == 1


def test_it_starts_a_window_that_begins_in_a_dst_gap_when_the_gap_ends():
    # 02:30-03:20 local on the day New York skips 02:00-03:00: only 03:00-03:20 EDT exists
    assert _utc(zone_day("America/New_York", (150, 200, 0), _day("2026-03-08"))) == [
        ("07:00", "07:20")
    ]


def test_it_counts_both_passes_of_a_repeated_hour():
    # 01:00-02:00 local happens twice when New York falls back: 05:00-06:00Z (EDT) and 06:00-07:00Z
    assert _utc(zone_day("America/New_York", (60, 120, 0), _day("2026-11-01"))) == [
        ("05:00", "07:00")
    ]
    assert _utc(zone_day("Europe/London", (60, 120, 0), _day("2026-10-25"))) == [("00:00", "02:00")]


def test_it_splits_a_local_window_across_utc_midnight():
    # 08:00-21:00 in Manila (UTC+8) is 00:00-13:00Z; in Honolulu (UTC-10) it spans two UTC days
    assert _utc(zone_day("Asia/Manila", (480, 1260, 0), _day("2026-05-04"))) == [("00:00", "13:00")]
    assert _utc(zone_day("Pacific/Honolulu", (480, 1260, 0), _day("2026-05-04"))) == [
        ("00:00", "07:00"),
        ("18:00", "00:00"),  # to the end of the UTC day
    ]


def test_it_skips_quiet_days_by_local_date():
    # Monday 2026-05-04 is quiet in Tokyo (UTC+9): its window is Sunday 23:00Z to Monday 12:00Z
    mask = quiet_mask(("mon",))
    tokyo = ("Asia/Tokyo",)
    assert not contains(tokyo, (480, 1260, mask), _at("2026-05-04T02:00:00Z"))
    assert contains(tokyo, (480, 1260, mask), _at("2026-05-04T23:00:00Z"))  # Tuesday 08:00
    assert earliest(tokyo, (480, 1260, mask), _at("2026-05-03T12:00:00Z")) == _at(
        "2026-05-04T23:00:00Z"
    )


@pytest.mark.parametrize(
    ("zones", "expected"),
    [
        (("America/New_York", "Pacific/Honolulu"), "2026-05-04T18:00:00Z"),
        (("Asia/Kolkata", "America/Chicago"), "2026-05-04T13:00:00Z"),  # IN hours, summer only
    ],
)
def test_it_intersects_windows_across_zones(zones, expected):
    start, end = (480, 1140) if "Asia/Kolkata" in zones else (480, 1260)
    assert earliest(zones, (start, end, 0), _at("2026-05-04T10:00:00Z")) == _at(expected)


def test_it_finds_nothing_when_windows_never_meet_or_every_day_is_quiet():
    zones = ("America/New_York", "Asia/Kolkata", "Asia/Tokyo")
    assert earliest(zones, (480, 1260, 0), _at("2026-05-04T10:00:00Z")) is None
    assert earliest(("UTC",), (480, 1260, 0x7F), _at("2026-05-04T10:00:00Z")) is None
    assert earliest(("UTC",), (600, 600, 0), _at("2026-05-04T10:00:00Z")) is None


def test_it_stops_at_the_bound_it_is_given():
    t0 = _at("2026-05-04T22:00:00Z")
    assert earliest(("UTC",), (480, 1260, 0), t0, before=_at("2026-05-05T08:00:00Z")) is None
    assert earliest(("UTC",), (480, 1260, 0), t0, before=_at("2026-05-05T08:01:00Z")) == _at(
        "2026-05-05T08:00:00Z"
    )


def test_it_rounds_up_to_the_next_whole_minute():
    assert earliest(("UTC",), (480, 1260, 0), _at("2026-05-04T09:00:00.000001Z")) == _at(
        "2026-05-04T09:01:00Z"
    )
