"""``Idempotency-Key`` on POST routes: the first answer replayed, another body refused.

The key is claimed (committed) before the route runs and the answer kept when it is done;
the claim is dropped when the route failed in a way worth retrying (a 5xx, which should never
happen, or a rate limit). Keys are per API key: two integrations never see each other's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Response, request

from outreach.integrations import idempotency
from outreach.web import end_transaction, request_now, sessions, settings
from outreach.web.api.access import caller
from outreach.web.api.blueprint import bp
from outreach.web.api.body import MISSING, json_body
from outreach.web.api.problems import ApiProblem, from_exception
from outreach.web.api.problems import response as problem_response

REPLAYED = "Idempotency-Replayed"
HEADER_DOC = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "description": "Any unique string (a UUID): retrying with it never applies the write twice.",
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY},
}


def _fingerprint() -> str:
    body = json_body()
    raw = request.get_data(cache=True)
    parsed = None if body is MISSING else body
    return idempotency.fingerprint(request.method, request.path, raw, parsed)


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Make a POST route answer once per Idempotency-Key (see the module docstring)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw_key = request.headers.get(idempotency.HEADER)
        if raw_key is None:
            return view(*args, **kwargs)
        key = idempotency.check_key(raw_key)
        ttl = timedelta(hours=settings().api_idempotency_hours)
        with sessions()() as session:
            begun = idempotency.begin(session, caller().id, key, _fingerprint(), request_now(), ttl)
        if begun.conflict == "another_request":
            raise ApiProblem(
                409,
                "This Idempotency-Key was used for another request; use a new key.",
                title="Idempotency key reused",
            )
        if begun.conflict == "in_progress":
            raise ApiProblem(
                409,
                "A request with this Idempotency-Key is still being answered; retry later.",
                title="Request in progress",
                headers={"Retry-After": "1"},
            )
        if begun.replay is not None:
            kept = begun.replay
            resp = Response(kept.body, kept.status, content_type=kept.content_type)
            resp.headers[REPLAYED] = "true"
            return resp
        assert begun.record_id is not None
        try:
            resp = view(*args, **kwargs)
        except Exception as exc:
            resp = problem_response(from_exception(exc))
        end_transaction()
        with sessions()() as session:
            if resp.status_code >= 500 or resp.status_code == 429:
                idempotency.abandon(session, begun.record_id)
            else:
                answer = idempotency.Stored(
                    resp.status_code, resp.content_type or "", resp.get_data(as_text=True)
                )
                idempotency.finish(session, begun.record_id, answer)
        return resp

    documented = bp.doc(parameters=[HEADER_DOC])(wrapper)
    return bp.alt_response(409, response="CONFLICT")(documented)
