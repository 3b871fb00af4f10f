"""Fineract's hooks: ``POST /webhooks/fineract/<FINERACT_HOOK_TOKEN>``.

Fineract signs nothing (its Web hook template sends ``X-Fineract-Entity``,
``X-Fineract-Action``, ``Fineract-Platform-TenantId`` and the command as JSON), so the secret
path token is what authenticates the caller: a wrong token, or no token configured, is a 404,
as if the endpoint did not exist (like the M-Pesa callbacks). What a hook says is never
believed: the connector reads the loan and the transaction from Fineract's API itself
(``outreach.integrations.fineract.hooks``).

Answers: 200 once the hook is stored (whether or not Fineract could be asked about it yet: a
stored hook is retried by the scheduler's Fineract job); 400 for a body that is not a JSON
object or headers missing; 413 past ``MAX_HOOK_BYTES``.
"""

from __future__ import annotations

import hmac
import json
import logging

from flask import Blueprint, Response, abort, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from outreach.integrations.fineract.client import FineractClient
from outreach.integrations.fineract.hooks import process, store
from outreach.web import channels, db, request_now, settings

bp = Blueprint("fineract_hooks", __name__, url_prefix="/webhooks/fineract")
MAX_HOOK_BYTES = 256 * 1024
log = logging.getLogger(__name__)


@bp.before_request
def _bounded_size() -> None:
    request.max_content_length = MAX_HOOK_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> Response:
    return Response("request: too large\n", status=413, mimetype="text/plain")


@bp.post("/<token>")
def hook(token: str) -> Response:
    expected = settings().fineract_hook_token
    if not (settings().fineract_url and expected) or not hmac.compare_digest(
        token.encode(), expected.encode()
    ):
        abort(404)
    entity = request.headers.get("X-Fineract-Entity", "").strip()
    action = request.headers.get("X-Fineract-Action", "").strip()
    if not entity or not action:
        abort(400, description="headers: X-Fineract-Entity and X-Fineract-Action are required")
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        abort(400, description="body: a JSON object (the hook's Content Type must be json)")
    now = request_now()
    stored = store(
        db(), entity, action, request.headers.get("Fineract-Platform-TenantId"), body, now
    )
    try:
        status = process(
            db(), stored, FineractClient.from_settings(settings()), settings(), channels(), now
        )
    except Exception:  # stored: the scheduler's Fineract job acts on it; Fineract never retries
        db().rollback()
        log.exception("fineract: hook %s stored, not processed yet", stored.id)
        status = "pending"
    log.info("fineract: hook %s %s %s -> %s", stored.id, entity, action, status)
    return jsonify({"status": status})
