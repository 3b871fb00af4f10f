"""Instants, IANA zones and minute arithmetic shared by the policy modules.

Pure: no clock and no dependence on the machine's own time zone. Instants are handled internally as
integer microseconds since the Unix epoch (UTC), so window, cap and session boundaries compare
exactly. Zones are loaded from the pinned ``tzdata`` package rather than the operating system's
``/usr/share/zoneinfo`` so that two machines with different system tz databases give the same
decision (RULES.md A7.5 asks for the tz database version in the audit record: see TZDATA_VERSION).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from outreach.policy.errors import ScenarioError

US = 1_000_000  # microseconds per second
MINUTE = 60 * US
HOUR = 60 * MINUTE
DAY = 24 * HOUR
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)

try:  # the pinned tzdata package (requirements.txt) is the tz database of record
    import tzdata as _tzdata

    TZDATA_VERSION: str = getattr(_tzdata, "IANA_VERSION", _tzdata.__version__)
    _TZ_ROOT = resources.files("tzdata") / "zoneinfo"
except ImportError:  # pragma: no cover - tzdata is a hard requirement; system zones as a fallback
    TZDATA_VERSION = "system"
    _TZ_ROOT = None


@cache
def get_zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, read from the pinned tzdata package when available."""
    if _TZ_ROOT is not None and "/.." not in name and not name.startswith(("/", ".")):
        path = _TZ_ROOT.joinpath(*name.split("/"))
        if path.is_file():
            with path.open("rb") as fobj:
                return ZoneInfo.from_file(fobj, key=name)
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def _links() -> dict[str, str]:
    """Backward-compatible alias -> canonical zone name, from tzdata.zi ``L target alias`` lines."""
    links: dict[str, str] = {}
    if _TZ_ROOT is None:  # pragma: no cover
        return links
    text = _TZ_ROOT.joinpath("tzdata.zi").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    return links


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=4096)
def canonical_zone(name: str) -> str | None:
    """The canonical IANA name for ``name`` (``Asia/Calcutta`` -> ``Asia/Kolkata``), or None."""
    if name not in _known_zones() and name not in _links():
        return None
    name = _links().get(name, name)
    try:
        get_zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # pragma: no cover - defensive
        return None
    return name


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: object, field: str, *, allow_24: bool = False) -> int:
    """``"HH:MM"`` -> minutes after midnight; ``24:00`` only where ``allow_24``."""
    if isinstance(value, str):
        if allow_24 and value == "24:00":
            return 24 * 60
        match = _HHMM.match(value)
        if match:
            return int(match[1]) * 60 + int(match[2])
    raise ScenarioError(field, f"must be a local time 'HH:MM' (00:00-23:59), got {value!r}")


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_instant(value: object, field: str) -> datetime:
    """An ISO-8601 instant with ``Z`` or an offset -> aware UTC datetime."""
    parsed = fast_instant(value)
    if parsed is not None:
        return parsed
    if not isinstance(value, str):
        raise ScenarioError(field, f"must be an ISO-8601 instant string, got {type_name(value)}")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ScenarioError(field, f"not an ISO-8601 instant: {value!r}") from None
    if len(text) <= 10 or parsed.tzinfo is None:
        raise ScenarioError(field, f"needs a time and a 'Z' or UTC offset: {value!r}")
    return parsed.astimezone(UTC)


def fast_instant(value: object) -> datetime | None:
    """parse_instant for the well-formed case, or None (then parse_instant explains)."""
    if type(value) is str and len(value) > 10:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    return None


def type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def to_us(dt: datetime) -> int:
    """Aware datetime -> integer microseconds since the epoch."""
    return (dt - EPOCH) // _ONE_US


def from_us(t: int) -> datetime:
    return EPOCH + timedelta(microseconds=t)


def ceil_minute(t: int) -> int:
    return -(-t // MINUTE) * MINUTE


def format_instant(dt: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (the contract's format for decisions)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_instant_exact(dt: datetime) -> str:
    """Like format_instant but keeps microseconds when present (canonical scenario facts)."""
    dt = dt.astimezone(UTC)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_offset_us(zone_name: str, t: int) -> int:
    """The zone's UTC offset (microseconds) at instant ``t`` (microseconds since the epoch)."""
    zone = get_zone(zone_name)
    offset = (EPOCH + timedelta(microseconds=t)).astimezone(zone).utcoffset()
    assert offset is not None
    return offset // _ONE_US
