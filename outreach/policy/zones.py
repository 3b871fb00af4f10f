"""Candidate zones: every IANA zone the facts indicate, together (RULES.md RF-TIME-3).

The union of the borrower's stated zone, the zone(s) of the postal code or region, and the zone(s)
of the phone number. When the facts give nothing narrower than the country (e.g. a toll-free number
and no address, or only a zone stated in another country), all zones of the country of record; for the US, the zones of the 50 states and DC
(territories only when the address is there). Never a single default zone, never the area code
alone (the CFPB supervisory finding quoted in RULES.md (d)).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as pn_timezone

from outreach.policy.data.country_zones import COUNTRY_ZONES
from outreach.policy.data.us_split_area_codes import SPLIT_AREA_CODES
from outreach.policy.data.us_states import (
    ALL_STATE_ZONES,
    TERRITORY_ZONES,
    region_for_zip,
    zones_for_region,
    zones_for_zip,
)
from outreach.policy.timeutil import canonical_zone, get_zone

# Numbers that say nothing about where the person is.
_NON_GEOGRAPHIC_TYPES = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.VOIP,
        PhoneNumberType.PERSONAL_NUMBER,
        PhoneNumberType.PAGER,
        PhoneNumberType.UAN,
        PhoneNumberType.VOICEMAIL,
        PhoneNumberType.UNKNOWN,
    }
)
_NANP_US = frozenset({"US", "PR", "VI", "GU", "MP", "AS"})


def _canonical(zones: tuple[str, ...] | list[str]) -> frozenset[str]:
    out = set()
    for name in zones:
        zone = canonical_zone(name)
        if zone is not None and not zone.startswith("Etc/"):
            out.add(zone)
    return frozenset(out)


def country_zones(country: str) -> frozenset[str]:
    """All zones of a country; for the US the 50 states and DC only."""
    if country == "US":
        return frozenset(ALL_STATE_ZONES)
    return _canonical(COUNTRY_ZONES.get(country, ()))


@lru_cache(maxsize=65536)
def phone_zones(e164: str, country: str) -> frozenset[str]:
    """Zones a phone number indicates; empty when it indicates nothing narrower than a country.

    * NANP geographic numbers: the library's zones for the number plus every zone of its area code
      if that code spans several zones (data/us_split_area_codes.py corrects the library).
    * Toll-free, premium, personal, VoIP, unknown numbers: nothing.
    * Non-geographic mobiles (most countries outside NANP): nothing narrower than their country,
      so nothing when that country is the borrower's country of record, and the zones of the
      number's country when it is another country (the borrower may be there).
    """
    number = phonenumbers.parse(e164)
    if phonenumbers.number_type(number) in _NON_GEOGRAPHIC_TYPES:
        return frozenset()
    region = phonenumbers.region_code_for_number(number)
    if phonenumbers.is_number_geographical(number):
        zones = set(_canonical(pn_timezone.time_zones_for_geographical_number(number)))
        if number.country_code == 1 and region in _NANP_US:
            area_code = str(number.national_number)[:3]
            zones |= _canonical(SPLIT_AREA_CODES.get(area_code, ()))
        return frozenset(zones)
    if region == country:
        return frozenset()
    return _canonical(pn_timezone.time_zones_for_number(number))


def address_zones(country: str, region: str | None, postal_code: str | None) -> frozenset[str]:
    """Zones of the postal code or region. A ZIP code is narrower than its state and replaces it;
    a ZIP code in another state than ``region`` is a conflict, so both count."""
    if country != "US":
        return frozenset()
    zones: set[str] = set()
    zip_region = None
    if postal_code:
        zip5 = postal_code[:5]
        zip_region = region_for_zip(zip5)
        zones |= set(zones_for_zip(zip5))
    if region and region != zip_region:
        zones |= set(zones_for_region(region))
    return _canonical(tuple(zones))


def address_regions(country: str, region: str | None, postal_code: str | None) -> tuple[str, ...]:
    """Sub-national jurisdictions the address indicates (for rule-pack resolution): the region and
    the ZIP code's state, when they are known."""
    regions = {region} if region else set()
    if country == "US" and postal_code:
        zip_region = region_for_zip(postal_code[:5])
        if zip_region:
            regions.add(zip_region)
    return tuple(sorted(regions))


@lru_cache(maxsize=65536)
def candidate_zones(
    country: str,
    region: str | None,
    postal_code: str | None,
    timezone: str | None,
    phone: str | None,
) -> tuple[str, ...]:
    """Sorted candidate zones for the borrower's facts (see the module docstring).

    The country of record counts with all its zones unless some fact places the borrower more
    narrowly *inside* it: a stated zone in another country adds that zone but does not replace
    the country of record (RULES.md (c) 2: a statement adds a zone, it does not replace others).
    """
    zones: set[str] = set()
    if timezone:
        stated = canonical_zone(timezone)
        if stated:
            zones.add(stated)
    zones |= address_zones(country, region, postal_code)
    if phone:
        zones |= phone_zones(phone, country)
    if not zones & _home_zones(country):
        zones |= country_zones(country)
    return tuple(sorted(zones))


@lru_cache(maxsize=512)
def _home_zones(country: str) -> frozenset[str]:
    """Zones that count as "inside" the country of record (for the US: territories too)."""
    if country == "US":
        return country_zones("US") | _canonical(
            tuple(zone for zones in TERRITORY_ZONES.values() for zone in zones)
        )
    return country_zones(country)


@lru_cache(maxsize=65536)
def calendar_zones(
    country: str, region: str | None, postal_code: str | None, timezone: str | None
) -> tuple[str, ...]:
    """The zones a borrower's calendar day ("today", due, promised and plan dates) is counted in:
    the zone the borrower stated, else the zones of the address, else those of the country."""
    stated = canonical_zone(timezone) if timezone else None
    if stated:
        return (stated,)
    zones = address_zones(country, region, postal_code) or country_zones(country)
    return tuple(sorted(zones)) or ("UTC",)


def calendar_date(zones: tuple[str, ...], at: datetime) -> date:
    """The borrower's "today" at the instant ``at``: the earliest local date among ``zones``.

    A day is over for the borrower only once it is over wherever they may be, so nobody is told a
    payment is late, or a date is past, while it is still that day where they live."""
    return min(at.astimezone(get_zone(zone)).date() for zone in zones)
