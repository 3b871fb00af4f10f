"""Errors as ``application/problem+json`` (RFC 9457): ``type``, ``title``, ``status``,
``detail``, and for validation errors ``errors``, each naming its field by a JSON pointer
(``pointer``) or, for a query parameter or header, by name (``parameter``).

Every error an API route can meet ends here: the services' refusals, webargs' validation
messages, werkzeug's HTTP errors, and (logged, never shown) anything unexpected.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from outreach.integrations.problems import Conflict, FieldProblem, InvalidInput, NotFound, pointer

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"
LOCATIONS = {"query": "parameter", "headers": "parameter", "view_args": "parameter"}


class ApiProblem(Exception):
    """An error answer: raise it anywhere under /api/v1."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        errors: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.title = title or HTTPStatus(status).phrase
        self.errors, self.headers, self.extra = errors, headers or {}, extra


def response(problem: ApiProblem) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors is not None:
        body["errors"] = [e.as_dict() for e in problem.errors]
    body.update(problem.extra)
    resp = Response(json.dumps(body, ensure_ascii=False, default=str), problem.status)
    resp.headers["Content-Type"] = MEDIA_TYPE
    resp.headers.update(problem.headers)
    return resp


def _walk(messages: Any, location: str, path: tuple[str | int, ...]) -> list[FieldProblem]:
    """webargs/marshmallow messages (nested dicts ending in lists of strings) as problems."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            step: tuple[str | int, ...] = () if key == "_schema" else (key,)
            out += _walk(value, location, path + step)
        return out
    texts = messages if isinstance(messages, list) else [messages]
    if texts and all(isinstance(t, dict | list) for t in texts):
        return [p for t in texts for p in _walk(t, location, path)]
    detail = " ".join(str(t) for t in texts)
    if location in LOCATIONS:
        return [FieldProblem(None, detail, parameter=".".join(str(p) for p in path))]
    return [FieldProblem(pointer(*path), detail)]


def validation_problems(messages: Any) -> list[FieldProblem]:
    """webargs' ``{"json": {...}, "query": {...}}`` messages as problems."""
    if not isinstance(messages, dict):
        return [FieldProblem("", str(messages))]
    return [p for location, m in messages.items() for p in _walk(m, location, ())]


def from_exception(exc: Exception) -> ApiProblem:
    """The problem answer for anything raised while serving an API route."""
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, InvalidInput):
        return ApiProblem(422, exc.detail, title="Invalid request", errors=exc.problems)
    if isinstance(exc, NotFound):
        return ApiProblem(404, str(exc))
    if isinstance(exc, Conflict):
        errors = [FieldProblem(exc.pointer, str(exc))] if exc.pointer else None
        return ApiProblem(409, str(exc), errors=errors)
    if isinstance(exc, HTTPException):
        data = getattr(exc, "data", None)
        if isinstance(data, dict) and "messages" in data:  # webargs: the schema refused it
            errors = validation_problems(data["messages"])
            detail = "; ".join(f"{e.pointer or e.parameter or 'body'}: {e.detail}" for e in errors)
            return ApiProblem(422, detail, title="Invalid request", errors=errors)
        status = exc.code or 500
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return ApiProblem(status, exc.description or HTTPStatus(status).phrase, headers=headers)
    log.exception("api: %s %s failed", request.method, request.path)
    return ApiProblem(500, "The server could not answer; nothing more is known.")


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)
