"""The request's JSON body: parsed once per request, numbers as Decimals (money stays exact),
and every way a body can be wrong answered as a problem, never a traceback.

A body that is not JSON is 400; a JSON document with another media type is 415; NaN and
Infinity are refused (they are not JSON); nesting deep enough to exhaust the parser and
integers past Python's digit limit are refused as not JSON rather than crashing.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from flask import g, request
from webargs import core
from webargs.flaskparser import FlaskParser

from outreach.web.api.problems import ApiProblem

MISSING = object()
_SURROGATE = re.compile(r"\\[uU][dD][89a-fA-F][0-9a-fA-F]{2}")
# The largest body an API call may send: 10,000 loan-book items with every column filled fit.
MAX_BODY = 32 * 1024 * 1024


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse(raw: bytes, *, exact: bool = True) -> Any:
    """``raw`` as JSON (Decimals for numbers unless ``exact`` is False); ApiProblem 400."""
    try:
        text = raw.decode("utf-8-sig")
        if exact:
            data = json.loads(text, parse_float=Decimal, parse_constant=_constant)
        else:
            data = json.loads(text, parse_constant=_constant)
    except UnicodeDecodeError:
        raise ApiProblem(400, "The body is not UTF-8 text.", title="Malformed body") from None
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc) or "too deep"
        raise ApiProblem(400, f"The body is not JSON: {detail}.", title="Malformed body") from None
    if "\\u" in text and _SURROGATE.search(text):
        try:  # an escaped lone surrogate ("\\ud800") decodes to a string no database stores
            json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
        except UnicodeEncodeError:
            raise ApiProblem(
                400,
                "The body is not JSON text a database can keep: it has an unpaired surrogate "
                "escape (\\ud800 to \\udfff).",
                title="Malformed body",
            ) from None
    return data


def is_json_type() -> bool:
    return core.is_json(request.mimetype)


def json_body() -> Any:
    """The request's JSON body (MISSING when there is none), parsed once."""
    if "api_body" not in g:
        raw = request.get_data(cache=True)
        if not raw:
            g.api_body = MISSING
        elif not is_json_type():
            raise ApiProblem(
                415,
                "Send the body as application/json.",
                title="Unsupported media type",
            )
        else:
            g.api_body = parse(raw)
    return g.api_body


class Parser(FlaskParser):
    """webargs' parser reading ``json_body`` (Decimals, problems for malformed bodies)."""

    def _raw_load_json(self, req: Any) -> Any:
        body = json_body()
        return core.missing if body is MISSING else body
