"""Request parameters parsed strictly: a bad one is a 400 that names it, never a 500.

Security review finding 20: ``"²".isdigit()`` is true but ``int("²")`` fails; integers past
64 bits overflow SQLite; dates near year 1 or 9999 overflow date arithmetic. Every route reads
numbers, ids and dates through these helpers (``to_int`` for form fields whose route reports
errors its own way, ``query_*`` for query strings, ``value_id`` for JSON bodies). Ids in URL
paths go through ``Int64Converter`` (installed as ``int`` by ``install``): beyond the 64-bit
range the path names nothing, so it is a 404.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, NoReturn

from flask import Flask, abort, jsonify, make_response, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from outreach.models.base import MAX_ID
from outreach.policy.scenario import MAX_YEAR, MIN_YEAR

# Dates people and ledgers mean (the policy engine's years); far dates are typos or probes.
MIN_DATE, MAX_DATE = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: "²" and "٣" are not ids
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def digits_up_to(limit: int) -> str:
    """A regex matching the decimal numbers 0..``limit`` (no sign, no leading zeros beyond the
    number's length): shorter numbers, then for each digit of ``limit`` a smaller digit there."""
    text = str(limit)
    options = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - i - 1
            options.append(f"{text[:i]}[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    options.append(text)
    return "(?:" + "|".join(options) + ")"


class Int64Converter(IntegerConverter):
    """``<int:...>`` in paths: ASCII digits up to ``MAX_ID``. The limit is in the regex, not only
    in ``max``, so a larger id matches no route for any method: a 404 (werkzeug answers 405 when
    only the converter refuses and another method's rule has the same path)."""

    regex = digits_up_to(MAX_ID)

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def install(app: Flask) -> None:
    """Make ``<int:...>`` the 64-bit converter; call before any blueprint is registered."""
    app.url_map.converters["int"] = Int64Converter


def bad_parameter(name: str, problem: str) -> NoReturn:
    """Stop the request with a 400 naming ``name``: JSON ``{"error": "name: problem"}`` on the
    chat API (the widget's format), a short page elsewhere (the text is escaped by werkzeug)."""
    message = f"{name}: {problem}"
    if request.path.startswith("/chat/api/"):
        abort(make_response(jsonify(error=message), 400))
    raise BadRequest(description=message)


def to_int(raw: Any, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``raw`` (ASCII digits, or an int that is not a bool) as an int in [minimum, maximum],
    else None. For callers that report a bad value their own way (a flash message)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw.strip()):
        value = int(raw.strip())
    else:
        return None
    return value if minimum <= value <= maximum else None


def value_id(raw: Any, name: str, *, default: int = 0) -> int:
    """An id (0..MAX_ID) from a query string or JSON value; missing or empty gives ``default``."""
    if raw is None or raw == "":
        return default
    value = to_int(raw)
    if value is None:
        bad_parameter(name, f"must be a whole number from 0 to {MAX_ID}")
    return value


def query_id(name: str, *, default: int = 0) -> int:
    """``value_id`` of the query-string parameter ``name``."""
    return value_id(request.args.get(name), name, default=default)


def to_date(raw: Any) -> date | None:
    """``YYYY-MM-DD`` between MIN_DATE and MAX_DATE, else None."""
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw.strip()):
        return None
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return value if MIN_DATE <= value <= MAX_DATE else None


def query_date(name: str) -> date | None:
    """The query-string date ``name`` (None when absent or empty); a bad one is a 400."""
    raw = request.args.get(name, "")
    if not raw.strip():
        return None
    value = to_date(raw)
    if value is None:
        bad_parameter(name, f"a date as YYYY-MM-DD between {MIN_DATE} and {MAX_DATE}")
    return value


def to_instant(raw: Any) -> datetime | None:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO instant with its zone, in the date bounds; else
    None."""
    if not isinstance(raw, str) or len(raw.strip()) > 40:
        return None
    day = to_date(raw)
    if day is not None:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None or not MIN_DATE <= value.date() <= MAX_DATE:
        return None
    return value.astimezone(UTC)
