"""Candidate zones: the maintained tables, the split-area-code correction and the fallbacks."""

from __future__ import annotations

from zoneinfo import available_timezones

import phonenumbers
import pytest
from phonenumbers import timezone as pn_timezone

from outreach.policy.data.country_zones import COUNTRY_ZONES
from outreach.policy.data.us_split_area_codes import SPLIT_AREA_CODES
from outreach.policy.data.us_states import (
    ALL_STATE_ZONES,
    STATE_ZONES,
    TERRITORY_ZONES,
    ZIP3_ZONES,
    ZIP5_ZONES,
    region_for_zip,
    zones_for_zip,
)
from outreach.policy.zones import candidate_zones, phone_zones

NY, CHI, DEN, LA = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"

# What phonenumbers 9.0.43 (requirements.txt) answers for split US area codes. If an upgrade
# changes a line, re-check data/us_split_area_codes.py against it; the union stays correct.
LIBRARY_ANSWERS = {
    "850": {NY},  # misses Central (Pensacola, Panama City)
    "270": {NY},  # misses Central (Bowling Green, Paducah)
    "423": {CHI},  # misses Eastern (Chattanooga)
    "812": {NY},  # misses Central (Evansville)
    "219": {NY},  # misses Central (Gary)
    "605": {DEN, "America/North_Dakota/Center"},  # misses Chicago (Sioux Falls)
    "701": {DEN, "America/North_Dakota/Center"},  # misses Chicago (Fargo)
    "308": {CHI},  # misses Mountain (Scottsbluff)
    "620": {CHI},  # misses Mountain (Syracuse KS)
    "785": {CHI},  # misses Mountain (Goodland)
    "541": {LA},  # misses Mountain (Ontario OR)
    "906": {NY},  # misses Central (Iron Mountain, Menominee)
    "931": {CHI},
    "915": {DEN},
    "208": {"America/Boise", LA},
    "907": {"America/Adak", "America/Anchorage"},
}


def _library(area_code: str) -> set[str]:
    number = phonenumbers.parse(f"+1{area_code}5550100")
    return set(pn_timezone.time_zones_for_geographical_number(number))


@pytest.mark.parametrize("area_code", sorted(LIBRARY_ANSWERS))
def test_it_documents_what_phonenumbers_returns_for_split_area_codes(area_code):
    assert _library(area_code) == LIBRARY_ANSWERS[area_code]


@pytest.mark.parametrize("area_code", sorted(SPLIT_AREA_CODES))
def test_it_adds_every_zone_of_a_split_area_code_to_the_library_answer(area_code):
    ours = phone_zones(f"+1{area_code}5550100", "US")
    assert set(SPLIT_AREA_CODES[area_code]) <= ours
    assert {z for z in _library(area_code) if z in available_timezones()} <= ours
    assert len(ours) >= 2


@pytest.mark.parametrize(
    ("area_code", "missing"),
    [("850", CHI), ("270", CHI), ("423", NY), ("812", CHI), ("605", CHI), ("701", CHI),
     ("308", DEN), ("620", DEN), ("541", "America/Boise"), ("906", "America/Menominee")],
)  # fmt: skip
def test_it_corrects_the_zone_the_library_misses(area_code, missing):
    assert missing not in _library(area_code)
    assert missing in phone_zones(f"+1{area_code}5550100", "US")


def test_it_lists_only_valid_iana_zones_in_every_table():
    known = available_timezones()
    tables = [
        *STATE_ZONES.values(),
        *TERRITORY_ZONES.values(),
        *ZIP3_ZONES.values(),
        *ZIP5_ZONES.values(),
        *SPLIT_AREA_CODES.values(),
        *COUNTRY_ZONES.values(),
    ]
    for zones in tables:
        for zone in zones:
            assert zone in known, zone
            assert not zone.startswith("Etc/"), zone  # never fixed offsets


def test_it_covers_the_same_zones_as_zone_tab_for_the_50_states_and_dc():
    assert set(ALL_STATE_ZONES) == set(COUNTRY_ZONES["US"])
    assert len(STATE_ZONES) == 51


