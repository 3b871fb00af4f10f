"""The ``/api/v1`` blueprint and its OpenAPI 3.1 document (flask-smorest: the document is built
from the routes, their marshmallow schemas and their decorators, never written by hand).

flask-smorest is mounted on the existing Flask app (no app subclass, unlike APIFlask), and its
app-wide error handler is left out: the console keeps its own error pages, and the API's errors
are problem+json (``problems.py``), registered on this blueprint only.
"""

from __future__ import annotations

import http
from typing import Any

import marshmallow as ma
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.utils import prepare_response

from outreach.web.api.body import Parser
from outreach.web.api.problems import MEDIA_TYPE

PREFIX = "/api/v1"
SECURITY_SCHEME = "bearerAuth"
DESCRIPTION = """The lender's systems connect here: the loan book in, payments in, account
flags, a borrower's timeline, arrangement changes, and the contact-policy check.

Authenticate with `Authorization: Bearer <key>` (keys: `flask --app wsgi api-keys create`). Each
operation names the scope it needs. Errors are `application/problem+json` (RFC 9457); a
validation error lists every bad field by its JSON pointer in `errors`. A POST with an
`Idempotency-Key` header is answered once: the same key and body again get the first answer
(with `Idempotency-Replayed: true`), the same key with another body 409."""


class ProblemField(ma.Schema):
    pointer = ma.fields.String(metadata={"description": "JSON pointer into the request body"})
    parameter = ma.fields.String(metadata={"description": "the query parameter or header"})
    detail = ma.fields.String(required=True)


class Problem(ma.Schema):
    """An error (RFC 9457); extension members such as ``required_scope`` may follow."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.List(ma.fields.Nested(ProblemField))


class OutreachApi(Api):
    """flask-smorest's Api with problem+json error responses and no app-wide error handler."""

    ERROR_SCHEMA = Problem
    # No catch-all "default" response: every status an operation can answer is listed, so a
    # contract test can tell an undocumented one (a 500 above all) from a documented one.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        """Nothing app-wide: the API blueprint handles its own errors (``install``)."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response: dict[str, Any] = {"description": status.phrase, "schema": Problem}
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = Parser()


bp = Blueprint("api", __name__, url_prefix=PREFIX, description="The lender-facing REST API")


def configure(app: Any) -> OutreachApi:
    app.config.update(
        API_TITLE="Borrower outreach API",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": DESCRIPTION},
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {
                    SECURITY_SCHEME: {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "An API key: `Authorization: Bearer obk_...`",
                    }
                }
            },
        },
    )
    return OutreachApi(app)
