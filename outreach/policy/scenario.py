"""Parsing and validating scenarios (contract input) into the frozen dataclasses of facts.py.

Every validation error is a ScenarioError whose message starts with the field's path
(``borrower.country: required``, ``history[2].at: ...``). Unknown keys are ignored (the public
examples carry an ``expect`` key). Optional strings that are empty or null count as absent.
``Scenario.to_dict()`` (facts.py) gives canonical facts: ``parse_scenario(s.to_dict()) == s``.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import phonenumbers

from outreach.policy.data.us_states import MILITARY_REGIONS, region_for_zip, zones_for_region
from outreach.policy.errors import ScenarioError
from outreach.policy.facts import (
    CATEGORIES,
    CHANNELS,
    FLAGS,
    INITIATORS,
    KINDS,
    Borrower,
    HistoryEntry,
    Preferences,
    Scenario,
)
from outreach.policy.timeutil import (
    canonical_zone,
    fast_instant,
    parse_hhmm,
    parse_instant,
)
from outreach.policy.timeutil import type_name as _type
from outreach.policy.windows import WEEKDAYS

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
_REGION = re.compile(r"^[A-Z0-9]{1,3}$")
MIN_YEAR, MAX_YEAR = 1900, 2200
_CHANNEL_SET = frozenset(CHANNELS)
_INITIATOR_SET = frozenset(INITIATORS)


@lru_cache(maxsize=1)
def _iso_countries() -> frozenset[str]:
    text = (resources.files("tzdata") / "zoneinfo" / "iso3166.tab").read_text(encoding="utf-8")
    return frozenset(line[:2] for line in text.splitlines() if line and not line.startswith("#"))


def _choice(value: Any, field: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if value is None:
        raise ScenarioError(field, "required")
    if not isinstance(value, str) or value not in allowed:
        raise ScenarioError(field, f"must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _opt_str(d: dict, key: str, field: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ScenarioError(field, f"must be a string, got {_type(value)}")
    return value.strip() or None


def _obj(value: Any, field: str, *, required: bool = False) -> dict:
    if value is None and not required:
        return {}
    if value is None:
        raise ScenarioError(field, "required")
    if not isinstance(value, dict):
        raise ScenarioError(field, f"must be an object, got {_type(value)}")
    return value


def _names(value: Any, field: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A list of names from ``allowed``, returned de-duplicated in vocabulary order."""
    if value is None:
        return ()
    if type(value) is list:
        try:
            known = _known_names(tuple(value), allowed)
        except TypeError:  # an unhashable item: reported below
            known = None
        if known is not None:
            return known
    if not isinstance(value, list):
        raise ScenarioError(field, f"must be a list, got {_type(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str) or item not in allowed:
            raise ScenarioError(
                f"{field}[{i}]", f"must be one of {', '.join(allowed)}, got {item!r}"
            )
    return tuple(name for name in allowed if name in value)  # pragma: no cover - cached above


@lru_cache(maxsize=4096)
def _known_names(items: tuple, allowed: tuple[str, ...]) -> tuple[str, ...] | None:
    """The canonical tuple for a valid list of names, or None (the caller reports the error)."""
    if not all(type(item) is str and item in allowed for item in items):
        return None
    return tuple(name for name in allowed if name in items)


def _country(value: Any) -> str:
    if type(value) is str:
        return _country_code(value)
    return _country_code_checked(value)


@lru_cache(maxsize=1024)
def _country_code(value: str) -> str:
    return _country_code_checked(value)


def _country_code_checked(value: Any) -> str:
    field = "borrower.country"
    if value is None or value == "":
        raise ScenarioError(field, "required")
    if not isinstance(value, str):
        raise ScenarioError(field, f"must be an ISO 3166-1 alpha-2 code string, got {_type(value)}")
    code = value.strip().upper()
    if code not in _iso_countries():
        hint = " (the code for the United Kingdom is GB)" if code == "UK" else ""
        raise ScenarioError(field, f"not an ISO 3166-1 alpha-2 country code: {value!r}{hint}")
    return code


@lru_cache(maxsize=4096)
def _region(value: str | None, country: str) -> str | None:
    if value is None:
        return None
    code = value.upper()
    if code.startswith(f"{country}-"):
        code = code[len(country) + 1 :]
    if not _REGION.match(code):
        raise ScenarioError("borrower.region", f"not a state/province code: {value!r}")
    if country == "US" and not zones_for_region(code) and code not in MILITARY_REGIONS:
        raise ScenarioError("borrower.region", f"not a US state, DC or territory: {value!r}")
    return code


@lru_cache(maxsize=65536)
def _postal(value: str | None, country: str) -> str | None:
    if value is None or country != "US":
        return value
    match = _ZIP.match(value)
    if not match:
        raise ScenarioError(
            "borrower.postal_code", f"not a US ZIP code (12345 or 12345-6789): {value!r}"
        )
    if region_for_zip(match[1]) is None:
        raise ScenarioError(
            "borrower.postal_code", f"not an allocated US ZIP code prefix: {value!r}"
        )
    return f"{match[1]}-{match[2]}" if match[2] else match[1]


@lru_cache(maxsize=65536)
def _phone(value: str) -> str:
    field = "borrower.phone"
    if not _E164.match(value):
        raise ScenarioError(field, f"must be E.164 ('+' and up to 15 digits, no spaces): {value!r}")
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        raise ScenarioError(field, f"not a phone number: {value!r}") from None
    if not phonenumbers.is_possible_number(number):
        raise ScenarioError(field, f"not a possible phone number: {value!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _preferences(value: Any) -> Preferences | None:
    if value is None:
        return None
    prefs = _obj(value, "borrower.preferences")
    days = prefs.get("quiet_days")
    if isinstance(days, list):
        days = [d.strip().lower() if isinstance(d, str) else d for d in days]
    quiet = _names(days, "borrower.preferences.quiet_days", WEEKDAYS)
    earliest = latest = None
    if prefs.get("earliest") is not None:
        earliest = parse_hhmm(prefs["earliest"], "borrower.preferences.earliest")
    if prefs.get("latest") is not None:
        latest = parse_hhmm(prefs["latest"], "borrower.preferences.latest", allow_24=True)
    if earliest is not None and latest is not None and earliest >= latest:
        raise ScenarioError("borrower.preferences.latest", "must be later than earliest")
    return Preferences(quiet, earliest, latest)


def _last_inbound(value: Any) -> tuple[tuple[str, datetime], ...]:
    raw = _obj(value, "borrower.last_inbound")
    out = []
    for channel in raw:
        if channel not in CHANNELS:
            raise ScenarioError(
                f"borrower.last_inbound.{channel}",
                f"unknown channel (one of {', '.join(CHANNELS)})",
            )
    for channel in CHANNELS:
        if raw.get(channel) is not None:
            out.append((channel, parse_instant(raw[channel], f"borrower.last_inbound.{channel}")))
    return tuple(out)


def _borrower(value: Any) -> Borrower:
    d = _obj(value, "borrower", required=True)
    country = _country(d.get("country"))
    timezone = _opt_str(d, "timezone", "borrower.timezone")
    if timezone is not None and canonical_zone(timezone) is None:
        raise ScenarioError("borrower.timezone", f"not an IANA time zone name: {timezone!r}")
    phone = _opt_str(d, "phone", "borrower.phone")
    email = _opt_str(d, "email", "borrower.email")
    if email is not None and not _email_ok(email):
        raise ScenarioError("borrower.email", f"not an email address: {email!r}")
    borrower = Borrower(
        country=country,
        region=_region(_opt_str(d, "region", "borrower.region"), country),
        postal_code=_postal(_opt_str(d, "postal_code", "borrower.postal_code"), country),
        timezone=timezone,
        phone=_phone(phone) if phone is not None else None,
        email=email,
        postal_address=_opt_str(d, "postal_address", "borrower.postal_address"),
        consent=_names(d.get("consent"), "borrower.consent", CHANNELS),
        opt_outs=_names(d.get("opt_outs"), "borrower.opt_outs", CHANNELS),
        wrong_party=_names(d.get("wrong_party"), "borrower.wrong_party", CHANNELS),
        flags=_names(d.get("flags"), "borrower.flags", FLAGS),
        preferences=_preferences(d.get("preferences")),
        last_inbound=_last_inbound(d.get("last_inbound")),
    )
    if not borrower.zones:
        raise ScenarioError(
            "borrower.country", f"no time zone known for {country}: give borrower.timezone"
        )
    return borrower


@lru_cache(maxsize=65536)
def _email_ok(email: str) -> bool:
    return bool(_EMAIL.match(email))


def _history(value: Any) -> tuple[HistoryEntry, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ScenarioError("history", f"must be a list, got {_type(value)}")
    entries = []
    for i, item in enumerate(value):
        if type(item) is dict:  # the common, well-formed case without helper calls
            channel, by = item.get("channel"), item.get("initiated_by")
            at = fast_instant(item.get("at"))
            if channel in _CHANNEL_SET and at is not None and (by is None or by in _INITIATOR_SET):
                entries.append(HistoryEntry(channel, at, by or "lender"))
                continue
        entry = _obj(item, f"history[{i}]", required=True)
        if entry.get("at") is None:
            raise ScenarioError(f"history[{i}].at", "required")
        entries.append(
            HistoryEntry(
                channel=_choice(entry.get("channel"), f"history[{i}].channel", CHANNELS),
                at=parse_instant(entry["at"], f"history[{i}].at"),
                initiated_by=_choice(
                    entry.get("initiated_by"), f"history[{i}].initiated_by", INITIATORS, "lender"
                ),
            )
        )
    return tuple(entries)


def parse_scenario(d: dict[str, Any]) -> Scenario:
    """Validate one contract input object; raise ScenarioError naming the first bad field."""
    if not isinstance(d, dict):
        raise ScenarioError("scenario", f"must be a JSON object, got {_type(d)}")
    scenario_id = d.get("id")
    if scenario_id is not None and not isinstance(scenario_id, str):
        raise ScenarioError("id", f"must be a string, got {_type(scenario_id)}")
    if d.get("now") is None:
        raise ScenarioError("now", "required")
    now = parse_instant(d["now"], "now")
    if not MIN_YEAR <= now.year <= MAX_YEAR:  # zone tables and the 400-day search need a bound
        raise ScenarioError("now", f"must be between {MIN_YEAR} and {MAX_YEAR}: {d['now']!r}")
    channel = _choice(d.get("channel"), "channel", CHANNELS)
    initiated_by = _choice(d.get("initiated_by"), "initiated_by", INITIATORS, "lender")
    message = _obj(d.get("message"), "message")
    kind = _choice(message.get("kind"), "message.kind", KINDS, "freeform")
    category = _choice(message.get("category"), "message.category", CATEGORIES, "utility")
    return Scenario(
        id=scenario_id,
        now=now,
        channel=channel,
        borrower=_borrower(d.get("borrower")),
        initiated_by=initiated_by,
        message_kind=kind,
        message_category=category,
        history=_history(d.get("history")),
    )
