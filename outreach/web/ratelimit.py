"""Rate limits on the public chat endpoints, and a flood guard on sign-in (Flask-Limiter).

Counters live in ``RATELIMIT_STORAGE_URI`` (memory by default: per process; point it at Redis
when running several workers). Limits are per client address. The sign-in limits that matter
(failures per address and per account, with a lock-out) are kept in the database by
``outreach.login_throttle`` and hold across processes; the one here only sheds floods early.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# endpoint -> (limit, methods). Sign-in: a flood guard above the database limits (20 failures
# per address in 15 minutes), so those decide; the chat limits keep one client from flooding
# Rasa or the officers' queue while leaving room for 2-second polling.
LIMITS: dict[str, tuple[str, list[str] | None]] = {
    "auth.login": ("30 per minute;300 per hour", ["POST"]),
    "chat.start": ("10 per minute;60 per hour", None),
    "chat.post_message": ("20 per minute", None),
    "chat.identify": ("5 per minute;20 per hour", None),
    "chat.messages": ("90 per minute", None),
}


def install(app: Flask) -> Limiter:
    """Attach a limiter to ``app`` (after the blueprints are registered)."""
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    )
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["outreach.limiter"] = limiter  # benchmarks switch it off (limiter.enabled)
    for endpoint, (rule, methods) in LIMITS.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = limiter.limit(rule, methods=methods)(view)

    @app.errorhandler(429)
    def _too_many(exc: Exception) -> tuple[object, int]:
        if request.path.startswith("/chat/api/"):
            return jsonify(error="rate_limited", retry="Please wait a moment."), 429
        return render_template("console/too_many.html"), 429

    return limiter
