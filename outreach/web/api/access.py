"""Who is calling: the bearer key, its scopes, its rate limit, and the audit of every call.

* Every ``/api/v1`` route but the OpenAPI document needs ``Authorization: Bearer <key>``: no
  key, a key we never issued or a revoked key is 401 (with ``WWW-Authenticate: Bearer``); a key
  without the route's scope is 403 naming the scope.
* Requests are limited per key (``API_RATE_LIMIT``, Flask-Limiter, ``outreach.web.ratelimit``):
  one integration cannot starve the others or the officers' console.
* Every call made with a key we know, revoked ones included, is audited as ``api.call`` by
  ``api:<key name>``: the method, the route's pattern (never the path: it may carry an external
  id) and the status. In its own transaction, so a failed request is audited too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Response, g, request
from flask_limiter.util import get_remote_address

from outreach.audit import log as audit
from outreach.integrations import api_keys
from outreach.web import db, end_transaction, request_now, sessions
from outreach.web.api.blueprint import SECURITY_SCHEME, bp
from outreach.web.api.body import MAX_BODY
from outreach.web.api.problems import ApiProblem

log = logging.getLogger(__name__)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}


@dataclass(frozen=True)
class Caller:
    """The key a request came with (detached from any session)."""

    id: int
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


def caller() -> Caller:
    return g.api_caller


def authenticate() -> None:
    """Before every API route: the bearer key, or 401."""
    request.max_content_length = MAX_BODY
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiProblem(
            401,
            "Send an API key: Authorization: Bearer <key>.",
            title="Unauthorized",
            headers=CHALLENGE,
        )
    key = api_keys.find_key(db(), token)
    if key is None:
        raise ApiProblem(401, "This API key is not valid.", headers=CHALLENGE)
    found = Caller(key.id, key.name, frozenset(key.scope_list))
    if key.revoked_at is not None:
        g.api_audit = found  # a revoked key's attempts are audited under its name
        raise ApiProblem(401, "This API key was revoked.", headers=CHALLENGE)
    g.api_caller = g.api_audit = found
    db().rollback()  # the key lookup's transaction ends here; routes begin their own


def requires(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A route's scope: checked before anything else the route does, and documented."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if scope not in caller().scopes:
                raise ApiProblem(
                    403,
                    f"This API key does not have the scope {scope}.",
                    required_scope=scope,
                )
            return view(*args, **kwargs)

        documented = bp.doc(security=[{SECURITY_SCHEME: [scope]}])(wrapper)
        for status, name in (
            (401, "UNAUTHORIZED"),
            (403, "FORBIDDEN"),
            (429, "TOO_MANY_REQUESTS"),
            (400, "BAD_REQUEST"),
            (413, "REQUEST_ENTITY_TOO_LARGE"),
            (415, "UNSUPPORTED_MEDIA_TYPE"),
        ):
            documented = bp.alt_response(status, response=name)(documented)
        return documented

    return decorator


def limit_key() -> str:
    """The rate-limit counter: the key's (requests without a valid key never get this far)."""
    found = g.get("api_caller")
    return f"api-key:{found.id}" if found else f"api-address:{get_remote_address()}"


def audit_call(resp: Response) -> Response:
    """After every API route: the call in the audit log under the key's name."""
    found = g.get("api_audit")
    if found is None:
        return resp
    details = {
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "status": resp.status_code,
    }
    if resp.headers.get("Idempotency-Replayed"):
        details["replayed"] = True
    end_transaction()
    try:
        with sessions()() as session:
            audit.record(
                session,
                found.actor,
                "api.call",
                subject=f"api_key:{found.id}",
                details=details,
                at=request_now(),
            )
            session.commit()
    except Exception:  # the answer stands; the failure is logged for the operators
        log.exception("api: the audit of a call by key %s failed", found.id)
    return resp
