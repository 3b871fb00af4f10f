"""Rate limits on the public chat endpoints, and a flood guard on sign-in (Flask-Limiter).

Counters live in Redis when ``REDIS_URL`` is set, so every web worker on every machine counts
against the same limits (issue 19: shared limits); otherwise in each process's memory (one
worker, development). ``RATELIMIT_STORAGE_URI`` overrides both. If Redis stops answering the
limiter counts in memory until it is back (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) rather than
failing every request. Limits are per client address. The sign-in limits that matter
(failures per address and per account, with a lock-out) are kept in the database by
``outreach.web.login_throttle`` and hold across processes; the one here only sheds floods early.
Naming an account in the chat is limited per loan number as well (finding 1: one loan attacked
from many addresses).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from flask import Flask, current_app, jsonify, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from outreach.selfservice.locks import loan_key
from outreach.web.api import access as api_access
from outreach.web.api import problems as api_problems

# endpoint -> (limit, methods). Sign-in: a flood guard above the database limits (20 failures
# per address in 15 minutes), so those decide; the chat limits keep one client from flooding
# Rasa or the officers' queue while leaving room for 2-second polling.
LIMITS: dict[str, tuple[str, list[str] | None]] = {
    "auth.login": ("30 per minute;300 per hour", ["POST"]),
    "chat.start": ("10 per minute;60 per hour", None),
    "chat.post_message": ("20 per minute", None),
    "chat.identify": ("5 per minute;20 per hour", None),
    "chat.messages": ("90 per minute", None),
    # Each click on a payment page creates a Stripe session or a Razorpay link at the provider.
    "pay.start": ("10 per minute;60 per hour", ["POST"]),
}


def loan_number_key() -> str:
    """The counter for the loan number in an identify request: a keyed digest (the number
    itself never reaches the counter store), the same for any spelling of it."""
    data = request.get_json(silent=True) or {}
    number = data.get("loan_number") if isinstance(data, dict) else None
    if not isinstance(number, str) or not number.strip():
        return "identify:none"
    return "identify:" + loan_key(current_app.extensions["settings"].secret_key, number)


# endpoint -> (limit, methods, key): limits counted by something other than the address.
KEYED_LIMITS: dict[str, tuple[str, list[str] | None, Callable[[], str]]] = {
    "chat.identify": ("10 per hour;30 per day", None, loan_number_key),
}


def storage_uri(env: Mapping[str, str]) -> str:
    """Where the counters live: ``RATELIMIT_STORAGE_URI``, else ``REDIS_URL``, else memory."""
    explicit = env.get("RATELIMIT_STORAGE_URI", "").strip()
    if explicit:
        return explicit
    redis_url = env.get("REDIS_URL", "").strip()
    if redis_url.startswith(("redis://", "rediss://", "redis+unix://")):
        return redis_url
    return "memory://"


def install(app: Flask) -> Limiter:
    """Attach a limiter to ``app`` (after the blueprints are registered)."""
    uri = storage_uri(os.environ)
    app.config.setdefault("RATELIMIT_STORAGE_URI", uri)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "outreach")  # a Redis shared with others
    if not uri.startswith("memory://"):
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 1})
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["outreach.limiter"] = limiter  # benchmarks switch it off (limiter.enabled)
    for endpoint, (rule, methods) in LIMITS.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(rule, methods=methods)(view)
    for endpoint, (rule, methods, key_func) in KEYED_LIMITS.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(rule, methods=methods, key_func=key_func)(
                view
            )

    # The REST API: one budget per API key across its routes (API_RATE_LIMIT), so one
    # integration's burst cannot starve the others or the console.
    api_limit = app.extensions["settings"].api_rate_limit
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("api."):
            app.view_functions[endpoint] = limiter.shared_limit(
                api_limit, scope="api", key_func=api_access.limit_key
            )(view)

    @app.errorhandler(429)
    def _too_many(exc: Exception) -> object:
        if request.path.startswith("/api/"):
            return api_problems.response(
                api_problems.ApiProblem(
                    429,
                    "Too many requests with this API key; retry after the Retry-After header.",
                )
            )
        if request.path.startswith("/chat/api/"):
            return jsonify(error="rate_limited", retry="Please wait a moment."), 429
        return render_template("console/too_many.html"), 429

    return limiter
