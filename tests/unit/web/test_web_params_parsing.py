"""Strict parameter parsing (security review finding 20)."""

import re
from datetime import date

import pytest

from outreach.models.base import MAX_ID
from outreach.web.params import digits_up_to, to_date, to_int


@pytest.mark.parametrize("limit", [0, 7, 10, 100, 1999, 2**31 - 1, MAX_ID])
def test_it_builds_a_regex_for_exactly_the_numbers_up_to_a_limit(limit):
    pattern = re.compile(digits_up_to(limit))
    near = {0, 1, 9, 10, 99, 100, 101, limit - 1, limit, limit + 1, limit * 10, limit + 10**5}
    for n in (n for n in near if n >= 0):
        assert bool(pattern.fullmatch(str(n))) == (n <= limit), n


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", 0), ("42", 42), (" 42 ", 42), (str(MAX_ID), MAX_ID), (7, 7)],
)
def test_it_reads_whole_numbers(raw, expected):
    assert to_int(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["²", "٣", "１２", "-1", "1.0", "1e3", "NaN", "", str(MAX_ID + 1), "9" * 40, True, 1.0, None],
)
def test_it_refuses_what_is_not_a_whole_number_in_range(raw):
    assert to_int(raw) is None


def test_it_applies_the_callers_bounds():
    assert to_int("0", minimum=1) is None and to_int("101", maximum=100) is None
    assert to_int("100", minimum=1, maximum=100) == 100


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2026-12-01", date(2026, 12, 1)), ("1900-01-01", date(1900, 1, 1))],
)
def test_it_reads_dates_in_range(raw, expected):
    assert to_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["9999-12-31", "0001-01-01", "2201-01-01", "20261201", "2026-W48-1", "²⁰²⁶-01-01", "", None],
)
def test_it_refuses_far_or_malformed_dates(raw):
    assert to_date(raw) is None
