"""The lender-facing REST API under ``/api/v1`` (contracts/api.md), with its OpenAPI 3.1
document at ``/api/v1/openapi.json`` (no key needed).

Views are thin: they check the key and its scope (``access``), the Idempotency-Key
(``idempotent``) and the body's shape (marshmallow schemas, documented by flask-smorest), then
call ``outreach.integrations``. Every error is problem+json (``problems``). CSRF does not apply
here: there are no cookies, a bearer key authenticates each request.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException

# The route modules attach their views to ``bp`` when imported (once per process, like the
# hooks below: ``bp`` is registered on every app ``create_app`` builds).
from outreach.web.api import (  # noqa: F401
    access,
    arrangements,
    borrowers,
    events,
    flags,
    loans,
    payments,
    policy,
    problems,
)
from outreach.web.api.blueprint import bp, configure

bp.before_request(access.authenticate)
bp.after_request(access.audit_call)


@bp.errorhandler(Exception)
def _problem(exc: Exception):  # type: ignore[no-untyped-def]
    return problems.response(problems.from_exception(exc))


def install(app: Flask) -> None:
    """Register the API and its document on ``app``; unmatched /api/ paths answer
    problem+json too."""
    configure(app).register_blueprint(bp)

    def _api_http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        # No route matched (or not this method): problem+json under /api/, the usual page
        # elsewhere.
        if problems.is_api_request():
            return problems.response(problems.from_exception(exc))
        return exc

    app.register_error_handler(404, _api_http_error)
    app.register_error_handler(405, _api_http_error)