def test_it_keeps_split_state_zip_zones_within_their_state():
    for prefix, zones in ZIP3_ZONES.items():
        state = region_for_zip(prefix + "01")
        assert state in STATE_ZONES, prefix
        assert set(zones) <= set(STATE_ZONES[state]), (prefix, state)


@pytest.mark.parametrize(
    ("zip5", "zones"),
    [
        ("60601", (CHI,)),
        ("32501", (CHI,)),  # Pensacola
        ("32301", (NY,)),  # Tallahassee
        ("32456", (CHI, NY)),  # Port St. Joe, Gulf County straddles the line
        ("79901", (DEN,)),  # El Paso
        ("75201", (CHI,)),  # Dallas
        ("85004", ("America/Phoenix",)),
        ("86515", ("America/Phoenix", DEN)),  # Window Rock, Navajo Nation
        ("00901", ("America/Puerto_Rico",)),
        ("96799", ("Pacific/Pago_Pago",)),
        ("99501", ("America/Anchorage", "America/Juneau", "America/Sitka", "America/Metlakatla",
                   "America/Yakutat", "America/Nome", "America/Adak")),
        ("09001", ()),  # APO AE: says nothing about where the borrower is
    ],
)  # fmt: skip
def test_it_maps_zip_codes_to_zones(zip5, zones):
    assert zones_for_zip(zip5) == zones


def test_it_uses_every_us_zone_when_only_a_toll_free_number_is_known():
    zones = candidate_zones("US", None, None, None, "+18005550100")
    assert zones == ALL_STATE_ZONES
    assert "America/Puerto_Rico" not in zones and "Pacific/Guam" not in zones


def test_it_uses_a_territory_zone_only_when_the_address_is_there():
    assert candidate_zones("US", "PR", None, None, None) == ("America/Puerto_Rico",)
    assert candidate_zones("US", None, "00901", None, "+18005550100") == ("America/Puerto_Rico",)


def test_it_uses_the_country_zones_when_nothing_narrower_is_known():
    assert candidate_zones("IN", None, None, None, None) == ("Asia/Kolkata",)
    assert candidate_zones("IN", None, None, None, "+919876543210") == ("Asia/Kolkata",)
    assert candidate_zones("GB", None, None, None, "+447700900123") == ("Europe/London",)
    assert candidate_zones("KE", None, None, None, None) == ("Africa/Nairobi",)
    assert candidate_zones("NG", None, None, None, None) == ("Africa/Lagos",)
    assert candidate_zones("PH", None, None, None, None) == ("Asia/Manila",)


def test_it_unions_the_stated_zone_the_address_and_the_phone():
    assert candidate_zones("US", "IL", "60601", "America/Denver", "+12125550100") == (
        CHI,
        DEN,
        NY,
    )


def test_it_adds_a_stated_zone_abroad_without_dropping_the_country_of_record():
    assert candidate_zones("IN", None, None, "America/Chicago", "+919876543210") == (
        CHI,
        "Asia/Kolkata",
    )
    zones = candidate_zones("US", None, None, "Europe/London", None)
    assert "Europe/London" in zones and set(ALL_STATE_ZONES) <= set(zones)


def test_it_lets_a_stated_zone_inside_the_country_narrow_it():
    assert candidate_zones("US", None, None, "America/Denver", "+18005550100") == (DEN,)
    assert candidate_zones("AU", None, None, "Australia/Sydney", "+61412345678") == (
        "Australia/Sydney",
    )


def test_it_adds_the_country_of_a_foreign_mobile_number():
    assert candidate_zones("US", "IL", "60601", None, "+919876543210") == (CHI, "Asia/Kolkata")


def test_it_reports_canonical_zone_names():
    assert candidate_zones("IN", None, None, "Asia/Calcutta", None) == ("Asia/Kolkata",)
    assert candidate_zones("US", None, None, "US/Eastern", None) == (NY,)


def test_it_uses_both_states_when_zip_and_region_disagree():
    assert candidate_zones("US", "CA", "60601", None, None) == (CHI, LA)
